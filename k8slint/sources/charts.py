"""Helm charts: Chart.yaml, values.yaml, values.schema.json, templates, Chart.lock and dependencies.

A chart is linted as a unit, not file by file: its templates are not YAML
until rendered. Dependencies in ``charts/`` (folders or ``.tgz`` packages) are
read, never extracted to disk, for the template names they define.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from k8slint import rulecodes
from k8slint.findings import Location, Problem
from k8slint.model.objects import SourceFile
from k8slint.model.positions import PositionTree, locate
from k8slint.rulecodes import Emitted
from k8slint.sources.discover import decode
from k8slint.sources.helmtemplates import HelmIgnore, is_nested_template_member, is_template_member
from k8slint.sources.safefs import Roots, Skipped, TooLarge, display_path, read_bytes, resolve, walk
from k8slint.sources.yamlsafe import ERROR_RULES, load_documents

if TYPE_CHECKING:
    from k8slint.sources.installscripts import ScriptInstall

MAX_PACKAGE_MEMBER = 1024 * 1024
MAX_CHART_FILE_SIZE = 32 * 1024 * 1024
"""Chart files (and .tgz packages) larger than this are not read."""


@dataclass(slots=True)
class YamlFile:
    source: SourceFile
    tree: PositionTree | None
    data: Any

    def locate(self, path: tuple[Any, ...]) -> Location:
        if self.tree is None:
            return Location(self.source.display, 1, 1)
        line, column, _ = locate(self.tree, path)
        return Location(self.source.display, line, column)


@dataclass(eq=False)
class ChartDoc:
    """A chart folder: the subject of the chart rules."""

    root: str
    """The chart folder as displayed (the path given, joined with the path found under it)."""
    path: Path
    chart: YamlFile | None
    values: YamlFile | None
    schema_source: SourceFile | None
    schema: Any
    templates: list[SourceFile] = field(default_factory=list)
    lock: YamlFile | None = None
    """Chart.lock, or requirements.lock when the chart has one (Helm's loader reads both and keeps the last)."""
    requirements: YamlFile | None = None
    """requirements.yaml: where an apiVersion v1 chart lists its dependencies. Helm's loader reads it
    into the chart's metadata over Chart.yaml (pkg/chart/v2/loader/load.go), for any apiVersion."""
    roots: Roots = field(default_factory=lambda: Roots(()))
    """The linted roots: files outside them are not read."""
    subcharts: list[tuple[str, Path, list[str]]] = field(default_factory=list)
    """Each entry of charts/ that may be read: (name, path, its template files; none for a .tgz)."""
    local_dependencies: dict[str, Path | None] = field(default_factory=dict)
    """Each ``file://`` repository: its folder, or None when it lies outside the linted roots."""
    unread: list[str] = field(default_factory=list)
    """Files of the chart folder left unread (skipped-file): such a chart is not rendered."""
    schema_checked_by_helm: bool = False
    """Whether Helm validated the chart's default values against values.schema.json (its message is the finding)."""
    parsed_by_helm: bool = False
    """Whether a render of the chart (with any values) went through: Helm parsed every template."""
    render_failures: list[Location] = field(default_factory=list)
    """Where Helm's renders of the chart failed (Helm's message is the finding there)."""
    install_values: tuple[tuple[str, Any], ...] = ()
    """The values the run installs the chart with besides values.yaml: (the file as given, its data) for each
    ``--values`` file, then ("--set", the keys set as nested maps); see :func:`given_values`."""
    installs: tuple[ScriptInstall, ...] = ()
    """How the repository's install scripts install the chart, when no ``--values``/``--set`` is given: what
    ``--render`` renders it with (k8slint.sources.installscripts)."""
    copies: list[ChartDoc] = field(default_factory=list, repr=False)
    """The other charts of the run whose Chart.yaml and values.yaml are the same, byte for byte: one chart kept in
    several places (gatekeeper's helmify sources beside the chart built from them); see :func:`link_copies`."""

    @property
    def metadata(self) -> dict[str, Any]:
        """Chart.yaml as Helm reads it: with the dependencies of requirements.yaml, when it lists them."""
        data = self.chart.data if self.chart else None
        data = data if isinstance(data, dict) else {}
        if self._requirements_list_dependencies():
            assert self.requirements is not None and isinstance(self.requirements.data, dict)
            return {**data, "dependencies": self.requirements.data["dependencies"]}
        return data

    def _requirements_list_dependencies(self) -> bool:
        return self.requirements is not None and isinstance(self.requirements.data, dict) and "dependencies" in self.requirements.data

    @property
    def lock_name(self) -> str:
        """The lock file of the chart's dependencies: the one it has, else the one ``helm dependency update``
        writes (requirements.lock for an apiVersion v1 chart, pkg/downloader/manager.go writeLock)."""
        if self.lock is not None:
            return os.path.basename(self.lock.source.display)
        chart_data = self.chart.data if self.chart else None
        legacy = isinstance(chart_data, dict) and chart_data.get("apiVersion") == "v1"
        return "requirements.lock" if legacy else "Chart.lock"

    @property
    def name(self) -> str | None:
        name = self.metadata.get("name")
        return name if isinstance(name, str) else None

    def describe(self) -> str:
        return f"chart {self.name or self.root}"

    def origin(self) -> Location:
        return self.chart_location()

    def chart_location(self, path: tuple[Any, ...] = ()) -> Location:
        """Where ``path`` of the chart's metadata is written: a dependency in requirements.yaml when it lists them."""
        if path and path[0] == "dependencies" and self._requirements_list_dependencies():
            assert self.requirements is not None
            return self.requirements.locate(path)
        return self.chart.locate(path) if self.chart else Location(os.path.join(self.root, "Chart.yaml"), 1, 1)

    @cached_property
    def analysis(self) -> list[tuple[SourceFile, Any]]:
        """Each template with its analysis (k8slint.model.gotemplate)."""
        from k8slint.model.gotemplate import analyse

        return [(template, analyse(template.text)) for template in self.templates]

    @cached_property
    def dependency_charts(self) -> dict[str, dict[str, Any]]:
        """Charts available in charts/: name -> {"version", "templates": {file: text}}."""
        found: dict[str, dict[str, Any]] = {}
        for name, entry, template_files in self.subcharts:
            nested: dict[str, str] = {}
            if name.endswith(".tgz"):
                meta, templates, nested = _read_package(entry, self.roots)
            else:
                meta = read_yaml_file(entry / "Chart.yaml", self.roots)
                templates = {f: text for f in template_files if (text := read_text(f, self.roots)) is not None}
            _record(found, meta, templates, name, nested)
        return found

    def local_dependency_templates(self, repository: str) -> dict[str, str]:
        """The template files of a ``file://`` dependency (none when it is outside the linted roots)."""
        folder = self.local_dependencies.get(repository)
        if folder is None or not (folder / "templates").is_dir():
            return {}
        keep_dir, keep_file = _helm_ignore(folder, self.roots).template_filter()
        files = walk(str(folder / "templates"), self.roots, [], [], keep_dir=keep_dir, keep_file=keep_file)
        return {e.path: text for e in files if not e.is_dir and (text := read_text(e.path, self.roots)) is not None}


def _record(found: dict[str, dict[str, Any]], meta: Any, templates: dict[str, str], fallback: str, nested: dict[str, str]) -> None:
    meta = meta if isinstance(meta, dict) else {}
    name = meta.get("name") if isinstance(meta.get("name"), str) else fallback
    found[name] = {
        "version": str(meta.get("version", "")),
        "templates": templates,
        "nested": nested,  # the templates of the charts it packages in turn (bitnami's `common`)
        "entry": fallback,
        "type": meta.get("type"),
    }


def read_text(path: str | Path, roots: Roots) -> str | None:
    """The text of a chart file (undecodable bytes replaced), or None when it is not read."""
    try:
        return read_bytes(str(path), roots).decode("utf-8", errors="replace")
    except (OSError, Skipped, TooLarge):
        return None


def read_yaml_file(path: Path, roots: Roots) -> Any:
    try:
        text, _problem = decode(read_bytes(str(path), roots), str(path))
    except (OSError, Skipped, TooLarge):
        return None
    if text is None:
        return None
    documents, _, _ = load_documents(text)
    return documents[0].data if documents else None


def link_copies(charts: list[ChartDoc]) -> None:
    """Tell each chart of the run the others with the same Chart.yaml and values.yaml, byte for byte (ChartDoc.copies).

    Such charts are one chart kept in several places: the sources of a generated chart and the chart generated
    from them (gatekeeper's cmd/build/helmify/static holds a few templates, manifest_staging/charts/gatekeeper the
    whole chart), or a staged copy. What one copy's templates read is read by the chart.
    """
    groups: dict[tuple[str, str], list[ChartDoc]] = {}
    for chart in charts:
        if chart.chart is not None and chart.values is not None:
            groups.setdefault((chart.chart.source.text, chart.values.source.text), []).append(chart)
    for group in groups.values():
        for chart in group if len(group) > 1 else ():
            chart.copies = [other for other in group if other is not chart]


def given_values(files: tuple[str, ...], sets: tuple[str, ...]) -> tuple[tuple[str, Any], ...]:
    """The values given for the install (``--values FILE``, ``--set``), as maps undefined-value can read.

    A file the user names by flag is read wherever it is; one that cannot be read or holds no map is
    left out (Helm's render says why). ``--set`` expressions give their keys only, in Helm's strvals
    syntax (pkg/strvals/parser.go: ``,`` between expressions, ``.`` between keys, ``\\`` escapes
    either, ``[N]`` a list index): a key under a list index is open-ended, an empty map.
    """
    found: list[tuple[str, Any]] = []
    for shown in files:
        real = os.path.realpath(shown)
        data = read_yaml_file(Path(real), Roots((os.path.dirname(real),)))
        if isinstance(data, dict):
            found.append((shown, data))
    tree = set_keys_tree(sets)
    if tree:
        found.append(("--set", tree))
    return tuple(found)


def set_keys_tree(sets: Iterable[str]) -> dict[str, Any]:
    """The keys that ``--set`` expressions set, as nested maps (see :func:`given_values`)."""
    tree: dict[str, Any] = {}
    for expression in sets:
        for assignment in _split_unescaped(expression, ","):
            key = assignment.split("=", 1)[0] if "=" in assignment else ""
            _set_keys(tree, _split_unescaped(key, "."))
    return tree


def _split_unescaped(text: str, separator: str) -> list[str]:
    parts, current, escaped = [], [], False
    for char in text:
        if escaped:
            current.append(char if char == separator else "\\" + char)  # other escapes are the next split's
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == separator:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return parts


def _set_keys(tree: dict[str, Any], keys: list[str]) -> None:
    """Add a ``--set`` key path to ``tree``: a leaf is an empty string, a list (``name[0]``) None, which
    undefined-value takes for "the user supplies what is below"."""
    node = tree
    for index, key in enumerate(keys):
        name, bracket, _ = key.partition("[")
        if not name:
            return
        if bracket:
            node[name] = None
            return
        if index == len(keys) - 1:
            node.setdefault(name, "")
            return
        child = node.get(name, {})
        if child is None:
            return  # below a list set elsewhere: open already
        if not isinstance(child, dict):
            child = {}
        node[name] = child
        node = child


def _read_package(path: Path, roots: Roots) -> tuple[Any, dict[str, str], dict[str, str]]:
    """Chart.yaml, the templates of a packaged chart, and the templates of the charts it packages
    in its own charts/ (any depth), read from the archive (nothing is extracted)."""
    import io
    import tarfile

    meta: Any = None
    templates: dict[str, str] = {}
    nested: dict[str, str] = {}
    try:
        raw = read_bytes(str(path), roots, MAX_CHART_FILE_SIZE)
        with tarfile.open(fileobj=io.BytesIO(raw), mode="r:gz") as archive:
            for member in archive:
                if not member.isfile() or member.size > MAX_PACKAGE_MEMBER:
                    continue
                parts = member.name.split("/")
                if len(parts) == 2 and parts[1] == "Chart.yaml":
                    handle = archive.extractfile(member)
                    if handle is not None:
                        documents, _, _ = load_documents(handle.read().decode("utf-8", errors="replace"))
                        meta = documents[0].data if documents else None
                elif is_template_member(member.name):
                    handle = archive.extractfile(member)
                    if handle is not None:
                        templates[f"{path}!{member.name}"] = handle.read().decode("utf-8", errors="replace")
                elif is_nested_template_member(member.name):
                    handle = archive.extractfile(member)
                    if handle is not None:
                        nested[f"{path}!{member.name}"] = handle.read().decode("utf-8", errors="replace")
    except (tarfile.TarError, OSError, EOFError, Skipped, TooLarge):
        return None, {}, {}
    return meta, templates, nested


_Problems = list[Emitted]


def _read_source(path: Path, display: str, roots: Roots) -> tuple[SourceFile | None, Emitted | None]:
    where = Location(display, 1, 1)
    try:
        raw = read_bytes(str(path), roots, MAX_CHART_FILE_SIZE)
    except Skipped as exc:
        return None, (rulecodes.SKIPPED_FILE, Problem(str(exc), location=where))
    except TooLarge:
        return None, (rulecodes.FILE_TOO_LARGE, Problem(f"the file is larger than {MAX_CHART_FILE_SIZE:,} bytes; not read", location=where))
    except OSError as exc:
        return None, (rulecodes.UNREADABLE_FILE, Problem(f"cannot read file: {exc.strerror or exc}", location=where))
    text, problem = decode(raw, display)
    if text is None:
        assert problem is not None  # decode gives the text or the problem
        return None, (rulecodes.UNREADABLE_FILE, problem)
    return SourceFile(display, text), None


def _yaml(path: Path, display: str, roots: Roots, problems: _Problems) -> YamlFile | None:
    if not os.path.lexists(path):
        return None
    source, problem = _read_source(path, display, roots)
    if source is None:
        problems.append(problem)  # type: ignore[arg-type]
        return None
    documents, errors, duplicates = load_documents(source.text)
    for error in errors:
        rule = ERROR_RULES[error.kind]
        problems.append((rule, Problem(error.message, location=Location(display, error.line, error.column))))
    for dup in duplicates:
        problems.append(
            (
                rulecodes.DUPLICATE_KEY,
                Problem(
                    f"key {dup.key!r} appears again (first on line {dup.first_line}); Helm silently keeps the last",
                    location=Location(display, dup.line, dup.column),
                    variant="helm-keeps-last",
                ),
            )
        )
    document = next((d for d in documents if d.data is not None), None)
    if errors and document is None:
        return YamlFile(source, None, None)
    return YamlFile(source, document.tree if document else None, document.data if document else None)


def _folder(path: Path, display: str, roots: Roots, problems: _Problems) -> bool:
    """Whether ``path`` is a folder to read: a folder, or a symlink to one inside ``roots`` (else reported)."""
    if not os.path.lexists(path):
        return False
    try:
        _target, info = resolve(str(path), roots)
    except Skipped as exc:
        problems.append((rulecodes.SKIPPED_FILE, Problem(str(exc).replace("a path", "a folder", 1), location=Location(display, 1, 1))))
        return False
    except OSError:
        return False
    return stat.S_ISDIR(info.st_mode)


def _helm_ignore(chart_root: Path, roots: Roots) -> HelmIgnore:
    """The ignore rules Helm applies when it loads the chart folder (its .helmignore and the default)."""
    ignore_file = chart_root / ".helmignore"
    return HelmIgnore(read_text(ignore_file, roots) if os.path.isfile(ignore_file) else None)


def _files(folder: Path, display: str, roots: Roots, problems: _Problems, chart_root: Path | None = None) -> list[tuple[str, str]]:
    """(path, display) of the template files under ``folder`` that Helm reads, the files skipped reported.

    ``chart_root`` is the chart folder Helm loads (``folder``'s parent, or the
    parent chart for a subchart in charts/, whose own .helmignore Helm does not read).
    """
    skipped: list[tuple[str, str]] = []
    errors: list[tuple[str, str]] = []
    root = chart_root if chart_root is not None else folder.parent
    keep_dir, keep_file = _helm_ignore(root, roots).template_filter(Path(os.path.relpath(folder, root)).as_posix())
    entries = walk(str(folder), roots, skipped, errors, keep_dir=keep_dir, keep_file=keep_file)
    for path, reason in skipped:
        rel = Path(os.path.relpath(path, folder)).as_posix()
        problems.append((rulecodes.SKIPPED_FILE, Problem(reason, location=Location(display_path(f"{display}/{rel}"), 1, 1))))
    for path, reason in errors:
        rel = Path(os.path.relpath(path, folder)).as_posix()
        where = display if rel == "." else f"{display}/{rel}"
        problems.append((rulecodes.UNREADABLE_FILE, Problem(f"cannot read folder: {reason}", location=Location(display_path(where), 1, 1))))
    return [(e.path, display_path(f"{display}/{e.rel}")) for e in entries if not e.is_dir]


def load_chart(path: Path, root: str, roots: Roots | None = None) -> tuple[ChartDoc, list[Emitted], dict[str, SourceFile]]:
    """The chart in ``path``, the problems met reading it, and the files read (for snippets).

    Only files inside ``roots`` (default: the chart folder) are read; what is
    left out is a ``skipped-file`` problem.
    """
    roots = roots if roots is not None else Roots.of([str(path)])
    problems: list[Emitted] = []
    chart = _yaml(path / "Chart.yaml", os.path.join(root, "Chart.yaml"), roots, problems)
    values = _yaml(path / "values.yaml", os.path.join(root, "values.yaml"), roots, problems)
    lock = _yaml(path / "Chart.lock", os.path.join(root, "Chart.lock"), roots, problems)
    lock = _yaml(path / "requirements.lock", os.path.join(root, "requirements.lock"), roots, problems) or lock
    requirements = _yaml(path / "requirements.yaml", os.path.join(root, "requirements.yaml"), roots, problems)
    schema_source, schema = None, None
    schema_path = path / "values.schema.json"
    if os.path.lexists(schema_path):
        schema_source, problem = _read_source(schema_path, os.path.join(root, "values.schema.json"), roots)
        if schema_source is None:
            problems.append(problem)  # type: ignore[arg-type]
        else:
            try:
                schema = json.loads(schema_source.text)
            except ValueError as exc:
                line = getattr(exc, "lineno", 1)
                problems.append(
                    (
                        rulecodes.VALUES_SCHEMA_VIOLATION,
                        Problem(f"values.schema.json is not valid JSON: {exc}", location=Location(schema_source.display, line, 1)),
                    )
                )
    templates: list[SourceFile] = []
    template_display = os.path.join(root, "templates")
    if _folder(path / "templates", template_display, roots, problems):
        for file, display in sorted(_files(path / "templates", template_display, roots, problems)):
            source, problem = _read_source(Path(file), display, roots)
            if source is None:
                problems.append(problem)  # type: ignore[arg-type]
            else:
                templates.append(source)
    doc = ChartDoc(root, path, chart, values, schema_source, schema, templates, lock, requirements, roots)
    doc.subcharts = _subcharts(path, root, roots, problems)
    doc.local_dependencies = _local_dependencies(doc, problems)
    doc.unread = _unread(path, root, roots, problems)
    problems = list({(rule, p.message, p.location): (rule, p) for rule, p in problems}.values())
    files = {f.source.display: f.source for f in (chart, values, lock, requirements) if f is not None}
    if schema_source is not None:
        files[schema_source.display] = schema_source
    files.update({t.display: t for t in templates})
    return doc, problems, files


def _unread(path: Path, root: str, roots: Roots, problems: _Problems) -> list[str]:
    """Every file of the chart folder that is not read (helm would read it when rendering)."""
    skipped: list[tuple[str, str]] = []
    walk(str(path), roots, skipped, [], keep_dir=lambda _rel, name: name != ".git")
    unread = []
    for where, reason in skipped:
        display = display_path(f"{root}/{Path(os.path.relpath(where, path)).as_posix()}")
        problems.append((rulecodes.SKIPPED_FILE, Problem(reason, location=Location(display, 1, 1))))
        unread.append(display)
    return unread


def _subcharts(path: Path, root: str, roots: Roots, problems: _Problems) -> list[tuple[str, Path, list[str]]]:
    """The entries of charts/ to read: chart folders (with their template files) and .tgz packages."""
    folder = path / "charts"
    display = os.path.join(root, "charts")
    if not _folder(folder, display, roots, problems):
        return []
    found: list[tuple[str, Path, list[str]]] = []
    try:
        names = sorted(os.listdir(folder))
    except OSError:
        return []
    for name in names:
        entry = folder / name
        entry_display = display_path(f"{display}/{name}")
        if name.endswith(".tgz"):
            try:
                resolve(str(entry), roots)
            except Skipped as exc:
                problems.append((rulecodes.SKIPPED_FILE, Problem(str(exc), location=Location(entry_display, 1, 1))))
                continue
            except OSError:
                continue
            if os.path.isfile(entry):
                found.append((name, entry, []))
        elif _folder(entry, entry_display, roots, problems) and os.path.lexists(entry / "Chart.yaml"):
            templates = entry / "templates"
            listed = _folder(templates, f"{entry_display}/templates", roots, problems)
            files = [f for f, _ in _files(templates, f"{entry_display}/templates", roots, problems, path)] if listed else []
            found.append((name, entry, sorted(files)))
    return found


def _local_dependencies(chart: ChartDoc, problems: _Problems) -> dict[str, Path | None]:
    """The folder of each ``file://`` dependency; one outside the linted roots is reported and not read."""
    found: dict[str, Path | None] = {}
    dependencies = chart.metadata.get("dependencies")
    for index, dep in enumerate(dependencies if isinstance(dependencies, list) else []):
        repository = dep.get("repository") if isinstance(dep, dict) else None
        if not isinstance(repository, str) or not repository.startswith("file://") or repository in found:
            continue
        folder = os.path.realpath(chart.path / repository.removeprefix("file://"))
        if chart.roots.contains(folder):
            found[repository] = Path(folder)
            continue
        found[repository] = None
        problems.append(
            (
                rulecodes.SKIPPED_FILE,
                Problem(
                    f"dependency folder {repository} is outside the linted paths; not read (lint a folder that holds both charts)",
                    location=chart.chart_location(("dependencies", index, "repository")),
                ),
            )
        )
    return found
