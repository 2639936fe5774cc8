"""Whether an object that another one names counts as present, and whether its absence is evidence.

A referenced object counts as present when it is in the linted set (same
namespace, in any deployment unit: another unit's object may be applied with
this one, as a Secret that several samples share), when the config lists it in
``external-objects``, when a configMapGenerator or secretGenerator of a
kustomization that builds the viewer's file makes it (unbuilt, the generated
object is in no file), when the cluster always has it (the ``default``
ServiceAccount, the ``kube-root-ca.crt`` ConfigMap, OpenShift's ``openshift-service-ca.crt``), when a controller the set
runs makes it in every namespace (istiod's ``istio-ca-root-cert``), when a custom resource in
the namespace names it (an operator such as cert-manager or External Secrets
makes it; a Service named after a custom resource of a kind that makes workloads, with a dash and a suffix,
as KubeRay names a RayCluster's head Service), or when a Role lets something create it at run time, or, for a viewer whose file
names no namespace (applied with `kubectl apply -n`), when the set defines it in another namespace. A missing object is evidence of a bug only where the
referring object's own folder defines objects of that kind in that namespace
(:func:`managed_here`); references into the cluster's own namespaces are never
checked.
"""

from __future__ import annotations

from k8slint.model.graph.index import ObjectIndex
from k8slint.model.objects import K8sObject

ALWAYS_PRESENT = {
    ("ServiceAccount", "default"),
    ("ConfigMap", "kube-root-ca.crt"),
    # OpenShift's controller manager publishes the service CA bundle in every namespace, as kube-root-ca.crt (the
    # name is OpenShift's own: a manifest names it only to run there, as loki's operator/hack/*_ocp*.yaml do)
    ("ConfigMap", "openshift-service-ca.crt"),
}
MADE_IN_EVERY_NAMESPACE = {
    # istiod's namespace controller writes the mesh's root certificate into every namespace
    # ("CACertNamespaceConfigMap is the name of the ConfigMap in each namespace storing the root cert",
    # istio's pilot/pkg/serviceregistry/kube/controller/namespacecontroller.go); istiod runs the pilot image
    ("ConfigMap", "istio-ca-root-cert"): "pilot",
}
CLUSTER_NAMESPACES = frozenset({"kube-system", "kube-public", "kube-node-lease"})


def present(index: ObjectIndex, viewer: K8sObject, kind: str, name: str) -> bool:
    """Whether ``kind``/``name``, named by ``viewer``, counts as present in the viewer's namespace."""
    namespace = viewer.namespace
    if (kind, name) in ALWAYS_PRESENT or index.definitions(namespace, kind, name):
        return True
    if (kind, name) in viewer.file.kustomize_generated:  # a kustomize generator of the build makes it
        return True
    controller = MADE_IN_EVERY_NAMESPACE.get((kind, name))
    if controller is not None and controller in index.controller_images:
        return True
    if index.is_external(namespace, kind, name) or index.created_at_runtime(namespace, kind, name):
        return True
    if name in index.names_mentioned_by_custom_resources(namespace):
        return True
    if index.defined_elsewhere_for(viewer, kind, name) is not None:
        return True  # the viewer names no namespace: it is applied where the object is
    # a Service an operator makes for its custom resource, named after it (KubeRay's `<cluster>-head-svc`)
    return kind == "Service" and index.named_after_custom_resource(namespace, name) is not None


def managed_here(index: ObjectIndex, subject: K8sObject, kind: str) -> bool:
    """Whether the subject's folder defines objects of ``kind`` in its namespace (evidence the set manages them)."""
    if subject.namespace in CLUSTER_NAMESPACES:
        return False
    return index.defined_in_folder(subject, kind)
