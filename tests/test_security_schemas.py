"""User-supplied schemas retrieve nothing they should not: no network, no file outside their folder.

Each test plants a secret where an attacker's ``$ref`` (or a crafted kind or
apiVersion) points, and a loopback server where a remote ``$ref`` points, then
checks that nothing was read or requested, that the secret appears in no report
format, and that the refused reference is a KL014 finding at its line.
"""

from __future__ import annotations

import http.server
import json
import os
import shutil
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest

from conftest import run_lint

SECRET = "SECRET-b5f0c2-do-not-print"
FORMATS = ("text", "json", "sarif", "junit", "github")


# ---------------------------------------------------------------------------
# the attacker's targets: a secret file, a loopback HTTP server, a silent server


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    """A JSON file outside every linted tree, holding a value a leaked schema error would quote."""
    folder = tmp_path / "outside"
    folder.mkdir()
    path = folder / "secret.json"
    path.write_text(json.dumps({"x": {"const": SECRET}, "y": {"enum": [SECRET]}}), encoding="utf-8")
    return path


class _Recorder(http.server.BaseHTTPRequestHandler):
    requests: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        type(self).requests.append(self.path)
        body = json.dumps({"const": SECRET}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def http_server() -> Iterator[tuple[str, list[str]]]:
    """An HTTP server on loopback that answers every GET with the secret, and records the request."""
    handler = type("Handler", (_Recorder,), {"requests": []})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", handler.requests
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def silent_server() -> Iterator[tuple[str, list[object]]]:
    """A server on loopback that accepts connections and never answers (what costs 30 s per fetch)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    listener.settimeout(0.2)
    accepted: list[object] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except OSError:
                continue
            accepted.append(connection)  # held open, never answered

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}", accepted
    finally:
        stop.set()
        thread.join()
        for connection in accepted:
            connection.close()  # type: ignore[attr-defined]
        listener.close()


@pytest.fixture
def no_sockets(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Python-level connections fail loudly (and are recorded); the servers above catch the Rust ones."""
    attempts: list[object] = []

    def refuse(*args: Any, **kwargs: Any) -> Any:
        attempts.append(args[1:] or args)
        raise OSError("network access in a test of k8slint")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    return attempts


_OPENED: list[str] | None = None


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if _OPENED is not None and event == "open" and isinstance(args[0], (str, bytes, os.PathLike)):
        _OPENED.append(os.fsdecode(args[0]))


sys.addaudithook(_audit)


@pytest.fixture
def opened() -> Iterator[list[str]]:
    """The files Python opens while the test runs (an audit hook: it sees every open() and os.open())."""
    global _OPENED
    _OPENED = []
    try:
        yield _OPENED
    finally:
        _OPENED = None


def reports(cli: Any, *args: str) -> dict[str, str]:
    """The report in every format, for the same arguments."""
    out = {}
    for name in FORMATS:
        result = cli("check", "--format", name, *args)
        assert result.exit_code in (0, 1), result.output
        out[name] = result.output
    return out


def line_of(path: Path, text: str) -> int:
    return next(n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if text in line)


def kl014(result: Any) -> list[tuple[str, int]]:
    return sorted((Path(f.location.file).name, f.location.line) for f in result.findings if f.code == "KL014")


def no_internal_errors(result: Any) -> None:
    assert not [f for f in result.findings if f.code == "KL900"], [f.message for f in result.findings]


# ---------------------------------------------------------------------------
# item 1: CustomResourceDefinition schemas (compiled by jsonschema-rs)

CRD = """\
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: backups.todo.example.com
spec:
  group: todo.example.com
  scope: Namespaced
  names:
    kind: Backup
    plural: backups
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          $schema: "{url}/meta"
          type: object
          properties:
            spec:
              type: object
              properties:
                local:
                  $ref: "{secret}#/x"
                remote:
                  $ref: "{url}/latest/meta-data"
                retention:
                  type: integer
---
apiVersion: todo.example.com/v1
kind: Backup
metadata:
  name: nightly
spec:
  local: not the secret
  remote: not the secret
  retention: a week
"""


def _crd_case(tmp_path: Path, secret: Path, url: str) -> Path:
    case = tmp_path / "repo"
    case.mkdir()
    path = case / "backup.yaml"
    path.write_text(CRD.format(secret=secret.as_uri(), url=url), encoding="utf-8")
    return path


def test_crd_refs_are_never_retrieved(tmp_path, secret, http_server, no_sockets, opened, cli) -> None:
    url, requests = http_server
    path = _crd_case(tmp_path, secret, url)
    result = run_lint(path)
    no_internal_errors(result)
    assert kl014(result) == [("backup.yaml", line_of(path, '$ref: "file:')), ("backup.yaml", line_of(path, '$ref: "http:'))]
    # the rest of the schema is still applied
    assert [f.location.line for f in result.findings if f.code == "KL010"] == [line_of(path, "retention: a week")]
    for name, text in reports(cli, str(path)).items():
        assert SECRET not in text, name
        if name in ("text", "json", "github"):  # the SARIF and JUnit files list every rule
            assert "KL900" not in text, name
    assert requests == [] and no_sockets == []
    assert str(secret) not in opened


def test_crd_ref_message_is_escaped_and_cut(tmp_path) -> None:
    path = tmp_path / "crd.yaml"
    ref = "http://example.com/\x1b]8;;x\x07" + "a" * 5000
    path.write_text(CRD.replace('"{url}/latest/meta-data"', json.dumps(ref)).format(secret="#", url="https://x"), encoding="utf-8")
    result = run_lint(path)
    messages = [f.message for f in result.findings if f.code == "KL014" and "example.com" in f.message]
    assert len(messages) == 1
    assert "\x1b" not in messages[0] and "\x07" not in messages[0] and "\\u001b" in messages[0]
    assert len(messages[0]) < 400


def test_unresponsive_url_costs_nothing(tmp_path, secret, silent_server, no_sockets) -> None:
    url, accepted = silent_server
    path = _crd_case(tmp_path, secret, url)
    chart = _chart(tmp_path, {"replicaCount": {"$ref": f"{url}/count.json"}})
    start = time.monotonic()
    result = run_lint(path, chart)
    elapsed = time.monotonic() - start
    no_internal_errors(result)
    assert len(kl014(result)) == 3
    assert accepted == [] and no_sockets == []
    assert elapsed < 5, f"{elapsed:.1f} s: a connection was attempted"


def test_crd_schema_is_compiled_once_per_kind(tmp_path, monkeypatch) -> None:
    """Refusing refs must not cost the compile cache: 40 objects of one kind, one compile."""
    import jsonschema_rs

    compiled: list[object] = []
    real = jsonschema_rs.Draft202012Validator

    def counting(*args: Any, **kwargs: Any) -> Any:
        compiled.append(args[0])
        return real(*args, **kwargs)

    monkeypatch.setattr(jsonschema_rs, "Draft202012Validator", counting)
    objects = "".join(
        f"---\napiVersion: todo.example.com/v1\nkind: Backup\nmetadata:\n  name: b{i}\nspec:\n  retention: {i}\n" for i in range(40)
    )
    path = tmp_path / "set.yaml"
    path.write_text(CRD.split("---\n")[0].format(secret="#", url="https://x") + objects, encoding="utf-8")
    result = run_lint(path)
    no_internal_errors(result)
    ours = [s for s in compiled if "retention" in s.get("properties", {}).get("spec", {}).get("properties", {})]
    assert len(ours) == 1


# ---------------------------------------------------------------------------
# item 1: --schema-location folders


def _location_case(tmp_path: Path, schema: dict[str, Any]) -> tuple[Path, Path, Path]:
    repo = tmp_path / "repo"
    folder = repo / "schemas"
    folder.mkdir(parents=True)
    (folder / "backup-todo-v1.json").write_text(json.dumps(schema, indent=1), encoding="utf-8")
    (folder / "backupspec-todo-v1.json").write_text('{"type": "object", "properties": {"retention": {"type": "integer"}}}')
    manifest = repo / "backup.yaml"
    manifest.write_text(
        "apiVersion: todo.example.com/v1\nkind: Backup\nmetadata:\n  name: nightly\n"
        "spec:\n  retention: a week\nlocal: x\nremote: x\nup: x\nlink: x\n",
        encoding="utf-8",
    )
    return repo, folder, manifest


def test_schema_location_refs_stay_inside_the_folders(tmp_path, secret, http_server, no_sockets, opened, cli) -> None:
    url, requests = http_server
    outside = os.path.relpath(secret, tmp_path / "repo" / "schemas")
    schema = {
        "type": "object",
        "properties": {
            "spec": {"$ref": "backupspec-todo-v1.json"},
            "local": {"$ref": f"{secret.as_uri()}#/x"},
            "remote": {"$ref": f"{url}/x.json"},
            "up": {"$ref": f"{outside}#/x"},
            "link": {"$ref": "link.json#/x"},
        },
    }
    _repo, folder, manifest = _location_case(tmp_path, schema)
    (folder / "link.json").symlink_to(secret)
    schema_file = folder / "backup-todo-v1.json"
    result = run_lint(manifest, schema_locations=[str(folder)])
    no_internal_errors(result)
    refs = (secret.as_uri(), f"{url}/x.json", outside, "link.json")
    assert kl014(result) == sorted(("backup-todo-v1.json", line_of(schema_file, ref)) for ref in refs)
    # the allowed relative ref is followed: the spec is still validated
    assert [f.location.line for f in result.findings if f.code == "KL010"] == [line_of(manifest, "retention")]
    for name, text in reports(cli, "--schema-location", str(folder), str(manifest)).items():
        assert SECRET not in text, name
    assert requests == [] and no_sockets == []
    assert str(secret) not in opened


def test_schema_location_nested_refusal_is_reported_in_the_referred_file(tmp_path, secret) -> None:
    _repo, folder, manifest = _location_case(tmp_path, {"type": "object", "properties": {"spec": {"$ref": "backupspec-todo-v1.json"}}})
    spec = folder / "backupspec-todo-v1.json"
    spec.write_text(
        f'{{"type": "object",\n "properties": {{\n  "retention": {{"type": "integer"}},\n  "x": {{"$ref": "{secret.as_uri()}#/x"}}}}}}'
    )
    result = run_lint(manifest, schema_locations=[str(folder)])
    no_internal_errors(result)
    assert kl014(result) == [("backupspec-todo-v1.json", 4)]
    assert [f.location.line for f in result.findings if f.code == "KL010"] == [line_of(manifest, "retention")]


def test_schema_compile_error_quotes_no_content(tmp_path) -> None:
    _repo, folder, manifest = _location_case(tmp_path, {"type": "object", "properties": {"spec": {"pattern": SECRET + "(("}}})
    result = run_lint(manifest, schema_locations=[str(folder)])
    no_internal_errors(result)
    # k8slint's limit, said as a note that the object was not validated, not as the object's error
    messages = [f.message for f in result.findings if f.code == "KL012" and f.severity.name == "INFO"]
    assert len(messages) == 1 and "could not be compiled" in messages[0]
    assert not [f for f in result.findings if f.code == "KL010"]
    assert SECRET not in messages[0]


def test_non_regular_files_in_a_schema_folder_are_never_opened(tmp_path, opened) -> None:
    _repo, folder, manifest = _location_case(tmp_path, {"type": "object", "properties": {"spec": {"$ref": "fifo.json"}}})
    os.mkfifo(folder / "fifo.json")  # an open() of it would hang the run
    (folder / "zero.json").symlink_to("/dev/zero")
    schema = {"type": "object", "properties": {"spec": {"$ref": "fifo.json"}, "local": {"$ref": "zero.json"}}}
    (folder / "backup-todo-v1.json").write_text(json.dumps(schema, indent=1))
    result = run_lint(manifest, schema_locations=[str(folder)])
    no_internal_errors(result)
    assert len(kl014(result)) == 2
    assert not [p for p in opened if p.endswith(("fifo.json", "zero.json")) or p == "/dev/zero"]


# ---------------------------------------------------------------------------
# item 2: a chart's values.schema.json (compiled by jsonschema)


def _chart(tmp_path: Path, properties: dict[str, Any], values: str = "replicaCount: 2\n") -> Path:
    chart = tmp_path / "charts" / "todo"
    (chart / "templates").mkdir(parents=True, exist_ok=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: todo\nversion: 1.0.0\n", encoding="utf-8")
    (chart / "values.yaml").write_text(values, encoding="utf-8")
    (chart / "templates" / "cm.yaml").write_text("data: {{ .Values | toYaml }}\n", encoding="utf-8")
    schema = {"$schema": "http://json-schema.org/draft-07/schema#", "type": "object", "properties": properties}
    (chart / "values.schema.json").write_text(json.dumps(schema, indent=2), encoding="utf-8")
    return chart


@pytest.mark.parametrize("flags", [(), ("--no-schema",)], ids=["default", "no-schema"])
def test_values_schema_refs_stay_inside_the_chart(tmp_path, secret, http_server, no_sockets, opened, cli, flags) -> None:
    url, requests = http_server
    chart = _chart(
        tmp_path,
        {
            "replicaCount": {"$ref": "defs/count.json"},
            "remote": {"$ref": f"{url}/values.json"},
            "local": {"$ref": f"{secret.as_uri()}#/x"},
            "up": {"$ref": "../../outside/secret.json#/x"},
            "zero": {"$ref": "file:///dev/zero"},
        },
        values="replicaCount: 0\nremote: a\nlocal: b\nup: c\nzero: d\n",
    )
    (chart / "defs").mkdir()
    (chart / "defs" / "count.json").write_text('{"type": "integer", "minimum": 1}')
    schema_file = chart / "values.schema.json"
    start = time.monotonic()
    texts = reports(cli, *flags, str(chart))
    assert time.monotonic() - start < 10  # /dev/zero would never end
    assert requests == [] and no_sockets == []
    assert not [p for p in opened if p in (str(secret), "/dev/zero")]
    for name, text in texts.items():
        assert SECRET not in text, name
    findings = json.loads(texts["json"])["findings"]
    refused = sorted(f["line"] for f in findings if f["code"] == "KL014")
    refs = (f"{url}/values.json", secret.as_uri(), "../../outside/secret.json", "file:///dev/zero")
    assert refused == sorted(line_of(schema_file, ref) for ref in refs)
    assert not [f for f in findings if f["code"] == "KL900"]
    # the allowed ref inside the chart is followed
    assert [f["line"] for f in findings if f["code"] == "CH005"] == [1]


def test_values_schema_never_reaches_jsonschema_automatic_retrieval(tmp_path, monkeypatch) -> None:
    """Even a ref the scan cannot see as refused (through $id) stops at k8slint's registry."""
    import urllib.request

    def fetch(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError(f"urlopen called: {args}")

    monkeypatch.setattr(urllib.request, "urlopen", fetch)
    chart = _chart(
        tmp_path,
        {
            "replicaCount": {"$id": "https://attacker.example/", "$ref": "#/definitions/x"},
            "other": {"$ref": "https://attacker.example/y.json"},
        },
    )
    result = run_lint(chart)
    no_internal_errors(result)
    assert len(kl014(result)) == 1


# ---------------------------------------------------------------------------
# item 5: a crafted kind or apiVersion steers no file lookup


@pytest.fixture
def planted() -> Iterator[Path]:
    """A folder in /tmp (lower-case path: a kind is lowercased into the file name) with schemas holding the secret."""
    folder = Path(tempfile.mkdtemp(prefix="k8slint-planted-", dir="/tmp")).resolve()
    assert str(folder) == str(folder).lower()
    schema = json.dumps({"type": "object", "properties": {"spec": {"properties": {"v": {"const": SECRET}}}}})
    for name in ("cfg-v1.json", "cfg-todo-v1.json", "cfg_v1.json"):
        (folder / name).write_text(schema, encoding="utf-8")
    try:
        yield folder
    finally:
        shutil.rmtree(folder)


def test_kind_cannot_steer_the_builtin_schema_lookup(tmp_path, planted, opened, cli) -> None:
    from k8slint.model.schemas import SchemaStore, resolve_version

    store = SchemaStore(resolve_version(None), strict=False)
    kind = os.path.relpath(planted / "CFG", store._folder)
    manifest = tmp_path / "m.yaml"
    manifest.write_text(f"apiVersion: v1\nkind: {kind}\nmetadata:\n  name: x\nspec:\n  v: 1\n", encoding="utf-8")
    for name, text in reports(cli, str(manifest)).items():
        assert SECRET not in text, name
    assert not [p for p in opened if p.startswith(str(planted))]


@pytest.mark.parametrize(
    "api_version, kind",
    [("todo.example.com/v1", "{up}/CFG"), ("{up}/v1", "CFG"), ("todo.example.com/{up}/v1", "CFG")],
    ids=["kind", "group", "nested-group"],
)
def test_kind_and_api_version_cannot_steer_the_schema_location_lookup(tmp_path, planted, opened, cli, api_version, kind) -> None:
    folder = tmp_path / "schemas"
    (folder / "todo.example.com").mkdir(parents=True)  # a group folder of the CRDs catalog layout
    up = os.path.relpath(planted, folder / "todo.example.com" if api_version.count("/") > 1 else folder)
    manifest = tmp_path / "m.yaml"
    manifest.write_text(
        f"apiVersion: {api_version.format(up=up)}\nkind: {kind.format(up=up)}\nmetadata:\n  name: x\nspec:\n  v: 1\n",
        encoding="utf-8",
    )
    for name, text in reports(cli, "--schema-location", str(folder), str(manifest)).items():
        assert SECRET not in text, name
    assert not [p for p in opened if p.startswith(str(planted))]


def test_a_symlink_in_the_schema_folder_to_a_file_outside_is_not_read(tmp_path, planted, opened) -> None:
    folder = tmp_path / "schemas"
    folder.mkdir()
    (folder / "backup-todo-v1.json").symlink_to(planted / "cfg-v1.json")
    manifest = tmp_path / "m.yaml"
    manifest.write_text("apiVersion: todo.example.com/v1\nkind: Backup\nmetadata:\n  name: x\nspec:\n  v: 1\n")
    result = run_lint(manifest, schema_locations=[str(folder)])
    assert SECRET not in "\n".join(f.message for f in result.findings)
    assert [f.code for f in result.findings if f.code.startswith("KL01")] == ["KL012"]
    assert not [p for p in opened if p.startswith(str(planted))]


@pytest.mark.parametrize(
    "api_version, kind, valid",
    [
        ("v1", "ConfigMap", True),
        ("apps/v1", "Deployment", True),
        ("stable.example.com/v1beta2", "CronTab", True),
        ("v1", "../../x/CFG", False),
        ("v1", "Config Map", False),
        ("v1", "", False),
        ("../x/v1", "CFG", False),
        ("Example.com/v1", "CFG", False),
        ("example..com/v1", "CFG", False),
        ("example.com/../v1", "CFG", False),
        ("example.com/V1", "CFG", False),
        ("example.com/v1\n", "CFG", False),
        ("example.com/v1", "C" * 64, False),
    ],
)
def test_type_names_have_the_api_syntax(api_version, kind, valid) -> None:
    from k8slint.model.schemas import valid_type_names

    assert valid_type_names(api_version, kind) is valid


def test_a_served_version_without_a_schema_says_its_crd_gives_none(tmp_path: Path) -> None:
    (tmp_path / "all.yaml").write_text(
        "apiVersion: apiextensions.k8s.io/v1beta1\nkind: CustomResourceDefinition\nmetadata:\n  name: widgets.example.io\n"
        "spec:\n  group: example.io\n  names: {kind: Widget, plural: widgets}\n  scope: Namespaced\n"
        "  versions:\n  - {name: v1, served: true, storage: true}\n"
        "---\napiVersion: example.io/v1\nkind: Widget\nmetadata:\n  name: w\n"
    )
    [finding] = [f for f in run_lint(tmp_path).findings if f.code == "KL012"]
    assert str(finding.severity) == "info"
    assert (
        finding.message
        == "no schema for Widget (example.io/v1): its CustomResourceDefinition in the set gives none for v1, so it was not validated"
    )
