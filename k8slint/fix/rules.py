"""The fixes, each registered under the code of the rule whose findings it fixes.

Each returns :class:`~k8slint.fix.Change` (edits on the text) for what has one
right answer, and :class:`~k8slint.fix.Declined` where it has not.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from typing import Any

import yaml

from k8slint.fix import Change, Declined, FixContext
from k8slint.fix.document import Edit, NotEditable, YamlDocument, scalar_text
from k8slint.model.lifecycle import lifecycle
from k8slint.model.numbers import is_ascii_digits
from k8slint.model.objects import K8sObject
from k8slint.model.selectors import from_map
from k8slint.model.values import mapping, sequence
from k8slint.model.workloads import declared_ports
from k8slint.registry import chart_fix, object_fix

Outcome = Change | Declined

# --- removed and deprecated apiVersions (KM001 deprecated-api, KM002 removed-api) ---

_WORKLOADS = {
    ("extensions/v1beta1", "Deployment"),
    ("extensions/v1beta1", "DaemonSet"),
    ("extensions/v1beta1", "ReplicaSet"),
    ("apps/v1beta1", "Deployment"),
    ("apps/v1beta1", "StatefulSet"),
    ("apps/v1beta1", "ReplicaSet"),
    ("apps/v1beta2", "Deployment"),
    ("apps/v1beta2", "DaemonSet"),
    ("apps/v1beta2", "StatefulSet"),
    ("apps/v1beta2", "ReplicaSet"),
}
"""Workloads that move to apps/v1 (the upstream deprecation guide, "v1.16")."""

_SAME_SHAPE = {
    ("batch/v1beta1", "CronJob"): "batch/v1",
    ("autoscaling/v2beta2", "HorizontalPodAutoscaler"): "autoscaling/v2",
    ("extensions/v1beta1", "NetworkPolicy"): "networking.k8s.io/v1",
    ("networking.k8s.io/v1beta1", "IngressClass"): "networking.k8s.io/v1",
    ("scheduling.k8s.io/v1beta1", "PriorityClass"): "scheduling.k8s.io/v1",
    ("coordination.k8s.io/v1beta1", "Lease"): "coordination.k8s.io/v1",
    ("node.k8s.io/v1beta1", "RuntimeClass"): "node.k8s.io/v1",
    ("apiregistration.k8s.io/v1beta1", "APIService"): "apiregistration.k8s.io/v1",
    **{
        ("rbac.authorization.k8s.io/v1beta1", kind): "rbac.authorization.k8s.io/v1"
        for kind in ("Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding")
    },
    **{
        ("storage.k8s.io/v1beta1", kind): "storage.k8s.io/v1"
        for kind in ("StorageClass", "CSIDriver", "CSINode", "VolumeAttachment", "CSIStorageCapacity")
    },
}
"""apiVersions whose replacement reads the same fields the same way: the deprecation guide says "no
notable changes" for each (autoscaling/v2beta2 and v2 share their HorizontalPodAutoscalerSpec)."""

_OLD_DEFAULTS: dict[tuple[str, str], dict[str, Any]] = {
    # pkg/apis/extensions/v1beta1/defaults.go SetDefaults_Deployment: no progress deadline, every
    # old ReplicaSet kept, a rolling update of one pod at a time
    ("extensions/v1beta1", "Deployment"): {
        "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 1}},
        "revisionHistoryLimit": 2147483647,
        "progressDeadlineSeconds": 2147483647,
    },
    ("extensions/v1beta1", "DaemonSet"): {"updateStrategy": {"type": "OnDelete"}},
    # pkg/apis/apps/v1beta1/defaults.go: two old ReplicaSets kept; StatefulSets updated on delete
    ("apps/v1beta1", "Deployment"): {"revisionHistoryLimit": 2},
    ("apps/v1beta1", "StatefulSet"): {"updateStrategy": {"type": "OnDelete"}},
}
"""What the old version defaulted differently from apps/v1, written out when the manifest leaves it
unset, so that the object behaves as it did (the API server stored these values for it)."""

_REMOVED_IN_APPS_V1 = ("rollbackTo", "templateGeneration")
_INGRESS_BETAS = {("extensions/v1beta1", "Ingress"), ("networking.k8s.io/v1beta1", "Ingress")}


def _api_version_fix(obj: K8sObject, document: YamlDocument, ctx: FixContext) -> Iterator[Outcome]:
    api_version, kind = obj.api_version or "", obj.kind or ""
    entry = lifecycle(api_version, kind)
    target = "apps/v1" if (api_version, kind) in _WORKLOADS else _SAME_SHAPE.get((api_version, kind))
    if target is None and (api_version, kind) == ("policy/v1beta1", "PodDisruptionBudget"):
        target = "policy/v1"
    if (api_version, kind) in _INGRESS_BETAS:
        target = "networking.k8s.io/v1"
    if (api_version, kind) == ("autoscaling/v2beta1", "HorizontalPodAutoscaler"):
        target = "autoscaling/v2"
    if entry is None or target is None:
        yield Declined(f"no mechanical conversion of {api_version} {kind} is known", ("apiVersion",))
        return
    if entry.replacement_at(ctx.kubernetes_version) != target:
        yield Declined(f"{target} is not the replacement served at Kubernetes {ctx.kubernetes_version}", ("apiVersion",))
        return
    node = document.value(("apiVersion",))
    if node is None:
        return
    spec = mapping(obj.data.get("spec"))
    edits = [document.replace_value(node, target)]
    notes: list[str] = []
    if target == "policy/v1":
        selector = mapping(spec.get("selector"))
        if not selector.get("matchLabels") and not selector.get("matchExpressions"):
            yield Declined(
                "an empty or missing selector selects no pod in policy/v1beta1 and every pod of the namespace in "
                "policy/v1: write the selector you mean",
                ("apiVersion",),
            )
            return
    if target == "networking.k8s.io/v1" and kind == "Ingress":
        try:
            edits += _ingress_edits(obj, document)
        except NotEditable as exc:
            yield Declined(f"the backends cannot be rewritten on the text: {exc}", ("apiVersion",))
            return
        notes.append("backends as service.name and service.port, pathType: ImplementationSpecific where unset")
    if target == "autoscaling/v2" and api_version == "autoscaling/v2beta1":
        try:
            hpa = _hpa_edits(obj, document)
        except NotEditable as exc:
            yield Declined(f"the metrics cannot be rewritten on the text: {exc}", ("apiVersion",))
            return
        edits += hpa
        if hpa:
            notes.append("metric targets as target.type and its value")
    if target == "apps/v1":
        removed = [name for name in _REMOVED_IN_APPS_V1 if name in spec]
        if removed:
            yield Declined(f"spec.{removed[0]} has no apps/v1 counterpart", ("apiVersion",))
            return
        insert: list[str] = []
        if "selector" not in spec:
            labels = mapping(mapping(mapping(spec.get("template")).get("metadata")).get("labels"))
            if not labels or not all(isinstance(v, str) for v in labels.values()):
                yield Declined("no spec.selector and no template labels to make it of", ("apiVersion",))
                return
            insert += ["selector:", "  matchLabels:", *(f"    {scalar_text(k)}: {scalar_text(v)}" for k, v in labels.items())]
            notes.append("spec.selector from the template labels")
        defaulted = []
        for field, value in _OLD_DEFAULTS.get((api_version, kind), {}).items():
            if field not in spec:
                insert += _block(field, value)
                defaulted.append(f"spec.{field}")
            elif isinstance(value, dict) and not _covers(spec[field], value):
                yield Declined(
                    f"spec.{field} is partly set, and {api_version} defaults the rest differently from apps/v1: set it in full",
                    ("apiVersion",),
                )
                return
        if defaulted:
            notes.append(f"{', '.join(defaulted)} as {api_version} defaulted {'them' if len(defaulted) > 1 else 'it'}")
        if insert:
            edits.append(document.insert_first(("spec",), insert))
    title = f"apiVersion {api_version} -> {target}" + (f" (with {'; '.join(notes)})" if notes else "")
    yield Change(title, tuple(edits), ("apiVersion",))


def _ingress_edits(obj: K8sObject, document: YamlDocument) -> list[Edit]:
    """The v1beta1 Ingress fields networking.k8s.io/v1 names or shapes otherwise: ``spec.backend`` is
    ``spec.defaultBackend``; ``serviceName``/``servicePort`` are ``service: {name, port: {number|name}}``;
    a path without ``pathType`` gets ``ImplementationSpecific``, which v1beta1 defaulted it to
    (kubernetes pkg/apis/networking/v1beta1/defaults.go; the deprecation guide, "v1.22")."""
    spec = mapping(obj.data.get("spec"))
    edits: list[Edit] = []
    if "backend" in spec:
        found = document.entry(("spec", "backend"))
        if found is None or found[0] is None:
            raise NotEditable("spec.backend")
        edits.append(document.replace_value(found[0], "defaultBackend"))
        edits += _backend(document, ("spec", "backend"), spec["backend"])
    for r, rule in enumerate(sequence(spec.get("rules"))):
        for p, entry in enumerate(sequence(mapping(mapping(rule).get("http")).get("paths"))):
            entry = mapping(entry)
            base = ("spec", "rules", r, "http", "paths", p)
            if "backend" in entry:
                edits += _backend(document, (*base, "backend"), entry["backend"])
            if "pathType" not in entry:
                found = document.entry((*base, "backend")) if "backend" in entry else None
                if found is None or found[0] is None:
                    raise NotEditable("a path without a backend")
                key = found[0]
                at = document.line_start(document.start(key))
                document.yaml_only("a pathType line")
                if document.text[at : document.start(key)].strip():
                    raise NotEditable("a path whose backend does not start its line")
                edits.append(Edit(at, at, " " * document.column(key) + "pathType: ImplementationSpecific" + document.newline))
    return edits


def _backend(document: YamlDocument, path: tuple[Any, ...], backend: Any) -> list[Edit]:
    backend = mapping(backend)
    if "serviceName" not in backend:
        return []  # a resource backend reads the same in v1
    name, port = backend.get("serviceName"), backend.get("servicePort")
    if not isinstance(name, str) or set(backend) - {"serviceName", "servicePort"}:
        raise NotEditable("a backend with other fields than serviceName and servicePort")
    port_field: tuple[str, int | str]
    if isinstance(port, int) and not isinstance(port, bool):
        port_field = ("number", port)
    elif isinstance(port, str) and port and not is_ascii_digits(port):
        port_field = ("name", port)
    else:
        raise NotEditable(f"servicePort {port!r} is neither a number nor a port name")
    found = document.entry(path)
    if found is None or found[0] is None:
        raise NotEditable("the backend")
    key, node = found[0], found[1]
    if not isinstance(node, yaml.MappingNode):
        raise NotEditable("the backend is not a mapping")
    if node.flow_style:
        document.yaml_only("a flow mapping in YAML's syntax")
        text = f"{{service: {{name: {scalar_text(name)}, port: {{{port_field[0]}: {scalar_text(port_field[1])}}}}}}}"
        return [Edit(document.start(node), document.end(node), text)]
    entries = {k.value: (k, v) for k, v in node.value}
    for entry_key, entry_value in entries.values():
        document.own_line(entry_key, entry_value)
    step = " " * document.child_step(key, node)
    indent = " " * document.column(entries["serviceName"][0])
    nl = document.newline
    inner = {
        "serviceName": f"name: {scalar_text(name)}",
        "servicePort": f"port:{nl}{indent}{step}{step}{port_field[0]}: {scalar_text(port_field[1])}",
    }
    # each entry becomes its line of `service:`, in place, so that a comment after it stays after it
    (first, (first_key, first_value)), (second, (second_key, second_value)) = sorted(
        entries.items(), key=lambda item: document.start(item[1][0])
    )
    return [
        Edit(document.start(first_key), document.end(first_value), f"service:{nl}{indent}{step}{inner[first]}"),
        Edit(document.line_start(document.start(second_key)), document.end(second_value), f"{indent}{step}{inner[second]}"),
    ]


_METRIC_SOURCES = {"Resource": "resource", "Pods": "pods", "External": "external"}
_TARGETS = {
    "targetAverageUtilization": ("Utilization", "averageUtilization"),
    "targetAverageValue": ("AverageValue", "averageValue"),
    "targetValue": ("Value", "value"),
}
"""autoscaling/v2beta1 metric targets and what autoscaling/v2 calls them (target.type, the value's field);
kubernetes pkg/apis/autoscaling/v2beta1/conversion.go."""
_ALLOWED_TARGETS = {
    "resource": ("targetAverageUtilization", "targetAverageValue"),
    "pods": ("targetAverageValue",),
    "external": ("targetValue", "targetAverageValue"),
}
"""The targets each metric source has in autoscaling/v2beta1."""


def _hpa_edits(obj: K8sObject, document: YamlDocument) -> list[Edit]:
    """autoscaling/v2beta1 metrics as autoscaling/v2 writes them: ``targetAverageUtilization: 80`` is
    ``target: {type: Utilization, averageUtilization: 80}``; ``metricName`` (Pods, External) is
    ``metric.name``. Object metrics and metric selectors are not rewritten (they move elsewhere)."""
    edits: list[Edit] = []
    for index, metric in enumerate(sequence(mapping(obj.data.get("spec")).get("metrics"))):
        metric = mapping(metric)
        source = _METRIC_SOURCES.get(str(metric.get("type")))
        if source is None:
            raise NotEditable(f"a metric of type {metric.get('type')!r}")
        fields = mapping(metric.get(source))
        if "selector" in fields or "metricSelector" in fields:
            raise NotEditable("a metric selector")
        targets = [name for name in _TARGETS if name in fields]
        if targets and targets[0] not in _ALLOWED_TARGETS[source]:
            raise NotEditable(f"a {source} metric with {targets[0]}")
        if len(targets) != 1 or (source == "resource") != ("name" in fields) or (source != "resource") != ("metricName" in fields):
            raise NotEditable(f"metric {index} has no single target")
        base = ("spec", "metrics", index, source)
        parent = document.entry(base)
        if parent is None or parent[0] is None or not isinstance(parent[1], yaml.MappingNode) or parent[1].flow_style:
            raise NotEditable(f"metric {index} is not a block mapping")
        step = " " * document.child_step(parent[0], parent[1])
        kind, value_field = _TARGETS[targets[0]]
        edits.append(_rewrite_entry(document, (*base, targets[0]), ["target:", f"{step}type: {kind}", f"{step}{value_field}: {{value}}"]))
        if source != "resource":
            edits.append(_rewrite_entry(document, (*base, "metricName"), ["metric:", f"{step}name: {{value}}"]))
    return edits


def _rewrite_entry(document: YamlDocument, path: tuple[Any, ...], lines: list[str]) -> Edit:
    """The ``key: value`` entry at ``path`` (alone on its line) as ``lines``, indented as it was;
    ``{value}`` in them is its value as written. A comment after the entry ends up after the last line."""
    found = document.entry(path)
    if found is None or found[0] is None:
        raise NotEditable(f"no {path[-1]}")
    key, value = found[0], found[1]
    document.own_line(key, value)
    written = document.text[document.start(value) : document.end(value)]
    indent = " " * document.column(key)
    text = (document.newline + indent).join(line.replace("{value}", written) for line in lines)
    return Edit(document.start(key), document.end(value), text)


def _covers(given: Any, default: dict[str, Any]) -> bool:
    """Whether a field set in the manifest leaves nothing to the old defaults (a strategy of another type does not need them)."""
    given = mapping(given)
    if "type" in default and given.get("type") is not None and given.get("type") != default["type"]:
        return True
    if given.get("type") is None:
        return False
    return all(key in given and (not isinstance(value, dict) or _covers_all(given[key], value)) for key, value in default.items())


def _covers_all(given: Any, default: dict[str, Any]) -> bool:
    given = mapping(given)
    return all(key in given for key in default)


def _block(field: str, value: Any, depth: int = 0) -> list[str]:
    pad = "  " * depth
    if isinstance(value, dict):
        lines = [f"{pad}{field}:"]
        for key, inner in value.items():
            lines += _block(key, inner, depth + 1)
        return lines
    return [f"{pad}{field}: {scalar_text(value)}"]


object_fix("KM001")(_api_version_fix)
object_fix("KM002")(_api_version_fix)


# --- duplicate env entries (KR026 duplicate-env) ---

_REFERENCE = re.compile(r"\$\(([^)]*)\)")


@object_fix("KR026")
def duplicate_env(obj: K8sObject, document: YamlDocument, ctx: FixContext) -> Iterator[Outcome]:
    """Remove the earlier entries of a repeated name: the API keeps the last one. Not when an entry
    from the first on refers to the variable with $(NAME): it reads the value set before it."""
    for container in obj.containers():
        env = sequence(container.data.get("env"))
        seen: dict[str, list[int]] = {}
        for index, entry in enumerate(env):
            name = mapping(entry).get("name")
            if isinstance(name, str):
                seen.setdefault(name, []).append(index)
        for name, indexes in seen.items():
            if len(indexes) < 2:
                continue
            later = indexes[1:]
            between = env[indexes[0] + 1 : indexes[-1] + 1]
            paths = [(*container.path, "env", index, "name") for index in later]
            if any(name in _REFERENCE.findall(str(mapping(e).get("value", ""))) for e in between):
                for path in paths:
                    yield Declined(f"an entry refers to $({name}) between the two: it reads the earlier value", path)
                continue
            edits = tuple(document.remove_item((*container.path, "env", index)) for index in indexes[:-1])
            for path in paths:
                yield Change(f"removed the earlier {name} of container {container.name!r}; the last one wins", edits, path)


# --- port names with a typo (KN026 target-port-unknown, KR015 probe-port-unknown) ---


def distance(a: str, b: str) -> int:
    """Optimal string alignment distance: insertions, deletions, substitutions and swaps of neighbours."""
    rows = [list(range(len(b) + 1))]
    for i in range(1, len(a) + 1):
        row = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            row[j] = min(rows[i - 1][j] + 1, row[j - 1] + 1, rows[i - 1][j - 1] + (a[i - 1] != b[j - 1]))
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], rows[i - 2][j - 2] + 1)
        rows.append(row)
    return rows[-1][-1]


def meant(name: str, declared: set[str]) -> str | None:
    """The one declared name ``name`` is a typo of: within 1 edit (2 for names of 6 characters or more),
    and no other declared name as close or closer."""
    limit = 2 if len(name) >= 6 else 1
    close = [d for d in declared if distance(name, d) <= limit]
    return close[0] if len(close) == 1 else None


@object_fix("KN026")
def target_port_typo(obj: K8sObject, document: YamlDocument, ctx: FixContext) -> Iterator[Outcome]:
    spec = mapping(obj.data.get("spec"))
    selector = spec.get("selector")
    if not isinstance(selector, dict) or not selector:
        return
    templates = ctx.index.templates_matching(obj, from_map(selector))
    for index, port in enumerate(sequence(spec.get("ports"))):
        port = mapping(port)
        if "targetPort" not in port:
            continue
        target = port["targetPort"]
        path = ("spec", "ports", index, "targetPort")
        if not isinstance(target, str) or is_ascii_digits(target):
            continue
        protocol = port.get("protocol", "TCP")
        declared = {
            p.name
            for t in templates
            for c in t.obj.containers()
            if c.group == "containers"
            for p in declared_ports(c.data)
            if p.name and p.protocol == protocol
        }
        yield from _rename(document, path, target, declared, "targetPort")


@object_fix("KR015")
def probe_port_typo(obj: K8sObject, document: YamlDocument, ctx: FixContext) -> Iterator[Outcome]:
    from k8slint.model.workloads import PROBES, probe_handler

    for container in obj.containers():
        for probe_name in PROBES:
            probe = container.data.get(probe_name)
            found = probe_handler(probe) if isinstance(probe, dict) else None
            if found is None or found[0] == "exec":
                continue
            handler, settings = found
            port = settings.get("port")
            if not isinstance(port, str) or is_ascii_digits(port):
                continue
            declared = {p.name for p in declared_ports(container.data) if p.name and p.protocol == "TCP"}
            yield from _rename(document, (*container.path, probe_name, handler, "port"), port, declared, f"{probe_name} port")


def _rename(document: YamlDocument, path: tuple[Any, ...], name: str, declared: set[str], what: str) -> Iterator[Outcome]:
    if name in declared:
        return
    target = meant(name, declared)
    if target is None:
        yield Declined(f"{name!r} is not a typo of exactly one declared port name ({', '.join(sorted(declared)) or 'none'})", path)
        return
    node = document.value(path)
    if node is None:
        return
    yield Change(f"{what} {name!r} -> {target!r}, the declared port name it misspells", (document.replace_value(node, target),), path)


# --- a chart version Helm cannot read, or reads loosely (CH001 chart-version-not-semver) ---

_SHORT_VERSION = re.compile(r"v?(0|[1-9][0-9]*)(?:\.(0|[1-9][0-9]*))?(?:\.(0|[1-9][0-9]*))?")


@chart_fix("CH001")
def chart_version(chart: Any, document: YamlDocument, ctx: FixContext) -> Iterator[Outcome]:
    """``1.2`` (a YAML number), ``"1.2"``, ``1`` and ``v1.2.3`` as the SemVer Helm reads them as: ``"1.2.0"``,
    ``"1.0.0"``, ``"1.2.3"`` (Masterminds semver fills the missing parts with 0)."""
    node = document.value(("version",))
    if not isinstance(node, yaml.ScalarNode):
        return
    match = _SHORT_VERSION.fullmatch(node.value)
    if match is None:
        yield Declined("not a short or v-prefixed version with one SemVer reading", None)
        return
    version = ".".join(part or "0" for part in match.groups())
    if node.value == version:
        return
    try:
        edit: Edit = document.replace_scalar(node, f'"{version}"')
    except NotEditable as exc:
        yield Declined(str(exc), None)
        return
    yield Change(f'chart version {node.value} -> "{version}"', (edit,), None)


# --- a known field's name with a typo (KL017 misspelt-field) ---


@object_fix("KL017")
def misspelt_field(obj: K8sObject, document: YamlDocument, ctx: FixContext) -> Iterator[Outcome]:
    """Rename the key to the field it misspells, unless the mapping sets that field too (which value is meant is the
    user's to say)."""
    from k8slint.checks.schema import misspelling_of
    from k8slint.model.values import dig

    for error in _strict_store(ctx.kubernetes_version, ctx.index).errors(obj) or ():
        field, known = (error.path[-1] if error.path else None), error.suggestion
        if not error.unknown_field or not isinstance(field, str) or known is None or not misspelling_of(field, known):
            continue
        parent = dig(obj.data, tuple(error.path[:-1])) if len(error.path) > 1 else obj.data
        if isinstance(parent, dict) and known in parent:
            yield Declined(f"{known} is set beside {field}: which value is meant is yours to say", error.path)
            continue
        found = document.entry(error.path)
        if found is None or found[0] is None:
            continue
        yield Change(f"{field} -> {known}, the field it misspells", (document.replace_value(found[0], known),), error.path)


@functools.lru_cache(maxsize=2)
def _strict_store(version: str, index: Any) -> Any:
    """A strict schema store for the run's objects (the fix reads the unknown fields as misspelt-field found them)."""
    from k8slint.model.schemas import SchemaStore

    return SchemaStore(version, strict=True, objects=index.objects)
