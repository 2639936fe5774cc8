"""Pod-level ``spec.resources`` (PodLevelResources: alpha in 1.32, beta and on by default since 1.34).

Upstream: kubernetes pkg/apis/core/validation/validation.go validatePodResources (the pod's requests and
limits validated like a container's, validateResourceRequirements) and validatePodResourceConsistency
(the pod's request at least the containers' aggregate request, AggregateContainerRequests in
component-helpers/resource/helpers.go; each container's limit at most the pod's); defaulting in
pkg/apis/core/v1/defaults.go defaultPodRequests. Before 1.34 the API server drops the field.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import run_lint

# A realistic shape: a web app with a metrics exporter sidecar, sized as a whole at the pod level.
APP = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: storefront
  namespace: shop
spec:
  replicas: 3
  selector:
    matchLabels:
      app: storefront
  template:
    metadata:
      labels:
        app: storefront
    spec:
      resources:
        requests:
          cpu: POD_CPU_REQUEST
          memory: 1Gi
        limits:
          cpu: "2"
          memory: 1Gi
      initContainers:
        - name: assets
          image: ghcr.io/acme/storefront-assets:4.1.0
          args: ["sync", "/srv/assets"]
          INIT_RESOURCES
      containers:
        - name: web
          image: ghcr.io/acme/storefront:4.1.0
          ports:
            - {name: http, containerPort: 8080}
          readinessProbe:
            httpGet: {path: /healthz, port: http}
          livenessProbe:
            httpGet: {path: /healthz, port: http}
          WEB_RESOURCES
        - name: exporter
          image: quay.io/prometheus/nginx-exporter:1.3.0
          readinessProbe:
            tcpSocket: {port: 9113}
          livenessProbe:
            tcpSocket: {port: 9113}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: storefront
  namespace: shop
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: storefront}
  minReplicas: 3
  maxReplicas: 12
  metrics:
    - type: Resource
      resource:
        name: cpu
        target: {type: Utilization, averageUtilization: 60}
"""


def _app(pod_cpu: str = '"1"', web: str = "# sized by the pod", init: str = "# sized by the pod") -> str:
    return APP.replace("POD_CPU_REQUEST", pod_cpu).replace("WEB_RESOURCES", web).replace("INIT_RESOURCES", init)


def _lint(tmp_path: Path, text: str, rule: str, version: str | None = None) -> list[tuple[int, str]]:
    target = tmp_path / "storefront.yaml"
    target.write_text(text, encoding="utf-8")
    overrides: dict[str, object] = {"select": [rule]}
    if version is not None:
        overrides["kubernetes_version"] = version
    return sorted((f.location.line, f.message) for f in run_lint(target, **overrides).findings)


def _line(text: str, needle: str, after: str | None = None) -> int:
    lines = text.splitlines()
    start = next(n for n, line in enumerate(lines) if after in line) if after else 0
    return next(n for n, line in enumerate(lines, start=1) if n > start and needle in line)


@pytest.mark.parametrize("rule", ["missing-requests", "missing-limits", "hpa-without-requests"])
@pytest.mark.parametrize("version", [None, "1.34", "1.36"])
def test_the_pod_level_provides_what_containers_leave_out(tmp_path: Path, rule: str, version: str | None) -> None:
    assert _lint(tmp_path, _app(), rule, version) == []


@pytest.mark.parametrize("rule", ["missing-requests", "missing-limits", "hpa-without-requests"])
def test_before_1_34_the_pod_level_is_dropped_and_containers_need_their_own(tmp_path: Path, rule: str) -> None:
    assert _lint(tmp_path, _app(), rule, "1.33") != []


def test_pod_limits_alone_default_the_pod_requests(tmp_path: Path) -> None:
    text = _app().replace('        requests:\n          cpu: "1"\n          memory: 1Gi\n', "")
    assert "requests:" not in text.split("initContainers")[0].split("resources:")[1]
    assert _lint(tmp_path, text, "missing-requests") == []
    assert _lint(tmp_path, text, "hpa-without-requests") == []


def test_pod_requests_alone_leave_limits_to_the_containers(tmp_path: Path) -> None:
    text = _app().replace('        limits:\n          cpu: "2"\n          memory: 1Gi\n', "", 1)
    assert _lint(tmp_path, text, "missing-requests") == []
    names = ("- name: assets", "- name: web", "- name: exporter")
    assert [line for line, _ in _lint(tmp_path, text, "missing-limits")] == [_line(text, name) for name in names]


def test_a_pod_request_above_the_pod_limit_is_refused(tmp_path: Path) -> None:
    text = _app(pod_cpu='"3"')
    [(line, message)] = _lint(tmp_path, text, "request-exceeds-limit")
    assert line == _line(text, 'cpu: "3"')
    assert "cpu request 3 is above its limit 2" in message
    assert _lint(tmp_path, text, "request-exceeds-limit", "1.33") == []


WEB_1500M = "resources:\n            requests: {cpu: 1500m, memory: 512Mi}"


def test_container_requests_above_the_pod_request_are_refused(tmp_path: Path) -> None:
    text = _app(web=WEB_1500M)
    [(line, message)] = _lint(tmp_path, text, "api-validation")
    assert line == _line(text, 'cpu: "1"')
    assert message == 'Invalid value: "1": must be greater than or equal to aggregate container requests of 1500m'
    assert _lint(tmp_path, text, "api-validation", "1.33") == []
    assert _lint(tmp_path, _app(pod_cpu='"1500m"', web=WEB_1500M), "api-validation") == []


def test_container_requests_above_the_pod_limit_are_refused_when_the_pod_request_defaults(tmp_path: Path) -> None:
    text = _app(web="resources:\n            requests: {cpu: 2500m}").replace(
        '        requests:\n          cpu: "1"\n          memory: 1Gi\n', ""
    )
    [(line, message)] = _lint(tmp_path, text, "api-validation")
    assert line == _line(text, 'cpu: "2"')
    assert "defaults to its containers' aggregate request of 2500m" in message and "must be less than or equal to cpu limit" in message


def test_an_init_container_counts_while_it_runs_beside_the_sidecars_before_it(tmp_path: Path) -> None:
    # the init container's 2 cpu alone is above the pod's request of 1, though the app containers are not
    text = _app(init='resources:\n            requests: {cpu: "2"}', web="resources:\n            requests: {cpu: 500m}")
    [(line, message)] = _lint(tmp_path, text, "api-validation")
    assert line == _line(text, 'cpu: "1"')
    assert message.endswith("aggregate container requests of 2")


def test_a_sidecar_adds_to_the_regular_containers(tmp_path: Path) -> None:
    sidecar = "restartPolicy: Always\n          resources:\n            requests: {cpu: 600m}"
    text = _app(init=sidecar, web="resources:\n            requests: {cpu: 500m}")
    [(line, message)] = _lint(tmp_path, text, "api-validation")
    assert line == _line(text, 'cpu: "1"')
    assert message.endswith("aggregate container requests of 1100m")


def test_a_container_limit_above_the_pod_limit_is_refused(tmp_path: Path) -> None:
    text = _app(web="resources:\n            limits: {memory: 2Gi}")
    # the container's memory request defaults to its limit, so the pod's request is short of it too
    assert _lint(tmp_path, text, "api-validation") == [
        (_line(text, "memory: 1Gi"), 'Invalid value: "1Gi": must be greater than or equal to aggregate container requests of 2Gi'),
        (_line(text, "limits: {memory: 2Gi}"), 'Invalid value: "2Gi": must be less than or equal to pod limits of "1Gi"'),
    ]


def test_a_consistent_pod_is_clean(tmp_path: Path) -> None:
    text = _app(web="resources:\n            requests: {cpu: 750m, memory: 768Mi}\n            limits: {memory: 1Gi}")
    for rule in ("api-validation", "request-exceeds-limit", "non-positive-limit", "invalid-quantity"):
        assert _lint(tmp_path, text, rule) == [], rule


def test_pod_level_resources_take_cpu_memory_and_hugepages_only_and_no_claims(tmp_path: Path) -> None:
    text = _app().replace(
        "          memory: 1Gi\n        limits:", "          memory: 1Gi\n          ephemeral-storage: 2Gi\n        limits:"
    )
    text = text.replace(
        '          cpu: "2"\n          memory: 1Gi\n',
        '          cpu: "2"\n          memory: 1Gi\n        claims:\n          - name: gpu\n',
        1,
    )
    assert _lint(tmp_path, text, "api-validation") == [
        (
            _line(text, "ephemeral-storage: 2Gi"),
            'Unsupported value: "ephemeral-storage": pod-level resources support cpu, memory and hugepages-<size> only; set it on the containers',
        ),
        (_line(text, "claims:"), "Forbidden: claims cannot be set for Resources at pod-level"),
    ]
    hugepages = _lint(tmp_path, text.replace("ephemeral-storage", "hugepages-2Mi"), "api-validation")
    assert not [message for _, message in hugepages if "Unsupported value" in message]
