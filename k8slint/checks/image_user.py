"""DF013 image-user-not-numeric: an image whose user is a name, run with runAsNonRoot and no runAsUser.

The kubelet checks runAsNonRoot before it starts a container
(verifyRunAsNonRoot, pkg/kubelet/kuberuntime/security_context_others.go):
with no runAsUser in the effective security context it needs the image's
user as a number; of a name it cannot tell whether it is root, and it refuses
the container ("container has runAsNonRoot and image has non-numeric user
(app), cannot verify user is non-root"). The image config's user is the
Dockerfile's last USER; the runtime reads its part before ":" as a uid when it
is a number (containerd, like the kubelet's own parseUserFromImageUser).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from k8slint.context import RuleContext
from k8slint.findings import Problem, Related
from k8slint.model.dockerbuild import BuiltContainer
from k8slint.model.dockerfile import DockerfileDoc, Instruction, Stage
from k8slint.model.images import WINDOWS_BASE
from k8slint.model.values import mapping
from k8slint.model.workloads import windows_pod
from k8slint.registry import dockerfile_check

_NUMERIC = re.compile(r"[+-]?[0-9]+")  # what strconv.ParseInt takes as a uid
# Windows base images: on Windows nodes the kubelet checks the user name instead (security_context_windows.go)


@dataclass(frozen=True, slots=True)
class ImageUser:
    name: str
    """The user part of USER (before ":"), a name."""
    instruction: Instruction


def named_user(doc: DockerfileDoc, stage: Stage | None = None) -> ImageUser | None:
    """The image's user when it is a name (the USER in effect for the stage the image is built to,
    the final one by default, with the stages it builds on and their ONBUILD USER); None when it is
    a number, unknown (an unresolved variable) or not set by the file."""
    stages = doc.chain(stage if stage is not None else doc.final_stage())
    if not stages or WINDOWS_BASE.search(stages[-1].base):
        return None
    user = doc.user_in_effect(stages[0])
    if user is None or not user.name or _NUMERIC.fullmatch(user.name):
        return None  # no USER: the base image's user (a listed non-root base is numeric; others are root or unknown)
    return ImageUser(user.name, user.instruction)


def _effective(item: BuiltContainer) -> tuple[Any, Any, tuple[Any, ...]]:
    """runAsNonRoot and runAsUser as the kubelet sees them (the container's, else the pod's),
    and the path of the runAsNonRoot in effect."""
    found = item.obj.pod_spec()
    pod_path, spec = found if found is not None else ((), {})
    pod = mapping(spec.get("securityContext"))
    own = mapping(item.container.data.get("securityContext"))
    if "runAsNonRoot" in own:
        non_root, where = own["runAsNonRoot"], (*item.container.path, "securityContext", "runAsNonRoot")
    else:
        non_root, where = pod.get("runAsNonRoot"), (*pod_path, "securityContext", "runAsNonRoot")
    user = own["runAsUser"] if own.get("runAsUser") is not None else pod.get("runAsUser")
    return non_root, user, where


def _on_windows(item: BuiltContainer) -> bool:
    # Windows nodes check the user name instead (security_context_windows.go)
    found = item.obj.pod_spec()
    return found is not None and windows_pod(found[1])


@dockerfile_check("DF013")
def image_user_not_numeric(doc: DockerfileDoc, ctx: RuleContext) -> Iterator[Problem]:
    built = [item for item in ctx.builds.containers_of(doc) if not _on_windows(item)]
    warned: set[int] = set()
    for stage in doc.built_stages():
        user = named_user(doc, stage)
        if user is None:
            continue
        where = Related(doc.location(user.instruction.line), f"the image's user: USER {user.instruction.args[0]}")
        running = [item for item in built if (item.stage or doc.final_stage()) is stage]
        refused = False
        for item in running:
            non_root, run_as, path = _effective(item)
            if non_root is True and run_as is None:
                refused = True
                yield Problem(
                    f"container {item.container.name!r} ({item.obj.describe()}) sets runAsNonRoot: true without runAsUser, "
                    f"and its image's user is the name {user.name!r} ({item.how}): the kubelet refuses to start it "
                    f'("container has runAsNonRoot and image has non-numeric user ({user.name}), cannot verify user is non-root")',
                    subject=item.obj,
                    path=path,
                    related=(where,),
                )
        if refused or (running and all(_effective(item)[1] is not None for item in running)):
            continue  # every container that runs the image gives the kubelet a numeric user
        if user.name == "root" or user.instruction.line in warned:
            continue  # a final USER root is dockerfile-root-user's finding
        warned.add(user.instruction.line)
        yield Problem(
            f"the image's user is the name {user.name!r}: a container that runs it with runAsNonRoot: true and no runAsUser "
            "is refused by the kubelet, which cannot tell whether a name is root",
            location=doc.location(user.instruction.line),
            variant="image-only",
        )
