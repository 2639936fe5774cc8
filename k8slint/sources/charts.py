"""Helm charts: Chart.yaml, values.yaml, values.schema.json, templates, Chart.lock and dependencies.

A chart is linted as a unit, not file by file: its templates are not YAML
until rendered. Dependencies in ``charts/`` (folders or ``.tgz`` packages) are
read, never extracted to disk, for the template names they define.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any


from k8slint.findings import Location, Problem
from k8slint.sources.discover import decode
from k8slint.sources.manifests import SourceFile
from k8slint.sources.yamlsafe import ERROR_RULES, PositionTree, load_documents, locate

TEMPLATE_SUFFIXES = (".yaml", ".yml", ".tpl", ".txt", ".json")
MAX_PACKAGE_MEMBER = 1024 * 1024


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

    @property
    def metadata(self) -> dict[str, Any]:
        data = self.chart.data if self.chart else None
        return data if isinstance(data, dict) else {}

    @property
    def name(self) -> str | None:
        name = self.metadata.get("name")
        return name if isinstance(name, str) else None

    def describe(self) -> str:
        return f"chart {self.name or self.root}"

    def origin(self) -> Location:
        return self.chart_location()

    def chart_location(self, path: tuple[Any, ...] = ()) -> Location:
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
        folder = self.path / "charts"
        if not folder.is_dir():
            return found
        for entry in sorted(folder.iterdir()):
            if entry.is_dir() and (entry / "Chart.yaml").is_file():
                meta = read_yaml_file(entry / "Chart.yaml")
                templates = {
                    str(p): p.read_text(encoding="utf-8", errors="replace")
                    for p in sorted((entry / "templates").rglob("*"))
                    if p.is_file() and p.suffix in TEMPLATE_SUFFIXES
                } if (entry / "templates").is_dir() else {}
                _record(found, meta, templates, entry.name)
            elif entry.name.endswith(".tgz") and entry.is_file():
                meta, templates = _read_package(entry)
                _record(found, meta, templates, entry.name)
        return found


def _record(found: dict[str, dict[str, Any]], meta: Any, templates: dict[str, str], fallback: str) -> None:
    meta = meta if isinstance(meta, dict) else {}
    name = meta.get("name") if isinstance(meta.get("name"), str) else fallback
    found[name] = {"version": str(meta.get("version", "")), "templates": templates, "entry": fallback}


def read_yaml_file(path: Path) -> Any:
    try:
        text, _problem = decode(path.read_bytes(), str(path))
    except OSError:
        return None
    if text is None:
        return None
    documents, _, _ = load_documents(text)
    return documents[0].data if documents else None


def _read_package(path: Path) -> tuple[Any, dict[str, str]]:
    """Chart.yaml and the templates of a packaged chart, read from the archive (nothing is extracted)."""
    import tarfile

    meta: Any = None
    templates: dict[str, str] = {}
    try:
        with tarfile.open(path, "r:gz") as archive:
            for member in archive:
                if not member.isfile() or member.size > MAX_PACKAGE_MEMBER:
                    continue
                parts = member.name.split("/")
                if len(parts) == 2 and parts[1] == "Chart.yaml":
                    handle = archive.extractfile(member)
                    if handle is not None:
                        documents, _, _ = load_documents(handle.read().decode("utf-8", errors="replace"))
                        meta = documents[0].data if documents else None
                elif len(parts) >= 3 and parts[1] == "templates" and member.name.endswith(TEMPLATE_SUFFIXES):
                    handle = archive.extractfile(member)
                    if handle is not None:
                        templates[f"{path}!{member.name}"] = handle.read().decode("utf-8", errors="replace")
    except (tarfile.TarError, OSError, EOFError):
        return None, {}
    return meta, templates


def _read_source(path: Path, display: str) -> tuple[SourceFile | None, Problem | None]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return None, Problem(f"cannot read file: {exc.strerror or exc}", location=Location(display, 1, 1))
    text, problem = decode(raw, display)
    return (SourceFile(display, text), None) if text is not None else (None, problem)


def _yaml(path: Path, display: str, problems: list[tuple[str, Problem]]) -> YamlFile | None:
    if not path.is_file():
        return None
    source, problem = _read_source(path, display)
    if source is None:
        problems.append(("unreadable-file", problem))  # type: ignore[arg-type]
        return None
    documents, errors, duplicates = load_documents(source.text)
    for error in errors:
        rule = ERROR_RULES[error.kind]
        problems.append((rule, Problem(error.message, location=Location(display, error.line, error.column))))
    for dup in duplicates:
        problems.append(
            ("duplicate-key", Problem(f"key {dup.key!r} appears again (first on line {dup.first_line})", location=Location(display, dup.line, dup.column)))
        )
    document = next((d for d in documents if d.data is not None), None)
    if errors and document is None:
        return YamlFile(source, None, None)
    return YamlFile(source, document.tree if document else None, document.data if document else None)


def load_chart(path: Path, root: str) -> tuple[ChartDoc, list[tuple[str, Problem]], dict[str, SourceFile]]:
    """The chart in ``path``, the problems met reading it, and the files read (for snippets)."""
    problems: list[tuple[str, Problem]] = []
    chart = _yaml(path / "Chart.yaml", os.path.join(root, "Chart.yaml"), problems)
    values = _yaml(path / "values.yaml", os.path.join(root, "values.yaml"), problems)
    lock = _yaml(path / "Chart.lock", os.path.join(root, "Chart.lock"), problems)
    schema_source, schema = None, None
    schema_path = path / "values.schema.json"
    if schema_path.is_file():
        schema_source, problem = _read_source(schema_path, os.path.join(root, "values.schema.json"))
        if schema_source is None:
            problems.append(("unreadable-file", problem))  # type: ignore[arg-type]
        else:
            try:
                schema = json.loads(schema_source.text)
            except ValueError as exc:
                line = getattr(exc, "lineno", 1)
                problems.append(
                    (
                        "values-schema-violation",
                        Problem(f"values.schema.json is not valid JSON: {exc}", location=Location(schema_source.display, line, 1)),
                    )
                )
    templates: list[SourceFile] = []
    template_folder = path / "templates"
    if template_folder.is_dir():
        for file in sorted(template_folder.rglob("*")):
            if not file.is_file() or file.suffix not in TEMPLATE_SUFFIXES:
                continue
            display = os.path.join(root, file.relative_to(path).as_posix())
            source, problem = _read_source(file, display)
            if source is None:
                problems.append(("unreadable-file", problem))  # type: ignore[arg-type]
            else:
                templates.append(source)
    doc = ChartDoc(root, path, chart, values, schema_source, schema, templates, lock)
    files = {f.source.display: f.source for f in (chart, values, lock) if f is not None}
    if schema_source is not None:
        files[schema_source.display] = schema_source
    files.update({t.display: t for t in templates})
    return doc, problems, files


_HELM_ERROR = re.compile(r"template: [^/:\s]+/((?:[^:\s]+/)*[^:\s]+):(\d+)(?::(\d+))?: (.*)")


def render_charts(
    charts: list[ChartDoc], settings: Any, notes: list[str]
) -> list[tuple[SourceFile | None, ChartDoc, Problem | None]] | None:
    """``helm template`` each chart (only when asked, with --render); None when helm is not on PATH."""
    import shutil
    import subprocess

    helm = shutil.which("helm")
    if helm is None:
        notes.append("--render was given but helm is not on PATH")
        return None
    out: list[tuple[SourceFile | None, ChartDoc, Problem | None]] = []
    for chart in charts:
        command = [helm, "template", str(chart.path)]
        for values in settings.render_values:
            command += ["--values", values]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            notes.append(f"helm template {chart.root} failed to run: {exc}")
            continue
        if done.returncode != 0:
            out.append((None, chart, _render_error(chart, done.stderr)))
            continue
        out.append((SourceFile(f"{chart.root} (helm template)", done.stdout), chart, None))
    return out


def _render_error(chart: ChartDoc, stderr: str) -> Problem:
    """The first error helm reports, at the template line it names when it names one."""
    message = next((line.strip() for line in stderr.splitlines() if line.strip()), "helm template failed")
    match = _HELM_ERROR.search(message)
    if match:
        path, line, column, detail = match.groups()
        return Problem(f"helm template: {detail}", location=Location(os.path.join(chart.root, path), int(line), int(column or 1)))
    return Problem(f"helm template failed: {message.removeprefix('Error: ')}", location=chart.chart_location())
