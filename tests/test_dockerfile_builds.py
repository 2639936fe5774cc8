"""Dockerfiles as they are built: --build-arg and --target from the config and the flags, and the
rules re-graded for how images run (non-root bases, ONBUILD, artifact stages, HEALTHCHECK only
for images a manifest runs, templates, one finding per COPY --from line)."""

from __future__ import annotations

from pathlib import Path

from conftest import run_lint
from k8slint.findings import Severity
from k8slint.model.dockerfile import DockerBuild
from k8slint.model.objects import SourceFile
from k8slint.sources.dockerfiles import parse_dockerfile


def _codes(result, *codes: str) -> list[tuple[str, int, str]]:
    return sorted((Path(f.location.file).name, f.location.line, f.code) for f in result.findings if f.code in codes)


def _parse(text: str, build: DockerBuild | None = None):
    doc, problems = parse_dockerfile(SourceFile("Dockerfile", text), build or DockerBuild())
    return doc, problems


# --- build arguments -------------------------------------------------------------------------

GO_SERVICE = """\
# syntax=docker/dockerfile:1
ARG GO_VERSION
ARG BASE=gcr.io/distroless/static-debian12:nonroot
FROM golang:${GO_VERSION}-alpine AS build
WORKDIR /src
COPY . .
RUN CGO_ENABLED=0 go build -o /out/server ./cmd/server

FROM ${BASE}
ARG PORT=8080
EXPOSE ${PORT}
COPY --from=build /out/server /server
ENTRYPOINT ["/server"]
"""


def test_a_build_argument_gives_a_global_arg_without_default_its_value() -> None:
    doc, _ = _parse(GO_SERVICE)
    assert doc is not None and not doc.stages[0].resolved  # golang:${GO_VERSION}-alpine is unknown
    doc, _ = _parse(GO_SERVICE, DockerBuild({"GO_VERSION": "1.24"}))
    assert doc is not None and doc.stages[0].resolved and doc.stages[0].base == "golang:1.24-alpine"


def test_a_build_argument_overrides_defaults_in_global_scope_and_in_a_stage() -> None:
    doc, _ = _parse(GO_SERVICE, DockerBuild({"BASE": "alpine:3.21", "PORT": "9090"}))
    assert doc is not None
    assert doc.stages[1].base == "alpine:3.21"
    assert doc.stages[1].variables["PORT"] == "9090"


def test_a_build_argument_is_taken_as_given_and_needs_an_arg() -> None:
    # BuildKit does not lex a build argument's value, and one the file does not declare has no effect
    doc, _ = _parse('FROM alpine:3.21\nARG NAME="x"\nENV GREETING=$NAME\n', DockerBuild({"NAME": '"quoted" $HOME', "OTHER": "1"}))
    assert doc is not None
    assert doc.stages[0].variables["NAME"] == '"quoted" $HOME'
    assert "OTHER" not in doc.stages[0].variables


def test_build_args_from_the_config_resolve_the_base_image(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text("ARG PY\nFROM python:${PY}\nUSER 10001\n")
    # an unknown tag is not checked; with the build argument, python:latest is the image
    assert _codes(run_lint(".", cwd=tmp_path), "KR006") == []
    (tmp_path / ".k8slint.yaml").write_text("build-args:\n  PY: latest\n")
    assert _codes(run_lint(".", cwd=tmp_path), "KR006") == [("Dockerfile", 2, "KR006")]


def test_an_images_build_args_apply_to_its_dockerfile_only(tmp_path: Path) -> None:
    (tmp_path / "api").mkdir()
    (tmp_path / "worker").mkdir()
    for name in ("api", "worker"):
        (tmp_path / name / "Dockerfile").write_text("ARG RUN_AS=10001\nFROM python:3.12-slim\nARG RUN_AS\nUSER ${RUN_AS}\n")
    (tmp_path / ".k8slint.yaml").write_text(
        "build-args:\n  RUN_AS: '10002'\nimages:\n  ghcr.io/acme/api:\n    dockerfile: api/Dockerfile\n    build-args:\n      RUN_AS: root\n"
    )
    assert _codes(run_lint(".", cwd=tmp_path), "DF002") == [("Dockerfile", 4, "DF002")]
    found = [f for f in run_lint(".", cwd=tmp_path).findings if f.code == "DF002"]
    assert found[0].location.file.endswith("api/Dockerfile")


def test_build_args_in_the_config_must_be_strings(tmp_path: Path, cli) -> None:
    (tmp_path / "Dockerfile").write_text("FROM python:3.12-slim\nUSER 10001\n")
    (tmp_path / ".k8slint.yaml").write_text("build-args:\n  PY: 3.10\n")
    result = cli("check", str(tmp_path))
    assert result.exit_code == 2
    assert "build-args" in result.output and "string" in result.output


def test_the_build_arg_flag(tmp_path: Path, cli, monkeypatch) -> None:
    (tmp_path / "Dockerfile").write_text('ARG USER_ID\nFROM python:3.12-slim\nARG USER_ID\nUSER ${USER_ID}\nCMD ["python"]\n')
    assert cli("check", "--no-config", str(tmp_path)).exit_code == 0
    result = cli("check", "--no-config", "--build-arg", "USER_ID=0", "--format", "json", str(tmp_path))
    assert '"DF002"' in result.output and "which is root" in result.output
    monkeypatch.setenv("USER_ID", "root")
    result = cli("check", "--no-config", "--build-arg", "USER_ID", "--format", "json", str(tmp_path))
    assert "'root', which is root" in result.output
    monkeypatch.delenv("USER_ID")
    result = cli("check", "--no-config", "--build-arg", "USER_ID", "--format", "json", str(tmp_path))
    assert '"DF002"' not in result.output  # unset in the environment: no value, as docker build


# --- targets ---------------------------------------------------------------------------------

MULTI_TARGET = """\
FROM python:3.12-slim AS base
RUN useradd --uid 10001 app
WORKDIR /app
COPY . .

FROM base AS dev
RUN pip install -e .[dev]
CMD flask run --debug

FROM base AS prod
RUN pip install .
USER 10001
CMD ["gunicorn", "app:app"]
"""


def test_the_target_stage_is_the_image_the_rules_look_at(tmp_path: Path, cli) -> None:
    (tmp_path / "Dockerfile").write_text(MULTI_TARGET)
    # the last stage (prod) is fine
    assert _codes(run_lint(".", cwd=tmp_path), "DF002", "DF003") == []
    (tmp_path / ".k8slint.yaml").write_text("images:\n  ghcr.io/acme/app-dev:\n    dockerfile: Dockerfile\n    target: dev\n")
    # built to dev: it runs as root, and its CMD is in shell form
    assert _codes(run_lint(".", cwd=tmp_path), "DF002", "DF003") == [("Dockerfile", 6, "DF002"), ("Dockerfile", 8, "DF003")]
    result = cli("check", "--no-config", "--target", "DEV", "--format", "json", str(tmp_path))
    assert '"line": 6' in result.output and "the target stage dev sets no USER" in result.output


def test_several_targets_are_each_checked(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text(MULTI_TARGET.replace("USER 10001\n", "USER 0\n"))
    (tmp_path / ".k8slint.yaml").write_text(
        "images:\n  ghcr.io/acme/app-dev:\n    dockerfile: Dockerfile\n    target: dev\n"
        "  ghcr.io/acme/app:\n    dockerfile: Dockerfile\n    target: prod\n"
    )
    assert _codes(run_lint(".", cwd=tmp_path), "DF002") == [("Dockerfile", 6, "DF002"), ("Dockerfile", 12, "DF002")]


def test_a_target_flag_skips_dockerfiles_without_that_stage(tmp_path: Path, cli) -> None:
    (tmp_path / "app").mkdir()
    (tmp_path / "tool").mkdir()
    (tmp_path / "app" / "Dockerfile").write_text(MULTI_TARGET)
    (tmp_path / "tool" / "Dockerfile").write_text('FROM alpine:3.21\nUSER 10001\nCMD ["tool"]\n')
    result = cli("check", "--no-config", "--target", "dev", "--format", "json", str(tmp_path))
    assert "tool/Dockerfile" not in result.output
    assert "DF004" not in result.output


def test_a_configured_target_that_names_no_stage_fails_the_build(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text(MULTI_TARGET)
    (tmp_path / ".k8slint.yaml").write_text("images:\n  ghcr.io/acme/app:\n    dockerfile: Dockerfile\n    target: production\n")
    found = [f for f in run_lint(".", cwd=tmp_path).findings if f.code == "DF004"]
    assert [(f.location.line, f.severity) for f in found] == [(1, Severity.ERROR)]
    assert "'production'" in found[0].message and "stages: base, dev, prod" in found[0].message


def test_a_container_is_compared_with_the_stage_its_image_is_built_to(tmp_path: Path) -> None:
    # dev listens on 5000 (flask run), prod on 8000; the Deployment runs the dev image on 5000
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "Dockerfile").write_text(
        MULTI_TARGET.replace("CMD flask run --debug", 'EXPOSE 5000\nUSER 10001\nCMD ["flask", "run"]').replace(
            'CMD ["gunicorn", "app:app"]', 'EXPOSE 8000\nCMD ["gunicorn", "app:app"]'
        )
    )
    (tmp_path / "deploy.yaml").write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: app}\nspec:\n  selector: {matchLabels: {app: a}}\n"
        "  template:\n    metadata: {labels: {app: a}}\n    spec:\n      containers:\n"
        "      - name: app\n        image: ghcr.io/acme/app-dev:1.0\n        ports: [{containerPort: 5000}]\n"
    )
    (tmp_path / ".k8slint.yaml").write_text("images:\n  ghcr.io/acme/app-dev:\n    dockerfile: app/Dockerfile\n    target: dev\n")
    assert _codes(run_lint(".", cwd=tmp_path), "DF008") == []
    (tmp_path / ".k8slint.yaml").write_text("images:\n  ghcr.io/acme/app-dev:\n    dockerfile: app/Dockerfile\n")
    # built to the last stage (prod, EXPOSE 8000), port 5000 is not exposed and 8000 unused
    assert _codes(run_lint(".", cwd=tmp_path), "DF008") == [("Dockerfile", 15, "DF008"), ("deploy.yaml", 12, "DF008")]


def test_image_user_not_numeric_follows_the_target(tmp_path: Path) -> None:
    (tmp_path / "orders").mkdir()
    (tmp_path / "orders" / "Dockerfile").write_text(
        'FROM python:3.12-slim AS debug\nRUN useradd app\nUSER app\nCMD ["python"]\n\n'
        'FROM python:3.12-slim AS release\nUSER 10001\nCMD ["python"]\n'
    )
    (tmp_path / "deploy.yaml").write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: orders}\nspec:\n  selector: {matchLabels: {app: o}}\n"
        "  template:\n    metadata: {labels: {app: o}}\n    spec:\n      securityContext: {runAsNonRoot: true}\n"
        "      containers:\n      - name: orders\n        image: ghcr.io/shop/orders-debug:1\n"
    )
    assert _codes(run_lint(".", cwd=tmp_path), "DF013") == []
    (tmp_path / ".k8slint.yaml").write_text("images:\n  ghcr.io/shop/orders-debug:\n    dockerfile: orders/Dockerfile\n    target: debug\n")
    found = [f for f in run_lint(".", cwd=tmp_path).findings if f.code == "DF013"]
    assert [(Path(f.location.file).name, f.location.line, f.severity) for f in found] == [("deploy.yaml", 9, Severity.ERROR)]
    assert [r.location.line for r in found[0].related] == [3]


# --- dockerfile-root-user ---------------------------------------------------------------------


def test_root_user_on_real_files(tmp_path: Path) -> None:
    cases = {
        # dotnet/dotnet-docker samples/aspnetapp/Dockerfile.chiseled
        "chiseled.Dockerfile": (
            "FROM --platform=$BUILDPLATFORM mcr.microsoft.com/dotnet/sdk:9.0 AS build\nARG TARGETARCH\nWORKDIR /source\n"
            "COPY aspnetapp/*.csproj .\nRUN dotnet restore -a $TARGETARCH\nCOPY aspnetapp/. .\n"
            "RUN dotnet publish -a $TARGETARCH --no-restore -o /app\n\n"
            "FROM mcr.microsoft.com/dotnet/aspnet:9.0-noble-chiseled\nEXPOSE 8080\nWORKDIR /app\n"
            'COPY --from=build /app .\nENTRYPOINT ["./aspnetapp"]\n',
            [],
        ),
        # dotnet/dotnet-docker samples/aspnetapp/Dockerfile (USER $APP_UID on the Debian image)
        "app-uid.Dockerfile": (
            "FROM mcr.microsoft.com/dotnet/sdk:9.0 AS build\nWORKDIR /source\nCOPY . .\nRUN dotnet publish -o /app\n\n"
            "FROM mcr.microsoft.com/dotnet/aspnet:9.0\nEXPOSE 8080\nWORKDIR /app\nCOPY --from=build /app .\n"
            'USER $APP_UID\nENTRYPOINT ["./aspnetapp"]\n',
            [],
        ),
        # jupyter/docker-stacks images/scipy-notebook/Dockerfile, shortened: ends as jovyan
        "jupyter.Dockerfile": (
            "ARG REGISTRY=quay.io\nARG OWNER=jupyter\nARG BASE_IMAGE=$REGISTRY/$OWNER/minimal-notebook\nFROM $BASE_IMAGE\n"
            'SHELL ["/bin/bash", "-o", "pipefail", "-c"]\nUSER root\nRUN apt-get update --yes\nUSER ${NB_UID}\n'
            "RUN mamba install --yes altair\n",
            [],
        ),
        "jupyter-derived.Dockerfile": ("FROM quay.io/jupyter/scipy-notebook:2025-01-06\nRUN pip install altair\n", []),
        "dotnet-6-chiseled.Dockerfile": ("FROM mcr.microsoft.com/dotnet/aspnet:6.0-jammy-chiseled\nCOPY . /app\n", [1]),
        # a grafana/loki-style artifact stage: nothing runs in it
        "artifacts.Dockerfile": (
            "FROM golang:1.24 AS build\nRUN go build -o /out/loki ./cmd/loki\nFROM scratch AS export\nCOPY --from=build /out/ /\n",
            [],
        ),
        "scratch-binary.Dockerfile": (
            'FROM golang:1.24 AS build\nRUN go build -o /loki ./cmd/loki\nFROM scratch\nCOPY --from=build /loki /loki\nENTRYPOINT ["/loki"]\n',
            [3],
        ),
        # jenkinsci/docker-inbound-agent style base image: the triggers switch user in every child
        "onbuild.Dockerfile": ("FROM debian:bookworm-slim\nRUN useradd -u 1000 jenkins\nONBUILD USER jenkins\n", []),
        "onbuild-root.Dockerfile": ("FROM debian:bookworm-slim\nONBUILD USER root\n", [1]),
    }
    for name, (text, lines) in cases.items():
        (tmp_path / name).write_text(text)
        found = [f.location.line for f in run_lint(tmp_path / name).findings if f.code == "DF002"]
        assert found == lines, name


# --- dockerfile-shell-form-entrypoint ------------------------------------------------------------


def test_shell_form_entrypoint_cases(tmp_path: Path) -> None:
    cases = {
        "CMD exec gunicorn --bind :$PORT --workers 1 app:app": [],
        'CMD ["sh", "-c", "gunicorn --bind :$PORT app:app"]': [3],
        'CMD ["/bin/sh", "-ec", "python manage.py migrate && gunicorn app:app"]': [3],
        'CMD ["sh", "-c", "exec gunicorn --bind :$PORT app:app"]': [],
        'CMD ["bash", "-c", "gunicorn --bind :$PORT app:app"]': [],  # bash execs a lone simple command
        'CMD ["bash", "-c", "python migrate.py; gunicorn app:app"]': [3],
        'CMD ["bash", "-c", "gunicorn app:app > /var/log/app.log"]': [3],
        "CMD gunicorn app:app": [3],
    }
    for cmd, lines in cases.items():
        (tmp_path / "Dockerfile").write_text(f"FROM python:3.12-slim\nUSER 10001\n{cmd}\n")
        assert [f.location.line for f in run_lint(tmp_path / "Dockerfile").findings if f.code == "DF003"] == lines, cmd


# --- dockerfile-add-instead-of-copy --------------------------------------------------------------


def test_add_of_a_repository_named_by_an_arg(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text(
        "FROM golang:1.24 AS build\n"
        "ARG BUILDKIT_REPO=https://github.com/moby/buildkit.git\n"
        "ARG BUILDKIT_REF=v0.20.0\n"
        "ADD ${BUILDKIT_REPO}#${BUILDKIT_REF} /src\n"
        "ARG PATCHES=hack/patches\n"
        "ADD ${PATCHES} /patches\n"
        "ADD --keep-git-dir=true https://github.com/moby/moby.git /moby\n"
        "ADD https://example.com/tool.tar.gz /tmp/\n"
    )
    assert _codes(run_lint(tmp_path / "Dockerfile"), "DF005") == [("Dockerfile", 6, "DF005")]


# --- dockerfile-missing-healthcheck --------------------------------------------------------------


def test_missing_healthcheck_only_for_an_image_a_manifest_runs_without_probes(tmp_path: Path) -> None:
    (tmp_path / "web").mkdir()
    (tmp_path / "web" / "Dockerfile").write_text('FROM python:3.12-slim\nUSER 10001\nCMD ["gunicorn", "app:app"]\n')
    assert _codes(run_lint(".", cwd=tmp_path), "DF006") == []  # no manifest runs it: nothing known
    deployment = (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  selector: {matchLabels: {app: w}}\n"
        "  template:\n    metadata: {labels: {app: w}}\n    spec:\n      containers:\n"
        "      - name: web\n        image: ghcr.io/acme/web:1.0\nPROBE"
    )
    (tmp_path / "deploy.yaml").write_text(deployment.replace("PROBE", ""))
    found = [f for f in run_lint(".", cwd=tmp_path).findings if f.code == "DF006"]
    assert [(Path(f.location.file).name, f.location.line) for f in found] == [("Dockerfile", 1)]
    assert [Path(r.location.file).name for r in found[0].related] == ["deploy.yaml"]
    (tmp_path / "deploy.yaml").write_text(deployment.replace("PROBE", "        readinessProbe: {httpGet: {path: /, port: 8000}}\n"))
    assert _codes(run_lint(".", cwd=tmp_path), "DF006") == []


# --- templates ---------------------------------------------------------------------------------

# dotnet/dotnet-docker eng/dockerfile-templates/runtime-deps/Dockerfile (a Cottle template), its head
COTTLE_TEMPLATE = """\
{{
    set dotnetVersion to join(slice(split(PRODUCT_VERSION, "."), 0, 2), ".") ^
    set isAlpine to find(OS_VERSION, "alpine") >= 0 ^
    set baseImageTag to cat(ARCH_VERSIONED, "/", OS_VERSION_BASE)
}}FROM {{baseImageTag}}

{{if isAlpine:RUN apk add --upgrade --no-cache \\
        ca-certificates-bundle \\
        libgcc^else:RUN apt-get update \\
    && apt-get install -y --no-install-recommends \\
        ca-certificates \\
    && rm -rf /var/lib/apt/lists/*}}

ENV \\
    # Configure web servers to bind to port 8080 when present
    ASPNETCORE_HTTP_PORTS=8080 \\
    # Enable detection of running in a container
    DOTNET_RUNNING_IN_CONTAINER=true
"""

JINJA_TEMPLATE = """\
FROM {{ base_image }}:{{ base_tag }}
LABEL maintainer="{{ maintainer }}"
{% for package in packages %}
RUN apt-get install -y {{ package }}
{% endfor %}
{% if user %}
USER {{ user }}
{% endif %}
CMD {{ command | tojson }}
"""


def test_a_template_is_one_finding(tmp_path: Path) -> None:
    for name, text, line in (("Dockerfile.linux", COTTLE_TEMPLATE, 1), ("Dockerfile", JINJA_TEMPLATE, 1)):
        (tmp_path / name).write_text(text)
        found = run_lint(tmp_path / name).findings
        assert [(f.code, f.location.line, f.severity) for f in found] == [("DF001", line, Severity.INFO)], name
        assert "template" in found[0].message
        (tmp_path / name).unlink()


def test_template_syntax_inside_instructions_is_not_a_template(tmp_path: Path) -> None:
    # Go templates in a RUN or HEALTHCHECK argument are the command's, not the file's
    (tmp_path / "Dockerfile").write_text(
        "FROM alpine:3.21\n"
        "RUN docker inspect --format '{{.State.Health.Status}}' x || true\n"
        "RUN cat <<EOF > /etc/app.tmpl\n{{ range .Items }}{{ .Name }}{{ end }}\n{% raw %}\nEOF\n"
        "USER 10001\n"
        'HEALTHCHECK CMD wget -q -O- "http://localhost/{{health}}" || exit 1\n'
        'CMD ["app"]\n'
    )
    assert [f.code for f in run_lint(tmp_path / "Dockerfile").findings if f.code == "DF001"] == []


# --- one finding per COPY --from line ------------------------------------------------------------


def test_a_variable_in_copy_from_is_one_finding(tmp_path: Path) -> None:
    # BuildKit refuses it outright; dockerfile-unknown-stage used to add its own finding on the line
    (tmp_path / "Dockerfile").write_text(
        "ARG VARIANT=alpine\nFROM golang:1.24 AS build-alpine\nRUN go build -o /out/app\n"
        "FROM alpine:3.21\nARG VARIANT\nCOPY --from=build-${VARIANT} /out/app /app\nCOPY --from=$VARIANT /x /x\nUSER 10001\n"
    )
    found = [(f.location.line, f.code) for f in run_lint(tmp_path / "Dockerfile").findings if f.code in ("DF001", "DF004")]
    assert found == [(6, "DF001"), (7, "DF001")]


def test_a_fragment_without_from_is_one_finding_but_a_plain_dockerfile_without_from_is_an_error(tmp_path: Path) -> None:
    # dotnet/dotnet-docker eng/dockerfile-templates/Dockerfile.env.container: continuation lines of an ENV
    fragment = "# Enable detection of running in a container\n    DOTNET_RUNNING_IN_CONTAINER=true\n"
    comments = "# .NET globalization APIs will use invariant mode by default\n# (set by the base runtime-deps image)\n"
    for name, text, expected in (
        ("Dockerfile.env.container", fragment, [(2, Severity.INFO)]),
        ("Dockerfile.alpine.invariant-mode", comments, [(1, Severity.INFO)]),
        ("Dockerfile", 'RUN make\nCMD ["app"]\n', [(1, Severity.ERROR)]),
        ("Dockerfile", comments, [(1, Severity.ERROR)]),
    ):
        (tmp_path / name).write_text(text)
        found = [(f.location.line, f.severity) for f in run_lint(tmp_path / name).findings if f.code == "DF001"]
        assert found == expected, name
        (tmp_path / name).unlink()


def test_a_template_action_spanning_lines_in_an_instruction(tmp_path: Path) -> None:
    # dotnet/dotnet-docker eng/dockerfile-templates/monitor-base/Dockerfile.linux.install-monitor-base
    (tmp_path / "Dockerfile.linux.install-monitor-base").write_text(
        '\n\nRUN dotnet_monitor_version={{ARGS["monitorVersion"]}} \\\n'
        '    && {{InsertTemplate("../Dockerfile.linux.download-appliance", [\n'
        '        "product": "dotnet_monitor_base",\n'
        '        "file-name": "dotnet-monitor-base.tar.gz",\n'
        '        "extract-to": "/app"\n'
        '    ], "    ")}}\n'
    )
    found = [(f.code, f.location.line, f.severity) for f in run_lint(tmp_path).findings]
    assert found == [("DF001", 3, Severity.INFO)]


def test_a_shell_that_traps_sigterm_handles_the_shutdown(tmp_path: Path) -> None:
    # temporalio/temporal docker/targets/admin-tools.Dockerfile: the shell traps TERM and waits
    cases = {
        'CMD ["sh", "-c", "trap exit INT HUP TERM; sleep infinity & wait"]': [],
        "CMD trap 'kill $PID' SIGTERM; ./server & PID=$!; wait $PID": [],
        'CMD ["sh", "-c", "trap exit INT; sleep infinity & wait"]': [4],  # INT only: SIGTERM is not handled
    }
    for cmd, lines in cases.items():
        (tmp_path / "Dockerfile").write_text(f"ARG ALPINE_TAG\nFROM debian:bookworm-slim\nUSER 10001\n{cmd}\n")
        assert [f.location.line for f in run_lint(tmp_path / "Dockerfile").findings if f.code == "DF003"] == lines, cmd


def test_root_user_leaves_windows_images_and_local_images_alone(tmp_path: Path) -> None:
    cases = {
        # docker-library/golang 1.26/windows/windowsservercore-ltsc2022/Dockerfile: no root on Windows
        "windows.Dockerfile": ("FROM mcr.microsoft.com/windows/servercore:ltsc2022\nENV GOPATH C:\\\\go\n", []),
        # dotnet/dotnet-docker src/aspnet/9.0/nanoserver-ltsc2022/amd64/Dockerfile
        "nanoserver.Dockerfile": ("ARG REPO=mcr.microsoft.com/dotnet/runtime\nFROM $REPO:9.0.19-nanoserver-ltsc2022\nENV A=1\n", []),
        # jenkinsci/docker tests/functions/Dockerfile: bats-jenkins is built and tagged by the tests from
        # the repository's Dockerfile (USER jenkins); no official image has that name
        "local.Dockerfile": ("FROM bats-jenkins\nRUN mkdir -p /usr/share/jenkins/ref/.ssh\n", []),
        "official.Dockerfile": ("FROM ubuntu\nRUN apt-get update\n", [1]),
        # spring-petclinic/spring-petclinic-cloud docker/Dockerfile, its final stage cut: adoptopenjdk, a deprecated official image
        # (eclipse-temurin took its place) that still pulls, and runs as root
        "deprecated.Dockerfile": ("FROM adoptopenjdk:11-jre-hotspot\nARG ARTIFACT_NAME\nCOPY ${ARTIFACT_NAME}.jar /application.jar\n", [1]),
        "namespaced.Dockerfile": ("FROM acme/base:1.0\nRUN make\n", [1]),
    }
    for name, (text, lines) in cases.items():
        (tmp_path / name).write_text(text)
        assert [f.location.line for f in run_lint(tmp_path / name).findings if f.code == "DF002"] == lines, name


def test_a_pair_of_env_does_not_see_the_pairs_before_it_in_the_same_instruction() -> None:
    # the Dockerfile reference's "Environment replacement" example
    doc, _ = _parse("FROM alpine:3.21\nENV abc=hello\nENV abc=bye def=$abc\nENV ghi=$abc\n")
    assert doc is not None
    variables = doc.stages[0].variables
    assert (variables["abc"], variables["def"], variables["ghi"]) == ("bye", "hello", "bye")


def test_copy_from_the_stage_itself_is_a_cycle(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text(
        "FROM golang:1.24 AS build\nRUN go build -o /out/app\nCOPY --from=build /out/app /usr/local/bin/app\n"
        "FROM alpine:3.21\nCOPY --from=build /out/app /app\nUSER 10001\n"
    )
    found = [f for f in run_lint(tmp_path / "Dockerfile").findings if f.code == "DF004"]
    assert [(f.location.line, f.severity) for f in found] == [(3, Severity.ERROR)]
    assert "circular dependency" in found[0].message


def test_image_user_not_numeric_reads_the_onbuild_user_of_the_stage_built_on(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text(
        'FROM python:3.12-slim AS base\nRUN useradd app\nONBUILD USER app\n\nFROM base\nCOPY . /app\nCMD ["python", "/app/main.py"]\n'
    )
    found = [f for f in run_lint(tmp_path / "Dockerfile").findings if f.code == "DF013"]
    assert [(f.location.line, f.severity) for f in found] == [(3, Severity.WARNING)]
