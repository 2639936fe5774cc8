"""Baselines: an earlier JSON report whose findings are not reported again.

Findings are matched by fingerprint (rule, file, object identity and field
path), never by line, so edits that only move lines keep them matched; a
finding that appears more often than it did in the baseline is new.
"""

from __future__ import annotations

import json
from collections import Counter

from k8slint.engine import Result
from k8slint.errors import UsageError


MAX_BASELINE_SIZE = 512 * 1024 * 1024


def load_baseline(path: str) -> Counter[str]:
    """The fingerprints of a JSON report. The user named it, so a symlink may lead anywhere, but
    only a regular file is read (never a FIFO or a device)."""
    import os

    from k8slint.sources.safefs import Roots, Skipped, TooLarge, read_bytes

    try:
        data = json.loads(read_bytes(path, Roots((os.path.dirname(os.path.realpath(path)),)), MAX_BASELINE_SIZE))
    except FileNotFoundError:
        raise UsageError(f"baseline file not found: {path}") from None
    except Skipped as exc:
        raise UsageError(f"cannot read baseline {path}: {exc}") from None
    except TooLarge:
        raise UsageError(f"cannot read baseline {path}: larger than {MAX_BASELINE_SIZE:,} bytes") from None
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
