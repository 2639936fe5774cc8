"""The static chart rules on template shapes seen in public charts, where they reported what Helm does not."""

from __future__ import annotations

from pathlib import Path

from conftest import run_lint
from k8slint.model.gotemplate import analyse

CHART_YAML = "apiVersion: v2\nname: app\nversion: 0.1.0\nappVersion: '1.0'\ndescription: d\n"


def _chart(tmp_path: Path, values: str, templates: dict[str, str], chart_yaml: str = CHART_YAML) -> Path:
    chart = tmp_path / "app"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text(chart_yaml)
    (chart / "values.yaml").write_text(values)
    for name, text in templates.items():
        (chart / "templates" / name).write_text(text)
    return chart


def _findings(chart: Path, *codes: str) -> list[tuple[str, str, int, str]]:
    return [(f.code, Path(f.location.file).name, f.location.line, f.message) for f in run_lint(chart).findings if f.code in codes]


# -- Keywords without a space after them. Go's lexer (text/template/parse/lex.go, lexIdentifier and
# atTerminator) ends an identifier at the first character that is not a letter, digit or underscore,
# and a '.' may follow it: `{{- with.Values.x }}` is `with` and the field `.Values.x`.


def test_a_keyword_followed_by_a_field_opens_its_block() -> None:
    info = analyse("{{- with.Values.x }}\na: {{ .y }}\n{{- end }}\n{{- range.Values.ports }}\n- {{ . }}\n{{- end }}\n")
    assert info.errors == []
    assert {ref.path for ref in info.refs} == {("x",), ("x", "y"), ("ports",)}


def test_else_if_without_a_space_guards_like_else_if() -> None:
    info = analyse("{{ if .Values.a }}a{{ else if.Values.b.c }}{{ .Values.b.d }}{{ end }}")
    assert info.errors == []
    assert [ref.guarded for ref in info.refs if ref.path == ("b", "d")] == [True]


def test_an_identifier_that_starts_with_a_keyword_is_no_keyword() -> None:
    info = analyse("{{ with_default .Values.x }}{{ end_marker }}{{ ifx }}")
    assert info.errors == []


ARGO_CD_DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}-server
spec:
  template:
    spec:
      containers:
        - name: server
          {{- with.Values.server.containerSecurityContext }}
          securityContext:
            {{- toYaml . | nindent 12 }}
          {{- end }}
          ports:
          {{- range.Values.server.ports }}
            - name: {{ .name }}
              containerPort: {{ .port }}
          {{- end }}
"""
ARGO_CD_VALUES = """\
server:
  containerSecurityContext:
    runAsNonRoot: true
    readOnlyRootFilesystem: true
  ports:
    - name: http
      port: 8080
"""


def test_argo_cd_with_and_range_without_a_space(tmp_path: Path) -> None:
    chart = _chart(tmp_path, ARGO_CD_VALUES, {"deployment.yaml": ARGO_CD_DEPLOYMENT})
    assert _findings(chart, "CH007", "CH008", "CH009") == []
