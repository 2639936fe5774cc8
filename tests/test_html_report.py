"""`k8slint check --format html`: one self-contained file, every input text escaped (the browser's view is
tests/test_html_browser.py)."""

from __future__ import annotations

import json
import os
import re
import textwrap
from pathlib import Path
from typing import Any

from conftest import ROOT, run_lint
from k8slint.docs_images import write_broken_variant
from k8slint.model.graph.picture import unit_pictures
from k8slint.reporters.html import render_html

HOSTILE = '<script>alert("x")</script>\u202egnp.exe\u2066 "quoted" \'single\' </script><!--'


def _data(html: str) -> dict[str, Any]:
    found = re.search(r'<script type="application/json" id="k8slint-data">(.*?)</script>', html, re.DOTALL)
    assert found is not None
    data: dict[str, Any] = json.loads(found[1])
    return data


def _report(folder: Path) -> str:
    result = run_lint(".", cwd=folder)
    facts = result.loaded[1]  # type: ignore[index]
    return render_html(result, unit_pictures(facts.index, facts.builds, result.findings))


def test_the_cli_writes_the_report_of_the_broken_variant(cli: Any, tmp_path: Path) -> None:
    broken = write_broken_variant(ROOT, tmp_path / "todo-chatbot")
    here = Path.cwd()
    os.chdir(broken)
    try:
        outcome = cli("check", "--format", "html", "--output", "report.html", ".")
    finally:
        os.chdir(here)
    assert outcome.exit_code == 1  # four errors; the terminal shows the text report
    assert "Found 4 errors" in outcome.output
    html = (broken / "report.html").read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    data = _data(html)
    assert [(f["code"], f["file"], f["line"]) for f in data["findings"]] == [
        ("KN001", "./manifests/20-postgres.yaml", 33),
        ("KN021", "./manifests/30-backend.yaml", 49),
        ("KN024", "./manifests/30-backend.yaml", 65),
        ("KN041", "./manifests/50-ingress.yaml", 32),
    ]
    assert data["findings"][2]["snippet"] == "                  key: LOGLEVEL"
    assert data["findings"][2]["hint"].startswith("Add the key to the ConfigMap")
    assert data["rules"]["KN024"] == {"name": "missing-configmap-key", "count": 1}
    assert 'id="count-error" data-count="4"' in html
    # each broken edge links to its finding by position
    linked = re.findall(r'<g class="edge broken" data-findings="([0-9 ]+)"><title>(KN\d+)', html)
    assert sorted(linked, key=lambda pair: pair[1]) == [("0", "KN001"), ("1", "KN021"), ("2", "KN024"), ("3", "KN041")]
    assert html.count('class="node missing"') == 1


def test_the_report_fetches_nothing() -> None:
    """Inline CSS and script only; the Content Security Policy forbids every other source."""
    html = _report(ROOT / "reference" / "todo-chatbot")
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html)
    assert policy is not None and policy[1].startswith("default-src 'none'; script-src 'sha256-")
    assert "unsafe-inline" not in policy[1]
    # the SVG namespace (never fetched), and addresses in the report's text (a note's install hint): no attribute loads one
    assert "http://www.w3.org/2000/svg" in html
    assert not re.search(r"""(?:src|href|action|data)\s*=\s*["']?https?:""", html)
    assert not re.search(r"<(link|img|iframe|object|embed)\b", html)
    assert re.findall(r"<script[^>]*>", html) == ['<script type="application/json" id="k8slint-data">', "<script>"]


def test_hostile_names_reach_the_report_only_as_escaped_text(tmp_path: Path) -> None:
    """Object names, images and references holding markup, quotes and bidi controls: the page gets them as
    JSON text (no <, >, & raw) or escaped svg text, with every control and bidi character spelled visibly."""
    (tmp_path / "app.yaml").write_text(
        textwrap.dedent(
            f"""\
            apiVersion: v1
            kind: ConfigMap
            metadata: {{name: settings}}
            data: {{MODE: "1"}}
            ---
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: {json.dumps(HOSTILE)}
            spec:
              selector: {{matchLabels: {{app: web}}}}
              template:
                metadata: {{labels: {{app: web}}}}
                spec:
                  containers:
                    - name: {json.dumps(HOSTILE)}
                      image: {json.dumps(HOSTILE)}
                      env:
                        - name: A
                          valueFrom: {{configMapKeyRef: {{name: settings, key: {json.dumps(HOSTILE)}}}}}
            """
        ),
        encoding="utf-8",
    )
    html = _report(tmp_path)
    data = _data(html)
    assert any(f["code"] == "KN024" for f in data["findings"])  # the edge to the ConfigMap is broken
    assert len(re.findall(r"<script\b", html)) == 2 and html.count("</script>") == 2
    assert "<!--" not in html
    for char in "\u202e\u2066\u2028\u2029\x1b":
        assert char not in html
    texts = json.dumps(data)
    assert "\\\\u202egnp.exe" in texts  # shown as the six characters \u202e
    assert any('<script>alert("x")</script>' in f["message"] for f in data["findings"])  # as text, for textContent
    svg = html[html.index("<svg") : html.index("</svg>")]
    assert "<script" not in svg and "&lt;script&gt;alert(&quot;x&quot;)" not in svg  # quotes need no escape in text
    assert '&lt;script&gt;alert("x")&lt;/script&gt;\\u202egnp.exe' in svg


def test_ten_thousand_findings_make_a_report_of_linear_size(tmp_path: Path) -> None:
    """The list is drawn a page at a time (PAGE_SIZE) from the data; the file grows linearly."""
    from benchmarks.html_report import broken_variant_run, many_findings

    result, pictures = broken_variant_run(tmp_path)
    small = render_html(many_findings(result, 1000), pictures)
    large = render_html(many_findings(result, 10000), pictures)
    assert len(_data(large)["findings"]) == 10000
    assert len(large) < 10.5 * len(small)
    assert len(large.encode("utf-8")) / 10000 < 1000  # bytes per finding


def test_a_unit_too_large_to_draw_is_drawn_around_its_broken_wiring(tmp_path: Path, monkeypatch: Any) -> None:
    from k8slint.reporters import html as reporter

    broken = write_broken_variant(ROOT, tmp_path / "todo-chatbot")
    whole = _report(broken)
    monkeypatch.setattr(reporter, "DRAWN_NODES", 10)
    cut = _report(broken)
    assert whole.count('<g class="node') == 21 and "Too large to draw whole" not in whole
    titles = re.findall(r'<g class="node[^"]*"[^>]*><title>([^<]*)</title>', cut)
    assert titles == [
        "Ingress todo-chatbot/todo",
        "Service todo-chatbot/backend",
        "Service todo-chatbot/postgres",
        "Deployment todo-chatbot/backend",
        "StatefulSet todo-chatbot/postgres",
        "ConfigMap todo-chatbot/todo-config",
        "Secret todo-chatbot/todo-secret (missing)",
    ]
    assert cut.count('class="edge broken"') == 4
    assert "Too large to draw whole, so drawn around their broken wiring only: manifests (k8slint graph draws everything)." in cut
