"""Chart values: CH005 values-schema-violation, CH006 required-value-without-default,
CH007 undefined-value, CH008 unused-value; KL014 schema-ref-refused for values.schema.json.

values.schema.json is compiled with a registry whose only retrieval is of
regular JSON files inside the chart folder: jsonschema's automatic retrieval
(which fetches any URL, with no timeout) is never reached.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from k8slint.context import RuleContext
from k8slint.findings import Location, Problem, Related, format_path
from k8slint.model.chartdeps import unavailable_dependencies
from k8slint.model.gotemplate import open_tests
from k8slint.model.values import dig
from k8slint.registry import chart_check
from k8slint.sources.charts import ChartDoc, read_text


def _values(chart: ChartDoc) -> dict[str, Any]:
    data = chart.values.data if chart.values else None
    return data if isinstance(data, dict) else {}


def _values_location(chart: ChartDoc, path: tuple[Any, ...]) -> Location:
    if chart.values is not None:
        return chart.values.locate(path)
    return Location(f"{chart.root}/values.yaml", 1, 1)


class _Unvalidated(Exception):
    """values.schema.json could not be applied; the message says why."""

    def __init__(self, message: str, location: Location) -> None:
        super().__init__(message)
        self.message = message
        self.location = location


def _schema_errors(chart: ChartDoc) -> list[Any]:
    """jsonschema's errors for values.yaml against values.schema.json, sorted by path."""
    import jsonschema
    import referencing.exceptions

    assert isinstance(chart.schema, dict) and chart.schema_source is not None
    try:
        validator_class = jsonschema.validators.validator_for(chart.schema, default=jsonschema.Draft7Validator)
        validator_class.check_schema(chart.schema)
    except jsonschema.SchemaError as exc:
        where = format_path(tuple(exc.absolute_path)) or "the top level"
        raise _Unvalidated(
            f"values.schema.json is not a valid JSON Schema at {where}: {exc.message}", Location(chart.schema_source.display, 1, 1)
        ) from None
    schema, schema_registry = _compilable(chart)
    validator = validator_class(schema, registry=schema_registry)
    values = _values(chart) if chart.values else {}
    try:
        return sorted(validator.iter_errors(values), key=lambda e: list(map(str, e.absolute_path)))
    except referencing.exceptions.Unresolvable as exc:
        # a reference the scan did not see as refused (through $id, say): said without the resolver's text
        ref = getattr(exc, "ref", "")
        raise _Unvalidated(
            f"values.schema.json could not be applied: the reference {_shown(ref)} does not resolve inside the chart; values were not validated",
            Location(chart.schema_source.display, 1, 1),
        ) from None


def _refused_nulls(chart: ChartDoc) -> set[tuple[Any, ...]]:
    """Paths whose default in values.yaml is null and that the schema refuses as null."""
    if not isinstance(chart.schema, dict) or chart.schema_source is None:
        return set()
    try:
        errors = _schema_errors(chart)
    except _Unvalidated:
        return set()
    return {tuple(e.absolute_path) for e in errors if e.instance is None and e.validator != "required"}


@chart_check("CH005")
def values_schema_violation(chart: ChartDoc, ctx: RuleContext) -> Iterator[Problem]:
    if chart.schema_checked_by_helm:
        return  # Helm validated the defaults against the schema when it rendered them: its verdict is reported
    if not isinstance(chart.schema, dict) or chart.schema_source is None:
        if chart.schema is not None and chart.schema_source is not None:
            yield Problem("values.schema.json must be a JSON object", location=Location(chart.schema_source.display, 1, 1))
        return
    try:
        errors = _schema_errors(chart)
    except _Unvalidated as exc:
        yield Problem(exc.message, location=exc.location)
        return
    required = {(*parent, name) for parent, name in _required(chart.schema)}
    said: dict[tuple[Any, ...], tuple[list[str], Any]] = {}
    for error in errors:
        if error.validator == "required":
            continue  # required-value-without-default says it in the chart's terms
        path = tuple(error.absolute_path)
        if error.instance is None and path in required:
            continue  # a required value left null: required-value-without-default says it
        where = format_path(path) or "values"
        if error.validator not in _EXPECTATIONS:
            yield Problem(f"{where}: {error.message}", location=_values_location(chart, path))
            continue
        # a type and an enum failing on one value are one finding, said in the file's spelling
        said.setdefault(path, ([], error.instance))[0].append(_expected(error))
    for path, (expectations, instance) in said.items():
        where = format_path(path) or "values"
        yield Problem(f"{where}: expected {' and '.join(expectations)}; found {_found(instance)}", location=_values_location(chart, path))


_EXPECTATIONS = ("type", "enum", "const")
_TYPE_WORDS = {
    "integer": "an integer",
    "string": "a string",
    "array": "a list",
    "object": "a mapping",
    "boolean": "true or false",
    "number": "a number",
    "null": "null",
}


def _json(value: Any) -> str:
    """A value as YAML and JSON spell it (null, true), not as Python does (None, True)."""
    import json

    try:
        return json.dumps(value)
    except (TypeError, ValueError):
        return str(value)


def _expected(error: Any) -> str:
    """What the schema asks for at the error's path (a type, enum or const), in the values file's terms."""
    if error.validator == "type":
        types = error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]
        return " or ".join(_TYPE_WORDS.get(t, str(t)) for t in types)
    if error.validator == "enum" and isinstance(error.validator_value, list):
        return "one of " + ", ".join(_json(option) for option in error.validator_value)
    return _json(error.validator_value)


def _found(value: Any) -> str:
    if value is None:
        # Helm 3 copies a null default into the values it validates; Helm 4.2 and later leave it
        # out (pkg/chart/common/util/coalesce.go coalesceValues: "skip chart default nils")
        return "null, which Helm before 4.2 validates (4.2 and later leave a null default out)"
    if isinstance(value, bool):
        return _json(value)
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f"the string {_json(shown)}"
    if isinstance(value, (int, float)):
        return f"the number {_json(value)}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def _shown(ref: Any) -> str:
    from k8slint.model.schemas import shown_ref

    return shown_ref(str(ref))


def _schema_uri(chart: ChartDoc) -> str:
    return Path(os.path.realpath(chart.path / "values.schema.json")).as_uri()


def _policy(chart: ChartDoc) -> Any:
    from k8slint.model.schemas import RefPolicy

    return RefPolicy([chart.path], "the chart folder")


def _compilable(chart: ChartDoc) -> tuple[Any, Any]:
    """The schema without its refused references, and a schema registry (referencing) that retrieves only files inside the chart.

    jsonschema resolves a relative ``$ref`` against the schema's ``$id``, or
    against nothing: a reference with no scheme is read beside values.schema.json.
    """
    import referencing
    import referencing.exceptions
    from referencing.jsonschema import DRAFT7, specification_with

    from k8slint.model.schemas import RefRefused, scan_refs, without_refs

    policy = _policy(chart)
    base = _schema_uri(chart)
    refused, _ = scan_refs(chart.schema, base, policy)
    dialect = chart.schema.get("$schema")
    default = specification_with(dialect, default=DRAFT7) if isinstance(dialect, str) else DRAFT7

    def retrieve(uri: str) -> referencing.Resource[Any]:
        absolute = uri if ":" in uri.split("/", 1)[0] else _join(base, uri)
        try:
            contents = policy.retrieve(absolute)
        except RefRefused:
            # referencing builds its classes with attrs through a wrapper mypy cannot follow
            raise referencing.exceptions.NoSuchResource(ref=uri) from None  # type: ignore[call-arg]
        return referencing.Resource.from_contents(contents, default_specification=default)

    return without_refs(chart.schema, refused), referencing.Registry(retrieve=retrieve)  # type: ignore[call-arg]  # attrs, as above


def _join(base: str, ref: str) -> str:
    from urllib.parse import urljoin

    return urljoin(base, ref)


@chart_check("KL014")
def values_schema_ref(chart: ChartDoc, ctx: RuleContext) -> Iterator[Problem]:
    """The references of values.schema.json that name anything but a file inside the chart."""
    if not isinstance(chart.schema, dict) or chart.schema_source is None:
        return
    from k8slint.model.schemas import document_refusals
    from k8slint.sources.yamlsafe import json_position

    path = Path(os.path.realpath(chart.path / "values.schema.json"))
    source = chart.schema_source
    for display, text, ref in document_refusals(source.display, path, chart.schema, _policy(chart), source.text):
        line, column = json_position(text, ref.path)
        yield Problem(ref.message(), location=Location(display, line, column), variant="not-retrieved")


def _required(schema: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], str]]:
    """(parent path, property) for every property the schema marks required, following properties."""
    if not isinstance(schema, dict):
        return
    for name in schema.get("required") or []:
        if isinstance(name, str):
            yield path, name
    properties = schema.get("properties")
    if isinstance(properties, dict):
        for name, child in properties.items():
            yield from _required(child, (*path, name))


@chart_check("CH006")
def required_without_default(chart: ChartDoc, ctx: RuleContext) -> Iterator[Problem]:
    if not isinstance(chart.schema, dict) or chart.schema_checked_by_helm:  # Helm's render of the defaults said it
        return
    values = _values(chart)
    refused: set[tuple[Any, ...]] | None = None
    for parent, name in _required(chart.schema):
        node: Any = values
        for part in parent:
            node = node.get(part) if isinstance(node, dict) else None
        full = format_path((*parent, name))
        if isinstance(node, dict) and name in node:
            if node[name] is None and refused is None:
                refused = _refused_nulls(chart)
            if node[name] is None and refused is not None and (*parent, name) in refused:
                # refused by every Helm: Helm 3 validates the null, Helm 4.2 and later leave a null
                # default out and find the value missing (coalesce.go coalesceValues)
                yield Problem(
                    f"the schema requires {full}, but values.yaml leaves it null, which the schema refuses: every install must set it",
                    location=_values_location(chart, (*parent, name)),
                    variant="left-null",
                )
            continue
        yield Problem(
            f"the schema requires {full}, but values.yaml gives it no default: every install must set it",
            location=_values_location(chart, parent),
        )


def _defined(values: Any, path: tuple[str, ...]) -> bool | None:
    """True if values.yaml defines the path, False if it certainly does not, None if it cannot tell."""
    node = values
    for part in path:
        if node is None:
            return None  # a null placeholder: the user supplies the rest
        if not isinstance(node, dict):
            return None
        if not node:
            return None  # an empty map is open-ended
        if part not in node:
            return False
        node = node[part]
    return True


def _subchart_keys(chart: ChartDoc) -> set[str]:
    keys = {"global"}
    for dep in chart.metadata.get("dependencies") or []:
        if isinstance(dep, dict):
            keys.update(str(dep[k]) for k in ("name", "alias") if dep.get(k))
    return keys


def _shown_path(path: tuple[str, ...], prefix: str = ".Values") -> str:
    """A values path in the template's terms: a key that is no identifier (``server.insecure``) in brackets."""
    import json

    out = prefix
    for part in path:
        out += f".{part}" if part.isidentifier() else f"[{json.dumps(part)}]"
    return out.lstrip(".") if not prefix else out


def _root_context_defines(chart: ChartDoc) -> set[str]:
    """The chart's defines that every call gives the chart's root context, so that their .Values are the chart's."""
    from k8slint.model.gotemplate import Call, analyse, root_context_defines

    calls = [call for _, info in chart.analysis for call in info.call_contexts]
    for text in _template_strings(_values(chart)):  # a tpl in values.yaml runs with whatever context it is given
        calls += [Call(call.name, call.caller, False) for call in analyse(text).call_contexts]
    return root_context_defines(calls)


@chart_check("CH007")
def undefined_value(chart: ChartDoc, ctx: RuleContext) -> Iterator[Problem]:
    if chart.values is None:
        return
    rebinds = [path for _, info in chart.analysis for path in info.rebinds]
    if None in rebinds:
        return  # a template replaces .Values with what it works out: which values exist is not known before rendering
    sources = [_values(chart), *(data for _, data in chart.install_values)]
    # each map a template merges into .Values before the others render (istio's defaults, then what its legacy
    # prefix holds) defines values too; the merges are followed in any order, as often as they add a map
    merged: list[Any] = []
    for _ in range(len(rebinds)):
        found = [
            m for path in rebinds for s in (*merged, *sources) if isinstance(m := dig(s, path), dict) and all(m is not x for x in merged)
        ]
        if not found:
            break
        merged += found
    sources = [*merged, *sources]
    given = ", ".join(shown for shown, _ in chart.install_values)
    where = f"values.yaml nor in the values given ({given})" if given else "values.yaml"

    written = {path for _, info in chart.analysis for path in info.sets}

    def defined(path: tuple[str, ...]) -> bool | None:
        """As :func:`_defined`, for the values Helm merges: values.yaml and the values given for the install;
        a path under one a template writes itself (``set .Values "key" ...``) is the chart's own."""
        if any(path[: len(set_path)] == set_path for set_path in written):
            return True
        found = [_defined(values, path) for values in sources]
        return True if True in found else None if None in found else False

    def lookup(path: tuple[str, ...]) -> tuple[bool, Any]:
        """Whether the values Helm merges set ``path``, and to what (the install's values over values.yaml)."""
        for values in reversed(sources):
            node: Any = values
            for part in path:
                if not isinstance(node, dict) or part not in node:
                    break
                node = node[part]
            else:
                return True, node
        return False, None

    skip = _subchart_keys(chart)
    guarded_calls: dict[str, list[Any]] = {}
    root_defines: set[str] | None = None
    stopped: dict[tuple[str, ...], list[tuple[tuple[str, ...], Location]]] = {}
    """The missing map at the top of each value read under it (``.Values.inf`` for ``.Values.inf.redis.constr``
    with no ``inf``) -> each such read, in the order of the templates: Helm's render stops at the first."""
    for template, info in chart.analysis:
        for ref in info.refs:
            if ref.path[0] in skip:
                continue
            if ref.define is not None:
                # .Values in a define is that of the context its callers pass (otel's helpers get
                # `dict "Values" ...`): the chart's own only where every call passes the root
                root_defines = _root_context_defines(chart) if root_defines is None else root_defines
                if ref.define not in root_defines:
                    continue
            if defined(ref.path) is False:
                location = Location(template.display, ref.line, ref.column)
                # a missing map above the value stops rendering: "nil pointer evaluating interface {}", whatever tests
                # the value in the same action (if, default, required: Go evaluates the field chain first), unless a
                # block around it runs only when the map is set, or an and/or stops before it
                top = next((ref.path[:n] for n in range(1, len(ref.path)) if defined(ref.path[:n]) is False), None)
                if top is not None and ((ref.enclosed and not _renders_past(ref, top, lookup)) or _stops_before(ref, top, lookup)):
                    continue
                if (
                    top is not None
                    and ref.define is not None
                    and _guarded_at_every_call(chart, ref.define, ref.path, guarded_calls, len(top))
                ):
                    continue  # arc's listener-template.pod: included only inside `if and .Values.listenerPodTemplate ...`
                if top is None and ref.guarded:
                    continue
                if top is None and ref.define is not None and _guarded_at_every_call(chart, ref.define, ref.path, guarded_calls):
                    continue  # harbor's caBundleVolume: every include of the define sits inside `if .Values.caBundleSecretName`
                if top is None:
                    yield Problem(
                        f"{_shown_path(ref.path)} is not defined in {where} and nothing guards it "
                        "(default, required, if); it renders as empty",
                        location=location,
                    )
                elif (switch := _switched_off(ref, top, lookup)) is not None:
                    # loki's admin-api: `.Values.loki.storage.bucketNames.admin` inside `if .Values.minio.enabled`,
                    # with minio off and bucketNames commented out: helm template renders; it fails once minio is on
                    yield Problem(
                        f"{_shown_path(ref.path)} is not defined in {where}, nor is {_shown_path(top)}: the block "
                        f"around it does not render with these values ({_shown_path(switch)} is not set), but once "
                        f"it is set, helm template fails (nil pointer evaluating interface {{}}.{ref.path[len(top)]}; "
                        f"define {_shown_path(top)}, or test it in an enclosing if or with)",
                        location=location,
                        variant="parent-undefined-when-enabled",
                    )
                else:
                    stopped.setdefault(top, []).append((ref.path, location))
    for template, info in chart.analysis:
        for read in info.rebound:
            if read.define is not None:
                root_defines = _root_context_defines(chart) if root_defines is None else root_defines
                if read.define not in root_defines:
                    continue  # dot_path is relative to the context the define's callers pass
            problem = _rebound_read(read, lookup, Location(template.display, read.line, read.column))
            if problem is not None:
                yield problem
    for top, reads in stopped.items():
        # one finding for each missing map: defining it (or giving the values file that does) is the one fix, and
        # Helm reports the first read only
        (path, location), rest = reads[0], reads[1:]
        more = f"; so do {len(rest)} more read{'s' if len(rest) > 1 else ''} under it" if rest else ""
        yield Problem(
            f"{_shown_path(path)} is not defined in {where}, nor is {_shown_path(top)}, so helm template fails{more} "
            f"(nil pointer evaluating interface {{}}.{path[len(top)]}: a default, required or if in the same action "
            f"comes after the read; test {_shown_path(top)} in an enclosing if or with, or define it)",
            location=location,
            related=tuple(Related(where_read, f"{_shown_path(read)} read here") for read, where_read in rest),
            variant="parent-undefined",
        )


def _guarded_at_every_call(chart: ChartDoc, define: str, path: tuple[str, ...], calls: dict[str, list[Any]], at_least: int = 0) -> bool:
    """Whether every call of ``define`` in the chart is inside an ``if`` or ``with`` that guards ``path`` (a prefix
    of it, of ``at_least`` parts: a test of the missing map above a value, or of a field of it, renders the block
    only where that map is set), directly or through the calls of the define that makes the call: Go renders the
    included body only where the block around the call renders. A call from a ``tpl`` string in values.yaml counts
    as unguarded. ``calls`` caches the chart's calls by name."""
    if not calls:
        from k8slint.model.gotemplate import Call, analyse

        for _, info in chart.analysis:
            for call in info.call_contexts:
                calls.setdefault(call.name, []).append(call)
        for text in _template_strings(_values(chart)):
            for call in analyse(text).call_contexts:
                calls.setdefault(call.name, []).append(Call(call.name, call.caller, False))
        calls.setdefault("", [])  # filled: not read again

    def guarded(name: str, seen: frozenset[str]) -> bool:
        found = calls.get(name, [])
        if not found or name in seen:
            return False
        for call in found:
            if any(len(guard) >= at_least and path[: len(guard)] == guard for guard in call.guards):
                continue
            if call.caller is None or not guarded(call.caller, seen | {name}):
                return False
        return True

    return guarded(define, frozenset())


_REBOUND_HINT = "Inside with and range, read the chart's values from the root: $.Values (dot is the block's value there)."


def _rebound_read(read: Any, lookup: Callable[[tuple[str, ...]], tuple[bool, Any]], location: Location) -> Problem | None:
    """A ``.Values`` read inside a ``with`` or ``range`` that binds dot to a chart value (ReboundRead): Go
    evaluates ``.Values.x`` as the field ``Values`` of what dot holds, and with Helm's ``missingkey=zero`` a map
    without that key gives nil, on which the next field fails ("nil pointer evaluating interface {}.x"); on a
    string or a number it fails at ``Values`` itself. Where dot holds what the values do not say (a dict, a
    variable, a nested with), or the read is ``.Values`` alone (which renders as empty), nothing is judged."""
    if read.dot is None or not read.path:
        return None
    found, value = lookup(read.dot)
    if read.keyword == "range":
        items = list(value.values()) if isinstance(value, dict) else list(value) if isinstance(value, list) else []
    else:
        items = [value] if found and value else []
    if items and all(isinstance(item, dict) and "Values" in item for item in items):
        return None  # each item has a field Values: that is what the template reads
    dot = f"{'each item of' if read.keyword == 'range' else 'the value of'} {_shown_path(read.dot)}"
    whose = "each item's" if read.keyword == "range" else "its"
    written = _shown_path(read.path)
    failure = f"nil pointer evaluating interface {{}}.{read.path[0]}"
    fix = f"write ${written} for the chart's value, or name the item's own field"
    if items and _every_test_renders(read.tests, lookup):
        return Problem(
            f"{written} is read inside `{read.keyword} {read.argument}`, where dot is {dot}: it reads {whose} field "
            f"Values, not the chart's values, so helm template fails ({failure}); {fix}",
            location=location,
            variant="rebound-dot",
            hint=_REBOUND_HINT,
        )
    when = f"{_shown_path(read.dot)} is empty" if not items else "a block around it does not render or is not judged"
    return Problem(
        f"{written} is read inside `{read.keyword} {read.argument}`, where dot is {dot}: it reads {whose} field Values, "
        f"not the chart's values; with these values the read does not render ({when}), but once it does, helm "
        f"template fails ({failure}); {fix}",
        location=location,
        variant="rebound-dot-when-enabled",
        hint=_REBOUND_HINT,
    )


def _every_test_renders(tests: Any, lookup: Callable[[tuple[str, ...]], tuple[bool, Any]]) -> bool:
    """Whether every ``if``, ``with`` and ``range`` around a read renders with the values given: each tests one
    .Values path (set and not empty; a range, not empty), and none tests anything else (``not``, ``eq``, a variable,
    an ``else``)."""
    entries = list(open_tests(tests, _TESTS_READ + 1))
    if len(entries) > _TESTS_READ:
        return False
    for path, _alone in entries:
        if not path:
            return False
        found, value = lookup(path)
        if not found or not value:
            return False
    return True


_TESTS_READ = 64
"""Blocks around a read that _renders_past looks at: beyond, nested deeper than any chart nests them, it does not judge."""


def _renders_past(ref: Any, top: tuple[str, ...], lookup: Callable[[tuple[str, ...]], tuple[bool, Any]]) -> bool:
    """Whether a read inside ``if`` and ``with`` blocks is rendered with the values given, and so reaches the missing
    map ``top``: every block around it tests one .Values path alone, set and not empty, and none tests ``top`` or a
    path under it (which would prove ``top`` set). ``if .Values.compactor.enabled`` around
    ``.Values.compactor.persistence.subPath`` renders with ``enabled: true`` and fails at the missing ``persistence``.
    A block on anything else (``not``, ``eq``, ``dig``, a variable, a ``range``, an ``else``) keeps the read unjudged."""
    tests = list(open_tests(ref.tests, _TESTS_READ + 1))
    if not tests or len(tests) > _TESTS_READ:
        return False
    for path, alone in tests:
        if not alone or path[: len(top)] == top:
            return False
        found, value = lookup(path)
        if not found or not value:
            return False
    return True


def _switched_off(ref: Any, top: tuple[str, ...], lookup: Callable[[tuple[str, ...]], tuple[bool, Any]]) -> tuple[str, ...] | None:
    """The .Values path that an ``if`` or ``with`` around the read tests alone and the values given leave unset or
    empty, so that the read is not rendered (``if .Values.minio.enabled`` with ``enabled: false``); None when every
    such block renders, or a block tests anything else, or tests a path under the missing map ``top`` (that test
    fails first, and is reported as such)."""
    tests = list(open_tests(ref.tests, _TESTS_READ + 1))
    if len(tests) > _TESTS_READ:
        return None
    for path, alone in tests:
        if not alone or not path or path[: len(top)] == top:
            continue
        found, value = lookup(path)
        if not found or not value:
            return path
    return None


def _stops_before(ref: Any, top: tuple[str, ...], lookup: Callable[[tuple[str, ...]], tuple[bool, Any]]) -> bool:
    """Whether an ``and`` or ``or`` the value is an operand of (or inside an operand of) stops before reading it,
    with the values given: ``and`` at an operand that is empty (missing, or a test of the missing map ``top``
    itself), ``or`` at one that is set and not empty."""
    levels = ((ref.lazy, ref.before), *ref.outer) if ref.lazy is not None else ref.outer
    for lazy, before in levels:
        for operand in before:
            found, value = lookup(operand)
            if lazy == "and" and (not found or not value or (len(operand) >= len(top) and ref.path[: len(operand)] == operand)):
                return True
            if lazy == "or" and found and value:
                return True
    return False


def _leaves(values: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    if isinstance(values, dict) and values:
        for key, child in values.items():
            yield from _leaves(child, (*path, str(key)))
    elif path:
        yield path


def _template_strings(values: Any) -> Iterator[str]:
    """String values that are templates themselves (rendered with tpl)."""
    stack = [values]
    seen: set[int] = set()
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "{{" in item:
                yield item
        elif isinstance(item, (dict, list)) and id(item) not in seen:
            seen.add(id(item))
            stack.extend(item.values() if isinstance(item, dict) else item)


_END = object()  # marks the end of a path in a _PathTrie (never a YAML key: keys are strings)


class _PathTrie:
    """Paths read by templates, to ask whether a values.yaml leaf is read: in time linear in the leaf's length.

    Comparing every leaf with every path read was quadratic in the size of the chart.
    """

    def __init__(self) -> None:
        self.root: dict[Any, Any] = {}

    def add(self, path: tuple[str, ...]) -> None:
        node = self.root
        for part in path:
            node = node.setdefault(part, {})
        node[_END] = True

    def related(self, leaf: tuple[str, ...]) -> bool:
        """Whether a path read is the leaf, a parent of it (the template reads the whole map) or below it."""
        node: Any = self.root
        for part in leaf:
            if _END in node:
                return True
            node = node.get(part)
            if node is None:
                return False
        return True  # the leaf itself, or paths below it, are read


@chart_check("CH008")
def unused_value(chart: ChartDoc, ctx: RuleContext) -> Iterator[Problem]:
    if chart.values is None or not chart.templates or chart.metadata.get("type") == "library":
        return  # a library chart's values are examples: its templates run with the parent's
    if any(info.whole_values for copy in (chart, *chart.copies) for _, info in copy.analysis):
        return  # all of .Values is handed on somewhere: every value may be used
    if unavailable_dependencies(chart.metadata.get("dependencies"), chart.dependency_charts) and _calls_defines_elsewhere(chart):
        return  # a define of a dependency that is not here, given the chart's context, may read any value
    from k8slint.model.gotemplate import analyse  # here, so that runs without charts do not pay for it
    from k8slint.sources.helmtemplates import is_partial

    used = _PathTrie()
    for copy in (chart, *chart.copies):  # a copy of the chart elsewhere in the run: its templates are the chart's too
        for path in (ref.path for _, info in copy.analysis for ref in info.refs):
            used.add(path)
        for path in (read.path for _, info in copy.analysis for read in info.rebound):
            used.add(path)  # meant for the chart's values: undefined-value reports the read (rebound-dot)
        for template in copy.templates:
            for path in _context_field_reads(template.text):
                if not path:
                    return  # all of .Values, through a field of a define's context: every value may be used
                used.add(path)
    dependencies: list[tuple[bool, dict[str, str]]] = [
        (str(dependency.get("type") or "").lower() == "library", dependency["templates"]) for dependency in chart.dependency_charts.values()
    ]
    for repository, folder in chart.local_dependencies.items():
        if folder is None:
            return  # a file:// dependency outside the linted paths: its templates may read any value
        # its templates as `helm dependency build` will copy them into charts/ (linkerd's viz includes the
        # node-selector partial of its file://../partials dependency with the root context)
        dependencies.append((False, chart.local_dependency_templates(repository)))
    for library, templates in dependencies:
        for file, text in templates.items():
            if not library and not is_partial(file):
                continue  # a subchart renders it with the subchart's own values (the parent's <name>.*)
            for ref in analyse(text).refs:  # partials may be included with the parent's context
                used.add(ref.path)
            for path in _context_field_reads(text):  # and their defines read the root handed in a dict
                if not path:
                    return
                used.add(path)
    for text in _template_strings(_values(chart)):  # values rendered with tpl read other values
        for ref in analyse(text).refs:
            used.add(ref.path)
    for path in _dependency_switches(chart):
        used.add(path)
    rendered_files = _files_rendered_with_tpl(chart)
    if rendered_files is None:
        return  # a file whose name is worked out at render time is rendered with tpl: it may read any value
    for text in rendered_files:
        for ref in analyse(text).refs:
            used.add(ref.path)
    skip = _subchart_keys(chart)
    for leaf in _leaves(_values(chart)):
        if leaf[0] in skip or leaf == ("enabled",):
            continue  # subchart values, and the flag a parent chart's dependency condition reads
        if used.related(leaf):
            continue
        yield Problem(f"{_shown_path(leaf, '')} is set in values.yaml but no template reads it", location=_values_location(chart, leaf))


_COMPUTED_CALL = re.compile(r"\b(?:include|template)\s+[($]")
"""An include or template call whose name is worked out at render time (``include (printf "%s.labels" ...)``)."""


def _calls_defines_elsewhere(chart: ChartDoc) -> bool:
    """Whether the chart's templates call a define that neither they nor the dependencies here define, or one whose
    name is worked out at render time: the code of a dependency that is not here (a library chart's, say) then runs
    with the chart's own context and may read any of its values. Where they call none, a missing dependency renders
    only its own templates, with its own values (the chart's ``<name>.*`` and ``global.*``, which CH008 leaves
    alone), so every other value can still be judged."""
    defined: set[str] = set()
    called: set[str] = set()
    for copy in (chart, *chart.copies):
        for _, info in copy.analysis:
            defined.update(name for name, _ in info.defines)
            called.update(name for name, _, _ in info.calls)
        if any(_COMPUTED_CALL.search(template.text) for template in copy.templates):
            return True
    from k8slint.model.gotemplate import analyse

    for dependency in chart.dependency_charts.values():
        for text in dependency["templates"].values():
            defined.update(name for name, _ in analyse(text).defines)
    for repository, folder in chart.local_dependencies.items():
        if folder is not None:
            for text in chart.local_dependency_templates(repository).values():
                defined.update(name for name, _ in analyse(text).defines)
    return bool(called - defined)


def _dependency_switches(chart: ChartDoc) -> Iterator[tuple[str, ...]]:
    """The values Helm reads to enable the chart's dependencies: each path of a ``condition`` (a comma-separated
    list, the first that is set decides) and ``tags.<tag>`` for each tag (pkg/chart/v2/util/dependencies.go)."""
    for dependency in chart.metadata.get("dependencies") or []:
        if not isinstance(dependency, dict):
            continue
        condition = dependency.get("condition")
        if isinstance(condition, str):
            for part in condition.split(","):
                if path := tuple(filter(None, part.strip().split("."))):
                    yield path
        tags = dependency.get("tags")
        for tag in tags if isinstance(tags, list) else ():
            if isinstance(tag, str):
                yield ("tags", tag)


_CONTEXT_FIELD_VALUES = re.compile(r"(?<![\w$])(?:\$(?:[A-Za-z_]\w*)?)?\.[A-Za-z_]\w*\.Values((?:\.[A-Za-z_]\w*)*)(?![\w.])")
"""``.root.Values.a.b``: a read of ``.Values`` through a field of a define's context, where the caller hands the root
in a dict (fluent-operator's ``include "x" (dict "defaults" $d "root" $)``, read as ``.root.Values.fluentbit.service``;
``$.context.Values``, from the define's own root: bitnami common's ``common.utils.getValueFromKey``, which walks
``$.context.Values`` by a dotted key)."""


def _context_field_reads(text: str) -> Iterator[tuple[str, ...]]:
    """The .Values paths a template reads through a field of its context (``()`` for the whole of .Values), for
    unused-value: whichever define or key holds the root, the value is read."""
    if ".Values" not in text:
        return
    for match in _CONTEXT_FIELD_VALUES.finditer(text):
        yield tuple(part for part in match.group(1).split(".") if part)


_FILES_READ = re.compile(r"\.Files\.(Get|Glob)\s*(\(\s*)?(\"(?:[^\"\\]|\\.)*\"|`[^`]*`)?")


def _files_rendered_with_tpl(chart: ChartDoc) -> list[str] | None:
    """The texts of the chart's files that a template reads with ``.Files.Get`` or ``.Files.Glob`` and may render
    with ``tpl`` (opentelemetry-collector's ``tpl (.Files.Get "conf/x.yaml") .``): their actions read values too.
    None when such a file's name is not a literal, or a named file is not read (outside the linted paths)."""
    texts: list[str] = []
    seen: set[str] = set()
    folder = chart.path.resolve()
    for template in chart.templates:
        text = template.text
        if ".Files." not in text or "tpl" not in text:
            continue
        for match in _FILES_READ.finditer(text):
            literal = match.group(3)
            if literal is None:
                return None
            name = literal[1:-1]
            if match.group(1) == "Get":
                names = [name]
            else:
                names = sorted(str(path.relative_to(chart.path)).replace(os.sep, "/") for path in chart.path.glob(name) if path.is_file())
            for name in names:
                if name in seen:
                    continue
                seen.add(name)
                file = chart.path / name
                if folder not in file.resolve().parents:
                    continue  # .Files holds the chart's own files only: Helm gives "" for any other
                if not file.is_file():
                    continue  # nor is anything read for a file the chart lacks
                read = read_text(file, chart.roots)
                if read is None:
                    return None
                texts.append(read)
    return texts
