"""The pictures of the README: the graph of the Todo Chatbot reference deployment, whole and broken.

``python -m k8slint.docs_images .`` (``make docs``) writes ``docs/images/*.svg``;
a test keeps them fresh. The broken variant is the reference with the wiring
mistakes of :data:`BROKEN_WIRING` made in a copy, each one a rule's finding.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

BROKEN_WIRING = (
    # (file under the reference folder, text, replacement): the rule whose broken edge it draws
    (  # KN001 service-selector-no-match
        "manifests/20-postgres.yaml",
        "    app.kubernetes.io/name: postgres\n    app.kubernetes.io/part-of: todo-chatbot\n  ports:\n    - name: postgres\n"
        "      port: 5432\n      targetPort: postgres\n---\napiVersion: apps/v1",
        "    app.kubernetes.io/name: postgresql\n    app.kubernetes.io/part-of: todo-chatbot\n  ports:\n    - name: postgres\n"
        "      port: 5432\n      targetPort: postgres\n---\napiVersion: apps/v1",
    ),
    (  # KN041 ingress-backend-port-unknown
        "manifests/50-ingress.yaml",
        "                name: backend\n                port:\n                  name: http",
        "                name: backend\n                port:\n                  number: 80",
    ),
    ("manifests/30-backend.yaml", "                  key: LOG_LEVEL", "                  key: LOGLEVEL"),  # KN024 missing-configmap-key
    (  # KN021 missing-secret
        "manifests/30-backend.yaml",
        "                  name: todo-secrets\n                  key: DATABASE_URL",
        "                  name: todo-secret\n                  key: DATABASE_URL",
    ),
)
PICTURES = {"todo-chatbot-graph.svg": False, "todo-chatbot-broken-graph.svg": True}
"""File under docs/images -> whether it shows the broken variant."""


def reference_dir(root: Path) -> Path:
    return root / "reference" / "todo-chatbot"


def write_broken_variant(root: Path, target: Path) -> Path:
    """A copy of the reference deployment at ``target`` with the mistakes of BROKEN_WIRING made in it."""
    shutil.copytree(reference_dir(root), target)
    for file, old, new in BROKEN_WIRING:
        path = target / file
        text = path.read_text(encoding="utf-8")
        if text.count(old) != 1:
            raise ValueError(f"the broken variant's edit of {file} no longer applies to the reference deployment")
        path.write_text(text.replace(old, new), encoding="utf-8")
    return target


def picture_svg(folder: Path) -> str:
    """The svg graph of the deployment in ``folder``, linted from there as `k8slint graph --format svg .` does."""
    import os

    from k8slint.cli import _settings
    from k8slint.engine import lint
    from k8slint.model.graph.picture import unit_pictures
    from k8slint.reporters.graph import render_svg

    here = os.getcwd()
    os.chdir(folder)
    try:
        settings = _settings(None, False, ".")
        result = lint(["."], settings)
        loaded: Any = result.loaded
        facts = loaded[1]
        return render_svg(unit_pictures(facts.index, facts.builds, result.findings))
    finally:
        os.chdir(here)


def pictures(root: Path) -> dict[str, str]:
    """The text of each picture, by file name."""
    found = {}
    with tempfile.TemporaryDirectory() as scratch:
        broken = write_broken_variant(root, Path(scratch) / "todo-chatbot")
        for name, is_broken in PICTURES.items():
            found[name] = picture_svg(broken if is_broken else reference_dir(root))
    return found


def main(argv: list[str]) -> int:
    root = Path(argv[1] if len(argv) > 1 else ".")
    images = root / "docs" / "images"
    images.mkdir(parents=True, exist_ok=True)
    for name, text in pictures(root).items():
        (images / name).write_text(text, encoding="utf-8")
        print(f"wrote {images / name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
