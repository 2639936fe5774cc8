"""The registry is consistent, every rule's docs are complete, and the docs cannot lie."""

from __future__ import annotations

import json

import jsonschema
import pytest
import yaml

from conftest import ROOT, run_lint, skip_without_cel
from k8slint.docs import render_rules_page
from k8slint.registry import registry
from k8slint.resources import data_dir, load_schema

RULES = list(registry())


def test_rule_files_follow_the_schema_and_are_named_by_code_and_name() -> None:
    validator = jsonschema.Draft202012Validator(load_schema("rule"))
    for path in sorted(data_dir("rules").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        validator.validate(data)
        assert path.name == f"{data['code']}-{data['name']}.yaml"


def test_every_rule_has_a_check_or_is_emitted_by_the_loader_or_engine() -> None:
    for rule in RULES:
        assert bool(rule.checks) != bool(rule.emitted_by), rule.code


def test_codes_follow_their_family() -> None:
    families = {
        "KL": ("input", "schema"),
        "KV": ("schema",),
        "KR": ("workloads", "resources", "images"),
        "KN": ("networking", "references"),
        "KM": ("metadata",),
        "KS": ("security",),
        "KC": ("config",),
        "DF": ("dockerfiles",),
        "CH": ("charts",),
        "KZ": ("input",),
    }
    for rule in RULES:
        assert rule.category in families[rule.code[:2]], rule.code


@pytest.mark.parametrize("rule", [r for r in RULES if r.docs_testable], ids=lambda r: r.code)
def test_docs_example_fires_and_use_instead_does_not(rule, tmp_path) -> None:
    skip_without_cel(rule.code)
    config = {"strict": True, **(rule.docs.config or {})}  # a rule that runs outside strict mode says so in its docs
    (tmp_path / ".k8slint.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")

    def lint(text: str):
        (tmp_path / rule.docs.file_name).write_text(text, encoding="utf-8")
        return run_lint(rule.docs.file_name, cwd=tmp_path)

    bad = lint(rule.docs.example)
    assert rule.code in {f.code for f in bad.findings}, f"{rule.code}'s Example does not fire"
    good = lint(rule.docs.use_instead)
    assert [f for f in good.findings if f.code == rule.code] == [], f"{rule.code}'s Use instead fires"


def test_generated_rules_page_is_current() -> None:
    page = ROOT / "docs" / "rules.md"
    assert page.read_text(encoding="utf-8") == render_rules_page(registry()), "docs/rules.md is stale: run `python -m k8slint.docs`"


def test_tokens_resolve_by_code_name_and_lower_case_code() -> None:
    reg = registry()
    assert reg["KN001"] is reg["service-selector-no-match"] is reg["kn001"]
    assert reg.get("no-such-rule") is None


def test_rules_json_listing(cli) -> None:
    result = cli("rules", "--format", "json")
    rows = json.loads(result.output)
    assert {row["code"] for row in rows} == {r.code for r in RULES}
    assert set(rows[0]) == {"code", "name", "severity", "category", "summary"}
