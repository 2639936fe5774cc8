"""Nothing from the input reaches a report raw, and no report grows with the length of a value.

Hostile object names, label keys and values, image strings, rule options and
file names are rendered in all five formats, by the real command, and each
report is checked as its reader takes it: the GitHub Actions runner (which
parses every log line for workflow commands), a terminal, an XML 1.0 parser,
the SARIF 2.1.0 schema, a JSON parser.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote_to_bytes
from xml.etree import ElementTree as ET

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import ROOT, run_lint, shared_or_skip
from k8slint.engine import Result
from k8slint.findings import ELLIPSIS, Finding, Location, ObjectRef, Related, Severity
from k8slint.reporters.safe import no_workflow_commands, printable, uri_reference, workflow_data, workflow_property

FORMATS = ("text", "json", "sarif", "junit", "github")

HOSTILE = (
    "\n::error file=README.md,line=1::x",
    "\n::add-mask::x",
    "\n::stop-commands::x",
    "\x1b]8;;https://example.com/\x07link\x1b]8;;\x07",  # an OSC 8 hyperlink
    "\x1b]0;x\x07",  # a window title
    "\x1b[2J",  # clear the screen
    "\u202eevil\u2066txt",  # bidi overrides
    "\x01\x08\x0b\x0c\r\x7f\x85\x9b\u2028\u2029",  # other controls (no NUL: YAML refuses it)
    "##[warning]legacy command form",
    "::notice::at the start",
)

HOSTILE_FILES = (
    "\n::error file=README.md,line=1::f.yaml",
    "::warning::starts-a-line.yaml",
    "\u3000::notice::after-white-space.yaml",
    "##[error]legacy.yaml",
    "\x1b]0;title\x07.yaml",
    "\x1b]8;;https:example.com\x07link.yaml",  # an OSC 8 link (no "/" in a file name)
    "\x1b[2J.yaml",
    "\u202egnp.yaml",
    "a b#c?d%41\\e.yaml",
    "é.yaml",
    os.fsdecode(b"\xff-undecodable.yaml"),
)

# The commands the runner knows (its command extensions and stop-commands).
RUNNER_COMMANDS = {
    "add-mask", "add-path", "set-env", "set-output", "save-state", "add-matcher", "remove-matcher",
    "debug", "warning", "error", "notice", "group", "endgroup", "echo", "stop-commands",
}  # fmt: skip

# What the terminal and the CI log must never see raw.
RAW_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ud800-\udfff]")
XML_INVALID = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# An RFC 3986 relative reference that is a path only: pchar and '/', no ':' at all (so no scheme).
URI_REFERENCE = re.compile(r"(?:[A-Za-z0-9\-._~!$&'()*+,;=@/]|%[0-9A-F]{2})*")


def log_lines(text: str) -> list[str]:
    """Lines as the runner reads them (.NET ReadLine: CR, LF or CRLF end a line)."""
    return re.split(r"\r\n|\r|\n", text)


def runner_command(line: str) -> tuple[str, str] | None:
    """The workflow command the GitHub Actions runner takes ``line`` for, as (name, properties),
    or None: ``ActionCommand.TryParseV2`` (``::`` after leading white space), then the legacy
    ``TryParse`` (``##[`` anywhere in the line)."""
    stripped = line.lstrip()  # str.isspace covers every character .NET's TrimStart removes
    if stripped.startswith("::"):
        end = stripped.find("::", 2)
        if end >= 0:
            name, _, properties = stripped[2:end].partition(" ")
            if name in RUNNER_COMMANDS:
                return name, properties
    start = line.find("##[")
    if start >= 0:
        end = line.find("]", start)
        if end >= 0:
            name, _, properties = line[start + 3 : end].partition(" ")
            if name in RUNNER_COMMANDS:
                return name, properties
    return None


def _pod(image: str = "Bad:1") -> str:
    return f"apiVersion: v1\nkind: Pod\nmetadata: {{name: p}}\nspec: {{containers: [{{name: c, image: {json.dumps(image)}}}]}}\n"


def _hostile_tree(root: Path) -> list[str]:
    """Manifests, a Dockerfile and a config full of hostile values; returns the paths to lint."""
    documents = []
    for number, value in enumerate(HOSTILE):
        q = json.dumps(value)  # a YAML double-quoted scalar with the same escapes
        documents.append(
            f"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {q}\n  namespace: {q}\n"
            f"  labels:\n    {q}: {q}\n    app: web{number}\n"
            f"spec:\n  selector: {{matchLabels: {{app: web{number}}}}}\n"
            f"  template:\n    metadata: {{labels: {{app: web{number}}}}}\n    spec:\n      containers:\n"
            f"      - name: {q}\n        image: {q}\n        envFrom: [{{configMapRef: {{name: {q}}}}}]\n"
            f"---\napiVersion: v1\nkind: ConfigMap\nmetadata: {{name: cm{number}}}\ndata: {{{q}: {q}}}\n"
        )
    (root / "hostile.yaml").write_text("---\n".join(documents), encoding="utf-8")
    (root / "Dockerfile").write_text("FROM evil.example/base:1\n", encoding="utf-8")
    config_dir = root / "cfg\n::error file=README.md::config"
    config_dir.mkdir()
    registries = json.dumps(["\n::stop-commands::token", "\x1b]0;x\x07", "##[add-mask]y"])
    (config_dir / ".k8slint.yaml").write_text(f"trusted-registries: {registries}\n", encoding="utf-8")
    paths = ["hostile.yaml", "Dockerfile"]
    for name in HOSTILE_FILES:
        (root / name).write_text(_pod(), encoding="utf-8")
        paths.append(name)
    return paths


@pytest.fixture(scope="module")
def hostile_reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Each format, as `k8slint check` writes it to standard output (decoded strictly as UTF-8)."""
    root = tmp_path_factory.mktemp("hostile")
    paths = _hostile_tree(root)
    config = os.path.join("cfg\n::error file=README.md::config", ".k8slint.yaml")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1"}
    reports = {}
    for output_format in FORMATS:
        done = subprocess.run(
            [sys.executable, "-m", "k8slint", "check", "--config", config, "--format", output_format, "--jobs", "1", *paths],
            cwd=root,
            capture_output=True,
            env=env,
            timeout=120,
        )
        assert done.returncode == 1, done.stderr.decode(errors="replace")
        reports[output_format] = done.stdout.decode("utf-8")  # strict: a lone surrogate would fail here
    reports["root"] = str(root)
    return reports


@pytest.mark.parametrize("output_format", FORMATS)
def test_no_raw_control_character_reaches_the_terminal_or_the_log(hostile_reports: dict[str, str], output_format: str) -> None:
    """Text, GitHub and JUnit escape visibly; JSON and SARIF write \\u escapes (the same strings)."""
    text = hostile_reports[output_format]
    assert RAW_CONTROL.findall(text) == []
    assert ("\\x1b]0;x\\x07" if output_format in ("text", "github", "junit") else "\\u001b]0;x\\u0007") in text


def test_the_text_report_shows_control_characters_as_escapes(hostile_reports: dict[str, str]) -> None:
    text = hostile_reports["text"]
    assert "Deployment \\n::add-mask::x/\\n::add-mask::x" in text  # the object, namespace/name
    assert "\\x1b[2J.yaml:4:" in text and "\\u202egnp.yaml" in text and "\\xff-undecodable.yaml" in text
    assert "\\x01\\x08\\x0b\\x0c\\r\\x7f\\x85\\x9b\\u2028\\u2029" in text
    assert "trusted-registries (\\n::stop-commands::token" in text  # a rule option quoted in a message


@pytest.mark.parametrize("output_format", ["text", "json", "sarif", "junit"])
def test_no_line_of_a_report_is_a_workflow_command(hostile_reports: dict[str, str], output_format: str) -> None:
    """action.yml prints the text report to the Actions log; any report may be printed there."""
    for line in log_lines(hostile_reports[output_format]):
        assert runner_command(line) is None, line
        assert not line.lstrip().startswith("::"), line


def test_github_lines_are_only_the_annotations_k8slint_writes(hostile_reports: dict[str, str]) -> None:
    lines = log_lines(hostile_reports["github"].rstrip("\n"))
    assert len(lines) > 40
    for line in lines:
        command = runner_command(line)
        assert command is not None, line
        name, properties = command
        assert name in ("error", "warning", "notice")
        pairs = [p.split("=", 1) for p in properties.split(",")]
        assert [key for key, _ in pairs] == ["file", "line", "col", "title"], line
        assert all(":" not in value for _, value in pairs)
    files = {line.split(",", 1)[0].removeprefix("::").split("file=", 1)[1] for line in lines}
    assert "\\n%3A%3Aerror file=README.md%2Cline=1%3A%3Af.yaml" in files  # escaped where it was found (display_path)


def test_junit_is_well_formed_xml_1_0(hostile_reports: dict[str, str]) -> None:
    text = hostile_reports["junit"]
    assert XML_INVALID.findall(text) == []
    root = ET.fromstring(text.encode("utf-8"))
    cases = root.findall("testsuite/testcase")
    assert len(cases) == int(root.get("tests")) > 40
    for element in root.iter():
        for value in [element.text or "", *element.attrib.values()]:
            assert XML_INVALID.findall(value) == [] and RAW_CONTROL.findall(value.replace("\n", "")) == []


def test_sarif_is_valid_and_its_uris_are_references_to_the_files(hostile_reports: dict[str, str]) -> None:
    document = json.loads(hostile_reports["sarif"])
    schema = json.loads(shared_or_skip("schemas", "sarif-2.1.0.json").read_text(encoding="utf-8"))
    errors = list(jsonschema.Draft4Validator(schema).iter_errors(document))
    assert errors == [], errors[0].message if errors else ""
    run = document["runs"][0]
    assert run["properties"]["config"] == os.path.join("cfg\n::error file=README.md::config", ".k8slint.yaml")
    uris = set()
    for result in run["results"]:
        for location in [*result["locations"], *result.get("relatedLocations", [])]:
            artifact = location["physicalLocation"]["artifactLocation"]
            assert artifact["uriBaseId"] == "SRCROOT"
            assert URI_REFERENCE.fullmatch(artifact["uri"]), artifact["uri"]
            uris.add(artifact["uri"])
        assert RAW_CONTROL.findall(result["message"]["text"]) == []
    named = {unquote_to_bytes(uri).decode("utf-8", "surrogateescape") for uri in uris}
    assert named == {"hostile.yaml", "Dockerfile", *HOSTILE_FILES}
    assert "a%20b%23c%3Fd%2541%5Ce.yaml" in uris and "%C3%A9.yaml" in uris and "%FF-undecodable.yaml" in uris


def test_json_report_loads_and_names_the_config(hostile_reports: dict[str, str]) -> None:
    report = json.loads(hostile_reports["json"])
    schema = json.loads((ROOT / "schemas" / "report.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema).validate(report)
    assert report["summary"]["config"] == os.path.join("cfg\n::error file=README.md::config", ".k8slint.yaml")
    names = {f["object"]["name"] for f in report["findings"] if f["object"]}
    assert set(HOSTILE) <= names  # data, exact (JSON escapes what it must)
    assert "\\xff-undecodable.yaml" in {f["file"] for f in report["findings"]}


def test_a_lone_surrogate_in_a_json_manifest_does_not_lose_the_report(tmp_path: Path) -> None:
    (tmp_path / "s.json").write_text(
        '{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "x\\ud800"}, '
        '"spec": {"containers": [{"name": "c", "image": "Bad:1\\udfff"}]}}',
        encoding="utf-8",
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for output_format in FORMATS:
        done = subprocess.run(
            [sys.executable, "-m", "k8slint", "check", "--no-config", "--format", output_format, "s.json"],
            cwd=tmp_path, capture_output=True, env=env, timeout=60,
        )  # fmt: skip
        assert done.returncode == 1 and b"Traceback" not in done.stderr, done.stderr.decode(errors="replace")
        text = done.stdout.decode("utf-8")
        assert "x\\ud800" in text or "x\ufffd" in text


def _everything_hostile(value: str) -> Result:
    """A result with ``value`` in every text a finding carries."""
    finding = Finding(
        code="KM003",
        rule="invalid-name",
        severity=Severity.ERROR,
        message=f"name {value} is bad",
        location=Location(f"dir/{value}.yaml", 3, 5),
        path=f"metadata.labels.{value}",
        object=ObjectRef(value, value, value, value),
        hint=f"hint {value}",
        source=f"chart/templates/{value}.yaml",
        related=(Related(Location(f"other {value}.yaml", 1, 1), f"related {value}"),),
        snippet=f"  name: {value}\t# tab",
    )
    return Result([finding], 1, 1, notes=[f"note {value}"], config_file=f"{value}/.k8slint.yaml")


def _render(result: Result, output_format: str) -> str:
    import io

    from k8slint.registry import registry
    from k8slint.reporters.github import render_github
    from k8slint.reporters.json import render_json
    from k8slint.reporters.junit import render_junit
    from k8slint.reporters.sarif import render_sarif
    from k8slint.reporters.text import render_text

    if output_format == "text":
        buffer = io.StringIO()
        render_text(result, buffer)
        return buffer.getvalue()
    if output_format == "sarif":
        return render_sarif(result, registry())
    return {"json": render_json, "junit": render_junit, "github": render_github}[output_format](result)


@pytest.mark.parametrize("value", [*HOSTILE, "\ud800\udcff", "x\\", "[bold]x[/]\\\\\\"], ids=range(len(HOSTILE) + 3))
def test_every_field_of_a_finding_is_escaped_in_every_format(value: str) -> None:
    result = _everything_hostile(value)
    for output_format in FORMATS:
        text = _render(result, output_format)
        text.encode("utf-8")  # no lone surrogate
        for line in log_lines(text):
            command = runner_command(line)
            assert command is None or (output_format == "github" and command[0] == "error" and line.startswith("::error file=")), line
        if output_format in ("text", "github"):
            assert RAW_CONTROL.findall(text) == [], output_format
        if output_format == "junit":
            assert XML_INVALID.findall(text) == []
            ET.fromstring(text.encode("utf-8"))
        if output_format in ("json", "sarif"):
            json.loads(text)
    assert "[bold]" not in value or "[bold]x[/]" in _render(result, "text")  # markup in a value is shown, not applied


# The size of the reports of a Deployment whose values are huge: linear in the findings, not in the values.


def _wide_deployment(name: str, label: str, containers: int = 200) -> str:
    head = (
        f"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\n  labels: {{app: {label}}}\n"
        f"spec:\n  selector: {{matchLabels: {{app: {label}}}}}\n  template:\n    metadata: {{labels: {{app: {label}}}}}\n"
        "    spec:\n      containers:\n"
    )
    return head + "".join(f"      - name: c{i}\n        image: nginx\n" for i in range(containers))


@pytest.mark.parametrize("name, label", [("a" * 100_000, "web"), ("web", "b" * 100_000)], ids=["100 KB name", "100 KB label value"])
def test_report_size_is_linear_in_the_findings(tmp_path: Path, name: str, label: str) -> None:
    """Before clipping, the 100 KB name made a 160 MB text report (1,601 findings each naming the object)."""
    target = tmp_path / "wide.yaml"
    target.write_text(_wide_deployment(name, label), encoding="utf-8")
    result = run_lint(target)
    assert len(result.findings) > 1500
    for output_format in FORMATS:
        size = len(_render(result, output_format).encode("utf-8"))
        assert size < 2_000 * len(result.findings) + 250_000, (output_format, size)
    messages = [f.message for f in result.findings if f.code in ("KM003", "KM005")]
    assert messages and all(len(m) <= 500 and ELLIPSIS in m for m in messages)
    assert all("100000 characters long; at most" in m for m in messages)  # the value is cut, not the explanation


def test_clipping_keeps_fingerprints_and_baselines(tmp_path: Path) -> None:
    """A finding is cut when stamped, but its fingerprint is that of the values as found, so a
    baseline made before still matches; and two objects whose long names differ only at the
    end stay two findings."""
    from collections import Counter

    from k8slint.findings import fingerprint_of
    from k8slint.suppress import apply_baseline

    target = tmp_path / "wide.yaml"
    target.write_text(
        _wide_deployment("a" * 5_000 + "x", "web", 1) + "---\n" + _wide_deployment("a" * 5_000 + "y", "web", 1), encoding="utf-8"
    )
    result = run_lint(target, select=["KM003", "KR010"])
    names = {f.object.name for f in result.findings}
    assert len(names) == 1 and len(next(iter(names))) == 320  # both names cut alike...
    fingerprints = {f.fingerprint for f in result.findings}
    assert len(fingerprints) == len(result.findings) == 4  # ...yet four findings, four fingerprints
    ref = ObjectRef("apps/v1", "Deployment", "a" * 5_000 + "x", "default")
    expected = fingerprint_of("KR010", str(target), ref, "spec.template.spec.containers[0].resources.requests", "")
    assert expected in fingerprints
    assert apply_baseline(result, Counter(fingerprints)) == 4 and result.findings == []


def test_ordinary_findings_are_left_as_they_are() -> None:
    """Nothing to cut: the very finding, with the fingerprint computed as it always was."""
    from conftest import FIXTURES
    from k8slint.findings import fingerprint_of

    findings = run_lint(FIXTURES / "clean", FIXTURES / "rules" / "KR002").findings
    assert findings
    for finding in findings:
        assert finding.clipped() is finding and finding.pinned_fingerprint is None
        assert finding.fingerprint == fingerprint_of(finding.code, finding.location.file, finding.object, finding.path, finding.message)


# Properties of the escaping functions, over any string.

_ANY_TEXT = st.text(st.characters(codec=None, exclude_categories=()), max_size=60)
_PIECES = st.lists(
    st.sampled_from(["::", "##[", ":", "#", "[", "]", "\n", "\r", " ", "\t", "\u3000", "\x1b[1m", "error", "add-mask", "x", "%"]),
    max_size=30,
).map("".join)


@settings(max_examples=300, deadline=None)
@given(_ANY_TEXT | _PIECES)
def test_printable_holds_nothing_raw(text: str) -> None:
    shown = printable(text)
    assert RAW_CONTROL.findall(shown) == [] and XML_INVALID.findall(shown) == []
    shown.encode("utf-8")
    if not RAW_CONTROL.search(text) and "\n" not in text and XML_INVALID.search(text) is None and len(text) <= 500:
        assert shown == text  # ordinary text is left as it is


def _runner_unescape_data(text: str) -> str:
    return text.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")


def _runner_unescape_property(text: str) -> str:
    return text.replace("%0D", "\r").replace("%0A", "\n").replace("%3A", ":").replace("%2C", ",").replace("%25", "%")


@settings(max_examples=300, deadline=None)
@given(_ANY_TEXT | _PIECES)
def test_workflow_escapes_round_trip_through_the_runner(text: str) -> None:
    data, prop = workflow_data(text), workflow_property(text)
    for escaped in (data, prop):
        assert "\n" not in escaped and "\r" not in escaped and RAW_CONTROL.findall(escaped) == []
    assert ":" not in prop and "," not in prop
    visible = re.sub(
        "[\t\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ud800-\udfff\ufffe\uffff]", "", text
    )
    if visible == text:  # nothing needed a visible escape: the runner gets the text back exactly
        assert _runner_unescape_data(data) == text and _runner_unescape_property(prop) == text


@settings(max_examples=300, deadline=None)
@given(_PIECES | _ANY_TEXT)
def test_no_workflow_commands_leaves_no_line_the_runner_takes(text: str) -> None:
    for escapes in (("\\x23", "\\x3a"), ("&#35;", "&#58;")):
        guarded = no_workflow_commands(text, *escapes)
        assert all(runner_command(line) is None for line in log_lines(guarded))
        # The guard also looks past colour codes before "::" (FORCE_COLOR may put them there).
        if "##[" not in text and not any(re.match(r"(?:\s|\x1b\[[0-9;]*m)*::", line) for line in log_lines(text)):
            assert guarded == text


_FILE_NAME_CHARS = st.characters(codec="utf-8") | st.sampled_from([os.fsdecode(bytes([b])) for b in range(0x80, 0x100)])


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.text(_FILE_NAME_CHARS.filter(lambda c: c not in "/\x00"), min_size=1, max_size=12), min_size=1, max_size=4).map("/".join)
)
def test_uri_reference_is_an_rfc3986_reference_to_the_same_bytes(path: str) -> None:
    uri = uri_reference(path)
    assert URI_REFERENCE.fullmatch(uri), uri
    assert unquote_to_bytes(uri) == os.fsencode(path.removeprefix("./"))


# The report names the config in effect.


def _config_tree(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()  # a repository: its config is found from any folder inside it
    (tmp_path / ".k8slint.yaml").write_text("namespace: team\n", encoding="utf-8")
    sub = tmp_path / "k8s"
    sub.mkdir()
    (sub / "pod.yaml").write_text(_pod("nginx:1.27"), encoding="utf-8")
    return sub


@pytest.mark.parametrize(
    "where, args, shown",
    [
        (".", [], ".k8slint.yaml"),
        ("k8s", [], os.path.join("..", ".k8slint.yaml")),  # a parent folder's config says so
        (".", ["--config", ".k8slint.yaml"], ".k8slint.yaml"),
        (".", ["--no-config"], None),
    ],
    ids=["found here", "found above", "given", "none"],
)
def test_the_summary_names_the_config_in_effect(
    cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str, args: list[str], shown: str | None
) -> None:
    sub = _config_tree(tmp_path)
    monkeypatch.chdir(tmp_path / where)
    target = os.path.relpath(sub / "pod.yaml")
    text = cli("check", *args, target).output.rstrip().splitlines()[-1]
    assert text.endswith("; no config file." if shown is None else f"; config: {shown}.")
    report = json.loads(cli("check", "--format", "json", *args, target).output)
    assert report["summary"]["config"] == shown
    sarif = json.loads(cli("check", "--format", "sarif", *args, target).output)
    assert sarif["runs"][0]["properties"]["config"] == shown


def test_a_config_elsewhere_is_named_by_its_full_path(cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "elsewhere").mkdir()
    sub = _config_tree(tmp_path / "elsewhere")
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    config = str(tmp_path / "elsewhere" / ".k8slint.yaml")
    result = cli("check", "--format", "json", "--config", config, str(sub))
    assert json.loads(result.output)["summary"]["config"] == config
