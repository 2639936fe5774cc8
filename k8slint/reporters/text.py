"""The terminal report: findings grouped by file, with the offending line and a fix hint.

Colours when writing to a terminal; plain text when not, or when NO_COLOR is set
(rich handles both). What comes from the input is escaped by reporters.safe and
handed to rich as plain text, never as markup.
"""

from __future__ import annotations

from itertools import groupby
from typing import TextIO

from rich.console import Console
from rich.text import Text

from k8slint.findings import SNIPPET_LIMIT, Finding, Result, Severity
from k8slint.reporters.safe import FILE_LIMIT, config_shown, no_workflow_commands, printable

_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}


def render_text(result: Result, stream: TextIO, verbose: bool = False) -> None:
    """The report; with ``verbose``, also every file that was set aside and why."""
    console = Console(file=stream, highlight=False, soft_wrap=True, emoji=False)
    with console.capture() as captured:
        for file, group in groupby(result.findings, key=lambda f: f.location.file):
            console.print(Text(_file(file), "bold underline"))
            for finding in group:
                _finding(console, finding)
            console.print()
        if verbose:
            _set_aside(console, result)
        _summary(console, result)
    # The Actions log is parsed for workflow commands (action.yml prints this report).
    stream.write(no_workflow_commands(captured.get(), "\\x23", "\\x3a"))


def _file(name: str) -> str:
    return printable(name, FILE_LIMIT)


def _finding(console: Console, finding: Finding) -> None:
    loc = finding.location
    style = _STYLE[finding.severity]
    console.print(
        Text.assemble(
            "  ",
            (f"{_file(loc.file)}:{loc.line}:{loc.column}", "bold"),
            " ",
            (str(finding.severity), style),
            " ",
            (printable(finding.code), "dim"),
            " ",
            (printable(finding.rule), "bold"),
            ": ",
            printable(finding.message),
        )
    )
    context = []
    if finding.object is not None:
        context.append(printable(finding.object.describe()))
    if finding.path:
        context.append(printable(finding.path))
    if finding.source:
        context.append(f"from template {printable(finding.source)}")
    if len(finding.built_from) > 1:
        context.append("in " + ", ".join(printable(build) for build in finding.built_from))
    if context:
        console.print(Text.assemble("      ", (" · ".join(context), "dim")))
    if finding.snippet is not None and finding.snippet.strip():
        snippet = printable(finding.snippet.rstrip(), SNIPPET_LIMIT, tabs=True)  # rich expands tabs
        console.print(Text.assemble("  ", (f"{loc.line:>5} |", "dim"), " ", snippet))
    for related in finding.related:
        rel = related.location
        note = f"note: {printable(related.message)} at {_file(rel.file)}:{rel.line}:{rel.column}"
        console.print(Text.assemble("      ", (note, "dim")))
    if finding.hint:
        console.print(Text.assemble("      ", ("hint:", "green"), " ", printable(finding.hint)))


def _set_aside(console: Console, result: Result) -> None:
    for file, reason in result.not_kubernetes:
        console.print(Text.assemble(("not Kubernetes: ", "dim"), _file(file), (f" ({printable(reason)})", "dim")))
    for file, reason in result.chart_files:
        console.print(Text.assemble(("in a chart: ", "dim"), _file(file), (f" ({printable(reason)})", "dim")))
    for folder in result.left_out:
        console.print(Text.assemble(("left out: ", "dim"), _file(folder), (" (a testdata, vendor or node_modules folder)", "dim")))
    for folder in result.hidden_folders:
        console.print(Text.assemble(("left out: ", "dim"), _file(folder), (" (a hidden folder; name its files to lint them)", "dim")))
    if result.not_kubernetes or result.chart_files or result.left_out or result.hidden_folders:
        console.print()


def _summary(console: Console, result: Result) -> None:
    counts = {s: result.count(s) for s in Severity}
    aside = f"; {_plural(len(result.not_kubernetes), 'file')} not Kubernetes" if result.not_kubernetes else ""
    if result.left_out:
        aside += f"; {_plural(len(result.left_out), 'testdata, vendor or node_modules folder')} left out"
    where = Text(f" in {_plural(result.files, 'file')} ({_plural(result.objects, 'object')}){aside}; {_config(result)}.")
    if not result.findings:
        console.print(Text.assemble(("No problems found", "green"), where))
    else:
        parts: list[Text | str | tuple[str, str]] = ["Found "]
        for number, severity in enumerate(sorted(Severity, reverse=True)):
            if number:
                parts.append(", ")
            word = str(severity) if severity != Severity.INFO else "info"
            parts.append((_plural(counts[severity], word, severity != Severity.INFO), _STYLE[severity]))
        console.print(Text.assemble(*parts, where))
    for note in result.notes:
        console.print(Text(f"note: {printable(note)}", "dim"))


def _config(result: Result) -> str:
    shown = config_shown(result.config_file)
    return "no config file" if shown is None else f"config: {printable(shown, FILE_LIMIT)}"


def _plural(count: int, word: str, inflect: bool = True) -> str:
    return f"{count} {word}{'s' if inflect and count != 1 else ''}"
