"""Coverage-guided fuzz targets (atheris, libFuzzer) for the manifest and Dockerfile loaders.

    python -m fuzz.targets manifest [CORPUS_DIR ...] [libFuzzer flags]
    python -m fuzz.targets dockerfile [CORPUS_DIR ...] [libFuzzer flags]

Each input is written to a file and linted exactly as ``k8slint check FILE``
lints it: decoding, the size and complexity guards, the safe YAML loader (or
BuildKit's Dockerfile parser), schema validation and every rule. A crash is
an exception that escapes ``lint()``, or an ``internal-error`` finding (a rule
that raised on the input). The rule fixtures always seed the run; the inputs
libFuzzer keeps go to the first corpus folder given, if any.

Every crash found becomes a file in ``fuzz/regressions/<target>/``, which
tests/test_fuzz.py replays on every test run (atheris is not needed for that).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REGRESSIONS = ROOT / "fuzz" / "regressions"
TARGETS = {"manifest": "input.yaml", "dockerfile": "Dockerfile"}


class FuzzCrash(Exception):
    """A rule crashed on the input (it was reported as internal-error)."""


class Linter:
    """Lints one input at a time in a private scratch folder, with default settings."""

    def __init__(self, target: str) -> None:
        from k8slint.config import build_settings
        from k8slint.engine import lint
        from k8slint.registry import registry

        self.lint = lint
        self.name = TARGETS[target]
        self.settings = build_settings(registry(), None)
        self.folder = Path(tempfile.mkdtemp(prefix=f"k8slint-fuzz-{target}-"))

    def check(self, data: bytes) -> None:
        """Lint ``data``; raise if anything crashed."""
        path = self.folder / self.name
        path.write_bytes(data)
        result = self.lint([str(path)], self.settings, jobs=1)
        crashed = [f for f in result.findings if f.rule == "internal-error"]
        if crashed:
            raise FuzzCrash(crashed[0].message)


def seeds(target: str) -> list[Path]:
    """The rule fixtures of the target's kind, as a starting corpus."""
    fixtures = ROOT / "fixtures"
    if target == "dockerfile":
        return sorted(p for p in fixtures.rglob("*Dockerfile*") if p.is_file())
    return sorted(p for p in fixtures.rglob("*") if p.is_file() and p.suffix in (".yaml", ".yml", ".json"))


def main(argv: list[str]) -> None:
    if len(argv) < 2 or argv[1] not in TARGETS:
        raise SystemExit(f"usage: python -m fuzz.targets {{{','.join(TARGETS)}}} [CORPUS_DIR ...] [libFuzzer flags]")
    import atheris

    target = argv[1]
    linter = Linter(target)
    for seed in seeds(target)[:3]:
        linter.check(seed.read_bytes())  # imports every lazily loaded module before instrumenting
    atheris.instrument_all()
    args = [argv[0], *argv[2:]]
    # The rule fixtures always seed the run, after the folders given (libFuzzer adds
    # the inputs it keeps to the first folder).
    seed_dir = Path(tempfile.mkdtemp(prefix=f"k8slint-fuzz-seeds-{target}-"))
    for number, seed in enumerate(seeds(target)):
        (seed_dir / f"{number:04d}-{seed.name}").write_bytes(seed.read_bytes())
    args.append(str(seed_dir))
    atheris.Setup(args, linter.check)
    atheris.Fuzz()


if __name__ == "__main__":
    main(sys.argv)
