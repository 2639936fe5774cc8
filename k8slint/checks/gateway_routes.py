"""Gateway API route rules KN050-KN053: backendRefs to Services, their ports, parentRefs to Gateways,
ReferenceGrants for backendRefs into other namespaces;
and the Gateway API's hostnames for KN045 (invalid-hostname).

The same family as the Ingress rules (KN040, KN041): a route's backendRefs are looked up with the
object index as an Ingress backend is, and a missing Service is reported only where the route's
folder manages Services in its namespace. Route and listener hostnames that are not DNS names are
schema errors of the bundled Gateway API CRDs (KL010); KN045 reports what the Gateway API's
``Hostname`` type forbids but its schema lets through (an IPv4 address, a label over 63 characters). Listener matching follows the Gateway API's attachment
rules (``ParentReference`` and ``Listener`` in apis/v1/shared_types.go and gateway_types.go of
kubernetes-sigs/gateway-api): sectionName and port narrow the listeners, then each must allow the
route's kind (``allowedRoutes.kinds``, by default the kinds of its protocol) and namespace
(``allowedRoutes.namespaces.from``: Same by default, All, or Selector), and a listener hostname
must intersect the route's hostnames.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from k8slint.context import RuleContext
from k8slint.findings import FieldPath, Problem, Related
from k8slint.model.graph.index import GATEWAY_ROUTES
from k8slint.model.graph.presence import managed_here, present
from k8slint.model.objects import K8sObject
from k8slint.model.placeholders import template_placeholder
from k8slint.model.selectors import from_label_selector
from k8slint.model.values import mapping, sequence
from k8slint.registry import object_check

GATEWAY_GROUP = "gateway.networking.k8s.io"
ROUTES = GATEWAY_ROUTES
_PROTOCOL_KINDS = {
    "HTTP": frozenset({"HTTPRoute", "GRPCRoute"}),
    "HTTPS": frozenset({"HTTPRoute", "GRPCRoute"}),
    "TLS": frozenset({"TLSRoute", "TCPRoute"}),
    "TCP": frozenset({"TCPRoute"}),
    "UDP": frozenset({"UDPRoute"}),
}
"""The route kinds a listener of a core protocol admits when ``allowedRoutes.kinds`` is empty; the
implementation decides, so this is the widest set any conformant one supports (a TLS listener in
Terminate mode also carries TCPRoutes). A listener of any other protocol admits every kind."""


def is_gateway_api(obj: K8sObject) -> bool:
    return isinstance(obj.api_version, str) and obj.api_version.startswith(f"{GATEWAY_GROUP}/")


@dataclass(frozen=True, slots=True)
class BackendRef:
    name: str
    port: Any
    path: FieldPath
    """The backendRef entry."""
    namespace: str | None = None
    """The namespace it names, when it is not the route's."""


def service_backends(obj: K8sObject, other_namespaces: bool = False) -> Iterator[BackendRef]:
    """The backendRefs of a route's rules that name a Service in the route's own namespace (with
    ``other_namespaces``, those that name one in another namespace instead, with ``namespace`` set).

    A backendRef of another kind (a ServiceImport, an implementation's own backend) names no Service.
    """
    for r, rule in enumerate(sequence(mapping(obj.data.get("spec")).get("rules"))):
        for b, ref in enumerate(sequence(mapping(rule).get("backendRefs"))):
            ref = mapping(ref)
            name = ref.get("name")
            if not isinstance(name, str) or not name or template_placeholder(name):
                continue
            if ref.get("group", "") not in ("", "core") or ref.get("kind", "Service") != "Service":
                continue
            namespace = ref.get("namespace")
            elsewhere = isinstance(namespace, str) and namespace != obj.namespace
            if elsewhere != other_namespaces:
                continue
            yield BackendRef(name, ref.get("port"), ("spec", "rules", r, "backendRefs", b), namespace if elsewhere else None)


@object_check("KN050", kinds=ROUTES)
def route_backend_missing(obj: K8sObject, ctx: RuleContext) -> Iterator[Problem]:
    if not is_gateway_api(obj) or not managed_here(ctx.index, obj, "Service"):
        return  # the namespace's Services are not among the linted files next to this route
    services_here = ctx.index.in_namespace(obj, "Service")
    for backend in service_backends(obj):
        if not present(ctx.index, obj, "Service", backend.name):
            known = ", ".join(sorted({s.name for s in services_here if s.name}))
            yield Problem(
                f"backendRef Service {backend.name!r} is not defined in namespace {obj.namespace!r} (its Services: {known})",
                path=(*backend.path, "name"),
            )


@object_check("KN051", kinds=ROUTES)
def route_backend_port_unknown(obj: K8sObject, ctx: RuleContext) -> Iterator[Problem]:
    if not is_gateway_api(obj):
        return
    for backend in service_backends(obj):
        if not isinstance(backend.port, int) or isinstance(backend.port, bool):
            continue  # no port (the API server refuses a Service backendRef without one: a schema error) or not a number
        service = ctx.index.nearest(obj, "Service", backend.name)
        if service is None:
            continue
        ports = [mapping(p) for p in sequence(mapping(service.data.get("spec")).get("ports"))]
        if not ports:
            continue  # a Service without ports (a patch to merge, an ExternalName) offers nothing to compare with
        if backend.port in {p.get("port") for p in ports}:
            continue
        offered = ", ".join(str(p.get("port")) for p in ports)
        yield Problem(
            f"Service {backend.name!r} has no port {backend.port} (its ports: {offered}); a backendRef names the Service's port, not a target port",
            path=(*backend.path, "port"),
            related=(Related(service.locate(("spec", "ports")), f"ports of {ctx.index.resolved_to(obj, service)}"),),
        )


def hostnames_intersect(a: str, b: str) -> bool:
    """Whether two Gateway API hostnames can match one request host (``*.`` is a suffix match of one label or more)."""
    if a == b:
        return True
    if a.startswith("*.") and b.endswith(a[1:]):
        return True
    return b.startswith("*.") and a.endswith(b[1:])


def _strings(values: Any) -> list[str]:
    return [v for v in sequence(values) if isinstance(v, str)]


def _allows_kind(listener: dict[str, Any], kind: str) -> bool:
    kinds = sequence(mapping(listener.get("allowedRoutes")).get("kinds"))
    if kinds:
        return any(mapping(k).get("kind") == kind and mapping(k).get("group", GATEWAY_GROUP) == GATEWAY_GROUP for k in kinds)
    protocol = listener.get("protocol")
    return kind in _PROTOCOL_KINDS.get(protocol, frozenset({kind})) if isinstance(protocol, str) else True


def _allows_namespace(listener: dict[str, Any], gateway: K8sObject, route: K8sObject, ctx: RuleContext) -> bool:
    namespaces = mapping(mapping(listener.get("allowedRoutes")).get("namespaces"))
    source = namespaces.get("from", "Same")
    if source == "All" or not _namespace_known(route):
        return True
    if source == "Same":
        return route.namespace == gateway.namespace
    if source == "Selector":
        found = ctx.index.definitions(None, "Namespace", route.namespace or "")
        if len(found) != 1 or not isinstance(namespaces.get("selector"), dict):
            return True  # the namespace's labels are not known here
        labels = {**mapping(mapping(found[0].data.get("metadata")).get("labels")), "kubernetes.io/metadata.name": route.namespace}
        return from_label_selector(namespaces["selector"]).matches(labels)
    return True  # a value the schema refuses


def _namespace_known(obj: K8sObject) -> bool:
    """Whether the object's namespace is written (in its metadata, or by the kustomization that builds it),
    not the default of the run: a route without one is applied to whatever namespace ``kubectl -n`` names."""
    return isinstance(mapping(obj.data.get("metadata")).get("namespace"), str) or obj.file.namespace_from is not None


@dataclass(frozen=True, slots=True)
class Mismatch:
    reason: str
    field: str
    """The parentRef field the reason is about."""


def _mismatch(route: K8sObject, ref: dict[str, Any], gateway: K8sObject, ctx: RuleContext) -> Mismatch | None:
    """Why no listener of the Gateway accepts the route through this parentRef (None when one does)."""
    listeners = [mapping(item) for item in sequence(mapping(gateway.data.get("spec")).get("listeners"))]
    if not listeners:
        return None  # listeners merged in from elsewhere (a patch, a template): nothing to compare with
    section, port = ref.get("sectionName"), ref.get("port")
    if isinstance(section, str):
        listeners = [item for item in listeners if item.get("name") == section]
        if not listeners:
            return Mismatch(f"has no listener named {section!r}", "sectionName")
    if isinstance(port, int):
        listeners = [item for item in listeners if item.get("port") == port]
        if not listeners:
            return Mismatch(f"has no listener{' ' + repr(section) if isinstance(section, str) else ''} on port {port}", "port")
    kind = route.kind or ""
    listeners = [item for item in listeners if _allows_kind(item, kind)]
    if not listeners:
        return Mismatch(f"has no listener{_which(section, port)} that allows {kind}s", "name")
    listeners = [item for item in listeners if _allows_namespace(item, gateway, route, ctx)]
    if not listeners:
        return Mismatch(f"has no listener{_which(section, port)} that allows {kind}s from namespace {route.namespace!r}", "name")
    hostnames = _strings(mapping(route.data.get("spec")).get("hostnames"))
    if not hostnames or any(template_placeholder(h) for h in hostnames):
        return None
    for item in listeners:
        host = item.get("hostname")
        if not isinstance(host, str) or template_placeholder(host) or any(hostnames_intersect(host, h) for h in hostnames):
            return None
    shown = ", ".join(sorted({str(item.get("hostname")) for item in listeners}))
    return Mismatch(
        f"has no listener{_which(section, port)} whose hostname matches the route's hostnames (listener hostnames: {shown})", "name"
    )


def _which(section: Any, port: Any) -> str:
    parts = [repr(section)] if isinstance(section, str) else []
    if isinstance(port, int):
        parts.append(f"on port {port}")
    return " " + " ".join(parts) if parts else ""


@object_check("KN052", kinds=ROUTES)
def route_parent_no_listener(obj: K8sObject, ctx: RuleContext) -> Iterator[Problem]:
    if not is_gateway_api(obj):
        return
    for p, ref in enumerate(sequence(mapping(obj.data.get("spec")).get("parentRefs"))):
        ref = mapping(ref)
        name = ref.get("name")
        if not isinstance(name, str) or template_placeholder(name):
            continue
        if ref.get("group", GATEWAY_GROUP) != GATEWAY_GROUP or ref.get("kind", "Gateway") != "Gateway":
            continue  # a ListenerSet, a Service (mesh), an implementation's own parent
        namespace = ref.get("namespace", obj.namespace)
        if namespace == obj.namespace:
            # the nearest definition, and those as near (variants of one Gateway side by side in a folder, which a
            # reader applies one at a time): the route is unattached only if none of them takes it
            found = ctx.index.named(obj, "Gateway", name)
            near = ctx.index.units.nearness(obj, found[0]) if found else None
            gateways = [g for g in found if ctx.index.units.nearness(obj, g) == near]
        else:
            gateways = ctx.index.definitions(namespace, "Gateway", name)
        gateways = [g for g in gateways if is_gateway_api(g) and _same_deployment(obj, g, ctx) and not _extended(g, ctx)]
        if not gateways:
            continue  # a Gateway managed elsewhere (a platform team's, say)
        mismatches = [_mismatch(obj, ref, gateway, ctx) for gateway in gateways]
        if any(m is None for m in mismatches):
            continue
        first, gateway = mismatches[0], gateways[0]
        assert first is not None
        field = first.field if first.field in ref else "name"
        yield Problem(
            f"parentRef Gateway {name!r} {first.reason}: the route is not attached and serves no traffic",
            path=("spec", "parentRefs", p, field),
            related=(Related(gateway.locate(("spec", "listeners")), f"listeners of {ctx.index.resolved_to(obj, gateway)}"),),
        )


def _same_deployment(route: K8sObject, gateway: K8sObject, ctx: RuleContext) -> bool:
    """Whether the route and the Gateway are deployed together: in one deployment unit, or the Gateway in
    the route's folder or a folder above it (a shared Gateway). A Gateway of the same name in a sample
    folder below the route's, another deployment, is not the route's parent."""
    units = ctx.index.units
    if not units.sees(route, gateway):
        return False
    if units.unit(route) == units.unit(gateway):
        return True
    folder, own = units.folder(gateway), units.folder(route)
    return own[: len(folder)] == folder


def _extended(gateway: K8sObject, ctx: RuleContext) -> bool:
    """Whether a ListenerSet in the set adds listeners to the Gateway (routes may attach through them)."""
    for listener_set in ctx.index.of_kind("ListenerSet", "XListenerSet"):
        parent = mapping(mapping(listener_set.data.get("spec")).get("parentRef"))
        if parent.get("name") == gateway.name and parent.get("namespace", listener_set.namespace) == gateway.namespace:
            return True
    return False


_GATEWAY_HOSTNAME = re.compile(r"(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
"""The pattern the Gateway API's CRDs give a ``Hostname`` (with ``maxLength: 253``): what fails it is a schema error."""
_IPV4 = re.compile(r"[0-9.]+")


def gateway_hostname_problem(host: str) -> str | None:
    """What the Gateway API's ``Hostname`` type forbids (no IP addresses, labels of at most 63 characters) but its
    CRD schema lets through; None for a hostname the schema accepts or already refuses."""
    if len(host) > 253 or not _GATEWAY_HOSTNAME.fullmatch(host):
        return None  # a schema-violation of the CRD
    if _IPV4.fullmatch(host):
        return "is an IP address; Gateway API hostnames must be DNS names (IPs are not allowed)"
    long = next((label for label in host.split(".") if len(label) > 63), None)
    if long is not None:
        return f"has a label of {len(long)} characters; DNS labels have at most 63"
    return None


def _hostnames(obj: K8sObject) -> Iterator[tuple[str, FieldPath]]:
    spec = mapping(obj.data.get("spec"))
    if obj.kind in ROUTES:
        for i, host in enumerate(sequence(spec.get("hostnames"))):
            if isinstance(host, str):
                yield host, ("spec", "hostnames", i)
    else:  # a Gateway's or a ListenerSet's listeners
        for i, listener in enumerate(sequence(spec.get("listeners"))):
            host = mapping(listener).get("hostname")
            if isinstance(host, str):
                yield host, ("spec", "listeners", i, "hostname")


@object_check("KN045", kinds=(*ROUTES, "Gateway", "ListenerSet"), local=True)
def gateway_api_hostname(obj: K8sObject, ctx: RuleContext) -> Iterator[Problem]:
    if not is_gateway_api(obj):
        return
    for host, path in _hostnames(obj):
        problem = gateway_hostname_problem(host)
        if problem:
            yield Problem(f"hostname {host!r} {problem}", path=path, variant="gateway-api")


def _grants(grant: K8sObject, route: K8sObject, service: str) -> bool:
    """Whether a ReferenceGrant lets routes of the route's kind and namespace refer to the Service
    (``ReferenceGrantFrom`` and ``ReferenceGrantTo`` in apis/v1beta1/referencegrant_types.go)."""
    spec = mapping(grant.data.get("spec"))
    from_ok = any(
        mapping(entry).get("group") == GATEWAY_GROUP
        and mapping(entry).get("kind") == route.kind
        and mapping(entry).get("namespace") == route.namespace
        for entry in sequence(spec.get("from"))
    )
    to_ok = any(
        mapping(entry).get("group", "") in ("", "core")
        and mapping(entry).get("kind") == "Service"
        and mapping(entry).get("name") in (None, "", service)
        for entry in sequence(spec.get("to"))
    )
    return from_ok and to_ok


@object_check("KN053", kinds=ROUTES)
def route_backend_not_granted(obj: K8sObject, ctx: RuleContext) -> Iterator[Problem]:
    if not is_gateway_api(obj) or not _namespace_known(obj):
        return  # a route without a namespace may be applied to the Service's, or to one a grant names
    for backend in service_backends(obj, other_namespaces=True):
        namespace = backend.namespace
        if not ctx.index.definitions(namespace, "Service", backend.name):
            continue  # the Service is not in the set: neither are, as far as k8slint knows, the grants beside it
        grants = [g for g in ctx.index.of_kind("ReferenceGrant") if g.namespace == namespace and is_gateway_api(g)]
        if not grants:
            continue  # the set manages no grants in that namespace: they may be applied from elsewhere
        if any(_grants(grant, obj, backend.name) for grant in grants):
            continue
        yield Problem(
            f"backendRef Service {backend.name!r} is in namespace {namespace!r}, and no ReferenceGrant there lets "
            f"{obj.kind}s from namespace {obj.namespace!r} refer to it: the reference is refused (RefNotPermitted)",
            path=(*backend.path, "namespace"),
            related=tuple(Related(g.locate(("spec",)), f"ReferenceGrant {g.namespace}/{g.name}") for g in grants[:3]),
        )
