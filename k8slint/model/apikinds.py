"""The API server's validation of built-in kinds beyond their pod templates.

k8slint/model/apivalidation.py mirrors the pod spec, Service, claim and restart-policy checks;
this module mirrors the kind-level ones: Ingress and IngressClass (networking
``ValidateIngressSpec``, ``validateIngressClassSpec``), NetworkPolicy (``ValidateNetworkPolicySpec``),
PodDisruptionBudget (policy ``ValidatePodDisruptionBudgetSpec``), HorizontalPodAutoscaler
(autoscaling ``validateHorizontalPodAutoscalerSpec``), Job and CronJob (batch ``validateJobSpec``,
``ValidateCronJobSpec``), Deployment, StatefulSet and DaemonSet (apps), PriorityClass
(scheduling ``ValidatePriorityClass``), RBAC (rbac ``ValidatePolicyRule``, ``ValidateRoleBinding``),
ConfigMaps and Secrets (core ``ValidateConfigMap``, ``ValidateSecret``). Each function names the
upstream function it mirrors; docs/api-validation.md lists them with what is left out. A value that
is an unrendered placeholder is skipped.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import json
import re
from collections.abc import Iterator
from functools import cache
from typing import Any

from k8slint.findings import FieldPath
from k8slint.model.apivalidation import Refusal, enum_refusal, is_placeholder, not_supported, prefixed
from k8slint.model.cron import schedule_problem
from k8slint.model.encoded import illegal_base64
from k8slint.model.names import dns1123_label, dns1123_subdomain, path_segment
from k8slint.model.objects import K8sObject
from k8slint.model.placeholders import name_placeholder, secret_data_placeholder
from k8slint.model.quantity import QuantityError, parse_quantity
from k8slint.model.values import ANY, dig, mapping, sequence, values_at
from k8slint.model.workloads import CONTAINER_LISTS, version_at_least

PATH_TYPES = ("Exact", "ImplementationSpecific", "Prefix")  # supportedPathTypes
PARAMETER_SCOPES = ("Cluster", "Namespace")  # supportedIngressClassParametersReferenceScopes
POLICY_TYPES = ("Egress", "Ingress")  # ValidateNetworkPolicySpec
EVICTION_POLICIES = ("AlwaysAllow", "IfHealthyBudget")  # supportedUnhealthyPodEvictionPolicies
METRIC_SOURCES = ("ContainerResource", "External", "Object", "Pods", "Resource")  # validMetricSourceTypes
METRIC_TARGETS = ("AverageValue", "Utilization", "Value")  # validateMetricTarget
SELECT_POLICIES = ("Disabled", "Max", "Min")  # validSelectPolicyTypes
SCALING_POLICIES = ("Percent", "Pods")  # validPolicyTypes
CONCURRENCY_POLICIES = ("Allow", "Forbid", "Replace")  # validateConcurrencyPolicy
COMPLETION_MODES = ("Indexed", "NonIndexed")  # supportedJobCompletionModes
FAILURE_ACTIONS = ("Count", "FailIndex", "FailJob", "Ignore")  # supportedPodFailurePolicyActions
EXIT_CODE_OPERATORS = ("In", "NotIn")  # supportedPodFailurePolicyOnExitCodesOperator
CONDITION_STATUSES = ("False", "True", "Unknown")  # supportedPodFailurePolicyOnPodConditionsStatus
DEPLOYMENT_STRATEGIES = ("Recreate", "RollingUpdate")  # ValidateDeploymentStrategy
STATEFUL_SET_STRATEGIES = ("OnDelete", "RollingUpdate")  # ValidateStatefulSetSpec
DAEMON_SET_STRATEGIES = STATEFUL_SET_STRATEGIES  # ValidateDaemonSetUpdateStrategy
POD_MANAGEMENT_POLICIES = ("OrderedReady", "Parallel")  # ValidateStatefulSetSpec
RETENTION_POLICIES = ("Delete", "Retain")  # ValidatePersistentVolumeClaimRetentionPolicyType
PREEMPTION_POLICIES = ("Never", "PreemptLowerPriority")  # validatePreemptionPolicy
ROLE_REF_KINDS = ("ClusterRole", "Role")  # ValidateRoleBinding
SUBJECT_KINDS = ("Group", "ServiceAccount", "User")  # ValidateRoleBindingSubject
RBAC_GROUP = "rbac.authorization.k8s.io"

HIGHEST_USER_PRIORITY = 1_000_000_000  # scheduling.HighestUserDefinablePriority
SYSTEM_PRIORITY_CLASSES = {"system-node-critical": 2_000_001_000, "system-cluster-critical": 2_000_000_000}
MAX_STABILIZATION_WINDOW = 3600  # autoscaling MaxStabilizationWindowSeconds
MAX_PERIOD = 1800  # autoscaling MaxPeriodSeconds
MAX_EXIT_CODE_VALUES = 255  # maxPodFailurePolicyOnExitCodesValues
MAX_INDEXED_PARALLELISM = 100_000  # maxParallelismForIndexedJob
MAX_CRON_JOB_NAME = 52  # ValidateCronJobCreate: DNS1035LabelMaxLength - 11
MAX_LABEL_VALUE = 63  # validation.LabelValueMaxLength
MAX_INGRESS_CLASS_CONTROLLER = 250  # maxLenIngressClassController
DEFAULT_PROGRESS_DEADLINE = 600  # apps/v1 SetDefaults_Deployment
# Feature gates that turn a field on by default from a release; before it the API server drops the field
# (dropDisabledFields), so nothing about it is validated.
USER_NAMESPACES_BY_DEFAULT = (1, 33)  # UserNamespacesSupport
POD_FAILURE_POLICY_BY_DEFAULT = (1, 26)  # JobPodFailurePolicy
BACKOFF_PER_INDEX_BY_DEFAULT = (1, 29)  # JobBackoffLimitPerIndex
BY_DEFAULT_FROM_1_27 = (1, 27)  # PDBUnhealthyPodEvictionPolicy, StatefulSetAutoDeletePVC, StatefulSetStartOrdinal, HPAContainerMetrics
CRON_TZ_REFUSED_SINCE = (1, 27)  # validateScheduleFormat refuses TZ= in a new CronJob's schedule

_PERCENT = re.compile(r"[0-9]+%")  # validation.IsValidPercent
_IANA_SERVICE_NAME = re.compile(r"[-a-z0-9]+")
_HTTP_PATH = re.compile(r"[A-Za-z0-9/\-._~%!$&'()*+,;=:]+")  # validation.IsDomainPrefixedPath
_TIME_ZONE_PART = re.compile(r"[A-Za-z.\-_0-9+]{1,14}")  # batch validTimeZoneCharacters

_NONNEGATIVE = "must be greater than or equal to 0"


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _text(value: Any) -> str | None:
    """A string that is not a placeholder."""
    return value if isinstance(value, str) and not is_placeholder(value) else None


def _at_least(data: Any, path: FieldPath, low: int, words: str = _NONNEGATIVE) -> Iterator[Refusal]:
    """ValidateNonnegativeField (``low`` 0) and the other lower bounds of integer fields."""
    value = _int(dig(data, path))
    if value is not None and value < low:
        yield Refusal(path, f"Invalid value: {value}: {words}")


def _int_or_percent(data: Any, path: FieldPath, *, at_most_all: bool = True) -> Iterator[Refusal]:
    """apps ValidatePositiveIntOrPercent, and IsNotMoreThan100Percent when ``at_most_all`` (policy uses both for PDBs)."""
    value = dig(data, path)
    if isinstance(value, str):
        if is_placeholder(value):
            return
        if not _PERCENT.fullmatch(value):
            hint = " (a number of pods is written without quotes)" if value.isdigit() else ""
            yield Refusal(
                path,
                f"Invalid value: {json.dumps(value)}: a valid percent string must be a numeric string followed by an "
                f"ending '%' (e.g. '1%',  or '93%'){hint}",
            )
        elif at_most_all and int(value[:-1]) > 100:
            yield Refusal(path, f"Invalid value: {json.dumps(value)}: must not be greater than 100%")
    else:
        yield from _at_least(data, path, 0)


def iana_service_name_problem(name: str) -> str | None:
    """validation.IsValidPortName: at most 15 characters, lower-case letters, digits and '-', one letter, no '--'."""
    if len(name) > 15:
        return "must be no more than 15 characters"
    if not _IANA_SERVICE_NAME.fullmatch(name):
        return "must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)"
    if not any(c.isalpha() for c in name):
        return "must contain at least one letter (a-z)"
    if "--" in name:
        return "must not contain consecutive hyphens"
    if name.startswith("-") or name.endswith("-"):
        return "must not begin or end with a hyphen"
    return None


def _port_number(data: Any, path: FieldPath) -> Iterator[Refusal]:
    """validation.IsValidPortNum."""
    value = _int(dig(data, path))
    if value is not None and not 1 <= value <= 65535:
        yield Refusal(path, f"Invalid value: {value}: must be between 1 and 65535, inclusive")


def _port_name(data: Any, path: FieldPath) -> Iterator[Refusal]:
    value = _text(dig(data, path))
    if value is not None and value:
        problem = iana_service_name_problem(value)
        if problem:
            hint = " (a port number is written without quotes)" if value.isdigit() else ""
            yield Refusal(path, f"Invalid value: {json.dumps(value)}: {problem}{hint}")


def _name_refusal(data: Any, path: FieldPath, check: Any, what: str) -> Iterator[Refusal]:
    """The refusal of the name at ``path``; a placeholder name is one too, marked as such."""
    value = dig(data, path)
    if not isinstance(value, str) or not value:
        return
    token = name_placeholder(value, caps=check is not path_segment)
    if token is not None:
        yield Refusal(path, what, placeholder=token)
        return
    problem = check(value)
    if problem:
        yield Refusal(path, f"Invalid value: {json.dumps(value)}: {what} {problem}")


def _required(block: Any, parent: FieldPath, key: str, words: str = "", *, in_schema: bool = True) -> Iterator[Refusal]:
    """field.Required for ``key`` of ``block`` (a mapping at ``parent``): at the key when it is there, empty.

    Where the OpenAPI schema lists the field as required (``in_schema``), a missing key is schema-violation's
    (KL010) and only an empty value is reported here; a null value is the schema's in either case.
    """
    if not isinstance(block, dict):
        return
    detail = f"{key}: Required value" + (f": {words}" if words else "")
    if key not in block:
        if not in_schema:
            yield Refusal(parent, detail)
    elif block[key] == "" or block[key] == []:
        yield Refusal((*parent, key), detail)


# -- Ingress, IngressClass -------------------------------------------------------------------------


def _ingress_backend_refusals(backend: Any, path: FieldPath) -> Iterator[Refusal]:
    """networking validateIngressBackend: a service or a resource, and a service port by name or number."""
    if not isinstance(backend, dict):
        return
    service, resource = backend.get("service"), backend.get("resource")
    if service is not None and resource is not None:
        yield Refusal((*path, "resource"), "Invalid value: cannot set both resource and service backends")
        return
    if resource is not None:
        yield from _typed_reference_refusals(resource, (*path, "resource"), scoped=False)
        return
    if service is None:
        if not {"serviceName", "service", "resource"} & set(backend):  # the v1beta1 form and nulls are schema-violation's
            yield Refusal(path, "Invalid value: resource or service backend is required")
        return
    if not isinstance(service, dict):
        return
    service_path = (*path, "service")
    yield from _required(service, service_path, "name")
    # ValidateServiceName (a DNS-1035 label), relaxed to a DNS-1123 label by RelaxedServiceNameValidation:
    # only a name that neither accepts is reported.
    for refusal in _name_refusal(service, ("name",), dns1123_label, "a Service name (a DNS label)"):
        yield refusal.under(service_path)
    port = service.get("port")
    port_path = (*service_path, "port")
    if not isinstance(port, dict):
        if port is None:
            yield Refusal(service_path, "Required value: port name or number is required")
        return
    name, number = port.get("name"), port.get("number")
    if name and number:
        yield Refusal((*port_path, "number"), "Invalid value: cannot set both port name & port number")
    elif name:
        yield from prefixed(_port_name(port, ("name",)), port_path)
    elif number:
        yield from prefixed(_port_number(port, ("number",)), port_path)
    else:
        yield Refusal(port_path, "Required value: port name or number is required")


def _typed_reference_refusals(ref: Any, path: FieldPath, *, scoped: bool) -> Iterator[Refusal]:
    """validateIngressTypedLocalObjectReference and validateIngressClassParametersReference."""
    if not isinstance(ref, dict):
        return
    for refusal in _name_refusal(ref, ("apiGroup",), dns1123_subdomain, "an API group"):
        yield refusal.under(path)
    for key in ("kind", "name"):
        yield from _required(ref, path, key)
        for refusal in _name_refusal(ref, (key,), path_segment, "a path segment name"):
            yield refusal.under(path)
    if not scoped:
        return
    scope = ref.get("scope")  # defaulted to Cluster (SetDefaults_IngressClass)
    yield from prefixed(enum_refusal(ref, ("scope",), PARAMETER_SCOPES), path)
    if scope == "Namespace" and not ref.get("namespace"):
        yield Refusal((*path, "scope"), "namespace: Required value: `parameters.scope` is set to 'Namespace'")
    if scope == "Namespace":
        for refusal in _name_refusal(ref, ("namespace",), dns1123_label, "a namespace name"):
            yield refusal.under(path)
    if scope in (None, "Cluster") and ref.get("namespace") is not None:
        yield Refusal((*path, "namespace"), "Forbidden: `parameters.scope` is set to 'Cluster'")


def ingress_refusals(data: dict[str, Any]) -> Iterator[Refusal]:
    """networking ValidateIngressCreate, ValidateIngressSpec, validateIngressRules, validateHTTPIngressPath, validateIngressTLS.

    Hosts are invalid-hostname's (KN045) and paths for their pathType ingress-path's (KN042).
    """
    spec = data.get("spec")
    if not isinstance(spec, dict):
        return
    rules = spec.get("rules")
    if not sequence(rules) and spec.get("defaultBackend") is None and not isinstance(rules, str):
        yield Refusal(("spec",), "Invalid value: either `defaultBackend` or `rules` must be specified")
    yield from _ingress_backend_refusals(spec.get("defaultBackend"), ("spec", "defaultBackend"))
    for index, rule in enumerate(sequence(rules)):
        http = mapping(rule).get("http")
        if not isinstance(http, dict):
            continue
        http_path = ("spec", "rules", index, "http")
        paths = http.get("paths")
        yield from _required(http, http_path, "paths")
        for position, entry in enumerate(sequence(paths)):
            if not isinstance(entry, dict):
                continue
            where = (*http_path, "paths", position)
            # A missing pathType is schema-violation's (the schema requires it).
            yield from prefixed(enum_refusal(entry, ("pathType",), PATH_TYPES), where)
            yield from _ingress_backend_refusals(entry.get("backend"), (*where, "backend"))
    for index, tls in enumerate(sequence(spec.get("tls"))):
        # validateTLSSecretName: ValidateSecretName, a DNS-1123 subdomain
        for refusal in _name_refusal(tls, ("secretName",), dns1123_subdomain, "a Secret name (a DNS-1123 subdomain)"):
            yield refusal.under(("spec", "tls", index))
    yield from _name_refusal(data, ("spec", "ingressClassName"), dns1123_subdomain, "an IngressClass name (a DNS-1123 subdomain)")
    annotation = _text(dig(data, ("metadata", "annotations", "kubernetes.io/ingress.class")))
    class_name = _text(spec.get("ingressClassName"))
    if annotation is not None and class_name is not None and annotation != class_name:
        yield Refusal(
            ("metadata", "annotations", "kubernetes.io/ingress.class"),
            f"Invalid value: {json.dumps(annotation)}: must match `ingressClassName` when both are specified ({json.dumps(class_name)})",
        )


def _domain_prefixed_path(value: str) -> str | None:
    """validation.IsDomainPrefixedPath."""
    host, slash, path = value.partition("/")
    if not slash or not host or not path:
        return 'must be a domain-prefixed path (such as "acme.io/foo")'
    problem = dns1123_subdomain(host)
    if problem:
        return f"the domain {json.dumps(host)} {problem}"
    if not _HTTP_PATH.fullmatch(path):
        return f"the path {json.dumps(path)} holds characters a URL path may not"
    return None


def ingress_class_refusals(data: dict[str, Any]) -> Iterator[Refusal]:
    """networking validateIngressClassSpec: a controller named by a domain-prefixed path, and its parameters."""
    spec = data.get("spec")
    if not isinstance(spec, dict):
        return
    yield from _required(spec, ("spec",), "controller", in_schema=False)
    controller = _text(spec.get("controller"))
    if controller:
        if len(controller) > MAX_INGRESS_CLASS_CONTROLLER:
            yield Refusal(("spec", "controller"), f"Too long: may not be more than {MAX_INGRESS_CLASS_CONTROLLER} bytes")
        problem = _domain_prefixed_path(controller)
        if problem:
            yield Refusal(("spec", "controller"), f"Invalid value: {json.dumps(controller)}: {problem}")
    yield from _typed_reference_refusals(spec.get("parameters"), ("spec", "parameters"), scoped=True)


# -- NetworkPolicy ---------------------------------------------------------------------------------


def _network(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    """netutils.ParseCIDRSloppy: host bits may be set, and IPv4 octets may have leading zeros."""
    address, slash, length = text.partition("/")
    if not slash:
        return None
    if "." in address and ":" not in address:
        octets = address.split(".")
        if len(octets) == 4 and all(o.isdigit() for o in octets):
            address = ".".join(str(int(o)) for o in octets)
    try:
        return ipaddress.ip_network(f"{address}/{length}", strict=False)
    except ValueError:
        return None


def _ip_block_refusals(block: dict[str, Any], path: FieldPath) -> Iterator[Refusal]:
    """networking ValidateIPBlock: a CIDR, and each except a strict subset of it."""
    cidr = block.get("cidr")
    if cidr is None or cidr == "":
        yield from _required(block, path, "cidr")
        return
    if not isinstance(cidr, str) or is_placeholder(cidr):
        return
    network = _network(cidr)
    if network is None:
        yield Refusal(
            (*path, "cidr"), f"Invalid value: {json.dumps(cidr)}: must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)"
        )
        return
    for index, text in enumerate(sequence(block.get("except"))):
        if not isinstance(text, str) or is_placeholder(text):
            continue
        excepted = _network(text)
        where = (*path, "except", index)
        if excepted is None:
            yield Refusal(where, f"Invalid value: {json.dumps(text)}: must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)")
        elif excepted.version != network.version or excepted.network_address not in network or network.prefixlen >= excepted.prefixlen:
            yield Refusal(where, f"Invalid value: {json.dumps(text)}: must be a strict subset of `cidr` ({cidr})")


def _network_policy_port_refusals(port: dict[str, Any], path: FieldPath) -> Iterator[Refusal]:
    """networking ValidateNetworkPolicyPort (the protocol is apivalidation's network_policy_refusals)."""
    number, end = port.get("port"), _int(port.get("endPort"))
    if isinstance(number, int) and not isinstance(number, bool):
        yield from prefixed(_port_number(port, ("port",)), path)
        if end is not None:
            if end < number:
                yield Refusal((*path, "endPort"), f"Invalid value: {end}: must be greater than or equal to `port` ({number})")
            yield from prefixed(_port_number(port, ("endPort",)), path)
    elif isinstance(number, str):
        if end is not None and not is_placeholder(number):
            yield Refusal((*path, "endPort"), f"Invalid value: {end}: may not be specified when `port` is non-numeric")
        yield from prefixed(_port_name(port, ("port",)), path)
    elif number is None and end is not None:
        yield Refusal((*path, "endPort"), f"Invalid value: {end}: may not be specified when `port` is not specified")


def network_policy_refusals(data: dict[str, Any]) -> Iterator[Refusal]:
    """networking ValidateNetworkPolicySpec: ports, peers, ipBlocks and policyTypes."""
    spec = data.get("spec")
    if not isinstance(spec, dict):
        return
    for direction, peers_key in (("ingress", "from"), ("egress", "to")):
        for rule_index, rule in enumerate(sequence(spec.get(direction))):
            rule = mapping(rule)
            base = ("spec", direction, rule_index)
            for port_index, port in enumerate(sequence(rule.get("ports"))):
                if isinstance(port, dict):
                    yield from _network_policy_port_refusals(port, (*base, "ports", port_index))
            for peer_index, peer in enumerate(sequence(rule.get(peers_key))):
                if not isinstance(peer, dict):
                    continue
                where = (*base, peers_key, peer_index)
                # ValidateNetworkPolicyPeer: one kind of peer, and an ipBlock alone.
                present = [key for key in ("podSelector", "namespaceSelector", "ipBlock") if peer.get(key) is not None]
                if not present:
                    yield Refusal(where, "Required value: must specify a peer (podSelector, namespaceSelector or ipBlock)")
                elif len(present) > 1 and "ipBlock" in present:
                    yield Refusal((*where, "ipBlock"), "Forbidden: may not specify both ipBlock and another peer")
                if isinstance(peer.get("ipBlock"), dict):
                    yield from _ip_block_refusals(peer["ipBlock"], (*where, "ipBlock"))
    types = spec.get("policyTypes")
    if isinstance(types, list) and len(types) > 2:
        yield Refusal(("spec", "policyTypes"), "Invalid value: may not specify more than two policyTypes")
        return
    for index, _policy in enumerate(sequence(types)):
        yield from enum_refusal(data, ("spec", "policyTypes", index), POLICY_TYPES)


# -- PodDisruptionBudget, HorizontalPodAutoscaler -------------------------------------------------


def pdb_refusals(data: dict[str, Any], version: str) -> Iterator[Refusal]:
    """policy ValidatePodDisruptionBudgetSpec."""
    spec = data.get("spec")
    if not isinstance(spec, dict):
        return
    if spec.get("minAvailable") is not None and spec.get("maxUnavailable") is not None:
        yield Refusal(("spec", "maxUnavailable"), "Invalid value: minAvailable and maxUnavailable cannot be both set")
    for field in ("minAvailable", "maxUnavailable"):
        yield from _int_or_percent(data, ("spec", field))
    if version_at_least(version, BY_DEFAULT_FROM_1_27):
        yield from enum_refusal(data, ("spec", "unhealthyPodEvictionPolicy"), EVICTION_POLICIES)


def _positive_quantity(block: dict[str, Any], path: FieldPath, key: str) -> Iterator[Refusal]:
    value = block.get(key)
    if value is None or (isinstance(value, str) and is_placeholder(value)):
        return
    try:
        quantity = parse_quantity(value)
    except QuantityError:
        return  # invalid-quantity's
    if quantity <= 0:
        yield Refusal((*path, key), f"Invalid value: {json.dumps(str(value))}: must be positive")


def _metric_target_refusals(target: Any, path: FieldPath) -> Iterator[Refusal]:
    """autoscaling validateMetricTarget."""
    if not isinstance(target, dict):
        return
    kind = target.get("type")
    if kind is None or kind == "":
        yield from _required(target, path, "type", "must specify a metric target type")
    elif isinstance(kind, str) and kind not in METRIC_TARGETS and not is_placeholder(kind):
        yield Refusal((*path, "type"), f"Invalid value: {json.dumps(kind)}: must be either Utilization, Value, or AverageValue")
    for key in ("value", "averageValue"):
        yield from _positive_quantity(target, path, key)
    yield from prefixed(_at_least(target, ("averageUtilization",), 1, "must be greater than 0"), path)


def _metric_refusals(metric: dict[str, Any], path: FieldPath) -> Iterator[Refusal]:
    """autoscaling validateMetricSpec and the validate*Source functions."""
    kind = metric.get("type")
    sources = {name: name[0].lower() + name[1:] for name in METRIC_SOURCES}
    present = [key for key in sources.values() if metric.get(key) is not None]
    if not isinstance(kind, str) or is_placeholder(kind):
        return
    if kind not in METRIC_SOURCES:
        yield Refusal((*path, "type"), not_supported(kind, METRIC_SOURCES))
        return
    wanted = sources[kind]
    if wanted not in present:
        yield Refusal((*path, "type"), f"{wanted}: Required value: must populate information for the given metric source")
    for other in present:
        if other != wanted:
            yield Refusal((*path, other), "Forbidden: must populate the given metric source only")
    source = metric.get(wanted)
    if not isinstance(source, dict):
        return
    where = (*path, wanted)
    target = source.get("target")
    yield from _metric_target_refusals(target, (*where, "target"))
    target = mapping(target)
    if wanted in ("resource", "containerResource"):
        yield from _required(source, where, "name", "must specify a resource name")
        if wanted == "containerResource":
            yield from _required(source, where, "container", "must specify a container")
        if isinstance(source.get("target"), dict) and target.get("averageUtilization") is None and target.get("averageValue") is None:
            yield Refusal(
                (*where, "target"), "averageUtilization: Required value: must set either a target raw value or a target utilization"
            )
        if target.get("averageUtilization") is not None and target.get("averageValue") is not None:
            yield Refusal((*where, "target", "averageValue"), "Forbidden: may not set both a target raw value and a target utilization")
    elif isinstance(source.get("target"), dict):
        if wanted == "pods" and target.get("averageValue") is None:
            yield Refusal((*where, "target"), "averageValue: Required value: must specify a positive target averageValue")
        elif wanted in ("object", "external") and target.get("value") is None and target.get("averageValue") is None:
            yield Refusal((*where, "target"), "averageValue: Required value: must set either a target value or averageValue")
        elif wanted == "external" and target.get("value") is not None and target.get("averageValue") is not None:
            yield Refusal((*where, "target", "value"), "Forbidden: may not set both a target value for metric and a per-pod target")


def hpa_refusals(data: dict[str, Any], version: str) -> Iterator[Refusal]:
    """autoscaling validateHorizontalPodAutoscalerSpec, validateMetrics and validateBehavior (v2, and v1 converted)."""
    spec = data.get("spec")
    if not isinstance(spec, dict):
        return
    low, high = _int(spec.get("minReplicas")), _int(spec.get("maxReplicas"))
    metrics = [m for m in sequence(spec.get("metrics")) if isinstance(m, dict)]
    scales_on_objects = any(m.get("type") in ("Object", "External") for m in metrics)
    if low is not None and low < 0:
        yield Refusal(("spec", "minReplicas"), f"Invalid value: {low}: must be greater than or equal to 1")
    elif low == 0 and not scales_on_objects:
        # 0 needs the alpha HPAScaleToZero gate, and even then an Object or External metric (validateMetrics).
        yield Refusal(
            ("spec", "minReplicas"),
            "Invalid value: 0: must be greater than or equal to 1 (scaling to zero needs the HPAScaleToZero "
            "feature gate and an Object or External metric)",
        )
    if high is not None and high < 1:
        yield Refusal(("spec", "maxReplicas"), f"Invalid value: {high}: must be greater than 0")
    elif high is not None and low is not None and high < low:
        yield Refusal(("spec", "maxReplicas"), f"Invalid value: {high}: must be greater than or equal to `minReplicas` ({low})")
    ref = spec.get("scaleTargetRef")
    if isinstance(ref, dict):
        for key in ("kind", "name"):
            yield from _required(ref, ("spec", "scaleTargetRef"), key)
            yield from _name_refusal(data, ("spec", "scaleTargetRef", key), path_segment, "a path segment name")
    yield from _at_least(data, ("spec", "targetCPUUtilizationPercentage"), 1, "must be greater than 0")
    for index, metric in enumerate(sequence(spec.get("metrics"))):
        if isinstance(metric, dict) and (metric.get("type") != "ContainerResource" or version_at_least(version, BY_DEFAULT_FROM_1_27)):
            yield from _metric_refusals(metric, ("spec", "metrics", index))
    for direction in ("scaleUp", "scaleDown"):
        rules = dig(spec, ("behavior", direction))
        if not isinstance(rules, dict):
            continue
        base = ("spec", "behavior", direction)
        window = _int(rules.get("stabilizationWindowSeconds"))
        if window is not None and not 0 <= window <= MAX_STABILIZATION_WINDOW:
            bound = "greater than or equal to zero" if window < 0 else f"less than or equal to {MAX_STABILIZATION_WINDOW}"
            yield Refusal((*base, "stabilizationWindowSeconds"), f"Invalid value: {window}: must be {bound}")
        yield from prefixed(enum_refusal(rules, ("selectPolicy",), SELECT_POLICIES), base)
        for index, policy in enumerate(sequence(rules.get("policies"))):
            if not isinstance(policy, dict):
                continue
            where = (*base, "policies", index)
            yield from prefixed(enum_refusal(policy, ("type",), SCALING_POLICIES), where)
            yield from prefixed(_at_least(policy, ("value",), 1, "must be greater than zero"), where)
            period = _int(policy.get("periodSeconds"))
            if period is not None and not 0 < period <= MAX_PERIOD:
                bound = "greater than zero" if period <= 0 else f"less than or equal to {MAX_PERIOD}"
                yield Refusal((*where, "periodSeconds"), f"Invalid value: {period}: must be {bound}")


# -- Job, CronJob ----------------------------------------------------------------------------------


@cache
def _time_zones() -> frozenset[str]:
    """The IANA zone names of the ``tzdata`` package (Python's own copy of the data that zoneinfo reads,
    as the API server reads the copy Go embeds); empty when it is not installed: then no name is judged.

    The package, not the machine's /usr/share/zoneinfo: the verdict is the same on every machine, and
    nothing outside the linted files and k8slint's installation is read.
    """
    from importlib import resources  # only for a CronJob's timeZone: importlib.resources costs ~4 ms to import

    try:
        text = resources.files("tzdata").joinpath("zones").read_text(encoding="utf-8")
    except (ModuleNotFoundError, OSError):
        return frozenset()
    return frozenset(text.split())


def time_zone_problem(zone: str) -> str | None:
    """batch validateTimeZone: what ``time.LoadLocation`` and the character check refuse."""
    if zone == "":
        return "timeZone must be nil or non-empty string"
    for part in zone.split("/"):
        if part in (".", "..") or part.startswith("-") or not _TIME_ZONE_PART.fullmatch(part):
            return f"unknown time zone {zone}"
    if zone.lower() == "local":
        return "timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones"
    known = _time_zones()
    if known and zone != "UTC" and zone not in known:
        return f"unknown time zone {zone}"
    return None


def cron_job_refusals(data: dict[str, Any], version: str) -> Iterator[Refusal]:
    """batch ValidateCronJobSpec, validateScheduleFormat, validateTimeZone, ValidateJobTemplateSpec."""
    name = _text(dig(data, ("metadata", "name")))
    if name is not None and len(name) > MAX_CRON_JOB_NAME:
        # ValidateCronJobCreate: the Jobs it makes are named <name>-<minutes since the epoch>.
        yield Refusal(("metadata", "name"), f"Invalid value: {json.dumps(name)}: must be no more than {MAX_CRON_JOB_NAME} characters")
    spec = data.get("spec")
    if not isinstance(spec, dict):
        return
    yield from _required(spec, ("spec",), "schedule")
    schedule = _text(spec.get("schedule"))
    if schedule:
        if "TZ" in schedule and version_at_least(version, CRON_TZ_REFUSED_SINCE):
            yield Refusal(
                ("spec", "schedule"),
                f"Invalid value: {json.dumps(schedule)}: cannot use TZ or CRON_TZ in schedule, use timeZone field instead",
            )
        parsed = schedule
        if parsed.startswith(("TZ=", "CRON_TZ=")):
            parsed = parsed.partition(" ")[2].strip()
        problem = schedule_problem(parsed)
        if problem:
            yield Refusal(("spec", "schedule"), f"Invalid value: {json.dumps(schedule)}: {problem}")
    zone = spec.get("timeZone")
    if isinstance(zone, str) and not is_placeholder(zone):
        problem = time_zone_problem(zone)
        if problem:
            yield Refusal(("spec", "timeZone"), f"Invalid value: {json.dumps(zone)}: {problem}")
    yield from enum_refusal(data, ("spec", "concurrencyPolicy"), CONCURRENCY_POLICIES)
    for field in ("startingDeadlineSeconds", "successfulJobsHistoryLimit", "failedJobsHistoryLimit"):
        yield from _at_least(data, ("spec", field), 0)
    template = dig(spec, ("jobTemplate", "spec"))
    if isinstance(template, dict):
        base = ("spec", "jobTemplate", "spec")
        if template.get("selector") is not None:
            yield Refusal((*base, "selector"), "Invalid value: `selector` will be auto-generated")
        if template.get("manualSelector") is True:
            yield Refusal((*base, "manualSelector"), not_supported("true", ("nil", "false")))
        yield from job_refusals(base, template, version)


CONTROLLER_UID_LABELS = ("batch.kubernetes.io/controller-uid", "controller-uid")
"""The labels a Job's generated selector selects on (the legacy one still accepted)."""


def _job_selector_refusals(spec: dict[str, Any]) -> Iterator[Refusal]:
    """batch validateGeneratedSelector: without ``manualSelector: true``, the API server generates the selector (it
    adds ``batch.kubernetes.io/controller-uid: <uid>`` to whatever the Job gives) and then requires that it match
    that label alone. A selector that wants any other label (matchLabels, or an In or Exists expression) does not:
    "`selector` not auto-generated". One that only an unknown uid would decide (matchLabels of the uid labels
    alone, NotIn or DoesNotExist expressions) is left alone."""
    selector = spec.get("selector")
    if not isinstance(selector, dict) or spec.get("manualSelector") is True:
        return
    labels = selector.get("matchLabels")
    wanted = [key for key in labels if key not in CONTROLLER_UID_LABELS] if isinstance(labels, dict) else []
    for expression in sequence(selector.get("matchExpressions")):
        entry = mapping(expression)
        if entry.get("operator") in ("In", "Exists") and entry.get("key") not in CONTROLLER_UID_LABELS:
            wanted.append(str(entry.get("key")))
    if wanted:
        yield Refusal(
            ("spec", "selector"),
            f"Invalid value: `selector` not auto-generated (it wants {', '.join(map(str, wanted))}): the API server makes a "
            "Job's selector unless spec.manualSelector is true, and then allows none other",
        )


def _container_names(job_spec: dict[str, Any]) -> set[str] | None:
    names: set[str] = set()
    for group in CONTAINER_LISTS[:2]:
        items = dig(job_spec, ("template", "spec", group))
        if items is not None and not isinstance(items, list):
            return None
        for item in sequence(items):
            name = mapping(item).get("name")
            if not isinstance(name, str) or is_placeholder(name):
                return None
            names.add(name)
    return names


def _pod_failure_policy_refusals(job_spec: dict[str, Any], base: FieldPath, version: str) -> Iterator[Refusal]:
    """batch validatePodFailurePolicy, validatePodFailurePolicyRule and its onExitCodes and onPodConditions checks."""
    policy = job_spec.get("podFailurePolicy")
    if not isinstance(policy, dict):
        return
    containers = _container_names(job_spec)
    indexed = job_spec.get("backoffLimitPerIndex") is not None
    for index, rule in enumerate(sequence(policy.get("rules"))):
        if not isinstance(rule, dict):
            continue
        where = (*base, "podFailurePolicy", "rules", index)
        yield from prefixed(enum_refusal(rule, ("action",), FAILURE_ACTIONS), where)
        if rule.get("action") == "FailIndex" and not indexed and version_at_least(version, BACKOFF_PER_INDEX_BY_DEFAULT):
            yield Refusal((*where, "action"), "Forbidden: requires the backoffLimitPerIndex to be set")
        codes, conditions = rule.get("onExitCodes"), rule.get("onPodConditions")
        if codes is not None and conditions is not None:
            yield Refusal((*where, "onPodConditions"), "Invalid value: specifying both OnExitCodes and OnPodConditions is not supported")
        elif codes is None and conditions is None:
            yield Refusal(where, "Invalid value: specifying one of OnExitCodes and OnPodConditions is required")
        if isinstance(codes, dict):
            yield from _exit_code_refusals(codes, (*where, "onExitCodes"), containers)
        for position, condition in enumerate(sequence(conditions)):
            if isinstance(condition, dict):
                at = (*where, "onPodConditions", position)
                yield from _required(condition, at, "type")
                yield from prefixed(enum_refusal(condition, ("status",), CONDITION_STATUSES), at)


def _exit_code_refusals(codes: dict[str, Any], where: FieldPath, containers: set[str] | None) -> Iterator[Refusal]:
    """batch validatePodFailurePolicyRuleOnExitCodes."""
    name = _text(codes.get("containerName"))
    if name and containers is not None and name not in containers:
        yield Refusal(
            (*where, "containerName"),
            f"Invalid value: {json.dumps(name)}: must be one of the container or initContainer names in the pod template",
        )
    yield from prefixed(enum_refusal(codes, ("operator",), EXIT_CODE_OPERATORS), where)
    values = codes.get("values")
    if values is None or values == []:
        yield Refusal((*where, "values") if "values" in codes else where, "values: Invalid value: at least one value is required")
        return
    numbers = [_int(v) for v in sequence(values)]
    if len(numbers) > MAX_EXIT_CODE_VALUES:
        yield Refusal((*where, "values"), f"Too many: {len(numbers)}: must have at most {MAX_EXIT_CODE_VALUES} items")
    previous: int | None = None
    seen: set[int] = set()
    for position, number in enumerate(numbers):
        at = (*where, "values", position)
        if number is None:
            previous = None
            continue
        if number == 0 and codes.get("operator") == "In":
            yield Refusal(at, "Invalid value: 0: must not be 0 for the In operator")
        if number in seen:
            yield Refusal(at, f"Duplicate value: {number}")
        elif previous is not None and number < previous:
            yield Refusal(at, f"Invalid value: {number}: must be ordered")
        seen.add(number)
        previous = number


def job_refusals(base: FieldPath, job_spec: dict[str, Any], version: str) -> Iterator[Refusal]:
    """batch validateJobSpec: counts, completion modes, per-index backoff and the pod failure policy.

    The template's restart policy is apivalidation's (``job_spec_refusals`` and the pod checks).
    """
    for field in ("parallelism", "completions", "activeDeadlineSeconds", "backoffLimit", "ttlSecondsAfterFinished"):
        yield from prefixed(_at_least(job_spec, (field,), 0), base)
    yield from prefixed(enum_refusal(job_spec, ("completionMode",), COMPLETION_MODES), base)
    indexed = job_spec.get("completionMode") == "Indexed"
    if indexed and job_spec.get("completions") is None:
        yield Refusal((*base, "completionMode"), "completions: Required value: when completion mode is Indexed")
    parallelism = _int(job_spec.get("parallelism"))
    if indexed and parallelism is not None and parallelism > MAX_INDEXED_PARALLELISM:
        yield Refusal(
            (*base, "parallelism"),
            f"Invalid value: {parallelism}: must be less than or equal to {MAX_INDEXED_PARALLELISM} when completion mode is Indexed",
        )
    if version_at_least(version, BACKOFF_PER_INDEX_BY_DEFAULT):
        yield from _per_index_refusals(base, job_spec, indexed)
    if version_at_least(version, POD_FAILURE_POLICY_BY_DEFAULT):
        yield from _pod_failure_policy_refusals(job_spec, base, version)


def _per_index_refusals(base: FieldPath, job_spec: dict[str, Any], indexed: bool) -> Iterator[Refusal]:
    """batch validateJobSpec: backoffLimitPerIndex and maxFailedIndexes."""
    per_index = job_spec.get("backoffLimitPerIndex")
    if per_index is not None:
        yield from prefixed(_at_least(job_spec, ("backoffLimitPerIndex",), 0), base)
        mode = job_spec.get("completionMode")
        if not indexed and (mode is None or _text(mode) is not None):
            yield Refusal((*base, "backoffLimitPerIndex"), "Invalid value: requires indexed completion mode")
    if job_spec.get("maxFailedIndexes") is not None:
        yield from prefixed(_at_least(job_spec, ("maxFailedIndexes",), 0), base)
        if per_index is None:
            yield Refusal((*base, "maxFailedIndexes"), "Required value: cannot be set when backoffLimitPerIndex is not set")
        most, completions = _int(job_spec.get("maxFailedIndexes")), _int(job_spec.get("completions"))
        if indexed and most is not None and completions is not None and most > completions:
            yield Refusal((*base, "maxFailedIndexes"), f"Invalid value: {most}: must be less than or equal to completions ({completions})")


# -- Deployment, StatefulSet, DaemonSet ------------------------------------------------------------


def _rolling_refusals(rolling: Any, path: FieldPath, *, surge_capped: bool) -> Iterator[Refusal]:
    """apps ValidateRollingUpdateDeployment / ValidateRollingUpdateDaemonSet (both at 0 is rollout-stalls', KR022).

    maxUnavailable is at most 100% in both; maxSurge only in a DaemonSet (a Deployment may surge 200%).
    """
    if not isinstance(rolling, dict):
        return
    yield from prefixed(_int_or_percent(rolling, ("maxUnavailable",)), path)
    yield from prefixed(_int_or_percent(rolling, ("maxSurge",), at_most_all=surge_capped), path)


def _strategy_refusals(data: dict[str, Any], field: str, types: tuple[str, ...]) -> Iterator[Refusal]:
    """apps ValidateDeploymentStrategy and ValidateDaemonSetUpdateStrategy: the type, and a rolling update's numbers."""
    strategy = dig(data, ("spec", field))
    if not isinstance(strategy, dict):
        return
    base = ("spec", field)
    yield from prefixed(enum_refusal(strategy, ("type",), types), base)
    if strategy.get("type") in (None, "", "RollingUpdate"):
        yield from _rolling_refusals(strategy.get("rollingUpdate"), (*base, "rollingUpdate"), surge_capped=field == "updateStrategy")


def workload_refusals(data: dict[str, Any], version: str) -> Iterator[Refusal]:
    """apps ValidateDeploymentSpec, ValidateStatefulSetSpec, ValidateDaemonSetSpec, ValidateReplicaSetSpec: bounds and strategies."""
    kind = data.get("kind")
    spec = data.get("spec")
    if not isinstance(spec, dict):
        return
    for field in ("replicas", "minReadySeconds", "revisionHistoryLimit"):
        yield from _at_least(data, ("spec", field), 0)
    if kind == "Deployment":
        yield from _at_least(data, ("spec", "progressDeadlineSeconds"), 0)
        deadline, ready = _int(spec.get("progressDeadlineSeconds")), _int(spec.get("minReadySeconds")) or 0
        if deadline is not None and 0 <= deadline <= ready:
            yield Refusal(("spec", "progressDeadlineSeconds"), f"Invalid value: {deadline}: must be greater than minReadySeconds ({ready})")
        elif "progressDeadlineSeconds" not in spec and ready >= DEFAULT_PROGRESS_DEADLINE:
            # SetDefaults_Deployment sets the deadline to 600 seconds when it is not given.
            yield Refusal(
                ("spec", "minReadySeconds"),
                f"progressDeadlineSeconds: Invalid value: {DEFAULT_PROGRESS_DEADLINE}: must be greater than minReadySeconds "
                f"({ready}; the deadline is not set, so it defaults to {DEFAULT_PROGRESS_DEADLINE})",
            )
        strategy = mapping(spec.get("strategy"))
        # ValidateDeploymentStrategy: Recreate takes no rollingUpdate.
        if strategy.get("type") == "Recreate" and strategy.get("rollingUpdate") is not None:
            yield Refusal(("spec", "strategy", "rollingUpdate"), "Forbidden: may not be specified when strategy `type` is 'Recreate'")
        yield from _strategy_refusals(data, "strategy", DEPLOYMENT_STRATEGIES)
    elif kind == "DaemonSet":
        yield from _strategy_refusals(data, "updateStrategy", DAEMON_SET_STRATEGIES)
    elif kind == "StatefulSet":
        policy = _text(spec.get("podManagementPolicy"))
        if policy and policy not in POD_MANAGEMENT_POLICIES:
            yield Refusal(("spec", "podManagementPolicy"), f"Invalid value: {json.dumps(policy)}: must be 'OrderedReady' or 'Parallel'")
        strategy = mapping(spec.get("updateStrategy"))
        kind_of = _text(strategy.get("type"))
        if kind_of and kind_of not in STATEFUL_SET_STRATEGIES:
            yield Refusal(
                ("spec", "updateStrategy", "type"), f"Invalid value: {json.dumps(kind_of)}: must be 'RollingUpdate' or 'OnDelete'"
            )
        if kind_of == "OnDelete" and strategy.get("rollingUpdate") is not None:
            yield Refusal(("spec", "updateStrategy", "rollingUpdate"), "Invalid value: only allowed for updateStrategy 'RollingUpdate'")
        yield from _at_least(data, ("spec", "updateStrategy", "rollingUpdate", "partition"), 0)
        if version_at_least(version, BY_DEFAULT_FROM_1_27):
            for field in ("whenDeleted", "whenScaled"):
                yield from enum_refusal(data, ("spec", "persistentVolumeClaimRetentionPolicy", field), RETENTION_POLICIES)
            yield from _at_least(data, ("spec", "ordinals", "start"), 0)


# -- PriorityClass, RBAC ---------------------------------------------------------------------------


def priority_class_refusals(data: dict[str, Any]) -> Iterator[Refusal]:
    """scheduling ValidatePriorityClass: user values up to one billion, the system- prefix reserved."""
    name = _text(dig(data, ("metadata", "name")))
    value = _int(data.get("value"))
    if name is not None and name.startswith("system-"):
        if name not in SYSTEM_PRIORITY_CLASSES:
            yield Refusal(("metadata", "name"), f"Forbidden: priority class names with 'system-' prefix are reserved ({json.dumps(name)})")
        elif value is not None and value != SYSTEM_PRIORITY_CLASSES[name]:
            yield Refusal(("value",), f"Forbidden: value of {name} PriorityClass must be {SYSTEM_PRIORITY_CLASSES[name]}")
    elif value is not None and value > HIGHEST_USER_PRIORITY:
        yield Refusal(("value",), f"Forbidden: maximum allowed value of a user defined priority is {HIGHEST_USER_PRIORITY} (not {value})")
    yield from enum_refusal(data, ("preemptionPolicy",), PREEMPTION_POLICIES)


def _policy_rule_refusals(rule: dict[str, Any], path: FieldPath, *, namespaced: bool) -> Iterator[Refusal]:
    """rbac ValidatePolicyRule."""
    yield from _required(rule, path, "verbs", "verbs must contain at least one value")
    if sequence(rule.get("nonResourceURLs")):
        if namespaced:
            yield Refusal((*path, "nonResourceURLs"), "Invalid value: namespaced rules cannot apply to non-resource URLs")
        if sequence(rule.get("apiGroups")) or sequence(rule.get("resources")):
            yield Refusal((*path, "nonResourceURLs"), "Invalid value: rules cannot apply to both regular resources and non-resource URLs")
        return
    for key, words in (("apiGroups", "api group"), ("resources", "resource")):
        value = rule.get(key)
        if (value is None or value == []) and not isinstance(value, str):
            yield Refusal((*path, key) if key in rule else path, f"{key}: Required value: resource rules must supply at least one {words}")


def _subject_refusals(subject: dict[str, Any], path: FieldPath) -> Iterator[Refusal]:
    """rbac ValidateRoleBindingSubject (apiGroup defaulted by SetDefaults_Subject).

    A ServiceAccount subject of a ClusterRoleBinding without a namespace is :func:`subject_namespace_refusals`'s:
    whether one is refused depends on the kustomization that builds the file (its ``namespace`` fills it).
    """
    yield from _required(subject, path, "name")
    kind, group = subject.get("kind"), subject.get("apiGroup")
    if not isinstance(kind, str) or is_placeholder(kind):
        return
    if kind == "ServiceAccount":
        if isinstance(group, str) and group:
            yield Refusal((*path, "apiGroup"), not_supported(group, ("",)) + " (a ServiceAccount subject has no apiGroup)")
        for refusal in _name_refusal(subject, ("name",), dns1123_subdomain, "a ServiceAccount name"):
            yield refusal.under(path)
    elif kind in ("User", "Group"):
        if isinstance(group, str) and group and group != RBAC_GROUP and not is_placeholder(group):
            yield Refusal((*path, "apiGroup"), not_supported(group, (RBAC_GROUP,)))
    else:
        yield Refusal((*path, "kind"), not_supported(kind, SUBJECT_KINDS))


def rbac_refusals(data: dict[str, Any]) -> Iterator[Refusal]:
    """rbac ValidateRole, ValidateClusterRole, ValidateRoleBinding, ValidateClusterRoleBinding."""
    kind = data.get("kind")
    if kind in ("Role", "ClusterRole"):
        if kind == "ClusterRole" and data.get("aggregationRule") is not None:
            return  # the controller fills its rules
        for index, rule in enumerate(sequence(data.get("rules"))):
            if isinstance(rule, dict):
                yield from _policy_rule_refusals(rule, ("rules", index), namespaced=kind == "Role")
        return
    namespaced = kind == "RoleBinding"
    ref = data.get("roleRef")
    if isinstance(ref, dict):
        group = ref.get("apiGroup")
        if isinstance(group, str) and group and group != RBAC_GROUP and not is_placeholder(group):
            yield Refusal(("roleRef", "apiGroup"), not_supported(group, (RBAC_GROUP,)))
        allowed = ROLE_REF_KINDS if namespaced else ("ClusterRole",)
        yield from prefixed(enum_refusal(ref, ("kind",), allowed), ("roleRef",))
        yield from _required(ref, ("roleRef",), "kind")
        yield from _required(ref, ("roleRef",), "name")
        for refusal in _name_refusal(ref, ("name",), path_segment, "a role name"):
            yield refusal.under(("roleRef",))
    for index, subject in enumerate(sequence(data.get("subjects"))):
        if isinstance(subject, dict):
            yield from _subject_refusals(subject, ("subjects", index))


def subject_namespace_refusals(data: dict[str, Any]) -> Iterator[Refusal]:
    """rbac ValidateRoleBindingSubject: a ServiceAccount subject of a ClusterRoleBinding needs a namespace (a
    RoleBinding's defaults to its own). The caller leaves them alone where a kustomization's ``namespace`` fills
    them when it builds the file."""
    if data.get("kind") != "ClusterRoleBinding":
        return
    for index, subject in enumerate(sequence(data.get("subjects"))):
        if isinstance(subject, dict) and subject.get("kind") == "ServiceAccount" and not subject.get("namespace"):
            path: FieldPath = ("subjects", index, "namespace") if "namespace" in subject else ("subjects", index)
            yield Refusal(path, "namespace: Required value: a ServiceAccount subject of a ClusterRoleBinding names its namespace")


# -- ConfigMap, Secret ----------------------------------------------------------------------------


def config_map_refusals(data: dict[str, Any]) -> Iterator[Refusal]:
    """core ValidateConfigMap: a key once across data and binaryData (key names are invalid-config-key's, KC001)."""
    text = mapping(data.get("data"))
    for key in mapping(data.get("binaryData")):
        if key in text:
            yield Refusal(("binaryData", key), f"Invalid value: {json.dumps(str(key))}: duplicate of key present in data")


def _secret_value(data: dict[str, Any], key: str) -> tuple[FieldPath, str] | None:
    """The text of a Secret key, from stringData (which wins) or decoded from data; None when it cannot be read."""
    plain = mapping(data.get("stringData")).get(key)
    if isinstance(plain, str):
        return ("stringData", key), plain
    encoded = mapping(data.get("data")).get(key)
    if not isinstance(encoded, str):
        return None
    try:
        return ("data", key), base64.b64decode("".join(encoded.split()), validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        return None  # secret-invalid-base64's (KC005)


def _json_object(text: str) -> bool:
    """json.Unmarshal into a map[string]interface{}: a JSON object (Go refuses NaN and Infinity)."""

    def refuse(constant: str) -> None:
        raise ValueError(constant)

    try:
        return isinstance(json.loads(text, parse_constant=refuse), dict)
    except ValueError:
        return False


def secret_refusals(data: dict[str, Any]) -> Iterator[Refusal]:
    """core ValidateSecret: what each type needs beyond its keys (the keys are secret-type-keys', KC006)."""
    kind = data.get("type")
    if not isinstance(kind, str) or isinstance(data.get("sops"), dict):
        return  # a SOPS-encrypted Secret holds ciphertext until it is decrypted
    if kind == "kubernetes.io/service-account-token":
        name = dig(data, ("metadata", "annotations", "kubernetes.io/service-account.name"))
        if not isinstance(name, str) or not name:
            where = ("metadata", "annotations") if isinstance(dig(data, ("metadata", "annotations")), dict) else ("type",)
            yield Refusal(
                where, "metadata.annotations[kubernetes.io/service-account.name]: Required value (the ServiceAccount the token is for)"
            )
    for secret_type, key in (("kubernetes.io/dockercfg", ".dockercfg"), ("kubernetes.io/dockerconfigjson", ".dockerconfigjson")):
        found = _secret_value(data, key) if kind == secret_type else None
        if found is not None and not is_placeholder(found[1]) and not _json_object(found[1]):
            yield Refusal(found[0], f"Invalid value: {key} is not a JSON object, as a {secret_type} Secret must hold")


# -- Pod spec additions ----------------------------------------------------------------------------


def host_users_refusals(spec_path: FieldPath, spec: dict[str, Any], version: str) -> Iterator[Refusal]:
    """core validateHostUsers: a pod in its own user namespace shares none of the host's namespaces.

    Before 1.33 the UserNamespacesSupport gate is off by default and the API server drops ``hostUsers``.
    """
    if spec.get("hostUsers") is not False or not version_at_least(version, USER_NAMESPACES_BY_DEFAULT):
        return
    for field in ("hostNetwork", "hostPID", "hostIPC"):
        if spec.get(field) is True:
            yield Refusal((*spec_path, field), "Forbidden: when `hostUsers` is false")


def object_kind_refusals(obj: K8sObject, version: str) -> list[Refusal]:
    """:func:`kind_refusals` of an object, computed once: api-validation reports the refusals,
    unrendered-placeholder the placeholders among them."""
    found: list[Refusal] = obj.view(f"kind_refusals {version}", lambda o: list(kind_refusals(o.data, version)))
    return found


# -- base64 fields -----------------------------------------------------------------------------------

BYTE_FIELDS: dict[tuple[str, str], tuple[tuple[str | None, ...], ...]] = {
    ("admissionregistration.k8s.io", "ValidatingWebhookConfiguration"): (("webhooks", ANY, "clientConfig", "caBundle"),),
    ("admissionregistration.k8s.io", "MutatingWebhookConfiguration"): (("webhooks", ANY, "clientConfig", "caBundle"),),
    ("apiregistration.k8s.io", "APIService"): (("spec", "caBundle"),),
    ("apiextensions.k8s.io", "CustomResourceDefinition"): (("spec", "conversion", "webhook", "clientConfig", "caBundle"),),
    ("certificates.k8s.io", "CertificateSigningRequest"): (("spec", "request"),),
    ("", "ConfigMap"): (("binaryData", ANY),),
}
"""The fields of built-in kinds that the OpenAPI schema gives ``format: byte`` (a ``[]byte`` in Go: base64 in
JSON), but for a Secret's data, which secret-invalid-base64 reads; ANY is each item of a list or value of a map."""


def byte_refusals(data: dict[str, Any]) -> Iterator[Refusal]:
    """What the API server's JSON decoder refuses in a ``[]byte`` field: encoding/json reads it with
    base64.StdEncoding, which skips line breaks and refuses anything else that is not base64 ("illegal base64 data
    at input byte N"), before any validation runs. A placeholder (``<base64-encoded-CA-bundle>``) is
    unrendered-placeholder's."""
    api_version = data.get("apiVersion")
    group = api_version.rpartition("/")[0] if isinstance(api_version, str) else None
    for pattern in BYTE_FIELDS.get((str(group), str(data.get("kind"))), ()):
        for path, value in values_at(data, pattern):
            if not isinstance(value, str) or not value:
                continue
            said = illegal_base64(value)
            if said is not None:
                words = ".".join(part for part in path[-2:] if isinstance(part, str))
                # an all-caps word that is no base64 is one a script replaces (Redis Enterprise's `sed 's/CRT/'$CERT'/g'`)
                token = secret_data_placeholder(value) or (value if _CAPS_WORD.fullmatch(value) else None)
                yield Refusal(path, f"{words}: {said}: the API server cannot read the object", placeholder=token)


_CAPS_WORD = re.compile(r"[A-Z][A-Z0-9_]{1,31}")


def kind_refusals(data: dict[str, Any], version: str) -> Iterator[Refusal]:
    """Everything this module checks on one object of a built-in kind (its apiVersion already checked)."""
    kind = data.get("kind")
    if kind == "Ingress":
        yield from ingress_refusals(data)
    elif kind == "IngressClass":
        yield from ingress_class_refusals(data)
    elif kind == "NetworkPolicy":
        yield from network_policy_refusals(data)
    elif kind == "PodDisruptionBudget":
        yield from pdb_refusals(data, version)
    elif kind == "HorizontalPodAutoscaler":
        yield from hpa_refusals(data, version)
    elif kind == "CronJob":
        yield from cron_job_refusals(data, version)
    elif kind == "Job" and isinstance(data.get("spec"), dict):
        name = _text(dig(data, ("metadata", "name")))
        if name is not None and len(name) > MAX_LABEL_VALUE and dig(data, ("spec", "manualSelector")) is not True:
            # The generated selector labels the pods with the Job's name (batch.kubernetes.io/job-name), a label value.
            yield Refusal(
                ("metadata", "name"),
                f"Invalid value: {json.dumps(name)}: must be no more than {MAX_LABEL_VALUE} characters "
                "(the Job's pods are labelled batch.kubernetes.io/job-name with it)",
            )
        yield from _job_selector_refusals(data["spec"])
        yield from job_refusals(("spec",), data["spec"], version)
    elif kind in ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"):
        yield from workload_refusals(data, version)
    elif kind == "PriorityClass":
        yield from priority_class_refusals(data)
    elif kind in ("Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"):
        yield from rbac_refusals(data)
    elif kind == "ConfigMap":
        yield from config_map_refusals(data)
    elif kind == "Secret":
        yield from secret_refusals(data)


# What the API server says of a kind with no ``spec`` at all: its validation runs on the empty spec
# (core ValidatePodSpec, ValidateService, ValidatePersistentVolumeClaimSpec; apps ValidateDeploymentSpec,
# ValidateStatefulSetSpec, ValidateDaemonSetSpec, ValidateReplicaSetSpec; batch ValidateJobSpec,
# ValidateCronJobSpec; core ValidateReplicationControllerSpec). The OpenAPI schemas of older releases
# mark no ``spec`` required, so without this a spec-less object passes at those targets.
SPEC_REQUIRED = {
    "Pod": "spec.containers: Required value",
    "Deployment": "spec.selector: Required value; spec.template.spec.containers: Required value",
    "StatefulSet": "spec.selector: Required value; spec.template.spec.containers: Required value",
    "DaemonSet": "spec.selector: Required value; spec.template.spec.containers: Required value",
    "ReplicaSet": "spec.selector: Required value; spec.template.spec.containers: Required value",
    "ReplicationController": "spec.selector: Required value; spec.template: Required value",
    "Job": "spec.template.spec.containers: Required value; spec.template.spec.restartPolicy: Required value",
    "CronJob": "spec.schedule: Required value; spec.jobTemplate.spec.template.spec.containers: Required value",
    "Service": "spec.ports: Required value",
    "PersistentVolumeClaim": "spec.accessModes: Required value; spec.resources[storage]: Required value",
}


def missing_spec_refusal(data: dict[str, Any]) -> Refusal | None:
    """The API server's refusal of an object of a kind in SPEC_REQUIRED that has no ``spec`` (or a null one)."""
    kind = data.get("kind")
    if not isinstance(kind, str) or kind not in SPEC_REQUIRED or isinstance(data.get("spec"), dict):
        return None
    return Refusal((), f"{SPEC_REQUIRED[kind]} (the object has no spec)")
