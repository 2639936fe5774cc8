"""Manifests of a release that a later one supersedes: the record of what was published, not what is deployed.

Projects keep the install manifests of every release they published, each in a folder named by its version
(kserve's ``install/v0.5.1/kfserving.yaml`` beside ``install/v0.20.0/``; percona-server-mongodb-operator's
``deploy/csv/redhat/1.4.0/`` beside ``1.7.0/``). A published release is not edited again: what its files
use (an API that Kubernetes 1.22 removed, say) was right for the clusters of its day, and a fix goes into
the next release. A file in such a folder, when a folder beside it holds a later version, gets every rule,
and its errors are graded info, saying which release supersedes it (SourceFile.test_input). The latest
release's folder keeps its errors: it is what a user installs now.
"""

from __future__ import annotations

import functools
import os
import re

from k8slint.repository import repository_root
from k8slint.sources.safefs import Roots

_VERSION = re.compile(r"v?(\d+)\.(\d+)(?:\.(\d+))?(?:-([0-9A-Za-z][0-9A-Za-z.-]*))?")
"""A release's folder name: ``v0.5.1``, ``1.4.0``, ``0.2``, ``v0.6.0-rc0`` (matched whole)."""


def superseded_release(path: str, roots: Roots) -> str | None:
    """Why the file at ``path`` is a superseded release's: the nearest folder above it (up to the repository's
    root) that is named as a version has a folder beside it named as a later one. Only folders inside ``roots``
    or inside the repository that holds the file are listed: a file named one by one (as pre-commit names them)
    is known as it is when its folder is walked, as a chart's or a kustomization's files are."""
    folder = os.path.dirname(os.path.abspath(path))
    top = repository_root(folder)
    while True:
        parent, name = os.path.split(folder)
        if not name or parent == folder or (top is not None and folder == str(top)):
            return None
        version = _version(name)
        if version is not None:
            real = os.path.realpath(parent)
            if not roots.contains(real) and (top is None or not Roots((os.path.realpath(top),)).contains(real)):
                return None
            later = _latest(parent)
            if later is not None and later[0] > version:
                here = os.path.relpath(folder)
                newer = os.path.join(os.path.dirname(here), later[1])
                return f"it lies in {here}, the manifests of a release that {newer} supersedes"
            return None
        folder = parent


def _version(name: str) -> tuple[int, int, int, int, tuple[tuple[int, int | str], ...]] | None:
    """A sort key for a version folder's name: a release after its pre-releases (``v0.6.0-rc0`` < ``v0.6.0``)."""
    match = _VERSION.fullmatch(name)
    if match is None:
        return None
    major, minor, patch, pre = match.groups()
    if pre is None:
        return (int(major), int(minor), int(patch or 0), 1, ())
    parts = tuple((0, int(part)) if part.isdigit() else (1, part) for part in re.split(r"[.-]", pre) if part)
    return (int(major), int(minor), int(patch or 0), 0, parts)


@functools.lru_cache(maxsize=256)
def _latest(parent: str) -> tuple[tuple[int, int, int, int, tuple[tuple[int, int | str], ...]], str] | None:
    """The latest version among the folders of ``parent`` named as versions, with its name."""
    try:
        names = os.listdir(parent)
    except OSError:
        return None
    found = [(key, name) for name in names if (key := _version(name)) is not None and os.path.isdir(os.path.join(parent, name))]
    return max(found) if found else None
