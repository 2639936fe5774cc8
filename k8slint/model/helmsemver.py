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

from k8slint.findings import clip
from k8slint.model.numbers import is_ascii_digits

# Go's RE2 ``\s`` is ASCII white space only; Python's would also take \v, NBSP and the like.
_WS = r"[\t\n\f\r ]"
_CV = (
    r"v?([0-9|xX*]+)(\.[0-9|xX*]+)?(\.[0-9|xX*]+)?"
    r"(-([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?"
    r"(\+([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?"
)
_OPS = r"=||!=|>|<|>=|=>|<=|=<|~|~>|\^"
# Masterminds validates a group with one regex whose white space can be split between
# neighbouring ``\s*`` and ``\s+`` in many ways: Go's RE2 does not care, a backtracking
# engine tries them all (3x per repeated "1  "). Here each constraint is matched on its
# own, anchored where the previous one ended, so the work is linear in the text.
_ITEM = re.compile(rf"({_OPS}){_WS}*({_CV})")
_SPACE = re.compile(rf"{_WS}*")
_HAS_RANGE = re.compile(rf"{_WS}-{_WS}")
_RANGE = re.compile(rf"{_WS}*({_CV}){_WS}+-{_WS}+({_CV}){_WS}*")
_VERSION = re.compile(
    r"v?([0-9]+)(?:\.([0-9]+))?(?:\.([0-9]+))?"
    r"(?:-([0-9A-Za-z\-]+(?:\.[0-9A-Za-z\-]+)*))?"
    r"(?:\+([0-9A-Za-z\-]+(?:\.[0-9A-Za-z\-]+)*))?"
)
MAX_CONSTRAINT_LENGTH = 1024
"""Longer constraint strings are refused before parsing (real ones are a few dozen characters)."""
_UINT64_MAX = 2**64 - 1


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
    stripped = text.strip()
    if len(stripped) > MAX_CONSTRAINT_LENGTH:
        raise ConstraintError(f"a version of {len(stripped)} characters is too long (at most {MAX_CONSTRAINT_LENGTH})")
    match = _VERSION.fullmatch(stripped)
    if not match:
        raise ConstraintError(f"{_short(text)!r} is not a version")
    major, minor, patch, pre, _ = match.groups()
    for part in (pre or "").split("."):
        if _is_number(part) and len(part) > 1 and part.startswith("0"):
            raise ConstraintError(f"{_short(text)!r} has a numeric pre-release part with a leading zero")
    return Version(_uint64(major, text), _uint64(minor or "0", text), _uint64(patch or "0", text), pre or "")


def _is_number(part: str) -> bool:
    """ASCII digits only: str.isdigit() also accepts '²', which int() refuses."""
    return is_ascii_digits(part)


def _uint64(part: str, text: str) -> int:
    """A numeric version part as Go's strconv.ParseUint(part, 10, 64) reads it."""
    if not _is_number(part):
        raise ConstraintError(f"improper constraint version: {_short(text)}")
    # the length test keeps int() clear of Python's limit on digits (4300) and of long work
    if len(part.lstrip("0")) > 20 or int(part) > _UINT64_MAX:
        raise ConstraintError(f"version {_short(text)!r} has a number larger than 2^64-1")
    return int(part)


def _short(text: str, limit: int = 80) -> str:
    return clip(text, limit)


def _compare_pre(a: str, b: str) -> int:
    if a == b:
        return 0
    if not a:
        return 1  # a release sorts after its pre-releases
    if not b:
        return -1
    for x, y in zip(a.split("."), b.split("."), strict=False):
        if x == y:
            continue
        x_number, y_number = _is_number(x), _is_number(y)
        if x_number and y_number:
            # compared as numbers without int(), which is slow and limited on long digit strings
            x, y = x.lstrip("0") or "0", y.lstrip("0") or "0"
            if x == y:
                continue
            return -1 if (len(x), x) < (len(y), y) else 1
        if x_number != y_number:
            return -1 if x_number else 1
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
    if not _HAS_RANGE.search(text):
        return text  # no " - " at all: the common case, and the regex below need not run
    return _RANGE.sub(lambda m: f" >= {m.group(1)}, <= {m.group(11)} ", text)


def parse_constraints(text: str) -> Constraints:
    """Parse a constraint string; raises :class:`ConstraintError` where Helm would."""
    if not isinstance(text, str):
        raise ConstraintError("a version constraint must be a string")
    if len(text) > MAX_CONSTRAINT_LENGTH:
        raise ConstraintError(f"a constraint of {len(text)} characters is too long (at most {MAX_CONSTRAINT_LENGTH})")
    alternatives = []
    for part in _rewrite_ranges(text).split("||"):
        alternatives.append(tuple(_parse_one(match) for match in _group(part)))
    return Constraints(tuple(alternatives))


def _after_space(text: str, position: int) -> int:
    """Where the white space at ``position`` ends (_SPACE matches the empty string too)."""
    match = _SPACE.match(text, position)
    return match.end() if match is not None else position


def _group(part: str) -> list[re.Match[str]]:
    """The constraints of one ``||`` alternative, as Masterminds' valid and find regexes read them.

    A group is a constraint, then more constraints each after white space or a
    comma (white space around the comma allowed), then optional white space.
    """
    found = []
    position = _after_space(part, 0)
    length = len(part)
    while True:
        match = _ITEM.match(part, position)
        if match is None:
            raise ConstraintError(f"improper constraint: {_short(part.strip()) or repr(part)}")
        found.append(match)
        after = _after_space(part, match.end())
        if after == length:
            return found
        if part[after] == ",":
            position = _after_space(part, after + 1)
        elif after > match.end():
            position = after
        else:
            raise ConstraintError(f"improper constraint: {_short(part.strip())}")


def _parse_one(match: re.Match[str]) -> Constraint:
    op, version = match.group(1), match.group(2)
    major, minor, patch = match.group(3), match.group(4), match.group(5)
    pre = match.group(7)
    dirty = minor_dirty = patch_dirty = False
    if _is_x(major) or not major:
        dirty, base = True, (0, 0, 0)
    elif minor is None or _is_x(minor[1:]):
        dirty = minor_dirty = True
        base = (_uint64(major, version), 0, 0)
    elif patch is None or _is_x(patch[1:]):
        dirty = patch_dirty = True
        base = (_uint64(major, version), _uint64(minor[1:], version), 0)
    else:
        base = (_uint64(major, version), _uint64(minor[1:], version), _uint64(patch[1:], version))
    return Constraint(op, Version(*base, pre or ""), dirty, minor_dirty, patch_dirty)
