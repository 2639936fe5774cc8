"""Workload settings: KR020 replicas, KR021 rollback-disabled, KR022 rollout-stalls."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from k8slint.context import RuleContext
from k8slint.findings import Problem, Related
from k8slint.model.objects import K8sObject
from k8slint.model.selectors import SelectorError, from_label_selector
from k8slint.model.values import dig, mapping
from k8slint.registry import object_check


def _pdb_min_available(pdb: K8sObject) -> int | None:
    """Pods a PodDisruptionBudget keeps available, when it says so as a number of pods."""
    spec = mapping(pdb.data.get("spec"))
    value = spec.get("minAvailable")
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if spec.get("maxUnavailable") in (0, "0%"):
        return -1  # any eviction is refused
    return None


@object_check("KR020", kinds=("Deployment", "StatefulSet", "ReplicaSet"))
def replicas(obj: K8sObject, ctx: RuleContext) -> Iterator[Problem]:
    spec = mapping(obj.data.get("spec"))
    count = spec.get("replicas")
    if not isinstance(count, int) or isinstance(count, bool):
        return
    if count == 0:
        yield Problem(f"{obj.kind} {obj.name!r} has replicas: 0 and runs no pods", path=("spec", "replicas"), variant="zero-replicas")
        return
    if count != 1:
        return
    labels = dig(obj.data, ("spec", "template", "metadata", "labels"))
    if not isinstance(labels, dict):
        return
    for pdb in ctx.index.in_namespace(obj, "PodDisruptionBudget"):
        raw = dig(pdb.data, ("spec", "selector"))
        try:
            selector = from_label_selector(raw) if isinstance(raw, dict) else None
        except SelectorError:
            continue
        demanded = _pdb_min_available(pdb)
        if selector is None or selector.empty or not selector.matches(labels) or demanded is None:
            continue
        if demanded == -1 or demanded >= 1:
            yield Problem(
                f"{obj.kind} {obj.name!r} runs 1 replica but PodDisruptionBudget {pdb.name!r} keeps "
                f"{'every pod' if demanded == -1 else demanded} available: node drains block on it",
                path=("spec", "replicas"),
                related=(Related(pdb.locate(("spec",)), f"PodDisruptionBudget {pdb.name}"),),
            )
            return


@object_check("KR021", kinds=("Deployment", "StatefulSet", "DaemonSet"), local=True)
def rollback_disabled(obj: K8sObject, ctx: RuleContext) -> Iterator[Problem]:
    if mapping(obj.data.get("spec")).get("revisionHistoryLimit") == 0:
        yield Problem(
            f"{obj.kind} {obj.name!r} keeps no old revisions (revisionHistoryLimit: 0), so it cannot be rolled back",
            path=("spec", "revisionHistoryLimit"),
        )


def _is_zero(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return value == 0
    if isinstance(value, str):
        text = value.strip()
        return text in ("0", "0%") or (text.endswith("%") and text[:-1].strip("0") == "")
    return False


@object_check("KR022", kinds=("Deployment", "DaemonSet"), local=True)
def rollout_stalls(obj: K8sObject, ctx: RuleContext) -> Iterator[Problem]:
    strategy = mapping(dig(obj.data, ("spec", "strategy" if obj.kind == "Deployment" else "updateStrategy")))
    if strategy.get("type", "RollingUpdate") != "RollingUpdate":
        return
    rolling = strategy.get("rollingUpdate")
    if not isinstance(rolling, dict):
        return
    # DaemonSets default maxSurge to 0; Deployments default both to 25%
    surge = rolling.get("maxSurge", 0 if obj.kind == "DaemonSet" else "25%")
    unavailable = rolling.get("maxUnavailable", 1 if obj.kind == "DaemonSet" else "25%")
    if _is_zero(surge) and _is_zero(unavailable):
        field = "strategy" if obj.kind == "Deployment" else "updateStrategy"
        yield Problem(
            f"{obj.kind} {obj.name!r} sets maxSurge and maxUnavailable to 0, which the API server rejects: "
            "a rollout could neither add a new pod nor remove an old one",
            path=("spec", field, "rollingUpdate"),
        )
