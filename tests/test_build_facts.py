"""What k8slint knows about how images and charts run: which chart files Helm reads as templates."""

from __future__ import annotations

import pytest

from k8slint.sources.helmtemplates import is_partial, is_template, is_template_member


@pytest.mark.parametrize(
    ("rel_folder", "name", "read"),
    [
        ("", "deployment.yaml", True),
        ("", "raycluster.yaml.j2", True),
        ("", "NOTES.txt", True),
        ("", "_helpers.tpl", True),
        ("", "Caddyfile", True),
        ("config", "settings.json", True),
        ("tests", ".hidden.yaml", True),
        ("", ".draft.yaml", False),
        ("", ".git", False),
    ],
)
def test_helm_reads_every_file_under_templates_but_top_level_dotfiles(rel_folder: str, name: str, read: bool) -> None:
    assert is_template(rel_folder, name) is read


def test_package_members_and_partials() -> None:
    assert is_template_member("redis/templates/config/redis.conf")
    assert not is_template_member("redis/values.yaml")
    assert not is_template_member("redis/templates")
    assert is_partial("charts/redis/templates/_helpers.tpl")
    assert not is_partial("templates/NOTES.txt")
