"""References to objects that are not there.

KN020 missing-configmap, KN021 missing-secret, KN022 missing-pvc,
KN023 missing-serviceaccount, KN024 missing-configmap-key and
KN025 missing-secret-key read the same references (k8slint.model.references).

A referenced object counts as present (k8slint.model.graph.presence) when it is in the linted set (same
namespace), when the config lists it in ``external-objects``, when a kustomize
generator of a build that includes the file makes it, when the cluster
always has it (the ``default`` ServiceAccount, the ``kube-root-ca.crt``
ConfigMap), when a controller the set runs makes it in every namespace (istiod's
``istio-ca-root-cert``), or when a custom resource in the namespace names it (an operator
such as cert-manager or External Secrets makes it), or when a Role lets
something create it at run time (it may ``create`` that resource and names the
object in ``resourceNames``, as an init Job's Role does). A missing object is
reported only where the referring object's own folder defines objects of that
kind in that namespace: an application whose Secrets are all created outside
its manifests is not told that each one is missing, and unrelated apps that
share a namespace do not vouch for each other. References into the cluster's
own namespaces (kube-system, kube-public, kube-node-lease) are not checked.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from k8slint.context import RuleContext
from k8slint.findings import Problem, Related
from k8slint.model.graph.presence import managed_here, present
from k8slint.model.objects import K8sObject
from k8slint.model.references import Reference
from k8slint.registry import object_check


def _claim_templates(obj: K8sObject) -> set[str]:
    """Volume names a StatefulSet's volumeClaimTemplates provide (they replace pod volumes of that name)."""
    if obj.kind != "StatefulSet":
        return set()
    templates = obj.data.get("spec", {}).get("volumeClaimTemplates") if isinstance(obj.data.get("spec"), dict) else None
    names = set()
    for template in templates if isinstance(templates, list) else []:
        name = (
            template.get("metadata", {}).get("name") if isinstance(template, dict) and isinstance(template.get("metadata"), dict) else None
        )
        if isinstance(name, str):
            names.add(name)
    return names


def _missing(obj: K8sObject, ctx: RuleContext, kind: str) -> Iterator[Reference]:
    seen: set[tuple[str, Any]] = set()
    provided = _claim_templates(obj) if kind == "PersistentVolumeClaim" else set()
    for ref in obj.references():
        if ref.kind != kind or ref.optional or (ref.name, ref.path) in seen or ref.name in provided:
            continue
        seen.add((ref.name, ref.path))
        if not present(ctx.index, obj, kind, ref.name) and managed_here(ctx.index, obj, kind):
            yield ref


def _missing_object(obj: K8sObject, ctx: RuleContext, kind: str) -> Iterator[Problem]:
    for ref in _missing(obj, ctx, kind):
        yield Problem(
            f"{kind} {ref.name!r} is not defined in namespace {obj.namespace!r} (nor listed in external-objects)",
            path=ref.path,
            hint=f"Define the {kind}, fix the name, or list it under external-objects if it is created elsewhere.",
            # without its pull secret the kubelet still pulls, which fails only from a private registry
            variant="image-pull-secret" if "imagePullSecrets" in ref.path else None,
        )


@object_check("KN020", pods=True)
def missing_configmap(obj: K8sObject, ctx: RuleContext) -> Iterator[Problem]:
    yield from _missing_object(obj, ctx, "ConfigMap")


@object_check("KN021", pods=True)
def missing_secret(obj: K8sObject, ctx: RuleContext) -> Iterator[Problem]:
    yield from _missing_object(obj, ctx, "Secret")


@object_check("KN022", pods=True)
def missing_pvc(obj: K8sObject, ctx: RuleContext) -> Iterator[Problem]:
    yield from _missing_object(obj, ctx, "PersistentVolumeClaim")


@object_check("KN023", pods=True)
def missing_serviceaccount(obj: K8sObject, ctx: RuleContext) -> Iterator[Problem]:
    yield from _missing_object(obj, ctx, "ServiceAccount")


_TOKEN_KEYS = frozenset({"token", "ca.crt", "namespace"})
"""The keys the token controller writes into a ``kubernetes.io/service-account-token`` Secret
(kube-controller-manager's tokens controller: ``token``, ``ca.crt``, ``namespace``)."""


def _missing_keys(obj: K8sObject, ctx: RuleContext, kind: str) -> Iterator[Problem]:
    for ref in obj.references():
        if ref.kind != kind or ref.key is None or ref.optional:
            continue
        target = ctx.index.nearest(obj, kind, ref.name)
        if target is None:
            continue  # a missing object is its own finding
        keys = ctx.index.data_keys(target)
        if kind == "Secret" and target.data.get("type") == "kubernetes.io/service-account-token" and ref.key in _TOKEN_KEYS:
            continue
        if ref.key not in keys:
            related = (Related(target.locate(("metadata", "name")), ctx.index.resolved_to(obj, target)),)
            if not keys and kind == "Secret":
                yield Problem(
                    f"Secret {ref.name!r} has no keys at all, so not {ref.key!r}: as written the container cannot start; "
                    "an empty Secret in a repository is usually a placeholder filled when it is deployed",
                    path=ref.key_path or ref.path,
                    related=related,
                    hint="Fill the Secret where it is deployed (a script, a kustomize overlay, sealed-secrets or External Secrets), "
                    "or give it the key here.",
                    variant="empty-secret",
                )
                continue
            known = ", ".join(sorted(keys)) or "none"
            yield Problem(f"{kind} {ref.name!r} has no key {ref.key!r} (its keys: {known})", path=ref.key_path or ref.path, related=related)


@object_check("KN024", pods=True)
def missing_configmap_key(obj: K8sObject, ctx: RuleContext) -> Iterator[Problem]:
    yield from _missing_keys(obj, ctx, "ConfigMap")


@object_check("KN025", pods=True)
def missing_secret_key(obj: K8sObject, ctx: RuleContext) -> Iterator[Problem]:
    yield from _missing_keys(obj, ctx, "Secret")
