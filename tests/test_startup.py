"""Start-up: what a one-file check imports and reads, and that the shortcuts taken for it change nothing.

A pre-commit hook or an editor pays k8slint's start-up on every call. These
tests hold the work that was taken off it (no wall-clock threshold, which a
shared machine would make flaky): the modules a one-file check must not import,
the compiled rule definitions (fresh, and equal to the YAML they come from),
the text report written without rich (byte for byte what rich writes), and a
valid config told by jsonschema-rs (with the verdict jsonschema gives).
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import FIXTURES, ROOT, run_lint
from k8slint import registry as registry_module
from k8slint.findings import Finding, Location, Result, Severity
from k8slint.registry import COMPILED_NAME, compiled_text, parse_definitions, write_compiled
from k8slint.reporters import text as text_report
from k8slint.resources import data_dir

MANIFEST = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: nginx:latest
          ports:
            - containerPort: 8080
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: {app: web}
  ports:
    - port: 80
      targetPort: 8081
"""

NOT_FOR_ONE_MANIFEST = (
    "rich",
    "k8slint.sources.helmrender",
    "k8slint.sources.kustomize_build",
    "k8slint.sources.engines",
    "k8slint.reporters.html",
    "k8slint.reporters.sarif",
    "k8slint.reporters.graph",
    "importlib.resources",
    "k8slint.model.dockerfile",
    "k8slint.sources.dockerfiles",
    "k8slint.sources.charts",
    "k8slint.sources.helmtemplates",
    "k8slint.checks.dockerfile_rules",
    "k8slint.checks.chart_values",
    "k8slint.sources.kustomize",
)
"""Modules a check of one plain manifest, reported as text to a pipe, has no use for."""

_MODULES_AFTER = """\
import sys
from k8slint.cli import main
try:
    main(sys.argv[1:])
except SystemExit as exit:
    code = exit.code
print("\\n".join(sorted(sys.modules)), file=sys.stderr)
sys.exit(code)
"""


def modules_after_check(cwd: Path, *args: str, env: dict[str, str] | None = None) -> tuple[set[str], str]:
    """The modules loaded once ``k8slint check ARGS`` has run in a fresh interpreter (its output a pipe), and its output."""
    environment = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    for name in ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE"):
        if env is None or name not in env:
            environment.pop(name, None)
    done = subprocess.run(
        [sys.executable, "-c", _MODULES_AFTER, "check", "--no-config", *args],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode in (0, 1), done.stderr
    return set(done.stderr.split()), done.stdout


def test_a_one_manifest_check_imports_neither_rich_nor_charts_nor_kustomize_builds(tmp_path: Path) -> None:
    (tmp_path / "app.yaml").write_text(MANIFEST, encoding="utf-8")
    loaded, output = modules_after_check(tmp_path, "app.yaml")
    assert "app.yaml:28:7 info KN026 target-port-unknown" in output, output  # it did lint, cross-object rules too
    assert "k8slint.checks.probes" in loaded  # the checks ran
    assert sorted(name for name in loaded for unwanted in NOT_FOR_ONE_MANIFEST if name == unwanted or name.startswith(unwanted + ".")) == []


def test_what_the_inputs_need_is_still_imported(tmp_path: Path) -> None:
    """The other side of the test above: a chart brings its renderer's module, a kustomization the kustomization
    reader, a terminal (FORCE_COLOR) rich."""
    chart = tmp_path / "chart"
    shutil.copytree(ROOT / "reference" / "todo-chatbot" / "chart" / "todo-chatbot", chart)
    loaded, _ = modules_after_check(tmp_path, "chart")
    assert "k8slint.sources.helmrender" in loaded
    overlay = tmp_path / "overlay"
    overlay.mkdir()
    (overlay / "app.yaml").write_text(MANIFEST, encoding="utf-8")
    (overlay / "kustomization.yaml").write_text("resources: [app.yaml]\ncommonLabels: {team: web}\n", encoding="utf-8")
    loaded, output = modules_after_check(tmp_path, "overlay/app.yaml")  # named alone, as pre-commit names it
    assert "k8slint.sources.kustomize" in loaded
    assert "1 kustomize root linted without building" in output, output
    (tmp_path / "app.yaml").write_text(MANIFEST, encoding="utf-8")
    loaded, output = modules_after_check(tmp_path, "app.yaml", env={"FORCE_COLOR": "1"})
    assert "rich.console" in loaded
    assert "\x1b[" in output


def test_version_and_help_import_nothing_of_the_linter() -> None:
    for args in (["--version"], ["--help"]):
        done = subprocess.run(
            [sys.executable, "-c", _MODULES_AFTER, *args],
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            capture_output=True,
            text=True,
            timeout=60,
        )
        loaded = set(done.stderr.split())
        assert "click" in loaded
        assert loaded & {"k8slint.findings", "k8slint.rulecodes", "k8slint.registry", "k8slint.config", "yaml", "hashlib"} == set()


# The compiled rule definitions


def test_the_compiled_rule_definitions_are_fresh() -> None:
    folder = data_dir("rules")
    assert (folder / COMPILED_NAME).read_text(encoding="utf-8") == compiled_text(sorted(folder.glob("*.yaml"))), (
        f"rules/{COMPILED_NAME} is stale: run `python -m k8slint.docs .`"
    )


def test_the_compiled_definitions_are_the_yaml_ones() -> None:
    """JSON holds what the YAML files say, no value changed on the way (a date, a key that is a number)."""
    folder = data_dir("rules")
    compiled = json.loads((folder / COMPILED_NAME).read_text(encoding="utf-8"))["rules"]
    assert compiled == parse_definitions(sorted(folder.glob("*.yaml")))
    assert registry_module._load_definitions() == compiled


def _rules_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "rules"
    shutil.copytree(data_dir("rules"), folder)
    monkeypatch.setattr(registry_module, "data_dir", lambda name: folder)
    return folder


def test_the_compiled_file_is_what_a_start_reads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = _rules_copy(tmp_path, monkeypatch)
    compiled = json.loads((folder / COMPILED_NAME).read_text(encoding="utf-8"))
    compiled["rules"][0]["summary"] = "read from the compiled file"
    (folder / COMPILED_NAME).write_text(json.dumps(compiled), encoding="utf-8")
    assert registry_module._load_definitions()[0]["summary"] == "read from the compiled file"


def test_a_definition_edited_since_it_was_compiled_is_read_from_its_yaml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = _rules_copy(tmp_path, monkeypatch)
    path = folder / "KR001-missing-resources.yaml"
    if not path.exists():
        path = sorted(folder.glob("KR*.yaml"))[0]
    text = path.read_text(encoding="utf-8")
    code = parse_definitions([path])[0]["code"]
    path.write_text(text.replace("\nsummary: ", "\nsummary: Edited. ", 1), encoding="utf-8")
    summaries = {d["code"]: d["summary"] for d in registry_module._load_definitions()}
    assert summaries[code].startswith("Edited. ")
    (folder / COMPILED_NAME).unlink()  # no compiled file at all (a checkout that never ran the generator)
    assert {d["code"]: d["summary"] for d in registry_module._load_definitions()}[code].startswith("Edited. ")


def test_the_registry_refuses_a_compiled_rule_without_its_severity_reason(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = _rules_copy(tmp_path, monkeypatch)
    path = sorted(folder.glob("KS*.yaml"))[0]
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if line.startswith("severity-reason:"))
    end = next(i for i in range(start + 1, len(lines)) if not lines[i].startswith(" "))
    path.write_text("".join(lines[:start] + lines[end:]), encoding="utf-8")
    write_compiled(folder)
    with pytest.raises(RuntimeError, match="has no severity-reason"):
        registry_module.registry.__wrapped__()


def test_the_check_modules_are_those_pkgutil_lists() -> None:
    import pkgutil

    import k8slint.checks

    listed = [f"k8slint.checks.{m.name}" for m in pkgutil.iter_modules(k8slint.checks.__path__)]
    assert registry_module.check_modules() == listed
    assert len(listed) > 30


# The text report without rich


def _both_ways(result: Result, verbose: bool = False) -> tuple[str | None, str]:
    """The report joined without rich (None: where it leaves it to rich), and as rich writes it to a pipe."""
    lines = text_report._report(result, verbose)
    return text_report._joined(lines), text_report._styled(lines, io.StringIO())


@pytest.mark.parametrize(
    "folder",
    [ROOT / "reference", FIXTURES / "kustomize", FIXTURES / "rules" / "KN001", FIXTURES / "rules" / "DF001", FIXTURES / "apprepo"],
    ids=lambda p: p.name,
)
def test_the_plain_report_is_what_rich_writes(folder: Path) -> None:
    result = run_lint(folder)
    for verbose in (False, True):
        plain, styled = _both_ways(result, verbose)
        assert plain == styled
    assert plain.count("\n") > 1  # findings, notes or files set aside (--verbose), not the summary alone


_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=120)


@settings(max_examples=150, deadline=None)
@given(message=_TEXT, file=_TEXT, snippet=_TEXT, hint=_TEXT, note=_TEXT)
def test_the_plain_report_is_what_rich_writes_for_any_text(message: str, file: str, snippet: str, hint: str, note: str) -> None:
    """Wide and combining characters, emoji, controls, tabs, lines longer than any terminal: the same bytes."""
    finding = Finding("KN001", "some-rule", Severity.WARNING, message, Location(file or "f.yaml", 3, 7), hint=hint, snippet=snippet)
    result = Result([finding], 1, 1, [note])
    plain, styled = _both_ways(result)
    assert plain is None or plain == styled
    stream = io.StringIO()
    text_report.render_text(result, stream)
    assert stream.getvalue() == text_report.no_workflow_commands(styled, "\\x23", "\\x3a")


def test_a_tab_in_a_source_line_is_left_to_rich() -> None:
    """rich expands a tab to the next multiple of 8 cells, counting wide characters as two."""
    finding = Finding("DF001", "some-rule", Severity.ERROR, "m", Location("Dockerfile", 2, 1), snippet="全\tRUN x")
    plain, styled = _both_ways(Result([finding], 1, 0, []))
    assert plain is None
    assert "      2 | 全    RUN x\n" in styled  # to cell 16; str.expandtabs, counting characters, would put 5 spaces


def test_the_text_report_in_pieces_is_the_whole_report(monkeypatch: pytest.MonkeyPatch) -> None:
    """Where no colour is written, the report is laid out a few findings at a time: the same bytes as
    rich writes the whole, where some pieces hold a tab (left to rich) and the rest do not."""
    findings = [
        Finding(
            "DF001",
            "some-rule",
            Severity.WARNING,
            f"m{n} ::x ##[y",
            Location(f"f{n // 5}.yaml", n, 1),
            snippet="\tRUN x" if n % 7 == 0 else "RUN x",
            hint="h",
        )
        for n in range(1, 40)
    ]
    result = Result(findings, 8, 0, ["a note"])
    monkeypatch.setattr(text_report, "FINDINGS_PER_PIECE", 3)
    whole = text_report.no_workflow_commands(text_report._styled(text_report._report(result, True), io.StringIO()), "\\x23", "\\x3a")
    assert len(list(text_report._pieces(result, True))) == 14
    stream = io.StringIO()
    text_report.render_text(result, stream, verbose=True)
    assert stream.getvalue() == whole
    assert whole.count("f7.yaml\n") == 1  # a file split between pieces is headed once


# Config validation without the pure-Python jsonschema

_CONFIGS = sorted(p for p in ROOT.rglob(".k8slint.yaml") if ".git" not in p.parts)


def _python_verdict(data: dict[str, object]) -> bool:
    import jsonschema

    from k8slint.config import config_schema
    from k8slint.registry import registry

    validator = jsonschema.Draft202012Validator(config_schema(registry()))
    return jsonschema.exceptions.best_match(validator.iter_errors(data)) is None


def _rust_verdict(data: dict[str, object]) -> bool:
    from k8slint.config import _valid, config_schema
    from k8slint.registry import registry

    return _valid(config_schema(registry()), data)


def test_a_valid_config_is_validated_without_importing_jsonschema(tmp_path: Path) -> None:
    (tmp_path / "app.yaml").write_text(MANIFEST, encoding="utf-8")
    (tmp_path / ".k8slint.yaml").write_text("rules:\n  image-tag-latest: warning\nnamespace: shop\n", encoding="utf-8")
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", _MODULES_AFTER, "check", "app.yaml"], cwd=tmp_path, env=environment, capture_output=True, text=True
    )
    assert "config: .k8slint.yaml" in done.stdout
    assert "jsonschema" not in done.stderr.split()
    (tmp_path / ".k8slint.yaml").write_text("rules:\n  image-tag-latest: loud\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-c", _MODULES_AFTER, "check", "app.yaml"], cwd=tmp_path, env=environment, capture_output=True, text=True
    )
    assert done.returncode == 2
    assert "rules.image-tag-latest: expected off, on, error, warning, info, or a mapping" in done.stderr


@pytest.mark.parametrize("path", _CONFIGS, ids=lambda p: str(p.parent.relative_to(ROOT)))
def test_the_repository_configs_get_the_same_verdict(path: Path) -> None:
    import yaml

    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    assert _rust_verdict(data) == _python_verdict(data)


def _containers(children: st.SearchStrategy[object]) -> st.SearchStrategy[object]:
    return st.one_of(st.lists(children, max_size=3), st.dictionaries(st.text(max_size=10), children, max_size=3))


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**40), 2**40) | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=12),
    _containers,
    max_leaves=8,
)
_KEYS = st.sampled_from(
    ["namespace", "fail-on", "exclude", "kubernetes-version", "strict", "rules", "images", "render", "helm", "max-file-size"]
)
_RULE_TOKENS = st.sampled_from(["image-tag-latest", "KR010", "missing-requests", "port-out-of-range", "health-endpoint", "KS001"])
_SETTING = st.sampled_from(["off", "on", "error", "warning", "info", "loud"]) | st.fixed_dictionaries(
    {},
    optional={
        "enabled": _JSON,
        "severity": _JSON,
        "options": st.dictionaries(st.sampled_from(["resources", "endpoints", "node-port-range", "x"]), _JSON),
    },
)


@settings(max_examples=300, deadline=None)
@given(
    top=st.dictionaries(_KEYS, _JSON | st.sampled_from(["1.30", "v1.29", "1.30\n", "warning", "error", "0", "x"]), max_size=3),
    rules=st.dictionaries(_RULE_TOKENS, _SETTING, max_size=3),
)
def test_jsonschema_rs_and_jsonschema_agree_on_configs(top: dict[str, object], rules: dict[str, object]) -> None:
    """A config jsonschema-rs accepts, jsonschema accepts too (else an invalid config would pass); and the
    other way round (else every valid config would still pay for jsonschema), but for a pattern's ``$``
    before a final newline, which Python's regular expressions match and the Rust ones do not."""
    data: dict[str, object] = {**top, "rules": rules} if rules else dict(top)
    rust, python = _rust_verdict(data), _python_verdict(data)
    if rust:
        assert python
    elif python:
        assert any(text.endswith("\n") for text in _strings(data)), data


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for key, item in value.items() for text in (*_strings(key), *_strings(item))]
    if isinstance(value, list):
        return [text for item in value for text in _strings(item)]
    return []


def test_the_start_up_benchmark_runs() -> None:
    from benchmarks.startup import measure, table

    rows = measure(ROOT, ROOT, runs=1)
    assert [row[0] for row in rows][:3] == ["python -c pass", "k8slint --version", "k8slint check (one small file)"]
    assert all(
        before > 0 and after > 0 and memory_before > 5 and memory_after > 5 for _, before, after, memory_before, memory_after in rows
    )
    assert table(rows, 1).count("\n") == len(rows) + 1
