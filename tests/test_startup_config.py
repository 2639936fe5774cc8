"""Start-up: a config validated against the settings of the rules it names only, with the whole schema's verdict.

Composing all 124 rules' settings into the config schema and compiling it took
longer than the rest of reading a config (the pre-commit hook reads one on every
call). The verdict of the schema composed for the rules a config names must be
the verdict of the whole one, for any config.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import ROOT
from k8slint.config import _valid, config_schema
from k8slint.registry import registry


def _named(data: dict[str, Any]) -> set[str]:
    rules = data.get("rules")
    return set(rules) if isinstance(rules, dict) else set()


def _same_verdict(data: dict[str, Any]) -> None:
    assert _valid(config_schema(registry(), _named(data)), data) == _valid(config_schema(registry()), data), data


_CONFIGS = sorted(p for p in ROOT.rglob(".k8slint.yaml") if ".git" not in p.parts)


@pytest.mark.parametrize("path", _CONFIGS, ids=lambda p: str(p.parent.relative_to(ROOT)))
def test_the_repository_configs_get_the_whole_schemas_verdict(path: Path) -> None:
    _same_verdict(yaml.safe_load(path.read_text(encoding="utf-8")) or {})


def test_the_composed_schema_holds_the_rules_named_only() -> None:
    schema = config_schema(registry(), {"image-tag-latest", "KR010"})
    assert sorted(schema["properties"]["rules"]["properties"]) == ["KR010", "image-tag-latest"]
    assert schema["properties"]["rules"]["additionalProperties"] is False
    whole = config_schema(registry())
    assert whole["properties"]["rules"]["properties"]["image-tag-latest"] == schema["properties"]["rules"]["properties"]["image-tag-latest"]
    assert len(whole["properties"]["rules"]["properties"]) > 200


def test_a_code_in_lower_case_is_refused_by_both() -> None:
    """The registry finds a rule by its code in any case; the schema's keys are the codes as written."""
    data = {"rules": {"kr010": "off"}}
    assert not _valid(config_schema(registry(), _named(data)), data)
    _same_verdict(data)


_TOKENS = st.sampled_from(["image-tag-latest", "KR010", "kr010", "missing-requests", "port-out-of-range", "health-endpoint", "KS001"])
_VALUE = st.none() | st.booleans() | st.integers(-5, 70000) | st.text(max_size=8) | st.lists(st.text(max_size=5), max_size=2)
_SETTING = (
    st.sampled_from(["off", "on", "error", "warning", "info", "loud"])
    | st.booleans()
    | st.fixed_dictionaries(
        {},
        optional={
            "enabled": _VALUE,
            "severity": st.sampled_from(["error", "warning", "info", "x"]) | _VALUE,
            "options": st.dictionaries(st.sampled_from(["resources", "endpoints", "node-port-range", "x"]), _VALUE, max_size=2),
            "other": _VALUE,
        },
    )
    | _VALUE
)


@settings(max_examples=200, deadline=None)
@given(rules=st.dictionaries(_TOKENS, _SETTING, max_size=3) | _VALUE, namespace=st.none() | st.text(max_size=5))
def test_any_config_gets_the_whole_schemas_verdict(rules: Any, namespace: str | None) -> None:
    data: dict[str, Any] = {"rules": rules}
    if namespace is not None:
        data["namespace"] = namespace
    _same_verdict(data)
