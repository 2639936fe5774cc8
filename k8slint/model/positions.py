"""Where each field of a loaded document is: the position tree the loader keeps."""

from __future__ import annotations

from typing import Any

PositionTree = tuple[int, int, Any]
"""Where a node is: ``(line, column, children)``, 0-based.

For a mapping entry the line and column are those of its key (the ``cpu:``),
for a list item those of the item. ``children`` holds the trees of the
node's own children: a dict by the key's text for a mapping (merged keys
included, the first of repeated keys winning), a list for a sequence, None
for a scalar. A tree is a small fraction of the size of the parser's node
tree, which is dropped once the document is built.
"""


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
        return children.get(str(part))
    if isinstance(children, list) and isinstance(part, int) and 0 <= part < len(children):
        return children[part]
    return None
