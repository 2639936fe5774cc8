"""Which Dockerfile builds which container image.

The config's ``images`` section maps image repositories to Dockerfiles
(``images: {ghcr.io/acme/todo-backend: docker/backend.Dockerfile}``, or a
mapping with ``dockerfile`` and ``required-env``). Without an entry, a
Dockerfile builds the images whose repository's last path component equals the
Dockerfile's folder name (``backend/Dockerfile`` builds ``ghcr.io/acme/backend``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from k8slint.model.images import ImageError, parse_image
from k8slint.model.numbers import ascii_int
from k8slint.model.objects import K8sObject
from k8slint.model.workloads import ContainerView

if TYPE_CHECKING:  # the Dockerfile model itself only where there are Dockerfiles: a run of manifests builds a BuildMap too
    from k8slint.model.dockerfile import DockerBuild, DockerfileDoc, Stage


@dataclass(frozen=True, slots=True)
class ImageSettings:
    repository: str
    dockerfile: str | None
    """Absolute path of the Dockerfile that builds it, when configured."""
    required_env: tuple[str, ...]
    target: str | None = None
    """The stage the image is built to (``docker build --target``), when configured."""
    build_args: tuple[tuple[str, str], ...] = ()
    """The image's build arguments (``docker build --build-arg``), when configured."""


def image_settings(images: Mapping[str, Any], base: str) -> dict[str, ImageSettings]:
    """The ``images`` config section, with Dockerfile paths made absolute against ``base``."""
    found = {}
    for repository, entry in images.items():
        if isinstance(entry, str):
            entry = {"dockerfile": entry}
        path = entry.get("dockerfile")
        found[repository] = ImageSettings(
            repository,
            os.path.abspath(os.path.join(base, path)) if path else None,
            tuple(entry.get("required-env") or ()),
            entry.get("target"),
            tuple((str(k), str(v)) for k, v in (entry.get("build-args") or {}).items()),
        )
    return found


def build_options(path: str, images: Mapping[str, Any], base: str, build_args: Mapping[str, str], targets: Sequence[str]) -> DockerBuild:
    """How the Dockerfile at ``path`` is built: the config's ``build-args`` and the ``--build-arg``
    flags for every Dockerfile, then those of the images the config builds from this file, and
    their ``target`` stages; the ``--target`` flags name stages of any Dockerfile that has them.

    Of several images built from one file, every target is checked and a build argument takes the
    value of the last image entry that gives it.
    """
    from k8slint.model.dockerfile import NO_BUILD_OPTIONS, DockerBuild

    here = os.path.abspath(path)
    values = dict(build_args)
    wanted: list[str] = []
    for entry in image_settings(images, base).values():
        if entry.dockerfile != here:
            continue
        values.update(entry.build_args)
        if entry.target:
            wanted.append(entry.target)
    if not values and not wanted and not targets:
        return NO_BUILD_OPTIONS
    return DockerBuild(values, tuple(wanted), tuple(targets))


# The last path component of an image reference whose registry is a placeholder (``<DOCKER_REPO>/chatbot:1.0``).
_LAST_COMPONENT = re.compile(r"/([a-z0-9]+(?:[._-][a-z0-9]+)*)(?::[A-Za-z0-9_][A-Za-z0-9_.-]*)?(?:@[a-z0-9]+:[a-f0-9]+)?$")


def _last_component(image: Any) -> str | None:
    match = _LAST_COMPONENT.search(image) if isinstance(image, str) else None
    return match.group(1) if match else None


def _official(repo: str) -> bool:
    """A Docker Hub official image (``redis``, ``docker.io/library/redis``): the Docker Official Images program
    builds it, not a Dockerfile of the linted repository (which names it ``FROM`` at most)."""
    if "/" not in repo:
        return True
    domain, _, rest = repo.partition("/")
    return domain in ("docker.io", "index.docker.io", "registry-1.docker.io") and ("/" not in rest or rest.startswith("library/"))


def repository(image: Any) -> str | None:
    if not isinstance(image, str):
        return None
    try:
        return parse_image(image).repository
    except ImageError:
        return None


@dataclass(frozen=True, slots=True)
class BuiltContainer:
    obj: K8sObject
    container: ContainerView
    how: str
    """How the Dockerfile was matched, for messages."""
    stage: Stage | None = None
    """The stage the image is built to: its config entry's target, else the Dockerfile's first target or last stage."""


class BuildMap:
    """Dockerfiles and the Kubernetes containers that run the images they build."""

    def __init__(self, dockerfiles: list[DockerfileDoc], objects: list[K8sObject], settings: dict[str, ImageSettings]) -> None:
        self.settings = settings
        self.requires_env = any(entry.required_env for entry in settings.values())
        """Whether the config names environment variables some image needs (DF007 has work)."""
        self._by_path = {os.path.abspath(d.file.display): d for d in dockerfiles}
        self._by_folder: dict[str, list[DockerfileDoc]] = {}
        for doc in dockerfiles:
            self._by_folder.setdefault(doc.folder_name, []).append(doc)
        self._containers: dict[int, list[BuiltContainer]] = {}
        for obj in objects if dockerfiles else ():
            for container in obj.containers():
                found = self.dockerfile_for(container.data.get("image"), obj.file.display)
                if found is not None:
                    doc, how = found
                    stage = self.stage_for(doc, container.data.get("image"))
                    self._containers.setdefault(id(doc), []).append(BuiltContainer(obj, container, how, stage))

    def dockerfile_for(self, image: Any, near: str | None = None) -> tuple[DockerfileDoc, str] | None:
        """The Dockerfile that builds ``image``: the one the config maps it to, else the one in a
        folder named as the image's last path component (of several, the nearest to the file
        ``near`` that runs it, when one is nearer than the others)."""
        repo = repository(image)
        if repo is not None:
            configured = self.settings.get(repo)
            if configured is not None and configured.dockerfile is not None:
                doc = self._by_path.get(configured.dockerfile)
                return (doc, "mapped in the config's images section") if doc is not None else None
        last = repo.rsplit("/", 1)[-1] if repo is not None else _last_component(image)
        if last is None or (repo is not None and _official(repo)):
            return None  # Docker Hub's official `redis` is not the Dockerfile of a folder named redis
        candidates = self._by_folder.get(last, [])
        if len(candidates) == 1:
            return candidates[0], f"matched by folder name {last!r}"
        if len(candidates) > 1 and near is not None:
            here = os.path.dirname(os.path.abspath(near))
            shared = [len(os.path.commonpath([here, os.path.dirname(os.path.abspath(c.file.display))])) for c in candidates]
            best = max(shared)
            if shared.count(best) == 1:
                return candidates[shared.index(best)], f"matched by folder name {last!r}, the nearest of {len(candidates)}"
        return None

    def stage_for(self, doc: DockerfileDoc, image: Any) -> Stage | None:
        repo = repository(image)
        entry = self.settings.get(repo) if repo is not None else None
        if entry is not None and entry.target:
            named = next((s for s in doc.targets if s.alias == entry.target.lower()), None)
            if named is not None:
                return named
        return doc.final_stage()

    def containers_of(self, doc: DockerfileDoc) -> list[BuiltContainer]:
        return self._containers.get(id(doc), [])

    def required_env(self, image: Any) -> tuple[str, ...]:
        repo = repository(image)
        entry = self.settings.get(repo) if repo else None
        return entry.required_env if entry else ()


def exposed_ports(doc: DockerfileDoc, stage: Stage | None = None) -> Iterator[tuple[int, int, str, int]]:
    """(first port, last port, protocol, line) of each EXPOSE of the stage's chain (of the final stage without one)."""
    from k8slint.model.dockerfile import Unresolved, substitute

    for part in doc.chain(stage if stage is not None else doc.final_stage()):
        for instruction in part.instructions:
            if instruction.keyword != "EXPOSE":
                continue
            for arg in instruction.args:
                try:
                    text = substitute(arg, part.variables)
                except Unresolved:
                    continue
                parsed = parse_expose(text)
                if parsed is not None and parsed[3] is None:
                    yield parsed[0], parsed[1], parsed[2], instruction.line


def parse_expose(text: str) -> tuple[int, int, str, str | None] | None:
    """``8000``, ``8000/tcp``, ``8000-8010/udp`` -> (first, last, protocol, problem)."""
    ports, _, protocol = text.partition("/")
    protocol = protocol.lower() or "tcp"
    first, dash, last = ports.partition("-")
    low, high = ascii_int(first, 10), ascii_int(last, 10) if dash else ascii_int(first, 10)
    if low is None or high is None:
        return None
    problem = None
    if protocol not in ("tcp", "udp", "sctp"):
        problem = f"protocol {protocol!r} is not tcp, udp or sctp"
    return low, high, protocol, problem
