"""One place that finds the runtime data shipped with k8slint.

In a source checkout (or an editable install) the data lives at the top of the
repository (``rules/``, ``schemas/``); in a wheel it is mapped to
``k8slint/_data/``. Everything else asks :func:`data_dir`.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

_PACKAGE_DIR = Path(__file__).resolve().parent


@functools.cache
def data_dir(name: str) -> Path:
    for candidate in (_PACKAGE_DIR / "_data" / name, _PACKAGE_DIR.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"k8slint data folder {name!r} is missing from this installation")


@functools.cache
def load_schema(name: str) -> dict[str, Any]:
    """A JSON Schema from ``schemas/``, e.g. ``load_schema("config")``."""
    with open(data_dir("schemas") / f"{name}.schema.json", encoding="utf-8") as handle:
        return json.load(handle)


@functools.cache
def load_package_yaml(name: str) -> Any:
    """A YAML data file kept inside the package (``k8slint/data/``)."""
    import yaml

    with open(_PACKAGE_DIR / "data" / name, encoding="utf-8") as handle:
        return yaml.load(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
