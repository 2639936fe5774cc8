"""The language server: pygls over stdio, the engine's findings as diagnostics.

Each document is linted as ``k8slint check --with-context <file>`` lints it in
its folder (the other manifests of the folder are context; the config is the
one found from the file up to the repository root), with the text of every
open document in place of what is on disk. The config is read again for every
run, so an edit of ``.k8slint.yaml`` applies at the next run; saving it (or a
watched-files notice for it) re-lints every open document, and a notice that a
manifest changed on disk re-lints the open documents of its folder. Runs happen one at
a time on a worker thread, so the editor's requests are answered meanwhile.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import from_fs_path, to_fs_path

from k8slint import __version__
from k8slint.errors import K8slintError
from k8slint.findings import Finding, Severity
from k8slint.lsp.positions import Span, finding_span, offset_position, split_lines, suppression_edit
from k8slint.repository import CONFIG_NAMES

DEBOUNCE_SECONDS = 0.1
"""How long typing must pause before a changed document is linted again."""
SOURCE = "k8slint"
_SEVERITY = {
    Severity.ERROR: types.DiagnosticSeverity.Error,
    Severity.WARNING: types.DiagnosticSeverity.Warning,
    Severity.INFO: types.DiagnosticSeverity.Information,
}


@dataclass(slots=True)
class Linted:
    """A document's last run: its text then, what the run loaded, and (once asked) its checked quick fixes."""

    path: str
    text: str
    overlay: dict[str, str]
    findings: list[Finding]
    result: Any
    settings: Any
    fixes: list[tuple[Finding, Any]] | None = None


@dataclass(frozen=True, slots=True)
class Published:
    """A finding as it was published, with its range (for code actions and hover)."""

    finding: Finding
    span: Span


class K8slintLanguageServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("k8slint", __version__, text_document_sync_kind=types.TextDocumentSyncKind.Incremental)
        self.published: dict[str, list[Published]] = {}
        self.pending: dict[str, asyncio.Task[None]] = {}
        self.runner = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="k8slint-lint")
        self.linted: dict[str, Linted] = {}
        """The last run of each document, for its quick fixes."""

    # what is open
    def open_paths(self) -> dict[str, str]:
        """The text of every open document that is a file, by path: read instead of the disk."""
        texts: dict[str, str] = {}
        for uri, document in self.workspace.text_documents.items():
            path = to_fs_path(uri)
            if path is not None:
                texts[os.path.abspath(path)] = document.source
        return texts

    def text_of(self, path: str, overlay: dict[str, str]) -> str | None:
        if path in overlay:
            return overlay[path]
        try:
            return Path(path).read_text(encoding="utf-8", errors="replace")
        except OSError:
            return None

    # linting
    def lint_now(self, uri: str, overlay: dict[str, str]) -> list[types.Diagnostic]:
        """Lint one document (on the runner thread) with ``overlay`` (a snapshot of the open texts)
        and remember what was published."""
        path = to_fs_path(uri)
        if path is None or not os.path.isfile(path):
            self.published[uri] = []
            return []
        path = os.path.abspath(path)
        try:
            findings, result, settings = lint_file(path, overlay)
        except Exception as exc:  # a config error, or a crash: said on the document rather than lost in a log
            from k8slint.findings import one_line

            self.published[uri] = []
            self.linted.pop(uri, None)
            what = str(exc) if isinstance(exc, K8slintError) else f"internal error: {one_line(exc)}"
            return [
                types.Diagnostic(
                    range=types.Range(types.Position(0, 0), types.Position(0, 0)),
                    message=f"k8slint cannot lint this file: {what}",
                    severity=types.DiagnosticSeverity.Error,
                    source=SOURCE,
                )
            ]
        texts: dict[str, list[str]] = {}

        def lines_of(file: str) -> list[str]:
            if file not in texts:
                texts[file] = split_lines(self.text_of(file, overlay) or "")
            return texts[file]

        published = []
        diagnostics = []
        for finding in findings:
            span = finding_span(lines_of(path), finding.location.line, finding.location.column, yaml=not is_dockerfile(path))
            published.append(Published(finding, span))
            diagnostics.append(to_diagnostic(finding, span, lines_of))
        self.published[uri] = published
        text = overlay.get(path)
        if text is None:
            text = self.text_of(path, overlay) or ""
        self.linted[uri] = Linted(path, text, overlay, findings, result, settings)
        return diagnostics

    def fixes_of(self, uri: str) -> list[tuple[Finding, Any]]:
        """The quick fixes of the document's last run (on the runner thread): each fix that, applied
        alone, brings in no error (as `k8slint fix` checks)."""
        from k8slint.fix import brings_errors, quick_fixes

        linted = self.linted.get(uri)
        if linted is None:
            return []
        if linted.fixes is None:
            checked = []
            for finding, change in quick_fixes(linted.result, linted.settings):
                if os.path.abspath(finding.location.file) != linted.path:
                    continue
                text = linted.text
                for edit in sorted(change.edits, key=lambda e: e.start, reverse=True):
                    text = text[: edit.start] + edit.text + text[edit.end :]
                after, _, _ = lint_file(linted.path, {**linted.overlay, linted.path: text})
                if not brings_errors(linted.findings, after):
                    checked.append((finding, change))
            linted.fixes = checked
        return linted.fixes

    async def lint_and_publish(self, uris: Iterable[str]) -> None:
        loop = asyncio.get_running_loop()
        for uri in uris:
            diagnostics = await loop.run_in_executor(self.runner, self.lint_now, uri, self.open_paths())
            if uri in self.workspace.text_documents:  # closed meanwhile: its diagnostics were cleared
                self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics))

    def schedule(self, uri: str, delay: float, *, neighbours: bool = True) -> None:
        """Lint ``uri`` after ``delay``, then (``neighbours``) the other open documents of its folder, whose context changed."""
        previous = self.pending.pop(uri, None)
        if previous is not None:
            previous.cancel()

        async def run() -> None:
            await asyncio.sleep(delay)
            self.pending.pop(uri, None)
            await self.lint_and_publish([uri, *(self.neighbours(uri) if neighbours else [])])

        self.pending[uri] = asyncio.ensure_future(run())

    def neighbours(self, uri: str) -> list[str]:
        path = to_fs_path(uri)
        if path is None:
            return []
        folder = os.path.dirname(os.path.abspath(path))
        return sorted(
            other
            for other in self.workspace.text_documents
            if other != uri and (p := to_fs_path(other)) is not None and os.path.dirname(os.path.abspath(p)) == folder
        )

    def relint_all(self) -> None:
        for uri in list(self.workspace.text_documents):
            self.schedule(uri, 0, neighbours=False)


def lint_file(path: str, overlay: dict[str, str]) -> tuple[list[Finding], Any, Any]:
    """The findings of ``k8slint check --with-context path`` on ``path``, reading ``overlay`` for
    unsaved texts; with the run's result and settings."""
    from k8slint.config import build_settings, find_config
    from k8slint.engine import lint
    from k8slint.registry import registry

    settings = build_settings(registry(), find_config(Path(path)))
    result = lint([path], settings, with_context=True, overlay=overlay)
    return [f for f in result.findings if os.path.abspath(f.location.file) == path], result, settings


def is_dockerfile(path: str) -> bool:
    from k8slint.sources.dockerfile_names import is_dockerfile_name

    name = os.path.basename(path)
    return not name.endswith((".yaml", ".yml", ".json")) and is_dockerfile_name(name)


def to_diagnostic(finding: Finding, span: Span, lines_of: Callable[[str], list[str]]) -> types.Diagnostic:
    from k8slint.docs import DOCS_PAGE_URL, rule_anchor
    from k8slint.registry import registry

    rule = registry().get(finding.code)
    message = finding.message + (f"\n{finding.hint}" if finding.hint else "")
    related = []
    for item in finding.related:
        file = os.path.abspath(item.location.file)
        other = finding_span(lines_of(file), item.location.line, item.location.column, yaml=not is_dockerfile(file))
        related.append(types.DiagnosticRelatedInformation(types.Location(from_fs_path(file) or file, to_range(other)), item.message))
    return types.Diagnostic(
        range=to_range(span),
        message=message,
        severity=_SEVERITY[finding.severity],
        code=finding.code,
        code_description=types.CodeDescription(href=f"{DOCS_PAGE_URL}#{rule_anchor(rule)}") if rule is not None else None,
        source=SOURCE,
        related_information=related or None,
        data={"rule": finding.rule, "line": finding.location.line, "column": finding.location.column},
    )


def _range_of(text: str, start: int, end: int) -> types.Range:
    return types.Range(types.Position(*offset_position(text, start)), types.Position(*offset_position(text, end)))


def to_range(span: Span) -> types.Range:
    return types.Range(types.Position(span.start_line, span.start_column), types.Position(span.end_line, span.end_column))


def _inside(position: types.Position, span: Span) -> bool:
    start = (span.start_line, span.start_column)
    end = (span.end_line, span.end_column)
    return start <= (position.line, position.character) <= end


def _overlaps(area: types.Range, span: Span) -> bool:
    return (area.start.line, area.start.character) <= (span.end_line, span.end_column) and (span.start_line, span.start_column) <= (
        area.end.line,
        area.end.character,
    )


def create_server() -> K8slintLanguageServer:
    server = K8slintLanguageServer()

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: K8slintLanguageServer, params: types.DidOpenTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri, 0)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: K8slintLanguageServer, params: types.DidChangeTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri, DEBOUNCE_SECONDS)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: K8slintLanguageServer, params: types.DidSaveTextDocumentParams) -> None:
        path = to_fs_path(params.text_document.uri)
        if path is not None and os.path.basename(path) in CONFIG_NAMES:
            ls.relint_all()
        else:
            ls.schedule(params.text_document.uri, 0)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: K8slintLanguageServer, params: types.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        task = ls.pending.pop(uri, None)
        if task is not None:
            task.cancel()
        ls.published.pop(uri, None)
        ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def watched_changed(ls: K8slintLanguageServer, params: types.DidChangeWatchedFilesParams) -> None:
        paths = [os.path.abspath(p) for p in (to_fs_path(change.uri) for change in params.changes) if p is not None]
        if any(os.path.basename(p) in CONFIG_NAMES for p in paths):
            ls.relint_all()
            return
        # a manifest changed on disk (a checkout, another editor): the open documents of its folder read it as context
        folders = {os.path.dirname(p) for p in paths}
        for uri in list(ls.workspace.text_documents):
            path = to_fs_path(uri)
            if path is not None and os.path.dirname(os.path.abspath(path)) in folders and os.path.abspath(path) not in paths:
                ls.schedule(uri, DEBOUNCE_SECONDS, neighbours=False)

    @server.feature(types.INITIALIZED)
    async def initialized(ls: K8slintLanguageServer, params: types.InitializedParams) -> None:
        watched = ls.client_capabilities.workspace and ls.client_capabilities.workspace.did_change_watched_files
        if watched and watched.dynamic_registration:
            patterns = [f"**/{name}" for name in CONFIG_NAMES] + ["**/*.yaml", "**/*.yml", "**/*.json"]
            watchers = [types.FileSystemWatcher(glob_pattern=pattern) for pattern in dict.fromkeys(patterns)]
            registration = types.Registration(
                id="k8slint-config",
                method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                register_options=types.DidChangeWatchedFilesRegistrationOptions(watchers=watchers),
            )
            await ls.client_register_capability_async(types.RegistrationParams(registrations=[registration]))

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    def hover(ls: K8slintLanguageServer, params: types.HoverParams) -> types.Hover | None:
        from k8slint.docs import render_rule_docs
        from k8slint.registry import registry

        hits = [p for p in ls.published.get(params.text_document.uri, []) if _inside(params.position, p.span)]
        if not hits:
            return None
        rules = list(dict.fromkeys(p.finding.code for p in hits))
        text = "\n\n---\n\n".join(render_rule_docs(registry()[code]) for code in rules)
        return types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=text))

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix]),
    )
    async def code_action(ls: K8slintLanguageServer, params: types.CodeActionParams) -> list[types.CodeAction]:
        uri = params.text_document.uri
        document = ls.workspace.get_text_document(uri)
        lines = split_lines(document.source)
        actions: list[types.CodeAction] = []
        linted = ls.linted.get(uri)
        fixes: list[tuple[Finding, Any]] = []
        if linted is not None and linted.text == document.source:  # else the fixes' offsets are stale
            fixes = await asyncio.get_running_loop().run_in_executor(ls.runner, ls.fixes_of, uri)
        for diagnostic in params.context.diagnostics:
            if diagnostic.source != SOURCE or not isinstance(diagnostic.data, dict):
                continue
            rule, line = diagnostic.data.get("rule"), diagnostic.data.get("line")
            if not isinstance(rule, str) or not isinstance(line, int):
                continue
            for finding, change in fixes:
                loc = finding.location
                if finding.code == diagnostic.code and (loc.line, loc.column) == (line, diagnostic.data.get("column")):
                    edits = [types.TextEdit(_range_of(document.source, e.start, e.end), e.text) for e in change.edits]
                    actions.append(
                        types.CodeAction(
                            title=f"fix: {change.title}",
                            kind=types.CodeActionKind.QuickFix,
                            diagnostics=[diagnostic],
                            edit=types.WorkspaceEdit(changes={uri: edits}),
                            is_preferred=True,
                        )
                    )
            edit = suppression_edit(lines, line, rule) if not uri.endswith(".json") else None  # JSON has no comments
            if edit is None:
                continue
            actions.append(
                types.CodeAction(
                    title=f"suppress {rule} here",
                    kind=types.CodeActionKind.QuickFix,
                    diagnostics=[diagnostic],
                    edit=types.WorkspaceEdit(changes={uri: [types.TextEdit(to_range(edit.span), edit.text)]}),
                )
            )
        return actions

    return server


def serve() -> None:
    """Speak LSP on standard input and output until the client says exit."""
    create_server().start_io()
