"""Container probes.

KR012 missing-readiness-probe, KR013 missing-liveness-probe, KR014
missing-startup-probe, KR015 probe-port-unknown, KR016 probe-misconfigured and
KR017 health-endpoint all read the probes of the same containers, so they share
this module.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator
from typing import Any, TypeGuard

from k8slint.context import RuleContext
from k8slint.findings import FieldPath, Problem
from k8slint.model.fields import container_ports
from k8slint.model.images import ImageError, parse_image
from k8slint.model.numbers import is_ascii_digits
from k8slint.model.objects import K8sObject
from k8slint.model.placeholders import port_placeholder
from k8slint.model.workloads import LONG_RUNNING_KINDS, PROBES, ContainerView, probe_handler
from k8slint.registry import object_check

# The numbers of a probe that the API server validates as non-negative.
PROBE_NUMBERS = ("initialDelaySeconds", "timeoutSeconds", "periodSeconds", "successThreshold", "failureThreshold")


def _serving_containers(obj: K8sObject, version: str) -> Iterator[ContainerView]:
    """The containers of a long-running workload that keep running: its regular containers and its native
    sidecars (other init containers run to completion). A sidecar's readiness counts in the pod's: the kubelet's
    GenerateContainersReadyCondition (pkg/kubelet/status/generate.go) reads restartable init containers too."""
    for container in obj.containers():
        if container.runs_beside_app(version):
            yield container


def _probes(obj: K8sObject) -> Iterator[tuple[ContainerView, str, dict[str, Any]]]:
    for container in obj.containers():
        for name in PROBES:
            probe = container.data.get(name)
            if isinstance(probe, dict):
                yield container, name, probe


@object_check("KR012", kinds=LONG_RUNNING_KINDS, local=True)
def missing_readiness_probe(obj: K8sObject, ctx: RuleContext) -> Iterator[Problem]:
    for container in _serving_containers(obj, ctx.kubernetes_version):
        if "readinessProbe" not in container.data:
            yield Problem(f"container {container.name!r} has no readinessProbe", path=container.path)


@object_check("KR013", kinds=LONG_RUNNING_KINDS, local=True)
def missing_liveness_probe(obj: K8sObject, ctx: RuleContext) -> Iterator[Problem]:
    for container in _serving_containers(obj, ctx.kubernetes_version):
        if "livenessProbe" not in container.data:
            yield Problem(f"container {container.name!r} has no livenessProbe", path=container.path)


def _image_matches(image: Any, patterns: list[str]) -> bool:
    if not isinstance(image, str):
        return False
    try:
        repository = parse_image(image).repository
    except ImageError:
        repository = image
    return any(fnmatch.fnmatchcase(repository, p) or fnmatch.fnmatchcase(image, p) for p in patterns)


@object_check("KR014", kinds=LONG_RUNNING_KINDS, local=True)
def missing_startup_probe(obj: K8sObject, ctx: RuleContext) -> Iterator[Problem]:
    slow = ctx.option_texts("slow-start-images")
    if not slow:
        return
    for container in _serving_containers(obj, ctx.kubernetes_version):
        if "startupProbe" not in container.data and _image_matches(container.data.get("image"), slow):
            yield Problem(
                f"container {container.name!r} starts slowly (slow-start-images) but has no startupProbe",
                path=container.path,
            )


# What a probe whose named port cannot be resolved does: it keeps its initial result.
_UNRESOLVED = {
    "readinessProbe": "so the container never becomes ready",
    "startupProbe": "so the container never counts as started and its other probes never run",
    "livenessProbe": "and errors are not failures, so this probe never restarts the container: it checks nothing",
}


@object_check("KR015", local=True, pods=True)
def probe_port_unknown(obj: K8sObject, ctx: RuleContext) -> Iterator[Problem]:
    for container, name, probe in _probes(obj):
        found = probe_handler(probe)
        if found is None or found[0] == "exec":
            continue
        handler, settings = found
        port = settings.get("port")
        if port_placeholder(port, number_only=False):
            continue  # reported by unrendered-placeholder
        path: FieldPath = (*container.path, name, handler, "port")
        if isinstance(port, (int, str)) and not isinstance(port, bool) and obj.file.patched(obj.kind, obj.name, "port", str(port), obj):
            continue  # unbuilt, a patch of every build adds the port (kubebuilder's webhook patch adds 9443)
        ports = container_ports(obj, container)
        if isinstance(port, str) and not is_ascii_digits(port):
            match = next((p for p in ports if p.name == port), None)
            if match is None:
                # The kubelet cannot resolve the name: every attempt errors, and its worker discards errored
                # attempts (pkg/kubelet/prober/worker.go), so the probe keeps its initial result.
                yield Problem(
                    f"{name} of container {container.name!r} uses port {port!r}, which the container does not declare: "
                    f"every attempt errors, {_UNRESOLVED[name]}",
                    path=path,
                    variant="unresolved-liveness-port" if name == "livenessProbe" else None,
                )
            elif match.protocol == "UDP":
                yield Problem(f"{name} of container {container.name!r} probes UDP port {port!r} over TCP", path=path)
        elif isinstance(port, int) and not isinstance(port, bool):
            matches = [p for p in ports if p.number == port]
            if ports and not matches and not _declared_elsewhere(obj, container, port):
                yield Problem(
                    f"{name} of container {container.name!r} probes port {port}, which the container does not declare "
                    "(the app may still listen there)",
                    path=path,
                    variant="undeclared-number",
                )
            elif matches and all(p.protocol == "UDP" for p in matches):
                yield Problem(f"{name} of container {container.name!r} probes UDP port {port} over TCP", path=path)


def _declared_elsewhere(obj: K8sObject, container: ContainerView, port: int) -> bool:
    """Whether another container of the pod declares ``port``: the containers of a pod share its
    network, so a port another container serves answers the probe too (asked only when the
    probing container does not declare it)."""
    return any(p.number == port for other in obj.containers() if other.path != container.path for p in container_ports(obj, other))


@object_check("KR016", local=True, pods=True)
def probe_misconfigured(obj: K8sObject, ctx: RuleContext) -> Iterator[Problem]:
    for container, name, probe in _probes(obj):
        # The API server rejects negative values; it replaces a 0 with the default, so 0 is no defect.
        for field in PROBE_NUMBERS:
            value = probe.get(field)
            if value is not None and _int(value) and value < 0:
                yield Problem(f"{name} {field} is {value}; the API server rejects a negative value", path=(*container.path, name, field))
        success = probe.get("successThreshold")
        if name in ("livenessProbe", "startupProbe") and _int(success) and success > 1:
            yield Problem(
                f"{name} successThreshold is {success}; the API server accepts only 1 for a {name}",
                path=(*container.path, name, "successThreshold"),
            )
    for container in obj.containers():
        yield from _liveness_like_readiness(container)


def _liveness_like_readiness(container: ContainerView) -> Iterator[Problem]:
    liveness, readiness = container.data.get("livenessProbe"), container.data.get("readinessProbe")
    if not isinstance(liveness, dict) or not isinstance(readiness, dict) or "startupProbe" in container.data:
        return
    if _handler_key(liveness) is not None and _handler_key(liveness) == _handler_key(readiness):
        yield Problem(
            f"container {container.name!r}: the livenessProbe checks the same thing as the readinessProbe and there "
            "is no startupProbe, so a container that fails readiness because it is busy or slow to start can fail "
            "liveness too and be restarted",
            path=(*container.path, "livenessProbe"),
            variant="liveness-same-as-readiness",
        )


def _handler_key(probe: dict[str, Any]) -> tuple[Any, ...] | None:
    found = probe_handler(probe)
    if found is None:
        return None
    handler, settings = found
    if handler == "exec":
        command = settings.get("command")
        return (handler, tuple(command) if isinstance(command, list) else command)
    return (handler, settings.get("path"), str(settings.get("port")), settings.get("service"))


def _int(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


@object_check("KR017", local=True, pods=True)
def health_endpoint(obj: K8sObject, ctx: RuleContext) -> Iterator[Problem]:
    endpoints = ctx.option_table("endpoints")
    if not endpoints:
        return
    for container, name, probe in _probes(obj):
        found = probe_handler(probe)
        if found is None or found[0] != "httpGet":
            continue
        wanted = next((path for pattern, path in endpoints.items() if _image_matches(container.data.get("image"), [pattern])), None)
        actual = found[1].get("path")
        if wanted is not None and actual != wanted:
            yield Problem(
                f"{name} of container {container.name!r} checks {actual!r}, but the app's health endpoint is {wanted!r}",
                path=(*container.path, name, "httpGet", "path"),
            )
