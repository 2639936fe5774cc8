"""The files of a chart folder that the chart's templates render with ``tpl``: templates themselves.

nats-io/k8s's chart keeps its objects in ``files/*.yaml`` (``metadata: {{- include "nats.metadataNamespace" $ }}``)
and renders each with ``tpl (.ctx.Files.Get (printf "files/%s" .file)) .ctx``; volcano's renders
``tpl ($.Files.Get (printf "crd/%s/batch.volcano.sh_jobs.yaml" (include "crd_version" .))) .``. Such a file is no manifest to apply
as written: it is linted as the chart renders it (``--render``), like the chart's templates/.
"""

from __future__ import annotations

import fnmatch
import os
import re
from dataclasses import dataclass, field

from k8slint.sources.safefs import Roots, Skipped, TooLarge, read_bytes

# `.Files.Get "files/x.yaml"`, `.Files.Get (printf "files/%s" .file)` (a verb anywhere in the format),
# `.Files.Glob "files/*.yaml"` (any receiver:
# `.ctx.Files`, `$.Files`)
_FILES_CALL = re.compile(r'\bFiles\.(Get|Glob)\s+(?:\(\s*printf\s+"((?:[^"\\]|\\.)*)"|"([^"\\]+)")')
_VERB = re.compile(r"%[-+# 0]*[0-9]*[sdvq]")
"""A verb of a printf format, which the call fills at render time: each stands for any part of the path."""
_TPL = re.compile(r"\btpl\b")
_TEMPLATE_SUFFIXES = (".yaml", ".yml", ".tpl", ".txt", ".json")


@dataclass
class ChartFilesRead:
    """Per chart folder (absolute): the patterns of the files its templates render with ``tpl``, found once."""

    roots: Roots
    _patterns: dict[str, list[tuple[str, str]]] = field(default_factory=dict)

    def rendered_by(self, chart: str, path: str) -> str | None:
        """Why the file at ``path`` (under the chart folder ``chart``) is a template of the chart, when its
        templates render it with ``tpl`` and it holds template actions: ``template:line`` of the call; else None."""
        patterns = self._patterns.get(chart)
        if patterns is None:
            patterns = self._patterns[chart] = _tpl_patterns(chart, self.roots)
        if not patterns:
            return None
        inner = os.path.relpath(os.path.abspath(path), chart).replace(os.sep, "/")
        where = next((where for pattern, where in patterns if fnmatch.fnmatchcase(inner, pattern)), None)
        if where is None:
            return None
        try:
            text = read_bytes(path, self.roots).decode("utf-8", "replace")
        except (OSError, Skipped, TooLarge):
            return None
        return where if "{{" in text else None  # a file with no action is the same rendered or not: linted


def _tpl_patterns(chart: str, roots: Roots) -> list[tuple[str, str]]:
    """(glob of the chart-relative path, ``template:line``) of each file the chart's templates hand to ``tpl``:
    a ``.Files.Get`` on a line that calls ``tpl``, and the ``.Files.Glob`` patterns of a template that hands what
    it reads with ``.Files.Get`` to ``tpl`` (``range $path, $_ := .Files.Glob "files/*"`` ... ``tpl ($.Files.Get
    $path) $``)."""
    found: list[tuple[str, str]] = []
    templates = os.path.join(chart, "templates")
    for folder, dirs, names in os.walk(templates):
        dirs.sort()
        for name in sorted(names):
            if not name.endswith(_TEMPLATE_SUFFIXES):
                continue
            path = os.path.join(folder, name)
            try:
                text = read_bytes(path, roots).decode("utf-8", "replace")
            except (OSError, Skipped, TooLarge):
                continue
            if "Files." not in text or not _TPL.search(text):
                continue
            shown = os.path.relpath(path, chart).replace(os.sep, "/")
            lines = text.splitlines()
            hands_gets = any(_TPL.search(line) and "Files.Get" in line for line in lines)
            for number, line in enumerate(lines, start=1):
                for call in _FILES_CALL.finditer(line):
                    function, form, literal = call.groups()
                    # `printf "files/%s" .file`, `printf "crd/%s/jobs.yaml" (include "crd_version" .)` (volcano's chart)
                    pattern = _VERB.sub("*", form.replace("%%", "%")) if form is not None else literal
                    if (function == "Get" and _TPL.search(line)) or (function == "Glob" and hands_gets):
                        found.append((pattern, f"{shown}:{number}"))
    return found
