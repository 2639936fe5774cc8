"""Values as the API server sees them: its YAML-to-JSON step turns what explicit YAML tags
build (timestamps, binary, sets) and non-string mapping keys into JSON values."""

from __future__ import annotations

import datetime
from typing import Any


def as_json(data: Any) -> Any:
    """A copy with every mapping key a string and every value a JSON one, as the API server's
    YAML-to-JSON conversion makes it."""
    return _converted(data, {})


def _converted(value: Any, memo: dict[int, Any]) -> Any:
    """as_json of ``value``; ``memo`` maps each mapping and list converted (by id) to its copy, so
    that an alias converts to the same copy. (A function of its own, not a closure: a closure that
    calls itself is a reference cycle, left for the cyclic collector on every call.)"""
    if isinstance(value, dict):
        if id(value) in memo:
            return memo[id(value)]
        out: dict[str, Any] = {}
        memo[id(value)] = out
        for key, item in value.items():
            out[_key_text(key)] = _converted(item, memo)
        return out
    if isinstance(value, list):
        if id(value) in memo:
            return memo[id(value)]
        items: list[Any] = []
        memo[id(value)] = items
        items.extend(_converted(item, memo) for item in value)
        return items
    return scalar_json(value)


def scalar_json(value: Any) -> Any:
    """What the YAML-to-JSON step makes of a value that an explicit tag built (Go's encodings);
    other values are returned as they are."""
    if isinstance(value, datetime.datetime):
        moment = value if value.tzinfo is not None else value.replace(tzinfo=datetime.timezone.utc)
        return moment.isoformat().replace("+00:00", "Z")
    if isinstance(value, datetime.date):
        return f"{value.isoformat()}T00:00:00Z"
    if isinstance(value, bytes):  # !!binary: the decoded bytes, as a string
        return value.decode("utf-8", errors="replace")
    if isinstance(value, (set, frozenset)):  # !!set: a mapping of its members to null
        return {_key_text(member): None for member in sorted(value, key=repr)}
    return value


def _key_text(key: Any) -> str:
    if isinstance(key, bool):
        return "true" if key else "false"
    if key is None:
        return "null"
    return str(key)
