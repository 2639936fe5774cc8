"""--check-registry against hostile registries: real servers on 127.0.0.1, https with a test certificate.

Each server is a small http.server in a thread that records every request it
receives. Host names under ``.test`` resolve to 127.0.0.1 (the resolver is
patched), and the test certificate, trusted through SSL_CERT_FILE, names them:
so the tests reach "other hosts" over real TLS without leaving the machine.
"""

from __future__ import annotations

import shutil
import socket
import ssl
import subprocess
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from conftest import run_lint
from k8slint import oci
from k8slint.model.images import parse_image

REGISTRY = "registry.example.test"
AUTH = "auth.example.test"
CDN = "cdn.elsewhere.test"
EVIL = "evil.elsewhere.test"
NAMES = (REGISTRY, AUTH, CDN, EVIL, "tarpit-a.test", "tarpit-b.test", "tarpit-c.test")
RULES = ["DF010", "DF011"]


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is needed to make the test certificate")
    folder = tmp_path_factory.mktemp("tls")
    names = ",".join(f"DNS:{name}" for name in NAMES) + ",IP:127.0.0.1"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
         "-keyout", str(folder / "key.pem"), "-out", str(folder / "cert.pem"), "-days", "2",
         "-subj", f"/CN={REGISTRY}", "-addext", f"subjectAltName={names}"],
        check=True, capture_output=True,
    )  # fmt: skip
    return folder / "cert.pem", folder / "key.pem"


@pytest.fixture(autouse=True)
def loopback_names(monkeypatch: pytest.MonkeyPatch, certificate: tuple[Path, Path]) -> None:
    """``*.test`` resolves to 127.0.0.1, and the test certificate is the trusted CA."""
    resolve = socket.getaddrinfo

    def fake(host: Any, *args: Any, **kwargs: Any) -> Any:
        return resolve("127.0.0.1" if isinstance(host, str) and host.endswith(".test") else host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"):  # a CI machine's proxy is not these servers'
        monkeypatch.delenv(name, raising=False)


Handler = Callable[[BaseHTTPRequestHandler], None]


class Server:
    """A registry, token realm or CDN on 127.0.0.1 that answers with ``handle`` and records requests."""

    def __init__(self, handle: Handler, certificate: tuple[Path, Path] | None) -> None:
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        self.sent = 0
        server = self

        class RequestHandler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def handle_one(self) -> None:
                server.requests.append((self.command, self.path, {k.lower(): v for k, v in self.headers.items()}))
                try:
                    handle(self)
                except OSError:
                    pass  # the client hung up: what these tests want

            do_GET = do_HEAD = handle_one

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), RequestHandler)
        self.httpd.daemon_threads = True
        if certificate is not None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*certificate)
            self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    @property
    def port(self) -> int:
        return self.httpd.server_address[1]

    def at(self, host: str) -> str:
        return f"{host}:{self.port}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def headers_received(self) -> list[dict[str, str]]:
        return [headers for _, _, headers in self.requests]


@pytest.fixture
def serve(certificate: tuple[Path, Path]) -> Iterator[Callable[..., Server]]:
    servers: list[Server] = []

    def start(handle: Handler, tls: bool = True) -> Server:
        servers.append(Server(handle, certificate if tls else None))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


def answer(status: int, headers: dict[str, str] | None = None, body: bytes = b"") -> Handler:
    def handle(request: BaseHTTPRequestHandler) -> None:
        request.send_response(status)
        for name, value in (headers or {}).items():
            request.send_header(name, value)
        request.send_header("Content-Length", str(len(body)))
        request.end_headers()
        if request.command != "HEAD":
            request.wfile.write(body)

    return handle


def challenged(realm: str, token: str = "tok3n") -> Handler:
    """A registry that asks for a Bearer token from ``realm`` and accepts ``token``."""

    def handle(request: BaseHTTPRequestHandler) -> None:
        if request.headers.get("Authorization") == f"Bearer {token}":
            answer(200)(request)
        else:
            challenge = f'Bearer realm="{realm}",service="{REGISTRY}",scope="repository:team/base:pull"'
            answer(401, {"WWW-Authenticate": challenge})(request)

    return handle


def lint_image(tmp_path: Path, *images: str, insecure: list[str] | None = None) -> list[tuple[str, int, str]]:
    """Lint a Dockerfile of ``images`` in ``tmp_path``/repo, with ``insecure-registries`` in its config if given."""
    folder = tmp_path / "repo"
    folder.mkdir(exist_ok=True)
    (folder / "Dockerfile").write_text("".join(f"FROM {image} AS s{n}\n" for n, image in enumerate(images)) + "USER 10001\n")
    if insecure is not None:
        (folder / ".k8slint.yaml").write_text(f"insecure-registries: {insecure}\n")
    result = run_lint(folder, cwd=folder, select=RULES, check_registry=True)
    return [(f.rule, f.location.line, f.message) for f in result.findings]


def unreachable(findings: list[tuple[str, int, str]], *needles: str) -> None:
    assert [(rule, line) for rule, line, _ in findings] == [("registry-unreachable", 1)], findings
    message = findings[0][2]
    assert len(message) < 400, message
    for needle in needles:
        assert needle in message, message


# --- realms -------------------------------------------------------------------------------------


def test_file_realm_is_neither_read_nor_sent(serve: Callable[..., Server], tmp_path: Path) -> None:
    secret = tmp_path / "config.json"
    secret.write_text('{"token": "TOPSECRET"}')
    # the '#' keeps the challenge's query out of the file name: the file itself would be read
    registry = serve(challenged(f"file://{secret}#", token="TOPSECRET"))
    findings = lint_image(tmp_path, f"{registry.at(REGISTRY)}/team/base:1.0")
    assert all("TOPSECRET" not in repr(request) for request in registry.requests)
    unreachable(findings, "is not an https URL")
    assert len(registry.requests) == 1


@pytest.mark.parametrize("realm", ["ftp://{auth}/token", "gopher://{auth}/", "//{auth}/token", "https://user:pw@{auth}/token"])
def test_realms_of_other_schemes_are_refused(serve: Callable[..., Server], tmp_path: Path, realm: str) -> None:
    auth = serve(answer(200, body=b'{"token": "tok3n"}'))
    registry = serve(challenged(realm.format(auth=auth.at(AUTH))))
    unreachable(lint_image(tmp_path, f"{registry.at(REGISTRY)}/team/base:1.0"), "not asked")
    assert auth.requests == []


def test_token_goes_only_to_the_registry_that_asked_for_it(serve: Callable[..., Server], tmp_path: Path) -> None:
    cdn = serve(answer(200))
    auth = serve(answer(200, body=b'{"token": "tok3n", "expires_in": 300}'))
    realm = f"https://{auth.at(AUTH)}/token"

    def registry_handle(request: BaseHTTPRequestHandler) -> None:
        if request.headers.get("Authorization") == "Bearer tok3n":  # manifests are served by a CDN
            answer(307, {"Location": f"https://{cdn.at(CDN)}/blobs/sha256:abc?sig=1"})(request)
        else:
            challenged(realm)(request)

    registry = serve(registry_handle)
    assert lint_image(tmp_path, f"{registry.at(REGISTRY)}/team/base:1.0") == []
    # the realm (another host of the registry's domain) got a plain GET with service and scope
    assert [(method, path.split("?")[0]) for method, path, _ in auth.requests] == [("GET", "/token")]
    assert "service=registry.example.test" in auth.requests[0][1]
    assert "authorization" not in auth.requests[0][2]
    assert [h.get("authorization") for h in registry.headers_received()] == [None, "Bearer tok3n"]
    assert [h.get("authorization") for h in cdn.headers_received()] == [None]


def test_realm_outside_the_registry_domain_is_not_asked(serve: Callable[..., Server], tmp_path: Path) -> None:
    evil = serve(answer(200, body=b'{"token": "tok3n"}'))
    registry = serve(challenged(f"https://{evil.at(EVIL)}/token"))
    unreachable(lint_image(tmp_path, f"{registry.at(REGISTRY)}/team/base:1.0"), "outside the domain of registry.example.test")
    assert evil.requests == []


def test_plain_http_realm_only_for_insecure_registries(serve: Callable[..., Server], tmp_path: Path) -> None:
    auth = serve(answer(200, body=b'{"token": "tok3n"}'), tls=False)
    registry = serve(challenged(f"http://{auth.at(AUTH)}/token"))
    image = f"{registry.at(REGISTRY)}/team/base:1.0"
    unreachable(lint_image(tmp_path, image), "plain http", "not in insecure-registries")
    assert auth.requests == []
    assert lint_image(tmp_path, image, insecure=[auth.at(AUTH)]) == []
    assert len(auth.requests) == 1


# --- redirects ----------------------------------------------------------------------------------


def test_redirect_to_another_host_drops_authorization_and_is_capped(serve: Callable[..., Server], tmp_path: Path) -> None:
    hops: list[str] = []

    def cdn_handle(request: BaseHTTPRequestHandler) -> None:
        hops.append(request.path)
        answer(302, {"Location": f"/hop{len(hops)}"})(request)  # redirects without end

    cdn = serve(cdn_handle)
    auth = serve(answer(200, body=b'{"token": "tok3n"}'))

    def registry_handle(request: BaseHTTPRequestHandler) -> None:
        if request.headers.get("Authorization"):
            answer(307, {"Location": f"https://{cdn.at(CDN)}/start"})(request)
        else:
            challenged(f"https://{auth.at(AUTH)}/token")(request)

    registry = serve(registry_handle)
    findings = lint_image(tmp_path, f"{registry.at(REGISTRY)}/team/base:1.0")
    assert cdn.requests and all("authorization" not in headers for headers in cdn.headers_received())
    unreachable(findings, f"more than {oci.MAX_REDIRECTS} redirects")
    assert len(cdn.requests) == oci.MAX_REDIRECTS


@pytest.mark.parametrize("location", ["http://{cdn}/blob", "file:///etc/passwd", "https://{cdn}/a b\r\nX: y"])
def test_redirect_to_plain_http_or_other_schemes_is_refused(serve: Callable[..., Server], tmp_path: Path, location: str) -> None:
    cdn = serve(answer(200), tls=False)
    registry = serve(answer(307, {"Location": location.format(cdn=cdn.at(CDN))}))
    unreachable(lint_image(tmp_path, f"{registry.at(REGISTRY)}/team/base:1.0"))
    assert cdn.requests == []


# --- plain http ---------------------------------------------------------------------------------


def test_plain_http_registry_only_when_listed(serve: Callable[..., Server], tmp_path: Path) -> None:
    registry = serve(answer(200), tls=False)
    image = f"127.0.0.1:{registry.port}/team/base:1.0"
    unreachable(lint_image(tmp_path, image), "cannot reach")  # asked over https: the TLS handshake fails
    assert registry.requests == []  # no plain http request was made
    assert lint_image(tmp_path, image, insecure=[f"127.0.0.1:{registry.port}"]) == []
    assert [method for method, _, _ in registry.requests] == ["HEAD"]


def test_link_local_addresses_are_never_asked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    connects: list[object] = []
    monkeypatch.setattr(socket.socket, "connect", lambda self, address: connects.append(address))
    findings = lint_image(tmp_path, "169.254.169.254/latest/meta-data:1", insecure=["169.254.169.254"])
    unreachable(findings, "link-local")
    assert connects == []


# --- deadlines and sizes ------------------------------------------------------------------------


def trickle(first: bytes, then: bytes, every: float = 0.1) -> Handler:
    def handle(request: BaseHTTPRequestHandler) -> None:
        request.wfile.write(first)
        for _ in range(600):
            request.wfile.write(then)
            request.wfile.flush()
            time.sleep(every)

    return handle


def test_trickled_headers_end_at_the_lookup_deadline(serve: Callable[..., Server], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(oci, "LOOKUP_SECONDS", 1.5)
    registry = serve(trickle(b"HTTP/1.1 200 OK\r\n", b"X-Slow: 1\r\n"))
    started = time.monotonic()
    findings = lint_image(tmp_path, f"{registry.at(REGISTRY)}/team/base:1.0", f"{registry.at(REGISTRY)}/team/other:1.0")
    elapsed = time.monotonic() - started
    assert elapsed < 1.5 + 1.5, elapsed  # the second image of that host is not asked again
    assert [(rule, line) for rule, line, _ in findings] == [("registry-unreachable", 1), ("registry-unreachable", 2)]
    assert all("no complete answer within 1.5 s" in message for _, _, message in findings)
    assert len(registry.requests) == 1
    assert_lookups_ended()


def assert_lookups_ended() -> None:
    """The threads of given-up lookups end soon: their sockets were shut down."""
    for _ in range(40):
        if not any(t.name == "k8slint-registry" for t in threading.enumerate()):
            return
        time.sleep(0.05)
    raise AssertionError("a registry lookup thread still runs after its deadline")


def test_slow_name_resolution_ends_at_the_deadline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(oci, "LOOKUP_SECONDS", 1.0)
    release = threading.Event()
    resolve = socket.getaddrinfo

    def slow(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host == "tarpit-b.test":
            release.wait(30)
        return resolve(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", slow)
    started = time.monotonic()
    try:
        findings = lint_image(tmp_path, "tarpit-b.test/team/base:1.0")
    finally:
        release.set()
    assert time.monotonic() - started < 1.0 + 1.5
    unreachable(findings, "no complete answer within 1 s")


def test_trickled_token_body_and_silent_tls_end_at_the_deadline(
    serve: Callable[..., Server], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(oci, "LOOKUP_SECONDS", 1.0)
    auth = serve(trickle(b"HTTP/1.1 200 OK\r\nContent-Length: 60000\r\n\r\n{", b" "))
    registry = serve(challenged(f"https://{auth.at(AUTH)}/token"))
    silent = socket.create_server(("127.0.0.1", 0))  # accepts, never says a word: the handshake waits
    try:
        started = time.monotonic()
        findings = lint_image(tmp_path, f"{registry.at(REGISTRY)}/team/base:1.0", f"tarpit-a.test:{silent.getsockname()[1]}/team/base:1.0")
        elapsed = time.monotonic() - started
    finally:
        silent.close()
    assert elapsed < 2 * 1.0 + 1.5, elapsed
    assert [(rule, line) for rule, line, _ in findings] == [("registry-unreachable", 1), ("registry-unreachable", 2)]
    assert all("no complete answer within 1 s" in message for _, _, message in findings), findings
    assert_lookups_ended()


def test_the_lookups_of_a_run_share_one_budget(serve: Callable[..., Server], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(oci, "LOOKUP_SECONDS", 1.0)
    monkeypatch.setattr(oci, "RUN_SECONDS", 1.5)
    tarpit = serve(trickle(b"HTTP/1.1 200 OK\r\n", b"X-Slow: 1\r\n"))
    images = [f"{tarpit.at(name)}/team/base:1.0" for name in ("tarpit-a.test", "tarpit-b.test", "tarpit-c.test")]
    started = time.monotonic()
    findings = lint_image(tmp_path, *images)
    elapsed = time.monotonic() - started
    assert elapsed < 1.5 + 1.5, elapsed
    assert [rule for rule, _, _ in findings] == ["registry-unreachable"] * 3
    assert "used their 1.5 s" in findings[2][2]


def endless(prefix: bytes, server_sent: list[int]) -> Handler:
    def handle(request: BaseHTTPRequestHandler) -> None:
        request.wfile.write(prefix)
        block = b"0" * 65536
        for _ in range(1024):  # 64 MiB at most, should the client never stop reading
            request.wfile.write(block)
            server_sent[0] += len(block)

    return handle


@pytest.mark.parametrize(
    "head",
    [b"HTTP/1.1 200 OK\r\nContent-Length: 3000000000\r\n\r\n", b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n"],
    ids=["announced", "unannounced"],
)
def test_oversized_token_answer_is_not_read(serve: Callable[..., Server], tmp_path: Path, head: bytes) -> None:
    sent = [0]
    auth = serve(endless(head + b'{"token": "', sent))
    registry = serve(challenged(f"https://{auth.at(AUTH)}/token"))
    started = time.monotonic()
    unreachable(lint_image(tmp_path, f"{registry.at(REGISTRY)}/team/base:1.0"), "KiB")
    assert time.monotonic() - started < 5
    time.sleep(0.2)
    assert sent[0] < 16 * 1024 * 1024  # what the socket buffers took: the client read 64 KiB and hung up


# --- malformed answers --------------------------------------------------------------------------

REALM_ANSWERS = {
    "json-list": b'["token", "tok3n"]',
    "not-json": b"<html>" + b"\x1b]0;title\x07" * 50 + b"</html>",
    "not-utf8": b'{"token": "\xff\xfe"}',
    "deep": b"[" * 60000,
    "number-token": b'{"token": 5}',
    "no-token": b"{}",
    "header-injection": b'{"token": "a\\r\\nX-Injected: 1"}',
}


@pytest.mark.parametrize("body", REALM_ANSWERS.values(), ids=REALM_ANSWERS.keys())
def test_malformed_realm_answers_are_registry_unreachable(serve: Callable[..., Server], tmp_path: Path, body: bytes) -> None:
    auth = serve(answer(200, {"Content-Type": "application/json"}, body))
    registry = serve(challenged(f"https://{auth.at(AUTH)}/token"))
    unreachable(lint_image(tmp_path, f"{registry.at(REGISTRY)}/team/base:1.0"), "token realm")
    assert [h.get("authorization") for h in registry.headers_received()] == [None]  # nothing was sent as a token
    assert all("x-injected" not in headers for headers in registry.headers_received())


def raw(data: bytes) -> Handler:
    def handle(request: BaseHTTPRequestHandler) -> None:
        request.wfile.write(data)
        request.close_connection = True

    return handle


REGISTRY_ANSWERS = {
    "bad-status-line": raw(b"HTTP/1.1 two hundred\r\n\r\n"),
    "garbage": raw(b"\x00\x01\x1b[2J" * 100),
    "long-status-line": raw(b"HTTP/1.1 200 " + b"A" * 70000 + b"\r\n\r\n"),
    "too-many-headers": raw(b"HTTP/1.1 200 OK\r\n" + b"X: 1\r\n" * 200 + b"\r\n"),
    "long-header": raw(b"HTTP/1.1 200 OK\r\nX: " + b"B" * 70000 + b"\r\n\r\n"),
    "empty": raw(b""),
    "challenge-without-realm": answer(401, {"WWW-Authenticate": 'Bearer service="x"'}),
    "huge-realm": answer(401, {"WWW-Authenticate": 'Bearer realm="file:///' + "\x1b" * 5000 + '"'}),
    "redirect-without-location": answer(302),
    "redirect-bad-port": answer(302, {"Location": "https://cdn.elsewhere.test:99999999/x"}),
}


@pytest.mark.parametrize("handle", REGISTRY_ANSWERS.values(), ids=REGISTRY_ANSWERS.keys())
def test_malformed_registry_answers_are_registry_unreachable(serve: Callable[..., Server], tmp_path: Path, handle: Handler) -> None:
    registry = serve(handle)
    findings = lint_image(tmp_path, f"{registry.at(REGISTRY)}/team/base:1.0")
    unreachable(findings)
    assert "\x1b" not in findings[0][2] and "AAAAAAAAAA" * 10 not in findings[0][2]


# --- no network without the flag ----------------------------------------------------------------


def test_no_socket_without_check_registry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("k8slint touched the network without --check-registry")

    for name in ("getaddrinfo", "create_connection"):
        monkeypatch.setattr(socket, name, refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(urllib.request, "urlopen", refuse)
    (tmp_path / "Dockerfile").write_text(f"FROM {REGISTRY}/team/base:1.0\nFROM python:3.12\nUSER 10001\n")
    (tmp_path / ".k8slint.yaml").write_text(f"insecure-registries: [{REGISTRY}]\n")
    assert run_lint(tmp_path, cwd=tmp_path, select=RULES).findings == []


def test_client_policy_units() -> None:
    client = oci.RegistryClient(["LocalHost:5000", "plain.test", "[::1]:8080"])
    assert client.allows_http("localhost", 5000) and not client.allows_http("localhost", 5001)
    assert client.allows_http("plain.test", 1234) and client.allows_http("::1", 8080)
    assert oci.in_registry_domain("auth.docker.io", "registry-1.docker.io")
    assert oci.in_registry_domain("gitlab.com", "registry.gitlab.com")
    assert oci.in_registry_domain("ghcr.io", "ghcr.io") and oci.in_registry_domain("auth.ghcr.io", "ghcr.io")
    assert not oci.in_registry_domain("quay.io", "ghcr.io")  # a one-label parent is a public suffix
    assert not oci.in_registry_domain("127.0.0.2", "127.0.0.1")
    assert not oci.in_registry_domain("docker.io.evil.test", "registry-1.docker.io")
    lookup = client.manifest_exists(parse_image("registry.invalid:99999999/a:1"))
    assert lookup.exists is None


def test_listed_plain_http_registry_answers_present_and_missing(serve: Callable[..., Server], tmp_path: Path) -> None:
    def handle(request: BaseHTTPRequestHandler) -> None:
        answer(200 if request.path.endswith("/manifests/1.0") else 404)(request)

    registry = serve(handle, tls=False)
    host = f"127.0.0.1:{registry.port}"
    findings = lint_image(tmp_path, f"{host}/team/base:1.0", f"{host}/team/base:2.0", insecure=[host])
    assert [(rule, line) for rule, line, _ in findings] == [("base-image-not-found", 2)]
    assert f"http://{host} has no manifest team/base:2.0" in findings[0][2]


@pytest.mark.parametrize("value", ["localhost:5000", "[]", "['']", "[5]"])
def test_insecure_registries_config_is_validated(tmp_path: Path, value: str) -> None:
    from k8slint.config import build_settings
    from k8slint.errors import ConfigError
    from k8slint.registry import registry

    config = tmp_path / ".k8slint.yaml"
    config.write_text(f"insecure-registries: {value}\n")
    if value == "[]":
        assert build_settings(registry(), config).insecure_registries == []
        return
    with pytest.raises(ConfigError, match="insecure-registries"):
        build_settings(registry(), config)


# --- a proxy named by the environment -----------------------------------------------------------


class ConnectProxy:
    """An HTTP CONNECT proxy on 127.0.0.1 that records the tunnels asked for and relays bytes."""

    def __init__(self, refuse: bool = False) -> None:
        self.tunnels: list[tuple[str, dict[str, str]]] = []
        self.refuse = refuse
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._tunnel, args=(client,), daemon=True).start()

    def _tunnel(self, client: socket.socket) -> None:
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = client.recv(4096)
            if not chunk:
                return
            head += chunk
        lines = head.split(b"\r\n\r\n")[0].decode("latin-1").split("\r\n")
        target = lines[0].split()[1]
        headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
        self.tunnels.append((target, headers))
        if self.refuse:
            client.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
            client.close()
            return
        host, _, port = target.rpartition(":")
        upstream = socket.create_connection((host.strip("[]"), int(port)))
        client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")

        def pump(source: socket.socket, sink: socket.socket) -> None:
            try:
                while data := source.recv(65536):
                    sink.sendall(data)
            except OSError:
                pass
            finally:
                for sock in (source, sink):
                    try:
                        sock.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass

        threading.Thread(target=pump, args=(upstream, client), daemon=True).start()
        pump(client, upstream)

    def close(self) -> None:
        self.listener.close()


def test_lookups_go_through_the_proxy_the_environment_names(
    serve: Callable[..., Server], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """HTTPS_PROXY is the CI owner's setting: every connection is a CONNECT tunnel (TLS end to
    end, so the proxy never sees the token), with the proxy's own credentials if its URL has them."""
    auth = serve(answer(200, body=b'{"token": "tok3n"}'))
    registry = serve(challenged(f"https://{auth.at(AUTH)}/token"))
    proxy = ConnectProxy()
    try:
        monkeypatch.setenv("HTTPS_PROXY", f"http://ci:s%40fe@127.0.0.1:{proxy.port}")
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        assert lint_image(tmp_path, f"{registry.at(REGISTRY)}/team/base:1.0") == []
        targets = [target for target, _ in proxy.tunnels]
        assert targets == [registry.at(REGISTRY), auth.at(AUTH), registry.at(REGISTRY)]
        assert {headers.get("proxy-authorization") for _, headers in proxy.tunnels} == {"Basic Y2k6c0BmZQ=="}
        assert all("tok3n" not in repr(headers) for _, headers in proxy.tunnels)
        # NO_PROXY: asked directly
        monkeypatch.setenv("NO_PROXY", ".example.test")
        assert lint_image(tmp_path, f"{registry.at(REGISTRY)}/team/other:1.0") == []
        assert len(proxy.tunnels) == 3
    finally:
        proxy.close()


def test_a_proxy_that_refuses_the_tunnel_is_registry_unreachable(
    serve: Callable[..., Server], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    registry = serve(answer(200))
    proxy = ConnectProxy(refuse=True)
    try:
        monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{proxy.port}")
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        unreachable(lint_image(tmp_path, f"{registry.at(REGISTRY)}/team/base:1.0"), "refused a tunnel", "403")
        assert registry.requests == []
    finally:
        proxy.close()


def test_a_link_local_literal_is_not_tunnelled_either(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    proxy = ConnectProxy()
    try:
        monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{proxy.port}")
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        unreachable(lint_image(tmp_path, "169.254.169.254/latest/meta-data:1"), "link-local")
        assert proxy.tunnels == []
    finally:
        proxy.close()


@pytest.mark.parametrize(
    ("entries", "exempt"),
    [("", False), ("*", True), (".example.test", True), ("example.test", True), ("example.test:443", True),
     ("example.test:5000", False), ("other.test, registry.example.test", True), ("ample.test", False)],
)  # fmt: skip
def test_no_proxy_entries(entries: str, exempt: bool) -> None:
    assert oci._no_proxy(oci.Origin("https", "registry.example.test", 443), entries) is exempt
