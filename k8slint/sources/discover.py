"""Finding the files to lint under the paths given on the command line."""

from __future__ import annotations

import fnmatch
import os
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from k8slint.errors import UsageError
from k8slint.findings import Location, Problem
from k8slint.sources.dockerfiles import is_dockerfile_name

MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
STDIN = "-"
STDIN_DISPLAY = "<stdin>"


@dataclass(frozen=True, slots=True)
class InputFile:
    display: str
    """The path as the user gave it, joined with the path found under it."""
    path: str | None
    """Where to read it; None for standard input."""

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
    problems: list[tuple[str, Problem]]
    charts: list[tuple[str, str]] = field(default_factory=list)
    """(display path, path) of every chart folder (a folder with a Chart.yaml)."""


def _excluded(rel: str, excludes: Sequence[str]) -> bool:
    name = rel.rsplit("/", 1)[-1]
    for pattern in excludes:
        pattern = pattern.rstrip("/")
        if fnmatch.fnmatchcase(rel, pattern) or fnmatch.fnmatchcase(name, pattern):
            return True
        if fnmatch.fnmatchcase(rel, pattern + "/*") or rel.startswith(pattern + "/"):
            return True
    return False


def discover(paths: Iterable[str], excludes: Sequence[str] = ()) -> Discovery:
    """The input files under ``paths``, in a stable order.

    A path that does not exist is a usage error; a folder that cannot be read
    while walking is a problem reported on that folder. Hidden files and
    folders are skipped while walking (a hidden file named explicitly is read).
    Manifests are ``*.yaml``, ``*.yml`` and ``*.json``; Dockerfiles are found
    by name (``Dockerfile``, ``Containerfile``, ``*.Dockerfile``,
    ``Dockerfile.*``). A folder with a ``Chart.yaml`` is a Helm chart: only its
    ``crds/`` hold plain manifests; its templates are not YAML until rendered.
    """
    files: list[InputFile] = []
    problems: list[tuple[str, Problem]] = []
    charts: list[tuple[str, str]] = []
    seen: set[str] = set()
    for given in paths:
        if given == STDIN:
            if STDIN not in seen:
                seen.add(STDIN)
                files.append(InputFile(STDIN_DISPLAY, None))
            continue
        if not os.path.lexists(given):
            raise UsageError(f"path does not exist: {given}")
        if os.path.isdir(given):
            for display, path in _walk(given, excludes, problems, charts):
                if path not in seen:
                    seen.add(path)
                    files.append(InputFile(display, path))
        else:
            norm = os.path.normpath(given)
            if norm not in seen and not _excluded(Path(norm).as_posix(), excludes):
                seen.add(norm)
                files.append(InputFile(given, norm))
    return Discovery(files, problems, sorted(set(charts)))


def _walk(
    root: str, excludes: Sequence[str], problems: list[tuple[str, Problem]], charts: list[tuple[str, str]]
) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []

    def on_error(error: OSError) -> None:
        where = error.filename or root
        problems.append(
            ("unreadable-file", Problem(f"cannot read folder: {error.strerror}", location=Location(where, 1, 1)))
        )

    chart_roots: list[str] = []
    for folder, dirs, names in os.walk(root, onerror=on_error):
        rel_folder = os.path.relpath(folder, root)
        rel_folder = "" if rel_folder == "." else Path(rel_folder).as_posix()
        in_chart = _inside_chart(rel_folder, chart_roots)
        if "Chart.yaml" in names and in_chart is None:
            chart_roots.append(rel_folder)
            charts.append((os.path.join(root, rel_folder) if rel_folder else root, folder))
            in_chart = rel_folder
        dirs[:] = sorted(
            d
            for d in dirs
            if not d.startswith(".")
            and not _excluded(f"{rel_folder}/{d}" if rel_folder else d, excludes)
            and (in_chart is None or _chart_subfolder_kept(rel_folder, d, in_chart))
        )
        if in_chart is not None and not _in_crds(rel_folder, in_chart):
            continue
        for name in sorted(names):
            if name.startswith(".") or not (name.endswith(MANIFEST_SUFFIXES) or is_dockerfile_name(name)):
                continue
            rel = f"{rel_folder}/{name}" if rel_folder else name
            if _excluded(rel, excludes):
                continue
            found.append((os.path.join(root, rel), os.path.join(folder, name)))
    return sorted(found)


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


class TooLarge(Exception):
    pass


def read_input(item: InputFile, max_size: int = 32 * 1024 * 1024) -> tuple[str | None, Problem | None]:
    """The text of an input file, or the problem that kept it from being read.

    A file over ``max_size`` bytes is not read at all (``file-too-large``).
    """
    try:
        if item.path is None:
            raw = sys.stdin.buffer.read(max_size + 1)
        else:
            with open(item.path, "rb") as handle:
                if os.fstat(handle.fileno()).st_size > max_size:
                    raise TooLarge
                raw = handle.read(max_size + 1)
        if len(raw) > max_size:
            raise TooLarge
    except TooLarge:
        return None, Problem(
            f"the file is larger than {max_size:,} bytes (max-file-size); not read", location=Location(item.display, 1, 1)
        )
    except OSError as exc:
        return None, Problem(f"cannot read file: {exc.strerror or exc}", location=Location(item.display, 1, 1))
    return decode(raw, item.display)


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
            files.append(InputFile(path, path))
    return Discovery(files, found.problems, found.charts)
