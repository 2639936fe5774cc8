"""KV001 api-validation: what the API server's own validation refuses beyond the OpenAPI schema.

The logic, and the upstream function each check mirrors, is in k8slint/model/apivalidation.py
(pod specs, Services, claims, restart policies) and k8slint/model/apikinds.py (the other kinds).
"""

from __future__ import annotations

from collections.abc import Iterator

from k8slint.context import RuleContext
from k8slint.findings import Problem
from k8slint.model.apikinds import (
    byte_refusals,
    host_users_refusals,
    missing_spec_refusal,
    object_kind_refusals,
    subject_namespace_refusals,
)
from k8slint.model.apivalidation import BUILTIN_API_VERSIONS, object_refusals, pod_spec_refusals
from k8slint.model.objects import K8sObject
from k8slint.model.placeholders import null_placeholder
from k8slint.model.podresources import POD_LEVEL_RESOURCES_SINCE, pod_resource_refusals
from k8slint.model.workloads import POD_BEARING_KINDS, version_at_least
from k8slint.registry import object_check

KINDS = POD_BEARING_KINDS | {
    "ValidatingWebhookConfiguration",
    "MutatingWebhookConfiguration",
    "APIService",
    "CustomResourceDefinition",
    "CertificateSigningRequest",
    "Service",
    "NetworkPolicy",
    "PersistentVolumeClaim",
    "Ingress",
    "IngressClass",
    "PodDisruptionBudget",
    "HorizontalPodAutoscaler",
    "PriorityClass",
    "Role",
    "ClusterRole",
    "RoleBinding",
    "ClusterRoleBinding",
    "ConfigMap",
    "Secret",
}


@object_check("KV001", kinds=KINDS, local=True)
def check(obj: K8sObject, ctx: RuleContext) -> Iterator[Problem]:
    for refusal in byte_refusals(obj.data):
        if refusal.placeholder is None:  # else unrendered-placeholder's
            yield Problem(refusal.message, path=refusal.path)
    if obj.api_version not in BUILTIN_API_VERSIONS:
        return  # a custom resource of the same kind name: its CRD's schema is all the API server checks
    merged = obj.file.merged_into is not None  # an update merged into the live object (an end-to-end test's apply)
    missing = missing_spec_refusal(obj.data)
    if missing is not None and merged:
        return  # the live object has the spec the file leaves out
    if missing is not None:
        errors = ctx.schemas.errors(obj) or []
        if not any(error.missing and tuple(error.path) == ("spec",) for error in errors):  # else schema-violation's
            yield Problem(missing.message, path=missing.path)
        return
    found = obj.pod_spec()
    for refusal in object_refusals(obj.data, found, obj.containers()):
        if merged and obj.kind == "Pod" and refusal.path[-1:] == ("ephemeralContainers",):
            continue  # refused on create only (ValidatePodCreate): an update keeps those kubectl debug added
        if refusal.placeholder is None:  # else unrendered-placeholder's
            yield Problem(refusal.message, path=refusal.path)
    for refusal in object_kind_refusals(obj, ctx.kubernetes_version):
        if refusal.placeholder is None:  # else unrendered-placeholder's
            yield Problem(refusal.message, path=refusal.path)
    if obj.kind == "ClusterRoleBinding" and (obj.placement is not None or obj.file.namespace_from is None):
        # unbuilt under a kustomization with a namespace, the build fills the subjects' namespaces
        for refusal in subject_namespace_refusals(obj.data):
            if refusal.path[-1] == "namespace" and null_placeholder(obj, refusal.path) is not None:
                continue  # `namespace: ##NAMESPACE##`, which YAML reads as a comment: unrendered-placeholder's
            yield Problem(refusal.message, path=refusal.path)
    if found is not None:
        for refusal in host_users_refusals(*found, ctx.kubernetes_version):
            yield Problem(refusal.message, path=refusal.path)
    if found is not None and version_at_least(ctx.kubernetes_version, POD_LEVEL_RESOURCES_SINCE):
        # validatePodResourceConsistency; before 1.34 the API server drops spec.resources (gate off)
        for pod_refusal in pod_resource_refusals(*found):
            yield Problem(pod_refusal.message, path=pod_refusal.path)


@object_check("KV001", local=True, templates=True)
def pod_template_check(obj: K8sObject, ctx: RuleContext) -> Iterator[Problem]:
    """The pod spec checks on a pod template a custom resource keeps under its own fields (K8sObject.pod_template_views):
    its CustomResourceDefinition's schema is all the API server checks of the resource, but each pod its controller
    makes from the template is judged as a pod. Restart policies are judged as a pod's (the controller's kind of
    workload is its own), and a mount of a volume the template lacks is not judged: the operator may add it."""
    if obj.view_of is None:
        return  # every object passes by: only the views have something to check here
    found = obj.pod_spec()
    if found is None:
        return
    for refusal in pod_spec_refusals("PodTemplate", found[0], found[1], [], obj.containers()):
        if refusal.path[-3:-2] in (("volumeMounts",), ("volumeDevices",)) and refusal.path[-1] == "name":
            continue  # operators add volumes of their own to the pods (KubeRay's ray-token, shared-mem) that mounts name
        if refusal.placeholder is None:  # else unrendered-placeholder's
            yield Problem(refusal.message, path=refusal.path)
    for refusal in host_users_refusals(*found, ctx.kubernetes_version):
        yield Problem(refusal.message, path=refusal.path)
    if version_at_least(ctx.kubernetes_version, POD_LEVEL_RESOURCES_SINCE):
        for pod_refusal in pod_resource_refusals(*found):
            yield Problem(pod_refusal.message, path=pod_refusal.path)
