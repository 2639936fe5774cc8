"""One hostile file never loses the report; exit codes say what happened; --output is replaced atomically.

The exit-code contract: 0 nothing at or above --fail-on, 1 findings, 2 usage,
config or I/O error, 3 k8slint could not finish (an internal error; the only
case with a traceback, after a one-line summary).
"""

from __future__ import annotations

import json
import os
import stat
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conftest import FIXTURES, run_lint
from k8slint import engine, rulecodes, scheduler
from k8slint import load as loading
from k8slint.cli import write_report
from k8slint.errors import UsageError

BAD = (FIXTURES / "rules" / "KR002" / "fail_requests.yaml").read_text()
FORMATS = ("text", "json", "sarif", "junit", "github")
LONE_SURROGATE = '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x\\ud800"},"data":{"\\udc00k":"v\\udfff"}}'


def _nested_json(depth: int, opener: str = "[", closer: str = "]") -> str:
    head = '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"deep"},"data":{"x":'
    return head + opener * depth + "0" + closer * depth + "}}"


def _codes(result: object) -> list[tuple[str, str]]:
    return [(Path(f.location.file).name, f.code) for f in result.findings]  # type: ignore[attr-defined]


# --- the JSON path has the YAML path's guards ----------------------------------------------


@pytest.mark.parametrize("depth", [1_200, 100_000])
@pytest.mark.parametrize(("opener", "closer"), [("[", "]"), ('{"a":', "}")])
def test_deeply_nested_json_is_too_complex_not_a_crash(tmp_path: Path, depth: int, opener: str, closer: str) -> None:
    (tmp_path / "deep.json").write_text(_nested_json(depth, opener, closer), encoding="utf-8")
    (tmp_path / "bad.yaml").write_text(BAD, encoding="utf-8")
    result = run_lint(tmp_path)
    assert ("deep.json", "KL013") in _codes(result)
    assert ("bad.yaml", "KR002") in _codes(result)  # the other file is still linted


def _load_json_text(text: str) -> object:
    from k8slint.model.objects import SourceFile
    from k8slint.sources.manifests import load_manifest_text

    return load_manifest_text(SourceFile("a.json", text), "default", json_file=True)


@pytest.mark.parametrize("text", ["- " * 5_000 + "x", "{a: " * 1_500 + "x" + "}" * 1_500, '{"a":' * 1_500 + "0" + "}" * 1_500])
def test_nesting_refused_by_libyaml_is_too_complex(text: str) -> None:
    from k8slint.sources.yamlsafe import load_documents

    documents, errors, _ = load_documents(text)
    assert documents == [] and [e.kind for e in errors] == ["complex"]


def test_json_nesting_below_the_limit_is_read() -> None:
    # A surrogate pair sends the file to the JSON reader; 500 levels are fine there.
    loaded = _load_json_text(_nested_json(500).replace('"deep"', '"deep\\ud83d\\ude00"'))
    assert loaded.problems == []  # type: ignore[attr-defined]
    assert loaded.objects[0].name == "deep\U0001f600"  # type: ignore[attr-defined]


def test_json_nesting_limit_holds_whatever_the_recursion_limit() -> None:
    # With a recursion limit that lets both parsers read 1,500 levels, the JSON path still refuses them.
    import sys

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(10_000)
    try:
        loaded = _load_json_text(_nested_json(1_500, '{"a":', "}").replace('"deep"', '"deep\\ud83d\\ude00"'))
    finally:
        sys.setrecursionlimit(limit)
    assert [rule for rule, _ in loaded.problems] == [rulecodes.YAML_TOO_COMPLEX]  # type: ignore[attr-defined]
    assert loaded.objects == []  # type: ignore[attr-defined]


def test_lone_surrogates_are_replaced_and_reported(tmp_path: Path) -> None:
    target = tmp_path / "cm.json"
    target.write_text(LONE_SURROGATE, encoding="utf-8")
    result = run_lint(target)
    (obj,) = result.loaded[0].objects
    assert obj.name == "x\ufffd"
    assert obj.data["data"] == {"\ufffdk": "v\ufffd"}
    surrogate = [f for f in result.findings if f.code == "KL001"]
    assert len(surrogate) == 1 and "3 strings hold a lone surrogate escape (\\ud800)" in surrogate[0].message
    assert str(surrogate[0].severity) == "warning"


def test_other_json_values_yaml_code_does_not_expect(tmp_path: Path) -> None:
    # NaN/Infinity literals and integers past Python's digit limit stay text (as YAML reads them);
    # a repeated key is duplicate-key, as in YAML files. The surrogate pair sends the file to the JSON reader.
    digits = "9" * 5_000
    text = (
        '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a","name":"b"},'
        f'"data":{{"n":NaN,"i":-Infinity,"big":{digits},"e":"\\ud83d\\ude00"}}}}'
    )
    target = tmp_path / "cm.json"
    target.write_text(text, encoding="utf-8")
    result = run_lint(target)
    (obj,) = result.loaded[0].objects
    assert obj.data["data"] == {"n": "NaN", "i": "-Infinity", "big": digits, "e": "\U0001f600"}
    assert [f.code for f in result.findings if f.code.startswith("KL")] == ["KL002"]


@pytest.mark.parametrize("output_format", FORMATS)
def test_every_report_format_copes_with_lone_surrogates(cli, tmp_path: Path, output_format: str) -> None:
    (tmp_path / "cm.json").write_text(LONE_SURROGATE, encoding="utf-8")
    # A file name that is not UTF-8 reaches the reports as surrogate escapes.
    with open(os.fsencode(tmp_path) + b"/bad\xff.yaml", "wb") as handle:
        handle.write(BAD.encode())
    result = cli("check", "--no-config", "--format", output_format, str(tmp_path))
    assert result.exit_code == 1, result.output
    out = tmp_path / f"report.{output_format}"
    result = cli("check", "--no-config", "--format", output_format, "--output", str(out), str(tmp_path))
    assert result.exit_code == 1, result.output
    text = out.read_text(encoding="utf-8")  # valid UTF-8
    if output_format in ("json", "sarif"):
        json.loads(text)
    elif output_format == "junit":
        ET.fromstring(text)


# --- one hostile file never loses the report -----------------------------------------------


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_crash_loading_one_file_is_a_finding_on_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: int) -> None:
    for number in range(4):
        (tmp_path / f"bad{number}.yaml").write_text(BAD, encoding="utf-8")
    (tmp_path / "boom.yaml").write_text(BAD, encoding="utf-8")
    real = loading.load_manifest_text

    def load(source: object, *args: object, **kwargs: object) -> object:
        if source.display.endswith("boom.yaml"):  # type: ignore[attr-defined]
            raise ValueError("parser blew up\n" + "x" * 10_000)
        return real(source, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(loading, "load_manifest_text", load)
    monkeypatch.setattr(scheduler, "PARALLEL_MIN_FILES", 2)
    monkeypatch.setattr(scheduler, "BATCH_BYTES", 1)
    from k8slint.config import build_settings
    from k8slint.registry import registry

    result = engine.lint([str(tmp_path)], build_settings(registry(), None), jobs=jobs)
    (internal,) = [f for f in result.findings if f.code == "KL900"]
    assert Path(internal.location.file).name == "boom.yaml"
    assert internal.message.startswith("k8slint could not load this file: ValueError: parser blew up x")
    assert len(internal.message) <= 240 and "\n" not in internal.message
    assert {name for name, code in _codes(result) if code == "KR002"} == {f"bad{n}.yaml" for n in range(4)}


def test_a_crash_loading_a_chart_is_a_finding_on_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    chart = tmp_path / "chart"
    chart.mkdir()
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: c\nversion: 1.0.0\n", encoding="utf-8")
    (tmp_path / "bad.yaml").write_text(BAD, encoding="utf-8")

    def broken(*args: object) -> object:
        raise RecursionError("maximum recursion depth exceeded")

    from k8slint.sources import charts  # the loader imports load_chart from here at the first chart

    monkeypatch.setattr(charts, "load_chart", broken)
    result = run_lint(tmp_path)
    assert ("Chart.yaml", "KL900") in _codes(result) and ("bad.yaml", "KR002") in _codes(result)


# --- exit codes -----------------------------------------------------------------------------


def test_an_internal_error_exits_3_with_a_summary_first(cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "bad.yaml").write_text(BAD, encoding="utf-8")

    def broken(*args: object, **kwargs: object) -> object:
        raise KeyError("no\nsuch thing")

    monkeypatch.setattr(engine, "finish", broken)
    result = cli("check", "--no-config", str(tmp_path))
    assert result.exit_code == 3
    lines = result.stderr.splitlines()
    assert lines[0] == "k8slint: internal error: KeyError: 'no\\nsuch thing'"
    assert lines[1] == "Traceback (most recent call last):"


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--no-such-flag"], 2),
        (["--format", "nope"], 2),
        (["--jobs", "0"], 2),
        (["--output", "/nonexistent-folder/x.json"], 2),
        (["/nonexistent-path"], 2),
    ],
)
def test_usage_and_io_errors_exit_2_without_a_traceback(cli, tmp_path: Path, args: list[str], expected: int) -> None:
    (tmp_path / "bad.yaml").write_text(BAD, encoding="utf-8")
    paths = [] if any(a.startswith("/nonexistent-path") for a in args) else [str(tmp_path)]
    result = cli("check", "--no-config", *args, *paths)
    assert result.exit_code == expected, result.output
    assert "Traceback" not in result.output and result.stderr.startswith("k8slint: error: ")


def test_click_file_errors_exit_2(cli, tmp_path: Path) -> None:
    # --schema-location names a folder that must exist: click's own check, exit 2 (not click's 1).
    result = cli("check", "--no-config", "--schema-location", str(tmp_path / "missing"), str(tmp_path))
    assert result.exit_code == 2 and "Traceback" not in result.output


def test_a_closed_pipe_keeps_the_verdict(tmp_path: Path) -> None:
    # `k8slint check | head -1`: the reader stops early; the verdict is still the run's (here 0: warnings only).
    import subprocess
    import sys

    for number in range(200):
        (tmp_path / f"bad{number}.yaml").write_text(BAD, encoding="utf-8")
    script = (
        "import subprocess, sys\n"
        "k = subprocess.Popen([sys.executable, '-c', 'from k8slint.cli import run; run()', 'check', '--no-config', "
        f"'--ignore', 'KR002', '--jobs', '1', {str(tmp_path)!r}], stdout=subprocess.PIPE, stderr=subprocess.PIPE)\n"
        "k.stdout.readline(); k.stdout.close()\n"
        "err = k.stderr.read(); print(k.wait()); sys.stderr.write(err.decode())\n"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, env=env)
    assert done.stdout.strip() == "0", done.stderr
    assert "Traceback" not in done.stderr and "BrokenPipe" not in done.stderr


# --- --output and baseline files are replaced atomically, once the whole report is written -------


@pytest.mark.parametrize("command", ["check", "baseline"])
def test_a_crash_while_rendering_leaves_the_previous_file(cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: str) -> None:
    """The JSON report is written in pieces: a crash after the first leaves the file as it was."""
    (tmp_path / "bad.yaml").write_text(BAD, encoding="utf-8")
    previous = tmp_path / "prev.json"
    previous.write_text('{"previous": true}\n', encoding="utf-8")
    from k8slint.reporters import json as json_reporter

    def broken(finding: object) -> str:
        raise RuntimeError("reporter failed")

    monkeypatch.setattr(json_reporter, "finding_json", broken)  # the findings come after the summary's piece
    if command == "check":
        result = cli("check", "--no-config", "--format", "json", "--output", str(previous), str(tmp_path / "bad.yaml"))
    else:
        result = cli("baseline", str(previous), "--no-config", str(tmp_path / "bad.yaml"))
    assert result.exit_code == 3
    assert result.stderr.startswith("k8slint: internal error: RuntimeError: reporter failed\n")
    assert previous.read_text(encoding="utf-8") == '{"previous": true}\n'
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.yaml", "prev.json"]  # no temporary file left


def test_a_failed_write_leaves_the_previous_file_and_no_temporary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    previous = tmp_path / "prev.json"
    previous.write_text("old\n", encoding="utf-8")

    def full(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", full)
    with pytest.raises(UsageError, match=r"cannot write .*prev\.json: No space left on device"):
        write_report(str(previous), "new")
    assert previous.read_text(encoding="utf-8") == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["prev.json"]


def test_the_report_file_keeps_its_mode_and_a_new_one_follows_the_umask(tmp_path: Path) -> None:
    kept = tmp_path / "kept.json"
    kept.write_text("old\n", encoding="utf-8")
    kept.chmod(0o640)
    write_report(str(kept), "new")
    assert kept.read_text(encoding="utf-8") == "new\n" and stat.S_IMODE(kept.stat().st_mode) == 0o640
    umask = os.umask(0o027)
    try:
        write_report(str(tmp_path / "fresh.json"), "x")
    finally:
        os.umask(umask)
    assert stat.S_IMODE((tmp_path / "fresh.json").stat().st_mode) == 0o640


def test_a_symlink_at_the_output_path_is_replaced_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text("keep\n", encoding="utf-8")
    link = tmp_path / "report.json"
    link.symlink_to(outside)
    write_report(str(link), "report")
    assert outside.read_text(encoding="utf-8") == "keep\n"
    assert not link.is_symlink() and link.read_text(encoding="utf-8") == "report\n"


def test_output_to_a_device_is_written_directly(tmp_path: Path) -> None:
    write_report(os.devnull, "report")  # os.replace would replace the device node itself
    assert stat.S_ISCHR(os.stat(os.devnull).st_mode)
