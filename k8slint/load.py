"""Loading input files into what the checks read: sources, objects, Dockerfiles, charts.

Loading never crashes the run: a file that cannot be read, or that crashes
its loader, becomes a finding on that file, and the other files go on.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from k8slint import rulecodes
from k8slint.errors import K8slintError, UsageError
from k8slint.findings import Finding, Location, Problem, one_line
from k8slint.model.objects import K8sObject, SourceFile
from k8slint.plan import Raw
from k8slint.sources.discover import Discovery, InputFile, read_input
from k8slint.sources.manifests import KUSTOMIZE_REFUSES, load_manifest_text
from k8slint.sources.safefs import Roots
from k8slint.sources.testsuites import form_to_fill
from k8slint.suppress import Used

if TYPE_CHECKING:
    from k8slint.config import Settings
    from k8slint.model.dockerfile import DockerfileDoc
    from k8slint.sources.charts import ChartDoc
    from k8slint.sources.helmrender import HelmPlacement as Placed
    from k8slint.sources.kustomize_build import Builds


@dataclass(slots=True)
class LoadState:
    """What loading produced: sources, objects, Dockerfiles, raw problems, and (from workers) findings."""

    sources: dict[str, SourceFile] = field(default_factory=dict)
    objects: list[K8sObject] = field(default_factory=list)
    dockerfiles: list[DockerfileDoc] = field(default_factory=list)
    raw: list[Raw] = field(default_factory=list)
    stamped: list[Finding] = field(default_factory=list)
    used: set[Used] = field(default_factory=set)
    aside: dict[str, str] = field(default_factory=dict)
    """Files read that hold no Kubernetes object (display -> what they are instead)."""

    def merge(self, part: LoadState) -> None:
        self.sources.update(part.sources)
        self.objects.extend(part.objects)
        self.raw.extend(part.raw)
        self.stamped.extend(part.stamped)
        self.used |= part.used
        self.aside.update(part.aside)


def read_file(item: InputFile, settings: Settings, state: LoadState) -> None:
    """Load one input file into ``state``; a crash while loading it is a finding on it, and the run goes on."""
    _per_file(item.display, settings, state, _read_one, item, settings, state)


def _per_file(display: str, settings: Settings, state: LoadState, func: Callable[..., None], *args: object) -> None:
    """Run ``func``, the loading of the one file ``display``; an exception in it becomes an internal-error finding there."""
    try:
        func(*args)
    except K8slintError:
        raise
    except Exception as exc:
        message = f"k8slint could not load this file: {one_line(exc)}"
        state.raw.append((settings.registry[rulecodes.INTERNAL_ERROR], Problem(message, location=Location(display, 1, 1)), None))


def _read_one(item: InputFile, settings: Settings, state: LoadState) -> None:
    registry = settings.registry
    text, unread = read_input(item, settings.max_file_size)
    if text is None:
        assert unread is not None
        code, problem = unread
        state.raw.append((registry[code], problem, None))
        return
    if not text.strip():
        state.raw.append((registry[rulecodes.EMPTY_FILE], Problem("the file is empty", location=Location(item.display, 1, 1)), None))
        return
    source = SourceFile(
        item.display,
        text,
        selector_labels_from=item.selector_labels_from,
        namespace_from=item.namespace_from,
        kustomize_vars=item.kustomize_vars,
        kustomize_generated=item.kustomize_generated,
        kustomize_patched=item.kustomize_patched,
        images_set_by=dict(item.images_set_by),
        images_left_latest=item.images_left_latest,
        merged_into=item.merged_into,
        test_input=item.test_input,
        installed_by=item.installed_by,
    )
    if item.is_dockerfile:
        # the Dockerfile model and parser, only where there are Dockerfiles (a manifest-only run has no use for them)
        from k8slint.model.dockerbuild import build_options
        from k8slint.sources.dockerfiles import parse_dockerfile

        state.sources[source.display] = source
        build = build_options(source.display, settings.images, settings.config_dir, settings.build_args, settings.targets)
        parsed, problems = parse_dockerfile(source, build)
        if parsed is not None:
            state.dockerfiles.append(parsed)
        state.raw.extend((registry[code], problem, parsed) for code, problem in problems)
        return
    add_manifests(source, settings, state, json_file=item.is_json, generator_of=item.generator_of)


def add_manifests(
    source: SourceFile, settings: Settings, state: LoadState, json_file: bool = False, generator_of: str | None = None
) -> None:
    """The objects of a manifest file (or rendered template) and the problems met reading it.

    A file that holds no Kubernetes object at all (a compose file, package.json,
    a tool's config) is not linted: it is noted as set aside, with what it is.
    """
    loaded = load_manifest_text(source, settings.namespace, json_file=json_file)
    if loaded.not_kubernetes is not None:
        state.aside[source.display] = loaded.not_kubernetes
        return
    if generator_of is not None and loaded.objects and not any(isinstance(o.data.get("metadata"), dict) for o in loaded.objects):
        # a component's config file (KatibConfig, ControllerManagerConfig) that kustomize makes ConfigMap
        # data: an object to deploy has metadata; a whole manifest kept for a controller to create is linted
        kinds = sorted({o.kind or "?" for o in loaded.objects})
        state.aside[source.display] = f"the data of {generator_of} (a {', '.join(kinds)} config file, not an object to deploy)"
        return
    patch = kubeadm_patch(source.display, loaded.objects)
    if patch is not None:
        state.aside[source.display] = patch
        return
    state.sources[source.display] = source
    if source.test_input is None and source.merged_into is None:
        source.test_input = form_to_fill(source.display, [o.data for o in loaded.objects])
    if source.kustomize_patched:  # an object every build of the file removes ($patch: delete) is never applied
        loaded.objects = [o for o in loaded.objects if not source.patched(o.kind, o.name, "delete", "", o)]
    state.objects.extend(loaded.objects)
    registry = settings.registry
    state.raw.extend((registry[code], problem, problem.subject) for code, problem in loaded.problems)
    source.pack()  # its objects are made: positions and snippets decompress the text when they need it


# kubeadm's --patches folder (InitConfiguration/JoinConfiguration patches.directory): a file named
# target[suffix][+patchtype].(yaml|json) patches that control-plane component's static Pod manifest
# (kubernetes/cmd/kubeadm/app/util/patches/patches.go: the known targets and patch types)
_KUBEADM_PATCH = re.compile(r"(etcd|kube-apiserver|kube-controller-manager|kube-scheduler)[^+./]*(\+(strategic|merge|json))?\.(ya?ml|json)")


def kubeadm_patch(display: str, objects: list[K8sObject]) -> str | None:
    """What the file is when it is a kubeadm patch of a static Pod (kube-prometheus' e2e kind cluster mounts
    tests/e2e/kind/patches at kubeadm's patches directory): named for its target, in a folder of patches, and
    holding only partial Pods of that name in kube-system (no container with an image: a patch, not a manifest)."""
    match = _KUBEADM_PATCH.fullmatch(os.path.basename(display))
    if match is None or "patch" not in os.path.basename(os.path.dirname(display)) or not objects:
        return None
    target = match.group(1)
    for obj in objects:
        if obj.kind != "Pod" or obj.api_version != "v1" or obj.name != target or obj.namespace != "kube-system":
            return None
        if any(isinstance(c.data.get("image"), str) for c in obj.containers()):
            return None
    return f"a kubeadm patch of the {target} static Pod (kubeadm --patches), not an object to apply"


FLUX_KUSTOMIZATION_GROUP = "kustomize.toolkit.fluxcd.io/"


def grade_duplicate_keys(raw: list[Raw], found: Discovery, objects: list[K8sObject]) -> None:
    """A duplicate key is refused only where kustomize reads the file.

    kustomize (kyaml) refuses a mapping with a key twice (``mapping key already defined``);
    kubectl and the API server decode YAML leniently and keep the last value. A file that a
    kustomization in the set builds, or that lies in the path of a Flux Kustomization in the set
    (kustomize-controller builds every such folder with kustomize, writing a kustomization.yaml
    where there is none), keeps the error. Any other file is applied as it is (``kubectl apply -f``,
    Argo CD's plain directories): one of the two values is silently lost, a warning (variant
    ``kubectl-keeps-last``). Helm's own variant (``helm-keeps-last``) is left as it is.
    """
    duplicates = [p for rule, p, _ in raw if rule.code == rulecodes.DUPLICATE_KEY and p.variant is None and p.location is not None]
    if not duplicates:
        return
    paths = {item.display: os.path.abspath(item.path) for item in found.files if item.path is not None}
    flux = _flux_folders(objects, paths)
    kustomize = found.kustomize
    for problem in duplicates:
        assert problem.location is not None
        path = paths.get(problem.location.file)
        if path is not None and ((kustomize is not None and kustomize.reads(path)) or any(path.startswith(folder) for folder in flux)):
            continue
        head = problem.message.removesuffix(KUSTOMIZE_REFUSES)
        problem.message = (
            f"{head}; kubectl and the API server keep the last value and drop the other without a word "
            "(kustomize, and Flux building the folder, refuse the file)"
        )
        problem.variant = "kubectl-keeps-last"


def _flux_folders(objects: list[K8sObject], paths: dict[str, str]) -> list[str]:
    """The folders (absolute, ending in a separator) that the Flux Kustomizations of the set build.

    A Flux path is relative to the root of its source, the repository that holds the Kustomization:
    the folder holding ``.git`` above its file, else the working directory (a Kustomization of another
    repository's source names folders of that repository, which then match nothing here).
    """
    from k8slint.repository import repository_root

    folders = []
    for obj in objects:
        if obj.kind != "Kustomization" or not (obj.api_version or "").startswith(FLUX_KUSTOMIZATION_GROUP):
            continue
        spec = obj.data.get("spec")
        value = spec.get("path", "") if isinstance(spec, dict) else ""
        if not isinstance(value, str):
            continue
        file = paths.get(obj.file.display)
        root = repository_root(os.path.dirname(file)) if file is not None else None
        folder = os.path.normpath(os.path.join(str(root) if root is not None else os.getcwd(), value.lstrip("/")))
        folders.append(os.path.join(folder, ""))
    return folders


def load_charts(
    roots: list[tuple[str, str]], linted: Roots, settings: Settings, state: LoadState, charts: list[ChartDoc], notes: list[str]
) -> None:
    """Load the charts at ``roots`` into ``charts``, and (when rendering was asked for) what Helm renders of them into ``state``."""
    registry = settings.registry

    def add_chart(display: str, path: str) -> None:
        from k8slint.sources.charts import load_chart  # only where there are charts

        chart, problems, files = load_chart(Path(path), display, linted)
        charts.append(chart)
        state.sources.update(files)
        state.raw.extend((registry[code], problem, chart) for code, problem in problems)

    if settings.chart_root is not None:  # `helm template ... | k8slint check - --chart-root DIR`
        _place_on_chart(settings.chart_root, state)
    for display, path in roots:
        _per_file(f"{display.rstrip('/')}/Chart.yaml", settings, state, add_chart, display, path)
    if not charts:
        return
    from k8slint.sources import helmrender  # only where there are charts
    from k8slint.sources.charts import given_values, link_copies

    link_copies(charts)

    install_values = given_values(tuple(settings.render_values), tuple(settings.render_set))  # read once, for every chart
    if install_values:
        for chart in charts:
            chart.install_values = install_values
    else:  # with none given, the values the repository's install scripts give each chart (sources.installscripts)
        from k8slint.sources.installscripts import InstallScripts

        scripts = InstallScripts(linted)  # shared by the charts: a folder's scripts are read once
        for chart in charts:
            chart.install_values = scripts.values_for(chart.path, chart.root)
            chart.installs = scripts.installs_for(chart.path, chart.root)

    if not settings.render_helm:
        count = f"{len(charts)} Helm chart{'s' if len(charts) != 1 else ''}"
        notes.append(
            f"{count} not rendered (linted statically): check --render (or render: true in the config) renders them "
            f"with helm or helm-python-sdk ({helmrender.INSTALL_HINT}), or run `helm template CHART | k8slint check -`"
        )
        return
    for result in helmrender.render_charts(charts, settings, notes):
        chart = result.chart
        definitions: set[str] = set()
        for outcome in result.outcomes:
            defaults = not outcome.render.values and not outcome.render.sets
            if outcome.stream is None:
                problem = helmrender.render_error(outcome)
                chart.schema_checked_by_helm |= defaults and helmrender.is_schema_failure(problem.message)
                chart.render_failures.append(problem.location)  # type: ignore[arg-type]
                state.raw.append((registry[rulecodes.CHART_RENDER_FAILED], problem, chart))
                continue
            chart.schema_checked_by_helm |= defaults
            chart.parsed_by_helm = True
            placement = result.placement(outcome.render)
            source = SourceFile(outcome.render.display, helmrender.without_seen_crds(outcome.stream, definitions))
            _per_file(source.display, settings, state, _add_rendered, source, placement, settings, state)
        state.sources.update({k: v for k, v in result.templates.sources.items() if k not in state.sources})  # subcharts'


def _add_rendered(source: SourceFile, placement: Placed, settings: Settings, state: LoadState) -> None:
    """The objects of a rendered stream, placed on the templates; problems met reading it land on the template too."""
    part = LoadState()
    add_manifests(source, settings, part)
    for obj in part.objects:
        obj.placement = placement
    sections = _stream_sections(source.text)
    for rule, problem, _subject in part.raw:
        where = problem.location
        if where is not None and where.file == source.display:
            problem.location = placement.place_stream_line(source, part.objects, where.line, _section_at(sections, where.line))
            if rule.code == rulecodes.DUPLICATE_KEY:  # Helm applies what it rendered, keeping the last value
                problem.message = f"{problem.message.split(' (first on line')[0]} in what the chart renders; helm install keeps the last"
                problem.variant = "helm-keeps-last"
    if source.display in part.aside:  # a render of nothing but comments or empty documents
        part.aside.pop(source.display)
    state.merge(part)
    state.sources[source.display] = source


def _stream_sections(text: str) -> list[tuple[int, str]]:
    """(1-based line, template) of each ``# Source:`` comment of a rendered stream."""
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith("# Source: "):
            found.append((number, line.removeprefix("# Source: ").strip()))
    return found


def _section_at(sections: list[tuple[int, str]], line: int) -> str | None:
    import bisect

    index = bisect.bisect_right(sections, (line, "\U0010ffff")) - 1
    return sections[index][1] if index >= 0 else None


def _place_on_chart(chart_root: str, state: LoadState) -> None:
    """Objects read from standard input with ``# Source:`` comments: placed on the templates of the chart in ``chart_root``."""
    from k8slint.sources.discover import STDIN_DISPLAY
    from k8slint.sources.helmrender import ChartTemplates, HelmPlacement

    templates = ChartTemplates(chart_root, Path(chart_root))
    placement = HelmPlacement(f"helm template {chart_root}", templates, None)
    for obj in state.objects:
        if obj.file.display == STDIN_DISPLAY and obj.source is not None:
            obj.placement = placement
    state.sources.update(templates.sources)


def build_kustomizations(found: Discovery, settings: Settings, state: LoadState, notes: list[str], jobs: int = 1) -> Builds | None:
    """What the kustomizations found say without building (missing files), and (with --render) their builds.

    Builds run here, in the main process, before any worker is forked. Returns
    None when nothing was built: the resources are then linted as they are.
    """
    kustomize = found.kustomize
    if kustomize is None or not kustomize.kustomizations:
        return None
    from k8slint.sources import kustomize_build  # only where there are kustomizations

    displays = {os.path.abspath(f.path): f.display for f in found.files if f.path is not None}
    registry = settings.registry
    state.raw.extend((registry[code], problem, None) for code, problem in kustomize_build.static_problems(kustomize, displays))
    roots = kustomize_build.roots_of(kustomize)
    if not roots:
        return None
    if not settings.render_kustomize:
        notes.append(
            f"{len(roots)} kustomize root{'s' if len(roots) != 1 else ''} linted without building (their files as they "
            "are): check --render with kubectl or kustomize on PATH, or pip install 'k8slint[kustomize]', builds them"
        )
        return None
    from k8slint.sources.engines import find_kustomize

    engine = find_kustomize()
    if engine is None:  # building was asked for: linting the files unbuilt would pass what was not checked
        raise UsageError(
            f"rendering was asked for (--render or render in the config) but no kustomize was found: {len(roots)} "
            f"kustomize root{'s' if len(roots) != 1 else ''} cannot be built; put kubectl or kustomize on PATH, "
            "or pip install 'k8slint[kustomize]', or drop --render"
        )
    builds = kustomize_build.build_all(kustomize, displays, engine, jobs)
    state.raw.extend((registry[code], problem, None) for code, problem in builds.problems)
    built = len(builds.builds)
    partial = sum(1 for build in builds.builds if build.parts)
    in_part = (
        f" ({partial} of them in part: the kustomizations {'they list' if partial > 1 else 'it lists'} that can be built here, "
        "what uses a remote or unread base linted as it is)"
        if partial
        else ""
    )
    notes.append(f"{built} of {len(roots)} kustomize root{'s' if len(roots) != 1 else ''} built with {engine.describe()}{in_part}")
    return builds


def load_kustomize_builds(builds: Builds, found: Discovery, settings: Settings, state: LoadState) -> None:
    """The objects of each build, each placed on the files the user edits."""
    from k8slint.sources import kustomize_build

    files = kustomize_build.Files(builds.displays, found.roots, state.sources)
    built = kustomize_build.BuiltObjects(settings.namespace)
    for build in builds.builds:
        if found.skaffold is not None and build.source is not None:
            # the images a skaffold config builds replace the images of what it deploys from this root
            build.source.images_set_by.update(found.skaffold.images_built_for_folder(build.root.folder))
        loaded = built.load(build, files)
        state.objects.extend(loaded.objects)
        state.raw.extend((settings.registry[code], problem, problem.subject) for code, problem in loaded.problems)
