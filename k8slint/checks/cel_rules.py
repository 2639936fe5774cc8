"""CEL in CustomResourceDefinitions: KV002 crd-validation-rule, and the CRD side of KV004
cel-expression-invalid and KV005 cel-not-evaluated.

The rules are compiled once per run (k8slint.model.cel), and evaluated on
every custom resource of the kinds the CRDs in the set define, as the API
server does when the object is created (see k8slint.model.crdrules).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from weakref import WeakKeyDictionary

from k8slint.context import RuleContext
from k8slint.findings import FieldPath, Problem, Related, clip
from k8slint.model.kinds import is_custom_resource
from k8slint.model.objects import K8sObject
from k8slint.registry import object_check, set_check


def _cel() -> Any:
    from k8slint.model import cel

    return cel


@set_check("KV002")
def crd_validation_rule(ctx: RuleContext) -> Iterator[Problem]:
    yield from _outcome(ctx).violations


@set_check("KV005")
def crd_rule_not_evaluated(ctx: RuleContext) -> Iterator[Problem]:
    """Rules the set's custom resources would be checked against but were not: over budget, on that object."""
    yield from _outcome(ctx).not_evaluated


@dataclass(slots=True)
class _Outcome:
    violations: list[Problem] = field(default_factory=list)
    not_evaluated: list[Problem] = field(default_factory=list)


_OUTCOMES: WeakKeyDictionary[Any, _Outcome] = WeakKeyDictionary()
"""The rules are evaluated once per run (per object index) for both rules that report on them."""


def _outcome(ctx: RuleContext) -> _Outcome:
    index = ctx.index
    if index not in _OUTCOMES:
        _OUTCOMES[index] = _evaluate_crd_rules(ctx)
    return _OUTCOMES[index]


def _evaluate_crd_rules(ctx: RuleContext) -> _Outcome:
    outcome = _Outcome()
    crds = ctx.index.of_kind("CustomResourceDefinition")
    if not crds:
        return outcome
    from k8slint.model.crdrules import crd_versions, prepared
    from k8slint.model.values import values_at

    versions = {key: version for key, version in crd_versions(crds).items() if version.rules}
    if not versions:
        return outcome
    cel = _cel()
    evaluations = cel.Evaluations()
    for obj in ctx.index.objects:
        if not is_custom_resource(obj.api_version):
            continue
        version = versions.get((str(obj.api_version), str(obj.kind)))
        if version is None:
            continue
        data = prepared(version, obj.data)
        converted: dict[tuple[FieldPath, bool], Any] = {}  # each value once for all the rules that see it
        for rule in version.rules:
            program = cel.compiled(rule.rule)
            if rule.skipped_on_create or not isinstance(program, cel.CelProgram):
                continue  # transition rules need the old object; the CRD's own findings say why the others were not run
            old = {"oldSelf": cel.optional_none()} if rule.transition else {}
            for path, value in values_at(data, rule.steps):
                if not evaluations.take():
                    message = evaluations.message("CustomResourceDefinition rules")
                    outcome.not_evaluated.append(Problem(message, path=("metadata", "name"), subject=obj, variant="cost-budget"))
                    return outcome
                key = (path, rule.transition)
                if key not in converted:
                    converted[key] = cel.Variables.of({"self": value, **old})
                result = _run(cel, program, converted[key])
                if isinstance(result, cel.CelBudgetExceeded):
                    message = f"the CustomResourceDefinition rule {_quote(rule.rule)} was not evaluated here: {result}"
                    outcome.not_evaluated.append(Problem(message, path=path, subject=obj, variant="cost-budget"))
                    continue
                if result is True:
                    continue
                if isinstance(result, cel.CelEvalError):
                    message = f"the CustomResourceDefinition rule {_quote(rule.rule)} failed to evaluate: {result}"
                elif result is False:
                    message = _REASONS.get(rule.reason or "", "") + _message(cel, rule, value)
                else:
                    message = f"the CustomResourceDefinition rule {_quote(rule.rule)} returned {_shown(result)}, not a bool"
                where = _target(path, rule.field_path)
                outcome.violations.append(Problem(message, path=where, subject=obj, related=(_rule_location(rule),)))
    return outcome


_REASONS = {"FieldValueForbidden": "Forbidden: ", "FieldValueRequired": "Required value: ", "FieldValueDuplicate": "Duplicate value: "}
"""How the API server words a rule's ``reason`` before its message (field.ErrorType); FieldValueInvalid,
the default, it words as an invalid value, which every finding of this rule is."""


def _rule_location(rule: Any) -> Related:
    return Related(rule.crd.locate((*rule.path, "rule")), f"the rule in CustomResourceDefinition {rule.crd.name}")


def _run(cel: Any, program: Any, variables: Any) -> Any:
    try:
        return cel.evaluate(program, variables)
    except (cel.CelEvalError, cel.CelBudgetExceeded) as exc:
        return exc


def _message(cel: Any, rule: Any, value: Any) -> str:
    """The rule's messageExpression when it evaluates to a non-empty string, else its message,
    else the API server's ``failed rule: <rule>``."""
    if rule.message_expression is not None:
        program = cel.compiled(rule.message_expression)
        if isinstance(program, cel.CelProgram):
            result = _run(cel, program, {"self": value, **({"oldSelf": cel.optional_none()} if rule.transition else {})})
            if isinstance(result, str) and result.strip():
                return clip(result, 400)
    if rule.message is not None:
        return clip(rule.message, 400)
    return f"failed rule: {_quote(rule.rule)}"


def _target(path: FieldPath, field_path: str | None) -> FieldPath:
    from k8slint.model.crdrules import field_path_steps

    steps = field_path_steps(field_path) if field_path else None
    if steps:
        return (*path, *steps)
    return path or ("metadata", "name")  # a rule on the whole object: at its name


def _has_resources(crd: K8sObject, ctx: RuleContext) -> bool:
    """Whether the set holds a custom resource of ``crd`` (its kind, in its group)."""
    spec = crd.data.get("spec")
    spec = spec if isinstance(spec, dict) else {}
    names = spec.get("names")
    kind = names.get("kind") if isinstance(names, dict) else None
    group = spec.get("group")
    if not isinstance(kind, str) or not isinstance(group, str):
        return False
    return any((o.api_version or "").startswith(f"{group}/") for o in ctx.index.of_kind(kind))


def _quote(text: str) -> str:
    return clip(" ".join(text.split()), 120)


def _shown(value: Any) -> str:
    return clip(repr(value), 60)


@object_check("KV004", kinds={"CustomResourceDefinition"}, local=True)
def crd_rule_invalid(obj: K8sObject, ctx: RuleContext) -> Iterator[Problem]:
    """A rule or messageExpression that does not compile: the API server refuses the CRD."""
    from k8slint.model.crdrules import all_rules

    cel = _cel()
    for rule in all_rules(obj):
        for key, source in (("rule", rule.rule), ("messageExpression", rule.message_expression)):
            if source is None:
                continue
            program = cel.compiled(source)
            if isinstance(program, cel.CelCompileError):
                yield Problem(f"the {key} {_quote(source)} does not compile: {program}", path=(*rule.path, key))


@object_check("KV005", kinds={"CustomResourceDefinition"})
def crd_rule_unsupported(obj: K8sObject, ctx: RuleContext) -> Iterator[Problem]:
    """Rules k8slint cannot evaluate (a CEL library function it lacks), at the rule; only for a CRD whose
    custom resources are in the set, since a rule nothing is checked against leaves nothing unchecked.
    Without the CEL runtime at all, the run says so once in its notes (k8slint.engine), not at every rule."""
    from k8slint.model.crdrules import all_rules

    if not _has_resources(obj, ctx):
        return
    cel = _cel()
    for rule in all_rules(obj):
        if rule.skipped_on_create:
            continue
        program = cel.compiled(rule.rule)
        if isinstance(program, cel.CelUnsupported):
            yield Problem(
                f"the rule {_quote(rule.rule)} was not evaluated: {program}",
                path=(*rule.path, "rule"),
            )
