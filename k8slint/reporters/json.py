"""The JSON report; its format is described by schemas/report.schema.json."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from k8slint.findings import MESSAGE_LIMIT, Finding, Result, Severity, clip
from k8slint.reporters import jsontext
from k8slint.reporters.safe import config_shown

REPORT_VERSION = 1


def finding_json(finding: Finding) -> dict[str, Any]:
    loc = finding.location
    return {
        "code": finding.code,
        "rule": finding.rule,
        "severity": str(finding.severity),
        "message": finding.message,
        "file": loc.file,
        "line": loc.line,
        "column": loc.column,
        "object": finding.object.as_json() if finding.object else None,
        "path": finding.path,
        "hint": finding.hint,
        "source": finding.source,
        "related": [
            {
                "file": r.location.file,
                "line": r.location.line,
                "column": r.location.column,
                "message": r.message,
            }
            for r in finding.related
        ],
        "built_from": list(finding.built_from),
        "fingerprint": finding.fingerprint,
    }


def report_json(result: Result) -> dict[str, Any]:
    return {**_head(result), "findings": [finding_json(f) for f in result.findings]}


def _head(result: Result) -> dict[str, Any]:
    return {
        "version": REPORT_VERSION,
        "summary": {
            "files": result.files,
            "objects": result.objects,
            "findings": len(result.findings),
            "by_severity": {str(s): result.count(s) for s in sorted(Severity, reverse=True)},
            "notes": [clip(note, MESSAGE_LIMIT) for note in result.notes],
            "config": config_shown(result.config_file),
            "left_out": list(result.left_out),
            "hidden_folders": list(result.hidden_folders),
            "not_kubernetes": [{"file": file, "reason": clip(reason, MESSAGE_LIMIT)} for file, reason in result.not_kubernetes],
        },
        "findings": [],
    }


FINDINGS_PER_PIECE = 256
"""Findings made JSON data and text at once by json_pieces."""


def json_pieces(result: Result) -> Iterator[str]:
    """render_json's text in pieces (jsontext.report_pieces): the findings a few hundred at a time,
    each made data only as it is written."""
    findings = result.findings
    chunks = (
        [finding_json(f) for f in findings[start : start + FINDINGS_PER_PIECE]] for start in range(0, len(findings), FINDINGS_PER_PIECE)
    )
    return jsontext.report_pieces(_head(result), "findings", chunks)


def render_json(result: Result) -> str:
    return "".join(json_pieces(result))
