"""The static chart rules on template shapes seen in public charts, where they reported what Helm does not."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import run_lint
from k8slint.model.gotemplate import analyse

CHART_YAML = "apiVersion: v2\nname: app\nversion: 0.1.0\nappVersion: '1.0'\ndescription: d\n"


def _chart(tmp_path: Path, values: str, templates: dict[str, str], chart_yaml: str = CHART_YAML, folder: str = "app") -> Path:
    chart = tmp_path / folder
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


# -- undefined-value: a key with a dot is one key, and .Values in a define is its caller's.


def _ch007(chart: Path) -> list[tuple[str, int, str]]:
    return [(file, line, message) for _, file, line, message in _findings(chart, "CH007")]


def test_an_index_key_with_a_dot_is_printed_as_one_key(tmp_path: Path) -> None:
    template = (
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: {{ index .Values.configs.params "server.insecure" | quote }}\n'
    )
    chart = _chart(tmp_path, "configs:\n  params:\n    other: 1\n", {"cm.yaml": template})
    [(file, line, message)] = _ch007(chart)
    assert (file, line) == ("cm.yaml", 6)
    assert message.startswith('.Values.configs.params["server.insecure"] is not defined'), message


def test_an_index_key_with_a_dot_that_values_yaml_sets_is_defined(tmp_path: Path) -> None:
    template = (
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: {{ index .Values.configs.params "server.insecure" | quote }}\n'
    )
    chart = _chart(tmp_path, 'configs:\n  params:\n    "server.insecure": false\n', {"cm.yaml": template})
    assert _ch007(chart) == []


CM = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: {{ CALL }}\n"
HELPER = '{{- define "app.value" -}}\n{{ .Values.missing.key }}\n{{- end }}\n'


def _define_chart(tmp_path: Path, call: str) -> Path:
    return _chart(tmp_path, "present: 1\n", {"cm.yaml": CM.replace("CALL", call), "_helpers.tpl": HELPER})


def test_a_define_called_with_the_root_context_reads_the_charts_values(tmp_path: Path) -> None:
    assert [(f, line) for f, line, _ in _ch007(_define_chart(tmp_path, 'include "app.value" .'))] == [("_helpers.tpl", 2)]


def test_a_define_called_with_dollar_reads_the_charts_values(tmp_path: Path) -> None:
    assert len(_ch007(_define_chart(tmp_path, 'include "app.value" $ | quote'))) == 1


def test_a_define_called_with_another_context_is_not_reported(tmp_path: Path) -> None:
    assert _ch007(_define_chart(tmp_path, 'include "app.value" (dict "Values" .Values.present)')) == []


def test_a_define_called_with_dot_inside_with_is_not_reported(tmp_path: Path) -> None:
    assert _ch007(_define_chart(tmp_path, 'with .Values.present }}{{ include "app.value" . }}{{ end')) == []


def test_a_define_called_by_no_template_is_not_reported(tmp_path: Path) -> None:
    assert _ch007(_define_chart(tmp_path, ".Values.present")) == []


def test_a_define_called_once_with_root_and_once_with_another_context_is_not_reported(tmp_path: Path) -> None:
    call = 'include "app.value" . }}{{ include "app.value" (dict "Values" .Values)'
    assert _ch007(_define_chart(tmp_path, call)) == []


def test_a_root_context_handed_on_through_defines_is_followed(tmp_path: Path) -> None:
    helpers = HELPER + '{{- define "app.outer" -}}\n{{ include "app.value" . }}\n{{- end }}\n'
    chart = _chart(tmp_path, "present: 1\n", {"cm.yaml": CM.replace("CALL", 'include "app.outer" .'), "_helpers.tpl": helpers})
    assert [(f, line) for f, line, _ in _ch007(chart)] == [("_helpers.tpl", 2)]
    helpers = HELPER + '{{- define "app.outer" -}}\n{{ include "app.value" . }}\n{{- end }}\n'
    chart = _chart(
        tmp_path / "other", "present: 1\n", {"cm.yaml": CM.replace("CALL", 'include "app.outer" (dict)'), "_helpers.tpl": helpers}
    )
    assert _ch007(chart) == []


OTEL_CONFIG_TPL = """\
{{- define "opentelemetry-collector.daemonsetConfig" -}}
{{- $values := mustMergeOverwrite (deepCopy .Values) (dict "collectorMode" "daemonset") }}
{{- $data := dict "Values" $values | mustMergeOverwrite (deepCopy .) }}
{{- $config := include "opentelemetry-collector.baseConfig" $data | fromYaml }}
{{- if .Values.presets.kubernetesAttributes.enabled }}
{{- $config = (include "opentelemetry-collector.applyKubernetesAttributesConfig" (dict "Values" $data "config" $config) | fromYaml) }}
{{- end }}
{{- tpl (toYaml $config) . }}
{{- end }}

{{- define "opentelemetry-collector.baseConfig" -}}
{{- toYaml .Values.config }}
{{- end }}

{{- define "opentelemetry-collector.applyKubernetesAttributesConfig" -}}
{{- $config := mustMergeOverwrite (include "opentelemetry-collector.kubernetesAttributesConfig" .Values | fromYaml) .config }}
{{- if .Values.Values.presets.kubernetesAttributes.extractAllPodLabels }}
labels: all
{{- end }}
{{- $config | toYaml }}
{{- end }}

{{- define "opentelemetry-collector.kubernetesAttributesConfig" -}}
processors:
  k8sattributes:
    filter:
      node_from_env_var: K8S_NODE_NAME
    mode: {{ .Values.collectorMode }}
    passthrough: false
{{- end }}
"""
OTEL_CONFIGMAP = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-agent
data:
  relay: |
    {{- include "opentelemetry-collector.daemonsetConfig" . | nindent 4 }}
"""
OTEL_VALUES = """\
mode: daemonset
presets:
  kubernetesAttributes:
    enabled: false
config:
  receivers: {}
"""


def test_opentelemetry_collector_helpers_called_with_a_dict(tmp_path: Path) -> None:
    # collectorMode is set by the merge in daemonsetConfig, not in values.yaml
    chart = _chart(tmp_path, OTEL_VALUES, {"_config.tpl": OTEL_CONFIG_TPL, "configmap.yaml": OTEL_CONFIGMAP})
    assert _ch007(chart) == []


# -- chart-dependency-unavailable: Helm renders the chart in charts/ whatever Chart.lock pins. Its
# template and install check only that a dependency of that name is in charts/ (pkg/action
# CheckDependencies); Chart.lock is read by helm dependency build, not by rendering.

BITNAMI_CHART_YAML = """\
apiVersion: v2
name: redis
version: 20.6.1
appVersion: 7.4.2
description: Redis
dependencies:
  - name: common
    repository: oci://registry-1.docker.io/bitnamicharts
    tags:
      - bitnami-common
    version: 2.x.x
"""
BITNAMI_LOCK = """\
dependencies:
- name: common
  repository: oci://registry-1.docker.io/bitnamicharts
  version: 2.31.4
digest: sha256:0000000000000000000000000000000000000000000000000000000000000000
generated: "2025-01-01T00:00:00Z"
"""
COMMON_CHART_YAML = "apiVersion: v2\nname: common\nversion: {version}\ntype: library\ndescription: common\n"
COMMON_HELPERS = '{{- define "common.names.fullname" -}}\n{{ .Release.Name }}\n{{- end }}\n'
REDIS_TEMPLATE = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ include "common.names.fullname" . }}\n'


def _bitnami(tmp_path: Path, version: str, packaged: bool) -> Path:
    import io
    import tarfile

    chart = _chart(tmp_path, "replicas: 1\n", {}, BITNAMI_CHART_YAML, folder="redis")
    (chart / "templates" / "configmap.yaml").write_text(REDIS_TEMPLATE + "data:\n  n: {{ .Values.replicas | quote }}\n")
    (chart / "Chart.lock").write_text(BITNAMI_LOCK)
    files = {"common/Chart.yaml": COMMON_CHART_YAML.format(version=version), "common/templates/_names.tpl": COMMON_HELPERS}
    if packaged:
        (chart / "charts").mkdir()
        with tarfile.open(chart / "charts" / f"common-{version}.tgz", "w:gz") as tar:
            for name, text in files.items():
                data = text.encode()
                info = tarfile.TarInfo(name)
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
    else:
        for name, text in files.items():
            (chart / "charts" / name).parent.mkdir(parents=True, exist_ok=True)
            (chart / "charts" / name).write_text(text)
    return chart


def _ch004(chart: Path) -> list[tuple[str, str]]:
    return [(f.severity.name.lower(), f.message) for f in run_lint(chart).findings if f.code == "CH004"]


def test_an_unpacked_dependency_that_satisfies_the_constraint_is_rendered(tmp_path: Path) -> None:
    [(severity, message)] = _ch004(_bitnami(tmp_path, "2.31.1", packaged=False))
    assert severity == "info"
    assert "charts/ holds common 2.31.1" in message and "Chart.lock pins 2.31.4" in message


def test_a_packaged_dependency_that_satisfies_the_constraint_is_rendered(tmp_path: Path) -> None:
    [(severity, message)] = _ch004(_bitnami(tmp_path, "2.30.0", packaged=True))
    assert severity == "info" and "charts/ holds common 2.30.0" in message


def test_the_locked_version_in_charts_is_no_finding(tmp_path: Path) -> None:
    assert _ch004(_bitnami(tmp_path, "2.31.4", packaged=False)) == []


def test_a_dependency_in_charts_outside_the_constraint_is_still_reported(tmp_path: Path) -> None:
    [(severity, message)] = _ch004(_bitnami(tmp_path, "1.9.0", packaged=False))
    assert severity == "warning" and "neither charts/common-2.31.4.tgz nor an unpacked folder" in message


def test_a_bitnami_chart_with_another_common_unpacked_has_no_chart_warning(tmp_path: Path) -> None:
    chart = _bitnami(tmp_path, "2.31.1", packaged=False)
    assert [(f.code, f.message) for f in run_lint(chart).findings if f.code.startswith("CH") and f.severity.name != "INFO"] == []


# -- requirements.yaml: where an apiVersion v1 chart lists its dependencies. Helm's loader reads it into
# the chart's metadata (pkg/chart/v2/loader/load.go, `case f.Name == "requirements.yaml"`), and helm
# install and template refuse a chart whose dependency is not in charts/ (pkg/cmd/install.go,
# action.CheckDependencies); requirements.lock is its lock, the file helm dependency update writes for
# an apiVersion v1 chart (pkg/downloader/manager.go, writeLock).

# microservices-demo/microservices-demo, deploy/kubernetes/helm-chart (commit 9dff06fae4; Apache-2.0), cut
SOCK_SHOP_CHART_YAML = "apiVersion: v1\ndescription: A Helm chart for Sock Shop\nname: helm-chart\nversion: 0.3.0\n"
SOCK_SHOP_REQUIREMENTS = "dependencies:\n  - name: nginx-ingress\n    version: 0.4.2\n    repository: https://helm.nginx.com/stable\n"
SOCK_SHOP_VALUES = "ingress:\n    annotations:\n        kubernetes.io/ingress.class: nginx\n    host: ''\n"
SOCK_SHOP_INGRESS = (
    "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  annotations:\n"
    "{{ toYaml .Values.ingress.annotations | indent 4 }}\n  name: {{ .Release.Name }}-socks-ingress\nspec:\n  rules:\n"
    "  - http:\n      paths:\n      - backend:\n          service:\n            name: front-end\n            port:\n"
    "              number: 80\n        path: /\n        pathType: Prefix\n    {{- if .Values.host }}\n"
    '    host: {{ template "host" . }}\n    {{- end }}\n'
)
# GoogleContainerTools/skaffold, examples/helm-deployment-dependencies/skaffold-helm (commit 359a940c1b; Apache-2.0), cut
SKAFFOLD_CHART_YAML = "apiVersion: v1\ndescription: A Helm chart for Kubernetes\nname: skaffold-helm\nversion: 0.1.0\n"
SKAFFOLD_REQUIREMENTS = "dependencies:\n  - name: subchart\n    condition: subchart.enabled\n"
SKAFFOLD_VALUES = "replicaCount: 2\nimage: nginx:stable\n\nsubchart:\n    enabled: true    \n"
SKAFFOLD_DEPLOYMENT = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\ndata:\n  replicas: {{ .Values.replicaCount | quote }}\n  image: {{ .Values.image }}\n"


def test_a_dependency_of_requirements_yaml_that_is_not_fetched_is_said_there(tmp_path: Path) -> None:
    minimal = _chart(tmp_path, "a: 1\n", {"cm.yaml": "a: {{ .Values.a }}\n"}, CHART_YAML.replace("v2", "v1"), folder="minimal")
    (minimal / "requirements.yaml").write_text("dependencies:\n- name: redis\n  version: 1.x\n  repository: https://charts.example.com\n")
    sock_shop = _chart(tmp_path, SOCK_SHOP_VALUES, {"ingress.yaml": SOCK_SHOP_INGRESS}, SOCK_SHOP_CHART_YAML, folder="helm-chart")
    (sock_shop / "requirements.yaml").write_text(SOCK_SHOP_REQUIREMENTS)
    unchecked = "; until the dependency is in charts/, the templates the chart calls and does not define ('host') are not checked"
    for chart, name, line, said in ((minimal, "redis", 2, ""), (sock_shop, "nginx-ingress", 2, unchecked)):
        findings = [f for f in run_lint(chart).findings if f.code in ("CH004", "CH008", "CH009")]
        # what the missing dependency defines and reads is unknown: no template-syntax for `host`, no
        # unused-value; the dependency's finding says which calls go unchecked
        assert [(f.code, Path(f.location.file).name, f.location.line, f.message) for f in findings] == [
            (
                "CH004",
                "requirements.yaml",
                line,
                f"dependency {name!r} is not locked: requirements.lock is missing (run helm dependency update){said}",
            )
        ]


def test_unused_values_are_judged_beside_a_missing_dependency_the_chart_calls_nothing_of(tmp_path: Path) -> None:
    """deliveryhero/helm-charts' weblate: redis from a remote repository, not in charts/; the chart's templates call
    only defines of their own, so the dependency renders its own templates with its own values (redis.*, global.*)
    and configOverride, which no template reads, is unused whatever the dependency does. Once a template calls a
    define the chart does not define (a library's), or one whose name is computed, every value may be read."""
    chart_yaml = CHART_YAML + "dependencies:\n- name: redis\n  repository: https://charts.bitnami.com/bitnami\n  version: 17.0.10\n"
    values = "used: a\nconfigOverride: ''\nredis:\n  enabled: true\n  auth: {enabled: false}\nglobal:\n  imageRegistry: ''\n"
    helpers = '{{- define "c.name" -}}{{ .Chart.Name }}{{- end }}\n'
    cm = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ include "c.name" . }}\ndata:\n  a: "{{ .Values.used }}"\n'
    chart = _chart(tmp_path, values, {"_helpers.tpl": helpers, "cm.yaml": cm}, chart_yaml, folder="weblate")
    assert [f.message for f in run_lint(chart).findings if f.code == "CH008"] == [
        "configOverride is set in values.yaml but no template reads it"
    ]
    for call in ('{{ include "common.names.fullname" . }}', '{{ include (printf "%s.name" .Chart.Name) . }}'):
        (chart / "templates" / "cm.yaml").write_text(cm.replace('{{ include "c.name" . }}', call))
        assert [f for f in run_lint(chart).findings if f.code == "CH008"] == []


def test_a_lock_in_requirements_lock_is_the_charts_lock(tmp_path: Path) -> None:
    chart = _chart(tmp_path, "a: 1\n", {"cm.yaml": "a: {{ .Values.a }}\n"}, CHART_YAML.replace("v2", "v1"))
    (chart / "requirements.yaml").write_text("dependencies:\n- name: redis\n  version: 1.x\n  repository: https://charts.example.com\n")
    (chart / "requirements.lock").write_text(
        "dependencies:\n- name: redis\n  repository: https://charts.example.com\n  version: 1.2.0\ndigest: sha256:00\n"
    )
    [(severity, message)] = _ch004(chart)
    assert severity == "warning" and message.startswith("dependency redis 1.2.0 is not in charts/")


def test_a_condition_in_requirements_yaml_reads_its_value(tmp_path: Path) -> None:
    chart = _chart(tmp_path, SKAFFOLD_VALUES, {"deployment.yaml": SKAFFOLD_DEPLOYMENT}, SKAFFOLD_CHART_YAML, folder="skaffold-helm")
    (chart / "requirements.yaml").write_text(SKAFFOLD_REQUIREMENTS)
    (chart / "charts" / "subchart" / "templates").mkdir(parents=True)
    (chart / "charts" / "subchart" / "Chart.yaml").write_text(SKAFFOLD_CHART_YAML.replace("skaffold-helm", "subchart"))
    (chart / "charts" / "subchart" / "templates" / "cm.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: sub\n")
    assert [f for f in run_lint(chart).findings if f.code in ("CH004", "CH008")] == []


# -- undefined-value: a key a template writes itself with sprig's `set` is the chart's own.
# kubeflow/manifests' experimental katib chart (commit 009c88084; Apache-2.0), templates/_helpers.tpl:
# the self-signed certificate is generated once and kept in .Values for the key's define to read.
KATIB_HELPERS = """\
{{- define "katib.webhook.selfSignedCert" -}}
{{- $ca := genCA "katib-ca" 365 -}}
{{- $cert := genSignedCert "katib-webhook" nil (list "katib-controller.kubeflow.svc") 365 $ca -}}
{{- if not .Values._generatedCert -}}
{{- $_ := set .Values "_generatedCert" $cert -}}
{{- end -}}
{{- .Values._generatedCert.Cert | b64enc -}}
{{- end -}}
{{- define "katib.webhook.selfSignedKey" -}}
{{- if not .Values._generatedCert -}}
{{- $_ := set .Values "_generatedCert" (genSelfSignedCert "katib" nil nil 365) -}}
{{- end -}}
{{- .Values._generatedCert.Key | b64enc -}}
{{- end -}}
"""
KATIB_SECRET = """\
apiVersion: v1
kind: Secret
metadata:
  name: katib-webhook-cert
data:
  tls.crt: {{ include "katib.webhook.selfSignedCert" . }}
  tls.key: {{ include "katib.webhook.selfSignedKey" . }}
  ca: {{ .Values.generated.ca }}
"""


def test_a_value_a_template_sets_itself_is_defined(tmp_path: Path) -> None:
    chart = _chart(tmp_path, "webhook:\n  enabled: true\n", {"_helpers.tpl": KATIB_HELPERS, "secret.yaml": KATIB_SECRET})
    # only the read that nothing sets is reported
    assert [(f, line) for f, line, _ in _ch007(chart)] == [("secret.yaml", 8)]


def test_set_on_a_map_under_values_defines_the_key_under_it() -> None:
    info = analyse('{{ $_ := set .Values.cache "token" "x" }}{{ $_ := set (.Values) "a" 1 }}{{ $_ := set $.Values "b" 2 }}')
    assert info.sets == [("cache", "token"), ("a",), ("b",)]


# prometheus-community/helm-charts, charts/alertmanager-snmp-notifier/templates/secrets.yaml (commit cf408a29;
# Apache-2.0), cut: a value tested with `and`/`not`, carried in a variable into the `if` that reads it
SNMP_SECRET = """{{ $community := (and .Values.snmpNotifier.snmpCommunity (not .Values.snmpNotifier.snmpCommunitySecret)) }}
{{- if (or $community) -}}
apiVersion: v1
kind: Secret
metadata:
  name: snmp-notifier
data:
  {{- if $community }}
  community: {{ .Values.snmpNotifier.snmpCommunity | b64enc }}
  {{- end -}}
{{- end -}}
{{- if $unset }}
other: {{ .Values.snmpNotifier.snmpOther | b64enc }}
{{- end -}}
"""


def test_and_and_not_test_a_value_and_a_variable_carries_the_guard_into_its_if(tmp_path: Path) -> None:
    chart = _chart(tmp_path, "snmpNotifier:\n  extraArgs: []\n", {"secrets.yaml": SNMP_SECRET})
    # snmpOther is read in an `if` on a variable no .Values path was assigned to: nothing guards it
    assert [(line, message.split(" is not")[0]) for _, line, message in _ch007(chart)] == [(13, ".Values.snmpNotifier.snmpOther")]
    info = analyse("{{ $t := .Values.a.b }}{{ if $t }}{{ .Values.a.b.c }}{{ end }}{{ .Values.a.b.d }}")
    # .Values.a.b itself is only tested (`if $t`): nothing renders it empty (a missing a still stops the render)
    assert [(ref.path, ref.guarded) for ref in info.refs] == [(("a", "b"), True), (("a", "b", "c"), True), (("a", "b", "d"), False)]


def test_a_value_a_file_dependency_partial_reads_is_used(tmp_path: Path) -> None:
    """linkerd/linkerd2 viz (commit b24cd405; Apache-2.0), cut: the chart includes the node-selector partial of its
    file://../partials dependency, not vendored in charts/, with the root context."""
    partials = tmp_path / "partials"
    (partials / "templates").mkdir(parents=True)
    (partials / "Chart.yaml").write_text("apiVersion: v2\nname: partials\nversion: 0.1.0\ndescription: d\nappVersion: '1'\n")
    (partials / "templates" / "_nodeselector.tpl").write_text(
        '{{- define "linkerd.node-selector" -}}\nnodeSelector:\n{{- toYaml .Values.nodeSelector | trim | nindent 2 }}\n{{- end -}}\n'
    )
    chart = _chart(
        tmp_path / "viz",
        "nodeSelector:\n  kubernetes.io/os: linux\nunread: 1\n",
        {
            "pod.yaml": 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  {{- include "linkerd.node-selector" . | nindent 2 }}\n'
            "  containers:\n    - name: web\n      image: nginx:1.27\n"
        },
    )
    (chart / "Chart.yaml").write_text(
        (chart / "Chart.yaml").read_text()
        + "dependencies:\n  - name: partials\n    version: 0.1.0\n    repository: file://../../partials\n"
    )
    found = [message.split(" is set")[0] for code, _, _, message in _findings(tmp_path, "CH008")]
    assert found == ["unread"]
    # linted alone, the dependency is outside the linted paths: its partials may read any value, so none is called unused
    assert _findings(chart, "CH008") == []


def test_the_value_a_range_walks_renders_nothing_when_missing(tmp_path: Path) -> None:
    """prometheus-community's alertmanager-snmp-notifier: `range .Values.extraConfigmapMounts` with no such value."""
    template = (
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: snmp\nspec:\n  containers:\n    - name: snmp\n      image: x:1\n"
        "      volumeMounts:\n      {{- range .Values.extraConfigmapMounts }}\n        - name: {{ .name }}\n"
        "          mountPath: {{ .mountPath }}\n      {{- end }}\n      ports:\n        - containerPort: {{ .Values.port }}\n"
    )
    chart = _chart(tmp_path, "image: x\n", {"pod.yaml": template})
    assert [message.split(" is not")[0] for _, _, message in _ch007(chart)] == [".Values.port"]


def test_a_value_read_relative_to_a_with_is_read_only_when_the_with_runs(tmp_path: Path) -> None:
    """kubernetes/ingress-nginx's controller-keda.yaml: `with .Values.controller.keda.fallback`, then
    `.failureThreshold | default 3` in it; values.yaml leaves fallback commented out."""
    template = (
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: keda\ndata:\n"
        "{{- with .Values.controller.keda.fallback }}\n  threshold: {{ .failureThreshold | default 3 | quote }}\n{{- end }}\n"
    )
    chart = _chart(tmp_path, "controller:\n  keda:\n    enabled: false\n", {"keda.yaml": template})
    assert _ch007(chart) == []


POD = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n    - name: web\n      image: nginx:1.27\n"


def test_the_values_a_dependency_condition_or_tag_reads_are_used(tmp_path: Path) -> None:
    """elastic/cloud-on-k8s eck-stack's shape: Helm reads a dependency's `condition` paths (the first set one
    decides) and `tags.<tag>` from the parent's values; no template needs to."""
    chart = _chart(tmp_path, "cache:\n  enabled: true\nlegacy:\n  cache: false\ntags:\n  monitoring: false\nunread: 1\n", {"pod.yaml": POD})
    (chart / "Chart.yaml").write_text(
        CHART_YAML + "dependencies:\n  - name: redis\n    version: 0.1.0\n    repository: file://charts/redis\n"
        "    condition: cache.enabled, legacy.cache\n    tags: [monitoring]\n"
    )
    redis = chart / "charts" / "redis"
    (redis / "templates").mkdir(parents=True)
    (redis / "Chart.yaml").write_text(CHART_YAML.replace("name: app", "name: redis"))
    (redis / "templates" / "pod.yaml").write_text(POD)
    assert [message.split(" is set")[0] for *_, message in _findings(chart, "CH008")] == ["unread"]


def test_the_values_a_file_rendered_with_tpl_reads_are_used(tmp_path: Path) -> None:
    """open-telemetry/opentelemetry-helm-charts (commit dd5665c0; Apache-2.0), cut: the collector's config comes
    from `tpl (.Files.Get "config/receivers.yaml") .`, whose actions read the values."""
    chart = _chart(
        tmp_path,
        "ports:\n  otlp: 4317\nunread: 1\n",
        {
            "configmap.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: conf\ndata:\n"
            '  relay: |\n    {{- tpl (.Files.Get "config/receivers.yaml") . | nindent 4 }}\n'
            '  other: {{ .Files.Get "../outside.yaml" | tpl . | quote }}\n'
        },
    )
    (chart / "config").mkdir()
    (chart / "config" / "receivers.yaml").write_text("otlp:\n  endpoint: 0.0.0.0:{{ .Values.ports.otlp }}\n")
    (tmp_path / "outside.yaml").write_text("{{ .Values.unread }}\n")  # not one of the chart's files: Helm gives ""
    assert [message.split(" is set")[0] for *_, message in _findings(chart, "CH008")] == ["unread"]
    # a name worked out at render time: the file may read any value
    (chart / "templates" / "more.yaml").write_text('{{ tpl (.Files.Get (printf "config/%s.yaml" .Values.which)) . }}\n')
    assert _findings(chart, "CH008") == []


def test_a_chart_kept_in_two_places_reads_what_either_copy_reads(tmp_path: Path) -> None:
    """open-policy-agent/gatekeeper (commit dd8507eb; Apache-2.0), cut: cmd/build/helmify/static holds the
    Chart.yaml, values.yaml and a few templates that helmify completes into manifest_staging/charts/gatekeeper;
    the values its own templates do not read are read by the generated chart's."""
    values = "audit:\n  replicas: 1\nwebhook:\n  port: 8443\nunread: 1\n"
    source = _chart(tmp_path / "cmd", values, {"np.yaml": "{{ .Values.webhook.port }}\n"}, folder="static")
    built = _chart(
        tmp_path / "staging", values, {"np.yaml": "{{ .Values.webhook.port }}\n", "audit.yaml": "{{ .Values.audit.replicas }}\n"}
    )
    both = sorted((name, message.split(" is set")[0]) for _, name, _, message in _findings(tmp_path, "CH008"))
    assert both == [("values.yaml", "unread"), ("values.yaml", "unread")]
    # linted alone, the sources' chart does not read audit.replicas
    assert [message.split(" is set")[0] for *_, message in _findings(source, "CH008")] == ["audit.replicas", "unread"]
    # values that differ by one byte: two charts, each judged by its own templates
    (built / "values.yaml").write_text(values + "# built\n")
    assert sorted(message.split(" is set")[0] for *_, message in _findings(tmp_path, "CH008")) == ["audit.replicas", "unread", "unread"]


@pytest.mark.parametrize(
    ("template", "guarded"),
    [
        # argoproj/argo-helm (commit af0a9310; Apache-2.0) argo-cd's _helpers.tpl and server ingress, cut
        ('{{- $insecure := index .Values.configs.params "server.insecure" | toString -}}\n'
         '{{- $scheme := (eq $insecure "true") | ternary "http" "https" -}}\nscheme: {{ $scheme }}\n', True),
        ('{{ $a := .Values.x }}{{ if eq $a "y" }}y: 1{{ end }}', True),
        ('{{ $a := .Values.x }}{{ if $a }}y: 1{{ end }}', True),
        ('{{ $a := .Values.x }}', True),  # never used: nothing renders empty
        ('{{ $a := .Values.x }}a: {{ $a }}', False),
        ('{{ $a := .Values.x }}{{ if eq $a "y" }}{{ end }}a: {{ $a | quote }}', False),  # tested, then printed
        ('{{ $a := .Values.x }}{{ include "t" $a }}', False),  # handed to a define, which may print it
        ('{{ $a := .Values.x }}a: {{ $a.y }}', False),
        ('{{ $a := .Values.x }}a: {{ eq $a "y" }}', True),  # printed is the comparison's answer, not the value
        ('{{ $a := .Values.x }}a: {{ ne "n" $a }}', True),  # the second operand
        ('{{ $a := .Values.x }}a: {{ eq (lower $a) "y" }}', False),  # an operand of lower, not of the comparison
        ('{{ $a := .Values.x }}{{ $a = .Values.z }}a: {{ $a }}', False),  # assigned again: judged with the new value
        # actions/actions-runner-controller (commit 2ee6b3b8; Apache-2.0) gha-runner-scale-set's autoscalingrunnerset.yaml,
        # cut: assigned twice, and each value only tested
        ('{{ $a := .Values.x }}{{ if eq $a.type "k" }}{{ end }}{{ $a := .Values.x }}{{ if eq $a.type "k" }}{{ end }}', True),
        # a := in a block shadows until its end: the first value is printed after it
        ('{{ $a := .Values.x }}{{ if .Values.y }}{{ $a := .Values.z }}{{ end }}a: {{ $a }}', False),
        ('{{ $a := .Values.x }}{{ $a = set $a "k" 1 }}{{ if $a }}{{ end }}', False),  # made from the old value: not followed
        # open-telemetry/opentelemetry-helm-charts (commit dd5665c0; Apache-2.0) opentelemetry-demo's component.yaml:
        # `set` puts the read in the dict the includes render
        ('{{ $c := set . "x" $.Values.x }}{{ $c := set . "y" 1 }}{{ include "t" $c }}', False),
        ('{{ $a := default "no" .Values.x }}{{ if eq $a "y" }}{{ end }}', True),  # guarded by default in its own action
    ],
)  # fmt: skip
def test_a_read_held_in_a_variable_that_is_only_tested_is_guarded(template: str, guarded: bool) -> None:
    info = analyse(template)
    assert info.errors == []
    (first, *_) = [ref for ref in info.refs if ref.path[0] == "x" or ref.path[:2] == ("configs", "params")]
    assert first.guarded is guarded


def test_a_chart_at_the_root_of_its_repository_may_sit_in_any_folder(tmp_path: Path) -> None:
    """hashicorp/vault-helm: the repository is the chart; its clone's folder name is not the repository's."""
    chart = _chart(tmp_path, "replicas: 1\n", {"pod.yaml": POD}, folder="vault-helm")
    assert [message for code, _, _, message in _findings(chart, "CH002") if "folder" in message] == [
        "chart name 'app' differs from its folder 'vault-helm'; the packaged chart and its source should carry one name"
    ]
    (chart / ".git").mkdir()
    assert [message for code, _, _, message in _findings(chart, "CH002") if "folder" in message] == []


ISTIO_PROFILE = """\
{{- $defaults := $.Values._internal_defaults_do_not_set }}
{{- $_ := unset $.Values "_internal_defaults_do_not_set" }}
{{- $b := set $ "Values" (mustMergeOverwrite $defaults $.Values) }}
"""


def test_values_a_template_merges_into_values_before_the_others_render_are_defined(tmp_path: Path) -> None:
    """istio/istio (commit 86c9f01f; Apache-2.0) manifests/charts, cut: values.yaml holds every default under
    `_internal_defaults_do_not_set`, and templates/zzz_profile.yaml (rendered first: Helm renders in reverse name
    order) makes them .Values; zzy_descope_legacy.yaml merges a legacy `cni:` prefix into them too."""
    values = "_internal_defaults_do_not_set:\n  autoscaling:\n    enabled: true\n  cni:\n    logLevel: info\n"
    reads = "{{ if .Values.autoscaling.enabled }}a: {{ .Values.logLevel }}{{ end }}\nb: {{ .Values.missing }}\n"
    chart = _chart(
        tmp_path,
        values,
        {
            "zzz_profile.yaml": ISTIO_PROFILE,
            "zzy_descope_legacy.yaml": '{{- $_ := mustMergeOverwrite $.Values (index $.Values "cni") }}',
            "hpa.yaml": reads,
        },
    )
    assert [(name, message.split(" is not")[0]) for name, _, message in _ch007(chart)] == [("hpa.yaml", ".Values.missing")]
    # without the profile, the reads are of values.yaml as written
    (chart / "templates" / "zzz_profile.yaml").unlink()
    assert [message.split(" is not")[0] for *_, message in _ch007(chart)][:1] == [".Values.autoscaling.enabled"]
    # a replacement k8slint cannot follow: which values exist is not known, and none is called undefined
    (chart / "templates" / "zzz_profile.yaml").write_text('{{- $_ := set $ "Values" (fromYaml (.Files.Get "v.yaml")) }}')
    assert _ch007(chart) == []


def test_a_missing_map_read_in_a_block_the_values_switch_off_is_a_warning(tmp_path: Path) -> None:
    """grafana/loki (commit 65e30f84; AGPL-3.0) production/helm/loki admin-api, cut: minio is off by default and
    bucketNames is commented out in values.yaml; `helm template` renders, and fails once minio is switched on."""
    template = "{{- if .Values.minio.enabled }}\nbucket: {{ .Values.loki.storage.bucketNames.admin }}\n{{- end }}\n"
    chart = _chart(tmp_path, "minio:\n  enabled: false\nloki:\n  storage:\n    type: s3\n", {"cm.yaml": template})
    (finding,) = [f for f in run_lint(chart).findings if f.code == "CH007"]
    assert (finding.severity.name, finding.location.line) == ("WARNING", 2)
    assert "(.Values.minio.enabled is not set), but once it is set, helm template fails" in finding.message
    # switched on: the release itself fails
    (chart / "values.yaml").write_text("minio:\n  enabled: true\nloki:\n  storage:\n    type: s3\n")
    (finding,) = [f for f in run_lint(chart).findings if f.code == "CH007"]
    assert finding.severity.name == "ERROR" and "so helm template fails" in finding.message


# -- fluent/helm-charts (commit 5b81bf7a; Apache-2.0): the word include inside a string, and values read through
# a define's context dict.

FLUENTD_CONFIGMAP = """apiVersion: v1
kind: ConfigMap
metadata:
  name: fluentd-main
data:
  fluent.conf: |-
    {{- range $key := .Values.names }}
    {{- print "@include " $key ".d/*" | nindent 4 }}
    {{- end }}
"""


def test_the_word_include_inside_a_string_calls_no_template(tmp_path: Path) -> None:
    chart = _chart(tmp_path, "names: [a]\n", {"cm.yaml": FLUENTD_CONFIGMAP})
    assert _findings(chart, "CH007", "CH008", "CH009") == []
    assert analyse(FLUENTD_CONFIGMAP).calls == []


def test_an_include_after_a_string_is_still_a_call(tmp_path: Path) -> None:
    template = 'a: {{ printf "%s" "x" }}{{ include "missing.name" . }}\n'
    chart = _chart(tmp_path, "a: 1\n", {"cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  " + template})
    [(code, _, _, message)] = _findings(chart, "CH009")
    assert code == "CH009" and "missing.name" in message


FLUENT_OPERATOR_HELPERS = """{{- define "fluent-operator.service" -}}
{{- $service := .root.Values.fluentbit.service | default dict -}}
flushSeconds: {{ $service.flushSeconds | default .defaults.flush }}
{{- end -}}
"""
FLUENT_OPERATOR_TEMPLATE = """apiVersion: v1
kind: ConfigMap
metadata:
  name: fluent-bit
data:
  service.yaml: |
    {{- include "fluent-operator.service" (dict "defaults" (dict "flush" 1) "root" $) | nindent 4 }}
"""


def test_a_value_read_through_a_define_context_field_is_used(tmp_path: Path) -> None:
    values = "fluentbit:\n  service:\n    flushSeconds: 7\nunread: 1\n"
    chart = _chart(tmp_path, values, {"_helpers.tpl": FLUENT_OPERATOR_HELPERS, "cm.yaml": FLUENT_OPERATOR_TEMPLATE})
    assert [(code, file, line) for code, file, line, _ in _findings(chart, "CH008")] == [("CH008", "values.yaml", 4)]


# bitnami/charts, bitnami/common templates/_utils.tpl (Apache-2.0), cut: a value read by a dotted key
BITNAMI_GET_VALUE = """{{- define "common.utils.getValueFromKey" -}}
{{- $splitKey := splitList "." .key -}}
{{- $value := "" -}}
{{- $latestObj := $.context.Values -}}
{{- range $splitKey -}}
  {{- $value = ( index $latestObj . ) -}}
  {{- $latestObj = $value -}}
{{- end -}}
{{- printf "%v" (default "" $value) -}}
{{- end -}}
"""
BITNAMI_SECRET = """apiVersion: v1
kind: Secret
metadata:
  name: redis
stringData:
  password: {{ include "common.utils.getValueFromKey" (dict "key" "auth.password" "context" $) | quote }}
"""
LIBRARY_CHART = "apiVersion: v2\nname: common\ntype: library\nversion: 2.31.10\n"


@pytest.mark.parametrize("where", ["own helpers", "library dependency"])
def test_values_a_define_walks_from_its_contexts_root_are_all_used(tmp_path: Path, where: str) -> None:
    """`$.context.Values` walked by a key string: any value may be read (false unused-value on bitnami's redis)."""
    values = "auth:\n  password: ''\nunread: 1\n"
    if where == "own helpers":
        chart = _chart(tmp_path, values, {"_utils.tpl": BITNAMI_GET_VALUE, "secret.yaml": BITNAMI_SECRET})
    else:
        chart_yaml = (
            CHART_YAML + "dependencies:\n- name: common\n  version: 2.x.x\n  repository: oci://registry-1.docker.io/bitnamicharts\n"
        )
        chart = _chart(tmp_path, values, {"secret.yaml": BITNAMI_SECRET}, chart_yaml=chart_yaml)
        common = chart / "charts" / "common"
        (common / "templates").mkdir(parents=True)
        (common / "Chart.yaml").write_text(LIBRARY_CHART)
        (common / "templates" / "_utils.tpl").write_text(BITNAMI_GET_VALUE)
    assert _findings(chart, "CH008") == []
    # without the walk, the value no template names is unused
    if where == "own helpers":
        (chart / "templates" / "_utils.tpl").write_text(BITNAMI_GET_VALUE.replace("$.context.Values", "dict"))
    else:
        (chart / "charts" / "common" / "templates" / "_utils.tpl").write_text(BITNAMI_GET_VALUE.replace("$.context.Values", "dict"))
    assert {(code, file, line) for code, file, line, _ in _findings(chart, "CH008")} == {
        ("CH008", "values.yaml", 2),
        ("CH008", "values.yaml", 3),
    }


# -- undefined-value: `.Values` where a with or range has rebound dot is a field of dot, not the chart's values.
# CrunchyData/postgres-operator-examples' helm/postgres: `.Values.backupsStorageClassName` inside
# `range $index, $repo := .Values.multiBackupRepos`, which Helm fails on once a repo is listed.

REPOS_TEMPLATE = (
    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: repos\ndata:\n"
    "{{- range $index, $repo := .Values.multiBackupRepos }}\n"
    "  {{- if $repo.volume }}\n"
    "  sc{{ $index }}: {{ .Values.backupsStorageClassName | quote }}\n"
    "  {{- end }}\n"
    "{{- end }}\n"
)


def _variants(chart: Path) -> list[tuple[int, str, str]]:
    return [(f.location.line, f.severity.name.lower(), f.message) for f in run_lint(chart).findings if f.code in ("CH007", "CH008")]


def test_values_inside_a_range_over_no_items_is_a_warning_that_names_the_block(tmp_path: Path) -> None:
    chart = _chart(tmp_path, "multiBackupRepos: []\n", {"repos.yaml": REPOS_TEMPLATE})
    ((line, severity, message),) = _variants(chart)
    assert (line, severity) == (8, "warning")
    assert message.startswith(
        ".Values.backupsStorageClassName is read inside `range .Values.multiBackupRepos`, where dot is each item of "
        ".Values.multiBackupRepos: it reads each item's field Values, not the chart's values;"
    )
    assert ".Values.multiBackupRepos is empty" in message and "nil pointer evaluating interface {}.backupsStorageClassName" in message
    assert "renders as empty" not in message  # the wrong claim of before: the read never renders empty
    assert "$.Values.backupsStorageClassName" in message


def test_values_inside_a_range_over_items_is_an_error_where_every_block_renders(tmp_path: Path) -> None:
    # defined at the root too: the range still does not read it, and unused-value does not say it twice
    values = "backupsStorageClassName: fast\nmultiBackupRepos:\n  - volume: {size: 1Gi}\n"
    template = REPOS_TEMPLATE.replace("  {{- if $repo.volume }}\n", "").replace("  {{- end }}\n", "")
    chart = _chart(tmp_path, values, {"repos.yaml": template})
    ((line, severity, message),) = _variants(chart)
    assert (line, severity) == (7, "error")
    assert "so helm template fails (nil pointer evaluating interface {}.backupsStorageClassName)" in message


def test_values_inside_a_range_under_an_if_that_is_not_judged_is_a_warning(tmp_path: Path) -> None:
    values = "multiBackupRepos:\n  - volume: {size: 1Gi}\n"
    ((_, severity, message),) = _variants(_chart(tmp_path, values, {"repos.yaml": REPOS_TEMPLATE}))
    assert severity == "warning" and "a block around it does not render or is not judged" in message


def test_dollar_values_else_branches_and_items_with_a_values_field_are_the_charts(tmp_path: Path) -> None:
    values = "sc: fast\nmultiBackupRepos:\n  - volume: {size: 1Gi}\nwrapped:\n  - Values: {sc: slow}\nfeature: {}\n"
    template = (
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: repos\ndata:\n"
        "{{- range .Values.multiBackupRepos }}\n  a: {{ $.Values.sc }}\n{{- end }}\n"
        "{{- range .Values.wrapped }}\n  b: {{ .Values.sc }}\n{{- end }}\n"
        "{{- with .Values.feature }}\n  c: {{ .x }}\n{{- else }}\n  d: {{ .Values.sc }}\n{{- end }}\n"
        "{{- with $ }}\n  e: {{ .Values.sc }}\n{{- end }}\n"
        '{{- range $k, $v := dict "a" 1 }}\n  f: {{ .Values.sc }}\n{{- end }}\n'
    )
    assert _variants(_chart(tmp_path, values, {"repos.yaml": template})) == []


def test_the_reads_where_dot_is_rebound_are_kept_apart() -> None:
    info = analyse(
        "{{ with .Values.a }}{{ .Values.b.c }}{{ .d }}{{ else }}{{ .Values.e }}{{ end }}"
        "{{ range $i, $x := .Values.l }}{{ with $x.m }}{{ .Values.n }}{{ end }}{{ end }}"
    )
    assert [(read.keyword, read.argument, read.dot, read.path) for read in info.rebound] == [
        ("with", ".Values.a", ("a",), ("b", "c")),
        ("with", "$x.m", None, ("n",)),  # dot is a field of an item: not known before rendering
    ]
    assert [ref.path for ref in info.refs] == [("a",), ("a", "d"), ("e",), ("l",)]


# -- undefined-value: a define's read is guarded where every call of the define is (goharbor/harbor-helm's
# harbor.caBundleVolume, included only inside `if .Values.caBundleSecretName`).

CA_HELPERS = (
    '{{- define "app.caBundleVolume" -}}\n'
    "- name: ca-bundle-certs\n  secret:\n    secretName: {{ .Values.caBundleSecretName }}\n"
    "{{- end -}}\n"
    '{{- define "app.volumes" -}}\n'
    '{{- if .Values.caBundleSecretName }}\n{{ include "app.caBundleVolume" . }}\n{{- end }}\n'
    "{{- end -}}\n"
)


def _ca_chart(tmp_path: Path, pod_volumes: str) -> Path:
    pod = (
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: core\nspec:\n  containers:\n    - name: core\n      image: x:1\n"
        f"  volumes:\n{pod_volumes}"
    )
    return _chart(tmp_path, "image: x\n", {"_helpers.tpl": CA_HELPERS, "pod.yaml": pod})


def test_a_define_read_is_guarded_where_every_call_is(tmp_path: Path) -> None:
    direct = '  {{- if .Values.caBundleSecretName }}\n  {{- include "app.caBundleVolume" . | nindent 2 }}\n  {{- end }}\n'
    through = '  {{- include "app.volumes" . | nindent 2 }}\n'
    assert _ch007(_ca_chart(tmp_path / "a", direct + through)) == []


def test_a_define_read_is_reported_where_one_call_is_unguarded(tmp_path: Path) -> None:
    unguarded = '  {{- include "app.caBundleVolume" . | nindent 2 }}\n'
    ((file, line, message),) = _ch007(_ca_chart(tmp_path, unguarded))
    assert (file, line) == ("_helpers.tpl", 4) and message.startswith(".Values.caBundleSecretName is not defined")


def test_a_values_path_inside_a_string_literal_is_no_read(tmp_path: Path) -> None:
    """VictoriaMetrics' vmalertmanager.yaml: `fail "ERROR: both .Values.a.spec.raw and ..."` names paths in its message."""
    template = (
        "{{- if and .Values.a.enabled .Values.a.spec.port }}\n"
        '{{- fail "ERROR: both .Values.a.spec.raw and .Values.a.enabled are set" }}\n{{- end }}\n'
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n"
    )
    chart = _chart(tmp_path, "a:\n  enabled: false\n  spec:\n    port: '9093'\n", {"cm.yaml": template})
    assert _ch007(chart) == []


# actions/actions-runner-controller (commit 2ee6b3b8; Apache-2.0) gha-runner-scale-set-experimental's
# _listener_template.tpl and gha-runner-scale-set's _helpers.tpl, cut: defines that read under a map values.yaml
# does not define, included only where a block around the include tests that map
ARC_HELPERS = """\
{{- define "listener-template.pod" -}}
metadata: {{ toYaml .Values.listenerPodTemplate.metadata | nindent 2 }}
{{- end }}
{{- define "kubernetes-mode-work-volume" -}}
- name: work
  ephemeral: {{ toYaml .Values.containerMode.kubernetesModeWorkVolumeClaim | nindent 4 }}
{{- end }}
"""
ARC_SET = """\
{{- $containerMode := .Values.containerMode }}
apiVersion: actions.github.com/v1alpha1
kind: AutoscalingRunnerSet
metadata:
  name: {{ .Release.Name }}
spec:
  {{- if and .Values.listenerPodTemplate (or .Values.listenerPodTemplate.metadata .Values.listenerPodTemplate.spec) }}
  listenerTemplate: {{ include "listener-template.pod" . | nindent 4 }}
  {{- end }}
  template:
    spec:
      {{- if eq $containerMode.type "dind" }}
      volumes: []
      {{- else if eq $containerMode.type "kubernetes" }}
      volumes: {{ include "kubernetes-mode-work-volume" . | nindent 8 }}
      {{- end }}
"""


def test_a_define_read_under_a_missing_map_included_only_where_it_is_tested_renders(tmp_path: Path) -> None:
    chart = _chart(tmp_path, "replicas: 1\n", {"_helpers.tpl": ARC_HELPERS, "set.yaml": ARC_SET})
    assert _findings(chart, "CH007") == []
    # an include outside the tests: Helm stops at the nil map
    (chart / "templates" / "set.yaml").write_text(ARC_SET + '  extra: {{ include "kubernetes-mode-work-volume" . | nindent 4 }}\n')
    assert [(name, line) for _, name, line, _ in _findings(chart, "CH007")] == [("_helpers.tpl", 6)]
    # a test that is true where the map is missing (ne) guards nothing
    (chart / "templates" / "set.yaml").write_text(
        ARC_SET.replace('else if eq $containerMode.type "kubernetes"', 'else if ne $containerMode.type "x"')
    )
    assert [(name, line) for _, name, line, _ in _findings(chart, "CH007")] == [("_helpers.tpl", 6)]


@pytest.mark.parametrize(
    ("template", "guards"),
    [
        # the else renders where the test failed: what the if tested is not set there
        ('{{ if .Values.a.on }}{{ else }}{{ include "t" . }}{{ end }}', ()),
        ('{{ if .Values.a.on }}{{ else if .Values.b.on }}{{ include "t" . }}{{ end }}', (("b",),)),
        # the else of a `not`: the value is set there (prometheus-community's modbus exporter: `if not .Values.configMapFile`)
        ('{{ if not .Values.a.b }}{{ else }}{{ include "t" . }}{{ end }}', (("a",),)),
        # a field of a variable equal to a word: the variable holds a map; `ne` is true where it holds nothing
        ('{{ $m := .Values.mode }}{{ if eq $m.type "dind" }}{{ else if eq $m.type "kubernetes" }}{{ include "t" . }}{{ end }}', (("mode",),)),
        ('{{ $m := .Values.mode }}{{ if ne $m.type "dind" }}{{ include "t" . }}{{ end }}', ()),
        ('{{ $m := .Values.mode }}{{ if not (eq $m.type "dind") }}{{ include "t" . }}{{ end }}', ()),
    ],
)  # fmt: skip
def test_what_the_block_around_a_call_guards(template: str, guards: tuple[tuple[str, ...], ...]) -> None:
    (call,) = analyse(template).call_contexts
    assert call.guards == guards


def test_a_value_read_in_the_else_of_its_negation_is_guarded() -> None:
    info = analyse("{{ if not .Values.configMapFile }}name: x{{ else }}name: {{ .Values.configMapFile }}{{ end }}")
    assert [ref.guarded for ref in info.refs] == [True, True]
