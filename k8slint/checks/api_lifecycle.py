"""KM001 deprecated-api and KM002 removed-api: apiVersions past their time at the target version."""

from __future__ import annotations

from collections.abc import Iterator

from k8slint.context import RuleContext
from k8slint.findings import Problem
from k8slint.model.lifecycle import Lifecycle, lifecycle, minor
from k8slint.model.objects import K8sObject
from k8slint.registry import object_check


def _entry(obj: K8sObject) -> Lifecycle | None:
    api_version, kind = obj.api_version, obj.kind
    return lifecycle(api_version, kind) if api_version and kind else None


def _instead(entry: Lifecycle, target: str) -> str:
    replacement = entry.replacement_at(target)
    if replacement:
        return f"use {replacement}"
    return f"it has no replacement ({entry.note})" if entry.note else "it has no replacement"


@object_check("KM001", local=True)
def deprecated_api(obj: K8sObject, ctx: RuleContext) -> Iterator[Problem]:
    entry = _entry(obj)
    target = minor(ctx.kubernetes_version)
    if entry and minor(entry.deprecated) <= target < minor(entry.removed):
        yield Problem(
            f"{entry.api_version} {entry.kind} is deprecated since Kubernetes {entry.deprecated} and is removed in "
            f"{entry.removed}; {_instead(entry, ctx.kubernetes_version)}",
            path=("apiVersion",),
        )


@object_check("KM002", local=True)
def removed_api(obj: K8sObject, ctx: RuleContext) -> Iterator[Problem]:
    entry = _entry(obj)
    if entry and minor(ctx.kubernetes_version) >= minor(entry.removed):
        yield Problem(
            f"{entry.api_version} {entry.kind} was removed in Kubernetes {entry.removed} (target "
            f"{ctx.kubernetes_version}); {_instead(entry, ctx.kubernetes_version)}",
            path=("apiVersion",),
        )
