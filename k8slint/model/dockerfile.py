"""A Dockerfile as the rules and the build map read it: instructions, stages, variables.

Values are substituted into words the way BuildKit's shell lexer does (quotes
removed, escapes, ``$VAR``, ``${VAR:-default}``, ``${VAR%.*}`` and the other
modifiers), within a budget per file, so that ``ARG PY_VERSION="3.12"`` and
``FROM python:${PY_VERSION}-slim`` are read as the image they name. Parsing the
text into instructions is the loader's (k8slint.sources.dockerfiles).
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from k8slint.findings import Location
from k8slint.model.images import ImageError, ImageReference, parse_image
from k8slint.model.objects import SourceFile

MAX_EXPANDED_WORD = 64 * 1024
"""Characters one word may expand to (an ARG, an ENV value, a FROM image, an EXPOSE argument)."""
MAX_EXPANDED_FILE = 1024 * 1024
"""Characters all the expansions the builder makes in one Dockerfile may add up to."""


class Unresolved(Exception):
    """A variable without a value: the text cannot be known before the build."""


class BadSubstitution(Unresolved):
    """A word BuildKit's lexer refuses (``${}``, an unclosed quote or brace, an unknown modifier): the build fails."""


class ExpansionTooLarge(Unresolved):
    """Expanding the text would pass a bound: its value is not known to k8slint either."""


class ExpansionBudget:
    """What is left of a Dockerfile's expansion budget, and where loading ran past it.

    ARGs that reference each other a few levels deep grow ten-fold at each level
    (seven levels made a gigabyte); every expansion is charged here, so the
    work per file stays bounded, and each time the bound is hit is recorded.
    """

    __slots__ = ("hits", "left")

    def __init__(self, limit: int = MAX_EXPANDED_FILE) -> None:
        self.left = limit
        self.hits: list[tuple[int, str, str]] = []
        """(line, what: the instruction and variable, why) where an expansion passed a bound."""

    def charge(self, characters: int) -> None:
        self.left -= characters
        if self.left < 0:
            raise ExpansionTooLarge(f"the Dockerfile's variable expansions pass {MAX_EXPANDED_FILE:,} characters in total")

    def record(self, instruction: Instruction, exc: ExpansionTooLarge, name: str | None = None) -> None:
        self.hits.append((instruction.line, f"{instruction.keyword} {name}" if name else instruction.keyword, str(exc)))


class Variables(dict):
    """ARG and ENV values in effect, with the expansion budget and escape character of their Dockerfile."""

    __slots__ = ("budget", "escape")

    def __init__(self, budget: ExpansionBudget | None = None, escape: str = "\\") -> None:
        super().__init__()
        self.budget = budget
        self.escape = escape
        """The escape character (the ``escape`` directive's, else a backslash)."""


def substitute(text: str, variables: Mapping[str, str | None], budget: ExpansionBudget | None = None, escape: str | None = None) -> str:
    """Expand one word as BuildKit's shell lexer does (``ProcessWord`` in frontend/dockerfile/shell/lex.go).

    Quotes are removed (``"1.24"`` is ``1.24``; nothing expands inside ``'...'``),
    the escape character (``\\``, or the one the ``escape`` directive sets) makes
    the next one literal, and ``$VAR``, ``${VAR}`` expand with the modifiers
    ``:-``, ``-``, ``:+``, ``+``, ``:?``, ``?``, ``%``, ``%%``, ``#``, ``##``,
    ``/`` and ``//``.

    Raises :class:`Unresolved` for a variable that has no value (an ``ARG``
    without a default), so that callers never check a guess;
    :class:`BadSubstitution` (an :class:`Unresolved`) for a word BuildKit
    refuses (``${}``, an unclosed quote or brace, an unknown modifier); and
    :class:`ExpansionTooLarge` (an :class:`Unresolved`) when the result would
    pass :data:`MAX_EXPANDED_WORD` characters or the budget of the file (that
    of ``variables`` when they are :class:`Variables`) is spent.
    """
    if budget is None:
        budget = getattr(variables, "budget", None)
    if escape is None:
        escape = getattr(variables, "escape", "\\")
    if "$" not in text and "'" not in text and '"' not in text and escape not in text:
        if len(text) > MAX_EXPANDED_WORD:
            raise ExpansionTooLarge(f"expanding variables here makes more than {MAX_EXPANDED_WORD:,} characters")
        if budget is not None:
            budget.charge(len(text))
        return text
    lexer = _Lexer(text, variables, budget, escape)
    expanded = lexer.word(None, raw=False, use=True)
    if lexer.missing is not None:
        raise Unresolved(lexer.missing)
    return expanded


_SPECIAL_PARAMETERS = frozenset("@*#?-$!0")
"""The shell's special parameters: never set in a Dockerfile, so they expand to nothing."""
MAX_NESTING = 64
"""``${A:-${B:-...}}`` nested deeper than this is not expanded (the lexer recurses per level)."""
MAX_PATTERN_WORK = 1 << 24
"""Character comparisons ``${V%pattern}`` and the like may cost in one word."""


@functools.cache
def _special_characters(escape: str, stop: str | None) -> re.Pattern[str]:
    """The characters the lexer must look at: "$", quotes, the escape character and the one that ends the word."""
    return re.compile("[" + re.escape("$'\"" + escape + (stop or "")) + "]")


class _Lexer:
    """One word being expanded: BuildKit's ``shellWord`` (processStopOn, processDollar, ...)."""

    __slots__ = ("budget", "depth", "escape", "length", "missing", "position", "text", "variables", "work")

    def __init__(self, text: str, variables: Mapping[str, str | None], budget: ExpansionBudget | None, escape: str) -> None:
        self.text, self.variables, self.budget, self.escape = text, variables, budget, escape
        self.position, self.length, self.depth, self.work = 0, len(text), 0, 0
        self.missing: str | None = None
        """The first variable found without a value: the word is unresolved, once the lexer has read it all
        (a word BuildKit refuses is a :class:`BadSubstitution` even so)."""

    def _special(self, stop: str | None) -> re.Pattern[str]:
        return _special_characters(self.escape, stop)

    def word(self, stop: str | None, raw: bool, use: bool) -> str:
        """processStopOn: read up to ``stop`` (consumed) or the end; with ``use`` false only the structure is read.

        ``raw`` keeps escape characters in the result (BuildKit's rawEscapes, for patterns and replacements).
        """
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise ExpansionTooLarge(f"variables nest more than {MAX_NESTING} levels deep")
        out: list[str] = []
        size = 0

        def emit(piece: str) -> None:
            nonlocal size
            if not use or not piece:
                return
            size += len(piece)
            if size > MAX_EXPANDED_WORD:
                raise ExpansionTooLarge(f"expanding variables here makes more than {MAX_EXPANDED_WORD:,} characters")
            if self.budget is not None:
                self.budget.charge(len(piece))
            out.append(piece)

        text, special = self.text, self._special(stop)
        while True:
            found = special.search(text, self.position)
            if found is None:
                emit(text[self.position :])
                self.position = self.length
                break
            emit(text[self.position : found.start()])
            self.position = found.start()
            char = found.group()
            if char == stop:
                self.position += 1
                self.depth -= 1
                return "".join(out)
            if char == "$":
                emit(self.dollar(use))
            elif char == "'":
                emit(self.single_quoted())
            elif char == '"':
                emit(self.double_quoted(use, raw))
            else:  # the escape character: the next one is literal (at the end of the text it is dropped)
                if raw:
                    emit(char)
                emit(text[self.position + 1 : self.position + 2])
                self.position = min(self.position + 2, self.length)
        if stop is not None:
            raise BadSubstitution(f"unexpected end of statement while looking for matching {stop}")
        self.depth -= 1
        return "".join(out)

    def single_quoted(self) -> str:
        end = self.text.find("'", self.position + 1)
        if end < 0:
            raise BadSubstitution("unexpected end of statement while looking for matching single-quote")
        value = self.text[self.position + 1 : end]
        self.position = end + 1
        return value

    def double_quoted(self, use: bool, raw: bool) -> str:
        # only $, the escape character and " are special; the escape character escapes only ", $ and itself
        text, escape = self.text, self.escape
        out: list[str] = []
        special = self._special(None)
        self.position += 1
        while True:
            found = special.search(text, self.position)
            end = found.start() if found is not None else self.length
            out.append(text[self.position : end])
            self.position = end
            if found is None:
                raise BadSubstitution("unexpected end of statement while looking for matching double-quote")
            char = found.group()
            if char == '"':
                self.position += 1
                return "".join(out)
            if char == "$":
                value = self.dollar(use)
                if use:
                    out.append(value)
                continue
            self.position += 1
            if char == "'":
                out.append("'")
                continue
            if raw:
                out.append(char)
            following = text[self.position : self.position + 1]
            if following in ('"', "$", escape):
                out.append(following)
                self.position += 1
            else:
                out.append(char)  # kept (twice when raw, as BuildKit does)

    def name(self) -> str:
        """processName: a run of letters, digits and _, a run of digits (positional), or one special parameter."""
        text, start = self.text, self.position
        if start >= self.length:
            return ""
        first = text[start]
        end = start
        if first.isdecimal():
            while end < self.length and text[end].isdecimal():
                end += 1
        elif first in _SPECIAL_PARAMETERS:
            end += 1
        else:
            found = _NAME_CHARACTERS.match(text, start)
            end = found.end() if found is not None else start
        self.position = end
        return text[start:end]

    def value(self, name: str) -> str | None:
        """The variable's value; a positional or special parameter is never set (it expands to nothing)."""
        value = self.variables.get(name)
        if value is None and name and (name[0].isdecimal() or name in _SPECIAL_PARAMETERS):
            return ""
        return value

    def known(self, name: str) -> str:
        value = self.value(name)
        if value is None:
            self.unknown(name)
            return ""
        return value

    def unknown(self, name: str) -> None:
        if self.missing is None:
            self.missing = name

    def dollar(self, use: bool) -> str:
        """processDollar, at a "$"."""
        text = self.text
        self.position += 1
        if not text.startswith("{", self.position):
            name = self.name()
            if not name:
                return "$"
            return self.known(name) if use else ""
        self.position += 1
        if self.position >= self.length:
            raise BadSubstitution("syntax error: missing '}'")
        if text[self.position] in "{}:":
            raise BadSubstitution("syntax error: bad substitution")
        name = self.name()
        operator = text[self.position : self.position + 1]
        self.position += 1
        if operator == "}":
            return self.known(name) if use else ""
        null_is_unset = operator == ":"
        if null_is_unset:
            operator = text[self.position : self.position + 1]
            self.position += 1
        if operator in ("-", "+", "?") or (operator in ("#", "%") and not null_is_unset):
            value = self.value(name) if use else ""
            if operator == "-":
                needed = value is None or (null_is_unset and value == "")
                word = self.closing_word(raw=False, use=use and needed)
                return word if needed else str(value)
            if operator == "+":
                needed = value is not None and not (null_is_unset and value == "")
                word = self.closing_word(raw=False, use=use and needed)
                return word if needed else ""
            if operator == "?":
                self.closing_word(raw=False, use=False)
                if use and (value is None or (null_is_unset and value == "")):
                    self.unknown(name)  # BuildKit stops the build unless a build argument gives it a value
                return value or ""
            pattern = self.closing_word(raw=True, use=use)
            if not use:
                return ""
            if value is None:
                self.unknown(name)
                return ""
            greedy = pattern.startswith(operator)
            if greedy:
                pattern = pattern[1:]
            return self.trim(str(value), pattern, greedy, suffix=operator == "%")
        if operator == "/" and not null_is_unset:
            replace_all = text.startswith("/", self.position)
            if replace_all:
                self.position += 1
            try:
                pattern = self.word("/", raw=True, use=use)
            except BadSubstitution:
                raise BadSubstitution("syntax error: missing '/' in ${}") from None
            replacement = self.closing_word(raw=True, use=use)
            if not use:
                return ""
            return self.replace(self.known(name), pattern, replacement, replace_all)
        shown = (":" if null_is_unset else "") + operator
        raise BadSubstitution(f"unsupported modifier ({shown}) in substitution")

    def closing_word(self, raw: bool, use: bool) -> str:
        try:
            return self.word("}", raw=raw, use=use)
        except BadSubstitution as exc:
            if self.position >= self.length:
                raise BadSubstitution("syntax error: missing '}'") from None
            raise exc

    def charge(self, comparisons: int) -> None:
        self.work += comparisons
        if self.work > MAX_PATTERN_WORK:
            raise ExpansionTooLarge(f"matching the patterns here takes more than {MAX_PATTERN_WORK:,} comparisons")

    def trim(self, value: str, pattern: str, greedy: bool, suffix: bool) -> str:
        """``${V#p}``/``${V##p}`` take the shortest/longest prefix matching p away; ``%``/``%%`` a suffix (trimPrefix, trimSuffix)."""
        glob = _Glob(pattern, self)
        if suffix:
            glob = glob.reversed()
            value = value[::-1]
        start_end = glob.match_at(value, 0, greedy, anchored=True)
        trimmed = value[start_end[1] :] if start_end is not None else value
        return trimmed[::-1] if suffix else trimmed

    def replace(self, value: str, pattern: str, replacement: str, replace_all: bool) -> str:
        """``${V/p/r}`` replaces the first (leftmost, longest) match of p, ``${V//p/r}`` every one (Go's ReplaceAllString)."""
        glob = _Glob(pattern, self)
        if not replace_all:
            found = glob.match_at(value, 0, greedy=True, anchored=False)
            return value if found is None else value[: found[0]] + replacement + value[found[1] :]
        out: list[str] = []
        search, last_end = 0, 0
        while search <= len(value):
            found = glob.match_at(value, search, greedy=True, anchored=False)
            if found is None:
                break
            start, end = found
            out.append(value[last_end:start])
            if end > last_end or start == 0:  # an empty match right after a match is not replaced
                out.append(_expand_template(replacement, value[start:end]))
            last_end = end
            search = search + 1 if search + 1 > end else end
        out.append(value[last_end:])
        return "".join(out)


_NAME_CHARACTERS = re.compile(r"[^\W]+")
_TEMPLATE = re.compile(r"\$(?:\$|\{(\w+)\}|(\w+))")


def _expand_template(replacement: str, match: str) -> str:
    """Go's Regexp.Expand as ReplaceAllString uses it: ``$$`` is "$", ``$0`` the match, other groups nothing."""
    if "$" not in replacement:
        return replacement

    def group(found: re.Match[str]) -> str:
        if found.group() == "$$":
            return "$"
        name = found.group(1) or found.group(2)
        return match if name.isdigit() and name.isascii() and int(name) == 0 else ""

    return _TEMPLATE.sub(group, replacement)


class _Glob:
    """A shell pattern of ``*``, ``?`` and literals (convertShellPatternToRegex), matched without backtracking.

    The pattern is its literal segments between stars. BuildKit compiles it to a
    Go regular expression; Python's ``re`` would backtrack exponentially on
    ``*a*a*a*b``, so the match is found segment by segment: the earliest place
    of each segment gives the shortest match, and the latest place of the last
    one, after the earliest places of the others, the longest.
    """

    __slots__ = ("lexer", "segments")

    def __init__(self, pattern: str, lexer: _Lexer, segments: list[list[str | None]] | None = None) -> None:
        self.lexer = lexer
        if segments is not None:
            self.segments = segments
            return
        self.segments = [[]]
        index, length = 0, len(pattern)
        while index < length:
            char = pattern[index]
            index += 1
            if char == "*":
                self.segments.append([])
                continue
            if char == "?":
                self.segments[-1].append(None)
                continue
            if char == "\\":
                following = pattern[index : index + 1]
                if following in ("}", "/"):
                    continue  # escaped so as not to end the ${}: the escape is not part of the pattern
                if following not in ("*", "?", "\\"):
                    raise BadSubstitution(f"invalid pattern ({pattern}) in substitution: invalid escape '\\{following}'")
                index += 1
                char = following
            self.segments[-1].append(char)

    def reversed(self) -> _Glob:
        return _Glob("", self.lexer, [segment[::-1] for segment in reversed(self.segments)])

    def find(self, value: str, segment: list[str | None], start: int) -> int:
        """The first index at or after start where the segment matches ("?" is any character but a newline)."""
        if None not in segment:
            self.lexer.charge(len(value) - start + 1)
            return value.find("".join(segment), start)  # type: ignore[arg-type]
        # literals and "." only: no quantifier, so no backtracking beyond the segment's length
        self.lexer.charge((len(value) - start + 1) * len(segment))
        found = re.compile("".join("." if char is None else re.escape(char) for char in segment)).search(value, start)
        return found.start() if found is not None else -1

    def match_at(self, value: str, start: int, greedy: bool, anchored: bool) -> tuple[int, int] | None:
        """(start, end) of the leftmost match at or after start (at start when anchored), shortest or longest."""
        first, *middle = self.segments
        last = middle.pop() if middle else None
        if last is not None and "\n" in value:
            # a star does not match a newline (Go's "." in BuildKit's regular expression)
            self.lexer.unknown("a pattern with * matched against a value of several lines")
            return None
        if anchored:
            begin = start if self.find(value[: start + len(first)], first, start) == start else -1
        else:
            begin = self.find(value, first, start)
        if begin < 0:
            return None
        position = begin + len(first)
        if last is None:
            return begin, position
        for segment in middle:
            found = self.find(value, segment, position)
            if found < 0:
                return None
            position = found + len(segment)
        if not last:
            return begin, len(value) if greedy else position
        if not greedy:
            found = self.find(value, last, position)
            return None if found < 0 else (begin, found + len(last))
        # the latest place of the last segment that starts at or after position: the first in the reversed value
        backwards = self.find(value[::-1], last[::-1], 0)
        latest = len(value) - backwards - len(last) if backwards >= 0 else -1
        return (begin, latest + len(last)) if latest >= position else None


@dataclass(slots=True)
class Instruction:
    keyword: str
    line: int
    end_line: int
    args: tuple[str, ...]
    flags: tuple[str, ...]
    json_form: bool
    original: str
    heredocs_only: bool = False
    """An ADD or COPY whose sources are all heredocs (inline files)."""
    trigger: str = ""
    """The instruction an ONBUILD runs in the images built from this one (``ONBUILD USER app``: USER, args ``("app",)``)."""

    def flag(self, name: str) -> str | None:
        prefix = f"--{name}="
        for flag in self.flags:
            if flag.startswith(prefix):
                return flag[len(prefix) :]
        return None


@dataclass(slots=True)
class Stage:
    index: int
    base: str
    """The image or stage named by FROM, with variables substituted (raw text if they cannot be)."""
    resolved: bool
    alias: str | None
    instruction: Instruction
    instructions: list[Instruction] = field(default_factory=list)
    variables: dict[str, str | None] = field(default_factory=dict)
    """ARG and ENV values in effect at the end of the stage."""


@dataclass(frozen=True, slots=True)
class DockerBuild:
    """How a Dockerfile is built: ``docker build --build-arg NAME=VALUE --target STAGE``, as the config and flags say."""

    build_args: Mapping[str, str] = field(default_factory=dict)
    """Values of declared ARGs, taken as given (BuildKit does not expand a build argument's value)."""
    targets: tuple[str, ...] = ()
    """Stages the config builds this Dockerfile to (an image's ``target``): a name no stage has is a finding."""
    optional_targets: tuple[str, ...] = ()
    """Stages ``--target`` names for every Dockerfile: those of this file that have them."""


NO_BUILD_OPTIONS = DockerBuild()


@dataclass(slots=True, eq=False)
class DockerfileDoc:
    """A parsed Dockerfile: the subject of the Dockerfile rules."""

    file: SourceFile
    instructions: list[Instruction]
    stages: list[Stage]
    global_args: dict[str, str | None]
    budget: ExpansionBudget = field(default_factory=ExpansionBudget)
    """What the rules may still expand (loading's own expansions are behind it)."""
    targets: tuple[Stage, ...] = ()
    """The stages ``--target`` builds (from the config or the flag); none: the last stage."""
    unknown_targets: tuple[str, ...] = ()
    """Targets the config names that no stage of the file has (the build fails: the target stage could not be found)."""

    def location(self, line: int, column: int = 1) -> Location:
        return Location(self.file.display, line, column)

    def describe(self) -> str:
        return f"Dockerfile {self.file.display}"

    def origin(self) -> Location:
        return self.location(1)

    @property
    def folder_name(self) -> str:
        return os.path.basename(os.path.dirname(os.path.abspath(self.file.display))) if self.file.display != "<stdin>" else ""

    def final_stage(self) -> Stage | None:
        """The stage the build produces: the first target, else the last stage."""
        if self.targets:
            return self.targets[0]
        return self.stages[-1] if self.stages else None

    def built_stages(self) -> list[Stage]:
        """Every stage an image is built to: the targets, else the last stage (what rules of the final image look at)."""
        if self.targets:
            return list(self.targets)
        return self.stages[-1:]

    def chain(self, stage: Stage | None) -> list[Stage]:
        """A stage and the earlier stages it builds on (``FROM builder``), nearest first."""
        found: list[Stage] = []
        while stage is not None and stage not in found:
            found.append(stage)
            stage = next((s for s in self.stages[: stage.index] if s.alias and s.alias == stage.base.lower()), None)
        return found

    def user_in_effect(self, stage: Stage | None) -> ImageUserSetting | None:
        """The USER the image built to ``stage`` runs as (see :func:`user_in_effect`)."""
        return user_in_effect(self, stage)

    def env(self, stage: Stage) -> dict[str, str | None]:
        """Environment variables the image sets (ENV of the stage and of the stages it builds on)."""
        found: dict[str, str | None] = {}
        for part in reversed(self.chain(stage)):
            for instruction in part.instructions:
                if instruction.keyword == "ENV":
                    found.update(env_pairs(instruction, part.variables))
        return found


@dataclass(frozen=True, slots=True)
class ImageUserSetting:
    """The USER in effect for an image, as the stage that sets it wrote it."""

    name: str | None
    """The user part of the USER in effect (before ":"); None when a variable leaves it unknown."""
    text: str
    instruction: Instruction
    stage: Stage


def user_in_effect(doc: DockerfileDoc, stage: Stage | None) -> ImageUserSetting | None:
    """The USER the image built to ``stage`` runs as, or None when no stage of its chain sets one.

    A stage built ``FROM`` an earlier one runs that one's ``ONBUILD`` triggers before its own
    instructions (BuildKit's dispatchOnBuildTriggers), so an ``ONBUILD USER`` of the stage it is
    built on counts, after the stage's own USER and before the earlier stage's.
    """
    parts = doc.chain(stage)
    for position, part in enumerate(parts):
        users = [i for i in part.instructions if i.keyword == "USER" and i.args]
        if not users and position + 1 < len(parts):
            parent = parts[position + 1]
            users = [i for i in parent.instructions if i.keyword == "ONBUILD" and i.trigger == "USER" and i.args]
            part = parent if users else part
        if users:
            last = users[-1]
            try:
                text = substitute(last.args[0], part.variables)
            except Unresolved:
                return ImageUserSetting(None, last.args[0], last, part)
            return ImageUserSetting(text.split(":", 1)[0], text, last, part)
    return None


def env_pairs(instruction: Instruction, variables: dict[str, str | None]) -> dict[str, str | None]:
    """``ENV a=1 b=2`` and the legacy ``ENV a 1`` (the parser gives key, value, key, value...).

    Every value is expanded with the variables in effect before the instruction: a pair does not
    see the pairs before it in the same ENV (the Dockerfile reference's "Environment replacement":
    after ``ENV abc=hello``, ``ENV abc=bye def=$abc`` sets def to hello; BuildKit expands the whole
    instruction with the stage's environment before it runs).
    """
    args = instruction.args
    pairs: dict[str, str | None] = {}
    budget = getattr(variables, "budget", None)
    escape = getattr(variables, "escape", "\\")
    for key, value in zip(args[::2], args[1::2], strict=False):
        try:
            pairs[key] = substitute(value, variables, budget, escape)
        except ExpansionTooLarge as exc:
            pairs[key] = None
            if budget is not None:
                budget.record(instruction, exc, key)
        except Unresolved:
            pairs[key] = None
    return pairs


class _NothingSet(dict):
    """An environment in which every variable is set and empty (BuildKit lexes --from with no variables)."""

    def get(self, key: object, default: object = None) -> str:
        return ""


def copy_from_expands(word: str) -> bool:
    """Whether a ``COPY --from`` value expands a variable, which BuildKit refuses (toCommand in
    dockerfile2llb/convert.go, BuildKit 0.24 and later: "variable expansion is not supported for --from")."""
    if "$" not in word:
        return False
    try:
        return substitute(word, _NothingSet()) != word
    except Unresolved:
        return True


def base_image_stages(doc: DockerfileDoc) -> Iterator[tuple[Stage, ImageReference]]:
    """The stages whose FROM names a valid image (not scratch, not an earlier stage, not an
    unresolved variable), with that image; an invalid one is invalid-base-image's finding."""
    for stage in base_images(doc):
        try:
            yield stage, parse_image(stage.base)
        except ImageError:
            pass


def base_images(doc: DockerfileDoc) -> Iterator[Stage]:
    """Stages whose FROM names an image: not scratch, not an earlier stage, not an unresolved variable."""
    earlier: set[str] = set()
    for stage in doc.stages:
        if stage.resolved and stage.base.lower() != "scratch" and stage.base.lower() not in earlier:
            yield stage
        if stage.alias:
            earlier.add(stage.alias)
