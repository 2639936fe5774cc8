"""An object whose kind cannot exist without a spec, given none: the API server refuses it at every version.

The OpenAPI schemas of older releases mark no ``spec`` required (1.25 for all of these, 1.37 still for
Pod, Job, Service and PersistentVolumeClaim), so api-validation says it where schema-violation does not,
and never both.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import run_lint

KINDS = [
    ("apps/v1", "Deployment"),
    ("apps/v1", "StatefulSet"),
    ("apps/v1", "DaemonSet"),
    ("apps/v1", "ReplicaSet"),
    ("batch/v1", "Job"),
    ("batch/v1", "CronJob"),
    ("v1", "Pod"),
    ("v1", "Service"),
    ("v1", "PersistentVolumeClaim"),
]


@pytest.mark.parametrize("version", ["1.25", "1.30", "1.37"])
@pytest.mark.parametrize(("api_version", "kind"), KINDS)
def test_an_object_without_a_spec_is_one_error_at_every_version(tmp_path: Path, api_version: str, kind: str, version: str) -> None:
    (tmp_path / "x.yaml").write_text(f"# left half-written\napiVersion: {api_version}\nkind: {kind}\nmetadata:\n  name: web\n")
    result = run_lint(tmp_path / "x.yaml", kubernetes_version=version)
    errors = [(f.rule, f.location.line) for f in result.findings if f.severity.name == "ERROR"]
    assert len(errors) == 1 and errors[0][0] in ("api-validation", "schema-violation"), errors
    assert errors[0][1] == 2


def test_the_message_is_the_api_servers(tmp_path: Path) -> None:
    (tmp_path / "job.yaml").write_text("apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: migrate\nspec: null\n")
    [finding] = [f for f in run_lint(tmp_path / "job.yaml").findings if f.rule == "api-validation"]
    assert finding.message == (
        "spec.template.spec.containers: Required value; spec.template.spec.restartPolicy: Required value (the object has no spec)"
    )


def test_kinds_that_live_without_a_spec_are_not_reported(tmp_path: Path) -> None:
    (tmp_path / "x.yaml").write_text(
        "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: a\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: b\n"
    )
    assert [f for f in run_lint(tmp_path / "x.yaml").findings if f.severity.name == "ERROR"] == []
