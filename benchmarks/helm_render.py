"""Benchmark: what rendering Helm charts costs, per engine, cold and warm.

    python -m benchmarks.helm_render CHARTS_DIR [--runs 3] [--helm PATH]

``CHARTS_DIR`` holds chart folders (each with a Chart.yaml, dependencies
already in charts/). For helm-python-sdk it times, in a fresh process each run:
cold, the first pass (importing the library and loading its Go runtime, then
one render of each chart's default values, each from a fresh ``Chart.load``,
as k8slint does), and warm, a second pass in the same process. For the helm
binary, one ``helm template`` process per chart. Both also with every
``ci/*-values.yaml`` render. Then ``k8slint check --render`` over the folder
with each engine, end to end. Medians of ``--runs`` runs.

With the binary, the criterion of the rendering work is measured in rounds, side
by side: ``helm template`` of every render (defaults and each ci values file)
saved to files, ``k8slint check`` of the saved output, and ``k8slint check
--render`` with the binary; the ratio of the last to the sum of the first two
(what a user pays for rendering through k8slint against rendering by hand and
linting the output), per round and its median.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

_SDK = """
import glob, json, os, sys, time
started = time.perf_counter()
import helm_python
imported = time.perf_counter() - started
charts = json.loads(sys.argv[1])

def one_pass(with_ci):
    began = time.perf_counter()
    renders = 0
    for chart in charts:
        values = [None]
        if with_ci:
            values += sorted(glob.glob(os.path.join(glob.escape(chart), "ci", "*-values.yaml")))
        for path in values:
            given = helm_python.values_from_yaml(open(path).read()) if path else None
            try:
                with helm_python.Chart.load(chart) as loaded:  # afresh for every render
                    loaded.render(given, name="release-name", namespace="default", is_install=True)
            except helm_python.HelmError:
                pass  # a chart that fails to render costs its time all the same
            renders += 1
    return time.perf_counter() - began, renders

cold, renders = one_pass(with_ci=False)
warm, _ = one_pass(with_ci=False)
ci_warm, ci_renders = one_pass(with_ci=True)
print(json.dumps({"import": imported, "cold": imported + cold, "warm": warm, "renders": renders, "ci_warm": ci_warm, "ci_renders": ci_renders}))
"""


def charts_in(folder: Path) -> list[Path]:
    return sorted(p.parent for p in folder.glob("*/Chart.yaml"))


def sdk_times(charts: list[Path]) -> dict[str, float]:
    done = subprocess.run([sys.executable, "-c", _SDK, json.dumps([str(c) for c in charts])], capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def binary_times(helm: str, charts: list[Path]) -> dict[str, float]:
    def one_pass(with_ci: bool) -> tuple[float, int]:
        began = time.perf_counter()
        renders = 0
        for chart in charts:
            values = [None, *(sorted(chart.glob("ci/*-values.yaml")) if with_ci else [])]
            for path in values:
                extra = [f"--values={path}"] if path else []
                subprocess.run([helm, "template", "release-name", *extra, "--", str(chart)], capture_output=True, check=False)
                renders += 1
        return time.perf_counter() - began, renders

    default, renders = one_pass(False)
    with_ci, ci_renders = one_pass(True)
    return {"default": default, "renders": renders, "ci": with_ci, "ci_renders": ci_renders}


def save_renders(helm: str, charts: list[Path], out: Path) -> float:
    """``helm template`` of every render into ``out`` (one file per render); the seconds it took."""
    began = time.perf_counter()
    for chart in charts:
        for index, path in enumerate([None, *sorted(chart.glob("ci/*-values.yaml"))]):
            extra = [f"--values={path}"] if path else []
            done = subprocess.run([helm, "template", "release-name", *extra, "--", str(chart)], capture_output=True, check=False)
            (out / f"{chart.name}-{index}.yaml").write_bytes(done.stdout)
    return time.perf_counter() - began


def lint_time(folder: Path) -> float:
    began = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "k8slint", "check", "--no-config", "--format", "json", "."], cwd=folder, capture_output=True, check=False
    )
    return time.perf_counter() - began


def criterion_rounds(helm: str, charts: list[Path], folder: Path, path_env: str, runs: int) -> list[tuple[float, float, float]]:
    """(helm template of every render, lint of the saved output, check --render) per round."""
    rounds = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as out:
            rendered = save_renders(helm, charts, Path(out))
            linted = lint_time(Path(out))
        rounds.append((rendered, linted, check_time(folder, path_env)))
    return rounds


def check_time(folder: Path, path_env: str) -> float:
    env = dict(os.environ, PATH=path_env)
    began = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "k8slint", "check", "--no-config", "--render", "--format", "json", "."],
        cwd=folder,
        env=env,
        capture_output=True,
        check=False,
    )
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("charts", type=Path)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--helm", default=shutil.which("helm"))
    args = parser.parse_args()
    charts = charts_in(args.charts)
    sdk = [sdk_times(charts) for _ in range(args.runs)]
    rows = [
        ("helm-python-sdk, import and load the library", statistics.median(r["import"] for r in sdk), 0),
        (
            f"helm-python-sdk, cold (import + {sdk[0]['renders']:.0f} default renders)",
            statistics.median(r["cold"] for r in sdk),
            sdk[0]["renders"],
        ),
        ("helm-python-sdk, warm (the same renders again)", statistics.median(r["warm"] for r in sdk), sdk[0]["renders"]),
        ("helm-python-sdk, warm, with every ci/*-values.yaml", statistics.median(r["ci_warm"] for r in sdk), sdk[0]["ci_renders"]),
    ]
    helm_dir = None
    if args.helm:
        binary = [binary_times(args.helm, charts) for _ in range(args.runs)]
        rows += [
            ("helm template (one process per render), defaults", statistics.median(r["default"] for r in binary), binary[0]["renders"]),
            ("helm template, with every ci/*-values.yaml", statistics.median(r["ci"] for r in binary), binary[0]["ci_renders"]),
        ]
        helm_dir = str(Path(args.helm).parent)
    no_helm = os.pathsep.join(p for p in os.environ["PATH"].split(os.pathsep) if not (Path(p) / "helm").exists())
    rows.append(
        (
            "k8slint check --render (helm-python-sdk), end to end",
            statistics.median(check_time(args.charts, no_helm) for _ in range(args.runs)),
            0,
        )
    )
    if helm_dir:
        with_helm = f"{helm_dir}{os.pathsep}{no_helm}"
        rows.append(
            (
                "k8slint check --render (helm binary), end to end",
                statistics.median(check_time(args.charts, with_helm) for _ in range(args.runs)),
                0,
            )
        )
    print(f"{len(charts)} charts: {', '.join(c.name for c in charts)}\n")
    print("| what | median | renders |")
    print("|---|---:|---:|")
    for what, seconds, renders in rows:
        print(f"| {what} | {seconds:.2f} s | {int(renders) or ''} |")
    if helm_dir:
        rounds = criterion_rounds(args.helm, charts, args.charts, with_helm, args.runs)
        ratios = [render / (rendered + linted) for rendered, linted, render in rounds]
        print("\n| measure | median |")
        print("|---|---:|")
        print(f"| `helm template` of every render, saved to files | {statistics.median(r[0] for r in rounds):.2f} s |")
        print(f"| `k8slint check` of the saved output | {statistics.median(r[1] for r in rounds):.2f} s |")
        print(f"| `k8slint check --render` (helm binary) | {statistics.median(r[2] for r in rounds):.2f} s |")
        shown = ", ".join(f"{ratio:.2f}x" for ratio in ratios)
        print(
            f"| ratio: `--render` / (helm template + lint of the output), median of rounds | {statistics.median(ratios):.2f}x ({shown}) |"
        )


if __name__ == "__main__":
    main()
