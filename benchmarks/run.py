"""Benchmark: k8slint against the parse floor and peer tools, on the same files, in one run.

    python -m benchmarks.run [--sizes 1000 10000 100000] [--runs 5] [--checkov PATH]

For each generated corpus size (and the real-world corpus, when present) it
times, as separate processes: the parse floor (``yaml.load_all`` with libyaml's
C safe loader over the same files), the same split between N processes side by
side (the most N processes gain on this machine at that moment), ``k8slint check --no-schema`` and
``k8slint check`` (schema validation on), each with ``--jobs 1`` and, on a
machine with more CPUs, ``--jobs <CPUs>`` (whose JSON report must be identical),
the ``kubernetes-validate`` command line, and checkov's kubernetes framework when
``--checkov PATH`` names its executable (install it into a separate virtualenv;
it is never a dependency). It also times start-up (``--version``, one small file)
and, over several sizes, how time and memory grow. Medians of ``--runs`` runs and
peak memory (max RSS of the largest process) are reported, with ratios;
absolute times vary with the machine, ratios much less.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
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

from benchmarks.results import markers, replace_section

_PARSE_FLOOR = """
import sys, yaml
from pathlib import Path
loader = yaml.CSafeLoader
part, parts = (int(n) for n in sys.argv[1].split("/"))  # this process reads every parts-th file
paths = [p for root in sys.argv[2:] for p in sorted(Path(root).rglob("*")) if p.suffix in (".yaml", ".yml", ".json") and p.is_file()]
count = 0
for path in paths[part::parts]:
    try:
        count += sum(1 for _ in yaml.load_all(path.read_text(encoding="utf-8"), Loader=loader))
    except Exception:
        pass
print(count)
"""

_SIDE_BY_SIDE = """
import subprocess, sys
parts, script, roots = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
children = [subprocess.Popen([sys.executable, "-c", script, f"{i}/{parts}", *roots], stdout=subprocess.DEVNULL) for i in range(parts)]
sys.exit(max(child.wait() for child in children))
"""
"""The parse floor split between N processes side by side (each takes every N-th file): how much
faster N processes can go on this machine at this moment, whatever the program."""

FLOOR = "parse floor (yaml.load_all, C loader)"


@dataclass
class Timing:
    tool: str
    seconds: float
    peak_mb: float
    exit_code: int
    samples: tuple[float, ...] = ()
    """Wall time of each run, in run order (for the k8slint rows, run i was in round i)."""


def _run_once(command: list[str], capture: Path | None = None) -> tuple[float, float, int]:
    """Wall time, peak RSS (MB) and exit code of one run; stdout goes to ``capture`` if given."""
    out = capture.open("wb") if capture is not None else subprocess.DEVNULL
    try:
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - start
    finally:
        if out is not subprocess.DEVNULL:
            out.close()  # type: ignore[union-attr]
    return seconds, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)


def _timing(tool: str, runs: list[tuple[float, float, int]]) -> Timing:
    times = [seconds for seconds, _, _ in runs]
    return Timing(tool, statistics.median(times), max(peak for _, peak, _ in runs), runs[-1][2], tuple(times))


def _files(root: Path) -> list[str]:
    return [str(p) for p in sorted(root.rglob("*")) if p.is_file() and p.suffix in (".yaml", ".yml", ".json")]


def measure(root: Path, runs: int, checkov: str | None, peers: bool, jobs: int | None = None) -> list[Timing]:
    """Time every tool on the files under ``root``; the first row is the parse floor."""
    python = sys.executable
    k8slint = [python, "-m", "k8slint", "check", "--no-config", "--format", "json"]
    parallel = jobs if jobs is not None else (os.cpu_count() or 1)
    tools: list[tuple[str, list[str]]] = [(FLOOR, [python, "-c", _PARSE_FLOOR, "0/1", str(root)])]
    if parallel > 1:
        tools.append((f"{FLOOR}, {parallel} processes side by side", [python, "-c", _SIDE_BY_SIDE, str(parallel), _PARSE_FLOOR, str(root)]))
    for label, flags in (("k8slint --no-schema", ["--no-schema"]), ("k8slint (schema validation)", [])):
        tools.append((f"{label} --jobs 1", [*k8slint, *flags, "--jobs", "1", str(root)]))
        if parallel > 1:
            tools.append((f"{label} --jobs {parallel}", [*k8slint, *flags, "--jobs", str(parallel), str(root)]))
    peer_tools: list[tuple[str, list[str]]] = []
    if peers:
        validate = shutil.which("kubernetes-validate", path=str(Path(python).parent)) or shutil.which("kubernetes-validate")
        if validate:
            peer_tools.append(("kubernetes-validate CLI", [validate, "--quiet", "--no-warn", *_files(root)]))
        if checkov:
            peer_tools.append(
                ("checkov --framework kubernetes", [checkov, "--quiet", "--skip-download", "--framework", "kubernetes", "-d", str(root)])
            )
    results: dict[str, list[tuple[float, float, int]]] = {name: [] for name, _ in tools}
    with tempfile.TemporaryDirectory() as scratch:
        reports: dict[str, str] = {}  # digests: whole reports held here would inflate later children's peak RSS
        # The floor and k8slint rows run in rounds, each once per round: a slow spell of a shared
        # machine then weighs on all of them alike, and --jobs rows can be compared round by round.
        for run in range(runs):
            for name, command in tools:
                capture = Path(scratch) / "out" if name.startswith("k8slint") and run == 0 else None
                results[name].append(_run_once(command, capture))
                if capture is not None:
                    reports[name] = hashlib.sha256(capture.read_bytes()).hexdigest()
        for name, command in peer_tools:  # minutes per run: their runs follow one another
            results[name] = [_run_once(command) for _ in range(runs)]
        for name, report in reports.items():
            serial = reports[name.rsplit(" --jobs", 1)[0] + " --jobs 1"]
            if report != serial:
                raise SystemExit(f"benchmark: {name} reported differently from --jobs 1 on {root}")
    return [_timing(name, results[name]) for name, _ in tools + peer_tools]


def speedups(timings: list[Timing]) -> list[tuple[str, list[float]]]:
    """For each ``--jobs N`` row, its speed-up over ``--jobs 1`` in each round (the runs side by side).

    The first is the parse floor's, split between N processes: the most that N
    processes gained on this machine in that round, the ceiling for the others.
    """
    by_tool = {t.tool: t for t in timings}
    found = []
    for t in timings:
        label, _, jobs = t.tool.rpartition(" --jobs ")
        serial = by_tool.get(f"{label} --jobs 1")
        if t.tool.startswith(f"{FLOOR}, "):
            serial = by_tool[FLOOR]
        elif not (label and jobs != "1"):
            continue
        if serial is not None:
            found.append((t.tool, [one / many for one, many in zip(serial.samples, t.samples, strict=False)]))
    return found


def _speedup_table(timings: list[Timing]) -> str:
    rows = [
        "| row | speed-up over one process (--jobs 1), median of rounds | each round |",
        "|---|---:|---|",
    ]
    for tool, ratios in speedups(timings):
        each = ", ".join(f"{r:.2f}x" for r in ratios)
        rows.append(f"| {tool} | {statistics.median(ratios):.2f}x | {each} |")
    return "\n".join(rows) + "\n" if len(rows) > 2 else ""


def _generate(size: int, root: Path, seed: int) -> int:
    """Generate a corpus in a child process, so that this one stays small.

    (A timed child starts as a copy of this process: a parent grown by
    generating 100,000 documents would inflate every child's peak RSS.)
    """
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks.generate", str(size), str(root), "--seed", str(seed)],
        cwd=Path(__file__).resolve().parents[1],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(result.stdout.strip())


def documents_in(root: Path) -> int:
    """How many YAML documents the parse floor reads under ``root``."""
    result = subprocess.run([sys.executable, "-c", _PARSE_FLOOR, "0/1", str(root)], capture_output=True, text=True, check=True)
    return int(result.stdout.strip() or 0)


def _compile_bytecode() -> None:
    """Write k8slint's .pyc files, as ``pip install`` does, so that start-up is not spent compiling.

    (With PYTHONDONTWRITEBYTECODE set, an editable checkout would otherwise
    recompile every module in every timed run.)
    """
    import compileall

    import k8slint

    compileall.compile_dir(str(Path(k8slint.__file__).parent), quiet=1)


def startup(runs: int) -> list[Timing]:
    """Start-up costs: the interpreter alone, ``k8slint --version``, and one small manifest."""
    from k8slint.examples import example_dir

    python = sys.executable
    small = example_dir("todo-chatbot") / "manifests" / "30-backend.yaml"
    tools = [
        ("python -c pass", [python, "-c", "pass"]),
        ("k8slint --version", [python, "-m", "k8slint", "--version"]),
        ("k8slint check (one small file)", [python, "-m", "k8slint", "check", "--no-config", str(small)]),
        ("k8slint check --no-schema (one small file)", [python, "-m", "k8slint", "check", "--no-config", "--no-schema", str(small)]),
    ]
    return [_timing(name, [_run_once(command) for _ in range(runs)]) for name, command in tools]


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


def _startup_table(timings: list[Timing]) -> str:
    rows = ["### Start-up", "", "| command | median | peak RSS |", "|---|---:|---:|"]
    rows += [f"| {t.tool} | {t.seconds * 1000:.0f} ms | {t.peak_mb:.0f} MB |" for t in timings]
    return "\n".join(rows) + "\n"


def _growth_table(by_size: list[tuple[int, list[Timing]]]) -> str:
    """How each row grows from one generated size to the next (time ratio against size ratio).

    The parse floor is linear by construction, so where its own ratio is
    above the size ratio the machine was slower for the larger size; the last
    column divides that out.
    """
    rows = [
        "### Growth with corpus size",
        "",
        "| tool | sizes | size ratio | time ratio | time ratio / the floor's | bytes/doc (smaller -> larger) |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for (small, before), (large, after) in itertools.pairwise(by_size):
        previous = {t.tool: t for t in before}
        floor = after[0].seconds / before[0].seconds
        for t in after:
            if t.tool not in previous or not (t is after[0] or t.tool.startswith("k8slint")):
                continue
            p = previous[t.tool]
            growth = t.seconds / p.seconds
            rows.append(
                f"| {t.tool} | {small:,} -> {large:,} | {large / small:.1f}x | {growth:.1f}x | {growth / floor:.2f} "
                f"| {p.peak_mb * 1048576 / small:,.0f} -> {t.peak_mb * 1048576 / large:,.0f} |"
            )
    return "\n".join(rows) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="*", default=[1000])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--corpus", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "corpus")
    parser.add_argument("--checkov", help="path to a checkov executable (from its own virtualenv)")
    parser.add_argument("--peers-up-to", type=int, default=10000, help="skip peer tools above this size")
    parser.add_argument("--runs-above", type=int, default=10000, help="above this size, run each tool once")
    parser.add_argument("--jobs", type=int, help="workers for the parallel rows (default: the number of CPUs)")
    parser.add_argument(
        "--out", type=Path, help="also write the report into its section of this file (<!-- run:start --> to <!-- run:end -->)"
    )
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    sections = [
        "### The full run: the parse floor, k8slint and its peers",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"{platform.system()}; medians of {args.runs} runs (one run above {args.runs_above:,} documents).",
        f"Command: `python -m benchmarks.run {' '.join(sys.argv[1:])}`",
        "",
    ]

    def emit(text: str) -> None:
        sections.append(text)
        print(text, flush=True)

    _compile_bytecode()
    emit(_startup_table(startup(max(args.runs, 10))))
    by_size: list[tuple[int, list[Timing]]] = []
    with tempfile.TemporaryDirectory() as scratch:
        for size in args.sizes:
            root = Path(scratch) / f"corpus-{size}"
            documents = _generate(size, root, args.seed)
            runs = args.runs if size <= args.runs_above else 1
            timings = measure(root, runs, args.checkov, peers=size <= args.peers_up_to, jobs=args.jobs)
            by_size.append((documents, timings))
            emit(_table(f"Generated corpus, seed {args.seed}", documents, timings) + "\n" + _speedup_table(timings))
            shutil.rmtree(root)
    if len(by_size) > 1:
        emit(_growth_table(by_size))
    k8s = args.corpus / "k8s"
    if k8s.is_dir():
        timings = measure(k8s, args.runs, args.checkov, peers=True, jobs=args.jobs)
        emit(_table("Real-world corpus ../shared/corpus/k8s", documents_in(k8s), timings) + "\n" + _speedup_table(timings))
    if args.out:  # its own section: the other benchmarks' sections and the notes around it stay
        start, end = markers("run")
        replace_section(args.out, "\n".join([start, *sections, end]), start, end)


if __name__ == "__main__":
    main()
