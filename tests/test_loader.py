"""The manifest loader: positions of any field, documents, Lists, helm sources, broken input."""

from __future__ import annotations

from pathlib import Path

import pytest

from k8slint.findings import format_path
from k8slint.sources.discover import decode, discover
from k8slint.sources.manifests import SourceFile, load_manifest_text
from k8slint.sources.yamlsafe import load_documents

DEPLOYMENT = """\
# leading comment
apiVersion: apps/v1
kind: Deployment
metadata:
  name: backend
  namespace: todo
spec:
  template:
    spec:
      containers:
        - name: api
          image: ghcr.io/acme/todo-backend:1.4.2
          resources:
            requests:
              cpu: 250m
              memory: 256Mi
"""


def load(text: str, name: str = "x.yaml"):
    return load_manifest_text(SourceFile(name, text), "default")


def test_any_field_has_its_line_and_column() -> None:
    (obj,) = load(DEPLOYMENT).objects
    cpu = ("spec", "template", "spec", "containers", 0, "resources", "requests", "cpu")
    assert obj.locate(cpu).line == 15 and obj.locate(cpu).column == 15
    assert obj.locate(("spec", "template", "spec", "containers", 0)).line == 11
    assert obj.locate(("metadata", "namespace")).line == 6
    assert format_path(cpu) == "spec.template.spec.containers[0].resources.requests.cpu"


def test_a_missing_field_points_at_its_nearest_parent() -> None:
    (obj,) = load(DEPLOYMENT).objects
    location = obj.locate(("spec", "template", "spec", "containers", 0, "resources", "limits", "cpu"))
    assert location.line == 13  # the resources: key


def test_documents_lists_and_empty_documents() -> None:
    text = "---\n---\n# only a comment\n---\napiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: a}\n- apiVersion: v1\n  kind: Secret\n  metadata: {name: b}\n"
    result = load(text)
    assert [(o.kind, o.name, o.item, o.locate(()).line) for o in result.objects] == [
        ("ConfigMap", "a", 0, 8),
        ("Secret", "b", 1, 11),
    ]
    assert result.problems == []


def test_namespace_defaults_and_cluster_scoped_kinds() -> None:
    text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: todo}\n"
    result = load_manifest_text(SourceFile("x.yaml", text), "staging")
    assert [o.namespace for o in result.objects] == ["staging", None]


def test_helm_source_comments_follow_their_document() -> None:
    text = (
        "---\n# Source: todo/templates/configmap.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n"
        "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n"
        "---\n# Source: todo/templates/secret.yaml\napiVersion: v1\nkind: Secret\nmetadata: {name: c}\n"
    )
    assert [o.source for o in load(text).objects] == [
        "todo/templates/configmap.yaml",
        None,
        "todo/templates/secret.yaml",
    ]


def test_kubernetes_scalar_resolution_keeps_lines() -> None:
    docs, errors, _ = load_documents("a: 1:30\nb: =\nc: 2024-01-01\nd: 0x1F\ne: 1.5\nf: yes\ng: ~\n")
    assert errors == []
    assert docs[0].data == {"a": "1:30", "b": "=", "c": "2024-01-01", "d": 31, "e": 1.5, "f": True, "g": None}


def test_syntax_error_keeps_earlier_documents() -> None:
    result = load("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\nkey: [1, 2\n")
    assert [o.name for o in result.objects] == ["a"]
    ((rule, problem),) = result.problems
    assert rule == "yaml-syntax" and problem.location.line == 6


def test_python_tags_are_refused_and_the_next_document_is_read() -> None:
    text = "a: !!python/object/apply:os.system ['true']\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: ok}\n"
    result = load(text)
    assert [rule for rule, _ in result.problems] == ["unsupported-yaml-tag"]
    assert "refuses" in result.problems[0][1].message
    assert [o.name for o in result.objects] == ["ok"]


def test_json_input_and_json_fallback() -> None:
    result = load('{\n\t"apiVersion": "v1",\n\t"kind": "ConfigMap",\n\t"metadata": {"name": "tabs"}\n}\n', "x.json")
    assert [o.name for o in result.objects] == ["tabs"]
    assert result.objects[0].locate(("metadata", "name")).line == 4


@pytest.mark.parametrize(
    "raw,ok",
    [
        (b"\xef\xbb\xbfkind: A\n", True),
        ("kind: A\n".encode("utf-16"), True),
        (b"kind: caf\xe9\n", False),
        (b"\x00\x01\x02binary", False),
    ],
)
def test_decoding(raw: bytes, ok: bool) -> None:
    text, problem = decode(raw, "f.yaml")
    assert (text is not None) == ok and (problem is None) == ok
    if ok:
        assert text.startswith("kind")


def test_discovery_walks_sorted_skips_hidden_excludes_and_chart_templates(tmp_path: Path) -> None:
    for rel in [
        "b.yaml",
        "a/x.yml",
        "a/data.json",
        "a/readme.md",
        ".hidden/h.yaml",
        "a/.k8slint.yaml",
        "vendor/v.yaml",
        "chart/Chart.yaml",
        "chart/values.yaml",
        "chart/templates/deploy.yaml",
        "chart/crds/crd.yaml",
    ]:
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("{}\n")
    found = discover([str(tmp_path)], ["vendor"])
    names = [Path(f.display).relative_to(tmp_path).as_posix() for f in found.files]
    assert names == ["a/data.json", "a/x.yml", "b.yaml", "chart/crds/crd.yaml"]
    assert found.problems == []
