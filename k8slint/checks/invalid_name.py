"""KM003 invalid-name: metadata.name that the API rejects for its kind."""

from __future__ import annotations

from collections.abc import Iterator

from k8slint.context import RuleContext
from k8slint.findings import Problem
from k8slint.model.fields import DEFAULT_NAME_RULE, NAME_RULES
from k8slint.model.names import path_segment
from k8slint.model.objects import K8sObject
from k8slint.model.placeholders import name_placeholder
from k8slint.registry import object_check


@object_check("KM003", local=True)
def check(obj: K8sObject, ctx: RuleContext) -> Iterator[Problem]:
    metadata = obj.metadata
    validate, what = NAME_RULES.get(obj.kind or "", DEFAULT_NAME_RULE)
    name = metadata.get("name")
    caps = validate is not path_segment  # an all-caps name can be real only where upper case is allowed
    if isinstance(name, str) and name_placeholder(name, caps=caps):
        return  # reported by unrendered-placeholder
    if isinstance(name, str) and any(f"$({var})" in name for var in obj.file.kustomize_vars):
        return  # a kustomize var the kustomization that builds the file declares: replaced when built
    if isinstance(name, str) and name:
        problem = validate(name)
        if problem:
            yield Problem(f"{obj.kind} name {name!r} {problem} (it must be {what})", path=("metadata", "name"))
        if obj.kind == "CustomResourceDefinition":
            yield from _crd_name(obj, name)
        return
    prefix = metadata.get("generateName")
    if isinstance(prefix, str) and prefix and not name_placeholder(prefix, caps=caps):
        # the server appends five characters, so the prefix is checked with a sample suffix
        problem = validate(prefix + "abcde")
        if problem:
            yield Problem(
                f"{obj.kind} generateName {prefix!r} makes names that {problem} (they must be {what})",
                path=("metadata", "generateName"),
            )


def _crd_name(obj: K8sObject, name: str) -> Iterator[Problem]:
    spec = obj.data.get("spec")
    if not isinstance(spec, dict):
        return
    group, names = spec.get("group"), spec.get("names")
    plural = names.get("plural") if isinstance(names, dict) else None
    if isinstance(group, str) and isinstance(plural, str) and name != f"{plural}.{group}":
        yield Problem(
            f"a CustomResourceDefinition must be named <plural>.<group>, here {plural}.{group!s}, not {name!r}",
            path=("metadata", "name"),
        )
