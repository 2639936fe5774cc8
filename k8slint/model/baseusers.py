"""The configured user of well-known base images, from their reference alone.

k8slint does not ask registries for image configs, so it cannot know the user
of an arbitrary base image. ``k8slint/data/nonroot-base-images.yaml`` lists a
few images whose upstream build sets a non-root user, each with the source of
that fact; any other image is unknown (None).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from fnmatch import fnmatchcase

from k8slint.model.images import ImageError, parse_image
from k8slint.resources import load_package_yaml


@dataclass(frozen=True, slots=True)
class BaseUser:
    user: str
    source: str


@dataclass(frozen=True, slots=True)
class KnownImage:
    repository: str
    tag: re.Pattern[str] | None
    user: BaseUser


@functools.cache
def known_images() -> tuple[KnownImage, ...]:
    """The table of ``nonroot-base-images.yaml``."""
    return tuple(
        KnownImage(
            entry["repository"],
            re.compile(entry["tag"]) if entry.get("tag") else None,
            BaseUser(str(entry["user"]), " ".join(str(entry["source"]).split())),
        )
        for entry in load_package_yaml("nonroot-base-images.yaml")
    )


def full_repository(domain: str | None, path: str) -> str:
    """The repository with its registry spelled out: ``nginx`` is ``docker.io/library/nginx``."""
    if domain in (None, "docker.io", "index.docker.io", "registry-1.docker.io"):
        return f"docker.io/{path if '/' in path else 'library/' + path}"
    return f"{domain}/{path}"


def known_user(image: str) -> BaseUser | None:
    """The user a listed base image runs as, or None when the image is not listed (or not valid)."""
    try:
        reference = parse_image(image)
    except ImageError:
        return None
    repository = full_repository(reference.domain, reference.path)
    for entry in known_images():
        if not fnmatchcase(repository, entry.repository):
            continue
        if entry.tag is not None and (reference.tag is None or not entry.tag.fullmatch(reference.tag)):
            continue
        return entry.user
    return None


@functools.cache
def official_images() -> frozenset[str]:
    """The names of Docker Hub's official images (``official-images.yaml``)."""
    return frozenset(str(name) for name in load_package_yaml("official-images.yaml"))


def local_image(image: str) -> bool:
    """Whether the reference names an image only a local image store can have: no registry, no
    namespace, and no official image of that name (``bats-jenkins``, which jenkinsci/docker's tests
    build and tag from the repository's Dockerfile). BuildKit would pull docker.io/library/<name>,
    which does not exist; the build works only against a local image, whose user is its own."""
    try:
        reference = parse_image(image)
    except ImageError:
        return False
    return reference.domain is None and "/" not in reference.path and reference.path not in official_images()
