"""False findings seen on the fourth review of public repositories (docs/precision/2026-12-01/fresh)."""

from __future__ import annotations

from pathlib import Path

from conftest import run_lint
from k8slint.model.gotemplate import analyse
from tests.test_helm_render import VALUES, engine, helm_binary, rel, shop

__all__ = ["engine", "helm_binary"]  # the fixtures that run each render test with the helm binary and with the SDK

CHART_YAML = "apiVersion: v2\nname: app\nversion: 0.1.0\nappVersion: '1.0'\ndescription: d\n"


def _undefined_values(tmp_path: Path, values: str, templates: dict[str, str]) -> list[tuple[str, int, str]]:
    chart = tmp_path / "app"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text(CHART_YAML)
    (chart / "values.yaml").write_text(values)
    for name, text in templates.items():
        (chart / "templates" / name).write_text(text)
    return [(Path(f.location.file).name, f.location.line, f.message) for f in run_lint(chart).findings if f.code == "CH007"]


# -- undefined-value: Go's `or` returns its first non-empty argument (text/template funcs.go, or),
# so `{{ or .Values.x "1" }}` renders "1" when x is unset, as `default` does.


def test_or_with_a_fallback_guards_the_value() -> None:
    info = analyse('{{ or (.Values.queueWorker.maxInflight ) ("1") }}')
    assert [ref.guarded for ref in info.refs] == [True]


def test_the_word_or_inside_a_string_guards_nothing() -> None:
    info = analyse('{{ printf "%s or more" .Values.count }}')
    assert [ref.guarded for ref in info.refs] == [False]


# -- undefined-value: a value handed to a define as an argument of include (or template) is not
# rendered where it is handed on; the define decides what to do with it, and openfaas's
# "openfaas.image" tests `if $registryPrefix` before it uses it.


def test_a_value_passed_to_include_is_not_rendered_by_the_call() -> None:
    info = analyse('image: {{ include "app.image" (dict "image" .Values.image "prefix" .Values.registryPrefix) }}\n')
    assert {ref.path: ref.guarded for ref in info.refs} == {("image",): True, ("registryPrefix",): True}


def test_a_value_beside_an_include_call_is_still_rendered() -> None:
    info = analyse('name: {{ printf "%s-%s" (include "app.fullname" .) .Values.suffix }}\n')
    assert [(ref.path, ref.guarded) for ref in info.refs] == [(("suffix",), False)]


def test_a_value_piped_after_an_include_call_is_still_rendered() -> None:
    info = analyse('{{ include "app.labels" . | indent 4 }}{{ .Values.extra }}\n')
    assert [(ref.path, ref.guarded) for ref in info.refs] == [(("extra",), False)]


OPENFAAS_HELPERS = """\
{{- define "openfaas.image" -}}
{{- $image := .image -}}
{{- $registryPrefix := .registryPrefix -}}
{{- if $registryPrefix -}}
  {{- printf "%s/%s" $registryPrefix (trimPrefix "docker.io/" $image) -}}
{{- else -}}
  {{- $image -}}
{{- end -}}
{{- end -}}
"""

OPENFAAS_QUEUE_WORKER = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: queue-worker
spec:
  selector:
    matchLabels:
      app: queue-worker
  template:
    metadata:
      labels:
        app: queue-worker
    spec:
      containers:
        - name: queue-worker
          image: {{ include "openfaas.image" (dict "image" .Values.queueWorker.image "registryPrefix" .Values.registryPrefix) }}
          env:
            - name: max_inflight
              value: "{{ or (.Values.queueWorker.maxInflight ) ("1") }}"
            - name: ack_wait
              value: "{{ .Values.queueWorker.ackWait }}"
"""


def test_openfaas_queue_worker_reports_only_the_value_it_renders(tmp_path: Path) -> None:
    values = "queueWorker:\n  image: ghcr.io/openfaas/queue-worker:0.14.2\n  replicas: 1\n"
    found = _undefined_values(tmp_path, values, {"_helpers.tpl": OPENFAAS_HELPERS, "queueworker-dep.yaml": OPENFAAS_QUEUE_WORKER})
    assert [(file, line) for file, line, _ in found] == [("queueworker-dep.yaml", 21)]
    assert found[0][2].startswith(".Values.queueWorker.ackWait is not defined"), found


# -- chart-render-failed: k8slint runs Helm offline (k8slint.sources.engines points every proxy at a
# closed port; the SDK gets no network either), so a values.schema.json whose $ref is a URL
# (nginx's chart refers to raw.githubusercontent.com/nginxinc/kubernetes-json-schema) cannot be
# validated. Helm stops before it renders, but nothing is wrong with the chart: not an error.

REMOTE_REF_SCHEMA = """\
{
  "type": "object",
  "properties": {
    "affinity": {
      "$ref": "https://schemas.invalid/kubernetes-json-schema/v1.32.2/_definitions.json#/definitions/io.k8s.api.core.v1.Affinity"
    }
  }
}
"""


def test_a_schema_ref_helm_cannot_fetch_offline_is_no_render_error(engine: str, tmp_path: Path) -> None:
    chart = shop(tmp_path, VALUES + "affinity: {}\n", **{"values.schema.json": REMOTE_REF_SCHEMA})
    result = run_lint(rel(chart, tmp_path), cwd=tmp_path, render=True, select=["chart-render-failed"])
    (finding,) = result.findings
    assert (finding.code, str(finding.severity), finding.location.file) == ("CH010", "info", "charts/shop/Chart.yaml")
    assert finding.message.startswith("helm template charts/shop not rendered (with its default values): Helm could not fetch "), (
        finding.message
    )
    assert "https://schemas.invalid/kubernetes-json-schema/v1.32.2/_definitions.json" in finding.message


def test_a_schema_that_refuses_the_values_is_still_a_render_error(engine: str, tmp_path: Path) -> None:
    schema = '{"type": "object", "properties": {"replicas": {"type": "string"}}}'
    chart = shop(tmp_path, VALUES, **{"values.schema.json": schema})
    (finding,) = run_lint(rel(chart, tmp_path), cwd=tmp_path, render=True, select=["chart-render-failed"]).findings
    assert (finding.code, str(finding.severity)) == ("CH010", "error")


# actions/actions-runner-controller charts/gha-runner-scale-set/templates/_helpers.tpl (2ee6b3b8; Apache-2.0),
# cut: the chart looks its controller up in the cluster and fails when it finds none
LOOKUP_HELPER = """\
{{- define "shop.controllerAccount" -}}
{{- $found := 0 }}
{{- range $index, $deployment := (lookup "apps/v1" "Deployment" "" "").items }}
  {{- if eq (get $deployment.metadata.labels "app.kubernetes.io/part-of") "shop-controller" }}
    {{- $found = add $found 1 }}
  {{- end }}
{{- end }}
{{- if eq $found 0 }}
  {{- fail "No shop-controller deployment found using label (app.kubernetes.io/part-of=shop-controller)." }}
{{- end }}
{{- end }}
"""
LOOKUP_BINDING = """\
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: shop-manager
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: shop-manager}
subjects:
- kind: ServiceAccount
  name: {{ include "shop.controllerAccount" . }}
"""


def test_a_fail_after_a_lookup_is_not_rendered_offline_not_a_render_error(engine: str, tmp_path: Path) -> None:
    chart = shop(tmp_path, **{"templates/_lookup.tpl": LOOKUP_HELPER, "templates/binding.yaml": LOOKUP_BINDING})
    (tmp_path / "charts" / "shop" / "ci").mkdir()
    (tmp_path / "charts" / "shop" / "ci" / "ci-values.yaml").write_text("replicas: 1\n")
    result = run_lint(rel(chart, tmp_path), cwd=tmp_path, render=True, select=["chart-render-failed"])
    assert [(f.code, str(f.severity)) for f in result.findings] == [("CH010", "info")] * 2
    assert "charts/shop/templates/_lookup.tpl:3: `lookup`" in result.findings[0].message
    # a fail with no lookup before it is the chart's own error, as before
    chart.joinpath("templates", "_lookup.tpl").write_text(LOOKUP_HELPER.replace('(lookup "apps/v1" "Deployment" "" "").items', "list"))
    result = run_lint(rel(chart, tmp_path), cwd=tmp_path, render=True, select=["chart-render-failed"])
    assert sorted(str(f.severity) for f in result.findings) == ["error", "warning"]
