"""The README's pictures (docs/images, written by `make docs`) are those k8slint draws today."""

from __future__ import annotations

from conftest import ROOT
from k8slint.docs_images import PICTURES, pictures


def test_the_pictures_are_fresh() -> None:
    drawn = pictures(ROOT)
    assert sorted(drawn) == sorted(PICTURES)
    for name, text in drawn.items():
        assert (ROOT / "docs" / "images" / name).read_text(encoding="utf-8") == text, f"docs/images/{name} is stale: run make docs"


def test_the_broken_picture_shows_each_broken_edge() -> None:
    broken = (ROOT / "docs" / "images" / "todo-chatbot-broken-graph.svg").read_text(encoding="utf-8")
    whole = (ROOT / "docs" / "images" / "todo-chatbot-graph.svg").read_text(encoding="utf-8")
    assert broken.count('class="edge broken"') == 4 and broken.count('class="node missing"') == 1
    assert "broken" not in whole.replace(".broken", "").replace("arrow-broken", "")


def test_the_readme_shows_them() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in PICTURES:
        assert f"](docs/images/{name})" in readme
