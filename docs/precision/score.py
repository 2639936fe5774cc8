"""Score a k8slint run against a review: how many errors are real defects, how many findings are false.

    python docs/precision/score.py REPORTS_DIR VERDICTS_DIR

REPORTS_DIR holds one JSON report per repository (``k8slint check --format json``), named
``<repo>.json``; VERDICTS_DIR holds the reviewed ``findings-<repo>.txt`` files
(``verdict<TAB>code<TAB>file:line<TAB>message<TAB>reason``). A finding is matched to its verdict by
code, file and line. Errors without a verdict are listed as UNJUDGED: a review is complete only
when there are none.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path


def verdicts(path: Path) -> dict[tuple[str, str], str]:
    found: dict[tuple[str, str], str] = {}
    if not path.exists():
        return found
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if line.startswith("#") or len(parts) < 4:
            continue
        found[(parts[1], parts[2])] = parts[0]
    return found


def score(report: dict[str, object], judged: dict[tuple[str, str], str]) -> tuple[Counter[str], Counter[str], list[str]]:
    """(verdicts of the errors, verdicts of the false findings of any severity, unjudged errors)."""
    errors: Counter[str] = Counter()
    false: Counter[str] = Counter()
    unjudged: list[str] = []
    findings = report["findings"]
    assert isinstance(findings, list)
    for finding in findings:
        where = f"{str(finding['file']).removeprefix('./')}:{finding['line']}"
        verdict = judged.get((finding["code"], where))
        if finding["severity"] == "error":
            if verdict is None:
                unjudged.append(f"{finding['code']} {where} {finding['message']}")
                verdict = "UNJUDGED"
            errors[verdict] += 1
        if verdict is not None and verdict.startswith("FALSE"):
            false[verdict] += 1
    return errors, false, unjudged


def main(argv: list[str]) -> int:
    reports, reviewed = Path(argv[0]), Path(argv[1])
    total_errors: Counter[str] = Counter()
    total_false: Counter[str] = Counter()
    findings = 0
    print("| repository | errors | by verdict | findings | false (any severity) |")
    print("|---|---:|---|---:|---|")
    for path in sorted(reports.glob("*.json")):
        repo = path.stem
        report = json.loads(path.read_text(encoding="utf-8"))
        errors, false, unjudged = score(report, verdicts(reviewed / f"findings-{repo}.txt"))
        count = len(report["findings"])
        findings += count
        total_errors.update(errors)
        total_false.update(false)
        shown = ", ".join(f"{v} {n}" for v, n in sorted(errors.items())) or "none"
        print(f"| {repo} | {sum(errors.values())} | {shown} | {count} | {dict(false) or 0} |")
        for line in unjudged:
            print(f"UNJUDGED {repo}: {line}", file=sys.stderr)
    print(f"\nerrors {sum(total_errors.values())}: {dict(total_errors)}; findings {findings}, false {dict(total_false)}")
    return 1 if total_errors["UNJUDGED"] else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
