"""YAML loading that is safe, fast, and faithful to how Kubernetes reads YAML.

* Only the safe constructor is ever used (libyaml's C parser when present):
  tags that would build Python objects are refused.
* The YAML 1.1 resolver of PyYAML is narrowed where Kubernetes (go-yaml) reads
  the same plain scalar differently: sexagesimal numbers (``1:30``) and
  timestamps stay strings, and a plain ``=`` is a string, not the ``value`` tag.
* Duplicate keys in a mapping are recorded rather than silently dropped.
* Every document keeps its node tree, so the line and column of any field can
  be found when a finding needs it (nothing is computed up front).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

_BaseLoader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_INT = re.compile(
    r"""^(?:[-+]?0b[0-1_]+
    |[-+]?0[0-7_]+
    |[-+]?(?:0|[1-9][0-9_]*)
    |[-+]?0x[0-9a-fA-F_]+)$""",
    re.VERBOSE,
)
_FLOAT = re.compile(
    r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?
    |\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?
    |[-+]?\.(?:inf|Inf|INF)
    |\.(?:nan|NaN|NAN))$""",
    re.VERBOSE,
)
_MERGE = "tag:yaml.org,2002:merge"
_DROPPED_TAGS = {
    "tag:yaml.org,2002:timestamp",
    "tag:yaml.org,2002:value",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
}


def _kubernetes_resolvers() -> dict[str | None, list[tuple[str, re.Pattern[str]]]]:
    resolvers: dict[str | None, list[tuple[str, re.Pattern[str]]]] = {}
    for first, entries in yaml.resolver.Resolver.yaml_implicit_resolvers.items():
        kept = [(tag, rx) for tag, rx in entries if tag not in _DROPPED_TAGS]
        if kept:
            resolvers[first] = kept
    for first in "-+0123456789.":
        resolvers.setdefault(first, []).append(("tag:yaml.org,2002:float", _FLOAT))
    for first in "-+0123456789":
        resolvers.setdefault(first, []).append(("tag:yaml.org,2002:int", _INT))
    return resolvers


@dataclass(frozen=True, slots=True)
class DuplicateKey:
    key: str
    line: int  # 1-based
    column: int
    first_line: int


class KubernetesSafeLoader(_BaseLoader):  # type: ignore[misc, valid-type]
    """The safe loader with Kubernetes' scalar resolution and duplicate-key recording."""

    yaml_implicit_resolvers = _kubernetes_resolvers()

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        self.duplicate_keys: list[DuplicateKey] = []

    def construct_mapping(self, node: Node, deep: bool = False) -> dict[Any, Any]:
        if isinstance(node, MappingNode):
            seen: dict[str, Node] = {}
            for key_node, _ in node.value:
                if not isinstance(key_node, ScalarNode) or key_node.tag == _MERGE:
                    continue
                first = seen.setdefault(key_node.value, key_node)
                if first is not key_node:
                    mark = key_node.start_mark
                    self.duplicate_keys.append(
                        DuplicateKey(
                            key_node.value, mark.line + 1, mark.column + 1, first.start_mark.line + 1
                        )
                    )
        return super().construct_mapping(node, deep=deep)


def locate(node: Node, path: tuple[Any, ...]) -> tuple[int, int, int]:
    """The 1-based (line, column) of ``path`` below ``node``, and how many parts were found.

    A mapping key points at the key itself (the ``cpu:`` line), a list item
    at the item. When the path runs out of the tree, the deepest existing
    node is returned: a finding about a missing field points at its parent.
    """
    mark = node.start_mark
    found = 0
    current: Node | None = node
    for part in path:
        nxt = child(current, part) if current is not None else None
        if nxt is None:
            break
        key_node, current = nxt
        mark = (key_node or current).start_mark
        found += 1
    return mark.line + 1, mark.column + 1, found


def child(node: Node, part: Any) -> tuple[Node | None, Node] | None:
    if isinstance(node, MappingNode):
        wanted = str(part)
        merged: list[Node] = []
        for key_node, value_node in node.value:
            if isinstance(key_node, ScalarNode):
                if key_node.tag == _MERGE:
                    merged.append(value_node)
                elif key_node.value == wanted:
                    return key_node, value_node
        for source in merged:
            for candidate in source.value if isinstance(source, SequenceNode) else [source]:
                found = child(candidate, part)
                if found is not None:
                    return found
    elif isinstance(node, SequenceNode) and isinstance(part, int):
        if 0 <= part < len(node.value):
            return None, node.value[part]
    return None


@dataclass(slots=True)
class LoadedDocument:
    index: int
    node: Node
    data: Any


ERROR_RULES = {"syntax": "yaml-syntax", "tag": "unsupported-yaml-tag", "complex": "yaml-too-complex"}


@dataclass(slots=True)
class DocumentError:
    """A document or stream that could not be loaded."""

    kind: str  # "syntax", "tag" or "complex"
    message: str
    line: int
    column: int


MAX_NODES = 1_000_000
"""Nodes a document may expand to through its aliases (a "billion laughs" stops here)."""
MAX_DEPTH = 1000
_DEEP_FLOW = re.compile(r"[\[{](?:[ \t\r\n]*[\[{]){%d}" % MAX_DEPTH)
_DEEP_BLOCK = re.compile(r"^ {%d}" % (MAX_DEPTH * 2), re.MULTILINE)


def too_deep(text: str) -> bool:
    """Nesting deep enough to exhaust a parser's stack, found without parsing."""
    return bool(_DEEP_FLOW.search(text) or _DEEP_BLOCK.search(text))


def expanded_size(node: Node, limit: int = MAX_NODES) -> int | None:
    """How many nodes a document expands to when aliases are followed; None if over ``limit`` or cyclic.

    Aliases share node objects, so sizes are memoised per node and the walk
    never expands them.
    """
    sizes: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[Node, bool]] = [(node, False)]
    while stack:
        current, children_done = stack.pop()
        key = id(current)
        if children_done:
            on_path.discard(key)
            children = _children(current)
            total = 1 + sum(sizes[id(child)] for child in children)
            if total > limit:
                return None
            sizes[key] = total
            continue
        if key in sizes:
            continue
        if key in on_path:
            return None  # an alias to one of its own ancestors
        on_path.add(key)
        stack.append((current, True))
        stack.extend((child, False) for child in _children(current) if id(child) not in sizes)
    return sizes[id(node)]


def _children(node: Node) -> list[Node]:
    if isinstance(node, MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, SequenceNode):
        return list(node.value)
    return []


def load_documents(
    text: str,
) -> tuple[list[LoadedDocument], list[DocumentError], list[DuplicateKey]]:
    """Every document of a YAML stream, with the errors and duplicate keys found.

    A constructor error (such as a refused tag) spoils only its document; a
    syntax error ends the stream, and the documents before it are kept.
    Streams nested deeper than any parser's stack allows, and documents whose
    aliases expand beyond reason, are refused as "too-complex" errors.
    """
    documents: list[LoadedDocument] = []
    errors: list[DocumentError] = []
    if too_deep(text):
        errors.append(DocumentError("complex", f"nesting deeper than {MAX_DEPTH} levels; not parsed", 1, 1))
        return documents, errors, []
    loader = KubernetesSafeLoader(text)
    aliases = "*" in text
    index = 0
    try:
        while loader.check_node():
            node = loader.get_node()
            if aliases and expanded_size(node) is None:
                mark = node.start_mark
                errors.append(
                    DocumentError(
                        "complex",
                        f"document {index + 1} refers to itself through aliases, or its aliases expand to more than "
                        f"{MAX_NODES:,} nodes (an alias bomb); not linted",
                        mark.line + 1,
                        mark.column + 1,
                    )
                )
                index += 1
                continue
            try:
                data = loader.construct_document(node)
            except yaml.constructor.ConstructorError as exc:
                _reset(loader)
                errors.append(_constructor_error(exc, node))
            except RecursionError:
                _reset(loader)
                mark = node.start_mark
                errors.append(DocumentError("complex", "nesting too deep to read", mark.line + 1, mark.column + 1))
            else:
                documents.append(LoadedDocument(index, node, data))
            index += 1
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        errors.append(DocumentError("syntax", _syntax_message(exc), line, column))
    except yaml.YAMLError as exc:  # reader errors: control characters and the like
        errors.append(DocumentError("syntax", str(exc).splitlines()[0], 1, 1))
    except RecursionError:
        errors.append(DocumentError("complex", "nesting too deep to read", 1, 1))
    finally:
        loader.dispose()
    return documents, errors, loader.duplicate_keys


def _reset(loader: Any) -> None:
    loader.constructed_objects = {}
    loader.recursive_objects = {}
    loader.state_generators = []
    loader.deep_construct = False


def _syntax_message(exc: yaml.MarkedYAMLError) -> str:
    parts = [p for p in (exc.context, exc.problem) if p]
    return " ".join(parts) if parts else "invalid YAML"


def _constructor_error(exc: yaml.constructor.ConstructorError, node: Node) -> DocumentError:
    mark = exc.problem_mark or node.start_mark
    problem = exc.problem or "cannot construct this document"
    match = re.search(r"tag '([^']*)'", problem)
    if match:
        tag = match.group(1)
        short = "!!" + tag.removeprefix("tag:yaml.org,2002:") if tag.startswith("tag:yaml.org,2002:") else tag
        if tag.startswith("tag:yaml.org,2002:python/"):
            message = f"the tag {short} constructs a Python object; k8slint refuses it"
        else:
            message = f"the tag {short} is not a YAML type that Kubernetes understands"
        return DocumentError("tag", message, mark.line + 1, mark.column + 1)
    return DocumentError("syntax", problem, mark.line + 1, mark.column + 1)
