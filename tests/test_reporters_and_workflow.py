"""SARIF, JUnit and GitHub reports; --output; baselines; --severity; --with-context; pre-commit."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree as ET

import jsonschema
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import FIXTURES, ROOT, shared_or_skip

MIXED = FIXTURES / "rules"


def _sarif_validator():
    schema_path = shared_or_skip("schemas", "sarif-2.1.0.json")
    return jsonschema.Draft4Validator(json.loads(schema_path.read_text(encoding="utf-8")))


@pytest.mark.parametrize(
    "paths",
    [
        [MIXED / "KR002" / "fail_requests.yaml"],
        [MIXED / "KN001" / "fail_same_file.yaml", MIXED / "DF002" / "fail_root.Dockerfile"],
        [FIXTURES / "clean" / "todo-backend.yaml"],
        [MIXED / "CH004" / "fail_lock"],
    ],
    ids=["requests", "mixed", "clean", "chart"],
)
def test_sarif_is_valid_against_the_official_schema(cli, paths) -> None:
    validator = _sarif_validator()
    result = cli("check", "--format", "sarif", *map(str, paths))
    document = json.loads(result.output)
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.path))
    assert errors == [], errors[0].message if errors else ""
    run = document["runs"][0]
    assert run["tool"]["driver"]["name"] == "k8slint"
    rule_ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    for item in run["results"]:
        assert rule_ids[item["ruleIndex"]] == item["ruleId"]
        region = item["locations"][0]["physicalLocation"]["region"]
        assert region["startLine"] >= 1 and region["startColumn"] >= 1
        assert item["partialFingerprints"]["k8slintFingerprint/v1"]


def test_sarif_carries_related_locations_and_the_template(cli) -> None:
    stream = "---\n# Source: todo/templates/pod.yaml\napiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - {name: c, image: 'Web:1'}\n"
    result = cli("check", "--format", "sarif", "--select", "KR005", "-", input=stream)
    (item,) = json.loads(result.output)["runs"][0]["results"]
    assert item["relatedLocations"][-1]["physicalLocation"]["artifactLocation"]["uri"] == "todo/templates/pod.yaml"


_REPORT_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=400, deadline=None)
@given(_REPORT_VALUES)
def test_report_text_is_what_the_standard_library_writes(value) -> None:
    """orjson writes the reports; the text must stay the standard library's, byte for byte
    (non-ASCII kept, control characters escaped; lone surrogates and integers past 64 bits
    fall back)."""
    from k8slint.reporters import jsontext

    assert jsontext.dumps(value) == json.dumps(value, indent=2, ensure_ascii=False)


def test_report_text_falls_back_on_what_orjson_refuses(monkeypatch: pytest.MonkeyPatch) -> None:
    from k8slint.reporters import jsontext

    values = [{"message": "lone \udc80 surrogate"}, {"line": 2**70}, {1: "integer key"}, {"text": "ok é"}]
    # A lone surrogate is no Unicode character: it is written as U+FFFD, so the text encodes as UTF-8.
    expected = [json.dumps(v, indent=2, ensure_ascii=False).replace("\udc80", "\ufffd") for v in values]
    assert [jsontext.dumps(value) for value in values] == expected
    monkeypatch.setitem(sys.modules, "orjson", None)  # a setup without orjson
    assert [jsontext.dumps(value) for value in values] == expected


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(_REPORT_VALUES, max_size=5), max_size=6), st.dictionaries(st.text(max_size=6), _REPORT_VALUES, max_size=3))
def test_a_report_in_pieces_is_the_whole_report(chunks, head) -> None:
    """The JSON report is written a few hundred findings at a time; the pieces joined are the text of
    the whole, made safe as the whole is (json_text), whatever the items hold."""
    from k8slint.reporters import jsontext

    head = {**{k: v for k, v in head.items() if k != "items"}, "items": []}
    items = [item for chunk in chunks for item in chunk]
    pieces = list(jsontext.report_pieces(head, "items", iter(chunks)))
    assert "".join(pieces) == jsontext.report_text({**head, "items": items})
    assert all(piece.endswith(("\n", "}")) for piece in pieces)  # each ends a line, or the report


def test_the_json_report_of_many_findings_is_written_in_pieces(cli, monkeypatch: pytest.MonkeyPatch) -> None:
    """Hundreds of findings: the report comes in several pieces (none holds them all) and is the one text."""
    from k8slint.findings import Finding, Location, Result, Severity
    from k8slint.reporters import json as json_report

    findings = [
        Finding("KS007", "capabilities-not-dropped", Severity.WARNING, f"message {n} ::x ##[y \x9b", Location(f"f{n % 7}.yaml", n, 1))
        for n in range(1, 700)
    ]
    result = Result(findings=findings, files=7, objects=699)
    pieces = list(json_report.json_pieces(result))
    assert len(pieces) == 1 + -(-len(findings) // json_report.FINDINGS_PER_PIECE)
    assert "".join(pieces) == json_report.render_json(result)
    data = json.loads("".join(pieces))
    assert [f["line"] for f in data["findings"]] == list(range(1, 700))
    assert "##[" not in "".join(pieces) and "\x9b" not in "".join(pieces)
    monkeypatch.setattr(json_report, "FINDINGS_PER_PIECE", 10_000)
    assert "".join(json_report.json_pieces(result)) == "".join(pieces)


def test_a_written_report_ends_in_one_line_break(tmp_path: Path) -> None:
    from k8slint.cli import write_report

    target = tmp_path / "report.json"
    for pieces, expected in (
        (["{\n", "}\n\n"], "{\n}\n"),
        (["a\n", "\n", "b"], "a\n\nb\n"),
        ([""], "\n"),
        ("text\n\n\n", "text\n"),
    ):
        write_report(str(target), pieces)
        assert target.read_text() == expected


@pytest.mark.parametrize("output_format", ["json", "sarif"])
def test_reports_of_the_rule_fixtures_are_the_standard_library_text(cli, output_format: str) -> None:
    result = cli("check", "--format", output_format, "--no-config", str(MIXED))
    assert result.output == json.dumps(json.loads(result.output), indent=2, ensure_ascii=False) + "\n"


def test_junit_has_a_suite_per_file_and_a_failing_case_per_finding(cli) -> None:
    paths = [MIXED / "KN001" / "fail_same_file.yaml", MIXED / "KR002" / "fail_requests.yaml"]
    result = cli("check", "--format", "junit", "--select", "KN001,KR002", *map(str, paths))
    root = ET.fromstring(result.output.split("\n", 1)[1])
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == sorted(str(p) for p in paths)
    total = 0
    for suite in suites:
        cases = suite.findall("testcase")
        assert int(suite.get("tests")) == len(cases) == int(suite.get("failures"))
        for case in cases:
            failure = case.find("failure")
            assert failure is not None and failure.get("message") and failure.get("type") in ("error", "warning", "info")
            assert case.get("file") == suite.get("name") and int(case.get("line")) >= 1
        total += len(cases)
    assert int(root.get("tests")) == total == 6


def test_junit_without_findings_is_one_passing_case(cli) -> None:
    result = cli("check", "--format", "junit", "--select", "KR002", str(FIXTURES / "clean" / "todo-backend.yaml"))
    root = ET.fromstring(result.output.split("\n", 1)[1])
    (suite,) = root.findall("testsuite")
    assert suite.get("failures") == "0" and len(suite.findall("testcase")) == 1


def test_github_annotations(cli) -> None:
    result = cli("check", "--format", "github", "--select", "KR002", str(MIXED / "KR002" / "fail_requests.yaml"))
    lines = result.output.strip().splitlines()
    assert len(lines) == 4
    first = lines[0]
    assert first.startswith("::error file=") and ",line=20,col=15,title=KR002 request-exceeds-limit::" in first
    assert "%0A" not in first or first.count("::") == 2


def test_output_writes_the_report_and_the_terminal_gets_text(cli, tmp_path: Path) -> None:
    target = tmp_path / "k8slint.sarif"
    result = cli("check", "--format", "sarif", "--output", str(target), "--select", "KR002", str(MIXED / "KR002" / "fail_requests.yaml"))
    assert "request-exceeds-limit" in result.output and "Found 4 errors" in result.output
    assert json.loads(target.read_text())["version"] == "2.1.0"


def test_baseline_reports_only_new_findings_even_when_lines_move(cli, tmp_path: Path) -> None:
    manifest = tmp_path / "app.yaml"
    original = (MIXED / "KR002" / "fail_requests.yaml").read_text()
    manifest.write_text(original)
    baseline = tmp_path / "baseline.json"
    assert cli("baseline", str(baseline), "--select", "KR002", str(manifest)).exit_code == 0
    manifest.write_text("# two comment lines\n# push everything down\n" + original)
    quiet = cli("check", "--format", "json", "--select", "KR002", "--baseline", str(baseline), str(manifest))
    assert quiet.exit_code == 0 and json.loads(quiet.output)["findings"] == []
    manifest.write_text(original.replace("memory: 1000Mi", "memory: 100Mi").replace("              cpu: 500m", "              cpu: 100m"))
    new = cli("check", "--format", "json", "--select", "KR002", "--baseline", str(baseline), str(manifest))
    findings = json.loads(new.output)["findings"]
    assert new.exit_code == 1 and [f["path"].rsplit(".", 1)[-1] for f in findings] == ["cpu"]


def test_severity_filter(cli) -> None:
    result = cli("check", "--format", "json", "--severity", "error", str(MIXED / "KS004" / "fail_writable.yaml"))
    assert {f["severity"] for f in json.loads(result.output)["findings"]} <= {"error"}


def test_with_context_reads_neighbours_and_reports_only_the_files_given(cli, tmp_path: Path) -> None:
    (tmp_path / "config.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata: {A: '1'}\n")
    (tmp_path / "broken-neighbour.yaml").write_text(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: x}\nspec:\n  containers:\n  - {name: c, image: 'Bad:1'}\n"
    )
    pod = tmp_path / "pod.yaml"
    pod.write_text(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n    image: nginx:1.27\n"
        "    envFrom: [{configMapRef: {name: settings}}]\n    env:\n    - name: B\n      valueFrom: {configMapKeyRef: {name: settings, key: B}}\n"
    )
    alone = json.loads(cli("check", "--format", "json", "--select", "KN024,KR005", str(pod)).output)
    assert alone["findings"] == []  # the ConfigMap was not read
    context = json.loads(cli("check", "--format", "json", "--with-context", "--select", "KN024,KR005", str(pod)).output)
    assert [(f["rule"], Path(f["file"]).name) for f in context["findings"]] == [("missing-configmap-key", "pod.yaml")]


def test_hooks_file_matches_what_pre_commit_expects() -> None:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    (hook,) = hooks
    assert hook["id"] == "k8slint" and hook["language"] == "python" and hook["pass_filenames"] is True
    assert "--with-context" in hook["entry"]
    assert set(hook["types_or"]) == {"yaml", "json", "dockerfile"}


@pytest.fixture
def pre_commit() -> str:
    found = shutil.which("pre-commit", path=str(Path(sys.executable).parent)) or shutil.which("pre-commit")
    if found is None:
        pytest.skip("pre-commit is not installed (it is in the test extras: pip install -e '.[test]')")
    return found


def _git(repo: Path, *args: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
    }
    return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, env=env)


def test_pre_commit_blocks_a_bad_manifest_and_passes_a_good_one(pre_commit: str, tmp_path: Path) -> None:
    """A real pre-commit run on a temporary repository, with the hook of .pre-commit-hooks.yaml as a local hook."""
    (hook,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    local = {**hook, "language": "system", "entry": f"{sys.executable} -m k8slint {hook['entry'].split(' ', 1)[1]}"}
    repo = tmp_path / "repo"
    repo.mkdir()
    assert _git(repo, "init", "-q").returncode == 0
    (repo / ".pre-commit-config.yaml").write_text(yaml.safe_dump({"repos": [{"repo": "local", "hooks": [local]}]}))
    (repo / "k8s").mkdir()
    (repo / "k8s" / "config.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata: {LOG_LEVEL: info}\n")
    good = (FIXTURES / "clean" / "todo-backend.yaml").read_text()
    (repo / "k8s" / "backend.yaml").write_text(good)
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "cache"), "PYTHONPATH": str(ROOT)}
    _git(repo, "add", ".")
    passed = subprocess.run([pre_commit, "run", "--files", "k8s/backend.yaml"], cwd=repo, capture_output=True, text=True, env=env)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    commit = _git(repo, "commit", "-qm", "good")  # no hook installed yet: just a base commit
    assert commit.returncode == 0
    assert subprocess.run([pre_commit, "install"], cwd=repo, capture_output=True, env=env).returncode == 0
    (repo / "k8s" / "backend.yaml").write_text(good.replace("memory: 256Mi", "memory: 2Gi"))
    _git(repo, "add", "k8s/backend.yaml")
    blocked = subprocess.run(
        ["git", "commit", "-qm", "bad"],
        cwd=repo,
        capture_output=True,
        text=True,
        env={
            **env,
            "GIT_AUTHOR_NAME": "t",
            "GIT_AUTHOR_EMAIL": "t@example.com",
            "GIT_COMMITTER_NAME": "t",
            "GIT_COMMITTER_EMAIL": "t@example.com",
        },
    )
    assert blocked.returncode != 0
    assert "request-exceeds-limit" in blocked.stdout + blocked.stderr
