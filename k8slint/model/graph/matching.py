"""When a selector matches nothing: the nearest pod template, and whether that is evidence of a bug.

A selector whose workload is simply not among the linted files (installed by
another chart, created by a script) is not a finding. It is one when the
selecting object's own file holds pod templates in its namespace (a
self-contained unit), or when a pod template nearly matches: one label off the
way typos are, or missing one label the selector wants.
"""

from __future__ import annotations

from dataclasses import dataclass

from k8slint.model.graph.index import ObjectIndex, PodTemplate
from k8slint.model.objects import K8sObject
from k8slint.model.selectors import Selector, label_text


@dataclass(frozen=True, slots=True)
class Miss:
    nearest: PodTemplate
    key: str
    wanted: str

    @property
    def difference(self) -> str:
        labels = self.nearest.labels
        return f"{self.key}: {label_text(labels[self.key])}" if self.key in labels else f"no {self.key!r} label"


def explain_miss(subject: K8sObject, selector: Selector, index: ObjectIndex) -> Miss | None:
    """The nearest template the subject sees in its namespace when the evidence says the selector is wrong;
    None to stay silent."""
    nearest = _nearest(selector, index, subject)
    if nearest is None:
        return None
    key, wanted = _first_difference(selector, nearest)
    same_file = any(t.obj.namespace == subject.namespace for t in index.templates_in_file(subject.file.display))
    if same_file or _looks_like_typo(selector, nearest, key, wanted):
        return Miss(nearest, key, wanted)
    return None


def _agreeing(selector: Selector, template: PodTemplate) -> int:
    return sum(1 for key, value in selector.match_labels if key in template.labels and label_text(template.labels[key]) == value)


def _nearest(selector: Selector, index: ObjectIndex, subject: K8sObject) -> PodTemplate | None:
    """The visible template of the subject's namespace that agrees with most of the selector (the nearest of equals)."""
    if not selector.match_labels:
        return None
    found = index.most_agreeing_template(subject, selector)
    return found[0] if found is not None else None


def _first_difference(selector: Selector, template: PodTemplate) -> tuple[str, str]:
    for key, value in selector.match_labels:
        if key not in template.labels or label_text(template.labels[key]) != value:
            return key, value
    # every label agrees: an expression is what fails
    key, value = selector.match_labels[0]
    return key, value


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
