"""The reference deployments shipped with k8slint, and `k8slint init` that copies one out."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from k8slint.errors import UsageError
from k8slint.resources import data_dir


def example_dir(name: str) -> Path:
    folder = data_dir("reference") / name
    if not folder.is_dir():
        raise UsageError(f"no reference deployment named {name!r}")
    return folder


def write_example(name: str, target: str, *, force: bool = False) -> list[Path]:
    """Copy the reference files to ``target``; refuse to overwrite existing files unless ``force``.

    Nor does it write through a symlink inside ``target`` (a folder or a file
    in the way) unless ``force``: a link in a checked-out repository could lead
    anywhere. ``target`` itself is the user's choice.
    """
    source = example_dir(name)
    files = sorted(p for p in source.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    destination = Path(target)
    links = sorted({link for f in files if (link := _symlink_on_the_way(destination, f.relative_to(source))) is not None})
    if links and not force:
        shown = ", ".join(str(link) for link in links[:3]) + (f" and {len(links) - 3} more" if len(links) > 3 else "")
        raise UsageError(f"refusing to write through the symlink {shown} (use --force to follow it)")
    clashes = [destination / f.relative_to(source) for f in files if (destination / f.relative_to(source)).exists()]
    if clashes and not force:
        shown = ", ".join(str(c) for c in clashes[:3]) + (f" and {len(clashes) - 3} more" if len(clashes) > 3 else "")
        raise UsageError(f"refusing to overwrite {shown} (use --force)")
    written = []
    for file in files:
        target_file = destination / file.relative_to(source)
        target_file.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(file, target_file)
        written.append(target_file)
    return written


def _symlink_on_the_way(destination: Path, relative: Path) -> Path | None:
    """The first symlink below ``destination`` that writing ``relative`` there goes through."""
    path = destination
    for part in relative.parts:
        path = path / part
        if path.is_symlink():
            return path
        if not os.path.lexists(path):
            return None
    return None
