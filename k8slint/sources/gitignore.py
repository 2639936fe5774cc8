"""Whether the repository's ``.gitignore`` files leave a path out: a file a step before the build writes.

A kustomization may name a file that is not in the repository on purpose: a
``.env`` with the deployment's settings, a ``params.yaml`` that a Makefile
writes before ``kustomize build``. When the repository's own ``.gitignore``
files leave the path out, that is known from the repository, not guessed.

The ``.gitignore`` files read are those in the path's folder and above it, up
to the repository root or the top of the linted paths, whichever is nearer,
read through :mod:`k8slint.sources.safefs` (regular files inside the linted
roots only). Patterns follow git's rules (pathspec's ``gitwildmatch``): a
deeper file overrides a higher one, and within a file the last matching
pattern wins, ``!`` included.
"""

from __future__ import annotations

import functools
import os
from typing import Any

from k8slint.repository import repository_root
from k8slint.sources.safefs import Roots, Skipped, TooLarge, read_bytes

MAX_GITIGNORE = 1024 * 1024


def ignored_by(path: str, roots: Roots) -> str | None:
    """The ``.gitignore`` that leaves ``path`` (absolute) out of the repository, or None."""
    folder = os.path.realpath(os.path.dirname(path))
    top = _top(folder, roots)
    if top is None:
        return None
    chain = [folder]
    while chain[-1] != top and os.path.dirname(chain[-1]) != chain[-1]:
        chain.append(os.path.dirname(chain[-1]))
    name = os.path.basename(path)
    decision: tuple[bool, str] | None = None
    for place in reversed(chain):  # the top first; a deeper file has the last word
        spec = _spec(os.path.join(place, ".gitignore"), roots)
        if spec is None:
            continue
        result = spec.check_file(os.path.relpath(os.path.join(folder, name), place).replace(os.sep, "/"))
        if result.include is not None:
            decision = (bool(result.include), os.path.join(place, ".gitignore"))
    return decision[1] if decision is not None and decision[0] else None


def _top(folder: str, roots: Roots) -> str | None:
    """Where the walk up stops (``folder`` is real): the deeper of the linted root that holds it and the
    repository root; never above the linted paths."""
    linted = [root for root in roots.real if folder == root or folder.startswith(root.rstrip(os.sep) + os.sep)]
    if not linted:
        return None
    top = max(linted, key=len)
    repository = repository_root(folder)
    if repository is not None:
        real = os.path.realpath(str(repository))
        if len(real) > len(top) and (folder == real or folder.startswith(real.rstrip(os.sep) + os.sep)):
            top = real
    return top


@functools.lru_cache(maxsize=256)
def _read(path: str, roots: Roots) -> Any:
    import pathspec

    try:
        text = read_bytes(path, roots, MAX_GITIGNORE).decode("utf-8", errors="replace")
    except (OSError, Skipped, TooLarge):
        return None
    return pathspec.GitIgnoreSpec.from_lines(text.splitlines())


def _spec(path: str, roots: Roots) -> Any:
    if not os.path.isfile(path):
        return None
    return _read(os.path.normpath(path), roots)
