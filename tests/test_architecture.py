"""The layers import one way: read every module's imports (function-level ones included) with ast.

findings, errors, resources   records and helpers every layer may use
model/                        objects, values, kinds, workloads, the object graph, schemas
sources/                      loading: builds the model's objects from files
checks/                       rules: read the model (and the loaded charts and Dockerfiles)
engine, reporters, cli        the run, its output, the command line
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "k8slint"

FOUNDATION = ("k8slint.findings", "k8slint.errors", "k8slint.resources", "k8slint.rulecodes", "k8slint.repository")
"""Modules with no k8slint imports of their own above them: any layer may use them."""


def _package_of(path: Path) -> str:
    """The package a module belongs to (relative imports count from it)."""
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1])


def _is_module(name: str) -> bool:
    where = PACKAGE.parent.joinpath(*name.split("."))
    return where.is_dir() or where.with_suffix(".py").exists()


def imports_in(text: str, package: str) -> set[str]:
    """Every k8slint module that code of ``package`` imports, at module level or inside functions."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            found.add(module)
            # ``from k8slint.model import kinds`` imports the module k8slint.model.kinds
            found.update(f"{module}.{alias.name}" for alias in node.names if _is_module(f"{module}.{alias.name}"))
    return {name for name in found if name == "k8slint" or name.startswith("k8slint.")}


def imports_of(path: Path) -> set[str]:
    return imports_in(path.read_text(encoding="utf-8"), _package_of(path))


def modules(layer: str) -> list[Path]:
    return sorted((PACKAGE / layer).rglob("*.py"))


def within(name: str, *prefixes: str) -> bool:
    return any(name == prefix or name.startswith(prefix + ".") for prefix in prefixes)


def imports_that(layer: str, wrong: Callable[[str], bool]) -> list[str]:
    """``<file> imports <module>`` for each import of the layer's modules that ``wrong`` picks."""
    return [
        f"{path.relative_to(PACKAGE.parent)} imports {name}"
        for path in modules(layer)
        for name in sorted(imports_of(path))
        if name != "k8slint" and wrong(name)
    ]


def test_the_model_imports_only_itself_and_the_foundation() -> None:
    """Nothing from sources, checks, engine, cli or reporters (nor registry, config or the registry client)."""
    assert imports_that("model", lambda name: not within(name, "k8slint.model", *FOUNDATION)) == []


def test_sources_import_only_the_model_and_the_foundation() -> None:
    assert imports_that("sources", lambda name: not within(name, "k8slint.sources", "k8slint.model", *FOUNDATION)) == []


def test_checks_import_no_other_check() -> None:
    """Logic two checks share belongs to the model."""
    assert imports_that("checks", lambda name: within(name, "k8slint.checks")) == []


def test_checks_do_not_reach_into_the_run() -> None:
    run = (
        "k8slint.engine",
        "k8slint.cli",
        "k8slint.reporters",
        "k8slint.load",
        "k8slint.plan",
        "k8slint.scheduler",
        "k8slint.stamp",
        "k8slint.suppress",
        "k8slint.image_lookups",
        "k8slint.oci",
        "k8slint.config",
    )
    assert imports_that("checks", lambda name: within(name, *run)) == []


def test_reporters_do_not_import_the_engine() -> None:
    """A reporter is a function of the result; it sees nothing of the run that made it."""
    assert imports_that("reporters", lambda name: within(name, "k8slint.engine")) == []


def test_the_reader_sees_function_level_and_relative_imports() -> None:
    """The tests above would pass vacuously if the reader missed imports."""
    text = "from . import kinds\nfrom .graph import index\ndef f():\n    from k8slint.sources.manifests import load_manifest_text\n"
    assert imports_in(text, "k8slint.model") == {
        "k8slint.model",
        "k8slint.model.kinds",
        "k8slint.model.graph",
        "k8slint.model.graph.index",
        "k8slint.sources.manifests",
    }
