"""Ingress rules KN040-KN047: backends, paths, TLS, hosts and rate limits."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from k8slint.context import RuleContext
from k8slint.findings import FieldPath, Problem, Related
from k8slint.model.backends import backends
from k8slint.model.graph.presence import managed_here, present
from k8slint.model.numbers import ascii_int
from k8slint.model.objects import K8sObject
from k8slint.model.placeholders import template_placeholder
from k8slint.model.values import dig, mapping, sequence
from k8slint.registry import object_check, set_check

INGRESS = ("Ingress",)
BACKEND_KINDS = ("Ingress", "HTTPProxy")
"""The kinds whose Service backends KN040 and KN041 check: Ingress, and Contour's HTTPProxy (model/backends.py)."""
_HOST_LABEL = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_HOSTNAME = re.compile(rf"(\*\.)?{_HOST_LABEL}(\.{_HOST_LABEL})*")
# an IPv4 address, or text that holds a ':' with no '.' before it (IPv6); the part before
# the first ':' takes no ':', so the match cannot backtrack over runs of colons
_IP = re.compile(r"[0-9.]+|[0-9a-fA-F]*:[0-9a-fA-F:.]*")
CERT_MANAGER_ANNOTATIONS = ("cert-manager.io/issuer", "cert-manager.io/cluster-issuer", "kubernetes.io/tls-acme")
RATE_LIMITS = (
    "nginx.ingress.kubernetes.io/limit-rps",
    "nginx.ingress.kubernetes.io/limit-rpm",
    "nginx.ingress.kubernetes.io/limit-connections",
    "nginx.ingress.kubernetes.io/limit-burst-multiplier",
)


@dataclass(frozen=True, slots=True)
class IngressPath:
    host: str
    path: str
    path_type: str
    where: FieldPath


def paths(obj: K8sObject) -> Iterator[IngressPath]:
    for r, rule in enumerate(sequence(mapping(obj.data.get("spec")).get("rules"))):
        rule = mapping(rule)
        host = rule["host"] if isinstance(rule.get("host"), str) else ""
        for p, entry in enumerate(sequence(mapping(rule.get("http")).get("paths"))):
            entry = mapping(entry)
            value = entry.get("path")
            path_type = entry["pathType"] if isinstance(entry.get("pathType"), str) else "ImplementationSpecific"
            yield IngressPath(host, value if isinstance(value, str) else "", path_type, ("spec", "rules", r, "http", "paths", p))


@object_check("KN040", kinds=BACKEND_KINDS)
def ingress_backend_missing(obj: K8sObject, ctx: RuleContext) -> Iterator[Problem]:
    if not managed_here(ctx.index, obj, "Service"):
        return  # the namespace's Services are not among the linted files next to this Ingress
    services_here = ctx.index.in_namespace(obj, "Service")
    for backend in backends(obj):
        if not present(ctx.index, obj, "Service", backend.service):
            known = ", ".join(sorted({s.name for s in services_here if s.name}))
            yield Problem(
                f"backend Service {backend.service!r} is not defined in namespace {obj.namespace!r} (its Services: {known})",
                path=backend.path,
            )


@object_check("KN041", kinds=BACKEND_KINDS)
def ingress_backend_port_unknown(obj: K8sObject, ctx: RuleContext) -> Iterator[Problem]:
    for backend in backends(obj):
        service = ctx.index.nearest(obj, "Service", backend.service)
        if service is None or backend.port is None:
            continue
        ports = [mapping(p) for p in sequence(mapping(service.data.get("spec")).get("ports"))]
        if not ports:
            continue  # a Service without ports (a patch to merge, say) offers nothing to compare with
        numbers = {p.get("port") for p in ports}
        names = {p.get("name") for p in ports if p.get("name")}
        if backend.port in numbers or backend.port in names:
            continue
        if isinstance(backend.port, str) and (number := ascii_int(backend.port)) is not None and number in numbers:
            continue
        offered = ", ".join(str(p.get("name") or p.get("port")) for p in ports) or "none"
        yield Problem(
            f"Service {backend.service!r} has no port {backend.port!r} (its ports: {offered})",
            path=backend.port_path,
            related=(Related(service.locate(("spec", "ports")), f"ports of {ctx.index.resolved_to(obj, service)}"),),
        )


def path_problem(value: str, path_type: str) -> str | None:
    """Why the API server rejects this path for its pathType (None when it accepts it)."""
    if path_type in ("Prefix", "Exact"):
        if not value.startswith("/"):
            return "must start with '/'"
        for sequence_ in ("//", "/./", "/../", "%2f", "%2F"):
            if sequence_ in value:
                return f"must not contain {sequence_!r}"
        for suffix in ("/..", "/."):
            if value.endswith(suffix):
                return f"must not end with {suffix!r}"
        return None
    if value and not value.startswith("/"):
        return "must start with '/' (an ImplementationSpecific path may be empty or absolute)"
    return None


@object_check("KN042", kinds=INGRESS, local=True)
def ingress_path(obj: K8sObject, ctx: RuleContext) -> Iterator[Problem]:
    for entry in paths(obj):
        problem = path_problem(entry.path, entry.path_type)
        if problem:
            yield Problem(f"{entry.path_type} path {entry.path!r} {problem}", path=(*entry.where, "path"))


def _tls(obj: K8sObject) -> Iterator[tuple[int, dict[str, Any]]]:
    for index, tls in enumerate(sequence(mapping(obj.data.get("spec")).get("tls"))):
        if isinstance(tls, dict):
            yield index, tls


@object_check("KN043", kinds=INGRESS)
def ingress_tls_secret_missing(obj: K8sObject, ctx: RuleContext) -> Iterator[Problem]:
    if any(key in obj.annotations for key in CERT_MANAGER_ANNOTATIONS):
        return  # cert-manager creates the Secret
    if not managed_here(ctx.index, obj, "Secret"):
        return  # the namespace's Secrets are not among the linted files next to this Ingress
    for index, tls in _tls(obj):
        name = tls.get("secretName")
        if isinstance(name, str) and name and not present(ctx.index, obj, "Secret", name):
            yield Problem(
                f"TLS Secret {name!r} is not defined in namespace {obj.namespace!r}",
                path=("spec", "tls", index, "secretName"),
            )


def host_covers(pattern: str, host: str) -> bool:
    if pattern == host:
        return True
    if pattern.startswith("*."):
        head, _, rest = host.partition(".")
        return bool(head) and rest == pattern[2:]
    return False


@object_check("KN044", kinds=INGRESS, local=True)
def ingress_tls_host_mismatch(obj: K8sObject, ctx: RuleContext) -> Iterator[Problem]:
    rule_hosts = {entry.host for entry in paths(obj) if entry.host}
    rule_hosts |= {
        mapping(rule)["host"] for rule in sequence(mapping(obj.data.get("spec")).get("rules")) if isinstance(mapping(rule).get("host"), str)
    }
    if not rule_hosts or any(template_placeholder(host) for host in rule_hosts):
        return  # hosts still to be rendered cannot be compared
    for index, tls in _tls(obj):
        for position, host in enumerate(sequence(tls.get("hosts"))):
            if (
                isinstance(host, str)
                and not template_placeholder(host)
                and not any(host_covers(host, r) or host_covers(r, host) for r in rule_hosts)
            ):
                yield Problem(
                    f"TLS host {host!r} is not the host of any rule ({', '.join(sorted(rule_hosts))}): its certificate serves nothing here",
                    path=("spec", "tls", index, "hosts", position),
                )


def hostname_problem(host: str) -> str | None:
    if len(host) > 253:  # first, so that no pattern below ever runs on a long text
        return f"is {len(host)} characters long; at most 253 are allowed"
    if _IP.fullmatch(host):
        return "is an IP address; Ingress hosts must be DNS names"
    if not _HOSTNAME.fullmatch(host):
        return "must be a lower-case DNS name (RFC 1123), optionally starting with '*.'"
    if any(len(label) > 63 for label in host.split(".")):
        return "has a label longer than 63 characters"
    return None


@object_check("KN045", kinds=INGRESS, local=True)
def invalid_hostname(obj: K8sObject, ctx: RuleContext) -> Iterator[Problem]:
    spec = mapping(obj.data.get("spec"))
    for index, rule in enumerate(sequence(spec.get("rules"))):
        host = mapping(rule).get("host")
        if isinstance(host, str) and host and not template_placeholder(host):
            problem = hostname_problem(host)
            if problem:
                yield Problem(f"host {host!r} {problem}", path=("spec", "rules", index, "host"))
    for index, tls in _tls(obj):
        for position, host in enumerate(sequence(tls.get("hosts"))):
            if isinstance(host, str) and not template_placeholder(host):
                problem = hostname_problem(host)
                if problem:
                    yield Problem(f"TLS host {host!r} {problem}", path=("spec", "tls", index, "hosts", position))


@set_check("KN046", local=True)
def ingress_duplicate_path(ctx: RuleContext) -> Iterator[Problem]:
    """The same host and path twice, within an Ingress or across the Ingresses of one file (or stream)."""
    first: dict[tuple[str, str, str, str], tuple[K8sObject, FieldPath]] = {}
    for obj in ctx.index.of_kind("Ingress"):
        ingress_class = mapping(obj.data.get("spec")).get("ingressClassName") or obj.annotations.get("kubernetes.io/ingress.class") or ""
        load_balancer = _load_balancer(obj, str(ingress_class))
        for entry in paths(obj):
            key = (obj.file.display, load_balancer, entry.host, entry.path + "\x00" + entry.path_type)
            original = first.setdefault(key, (obj, entry.where))
            if original[0] is obj and original[1] == entry.where:
                continue
            owner, where = original
            host = entry.host or "*"
            # twice in one Ingress to the same backend loses nothing; across Ingresses controllers may refuse the second
            same_backend = owner is obj and dig(obj.data, (*entry.where, "backend")) == dig(obj.data, (*where, "backend"))
            yield Problem(
                f"host {host} path {entry.path!r} ({entry.path_type}) is already routed by "
                f"{'this Ingress' if owner is obj else owner.describe()}"
                + (" to the same backend" if same_backend else "; the controller picks one of the two"),
                path=(*entry.where, "path"),
                subject=obj,
                related=(Related(owner.locate((*where, "path")), "first routed here"),),
                variant="same-backend" if same_backend else None,
            )


# Controllers that give each Ingress a load balancer of its own: the same route in two of them collides nowhere.
_ONE_PER_INGRESS = frozenset({"gce", "gce-internal"})


def _load_balancer(obj: K8sObject, ingress_class: str) -> str:
    """Which routing table an Ingress joins: its class, for controllers that merge the Ingresses of a
    class (ingress-nginx, Traefik); for GKE's and, without a group, the AWS Load Balancer Controller's,
    the Ingress alone (each gets its own load balancer; ALB Ingresses of one
    ``alb.ingress.kubernetes.io/group.name`` share one)."""
    if ingress_class == "alb":
        group = obj.annotations.get("alb.ingress.kubernetes.io/group.name")
        return f"alb group {group}" if isinstance(group, str) and group else f"alb {obj.key}"
    if ingress_class in _ONE_PER_INGRESS:
        return f"{ingress_class} {obj.key}"
    return ingress_class


@object_check("KN047", kinds=INGRESS, local=True)
def rate_limit_annotation(obj: K8sObject, ctx: RuleContext) -> Iterator[Problem]:
    for key in RATE_LIMITS:
        if key not in obj.annotations:
            continue
        value = obj.annotations[key]
        text = str(value).strip() if not isinstance(value, bool) else ""
        number = ascii_int(text)
        if number is None or number < 1:
            yield Problem(
                f"{key} is {value!r}; it must be a positive integer (ingress-nginx ignores the limit otherwise)",
                path=("metadata", "annotations", key),
            )
