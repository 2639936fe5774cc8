"""GitHub Actions workflow commands, so findings annotate pull requests."""

from __future__ import annotations

from k8slint.findings import Result
from k8slint.reporters.safe import FILE_LIMIT, workflow_data, workflow_property

_COMMANDS = {"error": "error", "warning": "warning", "info": "notice"}


def render_github(result: Result) -> str:
    lines = []
    for finding in result.findings:
        loc = finding.location
        properties = ",".join(
            (
                f"file={workflow_property(loc.file.removeprefix('./'), FILE_LIMIT)}",
                f"line={loc.line}",
                f"col={loc.column}",
                f"title={workflow_property(f'{finding.code} {finding.rule}')}",
            )
        )
        message = workflow_data(finding.message) + (f" ({workflow_data(finding.hint)})" if finding.hint else "")
        lines.append(f"::{_COMMANDS[str(finding.severity)]} {properties}::{message}")
    return "\n".join(lines)
