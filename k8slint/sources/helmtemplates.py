"""Which files of a chart Helm reads as templates.

Helm's chart loader puts every file under ``templates/`` into the chart's
templates, whatever its name or extension (helm ``pkg/chart/loader``:
``case strings.HasPrefix(f.Name, "templates/")``), except what the ignore
rules leave out: the default rule ``templates/.?*`` drops dotfiles directly in
``templates/`` (helm ``pkg/ignore`` ``AddDefaults``). The engine parses every
template and renders all but partials, the files whose name starts with ``_``
(helm ``pkg/engine`` ``renderWithReferences``); ``NOTES.txt`` is rendered too.
So ``deployment.yaml.j2``, ``config.json``, ``NOTES.txt``, ``tests/x.yaml`` and
a file with no extension all read values.

``.helmignore`` patterns of the chart itself are not applied.
"""

from __future__ import annotations


def is_template(rel_folder: str, name: str) -> bool:
    """Whether Helm reads the file or folder ``name`` in ``rel_folder`` (relative to ``templates/``) as templates."""
    return bool(rel_folder) or not name.startswith(".")


def is_template_member(member: str) -> bool:
    """Whether a member of a packaged chart (``chart/templates/...``) is a template."""
    parts = member.split("/")
    return len(parts) >= 3 and parts[1] == "templates"  # no ignore rule applies inside a package


def is_partial(path: str) -> bool:
    """A partial renders nothing itself: it only defines templates for others to include."""
    return path.replace("\\", "/").rsplit("/", 1)[-1].startswith("_")
