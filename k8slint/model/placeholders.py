"""Recognising template placeholders left in a manifest that was not rendered.

A placeholder is reported once, as unrendered-placeholder, and the rules that
check the grammar of the same value stay silent on it. Two kinds are known:

- An elision, a value of three dots or more (``...``), which docs write for what they leave out.
- Template syntax, a placeholder wherever it appears: ``$VAR``, ``${VAR}``,
  ``${ VAR }`` (clusterctl rewrites the spaced forms to ``${VAR}`` before it
  substitutes: convertLegacyVars in its yamlprocessor), ``$(VAR)`` (in an
  image or a mountPath), ``<NAME>``, ``{{ ... }}``, ``{NAME}``, ``__NAME__``, and ``ko://``
  import paths in an image.
- An all-caps token such as ``PROJECT_ID``, only where such a token cannot be
  a real value: in an image's registry or repository path that fails to parse
  (it must be lower case), as a whole quantity, as a whole number field, as a
  whole name that must be lower case. A label value ``PROD`` can be real and is
  not one. In a lower-case name, a ``-`` or ``.`` separated part counts too
  when it is an all-caps identifier with a ``_`` (``ROLLOUT_NAME-active``; no
  name may hold a ``_``) or a word that only ever marks a value to replace
  (``REPLACEME-canary``); ``NGINX-ingress`` is a mis-cased name, not one.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from k8slint.model.objects import K8sObject

# Bounded repetitions keep every search linear in the length of the value.
_TEMPLATE = re.compile(
    r"\$\{[A-Za-z_][^{}\s]{0,256}\}"  # ${VAR}, ${VAR:-default}, ${VAR:=dev}
    r"|\$\{[ \t]{0,16}[A-Za-z_][A-Za-z0-9_]{0,256}[ \t]{0,16}\}"  # ${ VAR }: clusterctl's legacy spacing
    r"|\$\([A-Za-z_][A-Za-z0-9_.-]{0,256}\)"  # $(VAR), $(llmisvc-serviceAccountName): kustomize vars, env names
    r"|\$[A-Za-z_][A-Za-z0-9_]{0,256}"  # $VAR
    r"|<(?:\*\.)?[A-Za-z_][^<>\n]{0,256}>"  # <DOCKER_REPO>, <your domain>, <*.custom_domain>
    r"|\{\{[^{}\n]{0,256}\}\}"  # {{ .Values.image }}, {{IMAGE}}
    r"|\{[A-Za-z_][A-Za-z0-9_.-]{0,256}(?: [A-Za-z0-9_.-]{1,64}){0,8}\}"  # {IMAGE}, {Organization name}
    r"|__[A-Z][A-Z0-9_]{0,256}?__"  # __INGRESS_HOST__ (upper case: a__b__c can be real)
)
# $(VAR) is the API's own expansion in env values, command and args (and subPathExpr); an image or a mountPath gets none.
_API_EXPANDED = re.compile(r"\$\(")
# A whole token: no letter or digit on either side, so PROJECTid holds none.
_CAPS_TOKEN = re.compile(r"(?<![A-Za-z0-9])[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*(?![A-Za-z0-9])")
_CAPS_IDENTIFIER = re.compile(r"[A-Z][A-Z0-9_]{0,256}")
KO_PREFIX = "ko://"
# Words that mark a value to be replaced, never a real name part (argo-rollouts' e2e templates: REPLACEME-canary).
_REPLACE_WORDS = frozenset({"REPLACEME", "CHANGEME", "PLACEHOLDER", "TODO", "TBD", "FIXME", "XXX", "XXXX"})
_NAME_PARTS = re.compile(r"[-.]")


def is_elision(text: str) -> bool:
    """``text`` is an elision: three dots or more (or ``…``) alone, which docs write for what they leave out
    (``auth: ...``, a line ``...`` between fields); no API field takes it as a value."""
    stripped = text.strip()
    return bool(stripped) and (stripped == "\u2026" or (len(stripped) >= 3 and stripped.count(".") == len(stripped)))


RENDER = "the file looks like a template to be rendered first (envsubst, ko, skaffold, kpt setters)"
"""What a placeholder finding says of its file."""

# A placeholder that sed fills in, written where YAML reads a comment (`name: ##CRNAME##`, argo-cd's
# test/remote/argocd-remote-permissions.yaml, rendered by generate-permissions.sh): the value is null as read.
_COMMENT_PLACEHOLDER = re.compile(r"(?:^[ \t]*-|:)[ \t]+(##[A-Z][A-Z0-9_]{0,64}##)[ \t]*$")


def comment_placeholder(line: str | None) -> str | None:
    """The ``##NAME##`` placeholder that ends a line where a value would start (YAML reads it as a comment), or None."""
    if line is None or "##" not in line:
        return None
    found = _COMMENT_PLACEHOLDER.search(line)
    return found.group(1) if found else None


def null_placeholder(obj: K8sObject, path: tuple[Any, ...]) -> str | None:
    """The comment placeholder on the line of a field of ``obj`` whose value is null, or None."""
    location = obj.locate(path)
    return comment_placeholder(obj.file.line(location.line))


def null_placeholder_message(what: str, token: str) -> str:
    """What unrendered-placeholder says of a null whose line holds a placeholder YAML reads as a comment."""
    return f"{what} is null: its line holds {token!r}, a placeholder that YAML reads as a comment: {RENDER}"


def template_placeholder(value: str, *, unexpanded: bool = False) -> str | None:
    """The first template placeholder in ``value``, or the whole value when it is an elision (:func:`is_elision`).

    ``$(VAR)`` counts only when ``unexpanded``: in a field the API never expands it in (an image, a
    mountPath), where another tool (kustomize ``vars``, a script) must replace it; in env values, command
    and args it is the API's own expansion."""
    if "$" not in value and "<" not in value and "{" not in value and "__" not in value:
        # every form of _TEMPLATE starts with one of these, and most values hold none
        return value if value[:1] in (".", "\u2026", " ") and is_elision(value) else None
    for match in _TEMPLATE.finditer(value):
        if unexpanded or not _API_EXPANDED.match(match.group()):
            return match.group()
    return None


def _caps_word(token: str) -> bool:
    """An all-caps token of two letters or more, such as PROJECT_ID or PORT."""
    return sum(c.isalpha() for c in token) >= 2


def caps_identifier(value: str) -> bool:
    """``value`` is a whole all-caps identifier: ``PORT``, ``CPU_LIMIT``, ``APP_NAME``."""
    if not value or not "A" <= value[0] <= "Z":
        return False  # what _CAPS_IDENTIFIER starts with; most values (100m, http, app-1) fail here
    return bool(_CAPS_IDENTIFIER.fullmatch(value)) and _caps_word(value)


def image_placeholder(image: str, parses: bool) -> str | None:
    """The placeholder in an image reference, or None.

    ``parses`` says whether the reference is valid: an all-caps token in the
    registry or repository path counts only when it is not (PROJECT_ID/app,
    gcr.io/PROJECT_ID/app), since a valid reference may be real.
    """
    if image.startswith(KO_PREFIX):
        return KO_PREFIX
    found = template_placeholder(image, unexpanded=True)
    if found or parses:
        return found
    name = image.partition("@")[0]
    slash, colon = name.rfind("/"), name.rfind(":")
    if colon > slash:
        name = name[:colon]  # a tag may be upper case
    return next((m.group() for m in _CAPS_TOKEN.finditer(name) if _caps_word(m.group())), None)


def value_placeholder(value: str, *, caps: bool) -> str | None:
    """The placeholder in a value; a whole all-caps identifier counts when ``caps``
    (the position admits no such value: a quantity, a number, a lower-case name)."""
    found = template_placeholder(value)
    if found is None and caps and caps_identifier(value):
        return value
    return found


def name_placeholder(value: str, *, caps: bool) -> str | None:
    """The placeholder in a name; ``caps`` when the name must be lower case.

    Besides :func:`value_placeholder`, a part between ``-`` and ``.`` that is an
    all-caps identifier holding a ``_`` or a replace-me word counts where the
    name must be lower case: ``ROLLOUT_NAME-active``, ``REPLACEME-canary``.
    """
    found = template_placeholder(value, unexpanded=True)  # the API expands $(VAR) in no name
    if found is not None or not caps or value.lower() == value:
        return found  # with no A-Z in it, neither the name nor a part of it is an all-caps identifier
    if caps_identifier(value):
        return value
    for part in _NAME_PARTS.split(value):
        if caps_identifier(part) and ("_" in part or part in _REPLACE_WORDS):
            return part
    return None


def secret_data_placeholder(value: object) -> str | None:
    """The template placeholder in a value under a Secret's ``data`` (``<base64 of the password>``,
    ``${DB_PASSWORD}``), or a whole all-caps identifier with a ``_`` (``ROOK_TOKEN``, which a test script
    replaces with sed), or None. Every template form starts with a character base64 never holds
    (``$ < { _``), and no base64 holds a ``_`` (the API decodes ``data`` with the standard alphabet), so
    such a value is not base64, and the placeholder, not the encoding, is what to fix. ``PASSWORD`` is
    base64 of something and is not one."""
    if not isinstance(value, str):
        return None
    found = template_placeholder(value)
    if found is None and "_" in value and caps_identifier(value):
        return value
    return found


_BRACED_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]{0,64}")


def braced_word(value: object) -> str | None:
    """``{volume-id}`` as written, where YAML read ``{volume-id}`` as a flow mapping of one key with no value (docs
    mark a value to fill in with the braces); None for anything else."""
    if isinstance(value, dict) and len(value) == 1:
        ((key, item),) = value.items()
        if item is None and isinstance(key, str) and _BRACED_WORD.fullmatch(key):
            return f"{{{key}}}"
    return None


def port_placeholder(value: object, *, number_only: bool) -> str | None:
    """The placeholder in a port field.

    Where only a number is allowed (containerPort, a Service's port), a whole
    all-caps identifier is one. Where a name is allowed too (targetPort, a
    probe's port), ``HTTP`` may be a mis-cased port name, so only an identifier
    that no port name can be, even in lower case, counts: one with a ``_``
    (``TARGET_PORT``) or the word ``PORT``.
    """
    if not isinstance(value, str):
        return None
    found = template_placeholder(value)
    if found is None and caps_identifier(value) and (number_only or "_" in value or "PORT" in value):
        return value
    return found


def schema_placeholder(value: object, message: str) -> str | None:
    """The placeholder a schema error found: a template placeholder, or a whole
    all-caps identifier where the schema wants another type (not one of an enum).
    A one-item list of such an identifier, or of a template placeholder, where the
    schema wants no list is one too, shown as written: ``key: [YOUR_BASE64_AK_ID]``
    is YAML's flow list, and docs mark a value to fill in with the brackets."""
    if isinstance(value, list) and len(value) == 1 and isinstance(value[0], str) and "found a list" in message:
        found = value_placeholder(value[0], caps=True)
        return f"[{value[0]}]" if found == value[0] else found
    braced = braced_word(value)
    if braced is not None and "found a mapping" in message:
        return braced  # `volumeID: {volume-id}`: YAML's flow mapping of one key and no value, where a string goes
    if not isinstance(value, str):
        return None
    return value_placeholder(value, caps="expected one of" not in message)
