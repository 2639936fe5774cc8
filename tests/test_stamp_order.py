"""One finding for a line that several builds share: which build speaks for it does not depend on
the order the findings were stamped in (workers stamp theirs first, --jobs 1 stamps them all at the end)."""

from __future__ import annotations

from dataclasses import replace

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


def _no_limits(build: str, service: str) -> Finding:
    # temporal's server-deployment.yaml: one `range` renders a Deployment per service, in every values file's render
    return Finding(
        code="KR001",
        rule="missing-limits",
        severity=Severity.WARNING,
        message=f"container 'temporal-{service}' has no resource limits",
        location=Location("charts/temporal/templates/server-deployment.yaml", 88, 13),
        path="spec.template.spec.containers[0]",
        object=ObjectRef("apps/v1", "Deployment", f"temporal-{service}", None),
        built_from=(build,),
    )


def test_objects_a_range_renders_from_one_line_each_name_every_build() -> None:
    settings = build_settings(registry(), None)
    builds = ("helm template charts/temporal", "helm template charts/temporal -f values/values.postgresql.yaml")
    made = [_no_limits(build, service) for service in ("frontend", "history", "matching") for build in builds]
    for order in (made, made[::-1]):
        found = finish([], settings, {}, [], stamped=list(order))
        assert [(f.object.name if f.object else None, f.built_from) for f in found] == [
            (f"temporal-{service}", tuple(sorted(builds))) for service in ("frontend", "history", "matching")
        ]


def test_a_renamed_object_of_another_build_is_still_one_finding() -> None:
    # namePrefix: the overlays' objects have other names, and the messages say so
    settings = build_settings(registry(), None)
    dev = replace(_no_limits("kustomize build overlays/dev", "frontend"), object=ObjectRef("apps/v1", "Deployment", "dev-frontend", None))
    prod = replace(
        _no_limits("kustomize build overlays/prod", "frontend"), object=ObjectRef("apps/v1", "Deployment", "prod-frontend", None)
    )
    found = finish([], settings, {}, [], stamped=[dev, prod])
    assert len(found) == 1 and len(found[0].built_from) == 2
