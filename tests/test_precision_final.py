"""False findings the final review of public repositories found, each with its realistic shape."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import run_lint

ALB_SERVICE = """\
apiVersion: v1
kind: Service
metadata:
  name: rollouts-demo-root
spec:
  selector: {app: rollouts-demo}
  ports:
    - port: 80
      targetPort: 8080
"""


def _alb_ingress(name: str, backend: str, annotations: str = "") -> str:
    return f"""\
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: {name}
  annotations:
    kubernetes.io/ingress.class: alb{annotations}
spec:
  rules:
    - http:
        paths:
          - path: /*
            pathType: ImplementationSpecific
            backend:
              service:
{backend}
"""


ACTION = """
    alb.ingress.kubernetes.io/actions.rollouts-demo-root: |
      {"Type":"forward","ForwardConfig":{"TargetGroups":[{"ServiceName":"rollouts-demo-root","ServicePort":"80"}]}}"""


def test_an_alb_action_backend_names_no_service_port(tmp_path: Path) -> None:
    """AWS Load Balancer Controller: `port.name: use-annotation` names the actions.<name> annotation."""
    backend = "                name: rollouts-demo-root\n                port:\n                  name: use-annotation"
    (tmp_path / "ingress.yaml").write_text(ALB_SERVICE + "---\n" + _alb_ingress("demo", backend, ACTION))
    assert not {f.rule for f in run_lint(tmp_path).findings} & {"ingress-backend-port-unknown", "ingress-backend-missing"}
    # Argo Rollouts writes the action annotation at run time: the manifest has only the port name
    (tmp_path / "ingress.yaml").write_text(ALB_SERVICE + "---\n" + _alb_ingress("demo", backend))
    assert "ingress-backend-port-unknown" not in {f.rule for f in run_lint(tmp_path).findings}
    # any other name is a Service port lookup like any other, and this one fails
    (tmp_path / "ingress.yaml").write_text(
        ALB_SERVICE + "---\n" + _alb_ingress("demo", backend.replace("use-annotation", "use-annotations"))
    )
    assert "ingress-backend-port-unknown" in {f.rule for f in run_lint(tmp_path).findings}


def test_alb_ingresses_without_a_group_each_get_their_own_load_balancer(tmp_path: Path) -> None:
    backend = "                name: rollouts-demo-root\n                port:\n                  number: 80"
    two = ALB_SERVICE + "---\n" + _alb_ingress("stable", backend) + "---\n" + _alb_ingress("canary", backend)
    (tmp_path / "ingress.yaml").write_text(two)
    assert "ingress-duplicate-path" not in {f.rule for f in run_lint(tmp_path).findings}
    grouped = "\n    alb.ingress.kubernetes.io/group.name: demo"
    shared = ALB_SERVICE + "---\n" + _alb_ingress("stable", backend, grouped) + "---\n" + _alb_ingress("canary", backend, grouped)
    (tmp_path / "ingress.yaml").write_text(shared)
    assert "ingress-duplicate-path" in {f.rule for f in run_lint(tmp_path).findings}  # one ALB for the group
    (tmp_path / "ingress.yaml").write_text(two.replace("alb", "nginx"))
    assert "ingress-duplicate-path" in {f.rule for f in run_lint(tmp_path).findings}  # ingress-nginx merges them


def test_an_unquoted_argo_expression_is_the_files_own_syntax_error(lint_text) -> None:
    text = (
        "apiVersion: argoproj.io/v1alpha1\nkind: AnalysisTemplate\nmetadata:\n  name: success-rate\nspec:\n"
        "  args:\n    - name: linkerd-enabled\n  metrics:\n    - name: success-rate\n"
        "      successCondition: {{args.linkerd-enabled}} == true\n"
    )
    found = [(f.rule, f.severity.name, f.hint) for f in lint_text(text).findings]
    assert [(rule, severity) for rule, severity, _ in found] == [("yaml-syntax", "ERROR")]
    assert "Quote the value" in (found[0][2] or "")


def test_a_krm_function_config_is_not_an_object(lint_text) -> None:
    text = (
        "apiVersion: example.com/v1\nkind: ValueAnnotator\nmetadata:\n  annotations:\n"
        "    config.kubernetes.io/function: |\n      container:\n        image: example.docker.com/my-functions/valueannotator:1.0.0\n"
        "value: important-data\n"
    )
    result = lint_text(text)
    assert result.findings == []
    assert "KRM function's config" in result.not_kubernetes[0][1]


def test_a_probe_on_a_port_another_container_of_the_pod_declares(lint_text) -> None:
    """JetStream: the HTTP server container declares 8000, the engine container's probe uses it."""
    text = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: maxengine-server
spec:
  replicas: 1
  selector:
    matchLabels: {app: maxengine-server}
  template:
    metadata:
      labels: {app: maxengine-server}
    spec:
      containers:
        - name: maxengine-server
          image: us-docker.pkg.dev/cloud-tpu-images/inference/maxengine-server:v0.2.2
          ports:
            - containerPort: 9000
          readinessProbe:
            httpGet: {path: /healthcheck, port: 8000}
        - name: jetstream-http
          image: us-docker.pkg.dev/cloud-tpu-images/inference/jetstream-http:v0.2.2
          ports:
            - containerPort: 8000
"""
    assert "probe-port-unknown" not in {f.rule for f in lint_text(text).findings}
    assert "probe-port-unknown" in {f.rule for f in lint_text(text.replace("containerPort: 8000", "containerPort: 8001")).findings}


def test_plain_manifests_in_a_chart_folder_outside_its_templates_are_linted(tmp_path: Path) -> None:
    """nemo-rl: a chart folder whose README applies extra/ with kubectl; chart-testing values in ci/."""
    (tmp_path / ".git").mkdir()
    chart = tmp_path / "nemoRL"
    for folder in ("templates", "extra", "ci"):
        (chart / folder).mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: nemoRL\nversion: 0.1.0\ndescription: d\nappVersion: '1'\n")
    (chart / "values.yaml").write_text("replicas: 1\n")
    (chart / "ci" / "default-values.yaml").write_text("")
    (chart / "templates" / "cm.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\n")
    (chart / "extra" / "pod.yaml").write_text(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: ray-head}\nspec:\n  containers:\n    - name: ray\n"
        "      image: rayproject/ray:2.40.0\n      resources:\n        requests: {memory: 2Gi}\n        limits: {memory: 1Gi}\n"
    )
    walked = run_lint(tmp_path, cwd=tmp_path)
    assert "request-exceeds-limit" in {f.rule for f in walked.findings}
    assert "empty-file" not in {f.rule for f in walked.findings}
    named = run_lint(str(chart / "extra" / "pod.yaml"), cwd=tmp_path)
    assert "request-exceeds-limit" in {f.rule for f in named.findings}


def test_a_k6_base_image_runs_as_its_own_user(tmp_path: Path) -> None:
    """opentelemetry-demo's load generator: grafana/k6 images end with USER 12345 (k6)."""
    (tmp_path / "Dockerfile").write_text(
        'FROM grafana/k6:2.2.0-with-browser\nCOPY script.js .\nHEALTHCHECK NONE\nENTRYPOINT ["k6", "run", "script.js"]\n'
    )
    assert "dockerfile-root-user" not in {f.rule for f in run_lint(tmp_path).findings}
    (tmp_path / "Dockerfile").write_text(
        (tmp_path / "Dockerfile").read_text().replace("grafana/k6", "alpine").replace("2.2.0-with-browser", "3.20")
    )
    assert "dockerfile-root-user" in {f.rule for f in run_lint(tmp_path).findings}


def test_an_image_with_a_placeholder_registry_links_to_the_nearest_dockerfile_of_its_name(tmp_path: Path) -> None:
    """kubernetes-engine-samples: four database samples each build docker/chatbot, run as <DOCKER_REPO>/chatbot:1.0."""
    for sample in ("qdrant", "weaviate"):
        (tmp_path / sample / "docker" / "chatbot").mkdir(parents=True)
        (tmp_path / sample / "manifests").mkdir()
        (tmp_path / sample / "docker" / "chatbot" / "Dockerfile").write_text(
            'FROM python:3.12-slim\nUSER 10001\nEXPOSE 8501\nCMD ["streamlit", "run", "app.py"]\n'
        )
        probe = "          readinessProbe:\n            httpGet: {path: /, port: 8501}\n" if sample == "qdrant" else ""
        (tmp_path / sample / "manifests" / "chatbot.yaml").write_text(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: chatbot\nspec:\n  selector:\n    matchLabels: {app: chatbot}\n"
            "  template:\n    metadata:\n      labels: {app: chatbot}\n    spec:\n      containers:\n        - name: chatbot\n"
            "          image: <DOCKER_REPO>/chatbot:1.0\n          ports:\n            - containerPort: 8501\n" + probe
        )
    messages = {
        Path(f.location.file).parts[-4]: f.message for f in run_lint(tmp_path).findings if f.rule == "dockerfile-missing-healthcheck"
    }
    assert "qdrant" not in messages  # linked to the qdrant Deployment, which has a readiness probe
    assert "the nearest of 2" in messages["weaviate"] and "has no readiness or liveness probe" in messages["weaviate"]


def test_busybox_ash_replaces_itself_with_the_last_simple_command(tmp_path: Path) -> None:
    """kubernetes-engine-samples adk-vertex: CMD ["sh","-c","uvicorn ..."] on python:3.13-alpine."""
    dockerfile = tmp_path / "Dockerfile"
    body = 'USER 10001\nHEALTHCHECK NONE\nCMD ["sh", "-c", "uvicorn main:app --host 0.0.0.0 --port $PORT"]\n'
    dockerfile.write_text("FROM python:3.13-alpine\n" + body)
    assert "dockerfile-shell-form-entrypoint" not in {f.rule for f in run_lint(tmp_path).findings}
    dockerfile.write_text("FROM python:3.13-slim\n" + body)  # Debian's dash keeps itself as PID 1
    assert "dockerfile-shell-form-entrypoint" in {f.rule for f in run_lint(tmp_path).findings}
    dockerfile.write_text("FROM python:3.13-alpine\n" + body.replace("uvicorn main:app", "uvicorn main:app | tee /tmp/log"))
    assert "dockerfile-shell-form-entrypoint" in {f.rule for f in run_lint(tmp_path).findings}  # a pipe keeps the shell


def test_a_credential_placeholder_spelled_as_a_constant_is_not_a_credential(lint_text) -> None:
    """nemo-rl: `HF_TOKEN: "HF_TOKEN"`, to be replaced before applying."""
    base = (
        "apiVersion: v1\nkind: Pod\nmetadata: {name: nim}\nspec:\n  containers:\n    - name: nim\n"
        "      image: nvcr.io/nim/nvidia/llm-nim:1.8.0\n      env:\n        - name: HF_TOKEN\n          value: {value}\n"
    )
    for placeholder in ('"HF_TOKEN"', "YOUR_HF_TOKEN", "hf_token"):
        assert "plaintext-secret-env" not in {f.rule for f in lint_text(base.replace("{value}", placeholder)).findings}, placeholder
    assert "plaintext-secret-env" in {f.rule for f in lint_text(base.replace("{value}", "hf_aBcD1234EfGh5678")).findings}
