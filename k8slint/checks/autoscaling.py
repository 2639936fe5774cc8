"""Budgets and autoscalers: KR030 pdb-selector-no-match, KR031 hpa-target-missing, KR032 hpa-without-requests."""

from __future__ import annotations

from collections.abc import Iterator

from k8slint.context import RuleContext
from k8slint.findings import Problem, Related
from k8slint.model.graph.matching import explain_miss
from k8slint.model.objects import K8sObject
from k8slint.model.podresources import POD_LEVEL_RESOURCES_SINCE, pod_resources
from k8slint.model.selectors import SelectorError, from_label_selector
from k8slint.model.values import dig, mapping, sequence
from k8slint.model.workloads import version_at_least
from k8slint.registry import object_check


@object_check("KR030", kinds=("PodDisruptionBudget",))
def pdb_selector_no_match(obj: K8sObject, ctx: RuleContext) -> Iterator[Problem]:
    raw = dig(obj.data, ("spec", "selector"))
    if not isinstance(raw, dict):
        return
    try:
        selector = from_label_selector(raw)
    except SelectorError:
        return
    if selector.empty:
        return  # an empty selector selects every pod of the namespace
    if ctx.index.selects_anywhere(obj.namespace, selector) or ctx.index.operator_owner(obj.namespace, selector):
        return
    miss = explain_miss(obj, selector, ctx.index)
    if miss is None:
        return
    nearest = miss.nearest
    yield Problem(
        f"the selector matches no pod template in namespace {obj.namespace!r}, so the budget protects nothing; "
        f"nearest is {nearest.obj.kind} {nearest.obj.name!r}, whose pods have {miss.difference} where the selector "
        f"wants {miss.key}: {miss.wanted}",
        path=("spec", "selector"),
        related=(Related(nearest.obj.locate((*nearest.path, "metadata", "labels")), f"pod labels of {nearest.obj.describe()}"),),
    )


def _target(obj: K8sObject) -> tuple[str, str] | None:
    ref = mapping(dig(obj.data, ("spec", "scaleTargetRef")))
    kind, name = ref.get("kind"), ref.get("name")
    return (kind, name) if isinstance(kind, str) and isinstance(name, str) else None


@object_check("KR031", kinds=("HorizontalPodAutoscaler",))
def hpa_target_missing(obj: K8sObject, ctx: RuleContext) -> Iterator[Problem]:
    target = _target(obj)
    if target is None:
        return
    kind, name = target
    if ctx.index.definitions(obj.namespace, kind, name) or ctx.index.is_external(obj.namespace, kind, name):
        return  # defined in some unit: it may be applied from there
    same_kind = ctx.index.in_namespace(obj, kind)
    if not same_kind:
        return  # the namespace's workloads of that kind are not among the linted files of this unit
    known = ", ".join(sorted({o.name for o in same_kind if o.name}))
    yield Problem(
        f"scaleTargetRef names {kind} {name!r}, which is not defined in namespace {obj.namespace!r} (its {kind}s: {known})",
        path=("spec", "scaleTargetRef", "name"),
    )


def _utilization_resources(obj: K8sObject) -> list[str]:
    """Resources whose utilisation (a percentage of the request) the autoscaler targets."""
    spec = mapping(obj.data.get("spec"))
    found = []
    if isinstance(spec.get("targetCPUUtilizationPercentage"), int):
        found.append("cpu")
    for metric in sequence(spec.get("metrics")):
        metric = mapping(metric)
        for field in ("resource", "containerResource"):
            resource = mapping(metric.get(field))
            target = mapping(resource.get("target"))
            utilization = target.get("type") == "Utilization" or "targetAverageUtilization" in resource
            if utilization and isinstance(resource.get("name"), str):
                found.append(resource["name"])
    return found


@object_check("KR032", kinds=("HorizontalPodAutoscaler",))
def hpa_without_requests(obj: K8sObject, ctx: RuleContext) -> Iterator[Problem]:
    target = _target(obj)
    resources = _utilization_resources(obj)
    if target is None or not resources:
        return
    workload = ctx.index.nearest(obj, *target)
    if workload is None:
        return
    found = workload.pod_spec()
    pod = pod_resources(*found) if found is not None and version_at_least(ctx.kubernetes_version, POD_LEVEL_RESOURCES_SINCE) else None
    # With pod-level requests the HPA reads the pod's (pull request 132430, 1.34: "calculate the pod resources
    # from pod.Spec.Resources, if specified"), set or defaulted from the pod's limits.
    resources = [r for r in resources if pod is None or r not in pod.requests]
    for container in workload.containers():
        # The HPA sums the requests of regular containers and native sidecars ("restartable init containers":
        # calculatePodRequests in pkg/controller/podautoscaler/replica_calculator.go).
        if not container.runs_beside_app(ctx.kubernetes_version):
            continue
        requests = mapping(container.data.get("resources"))
        declared = {**mapping(requests.get("limits")), **mapping(requests.get("requests"))}
        for resource in resources:
            if resource not in declared:
                yield Problem(
                    f"the autoscaler targets {resource} utilisation, but container {container.name!r} of "
                    f"{workload.describe()} requests no {resource}: utilisation cannot be computed and it never scales",
                    path=("spec", "scaleTargetRef"),
                    related=(
                        Related(workload.locate(container.path), f"container {container.name} of {ctx.index.resolved_to(obj, workload)}"),
                    ),
                )
                return
