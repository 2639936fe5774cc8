"""Service settings: KN030 external-traffic-policy-misuse, KN031 session-affinity-config,
KN032 load-balancer-fields, KN033 headless-service-ports."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from k8slint.context import RuleContext
from k8slint.findings import Problem
from k8slint.model.objects import K8sObject
from k8slint.model.values import mapping, sequence
from k8slint.registry import object_check


def _spec(obj: K8sObject) -> dict[str, Any]:
    return mapping(obj.data.get("spec"))


def _type(spec: dict[str, Any]) -> str:
    value = spec.get("type")
    return value if isinstance(value, str) else "ClusterIP"


@object_check("KN030", kinds=("Service",), local=True)
def external_traffic_policy_misuse(obj: K8sObject, ctx: RuleContext) -> Iterator[Problem]:
    spec = _spec(obj)
    if "externalTrafficPolicy" not in spec or spec.get("externalTrafficPolicy") is None:
        return
    kind = _type(spec)
    if kind in ("ClusterIP", "ExternalName") and not spec.get("externalIPs"):
        yield Problem(
            f"externalTrafficPolicy only applies to NodePort and LoadBalancer Services, not to a {kind} Service",
            path=("spec", "externalTrafficPolicy"),
        )


@object_check("KN031", kinds=("Service",), local=True)
def session_affinity_config(obj: K8sObject, ctx: RuleContext) -> Iterator[Problem]:
    spec = _spec(obj)
    config = spec.get("sessionAffinityConfig")
    if not isinstance(config, dict):
        return
    if spec.get("sessionAffinity") != "ClientIP":
        yield Problem(
            "sessionAffinityConfig has no effect unless sessionAffinity is ClientIP",
            path=("spec", "sessionAffinityConfig"),
        )
        return
    timeout = mapping(config.get("clientIP")).get("timeoutSeconds")
    if isinstance(timeout, int) and not isinstance(timeout, bool) and not 1 <= timeout <= 86400:
        yield Problem(
            f"sessionAffinityConfig timeoutSeconds {timeout} is outside 1-86400",
            path=("spec", "sessionAffinityConfig", "clientIP", "timeoutSeconds"),
        )


@object_check("KN032", kinds=("Service",), local=True)
def load_balancer_fields(obj: K8sObject, ctx: RuleContext) -> Iterator[Problem]:
    spec = _spec(obj)
    kind = _type(spec)
    if kind == "LoadBalancer":
        return
    for field in ("loadBalancerSourceRanges", "loadBalancerIP", "loadBalancerClass"):
        if spec.get(field):
            refused = field != "loadBalancerIP"  # the API server accepts loadBalancerIP anywhere, and ignores it
            yield Problem(
                f"{field} only applies to LoadBalancer Services; this one is {kind}" + ("" if refused else " (accepted, and ignored)"),
                path=("spec", field),
                variant=None if refused else "ignored-field",
            )


@object_check("KN033", kinds=("Service",), local=True)
def headless_service_ports(obj: K8sObject, ctx: RuleContext) -> Iterator[Problem]:
    spec = _spec(obj)
    if spec.get("clusterIP") != "None":
        return
    for index, port in enumerate(sequence(spec.get("ports"))):
        port = mapping(port)
        number, target = port.get("port"), port.get("targetPort")
        if isinstance(target, int) and not isinstance(target, bool) and target not in (0, number):
            yield Problem(
                f"this headless Service maps port {number} to targetPort {target}, but clients of a headless Service "
                f"connect to pod IPs directly, on {target}, never on {number}",
                path=("spec", "ports", index, "targetPort"),
            )
