"""A lint run: load -> index -> run rules -> stamp -> suppress -> sort."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from k8slint.config import Settings
from k8slint.errors import K8slintError
from k8slint.findings import Finding, Location, Problem, Severity, format_path
from k8slint.model.index import ObjectIndex
from k8slint.registry import Check, RuleSpec
from k8slint.sources.charts import ChartDoc, load_chart, render_charts
from k8slint.sources.discover import add_context, discover, read_input
from k8slint.sources.dockerfiles import DockerfileDoc, parse_dockerfile
from k8slint.sources.manifests import (
    SUPPRESS_ALL,
    K8sObject,
    SourceFile,
    load_manifest_text,
)

IGNORE_ANNOTATION = "k8slint.io/ignore"


class Run:
    """What the checks of one run share: the index, the target version, the schemas."""

    def __init__(self, settings: Settings, index: ObjectIndex) -> None:
        self.settings = settings
        self.index = index
        self.registry_lookups: dict[tuple[Any, ...], Any] = {}

    @cached_property
    def kubernetes_version(self) -> str:
        from k8slint.validation import resolve_version

        return resolve_version(self.settings.kubernetes_version)

    @cached_property
    def builds(self) -> Any:
        """Which Dockerfile builds which container image (k8slint.model.dockerbuild)."""
        from k8slint.model.dockerbuild import BuildMap, image_settings

        settings = image_settings(self.settings.images, self.settings.config_dir)
        return BuildMap(list(self.index.dockerfiles), list(self.index.objects), settings)

    @cached_property
    def schemas(self) -> Any:
        from k8slint.validation import SchemaStore

        return SchemaStore(
            self.kubernetes_version,
            strict=self.settings.enabled("unknown-field"),
            locations=self.settings.schema_locations,
            objects=self.index.objects,
        )


@dataclass(frozen=True, slots=True)
class RuleContext:
    """What a check may read besides its subject: the object index, its options, the run."""

    index: ObjectIndex
    options: dict[str, Any]
    namespace: str
    run: Run

    @property
    def kubernetes_version(self) -> str:
        return self.run.kubernetes_version

    @property
    def schemas(self) -> Any:
        return self.run.schemas

    @property
    def builds(self) -> Any:
        return self.run.builds

    @property
    def settings(self) -> Settings:
        return self.run.settings


@dataclass(slots=True)
class Result:
    findings: list[Finding]
    files: int
    """Input files read (or attempted)."""
    objects: int
    notes: list[str] = field(default_factory=list)

    def count(self, severity: Severity) -> int:
        return sum(1 for f in self.findings if f.severity == severity)

    def fails(self, threshold: Severity) -> bool:
        return any(f.severity >= threshold for f in self.findings)


@dataclass(slots=True)
class _Suppressions:
    """Suppression comments and annotations, and which of them were used."""

    used: set[tuple[Any, ...]] = field(default_factory=set)

    def comment_tokens(self, source: SourceFile, line: int) -> Iterable[tuple[int, str]]:
        for target in (line, line - 1):
            tokens = source.suppressions.get(target)
            if tokens and (target == line or _whole_line_comment(source, target)):
                yield from ((target, token) for token in tokens)

    def suppressed(self, finding: Finding, rule: RuleSpec, source: SourceFile | None, obj: Any) -> bool:
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


def lint(
    paths: Sequence[str],
    settings: Settings,
    *,
    with_context: bool = False,
    progress: Callable[[int, int], None] | None = None,
    jobs: int = 1,
) -> Result:
    """Lint the files under ``paths`` (``-`` reads standard input).

    With ``with_context``, the other manifests in the folders of the files
    given are read too, so that references between objects resolve, but only
    findings on the files given are reported (as a pre-commit hook needs).
    With ``jobs`` above 1, manifest files are parsed and their local checks run
    in that many worker processes; the output is the same as with one.
    """
    try:
        return _lint(paths, settings, with_context, progress, jobs)
    finally:
        gc.unfreeze()


def _lint(
    paths: Sequence[str],
    settings: Settings,
    with_context: bool,
    progress: Callable[[int, int], None] | None,
    jobs: int,
) -> Result:
    found = discover(paths, settings.exclude)
    reported: set[str] | None = None
    if with_context:
        reported = {f.display for f in found.files}
        found = add_context(found, settings.exclude)
    registry = settings.registry
    state = _State()
    state.raw.extend((registry[rule_name], problem, None) for rule_name, problem in found.problems)
    manifests = [f for f in found.files if not f.is_dockerfile]
    dockerfiles = [f for f in found.files if f.is_dockerfile]
    total = len(found.files)
    report = progress if progress is not None else (lambda done, total: None)
    parallel = jobs > 1 and len(manifests) >= PARALLEL_MIN_FILES and _can_fork()
    if parallel:
        _load_in_workers(manifests, settings, jobs, state, lambda done: report(done, total))
    else:
        for done, item in enumerate(manifests):
            report(done, total)
            _load_file(item, settings, state)
    for done, item in enumerate(dockerfiles, start=len(manifests)):
        report(done, total)
        _load_file(item, settings, state)
    report(total, total)
    charts: list[ChartDoc] = []
    notes: list[str] = []
    _load_charts(found.charts, settings, state, charts, notes)
    # A canonical order, so that "first" and "nearest" never depend on argument order or workers.
    objects = state.objects
    objects.sort(key=lambda o: o.key)
    state.dockerfiles.sort(key=lambda d: d.file.display)
    index = ObjectIndex(objects, settings.external_objects, state.dockerfiles)
    run = Run(settings, index)
    if settings.kubernetes_version is not None:
        _ = run.kubernetes_version  # an unsupported version is a usage error before any work
    if parallel:
        _check_in_workers(settings, run, objects, jobs, state)
        _run_checks(settings, run, objects, state.dockerfiles, charts, state.raw, wanted=_is_cross_other)
    else:
        _run_checks(settings, run, objects, state.dockerfiles, charts, state.raw)
    findings = _finish(state.raw, settings, state.sources, objects, state.stamped, state.used)
    if reported is not None:
        findings = [f for f in findings if f.location.file in reported]
    files = len(reported) if reported is not None else len(found.files)
    return Result(findings, files + len(charts), len(objects), notes)


@dataclass(slots=True)
class _State:
    """What loading produced: sources, objects, Dockerfiles, raw problems, and (from workers) findings."""

    sources: dict[str, SourceFile] = field(default_factory=dict)
    objects: list[K8sObject] = field(default_factory=list)
    dockerfiles: list[DockerfileDoc] = field(default_factory=list)
    raw: list[tuple[RuleSpec, Problem, Any]] = field(default_factory=list)
    stamped: list[Finding] = field(default_factory=list)
    used: set[tuple[Any, ...]] = field(default_factory=set)


def _load_file(item: Any, settings: Settings, state: _State) -> None:
    """Read one input file into ``state``; what it holds then lives until the run ends."""
    _read_file(item, settings, state)
    # Loaded documents are kept for the whole run and hold no garbage cycles: move them
    # out of the collector's view, or its full passes rescan the growing heap again and
    # again (half the run time at 10,000 documents). lint() unfreezes them at the end.
    gc.freeze()


def _read_file(item: Any, settings: Settings, state: _State) -> None:
    registry = settings.registry
    text, problem = read_input(item, settings.max_file_size)
    if text is None:
        rule = "file-too-large" if "max-file-size" in problem.message else "unreadable-file"  # type: ignore[union-attr]
        state.raw.append((registry[rule], problem, None))  # type: ignore[arg-type]
        return
    if not text.strip():
        state.raw.append((registry["empty-file"], Problem("the file is empty", location=Location(item.display, 1, 1)), None))
        return
    source = SourceFile(item.display, text)
    state.sources[source.display] = source
    if item.is_dockerfile:
        parsed, problems = parse_dockerfile(source)
        if parsed is not None:
            state.dockerfiles.append(parsed)
        state.raw.extend((registry[rule_name], problem, parsed) for rule_name, problem in problems)
        return
    loaded = load_manifest_text(source, settings.namespace, json_file=item.is_json)
    state.objects.extend(loaded.objects)
    state.raw.extend((registry[rule_name], problem, problem.subject) for rule_name, problem in loaded.problems)


def _load_charts(
    roots: list[tuple[str, str]], settings: Settings, state: _State, charts: list[ChartDoc], notes: list[str]
) -> None:
    registry = settings.registry
    for display, path in roots:
        chart, problems, files = load_chart(Path(path), display)
        charts.append(chart)
        state.sources.update(files)
        state.raw.extend((registry[rule_name], problem, chart) for rule_name, problem in problems)
    if not charts:
        return
    rendered = render_charts(charts, settings, notes) if settings.render else None
    if rendered is None:
        notes.append(
            f"{len(charts)} Helm chart{'s' if len(charts) != 1 else ''} linted without rendering: "
            "run `helm template CHART | k8slint check -` (or check --render with helm on PATH) to lint "
            "the manifests they produce"
        )
        return
    for source, chart, error in rendered:
        if error is not None:
            state.raw.append((registry["template-syntax"], error, chart))
            continue
        state.sources[source.display] = source  # type: ignore[union-attr]
        loaded = load_manifest_text(source, settings.namespace)  # type: ignore[arg-type]
        state.objects.extend(loaded.objects)
        state.raw.extend((registry[name], problem, problem.subject) for name, problem in loaded.problems)


def _run_checks(
    settings: Settings,
    run: Run,
    objects: list[K8sObject],
    dockerfiles: list[DockerfileDoc],
    charts: list[ChartDoc],
    raw: list[tuple[RuleSpec, Problem, Any]],
    *,
    wanted: Callable[[Check], bool] = lambda check: True,
    owned: Callable[[K8sObject], bool] | None = None,
) -> None:
    """Run the enabled checks for which ``wanted(check)`` holds.

    ``owned`` restricts per-object checks to a slice of the objects (a worker's share).
    """
    index = run.index
    for rule in settings.enabled_rules():
        for check in rule.checks:
            if not wanted(check):
                continue
            context = RuleContext(index, settings.rule_options(rule), settings.namespace, run)
            if check.scope == "set":
                raw.extend(_guarded(rule, check.func, (context,), None))
                continue
            if check.scope in ("dockerfile", "chart"):
                for doc in dockerfiles if check.scope == "dockerfile" else charts:
                    raw.extend(_guarded(rule, check.func, (doc, context), doc))
                continue
            subjects = objects if check.kinds is None else index.of_kind(*sorted(check.kinds))
            for obj in subjects:
                if owned is None or owned(obj):
                    raw.extend(_guarded(rule, check.func, (obj, context), obj))


# --- --jobs: manifest files parsed and locally checked in worker processes ----------------

_WORKER: dict[str, Any] = {}
PARALLEL_MIN_FILES = 32
"""Below this many manifest files, starting workers costs more than it saves."""


def _is_local(check: Check) -> bool:
    """Checks that read only their own object: run where the object is loaded."""
    return check.local


def _is_cross_object(check: Check) -> bool:
    """Per-object checks that need the index: run on slices of the objects."""
    return not check.local and check.scope == "object"


def _is_cross_other(check: Check) -> bool:
    """Set, Dockerfile and chart checks: run once, in the main process."""
    return not check.local and check.scope != "object"


def _share_out(worker: Callable[[int], Any], jobs: int, here: Callable[[], Any], **shared: Any) -> tuple[Any, list[Any]]:
    """Run ``worker(1)`` .. ``worker(jobs - 1)`` in forked processes while this one runs ``here()``.

    ``shared`` is what the workers read from ``_WORKER`` (inherited by the fork,
    not pickled). Returns the result of ``here()`` and the workers' results in order.
    """
    import multiprocessing

    _WORKER.update(shared)
    try:
        with multiprocessing.get_context("fork").Pool(jobs - 1) as pool:
            pending = pool.map_async(worker, range(1, jobs))
            mine = here()
            return mine, pending.get()
    finally:
        _WORKER.clear()


def _can_fork() -> bool:
    import multiprocessing

    return "fork" in multiprocessing.get_all_start_methods()


def _load_in_workers(
    files: list[Any], settings: Settings, jobs: int, state: _State, progress: Callable[[int], None]
) -> None:
    """Split the files into ``jobs`` chunks of similar size; each worker loads and checks its chunk.

    Progress is that of this process's own chunk, scaled to all files (the chunks
    are of similar size, so they finish at about the same time).
    """
    import os

    def size(item: Any) -> int:
        try:
            return os.path.getsize(item.path) if item.path else 0
        except OSError:
            return 0

    chunks: list[list[Any]] = [[] for _ in range(jobs)]
    totals = [0] * jobs
    # Standard input can only be read here: worker processes get /dev/null as stdin.
    chunks[0] = [item for item in files if not item.path]
    for item in sorted((item for item in files if item.path), key=size, reverse=True):
        smallest = totals.index(min(totals))
        chunks[smallest].append(item)
        totals[smallest] += size(item) + 1
    _, parts = _share_out(
        _worker,
        jobs,
        lambda: _load_share(chunks[0], settings, state, lambda done: progress(done * len(files) // max(1, len(chunks[0])))),
        settings=settings,
        chunks=chunks,
    )
    registry = settings.registry
    for texts, objects, raw, stamped, used in parts:
        for display, text in texts:
            state.sources[display] = SourceFile(display, text)
        for data, display, document, item, namespace, helm_source, span in objects:
            state.objects.append(K8sObject(data, state.sources[display], document, None, namespace, item, helm_source, span))
        for code, problem in raw:
            state.raw.append((registry[code], problem, None))
        state.stamped.extend(stamped)
        state.used |= used
        gc.freeze()  # as in _load_file: what a worker sent lives until the run ends


def _load_share(
    files: list[Any], settings: Settings, state: _State, progress: Callable[[int], None] = lambda done: None
) -> None:
    """Load ``files`` into ``state``, run the local checks on their objects, and stamp what they find."""
    start = len(state.objects)
    for done, item in enumerate(files):
        progress(done)
        _load_file(item, settings, state)
    mine = state.objects[start:]
    run = Run(settings, ObjectIndex(mine, settings.external_objects))
    checks: list[tuple[RuleSpec, Problem, Any]] = []
    _run_checks(settings, run, mine, [], [], checks, wanted=_is_local)
    bound = [r for r in state.raw if r[2] is not None]
    state.raw = [r for r in state.raw if r[2] is None]
    suppressions = _Suppressions()
    state.stamped.extend(_stamp_all(checks + bound, settings, state.sources, suppressions))
    state.used |= suppressions.used


def _worker(chunk: int) -> tuple[Any, ...]:
    """Load one chunk in a worker and return what the main process needs (all picklable)."""
    state = _State()
    _load_share(_WORKER["chunks"][chunk], _WORKER["settings"], state)
    texts = [(display, source.text) for display, source in state.sources.items()]
    objects = [(o.data, o.file.display, o.document, o.item, o.namespace, o.source, o.span) for o in state.objects]
    loose = [(rule.code, problem) for rule, problem, _ in state.raw]
    return texts, objects, loose, state.stamped, state.used


def _check_in_workers(settings: Settings, run: Run, objects: list[K8sObject], jobs: int, state: _State) -> None:
    """Run the per-object checks that need the index on ``jobs`` slices of the objects.

    The workers are forked after the index is built, so each sees the whole set;
    ``jobs - 1`` of them run in child processes and this process takes the first
    slice. Each returns its stamped findings and the suppressions they used.
    """
    owner = {id(obj): position % jobs for position, obj in enumerate(objects)}
    run.index.prepare()
    _ = run.builds
    shared = {"settings": settings, "run": run, "objects": objects, "owner": owner, "sources": state.sources}
    mine, others = _share_out(_check_worker, jobs, lambda: _check_worker(0), **shared)
    for stamped, used in [mine, *others]:
        state.stamped.extend(stamped)
        state.used |= used


def _check_worker(share: int) -> tuple[list[Finding], set[tuple[Any, ...]]]:
    settings: Settings = _WORKER["settings"]
    owner: dict[int, int] = _WORKER["owner"]
    raw: list[tuple[RuleSpec, Problem, Any]] = []
    _run_checks(
        settings, _WORKER["run"], _WORKER["objects"], [], [], raw, wanted=_is_cross_object, owned=lambda obj: owner[id(obj)] == share
    )
    suppressions = _Suppressions()
    return _stamp_all(raw, settings, _WORKER["sources"], suppressions), suppressions.used


def _guarded(rule: RuleSpec, func: Any, args: tuple[Any, ...], subject: Any) -> list[tuple[RuleSpec, Problem, Any]]:
    """Run one check; a crash in it is reported, and the other checks go on."""
    try:
        return [(rule, problem, problem.subject or subject) for problem in func(*args)]
    except K8slintError:
        raise
    except Exception as exc:  # noqa: BLE001 - one broken rule must not end the run
        from k8slint.registry import registry

        what = subject.describe() if subject is not None else "the object set"
        problem = Problem(
            f"rule {rule.code} ({rule.name}) failed on {what}: {type(exc).__name__}: {exc}",
            subject=subject,
        )
        return [(registry()["internal-error"], problem, subject)]


def _stamp_all(
    raw: list[tuple[RuleSpec, Problem, Any]],
    settings: Settings,
    sources: dict[str, SourceFile],
    suppressions: _Suppressions,
) -> list[Finding]:
    """Findings from problems, without the suppressed ones (recording which suppressions were used)."""
    findings = []
    for rule, problem, subject in raw:
        if rule.code in settings.disabled:
            continue
        finding = _stamp(rule, problem, subject, settings, sources)
        if not suppressions.suppressed(finding, rule, sources.get(finding.location.file), subject):
            findings.append(finding)
    return findings


def _finish(
    raw: list[tuple[RuleSpec, Problem, Any]],
    settings: Settings,
    sources: dict[str, SourceFile],
    objects: list[K8sObject],
    stamped: list[Finding] = (),  # type: ignore[assignment]
    used: set[tuple[Any, ...]] = frozenset(),  # type: ignore[assignment]
) -> list[Finding]:
    """Stamp and suppress the problems, add what workers found, report unused suppressions, sort."""
    suppressions = _Suppressions(set(used))
    findings: dict[tuple[Any, ...], Finding] = {}
    for finding in [*stamped, *_stamp_all(raw, settings, sources, suppressions)]:
        findings.setdefault(finding.sort_key, finding)
    unused = settings.registry["unused-suppression"]
    if unused.code not in settings.disabled:
        for rule, problem, subject in _unused_suppressions(suppressions, settings, sources, objects, unused):
            finding = _stamp(rule, problem, subject, settings, sources)
            findings.setdefault(finding.sort_key, finding)
    return sorted(findings.values(), key=lambda f: f.sort_key)


def _stamp(
    rule: RuleSpec,
    problem: Problem,
    subject: Any,
    settings: Settings,
    sources: dict[str, SourceFile],
) -> Finding:
    """A finding from a problem; the subject is a Kubernetes object, a Dockerfile, or None."""
    obj = subject if isinstance(subject, K8sObject) else None
    location = problem.location
    if location is None:
        if obj is not None:
            location = obj.locate(problem.path)
        elif hasattr(subject, "origin"):
            location = subject.origin()
        else:
            location = Location("<unknown>", 1, 1)
    source_file = sources.get(location.file)
    snippet = source_file.line(location.line) if source_file is not None else None
    return Finding(
        code=rule.code,
        rule=rule.name,
        severity=problem.severity or settings.severity(rule),
        message=problem.message,
        location=location,
        path=format_path(problem.path) if obj is not None and problem.path else None,
        object=obj.ref if obj is not None else None,
        hint=problem.hint or rule.hint,
        source=obj.source if obj is not None else None,
        related=problem.related,
        snippet=snippet,
    )


def _unused_suppressions(
    suppressions: _Suppressions,
    settings: Settings,
    sources: dict[str, SourceFile],
    objects: list[K8sObject],
    unused: RuleSpec,
) -> Iterable[tuple[RuleSpec, Problem, K8sObject | None]]:
    registry = settings.registry

    def reason(token: str) -> str | None:
        if token == SUPPRESS_ALL:
            return "suppresses nothing here"
        rule = registry.get(token)
        if rule is None:
            return f"names an unknown rule {token!r}"
        if rule.code in settings.disabled:
            return None  # the rule did not run, so nothing can be said
        return f"{token} reports nothing here"

    for display, source in sources.items():
        for line, tokens in source.suppressions.items():
            for token in sorted(tokens):
                if ("comment", display, line, token) in suppressions.used:
                    continue
                why = reason(token)
                if why:
                    yield unused, Problem(f"suppression comment {why}", location=Location(display, line, 1)), None
    for obj in objects:
        for token in annotation_tokens(obj):
            if ("annotation", *obj.key, token) in suppressions.used:
                continue
            why = reason(token)
            if why:
                path = ("metadata", "annotations", IGNORE_ANNOTATION)
                yield unused, Problem(f"{IGNORE_ANNOTATION} annotation {why}", path=path, subject=obj), obj
