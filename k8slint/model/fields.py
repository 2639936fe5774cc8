"""Where an object keeps the values several rules read: resource quantities, label maps,
and the name syntax the API server asks of each kind."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from k8slint.findings import FieldPath
from k8slint.model.names import dns1035_label, dns1123_label, dns1123_subdomain, path_segment
from k8slint.model.objects import K8sObject
from k8slint.model.values import dig, mapping, sequence
from k8slint.model.workloads import ContainerView, DeclaredPort, declared_ports

NAME_RULES: dict[str, tuple[Callable[[str], str | None], str]] = {
    "Namespace": (dns1123_label, "a DNS-1123 label"),
    "Service": (dns1035_label, "a DNS-1035 label"),
    "Role": (path_segment, "a path segment"),
    "ClusterRole": (path_segment, "a path segment"),
    "RoleBinding": (path_segment, "a path segment"),
    "ClusterRoleBinding": (path_segment, "a path segment"),
}
"""The syntax metadata.name must have, by kind (the API server's validation of each kind)."""
DEFAULT_NAME_RULE = (dns1123_subdomain, "a DNS-1123 subdomain")


def resource_blocks(obj: K8sObject) -> tuple[tuple[FieldPath, dict[str, Any]], ...]:
    """Every ``resources`` block (requests/limits) of an object, with its path: containers', the pod's
    (``spec.resources``, served from 1.34: see :func:`pod_level_block`), claims'. Found once per object."""
    return obj.view("resource_blocks", _resource_blocks)


def _resource_blocks(obj: K8sObject) -> tuple[tuple[FieldPath, dict[str, Any]], ...]:
    return tuple(_each_resource_block(obj))  # a tuple: most objects have none, and () is shared


def _each_resource_block(obj: K8sObject) -> Iterator[tuple[FieldPath, dict[str, Any]]]:
    for container in obj.containers():
        resources = container.data.get("resources")
        if isinstance(resources, dict):
            yield (*container.path, "resources"), resources
    spec_path = obj.pod_spec_path()
    if spec_path is not None:
        # pod-level resources (kubernetes validatePodResources, PodLevelResources: see model/podresources.py)
        resources = dig(obj.data, (*spec_path, "resources"))
        if isinstance(resources, dict):
            yield (*spec_path, "resources"), resources
    kind = obj.kind
    if kind == "PersistentVolumeClaim":
        resources = dig(obj.data, ("spec", "resources"))
        if isinstance(resources, dict):
            yield ("spec", "resources"), resources
    elif kind == "StatefulSet":
        for index, claim in enumerate(sequence(dig(obj.data, ("spec", "volumeClaimTemplates")))):
            resources = dig(claim, ("spec", "resources"))
            if isinstance(resources, dict):
                yield ("spec", "volumeClaimTemplates", index, "spec", "resources"), resources


def quantity_fields(obj: K8sObject) -> tuple[tuple[FieldPath, Any], ...]:
    """Every quantity field: resource requests and limits, emptyDir size limits. Found once per object."""
    return obj.view("quantity_fields", _quantity_fields)


def _quantity_fields(obj: K8sObject) -> tuple[tuple[FieldPath, Any], ...]:
    return tuple(_each_quantity_field(obj))


def _each_quantity_field(obj: K8sObject) -> Iterator[tuple[FieldPath, Any]]:
    for path, resources in resource_blocks(obj):
        for section in ("requests", "limits"):
            for resource, value in mapping(resources.get(section)).items():
                yield (*path, section, resource), value
    spec_path = obj.pod_spec_path()
    if spec_path is not None:
        for index, volume in enumerate(sequence(dig(obj.data, (*spec_path, "volumes")))):
            empty_dir = dig(volume, ("emptyDir",))
            if isinstance(empty_dir, dict) and "sizeLimit" in empty_dir:
                yield (*spec_path, "volumes", index, "emptyDir", "sizeLimit"), empty_dir["sizeLimit"]


def container_ports(obj: K8sObject, container: ContainerView) -> list[DeclaredPort]:
    """The ports one of the object's containers declares (``declared_ports``), found once per object:
    probe, Service and build rules all compare them. The list is shared: callers do not change it."""
    ports: dict[FieldPath, list[DeclaredPort]] = obj.view("declared_ports", _declared_ports)
    return ports[container.path]


def _declared_ports(obj: K8sObject) -> dict[FieldPath, list[DeclaredPort]]:
    return {container.path: declared_ports(container.data) for container in obj.containers()}


def label_maps(obj: K8sObject) -> tuple[tuple[FieldPath, Any, bool], ...]:
    """(path, mapping, check values?) of every label map, selector map and annotation map. Found once per object."""
    return obj.view("label_maps", _label_maps)


def _label_maps(obj: K8sObject) -> tuple[tuple[FieldPath, Any, bool], ...]:
    return tuple(_each_label_map(obj))


def _each_label_map(obj: K8sObject) -> Iterator[tuple[FieldPath, Any, bool]]:
    yield ("metadata", "labels"), obj.metadata.get("labels"), True
    yield ("metadata", "annotations"), obj.metadata.get("annotations"), False
    template = obj.pod_template_path()
    if template is not None:
        yield (*template, "metadata", "labels"), dig(obj.data, (*template, "metadata", "labels")), True
        yield (*template, "metadata", "annotations"), dig(obj.data, (*template, "metadata", "annotations")), False
    selector = dig(obj.data, ("spec", "selector"))
    if isinstance(selector, dict):
        if obj.kind in ("Service", "ReplicationController"):
            yield ("spec", "selector"), selector, True
        else:
            yield ("spec", "selector", "matchLabels"), selector.get("matchLabels"), True


def pod_level_block(obj: K8sObject, path: FieldPath) -> bool:
    """Whether a block of :func:`resource_blocks` is the pod-level ``spec.resources``."""
    spec_path = obj.pod_spec_path()
    return spec_path is not None and tuple(path) == (*spec_path, "resources")
