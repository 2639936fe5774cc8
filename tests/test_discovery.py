"""Which files are Dockerfiles: by name, the way projects name their build files."""

from __future__ import annotations

from pathlib import Path

import pytest

from k8slint.sources.discover import discover
from k8slint.sources.dockerfile_names import is_dockerfile_name

DOCKERFILES = [
    "Dockerfile",
    "dockerfile",
    "Containerfile",
    "Dockerfile.dev",
    "Dockerfile-alpine",
    "Dockerfile_arm64",
    "app.Dockerfile",
    "backend.dockerfile",
    "src__web__Dockerfile",
    "src__cartservice__src__Dockerfile.debug",
]
NOT_DOCKERFILES = [
    "test_dockerfile.py",  # code about Dockerfiles
    "dockerfiles.py",
    "dockerfile_rules.py",
    "Dockerfile.tar.gz",  # an archive
    "Dockerfile.j2",  # a template, rendered into a Dockerfile first
    "Dockerfile.prod.tmpl",
    "Dockerfile.in",
    "Dockerfile.md",
    ".dockerignore",
    "Dockerfiles",
    "mydockerfile",
]


@pytest.mark.parametrize("name", DOCKERFILES)
def test_build_file_names_are_dockerfiles(name: str) -> None:
    assert is_dockerfile_name(name)


@pytest.mark.parametrize("name", NOT_DOCKERFILES)
def test_names_that_only_mention_a_dockerfile_are_not(name: str) -> None:
    assert not is_dockerfile_name(name)


def test_a_linter_source_tree_yields_only_its_dockerfiles(tmp_path: Path) -> None:
    """k8slint's own tree once gave 222 dockerfile-syntax errors on sources/dockerfiles.py."""
    for name in [
        "k8slint/sources/dockerfiles.py",
        "tests/test_dockerfile.py",
        "build/Dockerfile.tar.gz",
        "deploy/Dockerfile.j2",
        "Dockerfile",
    ]:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("FROM alpine:3.20\n", encoding="utf-8")
    found = discover([str(tmp_path)])
    assert [Path(f.display).relative_to(tmp_path).as_posix() for f in found.files if f.is_dockerfile] == ["Dockerfile"]
