"""`k8slint fix`: rewrite what has exactly one right answer, on the text, keeping everything else.

A fix belongs to a rule: it is registered with ``registry.object_fix`` or
``registry.chart_fix`` under the rule's code (k8slint/fix/rules.py), and the
rule's definition says what it does (``fix:``, shown in its docs). A run lints
as ``check`` does, gives each fix the objects (or charts) with an unsuppressed
finding of its rule, applies the edits it returns to the text in memory, and
lints again with the new texts in place of the files (engine.lint's overlay),
until nothing more changes; the caller then writes the files or shows a diff.
Only the edited spans change: comments, key order, quoting, flow style and
blank lines elsewhere stay byte-identical.

Objects a tool built (a Helm template's output, a kustomize build) are never
rewritten: the text to edit is a template or a patch, which a fix cannot map
back; the plan says so for each such finding.
"""

from __future__ import annotations

import functools
import importlib
import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from k8slint.config import Settings
from k8slint.findings import FieldPath, Finding, format_path
from k8slint.fix.document import Edit, NotEditable, YamlDocument
from k8slint.registry import FIXERS, Fixer, Registry, Scope

MAX_PASSES = 5
"""Lint-and-fix rounds at most: a fix that makes another rule's finding fixable is applied in the next."""


@dataclass(frozen=True, slots=True)
class Change:
    """What a fix returns: the edits that fix the finding at ``path`` (None: every finding of the rule on the subject)."""

    title: str
    edits: tuple[Edit, ...]
    path: FieldPath | None = None


@dataclass(frozen=True, slots=True)
class Declined:
    """A finding a fix leaves alone, and why (no single right answer, or no safe edit)."""

    reason: str
    path: FieldPath | None = None


@dataclass(frozen=True, slots=True)
class FixContext:
    kubernetes_version: str
    index: Any
    """The run's ObjectIndex (k8slint.model.graph.index): the objects a cross-object fix reads."""


@dataclass(frozen=True, slots=True)
class Applied:
    finding: Finding
    change: Change

    @property
    def title(self) -> str:
        return self.change.title


@dataclass(frozen=True, slots=True)
class Left:
    finding: Finding
    reason: str


@dataclass(slots=True)
class FixRun:
    """What a fix run did: the new texts by file (display name -> (path, old text, new text))."""

    texts: dict[str, tuple[str, str, str]] = field(default_factory=dict)
    applied: list[Applied] = field(default_factory=list)
    left: list[Left] = field(default_factory=list)
    remaining: list[Finding] = field(default_factory=list)
    """The findings of the last lint, after every fix."""
    no_input: bool = False
    """Nothing to lint was found (as Result.no_input)."""

    @property
    def changed(self) -> dict[str, tuple[str, str, str]]:
        return {display: entry for display, entry in self.texts.items() if entry[1] != entry[2]}


@functools.cache
def fixers() -> dict[str, Fixer]:
    """The registered fixes by rule code; each rule with a fix documents it (``fix:``) and only those do."""
    from k8slint.registry import registry

    importlib.import_module("k8slint.fix.rules")
    found = {f.code: f for f in FIXERS}
    check_declarations(found, registry())
    return found


def check_declarations(found: Mapping[str, Fixer], rules: Registry) -> None:
    documented = {rule.code for rule in rules if rule.fix}
    if set(found) != documented:
        raise RuntimeError(
            f"fixes and their rules' fix: docs disagree: fixes without docs {sorted(set(found) - documented)}, "
            f"docs without a fix {sorted(documented - set(found))}"
        )


def fix_paths(paths: Sequence[str], settings: Settings, *, with_context: bool = False) -> FixRun:
    """Lint ``paths`` and fix what can be fixed, in memory; the caller writes ``FixRun.changed``.

    After each round the files are linted with the fixed texts: a change after which its object has
    an error it did not have (a converted object the new version's schema refuses, say) is undone
    and left, with the error as the reason, so a fix never brings in an error.
    """
    from k8slint.engine import lint

    run = FixRun()
    overlay: dict[str, str] = {}
    left: dict[tuple[str, int, int, str, str], Left] = {}
    banned: dict[tuple[Any, ...], str] = {}
    result = lint(paths, settings, with_context=with_context)
    run.no_input = result.no_input
    for _ in range(2 * MAX_PASSES):
        edits, applied, declined = _plan(result, settings, banned)
        for item in declined:
            left[_finding_key(item.finding)] = item
        if not edits:
            break
        texts, done = _apply(edits, result, run)
        trial_overlay = {**overlay, **{os.path.abspath(path): new for path, _, new in texts.values()}}
        trial = lint(paths, settings, with_context=with_context, overlay=trial_overlay)
        made = [item for item in applied if id(item.change) in done]
        introduced = _new_errors(result.findings, trial.findings)
        if introduced:
            blamed = {_object_of(f) for f in introduced}
            culprits = [item for item in made if _object_of(item.finding) in blamed] or made
            for culprit in culprits:
                error = next((f for f in introduced if _object_of(f) == _object_of(culprit.finding)), introduced[0])
                banned[identity(culprit.finding)] = f"the fixed object would have an error ({error.code} {error.rule}: {error.message})"
            continue
        for display, (path, original, current) in texts.items():
            run.texts[display] = (path, run.texts[display][1] if display in run.texts else original, current)
        overlay = trial_overlay
        run.applied.extend(made)
        result = trial
    run.remaining = result.findings
    still = {_finding_key(f) for f in result.findings}
    run.left = [item for key, item in sorted(left.items()) if key in still]
    return run


def quick_fixes(result: Any, settings: Settings) -> list[tuple[Finding, Change]]:
    """Each fixable finding of a lint ``result`` with the change that fixes it (one round, for an
    editor's quick fixes; the caller checks that it brings in no error, as fix_paths does)."""
    _, applied, _ = _plan(result, settings, {})
    return [(item.finding, item.change) for item in applied]


def brings_errors(before: list[Finding], after: list[Finding]) -> bool:
    """Whether ``after`` has an error ``before`` did not have (by rule, object and field, not line)."""
    return bool(_new_errors(before, after))


def _finding_key(finding: Finding) -> tuple[str, int, int, str, str]:
    loc = finding.location
    return (loc.file, loc.line, loc.column, finding.code, finding.message)


def identity(finding: Finding) -> tuple[Any, ...]:
    """A finding without its line: rule, file, the object's kind, name and namespace, field path."""
    return (finding.code, *_object_of(finding), finding.path)


def _object_of(finding: Finding) -> tuple[Any, ...]:
    obj = finding.object
    return (finding.location.file, obj and obj.kind, obj and obj.name, obj and obj.namespace)


def _new_errors(before: list[Finding], after: list[Finding]) -> list[Finding]:
    from k8slint.findings import Severity

    known = {identity(f) for f in before if f.severity is Severity.ERROR}
    return [f for f in after if f.severity is Severity.ERROR and identity(f) not in known]


def _plan(
    result: Any, settings: Settings, banned: Mapping[tuple[Any, ...], str]
) -> tuple[dict[str, list[tuple[Edit, Change, Finding]]], list[Applied], list[Left]]:
    """The edits by file for the fixable findings of ``result``, what they fix, and what is left alone."""
    from k8slint.model.graph.index import ObjectIndex

    table = fixers()
    state, facts, charts = result.loaded
    ctx = FixContext(facts.kubernetes_version, ObjectIndex(state.objects, settings.external_objects, state.dockerfiles))
    wanted = [f for f in result.findings if f.code in table]
    by_subject: dict[tuple[int, str], tuple[Any, list[Finding]]] = {}
    left: list[Left] = []
    for finding in wanted:
        fixer = table[finding.code]
        if identity(finding) in banned:
            left.append(Left(finding, banned[identity(finding)]))
            continue
        if finding.source:
            left.append(Left(finding, f"not rewritten: it comes from the Helm template {finding.source}; edit the template"))
            continue
        if finding.built_from:
            built = ", ".join(finding.built_from)
            left.append(
                Left(
                    finding,
                    f"not rewritten: linted as `{built}` makes it (kustomize's patches are never rewritten; without --render the files are fixed as written)",
                )
            )
            continue
        subject = _subject(finding, fixer.scope, state.objects, charts)
        if subject is None:
            left.append(Left(finding, "not rewritten: its object is not in a file k8slint reads as written"))
            continue
        by_subject.setdefault((id(subject), finding.code), (subject, []))[1].append(finding)
    edits: dict[str, list[tuple[Edit, Change, Finding]]] = {}
    applied: list[Applied] = []
    for (_, code), (subject, findings) in by_subject.items():
        fixer = table[code]
        try:
            document, display = _document(subject, fixer.scope)
            outcomes = list(fixer.func(subject, document, ctx))
        except NotEditable as exc:
            left.extend(Left(f, f"no safe edit: {exc}") for f in findings)
            continue
        paths = {f.path: f for f in findings}
        done: set[str | None] = set()
        for outcome in outcomes:
            key = None if outcome.path is None else format_path(outcome.path)
            targets = findings if key is None else [paths[key]] if key in paths else []
            if not targets:
                continue  # a finding that is suppressed (or not reported): its field stays as written
            if isinstance(outcome, Declined):
                left.extend(Left(f, outcome.reason) for f in targets)
                continue
            for f in targets:
                edits.setdefault(display, []).extend((edit, outcome, f) for edit in outcome.edits)
                applied.append(Applied(f, outcome))
                done.add(f.path)
        left.extend(Left(f, "no fix applies here") for f in findings if f.path not in done and not _declined(left, f))
    return edits, applied, left


def _declined(left: list[Left], finding: Finding) -> bool:
    return any(item.finding is finding for item in left)


def _subject(finding: Finding, scope: Scope, objects: list[Any], charts: list[Any]) -> Any:
    if scope is Scope.CHART:
        return next((c for c in charts if c.chart is not None and c.chart.source.display == finding.location.file), None)
    candidates = [
        o
        for o in objects
        if o.file.display == finding.location.file and o.ref.clipped() == finding.object and o.placement is None and o.source is None
    ]
    if len(candidates) > 1:
        candidates = [o for o in candidates if _lines(o)[0] <= finding.location.line <= _lines(o)[1]]
    return candidates[0] if len(candidates) == 1 else None


def _lines(obj: Any) -> tuple[int, int]:
    text = obj.file.text
    return text.count("\n", 0, obj.span[0]) + 1, text.count("\n", 0, obj.span[1]) + 1


def _document(subject: Any, scope: Scope) -> tuple[YamlDocument, str]:
    if scope is Scope.CHART:
        source = subject.chart.source
        return YamlDocument(source.text, (0, len(source.text)), None), source.display
    json = subject.file.display.endswith(".json")
    return YamlDocument(subject.file.text, subject.span, subject.item, json=json), subject.file.display


def _apply(
    edits: dict[str, list[tuple[Edit, Change, Finding]]], result: Any, run: FixRun
) -> tuple[dict[str, tuple[str, str, str]], set[int]]:
    """Each file's text with its edits, last first, and the changes made whole (by id); of changes whose
    edits overlap, the first wins (the next pass lints again and fixes what is still there)."""
    state = result.loaded[0]
    out: dict[str, tuple[str, str, str]] = {}
    done: set[int] = set()
    for display, planned in edits.items():
        source = state.sources.get(display)
        text = source.text if source is not None else _chart_text(result, display)
        if text is None:
            continue
        path = result.file_names.get(display, display)
        original = run.texts[display][1] if display in run.texts else text
        taken: list[Edit] = []
        changes: dict[int, Change] = {id(change): change for _, change, _ in planned}
        for change in sorted(changes.values(), key=lambda c: min((e.start for e in c.edits), default=0)):
            fresh = [e for e in change.edits if e not in taken]
            if any(_overlap(e, other) for e in fresh for other in taken):
                continue
            taken.extend(fresh)
            done.add(id(change))
        for edit in sorted(taken, key=lambda e: (e.start, e.end), reverse=True):
            text = text[: edit.start] + edit.text + text[edit.end :]
        out[display] = (path, original, text)
    return out, done


def _overlap(a: Edit, b: Edit) -> bool:
    """Two edits that touch the same characters, or insert at one place (their order would be a guess)."""
    if a.start == a.end or b.start == b.end:
        return a.start == b.start or (b.start < a.start < b.end) or (a.start < b.start < a.end)
    return a.start < b.end and b.start < a.end


def _chart_text(result: Any, display: str) -> str | None:
    for chart in result.loaded[2]:
        if chart.chart is not None and chart.chart.source.display == display:
            text: str = chart.chart.source.text
            return text
    return None


def unified_diff(display: str, old: str, new: str) -> Iterator[str]:
    import difflib

    name = display.removeprefix("./")
    before, after = (name, name) if os.path.isabs(name) else (f"a/{name}", f"b/{name}")
    yield from difflib.unified_diff(old.splitlines(keepends=True), new.splitlines(keepends=True), before, after)
