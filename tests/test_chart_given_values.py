"""undefined-value counts the values a chart is installed with (--values, --set) as defined, as Helm merges them.

dotnet-architecture/eShopOnContainers (branch dev) keeps the settings every chart reads (`app.*`, `inf.*`)
in deploy/k8s/helm/app.yaml and inf.yaml, which its deploy-all.sh passes to every `helm install`; linted
with those files given, its charts have no undefined value, as Helm's render of them agrees.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from k8slint.sources.charts import given_values
from tests.conftest import run_lint
from tests.test_helm_render import helm_binary

__all__ = ["helm_binary"]

CHART = "apiVersion: v2\nname: basket-api\nversion: 0.1.0\nappVersion: '1.0'\ndescription: the basket service\n"
# the shape of eShopOnContainers' deploy/k8s/helm/basket-api/templates/configmap.yaml: settings from the shared files
TEMPLATE = """apiVersion: v1
kind: ConfigMap
metadata:
  name: basket-api
data:
  ConnectionString: {{ .Values.inf.redis.basket.constr }}
  EventBusConnection: {{ .Values.inf.eventbus.constr }}
  PullPolicy: {{ .Values.image.pullPolicy }}
"""
SHARED = "inf:\n  redis:\n    basket:\n      constr: basketdata\n  eventbus:\n    constr: rabbitmq\n"


def _chart(tmp_path: Path) -> Path:
    chart = tmp_path / "basket-api"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text(CHART)
    (chart / "values.yaml").write_text("replicaCount: 1\nimage:\n  repository: eshop/basket.api\n")
    (chart / "templates" / "configmap.yaml").write_text(TEMPLATE)
    (tmp_path / "inf.yaml").write_text(SHARED)
    return chart


def _undefined(result) -> list[str]:
    return [f.message.split(" is not defined")[0] for f in result.findings if f.code == "CH007"]


def test_values_files_and_set_count_as_defined(tmp_path: Path) -> None:
    chart = _chart(tmp_path)
    assert _undefined(run_lint(chart)) == [".Values.inf.redis.basket.constr", ".Values.image.pullPolicy"]
    given = run_lint(chart, render_values=[str(tmp_path / "inf.yaml")])
    assert _undefined(given) == [".Values.image.pullPolicy"]
    [message] = [f.message for f in given.findings if f.code == "CH007"]
    assert f"not defined in values.yaml nor in the values given ({tmp_path / 'inf.yaml'})" in message
    assert message.endswith("it renders as empty")  # image is defined: a warning, not "helm template fails"
    assert _undefined(run_lint(chart, render_values=[str(tmp_path / "inf.yaml")], render_set=["image.pullPolicy=Always"])) == []


def test_a_missing_map_is_one_error_at_its_first_read(tmp_path: Path) -> None:
    """Helm stops at the first read under a map values.yaml lacks: one error names the map, the other reads are related."""
    chart = _chart(tmp_path)
    (chart / "templates" / "secret.yaml").write_text(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: basket\nstringData:\n  redis: {{ .Values.inf.redis.basket.pwd }}\n"
        "  app: {{ .Values.app.name }}\n"
    )
    errors = [f for f in run_lint(chart).findings if f.code == "CH007" and f.severity.name == "ERROR"]
    assert [(f.location.file.rsplit("/", 1)[-1], f.location.line, f.message.split(" is not defined")[0]) for f in errors] == [
        ("configmap.yaml", 6, ".Values.inf.redis.basket.constr"),
        ("secret.yaml", 7, ".Values.app.name"),
    ]
    inf, app = errors
    assert (
        "nor is .Values.inf, so helm template fails; so do 2 more reads under it (nil pointer evaluating interface {}.redis" in inf.message
    )
    assert [(r.location.file.rsplit("/", 1)[-1], r.location.line, r.message) for r in inf.related] == [
        ("configmap.yaml", 7, ".Values.inf.eventbus.constr read here"),
        ("secret.yaml", 6, ".Values.inf.redis.basket.pwd read here"),
    ]
    assert "nor is .Values.app, so helm template fails (nil pointer evaluating interface {}.name:" in app.message and app.related == ()


def test_set_keys_follow_helm_strvals() -> None:
    [(shown, tree)] = given_values((), ("a.b=1,c=x\\,y", "d\\.e.f=2", "list[0].name=x,g.h[1]=y", "flag"))
    assert shown == "--set"
    assert tree == {"a": {"b": ""}, "c": "", "d.e": {"f": ""}, "list": None, "g": {"h": None}}


def test_an_unreadable_or_odd_values_file_is_left_to_the_render(tmp_path: Path) -> None:
    (tmp_path / "list.yaml").write_text("- a\n- b\n")
    assert given_values((str(tmp_path / "missing.yaml"), str(tmp_path / "list.yaml")), ()) == ()


@pytest.mark.parametrize("given", [False, True])
def test_what_undefined_value_says_helm_does(helm_binary: Path, tmp_path: Path, given: bool) -> None:
    """Where undefined-value says helm template fails, it fails; with the shared file given, it renders."""
    chart = _chart(tmp_path)
    values = [str(tmp_path / "inf.yaml")] if given else []
    fails = [f for f in run_lint(chart, render_values=values).findings if f.code == "CH007" and "helm template fails" in f.message]
    run = subprocess.run(
        [str(helm_binary), "template", "x", str(chart), *(f"--values={v}" for v in values)], capture_output=True, text=True, timeout=120
    )
    assert (run.returncode != 0) is bool(fails), (run.stderr, fails)
    if not given:
        assert "nil pointer evaluating interface {}.redis" in run.stderr


@pytest.mark.parametrize(
    ("action", "fails"),
    [
        ('{{ .Values.a.b | default "x" }}', True),  # default comes after the read
        ('{{ required "set a.b" .Values.a.b }}', True),
        ("{{ with .Values.a.b }}y{{ end }}", True),
        ("{{ if .Values.a.b }}y{{ end }}", True),
        ('{{ hasKey .Values.a "b" }}', True),  # a nil for the map it wants
        ("{{ if .Values.a }}{{ .Values.a.b }}{{ end }}", False),
        ("{{ if and .Values.a .Values.a.b }}y{{ end }}", False),  # and stops at the empty a
        ("{{ and .Values.x .Values.a.b }}", True),  # x is set: and goes on to read a.b
        ("{{ or .Values.x .Values.a.b }}", False),  # or stops at the set x
        ("{{ or .Values.q .Values.a.b }}", True),
        ("{{ if or (and .Values.a .Values.a.b) .Values.x }}y{{ end }}", False),
        ("{{ and .Values.a (eq 1 .Values.a.b) }}", False),  # the eq is and's operand: never evaluated without a
        ("{{ if and .Values.a (eq 1 (int .Values.a.b)) }}y{{ end }}", False),  # opentelemetry-collector's, nested deeper
        ("{{ and .Values.x (eq 1 .Values.a.b) }}", True),
        ("{{ and (eq 1 .Values.a.b) .Values.a }}", True),  # the test comes after the read
        ("{{ or .Values.x (eq 1 .Values.a.b) }}", False),
        ('{{ dig "a" "b" "none" (.Values | merge (dict)) }}', False),  # dig gives its default for a missing map (of a plain map)
        ('{{ if dig "a" "b" false (.Values | merge (dict)) }}{{ .Values.a.b }}{{ end }}', False),  # minio's tenant chart
        ('{{ dig "a" "b" "none" (.Values | merge (dict)) }}{{ .Values.a.b }}', True),  # a read outside it still fails
    ],
)
def test_a_read_under_a_missing_map_fails_as_helm_says(helm_binary: Path, tmp_path: Path, action: str, fails: bool) -> None:
    """Whatever tests a value in its own action, Go evaluates the field chain first: past a missing map it stops
    helm template; only an enclosing if or with, or an and/or that stops first, keeps it from being read."""
    _fails_as_helm_says(helm_binary, tmp_path, "x: 1\n", action, fails)


@pytest.mark.parametrize(
    ("action", "fails"),
    [
        ("{{ if .Values.c.enabled }}{{ .Values.c.p.q }}{{ end }}", True),  # grafana's compactor: enabled, p missing
        ("{{ if .Values.opt.enabled }}{{ .Values.opt.p.q }}{{ end }}", False),  # the block does not render
        ("{{ if not .Values.c.enabled }}{{ .Values.c.p.q }}{{ end }}", False),
        ("{{ if .Values.c.p }}{{ .Values.c.p.q }}{{ end }}", False),  # the test proves p set
        ("{{ with .Values.c }}{{ .p.q }}{{ end }}", True),  # with renders; .p is missing
        ("{{ if .Values.c.enabled }}{{ if .Values.c.p }}{{ .Values.c.p.q }}{{ end }}{{ end }}", False),
    ],
)
def test_a_read_inside_a_block_that_renders_fails_as_helm_says(helm_binary: Path, tmp_path: Path, action: str, fails: bool) -> None:
    """An if on one path alone renders when the values set it; a read in it past a map the values lack then stops
    helm template, unless a block around it tests that map."""
    _fails_as_helm_says(helm_binary, tmp_path, "c:\n  enabled: true\nopt:\n  enabled: false\n", action, fails)


def _fails_as_helm_says(helm_binary: Path, tmp_path: Path, values: str, action: str, fails: bool) -> None:
    """A chart with ``values`` and a ConfigMap rendering ``action``: helm template fails exactly when k8slint reports
    an undefined-value error."""
    chart = tmp_path / "chart"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text(CHART)
    (chart / "values.yaml").write_text(values)
    (chart / "templates" / "cm.yaml").write_text(f'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  k: "{action}"\n')
    run = subprocess.run([str(helm_binary), "template", "x", str(chart)], capture_output=True, text=True, timeout=120)
    assert (run.returncode != 0) is fails, run.stderr
    errors = [f for f in run_lint(chart).findings if f.code == "CH007" and str(f.severity) == "error"]
    assert bool(errors) is fails, [f.message for f in errors]
