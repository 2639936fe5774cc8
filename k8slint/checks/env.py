"""KR026 duplicate-env and KR027 invalid-env-name."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from typing import Any

from k8slint.context import RuleContext
from k8slint.findings import Problem, Related
from k8slint.model.objects import K8sObject
from k8slint.model.values import mapping, repeats, sequence
from k8slint.registry import object_check

# What the API server accepts (any printable ASCII but '='), and what shells and most programs can read.
_ACCEPTED = re.compile(r"[ -<>-~]+")
_PORTABLE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@functools.lru_cache(maxsize=4096)  # the same names (LOG_LEVEL, API_TOKEN) come back container after container
def _portable(name: str) -> bool:
    """A name of [A-Za-z_][A-Za-z0-9_]*, which the API server accepts and every shell reads: nothing to report."""
    return _PORTABLE.fullmatch(name) is not None


def _env(obj: K8sObject) -> Iterator[tuple[Any, int, dict[str, Any]]]:
    for container in obj.containers():
        for index, entry in enumerate(sequence(container.data.get("env"))):
            if isinstance(entry, dict):
                yield container, index, entry


@object_check("KR026", local=True, pods=True)
def duplicate_env(obj: K8sObject, ctx: RuleContext) -> Iterator[Problem]:
    for container in obj.containers():
        names = [(index, mapping(entry).get("name")) for index, entry in enumerate(sequence(container.data.get("env")))]
        for index, earlier, name in repeats((index, name) for index, name in names if isinstance(name, str)):
            yield Problem(
                f"container {container.name!r} sets {name} twice; the later value silently wins",
                path=(*container.path, "env", index, "name"),
                related=(Related(obj.locate((*container.path, "env", earlier, "name")), "first set here"),),
            )


@object_check("KR027", local=True, pods=True)
def invalid_env_name(obj: K8sObject, ctx: RuleContext) -> Iterator[Problem]:
    for container, index, entry in _env(obj):
        name = entry.get("name")
        if not isinstance(name, str) or not name or _portable(name):
            continue  # as nearly every name
        path = (*container.path, "env", index, "name")
        if not _ACCEPTED.fullmatch(name):
            yield Problem(
                f"environment variable name {name!r} is rejected by the API (no '=' or control characters)",
                path=path,
                variant="api-rejects",
            )
        elif not _PORTABLE.fullmatch(name):
            yield Problem(
                f"environment variable name {name!r} is not a portable name ([A-Za-z_][A-Za-z0-9_]*): "
                "shells and many programs cannot read it",
                path=path,
            )
