"""`k8slint fix`: edits on the text where exactly one answer is right, and nothing else changes."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import FIXTURES, ROOT
from k8slint.config import build_settings, find_config
from k8slint.docs import render_rule_docs
from k8slint.fix import check_declarations, fix_paths, fixers, identity
from k8slint.registry import registry

# An old manifest in the style of kubernetes/examples' _archived guestbook, comments and all.
GUESTBOOK = """\
# Guestbook frontend, kept from the old examples repository.
apiVersion: v1
kind: Service
metadata:
  name: frontend
  labels:
    app: guestbook
    tier: frontend
spec:
  # comment this out on a cluster without a load balancer
  type: LoadBalancer
  ports:
    # the port that this service should serve on
  - port: 80
    targetPort: htpp   # a typo
  selector:
    app: guestbook
    tier: frontend
---
apiVersion: extensions/v1beta1   # old!
kind: Deployment
metadata:
  name: frontend
spec:
  # this replicas value is default
  # modify it according to your case
  replicas: 3
  template:
    metadata:
      labels:
        app: guestbook
        tier: frontend
    spec:
      containers:
      - name: php-redis
        image: gcr.io/google-samples/gb-frontend:v4
        resources:
          requests:
            cpu: 100m
            memory: 100Mi
        env:
        - name: GET_HOSTS_FROM
          value: dns
          # If your cluster config does not include a dns service, then to
          # instead access environment variables to find service host
          # info, comment out the 'value: dns' line above.
        - name: GET_HOSTS_FROM
          value: env
        ports:
        - name: http
          containerPort: 80
        readinessProbe:
          httpGet: {path: /, port: htp}
---
apiVersion: batch/v1beta1
kind: CronJob
metadata:
  name: "backup"
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers:
            - name: backup
              image: "busybox:1.36"
              command: ["sh", "-c", "echo backup"]
"""

GUESTBOOK_FIXED = (
    GUESTBOOK.replace("targetPort: htpp   # a typo", "targetPort: http   # a typo")
    .replace(
        "apiVersion: extensions/v1beta1   # old!\nkind: Deployment\nmetadata:\n  name: frontend\nspec:\n",
        "apiVersion: apps/v1   # old!\nkind: Deployment\nmetadata:\n  name: frontend\nspec:\n"
        "  selector:\n    matchLabels:\n      app: guestbook\n      tier: frontend\n"
        "  strategy:\n    type: RollingUpdate\n    rollingUpdate:\n      maxUnavailable: 1\n      maxSurge: 1\n"
        "  revisionHistoryLimit: 2147483647\n  progressDeadlineSeconds: 2147483647\n",
    )
    .replace("        - name: GET_HOSTS_FROM\n          value: dns\n", "")
    .replace("port: htp}", "port: http}")
    .replace("apiVersion: batch/v1beta1", "apiVersion: batch/v1")
)


def _k8slint(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "k8slint", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def _repo(tmp_path: Path, files: dict[str, str]) -> Path:
    (tmp_path / ".git").mkdir()
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
    return tmp_path


def test_an_old_manifest_is_fixed_on_its_text(tmp_path: Path) -> None:
    repo = _repo(tmp_path, {"frontend.yaml": GUESTBOOK})
    done = _k8slint("fix", ".", cwd=repo)
    assert done.returncode == 0, done.stderr
    assert (repo / "frontend.yaml").read_text(encoding="utf-8") == GUESTBOOK_FIXED
    assert done.stdout.splitlines() == [
        "fixed ./frontend.yaml:15:5 KN026 target-port-unknown: targetPort 'htpp' -> 'http', the declared port name it misspells",
        "fixed ./frontend.yaml:20:1 KM002 removed-api: apiVersion extensions/v1beta1 -> apps/v1 (with spec.selector from the "
        "template labels; spec.strategy, spec.revisionHistoryLimit, spec.progressDeadlineSeconds as extensions/v1beta1 defaulted them)",
        "fixed ./frontend.yaml:47:11 KR026 duplicate-env: removed the earlier GET_HOSTS_FROM of container 'php-redis'; the last one wins",
        "fixed ./frontend.yaml:53:30 KR015 probe-port-unknown: readinessProbe port 'htp' -> 'http', the declared port name it misspells",
        "fixed ./frontend.yaml:55:1 KM002 removed-api: apiVersion batch/v1beta1 -> batch/v1",
        "5 fixes in 1 file; 14 findings left (k8slint check shows them)",
    ]
    # idempotent: nothing more to do, and --diff agrees
    again = _k8slint("fix", "--diff", ".", cwd=repo)
    assert again.returncode == 0 and again.stdout == ""
    check = _k8slint("check", "--format", "json", ".", cwd=repo)
    assert '"severity": "error"' not in check.stdout


def test_diff_writes_nothing_and_exits_1(tmp_path: Path) -> None:
    repo = _repo(tmp_path, {"k8s/frontend.yaml": GUESTBOOK, "chart/Chart.yaml": "apiVersion: v2\nname: demo\nversion: 1.2  # keep\n"})
    done = _k8slint("fix", "--diff", ".", cwd=repo)
    assert done.returncode == 1
    assert (repo / "k8s/frontend.yaml").read_text(encoding="utf-8") == GUESTBOOK
    assert "--- a/chart/Chart.yaml\n+++ b/chart/Chart.yaml\n" in done.stdout
    assert '-version: 1.2  # keep\n+version: "1.2.0"  # keep\n' in done.stdout
    assert "--- a/k8s/frontend.yaml\n+++ b/k8s/frontend.yaml\n" in done.stdout
    assert "-apiVersion: batch/v1beta1\n+apiVersion: batch/v1\n" in done.stdout
    assert 'would fix ./chart/Chart.yaml:3:1 CH001 chart-version-not-semver: chart version 1.2 -> "1.2.0"' in done.stderr
    # the diff applies as it is printed
    patch = subprocess.run(["git", "apply", "-"], cwd=repo, input=done.stdout, text=True, capture_output=True)
    assert patch.returncode == 0, patch.stderr
    assert (repo / "k8s/frontend.yaml").read_text(encoding="utf-8") == GUESTBOOK_FIXED


def test_crlf_and_a_byte_order_mark_are_kept(tmp_path: Path) -> None:
    text = "\ufeff" + GUESTBOOK.replace("\n", "\r\n")
    repo = _repo(tmp_path, {"frontend.yaml": text})
    assert _k8slint("fix", ".", cwd=repo).returncode == 0
    raw = (repo / "frontend.yaml").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert raw.decode("utf-8-sig") == GUESTBOOK_FIXED.replace("\n", "\r\n")


DECLINED = """\
apiVersion: policy/v1beta1
kind: PodDisruptionBudget
metadata:
  name: everything
spec:
  minAvailable: 1
  selector: {}
---
apiVersion: v1
kind: Pod
metadata:
  name: worker
spec:
  containers:
    - name: worker
      image: ghcr.io/acme/worker:2.0.1
      env:
        - name: MODE
          value: fast
        - name: FLAGS
          value: "--mode=$(MODE)"
        - name: MODE
          value: slow
      ports:
        - {name: http, containerPort: 8080}
        - {name: htpp, containerPort: 8081}
      readinessProbe:
        httpGet: {path: /, port: htp}
"""


def test_no_single_right_answer_is_left_alone_and_said(tmp_path: Path) -> None:
    repo = _repo(tmp_path, {"old.yaml": DECLINED})
    done = _k8slint("fix", "--kubernetes-version", "1.25", ".", cwd=repo)
    assert done.returncode == 0, done.stderr
    assert (repo / "old.yaml").read_text(encoding="utf-8") == DECLINED
    lines = done.stdout.splitlines()
    assert any(
        line.startswith("not fixed ./old.yaml:1:1 KM002 removed-api: an empty or missing selector selects no pod in policy/v1beta1")
        for line in lines
    ), lines
    assert "not fixed ./old.yaml:22:11 KR026 duplicate-env: an entry refers to $(MODE) between the two: it reads the earlier value" in lines
    assert any(line.startswith("not fixed ./old.yaml:28:28 KR015 probe-port-unknown: 'htp' is not a typo of exactly one") for line in lines)


def test_a_fix_that_would_bring_in_an_error_is_undone(tmp_path: Path) -> None:
    # batch/v1 requires what batch/v1beta1, which the target does not serve, was not checked for
    text = "apiVersion: batch/v1beta1\nkind: CronJob\nmetadata:\n  name: backup\n"
    repo = _repo(tmp_path, {"cron.yaml": text})
    done = _k8slint("fix", ".", cwd=repo)
    assert (repo / "cron.yaml").read_text(encoding="utf-8") == text
    assert done.stdout.splitlines()[0] == (
        "not fixed ./cron.yaml:1:1 KM002 removed-api: the fixed object would have an error "
        "(KL010 schema-violation: required field 'spec' is missing)"
    )


def test_a_suppressed_finding_is_not_fixed(tmp_path: Path) -> None:
    text = GUESTBOOK.replace("targetPort: htpp   # a typo", "targetPort: htpp   # k8slint: ignore=target-port-unknown")
    repo = _repo(tmp_path, {"frontend.yaml": text})
    assert _k8slint("fix", ".", cwd=repo).returncode == 0
    assert "targetPort: htpp   # k8slint: ignore=target-port-unknown" in (repo / "frontend.yaml").read_text(encoding="utf-8")


def test_flow_sequences_and_other_shapes(tmp_path: Path) -> None:
    text = """\
apiVersion: apps/v1beta2
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: db
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers:
        - name: db
          image: postgres:16.4
          env: [{name: A, value: "1"}, {name: B, value: "2"}, {name: A, value: "3"}]
"""
    repo = _repo(tmp_path, {"db.yaml": text})
    assert _k8slint("fix", ".", cwd=repo).returncode == 0
    fixed = (repo / "db.yaml").read_text(encoding="utf-8")
    assert fixed == text.replace("apps/v1beta2", "apps/v1").replace('[{name: A, value: "1"}, {name: B', "[{name: B")


def test_a_workload_without_a_selector_gets_its_template_labels(tmp_path: Path) -> None:
    text = """\
apiVersion: apps/v1beta1
kind: StatefulSet
metadata:
    name: db
spec:
    serviceName: db
    template:
        metadata:
            labels:
                app: db
                "app.kubernetes.io/part-of": "shop"
        spec:
            containers:
            -   name: db
                image: postgres:16.4
"""
    repo = _repo(tmp_path, {"db.yaml": text})
    assert _k8slint("fix", ".", cwd=repo).returncode == 0
    assert (repo / "db.yaml").read_text(encoding="utf-8") == text.replace("apps/v1beta1", "apps/v1").replace(
        "spec:\n    serviceName: db\n",
        "spec:\n    selector:\n        matchLabels:\n            app: db\n            app.kubernetes.io/part-of: shop\n"
        "    updateStrategy:\n        type: OnDelete\n    serviceName: db\n",
    )


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="needs kubectl for --render")
def test_what_a_kustomize_build_makes_is_not_rewritten(tmp_path: Path) -> None:
    cron = "apiVersion: batch/v1beta1\nkind: CronJob\nmetadata:\n  name: backup\nspec:\n  schedule: '0 3 * * *'\n"
    cron += "  jobTemplate:\n    spec:\n      template:\n        spec:\n          restartPolicy: OnFailure\n"
    cron += "          containers:\n            - {name: backup, image: 'busybox:1.36'}\n"
    repo = _repo(tmp_path, {"base/cron.yaml": cron, "base/kustomization.yaml": "resources:\n  - cron.yaml\n"})
    done = _k8slint("fix", "--render", ".", cwd=repo)
    assert done.returncode == 0, done.stderr
    assert (repo / "base/cron.yaml").read_text(encoding="utf-8") == cron
    assert "not fixed ./base/cron.yaml:1:1 KM002 removed-api: not rewritten: linted as `kustomize build ./base` makes it" in done.stdout
    # as written, the file is fixed
    assert _k8slint("fix", "--no-render", ".", cwd=repo).returncode == 0
    assert (repo / "base/cron.yaml").read_text(encoding="utf-8") == cron.replace("batch/v1beta1", "batch/v1")


INGRESS = """\
# The public entry point (kubernetes/examples style).
apiVersion: extensions/v1beta1
kind: Ingress
metadata:
  name: web
  annotations:
    kubernetes.io/ingress.class: nginx
spec:
  backend:
    serviceName: web
    servicePort: 80
  rules:
  - host: shop.example.com
    http:
      paths:
      - path: /api
        backend:
          servicePort: http  # named on the Service
          serviceName: api   # the API
      - path: /
        pathType: Prefix
        backend: {serviceName: web, servicePort: 80}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: api}
spec:
  selector: {app: api}
  ports: [{name: http, port: 80, targetPort: 8080}]
"""


def test_an_old_ingress_gets_v1_backends(tmp_path: Path) -> None:
    repo = _repo(tmp_path, {"ingress.yaml": INGRESS})
    done = _k8slint("fix", ".", cwd=repo)
    assert done.returncode == 0, done.stderr
    expected = (
        INGRESS.replace("apiVersion: extensions/v1beta1", "apiVersion: networking.k8s.io/v1")
        .replace(
            "  backend:\n    serviceName: web\n    servicePort: 80\n",
            "  defaultBackend:\n    service:\n      name: web\n      port:\n        number: 80\n",
        )
        .replace(
            "      - path: /api\n        backend:\n          servicePort: http  # named on the Service\n          serviceName: api   # the API\n",
            "      - path: /api\n        pathType: ImplementationSpecific\n        backend:\n          service:\n"
            "            port:\n              name: http  # named on the Service\n            name: api   # the API\n",
        )
        .replace("backend: {serviceName: web, servicePort: 80}", "backend: {service: {name: web, port: {number: 80}}}")
    )
    assert (repo / "ingress.yaml").read_text(encoding="utf-8") == expected
    check = _k8slint("check", "--format", "json", ".", cwd=repo)
    assert '"severity": "error"' not in check.stdout, check.stdout


HPA = """\
apiVersion: autoscaling/v2beta1
kind: HorizontalPodAutoscaler
metadata:
  name: web
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 2
  maxReplicas: 10
  metrics:
  - type: Resource
    resource:
      name: cpu
      targetAverageUtilization: 70   # percent of the request
  - type: Pods
    pods:
      metricName: requests_per_second
      targetAverageValue: 100
"""


def test_an_old_autoscaler_gets_v2_targets(tmp_path: Path) -> None:
    repo = _repo(tmp_path, {"hpa.yaml": HPA})
    assert _k8slint("fix", ".", cwd=repo).returncode == 0
    assert (repo / "hpa.yaml").read_text(encoding="utf-8") == (
        HPA.replace("autoscaling/v2beta1", "autoscaling/v2")
        .replace(
            "      targetAverageUtilization: 70   # percent of the request\n",
            "      target:\n        type: Utilization\n        averageUtilization: 70   # percent of the request\n",
        )
        .replace(
            "      metricName: requests_per_second\n      targetAverageValue: 100\n",
            "      metric:\n        name: requests_per_second\n      target:\n        type: AverageValue\n        averageValue: 100\n",
        )
    )
    # a metric selector moves into metric.selector in v2: left for the user
    selected = HPA.replace("      targetAverageValue: 100\n", "      targetAverageValue: 100\n      selector: {matchLabels: {app: web}}\n")
    (repo / "hpa.yaml").write_text(selected, encoding="utf-8")
    done = _k8slint("fix", ".", cwd=repo)
    assert (repo / "hpa.yaml").read_text(encoding="utf-8") == selected
    assert "the metrics cannot be rewritten on the text: a metric selector" in done.stdout


def test_json_stays_json(tmp_path: Path) -> None:
    import json

    cron = {
        "apiVersion": "batch/v1beta1",
        "kind": "CronJob",
        "metadata": {"name": "backup"},
        "spec": {
            "schedule": "0 3 * * *",
            "jobTemplate": {
                "spec": {
                    "template": {
                        "spec": {
                            "restartPolicy": "OnFailure",
                            "containers": [
                                {
                                    "name": "backup",
                                    "image": "busybox:1.36",
                                    "env": [{"name": "A", "value": "1"}, {"name": "A", "value": "2"}],
                                }
                            ],
                        }
                    }
                }
            },
        },
    }
    deployment = {
        "apiVersion": "extensions/v1beta1",
        "kind": "Deployment",
        "metadata": {"name": "web"},
        "spec": {"template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "web", "image": "nginx:1.25.3"}]}}},
    }
    repo = _repo(tmp_path, {"cron.json": json.dumps(cron, indent=2) + "\n", "web.json": json.dumps(deployment, indent=2) + "\n"})
    done = _k8slint("fix", ".", cwd=repo)
    assert done.returncode == 0, done.stderr
    fixed = json.loads((repo / "cron.json").read_text(encoding="utf-8"))
    assert fixed["apiVersion"] == "batch/v1"
    assert fixed["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]["env"] == [{"name": "A", "value": "2"}]
    assert '"apiVersion": "batch/v1",' in (repo / "cron.json").read_text(encoding="utf-8")
    # a selector would be a block of YAML in a JSON file: left
    assert json.loads((repo / "web.json").read_text(encoding="utf-8")) == deployment
    assert "not fixed ./web.json:2:3 KM002 removed-api: no safe edit: a JSON file: a block of fields is not written into it" in done.stdout


def test_the_cli_refuses_standard_input_and_nothing_to_fix(tmp_path: Path) -> None:
    done = _k8slint("fix", "-", cwd=tmp_path)
    assert done.returncode == 2 and "cannot read standard input" in done.stderr
    (tmp_path / "empty").mkdir()
    done = _k8slint("fix", "empty", cwd=tmp_path)
    assert done.returncode == 2 and "nothing to fix: no file to lint was found in empty" in done.stderr
    assert _k8slint("fix", "--allow-empty", "empty", cwd=tmp_path).returncode == 0


def _cases() -> list[Path]:
    return sorted(p for p in (FIXTURES / "rules").glob("*/*") if p.name.startswith(("pass_", "fail_")))


@pytest.mark.parametrize("case", _cases(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_fixture_after_fixing(case: Path, tmp_path: Path) -> None:
    """The findings a fix fixed are gone, no new error appears, and a second run changes nothing."""
    from k8slint.engine import lint
    from k8slint.findings import Severity

    if case.is_dir():
        folder = tmp_path / case.name
        shutil.copytree(case, folder)
        target = "."
    else:
        folder = tmp_path
        shutil.copy(case, folder / case.name)
        target = case.name
    here = Path.cwd()
    os.chdir(folder)
    try:
        settings = build_settings(registry(), find_config(folder) if case.is_dir() else None)
        before = lint([target], settings).findings
        run = fix_paths([target], settings)
        for path, _, new in run.changed.values():
            Path(path).write_text(new, encoding="utf-8")
        again = fix_paths([target], settings)
    finally:
        os.chdir(here)
    if not run.applied:
        assert not run.changed
    fixed = {identity(item.finding) for item in run.applied}
    assert not fixed & {identity(f) for f in run.remaining}
    errors_before = {identity(f) for f in before if f.severity is Severity.ERROR}
    assert [f for f in run.remaining if f.severity is Severity.ERROR and identity(f) not in errors_before] == []
    assert again.changed == {} and again.applied == []


def test_every_fix_is_documented_with_its_rule() -> None:
    table = fixers()
    for code in table:
        rule = registry()[code]
        assert rule.fix and "## Autofix" in render_rule_docs(rule)
    with pytest.raises(RuntimeError, match="fixes without docs"):
        check_declarations({**table, "KR001": table["KR026"]}, registry())


def test_a_misspelt_field_is_renamed_to_the_field_it_misspells(tmp_path: Path) -> None:
    """karpenter-provider-aws's examples/workloads: `allowPrivilegedEscalation: false`, which kubectl refuses and
    a client that does not validate drops. A mapping that sets the right field too is left alone, and said."""
    text = (
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: inflate\nspec:\n  containers:\n  - name: inflate\n"
        "    image: public.ecr.aws/eks-distro/kubernetes/pause:3.7\n    securityContext:\n"
        "      allowPrivilegedEscalation: false  # keep it off\n"
        "  - name: other\n    image: public.ecr.aws/eks-distro/kubernetes/pause:3.7\n    imagePullPolicy: Always\n"
        "    ImagePullPolicy: IfNotPresent\n"
    )
    repo = _repo(tmp_path, {"pod.yaml": text})
    done = _k8slint("fix", "pod.yaml", cwd=repo)
    assert done.returncode in (0, 1), done.stderr
    fixed = (repo / "pod.yaml").read_text()
    assert "      allowPrivilegeEscalation: false  # keep it off\n" in fixed
    assert "    ImagePullPolicy: IfNotPresent\n" in fixed  # imagePullPolicy is set too: left to the user
    assert "imagePullPolicy is set beside ImagePullPolicy" in done.stdout + done.stderr
