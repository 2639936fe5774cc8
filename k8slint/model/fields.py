"""Where an object keeps the values several rules read: resource quantities, label maps,
and the name syntax the API server asks of each kind."""

from __future__ import annotations

from collections.abc import Callable
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
    # A list filled in place rather than a generator: built for every object, and most have none.
    found: list[tuple[FieldPath, dict[str, Any]]] = []
    for container in obj.containers():
        resources = container.data.get("resources")
        if isinstance(resources, dict):
            found.append(((*container.path, "resources"), resources))
    found_spec = obj.pod_spec()
    if found_spec is not None:
        # pod-level resources (kubernetes validatePodResources, PodLevelResources: see model/podresources.py)
        spec_path, spec = found_spec
        resources = spec.get("resources")
        if isinstance(resources, dict):
            found.append(((*spec_path, "resources"), resources))
    kind = obj.kind
    if kind == "PersistentVolumeClaim":
        resources = dig(obj.data, ("spec", "resources"))
        if isinstance(resources, dict):
            found.append((("spec", "resources"), resources))
    elif kind == "StatefulSet":
        for index, claim in enumerate(sequence(dig(obj.data, ("spec", "volumeClaimTemplates")))):
            resources = dig(claim, ("spec", "resources"))
            if isinstance(resources, dict):
                found.append((("spec", "volumeClaimTemplates", index, "spec", "resources"), resources))
    return tuple(found) if found else ()  # a tuple: most objects have none, and () is shared


def quantity_fields(obj: K8sObject) -> tuple[tuple[FieldPath, Any], ...]:
    """Every quantity field: resource requests and limits, emptyDir size limits. Found once per object."""
    return obj.view("quantity_fields", _quantity_fields)


def _quantity_fields(obj: K8sObject) -> tuple[tuple[FieldPath, Any], ...]:
    found: list[tuple[FieldPath, Any]] = []
    for path, resources in resource_blocks(obj):
        for section in ("requests", "limits"):
            values = resources.get(section)
            if isinstance(values, dict) and values:
                section_path = (*path, section)
                found.extend(((*section_path, resource), value) for resource, value in values.items())
    found_spec = obj.pod_spec()
    if found_spec is not None:
        spec_path, spec = found_spec
        for index, volume in enumerate(sequence(spec.get("volumes"))):
            empty_dir = dig(volume, ("emptyDir",))
            if isinstance(empty_dir, dict) and "sizeLimit" in empty_dir:
                found.append(((*spec_path, "volumes", index, "emptyDir", "sizeLimit"), empty_dir["sizeLimit"]))
    return tuple(found) if found else ()


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
    template = obj.pod_template_path()
    found: list[tuple[FieldPath, Any, bool]] = []
    if obj.view_of is None:  # a view of a custom resource's pod template: the resource has its own maps read
        metadata = obj.metadata
        found.append((("metadata", "labels"), metadata.get("labels"), True))
        found.append((("metadata", "annotations"), metadata.get("annotations"), False))
    if template is not None:
        template_metadata = mapping(dig(obj.data, (*template, "metadata")))
        found.append(((*template, "metadata", "labels"), template_metadata.get("labels"), True))
        found.append(((*template, "metadata", "annotations"), template_metadata.get("annotations"), False))
    if obj.view_of is not None:
        return tuple(found)
    spec = obj.data.get("spec")
    selector = spec.get("selector") if isinstance(spec, dict) else None
    if isinstance(selector, dict):
        if obj.kind in ("Service", "ReplicationController"):
            found.append((("spec", "selector"), selector, True))
        else:
            found.append((("spec", "selector", "matchLabels"), selector.get("matchLabels"), True))
    return tuple(found)


def pod_level_block(obj: K8sObject, path: FieldPath) -> bool:
    """Whether a block of :func:`resource_blocks` is the pod-level ``spec.resources``."""
    spec_path = obj.pod_spec_path()
    return spec_path is not None and tuple(path) == (*spec_path, "resources")
