"""References from one object to another by name: ConfigMaps, Secrets, PVCs, ServiceAccounts."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from k8slint.findings import FieldPath
from k8slint.model.values import mapping, sequence
from k8slint.model.workloads import ContainerView


@dataclass(frozen=True, slots=True)
class Reference:
    kind: str
    name: str
    path: FieldPath
    """Where the name is written."""
    optional: bool = False
    key: str | None = None
    key_path: FieldPath | None = None
    """Where the key is written, for references to one key."""


def _name(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _optional(settings: dict[str, Any]) -> bool:
    return settings.get("optional") is True


def _items(kind: str, name: str, settings: dict[str, Any], path: FieldPath, name_field: str) -> Iterator[Reference]:
    """A volume source's items: each names a key of the object."""
    optional = _optional(settings)
    items = sequence(settings.get("items"))
    yield Reference(kind, name, (*path, name_field), optional)
    for index, item in enumerate(items):
        key = mapping(item).get("key")
        if isinstance(key, str):
            yield Reference(kind, name, (*path, name_field), optional, key, (*path, "items", index, "key"))


def references_of(found: tuple[FieldPath, dict[str, Any]] | None, containers: Iterable[ContainerView]) -> Iterator[Reference]:
    """Every reference a pod spec makes, with the path of the name.

    ``found`` is the pod spec as k8slint.model.workloads.pod_spec finds it and
    ``containers`` its containers (workloads.containers_of), so that callers
    holding them (K8sObject) do not look for them again.
    """
    if found is None:
        return
    spec_path, spec = found
    for container in containers:
        for index, entry in enumerate(sequence(container.data.get("env"))):
            source = entry.get("valueFrom") if isinstance(entry, dict) else None
            if not isinstance(source, dict):
                continue  # a value, not a reference (most entries)
            for field, kind in (("configMapKeyRef", "ConfigMap"), ("secretKeyRef", "Secret")):
                ref = source.get(field)
                if isinstance(ref, dict) and _name(ref.get("name")):
                    base = (*container.path, "env", index, "valueFrom", field)
                    key = ref.get("key")
                    yield Reference(
                        kind,
                        ref["name"],
                        (*base, "name"),
                        _optional(ref),
                        key if isinstance(key, str) else None,
                        (*base, "key"),
                    )
        for index, entry in enumerate(sequence(container.data.get("envFrom"))):
            for field, kind in (("configMapRef", "ConfigMap"), ("secretRef", "Secret")):
                ref = mapping(entry).get(field)
                if isinstance(ref, dict) and _name(ref.get("name")):
                    yield Reference(kind, ref["name"], (*container.path, "envFrom", index, field, "name"), _optional(ref))
    for index, volume in enumerate(sequence(spec.get("volumes"))):
        volume = mapping(volume)
        base = (*spec_path, "volumes", index)
        config_map, secret, claim = volume.get("configMap"), volume.get("secret"), volume.get("persistentVolumeClaim")
        if isinstance(config_map, dict) and _name(config_map.get("name")):
            yield from _items("ConfigMap", config_map["name"], config_map, (*base, "configMap"), "name")
        if isinstance(secret, dict) and _name(secret.get("secretName")):
            yield from _items("Secret", secret["secretName"], secret, (*base, "secret"), "secretName")
        if isinstance(claim, dict) and _name(claim.get("claimName")):
            yield Reference("PersistentVolumeClaim", claim["claimName"], (*base, "persistentVolumeClaim", "claimName"))
        for position, projected in enumerate(sequence(mapping(volume.get("projected")).get("sources"))):
            for field, kind in (("configMap", "ConfigMap"), ("secret", "Secret")):
                ref = mapping(projected).get(field)
                if isinstance(ref, dict) and _name(ref.get("name")):
                    yield from _items(kind, ref["name"], ref, (*base, "projected", "sources", position, field), "name")
    for index, pull in enumerate(sequence(spec.get("imagePullSecrets"))):
        name = _name(mapping(pull).get("name"))
        if name:
            yield Reference("Secret", name, (*spec_path, "imagePullSecrets", index, "name"))
    for field in ("serviceAccountName", "serviceAccount"):
        name = _name(spec.get(field))
        if name:
            yield Reference("ServiceAccount", name, (*spec_path, field))
            break
