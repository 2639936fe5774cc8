"""Facts about built-in Kubernetes kinds that rules need."""

from __future__ import annotations

CLUSTER_SCOPED_KINDS = frozenset(
    {
        "APIService",
        "CertificateSigningRequest",
        "ClusterRole",
        "ClusterRoleBinding",
        "ComponentStatus",
        "CSIDriver",
        "CSINode",
        "CustomResourceDefinition",
        "FlowSchema",
        "IngressClass",
        "MutatingWebhookConfiguration",
        "Namespace",
        "Node",
        "PersistentVolume",
        "PodSecurityPolicy",
        "PriorityClass",
        "PriorityLevelConfiguration",
        "RuntimeClass",
        "StorageClass",
        "ValidatingAdmissionPolicy",
        "ValidatingAdmissionPolicyBinding",
        "ValidatingWebhookConfiguration",
        "VolumeAttachment",
    }
)

# Files that look like manifests (apiVersion + kind) but configure a tool
# rather than describe an API object; they have no metadata and are not linted
# as objects.
TOOL_CONFIG_GROUPS = frozenset(
    {
        "kustomize.config.k8s.io",
        "kubeadm.k8s.io",
        "kubelet.config.k8s.io",
        "kubeproxy.config.k8s.io",
        "kubescheduler.config.k8s.io",
        "apiserver.config.k8s.io",
        "apiserver.k8s.io",
        "audit.k8s.io",
        "kind.x-k8s.io",
        "skaffold",
        "ctlptl.dev",
        "k3d.io",
        "install.istio.io",  # IstioOperator files are istioctl input
    }
)


def api_group(api_version: str) -> str:
    """``apps/v1`` -> ``apps``; ``v1`` -> ``""`` (the core group)."""
    return api_version.rpartition("/")[0]


def is_tool_config(api_version: str, kind: str) -> bool:
    if api_version == "v1" and kind == "Config":  # a kubeconfig file
        return True
    return api_group(api_version) in TOOL_CONFIG_GROUPS


def is_list_kind(kind: str) -> bool:
    return kind == "List" or (kind.endswith("List") and len(kind) > 4)


# API groups served by Kubernetes itself; objects of any other group are
# custom resources (an operator may create pods for them).
BUILTIN_GROUPS = frozenset(
    {
        "",
        "admissionregistration.k8s.io",
        "apiextensions.k8s.io",
        "apiregistration.k8s.io",
        "apps",
        "authentication.k8s.io",
        "authorization.k8s.io",
        "autoscaling",
        "batch",
        "certificates.k8s.io",
        "coordination.k8s.io",
        "discovery.k8s.io",
        "events.k8s.io",
        "extensions",
        "flowcontrol.apiserver.k8s.io",
        "networking.k8s.io",
        "node.k8s.io",
        "policy",
        "rbac.authorization.k8s.io",
        "resource.k8s.io",
        "scheduling.k8s.io",
        "storage.k8s.io",
        "storagemigration.k8s.io",
    }
)


def is_custom_resource(api_version: str | None) -> bool:
    return api_version is not None and api_group(api_version) not in BUILTIN_GROUPS
