"""Kubernetes objects read from YAML and JSON files, with their source positions."""

from __future__ import annotations

import bisect
import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from k8slint.findings import FieldPath, Location, ObjectRef, Problem, Severity
from k8slint.model import workloads
from k8slint.model.kinds import CLUSTER_SCOPED_KINDS, is_list_kind, is_tool_config
from k8slint.model.references import references_of
from k8slint.model.workloads import ContainerView
from k8slint.sources.yamlsafe import MAX_DEPTH, ERROR_RULES, PositionTree, child, load_documents, locate

# The whole rest of the line, trimmed afterwards: a lazy (.+?) before \s*$ would retry
# the white space at every character of a long line (quadratic).
_SOURCE_COMMENT = re.compile(r"^# Source: (.+)$", re.MULTILINE)
_SUPPRESSION = re.compile(r"#\s*k8slint:\s*ignore(?:\s*=\s*([A-Za-z0-9_,\- ]+))?")
SUPPRESS_ALL = "all"


@dataclass(slots=True)
class SourceFile:
    """A file as read: its text, and the suppression comments found in it."""

    display: str
    text: str
    suppressions: dict[int, frozenset[str]] = field(default_factory=dict)
    _lines: list[str] | None = None

    def __post_init__(self) -> None:
        if "k8slint:" in self.text:
            self.suppressions = parse_suppression_comments(self.text)

    @property
    def folder(self) -> str:
        return os.path.dirname(self.display)

    def span_tree(self, span: tuple[int, int], item: int | None) -> PositionTree:
        """The position tree of the document at ``span``, with the file's own line numbers.

        Objects that came from a worker process (``--jobs``) carry their data
        but not their position trees; the document is parsed once more, only
        when a finding needs a position.
        """
        start, end = span
        first_line = self.text.count("\n", 0, start)
        documents, _, _ = load_documents("\n" * first_line + self.text[start:end])
        if not documents:  # JSON that only Python's JSON reader accepts: whole-file positions
            return (first_line, 0, None)
        tree = documents[0].tree
        if item is not None:
            items = child(tree[2], "items")
            tree = child(items[2], item) or tree if items else tree
        return tree

    def line(self, number: int) -> str | None:
        """The text of a 1-based line, without its line break."""
        if self._lines is None:
            self._lines = self.text.splitlines()
        if 1 <= number <= len(self._lines):
            return self._lines[number - 1]
        return None


def parse_suppression_comments(text: str) -> dict[int, frozenset[str]]:
    """``# k8slint: ignore=rule-a,KN201`` comments by 1-based line."""
    found: dict[int, frozenset[str]] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if "k8slint:" not in line:
            continue
        match = _SUPPRESSION.search(line)
        if match:
            names = match.group(1)
            rules = {n.strip() for n in names.split(",") if n.strip()} if names else {SUPPRESS_ALL}
            found[number] = frozenset(rules)
    return found


def _string(value: Any) -> str | None:
    return value if isinstance(value, str) else None


@dataclass(slots=True, eq=False)
class K8sObject:
    """One Kubernetes object, and where it came from."""

    data: dict[str, Any]
    file: SourceFile
    document: int
    tree: PositionTree | None
    """Where each field is; None until needed for objects that came from a worker."""
    namespace: str | None
    item: int | None
    source: str | None
    span: tuple[int, int]
    """Where the document (the whole List, for a List item) lies in the file: offset of its
    first line, offset of its end."""
    memo: dict[str, Any] = field(default_factory=dict, repr=False)
    """Derived views of the data that several rules read (containers, references), computed once."""

    def _view(self, name: str, compute: Callable[[K8sObject], Any]) -> Any:
        memo = self.memo
        if name not in memo:
            memo[name] = compute(self)
        return memo[name]

    def containers(self) -> list[ContainerView]:
        """Every container of the pod spec (k8slint.model.workloads.containers), computed once."""
        return self._view("containers", _containers)  # type: ignore[no-any-return]

    def references(self) -> list[Any]:
        """Every reference the pod spec makes (k8slint.model.references.references_of), computed once."""
        return self._view("references", _references)

    def pod_spec(self) -> tuple[FieldPath, dict[str, Any]] | None:
        """Path and value of the pod spec (k8slint.model.workloads.pod_spec), computed once."""
        return self._view("pod_spec", _pod_spec)  # type: ignore[no-any-return]

    def pod_spec_path(self) -> FieldPath | None:
        found = self.pod_spec()
        return found[0] if found is not None else None

    def pod_template_path(self) -> FieldPath | None:
        """Where the pod template is (k8slint.model.workloads.pod_template_path), computed once."""
        return self._view("pod_template_path", _pod_template_path)  # type: ignore[no-any-return]

    def is_kustomize_fragment(self) -> bool:
        """k8slint.model.workloads.is_kustomize_fragment, computed once."""
        return self._view("is_kustomize_fragment", _kustomize_fragment)  # type: ignore[no-any-return]

    @property
    def api_version(self) -> str | None:
        return _string(self.data.get("apiVersion"))

    @property
    def kind(self) -> str | None:
        return _string(self.data.get("kind"))

    @property
    def metadata(self) -> dict[str, Any]:
        metadata = self.data.get("metadata")
        return metadata if isinstance(metadata, dict) else {}

    @property
    def name(self) -> str | None:
        return _string(self.metadata.get("name"))

    @property
    def labels(self) -> dict[str, Any]:
        labels = self.metadata.get("labels")
        return labels if isinstance(labels, dict) else {}

    @property
    def annotations(self) -> dict[str, Any]:
        annotations = self.metadata.get("annotations")
        return annotations if isinstance(annotations, dict) else {}

    @property
    def ref(self) -> ObjectRef:
        return ObjectRef(self.api_version, self.kind, self.name, self.namespace)

    def describe(self) -> str:
        return self.ref.describe()

    def positions(self) -> PositionTree:
        if self.tree is None:
            self.tree = self.file.span_tree(self.span, self.item)
        return self.tree

    def locate(self, path: FieldPath) -> Location:
        line, column, _ = locate(self.positions(), path)
        return Location(self.file.display, line, column)

    @property
    def key(self) -> tuple[str, int, int]:
        """Identity across processes: file, document and List item."""
        return (self.file.display, self.document, -1 if self.item is None else self.item)


# The views K8sObject memoizes; each builds on the ones before it, so the pod spec is found once.


def _pod_spec(obj: K8sObject) -> tuple[FieldPath, dict[str, Any]] | None:
    return workloads.pod_spec(obj.data)


def _pod_template_path(obj: K8sObject) -> FieldPath | None:
    return workloads.pod_template_path(obj.data)


def _kustomize_fragment(obj: K8sObject) -> bool:
    return workloads.is_kustomize_fragment(obj.data)


def _containers(obj: K8sObject) -> list[ContainerView]:
    return list(workloads.containers_of(obj.pod_spec()))


def _references(obj: K8sObject) -> list[Any]:
    return list(references_of(obj.pod_spec(), obj.containers()))


@dataclass(slots=True)
class LoadResult:
    objects: list[K8sObject] = field(default_factory=list)
    problems: list[tuple[str, Problem]] = field(default_factory=list)
    """(rule name, problem) for input that could not be read as objects."""


def load_manifest_text(source: SourceFile, default_namespace: str, *, json_file: bool = False) -> LoadResult:
    """The objects of a YAML (or JSON) stream, and the problems met reading it."""
    result = LoadResult()
    documents, errors, duplicates = load_documents(source.text)
    if errors and json_file and not documents and all(error.kind == "syntax" for error in errors):
        fallback = _load_json(source, default_namespace)
        if fallback is not None:
            return fallback
    for error in errors:
        rule = ERROR_RULES[error.kind]
        result.problems.append(
            (rule, Problem(error.message, location=Location(source.display, error.line, error.column)))
        )
    for dup in duplicates:
        result.problems.append(
            (
                "duplicate-key",
                Problem(
                    f"key {dup.key!r} appears again (first on line {dup.first_line}); "
                    "Kubernetes rejects duplicate keys, most tools silently keep the last",
                    location=Location(source.display, dup.line, dup.column),
                ),
            )
        )
    sources = _source_comments(source.text) if "# Source: " in source.text else None
    previous_end = -1
    for document in documents:
        helm_source = None
        if sources is not None:
            helm_source = _source_for(sources, previous_end, document.start[0])
            previous_end = document.end[0]
        if document.data is None:
            continue  # an empty document: a bare '---' or only comments
        span = (source.text.rfind("\n", 0, document.start[1]) + 1, document.end[1])
        _add_document(result, source, document.index, document.tree, span, document.data, default_namespace, helm_source)
    return result


def _load_json(source: SourceFile, default_namespace: str) -> LoadResult | None:
    """JSON that the YAML parser refuses (surrogate escapes and the like); positions are then whole-file.

    Read with the YAML path's guards: nesting deeper than MAX_DEPTH is
    yaml-too-complex, a repeated key is duplicate-key, integers with more
    digits than Python converts and the NaN/Infinity literals stay text (as
    YAML reads them), and a lone surrogate escape (``"\\ud800"``, no Unicode
    character) is read as U+FFFD, as the API server's JSON reader does, and
    reported. None when Python's reader refuses the text too.
    """
    duplicates: list[str] = []

    def mapping(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for key, value in pairs:
            if key in data:
                duplicates.append(key)
            data[key] = value
        return data

    result = LoadResult()
    try:
        data = json.loads(source.text, object_pairs_hook=mapping, parse_int=_json_int, parse_constant=str)
        repaired = _repair_json(data)
    except RecursionError:
        repaired = None
    except ValueError:
        return None
    if repaired is None:
        message = f"nesting deeper than {MAX_DEPTH} levels; not parsed"
        result.problems.append(("yaml-too-complex", Problem(message, location=Location(source.display, 1, 1))))
        return result
    for key in dict.fromkeys(_repair_string(key) for key in duplicates):
        message = f"key {key!r} appears again; Kubernetes rejects duplicate keys, most tools silently keep the last"
        result.problems.append(("duplicate-key", Problem(message, location=Location(source.display, 1, 1))))
    if repaired:
        match = _LONE_SURROGATE.search(source.text)
        line = source.text.count("\n", 0, match.start()) + 1 if match else 1
        message = (
            f"{repaired} string{'s hold' if repaired != 1 else ' holds'} a lone surrogate escape "
            f"({match.group(0) if match else 'not a Unicode character'}); read as U+FFFD, as the API server does"
        )
        hint = "Write the character itself, or as a surrogate pair (\\ud83d\\ude00); a lone half is not text"
        problem = Problem(message, location=Location(source.display, line, 1), hint=hint, severity=Severity.WARNING)
        result.problems.append(("yaml-syntax", problem))
    if data is not None:
        _add_document(result, source, 0, (0, 0, None), (0, len(source.text)), data, default_namespace, None)
    return result


_LONE_SURROGATE = re.compile(
    r"\\u[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F])|(?<!\\u[dD][89abAB][0-9a-fA-F]{2})\\u[dD][c-fC-F][0-9a-fA-F]{2}"
)
_SURROGATE = re.compile("[\ud800-\udfff]")


def _json_int(text: str) -> int | str:
    try:
        return int(text)
    except ValueError:  # more digits than Python converts: Kubernetes' reader keeps such a number as text
        return text


def _repair_string(text: str) -> str:
    return text if text.isascii() else _SURROGATE.sub("\ufffd", text)


def _repair_json(data: Any) -> int | None:
    """Replace lone surrogates in the strings of ``data`` (in place); how many strings had one.

    None when ``data`` nests deeper than MAX_DEPTH. A walk with its own stack,
    so no depth exhausts Python's.
    """
    repaired = 0
    stack: list[tuple[Any, int]] = [(data, 0)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_DEPTH:
            return None
        if isinstance(value, dict):
            if any(not key.isascii() and _SURROGATE.search(key) for key in value):
                items = list(value.items())
                value.clear()
                for key, item in items:
                    fixed = _repair_string(key)
                    repaired += fixed != key
                    value[fixed] = item
            for key, item in value.items():
                if isinstance(item, str):
                    fixed = _repair_string(item)
                    if fixed is not item:
                        value[key] = fixed
                        repaired += fixed != item
                elif isinstance(item, (dict, list)):
                    stack.append((item, depth + 1))
        elif isinstance(value, list):
            for position, item in enumerate(value):
                if isinstance(item, str):
                    fixed = _repair_string(item)
                    if fixed is not item:
                        value[position] = fixed
                        repaired += fixed != item
                elif isinstance(item, (dict, list)):
                    stack.append((item, depth + 1))
    return repaired


def _source_comments(text: str) -> list[tuple[int, str]]:
    """(0-based line, template path) of every ``# Source:`` comment."""
    out = []
    line = counted = 0
    for match in _SOURCE_COMMENT.finditer(text):
        line += text.count("\n", counted, match.start())  # counted on from the previous comment
        counted = match.start()
        path = match.group(1)
        out.append((line, path[0] + path[1:].rstrip()))  # as (.+?)\s*$ read it: the first character stays
    return out


def _source_for(sources: list[tuple[int, str]], after: int, before: int) -> str | None:
    """The last ``# Source:`` comment between the previous document and this one."""
    index = bisect.bisect_left(sources, (before, "")) - 1
    if index >= 0 and sources[index][0] > after:
        return sources[index][1]
    return None


def _add_document(
    result: LoadResult,
    source: SourceFile,
    index: int,
    tree: PositionTree,
    span: tuple[int, int],
    data: Any,
    default_namespace: str,
    helm_source: str | None,
) -> None:
    if not isinstance(data, dict):
        what = "a list" if isinstance(data, list) else f"a {type(data).__name__} scalar"
        line, column, _ = locate(tree, ())
        result.problems.append(
            (
                "document-not-a-mapping",
                Problem(
                    f"document {index + 1} is {what}, not a Kubernetes object (a mapping)",
                    location=Location(source.display, line, column),
                ),
            )
        )
        return
    kind = data.get("kind")
    items = data.get("items")
    if isinstance(kind, str) and is_list_kind(kind) and isinstance(items, list) and "spec" not in data:
        item_trees = child(tree[2], "items")
        for position, item in enumerate(items):
            item_tree = (child(item_trees[2], position) if item_trees is not None else None) or tree
            if not isinstance(item, dict):
                where = locate(item_tree, ())
                result.problems.append(
                    (
                        "document-not-a-mapping",
                        Problem(
                            f"item {position} of {kind} is not a Kubernetes object (a mapping)",
                            location=Location(source.display, where[0], where[1]),
                        ),
                    )
                )
                continue
            obj = _make_object(item, source, index, item_tree, span, default_namespace, helm_source, position)
            _accept_object(result, obj)
        return
    _accept_object(result, _make_object(data, source, index, tree, span, default_namespace, helm_source, None))


def _make_object(
    data: dict[str, Any],
    source: SourceFile,
    index: int,
    tree: PositionTree,
    span: tuple[int, int],
    default_namespace: str,
    helm_source: str | None,
    item: int | None,
) -> K8sObject:
    kind = data.get("kind")
    metadata = data.get("metadata")
    namespace = metadata.get("namespace") if isinstance(metadata, dict) else None
    if not isinstance(namespace, str) or not namespace:
        namespace = None if isinstance(kind, str) and kind in CLUSTER_SCOPED_KINDS else default_namespace
    return K8sObject(data, source, index, tree, namespace, item, helm_source, span)


def _accept_object(result: LoadResult, obj: K8sObject) -> None:
    """Report missing apiVersion, kind or name; the object is linted all the same."""
    data = obj.data
    api_version, kind = data.get("apiVersion"), data.get("kind")
    if isinstance(api_version, str) and isinstance(kind, str) and is_tool_config(api_version, kind):
        return
    for field_name, value in (("apiVersion", api_version), ("kind", kind)):
        if not isinstance(value, str) or not value:
            result.problems.append(
                ("missing-field", Problem(_missing(field_name, value), path=(field_name,), subject=obj))
            )
    metadata = data.get("metadata")
    if not isinstance(metadata, dict):
        result.problems.append(
            ("missing-field", Problem(_missing("metadata", metadata), path=("metadata",), subject=obj))
        )
    elif not _string(metadata.get("name")) and not _string(metadata.get("generateName")):
        result.problems.append(
            (
                "missing-field",
                Problem(_missing("metadata.name", metadata.get("name")), path=("metadata", "name"), subject=obj),
            )
        )
    result.objects.append(obj)


def _missing(field_name: str, value: Any) -> str:
    if value is None or value == "":
        return f"{field_name} is missing"
    return f"{field_name} must be {'a mapping' if field_name == 'metadata' else 'a string'}, not {type(value).__name__}"
