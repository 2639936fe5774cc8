"""The ``x-kubernetes-validations`` rules of CustomResourceDefinitions, and the values they see.

After apiextensions-apiserver ``pkg/apiserver/schema/cel/validation.go``
(``Validator.Validate``): each rule is evaluated with ``self`` bound to the
value of the schema node that carries it, for every such value in the object
(each list item and map value under ``items`` and ``additionalProperties``).
Before the rules run the API server applies the schema's defaults
(``structuraldefaulting.Default``); numbers of ``type: number`` are doubles,
and at the root ``self.metadata`` holds only ``name`` and ``generateName``.

A rule that reads ``oldSelf`` is a transition rule: the API server evaluates
it on updates only, and an offline linter has no previous version of the
object, so it is skipped (as the API server skips it on create), unless it sets
``optionalOldSelf: true``: then it runs on create too, with ``oldSelf`` an empty
optional, and so here.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from k8slint.findings import FieldPath
from k8slint.model.objects import K8sObject
from k8slint.model.values import ANY

Step = str | None


@dataclass(frozen=True, slots=True)
class CrdRule:
    """One entry of an ``x-kubernetes-validations`` list."""

    crd: K8sObject
    path: FieldPath
    """The entry's path in the CRD."""
    steps: tuple[Step, ...]
    """Where the values it validates are in a custom resource."""
    rule: str
    message: str | None
    message_expression: str | None
    field_path: str | None
    reason: str | None
    optional_old_self: bool = False
    """``optionalOldSelf: true``: the rule also runs on create, with ``oldSelf`` an empty optional."""

    @property
    def transition(self) -> bool:
        """Whether the rule reads ``oldSelf`` (evaluated by the API server on updates only)."""
        return re.search(r"\boldSelf\b", _without_strings(self.rule)) is not None

    @property
    def skipped_on_create(self) -> bool:
        return self.transition and not self.optional_old_self


@dataclass(frozen=True, slots=True)
class CrdVersion:
    """The rules and schema of one served version of a CRD."""

    schema: dict[str, Any]
    rules: tuple[CrdRule, ...]
    status_subresource: bool = False
    """With the status subresource, a create ignores the object's ``status`` (the API server resets it)."""


def crd_versions(crds: Iterable[K8sObject]) -> dict[tuple[str, str], CrdVersion]:
    """``(apiVersion, kind)`` of each served version of the CRDs, with its rules."""
    found: dict[tuple[str, str], CrdVersion] = {}
    for crd in crds:
        if "crd_versions" not in crd.memo:  # three rules read them; the walk of a large schema is not free
            crd.memo["crd_versions"] = _versions(crd)
        found.update(crd.memo["crd_versions"])
    return found


def _versions(crd: K8sObject) -> dict[tuple[str, str], CrdVersion]:
    found: dict[tuple[str, str], CrdVersion] = {}
    spec = crd.data.get("spec")
    if not isinstance(spec, dict):
        return found
    group, names = spec.get("group"), spec.get("names")
    kind = names.get("kind") if isinstance(names, dict) else None
    if not isinstance(group, str) or not isinstance(kind, str):
        return found
    text = crd.file.text[crd.span[0] : crd.span[1]]
    walk = not text or "x-kubernetes-validations" in text  # most CRDs have no rule: no need to walk their schemas
    shared = _schema_at(spec, ("validation", "openAPIV3Schema"))
    versions = spec.get("versions")
    entries = versions if isinstance(versions, list) else []
    if not entries and isinstance(spec.get("version"), str):
        entries = [{"name": spec["version"], "served": True}]
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str) or entry.get("served") is False:
            continue
        own = _schema_at(entry, ("schema", "openAPIV3Schema"))
        prefix: FieldPath
        if own is not None:
            schema, prefix = own, ("spec", "versions", index, "schema", "openAPIV3Schema")
        elif shared is not None:
            schema, prefix = shared, ("spec", "validation", "openAPIV3Schema")
        else:
            continue
        subresources = entry.get("subresources", spec.get("subresources"))
        status = isinstance(subresources, dict) and "status" in subresources
        rules = tuple(schema_rules(crd, schema, prefix)) if walk else ()
        found[(f"{group}/{entry['name']}", kind)] = CrdVersion(schema, rules, status)
    return found


def all_rules(crd: K8sObject) -> Iterator[CrdRule]:
    """Every rule in a CRD's schemas, once each."""
    seen: set[FieldPath] = set()
    for version in crd_versions([crd]).values():
        for rule in version.rules:
            if rule.path not in seen:
                seen.add(rule.path)
                yield rule


def _schema_at(holder: dict[str, Any], path: tuple[str, str]) -> dict[str, Any] | None:
    node: Any = holder
    for part in path:
        node = node.get(part) if isinstance(node, dict) else None
    return node if isinstance(node, dict) else None


def schema_rules(crd: K8sObject, schema: dict[str, Any], prefix: FieldPath) -> Iterator[CrdRule]:
    """The rules of a schema, in document order, each with where its values are."""
    stack: list[tuple[Any, FieldPath, tuple[Step, ...]]] = [(schema, prefix, ())]
    while stack:
        node, path, steps = stack.pop()
        if not isinstance(node, dict):
            continue
        validations = node.get("x-kubernetes-validations")
        for index, entry in enumerate(validations if isinstance(validations, list) else []):
            if isinstance(entry, dict) and isinstance(entry.get("rule"), str):
                yield CrdRule(
                    crd,
                    (*path, "x-kubernetes-validations", index),
                    steps,
                    entry["rule"],
                    _text(entry.get("message")),
                    _text(entry.get("messageExpression")),
                    _text(entry.get("fieldPath")),
                    _text(entry.get("reason")),
                    entry.get("optionalOldSelf") is True,
                )
        children: list[tuple[Any, FieldPath, tuple[Step, ...]]] = []
        properties = node.get("properties")
        if isinstance(properties, dict):
            children.extend((child, (*path, "properties", name), (*steps, name)) for name, child in properties.items())
        if isinstance(node.get("items"), dict):
            children.append((node["items"], (*path, "items"), (*steps, ANY)))
        if isinstance(node.get("additionalProperties"), dict):
            children.append((node["additionalProperties"], (*path, "additionalProperties"), (*steps, ANY)))
        stack.extend(reversed(children))


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def prepared(version: CrdVersion, data: Any) -> Any:
    """``data`` as the rules see it on create: unknown fields pruned, the schema's defaults applied,
    ``number`` fields doubles, the root's metadata cut to ``name`` and ``generateName``, and no
    ``status`` where the status subresource resets it."""
    if not isinstance(data, dict):
        return data
    root = {key: data[key] for key in ("apiVersion", "kind") if key in data}
    if isinstance(data.get("metadata"), dict):
        root["metadata"] = {k: v for k, v in data["metadata"].items() if k in ("name", "generateName")}
    dropped = ("apiVersion", "kind", "metadata", *(("status",) if version.status_subresource else ()))
    rest = _prepare(version.schema, {k: v for k, v in data.items() if k not in dropped})
    return {**root, **rest} if isinstance(rest, dict) else root


def _prepare(schema: Any, value: Any) -> Any:
    if not isinstance(schema, dict):
        return value
    kind = schema.get("type")
    if kind == "number" and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, list):
        return [_prepare(schema.get("items"), item) for item in value]
    if not isinstance(value, dict):
        return value
    properties: dict[str, Any] = schema["properties"] if isinstance(schema.get("properties"), dict) else {}
    extra = schema.get("additionalProperties")
    # structural pruning (apiextensions-apiserver pkg/apiserver/schema/pruning): where a schema names its
    # properties, the API server drops the others unless it preserves unknown fields
    prune = (
        bool(properties) and not isinstance(extra, dict) and extra is not True and not schema.get("x-kubernetes-preserve-unknown-fields")
    )
    out: dict[str, Any] = {}
    kept = ("apiVersion", "kind", "metadata") if schema.get("x-kubernetes-embedded-resource") else ()
    for key, item in value.items():
        if prune and key not in properties and key not in kept:
            continue
        child = properties.get(key, extra)
        if item is None and isinstance(child, dict) and not child.get("nullable"):
            # apiextensions-apiserver's PruneNonNullableNullsWithoutDefaults (pkg/apiserver/schema/defaulting/prunenulls.go):
            # a null where the schema does not allow one is dropped before validation (defaulted where it has a default)
            continue
        out[key] = _prepare(child, item)
    for key, child in properties.items():
        if key not in out and isinstance(child, dict) and "default" in child:
            out[key] = _prepare(child, copy.deepcopy(child["default"]))
    for key in [key for key in out if key in properties]:
        escaped = cel_escaped(key)
        if escaped is not None and escaped != key and escaped not in out:
            out[escaped] = out[key]  # what a rule names it by (`self.__namespace__`), beside the name navigation uses
    return out


CEL_RESERVED = frozenset(
    (
        *("true", "false", "null", "in", "as", "break", "const", "continue", "else", "for", "function", "if"),
        *("import", "let", "loop", "package", "namespace", "return", "var", "void", "while"),
    )
)
_ESCAPABLE = re.compile(r"[A-Za-z_.\-/][A-Za-z0-9_.\-/]*")
_ESCAPES = re.compile(r"__|[.\-/]")
_ESCAPED = {"__": "__underscores__", ".": "__dot__", "-": "__dash__", "/": "__slash__"}


def cel_escaped(name: str) -> str | None:
    """The name a CEL rule gives a declared property (apiserver's cel.Escape, as the CRD documentation lists it):
    a reserved word becomes ``__word__`` (``namespace``: ``__namespace__``), and ``__``, ``.``, ``-`` and ``/``
    become ``__underscores__``, ``__dot__``, ``__dash__`` and ``__slash__`` (``x-prop``: ``x__dash__prop``).
    None for a name no rule can reach (one that starts with a digit, or holds other characters)."""
    if name in CEL_RESERVED:
        return f"__{name}__"
    if not _ESCAPABLE.fullmatch(name):
        return None
    return _ESCAPES.sub(lambda match: _ESCAPED[match.group()], name)


_FIELD_PATH_PART = re.compile(r"\.([A-Za-z_$][A-Za-z0-9_$-]*)|\['((?:[^'\\]|\\.)*)'\]|\[(\d+)\]")


def field_path_steps(text: str) -> FieldPath | None:
    """A rule's ``fieldPath`` (``.spec.replicas``, ``.labels['app']``, ``.items[0]``) as a path; None if malformed."""
    parts: list[str | int] = []
    position = 0
    while position < len(text):
        match = _FIELD_PATH_PART.match(text, position)
        if match is None:
            return None
        name, quoted, number = match.groups()
        parts.append(name if name is not None else int(number) if number is not None else re.sub(r"\\(.)", r"\1", quoted))
        position = match.end()
    return tuple(parts)


def _without_strings(source: str) -> str:
    return re.sub(r"""'(?:\\.|[^'\\])*'|"(?:\\.|[^"\\])*\"""", "''", source)
