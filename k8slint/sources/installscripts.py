"""The values a repository's own install scripts give a chart: ``helm install`` commands beside the charts.

Charts that share values keep them outside each chart and name them on the command line: eShopOnContainers'
``deploy/k8s/helm/deploy-all.sh`` runs ``helm install "$app-$chart" --values app.yaml --values inf.yaml ...
$chart`` for each chart of its folder, and the charts' templates read ``.Values.inf.*``, which no chart's
values.yaml defines. Linted with their defaults, each read would stop ``helm template``; installed as the
repository installs them, they render.

A shell or PowerShell script (``*.sh``, ``*.bash``, ``*.ps1``) in a chart's folder or the folder above it is
read (only inside the linted paths; never run). Each ``helm install``, ``helm upgrade`` or ``helm template``
command in it installs the chart when its chart argument is the chart's folder (a literal path, relative to
the script's folder), or a variable while the script names the chart's folder by its name as a word (the list
it loops over). Such a command's ``--values``/``-f`` files that are literal names, read from the script's
folder, and the keys its ``--set`` flags set (``--set-string``, ``--set-file``, ``--set-json``,
``--set-literal`` too), are the values undefined-value judges the chart's reads with, as it does those of
``check --values``. Values files whose names are worked out when the script runs (``--values
$ingress_values_file``) are not known and give nothing.

With ``--render`` (and no ``--values``/``--set``), each such command that k8slint can repeat exactly is a
render of the chart in place of its default render: ``helm template`` with its values files and ``--set``
expressions, in their order (commands that give the same ones are one render). A command is not repeated when
the script works out part of it when it runs (a values file or a ``--set`` value named by a variable: ``--set
app.name=$app_name``), or when it passes a ``--set-*`` variant: guessed values would steer the templates'
conditions. Where no command can be repeated, the chart renders with its defaults, as before, and the notes say
which script installs it otherwise.
"""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import groupby
from operator import itemgetter
from pathlib import Path
from typing import Any, NamedTuple

from k8slint.sources.safefs import Roots, Skipped, TooLarge, read_bytes

SCRIPT_SUFFIXES = (".sh", ".bash", ".ps1")
MAX_SCRIPT_SIZE = 512 * 1024
MAX_COMMAND_LENGTH = 8192
"""Lines (continuations joined) longer than this are not read as commands."""
MAX_SCRIPTS = 64
"""Scripts read per folder: a folder of more scripts than this is a tool's, not a chart's install."""
_HELM = re.compile(r"(?<![\w./-])helm(?:\.exe)?\s")
_SUBCOMMAND = re.compile(r"\s(?:install|upgrade|template)(?![\w-])")
MAX_HELM_WORDS = 4
"""Occurrences of ``helm`` on a line looked at (``echo helm; helm install``): a bound that keeps the search linear."""
_VALUES_FLAGS = ("--values", "-f")
_SET_FLAGS = ("--set", "--set-string", "--set-file", "--set-json", "--set-literal")
_SWITCHES = frozenset(
    {
        "--install", "-i", "--wait", "--atomic", "--create-namespace", "--dry-run", "--debug", "--generate-name", "-g",
        "--force", "--reuse-values", "--reset-values", "--reset-then-reuse-values", "--devel", "--skip-crds",
        "--dependency-update", "--wait-for-jobs", "--cleanup-on-fail", "--no-hooks", "--include-crds", "--validate",
        "--verify", "--replace", "--disable-openapi-validation", "--render-subchart-notes", "--skip-tests",
        "--is-upgrade", "--insecure-skip-tls-verify", "--plain-http", "--enable-dns", "--take-ownership",
        "--rollback-on-failure", "--hide-notes", "--skip-schema-validation", "--pass-credentials", "--hide-secret",
    }
)  # fmt: skip
"""Flags of helm install, upgrade and template that take no argument (helm's pkg/cmd flags): any other flag
written apart from its value takes the next word."""


class HelmCommand(NamedTuple):
    """One helm install, upgrade or template command of a script, as written."""

    chart: str | None
    """The chart argument (the last word that is not a flag or its value)."""
    values: list[str]
    """Each ``--values``/``-f`` file, in order."""
    sets: list[tuple[str, str]]
    """(flag, expression) of each ``--set`` and ``--set-*`` flag, in order."""


@dataclass(frozen=True, slots=True)
class ScriptInstall:
    """How one command of an install script installs a chart, as ``helm template`` can repeat it."""

    script: str
    """The script, as shown."""
    values: tuple[tuple[str, str], ...]
    """(path, as shown) of each values file it names that is read, in order."""
    sets: tuple[str, ...]
    """Its ``--set`` expressions whose values are literal, in order."""
    left_out: tuple[str, ...]
    """What a render cannot repeat, as written: values files named by a variable (``--values
    $ingress_values_file``) or not read, ``--set`` values the script works out (``--set app.name=$app_name``),
    and the ``--set-*`` flags. A render repeats the install only when this is empty."""

    @property
    def exact(self) -> bool:
        return not self.left_out


def _worked_out(word: str) -> bool:
    """Whether a word of a script holds a shell or PowerShell variable (``$x``, ``$env:X``) or a cmd one (``%X%``)."""
    return "$" in word or "%" in word


class InstallScripts:
    """The install scripts of a run's chart folders: each folder's scripts read and their helm commands parsed
    once, and each values file read once, whatever the number of charts beside them (eShopOnContainers' 20)."""

    def __init__(self, roots: Roots) -> None:
        self.roots = roots
        self._folders: dict[Path, list[tuple[str, str, list[HelmCommand]]]] = {}
        """Folder -> each script there: (its name, its text, each helm command in it)."""
        self._files: dict[Path, Any] = {}

    def _commands_for(self, chart_path: Path, chart_display: str) -> Iterator[tuple[Path, str, str, HelmCommand]]:
        """(the script's folder, that folder as shown, the script's name, the command) of each command that installs
        the chart: the scripts of the folder above the chart first, then those of the chart's own folder."""
        chart_real = os.path.realpath(chart_path)
        name_word = re.compile(rf"(?<![\w.-]){re.escape(chart_path.name)}(?![\w.-])")
        for folder, shown_folder in ((chart_path.parent, os.path.dirname(chart_display.rstrip("/"))), (chart_path, chart_display)):
            for script, text, commands in self._scripts(folder):
                named = name_word.search(text) is not None
                for command in commands:
                    if command.chart is not None and _installs(command.chart, folder, chart_real, named):
                        yield folder, shown_folder, script, command

    def installs_for(self, chart_path: Path, chart_display: str) -> tuple[ScriptInstall, ...]:
        """Each install of the chart by a script beside it, as a render repeats it; installs that give the same
        values files and ``--set`` expressions are one (the first)."""
        found: list[ScriptInstall] = []
        seen: set[tuple[tuple[str, ...], tuple[str, ...]]] = set()
        for folder, shown_folder, script, command in self._commands_for(chart_path, chart_display):
            values: list[tuple[str, str]] = []
            left_out: list[str] = []
            for name in command.values:
                path = os.path.normpath(folder / name)
                if _worked_out(name) or not isinstance(self._values_file(Path(path)), dict):
                    left_out.append(f"--values {name}")
                else:
                    values.append((path, _shown(shown_folder, name)))
            sets: list[str] = []
            for flag, expression in command.sets:
                if flag != "--set" or _worked_out(expression):
                    left_out.append(f"{flag} {expression}")
                else:
                    sets.append(expression)
            key = (tuple(path for path, _ in values), tuple(sets))
            if key in seen:
                continue
            seen.add(key)
            shown_script = os.path.join(shown_folder, script) if shown_folder else script
            found.append(ScriptInstall(shown_script, tuple(values), tuple(sets), tuple(left_out)))
        return tuple(found)

    def values_for(self, chart_path: Path, chart_display: str) -> tuple[tuple[str, Any], ...]:
        """The values the install scripts beside the chart give it: (the file as shown, its data) for each values
        file, then (``--set in SCRIPT``, the keys set as nested maps), as :func:`k8slint.sources.charts.given_values`
        gives those of the command line. Empty when no script installs the chart."""
        from k8slint.sources.charts import set_keys_tree

        found: list[tuple[str, Any]] = []
        seen: set[str] = set()
        """Each values file given once, by its path: a script in the chart's folder and one above it may each name
        an ``app.yaml`` of its own folder."""
        # the commands come script by script: each script's values files, then the keys its --set flags set
        for (folder, shown_folder, script), commands in groupby(self._commands_for(chart_path, chart_display), itemgetter(0, 1, 2)):
            sets: list[str] = []
            for *_, command in commands:
                for name in command.values:
                    path = os.path.normpath(folder / name)
                    if _worked_out(name) or path in seen:
                        continue
                    seen.add(path)
                    data = self._values_file(Path(path))
                    if isinstance(data, dict):
                        found.append((f"{_shown(shown_folder, name)} ({script})", data))
                sets.extend(expression for _, expression in command.sets)
            tree = set_keys_tree(sets)
            if tree:
                found.append((f"--set in {script}", tree))
        return tuple(found)

    def _scripts(self, folder: Path) -> list[tuple[str, str, list[HelmCommand]]]:
        if folder not in self._folders:
            scripts = []
            for path in _scripts(folder, self.roots):
                text = _read(path, self.roots)
                if text is not None:
                    scripts.append((path.name, text, [_parse(words) for words in _helm_commands(text)]))
            self._folders[folder] = scripts
        return self._folders[folder]

    def _values_file(self, path: Path) -> Any:
        if path not in self._files:
            from k8slint.sources.charts import read_yaml_file

            # ../shared.yaml out of the linted paths is not read
            self._files[path] = read_yaml_file(path, self.roots) if self.roots.contains(os.path.realpath(path)) else None
        return self._files[path]


def _scripts(folder: Path, roots: Roots) -> list[Path]:
    if not roots.contains(os.path.realpath(folder)):
        return []  # the folder above a chart given alone is not one of the linted paths
    try:
        names = sorted(entry.name for entry in os.scandir(folder) if entry.name.endswith(SCRIPT_SUFFIXES) and entry.is_file())
    except OSError:
        return []
    return [folder / name for name in names[:MAX_SCRIPTS]]


def _read(path: Path, roots: Roots) -> str | None:
    try:
        return read_bytes(str(path), roots, MAX_SCRIPT_SIZE).decode("utf-8", errors="replace")
    except (OSError, Skipped, TooLarge):
        return None


def _helm_commands(text: str) -> list[list[str]]:
    """The words of each helm install, upgrade or template command (lines joined where a ``\\`` or, in
    PowerShell, a backtick continues them; shell quoting undone)."""
    joined = re.sub(r"[\\`][ \t]*\r?\n", " ", text)
    commands = []
    for line in joined.splitlines():
        if len(line) > MAX_COMMAND_LENGTH or "helm" not in line:
            continue  # no command is that long: the search stays linear in the script's size
        if line.lstrip().startswith("#"):
            continue
        match = None
        for count, found in enumerate(_HELM.finditer(line)):
            if count >= MAX_HELM_WORDS:
                break
            if _SUBCOMMAND.search(line, found.end() - 1) is not None:
                match = found
                break
        if match is None:
            continue
        command = line[match.start() :]
        for end in (";", "&&", "||", "|", "#"):  # the command ends there, or a comment starts
            cut = _outside_quotes(command, end)
            if cut is not None:
                command = command[:cut]
        try:
            commands.append(shlex.split(command, posix=True))
        except ValueError:
            continue  # quotes that do not close on the line: not read
    return commands


def _outside_quotes(text: str, token: str) -> int | None:
    quote = None
    for index, char in enumerate(text):
        if quote:
            if char == quote:
                quote = None
        elif char in "\"'":
            quote = char
        elif text.startswith(token, index) and (token != "#" or index == 0 or text[index - 1].isspace()):
            return index
    return None


def _parse(words: list[str]) -> HelmCommand:
    """The chart argument, the values files and the --set expressions of one helm command's words."""
    positional: list[str] = []
    values: list[str] = []
    sets: list[tuple[str, str]] = []
    index = 1
    subcommand_seen = False
    while index < len(words):
        word = words[index]
        index += 1
        if word.startswith("-"):
            flag, equals, attached = word.partition("=")
            if not equals and flag.startswith("-f") and len(flag) > 2 and not flag.startswith("--"):
                flag, attached, equals = "-f", flag[2:], "="  # -fvalues.yaml
            if flag in _SWITCHES:
                continue
            if not equals:
                if index >= len(words):
                    break
                attached = words[index]
                index += 1
            if flag in _VALUES_FLAGS:
                values.extend(part for part in attached.split(",") if part)
            elif flag in _SET_FLAGS:
                sets.append((flag, attached))
            continue
        if not subcommand_seen:
            subcommand_seen = word in ("install", "upgrade", "template")
            continue
        positional.append(word)
    return HelmCommand(positional[-1] if positional else None, values, sets)


def _shown(shown_folder: str, name: str) -> str:
    """A values file a script names, as shown: from the script's folder as shown."""
    return os.path.normpath(os.path.join(shown_folder, name)) if shown_folder else os.path.normpath(name)


def _installs(argument: str, folder: Path, chart_real: str, named: bool) -> bool:
    """Whether a command's chart argument is the chart: its folder, or a variable where the script names it."""
    if _worked_out(argument):
        return named
    return os.path.realpath(folder / argument.rstrip("/\\")) == chart_real
