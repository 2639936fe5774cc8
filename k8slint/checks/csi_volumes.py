"""KC009 csi-inline-volume-unsupported: a pod's inline CSI volume whose driver, as its CSIDriver in the set
declares it, does not serve ephemeral inline volumes."""

from __future__ import annotations

from collections.abc import Iterator

from k8slint.context import RuleContext
from k8slint.findings import Problem, Related
from k8slint.model.objects import K8sObject
from k8slint.model.values import mapping, sequence
from k8slint.registry import object_check

EPHEMERAL = "Ephemeral"
DEFAULT_MODES = ("Persistent",)
"""What the API server defaults ``spec.volumeLifecycleModes`` of a CSIDriver to (storage v1 SetDefaults_CSIDriver)."""


@object_check("KC009", pods=True)
def csi_inline_volume_unsupported(obj: K8sObject, ctx: RuleContext) -> Iterator[Problem]:
    found = obj.pod_spec()
    if found is None:
        return
    path, spec = found
    for index, volume in enumerate(sequence(spec.get("volumes"))):
        csi = mapping(volume).get("csi") if isinstance(volume, dict) else None
        driver = mapping(csi).get("driver")
        if not isinstance(driver, str) or not driver:
            continue
        target = ctx.index.cluster_nearest(obj, "CSIDriver", driver)
        if target is None:
            continue  # the driver is installed apart from these files: what it serves is not known here
        modes = mapping(target.data.get("spec")).get("volumeLifecycleModes")
        declared = tuple(m for m in sequence(modes) if isinstance(m, str)) if modes is not None else DEFAULT_MODES
        if EPHEMERAL in declared:
            continue
        said = ", ".join(declared) if declared else "none"
        where = "" if modes is not None else " (the default when volumeLifecycleModes is unset)"
        yield Problem(
            f"volume {volume.get('name')!r} is an inline CSI volume of driver {driver!r}, whose CSIDriver serves "
            f'{said}{where}, not Ephemeral: the kubelet refuses to mount it (volume mode "Ephemeral" not supported by '
            "driver), and the pod never starts",
            path=(*path, "volumes", index, "csi", "driver"),
            related=(Related(target.locate(("metadata", "name")), ctx.index.resolved_to(obj, target)),),
        )
