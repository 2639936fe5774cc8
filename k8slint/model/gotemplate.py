"""Go templates as Helm uses them: actions, block structure, template names, and .Values references.

This is not a template engine: it reads the structure that ``helm template``
needs to be right before it can render anything (balanced ``{{ }}``,
terminated strings and comments, ``if``/``range``/``with``/``define``/``block``
closed by ``end``) and the ``.Values`` paths that templates read, with the
guards (``default``, ``required``, ``if``, ``with``) that protect them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

OPENERS = ("if", "range", "with", "define", "block")
GUARD_FUNCTIONS = ("default", "required", "hasKey", "empty", "coalesce", "ternary", "dig")
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# .Values, $.Values, and $root.Values (a variable holding the root context)
_ROOT = r"(?<![\w.$])(?:\$[A-Za-z_][A-Za-z0-9_]*|\$)?\.Values"
_VALUES = re.compile(_ROOT + r"((?:\.[A-Za-z_][A-Za-z0-9_]*)*)")
_INDEX_VALUES = re.compile(r"\b(?:index|hasKey)\s+" + _ROOT + r"((?:\.[A-Za-z_][A-Za-z0-9_]*)*)((?:\s+\"[^\"]*\")+)")
_RELATIVE = re.compile(r"(?<![\w.$)\]])\.([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)")
_NAME_CALL = re.compile(r"\b(include|template)\s+\"((?:[^\"\\]|\\.)*)\"")
_DEFINE = re.compile(r"^\s*(define|block)\s+\"((?:[^\"\\]|\\.)*)\"")


@dataclass(frozen=True, slots=True)
class Action:
    text: str
    """The action without its delimiters and trim markers."""
    line: int
    column: int


@dataclass(frozen=True, slots=True)
class TemplateError:
    message: str
    line: int
    column: int


@dataclass(frozen=True, slots=True)
class ValuesRef:
    path: tuple[str, ...]
    line: int
    column: int
    guarded: bool


@dataclass(slots=True)
class TemplateInfo:
    actions: list[Action] = field(default_factory=list)
    errors: list[TemplateError] = field(default_factory=list)
    defines: list[tuple[str, int]] = field(default_factory=list)
    calls: list[tuple[str, int, int]] = field(default_factory=list)
    """(name, line, column) of include and template calls with a literal name."""
    refs: list[ValuesRef] = field(default_factory=list)
    whole_values: bool = False
    """True when the template hands all of .Values on (toYaml .Values, a tpl of it)."""


def _position(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def scan(text: str) -> TemplateInfo:
    """Split a template into actions, reporting what keeps it from parsing."""
    info = TemplateInfo()
    position = 0
    while True:
        start = text.find("{{", position)
        if start < 0:
            break
        body_start = start + 2
        if text.startswith("-", body_start) and text[body_start + 1 : body_start + 2].isspace():
            body_start += 1
        stripped = text[body_start:].lstrip()
        if stripped.startswith("/*"):
            comment_start = text.index("/*", body_start)
            end = text.find("*/", comment_start + 2)
            if end < 0:
                info.errors.append(TemplateError("unclosed comment", *_position(text, start)))
                return info
            close = re.match(r"\s*-?\s*}}", text[end + 2 :])
            if not close:
                info.errors.append(TemplateError("comment ends without '}}' right after '*/'", *_position(text, end)))
                position = end + 2
                continue
            position = end + 2 + close.end()
            continue
        end, error = _action_end(text, body_start)
        if error is not None:
            info.errors.append(TemplateError(error, *_position(text, start)))
            return info
        body = text[body_start:end]
        if body.rstrip().endswith(" -") or body.rstrip() == "-":
            body = body.rstrip()[:-1]
        info.actions.append(Action(body.strip(), *_position(text, start)))
        position = end + 2
    return info


def _action_end(text: str, offset: int) -> tuple[int, str | None]:
    """Where the action that starts at ``offset`` ends (the index of its ``}}``)."""
    i, length = offset, len(text)
    while i < length:
        char = text[i]
        if char == '"':
            j = i + 1
            while j < length and text[j] != '"':
                if text[j] == "\\":
                    j += 1
                if j < length and text[j] == "\n":
                    return i, "unterminated quoted string in action"
                j += 1
            if j >= length:
                return i, "unterminated quoted string in action"
            i = j + 1
            continue
        if char == "`":
            j = text.find("`", i + 1)
            if j < 0:
                return i, "unterminated raw string in action"
            i = j + 1
            continue
        if char == "'":
            j = i + 1
            while j < length and text[j] != "'":
                j += 2 if text[j] == "\\" else 1
            if j >= length or j - i > 12:
                return i, "unterminated character constant in action"
            i = j + 1
            continue
        if text.startswith("}}", i):
            return i, None
        if text.startswith("{{", i):
            return i, "'{{' inside an action: the previous '{{' has no '}}'"
        i += 1
    return length, "unclosed action: '{{' without '}}'"


def analyse(text: str) -> TemplateInfo:
    """Actions, block structure errors, defines, include calls and .Values references."""
    info = scan(text)
    stack: list[tuple[str, Action, tuple[str, ...] | None, list[tuple[str, ...]]]] = []
    for action in info.actions:
        words = action.text.split(None, 1)
        keyword = words[0] if words else ""
        rest = words[1] if len(words) > 1 else ""
        if keyword in OPENERS:
            guards = [_guarded_prefix(ref) for ref in _paths(rest)] if keyword in ("if", "with") else []
            with_path = _single_values_path(rest) if keyword == "with" else None
            stack.append((keyword, action, with_path, guards))
            if keyword in ("define", "block"):
                match = _DEFINE.match(action.text)
                if match:
                    info.defines.append((match.group(2), action.line))
        elif keyword == "else":
            if not stack or stack[-1][0] not in ("if", "with", "range"):
                info.errors.append(TemplateError("'else' without 'if', 'with' or 'range'", action.line, action.column))
            elif rest.startswith(("if ", "with ")):
                opener = stack.pop()
                extra = [_guarded_prefix(p) for p in _paths(rest.split(None, 1)[1] if " " in rest else "")]
                stack.append((opener[0], opener[1], opener[2], opener[3] + extra))
        elif keyword == "end":
            if not stack:
                info.errors.append(TemplateError("'end' without an opening 'if', 'range', 'with', 'define' or 'block'", action.line, action.column))
            else:
                stack.pop()
        for match in _NAME_CALL.finditer(action.text):
            info.calls.append((match.group(2), action.line, action.column))
        _collect_refs(info, action, keyword, stack)
    for keyword, action, _, _ in stack:
        info.errors.append(TemplateError(f"'{keyword}' is never closed with 'end'", action.line, action.column))
    return info


def _paths(text: str) -> list[tuple[str, ...]]:
    found = [tuple(p for p in m.group(1).split(".") if p) for m in _VALUES.finditer(text)]
    found += [
        tuple(p for p in m.group(1).split(".") if p) + tuple(re.findall(r'"([^"]*)"', m.group(2)))
        for m in _INDEX_VALUES.finditer(text)
    ]
    return [p for p in found if p]


def _guarded_prefix(path: tuple[str, ...]) -> tuple[str, ...]:
    """``if .Values.ingress.enabled`` guards the block's uses of ``.Values.ingress.*``."""
    return path[:-1] if len(path) > 1 else path


def _single_values_path(text: str) -> tuple[str, ...] | None:
    match = re.fullmatch(r"\s*" + _ROOT + r"((?:\.[A-Za-z_][A-Za-z0-9_]*)+)\s*", text)
    return tuple(p for p in match.group(1).split(".") if p) if match else None


def _collect_refs(info: TemplateInfo, action: Action, keyword: str, stack: list) -> None:
    text = action.text
    if re.search(_ROOT + r"\b(?!\.)", _INDEX_VALUES.sub("", text)):
        info.whole_values = True
    guarded_here = keyword in ("if", "with", "else") or any(re.search(rf"\b{f}\b", text) for f in GUARD_FUNCTIONS)
    guards = [g for entry in stack for g in entry[3]]
    for path in _paths(text):
        info.refs.append(ValuesRef(path, action.line, action.column, guarded_here or _under(path, guards)))
    scope = next((entry[2] for entry in reversed(stack) if entry[0] in ("with", "range")), None)
    innermost = next((entry for entry in reversed(stack) if entry[0] in ("with", "range")), None)
    if scope is not None and innermost is not None and innermost[0] == "with" and keyword not in ("with", "range"):
        for match in _RELATIVE.finditer(_without_strings(text)):
            relative = tuple(match.group(1).split("."))
            if relative[0] in ("Values", "Release", "Chart", "Capabilities", "Template", "Files"):
                continue
            path = scope + relative
            info.refs.append(ValuesRef(path, action.line, action.column, guarded_here or _under(path, guards)))


def _without_strings(text: str) -> str:
    return re.sub(r'"(?:[^"\\]|\\.)*"|`[^`]*`', '""', text)


def _under(path: tuple[str, ...], guards: list[tuple[str, ...]]) -> bool:
    return any(path[: len(g)] == g for g in guards)
