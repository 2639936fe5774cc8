"""KM006 unrendered-placeholder: template placeholders left in a manifest, or in a Dockerfile's base image.

The grammar rules of the same fields (invalid-image-name, invalid-quantity,
the port rules, invalid-name, invalid-label, invalid-hostname, secret-invalid-base64
and schema-violation) stay silent on a value reported here.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from k8slint.context import RuleContext
from k8slint.findings import FieldPath, Problem
from k8slint.model.apikinds import byte_refusals, object_kind_refusals
from k8slint.model.apivalidation import BUILTIN_API_VERSIONS
from k8slint.model.fields import NAME_RULES, label_maps, quantity_fields
from k8slint.model.images import ImageError, parse_image
from k8slint.model.kinds import is_custom_resource
from k8slint.model.names import path_segment
from k8slint.model.objects import K8sObject
from k8slint.model.placeholders import (
    KO_PREFIX,
    RENDER,
    braced_word,
    image_placeholder,
    is_elision,
    name_placeholder,
    null_placeholder,
    null_placeholder_message,
    port_placeholder,
    schema_placeholder,
    secret_data_placeholder,
    template_placeholder,
    value_placeholder,
)
from k8slint.model.values import dig, mapping, sequence
from k8slint.model.workloads import PROBES
from k8slint.registry import dockerfile_check, object_check

if TYPE_CHECKING:
    from k8slint.model.dockerfile import DockerfileDoc

PROBE_HANDLERS = ("httpGet", "tcpSocket", "grpc")
COMMENT_TOKEN = "#"
"""The token _found gives for a placeholder YAML read as a comment (the value it gives is the placeholder)."""


def _builtin(obj: K8sObject) -> bool:
    """Schema errors of custom resources need the CustomResourceDefinitions of the whole set."""
    return not is_custom_resource(obj.api_version)


@object_check("KM006", local=_builtin, templates=True)
def unrendered_placeholder(obj: K8sObject, ctx: RuleContext) -> Iterator[Problem]:
    reported: set[FieldPath] = set()
    declared = {f"$({var})" for var in obj.file.kustomize_vars}
    for path, what, value, token in _found(obj, ctx):
        if path in reported or token in declared:
            continue  # once per field; a kustomize var that a build of the file declares is replaced when it builds
        reported.add(path)
        if token == KO_PREFIX:
            yield Problem(
                f"{what} is {value!r}, a ko import path: ko builds it and writes the image reference in its place "
                "(ko resolve, ko apply); lint the resolved output",
                path=path,
            )
        elif token == COMMENT_TOKEN:
            yield Problem(null_placeholder_message(what, value), path=path)
        elif is_elision(token):
            yield Problem(
                f"{what} is {value!r}, an elision: the file is an excerpt with what it leaves out to be filled in "
                "(as docs show one), not a manifest to apply as written",
                path=path,
            )
        else:
            shown = "a placeholder" if token == value else f"which holds the placeholder {token!r}"
            yield Problem(f"{what} is {value!r}, {shown}: {RENDER}", path=path)


def _found(obj: K8sObject, ctx: RuleContext) -> Iterator[tuple[FieldPath, str, str, str]]:
    view = obj.view_of is not None  # a custom resource's pod template: the resource itself has its names read
    if not view:
        yield from _names(obj)
    yield from _labels(obj)  # a view's: its template's alone (label_maps)
    if obj.containers():
        yield from _images(obj)
    yield from _quantity_values(obj)
    yield from _ports(obj)
    if obj.kind == "Ingress":
        yield from _hosts(obj)
    if obj.kind == "Secret":
        yield from _secret_data(obj)
    yield from _node_selector(obj)
    yield from _service_account(obj)
    yield from _mount_paths(obj)
    yield from _references(obj, ctx)
    if view:
        return
    for error in ctx.schemas.errors(obj) or ():
        if error.unknown_field or not error.path:
            continue
        value = dig(obj.data, tuple(error.path))
        token = schema_placeholder(value, error.message)
        if token is not None:
            # a flow list or mapping as written
            shown = f"[{value[0]}]" if isinstance(value, list) else braced_word(value) or str(value)
            yield tuple(error.path), str(error.path[-1]), shown, token
        elif value is None and (token := null_placeholder(obj, tuple(error.path))) is not None:
            yield tuple(error.path), str(error.path[-1]), token, COMMENT_TOKEN


def _names(obj: K8sObject) -> Iterator[tuple[FieldPath, str, str, str]]:
    # Role and binding names are path segments, where upper case is allowed
    caps = NAME_RULES.get(obj.kind or "", (None, ""))[0] is not path_segment
    metadata = obj.metadata
    for field, caps_here in (("name", caps), ("generateName", caps), ("namespace", True)):
        value = metadata.get(field)
        if isinstance(value, str):
            token = name_placeholder(value, caps=caps_here)
            if token:
                yield ("metadata", field), "namespace" if field == "namespace" else f"{obj.kind} {field}", value, token


def _labels(obj: K8sObject) -> Iterator[tuple[FieldPath, str, str, str]]:
    for path, labels, with_values in label_maps(obj):
        for key, value in mapping(labels).items():
            token = template_placeholder(key) if isinstance(key, str) else None
            if token:
                yield (*path, key), "label key" if with_values else "annotation key", key, token
            elif with_values and isinstance(value, str):
                token = template_placeholder(value)
                if token:
                    yield (*path, key), f"label {key!r}", value, token


def _images(obj: K8sObject) -> Iterator[tuple[FieldPath, str, str, str]]:
    for container in obj.containers():
        image = container.data.get("image")
        if not isinstance(image, str):
            continue
        try:
            parse_image(image)
            parses = True
        except ImageError:
            parses = False
        token = image_placeholder(image, parses)
        if token:
            yield (*container.path, "image"), f"container {container.name!r} image", image, token


def _quantity_values(obj: K8sObject) -> Iterator[tuple[FieldPath, str, str, str]]:
    for path, value in quantity_fields(obj):
        token = value_placeholder(value, caps=True) if isinstance(value, str) else None
        if token:
            yield path, f"{path[-2]}.{path[-1]}", value, token


CONTAINER_PORT_FIELDS = (("containerPort", True, "containerPort"), ("hostPort", True, "hostPort"), ("name", False, "port name"))
SERVICE_PORT_FIELDS = (("port", True, "port"), ("nodePort", True, "nodePort"), ("targetPort", False, "targetPort"))
"""(field, only a number allowed?, what a message calls it) of each port entry."""


def _ports(obj: K8sObject) -> Iterator[tuple[FieldPath, str, str, str]]:
    # Only a string holds a placeholder (port_placeholder): numbers are passed over without a call.
    for container in obj.containers():
        data = container.data
        for index, port in enumerate(sequence(data.get("ports"))):
            if isinstance(port, dict):
                for found in _port_fields(port, CONTAINER_PORT_FIELDS):
                    yield (*container.path, "ports", index, found[0]), *found[1:]
        for probe in PROBES:
            handlers = data.get(probe)
            if not isinstance(handlers, dict):
                continue  # most containers have only some of the probes
            for handler in PROBE_HANDLERS:
                settings = handlers.get(handler)
                value = settings.get("port") if isinstance(settings, dict) else None
                token = port_placeholder(value, number_only=False) if isinstance(value, str) else None
                if token:
                    yield (*container.path, probe, handler, "port"), f"{probe} port", str(value), token
    if obj.kind == "Service":
        for index, port in enumerate(sequence(dig(obj.data, ("spec", "ports")))):
            if isinstance(port, dict):
                for found in _port_fields(port, SERVICE_PORT_FIELDS):
                    yield ("spec", "ports", index, found[0]), *found[1:]


def _port_fields(port: dict[str, Any], fields: tuple[tuple[str, bool, str], ...]) -> list[tuple[str, str, str, str]]:
    """(field, what, value, token) of each placeholder in a port entry: a list, nearly always empty."""
    found = []
    for field, number_only, what in fields:
        value = port.get(field)
        token = port_placeholder(value, number_only=number_only) if isinstance(value, str) else None
        if token:
            found.append((field, what, str(value), token))
    return found


def _references(obj: K8sObject, ctx: RuleContext) -> Iterator[tuple[FieldPath, str, str, str]]:
    """Names of other objects (an Ingress's Service, a binding's subjects), and base64 fields (a webhook's caBundle),
    that api-validation left to this rule."""
    for refusal in byte_refusals(obj.data):
        if refusal.placeholder is not None:
            words = ".".join([part for part in refusal.path if isinstance(part, str)][-2:])
            yield refusal.path, words, str(dig(obj.data, refusal.path)), refusal.placeholder
    if obj.api_version not in BUILTIN_API_VERSIONS:
        return
    for refusal in object_kind_refusals(obj, ctx.kubernetes_version):
        if refusal.placeholder is not None:
            words = ".".join([part for part in refusal.path if isinstance(part, str)][-2:])
            yield refusal.path, words, str(dig(obj.data, refusal.path)), refusal.placeholder


def _service_account(obj: K8sObject) -> Iterator[tuple[FieldPath, str, str, str]]:
    """A pod's serviceAccountName that holds a placeholder (kserve's `$(llmisvc-serviceAccountName)`), which
    api-validation leaves to this rule."""
    found = obj.pod_spec()
    name = found[1].get("serviceAccountName") if found is not None else None
    if found is not None and isinstance(name, str) and name:
        token = name_placeholder(name, caps=True)
        if token is not None:
            yield (*found[0], "serviceAccountName"), "serviceAccountName", name, token


def _node_selector(obj: K8sObject) -> Iterator[tuple[FieldPath, str, str, str]]:
    """A key or value of a pod's nodeSelector that holds a placeholder (rook's ``kubernetes.io/hostname: <node-hostname>``)."""
    found = obj.pod_spec()
    if found is None:
        return
    path, spec = found
    for key, value in mapping(spec.get("nodeSelector")).items():
        token = template_placeholder(key) if isinstance(key, str) else None
        if token:
            yield (*path, "nodeSelector", key), "nodeSelector key", key, token
        elif isinstance(value, str):
            token = template_placeholder(value)
            if token:
                yield (*path, "nodeSelector", key), f"nodeSelector {key!r}", value, token


def _mount_paths(obj: K8sObject) -> Iterator[tuple[FieldPath, str, str, str]]:
    """A container's mount path that holds a placeholder (``mountPath: <dataDirHostPath>``)."""
    for container in obj.containers():
        for index, mount in enumerate(sequence(container.data.get("volumeMounts"))):
            where = mapping(mount).get("mountPath")
            if not isinstance(where, str):
                continue
            token = template_placeholder(where, unexpanded=True)
            if token:
                yield (*container.path, "volumeMounts", index, "mountPath"), f"container {container.name!r} mountPath", where, token


@dockerfile_check("KM006")
def unrendered_base_image(doc: DockerfileDoc, ctx: RuleContext) -> Iterator[Problem]:
    from k8slint.model.dockerfile import base_images  # here, so that runs without Dockerfiles do not pay for it

    for stage in base_images(doc):
        try:
            parse_image(stage.base)
            continue
        except ImageError:
            token = image_placeholder(stage.base, parses=False)
        if token:
            shown = "a placeholder" if token == stage.base else f"which holds the placeholder {token!r}"
            yield Problem(
                f"FROM {stage.base!r} is {shown}: the Dockerfile looks like a template to be rendered first "
                "(a build script writes the base image in its place); lint the rendered Dockerfile",
                location=doc.location(stage.instruction.line),
            )


def _secret_data(obj: K8sObject) -> Iterator[tuple[FieldPath, str, str, str]]:
    """A value under a Secret's ``data`` that is no base64 because it holds a placeholder (``<insert-secret-here>``)."""
    for key, value in mapping(obj.data.get("data")).items():
        token = secret_data_placeholder(value)
        if token:
            yield ("data", key), f"data.{key}", str(value), token


def _hosts(obj: K8sObject) -> Iterator[tuple[FieldPath, str, str, str]]:
    if obj.kind != "Ingress":
        return
    spec = mapping(obj.data.get("spec"))
    hosts: list[tuple[FieldPath, Any, str]] = [
        (("spec", "rules", index, "host"), mapping(rule).get("host"), "host") for index, rule in enumerate(sequence(spec.get("rules")))
    ]
    for index, tls in enumerate(sequence(spec.get("tls"))):
        for position, host in enumerate(sequence(mapping(tls).get("hosts"))):
            hosts.append((("spec", "tls", index, "hosts", position), host, "TLS host"))
    for path, host, what in hosts:
        token = template_placeholder(host) if isinstance(host, str) else None
        if token:
            yield path, what, host, token
