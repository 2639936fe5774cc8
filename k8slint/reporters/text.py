"""The terminal report: findings grouped by file, with the offending line and a fix hint.

Colours when writing to a terminal (rich draws them); plain text when not, or
when NO_COLOR is set. What comes from the input is escaped by reporters.safe
and handed to rich as plain text, never as markup.

The report is first laid out as lines of styled parts; rich renders them for a
terminal, and where rich would write them unstyled (a pipe, a file, CI) they are
joined here, with the same bytes, so that a run that writes no colour does not
import rich (about 15 ms of a one-file check).
"""

from __future__ import annotations

import builtins
import os
import re
from collections.abc import Iterator
from itertools import groupby
from typing import TextIO

from k8slint.findings import SNIPPET_LIMIT, Finding, Result, Severity
from k8slint.reporters.safe import FILE_LIMIT, config_shown, no_workflow_commands, printable

_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}

Part = str | tuple[str, str]
"""Text, or text and its rich style."""
Line = tuple[tuple[Part, ...], str]
"""The parts of a line and the style of the whole line ("": none); no parts: an empty line."""

_RICH_REWRITES = re.compile("[\t\x07\x08\x0b\x0c\r]")
"""What rich changes in plain text: it expands tabs (by cell width) and drops these control codes."""


FINDINGS_PER_PIECE = 256
"""Findings laid out and written at once where the report is plain text (render_text)."""


def render_text(result: Result, stream: TextIO, verbose: bool = False) -> None:
    """The report; with ``verbose``, also every file that was set aside and why.

    Where no colour can be written (a pipe, a file, CI), the report is laid out and written a few
    hundred findings at a time, so that a report of many findings is never held whole; rich renders
    a piece only where it would change a character, and writes it unstyled, as the plain join would.
    """
    # The Actions log is parsed for workflow commands (action.yml prints this report).
    if _colour_possible(stream):
        stream.write(no_workflow_commands(_styled(_report(result, verbose), stream), "\\x23", "\\x3a"))
        return
    for lines in _pieces(result, verbose):
        plain = _joined(lines)
        text = plain if plain is not None else _styled(lines, stream)
        stream.write(no_workflow_commands(text, "\\x23", "\\x3a"))


def _colour_possible(stream: TextIO) -> bool:
    """Whether rich could write styles to ``stream``: a terminal, or whatever the environment
    variables rich reads say (FORCE_COLOR, TTY_COMPATIBLE, TTY_INTERACTIVE), or a notebook
    (rich's ``_is_jupyter`` looks for ``get_ipython``). Everything else rich writes unstyled."""
    if any(name in os.environ for name in ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE")):
        return True
    if hasattr(builtins, "get_ipython"):
        return True
    isatty = getattr(stream, "isatty", None)
    try:
        return isatty is not None and bool(isatty())
    except ValueError:  # a closed stream, which rich takes for no terminal
        return False


def _joined(lines: list[Line]) -> str | None:
    """The report as rich writes it unstyled (soft wrap: no line is cut or padded); None when rich would
    change a character (a tab in a source line), and so must render it."""
    text = "".join("".join(part if isinstance(part, str) else part[0] for part in parts) + "\n" for parts, _ in lines)
    return None if _RICH_REWRITES.search(text) else text


def _styled(lines: list[Line], stream: TextIO) -> str:
    from rich.console import Console
    from rich.text import Text

    console = Console(file=stream, highlight=False, soft_wrap=True, emoji=False)
    with console.capture() as captured:
        for parts, style in lines:
            if parts:
                console.print(Text.assemble(*parts, style=style))
            else:
                console.print()
    return captured.get()


def _report(result: Result, verbose: bool) -> list[Line]:
    return [line for lines in _pieces(result, verbose) for line in lines]


def _pieces(result: Result, verbose: bool) -> Iterator[list[Line]]:
    """The report's lines, a few hundred findings at a time: each piece starts at a line's start."""
    lines: list[Line] = []
    laid_out = 0
    for file, group in groupby(result.findings, key=lambda f: f.location.file):
        lines.append(((_file(file),), "bold underline"))
        for finding in group:
            lines.extend(_finding(finding))
            laid_out += 1
            if laid_out % FINDINGS_PER_PIECE == 0:
                yield lines
                lines = []
        lines.append(((), ""))
    if verbose:
        lines.extend(_set_aside(result))
    lines.extend(_summary(result))
    yield lines


def _file(name: str) -> str:
    return printable(name, FILE_LIMIT)


def _finding(finding: Finding) -> list[Line]:
    loc = finding.location
    style = _STYLE[finding.severity]
    lines: list[Line] = [
        (
            (
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
            ),
            "",
        )
    ]
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
        lines.append((("      ", (" · ".join(context), "dim")), ""))
    if finding.snippet is not None and finding.snippet.strip():
        snippet = printable(finding.snippet.rstrip(), SNIPPET_LIMIT, tabs=True)  # rich expands tabs
        lines.append((("  ", (f"{loc.line:>5} |", "dim"), " ", snippet), ""))
    for related in finding.related:
        rel = related.location
        note = f"note: {printable(related.message)} at {_file(rel.file)}:{rel.line}:{rel.column}"
        lines.append((("      ", (note, "dim")), ""))
    if finding.hint:
        lines.append((("      ", ("hint:", "green"), " ", printable(finding.hint)), ""))
    return lines


def _set_aside(result: Result) -> list[Line]:
    lines: list[Line] = []
    for file, reason in result.not_kubernetes:
        lines.append(((("not Kubernetes: ", "dim"), _file(file), (f" ({printable(reason)})", "dim")), ""))
    for file, reason in result.chart_files:
        lines.append(((("in a chart: ", "dim"), _file(file), (f" ({printable(reason)})", "dim")), ""))
    for folder in result.left_out:
        lines.append(((("left out: ", "dim"), _file(folder), (" (a test-data, vendor or node_modules folder)", "dim")), ""))
    for folder in result.hidden_folders:
        lines.append(((("left out: ", "dim"), _file(folder), (" (a hidden folder; name its files to lint them)", "dim")), ""))
    if lines:
        lines.append(((), ""))
    return lines


def _summary(result: Result) -> list[Line]:
    counts = {s: result.count(s) for s in Severity}
    aside = f"; {_plural(len(result.not_kubernetes), 'file')} not Kubernetes" if result.not_kubernetes else ""
    if result.left_out:
        aside += f"; {_plural(len(result.left_out), 'test-data, vendor or node_modules folder')} left out"
    where = f" in {_plural(result.files, 'file')} ({_plural(result.objects, 'object')}){aside}; {_config(result)}."
    lines: list[Line] = []
    if not result.findings:
        lines.append(((("No problems found", "green"), where), ""))
    else:
        parts: list[Part] = ["Found "]
        for number, severity in enumerate(sorted(Severity, reverse=True)):
            if number:
                parts.append(", ")
            word = str(severity) if severity != Severity.INFO else "info"
            parts.append((_plural(counts[severity], word, severity != Severity.INFO), _STYLE[severity]))
        lines.append(((*parts, where), ""))
    for note in result.notes:
        lines.append(((f"note: {printable(note)}",), "dim"))
    return lines


def _config(result: Result) -> str:
    shown = config_shown(result.config_file)
    return "no config file" if shown is None else f"config: {printable(shown, FILE_LIMIT)}"


def _plural(count: int, word: str, inflect: bool = True) -> str:
    return f"{count} {word}{'s' if inflect and count != 1 else ''}"
