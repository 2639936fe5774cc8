"""Equal mappings of strings to strings are one dict across the documents of a run's manifests.

A run keeps every document's data to its end; label maps, selectors, env entries and resource
requests repeat across documents, and nothing changes the data after loading. The sharing must
not change what any document reads: types stay apart, positions stay each document's own, and
the loads whose data is changed afterwards (kustomize's build output) do not share.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from k8slint.config import build_settings
from k8slint.engine import lint
from k8slint.model.objects import SourceFile
from k8slint.model.positions import locate
from k8slint.registry import registry
from k8slint.reporters.json import render_json
from k8slint.sources import yamlsafe
from k8slint.sources.kustomize_build import ORIGIN, strip_annotations
from k8slint.sources.manifests import load_manifest_text
from k8slint.sources.yamlsafe import load_documents

_TWO_DEPLOYMENTS = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: cart
  labels: {app: shop, tier: web}
spec:
  selector:
    matchLabels: {app: shop, tier: web}
  template:
    metadata:
      labels: {app: shop, tier: web}
    spec:
      containers:
      - name: cart
        image: ghcr.io/acme/cart:1.0
        resources:
          requests: {cpu: 100m, memory: 128Mi}
        env:
        - {name: MODE, value: prod}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: checkout
  labels:
    app: shop
    tier: web
spec:
  selector:
    matchLabels: {app: shop, tier: web}
  template:
    metadata:
      labels: {app: shop, tier: web}
    spec:
      containers:
      - name: checkout
        image: ghcr.io/acme/checkout:1.0
        resources:
          requests: {cpu: 100m, memory: 128Mi}
          limits: {cpu: 1, memory: "128Mi"}
        env:
        - {name: MODE, value: prod}
        - {name: REPLICAS, value: "1"}
        - {name: DEBUG, value: "true"}
        - {name: DEBUG, value: true}
"""


def _objects(text: str) -> list[Any]:
    return load_manifest_text(SourceFile("app.yaml", text), "default").objects


def _container(obj: Any) -> dict[str, Any]:
    return obj.data["spec"]["template"]["spec"]["containers"][0]  # type: ignore[no-any-return]


def test_equal_string_maps_are_one_dict_across_documents() -> None:
    cart, checkout = _objects(_TWO_DEPLOYMENTS)
    assert cart.labels is checkout.labels  # flow and block style alike
    assert cart.labels is cart.data["spec"]["selector"]["matchLabels"]
    assert _container(cart)["resources"]["requests"] is _container(checkout)["resources"]["requests"]
    assert _container(cart)["env"][0] is _container(checkout)["env"][0]
    # a mapping holding a mapping is not shared, and neither is one with a value that is not a string
    assert cart.data["spec"] is not checkout.data["spec"] and cart.data["spec"] == {**cart.data["spec"]}
    limits = _container(checkout)["resources"]["limits"]
    assert limits == {"cpu": 1, "memory": "128Mi"} and type(limits["cpu"]) is int


def test_a_string_never_stands_for_a_number_or_a_boolean() -> None:
    _, checkout = _objects(_TWO_DEPLOYMENTS)
    env = _container(checkout)["env"]
    assert env[1] == {"name": "REPLICAS", "value": "1"}
    assert env[2] == {"name": "DEBUG", "value": "true"} and env[3] == {"name": "DEBUG", "value": True}
    assert env[2] is not env[3] and type(env[3]["value"]) is bool
    quoted, plain = _objects("kind: ConfigMap\ndata: {a: 'true'}\n---\nkind: ConfigMap\nspec: {a: true}\n")
    assert quoted.data["data"] == {"a": "true"} and plain.data["spec"] == {"a": True}


def _at(text: str, line_text: str, field: str, after: int = 0) -> tuple[int, int]:
    """The 1-based line and column of the key ``field`` on the first line from ``after`` that is ``line_text``."""
    lines = text.splitlines()
    number = lines.index(line_text, after)
    return number + 1, lines[number].index(field) + 1


def test_mappings_of_numbers_and_booleans_are_shared_by_type() -> None:
    stream = "---\n".join(
        f"kind: ConfigMap\nmetadata: {{name: c{n}}}\nspec: {{a: {value}, port: 8080, empty: null}}\n"
        for n, value in enumerate(["1", "true", "'1'", "'true'", "1.0", "0x1", "1", "true", "1.0", "-0.0", "0.0"])
    )
    specs = [o.data["spec"] for o in _objects(stream)]
    assert [(type(s["a"]), s["a"]) for s in specs[:6]] == [(int, 1), (bool, True), (str, "1"), (str, "true"), (float, 1.0), (int, 1)]
    assert specs[0] is specs[6] is specs[5]  # 0x1 reads as the int 1: equal data, each with its own positions
    assert specs[1] is specs[7]
    assert len({id(s) for s in specs[:5]}) == 5  # 1, true, "1", "true" and 1.0 stay apart
    assert specs[4] is not specs[8] and specs[4] == specs[8]  # floats are never shared
    assert str(specs[9]["a"]) == "-0.0" and str(specs[10]["a"]) == "0.0"
    assert all(s["port"] == 8080 and s["empty"] is None for s in specs)


def test_each_document_keeps_its_own_positions() -> None:
    cart, checkout = _objects(_TWO_DEPLOYMENTS)
    text = _TWO_DEPLOYMENTS
    second = text.splitlines().index("---")
    assert locate(cart.positions(), ("metadata", "labels", "tier"))[:2] == _at(text, "  labels: {app: shop, tier: web}", "tier")
    assert locate(checkout.positions(), ("metadata", "labels", "tier"))[:2] == _at(text, "    tier: web", "tier")
    path = ("spec", "template", "spec", "containers", 0, "env", 0, "value")
    assert locate(cart.positions(), path)[:2] == _at(text, "        - {name: MODE, value: prod}", "value")
    assert locate(checkout.positions(), path)[:2] == _at(text, "        - {name: MODE, value: prod}", "value", second)
    path = ("spec", "template", "spec", "containers", 0, "resources", "requests", "memory")
    assert locate(checkout.positions(), path)[:2] == _at(text, "          requests: {cpu: 100m, memory: 128Mi}", "memory", second)


def test_loads_not_asked_to_share_keep_their_own_dicts() -> None:
    # kustomize's output: the build annotations are removed from each document in place
    stream = "".join(
        f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c{n}\n  annotations:\n    {ORIGIN}: 'path: base/cm.yaml'\n---\n"
        for n in range(2)
    )
    documents = [d for d in load_documents(stream)[0] if d.data is not None]
    first, second = (d.data["metadata"]["annotations"] for d in documents)
    assert first == second and first is not second
    assert [strip_annotations(d.data) for d in documents] == ["path: base/cm.yaml"] * 2
    assert all("annotations" not in d.data["metadata"] for d in documents)


def test_report_the_same_as_without_sharing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "app.yaml").write_text(_TWO_DEPLOYMENTS)
    service = "apiVersion: v1\nkind: Service\nmetadata: {name: shop}\nspec:\n  selector: {app: shop, tier: web}\n  ports: [{port: 80}]\n"
    (tmp_path / "svc.yaml").write_text(service)
    result = lint([str(tmp_path)], build_settings(registry(), None))
    assert result.loaded is not None
    objects = result.loaded[0].objects
    assert next(o for o in objects if o.kind == "Service").data["spec"]["selector"] is objects[0].labels
    shared = render_json(result)
    assert '"name": "checkout"' in shared and '"name": "cart"' in shared

    monkeypatch.setattr(yamlsafe, "_SHARED_LEAVES", {})
    monkeypatch.setattr(yamlsafe, "_SHARED_LEAVES_LIMIT", 0)
    alone = lint([str(tmp_path)], build_settings(registry(), None))
    assert alone.loaded is not None
    objects = alone.loaded[0].objects
    assert next(o for o in objects if o.kind == "Service").data["spec"]["selector"] is not objects[0].labels
    assert render_json(alone) == shared


def test_maps_of_the_same_strings_in_other_places_stay_apart() -> None:
    # the table's key is the keys, then the values: the same strings as keys or as values differ
    texts = ["{a: b, c: d}", "{a: c, b: d}", "{a: b}", "{b: a}", "{a: b, c: d}", "{}", "{}"]
    stream = "---\n".join(f"kind: ConfigMap\nmetadata: {{name: c{n}}}\ndata: {text}\n" for n, text in enumerate(texts))
    maps = [o.data["data"] for o in _objects(stream)]
    assert maps[:4] == [{"a": "b", "c": "d"}, {"a": "c", "b": "d"}, {"a": "b"}, {"b": "a"}]
    assert len({id(m) for m in maps[:4]}) == 4
    assert maps[0] is maps[4] and maps[5] is maps[6] == {}


def test_each_run_starts_its_own_table_of_shared_mappings(tmp_path: Path) -> None:
    # A long-running process (the editor's server) lints again and again: a run keeps no
    # mapping of an earlier run alive through the table, and equal mappings within a run are still one.
    from k8slint.sources import yamlsafe

    manifest = tmp_path / "cm.yaml"
    manifest.write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  labels: {app: web}\ndata: {k: v}\n---\n"
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n  labels: {app: web}\ndata: {k: w}\n"
    )
    settings = build_settings(registry(), None)
    first = lint([str(manifest)], settings)
    objects = first.loaded[0].objects
    assert objects[0].data["metadata"]["labels"] is objects[1].data["metadata"]["labels"]
    leftover = {"planted": "mapping"}
    yamlsafe._SHARED_LEAVES[("planted", "mapping")] = leftover
    lint([str(manifest)], settings)
    assert all(entry is not leftover for entry in yamlsafe._SHARED_LEAVES.values())
