"""Which file names are Dockerfiles, told without loading the Dockerfile model (discovery asks it of every file)."""

from __future__ import annotations

import re

# "Dockerfile" or "Containerfile" as a whole word of the name: alone, after a prefix that ends
# in a separator (app.Dockerfile, src__web__Dockerfile), and optionally before a suffix
# (Dockerfile.dev, Dockerfile-alpine), as projects name their build files.
_DOCKERFILE_NAME = re.compile(r"(?:.*[._-])?(?:dockerfile|containerfile)(?:[._-](?P<suffix>.+))?", re.IGNORECASE)
_NOT_A_DOCKERFILE = frozenset(
    # templates rendered into a Dockerfile first, archives, code, docs and data that name one
    [
        "j2",
        "jinja",
        "jinja2",
        "tpl",
        "tmpl",
        "template",
        "in",
        "erb",
        "mustache",
        "hbs",
        "gotmpl",
        "gz",
        "tgz",
        "tar",
        "zip",
        "bz2",
        "xz",
        "zst",
        "bak",
        "orig",
        "rej",
        "swp",
        "patch",
        "diff",
        "py",
        "pyc",
        "go",
        "rs",
        "js",
        "ts",
        "rb",
        "sh",
        "bash",
        "ps1",
        "java",
        "kt",
        "md",
        "rst",
        "txt",
        "html",
        "yaml",
        "yml",
        "json",
        "toml",
        "ini",
        "lock",
        "sum",
        "dockerignore",
    ]
)


def is_dockerfile_name(name: str) -> bool:
    """Dockerfile, Containerfile, *.Dockerfile, Dockerfile.*, and names such as src__web__Dockerfile;
    not templates, archives or code that only mention one (Dockerfile.j2, Dockerfile.tar.gz,
    test_dockerfile.py, dockerfiles.py)."""
    match = _DOCKERFILE_NAME.fullmatch(name)
    if match is None:
        return False
    suffix = match.group("suffix")
    return suffix is None or suffix.rsplit(".", 1)[-1].lower() not in _NOT_A_DOCKERFILE
