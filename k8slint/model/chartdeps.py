"""A Helm chart's dependencies as its Chart.yaml declares them."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any


def unavailable_dependencies(declared: Any, available: Collection[str]) -> set[str]:
    """Names and aliases of the ``declared`` dependencies whose templates are not here to read.

    ``available`` names the charts found in charts/; a ``file://`` repository
    is read from its folder, so it counts as here.
    """
    missing: set[str] = set()
    for dep in declared or []:
        if not isinstance(dep, dict) or not isinstance(dep.get("name"), str):
            continue
        repository = dep.get("repository")
        local = isinstance(repository, str) and repository.startswith("file://")
        if dep["name"] not in available and not local:
            missing.update(str(dep[k]) for k in ("name", "alias") if dep.get(k))
    return missing
