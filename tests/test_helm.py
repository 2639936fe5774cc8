"""Helm: # Source: mapping on real helm template output, --render, and the parsers behind the chart rules.

Rendered output comes from ../shared/corpus/rendered (Helm's own golden test
outputs and other projects' committed renderings; provenance in its SOURCES.md).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from conftest import SHARED, fake_helm, run_lint, shared_or_skip
from k8slint.model.gotemplate import analyse
from k8slint.model.helmsemver import ConstraintError, parse_constraints
from k8slint.model.objects import SourceFile
from k8slint.sources.manifests import load_manifest_text


def _expected_sources(text: str) -> list[str | None]:
    """An independent reading: the # Source: comment in each document's own leading comment block."""
    found = []
    for document in re.split(r"^---[^\n]*$", text, flags=re.MULTILINE):
        lines = [line for line in document.splitlines() if line.strip()]
        if not any(not line.lstrip().startswith("#") for line in lines):
            continue  # empty, or only comments
        head = []
        for line in lines:
            if not line.lstrip().startswith("#"):
                break
            head.append(line)
        sources = [line.split("# Source: ", 1)[1].strip() for line in head if line.startswith("# Source: ")]
        found.append(sources[-1] if sources else None)
    return found


def test_source_comments_of_real_helm_output() -> None:
    rendered = shared_or_skip("corpus", "rendered")
    files = sorted(p for p in rendered.rglob("*") if p.is_file() and p.suffix in (".yaml", ".txt"))
    assert files
    for path in files:
        text = path.read_text(encoding="utf-8")
        result = load_manifest_text(SourceFile(str(path), text), "default")
        documents = [o for o in result.objects if o.item is None]
        assert [o.source for o in documents] == _expected_sources(text), path.name


def test_render_lints_the_rendered_objects_and_names_their_templates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    chart = shared_or_skip("corpus", "charts", "helm-testchart-chart-with-template-lib-dep")
    golden = SHARED / "corpus" / "rendered" / "helm__helm" / "pkg__cmd__testdata__output__template-chart-with-template-lib-dep.txt"
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake_helm(bin_dir, f'[ "$1" = version ] && echo v3.99.0 && exit 0\n[ "$1" = template ] || exit 2\ncat "{golden}"\n')
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    result = run_lint(chart, render=True, select=["missing-requests", "probe-misconfigured"])
    assert result.objects == 2
    assert [note for note in result.notes if "rendered with helm v3.99.0" not in note] == []
    sources = {f.source for f in result.findings}
    assert sources and all(s.startswith("chart-with-template-lib-dep/templates/") for s in sources), sources
    # the findings land on the templates on disk, never on the rendered stream
    assert all(Path(f.location.file).parent == chart / "templates" for f in result.findings)


def test_render_reports_helm_errors_at_the_template_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    chart = tmp_path / "todo"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: todo\nversion: 1.0.0\nappVersion: '1'\ndescription: x\n")
    (chart / "templates" / "cm.yaml").write_text("a: {{ .Values.x }}\n")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake_helm(
        bin_dir,
        '[ "$1" = version ] && echo v3.99.0 && exit 0\n'
        "echo 'Error: template: todo/templates/cm.yaml:1:8: executing \"todo/templates/cm.yaml\" at <.Values.x>: nil pointer' >&2\nexit 1\n",
    )
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    result = run_lint(chart, render=True, select=["chart-render-failed"])
    (finding,) = result.findings
    assert (Path(finding.location.file).name, finding.location.line, finding.location.column) == ("cm.yaml", 1, 8)
    assert finding.message.endswith(
        'fails (with its default values): template: todo/templates/cm.yaml:1:8: executing "todo/templates/cm.yaml" at <.Values.x>: nil pointer'
    )


def test_render_asked_for_without_helm_is_a_usage_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli) -> None:
    """Rendering was asked for: linting the chart unrendered and exiting 0 would pass what was never checked."""
    chart = tmp_path / "todo"
    chart.mkdir()
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: todo\nversion: 1.0.0\n")
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.setattr("k8slint.sources.helmrender._import_sdk", lambda: None)
    monkeypatch.setattr("k8slint.sources.engines._candidates", lambda program: [])
    done = cli("check", "--no-config", "--render", str(chart))
    assert done.exit_code == 2 and "no Helm engine is installed" in done.output
    # without --render, the charts are linted unrendered, and the report says so
    plain = run_lint(chart)
    assert any("1 Helm chart not rendered" in note for note in plain.notes)


# Masterminds/semver v3 constraint cases (constraints_test.go): constraint, version, satisfied
CONSTRAINT_CASES = [
    ("*", "1.2.3", True),
    ("~0.0.0", "1.2.3", True),
    ("0.x.x", "1.2.3", False),
    ("0.0.x", "1.2.3", False),
    ("0.0.0", "1.2.3", False),
    ("^0.0.0", "1.2.3", False),
    ("= 2.0", "1.2.3", False),
    ("= 2.0", "2.0.0", True),
    ("4.1", "4.1.0", True),
    ("4.1.x", "4.1.3", True),
    ("1.x", "1.4", True),
    ("!=4.1", "4.1.0", False),
    ("!=4.1-alpha", "4.1.0-alpha", False),
    ("!=4.1-alpha", "4.1.0", True),
    ("!=4.1", "5.1.0", True),
    ("!=4.x", "5.1.0", True),
    ("!=4.x", "4.1.0", False),
    ("!=4.1.x", "4.2.0", True),
    ("!=4.2.x", "4.2.3", False),
    (">1.1", "4.1.0", True),
    (">1.1", "1.1.0", False),
    ("<1.1", "0.1.0", True),
    ("<1.1", "1.1.0", False),
    ("<1.1", "1.1.1", False),
    ("<1.x", "1.1.1", False),
    ("<1.x", "0.1.1", True),
    ("<1.x", "2.0.0", False),
    ("<1.1.x", "1.2.1", False),
    ("<1.1.x", "1.1.500", False),
    ("<1.2.x", "1.1.1", True),
    (">=1.1", "4.1.0", True),
    (">=1.1", "0.0.9", False),
    ("<=1.1", "0.1.0", True),
    ("<=1.1", "0.1.0-alpha", False),
    ("<=1.1-a", "0.1.0-alpha", True),
    ("<=1.1", "1.1.0", True),
    ("<=1.x", "1.1.0", True),
    ("<=2.x", "3.0.0", False),
    ("<=1.1", "1.1.1", True),
    ("<=1.1.x", "1.2.500", False),
    ("<=4.5", "3.4.0", True),
    ("<=4.5", "4.6.3", False),
    (">1.1, <2", "1.1.1", False),
    (">1.1, <2", "1.2.1", True),
    (">1.1, <3", "4.3.2", False),
    (">=1.1, <2, !=1.2.3", "1.2.3", False),
    (">1.1 <2", "1.2.1", True),
    (">=1.1, <2, !=1.2.3 || > 3", "4.1.2", True),
    (">=1.1, <2, !=1.2.3 || > 3", "3.1.2", False),
    (">=1.1, <2, !=1.2.3 || >= 3", "3.0.0", True),
    (">= 1.1 <2 != 1.2.3 || > 3", "4.1.2", True),
    (">= 1.0.0  <= 2.0.0-beta", "1.0.1-beta", True),
    (">= 1.0.0  <= 2.0.0-beta", "1.0.1", True),
    (">= 1.0.0  <= 2.0.0-beta", "3.0.0", False),
    (">= 1.0.0-0  <= 2.0.0", "1.0.1-beta", True),
    ("1.1 - 2", "1.1.1", True),
    ("1.5.0 - 4.5", "3.7.0", True),
    ("1.1-3", "4.3.2", False),
    ("^1.1", "1.1.1", True),
    ("^1.1", "4.3.2", False),
    ("^1.x", "1.1.1", True),
    ("^2.x", "1.1.1", False),
    ("^1.x", "2.1.1", False),
    ("^1.x", "1.1.1-beta1", False),
    ("^1.1.2-alpha", "1.2.1-beta1", True),
    ("^1.2.x-alpha", "1.1.1-beta1", False),
    ("^0.0.1", "0.0.1", True),
    ("^0.0.1", "0.3.1", False),
    ("~*", "2.1.1", True),
    ("~1", "2.1.1", False),
    ("~1", "1.3.5", True),
    ("~1", "1.4", True),
    ("~1.x", "2.1.1", False),
    ("~1.x", "1.3.5", True),
    ("~1.1", "1.1.1", True),
    ("~1.1", "1.1.1-alpha", False),
    ("~1.1-alpha", "1.1.1-beta", True),
    ("~1.1.1-beta", "1.1.1-alpha", False),
    ("~1.1.1-beta", "1.1.1", True),
    ("~1.2.3", "1.2.5", True),
    ("~1.2.3", "1.2.2", False),
    ("~1.2.3", "1.3.2", False),
    ("~1.1", "1.2.3", False),
    ("~1.3", "2.4.5", False),
    ("1.0.0 - 2.0.0 <=2.0.0", "1.5.0", True),
    ("1.0.0 - 2.0.0, <=2.0.0", "1.5.0", True),
]


@pytest.mark.parametrize("constraint,version,expected", CONSTRAINT_CASES)
def test_constraints_follow_masterminds(constraint: str, version: str, expected: bool) -> None:
    assert parse_constraints(constraint).check(version) is expected


@pytest.mark.parametrize("text", [">= bar", "12.3.4.1234", "12.23.4.1234", "12.3.34~ 1.2.3", "", ">>1", "1.2.3 ||"])
def test_improper_constraints(text: str) -> None:
    with pytest.raises(ConstraintError):
        parse_constraints(text)


@pytest.mark.parametrize(
    "text", [">= 1.1", "2.0", "v2.3.5-20161202202307-sha.e8fc5e5", ">= 1.2.3, < 2.0", "3 - 4 || => 3.0, < 4", "12.3.34 ~1.2.3"]
)
def test_proper_constraints(text: str) -> None:
    parse_constraints(text)


def test_template_structure_and_values_references() -> None:
    info = analyse(
        '{{- define "x.name" -}}{{ .Chart.Name }}{{- end }}\n'
        "{{- with .Values.pod }}\n"
        "a: {{ .annotations }}\n"
        "{{- end }}\n"
        "{{ range $k, $v := $.Values.list }}{{ $v }}{{ end }}\n"
        '{{ index .Values "a" "b" }} {{ .Values.c | default 1 }}\n'
    )
    assert info.errors == [] and info.defines == [("x.name", 1)]
    refs = {(r.path, r.guarded) for r in info.refs}
    assert refs == {
        (("pod",), True),
        (("pod", "annotations"), True),
        (("list",), True),  # what a range walks is tested, not rendered
        (("a", "b"), False),
        (("c",), True),
    }
