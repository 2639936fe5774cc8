"""benchmarks/RESULTS.md holds one section per benchmark between its own markers: a run replaces its section."""

from __future__ import annotations

from pathlib import Path


def markers(name: str) -> tuple[str, str]:
    """The comments that open and close the section ``name`` (``<!-- kustomize:start -->``)."""
    return f"<!-- {name}:start -->", f"<!-- {name}:end -->"


def replace_section(path: Path, block: str, start: str, end: str) -> None:
    """Put ``block`` (which opens with ``start`` and closes with ``end``) where the file has that
    section, else at its end."""
    current = path.read_text(encoding="utf-8") if path.exists() else ""
    if start in current and end in current:
        before, _, rest = current.partition(start)
        _, _, after = rest.partition(end)
        current = before + block + after
    else:
        current = current.rstrip("\n") + "\n\n" + block + "\n"
    path.write_text(current, encoding="utf-8")
