"""Instruction arguments BuildKit's instruction parser refuses (frontend/dockerfile/instructions/parse.go),
reported as dockerfile-syntax at the instruction, and stage names used twice (dockerfile-duplicate-stage)."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import run_lint
from k8slint.findings import Severity


def _syntax(tmp_path: Path, text: str) -> list[tuple[int, str]]:
    (tmp_path / "Dockerfile").write_text(text)
    result = run_lint(tmp_path / "Dockerfile")
    return [(f.location.line, f.message) for f in result.findings if f.rule == "dockerfile-syntax"]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("USER", "USER requires exactly one argument"),
        ("WORKDIR", "WORKDIR requires exactly one argument"),
        ("STOPSIGNAL", "STOPSIGNAL requires exactly one argument"),
        ("ENV", "ENV requires at least one argument"),
        ("LABEL", "LABEL requires at least one argument"),
        ("EXPOSE", "EXPOSE requires at least one argument"),
        ("VOLUME []", "VOLUME requires at least one argument"),
        ("SHELL []", "SHELL requires at least one argument"),
        ("HEALTHCHECK", "HEALTHCHECK requires at least one argument"),
        ("HEALTHCHECK CMD", "Missing command after HEALTHCHECK CMD"),
        ("HEALTHCHECK --interval=5s CMD []", "Missing command after HEALTHCHECK CMD"),
        ("HEALTHCHECK NONE --now", "HEALTHCHECK NONE takes no arguments"),
        ("HEALTHCHECK curl -f http://localhost/", "Unknown type 'CURL' in HEALTHCHECK (try CMD)"),
        ("COPY onlyone", "COPY requires at least two arguments, but only one was provided. Destination could not be determined"),
        ('COPY ["app.py"]', "COPY requires at least two arguments, but only one was provided. Destination could not be determined"),
        ("ADD --chown=app https://example.com/a.tgz", "ADD requires at least two arguments, but only one was provided."),
        ("COPY --from=${BUILDER} /out/app /app", "variable expansion is not supported for --from"),
        ("COPY --from=$STAGE /out/app /app", "variable expansion is not supported for --from"),
        ('VOLUME ["/data", ""]', "VOLUME specified can not be an empty string"),
        ("ONBUILD ONBUILD RUN make", "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed"),
        ("onbuild from alpine:3.20", "FROM isn't allowed as an ONBUILD trigger"),
        ("ONBUILD MAINTAINER someone", "MAINTAINER isn't allowed as an ONBUILD trigger"),
        ("FROM alpine:3.20 base", "FROM requires either one or three arguments"),
        ("FROM alpine:3.20 AS build extra", "FROM requires either one or three arguments"),
        ("FROM alpine:3.20 AS 2nd", "invalid name for build stage: '2nd', name can't start with a number or contain symbols"),
    ],
)
def test_argument_errors_point_at_the_instruction(tmp_path: Path, line: str, message: str) -> None:
    found = _syntax(tmp_path, f'FROM alpine:3.20\nRUN apk add --no-cache curl\n{line}\nCMD ["sh"]\n')
    assert [number for number, _ in found] == [3]
    assert found[0][1].startswith(message)


@pytest.mark.parametrize(
    "line",
    [
        "USER 10001:10001",
        "HEALTHCHECK NONE",
        'HEALTHCHECK --interval=30s --timeout=3s CMD ["wget", "-qO-", "http://127.0.0.1:8080/healthz"]',
        "HEALTHCHECK CMD curl -f http://localhost/ || exit 1",
        "COPY --from=build /out/app /usr/local/bin/app",
        "COPY --from=ghcr.io/acme/tools:1.4 /bin/tool /usr/local/bin/tool",
        "ADD --chown=${UID} app.tar.gz /srv/",
        "COPY <<EOF /etc/app.conf\nport=8080\nEOF",
        "ENV A=1 B=2",
        "ENV LEGACY value with spaces",
        "FROM --platform=$BUILDPLATFORM alpine:3.20 AS build.stage-2_x",
        "EXPOSE 8080/tcp",
        "ONBUILD COPY . /app/src",
        "ONBUILD RUN make build",
        'VOLUME ["/data", "/cache"]',
        "VOLUME /var/lib/app",
        'SHELL ["/bin/ash", "-eo", "pipefail", "-c"]',
    ],
)
def test_valid_arguments_are_not_reported(tmp_path: Path, line: str) -> None:
    assert _syntax(tmp_path, f"FROM alpine:3.20\n{line}\n") == []


def test_every_bad_instruction_is_reported_and_the_rest_is_still_checked(tmp_path: Path) -> None:
    text = "FROM python:3.12-slim AS build\nCOPY requirements.txt\nRUN pip install -r requirements.txt\nFROM build\nUSER\n"
    found = _syntax(tmp_path, text)
    assert [number for number, _ in found] == [2, 5]


def test_a_stage_name_used_twice(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text(
        "FROM node:22-alpine AS build\n"
        "RUN npm ci && npm run build\n"
        "FROM golang:1.24 AS BUILD\n"
        "RUN go build -o /out/api ./cmd/api\n"
        "FROM gcr.io/distroless/static-debian12:nonroot\n"
        "COPY --from=build /out/api /api\n"
    )
    found = [f for f in run_lint(tmp_path / "Dockerfile").findings if f.rule == "dockerfile-duplicate-stage"]
    assert [(f.location.line, f.severity) for f in found] == [(3, Severity.WARNING)]
    assert [r.location.line for r in found[0].related] == [1]
    assert "'build'" in found[0].message


def test_distinct_stage_names_and_unnamed_stages_are_not_reported(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text(
        "FROM alpine:3.20\nRUN true\nFROM alpine:3.20\nRUN true\nFROM alpine:3.20 AS a\nFROM alpine:3.20 AS b\n"
    )
    assert [f for f in run_lint(tmp_path / "Dockerfile").findings if f.rule == "dockerfile-duplicate-stage"] == []
