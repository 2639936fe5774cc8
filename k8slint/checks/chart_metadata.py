"""Chart.yaml: CH001 chart-version-not-semver, CH002 chart-metadata, CH003 chart-dependency,
CH004 chart-dependency-unavailable."""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Iterator
from typing import Any

from k8slint.context import RuleContext
from k8slint.findings import Problem
from k8slint.registry import chart_check
from k8slint.sources.charts import ChartDoc

_CHART_NAME = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
_URL = re.compile(r"^https?://[^\s/$.?#].[^\s]*$", re.IGNORECASE)
REPOSITORY_SCHEMES = ("https://", "http://", "oci://", "file://")
_VERSION_NUMBERS = re.compile(r"v?([0-9]+)\.([0-9]+)\.([0-9]+)")
# What Helm's loader accepts as a chart version (Masterminds semver's loose grammar): `v1.2.3`, `1.2`, `1`.
_HELM_LOOSE_VERSION = re.compile(r"v?[0-9]+(\.[0-9]+)?(\.[0-9]+)?(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?")
_LEADING_ZERO_PRERELEASE = re.compile(r"-(.*\.)?0[0-9]+(\.|\+|$)")
_UINT64_MAX = 2**64 - 1


def _semver(text: Any) -> str | None:
    """Why ``text`` is not a strict SemVer 2.0.0 version (None when it is)."""
    import semver

    if not isinstance(text, str):
        return f'must be a string, not {type(text).__name__} (quote it: "{text}")'
    numbers = _VERSION_NUMBERS.match(text)
    # checked before semver, whose int() refuses more than 4300 digits
    if numbers and any(len(n.lstrip("0")) > 20 or int(n) > _UINT64_MAX for n in numbers.groups()):
        return "has a number larger than 2^64-1 (Helm reads MAJOR, MINOR and PATCH as 64-bit numbers)"
    if semver.Version.is_valid(text):
        return None
    if text.startswith("v") and semver.Version.is_valid(text[1:]):
        return "must not start with 'v'"
    return "is not MAJOR.MINOR.PATCH (SemVer 2.0.0: no leading zeros, optional -pre-release and +build)"


@chart_check("CH001")
def version_not_semver(chart: ChartDoc, ctx: RuleContext) -> Iterator[Problem]:
    if not chart.metadata:
        return
    version = chart.metadata.get("version")
    if version is None:
        yield Problem("Chart.yaml has no version", location=chart.chart_location())
        return
    problem = _semver(version)
    if problem:
        loose = isinstance(version, str) and _HELM_LOOSE_VERSION.fullmatch(version) and not _LEADING_ZERO_PRERELEASE.search(version)
        yield Problem(
            f"chart version {version!r} {problem}" + (" (Helm still loads it)" if loose else ""),
            location=chart.chart_location(("version",)),
            variant="loose-version" if loose else None,
        )


def _problem(chart: ChartDoc, message: str, path: tuple[Any, ...], variant: str | None = None) -> Problem:
    return Problem(message, location=chart.chart_location(path), variant=variant)


@chart_check("CH002")
def chart_metadata(chart: ChartDoc, ctx: RuleContext) -> Iterator[Problem]:
    if chart.chart is None:
        return
    meta = chart.chart.data
    if not isinstance(meta, dict):
        if meta is not None:
            yield _problem(chart, f"Chart.yaml must be a mapping, not {type(meta).__name__}", ())
        return
    api = meta.get("apiVersion")
    if api == "v1":
        yield _problem(chart, "apiVersion v1 is deprecated (Helm 2); use v2", ("apiVersion",), "helm2-api-version")
    elif api != "v2":  # Helm reads a chart without a known apiVersion as v1; helm lint refuses it
        yield _problem(chart, f"apiVersion must be v2, not {api!r}", ("apiVersion",) if "apiVersion" in meta else (), "helm-lint-only")
    name = meta.get("name")
    if not isinstance(name, str) or not name:
        yield _problem(chart, "Chart.yaml has no name", ())
    elif not _CHART_NAME.fullmatch(name):
        # Helm's loader refuses only a name with a path separator in it
        refused = os.path.basename(name) != name or "\\" in name
        yield _problem(
            chart, f"chart name {name!r} must be lower-case letters, digits and '-'", ("name",), None if refused else "helm-lint-only"
        )
    elif name != chart.path.resolve().name and not os.path.lexists(chart.path / ".git"):
        # a chart at the root of its repository (hashicorp/vault-helm) sits in whatever folder it was cloned to
        yield _problem(
            chart,
            f"chart name {name!r} differs from its folder {chart.path.resolve().name!r}; "
            "the packaged chart and its source should carry one name",
            ("name",),
            "name-differs-from-folder",
        )
    chart_type = meta.get("type", "application")
    if chart_type not in ("application", "library"):
        yield _problem(chart, f"type must be application or library, not {chart_type!r}", ("type",))
    if chart_type == "application" and not meta.get("appVersion"):
        yield _problem(chart, "an application chart should say which app version it deploys (appVersion)", (), "no-app-version")
    if not meta.get("description"):
        yield _problem(chart, "Chart.yaml has no description", (), "no-description")
    for index, maintainer in enumerate(meta.get("maintainers") or []):
        if not isinstance(maintainer, dict) or not maintainer.get("name"):
            yield _problem(chart, "each maintainer needs a name", ("maintainers", index), "helm-lint-only")
    kube_version = meta.get("kubeVersion")
    if kube_version is not None:
        # imported here, so that runs without charts do not pay for it
        from k8slint.model.helmsemver import ConstraintError, parse_constraints

        try:
            parse_constraints(str(kube_version))
        except ConstraintError as exc:
            yield _problem(chart, f"kubeVersion {kube_version!r} is not a valid constraint: {exc}", ("kubeVersion",))
    for field in ("icon", "home"):
        value = meta.get(field)
        if value is not None and not (isinstance(value, str) and _URL.match(value)):
            yield _problem(chart, f"{field} {value!r} is not an http(s) URL", (field,), "url-not-http")
    for index, source in enumerate(meta.get("sources") or []):
        if not (isinstance(source, str) and _URL.match(source)):
            yield _problem(chart, f"source {source!r} is not an http(s) URL", ("sources", index), "url-not-http")


def _dependencies(chart: ChartDoc) -> Iterator[tuple[int, dict[str, Any]]]:
    deps = chart.metadata.get("dependencies")
    for index, dep in enumerate(deps if isinstance(deps, list) else []):
        if isinstance(dep, dict):
            yield index, dep


@chart_check("CH003")
def chart_dependency(chart: ChartDoc, ctx: RuleContext) -> Iterator[Problem]:
    for index, dep in _dependencies(chart):
        base = ("dependencies", index)
        name, version, repository = dep.get("name"), dep.get("version"), dep.get("repository")
        if not isinstance(name, str) or not name:
            yield _problem(chart, "a dependency needs a name", base)
        if version is not None:
            from k8slint.model.helmsemver import ConstraintError, parse_constraints

            try:
                parse_constraints(str(version))
            except ConstraintError as exc:
                yield _problem(chart, f"dependency version {version!r} is not a valid version constraint: {exc}", (*base, "version"))
        if repository in (None, ""):
            continue  # the chart is expected in charts/ already
        if not isinstance(repository, str):
            yield _problem(chart, "repository must be a string", (*base, "repository"))
        elif repository.startswith("http://"):
            yield _problem(
                chart,
                f"repository {repository!r} is plain HTTP: charts can be tampered with in transit",
                (*base, "repository"),
                "plain-http-repository",
            )
        elif not (repository.startswith(REPOSITORY_SCHEMES) or repository.startswith(("@", "alias:"))):
            yield _problem(
                chart,
                f"repository {repository!r} must be https://, oci://, file://, or a repository alias (@name, alias:name)",
                (*base, "repository"),
            )


def _satisfies(version: str, constraint: Any) -> bool:
    if constraint is None:
        return True
    from k8slint.model.helmsemver import ConstraintError, parse_constraints, parse_version

    try:
        constraints = parse_constraints(str(constraint))
    except ConstraintError:
        return True  # an invalid constraint is chart-dependency's finding
    try:
        return constraints.check(parse_version(version))
    except ConstraintError:
        return False  # a version Helm cannot read (too long, a number past 2^64-1) satisfies nothing


@chart_check("CH004")
def dependency_unavailable(chart: ChartDoc, ctx: RuleContext) -> Iterator[Problem]:
    said = False
    for problem in _dependency_problems(chart):
        # a dependency not in charts/: what it defines is unknown, and template-syntax checks no call;
        # said once, on the first
        if problem.variant != "lock-disagrees" and not said:
            from k8slint.sources.chartcalls import undefined_calls

            said = True
            names = undefined_calls(chart)
            if names:
                shown = ", ".join(repr(name) for name in names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
                unchecked = (
                    f"; until the dependency is in charts/, the templates the chart calls and does not define ({shown}) are not checked"
                )
                problem = dataclasses.replace(problem, message=problem.message + unchecked)
        yield problem


def _dependency_problems(chart: ChartDoc) -> Iterator[Problem]:
    deps = list(_dependencies(chart))
    if not deps:
        return
    vendored = chart.dependency_charts
    lock = chart.lock.data if chart.lock and isinstance(chart.lock.data, dict) else None
    locked = {d.get("name"): d for d in (lock or {}).get("dependencies") or [] if isinstance(d, dict)}
    for index, dep in deps:
        name, constraint, repository = dep.get("name"), dep.get("version"), dep.get("repository") or ""
        if not isinstance(name, str):
            continue
        base = ("dependencies", index)
        if isinstance(repository, str) and repository.startswith("file://"):
            problems = list(_file_dependency(chart, base, name, constraint, repository))
            here = vendored.get(name)
            if problems and here is not None and _satisfies(here["version"], constraint):
                # Helm renders the chart in charts/ (CheckDependencies looks for the name there): only helm dependency
                # update follows the path
                for problem in problems:
                    yield dataclasses.replace(
                        problem,
                        message=f"{problem.message}; charts/ holds {name} {here['version']}, which Helm renders (only helm "
                        "dependency update reads the path, and would fail)",
                        variant="file-path-vendored",
                    )
                continue
            yield from problems
            continue
        if name in vendored and _satisfies(vendored[name]["version"], constraint) and not repository:
            continue
        if lock is None:
            yield _problem(
                chart, f"dependency {name!r} is not locked: {chart.lock_name} is missing (run helm dependency update)", base, "not-fetched"
            )
            continue
        entry = locked.get(name)
        available = vendored.get(name)
        locked_version = str(entry.get("version", "")) if entry is not None else None
        if available is not None and available["version"] != locked_version and _satisfies(available["version"], constraint):
            # Helm renders the chart in charts/ whatever Chart.lock says: its install and template check
            # only that a dependency of that name is there (pkg/action CheckDependencies)
            pinned = f"{chart.lock_name} pins {locked_version}" if entry is not None else f"{chart.lock_name} does not list it"
            yield _problem(
                chart,
                f"charts/ holds {name} {available['version']}, which satisfies {constraint!r} and is what Helm renders, "
                f"but {pinned} (run helm dependency update to bring them together)",
                base,
                "lock-disagrees",
            )
            continue
        if entry is None:
            yield _problem(chart, f"dependency {name!r} is not in {chart.lock_name} (run helm dependency update)", base)
            continue
        locked_version = str(entry.get("version", ""))
        if not _satisfies(locked_version, constraint):
            yield _problem(
                chart,
                f"{chart.lock_name} pins {name} {locked_version}, which does not satisfy {constraint!r} (run helm dependency update)",
                (*base, "version"),
            )
            continue
        if available is None or available["version"] != locked_version:
            yield _problem(
                chart,
                f"dependency {name} {locked_version} is not in charts/ (neither charts/{name}-{locked_version}.tgz "
                "nor an unpacked folder): run helm dependency build",
                base,
                "not-fetched",
            )


def _file_dependency(chart: ChartDoc, base: tuple[Any, ...], name: str, constraint: Any, repository: str) -> Iterator[Problem]:
    folder = chart.local_dependencies.get(repository)
    if folder is None:
        return  # outside the linted paths: not read (skipped-file says so)
    chart_file = folder / "Chart.yaml"
    if not chart_file.is_file():
        yield _problem(
            chart, f"dependency {name!r}: {repository} holds no chart ({os.path.relpath(folder)} has no Chart.yaml)", (*base, "repository")
        )
        return
    from k8slint.sources.charts import read_yaml_file

    meta = read_yaml_file(chart_file, chart.roots)
    meta = meta if isinstance(meta, dict) else {}
    if meta.get("name") != name:
        yield _problem(chart, f"dependency {name!r}: the chart at {repository} is named {meta.get('name')!r}", (*base, "name"))
    elif not _satisfies(str(meta.get("version", "")), constraint):
        yield _problem(
            chart,
            f"dependency {name!r}: the chart at {repository} is version {meta.get('version')}, not {constraint!r}",
            (*base, "version"),
        )
