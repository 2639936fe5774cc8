"""Generic helpers for the plain data of a loaded document: mappings, lists and field paths."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Iterator
from typing import Any, TypeVar

from k8slint.findings import FieldPath

K = TypeVar("K", bound=Hashable)


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
