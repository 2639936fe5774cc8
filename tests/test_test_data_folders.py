"""Test-data folders are left out by default, as Go's testdata is, and said: Jest's ``__fixtures__`` and a
``data`` or ``fixtures`` folder inside a ``test`` or ``tests`` folder (nginxinc/kubernetes-ingress keeps 622
test inputs in ``tests/data``, 156 of them invalid on purpose, which its suite sends expecting HTTP 422)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import run_lint
from k8slint.sources.discover import default_excluded

# A VirtualServer-like mistake in a plain kind, as test inputs hold them: refused on purpose.
BROKEN = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: virtual_server_invalid}\ndata: {a: b}\n"
CLEAN = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: web}\ndata: {a: b}\n"


@pytest.mark.parametrize(
    ("parent", "name", "left_out"),
    [
        ("repo/tests", "data", True),
        ("repo/test", "data", True),
        ("repo/test", "fixtures", True),
        ("repo/tests", "fixtures", True),
        ("repo/web/src", "__fixtures__", True),
        ("repo/cmd/testdata", "x", False),  # inside testdata: testdata itself was left out
        ("repo", "data", False),  # a data folder of the application
        ("repo/deploy", "fixtures", False),
        ("repo/tests", "e2e", False),  # e2e manifests are applied to a cluster by the tests
        ("repo/integration-tests", "data", False),
        ("repo/tests/e2e", "data", False),
        # a Go fake package's data: what its test doubles serve the unit tests (linkerd2's proxy-injector/fake/data)
        ("repo/controller/proxy-injector/fake", "data", True),
        ("repo/controller", "fake", False),
        # Maven's and Gradle's test resources (strimzi's api/src/test/resources), not the main ones
        ("repo/api/src/test", "resources", True),
        ("repo/api/src/it", "resources", True),
        ("repo/api/src/integrationTest", "resources", True),
        ("repo/api/src/testFixtures", "resources", True),
        ("repo/api/src/main", "resources", False),
        ("repo/test", "resources", False),  # not a source set: a test/resources folder of manifests
        ("repo/src/test", "manifests", False),
        ("repo/src/latest", "resources", False),
    ],
)
def test_default_excluded(parent: str, name: str, left_out: bool) -> None:
    assert default_excluded(parent, name) is left_out


def test_test_data_folders_are_left_out_and_said(tmp_path: Path, cli) -> None:
    (tmp_path / "deploy").mkdir()
    (tmp_path / "deploy" / "app.yaml").write_text(CLEAN)
    for folder in ("tests/data/virtualserver", "test/fixtures", "ui/src/__fixtures__", "tests/e2e", "data"):
        (tmp_path / folder).mkdir(parents=True)
        (tmp_path / folder / "input.yaml").write_text(BROKEN)
    result = run_lint(tmp_path)
    # tests/e2e and the top-level data folder are linted; the three test-data folders are not
    assert sorted(f.location.file.removeprefix(str(tmp_path) + "/") for f in result.findings if f.rule == "invalid-name") == [
        "data/input.yaml",
        "tests/e2e/input.yaml",
    ]
    assert sorted(Path(folder).relative_to(tmp_path).as_posix() for folder in result.left_out) == [
        "test/fixtures",
        "tests/data",
        "ui/src/__fixtures__",
    ]
    shown = cli("check", "--no-config", "-v", str(tmp_path))
    assert "; 3 test-data, vendor or node_modules folders left out;" in shown.output
    everything = json.loads(cli("check", "--no-config", "--no-default-excludes", "--format", "json", str(tmp_path)).output)
    assert everything["summary"]["left_out"] == []
    assert len([f for f in everything["findings"] if f["rule"] == "invalid-name"]) == 5


def test_a_test_data_folder_named_on_the_command_line_is_linted(tmp_path: Path) -> None:
    (tmp_path / "tests" / "data").mkdir(parents=True)
    (tmp_path / "tests" / "data" / "input.yaml").write_text(BROKEN)
    assert [f.rule for f in run_lint(tmp_path / "tests" / "data").findings] == ["invalid-name"]
    assert [f.rule for f in run_lint(tmp_path / "tests" / "data" / "input.yaml").findings] == ["invalid-name"]
    assert run_lint(tmp_path / "tests").left_out  # walking tests/ leaves its data folder out


def test_jvm_test_resources_are_left_out(tmp_path: Path) -> None:
    """strimzi/strimzi-kafka-operator (8541da1e): api/src/test/resources holds the custom resources its CEL
    validation tests send expecting the API server to refuse them; 20 errors on them were test inputs."""
    for folder in ("api/src/test/resources/io/strimzi", "operator/src/integrationTest/resources", "api/src/main/resources"):
        (tmp_path / folder).mkdir(parents=True)
        (tmp_path / folder / "input.yaml").write_text(BROKEN)
    result = run_lint(tmp_path)
    assert [f.location.file.removeprefix(str(tmp_path) + "/") for f in result.findings if f.rule == "invalid-name"] == [
        "api/src/main/resources/input.yaml"
    ]
    assert sorted(Path(folder).relative_to(tmp_path).as_posix() for folder in result.left_out) == [
        "api/src/test/resources",
        "operator/src/integrationTest/resources",
    ]
