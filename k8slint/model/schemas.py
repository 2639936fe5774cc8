"""Schema validation of objects: built-in kinds, CustomResourceDefinitions, schema folders.

Built-in kinds use the OpenAPI-derived JSON schemas that the kubernetes-validate
package ships, one folder per Kubernetes minor version (plain and strict). Each
schema is read once per run and compiled once per kind (with jsonschema-rs,
which validates a Deployment about 300 times faster than the pure-Python
validator did here, with the same instance paths).

Custom resources are validated against the ``openAPIV3Schema`` of a
CustomResourceDefinition in the linted set, or against a JSON schema found in a
``--schema-location`` folder (kubeconform's ``{kind}-{group}-{version}.json``
layout, or the CRDs catalog's ``{group}/{kind}_{version}.json``). Kinds of
the Gateway API (``gateway.networking.k8s.io``) that neither gives a schema for
are validated against the standard-channel CRDs bundled with k8slint
(``schemas/crds/gateway-api.json``, see :func:`bundled_crd_schemas`).

Every schema a repository supplies is compiled with a retriever that reads
nothing it should not (see :class:`RefPolicy`): a CRD's schema may retrieve
nothing (the API server forbids ``$ref`` in ``openAPIV3Schema``), a schema
folder's files may refer only to files inside the schema folders, and no
schema ever reaches the network. The kind, group and version of an object are
checked against the API's own syntax before they make a file name.
"""

from __future__ import annotations

import copy
import importlib.util
import json
import os
import re
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urldefrag, urljoin, urlsplit

from k8slint.errors import UsageError
from k8slint.findings import FieldPath, clip
from k8slint.model.jsonvalues import as_json
from k8slint.model.kinds import api_group, is_custom_resource
from k8slint.model.objects import K8sObject
from k8slint.model.values import dig

_VERSION_DIR = re.compile(r"^v(\d+)\.(\d+)\.\d+-local$")
_DEFINITIONS_ID = "https://kubernetes.io/api/_definitions.json"
REF_KEYWORDS = ("$ref", "$dynamicRef", "$recursiveRef")
_REF_KEYS = frozenset(REF_KEYWORDS)


def supported_versions() -> list[str]:
    """Kubernetes minor versions whose schemas the installed kubernetes-validate ships."""
    found = []
    for entry in _schema_root().iterdir():
        match = _VERSION_DIR.match(entry.name)
        if match:
            found.append((int(match.group(1)), int(match.group(2))))
    return [f"{major}.{minor}" for major, minor in sorted(found)]


def _schema_root() -> Any:
    # Found without importing kubernetes_validate: its package imports jsonschema (~50 ms).
    spec = importlib.util.find_spec("kubernetes_validate")
    if spec is not None and spec.submodule_search_locations:
        return Path(next(iter(spec.submodule_search_locations)), "kubernetes-json-schema")
    from importlib import resources  # a package without a folder (in a zip): rare, and 4 ms to import

    return resources.files("kubernetes_validate").joinpath("kubernetes-json-schema")


def resolve_version(requested: str | None) -> str:
    """The target version as ``X.Y``; the newest supported one when not given."""
    versions = supported_versions()
    if requested is None:
        return versions[-1]
    match = re.fullmatch(r"v?([0-9]{1,4})\.([0-9]{1,4})(?:\.[0-9]{1,6})?", requested.strip())
    normalised = f"{int(match.group(1))}.{int(match.group(2))}" if match else requested
    if normalised not in versions:
        raise UsageError(f"unsupported Kubernetes version {clip(requested, 40)!r}; supported: {', '.join(versions)}")
    return normalised


@dataclass(frozen=True, slots=True)
class SchemaError:
    """One schema error, in the words a person reads."""

    path: FieldPath
    message: str
    unknown_field: bool = False
    missing: bool = False
    suggestion: str | None = None
    """For an unknown field, the closest field the schema defines there, if one is close."""


@dataclass(frozen=True, slots=True)
class LocationSchema:
    """A schema read from a ``--schema-location`` folder."""

    display: str
    """Its path as found (the folder as given, joined with the file name)."""
    uri: str
    path: Path
    schema: Any
    refused: list[RefusedRef]

    def refusals(self, policy: RefPolicy) -> Iterator[tuple[str, str, RefusedRef]]:
        """``(display, text, refusal)`` for the refused references of this file and of the files it refers to."""
        return document_refusals(self.display, self.path, self.schema, policy)


def document_refusals(
    display: str, path: Path, schema: Any, policy: RefPolicy, text: str | None = None
) -> Iterator[tuple[str, str, RefusedRef]]:
    """``(display, text, refusal)`` for each reference ``policy`` refuses in a schema file (whose ``text`` is
    read again if not given), and in the files it may refer to (each read once, as the compiler would read
    them); ``display`` names the file in findings, the others are named beside it."""
    seen = {path.as_uri()}
    pending: list[tuple[str, Path, Any, str | None]] = [(display, path, schema, text)]
    while pending:
        shown, file, document, known = pending.pop(0)
        refused, allowed = scan_refs(document, file.as_uri(), policy)
        if refused:
            text = known if known is not None else file.read_text(encoding="utf-8", errors="replace")
            for ref in refused:
                yield shown, text, ref
        for uri in allowed:
            if uri in seen:
                continue
            seen.add(uri)
            target, _ = policy.target(uri)
            try:
                child = policy.read(uri)
            except RefRefused:
                continue
            if target is not None:
                pending.append((_display_beside(display, path, target), target, child, None))


class _Defaulting:
    """A CRD schema's validator that first fills in the schema's ``default`` values, as the API server
    does before it validates a custom resource (structural defaulting, in apiextensions-apiserver's
    ``structuraldefaulting.Default``): a ``oneOf`` that tells branches apart by a defaulted field
    (the Gateway's ``addresses[].type``) sees the value the cluster validates."""

    __slots__ = ("schema", "validator")

    def __init__(self, validator: Any, schema: dict[str, Any]) -> None:
        self.validator = validator
        self.schema = schema

    def iter_errors(self, data: Any) -> Any:
        return self.validator.iter_errors(with_defaults(self.schema, data, top=True))


def with_defaults(schema: Any, value: Any, top: bool = False) -> Any:
    """``value`` with the ``default`` of each absent property of its schema filled in, in objects and in
    the items of lists and maps; ``value`` itself when nothing is defaulted (a copy of the changed parts otherwise).
    A property whose value is null and whose schema is not ``nullable`` is dropped first, as the API server
    prunes it before defaulting ("null values for fields that either don't specify the nullable flag, or give
    it a false value, will be pruned before defaulting happens", the CustomResourceDefinition docs): a required
    field left null (``vault:`` with nothing after it) is then missing."""
    if not isinstance(schema, dict):
        return value
    if isinstance(value, dict):
        properties = schema.get("properties")
        changed: dict[Any, Any] | None = None
        if isinstance(properties, dict):
            for key, child in properties.items():
                if (top and key == "metadata") or not isinstance(child, dict):
                    continue
                if key in value and value[key] is None and not child.get("nullable"):
                    changed = changed if changed is not None else dict(value)
                    del changed[key]
                    if "default" in child:
                        changed[key] = copy.deepcopy(child["default"])
                    continue
                if key not in value:
                    if "default" in child:
                        changed = changed if changed is not None else dict(value)
                        changed[key] = copy.deepcopy(child["default"])
                    continue
                filled = with_defaults(child, value[key])
                if filled is not value[key]:
                    changed = changed if changed is not None else dict(value)
                    changed[key] = filled
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict):
            for key, item in value.items():
                if isinstance(properties, dict) and key in properties:
                    continue
                filled = with_defaults(extra, item)
                if filled is not item:
                    changed = changed if changed is not None else dict(value)
                    changed[key] = filled
        return changed if changed is not None else value
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        items = [with_defaults(schema["items"], item) for item in value]
        return items if any(a is not b for a, b in zip(items, value, strict=True)) else value
    return value


@dataclass(frozen=True, slots=True)
class _Uncompiled:
    message: str


def _inside(entry: Any, folder: Any) -> bool:
    """Whether a schema file, symlinks resolved, is inside its folder (always, for a folder inside a zip)."""
    if not isinstance(entry, Path) or not isinstance(folder, Path):
        return True
    return Path(os.path.realpath(entry)).is_relative_to(os.path.realpath(folder))


def _display_beside(display: str, path: Path, other: Path) -> str:
    """``other`` displayed the way ``display`` (the shown name of ``path``) is: relative when it is."""
    try:
        return (Path(display).parent / os.path.relpath(other, path.parent)).as_posix()
    except ValueError:  # another drive
        return other.as_posix()


_DNS1035_LABEL = re.compile(r"[a-z]([-a-z0-9]{0,61}[a-z0-9])?")
_DNS1123_SUBDOMAIN = re.compile(r"(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")


def valid_type_names(api_version: str, kind: str) -> bool:
    """Whether a kind, group and version have the API's own syntax, so that a file name built of them stays one name.

    The rules the API server applies to a CustomResourceDefinition: a kind
    that is a DNS-1035 label once lowercased (``CronTab``), a group that is a
    DNS subdomain (``stable.example.com``; empty for the core group), a
    version that is a DNS-1035 label (``v1beta2``).
    """
    group, _, version = api_version.rpartition("/")
    return (
        _DNS1035_LABEL.fullmatch(kind.lower()) is not None
        and _DNS1035_LABEL.fullmatch(version) is not None
        and (group == "" or _DNS1123_SUBDOMAIN.fullmatch(group) is not None)
    )


_DEFINITION_START = re.compile(r'\n    "([^"\\]+)": ')
"""Where a definition starts in kubernetes-validate's _definitions.json: a key of ``$defs``, the one object
at the top level, indented by four spaces (a JSON string holds no raw line break, so nothing else matches)."""
_TOP_LEVEL_START = re.compile(r'\n  "([^"\\]+)": ')
_DEFINITION_REF = re.compile(r"(?:/api/_definitions\.json)?#/\$defs/([^/~]+)")
_REF_IN_TEXT = re.compile(r'"\$ref"\s*:\s*"((?:[^"\\]|\\.)*)"')
"""A ``$ref`` key and its string value in JSON text, where a quote that is not escaped is outside a string:
the references :func:`_references` finds in the parsed value, read from the text faster, where no
``\\u`` escape could spell the key otherwise."""


class DefinitionsFile:
    """kubernetes-validate's ``_definitions.json``, whose definitions are parsed only as a kind needs them.

    The whole file is 1.5 MB, parsed in ~5 ms and registered with jsonschema-rs in as long again; the
    schema of one kind refers to a few of its 735 definitions (a Deployment to 120, a Service to 15).
    :meth:`needed_by` gives the document with those only: every definition the kind's schema refers
    to, and every one those refer to, so that the validator compiled with it is the one compiled with
    the whole file. A file laid out otherwise than expected (not the indentation kubernetes-validate
    writes, a reference of another form) is parsed whole.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self._starts: dict[str, int] | None = None
        self._top: dict[str, Any] = {}
        self._parsed: dict[str, tuple[Any, int, list[str]]] = {}

    def whole(self) -> dict[str, Any]:
        return json.loads(self.text)

    def _layout(self) -> dict[str, int] | None:
        """Where each definition starts (in the order of the file), or None for an unexpected layout."""
        if self._starts is None:
            decoder = json.JSONDecoder()
            top = {match.group(1): match.end() for match in _TOP_LEVEL_START.finditer(self.text)}
            found = [(match.group(1), match.end()) for match in _DEFINITION_START.finditer(self.text)]
            starts = dict(found)
            expected = sorted(top) == ["$defs", "$id", "$schema"] and self.text.startswith('{\n  "$defs": {\n')
            self._starts = starts if expected and found and len(starts) == len(found) else {}
            if self._starts:
                self._top = {key: decoder.raw_decode(self.text, at)[0] for key, at in top.items() if key != "$defs"}
        return self._starts or None

    def needed_by(self, schema: Any) -> tuple[dict[str, Any], int] | None:
        """The document of the definitions ``schema`` needs, and the bytes they take in the file; None when
        the file or a reference is not as expected (the caller then uses the whole file)."""
        starts = self._layout()
        if starts is None:
            return None
        decoder = json.JSONDecoder()
        pending = _references(schema)
        needed: dict[str, Any] = {}
        size = 0
        while pending:
            match = _DEFINITION_REF.fullmatch(pending.pop())
            if match is None or match.group(1) not in starts:
                return None
            name = match.group(1)
            if name in needed:
                continue
            if name not in self._parsed:
                start = starts[name]
                value, end = decoder.raw_decode(self.text, start)
                plain = self.text.find("\\u", start, end) < 0
                references = _REF_IN_TEXT.findall(self.text, start, end) if plain else _references(value)
                self._parsed[name] = (value, end - start, references)
            needed[name], length, references = self._parsed[name]
            size += length
            pending.extend(references)
        return {"$defs": {name: needed[name] for name in sorted(needed, key=starts.__getitem__)}, **self._top}, size


def _references(node: Any) -> list[str]:
    """Every string under a ``$ref`` key in ``node``, data keywords included: one too many costs nothing, one
    missing would leave a definition out."""
    found: list[str] = []
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for key, value in item.items():
                if key == "$ref" and isinstance(value, str):
                    found.append(value)
                elif isinstance(value, (dict, list)):
                    stack.append(value)
        elif isinstance(item, list):
            stack.extend(child for child in item if isinstance(child, (dict, list)))
    return found


_BUILT_IN: dict[tuple[str, str, str], Any] = {}
"""Compiled validators of built-in kinds by (schema folder, apiVersion, kind), kept for the process: they
depend on nothing else, and a process that lints again and again (the language server) compiles each once."""


class SchemaStore:
    """Compiled validators for a run, built on first use and shared by the schema rules."""

    def __init__(
        self,
        version: str,
        strict: bool,
        locations: Iterable[str] = (),
        objects: Iterable[K8sObject] = (),
        strict_sibling: SchemaStore | None = None,
    ) -> None:
        self.version = version
        self.strict = strict
        self._sibling = strict_sibling if not strict else None
        """The same run's strict store, which validates for both where it finds no more than the unknown fields (errors)."""
        self._junctor_free: dict[tuple[str, str], bool] = {}
        self.locations = [Path(p) for p in locations]
        self._validators: dict[tuple[str, str], Any] = {}
        self._location_schemas: dict[tuple[str, str], LocationSchema | None] = {}
        objects = list(objects)
        alternatives: dict[tuple[str, str], list[dict[str, Any]]] = {}
        versions = _crd_versions(objects, alternatives)
        self._crd_schemas = {key: schema for key, (schema, _, _) in versions.items() if schema is not None}
        self._crd_alternatives = {key: found for key, schemas in alternatives.items() if len(found := _distinct(schemas)) > 1}
        """The kinds that CRDs of the set define with different schemas: each of those schemas."""
        self._status_subresources = {key for key, (_, status, _) in versions.items() if status}
        """The custom kinds whose status is a subresource: the API server drops their status on create."""
        self._crd_served: dict[tuple[str, str], list[str]] = {}
        """(group, kind) of each CRD in the set -> the versions it serves."""
        for (api_version, kind), (_, _, served) in versions.items():
            group, _, name = api_version.rpartition("/")
            listed = self._crd_served.setdefault((group, kind), [])
            if served and name not in listed:
                listed.append(name)
        self._partial_bytes = 0
        """Bytes of definitions read for the registries of single kinds (see _built_in_registry)."""

    @cached_property
    def _folder(self) -> Any:
        return _schema_root().joinpath(f"v{self.version}.0-local{'-strict' if self.strict else ''}")

    @cached_property
    def _definitions_file(self) -> DefinitionsFile:
        return DefinitionsFile(self._folder.joinpath("_definitions.json").read_text(encoding="utf-8"))

    @cached_property
    def _definitions(self) -> dict[str, Any]:
        return self._definitions_file.whole()

    @cached_property
    def _schema_registry(self) -> Any:
        import jsonschema_rs

        return jsonschema_rs.Registry([(_DEFINITIONS_ID, self._definitions)], retriever=refuse_all)

    def _built_in_registry(self, schema: Any) -> Any:
        """The registry a built-in kind's schema is compiled with: the definitions it needs, while the
        kinds compiled so far have needed less than half of them (a small run: one Deployment needs 120
        of 735 definitions); then all of them, in one registry shared by every later kind."""
        import jsonschema_rs

        definitions = self._definitions_file
        if self._partial_bytes * 2 < len(definitions.text):
            needed = definitions.needed_by(schema)
            if needed is not None:
                document, size = needed
                self._partial_bytes += size
                return jsonschema_rs.Registry([(_DEFINITIONS_ID, document)], retriever=refuse_all)
        return self._schema_registry

    def errors(self, obj: K8sObject) -> list[SchemaError] | None:
        """The schema errors of an object; None when no schema is known for its kind."""
        memo = obj.memo  # on the object: ids are reused once a worker's objects are gone
        key = "strict_schema_errors" if self.strict else "schema_errors"
        if key not in memo:
            sibling = self._sibling
            if sibling is not None and self._strict_adds_only_unknown_fields(obj):
                # The strict schema is the schema with additionalProperties: false wherever it defines properties,
                # and nothing else: where no oneOf, anyOf or not holds an object that it could tip, its errors are
                # this store's and the unknown fields. One validation serves both.
                strict = sibling.errors(obj)
                memo[key] = None if strict is None else [error for error in strict if not error.unknown_field]
            else:
                memo[key] = self._validate(obj)
        return memo[key]

    def _validate(self, obj: K8sObject) -> list[SchemaError] | None:
        api_version, kind = obj.api_version, obj.kind
        if api_version is None or kind is None:
            return None
        validator = self._validator(api_version, kind)
        if validator is None:
            return None
        if isinstance(validator, _Uncompiled):
            return None  # not validated: unknown-kind says why
        try:
            raw = list(validator.iter_errors(obj.data))
        except (ValueError, TypeError):
            # YAML keys that are numbers or booleans: the API server's YAML-to-JSON step makes them strings
            raw = list(validator.iter_errors(as_json(obj.data)))
        completed = obj.file.selector_labels_from is not None  # commonLabels make the selector when kustomize builds it
        namespaced = obj.file.namespace_from is not None  # and namespace: every namespace of the objects and references
        # an update merged into a live object: what it leaves out is there, but for a list's items (a JSON merge
        # patch replaces a list whole, RFC 7386), which are the file's own
        merged = obj.file.merged_into is not None
        builtin = not is_custom_resource(api_version)
        # what status lacks is never refused on create: the strategies of the built-in kinds reset it ("create
        # cannot set status", PrepareForCreate) or leave it unchecked (ValidateNode: "All status fields are
        # optional"), and a custom resource's is deleted where status is a subresource
        status_unchecked = builtin or (api_version, kind) in self._status_subresources
        errors = [
            _pruned(error, obj.data) if error.missing and not builtin else error
            for item in raw
            for error in self._explain(item)
            if not (completed and error.missing and tuple(error.path) == ("spec", "selector"))
            and not (namespaced and error.missing and error.path[-1:] == ("namespace",))
            and not (status_unchecked and error.missing and error.path[:1] == ("status",))
            and not (merged and error.missing and not any(isinstance(part, int) for part in error.path))
            and not (builtin and error.missing and _unenforced_required(error.path))
        ]
        structural = None if builtin else self._structural(api_version, kind)
        if structural and self.strict and any(error.unknown_field and error.suggestion is None for error in errors):
            errors = [_suggested(error, structural[-1]) if error.unknown_field and error.suggestion is None else error for error in errors]
        if structural and not merged:
            # a structural schema's list types, which JSON Schema has no keyword for: an error every schema gives
            found = [set(list_type_errors(one, with_defaults(one, obj.data, top=True))) for one in structural]
            errors.extend(sorted(set.intersection(*found), key=lambda error: [str(part) for part in error.path]))
        return errors

    def _strict_adds_only_unknown_fields(self, obj: K8sObject) -> bool:
        """Whether the strict validation of the object's kind finds what this store's does and the unknown fields, no
        more: a built-in kind (its strict schemas differ by additionalProperties alone, and hold no junctor of objects),
        or a custom resource whose schemas have no oneOf, anyOf, allOf or not with properties in it."""
        api_version, kind = obj.api_version, obj.kind
        if api_version is None or kind is None or not is_custom_resource(api_version):
            return True
        key = (api_version, kind)
        known = self._junctor_free.get(key)
        if known is None:
            schemas = self._structural(api_version, kind) or []
            known = self._junctor_free[key] = not any(_object_junctor(schema) for schema in schemas)
        return known

    def _structural(self, api_version: str, kind: str) -> list[dict[str, Any]] | None:
        """The structural schemas (a CustomResourceDefinition's, or a bundled one) a custom resource is validated
        with, as written: several where the set's CustomResourceDefinitions of the kind give different ones."""
        schema = self._crd_schemas.get((api_version, kind))
        if schema is not None:
            return self._crd_alternatives.get((api_version, kind), [schema])
        if self.location_schema(api_version, kind) is not None:
            return None  # a --schema-location schema is JSON Schema: it says what it checks
        bundled = bundled_crd_schemas().get((api_version, kind)) if api_group(api_version) in BUNDLED_GROUPS else None
        return [bundled] if bundled is not None else None

    def uncompiled(self, obj: K8sObject) -> str | None:
        """Why the schema of the object's kind could not be compiled (so the object was not validated), or None."""
        if obj.api_version is None or obj.kind is None:
            return None
        validator = self._validator(obj.api_version, obj.kind)
        return validator.message if isinstance(validator, _Uncompiled) else None

    def _validator(self, api_version: str, kind: str) -> Any:
        key = (api_version, kind)
        if key not in self._validators:
            self._validators[key] = self._build(api_version, kind)
        return self._validators[key]

    def _build(self, api_version: str, kind: str) -> Any:
        import jsonschema_rs

        if not valid_type_names(api_version, kind):
            return None  # never a file name: ``kind: ../../x`` must not steer the lookup
        if not is_custom_resource(api_version):
            key = (str(self._folder), api_version, kind)
            if key not in _BUILT_IN:
                name = f"{kind.lower()}-{_group_label(api_version)}{api_version.rpartition('/')[2]}.json"
                entry = self._folder.joinpath(name)
                if not entry.is_file() or not _inside(entry, self._folder):
                    return None
                schema = json.loads(entry.read_text(encoding="utf-8"))
                registry = self._built_in_registry(schema)
                _BUILT_IN[key] = jsonschema_rs.Draft202012Validator(schema, registry=registry, retriever=refuse_all)
            return _BUILT_IN[key]
        schema = self._crd_schemas.get((api_version, kind))
        if schema is not None:
            schemas = self._crd_alternatives.get((api_version, kind), [schema])

            def crd_validator() -> Any:
                validators = [
                    _Defaulting(jsonschema_rs.Draft202012Validator(_openapi_to_json_schema(one, self.strict), retriever=refuse_all), one)
                    for one in schemas
                ]
                return validators[0] if len(validators) == 1 else _Agreed(validators)

            return self._compile(crd_validator, f"the schema of the CustomResourceDefinition of {kind} ({api_version})")
        found = self.location_schema(api_version, kind)
        if found is not None:
            policy = RefPolicy(self.locations, "the --schema-location folders")
            compiled = without_refs(found.schema, found.refused)
            return self._compile(
                lambda: jsonschema_rs.validator_for(compiled, base_uri=found.uri, retriever=policy.retrieve),
                f"the schema {shown_ref(found.display)} for {kind} ({api_version})",
            )
        bundled = bundled_crd_schemas().get((api_version, kind)) if api_group(api_version) in BUNDLED_GROUPS else None
        if bundled is not None:
            return self._compile(
                lambda: _Defaulting(
                    jsonschema_rs.Draft202012Validator(_openapi_to_json_schema(bundled, self.strict), retriever=refuse_all), bundled
                ),
                f"the bundled schema of {kind} ({api_version})",
            )
        return None

    @staticmethod
    def _compile(build: Any, what: str) -> Any:
        """A compiled validator, or the reason it could not be built, in words that quote no schema content."""
        import jsonschema_rs

        try:
            return build()
        except jsonschema_rs.ValidationError as exc:
            kind = type(exc.kind).__name__ if getattr(exc, "kind", None) is not None else ""
            if kind == "Referencing":
                reason = "a reference in it does not resolve, or names a document k8slint does not retrieve"
            else:
                where = "/".join(str(part) for part in getattr(exc, "schema_path", []) or [])
                reason = f"it is not a valid JSON Schema ({kind or 'invalid'} at {shown_ref(where or '/')})"
            return _Uncompiled(f"{what} could not be compiled: {reason}; the object was not validated")

    def served_crd_versions(self, api_version: str, kind: str) -> list[str] | None:
        """The versions the set's CustomResourceDefinition of this kind's group and kind serves (in the order it
        lists them); None where the set has no CRD of the kind."""
        return self._crd_served.get((api_version.rpartition("/")[0], kind))

    def has_crd_schema(self, api_version: str, kind: str) -> bool:
        """Whether a CustomResourceDefinition in the set gives the schema of this kind (before any schema folder)."""
        return (api_version, kind) in self._crd_schemas

    def kinds_of(self, api_version: str) -> list[str]:
        """Kinds whose schema the target version has under ``api_version``."""
        suffix = f"-{_group_label(api_version)}{api_version.rpartition('/')[2]}.json"
        kinds: list[str] = []
        for entry in self._folder.iterdir():
            name = entry.name
            if name.endswith(suffix) and "-" not in name[: -len(suffix)]:
                schema = json.loads(entry.read_text(encoding="utf-8"))
                enum = schema.get("properties", {}).get("kind", {}).get("enum") or []
                kinds.extend(k for k in enum if isinstance(k, str))
        return sorted(set(kinds))

    def location_schema(self, api_version: str, kind: str) -> LocationSchema | None:
        """The schema a ``--schema-location`` folder holds for a kind, with the references it may not follow.

        Only files inside the folders are read (symlinks resolved), only
        regular ones, and only names built from a valid kind, group and version.
        """
        key = (api_version, kind)
        if key not in self._location_schemas:
            self._location_schemas[key] = self._find_location_schema(api_version, kind)
        return self._location_schemas[key]

    def _find_location_schema(self, api_version: str, kind: str) -> LocationSchema | None:
        if not self.locations or not valid_type_names(api_version, kind):
            return None
        group, _, version = api_version.rpartition("/")
        names = [
            f"{kind.lower()}-{group.split('.')[0]}-{version}.json" if group else f"{kind.lower()}-{version}.json",
            f"{group}/{kind.lower()}_{version}.json",
        ]
        policy = RefPolicy(self.locations, "the --schema-location folders")
        for folder in self.locations:
            root = Path(os.path.realpath(folder))
            for name in names:
                candidate = folder / name
                if not candidate.is_file():
                    continue
                uri = candidate.resolve().as_uri()
                path, _ = RefPolicy([root]).target(uri)
                if path is None:
                    return None  # a symlink out of the folder, a FIFO, a huge file: not read
                try:
                    schema = policy.read(uri)
                except RefRefused:
                    return None
                refused, _ = scan_refs(schema, uri, policy)
                return LocationSchema(candidate.as_posix(), uri, path, schema, refused)
        return None

    def _explain(self, error: Any) -> Iterator[SchemaError]:
        path = tuple(error.instance_path)
        details = error.kind.as_dict()
        name = error.kind.name
        if name == "additionalProperties":
            allowed = self._allowed_properties(error.schema_path)
            where = f" in {_describe_path(path)}" if path else ""
            for field in details.get("unexpected", []):
                import difflib  # only for an unknown field

                close = difflib.get_close_matches(field, allowed, n=1, cutoff=0.6)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                yield SchemaError(
                    (*path, field), f"unknown field {field!r}{where}{hint}", unknown_field=True, suggestion=close[0] if close else None
                )
            return
        if name == "required":
            missing = details.get("property")
            where = f" in {_describe_path(path)}" if path else ""
            yield SchemaError((*path, missing), f"required field {missing!r} is missing{where}", missing=True)
            return
        where = _describe_path(path)
        if name == "type":
            expected = _types(details.get("types") or [])
            yield SchemaError(path, f"{where}: expected {expected}, found {_describe(error.instance)}")
        elif name == "enum":
            options = ", ".join(json.dumps(o) for o in details.get("options", []) if o is not None)
            yield SchemaError(path, f"{where}: expected one of {options}; found {_describe(error.instance)}")
        elif name in ("oneOf", "anyOf"):
            context = details.get("context") or []
            if error.instance is None and name == "oneOf" and sum(1 for errors in context if not errors) > 1:
                # a null that every nullable branch takes (the built-in schemas' int-or-string is the oneOf of a
                # nullable string and a nullable integer): the API server decodes it as the field left unset
                return
            yield SchemaError(path, _alternatives(where, name, context, error.instance))
        else:
            yield SchemaError(path, f"{where}: {error.message}")

    def _allowed_properties(self, schema_path: list[Any]) -> list[str]:
        """Field names defined where an unknown field was found, for a spelling suggestion."""
        node: Any = self._definitions
        if schema_path[:1] != ["$defs"]:
            return []
        for part in schema_path[:-1]:
            if not isinstance(node, dict) or part not in node:
                return []
            node = node[part]
        return sorted(node.get("properties", {})) if isinstance(node, dict) else []


def _suggested(error: SchemaError, schema: dict[str, Any]) -> SchemaError:
    """An unknown field of a custom resource with the closest field its CRD's schema defines there, if one is close."""
    node: Any = schema
    for part in error.path[:-1]:
        if not isinstance(node, dict):
            return error
        properties = node.get("properties")
        if isinstance(part, int):
            node = node.get("items")
        elif isinstance(properties, dict) and part in properties:
            node = properties[part]
        else:
            node = node.get("additionalProperties")
    properties = node.get("properties") if isinstance(node, dict) else None
    field = error.path[-1] if error.path else None
    if not isinstance(properties, dict) or not isinstance(field, str):
        return error
    import difflib

    close = difflib.get_close_matches(field, sorted(properties), n=1, cutoff=0.6)
    if not close:
        return error
    return SchemaError(error.path, f"{error.message}; did you mean {close[0]!r}?", unknown_field=True, suggestion=close[0])


def _pruned(error: SchemaError, data: Any) -> SchemaError:
    """A missing required field that the object writes as null says so: the API server dropped the null."""
    parent = dig(data, tuple(error.path[:-1])) if error.path else None
    if isinstance(parent, dict) and error.path[-1] in parent and parent[error.path[-1]] is None:
        return SchemaError(
            error.path, f"{error.message} (it is written as null, which the API server drops before it validates)", missing=True
        )
    return error


def _group_label(api_version: str) -> str:
    """``rbac.authorization.k8s.io/v1`` -> ``rbac-``; ``v1`` -> ``""`` (file names of kubernetes-validate)."""
    group = api_group(api_version)
    return f"{group.split('.')[0]}-" if group else ""


def _local_retriever(uri: str) -> Any:
    if not uri.startswith("file://"):
        raise ValueError(f"k8slint does not fetch remote schemas: {uri}")
    return json.loads(Path(uri.removeprefix("file://")).read_text(encoding="utf-8"))


# Kinds the API server serves only as a subresource of another resource (pods/eviction, deployments/scale,
# serviceaccounts/token): discovery lists them under that resource's group/version, not as kinds of their own.
_SUBRESOURCE_KINDS = frozenset({("policy/v1", "Eviction"), ("autoscaling/v1", "Scale"), ("authentication.k8s.io/v1", "TokenRequest")})
_ALPHA = re.compile(r"v[0-9]+alpha[0-9]+")


@cache
def served_kinds(version: str) -> tuple[str, ...]:
    """``group/version/Kind`` (``v1/Kind`` for the core group) of each built-in kind that an API server of
    ``version`` (``X.Y``) serves by default: the kinds of that version's schemas that are objects (their
    metadata is an ObjectMeta: no lists, no options), at GA versions and at the betas that are on by default
    (alpha APIs are off unless the cluster enables them). They are what ``helm install`` adds to
    ``.Capabilities.APIVersions`` from the cluster's discovery, besides the group/versions."""
    from k8slint.model.lifecycle import BETAS_ON_BY_DEFAULT, is_beta_version

    definitions = json.loads(_schema_root().joinpath(f"v{version}.0-local", "_definitions.json").read_text(encoding="utf-8"))
    found = set()
    for schema in definitions.get("$defs", {}).values():
        metadata = schema.get("properties", {}).get("metadata", {}) if isinstance(schema, dict) else {}
        if not str(metadata.get("$ref", "")).endswith(".ObjectMeta"):
            continue
        for gvk in schema.get("x-kubernetes-group-version-kind") or []:
            api_version = f"{gvk['group']}/{gvk['version']}" if gvk.get("group") else str(gvk["version"])
            kind = str(gvk["kind"])
            if _ALPHA.fullmatch(str(gvk["version"])) or (api_version, kind) in _SUBRESOURCE_KINDS:
                continue
            if is_beta_version(api_version) and (api_version, kind) not in BETAS_ON_BY_DEFAULT:
                continue
            found.add(f"{api_version}/{kind}")
    return tuple(sorted(found))


BUNDLED_GROUPS = frozenset({"gateway.networking.k8s.io"})
"""API groups whose CRD schemas k8slint ships: the Gateway API's standard channel."""


@cache
def bundled_crd_schemas() -> dict[tuple[str, str], dict[str, Any]]:
    """``(apiVersion, kind)`` of every served version of the bundled CRDs, with its schema.

    The file holds the ``openAPIV3Schema`` of each served version of the
    CustomResourceDefinitions in a Gateway API release's
    ``config/crd/standard/`` (its release is recorded in the file). They are used
    only when neither a CRD in the linted set nor a ``--schema-location``
    folder gives the schema, so a cluster's own (newer, experimental) CRDs win.
    """
    from k8slint.resources import data_dir

    with open(data_dir("schemas") / "crds" / "gateway-api.json", encoding="utf-8") as handle:
        bundle = json.load(handle)
    return {
        (f"{crd['group']}/{version['name']}", crd["kind"]): version["openAPIV3Schema"]
        for crd in bundle["crds"]
        for version in crd["versions"]
        if version.get("served", True)
    }


def bundled_crd_release() -> str:
    """The Gateway API release whose CRDs are bundled (``v1.6.1``, say)."""
    from k8slint.resources import data_dir

    with open(data_dir("schemas") / "crds" / "gateway-api.json", encoding="utf-8") as handle:
        return str(json.load(handle)["release"])


def _crd_versions(
    objects: Iterable[K8sObject], alternatives: dict[tuple[str, str], list[dict[str, Any]]] | None = None
) -> dict[tuple[str, str], tuple[dict[str, Any] | None, bool, bool]]:
    """``(apiVersion, kind)`` of every version of the CRDs in the set, with its schema (None for a version not
    served, or without one), whether it is served, and whether it has a status subresource (``subresources.status``, per version, or the whole CRD's in
    apiextensions.k8s.io/v1beta1; ``alternatives`` gets every schema of a kind more than one CRD gives). For those the API server deletes ``status`` on create ("create cannot set
    status", customResourceStrategy.PrepareForCreate in apiextensions-apiserver's
    pkg/registry/customresource/strategy.go), so what it is missing is never validated."""
    found: dict[tuple[str, str], tuple[dict[str, Any] | None, bool, bool]] = {}
    installed: set[tuple[str, str]] = set()  # the versions whose schema is a built or kustomize-built CRD's
    for obj in objects:
        if obj.kind != "CustomResourceDefinition":
            continue
        built = obj.placement is not None or obj.file.installed_by is not None
        spec = obj.data.get("spec")
        if not isinstance(spec, dict):
            continue
        group, names = spec.get("group"), spec.get("names")
        kind = names.get("kind") if isinstance(names, dict) else None
        if not isinstance(group, str) or not isinstance(kind, str):
            continue
        shared_schema = _dig_schema(spec.get("validation"))  # apiextensions.k8s.io/v1beta1
        shared_status = _has_status(spec.get("subresources"))
        versions = spec.get("versions")
        entries = versions if isinstance(versions, list) else []
        if not entries and isinstance(spec.get("version"), str):
            entries = [{"name": spec["version"], "served": True}]
        for entry in entries:
            if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
                continue
            served = entry.get("served") is not False
            schema = _dig_schema(entry.get("schema")) or shared_schema if served else None
            status = shared_status or _has_status(entry.get("subresources"))
            key = (f"{group}/{entry['name']}", kind)
            if key in found and schema is not None and built != (key in installed):
                # one definition a kustomization of the set builds (what the repository installs), one no build
                # reads (an old release's bundle, a minimal variant): the built one's schema is the cluster's
                if not built:
                    schema = None
                elif alternatives is not None:
                    alternatives.pop(key, None)
                    found[key] = (None, found[key][1], found[key][2])
            if schema is not None and built:
                installed.add(key)
            if key in found:  # the same kind defined twice: a schema is the last one given, a status subresource either's
                earlier = found[key][0]
                if schema is not None and earlier is not None and alternatives is not None:
                    alternatives.setdefault(key, [earlier]).append(schema)
                schema, status, served = schema or found[key][0], status or found[key][1], served or found[key][2]
            found[key] = (schema, status, served)
    return found


def _distinct(schemas: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The schemas, each one once (the same CRD read from two files gives equal ones)."""
    seen: set[str] = set()
    kept = []
    for schema in schemas:
        text = json.dumps(schema, sort_keys=True, default=str)
        if text not in seen:
            seen.add(text)
            kept.append(schema)
    return kept


class _Agreed:
    """The validators of the schemas that several CustomResourceDefinitions of one kind give (the files kustomize
    builds from and the file it built, a chart's copy and the operator's): which one the cluster gets is not
    known, so an error is one every schema gives, at the same path with the same message (those of the last)."""

    __slots__ = ("validators",)

    def __init__(self, validators: list[Any]) -> None:
        self.validators = validators

    def iter_errors(self, data: Any) -> Any:
        *others, last = self.validators
        errors = list(last.iter_errors(data))
        for other in others:
            if not errors:
                break
            keys = {(tuple(error.instance_path), error.message) for error in other.iter_errors(data)}
            errors = [error for error in errors if (tuple(error.instance_path), error.message) in keys]
        return iter(errors)


def _has_status(subresources: Any) -> bool:
    return isinstance(subresources, dict) and "status" in subresources and subresources["status"] is not None


_UNENFORCED_REQUIRED = frozenset({("sysctls", "value")})
"""Fields of built-in kinds that the OpenAPI schema lists as required (their Go field has no ``omitempty``) but
the API server does not require: a missing key decodes to the zero value, and validation never checks it.
``sysctls[].value``: validateSysctls (pkg/apis/core/validation/validation.go) checks only the name."""


def _unenforced_required(path: FieldPath) -> bool:
    """Whether a missing required field at ``path`` is one the API server does not require (_UNENFORCED_REQUIRED)."""
    return len(path) >= 3 and isinstance(path[-2], int) and (path[-3], path[-1]) in _UNENFORCED_REQUIRED


def crd_schema_holders(obj: K8sObject) -> Iterator[tuple[FieldPath, dict[str, Any]]]:
    """``(path, schema)`` of each ``openAPIV3Schema`` in a CustomResourceDefinition."""
    spec = obj.data.get("spec")
    if not isinstance(spec, dict):
        return
    if _dig_schema(spec.get("validation")) is not None:
        yield ("spec", "validation", "openAPIV3Schema"), spec["validation"]["openAPIV3Schema"]
    versions = spec.get("versions")
    for i, entry in enumerate(versions if isinstance(versions, list) else []):
        if isinstance(entry, dict) and _dig_schema(entry.get("schema")) is not None:
            yield ("spec", "versions", i, "schema", "openAPIV3Schema"), entry["schema"]["openAPIV3Schema"]


def _dig_schema(holder: Any) -> dict[str, Any] | None:
    schema = holder.get("openAPIV3Schema") if isinstance(holder, dict) else None
    return schema if isinstance(schema, dict) else None


def _openapi_to_json_schema(schema: dict[str, Any], strict: bool) -> dict[str, Any]:
    """A CRD's structural OpenAPI v3 schema as JSON Schema, with the API server's semantics.

    ``nullable`` admits null, ``x-kubernetes-int-or-string`` admits both, and
    ``metadata`` is left to the API server's own ObjectMeta rules. In strict
    mode, objects with declared properties refuse undeclared ones unless they
    preserve unknown fields. A keyword whose value is null (``properties:``
    with nothing under it) is left out, and a property whose schema is null is
    the empty schema: the API server decodes the CRD into Go's JSONSchemaProps,
    where a JSON null is the zero value (encoding/json: "The JSON null value
    unmarshals into an interface, map, pointer, or slice by setting that Go
    value to nil").
    """

    def convert(node: Any, top: bool = False) -> Any:
        if isinstance(node, list):
            return [convert(item) for item in node]
        if not isinstance(node, dict):
            return node
        out = {
            # a scalar (type, description: most entries) is its own conversion, with no call to make
            key: convert_keyword(key, value) if isinstance(value, (dict, list)) else value
            for key, value in node.items()
            if value is not None and not key.startswith("x-kubernetes-") and key not in _NOT_COMPILED
        }
        if isinstance(out.get("properties"), dict):
            # the API server prunes null fields before validating them
            out["properties"] = {key: _admit_null(value) for key, value in out["properties"].items()}
        for bound, exclusive in (("minimum", "exclusiveMinimum"), ("maximum", "exclusiveMaximum")):
            flag = out.get(exclusive)
            if isinstance(flag, bool):
                # OpenAPI v3.0 (JSON Schema draft 4): a flag on minimum/maximum; 2020-12 takes the bound itself
                del out[exclusive]
                if flag and bound in out:
                    out[exclusive] = out.pop(bound)
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

    def convert_keyword(key: str, value: Any) -> Any:
        if key in _SCHEMA_MAPS and isinstance(value, dict):
            return {name: {} if child is None else convert(child) for name, child in value.items()}  # field names, not keywords
        if key in _DATA_KEYWORDS:
            return value  # data, not schemas
        return convert(value)

    # No copy of ``schema`` first: convert builds every mapping and list of what it returns anew,
    # sharing only scalars and the data keywords' values (enum, default), which nothing changes.
    return convert(schema, top=True)


_NOT_COMPILED = frozenset(("nullable", "format", "$ref", "$schema", "$id", "id", "definitions", "$defs", *REF_KEYWORDS))
"""Keywords of a CRD schema left out when it is compiled: ``$ref`` and ``definitions`` are forbidden by
the API server (KL014 reports a ``$ref``), and nothing may name another document or a meta-schema to fetch."""
_SCHEMA_MAPS = ("properties", "patternProperties", "dependencies")


def _admit_null(schema: Any) -> Any:
    if not isinstance(schema, dict):
        return schema
    kind = schema.get("type")
    if isinstance(schema.get("enum"), list):
        schema = {**schema, "enum": [*schema["enum"], None]}
    if isinstance(kind, str):
        return {**schema, "type": [kind, "null"]}
    if "anyOf" in schema:
        return {**schema, "anyOf": [*schema["anyOf"], {"type": "null"}]}
    return schema


def _alternatives(where: str, keyword: str, context: list[Any], instance: Any) -> str:
    """The words for a oneOf or anyOf that fails: ``context`` holds each alternative's errors (none: it matched).

    An int-or-string field (compiled as the anyOf of an integer and a string) takes either; other alternatives
    are a CRD's own, each with what it lacks."""
    matched = sum(1 for errors in context if not errors)
    if keyword == "oneOf" and matched > 1:
        return f"{where}: must match exactly one schema of its oneOf, and matches {matched}"
    first = [errors[0] for errors in context if errors]
    if first and all(
        e.kind.name == "type" and set(e.kind.as_dict().get("types") or ()) <= {"integer", "number", "string", "null"} for e in first
    ):
        return f"{where}: expected a string or a number, found {_describe(instance)}"
    reasons = "; ".join(dict.fromkeys(str(e.message) for e in first))
    return f"{where}: matches none of the {len(context)} schemas of its {keyword}" + (f" ({clip(reasons, 200)})" if reasons else "")


def _types(types: list[str]) -> str:
    words = {
        "integer": "an integer",
        "string": "a string",
        "array": "a list",
        "object": "a mapping",
        "boolean": "true or false",
        "number": "a number",
    }
    named = [words.get(t, t) for t in types if t != "null"]
    return " or ".join(named) if named else "null"


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f"the string {shown!r}"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return "null" if value is None else type(value).__name__


def _object_junctor(schema: Any, depth: int = 0) -> bool:
    """Whether a structural schema has a oneOf, anyOf, allOf or not whose branches define properties (where a strict
    schema's additionalProperties: false could change which branch matches)."""
    if depth > 64:
        return True  # deeper than any real schema: judged the safe way
    if isinstance(schema, list):
        return any(_object_junctor(item, depth + 1) for item in schema)
    if not isinstance(schema, dict):
        return False
    for key in ("oneOf", "anyOf", "allOf", "not"):
        branches = schema.get(key)
        for branch in branches if isinstance(branches, list) else [branches]:
            if isinstance(branch, dict) and ("properties" in branch or _object_junctor(branch, depth + 1)):
                return True
    return any(
        _object_junctor(value, depth + 1) for key, value in schema.items() if isinstance(value, (dict, list)) and key not in _DATA_KEYWORDS
    )


def list_type_errors(schema: Any, value: Any, path: FieldPath = ()) -> Iterator[SchemaError]:
    """What the API server refuses by a structural schema's ``x-kubernetes-list-type``: an item of a ``set`` list
    twice, or two items of a ``map`` list with the same ``x-kubernetes-list-map-keys`` (apiextensions-apiserver's
    structural listtype validation: ``Duplicate value``). ``value`` is the object after defaulting (a key may be
    defaulted)."""
    if not isinstance(schema, dict):
        return
    if isinstance(value, dict):
        properties = schema.get("properties")
        properties = properties if isinstance(properties, dict) else {}
        for key, child in properties.items():
            if key in value and not (not path and key == "metadata"):
                yield from list_type_errors(child, value[key], (*path, key))
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict):
            for key, item in value.items():
                if key not in properties:
                    yield from list_type_errors(extra, item, (*path, key))
        return
    if not isinstance(value, list):
        return
    list_type = schema.get("x-kubernetes-list-type")
    keys = schema.get("x-kubernetes-list-map-keys")
    seen: dict[str, int] = {}
    for index, item in enumerate(value):
        if list_type == "set" and not isinstance(item, (dict, list)):
            key = json.dumps(item)
            shown = key
        elif list_type == "map" and isinstance(item, dict) and isinstance(keys, list) and keys:
            picked = {name: item.get(name) for name in keys if isinstance(name, str)}
            key = json.dumps(picked, sort_keys=True, default=str)
            shown = ", ".join(f"{name}: {json.dumps(part, default=str)}" for name, part in picked.items())
        else:
            continue
        first = seen.setdefault(key, index)
        if first != index:
            what = "the value" if list_type == "set" else "the key"
            yield SchemaError(
                (*path, index),
                f"{_describe_path((*path, index))}: Duplicate value: {clip(shown, 120)} ({what} of "
                f"{_describe_path((*path, first))}; the list is x-kubernetes-list-type: {list_type})",
            )
    items = schema.get("items")
    if isinstance(items, dict):
        for index, item in enumerate(value):
            yield from list_type_errors(items, item, (*path, index))


def _describe_path(path: FieldPath) -> str:
    from k8slint.findings import format_path

    return format_path(path) or "the object"


# ---------------------------------------------------------------------------
# $ref policy: what a user-supplied schema may make k8slint read

MAX_SCHEMA_BYTES = 16 * 1024 * 1024
"""The largest schema file a ``$ref`` may bring in (the largest shipped schema is under 2 MB)."""

_MAX_SHOWN = 100
_DATA_KEYWORDS = frozenset(("enum", "const", "default", "examples", "example"))
"""Keywords whose values are data, not schemas: a ``$ref`` in them is never followed."""


@dataclass(frozen=True, slots=True)
class RefusedRef:
    """A reference k8slint did not follow: where it is in its schema, what it names, why not."""

    path: FieldPath
    """The path of the ``$ref`` key inside its schema document."""
    ref: str
    reason: str

    @property
    def keyword(self) -> str:
        return str(self.path[-1]) if self.path else "$ref"

    def message(self) -> str:
        return f"k8slint refused to retrieve {self.keyword} {shown_ref(self.ref)}: {self.reason}; the schema was used without it"


def shown_ref(ref: str) -> str:
    """A reference as it may be printed: control characters escaped, cut to a sane length."""
    escaped = json.dumps(ref, ensure_ascii=False)[1:-1]
    if len(escaped) > _MAX_SHOWN:
        escaped = escaped[: _MAX_SHOWN - 3] + "..."
    return f"'{escaped}'"


class RefRefused(ValueError):
    """A retrieval the reference policy refused (its text names no file content)."""


class RefPolicy:
    """The documents a schema's references may name: regular JSON files inside ``roots``, nothing else.

    No network scheme is ever allowed; ``file:`` URIs are resolved (symlinks
    and ``..`` included) and must land inside one of the roots, which are
    resolved once. With no roots nothing may be retrieved. ``retrieve`` is the
    retriever handed to the compilers: it opens only what ``target`` allows,
    only regular files, and reads at most :data:`MAX_SCHEMA_BYTES`.
    """

    def __init__(self, roots: Iterable[Path | str] = (), scope: str = "the schema's own folder") -> None:
        self.roots = [Path(os.path.realpath(root)) for root in roots]
        self.scope = scope

    def target(self, uri: str) -> tuple[Path | None, str]:
        """The file a document URI names, or None and the reason it may not be read."""
        try:
            parts = urlsplit(uri)
        except ValueError:
            return None, "it is not a valid URI"
        if parts.scheme != "file":
            if not parts.scheme:
                return None, "a relative reference with no document to resolve it against"
            return None, f"{parts.scheme[:16]}: references are never fetched"
        if parts.netloc not in ("", "localhost"):
            return None, "file: references to another host are never read"
        if not self.roots:
            return None, "this schema may not refer to other documents"
        path = Path(os.path.realpath(unquote(parts.path)))
        if not any(path.is_relative_to(root) for root in self.roots):
            return None, f"it names a file outside {self.scope}"
        try:
            info = path.stat()
        except OSError:
            return None, "the file it names does not exist"
        if not stat.S_ISREG(info.st_mode):
            return None, "it names something that is not a regular file"
        if info.st_size > MAX_SCHEMA_BYTES:
            return None, f"the file it names is larger than {MAX_SCHEMA_BYTES // (1024 * 1024)} MB"
        return path, ""

    def read(self, uri: str) -> Any:
        """The JSON document at ``uri``, if the policy allows it; raises :class:`RefRefused`."""
        path, reason = self.target(uri)
        if path is None:
            raise RefRefused(reason)
        try:
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0))
        except OSError:
            raise RefRefused("the file it names cannot be read") from None
        with os.fdopen(fd, "rb") as handle:  # checked again on the open file: it may have been swapped
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                raise RefRefused("it names something that is not a regular file")
            data = handle.read(MAX_SCHEMA_BYTES + 1)
        if len(data) > MAX_SCHEMA_BYTES:
            raise RefRefused("the file it names is too large")
        try:
            return json.loads(data)
        except (ValueError, RecursionError):
            raise RefRefused("the file it names is not valid JSON") from None

    def retrieve(self, uri: str) -> Any:
        """The retriever for the compilers: the document, with the references this policy refuses taken out."""
        document = self.read(uri)
        return without_refs(document, scan_refs(document, uri, self)[0])


def refuse_all(uri: str) -> Any:
    """The retriever for schemas that may retrieve nothing: built-in kinds and CRDs."""
    raise RefRefused("nothing is retrieved")


def walk_refs(schema: Any, base_uri: str = "") -> Iterator[tuple[FieldPath, str, str]]:
    """``(path of the keyword, reference, base URI it resolves against)`` for every reference, in document order.

    ``$id`` changes the base of the subschema that holds it, as in JSON Schema.
    Iterative: a deeply nested schema does not exhaust the stack.
    """
    if not _holds_ref(schema):
        return  # most schemas (every valid CRD's) hold none: no paths to build for their nodes
    stack: list[tuple[Any, str, FieldPath]] = [(schema, base_uri, ())]
    while stack:
        node, base, path = stack.pop()
        if isinstance(node, list):
            stack.extend((item, base, (*path, i)) for i, item in reversed(list(enumerate(node))))
            continue
        if not isinstance(node, dict):
            continue
        if isinstance(node.get("$id"), str):
            base = _join(base, node["$id"])
        for keyword in REF_KEYWORDS:
            if isinstance(node.get(keyword), str):
                yield (*path, keyword), node[keyword], base
        stack.extend(
            (value, base, (*path, key))
            for key, value in reversed(list(node.items()))
            if isinstance(value, (dict, list)) and key not in _DATA_KEYWORDS
        )


def _holds_ref(schema: Any) -> bool:
    """Whether walk_refs finds a reference in ``schema``: the same nodes visited, without the paths and bases."""
    stack = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if not _REF_KEYS.isdisjoint(node) and any(isinstance(node.get(keyword), str) for keyword in REF_KEYWORDS):
                return True
            stack.extend(value for key, value in node.items() if isinstance(value, (dict, list)) and key not in _DATA_KEYWORDS)
        elif isinstance(node, list):
            stack.extend(node)
    return False


def scan_refs(schema: Any, base_uri: str, policy: RefPolicy) -> tuple[list[RefusedRef], list[str]]:
    """The references ``policy`` refuses, and the documents it allows that they name.

    A reference within the document itself (``#/$defs/x``, or the document's
    own URI) needs no retrieval and is always fine.
    """
    refused: list[RefusedRef] = []
    allowed: list[str] = []
    own = urldefrag(base_uri).url
    for path, ref, base in walk_refs(schema, base_uri):
        document = urldefrag(_join(base, ref)).url
        if document in ("", own, urldefrag(base).url):
            continue
        found, reason = policy.target(document)
        if found is None:
            refused.append(RefusedRef(path, ref, reason))
        elif document not in allowed:
            allowed.append(document)
    return refused, allowed


def _join(base: str, ref: str) -> str:
    try:
        return urljoin(base, ref) if base else ref
    except ValueError:  # an invalid IPv6 host and the like
        return ref


def without_refs(schema: Any, refused: Iterable[RefusedRef]) -> Any:
    """A copy of ``schema`` with the refused reference keywords taken out; the rest is shared, not copied."""
    paths = sorted({ref.path for ref in refused if ref.path}, key=len)
    if not paths:
        return schema
    root = copy.copy(schema)
    copies: dict[FieldPath, Any] = {(): root}
    for path in paths:
        node = root
        for depth, part in enumerate(path[:-1], 1):
            prefix = path[:depth]
            if prefix not in copies:
                copies[prefix] = copy.copy(node[part])
                node[part] = copies[prefix]
            node = copies[prefix]
        if isinstance(node, dict):
            node.pop(path[-1], None)
    return root
