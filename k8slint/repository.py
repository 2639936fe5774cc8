"""The repository a run belongs to: the folder holding ``.git``."""

from __future__ import annotations

import os
from pathlib import Path

CONFIG_NAMES = (".k8slint.yaml", ".k8slint.yml")
"""The names of k8slint's config file (found in the folder linted or above, up to the repository root)."""


def repository_root(start: str | os.PathLike[str]) -> Path | None:
    """The folder at or above ``start`` that holds ``.git`` (a folder, or a file in a worktree)."""
    folder = Path(os.path.abspath(start))
    for candidate in (folder, *folder.parents):
        if os.path.lexists(candidate / ".git"):
            return candidate
    return None
