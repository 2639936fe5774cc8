"""Kubernetes label selectors, with the semantics of the API server.

A ``LabelSelector`` (``matchLabels`` AND every ``matchExpressions``
requirement) and the plain map selectors of Services and
ReplicationControllers. ``In`` and ``NotIn`` need a non-empty ``values``;
``Exists`` and ``DoesNotExist`` need none. ``NotIn`` and ``DoesNotExist`` match
objects that do not have the key at all.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist")


@dataclass(frozen=True, slots=True)
class Requirement:
    key: str
    operator: str
    values: frozenset[str] = frozenset()

    def matches(self, labels: Mapping[str, Any]) -> bool:
        present = self.key in labels
        if self.operator == "Exists":
            return present
        if self.operator == "DoesNotExist":
            return not present
        value = labels.get(self.key)
        inside = present and label_text(value) in self.values
        return inside if self.operator == "In" else not inside

    def describe(self) -> str:
        if self.operator in ("Exists", "DoesNotExist"):
            return f"{'' if self.operator == 'Exists' else '!'}{self.key}"
        values = ",".join(sorted(self.values))
        return f"{self.key} {'in' if self.operator == 'In' else 'notin'} ({values})"


@dataclass(frozen=True, slots=True)
class Selector:
    match_labels: tuple[tuple[str, str], ...]
    requirements: tuple[Requirement, ...]

    @property
    def empty(self) -> bool:
        """An empty selector: the API treats it as matching everything (or rejects it)."""
        return not self.match_labels and not self.requirements

    def matches(self, labels: Mapping[str, Any]) -> bool:
        for key, value in self.match_labels:
            if key not in labels or label_text(labels[key]) != value:
                return False
        return all(requirement.matches(labels) for requirement in self.requirements)


class SelectorError(ValueError):
    """A selector the API server would reject; ``path`` is the bad field inside it."""

    def __init__(self, message: str, path: tuple[Any, ...]) -> None:
        super().__init__(message)
        self.path = path


def label_text(value: Any) -> str:
    """Label values are strings; YAML may have made them numbers or booleans."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value) if value is not None else ""


def from_map(selector: Mapping[str, Any]) -> Selector:
    """A Service or ReplicationController selector: a plain map of labels."""
    return Selector(tuple((str(k), label_text(v)) for k, v in selector.items()), ())


def from_label_selector(selector: Mapping[str, Any]) -> Selector:
    """A ``LabelSelector`` object; raises :class:`SelectorError` where the API would."""
    match_labels = selector.get("matchLabels") or {}
    if not isinstance(match_labels, dict):
        raise SelectorError("matchLabels must be a mapping of label keys to values", ("matchLabels",))
    expressions = selector.get("matchExpressions") or []
    if not isinstance(expressions, list):
        raise SelectorError("matchExpressions must be a list", ("matchExpressions",))
    requirements = []
    for index, expression in enumerate(expressions):
        path = ("matchExpressions", index)
        if not isinstance(expression, dict):
            raise SelectorError("a match expression must be a mapping", path)
        key, operator, values = expression.get("key"), expression.get("operator"), expression.get("values")
        if not isinstance(key, str) or not key:
            raise SelectorError("a match expression needs a key", (*path, "key"))
        if operator not in OPERATORS:
            raise SelectorError(f"operator {operator!r} is not one of {', '.join(OPERATORS)}", (*path, "operator"))
        if values is not None and not isinstance(values, list):
            raise SelectorError("values must be a list", (*path, "values"))
        values = values or []
        if operator in ("In", "NotIn") and not values:
            raise SelectorError(f"operator {operator} needs at least one value", (*path, "values"))
        if operator in ("Exists", "DoesNotExist") and values:
            raise SelectorError(f"operator {operator} takes no values", (*path, "values"))
        requirements.append(Requirement(key, operator, frozenset(label_text(v) for v in values)))
    return Selector(tuple((str(k), label_text(v)) for k, v in match_labels.items()), tuple(requirements))
