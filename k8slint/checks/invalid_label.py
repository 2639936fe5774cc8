"""KM005 invalid-label: label keys and values, selector labels and annotation keys the API rejects."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from k8slint.findings import FieldPath, Problem
from k8slint.model.jsonvalues import scalar_json
from k8slint.model.names import label_value, qualified_name
from k8slint.model.objects import K8sObject
from k8slint.model.values import dig
from k8slint.registry import object_check


def _label_maps(obj: K8sObject) -> Iterator[tuple[FieldPath, Any, bool]]:
    """(path, mapping, check values?) of every label map, selector map and annotation map."""
    yield ("metadata", "labels"), obj.metadata.get("labels"), True
    yield ("metadata", "annotations"), obj.metadata.get("annotations"), False
    template = obj.pod_template_path()
    if template is not None:
        yield (*template, "metadata", "labels"), dig(obj.data, (*template, "metadata", "labels")), True
        yield (*template, "metadata", "annotations"), dig(obj.data, (*template, "metadata", "annotations")), False
    selector = dig(obj.data, ("spec", "selector"))
    if isinstance(selector, dict):
        if obj.kind in ("Service", "ReplicationController"):
            yield ("spec", "selector"), selector, True
        else:
            yield ("spec", "selector", "matchLabels"), selector.get("matchLabels"), True


def _expressions(obj: K8sObject) -> Iterator[tuple[FieldPath, Any]]:
    expressions = dig(obj.data, ("spec", "selector", "matchExpressions"))
    if obj.kind not in ("Service", "ReplicationController") and isinstance(expressions, list):
        for index, expression in enumerate(expressions):
            if isinstance(expression, dict):
                yield ("spec", "selector", "matchExpressions", index), expression


@object_check("KM005", local=True)
def check(obj: K8sObject, ctx: Any) -> Iterator[Problem]:
    for path, labels, with_values in _label_maps(obj):
        if not isinstance(labels, dict):
            continue
        what = "annotation key" if path[-1] == "annotations" else "label key"
        for key, value in labels.items():
            problem = qualified_name(key) if isinstance(key, str) else None
            if problem:
                yield Problem(f"{what} {key!r} {problem}", path=(*path, key))
            text = scalar_json(value) if with_values else None
            if isinstance(text, str):
                problem = label_value(text)
                if problem:
                    yield Problem(f"label value {_shown(value, text)} of {key!r} {problem}", path=(*path, key))
    for path, expression in _expressions(obj):
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


def _shown(value: Any, text: str) -> str:
    """The value; for one an explicit tag built (``!!timestamp``), also the string the API server reads."""
    return repr(text) if value is text else f"{value} ({text!r} once the API server reads the tagged value)"
