"""Start-up: what is imported only when the inputs need it, and that leaving it out changes nothing.

The check modules whose checks take a Dockerfile, a chart or objects of kinds
they name only are listed in rules/_checks.json (with a digest of their source)
and imported at their first subject; the Dockerfile model and the chart loader
are imported by the loader where there are such files. These tests hold that
the index is fresh, that the registry built with it holds the same checks in
the same order as one that imports every module, that a module edited since it
was indexed is imported at start-up again, and that a run with Dockerfiles and
charts still runs their checks.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT
from k8slint import registry as registry_module
from k8slint.registry import CHECK_INDEX_NAME, DeferredCheck, check_index_text
from k8slint.resources import data_dir

DEFERRED_BY_THE_INDEX = tuple(
    entry["module"] for entry in json.loads((data_dir("rules") / CHECK_INDEX_NAME).read_text(encoding="utf-8"))["modules"]
)
"""The modules the index lists (a fresh index, as the test below holds)."""
DOCKERFILES_AND_CHARTS = tuple(
    f"k8slint.checks.{name}"
    for name in (
        "base_images",
        "build_arg_secret",
        "chart_metadata",
        "chart_templates",
        "chart_values",
        "dockerfile_rules",
        "duplicate_stage",
        "image_user",
    )
)
"""The modules that check Dockerfiles or charts only."""
FOR_KINDS_A_MANIFEST_LACKS = ("k8slint.checks.autoscaling", "k8slint.checks.gateway_routes")
"""Modules that check HorizontalPodAutoscalers, PodDisruptionBudgets and Gateway API objects only."""


def test_the_check_index_is_fresh() -> None:
    assert (data_dir("rules") / CHECK_INDEX_NAME).read_text(encoding="utf-8") == check_index_text(), (
        f"rules/{CHECK_INDEX_NAME} is stale: run `python -m k8slint.docs .`"
    )


def test_the_index_names_the_modules_that_check_named_subjects_only() -> None:
    index = json.loads((data_dir("rules") / CHECK_INDEX_NAME).read_text(encoding="utf-8"))
    assert {*DOCKERFILES_AND_CHARTS, *FOR_KINDS_A_MANIFEST_LACKS} <= {entry["module"] for entry in index["modules"]}
    checks = [check for entry in index["modules"] for check in entry["checks"]]
    assert {check["scope"] for check in checks} == {"dockerfile", "chart", "object"}
    assert all(check["kinds"] for check in checks if check["scope"] == "object")


_CHECKS_OF_A_FRESH_REGISTRY = """\
import json, sys
from k8slint import registry as registry_module
if sys.argv[1] == "eager":
    registry_module._deferred_checks = lambda: {}
def named(func):
    if isinstance(func, registry_module.DeferredCheck):
        return [func.module, func.name]
    return [func.__module__, func.__name__]
rows = [
    [rule.code, check.code, check.scope.value, sorted(check.kinds) if check.kinds is not None else None,
     check.local if isinstance(check.local, bool) else named(check.local), check.pods, named(check.func)]
    for rule in registry_module.registry() for check in rule.checks
]
print(json.dumps({"rows": rows, "imported": sorted(n for n in registry_module.check_modules() if n in sys.modules)}))
"""


def _fresh_registry(mode: str) -> dict[str, list[object]]:
    done = subprocess.run(
        [sys.executable, "-c", _CHECKS_OF_A_FRESH_REGISTRY, mode],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(done.stdout)


def test_the_deferred_registry_has_every_check_of_the_eager_one_in_its_order() -> None:
    lazy, eager = _fresh_registry("lazy"), _fresh_registry("eager")
    assert lazy["rows"] == eager["rows"]
    assert len(lazy["rows"]) > 100
    assert set(eager["imported"]) - set(lazy["imported"]) == set(DEFERRED_BY_THE_INDEX)


def _rules_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "rules"
    shutil.copytree(data_dir("rules"), folder)
    monkeypatch.setattr(registry_module, "data_dir", lambda name: folder)
    return folder


def test_a_module_edited_since_it_was_indexed_is_imported_at_start(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = _rules_copy(tmp_path, monkeypatch)
    for name in DEFERRED_BY_THE_INDEX:
        monkeypatch.delitem(sys.modules, name, raising=False)
    deferred = registry_module._deferred_checks()
    assert set(deferred) == set(DEFERRED_BY_THE_INDEX)
    assert all(isinstance(check.func, DeferredCheck) for checks in deferred.values() for check in checks)
    index = json.loads((folder / CHECK_INDEX_NAME).read_text(encoding="utf-8"))
    index["modules"][0]["digest"] = "crc32:00000000"  # the source is no longer the one indexed
    (folder / CHECK_INDEX_NAME).write_text(json.dumps(index), encoding="utf-8")
    assert set(registry_module._deferred_checks()) == set(DEFERRED_BY_THE_INDEX[1:])
    (folder / CHECK_INDEX_NAME).unlink()  # no index at all: every module is imported at start
    assert registry_module._deferred_checks() == {}


def test_an_imported_module_is_not_deferred(monkeypatch: pytest.MonkeyPatch) -> None:
    import k8slint.checks.duplicate_stage  # noqa: F401  (its checks are registered: the index must not add them again)

    assert "k8slint.checks.duplicate_stage" not in registry_module._deferred_checks()


def test_a_deferred_check_imports_its_module_at_the_first_call(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(sys.modules, "k8slint.checks.duplicate_stage", raising=False)
    check = DeferredCheck("k8slint.checks.duplicate_stage", "duplicate_stage")
    assert "k8slint.checks.duplicate_stage" not in sys.modules
    assert "duplicate_stage" in repr(check)

    class NoStages:
        stages = ()

    assert list(check(NoStages(), None)) == []
    assert "k8slint.checks.duplicate_stage" in sys.modules


_MODULES_AFTER = """\
import sys
from k8slint.cli import main
try:
    main(sys.argv[1:])
except SystemExit as exit:
    code = exit.code
print("\\n".join(sorted(sys.modules)), file=sys.stderr)
sys.exit(code)
"""


def _check_in_fresh_process(cwd: Path, *args: str) -> tuple[set[str], str]:
    done = subprocess.run(
        [sys.executable, "-c", _MODULES_AFTER, "check", "--no-config", *args],
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode in (0, 1), done.stderr
    return set(done.stderr.split()), done.stdout


def test_dockerfiles_and_charts_still_get_their_checks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The reference deployment (Dockerfiles, a chart, manifests) with a broken Dockerfile and chart version:
    a fresh process imports the deferred modules and reports what a run in this process (whose registry
    has every module imported) reports."""
    from conftest import run_lint

    app = tmp_path / "app"
    shutil.copytree(ROOT / "reference" / "todo-chatbot", app)
    (app / "worker").mkdir()
    (app / "worker" / "Dockerfile").write_text(
        "FROM python:3.12-slim AS build\nFROM python:3.12-slim AS build\nADD app.py /app/\nCMD python /app/app.py\n", encoding="utf-8"
    )
    chart = app / "chart" / "todo-chatbot" / "Chart.yaml"
    chart.write_text(re.sub(r"(?m)^version: .*$", "version: 1.0", chart.read_text(encoding="utf-8")), encoding="utf-8")
    loaded, output = _check_in_fresh_process(tmp_path, "--format", "json", "app")
    assert set(DOCKERFILES_AND_CHARTS) <= loaded
    assert "k8slint.model.dockerfile" in loaded and "k8slint.sources.charts" in loaded
    reported = sorted((f["code"], f["file"], f["line"]) for f in json.loads(output)["findings"])
    assert {"DF014", "DF005", "DF003", "CH001"} <= {code for code, _, _ in reported}, reported
    monkeypatch.chdir(tmp_path)
    here = run_lint("app")  # no config, as --no-config
    assert reported == sorted((f.code, f.location.file, f.location.line) for f in here.findings)


def test_a_manifest_imports_only_the_check_modules_of_its_subjects(tmp_path: Path) -> None:
    (tmp_path / "app.yaml").write_text(
        (ROOT / "reference" / "todo-chatbot" / "manifests" / "30-backend.yaml").read_text(), encoding="utf-8"
    )
    loaded, output = _check_in_fresh_process(tmp_path, "app.yaml")
    assert "1 file" in output
    unwanted = {*DOCKERFILES_AND_CHARTS, *FOR_KINDS_A_MANIFEST_LACKS, "k8slint.model.dockerfile", "k8slint.sources.dockerfiles"}
    assert loaded & (unwanted | {"k8slint.sources.charts"}) == set()
    assert {"k8slint.checks.api_validation", "k8slint.checks.target_port"} <= loaded  # a Deployment's and a Service's
