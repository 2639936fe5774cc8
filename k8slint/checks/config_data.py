"""ConfigMaps, Secrets and their mounts: KC001-KC008."""

from __future__ import annotations

import functools
import posixpath
import re
from collections.abc import Iterator
from typing import Any

from k8slint.context import RuleContext
from k8slint.findings import Problem, Related
from k8slint.model.credentials import document_credential, is_credential_name, is_literal_secret, settings_document, url_password
from k8slint.model.encoded import illegal_base64, only_blanks_illegal
from k8slint.model.names import DNS1123_SUBDOMAIN
from k8slint.model.objects import K8sObject
from k8slint.model.placeholders import secret_data_placeholder, template_placeholder
from k8slint.model.values import mapping, repeats, sequence
from k8slint.model.workloads import on_windows_nodes
from k8slint.registry import object_check

_CONFIG_KEY = re.compile(r"[-._a-zA-Z0-9]+")
_WINDOWS_ABSOLUTE = re.compile(r"[A-Za-z]:[\\/]|\\\\")
"""A Windows path that is absolute there: a drive (``C:\\data``, ``c:/data``) or a UNC or device path (``\\\\.\\pipe\\x``)."""
MAX_CONFIGMAP_BYTES = 1024 * 1024
SECRET_TYPE_KEYS: dict[str, list[tuple[str, ...]]] = {
    "kubernetes.io/tls": [("tls.crt",), ("tls.key",)],
    "kubernetes.io/dockerconfigjson": [(".dockerconfigjson",)],
    "kubernetes.io/dockercfg": [(".dockercfg",)],
    "kubernetes.io/basic-auth": [("username", "password")],
    "kubernetes.io/ssh-auth": [("ssh-privatekey",)],
}


def _sections(obj: K8sObject) -> Iterator[tuple[str, dict[Any, Any]]]:
    fields = ("data", "binaryData") if obj.kind == "ConfigMap" else ("data", "stringData")
    for field in fields:
        section = obj.data.get(field)
        if isinstance(section, dict):
            yield field, section


@object_check("KC001", kinds=("ConfigMap", "Secret"), local=True)
def invalid_config_key(obj: K8sObject, ctx: RuleContext) -> Iterator[Problem]:
    for field, section in _sections(obj):
        for key in section:
            text = str(key)
            if len(text) > 253 or not _CONFIG_KEY.fullmatch(text) or text in (".", ".."):
                yield Problem(
                    f"{obj.kind} key {text!r} is invalid: keys are at most 253 letters, digits, '-', '_' and '.'",
                    path=(field, key),
                )


def _size(value: Any) -> int:
    return len(value.encode("utf-8")) if isinstance(value, str) else len(str(value))


@object_check("KC002", kinds=("ConfigMap",), local=True)
def configmap_too_large(obj: K8sObject, ctx: RuleContext) -> Iterator[Problem]:
    total = sum(_size(key) + _size(value) for _, section in _sections(obj) for key, value in section.items())
    if total > MAX_CONFIGMAP_BYTES:
        yield Problem(
            f"ConfigMap {obj.name!r} holds {total:,} bytes of data; the API server stores at most 1 MiB (1,048,576)",
            path=("data",) if "data" in obj.data else ("binaryData",),
        )


def _mounts(obj: K8sObject) -> Iterator[tuple[Any, int, dict[str, Any]]]:
    for container in obj.containers():
        for index, mount in enumerate(sequence(container.data.get("volumeMounts"))):
            if isinstance(mount, dict):
                yield container, index, mount


@object_check("KC003", local=True, pods=True)
def mount_path_conflict(obj: K8sObject, ctx: RuleContext) -> Iterator[Problem]:
    for container in obj.containers():
        paths = [(index, mapping(mount).get("mountPath")) for index, mount in enumerate(sequence(container.data.get("volumeMounts")))]
        written = {index: where for index, where in paths if isinstance(where, str)}
        for index, earlier, _ in repeats((index, where.rstrip("/") or "/") for index, where in written.items()):
            yield Problem(
                f"container {container.name!r} mounts two volumes at {written[index]!r}",
                path=(*container.path, "volumeMounts", index, "mountPath"),
                related=(Related(obj.locate((*container.path, "volumeMounts", earlier, "mountPath")), "first mounted here"),),
            )


@object_check("KC004", local=True, pods=True)
def relative_mount_path(obj: K8sObject, ctx: RuleContext) -> Iterator[Problem]:
    found = obj.pod_spec()
    windows = found is not None and on_windows_nodes(found[1])
    for container, index, mount in _mounts(obj):
        where = mount.get("mountPath")
        if not isinstance(where, str) or not where or where.startswith("/") or template_placeholder(where, unexpanded=True):
            continue
        if _WINDOWS_ABSOLUTE.match(where) or (windows and where.startswith("\\")):
            continue  # a drive or a UNC path (`C:\data`, `\\.\pipe\csi`): a pod for Windows nodes, which keep it
        # The kubelet's makeMounts makes a relative destination absolute (MakeAbsolutePath): on Linux
        # filepath.Clean("/" + path), on Windows under c:\ (a path with a colon is kept), so the volume lands under
        # the root, not the working directory.
        if windows and ":" in where:
            continue
        mounted = "c:\\" + where if windows else posixpath.normpath("/" + where)
        yield Problem(
            f"container {container.name!r} mounts at {where!r}, a relative path: the kubelet mounts it at "
            f"{mounted!r}, under the root, not under the image's working directory",
            path=(*container.path, "volumeMounts", index, "mountPath"),
        )


def _sops_encrypted(obj: K8sObject) -> bool:
    """A Secret encrypted with SOPS: its values are ciphertext until Flux or sops decrypts them."""
    return isinstance(obj.data.get("sops"), dict)


@object_check("KC005", kinds=("Secret",), local=True)
def secret_invalid_base64(obj: K8sObject, ctx: RuleContext) -> Iterator[Problem]:
    if _sops_encrypted(obj):
        return
    for key, value in mapping(obj.data.get("data")).items():
        if not isinstance(value, str) or secret_data_placeholder(value) is not None:
            continue  # a placeholder is unrendered-placeholder's: render it, do not encode it
        said = illegal_base64(value)
        if said is None:
            continue
        if only_blanks_illegal(value):
            # a plain scalar wrapped over lines is folded with spaces: `base64 -d` skips them, Go's decoder does not
            yield Problem(
                f"data.{key} is base64 but for the spaces or tabs in it ({said}): the API server's decoder skips "
                "only line breaks, so it refuses the Secret; write the value on one line or as a literal block (|)",
                path=("data", key),
            )
        else:
            yield Problem(
                f"data.{key} is not valid base64 ({said}), so the API server refuses the Secret; put plain text under stringData instead",
                path=("data", key),
            )


@object_check("KC006", kinds=("Secret",), local=True)
def secret_type_keys(obj: K8sObject, ctx: RuleContext) -> Iterator[Problem]:
    secret_type = obj.data.get("type")
    required = SECRET_TYPE_KEYS.get(secret_type) if isinstance(secret_type, str) else None
    if not required:
        return
    keys = {str(key) for _, section in _sections(obj) for key in section}
    for choices in required:
        if not keys.intersection(choices):
            wanted = " or ".join(repr(c) for c in choices)
            yield Problem(f"a Secret of type {secret_type} needs the key {wanted}", path=("type",))


@object_check("KC007", kinds=("ConfigMap",), local=True)
def secret_in_configmap(obj: K8sObject, ctx: RuleContext) -> Iterator[Problem]:
    for field, section in _sections(obj):
        for key, value in section.items():
            if is_credential_name(str(key)) and is_literal_secret(value, str(key)):
                document = settings_document(value) if isinstance(value, str) else None
                if document is not None and document_credential(document) is None:
                    continue  # settings that name where the credentials are, holding none
                yield Problem(
                    f"ConfigMap key {key!r} holds a credential; ConfigMaps are readable by anyone who can read the namespace",
                    path=(field, key),
                )
            elif isinstance(value, str) and url_password(value):
                yield Problem(f"ConfigMap key {key!r} holds a URL with a password in it", path=(field, key))


_credential_env_name = functools.lru_cache(maxsize=4096)(is_credential_name)
"""is_credential_name of an env name: the same names (LOG_LEVEL, API_TOKEN) come back container after container."""


def _names_a_secret(obj: K8sObject, value: Any) -> bool:
    """Whether ``value`` is the name of a Secret the pod itself reads (``secretKeyRef``, ``envFrom``, a volume), not
    a credential: tailscale's ``TS_KUBE_SECRET: tailscale-auth``, the Secret it keeps its state in and reads its
    auth key from."""
    return isinstance(value, str) and any(ref.kind == "Secret" and ref.name == value for ref in obj.references())


def _no_value_names_a_secret(obj: K8sObject) -> bool:
    """Whether no credential-named literal of the object could be the name of a Secret in the set: only then is
    the check local (what the set defines is read from the index, in the main process)."""
    for container in obj.containers():
        for entry in sequence(container.data.get("env")):
            entry = mapping(entry)
            name, value = entry.get("name"), entry.get("value")
            if isinstance(name, str) and isinstance(value, str) and _credential_env_name(name) and DNS1123_SUBDOMAIN.fullmatch(value):
                return False
    return True


def _secret_in_set(obj: K8sObject, ctx: RuleContext, value: Any) -> bool:
    """Whether ``value`` names a Secret the set defines in the object's namespace: kong-operator's
    ``KONG_OPERATOR_CLUSTER_CA_SECRET: kong-operator-ca``, the Secret the same chart creates."""
    return (
        isinstance(value, str) and bool(DNS1123_SUBDOMAIN.fullmatch(value)) and bool(ctx.index.definitions(obj.namespace, "Secret", value))
    )


@object_check("KC008", local=_no_value_names_a_secret, pods=True)
def plaintext_secret_env(obj: K8sObject, ctx: RuleContext) -> Iterator[Problem]:
    for container in obj.containers():
        for index, entry in enumerate(sequence(container.data.get("env"))):
            entry = mapping(entry)
            name, value = entry.get("name"), entry.get("value")
            if not isinstance(name, str) or value is None:
                continue  # no value (valueFrom, or none at all): neither a literal secret nor a URL
            if (
                _credential_env_name(name)
                and is_literal_secret(value, name)
                and not _names_a_secret(obj, value)
                and not _secret_in_set(obj, ctx, value)
            ):
                yield Problem(
                    f"container {container.name!r} sets {name} as a literal value in the manifest",
                    path=(*container.path, "env", index, "value"),
                )
            elif isinstance(value, str) and url_password(value):
                yield Problem(
                    f"container {container.name!r} sets {name} to a URL with a password in it",
                    path=(*container.path, "env", index, "value"),
                )
