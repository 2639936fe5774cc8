"""A key written twice in a kustomization's inline patch: kustomize refuses the patch, so the build fails.

fluxcd/flagger's test/skipper/kustomization.yaml writes `initialDelaySeconds` twice in an inline patch's
readinessProbe; that root names remote resources, so k8slint does not build it, and unbuilt nothing read
the patch. Now the duplicate is an error on the line of the kustomization that holds it.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from k8slint.findings import Severity
from tests.conftest import run_lint

DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: skipper-ingress
spec:
  selector:
    matchLabels: {app: skipper}
  template:
    metadata:
      labels: {app: skipper}
    spec:
      containers:
        - name: skipper-ingress
          image: registry.opensource.zalan.do/teapot/skipper:v0.13.210
"""
# the patch of flagger's test/skipper/kustomization.yaml (commit 15bd6ad555e6; Apache-2.0), cut
KUSTOMIZATION = """apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - deployment.yaml
patches:
  - target:
      kind: Deployment
      name: skipper-ingress
    patch: |-
      apiVersion: apps/v1
      kind: Deployment
      metadata:
        name: skipper-ingress
      spec:
        template:
          spec:
            containers:
              - name: skipper-ingress
                readinessProbe:
                  httpGet:
                    path: /kube-system/healthz
                    port: 9999
                  initialDelaySeconds: 60
                  timeoutSeconds: 5
                  initialDelaySeconds: 5
"""


def _root(folder: Path, kustomization: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "deployment.yaml").write_text(DEPLOYMENT)
    (folder / "kustomization.yaml").write_text(kustomization)
    return folder


def _duplicates(folder: Path) -> list[tuple[int, int, Severity, str]]:
    result = run_lint(folder)
    return [(f.location.line, f.location.column, f.severity, f.message) for f in result.findings if f.code == "KL002"]


def test_a_key_twice_in_a_block_patch_is_an_error_on_its_line(tmp_path: Path) -> None:
    [(line, column, severity, message)] = _duplicates(_root(tmp_path / "skipper", KUSTOMIZATION))
    assert (line, column, severity) == (25, 19, Severity.ERROR)
    assert (
        message
        == "key 'initialDelaySeconds' appears again (first on line 23) in an inline patch; kustomize refuses the patch, so the build fails"
    )


def test_a_quoted_patch_and_a_strategic_merge_entry(tmp_path: Path) -> None:
    quoted = KUSTOMIZATION.split("    patch: |-")[0] + '    patch: "{kind: Deployment, metadata: {name: a, name: b}}"\n'
    assert [(line, severity) for line, _, severity, _ in _duplicates(_root(tmp_path / "quoted", quoted))] == [(9, Severity.ERROR)]
    merge = (
        "resources:\n  - deployment.yaml\npatchesStrategicMerge:\n  - |-\n    apiVersion: apps/v1\n    kind: Deployment\n"
        "    metadata:\n      name: skipper-ingress\n    spec:\n      replicas: 2\n      replicas: 3\n"
    )
    assert [(line, column) for line, column, _, _ in _duplicates(_root(tmp_path / "merge", merge))] == [(11, 7)]


def test_a_patch_without_a_repeated_key_gives_nothing(tmp_path: Path) -> None:
    clean = KUSTOMIZATION.replace("                  initialDelaySeconds: 5\n", "")
    assert _duplicates(_root(tmp_path / "clean", clean)) == []


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not installed")
def test_kustomize_refuses_what_the_finding_says_it_refuses(tmp_path: Path) -> None:
    folder = _root(tmp_path / "skipper", KUSTOMIZATION)
    built = subprocess.run([str(shutil.which("kubectl")), "kustomize", str(folder)], capture_output=True, text=True, timeout=60)
    assert built.returncode != 0 and "initialDelaySeconds" in built.stderr, built.stderr
    clean = _root(tmp_path / "clean", KUSTOMIZATION.replace("                  initialDelaySeconds: 5\n", ""))
    assert (
        subprocess.run([str(shutil.which("kubectl")), "kustomize", str(clean)], capture_output=True, text=True, timeout=60).returncode == 0
    )
