"""A field a rendered object lacks is placed on its own template, never on a define that prints a sibling value.

fluxcd/flagger's podinfo chart: the jwt test Pod's container ends with `value: {{ template "podinfo.fullname" . }}:80`;
missing-requests and missing-limits for the container landed on `_helpers.tpl` (`{{- .Values.fullnameOverride -}}`
in the define), with a note that the value was set in values.yaml.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import run_lint
from tests.test_helm_render import engine, helm_binary, write

__all__ = ["engine", "helm_binary"]

FILES = {
    "chart/Chart.yaml": "apiVersion: v2\nname: chart\ndescription: d\nversion: 0.1.0\nappVersion: '1.0'\n",
    "chart/values.yaml": 'fullnameOverride: ""\n',
    "chart/templates/_helpers.tpl": (
        '{{- define "chart.fullname" -}}\n{{- if .Values.fullnameOverride -}}\n{{- .Values.fullnameOverride -}}\n'
        "{{- else -}}\n{{- .Release.Name -}}\n{{- end -}}\n{{- end -}}\n"
    ),
    "chart/templates/pod.yaml": """apiVersion: v1
kind: Pod
metadata:
  name: {{ template "chart.fullname" . }}-test
spec:
  containers:
    - name: tools
      image: busybox:1.36
      command: ["true"]
      env:
      - name: SVC
        value: {{ template "chart.fullname" . }}:80
  restartPolicy: Never
""",
}


@pytest.mark.parametrize("engine", ["helm"], indirect=True)
def test_a_missing_field_lands_on_the_container_not_on_the_define(engine: str, tmp_path: Path) -> None:
    root = write(tmp_path, FILES)
    result = run_lint(root / "chart", render=True)
    placed = {
        (f.code, f.location.file.rsplit("/", 1)[-1], f.location.line) for f in result.findings if f.code in ("KR010", "KR011", "KS001")
    }
    assert placed == {("KR010", "pod.yaml", 7), ("KR011", "pod.yaml", 7), ("KS001", "pod.yaml", 7)}, placed
    assert not any(r.message.startswith("where .Values.fullnameOverride") for f in result.findings for r in f.related)
