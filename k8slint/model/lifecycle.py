"""API versions that are deprecated or removed at a target Kubernetes version."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from k8slint.resources import load_package_yaml


@dataclass(frozen=True, slots=True)
class Lifecycle:
    api_version: str
    kind: str
    deprecated: str
    removed: str
    replacement: str | None
    note: str | None


def minor(version: str) -> tuple[int, int]:
    major, _, rest = version.partition(".")
    return int(major), int(rest.split(".")[0])


@cache
def _table() -> dict[tuple[str, str], Lifecycle]:
    table = {}
    for entry in load_package_yaml("api-lifecycle.yaml"):
        for kind in entry["kinds"]:
            table[(entry["apiVersion"], kind)] = Lifecycle(
                entry["apiVersion"], kind, entry["deprecated"], entry["removed"], entry["replacement"], entry.get("note")
            )
    return table


def lifecycle(api_version: str, kind: str) -> Lifecycle | None:
    return _table().get((api_version, kind))


def is_removed(api_version: str | None, kind: str | None, target: str) -> bool:
    entry = lifecycle(api_version, kind) if api_version and kind else None
    return entry is not None and minor(target) >= minor(entry.removed)
