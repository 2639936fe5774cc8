"""GitHub Actions workflow commands, so findings annotate pull requests."""

from __future__ import annotations

from k8slint.engine import Result

_COMMANDS = {"error": "error", "warning": "warning", "info": "notice"}


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render_github(result: Result) -> str:
    lines = []
    for finding in result.findings:
        loc = finding.location
        properties = ",".join(
            (
                f"file={_escape_property(loc.file.removeprefix('./'))}",
                f"line={loc.line}",
                f"col={loc.column}",
                f"title={_escape_property(f'{finding.code} {finding.rule}')}",
            )
        )
        message = finding.message + (f" ({finding.hint})" if finding.hint else "")
        lines.append(f"::{_COMMANDS[str(finding.severity)]} {properties}::{_escape_data(message)}")
    return "\n".join(lines)
