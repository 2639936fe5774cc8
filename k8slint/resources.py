"""One place that finds the runtime data shipped with k8slint.

In a source checkout (or an editable install) the data lives at the top of the
repository (``rules/``, ``schemas/``); in a wheel it is mapped to
``k8slint/_data/``. Everything else asks :func:`data_dir`.
"""

from __future__ import annotations

import functools
import json
import os
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
    """A YAML data file kept inside the package (``k8slint/data/``).

    Read from its compiled JSON beside it (``NAME.compiled.json``, written by ``python -m k8slint.docs``)
    when that was compiled from the YAML file as it is now: PyYAML takes ~2.5 ms for the 8 KB of
    api-lifecycle.yaml, which every run with objects reads, json a tenth of that."""
    import zlib

    with open(_PACKAGE_DIR / "data" / name, "rb") as handle:
        raw = handle.read()
    try:
        with open(_compiled_path(name), encoding="utf-8") as handle:
            compiled = json.load(handle)
    except (OSError, ValueError):
        compiled = None
    if isinstance(compiled, dict) and compiled.get("digest") == f"crc32:{zlib.crc32(raw):08x}":
        return compiled["data"]
    return _parse_package_yaml(raw)


def _parse_package_yaml(raw: bytes) -> Any:
    import yaml

    return yaml.load(raw.decode("utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def _compiled_path(name: str) -> Path:
    return _PACKAGE_DIR / "data" / f"{name.removesuffix('.yaml')}.compiled.json"


def compiled_package_yaml(name: str) -> str:
    """The text of the compiled JSON of the package data file ``name``: its digest, then its data."""
    import zlib

    raw = (_PACKAGE_DIR / "data" / name).read_bytes()
    data = json.dumps(_parse_package_yaml(raw), ensure_ascii=False, indent=1)
    comment = f"Generated from {name} by `python -m k8slint.docs`; do not edit by hand."
    return f'{{"comment": {json.dumps(comment)},\n"digest": "crc32:{zlib.crc32(raw):08x}",\n"data": {data}}}\n'


def package_yaml_names() -> list[str]:
    return sorted(name for name in os.listdir(_PACKAGE_DIR / "data") if name.endswith(".yaml"))


def write_compiled_package_data() -> list[Path]:
    """Write the compiled JSON of every YAML data file of ``k8slint/data/``."""
    written = []
    for name in package_yaml_names():
        target = _compiled_path(name)
        target.write_text(compiled_package_yaml(name), encoding="utf-8")
        written.append(target)
    return written
