"""DF015 dockerfile-secret-in-build-arg: an ARG or ENV named as a credential with a literal value.

An ARG's value is recorded in the image history (``docker history``) of every
stage that uses it, and an ENV's in the image config, which anyone who can pull
the image reads. BuildKit's own linter warns about such names
(SecretsUsedInArgOrEnv, validations.go); this rule reports only a name whose
value the Dockerfile itself writes down, and that is a credential as written:
not a reference to a build argument, a switch, a file path or a placeholder.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from k8slint.context import RuleContext
from k8slint.findings import Problem
from k8slint.model.credentials import is_credential_name, is_literal_secret
from k8slint.model.dockerfile import DockerfileDoc, Instruction, Unresolved, substitute
from k8slint.model.placeholders import value_placeholder
from k8slint.registry import dockerfile_check

# Values that stand for a credential to be given (ARG API_KEY=changeme, ENV TOKEN=your-token-here).
_PLACEHOLDER_WORDS = re.compile(
    r"change[-_ ]?me|replace[-_ ]?me|placeholder|dummy|redacted|your[-_ ]|x{3,}|\*{3,}|\.{3}|^(?:none|null|nil|undefined|unset|-)$",
    re.IGNORECASE,
)


def _literal(raw: str, escape: str) -> str | None:
    """The value as written, quotes removed; None when it refers to a variable."""
    if "$" in raw:
        return None
    try:
        return substitute(raw, {}, escape=escape)
    except Unresolved:
        return None


def _pairs(instruction: Instruction) -> Iterator[tuple[str, str]]:
    """(name, raw value) of each ARG name=value or ENV pair."""
    if instruction.keyword == "ARG":
        for arg in instruction.args:
            name, equals, default = arg.partition("=")
            if equals:
                yield name, default
    else:
        yield from zip(instruction.args[::2], instruction.args[1::2], strict=False)


@dockerfile_check("DF015")
def secret_in_build_arg(doc: DockerfileDoc, ctx: RuleContext) -> Iterator[Problem]:
    escape = getattr(doc.stages[0].variables, "escape", "\\") if doc.stages else "\\"
    for instruction in doc.instructions:
        if instruction.keyword not in ("ARG", "ENV"):
            continue
        for name, raw in _pairs(instruction):
            if not is_credential_name(name):
                continue
            value = _literal(raw, escape)
            if value is None or not is_literal_secret(value) or _PLACEHOLDER_WORDS.search(value):
                continue
            if value_placeholder(value, caps=True) is not None:
                continue  # ARG API_KEY=YOUR_API_KEY, <token>
            where = (
                "the image history (docker history) records it"
                if instruction.keyword == "ARG"
                else "the image config holds it, for anyone who can pull the image"
            )
            yield Problem(
                f"{instruction.keyword} {name} has a literal credential as its value: {where}",
                location=doc.location(instruction.line),
            )
