"""The HTML report in a real browser: headless Chromium (Debian's `chromium`) loads the report of the
reference deployment's broken variant; the test reads the DOM, uses the filters and the graph's links,
and keeps a screenshot under its temporary folder.

Without Chromium the tests skip, saying how to install it; in CI (.ci/run installs it) they fail.
"""

from __future__ import annotations

import json
import os
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from benchmarks.browser import Browser
from conftest import ROOT, tool_or_skip
from k8slint.docs_images import write_broken_variant

READY = "document.documentElement.dataset.readyMs"


@pytest.fixture
def browser() -> Iterator[Browser]:
    chromium = tool_or_skip("chromium", "Debian: apt-get install chromium")
    with Browser(chromium) as opened:
        yield opened


def _report(cli: Any, folder: Path) -> Path:
    here = Path.cwd()
    os.chdir(folder)
    try:
        outcome = cli("check", "--format", "html", "--output", "report.html", ".")
    finally:
        os.chdir(here)
    assert outcome.exit_code in (0, 1), outcome.output
    return folder / "report.html"


def _shown(browser: Browser) -> list[str]:
    value: list[str] = browser.evaluate("[...document.querySelectorAll('article.finding')].map(a => a.dataset.code)")
    return value


def test_the_broken_variant_in_chromium(cli: Any, browser: Browser, tmp_path: Path) -> None:
    report = _report(cli, write_broken_variant(ROOT, tmp_path / "todo-chatbot"))
    browser.open(report.as_uri(), READY)
    shot = browser.screenshot(tmp_path / "report.png")
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20000

    # the page's own styles and script run under its Content Security Policy (allowed by their hashes)
    assert browser.evaluate("getComputedStyle(document.querySelector('#graphs .edge.broken path.wire')).stroke") == "rgb(204, 0, 0)"
    assert browser.evaluate("getComputedStyle(document.querySelector('article.finding.error')).borderLeftColor") == "rgb(197, 34, 31)"

    # counts: the summary, the list, the graph
    assert browser.evaluate("document.getElementById('count-error').dataset.count") == "4"
    assert _shown(browser) == ["KN001", "KN021", "KN024", "KN041"]
    assert browser.evaluate("[...document.querySelectorAll('section.group')].map(s => s.dataset.group)") == [
        "./manifests/20-postgres.yaml",
        "./manifests/30-backend.yaml",
        "./manifests/50-ingress.yaml",
    ]
    assert browser.evaluate("document.querySelectorAll('#graphs .edge.broken').length") == 4
    assert browser.evaluate("document.querySelectorAll('#graphs .node.missing').length") == 1
    assert browser.evaluate("document.getElementById('shown-count').textContent") == "4 of 4 findings"
    snippet = browser.evaluate("document.querySelector('#f2 pre.snippet').textContent")
    assert snippet == "   65 |                   key: LOGLEVEL"

    # filters: severity, rule, grouping; each kept in the address
    browser.evaluate("document.getElementById('sev-error').click()")
    assert _shown(browser) == []
    assert browser.evaluate("document.querySelector('#findings .empty').textContent") == "No finding matches the filters."
    assert browser.evaluate("location.hash") == "#severity=warning%2Cinfo"
    browser.evaluate("document.getElementById('sev-error').click()")
    assert len(_shown(browser)) == 4
    browser.evaluate("(() => { const s = document.getElementById('rule'); s.value = 'KN024'; s.dispatchEvent(new Event('change')); })()")
    assert _shown(browser) == ["KN024"]
    assert browser.evaluate("location.hash") == "#rule=KN024"
    browser.evaluate("(() => { const s = document.getElementById('rule'); s.value = ''; s.dispatchEvent(new Event('change')); })()")
    browser.evaluate("(() => { const s = document.getElementById('group'); s.value = 'rule'; s.dispatchEvent(new Event('change')); })()")
    assert browser.evaluate("[...document.querySelectorAll('section.group h3')].map(h => h.textContent)") == [
        "KN001 service-selector-no-match (1)",
        "KN021 missing-secret (1)",
        "KN024 missing-configmap-key (1)",
        "KN041 ingress-backend-port-unknown (1)",
    ]

    # a broken edge of the graph shows its finding
    browser.evaluate(
        "[...document.querySelectorAll('#graphs .edge.broken')].find(e => e.textContent.endsWith('KN021'))"
        ".dispatchEvent(new MouseEvent('click', {bubbles: true}))"
    )
    assert _shown(browser) == ["KN021"]
    assert browser.evaluate("document.getElementById('focus').hidden") is False
    assert browser.evaluate("document.querySelector('article.finding').classList.contains('target')") is True
    browser.screenshot(tmp_path / "report-edge.png")
    browser.evaluate("document.getElementById('show-all').click()")
    assert len(_shown(browser)) == 4

    # the address restores the view
    browser.open(report.as_uri() + "#rule=KN041", READY)
    assert _shown(browser) == ["KN041"]


def test_hostile_names_stay_text_in_chromium(cli: Any, browser: Browser, tmp_path: Path) -> None:
    """Markup in names neither runs nor becomes elements; bidi controls show as their escapes."""
    hostile = '<img src=x onerror="window.pwned=1"><script>window.pwned=2</script>\u202eevil'
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
            metadata: {{name: web}}
            spec:
              selector: {{matchLabels: {{app: web}}}}
              template:
                metadata: {{labels: {{app: web}}}}
                spec:
                  containers:
                    - name: web
                      image: nginx:1.27
                      env:
                        - name: A
                          valueFrom: {{configMapKeyRef: {{name: settings, key: {json.dumps(hostile)}}}}}
            """
        ),
        encoding="utf-8",
    )
    report = _report(cli, tmp_path)
    browser.open(report.as_uri(), READY)
    assert browser.evaluate("window.pwned === undefined") is True
    assert browser.evaluate("document.querySelectorAll('img, #findings script').length") == 0
    message = browser.evaluate("[...document.querySelectorAll('article.finding')].find(a => a.dataset.code === 'KN024').textContent")
    assert '<img src=x onerror="window.pwned=1"><script>window.pwned=2</script>\\u202eevil' in message
    assert "\u202e" not in browser.evaluate("document.body.textContent")


def test_ten_thousand_findings_open_paged(browser: Browser, tmp_path: Path) -> None:
    """A page of findings at a time: 10,000 findings open with 200 drawn; turning a page draws the next 200."""
    from benchmarks.html_report import broken_variant_run, many_findings
    from k8slint.reporters.html import PAGE_SIZE, render_html

    result, pictures = broken_variant_run(tmp_path)
    report = tmp_path / "large.html"
    report.write_text(render_html(many_findings(result, 10000), pictures), encoding="utf-8")
    browser.open(report.as_uri(), READY)
    assert browser.evaluate("document.getElementById('findings').dataset.shown") == "10000"
    assert browser.evaluate("document.querySelectorAll('article.finding').length") == PAGE_SIZE
    first = browser.evaluate("document.querySelector('article.finding').id")
    browser.evaluate("document.getElementById('next').click()")
    assert browser.evaluate("document.querySelectorAll('article.finding').length") == PAGE_SIZE
    assert browser.evaluate("document.querySelector('article.finding').id") != first
    assert browser.evaluate("location.hash") == "#page=1"
    assert float(browser.evaluate(READY)) < 10000  # opens in seconds at worst on a loaded machine (RESULTS.md: the measure)
