"""Which template names a chart calls and defines: what template-syntax and chart-dependency-unavailable read."""

from __future__ import annotations

import re
from collections.abc import Iterator

from k8slint.sources.charts import ChartDoc


def defined_names(chart: ChartDoc) -> set[str]:
    """Template names the chart and its locally available dependencies define."""
    from k8slint.model.gotemplate import analyse  # here, so that runs without charts do not pay for it

    names = {name for _, info in chart.analysis for name, _ in info.defines}
    for dependency in chart.dependency_charts.values():
        for text in [*dependency["templates"].values(), *dependency.get("nested", {}).values()]:
            names.update(name for name, _ in analyse(text).defines)
    for dep in chart.metadata.get("dependencies") or []:
        repository = dep.get("repository") if isinstance(dep, dict) else None
        if isinstance(repository, str) and repository.startswith("file://"):
            for text in chart.local_dependency_templates(repository).values():
                names.update(n for n, _ in analyse(text).defines)
    return names


# A name made at run time; not the checksum idiom `include (print $.Template.BasePath "/x.yaml")`, which names a file.
_DYNAMIC_CALL = re.compile(r"\b(?:include|template)\s+\((?!\s*printf?\s+\$?\.Template\.BasePath\b)")


def dead_defines(chart: ChartDoc) -> set[str | None]:
    """The defines of an application chart that nothing calls: what they call never runs (tempo's
    ``tempo.imageRenderer.labels`` includes a name nothing defines, and nothing includes it). None
    when a call names its template at run time (``include (printf ...)``), or in a library chart,
    whose defines are called from the charts that use it. A ``tpl`` runs the templates in values:
    the calls in values.yaml's strings count."""
    from k8slint.model.gotemplate import analyse

    if chart.metadata.get("type") == "library":
        return set()
    if any(_DYNAMIC_CALL.search(template.text) for template in chart.templates):
        return set()
    called = {name for _, info in chart.analysis for name, _, _ in info.calls}
    for text in _strings(chart.values.data if chart.values is not None else None):
        if "{{" in text:
            called.update(name for name, _, _ in analyse(text).calls)
    for dependency in chart.dependency_charts.values():  # a subchart may call a define of its parent's
        for text in [*dependency["templates"].values(), *dependency.get("nested", {}).values()]:
            called.update(name for name, _, _ in analyse(text).calls)
    return {name for _, info in chart.analysis for name, _ in info.defines if name not in called}


def _strings(value: object) -> Iterator[str]:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def undefined_calls(chart: ChartDoc) -> list[str]:
    """The names the chart's templates call (in defines something calls) that neither the chart nor its
    available dependencies define: what a dependency missing from charts/ may define."""
    names, dead = defined_names(chart), dead_defines(chart)
    return sorted(
        {
            name
            for _, info in chart.analysis
            for (name, _, _), caller in zip(info.calls, info.callers, strict=True)
            if name not in names and caller not in dead
        }
    )
