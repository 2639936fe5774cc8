"""Pod templates, pod specs and containers inside workload objects."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from k8slint.findings import FieldPath
from k8slint.model.values import dig, sequence

WORKLOAD_KINDS = frozenset({"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job", "CronJob"})
POD_BEARING_KINDS = WORKLOAD_KINDS | {"Pod", "PodTemplate"}
SELECTOR_REQUIRED_KINDS = frozenset({"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"})
"""The workloads whose ``spec.selector`` the API requires from apps/v1 on, never defaulted from the pod template
labels (selector-mismatch reports one that is missing; schema-violation leaves that to it)."""
CONTAINER_LISTS = ("initContainers", "containers", "ephemeralContainers")


def _kind(data: dict[str, Any]) -> str | None:
    kind = data.get("kind")
    return kind if isinstance(kind, str) else None


def pod_template_path(data: dict[str, Any]) -> FieldPath | None:
    """Where a workload keeps its pod template, if it has one.

    Built-in workloads by kind; any other object (an Argo Rollout, say) when
    ``spec.template`` holds a pod spec with a list of containers.
    """
    kind = _kind(data)
    if kind == "CronJob":
        path: FieldPath = ("spec", "jobTemplate", "spec", "template")
    elif kind == "PodTemplate":
        path = ("template",)
    elif kind in WORKLOAD_KINDS:
        path = ("spec", "template")
    elif kind == "Pod":
        return None
    else:
        path = ("spec", "template")
        if not isinstance(dig(data, (*path, "spec", "containers")), list):
            return None
    return path if isinstance(dig(data, path), dict) else None


_RAY_CLUSTER = (("headGroupSpec", "template"), ("workerGroupSpecs", "*", "template"))
CUSTOM_POD_TEMPLATES: dict[tuple[str, str], tuple[FieldPath, ...]] = {
    # KubeRay (ray-operator/apis/ray/v1): each group's pod template; a RayJob's and a RayService's cluster spec
    ("ray.io", "RayCluster"): tuple(("spec", *p) for p in _RAY_CLUSTER),
    ("ray.io", "RayJob"): (*(("spec", "rayClusterSpec", *p) for p in _RAY_CLUSTER), ("spec", "submitterPodTemplate")),
    ("ray.io", "RayService"): tuple(("spec", "rayClusterConfig", *p) for p in _RAY_CLUSTER),
    # Kubeflow's training operator (kubeflow.org/v1): a ReplicaSpec of each replica type; the MPI operator's v2beta1
    **{
        ("kubeflow.org", kind): (("spec", f"{prefix}ReplicaSpecs", "*", "template"),)
        for kind, prefix in (
            ("TFJob", "tf"),
            ("PyTorchJob", "pytorch"),
            ("MXJob", "mx"),
            ("XGBoostJob", "xgb"),
            ("PaddleJob", "paddle"),
            ("JAXJob", "jax"),
            ("MPIJob", "mpi"),
        )
    },
    # JobSet (jobset.x-k8s.io/v1alpha2): each replicated Job's JobTemplateSpec
    ("jobset.x-k8s.io", "JobSet"): (("spec", "replicatedJobs", "*", "template", "spec", "template"),),
    # LeaderWorkerSet (leaderworkerset.x-k8s.io/v1)
    ("leaderworkerset.x-k8s.io", "LeaderWorkerSet"): (
        ("spec", "leaderWorkerTemplate", "leaderTemplate"),
        ("spec", "leaderWorkerTemplate", "workerTemplate"),
    ),
    # Volcano (batch.volcano.sh/v1alpha1): each task's pod template
    ("batch.volcano.sh", "Job"): (("spec", "tasks", "*", "template"),),
}
"""Custom resources whose controllers make pods from pod templates (PodTemplateSpec: ``metadata`` and a pod
``spec``) kept elsewhere than ``spec.template``, by (API group, kind): the paths of those templates (``*`` is
each item of a list or each value of a map). The controller sends each pod to the API server, which judges it
as any pod: the pod rules read each template (K8sObject.pod_template_views)."""


def custom_pod_templates(data: dict[str, Any]) -> list[FieldPath]:
    """The paths of the pod templates a custom resource of CUSTOM_POD_TEMPLATES holds (with a pod spec), in order."""
    api_version, kind = data.get("apiVersion"), _kind(data)
    if not isinstance(api_version, str) or kind is None or "/" not in api_version:
        return []
    patterns = CUSTOM_POD_TEMPLATES.get((api_version.split("/", 1)[0], kind))
    if patterns is None:
        return []
    found: list[FieldPath] = []
    for pattern in patterns:
        found.extend(path for path, value in _expand(data, pattern, ()) if isinstance(value.get("spec"), dict))
    return found


def _expand(node: Any, pattern: FieldPath, done: FieldPath) -> Iterator[tuple[FieldPath, dict[str, Any]]]:
    if not pattern:
        if isinstance(node, dict):
            yield done, node
        return
    step, rest = pattern[0], pattern[1:]
    if step == "*":
        if isinstance(node, list):
            for index, item in enumerate(node):
                yield from _expand(item, rest, (*done, index))
        elif isinstance(node, dict):
            for key, item in node.items():
                if isinstance(key, str):
                    yield from _expand(item, rest, (*done, key))
    elif isinstance(node, dict) and step in node:
        yield from _expand(node[step], rest, (*done, step))


def pod_spec_path(data: dict[str, Any]) -> FieldPath | None:
    if _kind(data) == "Pod":
        return ("spec",) if isinstance(data.get("spec"), dict) else None
    template = pod_template_path(data)
    if template is None:
        return None
    path = (*template, "spec")
    return path if isinstance(dig(data, path), dict) else None


@dataclass(frozen=True, slots=True)
class ContainerView:
    path: FieldPath
    """Path of the container mapping inside its object."""
    data: dict[str, Any]
    group: str
    """``containers``, ``initContainers`` or ``ephemeralContainers``."""

    @property
    def name(self) -> str:
        name = self.data.get("name")
        return name if isinstance(name, str) else f"{self.group}[{self.path[-1]}]"

    @property
    def is_sidecar(self) -> bool:
        """A native sidecar: an init container with ``restartPolicy: Always``, which runs beside the app.

        kubernetes ``pkg/api/v1/pod`` ``IsRestartableInitContainer``.
        """
        return self.group == "initContainers" and self.data.get("restartPolicy") == "Always"

    def runs_beside_app(self, version: str) -> bool:
        """A regular container, or a native sidecar at a version that runs it as one.

        The SidecarContainers feature is beta and on by default since Kubernetes 1.29 (stable in
        1.33); at 1.28 the API server drops an init container's ``restartPolicy`` (``dropDisabledFields``
        in ``pkg/api/pod/util.go``), so the container is an ordinary init container there.
        """
        return self.group == "containers" or (self.is_sidecar and _minor(version) >= SIDECARS_SINCE)


SIDECARS_SINCE = (1, 29)
"""The first minor release that runs native sidecars by default."""
SIDECAR_PORTS_SINCE = (1, 32)
"""The first minor release whose endpoint controllers resolve a Service's named targetPort in a
sidecar's ports: kubernetes ``pkg/api/v1/pod/util.go`` ``FindPort`` (pull request 127976, for Endpoints)
and its copy in ``staging/src/k8s.io/endpointslice/utils.go`` (pull request 128850, for EndpointSlices),
both "also support sidecar container (initContainer with restartPolicy=Always)"."""


@functools.lru_cache(maxsize=64)  # asked for the run's one target version by many checks, on every object
def _minor(version: str) -> tuple[int, int]:
    major, _, rest = version.lstrip("v").partition(".")
    return int(major), int(rest.split(".")[0] or 0)


def version_at_least(version: str, wanted: tuple[int, int]) -> bool:
    """Whether the target ``X.Y`` is ``wanted`` or later."""
    return _minor(version) >= wanted


def containers(data: dict[str, Any]) -> Iterator[ContainerView]:
    """Every container of an object's pod spec, init and ephemeral ones included."""
    return containers_of(pod_spec(data))


def containers_of(found: tuple[FieldPath, dict[str, Any]] | None) -> Iterator[ContainerView]:
    """The containers of a pod spec as ``pod_spec`` finds it (path and value), if any."""
    if found is None:
        return
    spec_path, spec = found
    for group in CONTAINER_LISTS:
        for index, container in enumerate(sequence(spec.get(group))):
            if isinstance(container, dict):
                yield ContainerView((*spec_path, group, index), container, group)


LONG_RUNNING_KINDS = frozenset({"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController"})
PROBES = ("startupProbe", "readinessProbe", "livenessProbe")
PROBE_HANDLERS = ("httpGet", "tcpSocket", "grpc", "exec")


@dataclass(frozen=True, slots=True)
class DeclaredPort:
    index: int
    number: int | None
    name: str | None
    protocol: str


def declared_ports(container: dict[str, Any]) -> list[DeclaredPort]:
    """The ports a container declares (protocol defaults to TCP)."""
    found = []
    for index, port in enumerate(sequence(container.get("ports"))):
        if not isinstance(port, dict):
            continue
        number = port.get("containerPort")
        name = port.get("name")
        protocol = port.get("protocol")
        found.append(
            DeclaredPort(
                index,
                number if isinstance(number, int) and not isinstance(number, bool) else None,
                name if isinstance(name, str) else None,
                protocol if isinstance(protocol, str) else "TCP",
            )
        )
    return found


def probe_handler(probe: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    """The handler of a probe (``httpGet``, ``tcpSocket``, ``grpc`` or ``exec``) and its settings."""
    for handler in PROBE_HANDLERS:
        settings = probe.get(handler)
        if isinstance(settings, dict):
            return handler, settings
    return None


def windows_pod(spec: dict[str, Any]) -> bool:
    """A pod spec that says it runs on Windows (``os.name: windows``): the API server refuses Linux-only
    security fields there, and Pod Security admission exempts it from the checks of those fields."""
    found = spec.get("os")
    return isinstance(found, dict) and found.get("name") == "windows"


def on_windows_nodes(spec: dict[str, Any]) -> bool:
    """A pod spec for Windows nodes: ``os.name: windows``, or a nodeSelector on ``kubernetes.io/os: windows``
    (the scheduler puts it on Windows nodes only, where the kubelet reads paths the Windows way)."""
    selector = spec.get("nodeSelector")
    return windows_pod(spec) or (isinstance(selector, dict) and selector.get("kubernetes.io/os") == "windows")


def pod_spec(data: dict[str, Any]) -> tuple[FieldPath, dict[str, Any]] | None:
    path = pod_spec_path(data)
    return (path, dig(data, path)) if path is not None else None
