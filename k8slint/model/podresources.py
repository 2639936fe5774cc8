"""Pod-level ``spec.resources`` (the PodLevelResources feature) and how it combines with containers'.

Alpha in Kubernetes 1.32 and 1.33 (off by default: the API server drops the field, ``dropDisabledFields``
in ``pkg/api/pod/util.go``), beta and on by default since 1.34. Where it is served:

- defaulting (kubernetes ``pkg/apis/core/v1/defaults.go`` ``defaultPodRequests``): when the pod sets
  limits, each supported resource it requests nothing of defaults to the aggregate of its containers'
  requests (cpu and memory, the overcommittable ones) or, when no container requests it, to the pod's limit;
- validation (``pkg/apis/core/validation/validation.go`` ``validatePodResources``): the pod's requests and
  limits are validated like a container's (``validateResourceRequirements``: request at most the limit),
  then ``validatePodResourceConsistency``: the pod's request of a resource at least its containers'
  aggregate request, and each regular container's limit at most the pod's limit.

The aggregate mirrors ``AggregateContainerRequests`` (``staging/src/k8s.io/component-helpers/resource/helpers.go``):
the sum over regular containers and native sidecars, or, when larger, what an init container needs while it
runs (its own request plus the sidecars started before it). A container's missing request defaults to its limit
(``defaults.go`` ``SetDefaults_Pod``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from k8slint.findings import FieldPath
from k8slint.model.quantity import QuantityError, parse_quantity
from k8slint.model.values import mapping, sequence

POD_LEVEL_RESOURCES_SINCE = (1, 34)
"""The first minor release that serves pod-level resources by default (the PodLevelResources gate is beta)."""

_OVERCOMMITTABLE = ("cpu", "memory")


def supported_pod_level_resource(name: str) -> bool:
    """cpu, memory and hugepages (``validatePodResourceName``; ``IsSupportedPodLevelResource``)."""
    return name in ("cpu", "memory") or name.startswith("hugepages-")


def _quantity(value: Any) -> Fraction | None:
    try:
        return parse_quantity(value)
    except QuantityError:
        return None


def container_requests(container: dict[str, Any]) -> dict[str, Fraction]:
    """A container's requests after defaulting: a resource with a limit and no request requests its limit."""
    resources = mapping(container.get("resources"))
    merged = {**mapping(resources.get("limits")), **mapping(resources.get("requests"))}
    found = {}
    for name, value in merged.items():
        quantity = _quantity(value)
        if isinstance(name, str) and quantity is not None:
            found[name] = quantity
    return found


def aggregate_container_requests(spec: dict[str, Any]) -> dict[str, Fraction]:
    """``AggregateContainerRequests`` of a pod spec (ephemeral containers request nothing)."""
    total: dict[str, Fraction] = {}
    for container in sequence(spec.get("containers")):
        for name, quantity in container_requests(mapping(container)).items():
            total[name] = total.get(name, Fraction(0)) + quantity
    sidecars: dict[str, Fraction] = {}
    init_peak: dict[str, Fraction] = {}
    for container in sequence(spec.get("initContainers")):
        container = mapping(container)
        own = container_requests(container)
        if container.get("restartPolicy") == "Always":
            for name, quantity in own.items():
                total[name] = total.get(name, Fraction(0)) + quantity
                sidecars[name] = sidecars.get(name, Fraction(0)) + quantity
            running = dict(sidecars)
        else:
            running = {name: own.get(name, Fraction(0)) + sidecars.get(name, Fraction(0)) for name in {*own, *sidecars}}
        for name, quantity in running.items():
            init_peak[name] = max(init_peak.get(name, Fraction(0)), quantity)
    for name, quantity in init_peak.items():
        total[name] = max(total.get(name, Fraction(0)), quantity)
    return total


@dataclass(frozen=True, slots=True)
class PodResources:
    """A pod spec's ``resources`` as the API server sees it after defaulting."""

    path: FieldPath
    """Path of ``resources`` inside the object."""
    requests: dict[str, Fraction]
    """Explicit and defaulted requests."""
    limits: dict[str, Fraction]
    explicit_requests: frozenset[str]
    """The resources whose request the manifest sets (the others are defaulted)."""


def pod_resources(spec_path: FieldPath, spec: dict[str, Any]) -> PodResources | None:
    """The pod-level resources of a pod spec, defaulted as ``defaultPodRequests`` does; None without any."""
    resources = spec.get("resources")
    if not isinstance(resources, dict):
        return None
    limits = {n: q for n, v in mapping(resources.get("limits")).items() if isinstance(n, str) and (q := _quantity(v)) is not None}
    requests = {n: q for n, v in mapping(resources.get("requests")).items() if isinstance(n, str) and (q := _quantity(v)) is not None}
    explicit = frozenset(requests)
    if limits:
        for name, quantity in aggregate_container_requests(spec).items():
            if name not in requests and supported_pod_level_resource(name) and name in _OVERCOMMITTABLE:
                requests[name] = quantity
        for name, quantity in limits.items():
            if name not in requests and supported_pod_level_resource(name):
                requests[name] = quantity
    if not requests and not limits:
        return None
    return PodResources((*spec_path, "resources"), requests, limits, explicit)


def show(resource: str, value: Fraction) -> str:
    """A quantity as the API server would print it, near enough: ``1500m``, ``2``, ``768Mi``."""
    if resource == "cpu" or value.denominator != 1:
        if value.denominator == 1:
            return str(value.numerator)
        millis = value * 1000
        return f"{millis.numerator}m" if millis.denominator == 1 else str(float(value))
    whole = value.numerator
    for suffix, power in (("Ei", 6), ("Pi", 5), ("Ti", 4), ("Gi", 3), ("Mi", 2), ("Ki", 1)):
        if whole and whole % (1024**power) == 0:
            return f"{whole // 1024**power}{suffix}"
    return str(whole)


@dataclass(frozen=True, slots=True)
class PodResourceRefusal:
    path: FieldPath
    message: str


def pod_resource_refusals(spec_path: FieldPath, spec: dict[str, Any]) -> Iterator[PodResourceRefusal]:
    """``validatePodResources`` (no ``claims``, supported resource names), ``validatePodResourceConsistency``,
    and the defaulted-request case of ``validateResourceRequirements``.

    A request the manifest sets above its own limit is request-exceeds-limit's (KR002), as for a container.
    Only resources the pod sets (or defaults) are compared: upstream compares every aggregated container
    resource with the pod's request, unset ones included, which k8slint does not claim to know the outcome of.
    """
    raw = mapping(spec.get("resources"))
    path = (*spec_path, "resources")
    if raw.get("claims") is not None:
        # validatePodResources
        yield PodResourceRefusal((*path, "claims"), "Forbidden: claims cannot be set for Resources at pod-level")
    for section in ("requests", "limits"):
        for name in mapping(raw.get(section)):
            if isinstance(name, str) and not supported_pod_level_resource(name):
                # validatePodResourceName: only the resources IsSupportedPodLevelResource names
                yield PodResourceRefusal(
                    (*path, section, name),
                    f'Unsupported value: "{name}": pod-level resources support cpu, memory and hugepages-<size> only; '
                    "set it on the containers",
                )
    pod = pod_resources(spec_path, spec)
    if pod is None:
        return
    aggregate = aggregate_container_requests(spec)
    for name, requested in sorted(pod.requests.items()):
        total = aggregate.get(name)
        if not supported_pod_level_resource(name) or total is None:
            continue
        if name in pod.explicit_requests:
            if total > requested:
                yield PodResourceRefusal(
                    (*pod.path, "requests", name),
                    f"Invalid value: {_text(mapping(raw.get('requests')).get(name))}: must be greater than or equal to "
                    f"aggregate container requests of {show(name, total)}",
                )
        elif name in pod.limits and total > pod.limits[name]:
            # the request defaults to the containers' aggregate, which must stay within the pod's limit
            yield PodResourceRefusal(
                (*pod.path, "limits", name),
                f"the pod's {name} request defaults to its containers' aggregate request of {show(name, total)}, which "
                f"is above the pod's {name} limit {_text(mapping(raw.get('limits')).get(name))}: the API server refuses "
                f'it ("must be less than or equal to {name} limit")',
            )
    for index, container in enumerate(sequence(spec.get("containers"))):
        container = mapping(container)
        limits = mapping(mapping(container.get("resources")).get("limits"))
        for name, value in limits.items():
            quantity = _quantity(value)
            if not isinstance(name, str) or quantity is None or name not in pod.limits:
                continue
            if quantity > pod.limits[name]:
                yield PodResourceRefusal(
                    (*spec_path, "containers", index, "resources", "limits", name),
                    f"Invalid value: {_text(value)}: must be less than or equal to pod limits of "
                    f"{_text(mapping(raw.get('limits')).get(name))}",
                )


def _text(value: Any) -> str:
    return f'"{str(value).strip()}"'
