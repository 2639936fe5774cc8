"""CH009 template-syntax: templates that helm template cannot parse, and includes of undefined names."""

from __future__ import annotations

from collections.abc import Iterator

from k8slint.context import RuleContext
from k8slint.findings import Location, Problem
from k8slint.model.chartdeps import unavailable_dependencies
from k8slint.registry import chart_check
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


@chart_check("CH009")
def template_syntax(chart: ChartDoc, ctx: RuleContext) -> Iterator[Problem]:
    names: set[str] | None = None
    unavailable = unavailable_dependencies(chart.metadata.get("dependencies"), chart.dependency_charts)
    # Helm parses every template before it renders any: a render that went through settles that they
    # parse, and one that failed in a template says so there, in Helm's words (chart-render-failed)
    failed_in = {where.file for where in chart.render_failures}
    for template, info in chart.analysis:
        if not chart.parsed_by_helm and template.display not in failed_in:
            for error in info.errors:
                yield Problem(error.message, location=Location(template.display, error.line, error.column))
        # With a dependency missing, what it (and the charts it depends on in turn, such as
        # bitnami's `common`) defines is unknown: chart-dependency-unavailable says so, once.
        if info.calls and not unavailable:
            names = defined_names(chart) if names is None else names
            for name, line, column in info.calls:
                if name not in names:
                    yield Problem(
                        f"no template named {name!r} is defined in the chart or its available dependencies",
                        location=Location(template.display, line, column),
                    )
