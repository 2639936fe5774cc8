"""Positions kept flat (one text offset per node, read with the data) answer as position trees do.

A plain document keeps FlatPositions: every lookup (locate, subtree, the entries
of a node, the tree built from them) must give what the PositionTree built from
PyYAML's node tree gives, for every path of the document and for paths that run
out of it. Documents whose offsets or keys do not allow it (repeated keys, keys
that are not strings, aliases, line breaks other than ``\\n``) keep the tree.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_loader import _TREES, _render

from k8slint.model.objects import SourceFile
from k8slint.model.positions import FlatPositions, PositionTree, child, entries, locate, sub_entries, subtree, tree_of
from k8slint.sources.kustomize import parse_kustomization
from k8slint.sources.kustomize_build import Build, BuiltObjects, Files
from k8slint.sources.manifests import load_manifest_text
from k8slint.sources.safefs import Roots
from k8slint.sources.yamlsafe import KubernetesSafeLoader, _children_tree, load_documents

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: shop
  namespace: web
  labels: {app: shop, tier: "web", 'quoted key': x}
  annotations:
    example.com/note: |
      several lines
      of text
    "80": port as a key
spec:
  replicas: 3
  selector:
    matchLabels:
      app: shop
  template:
    metadata:
      labels:
        app: shop
    spec:
      initContainers: []
      containers:
        - name: web
          image: ghcr.io/acme/shop:1.2.0
          args: ["--port", "8080", --verbose]
          env:
            - {name: A, value: "1"}
            - name: B
              valueFrom:
                secretKeyRef: {name: s, key: k}
          ports:
            - containerPort: 8080
              protocol: TCP
          resources: {}
        - name: sidecar
          image: busybox
          command:
          - sh
          - -c
          - |
            echo hi
      volumes:
        - name: config
          configMap: {name: shop, defaultMode: 0644}
---
apiVersion: v1
kind: Service
metadata: {name: shop}
spec:
  ports: [{port: 80, targetPort: 8080}, {port: 443}]
"""


def _reference(text: str) -> list[PositionTree]:
    """The position tree of each document, from PyYAML's node tree (what the loader's tree path keeps)."""
    loader = KubernetesSafeLoader(text)
    trees = []
    try:
        while loader.check_node():
            node = loader.get_node()
            trees.append((node.start_mark.line, node.start_mark.column, _children_tree(node, {})))
    finally:
        loader.dispose()
    return trees


def _paths(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path of the data, and paths that leave it at each node (a missing key, an index past the end)."""
    found = [prefix]
    if isinstance(data, dict):
        found += [(*prefix, "no-such-key"), (*prefix, 0)]
        for key, value in data.items():
            found += _paths(value, (*prefix, key))
            if isinstance(key, str) and key.isdigit():
                found.append((*prefix, int(key)))  # an int part finds the key of its text
    elif isinstance(data, list):
        found += [(*prefix, len(data)), (*prefix, -1), (*prefix, "0"), (*prefix, True)]
        for index, value in enumerate(data):
            found += _paths(value, (*prefix, index))
    return found


def _same_everywhere(text: str) -> int:
    """Check every path of every document of ``text`` against the reference trees; how many were FlatPositions."""
    documents, errors, _ = load_documents(text)
    assert errors == []
    reference = _reference(text)
    assert len(documents) == len(reference)
    flat = 0
    for document, expected in zip(documents, reference, strict=True):
        positions = document.positions
        flat += isinstance(positions, FlatPositions)
        for path in _paths(document.data):
            assert locate(positions, path) == locate(expected, path), path
            below, wanted = subtree(positions, path), _reference_subtree(expected, path)
            assert (below is None) == (wanted is None), path
            if below is not None and wanted is not None:
                assert tree_of(below) == wanted, path
                assert [(key, tree_of(p)) for key, p in sub_entries(below)] == list(entries(wanted[2])), path
        assert document.tree == expected
    return flat


def _reference_subtree(tree: PositionTree, path: tuple[Any, ...]) -> PositionTree | None:
    found: PositionTree | None = tree
    for part in path:
        found = child(found[2], part) if found is not None else None
    return found


def test_every_path_of_a_realistic_stream_is_located_as_with_trees() -> None:
    assert _same_everywhere(DEPLOYMENT) == 2


def test_a_plain_document_keeps_flat_positions_a_fraction_of_the_tree() -> None:
    (document, _), _, _ = load_documents(DEPLOYMENT)
    positions = document.positions
    assert isinstance(positions, FlatPositions)
    assert positions.text is not None and len(positions.marks) < 100  # one offset a node, one count a collection
    assert locate(positions, ("spec", "template", "spec", "containers", 1, "command", 2)) == (41, 13, 7)
    assert locate(positions, ("metadata", "annotations", 80)) == (11, 5, 3)
    assert locate(positions, ("spec", "template", "spec", "containers", 0, "resources", "limits")) == (35, 11, 6)


@pytest.mark.parametrize("ending", ["\n", "\r\n"])
def test_long_lines_and_far_columns_are_located_as_with_trees(ending: str) -> None:
    far = 1 << 21  # beyond what a tree packs into one int
    text = "{" + " " * far + "far: 1, list: [1, 2], kind: x}" + ending + "---" + ending + "a: [" + ", ".join(["x"] * 5000) + "]" + ending
    assert _same_everywhere(text) == 2
    (first, _), _, _ = load_documents(text)
    assert locate(first.positions, ("far",)) == (1, far + 2, 1)


@pytest.mark.parametrize(
    "text",
    [
        "a: 1\nb:\n  c: 2\n  c: 3\na: {x: 1}\n",  # repeated keys: the last is where the key is (its value is the data's)
        "1: a\n'1': b\ntrue: c\n~: d\n0x1F: e\n",  # keys that are not strings
        "base: &b {cpu: 1}\nx:\n  <<: *b\n  mem: 2\ny: [*b, *b]\n",  # aliases and a merge key
        "a: 1\rb:\r  - x\r",  # a lone carriage return breaks a line for the parser
        "a: 1\x85b: [x, y]\n",  # NEL
        "a: \u2028b: [x, y]\n",  # LS
        "a: 1\u2029b: [x, y]\n",  # PS
        "\ufeffa: 1\nb: [x, y]\n",  # a byte order mark, which the parser's offsets do not count
    ],
)
def test_documents_that_keep_a_tree_answer_as_before(text: str) -> None:
    assert _same_everywhere(text) == 0


def test_repeated_keys_are_reported_in_document_order() -> None:
    _, _, duplicates = load_documents("a: 1\na:\n  b: 1\n  b: 2\nc: [{d: 1, d: 2}]\n")
    assert [(d.key, d.line, d.column, d.first_line) for d in duplicates] == [("a", 2, 1, 1), ("b", 4, 3, 3), ("d", 5, 12, 5)]


def test_text_that_is_not_ascii_keeps_flat_positions() -> None:
    text = '# ünïcode comment 😀\nmetadata:\n  name: "ß😀"\n  labels: {emoji: 😀😀, next: x}\nlist:\n  - 😀\n  - é\n'
    assert _same_everywhere(text) == 1


def test_list_items_are_objects_located_in_their_document() -> None:
    items = "".join(f"  - apiVersion: v1\n    kind: ConfigMap\n    metadata:\n      name: c{i}\n    data: {{k: v{i}}}\n" for i in range(5))
    text = "apiVersion: v1\nkind: List\nitems:\n" + items + "  - just text\n"
    result = load_manifest_text(SourceFile("list.yaml", text), "default")
    assert [o.locate(("data", "k")).line for o in result.objects] == [8, 13, 18, 23, 28]
    names = [o.locate(("metadata", "name")) for o in result.objects]
    assert [(n.line, n.column) for n in names] == [(7, 7), (12, 7), (17, 7), (22, 7), (27, 7)]
    assert [p.location.line for _, p in result.problems if p.location is not None] == [29]
    # an item's lines are counted from the item, not from the List's start (a List of thousands stays cheap)
    assert [o.tree.line for o in result.objects if isinstance(o.tree, FlatPositions)] == [3, 8, 13, 18, 23]
    # a worker's object, positions read again from its span, answers the same
    first = result.objects[3]
    again = first.file.span_tree(first.span, first.item)
    assert isinstance(again, tuple)  # a tree: the text parsed again (the lines before it as line breaks) is not kept
    assert again == tree_of(first.positions())


@settings(max_examples=300, deadline=None)
@given(_TREES, st.sampled_from(["\n", "\r\n"]), st.sampled_from(["", "# c\n", "---\n", "x: y\n---\n"]))
def test_generated_documents_are_located_as_with_trees(tree: object, ending: str, before: str) -> None:
    text = (before + _render(tree) + "\n").replace("\n", ending)
    _, errors, _ = load_documents(text)
    if errors:
        return  # a generated text the parser refuses (a key repeated in a flow mapping, say) is not a case here
    _same_everywhere(text)


def test_a_built_object_is_located_after_the_build_annotations_leave_its_data(tmp_path: Path) -> None:
    # kustomize writes metadata's keys sorted: the annotations it adds come before the name
    built = (
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  annotations:\n"
        "    config.kubernetes.io/origin: |\n      path: cm.yaml\n  labels:\n    app: a\n  name: cm\n"
        "data:\n  k: v\n"
    )
    root = parse_kustomization(str(tmp_path / "kustomization.yaml"), {"resources": ["cm.yaml"]})
    build = Build(root, "kustomization.yaml", SourceFile("kustomize build .", built))
    files = Files({}, Roots((str(tmp_path),)), {})
    (obj,) = BuiltObjects("default").load(build, files).objects
    assert "annotations" not in obj.metadata
    assert [locate(obj.positions(), path)[:2] for path in [("metadata", "labels", "app"), ("metadata", "name"), ("data", "k")]] == [
        (8, 5),
        (9, 3),
        (11, 3),
    ]


_LINE_PARTS = ["a", "key: value", " ", "é", "😀", "\n", "\r\n", "\r", "\v", "\f", "\x1c", "\x85", "\u2028", "\u2029"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_LINE_PARTS), max_size=40))
def test_a_snippet_line_is_the_line_splitlines_gives(parts: list[str]) -> None:
    text = "".join(parts)
    lines = text.splitlines()
    source = SourceFile("f.yaml", text)
    assert [source.line(number) for number in range(-1, len(lines) + 3)] == [None, None, *lines, None, None]


def test_snippets_of_a_realistic_file_are_its_lines() -> None:
    source = SourceFile("deploy.yaml", DEPLOYMENT.replace("\n", "\r\n", 3))
    assert source.line(1) == "apiVersion: apps/v1"
    assert source.line(41) == "          - |"
    assert source.line(DEPLOYMENT.count("\n")) == "  ports: [{port: 80, targetPort: 8080}, {port: 443}]"
    assert source.line(DEPLOYMENT.count("\n") + 1) is None


def test_a_large_document_looked_up_many_times_answers_the_same_from_its_tree() -> None:
    # counting line breaks from the document's start costs its length a lookup: past a budget the tree answers
    containers = "".join(
        f"    - name: c{i}\n      image: img:{i}\n      args: [a, b]\n      env: [{{name: X, value: '{i}'}}]\n" for i in range(3000)
    )
    text = "kind: Pod\nmetadata: {name: big}\nspec:\n  containers:\n" + containers
    (document,), _, _ = load_documents(text)
    positions = document.positions
    assert isinstance(positions, FlatPositions)
    expected = _reference(text)[0]
    paths = _paths(document.data)
    answers = [locate(positions, path) for path in paths]
    assert positions._tree is not None  # the budget ran out part of the way
    assert answers == [locate(expected, path) for path in paths]
    assert [locate(positions, path) for path in paths[:2000]] == answers[:2000]


def test_a_mapping_of_thousands_of_keys_looked_up_key_by_key_answers_from_its_tree() -> None:
    # each lookup steps over the siblings before its key: past a budget the tree's dict answers
    text = "kind: ConfigMap\nmetadata: {name: big}\ndata:\n" + "".join(f"  key-{i}: value\n" for i in range(5000))
    (document,), _, _ = load_documents(text)
    positions = document.positions
    assert isinstance(positions, FlatPositions)
    answers = [locate(positions, ("data", f"key-{i}")) for i in range(5000)]
    assert positions._tree is not None
    assert answers == [(i + 4, 3, 2) for i in range(5000)]


def test_a_document_on_one_line_is_located_as_with_trees() -> None:
    # minified JSON (kubectl get -o json | jq -c): every column is on the first line, each found from the line's start
    items = ", ".join(f'{{"name": "c{i}", "ports": [{{"containerPort": {8000 + i}}}]}}' for i in range(300))
    text = '{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": [' + items + "]}}\n"
    assert _same_everywhere(text) == 1
