"""Finding the files to lint under the paths given on the command line."""

from __future__ import annotations

import fnmatch
import os
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from k8slint import rulecodes
from k8slint.errors import UsageError
from k8slint.findings import Location, Problem
from k8slint.rulecodes import Emitted
from k8slint.sources.dockerfiles import is_dockerfile_name
from k8slint.sources.safefs import Roots, Skipped, TooLarge, display_path, read_bytes, resolve, walk

MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
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


def discover(paths: Iterable[str], excludes: Sequence[str] = ()) -> Discovery:
    """The input files under ``paths``, in a stable order.

    A path that does not exist is a usage error; a folder that cannot be read
    while walking is a problem reported on that folder. Hidden files and
    folders are skipped while walking (a hidden file named explicitly is read).
    Manifests are ``*.yaml``, ``*.yml`` and ``*.json``; Dockerfiles are found
    by name (``Dockerfile``, ``Containerfile``, ``*.Dockerfile``,
    ``Dockerfile.*``). A folder with a ``Chart.yaml`` is a Helm chart: only its
    ``crds/`` hold plain manifests; its templates are not YAML until rendered.
    Symlinks are followed only into the linted roots, only regular files are
    read, and folders deeper than MAX_DEPTH are not walked: what is left out
    that way is a ``skipped-file`` problem.
    """
    paths = list(paths)
    roots = Roots.of(paths)
    files: list[InputFile] = []
    problems: list[Emitted] = []
    charts: list[tuple[str, str]] = []
    seen: set[str] = set()
    for given in paths:
        if given == STDIN:
            if STDIN not in seen:
                seen.add(STDIN)
                files.append(InputFile(STDIN_DISPLAY, None))
            continue
        if not os.path.lexists(given):
            raise UsageError(f"path does not exist: {display_path(given)}")
        if os.path.isdir(given):
            if os.path.islink(given) and not roots.contains(os.path.realpath(given)):
                problems.append(_skipped(given, "a symlink to a folder outside the folder that holds it; not read"))
                continue
            for display, path in _walk(given, excludes, problems, charts, roots):
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
        files.append(InputFile(display_path(given), norm, roots))
    return Discovery(files, problems, sorted(set(charts)), roots)


def _walk(
    root: str,
    excludes: Sequence[str],
    problems: list[Emitted],
    charts: list[tuple[str, str]],
    roots: Roots,
) -> list[tuple[str, str]]:
    known: dict[str, str | None] = {}

    def chart_of(rel_folder: str) -> str | None:
        """The chart folder that ``rel_folder`` is in (the outermost), or None."""
        if rel_folder not in known:
            parent = chart_of(rel_folder.rpartition("/")[0]) if rel_folder else None
            here = os.path.lexists(os.path.join(root, rel_folder, "Chart.yaml"))
            known[rel_folder] = parent if parent is not None else (rel_folder if here else None)
        return known[rel_folder]

    def keep_dir(rel_folder: str, name: str) -> bool:
        rel = f"{rel_folder}/{name}" if rel_folder else name
        if name.startswith(".") or _excluded(rel, excludes):
            return False
        chart = chart_of(rel_folder)
        return chart is None or _chart_subfolder_kept(rel_folder, name, chart)

    def keep_file(rel_folder: str, name: str) -> bool:
        if name.startswith(".") or not (name.endswith(MANIFEST_SUFFIXES) or is_dockerfile_name(name)):
            return False
        chart = chart_of(rel_folder)
        if chart is not None and not _in_crds(rel_folder, chart):
            return False
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


def _inside_chart(rel_folder: str, chart_roots: list[str]) -> str | None:
    for chart in reversed(chart_roots):
        if chart == "" or rel_folder == chart or rel_folder.startswith(chart + "/"):
            return chart
    return None


def _chart_subfolder_kept(rel_folder: str, child: str, chart: str) -> bool:
    """Inside a chart, walk only into crds/ (and below it)."""
    if rel_folder == chart:
        return child == "crds"
    return True


def _in_crds(rel_folder: str, chart: str) -> bool:
    inner = rel_folder[len(chart) :].lstrip("/") if chart else rel_folder
    return inner == "crds" or inner.startswith("crds/")


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
    return Discovery(files, found.problems, found.charts, found.roots)
