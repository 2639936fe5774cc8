"""A chart kept in a plain folder of another chart is a chart of its own, walked or named.

aws-samples/eks-workshop-v2 keeps the charts Argo CD renders (gitops/argocd/app-of-apps, app-charts/*)
inside other charts' folders; they were read as plain files: their Chart.yaml and values set aside and
their templates reported as unrendered placeholders, and their chart rules never ran.
"""

from __future__ import annotations

from pathlib import Path

from tests.conftest import run_lint

CHART = "apiVersion: v2\nname: {name}\nversion: 0.1.0\ndescription: {name}\n"
TEMPLATE = """apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: {{ .Values.name }}
  namespace: argocd
spec:
  project: default
  source:
    repoURL: {{ .Values.repoURL }}
    path: apps/{{ .Values.name }}
  destination:
    server: https://kubernetes.default.svc
    namespace: {{ .Values.name }}
"""


def _tree(root: Path) -> Path:
    outer = root / "platform"
    (outer / "templates").mkdir(parents=True)
    (outer / "Chart.yaml").write_text(CHART.format(name="platform"))
    (outer / "values.yaml").write_text("replicas: 1\n")
    (outer / "templates" / "cm.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  r: '{{ .Values.replicas }}'\n"
    )
    inner = outer / "argocd" / "app-of-apps"
    (inner / "templates").mkdir(parents=True)
    (inner / "Chart.yaml").write_text(CHART.format(name="app-of-apps"))
    (inner / "values.yaml").write_text("name: ui\nrepoURL: https://example.com/repo.git\nunused: 1\n")
    (inner / "templates" / "application.yaml").write_text(TEMPLATE)
    # a subchart under charts/ stays the outer chart's
    sub = outer / "charts" / "redis"
    (sub / "templates").mkdir(parents=True)
    (sub / "Chart.yaml").write_text(CHART.format(name="redis"))
    return outer


def test_a_walk_finds_the_nested_chart(tmp_path: Path) -> None:
    _tree(tmp_path)
    result = run_lint(".", cwd=tmp_path)
    files = {f.location.file.removeprefix("./") for f in result.findings}
    assert "platform/argocd/app-of-apps/templates/application.yaml" not in files  # a template, not a broken manifest
    codes = {(f.location.file.removeprefix("./"), f.code) for f in result.findings}
    assert ("platform/argocd/app-of-apps/values.yaml", "CH008") in codes  # its chart rules ran: `unused` is read by nothing
    assert all(not file.startswith("platform/charts/redis") or "Chart.yaml" in file for file in files)


def test_a_file_of_the_nested_chart_named_alone_is_the_nested_charts(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    outer = _tree(tmp_path)
    template = outer / "argocd" / "app-of-apps" / "templates" / "application.yaml"
    result = run_lint(str(template.relative_to(tmp_path)), cwd=tmp_path)
    assert all(f.code.startswith("CH") for f in result.findings), [(f.code, f.message) for f in result.findings]
    assert not any(f.code == "KM006" for f in result.findings)


def test_the_crds_of_subcharts_in_charts_are_linted_as_objects(tmp_path: Path) -> None:
    """prometheus-community/helm-charts kube-prometheus-stack (commit cf408a29; Apache-2.0): its CRDs are a
    subchart's, in charts/crds/crds/, which `helm install` installs with the parent; walked from the repository
    root they were neither linted nor listed."""
    parent = tmp_path / "kube-prometheus-stack"
    for folder in ("templates", "charts/crds/crds", "charts/crds/templates", "charts/crds/charts/deep/crds"):
        (parent / folder).mkdir(parents=True)
    chart = "apiVersion: v2\nname: {name}\nversion: 0.1.0\ndescription: d\nappVersion: '1'\n"
    (parent / "Chart.yaml").write_text(chart.format(name="kube-prometheus-stack") + "dependencies:\n- name: crds\n  version: 0.1.0\n")
    (parent / "values.yaml").write_text("{}\n")
    (parent / "charts/crds/Chart.yaml").write_text(chart.format(name="crds"))
    (parent / "charts/crds/values.yaml").write_text("enabled: true\n")
    (parent / "charts/crds/templates/cm.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\n")
    (parent / "charts/crds/charts/deep/Chart.yaml").write_text(chart.format(name="deep"))
    bad = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Bad_Name\n"
    (parent / "charts/crds/crds/bad.yaml").write_text(bad)
    (parent / "charts/crds/charts/deep/crds/bad.yaml").write_text(bad)
    result = run_lint(tmp_path)
    found = sorted((f.location.file.replace(str(tmp_path) + "/", ""), f.code) for f in result.findings if f.severity.name == "ERROR")
    assert found == [
        ("kube-prometheus-stack/charts/crds/charts/deep/crds/bad.yaml", "KM003"),
        ("kube-prometheus-stack/charts/crds/crds/bad.yaml", "KM003"),
    ]
