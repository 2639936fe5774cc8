"""Base images: DF010 base-image-not-found and DF011 registry-unreachable (with --check-registry),
DF012 untrusted-registry (offline, against trusted-registries)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from k8slint.findings import Problem
from k8slint.model.dockerfile import DockerfileDoc, base_images
from k8slint.model.images import ImageError, ImageReference, parse_image
from k8slint.registry import dockerfile_check


def _references(doc: DockerfileDoc) -> Iterator[tuple[Any, ImageReference]]:
    for stage in base_images(doc):
        try:
            yield stage, parse_image(stage.base)
        except ImageError:
            continue  # invalid-image-name's finding


_CLIENT = ("registry-client",)
"""The key of the run's RegistryClient in Run.registry_lookups."""


def _lookup(ctx: Any, reference: ImageReference) -> Any:
    from k8slint.oci import RegistryClient

    # one client per run: it holds the lookups' cache, the time budget and the http policy
    shared = ctx.run.registry_lookups
    client = shared.get(_CLIENT)
    if client is None:
        client = shared[_CLIENT] = RegistryClient(ctx.settings.insecure_registries)
    return client.manifest_exists(reference)


@dockerfile_check("DF010")
def base_image_not_found(doc: DockerfileDoc, ctx: Any) -> Iterator[Problem]:
    if not ctx.settings.check_registry:
        return
    for stage, reference in _references(doc):
        result = _lookup(ctx, reference)
        if result.exists is False:
            yield Problem(f"base image {stage.base!r} does not exist: {result.detail}", location=doc.location(stage.instruction.line))


@dockerfile_check("DF011")
def registry_unreachable(doc: DockerfileDoc, ctx: Any) -> Iterator[Problem]:
    if not ctx.settings.check_registry:
        return
    for stage, reference in _references(doc):
        result = _lookup(ctx, reference)
        if result.exists is None:
            yield Problem(
                f"could not check base image {stage.base!r}: {result.detail}", location=doc.location(stage.instruction.line)
            )


def from_trusted_image_registry(reference: ImageReference, trusted: list[str]) -> bool:
    """Whether the image's registry host, or a repository prefix on it, is one of ``trusted``."""
    host = reference.domain or "docker.io"
    path = reference.path
    if host == "docker.io" and "/" not in path:
        path = f"library/{path}"  # official images
    full = f"{host}/{path}"
    for entry in trusted:
        entry = entry.rstrip("/")
        if full == entry or full.startswith(entry + "/") or host == entry:
            return True
    return False


@dockerfile_check("DF012")
def untrusted_registry(doc: DockerfileDoc, ctx: Any) -> Iterator[Problem]:
    registries = ctx.settings.trusted_registries
    if not registries:
        return
    for stage, reference in _references(doc):
        if not from_trusted_image_registry(reference, registries):
            where = reference.domain or "docker.io"
            yield Problem(
                f"base image {stage.base!r} comes from {where}, which is not in trusted-registries "
                f"({', '.join(registries)})",
                location=doc.location(stage.instruction.line),
            )
