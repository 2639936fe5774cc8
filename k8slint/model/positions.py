"""Where each field of a loaded document is: the position tree the loader keeps."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

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


def leaf(line: int, column: int) -> Any:
    """The entry of a scalar at (0-based) ``line`` and ``column``."""
    return line << COLUMN_BITS | column if column <= _COLUMN_MASK else (line, column, None)


def entry_line(entry: Any) -> int:
    """The 0-based line of an entry."""
    return entry >> COLUMN_BITS if entry.__class__ is int else entry[0]


def locate(tree: PositionTree, path: tuple[Any, ...]) -> tuple[int, int, int]:
    """The 1-based (line, column) of ``path`` in ``tree``, and how many parts were found.

    A mapping key points at the key itself (the ``cpu:`` line), a list item
    at the item. When the path runs out of the tree, the deepest existing
    node is returned: a finding about a missing field points at its parent.
    """
    line, column, children = tree
    found = 0
    for part in path:
        nxt = child(children, part)
        if nxt is None:
            break
        line, column, children = nxt
        found += 1
    return line + 1, column + 1, found


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
