"""Images a skaffold config builds: skaffold writes the built image's tag and digest into the manifests it
deploys, so image-tag-latest does not apply to them (k8slint/sources/skaffold.py)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import run_lint, tool_or_skip

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
spec:
  selector:
    matchLabels: {{app: {name}}}
  template:
    metadata:
      labels: {{app: {name}}}
    spec:
      containers:
        - name: {name}
          image: {image}
"""


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")


def _latest(root: Path, *paths: str, **overrides: object) -> list[tuple[str, int]]:
    result = run_lint(*(paths or (".",)), cwd=root, **overrides)
    return sorted((f.location.file.removeprefix("./"), f.location.line) for f in result.findings if f.rule == "image-tag-latest")


def test_images_skaffold_builds_are_not_untagged_where_it_deploys_them(tmp_path: Path) -> None:
    # the layout of skaffold's examples/microservices: two artifacts, raw manifests named by a glob
    _write(
        tmp_path,
        {
            "skaffold.yaml": (
                "apiVersion: skaffold/v4beta14\nkind: Config\nbuild:\n  artifacts:\n"
                "    - image: leeroy-web\n      context: leeroy-web\n"
                "    - image: leeroy-app\n      context: leeroy-app\n"
                "manifests:\n  rawYaml:\n    - leeroy-web/kubernetes/*\n    - leeroy-app/kubernetes/*\n"
                "portForward:\n  - resourceType: deployment\n    resourceName: leeroy-web\n    port: 8080\n"
            ),
            "leeroy-web/kubernetes/deployment.yaml": DEPLOYMENT.format(name="leeroy-web", image="leeroy-web"),
            # the manifest's tag is dropped too: skaffold replaces the whole reference
            "leeroy-app/kubernetes/deployment.yaml": DEPLOYMENT.format(name="leeroy-app", image="leeroy-app:latest"),
            # not built by skaffold: pulled as written
            "leeroy-app/kubernetes/redis.yaml": DEPLOYMENT.format(name="redis", image="redis"),
            # not deployed by the config: applied as written, if at all
            "other/deployment.yaml": DEPLOYMENT.format(name="other", image="leeroy-web"),
        },
    )
    assert _latest(tmp_path) == [("leeroy-app/kubernetes/redis.yaml", 14), ("other/deployment.yaml", 14)]


def test_without_a_skaffold_config_the_same_files_are_reported(tmp_path: Path) -> None:
    _write(tmp_path, {"k8s/deployment.yaml": DEPLOYMENT.format(name="web", image="web")})
    assert _latest(tmp_path) == [("k8s/deployment.yaml", 14)]
    # a file of that name that is no skaffold Config changes nothing
    _write(tmp_path, {"skaffold.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: skaffold\n"})
    assert _latest(tmp_path) == [("k8s/deployment.yaml", 14)]


def test_a_config_that_names_no_manifests_deploys_k8s_yaml(tmp_path: Path) -> None:
    # skaffold's SetDefaultRenderer: no rawYaml, kustomize, helm or kpt -> k8s/*.yaml; a profile's
    # manifests do not change what the config deploys without that profile
    _write(
        tmp_path,
        {
            "skaffold.yaml": (
                "apiVersion: skaffold/v4beta14\nkind: Config\nbuild:\n  artifacts:\n    - image: web\n"
                "profiles:\n  - name: extra\n    manifests:\n      rawYaml: [extra/*.yaml]\n"
            ),
            "k8s/deployment.yaml": DEPLOYMENT.format(name="web", image="web"),
            "k8s/nested/deployment.yaml": DEPLOYMENT.format(name="nested", image="web"),  # not matched by k8s/*.yaml
            "extra/deployment.yaml": DEPLOYMENT.format(name="extra", image="web"),  # the profile's
        },
    )
    assert _latest(tmp_path) == [("k8s/nested/deployment.yaml", 14)]


def test_the_schemas_before_v3_name_manifests_under_deploy_kubectl(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "skaffold.yaml": (
                "apiVersion: skaffold/v2beta29\nkind: Config\nbuild:\n  artifacts:\n    - image: gcr.io/acme/web\n"
                "deploy:\n  kubectl:\n    manifests:\n      - deploy\n"
            ),
            # a folder named stands for every file under it
            "deploy/web/deployment.yaml": DEPLOYMENT.format(name="web", image="gcr.io/acme/web"),
            "k8s/deployment.yaml": DEPLOYMENT.format(name="k8s", image="gcr.io/acme/web"),  # not deployed: manifests named
        },
    )
    assert _latest(tmp_path) == [("k8s/deployment.yaml", 14)]


def test_a_file_named_one_by_one_finds_the_config_above_it(tmp_path: Path) -> None:
    # as pre-commit passes files: the skaffold.yaml above the file is read
    _write(
        tmp_path,
        {
            "skaffold.yaml": "apiVersion: skaffold/v4beta14\nkind: Config\nbuild:\n  artifacts:\n    - image: web\n",
            "k8s/deployment.yaml": DEPLOYMENT.format(name="web", image="web"),
            "k8s/redis.yaml": DEPLOYMENT.format(name="redis", image="redis"),
        },
    )
    assert _latest(tmp_path, "k8s/deployment.yaml", "k8s/redis.yaml") == [("k8s/redis.yaml", 14)]


def test_another_skaffold_file_is_read_by_its_content(tmp_path: Path) -> None:
    # skaffold -f skaffold-gradle.yaml (skaffold's examples/jib-sync)
    _write(
        tmp_path,
        {
            "skaffold-gradle.yaml": "apiVersion: skaffold/v4beta14\nkind: Config\nbuild:\n  artifacts:\n    - image: web\n      jib: {}\n",
            "k8s/pod.yaml": "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n    - name: web\n      image: web\n",
        },
    )
    assert _latest(tmp_path) == []


KUSTOMIZE_TREE = {
    "skaffold.yaml": (
        "apiVersion: skaffold/v4beta14\nkind: Config\nbuild:\n  artifacts:\n    - image: web\n"
        "manifests:\n  kustomize:\n    paths: [overlays/dev]\n"
    ),
    "base/kustomization.yaml": "resources: [deployment.yaml]\n",
    "base/deployment.yaml": DEPLOYMENT.format(name="web", image="web"),
    "overlays/dev/kustomization.yaml": "resources: [../../base]\nnamePrefix: dev-\n",
    "overlays/other/kustomization.yaml": "resources: [../../other]\n",
    "other/kustomization.yaml": "resources: [deployment.yaml]\n",
    "other/deployment.yaml": DEPLOYMENT.format(name="other", image="web"),
}


def test_the_resources_of_a_kustomize_path_it_deploys(tmp_path: Path) -> None:
    _write(tmp_path, KUSTOMIZE_TREE)
    assert _latest(tmp_path) == [("other/deployment.yaml", 14)]


def test_the_resources_of_a_kustomize_path_it_deploys_when_built(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    found = tool_or_skip("kubectl", "pip install 'k8slint[kustomize]'")
    monkeypatch.setenv("PATH", os.pathsep.join([str(Path(found).parent), os.environ.get("PATH", "")]))
    _write(tmp_path, KUSTOMIZE_TREE)
    # the build of overlays/other places its finding on the base line it came from
    assert _latest(tmp_path, render=True) == [("other/deployment.yaml", 14)]
