"""Go templates as Helm uses them: actions, block structure, template names, and .Values references.

This is not a template engine: it reads the structure that ``helm template``
needs to be right before it can render anything (balanced ``{{ }}``,
terminated strings and comments, ``if``/``range``/``with``/``define``/``block``
closed by ``end``) and the ``.Values`` paths that templates read, with the
guards (``default``, ``required``, ``if``, ``with``) that protect them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any

OPENERS = ("if", "range", "with", "define", "block")
GUARD_FUNCTIONS = (
    "default", "required", "hasKey", "empty", "coalesce", "ternary", "dig", "or", "and", "not",
    "merge", "mergeOverwrite", "mustMerge", "mustMergeOverwrite",
)  # fmt: skip
"""Functions that test their arguments for emptiness (or give a default for them), in the action that reads
the value: ``and`` returns its first empty argument, ``not`` a boolean; neither fails on a missing value. A merge
of a missing map merges nothing (istio's ``mustMergeOverwrite $.Values (index $.Values "cni")``)."""
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# Go's text/template lexer (parse/lex.go, lexIdentifier and atTerminator): an identifier ends at
# the first character that is not a letter, digit or underscore, and is a keyword only when a
# space, end of line, '.', ',', '|', ':', '(' or ')' (or the end of the action) follows it, so
# `with.Values.x` is the keyword `with` and the field `.Values.x`.
_LEADING_WORD = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)(?=[\s.,|:()]|$)")
# .Values, $.Values, and $root.Values (a variable holding the root context)
_ROOT = r"(?<![\w.$])(?:\$[A-Za-z_][A-Za-z0-9_]*|\$)?\.Values"
_VALUES = re.compile(_ROOT + r"((?:\.[A-Za-z_][A-Za-z0-9_]*)*)")
_INDEX_VALUES = re.compile(r"\b(?:index|hasKey)\s+" + _ROOT + r"((?:\.[A-Za-z_][A-Za-z0-9_]*)*)((?:\s+\"[^\"]*\")+)")
# sprig's `dig "a" "b" default .Values` (or `(.Values | merge (dict))`, `$.Values.x`): the keys, the default (the last
# quoted string, or a word, a variable or a parenthesized call between the keys and the map), then the map
_DIG_VALUES = re.compile(
    r'\bdig((?:\s+"[^"]*")+)\s+(?P<default>(?:[A-Za-z0-9_+-][A-Za-z0-9_.+-]*|\$[A-Za-z_][A-Za-z0-9_]*|\([^()]*\))\s+)?\(?\s*'
    + _ROOT
    + r"((?:\.[A-Za-z_][A-Za-z0-9_]*)*)"
)
_RELATIVE = re.compile(r"(?<![\w.$)\]])\.([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)")
_NAME_CALL = re.compile(r"\b(include|template)\s+\"((?:[^\"\\]|\\.)*)\"")
# The argument after the name: `.` or `$` alone (the caller's own context), or anything else.
_CALL_ARGUMENT = re.compile(r"\s+([.$])(?=[\s)|]|$)")
_DEFINE = re.compile(r"^\s*(define|block)\s+\"((?:[^\"\\]|\\.)*)\"")
_SINGLE_VALUES_PATH = re.compile(r"\s*" + _ROOT + r"((?:\.[A-Za-z_][A-Za-z0-9_]*)+)\s*")
_WHOLE_VALUES = re.compile(_ROOT + r"\b(?!\.)")
_GUARD_CALL = re.compile(r"\b(?:" + "|".join(GUARD_FUNCTIONS) + r")\b")
# `$name := ...` or `$name = ...`: a variable that holds what the expression gives (a guard carried into an
# `if $name` further down)
_ASSIGNMENT = re.compile(r"^\s*\$([A-Za-z_][A-Za-z0-9_]*)\s*:?=(?!=)")
_VARIABLE = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)\b(?!\.)")
_QUOTED_ARGS = re.compile(r'"([^"]*)"')
# sprig's `set .Values "key" value` (or `set .Values.a "key" ...`): the template itself writes the key into
# the values it and the templates after it render with
_SET_VALUES = re.compile(r"\bset\s+\(?\s*" + _ROOT + r"((?:\.[A-Za-z_][A-Za-z0-9_]*)*)\s*\)?\s+\"([^\"]+)\"")
_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"|`[^`]*`')
_SPACE = re.compile(r"\s*")
_COMMENT_CLOSE = re.compile(r"\s*-?\s*}}")
# Inside an action only these matter: quotes, and braces that may end or wrongly reopen it.
_ACTION_SPECIAL = re.compile(r"[\"`']|}}|{{")
# A quoted string: no raw newline, a backslash escapes any character but a newline.
_QUOTED = re.compile(r'"(?:[^"\\\n]|\\[^\n])*"')


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


Tests = tuple[tuple[tuple[str, ...], bool], "Tests"] | None
"""A chain of what open blocks test, innermost first: each action shares the chain of the blocks around it, so
that keeping it for every reference costs nothing however deep the blocks nest."""


def open_tests(chain: Tests, limit: int) -> Iterator[tuple[tuple[str, ...], bool]]:
    """The first ``limit`` entries of a chain of tests, innermost first."""
    while chain is not None and limit > 0:
        yield chain[0]
        chain = chain[1]
        limit -= 1


@dataclass(frozen=True, slots=True)
class ValuesRef:
    path: tuple[str, ...]
    line: int
    column: int
    guarded: bool
    define: str | None = None
    """The define (or block) the reference is in: its ``.Values`` is that of whatever the caller passes."""
    enclosed: bool = False
    """Inside an ``if`` or ``with`` block that tests the value or a map above it: the action runs only when it is set.
    (``guarded`` says that, or that the action itself tests the value: which saves it from rendering empty, but not
    from failing on a map above it that is missing: ``if .Values.a.b`` stops helm template when there is no ``a``.)"""
    lazy: str | None = None
    """``and`` or ``or`` when the value is an argument of one, which stops at the first operand that decides it
    (text/template since Go 1.18): ``and .Values.a .Values.a.b`` never reads ``.b`` without ``a``."""
    before: tuple[tuple[str, ...], ...] = ()
    """The .Values paths among the operands of that ``and`` or ``or`` before this one."""
    outer: tuple[tuple[str, tuple[tuple[str, ...], ...]], ...] = ()
    """(``and`` or ``or``, the .Values paths of its operands before the one holding this) of each ``and`` or ``or``
    around that one, innermost first: ``and .Values.a (or .Values.a.b .Values.a.c)`` reads ``.b`` only once ``a`` is
    set, whatever the ``or`` does."""
    tests: Tests = None
    """What the open ``if`` and ``with`` blocks around the action test (innermost first, see :func:`open_tests`): each
    .Values path, and whether the block's condition is that path alone (``if .Values.a.b``: the block renders exactly
    when it is set and not empty)."""


@dataclass(frozen=True, slots=True)
class ReboundRead:
    """A ``.Values`` read (no ``$``) inside a ``with`` or ``range`` that rebinds dot: it reads the field ``Values``
    of what dot holds there, not the chart's values (``.Values.x`` inside ``range .Values.repos`` is each repo's
    ``Values.x``)."""

    path: tuple[str, ...]
    """The fields read after ``.Values``."""
    line: int
    column: int
    keyword: str
    """``with`` or ``range``: the block that rebinds dot."""
    argument: str
    """What that block's action gives dot, as written (``.Values.multiBackupRepos``)."""
    dot: tuple[str, ...] | None
    """The chart's .Values path dot is bound to (each item of it, for a range), where the block's argument is one;
    None where dot holds anything else (a dict, a list, a variable): what it holds is not known before rendering."""
    define: str | None = None
    tests: Tests = None
    """What the open ``if``, ``with`` and ``range`` blocks around the read test (ValuesRef.tests)."""


@dataclass(frozen=True, slots=True)
class Call:
    """An include or template call of a literal name, and whether it hands on the root context."""

    name: str
    caller: str | None
    """The define the call is in (None at the top level of a template): its context is that define's."""
    passes_context: bool
    """True when the argument is ``$``, or ``.`` outside any with or range: the caller's own context."""
    guards: tuple[tuple[str, ...], ...] = ()
    """The .Values prefixes the ``if`` and ``with`` blocks open around the call guard (ValuesRef.guarded): the
    define's body renders only where they are set."""


@dataclass(slots=True)
class TemplateInfo:
    actions: list[Action] = field(default_factory=list)
    errors: list[TemplateError] = field(default_factory=list)
    defines: list[tuple[str, int]] = field(default_factory=list)
    calls: list[tuple[str, int, int]] = field(default_factory=list)
    """(name, line, column) of include and template calls with a literal name."""
    callers: list[str | None] = field(default_factory=list)
    """The define each of ``calls`` is in (None at the top level of a template)."""
    refs: list[ValuesRef] = field(default_factory=list)
    call_contexts: list[Call] = field(default_factory=list)
    whole_values: bool = False
    """True when the template hands all of .Values on (toYaml .Values, a tpl of it)."""
    sets: list[tuple[str, ...]] = field(default_factory=list)
    """The .Values paths the template writes itself (``set .Values "key" ...``)."""
    rebound: list[ReboundRead] = field(default_factory=list)
    """The ``.Values`` reads where a ``with`` or ``range`` has rebound dot (they are not in ``refs``)."""
    rebinds: list[tuple[str, ...] | None] = field(default_factory=list)
    """Each time the template replaces the root context's .Values (``set $ "Values" ...``): the .Values path whose
    map it merges into them (istio's zzz_profile.yaml: ``$defaults := $.Values._internal_defaults_do_not_set``,
    then ``set $ "Values" (mustMergeOverwrite $defaults $.Values)``), or None where what replaces them is not
    known."""


class _Positions:
    """Line and column of offsets asked for in increasing order, counted on from the last one.

    Counting from the start of the text for each action made a template of many
    actions quadratic.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.offset = 0
        self.line = 1
        self.line_start = 0

    def __call__(self, offset: int) -> tuple[int, int]:
        newlines = self.text.count("\n", self.offset, offset)
        if newlines:
            self.line += newlines
            self.line_start = self.text.rfind("\n", self.offset, offset) + 1
        self.offset = offset
        return self.line, offset - self.line_start + 1


def scan(text: str) -> TemplateInfo:
    """Split a template into actions, reporting what keeps it from parsing.

    The work is linear in the length of the text: every character is looked at
    a bounded number of times, whatever the number of actions.
    """
    info = TemplateInfo()
    position_of = _Positions(text)
    position = 0
    while True:
        start = text.find("{{", position)
        if start < 0:
            break
        body_start = start + 2
        if text.startswith("-", body_start) and text[body_start + 1 : body_start + 2].isspace():
            body_start += 1
        space = _SPACE.match(text, body_start)
        comment_start = space.end() if space is not None else body_start
        if text.startswith("/*", comment_start):
            end = text.find("*/", comment_start + 2)
            if end < 0:
                info.errors.append(TemplateError("unclosed comment", *position_of(start)))
                return info
            close = _COMMENT_CLOSE.match(text, end + 2)
            if not close:
                info.errors.append(TemplateError("comment ends without '}}' right after '*/'", *position_of(end)))
                position = end + 2
                continue
            position = close.end()
            continue
        end, error = _action_end(text, body_start)
        if error is not None:
            info.errors.append(TemplateError(error, *position_of(start)))
            return info
        body = text[body_start:end]
        if body.rstrip().endswith(" -") or body.rstrip() == "-":
            body = body.rstrip()[:-1]
        info.actions.append(Action(body.strip(), *position_of(start)))
        position = end + 2
    return info


def _action_end(text: str, offset: int) -> tuple[int, str | None]:
    """Where the action that starts at ``offset`` ends (the index of its ``}}``)."""
    i, length = offset, len(text)
    while True:
        special = _ACTION_SPECIAL.search(text, i)
        if special is None:
            return length, "unclosed action: '{{' without '}}'"
        i, token = special.start(), special.group()
        if token == '"':
            quoted = _QUOTED.match(text, i)
            if quoted is None:
                return i, "unterminated quoted string in action"
            i = quoted.end()
        elif token == "`":
            j = text.find("`", i + 1)
            if j < 0:
                return i, "unterminated raw string in action"
            i = j + 1
        elif token == "'":
            j = i + 1
            while j < length and j - i <= 12 and text[j] != "'":
                j += 2 if text[j] == "\\" else 1
            if j >= length or j - i > 12 or text[j] != "'":
                return i, "unterminated character constant in action"
            i = j + 1
        elif token == "}}":
            return i, None
        else:
            return i, "'{{' inside an action: the previous '{{' has no '}}'"


class _Guards:
    """The .Values prefixes guarded by the open blocks, as a trie with counts.

    ``covers(path)`` walks the path once, so checking a reference costs its
    length, not the depth of the blocks around it times the guards they hold.
    """

    def __init__(self) -> None:
        self.root: dict[str, list] = {}  # segment -> [count, children]

    def add(self, path: tuple[str, ...], step: int = 1) -> None:
        if not path:
            return
        children = self.root
        node: list = []
        for part in path:
            node = children.setdefault(part, [0, {}])
            children = node[1]
        node[0] += step

    def remove(self, path: tuple[str, ...]) -> None:
        self.add(path, -1)

    def covers(self, path: tuple[str, ...]) -> bool:
        children = self.root
        for part in path:
            node = children.get(part)
            if node is None:
                return False
            if node[0] > 0:
                return True
            children = node[1]
        return False


@dataclass(slots=True)
class _Block:
    keyword: str
    action: Action
    with_path: tuple[str, ...] | None
    guards: list[tuple[str, ...]]
    tests: list[tuple[tuple[str, ...], bool]] = field(default_factory=list)
    map_guards: list[tuple[str, ...]] = field(default_factory=list)
    """The maps the block renders only where they are set, through a variable's field (_map_guards): for its calls."""
    negated: list[tuple[str, ...]] = field(default_factory=list)
    """What the tests of the chain so far guard where they fail (``if not .Values.a``): the else's."""
    chain_before: Tests = None
    """The chain of tests of the blocks around this one, restored at its end."""
    dot: str = "same"
    """What a ``with`` or ``range`` does to dot inside it: ``root`` (``with $``), ``same`` (``with .``, and every
    other block), or ``rebound`` (anything else). In its ``else`` dot is the one outside (``in_else``)."""
    dot_path: tuple[str, ...] | None = None
    """Where dot is rebound: the chart's .Values path it is bound to, where the argument is one (ReboundRead.dot)."""
    argument: str = ""
    in_else: bool = False


def analyse(text: str) -> TemplateInfo:
    """Actions, block structure errors, defines, include calls and .Values references.

    Linear in the text: the open blocks' guards and innermost ``with`` or
    ``range`` are kept up to date as blocks open and close, not looked up
    through all open blocks at each action.
    """
    info = scan(text)
    stack: list[_Block] = []
    scopes: list[_Block] = []
    """The open with and range blocks, innermost last."""
    guards = _Guards()
    define: _Block | None = None
    define_name: str | None = None
    tested: dict[str, list[tuple[str, ...]]] = {}
    """Each variable assigned from .Values paths -> the guards an ``if`` or ``with`` on it carries (``$t := and
    .Values.auth.token ...`` then ``if $t``: the block reads .Values.auth.token only when it is set)."""
    opened: list[tuple[str, ...]] = []
    chain: Tests = None
    """What the open if and with blocks test (ValuesRef.tests)."""
    opened_tests: list[tuple[tuple[str, ...], bool]] = []
    held = _HeldReads(info)
    maps: dict[str, tuple[str, ...]] = {}
    """Each variable assigned a .Values path as it is (``$defaults := $.Values.x``) -> that path."""
    for action in info.actions:
        keyword, rest = split_keyword(action.text)
        assigned = _ASSIGNMENT.match(action.text) if "$" in action.text else None
        if assigned is not None:
            single = _single_values_path(action.text[assigned.end() :])
            if single is not None:
                maps[assigned.group(1)] = single
            else:
                maps.pop(assigned.group(1), None)
        if '"Values"' in action.text and (rebinding := _REBINDS_VALUES.search(action.text)) is not None and not scopes:
            info.rebinds.append(_merged_map(action.text[rebinding.end() :], maps))
        elif "erge" in action.text and (into := _MERGES_INTO_VALUES.search(action.text)) is not None and not scopes:
            # `mustMergeOverwrite $.Values (index $.Values "cni")`: the map at that path merged into .Values in place
            info.rebinds.append(_merged_map(action.text[into.start() :], maps, in_place=True))
        if "$" in action.text:
            held.used_in(action.text, keyword, assigned)
        if assigned is not None:
            tested[assigned.group(1)] = [_guarded_prefix(ref) for ref in _paths(action.text[assigned.end() :])]
        reads_before = len(info.refs)
        binder = _binder(scopes)  # before the block opens or its else begins: its own action reads the dot outside
        if keyword in OPENERS or keyword in ("else", "end"):
            # the keyword apart from what follows it, as Go lexes it: `with.Values.x` reads .Values.x
            action = Action(f"{keyword} {rest}" if rest else keyword, action.line, action.column)
        if keyword in OPENERS:
            block = _Block(
                keyword,
                action,
                _single_values_path(rest) if keyword == "with" else None,
                _block_guards(rest, tested) if keyword in ("if", "with") else [],
                _block_tests(keyword, rest),
            )
            if keyword == "if":
                block.map_guards = _map_guards(rest, tested)
                block.negated = _negated_guards(rest)
            block.chain_before = chain
            stack.append(block)
            opened = block.guards  # in force from the next action: the test itself reads what it tests
            opened_tests = block.tests
            if keyword in ("with", "range"):
                _bind_dot(block, rest, binder)
                scopes.append(block)
            if keyword in ("define", "block"):
                match = _DEFINE.match(action.text)
                if match:
                    info.defines.append((match.group(2), action.line))
                if define is None:
                    define, define_name = block, match.group(2) if match else ""
                    if keyword == "block" and match:  # a block is also called, there, with its argument
                        argument = _CALL_ARGUMENT.match(action.text, match.end())
                        info.call_contexts.append(Call(match.group(2), None, argument is not None and _passes(argument, scopes)))
        elif keyword == "else":
            if not stack or stack[-1].keyword not in ("if", "with", "range"):
                info.errors.append(TemplateError("'else' without 'if', 'with' or 'range'", action.line, action.column))
            else:
                opened_tests = [_UNJUDGED]  # the else of a test: what renders here is not what the test says
                stack[-1].tests.extend(opened_tests)
                if stack[-1].keyword in ("with", "range"):
                    # dot is the one outside again, or what an `else with` gives it
                    otherwise, condition = split_keyword(rest)
                    stack[-1].in_else = otherwise != "with"
                    if otherwise == "with":
                        _bind_dot(stack[-1], condition, _binder(scopes[:-1]))
                # the else renders where the test failed: what it guarded is not guarded here (`if .Values.a` ...
                # `else`: a is empty), only what an `else if` or `else with` tests itself
                # (an `if not .Values.a` guards a in its else)
                for guard in stack[-1].guards:
                    guards.remove(guard)
                stack[-1].guards = list(stack[-1].negated)
                stack[-1].map_guards = []
                opened = list(stack[-1].negated)
                otherwise, condition = split_keyword(rest)
                if otherwise in ("if", "with"):
                    extra = _block_guards(condition, tested)
                    stack[-1].guards.extend(extra)
                    opened += extra
                    if otherwise == "if":
                        stack[-1].map_guards = _map_guards(condition, tested)
                        stack[-1].negated += _negated_guards(condition)
        elif keyword == "end":
            if not stack:
                info.errors.append(
                    TemplateError("'end' without an opening 'if', 'range', 'with', 'define' or 'block'", action.line, action.column)
                )
            else:
                block = stack.pop()
                for guard in block.guards:
                    guards.remove(guard)
                if block.tests:
                    chain = block.chain_before
                if scopes and scopes[-1] is block:
                    scopes.pop()
                if block is define:
                    define, define_name = None, None
        for match in _name_calls(action.text):
            info.calls.append((match.group(2), action.line, action.column))
            info.callers.append(define_name)
            argument = _CALL_ARGUMENT.match(action.text, match.end())
            around = tuple(guard for block in stack for guard in (*block.guards, *block.map_guards)) if stack else ()
            info.call_contexts.append(Call(match.group(2), define_name, argument is not None and _passes(argument, scopes), around))
        _collect_refs(info, action, keyword, guards, scopes[-1] if scopes else None, define_name, chain, binder)
        if assigned is not None:
            held.assigned(assigned.group(1), _without_strings(action.text[assigned.end() :]), reads_before)
        for guard in opened:
            guards.add(guard)
        for test in opened_tests:
            chain = (test, chain)
        opened, opened_tests = [], []
    for block in stack:
        info.errors.append(TemplateError(f"'{block.keyword}' is never closed with 'end'", block.action.line, block.action.column))
    held.settle()
    return info


# `set $ "Values" ...` (or `set . "Values"` where `.` is the root): the template replaces .Values for what renders after
_REBINDS_VALUES = re.compile(r'\bset\s+(?:\$|\.)\s+"Values"\s')
_MERGE_CALL = re.compile(r"\b(?:must)?[mM]erge(?:Overwrite)?\b")


_MERGES_INTO_VALUES = re.compile(r"\b(?:must)?[mM]erge(?:Overwrite)?\s+\(?\s*\$?\.Values(?![\w.])")
_INDEXED_PATH = re.compile(r'\bindex\s+\$?\.Values((?:\s+"[^"\s]+")+)')


def _merged_map(expression: str, maps: dict[str, tuple[str, ...]], in_place: bool = False) -> tuple[str, ...] | None:
    """The .Values path whose map a replacement of .Values merges in (``mustMergeOverwrite $defaults $.Values``,
    ``$defaults`` a .Values path), or that a merge into .Values in place takes (``in_place``: ``mustMergeOverwrite
    $.Values (index $.Values "cni")``); None when it is anything else."""
    if _MERGE_CALL.search(expression) is None or _ROOT_VALUES_ARGUMENT.search(expression) is None:
        return None
    named = [maps[name] for name in _VARIABLE.findall(expression) if name in maps]
    if in_place:
        named += [tuple(part.strip('"') for part in match.group(1).split()) for match in _INDEXED_PATH.finditer(expression)]
        named += [path for path in _paths(expression) if path]
    named = list(dict.fromkeys(named))  # an index read is found both ways
    return named[0] if len(named) == 1 else None


_ROOT_VALUES_ARGUMENT = re.compile(r"(?<![\w.])\$\.Values(?![\w.])|(?<![\w.$])\.Values(?![\w.])")


# A comparison whose operands are tested, not rendered: `eq $insecure "true"`, `(ne $mode "off")`
_COMPARISON = re.compile(r"\b(?:eq|ne|lt|le|gt|ge)\s")


class _HeldReads:
    """The .Values reads assigned to a variable (``$insecure := index .Values.configs.params "server.insecure" |
    toString``, argo-cd's chart): what renders is the variable, where it is used. A read whose variable is only
    ever tested (in an ``if``, ``with`` or ``range``, by a guard function, or as an operand of a comparison: ``eq
    $insecure "true"``), or never used, renders nothing empty: it is guarded. Any other use (printed, handed to a
    call), a read that is an argument of something else in the assignment (``$c := set . "k" .Values.k``, which
    puts it in a dict), and a variable assigned again before the template ends leave it as it was. Linear in the
    actions: each use is looked at once."""

    def __init__(self, info: TemplateInfo) -> None:
        self.info = info
        self.pending: dict[str, list[int]] = {}
        """Each variable -> the indexes in info.refs of the unguarded reads assigned to it, while every use so
        far tested it."""

    def used_in(self, text: str, keyword: str, assigned: re.Match[str] | None) -> None:
        if not self.pending:
            return
        body = _without_strings(text[assigned.end() :] if assigned is not None else text)
        names = {match.group(1) for match in _VARIABLE_USE.finditer(body)} & self.pending.keys()
        if not names:
            return
        tested = keyword in ("if", "with", "else", "range") or _GUARD_CALL.search(body) is not None
        for name in names:
            if not tested and not _compared(body, name):
                del self.pending[name]  # rendered, or handed on: the reads stay unguarded

    def assigned(self, name: str, expression: str, start: int) -> None:
        # assigned again: the reads it held stay pending with the new ones (a `:=` in a block shadows the variable
        # only until the block ends, when the old value is back), judged by the uses of either; but where the new
        # value is made from the old (`$c = set $c "k" ...`) what it held lives on inside it, and stays unguarded
        before = self.pending.pop(name, [])
        if before and re.search(rf"\${re.escape(name)}\b", expression):
            before = []
        held = before
        if _HELD_VALUE.match(expression):  # else the read is an argument of something else (set, dict, include)
            held = [*before, *(index for index in range(start, len(self.info.refs)) if not self.info.refs[index].guarded)]
        if held:
            self.pending[name] = held

    def settle(self) -> None:
        for indexes in self.pending.values():
            self._settle(indexes)
        self.pending.clear()

    def _settle(self, indexes: list[int]) -> None:
        refs = self.info.refs
        for index in indexes:
            refs[index] = replace(refs[index], guarded=True)


_VARIABLE_USE = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)\b")
# What a variable holds a read as such: the read itself (`.Values.a.b`, `index .Values.p "k"`), piped or not
_HELD_VALUE = re.compile(r"\s*(?:\$?\.Values\b|index\s+\$?\.Values\b)[^()]*$")


def _compared(body: str, name: str) -> bool:
    """Whether every use of ``$name`` in the action is an operand of a comparison, ``eq $name "x"``, written
    directly after it or after its first operand (no parenthesis or pipe between)."""
    uses = [match.start() for match in re.finditer(rf"\${re.escape(name)}\b(?!\.)", body)]
    if len(uses) != len(re.findall(rf"\${re.escape(name)}\b", body)):
        return False  # a field of it is read (`$x.y`): that is rendered
    for at in uses:
        before = body[:at]
        cut = max(before.rfind("("), before.rfind("|"), before.rfind("{{"))
        segment = before[cut + 1 :]
        match = _COMPARISON.search(segment)
        if match is None or not _SPACE.fullmatch(segment[: match.start()]):
            return False
        words = segment[match.end() :].split()
        if len(words) > 1:
            return False  # an operand of something else, such as `eq (x $name) ...`: cut above at the parenthesis
    return True


def _passes(argument: re.Match[str], scopes: list[_Block]) -> bool:
    """Whether a call's argument is the caller's own context: ``$``, or ``.`` where no with or range rebinds it."""
    return argument.group(1) == "$" or not scopes


def root_context_defines(calls: list[Call]) -> set[str]:
    """The defines whose context is the chart's root wherever they are called.

    Such a define is reached from the top level of a template through calls
    that each hand on the caller's own context, and no call anywhere gives it,
    or a define that calls it so, another context. Linear in the number of calls.
    """
    handed_on: dict[str | None, list[str]] = {}
    not_root: set[str] = set()
    for call in calls:
        if call.passes_context:
            handed_on.setdefault(call.caller, []).append(call.name)
        else:
            not_root.add(call.name)
    root = _reached(handed_on, list(handed_on.get(None, ())))
    return root - _reached(handed_on, list(not_root))


def _reached(edges: dict[str | None, list[str]], start: list[str]) -> set[str]:
    seen = set(start)
    pending = list(start)
    while pending:
        for name in edges.get(pending.pop(), ()):
            if name not in seen:
                seen.add(name)
                pending.append(name)
    return seen


def split_keyword(text: str) -> tuple[str, str]:
    """The action's leading identifier, if Go's lexer ends it there, and the rest of the action."""
    match = _LEADING_WORD.match(text)
    if match is None:
        return "", text
    return match.group(1), text[match.end() :].strip()


def _paths(text: str, dug: list[tuple[str, ...]] | None = None) -> list[tuple[str, ...]]:
    """The .Values paths ``text`` reads (``dug``: its dig paths, where the caller has them already)."""
    # filter(None, ...): the parts between the dots, without the empty ones; none inside a string literal
    # (`fail "ERROR: both .Values.a.spec.raw and ..."` reads nothing)
    found = [
        tuple(filter(None, m.group(1).split("."))) for m in _VALUES.finditer(_blank_strings(text) if '"' in text or "`" in text else text)
    ]
    if "index" in text or "hasKey" in text:  # the words _INDEX_VALUES starts with, tested before its search
        found += [
            tuple(filter(None, m.group(1).split("."))) + tuple(_QUOTED_ARGS.findall(m.group(2))) for m in _INDEX_VALUES.finditer(text)
        ]
    if dug is None and "dig" in text:
        dug = _dug(text)
    return [p for p in found + (dug or []) if p]


def _dug(text: str) -> list[tuple[str, ...]]:
    """The .Values paths that sprig's ``dig`` looks up in ``text``: it gives its default for what is missing, and
    never fails (a test of the path, as ``hasKey`` is)."""
    found = []
    for m in _DIG_VALUES.finditer(text):
        keys = _QUOTED_ARGS.findall(m.group(1))
        found.append(tuple(filter(None, m.group(3).split("."))) + tuple(keys if m.group("default") else keys[:-1]))
    return found


def _block_guards(condition: str, tested: dict[str, list[tuple[str, ...]]]) -> list[tuple[str, ...]]:
    """What an ``if`` or ``with`` on ``condition`` guards: the .Values paths it tests, and those the variables it
    tests were assigned from."""
    found = [_guarded_prefix(ref) for ref in _paths(condition)]
    if "$" in condition and tested:
        for match in _VARIABLE.finditer(_without_strings(condition)):
            found += tested.get(match.group(1), ())
    return found


def _map_guards(condition: str, tested: dict[str, list[tuple[str, ...]]]) -> list[tuple[str, ...]]:
    """The .Values maps an ``if`` on ``condition`` renders only where they are set, through a field of a variable
    that holds one: a field that is set, or equal to a word (a field of a variable that holds nothing is empty,
    text/template's evalField on an invalid receiver): arc's `else if eq $containerMode.type "kubernetes"`, with
    `$containerMode := .Values.containerMode`. What the block's calls render under (Call.guards), not a guard of
    the block's own reads of other fields."""
    if "$" not in condition or not tested:
        return []
    whole = _VARIABLE_FIELD.fullmatch(condition)
    names = [whole.group(1)] if whole else []
    for match in _FIELD_EQUALS.finditer(condition):
        if not _NEGATED.search(condition, 0, match.start()):
            names.append(match.group(1) or match.group(2))
    return [path for name in names for path in tested.get(name, ())]


def _negated_guards(condition: str) -> list[tuple[str, ...]]:
    """What the ``else`` of an ``if not .Values.a.b`` guards: there the value is set."""
    match = _NOT_PATH.fullmatch(condition)
    if match is None:
        return []
    path = _single_values_path(match.group(1).strip().strip("()"))
    return [_guarded_prefix(path)] if path else []


_NOT_PATH = re.compile(r"\s*not\s+(\(?\s*\$?\.Values(?:\.[A-Za-z_][A-Za-z0-9_]*)+\s*\)?)\s*")


_VARIABLE_FIELD = re.compile(r"\s*\$([A-Za-z_][A-Za-z0-9_]*)(?:\.[A-Za-z_][A-Za-z0-9_]*)+\s*")
_FIELD_EQUALS = re.compile(
    r'\beq\s+\$([A-Za-z_][A-Za-z0-9_]*)(?:\.[A-Za-z_][A-Za-z0-9_]*)+\s+"[^"\\]+"'
    r'|\beq\s+"[^"\\]+"\s+\$([A-Za-z_][A-Za-z0-9_]*)(?:\.[A-Za-z_][A-Za-z0-9_]*)+'
)
"""``eq $v.type "kubernetes"``: true only where ``$v`` is a map with that field."""
_NEGATED = re.compile(r"\bnot\b")
"""A ``not`` before a test: what it guards is not known (``not (eq $v.type "x")`` is true where ``$v`` is empty)."""


_UNJUDGED: tuple[tuple[str, ...], bool] = ((), False)
"""The test of a block whose condition is not one .Values path alone (``not``, ``eq``, a variable, a ``range``, an
``else``): what renders inside it is not judged from the values."""


def _block_tests(keyword: str, condition: str) -> list[tuple[tuple[str, ...], bool]]:
    """What an ``if``, ``with`` or ``range`` block tests (ValuesRef.tests): the path, where its condition is one .Values
    path alone; else that it is not judged. Other blocks (define, block) test nothing."""
    if keyword not in ("if", "with", "range"):
        return []
    if keyword == "range":
        # a range renders once per item: its path is recorded, not judged alone (ReboundRead reads it)
        match = _BLOCK_VARIABLES.match(condition)
        path = _single_values_path(condition[match.end() :] if match else condition)
        return [(path, False)] if path else [_UNJUDGED]
    path = _single_values_path(condition)
    return [(path, True)] if path else [_UNJUDGED]


def _guarded_prefix(path: tuple[str, ...]) -> tuple[str, ...]:
    """``if .Values.ingress.enabled`` guards the block's uses of ``.Values.ingress.*``."""
    return path[:-1] if len(path) > 1 else path


def _single_values_path(text: str) -> tuple[str, ...] | None:
    match = _SINGLE_VALUES_PATH.fullmatch(text)
    return tuple(p for p in match.group(1).split(".") if p) if match else None


# `$item := ` or `$key, $item := ` before what a range or with walks
_BLOCK_VARIABLES = re.compile(r"\s*\$[A-Za-z_][A-Za-z0-9_]*\s*(?:,\s*\$[A-Za-z_][A-Za-z0-9_]*\s*)?:?=(?!=)")
# a .Values path of the root: `$.Values.x`, or `.Values.x` where dot is the root
_DOLLAR_PATH = re.compile(r"\s*\$\.Values((?:\.[A-Za-z_][A-Za-z0-9_]*)+)\s*")
_DOT_PATH = re.compile(r"\s*\.Values((?:\.[A-Za-z_][A-Za-z0-9_]*)+)\s*")
# `.Values` read from dot: not `$.Values`, `$root.Values` or a field of something else
_DOT_VALUES = re.compile(r"(?<![\w.$)\]])\.Values((?:\.[A-Za-z_][A-Za-z0-9_]*)*)(?![\w])")


def _bind_dot(block: _Block, argument: str, outside: _Block | None) -> None:
    """What a ``with`` or ``range`` (or an ``else with``) on ``argument`` does to dot; ``outside``: the block that
    binds dot around it (None: dot is the root there)."""
    match = _BLOCK_VARIABLES.match(argument)
    walked = (argument[match.end() :] if match else argument).strip()
    block.argument, block.in_else = walked, False
    if walked == "$":
        block.dot, block.dot_path = "root", None
    elif walked == ".":
        block.dot, block.dot_path = "same", None
    else:
        found = _DOLLAR_PATH.fullmatch(walked) or (_DOT_PATH.fullmatch(walked) if outside is None else None)
        block.dot, block.dot_path = "rebound", tuple(filter(None, found.group(1).split("."))) if found else None


def _binder(scopes: list[_Block]) -> _Block | None:
    """The innermost open ``with`` or ``range`` that rebinds dot, or None where dot is the root (or the context
    a define is called with): blocks in their ``else`` and ``with .`` leave dot as it is outside them."""
    for block in reversed(scopes):
        if block.in_else or block.dot == "same":
            continue
        return block if block.dot == "rebound" else None
    return None


def _collect_refs(
    info: TemplateInfo,
    action: Action,
    keyword: str,
    guards: _Guards,
    innermost: _Block | None,
    define: str | None,
    tests: Tests = None,
    binder: _Block | None = None,
) -> None:
    text = action.text
    if binder is not None and ".Values" in text:
        # dot is rebound here: `.Values` is a field of what dot holds, not the chart's values; the reads are kept
        # apart, and blanked so that none of the patterns below takes them for the chart's
        blanked = _without_strings(text)
        spans = []
        for match in _DOT_VALUES.finditer(blanked):
            path = tuple(filter(None, match.group(1).split(".")))
            info.rebound.append(
                ReboundRead(path, action.line, action.column, binder.keyword, binder.argument, binder.dot_path, define, tests)
            )
            spans.append(match.span())
        for start, end in reversed(spans):
            text = text[:start] + " " * (end - start) + text[end:]
        action = Action(text, action.line, action.column)
    # Every pattern of a .Values read (_ROOT) holds ".Values": most actions (include, end, .Release.Name) do not.
    reads_values = ".Values" in text
    if reads_values and _WHOLE_VALUES.search(_INDEX_VALUES.sub("", text) if "index" in text or "hasKey" in text else text):
        info.whole_values = True
    if reads_values and "set" in text:
        for match in _SET_VALUES.finditer(text):
            info.sets.append((*filter(None, match.group(1).split(".")), match.group(2)))
    scope = innermost.with_path if innermost is not None else None
    in_with = (
        scope is not None
        and innermost is not None
        and innermost.keyword == "with"
        and not innermost.in_else  # in the else of a with, dot is the one outside it
        and keyword not in ("with", "range")
    )
    if not reads_values and not in_with:
        return  # no .Values in the action and no with to read relative paths in: no reference here
    # what an if, with or range reads is tested, not rendered: range over a missing value renders nothing
    guarded_here = keyword in ("if", "with", "else", "range") or _GUARD_CALL.search(_without_strings(text)) is not None
    if reads_values:
        handed = _handed_to_defines(text)
        operands = _lazy_operands(text) if _LAZY_CALL.search(_without_strings(text)) else {}
        dug = _dug(text) if "dig" in text else []
        for path in _paths(text, dug):
            enclosed = guards.covers(path) or path in dug  # dig reads nothing that can fail
            levels = operands.get(path, ())
            lazy, before = levels[0] if levels else (None, ())
            info.refs.append(
                ValuesRef(
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
    if in_with and scope is not None:
        for match in _RELATIVE.finditer(_without_strings(text)):
            relative = tuple(match.group(1).split("."))
            if relative[0] in ("Values", "Release", "Chart", "Capabilities", "Template", "Files"):
                continue
            path = scope + relative
            # inside `with .Values.x`, `.y` is read only when x is set: enclosed by the with
            # an and/or's short-circuit is worked out for .Values paths only (_lazy_operands): not judged here
            judged = tests if not _LAZY_CALL.search(text) else None
            info.refs.append(ValuesRef(path, action.line, action.column, guarded_here or guards.covers(path), define, True, tests=judged))


_LAZY_CALL = re.compile(r"\b(?:and|or)\b")
_KEYWORDS = frozenset(("if", "with", "range", "else", "end", "define", "block", "template"))


def _lazy_operands(text: str) -> dict[tuple[str, ...], tuple[tuple[str, tuple[tuple[str, ...], ...]], ...]]:
    """Each .Values path read by an operand of an ``and`` or ``or`` -> (that function, the .Values paths of its
    operands before that one, nested ones included) of each ``and`` and ``or`` around it, innermost first. The
    operand is the path itself, or a parenthesis holding it at any depth: ``and .Values.a (eq 1 .Values.a.b)``
    evaluates the ``eq`` only once ``a`` is set. One pass over the action (strings blanked); a path met twice
    keeps its first place."""
    blanked = _blank_strings(text)
    # per open group: [the function it calls, where it opened, its enclosing groups as (their function when it
    # opened, where they opened, where it opened), innermost last]
    groups: list[list[Any]] = [[None, 0, ()]]
    owner: list[tuple[str | None, int, tuple[tuple[str | None, int, int], ...]]] = []  # per character: its group's
    index = 0
    while index < len(blanked):
        char = blanked[index]
        if char == "(":
            outer = groups[-1]
            groups.append([None, index, (*outer[2], (outer[0], outer[1], index))])
        elif char == ")" and len(groups) > 1:
            groups.pop()
        elif groups[-1][0] is None and (char.isalpha() or char == "_"):
            word = _WORD.match(blanked, index)
            assert word is not None
            if word.group() not in _KEYWORDS and (index == 0 or blanked[index - 1] not in ".$"):
                groups[-1][0] = word.group()
            owner.extend([(groups[-1][0], groups[-1][1], groups[-1][2])] * (word.end() - index))
            index = word.end()
            continue
        elif char == "|":
            groups[-1][0] = None  # a pipeline's next command calls its own function
        owner.append((groups[-1][0], groups[-1][1], groups[-1][2]))
        index += 1
    found: dict[tuple[str, ...], tuple[tuple[str, tuple[tuple[str, ...], ...]], ...]] = {}
    matches = [(m.start(), tuple(filter(None, m.group(1).split(".")))) for m in _VALUES.finditer(blanked)]
    for position, path in matches:
        if not path or path in found or position >= len(owner):
            continue
        function, opened, enclosing = owner[position]
        # the group the path is in, then each group around it: (its function, where it opened, where the operand
        # holding the path starts in it)
        levels = [(function, opened, position), *((f, o, child) for f, o, child in reversed(enclosing))]
        lazy = tuple(
            (function, tuple(other for start, other in matches if opened <= start < operand and other))
            for function, opened, operand in levels
            if function in ("and", "or")
        )
        if lazy:
            found[path] = lazy
    return found


def _name_calls(text: str) -> Iterator[re.Match[str]]:
    """The include and template calls of an action: ``include "name"`` outside a string literal (fluent-bit's
    ``print "@include " $key`` prints the word, it calls nothing)."""
    if "include" not in text and "template" not in text:
        return
    blanked = None
    for match in _NAME_CALL.finditer(text):
        if '"' in text[: match.start()] or "`" in text[: match.start()]:
            if blanked is None:
                blanked = _blank_strings(text)
            if blanked[match.start()] == " ":  # the word is inside a string the blanking emptied
                continue
        yield match


def _blank_strings(text: str) -> str:
    """``text`` with the inside of each string literal replaced by spaces: every offset stays where it was."""
    return _STRINGS.sub(lambda m: '"' + " " * (len(m.group()) - 2) + '"', text)


def _without_strings(text: str) -> str:
    return _STRINGS.sub('""', text)


def _handed_to_defines(text: str) -> set[tuple[str, ...]]:
    """The .Values paths among the arguments of an include or template call: the define renders
    (or guards) them, not the call (openfaas's ``include "openfaas.image" (dict ... "registryPrefix"
    .Values.registryPrefix)`` tests ``if $registryPrefix``)."""
    if "include" not in text and "template" not in text:
        return set()  # no call (_NAME_CALL needs one of the words), so nothing is handed to one
    blanked = _blank_strings(text)
    spans: list[tuple[int, int]] = []
    for call in _NAME_CALL.finditer(blanked):
        depth, end = 0, len(blanked)
        for at in range(call.end(), len(blanked)):  # the call's arguments end at its closing ')' or the pipe
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
        for m in _VALUES.finditer(blanked)
        if any(start <= m.start() < end for start, end in spans)
    }
