"""DF014 dockerfile-duplicate-stage: two stages of one Dockerfile with the same name.

BuildKit's linter warns (DuplicateStageName, validateStageNames in
frontend/dockerfile/dockerfile2llb/validations.go). The build goes on, but
names resolve in two ways: ``FROM name`` takes the last stage of that name
defined before it, while ``COPY --from=name`` and ``--target name`` take the
last one in the file (dispatchStates.addState keeps the last, and --from is
resolved once every stage is added), so a COPY between the two copies from
the later stage.
"""

from __future__ import annotations

from collections.abc import Iterator

from k8slint.context import RuleContext
from k8slint.findings import Problem, Related
from k8slint.model.dockerfile import DockerfileDoc, Stage
from k8slint.registry import dockerfile_check


@dockerfile_check("DF014")
def duplicate_stage(doc: DockerfileDoc, ctx: RuleContext) -> Iterator[Problem]:
    first: dict[str, Stage] = {}
    for stage in doc.stages:
        if stage.alias is None:
            continue
        earlier = first.setdefault(stage.alias, stage)
        if earlier is stage:
            continue
        yield Problem(
            f"stage name {stage.alias!r} is already the name of the stage at line {earlier.instruction.line}: "
            f"COPY --from={stage.alias} and --target {stage.alias} take the last stage of that name, "
            "FROM the last one before it",
            location=doc.location(stage.instruction.line),
            related=(Related(doc.location(earlier.instruction.line), f"the first stage named {stage.alias!r}"),),
        )
