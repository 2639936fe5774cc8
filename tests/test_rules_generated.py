"""Rule cases too large to keep as fixture files: they are generated here."""

from __future__ import annotations


def test_configmap_over_one_mib(lint_text) -> None:
    text = (
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\ndata:\n  a.txt: " + "x" * 600_000 + "\n  b.txt: " + "y" * 500_000 + "\n"
    )
    result = lint_text(text)
    (finding,) = [f for f in result.findings if f.rule == "configmap-too-large"]
    assert finding.location.line == 5
    assert "1,100,010 bytes" in finding.message


def test_configmap_just_under_the_limit(lint_text) -> None:
    text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\ndata:\n  a.txt: " + "x" * 1_048_000 + "\n"
    assert not [f for f in lint_text(text).findings if f.rule == "configmap-too-large"]
