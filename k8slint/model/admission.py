"""ValidatingAdmissionPolicies and their bindings, applied to the objects of the set as on create.

After kubernetes ``staging/src/k8s.io/apiserver/pkg/admission/plugin/policy``:
``matching.Matcher`` (``matchConstraints`` and a binding's ``matchResources``:
``resourceRules`` with groups, versions, operations, resources, resource names
and scope, ``excludeResourceRules``, ``namespaceSelector``, ``objectSelector``),
``validating.validator.Validate`` (``matchConditions`` first, then
``variables``, then each validation; an evaluation error follows
``failurePolicy``), and the binding's ``paramRef`` (by name, or every object of
the ``paramKind`` its selector selects, in the binding's namespace or the
request's; ``parameterNotFoundAction``).

Offline there is one request per object: a ``CREATE`` of it by an unknown user,
with ``oldObject`` null. Policies that match only other operations do not apply;
expressions that read ``request.userInfo`` or ``authorizer`` cannot be decided
and are not evaluated, nor are those that read ``namespaceObject`` when the
namespace is not in the set.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from k8slint.findings import FieldPath
from k8slint.model.kinds import CLUSTER_SCOPED_KINDS, api_group
from k8slint.model.objects import K8sObject
from k8slint.model.selectors import SelectorError, from_label_selector

POLICY_KIND = "ValidatingAdmissionPolicy"
BINDING_KIND = "ValidatingAdmissionPolicyBinding"
POLICY_GROUP = "admissionregistration.k8s.io"


def is_policy_object(obj: K8sObject, kind: str) -> bool:
    return obj.kind == kind and api_group(str(obj.api_version)) == POLICY_GROUP


@dataclass(frozen=True, slots=True)
class Expression:
    """One CEL expression of a policy, and where it is."""

    path: FieldPath
    source: str


def policy_expressions(policy: K8sObject) -> Iterator[Expression]:
    """Every CEL expression of a policy, in document order."""
    spec = policy.data.get("spec")
    if not isinstance(spec, dict):
        return
    for section, keys in (
        ("matchConditions", ("expression",)),
        ("variables", ("expression",)),
        ("validations", ("expression", "messageExpression")),
        ("auditAnnotations", ("valueExpression",)),
    ):
        entries = spec.get(section)
        for index, entry in enumerate(entries if isinstance(entries, list) else []):
            if not isinstance(entry, dict):
                continue
            for key in keys:
                if isinstance(entry.get(key), str):
                    yield Expression(("spec", section, index, key), entry[key])


_UNDECIDABLE = re.compile(r"\brequest\s*\.\s*userInfo\b|\bauthorizer\b")


def undecidable(source: str) -> str | None:
    """Why an expression cannot be decided offline, if it cannot."""
    if _UNDECIDABLE.search(source):
        return "it reads the requesting user (request.userInfo or authorizer), which is unknown offline"
    return None


def reads_namespace_object(source: str) -> bool:
    return re.search(r"\bnamespaceObject\b", source) is not None


# ---------------------------------------------------------------------------
# matching


def resource_name(kind: str, crd_plurals: Mapping[tuple[str, str], str], group: str) -> str:
    """The plural resource name of a kind: the CRD's ``names.plural``, else the API's English plural."""
    if (group, kind) in crd_plurals:
        return crd_plurals[(group, kind)]
    lower = kind.lower()
    if lower == "endpoints":
        return lower
    if lower.endswith("y") and lower[-2:-1] not in "aeiou":
        return lower[:-1] + "ies"
    if lower.endswith(("s", "x", "z", "ch", "sh")):
        return lower + "es"
    return lower + "s"


def crd_plurals(crds: Iterable[K8sObject]) -> dict[tuple[str, str], str]:
    """``(group, kind)`` -> plural of the CRDs in the set."""
    found: dict[tuple[str, str], str] = {}
    for crd in crds:
        spec = crd.data.get("spec")
        names = spec.get("names") if isinstance(spec, dict) else None
        if not isinstance(spec, dict) or not isinstance(names, dict) or not isinstance(spec.get("group"), str):
            continue
        if isinstance(names.get("kind"), str) and isinstance(names.get("plural"), str):
            found[(spec["group"], names["kind"])] = names["plural"]
    return found


def crd_scopes(crds: Iterable[K8sObject]) -> dict[tuple[str, str], str]:
    found: dict[tuple[str, str], str] = {}
    for crd in crds:
        spec = crd.data.get("spec")
        names = spec.get("names") if isinstance(spec, dict) else None
        if isinstance(spec, dict) and isinstance(names, dict) and isinstance(names.get("kind"), str) and isinstance(spec.get("group"), str):
            found[(spec["group"], names["kind"])] = str(spec.get("scope", "Namespaced"))
    return found


@dataclass(frozen=True, slots=True)
class Request:
    """What the matcher and the expressions know of the request that creates an object."""

    obj: K8sObject
    group: str
    version: str
    resource: str
    namespaced: bool

    @property
    def namespace(self) -> str | None:
        return self.obj.namespace if self.namespaced else None

    def variable(self) -> dict[str, Any]:
        """The ``request`` variable (admission.k8s.io AdmissionRequest, as CEL sees it)."""
        return {
            "kind": {"group": self.group, "version": self.version, "kind": self.obj.kind},
            "resource": {"group": self.group, "version": self.version, "resource": self.resource},
            "requestKind": {"group": self.group, "version": self.version, "kind": self.obj.kind},
            "requestResource": {"group": self.group, "version": self.version, "resource": self.resource},
            "name": self.obj.name or "",
            "namespace": self.namespace or "",
            "operation": "CREATE",
            "dryRun": False,
            "options": {"apiVersion": "meta.k8s.io/v1", "kind": "CreateOptions"},
        }


def request_for(obj: K8sObject, plurals: Mapping[tuple[str, str], str], scopes: Mapping[tuple[str, str], str]) -> Request | None:
    api_version, kind = obj.api_version, obj.kind
    if not isinstance(api_version, str) or not isinstance(kind, str):
        return None
    group, _, version = api_version.rpartition("/")
    namespaced = scopes[(group, kind)] != "Cluster" if (group, kind) in scopes else kind not in CLUSTER_SCOPED_KINDS
    return Request(obj, group, version, resource_name(kind, plurals, group), namespaced)


class Undecided(Exception):
    """The match depends on something not in the set (a namespace's labels)."""


def matches(constraints: Any, request: Request, namespaces: Mapping[str, K8sObject], *, required: bool) -> bool:
    """Whether ``constraints`` (a policy's matchConstraints, a binding's matchResources) match the request.

    A binding without ``matchResources`` (``required`` false) matches all the
    policy matches. Raises :class:`Undecided` when a namespace selector must
    read a namespace the set does not hold.
    """
    if not isinstance(constraints, dict):
        return not required
    rules = constraints.get("resourceRules")
    if not isinstance(rules, list):
        if required:
            return False  # a policy's matchConstraints must name its resources
    elif not any(_rule_matches(rule, request) for rule in rules):
        return False
    excluded = constraints.get("excludeResourceRules")
    if isinstance(excluded, list) and any(_rule_matches(rule, request) for rule in excluded):
        return False
    if not selects(constraints.get("objectSelector"), request.obj.labels):
        return False
    selector = constraints.get("namespaceSelector")
    if _is_empty_selector(selector):
        return True
    if not request.namespaced:
        # cluster-scoped objects match any namespaceSelector; a Namespace is matched by its own labels
        return request.obj.kind != "Namespace" or selects(selector, request.obj.labels)
    namespace = namespaces.get(request.namespace or "")
    if namespace is None:
        raise Undecided(f"its namespaceSelector reads the labels of namespace {request.namespace!r}, which is not in the set")
    return selects(selector, namespace.labels)


def _rule_matches(rule: Any, request: Request) -> bool:
    if not isinstance(rule, dict):
        return False
    if not _listed(rule.get("apiGroups"), request.group) or not _listed(rule.get("apiVersions"), request.version):
        return False
    if not _listed(rule.get("operations"), "CREATE"):
        return False
    resources = rule.get("resources")
    if not isinstance(resources, list) or not any(_resource_matches(item, request.resource) for item in resources):
        return False
    names = rule.get("resourceNames")
    if isinstance(names, list) and names and request.obj.name not in names:
        return False
    scope = rule.get("scope", "*")
    return not ((scope == "Cluster" and request.namespaced) or (scope == "Namespaced" and not request.namespaced))


def _listed(values: Any, value: str) -> bool:
    return isinstance(values, list) and ("*" in values or value in values)


def _resource_matches(pattern: Any, resource: str) -> bool:
    if not isinstance(pattern, str):
        return False
    if pattern == "*/*":  # every resource and subresource
        return True
    main, _, sub = pattern.partition("/")
    if sub:  # a subresource (deployments/scale, */status) is another request than the object's create
        return False
    return main in ("*", resource)


def _is_empty_selector(selector: Any) -> bool:
    return not isinstance(selector, dict) or (not selector.get("matchLabels") and not selector.get("matchExpressions"))


def selects(selector: Any, labels: Mapping[str, Any]) -> bool:
    if _is_empty_selector(selector):
        return True
    try:
        return from_label_selector(selector).matches(labels)
    except SelectorError:
        return False


def validation_severity(actions: Any) -> str | None:
    """The variant of a binding's ``validationActions``: Deny -> None (error), Warn -> ``warn``, Audit -> ``audit``."""
    values = actions if isinstance(actions, list) else []
    if "Deny" in values:
        return None
    if "Warn" in values:
        return "warn"
    if "Audit" in values:
        return "audit"
    return None


_OBJECT_PATH = re.compile(r"\bobject((?:\s*\.\s*[A-Za-z_][A-Za-z0-9_]*)+)")


def field_of(source: str, variables: Mapping[str, str] | None = None) -> FieldPath:
    """The most specific field of ``object`` an expression reads (``object.spec.replicas``), also
    through the policy's ``variables``; else the object's name."""
    for _ in range(3):  # variables may be built of variables
        source = re.sub(
            r"\bvariables\s*\.\s*([A-Za-z_][A-Za-z0-9_]*)", lambda m: f"({(variables or {}).get(m.group(1), 'variables')})", source
        )
    macros = {"all", "exists", "exists_one", "map", "filter", "size", "matches", "startsWith", "endsWith", "contains"}
    best: tuple[str, ...] = ()
    for match in _OBJECT_PATH.finditer(source):
        parts = [part.strip() for part in match.group(1).split(".") if part.strip()]
        while parts and parts[-1] in macros:
            parts.pop()
        if len(parts) > len(best):  # the most specific field it reads
            best = tuple(parts)
    return best or ("metadata", "name")
