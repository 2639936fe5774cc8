"""The rules that loaders and the engine name by constant exist, and are those that have no check."""

from __future__ import annotations

import ast
from pathlib import Path

from k8slint import rulecodes
from k8slint.registry import registry

CONSTANTS = {name: value for name, value in vars(rulecodes).items() if name.isupper() and isinstance(value, str)}


def test_every_constant_names_a_rule_by_its_code_and_its_name() -> None:
    assert CONSTANTS
    for name, code in CONSTANTS.items():
        rule = registry().get(code)
        assert rule is not None and rule.code == code, f"rulecodes.{name} = {code!r} names no rule"
        assert rule.name.upper().replace("-", "_") == name, f"rulecodes.{name} names {rule.code} {rule.name}"


def test_every_rule_without_a_check_has_a_constant() -> None:
    emitted = {rule.code for rule in registry() if rule.emitted_by is not None}
    assert emitted <= set(CONSTANTS.values())


def test_loaders_and_the_engine_spell_no_rule_names() -> None:
    """A rule name in a string literal of the loaders or the engine is a rule named by hand."""
    # kustomize's `replicas:` field is spelled like the rule KR020 replicas
    names = ({rule.name for rule in registry()} - {"replicas"}) | {code for code in CONSTANTS.values()}
    package = Path(rulecodes.__file__).parent
    files = sorted((package / "sources").glob("*.py")) + [
        package / f"{name}.py" for name in ("engine", "cli", "load", "plan", "scheduler", "stamp", "suppress", "context")
    ]
    for file in files:
        for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                assert node.value not in names, f"{file.name}:{node.lineno} names rule {node.value!r}"
