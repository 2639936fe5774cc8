"""Which files of a chart Helm reads as templates.

Helm's chart loader puts every file under ``templates/`` into the chart's
templates, whatever its name or extension (helm ``pkg/chart/loader``:
``case strings.HasPrefix(f.Name, "templates/")``), except what the ignore
rules leave out: the chart's ``.helmignore`` and the default rule
``templates/.?*``, which drops dotfiles directly in ``templates/`` (helm
``pkg/ignore``). The engine parses every template and renders all but
partials, the files whose name starts with ``_`` (helm ``pkg/engine``
``renderWithReferences``); ``NOTES.txt`` is rendered too. So
``deployment.yaml.j2``, ``config.json``, ``NOTES.txt``, ``tests/x.yaml`` and a
file with no extension all read values. Inside a packaged chart (``.tgz``) no
ignore rule applies: what was ignored was left out when it was packaged.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

DEFAULT_RULE = "templates/.?*"


@dataclass(frozen=True, slots=True)
class _Rule:
    pattern: re.Pattern[str]
    negate: bool
    must_dir: bool
    whole_path: bool
    """Matched against the path from the chart folder; otherwise against the base name."""


class HelmIgnore:
    """The ignore rules of a chart folder, evaluated as helm ``pkg/ignore`` ``Rules.Ignore`` does.

    The rules are tried in order and the first that decides wins. A negated
    rule (``!pattern``) ignores every path it does *not* match, as Helm's does.
    A ``.helmignore`` Helm refuses (a ``**`` or a malformed pattern) makes Helm
    fail to load the chart; its rules are then not applied, only the default.
    """

    def __init__(self, text: str | None = None) -> None:
        lines = text.removeprefix("\ufeff").splitlines() if text else []
        try:
            self.rules = [rule for line in lines if (rule := _parse(line)) is not None]
        except ValueError:
            self.rules = []
        self.rules.append(_parse(DEFAULT_RULE))  # type: ignore[arg-type]

    def ignored(self, path: str, is_dir: bool) -> bool:
        """Whether Helm leaves out ``path`` (from the chart folder, ``/``-separated)."""
        if path in ("", ".", "./"):
            return False
        for rule in self.rules:
            subject = path if rule.whole_path else path.rstrip("/").rsplit("/", 1)[-1]
            if rule.negate:
                if (rule.must_dir and not is_dir) or not rule.pattern.fullmatch(subject):
                    return True
                continue
            if rule.must_dir and not is_dir:
                continue
            if rule.pattern.fullmatch(subject):
                return True
        return False

    def template_filter(self, below: str = "templates") -> tuple[Callable[[str, str], bool], Callable[[str, str], bool]]:
        """``keep_dir`` and ``keep_file`` for walking ``below`` (a folder of the chart) as Helm reads it."""

        def path(rel_folder: str, name: str) -> str:
            return "/".join(p for p in (below, rel_folder, name) if p)

        return (
            lambda rel_folder, name: not self.ignored(path(rel_folder, name), True),
            lambda rel_folder, name: not self.ignored(path(rel_folder, name), False),
        )


def _parse(line: str) -> _Rule | None:
    rule = line.strip()
    if not rule or rule.startswith("#"):
        return None
    if "**" in rule:
        raise ValueError("double-star (**) syntax is not supported")
    negate = rule.startswith("!")
    rule = rule[1:] if negate else rule
    must_dir = rule.endswith("/")
    rule = rule.removesuffix("/") if must_dir else rule
    whole_path = "/" in rule
    return _Rule(re.compile(_glob(rule.removeprefix("/"))), negate, must_dir, whole_path)


def _glob(pattern: str) -> str:
    """A Go ``filepath.Match`` pattern as a regular expression (``*`` and ``?`` do not cross ``/``)."""
    out: list[str] = []
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "\\":
            if i + 1 >= len(pattern):
                raise ValueError("syntax error in pattern")
            i += 1
            out.append(re.escape(pattern[i]))
        elif char == "[":
            end = pattern.find("]", i + 2 if pattern[i + 1 : i + 2] in ("^", "]") else i + 1)
            if end < 0:
                raise ValueError("syntax error in pattern")
            body = pattern[i + 1 : end]
            negated = body.startswith("^")
            body = body[1:] if negated else body
            if not body:
                raise ValueError("syntax error in pattern")
            escaped = body.replace("\\", "\\\\").replace("[", "\\[")
            out.append(f"[{'^/' if negated else ''}{escaped}]")
            i = end
        else:
            out.append(re.escape(char))
        i += 1
    return "".join(out)


def is_template_member(member: str) -> bool:
    """Whether a member of a packaged chart (``chart/templates/...``) is a template."""
    parts = member.split("/")
    return len(parts) >= 3 and parts[1] == "templates"  # no ignore rule applies inside a package


def is_nested_template_member(member: str) -> bool:
    """Whether a member of a packaged chart is a template of a chart it packages in turn
    (``chart/charts/common/templates/_labels.tpl``, at any depth)."""
    parts = member.split("/")
    return (
        len(parts) >= 5
        and parts[1] == "charts"
        and any(parts[i] == "templates" and parts[i - 2] == "charts" for i in range(3, len(parts) - 1))
    )


def is_partial(path: str) -> bool:
    """A partial renders nothing itself: it only defines templates for others to include."""
    return path.replace("\\", "/").rsplit("/", 1)[-1].startswith("_")
