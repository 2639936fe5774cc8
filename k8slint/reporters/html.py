"""The HTML report: one self-contained file to open in a browser.

Findings grouped by file or by rule, each with its source line, related
locations and fix hint; filters by severity and rule; the graph of each
deployment unit (reporters.graph's svg) with its broken edges red and linked
to their findings. The list is drawn a page at a time by the page's script, so
the report of 10,000 findings opens as fast as that of ten.

No network: the CSS and the script are inline, and the page's Content Security
Policy allows nothing else (``default-src 'none'``; the script and styles by
their hashes), so even markup that slipped into the page could neither run nor
fetch. Nothing from the input is written as markup: the findings travel as
JSON (``<``, ``>``, ``&`` escaped) that the script puts into the page as text
(``textContent``), each text first made visible by reporters.safe.printable (no
control or bidi character survives); the svg and the summary escape theirs.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Sequence
from html import escape
from typing import Any

from k8slint import __version__
from k8slint.findings import SNIPPET_LIMIT, Finding, Result, Severity
from k8slint.model.graph.picture import UnitPicture
from k8slint.reporters.graph import STYLE as GRAPH_STYLE
from k8slint.reporters.graph import render_svg
from k8slint.reporters.safe import FILE_LIMIT, printable

PAGE_SIZE = 200
"""Findings drawn at a time."""
DRAWN_NODES = 300
"""Nodes of a unit drawn whole; a larger unit is drawn around its broken wiring only."""
DRAWN_TOTAL = 2000
"""Nodes drawn whole in all units together."""

CSS = """
:root{--error:#c5221f;--warning:#b06000;--info:#1967d2;--line:#dadce0;--muted:#5f6368}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#202124;background:#f8f9fa}
header{padding:16px 24px;background:#fff;border-bottom:1px solid var(--line)}
h1{font-size:20px;margin:0 0 4px}
h2{font-size:16px;margin:24px 0 8px}
.summary span{margin-right:14px}
.sev-error{color:var(--error)}.sev-warning{color:var(--warning)}.sev-info{color:var(--info)}
main{padding:0 24px 48px}
#controls{position:sticky;top:0;z-index:2;background:#f8f9fa;padding:10px 0;border-bottom:1px solid var(--line);display:flex;flex-wrap:wrap;gap:14px;align-items:center}
#controls label{white-space:nowrap}
#focus{background:#fce8e6;border:1px solid var(--error);padding:4px 10px;border-radius:4px}
.group{margin-top:16px}
.group>h3{font-size:14px;margin:0 0 6px;padding:6px 10px;background:#e8eaed;border-radius:4px;word-break:break-all}
.finding{background:#fff;border:1px solid var(--line);border-left:4px solid var(--line);border-radius:4px;padding:8px 12px;margin:6px 0}
.finding.error{border-left-color:var(--error)}.finding.warning{border-left-color:var(--warning)}.finding.info{border-left-color:var(--info)}
.finding.target{outline:3px solid #fbbc04}
.head{font-weight:600}
.where,.context,.related{color:var(--muted);font-size:12px}
.where{font-family:ui-monospace,Menlo,Consolas,monospace}
pre.snippet{margin:6px 0;padding:6px 8px;background:#f1f3f4;border-radius:3px;overflow-x:auto;font:12px ui-monospace,Menlo,Consolas,monospace}
.hint{color:#137333}
#pager{margin:16px 0;display:flex;gap:10px;align-items:center}
#graphs{overflow-x:auto;background:#fff;border:1px solid var(--line);border-radius:4px;padding:8px}
#graphs [data-findings]{cursor:pointer}
#graphs [data-findings]:hover path.wire{stroke-width:4}
.empty{color:var(--muted);padding:12px 0}
"""

SCRIPT = r"""
(function () {
  "use strict";
  var started = performance.now();
  var data = JSON.parse(document.getElementById("k8slint-data").textContent);
  var findings = data.findings, rules = data.rules, PAGE = data.pageSize;
  var state = {severities: {error: true, warning: true, info: true}, rule: "", group: "file", page: 0, only: null};
  var list = document.getElementById("findings"), pager = document.getElementById("pager");
  var shownCount = document.getElementById("shown-count"), focus = document.getElementById("focus");
  var ruleSelect = document.getElementById("rule"), groupSelect = document.getElementById("group");

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  var codes = Object.keys(rules).sort();
  codes.forEach(function (code) {
    var option = el("option", null, code + " " + rules[code].name + " (" + rules[code].count + ")");
    option.value = code;
    ruleSelect.appendChild(option);
  });

  function readHash() {
    var params = new URLSearchParams(location.hash.slice(1));
    if (params.has("severity")) {
      var wanted = params.get("severity").split(",");
      ["error", "warning", "info"].forEach(function (s) { state.severities[s] = wanted.indexOf(s) >= 0; });
    } else {
      state.severities = {error: true, warning: true, info: true};
    }
    state.rule = params.has("rule") && rules.hasOwnProperty(params.get("rule")) ? params.get("rule") : "";
    state.group = params.get("group") === "rule" ? "rule" : "file";
    state.page = Math.max(0, parseInt(params.get("page") || "0", 10) || 0);
    state.only = params.has("only") ? params.get("only").split(",").map(Number).filter(function (n) { return n >= 0 && n < findings.length; }) : null;
  }

  function writeHash() {
    var params = new URLSearchParams();
    var severities = ["error", "warning", "info"].filter(function (s) { return state.severities[s]; });
    if (severities.length !== 3) params.set("severity", severities.join(","));
    if (state.rule) params.set("rule", state.rule);
    if (state.group !== "file") params.set("group", state.group);
    if (state.page) params.set("page", String(state.page));
    if (state.only) params.set("only", state.only.join(","));
    var text = params.toString();
    history.replaceState(null, "", text ? "#" + text : location.pathname + location.search);
  }

  function selected() {
    if (state.only) return state.only.slice().sort(function (a, b) { return a - b; });
    var out = [];
    for (var i = 0; i < findings.length; i++) {
      var f = findings[i];
      if (state.severities[f.severity] && (!state.rule || f.code === state.rule)) out.push(i);
    }
    return out;
  }

  function ordered(indices) {
    var key = state.group === "rule" ? "code" : "file";
    var groups = {}, order = [];
    indices.forEach(function (i) {
      var name = findings[i][key];
      if (!groups.hasOwnProperty(name)) { groups[name] = []; order.push(name); }
      groups[name].push(i);
    });
    order.sort();
    var out = [];
    order.forEach(function (name) { groups[name].forEach(function (i) { out.push([name, i]); }); });
    return {rows: out, sizes: groups};
  }

  function findingNode(i) {
    var f = findings[i];
    var node = el("article", "finding " + f.severity);
    node.id = "f" + i;
    node.dataset.index = String(i);
    node.dataset.severity = f.severity;
    node.dataset.code = f.code;
    node.appendChild(el("div", "where", f.file + ":" + f.line + ":" + f.column));
    var head = el("div", "head");
    head.appendChild(el("span", "sev-" + f.severity, f.severity));
    head.appendChild(document.createTextNode(" " + f.code + " " + f.rule + ": " + f.message));
    node.appendChild(head);
    if (f.context) node.appendChild(el("div", "context", f.context));
    if (f.snippet) node.appendChild(el("pre", "snippet", String(f.line).padStart(5, " ") + " | " + f.snippet));
    f.related.forEach(function (r) { node.appendChild(el("div", "related", "note: " + r)); });
    if (f.hint) node.appendChild(el("div", "hint", "hint: " + f.hint));
    return node;
  }

  function render() {
    var indices = selected();
    var grouped = ordered(indices);
    var pages = Math.max(1, Math.ceil(grouped.rows.length / PAGE));
    if (state.page >= pages) state.page = pages - 1;
    var start = state.page * PAGE, rows = grouped.rows.slice(start, start + PAGE);
    var fragment = document.createDocumentFragment(), current = null, body = null;
    rows.forEach(function (row) {
      if (row[0] !== current) {
        current = row[0];
        var section = el("section", "group");
        section.dataset.group = current;
        var label = state.group === "rule" && rules[current] ? current + " " + rules[current].name : current;
        section.appendChild(el("h3", null, label + " (" + grouped.sizes[current].length + ")"));
        body = section;
        fragment.appendChild(section);
      }
      body.appendChild(findingNode(row[1]));
    });
    list.replaceChildren(fragment);
    if (!rows.length) list.appendChild(el("p", "empty", "No finding matches the filters."));
    list.dataset.shown = String(indices.length);
    list.dataset.drawn = String(rows.length);
    shownCount.textContent = indices.length + " of " + findings.length + " findings";
    pager.replaceChildren();
    if (pages > 1) {
      var back = el("button", null, "previous"), next = el("button", null, "next");
      back.id = "previous"; next.id = "next";
      back.disabled = state.page === 0; next.disabled = state.page >= pages - 1;
      back.onclick = function () { state.page--; update(); window.scrollTo(0, list.offsetTop); };
      next.onclick = function () { state.page++; update(); window.scrollTo(0, list.offsetTop); };
      pager.appendChild(back);
      pager.appendChild(el("span", null, "page " + (state.page + 1) + " of " + pages));
      pager.appendChild(next);
    }
    focus.hidden = !state.only;
    ["error", "warning", "info"].forEach(function (s) { document.getElementById("sev-" + s).checked = state.severities[s]; });
    ruleSelect.value = state.rule;
    groupSelect.value = state.group;
  }

  function update() { writeHash(); render(); }

  ["error", "warning", "info"].forEach(function (s) {
    document.getElementById("sev-" + s).addEventListener("change", function (event) {
      state.severities[s] = event.target.checked; state.page = 0; state.only = null; update();
    });
  });
  ruleSelect.addEventListener("change", function () { state.rule = ruleSelect.value; state.page = 0; state.only = null; update(); });
  groupSelect.addEventListener("change", function () { state.group = groupSelect.value; state.page = 0; update(); });
  document.getElementById("show-all").addEventListener("click", function () { state.only = null; state.page = 0; update(); });
  document.querySelectorAll("#graphs [data-findings]").forEach(function (item) {
    item.addEventListener("click", function () {
      state.only = item.getAttribute("data-findings").split(" ").map(Number);
      state.page = 0;
      update();
      var first = document.getElementById("f" + state.only[0]);
      if (first) { first.classList.add("target"); first.scrollIntoView({block: "center"}); }
    });
  });
  window.addEventListener("hashchange", function () { readHash(); render(); });
  readHash();
  render();
  document.documentElement.dataset.renderMs = String(Math.round(performance.now() - started));
  document.documentElement.dataset.readyMs = String(Math.round(performance.now()));
})();
"""


def _csp_hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


def _safe_json(value: Any) -> str:
    """JSON to embed in a ``<script type="application/json">``: no ``<``, ``>`` or ``&`` (so no ``</script>``
    nor ``<!--``), and no line separators, written as the ``\\uXXXX`` escapes that read back the same."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    for char in "<>&\u2028\u2029":
        text = text.replace(char, f"\\u{ord(char):04x}")
    return text


def _finding_data(finding: Finding) -> dict[str, Any]:
    loc = finding.location
    context = []
    if finding.object is not None:
        context.append(printable(finding.object.describe()))
    if finding.path:
        context.append(printable(finding.path))
    if finding.source:
        context.append(f"from template {printable(finding.source)}")
    if len(finding.built_from) > 1:
        context.append("in " + ", ".join(printable(build) for build in finding.built_from))
    snippet = finding.snippet.rstrip() if finding.snippet is not None and finding.snippet.strip() else None
    return {
        "code": printable(finding.code, 40),
        "rule": printable(finding.rule, 100),
        "severity": str(finding.severity),
        "message": printable(finding.message),
        "file": printable(loc.file, FILE_LIMIT),
        "line": loc.line,
        "column": loc.column,
        "context": " · ".join(context),
        "snippet": printable(snippet, SNIPPET_LIMIT, tabs=True) if snippet is not None else None,
        "related": [
            f"{printable(r.message)} at {printable(r.location.file, FILE_LIMIT)}:{r.location.line}:{r.location.column}"
            for r in finding.related
        ],
        "hint": printable(finding.hint) if finding.hint else None,
    }


def _drawable(pictures: Sequence[UnitPicture]) -> tuple[list[UnitPicture], list[str]]:
    """The pictures to draw, and the names of the units shown only around their broken wiring.

    A unit of more than DRAWN_NODES nodes, or units beyond DRAWN_TOTAL nodes in all, would
    make a drawing too tall to read and slow to open; of those only the broken part is drawn.
    """
    drawn, cut = [], []
    total = 0
    for picture in pictures:
        if not picture.nodes:
            continue
        if len(picture.nodes) > DRAWN_NODES or total + len(picture.nodes) > DRAWN_TOTAL:
            cut.append(picture.name)
            picture = picture.around_broken()
            if not picture.nodes:
                continue
        total += len(picture.nodes)
        drawn.append(picture)
    return drawn, cut


def render_html(result: Result, pictures: Sequence[UnitPicture] = ()) -> str:
    """The report of ``result``, with the drawings of ``pictures`` (their broken edges link to ``result.findings``)."""
    position = {id(finding): number for number, finding in enumerate(result.findings)}
    rules: dict[str, dict[str, Any]] = {}
    for finding in result.findings:
        entry = rules.setdefault(printable(finding.code, 40), {"name": printable(finding.rule, 100), "count": 0})
        entry["count"] += 1
    data = {"findings": [_finding_data(f) for f in result.findings], "rules": rules, "pageSize": PAGE_SIZE}

    def finding_ids(found: Sequence[Finding]) -> str:
        return " ".join(str(position[id(f)]) for f in found if id(f) in position)

    drawn, cut = _drawable(pictures)
    svg = render_svg(drawn, finding_ids) if drawn else ""
    counts = {severity: result.count(severity) for severity in Severity}
    policy = (
        f"default-src 'none'; script-src {_csp_hash(SCRIPT)}; style-src {_csp_hash(CSS)} {_csp_hash(GRAPH_STYLE)}; "
        "img-src 'none'; form-action 'none'; base-uri 'none'"
    )
    summary = " ".join(
        f'<span class="sev-{severity}" id="count-{severity}" data-count="{counts[severity]}">{counts[severity]} {severity}</span>'
        for severity in sorted(Severity, reverse=True)
    )
    notes = "".join(f"<li>{escape(printable(note))}</li>" for note in result.notes)
    shortened = (
        f" Too large to draw whole, so drawn around their broken wiring only: {escape(', '.join(printable(name, 200) for name in cut[:5]))}"
        f"{f' and {len(cut) - 5} more' if len(cut) > 5 else ''} (k8slint graph draws everything)."
        if cut
        else ""
    )
    graphs = (
        f'<h2>Deployment graph</h2><p class="context" id="graph-note">Red dashed edges are broken wiring, labelled with the rule '
        f'code: click one to see its findings.{shortened}</p><div id="graphs">{svg}</div>'
        if svg
        else ""
    )
    severity_boxes = "".join(
        f'<label><input type="checkbox" id="sev-{severity}" checked> {severity} ({counts[severity]})</label>'
        for severity in sorted(Severity, reverse=True)
    )
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{policy}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>k8slint report</title>
<style>{CSS}</style>
</head>
<body>
<header>
<h1>k8slint report</h1>
<div class="summary" id="summary" data-findings="{len(result.findings)}"><span>{len(result.findings)} findings</span> {summary}
<span>{result.files} files, {result.objects} objects</span><span class="context">k8slint {escape(__version__)}</span></div>
{f'<ul class="context">{notes}</ul>' if notes else ""}
</header>
<main>
{graphs}
<h2>Findings</h2>
<div id="controls">
{severity_boxes}
<label>rule <select id="rule"><option value="">all rules</option></select></label>
<label>group by <select id="group"><option value="file">file</option><option value="rule">rule</option></select></label>
<span id="shown-count"></span>
<span id="focus" hidden>showing the findings of one edge <button id="show-all">show all</button></span>
</div>
<div id="findings"><noscript>The findings list needs JavaScript; the JSON report (--format json) holds the same.</noscript></div>
<div id="pager"></div>
</main>
<script type="application/json" id="k8slint-data">{_safe_json(data)}</script>
<script>{SCRIPT}</script>
</body>
</html>
"""
