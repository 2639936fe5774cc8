"""Texts kept compressed once their objects are made: every position and snippet read from them stays the same."""

from __future__ import annotations

from pathlib import Path

import pytest

from k8slint.config import build_settings
from k8slint.engine import lint
from k8slint.model import texts
from k8slint.model.objects import SourceFile
from k8slint.model.texts import PACK_MIN, Text
from k8slint.registry import registry
from k8slint.reporters.json import render_json

_WORKLOAD = """\
apiVersion: apps/v1
kind: Deployment
metadata: {{name: app-{n}, labels: {{app: app-{n}}}}}
spec:
  selector: {{matchLabels: {{app: app-{n}}}}}
  template:
    metadata: {{labels: {{app: app-{n}}}}}
    spec:
      containers:
      - name: app   # caf\u00e9 \u2603
        image: nginx:1.25
        securityContext: {{privileged: true}}
        resources: {{requests: {{cpu: 200m, memory: 64Mi}}, limits: {{cpu: 100m, memory: 64Mi}}}}
---
"""


def test_a_text_round_trips_packed_whatever_it_holds() -> None:
    value = ("kind: ConfigMap  # \u00e9\u2603\U0001f600 \udcff\n" * 400)[:-1]  # a lone surrogate: a byte that was not UTF-8
    text = Text(value)
    assert len(value) >= PACK_MIN and not text.packed
    text.pack()
    assert text.packed and text.get() == value and text.length == len(value)
    short = Text("kind: Pod\n")
    short.pack()
    assert not short.packed  # too short to gain


def test_the_decompressed_texts_kept_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    recent = texts._Recent(limit=3 * 5000)
    monkeypatch.setattr(texts, "_recent", recent)
    packed = []
    for number in range(6):
        text = Text(f"{number}" * 5000)
        text.pack()
        packed.append(text)
    for text in packed:
        assert text.get()[0] == str(packed.index(text))
    assert recent.size <= recent.limit and len(recent.texts) == 3
    assert list(recent.texts) == packed[3:]  # the last read are kept
    big = Text("x" * 20000)
    big.pack()
    assert big.get() == "x" * 20000 and list(recent.texts) == [big]  # the one last read always is


def test_a_source_file_reads_the_same_packed(tmp_path: Path) -> None:
    value = _WORKLOAD.format(n=0) * 20 + "# k8slint: ignore=KR002\n"
    source = SourceFile("a.yaml", value)
    lines = [source.line(n) for n in range(1, value.count("\n") + 2)]
    source.pack()
    assert isinstance(source.content, Text) and source.content.packed
    assert source.text == value and [source.line(n) for n in range(1, value.count("\n") + 2)] == lines
    assert source.suppressions  # read before packing, kept


@pytest.mark.parametrize("jobs", [1, 2])
def test_reports_are_the_same_with_texts_kept_packed_or_not(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: int) -> None:
    """Large files (packed: their findings' lines and snippets are read back from the compressed text) and small ones."""
    for number in range(12):
        (tmp_path / f"app-{number}.yaml").write_text(
            "".join(_WORKLOAD.format(n=f"{number}-{k}") for k in range(number * 4 + 1)), encoding="utf-8"
        )
    settings = build_settings(registry(), None)
    packed = lint([str(tmp_path)], settings, jobs=jobs)
    assert packed.loaded is not None
    sources = packed.loaded[0].sources.values()
    assert any(isinstance(s.content, Text) and s.content.packed for s in sources)
    assert any(isinstance(s.content, Text) and not s.content.packed for s in sources)
    monkeypatch.setattr(Text, "pack", lambda self: None)
    plain = lint([str(tmp_path)], build_settings(registry(), None), jobs=jobs)
    assert plain.loaded is not None and not any(isinstance(s.content, Text) and s.content.packed for s in plain.loaded[0].sources.values())
    assert render_json(packed) == render_json(plain)
    snippets = [f.snippet for f in packed.findings]
    assert snippets == [f.snippet for f in plain.findings]
    assert "        securityContext: {privileged: true}" in snippets and "      - name: app   # caf\u00e9 \u2603" in snippets
