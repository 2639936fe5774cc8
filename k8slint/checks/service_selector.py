"""KN001 service-selector-no-match: a Service that routes to no pods.

When nothing matches, the finding is made only on evidence that the selector
is wrong (see k8slint.model.graph.matching), or when the matching pods are in
another namespace of the same file.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from k8slint.context import RuleContext
from k8slint.findings import Problem, Related
from k8slint.model.graph.index import PodTemplate
from k8slint.model.graph.matching import explain_miss
from k8slint.model.graph.presence import CLUSTER_NAMESPACES
from k8slint.model.objects import K8sObject
from k8slint.model.selectors import Selector, from_map
from k8slint.registry import object_check


def show(selector: Selector) -> str:
    return "{" + ", ".join(f"{k}: {v}" for k, v in selector.match_labels) + "}"


CLUSTER_COMPONENT_LABELS = frozenset(
    {
        # the cluster add-ons' (kubernetes/kubernetes cluster/addons: dns/coredns `k8s-app: kube-dns`, kube-proxy)
        ("k8s-app", "kube-dns"),
        ("k8s-app", "kube-proxy"),
        # kubeadm's static control-plane pods (cmd/kubeadm/app/util/staticpod: component and tier labels)
        *(("component", name) for name in ("kube-apiserver", "kube-controller-manager", "kube-scheduler", "etcd")),
        ("tier", "control-plane"),
    }
)
"""Labels of the pods a cluster runs in kube-system itself, which no manifest of the set defines."""


def _cluster_component(selector: dict[str, object]) -> bool:
    """Whether every label the selector wants is one of the cluster's own components (CLUSTER_COMPONENT_LABELS)."""
    return all((str(key), str(value)) in CLUSTER_COMPONENT_LABELS for key, value in selector.items())


@object_check("KN001", kinds=("Service",))
def check(obj: K8sObject, ctx: RuleContext) -> Iterator[Problem]:
    spec = obj.data.get("spec")
    if not isinstance(spec, dict) or spec.get("type") == "ExternalName":
        return
    raw = spec.get("selector")
    if not isinstance(raw, dict) or not raw:
        return  # no selector: endpoints are managed by hand
    selector = from_map(raw)
    index = ctx.index
    if index.selects_anywhere(obj.namespace, selector) or index.operator_owner(obj.namespace, selector):
        return
    if obj.namespace in CLUSTER_NAMESPACES and _cluster_component(raw):
        return  # the cluster's own pods: node-local-dns's kube-dns-upstream Service selects CoreDNS (k8s-app: kube-dns)
    elsewhere = _same_file_other_namespace(obj, selector, index)
    if elsewhere is not None:
        related = (Related(elsewhere.obj.locate(("metadata",)), f"{elsewhere.obj.describe()} is here"),)
        if "namespace" not in elsewhere.obj.metadata and "namespace" in obj.metadata:
            # the file fixes the Service's namespace and leaves the workload's to kubectl's -n (or the context)
            yield Problem(
                f"selector {show(selector)} matches the pods of {elsewhere.obj.describe()}, which sets no namespace, but "
                f"a Service only selects pods in its own namespace ({obj.namespace!r}): applied with -n {obj.namespace} "
                "(the only -n kubectl accepts for this file) they meet; applied without it, the pods go to the "
                "context's namespace and the Service has no endpoints",
                path=("spec", "selector"),
                related=related,
                variant="implicit-namespace",
            )
            return
        yield Problem(
            f"selector {show(selector)} matches the pods of {elsewhere.obj.describe()}, but a Service only "
            f"selects pods in its own namespace ({obj.namespace!r})",
            path=("spec", "selector"),
            related=related,
        )
        return
    miss = explain_miss(obj, selector, index)
    if miss is None:
        return
    nearest = miss.nearest
    related = (Related(nearest.obj.locate((*nearest.path, "metadata", "labels")), f"pod labels of {nearest.obj.describe()}"),)
    if miss.key not in nearest.labels and index.labels_pods_at_runtime(nearest):
        # every other label agrees, and the pods themselves may add this one (a controller labels its elected leader)
        yield Problem(
            f"selector {show(selector)} matches no pod template in namespace {obj.namespace!r}: the pods of "
            f"{nearest.obj.kind} {nearest.obj.name!r} have every label it wants but {miss.key}: {miss.wanted}, which "
            "their ServiceAccount may set at run time (RBAC lets it patch or update pods); if nothing does, the Service "
            "has no endpoints",
            path=("spec", "selector", miss.key),
            related=related,
            variant="runtime-label",
        )
        return
    yield Problem(
        f"selector {show(selector)} matches no pod template in namespace {obj.namespace!r}; nearest is "
        f"{nearest.obj.kind} {nearest.obj.name!r}, whose pods have {miss.difference} where the selector wants "
        f"{miss.key}: {miss.wanted}",
        path=("spec", "selector", miss.key),
        related=related,
    )


def _same_file_other_namespace(obj: K8sObject, selector: Selector, index: Any) -> PodTemplate | None:
    for template in index.templates_in_file(obj.file.display):
        if template.obj.namespace != obj.namespace and template.selected_by(selector):
            return template
    return None
