"""Dockerfiles parsed with BuildKit's own parser (the ``dockerfile`` package).

Line continuations, heredocs, the ``escape`` directive and JSON versus shell
form are the parser's business; this module adds what linting needs on top:
build stages with their aliases, and ``ARG``/``ENV`` values substituted into
``FROM``, ``EXPOSE`` and ``ENV`` the way the builder does, so that
``FROM python:${PY_VERSION}-slim`` is checked as the image it names. What it
builds (:class:`~k8slint.model.dockerfile.DockerfileDoc`, its stages and the
substitution) is the model's, in k8slint.model.dockerfile.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Any

from k8slint import rulecodes
from k8slint.findings import Location, Problem
from k8slint.model.dockerfile import (
    MAX_EXPANDED_FILE,
    NO_BUILD_OPTIONS,
    BadSubstitution,
    DockerBuild,
    DockerfileDoc,
    ExpansionBudget,
    ExpansionTooLarge,
    Instruction,
    Stage,
    Unresolved,
    Variables,
    copy_from_expands,
    env_pairs,
    substitute,
)
from k8slint.model.objects import SourceFile
from k8slint.rulecodes import Emitted

INSTRUCTIONS = frozenset(
    {
        "ADD",
        "ARG",
        "CMD",
        "COPY",
        "ENTRYPOINT",
        "ENV",
        "EXPOSE",
        "FROM",
        "HEALTHCHECK",
        "LABEL",
        "MAINTAINER",
        "ONBUILD",
        "RUN",
        "SHELL",
        "STOPSIGNAL",
        "USER",
        "VOLUME",
        "WORKDIR",
    }
)
_HEREDOC = re.compile(r"<<(-?)[\"']?([A-Za-z_][A-Za-z0-9_]*)[\"']?")

RULE_EXPANSIONS = 8
"""After loading, rules may expand the file's words again: this many times the file's budget."""
EXPANDED_BY_BUILDER = frozenset({"ADD", "COPY", "EXPOSE", "LABEL", "STOPSIGNAL", "USER", "VOLUME", "WORKDIR"})
"""Instructions whose words BuildKit expands, besides ARG, ENV and FROM (RUN, CMD and the like are the shell's)."""


def parse_dockerfile(source: SourceFile, build: DockerBuild = NO_BUILD_OPTIONS) -> tuple[DockerfileDoc | None, list[Emitted]]:
    """The parsed Dockerfile, or the ``dockerfile-syntax`` problem that stopped it.

    ``build`` gives the build arguments and targets the file is built with.
    """
    import dockerfile

    try:
        commands = dockerfile.parse_string(source.text)
    except dockerfile.GoParseError as exc:
        if "file with no instructions" in str(exc) and not _plain_name(source):
            problem = Problem(
                "the file has no instructions, only comments: a fragment that other files include, not a Dockerfile that builds",
                location=Location(source.display, 1, 1),
                variant="fragment",
            )
            return None, [(rulecodes.DOCKERFILE_SYNTAX, problem)]
        return None, [
            (
                rulecodes.DOCKERFILE_SYNTAX,
                Problem(_parse_message(exc), location=Location(source.display, _error_line(source.text, str(exc)), 1)),
            )
        ]
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
            (c.sub_cmd or "").upper(),
        )
        for c in commands
        if c.cmd  # a lone line continuation at the end of the file parses as a command without one
    ]
    template = template_line(instructions)
    if template is not None:
        return None, [(rulecodes.DOCKERFILE_SYNTAX, _template_problem(source, template))]
    fragment = _fragment_problem(source, instructions)
    if fragment is not None:
        return None, [(rulecodes.DOCKERFILE_SYNTAX, fragment)]
    problems: list[Emitted] = []
    for instruction in instructions:
        message = f"unknown instruction {instruction.keyword}" if instruction.keyword not in INSTRUCTIONS else argument_error(instruction)
        if message is not None:
            problems.append((rulecodes.DOCKERFILE_SYNTAX, Problem(message, location=Location(source.display, instruction.line, 1))))
    first = next((i for i in instructions if i.keyword != "ARG"), None)
    if not instructions:
        problems.append(
            (rulecodes.DOCKERFILE_SYNTAX, Problem("the Dockerfile has no instructions", location=Location(source.display, 1, 1)))
        )
    elif first is None or first.keyword != "FROM":
        where = first.line if first else instructions[0].line
        problems.append(
            (
                rulecodes.DOCKERFILE_SYNTAX,
                Problem("a Dockerfile must start with FROM (after optional ARGs)", location=Location(source.display, where, 1)),
            )
        )
    budget = ExpansionBudget()
    global_args, stages = _stages(instructions, budget, escape_character(source.text), build.build_args)
    _expand_as_the_builder(stages, budget)
    if budget.hits:
        problems.append((rulecodes.WORK_BUDGET_EXCEEDED, _budget_problem(source, budget)))
    budget.left = RULE_EXPANSIONS * MAX_EXPANDED_FILE
    targets, unknown = _targets(stages, build)
    return DockerfileDoc(source, instructions, stages, global_args, budget, targets, unknown), problems


def _targets(stages: list[Stage], build: DockerBuild) -> tuple[tuple[Stage, ...], tuple[str, ...]]:
    """The stages the build targets, and the config's targets that name none.

    BuildKit matches ``--target`` against stage names without regard to case
    (dockerfile2llb's toDispatchState); a flag's target that this file lacks
    is for the other Dockerfiles of the run.
    """
    by_name = {stage.alias: stage for stage in reversed(stages) if stage.alias}  # of a duplicate name, the first
    found: list[Stage] = []
    unknown: list[str] = []
    for name in build.targets:
        stage = by_name.get(name.lower())
        if stage is None:
            unknown.append(name)
        elif stage not in found:
            found.append(stage)
    for name in build.optional_targets:
        stage = by_name.get(name.lower())
        if stage is not None and stage not in found:
            found.append(stage)
    return tuple(found), tuple(dict.fromkeys(unknown))


# A template's own lines: Jinja's {% statements %}, {# comments #} and {{ expressions }}, Go
# templates' {{ actions }} (dotnet-docker's Cottle templates too), on a line of their own where
# an instruction would begin. No Dockerfile instruction starts with "{".
_TEMPLATE_START = re.compile(r"\{[{%#]")
_TEMPLATE_IN_FROM = re.compile(r"\{\{|\{%")


_WORD = re.compile(r"[A-Z]+")


def template_line(instructions: list[Instruction]) -> Instruction | None:
    """The first instruction that shows the file is a template, or None: a keyword that opens a
    template action, a FROM whose image is one, or an action in an instruction when a later line
    the action spans reads as an "instruction" that is no word (``"sha": ...``, ``],``)."""
    for instruction in instructions:
        if _TEMPLATE_START.match(instruction.keyword):
            return instruction
        if instruction.keyword == "FROM" and any(_TEMPLATE_IN_FROM.search(arg) for arg in instruction.args):
            return instruction
    if any(i.keyword not in INSTRUCTIONS and not _WORD.fullmatch(i.keyword) for i in instructions):
        return next((i for i in instructions if _TEMPLATE_IN_FROM.search(i.original)), None)
    return None


def _plain_name(source: SourceFile) -> bool:
    """Whether the file is named Dockerfile or Containerfile, nothing more (or is standard input)."""
    return os.path.basename(source.display).lower() in ("dockerfile", "containerfile", "-", "<stdin>")


def _fragment_problem(source: SourceFile, instructions: list[Instruction]) -> Problem | None:
    """One finding for a file with no FROM at all under a name such as Dockerfile.envs: a piece that
    other files include (or a template renders in), not a Dockerfile anything builds as it is."""
    if any(i.keyword == "FROM" for i in instructions) or not instructions:
        return None
    if _plain_name(source):
        return None
    return Problem(
        f"the file has no FROM: a fragment that other files include, not a Dockerfile that builds as it is "
        f"(its first instruction is {instructions[0].keyword} at line {instructions[0].line})",
        location=Location(source.display, instructions[0].line, 1),
        variant="fragment",
    )


def _template_problem(source: SourceFile, instruction: Instruction) -> Problem:
    shown = instruction.original.strip().splitlines()[0][:60]
    return Problem(
        f"this is a template, not a Dockerfile (template syntax at line {instruction.line}: {shown!r}); "
        "k8slint lints the Dockerfile it renders, not the template",
        location=Location(source.display, instruction.line, 1),
        variant="template",
    )


_AT_LEAST_ONE = frozenset({"ARG", "ENV", "EXPOSE", "HEALTHCHECK", "LABEL", "ONBUILD", "SHELL", "VOLUME"})
_EXACTLY_ONE = frozenset({"MAINTAINER", "STOPSIGNAL", "USER", "WORKDIR"})
_STAGE_NAME = re.compile(r"[a-z][a-z0-9-_.]*")
_ONBUILD_TRIGGER = re.compile(r"\s*ONBUILD\s+(\S+)", re.IGNORECASE)


def argument_error(instruction: Instruction) -> str | None:
    """What BuildKit's instruction parser (frontend/dockerfile/instructions/parse.go) says of the
    instruction's arguments, or None. It parses every instruction of the file before any stage is
    built, so each of these fails the build whatever the target."""
    keyword, args = instruction.keyword, instruction.args
    if keyword in _AT_LEAST_ONE and not args:
        return f"{keyword} requires at least one argument"
    if keyword in _EXACTLY_ONE and len(args) != 1:
        return f"{keyword} requires exactly one argument"
    if keyword == "VOLUME" and any(not arg.strip() for arg in args):
        return "VOLUME specified can not be an empty string"
    if keyword == "ONBUILD":
        trigger = _ONBUILD_TRIGGER.match(instruction.original)
        word = trigger.group(1).upper() if trigger else ""
        if word == "ONBUILD":
            return "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed"
        if word in ("MAINTAINER", "FROM"):
            return f"{word} isn't allowed as an ONBUILD trigger"
    if keyword in ("ADD", "COPY") and len(args) < 2:
        return f"{keyword} requires at least two arguments, but only one was provided. Destination could not be determined"
    source = instruction.flag("from") if keyword == "COPY" else None
    if source is not None and copy_from_expands(source):
        # toCommand in dockerfile2llb/convert.go (BuildKit 0.24 and later; earlier ones failed later in the build)
        return "variable expansion is not supported for --from, define a new stage with FROM using ARG from global scope as a workaround"
    if keyword == "HEALTHCHECK":
        kind = args[0].upper()
        if kind == "NONE":
            return "HEALTHCHECK NONE takes no arguments" if len(args) > 1 else None
        if kind != "CMD":
            return f"Unknown type {args[0].upper()!r} in HEALTHCHECK (try CMD)"
        return "Missing command after HEALTHCHECK CMD" if len(args) < 2 else None
    if keyword == "FROM":
        if len(args) == 3 and args[1].lower() == "as":
            if not _STAGE_NAME.fullmatch(args[2].lower()):
                return f"invalid name for build stage: {args[2]!r}, name can't start with a number or contain symbols"
        elif len(args) != 1:
            return "FROM requires either one or three arguments"
    return None


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


_DIRECTIVE = re.compile(r"#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(\S(?:.*\S)?)\s*")  # greedy: linear on a long line
_DIRECTIVES = frozenset({"syntax", "escape", "check"})


def escape_character(text: str) -> str:
    """The character the ``# escape=`` parser directive sets (a backslash without one).

    Directives are ``# name=value`` lines at the very top (BuildKit's
    parser/directives.go, DirectiveParser.ParseLine): the first line that is
    not one of syntax, escape or check ends them.
    """
    for line in text.lstrip("\ufeff").splitlines():
        found = _DIRECTIVE.fullmatch(line)
        if found is None or found.group(1).lower() not in _DIRECTIVES:
            break
        if found.group(1).lower() == "escape" and found.group(2) in ("\\", "`"):
            return found.group(2)
    return "\\"


def _stages(
    instructions: list[Instruction], budget: ExpansionBudget, escape: str = "\\", build_args: Mapping[str, str] | None = None
) -> tuple[dict[str, str | None], list[Stage]]:
    """The stages with their variables: ARG defaults, overridden by the build arguments of ARGs the
    file declares (dispatchArg in dockerfile2llb/convert.go: a build argument's value is taken as
    given, an undeclared one has no effect)."""
    given = build_args or {}
    global_args: dict[str, str | None] = Variables(budget, escape)
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
            stages.append(
                Stage(len(stages), base, resolved, alias.lower() if alias else None, instruction, variables=Variables(budget, escape))
            )
            continue
        if not stages:
            if instruction.keyword == "ARG":
                global_args.update(_arg_values(instruction, global_args, given))
            continue
        stage = stages[-1]
        stage.instructions.append(instruction)
        if instruction.keyword == "ARG":
            for name, value in _arg_values(instruction, stage.variables, given).items():
                # an ARG without a value in a stage takes the global default
                stage.variables[name] = value if value is not None else global_args.get(name)
        elif instruction.keyword == "ENV":
            stage.variables.update(env_pairs(instruction, stage.variables))
    return global_args, stages


def _arg_values(instruction: Instruction, variables: dict[str, str | None], given: Mapping[str, str]) -> dict[str, str | None]:
    values: dict[str, str | None] = {}
    for arg in instruction.args:
        name, equals, default = arg.partition("=")
        if name in given:
            values[name] = given[name]
            continue
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
        except (ExpansionTooLarge, BadSubstitution) as exc:
            out.append((arg, str(exc)))
        except Unresolved as exc:
            out.append((arg, f"${exc} has no value"))
    return out
