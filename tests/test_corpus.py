"""Precision on real-world files: the findings on ../shared/corpus are reviewed and pinned.

Every line of tests/golden/corpus-findings.txt was read and judged true. A
change that adds or removes a finding fails here until the golden file is
regenerated (K8SLINT_UPDATE_GOLDEN=1) and the difference reviewed.
"""

from __future__ import annotations

import os

from conftest import ROOT, run_lint, shared_or_skip

GOLDEN = ROOT / "tests" / "golden" / "corpus-findings.txt"


# Pinned, so that a newer kubernetes-validate (a newer default target) does not move the golden file.
TARGET = "1.30"


def _lines(corpus) -> list[str]:
    result = run_lint(corpus, kubernetes_version=TARGET)
    assert not [f for f in result.findings if f.rule == "internal-error"]
    prefix = str(corpus) + "/"
    return [
        f"{f.location.file.removeprefix(prefix)}:{f.location.line}:{f.location.column} {f.code} {f.rule}: {f.message}"
        for f in result.findings
    ]


def test_corpus_findings_are_the_reviewed_ones() -> None:
    corpus = shared_or_skip("corpus")
    lines = _lines(corpus)
    if os.environ.get("K8SLINT_UPDATE_GOLDEN"):
        GOLDEN.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert lines == GOLDEN.read_text(encoding="utf-8").splitlines()
