"""The API server's syntax rules for names, label keys and label values."""

from __future__ import annotations

import re

DNS1123_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
DNS1123_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
DNS1035_LABEL = re.compile(r"[a-z]([-a-z0-9]*[a-z0-9])?")
QUALIFIED_NAME_PART = re.compile(r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]")
LABEL_VALUE = QUALIFIED_NAME_PART


def dns1123_label(value: str) -> str | None:
    if len(value) > 63:
        return f"is {len(value)} characters long; at most 63 are allowed"
    if not DNS1123_LABEL.fullmatch(value):
        return "must be lower-case letters, digits and '-', starting and ending with a letter or digit"
    return None


def dns1035_label(value: str) -> str | None:
    if len(value) > 63:
        return f"is {len(value)} characters long; at most 63 are allowed"
    if not DNS1035_LABEL.fullmatch(value):
        return "must be lower-case letters, digits and '-', starting with a letter and ending with a letter or digit"
    return None


def dns1123_subdomain(value: str) -> str | None:
    if len(value) > 253:
        return f"is {len(value)} characters long; at most 253 are allowed"
    if not DNS1123_SUBDOMAIN.fullmatch(value):
        return "must be lower-case letters, digits, '-' and '.', starting and ending with a letter or digit"
    return None


def path_segment(value: str) -> str | None:
    """RBAC names: anything that can be one segment of a URL path."""
    if value in (".", ".."):
        return "may not be '.' or '..'"
    for bad in ("/", "%"):
        if bad in value:
            return f"may not contain {bad!r}"
    return None


def qualified_name(key: str) -> str | None:
    """A label or annotation key: an optional DNS subdomain prefix and '/', then a name of up to 63 characters."""
    prefix, slash, name = key.rpartition("/")
    if slash:
        if not prefix:
            return "has an empty prefix before '/'"
        problem = dns1123_subdomain(prefix)
        if problem:
            return f"prefix {prefix!r} {problem}"
    if not name:
        return "has an empty name"
    if len(name) > 63:
        return f"name part is {len(name)} characters long; at most 63 are allowed"
    if not QUALIFIED_NAME_PART.fullmatch(name):
        return "name part must be letters, digits, '-', '_' and '.', starting and ending with a letter or digit"
    return None


def label_value(value: str) -> str | None:
    if len(value) > 63:
        return f"is {len(value)} characters long; at most 63 are allowed"
    if value and not LABEL_VALUE.fullmatch(value):
        return "must be empty, or letters, digits, '-', '_' and '.', starting and ending with a letter or digit"
    return None
