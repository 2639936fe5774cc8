"""Every rule fixture: fail_* cases fire exactly on their `# expect: CODE` lines, pass_* cases never.

In Dockerfiles, where a comment must stand on a line of its own, `# expect-next: CODE`
marks the line after it.

A case is a file, or a folder linted as one set (with its own .k8slint.yaml, if
any). All rules run, so suppressions and rule interplay are exercised; the
findings of the rule under test are compared as (code, line) pairs.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import FIXTURES, run_lint, skip_without_cel
from k8slint.registry import registry

EXPECT = re.compile(r"#\s*expect(-next)?:\s*([A-Z]{2}[0-9]{3}(?:\s*,\s*[A-Z]{2}[0-9]{3})*)")
RULES_DIR = FIXTURES / "rules"


def _cases() -> list[Path]:
    return sorted(p for p in RULES_DIR.glob("*/*") if p.name.startswith(("pass_", "fail_")))


def _expected(case: Path) -> set[tuple[str, str, int]]:
    files = [case] if case.is_file() else sorted(f for f in case.rglob("*") if f.is_file())
    expected = set()
    for file in files:
        for number, line in enumerate(file.read_text(encoding="utf-8").splitlines(), start=1):
            match = EXPECT.search(line)
            if match:
                target = number + 1 if match.group(1) else number
                for code in match.group(2).split(","):
                    expected.add((file.name, code.strip(), target))
    return expected


@pytest.mark.parametrize("case", _cases(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_fixture(case: Path) -> None:
    code = case.parent.name
    assert registry().get(code) is not None, f"fixture folder {code} names no rule"
    skip_without_cel(code)
    result = run_lint(".", cwd=case) if case.is_dir() else run_lint(case)
    assert not [f for f in result.findings if f.rule == "internal-error"], result.findings
    found = {(Path(f.location.file).name, f.code, f.location.line) for f in result.findings if f.code == code}
    expected = _expected(case)
    if case.name.startswith("fail_"):
        assert expected, f"{case} is a failing case without '# expect:' markers"
    else:
        assert not expected, f"{case} is a passing case with '# expect:' markers"
    assert found == expected


def test_every_checked_rule_has_fixtures() -> None:
    folders = {p.name for p in RULES_DIR.iterdir() if p.is_dir()}
    for rule in registry():
        if rule.code in ("KL006", "KL009", "KL015", "KL900", "DF010", "DF011", "CH010"):
            # unreadable, huge and skipped files, crashes, registries and Helm's renders are made by tests
            # (tests/test_helm_render.py for CH010), not fixture files
            continue
        assert rule.code in folders, f"{rule.code} {rule.name} has no fixtures"
        kinds = {p.name.split("_")[0] for p in (RULES_DIR / rule.code).iterdir()}
        # a failing ConfigMap is over 1 MiB and an empty file cannot carry a marker: tests/test_robustness.py
        wanted = {"pass"} if rule.code in ("KC002", "KL008") else {"pass", "fail"}
        assert kinds == wanted, f"{rule.code} needs both pass_ and fail_ cases"
