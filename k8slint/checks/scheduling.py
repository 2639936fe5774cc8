"""KR024 invalid-toleration and KR025 invalid-node-selector."""

from __future__ import annotations

from collections.abc import Iterator

from k8slint.context import RuleContext
from k8slint.findings import Problem
from k8slint.model.names import label_value, qualified_name
from k8slint.model.objects import K8sObject
from k8slint.model.placeholders import template_placeholder
from k8slint.model.values import mapping, sequence
from k8slint.registry import object_check

EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")
OPERATORS = ("Exists", "Equal")


@object_check("KR024", local=True, pods=True)
def invalid_toleration(obj: K8sObject, ctx: RuleContext) -> Iterator[Problem]:
    found = obj.pod_spec()
    if found is None:
        return
    path, spec = found
    for index, toleration in enumerate(sequence(spec.get("tolerations"))):
        if not isinstance(toleration, dict):
            continue
        base = (*path, "tolerations", index)
        operator = toleration.get("operator", "Equal")
        key, value, effect = toleration.get("key"), toleration.get("value"), toleration.get("effect")
        if operator not in OPERATORS:
            yield Problem(f"toleration operator {operator!r} is not Exists or Equal", path=(*base, "operator"))
        elif operator == "Exists" and value not in (None, ""):
            yield Problem(f"a toleration with operator Exists takes no value (it has {value!r})", path=(*base, "value"))
        elif operator == "Equal" and not key:
            yield Problem("a toleration with operator Equal needs a key (an empty key only works with Exists)", path=base)
        if effect not in (None, "") and effect not in EFFECTS:
            yield Problem(f"toleration effect {effect!r} is not one of {', '.join(EFFECTS)}", path=(*base, "effect"))
        seconds = toleration.get("tolerationSeconds")
        if seconds is not None and effect != "NoExecute":
            yield Problem("tolerationSeconds only applies to the NoExecute effect", path=(*base, "tolerationSeconds"))
        if isinstance(key, str) and key:
            problem = qualified_name(key)
            if problem:
                yield Problem(f"toleration key {key!r} {problem}", path=(*base, "key"))


@object_check("KR025", local=True, pods=True)
def invalid_node_selector(obj: K8sObject, ctx: RuleContext) -> Iterator[Problem]:
    found = obj.pod_spec()
    if found is None:
        return
    path, spec = found
    for key, value in mapping(spec.get("nodeSelector")).items():
        where = (*path, "nodeSelector", key)
        if (isinstance(key, str) and template_placeholder(key)) or (isinstance(value, str) and template_placeholder(value)):
            continue  # reported by unrendered-placeholder
        problem = qualified_name(key) if isinstance(key, str) else "is not a string"
        if problem:
            yield Problem(f"nodeSelector key {key!r} {problem}", path=where)
        if not isinstance(value, str):
            yield Problem(f"nodeSelector value of {key!r} must be a string, not {type(value).__name__}", path=where)
        else:
            problem = label_value(value)
            if problem:
                yield Problem(f"nodeSelector value {value!r} of {key!r} {problem}", path=where)
