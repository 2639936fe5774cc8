"""The shipped Todo Chatbot reference deployment is clean, and single breakages of it
make exactly the expected rule fire at the expected file and line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import ROOT, run_lint

REFERENCE = ROOT / "reference" / "todo-chatbot"


def test_reference_is_clean_with_schema_validation_and_strict_mode() -> None:
    result = run_lint(".", cwd=REFERENCE, strict=True)
    assert result.findings == []
    assert result.objects == 11
    assert result.files == 10  # seven manifests, two Dockerfiles, one chart


def test_there_are_at_least_25_mutations() -> None:
    assert len(MUTATIONS) >= 25
    assert len({m[3] for m in MUTATIONS}) >= 25, "each mutation should exercise its own rule"


# (file under the reference folder, text to replace, replacement, rule expected, line of the finding)
MUTATIONS = [
    (
        "manifests/30-backend.yaml",
        "      app.kubernetes.io/name: todo-backend\n      app.kubernetes.io/part-of: todo-chatbot\n  strategy",
        "      app.kubernetes.io/name: todo-backnd\n      app.kubernetes.io/part-of: todo-chatbot\n  strategy",
        "selector-mismatch",
        17,
    ),
    (
        "manifests/40-frontend.yaml",
        "    app.kubernetes.io/name: todo-frontend\n    app.kubernetes.io/part-of: todo-chatbot\n  ports",
        "    app.kubernetes.io/name: todo-fronted\n    app.kubernetes.io/part-of: todo-chatbot\n  ports",
        "service-selector-no-match",
        114,
    ),
    (
        "manifests/20-postgres.yaml",
        "    app.kubernetes.io/name: postgres\n    app.kubernetes.io/part-of: todo-chatbot\n  ports:\n    - name: postgres\n      port: 5432\n      targetPort: postgres\n---\napiVersion: apps/v1",
        "    app.kubernetes.io/name: postgresql\n    app.kubernetes.io/part-of: todo-chatbot\n  ports:\n    - name: postgres\n      port: 5432\n      targetPort: postgres\n---\napiVersion: apps/v1",
        "service-selector-no-match",
        33,
    ),
    ("manifests/30-backend.yaml", "              memory: 256Mi", "              memory: 768Mi", "request-exceeds-limit", 74),
    ("manifests/30-backend.yaml", "              cpu: 250m", "              cpu: 1500m", "request-exceeds-limit", 73),
    (
        "manifests/40-frontend.yaml",
        "      port: 3000\n      targetPort: http",
        "      port: 70000\n      targetPort: http",
        "port-out-of-range",
        118,
    ),
    (
        "manifests/30-backend.yaml",
        "      port: 8000\n      targetPort: http",
        "      port: 8000\n      targetPort: 80000",
        "port-out-of-range",
        127,
    ),
    (
        "manifests/40-frontend.yaml",
        "  ports:\n    - name: http\n      port: 3000\n      targetPort: http",
        "  ports:\n    - name: http\n      port: 3000\n      targetPort: http\n    - name: http\n      port: 3001\n      targetPort: http",
        "duplicate-service-port",
        120,
    ),
    ("manifests/30-backend.yaml", "image: ghcr.io/acme/todo-backend:1.4.2", "image: Backend:latest", "invalid-image-name", 40),
    ("manifests/40-frontend.yaml", "image: ghcr.io/acme/todo-frontend:2.3.0", "image: ghcr.io/acme/todo-frontend", "image-tag-latest", 40),
    ("manifests/20-postgres.yaml", "              memory: 1Gi", "              memory: 1GB", "invalid-quantity", 103),
    ("manifests/20-postgres.yaml", "            storage: 10Gi", "            storage: 10 gigabytes", "invalid-quantity", 151),
    ("manifests/40-frontend.yaml", "              cpu: 500m", '              cpu: "0"', "non-positive-limit", 63),
    ("manifests/10-configmap.yaml", "  LOG_LEVEL: info\n", "  LOG_LEVEL: info\n  LOG_LEVEL: debug\n", "duplicate-key", 13),
    ("manifests/50-ingress.yaml", "  ingressClassName: nginx\n", "  ingressClassName: [nginx\n", "yaml-syntax", 18),
    ("manifests/00-namespace.yaml", "  name: todo-chatbot\n", "", "missing-field", 3),
]

MUTATIONS += [
    ("manifests/30-backend.yaml", "                  key: LOG_LEVEL", "                  key: LOGLEVEL", "missing-configmap-key", 65),
    (
        "manifests/30-backend.yaml",
        "                  name: todo-secrets\n                  key: DATABASE_URL",
        "                  name: todo-secret\n                  key: DATABASE_URL",
        "missing-secret",
        49,
    ),
    (
        "manifests/50-ingress.yaml",
        "                name: backend\n                port:\n                  name: http",
        "                name: backend\n                port:\n                  number: 80",
        "ingress-backend-port-unknown",
        32,
    ),
    ("manifests/50-ingress.yaml", "                name: frontend\n", "                name: fronted\n", "ingress-backend-missing", 37),
    ("manifests/50-ingress.yaml", "          - path: /api\n", "          - path: api\n", "ingress-path", 26),
    ("manifests/50-ingress.yaml", 'limit-rps: "10"', 'limit-rps: "ten"', "rate-limit-annotation", 12),
    (
        "manifests/30-backend.yaml",
        "              path: /health\n              port: http\n            periodSeconds: 10",
        "              path: /healthz\n              port: http\n            periodSeconds: 10",
        "health-endpoint",
        87,
    ),
    (
        "manifests/40-frontend.yaml",
        "            tcpSocket:\n              port: http",
        "            tcpSocket:\n              port: web",
        "probe-port-unknown",
        81,
    ),
    (
        "manifests/20-postgres.yaml",
        '          startupProbe:\n            exec:\n              command: ["pg_isready", "-U", "todo", "-d", "todo", "-h", "127.0.0.1"]\n'
        "            periodSeconds: 5\n            timeoutSeconds: 3\n            failureThreshold: 30\n",
        "",
        "missing-startup-probe",
        73,
    ),
    (
        "manifests/30-backend.yaml",
        "            allowPrivilegeEscalation: false",
        "            allowPrivilegeEscalation: true",
        "privilege-escalation",
        99,
    ),
    (
        "manifests/10-configmap.yaml",
        "  LOG_LEVEL: info\n",
        "  LOG_LEVEL: info\n  OPENAI_API_KEY: sk-live-abc123\n",
        "secret-in-configmap",
        13,
    ),
    (
        "manifests/30-backend.yaml",
        "    app.kubernetes.io/component: api\n    app.kubernetes.io/part-of: todo-chatbot\nspec:",
        "    app.kubernetes.io/component: api!\n    app.kubernetes.io/part-of: todo-chatbot\nspec:",
        "invalid-label",
        10,
    ),
    (
        "manifests/30-backend.yaml",
        "            - name: OPENAI_API_KEY\n              valueFrom:\n                secretKeyRef:\n                  name: todo-secrets\n                  key: OPENAI_API_KEY\n",
        "",
        "required-env",
        45,
    ),
    (
        "manifests/30-backend.yaml",
        "      maxSurge: 1\n      maxUnavailable: 0",
        "      maxSurge: 0\n      maxUnavailable: 0",
        "rollout-stalls",
        21,
    ),
    ("docker/backend.Dockerfile", "USER 10001\n", "", "dockerfile-root-user", 12),
    ("docker/backend.Dockerfile", "COPY --from=build /opt/venv", "COPY --from=buld /opt/venv", "dockerfile-unknown-stage", 16),
    ("docker/frontend.Dockerfile", "EXPOSE 3000", "EXPOSE 3001", "container-port-not-exposed", 23),
    (
        "docker/backend.Dockerfile",
        'CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0", "--port", "8000"]',
        "CMD uvicorn app.main:app --host 0.0.0.0 --port 8000",
        "dockerfile-shell-form-entrypoint",
        25,
    ),
    ("chart/todo-chatbot/Chart.yaml", "version: 1.0.0", 'version: "1.0"', "chart-version-not-semver", 5),
    ("chart/todo-chatbot/values.yaml", "  logLevel: info", "  logLevel: verbose", "values-schema-violation", 8),
    (
        "chart/todo-chatbot/templates/configmap.yaml",
        "  CORS_ORIGIN:",
        "  TIMEZONE: {{ .Values.config.timezone | quote }}\n  CORS_ORIGIN:",
        "undefined-value",
        11,
    ),
    ("chart/todo-chatbot/templates/secret.yaml", "{{- end }}\n", "", "template-syntax", 1),
]


@pytest.mark.parametrize("file,old,new,rule,line", MUTATIONS, ids=[f"{m[3]}@{m[0]}:{m[4]}" for m in MUTATIONS])
def test_single_breakage_fires_exactly_one_rule(tmp_path: Path, file: str, old: str, new: str, rule: str, line: int) -> None:
    copy = tmp_path / "todo-chatbot"
    shutil.copytree(REFERENCE, copy)
    target = copy / file
    text = target.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"the mutation's text must occur exactly once in {file}"
    target.write_text(text.replace(old, new), encoding="utf-8")
    result = run_lint(".", cwd=copy, strict=True)
    found = [(f.rule, Path(f.location.file).name, f.location.line) for f in result.findings]
    assert {f[0] for f in found} == {rule}, found  # exactly the expected rule fires
    assert (rule, Path(file).name, line) in found  # at the expected file and line
