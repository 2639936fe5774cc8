"""image-user-not-numeric: an image whose final USER is a name, run with runAsNonRoot and no runAsUser.

The kubelet refuses such a container (verifyRunAsNonRoot in
pkg/kubelet/kuberuntime/security_context_others.go): "container has
runAsNonRoot and image has non-numeric user (app), cannot verify user is non-root".
"""

from __future__ import annotations

import shutil
from pathlib import Path

from conftest import ROOT, run_lint
from k8slint.findings import Severity

REFERENCE = ROOT / "reference" / "todo-chatbot"

DOCKERFILE = """\
ARG PYTHON_VERSION="3.12"
FROM python:${PYTHON_VERSION}-slim AS runtime
RUN groupadd --gid 10001 app && useradd --uid 10001 --gid app app
USER app

FROM runtime
COPY src/ /srv/
CMD ["python", "-m", "srv"]
"""

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: orders
spec:
  selector:
    matchLabels: {app: orders}
  template:
    metadata:
      labels: {app: orders}
    spec:
      securityContext:
        runAsNonRoot: true
      containers:
        - name: orders
          image: IMAGE
          securityContext:
            allowPrivilegeEscalation: false
"""


def _findings(result, rule: str = "image-user-not-numeric"):
    return [f for f in result.findings if f.rule == rule]


def test_a_deployment_tied_to_its_dockerfile_by_folder_name(tmp_path: Path) -> None:
    (tmp_path / "orders").mkdir()
    (tmp_path / "orders" / "Dockerfile").write_text(DOCKERFILE)
    (tmp_path / "deploy.yaml").write_text(DEPLOYMENT.replace("IMAGE", "ghcr.io/shop/orders:3.1.0"))
    found = _findings(run_lint(".", cwd=tmp_path))
    assert len(found) == 1
    finding = found[0]
    assert finding.severity is Severity.ERROR
    assert (Path(finding.location.file).name, finding.location.line) == ("deploy.yaml", 13)  # the pod's runAsNonRoot
    assert "non-numeric user (app)" in finding.message and "matched by folder name 'orders'" in finding.message
    # the other place: the USER of the stage the final one is built on
    assert [(Path(r.location.file).name, r.location.line) for r in finding.related] == [("Dockerfile", 4)]


def test_a_deployment_tied_to_its_dockerfile_through_the_config(tmp_path: Path) -> None:
    (tmp_path / "build").mkdir()
    (tmp_path / "build" / "orders-api.Dockerfile").write_text(DOCKERFILE)
    (tmp_path / ".k8slint.yaml").write_text("images:\n  registry.internal:5000/orders: build/orders-api.Dockerfile\n")
    (tmp_path / "deploy.yaml").write_text(DEPLOYMENT.replace("IMAGE", "registry.internal:5000/orders:3.1.0"))
    found = _findings(run_lint(".", cwd=tmp_path))
    assert [(Path(f.location.file).name, f.location.line, f.severity) for f in found] == [("deploy.yaml", 13, Severity.ERROR)]
    assert "mapped in the config's images section" in found[0].message
    assert [(Path(r.location.file).name, r.location.line) for r in found[0].related] == [("orders-api.Dockerfile", 4)]


def test_the_container_overrides_the_pod_as_the_kubelet_merges_them(tmp_path: Path) -> None:
    (tmp_path / "orders").mkdir()
    (tmp_path / "orders" / "Dockerfile").write_text(DOCKERFILE)
    # the container's runAsNonRoot: false wins over the pod's true: no check, nothing refused
    off = DEPLOYMENT.replace("IMAGE", "ghcr.io/shop/orders:3.1.0").replace(
        "allowPrivilegeEscalation: false", "allowPrivilegeEscalation: false\n            runAsNonRoot: false"
    )
    (tmp_path / "deploy.yaml").write_text(off)
    found = _findings(run_lint(".", cwd=tmp_path))
    assert [(Path(f.location.file).name, f.location.line, f.severity) for f in found] == [("Dockerfile", 4, Severity.WARNING)]
    # a runAsUser of the container's own satisfies the pod's runAsNonRoot
    (tmp_path / "deploy.yaml").write_text(off.replace("runAsNonRoot: false", "runAsUser: 10001"))
    assert _findings(run_lint(".", cwd=tmp_path)) == []


def test_numeric_users_and_unknown_ones_are_not_reported(tmp_path: Path) -> None:
    for user in ("10001", "10001:10001", "${UID}", "1000:app"):
        (tmp_path / "Dockerfile").write_text(f"FROM alpine:3.20\nARG UID\nUSER {user}\n")
        assert _findings(run_lint(tmp_path / "Dockerfile")) == [], user
    for user, name in (("app", "app"), ("app:10001", "app"), ('"nobody"', "nobody")):
        (tmp_path / "Dockerfile").write_text(f"FROM alpine:3.20\nUSER {user}\n")
        found = _findings(run_lint(tmp_path / "Dockerfile"))
        assert [(f.location.line, f.severity) for f in found] == [(2, Severity.WARNING)], user
        assert repr(name) in found[0].message


def test_windows_pods_are_left_to_the_windows_check(tmp_path: Path) -> None:
    (tmp_path / "orders").mkdir()
    (tmp_path / "orders" / "Dockerfile").write_text(DOCKERFILE)
    windows = DEPLOYMENT.replace("IMAGE", "ghcr.io/shop/orders:3.1.0").replace(
        "    spec:\n      securityContext:", "    spec:\n      os: {name: windows}\n      securityContext:"
    )
    (tmp_path / "deploy.yaml").write_text(windows)
    assert [f.severity for f in _findings(run_lint(".", cwd=tmp_path))] == [Severity.WARNING]


def _reference_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "todo-chatbot"
    shutil.copytree(REFERENCE, copy)
    return copy


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_the_reference_app_broken_by_a_named_user(tmp_path: Path) -> None:
    copy = _reference_copy(tmp_path)
    assert _findings(run_lint(".", cwd=copy, strict=True)) == []
    # USER by name alone: the manifests give runAsUser, so the kubelet checks that number
    _replace(copy / "docker" / "backend.Dockerfile", "USER 10001\n", "USER app\n")
    assert run_lint(".", cwd=copy, strict=True).findings == []
    # and without runAsUser the backend pod is refused
    _replace(copy / "manifests" / "30-backend.yaml", "        runAsUser: 10001\n        runAsGroup: 10001\n", "        runAsGroup: 10001\n")
    result = run_lint(".", cwd=copy, strict=True)
    found = [(f.rule, Path(f.location.file).name, f.location.line) for f in result.findings]
    assert found == [("image-user-not-numeric", "30-backend.yaml", 33)], found
    assert [(Path(r.location.file).name, r.location.line) for r in result.findings[0].related] == [("backend.Dockerfile", 21)]


def test_windows_images_and_root_are_left_to_other_checks(tmp_path: Path) -> None:
    # seen in kubernetes-engine-samples: ContainerUser is a Windows account, checked by name on Windows nodes
    (tmp_path / "Dockerfile").write_text(
        "ARG WINDOWS_VERSION=\nFROM mcr.microsoft.com/windows/servercore:${WINDOWS_VERSION}\nCOPY hello.exe /hello.exe\n"
        'USER ContainerUser\nENTRYPOINT ["hello.exe"]\n'
    )
    assert _findings(run_lint(tmp_path / "Dockerfile")) == []
    (tmp_path / "Dockerfile").write_text("FROM ubuntu:24.04\nUSER root\n")
    result = run_lint(tmp_path / "Dockerfile")
    assert _findings(result) == [] and _findings(result, "dockerfile-root-user") != []
    # tied, the kubelet refuses USER root by name all the same
    (tmp_path / "orders").mkdir()
    (tmp_path / "orders" / "Dockerfile").write_text("FROM ubuntu:24.04\nUSER root\n")
    (tmp_path / "deploy.yaml").write_text(DEPLOYMENT.replace("IMAGE", "ghcr.io/shop/orders:3.1.0"))
    assert [f.severity for f in _findings(run_lint(tmp_path / "orders", tmp_path / "deploy.yaml"))] == [Severity.ERROR]
