"""Schema validation: KL010 schema-violation, KL011 unknown-field, KL012 unknown-kind,
KL014 schema-ref-refused (for CRDs and --schema-location folders; charts in chart_values).

The first three rules share one validation per object (cached by the run's
schema store); each reports its own kind of result.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from typing import Any

from k8slint.context import RuleContext
from k8slint.findings import Location, Problem, format_path
from k8slint.model.kinds import api_group, is_custom_resource
from k8slint.model.lifecycle import is_removed
from k8slint.model.objects import K8sObject
from k8slint.model.placeholders import null_placeholder, schema_placeholder
from k8slint.model.values import dig
from k8slint.model.workloads import SELECTOR_REQUIRED_KINDS
from k8slint.registry import object_check, set_check


def _builtin(obj: K8sObject) -> bool:
    """Built-in kinds are validated against the shipped schemas alone; custom
    resources need the CustomResourceDefinitions of the whole set."""
    return not is_custom_resource(obj.api_version)


@object_check("KL010", local=_builtin)
def schema_violation(obj: K8sObject, ctx: RuleContext) -> Iterator[Problem]:
    for error in ctx.schemas.errors(obj) or ():
        if error.unknown_field:
            continue
        if error.path and schema_placeholder(value := dig(obj.data, tuple(error.path)), error.message):
            continue  # reported by unrendered-placeholder
        if error.path and value is None and not error.missing and null_placeholder(obj, tuple(error.path)):
            continue  # `name: ##CRNAME##`: a placeholder read as a comment, reported by unrendered-placeholder
        if error.missing and tuple(error.path) == ("spec", "selector") and _selector_rule_reports(obj):
            continue  # selector-mismatch says the selector is required, and why: one finding
        yield Problem(error.message, path=error.path)


def _selector_rule_reports(obj: K8sObject) -> bool:
    """Whether selector-mismatch (KR001) reports the missing selector of this workload: apps/v1 requires one."""
    spec = obj.data.get("spec")
    return obj.kind in SELECTOR_REQUIRED_KINDS and isinstance(spec, dict) and isinstance(spec.get("template"), dict)


@object_check("KL011", local=_builtin)
def unknown_field(obj: K8sObject, ctx: RuleContext) -> Iterator[Problem]:
    for error in ctx.schemas.errors(obj) or ():
        if error.unknown_field:
            yield Problem(error.message, path=error.path)


@object_check("KL017", local=_builtin)
def misspelt_field(obj: K8sObject, ctx: RuleContext) -> Iterator[Problem]:
    if ctx.schemas.strict:
        return  # unknown-field reports every unknown field, with its close match
    for error in ctx.strict_schemas.errors(obj) or ():
        if not error.unknown_field or error.suggestion is None or not error.path:
            continue
        field = error.path[-1]
        if isinstance(field, str) and misspelling_of(field, error.suggestion):
            where = format_path(error.path[:-1]) or "the object"
            yield Problem(
                f"{field!r} in {where} is not a field: it looks like {error.suggestion!r} misspelt; kubectl apply's "
                f"default strict field validation refuses the object, and without it the field is dropped, so "
                f"{error.suggestion} is never set",
                path=error.path,
            )


def misspelling_of(written: str, known: str) -> bool:
    """Whether ``written`` is ``known`` with a typo: the same letters in another case, or at most one edit (two for
    names of nine letters or more) by insertion, deletion, substitution or a swap of neighbours (optimal string
    alignment), never a field name of three letters or fewer."""
    if written == known or min(len(written), len(known)) <= 3:
        return False
    if written.lower() == known.lower():
        return True
    allowed = 2 if min(len(written), len(known)) >= 9 else 1
    if abs(len(written) - len(known)) > allowed:
        return False
    previous2: list[int] = []
    previous = list(range(len(known) + 1))
    for i, a in enumerate(written, start=1):
        current = [i] + [0] * len(known)
        for j, b in enumerate(known, start=1):
            cost = 0 if a == b else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a == known[j - 2] and written[i - 2] == b:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[-1] <= allowed


@object_check("KL012", local=_builtin)
def unknown_kind(obj: K8sObject, ctx: RuleContext) -> Iterator[Problem]:
    api_version, kind = obj.api_version, obj.kind
    if api_version is None or kind is None or is_removed(api_version, kind, ctx.kubernetes_version):
        return
    if ctx.schemas.errors(obj) is not None:
        return
    uncompiled = ctx.schemas.uncompiled(obj)
    if uncompiled is not None:
        # k8slint's limit, not the object's: the API server compiles the schemas it accepted
        yield Problem(uncompiled, path=("kind",), variant="uncompiled")
        return
    if is_custom_resource(api_version):
        from k8slint.model.schemas import BUNDLED_GROUPS, bundled_crd_release

        served = ctx.schemas.served_crd_versions(api_version, kind)
        version = api_version.rpartition("/")[2]
        if served is not None and version not in served:
            # the API server's discovery lists only served versions: kubectl and the API server find no such kind
            serves = f"it serves {', '.join(served)}" if served else "it serves no version"
            yield Problem(
                f"the CustomResourceDefinition of {kind} in the set does not serve {version} ({serves}): the API server "
                f"refuses the object (no matches for kind {kind!r} in version {api_version!r})",
                path=("apiVersion",),
                variant="unserved-version",
            )
            return
        if served is not None:
            yield Problem(
                f"no schema for {kind} ({api_version}): its CustomResourceDefinition in the set gives none for {version}, "
                "so it was not validated",
                path=("kind",),
            )
            return
        bundled = ""
        if api_group(api_version) in BUNDLED_GROUPS:
            bundled = f" (the Gateway API {bundled_crd_release()} standard-channel CRDs k8slint bundles do not serve this version)"
        yield Problem(
            f"no schema for {kind} ({api_version}): its CustomResourceDefinition is not in the linted set "
            f"and no --schema-location provides one, so it was not validated{bundled}",
            path=("kind",),
        )
        return
    known = _builtin_kinds(ctx, api_version)
    close = difflib.get_close_matches(kind, known, n=1)
    suggestion = f"; did you mean {close[0]!r}?" if close else ""
    yield Problem(
        f"Kubernetes {ctx.kubernetes_version} serves no kind {kind!r} in {api_version}{suggestion}",
        path=("kind",),
        variant="unserved-kind",
    )


def _builtin_kinds(ctx: RuleContext, api_version: str) -> list[str]:
    """Kinds served under ``api_version`` by the target version, from the schemas' own kind enums."""
    return ctx.schemas.kinds_of(api_version)


@object_check("KL014", kinds={"CustomResourceDefinition"}, local=True)
def crd_schema_ref(obj: K8sObject, ctx: RuleContext) -> Iterator[Problem]:
    """Every reference in a CRD's schemas: the API server forbids them, and k8slint retrieves none."""
    from k8slint.model.schemas import crd_schema_holders, shown_ref, walk_refs

    for prefix, schema in crd_schema_holders(obj):
        for path, ref, _ in walk_refs(schema):
            yield Problem(
                f"k8slint refused to retrieve {path[-1]} {shown_ref(ref)}: the API server does not allow references "
                "in a CustomResourceDefinition schema, and k8slint retrieves nothing for one; that part was not validated",
                path=(*prefix, *path),
            )


@set_check("KL014")
def location_schema_ref(ctx: RuleContext) -> Iterator[Problem]:
    """The refused references of the --schema-location schemas the custom resources in the set use, once per file."""
    if not ctx.schema_locations:
        return
    from k8slint.model.schemas import RefPolicy
    from k8slint.sources.yamlsafe import json_position

    policy = RefPolicy(ctx.schema_locations, "the --schema-location folders")
    seen_kinds: set[tuple[str, str]] = set()
    seen_refs: set[tuple[str, tuple[Any, ...]]] = set()
    for obj in ctx.index.objects:
        api_version, kind = obj.api_version, obj.kind
        if not isinstance(api_version, str) or not isinstance(kind, str) or not is_custom_resource(api_version):
            continue
        if (api_version, kind) in seen_kinds or ctx.schemas.has_crd_schema(api_version, kind):
            continue
        seen_kinds.add((api_version, kind))
        found = ctx.schemas.location_schema(api_version, kind)
        if found is None:
            continue
        for display, text, refused in found.refusals(policy):
            if (display, refused.path) in seen_refs:
                continue
            seen_refs.add((display, refused.path))
            line, column = json_position(text, refused.path)
            yield Problem(refused.message(), location=Location(display, line, column), variant="not-retrieved")
