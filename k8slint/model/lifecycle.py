"""API versions that are deprecated or removed at a target Kubernetes version."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

from k8slint.resources import load_package_yaml


@dataclass(frozen=True, slots=True)
class Lifecycle:
    api_version: str
    kind: str
    deprecated: str
    removed: str
    replacement: str | None
    note: str | None
    earlier_replacements: tuple[tuple[str, str], ...] = field(default=())
    """(X.Y, apiVersion): the replacement at targets before X.Y, where ``replacement`` is not served yet."""

    def replacement_at(self, target: str) -> str | None:
        """The replacement the target version serves."""
        for before, api_version in sorted(self.earlier_replacements, key=lambda pair: minor(pair[0])):
            if minor(target) < minor(before):
                return api_version
        return self.replacement


def minor(version: str) -> tuple[int, int]:
    major, _, rest = version.partition(".")
    return int(major), int(rest.split(".")[0])


_EARLIER = re.compile(r"replacement-before-(\d+\.\d+)")


@cache
def _table() -> dict[tuple[str, str], Lifecycle]:
    table = {}
    for entry in load_package_yaml("api-lifecycle.yaml"):
        for kind in entry["kinds"]:
            earlier = tuple((m.group(1), value) for key, value in entry.items() if (m := _EARLIER.fullmatch(key)))
            table[(entry["apiVersion"], kind)] = Lifecycle(
                entry["apiVersion"], kind, entry["deprecated"], entry["removed"], entry["replacement"], entry.get("note"), earlier
            )
    return table


def lifecycle(api_version: str, kind: str) -> Lifecycle | None:
    return _table().get((api_version, kind))


def is_removed(api_version: str | None, kind: str | None, target: str) -> bool:
    entry = lifecycle(api_version, kind) if api_version and kind else None
    return entry is not None and minor(target) >= minor(entry.removed)


# Beta versions the API server serves by default, at the versions k8slint supports (1.25 on). Since 1.24
# every new beta API is off by default (KEP-3136): DefaultAPIResourceConfigSource (pkg/controlplane/instance.go,
# later pkg/controlplane/apiserver/options) disables betaAPIGroupVersionsDisabledByDefault and re-enables only
# legacyBetaEnabledByDefaultResources (flowcontrol v1beta3); the older betas below predate the policy.
BETAS_ON_BY_DEFAULT = frozenset(
    {
        ("autoscaling/v2beta2", "HorizontalPodAutoscaler"),
        ("flowcontrol.apiserver.k8s.io/v1beta1", "FlowSchema"),
        ("flowcontrol.apiserver.k8s.io/v1beta1", "PriorityLevelConfiguration"),
        ("flowcontrol.apiserver.k8s.io/v1beta2", "FlowSchema"),
        ("flowcontrol.apiserver.k8s.io/v1beta2", "PriorityLevelConfiguration"),
        ("flowcontrol.apiserver.k8s.io/v1beta3", "FlowSchema"),
        ("flowcontrol.apiserver.k8s.io/v1beta3", "PriorityLevelConfiguration"),
        ("storage.k8s.io/v1beta1", "CSIStorageCapacity"),
    }
)

_BETA = re.compile(r"v[0-9]+beta[0-9]+")


def is_beta_version(api_version: str) -> bool:
    """``group/v1beta2``-style apiVersions."""
    return _BETA.fullmatch(api_version.rpartition("/")[2]) is not None


_ALPHA = re.compile(r"v[0-9]+alpha[0-9]+")


def is_alpha_version(api_version: str) -> bool:
    """``group/v1alpha1``-style apiVersions: never served by default (the API server's
    ``DefaultAPIResourceConfigSource`` enables no alpha version)."""
    return _ALPHA.fullmatch(api_version.rpartition("/")[2]) is not None
