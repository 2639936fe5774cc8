"""Fuzzing: replay every crash the fuzzer ever found, and a short, seeded coverage-guided run."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT
from fuzz.targets import REGRESSIONS, TARGETS, Linter, seeds


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_fuzz_regressions_lint_cleanly(target: str) -> None:
    """Every input a fuzzer once crashed on (none so far; the folder keeps them when found)."""
    folder = REGRESSIONS / target
    assert folder.is_dir()
    linter = Linter(target)
    for path in sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")):
        linter.check(path.read_bytes())


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_seed_corpus_lints_without_crash(target: str) -> None:
    linter = Linter(target)
    found = seeds(target)
    assert len(found) > 20  # the rule fixtures seed every target
    for seed in found:
        linter.check(seed.read_bytes())


def test_a_crashing_rule_is_a_fuzz_crash(monkeypatch: pytest.MonkeyPatch) -> None:
    from fuzz.targets import FuzzCrash
    from k8slint.sources.manifests import K8sObject

    def broken(self: K8sObject) -> list[object]:
        raise ValueError("boom")

    monkeypatch.setattr(K8sObject, "containers", broken)
    with pytest.raises(FuzzCrash, match="boom"):
        Linter("manifest").check((ROOT / "fixtures" / "rules" / "KR002" / "fail_requests.yaml").read_bytes())


@pytest.mark.skipif(importlib.util.find_spec("atheris") is None, reason="atheris is not installed (pip install -e .[test] on Linux x86_64)")
@pytest.mark.parametrize("target", sorted(TARGETS))
def test_short_fuzz_run(target: str, tmp_path: Path) -> None:
    """A bounded, seeded libFuzzer run; the longer run is described in the README."""
    result = subprocess.run(
        [sys.executable, "-m", "fuzz.targets", target, "-seed=1", "-max_total_time=20", f"-artifact_prefix={tmp_path}/"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Done" in result.stderr
    assert not list(tmp_path.glob("crash-*"))
