"""The terminal report: findings grouped by file, with the offending line and a fix hint.

Colours when writing to a terminal; plain text when not, or when NO_COLOR is set
(rich handles both).
"""

from __future__ import annotations

from itertools import groupby
from typing import TextIO

from rich.console import Console
from rich.markup import escape

from k8slint.engine import Result
from k8slint.findings import Finding, Severity

_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}


def render_text(result: Result, stream: TextIO) -> None:
    console = Console(file=stream, highlight=False, soft_wrap=True, emoji=False)
    for file, group in groupby(result.findings, key=lambda f: f.location.file):
        console.print(f"[bold underline]{escape(file)}[/]")
        for finding in group:
            _finding(console, finding)
        console.print()
    _summary(console, result)


def _finding(console: Console, finding: Finding) -> None:
    loc = finding.location
    style = _STYLE[finding.severity]
    console.print(
        f"  [bold]{escape(loc.file)}:{loc.line}:{loc.column}[/] [{style}]{finding.severity}[/] "
        f"[dim]{finding.code}[/] [bold]{finding.rule}[/]: {escape(finding.message)}"
    )
    context = []
    if finding.object is not None:
        context.append(finding.object.describe())
    if finding.path:
        context.append(finding.path)
    if finding.source:
        context.append(f"from template {finding.source}")
    if context:
        console.print(f"      [dim]{escape(' · '.join(context))}[/]")
    if finding.snippet is not None and finding.snippet.strip():
        console.print(f"  [dim]{loc.line:>5} |[/] {escape(finding.snippet.rstrip())}")
    for related in finding.related:
        rel = related.location
        console.print(f"      [dim]note: {escape(related.message)} at {escape(rel.file)}:{rel.line}:{rel.column}[/]")
    if finding.hint:
        console.print(f"      [green]hint:[/] {escape(finding.hint)}")


def _summary(console: Console, result: Result) -> None:
    counts = {s: result.count(s) for s in Severity}
    if not result.findings:
        console.print(f"[green]No problems found[/] in {_plural(result.files, 'file')} ({_plural(result.objects, 'object')}).")
    else:
        parts = [
            f"[{_STYLE[s]}]{_plural(counts[s], str(s) if s != Severity.INFO else 'info', s != Severity.INFO)}[/]"
            for s in sorted(Severity, reverse=True)
        ]
        console.print(
            f"Found {', '.join(parts)} in {_plural(result.files, 'file')} ({_plural(result.objects, 'object')})."
        )
    for note in result.notes:
        console.print(f"[dim]note: {escape(note)}[/]")


def _plural(count: int, word: str, inflect: bool = True) -> str:
    return f"{count} {word}{'s' if inflect and count != 1 else ''}"
