"""The shipped pre-commit hook (.pre-commit-hooks.yaml), run by the real pre-commit framework on `git commit`.

The application repository's .pre-commit-config.yaml names a k8slint repository and a
commit, as a user's does; pre-commit clones it, builds a virtualenv, pip-installs k8slint
into it and runs the hook's entry on the staged files. The k8slint repository is a snapshot
of this checkout (its files that git does not ignore, committed to a temporary repository),
so the hook definition and the code tested are those of the working tree, uncommitted
changes included. Building the hook's virtualenv needs the package index (or pip's cache),
as it does for every user of the hook; the two tests share one pre-commit cache, so the
virtualenv is built once per run.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import ROOT, in_ci, tool_or_skip


def _environment() -> dict[str, str]:
    """The environment of a developer's shell in a fresh repository: none of ours leaks in.

    PYTHONPATH would make the hook import this checkout instead of the k8slint that
    pre-commit installed; GIT_* and PRE_COMMIT_* variables (set when the suite itself runs
    inside a git hook) would point git and pre-commit elsewhere; the user's git config
    (core.hooksPath, commit signing) must not decide the outcome.
    """
    keep = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("GIT_", "PRE_COMMIT")) and key not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")
    }
    return {
        **keep,
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "Dev",
        "GIT_AUTHOR_EMAIL": "dev@example.com",
        "GIT_COMMITTER_NAME": "Dev",
        "GIT_COMMITTER_EMAIL": "dev@example.com",
    }


def _run(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(args), cwd=cwd, env=env, capture_output=True, text=True, timeout=900)


def _ok(done: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert done.returncode == 0, f"{done.args} exited {done.returncode}:\n{done.stdout}{done.stderr}"
    return done


@pytest.fixture(scope="module")
def git() -> str:
    return tool_or_skip("git", "the pre-commit hook test needs git")


@pytest.fixture(scope="module")
def pre_commit() -> str:
    return tool_or_skip("pre-commit", "it is in the test extra: pip install -e '.[test]'")


@pytest.fixture(scope="module")
def hook_repository(git: str, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """A git repository holding this checkout's files at one commit: (its path, the commit)."""
    # The checkout is read with the user's git config (safe.directory), without GIT_* variables.
    plain = {key: value for key, value in os.environ.items() if not key.startswith("GIT_")}
    listed = subprocess.run(
        [git, "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT, env=plain, capture_output=True, check=False
    )
    if listed.returncode != 0:
        why = listed.stderr.decode(errors="replace").strip()
        message = f"the hook repository is made from the files of a git checkout; git ls-files in {ROOT} failed: {why}"
        if in_ci():
            pytest.fail(message)
        pytest.skip(message)
    snapshot = tmp_path_factory.mktemp("k8slint-hook-repository")
    for name in sorted(set(os.fsdecode(n) for n in listed.stdout.split(b"\0") if n)):
        source = ROOT / name
        if source.is_file():  # a tracked file deleted from the working tree is not part of it
            (snapshot / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, snapshot / name)
    env = _environment()
    _ok(_run(git, "init", "-q", cwd=snapshot, env=env))
    _ok(_run(git, "add", "-A", cwd=snapshot, env=env))
    _ok(_run(git, "commit", "-q", "-m", "k8slint as checked out", cwd=snapshot, env=env))
    commit = _ok(_run(git, "rev-parse", "HEAD", cwd=snapshot, env=env)).stdout.strip()
    return str(snapshot), commit


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """pre-commit's cache (clones and the hook's virtualenv), shared by the tests of this module."""
    return tmp_path_factory.mktemp("pre-commit-home")


class AppRepository:
    """An application's git repository, committed to as a developer does (the hook runs on `git commit`)."""

    def __init__(self, path: Path, git: str, env: dict[str, str]) -> None:
        self.path, self.git, self.env = path, git, env

    def commit(self, message: str, *flags: str) -> subprocess.CompletedProcess[str]:
        _ok(_run(self.git, "add", "-A", cwd=self.path, env=self.env))
        return _run(self.git, "commit", "-m", message, *flags, cwd=self.path, env=self.env)

    def head(self) -> str:
        return _ok(_run(self.git, "rev-parse", "--verify", "-q", "HEAD", cwd=self.path, env=self.env)).stdout.strip()


@pytest.fixture
def app(git: str, pre_commit: str, hook_repository: tuple[str, str], pre_commit_home: Path, tmp_path: Path) -> AppRepository:
    """A fresh git repository holding `k8slint init todo-chatbot` output and a .pre-commit-config.yaml
    that uses the k8slint hook at the snapshot's commit, with the hook installed."""
    path = tmp_path / "todo-chatbot"
    env = {**_environment(), "PRE_COMMIT_HOME": str(pre_commit_home)}
    _ok(_run(git, "init", "-q", str(path), cwd=tmp_path, env=env))
    # This checkout's k8slint writes the example: the files its own hook must pass.
    _ok(_run(sys.executable, "-m", "k8slint", "init", "todo-chatbot", str(path), cwd=tmp_path, env={**env, "PYTHONPATH": str(ROOT)}))
    url, commit = hook_repository
    config = {"repos": [{"repo": url, "rev": commit, "hooks": [{"id": "k8slint"}]}]}
    (path / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    _ok(_run(pre_commit, "install", cwd=path, env=env))
    return AppRepository(path, git, env)


# slow: the hook's virtualenv, where pip installs k8slint and its dependencies (built once per module)
@pytest.mark.slow
def test_the_hook_passes_a_commit_of_the_init_output(app: AppRepository) -> None:
    """Chart.yaml, values.yaml, values.schema.json, the chart's templates and .k8slint.yaml are
    passed one by one, as pre-commit passes them, and none of them is an error."""
    done = app.commit("Todo Chatbot deployment")
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert re.search(r"^k8slint\.+Passed$", output, re.MULTILINE), output  # the hook ran, on files it was given
    assert app.head()


@pytest.mark.slow
def test_the_hook_refuses_a_commit_that_plants_a_request_over_its_limit(app: AppRepository) -> None:
    # The base commit skips the hook: whether the hook passes the whole example is the test above.
    _ok(app.commit("Todo Chatbot deployment", "--no-verify"))
    base = app.head()
    backend = app.path / "manifests" / "30-backend.yaml"
    clean = backend.read_text()
    requests = "            requests:\n              cpu: 250m\n              memory: 256Mi\n"
    assert requests in clean and "              memory: 512Mi\n" in clean  # the api container's limit
    line = clean[: clean.index(requests)].count("\n") + 3  # the memory request's line

    backend.write_text(clean.replace(requests, requests.replace("256Mi", "1Gi")))
    refused = app.commit("Give the API more memory")
    output = refused.stdout + refused.stderr
    assert refused.returncode != 0, output
    assert re.search(r"^k8slint\.+Failed$", output, re.MULTILINE), output
    assert re.search(rf"manifests/30-backend\.yaml:{line}:\d+ error \w+ request-exceeds-limit\b", output), output
    assert app.head() == base

    # The same file with an ordinary change is committed: the request over its limit was the refusal's cause.
    backend.write_text(clean.replace("  replicas: 2\n", "  replicas: 3\n", 1))
    passed = app.commit("Scale the API to three replicas")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert app.head() != base


@pytest.mark.parametrize(
    ("ci", "outcome"), [("true", pytest.fail.Exception), ("", pytest.skip.Exception), ("false", pytest.skip.Exception)]
)
def test_a_missing_tool_fails_the_test_in_ci_and_skips_it_elsewhere(
    ci: str, outcome: type[BaseException], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CI", ci)
    with pytest.raises(outcome, match="no-such-tool-k8slint is not installed"):
        tool_or_skip("no-such-tool-k8slint", "a test of the helper")
    assert tool_or_skip("git", "the test needs git") == shutil.which("git")
