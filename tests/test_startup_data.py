"""Start-up: the package's YAML data read from its compiled JSON, and the rule files listed without glob.

api-lifecycle.yaml is read by every run with objects; PyYAML takes ten times
as long as json for it. The compiled files must be fresh, hold what the YAML
files say, and give way to the YAML file once it is edited.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from k8slint import registry as registry_module
from k8slint import resources
from k8slint.resources import compiled_package_yaml, load_package_yaml, package_yaml_names


def test_there_are_package_data_files() -> None:
    assert "api-lifecycle.yaml" in package_yaml_names()


@pytest.mark.parametrize("name", package_yaml_names())
def test_the_compiled_package_data_is_fresh(name: str) -> None:
    compiled = resources._compiled_path(name)
    assert compiled.is_file() and compiled.read_text(encoding="utf-8") == compiled_package_yaml(name), (
        f"{compiled.name} is stale: run `python -m k8slint.docs .`"
    )


@pytest.mark.parametrize("name", package_yaml_names())
def test_the_compiled_data_is_the_yaml_data(name: str) -> None:
    raw = (resources._PACKAGE_DIR / "data" / name).read_bytes()
    assert json.loads(resources._compiled_path(name).read_text(encoding="utf-8"))["data"] == resources._parse_package_yaml(raw)


def _data_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    package = tmp_path / "k8slint"
    shutil.copytree(resources._PACKAGE_DIR / "data", package / "data")
    monkeypatch.setattr(resources, "_PACKAGE_DIR", package)
    load_package_yaml.cache_clear()
    return package / "data"


def test_the_compiled_file_is_what_a_run_reads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = _data_copy(tmp_path, monkeypatch)
    try:
        compiled = json.loads((folder / "api-lifecycle.compiled.json").read_text(encoding="utf-8"))
        compiled["data"][0]["note"] = "read from the compiled file"
        (folder / "api-lifecycle.compiled.json").write_text(json.dumps(compiled), encoding="utf-8")
        assert load_package_yaml("api-lifecycle.yaml")[0]["note"] == "read from the compiled file"
    finally:
        load_package_yaml.cache_clear()


def test_an_edited_data_file_is_read_from_its_yaml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = _data_copy(tmp_path, monkeypatch)
    try:
        path = folder / "api-lifecycle.yaml"
        path.write_text(path.read_text(encoding="utf-8") + "- apiVersion: edited/v1\n  kinds: [Edited]\n", encoding="utf-8")
        assert load_package_yaml("api-lifecycle.yaml")[-1] == {"apiVersion": "edited/v1", "kinds": ["Edited"]}
        load_package_yaml.cache_clear()
        (folder / "api-lifecycle.compiled.json").unlink()
        assert load_package_yaml("api-lifecycle.yaml")[-1]["apiVersion"] == "edited/v1"
    finally:
        load_package_yaml.cache_clear()


def test_the_rule_files_are_those_glob_lists() -> None:
    folder = registry_module.data_dir("rules")
    assert registry_module._definition_files() == sorted(folder.glob("*.yaml"))
    files = registry_module._definition_files()
    assert all(registry_module._read_bytes(path) == path.read_bytes() for path in files)
