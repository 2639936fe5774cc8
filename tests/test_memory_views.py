"""What a run keeps to its end: the views rules memoize on each object are dropped once every check ran."""

from __future__ import annotations

from pathlib import Path

import pytest

from k8slint import scheduler
from k8slint.config import build_settings
from k8slint.engine import lint
from k8slint.model import fields
from k8slint.registry import registry
from k8slint.reporters.json import render_json

_DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop, labels: {app: api}}
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      imagePullSecrets: [{name: pull}]
      containers:
      - name: api
        image: ghcr.io/acme/api:1.0
        ports: [{containerPort: 8000, name: http}]
        resources: {requests: {cpu: 100m, memory: 128Mi}, limits: {memory: 256Mi}}
        envFrom: [{configMapRef: {name: api-settings}}]
        env:
        - name: TOKEN
          valueFrom: {secretKeyRef: {name: api-token, key: token}}
      volumes:
      - name: cache
        emptyDir: {sizeLimit: 1Gi}
---
apiVersion: v1
kind: Service
metadata: {name: api, namespace: shop}
spec:
  selector: {app: api}
  ports: [{port: 80, targetPort: http}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: api-settings, namespace: shop}
data: {MODE: prod}
"""


def _lint(folder: Path, jobs: int) -> tuple[str, list[object]]:
    settings = build_settings(registry(), None)
    result = lint([str(folder)], settings, jobs=jobs)
    assert result.loaded is not None
    state = result.loaded[0]
    return render_json(result), state.objects


def _views(obj: object) -> tuple[object, ...]:
    return (
        obj.pod_spec(),  # type: ignore[attr-defined]
        obj.pod_template_path(),  # type: ignore[attr-defined]
        obj.containers(),  # type: ignore[attr-defined]
        obj.references(),  # type: ignore[attr-defined]
        fields.resource_blocks(obj),  # type: ignore[arg-type]
        fields.quantity_fields(obj),  # type: ignore[arg-type]
        fields.label_maps(obj),  # type: ignore[arg-type]
    )


def test_views_are_released_after_the_checks(tmp_path: Path) -> None:
    (tmp_path / "app.yaml").write_text(_DEPLOYMENT)
    report, objects = _lint(tmp_path, jobs=1)
    assert '"code"' in report  # the rules ran, and read the views
    assert [o.kind for o in objects] == ["Deployment", "Service", "ConfigMap"]  # type: ignore[attr-defined]
    assert all(not o.memo for o in objects)  # type: ignore[attr-defined]


def test_a_view_asked_for_after_the_run_is_computed_again_equal(tmp_path: Path) -> None:
    (tmp_path / "app.yaml").write_text(_DEPLOYMENT)
    _, objects = _lint(tmp_path, jobs=1)
    deployment = objects[0]
    again = _views(deployment)
    assert deployment.memo  # type: ignore[attr-defined]
    deployment.release_views()  # type: ignore[attr-defined]
    assert not deployment.memo  # type: ignore[attr-defined]
    assert _views(deployment) == again
    names = sorted(ref.name for ref in deployment.references())  # type: ignore[attr-defined]
    assert names == ["api-settings", "api-token", "pull"]
    assert [q[0][-1] for q in fields.quantity_fields(deployment)] == ["cpu", "memory", "memory", "sizeLimit"]  # type: ignore[arg-type]


@pytest.mark.skipif(not scheduler.can_fork(), reason="worker processes need the fork start method")
def test_views_released_with_workers_and_the_report_unchanged(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scheduler, "PARALLEL_MIN_FILES", 2)
    monkeypatch.setattr(scheduler, "BATCH_BYTES", 1)
    for index, document in enumerate(_DEPLOYMENT.split("---\n")):
        (tmp_path / f"{index}.yaml").write_text(document)
    serial, _ = _lint(tmp_path, jobs=1)
    parallel, objects = _lint(tmp_path, jobs=2)
    assert parallel == serial
    assert len(objects) == 3 and all(not o.memo for o in objects)  # type: ignore[attr-defined]


def test_object_checks_run_in_batches_whose_views_go_after_each(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The object checks run a few objects at a time, each batch's views dropped after it (then every object's once
    more, at the end), and the report is the one of a single batch."""
    from k8slint import plan
    from k8slint.model.objects import K8sObject

    for index in range(4):
        (tmp_path / f"app-{index}.yaml").write_text(_DEPLOYMENT.replace("shop", f"shop-{index}"))
    whole, _ = _lint(tmp_path, jobs=1)
    events: list[tuple[str, int]] = []
    original, release = K8sObject.view, K8sObject.release_views

    def view(self: K8sObject, name: str, compute: object) -> object:
        events.append(("view", id(self)))
        return original(self, name, compute)  # type: ignore[arg-type]

    def released(self: K8sObject) -> None:
        events.append(("release", id(self)))
        release(self)

    monkeypatch.setattr(K8sObject, "view", view)
    monkeypatch.setattr(K8sObject, "release_views", released)
    monkeypatch.setattr(plan, "OBJECTS_PER_BATCH", 2)
    batched, objects = _lint(tmp_path, jobs=1)
    assert batched == whole
    assert len(objects) == 12 and all(not o.memo for o in objects)  # type: ignore[attr-defined]
    releases = [number for number, (what, _) in enumerate(events) if what == "release"]
    views = [number for number, (what, _) in enumerate(events) if what == "view"]
    assert len(releases) == 2 * len(objects)  # after each batch, and at the end
    assert releases[0] < views[-1]  # the first batch's views were gone while later batches' checks ran
