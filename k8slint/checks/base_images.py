"""Base images: DF010 base-image-not-found and DF011 registry-unreachable (with --check-registry),
DF012 untrusted-registry (offline, against trusted-registries)."""

from __future__ import annotations

from collections.abc import Iterator

from k8slint.context import RuleContext
from k8slint.findings import Problem
from k8slint.model.dockerfile import DockerfileDoc, base_image_stages
from k8slint.model.images import ImageReference
from k8slint.registry import dockerfile_check


@dockerfile_check("DF010")
def base_image_not_found(doc: DockerfileDoc, ctx: RuleContext) -> Iterator[Problem]:
    if ctx.image_lookups is None:
        return
    for stage, reference in base_image_stages(doc):
        result = ctx.image_lookups[reference]
        if result.exists is False:
            yield Problem(f"base image {stage.base!r} does not exist: {result.detail}", location=doc.location(stage.instruction.line))


@dockerfile_check("DF011")
def registry_unreachable(doc: DockerfileDoc, ctx: RuleContext) -> Iterator[Problem]:
    if ctx.image_lookups is None:
        return
    for stage, reference in base_image_stages(doc):
        result = ctx.image_lookups[reference]
        if result.exists is None:
            yield Problem(f"could not check base image {stage.base!r}: {result.detail}", location=doc.location(stage.instruction.line))


def from_trusted_image_registry(reference: ImageReference, trusted: tuple[str, ...]) -> bool:
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
def untrusted_registry(doc: DockerfileDoc, ctx: RuleContext) -> Iterator[Problem]:
    registries = ctx.trusted_registries
    if not registries:
        return
    for stage, reference in base_image_stages(doc):
        if not from_trusted_image_registry(reference, registries):
            where = reference.domain or "docker.io"
            yield Problem(
                f"base image {stage.base!r} comes from {where}, which is not in trusted-registries ({', '.join(registries)})",
                location=doc.location(stage.instruction.line),
            )
