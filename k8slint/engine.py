"""A lint run: discover -> identify -> load -> index -> look up -> plan -> run -> finish.

Each step has a module of its own: loading (load), worker processes for
--jobs (scheduler), which checks run where (plan), what checks may read
(context), registry lookups (image_lookups), stamping (stamp) and
suppressions (suppress). This module only joins them.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

from k8slint import rulecodes, scheduler
from k8slint.collector import collector_paused
from k8slint.config import Settings
from k8slint.findings import Result
from k8slint.load import LoadState, build_kustomizations, grade_duplicate_keys, load_charts, load_kustomize_builds, read_file
from k8slint.model.graph.index import ObjectIndex
from k8slint.model.objects import K8sObject
from k8slint.model.values import mapping, string
from k8slint.plan import Phase, make_plan, run_checks, run_facts
from k8slint.sources.discover import STDIN_DISPLAY, Discovery, add_context, discover, identify
from k8slint.sources.safefs import overlaid
from k8slint.sources.yamlsafe import forget_shared_mappings
from k8slint.stamp import finish

if TYPE_CHECKING:
    from k8slint.sources.charts import ChartDoc

__all__ = ["Result", "lint"]


def lint(
    paths: Sequence[str],
    settings: Settings,
    *,
    with_context: bool = False,
    progress: Callable[[int, int], None] | None = None,
    jobs: int = 1,
    overlay: Mapping[str, str] | None = None,
) -> Result:
    """Lint the files under ``paths`` (``-`` reads standard input).

    With ``with_context``, the other manifests in the folders of the files
    given are read too, so that references between objects resolve, but only
    findings on the files given are reported (as a pre-commit hook needs).
    With ``jobs`` above 1, manifest files are parsed and their local checks run
    in that many worker processes; the output is the same as with one.
    ``overlay`` maps paths to texts read in their place (an editor's unsaved
    buffers); with an overlay the run stays in this process.
    """
    try:
        if overlay:
            with overlaid(overlay):
                return _lint(paths, settings, with_context, progress, 1)
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
    forget_shared_mappings()
    # discover
    found = discover(paths, settings.exclude, settings.default_excludes)
    reported: set[str] | None = None
    if with_context:
        reported = {f.display for f in found.files}
        found = add_context(found, settings.exclude)
    policy_files = _add_policies(found, settings) if settings.policy_dirs else frozenset()
    found = identify(found)  # what each file is: a manifest, a Dockerfile, a chart's, kustomize's, another tool's
    state = LoadState()
    state.raw.extend((settings.registry[code], problem, None) for code, problem in found.problems)
    notes: list[str] = []
    # kustomize builds run here, before any worker is forked; the files they use are linted through them
    builds = build_kustomizations(found, settings, state, notes, jobs)
    covered = builds.covered if builds is not None else set()
    manifests = [
        f for f in found.files if not f.is_dockerfile and f.aside is None and (f.path is None or os.path.abspath(f.path) not in covered)
    ]
    dockerfiles = [f for f in found.files if f.is_dockerfile and f.aside is None]
    total = len(found.files)
    report = progress if progress is not None else (lambda done, total: None)

    # load (with --jobs, the manifests and their local checks in worker processes)
    parallel = jobs > 1 and len(manifests) >= scheduler.PARALLEL_MIN_FILES and scheduler.can_fork()
    local = scheduler.LocalChecks(settings) if parallel else None  # planned once, for every process
    with collector_paused():
        if local is not None:
            scheduler.load_in_workers(manifests, settings, jobs, local, state, lambda done: report(done, total))
        else:
            for done, item in enumerate(manifests):
                report(done, total)
                read_file(item, settings, state)
        for done, item in enumerate(dockerfiles, start=len(manifests)):
            report(done, total)
            read_file(item, settings, state)
    report(total, total)
    charts: list[ChartDoc] = []
    if local is not None:  # what charts render and kustomize builds is loaded here, after the workers: so are their local checks
        rendered = LoadState()
        rendered.sources = state.sources  # placements add the files built objects came from
        with collector_paused():  # what renders and builds print is loaded here, as the files were
            load_charts(found.charts, found.roots, settings, rendered, charts, notes)
            if builds is not None:
                load_kustomize_builds(builds, found, settings, rendered)
        if rendered.objects or rendered.raw:
            local.check(rendered, settings)
        state.merge(rendered)
    else:
        with collector_paused():
            load_charts(found.charts, found.roots, settings, state, charts, notes)
            if builds is not None:
                load_kustomize_builds(builds, found, settings, state)

    grade_duplicate_keys(state.raw, found, state.objects)  # refused where kustomize reads the file, else a warning

    # index, in a canonical order, so that "first" and "nearest" never depend on argument order or workers
    objects = state.objects
    objects.sort(key=lambda o: o.key)
    state.dockerfiles.sort(key=lambda d: d.file.display)
    external = [*settings.external_objects, *found.asserted]  # what end-to-end tests assert exists is made by something
    asserted = [(namespace or settings.namespace, data) for namespace, data in found.asserted_resources]
    index = ObjectIndex(
        objects, external, state.dockerfiles, asserted, everywhere=policy_files, unit_roots=found.test_folders, sent_at=found.sent_at
    )
    facts = run_facts(settings, index)
    if settings.kubernetes_version is not None:
        _ = facts.kubernetes_version  # an unsupported version is a usage error before any work

    # look up base images in their registries, before any rule runs
    lookups = None
    if settings.check_registry and any(settings.enabled(code) for code in rulecodes.REGISTRY_LOOKUP_RULES):
        from k8slint.image_lookups import look_up_base_images

        lookups = look_up_base_images(state.dockerfiles, settings.insecure_registries)

    # plan and run: with workers, the local checks ran where each file was loaded; the rest run here
    plan = make_plan(settings, facts, lookups)
    run_checks(plan, objects, state.dockerfiles, charts, state.raw, phase=Phase.REST if parallel else Phase.ALL)

    if any(o.kind == "CustomResourceDefinition" for o in objects):
        _note_unevaluated_crd_rules(objects, notes)

    # finish: stamp, suppress, sort
    findings = finish(state.raw, settings, state.sources, objects, state.stamped, state.used, units=index.units)
    if reported is not None:
        findings = [f for f in findings if f.location.file in reported]
    if policy_files:
        findings = [f for f in findings if f.location.file not in policy_files or f.code in rulecodes.POLICY_FILE_RULES]
    placed = {f.display: f.aside for f in found.set_aside if f.aside is not None and not f.in_chart}
    aside = sorted({**placed, **state.aside}.items())
    chart_files = sorted((f.display, f.aside) for f in found.set_aside if f.aside is not None and f.in_chart)
    if reported is not None:
        aside = [entry for entry in aside if entry[0] in reported]
        chart_files = [entry for entry in chart_files if entry[0] in reported]
    files = (len(reported) if reported is not None else len(found.files) - len(policy_files)) - len(aside) - len(chart_files)
    names = {f.display: f.path for f in found.files if f.path is not None and f.display != f.path and not f.path.isprintable()}
    # Nothing to lint: no file found (an empty folder, an exclude that drops everything), or
    # standard input alone and empty, and nothing to say of why; CI must not read that as a
    # clean run. (Files that were found but skipped are findings, and the report shows them.)
    read_any = bool(charts) or any(f.path is not None for f in found.files) or STDIN_DISPLAY in state.sources
    read_any = read_any or any(f.code != rulecodes.EMPTY_FILE for f in findings)
    return Result(
        findings,
        files + len(charts),
        len(objects),
        notes,
        file_names=names,
        no_input=not read_any,
        not_kubernetes=aside,
        left_out=[] if reported is not None else found.left_out,
        hidden_folders=[] if reported is not None else found.hidden,
        chart_files=chart_files,
        loaded=(state, facts, charts),
    )


def _add_policies(found: Discovery, settings: Settings) -> frozenset[str]:
    """Add the manifests of the --policies folders to the files found; returns their display names.

    Their objects join the set, so that their admission policies, bindings and
    params apply to the linted objects; only the CEL rules report on them.
    """
    extra = discover(settings.policy_dirs, settings.exclude, settings.default_excludes)
    known = {f.path for f in found.files}
    added = [f for f in extra.files if f.path not in known and not f.is_dockerfile]
    found.files.extend(added)
    found.problems.extend(extra.problems)
    return frozenset(f.display for f in added)


def _note_unevaluated_crd_rules(objects: list[K8sObject], notes: list[str]) -> None:
    """Without the CEL runtime, the CRDs' validation rules are not evaluated: said once, not at every rule."""
    from k8slint.model import cel
    from k8slint.model.crdrules import all_rules

    present = {((o.api_version or "").rpartition("/")[0], o.kind) for o in objects}

    def checked(crd: K8sObject) -> bool:  # a CRD with rules whose custom resources are in the set
        spec = mapping(crd.data.get("spec"))
        group, kind = string(spec.get("group")), string(mapping(spec.get("names")).get("kind"))
        return group is not None and (group, kind) in present and any(True for _ in all_rules(crd))

    crds = [o for o in objects if o.kind == "CustomResourceDefinition" and checked(o)]
    if crds and not cel.available():
        count = f"{len(crds)} CustomResourceDefinition{'s' if len(crds) != 1 else ''}"
        notes.append(f"the CEL validation rules of {count} were not evaluated on their custom resources: {cel.INSTALL_HINT}")
