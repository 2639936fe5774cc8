"""The picture of each deployment unit: its objects as nodes, their wiring as edges.

Ingress and HTTPRoute -> Service -> workload -> the ConfigMaps, Secrets, PVCs
and ServiceAccount its pods use; HPA and PDB -> workload; Dockerfile -> image
-> container. Every edge is found by the lookups the rules make (the object
index: ``nearest``, ``templates_matching``; the build map), never by matching
selectors again here. The findings of the wiring rules (:data:`WIRING_RULES`)
become broken edges, labelled with their rule codes: to a node drawn dashed
when the object named is missing, to the nearest workload when a selector
matches none, or on the edge itself when the target is there but a port or key
is not. A finding that names no edge marks its node instead.

The order is stable: nodes by layer, kind, namespace, name and file; edges by
their ends and codes. Renderers (k8slint.reporters.graph, reporters.html) only
draw what this module says.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from k8slint.findings import FieldPath, Finding, Location, format_path
from k8slint.model.backends import backends
from k8slint.model.graph.index import ObjectIndex
from k8slint.model.graph.matching import explain_miss
from k8slint.model.objects import K8sObject
from k8slint.model.selectors import Selector, SelectorError, from_label_selector, from_map
from k8slint.model.values import dig, mapping, sequence

MISSING_OBJECT_RULES = frozenset({"KN020", "KN021", "KN022", "KN023", "KN040", "KN043", "KR031"})
"""Rules whose finding says the object a field names is not there: the edge goes to a missing node."""
BROKEN_TARGET_RULES = frozenset({"KN024", "KN025", "KN026", "KN041"})
"""Rules whose finding says the target is there but not the key or port asked for: the edge itself is broken."""
NO_MATCH_RULES = frozenset({"KN001", "KR030"})
"""Rules whose finding says a selector matches no pods: the edge goes to the nearest workload."""
NODE_RULES = frozenset({"KR001"})
"""Rules about an object's own wiring (a workload whose selector misses its own template): a mark on the node."""
WIRING_RULES = MISSING_OBJECT_RULES | BROKEN_TARGET_RULES | NO_MATCH_RULES | NODE_RULES

ROUTE_KINDS = ("Ingress", "HTTPRoute")
POLICY_KINDS = ("HorizontalPodAutoscaler", "PodDisruptionBudget")
CONFIG_KINDS = ("ConfigMap", "Secret", "PersistentVolumeClaim", "ServiceAccount")
LAYERS = {
    "Ingress": 0,
    "HTTPRoute": 0,
    "Service": 1,
    "HorizontalPodAutoscaler": 1,
    "PodDisruptionBudget": 1,
    "workload": 2,
    "container": 3,
    "ConfigMap": 3,
    "Secret": 3,
    "PersistentVolumeClaim": 3,
    "ServiceAccount": 3,
    "image": 4,
    "Dockerfile": 5,
}
"""Columns of the layered drawing, left to right: traffic in, then what runs, then what it reads and is built from."""


@dataclass(frozen=True, slots=True)
class Node:
    id: str
    """``n<number>`` within its unit's picture."""
    kind: str
    """The object's kind; ``container``, ``image`` or ``Dockerfile`` for the build chain."""
    name: str
    namespace: str | None
    layer: int
    location: Location | None
    """Where it is defined; None for a missing object and for an image."""
    missing: bool = False
    """Named but not defined, and a finding says so (drawn dashed and red)."""
    elsewhere: bool = False
    """Named but not among the linted files, and no finding: defined elsewhere, or by the cluster (drawn dashed)."""
    findings: tuple[Finding, ...] = ()
    """Wiring findings about the node itself (NODE_RULES, or one that names no edge)."""

    @property
    def title(self) -> str:
        return f"{self.kind} {self.namespace}/{self.name}" if self.namespace else f"{self.kind} {self.name}"


@dataclass(frozen=True, slots=True)
class Edge:
    source: str
    target: str
    findings: tuple[Finding, ...] = ()
    """The wiring findings that break this edge (none: the wiring resolves)."""

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(sorted({f.code for f in self.findings}))

    @property
    def broken(self) -> bool:
        return bool(self.findings)


@dataclass(frozen=True, slots=True)
class UnitPicture:
    name: str
    """The unit's folder (the deepest folder holding all its files), ``.`` for the top."""
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]

    def node(self, node_id: str) -> Node:
        return next(node for node in self.nodes if node.id == node_id)

    @property
    def broken(self) -> bool:
        return any(edge.broken for edge in self.edges) or any(node.findings for node in self.nodes)

    def around_broken(self) -> UnitPicture:
        """The part of the picture that shows what is broken: the broken edges, the nodes they join and the
        marked nodes, with the edges among those nodes (for a unit too large to draw whole)."""
        kept = {node.id for node in self.nodes if node.findings}
        for edge in self.edges:
            if edge.broken:
                kept.update((edge.source, edge.target))
        return UnitPicture(
            self.name,
            tuple(node for node in self.nodes if node.id in kept),
            tuple(edge for edge in self.edges if edge.source in kept and edge.target in kept),
        )


_Key = tuple[Any, ...]


@dataclass
class _Draft:
    """A unit's picture while it is drawn: nodes and edges by key."""

    nodes: dict[_Key, dict[str, Any]] = field(default_factory=dict)
    edges: dict[tuple[_Key, _Key], list[Finding]] = field(default_factory=dict)
    marks: dict[_Key, list[Finding]] = field(default_factory=lambda: defaultdict(list))

    def object_node(self, obj: K8sObject) -> _Key:
        kind = obj.kind or "object"
        key: _Key = ("object", _kind_layer(obj), kind, obj.namespace or "", obj.name or "", obj.file.display)
        if key not in self.nodes:
            location = obj.locate(("metadata", "name")) if obj.name is not None else obj.locate(())
            self.nodes[key] = {"kind": kind, "name": obj.name or "<unnamed>", "namespace": obj.namespace, "location": location}
        return key

    def absent_node(self, kind: str, namespace: str | None, name: str, layer: int, *, missing: bool) -> _Key:
        """A node for an object that is named but not defined in the linted files: ``missing`` when a finding says so."""
        key: _Key = ("absent", layer, kind, namespace or "", name, "")
        attributes = self.nodes.setdefault(key, {"kind": kind, "name": name, "namespace": namespace, "location": None})
        if missing:
            attributes["missing"] = True
        return key

    def node(self, key: _Key, **attributes: Any) -> _Key:
        self.nodes.setdefault(key, attributes)
        return key

    def edge(self, source: _Key, target: _Key, finding: Finding | None = None) -> None:
        found = self.edges.setdefault((source, target), [])
        if finding is not None and finding not in found:
            found.append(finding)


def _kind_layer(obj: K8sObject) -> int:
    kind = obj.kind or ""
    if kind in LAYERS:
        return LAYERS[kind]
    return LAYERS["workload"]


def is_workload(obj: K8sObject) -> bool:
    return obj.kind == "Pod" or obj.pod_template_path() is not None


def _shown(obj: K8sObject) -> bool:
    kind = obj.kind or ""
    return kind in ROUTE_KINDS or kind == "Service" or kind in POLICY_KINDS or kind in CONFIG_KINDS or is_workload(obj)


def route_backends(obj: K8sObject) -> Iterator[tuple[str, FieldPath]]:
    """(Service name, path of the name) of each Service ``backendRef`` of a Gateway API HTTPRoute in its own namespace."""
    for r, rule in enumerate(sequence(mapping(obj.data.get("spec")).get("rules"))):
        for b, ref in enumerate(sequence(mapping(rule).get("backendRefs"))):
            ref = mapping(ref)
            kind, group = ref.get("kind", "Service"), ref.get("group", "")
            other_namespace = ref.get("namespace") not in (None, obj.namespace)
            if kind == "Service" and group in ("", "core") and isinstance(ref.get("name"), str) and not other_namespace:
                yield ref["name"], ("spec", "rules", r, "backendRefs", b, "name")


def _selector(obj: K8sObject) -> Selector | None:
    """The pod selector of a Service (a plain map) or a PodDisruptionBudget (a label selector)."""
    if obj.kind == "Service":
        spec = mapping(obj.data.get("spec"))
        raw = spec.get("selector")
        if spec.get("type") == "ExternalName" or not isinstance(raw, dict) or not raw:
            return None
        return from_map(raw)
    raw = dig(obj.data, ("spec", "selector"))
    if not isinstance(raw, dict):
        return None
    try:
        selector = from_label_selector(raw)
    except SelectorError:
        return None
    return None if selector.empty else selector


def _scale_target(obj: K8sObject) -> tuple[str, str] | None:
    ref = mapping(dig(obj.data, ("spec", "scaleTargetRef")))
    kind, name = ref.get("kind"), ref.get("name")
    return (kind, name) if isinstance(kind, str) and isinstance(name, str) else None


def _claim_templates(obj: K8sObject) -> list[tuple[str, FieldPath]]:
    """(name, path of the name) of each of a StatefulSet's volumeClaimTemplates: a claim per pod, made by the controller."""
    if obj.kind != "StatefulSet":
        return []
    found: list[tuple[str, FieldPath]] = []
    for index, template in enumerate(sequence(dig(obj.data, ("spec", "volumeClaimTemplates")))):
        name = dig(template, ("metadata", "name"))
        if isinstance(name, str) and name:
            found.append((name, ("spec", "volumeClaimTemplates", index, "metadata", "name")))
    return found


def _tls_secrets(obj: K8sObject) -> Iterator[tuple[str, FieldPath]]:
    for index, tls in enumerate(sequence(mapping(obj.data.get("spec")).get("tls"))):
        name = mapping(tls).get("secretName")
        if isinstance(name, str) and name:
            yield name, ("spec", "tls", index, "secretName")


class _Painter:
    """Draws the pictures of one run."""

    def __init__(self, index: ObjectIndex, builds: Any) -> None:
        self.index = index
        self.builds = builds
        self.drafts: dict[int, _Draft] = defaultdict(_Draft)
        self.folders: dict[int, list[tuple[str, ...]]] = defaultdict(list)

    def draft(self, obj: K8sObject) -> _Draft:
        unit = self.index.units.unit(obj)
        self.folders[unit].append(self.index.units.folder(obj))
        return self.drafts[unit]

    def wire(self, obj: K8sObject) -> None:
        draft = self.draft(obj)
        me = draft.object_node(obj)
        kind = obj.kind
        if kind == "Ingress":
            for backend in backends(obj):
                self._link(draft, me, obj, "Service", backend.service)
            for name, _ in _tls_secrets(obj):
                self._link(draft, me, obj, "Secret", name)
        elif kind == "HTTPProxy":  # Contour's (backends reads no other group's)
            for backend in backends(obj):
                self._link(draft, me, obj, "Service", backend.service)
        elif kind == "HTTPRoute":
            for name, _ in route_backends(obj):
                self._link(draft, me, obj, "Service", name)
        elif kind in ("Service", "PodDisruptionBudget"):
            selector = _selector(obj)
            if selector is not None:
                for workload in self._selected(obj, selector):
                    draft.edge(me, draft.object_node(workload))
        elif kind == "HorizontalPodAutoscaler":
            target = _scale_target(obj)
            if target is not None:
                self._link(draft, me, obj, *target)
        if is_workload(obj):
            self._wire_pods(draft, me, obj)

    def _selected(self, obj: K8sObject, selector: Selector) -> list[K8sObject]:
        seen: dict[int, K8sObject] = {}
        for template in self.index.templates_matching(obj, selector):
            seen.setdefault(id(template.obj), template.obj)
        return list(seen.values())

    def _link(self, draft: _Draft, me: _Key, viewer: K8sObject, kind: str, name: str) -> None:
        target = self.index.nearest(viewer, kind, name)
        if target is not None:
            draft.edge(me, draft.object_node(target))
        else:  # not in the viewer's unit: defined elsewhere (or missing, as a finding will say)
            layer = LAYERS["workload"] if kind not in LAYERS else LAYERS[kind]
            draft.edge(me, draft.absent_node(kind, viewer.namespace, name, layer, missing=False))

    def _wire_pods(self, draft: _Draft, me: _Key, obj: K8sObject) -> None:
        claims = _claim_templates(obj)
        for name, path in claims:
            claim = draft.node(
                (
                    "template",
                    LAYERS["PersistentVolumeClaim"],
                    "PersistentVolumeClaim",
                    obj.namespace or "",
                    f"{obj.name}/{name}",
                    obj.file.display,
                ),
                kind="PersistentVolumeClaim",
                name=f"{name} (per pod)",
                namespace=obj.namespace,
                location=obj.locate(path),
            )
            draft.edge(me, claim)
        for ref in obj.references():
            # a pod volume named as a volumeClaimTemplate is replaced by that template's claim
            if not ref.optional and not (ref.kind == "PersistentVolumeClaim" and any(ref.name == name for name, _ in claims)):
                self._link(draft, me, obj, ref.kind, ref.name)
        for container in obj.containers():
            box = draft.node(
                ("container", LAYERS["container"], "container", obj.namespace or "", f"{obj.name}/{container.name}", obj.file.display),
                kind="container",
                name=container.name,
                namespace=None,
                location=obj.locate((*container.path, "name")),
            )
            draft.edge(me, box)
            image = container.data.get("image")
            if not isinstance(image, str) or not image:
                continue
            picture = draft.node(
                ("image", LAYERS["image"], "image", "", image, ""), kind="image", name=image, namespace=None, location=None
            )
            draft.edge(picture, box)
            built = self.builds.dockerfile_for(image, obj.file.display) if self.builds is not None else None
            if built is not None:
                doc = built[0]
                display = doc.file.display
                dockerfile = draft.node(
                    ("dockerfile", LAYERS["Dockerfile"], "Dockerfile", "", display, display),
                    kind="Dockerfile",
                    name=display,
                    namespace=None,
                    location=doc.origin(),
                )
                draft.edge(dockerfile, picture)

    def break_edge(self, finding: Finding, subject: K8sObject) -> None:
        """The finding's edge from ``subject``, or a mark on the subject when it names no edge."""
        draft = self.draft(subject)
        me = draft.object_node(subject)
        target = self._broken_target(draft, finding, subject)
        if target is None:
            draft.marks[me].append(finding)
        else:
            draft.edge(me, target, finding)

    def _broken_target(self, draft: _Draft, finding: Finding, subject: K8sObject) -> _Key | None:
        code, path = finding.code, finding.path
        if code in NODE_RULES:
            return None
        if code in NO_MATCH_RULES:
            selector = _selector(subject)
            if selector is None:
                return None
            miss = explain_miss(subject, selector, self.index)
            if miss is not None:
                return draft.object_node(miss.nearest.obj)
            # the pods it selects are in another namespace of its file (KN001's other finding)
            elsewhere = next(
                (
                    t.obj
                    for t in self.index.templates_in_file(subject.file.display)
                    if t.obj.namespace != subject.namespace and t.selected_by(selector)
                ),
                None,
            )
            return draft.object_node(elsewhere) if elsewhere is not None else None
        if code == "KN026":
            selector = _selector(subject)
            selected = self._selected(subject, selector) if selector is not None else []
            if len(selected) != 1:
                # several workloads: each edge is marked (the finding names the port all of them lack)
                for workload in selected:
                    draft.edge(draft.object_node(subject), draft.object_node(workload), finding)
                return None if not selected else draft.object_node(selected[0])
            return draft.object_node(selected[0])
        named = self._named_at(subject, path)
        if named is None:
            return None
        kind, name = named
        if code in MISSING_OBJECT_RULES:
            layer = LAYERS["workload"] if code == "KR031" else LAYERS.get(kind, LAYERS["ConfigMap"])
            return draft.absent_node(kind, subject.namespace, name, layer, missing=True)
        target = self.index.nearest(subject, kind, name)
        return draft.object_node(target) if target is not None else None

    def _named_at(self, subject: K8sObject, path: str | None) -> tuple[str, str] | None:
        """The (kind, name) that the field at ``path`` of the subject names (or whose key or port it is)."""
        if path is None:
            return None
        for ref in subject.references():
            if path in (format_path(ref.path), format_path(ref.key_path or ref.path)):
                return ref.kind, ref.name
        if subject.kind in ("Ingress", "HTTPProxy"):
            for backend in backends(subject):
                if path in (format_path(backend.path), format_path(backend.port_path)):
                    return "Service", backend.service
            for name, secret_path in _tls_secrets(subject):
                if path == format_path(secret_path):
                    return "Secret", name
        if subject.kind == "HorizontalPodAutoscaler" and path.startswith("spec.scaleTargetRef"):
            return _scale_target(subject)
        return None


def subject_of(index: ObjectIndex, finding: Finding) -> K8sObject | None:
    """The object a finding is about: by identity, and of several, the one in the finding's file."""
    ref = finding.object
    if ref is None or ref.kind is None or ref.name is None:
        return None
    candidates = index.definitions(ref.namespace, ref.kind, ref.name)
    if len(candidates) == 1:
        return candidates[0]
    file = finding.location.file
    return next((obj for obj in candidates if obj.file.display == file or obj.locate(()).file == file), None)


def unit_pictures(index: ObjectIndex, builds: Any, findings: Sequence[Finding]) -> list[UnitPicture]:
    """The picture of every deployment unit that has an object to show, in the order of the units.

    ``builds`` is the run's k8slint.model.dockerbuild.BuildMap (None: no build chain).
    """
    painter = _Painter(index, builds)
    for obj in index.objects:
        if _shown(obj):
            painter.wire(obj)
    for finding in findings:
        if finding.code in WIRING_RULES:
            subject = subject_of(index, finding)
            if subject is not None:
                painter.break_edge(finding, subject)
    pictures = []
    for unit in sorted(painter.drafts):
        pictures.append(_finish(_unit_name(index.units.roots[unit], painter.folders[unit]), painter.drafts[unit]))
    return pictures


def _unit_name(root: tuple[str, ...], folders: Iterable[tuple[str, ...]]) -> str:
    common: tuple[str, ...] | None = None
    for folder in folders:
        if common is None:
            common = folder
        else:
            length = 0
            while length < min(len(common), len(folder)) and common[length] == folder[length]:
                length += 1
            common = common[:length]
    parts = common if common is not None and len(common) >= len(root) else root
    return "/".join(parts) or "."


def _finish(name: str, draft: _Draft) -> UnitPicture:
    keys = sorted(draft.nodes, key=lambda key: (key[1], key[2], key[3], key[4], key[5], key[0]))
    ids = {key: f"n{number}" for number, key in enumerate(keys)}
    nodes = tuple(
        Node(
            ids[key],
            attributes["kind"],
            attributes["name"],
            attributes["namespace"],
            key[1],
            attributes["location"],
            attributes.get("missing", False),
            key[0] == "absent" and not attributes.get("missing", False),
            tuple(draft.marks.get(key, ())),
        )
        for key in keys
        for attributes in (draft.nodes[key],)
    )
    order = {key: number for number, key in enumerate(keys)}
    edges = tuple(
        Edge(ids[source], ids[target], tuple(sorted(found, key=lambda f: f.sort_key)))
        for (source, target), found in sorted(draft.edges.items(), key=lambda item: (order[item[0][0]], order[item[0][1]]))
    )
    return UnitPicture(name, nodes, edges)
