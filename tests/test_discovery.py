"""Which files are Dockerfiles: by name, the way projects name their build files."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from conftest import run_lint
from k8slint.sources.discover import discover
from k8slint.sources.dockerfile_names import is_dockerfile_name

DOCKERFILES = [
    "Dockerfile",
    "dockerfile",
    "Containerfile",
    "Dockerfile.dev",
    "Dockerfile-alpine",
    "Dockerfile_arm64",
    "app.Dockerfile",
    "backend.dockerfile",
    "src__web__Dockerfile",
    "src__cartservice__src__Dockerfile.debug",
]
NOT_DOCKERFILES = [
    "test_dockerfile.py",  # code about Dockerfiles
    "dockerfiles.py",
    "dockerfile_rules.py",
    "Dockerfile.tar.gz",  # an archive
    "Dockerfile.j2",  # a template, rendered into a Dockerfile first
    "Dockerfile.prod.tmpl",
    "Dockerfile.in",
    "Dockerfile.md",
    ".dockerignore",
    "Dockerfiles",
    "mydockerfile",
]


@pytest.mark.parametrize("name", DOCKERFILES)
def test_build_file_names_are_dockerfiles(name: str) -> None:
    assert is_dockerfile_name(name)


@pytest.mark.parametrize("name", NOT_DOCKERFILES)
def test_names_that_only_mention_a_dockerfile_are_not(name: str) -> None:
    assert not is_dockerfile_name(name)


def test_a_linter_source_tree_yields_only_its_dockerfiles(tmp_path: Path) -> None:
    """k8slint's own tree once gave 222 dockerfile-syntax errors on sources/dockerfiles.py."""
    for name in [
        "k8slint/sources/dockerfiles.py",
        "tests/test_dockerfile.py",
        "build/Dockerfile.tar.gz",
        "deploy/Dockerfile.j2",
        "Dockerfile",
    ]:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("FROM alpine:3.20\n", encoding="utf-8")
    found = discover([str(tmp_path)])
    assert [Path(f.display).relative_to(tmp_path).as_posix() for f in found.files if f.is_dockerfile] == ["Dockerfile"]


KUBEADM_PATCH = """\
apiVersion: v1
kind: Pod
metadata:
  name: kube-controller-manager
  namespace: kube-system
spec:
  containers:
    - name: kube-controller-manager
      resources:
        requests:
          cpu: 1m
"""


def test_a_kubeadm_patch_of_a_static_pod_is_not_an_object(tmp_path: Path) -> None:
    """prometheus-operator/kube-prometheus (commit 4d719f1d; Apache-2.0) tests/e2e/kind/patches: kind mounts the
    folder as kubeadm's patches directory; kube-controller-manager.yaml patches that static Pod."""
    patches = tmp_path / "kind" / "patches"
    patches.mkdir(parents=True)
    (patches / "kube-controller-manager.yaml").write_text(KUBEADM_PATCH)
    (patches / "kube-scheduler0+merge.yaml").write_text(KUBEADM_PATCH.replace("kube-controller-manager", "kube-scheduler"))
    result = run_lint(tmp_path)
    assert result.findings == []
    assert {os.path.basename(file) for file, reason in result.not_kubernetes if "kubeadm patch" in reason} == {
        "kube-controller-manager.yaml",
        "kube-scheduler0+merge.yaml",
    }
    # a whole static Pod manifest (an image), or a Pod of another name, is an object
    (patches / "kube-controller-manager.yaml").write_text(
        KUBEADM_PATCH.replace("      resources:", "      image: k8s/kcm:1\n      resources:")
    )
    (patches / "kube-scheduler0+merge.yaml").write_text(
        KUBEADM_PATCH.replace("name: kube-controller-manager\n  namespace", "name: web\n  namespace")
    )
    assert {Path(f.location.file).name for f in run_lint(tmp_path).findings if f.code == "KR005"} == {"kube-scheduler0+merge.yaml"}
