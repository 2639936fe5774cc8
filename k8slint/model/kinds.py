"""Facts about built-in Kubernetes kinds that rules need."""

from __future__ import annotations

import re

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
        "backstage.io",  # Backstage catalog-info.yaml
        "kpt.dev",  # Kptfile
        "fn.kpt.dev",
        "config.kubernetes.io",  # KRM function configs
        # Carvel: kapp's Config "is never applied to the cluster"; kbld "consumes and removes such files
        # from its output"; vendir.yml and its lock file configure vendir (carvel.dev docs)
        "kapp.k14s.io",
        "kbld.k14s.io",
        "vendir.k14s.io",
        "eksctl.io",  # eksctl's ClusterConfig (eksctl create cluster -f)
        "chainsaw.kyverno.io",  # chainsaw's Test, StepTemplate and Configuration
        # the kyverno CLI's Test, Values, UserInfo, Context and ClusterResource: `kyverno test` and `kyverno
        # apply` read them from disk (kyverno/kyverno cmd/cli/kubectl-kyverno/apis/v1alpha1)
        "cli.kyverno.io",
        "kuttl.dev",  # kuttl's TestSuite, TestStep and TestAssert
        "scorecard.operatorframework.io",  # operator-sdk scorecard's Configuration
        # a Crossplane package's crossplane.yaml (Provider, Configuration, Function metadata): read by `crossplane
        # xpkg build` into the package, never applied; crossplane/crossplane's cluster/meta CRDs "are never
        # installed, only used for API documentation" (apis/generate.go)
        "meta.pkg.crossplane.io",
        "node.eks.aws",  # nodeadm's NodeConfig, an EC2 node's user data
        # controller-runtime's ComponentConfig (pkg/config/v1alpha1): the manager reads it from a file
        # (kubebuilder's config/manager/controller_manager_config.yaml), no API server serves the group
        "controller-runtime.sigs.k8s.io",
        # the Gateway API site's GEP metadata (GEPDetails), read by its tools/geps generator; no CRD serves the group
        "internal.gateway.networking.k8s.io",
        # Tanka's environment spec.json (tanka.dev/v1alpha1 Environment): `tk` reads it, and names the environment by
        # its path (pkg/spec/spec.go); it never reaches an API server
        "tanka.dev",
        # gatekeeper's gator CLI suite (test.gatekeeper.sh/v1alpha1 Suite): `gator verify` reads it from disk
        "test.gatekeeper.sh",
        # gator's PolicyCatalog (gator.gatekeeper.sh/v1alpha1: gatekeeper-library's catalog.yaml of templates and
        # their sample paths), read by `gator` and the library's tooling; no CRD serves the group
        "gator.gatekeeper.sh",
        # Grafana's helm-chart-toolbox TestPlan (a chart's integration test plan, read by its test runner; grafana/loki's
        # production/helm/loki/test/integration/*/test-plan.yaml): no metadata, no API server serves the group
        "helm-chart-toolbox.grafana.com",
    }
)
TOOL_CONFIG_KINDS = frozenset(
    {
        # clusterctl's metadata.yaml of a provider release; the group's Provider is a real CRD, but cluster-api
        # leaves Metadata out of its CRD manifests: "metadata will be used as a ComponentConfig file only"
        # (cmd/clusterctl/config/crd/kustomization.yaml)
        ("clusterctl.cluster.x-k8s.io", "Metadata"),
        # the Gateway API conformance suite's report (conformance/apis/v1 ConformanceReport: a TypeMeta and the
        # results, no ObjectMeta), submitted as a file under conformance/reports; no CRD serves the kind
        ("gateway.networking.k8s.io", "ConformanceReport"),
        # kube-scheduler's legacy policy file (predicates and priorities, read with --policy-config-file until
        # 1.23; kubernetes/examples' scheduler-policy samples): "v1" names its own scheme's version, and the
        # core API serves no kind Policy
        ("", "Policy"),
        # the body of an admission webhook's request or response (k8s.io/api/admission/v1): the API server sends it
        # to a webhook, and serves no resource of the kind; gator verify takes a file of one as a test case's object
        # (gatekeeper-library's update.yaml cases), reviewing the object inside its request
        ("admission.k8s.io", "AdmissionReview"),
        # Envoy Gateway's own configuration (gateway.envoyproxy.io/v1alpha1 EnvoyGateway): `envoy-gateway server
        # --config-path` reads it from a file (the chart puts it in a ConfigMap); no CRD of the group serves the kind
        ("gateway.envoyproxy.io", "EnvoyGateway"),
    }
)


def api_group(api_version: str) -> str:
    """``apps/v1`` -> ``apps``; ``v1`` -> ``""`` (the core group)."""
    return api_version.rpartition("/")[0]


_SIG_COMPONENT_CONFIG = re.compile(r"config\.[a-z0-9-]+\.x-k8s\.io")
"""The group of a Kubernetes SIG controller's own configuration file (kueue's, JobSet's, LeaderWorkerSet's
``config.<project>.x-k8s.io`` Configuration: the manager reads it from a file, a ConfigMap its kustomization makes
(jobset's config/components/manager/controller_manager_config.yaml); no CRD serves the group)."""


def is_tool_config(api_version: str, kind: str) -> bool:
    if api_version == "v1" and kind == "Config":  # a kubeconfig file
        return True
    group = api_group(api_version)
    if kind == "Configuration" and _SIG_COMPONENT_CONFIG.fullmatch(group):
        return True
    return group in TOOL_CONFIG_GROUPS or (group, kind) in TOOL_CONFIG_KINDS


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


NAMESPACED_BUILTIN_KINDS = frozenset(
    {
        "ConfigMap",
        "ControllerRevision",
        "CronJob",
        "DaemonSet",
        "Deployment",
        "Endpoints",
        "EndpointSlice",
        "Event",
        "HorizontalPodAutoscaler",
        "Ingress",
        "Job",
        "Lease",
        "LimitRange",
        "NetworkPolicy",
        "PersistentVolumeClaim",
        "Pod",
        "PodDisruptionBudget",
        "PodTemplate",
        "ReplicaSet",
        "ReplicationController",
        "ResourceQuota",
        "Role",
        "RoleBinding",
        "Secret",
        "Service",
        "ServiceAccount",
        "StatefulSet",
    }
)
BUILTIN_KINDS = NAMESPACED_BUILTIN_KINDS | CLUSTER_SCOPED_KINDS


def is_api_version(api_version: str) -> bool:
    """Whether ``api_version`` can name a Kubernetes API: the core ``v1``, a built-in group, or a
    group with a dot in it (the API server refuses a CustomResourceDefinition group without one).

    ``skaffold/v4beta6``, ``builtin`` (kustomize's plugin configs) and a Chart.yaml's ``v2`` are not.
    """
    group, _, version = api_version.rpartition("/")
    if not _VERSION.fullmatch(version):
        return False
    if not group:
        return version == "v1"
    return group in BUILTIN_GROUPS or ("." in group and _GROUP.fullmatch(group) is not None)


_VERSION = re.compile(r"v[0-9]+(?:(?:alpha|beta)[0-9]*)?|[a-z0-9]([-a-z0-9]*[a-z0-9])?")
_GROUP = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")


def is_kubernetes_document(data: object) -> bool:
    """Whether a YAML/JSON document is meant as a Kubernetes object (else the file is some other tool's).

    A mapping with a ``kind`` string is one when its ``apiVersion`` can name a
    Kubernetes API, or when it has no apiVersion but a built-in kind or a
    ``metadata`` mapping (an object that forgot its apiVersion: ``kind:
    Deployment`` with a ``spec``). A kind of no API, with neither apiVersion
    nor metadata, is some tool's (kube-state-metrics' ``kind:
    CustomResourceStateMetrics`` with a ``spec``).
    A mapping with no kind is one only when its apiVersion names a Kubernetes
    API and it has ``metadata`` (an object that forgot its kind); with a kind
    that is not a string, when it has an apiVersion and ``metadata``. So a
    Grafana provisioning file (``apiVersion: 1``), a Helm repository index
    (``apiVersion: v1``, no kind, no metadata), a skaffold.yaml, package.json
    or a compose file is not.
    """
    if not isinstance(data, dict):
        return False
    api_version, kind = data.get("apiVersion"), data.get("kind")
    if isinstance(kind, str) and kind:
        if isinstance(api_version, str) and api_version:
            return is_api_version(api_version)
        if api_version is None or api_version == "":
            return kind in BUILTIN_KINDS or isinstance(data.get("metadata"), dict)
        return kind in BUILTIN_KINDS and isinstance(data.get("metadata"), dict)
    if "kind" in data and kind not in (None, ""):
        # a kind that is not a string: an object written wrongly when it has the rest of one
        return "apiVersion" in data and isinstance(data.get("metadata"), dict)
    return isinstance(api_version, str) and is_api_version(api_version) and isinstance(data.get("metadata"), dict)


def is_custom_resource(api_version: str | None) -> bool:
    return api_version is not None and api_group(api_version) not in BUILTIN_GROUPS
