"""`k8slint check` in an ordinary application repository (fixtures/apprepo) with one clean manifest.

The repository is a Node service as its owners lay it out: package.json and its lock file,
tsconfig.json, docker-compose.yml, mkdocs.yml, an OpenAPI description, GitHub workflows,
Helm values for a chart kept elsewhere, Prometheus rules, Grafana provisioning, an Envoy
config, skaffold.yaml, a Dockerfile and one Kubernetes manifest (a Deployment and its
Service) that passes every rule. Only the manifest and the Dockerfile are k8slint's business:
the rest must give no finding, walked (`check .`) or named one by one (as pre-commit names
them), and the summary counts the files that are not Kubernetes.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
import yaml

from conftest import FIXTURES

APP = FIXTURES / "apprepo"
MANIFEST = "deploy/k8s/notes-api.yaml"

# YAML and JSON files that are not Kubernetes objects: neither apiVersion nor kind (Grafana's
# provisioning files have `apiVersion: 1`, an integer, and no kind). Walking the folder finds these.
NOT_KUBERNETES = {
    "package.json",
    "package-lock.json",
    "tsconfig.json",
    "renovate.json",
    "docker-compose.yml",
    "mkdocs.yml",
    "api/openapi.yaml",
    "deploy/values-prod.yaml",
    "envoy/envoy.yaml",
    "monitoring/prometheus/notes-api.rules.yml",
    "monitoring/grafana/provisioning/datasources/prometheus.yaml",
    "monitoring/grafana/provisioning/dashboards/notes-api.yaml",
    "monitoring/grafana/dashboards/notes-api.json",
}
# Files under hidden folders, and hidden files, which a walk may leave out but pre-commit names.
HIDDEN_NOT_KUBERNETES = {".github/workflows/ci.yml", ".github/dependabot.yml", ".eslintrc.json"}
# skaffold.yaml has apiVersion and kind (skaffold/v4beta6, Config): an object of a kind k8slint
# has no schema for, or a file it knows is not Kubernetes; either way it gets no finding.
# .k8slint.yaml is k8slint's own config, known by name.
EITHER = {"skaffold.yaml", ".k8slint.yaml"}
LINTED = {MANIFEST, "Dockerfile"}


def _every_file() -> list[str]:
    """The files pre-commit passes to the hook (types yaml, json, dockerfile), relative to the repository."""
    names = (p.relative_to(APP).as_posix() for p in APP.rglob("*") if p.is_file())
    return sorted(n for n in names if n.endswith((".yaml", ".yml", ".json")) or n.rsplit("/", 1)[-1] == "Dockerfile")


def _mentioned(line: str, names: set[str]) -> set[str]:
    """The repository files that ``line`` names (as `path`, `./path` or an absolute path ending in it)."""
    return {n for n in names if re.search(rf"(?<![\w.-]){re.escape(n)}(?![\w/.-])", line)}


def _not_kubernetes_count(output: str) -> int:
    counts = re.findall(r"\b(\d+) files? not Kubernetes\b", output)
    assert len(counts) == 1, output
    return int(counts[0])


@pytest.fixture
def in_app(monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run from the application repository's root, as its developers and its CI do."""
    monkeypatch.chdir(APP)
    return APP


def test_the_fixture_is_what_it_claims() -> None:
    """Every YAML/JSON file of the fixture is in exactly one group above, and the groups are true to content."""
    assert set(_every_file()) == NOT_KUBERNETES | HIDDEN_NOT_KUBERNETES | EITHER | LINTED
    for name in NOT_KUBERNETES | HIDDEN_NOT_KUBERNETES:
        for document in yaml.safe_load_all((APP / name).read_text()):
            assert isinstance(document, dict) and "kind" not in document, name
            assert not isinstance(document.get("apiVersion"), str), name
    kinds = [d["kind"] for d in yaml.safe_load_all((APP / MANIFEST).read_text())]
    assert kinds == ["Deployment", "Service"]


def test_the_manifest_and_the_dockerfile_are_clean_on_their_own(cli, in_app: Path) -> None:
    """What k8slint lints in the repository passes every rule, so a finding below is one on another file."""
    done = cli("check", "--format", "json", MANIFEST, "Dockerfile")
    assert done.exit_code == 0, done.output
    report = json.loads(done.stdout)
    assert report["findings"] == []
    # The config is found and read: the image's Dockerfile is checked against the Deployment.
    done = cli("check", "--format", "json", "--select", "required-env", "-", "Dockerfile", input=_without_database_url())
    assert [f["rule"] for f in json.loads(done.stdout)["findings"]] == ["required-env"], done.output


def _without_database_url() -> str:
    text = (APP / MANIFEST).read_text()
    start = text.index("            - name: DATABASE_URL\n")
    end = text.index("            - name: LOG_LEVEL\n")
    return text[:start] + text[end:]


def test_check_dot_exits_0_with_no_finding(cli, in_app: Path) -> None:
    done = cli("check", "--format", "json", ".")
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["findings"] == []


def test_the_summary_counts_and_verbose_lists_the_files_not_kubernetes(cli, in_app: Path) -> None:
    quiet = cli("check", ".")
    assert quiet.exit_code == 0, quiet.output
    verbose = cli("check", "--verbose", ".")
    assert verbose.exit_code == 0, verbose.output
    _assert_listed(verbose.output, NOT_KUBERNETES, NOT_KUBERNETES | HIDDEN_NOT_KUBERNETES | EITHER)
    assert _not_kubernetes_count(quiet.output) == _not_kubernetes_count(verbose.output)


@pytest.mark.parametrize("context", [[], ["--with-context"]], ids=["alone", "with-context"])
def test_files_named_one_by_one_give_no_finding(cli, in_app: Path, context: list[str]) -> None:
    """As the pre-commit hook runs: every YAML, JSON and Dockerfile of the repository named on the command line."""
    files = _every_file()
    done = cli("check", "--format", "json", *context, *files)
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["findings"] == []
    verbose = cli("check", "--verbose", *context, *files)
    assert verbose.exit_code == 0, verbose.output
    # Named files are all read, hidden or not.
    _assert_listed(verbose.output, NOT_KUBERNETES | HIDDEN_NOT_KUBERNETES, NOT_KUBERNETES | HIDDEN_NOT_KUBERNETES | EITHER)


def _assert_listed(output: str, required: set[str], allowed: set[str]) -> None:
    """--verbose names each file that is not Kubernetes on a line saying so, and the summary counts them."""
    lines = [line for line in output.splitlines() if "not Kubernetes" in line]
    listed = set().union(*(_mentioned(line, allowed | LINTED) for line in lines))
    assert required <= listed, f"not listed: {sorted(required - listed)}\n{output}"
    assert listed <= allowed, f"listed as not Kubernetes: {sorted(listed - allowed)}\n{output}"
    assert _not_kubernetes_count(output) == len(listed), output


@pytest.mark.parametrize(
    "how",
    [["."], ["--with-context", "<each>"], ["<each>"]],
    ids=["walked", "one-by-one-with-context", "one-by-one"],
)
def test_a_request_over_its_limit_planted_in_the_manifest_is_found(
    cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, how: list[str]
) -> None:
    repo = tmp_path / "notes-api"
    shutil.copytree(APP, repo)
    manifest = repo / MANIFEST
    clean = manifest.read_text()
    requests = "            requests:\n              cpu: 100m\n              memory: 128Mi\n"
    assert requests in clean
    line = clean[: clean.index(requests)].count("\n") + 3
    manifest.write_text(clean.replace(requests, requests.replace("128Mi", "512Mi")))  # the limit is 256Mi
    monkeypatch.chdir(repo)
    args = [a for arg in how for a in (_every_file() if arg == "<each>" else [arg])]
    done = cli("check", "--format", "json", *args)
    assert done.exit_code == 1, done.output
    findings = json.loads(done.stdout)["findings"]
    on_manifest = [(f["rule"], f["line"]) for f in findings if Path(f["file"]).as_posix().endswith(MANIFEST)]
    assert on_manifest == [("request-exceeds-limit", line)], done.output


# Real repositories also hold files that plain YAML cannot read as written: tsconfig.json with
# comments and trailing commas (JSONC, as `tsc --init` writes it), and mkdocs-material's
# documented config with `!!python/name:` tags. They are not Kubernetes either.
JSONC_TSCONFIG = """{
  // Visit https://aka.ms/tsconfig to read more about this file
  "compilerOptions": {
    /* Language and Environment */
    "target": "ES2022",
    "module": "NodeNext",
    "strict": true,
    "outDir": "dist",
  },
}
"""
MKDOCS_WITH_TAGS = (
    (APP / "mkdocs.yml")
    .read_text()
    .replace(
        "  - pymdownx.superfences\n",
        "  - pymdownx.superfences:\n"
        "      custom_fences:\n"
        "        - name: mermaid\n"
        "          class: mermaid\n"
        "          format: !!python/name:pymdownx.superfences.fence_code_format\n"
        "  - pymdownx.emoji:\n"
        "      emoji_index: !!python/name:material.extensions.emoji.twemoji\n"
        "      emoji_generator: !!python/name:material.extensions.emoji.to_svg\n",
    )
)


@pytest.mark.parametrize(
    ("name", "text"), [("tsconfig.json", JSONC_TSCONFIG), ("mkdocs.yml", MKDOCS_WITH_TAGS)], ids=["jsonc-tsconfig", "mkdocs-python-tags"]
)
def test_config_files_that_plain_yaml_cannot_read_give_no_finding(
    cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, text: str
) -> None:
    repo = tmp_path / "notes-api"
    shutil.copytree(APP, repo)
    (repo / name).write_text(text)
    monkeypatch.chdir(repo)
    for args in (["."], ["--with-context", name], [name]):
        done = cli("check", "--format", "json", *args)
        assert done.exit_code == 0, done.output
        assert json.loads(done.stdout)["findings"] == [], done.output
