"""Loading Kubernetes objects from YAML and JSON files: positions, List items, Helm ``# Source:`` comments."""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from k8slint import rulecodes
from k8slint.findings import Location, Problem, clip
from k8slint.model.kinds import CLUSTER_SCOPED_KINDS, is_kubernetes_document, is_list_kind, is_tool_config
from k8slint.model.objects import K8sObject, SourceFile, set_position_reader
from k8slint.model.placeholders import is_elision, null_placeholder, null_placeholder_message, template_placeholder
from k8slint.model.positions import Positions, locate, sub_entries, subtree
from k8slint.model.texts import Text
from k8slint.model.values import string
from k8slint.rulecodes import Emitted
from k8slint.sources.yamlsafe import ERROR_RULES, MAX_DEPTH, load_documents

# The whole rest of the line, trimmed afterwards: a lazy (.+?) before \s*$ would retry
# the white space at every character of a long line (quadratic).
_TEMPLATE_COMMENT = re.compile(r"^# Source: (.+)$", re.MULTILINE)


def _first_document_positions(text: str) -> Positions | None:
    if "{%" in text:  # one document of a file in a Jinja raw block: its tags blanked as when the file was read
        text = _blank_raw_tags(text)
    documents, _, _ = load_documents(text)
    return documents[0].positions if documents else None


def _blank_raw_tags(text: str) -> str:
    """``text`` with a raw tag that opens it and one that closes it blanked, each on its own (a document's text
    holds the file's opening tag when it is the first, its closing one when it is the last)."""
    opened = _RAW_OPEN.match(text)
    if opened is not None:
        text = _blanked(text, opened.start(1), opened.end(1))
    closed = _RAW_CLOSE.search(text)
    if closed is not None:
        text = _blanked(text, closed.start(1), closed.end(1))
    return text


def _blanked(text: str, start: int, end: int) -> str:
    """``text`` with ``[start, end)`` replaced by spaces: every position stays."""
    return text[:start] + " " * (end - start) + text[end:]


set_position_reader(_first_document_positions)


@dataclass(slots=True)
class LoadResult:
    objects: list[K8sObject] = field(default_factory=list)
    problems: list[Emitted] = field(default_factory=list)
    """(rule name, problem) for input that could not be read as objects."""
    not_kubernetes: str | None = None
    """Why the file holds no Kubernetes object at all (it is some other tool's file), when it does not."""


KUSTOMIZE_REFUSES = "; kustomize refuses the file, kubectl and the API server silently keep the last"
"""The end of a duplicate-key message as read: load.grade_duplicate_keys gives another where kustomize does not read the file."""


def load_manifest_text(file: SourceFile, default_namespace: str, *, json_file: bool = False) -> LoadResult:
    """The objects of a YAML (or JSON) stream, and the problems met reading it."""
    result = LoadResult()
    text = _inside_raw_block(file.text) if "{%" in file.text else file.text
    raw = text is not file.text  # a Jinja raw block around it all: parsed without its tags
    holder = file.content if not raw and isinstance(file.content, Text) else None  # the positions read the file's own text
    documents, errors, duplicates = load_documents(text, share=True, holder=holder)  # the objects' data does not change
    if errors and json_file and not documents and all(error.kind == "syntax" for error in errors):
        fallback = _load_json(file, default_namespace)
        if fallback is not None:
            return fallback
    is_object = [_is_object(document.data) for document in documents]
    objects_here = any(is_object)
    for document, an_object in zip(documents, is_object, strict=True):
        token = _templated_api_version(document.data) if not an_object else None
        if token is not None:  # an object still to be rendered: said, not set aside as another tool's file
            line, column, _ = locate(document.positions, ("apiVersion",))
            written = document.data["apiVersion"]
            shown = "a placeholder" if token == written else f"which holds the placeholder {token!r}"
            message = (
                f"apiVersion is {clip(written, 80)!r}, {shown}: "
                f"the {clip(str(document.data['kind']), 60)} looks like a template to be rendered first; "
                + ("its API, and so its schema, is not known as written" if objects_here else "it is not linted as written")
            )
            result.problems.append((rulecodes.UNRENDERED_PLACEHOLDER, Problem(message, location=Location(file.display, line, column))))
    if result.problems and not objects_here:
        return result  # only templated objects: the findings say so
    if not objects_here:
        if _not_kubernetes(errors, file.text):
            result.not_kubernetes = _why_not([document.data for document in documents], bool(errors))
            return result
        if errors and (tool := _unparsed_tool_config(file.text)) is not None:
            result.not_kubernetes = tool
            return result
    if not errors and not json_file and "\\/" in text:
        errors = _go_yaml_escapes(text)  # the documents stay: each is linted as libyaml read it
    for error in errors:
        result.problems.append(_read_error(file, error, raw))
    for dup in duplicates:
        result.problems.append(
            (
                rulecodes.DUPLICATE_KEY,
                Problem(
                    f"key {dup.key!r} appears again (first on line {dup.first_line}){KUSTOMIZE_REFUSES}",
                    location=Location(file.display, dup.line, dup.column),
                ),
            )
        )
    templates = _template_comments(file.text) if "# Source: " in file.text else None
    previous_end = -1
    for document in documents:
        template = None
        if templates is not None:
            template = _template_for(templates, previous_end, document.start[0])
            previous_end = document.end[0]
        if document.data is None:
            continue  # an empty document: a bare '---' or only comments
        span = (file.text.rfind("\n", 0, document.start[1]) + 1, document.end[1])
        add_document(result, file, document.index, document.positions, span, document.data, default_namespace, template)
    return result


_GO_YAML_SLASH = "refuses \\/ (libyaml reads it as /)"
_SLASH_ESCAPE = re.compile(r"(?<!\\)(?:\\\\)*\\/")


def _go_yaml_escapes(text: str) -> list[Any]:
    """The escape go-yaml refuses and libyaml reads: ``\\/`` in a double-quoted scalar. YAML 1.2 has it; go-yaml's
    scanner (scannerc.go, yaml_parser_scan_flow_scalar), which kubectl and the API server read YAML with, stops at
    it ("found unknown escape character"). A JSON manifest is read by a JSON decoder there, which takes it."""
    import yaml

    from k8slint.sources.yamlsafe import DocumentError

    try:
        tokens = yaml.scan(text, Loader=yaml.CSafeLoader if hasattr(yaml, "CSafeLoader") else yaml.SafeLoader)
        for token in tokens:
            if not isinstance(token, yaml.ScalarToken) or token.style != '"':
                continue
            written = text[token.start_mark.index : token.end_mark.index]
            found = _SLASH_ESCAPE.search(written)
            if found is not None:
                at = token.start_mark.index + found.end() - 2
                line = text.count("\n", 0, at)
                column = at - (text.rfind("\n", 0, at) + 1)
                message = (
                    "while parsing a quoted scalar found unknown escape character: go-yaml, which kubectl and the API server "
                    f"read YAML with, {_GO_YAML_SLASH}"
                )
                return [DocumentError("syntax", message, line + 1, column + 1)]
    except yaml.YAMLError:
        return []
    return []


# Jinja's raw block around a whole file (mkdocs-macros docs snippets: `{% raw %}` ... `{% endraw %}`): Jinja
# outputs what is between the tags as written, so that is the YAML a reader applies.
_RAW_OPEN = re.compile(r"\A\s*(\{%-?\s*raw\s*-?%\})")
_RAW_CLOSE = re.compile(r"(\{%-?\s*endraw\s*-?%\})\s*\Z")


def _inside_raw_block(text: str) -> str:
    """``text`` with the raw tags that wrap all of it blanked (same length: every position stays), or as it is."""
    opened = _RAW_OPEN.match(text)
    closed = _RAW_CLOSE.search(text) if opened is not None else None
    if opened is None or closed is None or closed.start(1) < opened.end(1) or "{%" in text[opened.end(1) : closed.start(1)]:
        return text
    return _blanked(_blanked(text, closed.start(1), closed.end(1)), opened.start(1), opened.end(1))


# A top-level apiVersion or kind key: a file that does not parse is reported only with one. In YAML a top-level
# key starts its line (an indented one is a nested mapping's, or the text of a block scalar: a vcluster config
# with manifests embedded under `manifests: |-`); in JSON, where indentation says nothing, any key.
_NAMES_A_KIND = re.compile(r"""^["']?(?:apiVersion|kind)["']?[ \t]*:""", re.MULTILINE)
_JSON_NAMES_A_KIND = re.compile(r"""^\s*[{,]?\s*["']?(?:apiVersion|kind)["']?\s*:""", re.MULTILINE)


def _not_kubernetes(errors: list[Any], text: str) -> bool:
    """Whether a file none of whose documents is an object is not meant for Kubernetes at all: it
    parsed, or it has only syntax errors or tags no Kubernetes reader takes (mkdocs' ``!!python/name``,
    compose's ``!override``) and no apiVersion or kind key anywhere. A file k8slint refused to
    parse (too complex to read safely) was not looked at: that is reported."""
    if not errors:
        return True
    names = _JSON_NAMES_A_KIND if text.lstrip()[:1] in ("{", "[") else _NAMES_A_KIND
    return all(error.kind in ("syntax", "tag") for error in errors) and not names.search(text)


# apiVersion and kind at the top level of a document (at the start of a line), as written
_TOP_API_VERSION = re.compile(r"""^apiVersion:[ \t]*["']?([^\s"'#]+)""", re.MULTILINE)
_TOP_KIND = re.compile(r"""^kind:[ \t]*["']?([^\s"'#]+)""", re.MULTILINE)


def _unparsed_tool_config(text: str) -> str | None:
    """Why a file that does not parse is no Kubernetes object, where its top-level apiVersion and kind lines say
    it configures a tool (an eksctl ClusterConfig written as a gomplate template: ``name: {{ .Env.CLUSTER_NAME }}``):
    every document's pair names a tool's configuration. None otherwise (the file is reported as it is)."""
    versions, kinds = _TOP_API_VERSION.findall(text), _TOP_KIND.findall(text)
    if not versions or len(versions) != len(kinds) or not all(is_tool_config(v, k) for v, k in zip(versions, kinds, strict=True)):
        return None
    return (
        f"{clip(kinds[0], 60)} ({clip(versions[0], 80)}) configures a tool, it is not an API object "
        "(and the file is a template, rendered before the tool reads it)"
    )


def _templated_api_version(data: Any) -> str | None:
    """The placeholder in the apiVersion of a document shaped like an object (a kind, and metadata), or None:
    secrets-store-csi-driver's e2e templates write ``apiVersion: $API_VERSION``, which envsubst fills."""
    if not isinstance(data, dict) or not isinstance(data.get("kind"), str) or not isinstance(data.get("metadata"), dict):
        return None
    api_version = data.get("apiVersion")
    return template_placeholder(api_version) if isinstance(api_version, str) else None


def _is_object(data: Any) -> bool:
    """A document meant as a Kubernetes object (a List of them, or a bare list of them, included),
    not a tool's configuration."""
    if isinstance(data, list):
        return any(_is_object(item) for item in data[:100])
    return is_kubernetes_document(data) and not _configures_a_tool(data)


def _configures_a_tool(data: dict[str, Any]) -> bool:
    """A document shaped like an object that configures a tool instead (a kustomization, a
    kubeconfig, a KRM function's config): never sent to the API server, so never linted."""
    api_version, kind = data.get("apiVersion"), data.get("kind")
    if api_version is None and "apiVersion" not in data:
        # operator-sdk's scorecard config writes `apiversion:`: its reader matches keys case-insensitively (encoding/json),
        # where the API server's (sigs.k8s.io/json) does not
        api_version = data.get("apiversion")
    if isinstance(api_version, str) and isinstance(kind, str) and is_tool_config(api_version, kind):
        return True
    return _is_function_config(data)


# A KRM function's config (kustomize fn run, kpt): read by the function, never applied.
_FUNCTION_ANNOTATIONS = ("config.kubernetes.io/function", "config.k8s.io/function")


def _is_function_config(data: dict[str, Any]) -> bool:
    metadata = data.get("metadata")
    annotations = metadata.get("annotations") if isinstance(metadata, dict) else None
    return isinstance(annotations, dict) and any(key in annotations for key in _FUNCTION_ANNOTATIONS)


def _why_not(documents: list[Any], broken: bool) -> str:
    """What a file with no Kubernetes object in it is, in a few words (from its documents' data)."""
    if broken:
        return "not YAML that Kubernetes reads, and no apiVersion or kind in it"
    for data in documents:
        if not isinstance(data, dict):
            continue
        api_version, kind = data.get("apiVersion", data.get("apiversion")), data.get("kind")
        if isinstance(api_version, str) and isinstance(kind, str) and api_version and kind:
            if _is_function_config(data):
                return f"{clip(kind, 60)} ({clip(api_version, 80)}) is a KRM function's config (config.kubernetes.io/function), not an API object"
            if kind == "AdmissionReview" and api_version.startswith("admission.k8s.io/"):
                return f"AdmissionReview ({clip(api_version, 80)}) is an admission webhook's request or response, not an API object"
            if is_tool_config(api_version, kind):
                return f"{clip(kind, 60)} ({clip(api_version, 80)}) configures a tool, it is not an API object"
            return f"apiVersion {clip(api_version, 80)!r} names no Kubernetes API"
        if api_version is not None or kind is not None:
            return "no apiVersion and kind that name a Kubernetes object"
    return "no apiVersion or kind"


# A Go/Jinja/Mustache template action: ``{{ .Values.x }}``, ``{{ Elastic-IP-address }}``, or a Jinja statement
# (``{% if ingress %}``).
_TEMPLATE_ACTION = re.compile(r"\{\{.*?\}\}|\{%.*?%\}")
# A value written as an all-caps name between at signs, as sed and scripts fill them in (longhorn's scale test:
# ``name: @STS_NAME@``): YAML reserves ``@``, so no plain value starts with one.
_AT_PLACEHOLDER = re.compile(r"(?<![\w@])@[A-Z][A-Z0-9_]{0,64}@(?![\w@])")
# An all-caps name between single braces, as sed fills them in (cert-manager's e2e bind Service: ``clusterIP:
# {SERVICE_IP_PREFIX}.16``, rendered with ``sed -e "s|{SERVICE_IP_PREFIX}|...|g"``): YAML reads the brace as a flow
# mapping, which the text after it breaks. Not ``${NAME}`` (a plain scalar, read as text) nor ``{{ }}`` (above).
# A lower-case name between braces counts where text runs on after it, as no flow mapping does (kserve's docs:
# ``image: {username}/torchserve:latest``, Python's str.format style).
_BRACE_PLACEHOLDER = re.compile(r"(?<![\w{$])(?:\{[A-Z][A-Z0-9_]{1,64}\}(?![\w}])|\{[a-z][A-Za-z0-9_-]{1,64}\}(?=[^\s,}\]#]))")
# A line that is one envsubst variable alone (secrets-store-csi-driver's conjur e2e templates: `$CONJUR_SSL_CERT` at
# column 1 inside a block scalar, where a script writes the indented certificate): it breaks the YAML until rendered.
_DOLLAR_LINE = re.compile(r"\$\{?[A-Z_][A-Z0-9_]{0,64}\}?(?=\s*$)")


def _dollar_line(line: str) -> re.Match[str] | None:
    found = _DOLLAR_LINE.search(line)
    return found if found is not None and not line[: found.start()].strip() else None


# Argo Workflows' and Argo Rollouts' run-time expressions, which stay in the applied object (as strings).
_RUNTIME_EXPRESSION = re.compile(r"\{\{\s*(?:args|inputs|outputs|workflow|steps|tasks|item|pod|metrics|experiment)\b")


def _read_error(file: SourceFile, error: Any, raw: bool = False) -> Emitted:
    """The finding for a document that could not be read: a syntax error on a line that holds a
    template action (``{{ ... }}``) is a file still to be rendered (unrendered-placeholder), unless
    the action is an Argo run-time expression (``{{args.x}}``), which is applied as written: there
    the syntax error is the file's own (the value must be quoted). So it is in a file inside a Jinja raw
    block (``raw``): nothing in it is rendered, its ``{{ }}`` are applied as written (an ExternalSecret's
    template, run by its controller)."""
    location = Location(file.display, error.line, error.column)
    if error.kind == "syntax" and not raw:
        for number in (error.line, error.line - 1):
            line = file.line(number) or ""
            action = _TEMPLATE_ACTION.search(line)
            if action is not None and _RUNTIME_EXPRESSION.match(action.group(0)):
                hint = f"Quote the value: {clip(action.group(0), 60)} is resolved at run time, inside a YAML string"
                return ERROR_RULES[error.kind], Problem(error.message, location=location, hint=hint)
            what = "template action"
            if action is None:
                action, what = _AT_PLACEHOLDER.search(line) or _BRACE_PLACEHOLDER.search(line) or _dollar_line(line), "placeholder"
            if action is None and is_elision(line):
                # `...` at the start of a line is YAML's end of a document: valid, but it cuts the excerpt in two
                said = "YAML's end of a document, which cuts the file there" if line.rstrip() == "..." else "which is not YAML"
                message = (
                    f"line {number} is the elision {line.strip()!r}, {said}: the file is an excerpt with "
                    "lines left out (as docs show one), to be completed first"
                )
                column = len(line) - len(line.lstrip()) + 1
                return rulecodes.UNRENDERED_PLACEHOLDER, Problem(message, location=Location(file.display, number, column))
            if action is not None:
                message = (
                    f"line {number} holds the {what} {clip(action.group(0), 60)!r}, which is not YAML: "
                    "the file looks like a template to be rendered first"
                )
                return rulecodes.UNRENDERED_PLACEHOLDER, Problem(message, location=Location(file.display, number, action.start() + 1))
    if error.message.endswith(_GO_YAML_SLASH):  # the file was read (as libyaml reads it): only this escape is refused
        return ERROR_RULES[error.kind], Problem(error.message, location=location, hint="Write / instead of \\/ (in YAML, not JSON).")
    return ERROR_RULES[error.kind], Problem(error.message, location=location)


def _load_json(file: SourceFile, default_namespace: str) -> LoadResult | None:
    """JSON that the YAML parser refuses (surrogate escapes and the like); positions are then whole-file.

    Read with the YAML path's guards: nesting deeper than MAX_DEPTH is
    yaml-too-complex, a repeated key is duplicate-key, integers with more
    digits than Python converts and the NaN/Infinity literals stay text (as
    YAML reads them), and a lone surrogate escape (``"\\ud800"``, no Unicode
    character) is read as U+FFFD, as the API server's JSON reader does, and
    reported. None when Python's reader refuses the text too.
    """
    duplicates: list[str] = []

    def mapping(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for key, value in pairs:
            if key in data:
                duplicates.append(key)
            data[key] = value
        return data

    result = LoadResult()
    try:
        data = json.loads(file.text, object_pairs_hook=mapping, parse_int=_json_int, parse_constant=str)
        repaired = _repair_json(data)
    except RecursionError:
        repaired = None
    except ValueError:
        return None
    if repaired is None:
        message = f"nesting deeper than {MAX_DEPTH} levels; not parsed"
        result.problems.append((rulecodes.YAML_TOO_COMPLEX, Problem(message, location=Location(file.display, 1, 1))))
        return result
    for key in dict.fromkeys(_repairstring(key) for key in duplicates):
        message = f"key {key!r} appears again{KUSTOMIZE_REFUSES}"
        result.problems.append((rulecodes.DUPLICATE_KEY, Problem(message, location=Location(file.display, 1, 1))))
    if repaired:
        match = _LONE_SURROGATE.search(file.text)
        line = file.text.count("\n", 0, match.start()) + 1 if match else 1
        message = (
            f"{repaired} string{'s hold' if repaired != 1 else ' holds'} a lone surrogate escape "
            f"({match.group(0) if match else 'not a Unicode character'}); read as U+FFFD, as the API server does"
        )
        hint = "Write the character itself, or as a surrogate pair (\\ud83d\\ude00); a lone half is not text"
        problem = Problem(message, location=Location(file.display, line, 1), hint=hint, variant="lone-surrogate")
        result.problems.append((rulecodes.YAML_SYNTAX, problem))
    if data is not None and not _is_object(data):
        return LoadResult(not_kubernetes=_why_not([data], False))
    if data is not None:
        add_document(result, file, 0, (0, 0, None), (0, len(file.text)), data, default_namespace, None)
    return result


_LONE_SURROGATE = re.compile(
    r"\\u[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F])|(?<!\\u[dD][89abAB][0-9a-fA-F]{2})\\u[dD][c-fC-F][0-9a-fA-F]{2}"
)
_SURROGATE = re.compile("[\ud800-\udfff]")


def _json_int(text: str) -> int | str:
    try:
        return int(text)
    except ValueError:  # more digits than Python converts: Kubernetes' reader keeps such a number as text
        return text


def _repairstring(text: str) -> str:
    return text if text.isascii() else _SURROGATE.sub("\ufffd", text)


def _repair_json(data: Any) -> int | None:
    """Replace lone surrogates in the strings of ``data`` (in place); how many strings had one.

    None when ``data`` nests deeper than MAX_DEPTH. A walk with its own stack,
    so no depth exhausts Python's.
    """
    repaired = 0
    stack: list[tuple[Any, int]] = [(data, 0)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_DEPTH:
            return None
        if not isinstance(value, (dict, list)):
            continue  # a document that is a bare string or number: the loader reports it
        if isinstance(value, dict) and any(not key.isascii() and _SURROGATE.search(key) for key in value):
            items = list(value.items())
            value.clear()
            for key, item in items:
                fixed = _repairstring(key)
                repaired += fixed != key
                value[fixed] = item
        # replacing the value at a key or index changes neither the dict's size nor the list's
        entries: Iterable[tuple[Any, Any]] = value.items() if isinstance(value, dict) else enumerate(value)
        for key, item in entries:
            if isinstance(item, str):
                fixed = _repairstring(item)
                if fixed is not item:
                    value[key] = fixed
                    repaired += fixed != item
            elif isinstance(item, (dict, list)):
                stack.append((item, depth + 1))
    return repaired


def _template_comments(text: str) -> list[tuple[int, str]]:
    """(0-based line, template path) of every ``# Source:`` comment."""
    out = []
    line = counted = 0
    for match in _TEMPLATE_COMMENT.finditer(text):
        line += text.count("\n", counted, match.start())  # counted on from the previous comment
        counted = match.start()
        path = match.group(1)
        out.append((line, path[0] + path[1:].rstrip()))  # as (.+?)\s*$ read it: the first character stays
    return out


def _template_for(templates: list[tuple[int, str]], after: int, before: int) -> str | None:
    """The last ``# Source:`` comment between the previous document and this one."""
    index = bisect.bisect_left(templates, (before, "")) - 1
    if index >= 0 and templates[index][0] > after:
        return templates[index][1]
    return None


def add_document(
    result: LoadResult,
    file: SourceFile,
    index: int,
    tree: Positions,
    span: tuple[int, int],
    data: Any,
    default_namespace: str,
    template: str | None,
) -> None:
    if not isinstance(data, dict):
        what = "a list" if isinstance(data, list) else f"a {type(data).__name__} scalar"
        line, column, _ = locate(tree, ())
        result.problems.append(
            (
                rulecodes.DOCUMENT_NOT_A_MAPPING,
                Problem(
                    f"document {index + 1} is {what}, not a Kubernetes object (a mapping)",
                    location=Location(file.display, line, column),
                ),
            )
        )
        return
    kind = data.get("kind")
    items = data.get("items")
    if isinstance(kind, str) and is_list_kind(kind) and isinstance(items, list) and "spec" not in data:
        found = subtree(tree, ("items",))
        item_trees = [below for _, below in sub_entries(found)] if found is not None else []
        for position, item in enumerate(items):
            item_tree = item_trees[position] if position < len(item_trees) else tree
            if not isinstance(item, dict):
                where = locate(item_tree, ())
                result.problems.append(
                    (
                        rulecodes.DOCUMENT_NOT_A_MAPPING,
                        Problem(
                            f"item {position} of {kind} is not a Kubernetes object (a mapping)",
                            location=Location(file.display, where[0], where[1]),
                        ),
                    )
                )
                continue
            obj = _make_object(item, file, index, item_tree, span, default_namespace, template, position)
            _accept_object(result, obj)
        return
    _accept_object(result, _make_object(data, file, index, tree, span, default_namespace, template, None))


def _make_object(
    data: dict[str, Any],
    file: SourceFile,
    index: int,
    tree: Positions,
    span: tuple[int, int],
    default_namespace: str,
    template: str | None,
    item: int | None,
) -> K8sObject:
    kind = data.get("kind")
    metadata = data.get("metadata")
    namespace = metadata.get("namespace") if isinstance(metadata, dict) else None
    if not isinstance(namespace, str) or not namespace:
        namespace = None if isinstance(kind, str) and kind in CLUSTER_SCOPED_KINDS else default_namespace
    return K8sObject(data, file, index, tree, namespace, item, template, span)


def _accept_object(result: LoadResult, obj: K8sObject) -> None:
    """Report missing apiVersion, kind or name; the object is linted all the same."""
    data = obj.data
    if _configures_a_tool(data):
        return
    api_version, kind = data.get("apiVersion"), data.get("kind")
    for field_name, value in (("apiVersion", api_version), ("kind", kind)):
        if not isinstance(value, str) or not value:
            result.problems.append((rulecodes.MISSING_FIELD, Problem(_missing(field_name, value), path=(field_name,), subject=obj)))
    metadata = data.get("metadata")
    if not isinstance(metadata, dict):
        result.problems.append((rulecodes.MISSING_FIELD, Problem(_missing("metadata", metadata), path=("metadata",), subject=obj)))
    elif not string(metadata.get("name")) and not string(metadata.get("generateName")):
        token = null_placeholder(obj, ("metadata", "name")) if metadata.get("name", "") is None else None
        if token is not None:  # `name: ##CRNAME##`: a placeholder that YAML reads as a comment
            problem = Problem(null_placeholder_message("metadata.name", token), path=("metadata", "name"), subject=obj)
            result.problems.append((rulecodes.UNRENDERED_PLACEHOLDER, problem))
        else:
            problem = Problem(_missing("metadata.name", metadata.get("name")), path=("metadata", "name"), subject=obj)
            result.problems.append((rulecodes.MISSING_FIELD, problem))
    result.objects.append(obj)


def _missing(field_name: str, value: Any) -> str:
    if value is None or value == "":
        return f"{field_name} is missing"
    return f"{field_name} must be {'a mapping' if field_name == 'metadata' else 'a string'}, not {type(value).__name__}"
