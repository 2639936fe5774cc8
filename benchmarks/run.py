"""Benchmark: k8slint against the parse floor and peer tools, on the same files, in one run.

    python -m benchmarks.run [--sizes 1000 10000] [--runs 5] [--corpus ../shared/corpus]

For each generated corpus size (and the real-world corpus, when present) it
times, as separate processes: the parse floor (``yaml.load_all`` with libyaml's
C safe loader over the same files), ``k8slint check --no-schema``,
``k8slint check`` (schema validation on), the ``kubernetes-validate`` command
line, and checkov's kubernetes framework when ``--checkov PATH`` names its
executable (install it into a separate virtualenv; it is never a dependency).
Medians of ``--runs`` runs and peak memory (max RSS) are reported, with ratios
to the parse floor; absolute times vary with the machine, ratios much less.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks.generate import generate

_PARSE_FLOOR = """
import sys, yaml
from pathlib import Path
loader = yaml.CSafeLoader
count = 0
for root in sys.argv[1:]:
    for path in sorted(Path(root).rglob("*")):
        if path.suffix in (".yaml", ".yml", ".json") and path.is_file():
            try:
                count += sum(1 for _ in yaml.load_all(path.read_text(encoding="utf-8"), Loader=loader))
            except Exception:
                pass
print(count)
"""


@dataclass
class Timing:
    tool: str
    seconds: float
    peak_mb: float
    exit_code: int


def _measure(command: list[str], runs: int) -> tuple[float, float, int]:
    times, peaks, code = [], [], 0
    for _ in range(runs):
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(process.pid, 0)
        times.append(time.perf_counter() - start)
        peaks.append(usage.ru_maxrss / 1024)
        code = os.waitstatus_to_exitcode(status)
    return statistics.median(times), max(peaks), code


def _files(root: Path) -> list[str]:
    return [str(p) for p in sorted(root.rglob("*")) if p.is_file() and p.suffix in (".yaml", ".yml", ".json")]


def measure(root: Path, runs: int, checkov: str | None, peers: bool) -> list[Timing]:
    python = sys.executable
    k8slint = [python, "-m", "k8slint", "check", "--no-config", "--format", "json"]
    tools = [
        ("parse floor (yaml.load_all, C loader)", [python, "-c", _PARSE_FLOOR, str(root)]),
        ("k8slint --no-schema", [*k8slint, "--no-schema", str(root)]),
        ("k8slint (schema validation)", [*k8slint, str(root)]),
    ]
    if peers:
        validate = shutil.which("kubernetes-validate", path=str(Path(python).parent)) or shutil.which("kubernetes-validate")
        if validate:
            tools.append(("kubernetes-validate CLI", [validate, "--quiet", "--no-warn", *_files(root)]))
        if checkov:
            tools.append(("checkov --framework kubernetes", [checkov, "--quiet", "--framework", "kubernetes", "-d", str(root)]))
    return [Timing(name, *_measure(command, runs)) for name, command in tools]


def _table(title: str, documents: int, timings: list[Timing]) -> str:
    floor = timings[0].seconds
    rows = [
        f"### {title} ({documents} documents)",
        "",
        "| tool | median | x parse floor | peak RSS | bytes/doc |",
        "|---|---:|---:|---:|---:|",
    ]
    for t in timings:
        per_doc = t.peak_mb * 1024 * 1024 / documents if documents else 0
        rows.append(f"| {t.tool} | {t.seconds:.2f} s | {t.seconds / floor:.1f}x | {t.peak_mb:.0f} MB | {per_doc:,.0f} |")
    return "\n".join(rows) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="*", default=[1000])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--corpus", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "corpus")
    parser.add_argument("--checkov", help="path to a checkov executable (from its own virtualenv)")
    parser.add_argument("--peers-up-to", type=int, default=10000, help="skip peer tools above this size")
    parser.add_argument("--out", type=Path, help="also write the report to this file")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    sections = [
        "## Benchmark results",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"{platform.system()}; medians of {args.runs} runs.",
        f"Command: `python -m benchmarks.run {' '.join(sys.argv[1:])}`",
        "",
    ]
    with tempfile.TemporaryDirectory() as scratch:
        for size in args.sizes:
            root = Path(scratch) / f"corpus-{size}"
            documents = generate(size, root, args.seed)
            timings = measure(root, args.runs, args.checkov, peers=size <= args.peers_up_to)
            sections.append(_table(f"Generated corpus, seed {args.seed}", documents, timings))
            print(sections[-1], flush=True)
    k8s = args.corpus / "k8s"
    if k8s.is_dir():
        timings = measure(k8s, args.runs, args.checkov, peers=True)
        sections.append(_table("Real-world corpus ../shared/corpus/k8s", 1625, timings))
        print(sections[-1], flush=True)
    if args.out:
        args.out.write_text("\n".join(sections), encoding="utf-8")


if __name__ == "__main__":
    main()
