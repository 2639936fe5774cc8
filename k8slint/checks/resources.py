"""Container resources: KR002 request-exceeds-limit, KR003 invalid-quantity, KR004 non-positive-limit.

The three rules read the same fields, so they share this module; each check
reports only its own rule.
"""

from __future__ import annotations

from collections.abc import Iterator
from fractions import Fraction
from typing import Any

from k8slint.context import RuleContext
from k8slint.findings import Problem
from k8slint.model.fields import pod_level_block, quantity_fields, resource_blocks
from k8slint.model.objects import K8sObject
from k8slint.model.placeholders import value_placeholder
from k8slint.model.podresources import POD_LEVEL_RESOURCES_SINCE
from k8slint.model.quantity import QuantityError, parse_quantity
from k8slint.model.values import mapping
from k8slint.model.workloads import version_at_least
from k8slint.registry import object_check

COMPARED = ("cpu", "memory", "ephemeral-storage", "storage")


def _compared(resource: str) -> bool:
    return resource in COMPARED or resource.startswith("hugepages-")


def _parsed(value: Any) -> Fraction | None:
    try:
        return parse_quantity(value)
    except QuantityError:
        return None


@object_check("KR003", local=True, templates=True)
def invalid_quantity(obj: K8sObject, ctx: RuleContext) -> Iterator[Problem]:
    for path, value in quantity_fields(obj):
        try:
            quantity = parse_quantity(value)
        except QuantityError as exc:
            if not (isinstance(value, str) and value_placeholder(value, caps=True)):  # else unrendered-placeholder's
                yield Problem(f"{path[-2]}.{path[-1]}: {exc}", path=path)
            continue
        if quantity < 0 and path[-2] == "requests":
            yield Problem(f"requests.{path[-1]}: {value!r} is negative; requests must be 0 or more", path=path)


@object_check("KR004", local=True, templates=True)
def non_positive_limit(obj: K8sObject, ctx: RuleContext) -> Iterator[Problem]:
    served = version_at_least(ctx.kubernetes_version, POD_LEVEL_RESOURCES_SINCE)
    for path, value in quantity_fields(obj):
        is_size_limit = path[-1] == "sizeLimit"
        if path[-2] != "limits" and not is_size_limit:
            continue
        if not served and pod_level_block(obj, path[:-2]):
            continue  # before 1.34 the API server drops pod-level resources (the PodLevelResources gate is off)
        quantity = _parsed(value)
        if quantity is not None and quantity <= 0:
            field = "sizeLimit" if is_size_limit else f"limits.{path[-1]}"
            if quantity < 0:
                yield Problem(f"{field} is {value!r}; the API server rejects a negative limit", path=path)
            else:
                yield Problem(f"{field} is {value!r}: a zero limit sets no limit at all", path=path, variant="zero-limit")


@object_check("KR002", local=True, templates=True)
def request_exceeds_limit(obj: K8sObject, ctx: RuleContext) -> Iterator[Problem]:
    served = version_at_least(ctx.kubernetes_version, POD_LEVEL_RESOURCES_SINCE)
    for path, resources in resource_blocks(obj):
        if not served and pod_level_block(obj, path):
            continue  # before 1.34 the API server drops pod-level resources (the PodLevelResources gate is off)
        # a container's and the pod's requests and limits alike: validateResourceRequirements, which
        # validatePodResources calls for spec.resources ("must be less than or equal to cpu limit of ...")
        requests, limits = mapping(resources.get("requests")), mapping(resources.get("limits"))
        for resource, raw_request in requests.items():
            if not isinstance(resource, str) or not _compared(resource) or resource not in limits:
                continue
            request, limit = _parsed(raw_request), _parsed(limits[resource])
            if request is None or limit is None or limit <= 0:
                continue
            if request > limit:
                yield Problem(
                    f"{resource} request {str(raw_request).strip()} is above its limit "
                    f"{str(limits[resource]).strip()}; the API server rejects this",
                    path=(*path, "requests", resource),
                )
