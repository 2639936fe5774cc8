"""The object index: lookups by kind, by namespace and name, and by pod labels.

Cross-object rules ask the index instead of scanning every object, so a run
stays linear in the number of objects. Every lookup is made for an asking
object and sees only its deployment unit (k8slint.model.graph.units).
"""

from __future__ import annotations

import bisect
import os
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from k8slint.findings import FieldPath
from k8slint.model.graph.units import ByUnit, Folder, Units
from k8slint.model.kinds import api_group, is_custom_resource
from k8slint.model.objects import K8sObject
from k8slint.model.selectors import Selector, label_text
from k8slint.model.values import dig, mapping
from k8slint.model.workloads import custom_pod_templates

_ANY = re.compile(r".*", re.DOTALL)
_INDEX = re.compile(r"[0-9]+")


GATEWAY_ROUTES = frozenset({"HTTPRoute", "GRPCRoute", "TLSRoute", "TCPRoute", "UDPRoute"})
"""The route kinds of the Gateway API (gateway.networking.k8s.io)."""
MAKE_NO_PODS = frozenset(
    {
        *(("gateway.networking.k8s.io", kind) for kind in (*GATEWAY_ROUTES, "ReferenceGrant", "BackendTLSPolicy")),
        *(
            ("monitoring.coreos.com", kind)
            for kind in ("ServiceMonitor", "PodMonitor", "PrometheusRule", "Probe", "ScrapeConfig", "AlertmanagerConfig")
        ),
        *(("cert-manager.io", kind) for kind in ("Certificate", "CertificateRequest", "Issuer", "ClusterIssuer")),
        *(("projectcontour.io", kind) for kind in ("HTTPProxy", "TLSCertificateDelegation")),
    }
)
"""(group, kind) of custom resources whose controllers make no pods (routes, scrape and alerting configs,
certificates): a selector's labels or a name that matches one of them says nothing of who makes the pods. A
Gateway is not among them: Istio and Envoy Gateway deploy a Gateway's own pods, labelled with its name."""


def _generated_labels(obj: K8sObject) -> dict[str, re.Pattern[str]]:
    """Labels that a controller adds to the pods it creates, beyond the template's.

    A Service may select one StatefulSet pod by ``statefulset.kubernetes.io/pod-name``,
    or a Job's pods by ``job-name``; those labels are in no manifest.
    """
    kind, name = obj.kind, re.escape(obj.name or "")
    if kind == "StatefulSet":
        return {
            "statefulset.kubernetes.io/pod-name": re.compile(rf"{name}-[0-9]+"),
            "apps.kubernetes.io/pod-index": _INDEX,
            "controller-revision-hash": _ANY,
        }
    if kind == "DaemonSet":
        return {"controller-revision-hash": _ANY, "pod-template-generation": _INDEX}
    if kind == "Deployment":
        return {"pod-template-hash": _ANY}
    if kind in ("Job", "CronJob"):
        job_name = re.compile(name if kind == "Job" else rf"{name}-[0-9]+")
        return {
            "job-name": job_name,
            "batch.kubernetes.io/job-name": job_name,
            "controller-uid": _ANY,
            "batch.kubernetes.io/controller-uid": _ANY,
            "batch.kubernetes.io/job-completion-index": _INDEX,
        }
    return {}


GENERATED_LABEL_KEYS = frozenset(
    {
        "statefulset.kubernetes.io/pod-name",
        "apps.kubernetes.io/pod-index",
        "controller-revision-hash",
        "pod-template-generation",
        "pod-template-hash",
        "job-name",
        "batch.kubernetes.io/job-name",
        "controller-uid",
        "batch.kubernetes.io/controller-uid",
        "batch.kubernetes.io/job-completion-index",
    }
)


@dataclass(frozen=True, slots=True)
class PodTemplate:
    """Pods that an object runs (a workload's template) or is (a bare Pod)."""

    obj: K8sObject
    path: FieldPath
    """Path of the template (or Pod) inside the object; labels are at ``path + (metadata, labels)``."""
    labels: dict[str, Any]
    generated: dict[str, re.Pattern[str]] = field(default_factory=dict)

    def selected_by(self, selector: Selector) -> bool:
        """Whether the selector matches these pods, controller-added labels included."""
        for key, value in selector.match_labels:
            if key in self.labels:
                if label_text(self.labels[key]) != value:
                    return False
            elif key not in self.generated or not self.generated[key].fullmatch(value):
                return False
        return all(requirement.matches(self.labels) for requirement in selector.requirements)


class ObjectIndex:
    """The objects of a run, indexed for the cross-object rules.

    Lookups that resolve (which object a name means, which pods a selector
    selects, which objects of a kind a namespace holds) take the asking
    object, the viewer, and answer within its deployment unit
    (k8slint.model.graph.units): what sibling units define is not seen, and a
    name defined more than once resolves to the nearest definition. Lookups
    that vouch for existence (``definitions``, ``selects_anywhere``,
    ``operator_owner``, ``created_at_runtime``, ...) look in every unit: an
    object that another unit defines may be applied from there (a Secret that
    several samples share from a folder beside them), so its absence from the
    viewer's unit is no evidence of a bug.
    """

    def __init__(
        self,
        objects: Sequence[K8sObject],
        external: Sequence[str] = (),
        dockerfiles: Sequence[Any] = (),
        asserted: Sequence[tuple[str | None, dict[str, Any]]] = (),
        everywhere: frozenset[str] = frozenset(),
        unit_roots: Sequence[str] = (),
        sent_at: Mapping[str, tuple[tuple[str, int | None], ...]] | None = None,
    ) -> None:
        self.objects = objects
        self.sent_at: Mapping[str, tuple[tuple[str, int | None], ...]] = sent_at or {}
        """File (display) -> when end-to-end tests send its objects to the API server: (test, position in its
        operations, None where unknown). Objects a test creates before it applies a policy are not judged by it."""
        self.everywhere = everywhere
        """The files (display names) whose objects apply to every unit: the --policies folders' admission policies."""
        self._asserted = asserted
        """(namespace, data) of the custom resources end-to-end tests assert are in the cluster: their names count
        as mentioned, as an operator that makes them makes what they name."""
        self.dockerfiles = dockerfiles
        self.units = Units(objects, unit_roots)
        self._external = _parse_external(external)
        self._by_kind: dict[str, list[K8sObject]] = defaultdict(list)
        self._by_name: dict[tuple[str | None, str, str], list[K8sObject]] = defaultdict(list)
        self._by_namespace: dict[tuple[str, str | None], list[K8sObject]] = defaultdict(list)
        self._folders: dict[tuple[str, str | None, Folder], set[str]] = defaultdict(set)
        """(kind, namespace, folder) -> the files there that define objects of the kind in the namespace."""
        self._scoped: dict[tuple[str, str | None], ByUnit[K8sObject]] = {}
        self._scoped_names: dict[tuple[str | None, str, str], ByUnit[K8sObject]] = {}
        self._visible: dict[tuple[str, str | None, Folder], list[K8sObject]] = {}
        self._matched: dict[tuple[str | None, Selector], list[int]] = {}
        self._matching: dict[tuple[str | None, Selector, Folder | None], list[PodTemplate]] = {}
        self._masks: dict[tuple[str | None, Folder | None], int] = {}
        """Per namespace and asking folder (None: a folder that sees every template of the namespace)."""
        self._data_keys: dict[K8sObject, frozenset[str]] = {}
        self._template_labels: dict[K8sObject, list[dict[str, Any]]] = {}
        units = self.units
        for obj in objects:
            kind = obj.kind
            if kind is None:
                continue
            self._by_kind[kind].append(obj)
            self._by_namespace[(kind, obj.namespace)].append(obj)
            self._folders[(kind, obj.namespace, units.folder(obj))].add(obj.file.display)
            name = obj.name
            if name is not None:
                self._by_name[(obj.namespace, kind, name)].append(obj)
        self._alternatives = _alternative_files(self._by_name.values(), units)
        """File -> the files of its folder that define one of its objects differently: variants of one
        deployment (a sample's standard and its RRSA file), of which one is applied, never both."""

    def of_kind(self, *kinds: str) -> list[K8sObject]:
        """Every object of these kinds, in every unit (the subjects of a set check)."""
        if len(kinds) == 1:
            return self._by_kind.get(kinds[0], [])
        return [obj for kind in kinds for obj in self._by_kind.get(kind, [])]

    @cached_property
    def with_pod_spec(self) -> list[K8sObject]:
        """The objects that have a pod spec, in the canonical order, each followed by the views of the pod templates
        it keeps elsewhere (with_pod_templates)."""
        return with_pod_templates(self.objects, pods_only=True)

    @cached_property
    def with_template_views(self) -> list[K8sObject]:
        """Every object, each followed by the views of the pod templates it keeps elsewhere (with_pod_templates)."""
        return with_pod_templates(self.objects, pods_only=False)

    def in_namespace(self, viewer: K8sObject, kind: str) -> list[K8sObject]:
        """The objects of ``kind`` in the viewer's namespace that the viewer sees, its unit's first, none in a variant of
        the viewer's file (a shared list: do not change it)."""
        namespace = viewer.namespace
        key = (kind, namespace, self.units.folder(viewer))
        found = self._visible.get(key)
        if found is None:
            scoped = self._scoped.get((kind, namespace))
            if scoped is None:
                members = self._by_namespace.get((kind, namespace), [])
                scoped = self._scoped[(kind, namespace)] = ByUnit(self.units, ((o, o) for o in members))
            found = self._visible[key] = scoped.visible(viewer)
        variants = self._alternatives.get(viewer.file.display) if found else None
        if variants is not None:  # never one in a variant of the viewer's file (see _alternative_files)
            return [obj for obj in found if obj.file.display not in variants]
        return found

    def defined_elsewhere_for(self, viewer: K8sObject, kind: str, name: str) -> K8sObject | None:
        """A definition of ``kind``/``name`` in another namespace that the viewer sees, where the viewer's file gives
        it no namespace: applied with `kubectl apply -n`, it lands where the definition is (kserve's seaweedfs init
        Jobs beside the Secret their folder's kustomization moves to ``kserve``)."""
        if "namespace" in viewer.metadata or viewer.file.namespace_from is not None:
            return None  # its own namespace, or the one a kustomization that builds it gives it
        folder = os.path.dirname(viewer.file.display)
        for obj in self._by_kind.get(kind, ()):
            if obj.name != name or obj.namespace == viewer.namespace:
                continue
            # one the viewer's deployment sees, or one written beside the viewer, whichever build applies it
            # (kserve's Secret, built by config/overlays/test-modelcache from the Jobs' own folder)
            if self.units.sees(viewer, obj) or os.path.dirname(obj.locate(("metadata",)).file) == folder:
                return obj
        return None

    def defined_in_folder(self, viewer: K8sObject, kind: str) -> bool:
        """Whether a file in the viewer's folder (the viewer's own, or one that is no variant of it) defines an
        object of ``kind`` in the viewer's namespace."""
        files = self._folders.get((kind, viewer.namespace, self.units.folder(viewer)))
        if not files:
            return False
        variants = self._alternatives.get(viewer.file.display)
        return variants is None or any(file not in variants for file in files)

    def named(self, viewer: K8sObject, kind: str, name: str) -> list[K8sObject]:
        """The definitions of ``kind``/``name`` in the viewer's namespace that the viewer sees, the nearest first;
        never one in a variant of the viewer's file (see _alternative_files)."""
        key = (viewer.namespace, kind, name)
        candidates = self._by_name.get(key, [])
        if len(candidates) < 2:
            found = candidates if candidates and self.units.sees(viewer, candidates[0]) else []
        else:
            scoped = self._scoped_names.get(key)
            if scoped is None:  # a name defined in many sample folders: each viewer reads only the ranges it sees
                scoped = self._scoped_names[key] = ByUnit(self.units, ((o, o) for o in candidates))
            found = sorted(scoped.visible(viewer), key=lambda obj: (*self.units.nearness(viewer, obj), obj.key))
        variants = self._alternatives.get(viewer.file.display) if found else None
        return found if variants is None else [obj for obj in found if obj.file.display not in variants]

    def nearest(self, viewer: K8sObject, kind: str, name: str) -> K8sObject | None:
        """The definition of ``kind``/``name`` that a reference from the viewer resolves to, if it sees one."""
        found = self.named(viewer, kind, name)
        return found[0] if found else None

    def cluster_nearest(self, viewer: K8sObject, kind: str, name: str) -> K8sObject | None:
        """The definition of a cluster-scoped ``kind``/``name`` that the viewer sees, the nearest one; never one in
        a variant of the viewer's file (see _alternative_files)."""
        variants = self._alternatives.get(viewer.file.display) or ()
        seen = [
            obj for obj in self._by_name.get((None, kind, name), []) if obj.file.display not in variants and self.units.sees(viewer, obj)
        ]
        return min(seen, key=lambda obj: (*self.units.nearness(viewer, obj), obj.key)) if seen else None

    def definitions(self, namespace: str | None, kind: str, name: str) -> list[K8sObject]:
        """Every definition of ``kind``/``name`` in ``namespace``, in every unit, in the canonical order."""
        return self._by_name.get((namespace, kind, name), [])

    def resolved_to(self, viewer: K8sObject, target: K8sObject) -> str:
        """How a related location names the definition a lookup used: with which of several it was, when there are several."""
        count = len(self.definitions(target.namespace, target.kind or "", target.name or ""))
        if count < 2:
            return target.describe()
        return f"{target.describe()} (the definition nearest {viewer.describe()}, of {count} in the linted files)"

    @cached_property
    def _templates(self) -> dict[str | None, ByUnit[PodTemplate]]:
        """Every pod template and bare Pod, by namespace, sorted by unit and folder."""
        found: dict[str | None, list[tuple[K8sObject, PodTemplate]]] = defaultdict(list)
        for obj in self.objects:
            if obj.kind == "Pod":
                found[obj.namespace].append((obj, PodTemplate(obj, (), obj.labels)))
                continue
            path = obj.pod_template_path()
            if path is not None:
                labels = dig(obj.data, (*path, "metadata", "labels"))
                template = PodTemplate(obj, path, labels if isinstance(labels, dict) else {}, _generated_labels(obj))
                found[obj.namespace].append((obj, template))
        return {namespace: ByUnit(self.units, templates) for namespace, templates in found.items()}

    @property
    def pod_templates(self) -> dict[str | None, list[PodTemplate]]:
        """Every pod template and bare Pod, by namespace (in every unit; sorted by unit and folder, then in the canonical order)."""
        return {namespace: scoped.items for namespace, scoped in self._templates.items()}

    @cached_property
    def _templates_by_file(self) -> dict[str, list[PodTemplate]]:
        found: dict[str, list[PodTemplate]] = defaultdict(list)
        for scoped in self._templates.values():
            for template in scoped.items:
                found[template.obj.file.display].append(template)
        return found

    def templates_in_file(self, display: str) -> list[PodTemplate]:
        """Pod templates defined in a file (any namespace; one file is in one unit)."""
        return self._templates_by_file.get(display, [])

    @cached_property
    def _label_bits(self) -> dict[str | None, dict[tuple[str, str], int]]:
        """For each namespace and label, the pod templates that have it, as bits of an int (bit p: template p)."""
        bits: dict[str | None, dict[tuple[str, str], int]] = {}
        for namespace, scoped in self._templates.items():
            by_label: dict[tuple[str, str], int] = defaultdict(int)
            for position, template in enumerate(scoped.items):
                for key, value in template.labels.items():
                    if isinstance(key, str):
                        by_label[(key, label_text(value))] |= 1 << position
            bits[namespace] = by_label
        return bits

    def _visible_templates(self, viewer: K8sObject) -> int:
        """The pod templates of the viewer's namespace that it sees, as bits."""
        scoped = self._templates.get(viewer.namespace)
        if scoped is None:
            return 0
        key = (viewer.namespace, None if scoped.sees_all(viewer) else self.units.folder(viewer))
        mask = self._masks.get(key)
        if mask is None:
            mask = self._masks[key] = scoped.mask(viewer)
        return mask

    def most_agreeing_template(self, viewer: K8sObject, selector: Selector) -> tuple[PodTemplate, int] | None:
        """The visible pod template in the viewer's namespace that has the most of the selector's labels, and how many.

        Counted on bit sets of the templates that have each label (a few
        big-integer operations, whatever the number of templates). Of equals,
        the nearest: the viewer's own unit first, then the units below its
        folder, then the folders above it.
        """
        namespace = viewer.namespace
        scoped = self._templates.get(namespace)
        visible = self._visible_templates(viewer)
        if scoped is None or not visible:
            return None
        by_label = self._label_bits.get(namespace, {})
        at_least = [visible]  # at_least[j]: the visible templates with j or more of the labels
        for pair in selector.match_labels:
            having = by_label.get(pair, 0) & visible
            if not having:
                continue
            at_least.append(0)
            for count in range(len(at_least) - 2, -1, -1):
                at_least[count + 1] |= at_least[count] & having
        score = max(count for count, members in enumerate(at_least) if members)
        best = at_least[score]
        for start, stop in scoped.positions(viewer):
            members = best & ((1 << stop) - (1 << start))
            if members:
                return scoped.items[(members & -members).bit_length() - 1], score
        raise AssertionError("a visible template lies in a visible range")

    def templates_matching(self, viewer: K8sObject, selector: Selector) -> list[PodTemplate]:
        """Visible pod templates in the viewer's namespace whose pods the selector matches (a shared list: do not change it).

        Worked out once per selector, then narrowed to each folder that asks:
        a Service's is asked for by several rules.
        """
        namespace = viewer.namespace
        scoped = self._templates.get(namespace)
        if scoped is None:
            return []
        key = (namespace, selector, None if scoped.sees_all(viewer) else self.units.folder(viewer))
        found = self._matching.get(key)
        if found is None:
            matched = self._matches(namespace, selector)
            found = []
            if matched:
                for start, stop in scoped.positions(viewer):
                    first, end = bisect.bisect_left(matched, start), bisect.bisect_left(matched, stop)
                    found.extend(scoped.items[position] for position in matched[first:end])
            self._matching[key] = found
        return found

    def selects_anywhere(self, namespace: str | None, selector: Selector) -> bool:
        """Whether the selector matches pod templates of ``namespace`` in any unit."""
        return bool(self._matches(namespace, selector))

    def _matches(self, namespace: str | None, selector: Selector) -> list[int]:
        matched = self._matched.get((namespace, selector))
        if matched is None:
            matched = self._matched[(namespace, selector)] = self._templates_matching(namespace, selector)
        return matched

    def _templates_matching(self, namespace: str | None, selector: Selector) -> list[int]:
        """Positions of the pod templates of ``namespace`` (every unit) that the selector matches, in order."""
        scoped = self._templates.get(namespace)
        if scoped is None:
            return []
        templates = scoped.items
        indexed = [pair for pair in selector.match_labels if pair[0] not in GENERATED_LABEL_KEYS]
        if not indexed:
            return [position for position, template in enumerate(templates) if template.selected_by(selector)]
        by_label = self._label_bits.get(namespace, {})
        candidates = (1 << len(templates)) - 1  # the templates that have every indexed label
        for pair in indexed:
            candidates &= by_label.get(pair, 0)
        found = []
        while candidates:
            lowest = candidates & -candidates
            candidates ^= lowest
            position = lowest.bit_length() - 1
            if templates[position].selected_by(selector):
                found.append(position)
        return found

    @cached_property
    def custom_resources(self) -> dict[str | None, list[K8sObject]]:
        """Objects of kinds that Kubernetes does not serve itself, by namespace."""
        found: dict[str | None, list[K8sObject]] = defaultdict(list)
        for obj in self.objects:
            if is_custom_resource(obj.api_version):
                found[obj.namespace].append(obj)
        return found

    def operator_owner(self, namespace: str | None, selector: Selector) -> K8sObject | None:
        """A custom resource that probably makes the pods this selector wants.

        Operators (Prometheus, Alertmanager, databases, ...) create pods whose
        labels come from the custom resource: its own labels, its
        ``spec.podMetadata.labels``, the labels of a pod template it holds
        (a LeaderWorkerSet's ``leaderTemplate`` and ``workerTemplate``), or its
        name as a label value.
        """
        for obj in self.custom_resources.get(namespace, []):
            if (api_group(obj.api_version or ""), obj.kind) in MAKE_NO_PODS:
                continue  # an HTTPRoute named like the app makes none of its pods
            own = {**obj.labels, **mapping(dig(obj.data, ("spec", "podMetadata", "labels")))}
            name = obj.name
            for template in (None, *self._nested_template_labels(obj)):
                labels = own if template is None else {**own, **template}
                if all((key in labels and label_text(labels[key]) == value) or value == name for key, value in selector.match_labels):
                    return obj
        return None

    def _nested_template_labels(self, obj: K8sObject) -> list[dict[str, Any]]:
        """The labels of the pod templates a custom resource holds, found once per object
        (operator_owner asks for them on every selector it is given)."""
        labels = self._template_labels.get(obj)
        if labels is None:
            labels = self._template_labels[obj] = _template_labels(obj.data.get("spec"))
        return labels

    def is_external(self, namespace: str | None, kind: str, name: str) -> bool:
        """Whether the config says the object exists in the cluster already (``external-objects``)."""
        return (None, kind, name) in self._external or (namespace, kind, name) in self._external

    @cached_property
    def _mentions(self) -> dict[str | None, frozenset[str]]:
        found: dict[str | None, set[str]] = defaultdict(set)
        for namespace, resources in self.custom_resources.items():
            for obj in resources:
                if obj.kind in GATEWAY_ROUTES and api_group(obj.api_version or "") == "gateway.networking.k8s.io":
                    continue  # a route only refers to Services; its names are the references being checked
                if obj.kind == "HTTPProxy" and api_group(obj.api_version or "") == "projectcontour.io":
                    continue  # Contour's routes likewise: they make no Service, and name the ones they route to
                # a pod template's names are what the pods made from it refer to, not what the operator makes
                templates = [dig(obj.data, path) for path in custom_pod_templates(obj.data)]
                found[namespace].update(_strings(obj.data, skip=templates))
        for namespace, data in self._asserted:
            found[namespace].update(_strings(data))
        return {namespace: frozenset(names) for namespace, names in found.items()}

    @cached_property
    def _makers(self) -> dict[str | None, dict[str, K8sObject]]:
        """Per namespace, each name of a custom resource of a kind that makes workloads -> the first such resource."""
        found: dict[str | None, dict[str, K8sObject]] = defaultdict(dict)
        for namespace, resources in self.custom_resources.items():
            for obj in resources:
                if obj.name and (api_group(obj.api_version or ""), obj.kind) not in MAKE_NO_PODS:
                    found[namespace].setdefault(obj.name, obj)
        return found

    def named_after_custom_resource(self, namespace: str | None, name: str) -> K8sObject | None:
        """The custom resource in the namespace whose name, and a dash, begins ``name``, if one of a kind that
        makes workloads does: operators name what they make after the resource (KubeRay's ``<cluster>-head-svc``,
        Strimzi's ``<cluster>-kafka-bootstrap``, ECK's ``<name>-es-http``)."""
        makers = self._makers.get(namespace)
        if not makers:
            return None
        at = name.find("-")
        while at > 0:
            maker = makers.get(name[:at])
            if maker is not None:
                return maker
            at = name.find("-", at + 1)
        return None

    def names_mentioned_by_custom_resources(self, namespace: str | None) -> frozenset[str]:
        """Every string value of the custom resources in a namespace (names an operator may create),
        but for Gateway API routes, which create nothing."""
        return self._mentions.get(namespace, frozenset())

    def data_keys(self, obj: K8sObject) -> frozenset[str]:
        """Keys of a ConfigMap (data, binaryData) or Secret (data, stringData), worked out once per object."""
        keys = self._data_keys.get(obj)
        if keys is None:
            found: set[str] = set()
            for section_name in ("data", "binaryData", "stringData"):
                section = obj.data.get(section_name)
                if isinstance(section, dict):
                    found.update(str(key) for key in section)
            keys = self._data_keys[obj] = frozenset(found)
        return keys

    @cached_property
    def _runtime_created(self) -> dict[tuple[str | None, str], frozenset[str]]:
        """(namespace, resource) -> names that a Role lets something create at run time.

        RBAC cannot limit ``create`` by name, so a controller or Job that makes
        its own Secret shows it by a Role that grants ``create`` on the
        resource and names the object in ``resourceNames`` of another rule.
        """
        found: dict[tuple[str | None, str], set[str]] = defaultdict(set)
        for role in self.of_kind("Role", "ClusterRole"):
            rules = [r for r in role.data.get("rules") or [] if isinstance(r, dict)] if isinstance(role.data.get("rules"), list) else []
            creatable = {
                str(resource)
                for rule in rules
                if any(verb in ("create", "*") for verb in rule.get("verbs") or [])
                for resource in rule.get("resources") or []
            }
            for rule in rules:
                for resource in rule.get("resources") or []:
                    if str(resource) in creatable or "*" in creatable:
                        found[(role.namespace, str(resource))].update(str(n) for n in rule.get("resourceNames") or [])
        return {key: frozenset(names) for key, names in found.items()}

    @cached_property
    def controller_images(self) -> frozenset[str]:
        """The last path part of every container image of the workloads (``pilot`` for istiod): which
        controllers the set runs."""
        from k8slint.model.images import image_name

        return frozenset(
            image_name(image).rsplit("/", 1)[-1]
            for obj in self.with_pod_spec
            for container in obj.containers()
            if isinstance(image := container.data.get("image"), str)
        )

    @cached_property
    def _pod_labellers(self) -> frozenset[tuple[str | None, str]]:
        """(namespace, name) of each ServiceAccount that RBAC lets change the labels of the pods of its own
        namespace (``patch`` or ``update`` on core ``pods``, through a RoleBinding there or a ClusterRoleBinding):
        a controller that labels pods at run time (an elected leader's ``operator: leader``)."""
        granting: dict[tuple[str, str | None, str], bool] = {}
        for role in self.of_kind("Role", "ClusterRole"):
            rules = role.data.get("rules")
            grants = isinstance(rules, list) and any(_grants_pod_label_changes(rule) for rule in rules if isinstance(rule, dict))
            if grants and isinstance(role.name, str):
                granting[(role.kind or "", None if role.kind == "ClusterRole" else role.namespace, role.name)] = True
        found: set[tuple[str | None, str]] = set()
        for binding in self.of_kind("RoleBinding", "ClusterRoleBinding"):
            ref = binding.data.get("roleRef")
            if not isinstance(ref, dict) or not isinstance(ref.get("name"), str):
                continue
            kind = str(ref.get("kind") or "")
            scope = None if kind == "ClusterRole" else binding.namespace
            if not granting.get((kind, scope, ref["name"])):
                continue
            subjects = binding.data.get("subjects")
            for subject in subjects if isinstance(subjects, list) else ():
                if isinstance(subject, dict) and subject.get("kind") == "ServiceAccount" and isinstance(subject.get("name"), str):
                    namespace = (
                        subject.get("namespace") if binding.kind == "ClusterRoleBinding" else subject.get("namespace") or binding.namespace
                    )
                    built_in = binding.file.namespace_from
                    if built_in is not None and namespace in (None, "default"):
                        # kustomize's namespace transformer sets such a subject's namespace to the build's
                        # (setRoleBindingSubjects: defaultOnly): the account of the pods of that same build
                        found.add((_BUILT_IN + built_in, subject["name"]))
                    if binding.kind == "RoleBinding" and namespace != binding.namespace:
                        continue  # a RoleBinding grants only in its own namespace
                    found.add((namespace if isinstance(namespace, str) else None, subject["name"]))
        return frozenset(found)

    def labels_pods_at_runtime(self, template: PodTemplate) -> bool:
        """Whether the pods of ``template`` run as a ServiceAccount that may change pods' labels in their namespace."""
        found = template.obj.pod_spec()
        spec = found[1] if found is not None else {}
        account = spec.get("serviceAccountName") or spec.get("serviceAccount") or "default"
        if not isinstance(account, str):
            return False
        built_in = template.obj.file.namespace_from
        return (template.obj.namespace, account) in self._pod_labellers or (
            built_in is not None and (_BUILT_IN + built_in, account) in self._pod_labellers
        )

    def created_at_runtime(self, namespace: str | None, kind: str, name: str) -> bool:
        resource = _RESOURCES.get(kind)
        if resource is None:
            return False
        return name in self._runtime_created.get((namespace, resource), ()) or name in self._runtime_created.get((None, resource), ())


_BUILT_IN = "\0built in "
"""Marks the kustomization (not a namespace) that puts a binding's ServiceAccount subject in its build's namespace."""


def _grants_pod_label_changes(rule: dict[str, Any]) -> bool:
    """Whether an RBAC rule allows ``patch`` or ``update`` on core ``pods`` (by name or not)."""
    verbs, groups, resources = rule.get("verbs"), rule.get("apiGroups"), rule.get("resources")
    if not (isinstance(verbs, list) and isinstance(groups, list) and isinstance(resources, list)):
        return False
    return (
        any(verb in ("patch", "update", "*") for verb in verbs)
        and any(group in ("", "*") for group in groups)
        and any(resource in ("pods", "*") for resource in resources)
    )


def _parse_external(entries: Sequence[str]) -> set[tuple[str | None, str, str]]:
    """``Kind/name`` (any namespace) or ``namespace/Kind/name``."""
    parsed: set[tuple[str | None, str, str]] = set()
    for entry in entries:
        parts = entry.split("/")
        if len(parts) == 2:
            parsed.add((None, parts[0], parts[1]))
        elif len(parts) == 3:
            parsed.add((parts[0], parts[1], parts[2]))
    return parsed


def _template_labels(spec: Any, limit: int = 1000) -> list[dict[str, Any]]:
    """The ``metadata.labels`` of the pod templates nested in a custom resource's spec (bounded)."""
    found: list[dict[str, Any]] = []
    stack: list[Any] = [spec]
    seen = 0
    while stack and seen < limit:
        item = stack.pop()
        seen += 1
        if isinstance(item, dict):
            labels = dig(item, ("metadata", "labels"))
            if isinstance(labels, dict) and labels:
                found.append(labels)
            stack.extend(value for value in item.values() if isinstance(value, (dict, list)))
        elif isinstance(item, list):
            stack.extend(value for value in item if isinstance(value, (dict, list)))
    return found


def _strings(data: Any, limit: int = 10000, skip: Iterable[Any] = ()) -> set[str]:
    """String values of a document (bounded, and safe on shared or recursive aliases), but for those of ``skip``."""
    found: set[str] = set()
    stack: list[Any] = [data]
    seen: set[int] = {id(item) for item in skip}
    while stack and len(seen) < limit:
        item = stack.pop()
        if isinstance(item, str):
            found.add(item)
        elif isinstance(item, (dict, list)) and id(item) not in seen:
            seen.add(id(item))
            stack.extend(item.values() if isinstance(item, dict) else item)
    return found


_RESOURCES = {
    "Secret": "secrets",
    "ConfigMap": "configmaps",
    "PersistentVolumeClaim": "persistentvolumeclaims",
    "ServiceAccount": "serviceaccounts",
}


MAX_VARIANT_GROUP = 256
MAX_VARIANT_CLASSES = 64


def _alternative_files(definitions: Iterable[list[K8sObject]], units: Units) -> dict[str, frozenset[str]]:
    """Files that are variants of each other: two files of one folder that define the same kind, namespace and
    name with different contents (autoscaler's alicloud examples, ECK's recipes: each a whole deployment, one of
    which is applied; envoy gateway's 34 ``helm template`` outputs of one chart with different test values). An
    object defined the same in both (a Namespace each file repeats) leaves them one set. A chart's render and a
    kustomize build are streams of their own, never variants. The definitions of one name are sorted into classes
    of equal data, each compared with one of every class found before; a name defined more than
    MAX_VARIANT_GROUP times in one folder, or in more than MAX_VARIANT_CLASSES ways, is generated, and is compared
    no further."""
    found: dict[str, set[str]] = {}
    for objects in definitions:
        if len(objects) < 2:
            continue
        by_folder: dict[Folder, list[K8sObject]] = defaultdict(list)
        for obj in objects:
            if not obj.file.display.endswith(")"):  # a render or a build (units.RENDERED, BUILT_SUFFIX)
                by_folder[units.folder(obj)].append(obj)
        for group in by_folder.values():
            if len(group) < 2 or len(group) > MAX_VARIANT_GROUP:
                continue
            classes: list[tuple[Any, set[str]]] = []  # (the data, the files that define it so)
            for obj in group:
                for data, files in classes:
                    if obj.data == data:
                        files.add(obj.file.display)
                        break
                else:
                    if len(classes) == MAX_VARIANT_CLASSES:
                        classes = []
                        break
                    classes.append((obj.data, {obj.file.display}))
            for index, (_, files) in enumerate(classes):
                for _, others in classes[index + 1 :]:
                    for one in files:
                        for other in others:
                            if one != other:
                                found.setdefault(one, set()).add(other)
                                found.setdefault(other, set()).add(one)
    return {file: frozenset(variants) for file, variants in found.items()}


def with_pod_templates(objects: Iterable[K8sObject], pods_only: bool) -> list[K8sObject]:
    """``objects`` (those with a pod spec only, if ``pods_only``), each followed by the views of the pod templates a
    custom resource keeps elsewhere than ``spec.template`` (K8sObject.pod_template_views): what the pod checks read."""
    found: list[K8sObject] = []
    for obj in objects:
        if not pods_only or obj.pod_spec() is not None:
            found.append(obj)
        found.extend(obj.pod_template_views())
    return found
