"""--check-registry against a real registry server (Debian's docker-registry), started by the test.

The test starts the registry on 127.0.0.1 with a temporary storage folder,
pushes a small image (a config blob and a manifest) through the Registry HTTP
API, and checks present and missing tags (the registry serves plain http, so
the test's config lists it in insecure-registries). It is skipped, saying why, only where
the docker-registry package is not installed (.ci/run installs it).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import run_lint

REGISTRY = shutil.which("docker-registry")


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """The registry runs on this machine: a proxy the environment names (a CI machine's) is not for it."""
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"):
        monkeypatch.delenv(name, raising=False)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _request(method: str, url: str, data: bytes | None = None, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str]]:
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, dict(response.headers)


def _push(base: str, name: str, tag: str) -> str:
    """Upload a config blob and a manifest that references it; returns the manifest digest."""
    config = json.dumps({"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": []}}).encode()
    config_digest = "sha256:" + hashlib.sha256(config).hexdigest()
    _, headers = _request("POST", f"{base}/v2/{name}/blobs/uploads/")
    location = headers["Location"]
    location = location if location.startswith("http") else base + location
    separator = "&" if "?" in location else "?"
    _request("PUT", f"{location}{separator}digest={config_digest}", config, {"Content-Type": "application/octet-stream"})
    manifest = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
            "config": {
                "mediaType": "application/vnd.docker.container.image.v1+json",
                "size": len(config),
                "digest": config_digest,
            },
            "layers": [],
        }
    ).encode()
    _request(
        "PUT",
        f"{base}/v2/{name}/manifests/{tag}",
        manifest,
        {"Content-Type": "application/vnd.docker.distribution.manifest.v2+json"},
    )
    return "sha256:" + hashlib.sha256(manifest).hexdigest()


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if REGISTRY is None:
        pytest.skip("Debian's docker-registry package is not installed (apt-get install docker-registry)")
    folder = tmp_path_factory.mktemp("registry")
    port = _free_port()
    config = folder / "config.yml"
    config.write_text(
        f"version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: {folder / 'data'}\n"
        f"http:\n  addr: 127.0.0.1:{port}\n"
    )
    process = subprocess.Popen([REGISTRY, "serve", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                _request("GET", f"{base}/v2/")
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("the registry did not start")
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_present_and_missing_tags_and_digests(registry: str, tmp_path: Path) -> None:
    host = registry.removeprefix("http://")
    digest = _push(registry, "team/base", "1.0")
    missing_digest = "sha256:" + "0" * 64
    (tmp_path / "Dockerfile").write_text(
        f"FROM {host}/team/base:1.0 AS ok\n"
        f"FROM {host}/team/base@{digest} AS pinned\n"
        f"FROM {host}/team/base:2.0 AS missing-tag\n"
        f"FROM {host}/team/nothing:1.0 AS missing-repo\n"
        f"FROM {host}/team/base@{missing_digest} AS missing-digest\n"
        "USER 10001\n"
    )
    (tmp_path / ".k8slint.yaml").write_text(f"insecure-registries: ['{host}']\n")  # it serves plain http
    result = run_lint(tmp_path, cwd=tmp_path, select=["DF010", "DF011"], check_registry=True)
    assert [(f.rule, f.location.line) for f in result.findings] == [
        ("base-image-not-found", 3),
        ("base-image-not-found", 4),
        ("base-image-not-found", 5),
    ]
    assert "has no manifest team/base:2.0" in result.findings[0].message


def test_unreachable_registry(tmp_path: Path) -> None:
    port = _free_port()  # nothing listens there
    (tmp_path / "Dockerfile").write_text(f"FROM 127.0.0.1:{port}/team/base:1.0\nUSER 10001\n")
    result = run_lint(tmp_path, select=["DF010", "DF011"], check_registry=True)
    assert [(f.rule, f.location.line) for f in result.findings] == [("registry-unreachable", 1)]


def test_no_lookup_without_the_flag(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("k8slint touched the network without --check-registry")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(urllib.request, "urlopen", refuse)
    (tmp_path / "Dockerfile").write_text("FROM python:3.12-slim-does-not-exist\nUSER 10001\n")
    assert run_lint(tmp_path, select=["DF010", "DF011"]).findings == []
