"""Which checks run on which subjects, and where (in the main process, or where files were loaded)."""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from itertools import repeat
from typing import TYPE_CHECKING

from k8slint import rulecodes
from k8slint.collector import collector_paused
from k8slint.context import RuleContext, RunFacts
from k8slint.errors import K8slintError
from k8slint.findings import Problem, one_line
from k8slint.registry import Scope

if TYPE_CHECKING:
    from k8slint.config import Settings
    from k8slint.findings import Subject as _Subject
    from k8slint.image_lookups import ImageLookups
    from k8slint.model.dockerfile import DockerfileDoc
    from k8slint.model.graph.index import ObjectIndex
    from k8slint.model.objects import K8sObject
    from k8slint.registry import Check, RuleSpec
    from k8slint.sources.charts import ChartDoc

    Subject = _Subject | None  # a K8sObject, DockerfileDoc or ChartDoc


class Phase(enum.Enum):
    """Which checks a call of run_checks runs.

    ALL runs every check (one process). With worker processes, LOCAL runs
    where files were loaded, on their objects only: the object checks that read
    nothing but their object and the set checks that compare objects within a
    file (Check.local); REST runs everything else, on the whole set.
    """

    ALL = "all"
    LOCAL = "local"
    REST = "rest"


Raw = tuple["RuleSpec", "Problem", "Subject"]
"""A problem as a check reported it, with its rule and the subject it was given."""


@dataclass(frozen=True, slots=True)
class Step:
    rule: RuleSpec
    check: Check
    context: RuleContext


def run_facts(settings: Settings, index: ObjectIndex) -> RunFacts:
    """What every check of a run over ``index`` shares, from the settings."""
    return RunFacts(
        index,
        external_objects=tuple(settings.external_objects),
        kubernetes_version=settings.kubernetes_version,
        strict_schemas=settings.enabled(rulecodes.UNKNOWN_FIELD),
        schema_locations=tuple(settings.schema_locations),
        images=settings.images,
        config_dir=settings.config_dir,
    )


def make_plan(settings: Settings, facts: RunFacts, image_lookups: ImageLookups | None = None) -> list[Step]:
    """Every enabled check, with the context it runs in."""
    plan: list[Step] = []
    trusted = tuple(settings.trusted_registries)
    locations = tuple(settings.schema_locations)
    for rule in settings.enabled_rules():
        context = RuleContext(
            rule=f"{rule.code} {rule.name}",
            options=settings.rule_options(rule),
            namespace=settings.namespace,
            trusted_registries=trusted,
            schema_locations=locations,
            image_lookups=image_lookups,
            facts=facts,
            objects=facts.index,
        )
        plan.extend(Step(rule, check, context) for check in rule.checks)
    return plan


def run_checks(
    plan: Sequence[Step],
    objects: list[K8sObject],
    dockerfiles: Sequence[DockerfileDoc],
    charts: Sequence[ChartDoc],
    raw: list[Raw],
    *,
    phase: Phase = Phase.ALL,
) -> None:
    """Run the checks of ``plan`` that belong to ``phase``, adding what they report to ``raw``."""
    from k8slint.model.graph.index import ObjectIndex

    by_kind: dict[str | None, list[K8sObject]] | None = None
    files: ObjectIndex | None = None
    if phase is Phase.LOCAL:  # the plan's index is empty here: sort these files' objects by kind
        by_kind = {}
        for obj in objects:
            by_kind.setdefault(obj.kind, []).append(obj)
    split: dict[object, tuple[list[K8sObject], list[K8sObject]]] = {}
    for step in plan:
        rule, check, context = step.rule, step.check, step.context
        if check.scope == Scope.SET:
            if phase is Phase.ALL or check.local == (phase is Phase.LOCAL):
                if phase is Phase.LOCAL:  # a check within files: it sees the index of the files loaded here
                    if files is None:
                        files = ObjectIndex(objects, context.facts.external_objects)
                    context = context.within(files)
                raw.extend(_guarded(rule, check.func, (context,), None))
            continue
        if check.scope != Scope.OBJECT:
            if phase is Phase.LOCAL:
                continue
            subjects: Sequence[DockerfileDoc | ChartDoc] = dockerfiles if check.scope == Scope.DOCKERFILE else charts
            for doc in subjects:
                raw.extend(_guarded(rule, check.func, (doc, context), doc))
            continue
        if check.pods:
            kinds = [obj for obj in objects if obj.pod_spec() is not None] if by_kind is not None else context.index.with_pod_spec
        elif check.kinds is None:
            kinds = objects
        elif by_kind is not None:
            kinds = [obj for kind in sorted(check.kinds) for obj in by_kind.get(kind, ())]
        else:
            kinds = context.index.of_kind(*sorted(check.kinds))
        if check.local is False:
            if phase is not Phase.LOCAL:
                _run_each(rule, check.func, zip(kinds, repeat(context)), raw)
            continue
        local = context.local()
        if check.local is True:
            if phase is not Phase.REST:
                _run_each(rule, check.func, zip(kinds, repeat(local)), raw)
            continue
        local_ones = _local_subjects(check.local, kinds, split)
        if phase is Phase.LOCAL:
            _run_each(rule, check.func, zip(local_ones, repeat(local)), raw)
            continue
        marked = {id(obj) for obj in local_ones}
        if phase is Phase.ALL:
            pairs = ((obj, local if id(obj) in marked else context) for obj in kinds)
        else:
            pairs = ((obj, context) for obj in kinds if id(obj) not in marked)
        _run_each(rule, check.func, pairs, raw)
    if phase is not Phase.LOCAL:  # the last checks of the run: none reads a view again (a worker's go with its objects)
        for obj in objects:
            obj.release_views()


def _local_subjects(
    predicate: Callable[[K8sObject], bool], subjects: list[K8sObject], seen: dict[object, tuple[list[K8sObject], list[K8sObject]]]
) -> list[K8sObject]:
    """The subjects for which ``predicate`` (a Check.local) holds.

    ``seen`` remembers the answer for a list of subjects (the schema rules share one).
    """
    key = (predicate, id(subjects))
    if key not in seen:  # the entry holds the list, so its id is not reused meanwhile
        seen[key] = (subjects, [obj for obj in subjects if bool(predicate(obj))])
    return seen[key][1]


def _guarded(rule: RuleSpec, func: Callable[..., Iterable[Problem]], args: tuple[object, ...], subject: Subject) -> list[Raw]:
    """Run one check; a crash in it is reported, and the other checks go on."""
    try:
        return [(rule, problem, problem.subject or subject) for problem in func(*args)]
    except K8slintError:
        raise
    except Exception as exc:
        return [_crashed(rule, exc, subject)]


def _run_each(
    rule: RuleSpec, func: Callable[..., Iterable[Problem]], pairs: Iterable[tuple[K8sObject, RuleContext]], raw: list[Raw]
) -> None:
    """Run an object check on each (subject, context), as _guarded does, adding what it reports to ``raw``.

    One loop for all the subjects, with no list per call: most calls report nothing.
    """
    with collector_paused():  # object checks make no cycles; set checks (CEL) do, and run with it on
        for obj, context in pairs:
            start = len(raw)
            try:
                for problem in func(obj, context):
                    raw.append((rule, problem, problem.subject or obj))
            except K8slintError:
                raise
            except Exception as exc:
                del raw[start:]  # what it reported before it crashed is dropped, as _guarded drops it
                raw.append(_crashed(rule, exc, obj))


def _crashed(rule: RuleSpec, exc: Exception, subject: Subject) -> Raw:
    """The internal-error finding of a check that crashed on ``subject``."""
    from k8slint.registry import registry

    what = subject.describe() if subject is not None else "the object set"
    problem = Problem(f"rule {rule.code} ({rule.name}) failed on {what}: {one_line(exc)}", subject=subject)
    return (registry()[rulecodes.INTERNAL_ERROR], problem, subject)
