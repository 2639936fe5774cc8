"""KM005 invalid-label: label keys and values, selector labels and annotation keys the API rejects."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any

from k8slint.context import RuleContext
from k8slint.findings import FieldPath, Problem
from k8slint.model.fields import label_maps
from k8slint.model.jsonvalues import scalar_json
from k8slint.model.names import label_value, qualified_name
from k8slint.model.objects import K8sObject
from k8slint.model.placeholders import template_placeholder
from k8slint.model.values import dig
from k8slint.registry import object_check


def _expressions(obj: K8sObject) -> Iterator[tuple[FieldPath, Any]]:
    expressions = dig(obj.data, ("spec", "selector", "matchExpressions"))
    if obj.kind not in ("Service", "ReplicationController") and isinstance(expressions, list):
        for index, expression in enumerate(expressions):
            if isinstance(expression, dict):
                yield ("spec", "selector", "matchExpressions", index), expression


@object_check("KM005", local=True, templates=True)
def check(obj: K8sObject, ctx: RuleContext) -> Iterator[Problem]:
    for path, labels, with_values in label_maps(obj):
        if not isinstance(labels, dict):
            continue
        annotations = path[-1] == "annotations"
        what = "annotation key" if annotations else "label key"
        for key, value in labels.items():
            if isinstance(key, str) and isinstance(value, str) and _quiet(key, value if with_values else "", annotations):
                continue
            if isinstance(key, str) and template_placeholder(key):
                continue  # reported by unrendered-placeholder
            # the API server checks an annotation key lower-cased (ValidateAnnotations in apimachinery's
            # api/validation/objectmeta.go): `notTemplated/version` is accepted there, not as a label key
            problem = qualified_name(key.lower() if annotations else key) if isinstance(key, str) else None
            if problem:
                yield Problem(f"{what} {key!r} {problem}", path=(*path, key))
            text = scalar_json(value) if with_values else None
            if isinstance(text, str) and not (value is text and template_placeholder(text)):
                problem = label_value(text)
                if problem:
                    yield Problem(f"label value {_shown(value, text)} of {key!r} {problem}", path=(*path, key))
    for path, expression in _expressions(obj) if obj.view_of is None else ():  # a view: the resource's are its own
        key = expression.get("key")
        if isinstance(key, str):
            problem = qualified_name(key)
            if problem:
                yield Problem(f"selector key {key!r} {problem}", path=(*path, "key"))
        values = expression.get("values")
        for index, value in enumerate(values if isinstance(values, list) else []):
            text = scalar_json(value)
            if isinstance(text, str):
                problem = label_value(text)
                if problem:
                    yield Problem(f"selector value {_shown(value, text)} {problem}", path=(*path, "values", index))


def _quiet(key: str, value: str, annotations: bool) -> bool:
    """Whether a map entry of a string key and value (``""`` where values are not checked) has nothing to report."""
    if len(key) > _CACHED_KEY or len(value) > _CACHED_VALUE:
        return False  # too long to be valid: the full check says why
    return _quiet_cached(key, value, annotations)


_CACHED_KEY = 253 + 1 + 63
"""The longest valid key: a DNS subdomain prefix, '/', a 63-character name."""
_CACHED_VALUE = 63


@functools.lru_cache(maxsize=4096)  # the same labels and annotation keys repeat on object after object
def _quiet_cached(key: str, value: str, annotations: bool) -> bool:
    if template_placeholder(key):
        return True  # reported by unrendered-placeholder
    if qualified_name(key.lower() if annotations else key):
        return False
    return bool(template_placeholder(value)) or label_value(value) is None


def _shown(value: Any, text: str) -> str:
    """The value; for one an explicit tag built (``!!timestamp``), also the string the API server reads."""
    return repr(text) if value is text else f"{value} ({text!r} once the API server reads the tagged value)"
