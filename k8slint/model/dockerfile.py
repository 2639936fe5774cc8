"""A Dockerfile as the rules and the build map read it: instructions, stages, variables.

Values are substituted into words the way BuildKit does (``$VAR``,
``${VAR:-default}``), within a budget per file, so that
``FROM python:${PY_VERSION}-slim`` is read as the image it names. Parsing the
text into instructions is the loader's (k8slint.sources.dockerfiles).
"""

from __future__ import annotations

import os
import re
from collections import ChainMap
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from k8slint.findings import Location
from k8slint.model.images import ImageError, ImageReference, parse_image
from k8slint.model.objects import SourceFile

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

MAX_EXPANDED_WORD = 64 * 1024
"""Characters one word may expand to (an ARG, an ENV value, a FROM image, an EXPOSE argument)."""
MAX_EXPANDED_FILE = 1024 * 1024
"""Characters all the expansions the builder makes in one Dockerfile may add up to."""


class Unresolved(Exception):
    """A variable without a value: the text cannot be known before the build."""


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
    """ARG and ENV values in effect, with the expansion budget of their Dockerfile."""

    __slots__ = ("budget",)

    def __init__(self, budget: ExpansionBudget | None = None) -> None:
        super().__init__()
        self.budget = budget


def substitute(text: str, variables: Mapping[str, str | None], budget: ExpansionBudget | None = None) -> str:
    """Expand ``$VAR``, ``${VAR}``, ``${VAR:-default}`` and ``${VAR:+alternative}`` as BuildKit does.

    Raises :class:`Unresolved` for a variable that has no value (an ``ARG``
    without a default), so that callers never check a guess, and
    :class:`ExpansionTooLarge` (an :class:`Unresolved`) when the result would
    pass :data:`MAX_EXPANDED_WORD` characters or the budget of the file (that
    of ``variables`` when they are :class:`Variables`) is spent.
    """
    if budget is None:
        budget = getattr(variables, "budget", None)
    return _expand(text, variables, budget)


def _expand(text: str, variables: Mapping[str, str | None], budget: ExpansionBudget | None) -> str:
    # A hand-written scan: a regex with ``\{name[^}]*\}`` rescanned to the end of the text
    # from every "${" when no "}" follows (quadratic). Here the search for "}" is done
    # at most once past the last "}" of the text.
    out: list[str] = []
    size = 0
    position, length = 0, len(text)
    no_brace_from = length + 1  # no "}" at or after this offset

    def emit(piece: str) -> None:
        nonlocal size
        size += len(piece)
        if size > MAX_EXPANDED_WORD:
            raise ExpansionTooLarge(f"expanding variables here makes more than {MAX_EXPANDED_WORD:,} characters")
        if budget is not None:
            budget.charge(len(piece))
        out.append(piece)

    while True:
        dollar = text.find("$", position)
        if dollar < 0:
            emit(text[position:])
            return "".join(out)
        emit(text[position:dollar])
        if text.startswith("{", dollar + 1):
            name = _NAME.match(text, dollar + 2)
            close = -1
            if name is not None and name.end() < no_brace_from:
                close = text.find("}", name.end())
                if close < 0:
                    no_brace_from = name.end()
            if name is None or close < 0:
                emit("$")  # not a variable: the "$" stays, the scan goes on after it
                position = dollar + 1
                continue
            emit(_braced(name.group(), text[name.end() : close], variables))
            position = close + 1
            continue
        name = _NAME.match(text, dollar + 1)
        if name is None:
            emit("$")
            position = dollar + 1
            continue
        value = variables.get(name.group())
        if value is None:
            raise Unresolved(name.group())
        emit(value)
        position = name.end()


def _braced(name: str, rest: str, variables: Mapping[str, str | None]) -> str:
    """``${name<rest>}``: rest is empty, or an operator and its word (which holds no "}")."""
    op = rest[:2] if rest.startswith((":-", ":+")) else rest[:1] if rest.startswith(("-", "+")) else ""
    word = rest[len(op) :]
    value = variables.get(name)
    # the word is expanded alone: its size is bounded by MAX_EXPANDED_WORD, and counted once the result is emitted
    if op in (":-", "-"):
        return value if value not in (None, "") or (op == "-" and value is not None) else _expand(word, variables, None)
    if op in (":+", "+"):
        return _expand(word, variables, None) if value not in (None, "") else ""
    if value is None:
        raise Unresolved(name)
    return value


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


@dataclass(slots=True, eq=False)
class DockerfileDoc:
    """A parsed Dockerfile: the subject of the Dockerfile rules."""

    file: SourceFile
    instructions: list[Instruction]
    stages: list[Stage]
    global_args: dict[str, str | None]
    budget: ExpansionBudget = field(default_factory=ExpansionBudget)
    """What the rules may still expand (loading's own expansions are behind it)."""

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
        return self.stages[-1] if self.stages else None

    def env(self, stage: Stage) -> dict[str, str | None]:
        """Environment variables the image sets (ENV of the stage and of the stages it builds on)."""
        chain: list[Stage] = []
        current: Stage | None = stage
        while current is not None and current not in chain:
            chain.append(current)
            current = next((s for s in self.stages[: current.index] if s.alias and s.alias == current.base.lower()), None)
        found: dict[str, str | None] = {}
        for part in reversed(chain):
            for instruction in part.instructions:
                if instruction.keyword == "ENV":
                    found.update(env_pairs(instruction, part.variables))
        return found


def env_pairs(instruction: Instruction, variables: dict[str, str | None]) -> dict[str, str | None]:
    """``ENV a=1 b=2`` and the legacy ``ENV a 1`` (the parser gives key, value, key, value...)."""
    args = instruction.args
    pairs: dict[str, str | None] = {}
    budget = getattr(variables, "budget", None)
    in_effect = ChainMap(pairs, variables)  # a later pair sees the earlier ones, without a copy per pair
    for key, value in zip(args[::2], args[1::2], strict=False):
        value = _unquote(value)
        try:
            pairs[key] = substitute(value, in_effect, budget)
        except ExpansionTooLarge as exc:
            pairs[key] = None
            if budget is not None:
                budget.record(instruction, exc, key)
        except Unresolved:
            pairs[key] = None
    return pairs


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value


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
