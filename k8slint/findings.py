"""The records a lint run produces: severities, locations and findings."""

from __future__ import annotations

import enum
import functools
import os
import re
from dataclasses import dataclass, field, replace
from typing import Any, Protocol, runtime_checkable

from k8slint.repository import repository_root

ELLIPSIS = "\u2026"
MESSAGE_LIMIT = 500
"""Characters kept of a message, a hint, a related-location message, a field path or a template name."""
SNIPPET_LIMIT = 200
"""Characters kept of the source line shown with a finding."""
VALUE_LIMIT = 100
"""Characters kept of a value quoted inside a message."""
IDENTITY_LIMIT = 320
"""Characters kept of an object's apiVersion, kind, namespace and name: more than any valid one has."""
RELATED_LIMIT = 20
"""Related locations kept per finding."""


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


FieldPath = tuple[str | int, ...]
"""A field path inside an object: mapping keys (str) and list indices (int)."""


def format_path(path: FieldPath) -> str:
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

    def clipped(self) -> ObjectRef:
        fields = (self.api_version, self.kind, self.name, self.namespace)
        if max(map(len, map(str, fields))) <= IDENTITY_LIMIT:  # str(None) is short too
            return self
        return ObjectRef(*(None if value is None else clip(value, IDENTITY_LIMIT) for value in fields))

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
    built_from: tuple[str, ...] = ()
    """The builds (kustomize roots, chart renders) whose output holds the finding; several when
    overlays inherit one base line."""
    snippet: str | None = field(default=None, compare=False)
    pinned_fingerprint: str | None = field(default=None, compare=False, repr=False)
    """The fingerprint of the finding as found, when clipping cut a value it is made of."""

    @property
    def sort_key(self) -> tuple[str, int, int, str, str]:
        loc = self.location
        return (loc.file, loc.line, loc.column, self.code, self.message)

    @property
    def fingerprint(self) -> str:
        """Stable across edits that only move lines: rule, object identity and field path."""
        if self.pinned_fingerprint is not None:
            return self.pinned_fingerprint
        return fingerprint_of(self.code, self.location.file, self.object, self.path, self.message)

    def clipped(self) -> Finding:
        """The finding with every text bounded, so that a report grows linearly with the findings.

        The fingerprint stays that of the values as found, so baselines match whatever was cut.
        """
        message = clip_message(self.message)
        path = _clip_optional(self.path, MESSAGE_LIMIT)
        obj = None if self.object is None else self.object.clipped()
        hint = None if self.hint is None else clip_message(self.hint)
        source = _clip_optional(self.source, MESSAGE_LIMIT)
        snippet = _clip_optional(self.snippet, SNIPPET_LIMIT)
        related = self.related
        if related and (len(related) > RELATED_LIMIT or any(clip_message(r.message) is not r.message for r in related)):
            related = tuple(Related(r.location, clip_message(r.message)) for r in related[:RELATED_LIMIT])
        # The clip functions return the very string when there is nothing to cut.
        if (
            message is self.message
            and path is self.path
            and obj is self.object
            and hint is self.hint
            and source is self.source
            and snippet is self.snippet
            and related is self.related
        ):
            return self
        identity_cut = message is not self.message or path is not self.path or obj is not self.object
        return replace(
            self,
            message=message,
            path=path,
            object=obj,
            hint=hint,
            source=source,
            related=related,
            snippet=snippet,
            pinned_fingerprint=self.fingerprint if identity_cut else self.pinned_fingerprint,
        )


def fingerprint_of(code: str, file: str, obj: ObjectRef | None, path: str | None, message: str) -> str:
    identity = (obj.api_version or "", obj.kind or "", obj.namespace or "", obj.name or "") if obj else ("", "", "", "")
    anchor = path if path is not None else message
    text = "\x1f".join((code, fingerprint_file(file, os.getcwd()), *identity, anchor))
    import hashlib  # here: only the JSON and SARIF reports and baselines need fingerprints, and OpenSSL takes 2 ms to load

    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]


@functools.lru_cache(maxsize=8192)
def fingerprint_file(file: str, cwd: str) -> str:
    """The file as a fingerprint names it: relative to the repository root (the folder holding
    ``.git`` above the working directory, else the working directory), so that ``k8s/a.yaml``,
    ``./k8s/a.yaml`` and its absolute path are one file to a baseline. A file outside the root
    keeps its absolute path; ``<stdin>`` and the like stay as they are."""
    if not file or file.startswith("<"):
        return file
    absolute = os.path.normpath(os.path.join(cwd, file))
    relative = os.path.relpath(absolute, _repository_root(cwd))
    if relative == os.pardir or relative.startswith(os.pardir + os.sep):
        return absolute.replace(os.sep, "/")
    return relative.replace(os.sep, "/")


@functools.lru_cache(maxsize=64)
def _repository_root(cwd: str) -> str:
    return str(repository_root(cwd) or os.path.abspath(cwd))


def one_line(exc: BaseException, limit: int = 200) -> str:
    """``Type: message`` on one line, cut to ``limit`` characters."""
    detail = " ".join(str(exc).split())
    text = f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__
    return clip(text, limit)


def clip(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, the last of them an ellipsis when cut
    (``text`` itself when it is short enough)."""
    return text if len(text) <= limit else text[: limit - 1] + ELLIPSIS


# A value a message quotes: in '...' or "..." (as repr() writes it), not an apostrophe
# inside a word. Each match stops at the next quote, so the scan is linear.
_QUOTED = re.compile(r"""(?<!\w)(['"])([^'"]{%d,})\1(?!\w)""" % (VALUE_LIMIT + 1))


def _clip_optional(text: str | None, limit: int) -> str | None:
    return None if text is None else clip(text, limit)


def clip_message(text: str) -> str:
    """A message with each long quoted value cut to VALUE_LIMIT, then the whole to MESSAGE_LIMIT
    (``text`` itself when there is nothing to cut: re.sub returns its input when nothing matched)."""
    if len(text) > VALUE_LIMIT:
        text = _QUOTED.sub(lambda m: m[1] + clip(m[2], VALUE_LIMIT) + m[1], text)
    return clip(text, MESSAGE_LIMIT)


class Subject(Protocol):
    """What a problem is about: a Kubernetes object, a Dockerfile or a chart (the model's types,
    which this module cannot import: the model builds on it)."""

    def describe(self) -> str: ...


@runtime_checkable
class Anchored(Protocol):
    """A subject with a place of its own (a Dockerfile, a chart), for problems that name no field."""

    def origin(self) -> Location: ...


@dataclass(slots=True)
class Problem:
    """What a check reports; the engine turns it into a :class:`Finding`.

    ``subject`` is the object the user must edit (defaults to the object the
    check was given); ``path`` is the field inside it. A problem that is not
    about an object (a file that cannot be read) carries its ``location``.
    """

    message: str
    path: FieldPath = ()
    hint: str | None = None
    subject: Subject | None = None
    location: Location | None = None
    related: tuple[Related, ...] = ()
    variant: str | None = None
    """Which of the severities the rule declares (RuleSpec.severities) this problem has; None for the
    rule's default. Config still wins over both."""


@dataclass(slots=True)
class Result:
    """What a run found: all that reporters are given."""

    findings: list[Finding]
    files: int
    """Input files read (or attempted)."""
    objects: int
    notes: list[str] = field(default_factory=list)
    config_file: str | None = None
    """The config file in effect, as the settings name it; None without one."""
    file_names: dict[str, str] = field(default_factory=dict)
    """The real name of each input file whose report name had to be escaped (not printable,
    or not UTF-8): SARIF URIs name the file itself."""
    no_input: bool = False
    """No input file was found, or standard input was the only one and it was empty."""
    not_kubernetes: list[tuple[str, str]] = field(default_factory=list)
    """(file, what it is) for each file found that is not linted because it holds no Kubernetes
    object (another tool's YAML/JSON, a kustomization or kustomize patch, k8slint's config)."""
    left_out: list[str] = field(default_factory=list)
    """Folders not walked by default for their name (test-data folders, vendor, node_modules)."""
    hidden_folders: list[str] = field(default_factory=list)
    """Hidden folders not walked (their files are read only when named); --verbose lists them."""
    chart_files: list[tuple[str, str]] = field(default_factory=list)
    """(file, which chart) for each file named one by one that is linted as part of its Helm chart."""
    loaded: object = field(default=None, repr=False, compare=False)
    """What the run loaded (sources, objects, index), released with the result rather than
    piece by piece when lint() returns: a command that exits next never pays for it."""

    def count(self, severity: Severity) -> int:
        return sum(1 for f in self.findings if f.severity == severity)

    def fails(self, threshold: Severity) -> bool:
        return any(f.severity >= threshold for f in self.findings)
