"""What keeps a finding from being reported: suppressions and baselines.

Suppressions are inline comments (``# k8slint: disable=KR001`` on the line or
on a comment line above it: sources/manifests.py parses them) and the
``k8slint.io/ignore`` annotation of an object; a suppression that suppresses
nothing is itself a finding (unused-suppression). A baseline is an earlier
JSON report: findings are matched by fingerprint (rule, file, object identity
and field path), never by line, so edits that only move lines keep them
matched; a finding that appears more often than it did in the baseline is new.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

from k8slint.errors import UsageError
from k8slint.findings import Finding, Location, Problem, Result
from k8slint.model.objects import SUPPRESS_ALL, K8sObject, SourceFile
from k8slint.registry import Registry, RuleSpec

IGNORE_ANNOTATION = "k8slint.io/ignore"
MAX_BASELINE_SIZE = 512 * 1024 * 1024

Used = tuple[object, ...]
"""One suppression that was used: ("comment", file, line, token) or ("annotation", *object key, token)."""


@dataclass(slots=True)
class Suppressions:
    """Suppression comments and annotations, and which of them were used."""

    used: set[Used] = field(default_factory=set)

    def comment_tokens(self, source: SourceFile, line: int) -> Iterator[tuple[int, str]]:
        for target in (line, line - 1):
            tokens = source.suppressions.get(target)
            if tokens and (target == line or _whole_line_comment(source, target)):
                yield from ((target, token) for token in tokens)

    def suppressed(self, finding: Finding, rule: RuleSpec, source: SourceFile | None, obj: object) -> bool:
        names = {rule.code, rule.name, *rule.aliases, SUPPRESS_ALL}
        hit = False
        if source is not None:
            for target, token in self.comment_tokens(source, finding.location.line):
                if token in names:
                    self.used.add(("comment", source.display, target, token))
                    hit = True
        if isinstance(obj, K8sObject):
            for token in annotation_tokens(obj):
                if token in names:
                    self.used.add(("annotation", *obj.key, token))
                    hit = True
        return hit


def annotation_tokens(obj: K8sObject) -> list[str]:
    value = obj.annotations.get(IGNORE_ANNOTATION)
    if not isinstance(value, str):
        return []
    return [token.strip() for token in value.split(",") if token.strip()]


def _whole_line_comment(source: SourceFile, line: int) -> bool:
    text = source.line(line)
    return text is not None and text.lstrip().startswith("#")


def unused_suppressions(
    suppressions: Suppressions,
    registry: Registry,
    disabled: set[str],
    sources: dict[str, SourceFile],
    objects: list[K8sObject],
) -> Iterator[tuple[Problem, K8sObject | None]]:
    """A problem for each suppression that suppressed nothing (with the object of an annotation)."""

    def reason(token: str) -> str | None:
        if token == SUPPRESS_ALL:
            return "suppresses nothing here"
        rule = registry.get(token)
        if rule is None:
            return f"names an unknown rule {token!r}"
        if rule.code in disabled:
            return None  # the rule did not run, so nothing can be said
        return f"{token} reports nothing here"

    for display, source in sources.items():
        for line, tokens in source.suppressions.items():
            for token in sorted(tokens):
                if ("comment", display, line, token) in suppressions.used:
                    continue
                why = reason(token)
                if why:
                    yield Problem(f"suppression comment {why}", location=Location(display, line, 1)), None
    for obj in objects:
        for token in annotation_tokens(obj):
            if ("annotation", *obj.key, token) in suppressions.used:
                continue
            why = reason(token)
            if why:
                path = ("metadata", "annotations", IGNORE_ANNOTATION)
                yield Problem(f"{IGNORE_ANNOTATION} annotation {why}", path=path, subject=obj), obj


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
    return Counter(fp for f in findings if isinstance(f, dict) and isinstance(fp := f.get("fingerprint"), str) and fp)


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
