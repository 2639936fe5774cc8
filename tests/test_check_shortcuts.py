"""The checks' shortcuts (quick tests before the full one, work shared between rules) answer as the long way does.

Each test runs the shortcut and a plain version of the full computation side by side, on every
value of the fixtures and the shared corpus and on generated values, including those the quick
test must let through.
"""

from __future__ import annotations

import copy
import json
import random
import re
from collections.abc import Iterator
from typing import Any

import pytest

from conftest import FIXTURES, SHARED, run_lint
from k8slint.checks import config_data, env, port_names, port_range, resources_required
from k8slint.findings import FieldPath
from k8slint.model import apivalidation, credentials, gotemplate, schemas, workloads
from k8slint.model.fields import container_ports, label_maps, quantity_fields, resource_blocks
from k8slint.model.objects import K8sObject
from k8slint.model.placeholders import (
    _CAPS_IDENTIFIER,
    _NAME_PARTS,
    _REPLACE_WORDS,
    caps_identifier,
    name_placeholder,
    template_placeholder,
)
from k8slint.model.references import references_of
from k8slint.model.values import dig
from k8slint.model.workloads import ContainerView, containers_of, declared_ports

REAL = SHARED / "corpus"


def _objects() -> list[K8sObject]:
    paths = [FIXTURES, REAL] if REAL.is_dir() else [FIXTURES]
    result = run_lint(*paths, strict=True)
    state, _facts, _charts = result.loaded  # type: ignore[misc]
    objects: list[K8sObject] = state.objects
    assert len(objects) > 1000
    return objects


@pytest.fixture(scope="module")
def objects() -> list[K8sObject]:
    return _objects()


def _walk(value: Any, path: FieldPath = ()) -> Iterator[tuple[FieldPath, Any]]:
    yield path, value
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _walk(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _walk(item, (*path, index))


def _strings(objects: list[K8sObject]) -> list[str]:
    found = {value for obj in objects for _, value in _walk(obj.data) if isinstance(value, str) and len(value) < 300}
    found |= {key for obj in objects for path, _ in _walk(obj.data) for key in path[-1:] if isinstance(key, str)}
    return sorted(found)


def _generated(count: int, seed: int) -> list[str]:
    alphabet = "aZ_$<>{}()_.-/: 9AÉéİ"
    rng = random.Random(seed)
    samples = ["".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 14))) for _ in range(count)]
    return [*samples, "", "A", "AB", "A_B", "a", "PORT", "Port", "ÉTÉ", "REPLACEME-canary", "ROLLOUT_NAME-active", "NGINX-ingress"]


# -- placeholders ---------------------------------------------------------------------------------


def _caps_identifier_long_way(value: str) -> bool:
    return bool(_CAPS_IDENTIFIER.fullmatch(value)) and sum(c.isalpha() for c in value) >= 2


def _name_placeholder_long_way(value: str, caps: bool) -> str | None:
    found = template_placeholder(value, unexpanded=True)
    if found is None and caps and _caps_identifier_long_way(value):
        return value
    if found is not None or not caps:
        return found
    for part in _NAME_PARTS.split(value):
        if _caps_identifier_long_way(part) and ("_" in part or part in _REPLACE_WORDS):
            return part
    return None


def test_caps_identifier_and_name_placeholder_answer_as_the_regular_expressions(objects: list[K8sObject]) -> None:
    values = _strings(objects) + _generated(30000, 25)
    assert any(name_placeholder(v, caps=True) for v in values)  # the corpus and the samples hold some
    for value in values:
        assert caps_identifier(value) == _caps_identifier_long_way(value), value
        for caps in (True, False):
            assert name_placeholder(value, caps=caps) == _name_placeholder_long_way(value, caps), (value, caps)


# -- dig ------------------------------------------------------------------------------------------


def _dig_long_way(data: Any, path: FieldPath) -> Any:
    for part in path:
        if isinstance(part, int):
            if not isinstance(data, list) or not 0 <= part < len(data):
                return None
        elif not isinstance(data, dict):
            return None
        data = data[part] if isinstance(part, int) else data.get(part)
    return data


def test_dig_answers_as_the_step_by_step_walk(objects: list[K8sObject]) -> None:
    rng = random.Random(3)
    odd_steps: list[Any] = [0, 1, -1, 99, "0", "spec", "containers", None, True, 1.5]
    checked = 0
    for obj in objects[::3]:
        for path, _value in _walk(obj.data):
            assert dig(obj.data, path) is _dig_long_way(obj.data, path)
            for variant in ((*path, rng.choice(odd_steps)), (*path[:-1], rng.choice(odd_steps)), path[1:]):
                assert dig(obj.data, variant) is _dig_long_way(obj.data, variant), variant
            checked += 1
    assert checked > 10000
    assert dig({1: "a"}, (1,)) is None  # a number is a list index, never a mapping key
    assert dig({"a": ["x", "y"]}, ("a", True)) == "y"


# -- API validation -------------------------------------------------------------------------------


def _env_refusals_long_way(container: ContainerView) -> list[apivalidation.Refusal]:
    found_all: list[apivalidation.Refusal] = []
    for index, entry in enumerate(container.data.get("env") if isinstance(container.data.get("env"), list) else []):
        entry = entry if isinstance(entry, dict) else {}
        source = entry.get("valueFrom")
        if not isinstance(source, dict):
            continue
        path = (*container.path, "env", index, "valueFrom")
        value = entry.get("value")
        found = [(*path, key) for key, item in source.items() if key in apivalidation.ENV_SOURCES and item is not None]
        if found and isinstance(value, str) and value:
            found_all.append(apivalidation.Refusal(path, "Invalid value: may not be specified when `value` is not empty"))
        if not found:
            found_all.append(apivalidation.Refusal(path, "no source"))
        elif len(found) > 1:
            found_all.append(apivalidation.Refusal(found[1], "more than one"))
    return found_all


def _env_paths(refusals: Any) -> list[FieldPath]:
    return [r.path for r in refusals if "envFrom" not in r.path]


ENV_CASES: list[Any] = [
    {"name": "A", "valueFrom": {"configMapKeyRef": {"name": "c", "key": "k"}}},
    {"name": "A", "value": "x", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}},
    {"name": "A", "value": "", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
    {"name": "A", "valueFrom": {"fieldRef": None}},
    {"name": "A", "valueFrom": {"fieldRefs": {"fieldPath": "x"}}},
    {"name": "A", "valueFrom": {}},
    {"name": "A", "valueFrom": {"fieldRef": {}, "secretKeyRef": {}}},
    {"name": "A", "valueFrom": {"fieldRef": {}, "other": 1}},
    {"name": "A", "value": 5, "valueFrom": {"fieldRef": {}}},
    "not a mapping",
    {"name": "A", "valueFrom": "text"},
]


def test_env_refusals_find_what_the_long_way_finds(objects: list[K8sObject]) -> None:
    containers = [c for obj in objects for c in obj.containers()]
    containers += [ContainerView(("spec", "containers", i), {"name": "c", "env": [case]}, "containers") for i, case in enumerate(ENV_CASES)]
    with_env = 0
    for container in containers:
        expected = _env_refusals_long_way(container)
        assert _env_paths(apivalidation._env_refusals(container)) == [r.path for r in expected], container.data.get("env")
        with_env += bool(container.data.get("env"))
    assert with_env > 50


def test_pod_refusals_with_the_objects_containers_are_those_without(objects: list[K8sObject]) -> None:
    checked = 0
    for obj in objects:
        found = obj.pod_spec()
        if found is None:
            continue
        given = list(apivalidation.object_refusals(obj.data, found, obj.containers()))
        assert given == list(apivalidation.object_refusals(obj.data, found)), obj.describe()
        assert [c.data for c in obj.containers()] == [c.data for c in containers_of(found)]
        checked += 1
    assert checked > 200


def test_a_security_context_without_a_seccomp_profile_has_no_seccomp_refusal() -> None:
    for context in (None, {}, {"seccompProfile": None}, {"seccompProfile": "x"}, {"runAsUser": 1}, "text"):
        assert list(apivalidation._seccomp_refusals(context, ("securityContext",))) == []
    refused = list(apivalidation._seccomp_refusals({"seccompProfile": {"type": "Localhost"}}, ("securityContext",)))
    assert [r.path for r in refused] == [("securityContext", "seccompProfile", "type")]
    assert re.search("localhostProfile: Required value", refused[0].message)


def test_value_refusal_is_enum_refusal_of_the_value_read_already(objects: list[K8sObject]) -> None:
    values: list[Any] = [None, "", "TCP", "tcp", "HTTP", "UDP", "SCTP", "$(PROTO)", "PROTO_X", 5, ["TCP"], {"a": 1}, True]
    for value in values:
        for supported in (apivalidation.PROTOCOLS, apivalidation.PULL_POLICIES):
            data = {"x": {"y": value}}
            assert apivalidation.value_refusal(value, ("x", "y"), supported) == apivalidation.enum_refusal(data, ("x", "y"), supported)
        for service in (True, False):
            long_way = apivalidation._protocol_refusals({"p": value}, ("p",), service=service)
            assert apivalidation._protocol_value_refusals(value, ("p",), service=service) == long_way, value


def test_the_handler_shortcut_refuses_what_the_full_check_refuses() -> None:
    handlers = apivalidation.PROBE_HANDLERS
    blocks: list[Any] = [{}, {"exec": None}, {"periodSeconds": 3}, {"httpGet": {}}, {"httpGet": {}, "exec": {}}, {"grpc": {}, "exec": None}]
    blocks += [{"tcpSocket": {}, "httpGet": {}, "grpc": {}}, "text", None, {"httpGet": None, "tcpSocket": None}]
    for block in blocks:
        expected: list[FieldPath] = []
        if isinstance(block, dict):
            found = [("p", key) for key, value in block.items() if key in handlers and value is not None]
            expected = [("p",)] if not found else found[1:]
        assert [r.path for r in apivalidation._handler_refusals(block, ("p",), handlers)] == expected, block


# -- ports ----------------------------------------------------------------------------------------

PORT_VALUES: list[Any] = [None, 0, 1, 80, 65535, 65536, -1, 80.0, 80.5, True, False, "80", "http", "$(PORT)", 2**70, [80]]


def test_a_port_the_shortcut_passes_over_has_no_port_problem() -> None:
    for value in PORT_VALUES:
        if port_range._in_range(value):
            for zero_unset in (False, True):
                assert port_range.port_problem(value, (), "port", zero_unset=zero_unset) is None, value
    assert [v for v in PORT_VALUES if port_range._in_range(v)] == [1, 80, 65535]


BAD_PORTS = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: a
        image: nginx:1.25
        ports:
        - {containerPort: 8080}
        - {containerPort: 0}
        - {containerPort: 70000}
        - {containerPort: 80.5}
        - {containerPort: 81, hostPort: 0}
        - {containerPort: 82, hostPort: 70000}
        readinessProbe: {httpGet: {port: 0}}
        livenessProbe: {tcpSocket: {port: 8080}}
        startupProbe: {grpc: {port: 1.5}}
        lifecycle: {preStop: {httpGet: {port: 99999}}}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports:
  - {port: 80, targetPort: 8080}
  - {port: 81, targetPort: 0}
  - {port: 82, targetPort: 70000}
  - {port: 83, nodePort: 80}
  - {port: 84, nodePort: 30080}
  - {port: 0}
"""


def test_every_bad_port_is_still_reported(lint_text: Any) -> None:
    result = lint_text(BAD_PORTS)
    found = sorted((f.location.line, f.message.split(" is ")[0]) for f in result.findings if f.code == "KN002")
    assert found == [
        (14, "containerPort 0"),
        (15, "containerPort 70000"),
        (16, "containerPort 80.5"),
        (18, "hostPort 70000"),
        (19, "readinessProbe port 0"),
        (21, "startupProbe port 1.5"),
        (22, "preStop port 99999"),
        (32, "targetPort 70000"),
        (33, "nodePort 80"),
        (35, "port 0"),
    ]


def test_the_shared_container_ports_are_each_containers_declared_ports(objects: list[K8sObject]) -> None:
    checked = 0
    for obj in objects:
        for container in obj.containers():
            assert container_ports(obj, container) == declared_ports(container.data)
            checked += bool(container.data.get("ports"))
    assert checked > 200


# -- CRD schemas ----------------------------------------------------------------------------------


def _containers_in(value: Any) -> Iterator[Any]:
    """Every mapping and list in ``value``, but not inside the data keywords (enum, default, ...)."""
    if isinstance(value, (dict, list)):
        yield value
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        if key not in schemas._DATA_KEYWORDS:
            yield from _containers_in(item)


def _openapi_to_json_schema_long_way(schema: dict[str, Any], strict: bool) -> dict[str, Any]:
    """schemas._openapi_to_json_schema as it was: a deep copy first, and every value converted by a call."""

    def convert(node: Any, top: bool = False) -> Any:
        if isinstance(node, list):
            return [convert(item) for item in node]
        if not isinstance(node, dict):
            return node
        out = {
            k: keyword(k, v)
            for k, v in node.items()
            if v is not None and not k.startswith("x-kubernetes-") and k not in schemas._NOT_COMPILED
        }
        if isinstance(out.get("properties"), dict):
            out["properties"] = {k: schemas._admit_null(v) for k, v in out["properties"].items()}
        if node.get("x-kubernetes-int-or-string"):
            out.pop("type", None)
            out["anyOf"] = [{"type": "integer"}, {"type": "string"}]
        elif node.get("nullable") and isinstance(out.get("type"), str):
            out["type"] = [out["type"], "null"]
        if strict and "properties" in out and "additionalProperties" not in out and not node.get("x-kubernetes-preserve-unknown-fields"):
            out["additionalProperties"] = False
        if top and isinstance(out.get("properties"), dict):
            out["properties"] = {**out["properties"], "metadata": {"type": "object"}}
            if strict and "additionalProperties" in out:
                for field in ("apiVersion", "kind", "metadata", "status"):
                    out["properties"].setdefault(field, {})
        return out

    def keyword(key: str, value: Any) -> Any:
        if key in schemas._SCHEMA_MAPS and isinstance(value, dict):
            return {name: {} if child is None else convert(child) for name, child in value.items()}
        if key in schemas._DATA_KEYWORDS:
            return value
        return convert(value)

    return convert(copy.deepcopy(schema), top=True)  # type: ignore[no-any-return]


def test_a_crd_schema_is_converted_without_a_copy_and_left_as_it_was(objects: list[K8sObject]) -> None:
    crds = [obj for obj in objects if obj.kind == "CustomResourceDefinition"]
    holders = [schema for crd in crds for _, schema in schemas.crd_schema_holders(crd)]
    assert len(holders) > 20
    for schema in holders:
        before = copy.deepcopy(schema)
        for strict in (True, False):
            converted = schemas._openapi_to_json_schema(schema, strict)
            assert schema == before  # nothing of the CRD's data changed
            assert converted == schemas._openapi_to_json_schema(copy.deepcopy(schema), strict)
            long_way = _openapi_to_json_schema_long_way(schema, strict)
            assert json.dumps(converted) == json.dumps(long_way)  # equal, keys in the same order
            # what the validator gets is built anew, save the data values it shares (enum, default)
            given = {id(node) for node in _containers_in(schema)}
            assert not any(id(node) in given for node in _containers_in(converted))


# -- Helm templates -------------------------------------------------------------------------------


def _paths_long_way(text: str) -> list[tuple[str, ...]]:
    found = [tuple(p for p in m.group(1).split(".") if p) for m in gotemplate._VALUES.finditer(gotemplate._blank_strings(text))]
    for m in gotemplate._INDEX_VALUES.finditer(text):
        found.append(tuple(p for p in m.group(1).split(".") if p) + tuple(gotemplate._QUOTED_ARGS.findall(m.group(2))))
    return [p for p in found if p]


def _handed_to_defines_long_way(text: str) -> set[tuple[str, ...]]:
    """gotemplate._handed_to_defines without its quick test for a call."""
    blanked = gotemplate._STRINGS.sub(lambda m: '"' + " " * (len(m.group()) - 2) + '"', text)
    spans: list[tuple[int, int]] = []
    for call in gotemplate._NAME_CALL.finditer(blanked):
        depth, end = 0, len(blanked)
        for at in range(call.end(), len(blanked)):
            char = blanked[at]
            if char == "(":
                depth += 1
            elif char in ")|" and depth == 0:
                end = at
                break
            elif char == ")":
                depth -= 1
        spans.append((call.end(), end))
    return {
        tuple(p for p in m.group(1).split(".") if p)
        for m in gotemplate._VALUES.finditer(blanked)
        if any(start <= m.start() < end for start, end in spans)
    }


def _collect_refs_long_way(
    info: Any, action: Any, keyword: str, guards: Any, innermost: Any, define: str | None, tests: Any = None, binder: Any = None
) -> None:
    """gotemplate._collect_refs with every pattern tried on every action."""
    text = action.text
    if binder is not None:  # reads of dot's field Values, apart, and blanked for the patterns below
        blanked = gotemplate._without_strings(text)
        for match in gotemplate._DOT_VALUES.finditer(blanked):
            path = tuple(part for part in match.group(1).split(".") if part)
            read = gotemplate.ReboundRead(path, action.line, action.column, binder.keyword, binder.argument, binder.dot_path, define, tests)
            info.rebound.append(read)
            text = text[: match.start()] + " " * (match.end() - match.start()) + text[match.end() :]
    if gotemplate._WHOLE_VALUES.search(gotemplate._INDEX_VALUES.sub("", text)):
        info.whole_values = True
    guarded_here = (
        keyword in ("if", "with", "else", "range") or gotemplate._GUARD_CALL.search(gotemplate._without_strings(text)) is not None
    )
    handed = _handed_to_defines_long_way(text)
    operands = gotemplate._lazy_operands(text)  # every action, with an and or or or not
    for path in _paths_long_way(text):
        enclosed = guards.covers(path)
        levels = operands.get(path, ())
        lazy, before = levels[0] if levels else (None, ())
        info.refs.append(
            gotemplate.ValuesRef(
                path,
                action.line,
                action.column,
                guarded_here or enclosed or path in handed,
                define,
                enclosed,
                lazy,
                before,
                levels[1:],
                tests,
            )
        )
    scope = innermost.with_path if innermost is not None else None
    if (
        scope is not None
        and innermost is not None
        and innermost.keyword == "with"
        and not innermost.in_else
        and keyword not in ("with", "range")
    ):
        for match in gotemplate._RELATIVE.finditer(gotemplate._without_strings(text)):
            relative = tuple(match.group(1).split("."))
            if relative[0] in ("Values", "Release", "Chart", "Capabilities", "Template", "Files"):
                continue
            path = scope + relative
            info.refs.append(
                gotemplate.ValuesRef(path, action.line, action.column, guarded_here or guards.covers(path), define, True, tests=tests)
            )


TEMPLATES = [
    '{{ include "x.labels" . | nindent 4 }}\n{{- with .Values.pod }}\n  a: {{ .name }}\n  b: {{ default "x" .image.tag }}\n{{- end }}',
    '{{ toYaml .Values }}{{ tpl (toYaml $.Values.extra) . }}{{ $root.Values.a.b }}{{ index .Values "a-b" "c" }}',
    "{{- with .Values.x }}{{ range .items }}{{ .name }}{{ end }}{{ .Release.Name }}{{ .Values.y }}{{ $.Values.z }}{{ end }}",
    "{{ if .Values.a.enabled }}{{ .Values.a.port }}{{ else if .Values.b }}{{ .Values.b.c }}{{ end }}{{ .Values.a.port }}",
    "{{ if and .Values.a .Values.a.b }}{{ or .Values.x (and .Values.y .Values.y.z) | quote }}{{ end }}",
    "{{ range $i, $r := .Values.repos }}{{ .Values.sc | quote }}{{ $.Values.ok }}{{ else }}{{ .Values.e }}{{ end }}",
    '{{ define "t" }}{{ .Values.inner }}{{ end }}{{ include "t" (dict "v" .Values.handed) }}{{ with.Values.w }}{{ .q }}{{ end }}',
    '{{ "a .Values.in.string" }}{{ printf "%s" .Values.p | quote }}{{/* .Values.comment */}}{{ .Valuesx }}{{ .Values }}',
    '{{ if hasKey .Values.m "k" }}{{ index $.Values.n "o" "p" }}{{ end }}{{ toYaml (index .Values "q") }}',
    '{{ template "t" .Values.t }}{{ include "i" (list .Values.a (.Values.b)) | indent 2 }}{{ if (include "x" .Values.c) }}{{ end }}',
]


def test_template_analysis_finds_what_the_long_way_finds(monkeypatch: pytest.MonkeyPatch) -> None:
    folders = [FIXTURES, REAL] if REAL.is_dir() else [FIXTURES]
    texts = [path.read_text(encoding="utf-8") for folder in folders for path in sorted(folder.rglob("templates/*")) if path.is_file()]
    texts += TEMPLATES
    assert len(texts) > 60

    def seen(text: str) -> Any:
        info = gotemplate.analyse(text)
        return (info.refs, info.rebound, info.whole_values, info.calls, info.call_contexts, info.errors, info.defines, info.callers)

    quick = [seen(text) for text in texts]
    monkeypatch.setattr(gotemplate, "_collect_refs", _collect_refs_long_way)
    monkeypatch.setattr(gotemplate, "_paths", _paths_long_way)
    assert quick == [seen(text) for text in texts]
    assert sum(len(refs) for refs, *_ in quick) > 1000


# -- per-value caches and quick tests of the container rules --------------------------------------


def test_the_cached_answers_are_those_of_the_functions_they_cache(objects: list[K8sObject]) -> None:
    values = _strings(objects) + _generated(20000, 7)
    for version in ["1.30", "v1.29", "1.34.2", "2.0", "1.", *[f"1.{minor}" for minor in range(40)]]:
        assert workloads._minor(version) == workloads._minor.__wrapped__(version)
    for value in values:
        if len(value) <= 15:
            assert port_names._short_name_problem(value) == port_names._short_name_problem.__wrapped__(value), value
        assert env._portable(value) == (env._PORTABLE.fullmatch(value) is not None)
        assert config_data._credential_env_name(value) == credentials.is_credential_name(value)


def _url_password_long_way(value: str) -> str | None:
    match = credentials._URL_WITH_PASSWORD.search(value)
    if match and not credentials._PLACEHOLDER.search(match.group(1)):
        return match.group(1)
    return None


def test_url_password_finds_what_its_pattern_finds(objects: list[K8sObject]) -> None:
    values = [*_strings(objects), "postgres://u:p@h/db", "HTTPS://A:B@C", "x://u:${P}@h", "a://b@c", "u:p@h", "://:x@"]
    found = [value for value in values if _url_password_long_way(value)]
    assert len(found) >= 3
    for value in values:
        assert credentials.url_password(value) == _url_password_long_way(value), value


def test_the_env_shortcuts_leave_out_only_entries_with_nothing_to_report(objects: list[K8sObject]) -> None:
    entries = [entry for obj in objects for c in obj.containers() for entry in c.data.get("env") or [] if isinstance(entry, dict)]
    assert len(entries) > 500
    for entry in entries:
        name, value = entry.get("name"), entry.get("value")
        if not isinstance(name, str):
            continue
        if value is None:  # plaintext-secret-env passes over it: the long way says nothing either
            assert not (credentials.is_credential_name(name) and credentials.is_literal_secret(value, name))
        if name and env._portable(name):  # invalid-env-name passes over it: both patterns accept it
            assert env._ACCEPTED.fullmatch(name) and env._PORTABLE.fullmatch(name)


def _missing_long_way(obj: K8sObject, section: str, wanted: list[str], version: str) -> list[tuple[FieldPath, list[str]]]:
    provided = resources_required._pod_level(obj, section, version)
    found = []
    for container in obj.containers():
        if container.group == "ephemeralContainers":
            continue
        resources = container.data.get("resources") if isinstance(container.data.get("resources"), dict) else {}
        present = resources.get(section) if isinstance(resources.get(section), dict) else {}
        if section == "requests":
            limits = resources.get("limits") if isinstance(resources.get("limits"), dict) else {}
            present = {**limits, **present}
        absent = [name for name in wanted if name not in present and name not in provided]
        if absent:
            found.append((container.path, absent))
    return found


def test_missing_requests_and_limits_find_what_the_long_way_finds(objects: list[K8sObject]) -> None:
    wanted = ["cpu", "memory", "ephemeral-storage"]
    said = 0
    for obj in objects:
        for section in ("requests", "limits"):
            for version in ("1.30", "1.34"):
                expected = _missing_long_way(obj, section, wanted, version)
                got = [(c.path, absent) for c, absent in resources_required._missing(obj, section, wanted, version)]
                assert got == expected, obj.describe()
                said += len(got)
    assert said > 100


def test_the_references_of_a_pod_are_those_the_long_way_finds(objects: list[K8sObject]) -> None:
    env_cases: list[Any] = [
        {"name": "A", "value": "x"},
        {"name": "B", "valueFrom": {"configMapKeyRef": {"name": "cm", "key": "k"}}},
        {"name": "C", "valueFrom": "text"},
        "not a mapping",
        {"name": "D", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k", "optional": True}}},
    ]
    spec = {"containers": [{"name": "c", "env": env_cases}]}
    found = (("spec",), spec)
    refs = list(references_of(found, containers_of(found)))
    assert [(r.kind, r.name, r.path, r.optional, r.key) for r in refs] == [
        ("ConfigMap", "cm", ("spec", "containers", 0, "env", 1, "valueFrom", "configMapKeyRef", "name"), False, "k"),
        ("Secret", "s", ("spec", "containers", 0, "env", 4, "valueFrom", "secretKeyRef", "name"), True, "k"),
    ]
    counted = sum(len(obj.references()) for obj in objects)
    assert counted > 300
    for obj in objects:  # each entry without valueFrom is passed over; the rest are read as before
        for container in obj.containers():
            for index, entry in enumerate(container.data.get("env") or []):
                source = entry.get("valueFrom") if isinstance(entry, dict) else None
                if not isinstance(source, dict):
                    assert not any(r.path[: len(container.path) + 2] == (*container.path, "env", index) for r in obj.references())


# -- the per-object views of model/fields.py --------------------------------------------------------


def _resource_blocks_long_way(obj: K8sObject) -> Iterator[tuple[FieldPath, dict[str, Any]]]:
    for container in obj.containers():
        if isinstance(container.data.get("resources"), dict):
            yield (*container.path, "resources"), container.data["resources"]
    spec_path = obj.pod_spec_path()
    if spec_path is not None and isinstance(dig(obj.data, (*spec_path, "resources")), dict):
        yield (*spec_path, "resources"), dig(obj.data, (*spec_path, "resources"))
    if obj.kind == "PersistentVolumeClaim" and isinstance(dig(obj.data, ("spec", "resources")), dict):
        yield ("spec", "resources"), dig(obj.data, ("spec", "resources"))
    elif obj.kind == "StatefulSet":
        claims = dig(obj.data, ("spec", "volumeClaimTemplates"))
        for index, claim in enumerate(claims if isinstance(claims, list) else []):
            if isinstance(dig(claim, ("spec", "resources")), dict):
                yield ("spec", "volumeClaimTemplates", index, "spec", "resources"), dig(claim, ("spec", "resources"))


def _quantity_fields_long_way(obj: K8sObject) -> Iterator[tuple[FieldPath, Any]]:
    for path, resources in _resource_blocks_long_way(obj):
        for section in ("requests", "limits"):
            values = resources.get(section)
            for resource, value in (values if isinstance(values, dict) else {}).items():
                yield (*path, section, resource), value
    spec_path = obj.pod_spec_path()
    if spec_path is not None:
        volumes = dig(obj.data, (*spec_path, "volumes"))
        for index, volume in enumerate(volumes if isinstance(volumes, list) else []):
            empty_dir = dig(volume, ("emptyDir",))
            if isinstance(empty_dir, dict) and "sizeLimit" in empty_dir:
                yield (*spec_path, "volumes", index, "emptyDir", "sizeLimit"), empty_dir["sizeLimit"]


def _label_maps_long_way(obj: K8sObject) -> Iterator[tuple[FieldPath, Any, bool]]:
    yield ("metadata", "labels"), obj.metadata.get("labels"), True
    yield ("metadata", "annotations"), obj.metadata.get("annotations"), False
    template = obj.pod_template_path()
    if template is not None:
        yield (*template, "metadata", "labels"), dig(obj.data, (*template, "metadata", "labels")), True
        yield (*template, "metadata", "annotations"), dig(obj.data, (*template, "metadata", "annotations")), False
    selector = dig(obj.data, ("spec", "selector"))
    if isinstance(selector, dict):
        if obj.kind in ("Service", "ReplicationController"):
            yield ("spec", "selector"), selector, True
        else:
            yield ("spec", "selector", "matchLabels"), selector.get("matchLabels"), True


def test_the_field_views_are_what_the_field_by_field_walk_finds(objects: list[K8sObject]) -> None:
    odd = K8sObject(
        {"kind": "StatefulSet", "metadata": [], "spec": {"selector": "x", "volumeClaimTemplates": [{"spec": {"resources": {}}}, 3]}},
        objects[0].file, 0, None, None, None, None, (0, 0),
    )  # fmt: skip
    counts = [0, 0, 0]
    for obj in [*objects, odd]:
        assert resource_blocks(obj) == tuple(_resource_blocks_long_way(obj)), obj.describe()
        assert quantity_fields(obj) == tuple(_quantity_fields_long_way(obj)), obj.describe()
        assert label_maps(obj) == tuple(_label_maps_long_way(obj)), obj.describe()
        counts = [counts[0] + len(resource_blocks(obj)), counts[1] + len(quantity_fields(obj)), counts[2] + len(label_maps(obj))]
    assert min(counts) > 100


PLACEHOLDER_PORTS = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: a
        image: nginx:1.25
        ports:
        - {containerPort: 8080, name: http}
        - {containerPort: "${PORT}", name: HTTP_NAME}
        - {containerPort: 81, hostPort: "<HOST_PORT>"}
        readinessProbe: {httpGet: {port: "{{ .Values.port }}"}}
        livenessProbe: {tcpSocket: {port: 8080}}
        startupProbe: {grpc: {port: PROBE_PORT}}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports:
  - {port: 80, targetPort: http}
  - {port: PORT, targetPort: TARGET_PORT, nodePort: "$NODE_PORT"}
"""


def test_every_port_placeholder_is_still_reported(lint_text: Any) -> None:
    result = lint_text(PLACEHOLDER_PORTS)
    found = sorted((f.location.line, f.message.split(" is ")[0]) for f in result.findings if f.code == "KM006")
    assert found == [
        (14, "containerPort"),
        (14, "port name"),
        (15, "hostPort"),
        (16, "readinessProbe port"),
        (18, "startupProbe port"),
        (27, "nodePort"),
        (27, "port"),
        (27, "targetPort"),
    ]


def _walk_refs_long_way(schema: Any, base_uri: str = "") -> Iterator[tuple[FieldPath, str, str]]:
    stack: list[tuple[Any, str, FieldPath]] = [(schema, base_uri, ())]
    while stack:
        node, base, path = stack.pop()
        if isinstance(node, list):
            stack.extend((item, base, (*path, i)) for i, item in reversed(list(enumerate(node))))
            continue
        if not isinstance(node, dict):
            continue
        if isinstance(node.get("$id"), str):
            base = schemas._join(base, node["$id"])
        for keyword in schemas.REF_KEYWORDS:
            if isinstance(node.get(keyword), str):
                yield (*path, keyword), node[keyword], base
        children = reversed(list(node.items()))
        stack.extend(
            (value, base, (*path, key)) for key, value in children if isinstance(value, (dict, list)) and key not in schemas._DATA_KEYWORDS
        )


REF_SCHEMAS: list[Any] = [
    {"type": "object", "properties": {"a": {"$ref": "#/definitions/a"}}},
    {"properties": {"$ref": {"type": "string"}}},  # a field named $ref: no reference
    {"enum": [{"$ref": "x.json"}], "default": {"$ref": "y.json"}, "example": [{"$ref": "z"}]},  # data, not schemas
    {"$id": "https://example.com/root.json", "items": [{"$id": "sub/", "$dynamicRef": "#meta"}, 3, None]},
    {"allOf": [{"$recursiveRef": "#"}, {"$ref": 5}]},
    {"$ref": None, "anyOf": [[{"$ref": "deep.json"}]]},
    [{"$ref": "top.json"}],
    "text",
]


def test_the_reference_walk_finds_what_the_long_way_finds(objects: list[K8sObject]) -> None:
    crds = [obj for obj in objects if obj.kind == "CustomResourceDefinition"]
    holders = [schema for crd in crds for _, schema in schemas.crd_schema_holders(crd)]
    with_refs = []
    for schema in [*holders, *REF_SCHEMAS]:
        expected = list(_walk_refs_long_way(schema, "file:///s.json"))
        assert list(schemas.walk_refs(schema, "file:///s.json")) == expected, schema
        assert schemas._holds_ref(schema) == bool(expected)
        with_refs.append(bool(expected))
    assert sum(with_refs[: len(holders)]) >= 1  # the fixtures' CRDs with a $ref (schema-ref-refused)
    assert with_refs[len(holders) :] == [True, False, False, True, True, True, True, False]
