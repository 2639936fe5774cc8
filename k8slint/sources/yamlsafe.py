"""YAML loading that is safe, fast, and faithful to how Kubernetes reads YAML.

* Only the safe constructor is ever used (libyaml's C parser when present):
  tags that would build Python objects are refused.
* Plain scalars resolve as go-yaml v2 resolves them (kubectl and the API server
  decode manifests with it), not as PyYAML's YAML 1.1 resolver does: ``y`` and
  ``n`` are booleans too, integers are what Go's ``ParseInt`` reads once every
  ``_`` is gone (``0o17``, ``0X1F``), ``1e3`` and ``08`` are floats, and
  sexagesimal numbers (``1:30``), timestamps and a plain ``=`` stay strings.
* Duplicate keys in a mapping are recorded rather than silently dropped.
* Every document keeps its positions, so the line and column of any field can be
  found when a finding needs it; the parser's node tree, many times larger, is
  dropped once the document is built. A plain document keeps one text offset
  per node (FlatPositions), any other a position tree (PositionTree).
* Documents in the plain subset that manifests use (no aliases, merge keys, or
  tags beyond str, int, float, bool, null, map and seq) are built by a direct walk of the node tree, several times
  faster than PyYAML's constructor; everything else goes through the latter.
  That walk also resolves the tags of untagged scalars (_LazyTagLoader), so that
  libyaml's composer calls no Python code per node.
"""

from __future__ import annotations

import math
import re
from array import array
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from k8slint import rulecodes
from k8slint.model.numbers import is_ascii_digits
from k8slint.model.positions import FlatPositions, Positions, PositionTree, leaf, locate, offsets_are_positions, tree_of
from k8slint.model.texts import Text

if TYPE_CHECKING:
    from k8slint.sources.safefs import Roots

_BaseLoader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


_INT_TEXT = re.compile(r"[-+]?(?:0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)")
_FLOAT_TEXT = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?")
_INT_BASES = {"0x": 16, "0o": 8, "0b": 2}


def go_int(plain: str) -> int | None:
    """The integer go-yaml v2 reads ``plain`` (no ``_`` left) as, or None.

    ``strconv.ParseInt(plain, 0, 64)``, then ``ParseUint`` (no sign) for what is above int64:
    a sign, ``0x``/``0X`` hexadecimal, ``0o``/``0O`` or a leading ``0`` octal, ``0b``/``0B``
    binary or decimal digits, within 64 bits.
    """
    if not _INT_TEXT.fullmatch(plain):
        return None
    signed = plain[0] in "+-"
    digits = plain[1:] if signed else plain
    base = _INT_BASES.get(digits[:2].lower())
    if base is not None:
        digits = digits[2:]
    else:
        base = 8 if digits[0] == "0" and len(digits) > 1 else 10
    digits = digits.lstrip("0") or "0"
    if len(digits) > 64:
        return None  # above 64 bits in any base
    value = int(digits, base)
    if plain[0] == "-":
        return -value if value <= 1 << 63 else None
    return value if value < 1 << 63 or (not signed and value < 1 << 64) else None


def go_float(plain: str) -> float | None:
    """The float go-yaml v2 reads ``plain`` (no ``_`` left, not an integer) as, or None: its float
    pattern, and ``strconv.ParseFloat`` without a range error (an overflow stays text)."""
    if not _FLOAT_TEXT.fullmatch(plain):
        return None
    value = float(plain)
    return None if math.isinf(value) else value


class _GoNumber:
    """A plain scalar's number grammar as go-yaml v2 reads it (``resolve`` in resolve.go of
    sigs.k8s.io/yaml/goyaml.v2, what kubectl and the API server decode manifests with).

    go-yaml drops every ``_``, tries :func:`go_int`, and takes what fails that (``08``,
    ``1e3``, ``1.5``, a decimal above 64 bits) as :func:`go_float`; what neither reads is a
    string. An object with the ``match`` of a compiled pattern, as PyYAML's resolver asks,
    since the ``_`` must go before either test.
    """

    def __init__(self, floats: bool) -> None:
        self.floats = floats

    def match(self, text: str) -> bool:
        plain = text.replace("_", "")
        if go_int(plain) is not None:
            return not self.floats
        return self.floats and go_float(plain) is not None


_INT = _GoNumber(floats=False)
_FLOAT = _GoNumber(floats=True)
_SPECIAL_FLOAT = re.compile(r"^(?:[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$")
_BOOL_WORDS = re.compile(r"^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$")
"""go-yaml v2's booleans: YAML 1.1's words, ``y`` and ``n`` among them (resolveMapList)."""
_MERGE = "tag:yaml.org,2002:merge"
_DROPPED_TAGS = {
    "tag:yaml.org,2002:timestamp",
    "tag:yaml.org,2002:value",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
}


def _kubernetes_resolvers() -> dict[str | None, list[tuple[str, Any]]]:
    resolvers: dict[str | None, list[tuple[str, Any]]] = {}
    for first, entries in yaml.resolver.Resolver.yaml_implicit_resolvers.items():
        kept = [(tag, rx) for tag, rx in entries if tag not in _DROPPED_TAGS]
        if kept:
            resolvers[first] = kept
    for first in "yYnNtTfFoO":
        resolvers.setdefault(first, []).append(("tag:yaml.org,2002:bool", _BOOL_WORDS))
    for first in "-+0123456789":  # an integer before a float, as go-yaml tries them
        resolvers.setdefault(first, []).append(("tag:yaml.org,2002:int", _INT))
    for first in "-+0123456789.":
        resolvers.setdefault(first, []).append(("tag:yaml.org,2002:float", _FLOAT))
    for first in "-+.":
        resolvers[first].append(("tag:yaml.org,2002:float", _SPECIAL_FLOAT))
    return resolvers


@dataclass(frozen=True, slots=True)
class DuplicateKey:
    key: str
    line: int  # 1-based
    column: int
    first_line: int


_STR = "tag:yaml.org,2002:str"
_INT_TAG = "tag:yaml.org,2002:int"
_FLOAT_TAG = "tag:yaml.org,2002:float"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
_PLAIN_TAGS: dict[str, str] = {}
"""The tag of each plain scalar resolved so far (keys and values repeat across documents)."""
_PLAIN_TAGS_LIMIT = 100_000


class KubernetesSafeLoader(_BaseLoader):
    """The safe loader with Kubernetes' scalar resolution and duplicate-key recording."""

    yaml_implicit_resolvers = _kubernetes_resolvers()
    bool_values: ClassVar[dict[str, bool]] = {**yaml.constructor.SafeConstructor.bool_values, "y": True, "n": False}

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        self.duplicate_keys: list[DuplicateKey] = []

    def resolve(self, kind: type, value: Any, implicit: tuple[bool, bool]) -> str:
        # The loader has no path resolvers, so a tag depends on the node kind and, for a
        # plain scalar, on its text alone: remember it (the parser asks for every scalar).
        if kind is ScalarNode:
            if not implicit[0]:
                return _STR
            tag = _PLAIN_TAGS.get(value)
            if tag is None:
                tag = super().resolve(kind, value, implicit)
                if len(_PLAIN_TAGS) < _PLAIN_TAGS_LIMIT and len(value) <= 64:
                    _PLAIN_TAGS[value] = tag
            return tag
        return super().resolve(kind, value, implicit)

    def construct_mapping(self, node: Node, deep: bool = False) -> dict[Any, Any]:
        if isinstance(node, MappingNode):
            seen: dict[str, Node] = {}
            for key_node, _ in node.value:
                if not isinstance(key_node, ScalarNode) or key_node.tag == _MERGE:
                    continue
                first = seen.setdefault(key_node.value, key_node)
                if first is not key_node:
                    mark = key_node.start_mark
                    self.duplicate_keys.append(DuplicateKey(key_node.value, mark.line + 1, mark.column + 1, first.start_mark.line + 1))
        return super().construct_mapping(node, deep=deep)

    # Explicit tags on text they cannot read (``!!int abc``, ``!!bool maybe``) are
    # errors in the document, as they are for Kubernetes, not crashes.

    def construct_yaml_int(self, node: ScalarNode) -> Any:
        value = go_int(node.value.replace("_", ""))
        if value is None:
            raise _unreadable(node, "an integer (!!int)")
        return value

    def construct_yaml_float(self, node: ScalarNode) -> Any:
        try:
            return super().construct_yaml_float(node)
        except ValueError:
            raise _unreadable(node, "a number (!!float)") from None

    def construct_yaml_bool(self, node: ScalarNode) -> Any:
        try:
            return super().construct_yaml_bool(node)
        except KeyError:
            raise _unreadable(node, "a boolean (!!bool)") from None


def _unreadable(node: ScalarNode, what: str) -> yaml.constructor.ConstructorError:
    return yaml.constructor.ConstructorError(None, None, f"{node.value!r} is not {what}", node.start_mark)


KubernetesSafeLoader.add_constructor(_INT_TAG, KubernetesSafeLoader.construct_yaml_int)
KubernetesSafeLoader.add_constructor(_FLOAT_TAG, KubernetesSafeLoader.construct_yaml_float)
KubernetesSafeLoader.add_constructor(_BOOL, KubernetesSafeLoader.construct_yaml_bool)


class _Unusual(Exception):
    """A node outside the plain subset (tags, merge keys, complex keys): PyYAML's constructor builds it."""


class _LazyTagLoader(KubernetesSafeLoader):
    """The loader that load_documents parses with: tags of untagged nodes are resolved when built.

    libyaml's composer calls ``resolve`` for every node, and ``descend_resolver``
    and ``ascend_resolver`` around each: as Python methods, a fifth of the
    composing time. Here they are C builtins: ``slice`` keeps the arguments of
    ``resolve`` as the node's tag, for _build (or _settle_tags, before PyYAML's
    constructor) to resolve exactly as KubernetesSafeLoader.resolve does; the
    path-resolver hooks do nothing, as without path resolvers they did.
    """

    resolve = staticmethod(slice)  # type: ignore[assignment]
    descend_resolver = staticmethod(slice)
    ascend_resolver = staticmethod(tuple)


def _settle_tags(node: Node, loader: KubernetesSafeLoader) -> None:
    """Give every node of a document parsed by _LazyTagLoader the tag KubernetesSafeLoader gives it."""
    resolve = KubernetesSafeLoader.resolve
    stack, seen = [node], set()
    while stack:
        current = stack.pop()
        tag = current.tag
        if type(tag) is slice:
            current.tag = resolve(loader, tag.start, tag.stop, tag.step)
        if type(current) is ScalarNode or id(current) in seen:
            continue  # a collection is walked once, however many aliases name it
        seen.add(id(current))
        if type(current) is MappingNode:
            for pair in current.value:
                stack.extend(pair)
        else:
            stack.extend(current.value)


_BOOLS = KubernetesSafeLoader.bool_values
_MISSING = object()
_PLAIN_VALUES: dict[str, Any] = {}
"""The value of each plain scalar built so far, by its text (a string maps to itself): keys and
values repeat across documents, and each is then one object rather than one per occurrence."""


def _plain(node: ScalarNode, loader: KubernetesSafeLoader) -> Any:
    """The value of a plain untagged scalar not yet in _PLAIN_VALUES."""
    text = node.value
    tag = node.tag = yaml.resolver.Resolver.resolve(loader, ScalarNode, text, (True, False))
    value = text if tag == _STR else _scalar(node, tag, loader)
    if len(_PLAIN_VALUES) < _PLAIN_TAGS_LIMIT and len(text) <= 64:
        _PLAIN_VALUES[text] = value
    return value


def _scalar(node: ScalarNode, tag: str, loader: KubernetesSafeLoader) -> Any:
    if tag == _INT_TAG:
        text = node.value
        if is_ascii_digits(text) and len(text) < 19 and (text[0] != "0" or len(text) == 1):  # not "²"
            return int(text)
        return loader.construct_yaml_int(node)
    if tag == _BOOL:
        value = _BOOLS.get(node.value.lower())
        return value if value is not None else loader.construct_yaml_bool(node)
    if tag == _NULL:
        return None
    if tag == _FLOAT_TAG:
        return loader.construct_yaml_float(node)
    raise _Unusual


def _value(node: ScalarNode, loader: KubernetesSafeLoader) -> Any:
    """The value of a scalar: tagged by KubernetesSafeLoader, or left to resolve by _LazyTagLoader."""
    tag = node.tag
    if type(tag) is slice:
        if not tag.step[0]:  # quoted, or a block scalar
            return node.value
        value = _PLAIN_VALUES.get(node.value, _MISSING)
        return _plain(node, loader) if value is _MISSING else value
    return node.value if tag == _STR else _scalar(node, tag, loader)


def _build(
    node: Node,
    loader: KubernetesSafeLoader,
    marks: array[int],
    odd: list[DuplicateKey | None],
    leaves: dict[tuple[tuple[str, str], ...], dict[str, str]] | None,
    plain: dict[str, Any] = _PLAIN_VALUES,
) -> Any:
    """The data of a node without aliases; the marks of its children go to ``marks`` (as FlatPositions reads them).

    Builds what PyYAML's safe constructor builds (a test holds the two equal),
    about five times faster: one plain recursive walk instead of a generator
    per collection. Anything else raises _Unusual. Scalars, most of a
    manifest, are taken inline in both loops rather than through a call (a
    plain one from _PLAIN_VALUES by its text): this is the hottest code of a run.
    ``odd`` gets each repeated key, and None for each mapping with a key that
    is not a string: either way the document's marks do not follow its data,
    and it keeps a PositionTree. With ``leaves`` (see :func:`_shared_leaf`), a mapping of scalars
    equal to one built before is that one.
    """
    if type(node) is MappingNode:
        tag = node.tag
        if type(tag) is not slice and tag != _MAP:
            raise _Unusual
        data: dict[Any, Any] = {}
        append = marks.append
        texts = leaf = True
        for key_node, value_node in node.value:
            if type(key_node) is not ScalarNode:
                raise _Unusual
            tag = key_node.tag
            if type(tag) is not slice:
                key = key_node.value if tag == _STR else _scalar(key_node, tag, loader)
            elif tag.step[0]:
                try:
                    key = plain[key_node.value]
                except KeyError:
                    key = _plain(key_node, loader)
            else:
                key = key_node.value
            if type(key) is not str:
                texts = False
            append(key_node.start_mark.index)
            if type(value_node) is ScalarNode:
                tag = value_node.tag
                if type(tag) is not slice:
                    value = value_node.value if tag == _STR else _scalar(value_node, tag, loader)
                elif tag.step[0]:
                    try:
                        value = plain[value_node.value]
                    except KeyError:
                        value = _plain(value_node, loader)
                else:
                    value = value_node.value
            else:
                leaf = False
                slot = len(marks)
                append(0)
                value = _build(value_node, loader, marks, odd, leaves)
                marks[slot] = len(marks)
            data[key] = value
        if not texts:
            odd.append(None)
        if not texts or len(data) != len(node.value):
            _repeated_keys(node, odd)
        elif leaf and leaves is not None:
            return _shared_leaf(data, leaves)
        return data
    if type(node) is SequenceNode:
        tag = node.tag
        if type(tag) is not slice and tag != _SEQ:
            raise _Unusual
        items: list[Any] = []
        append = marks.append
        for item in node.value:
            append(item.start_mark.index)
            if type(item) is ScalarNode:
                tag = item.tag
                if type(tag) is not slice:
                    value = item.value if tag == _STR else _scalar(item, tag, loader)
                elif tag.step[0]:
                    try:
                        value = plain[item.value]
                    except KeyError:
                        value = _plain(item, loader)
                else:
                    value = item.value
            else:
                slot = len(marks)
                append(0)
                value = _build(item, loader, marks, odd, leaves)
                marks[slot] = len(marks)
            items.append(value)
        return items
    if type(node) is ScalarNode:
        return _value(node, loader)
    raise _Unusual


_SHARED_LEAVES: dict[tuple[Any, ...], dict[str, Any]] = {}
"""The mappings of scalars built so far (labels, selectors, env entries, resource requests,
ports), by their items: equal ones across documents are then one dict. A run keeps each
document's data to its end, and on generated manifests these are 40% of its mappings; the data
does not change after loading, so sharing them changes nothing a rule reads (no rule tells them
apart by identity; what YAML aliases build is shared in the same way)."""
_SHARED_LEAVES_LIMIT = 100_000
_SHARED_TYPES = frozenset({str, int, bool, type(None)})
"""The values a shared mapping may hold, told apart by type (``1`` equals ``True``
in Python, not in YAML). Floats are not shared: ``0.0`` equals ``-0.0``, and a report quotes each
as written."""


def forget_shared_mappings() -> None:
    """Empty the table of shared mappings: each run starts its own (a long-running process, such as
    the editor's server, then keeps no mapping of a run past that run's objects)."""
    _SHARED_LEAVES.clear()


def _shared_leaf(data: dict[str, Any], leaves: dict[tuple[Any, ...], dict[str, Any]]) -> dict[str, Any]:
    """``data`` (a mapping with distinct string keys and scalar values), or the equal one built
    before: the same keys in the same order, and values of the same types and equal (so ``1``,
    ``true`` and ``"1"``, ``"true"`` stay apart)."""
    key: tuple[Any, ...]
    for value in data.values():
        if type(value) is not str:
            kinds = tuple(map(type, data.values()))
            if not _SHARED_TYPES.issuperset(kinds):
                return data
            key = (kinds, *data, *data.values())
            break
    else:  # strings alone, the common case: never one of the keys above (a tuple of types first)
        key = (*data, *data.values())  # the keys, then the values: one flat tuple (a table entry outlives many mappings)
    found = leaves.get(key)
    if found is not None:
        return found
    if len(leaves) < _SHARED_LEAVES_LIMIT:
        leaves[key] = data
    return data


def _repeated_keys(node: MappingNode, odd: list[DuplicateKey | None]) -> None:
    """Add to ``odd`` each key of a mapping whose text an earlier key has (the text, not the value:
    ``1`` and ``"1"`` repeat, ``1`` and ``1.0`` do not, as the tree's children are keyed)."""
    seen: dict[str, Node] = {}
    for key_node, _ in node.value:
        first = seen.setdefault(key_node.value, key_node)
        if first is not key_node:
            mark = key_node.start_mark
            odd.append(DuplicateKey(key_node.value, mark.line + 1, mark.column + 1, first.start_mark.line + 1))


def _build_document(
    node: Node, loader: KubernetesSafeLoader, text: Text | None, share: bool = False
) -> tuple[Any, Positions, list[DuplicateKey]]:
    """The data, positions and repeated keys of a document without aliases; _Unusual for anything else.

    A document whose every mapping has distinct string keys keeps FlatPositions
    on its ``text``; any other (rare: a repeated key is reported anyway), or one
    whose text is None (the parser's offsets are not its positions), the
    PositionTree the node tree gives.
    """
    marks: array[int] = array("I")
    odd: list[DuplicateKey | None] = []
    data = _build(node, loader, marks, odd, _SHARED_LEAVES if share else None)
    mark = node.start_mark
    if not odd and text is not None:
        return data, FlatPositions(data, marks, 0, mark.index, mark.line, text), []
    duplicates = sorted((d for d in odd if d is not None), key=lambda d: (d.line, d.column))  # in document order
    return data, (mark.line, mark.column, _children_tree(node, {})), duplicates


def _children_tree(node: Node, memo: dict[int, Any]) -> Any:
    """The children's position trees of any node (aliases shared, merge keys followed)."""
    key = id(node)
    if key in memo:
        return memo[key]
    if isinstance(node, MappingNode):
        children: dict[str, Any] = {}
        memo[key] = children
        merged: list[Node] = []
        styles: dict[str, str | None] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                continue
            if key_node.tag == _MERGE:
                merged.append(value_node)
            elif styles.setdefault(key_node.value, key_node.style) == key_node.style:
                # a repeated key is where its last value is, the one the data holds (and kubectl applies); a key
                # of the same text in another style (`'on'` and `on`: a string and a boolean) is another key
                mark = key_node.start_mark
                below = _children_tree(value_node, memo)
                children.pop(key_node.value, None)
                children[key_node.value] = leaf(mark.line, mark.column) if below is None else (mark.line, mark.column, below)
        for source in merged:  # explicit keys first, then each merged mapping in order
            for candidate in source.value if isinstance(source, SequenceNode) else [source]:
                below = _children_tree(candidate, memo)
                if isinstance(below, dict):
                    for name, tree in below.items():
                        children.setdefault(name, tree)
        return children
    if isinstance(node, SequenceNode):
        trees: list[Any] = []
        memo[key] = trees
        for item in node.value:
            mark = item.start_mark
            below = _children_tree(item, memo)
            trees.append(leaf(mark.line, mark.column) if below is None else (mark.line, mark.column, below))
        return trees
    return None


def _construct(loader: KubernetesSafeLoader, node: Node, shared: bool, text: Text | None, share: bool = False) -> tuple[Any, Positions]:
    """A document's data and positions; ``shared`` when it may hold aliases; ``text`` and ``share`` as for _build_document."""
    if not shared:
        try:
            data, positions, duplicates = _build_document(node, loader, text, share)
        except _Unusual:
            pass
        else:
            loader.duplicate_keys.extend(duplicates)
            return data, positions
    if isinstance(loader, _LazyTagLoader):
        _settle_tags(node, loader)
    children = _children_tree(node, {})  # first: the constructor rewrites mappings with merge keys
    mark = node.start_mark
    return loader.construct_document(node), (mark.line, mark.column, children)


@dataclass(slots=True)
class LoadedDocument:
    index: int
    positions: Positions
    data: Any
    start: tuple[int, int]
    """(0-based line, offset) where the document's content starts."""
    end: tuple[int, int]
    """(0-based line, offset) where it ends."""

    @property
    def tree(self) -> PositionTree:
        """The document's PositionTree (built once, where the loader kept FlatPositions)."""
        return tree_of(self.positions)


ERROR_RULES: dict[str, rulecodes.RuleCode] = {
    "syntax": rulecodes.YAML_SYNTAX,
    "tag": rulecodes.UNSUPPORTED_YAML_TAG,
    "complex": rulecodes.YAML_TOO_COMPLEX,
}


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


_BLOCK_INDENT = " " * (MAX_DEPTH * 2)
# An anchor (``&`` and a name) starts a node: at a line's start (after indentation), after `key:`,
# `- ` or `? `, after a flow `[`, `{` or `,`, or after a tag. Over-matching (a `&` at the start of a
# line of a block scalar, say) only costs the alias check below; no real anchor is missed.
_ANCHOR_NAME = re.compile(r"&[^ \t\r\n\[\]{},]")
_ANCHOR = re.compile(r"(?:^[ \t]*|[-:?][ \t]+|[\[{,][ \t]*|![^ \t\r\n]*[ \t]+)&[^ \t\r\n\[\]{},]", re.MULTILINE)
_ANCHORS_CHECKED_ONE_BY_ONE = 100


def _starts_node(text: str, at: int) -> bool:
    """Whether the ``&`` at ``at`` stands where a node may start (what comes before it, in the
    line: only blanks; ``[``, ``{`` or ``,`` and blanks; ``-``, ``:`` or ``?`` and one blank or
    more; a word holding a tag's ``!`` and one blank or more)."""
    start = at
    while start > 0 and text[start - 1] in " \t":
        start -= 1
    if start == 0 or text[start - 1] == "\n":
        return True
    before = text[start - 1]
    if before in "[{,":
        return True
    if start == at:
        return False
    if before in "-:?":
        return True
    word = start
    while word > 0 and text[word - 1] not in " \t\r\n":
        word -= 1
    return "!" in text[word:start]


def too_deep(text: str) -> bool:
    """Nesting deep enough to exhaust a parser's stack, found without parsing (the counts first:
    most files hold far fewer brackets, or no line indented that far)."""
    if text.count("[") + text.count("{") > MAX_DEPTH and _DEEP_FLOW.search(text):
        return True
    return _BLOCK_INDENT in text and bool(_DEEP_BLOCK.search(text))


def may_alias(text: str) -> bool:
    """Whether the text may use an alias: it needs a ``*`` and an anchor. Without an anchor no
    alias can expand (an alias to an undefined anchor is a parse error), so the alias-bomb
    check is not needed. Shell and CEL ``&&`` inside values are not anchors."""
    if "&" not in text or "*" not in text:
        return False
    # Each `&` is found by a literal scan and only what precedes it is read (a CRD of megabytes
    # holds a few); in a text dense with them, the expression reads the rest of it in one pass.
    for checked, found in enumerate(_ANCHOR_NAME.finditer(text)):
        at = found.start()
        if checked == _ANCHORS_CHECKED_ONE_BY_ONE:
            return _ANCHOR.search(text, text.rfind("\n", 0, at) + 1) is not None
        if _starts_node(text, at):
            return True
    return False


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


def _break_cycles(node: Node) -> None:
    """Empty the collections of a refused document, so that one that refers to itself
    leaves no reference cycle behind (the engine loads with the cyclic collector paused)."""
    stack, seen = [node], set()
    while stack:
        current = stack.pop()
        if id(current) in seen or not isinstance(current, (MappingNode, SequenceNode)):
            continue
        seen.add(id(current))
        stack.extend(_children(current))
        current.value = []


def _children(node: Node) -> list[Node]:
    if isinstance(node, MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, SequenceNode):
        return list(node.value)
    return []


Loaded = tuple[list[LoadedDocument], list[DocumentError], list[DuplicateKey]]

GO_ESCAPES_MAX = 256
"""How many ``\\'`` escapes in double-quoted scalars one file is read again for (see :func:`load_documents`)."""
_BELL = "\x07"


def load_documents(text: str, *, share: bool = False, holder: Text | None = None) -> Loaded:
    """Every document of a YAML stream, with the errors and duplicate keys found (:func:`_load_once`).

    go-yaml, which kubectl and the API server read YAML with, takes ``\\'`` in a double-quoted scalar for a
    quote (scannerc.go, yaml_parser_scan_flow_scalar); libyaml refuses it ("found unknown escape character").
    Where that is the error, at a ``\\'``, the text is read again with that escape written ``\\a`` (the same
    length, so every position stays), and the bell characters it gives are quotes again in the data: unless the
    text already holds a ``\\a`` escape or a bell character, which would then be read wrong.
    """
    found = _load_once(text, share=share, holder=holder)
    if not found[1] or "\\'" not in text or "\\a" in text or _BELL in text:
        return found
    fixed = text
    for _ in range(GO_ESCAPES_MAX):
        error = next((e for e in found[1] if e.kind == "syntax" and e.message.endswith("found unknown escape character")), None)
        offset = _offset(fixed, error.line, error.column) if error is not None else -1
        if error is None or fixed[offset : offset + 2] != "\\'":
            break
        fixed = f"{fixed[:offset]}\\a{fixed[offset + 2 :]}"
        found = _load_once(fixed, share=share, holder=None)
    if fixed is text:
        return found
    for document in found[0]:
        document.data = _quotes_again(document.data)
    return found


def _offset(text: str, line: int, column: int) -> int:
    """The offset of a 1-based line and column in ``text``."""
    start = 0
    for _ in range(line - 1):
        start = text.find("\n", start) + 1
        if start == 0:
            return -1
    return start + column - 1


def _quotes_again(data: Any) -> Any:
    """``data`` with each bell character in its strings (keys too) a quote again (load_documents); in place."""
    if isinstance(data, str):
        return data.replace(_BELL, "'") if _BELL in data else data
    if isinstance(data, list):
        data[:] = [_quotes_again(item) for item in data]
    elif isinstance(data, dict) and data:
        items = [(_quotes_again(key), _quotes_again(value)) for key, value in data.items()]
        data.clear()
        data.update(items)
    return data


def _load_once(
    text: str,
    *,
    share: bool = False,
    holder: Text | None = None,
) -> Loaded:
    """Every document of a YAML stream, with the errors and duplicate keys found.

    A constructor error (such as a refused tag) spoils only its document; a
    syntax error ends the stream, and the documents before it are kept.
    Streams nested deeper than any parser's stack allows, and documents whose
    aliases expand beyond reason, are refused as "too-complex" errors.
    With ``share``, equal mappings of scalars are one dict (:func:`_shared_leaf`): for
    data that nothing changes after loading (not kustomize's output, whose build annotations are
    removed in place).
    ``holder``, when given, holds ``text`` (a SourceFile's): the positions read it, not a copy.
    """
    documents: list[LoadedDocument] = []
    errors: list[DocumentError] = []
    if too_deep(text):
        errors.append(DocumentError("complex", f"nesting deeper than {MAX_DEPTH} levels; not parsed", 1, 1))
        return documents, errors, []
    aliases = may_alias(text)  # an alias needs an anchor
    # where documents may share nodes, PyYAML's constructor builds them: their tags are resolved while composed
    loader = KubernetesSafeLoader(text) if aliases else _LazyTagLoader(text)
    flat_text = (holder or Text(text)) if offsets_are_positions(text) else None
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
                _break_cycles(node)
                index += 1
                continue
            try:
                data, positions = _construct(loader, node, aliases, flat_text, share)
            except yaml.constructor.ConstructorError as exc:
                _reset(loader)
                errors.append(_constructor_error(exc, node))
            except RecursionError:
                _reset(loader)
                mark = node.start_mark
                errors.append(DocumentError("complex", "nesting too deep to read", mark.line + 1, mark.column + 1))
            else:
                start, end = node.start_mark, node.end_mark
                documents.append(LoadedDocument(index, positions, data, (start.line, start.index), (end.line, end.index)))
            index += 1
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        message = _syntax_message(exc)
        # libyaml's own nesting limit (shapes the text check does not catch, such as `{a: {a: ...`)
        kind = "complex" if "maximum nesting depth" in message else "syntax"
        errors.append(DocumentError(kind, message, line, column))
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


def json_position(text: str, path: tuple[Any, ...]) -> tuple[int, int]:
    """The 1-based (line, column) of ``path`` in a JSON document's text; (1, 1) when it cannot be told."""
    documents, _, _ = load_documents(text)
    if not documents:
        return 1, 1
    line, column, _ = locate(documents[0].positions, path)
    return line, column


def file_data(path: str, roots: Roots, limit: int) -> list[Any]:
    """The data of each document of the YAML file at ``path`` (inside ``roots``, at most ``limit`` bytes): what a
    tool's own file (a test suite, a skaffold config) says. A file that cannot be read, or does not parse, says
    nothing: as a manifest it is linted and reported on its own."""
    from k8slint.sources.safefs import Skipped, TooLarge, read_bytes

    try:
        text = read_bytes(path, roots, limit).decode("utf-8-sig")
    except (OSError, Skipped, TooLarge, UnicodeDecodeError):
        return []
    documents, _errors, _ = load_documents(text)
    return [document.data for document in documents]
