"""Positions as the Language Server Protocol counts them, and the edit that suppresses a finding.

k8slint's lines and columns are 1-based and count characters; LSP's are 0-based
and count UTF-16 code units (the protocol's default position encoding), so a
character outside the Basic Multilingual Plane (an emoji in a comment before
the key) is two columns to an editor.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
"""Line ends as LSP counts them (not str.splitlines, which also breaks at form feeds and U+2028)."""
_SUPPRESSION_LINE = re.compile(r"^(\s*)#\s*k8slint:\s*ignore\s*=\s*([A-Za-z0-9_,\- ]+?)\s*$")
_TRAILING_SUPPRESSION = re.compile(r"#\s*k8slint:\s*ignore\s*=\s*([A-Za-z0-9_,\- ]+?)\s*$")


@dataclass(frozen=True, slots=True)
class Span:
    """A range in LSP terms: 0-based lines, UTF-16 columns, end exclusive."""

    start_line: int
    start_column: int
    end_line: int
    end_column: int


@dataclass(frozen=True, slots=True)
class LineEdit:
    """Replace ``span`` with ``text``."""

    span: Span
    text: str


def split_lines(text: str) -> list[str]:
    return _LINE_BREAK.split(text)


def utf16_column(line: str, index: int) -> int:
    """The UTF-16 offset of the character at ``index`` of ``line``."""
    prefix = line[:index]
    return len(prefix) + sum(1 for char in prefix if ord(char) > 0xFFFF)


def character_index(line: str, column: int) -> int:
    """The index in ``line`` of the UTF-16 offset ``column`` (the inverse of :func:`utf16_column`)."""
    units = 0
    for index, char in enumerate(line):
        if units >= column:
            return index
        units += 2 if ord(char) > 0xFFFF else 1
    return len(line)


def offset_position(text: str, offset: int) -> tuple[int, int]:
    """The 0-based line and UTF-16 column of the character ``offset`` of ``text``."""
    line = 0
    start = 0
    for match in _LINE_BREAK.finditer(text, 0, offset):
        line += 1
        start = match.end()
    if start > offset:  # inside a \r\n
        start = offset
    return line, utf16_column(text[start:offset], offset - start)


def finding_span(lines: list[str], line: int, column: int, *, yaml: bool = True) -> Span:
    """The range of the finding at 1-based ``line``/``column``: from there to the end of what is
    written on that line (the key and its value, or the value, or the instruction), without a
    trailing YAML comment or spaces. A place past the text is clipped to it."""
    number = min(max(line, 1), max(len(lines), 1)) - 1
    text = lines[number] if lines else ""
    start = min(max(column - 1, 0), len(text))
    end = _content_end(text, start) if yaml else len(text.rstrip())
    if end <= start:  # nothing written there (an empty line, a place past the end): the whole line's text
        start, end = len(text) - len(text.lstrip()), len(text.rstrip())
        start = min(start, end)
    return Span(number, utf16_column(text, start), number, utf16_column(text, end))


def _content_end(text: str, start: int) -> int:
    """Where the YAML written from ``start`` ends: before a ``#`` comment (outside quotes) and trailing spaces."""
    quote: str | None = None
    index = start
    while index < len(text):
        char = text[index]
        if quote is not None:
            if char == "\\" and quote == '"':
                index += 1
            elif char == quote:
                quote = None
        elif char in "\"'" and (index == start or text[index - 1] in " \t:-[{,"):
            quote = char
        elif char == "#" and index > start and text[index - 1] in " \t":
            break
        index += 1
    return len(text[:index].rstrip())


def suppression_edit(lines: list[str], line: int, rule: str) -> LineEdit | None:
    """The edit that adds ``# k8slint: ignore=<rule>`` for the finding on 1-based ``line``, as the
    suppression module reads it: to a suppression comment already on the line or on the line above
    (which must stay right above it), else as a comment line of the line's indentation above it."""
    number = min(max(line, 1), max(len(lines), 1)) - 1
    text = lines[number] if lines else ""
    above = lines[number - 1] if number > 0 else None
    if above is not None:
        match = _SUPPRESSION_LINE.match(above)
        if match:
            return _append(number - 1, above, match.end(2), rule)
    match = _TRAILING_SUPPRESSION.search(text)
    if match:
        return _append(number, text, match.end(1), rule)
    if text.lstrip().startswith("#"):
        return None  # a finding on a comment line (a Dockerfile's parser directive): a line above would change it
    indent = text[: len(text) - len(text.lstrip(" \t"))]
    comment = f"{indent}# k8slint: ignore={rule}\n"
    return LineEdit(Span(number, 0, number, 0), comment)


def _append(number: int, text: str, end: int, rule: str) -> LineEdit:
    column = utf16_column(text, end)
    return LineEdit(Span(number, column, number, column), f",{rule}")
