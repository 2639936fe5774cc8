"""KR023 overlapping-selectors: two workloads that each select the other's pods."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from k8slint.context import RuleContext
from k8slint.findings import Problem, Related
from k8slint.model.objects import K8sObject
from k8slint.model.selectors import Selector, SelectorError, from_label_selector
from k8slint.model.values import dig
from k8slint.registry import set_check

CONTROLLERS = ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet")


def _selector(obj: K8sObject) -> Selector | None:
    raw = dig(obj.data, ("spec", "selector"))
    if not isinstance(raw, dict):
        return None
    try:
        selector = from_label_selector(raw)
    except SelectorError:
        return None
    return None if selector.empty else selector


@set_check("KR023", local=True)
def check(ctx: RuleContext) -> Iterator[Problem]:
    """Workloads of one namespace indexed by pod labels, so only plausible pairs are compared."""
    by_namespace: dict[str | None, list[tuple[K8sObject, Selector, dict[str, Any]]]] = defaultdict(list)
    for obj in ctx.index.of_kind(*CONTROLLERS):
        selector = _selector(obj)
        labels = dig(obj.data, ("spec", "template", "metadata", "labels"))
        if selector is not None and isinstance(labels, dict):
            by_namespace[obj.namespace].append((obj, selector, labels))
    for workloads in by_namespace.values():
        by_label: dict[tuple[str, str], list[int]] = defaultdict(list)
        for position, (_, _, labels) in enumerate(workloads):
            for key, value in labels.items():
                by_label[(str(key), str(value))].append(position)
        reported: set[int] = set()
        for position, (obj, selector, labels) in enumerate(workloads):
            # only workloads whose pods carry this selector's rarest label can be selected by it
            candidates = (
                set(by_label.get(min(selector.match_labels, key=lambda p: len(by_label.get(p, ()))), ()))
                if selector.match_labels
                else set(range(len(workloads)))
            )
            for other_position in sorted(candidates):
                if other_position >= position or other_position in reported:
                    continue
                other, other_selector, other_labels = workloads[other_position]
                if other.file is not obj.file:
                    continue  # separate files are often alternatives (variants of a sample, overlays)
                if selector.matches(other_labels) and other_selector.matches(labels):
                    reported.add(position)
                    yield Problem(
                        f"the selectors of {obj.describe()} and {other.describe()} each match the other's pods: "
                        "whatever selects pods by either selector (an autoscaler's metrics, a disruption budget, kubectl) counts both",
                        path=("spec", "selector"),
                        subject=obj,
                        related=(Related(other.locate(("spec", "selector")), f"selector of {other.describe()}"),),
                    )
                    break
