"""Deployment units: which objects of a run belong together, and which one a name means.

A repository of independent samples is not one cluster. Where the same kind,
namespace and name is defined in several folders, those folders are separate
deployments: for definitions in folders A and B whose deepest common folder is
P, the children of P on the way to A and to B become unit roots (when A is P
itself, only B's side does). Such a P holds side-by-side deployments (samples,
variants), so every other child folder of P is a unit root too: a budget in one
sample folder is not blamed for a workload in the next one, though no name
links the two. A chart release (objects rendered from one chart) is a unit of
its own, and so is the folder of an end-to-end test (a chainsaw test, a kyverno
CLI test), whose objects exist only while that test runs. An object belongs to its deepest enclosing unit root, else to the root
unit.

An object sees the objects of its own unit, those in its own folder and below
(in whatever unit), and those in folders on the path above its unit root:
shared objects higher up (a Namespace, a ConfigMap that several samples use).
It never sees into a sibling unit, nor into a side folder of an enclosing unit.
Among several visible definitions of one name, a lookup takes the nearest: the
longest common folder prefix, then the fewest folders below it (a definition
beside the viewer before one in a folder under it), then the same file, then the
canonical object order.

Units are numbered in preorder of their root folders (a folder sorts before
the folders under it). Items sorted by (unit, folder) then hold what one folder
sees in a few contiguous ranges (its unit; the units below its folder; each
folder above its unit root), found by bisection: lookups stay indexed whatever
the number of units.
"""

from __future__ import annotations

import bisect
import os
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Generic, TypeVar

from k8slint.model.objects import K8sObject

Folder = tuple[str, ...]
Key = tuple[int, Folder] | tuple[int]
RENDERED = re.compile(r"^(?P<chart>.*) (?P<render>\(helm template[^()]*\))$")
"""How the stream of objects rendered from a chart is named: the chart's folder, then ``(helm template)``
(its default values) or ``(helm template -f ci/x-values.yaml)``. Each render is a folder of its own under the
chart's, so that renders with other values are side by side, never one deployment."""
BUILT_SUFFIX = " (kustomize build)"
"""How the output of a kustomize root's build is named (the root's folder, then this): the build is the root's unit."""
_AFTER = "\U0010ffff"
"""Sorts after every folder name: ``(*folder, _AFTER)`` ends the range of ``folder``'s subfolders."""

T = TypeVar("T")


def folder_parts(display: str) -> Folder:
    """The folder of a file as its path parts; for a chart's rendered output, a folder of the render's own
    under the chart's; for a kustomize build, the root's folder."""
    rendered = RENDERED.match(display) if display.endswith(")") else None
    if rendered is not None:
        return (*folder_parts(rendered.group("chart") + "/"), rendered.group("render"))
    if display.endswith(BUILT_SUFFIX):
        display = display[: -len(BUILT_SUFFIX)] + "/"
    if os.sep != "/":
        display = display.replace(os.sep, "/")
    folder = display.rpartition("/")[0]
    return tuple(part for part in folder.split("/") if part not in ("", "."))


def common_length(a: Folder, b: Folder) -> int:
    """How many leading folder parts ``a`` and ``b`` share."""
    count = 0
    for part_a, part_b in zip(a, b, strict=False):
        if part_a != part_b:
            break
        count += 1
    return count


def divergence_roots(folders: Iterable[Folder]) -> set[Folder]:
    """The unit roots that definitions of one name in ``folders`` make.

    The pairwise rule (children of each pair's deepest common folder) worked
    out on the tree of the folders, in time linear in their total depth: a
    folder where two branches meet, or a definition and a branch, splits every
    branch below it.
    """
    defined = set(folders)
    branches: dict[Folder, set[str]] = defaultdict(set)
    for folder in defined:
        for depth in range(len(folder)):
            branches[folder[:depth]].add(folder[depth])
    roots: set[Folder] = set()
    for node, children in branches.items():
        if len(children) + (node in defined) >= 2:
            roots.update((*node, child) for child in children)
    return roots


class Units:
    """The deployment units of a run's objects (see the module's docs)."""

    def __init__(self, objects: Sequence[K8sObject], tests: Iterable[str] = ()) -> None:
        """``tests``: the folders (as displayed) of the end-to-end tests, each a unit root."""
        self._folders: dict[str, Folder] = {}
        folders_by_name: dict[tuple[str, str | None, str], set[Folder]] = defaultdict(set)
        roots: set[Folder] = set()
        for obj in objects:
            folder = self.folder(obj)
            if obj.kind is not None and obj.name is not None:
                folders_by_name[(obj.kind, obj.namespace, obj.name)].add(folder)
        for folders in folders_by_name.values():
            if len(folders) > 1:
                roots |= divergence_roots(folders)
        side_by_side = {root[:-1] for root in roots}
        every_folder = set(self._folders.values())
        for folder in every_folder:
            for depth in range(len(folder)):
                if folder[:depth] in side_by_side:
                    roots.add(folder[: depth + 1])
        roots.add(())
        made = (display for display in self._folders if RENDERED.match(display) or display.endswith(BUILT_SUFFIX))
        roots.update(folder_parts(display) for display in made)  # chart releases, kustomize builds
        roots.update(folder_parts(f"{folder}/") for folder in tests)
        self.roots: list[Folder] = sorted(roots)
        """Unit roots in preorder; a unit's number is its position here (0: the root unit)."""
        self._number = {root: number for number, root in enumerate(self.roots)}
        self._unit_of_folder: dict[Folder, int] = {}
        self._ranges: dict[Folder, list[tuple[Key, Key]]] = {}

    def folder(self, obj: K8sObject) -> Folder:
        display = obj.file.display
        found = self._folders.get(display)
        if found is None:
            found = self._folders[display] = folder_parts(display)
        return found

    def unit_of_folder(self, folder: Folder) -> int:
        """The number of the unit that objects in ``folder`` belong to: its deepest enclosing unit root."""
        number = self._unit_of_folder.get(folder)
        if number is None:
            number = next(self._number[folder[:depth]] for depth in range(len(folder), -1, -1) if folder[:depth] in self._number)
            self._unit_of_folder[folder] = number
        return number

    def unit(self, obj: K8sObject) -> int:
        return self.unit_of_folder(self.folder(obj))

    def key(self, obj: K8sObject) -> tuple[int, Folder]:
        """Where the object sorts in lists ordered for these lookups: by unit, then by folder."""
        folder = self.folder(obj)
        return (self.unit_of_folder(folder), folder)

    def sees(self, viewer: K8sObject, obj: K8sObject) -> bool:
        """Whether ``obj`` is in the viewer's unit, in the viewer's folder or below, or in a folder above the viewer's unit root."""
        mine, theirs = self.folder(viewer), self.folder(obj)
        unit = self.unit_of_folder(mine)
        if unit == self.unit_of_folder(theirs) or theirs[: len(mine)] == mine:
            return True
        root = self.roots[unit]
        return len(theirs) < len(root) and root[: len(theirs)] == theirs

    def visible_ranges(self, folder: Folder) -> list[tuple[Key, Key]]:
        """What objects in ``folder`` see, as [low, high) ranges of keys (``key``), the nearest first.

        Their own unit; the units whose roots lie below ``folder``; then each
        folder above their unit root, from the nearest up.
        """
        found = self._ranges.get(folder)
        if found is None:
            unit = self.unit_of_folder(folder)
            root = self.roots[unit]
            found = [((unit,), (unit + 1,))]
            below = bisect.bisect_left(self.roots, (*folder, "")), bisect.bisect_left(self.roots, (*folder, _AFTER))
            if below[0] < below[1]:
                found.append(((below[0],), (below[1],)))
            for depth in range(len(root) - 1, -1, -1):
                above = root[:depth]
                above_unit = self.unit_of_folder(above)
                found.append(((above_unit, above), (above_unit, (*above, ""))))
            self._ranges[folder] = found
        return found

    def nearness(self, viewer: K8sObject, obj: K8sObject) -> tuple[int, int, bool]:
        """A sort key: the object sharing the longest folder prefix with the viewer first, then the one fewest folders
        below that prefix (a file beside the viewer's before one in a folder under it), then one in the viewer's file."""
        at = self.folder(obj)
        common = common_length(self.folder(viewer), at)
        return (-common, len(at) - common, obj.file is not viewer.file)


class ByUnit(Generic[T]):
    """Items sorted by unit and folder (stably: the canonical order within a folder), for the lookups of one viewer.

    What a folder sees lies in at most a few ranges (Units.visible_ranges), found by bisection.
    """

    def __init__(self, units: Units, items: Iterable[tuple[K8sObject, T]]) -> None:
        keyed = sorted(((units.key(obj), item) for obj, item in items), key=lambda pair: pair[0])
        self.items: list[T] = [item for _, item in keyed]
        self._keys: list[tuple[int, Folder]] = [key for key, _ in keyed]
        self._units = units

    def positions(self, viewer: K8sObject) -> list[tuple[int, int]]:
        """[start, end) positions of the items that ``viewer`` sees, the nearest ranges first."""
        keys = self._keys
        if not keys:
            return []
        if keys[0][0] == keys[-1][0] == self._units.unit(viewer):  # the viewer's unit holds them all (the common case)
            return [(0, len(keys))]
        found = []
        for low, high in self._units.visible_ranges(self._units.folder(viewer)):
            start, stop = bisect.bisect_left(keys, low), bisect.bisect_left(keys, high)
            if start < stop:
                found.append((start, stop))
        return found

    def sees_all(self, viewer: K8sObject) -> bool:
        """Whether ``viewer`` sees every item (then lookups share one answer instead of one per folder)."""
        return self.positions(viewer) == [(0, len(self.items))]

    def visible(self, viewer: K8sObject) -> list[T]:
        """The items that ``viewer`` sees, the nearest ranges first (``items`` itself when it sees all: do not change it)."""
        ranges = self.positions(viewer)
        if ranges == [(0, len(self.items))]:
            return self.items
        found: list[T] = []
        for start, stop in ranges:
            found.extend(self.items[start:stop])
        return found

    def mask(self, viewer: K8sObject) -> int:
        """The positions that ``viewer`` sees, as the bits of an int."""
        bits = 0
        for start, stop in self.positions(viewer):
            bits |= (1 << stop) - (1 << start)
        return bits
