"""A lint run: load -> index -> run rules -> stamp -> suppress -> sort."""

from __future__ import annotations

import gc
import os
import signal
import struct
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any

from k8slint.config import Settings
from k8slint.errors import K8slintError
from k8slint.findings import Finding, Location, Problem, Severity, format_path
from k8slint.model.dockerfile import DockerfileDoc
from k8slint.model.graph.index import ObjectIndex
from k8slint.model.objects import SUPPRESS_ALL, K8sObject, SourceFile
from k8slint.registry import Check, RuleSpec
from k8slint.sources.charts import ChartDoc, load_chart, render_charts
from k8slint.sources.discover import add_context, discover, problem_rule, read_input
from k8slint.sources.dockerfiles import parse_dockerfile
from k8slint.sources.manifests import load_manifest_text

IGNORE_ANNOTATION = "k8slint.io/ignore"


class Run:
    """What the checks of one run share: the index, the target version, the schemas."""

    def __init__(self, settings: Settings, index: ObjectIndex) -> None:
        self.settings = settings
        self.index = index
        self.registry_lookups: dict[tuple[Any, ...], Any] = {}

    @cached_property
    def kubernetes_version(self) -> str:
        from k8slint.model.schemas import resolve_version

        return resolve_version(self.settings.kubernetes_version)

    @cached_property
    def builds(self) -> Any:
        """Which Dockerfile builds which container image (k8slint.model.dockerbuild)."""
        from k8slint.model.dockerbuild import BuildMap, image_settings

        settings = image_settings(self.settings.images, self.settings.config_dir)
        return BuildMap(list(self.index.dockerfiles), list(self.index.objects), settings)

    @cached_property
    def schemas(self) -> Any:
        from k8slint.model.schemas import SchemaStore

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
    config_file: str | None = None
    """The config file in effect, as the settings name it; None without one."""
    file_names: dict[str, str] = field(default_factory=dict)
    """The real name of each input file whose report name had to be escaped (not printable,
    or not UTF-8): SARIF URIs name the file itself."""
    loaded: Any = field(default=None, repr=False, compare=False)
    """What the run loaded (sources, objects, index), released with the result rather than
    piece by piece when lint() returns: a command that exits next never pays for it."""

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
    local = _LocalChecks(settings) if parallel else None  # planned once, for every process
    with _collector_paused():
        if local is not None:
            _load_in_workers(manifests, settings, jobs, local, state, lambda done: report(done, total))
        else:
            for done, item in enumerate(manifests):
                report(done, total)
                _read_file(item, settings, state)
        for done, item in enumerate(dockerfiles, start=len(manifests)):
            report(done, total)
            _read_file(item, settings, state)
    report(total, total)
    charts: list[ChartDoc] = []
    notes: list[str] = []
    if local is not None:  # the manifests charts render are loaded here, after the workers: so are their local checks
        rendered = _State()
        _load_charts(found.charts, found.roots, settings, rendered, charts, notes)
        if rendered.objects or rendered.raw:
            local.check(rendered, settings)
        _merge(state, rendered)
    else:
        _load_charts(found.charts, found.roots, settings, state, charts, notes)
    # A canonical order, so that "first" and "nearest" never depend on argument order or workers.
    objects = state.objects
    objects.sort(key=lambda o: o.key)
    state.dockerfiles.sort(key=lambda d: d.file.display)
    index = ObjectIndex(objects, settings.external_objects, state.dockerfiles)
    run = Run(settings, index)
    if settings.kubernetes_version is not None:
        _ = run.kubernetes_version  # an unsupported version is a usage error before any work
    # With workers, the local checks ran where each file was loaded; the rest run here.
    _run_checks(_plan(settings, run), objects, state.dockerfiles, charts, state.raw, phase="rest" if parallel else "all")
    findings = _finish(state.raw, settings, state.sources, objects, state.stamped, state.used)
    if reported is not None:
        findings = [f for f in findings if f.location.file in reported]
    files = len(reported) if reported is not None else len(found.files)
    names = {f.display: f.path for f in found.files if f.path is not None and f.display != f.path and not f.path.isprintable()}
    return Result(findings, files + len(charts), len(objects), notes, file_names=names, loaded=(state, run, charts))


@dataclass(slots=True)
class _State:
    """What loading produced: sources, objects, Dockerfiles, raw problems, and (from workers) findings."""

    sources: dict[str, SourceFile] = field(default_factory=dict)
    objects: list[K8sObject] = field(default_factory=list)
    dockerfiles: list[DockerfileDoc] = field(default_factory=list)
    raw: list[tuple[RuleSpec, Problem, Any]] = field(default_factory=list)
    stamped: list[Finding] = field(default_factory=list)
    used: set[tuple[Any, ...]] = field(default_factory=set)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while files are loaded, then freeze what was loaded.

    Loading makes no reference cycles (a test holds it) and what it makes is
    kept for the whole run: the collector's passes over the growing heap only
    cost time (half the run at 10,000 documents before). Frozen, the loaded
    documents stay out of later passes too; lint() unfreezes them at the end.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


def _read_file(item: Any, settings: Settings, state: _State) -> None:
    """Load one input file into ``state``; a crash while loading it is a finding on it, and the run goes on."""
    _per_file(item.display, settings, state, _read_one, item, settings, state)


def _per_file(display: str, settings: Settings, state: _State, func: Callable[..., None], *args: Any) -> None:
    """Run ``func``, the loading of the one file ``display``; an exception in it becomes an internal-error finding there."""
    try:
        func(*args)
    except K8slintError:
        raise
    except Exception as exc:  # noqa: BLE001 - one hostile file must not lose the whole report
        message = f"k8slint could not load this file: {_one_line(exc)}"
        state.raw.append((settings.registry["internal-error"], Problem(message, location=Location(display, 1, 1)), None))


def _one_line(exc: BaseException, limit: int = 200) -> str:
    """``Type: message`` on one line, cut to ``limit`` characters."""
    detail = " ".join(str(exc).split())
    text = f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _read_one(item: Any, settings: Settings, state: _State) -> None:
    registry = settings.registry
    text, problem = read_input(item, settings.max_file_size)
    if text is None:
        rule = problem_rule(problem)  # type: ignore[arg-type]
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
    _add_manifests(source, settings, state, json_file=item.is_json)


def _add_manifests(source: SourceFile, settings: Settings, state: _State, json_file: bool = False) -> None:
    """The objects of a manifest file (or rendered template) and the problems met reading it."""
    loaded = load_manifest_text(source, settings.namespace, json_file=json_file)
    state.objects.extend(loaded.objects)
    registry = settings.registry
    state.raw.extend((registry[rule_name], problem, problem.subject) for rule_name, problem in loaded.problems)


def _load_charts(
    roots: list[tuple[str, str]], linted: Any, settings: Settings, state: _State, charts: list[ChartDoc], notes: list[str]
) -> None:
    registry = settings.registry
    def add_chart(display: str, path: str) -> None:
        chart, problems, files = load_chart(Path(path), display, linted)
        charts.append(chart)
        state.sources.update(files)
        state.raw.extend((registry[rule_name], problem, chart) for rule_name, problem in problems)

    for display, path in roots:
        _per_file(f"{display.rstrip('/')}/Chart.yaml", settings, state, add_chart, display, path)
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
        _per_file(source.display, settings, state, _add_manifests, source, settings, state)  # type: ignore[union-attr]


_Plan = list[tuple[RuleSpec, Check, RuleContext]]


def _plan(settings: Settings, run: Run) -> _Plan:
    """Every enabled check, with the context it runs in."""
    plan = []
    for rule in settings.enabled_rules():
        context = RuleContext(run.index, settings.rule_options(rule), settings.namespace, run)
        plan.extend((rule, check, context) for check in rule.checks)
    return plan


def _run_checks(
    plan: _Plan,
    objects: list[K8sObject],
    dockerfiles: list[DockerfileDoc],
    charts: list[ChartDoc],
    raw: list[tuple[RuleSpec, Problem, Any]],
    *,
    phase: str = "all",
) -> None:
    """Run the checks of ``plan`` that belong to ``phase``.

    "all" runs every check. With worker processes, "local" runs where files
    were loaded, on their objects only: the object checks that read nothing but
    their object and the set checks that compare objects within a file
    (Check.local). "rest" runs everything else, on the whole set.
    """
    by_kind: dict[str, list[K8sObject]] | None = None
    files: ObjectIndex | None = None
    if phase == "local":  # the plan's index is empty here: sort these files' objects by kind
        by_kind = {}
        for obj in objects:
            by_kind.setdefault(obj.kind, []).append(obj)  # type: ignore[arg-type]
    split: dict[Any, Any] = {}
    for rule, check, context in plan:
        if check.scope == "set":
            if phase == "all" or check.local == (phase == "local"):
                if phase == "local":  # a check within files: it sees the index of the files loaded here
                    if files is None:
                        files = ObjectIndex(objects, context.settings.external_objects)
                    context = replace(context, index=files)
                raw.extend(_guarded(rule, check.func, (context,), None))
            continue
        if check.scope != "object":
            if phase == "local":
                continue
            for doc in dockerfiles if check.scope == "dockerfile" else charts:
                raw.extend(_guarded(rule, check.func, (doc, context), doc))
            continue
        if check.pods:
            subjects = [obj for obj in objects if obj.pod_spec() is not None] if by_kind is not None else context.index.with_pod_spec
        elif check.kinds is None:
            subjects = objects
        elif by_kind is not None:
            subjects = [obj for kind in sorted(check.kinds) for obj in by_kind.get(kind, ())]
        else:
            subjects = context.index.of_kind(*sorted(check.kinds))
        if phase != "all":
            subjects = _in_phase(check, subjects, phase == "local", split)
        for obj in subjects:
            raw.extend(_guarded(rule, check.func, (obj, context), obj))


def _in_phase(check: Check, subjects: list[K8sObject], local: bool, seen: dict[Any, Any]) -> list[K8sObject]:
    """The subjects on which ``check`` runs in the local phase (``local``) or in the rest.

    ``seen`` remembers a predicate's answer for a list of subjects (the schema
    rules share one).
    """
    if isinstance(check.local, bool):
        return subjects if check.local == local else []
    key = (check.local, id(subjects))
    if key not in seen:  # the entry holds the list, so its id is not reused meanwhile
        seen[key] = (subjects, [obj for obj in subjects if bool(check.local(obj)) == local])
    return seen[key][1]  # type: ignore[no-any-return]


# --- --jobs: batches of manifest files parsed and locally checked by several processes ----

PARALLEL_MIN_FILES = 32
"""Below this many manifest files, starting workers costs more than it saves."""
BATCH_BYTES = 128 * 1024
"""Files are handed out in batches of about this many bytes: few messages, and even shares."""
_WORKER: dict[str, Any] = {}
"""What worker processes read (inherited by the fork, not pickled)."""


def _can_fork() -> bool:
    import multiprocessing

    return "fork" in multiprocessing.get_all_start_methods()


def _batches(files: list[Any]) -> list[list[Any]]:
    """Consecutive files in batches of about BATCH_BYTES (standard input is never in one)."""
    batches: list[list[Any]] = []
    size = BATCH_BYTES
    for item in files:
        if not item.path:
            continue
        if size >= BATCH_BYTES:
            batches.append([])
            size = 0
        batches[-1].append(item)
        try:
            size += os.path.getsize(item.path) + 1
        except OSError:
            size += 1
    return batches


WORKER_POLL = 0.5
"""Seconds a process waits on the others before it checks that they are still there."""
_FRAME = struct.Struct("!Q")
"""A message on a worker's pipe: its length, then its pickle."""
_PR_SET_PDEATHSIG = 1


class WorkerDied(RuntimeError):
    """A worker process ended before it finished its share (killed, out of memory): the run cannot finish."""


def _claim(counter: Any, stalled: Callable[[], None]) -> int:
    """The next batch for this process (every process takes the next one free).

    The lock is awaited with a deadline: a process killed while it held the
    lock would stop every other one. ``stalled`` runs at each deadline, to find
    out (it raises, or ends the process).
    """
    lock = counter.get_lock()
    while not lock.acquire(timeout=WORKER_POLL):
        stalled()
    try:
        position = int(counter.value)
        counter.value = position + 1
    finally:
        lock.release()
    return position


class _Inbox:
    """This process's end of one worker's pipe: read without blocking, whole messages out.

    Only the worker holds the other end, so when it dies the pipe ends (EOF),
    even in the middle of a message: nothing here ever waits on a dead process.
    """

    def __init__(self, fd: int) -> None:
        os.set_blocking(fd, False)
        self.fd = fd
        self.open = True
        self._buffer = bytearray()

    def read(self) -> list[Any]:
        """The messages completed by what the pipe holds now; at its end, ``open`` turns False."""
        import pickle

        buffer = self._buffer
        while self.open:
            try:
                chunk = os.read(self.fd, 1 << 20)
            except BlockingIOError:
                break
            if chunk:
                buffer += chunk
            else:
                self.close()
        messages = []
        start = 0
        while len(buffer) - start >= _FRAME.size:
            (size,) = _FRAME.unpack_from(buffer, start)
            end = start + _FRAME.size + size
            if len(buffer) < end:
                break
            messages.append(pickle.loads(buffer[start + _FRAME.size : end]))
            start = end
        del buffer[:start]
        return messages

    def close(self) -> None:
        if self.open:
            self.open = False
            os.close(self.fd)


def _load_in_workers(
    files: list[Any], settings: Settings, jobs: int, local: _LocalChecks, state: _State, progress: Callable[[int], None]
) -> None:
    """Load ``files`` in this process and ``jobs - 1`` forked workers, and run their local checks.

    Every process takes the next free batch of files until none is left, so
    the shares even out by themselves; a worker sends each batch's result as
    soon as it is done, on a pipe of its own, and this process takes them in
    between its own batches. Results are merged in batch order, so the
    outcome is the same whoever loaded what.

    A worker that dies (killed, out of memory) ends the run with WorkerDied
    within a poll interval of this process's next wait; workers end when this
    process does (see _load_worker).
    """
    import multiprocessing
    from multiprocessing.connection import wait

    context = multiprocessing.get_context("fork")
    batches = _batches(files)
    counter = context.Value("i", 0)
    pipes = [_pipe() for _ in range(1, jobs)]
    unclosed = {fd for pipe in pipes for fd in pipe}
    workers: list[Any] = []
    inboxes: list[_Inbox] = []
    finished: set[int] = set()
    ended: set[int] = set()
    results: list[_State | None] = [None] * len(batches)
    done = 0

    def take(messages: list[Any]) -> None:
        nonlocal done
        for kind, number, payload in messages:
            if kind == "batch":
                results[number] = _ahead(_from_worker(payload, settings))
                done += len(batches[number])
                progress(done)
            elif kind == "done":
                finished.add(number)
            else:
                raise payload

    def pump(timeout: float) -> None:
        """Take what the workers sent, waiting up to ``timeout`` for something; a dead worker raises."""
        watch = [inbox.fd for inbox in inboxes if inbox.open]
        watch += [worker.sentinel for number, worker in enumerate(workers, start=1) if number not in ended]
        ready = set(wait(watch, timeout))
        for number, (worker, inbox) in enumerate(zip(workers, inboxes), start=1):
            if inbox.open and inbox.fd in ready:
                take(inbox.read())
            if number not in ended and (worker.sentinel in ready or not inbox.open):
                if worker.sentinel not in ready:
                    worker.join(WORKER_POLL)  # its pipe ended: the process is ending too
                ended.add(number)
                while inbox.open:  # what it sent before it ended (its end of the pipe is closed now)
                    take(inbox.read())
                if number not in finished:
                    raise WorkerDied(_died(number, worker))

    _WORKER.update(settings=settings, local=local, batches=batches, counter=counter)
    try:
        try:
            parent = os.getpid()
            for number, (read_fd, write_fd) in enumerate(pipes, start=1):
                # The worker keeps only its own end: then the main process alone reads each pipe.
                foreign = [fd for fd in unclosed if fd != write_fd] + [inbox.fd for inbox in inboxes]
                worker = context.Process(target=_load_worker, args=(number, write_fd, foreign, parent), daemon=True)
                worker.start()
                workers.append(worker)
                os.close(write_fd)
                unclosed.discard(write_fd)
                inboxes.append(_Inbox(read_fd))
                unclosed.discard(read_fd)
        finally:
            _WORKER.clear()
            for fd in unclosed:
                os.close(fd)
        own = _State()  # standard input can only be read here: workers get /dev/null as stdin
        for item in files:
            if not item.path:
                _read_file(item, settings, own)
        local.check(own, settings)
        while (position := _claim(counter, lambda: pump(0.0))) < len(batches):
            results[position] = _ahead(_load_batch(batches[position], settings, local))
            done += len(batches[position])
            progress(done)
            pump(0.0)
        while len(finished) < len(workers):  # a worker says "done" after its last batch
            pump(WORKER_POLL)
    finally:
        if len(finished) < len(workers):  # something failed: stop the others
            for worker in workers:
                worker.terminate()
        for worker in workers:
            worker.join(5 * WORKER_POLL)
            if worker.exitcode is None:
                worker.kill()
                worker.join(5 * WORKER_POLL)
        for inbox in inboxes:
            inbox.close()
    for part in [own, *results]:
        _merge(state, part)  # type: ignore[arg-type]


def _pipe() -> tuple[int, int]:
    """A pipe for one worker's results, of 1 MiB where the system allows (Linux): fewer, larger reads."""
    import fcntl

    read_fd, write_fd = os.pipe()
    if hasattr(fcntl, "F_SETPIPE_SZ"):
        try:
            fcntl.fcntl(write_fd, fcntl.F_SETPIPE_SZ, 1 << 20)
        except OSError:  # above the system's limit for this user
            pass
    return read_fd, write_fd


def _died(number: int, worker: Any) -> str:
    code = worker.exitcode
    if code is None:
        how = "closed its pipe"
    elif code < 0:
        try:
            how = f"was killed by signal {signal.Signals(-code).name}"
        except ValueError:
            how = f"was killed by signal {-code}"
    else:
        how = f"exited with code {code}"
    return (
        f"worker process {number} (pid {worker.pid}) {how} before it finished its share of the files "
        "(out of memory, or killed); the report would be incomplete (--jobs 1 loads everything in one process)"
    )


def _ahead(state: _State) -> _State:
    """Work the checks after loading will need, done now while the workers are still loading.

    Each object's pod spec views are computed once and memoized; computing
    them here makes this process take fewer batches, so the work is shared.
    """
    for obj in state.objects:
        obj.pod_spec()
        obj.pod_template_path()
        obj.containers()
        obj.references()
    return state


def _merge(state: _State, part: _State) -> None:
    state.sources.update(part.sources)
    state.objects.extend(part.objects)
    state.raw.extend(part.raw)
    state.stamped.extend(part.stamped)
    state.used |= part.used


class _LocalChecks:
    """The local checks (Check.local) of a process, planned once: run on each file as it is loaded."""

    def __init__(self, settings: Settings) -> None:
        self.plan = _plan(settings, Run(settings, ObjectIndex([], settings.external_objects)))

    def check(self, state: _State, settings: Settings) -> None:
        """Run the local checks on what ``state`` loaded, and stamp their findings and the loader's.

        Problems bound to no object (syntax errors and the like) are kept raw:
        the main process stamps them with the others.
        """
        raw: list[tuple[RuleSpec, Problem, Any]] = []
        _run_checks(self.plan, state.objects, [], [], raw, phase="local")
        bound = [r for r in state.raw if r[2] is not None]
        state.raw = [r for r in state.raw if r[2] is None]
        suppressions = _Suppressions()
        state.stamped.extend(_stamp_all(raw + bound, settings, state.sources, suppressions))
        state.used |= suppressions.used


def _load_batch(files: list[Any], settings: Settings, local: _LocalChecks) -> _State:
    state = _State()
    for item in files:
        _read_file(item, settings, state)
    local.check(state, settings)
    return state


def _load_worker(number: int, channel: int, foreign: list[int], parent: int) -> None:
    """A worker process: load batches until none is left, sending each result to the main process.

    It ends with the main process: by the kernel's parent-death signal where
    there is one (Linux), and everywhere when its pipe finds no reader (the
    main process held the only other end) or its parent is gone.
    """
    import queue
    import threading

    _die_with_parent(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group: the main process stops the workers
    for fd in foreign:
        os.close(fd)
    settings: Settings = _WORKER["settings"]
    batches: list[list[Any]] = _WORKER["batches"]
    local: _LocalChecks = _WORKER["local"]
    counter = _WORKER["counter"]
    gc.disable()  # as in the main process while it loads (_collector_paused)
    outbox: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
    sender = threading.Thread(target=_send_all, args=(channel, outbox), daemon=True)
    sender.start()  # sends while the next batch loads
    try:
        while (position := _claim(counter, lambda: _parent_alive(parent))) < len(batches):
            outbox.put(_message(("batch", position, _for_main(_load_batch(batches[position], settings, local)))))
        outbox.put(_message(("done", number, None)))
    except BaseException as exc:  # noqa: BLE001 - the main process reports it
        outbox.put(_message(("error", number, _picklable(exc))))
    outbox.put(None)
    sender.join()


def _message(payload: Any) -> bytes:
    import pickle

    body = pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)
    return _FRAME.pack(len(body)) + body


def _send_all(channel: int, outbox: Any) -> None:
    """Write the worker's messages to its pipe; with no one left to read them, end the worker."""
    try:
        while (data := outbox.get()) is not None:
            _write_all(channel, data)
    except OSError:  # BrokenPipeError: the main process is gone
        os._exit(1)


def _write_all(fd: int, data: bytes) -> None:
    with memoryview(data) as view:
        while view:
            view = view[os.write(fd, view) :]


def _die_with_parent(parent: int) -> None:
    """Ask the kernel to kill this process when its parent ends (Linux prctl), then check it has not already."""
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass
    _parent_alive(parent)


def _parent_alive(parent: int) -> None:
    if os.getppid() != parent:
        os._exit(1)


def _picklable(exc: BaseException) -> BaseException:
    import pickle
    import traceback

    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:  # noqa: BLE001
        return RuntimeError("".join(traceback.format_exception(exc)))
    return exc


def _for_main(state: _State) -> tuple[Any, ...]:
    """What the main process needs of a batch, in plain picklable form (no position trees).

    The documents go as one marshal blob where they can (plain data: 2.5x
    faster to write than pickle, a little faster to read); a document holding
    anything else (a timestamp from an explicit tag) sends the batch by pickle.
    """
    import marshal

    texts = [(display, source.text) for display, source in state.sources.items()]
    objects: Any = [(o.data, o.file.display, o.document, o.item, o.namespace, o.source, o.span) for o in state.objects]
    try:
        objects = marshal.dumps(objects)
    except ValueError:
        pass
    loose = [(rule.code, problem) for rule, problem, _ in state.raw]
    return texts, objects, loose, state.stamped, state.used


def _from_worker(payload: tuple[Any, ...], settings: Settings) -> _State:
    import marshal

    texts, objects, loose, stamped, used = payload
    if isinstance(objects, bytes):
        objects = marshal.loads(objects)
    state = _State(stamped=stamped, used=used)
    for display, text in texts:
        state.sources[display] = SourceFile(display, text)
    for data, display, document, item, namespace, helm_source, span in objects:
        state.objects.append(K8sObject(data, state.sources[display], document, None, namespace, item, helm_source, span))
    registry = settings.registry
    state.raw = [(registry[code], problem, None) for code, problem in loose]
    return state


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
            f"rule {rule.code} ({rule.name}) failed on {what}: {_one_line(exc)}",
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
    # Values from the input are cut here, once, so that no report grows with their length.
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
    ).clipped()


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
