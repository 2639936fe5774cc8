"""The loader's cheaper paths give what PyYAML's safe loader gives, position for position.

- Documents are parsed with tags left unresolved by libyaml's composer (no Python callback
  per node) and resolved while built: the values are those KubernetesSafeLoader resolves.
- A plain scalar's value is kept once per text: a quoted or tagged scalar of the same text
  is never read as the plain one.
- A scalar's position is packed into one int: child(), locate() and entries() give the
  same (line, column, children) as a tuple per node gave.
- The anchor pre-check reads only what precedes each ``&``, and answers as the regular
  expression over the whole text did.
"""

from __future__ import annotations

import re
import sys
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from test_loader import _TREES, _render, _same
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from k8slint.model.positions import COLUMN_BITS, child, entries, locate
from k8slint.sources.helmrender import _path_before
from k8slint.sources.yamlsafe import KubernetesSafeLoader, load_documents, may_alias

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: shop
  labels: {app: shop, tier: "web"}
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
      containers:
        - name: web
          image: ghcr.io/acme/shop:1.2.0
          args: ["--port", "8080", --verbose]
          ports:
            - containerPort: 8080
              protocol: TCP
          volumeMounts:
            - {name: config, mountPath: /etc/shop, readOnly: yes}
      volumes:
        - name: config
          configMap: {name: shop, defaultMode: 0644}
"""


def _positions(node: Node, memo: dict[int, Any]) -> Any:
    """The position tree as a tuple per node (the format before packing), from PyYAML's node tree."""
    if id(node) in memo:
        return memo[id(node)]
    if isinstance(node, MappingNode):
        children: dict[str, Any] = {}
        memo[id(node)] = children
        merged = []
        styles: dict[str, str | None] = {}
        for key, value in node.value:
            if key.tag == "tag:yaml.org,2002:merge":
                merged.append(value)
            elif isinstance(key, ScalarNode) and styles.setdefault(key.value, key.style) == key.style:
                children.pop(key.value, None)  # a repeated key: where its last value (the data's) is written
                children[key.value] = (key.start_mark.line, key.start_mark.column, _positions(value, memo))
        for source in merged:
            for candidate in source.value if isinstance(source, SequenceNode) else [source]:
                for name, tree in _positions(candidate, memo).items():
                    children.setdefault(name, tree)
        return children
    if isinstance(node, SequenceNode):
        trees: list[Any] = []
        memo[id(node)] = trees
        trees.extend((item.start_mark.line, item.start_mark.column, _positions(item, memo)) for item in node.value)
        return trees
    return None


def _unpacked(tree: Any) -> Any:
    """A loaded position tree read through entries(): every entry as (line, column, children)."""
    line, column, children = tree
    if isinstance(children, dict):
        return line, column, {key: _unpacked(below) for key, below in entries(children)}
    if isinstance(children, list):
        return line, column, [_unpacked(below) for _, below in entries(children)]
    return line, column, children


def _reference(text: str) -> tuple[list[Any], list[Any], list[tuple[str, int, int, int]]]:
    """Data and position trees of each document as KubernetesSafeLoader and PyYAML's constructor read them."""
    loader = KubernetesSafeLoader(text)
    data, trees = [], []
    try:
        while loader.check_node():
            node = loader.get_node()
            mark = node.start_mark
            trees.append((mark.line, mark.column, _positions(node, {})))
            data.append(loader.construct_document(node))
    finally:
        loader.dispose()
    return data, trees, [(d.key, d.line, d.column, d.first_line) for d in loader.duplicate_keys]


def _loaded(text: str) -> tuple[list[Any], list[Any], list[tuple[str, int, int, int]]]:
    documents, errors, duplicates = load_documents(text)
    assert errors == []
    return (
        [d.data for d in documents],
        [_unpacked(d.tree) for d in documents],
        [(d.key, d.line, d.column, d.first_line) for d in duplicates],
    )


@settings(max_examples=300, deadline=None)
@given(_TREES, st.sampled_from(["as is", "anchored", "merged"]))
def test_documents_are_read_as_kubernetes_safe_loader_reads_them(tree: object, form: str) -> None:
    text = _render(tree) + "\n"
    nested = "".join(f"  {line}\n" for line in text.splitlines())
    if form == "anchored":  # the same document behind an anchor and an alias: the path for shared nodes
        text = "first: &doc\n" + nested + "again: *doc\n"
    elif form == "merged":  # a merge key without an alias: PyYAML's constructor, tags resolved first
        text = "first: {<<: {z: yes}}\nsecond:\n" + nested
    try:
        expected = _reference(text)
    except yaml.YAMLError:
        assert load_documents(text)[1], text
        return
    data, trees, duplicates = _loaded(text)
    assert _same(data) == _same(expected[0]), text
    assert trees == expected[1], text
    assert sorted(duplicates) == sorted(expected[2]), text  # the order of the walk; findings are sorted


def test_a_realistic_manifest_reads_as_before() -> None:
    data, trees, _ = _loaded(DEPLOYMENT)
    reference = _reference(DEPLOYMENT)
    assert _same(data) == _same(reference[0]) and trees == reference[1]
    container = data[0]["spec"]["template"]["spec"]["containers"][0]
    assert container["volumeMounts"][0]["readOnly"] is True
    assert data[0]["spec"]["template"]["spec"]["volumes"][0]["configMap"]["defaultMode"] == 0o644
    assert container["args"] == ["--port", "8080", "--verbose"]


@pytest.mark.parametrize(
    "text,value",
    [
        ("a: yes\n", True),
        ("a: Off\n", False),
        ("a: on\n", True),
        ("a: 'yes'\n", "yes"),
        ('a: "on"\n', "on"),
        ("a: !!str yes\n", "yes"),
        ("a: |\n  yes\n", "yes\n"),
        ("a: 0644\n", 420),
        ("a: '0644'\n", "0644"),
        ("a: =\n", "="),
        ("a: 1:30\n", "1:30"),
        ("a: 2024-01-01\n", "2024-01-01"),
        ("a: ~\n", None),
        ("a: 1_000\n", 1000),
        ("a: !!int '7'\n", 7),
    ],
)
def test_each_scalar_reads_as_kubernetes_reads_it_whichever_path(text: str, value: object) -> None:
    plain = load_documents(text)[0][0].data["a"]
    aliased = load_documents(text.replace("a: ", "a: &v ", 1) + "b: *v\n")[0][0].data
    assert _same(plain) == _same(value)
    assert _same(aliased["a"]) == _same(value) and _same(aliased["b"]) == _same(value)


def test_a_document_the_constructor_builds_gets_the_tags_kubernetes_reads() -> None:
    text = "base:\n  <<: {cpu: 1, on: off}\n  mode: 0644\n  quoted: 'yes'\n  flag: yes\n  when: 2024-01-01\n"
    (document,), errors, _ = load_documents(text)
    assert errors == []
    assert document.data == {"base": {True: False, "cpu": 1, "mode": 420, "quoted": "yes", "flag": True, "when": "2024-01-01"}}
    assert locate(document.tree, ("base", "cpu"))[:2] == (2, 8)


def test_the_value_kept_for_a_plain_text_never_reaches_a_quoted_one() -> None:
    text = "a: yes\nb: 'yes'\nc: !!str yes\nd: >\n  yes\n'yes': yes\ne: ! yes\n"
    (first,), _, _ = load_documents(text)
    assert first.data == {"a": True, "b": "yes", "c": "yes", "d": "yes\n", "yes": True, "e": True}  # `!` as PyYAML reads it
    assert first.data == _reference(text)[0][0]
    (second,), _, _ = load_documents("'on': x\non: z\n")
    assert second.data == {"on": "x", True: "z"}
    assert locate(second.tree, ("on",))[:2] == (1, 1)


def test_a_field_past_the_packed_columns_keeps_its_exact_column() -> None:
    padding = "x" * (1 << COLUMN_BITS)
    text = '{"kind": "ConfigMap", "pad": "' + padding + '", "far": 1, "list": [1, 2]}\n'
    (document,), errors, _ = load_documents(text)
    assert errors == []
    far = text.index('"far"')
    assert far >= 1 << COLUMN_BITS
    assert locate(document.tree, ("far",)) == (1, far + 1, 1)
    assert locate(document.tree, ("list", 1))[:2] == (1, text.index("2]") + 1)
    assert locate(document.tree, ("kind",)) == (1, 2, 1)


def test_child_and_entries_give_every_entry_as_a_tuple() -> None:
    (document,), _, _ = load_documents(DEPLOYMENT)
    spec = child(document.tree[2], "spec")
    assert spec is not None and spec[:2] == (5, 0) and isinstance(spec[2], dict)
    assert child(spec[2], "replicas") == (6, 2, None)
    assert child(spec[2], "missing") is None and child(None, "x") is None
    ports = locate(document.tree, ("spec", "template", "spec", "containers", 0, "ports", 0, "protocol"))
    assert ports == (22, 15, 8)
    assert [(key, below[:2]) for key, below in entries(document.tree[2])][:2] == [("apiVersion", (0, 0)), ("kind", (1, 0))]


def test_the_template_line_of_a_rendered_field_is_found_through_packed_entries() -> None:
    (document,), _, _ = load_documents(DEPLOYMENT)
    assert _path_before(document.tree, 6) == ("spec", "replicas")
    assert _path_before(document.tree, 17) == ("spec", "template", "spec", "containers", 0, "image")
    assert _path_before(document.tree, 20) == ("spec", "template", "spec", "containers", 0, "ports", 0)


def _deep_size(value: Any, seen: set[int]) -> int:
    if id(value) in seen or isinstance(value, str):  # keys are the data's own strings
        return 0
    seen.add(id(value))
    size = sys.getsizeof(value)
    if isinstance(value, dict):
        size += sum(_deep_size(below, seen) for below in value.values())
    elif isinstance(value, (list, tuple)):
        size += sum(_deep_size(below, seen) for below in value)
    return size


def test_the_position_tree_of_a_manifest_takes_far_less_than_a_tuple_per_node() -> None:
    text = "---\n".join([DEPLOYMENT] * 20)  # lines past the small ints Python keeps
    documents, _, _ = load_documents(text)
    packed = sum(_deep_size(d.tree, set()) for d in documents)
    tuples = sum(_deep_size(_unpacked(d.tree), set()) for d in documents)
    assert packed < 0.85 * tuples


# What may_alias searched the whole text for before: an anchor where a node may start.
_ANCHOR = re.compile(r"(?:^[ \t]*|[-:?][ \t]+|[\[{,][ \t]*|![^ \t\r\n]*[ \t]+)&[^ \t\r\n\[\]{},]", re.MULTILINE)


@settings(max_examples=2000, deadline=None)
@given(st.text(alphabet="&*!-:?[]{}, \t\r\nab#'\"|", max_size=40))
def test_the_anchor_check_answers_as_the_whole_text_expression(text: str) -> None:
    assert may_alias(text) == ("*" in text and _ANCHOR.search(text) is not None), repr(text)


@pytest.mark.parametrize(
    "text",
    [
        "a: &x 1\nb: *x\n",
        "a:\t&x 1\nb: *x\n",
        "- !!map &x {a: 1}\n- *x\n",
        "a: !local  &x v\nb: *x\n",
        "[1, &x 2, *x]\n",
        "{a: &x 1, b: *x}\n",
        "  &x a: 1\nb: *x\n",
        "&x\n- *x\n",
        "rule: self.a && self.b * 2\nnext: &x v\nb: *x\n",
    ],
)
def test_an_anchor_anywhere_a_node_starts_takes_the_checked_path(text: str) -> None:
    assert may_alias(text) and _ANCHOR.search(text)


def test_the_anchor_check_stays_linear_on_a_text_dense_with_ampersands() -> None:
    import time

    from k8slint.sources.yamlsafe import _ANCHOR

    text = "a: " + "x&y " * 6_000_000 + "\nb: *z\n"  # 24 MB, 6,000,000 `&` that start no node
    longer = text + "c: &z 1\n"
    ratios = []
    for _ in range(3):  # the best of up to three rounds: a shared machine's busy spell slows one run, not the check's order
        started = time.process_time()
        assert _ANCHOR.search(text) is None and _ANCHOR.search(longer) is not None  # one pass of the expression each
        reference = time.process_time() - started
        started = time.process_time()
        assert not may_alias(text)
        assert may_alias(longer)  # the anchor after them is found
        ratios.append((time.process_time() - started) / reference)
        if ratios[-1] < 1.8:
            break
    # as long as one pass of the expression over the text, about; `&` by `&` in Python: 2.5 times that and more
    assert min(ratios) < 1.8, ratios


@pytest.mark.parametrize("count", [99, 100, 101, 250])
def test_the_anchor_check_answers_alike_on_both_sides_of_its_one_by_one_limit(count: int) -> None:
    crd = "rule: self.a && self.b * 2\n" * count
    for tail, anchored in [("", False), ("x: &a 1\n", True), ("y: !!str &a v\n", True), ("z: a&b\n", False)]:
        assert may_alias(crd + tail) is anchored
        assert may_alias(tail + crd) is anchored
