"""KM004 duplicate-object: the same object twice in one file or stream."""

from __future__ import annotations

from collections.abc import Iterator

from k8slint.context import RuleContext
from k8slint.findings import Problem, Related
from k8slint.model.kinds import api_group
from k8slint.model.objects import K8sObject
from k8slint.registry import set_check


@set_check("KM004", local=True)
def check(ctx: RuleContext) -> Iterator[Problem]:
    """Objects of one group, kind, namespace and name within one file (or stream).

    Services are left to duplicate-service-port, which reports them already.
    Separate files are not compared: they are often alternatives (overlays,
    variants of a sample) rather than parts applied together.
    """
    first: dict[tuple[str, str, str, str | None, str], K8sObject] = {}
    for obj in ctx.index.objects:
        kind, name, api_version = obj.kind, obj.name, obj.api_version
        if kind is None or name is None or api_version is None or kind == "Service":
            continue
        key = (obj.file.display, api_group(api_version), kind, obj.namespace, name)
        original = first.setdefault(key, obj)
        if original is obj:
            continue
        where = f" in namespace {obj.namespace!r}" if obj.namespace else ""
        yield Problem(
            f"{kind} {name!r}{where} is defined again in this file; the last one applied silently replaces the first",
            path=("metadata", "name"),
            subject=obj,
            related=(Related(original.locate(("metadata", "name")), "first defined here"),),
        )
