"""Helm charts as Helm renders them: the engines, the renders of a chart, its errors, and where a rendered field is written.

Rendering happens only when asked for (``--render``, ``render: true`` or
``helm.render`` in the config): k8slint runs on pull requests it does not
trust and starts no engine unless told to. The engine is a ``helm`` binary
(PATH, then beside the Python running k8slint), else the ``helm-python-sdk``
package (``pip install 'k8slint[helm]'``, Helm v4's Go SDK behind ctypes).

A chart is rendered with its default values (and the ``--values`` and
``--set`` given), and once more with each ``ci/*-values.yaml`` (the
chart-testing convention). Each render is a deployment unit of its own.

The objects a render produces carry a :class:`HelmPlacement`: a finding on a
field lands on the template line that writes the key, found by matching the
field path against the template's own text (following ``include`` and
``template`` into the define that holds it), else on the first line of the
document in the template. A render that fails is a finding at the file and
line Helm names, with Helm's whole message.
"""

from __future__ import annotations

import glob
import json
import os
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from k8slint.errors import UsageError
from k8slint.findings import FieldPath, Location, Problem, Related
from k8slint.model.objects import K8sObject, SourceFile
from k8slint.model.positions import PositionTree, entries, locate, tree_of
from k8slint.model.values import dig
from k8slint.sources import engines
from k8slint.sources.safefs import display_path

if TYPE_CHECKING:
    from k8slint.sources.charts import ChartDoc
    from k8slint.sources.installscripts import ScriptInstall


class Settings(Protocol):
    """What rendering reads of a run's settings (k8slint.config.Settings)."""

    namespace: str
    kubernetes_version: str | None
    render_values: list[str]
    render_set: list[str]


RELEASE_NAME = "release-name"
"""The release name ``helm template`` uses when given none."""
SDK_PACKAGE = "helm-python-sdk"
INSTALL_HINT = "install helm (https://helm.sh/docs/intro/install/) or pip install 'k8slint[helm]'"


# --- engines --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HelmEngine:
    """What renders the charts: the helm binary (``binary`` set) or the SDK."""

    name: str
    version: str
    binary: engines.Engine | None = None

    def describe(self) -> str:
        return self.binary.describe() if self.binary is not None else f"{self.name} {self.version}"


def _import_sdk() -> Any:
    """The ``helm_python`` module, imported only now (it loads a Go library), or None when not installed."""
    try:
        import helm_python
    except (ImportError, OSError):
        return None
    return helm_python


def find_engine() -> HelmEngine | None:
    """The helm binary (preferred: it checks dependencies and takes a Kubernetes version), else the SDK."""
    binary = engines.find_helm()
    if binary is not None:
        return HelmEngine("helm", binary.version, binary)
    sdk = _import_sdk()
    if sdk is None:
        return None
    return HelmEngine(SDK_PACKAGE, f"{sdk.__version__} (Helm {sdk.helm_sdk_version()})")


# --- what is rendered -----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Render:
    """One render of a chart: the values files and ``--set`` expressions it is given."""

    chart: ChartDoc
    values: tuple[tuple[str, str], ...]
    """(path, as displayed) of each values file, in order."""
    sets: tuple[str, ...]
    ci_file: str | None = None
    """The ``ci/*-values.yaml`` file this render uses (displayed), None for the chart's default render."""
    script: ScriptInstall | None = None
    """The install script command this render repeats (k8slint.sources.installscripts), if any."""
    number: int = 0
    """Which of the script's renders of the chart this is, from 1, where it has several (0: it has one)."""

    @property
    def label(self) -> str:
        """The command that makes the same output, as the report names the build."""
        parts = [f"helm template {self.chart.root}", *(f"-f {shown}" for _, shown in self.values)]
        parts += [f"--set {expression}" for expression in self.sets]
        return " ".join(parts)

    @property
    def display(self) -> str:
        """The name of the rendered stream (a folder of its own, so that each render is a deployment unit)."""
        if self.script is not None:
            which = f" #{self.number}" if self.number else ""
            return f"{self.chart.root} (helm template as {self.script.script}{which} installs it)"
        tail = f" -f {os.path.relpath(self.ci_file, self.chart.root)}" if self.ci_file else ""
        return f"{self.chart.root} (helm template{tail})"

    def values_used(self) -> str:
        given = [*(shown for _, shown in self.values), *(f"--set {s}" for s in self.sets)]
        used = "with " + ", ".join(given) if given else "with its default values"
        if self.script is None:
            return used
        return f"{used}, as {self.script.script} installs it"


def renders_of(chart: ChartDoc, settings: Settings) -> list[Render]:
    """The default render (with the values and ``--set`` given; with none given, each install by the repository's
    scripts in its place) and one per ``ci/*-values.yaml``."""
    given = tuple((os.path.abspath(path), path) for path in settings.render_values)
    exact = [install for install in chart.installs if install.exact]  # none when --values or --set is given
    if not exact:
        found = [Render(chart, given, tuple(settings.render_set))]
    else:
        totals = Counter(install.script for install in exact)
        seen: Counter[str] = Counter()
        found = []
        for install in exact:
            seen[install.script] += 1
            number = seen[install.script] if totals[install.script] > 1 else 0
            found.append(Render(chart, install.values, install.sets, script=install, number=number))
    for path in sorted(glob.glob(os.path.join(glob.escape(str(chart.path)), "ci", "*-values.yaml"))):
        shown = os.path.join(chart.root, "ci", os.path.basename(path))
        found.append(Render(chart, ((path, shown),), (), shown))
    return found


@dataclass(slots=True)
class Outcome:
    """What one render gave: the stream in ``helm template``'s form, or the error."""

    render: Render
    engine: HelmEngine
    stream: str | None = None
    error: str | None = None


# --- running --------------------------------------------------------------------------------------------------


def kube_version(settings: Settings) -> str:
    """The Kubernetes version the charts are rendered for (``--kubernetes-version``, else k8slint's newest)."""
    from k8slint.model.schemas import resolve_version

    return f"{resolve_version(settings.kubernetes_version)}.0"


def api_versions(settings: Settings) -> tuple[str, ...]:
    """What ``.Capabilities.APIVersions`` gets besides Helm's own group/versions: each built-in kind the target
    version serves, as ``group/version/Kind``. Offline, Helm knows only group/versions (its DefaultVersionSet,
    from client-go's scheme); ``helm install`` adds the kinds from the cluster's discovery (pkg/action
    GetVersionSet), so a chart's ``.Capabilities.APIVersions.Has "policy/v1/PodDisruptionBudget"`` is true on a
    real cluster and false in a plain ``helm template``. Each of their group/versions is added too, as discovery
    lists it (GetVersionSet adds the group/version and then its kinds): Helm's default set lacks the groups
    client-go's scheme does not hold, so ``.Capabilities.APIVersions.Has "apiregistration.k8s.io/v1"`` would be
    false offline and true on every cluster. Custom resources' kinds depend on the cluster: not added."""
    from k8slint.model.schemas import resolve_version, served_kinds

    kinds = served_kinds(resolve_version(settings.kubernetes_version))
    group_versions = {kind.rsplit("/", 1)[0] for kind in kinds}
    return tuple(sorted(group_versions)) + kinds


def run_render(engine: HelmEngine, render: Render, settings: Settings) -> Outcome:
    if engine.binary is not None:
        return _run_binary(engine, render, settings)
    return _run_sdk(engine, render, settings)


def _run_binary(engine: HelmEngine, render: Render, settings: Settings) -> Outcome:
    assert engine.binary is not None
    # every path and expression is one argument that cannot be taken for a flag
    args = ["template", RELEASE_NAME, f"--namespace={settings.namespace}", f"--kube-version={kube_version(settings)}"]
    args.append(f"--api-versions={','.join(api_versions(settings))}")
    args += [f"--values={path}" for path, _ in render.values]
    args += [f"--set={expression}" for expression in render.sets]
    args += ["--", os.path.abspath(render.chart.path)]
    ran = engines.run(engine.binary, args)
    if not ran.ok:
        return Outcome(render, engine, error=ran.stderr or "helm template failed")
    return Outcome(render, engine, stream=ran.stdout)


def _run_sdk(engine: HelmEngine, render: Render, settings: Settings) -> Outcome:
    """Render with helm-python-sdk, as ``helm template`` would.

    Its ``Chart.render`` changes the loaded chart (a subchart that one render
    switches off stays gone), so the chart is loaded afresh for every render.
    It takes no Kubernetes version: ``.Capabilities.KubeVersion`` is the
    library's own, and the chart's ``kubeVersion`` is checked here instead.
    It must run in the main process, never in a forked worker (the Go runtime
    does not survive a fork): charts are rendered after the workers are done.
    ``Chart.render`` takes no API versions either, but the render options of
    the library under it do (``api_versions``, as ``--api-versions``; the
    library refuses a key it does not know), so the chart is rendered through
    them with the kinds the target version serves.
    """
    sdk = _import_sdk()
    assert sdk is not None  # find_engine found it
    refused = _kube_version_refused(render.chart, settings)
    if refused is not None:
        return Outcome(render, engine, error=refused)
    try:
        values: dict[str, Any] = {}
        for path, _ in render.values:
            with open(path, encoding="utf-8", errors="replace") as handle:
                merge_values(values, sdk.values_from_yaml(handle.read()))
        for expression in render.sets:
            merge_values(values, sdk.parse_set_string(expression))
        options = {"name": RELEASE_NAME, "namespace": settings.namespace, "is_install": True, "api_versions": list(api_versions(settings))}
        with sdk.Chart.load(os.path.abspath(render.chart.path)) as chart:
            native = getattr(sdk, "_native", None)
            if native is not None and hasattr(native, "call_string") and hasattr(chart, "_raw"):
                rendered = native.call_string("helm_render", chart._raw(), json.dumps(values) if values else None, json.dumps(options))
                manifests: dict[str, str] = json.loads(rendered)
            else:  # a release whose internals differ (the helm extra pins below 0.3): its public render, without the kinds
                manifests = chart.render(values or None, name=RELEASE_NAME, namespace=settings.namespace, is_install=True)
    except OSError as exc:
        return Outcome(render, engine, error=f"cannot read values file: {exc.strerror or exc}")
    except sdk.HelmError as exc:
        return Outcome(render, engine, error=str(exc))
    return Outcome(render, engine, stream=stream_of(manifests))


def _kube_version_refused(chart: ChartDoc, settings: Settings) -> str | None:
    """Helm's refusal of a chart whose ``kubeVersion`` the target version does not satisfy (None when it does)."""
    from k8slint.model.helmsemver import ConstraintError, parse_constraints

    wanted = chart.metadata.get("kubeVersion")
    if not isinstance(wanted, str) or not wanted.strip():
        return None
    target = kube_version(settings)
    try:
        satisfied = parse_constraints(wanted).check(target)
    except (ConstraintError, ValueError):
        return None  # chart-metadata reports a constraint Helm cannot read
    if satisfied:
        return None
    return f"chart requires kubeVersion: {wanted} which is incompatible with Kubernetes v{target}"


def merge_values(into: dict[str, Any], overrides: dict[str, Any]) -> None:
    """Merge ``overrides`` into ``into`` as Helm merges values files and --set (maps merge, the rest is replaced)."""
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            merge_values(into[key], value)
        else:
            into[key] = value


_DOCUMENT_SEPARATOR = re.compile(r"(?:^|\s*\n)---\s*")


def stream_of(manifests: dict[str, str]) -> str:
    """The SDK's rendered templates as ``helm template`` prints them: one document per ``---``, each after
    a ``# Source:`` comment; partials (``_*``), NOTES.txt and empty documents left out (Helm's
    releaseutil.SplitManifests and the template command's output)."""
    out = []
    for name in sorted(manifests):
        base = name.rsplit("/", 1)[-1]
        if base.startswith("_") or name.endswith("NOTES.txt"):
            continue
        for document in _DOCUMENT_SEPARATOR.split(manifests[name]):
            if document.strip():
                out.append(f"---\n# Source: {name}\n{document.strip(chr(10))}\n")
    return "".join(out)


_STREAM_DOCUMENT = re.compile(r"^---\n(?=# Source: )", re.MULTILINE)
_CRD = re.compile(r"^kind:\s*[\"']?CustomResourceDefinition[\"']?\s*$", re.MULTILINE)


def without_seen_crds(stream: str, seen: set[str]) -> str:
    """The stream without the CustomResourceDefinitions an earlier render of the chart gave word for word.

    Charts that install their CRDs from templates (argo-cd, opentelemetry-operator) print the same
    megabytes in every render; a definition is the same whatever values a render had, so it is read
    once (schemas come from the CRDs of the whole run), and the renders cost what their own objects do.
    """
    kept = []
    for document in _STREAM_DOCUMENT.split(stream):
        if _CRD.search(document):
            if document in seen:
                continue
            seen.add(document)
        kept.append(document)
    return "---\n".join(kept)


# --- errors ---------------------------------------------------------------------------------------------------

# The place Helm names in its errors: `template: c/templates/x.yaml:12:5:` (Helm 3),
# `c/templates/x.yaml:6:15` on a line of its own (Helm 4), `parse error at (c/templates/x.yaml:2)`,
# `execution error at (c/templates/x.yaml:6:8)`, `YAML parse error on c/templates/x.yaml:`.
# The path is one class (its "/" checked after), so that no nested repetition backtracks through text
# a template controls (`{{ fail "..." }}`); line and column have at most 9 digits.
_PLACE = re.compile(r"(?:^|[\s(])(?P<path>[^\s:()\"]{1,4096}):(?P<line>[0-9]{1,9})(?::(?P<column>[0-9]{1,9}))?(?=[\s:)]|$)")
_YAML_ERROR = re.compile(r"YAML parse error on (?P<path>[^\s:()\"]+):")
_NOISE = ("Use --debug flag to render out invalid YAML",)


def error_message(stderr: str) -> str:
    """Helm's whole message on one line: ``Error:`` and the ``--debug`` advice left out, lines joined."""
    lines = []
    for line in stderr.splitlines():
        text = line.strip()
        if not text or text in _NOISE or text.startswith(("WARNING:", "walk.go:")):
            continue
        lines.append(text.removeprefix("Error: "))
    return " ".join(lines) or "helm template failed"


_SCHEMA_FAILURE = "values don't meet the specifications of the schema"
# `- at '/policy': got null, want string` (Helm 4.1), `- at '': missing property 'policy'` (Helm 4.2)
_SCHEMA_AT = re.compile(r"- at '(?P<pointer>[^']*)': (?:missing propert(?:y|ies) '(?P<missing>[^']+)')?")


# the schema's remote $ref Helm failed to load: `failing loading "https://..."` (Helm 4's jsonschema), `Get "https://..."`
_REMOTE_SCHEMA_REF = re.compile(r'(?:failing loading|Get) "(?P<url>https?://[^"]+)"')


def is_schema_failure(message: str) -> bool:
    """Whether Helm refused the values for the chart's values.schema.json (it validates before it renders)."""
    return _SCHEMA_FAILURE in message


def error_location(chart: ChartDoc, message: str) -> Location:
    """The file and line a render error names (a template on disk; for the schema, the first value
    it refuses in values.yaml), else the chart's Chart.yaml."""
    if is_schema_failure(message):
        at = _SCHEMA_AT.search(message)
        if at is not None and chart.values is not None:
            path = tuple(part.replace("~1", "/").replace("~0", "~") for part in at.group("pointer").split("/") if part)
            path = (*path, at.group("missing")) if at.group("missing") else path
            return chart.values.locate(tuple(int(p) if p.isdigit() else p for p in path))
        return chart.chart_location()
    match = next((m for m in _PLACE.finditer(message) if "/" in m.group("path")), None)
    if match is not None:
        file = template_file(chart.root, chart.path, match.group("path"))
        if file is not None:
            return Location(file[0], int(match.group("line")), int(match.group("column") or 1))
    match = _YAML_ERROR.search(message)
    if match is not None:
        file = template_file(chart.root, chart.path, match.group("path"))
        if file is not None:
            return Location(file[0], 1, 1)
    return chart.chart_location()


def chart_display(root: str, rest: str) -> str:
    """A chart file as the report shows it, as the chart's own files are shown (k8slint.sources.charts)."""
    return display_path(f"{os.path.join(root, '')}{rest}")


def template_file(root: str, path: Path, source: str) -> tuple[str, Path] | None:
    """(display, path on disk) of a template Helm names ``chart/templates/x.yaml`` (subcharts:
    ``chart/charts/sub/templates/x.yaml``); None when it is not a file on disk (a packaged subchart)."""
    rest = source.split("/", 1)[1] if "/" in source else source
    on_disk = path / rest
    if not os.path.isfile(on_disk):
        return None
    return chart_display(root, rest), on_disk


# --- where a rendered field is written ------------------------------------------------------------------------

# A mapping key at the start of a line, after list dashes: `  - name: x`, `"app.kubernetes.io/name":`.
_KEY = re.compile(r"""^(?P<indent> *)(?P<dashes>(?:- +)*)(?P<quote>["']?)(?P<key>[^\s"'{#:][^"'{#:]*?|)(?P=quote) *:(?: |$)""")
_ITEM = re.compile(r"^(?P<indent> *)- ")
_CALL = re.compile(r"""\b(?:include|template)\s+"(?P<name>[^"]+)\"""")
_DEFINE = re.compile(r"""\{\{-?\s*define\s+"(?P<name>[^"]+)"\s*-?\}\}""")
_PRINTS = re.compile(r"\{\{.*\b(?:toYaml|toJson|tpl|include|template)\b|\{\{.*\.Values\b")
_SEPARATOR = re.compile(r"^---\s*$")
_VALUES_REF = re.compile(r"\$?\.Values(?P<path>(?:\.[A-Za-z_][A-Za-z0-9_]*){1,32})")
_KIND = re.compile(r"""^kind:\s*["']?(?P<kind>[A-Za-z0-9]+)["']?\s*$""")


@dataclass(frozen=True, slots=True)
class _Line:
    number: int
    """1-based."""
    indent: int
    """The column of the key (after the dashes), or of the text."""
    key: str | None
    item: int | None
    """The indent of the list dash that opens this line, when it opens an item."""
    column: int
    text: str


def _lines(text: str, first: int = 1) -> list[_Line]:
    out = []
    for number, text_line in enumerate(text.splitlines(), start=first):
        stripped = text_line.lstrip(" ")
        if not stripped or stripped.startswith("#"):
            continue
        match = _KEY.match(text_line)
        item = _ITEM.match(text_line)
        if match is not None and match.group("key"):
            indent = len(match.group("indent")) + len(match.group("dashes"))
            out.append(
                _Line(
                    number, indent, match.group("key"), len(match.group("indent")) if match.group("dashes") else None, indent + 1, text_line
                )
            )
        else:
            indent = len(text_line) - len(stripped)
            dash = len(item.group("indent")) if item is not None else None
            out.append(_Line(number, indent + (2 if item is not None else 0), None, dash, indent + 1, text_line))
    return out


def _is_action(line: _Line) -> bool:
    return line.text.lstrip(" -").startswith("{{") and line.key is None


@dataclass(slots=True)
class _TemplateText:
    display: str
    lines: list[_Line]
    documents: list[tuple[int, int]]
    """(start, end) indexes into ``lines`` of each part between ``---`` separators."""


def _template_text(display: str, text: str, first: int = 1) -> _TemplateText:
    lines = _lines(text, first)
    documents = []
    start = 0
    for index, line in enumerate(lines):
        if line.key is None and _SEPARATOR.match(line.text):
            documents.append((start, index))
            start = index + 1
    documents.append((start, len(lines)))
    return _TemplateText(display, lines, [d for d in documents if d[1] > d[0]] or [(0, len(lines))])


_TEMPLATE_SUFFIXES = (".tpl", ".yaml", ".yml", ".txt", ".json")


@dataclass(eq=False)
class ChartTemplates:
    """The template files of a chart on disk (its own and its unpacked subcharts'), read once for every
    render and every finding."""

    root: str
    path: Path
    sources: dict[str, SourceFile] = field(default_factory=dict)
    """The template files (display -> file), for the report's snippets."""
    _texts: dict[str, _TemplateText | None] = field(default_factory=dict)
    _values: dict[str, tuple[Any, PositionTree] | None] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for folder in [self.path / "templates", *sorted(self.path.glob("charts/*/templates"))]:
            for file in sorted(folder.rglob("*")) if folder.is_dir() else []:
                if file.suffix not in _TEMPLATE_SUFFIXES or not file.is_file():
                    continue
                try:
                    text = file.read_text(encoding="utf-8", errors="replace")
                except OSError:
                    continue
                display = chart_display(self.root, Path(os.path.relpath(file, self.path)).as_posix())
                self.sources[display] = SourceFile(display, text)

    @property
    def values_display(self) -> str:
        return chart_display(self.root, "values.yaml")

    def value_location(self, display: str, key: tuple[str, ...]) -> Location | None:
        """Where the values file ``display`` (a path as shown, readable from here) sets ``key``; None when it does not."""
        if display not in self._values:
            self._values[display] = _read_values(display)
        loaded = self._values[display]
        if loaded is None:
            return None
        node, tree = loaded
        for part in key:
            if not isinstance(node, dict) or part not in node:
                return None
            node = node[part]
        line, column, _ = locate(tree, key)
        return Location(display, line, column)

    def text(self, source: str) -> _TemplateText | None:
        """The template Helm names ``source`` (``chart/templates/x.yaml``), None when not on disk."""
        if source not in self._texts:
            rest = source.split("/", 1)[1] if "/" in source else source
            file = self.sources.get(chart_display(self.root, rest))
            self._texts[source] = _template_text(file.display, file.text) if file is not None else None
        return self._texts[source]

    def root_context_at(self, where: Location) -> bool:
        """Whether ``.`` on the line ``where`` is the chart's root: outside any define, or in one that every call gives it."""
        inside = [
            name
            for name, define in self.defines.items()
            if define.display == where.file and define.lines and define.lines[0].number <= where.line <= define.lines[-1].number
        ]
        return all(name in self._root_defines for name in inside)

    @cached_property
    def _root_defines(self) -> set[str]:
        from k8slint.model.gotemplate import analyse, root_context_defines

        return root_context_defines([call for file in self.sources.values() for call in analyse(file.text).call_contexts])

    @cached_property
    def defines(self) -> dict[str, _TemplateText]:
        """Each define of the chart's templates and of its unpacked subcharts: its body, with its lines."""
        found: dict[str, _TemplateText] = {}
        for display, file in self.sources.items():
            text = file.text
            if "define" not in text:
                continue
            matches = list(_DEFINE.finditer(text))
            for index, match in enumerate(matches):
                end = matches[index + 1].start() if index + 1 < len(matches) else len(text)
                first = text.count("\n", 0, match.end()) + 1
                found.setdefault(match.group("name"), _template_text(display, text[match.end() : end], first))
        return found


def _prints_the_field(text: str, path: FieldPath) -> bool:
    """Whether the value a template line prints is the field's: a line of a key prints that key's value
    (a container's ``- name: {{ .Values.x.name }}`` is not what a finding about the container is about);
    a line of only an action (``{{ toYaml .Values.resources }}``) prints what the path runs into."""
    key = _KEY.match(text)
    if key is None or not key.group("key"):
        return True
    return bool(path) and path[-1] == key.group("key")


def _read_values(display: str) -> tuple[Any, PositionTree] | None:
    from k8slint.sources.yamlsafe import load_documents

    try:
        with open(display, encoding="utf-8", errors="replace") as handle:
            documents, _, _ = load_documents(handle.read())
    except OSError:
        return None
    document = next((d for d in documents if isinstance(d.data, dict)), None)
    return (document.data, document.tree) if document is not None else None


def _document(template: _TemplateText, obj: K8sObject) -> tuple[int, int]:
    """The part of the template (between ``---``) that wrote the object: the one whose literal kind is its kind;
    of several, the one whose name's literal text the object's name holds best (backstage's ingress.yaml writes
    `{{ include "backstage.fullname" . }}-lighthouse` below `...-frontend`), else the first."""
    if len(template.documents) == 1:
        return template.documents[0]
    candidates = []
    for start, end in template.documents:
        for line in template.lines[start:end]:
            match = _KIND.match(line.text)
            if match is not None and match.group("kind") == obj.kind:
                candidates.append((start, end))
                break
    if not candidates:
        return 0, len(template.lines)
    if len(candidates) > 1 and obj.name:
        scored = [(_name_fit(template.lines[start:end], obj.name), start, end) for start, end in candidates]
        best = max(score for score, _, _ in scored)
        tops = [(start, end) for score, start, end in scored if score == best]
        if best > 0 and len(tops) == 1:
            return tops[0]
    return candidates[0]


def _name_fit(lines: list[_Line], name: str) -> int:
    """How much literal text of the document's ``metadata.name`` the rendered ``name`` holds, in order: the length
    of it; -1 where a literal part is not there (another document's object), 0 where the name is all actions."""
    in_metadata = False
    for line in lines:
        if line.indent == 0 and line.key is not None:
            in_metadata = line.key == "metadata"
        elif in_metadata and line.key == "name":
            written = line.text.split(":", 1)[1] if ":" in line.text else ""
            parts = [part.strip().strip("\"'") for part in _ACTION_TEXT.split(written)]
            at, total = 0, 0
            for part in (part for part in parts if part):
                found = name.find(part, at)
                if found < 0:
                    return -1
                at, total = found + len(part), total + len(part)
            return total
    return 0


_ACTION_TEXT = re.compile(r"\{\{.*?\}\}")


def _first_line(template: _TemplateText, start: int, end: int) -> Location:
    """The document's first line in the template: its apiVersion or kind, else its first line that is no action."""
    part = template.lines[start:end]
    for line in part:
        if line.key in ("apiVersion", "kind") and line.indent == 0:
            return Location(template.display, line.number, line.column)
    for line in part:
        if not _is_action(line):
            return Location(template.display, line.number, line.column)
    return Location(template.display, part[0].number if part else 1, 1)


def _block_end(lines: list[_Line], index: int, end: int, indent: int) -> int:
    """Where the block of the key at ``index`` (written at ``indent``) ends: the next key or item no deeper."""
    for position in range(index + 1, end):
        line = lines[position]
        if _is_action(line):
            continue
        if line.indent <= indent or (line.item is not None and line.item < indent):
            return position
    return end


def _walk(
    templates: ChartTemplates, template: _TemplateText, start: int, end: int, path: FieldPath, depth: int = 0, value: Any = None
) -> Location | None:
    """The line that writes ``path`` inside ``template.lines[start:end]``; None when the block holds nothing of it.
    ``value`` is the scalar the render gave the field (None: a mapping, a list or unknown)."""
    lines = template.lines
    found: Location | None = None
    parent = -1
    for step, part in enumerate(path):
        if isinstance(part, int):
            dashes = {i: dash for i in range(start, end) if (dash := lines[i].item) is not None and not _is_action(lines[i])}
            dash = min(dashes.values(), default=0)
            items = [i for i, at in dashes.items() if at == dash]
            if len(items) > part:  # literal items: this one (items a range writes are written once)
                index = items[part]
                block = items[part + 1] if part + 1 < len(items) else _block_end(lines, index, end, dash)
                start, end = index, block
                found = Location(template.display, lines[index].number, (lines[index].item or 0) + 1)
                parent = dash
            continue
        keyed = _keyed(lines, start, end, part, parent, value if step == len(path) - 1 else None)
        if keyed is None:
            inside = _through_calls(templates, template, start, end, path[step:], depth, value)
            if inside is not None:
                return inside
            # an action alone on its line (`{{- toYaml .Values.resources | nindent 12 }}`) may write the key; a
            # keyed line (`value: {{ include "x.fullname" . }}`) writes its own key only
            printer = next(
                (
                    lines[i]
                    for i in range(start, end)
                    if lines[i].indent > parent and lines[i].key is None and _PRINTS.search(lines[i].text)
                ),
                None,
            )
            if printer is not None and (found is None or printer.number >= found.line):
                return Location(template.display, printer.number, printer.column)
            return found
        line = lines[keyed]
        found = Location(template.display, line.number, line.column)
        parent = line.indent
        start, end = keyed + 1, _block_end(lines, keyed, end, line.indent)
    return found


def _keyed(lines: list[_Line], start: int, end: int, key: str, parent: int, value: Any) -> int | None:
    """The line of the block that writes ``key`` below ``parent``: the shallowest, and of lines as shallow (the
    branches of an ``if``/``else``), the first that does not write a literal other than ``value``, the scalar
    the render printed (a line ``apiVersion: policy/v1`` did not write ``policy/v1beta1``)."""
    candidates = sorted((i for i in range(start, end) if lines[i].key == key and lines[i].indent > parent), key=lambda i: lines[i].indent)
    if len(candidates) > 1 and value is not None:
        shallowest = [i for i in candidates if lines[i].indent == lines[candidates[0]].indent]
        return next((i for i in shallowest if not _writes_another_literal(lines[i], value)), candidates[0])
    return candidates[0] if candidates else None


def _writes_another_literal(line: _Line, value: Any) -> bool:
    """Whether the line writes its key with a literal scalar (no action) that is not ``value``."""
    from k8slint.sources.yamlsafe import load_documents

    key = _KEY.match(line.text)
    rest = line.text[key.end() :].strip() if key is not None else ""
    if not rest or "{{" in rest or rest[0] in "|>&*!":
        return False
    documents, _, _ = load_documents(f"literal: {rest}\n")  # a line that is no YAML alone gives no document
    data = documents[0].data if documents else None
    if not isinstance(data, dict) or "literal" not in data or isinstance(data["literal"], (dict, list)):
        return False
    written = data["literal"]
    return type(written) is not type(value) or written != value


def _through_calls(
    templates: ChartTemplates, template: _TemplateText, start: int, end: int, path: FieldPath, depth: int, value: Any = None
) -> Location | None:
    """``path`` written by a define that the block includes (``include "x.labels"``), there."""
    if depth > 8:
        return None
    for line in template.lines[start:end]:
        for match in _CALL.finditer(line.text):
            define = templates.defines.get(match.group("name"))
            if define is None or not _writes_first(define, path[0]):
                continue  # a define that prints a value (a name, a label) writes none of the fields below
            inside = _walk(templates, define, 0, len(define.lines), path, depth + 1, value)
            if inside is not None:
                return inside
    return None


def _writes_first(define: _TemplateText, part: Any) -> bool:
    """Whether the define's own lines write ``part``: a key of that name, or (for a list index) a list item."""
    if isinstance(part, int):
        return any(line.item is not None and not _is_action(line) for line in define.lines)
    return any(line.key == part for line in define.lines)


@dataclass(eq=False)
class HelmPlacement:
    """Where a field of an object that a chart rendered is written: a line of a template on disk."""

    label: str
    templates: ChartTemplates
    fallback: Location | None
    """Where an object from no template on disk lands (the chart's Chart.yaml); None: where it was built
    (the line of standard input)."""
    values: tuple[str, ...] = ()
    """The values files the render was given (displayed): each is a related location of its findings."""

    def place(self, obj: K8sObject, path: FieldPath, built: Location) -> Location:
        template = self.templates.text(obj.source) if obj.source else None
        if template is None or not template.lines:
            return built if self.fallback is None else self.fallback
        start, end = _document(template, obj)
        # a field the rendered object lacks (a container without resources) was written by no line:
        # it lands where the part of the path the object has is written
        path = _rendered_part(obj.data, path)
        value = dig(obj.data, path) if path else None
        scalar = value if isinstance(value, (str, int, float, bool)) else None
        found = _walk(self.templates, template, start, end, path, value=scalar) if path else None
        return found if found is not None else _first_line(template, start, end)

    def built_at(self, obj: K8sObject, path: FieldPath) -> Related | None:
        """Where the value the template line prints is set: the values file of the render that sets it,
        else values.yaml; else, for a render with values files, the last of them. (The rendered stream
        is no file the user has.)"""
        where = self.place(obj, path, Location("", 0, 0))
        source = self.templates.sources.get(where.file)
        text = source.line(where.line) if source is not None else None
        # a subchart's .Values are its own, and a define's those its callers pass: the chart's templates,
        # and its defines that every call gives the root context
        own = where.file.startswith(chart_display(self.templates.root, "templates/")) and self.templates.root_context_at(where)
        printed = _VALUES_REF.search(text) if text and own and _prints_the_field(text, path) else None
        if printed is not None:
            key = tuple(printed.group("path").split(".")[1:])
            for values in [*reversed(self.values), self.templates.values_display]:
                found = self.templates.value_location(values, key) if values else None
                if found is not None:
                    return Related(found, f"where .Values.{'.'.join(key)} is set")
        if not self.values:
            return None
        return Related(Location(self.values[-1], 1, 1), f"the values of the render: {self.label}")

    def place_stream_line(self, stream: SourceFile, objects: list[K8sObject], line: int, source: str | None) -> Location:
        """Where a problem met reading the rendered stream at ``line`` lands: the template line that writes
        the mapping it is in (a duplicate key: the mapping both writers print into), else the template's first line."""
        offset = _offset_of_line(stream.text, line)
        for obj in objects:
            if obj.file is stream and obj.span[0] <= offset < obj.span[1]:
                return self.place(obj, _path_before(tree_of(obj.positions()), line - 1), Location(stream.display, line, 1))
        template = self.templates.text(source) if source else None
        if template is None or not template.lines:
            return Location(stream.display, line, 1) if self.fallback is None else self.fallback
        return Location(template.display, template.lines[0].number, 1)


def _rendered_part(data: Any, path: FieldPath) -> FieldPath:
    """The longest start of ``path`` that the rendered object holds."""
    for length, part in enumerate(path):
        keyed = isinstance(data, dict) and isinstance(part, str) and part in data
        if not keyed and not (isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data)):
            return path[:length]
        data = data[part]
    return path


def _offset_of_line(text: str, line: int) -> int:
    offset = 0
    for _ in range(line - 1):
        found = text.find("\n", offset)
        if found < 0:
            return len(text)
        offset = found + 1
    return offset


def _path_before(tree: PositionTree, line: int) -> FieldPath:
    """The path of the node on ``line`` (0-based), else of the mapping that holds the last node above it."""
    path: list[Any] = []
    _, _, children = tree
    while True:
        best = None
        for key, node in entries(children):
            if node[0] <= line and (best is None or node[0] >= best[1][0]):
                best = (key, node)
        if best is None:
            return tuple(path)
        key, node = best
        if node[0] == line:
            return (*path, key)
        if node[2] is None:
            return tuple(path)
        path.append(key)
        children = node[2]


# --- the charts of a run --------------------------------------------------------------------------------------


@dataclass(slots=True)
class ChartRenders:
    """What rendering one chart gave: its renders' outcomes, and how its findings are placed."""

    chart: ChartDoc
    templates: ChartTemplates
    outcomes: list[Outcome] = field(default_factory=list)

    def placement(self, render: Render) -> HelmPlacement:
        return HelmPlacement(render.label, self.templates, self.chart.chart_location(), tuple(shown for _, shown in render.values))


def render_error(outcome: Outcome) -> Problem:
    assert outcome.error is not None
    message = error_message(outcome.error)
    render = outcome.render
    where = error_location(render.chart, message)
    # `execution error at (...)` is the chart's own `required` or `fail` (Helm's engine.go cleanupExecError
    # reads their HELM[...]HELM mark): with the defaults alone, the chart asks the installer for values
    asks = message.startswith("execution error at (") and not render.values and not render.sets
    offline = _REMOTE_SCHEMA_REF.search(message) if is_schema_failure(message) else None
    if offline is not None:  # Helm runs offline here (engines.run): the chart is not at fault
        return Problem(
            f"{render.label} not rendered ({render.values_used()}): Helm could not fetch {offline.group('url')}, a $ref of "
            "values.schema.json, since k8slint runs Helm offline; the values were not validated and the chart's objects not linted",
            location=where,
            variant="schema-ref-offline",
        )
    looked_up = _fail_after_lookup(render.chart, message)
    if looked_up is not None:  # helm template answers every lookup with nothing: the fail may be the cluster's to answer
        return Problem(
            f"{render.label} not rendered ({render.values_used()}): {message}; the chart fails where it looked the "
            f"cluster up ({looked_up}: `lookup`, which helm template answers with nothing, as it runs without a "
            "cluster), so whether it fails on install depends on what the cluster holds; the chart's objects were not linted",
            location=where,
            variant="lookup-offline",
        )
    return Problem(f"{render.label} fails ({render.values_used()}): {message}", location=where, variant="values-required" if asks else None)


_FAIL_TEXT = re.compile(r"^execution error at \([^)]*\): (?P<text>.+)$", re.DOTALL)
_LOOKUP = re.compile(r"\blookup\s+\S")


def _fail_after_lookup(chart: ChartDoc, message: str) -> str | None:
    """Where the chart calls ``lookup`` before the ``fail`` that gave ``message``, in the same template or define
    (gha-runner-scale-set's _helpers.tpl: it fails when its lookup finds no controller Deployment), as
    ``file:line``; None where the failing call is not found or no lookup comes before it."""
    found = _FAIL_TEXT.match(message)
    if found is None:
        return None
    text = found.group("text").strip()
    if len(text) < 8:
        return None  # too short to find the one fail call that says it
    for template in chart.templates:
        lines = template.text.splitlines()
        for number, line in enumerate(lines):
            if "fail" not in line or text not in line:
                continue
            start = number
            while start > 0 and not _DEFINE.search(lines[start]):
                start -= 1  # the define the fail is in, or the top of the file
            for at in range(start, number):
                if _LOOKUP.search(lines[at]):
                    return f"{template.display}:{at + 1}"
    return None


def render_charts(charts: list[ChartDoc], settings: Settings, notes: list[str]) -> list[ChartRenders]:
    """Render each chart that can be, as asked (rendering with no engine at all is a usage error)."""
    renderable = [chart for chart in charts if _renderable(chart, notes)]
    if not renderable:
        return []
    engine = find_engine()
    if engine is None:  # rendering was asked for: linting the charts unrendered would pass what was not checked
        raise UsageError(
            f"rendering was asked for (--render, or render in the config) but no Helm engine is installed: "
            f"{len(renderable)} chart{'s' if len(renderable) != 1 else ''} cannot be rendered; {INSTALL_HINT}, or drop --render"
        )
    out: list[ChartRenders] = []
    # ChartDoc.installs is empty when --values or --set is given (load.load_charts)
    guessed = [c for c in renderable if c.installs and not any(i.exact for i in c.installs)]
    if guessed:
        first = guessed[0].installs[0]
        notes.append(
            f"{len(guessed)} Helm chart{'s' if len(guessed) != 1 else ''} rendered with {'their' if len(guessed) != 1 else 'its'} "
            f"default values: the install scripts give {'them' if len(guessed) != 1 else 'it'} values known only when they run "
            f"({guessed[0].root}: {first.script}, {', '.join(first.left_out[:3])}{', ...' if len(first.left_out) > 3 else ''}); "
            "--values and --set render them as installed"
        )
    for chart in renderable:
        result = ChartRenders(chart, ChartTemplates(chart.root, chart.path))
        for render in renders_of(chart, settings):
            result.outcomes.append(run_render(engine, render, settings))
        out.append(result)
    notes.append(f"{len(out)} Helm chart{'s' if len(out) != 1 else ''} rendered with {engine.describe()}")
    if engine.binary is None and settings.kubernetes_version is not None:
        notes.append(
            f"{SDK_PACKAGE} renders with its own .Capabilities.KubeVersion, not {settings.kubernetes_version}: "
            "templates that test it rendered for that version (install helm to render for another)"
        )
    return out


def _renderable(chart: ChartDoc, notes: list[str]) -> bool:
    """Whether Helm may render the chart: every file of it read, installable, its dependencies in charts/."""
    from k8slint.model.chartdeps import unavailable_dependencies

    if chart.unread:
        notes.append(f"helm template {chart.root} not run: the chart holds files k8slint does not read (skipped-file)")
        return False
    if chart.metadata.get("type") == "library":
        return False  # Helm installs no library chart ("library charts are not installable"): the charts that use it render it
    missing = unavailable_dependencies(chart.metadata.get("dependencies"), chart.dependency_charts)
    if missing:
        notes.append(
            f"helm template {chart.root} not run: dependenc{'ies' if len(missing) > 1 else 'y'} "
            f"{', '.join(sorted(missing))} not in charts/ (chart-dependency-unavailable)"
        )
        return False
    return True
