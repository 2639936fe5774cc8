"""KR010 missing-requests and KR011 missing-limits: containers without the resources they need."""

from __future__ import annotations

from collections.abc import Iterator

from k8slint.context import RuleContext
from k8slint.findings import Problem
from k8slint.model.objects import K8sObject
from k8slint.model.podresources import POD_LEVEL_RESOURCES_SINCE, pod_resources
from k8slint.model.values import mapping
from k8slint.model.workloads import ContainerView, version_at_least
from k8slint.registry import object_check


def _pod_level(obj: K8sObject, section: str, version: str) -> set[str]:
    """What the pod-level ``spec.resources`` provides for every container (served from 1.34): a pod limit
    caps all containers together, and a pod request (set, or defaulted from the pod's limit or its
    containers' requests by ``defaultPodRequests``) is what the scheduler reserves."""
    found = obj.pod_spec()
    if found is None or not version_at_least(version, POD_LEVEL_RESOURCES_SINCE):
        return set()
    pod = pod_resources(*found)
    if pod is None:
        return set()
    return set(pod.requests if section == "requests" else pod.limits)


def _missing(obj: K8sObject, section: str, wanted: list[str], version: str) -> Iterator[tuple[ContainerView, list[str]]]:
    provided = _pod_level(obj, section, version)
    for container in obj.containers():
        if container.group == "ephemeralContainers":
            continue  # ephemeral containers may not set resources
        resources = mapping(container.data.get("resources"))
        present = mapping(resources.get(section))
        # a limit without a request defaults the request to the limit
        defaulted = mapping(resources.get("limits")) if section == "requests" else {}
        absent = [name for name in wanted if name not in present and name not in defaulted and name not in provided]
        if absent:
            yield container, absent


@object_check("KR010", local=True, pods=True)
def missing_requests(obj: K8sObject, ctx: RuleContext) -> Iterator[Problem]:
    for container, absent in _missing(obj, "requests", ctx.option_texts("resources"), ctx.kubernetes_version):
        yield Problem(
            f"container {container.name!r} requests no {' or '.join(absent)}",
            path=(*container.path, "resources", "requests"),
        )


@object_check("KR011", local=True, pods=True)
def missing_limits(obj: K8sObject, ctx: RuleContext) -> Iterator[Problem]:
    for container, absent in _missing(obj, "limits", ctx.option_texts("resources"), ctx.kubernetes_version):
        yield Problem(
            f"container {container.name!r} has no {' or '.join(absent)} limit",
            path=(*container.path, "resources", "limits"),
        )
