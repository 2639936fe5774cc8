"""The shipped Todo Chatbot reference deployment is clean, and single breakages of it
make exactly the expected rule fire at the expected file and line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import ROOT, run_lint

REFERENCE = ROOT / "reference" / "todo-chatbot"


def test_reference_is_clean() -> None:
    result = run_lint(".", cwd=REFERENCE)
    assert result.findings == []
    assert result.objects == 11


# (file under manifests/, text to replace, replacement, rule expected, line of the finding)
MUTATIONS = [
    ("30-backend.yaml", "      app.kubernetes.io/name: todo-backend\n      app.kubernetes.io/part-of: todo-chatbot\n  strategy",
     "      app.kubernetes.io/name: todo-backnd\n      app.kubernetes.io/part-of: todo-chatbot\n  strategy", "selector-mismatch", 17),
    ("40-frontend.yaml", "    app.kubernetes.io/name: todo-frontend\n    app.kubernetes.io/part-of: todo-chatbot\n  ports",
     "    app.kubernetes.io/name: todo-fronted\n    app.kubernetes.io/part-of: todo-chatbot\n  ports", "service-selector-no-match", 114),
    ("20-postgres.yaml", "    app.kubernetes.io/name: postgres\n    app.kubernetes.io/part-of: todo-chatbot\n  ports:\n    - name: postgres\n      port: 5432\n      targetPort: postgres\n---\napiVersion: apps/v1",
     "    app.kubernetes.io/name: postgresql\n    app.kubernetes.io/part-of: todo-chatbot\n  ports:\n    - name: postgres\n      port: 5432\n      targetPort: postgres\n---\napiVersion: apps/v1", "service-selector-no-match", 33),
    ("30-backend.yaml", "              memory: 256Mi", "              memory: 768Mi", "request-exceeds-limit", 74),
    ("30-backend.yaml", "              cpu: 250m", "              cpu: 1500m", "request-exceeds-limit", 73),
    ("40-frontend.yaml", "              containerPort: 3000", "              containerPort: 70000", "port-out-of-range", 44),
    ("30-backend.yaml", "      port: 8000\n      targetPort: http", "      port: 8000\n      targetPort: 80000", "port-out-of-range", 127),
    ("40-frontend.yaml", "  ports:\n    - name: http\n      port: 3000\n      targetPort: http",
     "  ports:\n    - name: http\n      port: 3000\n      targetPort: http\n    - name: http\n      port: 3001\n      targetPort: http", "duplicate-service-port", 120),
    ("30-backend.yaml", "image: ghcr.io/acme/todo-backend:1.4.2", "image: Backend:latest", "invalid-image-name", 40),
    ("40-frontend.yaml", "image: ghcr.io/acme/todo-frontend:2.3.0", "image: ghcr.io/acme/todo-frontend", "image-tag-latest", 40),
    ("20-postgres.yaml", "              memory: 1Gi", "              memory: 1GB", "invalid-quantity", 103),
    ("20-postgres.yaml", "            storage: 10Gi", "            storage: 10 gigabytes", "invalid-quantity", 151),
    ("40-frontend.yaml", "              cpu: 500m", "              cpu: \"0\"", "non-positive-limit", 63),
    ("10-configmap.yaml", "  LOG_LEVEL: info\n", "  LOG_LEVEL: info\n  LOG_LEVEL: debug\n", "duplicate-key", 13),
    ("50-ingress.yaml", "  ingressClassName: nginx\n", "  ingressClassName: [nginx\n", "yaml-syntax", 18),
    ("00-namespace.yaml", "  name: todo-chatbot\n", "", "missing-field", 3),
]


@pytest.mark.parametrize("file,old,new,rule,line", MUTATIONS, ids=[f"{m[3]}@{m[0]}:{m[4]}" for m in MUTATIONS])
def test_single_breakage_fires_exactly_one_rule(tmp_path: Path, file: str, old: str, new: str, rule: str, line: int) -> None:
    copy = tmp_path / "todo-chatbot"
    shutil.copytree(REFERENCE, copy)
    target = copy / "manifests" / file
    text = target.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"the mutation's text must occur exactly once in {file}"
    target.write_text(text.replace(old, new), encoding="utf-8")
    result = run_lint(".", cwd=copy)
    assert [(f.rule, Path(f.location.file).name, f.location.line) for f in result.findings] == [(rule, file, line)]
