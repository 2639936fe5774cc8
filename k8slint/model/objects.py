"""Kubernetes objects and the files they were read from: what every layer above the loader sees.

The loader (k8slint.sources) builds them; rules, the object graph and the
reporters read them. Nothing here parses YAML: a document that must be parsed
again for its positions is handed to the reader the loader registers
(:func:`set_position_reader`).
"""

from __future__ import annotations

import os
import re
from array import array
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import accumulate
from typing import Any, Protocol

from k8slint.findings import FieldPath, Location, ObjectRef, Related
from k8slint.model import workloads
from k8slint.model.positions import Positions, PositionTree, locate, subtree, tree_of
from k8slint.model.references import references_of
from k8slint.model.texts import Text
from k8slint.model.values import dig, string
from k8slint.model.workloads import ContainerView

TARGET_PREFIX = "target:"
"""A patch fact's name that is a patch target to match (see k8slint.sources.kustomize._patched)."""
_SUPPRESSION = re.compile(r"#\s*k8slint:\s*ignore(?:\s*=\s*([A-Za-z0-9_,\- ]+))?")
SUPPRESS_ALL = "all"


_NARROW_LIMIT = 1 << (8 * array("I").itemsize)
"""Offsets below this fit an ``array("I")`` (32 bits on every platform Python supports)."""


PositionReader = Callable[[str], Positions | None]
"""Parses a text and returns the positions of its first document (None when it has none)."""

_read_positions: PositionReader | None = None


def set_position_reader(reader: PositionReader) -> None:
    """How a document is parsed again for its positions (see :meth:`SourceFile.span_tree`).

    The YAML loader registers itself when imported, so that the model does not
    depend on the loader that builds it.
    """
    global _read_positions
    _read_positions = reader


@dataclass(slots=True)
class SourceFile:
    """A file as read: its text, and the suppression comments found in it."""

    display: str
    content: Text | str
    """The text (given as a ``str``, kept as a :class:`Text`, which the loader packs once the file's objects are made)."""
    suppressions: dict[int, frozenset[str]] = field(default_factory=dict)
    _line_starts: array[int] | None = None
    """The offset of each line's start, and the text's length: what :meth:`line` slices (4 bytes a
    line, where the list of the lines was as large as the text and more)."""
    selector_labels_from: str | None = None
    """A kustomization that adds labels to the selectors (and pod labels) of this file's objects when built."""
    namespace_from: str | None = None
    """A kustomization that sets the namespace of this file's objects and of their references when built."""
    kustomize_vars: tuple[str, ...] = ()
    """The ``vars:`` of the kustomizations that build this file: each ``$(NAME)`` is replaced when built."""
    kustomize_generated: tuple[tuple[str, str], ...] = ()
    """(kind, name) of the ConfigMaps and Secrets the generators of the kustomizations that build this file make."""
    kustomize_patched: tuple[tuple[str, str, str, str], ...] = ()
    """What the patches of every build of this file do to its objects (KustomizeMap.patched_for)."""
    images_set_by: dict[str, str] = field(default_factory=dict)
    """Image name -> a kustomization that renames or re-tags it with ``images:`` when it builds this file."""
    images_left_latest: tuple[str, ...] = ()
    """Those of images_set_by whose entries give no tag other than ``latest`` and no digest."""
    merged_into: str | None = None
    """An end-to-end test that applies this file over objects its earlier steps made: the file is merged into
    them (an update), so what it leaves out is theirs, and what only a create refuses does not apply."""
    test_input: str | None = None
    """Why this file's objects never reach an API server that would accept them (InputFile.test_input): the
    errors found in it are graded info (stamp)."""
    installed_by: str | None = None
    """A kustomization of the set that builds this file's CustomResourceDefinitions as written (InputFile.installed_by)."""

    def patched(self, kind: str | None, name: str | None, what: str, detail: str = "", obj: K8sObject | None = None) -> bool:
        """Whether every build of this file patches the object to do ``what`` (a target of every object of the kind counts).
        A patch whose target is a pattern (no kind, a name that is a regular expression, a label selector) counts when
        ``obj`` is given and the target selects it, as kustomize selects (k8slint.model.patchtargets)."""
        facts = self.kustomize_patched
        if not facts or not self._made(facts, kind, name, what, detail, obj):
            return False
        return not self._made(facts, kind, name, f"not-{what}", detail, obj)  # a build that undoes it keeps the finding

    @staticmethod
    def _made(facts: tuple[tuple[str, str, str, str], ...], kind: str | None, name: str | None, what: str, detail: str, obj: Any) -> bool:
        if any((kind, named, what, detail) in facts for named in (name, "*")):
            return True
        if obj is None:
            return False
        for fact_kind, target, fact_what, fact_detail in facts:
            if fact_kind == "*" and fact_what == what and fact_detail == detail and target.startswith(TARGET_PREFIX):
                from k8slint.model.patchtargets import parsed_target, targets

                if targets(parsed_target(target[len(TARGET_PREFIX) :]), obj, None):
                    return True
        return False

    def __post_init__(self) -> None:
        text = self.content
        if isinstance(text, Text):
            text = text.get()
        else:
            self.content = Text(text)
        if "k8slint:" in text:
            self.suppressions = parse_suppression_comments(text)

    @property
    def text(self) -> str:
        content = self.content
        return content.get() if isinstance(content, Text) else content

    def pack(self) -> None:
        """Keep the text compressed (:meth:`Text.pack`): what reads it later decompresses it."""
        if isinstance(self.content, Text):
            self.content.pack()

    @property
    def folder(self) -> str:
        return os.path.dirname(self.display)

    def span_tree(self, span: tuple[int, int], item: int | None) -> PositionTree:
        """The position tree of the document at ``span``, with the file's own line numbers.

        Objects that came from a worker process (``--jobs``) carry their data
        but not their positions; the document is parsed once more, only
        when a finding needs a position. Its tree is kept, not the text parsed
        (the file's lines before the document are in it, as line breaks).
        """
        if _read_positions is None:
            raise RuntimeError("no position reader set: k8slint.sources.manifests sets it when imported")
        start, end = span
        text = self.text
        first_line = text.count("\n", 0, start)
        tree = _read_positions("\n" * first_line + text[start:end])
        if tree is None:  # JSON that only Python's JSON reader accepts: whole-file positions
            return (first_line, 0, None)
        if item is not None:
            tree = subtree(tree, ("items", item)) or tree
        return tree_of(tree)

    def line(self, number: int) -> str | None:
        """The text of a 1-based line, without its line break (lines as ``str.splitlines`` reads them)."""
        starts = self._line_starts
        text = self.text
        if starts is None:
            width = "I" if len(text) < _NARROW_LIMIT else "Q"  # 4 bytes a line where every offset fits, else 8
            starts = self._line_starts = array(width, accumulate(map(len, text.splitlines(keepends=True)), initial=0))
        if 1 <= number < len(starts):
            return text[starts[number - 1] : starts[number]].splitlines()[0]
        return None


def parse_suppression_comments(text: str) -> dict[int, frozenset[str]]:
    """``# k8slint: ignore=rule-a,KN201`` comments by 1-based line."""
    found: dict[int, frozenset[str]] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if "k8slint:" not in line:
            continue
        match = _SUPPRESSION.search(line)
        if match:
            names = match.group(1)
            rules = {n.strip() for n in names.split(",") if n.strip()} if names else {SUPPRESS_ALL}
            found[number] = frozenset(rules)
    return found


class Placement(Protocol):
    """Where the user edits a field of an object that a tool built (kustomize, helm) from other files.

    ``built`` is the field's place in the built output; the answer is the line
    of the file that set it (a base resource, a patch, a kustomization entry, a
    template), or ``built`` itself when no better place is known.
    """

    label: str
    """Which build made the object, as a report names it (``kustomize build overlays/prod``)."""

    def place(self, obj: K8sObject, path: FieldPath, built: Location) -> Location: ...

    def built_at(self, obj: K8sObject, path: FieldPath) -> Related | None:
        """Where the field is in the built output, as a related location on a real file (or None)."""
        ...


_UNSET = object()
"""A memo entry not computed yet (None is a value: an object without a pod spec)."""


@dataclass(slots=True, eq=False)
class K8sObject:
    """One Kubernetes object, and where it came from."""

    data: dict[str, Any]
    file: SourceFile
    document: int
    tree: Positions | None
    """Where each field is; None until needed for objects that came from a worker."""
    namespace: str | None
    item: int | None
    source: str | None
    """The Helm template the object was rendered from (its ``# Source:`` comment), if any."""
    span: tuple[int, int]
    """Where the document (the whole List, for a List item) lies in the file: offset of its
    first line, offset of its end."""
    memo: dict[str, Any] = field(default_factory=dict, repr=False)
    """Derived views of the data that several rules read (containers, references), computed once."""
    placement: Placement | None = field(default=None, repr=False)
    """For an object a tool built from the user's files: maps a place in the built output to the file the user edits."""
    template_at: FieldPath | None = field(default=None, repr=False)
    """For a view of one pod template of a custom resource (:meth:`pod_template_views`): where that template is. The
    view shares the resource's data, file and positions; only its pod template differs."""
    view_of: K8sObject | None = field(default=None, repr=False)
    """For such a view, the custom resource."""

    api_version: str | None = field(init=False, repr=False)
    kind: str | None = field(init=False, repr=False)
    metadata: dict[str, Any] = field(init=False, repr=False)
    """``metadata``, or an empty mapping where the document has none (or not a mapping)."""

    def __post_init__(self) -> None:
        # Read once: every rule asks for them, and the data does not change after loading.
        data = self.data
        self.api_version = string(data.get("apiVersion"))
        self.kind = string(data.get("kind"))
        metadata = data.get("metadata")
        self.metadata = metadata if isinstance(metadata, dict) else {}

    def view(self, name: str, compute: Callable[[K8sObject], Any]) -> Any:
        """``compute(self)``, computed once and kept in ``memo`` under ``name``: a derived view of the
        data that several rules read (the views are shared: callers do not change them)."""
        memo = self.memo
        found = memo.get(name, _UNSET)
        if found is _UNSET:
            found = memo[name] = compute(self)
        return found

    def release_views(self) -> None:
        """Drop the memoized views (``memo``): once every check has run, no rule reads them again,
        and a large run would keep them to its end (about a third of what a run holds after its
        checks). Each view is a function of the data alone, so one asked for later (a report, the
        graph, an editor) is computed again, equal to the one dropped."""
        self.memo.clear()

    def containers(self) -> list[ContainerView]:
        """Every container of the pod spec (k8slint.model.workloads.containers), computed once."""
        return self.view("containers", _containers)

    def references(self) -> list[Any]:
        """Every reference the pod spec makes (k8slint.model.references.references_of), computed once."""
        return self.view("references", _references)

    def pod_spec(self) -> tuple[FieldPath, dict[str, Any]] | None:
        """Path and value of the pod spec (k8slint.model.workloads.pod_spec), computed once."""
        return self.view("pod_spec", _pod_spec)

    def pod_spec_path(self) -> FieldPath | None:
        found = self.pod_spec()
        return found[0] if found is not None else None

    def pod_template_views(self) -> list[K8sObject]:
        """One view of this object for each pod template a custom resource keeps elsewhere than ``spec.template``
        (k8slint.model.workloads.CUSTOM_POD_TEMPLATES: a RayCluster's head and worker groups, a TFJob's replicas):
        each is the object as the pod rules see it, with that template for its pod template. Empty for others."""
        if self.template_at is not None:
            return []
        paths = workloads.custom_pod_templates(self.data)
        if not paths:
            return []
        return [
            K8sObject(
                self.data,
                self.file,
                self.document,
                self.tree,
                self.namespace,
                self.item,
                self.source,
                self.span,
                placement=self.placement,
                template_at=path,
                view_of=self,
            )
            for path in paths
        ]

    def pod_template_path(self) -> FieldPath | None:
        """Where the pod template is (k8slint.model.workloads.pod_template_path), computed once."""
        return self.view("pod_template_path", _pod_template_path)

    @property
    def name(self) -> str | None:
        return string(self.metadata.get("name"))

    @property
    def labels(self) -> dict[str, Any]:
        labels = self.metadata.get("labels")
        return labels if isinstance(labels, dict) else {}

    @property
    def annotations(self) -> dict[str, Any]:
        annotations = self.metadata.get("annotations")
        return annotations if isinstance(annotations, dict) else {}

    @property
    def ref(self) -> ObjectRef:
        return ObjectRef(self.api_version, self.kind, self.name, self.namespace)

    def describe(self) -> str:
        return self.ref.describe()

    def positions(self) -> Positions:
        if self.view_of is not None:
            return self.view_of.positions()  # parsed once, for the resource and its views
        if self.tree is None:
            self.tree = self.file.span_tree(self.span, self.item)
        return self.tree

    def locate(self, path: FieldPath) -> Location:
        line, column, _ = locate(self.positions(), path)
        built = Location(self.file.display, line, column)
        return built if self.placement is None else self.placement.place(self, path, built)

    @property
    def key(self) -> tuple[str, int, int]:
        """Identity across processes: file, document and List item."""
        return (self.file.display, self.document, -1 if self.item is None else self.item)


# The views K8sObject memoizes; each builds on the ones before it, so the pod spec is found once.


def _pod_spec(obj: K8sObject) -> tuple[FieldPath, dict[str, Any]] | None:
    if obj.template_at is not None:
        path = (*obj.template_at, "spec")
        spec = dig(obj.data, path)
        return (path, spec) if isinstance(spec, dict) else None
    return workloads.pod_spec(obj.data)


def _pod_template_path(obj: K8sObject) -> FieldPath | None:
    return obj.template_at if obj.template_at is not None else workloads.pod_template_path(obj.data)


def _containers(obj: K8sObject) -> list[ContainerView]:
    return list(workloads.containers_of(obj.pod_spec()))


def _references(obj: K8sObject) -> list[Any]:
    return list(references_of(obj.pod_spec(), obj.containers()))
