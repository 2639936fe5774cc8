"""Pod templates that custom resources keep under their own fields (K8sObject.pod_template_views)."""

from __future__ import annotations

from pathlib import Path

from conftest import run_lint
from k8slint.model.workloads import custom_pod_templates

RAY_SERVICE = """apiVersion: ray.io/v1
kind: RayService
metadata:
  name: text-ml
  namespace: serve
spec:
  serveConfigV2: |
    applications: []
  rayClusterConfig:
    rayVersion: "2.41.0"
    headGroupSpec:
      rayStartParams: {}
      template:
        metadata:
          labels: {team: ml}
        spec:
          containers:
            - name: ray-head
              image: docker.io/rayproject/ray:2.41.0
              env:
                - name: HF_TOKEN
                  valueFrom:
                    secretKeyRef: {name: hf-token, key: token}
              resources:
                requests: {cpu: "2", memory: 8Gi}
                limits: {cpu: "2", memory: 8Gi}
    workerGroupSpecs:
      - groupName: gpu
        replicas: 1
        rayStartParams: {}
        template:
          spec:
            containers:
              - name: ray-worker
                image: ${RAY_IMAGE}
                resources:
                  requests: {cpu: "4", memory: 16Gi}
                  limits: {cpu: "4", memory: 8Gi}
"""


def _line(text: str) -> int:
    return next(number for number, line in enumerate(RAY_SERVICE.splitlines(), start=1) if text in line)


def test_the_templates_of_known_operators_are_found_by_group_and_kind() -> None:
    data = {
        "apiVersion": "kubeflow.org/v1",
        "kind": "TFJob",
        "spec": {
            "tfReplicaSpecs": {
                "PS": {"template": {"spec": {"containers": []}}},
                "Worker": {"template": {"spec": {"containers": []}}},
                "Chief": {"replicas": 1},  # no template: nothing to read
            }
        },
    }
    assert custom_pod_templates(data) == [
        ("spec", "tfReplicaSpecs", "PS", "template"),
        ("spec", "tfReplicaSpecs", "Worker", "template"),
    ]
    assert custom_pod_templates({**data, "apiVersion": "example.com/v1"}) == []
    assert custom_pod_templates({"apiVersion": "batch/v1", "kind": "Job", "spec": {"tasks": [{"template": {"spec": {}}}]}}) == []
    volcano = {"apiVersion": "batch.volcano.sh/v1alpha1", "kind": "Job", "spec": {"tasks": [{"template": {"spec": {}}}, "x"]}}
    assert custom_pod_templates(volcano) == [("spec", "tasks", 0, "template")]


def test_each_template_is_judged_as_the_pods_made_from_it(tmp_path: Path) -> None:
    (tmp_path / "rayservice.yaml").write_text(RAY_SERVICE)
    secrets = "apiVersion: v1\nkind: Secret\nmetadata: {name: %s, namespace: serve}\nstringData: {token: abc}\n"
    (tmp_path / "secrets.yaml").write_text(secrets % "dashboard-auth")  # the folder manages the namespace's Secrets
    findings = run_lint(".", cwd=tmp_path).findings
    by_code = {}
    for f in findings:
        by_code.setdefault(f.code, []).append(f)
    (over,) = by_code["KR002"]
    assert (
        over.location.line == _line("memory: 16Gi")
        and over.path == "spec.rayClusterConfig.workerGroupSpecs[0].template.spec.containers[0].resources.requests.memory"
    )
    assert over.message.endswith("the API server rejects this (in the pods the RayService's controller makes from this template)")
    (secret,) = by_code["KN021"]  # a reference from the head group's template, resolved against the set
    assert secret.location.line == _line("hf-token") and "'hf-token'" in secret.message
    (placeholder,) = by_code["KM006"]  # the worker's image, not a grammar error
    assert placeholder.location.line == _line("RAY_IMAGE") and "KR005" not in by_code
    # the resource itself is read once: its name and the set's uniqueness rules see no second object
    assert all(f.object is not None and f.object.name in ("text-ml", "dashboard-auth") for f in findings)
    assert len({(f.code, f.location.line, f.path) for f in findings}) == len(findings)
    # with the Secret in the set, the reference resolves
    (tmp_path / "secret.yaml").write_text(secrets % "hf-token")
    assert "KN021" not in {f.code for f in run_lint(".", cwd=tmp_path).findings}
