"""Dockerfiles parsed with BuildKit's own parser (the ``dockerfile`` package).

Line continuations, heredocs, the ``escape`` directive and JSON versus shell
form are the parser's business; this module adds what linting needs on top:
build stages with their aliases, and ``ARG``/``ENV`` values substituted into
``FROM``, ``EXPOSE`` and ``ENV`` the way the builder does, so that
``FROM python:${PY_VERSION}-slim`` is checked as the image it names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from k8slint.findings import Location, Problem
from k8slint.sources.manifests import SourceFile

INSTRUCTIONS = frozenset(
    {
        "ADD", "ARG", "CMD", "COPY", "ENTRYPOINT", "ENV", "EXPOSE", "FROM", "HEALTHCHECK", "LABEL",
        "MAINTAINER", "ONBUILD", "RUN", "SHELL", "STOPSIGNAL", "USER", "VOLUME", "WORKDIR",
    }
)
_VARIABLE = re.compile(r"\$(?:\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?P<op>:?[-+])?(?P<word>[^}]*)\}|(?P<plain>[A-Za-z_][A-Za-z0-9_]*))")
_HEREDOC = re.compile(r"<<(-?)[\"']?([A-Za-z_][A-Za-z0-9_]*)[\"']?")


class Unresolved(Exception):
    """A variable without a value: the text cannot be known before the build."""


def substitute(text: str, variables: dict[str, str | None]) -> str:
    """Expand ``$VAR``, ``${VAR}``, ``${VAR:-default}`` and ``${VAR:+alternative}`` as BuildKit does.

    Raises :class:`Unresolved` for a variable that has no value (an ``ARG``
    without a default), so that callers never check a guess.
    """

    def replace(match: re.Match[str]) -> str:
        name = match.group("braced") or match.group("plain")
        op, word = match.group("op"), match.group("word") or ""
        value = variables.get(name)
        if op in (":-", "-"):
            return value if value not in (None, "") or (op == "-" and value is not None) else substitute(word, variables)
        if op in (":+", "+"):
            return substitute(word, variables) if value not in (None, "") else ""
        if value is None:
            raise Unresolved(name)
        return value

    return _VARIABLE.sub(replace, text)


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
    for key, value in zip(args[::2], args[1::2]):
        value = _unquote(value)
        try:
            pairs[key] = substitute(value, {**variables, **pairs})
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
    global_args, stages = _stages(instructions)
    return DockerfileDoc(source, instructions, stages, global_args), problems


def _stages(instructions: list[Instruction]) -> tuple[dict[str, str | None], list[Stage]]:
    global_args: dict[str, str | None] = {}
    stages: list[Stage] = []
    for instruction in instructions:
        if instruction.keyword == "FROM":
            words = [w for w in instruction.args if not w.startswith("--")]
            raw = words[0] if words else ""
            alias = words[2] if len(words) >= 3 and words[1].upper() == "AS" else None
            try:
                base, resolved = substitute(raw, global_args), True
            except Unresolved:
                base, resolved = raw, False
            stages.append(Stage(len(stages), base, resolved, alias.lower() if alias else None, instruction))
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
        except Unresolved:
            values[name] = None
    return values


def _parse_message(exc: Exception) -> str:
    return f"the Dockerfile cannot be parsed: {exc}"


def _error_line(text: str, message: str) -> int:
    match = re.search(r"line (\d+)", message)
    if match:
        return int(match.group(1))
    if "heredoc" in message:
        lines = text.splitlines()
        for number, line in enumerate(lines, start=1):
            for heredoc in _HEREDOC.finditer(line):
                word = heredoc.group(2)
                rest = lines[number:]
                ended = any((l.strip() if heredoc.group(1) else l) == word for l in rest)
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
        except Unresolved as exc:
            out.append((arg, f"${exc} has no value"))
    return out
