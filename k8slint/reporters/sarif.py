"""SARIF 2.1.0 for code scanning: one run, the rules with their docs, results with locations."""

from __future__ import annotations

from typing import Any

from k8slint import __version__
from k8slint.findings import Finding, Result, Severity
from k8slint.registry import Registry, RuleSpec
from k8slint.reporters import jsontext
from k8slint.reporters.safe import config_shown, printable, uri_reference

_LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
_URI_BASE = "SRCROOT"


def _rule(rule: RuleSpec) -> dict[str, Any]:
    return {
        "id": rule.code,
        "name": "".join(part.capitalize() for part in rule.name.split("-")),
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": " ".join(rule.docs.what.split())},
        "help": {
            "text": f"{' '.join(rule.docs.why.split())}\n\nFix: {rule.hint}",
            "markdown": f"{rule.docs.why.strip()}\n\n**Fix:** {rule.hint}\n\nSee `k8slint explain {rule.code}`.",
        },
        "defaultConfiguration": {"level": _LEVELS[rule.severity]},
        "properties": {
            "category": rule.category,
            "tags": [rule.category, rule.name],
            # the levels of the rule's named variants (rules/*.yaml ``severities``), where it has some
            **({"variantLevels": {name: _LEVELS[level] for name, level in rule.severities.items()}} if rule.severities else {}),
        },
    }


def _location(file: str, line: int, column: int, message: str | None = None, names: dict[str, str] | None = None) -> dict[str, Any]:
    location: dict[str, Any] = {
        "physicalLocation": {
            "artifactLocation": {"uri": uri_reference((names or {}).get(file, file)), "uriBaseId": _URI_BASE},
            "region": {"startLine": line, "startColumn": column},
        }
    }
    if message:
        location["message"] = {"text": printable(message)}
    return location


def _result(finding: Finding, rule_index: dict[str, int], names: dict[str, str]) -> dict[str, Any]:
    loc = finding.location
    result: dict[str, Any] = {
        "ruleId": finding.code,
        "ruleIndex": rule_index[finding.code],
        "level": _LEVELS[finding.severity],
        "message": {"text": printable(finding.message) + (f" ({printable(finding.hint)})" if finding.hint else "")},
        "locations": [_location(loc.file, loc.line, loc.column, names=names)],
        "partialFingerprints": {"k8slintFingerprint/v1": finding.fingerprint},
    }
    related = [_location(r.location.file, r.location.line, r.location.column, r.message, names) for r in finding.related]
    if finding.source:
        related.append(
            {
                "physicalLocation": {"artifactLocation": {"uri": uri_reference(finding.source), "uriBaseId": _URI_BASE}},
                "message": {"text": "the Helm template this object was rendered from"},
            }
        )
    if related:
        for number, item in enumerate(related, start=1):
            item["id"] = number
        result["relatedLocations"] = related
    properties: dict[str, Any] = {}
    if finding.path:
        properties["path"] = finding.path
    if finding.object is not None:
        properties["object"] = finding.object.as_json()
    if finding.built_from:
        properties["builtFrom"] = list(finding.built_from)
    if properties:
        result["properties"] = properties
    return result


def report_sarif(result: Result, registry: Registry) -> dict[str, Any]:
    rules = list(registry)
    rule_index = {rule.code: index for index, rule in enumerate(rules)}
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "k8slint",
                        "version": __version__,
                        "informationUri": "https://github.com/k8slint/k8slint",
                        "rules": [_rule(rule) for rule in rules],
                    }
                },
                "originalUriBaseIds": {_URI_BASE: {"description": {"text": "The directory k8slint ran in."}}},
                "columnKind": "unicodeCodePoints",
                "results": [_result(f, rule_index, result.file_names) for f in result.findings],
                "properties": {"config": config_shown(result.config_file)},
            }
        ],
    }


def render_sarif(result: Result, registry: Registry) -> str:
    return jsontext.report_text(report_sarif(result, registry))
