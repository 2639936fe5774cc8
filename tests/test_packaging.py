"""`pip install .` gives a working tool: the wheel carries rules/, schemas/ and the reference app."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from conftest import ROOT


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "-w", str(out), str(ROOT)],
        check=True,
    )
    (built,) = out.glob("k8slint-*.whl")
    return built


def test_wheel_contains_runtime_data(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "k8slint/_data/rules/KN001-service-selector-no-match.yaml" in names
    assert "k8slint/_data/schemas/config.schema.json" in names
    assert "k8slint/_data/schemas/crds/gateway-api.json" in names
    assert "k8slint/_data/reference/todo-chatbot/manifests/30-backend.yaml" in names
    assert "k8slint/_data/reference/todo-chatbot/.k8slint.yaml" in names
    assert "k8slint/_data/reference/todo-chatbot/chart/todo-chatbot/values.schema.json" in names
    assert "k8slint/_data/reference/todo-chatbot/docker/backend.Dockerfile" in names
    assert "k8slint/data/api-lifecycle.yaml" in names


def test_installed_wheel_runs_outside_the_checkout(wheel: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", "--target", str(site), str(wheel)],
        check=True,
    )
    env = {**os.environ, "PYTHONPATH": str(site)}
    where = subprocess.run(
        [sys.executable, "-c", "import k8slint.resources as r; print(r.data_dir('rules'))"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        check=True,
    )
    assert where.stdout.strip().startswith(str(site)), where.stdout
    rules = subprocess.run(
        [sys.executable, "-m", "k8slint", "rules", "--format", "json"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        check=True,
    )
    assert {"selector-mismatch", "service-selector-no-match"} <= {r["name"] for r in json.loads(rules.stdout)}
    init = subprocess.run(
        [sys.executable, "-m", "k8slint", "init", "todo-chatbot", "todo"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        check=True,
    )
    assert "wrote" in init.stdout
    check = subprocess.run(
        [sys.executable, "-m", "k8slint", "check", "--strict", "."],
        capture_output=True,
        text=True,
        cwd=tmp_path / "todo",
        env=env,
    )
    assert check.returncode == 0, check.stdout + check.stderr
    assert "No problems found" in check.stdout
