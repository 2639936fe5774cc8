"""Fuzzing: replay every crash the fuzzer ever found, the seed corpora, and a short, seeded coverage-guided run."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT
from fuzz.targets import (
    REGRESSIONS,
    SCRATCH_PREFIX,
    TARGETS,
    FuzzCrash,
    Linter,
    TreeLinter,
    build_tree,
    canary_text,
    check_reports,
    open_target,
    render_all,
    seed_inputs,
    seeds,
)


def _regressions() -> list[object]:
    cases = []
    for target in sorted(TARGETS):
        folder = REGRESSIONS / target
        for path in sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")):
            cases.append(pytest.param(target, path, id=f"{target}/{path.name}"))
    return cases


def test_every_target_keeps_a_regressions_folder() -> None:
    for target in TARGETS:
        assert (REGRESSIONS / target).is_dir(), target


@pytest.mark.parametrize(("target", "path"), _regressions())
def test_fuzz_regression(target: str, path: Path) -> None:
    """Every input a fuzzer once crashed on lints cleanly; tree inputs also with --jobs 2 and through the CLI."""
    with open_target(target) as checker:
        if isinstance(checker, TreeLinter):
            checker.parallel_every = checker.cli_every = 1
        checker.check(path.read_bytes())


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_seed_corpus_lints_without_crash(target: str) -> None:
    found = seed_inputs(target)
    assert len(found) >= (10 if target == "report" else 20)  # the rule fixtures seed every linting target
    with open_target(target) as checker:
        for data in found:
            checker.check(data)


def test_the_seeds_are_the_rule_fixtures() -> None:
    assert [p.read_bytes() for p in seeds("manifest")] == seed_inputs("manifest")
    assert any(p.suffix == ".json" for p in seeds("manifest"))
    assert len(seeds("dockerfile")) > 20


def test_a_crashing_rule_is_a_fuzz_crash(monkeypatch: pytest.MonkeyPatch) -> None:
    from k8slint.model.objects import K8sObject

    def broken(self: K8sObject) -> list[object]:
        raise ValueError("boom")

    monkeypatch.setattr(K8sObject, "containers", broken)
    with Linter("manifest") as linter, pytest.raises(FuzzCrash, match="boom"):
        linter.check((ROOT / "fixtures" / "rules" / "KR002" / "fail_requests.yaml").read_bytes())


def test_trees_hold_every_kind_of_input_and_symlinks_out_of_the_tree(tmp_path: Path) -> None:
    canary = tmp_path / "outside" / "secret.yaml"
    canary.parent.mkdir()
    canary.write_text(canary_text("kcanary0"), encoding="utf-8")
    names: list[str] = []
    escaping_links = 0
    for number, data in enumerate(seed_inputs("tree")):
        root = tmp_path / f"t{number}"
        build_tree(data, root, canary)
        for folder, dirs, files in os.walk(root):
            for name in files + dirs:
                path = Path(folder, name)
                names.append(name)
                if path.is_symlink():
                    escaping_links += not path.resolve().is_relative_to(root.resolve())
    assert any(n.endswith(".json") for n in names) and any("Dockerfile" in n for n in names)
    assert "Chart.yaml" in names and "values.yaml" in names and "templates" in names
    assert any(" " in n for n in names) and any(not n.isascii() for n in names) and any("\x1b" in n for n in names)
    assert any("\udcff" in n for n in names)  # a name that is not UTF-8
    assert escaping_links > 10


def test_the_report_checks_catch_each_broken_promise(tmp_path: Path) -> None:
    """The properties the targets assert fail on reports that break them (no check that cannot fail)."""
    from fuzz.targets import _sarif_validator
    from k8slint.config import build_settings
    from k8slint.engine import Result
    from k8slint.findings import Finding, Location, Severity
    from k8slint.registry import registry

    settings = build_settings(registry(), None)
    finding = Finding("KL004", "missing-field", Severity.ERROR, "apiVersion is missing", Location("a.yaml", 1, 1))
    result = Result([finding], files=1, objects=0)
    good = render_all(result, settings)
    validator = _sarif_validator()
    check_reports(good, result, validator, "kcanary0")
    sarif = json.loads(good["sarif"])
    sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] = "a b#.yaml"
    broken = {
        "text": [good["text"] + "\x1b[2J", good["text"] + "\n::add-mask::x\n", good["text"].replace("apiVersion", "kcanary0")],
        "github": [good["github"] + "\n::stop-commands::x", good["github"].replace("missing", "a\tb")],
        "junit": [good["junit"].replace("missing", "a\x01b"), good["junit"].replace("missing", "&#x1;"), good["junit"][:-5]],
        "json": [good["json"][:-1]],
        "sarif": [json.dumps(sarif)],
    }
    for name, variants in broken.items():
        for text in variants:
            with pytest.raises(FuzzCrash):
                check_reports({**good, name: text}, result, validator, "kcanary0")


def test_scratch_folders_are_removed(tmp_path: Path) -> None:
    with Linter("dockerfile") as linter:
        folder = linter.folder
        linter.check(b"FROM scratch\n")
    assert not folder.exists()
    with TreeLinter(cli_every=0) as tree:
        folder = tree.folder
    assert not folder.exists()


def test_a_folder_left_behind_fails_the_session(tmp_path: Path) -> None:
    """The session-finish check of conftest.py fails a run whose tests leave a scratch folder."""
    (tmp_path / "conftest.py").write_text((ROOT / "tests" / "conftest.py").read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "test_leak.py").write_text(
        "import tempfile\n\ndef test_leaks():\n    tempfile.mkdtemp(prefix='k8slint-fuzz-leak-')\n", encoding="utf-8"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 1, result.stdout[-2000:]
    assert "1 passed" in result.stdout and "tests left temporary folders behind: k8slint-fuzz-leak-" in result.stdout


@pytest.mark.skipif(importlib.util.find_spec("atheris") is None, reason="atheris is not installed (pip install -e .[test] on Linux x86_64)")
def test_a_fuzz_run_leaves_no_temporary_folder(tmp_path: Path) -> None:
    """libFuzzer skips atexit handlers: the command line removes its folders from a parent process."""
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "fuzz.targets", "dockerfile", "-runs=20", f"-artifact_prefix={tmp_path}/"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Done " in result.stderr
    assert not list(tmp_path.glob(f"{SCRATCH_PREFIX}*"))


# Seconds of each bounded run: about a minute in all, on two cores.
FUZZ_SECONDS = {"manifest": 12, "dockerfile": 10, "tree": 24, "report": 10}


@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("atheris") is None, reason="atheris is not installed (pip install -e .[test] on Linux x86_64)")
@pytest.mark.parametrize("target", sorted(TARGETS))
def test_short_fuzz_run(target: str, tmp_path: Path) -> None:
    """A bounded, seeded libFuzzer run of each target; the longer runs are described in the README."""
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "fuzz.targets",
            target,
            "-seed=1",
            f"-max_total_time={FUZZ_SECONDS[target]}",
            f"-artifact_prefix={tmp_path}/",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    # the input libFuzzer kept goes into the message: pytest's temporary folder does not outlive CI
    kept = [
        f"{path.name}: {path.read_bytes()[:4000]!r}"
        for pattern in ("crash-*", "timeout-*", "oom-*")
        for path in sorted(tmp_path.glob(pattern))
    ]
    assert result.returncode == 0, "\n".join([result.stderr[-3000:], *kept])
    assert "Done" in result.stderr
    assert not kept, "\n".join(kept)


def test_a_system_exit_inside_a_target_is_a_crash_that_says_where() -> None:
    from fuzz.targets import FuzzCrash, _no_exit

    def exits(data: bytes) -> None:
        raise SystemExit(0)

    with pytest.raises(FuzzCrash, match=r"SystemExit\(0\)") as raised:
        _no_exit(exits, b"x")
    assert isinstance(raised.value.__cause__, SystemExit)
    _no_exit(lambda data: None, b"x")  # a check that returns is left alone


def test_the_fuzzer_instruments_k8slint_and_not_the_standard_library() -> None:
    """Coverage follows k8slint's own code; instrumenting every imported function made each bounded run start
    about 30 s late."""
    import types

    import k8slint.engine
    from fuzz.targets import INSTRUMENTED, _instrument

    seen: list[types.FunctionType] = []
    fake = types.SimpleNamespace(instrument_func=seen.append)
    assert _instrument(fake, INSTRUMENTED) == len(seen)
    modules = {function.__module__.partition(".")[0] for function in seen}
    assert modules <= set(INSTRUMENTED) and "k8slint" in modules
    assert k8slint.engine.lint in seen
    assert not any(function.__module__ in ("json.decoder", "pathlib", "collections") for function in seen)
