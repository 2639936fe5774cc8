"""Hostile and broken input: nothing crashes, hangs or is skipped silently; other findings survive.

Property-based tests (hypothesis) check the hand-written parsers against models.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import FIXTURES, run_lint
from k8slint.model.images import ImageError, parse_image
from k8slint.model.quantity import parse_quantity
from k8slint.model.selectors import from_label_selector

BAD = (FIXTURES / "rules" / "KR002" / "fail_requests.yaml").read_text()


def _bomb() -> str:
    lines = [
        "apiVersion: v1",
        "kind: ConfigMap",
        "metadata:",
        "  name: bomb",
        'x0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
    ]
    for level in range(1, 10):
        lines.append(f"x{level}: &a{level} [" + ",".join([f"*a{level - 1}"] * 9) + "]")
    lines.append("data: {k: *a9}")
    return "\n".join(lines) + "\n"


HOSTILE = {
    "alias-bomb.yaml": _bomb(),
    "recursive.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: r}\ndata: &b [*b]\n",
    "deep-flow.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: d}\ndata:\n  x: " + "[" * 100_000 + "]" * 100_000 + "\n",
    "deep-block.yaml": "a:\n" + "".join(" " * i + "a:\n" for i in range(1, 2500)),
    "long-line.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: long}\ndata:\n  k: " + "x" * 3_000_000 + "\n",
    "scalar.yaml": "just a string\n",
    "list.yaml": "- 1\n- 2\n",
    "nulls.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata: ~\nspec:\n  selector: ~\n  template:\n    metadata: ~\n    spec:\n      containers: [~, {name: ~, image: ~, ports: ~, resources: ~, env: [~]}]\n      volumes: ~\n",
    "types.yaml": "apiVersion: 1\nkind: 5\nmetadata: {name: 7, namespace: [a], labels: {1: 2}, annotations: [x]}\nspec: [1, 2]\n",
    "kind-list.yaml": "apiVersion: v1\nkind: [Pod]\nmetadata: {name: x}\n",
    "binary.yaml": "\x00\x01\x02",
    "latin1.yaml": "kind: caf\xe9",
    "empty.yaml": "",
    "unterminated.Dockerfile": "FROM python:3.12\nRUN <<EOF\nnever ends\n",
    "huge.Dockerfile": "FROM python:3.12-slim\n" + "RUN echo x\n" * 50_000 + "USER 10001\n",
}


def _write(folder: Path, name: str, text: str) -> None:
    data = text.encode("latin-1") if name in ("binary.yaml", "latin1.yaml") else text.encode("utf-8")
    (folder / name).write_bytes(data)


def test_hostile_files_do_not_hide_the_findings_of_others(tmp_path: Path) -> None:
    for name, text in HOSTILE.items():
        _write(tmp_path, name, text)
    (tmp_path / "real.yaml").write_text(BAD)
    (tmp_path / "chart").mkdir()
    (tmp_path / "chart" / "Chart.yaml").write_text("- not\n- a mapping\n")
    (tmp_path / "chart" / "values.schema.json").write_text("{not json")
    (tmp_path / "chart" / "templates").mkdir()
    (tmp_path / "chart" / "templates" / "x.yaml").write_text("{{ if .Values.a }\n")
    start = time.monotonic()
    result = run_lint(tmp_path)
    assert time.monotonic() - start < 60
    assert not [f for f in result.findings if f.rule == "internal-error"], [
        f.message for f in result.findings if f.rule == "internal-error"
    ]
    by_file: dict[str, set[str]] = {}
    for finding in result.findings:
        by_file.setdefault(Path(finding.location.file).name, set()).add(finding.rule)
    assert "request-exceeds-limit" in by_file["real.yaml"]
    assert by_file["alias-bomb.yaml"] == {"yaml-too-complex"}
    assert by_file["recursive.yaml"] == {"yaml-too-complex"}
    assert by_file["deep-flow.yaml"] == {"yaml-too-complex"}
    assert by_file["deep-block.yaml"] == {"yaml-too-complex"}
    # a bare string or a list of numbers is no Kubernetes object: set aside, and said so
    assert "scalar.yaml" not in by_file and "list.yaml" not in by_file
    assert {Path(file).name for file, _ in result.not_kubernetes} >= {"scalar.yaml", "list.yaml"}
    assert by_file["binary.yaml"] == by_file["latin1.yaml"] == {"unreadable-file"}
    assert by_file["empty.yaml"] == {"empty-file"}
    assert "dockerfile-syntax" in by_file["unterminated.Dockerfile"]
    assert "missing-field" in by_file["types.yaml"] and "missing-field" in by_file["kind-list.yaml"]
    assert "chart-metadata" in by_file["Chart.yaml"]
    assert "values-schema-violation" in by_file["values.schema.json"]
    assert "template-syntax" in by_file["x.yaml"]
    every_file = set(HOSTILE) | {"real.yaml"}
    assert every_file - set(by_file) <= {"long-line.yaml", "nulls.yaml", "huge.Dockerfile", "scalar.yaml", "list.yaml"}
    assert result.fails(result.findings[0].severity.__class__.ERROR)


def test_file_size_limit(tmp_path: Path) -> None:
    (tmp_path / ".k8slint.yaml").write_text("max-file-size: 1000\n")
    (tmp_path / "big.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: big}\ndata:\n  k: " + "x" * 2000 + "\n")
    (tmp_path / "small.yaml").write_text("apiVersion: v1\nkind: Namespace\nmetadata: {name: ok}\n")
    result = run_lint(".", cwd=tmp_path)
    assert [(f.rule, Path(f.location.file).name) for f in result.findings] == [("file-too-large", "big.yaml")]


def test_symlink_loops_and_links_outside(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "loop").symlink_to(tmp_path / "a")
    outside = tmp_path.parent / f"{tmp_path.name}-outside.yaml"
    outside.write_text(BAD)
    (tmp_path / "a" / "outside.yaml").symlink_to(outside)
    (tmp_path / "real.yaml").write_text(BAD)
    (tmp_path / "a" / "inside.yaml").symlink_to(tmp_path / "real.yaml")
    result = run_lint(tmp_path)
    found = {(f.rule, Path(f.location.file).name) for f in result.findings}
    # a link inside the linted folder is read; one outside it is skipped and said to be
    assert ("request-exceeds-limit", "inside.yaml") in found
    assert ("skipped-file", "outside.yaml") in found
    assert ("request-exceeds-limit", "outside.yaml") not in found
    assert "loop" not in {name for _, name in found}  # a link to a folder inside is walked where it is


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads folders without permission; run as a user to see it")
def test_unreadable_folder_is_a_finding(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "x.yaml").write_text(BAD)
    locked.chmod(0)
    try:
        result = run_lint(tmp_path)
    finally:
        locked.chmod(0o755)
    assert "unreadable-file" in {f.rule for f in result.findings}


def test_nothing_touches_the_network_or_runs_a_program(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every fixture linted with sockets and subprocesses disabled."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("k8slint tried to use the network or run a program")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(subprocess, "Popen", refuse)
    monkeypatch.setattr(os, "system", refuse)
    result = run_lint(FIXTURES)
    assert result.findings and not [f for f in result.findings if f.rule == "internal-error"]


# --- properties of the hand-written parsers ---------------------------------

_SUFFIX_FACTORS = {
    "": Fraction(1),
    "m": Fraction(1, 1000),
    "k": Fraction(1000),
    "M": Fraction(10**6),
    "Ki": Fraction(1024),
    "Mi": Fraction(1024**2),
    "Gi": Fraction(1024**3),
}


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=0, max_value=10**12), st.sampled_from(sorted(_SUFFIX_FACTORS)), st.booleans())
def test_quantity_round_trip(number: int, suffix: str, negative: bool) -> None:
    text = f"{'-' if negative else ''}{number}{suffix}"
    value = number * _SUFFIX_FACTORS[suffix]
    if suffix.endswith("i"):
        value = min(value, Fraction(2**63 - 1))  # binary quantities are capped, as the API server caps them
    assert parse_quantity(text) == (-value if negative else value)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_quantity_parser_never_crashes(text: str) -> None:
    try:
        parse_quantity(text)
    except ValueError:
        pass


_COMPONENT = st.from_regex(r"[a-z0-9]+(?:[._-][a-z0-9]+){0,2}", fullmatch=True)
# Without a registry, a first component with a dot would be read as a registry host, as Docker reads it.
_FIRST = st.from_regex(r"[a-z0-9]+(?:[_-][a-z0-9]+){0,2}", fullmatch=True).filter(lambda c: c != "localhost")


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(st.none(), st.sampled_from(["ghcr.io", "localhost:5000", "registry.example.com:443", "[::1]:5000", "10.0.0.1"])),
    _FIRST,
    st.lists(_COMPONENT, max_size=2),
    st.one_of(st.none(), st.from_regex(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,20}", fullmatch=True)),
)
def test_image_references_round_trip(domain, first, components, tag) -> None:
    path = "/".join([first, *components])
    text = (f"{domain}/" if domain else "") + path + (f":{tag}" if tag else "")
    reference = parse_image(text)
    assert (reference.domain, reference.path, reference.tag) == (domain, path, tag)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_image_parser_never_crashes(text: str) -> None:
    try:
        parse_image(text)
    except ImageError:
        pass


_KEYS = st.sampled_from(["app", "tier", "track", "team"])
_VALUES = st.sampled_from(["a", "b", "c"])


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(_KEYS, _VALUES, max_size=3),
    st.lists(
        st.tuples(_KEYS, st.sampled_from(["In", "NotIn", "Exists", "DoesNotExist"]), st.lists(_VALUES, min_size=1, max_size=2)), max_size=3
    ),
    st.dictionaries(_KEYS, _VALUES, max_size=4),
)
def test_selector_agrees_with_a_brute_force_model(match_labels, expressions, labels) -> None:
    raw = {
        "matchLabels": match_labels,
        "matchExpressions": [{"key": k, "operator": op, **({"values": v} if op in ("In", "NotIn") else {})} for k, op, v in expressions],
    }
    expected = all(labels.get(k) == v for k, v in match_labels.items())
    for key, op, values in expressions:
        if op == "In":
            expected &= labels.get(key) in values
        elif op == "NotIn":
            expected &= labels.get(key) not in values
        elif op == "Exists":
            expected &= key in labels
        else:
            expected &= key not in labels
    assert from_label_selector(raw).matches(labels) == expected


@settings(max_examples=200, deadline=None)
@given(
    st.dictionaries(_KEYS, _VALUES, min_size=1, max_size=3),
    st.lists(st.dictionaries(_KEYS, _VALUES, max_size=4), max_size=6),
)
def test_nearest_template_agrees_with_a_full_scan(selector_labels, pod_labels) -> None:
    # The label bit sets narrow the searches for the nearest and the matching pod templates;
    # they must find what a scan finds.
    from k8slint.model.graph.index import ObjectIndex
    from k8slint.model.graph.matching import _agreeing, _nearest
    from k8slint.model.objects import SourceFile
    from k8slint.model.selectors import from_map
    from k8slint.sources.manifests import load_manifest_text

    text = "---\n".join(
        f"apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: d{i}}}\n"
        f"spec:\n  template:\n    metadata: {{labels: {labels or '{}'}}}\n    spec: {{containers: [{{name: c, image: x}}]}}\n"
        for i, labels in enumerate(pod_labels)
    )
    objects = load_manifest_text(
        SourceFile("d.yaml", text + "---\napiVersion: v1\nkind: Service\nmetadata: {name: s}\n"), "default"
    ).objects
    index = ObjectIndex(objects)
    viewer = objects[-1]  # the Service, in the templates' unit
    selector = from_map(selector_labels)
    templates = index.pod_templates.get("default", [])
    scores = [_agreeing(selector, t) for t in templates]
    expected = templates[scores.index(max(scores))] if templates else None
    assert _nearest(selector, index, viewer) is expected
    assert index.templates_matching(viewer, selector) == [t for t in templates if t.selected_by(selector)]
