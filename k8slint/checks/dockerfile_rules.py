"""Dockerfile rules: DF002-DF006 (the image as built)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from k8slint.context import RuleContext
from k8slint.findings import Problem
from k8slint.model.dockerbuild import BuiltContainer
from k8slint.model.dockerfile import DockerfileDoc, Instruction, Stage, Unresolved, copy_from_expands, substitute
from k8slint.model.images import WINDOWS_BASE
from k8slint.model.numbers import ascii_int, is_ascii_digits
from k8slint.registry import dockerfile_check

# Windows base images (the kubelet checks runAsUserName on Windows nodes, not runAsNonRoot)
_ARCHIVE = re.compile(r"\.(tar|tar\.gz|tgz|tar\.bz2|tbz2?|tar\.xz|txz|tar\.zst)$", re.IGNORECASE)
_REMOTE = re.compile(r"^(https?://|git@|git://|ssh://)", re.IGNORECASE)


def chain(doc: DockerfileDoc, stage: Stage | None) -> list[Stage]:
    """A stage and the earlier stages it builds on (``FROM builder``), nearest first."""
    found: list[Stage] = []
    while stage is not None and stage not in found:
        found.append(stage)
        stage = next((s for s in doc.stages[: stage.index] if s.alias and s.alias == stage.base.lower()), None)
    return found


def _final_instructions(doc: DockerfileDoc, keyword: str, stage: Stage | None = None) -> list[tuple[Stage, Instruction]]:
    """The instructions of ``keyword`` in effect for the image built to ``stage`` (the final one by default)."""
    for part in chain(doc, stage if stage is not None else doc.final_stage()):
        found = [(part, i) for i in part.instructions if i.keyword == keyword]
        if found:
            return found
    return []


def _runs_nothing(doc: DockerfileDoc, stage: Stage) -> bool:
    """Whether the image is files only: a chain from scratch with no CMD or ENTRYPOINT (build
    artifacts exported with ``--output``, or copied from by other builds), so no process runs as root."""
    parts = chain(doc, stage)
    if parts[-1].base.lower() != "scratch":
        return False
    return not any(i.keyword in ("CMD", "ENTRYPOINT") for part in parts for i in part.instructions)


def _onbuild_user(stage: Stage) -> str | None:
    """The user an ``ONBUILD USER`` of the stage gives every image built from it (a base image's way)."""
    users = [i for i in stage.instructions if i.keyword == "ONBUILD" and i.trigger == "USER" and i.args]
    if not users:
        return None
    try:
        return substitute(users[-1].args[0], stage.variables).split(":", 1)[0]
    except Unresolved:
        return ""


@dockerfile_check("DF002")
def root_user(doc: DockerfileDoc, ctx: RuleContext) -> Iterator[Problem]:
    for stage in doc.built_stages():
        problem = _root_user(doc, stage)
        if problem is not None:
            yield problem


def _root_user(doc: DockerfileDoc, stage: Stage) -> Problem | None:
    from k8slint.model.baseusers import known_user, local_image

    if _runs_nothing(doc, stage):
        return None
    onbuild = _onbuild_user(stage)
    if onbuild is not None and onbuild not in ("root", "0"):
        return None  # a base image: every image built from it switches to that user first
    which = "the final stage" if stage is doc.stages[-1] else f"the target stage {stage.alias or stage.index}"
    user = doc.user_in_effect(stage)
    root = chain(doc, stage)[-1]
    if WINDOWS_BASE.search(root.base):
        return None  # Windows images have no root: ContainerUser or ContainerAdministrator, and runAsNonRoot does not apply
    if user is None:
        if root.resolved and known_user(root.base) is not None:
            return None  # a base image whose configured user is not root
        if root.resolved and local_image(root.base):
            return None  # a locally built image (no registry, no namespace, no official image): its user is unknown
        return Problem(
            f"{which} sets no USER, so the container runs as the base image's user (root for most images)",
            location=doc.location(stage.instruction.line),
        )
    if user.name in ("root", "0"):
        return Problem(f"{which} runs as {user.text!r}, which is root", location=doc.location(user.instruction.line))
    return None


@dockerfile_check("DF003")
def shell_form_entrypoint(doc: DockerfileDoc, ctx: RuleContext) -> Iterator[Problem]:
    seen: set[int] = set()
    for stage in doc.built_stages():
        for keyword in ("ENTRYPOINT", "CMD"):
            found = _final_instructions(doc, keyword, stage)
            if not found:
                continue
            _, instruction = found[-1]
            problem = _shell_pid1(keyword, instruction)
            if problem is not None and _busybox_execs_last(doc, instruction, stage):
                problem = None
            if problem is not None and instruction.line not in seen:
                seen.add(instruction.line)
                yield Problem(problem, location=doc.location(instruction.line))
            if keyword == "ENTRYPOINT" and not instruction.json_form:
                break  # a shell-form ENTRYPOINT ignores CMD


# A word of a shell script that keeps the shell around after its last command (or puts the
# command out of the shell's own process): a pipe, a background job, a subshell, a trap.
_KEEPS_SHELL = re.compile(r"\||(?<![&>])&(?![&>])|[()`]|\$\(|\btrap\b")


def _busybox_execs_last(doc: DockerfileDoc, instruction: Instruction, final: Stage) -> bool:
    """Whether the shell is BusyBox ash (an Alpine or BusyBox base), which replaces itself with the
    last command of a ``-c`` script when that command is a simple one: then the program is PID 1.

    Measured with BusyBox 1.35: ``busybox sh -c 'X=1; sleep 3'`` leaves ``sleep`` as the process;
    Debian's dash 0.5.12 keeps itself as the parent (so Debian and Ubuntu bases keep the finding).
    """
    from k8slint.model.shellcmd import shell_script

    root = chain(doc, final)[-1]
    if not root.resolved:
        return False
    from k8slint.model.images import ImageError, parse_image

    try:
        reference = parse_image(root.base)
    except ImageError:
        return False
    last, tag = reference.path.rsplit("/", 1)[-1], reference.tag or ""
    if last not in ("alpine", "busybox") and "alpine" not in tag and "busybox" not in tag:
        return False
    script = shell_script(instruction.args) if instruction.json_form else (instruction.args[0] if instruction.args else None)
    return script is not None and _KEEPS_SHELL.search(script) is None


# What makes a -c script more than one simple command without redirections: operators,
# redirections, subshells, substitutions, a newline, a trap, a compound command's keyword.
_NOT_LONE = re.compile(r"[;&|()<>`\n]|\$\(|^\s*(?:trap|if|for|while|until|case|select|function|\{|\[\[|!)(?:\s|$)")


# A trap on SIGTERM (trap 'kill $pid' TERM, trap exit INT HUP TERM, trap - SIGTERM 15): the shell
# runs the handler when the kubelet stops the container, so it does not wait for SIGKILL.
_TRAPS_TERM = re.compile(
    r"\btrap\s+(?:'[^']*'|\"[^\"]*\"|\S+)(?:\s+(?:INT|HUP|QUIT|EXIT|SIGINT|SIGHUP|SIGQUIT|[0-9]+))*\s+(?:SIG)?TERM\b|\btrap\s+(?:'[^']*'|\"[^\"]*\"|\S+)(?:\s+\S+)*?\s+15\b"
)


def _lone_simple_command(script: str) -> bool:
    return bool(script.strip()) and _NOT_LONE.search(script) is None


def _shell_pid1(keyword: str, instruction: Instruction) -> str | None:
    """Why the command may leave a shell as PID 1, or None when the program itself is PID 1 (or may be)."""
    from k8slint.model.shellcmd import execs_program, shell_script

    if instruction.json_form:
        line = shell_script(instruction.args)
        if line is None or execs_program(line):
            return None
        if instruction.args[0].rsplit("/", 1)[-1] == "bash" and _lone_simple_command(line):
            return None  # bash -c execs a lone simple command (should_suppress_fork in bash's builtins/evalstring.c)
        if _TRAPS_TERM.search(line):
            return None  # the script handles SIGTERM itself (trap ... TERM; sleep & wait)
        how = f"runs its command through {instruction.args[0]} {instruction.args[1]}"
    elif execs_program(instruction.args[0] if instruction.args else ""):
        return None  # exec replaces the shell: the program is PID 1 and gets SIGTERM
    elif _TRAPS_TERM.search(instruction.args[0] if instruction.args else ""):
        return None  # the script handles SIGTERM itself
    else:
        how = "is in shell form: it runs under /bin/sh -c"
    return (
        f"{keyword} {how}; the shell stays PID 1 unless it replaces itself with the program, and it does not "
        "pass SIGTERM on, so a Kubernetes shutdown may wait for the grace period and end in SIGKILL "
        "(start the command with exec, or use the JSON form)"
    )


@dockerfile_check("DF004")
def unknown_stage(doc: DockerfileDoc, ctx: RuleContext) -> Iterator[Problem]:
    aliases = {s.alias: s.index for s in doc.stages if s.alias}
    for name in doc.unknown_targets:
        names = ", ".join(sorted(aliases)) or "none has a name"
        yield Problem(
            f"the config builds an image from this Dockerfile to the target stage {name!r}, which no stage is named "
            f"(stages: {names}): the build fails (BuildKit: target stage {name!r} could not be found)",
            location=doc.location(doc.stages[0].instruction.line if doc.stages else 1),
        )
    for stage in doc.stages:
        target = aliases.get(stage.base.lower())
        if target is not None and target >= stage.index:
            yield Problem(
                f"FROM {stage.base} names a stage that is only defined later (stage {target})",
                location=doc.location(stage.instruction.line),
            )
        for instruction in stage.instructions:
            source = instruction.flag("from") if instruction.keyword in ("COPY", "ADD") else None
            if source is None or (instruction.keyword == "COPY" and copy_from_expands(source)):
                continue  # BuildKit refuses a variable in COPY --from: dockerfile-syntax's finding
            try:
                source = substitute(source, stage.variables)
            except Unresolved:
                continue
            if is_ascii_digits(source):
                if ascii_int(source, 9) is None or int(source) >= stage.index:
                    yield Problem(
                        f"COPY --from={source} refers to stage {source}, but only stages 0-{stage.index - 1} come before it"
                        if stage.index
                        else f"COPY --from={source} in the first stage: there is no earlier stage",
                        location=doc.location(instruction.line),
                    )
            elif not any(c in source for c in "/:@") and aliases.get(source.lower(), stage.index) >= stage.index:
                yield _unknown_copy_source(doc, stage, instruction, source, aliases)


def _unknown_copy_source(doc: DockerfileDoc, stage: Stage, instruction: Instruction, source: str, aliases: dict[str, int]) -> Problem:
    """BuildKit takes a later stage's name as that stage, and any other name as an image of docker.io/library."""
    import difflib

    where = doc.location(instruction.line)
    if aliases.get(source.lower()) == stage.index:
        return Problem(
            f"COPY --from={source} names the stage it is in: BuildKit fails (circular dependency detected on stage: {source.lower()})",
            location=where,
        )
    if source.lower() in aliases:
        return Problem(
            f"COPY --from={source} names a stage defined only later; BuildKit builds it, older builders refuse it",
            location=where,
            variant="later-stage",
        )
    earlier = sorted(a for a, i in aliases.items() if i < stage.index)
    misspelt = difflib.get_close_matches(source.lower(), earlier, n=1, cutoff=0.75)
    if misspelt:
        return Problem(
            f"COPY --from={source} names no stage; did you mean {misspelt[0]}? (earlier stages: {', '.join(earlier)})", location=where
        )
    return Problem(
        f"COPY --from={source} names no earlier stage (earlier stages: {', '.join(earlier) or 'none'}); "
        f"BuildKit pulls it as the image docker.io/library/{source.lower()}:latest",
        location=where,
        variant="taken-as-image",
    )


@dockerfile_check("DF005")
def add_instead_of_copy(doc: DockerfileDoc, ctx: RuleContext) -> Iterator[Problem]:
    for stage in doc.stages:
        for instruction in stage.instructions:
            if instruction.keyword != "ADD" or instruction.heredocs_only:
                continue
            sources = instruction.args[:-1]
            if not sources or instruction.flag("checksum") or instruction.flag("keep-git-dir"):
                continue
            expanded = _expanded_sources(sources, stage)
            if expanded is None or any(_REMOTE.match(s) or _GIT_REF.search(s) or _ARCHIVE.search(s) for s in expanded):
                continue  # ADD fetches URLs and git repositories and unpacks local archives; COPY does none of it
            yield Problem(
                f"ADD {' '.join(sources)} copies local files: COPY does the same without ADD's URL and archive magic",
                location=doc.location(instruction.line),
            )


# BuildKit's ADD takes a source as a git repository when it parses as a git URL (gitutil.ParseGitRef
# in dockerfile2llb/convert.go): a URL with a scheme, git@host:path, or a host/path with a
# #ref fragment such as github.com/owner/repo.git#v1.
_GIT_REF = re.compile(r"^[A-Za-z0-9.-]+\.[A-Za-z]{2,}(?::[0-9]+)?/\S+#", re.IGNORECASE)


def _expanded_sources(sources: tuple[str, ...], stage: Stage) -> list[str] | None:
    """The sources with the stage's ARG and ENV values substituted (BuildKit expands ADD's words);
    None when one is unknown before the build (``ADD ${REPO}#main /src`` may fetch a repository)."""
    try:
        return [substitute(source, stage.variables) for source in sources]
    except Unresolved:
        return None


@dockerfile_check("DF006")
def missing_healthcheck(doc: DockerfileDoc, ctx: RuleContext) -> Iterator[Problem]:
    # Kubernetes ignores HEALTHCHECK: the finding is only for an image the linted manifests run
    # (linked by the config or a folder name) in a long-running container without probes.
    for final in doc.built_stages():
        if _final_instructions(doc, "HEALTHCHECK", final):
            continue
        built = [b for b in ctx.builds.containers_of(doc) if (b.stage or doc.final_stage()) is final]
        problem = _unprobed(doc, final, built)
        if problem is not None:
            yield problem


def _unprobed(doc: DockerfileDoc, final: Stage, built: list[BuiltContainer]) -> Problem | None:
    from k8slint.findings import Related

    location = doc.location(final.instruction.line)
    serving = [b for b in built if _long_running(b)]
    unprobed = [b for b in serving if not ("readinessProbe" in b.container.data or "livenessProbe" in b.container.data)]
    if not unprobed:
        return None  # Kubernetes probes every long-running container built from it; the others run to completion
    names = [f"{b.obj.describe()} container {b.container.name!r}" for b in unprobed]
    shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
    # The link is k8slint's inference (a folder name can match a Dockerfile that builds something
    # else, such as build artifacts): the message says what it rests on, so a wrong link shows.
    basis = "; ".join(sorted({b.how for b in serving}))
    probed = len(serving) - len(unprobed)
    if len(serving) == 1:
        claim = (
            f"the one long-running Kubernetes container whose image is linked to it ({basis}) has no readiness or liveness probe: {shown}"
        )
    else:
        how_many = "none" if probed == 0 else f"only {probed}"
        claim = (
            f"{how_many} of the {len(serving)} long-running Kubernetes containers whose image is linked to it ({basis}) "
            f"{'has' if probed <= 1 else 'have'} a readiness or liveness probe; without one: {shown}"
        )
    return Problem(
        f"the image has no HEALTHCHECK, and {claim}",
        location=location,
        related=tuple(
            Related(b.obj.locate(b.container.path), f"container {b.container.name!r} of {b.obj.describe()} has no probes") for b in unprobed
        ),
    )


_COMPLETION_KINDS = frozenset({"Job", "CronJob"})


def _long_running(built: BuiltContainer) -> bool:
    """Whether the container keeps running (not a Job's, a run-to-completion Pod's or an init container)."""
    from k8slint.model.workloads import pod_spec

    if built.container.group != "containers" and built.container.data.get("restartPolicy") != "Always":
        return False  # an init container runs to completion, unless it is a sidecar (restartPolicy: Always)
    if built.obj.kind in _COMPLETION_KINDS:
        return False
    found = pod_spec(built.obj.data) if isinstance(built.obj.data, dict) else None
    return found is None or found[1].get("restartPolicy") not in ("Never", "OnFailure")
