"""Severity is data: config wins, then the severity a rule declares for a variant of its findings, then the default."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from conftest import FIXTURES, run_lint, skip_without_cel
from k8slint.findings import Severity
from k8slint.registry import RuleSpec, registry

VARIANT_RULES = [rule for rule in registry() if rule.severities]
EXTRA_CASES = {
    # JSON carries no `# expect:` marker, so these cases are no fixture files
    "KL001": {"lone.json": '{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}, "data": {"a": "\\ud83d"}}\n'},
    # values.schema.json is JSON too; a required value left null on purpose (external-dns' `policy:`)
    "CH006": {
        "dns/Chart.yaml": "apiVersion: v2\nname: dns\ndescription: DNS\nversion: 1.0.0\nappVersion: '1'\n",
        "dns/values.yaml": "policy:  # required: one of create-only, sync, upsert-only\n",
        "dns/values.schema.json": '{"type": "object", "required": ["policy"], "properties": {"policy": {"type": "string"}}}\n',
        "dns/templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: dns\ndata:\n  policy: {{ .Values.policy | quote }}\n",
    },
    "KL014": {
        "web/Chart.yaml": "apiVersion: v2\nname: web\ndescription: Web\nversion: 1.0.0\nappVersion: '1'\n",
        "web/values.yaml": "image:\n  tag: '1.0'\n",
        "web/values.schema.json": '{"type": "object", "properties": {"image": {"$ref": "https://example.com/image.json"}}}\n',
        "web/templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\ndata:\n  tag: {{ .Values.image.tag | quote }}\n",
    },
}


def test_config_severity_beats_the_severity_of_a_variant(tmp_path: Path) -> None:
    (tmp_path / ".k8slint.yaml").write_text("rules:\n  unknown-kind: warning\n  replicas: error\n")
    (tmp_path / "app.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMapp\nmetadata:\n  name: typo\n---\n"
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: idle\nspec:\n  replicas: 0\n"
        "  selector:\n    matchLabels: {app: idle}\n  template:\n    metadata:\n      labels: {app: idle}\n"
        "    spec:\n      containers:\n        - name: app\n          image: nginx:1.27\n"
    )
    found = {(f.code, f.severity) for f in run_lint(".", cwd=tmp_path).findings if f.code in ("KL012", "KR020")}
    assert found == {("KL012", Severity.WARNING), ("KR020", Severity.ERROR)}
    (tmp_path / ".k8slint.yaml").unlink()
    found = {(f.code, f.severity) for f in run_lint(".", cwd=tmp_path).findings if f.code in ("KL012", "KR020")}
    assert found == {("KL012", Severity.ERROR), ("KR020", Severity.INFO)}  # the variants' own severities


def test_the_rules_that_declare_variants() -> None:
    assert {rule.code for rule in VARIANT_RULES} == {
        *("CH001", "CH002", "CH003", "CH004", "CH006", "CH007", "CH010", "DF001", "DF004", "DF008", "DF013", "KL001", "KL002"),
        *(
            "KL012",
            "KL014",
            "KN001",
            "KN010",
            "KN021",
            "KN025",
            "KN026",
            "KN032",
            "KN045",
            "KN046",
            "KR004",
            "KR015",
            "KR016",
            "KR020",
            "KR027",
            "KS001",
            "KS002",
        ),
        *("KM007", "KV003", "KV005", "KZ001", "KZ003"),
    }


def _copy_case(case: Path, into: Path) -> Path:
    if case.is_dir():
        shutil.copytree(case, into, dirs_exist_ok=True)
    else:
        into.mkdir(parents=True)
        shutil.copy(case, into / case.name)
    return into


def _set_severity(folder: Path, rule_name: str, severity: str) -> None:
    config = folder / ".k8slint.yaml"
    data = yaml.safe_load(config.read_text()) if config.exists() else None
    data = data or {}
    rules = data.setdefault("rules", {})
    current = rules.get(rule_name)
    if isinstance(current, dict):
        current["severity"] = severity
    else:
        rules[rule_name] = severity
    config.write_text(yaml.safe_dump(data))


# chart-render-failed needs Helm to render: tests/test_helm_render.py shows its variants and their override
@pytest.mark.parametrize("rule", [r for r in VARIANT_RULES if r.code != "CH010"], ids=lambda r: r.code)
def test_config_overrides_every_variant(rule: RuleSpec, tmp_path: Path) -> None:
    skip_without_cel(rule.code)
    cases = sorted((FIXTURES / "rules" / rule.code).glob("fail_*"))
    assert cases
    if rule.code in EXTRA_CASES:
        for name, text in EXTRA_CASES[rule.code].items():
            (tmp_path / "extra" / name).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / "extra" / name).write_text(text)
        cases.append(tmp_path / "extra")
    seen: set[Severity] = set()
    for number, case in enumerate(cases):
        folder = _copy_case(case, tmp_path / str(number))
        seen |= {f.severity for f in run_lint(".", cwd=folder).findings if f.code == rule.code}
    declared = {rule.severity, *rule.severities.values()}
    assert seen == declared, "the fixtures show the default and every variant's severity"
    for severity in Severity:
        for number in range(len(cases)):
            folder = tmp_path / str(number)
            _set_severity(folder, rule.name, str(severity))
            found = {f.severity for f in run_lint(".", cwd=folder).findings if f.code == rule.code}
            assert found <= {severity}, (case, severity)


def test_sarif_rule_metadata_gives_the_default_and_the_variants(tmp_path: Path) -> None:
    import json

    from k8slint.reporters.sarif import render_sarif

    (tmp_path / "cm.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n")
    report = json.loads(render_sarif(run_lint(tmp_path), registry()))
    rules = {r["id"]: r for r in report["runs"][0]["tool"]["driver"]["rules"]}
    assert rules["KR020"]["defaultConfiguration"] == {"level": "warning"}
    assert rules["KR020"]["properties"]["variantLevels"] == {"zero-replicas": "note"}
    assert "variantLevels" not in rules["KR001"]["properties"]


def test_an_unknown_target_port_of_a_headless_service_is_a_warning() -> None:
    found = [f for f in run_lint(FIXTURES / "rules" / "KN026" / "fail_target_port.yaml").findings if f.code == "KN026"]
    headless = [f for f in found if "headless" in f.message]
    assert [f.severity for f in headless] == [Severity.WARNING]
    assert all(f.severity is Severity.ERROR for f in found if "is not a port name" in f.message and f not in headless)
