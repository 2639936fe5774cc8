"""`k8slint lsp` end to end: a real LSP client (pygls's) speaking JSON-RPC to the server's stdio."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.lsp.client import LanguageClient
from pygls.uris import from_fs_path

from conftest import ROOT
from k8slint.lsp.positions import character_index, finding_span, split_lines, suppression_edit

WEB = """\
# The web tier, as the team keeps it.
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web   # the front end
spec:
  replicas: 2
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
        - name: web
          image: nginx:1.25.3
          env: [{name: GREETING, value: "🚀 hi"}, {name: GREETING, value: hello}]
          ports:
            - name: http
              containerPort: 8080
          readinessProbe:
            httpGet:
              path: /healthz
              port: htp   # typo of http
"""

SERVICE = """\
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector:
    app: web
  ports:
    - port: 80
      targetPort: htpp
"""

CONFIG = "rules:\n  missing-liveness-probe: off\n"
WATCHED = {"KR015", "KR026", "KN026", "KL007", "KR013"}
"""The rules the test looks at (KL007: unused-suppression; KR013 is off in the config)."""


def apply_edits(text: str, edits: list[types.TextEdit]) -> str:
    """Apply LSP text edits (UTF-16 columns), last first, as an editor does."""
    lines = split_lines(text)
    starts = [0]
    for line in lines[:-1]:
        starts.append(starts[-1] + len(line) + 1)

    def offset(position: types.Position) -> int:
        return starts[position.line] + character_index(lines[position.line], position.character)

    for edit in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        text = text[: offset(edit.range.start)] + edit.new_text + text[offset(edit.range.end) :]
    return text


class Session:
    """The client side: diagnostics as the server publishes them, awaited one at a time."""

    def __init__(self) -> None:
        self.client = LanguageClient("k8slint-test", "1")
        self.inbox: asyncio.Queue[types.PublishDiagnosticsParams] = asyncio.Queue()

        @self.client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def published(params: types.PublishDiagnosticsParams) -> None:
            self.inbox.put_nowait(params)

    async def diagnostics(self, uri: str) -> list[types.Diagnostic]:
        while True:
            params = await asyncio.wait_for(self.inbox.get(), 60)
            if params.uri == uri:
                return params.diagnostics

    async def settles(self, uri: str, codes: set[str]) -> None:
        """Wait until the diagnostics of ``uri`` (of the watched rules) are ``codes`` (a run already under way may publish first)."""
        while set(by_code(await self.diagnostics(uri))) != codes:
            pass


def by_code(diagnostics: list[types.Diagnostic]) -> dict[str, types.Diagnostic]:
    return {str(d.code): d for d in diagnostics if d.code in WATCHED}


def span(diagnostic: types.Diagnostic) -> tuple[int, int, int, int]:
    r = diagnostic.range
    return (r.start.line, r.start.character, r.end.line, r.end.character)


def _workspace(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()  # the repository root: the config search stops here
    (tmp_path / ".k8slint.yaml").write_text(CONFIG, encoding="utf-8")
    (tmp_path / "web.yaml").write_text(WEB, encoding="utf-8")
    (tmp_path / "service.yaml").write_text(SERVICE, encoding="utf-8")
    return tmp_path


async def _session(workspace: Path) -> None:
    session = Session()
    client = session.client
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    await client.start_io(sys.executable, "-m", "k8slint", "lsp", env=env, cwd=str(workspace.parent))
    capabilities = types.ClientCapabilities(
        workspace=types.WorkspaceClientCapabilities(
            did_change_watched_files=types.DidChangeWatchedFilesClientCapabilities(dynamic_registration=False)
        )
    )
    root = from_fs_path(str(workspace))
    reply = await client.initialize_async(types.InitializeParams(capabilities=capabilities, root_uri=root, process_id=os.getpid()))
    assert reply.server_info is not None and reply.server_info.name == "k8slint"
    client.initialized(types.InitializedParams())

    web_uri = from_fs_path(str(workspace / "web.yaml"))
    assert web_uri is not None
    client.text_document_did_open(types.DidOpenTextDocumentParams(types.TextDocumentItem(web_uri, "yaml", 1, WEB)))
    found = by_code(await session.diagnostics(web_uri))
    assert sorted(found) == ["KR015", "KR026"]
    probe = found["KR015"]
    # `port: htp` on line 26 (0-based 25), without the trailing comment
    assert span(probe) == (25, 14, 25, 23)
    assert probe.severity == types.DiagnosticSeverity.Error and probe.source == "k8slint"
    assert probe.code_description is not None
    assert probe.code_description.href == "https://github.com/k8slint/k8slint/blob/main/docs/rules.md#kr015-probe-port-unknown"
    duplicate = found["KR026"]
    # the second `name:` of the flow sequence: after the rocket, which is two UTF-16 units
    line = WEB.splitlines()[18]
    second = line.index("{name: GREETING, value: hello}") + 1
    assert span(duplicate)[:2] == (18, second + 1)
    assert duplicate.related_information is not None
    (first,) = duplicate.related_information
    assert first.message == "first set here" and first.location.uri == web_uri
    assert (first.location.range.start.line, first.location.range.start.character) == (18, line.index("name: GREETING"))

    # hover on the diagnostic: the rule's explanation
    hover = await client.text_document_hover_async(types.HoverParams(types.TextDocumentIdentifier(web_uri), types.Position(25, 16)))
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    assert hover.contents.value.startswith("# KR015 probe-port-unknown") and "## What it does" in hover.contents.value

    # the probe's port has a quick fix (k8slint fix's), besides the suppression
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(types.TextDocumentIdentifier(web_uri), probe.range, types.CodeActionContext(diagnostics=[probe]))
    )
    assert actions is not None
    titles = [a.title for a in actions if isinstance(a, types.CodeAction)]
    assert titles == ["fix: readinessProbe port 'htp' -> 'http', the declared port name it misspells", "suppress probe-port-unknown here"]
    quick = actions[0]
    assert isinstance(quick, types.CodeAction) and quick.edit is not None and quick.edit.changes is not None
    assert apply_edits(WEB, quick.edit.changes[web_uri]) == WEB.replace("port: htp ", "port: http ", 1)

    # an unsaved change fixes the probe's port: the editor's text is linted, not the file
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(version=2, uri=web_uri),
            [types.TextDocumentContentChangePartial(range=types.Range(types.Position(25, 22), types.Position(25, 22)), text="t")],
        )
    )
    text = WEB.replace("port: htp ", "port: http ", 1)
    assert sorted(by_code(await session.diagnostics(web_uri))) == ["KR026"]
    assert (workspace / "web.yaml").read_text(encoding="utf-8") == WEB

    # suppress the duplicate env entry here, apply the returned edit, and the finding is gone
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            types.TextDocumentIdentifier(web_uri),
            duplicate.range,
            types.CodeActionContext(diagnostics=[duplicate]),
        )
    )
    assert actions is not None
    (remove,) = [a for a in actions if isinstance(a, types.CodeAction) and a.title.startswith("fix: removed the earlier GREETING")]
    assert remove.edit is not None and remove.edit.changes is not None
    # the removed entry holds the rocket: the edit's end counts it as two UTF-16 units
    assert apply_edits(text, remove.edit.changes[web_uri]).splitlines()[18] == "          env: [{name: GREETING, value: hello}]"
    (suppress,) = [a for a in actions if isinstance(a, types.CodeAction) and a.title == "suppress duplicate-env here"]
    assert suppress.edit is not None and suppress.edit.changes is not None
    text = apply_edits(text, suppress.edit.changes[web_uri])
    assert text.splitlines()[18] == "          # k8slint: ignore=duplicate-env"
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(version=3, uri=web_uri), [types.TextDocumentContentChangeWholeDocument(text=text)]
        )
    )
    assert by_code(await session.diagnostics(web_uri)) == {}

    # a cross-object finding: the Service names a port no selected pod declares (the open web.yaml is its context)
    service_uri = from_fs_path(str(workspace / "service.yaml"))
    assert service_uri is not None
    client.text_document_did_open(types.DidOpenTextDocumentParams(types.TextDocumentItem(service_uri, "yaml", 1, SERVICE)))
    (target,) = by_code(await session.diagnostics(service_uri)).values()
    assert target.code == "KN026" and span(target) == (9, 6, 9, 22)

    # a manifest appears in the folder on disk (a checkout): the open Service reads it as context
    canary = workspace / "canary.yaml"
    canary.write_text(WEB.replace("name: web   #", "name: web-canary   #").replace("- name: http", "- name: htpp"), encoding="utf-8")
    canary_uri = from_fs_path(str(canary))
    assert canary_uri is not None
    client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams([types.FileEvent(canary_uri, types.FileChangeType.Created)])
    )
    await session.settles(service_uri, set())  # its pods declare htpp
    canary.unlink()
    client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams([types.FileEvent(canary_uri, types.FileChangeType.Deleted)])
    )
    await session.settles(service_uri, {"KN026"})

    # the config changes on disk: it is read again, and the open documents re-linted
    (workspace / ".k8slint.yaml").write_text("rules:\n  target-port-unknown: off\n", encoding="utf-8")
    config_uri = from_fs_path(str(workspace / ".k8slint.yaml"))
    assert config_uri is not None
    client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams([types.FileEvent(config_uri, types.FileChangeType.Changed)])
    )
    await session.settles(service_uri, set())

    # a config k8slint refuses: said on the document, as the command line would say it
    (workspace / ".k8slint.yaml").write_text("rules:\n  no-such-rule: off\n", encoding="utf-8")
    client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams([types.FileEvent(config_uri, types.FileChangeType.Changed)])
    )
    refused = await session.diagnostics(service_uri)
    assert [(d.severity, d.range.start.line) for d in refused] == [(types.DiagnosticSeverity.Error, 0)]
    assert refused[0].message.startswith("k8slint cannot lint this file: ") and "unknown rule 'no-such-rule'" in refused[0].message

    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()


def test_a_session_over_stdio(tmp_path: Path) -> None:
    asyncio.run(_session(_workspace(tmp_path)))


def test_ranges_count_utf16_units_and_stop_before_a_comment() -> None:
    lines = split_lines('a: "😀 x"  # note\n  key: value # c\n')
    assert finding_span(lines, 1, 1) == finding_span(lines, 1, 1)
    assert (finding_span(lines, 1, 1).end_column) == len('a: "😀 x"') + 1
    assert finding_span(lines, 2, 3).start_column == 2 and finding_span(lines, 2, 3).end_column == 12
    # a hash inside quotes is not a comment
    assert finding_span(split_lines("k: 'a #b'"), 1, 1).end_column == 9


def test_suppression_joins_an_existing_comment_above() -> None:
    lines = split_lines("spec:\n  # k8slint: ignore=run-as-root\n  containers: []\n")
    edit = suppression_edit(lines, 3, "missing-limits")
    assert edit is not None and edit.text == ",missing-limits" and edit.span.start_line == 1
    # a Dockerfile's parser directive must stay the first line: no comment goes above it
    assert suppression_edit(split_lines("# syntax=docker/dockerfile:1\nFROM alpine\n"), 1, "dockerfile-syntax") is None


def test_lsp_without_pygls_says_how_to_install_it(tmp_path: Path) -> None:
    # a pygls that cannot be imported, ahead of the real one
    (tmp_path / "pygls").mkdir()
    (tmp_path / "pygls" / "__init__.py").write_text("raise ImportError('no pygls here', name='pygls')\n", encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), str(ROOT)])}
    done = subprocess.run([sys.executable, "-m", "k8slint", "lsp"], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr.strip() == "k8slint: error: k8slint lsp needs pygls: pip install 'k8slint[lsp]'"


def test_version_and_check_do_not_import_pygls(tmp_path: Path) -> None:
    manifest = tmp_path / "a.yaml"
    manifest.write_text(SERVICE, encoding="utf-8")
    code = (
        "import sys\nfrom k8slint.cli import main\n"
        "try:\n    main(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
        "print('pygls' in sys.modules or 'lsprotocol' in sys.modules, file=sys.stderr)"
    )
    env: dict[str, Any] = {**os.environ, "PYTHONPATH": str(ROOT)}
    for args in (["--version"], ["check", "--no-config", str(manifest)]):
        done = subprocess.run([sys.executable, "-c", code, *args], env=env, capture_output=True, text=True, timeout=60)
        assert done.stderr.strip().splitlines()[-1] == "False", done.stderr


def test_the_latency_benchmark_runs(tmp_path: Path) -> None:
    out = tmp_path / "RESULTS.md"
    out.write_text("## Benchmark results\n", encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "benchmarks.lsp", "--changes", "2", "--warm", "1", "--out", str(out)]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    text = out.read_text(encoding="utf-8")
    assert "<!-- lsp:start -->\n### Language server: diagnostics after a change (314-line manifest" in text
    assert "| change to diagnostics, warm, median |" in text
