"""KN026 target-port-unknown: a Service targetPort that its pods do not declare."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from k8slint.context import RuleContext
from k8slint.findings import Problem
from k8slint.model.fields import container_ports
from k8slint.model.numbers import is_ascii_digits
from k8slint.model.objects import K8sObject
from k8slint.model.placeholders import port_placeholder
from k8slint.model.selectors import from_map
from k8slint.model.values import mapping, sequence
from k8slint.model.workloads import SIDECAR_PORTS_SINCE, ContainerView, version_at_least
from k8slint.registry import object_check


@object_check("KN026", kinds=("Service",))
def check(obj: K8sObject, ctx: RuleContext) -> Iterator[Problem]:
    spec = mapping(obj.data.get("spec"))
    raw = spec.get("selector")
    if spec.get("type") == "ExternalName" or not isinstance(raw, dict) or not raw:
        return
    templates = ctx.index.templates_matching(obj, from_map(raw))
    if not templates:
        return  # selecting nothing is service-selector-no-match's finding
    resolved_in_sidecars = version_at_least(ctx.kubernetes_version, SIDECAR_PORTS_SINCE)
    declared = [port for t in templates for c in _containers(t, resolved_in_sidecars) for port in container_ports(t.obj, c)]
    names = {p.name for p in declared if p.name}
    # unbuilt, a port that a kustomize patch of the workload's build adds (kube-rbac-proxy's https) is its too
    patched = {
        fact[3]
        for t in templates
        for fact in t.obj.file.kustomize_patched
        if fact[2] == "port" and t.obj.file.patched(t.obj.kind, t.obj.name, "port", fact[3], t.obj)
    }
    names |= {port for port in patched if not port.isdigit()}
    numbers = {p.number for p in declared if p.number is not None} | {int(port) for port in patched if port.isdigit()}
    # Before 1.32 a sidecar's named port resolves to no endpoint: say so rather than "not a port name".
    unresolved_sidecar = (
        {}
        if resolved_in_sidecars
        else {p.name: c.name for t in templates for c in t.obj.containers() if c.is_sidecar for p in container_ports(t.obj, c) if p.name}
    )
    for index, port in enumerate(sequence(spec.get("ports"))):
        port = mapping(port)
        target = port.get("targetPort", port.get("port"))
        where = ("spec", "ports", index, "targetPort" if "targetPort" in port else "port")
        if isinstance(target, str) and not is_ascii_digits(target):
            if target not in names and target in unresolved_sidecar:
                yield Problem(
                    f"targetPort {target!r} names a port of sidecar {unresolved_sidecar[target]!r} (an init container with "
                    f"restartPolicy: Always); Kubernetes {ctx.kubernetes_version} resolves a named targetPort only in "
                    "regular containers (sidecar ports since 1.32), so the Service gets no endpoints for it: use the number",
                    path=where,
                )
            elif target not in names and not port_placeholder(target, number_only=False):
                known = ", ".join(sorted(names)) or "none"
                if spec.get("clusterIP") == "None":
                    # headless: kube-proxy forwards nothing, and clients reach the pods' own addresses; the
                    # EndpointSlices only give this port no number for the pods (no DNS SRV record for it)
                    yield Problem(
                        f"targetPort {target!r} is not a port name of the selected pods ({_workloads(templates)}); their "
                        f"names: {known}. The Service is headless: its EndpointSlices give the port no number for these pods, "
                        "so DNS has no SRV record for it, while clients that connect to the pods' addresses are unaffected",
                        path=where,
                        variant="headless",
                    )
                    continue
                yield Problem(
                    f"targetPort {target!r} is not a port name of the selected pods ({_workloads(templates)}); their names: {known}",
                    path=where,
                )
        elif isinstance(target, int) and not isinstance(target, bool) and 1 <= target <= 65535 and declared and target not in numbers:
            yield Problem(
                f"targetPort {target} is not declared by the selected pods ({_workloads(templates)}); the app may still "
                "listen there, but declaring it documents it",
                path=where,
                variant="undeclared-number",
            )


def _workloads(templates: list[Any]) -> str:
    return ", ".join(sorted({t.obj.describe() for t in templates}))


def _containers(template: Any, with_sidecars: bool) -> Iterator[ContainerView]:
    """The containers whose ports endpoints resolve a targetPort in: the regular ones and, since 1.32,
    native sidecars (kubernetes pkg/api/v1/pod/util.go FindPort; staging/src/k8s.io/endpointslice/utils.go)."""
    for container in template.obj.containers():
        if container.group == "containers" or (with_sidecars and container.is_sidecar):
            yield container
