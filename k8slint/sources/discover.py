"""Finding the files to lint under the paths given on the command line."""

from __future__ import annotations

import dataclasses
import fnmatch
import os
import re
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from k8slint import rulecodes
from k8slint.errors import UsageError
from k8slint.findings import Location, Problem
from k8slint.repository import CONFIG_NAMES, repository_root
from k8slint.rulecodes import Emitted
from k8slint.sources.dockerfile_names import is_dockerfile_name
from k8slint.sources.kustomize_names import KUSTOMIZATION_NAMES, is_kustomization_name
from k8slint.sources.releases import superseded_release
from k8slint.sources.safefs import Roots, Skipped, TooLarge, display_path, read_bytes, resolve, walk
from k8slint.sources.skaffold import SKAFFOLD_CONFIG_NAMES, SkaffoldDeploys, is_skaffold_config_name
from k8slint.sources.testsuites import (
    CHAINSAW_TEST_NAMES,
    GATOR_SUITE_NAMES,
    KUTTL_SUITE_NAMES,
    KYVERNO_TEST_NAMES,
    GoConformanceTests,
    TestAssertions,
    expected_output,
    is_test_suite_name,
)

if TYPE_CHECKING:
    from k8slint.sources.chartfiles import ChartFilesRead
    from k8slint.sources.kustomize import KustomizeMap

MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
DEFAULT_EXCLUDED_DIRS = frozenset({"testdata", "_testdata", "__fixtures__", "__snapshot__", "__snapshots__", "vendor", "node_modules"})
"""Folders left out while walking unless asked (default-excludes: false), for their name: test inputs
(Go's testdata, and _testdata, which the go tool ignores as it does every folder whose name starts with
``_``; Jest's __fixtures__), which hold invalid objects on purpose, snapshot tests' recorded output
(helm-unittest's ``tests/__snapshot__``, Jest's ``__snapshots__``), and vendored and installed third-party
code. The report counts them."""
_INVALID_WORD = re.compile(r"(?:^|[-_.])invalid(?:$|[-_.])", re.IGNORECASE)
"""A folder whose name has the word ``invalid`` (``invalid``, ``invalid-examples``: Gateway API's
``hack/invalid-examples``, which its CI applies expecting each to be refused) holds objects made to be
refused: test inputs too."""
TEST_DATA_DIRS = frozenset({"data", "fixtures", "golden"})
TEST_FOLDERS = frozenset({"test", "tests", "fake"})
"""``data`` and ``fixtures`` in a ``test`` or ``tests`` folder are test inputs too (``tests/data``,
``test/fixtures``: the convention of pytest, Ruby and JavaScript projects), and ``golden`` there holds the
expected output a test compares with (``tests/golden``: kube-libsonnet's, vendored in sealed-secrets). A Go
``fake`` package holds test doubles, and its ``data`` what they serve the unit tests (linkerd2's
``controller/proxy-injector/fake/data``, which webhook_test.go reads through ``fake.NewFactory``)."""
_JVM_TEST_SOURCE_SET = re.compile(r"test|it|testFixtures|[a-z][A-Za-z0-9]*Test")
"""The source sets of Maven's and Gradle's standard layout whose ``resources`` folder holds test resources:
``src/test/resources`` (Maven's "Test resources"), ``src/it`` (Maven's integration tests), Gradle's
``testFixtures`` and the test suites a build declares (``src/integrationTest/resources``). The tests read
them from the class path (strimzi keeps the deliberately invalid custom resources its CEL tests send in
``api/src/test/resources``); nothing deploys them."""


def default_excluded(parent: str, name: str) -> bool:
    """The folder ``name`` inside the folder ``parent`` is left out by default (test inputs, third-party code)."""
    if name in DEFAULT_EXCLUDED_DIRS or _INVALID_WORD.search(name):
        return True
    folder = os.path.abspath(parent)
    if name == "resources" and _JVM_TEST_SOURCE_SET.fullmatch(os.path.basename(folder)):
        return os.path.basename(os.path.dirname(folder)) == "src"
    return name in TEST_DATA_DIRS and os.path.basename(folder) in TEST_FOLDERS


STDIN = "-"
STDIN_DISPLAY = "<stdin>"


@dataclass(frozen=True, slots=True)
class InputFile:
    display: str
    """The path as the user gave it, joined with the path found under it (printable: see display_path)."""
    path: str | None
    """Where to read it; None for standard input."""
    roots: Roots | None = None
    """The linted roots a symlink must resolve into (None: the file's own folder)."""
    named: bool = False
    """Named on the command line (not found by walking a folder)."""
    aside: str | None = None
    """Why the file is not linted as manifests or a Dockerfile (what it is instead); None: it is linted."""
    in_chart: bool = False
    """Set aside because it is a file of a Helm chart, which is linted as a chart."""
    selector_labels_from: str | None = None
    """A kustomization that adds labels to the selectors of this file's objects when it is built."""
    images_set_by: tuple[tuple[str, str], ...] = ()
    """(image name, kustomization) for each image a kustomization that includes this file sets with ``images:``."""
    images_left_latest: tuple[str, ...] = ()
    """Those of images_set_by that no kustomization (nor skaffold) gives a tag other than latest or a digest."""
    namespace_from: str | None = None
    """A kustomization that sets the namespace of this file's objects (and their references) when built."""
    kustomize_vars: tuple[str, ...] = ()
    kustomize_generated: tuple[tuple[str, str], ...] = ()
    kustomize_patched: tuple[tuple[str, str, str, str], ...] = ()
    """The ``vars:`` of the kustomizations that include this file: ``$(NAME)`` is replaced when built."""
    generator_of: str | None = None
    """The configMapGenerator or secretGenerator that makes this file ConfigMap or Secret data, if any."""
    merged_into: str | None = None
    """The chainsaw test whose earlier steps made every object of this file before one applies it: it is merged
    into them (an update), not created (TestAssertions.merged_into)."""
    test_input: str | None = None
    """Why this file's objects never reach an API server that would accept them (a test expects them refused,
    or only a policy engine's CLI test reads them): TestAssertions.test_input. Their errors are graded info."""
    installed_by: str | None = None
    """A kustomization of the set that builds this file's CustomResourceDefinitions as written, no patch of its builds
    able to change them (KustomizeMap.installs_crds_as_written): what the repository installs."""

    @property
    def is_json(self) -> bool:
        return self.display.endswith(".json")

    @property
    def is_dockerfile(self) -> bool:
        name = os.path.basename(self.display)
        return not name.endswith(MANIFEST_SUFFIXES) and is_dockerfile_name(name)


@dataclass(slots=True)
class Discovery:
    files: list[InputFile]
    problems: list[Emitted]
    charts: list[tuple[str, str]] = field(default_factory=list)
    """(display path, path) of every chart folder (a folder with a Chart.yaml)."""
    roots: Roots = field(default_factory=lambda: Roots(()))
    """The linted roots: symlinks are followed only into these."""
    left_out: list[str] = field(default_factory=list)
    """Folders not walked because of their name (DEFAULT_EXCLUDED_DIRS), as displayed."""
    hidden: list[str] = field(default_factory=list)
    """Hidden folders not walked (``.github``, ``.deploy``), as displayed: --verbose lists them."""
    kustomize: KustomizeMap | None = None
    """The kustomizations found (and, for files named one by one, those above them): set by identify;
    None where there is none (the kustomization reader is then never imported)."""
    asserted: tuple[str, ...] = ()
    """``Kind/name`` (or ``namespace/Kind/name``) of each object an end-to-end test asserts is in the
    cluster (a chainsaw ``assert`` file, a kuttl ``NN-assert.yaml``): something makes it, so a reference to
    it resolves, as to an external object."""
    asserted_resources: tuple[tuple[str | None, dict[str, Any]], ...] = ()
    """(namespace or None, data) of the custom resources those tests assert: see ObjectIndex."""
    test_folders: tuple[str, ...] = ()
    """The folders of the chainsaw and kyverno CLI tests, as displayed: each a deployment unit of its own."""
    sent_at: dict[str, tuple[tuple[str, int | None], ...]] = field(default_factory=dict)
    """Display -> when the chainsaw tests send the file's objects to the API server (TestAssertions.sent_at)."""
    skaffold: SkaffoldDeploys | None = None
    """The skaffold configs found (and those above files named one by one): the images each builds and
    writes into the manifests it deploys. None where there is none."""

    @property
    def set_aside(self) -> list[InputFile]:
        """The files found that are not linted as manifests or Dockerfiles (InputFile.aside says why)."""
        return [f for f in self.files if f.aside is not None]


def _excluded(rel: str, excludes: Sequence[str]) -> bool:
    name = rel.rsplit("/", 1)[-1]
    for pattern in excludes:
        pattern = pattern.rstrip("/")
        if fnmatch.fnmatchcase(rel, pattern) or fnmatch.fnmatchcase(name, pattern):
            return True
        if fnmatch.fnmatchcase(rel, pattern + "/*") or rel.startswith(pattern + "/"):
            return True
    return False


def _skipped(path: str, reason: str) -> Emitted:
    return rulecodes.SKIPPED_FILE, Problem(reason, location=Location(display_path(path), 1, 1))


def discover(paths: Iterable[str], excludes: Sequence[str] = (), default_excludes: bool = True) -> Discovery:
    """The input files under ``paths``, in a stable order.

    A path that does not exist is a usage error; a folder that cannot be read
    while walking is a problem reported on that folder. Hidden files and
    folders are skipped while walking (a hidden file named explicitly is read).
    Test-data folders (``testdata``, ``_testdata``, ``__fixtures__``, ``__snapshot__``, a folder named for
    invalid inputs such as ``invalid-examples``, and ``data``, ``fixtures`` or ``golden``
    in a ``test`` or ``tests`` folder), ``vendor`` and ``node_modules`` are left
    out while walking unless ``default_excludes`` is false (and listed in
    ``left_out``). Manifests are ``*.yaml``, ``*.yml`` and ``*.json``; Dockerfiles are found
    by name (``Dockerfile``, ``Containerfile``, ``*.Dockerfile``,
    ``Dockerfile.*``), and so are kustomizations (``Kustomization`` has no suffix). A folder with a ``Chart.yaml`` is a Helm chart: its
    templates/ and charts/ and the chart files at its root (Chart.yaml, values
    files, the schema) are linted as the chart; its other folders (crds/, and
    any other a README applies with kubectl) hold files judged by their content.
    Symlinks are followed only into the linted roots, only regular files are
    read, and folders deeper than MAX_DEPTH are not walked: what is left out
    that way is a ``skipped-file`` problem.
    """
    paths = list(paths)
    roots = Roots.of(paths)
    files: list[InputFile] = []
    problems: list[Emitted] = []
    charts: list[tuple[str, str]] = []
    left_out: list[str] = []
    hidden: list[str] = []
    seen: set[str] = set()
    for given in paths:
        if given == STDIN:
            if STDIN not in seen:
                seen.add(STDIN)
                files.append(InputFile(STDIN_DISPLAY, None, named=True))
            continue
        if not os.path.lexists(given):
            raise UsageError(f"path does not exist: {display_path(given)}")
        if os.path.isdir(given):
            if os.path.islink(given) and not roots.contains(os.path.realpath(given)):
                problems.append(_skipped(given, "a symlink to a folder outside the folder that holds it; not read"))
                continue
            for display, path in _walk(given, excludes, problems, charts, roots, left_out if default_excludes else None, hidden):
                if path not in seen:
                    seen.add(path)
                    files.append(InputFile(display, path, roots))
            continue
        norm = os.path.normpath(given)
        if norm in seen or _excluded(Path(norm).as_posix(), excludes):
            continue
        seen.add(norm)
        try:
            resolve(norm, roots)
        except Skipped as exc:
            problems.append(_skipped(given, str(exc)))
            continue
        except OSError:
            pass  # a dangling link: reading it says why
        files.append(InputFile(display_path(given), norm, roots, named=True))
    return Discovery(files, problems, sorted(set(charts)), roots, sorted(set(left_out)), sorted(set(hidden)))


def _walk(
    root: str,
    excludes: Sequence[str],
    problems: list[Emitted],
    charts: list[tuple[str, str]],
    roots: Roots,
    left_out: list[str] | None,
    hidden: list[str],
) -> list[tuple[str, str]]:
    known: dict[str, str | None] = {}

    def chart_of(rel_folder: str) -> str | None:
        """The chart folder that ``rel_folder`` is in, or None: a chart inside another's templates/, charts/
        or ci/ is the outer chart's (a subchart), one in any other folder of it a chart of its own."""
        if rel_folder not in known:
            parent = chart_of(rel_folder.rpartition("/")[0]) if rel_folder else None
            here = os.path.lexists(os.path.join(root, rel_folder, "Chart.yaml"))
            own = here and (parent is None or not _in_chart_folder(rel_folder, parent))
            known[rel_folder] = rel_folder if own else parent
        return known[rel_folder]

    def keep_dir(rel_folder: str, name: str) -> bool:
        rel = f"{rel_folder}/{name}" if rel_folder else name
        if _excluded(rel, excludes):
            return False
        if name.startswith("."):
            hidden.append(display_path(os.path.join(root, rel)))
            return False
        if left_out is not None and default_excluded(os.path.join(root, rel_folder), name):
            left_out.append(display_path(os.path.join(root, rel)))
            return False
        chart = chart_of(rel_folder)
        return chart is None or _chart_subfolder_kept(rel_folder, name, chart)

    def keep_file(rel_folder: str, name: str) -> bool:
        # kustomize also reads a kustomization named `Kustomization`, with no suffix (api/konfig/general.go)
        if name.startswith(".") or not (name.endswith(MANIFEST_SUFFIXES) or is_dockerfile_name(name) or is_kustomization_name(name)):
            return False
        chart = chart_of(rel_folder)
        if chart is not None and rel_folder == chart and is_chart_file(name):
            return False
        if chart is not None and rel_folder != chart:
            inner = _inner_parts(rel_folder, chart)
            if inner and inner[0] == "charts" and _subchart_crds(inner) != "crds":
                return False  # a subchart's own files: the parent chart's, not objects
        return not _excluded(f"{rel_folder}/{name}" if rel_folder else name, excludes)

    skipped: list[tuple[str, str]] = []
    errors: list[tuple[str, str]] = []
    entries = walk(root, roots, skipped, errors, keep_dir=keep_dir, keep_file=keep_file)
    for rel in ["", *(e.rel for e in entries if e.is_dir)]:
        if chart_of(rel) == rel:
            folder = os.path.join(root, rel) if rel else root
            charts.append((display_path(folder), folder))
    for where, reason in errors:
        problems.append((rulecodes.UNREADABLE_FILE, Problem(f"cannot read folder: {reason}", location=Location(display_path(where), 1, 1))))
    problems.extend(_skipped(path, reason) for path, reason in skipped)
    return sorted((display_path(e.path), e.path) for e in entries if not e.is_dir)


CHART_FOLDERS = ("templates", "charts", "ci")
"""A chart's folders that are the chart itself (rendered by Helm), or its values for chart-testing
(ci/), not files to apply as they are."""


def is_chart_file(name: str) -> bool:
    """A file at a chart's root that belongs to the chart: Chart.yaml, Chart.lock, values files, the values schema."""
    return name in ("Chart.yaml", "Chart.lock", "values.schema.json", "requirements.yaml", "requirements.lock") or (
        name.startswith("values") and name.endswith((".yaml", ".yml"))
    )


def _in_chart_folder(folder: str, chart: str) -> bool:
    """Whether ``folder`` lies in ``chart``'s templates/, charts/ or ci/ (both relative to one root, or both absolute)."""
    inner = Path(os.path.relpath(folder, chart) if chart else folder).parts
    return bool(inner) and inner[0] in CHART_FOLDERS


def owning_chart(folders: Sequence[str], holds_chart: Callable[[str], bool]) -> str | None:
    """The chart a file belongs to, from its folders (nearest first) up to the repository: the outermost
    chart, or a chart nested in one of its folders other than templates/, charts/ and ci/."""
    found: str | None = None
    for folder in reversed(folders):
        if holds_chart(folder) and (found is None or not _in_chart_folder(folder, found)):
            found = folder
    return found


def _chart_subfolder_kept(rel_folder: str, child: str, chart: str) -> bool:
    """Inside a chart, every folder but templates/, charts/ and ci/ (the chart's) is walked:
    crds/ hold plain manifests, and so may any other folder (manifests a README applies with
    kubectl); what is in them is judged by its content. In charts/, only the way to each subchart's
    crds/ is walked (``helm install`` installs the CRDs of every chart it installs, dependencies
    included: kube-prometheus-stack's charts/crds/crds/)."""
    if rel_folder == chart:
        return child not in CHART_FOLDERS or child == "charts"
    inner = _inner_parts(rel_folder, chart)
    if inner and inner[0] == "charts":
        return _subchart_crds((*inner, child)) is not None
    return True


def _inner_parts(rel_folder: str, chart: str) -> tuple[str, ...]:
    return Path(os.path.relpath(rel_folder, chart) if chart else rel_folder).parts if rel_folder != chart else ()


def _subchart_crds(parts: tuple[str, ...]) -> str | None:
    """Where ``parts`` (a path inside a chart, from its charts/) lies on the way to a subchart's crds/:
    ``"way"`` (charts/, a subchart's folder, their nested charts/), ``"crds"`` (in a crds/ folder), or None
    (any other folder of a subchart: its templates, its values, rendered as the parent chart's)."""
    index = 0
    while index < len(parts):
        if parts[index] != "charts":
            return None
        if index + 1 == len(parts):
            return "way"
        if index + 2 == len(parts):
            return "way"  # the subchart's folder
        if parts[index + 2] == "crds":
            return "crds"
        index += 2
    return None


def read_input(item: InputFile, max_size: int = 32 * 1024 * 1024) -> tuple[str | None, Emitted | None]:
    """The text of an input file, or the problem that kept it from being read (with its rule).

    A file over ``max_size`` bytes is not read at all (``file-too-large``); a
    path that is not a regular file inside the linted roots is not opened
    (``skipped-file``).
    """
    try:
        if item.path is None:
            raw = sys.stdin.buffer.read(max_size + 1)
            if len(raw) > max_size:
                raise TooLarge
        else:
            raw = read_bytes(item.path, item.roots or Roots.of([item.path]), max_size)
    except TooLarge:
        message = f"the file is larger than {max_size:,} bytes (max-file-size); not read"
        return None, (rulecodes.FILE_TOO_LARGE, Problem(message, location=Location(item.display, 1, 1)))
    except Skipped as exc:
        return None, (rulecodes.SKIPPED_FILE, Problem(str(exc), location=Location(item.display, 1, 1)))
    except OSError as exc:
        return None, (rulecodes.UNREADABLE_FILE, Problem(f"cannot read file: {exc.strerror or exc}", location=Location(item.display, 1, 1)))
    text, problem = decode(raw, item.display)
    return text, None if problem is None else (rulecodes.UNREADABLE_FILE, problem)


def decode(raw: bytes, display: str) -> tuple[str | None, Problem | None]:
    """UTF-8 (with or without BOM) or UTF-16 with BOM; anything else is reported."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        codec = "utf-16"
    elif raw.startswith(b"\xef\xbb\xbf"):
        codec = "utf-8-sig"
    else:
        codec = "utf-8"
        if b"\x00" in raw:
            return None, Problem("binary file: not a text manifest", location=Location(display, 1, 1))
    try:
        return raw.decode(codec), None
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return None, Problem(
            f"not {codec.upper().replace('-SIG', '')} text: byte 0x{raw[exc.start]:02x} at offset {exc.start}",
            location=Location(display, line, 1),
        )


def add_context(found: Discovery, excludes: Sequence[str]) -> Discovery:
    """The files found, plus the other manifests of their folders (not recursive), as context."""
    seen = {f.path for f in found.files}
    files = list(found.files)
    for folder in sorted({os.path.dirname(f.path) or "." for f in found.files if f.path is not None}):
        try:
            names = sorted(os.listdir(folder))
        except OSError:
            continue
        for name in names:
            path = os.path.normpath(os.path.join(folder, name))
            if path in seen or name.startswith(".") or not name.endswith(MANIFEST_SUFFIXES) or not os.path.isfile(path):
                continue
            if _excluded(Path(path).as_posix(), excludes):
                continue
            seen.add(path)
            files.append(InputFile(display_path(path), path, found.roots))
    return Discovery(files, found.problems, found.charts, found.roots, found.left_out, found.hidden)


def identify(found: Discovery) -> Discovery:
    """Say what each file found is, by its place and name, the same way whether it was walked or named.

    - k8slint's own config (``.k8slint.yaml``) is not linted as a manifest.
    - A kustomization is kustomize's input, and so is every file it names as a
      patch, transformer/generator/validator config, replacements file,
      OpenAPI schema, generator input or Helm values file: not linted as
      objects. The kustomizations are those found, plus (for files named one
      by one, as pre-commit passes them) those in the files' folders and above,
      up to the repository root. The files a kustomization lists as resources
      are objects; one whose kustomization adds ``commonLabels`` is marked so
      that a selector it leaves to kustomize is not reported.
    - A file named one by one inside a Helm chart (a folder above it holds a
      Chart.yaml, up to the repository root) is linted as part of that chart
      when it is the chart's own (templates/, charts/, ci/, the chart files);
      in its other folders (crds/ among them) it is judged by its content. A
      walk knows charts by the same rule (see discover).

    What the content says (a YAML file that holds no Kubernetes object) is
    decided when the file is read (k8slint.sources.manifests).
    """
    kustomize: KustomizeMap | None = None
    charts = list(found.charts)
    extra_roots: list[str] = []
    above = _Ancestry()
    suites: TestAssertions | None = None
    skaffold: SkaffoldDeploys | None = None
    for item in found.files:
        if item.path is not None and is_kustomization_name(os.path.basename(item.path)):
            kustomize = _add_kustomization(kustomize, item.path, item.roots or Roots.of([item.path]))
        elif item.path is not None and is_test_suite_name(os.path.basename(item.path)):
            suites = _add_test_suite(suites, item.path, item.roots or Roots.of([item.path]), item.display)
        elif item.path is not None and is_skaffold_config_name(os.path.basename(item.path)):
            skaffold = _add_skaffold(skaffold, item.path, item.roots or Roots.of([item.path]))
    if kustomize is not None:
        kustomize.read_makefiles()  # the patches a Makefile adds when it runs are kustomize's input too
    # the folders above each file named one by one (as pre-commit names them), up to its repository
    chains = {item.path: above.up(item.path) for item in found.files if item.path is not None and item.named}
    read: set[str] = set()
    shown_beside = {
        os.path.dirname(os.path.abspath(item.path)): item.display for item in found.files if item.path is not None and item.named
    }
    for stop, folders in chains.values():
        for folder in folders:
            # a chainsaw or kyverno CLI test names files of its own folder; a kuttl suite, of the test folders below
            # it; a gator suite, of its folder and those below
            own = CHAINSAW_TEST_NAMES | KUTTL_SUITE_NAMES | KYVERNO_TEST_NAMES | GATOR_SUITE_NAMES
            suite_names = own if folder == folders[0] else KUTTL_SUITE_NAMES | GATOR_SUITE_NAMES
            for name in (*KUSTOMIZATION_NAMES, *sorted(suite_names), *sorted(SKAFFOLD_CONFIG_NAMES)):
                candidate = os.path.join(folder, name)
                if candidate in read or not above.holds(folder, name):
                    continue
                read.add(candidate)
                within = Roots((os.path.realpath(stop),))
                if is_kustomization_name(name):
                    kustomize = _add_kustomization(kustomize, candidate, within)
                elif is_skaffold_config_name(name):
                    skaffold = _add_skaffold(skaffold, candidate, within)
                else:  # a test in the folder of a file named: shown from where that file is
                    beside = shown_beside.get(folder)
                    display = os.path.join(os.path.dirname(beside), name) if beside is not None else None
                    suites = _add_test_suite(suites, candidate, within, display)
    chart_folders = {os.path.abspath(folder): shown for shown, folder in charts}
    chart_files: ChartFilesRead | None = None
    conformance = GoConformanceTests()
    for item in found.files:
        if item.path is not None and item.aside is None and not item.is_dockerfile:
            conformance.read_folder(os.path.dirname(item.path), item.roots or Roots.of([item.path]), os.path.dirname(item.display))
    files = []
    sent_at: dict[str, tuple[tuple[str, int | None], ...]] = {}
    for item in found.files:
        if item.path is None or item.aside is not None:
            files.append(item)
            continue
        name = os.path.basename(item.path)
        aside: str | None = None
        in_chart = False
        if name in CONFIG_NAMES:
            aside = "k8slint's config file"
        elif is_kustomization_name(name):
            aside = "a kustomization: kustomize's input, whose resources are linted"
        elif kustomize is not None:
            aside = kustomize.input_role(item.path)
        merged: str | None = None
        test_input: str | None = None
        built_by = kustomize.built_by(item.path) if kustomize is not None and aside is None else None
        installed_by = kustomize.installs_crds_as_written(item.path) if kustomize is not None and built_by is not None else None
        if aside is None and suites is not None:
            aside = suites.role_of(item.path)
            merged = suites.merged_into(item.path) if aside is None else None
            test_input = suites.test_input(item.path, built_by is not None) if aside is None else None
            sent = suites.sent_at(item.path) if aside is None else ()
            if sent:
                sent_at[item.display] = sent
        if aside is None and test_input is None and not item.is_dockerfile:
            test_input = conformance.test_input(item.path)
            if test_input is None and built_by is None and (suites is None or not suites.applies(item.path)):
                test_input = expected_output(item.path)
            if test_input is None and built_by is None and kustomize is not None:
                test_input = kustomize.unused_patch(item.path)
            if test_input is None:
                test_input = superseded_release(item.path, item.roots or Roots.of([item.path]))
        if aside is None and chart_folders and not item.is_dockerfile:
            chart_folder = _chart_folder_of(item.path, chart_folders)
            if chart_folder is not None and not _part_of_chart(item.path, chart_folder):
                if chart_files is None:
                    from k8slint.sources.chartfiles import ChartFilesRead

                    chart_files = ChartFilesRead(item.roots or Roots.of([item.path]))
                where = chart_files.rendered_by(chart_folder, item.path)
                if where is not None:
                    aside = (
                        f"a template of the Helm chart {chart_folders[chart_folder]}, which renders it with tpl ({where}): "
                        "linted as the chart renders it (--render)"
                    )
        if aside is None and item.named and not item.is_dockerfile:
            chart = owning_chart(chains[item.path][1], lambda folder: above.holds(folder, "Chart.yaml"))
            if chart is not None and _part_of_chart(item.path, chart):
                aside, in_chart = f"a file of the Helm chart {display_path(chart)} (linted as a chart)", True
                shown = display_path(os.path.relpath(chart)) if not os.path.isabs(item.path) else display_path(chart)
                if all(os.path.abspath(path) != chart for _, path in charts):
                    charts.append((shown, os.path.relpath(chart) if not os.path.isabs(item.path) else chart))
                    extra_roots.append(os.path.realpath(chart))
        labels: str | None = None
        images: tuple[tuple[str, str], ...] = ()
        left_latest: tuple[str, ...] = ()
        generator: str | None = None
        namespace_from: str | None = None
        kustomize_vars: tuple[str, ...] = ()
        generated: tuple[tuple[str, str], ...] = ()
        patched: tuple[tuple[str, str, str, str], ...] = ()
        if aside is None and kustomize is not None:  # with no kustomization at all, each would be empty
            labels = kustomize.selector_labels_from(item.path)
            images = kustomize.images_set_for(item.path)
            left_latest = kustomize.images_left_latest_for(item.path)
            generator = kustomize.generator_of(item.path)
            namespace_from = kustomize.namespace_from(item.path)
            kustomize_vars = kustomize.vars_for(item.path)
            generated = kustomize.generated_for(item.path)
            patched = kustomize.patched_for(item.path)
        if aside is None and skaffold is not None:
            built = skaffold.images_built_for(item.path, kustomize)
            if built:
                images = tuple(sorted({**dict(built), **dict(images)}.items()))  # a kustomization's images: win
                left_latest = tuple(name for name in left_latest if name not in dict(built))  # skaffold tags what it builds
        files.append(
            dataclasses.replace(
                item,
                aside=aside,
                in_chart=in_chart,
                selector_labels_from=labels,
                images_set_by=images,
                images_left_latest=left_latest,
                generator_of=generator,
                namespace_from=namespace_from,
                kustomize_vars=kustomize_vars,
                merged_into=merged,
                test_input=test_input,
                kustomize_generated=generated,
                kustomize_patched=patched,
                installed_by=installed_by,
            )
        )
    roots = Roots(tuple(dict.fromkeys((*found.roots.real, *extra_roots)))) if extra_roots else found.roots
    asserted, resources = suites.asserted() if suites is not None else ((), ())
    tests = tuple(sorted(set(suites.test_folders))) if suites is not None else ()
    return Discovery(
        files,
        found.problems,
        sorted(set(charts)),
        roots,
        found.left_out,
        found.hidden,
        kustomize,
        asserted,
        resources,
        tests,
        sent_at,
        skaffold,
    )


def _chart_folder_of(path: str, chart_folders: dict[str, str]) -> str | None:
    """The nearest chart folder (absolute, a key of ``chart_folders``) above the file at ``path``, if any."""
    folder = os.path.dirname(os.path.abspath(path))
    while True:
        if folder in chart_folders:
            return folder
        parent = os.path.dirname(folder)
        if parent == folder:
            return None
        folder = parent


def _part_of_chart(path: str, chart: str) -> bool:
    """Whether a file under the chart folder ``chart`` is the chart's own: in templates/, charts/ or ci/,
    or a chart file at its root (else, as in crds/, it is judged by its content)."""
    inner = Path(os.path.relpath(os.path.abspath(path), chart)).parts
    return (len(inner) == 1 and is_chart_file(inner[0])) or (len(inner) > 1 and inner[0] in CHART_FOLDERS)


def _add_kustomization(kustomize: KustomizeMap | None, path: str, roots: Roots) -> KustomizeMap:
    """``kustomize`` (a new map for the first kustomization) with the one at ``path`` added, if it reads."""
    from k8slint.sources.kustomize import KustomizeMap, read_kustomization  # only where there is a kustomization

    if kustomize is None:
        kustomize = KustomizeMap()
    parsed = read_kustomization(path, roots)
    if parsed is not None:
        kustomize.add(parsed)
    return kustomize


def _add_skaffold(skaffold: SkaffoldDeploys | None, path: str, roots: Roots) -> SkaffoldDeploys:
    """``skaffold`` (a new table for the first config) with the skaffold config at ``path`` added."""
    if skaffold is None:
        skaffold = SkaffoldDeploys()
    skaffold.add_config(path, roots)
    return skaffold


def _add_test_suite(suites: TestAssertions | None, path: str, roots: Roots, display: str | None = None) -> TestAssertions:
    """``suites`` (a new table for the first) with the assertions of the chainsaw test or kuttl suite at ``path``."""
    if suites is None:
        suites = TestAssertions()
    suites.add_suite(path, roots, display)
    return suites


def _inside(folder: str, top: str) -> bool:
    return folder == top or folder.startswith(top.rstrip(os.sep) + os.sep)


@dataclass(slots=True)
class _Ancestry:
    """The folders above the files named one by one, each looked at once however many files it holds."""

    _stops: dict[str, str] = field(default_factory=dict)
    _holds: dict[tuple[str, str], bool] = field(default_factory=dict)

    def up(self, path: str) -> tuple[str, list[str]]:
        """How far up to look for the chart or kustomization ``path`` belongs to (the repository
        that holds it, else the working directory when it holds the file, else the file's folder),
        and the folders from the file's own up to there, nearest first."""
        folder = os.path.dirname(os.path.abspath(path))
        stop = self._stops.get(folder)
        if stop is None:
            root = repository_root(folder)
            cwd = os.getcwd()
            stop = self._stops[folder] = str(root) if root is not None else cwd if _inside(folder, cwd) else folder
        folders = [folder]
        while folder != stop and _inside(folder, stop):
            folder = os.path.dirname(folder)
            folders.append(folder)
        return stop, folders

    def holds(self, folder: str, name: str) -> bool:
        """Whether ``folder`` holds a file ``name`` (a Chart.yaml, a kustomization)."""
        key = (folder, name)
        if key not in self._holds:
            self._holds[key] = os.path.isfile(os.path.join(folder, name))
        return self._holds[key]
