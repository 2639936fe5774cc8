"""The command line: formats, exit codes, config, suppressions, stdin, one-line errors."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from conftest import FIXTURES, ROOT
from k8slint.resources import load_schema

BAD = FIXTURES / "rules" / "KR002" / "fail_requests.yaml"
GOOD = FIXTURES / "clean" / "todo-backend.yaml"
LATEST = FIXTURES / "rules" / "KR006" / "fail_latest.yaml"


def report(cli, *args: str, input: str | None = None) -> tuple[int, dict]:
    result = cli("check", "--format", "json", *args, input=input)
    data = json.loads(result.output)
    jsonschema.validate(data, load_schema("report"))
    return result.exit_code, data


def test_json_report_fields_and_schema(cli) -> None:
    code, data = report(cli, "--select", "request-exceeds-limit", str(BAD))
    assert code == 1
    first = data["findings"][0]
    assert first["code"] == "KR002" and first["rule"] == "request-exceeds-limit"
    assert first["file"] == str(BAD)
    assert first["path"] == "spec.template.spec.initContainers[0].resources.requests.cpu"
    assert first["object"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "backend", "namespace": "todo"}
    assert data["summary"]["files"] == 1 and data["summary"]["by_severity"]["error"] == data["summary"]["findings"]


@pytest.mark.parametrize(
    "args,expected",
    [
        ([str(GOOD)], 0),
        ([str(BAD)], 1),
        ([str(LATEST)], 0),  # warnings only
        ([str(LATEST), "--fail-on", "warning"], 1),
        ([str(GOOD), "--fail-on", "warning"], 0),
        ([str(GOOD), "--fail-on", "info"], 1),  # the clean example still has an info finding (KS004 writable-root-fs)
        ([str(BAD), "--ignore", "KR002"], 0),
        ([str(BAD), "--select", "KR006,KR005"], 0),
    ],
)
def test_exit_codes(cli, args: list[str], expected: int) -> None:
    assert cli("check", "--no-config", *args).exit_code == expected


def test_nonexistent_path_is_a_usage_error(cli, capsys) -> None:
    result = cli("check", "no/such/dir")
    assert result.exit_code == 2
    assert result.output.strip() == "k8slint: error: path does not exist: no/such/dir"


def test_bad_flag_is_one_line_and_exit_2(cli) -> None:
    result = cli("check", "--fail-on", "fatal", str(GOOD))
    assert result.exit_code == 2
    assert len(result.output.strip().splitlines()) == 1
    assert result.output.startswith("k8slint: error:")


@pytest.mark.parametrize(
    "config,message",
    [
        ("rules:\n  no-such-rule: off\n", "rules: unknown rule 'no-such-rule'"),
        ("rules:\n  image-tag-lates: off\n", "did you mean 'image-tag-latest'?"),
        ("excludes: [x]\n", "unknown key 'excludes' (did you mean 'exclude'?)"),
        ("fail-on: fatal\n", "fail-on: 'fatal' is not one of"),
        ("rules:\n  port-out-of-range:\n    options:\n      node-port-range: 5\n", "rules.port-out-of-range"),
        ("rules:\n  KN002:\n    options:\n      nodeport-range: '1-2'\n", "unknown key 'nodeport-range'"),
        ("rules:\n  KN002: maybe\n", "rules.KN002: expected off, on, error, warning, info"),
        ("- a\n", "the config must be a mapping"),
        ("rules: [\n", "invalid YAML"),
    ],
)
def test_config_errors_are_one_line_naming_the_key(cli, tmp_path: Path, config: str, message: str) -> None:
    config_file = tmp_path / "k8slint.yaml"
    config_file.write_text(config)
    result = cli("check", "--config", str(config_file), str(GOOD))
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], lines


def test_missing_config_file_is_exit_2(cli) -> None:
    result = cli("check", "--config", "nope.yaml", str(GOOD))
    assert result.exit_code == 2 and "config file not found" in result.output


def test_config_disables_rules_overrides_severity_and_excludes(cli, tmp_path: Path) -> None:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "bad.yaml").write_text(BAD.read_text())
    (tmp_path / "app" / "latest.yaml").write_text(LATEST.read_text())
    (tmp_path / "vendor").mkdir()
    (tmp_path / "vendor" / "bad.yaml").write_text(BAD.read_text())
    (tmp_path / ".k8slint.yaml").write_text("exclude: [vendor]\nrules:\n  request-exceeds-limit: off\n  KR006: error\n")
    here = os.getcwd()
    os.chdir(tmp_path)
    try:
        code, data = report(cli, ".")
    finally:
        os.chdir(here)
    codes = {f["code"] for f in data["findings"]}
    assert "KR006" in codes and "KR002" not in codes
    assert {f["severity"] for f in data["findings"] if f["code"] == "KR006"} == {"error"}
    assert all(f["file"].startswith("./app/") for f in data["findings"]), data["findings"]
    assert code == 1


def test_pyproject_tool_section_is_read(cli, tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.k8slint]\nfail-on = "error"\nrules = { "request-exceeds-limit" = "off", "KN001" = "off" }\n'
    )
    (tmp_path / "bad.yaml").write_text(BAD.read_text())
    here = os.getcwd()
    os.chdir(tmp_path)
    try:
        code, data = report(cli, "bad.yaml")
    finally:
        os.chdir(here)
    assert code == 0 and "KR002" not in {f["code"] for f in data["findings"]}


def test_stdin_and_helm_source(cli) -> None:
    stream = (
        "---\n# Source: todo/templates/backend.yaml\n"
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n    image: Web:1\n"
    )
    code, data = report(cli, "--select", "invalid-image-name", "-", input=stream)
    (finding,) = data["findings"]
    assert finding["file"] == "<stdin>" and finding["line"] == 9
    assert finding["source"] == "todo/templates/backend.yaml"
    assert code == 1


def test_broken_file_does_not_hide_other_findings(cli, tmp_path: Path) -> None:
    (tmp_path / "a-broken.yaml").write_text("kind: [\n")
    (tmp_path / "b-bad.yaml").write_text(BAD.read_text())
    (tmp_path / "c-binary.yaml").write_bytes(b"\x00\x01")
    _, data = report(cli, str(tmp_path))
    codes = [f["code"] for f in data["findings"]]
    assert codes[0] == "KL001" and "KR002" in codes and codes[-1] == "KL006"


def test_missing_field_objects_still_go_through_rules(cli, tmp_path: Path) -> None:
    (tmp_path / "x.yaml").write_text(
        "apiVersion: v1\nkind: Pod\nmetadata: {labels: {a: b}}\nspec:\n  containers:\n  - name: c\n    image: Web:1\n"
    )
    _, data = report(cli, "--select", "KR005", str(tmp_path))
    by_code = {f["code"]: f for f in data["findings"]}
    assert set(by_code) == {"KL004", "KR005"}
    assert by_code["KR005"]["object"]["name"] is None


def test_suppressions_by_comment_and_annotation(cli, tmp_path: Path) -> None:
    (tmp_path / "x.yaml").write_text(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations:\n    k8slint.io/ignore: 'KR006'\n"
        "spec:\n  containers:\n  - name: c\n    image: web\n"
        "  - name: d\n    # k8slint: ignore=port-out-of-range\n    ports: [{containerPort: 70000}]\n"
        "    image: nginx:1.27 # k8slint: ignore=all\n"
    )
    code, data = report(cli, "--select", "KR005,KR006,KN002,KL007", str(tmp_path))
    assert [(f["code"], f["line"]) for f in data["findings"]] == [("KL007", 14)]
    assert code == 0


def test_output_is_deterministic_whatever_the_argument_order(cli) -> None:
    folder = FIXTURES / "rules"
    paths = sorted(str(p) for p in folder.glob("K*/*.yaml"))
    _, forward = report(cli, *paths)
    _, backward = report(cli, *reversed(paths))
    assert forward["findings"] == backward["findings"]
    keys = [(f["file"], f["line"], f["column"], f["code"]) for f in forward["findings"]]
    assert keys == sorted(keys)


def test_text_report_is_plain_when_not_a_terminal(cli) -> None:
    result = cli("check", "--select", "KR002", str(BAD))
    assert "\x1b[" not in result.output
    assert f"{BAD}:20:15 error KR002 request-exceeds-limit" in result.output
    assert '   20 |               cpu: "1.5"' in result.output
    assert "hint: Lower the request or raise the limit" in result.output
    assert result.output.rstrip().splitlines()[-1].startswith("Found 4 errors, 0 warnings, 0 info in 1 file")


def test_explain_and_unknown_rule(cli) -> None:
    result = cli("explain", "service-selector-no-match")
    assert result.exit_code == 0 and "## Why is this bad?" in result.output
    assert cli("explain", "nope").exit_code == 2


def test_internal_error_in_one_rule_is_reported_and_others_run(cli) -> None:
    from k8slint.registry import Check, registry

    def explode(obj, ctx):
        raise RuntimeError("boom")

    rule = registry()["KR006"]
    original = rule.checks
    object.__setattr__(rule, "checks", (Check(rule.code, explode, "object", None),))
    try:
        _, data = report(cli, str(BAD))
    finally:
        object.__setattr__(rule, "checks", original)
    codes = {f["code"] for f in data["findings"]}
    assert "KL900" in codes and "KR002" in codes
    assert any("KR006 (image-tag-latest) failed on Deployment todo/backend: RuntimeError: boom" in f["message"] for f in data["findings"])


def _imported_after(args: list[str], modules: tuple[str, ...]) -> list[str]:
    """Which of ``modules`` a fresh interpreter has imported once ``k8slint ARGS`` has run."""
    code = (
        f"import sys; sys.argv = ['k8slint', *{args!r}]\n"
        "from k8slint.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        f"print([m for m in {modules!r} if m in sys.modules])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    return ast.literal_eval(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def test_version_does_not_import_heavy_modules() -> None:
    assert _imported_after(["--version"], ("rich", "jsonschema", "k8slint.engine", "k8slint.registry")) == []


def test_check_without_charts_does_not_import_the_chart_machinery() -> None:
    manifest = ROOT / "reference" / "todo-chatbot" / "manifests" / "30-backend.yaml"
    chart_machinery = ("k8slint.model.helmsemver", "k8slint.model.gotemplate", "tarfile", "rich")
    assert _imported_after(["check", "--no-config", "--format", "json", str(manifest)], chart_machinery) == []


def test_python_dash_m(tmp_path: Path) -> None:
    out = subprocess.run([sys.executable, "-m", "k8slint", "--version"], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0 and "k8slint" in out.stdout


def test_the_command_flushes_everything_and_keeps_its_exit_codes(tmp_path: Path) -> None:
    # The command ends without interpreter clean-up (k8slint.cli.run): nothing written may be lost.
    bad = FIXTURES / "rules" / "KR002" / "fail_requests.yaml"
    command = [sys.executable, "-m", "k8slint", "check", "--no-config", "--format", "json"]
    found = subprocess.run([*command, str(bad)], capture_output=True, text=True, cwd=tmp_path)
    assert found.returncode == 1 and json.loads(found.stdout)["findings"]
    report = tmp_path / "report.json"
    written = subprocess.run([*command, "--output", str(report), str(bad)], capture_output=True, text=True, cwd=tmp_path)
    assert written.returncode == 1 and json.loads(report.read_text())["findings"] and "KR002" in written.stdout
    clean = subprocess.run([*command, str(GOOD)], capture_output=True, text=True, cwd=tmp_path)
    assert clean.returncode == 0 and json.loads(clean.stdout)["summary"]
    usage = subprocess.run([*command, "--no-such-flag"], capture_output=True, text=True, cwd=tmp_path)
    assert usage.returncode == 2 and usage.stderr.startswith("k8slint: error: No such option")


def test_unsupported_kubernetes_version_lists_the_supported_ones(cli) -> None:
    result = cli("check", "--kubernetes-version", "1.12", str(GOOD))
    assert result.exit_code == 2
    assert "unsupported Kubernetes version '1.12'; supported: 1.25, 1.26" in result.output


def test_schema_validation_can_be_turned_off(cli, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - {name: c, image: 'nginx:1.27', ports: [{containerPort: '80'}]}\n"
    )
    assert cli("check", str(bad)).exit_code == 1
    assert cli("check", "--no-schema", str(bad)).exit_code == 0
    config = tmp_path / "k8slint.yaml"
    config.write_text("schema: false\n")
    assert cli("check", "--config", str(config), str(bad)).exit_code == 0


def test_schema_messages_name_the_path_and_what_was_expected(cli, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n"
        "  - name: c\n    image: nginx:1.27\n    ports:\n    - containerPort: '80'\n    resource: {}\n"
    )
    _, data = report(cli, "--strict", str(bad))
    by_rule = {f["rule"]: f for f in data["findings"]}
    violation = by_rule["schema-violation"]
    assert violation["message"] == "spec.containers[0].ports[0].containerPort: expected an integer, found the string '80'"
    assert violation["line"] == 9 and violation["path"] == "spec.containers[0].ports[0].containerPort"
    unknown = by_rule["unknown-field"]
    assert unknown["message"] == "unknown field 'resource' in spec.containers[0]; did you mean 'resources'?"
    assert unknown["line"] == 10


def test_strict_reference_is_clean(cli) -> None:
    assert cli("check", "--strict", str(ROOT / "reference" / "todo-chatbot")).exit_code == 0


def test_select_and_ignore_reject_unknown_rules(cli) -> None:
    result = cli("check", "--select", "request-exceeds-limt", str(GOOD))
    assert result.exit_code == 2
    assert result.output.strip() == (
        "k8slint: error: unknown rule 'request-exceeds-limt' (did you mean 'request-exceeds-limit'?); `k8slint rules` lists them"
    )


def test_select_keeps_input_rules(cli, tmp_path: Path) -> None:
    (tmp_path / "broken.yaml").write_text("kind: [\n")
    _, data = report(cli, "--select", "KR002", str(tmp_path))
    assert [f["code"] for f in data["findings"]] == ["KL001"]


def test_init_writes_the_reference_and_refuses_to_overwrite(cli, tmp_path: Path) -> None:
    target = tmp_path / "todo"
    result = cli("init", "todo-chatbot", str(target))
    assert result.exit_code == 0 and (target / ".k8slint.yaml").is_file()
    assert (target / "chart" / "todo-chatbot" / "Chart.yaml").is_file()
    (target / "manifests" / "30-backend.yaml").write_text("edited\n")
    again = cli("init", "todo-chatbot", str(target))
    assert again.exit_code == 2 and "refusing to overwrite" in again.output
    assert (target / "manifests" / "30-backend.yaml").read_text() == "edited\n"
    forced = cli("init", "todo-chatbot", str(target), "--force")
    assert forced.exit_code == 0
    assert "kind: Deployment" in (target / "manifests" / "30-backend.yaml").read_text()
