"""The shared corpus holds files copied out of their repositories without the kustomizations beside
them; laid out as their owners lay them out (the upstream kustomization.yaml, quoted here), the
errors the corpus shows on them go: the patch is a patch, the selector comes from commonLabels."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import run_lint, shared_or_skip

# argoproj/argo-cd examples/known-hosts/kustomization.yaml
ARGO_CD_KNOWN_HOSTS = """\
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization

bases:
- github.com/argoproj/argo-cd//manifests/cluster-install?ref=stable

patchesStrategicMerge:
- argocd-known-hosts-mounts.yaml

resources:
- argocd-known-hosts.yaml
"""

# kubernetes/ingress-nginx deploy/grafana/kustomization.yaml
INGRESS_NGINX_GRAFANA = """\
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: ingress-nginx
commonLabels:
  app.kubernetes.io/name: grafana
  app.kubernetes.io/part-of: ingress-nginx
resources:
- deployment.yaml
- service.yaml
images:
- name: grafana/grafana
"""


@pytest.mark.parametrize(
    ("folder", "kustomization"),
    [("k8s/argo-cd/examples/known-hosts", ARGO_CD_KNOWN_HOSTS), ("k8s/ingress-nginx/deploy/grafana", INGRESS_NGINX_GRAFANA)],
    ids=["argo-cd-known-hosts", "ingress-nginx-grafana"],
)
def test_corpus_files_in_their_owners_layout_have_no_errors(tmp_path: Path, folder: str, kustomization: str) -> None:
    source = shared_or_skip("corpus", *folder.split("/"))
    shutil.copytree(source, tmp_path / "app")
    stripped = [f for f in run_lint(tmp_path / "app").findings if f.severity.name == "ERROR"]
    assert stripped, "without its kustomization the folder's workloads are objects with no selector"
    (tmp_path / "app" / "kustomization.yaml").write_text(kustomization)
    errors = [f"{f.rule}: {f.message}" for f in run_lint(tmp_path / "app").findings if f.severity.name == "ERROR"]
    assert errors == []
