"""Container image references, checked against the Docker/OCI reference grammar.

From distribution/reference::

    reference        := name [ ":" tag ] [ "@" digest ]
    name             := [domain '/'] remote-name
    domain           := host [':' port-number]
    host             := domain-name | IPv4address | '[' IPv6address ']'
    domain-name      := domain-component ['.' domain-component]*
    domain-component := /([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])/
    remote-name      := path-component ['/' path-component]*
    path-component   := alpha-numeric [separator alpha-numeric]*
    alpha-numeric    := /[a-z0-9]+/
    separator        := /[_.]|__|[-]+/
    tag              := /[\\w][\\w.-]{0,127}/
    digest           := algorithm ":" hex

The first component is a registry host when it contains ``.`` or ``:``, is
``localhost``, or has upper-case letters. The repository path is at most 255
characters. Only sha256 (64 lower-case hex digits) and sha512 (128) digests
are accepted, as the registries do.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

_DOMAIN_COMPONENT = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_IPV6 = r"\[[a-fA-F0-9:]+\]"
_HOST = re.compile(rf"(?:{_DOMAIN_COMPONENT}(?:\.{_DOMAIN_COMPONENT})*|{_IPV6})(?::[0-9]+)?")
_PATH_COMPONENT = re.compile(r"[a-z0-9]+(?:(?:[_.]|__|-+)[a-z0-9]+)*")
_TAG = re.compile(r"[\w][\w.-]{0,127}")
_SPACE = re.compile(r"\s")
_DIGEST_LENGTHS = {"sha256": 64, "sha512": 128}
_HEX = re.compile(r"[a-f0-9]+")
MAX_PATH_LENGTH = 255


class ImageError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class ImageReference:
    domain: str | None
    path: str
    tag: str | None
    digest: str | None

    @property
    def repository(self) -> str:
        return f"{self.domain}/{self.path}" if self.domain else self.path


def image_name(image: str) -> str:
    """An image reference as written, without its tag or digest: what a kustomization's
    ``images: - name:`` matches (``ghcr.io/acme/web:1.2@sha256:...`` -> ``ghcr.io/acme/web``)."""
    name = image.split("@", 1)[0]
    slash, colon = name.rfind("/"), name.rfind(":")
    return name[:colon] if colon > slash else name


def parse_image(text: str) -> ImageReference:
    """Split and check an image reference; raises :class:`ImageError` with the reason."""
    if len(text) > _CACHED_LENGTH:
        return _parse(text)
    reference, problem = _parsed(text)
    if reference is None:
        raise ImageError(problem)
    return reference


_CACHED_LENGTH = 1024
"""Longer texts are parsed each time rather than kept in the cache (no valid reference is that long)."""


@functools.lru_cache(maxsize=16384)  # three rules parse each container's image in turn: room for a large run's images
def _parsed(text: str) -> tuple[ImageReference | None, str]:
    try:
        return _parse(text), ""
    except ImageError as exc:  # the message, not the exception: a fresh one is raised each time
        return None, str(exc)


def _parse(text: str) -> ImageReference:
    if not text:
        raise ImageError("the image is empty")
    if text != text.strip():
        raise ImageError("the image has leading or trailing white space")
    if _SPACE.search(text):
        raise ImageError("the image contains white space")
    name, at, digest = text.partition("@")
    if at:
        _check_digest(digest)
    tag = None
    slash = name.rfind("/")
    colon = name.rfind(":")
    if colon > slash:
        name, tag = name[:colon], name[colon + 1 :]
        if not _TAG.fullmatch(tag):
            raise ImageError(f"tag {tag!r} is invalid: up to 128 letters, digits, '_', '.' and '-', not starting with '.' or '-'")
    domain, path = _split_domain(name)
    if domain is not None and not _HOST.fullmatch(domain):
        raise ImageError(f"registry host {domain!r} is not a valid host name, IP address or [IPv6] with optional port")
    if not path:
        raise ImageError("the repository name is empty")
    for component in path.split("/"):
        if not _PATH_COMPONENT.fullmatch(component):
            raise ImageError(_component_problem(component))
    if len(path) > MAX_PATH_LENGTH:
        raise ImageError(f"the repository path is {len(path)} characters long; at most {MAX_PATH_LENGTH} are allowed")
    return ImageReference(domain, path, tag, digest if at else None)


def _split_domain(name: str) -> tuple[str | None, str]:
    first, slash, rest = name.partition("/")
    if not slash:
        return None, name
    if "." in first or ":" in first or first == "localhost" or first.lower() != first:
        return first, rest
    return None, name


def _component_problem(component: str) -> str:
    if not component:
        return "the repository path has an empty component (a doubled or trailing '/')"
    if component.lower() != component and _PATH_COMPONENT.fullmatch(component.lower()):
        return f"repository name component {component!r} must be lower case"
    return f"repository name component {component!r} is invalid: use lower-case letters and digits, joined by '.', '_', '__' or dashes"


def _check_digest(digest: str) -> None:
    algorithm, colon, encoded = digest.partition(":")
    if not colon:
        raise ImageError(f"digest {digest!r} must be algorithm:hex, e.g. sha256:<64 hex digits>")
    expected = _DIGEST_LENGTHS.get(algorithm)
    if expected is None:
        raise ImageError(f"digest algorithm {algorithm!r} is not supported (use sha256 or sha512)")
    if len(encoded) != expected or not _HEX.fullmatch(encoded):
        raise ImageError(f"{algorithm} digest must be {expected} lower-case hex digits")


WINDOWS_BASE = re.compile(
    r"mcr\.microsoft\.com/windows|nanoserver|servercore|(?:^|[/_.-])windows(?:[/_.:@-]|$)|:ltsc\d{4}\b", re.IGNORECASE
)
"""A base image that is a Windows one: Microsoft's (nanoserver, servercore, mcr.microsoft.com/windows), a
repository named for Windows (``eks-distro-windows-base``, ``windows-server``), or a Long-Term Servicing
Channel tag (``:ltsc2022``). Windows images have no root user: ContainerUser or ContainerAdministrator."""
