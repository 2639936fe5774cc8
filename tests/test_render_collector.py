"""What Helm renders and kustomize builds is loaded with the cyclic collector paused, as the files are: its
passes over the growing heap cost a --render run of 15 public charts about a third of its time."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

from k8slint import engine
from k8slint.config import build_settings
from k8slint.registry import registry

CHART = "apiVersion: v2\nname: web\nversion: 1.0.0\n"
MANIFEST = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c%d}\ndata: {a: b}\n"


@pytest.mark.parametrize("jobs", [1, 2])
def test_charts_and_builds_load_with_the_collector_paused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: int) -> None:
    (tmp_path / "chart" / "templates").mkdir(parents=True)
    (tmp_path / "chart" / "Chart.yaml").write_text(CHART)
    for index in range(12):  # enough files for the workers with --jobs 2
        (tmp_path / f"m{index}.yaml").write_text(MANIFEST % index)
    seen: list[bool] = []
    load_charts = engine.load_charts

    def recording(*args: object, **kwargs: object) -> None:
        seen.append(gc.isenabled())
        load_charts(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(engine, "load_charts", recording)
    assert gc.isenabled()
    engine.lint([str(tmp_path)], build_settings(registry(), None), jobs=jobs)
    assert seen == [False]
    assert gc.isenabled()  # and on again after the run
