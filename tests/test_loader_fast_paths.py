"""The loader's cheap pre-checks: they only choose between paths that give the same result.

- The alias-bomb check runs only when the text may define an anchor (shell and CEL ``&&``
  with a ``*`` elsewhere, in most real CRDs and scripts, do not).
- The nesting check runs its regular expressions only when the counts allow that depth.
- A file is read with a buffer of its own size, not of the 32 MiB limit.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from k8slint.sources import yamlsafe
from k8slint.sources.safefs import Roots, TooLarge, read_bytes
from k8slint.sources.yamlsafe import load_documents, may_alias

ANCHORED = [
    "a: &x 1\nb: *x\n",
    "- &x [1]\n- *x\n",
    "a: !!str &x v\nb: *x\n",
    "{a: &x 1, b: *x}\n",
    "[&x 1, *x]\n",
    "&x a: 1\nb: *x\n",
    "--- &x\na: 1\nb: *x\n",
    "? &k key\n: v\nb: *k\n",
    "base: &base\n  a: 1\nmerged:\n  <<: *base\n",
    "a:\t&x 1\nb: *x\n",
]
PLAIN = [
    "cmd: a && b * c\n",
    "rule: self.a > 0 && self.b * 2\n",
    "args: ['x && y', '*']\n",
    "s: |\n  foo &&\n  *bar\n",
    "message: 'R&D * 2'\n",
]


@pytest.mark.parametrize("text", ANCHORED)
def test_every_anchor_position_takes_the_checked_path(text: str) -> None:
    assert may_alias(text)


@pytest.mark.parametrize("text", PLAIN)
def test_ampersands_inside_values_are_not_anchors(text: str) -> None:
    assert not may_alias(text)


def test_an_alias_bomb_behind_a_tag_is_still_refused() -> None:
    lines = ["a0: !!seq &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    documents, errors, _ = load_documents("\n".join(lines) + "\n")
    assert documents == [] and [e.kind for e in errors] == ["complex"]


def test_both_paths_give_the_same_documents(monkeypatch: pytest.MonkeyPatch) -> None:
    text = (
        "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: a.example.com\n"
        "spec:\n  x-kubernetes-validations:\n    - rule: self.min <= self.max && self.max * 2 < 100\n"
        "  command: ['sh', '-c', 'make && ./run *']\n"
    )
    fast = load_documents(text)
    monkeypatch.setattr(yamlsafe, "may_alias", lambda text: True)
    checked = load_documents(text)
    assert [(d.data, d.tree) for d in fast[0]] == [(d.data, d.tree) for d in checked[0]]


def test_too_deep_still_finds_deep_flow_and_block_nesting() -> None:
    assert yamlsafe.too_deep("a: " + "[" * 1001 + "]" * 1001 + "\n")
    assert yamlsafe.too_deep("a:\n" + " " * 2000 + "b: 1\n")
    assert not yamlsafe.too_deep("a: [[1]]\n" + "b: {c: [d]}\n" * 400)


def test_a_file_is_read_whole_and_the_limit_still_holds(tmp_path: Path) -> None:
    file = tmp_path / "a.yaml"
    file.write_bytes(b"x" * 1000)
    assert read_bytes(str(file), Roots.of([str(tmp_path)]), 1000) == b"x" * 1000
    with pytest.raises(TooLarge):
        read_bytes(str(file), Roots.of([str(tmp_path)]), 999)
