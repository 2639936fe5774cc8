"""KN001 service-selector-no-match: a Service that routes to no pods.

A Service whose workload is simply not among the linted files (installed by
another chart, created by a script) is not reported: the rule speaks when the
evidence says the selector is wrong. That is when the Service's own file holds
pod templates in its namespace (a self-contained unit), when a pod template
nearly matches (one label off by a typo, or missing one label), or when the
matching pods are in another namespace.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from k8slint.findings import Problem, Related
from k8slint.model.index import PodTemplate
from k8slint.model.selectors import Selector, from_map, label_text
from k8slint.registry import object_check
from k8slint.sources.manifests import K8sObject


@object_check("KN001", kinds=("Service",))
def check(obj: K8sObject, ctx: Any) -> Iterator[Problem]:
    spec = obj.data.get("spec")
    if not isinstance(spec, dict) or spec.get("type") == "ExternalName":
        return
    raw = spec.get("selector")
    if not isinstance(raw, dict) or not raw:
        return  # no selector: endpoints are managed by hand
    selector = from_map(raw)
    index = ctx.index
    if index.templates_matching(obj.namespace, selector) or index.operator_owner(obj.namespace, selector):
        return
    elsewhere = _same_file_other_namespace(obj, selector, index)
    if elsewhere is not None:
        yield Problem(
            f"selector {_show(selector)} matches the pods of {elsewhere.obj.describe()}, but a Service only "
            f"selects pods in its own namespace ({obj.namespace!r})",
            path=("spec", "selector"),
            related=(Related(elsewhere.obj.locate(("metadata",)), f"{elsewhere.obj.describe()} is here"),),
        )
        return
    templates = index.pod_templates.get(obj.namespace, [])
    nearest = _nearest(selector, templates)
    if nearest is None:
        return
    key, wanted = _first_difference(selector, nearest)
    same_file = any(t.obj.file is obj.file for t in templates)
    if not same_file and not _looks_like_typo(selector, nearest, key, wanted):
        return
    difference = f"{key}: {label_text(nearest.labels[key])}" if key in nearest.labels else f"no {key!r} label"
    yield Problem(
        f"selector {_show(selector)} matches no pod template in namespace {obj.namespace!r}; nearest is "
        f"{nearest.obj.kind} {nearest.obj.name!r}, whose pods have {difference} where the selector wants {key}: {wanted}",
        path=("spec", "selector", key),
        related=(Related(nearest.obj.locate((*nearest.path, "metadata", "labels")), f"pod labels of {nearest.obj.describe()}"),),
    )


def _show(selector: Selector) -> str:
    return "{" + ", ".join(f"{k}: {v}" for k, v in selector.match_labels) + "}"


def _same_file_other_namespace(obj: K8sObject, selector: Selector, index: Any) -> PodTemplate | None:
    for namespace, templates in index.pod_templates.items():
        if namespace == obj.namespace:
            continue
        for template in templates:
            if template.obj.file is obj.file and template.selected_by(selector):
                return template
    return None


def _agreeing(selector: Selector, template: PodTemplate) -> int:
    return sum(
        1 for key, value in selector.match_labels if key in template.labels and label_text(template.labels[key]) == value
    )


def _nearest(selector: Selector, templates: list[PodTemplate]) -> PodTemplate | None:
    """The template that agrees with most of the selector (the first of equals)."""
    best, best_score = None, -1
    for template in templates:
        score = _agreeing(selector, template)
        if score > best_score:
            best, best_score = template, score
    return best


def _first_difference(selector: Selector, template: PodTemplate) -> tuple[str, str]:
    for key, value in selector.match_labels:
        if key not in template.labels or label_text(template.labels[key]) != value:
            return key, value
    raise AssertionError("a template that does not match must differ somewhere")


def _looks_like_typo(selector: Selector, template: PodTemplate, key: str, wanted: str) -> bool:
    """One selector label is off, and it is off the way typos are."""
    if _agreeing(selector, template) != len(selector.match_labels) - 1:
        return False
    labels = {str(k): label_text(v) for k, v in template.labels.items()}
    if key in labels:
        return similar(labels[key], wanted)
    if any(similar(other, key) and value == wanted for other, value in labels.items()):
        return True  # the key itself is misspelt
    return len(selector.match_labels) > 1  # the template lacks one label the selector wants


def similar(a: str, b: str) -> bool:
    """Equal but for case, one inside the other, or at most two edits apart."""
    a_low, b_low = a.lower(), b.lower()
    if a_low in b_low or b_low in a_low:
        return True
    return _edit_distance(a_low, b_low, limit=2) <= 2


def _edit_distance(a: str, b: str, limit: int) -> int:
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, start=1):
        current = [i]
        for j, char_b in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b)))
        previous = current
    return previous[-1]
