"""KR010 missing-requests and KR011 missing-limits: containers without the resources they need."""

from __future__ import annotations

from collections.abc import Iterator

from k8slint.context import RuleContext
from k8slint.findings import Problem
from k8slint.model.objects import K8sObject
from k8slint.model.values import mapping
from k8slint.model.workloads import ContainerView
from k8slint.registry import object_check


def _missing(obj: K8sObject, section: str, wanted: list[str]) -> Iterator[tuple[ContainerView, list[str]]]:
    for container in obj.containers():
        if container.group == "ephemeralContainers":
            continue  # ephemeral containers may not set resources
        resources = mapping(container.data.get("resources"))
        present = mapping(resources.get(section))
        if section == "requests":
            # a limit without a request defaults the request to the limit
            present = {**mapping(resources.get("limits")), **present}
        absent = [name for name in wanted if name not in present]
        if absent:
            yield container, absent


@object_check("KR010", local=True)
def missing_requests(obj: K8sObject, ctx: RuleContext) -> Iterator[Problem]:
    for container, absent in _missing(obj, "requests", ctx.option_texts("resources")):
        yield Problem(
            f"container {container.name!r} requests no {' or '.join(absent)}",
            path=(*container.path, "resources", "requests"),
        )


@object_check("KR011", local=True)
def missing_limits(obj: K8sObject, ctx: RuleContext) -> Iterator[Problem]:
    for container, absent in _missing(obj, "limits", ctx.option_texts("resources")):
        yield Problem(
            f"container {container.name!r} has no {' or '.join(absent)} limit",
            path=(*container.path, "resources", "limits"),
        )
