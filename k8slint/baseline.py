"""Baselines: an earlier JSON report whose findings are not reported again.

Findings are matched by fingerprint (rule, file, object identity and field
path), never by line, so edits that only move lines keep them matched; a
finding that appears more often than it did in the baseline is new.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from k8slint.engine import Result
from k8slint.errors import UsageError


def load_baseline(path: str) -> Counter[str]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"baseline file not found: {path}") from None
    except (OSError, ValueError) as exc:
        raise UsageError(f"cannot read baseline {path}: {exc}") from None
    findings = data.get("findings") if isinstance(data, dict) else None
    if not isinstance(findings, list):
        raise UsageError(f"{path} is not a k8slint JSON report (no findings list)")
    return Counter(f.get("fingerprint") for f in findings if isinstance(f, dict) and f.get("fingerprint"))


def apply_baseline(result: Result, known: Counter[str]) -> int:
    """Drop the findings the baseline knows; returns how many were dropped."""
    remaining = Counter(known)
    kept = []
    for finding in result.findings:
        if remaining[finding.fingerprint] > 0:
            remaining[finding.fingerprint] -= 1
        else:
            kept.append(finding)
    dropped = len(result.findings) - len(kept)
    result.findings = kept
    return dropped
