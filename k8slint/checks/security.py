"""Security context: KS001-KS008.

Pod-level settings (``spec.securityContext``) are inherited by containers
unless a container overrides them, as in Kubernetes.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from k8slint.context import RuleContext
from k8slint.findings import Problem
from k8slint.model.objects import K8sObject
from k8slint.model.values import mapping, sequence
from k8slint.model.workloads import ContainerView, windows_pod
from k8slint.registry import object_check


def _effective(obj: K8sObject) -> Iterator[tuple[ContainerView, dict[str, Any], dict[str, Any]]]:
    """Each container with its own security context and the pod's."""
    found = obj.pod_spec()
    if found is None:
        return
    _, spec = found
    pod = mapping(spec.get("securityContext"))
    for container in obj.containers():
        yield container, mapping(container.data.get("securityContext")), pod


def _setting(own: dict[str, Any], pod: dict[str, Any], key: str) -> Any:
    return own[key] if key in own else pod.get(key)


@object_check("KS001", local=True, pods=True)
def run_as_root(obj: K8sObject, ctx: RuleContext) -> Iterator[Problem]:
    for container, own, pod in _effective(obj):
        non_root = _setting(own, pod, "runAsNonRoot")
        user = _setting(own, pod, "runAsUser")
        if user == 0:
            where = (*container.path, "securityContext", "runAsUser") if "runAsUser" in own else None
            yield Problem(
                f"container {container.name!r} runs as root (runAsUser: 0)",
                path=where or _pod_path(obj, ("securityContext", "runAsUser")),
            )
        elif non_root is not True and _non_zero(user):
            # pod-security-admission's runAsNonRoot check (check_runAsNonRoot.go) reads runAsNonRoot alone: a
            # non-zero runAsUser does not satisfy the restricted profile; a pod in a user namespace is exempt (1.35)
            if _spec(obj).get("hostUsers") is False or _patched(obj, "non-root-flag", container):
                continue
            if "runAsNonRoot" not in own and _patched(obj, "non-root-flag"):
                continue  # unbuilt, a patch of the build sets it for the pod
            said = "sets runAsNonRoot: false" if non_root is False else "does not set runAsNonRoot: true (for it or its pod)"
            field = "runAsNonRoot" if non_root is False else None
            yield Problem(
                f"container {container.name!r} runs as user {user}, not root, but {said}: the Pod Security restricted "
                "profile requires runAsNonRoot: true whatever runAsUser is",
                path=(*container.path, "securityContext", field)
                if field and "runAsNonRoot" in own
                else (*container.path, "securityContext")
                if own
                else container.path,
                variant="run-as-user-only",
            )
        elif non_root is not True and not _non_zero(user):
            pod_wide = "runAsNonRoot" not in own and "runAsUser" not in own  # the container's own would win over the pod's
            if _patched(obj, "non-root", container) or (pod_wide and _patched(obj, "non-root")):
                continue  # unbuilt, a patch of the build sets it (kubeflow's profiles base/patches/manager.yaml)
            yield Problem(
                f"container {container.name!r} may run as root: neither runAsNonRoot: true nor a non-zero runAsUser "
                "is set (for it or its pod)",
                path=(*container.path, "securityContext") if own else container.path,
            )


def _patched(obj: K8sObject, what: str, container: ContainerView | None = None) -> bool:
    """Whether every build of the object's file patches it to do ``what`` (KustomizeMap.patched_for), for the
    container (named, or by its index, as a JSON 6902 patch reaches it: ``#0``) or for the pod (None)."""
    if not obj.file.kustomize_patched:
        return False
    if container is None:
        details: tuple[str, ...] = ("",)
    elif container.group == "containers":
        details = (container.name, f"#{container.path[-1]}")
    else:
        details = (container.name,)
    return any(obj.file.patched(obj.kind, obj.name, what, detail, obj) for detail in details)


def _non_zero(user: Any) -> bool:
    return isinstance(user, int) and not isinstance(user, bool) and user > 0


def _spec(obj: K8sObject) -> dict[str, Any]:
    """The pod spec of a workload, or an empty mapping."""
    found = obj.pod_spec()
    return found[1] if found is not None else {}


def _pod_path(obj: K8sObject, tail: tuple[Any, ...]) -> tuple[Any, ...]:
    found = obj.pod_spec()
    return (*found[0], *tail) if found else tail


@object_check("KS002", local=True, pods=True)
def privilege_escalation(obj: K8sObject, ctx: RuleContext) -> Iterator[Problem]:
    windows = windows_pod(_spec(obj))
    for container, own, _ in _effective(obj):
        setting = own.get("allowPrivilegeEscalation")
        if setting is True:
            yield Problem(
                f"container {container.name!r} allows privilege escalation (setuid binaries can gain root)",
                path=(*container.path, "securityContext", "allowPrivilegeEscalation"),
            )
        elif setting is None and not windows and own.get("privileged") is not True:
            # pod-security-admission's allowPrivilegeEscalation check refuses unset as well as true (a Windows pod is
            # exempt since 1.25); a privileged container escalates whatever it says (privileged-container reports it)
            if _patched(obj, "no-escalation", container):
                continue  # unbuilt, a patch of the build sets it
            yield Problem(
                f"container {container.name!r} does not set allowPrivilegeEscalation: false, so its processes may gain "
                "privileges (setuid binaries): the Pod Security restricted profile requires it to be false",
                path=(*container.path, "securityContext") if own else container.path,
                variant="unset",
            )


@object_check("KS003", local=True, pods=True)
def privileged_container(obj: K8sObject, ctx: RuleContext) -> Iterator[Problem]:
    for container, own, _ in _effective(obj):
        if own.get("privileged") is True:
            yield Problem(
                f"container {container.name!r} is privileged: it has every capability and the host's devices",
                path=(*container.path, "securityContext", "privileged"),
            )


@object_check("KS004", local=True, pods=True)
def writable_root_fs(obj: K8sObject, ctx: RuleContext) -> Iterator[Problem]:
    if windows_pod(_spec(obj)):
        return  # the API server refuses readOnlyRootFilesystem in a Windows pod (validateWindows)
    for container, own, _ in _effective(obj):
        if container.group != "ephemeralContainers" and own.get("readOnlyRootFilesystem") is not True:
            if _patched(obj, "read-only-root", container):
                continue  # unbuilt, a patch of the build sets it
            yield Problem(
                f"container {container.name!r} can write to its root filesystem (readOnlyRootFilesystem is not true)",
                path=(*container.path, "securityContext") if own else container.path,
            )


@object_check("KS005", local=True, pods=True)
def host_namespaces(obj: K8sObject, ctx: RuleContext) -> Iterator[Problem]:
    found = obj.pod_spec()
    if found is None:
        return
    path, spec = found
    for field, what in (("hostNetwork", "network"), ("hostPID", "process"), ("hostIPC", "IPC")):
        if spec.get(field) is True:
            yield Problem(f"the pod shares the host's {what} namespace ({field}: true)", path=(*path, field))
    if spec.get("hostNetwork") is True:
        return  # on the host's network every container port is a host port: the finding above says so
    # pod-security-admission's hostPorts check (check_hostPorts.go), baseline: any container's hostPort but 0
    for container in obj.containers():
        for index, port in enumerate(sequence(container.data.get("ports"))):
            host = port.get("hostPort") if isinstance(port, dict) else None
            if type(host) is int and host != 0:
                yield Problem(
                    f"container {container.name!r} binds port {host} of the node (hostPort), which the Pod Security "
                    "baseline profile refuses",
                    path=(*container.path, "ports", index, "hostPort"),
                )


@object_check("KS006", local=True, pods=True)
def host_path_volume(obj: K8sObject, ctx: RuleContext) -> Iterator[Problem]:
    found = obj.pod_spec()
    if found is None:
        return
    path, spec = found
    for index, volume in enumerate(sequence(spec.get("volumes"))):
        host_path = mapping(volume).get("hostPath") if isinstance(volume, dict) else None
        if isinstance(host_path, dict):
            where = host_path.get("path")
            yield Problem(
                f"volume {volume.get('name')!r} mounts the host path {where!r} into the pod",
                path=(*path, "volumes", index, "hostPath"),
            )


@object_check("KS007", local=True, pods=True)
def capabilities_not_dropped(obj: K8sObject, ctx: RuleContext) -> Iterator[Problem]:
    if windows_pod(_spec(obj)):
        return  # the API server refuses capabilities in a Windows pod; Pod Security admission exempts it (1.25)
    for container, own, _ in _effective(obj):
        if container.group == "ephemeralContainers" or own.get("privileged") is True:
            continue  # a privileged container gets every capability whatever it drops (privileged-container says so)
        drop = mapping(own.get("capabilities")).get("drop")
        if isinstance(drop, list) and "ALL" in drop:
            continue
        if _patched(obj, "drop-all", container):
            continue  # unbuilt, a patch of the build drops them
        dropped = drop if isinstance(drop, list) else []
        spelled = next((c for c in dropped if str(c).upper() in ("ALL", "CAP_ALL")), None)
        if spelled is not None:
            # pod-security-admission's restricted check (check_capabilities_restricted.go) compares with "ALL" exactly
            yield Problem(
                f"container {container.name!r} drops {str(spelled)!r}, which the Pod Security restricted profile does not "
                "count: it looks for 'ALL' exactly, so a namespace that enforces the profile refuses the pod",
                path=(*container.path, "securityContext", "capabilities", "drop", dropped.index(spelled)),
            )
            continue
        yield Problem(
            f"container {container.name!r} keeps the runtime's default capabilities (capabilities.drop lacks ALL)",
            path=(*container.path, "securityContext") if own else container.path,
        )


_SECCOMP_CONFINED = ("RuntimeDefault", "Localhost")


@object_check("KS008", local=True, pods=True)
def seccomp_unconfined(obj: K8sObject, ctx: RuleContext) -> Iterator[Problem]:
    found = obj.pod_spec()
    if found is None or windows_pod(found[1]):
        return  # Pod Security admission exempts Windows pods from the seccomp check
    for container, own, pod in _effective(obj):
        profile = mapping(_setting(own, pod, "seccompProfile"))
        kind = profile.get("type")
        if kind in _SECCOMP_CONFINED:
            continue
        if kind == "Unconfined":
            at = (*container.path, "securityContext") if "seccompProfile" in own else _pod_path(obj, ("securityContext",))
            yield Problem(
                f"container {container.name!r} runs with seccomp profile Unconfined, which the Pod Security baseline "
                "profile forbids: every system call is open to it",
                path=(*at, "seccompProfile", "type"),
            )
            continue
        if own.get("privileged") is True:
            continue  # the runtime applies no seccomp profile to a privileged container (privileged-container says so)
        if _patched(obj, "seccomp", container) or _patched(obj, "seccomp"):
            continue  # unbuilt, a patch of every build sets it
        yield Problem(
            f"container {container.name!r} has no seccomp profile (seccompProfile is set for neither it nor its pod): it "
            "runs Unconfined unless the kubelet's seccompDefault is on, and the Pod Security restricted profile "
            "requires RuntimeDefault or Localhost",
            path=(*container.path, "securityContext") if own else container.path,
        )
