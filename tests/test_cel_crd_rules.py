"""CEL in CustomResourceDefinitions: the runtime's Kubernetes functions, the cost bound, and the
rules evaluated on custom resources (the docs' own examples are fixtures/rules/KV002)."""

from __future__ import annotations

import importlib.util
import time
from pathlib import Path
from typing import Any

import pytest

from conftest import run_lint

if importlib.util.find_spec("cel") is None:
    pytest.skip("the cel extra needs Python 3.11+", allow_module_level=True)

from k8slint.model import cel
from k8slint.model.crdrules import CrdVersion, field_path_steps, prepared


def value(source: str, **variables: Any) -> Any:
    return cel.evaluate(cel.compile_cel(source), variables)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        # the Kubernetes CEL library docs (kubernetes.io/docs/reference/using-api/cel)
        ("quantity('1Gi').isGreaterThan(quantity('512Mi'))", True),
        ("quantity('1') == quantity('1000m')", True),
        ("quantity('200M').isLessThan(quantity('0.2G'))", False),
        ("quantity('50k').add(quantity('20k')) == quantity('70k')", True),
        ("quantity('50k').sub(20000) == quantity('30k')", True),
        ("quantity('50M').compareTo(quantity('50Mi'))", -1),
        ("quantity('1.5').isInteger()", False),
        ("quantity('2k').asInteger()", 2000),
        ("quantity('-1').sign()", -1),
        ("isQuantity('1.3G') && !isQuantity('1.3Gb')", True),
        ("url('https://example.com:80/').getHost()", "example.com:80"),
        ("url('https://[::1]:80/').getHostname()", "::1"),
        ("url('https://example.com:80/').getPort()", "80"),
        ("url('https://example.com/path with spaces/').getEscapedPath()", "/path%20with%20spaces/"),
        ("url('https://example.com/?k=v&k=w').getQuery()", {"k": ["v", "w"]}),
        ("isURL('https://example.com') && isURL('/absolute-path') && !isURL('example.com')", True),
        ("[1, 2, 3].isSorted() && !['b', 'a'].isSorted()", True),
        ("[1, 2, 3].sum()", 6),
        ("[quantity('1Gi'), quantity('512Mi')].max() == quantity('1Gi')", True),
        ("[3, 1, 2].min()", 1),
        ("[1, 2, 2, 3].indexOf(2) == 1 && [1, 2, 2, 3].lastIndexOf(2) == 2", True),
        ("'hello mellow'.indexOf('ello') == 1 && 'hello mellow'.lastIndexOf('ello') == 7", True),
        ("'%s is %d years, %.1f%% done'.format(['x', 4, 12.25])", "x is 4 years, 12.2% done"),
        ("'%x %o %b'.format([255, 8, 5])", "ff 10 101"),
        ("'Mixed'.lowerAscii() + 'x'.upperAscii()", "mixedX"),
        ("'a,b'.split(',') == ['a', 'b'] && ['a', 'b'].join('-') == 'a-b'", True),
        ("'abc'.matches('^[a-z]+$') && !'ab1'.matches('^[a-z]+$')", True),
        ("1 == 1.0 && 1 < 1.5", True),  # heterogeneous numbers, as Kubernetes enables them
        ("optional.of(1).orValue(2) + optional.none().orValue(3)", 4),
        ("optional.ofNonZeroValue('').or(optional.of('x')).value()", "x"),
    ],
)
def test_kubernetes_library(source: str, expected: Any) -> None:
    assert value(source) == expected


def test_evaluation_errors_are_raised_as_such() -> None:
    with pytest.raises(cel.CelEvalError, match="no such key"):
        value("self.spec.missing > 1", self={"spec": {}})
    with pytest.raises(cel.CelEvalError):
        value("quantity(self)", self="1Gb")
    with pytest.raises(cel.CelEvalError):
        value("9223372036854775807 + self", self=1)


@pytest.mark.parametrize(
    ("source", "error"),
    [
        ("self.a <=", cel.CelCompileError),
        ("self.a == 'open", cel.CelCompileError),
        ("self.?a.optMap(x, x + 1).orValue(1) > 0", cel.CelUnsupported),
        ("self.findAll('[0-9]+').size() > 0", cel.CelUnsupported),
        ("string(ip(self)) == self", cel.CelUnsupported),
        ("self.find('[0-9]+') == '1'", cel.CelUnsupported),
        ("notAKubernetesFunction(self)", cel.CelUnsupported),
        ("(" * 120 + "self" + ")" * 120, cel.CelUnsupported),  # cel-go parses 250 levels, the crate 96
        ("x" * (cel.MAX_EXPRESSION_LENGTH + 1), cel.CelUnsupported),
    ],
)
def test_what_does_not_compile_or_is_not_evaluated(source: str, error: type[Exception]) -> None:
    with pytest.raises(error):
        cel.compile_cel(source)


def test_optional_syntax_inside_a_string_is_text() -> None:
    assert value("self == 'a.?b'", self="a.?b") is True


def test_nested_comprehensions_over_a_large_list_are_refused_before_they_run() -> None:
    cells = list(range(3000))
    program = cel.compile_cel("self.all(a, self.all(b, self.all(c, a + b + c >= 0)))")
    started = time.perf_counter()
    with pytest.raises(cel.CelBudgetExceeded):
        cel.evaluate(program, {"self": cells})
    assert time.perf_counter() - started < 1.0


def test_map_is_refused_at_a_size_where_its_copying_would_take_seconds() -> None:
    # the crate copies the accumulated list on every step: map over 20,000 items takes ~8 s
    program = cel.compile_cel("self.map(x, x).size() > 0")
    with pytest.raises(cel.CelBudgetExceeded):
        cel.evaluate(program, {"self": list(range(20_000))})


def test_an_expression_under_the_budget_finishes_quickly() -> None:
    """The budget is set so that the worst expression just under it runs in well under a second."""
    for source, size in (
        ("self.all(a, self.all(b, a + b >= 0))", 250),
        ("self.all(x, x in self)", 6000),
        ("self.all(x, self == self)", 6000),
        ("self.map(x, x).size() > 0", 300),
        ("self.all(a, self.all(b, self.all(c, a + b + c >= 0)))", 60),
    ):
        program = cel.compile_cel(source)
        assert cel.estimated_cost(program, [list(range(size))]) <= cel.COST_BUDGET, source
        started = time.perf_counter()
        assert cel.evaluate(program, {"self": list(range(size))}) is True, source
        assert time.perf_counter() - started < 1.0, source


def test_literal_lists_count_towards_the_estimate() -> None:
    literal = "[" + ",".join(["1"] * 2000) + "]"
    program = cel.compile_cel(f"{literal}.all(a, {literal}.all(b, {literal}.all(c, a + b + c > 0)))")
    with pytest.raises(cel.CelBudgetExceeded):
        cel.evaluate(program, {})


def test_values_are_defaulted_pruned_and_typed_as_the_schema_says() -> None:
    schema = {
        "type": "object",
        "properties": {
            "spec": {
                "type": "object",
                "properties": {
                    "replicas": {"type": "integer", "default": 1},
                    "ratio": {"type": "number"},
                    "free": {"type": "object", "x-kubernetes-preserve-unknown-fields": True, "properties": {"a": {}}},
                },
            }
        },
    }
    data = {
        "apiVersion": "x.example.com/v1",
        "kind": "X",
        "metadata": {"name": "n", "labels": {"a": "b"}},
        "spec": {"ratio": 2, "unknown": 1, "free": {"b": 1}},
    }
    assert prepared(CrdVersion(schema, ()), data) == {
        "apiVersion": "x.example.com/v1",
        "kind": "X",
        "metadata": {"name": "n"},
        "spec": {"ratio": 2.0, "free": {"b": 1}, "replicas": 1},
    }


@pytest.mark.parametrize(
    ("text", "path"),
    [
        (".spec.replicas", ("spec", "replicas")),
        (".labels['app.kubernetes.io/name']", ("labels", "app.kubernetes.io/name")),
        (".items[2]", ("items", 2)),
        ("spec", None),
    ],
)
def test_field_paths(text: str, path: Any) -> None:
    assert field_path_steps(text) == path


CRD = """\
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: autoscalers.todo.example.com
spec:
  group: todo.example.com
  scope: Namespaced
  names:
    kind: Autoscaler
    plural: autoscalers
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
              x-kubernetes-validations:
                - rule: self.minReplicas <= self.maxReplicas
                  message: minReplicas cannot be larger than maxReplicas
              properties:
                minReplicas: {type: integer}
                maxReplicas: {type: integer}
"""


def test_the_issue_example_is_an_error_at_spec(tmp_path: Path) -> None:
    (tmp_path / "crd.yaml").write_text(CRD, encoding="utf-8")
    (tmp_path / "hpa.yaml").write_text(
        "apiVersion: todo.example.com/v1\nkind: Autoscaler\nmetadata:\n  name: web\nspec:\n  minReplicas: 5\n  maxReplicas: 2\n",
        encoding="utf-8",
    )
    result = run_lint(tmp_path)
    found = [(Path(f.location.file).name, f.location.line, f.code, f.message) for f in result.findings if f.code.startswith("KV")]
    assert found == [("hpa.yaml", 5, "KV002", "minReplicas cannot be larger than maxReplicas")]
    [finding] = [f for f in result.findings if f.code == "KV002"]
    assert finding.severity.name == "ERROR"
    assert [(Path(r.location.file).name, r.location.line, r.message) for r in finding.related] == [
        ("crd.yaml", 22, "the rule in CustomResourceDefinition autoscalers.todo.example.com")
    ]


def test_a_hostile_rule_does_not_hold_up_the_run(tmp_path: Path) -> None:
    crd = CRD.replace("self.minReplicas <= self.maxReplicas", "self.cells.all(a, self.cells.all(b, self.cells.all(c, a != b || b != c)))")
    crd = crd.replace("minReplicas: {type: integer}", "cells: {type: array, items: {type: string}}")
    (tmp_path / "crd.yaml").write_text(crd, encoding="utf-8")
    cells = ", ".join(f"c{i}" for i in range(5000))
    (tmp_path / "x.yaml").write_text(
        f"apiVersion: todo.example.com/v1\nkind: Autoscaler\nmetadata:\n  name: web\nspec:\n  cells: [{cells}]\n", encoding="utf-8"
    )
    started = time.perf_counter()
    result = run_lint(tmp_path)
    assert time.perf_counter() - started < 10
    assert [(f.code, f.severity.name, f.location.line) for f in result.findings if f.code.startswith("KV")] == [("KV005", "WARNING", 5)]


def test_without_the_cel_runtime_rules_are_said_not_evaluated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *args: None if name == "cel" else real_find_spec(name, *args))
    monkeypatch.setattr(cel, "_cel", None)
    monkeypatch.setattr(cel, "_COMPILED", {})
    (tmp_path / "crd.yaml").write_text(CRD, encoding="utf-8")
    alone = run_lint(tmp_path / "crd.yaml")
    assert [f for f in alone.findings if f.code.startswith("KV")] == [] and not any("CEL" in n for n in alone.notes)
    (tmp_path / "cr.yaml").write_text(
        "apiVersion: todo.example.com/v1\nkind: Autoscaler\nmetadata:\n  name: web\nspec:\n  minReplicas: 5\n  maxReplicas: 2\n",
        encoding="utf-8",
    )
    result = run_lint(tmp_path)
    # said once for the run, not at every rule of every CRD (third-party CRDs carry hundreds)
    assert [f for f in result.findings if f.code.startswith("KV")] == []
    assert (
        f"the CEL validation rules of 1 CustomResourceDefinition were not evaluated on their custom resources: {cel.INSTALL_HINT}"
        in result.notes
    )


def test_the_runtime_loads_without_the_packages_shell() -> None:
    import subprocess
    import sys

    code = "import sys; from k8slint.model import cel; cel._cel_module(); print(sorted(m for m in ('cel', 'typer', 'prompt_toolkit') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=Path(__file__).parent.parent)
    assert out.stdout.strip() == "[]"


def test_a_variable_of_one_evaluation_is_not_seen_by_another_caller() -> None:
    assert value("object.x == 1", object={"x": 1}, params=None) is True
    with pytest.raises(cel.CelEvalError, match="no such variable"):
        value("object.x == 1", self={"x": 1})


def test_status_is_reset_on_create_where_the_status_subresource_is_on(tmp_path: Path) -> None:
    crd = CRD.replace("self.minReplicas <= self.maxReplicas", "self.ready == true").replace(
        "              x-kubernetes-validations:", "              x-kubernetes-validations:"
    )
    crd = crd.replace("            spec:\n              type: object\n", "            status:\n              type: object\n", 1)
    crd = crd.replace("minReplicas: {type: integer}", "ready: {type: boolean}")
    cr = "apiVersion: todo.example.com/v1\nkind: Autoscaler\nmetadata:\n  name: web\nstatus:\n  ready: false\n"
    (tmp_path / "crd.yaml").write_text(crd, encoding="utf-8")
    (tmp_path / "cr.yaml").write_text(cr, encoding="utf-8")
    assert [(f.code, f.location.line) for f in run_lint(tmp_path).findings if f.code == "KV002"] == [("KV002", 5)]
    (tmp_path / "crd.yaml").write_text(
        crd.replace("      storage: true\n", "      storage: true\n      subresources: {status: {}}\n"), encoding="utf-8"
    )
    assert [f for f in run_lint(tmp_path).findings if f.code == "KV002"] == []


def test_a_real_crd_of_the_corpus_on_a_realistic_custom_resource(tmp_path: Path) -> None:
    """prometheus-operator's PrometheusAgent CRD (kube-prometheus): its DaemonSet-mode rules."""
    from conftest import shared_or_skip

    crd = shared_or_skip("corpus", "k8s", "kube-prometheus", "manifests", "setup", "0prometheusagentCustomResourceDefinition.yaml")
    agent = """\
apiVersion: monitoring.coreos.com/v1alpha1
kind: PrometheusAgent
metadata:
  name: node-agent
  namespace: monitoring
spec:
  mode: DaemonSet
  replicas: 2
  serviceAccountName: prometheus-agent
  podMonitorSelector:
    matchLabels:
      agent: node
  resources:
    requests:
      memory: 400Mi
"""
    (tmp_path / "crd.yaml").write_text(crd.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "agent.yaml").write_text(agent, encoding="utf-8")
    found = [(f.location.line, f.message) for f in run_lint(tmp_path).findings if f.code.startswith("KV")]
    assert found == [(6, "replicas cannot be set when mode is DaemonSet")]
    (tmp_path / "agent.yaml").write_text(agent.replace("  replicas: 2\n", ""), encoding="utf-8")
    assert [f for f in run_lint(tmp_path).findings if f.code.startswith("KV")] == []


def test_many_rules_on_many_objects_stop_at_the_run_budget(tmp_path: Path) -> None:
    """N rules on M objects: the run evaluates at most MAX_EVALUATIONS, then says where it stopped."""
    rules = "".join(f"                - rule: self.minReplicas <= self.maxReplicas + {i}\n" for i in range(500))
    crd = CRD.replace(
        "                - rule: self.minReplicas <= self.maxReplicas\n                  message: minReplicas cannot be larger than maxReplicas\n",
        rules,
    )
    (tmp_path / "crd.yaml").write_text(crd, encoding="utf-8")
    objects = "".join(
        f"---\napiVersion: todo.example.com/v1\nkind: Autoscaler\nmetadata:\n  name: a{i:04d}\nspec:\n  minReplicas: 1\n  maxReplicas: 2\n"
        for i in range(cel.MAX_EVALUATIONS // 500 + 10)
    )
    (tmp_path / "many.yaml").write_text(objects, encoding="utf-8")
    started = time.perf_counter()
    result = run_lint(tmp_path)
    assert time.perf_counter() - started < 60
    found = [(f.code, f.severity.name, f.message) for f in result.findings if f.code.startswith("KV")]
    assert found == [("KV005", "WARNING", cel.Evaluations().message("CustomResourceDefinition rules"))]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        # kubernetes library/ip.go and cidr.go, as the CEL reference documents them
        ("isIP('127.0.0.1') && isIP('::1') && !isIP('1.2.3.4%eth0') && !isIP('::ffff:1.2.3.4') && !isIP('010.0.0.1')", True),
        ("ip('127.0.0.1').isLoopback() && ip('0.0.0.0').isUnspecified() && ip('10.0.0.1').isGlobalUnicast()", True),
        ("ip('224.0.0.1').isLinkLocalMulticast() && ip('169.254.1.1').isLinkLocalUnicast() && ip('fe80::1').isLinkLocalUnicast()", True),
        ("!ip('255.255.255.255').isGlobalUnicast() && !ip('ff02::1').isGlobalUnicast()", True),
        ("ip('::1').family() == 6 && ip('1.2.3.4').family() == 4", True),
        ("ip.isCanonical('2001:db8::abcd') && !ip.isCanonical('2001:DB8::ABCD')", True),
        ("cidr('192.168.0.0/24').containsIP(ip('192.168.0.1')) && cidr('192.168.0.0/24').containsIP('192.168.0.1')", True),
        ("cidr('192.168.0.0/16').containsCIDR(cidr('192.168.10.0/24')) && !cidr('192.168.0.0/24').containsCIDR('192.168.0.0/16')", True),
        ("cidr('192.168.0.1/24').masked() == cidr('192.168.0.0/24') && cidr('192.168.0.0/24').prefixLength() == 24", True),
        ("cidr('192.168.0.1/24').ip() == ip('192.168.0.1') && !cidr('10.0.0.0/8').containsIP('::1')", True),
        ("isCIDR('10.0.0.0/8') && !isCIDR('10.0.0.0') && !isCIDR('10.0.0.0/33') && !isCIDR('10.0.0.0/08')", True),
    ],
)
def test_ip_and_cidr_library(source: str, expected: Any) -> None:
    assert value(source) == expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        # kubernetes library/semverlib.go
        ("semver('1.2.3').major() == 1 && semver('1.2.3').minor() == 2 && semver('1.2.3').patch() == 3", True),
        ("semver('1.2.3').isLessThan(semver('1.2.4')) && semver('2.0.0').isGreaterThan(semver('1.9.9'))", True),
        ("semver('1.2.3-rc.1').compareTo(semver('1.2.3'))", -1),
        ("isSemver('1.2.3') && !isSemver('v1.2.3') && !isSemver('1.02.3') && isSemver('v1.2', true)", True),
        ("semver('v01.2', true) == semver('1.2.0')", True),
    ],
)
def test_semver_library(source: str, expected: Any) -> None:
    assert value(source) == expected


@pytest.mark.parametrize(
    ("source", "rewritten"),
    [
        ("self.?a.orValue(1)", "self.optField('a').orValue(1)"),
        ("self.?a.b.c.orValue(1)", "self.optField('a').optField('b').optField('c').orValue(1)"),
        ("m[?'k'].orValue('')", "m.optIndex('k').orValue('')"),
        ("self.?a[0].size()", "self.optField('a').optIndex(0).size()"),
        ("'x.?y' == self.?z.orValue('') && self.w.size() > 0", "'x.?y' == self.optField('z').orValue('') && self.w.size() > 0"),
        ("a.?b.orValue([]).exists(r, r.k == 'x')", "a.optField('b').orValue([]).exists(r, r.k == 'x')"),
    ],
)
def test_optional_selection_is_rewritten_into_calls(source: str, rewritten: str) -> None:
    assert cel.optional_selection_as_calls(source) == rewritten


OBJECT = {
    "spec": {"containers": [{"name": "a", "securityContext": {"runAsUser": 0}}, {"name": "b"}]},
    "metadata": {"labels": {"team": "x"}},
}


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        # a ValidatingAdmissionPolicy idiom: every container runs as a user other than root, if it says
        ("object.spec.containers.all(c, c.?securityContext.?runAsUser.orValue(1) != 0)", False),
        ("object.spec.containers.exists(c, c.?securityContext.?runAsUser.orValue(1) != 0)", True),
        ("object.metadata.?labels['team'].orValue('') == 'x'", True),
        ("object.metadata.?annotations['team'].orValue('') == ''", True),
        ("object.?spec.containers[5].orValue({}) == {}", True),
        ("object.?spec.containers[0].name.orValue('') == 'a'", True),
        ("object.?spec.?missing.deeper.orValue(7) == 7", True),  # after ?, a missing field is none, not an error
        ("!object.?status.hasValue() && object.?metadata.hasValue()", True),
    ],
)
def test_optional_selection(source: str, expected: Any) -> None:
    assert cel.evaluate(cel.compile_cel(source), {"object": OBJECT}) == expected


def test_failing_functions_write_nothing_to_stderr(tmp_path: Path) -> None:
    """The crate logs each failing Python function with the input in the text; none of it may reach stderr."""
    import subprocess
    import sys

    crd = CRD.replace("self.minReplicas <= self.maxReplicas", "self.name.substring(50) == ''").replace(
        "minReplicas: {type: integer}", "name: {type: string}"
    )
    (tmp_path / "crd.yaml").write_text(crd, encoding="utf-8")
    (tmp_path / "cr.yaml").write_text(
        'apiVersion: todo.example.com/v1\nkind: Autoscaler\nmetadata:\n  name: web\nspec:\n  name: "\\e[31mred"\n', encoding="utf-8"
    )
    root = Path(__file__).parent.parent
    run = subprocess.run(
        [sys.executable, "-m", "k8slint", "check", "--no-config", str(tmp_path)], capture_output=True, text=True, cwd=root, check=False
    )
    assert run.returncode == 1 and "KV002" in run.stdout
    assert run.stderr == ""


class PanicException(BaseException):
    """Stands for pyo3's exception for a panic in the crate (a BaseException, not an Exception)."""


class _Panicking:
    def execute(self, context: Any) -> Any:
        raise PanicException("called `Option::unwrap()` on a `None` value")

    def functions(self) -> list[str]:
        return []


def test_a_panic_of_the_runtime_is_an_evaluation_error_not_a_crash(monkeypatch: pytest.MonkeyPatch) -> None:
    program = cel.CelProgram("self", _Panicking(), 1, 0)
    with pytest.raises(cel.CelEvalError, match="the CEL runtime failed on it"):
        cel.evaluate(program, {"self": 1})

    class Runtime:
        OptionalValue = cel._cel_module().OptionalValue

        @staticmethod
        def compile(source: str) -> Any:
            raise PanicException("index out of bounds")

    monkeypatch.setattr(cel, "_cel", Runtime)
    with pytest.raises(cel.CelUnsupported, match="parser failed"):
        cel.compile_cel("self.a")


@pytest.mark.parametrize("source", ["sets.contains(self, self)", "sets.intersects(self, [-1])", "self.distinct().size() > 0"])
def test_the_quadratic_list_functions_count_in_the_estimate(source: str) -> None:
    program = cel.compile_cel(source)
    with pytest.raises(cel.CelBudgetExceeded):  # 10^10 comparisons in Python
        cel.evaluate(program, {"self": list(range(100_000))})
    assert cel.evaluate(program, {"self": list(range(300))}) in (True, False)


def test_a_replace_that_would_square_a_string_is_not_run() -> None:
    program = cel.compile_cel("self.replace('a', self).size() > 0")
    with pytest.raises(cel.CelBudgetExceeded):
        cel.evaluate(program, {"self": "a" * 20_000})  # 4 * 10^8 characters
    assert cel.evaluate(program, {"self": "a" * 2_000}) is True
    literal = cel.compile_cel("self.replace('-', '_').size() > 0")  # as long as the string times the literal
    assert cel.evaluate(literal, {"self": "a-" * 50_000}) is True


def test_the_rules_of_one_value_hand_it_to_the_runtime_once(tmp_path: Path) -> None:
    """50 rules on 2,000 objects of 200 fields: converting each value for each rule took 22 s."""
    rules = "".join(f"                - rule: self.f{i} >= 0\n" for i in range(50))
    fields = "".join(f"                f{i}: {{type: integer}}\n" for i in range(200))
    crd = CRD.replace(
        "                - rule: self.minReplicas <= self.maxReplicas\n                  message: minReplicas cannot be larger than maxReplicas\n",
        rules,
    ).replace("                minReplicas: {type: integer}\n                maxReplicas: {type: integer}\n", fields)
    (tmp_path / "crd.yaml").write_text(crd, encoding="utf-8")
    spec = "".join(f"  f{i}: {i}\n" for i in range(200))
    objects = "".join(
        f"---\napiVersion: todo.example.com/v1\nkind: Autoscaler\nmetadata:\n  name: a{j}\nspec:\n{spec}" for j in range(2000)
    )
    (tmp_path / "many.yaml").write_text(objects, encoding="utf-8")
    started = time.perf_counter()
    result = run_lint(tmp_path, select=["KV002", "KV005"])
    assert time.perf_counter() - started < 15  # about 3 s
    assert [f for f in result.findings if f.code.startswith("KV")] == []


def test_the_reason_words_the_message_as_the_api_server_does(tmp_path: Path) -> None:
    crd = CRD.replace(
        "                  message: minReplicas cannot be larger than maxReplicas\n",
        "                  message: minReplicas cannot be larger than maxReplicas\n                  reason: FieldValueForbidden\n                  fieldPath: .minReplicas\n",
    )
    (tmp_path / "crd.yaml").write_text(crd, encoding="utf-8")
    (tmp_path / "hpa.yaml").write_text(
        "apiVersion: todo.example.com/v1\nkind: Autoscaler\nmetadata:\n  name: web\nspec:\n  minReplicas: 5\n  maxReplicas: 2\n",
        encoding="utf-8",
    )
    found = [(f.location.line, f.message) for f in run_lint(tmp_path).findings if f.code == "KV002"]
    assert found == [(6, "Forbidden: minReplicas cannot be larger than maxReplicas")]


def test_a_long_rule_with_no_literal_is_estimated_by_the_values_it_ranges_over() -> None:
    """kubernetes-sigs/gateway-api's HTTPRoute parentRefs rule (config/crd/standard, cut): 900 characters, two
    nested comprehensions, over a route's one parentRef. Its length is not a list's size."""
    rule = (
        "self.all(p1, self.exists_one(p2, p1.name == p2.name && ((!has(p1.__namespace__) || p1.__namespace__ == '') "
        "? (!has(p2.__namespace__) || p2.__namespace__ == '') : (has(p2.__namespace__) && p1.__namespace__ == "
        "p2.__namespace__)) && ((!has(p1.sectionName) || p1.sectionName == '') == (!has(p2.sectionName) || "
        "p2.sectionName == '') && (!has(p1.port) || p1.port == 0) == (!has(p2.port) || p2.port == 0))))"
    ) * 1
    program = cel.compile_cel(rule)
    assert cel.evaluate(program, {"self": [{"name": "gw"}]}) is True
    assert cel.evaluate(program, {"self": [{"name": "gw"}, {"name": "gw"}]}) is False  # the API server refuses the twin
    assert cel._literal_size("self.all(x, x in [1, 2, 3] && self[0] != {'a': 1})") == len("[1, 2, 3]") // 2
    assert cel._literal_size("[" * 20_000) == 10_000  # never closed, still bounded, in one pass


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("!matches(object.metadata.name, 'v0')", "!(object.metadata.name).matches('v0')"),
        ("matches('a,b)', '^a,')", "('a,b)').matches('^a,')"),
        ("x.matches('y') && matches(f(a, b), 'z')", "x.matches('y') && (f(a, b)).matches('z')"),
        ("matches(matches(a, 'b') ? 'x' : 'y', 'x')", "((a).matches('b') ? 'x' : 'y').matches('x')"),
        ("'matches(a, b)' == s", "'matches(a, b)' == s"),
        ("matches(a)", "matches(a)"),
    ],
)
def test_the_global_form_of_matches_is_the_method(source: str, expected: str) -> None:
    assert cel.global_matches_as_method(source) == expected


def test_a_policy_using_global_matches_is_evaluated() -> None:
    """kubernetes-sigs/gateway-api config/crd, its ValidatingAdmissionPolicy (cut): the function form of matches."""
    program = cel.compile_cel("!matches(object.metadata.name, 'v0')")
    assert cel.evaluate(program, {"object": {"metadata": {"name": "release-v1"}}}) is True
    assert cel.evaluate(program, {"object": {"metadata": {"name": "release-v0"}}}) is False
    assert program.source == "!matches(object.metadata.name, 'v0')"


# crossplane/crossplane (2d040d2d; Apache-2.0) cluster/crds/protection.crossplane.io_usages.yaml, cut: a rule names
# the property `namespace`, a CEL reserved word, as the API server escapes it
USAGE_CRD = """\
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: usages.protection.crossplane.io
spec:
  group: protection.crossplane.io
  scope: Namespaced
  names: {kind: Usage, plural: usages}
  versions:
    - name: v1beta1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              properties:
                of:
                  type: object
                  x-kubernetes-validations:
                    - rule: "!has(self.resourceRef) || !has(self.resourceRef.__namespace__)"
                      message: cross-namespace references are not allowed in the used resource
                  properties:
                    resourceRef:
                      type: object
                      properties:
                        name: {type: string}
                        namespace: {type: string}
                    extra-labels:
                      type: object
                      additionalProperties: {type: string}
                      x-kubernetes-validations:
                        - rule: "!has(self.__namespace__)"
                          message: a map key is not escaped
"""


def test_a_property_named_as_a_cel_keyword_is_read_by_its_escaped_name(tmp_path: Path) -> None:
    (tmp_path / "crd.yaml").write_text(USAGE_CRD, encoding="utf-8")
    usage = "apiVersion: protection.crossplane.io/v1beta1\nkind: Usage\nmetadata:\n  name: u{n}\nspec:\n  of:\n{of}"
    (tmp_path / "cross.yaml").write_text(usage.format(n=1, of="    resourceRef: {name: db, namespace: other}\n"), encoding="utf-8")
    (tmp_path / "same.yaml").write_text(usage.format(n=2, of="    resourceRef: {name: db}\n"), encoding="utf-8")
    # a map's keys are its own, not escaped: the map's rule sees no `__namespace__` key
    (tmp_path / "map.yaml").write_text(usage.format(n=3, of="    extra-labels: {namespace: a}\n"), encoding="utf-8")
    found = [(Path(f.location.file).name, f.message) for f in run_lint(tmp_path).findings if f.code == "KV002"]
    assert found == [("cross.yaml", "cross-namespace references are not allowed in the used resource")]
