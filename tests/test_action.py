"""The GitHub Action: inputs reach its scripts as data, never as script text."""

from __future__ import annotations

import os
import re
import stat
import subprocess
from pathlib import Path

import yaml

from conftest import ROOT


def _steps() -> list[dict]:
    action = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    return action["runs"]["steps"]


def test_no_expression_is_spliced_into_a_script() -> None:
    """`${{ ... }}` inside `run:` is substituted before bash parses it: an input holding
    `"; curl ... #` would run. Every value must come through `env:` instead."""
    for step in _steps():
        if "run" in step:
            assert not re.search(r"\$\{\{", step["run"]), step["name"]


def test_the_lint_script_passes_hostile_inputs_as_arguments(tmp_path: Path) -> None:
    script = next(step for step in _steps() if step.get("name") == "Lint")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "k8slint"
    fake.write_text('#!/bin/sh\nfor a in "$@"; do printf "<%s>\\n" "$a"; done\nexit 1\n', encoding="utf-8")
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    canary = tmp_path / "pwned"
    env = {
        **os.environ,
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "GITHUB_ENV": str(tmp_path / "github_env"),
        "K8SLINT_ARGS": f"--strict $(touch {canary}) `touch {canary}`",
        "K8SLINT_PATHS": f'manifests; touch {canary} "-x"',
        "K8SLINT_SARIF": "false",
    }
    done = subprocess.run(["bash", "-c", script["run"]], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=30)
    assert not canary.exists()
    args = re.findall(r"<(.*)>", done.stdout)
    assert args[:2] == ["check", "--format"]
    # the paths come after "--", so a path can never be read as an option
    assert args[args.index("--") + 1 :] == ["manifests;", "touch", str(canary), '"-x"']
    assert (tmp_path / "github_env").read_text(encoding="utf-8").strip() == "status=1"
