"""`k8slint graph`: the pictures of the deployment units (k8slint.model.graph.picture) as Mermaid and dot."""

from __future__ import annotations

import json
import os
import re
import textwrap
from pathlib import Path
from typing import Any

import pytest

from conftest import FIXTURES, ROOT, run_lint
from k8slint.docs_images import write_broken_variant
from k8slint.model.graph.picture import UnitPicture, unit_pictures
from k8slint.reporters.graph import render_dot, render_mermaid, render_svg

REFERENCE = ROOT / "reference" / "todo-chatbot"

REFERENCE_MERMAID = """\
flowchart LR
  subgraph u0["manifests"]
    u0n0["Ingress<br/>todo-chatbot/todo"]
    u0n1["Service<br/>todo-chatbot/backend"]
    u0n2["Service<br/>todo-chatbot/frontend"]
    u0n3["Service<br/>todo-chatbot/postgres"]
    u0n4["Service<br/>todo-chatbot/postgres-headless"]
    u0n5["Deployment<br/>todo-chatbot/backend"]
    u0n6["Deployment<br/>todo-chatbot/frontend"]
    u0n7["StatefulSet<br/>todo-chatbot/postgres"]
    u0n8["ConfigMap<br/>todo-chatbot/todo-config"]
    u0n9["PersistentVolumeClaim<br/>todo-chatbot/data (per pod)"]
    u0n10["Secret<br/>todo-chatbot/todo-secrets"]
    u0n11["Secret (elsewhere)<br/>todo-chatbot/todo-tls"]
    u0n12["container<br/>api"]
    u0n13["container<br/>web"]
    u0n14["container<br/>postgres"]
    u0n15["image<br/>docker.io/library/postgres:16.4-alpine"]
    u0n16["image<br/>ghcr.io/acme/todo-backend:1.4.2"]
    u0n17["image<br/>ghcr.io/acme/todo-frontend:2.3.0"]
    u0n18["Dockerfile<br/>./docker/backend.Dockerfile"]
    u0n19["Dockerfile<br/>./docker/frontend.Dockerfile"]
  end
  u0n0 --> u0n1
  u0n0 --> u0n2
  u0n0 --> u0n11
  u0n1 --> u0n5
  u0n2 --> u0n6
  u0n3 --> u0n7
  u0n4 --> u0n7
  u0n5 --> u0n8
  u0n5 --> u0n10
  u0n5 --> u0n12
  u0n6 --> u0n8
  u0n6 --> u0n10
  u0n6 --> u0n13
  u0n7 --> u0n8
  u0n7 --> u0n9
  u0n7 --> u0n10
  u0n7 --> u0n14
  u0n15 --> u0n14
  u0n16 --> u0n12
  u0n17 --> u0n13
  u0n18 --> u0n16
  u0n19 --> u0n17
  classDef missing stroke:#c00,stroke-dasharray:5 5,color:#c00
  classDef marked stroke:#c00,stroke-width:3px
  classDef elsewhere stroke:#80868b,stroke-dasharray:3 3,color:#5f6368
  class u0n11 elsewhere
"""

BROKEN_MERMAID = """\
flowchart LR
  subgraph u0["manifests"]
    u0n0["Ingress<br/>todo-chatbot/todo"]
    u0n1["Service<br/>todo-chatbot/backend"]
    u0n2["Service<br/>todo-chatbot/frontend"]
    u0n3["Service<br/>todo-chatbot/postgres"]
    u0n4["Service<br/>todo-chatbot/postgres-headless"]
    u0n5["Deployment<br/>todo-chatbot/backend"]
    u0n6["Deployment<br/>todo-chatbot/frontend"]
    u0n7["StatefulSet<br/>todo-chatbot/postgres"]
    u0n8["ConfigMap<br/>todo-chatbot/todo-config"]
    u0n9["PersistentVolumeClaim<br/>todo-chatbot/data (per pod)"]
    u0n10["Secret (missing)<br/>todo-chatbot/todo-secret"]
    u0n11["Secret<br/>todo-chatbot/todo-secrets"]
    u0n12["Secret (elsewhere)<br/>todo-chatbot/todo-tls"]
    u0n13["container<br/>api"]
    u0n14["container<br/>web"]
    u0n15["container<br/>postgres"]
    u0n16["image<br/>docker.io/library/postgres:16.4-alpine"]
    u0n17["image<br/>ghcr.io/acme/todo-backend:1.4.2"]
    u0n18["image<br/>ghcr.io/acme/todo-frontend:2.3.0"]
    u0n19["Dockerfile<br/>./docker/backend.Dockerfile"]
    u0n20["Dockerfile<br/>./docker/frontend.Dockerfile"]
  end
  u0n0 -.->|"KN041"| u0n1
  u0n0 --> u0n2
  u0n0 --> u0n12
  u0n1 --> u0n5
  u0n2 --> u0n6
  u0n3 -.->|"KN001"| u0n7
  u0n4 --> u0n7
  u0n5 -.->|"KN024"| u0n8
  u0n5 -.->|"KN021"| u0n10
  u0n5 --> u0n11
  u0n5 --> u0n13
  u0n6 --> u0n8
  u0n6 --> u0n11
  u0n6 --> u0n14
  u0n7 --> u0n8
  u0n7 --> u0n9
  u0n7 --> u0n11
  u0n7 --> u0n15
  u0n16 --> u0n15
  u0n17 --> u0n13
  u0n18 --> u0n14
  u0n19 --> u0n17
  u0n20 --> u0n18
  classDef missing stroke:#c00,stroke-dasharray:5 5,color:#c00
  classDef marked stroke:#c00,stroke-width:3px
  classDef elsewhere stroke:#80868b,stroke-dasharray:3 3,color:#5f6368
  class u0n10 missing
  class u0n12 elsewhere
  linkStyle 0,5,7,8 stroke:#c00,stroke-width:2px,color:#c00
"""


def _graph(cli: Any, folder: Path, *args: str) -> str:
    here = Path.cwd()
    os.chdir(folder)
    try:
        outcome = cli("graph", *args, ".")
    finally:
        os.chdir(here)
    assert outcome.exit_code == 0, outcome.output
    return str(outcome.output)


def _pictures(folder: Path) -> list[UnitPicture]:
    result = run_lint(".", cwd=folder)
    facts = result.loaded[1]  # type: ignore[index]
    return unit_pictures(facts.index, facts.builds, result.findings)


def test_the_reference_deployment_as_mermaid(cli: Any) -> None:
    assert _graph(cli, REFERENCE) == REFERENCE_MERMAID


def test_the_broken_variant_draws_each_finding_as_a_labelled_edge(cli: Any, tmp_path: Path) -> None:
    broken = write_broken_variant(ROOT, tmp_path / "todo-chatbot")
    assert _graph(cli, broken) == BROKEN_MERMAID
    assert _graph(cli, broken, "--format", "mermaid") == BROKEN_MERMAID


def test_the_broken_variant_as_dot(cli: Any, tmp_path: Path) -> None:
    broken = write_broken_variant(ROOT, tmp_path / "todo-chatbot")
    dot = _graph(cli, broken, "--format", "dot")
    assert dot.startswith('digraph k8slint {\n  rankdir=LR;\n  node [shape=box, style="rounded", fontname="Helvetica"];\n')
    assert '    u0n0 [label="Ingress\\ntodo-chatbot/todo"];\n' in dot
    assert (
        '    u0n10 [label="Secret (missing)\\ntodo-chatbot/todo-secret", style="rounded,dashed", color="#cc0000", fontcolor="#cc0000"];\n'
        in dot
    )
    broken_edges = re.findall(r"(u0n\d+) -> (u0n\d+) \[.*label=\"(\w+)\"\];", dot)
    assert (
        '    u0n12 [label="Secret (elsewhere)\\ntodo-chatbot/todo-tls", style="rounded,dashed", color="#80868b", fontcolor="#5f6368"];\n'
        in dot
    )
    assert broken_edges == [("u0n0", "u0n1", "KN041"), ("u0n3", "u0n7", "KN001"), ("u0n5", "u0n8", "KN024"), ("u0n5", "u0n10", "KN021")]
    assert dot.count(" -> ") == 23
    assert dot.endswith("  }\n}\n")


def test_the_output_does_not_depend_on_the_order_of_the_files(tmp_path: Path) -> None:
    broken = write_broken_variant(ROOT, tmp_path / "todo-chatbot")
    forward = render_dot(_pictures(broken))
    (broken / "manifests" / "50-ingress.yaml").rename(broken / "manifests" / "05-ingress.yaml")
    (broken / "manifests" / "10-configmap.yaml").rename(broken / "manifests" / "99-configmap.yaml")
    assert render_dot(_pictures(broken)) == forward


UNITS = {
    "shop/app.yaml": """\
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: web}
        spec:
          parentRefs: [{name: gateway}]
          rules:
            - backendRefs: [{name: web, port: 80}]
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: web}
        spec:
          selector: {app: web}
          ports: [{port: 80, targetPort: http}]
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: web}
        spec:
          selector: {matchLabels: {app: web}}
          template:
            metadata: {labels: {app: web}}
            spec:
              serviceAccountName: web
              containers:
                - name: web
                  image: nginx:1.27
                  ports: [{name: http, containerPort: 8080}]
                  volumeMounts: [{name: data, mountPath: /data}]
              volumes: [{name: data, persistentVolumeClaim: {claimName: web-data}}]
        ---
        apiVersion: v1
        kind: ServiceAccount
        metadata: {name: web}
        ---
        apiVersion: v1
        kind: PersistentVolumeClaim
        metadata: {name: web-data}
        spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
        ---
        apiVersion: policy/v1
        kind: PodDisruptionBudget
        metadata: {name: web}
        spec: {minAvailable: 1, selector: {matchLabels: {app: web}}}
        ---
        apiVersion: autoscaling/v2
        kind: HorizontalPodAutoscaler
        metadata: {name: web}
        spec:
          scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: webb}
          minReplicas: 2
          maxReplicas: 5
        ---
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: settings}
        data: {MODE: "1"}
        """,
    "blog/app.yaml": """\
        apiVersion: v1
        kind: Service
        metadata: {name: blog}
        spec:
          selector: {app: blog}
          ports: [{port: 80, targetPort: web}]
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: blog}
        spec:
          selector: {matchLabels: {app: blog}}
          template:
            metadata: {labels: {app: blog}}
            spec:
              containers:
                - name: blog
                  image: ghost:5
                  ports: [{name: http, containerPort: 2368}]
        ---
        apiVersion: policy/v1
        kind: PodDisruptionBudget
        metadata: {name: blog}
        spec: {minAvailable: 1, selector: {matchLabels: {app: blgo}}}
        ---
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: settings}
        data: {MODE: "1"}
        """,
}


def test_routes_autoscalers_budgets_and_units(cli: Any, tmp_path: Path) -> None:
    """Two folders that define one name are two units (each its own subgraph); HTTPRoute, HPA, PDB, ServiceAccount and PVC edges;
    a missing HPA target, a budget and a targetPort that miss."""
    for name, text in UNITS.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(textwrap.dedent(text), encoding="utf-8")
    pictures = _pictures(tmp_path)
    shown = {
        picture.name: sorted(
            (picture.node(e.source).title, picture.node(e.target).title + (" (missing)" if picture.node(e.target).missing else ""), e.codes)
            for e in picture.edges
            if picture.node(e.target).kind not in ("container",) and picture.node(e.source).kind != "image"
        )
        for picture in pictures
    }
    assert shown == {
        "blog": [
            ("PodDisruptionBudget default/blog", "Deployment default/blog", ("KR030",)),
            ("Service default/blog", "Deployment default/blog", ("KN026",)),
        ],
        "shop": [
            ("Deployment default/web", "PersistentVolumeClaim default/web-data", ()),
            ("Deployment default/web", "ServiceAccount default/web", ()),
            ("HTTPRoute default/web", "Service default/web", ()),
            ("HorizontalPodAutoscaler default/web", "Deployment default/webb (missing)", ("KR031",)),
            ("PodDisruptionBudget default/web", "Deployment default/web", ()),
            ("Service default/web", "Deployment default/web", ()),
        ],
    }
    mermaid = render_mermaid(pictures)
    assert '  subgraph u0["blog"]\n' in mermaid and '  subgraph u1["shop"]\n' in mermaid


HOSTILE = '#60;<script>alert("x")</script>\u202egnp.exe\u2066 "quoted" `tick` \\N'


def test_hostile_names_are_escaped_in_every_format(tmp_path: Path) -> None:
    (tmp_path / "app.yaml").write_text(
        textwrap.dedent(
            f"""\
            apiVersion: apps/v1
            kind: Deployment
            metadata: {{name: web}}
            spec:
              selector: {{matchLabels: {{app: web}}}}
              template:
                metadata: {{labels: {{app: web}}}}
                spec:
                  containers:
                    - name: {json.dumps(HOSTILE)}
                      image: {json.dumps(HOSTILE)}
            """
        ),
        encoding="utf-8",
    )
    pictures = _pictures(tmp_path)
    assert any(node.name == HOSTILE for picture in pictures for node in picture.nodes)
    for text in (render_mermaid(pictures), render_dot(pictures), render_svg(pictures)):
        assert "<script>" not in text and "\u202e" not in text and "\u2066" not in text
    mermaid = render_mermaid(pictures)
    # named entities, which Mermaid's HTML labels show as the characters (checked with mermaid 11.17 in Chromium)
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;\\u202egnp.exe\\u2066 &quot;quoted&quot; &grave;tick&grave; \\N" in mermaid
    assert "&num;60;&lt;script" in mermaid and "#" not in mermaid.split("classDef")[0]  # no Mermaid entity code from the input
    dot = render_dot(pictures)
    assert '\\\\u202egnp.exe\\\\u2066 \\"quoted\\" `tick` \\\\N' in dot  # \N would expand to the node's name
    svg = render_svg(pictures)
    assert '&lt;script&gt;alert("x")&lt;/script&gt;\\u202egnp.exe' in svg


def _wiring_cases() -> list[Path]:
    from k8slint.model.graph.picture import WIRING_RULES

    return sorted(p for code in sorted(WIRING_RULES) for p in (FIXTURES / "rules" / code).glob("fail_*"))


@pytest.mark.parametrize("case", _wiring_cases(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_wiring_finding_of_the_fixtures_is_drawn(case: Path) -> None:
    """Each finding of a wiring rule lands in the picture exactly where its kind of rule says: on an edge
    (to a missing node for a missing object), or for KR001 on its workload's node. None is dropped."""
    from k8slint.model.graph.picture import MISSING_OBJECT_RULES, NODE_RULES

    code = case.parent.name
    result = run_lint(".", cwd=case) if case.is_dir() else run_lint(case)
    facts = result.loaded[1]  # type: ignore[index]
    pictures = unit_pictures(facts.index, facts.builds, result.findings)
    expected = {f for f in result.findings if f.code == code}
    assert expected
    on_edges = {f for p in pictures for e in p.edges for f in e.findings if f.code == code}
    on_nodes = {f for p in pictures for n in p.nodes for f in n.findings if f.code == code}
    if code in NODE_RULES:
        assert on_nodes == expected and not on_edges
    else:
        assert on_edges == expected and not on_nodes
    if code in MISSING_OBJECT_RULES:
        for picture in pictures:
            for edge in picture.edges:
                if any(f.code == code for f in edge.findings):
                    assert picture.node(edge.target).missing


def test_graphviz_reads_the_dot_output_and_shows_names_as_written(tmp_path: Path) -> None:
    """dot accepts the output of the broken variant and of hostile names, and draws the names literally
    (``\\N`` is not expanded to the node's id, markup stays text)."""
    import subprocess

    from conftest import tool_or_skip

    dot = tool_or_skip("dot", "Debian: apt-get install graphviz")
    broken = write_broken_variant(ROOT, tmp_path / "todo-chatbot")
    drawn = subprocess.run([dot, "-Tsvg"], input=render_dot(_pictures(broken)), capture_output=True, text=True, check=True).stdout
    assert drawn.count("KN0") == 4 and "Secret (missing)</text>" in drawn
    (tmp_path / "hostile").mkdir()
    (tmp_path / "hostile" / "app.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: " + json.dumps('<b>x</b> "q" \\N &amp;') + "\ndata: {A: b}\n", encoding="utf-8"
    )
    drawn = subprocess.run(
        [dot, "-Tsvg"], input=render_dot(_pictures(tmp_path / "hostile")), capture_output=True, text=True, check=True
    ).stdout
    assert "&lt;b&gt;x&lt;/b&gt; &quot;q&quot; \\N &amp;amp;</text>" in drawn


def test_svg_and_output_file(cli: Any, tmp_path: Path) -> None:
    """--format svg draws each unit without Graphviz; --output writes the same text to a file."""
    broken = write_broken_variant(ROOT, tmp_path / "todo-chatbot")
    svg = _graph(cli, broken, "--format", "svg")
    assert svg.startswith('<svg xmlns="http://www.w3.org/2000/svg" class="k8slint-graph" ')
    assert svg.count('<g class="edge broken">') == 4 and svg.count('<g class="node') == 21
    assert svg == render_svg(_pictures(broken))
    assert _graph(cli, broken, "--format", "svg", "--output", str(tmp_path / "graph.svg")) == ""
    assert (tmp_path / "graph.svg").read_text(encoding="utf-8") == svg
