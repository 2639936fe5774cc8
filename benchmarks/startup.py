"""Start-up of two k8slint checkouts side by side: the interpreter alone, ``--version`` and a one-file check.

Each round runs every command once with each checkout (in alternating order), so a
slow spell of the shared machine weighs on both alike; the table gives the medians of
the wall time and of the peak resident memory (the process's own, from wait4).
The commands are those of benchmarks/run.py's start-up rows, and the pre-commit hook's
(a config file, --with-context); the report goes to a pipe, as in a hook or CI. Compile both checkouts first
(``python -m compileall -q k8slint``): an interpreter that cannot write bytecode
would otherwise compile every module on every run.

    python -m benchmarks.startup --before ../main --runs 21
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SMALL = ROOT / "reference" / "todo-chatbot" / "manifests" / "30-backend.yaml"
CONFIG = "rules:\n  image-tag-latest: warning\n"


def _commands(repository: Path) -> list[tuple[str, list[str], Path]]:
    """(row, k8slint arguments, working directory); ``repository`` holds the small file and a config, as a
    repository with the pre-commit hook does (whose flags the last row uses)."""
    return [
        ("k8slint --version", ["--version"], repository),
        ("k8slint check (one small file)", ["check", "--no-config", str(SMALL)], repository),
        ("k8slint check --no-schema (one small file)", ["check", "--no-config", "--no-schema", str(SMALL)], repository),
        (
            "k8slint check --with-context (one small file, a config file)",
            ["check", "--with-context", "--allow-empty", SMALL.name],
            repository,
        ),
    ]


def _seconds(command: list[str], checkout: Path | None, cwd: Path) -> tuple[float, float]:
    """Wall seconds and peak resident megabytes of one run."""
    # not run from a checkout: ``python -m`` puts the working directory before PYTHONPATH
    env = {**os.environ, "PYTHONPATH": str(checkout)} if checkout is not None else dict(os.environ)
    start = time.perf_counter()
    process = subprocess.Popen(command, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
    return seconds, usage.ru_maxrss / 1024  # kilobytes on Linux


Row = tuple[str, float, float, float, float]
"""(row, median seconds before, after, median peak MB before, after)."""


def measure(before: Path, after: Path, runs: int) -> list[Row]:
    """A row per command; the interpreter alone has one median, in both columns."""
    python = sys.executable
    samples: dict[tuple[str, str], list[tuple[float, float]]] = {}
    with tempfile.TemporaryDirectory() as folder:
        repository = Path(folder)
        (repository / ".git").mkdir()
        (repository / ".k8slint.yaml").write_text(CONFIG, encoding="utf-8")
        shutil.copy(SMALL, repository / SMALL.name)
        commands = _commands(repository)
        for round_number in range(runs):
            samples.setdefault(("python -c pass", "before"), []).append(_seconds([python, "-c", "pass"], None, repository))
            for name, args, cwd in commands:
                order = (("before", before), ("after", after)) if round_number % 2 == 0 else (("after", after), ("before", before))
                for side, checkout in order:
                    samples.setdefault((name, side), []).append(_seconds([python, "-m", "k8slint", *args], checkout, cwd))

    def median(name: str, side: str, index: int) -> float:
        return statistics.median(sample[index] for sample in samples[(name, side)])

    floor, floor_mb = median("python -c pass", "before", 0), median("python -c pass", "before", 1)
    rows: list[Row] = [("python -c pass", floor, floor, floor_mb, floor_mb)]
    for name, _, _ in commands:
        rows.append((name, median(name, "before", 0), median(name, "after", 0), median(name, "before", 1), median(name, "after", 1)))
    return rows


def table(rows: list[Row], runs: int) -> str:
    floor = rows[0][1]
    lines = [
        f"| command ({runs} rounds) | before | after | after / before | after, x python -c pass | peak RSS before | after |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, old, new, old_mb, new_mb in rows:
        lines.append(
            f"| {name} | {old * 1000:.0f} ms | {new * 1000:.0f} ms | {new / old:.2f}x | {new / floor:.1f}x | {old_mb:.0f} MB | {new_mb:.0f} MB |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, required=True, help="the checkout to compare with (its k8slint package is imported)")
    parser.add_argument("--after", type=Path, default=ROOT, help="default: this checkout")
    parser.add_argument("--runs", type=int, default=21)
    args = parser.parse_args()
    print(table(measure(args.before.resolve(), args.after.resolve(), args.runs), args.runs))


if __name__ == "__main__":
    main()
