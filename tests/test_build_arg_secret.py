"""dockerfile-secret-in-build-arg: ARG and ENV values that write a credential into the image."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import run_lint
from k8slint.findings import Severity


def _found(tmp_path: Path, text: str) -> list[tuple[int, Severity]]:
    (tmp_path / "Dockerfile").write_text(text)
    return [(f.location.line, f.severity) for f in run_lint(tmp_path / "Dockerfile").findings if f.rule == "dockerfile-secret-in-build-arg"]


@pytest.mark.parametrize(
    "line",
    [
        "ARG ADMIN_PASSWORD=admin",
        'ARG GITHUB_TOKEN="ghp_16C7e42F292c6912E7710c838347Ae178B4a"',
        "ARG DJANGO_SECRET_KEY='django-insecure-0x8r@k2!v'",
        "ENV POSTGRES_PASSWORD postgres",
        "ENV APP_ENV=prod JWT_SECRET=s3cr3t-signing-value",
        "ENV apiKey=AIzaSyA1b2C3d4E5f6G7h8I9j0",
    ],
)
def test_literal_credentials_are_reported(tmp_path: Path, line: str) -> None:
    assert _found(tmp_path, f"FROM alpine:3.20\n{line}\nUSER 1000\n") == [(2, Severity.WARNING)]


@pytest.mark.parametrize(
    "line",
    [
        "ARG NPM_TOKEN",
        "ARG NPM_TOKEN=$CI_NPM_TOKEN",
        "ARG NPM_TOKEN=${CI_NPM_TOKEN:-}",
        'ARG DB_PASSWORD=""',
        "ARG API_KEY=changeme",
        "ARG API_KEY=your-api-key-here",
        "ARG API_KEY=YOUR_API_KEY",
        "ARG API_KEY=<api-key>",
        "ARG API_KEY=xxxxxxxx",
        "ENV MYSQL_ALLOW_EMPTY_PASSWORD=yes",
        "ENV REDIS_PASSWORD=false",
        "ENV GOOGLE_APPLICATION_CREDENTIALS=/secrets/key.json",
        "ENV PASSWORD_FILE=/run/secrets/password",
        "ENV TOKEN_TTL=3600s SECRET_NAME=app",
        "ENV ETCD_INITIAL_CLUSTER_TOKEN=etcd-cluster-1",
        "ENV OAUTH_TOKEN_URL=https://auth.example.com/oauth/token",
        "ENV PUBLIC_KEY_PATH=C:\\keys\\pub.pem",
    ],
)
def test_references_switches_paths_and_placeholders_are_not(tmp_path: Path, line: str) -> None:
    assert _found(tmp_path, f"FROM alpine:3.20\n{line}\nUSER 1000\n") == []
