"""Custom rules in the config: CEL and JSON Schema, listed, explained, selected, suppressed, in SARIF."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest

from conftest import run_lint

needs_cel = pytest.mark.skipif(importlib.util.find_spec("cel") is None, reason="the cel extra needs Python 3.11+")

CONFIG = """\
custom-rules:
  - id: require-team-label          # kebab-case; also accepted by --select/--ignore and suppressions
    severity: error
    match: {kinds: [Deployment, StatefulSet]}      # optional apiGroups, namespaces, labelSelector
    cel: "has(object.metadata.labels) && 'team' in object.metadata.labels"
    message: "workloads must carry a team label"
    docs: Every workload names the team that is paged for it.
  - id: no-public-loadbalancer
    severity: warning
    match: {kinds: [Service]}
    schema:                         # a JSON Schema the object must satisfy
      not: {properties: {spec: {properties: {type: {const: LoadBalancer}}, required: [type]}}}
    message: "LoadBalancer Services need an exception"
"""

APP = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  replicas: 3
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: ghcr.io/acme/web:1.0.0
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: shop
  labels: {team: backend}
spec:
  selector:
    matchLabels: {app: api}
  template:
    metadata:
      labels: {app: api}
    spec:
      containers:
        - name: api
          image: ghcr.io/acme/api:1.0.0
---
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: shop
spec:
  type: LoadBalancer
  selector: {app: web}
  ports:
    - port: 80
---
apiVersion: v1
kind: Service
metadata:
  name: api
  namespace: shop
spec:
  selector: {app: api}
  ports:
    - port: 80
"""


def repository(tmp_path: Path, config: str = CONFIG, app: str = APP) -> Path:
    (tmp_path / ".git").mkdir(parents=True)
    (tmp_path / ".k8slint.yaml").write_text(config, encoding="utf-8")
    (tmp_path / "app.yaml").write_text(app, encoding="utf-8")
    return tmp_path


def custom(result: Any) -> list[tuple[str, int, str, str]]:
    return [(f.rule, f.location.line, f.severity.name.lower(), f.message) for f in result.findings if f.code.startswith("CX")]


@needs_cel
def test_the_issue_example(tmp_path: Path) -> None:
    result = run_lint(".", cwd=repository(tmp_path))
    assert custom(result) == [
        ("require-team-label", 4, "error", "workloads must carry a team label"),
        ("no-public-loadbalancer", 38, "warning", "LoadBalancer Services need an exception"),
    ]


@needs_cel
def test_codes_follow_the_id_not_the_order(tmp_path: Path) -> None:
    first = {f.rule: f.code for f in run_lint(".", cwd=repository(tmp_path / "a")).findings if f.code.startswith("CX")}
    swapped = CONFIG.split("  - id: no-public-loadbalancer")
    reordered = "custom-rules:\n  - id: no-public-loadbalancer" + swapped[1] + swapped[0].removeprefix("custom-rules:\n")
    second = {f.rule: f.code for f in run_lint(".", cwd=repository(tmp_path / "b", reordered)).findings if f.code.startswith("CX")}
    assert first == second and len(set(first.values())) == 2


@needs_cel
def test_field_path_match_and_params(tmp_path: Path) -> None:
    config = """\
custom-rules:
  - id: replica-cap
    match: {kinds: [Deployment], apiGroups: [apps], namespaces: [shop], labelSelector: {matchLabels: {team: backend}}}
    cel: "!has(object.spec.replicas) || object.spec.replicas <= params.max"
    params: {max: 2}
    fieldPath: .spec.replicas
    message: too many replicas
  - id: strategy-set
    match: {kinds: [Deployment]}
    schema: {properties: {spec: {required: [strategy]}}}
    message: the rollout strategy must be set
"""
    app = APP.replace("  labels: {team: backend}\nspec:\n", "  labels: {team: backend}\nspec:\n  replicas: 5\n")
    assert sorted(custom(run_lint(".", cwd=repository(tmp_path, config, app)))) == [
        ("replica-cap", 25, "warning", "too many replicas"),
        ("strategy-set", 6, "warning", "the rollout strategy must be set"),
        ("strategy-set", 24, "warning", "the rollout strategy must be set"),
    ]


@needs_cel
def test_evaluation_errors_are_findings(tmp_path: Path) -> None:
    config = "custom-rules:\n  - id: needs-labels\n    match: {kinds: [Deployment]}\n    cel: \"object.metadata.labels.team != ''\"\n    message: needs a team\n"
    [(rule, line, _, message)] = custom(run_lint(".", cwd=repository(tmp_path, config)))
    assert (rule, line) == ("needs-labels", 4)
    assert message == "needs a team (the rule failed to evaluate on this object: no such key: 'labels')"


@needs_cel
@pytest.mark.parametrize(
    ("entry", "error"),
    [
        ("cel: 'object.spec.replicas <='", "custom-rules[0] (bad): the cel expression cannot be used: line 1, column 24: Syntax error"),
        (
            "cel: 'object.spec.x.findAll(\"[0-9]\").size() > 0'",
            "custom-rules[0] (bad): the cel expression cannot be used: it calls findAll, which k8slint does not evaluate",
        ),
        ("schema: {type: 5}", "custom-rules[0] (bad): the schema cannot be compiled"),
        ("schema: {$ref: 'https://example.com/s.json'}", "custom-rules[0] (bad): the schema cannot be compiled"),
        ("schema: {$ref: 'file:///etc/passwd'}", "custom-rules[0] (bad): the schema cannot be compiled"),
        ("cel: 'true'\n    schema: {}", "custom-rules[0]: a custom rule needs exactly one of cel and schema"),
        ("cel: 'true'\n    colour: red", "unknown key 'colour'"),
    ],
)
def test_a_rule_that_cannot_be_used_is_a_config_error(tmp_path: Path, cli: Any, entry: str, error: str) -> None:
    repository(tmp_path, f"custom-rules:\n  - id: bad\n    message: m\n    {entry}\n")
    out = cli("check", str(tmp_path / "app.yaml"), "--config", str(tmp_path / ".k8slint.yaml"))
    assert out.exit_code == 2, out.output
    assert error in out.output


def test_an_id_may_not_take_a_built_in_name(tmp_path: Path, cli: Any) -> None:
    repository(tmp_path, "custom-rules:\n  - id: image-tag-latest\n    message: m\n    schema: {}\n")
    out = cli("check", str(tmp_path / "app.yaml"), "--config", str(tmp_path / ".k8slint.yaml"))
    assert out.exit_code == 2 and "the id is the name or code of a built-in rule" in out.output


@needs_cel
def test_listed_explained_selected_and_suppressed(tmp_path: Path, cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    repository(tmp_path)
    monkeypatch.chdir(tmp_path)
    listed = json.loads(cli("rules", "--format", "json").output)
    assert {(r["name"], r["category"], r["severity"]) for r in listed if r["code"].startswith("CX")} == {
        ("require-team-label", "custom", "error"),
        ("no-public-loadbalancer", "custom", "warning"),
    }
    explained = cli("explain", "require-team-label").output
    assert "Every workload names the team that is paged for it." in explained and "'team' in object.metadata.labels" in explained
    assert cli("explain", "require-team-label", "--no-config").exit_code != 0
    selected = json.loads(cli("check", ".", "--format", "json", "--select", "require-team-label").output)
    assert {f["rule"] for f in selected["findings"]} <= {"require-team-label"} and selected["findings"]
    ignored = json.loads(cli("check", ".", "--format", "json", "--ignore", "require-team-label,no-public-loadbalancer").output)
    assert not [f for f in ignored["findings"] if f["code"].startswith("CX")]
    suppressed_app = APP.replace(
        "  name: web\n  namespace: shop\nspec:\n  replicas: 3",
        "  name: web\n  namespace: shop\n  annotations:\n    k8slint.io/ignore: require-team-label\nspec:\n  replicas: 3",
    )
    (tmp_path / "app.yaml").write_text(suppressed_app, encoding="utf-8")
    report = json.loads(cli("check", ".", "--format", "json").output)
    assert [f["rule"] for f in report["findings"] if f["code"].startswith("CX")] == ["no-public-loadbalancer"]
    sarif = json.loads(cli("check", ".", "--format", "sarif").output)
    rules = {r["name"]: r for r in sarif["runs"][0]["tool"]["driver"]["rules"]}
    assert rules["RequireTeamLabel"]["shortDescription"]["text"] == "workloads must carry a team label"


@needs_cel
def test_custom_rules_run_in_workers_too(tmp_path: Path) -> None:
    from k8slint import scheduler

    repository(tmp_path)
    for index in range(scheduler.PARALLEL_MIN_FILES + 1):
        (tmp_path / f"app{index}.yaml").write_text(APP, encoding="utf-8")
    one = run_lint(".", cwd=tmp_path)
    # run_lint lints with one process; the engine's workers need lint(jobs=2)
    from k8slint.config import build_settings, find_config
    from k8slint.engine import lint
    from k8slint.registry import registry

    here = Path.cwd()
    try:
        import os

        os.chdir(tmp_path)
        settings = build_settings(registry(), find_config(tmp_path))
        two = lint(["."], settings, jobs=2)
    finally:
        os.chdir(here)
    assert custom(one) == custom(two) and len(custom(one)) == 2 * (scheduler.PARALLEL_MIN_FILES + 2)


def test_a_config_holds_at_most_500_custom_rules(tmp_path: Path, cli: Any) -> None:
    entries = "".join(f"  - id: r{i}\n    message: m\n    schema: {{}}\n" for i in range(501))
    repository(tmp_path, "custom-rules:\n" + entries)
    out = cli("check", str(tmp_path / "app.yaml"), "--config", str(tmp_path / ".k8slint.yaml"))
    assert out.exit_code == 2 and out.output.endswith(".k8slint.yaml: custom-rules: at most 500 entries, not 501\n"), out.output


def test_a_cel_rule_without_the_cel_runtime_is_a_config_error_that_says_how_to_install_it(
    tmp_path: Path, cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from k8slint.model import cel

    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *args: None if name == "cel" else real_find_spec(name, *args))
    monkeypatch.setattr(cel, "_cel", None)
    monkeypatch.setattr(cel, "_COMPILED", {})
    repository(tmp_path)
    out = cli("check", str(tmp_path / "app.yaml"), "--config", str(tmp_path / ".k8slint.yaml"))
    assert out.exit_code == 2
    assert "custom-rules[0] (require-team-label): the cel expression cannot be used: the CEL library is not installed" in out.output
    assert "pip install 'k8slint[cel]'" in out.output
