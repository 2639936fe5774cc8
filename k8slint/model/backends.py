"""The Service backends an Ingress (or a Contour HTTPProxy) names: what the Ingress rules (KN040, KN041) check and
the object graph draws, read in one place."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from k8slint.findings import FieldPath
from k8slint.model.objects import K8sObject
from k8slint.model.values import mapping, sequence


@dataclass(frozen=True, slots=True)
class Backend:
    service: str
    port: Any
    port_path: FieldPath
    path: FieldPath


ALB_ACTION_PORT = "use-annotation"
"""The port name by which an AWS Load Balancer Controller backend names the action in
``alb.ingress.kubernetes.io/actions.<name>`` (written in the manifest, or at run time by Argo
Rollouts), not a Service: no Service of that name is looked up. No other controller uses the name."""


def backends(obj: K8sObject) -> Iterator[Backend]:
    """Service backends of an Ingress (networking.k8s.io/v1 and the old serviceName/servicePort form),
    without the AWS Load Balancer Controller's action backends, which name no Service."""
    for backend in _backends(obj):
        if backend.port != ALB_ACTION_PORT:
            yield backend


CONTOUR_GROUP = "projectcontour.io"


def _backends(obj: K8sObject) -> Iterator[Backend]:
    spec = mapping(obj.data.get("spec"))
    if obj.kind == "HTTPProxy":
        if (obj.api_version or "").partition("/")[0] == CONTOUR_GROUP:
            yield from _proxy_backends(spec)
        return
    candidates: list[tuple[FieldPath, Any]] = [
        (("spec", "defaultBackend"), spec.get("defaultBackend")),
        (("spec", "backend"), spec.get("backend")),
    ]
    for r, rule in enumerate(sequence(spec.get("rules"))):
        for p, entry in enumerate(sequence(mapping(mapping(rule).get("http")).get("paths"))):
            candidates.append((("spec", "rules", r, "http", "paths", p, "backend"), mapping(entry).get("backend")))
    for path, backend in candidates:
        backend = mapping(backend)
        service = mapping(backend.get("service"))
        if isinstance(service.get("name"), str):
            port = mapping(service.get("port"))
            value = port.get("number", port.get("name"))
            field = "number" if "number" in port else "name"
            yield Backend(service["name"], value, (*path, "service", "port", field), (*path, "service", "name"))
        elif isinstance(backend.get("serviceName"), str):
            yield Backend(backend["serviceName"], backend.get("servicePort"), (*path, "servicePort"), (*path, "serviceName"))


def _proxy_backends(spec: dict[str, Any]) -> Iterator[Backend]:
    """The Services a Contour HTTPProxy routes to: each route's ``services`` and the TCP proxy's (projectcontour.io/v1;
    a Service of the HTTPProxy's own namespace, by name and port number: Contour marks the proxy invalid, and serves
    nothing for the route, when it is not there)."""
    lists: list[tuple[FieldPath, Any]] = [
        (("spec", "routes", r, "services"), mapping(route).get("services")) for r, route in enumerate(sequence(spec.get("routes")))
    ]
    lists.append((("spec", "tcpproxy", "services"), mapping(spec.get("tcpproxy")).get("services")))
    for path, services in lists:
        for index, service in enumerate(sequence(services)):
            service = mapping(service)
            if isinstance(service.get("name"), str):
                yield Backend(service["name"], service.get("port"), (*path, index, "port"), (*path, index, "name"))
