"""The README mentions every rule, and the benchmark runs end to end at a tiny size."""

from __future__ import annotations

import statistics
import subprocess
import sys
from pathlib import Path

from benchmarks.generate import generate
from benchmarks.run import _PARSE_FLOOR, documents_in, measure, speedups, startup
from conftest import ROOT
from k8slint.docs import with_rules_table
from k8slint.registry import registry


def test_readme_rules_table_is_current() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert readme == with_rules_table(readme, registry()), "the README's rules table is stale: run `python -m k8slint.docs`"
    assert all(f"`{r.name}`" in readme for r in registry())


def test_generator_is_reproducible(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    assert generate(60, first, seed=7) == generate(60, second, seed=7)

    def texts(root):
        return [p.read_text() for p in sorted(root.rglob("*.yaml"))]

    assert texts(first) == texts(second)


def test_benchmark_smoke(tmp_path: Path) -> None:
    generate(40, tmp_path)
    timings = measure(tmp_path, runs=2, checkov=None, peers=False, jobs=2)  # also checks --jobs 2 output == --jobs 1
    assert [t.tool for t in timings] == [
        "parse floor (yaml.load_all, C loader)",
        "parse floor (yaml.load_all, C loader), 2 processes side by side",
        "k8slint --no-schema --jobs 1",
        "k8slint --no-schema --jobs 2",
        "k8slint (schema validation) --jobs 1",
        "k8slint (schema validation) --jobs 2",
    ]
    assert all(t.seconds > 0 and t.peak_mb > 0 for t in timings)
    assert [t.exit_code for t in timings] == [0, 0, 1, 1, 1, 1]  # the generated corpus has findings
    assert all(len(t.samples) == 2 and t.seconds == statistics.median(t.samples) for t in timings)
    serial, parallel = timings[4], timings[5]  # with schemas: --jobs 1 and --jobs 2, compared round by round
    assert ("k8slint (schema validation) --jobs 2", [serial.samples[i] / parallel.samples[i] for i in (0, 1)]) in speedups(timings)
    assert [tool for tool, _ in speedups(timings)] == [
        "parse floor (yaml.load_all, C loader), 2 processes side by side",
        "k8slint --no-schema --jobs 2",
        "k8slint (schema validation) --jobs 2",
    ]


def test_the_split_parse_floor_reads_every_document_once(tmp_path: Path) -> None:
    generate(40, tmp_path)
    whole = documents_in(tmp_path)
    halves = [
        int(
            subprocess.run(
                [sys.executable, "-c", _PARSE_FLOOR, f"{part}/2", str(tmp_path)], capture_output=True, text=True, check=True
            ).stdout
        )
        for part in (0, 1)
    ]
    assert whole > 40 and sum(halves) == whole and min(halves) > 0


def test_startup_rows_run(tmp_path: Path) -> None:
    timings = startup(runs=1)
    assert [t.exit_code for t in timings] == [0, 0, 0, 0]  # the reference backend is clean


def test_every_config_example_in_the_readme_is_a_valid_config() -> None:
    """Each ```yaml block of the README that is a `.k8slint.yaml` passes the config's own validation."""
    import re

    import yaml

    from k8slint.config import validate_config
    from k8slint.registry import registry

    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    blocks = [b for b in re.findall(r"```yaml\n(.*?)```", readme, re.DOTALL) if b.startswith("# .k8slint.yaml")]
    assert len(blocks) >= 3
    for block in blocks:
        validate_config(yaml.safe_load(block), registry(), "README.md")


def test_every_check_option_is_in_the_readme() -> None:
    """The README's flags table names every option `k8slint check` takes."""
    from k8slint.cli import check

    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    table = "\n".join(line for line in readme.splitlines() if line.startswith("| `-"))
    for parameter in check.params:
        for flag in [*parameter.opts, *parameter.secondary_opts]:
            if flag.startswith("--") and flag != "--help":
                assert f"`{flag}" in table, f"{flag} is not in the README's flags table"


def test_the_full_run_writes_only_its_own_section(tmp_path: Path, monkeypatch) -> None:
    from benchmarks import run

    out = tmp_path / "RESULTS.md"
    out.write_text(
        "## Benchmark results\n\nnotes\n\n<!-- run:start -->\nold figures\n<!-- run:end -->\n\n"
        "<!-- kustomize:start -->\nkustomize figures\n<!-- kustomize:end -->\n",
        encoding="utf-8",
    )
    timing = run.Timing("parse floor (yaml.load_all, C loader)", 1.0, 10.0, 0, (1.0,))
    monkeypatch.setattr(run, "_compile_bytecode", lambda: None)
    monkeypatch.setattr(run, "startup", lambda runs: [run.Timing("python -c pass", 0.01, 9.0, 0, (0.01,))])
    monkeypatch.setattr(run, "_generate", lambda size, root, seed: root.mkdir() or size)
    monkeypatch.setattr(run, "measure", lambda *args, **kwargs: [timing])
    monkeypatch.setattr(sys, "argv", ["run", "--sizes", "10", "--runs", "1", "--corpus", str(tmp_path / "none"), "--out", str(out)])
    run.main()
    text = out.read_text(encoding="utf-8")
    assert text.startswith("## Benchmark results\n\nnotes\n\n<!-- run:start -->\n### The full run")
    assert "old figures" not in text and "| python -c pass | 10 ms |" in text
    assert text.endswith("<!-- run:end -->\n\n<!-- kustomize:start -->\nkustomize figures\n<!-- kustomize:end -->\n")
