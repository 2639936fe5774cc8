"""Which objects a kustomize patch's ``target`` selects (kustomize api/types/selector.go): each of kind, group,
version and name is an anchored regular expression, and a label selector's terms must all hold. The build
(k8slint.sources.kustomize_build) places findings with it; SourceFile.patched reads what every build of a file's
patches does with it, unbuilt."""

from __future__ import annotations

import functools
import json
import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from k8slint.model.objects import K8sObject


@functools.lru_cache(maxsize=256)
def parsed_target(text: str) -> dict[str, Any]:
    """A target as a patch fact holds it (its JSON), read once: callers do not change it."""
    found: dict[str, Any] = json.loads(text)
    return found


def selects(pattern: str, *candidates: str | None) -> bool:
    """Whether a selector field (an anchored regular expression; empty selects all) matches one of ``candidates``."""
    if not pattern:
        return True
    try:
        compiled = re.compile(f"(?:{pattern})\\Z")
    except re.error:
        return False
    return any(candidate is not None and compiled.match(candidate) for candidate in candidates)


def targets(target: dict[str, Any], obj: K8sObject, original: str | None, kinds: set[str | None] | None = None) -> bool:
    """Whether a patch's ``target`` selects ``obj`` (kind, name as a regular expression, group, version).
    ``kinds``: the kinds the object may have had when the patch applied (its own, and the written one when
    the patch may change it)."""
    # kustomize compiles each field of a selector as an anchored regular expression (NewSelectorRegex in
    # api/types/selector.go): `kind: StatefulSet|Deployment`, `name: .*`
    kind = target.get("kind")
    if isinstance(kind, str) and not selects(kind, *(kinds if kinds is not None else {obj.kind})):
        return False
    api_version = obj.api_version or ""
    group, _, version = api_version.rpartition("/")
    if isinstance(target.get("group"), str) and not selects(target["group"], group):
        return False
    if isinstance(target.get("version"), str) and not selects(target["version"], version):
        return False
    name = target.get("name")
    if isinstance(name, str) and not selects(name, original, obj.name):
        return False
    selector = target.get("labelSelector")
    if isinstance(selector, str) and selector.strip():
        labels = obj.labels
        for term in selector.split(","):
            key, equals, value = term.partition("=")
            if equals and labels.get(key.strip().rstrip("!")) != value.strip().lstrip("="):
                return False
    return True
