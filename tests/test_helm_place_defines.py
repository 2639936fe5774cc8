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


# hashicorp/consul-k8s's chart (charts/consul, MPL-2.0): a container's line `{{ template "consul.imagePullPolicy" . }}`
# is an action alone on its line, whose define writes only imagePullPolicy; the init container locality-init of the
# server StatefulSet and the test Pod have no resources, and missing-requests landed on that line.
PULL_POLICY = {
    "chart/Chart.yaml": "apiVersion: v2\nname: chart\ndescription: d\nversion: 0.1.0\nappVersion: '1.0'\n",
    "chart/values.yaml": "global:\n  image: hashicorp/consul:1.22.0\n  imageK8S: hashicorp/consul-k8s-control-plane:1.9.0\n"
    '  imagePullPolicy: ""\n',
    "chart/templates/_helpers.tpl": (
        '{{- define "consul.imagePullPolicy" -}}\n'
        '{{ if or (eq .Values.global.imagePullPolicy "IfNotPresent") (eq .Values.global.imagePullPolicy "Always") '
        '(eq .Values.global.imagePullPolicy "Never")}}imagePullPolicy: {{ .Values.global.imagePullPolicy }}\n'
        '{{ else if eq .Values.global.imagePullPolicy "" }}\n{{ else }}\n'
        '{{fail "imagePullPolicy can only be IfNotPresent, Always, Never, or empty" }}\n{{ end }}\n{{- end -}}\n'
    ),
    "chart/templates/test-runner.yaml": """apiVersion: v1
kind: Pod
metadata:
  name: {{ .Release.Name }}-consul-test
spec:
  securityContext:
    runAsNonRoot: true
    runAsUser: 100
  containers:
    - name: consul-test
      image: "{{ .Values.global.image }}"
      {{ template "consul.imagePullPolicy" . }}
      env:
        - name: HOST_IP
          valueFrom:
            fieldRef:
              fieldPath: status.hostIP
      command:
        - "/bin/sh"
        - "-ec"
        - consul members
  restartPolicy: Never
""",
    "chart/templates/server-statefulset.yaml": """apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: {{ .Release.Name }}-consul-server
spec:
  serviceName: {{ .Release.Name }}-consul-server
  selector:
    matchLabels:
      app: consul
  template:
    metadata:
      labels:
        app: consul
    spec:
      initContainers:
      - name: locality-init
        image: {{ .Values.global.imageK8S }}
        {{ template "consul.imagePullPolicy" . }}
        command:
          - "/bin/sh"
          - "-ec"
          - exec consul-k8s-control-plane fetch-server-region -output-file /consul/extra-config/locality.json
      containers:
        - name: consul
          image: "{{ .Values.global.image }}"
          resources:
            requests:
              memory: "200Mi"
              cpu: "100m"
            limits:
              memory: "200Mi"
              cpu: "100m"
""",
}


@pytest.mark.parametrize("engine", ["helm", "sdk"], indirect=True)
def test_a_field_the_rendered_object_lacks_lands_on_its_container_not_on_an_action_line(engine: str, tmp_path: Path) -> None:
    root = write(tmp_path, PULL_POLICY)
    result = run_lint(root / "chart", render=True)
    placed = {(f.code, f.location.file.rsplit("/", 1)[-1], f.location.line) for f in result.findings if f.code in ("KR010", "KR011")}
    assert placed == {
        ("KR010", "test-runner.yaml", 10),
        ("KR011", "test-runner.yaml", 10),
        ("KR010", "server-statefulset.yaml", 16),
        ("KR011", "server-statefulset.yaml", 16),
    }, placed


MINIMAL = {
    "chart/Chart.yaml": "apiVersion: v2\nname: chart\ndescription: d\nversion: 0.1.0\nappVersion: '1.0'\n",
    "chart/values.yaml": "pullPolicy: IfNotPresent\n",
    "chart/templates/_helpers.tpl": '{{- define "chart.pull" -}}\nimagePullPolicy: {{ .Values.pullPolicy }}\n{{- end -}}\n',
    "chart/templates/pod.yaml": (
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: app\n      image: busybox:1.36\n"
        '      {{ include "chart.pull" . }}\n      command: ["true"]\n  restartPolicy: Never\n'
    ),
}


@pytest.mark.parametrize("engine", ["helm"], indirect=True)
def test_a_missing_field_is_not_placed_on_an_include_alone_on_its_line(engine: str, tmp_path: Path) -> None:
    root = write(tmp_path, MINIMAL)
    result = run_lint(root / "chart", render=True)
    placed = {(f.code, f.location.line) for f in result.findings if f.code in ("KR010", "KR011", "KS001")}
    assert placed == {("KR010", 7), ("KR011", 7), ("KS001", 7)}, placed


# hashicorp/consul-k8s's chart (charts/consul/templates/server-disruptionbudget.yaml, MPL-2.0): the apiVersion is
# written in both branches of an if on .Capabilities; a finding about the policy/v1beta1 the render printed landed on
# the policy/v1 line of the branch not taken.
BRANCHES = {
    "chart/Chart.yaml": "apiVersion: v2\nname: chart\ndescription: d\nversion: 0.1.0\nappVersion: '1.0'\n",
    "chart/values.yaml": "server:\n  replicas: 1\n  old: true\n",
    "chart/templates/server-disruptionbudget.yaml": """# PodDisruptionBudget to prevent degrading the server cluster through
# voluntary cluster changes.
{{- if not .Values.server.old }}
apiVersion: policy/v1
{{- else }}
apiVersion: policy/v1beta1
{{- end }}
kind: PodDisruptionBudget
metadata:
  name: {{ .Release.Name }}-consul-server
spec:
  maxUnavailable: 0
  selector:
    matchLabels:
      app: consul
      component: server
""",
    "chart/templates/cm.yaml": """apiVersion: v1
kind: ConfigMap
metadata:
  name: cm
data:
{{- if .Values.server.old }}
  mode: "legacy"
{{- else }}
  mode: "current"
{{- end }}
{{- if .Values.server.old }}
  level: {{ .Values.server.replicas | quote }}
{{- else }}
  level: "7"
{{- end }}
""",
}


@pytest.mark.parametrize("engine", ["helm", "sdk"], indirect=True)
def test_a_key_written_in_two_branches_lands_on_the_branch_that_wrote_the_rendered_value(engine: str, tmp_path: Path) -> None:
    root = write(tmp_path, BRANCHES)
    result = run_lint(root / "chart", render=True)
    (removed,) = [f for f in result.findings if f.code == "KM002"]
    assert (removed.location.file.rsplit("/", 1)[-1], removed.location.line) == ("server-disruptionbudget.yaml", 6)
    (cm,) = [o for o in result.loaded[1].index.objects if o.kind == "ConfigMap"]  # type: ignore[index]
    assert cm.locate(("data", "mode")).line == 7  # the literal the render printed
    assert cm.locate(("data", "level")).line == 12  # no literal line wrote "1": the action line did
