"""The API lifecycle table through Kubernetes 1.37 and the next known removals.

Each removal the table claims within the supported versions is checked against the OpenAPI documents
of the releases k8slint bundles: the version is served in the release before `removed` and not in
`removed`; its replacement is served from the release that deprecates it.
"""

from __future__ import annotations

import itertools
import json
from functools import cache
from pathlib import Path

import pytest
import yaml

from conftest import run_lint
from k8slint.model.lifecycle import lifecycle, minor
from k8slint.model.schemas import _schema_root, supported_versions

TABLE = yaml.safe_load((Path(__file__).parent.parent / "k8slint/data/api-lifecycle.yaml").read_text(encoding="utf-8"))


@cache
def served(version: str) -> frozenset[tuple[str, str]]:
    """(apiVersion, kind) pairs in a release's OpenAPI documents."""
    definitions = json.loads(Path(str(_schema_root()), f"v{version}.0-local", "_definitions.json").read_text(encoding="utf-8"))
    found = set()
    for definition in definitions["$defs"].values():
        for gvk in definition.get("x-kubernetes-group-version-kind", []):
            group, api = gvk["group"], gvk["version"]
            found.add((f"{group}/{api}" if group else api, gvk["kind"]))
    return frozenset(found)


VERSIONS = supported_versions()
FIRST, LAST = minor(VERSIONS[0]), minor(VERSIONS[-1])
ENTRIES = [(e["apiVersion"], kind, e["deprecated"], e["removed"], e["replacement"]) for e in TABLE for kind in e["kinds"]]


@pytest.mark.parametrize(("api_version", "kind"), [(api_version, kind) for api_version, kind, *_ in ENTRIES])
def test_the_replacement_named_is_served_at_every_target_the_message_is_given(api_version: str, kind: str) -> None:
    entry = lifecycle(api_version, kind)
    assert entry is not None
    for version in VERSIONS:
        replacement = entry.replacement_at(version)
        if minor(version) >= minor(entry.deprecated) and replacement is not None:
            assert (replacement, kind) in served(version), f"{replacement} {kind} at {version}"


def _name(version: tuple[int, int]) -> str:
    return f"{version[0]}.{version[1]}"


@pytest.mark.parametrize(("api_version", "kind", "deprecated", "removed", "replacement"), ENTRIES)
def test_each_removal_matches_the_openapi_documents(
    api_version: str, kind: str, deprecated: str, removed: str, replacement: object
) -> None:
    gone = minor(removed)
    if FIRST <= gone <= LAST:
        assert (api_version, kind) not in served(_name(gone))
        before = (gone[0], gone[1] - 1)
        if before >= FIRST:
            assert (api_version, kind) in served(_name(before))
    elif gone > LAST:
        assert (api_version, kind) in served(_name(LAST)), "a removal still to come is of a version served today"


_META = frozenset(
    {"DeleteOptions", "WatchEvent", "Status", "APIGroup", "APIGroupList", "APIResourceList", "APIVersions", "Eviction", "Scale"}
)


def test_the_table_covers_every_removal_the_documents_show() -> None:
    """A built-in beta version that a later release stops serving has an entry."""
    claimed = {(api_version, kind) for api_version, kind, *_ in ENTRIES}
    missing = []
    for earlier, later in itertools.pairwise(VERSIONS):
        for api_version, kind in sorted(served(earlier) - served(later) - claimed):
            shipped = not kind.endswith("List") and kind not in _META and ("Review" not in kind or kind == "SelfSubjectReview")
            if "beta" in api_version and shipped:
                missing.append((api_version, kind, later))
    assert missing == []


VAP = """\
apiVersion: admissionregistration.k8s.io/v1beta1
kind: ValidatingAdmissionPolicy
metadata:
  name: replicas-limit
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules:
      - apiGroups: ["apps"]
        apiVersions: ["v1"]
        operations: ["CREATE", "UPDATE"]
        resources: ["deployments"]
  validations:
    - expression: "object.spec.replicas <= 5"
"""

DRA = """\
apiVersion: resource.k8s.io/v1beta1
kind: ResourceClaimTemplate
metadata:
  name: single-gpu
  namespace: ml
spec:
  spec:
    devices:
      requests:
        - name: gpu
          deviceClassName: gpu.example.com
"""


def _codes(tmp_path: Path, text: str, version: str) -> list[tuple[str, int, str]]:
    target = tmp_path / "api.yaml"
    target.write_text(text, encoding="utf-8")
    result = run_lint(target, select=["deprecated-api", "removed-api"], kubernetes_version=version)
    return [(f.code, f.location.line, f.message) for f in result.findings]


def test_a_validating_admission_policy_in_v1beta1_is_deprecated_then_removed(tmp_path: Path) -> None:
    assert _codes(tmp_path, VAP, "1.30") == []
    [(code, line, message)] = _codes(tmp_path, VAP, "1.32")
    assert (code, line) == ("KM001", 1) and "removed in 1.34; use admissionregistration.k8s.io/v1" in message
    [(code, line, message)] = _codes(tmp_path, VAP, "1.34")
    assert (code, line) == ("KM002", 1) and "removed in Kubernetes 1.34" in message


def test_dynamic_resource_allocation_v1beta1_is_deprecated_since_1_35(tmp_path: Path) -> None:
    assert _codes(tmp_path, DRA, "1.34") == []
    [(code, _line, message)] = _codes(tmp_path, DRA, "1.37")
    assert code == "KM001" and "deprecated since Kubernetes 1.35 and is removed in 1.38; use resource.k8s.io/v1" in message


FLOW_SCHEMA = """\
apiVersion: flowcontrol.apiserver.k8s.io/v1beta2
kind: FlowSchema
metadata:
  name: batch-jobs
spec:
  priorityLevelConfiguration:
    name: workload-low
  matchingPrecedence: 1000
"""


@pytest.mark.parametrize(("version", "code", "replacement"), [("1.27", "KM001", "v1beta3"), ("1.29", "KM002", "v1")])
def test_the_message_names_a_replacement_the_target_serves(tmp_path: Path, version: str, code: str, replacement: str) -> None:
    [(found, _line, message)] = _codes(tmp_path, FLOW_SCHEMA, version)
    assert found == code and message.endswith(f"use flowcontrol.apiserver.k8s.io/{replacement}")


def _off(tmp_path: Path, text: str, version: str) -> list[tuple[int, str]]:
    target = tmp_path / "beta.yaml"
    target.write_text(text, encoding="utf-8")
    result = run_lint(target, select=["beta-api-off-by-default"], kubernetes_version=version)
    return [(f.location.line, f.message) for f in result.findings]


def test_a_beta_api_off_by_default_is_a_note_naming_the_stable_version(tmp_path: Path) -> None:
    [(line, message)] = _off(tmp_path, DRA, "1.33")
    assert line == 1 and "resource.k8s.io/v1beta1 is a beta API that Kubernetes 1.33 does not serve" in message
    assert "serves" not in message.rpartition(";")[2]  # no stable DRA before 1.34
    [(line, message)] = _off(tmp_path, DRA, "1.34")
    assert message.endswith("; resource.k8s.io/v1 serves ResourceClaimTemplate by default")


def test_betas_served_by_default_removed_or_unknown_are_left_to_other_rules(tmp_path: Path) -> None:
    flow = FLOW_SCHEMA.replace("v1beta2", "v1beta3")
    assert _off(tmp_path, flow, "1.30") == []  # legacyBetaEnabledByDefaultResources
    assert _off(tmp_path, VAP, "1.34") == []  # removed: removed-api's
    assert _off(tmp_path, DRA, "1.31") == []  # not served at all: the schema rules'
    assert _off(tmp_path, VAP, "1.29") != []
