"""What the API server's own validation refuses beyond the OpenAPI schema.

The schemas k8slint validates against know field names and types; the API server's
validation code (kubernetes ``pkg/apis/core/validation``, ``apps``, ``batch`` and
``networking`` validation) checks much more: enum values, references inside a pod
spec, one-of fields, restart policies per workload kind, extended resources. Each
function here mirrors one upstream function, named in its docstring, and yields a
:class:`Refusal` at the offending field with the API server's wording. docs/api-validation.md
lists what is covered and what is left out.

Values that are unrendered template placeholders are skipped: unrendered-placeholder
reports them.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from k8slint.findings import FieldPath
from k8slint.model.names import dns1123_label, dns1123_subdomain
from k8slint.model.placeholders import caps_identifier, name_placeholder, template_placeholder
from k8slint.model.quantity import QuantityError, parse_quantity
from k8slint.model.values import dig, mapping, sequence
from k8slint.model.workloads import CONTAINER_LISTS, PROBES, ContainerView, containers_of

# The groups whose kinds the API server validates with the code mirrored here; a custom
# resource with a pod template (an Argo Rollout) is validated by its CRD schema only.
BUILTIN_API_VERSIONS = frozenset(
    {
        "v1",
        "apps/v1",
        "batch/v1",
        "batch/v1beta1",
        "networking.k8s.io/v1",
        "policy/v1",
        "autoscaling/v1",
        "autoscaling/v2",
        "rbac.authorization.k8s.io/v1",
        "scheduling.k8s.io/v1",
    }
)

# Enum values, as the API server's validation lists them (it sorts them in its messages).
PROTOCOLS = ("SCTP", "TCP", "UDP")  # supportedPortProtocols
PULL_POLICIES = ("Always", "IfNotPresent", "Never")  # supportedPullPolicies, validatePullPolicy
RESTART_POLICIES = ("Always", "Never", "OnFailure")  # validateRestartPolicy
DNS_POLICIES = ("ClusterFirst", "ClusterFirstWithHostNet", "Default", "None")  # validateDNSPolicy
TERMINATION_MESSAGE_POLICIES = ("FallbackToLogsOnError", "File")  # validateContainerCommon
MOUNT_PROPAGATIONS = ("Bidirectional", "HostToContainer", "None")  # validateMountPropagation
SERVICE_TYPES = ("ClusterIP", "ExternalName", "LoadBalancer", "NodePort")  # supportedServiceType
SESSION_AFFINITIES = ("ClientIP", "None")  # supportedSessionAffinityType
TRAFFIC_POLICIES = ("Cluster", "Local")  # validExternalTrafficPolicies, supportedServiceInternalTrafficPolicy
IP_FAMILY_POLICIES = ("PreferDualStack", "RequireDualStack", "SingleStack")  # supportedServiceIPFamilyPolicy
IP_FAMILIES = ("IPv4", "IPv6")  # supportedServiceIPFamily
ACCESS_MODES = ("ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod")  # supportedAccessModes
VOLUME_MODES = ("Block", "Filesystem")  # supportedVolumeModes
SECCOMP_PROFILE_TYPES = ("Localhost", "RuntimeDefault", "Unconfined")  # supportedSeccompProfileTypes

# Application protocols people put in `protocol`; the API server wants the transport there.
_APPLICATION_PROTOCOLS = frozenset({"HTTP", "HTTPS", "HTTP2", "H2C", "GRPC", "TLS", "WS", "WSS", "TCP/IP"})

PROBE_HANDLERS = ("exec", "httpGet", "tcpSocket", "grpc")  # handlerFromProbe
LIFECYCLE_HANDLERS = ("exec", "httpGet", "tcpSocket", "sleep")  # handlerFromLifecycle
ENV_SOURCES = ("fieldRef", "resourceFieldRef", "configMapKeyRef", "secretKeyRef", "fileKeyRef")  # validateEnvVarValueFrom
ENV_FROM_SOURCES = ("configMapRef", "secretRef")  # validateEnvFrom

# VolumeSource's members (validateVolumeSource counts them); a volume with none defaults to emptyDir.
VOLUME_SOURCES = (
    "hostPath", "emptyDir", "gcePersistentDisk", "awsElasticBlockStore", "gitRepo", "secret", "nfs", "iscsi",
    "glusterfs", "persistentVolumeClaim", "rbd", "flexVolume", "cinder", "cephfs", "flocker", "downwardAPI", "fc",
    "azureFile", "configMap", "vsphereVolume", "quobyte", "azureDisk", "photonPersistentDisk", "projected",
    "portworxVolume", "scaleIO", "storageos", "csi", "ephemeral", "image",
)  # fmt: skip

_TEMPLATE_REQUIRES_ALWAYS = frozenset({"Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "ReplicationController"})


@dataclass(frozen=True, slots=True)
class Refusal:
    """One error the API server would return: the field it names and its words.

    With ``placeholder`` set it is no error: the field holds that template placeholder
    (unrendered-placeholder reports it), and the grammar check of the value was not made.
    """

    path: FieldPath
    message: str
    placeholder: str | None = None

    def under(self, prefix: FieldPath) -> Refusal:
        """The same refusal, its path inside ``prefix``."""
        return Refusal((*prefix, *self.path), self.message, self.placeholder)


def is_placeholder(value: str) -> bool:
    """A template placeholder, or an all-caps identifier with a '_' (``PULL_POLICY``) that no enum value is."""
    return template_placeholder(value) is not None or (caps_identifier(value) and "_" in value)


def not_supported(value: str, supported: Iterable[str], *, default: str | None = None) -> str:
    """``field.NotSupported`` in the API server's words, with the closest supported value suggested."""
    options = sorted(supported)
    words = f"Unsupported value: {json.dumps(value)}: supported values: {', '.join(json.dumps(o) for o in options)}"
    if default is not None:
        words = f"defaults to {json.dumps(default)}: {words}"
    import difflib  # here: only a value that is not supported pays for it

    close = [o for o in options if o.lower() == value.lower()] or difflib.get_close_matches(value, options, n=1, cutoff=0.6)
    if close:
        words += f"; did you mean {json.dumps(close[0])}?"
    return words


def enum_refusal(data: Any, path: FieldPath, supported: Iterable[str], extra: str = "") -> list[Refusal]:
    """The value at ``path`` inside ``data`` (the whole object), when it is a string not among ``supported``.

    An empty string is left alone: for most of these fields the API server's defaulting replaces it.
    (A list, not a generator: it is asked of every field of every container, and is nearly always empty.)
    """
    return value_refusal(dig(data, path), path, supported, extra)


def value_refusal(value: Any, path: FieldPath, supported: Iterable[str], extra: str = "") -> list[Refusal]:
    """:func:`enum_refusal` of a value the caller has read already (the one at ``path``)."""
    if isinstance(value, str) and value and value not in supported and not is_placeholder(value):
        return [Refusal(path, not_supported(value, supported) + extra)]
    return []


def _protocol_refusals(data: Any, path: FieldPath, *, service: bool) -> list[Refusal]:
    return _protocol_value_refusals(dig(data, path), path, service=service)


def _protocol_value_refusals(value: Any, path: FieldPath, *, service: bool) -> list[Refusal]:
    if value is None or value in PROTOCOLS:
        return []  # unset (TCP) or a transport, as nearly every port
    extra = ""
    if isinstance(value, str) and value.upper() in _APPLICATION_PROTOCOLS:
        extra = (
            f" ({value} is an application protocol: set protocol TCP and appProtocol {value.lower()})"
            if service
            else f" ({value} is an application protocol; the port's transport is TCP)"
        )
    return value_refusal(value, path, PROTOCOLS, extra)


# -- Pod specs ------------------------------------------------------------------------------------


def _names(items: Any) -> Iterator[tuple[int, str]]:
    for index, item in enumerate(sequence(items)):
        name = mapping(item).get("name")
        if isinstance(name, str) and not is_placeholder(name):
            yield index, name


def _one_of(block: dict[str, Any], path: FieldPath, fields: tuple[str, ...]) -> list[FieldPath]:
    """The paths of the ``fields`` that ``block`` sets (to anything but null), in the file's order."""
    return [(*path, key) for key, value in block.items() if key in fields and value is not None]


def _handler_refusals(block: Any, path: FieldPath, handlers: tuple[str, ...]) -> list[Refusal]:
    """validateHandler: a probe or lifecycle handler sets exactly one action."""
    if not isinstance(block, dict):
        return []
    if sum(1 for key, value in block.items() if key in handlers and value is not None) == 1:
        return []  # exactly one action, as nearly every probe and hook: no paths to build
    found = _one_of(block, path, handlers)
    if not found:
        shown = ", ".join(f"`{h}`" for h in handlers)
        return [Refusal(path, f"Required value: must specify a handler type (one of {shown})")]
    return [Refusal(extra, f"Forbidden: may not specify more than 1 handler type (already {found[0][-1]!r})") for extra in found[1:]]


def _env_refusals(container: ContainerView) -> Iterator[Refusal]:
    """validateEnv / validateEnvVarValueFrom and validateEnvFrom: the one-of shapes of env sources."""
    for index, entry in enumerate(sequence(container.data.get("env"))):
        source = entry.get("valueFrom") if isinstance(entry, dict) else None
        if not isinstance(source, dict):
            continue
        value = entry.get("value")
        if len(source) == 1 and not (isinstance(value, str) and value):
            key, set_to = next(iter(source.items()))
            if key in ENV_SOURCES and set_to is not None:
                continue  # one source and no value, as nearly every entry: nothing to refuse
        path = (*container.path, "env", index, "valueFrom")
        found = _one_of(source, path, ENV_SOURCES)
        if found and isinstance(value, str) and value:
            yield Refusal(path, "Invalid value: may not be specified when `value` is not empty")
        if not found:
            yield Refusal(path, "Invalid value: must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`")
        elif len(found) > 1:
            yield Refusal(found[1], f"Invalid value: may not have more than one field specified at a time (already {found[0][-1]!r})")
    for index, entry in enumerate(sequence(container.data.get("envFrom"))):
        if not isinstance(entry, dict):
            continue
        path = (*container.path, "envFrom", index)
        found = _one_of(entry, path, ENV_FROM_SOURCES)
        if not found:
            yield Refusal(path, "Invalid value: must specify one of: `configMapRef` or `secretRef`")
        elif len(found) > 1:
            yield Refusal(found[1], f"Invalid value: may not have more than one field specified at a time (already {found[0][-1]!r})")


def _container_refusals(container: ContainerView, volumes: set[str] | None) -> Iterator[Refusal]:
    """validateContainerCommon, validateInitContainers, validateVolumeMounts, validateVolumeDevices."""
    data = container.data
    yield from value_refusal(data.get("imagePullPolicy"), ("imagePullPolicy",), PULL_POLICIES)
    yield from value_refusal(data.get("terminationMessagePolicy"), ("terminationMessagePolicy",), TERMINATION_MESSAGE_POLICIES)
    for index, port in enumerate(sequence(data.get("ports"))):
        if isinstance(port, dict):
            yield from _protocol_value_refusals(port.get("protocol"), ("ports", index, "protocol"), service=False)
    if container.group == "initContainers":
        # validateInitContainers: only Always (a native sidecar) may be set on an init container.
        yield from enum_refusal(data, ("restartPolicy",), ("Always",))
    if container.group == "initContainers" and not container.is_sidecar:
        # validateInitContainers: probes and lifecycle hooks only for init containers that keep running.
        for field in ("lifecycle", *PROBES):
            if data.get(field) is not None:
                yield Refusal((field,), "Forbidden: may not be set for init containers without restartPolicy=Always")
    for probe in PROBES:
        yield from _handler_refusals(data.get(probe), (probe,), PROBE_HANDLERS)
    lifecycle = data.get("lifecycle")
    if isinstance(lifecycle, dict):
        for hook in ("postStart", "preStop"):
            yield from _handler_refusals(lifecycle.get(hook), ("lifecycle", hook), LIFECYCLE_HANDLERS)
    yield from _seccomp_refusals(data.get("securityContext"), ("securityContext",))
    privileged = dig(data, ("securityContext", "privileged")) is True
    for index, mount in enumerate(sequence(data.get("volumeMounts"))):
        mount = mapping(mount)
        yield from value_refusal(mount.get("mountPropagation"), ("volumeMounts", index, "mountPropagation"), MOUNT_PROPAGATIONS)
        if mount.get("mountPropagation") == "Bidirectional" and not privileged and container.group != "ephemeralContainers":
            yield Refusal(
                ("volumeMounts", index, "mountPropagation"),
                "Forbidden: Bidirectional mount propagation is available only to privileged containers",
            )
        if mount.get("subPath") and mount.get("subPathExpr"):
            yield Refusal(("volumeMounts", index, "subPathExpr"), "Invalid value: subPathExpr and subPath are mutually exclusive")
    if volumes is not None:
        for field in ("volumeMounts", "volumeDevices"):
            if not data.get(field):
                continue
            for index, name in _names(data.get(field)):
                if name not in volumes:
                    yield Refusal((field, index, "name"), f"Not found: {json.dumps(name)} (the pod has no volume of that name)")


def prefixed(refusals: Iterable[Refusal], prefix: FieldPath) -> Iterator[Refusal]:
    for refusal in refusals:
        yield refusal.under(prefix)


def pod_spec_refusals(
    kind: str,
    spec_path: FieldPath,
    spec: dict[str, Any],
    claim_templates: Iterable[str] = (),
    containers: Iterable[ContainerView] | None = None,
) -> Iterator[Refusal]:
    """ValidatePodSpec and the workload validation of its template, for a pod spec of an object of ``kind``.

    ``claim_templates`` are the volume names a StatefulSet's volumeClaimTemplates add to each pod;
    ``containers`` those of the spec (``containers_of``) where the caller has them already.
    ValidateStatefulSetSpec checks its template's restart policy but not the rest of the pod spec (upstream
    leaves that as a TODO in ValidatePodTemplateSpecForStatefulSet): the StatefulSet is accepted and each
    pod it creates is refused, so the rollout fails; the message says so.
    """
    yield from prefixed(_restart_policy_refusals(kind, spec), spec_path)
    note = " (the StatefulSet is accepted, but every pod it creates from this template is refused)" if kind == "StatefulSet" else ""
    if sequence(spec.get("ephemeralContainers")):
        # ValidatePodCreate and ValidatePodTemplateSpec: they are added to a running pod, never declared.
        words = "cannot be set on create" if kind == "Pod" else "ephemeral containers not allowed in pod template"
        yield Refusal((*spec_path, "ephemeralContainers"), f"Forbidden: {words} (kubectl debug adds them to a running pod)" + note)
    if containers is None:
        containers = containers_of((spec_path, spec))
    for refusal in _pod_refusals(spec, spec_path, set(claim_templates), containers):
        yield Refusal(refusal.path, refusal.message + note, refusal.placeholder)


def _pod_refusals(
    spec: dict[str, Any], spec_path: FieldPath, claim_templates: set[str], containers: Iterable[ContainerView]
) -> Iterator[Refusal]:
    """ValidatePodSpec: DNS, the service account's name, volumes, container names, and each container."""
    yield from prefixed(enum_refusal(spec, ("dnsPolicy",), DNS_POLICIES), spec_path)
    yield from _service_account_refusal(spec.get("serviceAccountName"), (*spec_path, "serviceAccountName"))
    yield from prefixed(_dns_none_refusals(spec), spec_path)

    # validateVolumes: each volume name once.
    volumes: set[str] = set()
    for index, name in _names(spec.get("volumes")):
        yield from _label_refusal(name, (*spec_path, "volumes", index, "name"))
        if name in volumes:
            yield Refusal((*spec_path, "volumes", index, "name"), f"Duplicate value: {json.dumps(name)}")
        volumes.add(name)
    for index, volume in enumerate(sequence(spec.get("volumes"))):
        if isinstance(volume, dict):
            # validateVolumeSource: at most one source (none defaults to emptyDir).
            found = _one_of(volume, (*spec_path, "volumes", index), VOLUME_SOURCES)
            for extra in found[1:]:
                yield Refusal(extra, f"Forbidden: may not specify more than 1 volume type (already {found[0][-1]!r})")
        template = dig(volume, ("ephemeral", "volumeClaimTemplate", "spec"))
        if isinstance(template, dict):
            yield from prefixed(claim_spec_refusals(template), (*spec_path, "volumes", index, "ephemeral", "volumeClaimTemplate", "spec"))
    volumes.update(claim_templates)
    # A list of volumes that is a template expression, or a placeholder name, leaves the set unknown.
    listed = spec.get("volumes")
    known = (listed is None or isinstance(listed, list)) and len(list(_names(listed))) == len(sequence(listed))

    # validateContainers, validateInitContainers, validateEphemeralContainers: one name space for all.
    seen: set[str] = set()
    for group in CONTAINER_LISTS:
        if not spec.get(group):
            continue  # most pods have no init or ephemeral containers
        for index, name in _names(spec.get(group)):
            yield from _label_refusal(name, (*spec_path, group, index, "name"))
            if name in seen:
                yield Refusal((*spec_path, group, index, "name"), f"Duplicate value: {json.dumps(name)}")
            seen.add(name)
    yield from _seccomp_refusals(spec.get("securityContext"), (*spec_path, "securityContext"))
    yield from _host_port_refusals(spec_path, spec)
    for container in containers:
        yield from prefixed(_container_refusals(container, volumes if known else None), container.path)
        yield from _env_refusals(container)
        yield from _resource_refusals(container)


def _service_account_refusal(name: Any, path: FieldPath) -> Iterator[Refusal]:
    """ValidatePodSpec: a serviceAccountName is ValidateServiceAccountName's, a DNS-1123 subdomain (a placeholder,
    `$(SERVICE_ACCOUNT)` or `<sa-name>`, is unrendered-placeholder's)."""
    if not isinstance(name, str) or not name:
        return
    token = name_placeholder(name, caps=True)
    if token is not None:
        yield Refusal(path, "serviceAccountName", placeholder=token)
        return
    problem = dns1123_subdomain(name)
    if problem:
        yield Refusal(path, f"Invalid value: {json.dumps(name)}: a ServiceAccount name {problem}")


def _label_refusal(name: str, path: FieldPath) -> Iterator[Refusal]:
    """ValidateDNS1123Label, as validateContainers and validateVolumes apply it to names."""
    problem = dns1123_label(name)
    if problem:
        yield Refusal(path, f"Invalid value: {json.dumps(name)}: a DNS-1123 label {problem}")


def _seccomp_refusals(context: Any, path: FieldPath) -> Iterator[Refusal]:
    """validateSeccompProfileField: the profile type, and a localhost profile exactly with type Localhost."""
    profile = mapping(context).get("seccompProfile")
    if not isinstance(profile, dict):
        return  # no profile, nothing to check
    base = (*path, "seccompProfile")
    kind = profile.get("type")
    yield from prefixed(enum_refusal(profile, ("type",), SECCOMP_PROFILE_TYPES), base)
    if kind == "Localhost" and not profile.get("localhostProfile"):
        yield Refusal((*base, "type"), "localhostProfile: Required value: must be set when seccomp type is Localhost")
    elif kind in ("RuntimeDefault", "Unconfined") and profile.get("localhostProfile") is not None:
        yield Refusal((*base, "localhostProfile"), "Invalid value: can only be set when seccomp type is Localhost")


def _host_port_refusals(spec_path: FieldPath, spec: dict[str, Any]) -> Iterator[Refusal]:
    """AccumulateUniqueHostPorts (checkHostPortConflicts): a host port, protocol and host IP once among the containers."""
    seen: set[tuple[str, str, int]] = set()
    for index, container in enumerate(sequence(spec.get("containers"))):
        for port_index, port in enumerate(sequence(mapping(container).get("ports"))):
            port = mapping(port)
            number = port.get("hostPort")
            if not isinstance(number, int) or isinstance(number, bool) or number == 0:
                continue
            protocol, host_ip = port.get("protocol"), port.get("hostIP")
            key = (host_ip if isinstance(host_ip, str) else "", protocol if isinstance(protocol, str) else "TCP", number)
            if key in seen:
                shown = "/".join(str(part) for part in key if part != "")
                yield Refusal((*spec_path, "containers", index, "ports", port_index, "hostPort"), f"Duplicate value: {json.dumps(shown)}")
            seen.add(key)


def _dns_none_refusals(spec: dict[str, Any]) -> Iterator[Refusal]:
    """validatePodDNSConfig: dnsPolicy None takes every resolver setting from dnsConfig."""
    if spec.get("dnsPolicy") != "None":
        return
    config = spec.get("dnsConfig")
    if not isinstance(config, dict):
        yield Refusal(("dnsPolicy",), "Required value: must provide `dnsConfig` when `dnsPolicy` is None")
    elif not sequence(config.get("nameservers")):
        yield Refusal(("dnsConfig",), "Required value: must provide at least one DNS nameserver when `dnsPolicy` is None")


def _restart_policy_refusals(kind: str, spec: dict[str, Any]) -> Iterator[Refusal]:
    """validateRestartPolicy, and the restart policy a workload's pod template may have.

    batch validateJobTemplate (ValidateJobSpec): OnFailure or Never, and an unset policy defaults to Always,
    which a Job refuses. apps ValidateDeploymentSpec, ValidateReplicaSetSpec, ValidateStatefulSetSpec,
    ValidateDaemonSetSpec and core ValidateReplicationControllerSpec: Always.
    """
    value = spec.get("restartPolicy")
    if kind in ("Job", "CronJob"):
        if value is None or value == "":
            where = ("restartPolicy",) if "restartPolicy" in spec else ()
            yield Refusal(where, "restartPolicy is not set, so it " + not_supported("Always", ("OnFailure", "Never"), default="Always"))
        else:
            yield from enum_refusal(spec, ("restartPolicy",), ("OnFailure", "Never"), f" (a {kind}'s pods run to completion)")
    elif kind in _TEMPLATE_REQUIRES_ALWAYS:
        yield from enum_refusal(spec, ("restartPolicy",), ("Always",), f" (a {kind} keeps its pods running)")
        # ValidatePodTemplateSpecForReplicaSet (Deployments too), ValidateDaemonSetSpec, ValidateStatefulSetSpec,
        # ValidatePodTemplateSpecForRC: a pod that must keep running has no deadline.
        if spec.get("activeDeadlineSeconds") is not None:
            yield Refusal(("activeDeadlineSeconds",), f"Invalid value: activeDeadlineSeconds in {kind} is not Supported")
    else:
        yield from enum_refusal(spec, ("restartPolicy",), RESTART_POLICIES)


def job_spec_refusals(job_spec_path: FieldPath, job_spec: dict[str, Any]) -> Iterator[Refusal]:
    """batch validateJobSpec: a podFailurePolicy needs restartPolicy Never."""
    policy = dig(job_spec, ("template", "spec", "restartPolicy"))
    if job_spec.get("podFailurePolicy") is not None and policy == "OnFailure":
        yield Refusal(
            (*job_spec_path, "template", "spec", "restartPolicy"),
            'Invalid value: "OnFailure": only "Never" is supported when podFailurePolicy is specified',
        )


# -- Extended resources ---------------------------------------------------------------------------


def is_extended_resource(name: str) -> bool:
    """helper.IsExtendedResourceName: a resource with a domain of its own (``nvidia.com/gpu``), not ``kubernetes.io/``."""
    return "/" in name and "kubernetes.io/" not in name and not name.startswith("requests.")


def _overcommit_forbidden(name: str) -> bool:
    """helper.IsOvercommitAllowed, negated: extended resources and huge pages may not be overcommitted."""
    return is_extended_resource(name) or name.startswith("hugepages-")


def _quantity(value: Any) -> Fraction | None:
    if isinstance(value, str) and is_placeholder(value):
        return None
    try:
        return parse_quantity(value)
    except QuantityError:
        return None  # invalid-quantity's


def _resource_refusals(container: ContainerView) -> Iterator[Refusal]:
    """validateContainerResourceRequirements and ValidateResourceQuantityValue for resources that cannot be overcommitted."""
    resources = mapping(container.data.get("resources"))
    requests, limits = mapping(resources.get("requests")), mapping(resources.get("limits"))
    base = (*container.path, "resources")
    for section, values in (("requests", requests), ("limits", limits)):
        for name, value in values.items():
            if isinstance(name, str) and ("/" not in name or not is_extended_resource(name)):
                continue  # the only resources that must be whole numbers (cpu, memory: no '/', no call)
            quantity = _quantity(value)
            if quantity is not None and quantity.denominator != 1:
                yield Refusal((*base, section, name), f"Invalid value: {json.dumps(str(value))}: must be an integer")
    for name, value in requests.items():
        if isinstance(name, str) and "/" not in name and not name.startswith("hugepages-"):
            continue  # cpu, memory: what _overcommit_forbidden allows, without the call
        if not _overcommit_forbidden(name):
            continue
        request = _quantity(value)
        if request is None:
            continue
        if name not in limits:
            yield Refusal(
                (*base, "requests", name),
                f"Required value: Limit must be set for non overcommitable resources (no limits.{name} for this request)",
            )
            continue
        limit = _quantity(limits[name])
        # A request above the limit of huge pages is request-exceeds-limit's.
        if limit is not None and request != limit and (is_extended_resource(name) or request < limit):
            yield Refusal(
                (*base, "requests", name), f"Invalid value: {json.dumps(str(value))}: must be equal to {name} limit of {limits[name]}"
            )


# -- Services, NetworkPolicies, claims ------------------------------------------------------------


def _internal_only(spec: dict[str, Any]) -> bool:
    """A ClusterIP or ExternalName Service without external IPs: not apiservice.ExternallyAccessible."""
    return spec.get("type") in (None, "ClusterIP", "ExternalName") and not spec.get("externalIPs")


def _service_type_refusals(spec: dict[str, Any]) -> Iterator[Refusal]:
    """ValidateService: what each type requires and forbids (paths relative to the spec)."""
    kind = spec.get("type") if isinstance(spec.get("type"), str) else "ClusterIP"
    cluster_ip = spec.get("clusterIP")
    ports = sequence(spec.get("ports"))
    if kind != "ExternalName" and cluster_ip != "None" and not ports and not isinstance(spec.get("ports"), str):
        yield Refusal(
            ("ports",) if "ports" in spec else (),
            "spec.ports: Required value (a Service that is not headless or ExternalName needs a port)",
        )
    if kind in ("LoadBalancer", "NodePort") and cluster_ip == "None":
        yield Refusal(("clusterIP",), f"Invalid value: \"None\": may not be set to 'None' for {kind} services")
    if kind == "ExternalName":
        if isinstance(cluster_ip, str) and cluster_ip:
            yield Refusal(("clusterIP",), "Forbidden: may not be set for ExternalName services")
        name = spec.get("externalName")
        if not isinstance(name, str) or not name:
            yield Refusal(
                ("externalName",) if "externalName" in spec else (),
                "spec.externalName: Required value (an ExternalName Service names its target)",
            )
        elif not is_placeholder(name):
            problem = dns1123_subdomain(name.removesuffix("."))
            if problem:
                yield Refusal(("externalName",), f"Invalid value: {json.dumps(name)}: a DNS-1123 subdomain {problem}")
    elif isinstance(cluster_ip, str) and cluster_ip not in ("", "None") and not is_placeholder(cluster_ip):
        try:
            ipaddress.ip_address(cluster_ip)
        except ValueError:
            yield Refusal(("clusterIP",), f"Invalid value: {json.dumps(cluster_ip)}: must be empty, 'None', or a valid IP address")
    if kind == "ClusterIP":
        for index, port in enumerate(ports):
            node_port = mapping(port).get("nodePort")
            if isinstance(node_port, int) and not isinstance(node_port, bool) and node_port != 0:
                yield Refusal(("ports", index, "nodePort"), "Forbidden: may not be used when `type` is 'ClusterIP'")


def service_refusals(data: dict[str, Any]) -> Iterator[Refusal]:
    """ValidateService: the enums of a Service spec and its ports, and what each type requires."""
    spec = mapping(data.get("spec"))
    if isinstance(data.get("spec"), dict):
        yield from prefixed(_service_type_refusals(spec), ("spec",))
    # (the values read from ``spec``: where it is no mapping, each is None, as a dig through it finds)
    yield from value_refusal(spec.get("type"), ("spec", "type"), SERVICE_TYPES)
    yield from value_refusal(spec.get("sessionAffinity"), ("spec", "sessionAffinity"), SESSION_AFFINITIES)
    if not _internal_only(spec):
        # validateServiceExternalTrafficPolicy; on internal Services any value is external-traffic-policy-misuse's.
        yield from value_refusal(spec.get("externalTrafficPolicy"), ("spec", "externalTrafficPolicy"), TRAFFIC_POLICIES)
    # validateServiceInternalTrafficFieldsValue, validateIPFamilyPolicy
    yield from value_refusal(spec.get("internalTrafficPolicy"), ("spec", "internalTrafficPolicy"), TRAFFIC_POLICIES)
    yield from value_refusal(spec.get("ipFamilyPolicy"), ("spec", "ipFamilyPolicy"), IP_FAMILY_POLICIES)
    for index, family in enumerate(sequence(spec.get("ipFamilies"))):
        yield from value_refusal(family, ("spec", "ipFamilies", index), IP_FAMILIES)  # validateIPFamilies
    for index, port in enumerate(sequence(spec.get("ports"))):
        protocol = port.get("protocol") if isinstance(port, dict) else None
        yield from _protocol_value_refusals(protocol, ("spec", "ports", index, "protocol"), service=True)  # validateServicePort


def network_policy_refusals(data: dict[str, Any]) -> Iterator[Refusal]:
    """networking ValidateNetworkPolicyPort: the protocol of each ingress and egress port."""
    for direction in ("ingress", "egress"):
        for rule_index, rule in enumerate(sequence(dig(data, ("spec", direction)))):
            for port_index, _port in enumerate(sequence(mapping(rule).get("ports"))):
                yield from _protocol_refusals(data, ("spec", direction, rule_index, "ports", port_index, "protocol"), service=False)


def claim_spec_refusals(spec: dict[str, Any]) -> Iterator[Refusal]:
    """ValidatePersistentVolumeClaimSpec: access modes and volume mode (paths relative to the claim spec)."""
    modes = spec.get("accessModes")
    if modes is None or modes == []:
        yield Refusal(("accessModes",), "Required value: at least 1 access mode is required")
    for index, _mode in enumerate(sequence(modes)):
        yield from enum_refusal(spec, ("accessModes", index), ACCESS_MODES)
    if "ReadWriteOncePod" in sequence(modes) and len(sequence(modes)) > 1:
        yield Refusal(("accessModes",), "Forbidden: may not use ReadWriteOncePod with other access modes")
    yield from enum_refusal(spec, ("volumeMode",), VOLUME_MODES)
    # ValidatePersistentVolumeClaimSpec: a storage request, above zero (ValidatePositiveQuantityValue).
    resources = spec.get("resources")
    requests = mapping(resources).get("requests")
    if (resources is None or isinstance(resources, dict)) and (requests is None or isinstance(requests, dict)):
        if "storage" not in mapping(requests):
            where = ("resources", "requests") if requests is not None else ("resources",) if resources is not None else ()
            yield Refusal(where, "resources[storage]: Required value (a claim requests its size: resources.requests.storage)")
        else:
            value = mapping(requests)["storage"]
            storage = _quantity(value)
            if storage is not None and storage <= 0:
                yield Refusal(("resources", "requests", "storage"), f"Invalid value: {json.dumps(str(value))}: must be greater than zero")


def object_refusals(
    data: dict[str, Any], pod_spec: tuple[FieldPath, dict[str, Any]] | None, containers: Iterable[ContainerView] | None = None
) -> Iterator[Refusal]:
    """Everything this module checks on one object of a built-in kind; ``containers`` are those of
    ``pod_spec`` (``containers_of``) where the caller has them already."""
    kind = data.get("kind")
    if not isinstance(kind, str):
        return
    if kind == "Service":
        yield from service_refusals(data)
    elif kind == "NetworkPolicy":
        yield from network_policy_refusals(data)
    elif kind == "PersistentVolumeClaim" and isinstance(data.get("spec"), dict):
        yield from prefixed(claim_spec_refusals(data["spec"]), ("spec",))
    claim_names: list[str] = []
    if kind == "StatefulSet":
        for index, claim in enumerate(sequence(dig(data, ("spec", "volumeClaimTemplates")))):
            name = dig(claim, ("metadata", "name"))
            if isinstance(name, str):
                claim_names.append(name)
            claim_spec = dig(claim, ("spec",))
            if isinstance(claim_spec, dict):
                for refusal in claim_spec_refusals(claim_spec):
                    path = ("spec", "volumeClaimTemplates", index, "spec", *refusal.path)
                    yield Refusal(path, refusal.message + " (each claim made from this template is refused)")
    if kind == "Job" and isinstance(data.get("spec"), dict):
        yield from job_spec_refusals(("spec",), data["spec"])
    elif kind == "CronJob" and isinstance(dig(data, ("spec", "jobTemplate", "spec")), dict):
        yield from job_spec_refusals(("spec", "jobTemplate", "spec"), dig(data, ("spec", "jobTemplate", "spec")))
    if pod_spec is not None:
        yield from pod_spec_refusals(kind, pod_spec[0], pod_spec[1], claim_names, containers)
