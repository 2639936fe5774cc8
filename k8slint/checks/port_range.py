"""KN002 port-out-of-range: ports outside 1-65535, node ports outside their range."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from k8slint.context import RuleContext
from k8slint.findings import FieldPath, Problem
from k8slint.model.objects import K8sObject
from k8slint.model.values import mapping, sequence
from k8slint.registry import dockerfile_check, object_check

if TYPE_CHECKING:
    from k8slint.model.dockerfile import DockerfileDoc

PROBES = ("livenessProbe", "readinessProbe", "startupProbe")
HANDLERS = ("httpGet", "tcpSocket", "grpc")


def parse_range(text: str) -> tuple[int, int]:
    low, _, high = str(text).partition("-")
    return int(low), int(high)


def port_problem(value: Any, path: FieldPath, what: str, low: int = 1, high: int = 65535, zero_unset: bool = False) -> Problem | None:
    """A problem when ``value`` is a number outside ``low..high`` or not an integer.

    Strings (named ports) and other types are left to the rules that own them.
    """
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if isinstance(value, float):
        return Problem(f"{what} {value:g} is not an integer", path=path)
    if zero_unset and value == 0:
        return None
    if not low <= value <= high:
        return Problem(f"{what} {value} is outside the valid range {low}-{high}", path=path)
    return None


def _in_range(value: Any) -> bool:
    """A port number in 1-65535, which port_problem passes whatever its range: no path to build for it."""
    return type(value) is int and 1 <= value <= 65535


@object_check("KN002", local=True, templates=True)
def check(obj: K8sObject, ctx: RuleContext) -> Iterator[Problem]:
    for container in obj.containers():
        data = container.data
        for index, port in enumerate(sequence(data.get("ports"))):
            if not isinstance(port, dict):
                continue
            number, host = port.get("containerPort"), port.get("hostPort")
            if _in_range(number) and (host is None or _in_range(host)):
                continue  # as nearly every port
            base = (*container.path, "ports", index)
            for problem in (
                port_problem(number, (*base, "containerPort"), "containerPort"),
                port_problem(host, (*base, "hostPort"), "hostPort", zero_unset=True),
            ):
                if problem:
                    yield problem
        for probe_name in PROBES:
            probe = data.get(probe_name)
            if not isinstance(probe, dict):
                continue  # most containers have only some of the probes
            for handler in HANDLERS:
                port = mapping(probe.get(handler)).get("port")
                if port is not None and not _in_range(port):  # most handlers are absent: no path to build for them
                    problem = port_problem(port, (*container.path, probe_name, handler, "port"), f"{probe_name} port")
                    if problem:
                        yield problem
        # validateHandler checks a lifecycle hook's port as it checks a probe's.
        lifecycle = data.get("lifecycle")
        if not isinstance(lifecycle, dict):
            continue
        for hook in ("postStart", "preStop"):
            action = mapping(lifecycle.get(hook))
            for handler in ("httpGet", "tcpSocket"):
                port = mapping(action.get(handler)).get("port")
                if port is not None and not _in_range(port):
                    problem = port_problem(port, (*container.path, "lifecycle", hook, handler, "port"), f"{hook} port")
                    if problem:
                        yield problem
    if obj.kind == "Service":
        yield from _service_ports(obj, ctx)


def _service_ports(obj: K8sObject, ctx: RuleContext) -> Iterator[Problem]:
    low, high = parse_range(ctx.option_text("node-port-range"))
    for index, port in enumerate(sequence(mapping(obj.data.get("spec")).get("ports"))):
        if not isinstance(port, dict):
            continue
        number, target, node = port.get("port"), port.get("targetPort"), port.get("nodePort")
        if _in_range(number) and (target is None or isinstance(target, str) or _in_range(target)) and node is None:
            continue  # as nearly every Service port
        base = ("spec", "ports", index)
        for problem in (
            port_problem(port.get("port"), (*base, "port"), "port"),
            port_problem(port.get("targetPort"), (*base, "targetPort"), "targetPort", zero_unset=True),
            port_problem(port.get("nodePort"), (*base, "nodePort"), "nodePort", low, high, zero_unset=True),
        ):
            if problem:
                yield problem


@dockerfile_check("KN002")
def exposed(doc: DockerfileDoc, ctx: RuleContext) -> Iterator[Problem]:
    from k8slint.model.dockerbuild import parse_expose  # here, so that runs without Dockerfiles do not pay for it
    from k8slint.model.dockerfile import Unresolved, substitute

    for stage in doc.stages:
        for instruction in stage.instructions:
            if instruction.keyword != "EXPOSE":
                continue
            for arg in instruction.args:
                try:
                    text = substitute(arg, stage.variables)
                except Unresolved:
                    continue
                parsed = parse_expose(text)
                where = doc.location(instruction.line)
                if parsed is None:
                    yield Problem(f"EXPOSE {text!r} is not a port, a range or port/protocol", location=where)
                    continue
                low, high, _, problem = parsed
                if problem:
                    yield Problem(f"EXPOSE {text!r}: {problem}", location=where)
                for port in sorted({low, high}):
                    if not 1 <= port <= 65535:
                        yield Problem(f"EXPOSE port {port} is outside the valid range 1-65535", location=where)
                if low > high:
                    yield Problem(f"EXPOSE range {text!r} runs backwards", location=where)
