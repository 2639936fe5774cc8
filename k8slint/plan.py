"""Which checks run on which subjects, and where (in the main process, or where files were loaded)."""

from __future__ import annotations

import enum
from bisect import bisect_left
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise, repeat
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
    from k8slint.model.graph.index import ObjectIndex, with_pod_templates

    by_kind: dict[str | None, list[K8sObject]] | None = None
    files: ObjectIndex | None = None
    if phase is Phase.LOCAL:  # the plan's index is empty here: sort these files' objects by kind
        by_kind = {}
        for obj in objects:
            by_kind.setdefault(obj.kind, []).append(obj)
    split: dict[object, tuple[list[K8sObject], list[K8sObject]]] = {}
    pods: list[K8sObject] | None = None  # in a worker: its objects with a pod spec, and the pod template views
    every: list[K8sObject] | None = None
    work: list[_Work] = []
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
            if by_kind is None:
                kinds = context.index.with_pod_spec
            else:
                if pods is None:
                    pods = with_pod_templates(objects, pods_only=True)
                kinds = pods
        elif check.kinds is None and check.templates:
            if by_kind is None:
                kinds = context.index.with_template_views
            else:
                if every is None:
                    every = with_pod_templates(objects, pods_only=False)
                kinds = every
        elif check.kinds is None:
            kinds = objects
        elif by_kind is not None:
            kinds = [obj for kind in sorted(check.kinds) for obj in by_kind.get(kind, ())]
        else:
            kinds = context.index.of_kind(*sorted(check.kinds))
        if check.local is False:
            if phase is not Phase.LOCAL:
                work.append((rule, check.func, kinds, context, None, None))
            continue
        local = context.local()
        if check.local is True:
            if phase is not Phase.REST:
                work.append((rule, check.func, kinds, local, None, None))
            continue
        local_ones = _local_subjects(check.local, kinds, split)
        if phase is Phase.LOCAL:
            work.append((rule, check.func, local_ones, local, None, None))
            continue
        marked = {id(obj) for obj in local_ones}
        if phase is Phase.ALL:
            work.append((rule, check.func, kinds, context, local, marked))
        else:
            work.append((rule, check.func, [obj for obj in kinds if id(obj) not in marked], context, None, None))
    if phase is Phase.LOCAL:  # a worker's objects go back with their views: no batches
        for item in work:
            _run_each(item[0], item[1], _pairs(item[2], item[3], item[4], item[5]), raw)
        return
    _run_in_batches(work, objects, raw)
    for obj in objects:  # the last checks of the run: none reads a view again (views of others, read since, too)
        obj.release_views()


OBJECTS_PER_BATCH = 512
"""Objects whose object checks run together, their views released after (_run_in_batches)."""

_Work = tuple["RuleSpec", Callable[..., Iterable[Problem]], Sequence["K8sObject"], RuleContext, "RuleContext | None", "set[int] | None"]
"""An object check's rule and function, its subjects, its context, and for a check local to some objects only, the
local context and the ids of those objects."""


def _pairs(
    subjects: Iterable[K8sObject], context: RuleContext, local: RuleContext | None, marked: set[int] | None
) -> Iterable[tuple[K8sObject, RuleContext]]:
    if marked is None:
        return zip(subjects, repeat(context))
    return ((obj, local if id(obj) in marked else context) for obj in subjects)  # type: ignore[misc]


def _run_in_batches(work: list[_Work], objects: Sequence[K8sObject], raw: list[Raw]) -> None:
    """Run every object check on a few hundred objects at a time, in the canonical order, and drop those objects'
    memoized views after each batch: a run then holds the views of one batch, not of every object until its last
    check (a fifth of what a 10,000-document run held at its peak). Each check still sees every object through its
    context; a view of another object that it reads is computed again, equal. The findings are sorted later
    (stamp.finish), so the order in which checks ran does not show."""
    position = {id(obj): number for number, obj in enumerate(objects)}
    ordered: list[tuple[_Work, list[int], Sequence[K8sObject]]] = []
    for item in work:
        subjects = item[2]
        places = [position.get(id(obj.view_of or obj), -1) for obj in subjects]  # a view: its resource's place
        if any(later < earlier for earlier, later in pairwise(places)):  # several kinds: into the canonical order
            pairs = sorted(zip(places, range(len(subjects)), strict=True))
            subjects = [subjects[index] for _, index in pairs]
            places = [place for place, _ in pairs]
        ordered.append((item, places, subjects))
    cursors = [0] * len(ordered)
    for start in range(0, len(objects) + OBJECTS_PER_BATCH, OBJECTS_PER_BATCH):
        stop = start + OBJECTS_PER_BATCH
        for number, ((rule, func, _, context, local, marked), places, subjects) in enumerate(ordered):
            first = cursors[number]
            last = bisect_left(places, stop, first)
            if last > first:
                _run_each(rule, func, _pairs(subjects[first:last], context, local, marked), raw)
                cursors[number] = last
        for obj in objects[start:stop]:
            obj.release_views()


def _local_subjects(
    predicate: Callable[[K8sObject], bool], subjects: list[K8sObject], seen: dict[object, tuple[list[K8sObject], list[K8sObject]]]
) -> list[K8sObject]:
    """The subjects for which ``predicate`` (a Check.local) holds.

    ``seen`` remembers the answer for a list of subjects (the schema rules share one).
    """
    key = (predicate, id(subjects))
    if key not in seen:  # the entry holds the list, so its id is not reused meanwhile
        seen[key] = (subjects, [obj for obj in subjects if _holds(predicate, obj)])
    return seen[key][1]


def _holds(predicate: Callable[[K8sObject], bool], obj: K8sObject) -> bool:
    """Whether the predicate holds; one that crashes does not (the check then runs where it is guarded, and the
    crash is reported as the check's)."""
    try:
        return bool(predicate(obj))
    except K8slintError:
        raise
    except Exception:
        return False


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
