"""Native sidecars (init containers with ``restartPolicy: Always``) run beside the app.

Stable since Kubernetes 1.33, beta and on by default since 1.29. The endpoint controllers resolve a
Service's named targetPort in a sidecar's ports since 1.32 (kubernetes pkg/api/v1/pod/util.go FindPort,
pull requests 127976 and 128850); the kubelet counts a sidecar's readiness in the pod's
(pkg/kubelet/status/generate.go GenerateContainersReadyCondition); the HPA sums a sidecar's requests
(pkg/controller/podautoscaler/replica_calculator.go calculatePodRequests, since 1.29).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import run_lint

# A realistic shape: an app with a Cloud SQL proxy and a log shipper as native sidecars, the
# proxy exposing its metrics port by name, and a Service for the metrics scraper.
APP = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: orders
  namespace: shop
spec:
  replicas: 2
  selector:
    matchLabels:
      app: orders
  template:
    metadata:
      labels:
        app: orders
    spec:
      initContainers:
        - name: migrate
          image: ghcr.io/acme/orders-migrate:2.3.1
          args: ["up"]
          resources:
            requests: {cpu: 50m, memory: 64Mi}
            limits: {memory: 64Mi}
        - name: cloud-sql-proxy
          image: gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.14.1
          restartPolicy: Always
          args: ["--port=5432", "--http-port=9801", "--prometheus", "acme:europe-west1:orders"]
          ports:
            - name: proxy-metrics
              containerPort: 9801
          SIDECAR_PROBES
          resources:
            requests: SIDECAR_REQUESTS
            limits: {memory: 128Mi}
      containers:
        - name: api
          image: ghcr.io/acme/orders:2.3.1
          ports:
            - name: http
              containerPort: 8080
          readinessProbe:
            httpGet: {path: /ready, port: http}
          livenessProbe:
            httpGet: {path: /live, port: http}
          resources:
            requests: {cpu: 250m, memory: 256Mi}
            limits: {memory: 256Mi}
---
apiVersion: v1
kind: Service
metadata:
  name: orders-metrics
  namespace: shop
spec:
  selector:
    app: orders
  ports:
    - name: metrics
      port: 9801
      targetPort: proxy-metrics
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: orders
  namespace: shop
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: orders}
  minReplicas: 2
  maxReplicas: 10
  metrics:
    - type: Resource
      resource:
        name: cpu
        target: {type: Utilization, averageUtilization: 70}
"""

PROBES = """readinessProbe:
            httpGet: {path: /readiness, port: proxy-metrics}
          livenessProbe:
            httpGet: {path: /liveness, port: proxy-metrics}"""


def _app(probes: bool = True, cpu: bool = True) -> str:
    requests = "{cpu: 25m, memory: 128Mi}" if cpu else "{memory: 128Mi}"
    return APP.replace("SIDECAR_PROBES", PROBES if probes else "# no probes").replace("SIDECAR_REQUESTS", requests)


def _lint(tmp_path: Path, text: str, rule: str, version: str | None = None) -> list[tuple[int, str]]:
    target = tmp_path / "orders.yaml"
    target.write_text(text, encoding="utf-8")
    overrides: dict[str, object] = {"select": [rule]}
    if version is not None:
        overrides["kubernetes_version"] = version
    result = run_lint(target, **overrides)
    return sorted((f.location.line, f.message) for f in result.findings)


def _line(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), start=1) if needle in line)


@pytest.mark.parametrize("version", [None, "1.32", "1.33"])
def test_a_target_port_naming_a_sidecar_port_resolves_since_1_32(tmp_path: Path, version: str | None) -> None:
    assert _lint(tmp_path, _app(), "target-port-unknown", version) == []


@pytest.mark.parametrize("version", ["1.29", "1.31"])
def test_before_1_32_a_sidecar_port_gives_no_endpoint(tmp_path: Path, version: str) -> None:
    text = _app()
    [(line, message)] = _lint(tmp_path, text, "target-port-unknown", version)
    assert line == _line(text, "targetPort: proxy-metrics")
    assert "sidecar 'cloud-sql-proxy'" in message and "since 1.32" in message


def test_a_port_of_an_init_container_that_runs_to_completion_never_resolves(tmp_path: Path) -> None:
    text = _app().replace("          restartPolicy: Always\n", "").replace(PROBES, "# no probes")
    [(line, message)] = _lint(tmp_path, text, "target-port-unknown")
    assert line == _line(text, "targetPort: proxy-metrics")
    assert "not a port name" in message and "their names: http" in message


@pytest.mark.parametrize(("rule", "probe"), [("missing-readiness-probe", "readinessProbe"), ("missing-liveness-probe", "livenessProbe")])
def test_a_sidecar_is_long_running_and_wants_probes(tmp_path: Path, rule: str, probe: str) -> None:
    text = _app(probes=False)
    assert _lint(tmp_path, text, rule) == [(_line(text, "- name: cloud-sql-proxy"), f"container 'cloud-sql-proxy' has no {probe}")]
    assert _lint(tmp_path, _app(), rule) == []


def test_before_1_29_a_sidecar_is_an_ordinary_init_container(tmp_path: Path) -> None:
    assert _lint(tmp_path, _app(probes=False), "missing-readiness-probe", "1.28") == []


@pytest.mark.parametrize("rule", ["probe-port-unknown", "probe-misconfigured"])
def test_probes_of_a_sidecar_on_its_own_named_port_are_clean(tmp_path: Path, rule: str) -> None:
    assert _lint(tmp_path, _app(), rule) == []


def test_the_autoscaler_needs_the_requests_of_a_sidecar_too(tmp_path: Path) -> None:
    text = _app(cpu=False)
    [(line, message)] = _lint(tmp_path, text, "hpa-without-requests")
    assert line == _line(text, "scaleTargetRef:")
    assert "container 'cloud-sql-proxy'" in message
    assert _lint(tmp_path, _app(), "hpa-without-requests") == []
    assert _lint(tmp_path, text, "hpa-without-requests", "1.28") == []
