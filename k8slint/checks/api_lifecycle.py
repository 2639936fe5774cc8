"""KM001 deprecated-api, KM002 removed-api and KM007 beta-api-off-by-default: apiVersions past their
time at the target version, or not yet served there by default."""

from __future__ import annotations

from collections.abc import Iterator

from k8slint.context import RuleContext
from k8slint.findings import Problem
from k8slint.model.kinds import BUILTIN_GROUPS, api_group
from k8slint.model.lifecycle import BETAS_ON_BY_DEFAULT, Lifecycle, is_alpha_version, is_beta_version, is_removed, lifecycle, minor
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


@object_check("KM007", local=True)
def beta_api_off_by_default(obj: K8sObject, ctx: RuleContext) -> Iterator[Problem]:
    api_version, kind = obj.api_version, obj.kind
    if not api_version or not kind or api_group(api_version) not in BUILTIN_GROUPS:
        return
    alpha = is_alpha_version(api_version)
    if not alpha and not is_beta_version(api_version):
        return
    target = ctx.kubernetes_version
    if not alpha and ((api_version, kind) in BETAS_ON_BY_DEFAULT or is_removed(api_version, kind, target)):
        return
    if kind not in ctx.schemas.kinds_of(api_version):
        return  # not served at all at the target: schema-violation's (unknown kind)
    stable = _stable(api_version, kind, ctx)
    instead = f"; {stable} serves {kind} by default" if stable else ""
    flag = f"kube-apiserver --runtime-config={api_version}=true"
    if alpha:
        served = f"is an alpha API: Kubernetes {target} serves it only on a cluster that enables it ({flag}, with its feature gate)"
    else:
        served = f"is a beta API that Kubernetes {target} does not serve unless the cluster enables it ({flag})"
    yield Problem(
        f'{api_version} {served}: on a default cluster the apply fails with "no matches for kind"{instead}',
        path=("apiVersion",),
        variant="alpha" if alpha else None,
    )


def _stable(api_version: str, kind: str, ctx: RuleContext) -> str | None:
    """The stable apiVersion of the kind that the target serves: the lifecycle table's replacement, else v1 or v2."""
    entry = lifecycle(api_version, kind)
    group = api_group(api_version)
    candidates = [entry.replacement_at(ctx.kubernetes_version)] if entry else []
    candidates += [f"{group}/v1", f"{group}/v2"]
    return next((c for c in candidates if c and kind in ctx.schemas.kinds_of(c)), None)
