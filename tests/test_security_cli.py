"""The verdict CI reads, and what k8slint writes to stderr, whatever the repository holds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import FIXTURES
from k8slint.registry import Check, registry

BAD = FIXTURES / "rules" / "KR002" / "fail_requests.yaml"


def _findings(stdout: str) -> list[dict[str, object]]:
    return json.loads(stdout)["findings"]  # type: ignore[no-any-return]


def test_severity_filters_what_is_shown_not_the_verdict(cli, tmp_path: Path) -> None:
    """--fail-on info fails on an info finding; --severity warning hides it but the run still fails."""
    manifest = tmp_path / "cm.yaml"
    manifest.write_text("apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: a}\n", encoding="utf-8")  # unknown-kind
    plain = cli("check", "--no-config", "--fail-on", "info", "--format", "json", str(manifest))
    severities = {f["severity"] for f in _findings(plain.output)}
    assert plain.exit_code == 1 and severities and "error" not in severities
    filtered = cli("check", "--no-config", "--fail-on", "info", "--severity", "error", "--format", "json", str(manifest))
    assert _findings(filtered.output) == []
    assert filtered.exit_code == 1
    text = cli("check", "--no-config", "--fail-on", "info", "--severity", "error", str(manifest))
    assert text.exit_code == 1 and "below --severity error not shown" in text.output


def test_a_crashed_rule_makes_the_run_exit_3_with_the_full_report(cli) -> None:
    def explode(obj, ctx):  # type: ignore[no-untyped-def]
        raise RuntimeError("boom")

    rule = registry()["KR006"]
    original = rule.checks
    object.__setattr__(rule, "checks", (Check(rule.code, explode, "object", None),))
    try:
        done = cli("check", "--no-config", "--format", "json", str(BAD))
    finally:
        object.__setattr__(rule, "checks", original)
    codes = {f["code"] for f in _findings(done.output)}
    assert done.exit_code == 3
    assert {"KL900", "KR002"} <= codes  # the other rules' findings are all there


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ('rules:\n  "x\\n::error file=README.md::forged\\x1b]0;t\\x07": off\n', "unknown rule"),
        ('kubernetes-version: "1.%s"\n' % ("9" * 5000), "kubernetes-version"),
        ('rules:\n  port-out-of-range:\n    options:\n      node-port-range: "1-%s"\n' % ("9" * 5000), "node-port-range"),
    ],
    ids=["forged-command-in-a-key", "5000-digit-version", "5000-digit-port-range"],
)
def test_a_hostile_config_is_one_escaped_line_and_exit_2(tmp_path: Path, config: str, expected: str) -> None:
    import subprocess
    import sys

    from conftest import ROOT

    (tmp_path / ".git").mkdir()
    (tmp_path / ".k8slint.yaml").write_text(config, encoding="utf-8")
    (tmp_path / "a.yaml").write_text(BAD.read_text(encoding="utf-8"), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "k8slint", "check", "."],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 2, done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("k8slint: error: ") and expected in lines[0]
    assert len(lines[0]) <= 2000 and "\x1b" not in lines[0] and "Traceback" not in done.stderr


def test_a_kubernetes_version_flag_of_5000_digits_is_a_usage_error(cli) -> None:
    done = cli("check", "--no-config", "--kubernetes-version", "1." + "9" * 5000, str(BAD))
    assert done.exit_code == 2


def test_an_explicit_int_tag_on_a_superscript_digit_is_a_syntax_finding(tmp_path: Path, cli) -> None:
    """'²'.isdigit() is true and int('²') raises: the fast path reads ASCII digits only."""
    manifest = tmp_path / "cm.yaml"
    manifest.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {a: !!int ²}\n", encoding="utf-8")
    done = cli("check", "--no-config", "--format", "json", str(manifest))
    assert [(f["code"], f["line"]) for f in _findings(done.output)] == [("KL001", 4)]
    assert done.exit_code == 1


SUPERSCRIPT_PORTS = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: web
          image: nginx:1.25
          ports: [{containerPort: 80, name: http}]
          readinessProbe: {httpGet: {path: /, port: "²"}}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: "²"}]
"""


def test_a_superscript_digit_is_a_port_name_not_a_number(tmp_path: Path, cli) -> None:
    """'²'.isdigit() is true, yet the API server reads "²" as a (bad) port name: so does k8slint."""
    manifest = tmp_path / "web.yaml"
    manifest.write_text(SUPERSCRIPT_PORTS, encoding="utf-8")
    found = {(f["code"], f["line"]) for f in _findings(cli("check", "--no-config", "--format", "json", str(manifest)).output)}
    assert {("KR015", 13), ("KN010", 20), ("KN026", 20)} <= found


def test_nothing_to_lint_is_exit_2_unless_allowed(tmp_path: Path, cli) -> None:
    """An empty folder, an exclude that drops every file, or empty standard input: CI must not
    read "No problems found in 0 files" as a clean run (`helm template ... | k8slint check -`
    when helm failed)."""
    empty = tmp_path / "empty"
    empty.mkdir()
    (tmp_path / "k8s").mkdir()
    (tmp_path / "k8s" / "app.yaml").write_text(BAD.read_text(encoding="utf-8"), encoding="utf-8")
    for args, input_text in (([str(empty)], None), (["--exclude", "*", str(tmp_path / "k8s")], None), (["-"], "")):
        done = cli("check", "--no-config", *args, input=input_text)
        assert done.exit_code == 2 and "nothing to lint" in done.output, args
        allowed = cli("check", "--no-config", "--allow-empty", *args, input=input_text)
        assert allowed.exit_code == 0, args
    assert cli("check", "--no-config", str(tmp_path / "k8s")).exit_code == 1


def test_a_baseline_matches_whatever_the_path_is_spelled(tmp_path: Path, cli, monkeypatch: pytest.MonkeyPatch) -> None:
    """Recorded with `k8s/`, checked as `./k8s`, `.`, `k8s/app.yaml` or an absolute path, from the
    root or a subfolder: fingerprints name files relative to the repository root."""
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "k8s").mkdir()
    (repo / "k8s" / "app.yaml").write_text(BAD.read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.chdir(repo)
    baseline = str(tmp_path / "base.json")  # outside the tree: a JSON report is not a manifest
    assert cli("baseline", "--no-config", baseline, "k8s/").exit_code == 0
    for where, path in (
        (repo, "./k8s"),
        (repo, "."),
        (repo, "k8s/app.yaml"),
        (repo, str(repo / "k8s")),
        (repo / "k8s", "."),
        (repo / "k8s", "app.yaml"),
    ):
        monkeypatch.chdir(where)
        done = cli("check", "--no-config", "--baseline", baseline, "--format", "json", path)
        assert done.exit_code == 0 and _findings(done.output) == [], (where, path)
