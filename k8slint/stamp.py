"""Problems become findings: the engine stamps code, name, severity, location and snippet,
drops what is suppressed, reports unused suppressions, and sorts."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from k8slint import rulecodes
from k8slint.findings import Anchored, Finding, Location, Problem, Severity, clip_message, format_path
from k8slint.model.objects import K8sObject, SourceFile
from k8slint.plan import Raw
from k8slint.suppress import Suppressions, Used, unused_suppressions

if TYPE_CHECKING:
    from k8slint.config import Settings
    from k8slint.registry import RuleSpec


def stamp(rule: RuleSpec, problem: Problem, subject: object, settings: Settings, sources: dict[str, SourceFile]) -> Finding:
    """A finding from a problem; the subject is a Kubernetes object, a Dockerfile, a chart, or None.

    The severity is the configured one, else the one the rule declares for the
    problem's variant, else the rule's default; an error in a test input (a file whose objects a test expects
    the API server to refuse, or that only a policy engine's CLI test reads) is graded info, and says why.
    """
    obj = subject if isinstance(subject, K8sObject) else None
    location = problem.location
    if location is None:
        if obj is not None:
            location = obj.locate(problem.path)
        elif isinstance(subject, Anchored):
            location = subject.origin()
        else:
            location = Location("<unknown>", 1, 1)
    source_file = sources.get(location.file)
    snippet = source_file.line(location.line) if source_file is not None else None
    related = problem.related
    built_from: tuple[str, ...] = ()
    if obj is not None and obj.placement is not None:
        built_from = (obj.placement.label,)
        built = obj.placement.built_at(obj, problem.path)
        if built is not None:
            related = (*related, built)
    severity = settings.severities.get(rule.code)
    message = problem.message
    if severity is None:
        severity = rule.severity_of(problem.variant)
        test_input = source_file.test_input if source_file is not None else None
        if test_input is not None and severity is Severity.ERROR:
            severity, message = Severity.INFO, f"{message} (not an error here: {test_input})"
    if severity is Severity.ERROR and obj is not None and obj.view_of is not None:
        # a custom resource's pod template: the API server takes the resource and refuses the pods made from it
        message = f"{message} (in the pods the {obj.kind}'s controller makes from this template)"
    # Values from the input are cut here, once, so that no report grows with their length.
    return Finding(
        code=rule.code,
        rule=rule.name,
        severity=severity,
        message=message,
        location=location,
        path=format_path(problem.path) if obj is not None and problem.path else None,
        object=obj.ref if obj is not None else None,
        hint=problem.hint or rule.hint,
        source=obj.source if obj is not None else None,
        related=related,
        built_from=built_from,
        snippet=snippet,
    ).clipped()


def stamp_all(raw: Iterable[Raw], settings: Settings, sources: dict[str, SourceFile], suppressions: Suppressions) -> list[Finding]:
    """Findings from problems, without the suppressed ones (recording which suppressions were used)."""
    findings = []
    for rule, problem, subject in raw:
        if rule.code in settings.disabled:
            continue
        finding = stamp(rule, problem, subject, settings, sources)
        if not suppressions.suppressed(finding, rule, sources.get(finding.location.file), subject):
            findings.append(finding)
    return findings


POD_SECURITY_LEVELS = {"privileged": 0, "baseline": 1, "restricted": 2}
POD_SECURITY_RULES = {
    "KS003": "baseline",
    "KS005": "baseline",
    "KS006": "baseline",
    "KS001": "restricted",
    "KS002": "restricted",
    "KS007": "restricted",
    "KS008": "restricted",  # an explicit Unconfined (at seccompProfile.type) is baseline's
}
"""The rules that report a Pod Security Standards gap, with the profile whose checks they are
(k8s.io/pod-security-admission policy: privileged, hostNamespaces, hostPathVolumes and seccompProfile_baseline
are baseline's; runAsNonRoot, allowPrivilegeEscalation, capabilities_restricted and seccompProfile_restricted the
restricted profile's)."""
ENFORCE_LABEL = "pod-security.kubernetes.io/enforce"
_LEVEL_NAMES = {number: name for name, number in POD_SECURITY_LEVELS.items()}


def enforcing_namespaces(objects: Iterable[K8sObject]) -> dict[str, list[tuple[K8sObject, int]]]:
    """Each namespace of the set that a Namespace object of it labels ``enforce`` -> (that Namespace, the level
    of the profile it enforces: 0 for none, or for a value Pod Security admission does not know), for every
    definition of it."""
    found: dict[str, list[tuple[K8sObject, int]]] = {}
    for obj in objects:
        if obj.kind != "Namespace" or obj.api_version != "v1" or not isinstance(obj.name, str):
            continue
        metadata = obj.data.get("metadata")
        labels = metadata.get("labels") if isinstance(metadata, dict) else None
        value = labels.get(ENFORCE_LABEL) if isinstance(labels, dict) else None
        found.setdefault(obj.name, []).append((obj, POD_SECURITY_LEVELS.get(value, 0) if isinstance(value, str) else 0))
    return {name: definitions for name, definitions in found.items() if any(level for _, level in definitions)}


class _Enforcement:
    """The Pod Security profile enforced where a finding's object is applied: the least strict of the definitions
    of its Namespace that the object sees (its own deployment unit's, k8slint.model.graph.units), so that a
    Namespace of one install does not judge a separate install of the same objects in another folder."""

    def __init__(self, objects: list[K8sObject], units: Any) -> None:
        self.namespaces = enforcing_namespaces(objects)
        self.units = units
        self._objects: dict[tuple[object, ...], list[K8sObject]] = {}
        if self.namespaces:
            for obj in objects:
                if obj.namespace in self.namespaces:
                    self._objects.setdefault((obj.kind, obj.namespace, obj.name), []).append(obj)

    def profile(self, finding: Finding) -> str | None:
        ref = finding.object
        if ref is None or ref.namespace not in self.namespaces:
            return None
        candidates = self._objects.get((ref.kind, ref.namespace, ref.name), [])
        here = [obj for obj in candidates if obj.file.display == finding.location.file] or candidates
        if not here:
            return None
        levels = []
        for obj in here:  # each definition the finding may be about: the profile must hold for all of them
            seen = [level for namespace, level in self.namespaces[ref.namespace] if self.units is None or self.units.sees(obj, namespace)]
            if not seen:
                return None
            levels.append(min(seen))
        level = min(levels)
        return _LEVEL_NAMES[level] if level > 0 else None


def _enforced(finding: Finding, enforcing: _Enforcement, settings: Settings) -> Finding:
    """A Pod Security gap in a namespace that enforces its profile is refused: an error, saying so (a severity
    set in config still wins)."""
    profile = POD_SECURITY_RULES.get(finding.code)
    if finding.code == "KS008" and (finding.path or "").endswith("seccompProfile.type"):
        profile = "baseline"  # Unconfined asked for: baseline's seccomp check refuses it too
    obj = finding.object
    if profile is None or obj is None or finding.code in settings.severities or finding.severity >= Severity.ERROR:
        return finding
    enforced = enforcing.profile(finding)
    if enforced is None or POD_SECURITY_LEVELS[enforced] < POD_SECURITY_LEVELS[profile]:
        return finding
    refused = "the pod" if obj.kind == "Pod" else "its pods and the rollout fails"
    message = (
        f"{finding.message}; namespace {obj.namespace!r} enforces the {enforced} Pod Security profile ({ENFORCE_LABEL}), "
        f"so the API server refuses {refused}"
    )
    return replace(finding, severity=Severity.ERROR, message=clip_message(message))


def finish(
    raw: list[Raw],
    settings: Settings,
    sources: dict[str, SourceFile],
    objects: list[K8sObject],
    stamped: Iterable[Finding] = (),
    used: Iterable[Used] = (),
    units: Any = None,
) -> list[Finding]:
    """Stamp and suppress the problems, add what workers found, report unused suppressions, sort."""
    suppressions = Suppressions(set(used))
    # in a canonical order: which of the builds sharing a line speaks for them all must not depend on
    # what the workers stamped first (--jobs)
    every = [*stamped, *stamp_all(_drained(raw), settings, sources, suppressions)]
    _sort_canonically(every)
    enforcing = _Enforcement(objects, units)
    if enforcing.namespaces:
        every = [_enforced(finding, enforcing, settings) for finding in every]
        every.sort(key=lambda f: f.sort_key)  # a Pod Security profile rewrote messages: the canonical order kept among equals
    # in the order of sort_key, each sort_key's findings together: the first of them is kept, and a replaced entry keeps
    # its place; sorted again only when unused suppressions join them
    findings: list[Finding] = []
    inherited: dict[tuple[object, ...], list[int]] = {}
    crowded = _crowded(every)
    last: tuple[object, ...] | None = None
    for finding in every:
        key = finding.sort_key
        if finding.built_from:  # one base line inherited by several builds (overlays) is one finding
            # the field paths may differ (a patch reorders the containers) and so may the names
            # (namePrefix): the place and the rule make it the same line's defect, for another build
            same = _same_line(finding)
            at = _inherited_by(findings, inherited.get(same, ()), finding, crowded)
            if at is not None:
                kept = findings[at]
                # what one build alone adds (the values file of one chart render) is not said of them all
                shared = tuple(r for r in kept.related if r in finding.related)
                findings[at] = replace(kept, built_from=tuple(sorted({*kept.built_from, *finding.built_from})), related=shared)
                continue
        if key != last:  # findings of one sort_key are together (every is sorted by it first): the first is kept
            findings.append(finding)
            last = key
            if finding.built_from:
                inherited.setdefault(same, []).append(len(findings) - 1)
    del every
    unused = settings.registry[rulecodes.UNUSED_SUPPRESSION]
    if unused.code not in settings.disabled:
        keys: set[tuple[object, ...]] | None = None
        for problem, subject in unused_suppressions(suppressions, settings.registry, settings.disabled, sources, objects):
            finding = stamp(unused, problem, subject, settings, sources)
            keys = {f.sort_key for f in findings} if keys is None else keys
            if finding.sort_key not in keys:
                keys.add(finding.sort_key)
                findings.append(finding)
        if keys is not None:
            findings.sort(key=lambda f: f.sort_key)
    return findings


def _same_line(finding: Finding) -> tuple[object, ...]:
    loc = finding.location
    return (loc.file, loc.line, loc.column, finding.code)


def _crowded(findings: list[Finding]) -> set[tuple[object, ...]]:
    """(file, line, column, rule, build) of each build that has several findings at one place: a template's
    ``range`` rendered several objects from that line."""
    seen: set[tuple[object, ...]] = set()
    crowded: set[tuple[object, ...]] = set()
    for finding in findings:
        if finding.built_from:
            same = _same_line(finding)
            for build in finding.built_from:
                key = (*same, build)
                (crowded if key in seen else seen).add(key)
    return crowded


def _inherited_by(findings: list[Finding], candidates: Iterable[int], finding: Finding, crowded: set[tuple[object, ...]]) -> int | None:
    """Which kept finding of the same line and rule ``finding`` is another build's copy of, if any: one of
    builds that do not include its own, of the same object and field, else with the same message, else,
    where neither build made more than one finding at the line, any (a namePrefix renamed the object, a
    patch moved the field). Objects a ``range`` rendered from the line are told apart by name."""
    builds = set(finding.built_from)
    apart = [at for at in candidates if not builds & set(findings[at].built_from)]
    for at in apart:
        if findings[at].object == finding.object and findings[at].path == finding.path:
            return at
    for at in apart:
        if findings[at].message == finding.message:
            return at
    same = _same_line(finding)

    def alone(one: Finding) -> bool:
        return not any((*same, build) in crowded for build in one.built_from)

    if alone(finding):
        for at in apart:
            if alone(findings[at]):
                return at
    return None


def _sort_canonically(findings: list[Finding]) -> None:
    """Sort by :func:`_canonical`, in place; its costly parts computed only among findings of one sort_key
    (a key of every finding, object repr included, was 35 MB of a 100,000-document run's peak)."""
    findings.sort(key=lambda f: f.sort_key)
    start = 0
    while start < len(findings):
        key = findings[start].sort_key
        end = start + 1
        while end < len(findings) and findings[end].sort_key == key:
            end += 1
        if end - start > 1:
            findings[start:end] = sorted(findings[start:end], key=_canonical)
        start = end


def _drained(raw: list[Raw]) -> Iterator[Raw]:
    """The problems in their order, each let go of as it is taken (and ``raw`` empty at the end): a run holds
    its findings or its problems, not both (116,000 problems were 30 MB of a 100,000-document run's peak)."""
    for index in range(len(raw)):
        item = raw[index]
        raw[index] = None  # type: ignore[call-overload]
        yield item
    raw.clear()


def _canonical(finding: Finding) -> tuple[object, ...]:
    """A total order of findings: the report's, then object, field path and builds."""
    return (finding.sort_key, repr(finding.object), finding.path or "", finding.built_from)
