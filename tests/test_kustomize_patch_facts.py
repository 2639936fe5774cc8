"""Unbuilt, what every build's patches do to a base's containers: node-feature-discovery's components/common sets
the security context by a JSON 6902 patch whose target is a label selector and a name pattern (no kind), and its
components/topology-updater replaces that context with one that runs as root."""

from __future__ import annotations

from pathlib import Path

from conftest import run_lint

DAEMONSET = """\
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: {name}
  labels: {{app: nfd}}
spec:
  selector:
    matchLabels: {{app: {name}}}
  template:
    metadata:
      labels: {{app: {name}}}
    spec:
      containers:
        - name: {name}
          image: registry.k8s.io/nfd/node-feature-discovery:v0.17.0
          resources: {{requests: {{cpu: 5m, memory: 64Mi}}, limits: {{memory: 512Mi}}}}
"""
HARDENED = """\
- op: add
  path: "/spec/template/spec/containers/0/securityContext"
  value:
    allowPrivilegeEscalation: false
    capabilities:
      drop: ["ALL"]
    readOnlyRootFilesystem: true
    runAsNonRoot: true
    seccompProfile: {type: RuntimeDefault}
"""
AS_ROOT = HARDENED.replace("    runAsNonRoot: true\n", "    runAsUser: 0\n")
SECURITY = ("KS001", "KS002", "KS004", "KS007", "KS008")


def _tree(tmp_path: Path, with_topology: bool) -> Path:
    files = {
        "base/worker/worker.yaml": DAEMONSET.format(name="nfd-worker"),
        "base/worker/kustomization.yaml": "resources: [worker.yaml]\n",
        "components/common/securitycontext.yaml": HARDENED,
        "components/common/kustomization.yaml": (
            "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\npatches:\n"
            "- path: securitycontext.yaml\n  target:\n    labelSelector: app=nfd\n    name: nfd.*\n"
        ),
        "components/topology/securitycontext.yaml": AS_ROOT,
        "components/topology/kustomization.yaml": (
            "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\npatches:\n"
            "- path: securitycontext.yaml\n  target:\n    labelSelector: app=nfd\n    name: nfd-topology-updater\n"
        ),
        "overlays/default/kustomization.yaml": "namespace: nfd\nresources: [../../base/worker]\ncomponents: [../../components/common]\n",
    }
    if with_topology:
        files["base/topology/topology.yaml"] = DAEMONSET.format(name="nfd-topology-updater")
        files["base/topology/kustomization.yaml"] = "resources: [topology.yaml]\n"
        files["overlays/topology/kustomization.yaml"] = (
            "namespace: nfd\nresources: [../../base/topology]\ncomponents: [../../components/common, ../../components/topology]\n"
        )
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    return tmp_path


def _security(root: Path) -> list[tuple[str, str]]:
    return sorted((Path(f.location.file).name, f.code) for f in run_lint(root, render=False).findings if f.code in SECURITY)


def test_a_json6902_patch_with_a_pattern_target_hardens_the_base_unbuilt(tmp_path: Path) -> None:
    assert _security(_tree(tmp_path, with_topology=False)) == []


def test_a_later_patch_that_replaces_the_context_keeps_what_it_leaves_out_reported(tmp_path: Path) -> None:
    # the topology updater's own component sets the context whole, without runAsNonRoot: it may run as root
    assert _security(_tree(tmp_path, with_topology=True)) == [("topology.yaml", "KS001")]


def test_a_pattern_target_that_does_not_select_the_object_changes_nothing(tmp_path: Path) -> None:
    root = _tree(tmp_path, with_topology=False)
    (root / "components/common/kustomization.yaml").write_text(
        "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\npatches:\n"
        "- path: securitycontext.yaml\n  target:\n    labelSelector: app=other\n    name: nfd.*\n"
    )
    assert _security(root) == [("worker.yaml", code) for code in SECURITY]
