"""CH009 template-syntax: templates that helm template cannot parse, and includes of undefined names."""

from __future__ import annotations

from collections.abc import Iterator

from k8slint.context import RuleContext
from k8slint.findings import Location, Problem
from k8slint.model.chartdeps import unavailable_dependencies
from k8slint.registry import chart_check
from k8slint.sources.chartcalls import dead_defines, defined_names
from k8slint.sources.charts import ChartDoc


@chart_check("CH009")
def template_syntax(chart: ChartDoc, ctx: RuleContext) -> Iterator[Problem]:
    names: set[str] | None = None
    dead: set[str | None] | None = None
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
            dead = dead_defines(chart) if dead is None else dead
            for (name, line, column), caller in zip(info.calls, info.callers, strict=True):
                if name not in names and caller not in dead:
                    yield Problem(
                        f"no template named {name!r} is defined in the chart or its available dependencies",
                        location=Location(template.display, line, column),
                    )
