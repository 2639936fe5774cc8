"""The JSON report; its format is described by schemas/report.schema.json."""

from __future__ import annotations

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
        "findings": [finding_json(f) for f in result.findings],
    }


def render_json(result: Result) -> str:
    return jsontext.report_text(report_json(result))
