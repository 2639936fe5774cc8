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
"""

from __future__ import annotations

import os
import re
import shlex
from pathlib import Path
from typing import Any

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


class InstallScripts:
    """The install scripts of a run's chart folders: each folder's scripts read and their helm commands parsed
    once, and each values file read once, whatever the number of charts beside them (eShopOnContainers' 20)."""

    def __init__(self, roots: Roots) -> None:
        self.roots = roots
        self._folders: dict[Path, list[tuple[str, str, list[tuple[str | None, list[str], list[str]]]]]] = {}
        """Folder -> each script there: (its name, its text, (chart argument, values files, --set) of each command)."""
        self._files: dict[Path, Any] = {}

    def values_for(self, chart_path: Path, chart_display: str) -> tuple[tuple[str, Any], ...]:
        """The values the install scripts beside the chart give it: (the file as shown, its data) for each values
        file, then (``--set in SCRIPT``, the keys set as nested maps), as :func:`k8slint.sources.charts.given_values`
        gives those of the command line. Empty when no script installs the chart."""
        from k8slint.sources.charts import set_keys_tree

        found: list[tuple[str, Any]] = []
        seen: set[str] = set()
        chart_real = os.path.realpath(chart_path)
        name_word = re.compile(rf"(?<![\w.-]){re.escape(chart_path.name)}(?![\w.-])")
        for folder, shown_folder in ((chart_path.parent, os.path.dirname(chart_display.rstrip("/"))), (chart_path, chart_display)):
            for script, text, commands in self._scripts(folder):
                named = name_word.search(text) is not None
                sets: list[str] = []
                for chart_argument, values, set_expressions in commands:
                    if chart_argument is None or not _installs(chart_argument, folder, chart_real, named):
                        continue
                    for name in values:
                        if "$" in name or "%" in name or name in seen:
                            continue
                        seen.add(name)
                        data = self._values_file(folder / name)
                        if isinstance(data, dict):
                            shown = os.path.join(shown_folder, name) if shown_folder else name
                            found.append((f"{shown} ({script})", data))
                    sets.extend(set_expressions)
                tree = set_keys_tree(sets)
                if tree:
                    found.append((f"--set in {script}", tree))
        return tuple(found)

    def _scripts(self, folder: Path) -> list[tuple[str, str, list[tuple[str | None, list[str], list[str]]]]]:
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


def _parse(words: list[str]) -> tuple[str | None, list[str], list[str]]:
    """(the chart argument, the values files, the --set expressions) of one helm command's words."""
    positional: list[str] = []
    values: list[str] = []
    sets: list[str] = []
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
                sets.append(attached)
            continue
        if not subcommand_seen:
            subcommand_seen = word in ("install", "upgrade", "template")
            continue
        positional.append(word)
    return (positional[-1] if positional else None), values, sets


def _installs(argument: str, folder: Path, chart_real: str, named: bool) -> bool:
    """Whether a command's chart argument is the chart: its folder, or a variable where the script names it."""
    if "$" in argument or "%" in argument:
        return named
    return os.path.realpath(folder / argument.rstrip("/\\")) == chart_real
