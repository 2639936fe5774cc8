"""Asking a container registry whether an image tag or digest exists (Registry HTTP API v2).

Used only with ``--check-registry``: nothing here runs otherwise. A ``HEAD
/v2/<name>/manifests/<reference>`` answers 200 when the image exists and 404
when it does not; a 401 with a ``Bearer`` challenge is answered with an
anonymous token from the realm it names, as ``docker pull`` does.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from k8slint.model.images import ImageReference

MANIFEST_TYPES = ", ".join(
    (
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.docker.distribution.manifest.v2+json",
    )
)
DOCKER_HUB = "registry-1.docker.io"
LOOPBACK = re.compile(r"^(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?$")
TIMEOUT = 10.0


@dataclass(frozen=True, slots=True)
class Lookup:
    exists: bool | None
    """True or False when the registry answered; None when it could not be asked."""
    detail: str


def registry_host(reference: ImageReference) -> str:
    return reference.domain if reference.domain and reference.domain != "docker.io" else "docker.io"


def _endpoint(reference: ImageReference) -> tuple[str, str]:
    host = reference.domain or "docker.io"
    path = reference.path
    if host in ("docker.io", "index.docker.io"):
        host = DOCKER_HUB
        if "/" not in path:
            path = f"library/{path}"
    scheme = "http" if LOOPBACK.match(host) else "https"
    return f"{scheme}://{host}", path


def manifest_exists(reference: ImageReference) -> Lookup:
    base, path = _endpoint(reference)
    ref = reference.digest or reference.tag or "latest"
    url = f"{base}/v2/{path}/manifests/{urllib.parse.quote(ref, safe=':')}"
    try:
        status, challenge = _head(url, None)
        if status == 401 and challenge:
            token = _anonymous_token(challenge)
            if token is None:
                return Lookup(None, "the registry wants credentials")
            status, _ = _head(url, token)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return Lookup(None, f"cannot reach {base}: {reason}")
    if status == 200:
        return Lookup(True, "found")
    if status == 404:
        return Lookup(False, f"{base} has no manifest {path}:{ref}" if not reference.digest else f"{base} has no manifest {path}@{ref}")
    if status in (401, 403):
        return Lookup(None, f"{base} refused anonymous access (HTTP {status})")
    return Lookup(None, f"{base} answered HTTP {status}")


def _head(url: str, token: str | None) -> tuple[int, str | None]:
    request = urllib.request.Request(url, method="HEAD", headers={"Accept": MANIFEST_TYPES})
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            return response.status, None
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("WWW-Authenticate")


def _anonymous_token(challenge: str) -> str | None:
    scheme, _, params = challenge.partition(" ")
    if scheme.lower() != "bearer":
        return None
    fields = dict(re.findall(r'(\w+)="([^"]*)"', params))
    realm = fields.pop("realm", None)
    if not realm:
        return None
    url = realm + "?" + urllib.parse.urlencode(fields)
    with urllib.request.urlopen(url, timeout=TIMEOUT) as response:
        data = json.loads(response.read().decode("utf-8"))
    return data.get("token") or data.get("access_token")
