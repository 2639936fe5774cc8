"""Helm version constraints: the grammar and semantics of Masterminds/semver v3.

A constraint string is alternatives separated by ``||``; each alternative is
constraints joined by commas or spaces, all of which must hold. A constraint is
an operator (none, ``=``, ``!=``, ``>``, ``<``, ``>=``, ``=>``, ``<=``, ``=<``,
``~``, ``~>``, ``^``) and a version that may leave parts out or use ``x``,
``X`` or ``*`` for them; ``1.2 - 1.4.5`` is a hyphen range. A version with a
pre-release only satisfies a group of constraints that names a pre-release.
Chart versions and lock file versions are read as Masterminds reads them:
``v`` prefix allowed, one to three numeric parts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_CV = (
    r"v?([0-9|xX*]+)(\.[0-9|xX*]+)?(\.[0-9|xX*]+)?"
    r"(-([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?"
    r"(\+([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?"
)
_OPS = r"=||!=|>|<|>=|=>|<=|=<|~|~>|\^"
_CONSTRAINT = re.compile(rf"^\s*({_OPS})\s*({_CV})\s*$")
_RANGE = re.compile(rf"\s*({_CV})\s+-\s+({_CV})\s*")
_FIND = re.compile(rf"({_OPS})\s*({_CV})")
_VALID = re.compile(rf"^(\s*({_OPS})\s*({_CV})\s*)((?:\s+|,\s*)({_OPS})\s*({_CV})\s*)*$")
_VERSION = re.compile(
    r"^v?([0-9]+)(?:\.([0-9]+))?(?:\.([0-9]+))?"
    r"(?:-([0-9A-Za-z\-]+(?:\.[0-9A-Za-z\-]+)*))?"
    r"(?:\+([0-9A-Za-z\-]+(?:\.[0-9A-Za-z\-]+)*))?$"
)


class ConstraintError(ValueError):
    pass


@dataclass(frozen=True, slots=True, order=False)
class Version:
    major: int
    minor: int
    patch: int
    pre: str

    def compare(self, other: Version) -> int:
        mine, theirs = (self.major, self.minor, self.patch), (other.major, other.minor, other.patch)
        if mine != theirs:
            return -1 if mine < theirs else 1
        return _compare_pre(self.pre, other.pre)


def parse_version(text: str) -> Version:
    """A version as Masterminds' NewVersion reads it (``v1.2``, ``1.2.3-rc.1+build``)."""
    match = _VERSION.match(text.strip())
    if not match:
        raise ConstraintError(f"{text!r} is not a version")
    major, minor, patch, pre, _ = match.groups()
    for part in (pre or "").split("."):
        if part.isdigit() and len(part) > 1 and part.startswith("0"):
            raise ConstraintError(f"{text!r} has a numeric pre-release part with a leading zero")
    return Version(int(major), int(minor or 0), int(patch or 0), pre or "")


def _compare_pre(a: str, b: str) -> int:
    if a == b:
        return 0
    if not a:
        return 1  # a release sorts after its pre-releases
    if not b:
        return -1
    for x, y in zip(a.split("."), b.split(".")):
        if x == y:
            continue
        if x.isdigit() and y.isdigit():
            return -1 if int(x) < int(y) else 1
        if x.isdigit() != y.isdigit():
            return -1 if x.isdigit() else 1
        return -1 if x < y else 1
    return (len(a.split(".")) > len(b.split("."))) - (len(a.split(".")) < len(b.split(".")))


def _is_x(part: str) -> bool:
    return part in ("x", "X", "*")


@dataclass(frozen=True, slots=True)
class Constraint:
    op: str
    version: Version
    dirty: bool
    minor_dirty: bool
    patch_dirty: bool

    def check(self, v: Version) -> bool:
        op, c = self.op, self.version
        if op in ("", "="):
            return self._tilde(v) if self.dirty else v.compare(c) == 0
        if op == "!=":
            return not self._equal_or_within(v)
        if op == ">":
            if not self.dirty:
                return v.compare(c) > 0
            if v.major != c.major:
                return v.major > c.major
            if self.minor_dirty:
                return False
            if self.patch_dirty:
                return v.minor > c.minor
            return v.compare(c) > 0
        if op == "<":
            return v.compare(c) < 0
        if op in (">=", "=>"):
            return v.compare(c) >= 0
        if op in ("<=", "=<"):
            if not self.dirty:
                return v.compare(c) <= 0
            if v.major > c.major:
                return False
            return not (v.major == c.major and v.minor > c.minor and not self.minor_dirty)
        if op in ("~", "~>"):
            return self._tilde(v)
        return self._caret(v)

    def _equal_or_within(self, v: Version) -> bool:
        c = self.version
        if not self.dirty:
            return v.compare(c) == 0
        if c.major != v.major:
            return False
        if self.minor_dirty:
            return True
        if c.minor != v.minor:
            return False
        if self.patch_dirty:
            return _compare_pre(v.pre, c.pre) == 0 if (v.pre or c.pre) else True
        return v.patch == c.patch

    def _tilde(self, v: Version) -> bool:
        c = self.version
        if v.compare(c) < 0:
            return False
        if (c.major, c.minor, c.patch) == (0, 0, 0) and not self.minor_dirty and not self.patch_dirty:
            return True
        if v.major != c.major:
            return False
        return v.minor == c.minor or self.minor_dirty

    def _caret(self, v: Version) -> bool:
        c = self.version
        if v.compare(c) < 0:
            return False
        if c.major > 0 or self.minor_dirty:
            return v.major == c.major
        if v.major > 0:
            return False
        if c.minor > 0 or self.patch_dirty:
            return v.minor == c.minor
        if v.minor > 0:
            return False
        return v.patch == c.patch


@dataclass(frozen=True, slots=True)
class Constraints:
    alternatives: tuple[tuple[Constraint, ...], ...]

    def check(self, version: str | Version) -> bool:
        v = parse_version(version) if isinstance(version, str) else version
        return any(
            # a pre-release only matches a group of constraints that asks for pre-releases
            (not v.pre or any(c.version.pre for c in group)) and all(c.check(v) for c in group)
            for group in self.alternatives
        )


def _rewrite_ranges(text: str) -> str:
    return _RANGE.sub(lambda m: f" >= {m.group(1)}, <= {m.group(11)} ", text)


def parse_constraints(text: str) -> Constraints:
    """Parse a constraint string; raises :class:`ConstraintError` where Helm would."""
    if not isinstance(text, str):
        raise ConstraintError("a version constraint must be a string")
    alternatives = []
    for part in _rewrite_ranges(text).split("||"):
        if not _VALID.match(part):
            raise ConstraintError(f"improper constraint: {part.strip() or repr(part)}")
        found = [m.group(0) for m in _FIND.finditer(part)] or [part]
        alternatives.append(tuple(_parse_one(item) for item in found))
    return Constraints(tuple(alternatives))


def _parse_one(text: str) -> Constraint:
    match = _CONSTRAINT.match(text)
    if not match:
        raise ConstraintError(f"improper constraint: {text}")
    op, version = match.group(1), match.group(2)
    major, minor, patch = match.group(3), match.group(4), match.group(5)
    pre = match.group(7)
    dirty = minor_dirty = patch_dirty = False
    if _is_x(major) or not major:
        dirty, base = True, (0, 0, 0)
    elif minor is None or _is_x(minor[1:]):
        dirty = minor_dirty = True
        base = (_number(major, version), 0, 0)
    elif patch is None or _is_x(patch[1:]):
        dirty = patch_dirty = True
        base = (_number(major, version), _number(minor[1:], version), 0)
    else:
        base = (_number(major, version), _number(minor[1:], version), _number(patch[1:], version))
    return Constraint(op, Version(*base, pre or ""), dirty, minor_dirty, patch_dirty)


def _number(part: str, version: str) -> int:
    if not part.isdigit():
        raise ConstraintError(f"improper constraint version: {version}")
    return int(part)
