"""Generic helpers for the plain data of a loaded document: mappings, lists and field paths."""

from __future__ import annotations

from collections import deque
from collections.abc import Hashable, Iterable, Iterator
from typing import Any, TypeVar

from k8slint.findings import FieldPath

K = TypeVar("K", bound=Hashable)

ANY = None
"""A step over every list item or map value (``items``, ``additionalProperties``)."""


def mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def sequence(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def string(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def repeats(keyed: Iterable[tuple[int, K]]) -> Iterator[tuple[int, int, K]]:
    """``(index, first_index, key)`` for every item whose key an earlier item already had.

    ``keyed`` is ``(index, key)`` pairs, in list order; items without a key are left out by the caller.
    """
    first: dict[K, int] = {}
    for index, key in keyed:
        earlier = first.setdefault(key, index)
        if earlier != index:
            yield index, earlier, key


def dig(data: Any, path: FieldPath) -> Any:
    """The value at ``path``, or None where any step is missing or of the wrong type."""
    for part in path:
        if type(data) is dict and type(part) is str:  # nearly every step: tested first, without isinstance
            data = data.get(part)
        elif isinstance(data, dict):
            if isinstance(part, int):
                return None  # a list index into a mapping
            data = data.get(part)
        elif isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data):
            data = data[part]
        else:
            return None
    return data


def values_at(data: Any, steps: tuple[str | None, ...]) -> Iterator[tuple[FieldPath, Any]]:
    """``(path, value)`` of every value in ``data`` at ``steps``, ANY a step over every list item and map value (what the
    schema node at ``steps`` describes: ``items``, ``additionalProperties``); a null is none (the API server prunes it)."""
    pending: deque[tuple[FieldPath, Any, int]] = deque([((), data, 0)])
    while pending:
        path, value, depth = pending.popleft()
        if depth == len(steps):
            if value is not None:  # the API server prunes nulls before validating
                yield path, value
            continue
        step = steps[depth]
        if step is ANY:
            if isinstance(value, list):
                pending.extend(((*path, i), item, depth + 1) for i, item in enumerate(value))
            elif isinstance(value, dict):
                pending.extend(((*path, key), item, depth + 1) for key, item in value.items())
        elif isinstance(value, dict) and step in value:
            pending.append(((*path, step), value[step], depth + 1))
