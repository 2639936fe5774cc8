"""Start-up: a built-in kind's schema compiled with the definitions it needs, not the whole 1.5 MB file.

The validator must be the one compiled with every definition: same errors for
every object, in every version folder kubernetes-validate ships (plain and
strict), and the whole file once the kinds compiled have needed half of it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest

from conftest import FIXTURES, ROOT, run_lint
from k8slint.model import schemas
from k8slint.model.jsonvalues import as_json
from k8slint.model.schemas import _DEFINITIONS_ID, DefinitionsFile, SchemaStore, _references, refuse_all, supported_versions


def _folders() -> list[Path]:
    root = Path(str(schemas._schema_root()))
    return sorted(entry for entry in root.iterdir() if entry.is_dir() and (entry / "_definitions.json").is_file())


def _named(ref: str) -> str:
    return ref.rpartition("/")[2]


@pytest.mark.parametrize("folder", _folders(), ids=lambda p: p.name)
def test_every_kind_gets_every_definition_it_refers_to(folder: Path) -> None:
    text = (folder / "_definitions.json").read_text(encoding="utf-8")
    whole = json.loads(text)
    definitions = DefinitionsFile(text)
    for path in sorted(folder.glob("*.json")):
        if path.name == "_definitions.json":
            continue
        schema = json.loads(path.read_text(encoding="utf-8"))
        needed = definitions.needed_by(schema)
        assert needed is not None, path.name
        document, size = needed
        assert {key: value for key, value in document.items() if key != "$defs"} == {k: v for k, v in whole.items() if k != "$defs"}
        chosen = document["$defs"]
        assert all(whole["$defs"][name] == value for name, value in chosen.items()), path.name
        closed = {_named(ref) for ref in _references(schema)} | {_named(ref) for value in chosen.values() for ref in _references(value)}
        assert closed == set(chosen), path.name  # every one referred to, and no other
        assert 0 < size < len(text) or not chosen


def _objects() -> list[Any]:
    result = run_lint(FIXTURES, ROOT / "reference")
    state, _, _ = result.loaded
    return [obj for obj in state.objects if obj.api_version and obj.kind and not schemas.is_custom_resource(obj.api_version)]


@pytest.mark.parametrize("strict", [False, True], ids=["plain", "strict"])
def test_the_validator_with_the_needed_definitions_reports_what_the_whole_file_does(strict: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every built-in object of the fixtures and the reference deployment (valid and broken, hundreds of kinds and shapes)."""
    objects = _objects()
    version = supported_versions()[-1]
    partial, whole = SchemaStore(version, strict), SchemaStore(version, strict)
    monkeypatch.setattr(schemas, "_BUILT_IN", {})
    compared = errors = 0
    for obj in objects:
        name = f"{obj.kind.lower()}-{schemas._group_label(obj.api_version)}{obj.api_version.rpartition('/')[2]}.json"
        entry = partial._folder.joinpath(name)
        if not schemas.valid_type_names(obj.api_version, obj.kind) or not entry.is_file():
            continue
        schema = json.loads(entry.read_text(encoding="utf-8"))
        needed = partial._definitions_file.needed_by(schema)
        assert needed is not None
        with_needed = jsonschema_rs.Draft202012Validator(
            schema, registry=jsonschema_rs.Registry([(_DEFINITIONS_ID, needed[0])], retriever=refuse_all), retriever=refuse_all
        )
        with_all = jsonschema_rs.Draft202012Validator(schema, registry=whole._schema_registry, retriever=refuse_all)
        data = as_json(obj.data)
        mine = [(list(e.instance_path), list(e.schema_path), e.message) for e in with_needed.iter_errors(data)]
        assert mine == [(list(e.instance_path), list(e.schema_path), e.message) for e in with_all.iter_errors(data)]
        compared += 1
        errors += len(mine)
    assert compared > 300 and errors > 20


def test_a_store_takes_the_whole_file_once_half_of_it_was_needed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(schemas, "_BUILT_IN", {})
    store = SchemaStore(supported_versions()[-1], False)
    total = len(store._definitions_file.text)
    deployment = json.loads(store._folder.joinpath("deployment-apps-v1.json").read_text(encoding="utf-8"))
    store._built_in_registry(deployment)
    assert "_schema_registry" not in store.__dict__  # the whole file was not registered
    assert 0 < store._partial_bytes < total // 2
    store._partial_bytes = total // 2  # the kinds so far needed half the file
    assert store._built_in_registry(deployment) is store._schema_registry


def test_a_file_laid_out_otherwise_is_taken_whole() -> None:
    text = json.dumps({"$defs": {"a": {"type": "string"}}, "$id": "x", "$schema": "y"})  # one line: not kubernetes-validate's layout
    assert DefinitionsFile(text).needed_by({"$ref": "#/$defs/a"}) is None
    pretty = json.dumps({"$defs": {"a": {"type": "string"}}, "$schema": "y", "$id": "x"}, indent=2)
    assert DefinitionsFile(pretty).needed_by({"$ref": "/api/_definitions.json#/$defs/a"}) == (
        {"$defs": {"a": {"type": "string"}}, "$schema": "y", "$id": "x"},
        len('{\n      "type": "string"\n    }'),
    )
    assert DefinitionsFile(pretty).needed_by({"$ref": "#/$defs/missing"}) is None
    assert DefinitionsFile(pretty).needed_by({"$ref": "#/$defs/a/properties/b"}) is None


def test_a_one_file_check_reads_only_the_definitions_it_needs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The run's schema store never parses the whole file for a Deployment and a Service."""
    monkeypatch.setattr(schemas, "_BUILT_IN", {})
    parsed: list[int] = []
    original = DefinitionsFile.whole

    def whole(self: DefinitionsFile) -> dict[str, Any]:
        parsed.append(len(self.text))
        return original(self)

    monkeypatch.setattr(DefinitionsFile, "whole", whole)
    manifest = tmp_path / "app.yaml"
    manifest.write_text(
        (ROOT / "reference" / "todo-chatbot" / "manifests" / "30-backend.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    bad = manifest.read_text(encoding="utf-8").replace("replicas: 2", "replicas: two", 1)
    manifest.write_text(bad, encoding="utf-8")
    result = run_lint(manifest)
    assert any(f.code == "KL010" and "replicas" in f.message for f in result.findings), [f.message for f in result.findings]
    assert parsed == []


def test_references_are_found_however_the_key_is_spelled() -> None:
    """A ``$ref`` key written with an escape (``\\u0024ref``) is read from the parsed definition, not its text."""
    pretty = json.dumps(
        {
            "$defs": {"a": {"properties": {"x": {"\\u0024ref": "#/$defs/b"}}}, "b": {"$ref": "#/$defs/c"}, "c": {}},
            "$schema": "y",
            "$id": "x",
        },
        indent=2,
    ).replace("\\\\u0024ref", "\\u0024ref")
    assert '"\\u0024ref"' in pretty
    document, _ = DefinitionsFile(pretty).needed_by({"$ref": "#/$defs/a"})  # type: ignore[misc]
    assert sorted(document["$defs"]) == ["a", "b", "c"]
    compact = pretty.replace('"$ref": ', '"$ref":')
    document, _ = DefinitionsFile(compact).needed_by({"$ref": "#/$defs/b"})  # type: ignore[misc]
    assert sorted(document["$defs"]) == ["b", "c"]
