"""Dockerfiles parsed with BuildKit's own parser (the ``dockerfile`` package).

Line continuations, heredocs, the ``escape`` directive and JSON versus shell
form are the parser's business; this module adds what linting needs on top:
build stages with their aliases, and ``ARG``/``ENV`` values substituted into
``FROM``, ``EXPOSE`` and ``ENV`` the way the builder does, so that
``FROM python:${PY_VERSION}-slim`` is checked as the image it names.
"""

from __future__ import annotations

import re
from collections import ChainMap
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from k8slint.findings import Location, Problem
from k8slint.model.objects import SourceFile

INSTRUCTIONS = frozenset(
    {
        "ADD", "ARG", "CMD", "COPY", "ENTRYPOINT", "ENV", "EXPOSE", "FROM", "HEALTHCHECK", "LABEL",
        "MAINTAINER", "ONBUILD", "RUN", "SHELL", "STOPSIGNAL", "USER", "VOLUME", "WORKDIR",
    }
)
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_HEREDOC = re.compile(r"<<(-?)[\"']?([A-Za-z_][A-Za-z0-9_]*)[\"']?")


MAX_EXPANDED_WORD = 64 * 1024
"""Characters one word may expand to (an ARG, an ENV value, a FROM image, an EXPOSE argument)."""
MAX_EXPANDED_FILE = 1024 * 1024
"""Characters all the expansions the builder makes in one Dockerfile may add up to."""
RULE_EXPANSIONS = 8
"""After loading, rules may expand the file's words again: this many times the file's budget."""
EXPANDED_BY_BUILDER = frozenset({"ADD", "COPY", "EXPOSE", "LABEL", "STOPSIGNAL", "USER", "VOLUME", "WORKDIR"})
"""Instructions whose words BuildKit expands, besides ARG, ENV and FROM (RUN, CMD and the like are the shell's)."""


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

    __slots__ = ("left", "hits")

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


class Variables(dict):  # type: ignore[type-arg]
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
        return value if value not in (None, "") or (op == "-" and value is not None) else _expand(word, variables, None)  # type: ignore[return-value]
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
        import os

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


def is_dockerfile_name(name: str) -> bool:
    """Dockerfile, Containerfile, *.Dockerfile, Dockerfile.*, and names such as backend__Dockerfile."""
    if name.endswith((".dockerignore", ".yaml", ".yml", ".json", ".md", ".txt")):
        return False
    lowered = name.lower()
    return "dockerfile" in lowered or "containerfile" in lowered


def env_pairs(instruction: Instruction, variables: dict[str, str | None]) -> dict[str, str | None]:
    """``ENV a=1 b=2`` and the legacy ``ENV a 1`` (the parser gives key, value, key, value...)."""
    args = instruction.args
    pairs: dict[str, str | None] = {}
    budget = getattr(variables, "budget", None)
    in_effect = ChainMap(pairs, variables)  # a later pair sees the earlier ones, without a copy per pair
    for key, value in zip(args[::2], args[1::2]):
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


def parse_dockerfile(source: SourceFile) -> tuple[DockerfileDoc | None, list[tuple[str, Problem]]]:
    """The parsed Dockerfile, or the ``dockerfile-syntax`` problem that stopped it."""
    import dockerfile

    try:
        commands = dockerfile.parse_string(source.text)
    except dockerfile.GoParseError as exc:
        return None, [("dockerfile-syntax", Problem(_parse_message(exc), location=Location(source.display, _error_line(source.text, str(exc)), 1)))]
    instructions = [
        Instruction(
            c.cmd.upper(),
            c.start_line,
            c.end_line,
            tuple(c.value),
            tuple(c.flags),
            bool(c.json),
            c.original,
            bool(c.heredocs) and all(v.startswith("<<") for v in c.value[:-1]),
        )
        for c in commands
        if c.cmd  # a lone line continuation at the end of the file parses as a command without one
    ]
    problems: list[tuple[str, Problem]] = []
    for instruction in instructions:
        if instruction.keyword not in INSTRUCTIONS:
            problems.append(
                (
                    "dockerfile-syntax",
                    Problem(f"unknown instruction {instruction.keyword}", location=Location(source.display, instruction.line, 1)),
                )
            )
    first = next((i for i in instructions if i.keyword != "ARG"), None)
    if not instructions:
        problems.append(("dockerfile-syntax", Problem("the Dockerfile has no instructions", location=Location(source.display, 1, 1))))
    elif first is None or first.keyword != "FROM":
        where = first.line if first else instructions[0].line
        problems.append(
            ("dockerfile-syntax", Problem("a Dockerfile must start with FROM (after optional ARGs)", location=Location(source.display, where, 1)))
        )
    budget = ExpansionBudget()
    global_args, stages = _stages(instructions, budget)
    _expand_as_the_builder(stages, budget)
    if budget.hits:
        problems.append(("work-budget-exceeded", _budget_problem(source, budget)))
    budget.left = RULE_EXPANSIONS * MAX_EXPANDED_FILE
    return DockerfileDoc(source, instructions, stages, global_args, budget), problems


def _expand_as_the_builder(stages: list[Stage], budget: ExpansionBudget) -> None:
    """Expand, once, every word the builder would (ARG, ENV and FROM are done): loading measures what rules may expand."""
    for stage in stages:
        for instruction in stage.instructions:
            if instruction.keyword not in EXPANDED_BY_BUILDER:
                continue
            for word in (*instruction.args, *instruction.flags):
                try:
                    substitute(word, stage.variables)
                except ExpansionTooLarge as exc:
                    budget.record(instruction, exc)
                except Unresolved:
                    pass


def _budget_problem(source: SourceFile, budget: ExpansionBudget) -> Problem:
    line, what, why = budget.hits[0]
    more = len({hit[0] for hit in budget.hits}) - 1
    also = f"; {more} later instruction{'s' if more != 1 else ''} too" if more > 0 else ""
    return Problem(
        f"{what}: {why}, so k8slint stops expanding and treats the value as unknown{also}",
        location=Location(source.display, line, 1),
    )


def _stages(instructions: list[Instruction], budget: ExpansionBudget) -> tuple[dict[str, str | None], list[Stage]]:
    global_args: dict[str, str | None] = Variables(budget)
    stages: list[Stage] = []
    for instruction in instructions:
        if instruction.keyword == "FROM":
            words = [w for w in instruction.args if not w.startswith("--")]
            raw = words[0] if words else ""
            alias = words[2] if len(words) >= 3 and words[1].upper() == "AS" else None
            try:
                base, resolved = substitute(raw, global_args), True
            except ExpansionTooLarge as exc:
                budget.record(instruction, exc)
                base, resolved = raw, False
            except Unresolved:
                base, resolved = raw, False
            stages.append(Stage(len(stages), base, resolved, alias.lower() if alias else None, instruction, variables=Variables(budget)))
            continue
        if not stages:
            if instruction.keyword == "ARG":
                global_args.update(_arg_values(instruction, global_args))
            continue
        stage = stages[-1]
        stage.instructions.append(instruction)
        if instruction.keyword == "ARG":
            for name, value in _arg_values(instruction, stage.variables).items():
                # an ARG without a value in a stage takes the global default
                stage.variables[name] = value if value is not None else global_args.get(name)
        elif instruction.keyword == "ENV":
            stage.variables.update(env_pairs(instruction, stage.variables))
    return global_args, stages


def _arg_values(instruction: Instruction, variables: dict[str, str | None]) -> dict[str, str | None]:
    values: dict[str, str | None] = {}
    for arg in instruction.args:
        name, equals, default = arg.partition("=")
        if not equals:
            values[name] = None
            continue
        try:
            values[name] = substitute(default, variables)
        except ExpansionTooLarge as exc:
            values[name] = None
            if isinstance(variables, Variables) and variables.budget is not None:
                variables.budget.record(instruction, exc, name)
        except Unresolved:
            values[name] = None
    return values


def _parse_message(exc: Exception) -> str:
    return f"the Dockerfile cannot be parsed: {exc}"


def _error_line(text: str, message: str) -> int:
    match = re.search(r"line ([0-9]{1,9})\b", message)
    if match:
        return int(match.group(1))
    if "heredoc" in message:
        lines = text.splitlines()
        # the last line (0-based) equal to each word, as is and stripped: one pass, not one per heredoc
        last = {line: index for index, line in enumerate(lines)}
        last_stripped = {line.strip(): index for index, line in enumerate(lines)}
        for number, line in enumerate(lines, start=1):
            for heredoc in _HEREDOC.finditer(line):
                word = heredoc.group(2)
                ended = (last_stripped if heredoc.group(1) else last).get(word, -1) >= number
                if not ended:
                    return number
    return 1


def stage_names(doc: DockerfileDoc) -> set[str]:
    return {s.alias for s in doc.stages if s.alias}


def parsed_expose(instruction: Instruction, variables: dict[str, Any]) -> list[tuple[str, str | None]]:
    """Each EXPOSE argument substituted: (text, error) where error says why it is unknown."""
    out: list[tuple[str, str | None]] = []
    for arg in instruction.args:
        try:
            out.append((substitute(arg, variables), None))
        except ExpansionTooLarge as exc:
            out.append((arg, str(exc)))
        except Unresolved as exc:
            out.append((arg, f"${exc} has no value"))
    return out
