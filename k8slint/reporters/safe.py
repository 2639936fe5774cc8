"""What a report may show of the input: clipped, escaped for its format, never raw.

Object names, label values, keys, image strings, file names, messages that
quote them: all of it comes from the repository being linted, which may be a
stranger's pull request. Every reporter passes such text through one of these
functions, so that it cannot drive a terminal (escape sequences, bidi
overrides), forge GitHub workflow commands in a CI log, break XML, or make a
report grow with the length of a value.
"""

from __future__ import annotations

import os
import re
from urllib.parse import quote

from k8slint.findings import MESSAGE_LIMIT, clip

FILE_LIMIT = 4096
"""Characters kept of a file name: more than a path the system can open has."""

# C0 controls, DEL, C1 controls; then the bidi controls of "Trojan Source" (U+061C,
# U+200E-U+200F, U+202A-U+202E, U+2066-U+2069), the line and paragraph separators,
# lone surrogates (what undecodable bytes of a file name become) and the two
# non-characters XML 1.0 forbids. Tab, LF and CR are added per use below.
_CONTROLS = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
_BIDI_AND_SEPARATORS = "\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069"
_INVISIBLE = _BIDI_AND_SEPARATORS + "\ud800-\udfff\ufffe\uffff"
_UNSAFE = re.compile(f"[\t\n\r{_CONTROLS}{_INVISIBLE}]")
_UNSAFE_BUT_TAB = re.compile(f"[\n\r{_CONTROLS}{_INVISIBLE}]")
_UNSAFE_IN_WORKFLOW = f"[\t{_CONTROLS}{_INVISIBLE}]"  # the runner decodes %0A and %0D; compiled where used (--format github)
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _visible(match: re.Match[str]) -> str:
    char = match[0]
    named = _NAMED.get(char)
    if named is not None:
        return named
    code = ord(char)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def printable(text: str, limit: int = MESSAGE_LIMIT, *, tabs: bool = False) -> str:
    """``text`` for a terminal or a CI log: cut to ``limit``, every unsafe character escaped
    visibly (ESC as ``\\x1b``, a newline as ``\\n``, U+202E as ``\\u202e``).

    The result holds no control character, no bidi control and no lone surrogate,
    so it is also valid in XML 1.0. With ``tabs``, tabs are kept (for a source line,
    whose tabs the terminal report expands to spaces).
    """
    return (_UNSAFE_BUT_TAB if tabs else _UNSAFE).sub(_visible, clip(text, limit))


def workflow_data(text: str, limit: int = MESSAGE_LIMIT) -> str:
    """The message of a GitHub workflow command: ``%``, CR and LF %-encoded as the runner
    decodes them; the other unsafe characters escaped visibly."""
    text = re.sub(_UNSAFE_IN_WORKFLOW, _visible, clip(text, limit))
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def workflow_property(text: str, limit: int = MESSAGE_LIMIT) -> str:
    """A property value of a GitHub workflow command (``file=``, ``title=``)."""
    return workflow_data(text, limit).replace(":", "%3A").replace(",", "%2C")


# The GitHub Actions runner takes a log line for a command when it starts with
# "::" after leading white space, or when it holds "##[" anywhere (the legacy form,
# still parsed). k8slint writes neither itself except in --format github, so in the
# other reports both can only come from the input.
_LEGACY_COMMAND = "##["
_LINE_START_COMMAND = r"(?:^|(?<=\r))((?:[^\S\r\n]|\x1b\[[0-9;]*m)*):(?=:)"  # CR ends a line too; compiled where a report has "::"


def no_workflow_commands(text: str, hash_escape: str, colon_escape: str) -> str:
    """A whole report (text, JSON, SARIF or JUnit) with no line the runner takes for a
    command: ``##[`` and a line-leading ``::`` get one character spelled as the format
    spells an escaped character (``\\x23``, ``\\u0023``, ``&#35;``), same meaning."""
    if _LEGACY_COMMAND in text:
        text = text.replace(_LEGACY_COMMAND, "#" + hash_escape + "[")
    if "::" in text:
        text = re.sub(_LINE_START_COMMAND, lambda m: m[1] + colon_escape, text, flags=re.MULTILINE)
    return text


# What a JSON encoder leaves raw in a string (it escapes only C0, quote and backslash).
_RAW_IN_JSON = f"[\x7f-\x9f{_BIDI_AND_SEPARATORS}\ufffe\uffff]"  # compiled where used (JSON and SARIF)


def json_text(text: str) -> str:
    """The text of a JSON report (JSON or SARIF), safe to print: DEL, C1 and the invisible
    characters written as ``\\uXXXX`` escapes (the same strings to a JSON reader), and no
    workflow command (``##[`` as ``#\\u0023[``)."""
    if (not text.isascii() or "\x7f" in text) and re.search(_RAW_IN_JSON, text):  # isascii: a fast first look
        text = re.sub(_RAW_IN_JSON, lambda m: f"\\u{ord(m[0]):04x}", text)
    return no_workflow_commands(text, "\\u0023", "\\u003a")


def uri_reference(path: str) -> str:
    """A file name as an RFC 3986 relative reference (to the folder k8slint ran in).

    Everything but unreserved characters and ``/`` is %-encoded (``%``, spaces,
    ``#``, ``?``, ``:``, non-ASCII as UTF-8), undecodable bytes of a file name as
    themselves; a backslash is a separator only where the platform says so.
    """
    path = path.removeprefix("./")
    if os.sep != "/":
        path = path.replace(os.sep, "/")
    if path.startswith("//"):  # would read as an authority ("//host/..."); POSIX takes it for "/"
        path = "/" + path.lstrip("/")
    try:
        raw = path.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a lone surrogate no file name has (from a "# Source:" line, say)
        raw = path.encode("utf-8", "replace")
    return quote(raw, safe="/")


def config_shown(path: str | None) -> str | None:
    """The config file as a report names it: relative to the working directory when it
    lies in it, below it or in a folder above it (``../.k8slint.yaml``), as given otherwise."""
    if path is None or not os.path.isabs(path):
        return path
    here = os.getcwd()
    folder = os.path.dirname(path)
    try:
        related = os.path.commonpath([folder, here]) in (folder, here)
    except ValueError:  # another drive, on Windows
        return path
    return os.path.relpath(path) if related else path
