"""Kustomize roots built with the real kustomize (kubectl of the kustomize extra), findings placed on the user's files.

The tree in fixtures/kustomize/shop is a base, two overlays, a component and an
overlay on a remote base. Every expected place below is a line of a file the
user edits: the patch line that set a value, the kustomization entry that
changed it, the base line a missing field belongs under.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import pytest

from k8slint.findings import Location
from k8slint.sources import engines
from tests.conftest import run_lint, tool_or_skip

SHOP = Path(__file__).resolve().parent.parent / "fixtures" / "kustomize" / "shop"


@pytest.fixture
def kubectl(monkeypatch: pytest.MonkeyPatch) -> str:
    """The test extra's kubectl, first on PATH (so that the version the suite pins is the one used)."""
    found = tool_or_skip("kubectl", "pip install 'k8slint[kustomize]'")
    monkeypatch.setenv("PATH", os.pathsep.join([str(Path(found).parent), os.environ.get("PATH", "")]))
    return found


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    target = tmp_path / "shop"
    shutil.copytree(SHOP, target)
    return target


def _where(result: object) -> list[tuple[str, int, str]]:
    return [(os.path.relpath(f.location.file), f.location.line, f.rule) for f in result.findings]  # type: ignore[attr-defined]


def test_each_root_is_built_and_findings_land_on_the_patch_line(kubectl: str, shop: Path) -> None:
    result = run_lint("shop", cwd=shop.parent, render=True)
    assert _where(result) == [
        ("shop/overlays/edge/kustomization.yaml", 4, "kustomize-not-built"),  # the remote base, never fetched
        ("shop/overlays/prod/resources.yaml", 12, "request-exceeds-limit"),  # the patch's `cpu: "2"`
    ]
    finding = result.findings[1]
    assert finding.built_from == ("kustomize build shop/overlays/prod",)
    assert finding.object is not None and finding.object.name == "prod-shop" and finding.object.namespace == "shop-prod"
    assert finding.snippet is not None and 'cpu: "2"' in finding.snippet
    assert [r.location.file for r in finding.related] == ["shop/overlays/prod/kustomization.yaml"]
    assert "2 of 3 kustomize roots built with kubectl kustomize" in " ".join(result.notes)
    # the base's untagged image is tagged by both overlays: no image-tag-latest, and the Service
    # still selects the renamed Deployment's pods through the labels both get
    assert not any(f.rule in ("image-tag-latest", "service-selector-mismatch") for f in result.findings)


def test_without_render_the_files_are_linted_as_they_are_and_the_report_says_so(shop: Path) -> None:
    result = run_lint("shop", cwd=shop.parent)
    assert result.findings == []  # the patch is never an object; images: tags the base's image
    assert any("3 kustomize roots linted without building" in note for note in result.notes)
    assert {os.path.basename(f) for f, _ in result.not_kubernetes} >= {"resources.yaml", "replicas.yaml", "kustomization.yaml"}


def test_an_image_no_including_kustomization_tags_is_still_reported_unbuilt(shop: Path) -> None:
    for overlay in ("prod", "staging"):
        path = shop / "overlays" / overlay / "kustomization.yaml"
        path.write_text(path.read_text().replace("ghcr.io/acme/shop\n", "ghcr.io/acme/other\n"))
    assert [(os.path.basename(f), line, rule) for f, line, rule in _where(run_lint("shop", cwd=shop.parent))] == [
        ("deployment.yaml", 26, "image-tag-latest")
    ]


def test_an_image_every_including_kustomization_leaves_latest_is_reported_unbuilt(shop: Path) -> None:
    """actions-runner-controller's config/manager: `images:` gives `controller` a new name and `newTag: latest`."""
    for overlay, tag in (("prod", '"1.4.2"'), ("staging", '"1.5.0-rc.1"')):
        path = shop / "overlays" / overlay / "kustomization.yaml"
        text = path.read_text()
        assert f"newTag: {tag}" in text
        path.write_text(text.replace(f"newTag: {tag}", "newTag: latest"))
    found = run_lint("shop", cwd=shop.parent)
    assert [(os.path.basename(f), line, rule) for f, line, rule in _where(found)] == [("deployment.yaml", 26, "image-tag-latest")]
    assert "gives it no other tag nor a digest" in found.findings[0].message
    # one overlay that pins it is a tag where the file is deployed, as before
    path = shop / "overlays" / "prod" / "kustomization.yaml"
    path.write_text(path.read_text().replace("newTag: latest", "digest: sha256:" + "a" * 64))
    assert _where(run_lint("shop", cwd=shop.parent)) == []


def _objects(result: object) -> dict[tuple[str, str], object]:
    state, _, _ = result.loaded  # type: ignore[attr-defined]
    return {(o.placement.label.rsplit("/", 1)[-1], o.kind): o for o in state.objects if o.placement is not None}


def _at(location: Location) -> tuple[str, int]:
    return (os.path.relpath(location.file, "shop"), location.line)


@pytest.mark.parametrize(
    ("overlay", "path", "expected"),
    [
        # a JSON 6902 operation's value
        ("prod", ("spec", "replicas"), ("overlays/prod/replicas.yaml", 3)),
        # a strategic-merge patch that holds only spec.replicas
        ("staging", ("spec", "replicas"), ("overlays/staging/replicas.yaml", 6)),
        # the images: entry that set the tag, not the base's untagged line
        ("prod", ("spec", "template", "spec", "containers", 0, "image"), ("overlays/prod/kustomization.yaml", 11)),
        ("staging", ("spec", "template", "spec", "containers", 0, "image"), ("overlays/staging/kustomization.yaml", 8)),
        # namePrefix and namespace
        ("prod", ("metadata", "name"), ("overlays/prod/kustomization.yaml", 4)),
        ("prod", ("metadata", "namespace"), ("overlays/prod/kustomization.yaml", 3)),
        # a field the patch merges into the base's container stays the base's...
        ("prod", ("spec", "template", "spec", "containers", 0, "resources", "requests", "memory"), ("base/deployment.yaml", 34)),
        # ...the one it sets is the patch's
        ("prod", ("spec", "template", "spec", "containers", 0, "resources", "requests", "cpu"), ("overlays/prod/resources.yaml", 12)),
        # a missing field: its parent in the base (a memory request under `requests:`)
        (
            "staging",
            ("spec", "template", "spec", "containers", 0, "resources", "requests", "ephemeral-storage"),
            ("base/deployment.yaml", 32),
        ),
        # a component's inline patch, at its line inside the kustomization file
        ("prod", ("spec", "template", "spec", "containers", 0, "env", 0, "name"), ("components/debug/kustomization.yaml", 11)),
        # a label a kustomization added
        ("staging", ("metadata", "labels", "app.kubernetes.io/part-of"), ("base/kustomization.yaml", 6)),
    ],
)
def test_a_built_field_is_placed_where_the_user_edits_it(
    kubectl: str, shop: Path, overlay: str, path: tuple[object, ...], expected: tuple[str, int]
) -> None:
    objects = _objects(run_lint("shop", cwd=shop.parent, render=True, select=["request-exceeds-limit"]))
    deployment = objects[(overlay, "Deployment")]
    here = Path.cwd()
    os.chdir(shop.parent)
    try:
        assert _at(deployment.locate(path)) == expected  # type: ignore[attr-defined]
    finally:
        os.chdir(here)


# -- A patch with `options: {allowKindChange: true}` (deploy-sourcegraph-k8s turns its database StatefulSets into
# Deployments so): kustomize's origin annotation still names the base's file, whose document has the old kind.
KIND_CHANGE_PATCH = (
    "resources:\n  - ../base\npatches:\n  - path: db.Deployment.yaml\n    target:\n      kind: StatefulSet\n"
    "      name: db\n    options:\n      allowKindChange: true\n"
)
STATEFUL_DB = (
    "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: db\nspec:\n  serviceName: db\n  selector:\n"
    "    matchLabels: {app: db}\n  template:\n    metadata:\n      labels: {app: db}\n    spec:\n      containers:\n"
    "        - name: db\n          image: postgres:16.4\n          resources:\n            requests:\n"
    '              cpu: "2"\n            limits:\n              cpu: 500m\n'
)


def test_an_object_a_patch_changes_the_kind_of_is_placed_in_its_files(kubectl: str, tmp_path: Path) -> None:
    _kustomization(tmp_path / "base", "resources:\n  - db.yaml\n", db__yaml=STATEFUL_DB)
    deployment = (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: db\nspec:\n  serviceName: null\n  strategy:\n    type: Recreat\n"
    )
    _kustomization(tmp_path / "overlay", KIND_CHANGE_PATCH, db__Deployment__yaml=deployment)
    result = run_lint(tmp_path, render=True, select=["request-exceeds-limit", "api-validation"])
    assert [(os.path.relpath(f.location.file, tmp_path), f.location.line, f.rule) for f in result.findings] == [
        ("base/db.yaml", 18, "request-exceeds-limit"),  # the StatefulSet's line, not the overlay's kustomization
        ("overlay/db.Deployment.yaml", 8, "api-validation"),  # the patch that made it a Deployment sets it
    ]
    assert result.findings[0].object is not None and result.findings[0].object.kind == "Deployment"


def test_a_patch_of_a_component_inside_a_component_with_a_kind_pattern_is_placed_at_its_line(kubectl: str, tmp_path: Path) -> None:
    # deploy-sourcegraph-k8s: examples/old-cluster lists components/clusters/old-base, whose own components and
    # patches (targets like `kind: StatefulSet|Deployment`, `name: .*`) change what the base wrote
    within = STATEFUL_DB.replace('cpu: "2"', "cpu: 100m")
    _kustomization(tmp_path / "base", "resources:\n  - db.yaml\n", db__yaml=within)  # a limit of 500m: nothing wrong
    component = "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n"
    _kustomization(tmp_path / "outer", component + "components:\n  - ../inner\n")
    patch = "- op: add\n  path: /spec/template/spec/containers/0/imagePullPolicy\n  value: Sometimes\n"
    target = "    target:\n      group: apps\n      kind: StatefulSet|Deployment\n      name: .*\n"
    _kustomization(tmp_path / "inner", component + "patches:\n  - path: policy.yaml\n" + target, policy__yaml=patch)
    _kustomization(tmp_path / "overlay", "resources:\n  - ../base\ncomponents:\n  - ../outer\n")
    result = run_lint(tmp_path, render=True, select=["api-validation"])
    assert [(os.path.relpath(f.location.file, tmp_path), f.location.line) for f in result.findings] == [("inner/policy.yaml", 3)]


def test_a_build_error_holds_no_memory_address(kubectl: str, tmp_path: Path) -> None:
    # kustomize prints the generator it could not merge as Go's %v of two pointers: `&{0xc000123 0xc000456}`
    generator = "configMapGenerator:\n  - name: settings\n    behavior: merge\n    literals: [LOG_LEVEL=debug]\n"
    _kustomization(tmp_path / "app", generator)
    messages = {run_lint(tmp_path, render=True).findings[0].message for _ in range(2)}
    assert len(messages) == 1
    (message,) = messages
    assert "merging from generator: id" in message and "does not exist" in message and "0x" not in message


def test_one_base_defect_inherited_by_two_overlays_is_one_finding_naming_both(kubectl: str, shop: Path) -> None:
    base = shop / "base" / "deployment.yaml"
    base.write_text(base.read_text().replace("              memory: 256Mi\n", ""))
    result = run_lint("shop", cwd=shop.parent, render=True, select=["missing-limits"])
    found = [(os.path.relpath(f.location.file), f.location.line, f.built_from) for f in result.findings if f.rule == "missing-limits"]
    assert found == [("shop/base/deployment.yaml", 35, ("kustomize build shop/overlays/prod", "kustomize build shop/overlays/staging"))]


def test_a_root_kustomize_refuses_is_a_finding_with_kustomizes_message(kubectl: str, tmp_path: Path) -> None:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "kustomization.yaml").write_text("resources:\n  - cm.yaml\npatches:\n  - path: patch.yaml\n")
    (tmp_path / "app" / "patch.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  k: w\n")
    (tmp_path / "app" / "cm.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  k: v\n")
    result = run_lint("app", cwd=tmp_path, render=True)
    assert [(f.rule, f.location.file, f.location.line) for f in result.findings] == [
        ("kustomize-build-failed", "app/kustomization.yaml", 1)
    ]
    message = result.findings[0].message
    assert "no matches for Id ConfigMap.v1.[noGrp]/settings" in message
    assert "k8slint-kustomize-" not in message and "run.go" not in message and "must resolve to a file" not in message


def test_a_missing_file_is_reported_at_its_entry_with_or_without_a_build(tmp_path: Path) -> None:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "kustomization.yaml").write_text("resources:\n  - deployment.yaml\npatches:\n  - path: gone.yaml\n")
    (tmp_path / "app" / "deployment.yaml").write_text(
        (SHOP / "base" / "deployment.yaml").read_text().replace("ghcr.io/acme/shop", "ghcr.io/acme/shop:1")
    )
    result = run_lint("app", cwd=tmp_path)
    assert [(f.rule, str(f.severity), f.location.line) for f in result.findings] == [("kustomize-missing-file", "error", 4)]


def test_no_render_wins_over_the_config(kubectl: str, shop: Path, cli: object) -> None:
    (shop / ".k8slint.yaml").write_text("render: true\n")
    here = Path.cwd()
    os.chdir(shop)
    try:
        built = cli("check", "--format", "json", ".")  # type: ignore[operator]
        unbuilt = cli("check", "--no-render", "--format", "json", ".")  # type: ignore[operator]
    finally:
        os.chdir(here)
    assert [f["rule"] for f in json.loads(built.output)["findings"]] == ["kustomize-not-built", "request-exceeds-limit"]
    report = json.loads(unbuilt.output)
    assert report["findings"] == []
    assert any("linted without building" in note for note in report["summary"]["notes"])


def test_render_without_any_kustomize_is_a_usage_error(shop: Path, cli: object, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engines, "find_kustomize", lambda: None)
    shown = cli("check", "--render", str(shop))  # type: ignore[operator]
    assert shown.exit_code == 2
    assert "no kustomize was found" in shown.output and "k8slint[kustomize]" in shown.output


def test_files_named_one_by_one_are_built_through_the_kustomization_above_them(kubectl: str, shop: Path) -> None:
    """What the pre-commit hook passes: the changed patch alone; its overlay is found above it and built."""
    result = run_lint("shop/overlays/prod/resources.yaml", cwd=shop.parent, render=True)
    assert _where(result) == [("shop/overlays/prod/resources.yaml", 12, "request-exceeds-limit")]


def test_builds_are_the_same_with_workers(kubectl: str, shop: Path) -> None:
    from k8slint.config import build_settings
    from k8slint.engine import lint
    from k8slint.registry import registry

    here = Path.cwd()
    os.chdir(shop.parent)
    try:
        reports = [
            [(f.location, f.code, f.built_from) for f in lint(["shop"], build_settings(registry(), None, render=True), jobs=jobs).findings]
            for jobs in (1, 2)
        ]
    finally:
        os.chdir(here)
    assert reports[0] == reports[1] and reports[0]


def test_the_engine_gets_a_fresh_environment_with_no_way_out(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "do-not-pass")
    monkeypatch.setenv("KUBECONFIG", "/home/me/.kube/config")
    env = engines.environment(str(tmp_path))
    assert "AWS_SECRET_ACCESS_KEY" not in env
    assert env["KUBECONFIG"] == os.devnull and env["HOME"] == str(tmp_path)
    assert env["HTTPS_PROXY"] == env["HTTP_PROXY"] == "http://127.0.0.1:9" and env["NO_PROXY"] == ""
    assert env["GIT_ALLOW_PROTOCOL"] == "none"


def test_an_engine_that_does_not_finish_is_a_failed_run(tmp_path: Path) -> None:
    sleeper = engines.Engine("sleeper", sys.executable, ("-c", "import time; time.sleep(30)"), "1")
    ran = engines.run(sleeper, [], timeout=0.5)
    assert not ran.ok and "did not finish" in ran.stderr


def test_the_readme_example_is_what_k8slint_says(kubectl: str, cli: object) -> None:
    readme = (SHOP.parent.parent.parent / "README.md").read_text(encoding="utf-8")
    block = readme.split("## Kustomize", 1)[1].split("```console\n", 1)[1].split("```", 1)[0]
    command, *shown = block.strip().splitlines()
    assert command == "$ k8slint check --render fixtures/kustomize/shop"
    here = Path.cwd()
    os.chdir(SHOP.parent.parent.parent)
    try:
        output = cli("check", "--no-config", "--render", "fixtures/kustomize/shop").output  # type: ignore[operator]
    finally:
        os.chdir(here)
    for line in shown:
        assert line in output


def _kustomization(folder: Path, text: str, **files: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "kustomization.yaml").write_text(text)
    for name, content in files.items():
        (folder / name.replace("__", ".")).write_text(content)


CONFIGMAP = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  LOG_LEVEL: info\n"


def test_what_k8slint_will_not_run_is_not_built_rather_than_refused(kubectl: str, tmp_path: Path) -> None:
    """Plugins, KRM functions and helmCharts need kustomize flags k8slint never passes; a patch from a URL is remote."""
    _kustomization(
        tmp_path / "plugin",
        "resources:\n  - cm.yaml\ngenerators:\n  - gen.yaml\n",
        cm__yaml=CONFIGMAP,
        gen__yaml="apiVersion: someteam.example.com/v1\nkind: SecretsFromVault\nmetadata:\n  name: db\n",
    )
    _kustomization(tmp_path / "charts", "helmCharts:\n  - name: redis\n    repo: https://charts.bitnami.com/bitnami\n    version: 17.0.0\n")
    _kustomization(tmp_path / "url", "resources:\n  - cm.yaml\npatches:\n  - path: https://example.com/patch.yaml\n", cm__yaml=CONFIGMAP)
    result = run_lint(".", cwd=tmp_path, render=True)
    assert [(f.rule, f.location.file, f.location.line) for f in result.findings] == [
        ("kustomize-not-built", "./charts/kustomization.yaml", 1),
        ("kustomize-not-built", "./plugin/kustomization.yaml", 1),
        ("kustomize-not-built", "./url/kustomization.yaml", 4),
    ]
    assert "plugin" in result.findings[1].message and "--enable-helm" in result.findings[0].message


def test_the_kustomize_benchmark_runs(kubectl: str) -> None:
    from benchmarks import kustomize

    medians = kustomize.measure(overlays=2, runs=1, kubectl=kubectl)
    assert set(medians) == {"kustomize", "lint of the output", "check --render", "ratio"}
    assert medians["ratio"] > 0
    assert "| ratio:" in kustomize.report(2, 1, medians, kubectl)


def test_patches_a_kustomization_comments_out_are_not_objects(tmp_path: Path) -> None:
    """kubebuilder's config/default: `#- manager_webhook_patch.yaml`, the file left beside it (kubeflow's controllers)."""
    deployment = (SHOP / "base" / "deployment.yaml").read_text().replace("ghcr.io/acme/shop", "ghcr.io/acme/shop:1")
    _kustomization(
        tmp_path / "config" / "default",
        "resources:\n  - deployment.yaml\npatchesStrategicMerge:\n  - manager_auth_proxy_patch.yaml\n"
        "# [WEBHOOK] uncomment to enable the webhook\n#- manager_webhook_patch.yaml\n"
        "  # - path: manager_metrics_patch.yaml # this patches the manager\n",  # velero's design/CLI/PoC: a remark after it
        deployment__yaml=deployment,
        manager_auth_proxy_patch__yaml="apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: shop\n",
        manager_webhook_patch__yaml="apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: shop\nspec:\n  template:\n"
        "    spec:\n      containers:\n        - name: manager\n          ports:\n            - containerPort: 9443\n",
        manager_metrics_patch__yaml="apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: shop\nspec:\n  replicas: 2\n",
    )
    result = run_lint(tmp_path)
    assert result.findings == []
    reasons = {os.path.basename(file): reason for file, reason in result.not_kubernetes}
    assert "commented-out entry" in reasons["manager_webhook_patch.yaml"]
    assert "commented-out entry" in reasons["manager_metrics_patch.yaml"]


def test_an_entry_a_script_uncomments_by_its_marker_is_not_an_object(tmp_path: Path) -> None:
    """kserve's config/overlays/version-template (aaac4e29): `#ENABLE_KSERVE - path: manager_image_patch.yaml`, which
    test/scripts/gh-actions/setup-kserve.sh uncomments with sed."""
    deployment = (SHOP / "base" / "deployment.yaml").read_text().replace("ghcr.io/acme/shop", "ghcr.io/acme/shop:1")
    _kustomization(
        tmp_path / "config" / "overlays" / "version-template",
        "resources:\n- deployment.yaml\n\npatches:\n#ENABLE_KSERVE - path: manager_image_patch.yaml\n",
        deployment__yaml=deployment,
        manager_image_patch__yaml="apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: shop\nspec:\n  template:\n"
        "    spec:\n      containers:\n      - name: manager\n        image: kserve/kserve-controller:latest\n",
    )
    result = run_lint(tmp_path)
    assert result.findings == []
    reasons = {os.path.basename(file): reason for file, reason in result.not_kubernetes}
    assert "commented-out entry" in reasons["manager_image_patch.yaml"]


@pytest.mark.parametrize(
    "header",
    [
        "#patchesStrategicMerge:\n",  # the field commented out with its entries
        "# patchesStrategicMerge:\n",
    ],
)
def test_patches_under_a_commented_out_field_are_not_objects(tmp_path: Path, header: str) -> None:
    """kubeflow's notebook-controller config/default: `bases:` and then `#patchesStrategicMerge:` with its
    `#- manager_image_patch.yaml` entries: the entries belong to the commented field, not to `bases:`."""
    deployment = (SHOP / "base" / "deployment.yaml").read_text().replace("ghcr.io/acme/shop", "ghcr.io/acme/shop:1")
    _kustomization(tmp_path / "config" / "manager", "resources:\n  - deployment.yaml\n", deployment__yaml=deployment)
    _kustomization(
        tmp_path / "config" / "default",
        "namespace: notebook-controller-system\n\nbases:\n- ../manager\n# [WEBHOOK] To enable webhook, uncomment\n#- ../webhook\n\n"
        f"{header}#- manager_image_patch.yaml\n  # Protect the /metrics endpoint by putting it behind auth.\n"
        "#- manager_auth_proxy_patch.yaml\n\nvars:\n# - name: CERTIFICATE_NAMESPACE # namespace of the certificate CR\n",
        manager_image_patch__yaml="apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: shop\nspec:\n  template:\n"
        "    spec:\n      containers:\n      - image: IMAGE_URL\n        name: manager\n",
        manager_auth_proxy_patch__yaml="apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: shop\nspec:\n  template:\n"
        "    spec:\n      containers:\n      - name: kube-rbac-proxy\n        image: quay.io/brancz/kube-rbac-proxy:v0.4.0\n",
    )
    result = run_lint(tmp_path)
    assert [(os.path.basename(f.location.file), f.rule) for f in result.findings] == []
    reasons = {os.path.basename(file): reason for file, reason in result.not_kubernetes}
    assert "commented-out entry" in reasons["manager_image_patch.yaml"]
    assert "commented-out entry" in reasons["manager_auth_proxy_patch.yaml"]


def test_an_entry_commented_out_under_a_commented_resources_field_is_still_an_object(tmp_path: Path) -> None:
    """`#resources:` heads whole manifests as `resources:` does: one commented out there is linted."""
    _kustomization(
        tmp_path / "app",
        "resources:\n  - cm.yaml\n#resources:\n#- extra.yaml\n",
        cm__yaml=CONFIGMAP,
        extra__yaml="apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Extra\n",
    )
    result = run_lint(tmp_path)
    assert [(os.path.basename(f.location.file), f.rule) for f in result.findings] == [("extra.yaml", "invalid-name")]


def test_a_generator_file_that_configures_a_component_is_data_not_an_object(tmp_path: Path) -> None:
    """katib's katib-config.yaml: a KatibConfig (no metadata) that configMapGenerator turns into a ConfigMap."""
    _kustomization(
        tmp_path / "katib",
        "resources:\n  - cm.yaml\nconfigMapGenerator:\n  - name: katib-config\n    files:\n      - katib-config.yaml\n"
        "  - name: pod-template\n    files:\n      - template.yaml=pod.yaml\n  - name: missing\n    files:\n      - gone.yaml\n",
        cm__yaml=CONFIGMAP,
        **{"katib-config__yaml": "apiVersion: config.kubeflow.org/v1beta1\nkind: KatibConfig\ninit:\n  certGenerator:\n    enable: true\n"},
        pod__yaml="apiVersion: v1\nkind: Pod\nmetadata:\n  name: Trial\nspec:\n  containers:\n    - name: t\n      image: busybox:1.36\n",
    )
    result = run_lint(tmp_path)
    reasons = {os.path.basename(file): reason for file, reason in result.not_kubernetes}
    assert "configMapGenerator katib-config" in reasons["katib-config.yaml"]
    # a whole manifest kept for a controller to create is still an object; a file a generator names must exist
    assert [(os.path.basename(f.location.file), f.rule) for f in result.findings if f.severity.name == "ERROR"] == [
        ("kustomization.yaml", "kustomize-missing-file"),
        ("pod.yaml", "invalid-name"),
    ]


WEBHOOK = """apiVersion: admissionregistration.k8s.io/v1
kind: MutatingWebhookConfiguration
metadata:
  name: admission-webhook
webhooks:
  - name: admission-webhook.kubeflow.org
    admissionReviewVersions: ["v1"]
    sideEffects: None
    clientConfig:
      service:
        name: admission-webhook-service
        path: /apply-poddefault
"""


@pytest.mark.parametrize(("namespace", "expected"), [("namespace: kubeflow\n", []), ("", [("schema-violation", 10)])])
def test_a_namespace_the_kustomization_fills_in_is_not_missing_unbuilt(tmp_path: Path, namespace: str, expected: list[object]) -> None:
    """kubeflow's admission-webhook base: the webhook's service namespace comes from the overlay's `namespace:`."""
    _kustomization(tmp_path / "base", "resources:\n  - webhook.yaml\n", webhook__yaml=WEBHOOK)
    _kustomization(tmp_path / "overlay", f"{namespace}resources:\n  - ../base\n")
    result = run_lint(tmp_path)
    assert [(f.rule, f.location.line) for f in result.findings] == expected


def test_a_missing_file_the_repository_ignores_is_written_before_the_build(tmp_path: Path) -> None:
    """aks-store-demo's `.env` and a Makefile's `params.yaml` (kubernetes-engine-samples): the .gitignore says so."""
    (tmp_path / ".git").mkdir()
    (tmp_path / ".gitignore").write_text(".env\ndeploy/overlays/*/params.yaml\n!deploy/overlays/keep/params.yaml\n")
    for overlay in ("dev", "keep"):
        _kustomization(
            tmp_path / "deploy" / "overlays" / overlay,
            "resources:\n  - cm.yaml\nconfigMapGenerator:\n  - name: env\n    envs:\n      - .env\npatches:\n  - path: params.yaml\n",
            cm__yaml=CONFIGMAP,
        )
    result = run_lint(tmp_path, cwd=tmp_path)
    found = sorted((os.path.relpath(f.location.file, tmp_path), f.location.line, str(f.severity)) for f in result.findings)
    assert found == [
        ("deploy/overlays/dev/kustomization.yaml", 6, "info"),
        ("deploy/overlays/dev/kustomization.yaml", 8, "info"),
        ("deploy/overlays/keep/kustomization.yaml", 6, "info"),
        ("deploy/overlays/keep/kustomization.yaml", 8, "error"),  # the .gitignore keeps this one in: it is missing
    ]
    assert ".gitignore leaves out of the repository" in result.findings[0].message


@pytest.mark.parametrize(("declared", "expected"), [(True, []), (False, [("unrendered-placeholder", 4)])])
def test_a_kustomize_var_in_a_name_is_replaced_when_built(tmp_path: Path, declared: bool, expected: list[object]) -> None:
    """kubeflow pipelines: `name: $(kfp-app-name)`, a var of the kustomization that builds the file. Undeclared, it
    is a placeholder nothing fills in (the API expands `$(VAR)` in no name): unrendered-placeholder, as `${VAR}` is."""
    vars_block = (
        "vars:\n  - name: kfp-app-name\n    objref:\n      kind: ConfigMap\n      name: pipeline-install-config\n      apiVersion: v1\n"
        "    fieldref:\n      fieldpath: data.appName\n"
        if declared
        else ""
    )
    _kustomization(
        tmp_path / "base",
        f"resources:\n  - application.yaml\n  - params.yaml\n{vars_block}",
        application__yaml="apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: $(kfp-app-name)\ndata:\n  a: b\n",
        params__yaml="apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: pipeline-install-config\ndata:\n  appName: pipeline\n",
    )
    result = run_lint(tmp_path)
    assert [f for f in result.findings if f.severity.name == "ERROR"] == []
    assert [(f.rule, f.location.line) for f in result.findings if f.rule == "unrendered-placeholder"] == expected


def test_a_var_a_sibling_base_declares_is_replaced_too(tmp_path: Path) -> None:
    """kubeflow's env/dev builds base/application (the name) and base/installs/generic (the var) together."""
    _kustomization(
        tmp_path / "base" / "application",
        "resources:\n  - application.yaml\n",
        application__yaml="apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: $(kfp-app-name)\ndata:\n  a: b\n",
    )
    _kustomization(
        tmp_path / "base" / "generic",
        "resources:\n  - params.yaml\nvars:\n  - name: kfp-app-name\n    objref:\n      kind: ConfigMap\n"
        "      name: pipeline-install-config\n      apiVersion: v1\n    fieldref:\n      fieldpath: data.appName\n",
        params__yaml="apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: pipeline-install-config\ndata:\n  appName: pipeline\n",
    )
    _kustomization(tmp_path / "env" / "dev", "resources:\n  - ../../base/application\n  - ../../base/generic\n")
    assert [f for f in run_lint(tmp_path).findings if f.severity.name == "ERROR"] == []


def test_a_resource_a_kustomization_comments_out_is_still_an_object(tmp_path: Path) -> None:
    """opentelemetry-operator's config/crd: `#- bases/opentelemetry.io_clusterobservabilities.yaml` under
    resources:, a whole CRD its Makefile applies with kubectl apply -f: linted, not set aside."""
    crd = (
        "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: widgets.example.com\n"
        "spec:\n  group: example.com\n  names: {kind: Widget, plural: widgets}\n  scope: Namespaced\n  versions:\n"
        "    - name: v1\n      served: true\n      storage: true\n      schema:\n        openAPIV3Schema:\n          type: object\n"
        "          properties:\n            spec:\n              type: object\n              properties:\n"
        "                size: {type: integer}\n"
    )
    _kustomization(
        tmp_path / "config" / "crd",
        "resources:\n  - bases/gadgets.yaml\n  # - bases/widgets.yaml\npatches:\n  # - path: patches/webhook_in_gadgets.yaml\n",
    )
    (tmp_path / "config" / "crd" / "bases").mkdir()
    (tmp_path / "config" / "crd" / "bases" / "gadgets.yaml").write_text(crd.replace("widgets", "gadgets").replace("Widget", "Gadget"))
    (tmp_path / "config" / "crd" / "bases" / "widgets.yaml").write_text(crd)
    (tmp_path / "config" / "crd" / "patches").mkdir()
    (tmp_path / "config" / "crd" / "patches" / "webhook_in_gadgets.yaml").write_text(
        "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: gadgets.example.com\n"
        "spec:\n  conversion:\n    strategy: Webhook\n"
    )
    (tmp_path / "sample.yaml").write_text("apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\nspec:\n  size: big\n")
    result = run_lint(tmp_path)
    reasons = {os.path.basename(file): reason for file, reason in result.not_kubernetes}
    assert "widgets.yaml" not in reasons
    assert "commented-out entry" in reasons["webhook_in_gadgets.yaml"]
    assert any(f.code == "KL010" and f.location.file.endswith("sample.yaml") for f in result.findings)  # the CRD's schema applies


# GoogleContainerTools/skaffold, examples/go-integration-coverage/k8s (commit 359a940c1b; Apache-2.0), cut:
# kustomizations named `Kustomization`, kustomize's third file name (api/konfig/general.go
# RecognizedKustomizationFileNames: kustomization.yaml, kustomization.yml, Kustomization)
COVERAGE_BASE = (
    "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: go-integration-coverage\nspec:\n  replicas: 2\n"
    "  selector:\n    matchLabels:\n      app: go-integration-coverage\n  template:\n    metadata:\n      labels:\n"
    "        app: go-integration-coverage\n    spec:\n      containers:\n      - name: app\n"
    "        image: go-integration-coverage:1.0\n        ports:\n        - containerPort: 8080\n"
)
COVERAGE_PATCH = (
    "# This patch sets up the `coverage-data` volume and volume mount for collecting\n# coverage profiles.\n\n"
    "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: go-integration-coverage\nspec:\n  template:\n"
    "    spec:\n      containers:\n      - name: app\n        env:\n        - name: GOCOVERDIR\n          value: /coverage-data\n"
    "        volumeMounts:\n        - mountPath: /coverage-data\n          name: coverage-data\n      volumes:\n"
    "      - name: coverage-data\n        emptyDir: {}\n"
)


def _coverage_tree(root: Path, patch: str = COVERAGE_PATCH) -> Path:
    k8s = root / "k8s"
    (k8s / "base").mkdir(parents=True)
    (k8s / "overlays" / "coverage").mkdir(parents=True)
    (k8s / "base" / "Kustomization").write_text(
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n- deployment.yaml\n"
    )
    (k8s / "base" / "deployment.yaml").write_text(COVERAGE_BASE)
    (k8s / "overlays" / "coverage" / "Kustomization").write_text(
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nbases:\n- ../../base\nreplicas:\n"
        "- name: go-integration-coverage\n  count: 1\npatchesStrategicMerge:\n- coverage-patch.yaml\n"
    )
    (k8s / "overlays" / "coverage" / "coverage-patch.yaml").write_text(patch)
    return k8s


def test_a_kustomization_named_kustomization_is_read_when_walking(tmp_path: Path) -> None:
    """The patch a `Kustomization` file names is no object (it has no selector and no image of its own)."""
    minimal = tmp_path / "minimal"
    minimal.mkdir()
    (minimal / "Kustomization").write_text("resources:\n- deployment.yaml\npatchesStrategicMerge:\n- patch.yaml\n")
    (minimal / "deployment.yaml").write_text(COVERAGE_BASE)
    (minimal / "patch.yaml").write_text("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: go-integration-coverage\n")
    k8s = _coverage_tree(tmp_path / "skaffold")
    for tree in (minimal, k8s):
        walked = run_lint(tree)
        named = run_lint(*sorted(str(p) for p in tree.rglob("*") if p.is_file()))
        for result in (walked, named):
            assert not any("patch" in f.location.file for f in result.findings)
            reasons = {os.path.relpath(file, tree): reason for file, reason in result.not_kubernetes}
            assert all(reasons[name].startswith("a kustomization") for name in reasons if name.endswith("Kustomization"))
            patch = next(name for name in reasons if "patch" in name)
            assert reasons[patch].startswith("a kustomize strategic-merge patch named by ")
            assert reasons[patch].endswith("Kustomization")
    assert {os.path.relpath(f, k8s) for f, _ in run_lint(k8s).not_kubernetes} == {
        "base/Kustomization",
        "overlays/coverage/Kustomization",
        "overlays/coverage/coverage-patch.yaml",
    }


def test_an_overlay_named_kustomization_is_built(kubectl: str, tmp_path: Path) -> None:
    limits = "        resources:\n          requests: {memory: 1Gi}\n          limits: {memory: 512Mi}\n"
    k8s = _coverage_tree(tmp_path, COVERAGE_PATCH.replace("        env:\n", limits + "        env:\n"))
    result = run_lint(k8s, render=True, select=["request-exceeds-limit"])
    assert [(os.path.relpath(f.location.file, k8s), f.location.line, f.rule) for f in result.findings] == [
        ("overlays/coverage/coverage-patch.yaml", 14, "request-exceeds-limit")
    ]
    assert result.findings[0].built_from == (f"kustomize build {k8s / 'overlays' / 'coverage'}",)
    assert any("1 of 1 kustomize root built" in note for note in result.notes)


# -- A kustomization that names a file outside its own folder. kustomize's default load restrictor refuses
# it ("security; file ... is not in or below ...": RestrictionRootOnly, api/internal/loader/loadrestrictions.go);
# cluster-api builds its e2e templates with --load-restrictor LoadRestrictionsNone (its Makefile's
# generate-e2e-templates), and Flux's kustomize-controller always builds that way.

DEPLOYMENT = (SHOP / "base" / "deployment.yaml").read_text().replace("ghcr.io/acme/shop", "ghcr.io/acme/shop:1")
TOO_MUCH_CPU = (
    "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: shop\nspec:\n  template:\n    spec:\n      containers:\n"
    '        - name: shop\n          resources:\n            requests:\n              cpu: "2"\n            limits:\n'
    "              cpu: 500m\n"
)


def test_a_file_outside_the_kustomizations_folder_is_built_without_the_restrictor(kubectl: str, tmp_path: Path) -> None:
    (tmp_path / "bases").mkdir()
    (tmp_path / "bases" / "deployment.yaml").write_text(DEPLOYMENT)
    _kustomization(tmp_path / "app", "resources:\n  - ../bases/deployment.yaml\npatches:\n  - path: cpu.yaml\n", cpu__yaml=TOO_MUCH_CPU)
    result = run_lint(".", cwd=tmp_path, render=True)
    assert [(f.rule, str(f.severity), f.location.file, f.location.line) for f in result.findings] == [
        ("request-exceeds-limit", "error", "./app/cpu.yaml", 12),
        ("kustomize-build-failed", "warning", "./app/kustomization.yaml", 2),
    ]
    assert "--load-restrictor LoadRestrictionsNone" in result.findings[1].message
    assert result.findings[0].built_from == ("kustomize build ./app",)


def test_cluster_apis_e2e_templates_are_built_and_each_kustomization_warned_once(kubectl: str, tmp_path: Path) -> None:
    """test/e2e/data/infrastructure-docker/main: templates that list ../bases/*.yaml, and a template that
    is another one's folder plus a patch (cluster-template-kcp-pre-drain on cluster-template-topology)."""
    main = tmp_path / "main"
    (main / "bases").mkdir(parents=True)
    (main / "bases" / "cluster-with-topology.yaml").write_text(DEPLOYMENT)
    (main / "bases" / "crs.yaml").write_text(CONFIGMAP)
    _kustomization(
        main / "cluster-template-topology",
        "resources:\n- ../bases/cluster-with-topology.yaml\n- ../bases/crs.yaml\n",
    )
    _kustomization(
        main / "cluster-template-kcp-pre-drain",
        "resources:\n- ../cluster-template-topology\npatches:\n- path: cluster.yaml\n",
        cluster__yaml=TOO_MUCH_CPU,
    )
    _kustomization(main / "cluster-template-ipv6", "resources:\n- ../bases/crs.yaml\n")
    result = run_lint("main", cwd=tmp_path, render=True)
    assert [(f.rule, f.location.file, f.location.line) for f in result.findings] == [
        ("kustomize-build-failed", "main/cluster-template-ipv6/kustomization.yaml", 2),
        ("request-exceeds-limit", "main/cluster-template-kcp-pre-drain/cluster.yaml", 12),
        ("kustomize-build-failed", "main/cluster-template-topology/kustomization.yaml", 2),
    ]
    assert "(and 1 more file)" in result.findings[2].message
    assert "2 of 2 kustomize roots built" in " ".join(result.notes)


def test_the_restrictor_stays_on_for_a_file_outside_the_linted_paths_or_a_build_with_transformers(kubectl: str, tmp_path: Path) -> None:
    (tmp_path / "bases").mkdir()
    (tmp_path / "bases" / "deployment.yaml").write_text(DEPLOYMENT)
    _kustomization(tmp_path / "repo" / "app", "resources:\n  - ../../bases/deployment.yaml\n")
    _kustomization(
        tmp_path / "repo" / "labelled",
        "resources:\n  - ../shared/cm.yaml\ntransformers:\n  - labels.yaml\n",
        labels__yaml="apiVersion: builtin\nkind: LabelTransformer\nmetadata:\n  name: l\nlabels:\n  team: shop\nfieldSpecs:\n"
        "  - path: metadata/labels\n    create: true\n",
    )
    (tmp_path / "repo" / "shared").mkdir()
    (tmp_path / "repo" / "shared" / "cm.yaml").write_text(CONFIGMAP)
    result = run_lint("repo", cwd=tmp_path, render=True)
    assert [(f.rule, f.location.file, f.location.line) for f in result.findings] == [
        ("kustomize-not-built", "repo/app/kustomization.yaml", 2),
        ("kustomize-not-built", "repo/labelled/kustomization.yaml", 3),
    ]
    assert "outside the linted paths" in result.findings[0].message
    assert "transformers" in result.findings[1].message


# -- A root that only lists other kustomizations (kubeflow's example/kustomization.yaml: resources and
# sortOptions) and uses one with a remote base: kustomize builds it as the concatenation of what each
# kustomization it lists builds, so those that can be built here are its build.

KUBEFLOW_EXAMPLE = """\
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization

sortOptions:
  order: legacy
  legacySortOptions:
    orderFirst:
    - Namespace
    orderLast:
    - ValidatingWebhookConfiguration

resources:
# Notebook Controller
- ../apps/notebook-controller/overlays/kubeflow
# Trainer
- ../apps/trainer/overlays
"""


def test_a_root_that_only_lists_kustomizations_is_built_from_those_that_can_be(kubectl: str, tmp_path: Path) -> None:
    _kustomization(tmp_path / "apps" / "notebook-controller" / "base", "resources:\n  - deployment.yaml\n", deployment__yaml=DEPLOYMENT)
    _kustomization(
        tmp_path / "apps" / "notebook-controller" / "overlays" / "kubeflow",
        "resources:\n- ../../base\nnamespace: kubeflow\npatches:\n- path: cpu.yaml\n",
        cpu__yaml=TOO_MUCH_CPU,
    )
    _kustomization(
        tmp_path / "apps" / "trainer" / "overlays",
        "namespace: kubeflow-system\nresources:\n- https://github.com/kubernetes-sigs/jobset/releases/download/v0.11.0/manifests.yaml\n"
        "- cm.yaml\n",
        cm__yaml=CONFIGMAP.replace("name: settings", "name: Trainer"),
    )
    _kustomization(tmp_path / "example", KUBEFLOW_EXAMPLE)
    result = run_lint(".", cwd=tmp_path, render=True)
    assert [(f.rule, f.location.file, f.location.line) for f in result.findings] == [
        ("request-exceeds-limit", "./apps/notebook-controller/overlays/kubeflow/cpu.yaml", 12),
        ("invalid-name", "./apps/trainer/overlays/cm.yaml", 4),  # what uses the remote base, as it is
        ("kustomize-not-built", "./apps/trainer/overlays/kustomization.yaml", 3),
    ]
    assert result.findings[0].built_from == ("kustomize build ./example (its buildable parts)",)
    assert result.findings[0].object is not None and result.findings[0].object.namespace == "kubeflow"
    assert "1 of 1 kustomize root built" in " ".join(result.notes) and "1 of them in part" in " ".join(result.notes)


def test_a_root_that_changes_what_it_lists_is_not_built_in_part(kubectl: str, tmp_path: Path) -> None:
    """A namespace (or a patch, labels, a prefix) above the parts would change their objects: not built."""
    _kustomization(
        tmp_path / "apps" / "web",
        "resources:\n  - deployment.yaml\npatches:\n- path: cpu.yaml\n",
        deployment__yaml=DEPLOYMENT,
        cpu__yaml=TOO_MUCH_CPU,
    )
    _kustomization(tmp_path / "apps" / "remote", "resources:\n- github.com/acme/platform//base?ref=v1\n")
    _kustomization(tmp_path / "env", "namespace: prod\nresources:\n- ../apps/web\n- ../apps/remote\n")
    result = run_lint(".", cwd=tmp_path, render=True)
    assert [(f.rule, f.location.file, f.location.line) for f in result.findings] == [
        ("kustomize-not-built", "./apps/remote/kustomization.yaml", 2)
    ]


def test_parts_that_use_a_var_of_a_left_out_kustomization_are_not_the_roots_build(kubectl: str, tmp_path: Path) -> None:
    """kustomize replaces a var at the root, in every kustomization it lists: a part that reads one that
    only an unbuilt kustomization declares would be linted with `$(VAR)` unreplaced."""
    _kustomization(
        tmp_path / "apps" / "web",
        "resources:\n  - deployment.yaml\n",
        deployment__yaml=DEPLOYMENT.replace("        - name: shop\n", "        - name: shop\n          args: [--app=$(kfp-app-name)]\n", 1),
    )
    _kustomization(
        tmp_path / "apps" / "pipeline",
        "namespace: kubeflow\nresources:\n- https://github.com/argoproj/argo-workflows/manifests/base?ref=v3.7.3\n- params.yaml\n"
        "vars:\n- name: kfp-app-name\n  objref:\n    kind: ConfigMap\n    name: pipeline-install-config\n    apiVersion: v1\n"
        "  fieldref:\n    fieldpath: data.appName\n",
        params__yaml="apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: pipeline-install-config\ndata:\n  appName: pipeline\n",
    )
    _kustomization(tmp_path / "example", "resources:\n- ../apps/web\n- ../apps/pipeline\n")
    result = run_lint(".", cwd=tmp_path, render=True)
    assert [(f.rule, f.location.file, f.location.line) for f in result.findings] == [
        ("kustomize-not-built", "./apps/pipeline/kustomization.yaml", 3),
        ("kustomize-not-built", "./example/kustomization.yaml", 1),
    ]
    assert "$(kfp-app-name)" in result.findings[1].message


def test_parts_that_do_not_build_together_are_not_built_and_not_refused(kubectl: str, tmp_path: Path) -> None:
    """Two parts that list one base: kustomize refuses the second copy; the root's own build, with what
    was left out, is not what k8slint built, so this is no build failure of the root."""
    _kustomization(tmp_path / "apps" / "base", "resources:\n  - deployment.yaml\n", deployment__yaml=DEPLOYMENT)
    _kustomization(tmp_path / "apps" / "a", "resources:\n- ../base\n")
    _kustomization(tmp_path / "apps" / "b", "resources:\n- ../base\n")
    _kustomization(tmp_path / "apps" / "remote", "resources:\n- github.com/acme/platform//base?ref=v1\n")
    _kustomization(tmp_path / "example", "resources:\n- ../apps/a\n- ../apps/b\n- ../apps/remote\n")
    result = run_lint(".", cwd=tmp_path, render=True)
    assert [(f.rule, f.location.file, f.location.line) for f in result.findings] == [
        ("kustomize-not-built", "./apps/remote/kustomization.yaml", 2),
        ("kustomize-not-built", "./example/kustomization.yaml", 1),
    ]
    assert "do not build together" in result.findings[1].message


@pytest.mark.parametrize(("generated", "expected"), [(True, []), (False, [("missing-configmap", 18), ("missing-secret", 21)])])
def test_what_a_generator_of_an_including_kustomization_makes_is_present_unbuilt(
    tmp_path: Path, generated: bool, expected: list[object], monkeypatch: pytest.MonkeyPatch
) -> None:
    """katib's controller mounts the katib-config ConfigMap that each install's configMapGenerator makes;
    dex mounts the dex-oidc-client Secret its base's secretGenerator makes (kubeflow/manifests)."""
    controller = (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: katib-controller\nspec:\n  selector:\n    matchLabels: {app: k}\n"
        "  template:\n    metadata:\n      labels: {app: k}\n    spec:\n      containers:\n        - name: c\n"
        "          image: ghcr.io/kubeflow/katib/katib-controller:v0.19.0\n      volumes:\n        - name: katib-config\n"
        "          configMap:\n            name: katib-config\n        - name: oidc\n          secret:\n            secretName: dex-oidc-client\n"
        "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: trial-templates\ndata:\n  a: b\n"
        "---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: katib-webhook-cert\n"
    )
    _kustomization(
        tmp_path / "components" / "controller",
        "resources:\n  - controller.yaml\n  - extra.yaml\n",
        controller__yaml=controller,
        extra__yaml=CONFIGMAP,  # a second file: two batches, so that workers load them
    )
    generators = (
        "configMapGenerator:\n  - name: katib-config\n    behavior: create\n    files:\n      - katib-config.yaml\n"
        "    options:\n      disableNameSuffixHash: true\nsecretGenerator:\n- name: dex-oidc-client\n  type: Opaque\n"
        "  envs:\n  - secret_params.env\n"
        if generated
        else ""
    )
    _kustomization(
        tmp_path / "installs" / "katib-standalone",
        f"namespace: kubeflow\nresources:\n  - ../../components/controller\n{generators}",
        **(
            {
                "katib-config__yaml": "apiVersion: config.kubeflow.org/v1beta1\nkind: KatibConfig\n",
                "secret_params__env": "CLIENT_SECRET=x\n",
            }
            if generated
            else {}
        ),
    )
    from k8slint import scheduler
    from k8slint.config import build_settings
    from k8slint.engine import lint
    from k8slint.registry import registry

    monkeypatch.setattr(scheduler, "PARALLEL_MIN_FILES", 2)
    monkeypatch.setattr(scheduler, "BATCH_BYTES", 1)
    for jobs in (1, 2):  # the same with worker processes loading the files
        result = lint([str(tmp_path)], build_settings(registry(), None), jobs=jobs)
        assert [(f.rule, f.location.line) for f in result.findings if f.severity.name == "ERROR"] == expected


# -- Unbuilt, what a strategic-merge patch of the file's builds certainly does to its objects.

DAEMONSET = """\
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: kserve-localmodelnode-agent
  namespace: kubeflow
spec:
  selector:
    matchLabels: {app: agent}
  template:
    metadata:
      labels: {app: agent}
    spec:
      containers:
        - name: manager
          image: kserve/kserve-localmodelnode-agent:v0.16.0
      volumes:
        - name: models
          hostPath:
            path: /models
---
apiVersion: serving.kserve.io/v1alpha1
kind: LLMInferenceServiceConfig
metadata:
  name: kserve-config-llm-router-route
  namespace: kubeflow
spec: {}
"""
KSERVE_KUSTOMIZATION = """\
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
- kserve_kubeflow.yaml

patches:
- patch: |
    apiVersion: apps/v1
    kind: DaemonSet
    metadata:
      name: kserve-localmodelnode-agent
      namespace: kubeflow
    $patch: delete

- patch: |
    apiVersion: serving.kserve.io/v1alpha1
    kind: LLMInferenceServiceConfig
    metadata:
      name: placeholder
    $patch: delete
  target:
    group: serving.kserve.io
    version: v1alpha1
    kind: LLMInferenceServiceConfig
"""


def test_an_object_every_build_deletes_is_not_linted_unbuilt(tmp_path: Path) -> None:
    """kubeflow's applications/kserve/kserve: inline `$patch: delete` patches remove the localmodelnode agent
    and every LLMInferenceServiceConfig (kubectl kustomize leaves them out)."""
    _kustomization(tmp_path / "kserve", KSERVE_KUSTOMIZATION, kserve_kubeflow__yaml=DAEMONSET)
    result = run_lint(tmp_path)
    assert result.findings == [] and result.objects == 0


def test_an_object_a_build_keeps_is_still_linted_unbuilt(tmp_path: Path) -> None:
    """Deleted by one kustomization that lists the file, kept by another: the second applies it."""
    _kustomization(tmp_path / "kserve", KSERVE_KUSTOMIZATION, kserve_kubeflow__yaml=DAEMONSET)
    _kustomization(tmp_path / "plain", "resources:\n- ../kserve/kserve_kubeflow.yaml\n")
    result = run_lint(tmp_path)
    assert result.objects == 2
    assert ("host-path-volume", "kserve_kubeflow.yaml") in {(f.rule, os.path.basename(f.location.file)) for f in result.findings}


MANAGER = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: controller-manager
  namespace: system
spec:
  selector:
    matchLabels: {control-plane: controller-manager}
  template:
    metadata:
      labels: {control-plane: controller-manager}
    spec:
      containers:
        - name: manager
          image: controller:latest
          ports:
            - containerPort: 9443
              name: webhook-server
---
apiVersion: v1
kind: Service
metadata:
  name: controller-manager-metrics-service
  namespace: system
spec:
  selector:
    control-plane: controller-manager
  ports:
    - name: https
      port: 8443
      targetPort: https
"""


@pytest.mark.parametrize(("patched", "expected"), [(True, []), (False, [("image-tag-latest", 15), ("target-port-unknown", 31)])])
def test_an_image_or_a_port_a_patch_of_the_build_sets_is_the_objects_unbuilt(tmp_path: Path, patched: bool, expected: list[object]) -> None:
    """cluster-api's config/default/manager_image_patch.yaml replaces manager.yaml's `controller:latest`;
    kubeflow's pvcviewer config/default/manager_auth_proxy_patch.yaml adds kube-rbac-proxy's `https` port."""
    _kustomization(tmp_path / "config" / "manager", "resources:\n- manager.yaml\n", manager__yaml=MANAGER)
    patches = "patches:\n- path: manager_image_patch.yaml\n- path: manager_auth_proxy_patch.yaml\n" if patched else ""
    _kustomization(
        tmp_path / "config" / "default",
        f"namespace: capi-system\nresources:\n- ../manager\n{patches}",
        manager_image_patch__yaml="apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: controller-manager\n"
        "  namespace: system\nspec:\n  template:\n    spec:\n      containers:\n"
        "      - image: gcr.io/k8s-staging-cluster-api/cluster-api-controller:main\n        name: manager\n",
        manager_auth_proxy_patch__yaml="apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: controller-manager\n"
        "  namespace: system\nspec:\n  template:\n    spec:\n      containers:\n      - name: kube-rbac-proxy\n"
        "        image: gcr.io/kubebuilder/kube-rbac-proxy:v0.16.0\n        ports:\n        - containerPort: 8443\n"
        "          name: https\n",
    )
    result = run_lint(tmp_path, select=["image-tag-latest", "target-port-unknown"])
    assert [(f.rule, f.location.line) for f in result.findings] == expected


@pytest.mark.parametrize(("patched", "expected"), [(True, []), (False, [("run-as-root", 13), ("capabilities-not-dropped", 13)])])
def test_a_security_context_a_patch_of_the_build_sets_is_the_containers_unbuilt(
    tmp_path: Path, patched: bool, expected: list[object]
) -> None:
    """kubeflow's profiles: base/patches/manager.yaml sets runAsNonRoot and drops ALL for the manager."""
    manager = (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: deployment\nspec:\n  selector:\n    matchLabels: {app: p}\n"
        "  template:\n    metadata:\n      labels: {app: p}\n    spec:\n      containers:\n      - command:\n        - /manager\n"
        "        image: ghcr.io/kubeflow/kubeflow/profile-controller:v1.10.0\n        name: manager\n"
    )
    _kustomization(tmp_path / "upstream" / "manager", "resources:\n- manager.yaml\n", manager__yaml=manager)
    patch = (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: deployment\nspec:\n  template:\n    spec:\n      containers:\n"
        "      - name: manager\n        securityContext:\n          allowPrivilegeEscalation: false\n          runAsNonRoot: true\n"
        "          capabilities:\n            drop:\n            - ALL\n"
    )
    _kustomization(
        tmp_path / "upstream" / "base",
        "resources:\n- ../manager\n" + ("patchesStrategicMerge:\n- patches/manager.yaml\n" if patched else ""),
    )
    (tmp_path / "upstream" / "base" / "patches").mkdir()
    (tmp_path / "upstream" / "base" / "patches" / "manager.yaml").write_text(patch)
    result = run_lint(tmp_path, select=["run-as-root", "capabilities-not-dropped"])
    assert [(f.rule, f.location.line) for f in result.findings] == expected


def test_a_patch_that_sets_an_image_to_latest_leaves_image_tag_latest(tmp_path: Path) -> None:
    """The patch's own image is no better: the finding stays, on the file's image."""
    _kustomization(tmp_path / "config" / "manager", "resources:\n- manager.yaml\n", manager__yaml=MANAGER)
    _kustomization(
        tmp_path / "config" / "default",
        "resources:\n- ../manager\npatches:\n- path: manager_image_patch.yaml\n",
        manager_image_patch__yaml="apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: controller-manager\n"
        "spec:\n  template:\n    spec:\n      containers:\n      - image: gcr.io/acme/controller:latest\n        name: manager\n",
    )
    result = run_lint(tmp_path, select=["image-tag-latest"])
    assert [(f.rule, f.location.line) for f in result.findings] == [("image-tag-latest", 15)]


@pytest.mark.parametrize(
    ("overlays", "expected"),
    [
        (
            {"restricted-workload": True, "privileged-workload": False},
            [("run-as-root", 13), ("capabilities-not-dropped", 13), ("seccomp-unconfined", 13)],
        ),
        ({"restricted-workload": True, "other-restricted-workload": True}, []),
    ],
)
def test_a_patch_counts_unbuilt_only_when_every_build_of_the_base_applies_it(
    tmp_path: Path, overlays: dict[str, bool], expected: list[object]
) -> None:
    """eks-workshop-v2's pss-psa module: one workload base, built by overlays of which only
    restricted-workload patches it to run as non-root with ALL dropped; privileged-workload's build runs
    it as root, so the base's findings are true of a build the owners apply."""
    workload = (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: pss\nspec:\n  selector:\n    matchLabels: {app: pss}\n"
        "  template:\n    metadata:\n      labels: {app: pss}\n    spec:\n      containers:\n      - name: pss\n"
        "        image: public.ecr.aws/aws-containers/retail-store-sample-ui:1.2.1\n"
    )
    _kustomization(tmp_path / "pss-psa" / "workload", "namespace: pss\nresources:\n- deployment.yaml\n", deployment__yaml=workload)
    restricted = (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: pss\nspec:\n  template:\n    spec:\n"
        "      securityContext:\n        seccompProfile:\n          type: RuntimeDefault\n      containers:\n"
        "      - name: pss\n        securityContext:\n          capabilities:\n            drop:\n            - ALL\n"
        "          runAsNonRoot: true\n          runAsUser: 1000\n"
    )
    privileged = (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: pss\nspec:\n  template:\n    spec:\n      containers:\n"
        "      - name: pss\n        securityContext:\n          privileged: true\n          runAsUser: 0\n"
    )
    for name, hardened in overlays.items():
        _kustomization(
            tmp_path / "pss-psa" / name,
            "resources:\n- ../workload\npatches:\n- path: deployment.yaml\n",
            deployment__yaml=restricted if hardened else privileged,
        )
    result = run_lint(tmp_path, select=["run-as-root", "capabilities-not-dropped", "seccomp-unconfined"])
    assert [(f.rule, f.location.line) for f in result.findings] == expected


@pytest.mark.parametrize(("patched", "expected"), [(True, []), (False, [("target-port-unknown", 10)])])
def test_a_port_number_a_patch_of_every_build_adds_is_the_containers_unbuilt(tmp_path: Path, patched: bool, expected: list[object]) -> None:
    """opentelemetry-operator's kubebuilder layout: config/webhook/service.yaml targets 9443, which only
    config/default/manager_webhook_patch.yaml gives the manager (by number and name)."""
    manager = (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: controller-manager\n  namespace: system\nspec:\n"
        "  selector:\n    matchLabels: {control-plane: controller-manager}\n  template:\n    metadata:\n"
        "      labels: {control-plane: controller-manager}\n    spec:\n      containers:\n      - name: manager\n"
        "        image: ghcr.io/open-telemetry/opentelemetry-operator/opentelemetry-operator:0.131.0\n"
        "        ports:\n        - containerPort: 8080\n          name: metrics\n"
    )
    service = (
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: webhook-service\n  namespace: system\nspec:\n  ports:\n"
        "  - port: 443\n    protocol: TCP\n    targetPort: 9443\n  selector:\n    control-plane: controller-manager\n"
    )
    patch = (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: controller-manager\n  namespace: system\nspec:\n"
        "  template:\n    spec:\n      containers:\n      - name: manager\n        ports:\n        - containerPort: 9443\n"
        "          name: webhook-server\n          protocol: TCP\n"
    )
    _kustomization(tmp_path / "config" / "manager", "resources:\n- manager.yaml\n", manager__yaml=manager)
    _kustomization(tmp_path / "config" / "webhook", "resources:\n- service.yaml\n", service__yaml=service)
    _kustomization(
        tmp_path / "config" / "default",
        "resources:\n- ../manager\n- ../webhook\n" + ("patches:\n- path: manager_webhook_patch.yaml\n" if patched else ""),
        **({"manager_webhook_patch__yaml": patch} if patched else {}),  # a patch no kustomization names is an object
    )
    result = run_lint(tmp_path, select=["target-port-unknown"])
    assert [(f.rule, f.location.line) for f in result.findings] == expected


@pytest.mark.parametrize(("patched", "expected"), [(True, []), (False, [("probe-port-unknown", 17)])])
def test_a_port_a_json6902_patch_of_every_build_adds_is_the_containers_unbuilt(
    tmp_path: Path, patched: bool, expected: list[object]
) -> None:
    """cloudnative-pg's config (commit a95a534d; Apache-2.0), cut: the manager's probes use 9443, which only
    config/default's JSON 6902 patch adds (``op: add``, ``path: /spec/template/spec/containers/0/ports/-``)."""
    manager = (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: controller-manager\nspec:\n"
        "  selector:\n    matchLabels: {app: cnpg}\n  template:\n    metadata:\n      labels: {app: cnpg}\n"
        "    spec:\n      containers:\n      - name: manager\n        image: ghcr.io/cloudnative-pg/cloudnative-pg:1.27.0\n"
        "        readinessProbe:\n          httpGet:\n            port: 9443\n            path: /readyz\n"
        "        ports:\n        - containerPort: 8080\n          name: metrics\n"
    )
    operations = (
        "- op: add\n  path: /spec/template/spec/containers/0/ports/-\n  value:\n    containerPort: 9443\n"
        "    name: webhook-server\n    protocol: TCP\n"
    )
    _kustomization(tmp_path / "config" / "manager", "resources:\n- manager.yaml\n", manager__yaml=manager)
    target = "  target:\n    kind: Deployment\n    name: controller-manager\n"
    _kustomization(
        tmp_path / "config" / "default",
        "resources:\n- ../manager\n" + (f"patches:\n- path: manager_webhook_patch.yaml\n{target}" if patched else ""),
        **({"manager_webhook_patch__yaml": operations} if patched else {}),
    )
    result = run_lint(tmp_path, select=["probe-port-unknown"])
    assert [(f.rule, f.location.line) for f in result.findings] == expected


CNPG_MAKEFILE = """generate-manifest: manifests kustomize ## Generate manifest used for deployment.
\tset -e ;\\
\tCONFIG_TMP_DIR=$$(mktemp -d) ;\\
\tcp -r config/* $$CONFIG_TMP_DIR ;\\
\t{ \\
\t\tcd $$CONFIG_TMP_DIR/default ;\\
\t\t$(KUSTOMIZE) edit add patch --path manager_image_pull_secret.yaml ;\\
\t} ;\\
\t$(KUSTOMIZE) build $$CONFIG_TMP_DIR/default > ${OPERATOR_MANIFEST_PATH}
"""


@pytest.mark.parametrize("makefile", [CNPG_MAKEFILE, None])
def test_a_patch_a_makefile_adds_with_kustomize_edit_is_kustomize_input(tmp_path: Path, makefile: str | None) -> None:
    """cloudnative-pg (commit a95a534d; Apache-2.0), cut: config/default/manager_image_pull_secret.yaml is a patch
    body that no committed kustomization names; the Makefile adds it before it builds."""
    manager = (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: controller-manager\nspec:\n"
        "  selector:\n    matchLabels: {app: cnpg}\n  template:\n    metadata:\n      labels: {app: cnpg}\n"
        "    spec:\n      containers:\n      - name: manager\n        image: ghcr.io/cloudnative-pg/cloudnative-pg:1.27.0\n"
    )
    patch = (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: controller-manager\nspec:\n  template:\n"
        "    spec:\n      containers:\n      - name: manager\n      imagePullSecrets:\n      - name: cnpg-pull-secret\n"
    )
    _kustomization(tmp_path / "config" / "manager", "resources:\n- manager.yaml\n", manager__yaml=manager)
    _kustomization(tmp_path / "config" / "default", "resources:\n- ../manager\n", manager_image_pull_secret__yaml=patch)
    if makefile is not None:
        (tmp_path / "Makefile").write_text(makefile)
    result = run_lint(tmp_path)
    on_patch = [f.code for f in result.findings if f.location.file.endswith("manager_image_pull_secret.yaml")]
    roles = dict(result.not_kubernetes)
    shown = next((reason for file, reason in roles.items() if file.endswith("manager_image_pull_secret.yaml")), None)
    if makefile is not None:
        assert on_patch == []
        assert shown is not None
        assert (
            shown.replace(f"{tmp_path}/", "")
            == "a patch that Makefile adds to config/default/kustomization.yaml (kustomize edit add patch): kustomize's input"
        )
    else:  # nothing says it is a patch: an object, and the API server refuses it
        assert "KR005" in on_patch and shown is None


def test_a_file_with_no_namespace_finds_what_its_folders_build_moved(kubectl: str, tmp_path: Path) -> None:
    """kserve's config/overlays/test/s3-local-backend (aaac4e29): the kustomization puts the folder's Secret in
    `kserve`; the init Jobs beside it, which it does not list, name no namespace and are applied with
    `kubectl apply -n kserve`. Built, the Secret is in kserve and the Job's reference is still met."""
    app = tmp_path / "app"
    app.mkdir()
    (app / "kustomization.yaml").write_text("namespace: kserve\nresources:\n- creds.yaml\n")
    (app / "creds.yaml").write_text("apiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\nstringData:\n  key: v\n")
    (app / "other.yaml").write_text("apiVersion: v1\nkind: Secret\nmetadata:\n  name: other\nstringData:\n  a: b\n")
    job = (
        "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: init\n{namespace}spec:\n  template:\n    spec:\n"
        "      restartPolicy: Never\n      containers:\n      - name: c\n        image: busybox:1.36\n        env:\n"
        "        - name: K\n          valueFrom:\n            secretKeyRef: {{name: creds, key: key}}\n"
    )
    (app / "job.yaml").write_text(job.format(namespace=""))
    assert [f.rule for f in run_lint("app", cwd=tmp_path, render=True).findings if f.rule == "missing-secret"] == []
    # built only by an overlay elsewhere (kserve's config/overlays/test-modelcache), the Secret is still the one beside
    (tmp_path / "overlay").mkdir()
    (tmp_path / "overlay" / "kustomization.yaml").write_text("resources:\n- ../app\n")
    assert [f.rule for f in run_lint(".", cwd=tmp_path, render=True).findings if f.rule == "missing-secret"] == []
    # a Job that names its namespace is applied there, where the Secret is not
    (app / "job.yaml").write_text(job.format(namespace="  namespace: default\n"))
    assert [f.rule for f in run_lint("app", cwd=tmp_path, render=True).findings if f.rule == "missing-secret"] == ["missing-secret"]
