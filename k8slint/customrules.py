"""Custom rules from the config (``custom-rules:``): CEL or JSON Schema, made into registry rules.

Each entry becomes a :class:`RuleSpec` named by its ``id``, with a code
``CX000``-``CX999`` derived from the id (so that adding or moving a rule in the
config does not change the codes, and so the fingerprints, of the others),
and one object check. Its expression is compiled when the config is read: a
rule that does not compile is a :class:`ConfigError` naming it (exit 2).

A CEL rule sees ``object`` (the object as the API server's JSON),
``oldObject`` (null: offline there is no previous version) and ``params`` (its
``params`` value, if any), as a ValidatingAdmissionPolicy's validation does; a
false result is a finding. A schema rule's finding is one per object that does
not satisfy its schema. Either points at ``fieldPath`` when given, else (for a
schema) at the first field the schema refuses, else at ``metadata.name``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from typing import Any

from k8slint.errors import ConfigError
from k8slint.findings import FieldPath, Problem, Severity, clip
from k8slint.model.kinds import api_group
from k8slint.model.objects import K8sObject
from k8slint.model.selectors import SelectorError, from_label_selector
from k8slint.registry import Check, RuleDocs, RuleSpec, Scope

CATEGORY = "custom"


def custom_rule_specs(entries: list[dict[str, Any]], taken: set[str], origin: str) -> list[RuleSpec]:
    """The rules of a config's ``custom-rules`` (already validated by the config schema).

    ``taken`` holds the tokens of the built-in rules: an id may not reuse one.
    """
    specs: list[RuleSpec] = []
    codes: set[str] = set()
    for index, entry in enumerate(entries):
        rule_id = entry["id"]
        where = f"{origin}: custom-rules[{index}] ({rule_id})"
        if rule_id in taken or rule_id.upper() in taken:
            raise ConfigError(f"{where}: the id is the name or code of a built-in rule")
        taken.add(rule_id)
        code = _code(rule_id, codes)
        codes.add(code)
        check = _cel_check(entry, where) if "cel" in entry else _schema_check(entry, where)
        kinds = (entry.get("match") or {}).get("kinds")
        docs_text = entry.get("docs") or f"A custom rule of this repository's config ({origin})."
        expression = entry.get("cel", "a JSON Schema")
        specs.append(
            RuleSpec(
                code=code,
                name=rule_id,
                severity=Severity.parse(entry.get("severity", "warning")),
                category=CATEGORY,
                summary=clip(" ".join(entry["message"].split()), 200).rstrip("."),
                hint=f"Make the object satisfy the custom rule {rule_id} of {origin}.",
                docs=RuleDocs(docs_text, f"Checked: {clip(str(expression), 300)}", "", ""),
                docs_testable=False,
                checks=(Check(code, check, Scope.OBJECT, frozenset(kinds) if kinds else None, local=True),),
                severity_reason=f"set in {origin}",
            )
        )
    return specs


def _code(rule_id: str, used: set[str]) -> str:
    """``CX`` and three digits from a hash of the id; the next free number on a collision."""
    number = int(hashlib.sha256(rule_id.encode("utf-8")).hexdigest()[:8], 16) % 1000
    for step in range(1000):
        code = f"CX{(number + step) % 1000:03d}"
        if code not in used:
            return code
    raise ConfigError("more than 1000 custom rules")


def _matches(match: dict[str, Any], obj: K8sObject) -> bool:
    groups = match.get("apiGroups")
    if groups and "*" not in groups and api_group(str(obj.api_version)) not in groups:
        return False
    namespaces = match.get("namespaces")
    if namespaces and obj.namespace not in namespaces:
        return False
    selector = match.get("labelSelector")
    if selector:
        try:
            return from_label_selector(selector).matches(obj.labels)
        except SelectorError:
            return False
    return True


def _target(entry: dict[str, Any], found: FieldPath = ()) -> FieldPath:
    from k8slint.model.crdrules import field_path_steps

    steps = field_path_steps(entry["fieldPath"]) if entry.get("fieldPath") else None
    return steps or found or ("metadata", "name")


def _cel_check(entry: dict[str, Any], where: str) -> Callable[[K8sObject, Any], Iterator[Problem]]:
    from k8slint.model import cel

    source = entry["cel"]
    program = cel.compiled(source)
    if isinstance(program, (cel.CelCompileError, cel.CelUnsupported, cel.CelUnavailable)):
        raise ConfigError(f"{where}: the cel expression cannot be used: {program}")
    match = entry.get("match") or {}
    message = entry["message"]
    params = entry.get("params")

    def check(obj: K8sObject, ctx: Any) -> Iterator[Problem]:
        if not _matches(match, obj):
            return
        try:
            result = cel.evaluate(program, {"object": obj.data, "oldObject": None, "params": params})
        except cel.CelEvalError as exc:
            yield Problem(f"{message} (the rule failed to evaluate on this object: {exc})", path=_target(entry))
            return
        except cel.CelBudgetExceeded as exc:
            yield Problem(f"the rule was not evaluated on this object: {exc}", path=_target(entry))
            return
        if result is True:
            return
        if result is False:
            yield Problem(message, path=_target(entry))
        else:
            yield Problem(f"{message} (the rule returned {clip(repr(result), 60)}, not a bool)", path=_target(entry))

    return check


def _schema_check(entry: dict[str, Any], where: str) -> Callable[[K8sObject, Any], Iterator[Problem]]:
    import jsonschema_rs

    from k8slint.model.jsonvalues import as_json
    from k8slint.model.schemas import refuse_all

    try:
        validator = jsonschema_rs.Draft202012Validator(entry["schema"], retriever=refuse_all)
    except (jsonschema_rs.ValidationError, ValueError) as exc:
        raise ConfigError(f"{where}: the schema cannot be compiled: {clip(str(exc).splitlines()[0], 200)}") from None
    match = entry.get("match") or {}
    message = entry["message"]

    def check(obj: K8sObject, ctx: Any) -> Iterator[Problem]:
        if not _matches(match, obj):
            return
        errors = list(validator.iter_errors(as_json(obj.data)))
        if errors:
            found = tuple(errors[0].instance_path)
            yield Problem(message, path=_target(entry, found))

    return check
