"""Reading repository files safely: only regular files, only inside the linted paths.

Every file k8slint reads from the repository (manifests, Dockerfiles,
--with-context neighbours, chart files, subcharts and packages, ``file://``
chart dependencies, a config found in the repository, baselines) is opened
here, and every folder is walked here. A symlink is followed
only when its target lies inside the linted roots (the paths given on the
command line); FIFOs, sockets and devices are never opened for reading; the
type is checked before the open (so that opening has no side effect) and again
on the open descriptor (so that a file swapped in between is caught). A path
that is skipped on purpose raises :class:`Skipped`, reported as
``skipped-file`` (KL015).
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass

MAX_DEPTH = 64
"""Folders nested deeper than this under a linted path are not read (skipped-file)."""
MAX_FILE_SIZE = 32 * 1024 * 1024

_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)


_OVERLAY: dict[str, bytes] = {}
"""Texts read in place of files on disk, by real path (see :func:`overlaid`)."""


@contextlib.contextmanager
def overlaid(texts: Mapping[str, str]) -> Iterator[None]:
    """Within the block, :func:`read_bytes` gives these texts (by path) instead of what the files
    hold on disk: the language server lints an editor's unsaved buffers so. The files must still
    exist and pass every check a read makes; only their content is replaced."""
    previous = dict(_OVERLAY)
    _OVERLAY.update({os.path.realpath(path): text.encode("utf-8") for path, text in texts.items()})
    try:
        yield
    finally:
        _OVERLAY.clear()
        _OVERLAY.update(previous)


class Skipped(Exception):
    """A path k8slint does not read on purpose; the message says why."""


class TooLarge(Exception):
    """A file over the size limit, not read."""


@dataclass(frozen=True, slots=True)
class Roots:
    """The real (symlink-free) paths of the linted roots."""

    real: tuple[str, ...]

    @classmethod
    def of(cls, paths: Iterable[str]) -> Roots:
        """The roots for the paths given: each folder itself; for a file, or a symlink (to a
        file or a folder), the folder that holds it: a link given must resolve inside that."""
        found: list[str] = []
        for path in paths:
            if path == "-":
                continue
            folder = path if os.path.isdir(path) and not os.path.islink(path) else os.path.dirname(os.path.abspath(path))
            found.append(os.path.realpath(folder))
        return cls(tuple(dict.fromkeys(found)))

    def contains(self, real: str) -> bool:
        return any(real == root or real.startswith(root.rstrip(os.sep) + os.sep) for root in self.real)


def describe(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISDIR(mode):
        return "a folder"
    return "not a regular file"


def resolve(path: str, roots: Roots) -> tuple[str, os.stat_result]:
    """Where to open ``path`` and what is there: ``path`` itself, or the target of a symlink inside ``roots``.

    Raises :class:`Skipped` for a symlink that leads outside ``roots`` and for
    anything but a regular file or a folder; OSError when it cannot be looked at.
    """
    info = os.lstat(path)
    target = path
    if stat.S_ISLNK(info.st_mode):
        target = os.path.realpath(path)
        if not roots.contains(target):
            raise Skipped("a symlink to a path outside the linted paths; not read")
        info = os.stat(target)
    if not (stat.S_ISREG(info.st_mode) or stat.S_ISDIR(info.st_mode)):
        raise Skipped(f"{describe(info.st_mode)}, not a regular file; not read")
    return target, info


def read_bytes(path: str, roots: Roots, max_size: int = MAX_FILE_SIZE) -> bytes:
    """The bytes of the regular file at ``path`` (a symlink only when it resolves inside ``roots``).

    Raises :class:`Skipped`, :class:`TooLarge` (more than ``max_size`` bytes)
    or OSError.
    """
    target, info = resolve(path, roots)
    if stat.S_ISDIR(info.st_mode):
        raise Skipped("a folder, not a regular file; not read")
    if _OVERLAY:
        text = _OVERLAY.get(os.path.realpath(target))
        if text is not None:
            if len(text) > max_size:
                raise TooLarge
            return text
    descriptor = os.open(target, _OPEN_FLAGS)
    try:
        opened = os.fstat(descriptor)
        if not stat.S_ISREG(opened.st_mode):
            raise Skipped(f"{describe(opened.st_mode)}, not a regular file; not read")
        if opened.st_size > max_size:
            raise TooLarge
        with os.fdopen(descriptor, "rb", closefd=False) as handle:
            # the size as found, and one byte more to see growth: read(max_size + 1) would
            # allocate the whole limit (32 MiB) for every file
            raw = handle.read(opened.st_size + 1)
            if len(raw) > opened.st_size:  # it grew while being read: read on, up to the limit
                raw += handle.read(max_size + 1 - len(raw))
    finally:
        os.close(descriptor)
    if len(raw) > max_size:
        raise TooLarge
    return raw


def display_path(path: str) -> str:
    """``path`` as printable text, for reports: the real path is kept for opening.

    Bytes that are not UTF-8 (decoded with surrogateescape) are shown as
    ``\\xNN``; control and other non-printable characters (a newline, ESC, a
    bidirectional override) as ``\\xNN``, ``\\uNNNN`` or ``\\UNNNNNNNN``.
    """
    if path.isprintable():
        return path
    return "".join(_escape(c) for c in path)


_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(char: str) -> str:
    if char.isprintable():
        return char
    if char in _NAMED:  # spelled as the reports spell them (k8slint.reporters.safe)
        return _NAMED[char]
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:  # an undecodable byte, kept by surrogateescape
        return f"\\x{code - 0xDC00:02x}"
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


@dataclass(frozen=True, slots=True)
class Entry:
    """A name found while walking a folder."""

    path: str
    """Where it is (the folder walked, joined with the names below it)."""
    rel: str
    """Its path relative to the folder walked, with ``/``."""
    is_dir: bool


def walk(
    root: str,
    roots: Roots,
    skipped: list[tuple[str, str]],
    errors: list[tuple[str, str]],
    *,
    keep_dir: Callable[[str, str], bool] | None = None,
    keep_file: Callable[[str, str], bool] | None = None,
    max_depth: int = MAX_DEPTH,
) -> list[Entry]:
    """The files and folders under ``root``, in sorted order, without recursion.

    Symlinked folders are not followed: one that leads inside ``roots`` is
    walked where it really is, one that leads outside is reported in
    ``skipped`` as (path, reason), as are FIFOs, sockets and devices among the
    files kept, and folders deeper than ``max_depth``. ``keep_dir(rel, name)``
    and ``keep_file(rel, name)`` choose what to walk into and what to return;
    folders that cannot be listed are reported in ``errors``.
    """
    found: list[Entry] = []
    stack: list[tuple[str, str, int]] = [(root, "", 0)]
    while stack:
        folder, rel_folder, depth = stack.pop()
        try:
            with os.scandir(folder) as listing:
                entries = sorted(listing, key=lambda e: e.name)
        except OSError as exc:
            errors.append((folder, exc.strerror or str(exc)))
            continue
        below: list[tuple[str, str, int]] = []
        for entry in entries:
            name = entry.name
            rel = f"{rel_folder}/{name}" if rel_folder else name
            path = os.path.join(folder, name)
            try:
                is_link = entry.is_symlink()
                is_dir = entry.is_dir()  # follows a symlink
            except OSError:
                is_link, is_dir = False, False
            if is_dir:
                if keep_dir is not None and not keep_dir(rel_folder, name):
                    continue
                if is_link:
                    if not roots.contains(os.path.realpath(path)):
                        skipped.append((path, "a symlink to a folder outside the linted paths; not read"))
                    continue  # a folder inside the linted paths is walked where it is
                if depth + 1 > max_depth:
                    skipped.append((path, f"a folder nested more than {max_depth} levels deep; not read"))
                    continue
                found.append(Entry(path, rel, True))
                below.append((path, rel, depth + 1))
                continue
            if keep_file is not None and not keep_file(rel_folder, name):
                continue
            try:
                resolve(path, roots)
            except Skipped as exc:
                skipped.append((path, str(exc)))
                continue
            except OSError:
                pass  # a dangling link or a file that vanished: reading it reports why
            found.append(Entry(path, rel, False))
        stack.extend(reversed(below))
    return found
