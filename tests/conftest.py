"""Shared helpers: run the linter in-process on files or on YAML text."""

from __future__ import annotations

import os
import shutil
import stat
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from k8slint.config import build_settings, find_config
from k8slint.engine import Result, lint
from k8slint.registry import registry

CEL_RULES = ("KV002", "KV003", "KV004", "KV005")
"""The rules that evaluate CEL: without the cel extra (Python 3.11+) they only say they could not."""

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
SHARED = ROOT.parent / "shared"


def run_lint(*paths: str | Path, cwd: Path | None = None, **overrides: object) -> Result:
    """Lint like `k8slint check` run from ``cwd`` (the config found there applies)."""
    here = Path.cwd()
    if cwd is not None:
        os.chdir(cwd)
    try:
        config = find_config(Path.cwd()) if cwd is not None else None
        settings = build_settings(registry(), config, **overrides)  # type: ignore[arg-type]
        return lint([str(p) for p in paths], settings)
    finally:
        os.chdir(here)


@pytest.fixture
def lint_text(tmp_path: Path) -> Iterator[object]:
    """Write YAML text to a file and lint it: ``lint_text(text, name="x.yaml")``."""

    def run(text: str, name: str = "manifest.yaml", **overrides: object) -> Result:
        target = tmp_path / name
        target.write_text(text, encoding="utf-8")
        return run_lint(target, **overrides)

    yield run


def fake_helm(folder: Path, script: str) -> None:
    """A ``helm`` in ``folder`` that runs ``script`` (put the folder first on PATH)."""
    helm = folder / "helm"
    helm.write_text("#!/bin/sh\n" + script)
    helm.chmod(helm.stat().st_mode | stat.S_IEXEC)


def skip_without_cel(code: str) -> None:
    """Skip a test of a CEL rule where the CEL runtime is not installed."""
    import importlib.util

    if code in CEL_RULES and importlib.util.find_spec("cel") is None:
        pytest.skip("evaluating CEL needs the cel extra (Python 3.11+)")


def shared_or_skip(*parts: str) -> Path:
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is not here: the shared corpus sits beside the repository in CI only")
    return path


def in_ci() -> bool:
    """Whether the suite runs in CI (the CI variable that CI services and .ci/run set)."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def tool_or_skip(name: str, install: str) -> str:
    """The path of the command ``name``, beside this Python first (a tool of the test extra), then on PATH.

    A missing tool skips the test, saying how to install it; in CI, where every tool the
    suite uses is installed, it fails the test instead, so a broken CI setup cannot pass.
    """
    found = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    if found is None:
        message = f"{name} is not installed ({install})"
        if in_ci():
            pytest.fail(f"{message}; CI must provide it")
        pytest.skip(message)
    return found


@pytest.fixture
def cli() -> Iterator[object]:
    """Run the command line in-process: ``cli("check", path)`` -> click Result with exit_code."""
    from click.testing import CliRunner

    from k8slint.cli import main

    def run(*args: str, input: str | None = None) -> object:
        runner = CliRunner()
        return runner.invoke(_MainCommand(main), list(args), input=input, catch_exceptions=False)

    yield run


class _MainCommand:
    """Adapts ``k8slint.cli.main`` (which calls sys.exit) to CliRunner.invoke."""

    def __init__(self, main: object) -> None:
        self.main_func = main
        self.name = "k8slint"

    def main(self, args: list[str], prog_name: str | None = None, **_: object) -> None:
        self.main_func(args)  # type: ignore[operator]


# Every temporary folder of the session lives in one private folder, so that a folder
# left behind is found (and not confused with another run's on the same machine).
_SESSION_TEMP: list[Path] = []
LEAK_PATTERNS = ("k8slint-fuzz-*",)


def pytest_sessionstart(session: pytest.Session) -> None:
    folder = Path(tempfile.mkdtemp(prefix="k8slint-tests-"))
    _SESSION_TEMP.append(folder)
    os.environ["TMPDIR"] = str(folder)
    tempfile.tempdir = str(folder)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if not _SESSION_TEMP:
        return
    folder = _SESSION_TEMP.pop()
    left = sorted(p.name for pattern in LEAK_PATTERNS for p in folder.glob(pattern))
    if left:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        message = f"tests left temporary folders behind: {', '.join(left)}"
        if reporter is not None:
            reporter.write_line(message, red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
    shutil.rmtree(folder, ignore_errors=True)
