"""Schema validation: KL010 schema-violation, KL011 unknown-field, KL012 unknown-kind.

The three rules share one validation per object (cached by the run's schema
store); each reports its own kind of result.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from typing import Any

from k8slint.findings import Problem, Severity
from k8slint.model.kinds import is_custom_resource
from k8slint.model.lifecycle import is_removed
from k8slint.registry import object_check
from k8slint.sources.manifests import K8sObject


def _builtin(obj: K8sObject) -> bool:
    """Built-in kinds are validated against the shipped schemas alone; custom
    resources need the CustomResourceDefinitions of the whole set."""
    return not is_custom_resource(obj.api_version)


@object_check("KL010", local=_builtin)
def schema_violation(obj: K8sObject, ctx: Any) -> Iterator[Problem]:
    for error in ctx.schemas.errors(obj) or ():
        if not error.unknown_field:
            yield Problem(error.message, path=error.path)


@object_check("KL011", local=_builtin)
def unknown_field(obj: K8sObject, ctx: Any) -> Iterator[Problem]:
    for error in ctx.schemas.errors(obj) or ():
        if error.unknown_field:
            yield Problem(error.message, path=error.path)


@object_check("KL012", local=_builtin)
def unknown_kind(obj: K8sObject, ctx: Any) -> Iterator[Problem]:
    api_version, kind = obj.api_version, obj.kind
    if api_version is None or kind is None or is_removed(api_version, kind, ctx.kubernetes_version):
        return
    if ctx.schemas.errors(obj) is not None:
        return
    if is_custom_resource(api_version):
        yield Problem(
            f"no schema for {kind} ({api_version}): its CustomResourceDefinition is not in the linted set "
            "and no --schema-location provides one, so it was not validated",
            path=("kind",),
        )
        return
    known = _builtin_kinds(ctx, api_version)
    close = difflib.get_close_matches(kind, known, n=1)
    suggestion = f"; did you mean {close[0]!r}?" if close else ""
    yield Problem(
        f"Kubernetes {ctx.kubernetes_version} serves no kind {kind!r} in {api_version}{suggestion}",
        path=("kind",),
        severity=Severity.ERROR,
    )


def _builtin_kinds(ctx: Any, api_version: str) -> list[str]:
    """Kinds served under ``api_version`` by the target version, from the schemas' own kind enums."""
    return ctx.schemas.kinds_of(api_version)
