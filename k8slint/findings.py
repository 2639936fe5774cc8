"""The records a lint run produces: severities, locations and findings."""

from __future__ import annotations

import enum
import hashlib
from dataclasses import dataclass, field
from typing import Any


class Severity(enum.IntEnum):
    INFO = 1
    WARNING = 2
    ERROR = 3

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls[text.upper()]
        except KeyError:
            raise ValueError(f"unknown severity {text!r} (use error, warning or info)") from None

    def __str__(self) -> str:
        return self.name.lower()


Path = tuple[Any, ...]
"""A field path inside an object: mapping keys (str) and list indices (int)."""


def format_path(path: Path) -> str:
    """``("spec", "containers", 0, "image")`` -> ``spec.containers[0].image``."""
    out: list[str] = []
    for part in path:
        if isinstance(part, int):
            out.append(f"[{part}]")
        else:
            text = str(part)
            if out and (not text or any(c in text for c in ".[]")):
                out.append(f"[{text!r}]")
            else:
                out.append(f".{text}" if out else text)
    return "".join(out)


@dataclass(frozen=True, slots=True)
class ObjectRef:
    api_version: str | None
    kind: str | None
    name: str | None
    namespace: str | None

    def describe(self) -> str:
        kind = self.kind or "object"
        name = self.name if self.name is not None else "<unnamed>"
        return f"{kind} {self.namespace}/{name}" if self.namespace else f"{kind} {name}"

    def as_json(self) -> dict[str, Any]:
        return {
            "apiVersion": self.api_version,
            "kind": self.kind,
            "name": self.name,
            "namespace": self.namespace,
        }


@dataclass(frozen=True, slots=True)
class Location:
    """A place in an input file; line and column are 1-based."""

    file: str
    line: int
    column: int


@dataclass(frozen=True, slots=True)
class Related:
    """Another place that explains a finding (the object it refers to, say)."""

    location: Location
    message: str


@dataclass(frozen=True, slots=True)
class Finding:
    code: str
    rule: str
    severity: Severity
    message: str
    location: Location
    path: str | None = None
    object: ObjectRef | None = None
    hint: str | None = None
    source: str | None = None
    related: tuple[Related, ...] = ()
    snippet: str | None = field(default=None, compare=False)

    @property
    def sort_key(self) -> tuple[Any, ...]:
        loc = self.location
        return (loc.file, loc.line, loc.column, self.code, self.message)

    @property
    def fingerprint(self) -> str:
        """Stable across edits that only move lines: rule, object identity and field path."""
        obj = self.object
        identity = (
            (obj.api_version or "", obj.kind or "", obj.namespace or "", obj.name or "")
            if obj
            else ("", "", "", "")
        )
        anchor = self.path if self.path is not None else self.message
        text = "\x1f".join((self.code, self.location.file, *identity, anchor))
        # surrogatepass: a file name that is not UTF-8 (held as surrogate escapes) still has a fingerprint
        return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]


@dataclass(slots=True)
class Problem:
    """What a check reports; the engine turns it into a :class:`Finding`.

    ``subject`` is the object the user must edit (defaults to the object the
    check was given); ``path`` is the field inside it. A problem that is not
    about an object (a file that cannot be read) carries its ``location``.
    """

    message: str
    path: Path = ()
    hint: str | None = None
    subject: Any = None
    location: Location | None = None
    related: tuple[Related, ...] = ()
    severity: Severity | None = None
