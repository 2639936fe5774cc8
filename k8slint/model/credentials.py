"""Recognising names and values that hold credentials."""

from __future__ import annotations

import re

_WORDS = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|[0-9]+")
_SECRET_LAST_WORDS = {"password", "passwd", "pwd", "secret", "token", "apikey", "credentials", "passphrase"}
_KEY_QUALIFIERS = {"api", "private", "access", "secret", "signing", "encryption", "client"}
# Bounded repetitions: a megabyte-long value must not make the search quadratic.
_URL_WITH_PASSWORD = re.compile(r"[a-z][a-z0-9+.-]{0,31}://[^/\s:@]{1,256}:([^/\s@]{1,256})@", re.IGNORECASE)
_PLACEHOLDER = re.compile(r"\$\(|\$\{|\{\{|%\(|<[^<>\n]{0,256}>")
# Values that say how to get a credential, not the credential: a switch
# (MYSQL_ALLOW_EMPTY_PASSWORD: "yes"), a file path (GOOGLE_APPLICATION_CREDENTIALS:
# /var/secrets/key.json) or a URL without userinfo (a vault or token endpoint).
_SWITCHES = {"true", "false", "yes", "no", "y", "n", "on", "off", "1", "0", "enabled", "disabled"}
_FILE_PATH = re.compile(r"(?:/|\./|\.\./|~/)[^\s:]*|[A-Za-z]:\\[^\s]*")
_URL_WITHOUT_USERINFO = re.compile(r"[a-z][a-z0-9+.-]{0,31}://[^\s@/]*(?:/\S*)?", re.IGNORECASE)
# A placeholder written as a constant's name: HF_TOKEN, YOUR_API_KEY, REPLACE_ME.
_CONSTANT_NAME = re.compile(r"[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+")


def words(name: str) -> list[str]:
    """``DB_PASSWORD`` -> [db, password]; ``apiKey`` -> [api, key]; ``tls.key`` -> [tls, key]."""
    return [w.lower() for w in _WORDS.findall(name)]


def is_credential_name(name: str) -> bool:
    """A name whose value is a credential: it ends in PASSWORD, SECRET, TOKEN, API_KEY, ...

    Names that only mention a credential (``SECRET_NAME``, ``PASSWORD_FILE``,
    ``TOKEN_TTL``) are not: the credential is the last word.
    """
    parts = words(name)
    if not parts:
        return False
    last = parts[-1]
    if last == "token" and len(parts) > 1 and parts[-2] == "cluster":
        return False  # etcd's initial-cluster-token names a cluster; it grants nothing
    if last in _SECRET_LAST_WORDS:
        return True
    return last == "key" and len(parts) > 1 and parts[-2] in _KEY_QUALIFIERS


def url_password(value: str) -> str | None:
    """The password of a URL such as ``postgres://user:pass@host`` (not a placeholder)."""
    if "://" not in value or "@" not in value:
        return None  # what _URL_WITH_PASSWORD needs, tested without the search: most values are no URL
    match = _URL_WITH_PASSWORD.search(value)
    if match and not _PLACEHOLDER.search(match.group(1)):
        return match.group(1)
    return None


def settings_document(value: str) -> object | None:
    """A value that is a whole JSON object (kserve's ``credentials`` entry of inferenceservice-config: the
    names of the Secrets and keys to read), parsed; None for any other value."""
    import json

    text = value.strip()
    if not text.startswith("{"):
        return None
    try:
        parsed = json.loads(text)
    except ValueError:
        return None
    return parsed if isinstance(parsed, dict) else None


def document_credential(document: object) -> str | None:
    """The first key of a parsed settings document, at any depth, that holds a credential as written
    (a service account key's ``private_key``), or None: a document of names and switches holds none."""
    stack = [document]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for key, value in node.items():
                if isinstance(value, dict | list):
                    stack.append(value)
                elif is_credential_name(str(key)) and is_literal_secret(value, str(key)):
                    return str(key)
        elif isinstance(node, list):
            stack.extend(node)
    return None


def is_literal_secret(value: object, name: str | None = None) -> bool:
    """A value that holds a secret as written.

    Not one: an empty string, a variable reference (``$(VAR)``, ``${VAR}``, ``$VAR`` in capitals), a
    switch (``true``, ``yes``, ``1``, ...), a file path, a URL without userinfo,
    or a placeholder spelled as a constant (``HF_TOKEN: HF_TOKEN``,
    ``YOUR_API_KEY``) or as the variable's own name.
    """
    if not isinstance(value, str):
        return False
    text = value.strip()
    if not text or _PLACEHOLDER.search(text) or text.lower() in _SWITCHES:
        return False
    if _CONSTANT_NAME.fullmatch(text) or (name is not None and text.lower() == name.lower()):
        return False
    if text.startswith("$") and _CONSTANT_NAME.fullmatch(text[1:]):
        return False  # `HF_TOKEN: $HF_TOKEN`, which envsubst fills (lws's docs/examples/sglang/lws.yaml)
    return not (_FILE_PATH.fullmatch(text) or _URL_WITHOUT_USERINFO.fullmatch(text))
