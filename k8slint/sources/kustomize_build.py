"""Kustomize roots built with the real kustomize, and each built field traced to the line the user edits.

Which kustomizations are built: the roots, those that no other kustomization
among the inputs uses as a resource, base or component (overlays, and
standalone kustomizations). Bases and components are linted through the roots
that use them. A root is built only when everything it uses is local, exists
and lies inside the linted paths; otherwise it is not built, and a finding
says why (a remote base is never fetched).

How: a temporary kustomization outside the user's tree wraps the root and asks
for kustomize's origin annotations (``buildMetadata: [originAnnotations]``), so
each built object names the file it came from. The user's files are never
written.

Where a finding on a built object lands (:class:`KustomizePlacement`): the
field's line in the last patch that sets it (strategic-merge or JSON 6902, in
a file or inline; the patches of the chain of kustomizations and of their
components, nested ones too, each target matched as kustomize's selector
regular expressions match), else in the resource file the object came from (the
document of the kind a patch with ``allowKindChange`` turned it from); a field a
kustomization itself changed (``images:``, ``namePrefix``, ``namespace``,
``replicas:``, ``commonLabels``) at that kustomization's entry; a field that
is nowhere in the user's files at its parent's line there (a missing memory
limit at the base's ``resources:``). It falls back to the document in the
origin file, and to the root's kustomization file, never to a made-up path.
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass, field
from typing import Any

from k8slint import rulecodes
from k8slint.findings import FieldPath, Location, Problem, Related
from k8slint.model.graph.units import BUILT_SUFFIX
from k8slint.model.images import image_name
from k8slint.model.objects import K8sObject, SourceFile
from k8slint.model.patchtargets import targets as _targets
from k8slint.model.positions import PositionTree, child, locate
from k8slint.model.values import mapping, sequence, string
from k8slint.rulecodes import Emitted
from k8slint.sources.engines import Engine, run
from k8slint.sources.gitignore import ignored_by
from k8slint.sources.kustomize import KUSTOMIZATION_NAMES, Kustomization, KustomizeMap, Patch, read_kustomization
from k8slint.sources.manifests import LoadResult, add_document
from k8slint.sources.safefs import Roots, Skipped, TooLarge, display_path, read_bytes

ORIGIN = "config.kubernetes.io/origin"
_ADDED_ANNOTATIONS = (ORIGIN, "alpha.config.kubernetes.io/transformations")
MAX_FILE = 32 * 1024 * 1024
# keys by which a strategic-merge patch merges list items (the common patchMergeKeys of the core types)
_MERGE_KEYS = ("name", "containerPort", "mountPath", "devicePath", "port", "ip", "topologyKey", "key")


@dataclass(slots=True)
class Closure:
    """What building one root reads: its kustomizations (each with the chain from the root), resources and problems."""

    chains: dict[str, list[Kustomization]] = field(default_factory=dict)
    """Kustomization key, and resource file path -> the kustomizations from the root down to the one naming it."""
    files: set[str] = field(default_factory=set)
    """Resource files (absolute paths)."""
    kustomizations: dict[str, Kustomization] = field(default_factory=dict)
    """Every kustomization the build reads, by folder (absolute path)."""
    unbuildable: list[tuple[Kustomization, tuple[Any, ...], str]] = field(default_factory=list)
    """(kustomization, field path, why) for each entry that keeps the root from being built here."""

    def outside(self) -> list[tuple[Kustomization, tuple[Any, ...], str, str]]:
        """(kustomization, field path, entry, path) of each file a kustomization names outside its own folder:
        kustomize's default load restrictor refuses it ("security; file ... is not in or below ...":
        RestrictionRootOnly in api/internal/loader/loadrestrictions.go, each kustomization its own root)."""
        found = []
        for kustomization in sorted(self.kustomizations.values(), key=lambda k: k.key):
            folder = os.path.realpath(kustomization.folder)
            for where, entry, path in kustomization.named:
                real = os.path.realpath(path)
                if os.path.isfile(real) and not real.startswith(folder.rstrip(os.sep) + os.sep):
                    found.append((kustomization, where, entry, path))
        return found

    def merge(self, other: Closure) -> None:
        for key, chain in other.chains.items():
            self.chains.setdefault(key, chain)
        self.files |= other.files
        for folder, kustomization in other.kustomizations.items():
            self.kustomizations.setdefault(folder, kustomization)


@dataclass(slots=True)
class Build:
    root: Kustomization
    display: str
    """The root's kustomization file as reported."""
    source: SourceFile | None = None
    """The built stream (None: not built)."""
    closure: Closure = field(default_factory=Closure)
    wrapper: str = ""
    """The folder of the temporary kustomization: origin paths are relative to it."""
    parts: list[Kustomization] = field(default_factory=list)
    """For a root that only lists other kustomizations and uses one that cannot be built here: those of
    them that can, built together (all it adds to them is their order). Empty: the root itself is built."""
    part_displays: list[str] = field(default_factory=list)
    """The kustomization file of each of ``parts``, as reported."""
    left_vars: frozenset[str] = frozenset()
    """The ``vars:`` of the kustomizations the root lists that are not among ``parts``."""
    load_restrictor: str = "LoadRestrictionsRootOnly"
    """kustomize's own default, unless the build reads files outside their kustomizations' folders."""

    @property
    def label(self) -> str:
        built = f"kustomize build {os.path.dirname(self.display) or '.'}"
        return f"{built} (its buildable parts)" if self.parts else built


@dataclass(slots=True)
class Builds:
    """The builds of a run, and what the engine made of the rest."""

    engine: Engine | None
    displays: dict[str, str] = field(default_factory=dict)
    """Absolute path -> the name the report gives each input file."""
    builds: list[Build] = field(default_factory=list)
    problems: list[Emitted] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    covered: set[str] = field(default_factory=set)
    """Files (absolute paths) linted through a build: not linted again as they are."""


def roots_of(kustomize: KustomizeMap) -> list[Kustomization]:
    """The kustomizations to build: those no other kustomization uses, in path order."""
    return sorted((k for k in kustomize.kustomizations.values() if not kustomize.is_used(k)), key=lambda k: k.key)


def static_problems(kustomize: KustomizeMap, displays: dict[str, str]) -> list[Emitted]:
    """What reading the kustomizations shows without building: local files they name that do not exist, and
    keys written twice in their inline patches."""
    found: list[Emitted] = []
    for kustomization in sorted(kustomize.kustomizations.values(), key=lambda k: k.key):
        display = _display(kustomization.key, displays)
        for where, entry in kustomization.missing:
            line, column = kustomization.line_of(where)
            resource_file = where[0] in ("resources", "crds") and os.path.splitext(entry)[1] in (".yaml", ".yml", ".json")
            ignored = ignored_by(os.path.join(kustomization.folder, entry), kustomization.roots or Roots.of([kustomization.folder]))
            if ignored is not None:  # the repository leaves it out on purpose: written before the build
                shown = _display(ignored, displays)
                message = (
                    f"{where[0]} names {entry!r}, which {shown} leaves out of the repository: a step before the build "
                    "writes it (until then kustomize build fails; k8slint did not check what it will hold)"
                )
                variant: str | None = "ignored-file"
            else:
                unless = " unless a step before it writes the file" if resource_file else ""
                message = f"{where[0]} names {entry!r}, which does not exist: kustomize build fails{unless}"
                variant = "resource-file" if resource_file else None
            problem = Problem(message, location=Location(display, line, column), variant=variant)
            found.append((rulecodes.KUSTOMIZE_MISSING_FILE, problem))
        for line, column, key, first in kustomization.inline_duplicates:
            message = (
                f"key {key!r} appears again (first on line {first}) in an inline patch; kustomize refuses the patch, so the build fails"
            )
            found.append((rulecodes.DUPLICATE_KEY, Problem(message, location=Location(display, line, column))))
    return found


def _display(path: str, displays: dict[str, str]) -> str:
    shown = displays.get(path)
    if shown is not None:
        return shown
    relative = os.path.relpath(path)
    return display_path(path if relative.startswith(os.pardir) else relative)


def closure_of(root: Kustomization, kustomize: KustomizeMap) -> Closure:
    """Every kustomization and resource file building ``root`` reads, and what keeps it from being built."""
    found = Closure()
    roots = root.roots or Roots.of([root.folder])
    stack: list[tuple[Kustomization, list[Kustomization]]] = [(root, [root])]
    while stack:
        kustomization, chain = stack.pop()
        if kustomization.key in found.chains:
            continue
        found.chains[kustomization.key] = chain
        found.kustomizations[kustomization.folder] = kustomization
        for where, entry in kustomization.remote:
            found.unbuildable.append((kustomization, where, f"{entry!r} is remote: k8slint does not fetch it"))
        for where, entry in kustomization.missing:
            found.unbuildable.append((kustomization, where, f"{entry!r} does not exist"))
        if sequence(kustomization.data.get("helmCharts")):  # needs --enable-helm, and helm pulls the charts
            found.unbuildable.append(
                (kustomization, ("helmCharts",), "helmCharts are inflated by kustomize only with --enable-helm, which k8slint does not use")
            )
        for resource in kustomization.resources:
            if not os.path.lexists(resource):
                continue
            if not roots.contains(os.path.realpath(resource)):
                where = _entry_where(kustomization, resource)
                found.unbuildable.append((kustomization, where, f"{os.path.relpath(resource)} is outside the linted paths"))
                continue
            if os.path.isdir(resource):
                nested = kustomize.in_folder(resource) or _read_in(resource, roots)
                if nested is None:
                    where = _entry_where(kustomization, resource)
                    found.unbuildable.append((kustomization, where, f"{os.path.relpath(resource)} holds no kustomization"))
                    continue
                kustomize.add(nested)
                stack.append((nested, [*chain, nested]))
            else:
                found.files.add(resource)
                found.chains.setdefault(resource, chain)
    return found


def _entry_where(kustomization: Kustomization, resource: str) -> tuple[Any, ...]:
    for name in ("resources", "bases", "components", "crds"):
        for index, entry in enumerate(sequence(kustomization.data.get(name))):
            if isinstance(entry, str) and os.path.abspath(os.path.join(kustomization.folder, entry)) == resource:
                return (name, index)
    return ()


def _read_in(folder: str, roots: Roots) -> Kustomization | None:
    for name in KUSTOMIZATION_NAMES:
        path = os.path.join(folder, name)
        if os.path.isfile(path):
            return read_kustomization(path, roots)
    return None


# What a kustomization may hold and still only list other kustomizations: its build is theirs, in an order
_PASS_THROUGH = frozenset({"apiVersion", "kind", "resources", "bases", "sortOptions"})
_PLUGIN_CONFIGS = ("generators", "transformers", "validators")


def _passes_through(kustomization: Kustomization) -> bool:
    """A kustomization that lists resources and sets nothing on them (kubeflow's ``example``): kustomize
    builds it as the concatenation of what each kustomization it lists builds."""
    return kustomization.data.get("kind", "Kustomization") == "Kustomization" and set(kustomization.data) <= _PASS_THROUGH


def buildable_parts(root: Kustomization, kustomize: KustomizeMap) -> tuple[list[tuple[Kustomization, Closure]], frozenset[str]]:
    """For a root that cannot be built here and only lists other kustomizations (through such kustomizations
    only): the listed kustomizations that can be built, each with its closure, and the ``vars:`` that the
    kustomizations left out declare (kustomize replaces a var at the root, in every part). Since nothing
    above the parts changes their objects, each builds here exactly the objects it adds to the root's build,
    unless one of those vars is used in it."""
    if not _passes_through(root):
        return [], frozenset()
    roots = root.roots or Roots.of([root.folder])
    found: list[tuple[Kustomization, Closure]] = []
    left_vars: set[str] = set()
    seen = {root.key}
    stack = [root]
    while stack:
        kustomization = stack.pop()
        for path in kustomization.resources:
            real = os.path.realpath(path)
            if not os.path.isdir(real) or not roots.contains(real):
                continue  # a file is linted as it is; a folder outside the linted paths is never read
            nested = kustomize.in_folder(path) or _read_in(path, roots)
            if nested is None or nested.key in seen:
                continue
            seen.add(nested.key)
            kustomize.add(nested)
            closure = closure_of(nested, kustomize)
            if not closure.unbuildable and nested.data.get("kind") != "Component":
                found.append((nested, closure))
            elif _passes_through(nested):
                stack.append(nested)
            else:
                left_vars.update(name for left in closure.kustomizations.values() for name in left.vars)
    return sorted(found, key=lambda part: part[0].key), frozenset(left_vars)


def _parts_refused(build: Build, error: Emitted | None, left_vars: frozenset[str]) -> Emitted | None:
    """What keeps the parts of a root built in part from being its build: kustomize refusing them side by
    side (the root's own build, with what was left out, may still go through), or a var that only a
    kustomization left out declares, used in them. None: the parts are the root's build."""
    location = Location(build.display, *build.root.line_of(()))
    if error is not None:
        _, problem = error
        return (
            rulecodes.KUSTOMIZE_NOT_BUILT,
            Problem(f"not built in part: its buildable parts do not build together ({problem.message})", location=location),
        )
    text = build.source.text if build.source is not None else ""
    used = sorted(name for name in left_vars if f"$({name})" in text)
    if used:
        message = (
            f"not built in part: its buildable parts use $({used[0]}), a kustomize var that only a kustomization it does "
            "not build here declares (the root's local resources are linted as they are)"
        )
        return (rulecodes.KUSTOMIZE_NOT_BUILT, Problem(message, location=location))
    return None


def _kept_to_its_root(
    closure: Closure, outside: list[tuple[Kustomization, tuple[Any, ...], str, str]], roots: Roots
) -> tuple[Kustomization, tuple[Any, ...], str] | None:
    """Why a build that reads files outside their kustomizations' folders is not built with the load
    restrictor off, if it is not: a file outside the linted paths, or configurations of plugins (a
    builtin transformer's own ``path:``) that may name files nothing here checked."""
    for kustomization, where, entry, path in outside:
        if not roots.contains(os.path.realpath(path)):
            return kustomization, where, f"{entry!r} is outside the linted paths"
    for kustomization in sorted(closure.kustomizations.values(), key=lambda k: k.key):
        for name in _PLUGIN_CONFIGS:
            if sequence(kustomization.data.get(name)):
                _, _, entry, _ = outside[0]
                return (
                    kustomization,
                    (name,),
                    f"it reads {entry!r} from outside its kustomization's folder, which kustomize does only with "
                    f"--load-restrictor LoadRestrictionsNone, and k8slint lifts the restrictor only for builds without "
                    f"{name} (their configurations may name files of their own)",
                )
    return None


def _outside_problems(build: Build, displays: dict[str, str], reported: set[str]) -> list[Emitted]:
    """A warning at the first entry of each kustomization that names a file outside its folder (once per run)."""
    found: list[Emitted] = []
    entries: dict[str, list[tuple[Kustomization, tuple[Any, ...], str]]] = {}
    for kustomization, where, entry, _ in build.closure.outside():
        entries.setdefault(kustomization.key, []).append((kustomization, where, entry))
    for key, named in entries.items():
        if key in reported:
            continue
        reported.add(key)
        kustomization, where, entry = named[0]
        more = f" (and {len(named) - 1} more file{'s' if len(named) > 2 else ''})" if len(named) > 1 else ""
        message = (
            f"{where[0]} names {entry!r}{more} outside the kustomization's folder: kustomize build and kubectl apply -k "
            "refuse it unless run with --load-restrictor LoadRestrictionsNone (as Flux builds); k8slint built it so"
        )
        line, column = kustomization.line_of(where)
        location = Location(_display(kustomization.key, displays), line, column)
        found.append((rulecodes.KUSTOMIZE_BUILD_FAILED, Problem(message, location=location, variant="load-restrictor")))
    return found


def build_all(kustomize: KustomizeMap, displays: dict[str, str], engine: Engine, jobs: int = 1) -> Builds:
    """Build every root with ``engine`` (up to ``jobs`` at once, each a process of its own); the roots
    that cannot be built are findings, not builds. The result does not depend on ``jobs``."""
    builds = Builds(engine, displays)
    planned: list[Build] = []
    for root in roots_of(kustomize):
        display = _display(root.key, displays)
        if root.data.get("kind") == "Component":  # kustomize builds a component only through the kustomizations that list it
            message = (
                "not built: a kustomize Component that no kustomization among the inputs lists in its components "
                "(it is built through the overlays that use it; its resources are linted as they are)"
            )
            line, column = root.line_of(("kind",))
            builds.problems.append((rulecodes.KUSTOMIZE_NOT_BUILT, Problem(message, location=Location(display, line, column))))
            continue
        build = Build(root, display, closure=closure_of(root, kustomize))
        unbuildable = build.closure.unbuildable
        parts, left_vars = buildable_parts(root, kustomize) if unbuildable else ([], frozenset[str]())
        for kustomization, where, why in unbuildable:
            line, column = kustomization.line_of(where)
            if why.endswith("does not exist"):
                continue  # kustomize-missing-file says it, at the same line
            message = f"not built: {why} (the root's local resources are linted as they are)"
            location = Location(_display(kustomization.key, displays), line, column)
            builds.problems.append((rulecodes.KUSTOMIZE_NOT_BUILT, Problem(message, location=location)))
        if unbuildable and not parts:
            continue
        if parts:
            build = Build(
                root, display, parts=[part for part, _ in parts], part_displays=[_display(part.key, displays) for part, _ in parts]
            )
            for _, closure in parts:
                build.closure.merge(closure)
            build.left_vars = left_vars
        outside = build.closure.outside()
        if outside:
            kept = _kept_to_its_root(build.closure, outside, root.roots or Roots.of([root.folder]))
            if kept is not None:
                kustomization, where, why = kept
                line, column = kustomization.line_of(where)
                message = f"not built: {why} (the root's local resources are linted as they are)"
                location = Location(_display(kustomization.key, displays), line, column)
                builds.problems.append((rulecodes.KUSTOMIZE_NOT_BUILT, Problem(message, location=location)))
                continue
            build.load_restrictor = "LoadRestrictionsNone"
        planned.append(build)
    if jobs > 1 and len(planned) > 1:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=min(jobs, len(planned))) as pool:  # threads that wait on processes
            outcomes = list(pool.map(lambda build: _build_one(build, engine), planned))
    else:
        outcomes = [_build_one(build, engine) for build in planned]
    reported: set[str] = set()
    for build, error in zip(planned, outcomes, strict=True):
        if build.parts:
            error = _parts_refused(build, error, build.left_vars)
        if error is not None:
            builds.problems.append(error)
            continue
        if build.load_restrictor == "LoadRestrictionsNone":
            builds.problems.extend(_outside_problems(build, displays, reported))
        builds.builds.append(build)
        builds.covered |= build.closure.files
    return builds


def _build_one(build: Build, engine: Engine) -> Emitted | None:
    """Run the build of one root (its output in ``build.source``); the finding when kustomize refuses it."""
    root, display = build.root, build.display
    folders = [(part.folder, shown) for part, shown in zip(build.parts, build.part_displays, strict=True)] or [(root.folder, display)]
    with tempfile.TemporaryDirectory(prefix="k8slint-kustomize-") as wrapper:
        relatives = [(os.path.relpath(folder, wrapper), shown) for folder, shown in folders]  # kustomize takes no absolute root
        with open(os.path.join(wrapper, "kustomization.yaml"), "w", encoding="utf-8") as out:
            out.write(_wrapper_text([relative for relative, _ in relatives]))
        ran = run(engine, [f"--load-restrictor={build.load_restrictor}", wrapper])
        build.wrapper = wrapper
    if not ran.ok:
        message = _build_error(ran.stderr, wrapper)
        for relative, shown in sorted(relatives, key=lambda pair: -len(pair[0])):  # the longest first: one may hold another
            message = message.replace(relative, os.path.dirname(shown) or ".")
        line, column = root.line_of(())
        location = Location(display, line, column)
        if "external plugins disabled" in message:  # k8slint runs no plugin: not built, rather than refused
            why = f"not built: it uses a kustomize plugin or KRM function, which k8slint does not run ({engine.name}: {message})"
            return (rulecodes.KUSTOMIZE_NOT_BUILT, Problem(why, location=location))
        return (rulecodes.KUSTOMIZE_BUILD_FAILED, Problem(f"{engine.name} failed: {message}", location=location))
    build.source = SourceFile(f"{os.path.dirname(display) or '.'}{BUILT_SUFFIX}", ran.stdout)  # never a file a finding lands on
    return None


def _wrapper_text(folders: list[str]) -> str:
    import json

    # JSON is YAML: the folders' names need no quoting rules of their own
    listed = "".join(f"- {json.dumps(folder)}\n" for folder in folders)
    return f"resources:\n{listed}buildMetadata:\n- originAnnotations\n"


_WRAPPED = re.compile(
    r"accumulating resources: accumulation err='accumulating resources from '[^']*': "
    r"'[^']*' must resolve to a file': recursed accumulation of path '[^']*': (.*)\Z",
    re.DOTALL,
)
_KLOG = re.compile(r'^[EWI][0-9]{4} [0-9:.]+ +[0-9]+ [^ \]]+\] "command failed" err="(.*)"$')


def _build_error(stderr: str, wrapper: str) -> str:
    """kustomize's own message, without the temporary folder's name, the warnings and kubectl's log prefix."""
    lines = []
    for line in stderr.splitlines():
        if not line.strip() or line.startswith("# Warning:"):
            continue
        logged = _KLOG.match(line)
        lines.append(logged.group(1).replace('\\"', '"').replace("\\", "\\") if logged else line)
    text = " ".join(lines) if lines else "no output"
    if text[:7].lower() == "error: ":  # kubectl writes "error: ", kustomize "Error: "
        text = text[7:]
    inner = _WRAPPED.match(text)
    if inner is not None:  # the wrapper's own layer: kustomize tried the root as a file first, then as the folder
        text = inner.group(1)
    text = text.replace(wrapper + os.sep, "").replace(wrapper, ".").removeprefix("Error: ")
    here = os.getcwd().rstrip(os.sep) + os.sep
    # Go's %v of a pointer (`merging from generator &{0xc0001 0xc0002}`) changes from run to run: a report must not
    text = _ADDRESS.sub("0x\u2026", _POINTERS.sub("", text))
    return text.replace(here, "")


_POINTERS = re.compile(r" ?&\{0x[0-9a-f]+(?: 0x[0-9a-f]+)*\}")
_ADDRESS = re.compile(r"\b0x[0-9a-f]{8,}\b")
_SEPARATOR = re.compile(r"^---[ \t]*$", re.MULTILINE)


@dataclass(slots=True)
class BuiltObjects:
    """The objects of the builds, each document parsed once: overlays that share a base share its
    CRDs and other unchanged documents text for text (12 MB of CRDs in each of argo-workflows' roots)."""

    namespace: str
    _parsed: dict[str, tuple[list[Any], list[Any], list[Any]]] = field(default_factory=dict)

    def load(self, build: Build, files: Files) -> LoadResult:
        from k8slint.sources.yamlsafe import load_documents

        source = build.source
        assert source is not None  # only what was built is loaded
        text = source.text
        result = LoadResult()
        starts = [0, *(match.end() + 1 for match in _SEPARATOR.finditer(text))]
        index = 0
        for number, start in enumerate(starts):
            end = starts[number + 1] if number + 1 < len(starts) else len(text)
            chunk = text[start:end]
            parsed = self._parsed.get(chunk)
            if parsed is None:
                documents, errors, _ = load_documents(chunk)
                for document in documents:  # read with the data, before the build's annotations leave it
                    document.positions = document.tree
                origins = [strip_annotations(document.data) for document in documents]
                parsed = self._parsed[chunk] = (documents, errors, origins)
            documents, errors, origins = parsed
            first_line = text.count("\n", 0, start)
            for error in errors:  # the built stream is kustomize's own output: an error here is kustomize's
                location = Location(build.display, 1, 1)
                result.problems.append((rulecodes.YAML_SYNTAX, Problem(f"kustomize's output: {error.message}", location=location)))
            for document, origin in zip(documents, origins, strict=True):
                if document.data is None:
                    continue
                before = len(result.objects)
                add_document(result, source, index, document.positions, (start, end), document.data, self.namespace, None)
                for obj in result.objects[before:]:
                    obj.placement = KustomizePlacement(build, files, origin, first_line)
                index += 1
        return result


def strip_annotations(data: Any) -> str | None:
    """Remove the annotations the build added for k8slint from a built object; its origin (text) or None."""
    metadata = mapping(mapping(data).get("metadata"))
    annotations = metadata.get("annotations")
    if not isinstance(annotations, dict):
        return None
    origin = annotations.get(ORIGIN)
    for name in _ADDED_ANNOTATIONS:
        annotations.pop(name, None)
    if not annotations:
        del metadata["annotations"]
    return origin if isinstance(origin, str) else None


@dataclass(slots=True)
class _Doc:
    data: Any
    tree: PositionTree
    display: str
    line_offset: int = 0
    """Lines to add to the tree's (an inline patch inside a kustomization)."""
    column_offset: int = 0

    def at(self, path: FieldPath) -> tuple[Location, int]:
        line, column, found = locate(self.tree, path)
        return Location(self.display, line + self.line_offset, column + (self.column_offset if found else 0)), found


class Files:
    """The user's files a run's builds came from, parsed once each, with positions."""

    def __init__(self, displays: dict[str, str], roots: Roots, sources: dict[str, SourceFile]) -> None:
        self._displays = displays
        self._roots = roots
        self._parsed: dict[str, list[_Doc]] = {}
        self.sources = sources
        """The run's sources: a file read here is added for its snippets and suppression comments."""

    def display(self, path: str) -> str:
        return _display(path, self._displays)

    def documents(self, path: str) -> list[_Doc]:
        found = self._parsed.get(path)
        if found is None:
            found = self._parsed[path] = self._read(path)
        return found

    def _read(self, path: str) -> list[_Doc]:
        from k8slint.sources.yamlsafe import load_documents

        try:
            text = read_bytes(path, self._roots, MAX_FILE).decode("utf-8-sig")  # inside the linted paths only
        except (OSError, Skipped, TooLarge, UnicodeDecodeError):
            return []
        display = self.display(path)
        self.sources.setdefault(display, SourceFile(display, text))
        documents, _, _ = load_documents(text)
        return [_Doc(d.data, d.tree, display) for d in documents]

    def inline(self, kustomization: Kustomization, where: tuple[Any, ...]) -> list[_Doc]:
        """An inline patch (``patch: |``) parsed, its lines those of the kustomization file."""
        from k8slint.sources.yamlsafe import load_documents

        text = string(_value_at(kustomization.data, where))
        if text is None or kustomization.tree is None:
            return []
        display = self.display(kustomization.key)
        self.documents(kustomization.key)  # the kustomization's own text, for snippets
        line, _ = kustomization.line_of(where)
        source = self.sources.get(display)
        key_text = source.line(line) if source is not None else None
        if key_text is None or not key_text.rstrip().endswith(("|", "|-", "|+")):
            return []  # a quoted or folded string: its lines are not the patch's; the entry's line serves
        following = source.line(line + 1) if source is not None else None
        indent = len(following) - len(following.lstrip()) if following else 0
        documents, _, _ = load_documents(text)
        return [_Doc(d.data, d.tree, display, line_offset=line, column_offset=indent) for d in documents]


def _value_at(data: Any, where: tuple[Any, ...]) -> Any:
    for part in where:
        if isinstance(data, dict):
            data = data.get(part)
        elif isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data):
            data = data[part]
        else:
            return None
    return data


class KustomizePlacement:
    """Where a field of one built object is edited (see the module's docs)."""

    __slots__ = ("_build", "_chain", "_files", "_first_line", "_origin", "_origin_doc", "_root_display", "label")

    def __init__(self, build: Build, files: Files, origin_text: str | None, first_line: int = 0) -> None:
        self._build = build
        self._first_line = first_line
        """Where the object's document starts in the built output (its position tree counts from there)."""
        self._files = files
        self.label = build.label
        self._root_display = build.display
        self._origin: str | None = None
        self._chain: list[Kustomization] = [build.root]
        origin = _parse_origin(origin_text)
        path = string(origin.get("path"))
        configured_in = string(origin.get("configuredIn"))
        if path is not None and "://" not in path and not string(origin.get("repo")):
            named = os.path.normpath(os.path.join(build.wrapper, path))
            if named in build.closure.files:  # a resource file of this build: never a path taken on trust
                self._origin = named
                self._chain = build.closure.chains.get(named, self._chain)
        elif configured_in is not None:  # a generated object: its generator's kustomization
            key = os.path.normpath(os.path.join(build.wrapper, configured_in))
            self._chain = build.closure.chains.get(key, self._chain)
        self._origin_doc: _Doc | bool | None = False

    # -- the origin document -------------------------------------------------------------
    def _origin_document(self, obj: K8sObject) -> _Doc | None:
        if self._origin_doc is False:
            self._origin_doc = None
            if self._origin is not None:
                documents = self._files.documents(self._origin)
                self._origin_doc = _matching(documents, obj)
                if self._origin_doc is None:
                    # a patch with allowKindChange made it (a StatefulSet written, a Deployment built): the
                    # document of the kind that patch targets, by name
                    targets = [patch.target for _, patch in self._applied() if patch.changes_kind and patch.target]
                    kinds = {kind for target in targets if (kind := string(target.get("kind"))) is not None}
                    self._origin_doc = _matching(documents, obj, kinds) if kinds else None
        return self._origin_doc if isinstance(self._origin_doc, _Doc) else None

    def _patches(self, obj: K8sObject) -> list[_Doc]:
        """The patch documents that apply to ``obj``, in the order kustomize applies them (bases first)."""
        found: list[_Doc] = []
        origin = self._origin_document(obj)
        original_name = string(mapping(mapping(origin.data).get("metadata")).get("name")) if origin else None
        original_kind = string(mapping(origin.data).get("kind")) if origin else None
        for kustomization, patch in self._applied():
            docs = self._files.documents(patch.path) if patch.path else self._files.inline(kustomization, patch.where)
            kinds = {obj.kind, original_kind} if patch.changes_kind else {obj.kind}
            for doc in docs:
                if isinstance(doc.data, list):  # JSON 6902 operations
                    if patch.target is not None and _targets(patch.target, obj, original_name, kinds):
                        found.append(doc)
                elif isinstance(doc.data, dict):
                    if patch.target is not None and not _targets(patch.target, obj, original_name, kinds):
                        continue
                    if patch.target is None and not _names(doc.data, obj, original_name):
                        continue
                    found.append(doc)
        return found

    def _applied(self) -> list[tuple[Kustomization, Patch]]:
        """The patches of the chain in kustomize's order: from the base up, each kustomization's
        components (after its resources) before its own patches."""
        found: list[tuple[Kustomization, Patch]] = []
        kustomizations = self._build.closure.kustomizations

        def components(kustomization: Kustomization, seen: set[str]) -> None:
            # a component is a kustomization too: its own components apply before its patches
            for folder in kustomization.components:
                component = kustomizations.get(folder)
                if component is not None and folder not in seen:
                    seen.add(folder)
                    components(component, seen)
                    found.extend((component, patch) for patch in component.patches)

        for kustomization in reversed(self._chain):
            components(kustomization, set())
            found.extend((kustomization, patch) for patch in kustomization.patches)
        return found

    # -- Placement -----------------------------------------------------------------------
    def place(self, obj: K8sObject, path: FieldPath, built: Location) -> Location:
        origin = self._origin_document(obj)
        best: tuple[int, Location] | None = None
        # The last patch that sets a value wins. A mapping or list a patch only adds to (the
        # container it merges a request into) stays the resource file's, where it is defined.
        whole = not isinstance(_value_at(obj.data, path), dict | list) or origin is None
        # a strategic-merge patch's apiVersion, kind and name say which object it patches, not what it sets
        identity = path in (("apiVersion",), ("kind",), ("metadata", "name"), ("metadata", "namespace"))
        for doc in reversed(self._patches(obj)) if not identity else ():
            location, found = _find(doc, obj.data, path)
            if found == len(path) and path and (whole or _find(origin, obj.data, path)[1] < len(path)):  # type: ignore[arg-type]
                return location
            if found and (best is None or found > best[0]):
                best = (found, location)
        if origin is not None:
            location, found = _find(origin, obj.data, path)
            changed = self._changed_by_kustomization(obj, path, origin)
            if changed is not None:
                return changed
            if found == len(path) or best is None or found >= best[0]:
                return location
        if best is not None:
            return best[1]
        if origin is None and self._origin is None:
            changed = self._changed_by_kustomization(obj, path, None)
            if changed is not None:
                return changed
        line, column = self._build.root.line_of(())
        return Location(self._root_display, line, column)

    def built_at(self, obj: K8sObject, path: FieldPath) -> Related | None:
        line, _, _ = locate(obj.positions(), path)
        line += self._first_line
        return Related(
            Location(self._root_display, *self._build.root.line_of(())),
            f"as `{self.label}` makes it (line {line} of its output)",
        )

    def _changed_by_kustomization(self, obj: K8sObject, path: FieldPath, origin: _Doc | None) -> Location | None:
        """The kustomization entry that set a field the resource file has otherwise (an image's tag, the name)."""
        built = _value_at(obj.data, path)
        before = _value_at(origin.data, _translated(path, obj.data, origin.data)) if origin is not None else None
        if origin is not None and (built == before or not isinstance(built, str | int)):
            return None
        tail = path[-1] if path else None
        for kustomization in self._chain:  # nearest the root first: the last to set it
            data = kustomization.data
            if tail == "image" and isinstance(before, str):
                name = image_name(before)
                for index, entry in enumerate(sequence(data.get("images"))):
                    entry = mapping(entry)
                    if entry.get("name") == name:
                        keys = [k for k in ("newTag", "digest", "newName") if k in entry][:1]
                        return self._at(kustomization, ("images", index, *keys))
            elif path == ("metadata", "name"):
                for affix in ("namePrefix", "nameSuffix"):
                    if affix in data:
                        return self._at(kustomization, (affix,))
            elif path == ("metadata", "namespace") and "namespace" in data:
                return self._at(kustomization, ("namespace",))
            elif path == ("spec", "replicas"):
                for index, entry in enumerate(sequence(data.get("replicas"))):
                    if mapping(entry).get("name") in (
                        obj.name,
                        string(mapping(mapping(origin.data if origin else {}).get("metadata")).get("name")),
                    ):
                        return self._at(kustomization, ("replicas", index, "count"))
            elif len(path) >= 2 and path[-2] in ("labels", "matchLabels", "selector") and isinstance(tail, str):
                for field_name in ("commonLabels", "labels"):
                    if field_name in data:
                        return self._at(kustomization, (field_name,))
        return None

    def _at(self, kustomization: Kustomization, where: tuple[Any, ...]) -> Location:
        self._files.documents(kustomization.key)  # its text, for the snippet
        line, column = kustomization.line_of(where)
        return Location(self._files.display(kustomization.key), line, column)


def _parse_origin(text: str | None) -> dict[str, Any]:
    if not text:
        return {}
    import yaml

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        return {}
    return data if isinstance(data, dict) else {}


def _matching(documents: list[_Doc], obj: K8sObject, kinds: set[str] | None = None) -> _Doc | None:
    """The document of a resource file that the built object came from: same kind (or one of ``kinds``), its
    name within the built name."""
    wanted = {obj.kind} if kinds is None else kinds
    candidates = [d for d in documents if isinstance(d.data, dict) and d.data.get("kind") in wanted]
    if len(candidates) == 1 and kinds is None:
        return candidates[0]
    built = obj.name or ""
    named = [d for d in candidates if (string(mapping(d.data.get("metadata")).get("name")) or "\x00") in built]
    named.sort(key=lambda d: -len(string(mapping(d.data.get("metadata")).get("name")) or ""))
    return named[0] if named else None


def _names(patch: dict[str, Any], obj: K8sObject, original: str | None) -> bool:
    """Whether a strategic-merge patch document names ``obj`` (kind, and its name before or after prefixes)."""
    if patch.get("kind") != obj.kind:
        return False
    name = string(mapping(patch.get("metadata")).get("name"))
    return name is not None and (name == original or name == obj.name or (obj.name is not None and name in obj.name))


def _translated(path: FieldPath, built: Any, other: Any) -> FieldPath:
    """``path`` in the built object as the same field's path in another document (a base, a patch).

    List items are matched by their merge key (a container's name, a port's
    number) where they have one, else by position.
    """
    out: list[Any] = []
    for part in path:
        if isinstance(part, int) and isinstance(built, list):
            item = built[part] if 0 <= part < len(built) else None
            index = part
            if isinstance(item, dict) and isinstance(other, list):
                for key in _MERGE_KEYS:
                    if key in item:
                        index = next((i for i, o in enumerate(other) if isinstance(o, dict) and o.get(key) == item[key]), -1)
                        break
            out.append(index)
            built = item
            other = other[index] if isinstance(other, list) and 0 <= index < len(other) else None
        else:
            out.append(part)
            built = built.get(part) if isinstance(built, dict) else None
            other = other.get(part) if isinstance(other, dict) else None
    return tuple(out)


def _find(doc: _Doc, built: Any, path: FieldPath) -> tuple[Location, int]:
    """The field's place in a resource or strategic-merge patch document (or the value of a JSON 6902
    operation that sets it), and how many parts of ``path`` were found."""
    if isinstance(doc.data, list):
        return _find_in_operations(doc, built, path)
    translated = _translated(path, built, doc.data)
    if -1 in translated:
        cut = translated.index(-1)
        location, found = doc.at(translated[:cut])
        return location, min(found, cut)
    return doc.at(translated)


def _find_in_operations(doc: _Doc, built: Any, path: FieldPath) -> tuple[Location, int]:
    best: tuple[Location, int] = (doc.at(())[0], 0)
    for index, operation in enumerate(doc.data):
        operation = mapping(operation)
        if operation.get("op") not in ("add", "replace", "copy", "move") or not isinstance(operation.get("path"), str):
            continue
        pointer = _pointer(operation["path"])
        if len(pointer) > len(path) or any(str(a) != str(b) and a != "-" for a, b in zip(pointer, path, strict=False)):
            continue
        rest = path[len(pointer) :]
        value_tree = child(doc.tree[2], index)
        value_tree = child(value_tree[2], "value") if value_tree is not None else None
        if value_tree is None:
            continue
        value = _value_at(built, path[: len(pointer)])
        sub = _Doc(operation.get("value"), value_tree, doc.display, doc.line_offset, doc.column_offset)
        location, found = sub.at(_translated(rest, value, operation.get("value")))
        total = len(pointer) + found
        if total >= best[1]:
            best = (location, total)
    return best


def _pointer(text: str) -> list[Any]:
    """A JSON pointer's parts (``~1`` is ``/``, ``~0`` is ``~``), numbers as ints."""
    parts: list[Any] = []
    for raw in text.split("/")[1:]:
        part = raw.replace("~1", "/").replace("~0", "~")
        parts.append(int(part) if part.isdigit() else part)
    return parts
