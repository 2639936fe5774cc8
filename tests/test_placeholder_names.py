"""Placeholders inside names: one unrendered-placeholder warning, never an invalid-name or api-validation error,
and never silence (a placeholder in a reference used to be skipped by api-validation and reported by nothing)."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import run_lint
from k8slint.model.placeholders import name_placeholder


@pytest.mark.parametrize(
    ("name", "caps", "expected"),
    [
        ("REPLACEME-canary", True, "REPLACEME"),
        ("ROLLOUT_NAME-active", True, "ROLLOUT_NAME"),
        ("web.CHANGEME.example", True, "CHANGEME"),
        ("APP_NAME", True, "APP_NAME"),
        ("${APP}-svc", True, "${APP}"),
        ("NGINX-ingress", True, None),  # a mis-cased name: invalid-name's error
        ("myApp-svc", True, None),
        ("web", True, None),
        ("REPLACEME-canary", False, None),  # a path segment name may be upper case
    ],
)
def test_name_placeholder(name: str, caps: bool, expected: str | None) -> None:
    assert name_placeholder(name, caps=caps) == expected


def _codes(tmp_path: Path, text: str) -> list[tuple[int, str, str]]:
    (tmp_path / "app.yaml").write_text(text, encoding="utf-8")
    found = run_lint(tmp_path / "app.yaml", select=["KM003", "KM006", "KV001"]).findings
    return sorted((f.location.line, f.code, str(f.severity)) for f in found)


INGRESS = """\
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: {name}
spec:
  ingressClassName: nginx
  rules:
    - http:
        paths:
          - path: /
            pathType: Prefix
            backend:
              service:
                name: {backend}
                port:
                  number: 80
"""


def test_a_placeholder_part_of_a_name_is_a_warning_not_an_error(tmp_path: Path) -> None:
    text = INGRESS.format(name="REPLACEME-ingress", backend="ROLLOUT_NAME-stable")
    assert _codes(tmp_path, text) == [(4, "KM006", "warning"), (14, "KM006", "warning")]


def test_a_template_placeholder_in_a_reference_is_reported_not_skipped(tmp_path: Path) -> None:
    text = INGRESS.format(name="web", backend="${SERVICE_NAME}")
    assert _codes(tmp_path, text) == [(14, "KM006", "warning")]


def test_a_mis_cased_name_stays_an_error(tmp_path: Path) -> None:
    text = INGRESS.format(name="NGINX-ingress", backend="Web-Stable")
    assert _codes(tmp_path, text) == [(4, "KM003", "error"), (14, "KV001", "error")]


def test_a_binding_subject_placeholder(tmp_path: Path) -> None:
    text = """\
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: read
  namespace: apps
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: reader
subjects:
  - kind: ServiceAccount
    name: <SERVICE_ACCOUNT>
    namespace: apps
  - kind: ServiceAccount
    name: Builder
    namespace: apps
"""
    assert _codes(tmp_path, text) == [(12, "KM006", "warning"), (15, "KV001", "error")]
