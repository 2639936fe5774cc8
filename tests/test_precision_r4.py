"""False findings seen on the fourth review of public repositories (docs/precision/2026-12-01/fresh)."""

from __future__ import annotations

from pathlib import Path

from conftest import run_lint
from k8slint.model.gotemplate import analyse

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
