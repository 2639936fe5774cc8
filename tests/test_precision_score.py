"""docs/precision/score.py: errors matched to their verdicts by code, file and line; unjudged errors fail."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

SCRIPT = Path(__file__).parent.parent / "docs" / "precision" / "score.py"


def _module():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("precision_score", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_errors_are_scored_by_their_verdicts_and_unjudged_ones_fail(tmp_path: Path, capsys) -> None:
    score = _module()
    reports, reviewed = tmp_path / "reports", tmp_path / "reviewed"
    reports.mkdir()
    reviewed.mkdir()
    findings = [
        {"code": "KM002", "file": "./a.yaml", "line": 3, "severity": "error", "message": "removed API"},
        {"code": "KR006", "file": "./a.yaml", "line": 9, "severity": "warning", "message": "latest"},
    ]
    (reports / "app.json").write_text(json.dumps({"findings": findings}))
    (reviewed / "findings-app.txt").write_text(
        "# verdict\tcode\tfile:line\tmessage\treason\nTRUE-DEFECT\tKM002\ta.yaml:3\t[error] removed API\tgone since 1.22\n"
        "FALSE\tKR006\ta.yaml:9\t[warning] latest\tthe digest pins it\n"
    )
    assert score.main([str(reports), str(reviewed)]) == 0
    out = capsys.readouterr().out
    assert "| app | 1 | TRUE-DEFECT 1 | 2 | {'FALSE': 1} |" in out
    findings.append({"code": "KN001", "file": "./b.yaml", "line": 1, "severity": "error", "message": "no pod"})
    (reports / "app.json").write_text(json.dumps({"findings": findings}))
    assert score.main([str(reports), str(reviewed)]) == 1
    assert "UNJUDGED app: KN001 b.yaml:1 no pod" in capsys.readouterr().err
