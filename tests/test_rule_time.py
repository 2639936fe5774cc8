"""What makes the rules cheaper must not change what they report: the shortcuts, each against the long way."""

from __future__ import annotations

import gc
import random
from collections.abc import Iterator
from typing import Any

import pytest

from conftest import FIXTURES, SHARED, run_lint
from k8slint import rulecodes
from k8slint.checks import invalid_label
from k8slint.config import build_settings
from k8slint.context import RuleContext
from k8slint.findings import Problem
from k8slint.model.graph.index import ObjectIndex
from k8slint.model.images import ImageError, parse_image
from k8slint.model.jsonvalues import as_json
from k8slint.model.names import label_value, qualified_name
from k8slint.model.objects import K8sObject
from k8slint.model.placeholders import _TEMPLATE, template_placeholder
from k8slint.plan import Step, make_plan, run_checks, run_facts
from k8slint.registry import Check, Scope, registry

REAL = SHARED / "corpus" / "k8s"


def _loaded(*paths: object) -> tuple[list[K8sObject], Any]:
    result = run_lint(*paths, strict=True)
    state, facts, _charts = result.loaded  # type: ignore[misc]
    return state.objects, facts


def _corpora() -> list[object]:
    return [FIXTURES, REAL] if REAL.is_dir() else [FIXTURES]


@pytest.mark.parametrize("corpus", _corpora(), ids=lambda p: str(p).rsplit("/", 1)[-1])
def test_a_check_run_only_on_pod_specs_has_nothing_to_say_about_the_other_objects(corpus: object) -> None:
    objects, facts = _loaded(corpus)
    without = [obj for obj in objects if obj.pod_spec() is None]
    assert len(without) > 100
    settings = build_settings(registry(), None, strict=True)
    steps = [step for step in make_plan(settings, facts) if step.check.scope == Scope.OBJECT and step.check.pods]
    assert len(steps) > 20
    said = [(step.rule.code, obj.describe()) for step in steps for obj in without for _ in step.check.func(obj, step.context)]
    assert said == []


def _steps(func: Any, facts: Any) -> list[Step]:
    settings = build_settings(registry(), None)
    spec = registry()["KM005"]
    context = make_plan(settings, facts)[0].context
    return [Step(spec, Check("KM005", func, Scope.OBJECT, local=True), context)]


def test_a_check_that_crashes_on_one_object_leaves_only_the_internal_error_there() -> None:
    objects, facts = _loaded(FIXTURES / "rules" / "KM005")
    victim = objects[1]

    def check(obj: K8sObject, ctx: RuleContext) -> Iterator[Problem]:
        yield Problem("first")
        if obj is victim:
            raise ValueError("broken")
        yield Problem("second")

    raw: list[Any] = []
    run_checks(_steps(check, facts), objects, [], [], raw)
    on_victim = [(spec.code, problem.message) for spec, problem, subject in raw if subject is victim]
    assert on_victim == [(rulecodes.INTERNAL_ERROR, f"rule KM005 (invalid-label) failed on {victim.describe()}: ValueError: broken")]
    assert [problem.message for _, problem, subject in raw if subject is objects[0]] == ["first", "second"]
    assert len(raw) == 2 * (len(objects) - 1) + 1


def test_object_checks_make_no_reference_cycles() -> None:
    # run_checks pauses the collector while object checks run (k8slint.collector.collector_paused): sound only
    # if they leave nothing for it.
    objects, facts = _loaded(FIXTURES)
    settings = build_settings(registry(), None, strict=True)
    facts = run_facts(settings, ObjectIndex(objects, settings.external_objects))
    plan = [step for step in make_plan(settings, facts) if step.check.scope == Scope.OBJECT]
    for _pass in (1, 2):  # the first builds the schema validators, kept for the run
        for obj in objects:
            obj.memo.clear()
        gc.collect()
        gc.disable()
        try:
            raw: list[Any] = []
            run_checks(plan, objects, [], [], raw)
            assert raw
            left = gc.collect()
        finally:
            gc.enable()
    assert left == 0


def test_as_json_makes_no_reference_cycle() -> None:
    gc.collect()
    gc.disable()
    try:
        shared: list[Any] = [1, True]
        assert as_json({1: {"a": shared, "b": shared}, False: None}) == {"1": {"a": [1, True], "b": [1, True]}, "false": None}
        assert gc.collect() == 0
    finally:
        gc.enable()


def test_as_json_keeps_an_alias_one_object() -> None:
    shared = {"x": 1}
    converted = as_json({"a": shared, "b": shared})
    assert converted["a"] is converted["b"]


def test_an_object_reads_its_kind_version_and_metadata_from_its_data() -> None:
    objects, _ = _loaded(FIXTURES)
    for obj in objects:
        metadata = obj.data.get("metadata")
        assert obj.kind == (obj.data.get("kind") if isinstance(obj.data.get("kind"), str) else None)
        assert obj.api_version == (obj.data.get("apiVersion") if isinstance(obj.data.get("apiVersion"), str) else None)
        assert obj.metadata is (metadata if isinstance(metadata, dict) else obj.metadata)
        assert isinstance(obj.metadata, dict)


def _regex_placeholder(value: str, unexpanded: bool) -> str | None:
    """template_placeholder without its quick test: the regular expression alone."""
    for match in _TEMPLATE.finditer(value):
        if unexpanded or not match.group().startswith("$("):
            return match.group()
    return None


def test_the_quick_test_of_template_placeholder_never_misses_one() -> None:
    alphabet = "aZ_$<>{}()_.-/: 9A"
    rng = random.Random(25)
    samples = ["".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 14))) for _ in range(30000)]
    samples += ["${A}", "$(A)", "$A", "<A b>", "{{ .Values.x }}", "{A}", "__A__", "a__b", "_A_", "plain", "", "ko://x"]
    for value in samples:
        for unexpanded in (False, True):
            assert template_placeholder(value, unexpanded=unexpanded) == _regex_placeholder(value, unexpanded), value


def test_a_cached_image_parse_raises_a_fresh_error_each_time() -> None:
    errors = []
    for _ in range(3):
        with pytest.raises(ImageError) as caught:
            parse_image("Registry.Example.com/App:1")
        errors.append(caught.value)
    assert len({id(e) for e in errors}) == 3
    assert {str(e) for e in errors} == {"repository name component 'App' must be lower case"}
    assert parse_image("nginx:1.25") is parse_image("nginx:1.25")
    long = "a/" * 600 + "b"
    with pytest.raises(ImageError, match="at most 255"):
        parse_image(long)


def _label_problems(key: str, value: str, with_values: bool, annotations: bool) -> bool:
    """What invalid-label's full check finds in one entry (True: something), the long way."""
    if template_placeholder(key):
        return False
    if qualified_name(key.lower() if annotations else key):
        return True
    return with_values and not template_placeholder(value) and label_value(value) is not None


def test_the_label_cache_answers_as_the_full_check() -> None:
    rng = random.Random(5)
    parts = ["app", "App", "a.b", "example.com/", "x/", "/", "-", "_", ".", "{{ .x }}", "$V", "9", "é", "a" * 64, "b" * 250]
    for _ in range(20000):
        key = "".join(rng.choice(parts) for _ in range(rng.randrange(1, 4)))
        value = "".join(rng.choice(parts) for _ in range(rng.randrange(0, 3)))
        for with_values in (True, False):
            for annotation_map in (False, True):
                quiet = invalid_label._quiet(key, value if with_values else "", annotation_map)
                assert not (quiet and _label_problems(key, value, with_values, annotation_map)), (key, value)
                if len(key) <= invalid_label._CACHED_KEY and len(value if with_values else "") <= invalid_label._CACHED_VALUE:
                    assert quiet == (not _label_problems(key, value, with_values, annotation_map)), (key, value)
