"""KN010 invalid-port-name: container port names and Service named targetPorts the API rejects."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from typing import Any

from k8slint.context import RuleContext
from k8slint.findings import Problem, Related
from k8slint.model.names import dns1123_label
from k8slint.model.numbers import is_ascii_digits
from k8slint.model.objects import K8sObject
from k8slint.model.placeholders import port_placeholder
from k8slint.model.values import mapping, sequence
from k8slint.registry import object_check

_IANA_SVC_NAME = re.compile(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?")


def port_name_problem(name: str) -> str | None:
    """Why ``name`` is not an IANA service name (at most 15 characters, one letter, no '--')."""
    if len(name) > 15:
        return f"is {len(name)} characters long; at most 15 are allowed"
    return _short_name_problem(name)


@functools.lru_cache(maxsize=4096)  # a short name: the same few (http, metrics, grpc) on container after container
def _short_name_problem(name: str) -> str | None:
    if not _IANA_SVC_NAME.fullmatch(name):
        return "must be lower-case letters, digits and '-', starting and ending with a letter or digit"
    if "--" in name:
        return "must not contain '--'"
    if not any(c.isalpha() for c in name):
        return "must contain at least one letter"
    return None


@object_check("KN010", local=True, templates=True)
def check(obj: K8sObject, ctx: RuleContext) -> Iterator[Problem]:
    seen: dict[str, tuple[Any, ...]] = {}
    for container in obj.containers():
        for index, port in enumerate(sequence(container.data.get("ports"))):
            name = mapping(port).get("name")
            if not isinstance(name, str) or port_placeholder(name, number_only=False):
                continue  # a placeholder is unrendered-placeholder's
            path = (*container.path, "ports", index, "name")
            problem = port_name_problem(name)
            if problem:
                yield Problem(f"port name {name!r} {problem}", path=path)
            elif name in seen:
                same_container = seen[name][: len(container.path)] == container.path
                yield Problem(
                    f"port name {name!r} is declared twice in this "
                    + ("container" if same_container else "pod; a Service targetPort of that name reaches only one of them"),
                    path=path,
                    related=(Related(obj.locate(seen[name]), "first declared here"),),
                    variant=None if same_container else "duplicate-across-containers",
                )
            else:
                seen[name] = path
    if obj.kind == "Service":
        for index, port in enumerate(sequence(mapping(obj.data.get("spec")).get("ports"))):
            # validateServicePort: a Service port's own name is a DNS-1123 label (not an IANA service name).
            name = mapping(port).get("name")
            label_problem = (
                dns1123_label(name) if isinstance(name, str) and name and not port_placeholder(name, number_only=False) else None
            )
            if label_problem:
                yield Problem(f"Service port name {name!r} {label_problem}", path=("spec", "ports", index, "name"))
            target = mapping(port).get("targetPort")
            if isinstance(target, str) and not port_placeholder(target, number_only=False):
                problem = port_name_problem(target)
                if problem:
                    quoted = " (a port number must not be quoted)" if is_ascii_digits(target) else ""
                    yield Problem(f"targetPort name {target!r} {problem}{quoted}", path=("spec", "ports", index, "targetPort"))
