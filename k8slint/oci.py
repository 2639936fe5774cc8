"""Asking a container registry whether an image tag or digest exists (Registry HTTP API v2).

Used only with ``--check-registry``: nothing here runs otherwise. A ``HEAD
/v2/<name>/manifests/<reference>`` answers 200 when the image exists and 404
when it does not; a 401 with a ``Bearer`` challenge is answered with an
anonymous token from the realm it names, as ``docker pull`` does.

The image names, and so the registries, come from the linted repository, and a
registry's answers are as untrusted as the repository. So:

- Registries, token realms and redirects are asked over https only; plain http
  only for hosts listed in the config's ``insecure-registries``. No other
  scheme is ever opened (a ``file://`` realm is refused, not read).
- Hosts that resolve to link-local addresses (169.254.0.0/16, fe80::/10: where
  cloud metadata services answer) are never connected to.
- A token realm must be on the registry's host or in its domain: the host
  itself, a subdomain, its parent domain or a sibling under it
  (``registry-1.docker.io`` -> ``auth.docker.io``, ``registry.gitlab.com`` ->
  ``gitlab.com``), never a parent of fewer than two labels; for an IP address,
  only the same address. The realm gets a GET with the challenge's ``service``
  and ``scope`` and nothing else.
- The token goes only to the origin (scheme, host, port) whose 401 issued the
  challenge. Redirects are followed by hand, at most MAX_REDIRECTS, each hop
  under the same scheme rules, and Authorization is sent to no other origin.
- k8slint reads no credentials (no docker config) and sends none: tokens are
  anonymous.
- Each lookup has a total deadline (LOOKUP_SECONDS for name resolution,
  connection, TLS, headers and body together) and the lookups of a run share
  RUN_SECONDS; a host that let a lookup run out is not asked again in the run.
- A token answer is read up to MAX_TOKEN_BYTES; no other body is read.
- Any answer that does not follow the protocol becomes a detail for a
  registry-unreachable finding, which never quotes more than a short, escaped
  cut of what the registry sent.
"""

from __future__ import annotations

import http.client
import ipaddress
import json
import re
import socket
import ssl
import threading
import time
import urllib.parse
from collections.abc import Iterable
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
LOOKUP_SECONDS = 10.0
"""Total time for one image's lookup: every connection, handshake, header and body of it."""
RUN_SECONDS = 60.0
"""Total time for all the lookups of one run."""
MAX_REDIRECTS = 5
MAX_TOKEN_BYTES = 64 * 1024
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_CHALLENGE_PARAM = re.compile(r'(\w+)="([^"]*)"')
_TOKEN = re.compile(r"[\x21-\x7e]+")
_READ_SIZE = 16 * 1024


@dataclass(frozen=True, slots=True)
class Lookup:
    exists: bool | None
    """True or False when the registry answered; None when it could not be asked."""
    detail: str


class RegistryError(Exception):
    """An answer k8slint does not follow; the message is safe to print (no raw content beyond a cut)."""


class _Stalled(Exception):
    """The lookup's deadline passed."""


@dataclass(frozen=True, slots=True)
class Origin:
    scheme: str
    host: str
    """Lower case, without brackets for IPv6."""
    port: int

    @property
    def authority(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        default = 443 if self.scheme == "https" else 80
        return host if self.port == default else f"{host}:{self.port}"

    def __str__(self) -> str:
        return f"{self.scheme}://{self.authority}"


def _shown(text: str, limit: int = 80, quote: str = "'") -> str:
    """``text`` quoted, with non-ASCII and control characters escaped, cut to ``limit`` characters."""
    pieces: list[str] = []
    size = 0
    for char in text:
        piece = ascii(char)[1:-1]
        if size + len(piece) > limit:
            return quote + "".join(pieces) + quote + "…"
        pieces.append(piece)
        size += len(piece)
    return quote + "".join(pieces) + quote


def _endpoint(reference: ImageReference) -> tuple[str, str]:
    host = reference.domain or "docker.io"
    path = reference.path
    if host in ("docker.io", "index.docker.io"):
        host = DOCKER_HUB
        if "/" not in path:
            path = f"library/{path}"
    return host, path


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def in_registry_domain(realm_host: str, registry: str) -> bool:
    """Whether a token realm on ``realm_host`` belongs to the registry on host ``registry``."""
    if realm_host == registry:
        return True
    if _is_ip(realm_host) or _is_ip(registry):
        return False
    if realm_host.endswith("." + registry):
        return True
    parent = registry.partition(".")[2]
    return "." in parent and (realm_host == parent or realm_host.endswith("." + parent))


def _forbidden_address(address: str) -> bool:
    ip = ipaddress.ip_address(address.partition("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_link_local or ip.is_unspecified or ip.is_multicast


class RegistryClient:
    """The lookups of one run: its scheme policy, its time budget, and a cache by image."""

    def __init__(
        self,
        insecure_registries: Iterable[str] = (),
        *,
        lookup_seconds: float | None = None,
        run_seconds: float | None = None,
    ) -> None:
        self.insecure = {entry.strip().rstrip("/").lower() for entry in insecure_registries}
        self.lookup_seconds = LOOKUP_SECONDS if lookup_seconds is None else lookup_seconds
        self.run_seconds = RUN_SECONDS if run_seconds is None else run_seconds
        self._left = self.run_seconds
        self._cache: dict[tuple[str | None, ...], Lookup] = {}
        self._stalled: dict[str, str] = {}
        self._tls: ssl.SSLContext | None = None

    @property
    def tls(self) -> ssl.SSLContext:
        if self._tls is None:
            self._tls = ssl.create_default_context()
        return self._tls

    def allows_http(self, origin_host: str, port: int) -> bool:
        host = f"[{origin_host}]" if ":" in origin_host else origin_host
        return host in self.insecure or f"{host}:{port}" in self.insecure

    def origin(self, url: str, what: str) -> Origin:
        """The origin of ``url`` if k8slint may ask it; RegistryError saying why not otherwise."""
        try:
            parts = urllib.parse.urlsplit(url)
            port = parts.port
        except ValueError:
            raise RegistryError(f"{what} {_shown(url)} is not a valid URL") from None
        scheme = parts.scheme.lower()
        host = (parts.hostname or "").rstrip(".")
        if scheme not in ("https", "http") or not host:
            raise RegistryError(f"{what} {_shown(url)} is not an https URL: not asked")
        if parts.username is not None or parts.password is not None:
            raise RegistryError(f"{what} {_shown(url)} holds user information: not asked")
        port = port or (443 if scheme == "https" else 80)
        if scheme == "http" and not self.allows_http(host, port):
            raise RegistryError(f"{what} {_shown(url)} is plain http, and {host} is not in insecure-registries: not asked")
        return Origin(scheme, host, port)

    def manifest_exists(self, reference: ImageReference) -> Lookup:
        key = (reference.domain, reference.path, reference.tag, reference.digest)
        if key not in self._cache:
            self._cache[key] = self._ask(reference)
        return self._cache[key]

    def _ask(self, reference: ImageReference) -> Lookup:
        host, _ = _endpoint(reference)
        if host.lower() in self._stalled:
            return Lookup(None, self._stalled[host.lower()])
        seconds = min(self.lookup_seconds, self._left)
        if seconds <= 0:
            return Lookup(None, f"not asked: the registry lookups of this run used their {self.run_seconds:g} s")
        exchange = _Exchange(self, time.monotonic() + seconds)
        outcome: list[Lookup] = []
        # A thread, so that the deadline also holds while name resolution or a TLS handshake blocks.
        worker = threading.Thread(target=exchange.run, args=(reference, outcome), name="k8slint-registry", daemon=True)
        started = time.monotonic()
        worker.start()
        worker.join(seconds)
        self._left -= time.monotonic() - started
        if not outcome:
            exchange.abort()
            return self._stall(host, seconds)
        if exchange.stalled:
            return self._stall(host, seconds)
        return outcome[0]

    def _stall(self, host: str, seconds: float) -> Lookup:
        detail = f"{host} gave no complete answer within {seconds:g} s"
        self._stalled[host.lower()] = detail
        return Lookup(None, detail)


@dataclass(frozen=True, slots=True)
class _Answer:
    status: int
    url: str
    origin: Origin
    challenges: list[str]
    location: str | None
    body: bytes


class _Connection(http.client.HTTPConnection):
    """One connection to ``origin``, opened through the exchange (address checks, abort, deadline)."""

    def __init__(self, exchange: _Exchange, origin: Origin) -> None:
        super().__init__(origin.host, origin.port, timeout=exchange.remaining())
        self.default_port = 443 if origin.scheme == "https" else 80  # the Host header omits it
        self.exchange = exchange
        self.origin = origin

    def connect(self) -> None:
        proxy = proxy_for(self.origin)
        if proxy is None:
            sock = self.exchange.open(self.origin.host, self.origin.port)
        else:
            sock = self.exchange.open(proxy.host, proxy.port)
            self.exchange.tunnel(sock, self.origin, proxy)
        if self.origin.scheme == "https":
            # wrapping detaches the plain socket: the TLS one is tracked before its handshake can block
            sock = self.exchange.client.tls.wrap_socket(sock, server_hostname=self.origin.host, do_handshake_on_connect=False)
            self.exchange.track(sock)
            sock.do_handshake()
        self.exchange.remaining()  # nothing is sent once the lookup was given up
        self.sock = sock


class _Exchange:
    """The requests of one lookup, bound by one deadline; ``abort`` ends them from another thread."""

    def __init__(self, client: RegistryClient, deadline: float) -> None:
        self.client = client
        self.deadline = deadline
        self.stalled = False
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._aborted = False

    def remaining(self) -> float:
        left = self.deadline - time.monotonic()
        if left <= 0 or self._aborted:
            raise _Stalled
        return left

    def abort(self) -> None:
        with self._lock:
            self._aborted = True
            sockets = list(self._sockets)
        for sock in sockets:
            try:
                # the plain socket's shutdown (not SSLSocket's): it wakes a read blocked in the worker thread
                socket.socket.shutdown(sock, socket.SHUT_RDWR)
            except OSError:
                pass

    def track(self, sock: socket.socket) -> None:
        with self._lock:
            if self._aborted:
                sock.close()
                raise _Stalled
            self._sockets.append(sock)

    def open(self, host: str, port: int) -> socket.socket:
        error: Exception | None = None
        for family, kind, proto, _, address in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM):
            if _forbidden_address(str(address[0])):
                error = RegistryError(f"{host} resolves to {address[0]}, a link-local or unspecified address: not asked")
                continue
            sock = socket.socket(family, kind, proto)
            self.track(sock)
            try:
                sock.settimeout(self.remaining())
                sock.connect(address)
                return sock
            except OSError as exc:
                sock.close()
                error = exc
        raise error if error is not None else OSError(f"{host} has no address")

    def tunnel(self, sock: socket.socket, origin: Origin, proxy: Proxy) -> None:
        """Ask the proxy on ``sock`` for a tunnel to ``origin`` (HTTP CONNECT), within the deadline.

        Its answer is read up to the end of its headers, at most _PROXY_ANSWER_LIMIT bytes;
        anything but a 2xx status is a RegistryError naming the proxy (never its credentials).
        """
        if _is_ip(origin.host) and _forbidden_address(origin.host):  # the proxy resolves names; literals are ours to refuse
            raise RegistryError(f"{origin.host} is a link-local or unspecified address: not asked")
        target = f"[{origin.host}]:{origin.port}" if ":" in origin.host else f"{origin.host}:{origin.port}"
        request = f"CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n"
        if proxy.authorization:
            request += f"Proxy-Authorization: {proxy.authorization}\r\n"
        sock.settimeout(self.remaining())
        sock.sendall((request + "\r\n").encode("ascii"))
        answer = b""
        while b"\r\n\r\n" not in answer:
            if len(answer) > _PROXY_ANSWER_LIMIT:
                raise RegistryError(f"the proxy {proxy.host}:{proxy.port} sent an answer too long to be one")
            sock.settimeout(self.remaining())
            chunk = sock.recv(_READ_SIZE)
            if not chunk:
                raise RegistryError(f"the proxy {proxy.host}:{proxy.port} closed the connection")
            answer += chunk
        head, _, rest = answer.partition(b"\r\n\r\n")
        status = head.split(b"\r\n", 1)[0].split()
        if len(status) < 2 or not status[0].startswith(b"HTTP/") or not status[1].startswith(b"2") or rest:
            shown = _shown(head.split(b"\r\n", 1)[0].decode("latin-1"))
            raise RegistryError(f"the proxy {proxy.host}:{proxy.port} refused a tunnel to {target}: {shown}")

    def run(self, reference: ImageReference, outcome: list[Lookup]) -> None:
        host, _ = _endpoint(reference)
        try:
            result = self._lookup(reference)
        except (_Stalled, TimeoutError):
            self.stalled = True
            result = Lookup(None, f"{host} gave no complete answer in time")
        except RegistryError as exc:
            result = Lookup(None, str(exc))
        except http.client.HTTPException as exc:
            result = Lookup(None, f"{host} sent a malformed HTTP answer ({type(exc).__name__})")
        except OSError as exc:
            result = Lookup(None, f"cannot reach {host}: {_shown(exc.strerror or str(exc), 200, quote='')}")
        except Exception as exc:
            result = Lookup(None, f"{host} sent an answer k8slint cannot follow ({type(exc).__name__})")
        finally:
            with self._lock:
                sockets, self._sockets = self._sockets, []
            for sock in sockets:
                sock.close()
        outcome.append(result)

    def _lookup(self, reference: ImageReference) -> Lookup:
        host, path = _endpoint(reference)
        ref = reference.digest or reference.tag or "latest"
        scheme = "http" if self.client.allows_http(*_host_port(host)) else "https"
        url = f"{scheme}://{host}/v2/{path}/manifests/{urllib.parse.quote(ref, safe=':')}"
        base = f"{scheme}://{host}"
        answer = self.request("HEAD", url, None, 0)
        if answer.status == 401:
            challenge = next((c for c in answer.challenges if c[:7].lower() == "bearer "), None)
            if challenge is None:
                return Lookup(None, f"{base} wants credentials")
            token = self._token(challenge, answer.origin)
            answer = self.request("HEAD", answer.url, (answer.origin, token), 0)
        if answer.status == 200:
            return Lookup(True, "found")
        if answer.status == 404:
            sep = "@" if reference.digest else ":"
            return Lookup(False, f"{base} has no manifest {path}{sep}{ref}")
        if answer.status in (401, 403):
            return Lookup(None, f"{base} refused anonymous access (HTTP {answer.status})")
        return Lookup(None, f"{base} answered HTTP {answer.status}")

    def _token(self, challenge: str, issuer: Origin) -> str:
        fields = dict(_CHALLENGE_PARAM.findall(challenge[7:]))
        realm = fields.pop("realm", "")
        if not realm:
            raise RegistryError(f"{issuer} sent a Bearer challenge without a realm")
        origin = self.client.origin(realm, "the token realm")
        if not in_registry_domain(origin.host, issuer.host) and not self.client.allows_http(origin.host, origin.port):
            raise RegistryError(f"the token realm {_shown(realm)} is outside the domain of {issuer.host}: not asked")
        query = urllib.parse.urlencode(fields)
        url = urllib.parse.urlsplit(realm)._replace(fragment="").geturl()
        if query:
            url += ("&" if "?" in url else "?") + query
        answer = self.request("GET", url, None, MAX_TOKEN_BYTES)
        if answer.status != 200:
            raise RegistryError(f"the token realm {answer.origin} answered HTTP {answer.status}")
        try:
            data = json.loads(answer.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            raise RegistryError(f"the token realm {answer.origin} answered with something that is not JSON") from None
        token = (data.get("token") or data.get("access_token")) if isinstance(data, dict) else None
        if not isinstance(token, str) or not _TOKEN.fullmatch(token):
            raise RegistryError(f"the token realm {answer.origin} answered without a usable token")
        return token

    def request(self, method: str, url: str, bearer: tuple[Origin, str] | None, body_limit: int) -> _Answer:
        """``method`` on ``url``, following redirects; the token only to its origin; the body up to ``body_limit``."""
        what = "the registry URL"
        for _ in range(MAX_REDIRECTS + 1):
            origin = self.client.origin(url, what)
            headers = {"Accept": MANIFEST_TYPES if method == "HEAD" else "application/json", "User-Agent": "k8slint"}
            if bearer is not None and bearer[0] == origin:
                headers["Authorization"] = f"Bearer {bearer[1]}"
            answer = self._once(method, url, origin, headers, body_limit)
            if answer.status not in REDIRECT_STATUSES:
                return answer
            if not answer.location:
                raise RegistryError(f"{origin} answered HTTP {answer.status} without a Location")
            url = urllib.parse.urljoin(url, answer.location)
            what = f"the redirect from {origin} to"
        raise RegistryError(f"more than {MAX_REDIRECTS} redirects, the last from {origin}")

    def _once(self, method: str, url: str, origin: Origin, headers: dict[str, str], body_limit: int) -> _Answer:
        parts = urllib.parse.urlsplit(url)
        target = urllib.parse.urlunsplit(("", "", parts.path or "/", parts.query, ""))
        connection = _Connection(self, origin)
        try:
            try:
                connection.request(method, target, headers=headers)
            except http.client.InvalidURL:
                raise RegistryError(f"{_shown(url)} is not a URL k8slint can ask") from None
            response = connection.getresponse()
            status = response.status
            location = response.getheader("Location") if status in REDIRECT_STATUSES else None
            challenges = response.msg.get_all("WWW-Authenticate") or []
            body = self._read(response, origin, body_limit) if body_limit and status == 200 else b""
            return _Answer(status, url, origin, challenges, location, body)
        finally:
            connection.close()

    def _read(self, response: http.client.HTTPResponse, origin: Origin, limit: int) -> bytes:
        if response.length is not None and response.length > limit:
            raise RegistryError(f"{origin} announced {response.length} bytes, over the {limit // 1024} KiB limit: not read")
        chunks: list[bytes] = []
        size = 0
        while size <= limit:
            self.remaining()  # a server that trickles its body stops at the deadline
            chunk = response.read1(min(_READ_SIZE, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:
            raise RegistryError(f"{origin} sent more than {limit // 1024} KiB: not read further")
        return b"".join(chunks)


_PROXY_ANSWER_LIMIT = 16 * 1024


@dataclass(frozen=True, slots=True)
class Proxy:
    host: str
    port: int
    authorization: str | None = None
    """A Proxy-Authorization header value, from user information in the proxy URL."""


def proxy_for(origin: Origin) -> Proxy | None:
    """The proxy the environment names for ``origin`` (HTTPS_PROXY / HTTP_PROXY, less NO_PROXY), if any.

    The proxy is the CI owner's setting, not the repository's; every connection
    through it is a CONNECT tunnel, so TLS runs end to end and the proxy never
    sees a token.
    """
    import os

    names = ("https_proxy", "HTTPS_PROXY") if origin.scheme == "https" else ("http_proxy", "HTTP_PROXY")
    url = next((os.environ[name] for name in names if os.environ.get(name)), None)
    if url is None:
        return None
    if _no_proxy(origin, os.environ.get("no_proxy") or os.environ.get("NO_PROXY") or ""):
        return None
    parts = urllib.parse.urlsplit(url if "://" in url else f"http://{url}")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise RegistryError("the proxy URL in the environment has no valid port") from None
    if parts.scheme not in ("http", "") or not parts.hostname:
        raise RegistryError("the proxy URL in the environment is not an http:// proxy")
    authorization = None
    if parts.username is not None:
        import base64

        pair = f"{urllib.parse.unquote(parts.username)}:{urllib.parse.unquote(parts.password or '')}"
        authorization = "Basic " + base64.b64encode(pair.encode("utf-8")).decode("ascii")
    return Proxy(parts.hostname, port, authorization)


def _no_proxy(origin: Origin, entries: str) -> bool:
    """Whether NO_PROXY exempts ``origin``, as curl and Python's urllib read it: ``*``, or a
    host name (a leading dot optional) that is the host or a domain above it, with an
    optional port that must then match."""
    host = origin.host.lower().rstrip(".")
    for entry in (item.strip().lower() for item in entries.split(",")):
        if not entry:
            continue
        if entry == "*":
            return True
        name, _, port = entry.rpartition(":") if entry.count(":") == 1 else (entry, "", "")
        if port and (not port.isascii() or not port.isdigit() or int(port) != origin.port):
            continue
        name = name.lstrip(".").rstrip(".")
        if host == name or host.endswith("." + name):
            return True
    return False


def _host_port(authority: str) -> tuple[str, int]:
    try:
        parts = urllib.parse.urlsplit(f"//{authority}")
        return (parts.hostname or authority).lower(), parts.port or 80
    except ValueError:
        raise RegistryError(f"{_shown(authority)} is not a registry host k8slint can ask") from None
