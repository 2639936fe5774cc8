"""Coverage-guided fuzz targets (atheris, libFuzzer) for what users run.

    python -m fuzz.targets manifest [CORPUS_DIR ...] [libFuzzer flags]
    python -m fuzz.targets dockerfile [CORPUS_DIR ...] [libFuzzer flags]
    python -m fuzz.targets tree [CORPUS_DIR ...] [libFuzzer flags]
    python -m fuzz.targets report [CORPUS_DIR ...] [libFuzzer flags]

``manifest`` and ``dockerfile`` write each input to one file (``input.yaml``,
``Dockerfile``) and lint it as ``k8slint check FILE`` does. A crash is an
exception that escapes ``lint()``, or an ``internal-error`` finding (a rule
that raised on the input).

``tree`` turns each input into a small folder tree (see :func:`build_tree`):
manifests in YAML and JSON under odd file names, Dockerfiles beside them, a
Helm chart folder, and symlinks inside the tree and out of it to a canary
file. The tree is linted with default settings and rendered in all five
report formats, and every report must hold (:func:`check_reports`): no raw
control characters in the text and GitHub reports, no line that GitHub
would run as a workflow command except k8slint's own annotations, JUnit that
parses as XML 1.0, SARIF that validates against the SARIF 2.1.0 schema with
artifact URIs that are RFC 3986 references, JSON that loads, and never the
canary's content. Every few inputs the tree is linted again with two workers
(the reports must be the same) and through the command line (the exit code
must be 0 to 3). No socket may be opened.

``report`` renders findings whose every text (file, message, snippet, object
name, field path, hint, related location) comes from the input, and asserts
the same properties of the five reports.

The rule fixtures always seed the run; the inputs libFuzzer keeps go to the
first corpus folder given, if any. Every crash found becomes a file in
``fuzz/regressions/<target>/``, which tests/test_fuzz.py replays on every
test run (atheris is not needed for that).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import random
import re
import shutil
import socket
import sys
import tempfile
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote_to_bytes
from xml.etree import ElementTree as ET

ROOT = Path(__file__).resolve().parent.parent
REGRESSIONS = ROOT / "fuzz" / "regressions"
SARIF_SCHEMA = ROOT.parent / "shared" / "schemas" / "sarif-2.1.0.json"
FORMATS = ("text", "json", "sarif", "junit", "github")
SCRATCH_PREFIX = "k8slint-fuzz-"


class FuzzCrash(Exception):
    """A rule crashed on the input (it was reported as internal-error), or a report broke a promise."""


# ---------------------------------------------------------------------------
# Scratch folders that never outlive their user.


class _Scratch:
    """A private temporary folder, removed by ``close()``, on garbage collection or at exit."""

    def __init__(self, target: str) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix=f"{SCRATCH_PREFIX}{target}-"))
        self._cleanup = weakref.finalize(self, shutil.rmtree, self.folder, True)

    def close(self) -> None:
        self._cleanup()

    def __enter__(self) -> Any:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# ---------------------------------------------------------------------------
# Single-file targets.


SINGLE_FILE = {"manifest": "input.yaml", "dockerfile": "Dockerfile"}


class Linter(_Scratch):
    """Lints one input at a time in a private scratch folder, with default settings."""

    def __init__(self, target: str) -> None:
        from k8slint.config import build_settings
        from k8slint.engine import lint
        from k8slint.registry import registry

        self.lint = lint
        self.name = SINGLE_FILE[target]
        self.settings = build_settings(registry(), None)
        super().__init__(target)

    def check(self, data: bytes) -> None:
        """Lint ``data``; raise if anything crashed."""
        path = self.folder / self.name
        path.write_bytes(data)
        result = self.lint([str(path)], self.settings, jobs=1)
        crashed = [f for f in result.findings if f.rule == "internal-error"]
        if crashed:
            raise FuzzCrash(crashed[0].message)


# ---------------------------------------------------------------------------
# The properties every report must have.

# C0 controls but the newline between lines, DEL, and the C1 controls.
_RAW_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f]")
# Characters XML 1.0 does not allow in a document, even as character references.
_XML_INVALID = re.compile("[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_XML_INVALID_REFERENCE = re.compile(
    r"&#(x0*(?:[0-8bcef]|1[0-9a-f]|d[89a-f][0-9a-f]{2}|fff[ef])|0*(?:[0-8]|1[1-2]|1[4-9]|2[0-9]|3[01]));", re.I
)
# RFC 3986 URI-reference made of path characters only: a file name's '#', '?', '%',
# space and backslash must be percent-encoded, never left to mean something else.
_URI_PATH = re.compile(r"(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/]|%[0-9A-Fa-f]{2})*")
_GITHUB_ANNOTATION = re.compile(r"::(error|warning|notice) file=[^,:\r\n]*,line=\d+,col=\d+,title=[^,:\r\n]*::[^\r\n]*")


def _sarif_validator() -> Any:
    """The SARIF 2.1.0 schema's validator, or None where the shared schemas are absent."""
    if not SARIF_SCHEMA.is_file():
        return None
    import jsonschema

    return jsonschema.Draft4Validator(json.loads(SARIF_SCHEMA.read_text(encoding="utf-8")))


def render_all(result: Any, settings: Any) -> dict[str, str]:
    """The five reports, rendered exactly as ``k8slint check --format FORMAT`` renders them."""
    from k8slint.cli import _render

    return {name: _render(result, settings, name) for name in FORMATS}


SKIP = frozenset(filter(None, os.environ.get("K8SLINT_FUZZ_SKIP", "").split(",")))
"""Checks a run leaves out, to look past a known failure until its fix is merged:
``K8SLINT_FUZZ_SKIP=controls,commands,annotations,canary,junit,uri,surrogates``."""


def check_reports(reports: dict[str, str], result: Any, sarif_validator: Any, secret: str | None = None) -> None:
    """Raise FuzzCrash naming the first promise a report breaks."""
    for name in ("text", "github"):
        bad = _RAW_CONTROL.search(reports[name])
        if bad and "controls" not in SKIP:
            raise FuzzCrash(f"{name} report holds a raw control character {bad.group()!r}")
    # The Actions runner reads a workflow command from any line of the log (lines end at \n).
    for line in reports["text"].split("\n"):
        if line.lstrip().startswith("::") and "commands" not in SKIP:
            raise FuzzCrash(f"text report holds a line GitHub runs as a workflow command: {line[:200]!r}")
    for line in filter(None, reports["github"].split("\n")):
        if not _GITHUB_ANNOTATION.fullmatch(line) and "annotations" not in SKIP:
            raise FuzzCrash(f"github report holds a line that is not one annotation: {line[:200]!r}")
    if secret is not None and "canary" not in SKIP:
        for name, text in reports.items():
            if secret in text:
                raise FuzzCrash(f"{name} report holds the content of a file outside the linted tree")
    if "junit" not in SKIP:
        _check_junit(reports["junit"])
    _check_json(reports["json"], result)
    _check_sarif(reports["sarif"], result, sarif_validator)


@contextlib.contextmanager
def _known_failures() -> Iterator[None]:
    """A lone surrogate or a file name that is not UTF-8 crashing the reports, when skipped."""
    try:
        yield
    except UnicodeEncodeError:
        if "surrogates" not in SKIP:
            raise


def _check_junit(text: str) -> None:
    bad = _XML_INVALID.search(text) or _XML_INVALID_REFERENCE.search(text)
    if bad:
        raise FuzzCrash(f"junit report holds a character XML 1.0 does not allow: {bad.group()!r}")
    try:
        ET.fromstring(text.encode("utf-8", "surrogatepass"))
    except ET.ParseError as exc:
        raise FuzzCrash(f"junit report is not well-formed XML: {exc}") from None


def _check_json(text: str, result: Any) -> None:
    try:
        report = json.loads(text)
    except ValueError as exc:
        raise FuzzCrash(f"json report does not load: {exc}") from None
    if len(report["findings"]) != len(result.findings):
        raise FuzzCrash("json report lost findings")


_RULES_VALIDATED: list[Any] = []


def _check_sarif(text: str, result: Any, validator: Any) -> None:
    try:
        sarif = json.loads(text)
    except ValueError as exc:
        raise FuzzCrash(f"sarif report does not load: {exc}") from None
    if validator is not None:
        driver = sarif["runs"][0]["tool"]["driver"]
        if validator in _RULES_VALIDATED:
            # The rules come from the registry, never from the input: checked in full once.
            sarif = {**sarif, "runs": [{**sarif["runs"][0], "tool": {"driver": {**driver, "rules": driver["rules"][:1]}}}]}
        else:
            _RULES_VALIDATED.append(validator)
        error = next(iter(validator.iter_errors(sarif)), None)
        if error is not None:
            raise FuzzCrash(f"sarif report breaks the SARIF 2.1.0 schema at {list(error.absolute_path)}: {error.message[:300]}")
    results = sarif["runs"][0]["results"]
    if len(results) != len(result.findings):
        raise FuzzCrash("sarif report lost findings")
    for item, finding in zip(results, result.findings, strict=False):
        locations = [*item["locations"], *item.get("relatedLocations", ())]
        files = [finding.location.file, *(r.location.file for r in finding.related)]
        if finding.source:
            files.append(finding.source)
        for location, file in zip(locations, files, strict=False):
            uri = location["physicalLocation"]["artifactLocation"]["uri"]
            if "uri" in SKIP:
                continue
            if not _URI_PATH.fullmatch(uri):
                raise FuzzCrash(f"sarif artifact URI is not an RFC 3986 path reference: {uri[:200]!r}")
            real = result.file_names.get(file)  # the real name of a file whose report name is escaped
            if real is not None:
                file = os.path.normpath(real)
            file = file.removeprefix("./")
            if file.startswith("//"):  # "//x" would read as a host: POSIX takes it for "/x", and so does the URI
                file = "/" + file.lstrip("/")
            try:
                expected = file.encode("utf-8", "surrogateescape")
            except UnicodeEncodeError:  # a lone surrogate no file name can hold (a "# Source:" line, say)
                expected = file.encode("utf-8", "replace")
            if unquote_to_bytes(uri) != expected:
                raise FuzzCrash(f"sarif artifact URI {uri[:200]!r} does not name the file {file[:200]!r}")


def check_exit_code(args: list[str], cwd: Path) -> int:
    """Run ``k8slint ARGS`` in-process from ``cwd``; a traceback or an exit code outside 0-3 is a crash."""
    from k8slint.cli import main

    here = Path.cwd()
    out, err = io.StringIO(), io.StringIO()
    os.chdir(cwd)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            main(args)
    except SystemExit as exc:
        code = exc.code
    except Exception as exc:
        if not (isinstance(exc, UnicodeEncodeError) and "surrogates" in SKIP):
            raise FuzzCrash(f"k8slint {' '.join(args)} ended in a traceback: {type(exc).__name__}: {exc}") from exc
        code = 3
    else:
        code = 0
    finally:
        os.chdir(here)
    if not isinstance(code, int) or not 0 <= code <= 3:
        raise FuzzCrash(f"k8slint {' '.join(args)} exited {code!r}; stderr: {err.getvalue()[-500:]!r}")
    return code


# ---------------------------------------------------------------------------
# The tree target: an input is a handful of files.

_CONTROL_SIZE = 8
"""The first bytes of a tree input choose names, kinds and symlinks; the rest, split on
NUL bytes, are the contents of up to MAX_FILES files."""
MAX_FILES = 6
_MAX_CONTENT = 64 * 1024
TREE = "tree"
OUTSIDE = "outside"

_NAME_PIECES = (
    "app",
    "web",
    "db",
    "x",
    "Deploy",
    "a b",
    "#frag",
    "?q=1",
    "%41",
    "%",
    "&",
    "\\",
    "'",
    '"',
    "<x>",
    ";",
    ":",
    ",",
    "=",
    "@",
    "~",
    "+",
    "é",
    "日本",
    "🙂",
    "\u202e",
    "\u200b",
    "\ufeff",
    "\x1b[31m",
    "\x1b]8;;http://x\x07",
    "\n",
    "\r",
    "\t",
    "\x7f",
    "\x85",
    "\u2028",
    "::error file=x::y",
    "-rf",
    "-",
)
# Manifests converted from YAML to JSON come twice: most fuzzed bytes are not JSON.
_KINDS = ("yaml", "yml", "json", "json-from-yaml", "dockerfile", "template", "values", "chart", "json-from-yaml")
_DOCKERFILE_NAMES = ("Dockerfile", "{}.Dockerfile", "Dockerfile.{}", "Containerfile")


def _odd_name(rng: random.Random) -> str:
    parts = [rng.choice(_NAME_PIECES) for _ in range(rng.randint(1, 3))]
    return "".join(parts).replace("/", "_").replace("\0", "_") or "x"


def canary_text(secret: str) -> str:
    """A file each of whose lines carries ``secret``, whatever part of it a report quotes."""
    return (
        f"# {secret}\n"
        f"apiVersion: v1 # {secret}\n"
        f"kind: ConfigMap # {secret}\n"
        f"metadata: {{name: {secret}}} # {secret}\n"
        f"data: {{{secret}: {secret}}} # {secret}\n"
    )


def _json_from_yaml(content: bytes) -> bytes:
    """The same documents as JSON (the JSON loader's path), or the bytes unchanged."""
    import yaml

    try:
        docs = list(yaml.load_all(content[:4096], Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)))
        text = json.dumps(docs[0] if len(docs) == 1 else docs, ensure_ascii=False, default=str)
    except Exception:
        return content
    return text.encode("utf-8", "surrogatepass")


def _place(folder: Path, name: str, suffix: str, taken: set[str]) -> Path:
    base = f"{name}{suffix}"
    number = 0
    while base in taken or base in (".", "..") or os.path.lexists(os.fsencode(folder / base)):
        number += 1
        base = f"{name}{number}{suffix}"
    taken.add(base)
    return folder / base


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(os.fsencode(path), "wb") as handle:
        handle.write(data)


def build_tree(data: bytes, root: Path, canary: Path) -> None:
    """Write the tree ``data`` describes under ``root`` (which must not exist).

    Files get odd names (spaces, '#', '%41', unicode, control characters, a
    byte that is not UTF-8) and one of the kinds k8slint reads: YAML, JSON,
    a Dockerfile, or a Helm chart folder (``Chart.yaml``, ``values.yaml``,
    ``templates/``, a ``values.schema.json``). Symlinks point at files and
    folders of the tree, at nothing, and out of the tree at ``canary``.
    """
    control, body = data[:_CONTROL_SIZE].ljust(_CONTROL_SIZE, b"\0"), data[_CONTROL_SIZE:]
    rng = random.Random(control)
    root.mkdir()
    chunks = body.split(b"\0")[:MAX_FILES]
    taken: dict[Path, set[str]] = {}
    written: list[Path] = []
    chart = root / "chart"
    for number, content in enumerate(chunks):
        content = content[:_MAX_CONTENT]
        kind = _KINDS[(control[number % _CONTROL_SIZE] + number) % len(_KINDS)]
        name = _odd_name(rng)
        if rng.random() < 0.1:
            name += "\udcff"  # a byte that is not UTF-8, as os.fsencode writes it
        folder = root / rng.choice(("", "", "sub", "a b", "日本"))
        used = taken.setdefault(folder, set())
        if kind in ("yaml", "yml"):
            path = _place(folder, name, f".{kind}", used)
        elif kind in ("json", "json-from-yaml"):
            path = _place(folder, name, ".json", used)
            if kind != "json":
                content = _json_from_yaml(content)
        elif kind == "dockerfile":
            pattern = rng.choice(_DOCKERFILE_NAMES)
            path = _place(folder, pattern.format(name), "", used)
        else:
            if not (chart / "Chart.yaml").exists():
                _write(chart / "Chart.yaml", b"apiVersion: v2\nname: chart\nversion: 0.1.0\n")
                _write(chart / "values.yaml", b"replicas: 1\nimage: nginx:1.25\n")
                _write(chart / "templates" / "deploy.yaml", b"kind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\n")
            if kind == "template":
                path = _place(
                    chart / "templates", name, rng.choice((".yaml", ".tpl", ".txt")), taken.setdefault(chart / "templates", set())
                )
            elif kind == "values":
                path = chart / rng.choice(("values.yaml", "values.schema.json"))
            else:
                path = chart / "Chart.yaml"
        _write(path, content)
        written.append(path)
    for _ in range(control[-1] % 4):
        _add_symlink(rng, root, written, canary, taken)


def _add_symlink(rng: random.Random, root: Path, written: list[Path], canary: Path, taken: dict[Path, set[str]]) -> None:
    choice = rng.randrange(7)
    if choice == 0 and written:
        target = os.path.relpath(rng.choice(written), root)  # a file of the tree
    elif choice == 1:
        target = os.path.relpath(canary, root)  # out of the tree, relative
    elif choice == 2:
        target = str(canary)  # out of the tree, absolute
    elif choice == 3:
        target = str(canary.parent)  # a folder outside the tree
    elif choice == 4:
        target = "missing.yaml"  # dangling
    elif choice == 5:
        target = "."  # a folder loop
    else:
        target = os.path.relpath(canary, root / "sub")
    folder = root / "sub" if choice == 6 else root
    folder.mkdir(exist_ok=True)
    suffix = rng.choice((".yaml", ".json", ".yml", "", "Dockerfile"))
    link = _place(folder, _odd_name(rng), suffix, taken.setdefault(folder, set()))
    os.symlink(os.fsencode(target), os.fsencode(link))


class _NoNetwork:
    """Sockets refused while linting: a default run must not open one."""

    def __init__(self) -> None:
        self.attempts: list[str] = []

    @contextlib.contextmanager
    def active(self) -> Iterator[None]:
        saved = socket.socket, socket.create_connection, socket.getaddrinfo

        def refuse(*args: Any, **kwargs: Any) -> Any:
            self.attempts.append(repr(args)[:200])
            raise OSError("k8slint fuzz: network access is not allowed")

        socket.socket, socket.create_connection, socket.getaddrinfo = refuse, refuse, refuse  # type: ignore[assignment,misc]
        try:
            yield
        finally:
            socket.socket, socket.create_connection, socket.getaddrinfo = saved  # type: ignore[misc]


class TreeLinter(_Scratch):
    """Lints one tree at a time in a private scratch folder and checks the five reports.

    ``parallel_every`` and ``cli_every``: every so many inputs, also lint with
    two workers (comparing the reports) and run the command line (0 turns
    either off).
    """

    def __init__(self, target: str = "tree", *, parallel_every: int = 50, cli_every: int = 25) -> None:
        from k8slint.config import build_settings
        from k8slint.engine import lint
        from k8slint.registry import registry

        super().__init__(target)
        self.lint = lint
        self.settings = build_settings(registry(), None)
        self.validator = _sarif_validator()
        self.secret = "kcanary" + os.urandom(8).hex()
        outside = self.folder / OUTSIDE
        outside.mkdir()
        self.canary = outside / "secret.yaml"
        self.canary.write_text(canary_text(self.secret), encoding="utf-8")
        self.parallel_every = parallel_every
        self.cli_every = cli_every
        self.network = _NoNetwork()
        self.count = 0

    def check(self, data: bytes) -> None:
        tree = self.folder / TREE
        if tree.exists() or tree.is_symlink():
            shutil.rmtree(tree)
        build_tree(data, tree, self.canary)
        self.count += 1
        here = Path.cwd()
        os.chdir(self.folder)
        try:
            with self.network.active():
                reports = self._lint_and_check(jobs=1)
                if self.parallel_every and self.count % self.parallel_every == 0:
                    with _parallel_for_any_count():
                        again = self._lint_and_check(jobs=2)
                    if again != reports:
                        changed = next(name for name in FORMATS if again[name] != reports[name])
                        raise FuzzCrash(f"the {changed} report differs with --jobs 2")
        finally:
            os.chdir(here)
        if self.cli_every and self.count % self.cli_every == 0:
            with self.network.active():
                format_name = FORMATS[self.count // self.cli_every % len(FORMATS)]
                check_exit_code(["check", "--no-config", "--jobs", "1", "--format", format_name, TREE], self.folder)
        if self.network.attempts:
            raise FuzzCrash(f"a default run opened a socket: {self.network.attempts[0]}")

    def _lint_and_check(self, jobs: int) -> dict[str, str]:
        result = self.lint([TREE], self.settings, jobs=jobs)
        crashed = [f for f in result.findings if f.rule == "internal-error"]
        if crashed:
            raise FuzzCrash(crashed[0].message)
        with _known_failures():
            reports = render_all(result, self.settings)
            check_reports(reports, result, self.validator, self.secret)
            return reports
        return {}


@contextlib.contextmanager
def _parallel_for_any_count() -> Iterator[None]:
    """Workers even for the few files of a fuzz tree (the engine waits for 32 otherwise)."""
    from k8slint import scheduler

    saved = scheduler.PARALLEL_MIN_FILES
    scheduler.PARALLEL_MIN_FILES = 1
    try:
        yield
    finally:
        scheduler.PARALLEL_MIN_FILES = saved


# ---------------------------------------------------------------------------
# The report target: findings whose every text comes from the input.


class ReportChecker:
    """Renders findings built from the input's text in the five formats and checks them."""

    def __init__(self, target: str = "report") -> None:
        from k8slint.config import build_settings
        from k8slint.registry import registry

        self.settings = build_settings(registry(), None)
        self.rules = list(registry())
        self.validator = _sarif_validator()

    def __enter__(self) -> ReportChecker:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def close(self) -> None:
        return None

    def findings(self, data: bytes) -> list[Any]:
        """Up to 8 findings; each takes 8 NUL-separated texts (decoded keeping lone surrogates)."""
        from k8slint.findings import Finding, Location, ObjectRef, Related, Severity

        texts = [
            part.decode("utf-8", "surrogatepass") if _is_wtf8(part) else part.decode("utf-8", "surrogateescape")
            for part in data.split(b"\0")
        ]
        out = []
        for start in range(0, min(len(texts), 64), 8):
            field = (texts[start : start + 8] + [""] * 8)[:8]
            seed = sum(map(ord, field[0][:4])) + start
            rule = self.rules[seed % len(self.rules)]
            line, column = 1 + seed % 5000, 1 + len(field[1]) % 300
            location = Location(field[0] or "x.yaml", line, column)
            out.append(
                Finding(
                    code=rule.code,
                    rule=rule.name,
                    severity=list(Severity)[seed % 3],
                    message=field[1],
                    location=location,
                    path=field[2] or None,
                    object=ObjectRef(field[3] or None, field[4] or None, field[5] or None, field[6] or None) if seed % 4 else None,
                    hint=field[7] or None,
                    source=field[3] if seed % 5 == 0 else None,
                    related=(Related(Location(field[5] or "y.yaml", column, line), field[6]),) if seed % 3 == 0 else (),
                    snippet=field[2] + field[1],
                )
            )
        out.sort(key=lambda f: f.sort_key)
        return out

    def check(self, data: bytes) -> None:
        from k8slint.findings import Result

        findings = self.findings(data)
        result = Result(findings, files=len({f.location.file for f in findings}), objects=len(findings), notes=[])
        with _known_failures():
            check_reports(render_all(result, self.settings), result, self.validator)


def _is_wtf8(part: bytes) -> bool:
    try:
        part.decode("utf-8", "surrogatepass")
    except UnicodeDecodeError:
        return False
    return True


# ---------------------------------------------------------------------------
# Seeds and the command line.

TARGETS: dict[str, Any] = {"manifest": Linter, "dockerfile": Linter, "tree": TreeLinter, "report": ReportChecker}

HOSTILE_TEXTS = (
    "\n::error file=README.md,line=1::forged",
    "\n::add-mask::secret\n::stop-commands::x",
    "\x1b]8;;http://example.invalid\x07link\x1b]8;;\x07\x1b[2J\x1b]0;title\x07",
    "a b#c?d%41\\e/f.yaml",
    "\x00\x01\x08\x0b\x0c\x0e\x1f\x7f\x80\x85\x9f",
    "\ud800 lone surrogate \udfff",
    "\ufffe\uffff",
    "tab\tcr\rcrlf\r\n",
    "<![CDATA[ ]]> & < > \" '",
    "x" * 300,
)


def _manifest_seeds() -> list[Path]:
    fixtures = ROOT / "fixtures"
    return sorted(p for p in fixtures.rglob("*") if p.is_file() and p.suffix in (".yaml", ".yml", ".json"))


def _dockerfile_seeds() -> list[Path]:
    return sorted(p for p in (ROOT / "fixtures").rglob("*Dockerfile*") if p.is_file())


def seeds(target: str) -> list[Path]:
    """The rule fixtures of the target's kind, as a starting corpus (files; see seed_inputs)."""
    if target == "dockerfile":
        return _dockerfile_seeds()
    return _manifest_seeds()


def seed_inputs(target: str) -> list[bytes]:
    """The starting corpus of ``target``, as inputs."""
    if target in SINGLE_FILE:
        return [p.read_bytes() for p in seeds(target)]
    if target == "report":
        texts = [t.encode("utf-8", "surrogatepass") for t in HOSTILE_TEXTS]
        out = []
        for number in range(len(texts)):
            fields = [texts[(number + k) % len(texts)] for k in range(8)]
            out.append(b"\0".join(fields))
        return out
    manifests, dockerfiles = _manifest_seeds(), _dockerfile_seeds()
    out = []
    for number, manifest in enumerate(manifests):
        control = bytes((number + k * 37) % 256 for k in range(_CONTROL_SIZE))
        parts = [manifest.read_bytes()[:_MAX_CONTENT]]
        if dockerfiles and number % 3 == 0:
            parts.append(dockerfiles[number % len(dockerfiles)].read_bytes()[:_MAX_CONTENT])
        if number % 4 == 0:
            parts.append(manifests[(number * 7) % len(manifests)].read_bytes()[:_MAX_CONTENT])
        out.append(control + b"\0".join(parts))
    return out


def open_target(target: str) -> Any:
    """The checker of ``target``: ``.check(data)`` raises on a crash; use it as a context manager."""
    return TARGETS[target](target)


def main(argv: list[str]) -> int:
    """Fuzz in a child process whose temporary folders are all removed when it ends.

    libFuzzer ends the process without running atexit handlers or finalizers,
    on a crash and at ``-max_total_time`` alike, so the child's scratch folders
    live under a folder of the parent's, removed once the child is gone.
    """
    if len(argv) < 2 or argv[1] not in TARGETS:
        raise SystemExit(f"usage: python -m fuzz.targets {{{','.join(TARGETS)}}} [CORPUS_DIR ...] [libFuzzer flags]")
    if os.environ.get(_CHILD) == "1":
        _fuzz(argv)
        return 0
    import subprocess

    with tempfile.TemporaryDirectory(prefix=f"{SCRATCH_PREFIX}run-") as scratch:
        env = {**os.environ, _CHILD: "1", "TMPDIR": scratch}
        return subprocess.run([sys.executable, "-m", "fuzz.targets", *argv[1:]], env=env, check=False).returncode


_CHILD = "K8SLINT_FUZZ_CHILD"


def _fuzz(argv: list[str]) -> None:
    import atheris

    target = argv[1]
    checker = open_target(target)
    starting = seed_inputs(target)
    for data in starting[:3]:
        checker.check(data)  # imports every lazily loaded module before instrumenting
    _instrument(atheris, INSTRUMENTED)
    args = [argv[0], *argv[2:]]
    # The seeds always join the run, after the folders given (libFuzzer adds
    # the inputs it keeps to the first folder).
    seed_dir = Path(tempfile.mkdtemp(prefix=f"{SCRATCH_PREFIX}seeds-{target}-"))
    for number, data in enumerate(starting):
        (seed_dir / f"{number:04d}").write_bytes(data)
    args.append(str(seed_dir))
    atheris.Setup(args, lambda data: _no_exit(checker.check, data))
    atheris.Fuzz()


# The packages whose code the coverage feedback follows: k8slint, the harness, and PyYAML, whose Python
# composer k8slint's loader drives. atheris.instrument_all() would also instrument the standard library, rich
# and jsonschema (5,100 functions in all, about 30 s of a bounded run's start-up; these are 1,600, about 8 s).
INSTRUMENTED = ("k8slint", "fuzz", "yaml")


def _instrument(atheris: Any, packages: tuple[str, ...]) -> int:
    """Instrument every function already imported from ``packages``; the number instrumented."""
    import gc
    import types

    functions = [
        obj
        for obj in gc.get_objects()
        if isinstance(obj, types.FunctionType)
        and isinstance(obj.__module__, str)
        and obj.__module__ in sys.modules
        and obj.__module__.partition(".")[0] in packages
    ]
    for function in functions:
        atheris.instrument_func(function)
    sys.stderr.write(f"INFO: Instrumented {len(functions)} functions of {', '.join(packages)}\n")
    return len(functions)


def _no_exit(check: Any, data: bytes) -> None:
    """``check(data)``, with a SystemExit raised inside it turned into a crash whose traceback says where: left
    alone, it ends the fuzzing process ("fuzz target exited") with no trace of its origin."""
    try:
        check(data)
    except SystemExit as exc:
        raise FuzzCrash(f"SystemExit({exc.code!r}) was raised while checking the input") from exc


if __name__ == "__main__":
    sys.exit(main(sys.argv))
