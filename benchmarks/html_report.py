"""How fast the HTML report opens in a real browser (headless Chromium) at 10,000 findings.

Two reports: the findings of the Todo Chatbot's broken variant (k8slint.docs_images)
repeated over files up to ``--findings``, with the variant's graph; and the real
run on a generated corpus of ``--documents`` documents (benchmarks.generate), whose
one large unit the report draws around its broken wiring. Measured: the time to
write the report, its size, and in Chromium the time from navigation until the
page's script has drawn the first page of findings (``data-ready-ms``,
performance.now() at that point), then the time to apply a filter and to turn a page.

    python -m benchmarks.html_report --findings 10000 --documents 10000 --runs 3 --out benchmarks/RESULTS.md
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.browser import Browser, find_chromium
from benchmarks.results import markers, replace_section
from k8slint.findings import Finding, Location, Result

ROOT = Path(__file__).resolve().parent.parent
START, END = markers("html-report")


def broken_variant_run(scratch: Path) -> tuple[Result, Any]:
    """The lint result of the broken variant, and its pictures."""
    import os

    from k8slint.cli import _pictures, _settings
    from k8slint.docs_images import write_broken_variant
    from k8slint.engine import lint

    folder = write_broken_variant(ROOT, scratch / "todo-chatbot")
    here = os.getcwd()
    os.chdir(folder)
    try:
        result = lint(["."], _settings(None, False, "."))
        return result, _pictures(result)
    finally:
        os.chdir(here)


def many_findings(result: Result, count: int) -> Result:
    """``result`` with its findings repeated over files ``apps/app-NNNNN/...`` up to ``count``."""
    originals = result.findings
    findings: list[Finding] = []
    copy = 0
    while len(findings) < count:
        for finding in originals:
            if len(findings) == count:
                break
            location = Location(f"apps/app-{copy:05d}/{finding.location.file.lstrip('./')}", finding.location.line, finding.location.column)
            findings.append(dataclasses.replace(finding, location=location))
        copy += 1
    findings.sort(key=lambda f: f.sort_key)
    return dataclasses.replace(result, findings=findings, files=copy * 10)


def _in_browser(chromium: str, report: Path, runs: int) -> dict[str, float]:
    """Medians over ``runs`` fresh browsers: navigation until the first page is drawn, a rule filter, a page turn."""
    ready, filtering, paging = [], [], []
    for _ in range(runs):
        with Browser(chromium) as browser:
            browser.open(report.as_uri(), "document.documentElement.dataset.readyMs")
            ready.append(float(browser.evaluate("document.documentElement.dataset.readyMs")))
            rule = browser.evaluate("document.querySelector('#rule option:nth-child(2)').value")
            filtering.append(
                browser.evaluate(
                    "(() => { const t = performance.now(); const s = document.getElementById('rule');"
                    f" s.value = {rule!r}; s.dispatchEvent(new Event('change')); return performance.now() - t; }})()"
                )
            )
            browser.evaluate("(() => { const s = document.getElementById('rule'); s.value = ''; s.dispatchEvent(new Event('change')); })()")
            paging.append(
                browser.evaluate(
                    "(() => { const t = performance.now(); document.getElementById('next').click(); return performance.now() - t; })()"
                )
            )
    return {"ready": statistics.median(ready), "filter": statistics.median(filtering), "page": statistics.median(paging)}


def measure(count: int, documents: int, runs: int) -> dict[str, Any]:
    import os

    from benchmarks.generate import generate
    from k8slint.cli import _pictures, _settings
    from k8slint.engine import lint
    from k8slint.reporters.html import render_html

    chromium = find_chromium()
    if chromium is None:
        raise SystemExit("no chromium on PATH (Debian: apt-get install chromium)")
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as scratch_name:
        scratch = Path(scratch_name)
        result, pictures = broken_variant_run(scratch)
        big = many_findings(result, count)
        corpus = scratch / "corpus"
        written = generate(documents, corpus)
        here = os.getcwd()
        os.chdir(corpus)
        try:
            linted = lint(["."], _settings(None, True, "."))
            corpus_pictures = _pictures(linted)
        finally:
            os.chdir(here)
        cases = [
            (f"the broken variant's {len(result.findings)} findings repeated to {count:,}, its graph", big, pictures),
            (
                f"generated corpus, {written:,} documents (benchmarks.generate, seed 1): {len(linted.findings):,} findings, one unit",
                linted,
                corpus_pictures,
            ),
        ]
        for what, run, drawn in cases:
            started = time.perf_counter()
            text = render_html(run, drawn)
            render_seconds = time.perf_counter() - started
            report = scratch / "report.html"
            report.write_text(text, encoding="utf-8")
            rows.append({"what": what, "bytes": len(text.encode("utf-8")), "render": render_seconds, **_in_browser(chromium, report, runs)})
    return {"rows": rows, "runs": runs, "browser": Browser.version(chromium), "findings": count, "documents": documents}


def section(found: dict[str, Any]) -> str:
    lines = [
        START,
        f"### HTML report in a browser (medians of {found['runs']} loads, each in a fresh browser)",
        "",
        f"{found['browser']}, headless, driven through the DevTools pipe (benchmarks/browser.py).",
        "Ready: from navigation until the page's script has drawn the first page of findings",
        "(performance.now() then). Command:",
        f"`python -m benchmarks.html_report --findings {found['findings']} --documents {found['documents']} --runs {found['runs']} --out benchmarks/RESULTS.md`.",
        "",
        "| report | size | render_html | ready | filter by a rule | next page |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for row in found["rows"]:
        lines.append(
            f"| {row['what']} | {row['bytes'] / 1e6:.1f} MB | {row['render']:.2f} s | {row['ready']:.0f} ms "
            f"| {row['filter']:.0f} ms | {row['page']:.0f} ms |"
        )
    lines.append(END)
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--findings", type=int, default=10000)
    parser.add_argument("--documents", type=int, default=10000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", type=Path)
    arguments = parser.parse_args()
    text = section(measure(arguments.findings, arguments.documents, arguments.runs))
    print(text)
    if arguments.out is not None:
        replace_section(arguments.out, text, START, END)


if __name__ == "__main__":
    main()
