"""`k8slint graph`: the pictures of the deployment units as Mermaid, Graphviz dot, or SVG.

The SVG is laid out here, without Graphviz: the graph has a known layered
shape (traffic in -> Services -> workloads -> what their pods read, and the
build chain Dockerfile -> image -> container), so each node's column is its
layer (k8slint.model.graph.picture.LAYERS) and only the order within a column
is chosen, by a few barycenter sweeps (the ordering step of Sugiyama's layered
drawing). That is a hundred lines, deterministic, and needs no native library.

Names come from the input: every label is escaped visibly first
(reporters.safe.printable: no control or bidi character survives), then for the
format (Mermaid entity codes, dot string escapes, XML escapes).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from xml.sax.saxutils import escape, quoteattr

from k8slint.findings import Finding
from k8slint.model.graph.picture import Node, UnitPicture
from k8slint.reporters.safe import printable

FORMATS = ("mermaid", "dot", "svg")
NAME_LIMIT = 60
"""Characters of a name shown in a node (the whole name is in the svg's tooltip)."""


def _label(text: str, limit: int = NAME_LIMIT) -> str:
    return printable(text, limit)


def _node_lines(node: Node) -> tuple[str, str]:
    kind = node.kind + (" (missing)" if node.missing else " (elsewhere)" if node.elsewhere else "")
    name = f"{node.namespace}/{node.name}" if node.namespace else node.name
    return _label(kind), _label(name)


def _codes(findings: Sequence[Finding]) -> str:
    return " ".join(sorted({printable(f.code, 20) for f in findings}))


# ---- Mermaid ---------------------------------------------------------------

_MERMAID_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "#": "&num;", "`": "&grave;"}
"""Named HTML entities, which Mermaid's HTML labels decode as text: the quote would end the label, ``<``
and ``>`` make markup, a backtick opens a Markdown string, and ``#`` would start one of Mermaid's own
entity codes (``#60;``), which Mermaid 11 no longer decodes consistently."""


def _mermaid_text(text: str) -> str:
    """Text inside a quoted Mermaid label."""
    return "".join(_MERMAID_ESCAPES.get(char, char) for char in text)


def render_mermaid(pictures: Sequence[UnitPicture]) -> str:
    """A Mermaid flowchart (GitHub renders it in Markdown): a subgraph per unit, broken edges dashed, red and labelled."""
    lines = ["flowchart LR"]
    links: list[tuple[str, str, str]] = []
    marked: list[str] = []
    missing: list[str] = []
    elsewhere: list[str] = []
    for number, picture in enumerate(pictures):
        lines.append(f'  subgraph u{number}["{_mermaid_text(_label(picture.name, 200))}"]')
        for node in picture.nodes:
            kind, name = _node_lines(node)
            node_id = f"u{number}{node.id}"
            lines.append(f'    {node_id}["{_mermaid_text(kind)}<br/>{_mermaid_text(name)}"]')
            if node.missing:
                missing.append(node_id)
            elif node.elsewhere:
                elsewhere.append(node_id)
            if node.findings:
                marked.append(node_id)
        lines.append("  end")
        for edge in picture.edges:
            links.append((f"u{number}{edge.source}", f"u{number}{edge.target}", _codes(edge.findings)))
    broken = []
    for position, (source, target, codes) in enumerate(links):
        if codes:
            lines.append(f'  {source} -.->|"{_mermaid_text(codes)}"| {target}')
            broken.append(str(position))
        else:
            lines.append(f"  {source} --> {target}")
    lines.append("  classDef missing stroke:#c00,stroke-dasharray:5 5,color:#c00")
    lines.append("  classDef marked stroke:#c00,stroke-width:3px")
    lines.append("  classDef elsewhere stroke:#80868b,stroke-dasharray:3 3,color:#5f6368")
    if missing:
        lines.append(f"  class {','.join(missing)} missing")
    if elsewhere:
        lines.append(f"  class {','.join(elsewhere)} elsewhere")
    if marked:
        lines.append(f"  class {','.join(marked)} marked")
    if broken:
        lines.append(f"  linkStyle {','.join(broken)} stroke:#c00,stroke-width:2px,color:#c00")
    return "\n".join(lines) + "\n"


# ---- Graphviz dot ----------------------------------------------------------


def _dot_text(text: str) -> str:
    """A dot string's content: backslash and quote escaped (``\\N``, ``\\G`` would otherwise expand), and
    ``&``, ``<``, ``>`` as the character entities Graphviz decodes (so no markup reaches an svg made from it)."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace("\\", "\\\\").replace('"', '\\"')


def render_dot(pictures: Sequence[UnitPicture]) -> str:
    """A Graphviz digraph: a cluster per unit, missing nodes dashed, broken edges red, dashed and labelled."""
    lines = [
        "digraph k8slint {",
        "  rankdir=LR;",
        '  node [shape=box, style="rounded", fontname="Helvetica"];',
        '  edge [fontname="Helvetica"];',
    ]
    for number, picture in enumerate(pictures):
        lines.append(f"  subgraph cluster_{number} {{")
        lines.append(f'    label="{_dot_text(_label(picture.name, 200))}";')
        for node in picture.nodes:
            kind, name = _node_lines(node)
            attributes = f'label="{_dot_text(kind)}\\n{_dot_text(name)}"'
            if node.missing:
                attributes += ', style="rounded,dashed", color="#cc0000", fontcolor="#cc0000"'
            elif node.elsewhere:
                attributes += ', style="rounded,dashed", color="#80868b", fontcolor="#5f6368"'
            elif node.findings:
                attributes += f', color="#cc0000", penwidth=2, xlabel="{_dot_text(_codes(node.findings))}"'
            lines.append(f"    u{number}{node.id} [{attributes}];")
        for edge in picture.edges:
            if edge.broken:
                style = f' [color="#cc0000", fontcolor="#cc0000", style=dashed, penwidth=2, label="{_dot_text(_codes(edge.findings))}"]'
            else:
                style = ""
            lines.append(f"    u{number}{edge.source} -> u{number}{edge.target}{style};")
        lines.append("  }")
    lines.append("}")
    return "\n".join(lines) + "\n"


# ---- SVG -------------------------------------------------------------------

CHAR_WIDTH = 7.2
"""Width of a character of the 12px monospace font the svg uses, so that boxes fit their text without measuring."""
NODE_HEIGHT = 38
ROW_GAP = 14
COLUMN_GAP = 70
PADDING = 10
TITLE_HEIGHT = 28
SWEEPS = 4

_COLOURS = {
    "Ingress": "#e8f0fe",
    "HTTPRoute": "#e8f0fe",
    "Service": "#e6f4ea",
    "HorizontalPodAutoscaler": "#fef7e0",
    "PodDisruptionBudget": "#fef7e0",
    "container": "#f1f3f4",
    "image": "#f3e8fd",
    "Dockerfile": "#f3e8fd",
    "ConfigMap": "#fce8e6",
    "Secret": "#fce8e6",
    "PersistentVolumeClaim": "#fce8e6",
    "ServiceAccount": "#fce8e6",
}
_WORKLOAD_COLOUR = "#fff3e0"

STYLE = (
    ".k8slint-graph text{font:12px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;fill:#202124}"
    ".k8slint-graph .kind{font-size:10px;fill:#5f6368}"
    ".k8slint-graph .unit{font-size:14px;font-weight:bold}"
    ".k8slint-graph rect.box{stroke:#5f6368;stroke-width:1}"
    ".k8slint-graph .missing rect.box{stroke:#c00;stroke-dasharray:5 4;fill:#fff}"
    ".k8slint-graph .missing text{fill:#c00}"
    ".k8slint-graph .elsewhere rect.box{stroke-dasharray:3 3;fill:#fff}"
    ".k8slint-graph .marked rect.box{stroke:#c00;stroke-width:3}"
    ".k8slint-graph path.wire{fill:none;stroke:#80868b;stroke-width:1.3}"
    ".k8slint-graph .broken path.wire{stroke:#c00;stroke-width:2.2;stroke-dasharray:6 4}"
    ".k8slint-graph .broken text{fill:#c00;font-weight:bold}"
    ".k8slint-graph rect.code{fill:#fff;stroke:#c00}"
)


def _layout(picture: UnitPicture) -> tuple[dict[str, tuple[float, float, float]], list[float], float]:
    """Each node's (x, y, width), the x of each column, and the height of the drawing.

    Columns are the layers in use. Within a column, nodes start in the
    picture's order and are reordered by the mean row of their neighbours in
    the columns before (then after), a few times; ties keep the earlier order.
    """
    layers = sorted({node.layer for node in picture.nodes})
    column_of = {layer: position for position, layer in enumerate(layers)}
    columns: list[list[str]] = [[] for _ in layers]
    for node in picture.nodes:
        columns[column_of[node.layer]].append(node.id)
    neighbours: dict[str, list[str]] = {node.id: [] for node in picture.nodes}
    for edge in picture.edges:
        neighbours[edge.source].append(edge.target)
        neighbours[edge.target].append(edge.source)
    column_index = {node.id: column_of[node.layer] for node in picture.nodes}
    for sweep in range(SWEEPS):
        forward = sweep % 2 == 0
        order = range(1, len(columns)) if forward else range(len(columns) - 2, -1, -1)
        for position in order:
            row = {node_id: r for column in columns for r, node_id in enumerate(column)}
            side = position - 1 if forward else position + 1

            def centre(node_id: str, side: int = side, row: Mapping[str, int] = row) -> float:
                near = [row[other] for other in neighbours[node_id] if column_index[other] == side]
                return sum(near) / len(near) if near else row[node_id]

            columns[position] = sorted(columns[position], key=lambda node_id: (centre(node_id), row[node_id]))
    width_of = {node.id: PADDING * 2 + CHAR_WIDTH * max(len(line) for line in _node_lines(node)) for node in picture.nodes}
    xs: list[float] = []
    x: float = PADDING
    for column in columns:
        xs.append(x)
        x += max(width_of[node_id] for node_id in column) + COLUMN_GAP
    places: dict[str, tuple[float, float, float]] = {}
    height = 0.0
    for position, column in enumerate(columns):
        for r, node_id in enumerate(column):
            y = TITLE_HEIGHT + r * (NODE_HEIGHT + ROW_GAP)
            places[node_id] = (xs[position], y, width_of[node_id])
            height = max(height, y + NODE_HEIGHT)
    total_width = x - COLUMN_GAP + PADDING
    return places, [*xs, total_width], height + PADDING


def _n(value: float) -> str:
    return str(round(value, 1)).removesuffix(".0")


def _svg_unit(picture: UnitPicture, top: float, finding_ids: Callable[[Sequence[Finding]], str] | None) -> tuple[list[str], float, float]:
    places, xs, height = _layout(picture)
    width = xs[-1]
    parts = [f'<g class="unit-graph" transform="translate(0,{_n(top)})">']
    parts.append(f'<text class="unit" x="{PADDING}" y="18">{escape(_label(picture.name, 200))}</text>')
    for edge in picture.edges:
        sx, sy, sw = places[edge.source]
        tx, ty, tw = places[edge.target]
        if sx < tx:
            x1, x2 = sx + sw, tx
        elif sx > tx:
            x1, x2 = sx, tx + tw
        else:  # same column: a loop out to the right
            x1, x2 = sx + sw, tx + tw
        y1, y2 = sy + NODE_HEIGHT / 2, ty + NODE_HEIGHT / 2
        bend = max(abs(x2 - x1) / 2, 30) * (1 if x2 >= x1 else -1)
        if sx == tx:
            bend = 40
            path = f"M{_n(x1)},{_n(y1)} C{_n(x1 + bend)},{_n(y1)} {_n(x2 + bend)},{_n(y2)} {_n(x2)},{_n(y2)}"
        else:
            path = f"M{_n(x1)},{_n(y1)} C{_n(x1 + bend)},{_n(y1)} {_n(x2 - bend)},{_n(y2)} {_n(x2)},{_n(y2)}"
        if not edge.broken:
            parts.append(f'<g class="edge"><path class="wire" d="{path}" marker-end="url(#k8slint-arrow)"/></g>')
            continue
        codes = _codes(edge.findings)
        ids = finding_ids(edge.findings) if finding_ids is not None else ""
        linked = f" data-findings={quoteattr(ids)}" if ids else ""
        label_width = CHAR_WIDTH * len(codes) + 8
        # the code sits on the wire just before the arrowhead, level with the target, where no other box is
        mx, my = x2 - (1 if x2 >= x1 else -1) * (label_width / 2 + 16), y2
        titles = escape(" · ".join(printable(f"{f.code} {f.message}") for f in edge.findings))
        parts.append(
            f'<g class="edge broken"{linked}><title>{titles}</title>'
            f'<path class="wire" d="{path}" marker-end="url(#k8slint-arrow-broken)"/>'
            f'<rect class="code" x="{_n(mx - label_width / 2)}" y="{_n(my - 9)}" width="{_n(label_width)}" height="16" rx="3"/>'
            f'<text x="{_n(mx)}" y="{_n(my + 3)}" text-anchor="middle">{escape(codes)}</text></g>'
        )
    for node in picture.nodes:
        x, y, w = places[node.id]
        kind, name = _node_lines(node)
        classes = "node" + (" missing" if node.missing else " elsewhere" if node.elsewhere else "") + (" marked" if node.findings else "")
        ids = finding_ids(node.findings) if finding_ids is not None and node.findings else ""
        linked = f" data-findings={quoteattr(ids)}" if ids else ""
        colour = _COLOURS.get(node.kind, _WORKLOAD_COLOUR)
        title = printable(node.title) + (" (missing)" if node.missing else " (not in the linted files)" if node.elsewhere else "")
        if node.findings:
            title += " · " + " · ".join(printable(f"{f.code} {f.message}") for f in node.findings)
        parts.append(
            f'<g class="{classes}"{linked}><title>{escape(title)}</title>'
            f'<rect class="box" x="{_n(x)}" y="{_n(y)}" width="{_n(w)}" height="{NODE_HEIGHT}" rx="5" fill="{colour}"/>'
            f'<text class="kind" x="{_n(x + PADDING)}" y="{_n(y + 14)}">{escape(kind)}</text>'
            f'<text x="{_n(x + PADDING)}" y="{_n(y + 30)}">{escape(name)}</text></g>'
        )
    parts.append("</g>")
    return parts, width, height


def render_svg(pictures: Sequence[UnitPicture], finding_ids: Callable[[Sequence[Finding]], str] | None = None) -> str:
    """One svg holding every unit's drawing, one under the other.

    With ``finding_ids``, broken edges and marked nodes carry ``data-findings``
    (what it returns for their findings), for the HTML report to link them.
    """
    body: list[str] = []
    top = 0.0
    width = 200.0
    for picture in pictures:
        if not picture.nodes:
            continue
        parts, unit_width, unit_height = _svg_unit(picture, top, finding_ids)
        body.extend(parts)
        top += unit_height + 20
        width = max(width, unit_width)
    height = max(top, 40.0)
    marker = (
        '<marker id="{id}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">'
        '<path d="M0,0 L10,5 L0,10 z" fill="{fill}"/></marker>'
    )
    head = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="k8slint-graph" width="{_n(width)}" height="{_n(height)}" '
        f'viewBox="0 0 {_n(width)} {_n(height)}">',
        f"<style>{STYLE}</style>",
        "<defs>" + marker.format(id="k8slint-arrow", fill="#80868b") + marker.format(id="k8slint-arrow-broken", fill="#c00") + "</defs>",
        f'<rect width="{_n(width)}" height="{_n(height)}" fill="#fff"/>',
    ]
    if not body:
        body.append(f'<text x="{PADDING}" y="24">{escape("no objects to draw")}</text>')
    return "\n".join([*head, *body, "</svg>"]) + "\n"


def render_graph(pictures: Sequence[UnitPicture], output_format: str) -> str:
    if output_format == "dot":
        return render_dot(pictures)
    if output_format == "svg":
        return render_svg(pictures)
    return render_mermaid(pictures)
