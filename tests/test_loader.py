"""The manifest loader: positions of any field, documents, Lists, helm sources, broken input."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import shared_or_skip
from k8slint import rulecodes
from k8slint.findings import format_path
from k8slint.model.objects import K8sObject, SourceFile
from k8slint.model.positions import locate, offsets_are_positions, tree_of
from k8slint.model.texts import Text
from k8slint.sources.discover import decode, discover
from k8slint.sources.manifests import load_manifest_text
from k8slint.sources.yamlsafe import KubernetesSafeLoader, _build_document, _children_tree, _Unusual, load_documents

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


def test_an_object_without_its_position_tree_reads_it_again_through_the_loader() -> None:
    """Objects from --jobs workers come without trees: the model asks the reader the loader registered."""
    listed = "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: a}\n- apiVersion: v1\n  kind: Secret\n  metadata: {name: b}\n"
    text = listed + "---\n" + DEPLOYMENT
    cpu = ("spec", "template", "spec", "containers", 0, "resources", "requests", "cpu")
    for obj in load(text).objects:
        bare = K8sObject(obj.data, obj.file, obj.document, None, obj.namespace, obj.item, obj.source, obj.span)
        for path in ((), ("metadata", "name"), cpu):
            assert bare.locate(path) == obj.locate(path), (obj.kind, path)


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
    assert rule == rulecodes.YAML_SYNTAX and problem.location.line == 6


def test_python_tags_are_refused_and_the_next_document_is_read() -> None:
    text = "a: !!python/object/apply:os.system ['true']\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: ok}\n"
    result = load(text)
    assert [rule for rule, _ in result.problems] == [rulecodes.UNSUPPORTED_YAML_TAG]
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


# --- the fast document builder against PyYAML's constructor ----------------------------------

_TOKENS = [
    "a",
    "name",
    "x y",
    "'1'",
    '"a"',
    "1",
    "010",
    "0x1F",
    "0o17",
    "1_000",
    "-3",
    "+4",
    "1.5",
    "1e3",
    "6.02e+23",
    ".inf",
    "-.Inf",
    ".NaN",
    "yes",
    "No",
    "on",
    "OFF",
    "true",
    "~",
    "null",
    "''",
    "1:30",
    "2024-01-01",
    "=",
    "!!str 12",
    "!!int '7'",
    "!!float '2'",
    "!!bool 'yes'",
    "!!null ''",
    "'it''s'",
    "9" * 30,
]


def _render(value: object, indent: int = 0) -> str:
    pad = " " * indent
    if isinstance(value, list) and value and isinstance(value[0], tuple):  # a mapping, keys may repeat
        out = []
        for key, below in value:
            if isinstance(below, list) and below:
                out.append(f"{pad}{key}:\n{_render(below, indent + 2)}")
            else:
                out.append(f"{pad}{key}: {_render(below) if below != [] else '[]'}")
        return "\n".join(out)
    if isinstance(value, list):
        out = []
        for item in value:
            if isinstance(item, list) and item:
                out.append(f"{pad}-\n{_render(item, indent + 2)}")
            else:
                out.append(f"{pad}- {_render(item) if item != [] else '[]'}")
        return "\n".join(out) if out else "[]"
    return str(value)


_KEYS = st.sampled_from(["a", "b", "name", "1", "'1'", "true", "~", "x y", "0x1F"])
_TREES = st.recursive(
    st.sampled_from(_TOKENS),
    lambda below: st.lists(below, max_size=4) | st.lists(st.tuples(_KEYS, below), min_size=1, max_size=5),
    max_leaves=25,
)


def _same(value: object) -> object:
    """Comparable form: NaN equal to itself, and types kept apart (1 == 1.0 == True otherwise)."""
    if isinstance(value, float) and value != value:
        return ("nan",)
    if isinstance(value, dict):
        return [(_same(k), _same(v)) for k, v in value.items()]
    if isinstance(value, list):
        return [_same(v) for v in value]
    return (type(value).__name__, value)


@settings(max_examples=300, deadline=None)
@given(_TREES)
def test_fast_builder_matches_pyyaml(tree: object) -> None:
    text = _render(tree) + "\n"
    fast, slow = KubernetesSafeLoader(text), KubernetesSafeLoader(text)
    while fast.check_node() and slow.check_node():
        node, twin = fast.get_node(), slow.get_node()
        children_expected = _children_tree(twin, {})
        try:
            expected = slow.construct_document(twin)
        except yaml.constructor.ConstructorError:
            with pytest.raises((yaml.constructor.ConstructorError, _Unusual)):
                _build_document(node, fast, Text(text))
            continue
        data, positions, duplicates = _build_document(node, fast, Text(text))
        assert _same(data) == _same(expected)
        assert tree_of(positions)[2] == children_expected
        assert sorted(map(repr, duplicates)) == sorted(map(repr, slow.duplicate_keys))


def test_positions_follow_merge_keys_and_aliases() -> None:
    text = "base: &b\n  cpu: 1\n  mem: 2\nx:\n  <<: *b\n  mem: 3\ny: *b\nz: [*b]\n"
    (document,), errors, _ = load_documents(text)
    assert errors == []
    assert document.data["x"] == {"cpu": 1, "mem": 3}
    assert locate(document.tree, ("x", "cpu"))[:2] == (2, 3)  # the merged key, where it is written
    assert locate(document.tree, ("x", "mem"))[:2] == (6, 3)  # the explicit key wins
    assert locate(document.tree, ("y", "mem"))[:2] == (3, 3)
    assert locate(document.tree, ("z", 0, "cpu"))[:2] == (2, 3)


def test_repeated_keys_keep_the_last_value_and_point_at_it() -> None:
    """kubectl and the API server apply the last value: findings about it point where it is written."""
    (document,), _, duplicates = load_documents("a: 1\nb: 2\na: 3\n")
    assert document.data == {"a": 3, "b": 2}
    assert locate(document.tree, ("a",))[:2] == (3, 1)
    assert [(d.key, d.line, d.first_line) for d in duplicates] == [("a", 3, 1)]


@pytest.mark.parametrize(
    "text,message",
    [
        ("flag: !!bool maybe\n", "'maybe' is not a boolean (!!bool)"),
        ("count: !!int abc\n", "'abc' is not an integer (!!int)"),
        ("ratio: !!float x\n", "'x' is not a number (!!float)"),
    ],
)
def test_explicit_tags_on_unreadable_text_are_errors_not_crashes(text: str, message: str) -> None:
    result = load(text + "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: next}\n")
    assert [(rule, problem.message, problem.location.line) for rule, problem in result.problems] == [(rulecodes.YAML_SYNTAX, message, 1)]
    assert [o.name for o in result.objects] == ["next"]


def test_an_integer_longer_than_python_converts_stays_text() -> None:
    digits = "1" * 5000
    (document,), errors, _ = load_documents(f"a: {digits}\n")
    assert errors == [] and document.data == {"a": digits}  # beyond 64 bits and a float's range: text, as go-yaml reads it
    _, errors, _ = load_documents(f"b: !!int {digits}\n")  # go-yaml: cannot decode !!str as !!int
    assert [error.message.endswith("is not an integer (!!int)") for error in errors] == [True]


def test_fast_builder_matches_pyyaml_on_the_real_world_corpus() -> None:
    corpus = shared_or_skip("corpus")
    built = 0
    for path in sorted(corpus.rglob("*")):
        if path.suffix not in (".yaml", ".yml") or not path.is_file():
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        fast, slow = KubernetesSafeLoader(text), KubernetesSafeLoader(text)
        try:
            while fast.check_node() and slow.check_node():
                node, twin = fast.get_node(), slow.get_node()
                children_expected = _children_tree(twin, {})
                try:
                    data, positions, _ = _build_document(node, fast, Text(text) if offsets_are_positions(text) else None)
                except _Unusual:
                    continue
                assert _same(data) == _same(slow.construct_document(twin)), path
                assert tree_of(positions)[2] == children_expected, path
                built += 1
        except yaml.YAMLError:
            continue
    assert built > 1500


def test_loading_makes_no_reference_cycles() -> None:
    # The engine pauses the cyclic collector while it loads files (k8slint.collector.collector_paused):
    # that is only sound if loading leaves nothing for the collector, broken input included.
    import gc

    from k8slint.config import build_settings
    from k8slint.load import LoadState, read_file
    from k8slint.registry import registry

    settings = build_settings(registry(), None)
    found = discover([str(Path(__file__).parent.parent / "fixtures")], settings.exclude)
    assert len(found.files) > 200
    warm = LoadState()  # the modules a file type needs are imported at its first file; importing makes cycles
    for item in found.files:
        read_file(item, settings, warm)
    gc.collect()
    gc.disable()
    try:
        state = LoadState()
        for item in found.files:
            read_file(item, settings, state)
        assert state.objects and state.raw  # objects, and findings from the broken files
        assert gc.collect() == 0
    finally:
        gc.enable()
