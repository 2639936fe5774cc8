"""The reference deployments shipped with k8slint, and `k8slint init` that copies one out."""

from __future__ import annotations

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
    """Copy the reference files to ``target``; refuse to overwrite existing files unless ``force``."""
    source = example_dir(name)
    files = sorted(p for p in source.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    destination = Path(target)
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
