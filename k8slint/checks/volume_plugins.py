"""KM008 removed-volume-plugin: a volume of an in-tree plugin that the target Kubernetes version no longer mounts.

The API server still admits these volumes, with a warning (pkg/api/pod/warnings.go,
pkg/api/persistentvolume/util.go: "deprecated in v1.25, non-functional in v1.26+"); the kubelet has no
plugin for them, so the pod never starts.
"""

from __future__ import annotations

from collections.abc import Iterator

from k8slint.context import RuleContext
from k8slint.findings import Problem
from k8slint.model.lifecycle import minor
from k8slint.model.objects import K8sObject
from k8slint.model.values import mapping, sequence
from k8slint.registry import object_check

POD_VOLUME_PLUGINS = {
    "photonPersistentDisk": ("1.11", "1.16"),
    "scaleIO": ("1.16", "1.22"),
    "flocker": ("1.22", "1.25"),
    "storageos": ("1.22", "1.25"),
    "quobyte": ("1.22", "1.25"),
    "glusterfs": ("1.25", "1.26"),
    "cephfs": ("1.28", "1.31"),
    "rbd": ("1.28", "1.31"),
}
"""A pod volume's source field -> (deprecated in, non-functional from): the plugins warnings.go names so."""
PERSISTENT_VOLUME_PLUGINS = {plugin: times for plugin, times in POD_VOLUME_PLUGINS.items() if plugin not in ("flocker", "quobyte")}
"""The same for a PersistentVolume's source: GetWarningsForPersistentVolume names all of them but flocker and quobyte."""
_CSI = {
    "cephfs": "the Ceph CSI driver (cephfs.csi.ceph.com)",
    "rbd": "the Ceph CSI driver (rbd.csi.ceph.com)",
    "glusterfs": "a CSI driver or an NFS export of the volume",
}


def _removed(source: dict[str, object], plugins: dict[str, tuple[str, str]], target: str) -> Iterator[tuple[str, tuple[str, str]]]:
    """(plugin, (deprecated in, non-functional from)) of each plugin ``source`` uses that ``target`` no longer mounts."""
    version = minor(target)
    for plugin, times in plugins.items():
        if source.get(plugin) is not None and version >= minor(times[1]):
            yield plugin, times


def _problem(where: str, plugin: str, times: tuple[str, str], target: str, path: tuple[str | int, ...]) -> Problem:
    deprecated, gone = times
    instead = _CSI.get(plugin, "a CSI driver for the storage")
    return Problem(
        f"{where} uses the in-tree {plugin} volume plugin, deprecated in Kubernetes {deprecated} and non-functional from "
        f"{gone} (target {target}): the API server admits it with a warning, but the kubelet cannot mount it, so the pod "
        f"never starts; use {instead}",
        path=path,
    )


@object_check("KM008", local=True, pods=True)
def removed_volume_plugin(obj: K8sObject, ctx: RuleContext) -> Iterator[Problem]:
    found = obj.pod_spec()
    if found is None:
        return
    spec_path, spec = found
    target = ctx.kubernetes_version
    for index, volume in enumerate(sequence(spec.get("volumes"))):
        volume = mapping(volume)
        for plugin, times in _removed(volume, POD_VOLUME_PLUGINS, target):
            name = volume.get("name")
            where = f"volume {name!r}" if isinstance(name, str) else f"volume {index}"
            yield _problem(where, plugin, times, target, (*spec_path, "volumes", index, plugin))


@object_check("KM008", local=True, kinds=("PersistentVolume",))
def removed_persistent_volume_plugin(obj: K8sObject, ctx: RuleContext) -> Iterator[Problem]:
    if obj.api_version != "v1":
        return
    target = ctx.kubernetes_version
    for plugin, times in _removed(mapping(obj.data.get("spec")), PERSISTENT_VOLUME_PLUGINS, target):
        yield _problem(f"PersistentVolume {obj.name!r}", plugin, times, target, ("spec", plugin))
