"""Where each field of a loaded document is: the positions the loader keeps."""

from __future__ import annotations

from array import array
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, TypeAlias

if TYPE_CHECKING:
    from k8slint.model.texts import Text

PositionTree = tuple[int, int, Any]
"""Where a node is: ``(line, column, children)``, 0-based.

For a mapping entry the line and column are those of its key (the ``cpu:``),
for a list item those of the item. ``children`` holds the entries of the
node's own children: a dict by the key's text for a mapping (merged keys
included, the first of repeated keys winning), a list for a sequence, None
for a scalar. A tree is a small fraction of the size of the parser's node
tree, which is dropped once the document is built.

An entry is itself a PositionTree, or, for a scalar (most of a document), the
int ``line << COLUMN_BITS | column``: a third of the memory of a tuple and its
line. :func:`child` and :func:`entries` give every entry as a PositionTree;
read children through them, never directly.
"""

COLUMN_BITS = 20
"""Columns below ``1 << COLUMN_BITS`` are packed with their line; a scalar further right keeps a tuple."""
_COLUMN_MASK = (1 << COLUMN_BITS) - 1

_COUNTED_LIMIT = 1 << 26
"""Characters the lookups of one FlatPositions may count line breaks in before its tree is built
(about as long as building the tree of a document large enough to reach it takes)."""
_SIBLING_COST = 256
"""A sibling stepped over in a lookup, in characters counted (what each costs, about)."""


class FlatPositions:
    """The positions of a document as the loader records them on its plain path: no tree, one
    mark per node, read together with the document's data and text.

    ``marks`` holds, in document order, the text offset of each mapping entry's
    key and of each list item, each followed by its own children's marks, and,
    for a dict or list, first the index in ``marks`` where those end: 4 bytes a
    scalar, 8 a collection, against some 60 for a tree's dict entry and packed int. Every
    mapping of such a document has distinct string keys (the loader keeps a
    PositionTree otherwise) and the data holds its entries in that same order,
    so the mark of a field is found by counting its siblings before it; its line
    is the line breaks between the node's start and the offset, counted when
    asked for (the text breaks lines only with line feeds: see
    :func:`offsets_are_positions`). A tree is built only for what needs one
    (:meth:`tree`). The data must not change after loading (kustomize's build
    annotations are removed from a built object after its tree is taken).

    ``start`` is where the marks of the node's children begin, ``at`` and
    ``line`` the node's own offset and line; ``text`` holds the text the
    offsets are in (a :class:`~k8slint.model.texts.Text`, compressed once the
    file's objects are made). The positions of a List item are a
    view of its document's: its lines are counted from the item.
    """

    __slots__ = ("_counted", "_tree", "at", "data", "line", "marks", "start", "text")

    def __init__(self, data: Any, marks: array[int], start: int, at: int, line: int, text: Text) -> None:
        self.data = data
        self.marks = marks
        self.start = start
        self.at = at
        self.line = line
        self.text = text
        self._tree: PositionTree | None = None
        self._counted = 0

    def locate(self, path: tuple[Any, ...]) -> tuple[int, int, int]:
        """As :func:`locate` reads a PositionTree."""
        if self._tree is not None:
            return locate(self._tree, path)
        _, _, at, found = self._find(path)
        line, column = self._line_column(at)
        # the line breaks are counted from the node's start and the siblings before each part stepped
        # over: once that has read the text many times over (a large document with many findings), its
        # tree is built to answer the rest
        self._counted += at - self.at + column  # the column: what finding the line's start read
        if self._counted > _COUNTED_LIMIT:
            self.tree()
        return line + 1, column + 1, found

    def subtree(self, path: tuple[Any, ...]) -> Positions | None:
        """The positions of the node at ``path``, None when the path runs out of the document."""
        if self._tree is not None:
            return subtree(self._tree, path)
        data, start, at, found = self._find(path)
        return FlatPositions(data, self.marks, start, at, self._line_column(at)[0], self.text) if found == len(path) else None

    def entries(self) -> list[tuple[Any, FlatPositions]]:
        """(key or index, positions) of each of the node's children, in order."""
        data, index, marks, holder = self.data, self.start, self.marks, self.text
        text = holder.get()
        pairs = data.items() if data.__class__ is dict else enumerate(data) if data.__class__ is list else ()
        found: list[tuple[Any, FlatPositions]] = []
        counted, line = self.at, self.line
        for key, value in pairs:
            at = marks[index]
            index += 1
            line += text.count("\n", counted, at)  # each child's line counted on from the one before
            counted = at
            if value.__class__ is dict or value.__class__ is list:
                found.append((key, FlatPositions(value, marks, index + 1, at, line, holder)))
                index = marks[index]
            else:
                found.append((key, FlatPositions(value, marks, index, at, line, holder)))
        return found

    def tree(self) -> PositionTree:
        """The node's PositionTree, built once: what the loader's tree path builds for the same document."""
        if self._tree is None:
            self._tree = (self.line, self._line_column(self.at)[1], self._children())
        return self._tree

    def _find(self, path: tuple[Any, ...]) -> tuple[Any, int, int, int]:
        """(data, start, offset, parts found) of the deepest node of ``path``."""
        data, index, at, marks = self.data, self.start, self.at, self.marks
        found = skipped = 0
        for part in path:
            if data.__class__ is dict:
                key = str(part)  # as a tree's children are keyed: by the key's text
                if key not in data:
                    break
                for name, value in data.items():
                    if name == key:
                        break
                    index += 1
                    skipped += 1
                    if value.__class__ is dict or value.__class__ is list:
                        index = marks[index]
            elif data.__class__ is list and isinstance(part, int) and 0 <= part < len(data):
                for value in data[:part]:
                    index += 1
                    if value.__class__ is dict or value.__class__ is list:
                        index = marks[index]
                value = data[part]
                skipped += part
            else:
                break
            at = marks[index]
            index += 2 if value.__class__ is dict or value.__class__ is list else 1
            data = value
            found += 1
        self._counted += skipped * _SIBLING_COST
        return data, index, at, found

    def _line_column(self, at: int) -> tuple[int, int]:
        text = self.text.get()
        return self.line + text.count("\n", self.at, at), at - text.rfind("\n", 0, at) - 1

    def _children(self) -> Any:
        """The children of the node's PositionTree, from its marks."""
        data = self.data
        top: Any
        if isinstance(data, dict):
            top, pairs = {}, iter(data.items())
        elif isinstance(data, list):
            top, pairs = [], iter(enumerate(data))
        else:
            return None
        marks, text = self.marks, self.text.get()
        stack: list[tuple[Iterator[tuple[Any, Any]], Any]] = [(pairs, top)]
        index, counted, line = self.start, self.at, self.line
        line_start = text.rfind("\n", 0, counted) + 1
        while stack:
            pairs, children = stack[-1]
            for key, value in pairs:
                at = marks[index]
                index += 1
                breaks = text.count("\n", counted, at)  # the marks are in document order: read once
                if breaks:
                    line += breaks
                    line_start = text.rfind("\n", counted, at) + 1
                counted = at
                column = at - line_start
                below: Any = {} if value.__class__ is dict else [] if value.__class__ is list else None
                entry = leaf(line, column) if below is None else (line, column, below)
                if children.__class__ is dict:
                    children[key] = entry
                else:
                    children.append(entry)
                if below is not None:
                    index += 1
                    stack.append((iter(value.items() if below.__class__ is dict else enumerate(value)), below))
                    break
            else:
                stack.pop()
        return top


def offsets_are_positions(text: str) -> bool:
    """Whether the YAML parser's offsets in ``text`` give its lines and columns by counting line feeds:
    it breaks lines at a carriage return, NEL, LS and PS too (CR LF is one break: libyaml's
    ``IS_BREAK`` in yaml_private.h), and its offsets do not count a byte order mark at the start
    (its reader drops it, in ``yaml_parser_determine_encoding``)."""
    if text[:1] == "\ufeff":
        return False
    if "\r" in text and text.count("\r") != text.count("\r\n"):
        return False
    return text.isascii() or not ("\x85" in text or "\u2028" in text or "\u2029" in text)


Positions: TypeAlias = PositionTree | FlatPositions
"""A document's positions, as the loader keeps them: read them through :func:`locate`,
:func:`subtree` and :func:`tree_of`."""


def leaf(line: int, column: int) -> Any:
    """The entry of a scalar at (0-based) ``line`` and ``column``."""
    return line << COLUMN_BITS | column if column <= _COLUMN_MASK else (line, column, None)


def tree_of(positions: Positions) -> PositionTree:
    """The PositionTree of a document's positions (built, for FlatPositions)."""
    return positions.tree() if isinstance(positions, FlatPositions) else positions


def locate(tree: Positions, path: tuple[Any, ...]) -> tuple[int, int, int]:
    """The 1-based (line, column) of ``path`` in ``tree``, and how many parts were found.

    A mapping key points at the key itself (the ``cpu:`` line), a list item
    at the item. When the path runs out of the tree, the deepest existing
    node is returned: a finding about a missing field points at its parent.
    """
    if isinstance(tree, FlatPositions):
        return tree.locate(path)
    line, column, children = tree
    found = 0
    for part in path:
        nxt = child(children, part)
        if nxt is None:
            break
        line, column, children = nxt
        found += 1
    return line + 1, column + 1, found


def subtree(positions: Positions, path: tuple[Any, ...]) -> Positions | None:
    """The positions of the node at ``path`` (a List's item, say), None when the path runs out."""
    if isinstance(positions, FlatPositions):
        return positions.subtree(path)
    tree: PositionTree | None = positions
    for part in path:
        tree = child(tree[2], part) if tree is not None else None
    return tree


def sub_entries(positions: Positions) -> list[tuple[Any, Positions]]:
    """(key or index, positions) of each child of the node, in order."""
    if isinstance(positions, FlatPositions):
        return list(positions.entries())
    return list(entries(positions[2]))


def child(children: Any, part: Any) -> PositionTree | None:
    """The tree of ``part`` (a key or a list index) among a node's ``children``."""
    if isinstance(children, dict):
        entry = children.get(str(part))
    elif isinstance(children, list) and isinstance(part, int) and 0 <= part < len(children):
        entry = children[part]
    else:
        return None
    return _tree(entry)


def entries(children: Any) -> Iterator[tuple[Any, PositionTree]]:
    """(key or index, tree) of each of a node's ``children``, in order."""
    pairs = children.items() if isinstance(children, dict) else enumerate(children) if isinstance(children, list) else ()
    for key, entry in pairs:
        yield key, _tree(entry)


def _tree(entry: Any) -> PositionTree:
    """The PositionTree of an entry: a packed scalar's line and column, unpacked."""
    return (entry >> COLUMN_BITS, entry & _COLUMN_MASK, None) if entry.__class__ is int else entry
