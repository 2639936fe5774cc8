"""Shapes from the ninth fresh review (argo-cd, ingress-nginx, loki) where k8slint reported what the cluster does not."""

from __future__ import annotations

from pathlib import Path

from conftest import run_lint

# grafana/loki (commit 65e30f84; AGPL-3.0) operator/hack/addon_grafana_gateway_ocp.yaml, cut: a Deployment for
# OpenShift mounts the service CA bundle OpenShift's controller manager publishes in every namespace.
OCP = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: grafana-config
  namespace: openshift-logging
data:
  a: b
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: grafana
  namespace: openshift-logging
spec:
  selector:
    matchLabels: {app: grafana}
  template:
    metadata:
      labels: {app: grafana}
    spec:
      containers:
        - name: grafana
          image: grafana/grafana:11.0.0
      volumes:
        - name: config
          configMap:
            name: grafana-config
        - name: ca
          configMap:
            name: {name}
"""


def test_the_service_ca_bundle_openshift_publishes_in_every_namespace_is_present(tmp_path: Path) -> None:
    (tmp_path / "ocp.yaml").write_text(OCP.replace("{name}", "openshift-service-ca.crt"))
    assert [f for f in run_lint(tmp_path).findings if f.code == "KN020"] == []
    (tmp_path / "ocp.yaml").write_text(OCP.replace("{name}", "grafana-ca"))
    assert [f.message.split(" is not")[0] for f in run_lint(tmp_path).findings if f.code == "KN020"] == ["ConfigMap 'grafana-ca'"]
