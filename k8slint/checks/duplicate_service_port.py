"""KN003 duplicate-service-port: ports, port names and node ports that collide."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from k8slint.context import RuleContext
from k8slint.findings import Problem, Related
from k8slint.model.objects import K8sObject
from k8slint.model.values import mapping, repeats, sequence
from k8slint.registry import object_check, set_check


def _ports(obj: K8sObject) -> Iterator[tuple[int, dict[str, Any]]]:
    for index, port in enumerate(sequence(mapping(obj.data.get("spec")).get("ports"))):
        if isinstance(port, dict):
            yield index, port


@object_check("KN003", kinds=("Service",), local=True)
def within_service(obj: K8sObject, ctx: RuleContext) -> Iterator[Problem]:
    ports = list(_ports(obj))
    numbers = [(index, port.get("port"), port.get("protocol") or "TCP") for index, port in ports]
    counted = (
        (index, (number, protocol)) for index, number, protocol in numbers if isinstance(number, int) and not isinstance(number, bool)
    )
    for index, first, (number, protocol) in repeats(counted):
        yield Problem(
            f"port {number}/{protocol} is already declared by ports[{first}]",
            path=("spec", "ports", index, "port"),
            related=(Related(obj.locate(("spec", "ports", first, "port")), "first declared here"),),
        )
    names = [(index, port.get("name")) for index, port in ports]
    for index, first, name in repeats((index, name) for index, name in names if isinstance(name, str) and name):
        yield Problem(
            f"port name {name!r} is already used by ports[{first}]",
            path=("spec", "ports", index, "name"),
            related=(Related(obj.locate(("spec", "ports", first, "name")), "first used here"),),
        )
    if len(ports) > 1:
        for index, given in names:
            if not (isinstance(given, str) and given):
                yield Problem(
                    f"ports[{index}] has no name; when a Service has several ports, each needs a unique name",
                    path=("spec", "ports", index),
                )


@set_check("KN003", local=True)
def across_services(ctx: RuleContext) -> Iterator[Problem]:
    """Node ports and names that collide between Services of one file (or stream).

    Separate files are often alternatives (a kustomize overlay, a dual-stack
    variant of a sample) rather than parts applied together, so only objects
    that are applied together for certain are compared.
    """
    node_ports: dict[tuple[str, int], tuple[K8sObject, int]] = {}
    for obj in ctx.index.of_kind("Service"):
        claimed_here: set[int] = set()
        for index, port in _ports(obj):
            node_port = port.get("nodePort")
            if not isinstance(node_port, int) or isinstance(node_port, bool) or node_port == 0:
                continue
            if node_port in claimed_here:
                continue  # one Service may use a node port for several protocols
            claimed_here.add(node_port)
            first = node_ports.setdefault((obj.file.display, node_port), (obj, index))
            if first[0] is not obj:
                owner, position = first
                yield Problem(
                    f"nodePort {node_port} is already used by {owner.describe()}; node ports are cluster-wide",
                    path=("spec", "ports", index, "nodePort"),
                    subject=obj,
                    related=(Related(owner.locate(("spec", "ports", position, "nodePort")), "first used here"),),
                )
        name = obj.name
        if name is None:
            continue
        same_name = [o for o in ctx.index.definitions(obj.namespace, "Service", name) if o.file is obj.file]
        if len(same_name) > 1 and same_name[0] is not obj:
            first_obj = same_name[0]
            yield Problem(
                f"Service {name!r} is defined more than once in namespace {obj.namespace!r} in this file; "
                "the last one applied silently replaces the others",
                path=("metadata", "name"),
                subject=obj,
                related=(Related(first_obj.locate(("metadata", "name")), "first defined here"),),
            )
