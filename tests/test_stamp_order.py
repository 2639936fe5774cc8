"""One finding for a line that several builds share: which build speaks for it does not depend on
the order the findings were stamped in (workers stamp theirs first, --jobs 1 stamps them all at the end)."""

from __future__ import annotations

from k8slint.config import build_settings
from k8slint.findings import Finding, Location, ObjectRef, Severity
from k8slint.registry import registry
from k8slint.stamp import finish


def _hostpath(build: str, path: str) -> Finding:
    # kubeflow's istio-cni-node: install.yaml:3894, the gke overlays patch the path under the base's `hostPath:`
    return Finding(
        code="KS006",
        rule="host-path-volume",
        severity=Severity.WARNING,
        message=f"volume 'cni-bin-dir' mounts the host path {path!r} into the pod",
        location=Location("common/istio/istio-install/base/install.yaml", 3894, 11),
        path="spec.template.spec.volumes[1].hostPath",
        object=ObjectRef("apps/v1", "DaemonSet", "istio-cni-node", "kube-system"),
        built_from=(build,),
    )


def test_the_finding_for_a_shared_line_is_the_same_in_any_order() -> None:
    settings = build_settings(registry(), None)
    one = _hostpath("kustomize build ./common/istio/istio-install/overlays/gke", "/home/kubernetes/bin")
    other = _hostpath("kustomize build ./common/istio/istio-install/overlays/insecure", "/opt/cni/bin")
    forward = finish([], settings, {}, [], stamped=[one, other])
    backward = finish([], settings, {}, [], stamped=[other, one])
    assert forward == backward
    assert len(forward) == 1 and len(forward[0].built_from) == 2
