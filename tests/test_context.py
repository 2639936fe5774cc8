"""The context a check gets: a local check that reads the whole set fails at once, naming its rule."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import FIXTURES, run_lint
from k8slint.context import LocalRuleError, RuleContext
from k8slint.findings import Problem
from k8slint.registry import Check, Scope, registry

BAD = FIXTURES / "rules" / "KR002" / "fail_requests.yaml"


@pytest.fixture
def local_check_reading_the_index() -> Iterator[None]:
    """KR006 replaced by a check that promises to be local (Check.local) and then reads the index."""

    def peeks(obj: object, ctx: RuleContext) -> Iterator[Problem]:
        ctx.index.of_kind("Service")
        yield from ()

    rule = registry()["KR006"]
    original = rule.checks
    object.__setattr__(rule, "checks", (Check(rule.code, peeks, Scope.OBJECT, None, local=True),))
    try:
        yield
    finally:
        object.__setattr__(rule, "checks", original)


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_local_check_that_reads_the_index_fails_naming_its_rule(
    local_check_reading_the_index: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, jobs: int
) -> None:
    from k8slint import scheduler

    monkeypatch.setattr(scheduler, "PARALLEL_MIN_FILES", 2)
    for number in range(3):
        (tmp_path / f"bad{number}.yaml").write_text(BAD.read_text())
    result = run_lint(tmp_path, cwd=tmp_path) if jobs == 1 else _lint_jobs(tmp_path, jobs)
    messages = [f.message for f in result.findings if f.code == "KL900"]
    assert messages and all(
        "LocalRuleError: rule KR006 image-tag-latest declares itself local (Check.local) but read the object index" in m for m in messages
    )


def _lint_jobs(folder: Path, jobs: int) -> object:
    from k8slint.config import build_settings
    from k8slint.engine import lint

    return lint([str(folder)], build_settings(registry(), None), jobs=jobs)


def test_a_local_context_has_no_index_and_no_builds_but_the_rest() -> None:
    from k8slint.config import build_settings
    from k8slint.model.graph.index import ObjectIndex
    from k8slint.plan import make_plan, run_facts

    settings = build_settings(registry(), None)
    (step, *_) = [s for s in make_plan(settings, run_facts(settings, ObjectIndex([]))) if s.rule.code == "KR001"]
    local = step.context.local()
    assert local.options == step.context.options and local.namespace == "default"
    assert step.context.index.objects == []
    with pytest.raises(LocalRuleError, match=r"rule KR001 .* read the object index"):
        _ = local.index
    with pytest.raises(LocalRuleError, match=r"rule KR001 .* read the Dockerfile builds"):
        _ = local.builds


def test_the_registry_rules_read_the_lookups_made_before_them(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """DF010 and DF011 only read the answers in their context; the engine asked the registries once before."""
    import socket

    from k8slint import image_lookups
    from k8slint.config import build_settings
    from k8slint.engine import lint
    from k8slint.model.images import parse_image
    from k8slint.oci import Lookup

    (tmp_path / "Dockerfile").write_text("FROM registry.test/app:1 AS build\nFROM build\nFROM registry.test/gone:2\n")
    asked: list[list[str]] = []
    answers = {
        parse_image("registry.test/app:1"): Lookup(None, "no answer"),
        parse_image("registry.test/gone:2"): Lookup(False, "manifest unknown"),
    }

    def look_up(dockerfiles: object, insecure: object) -> object:
        asked.append([doc.file.display for doc in dockerfiles])  # type: ignore[attr-defined]
        return answers

    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("a rule opened a connection")

    monkeypatch.setattr(image_lookups, "look_up_base_images", look_up)
    monkeypatch.setattr(socket, "create_connection", no_network)
    result = lint([str(tmp_path)], build_settings(registry(), None, check_registry=True))
    found = sorted((f.code, f.location.line, f.message) for f in result.findings if f.code in ("DF010", "DF011"))
    assert found == [
        ("DF010", 3, "base image 'registry.test/gone:2' does not exist: manifest unknown"),
        ("DF011", 1, "could not check base image 'registry.test/app:1': no answer"),
    ]
    assert len(asked) == 1  # once, for every Dockerfile
    asked.clear()
    lint([str(tmp_path)], build_settings(registry(), None))
    assert asked == []  # and never without --check-registry
