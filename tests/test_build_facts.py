"""What k8slint knows about how images and charts run: shell command lines as PID 1,
the users of well-known base images, and which chart files Helm reads as templates."""

from __future__ import annotations

import pytest
import yaml

from conftest import ROOT
from k8slint.model.baseusers import known_images, known_user
from k8slint.model.shellcmd import execs_program, shell_script
from k8slint.sources.helmtemplates import HelmIgnore, is_partial, is_template_member

DIGEST = "sha256:" + "8" * 64


@pytest.mark.parametrize(
    ("line", "replaced"),
    [
        ('exec gunicorn wsgi:server --bind "0.0.0.0:${PORT}"', True),
        ("exec gunicorn --bind :$PORT --workers 1 main:app", True),
        ("cd /app && exec node server.js", True),
        ("python manage.py migrate; exec uvicorn app:app", True),
        ("PORT=8080 exec gunicorn app:app", True),
        ("exec 2>&1 gunicorn app:app", True),
        ("exec gunicorn app:app;", True),
        ("gunicorn app:app", False),
        ("exec python manage.py migrate && gunicorn app:app", False),
        ("echo exec gunicorn", False),
        ("exec >/tmp/log 2>&1; gunicorn app:app", False),
        ("exec >/tmp/log", False),
        ("exec gunicorn app:app | tee /tmp/log", False),
        ("exec gunicorn app:app || sleep 5", False),
        ("exec gunicorn app:app &", False),
        ('exec gunicorn "unterminated', False),
        ("", False),
    ],
)
def test_exec_replaces_the_shell_only_as_the_last_command(line: str, replaced: bool) -> None:
    assert execs_program(line) is replaced


def test_shell_script_of_an_exec_form_command() -> None:
    assert shell_script(("sh", "-c", "exec x")) == "exec x"
    assert shell_script(("/bin/bash", "-ec", "x")) == "x"
    assert shell_script(("python", "-c", "x")) is None
    assert shell_script(("sh", "/entrypoint.sh")) is None
    assert shell_script(("sh", "-c")) is None


@pytest.mark.parametrize(
    ("image", "user"),
    [
        (f"gcr.io/distroless/static-debian12:nonroot@{DIGEST}", "65532"),
        ("gcr.io/distroless/base-debian12:debug-nonroot", "65532"),
        ("gcr.io/distroless/java21-debian12:nonroot-arm64", "65532"),
        ("cgr.dev/chainguard/static:latest", "65532"),
        ("nginxinc/nginx-unprivileged:1.27-alpine", "101"),
        ("docker.io/nginxinc/nginx-unprivileged", "101"),
        ("gcr.io/distroless/static-debian12", None),
        ("gcr.io/distroless/static-debian12:debug", None),
        (f"gcr.io/distroless/static-debian12@{DIGEST}", None),
        ("cgr.dev/chainguard/wolfi-base", None),
        ("nginx:1.27", None),
        ("docker.elastic.co/kibana/kibana-oss:6.0.0", "kibana"),
        ("docker.elastic.co/logstash/logstash-oss:6.8.23", "logstash"),
        ("docker.elastic.co/kibana/kibana:8.15.0", "1000"),
        ("docker.elastic.co/logstash/logstash:9.0.1", "1000"),
        ("docker.elastic.co/kibana/kibana:7.17.0", None),  # not known: not listed
        ("docker.elastic.co/elasticsearch/elasticsearch-oss:6.0.0", None),  # starts as root
        ("prom/prometheus:v2.4.2", "nobody"),  # spring-petclinic-cloud's docker/prometheus/Dockerfile
        ("quay.io/prometheus/prometheus:v3.1.0", "nobody"),
        ("prom/prometheus:v1.8.2", None),  # v1.x ran as root
        ("grafana/grafana:5.2.4", "grafana"),  # spring-petclinic-cloud's docker/grafana/Dockerfile
        ("grafana/grafana:5.1.0-beta1", "grafana"),
        ("grafana/grafana:5.0.4", None),  # started as root, gosu in run.sh
        ("grafana/grafana:10.4.2", None),  # not known: not listed
        ("hashicorp/consul-k8s-control-plane", "100"),  # consul-k8s's control-plane/Dockerfile.dev
        ("docker.io/hashicorp/consul-k8s-control-plane:1.9.1-ubi", "100"),
        ("hashicorp/consul-k8s", None),  # the image before the 2021 rename: not listed
        ("not an image", None),
    ],
)
def test_known_base_image_users(image: str, user: str | None) -> None:
    found = known_user(image)
    assert (found.user if found else None) == user


def test_every_known_base_image_is_cited_in_the_rule_docs() -> None:
    docs = yaml.safe_load((ROOT / "rules" / "DF002-dockerfile-root-user.yaml").read_text(encoding="utf-8"))["docs"]["what"]
    for entry in known_images():
        assert entry.user.source, entry
        assert f"`{entry.repository.removeprefix('docker.io/')}`" in docs, entry.repository
        user = entry.user.user
        assert (f"uid {user}" if user.isdigit() else f"`USER {user}`") in docs, entry.repository


# helm pkg/ignore rules_test.go TestIgnore, case for case: (pattern, path, ignored); in its
# testdata cargo and mast are folders, the rest files
HELM_IGNORE_CASES = [
    ("helm.txt", "helm.txt", True),
    ("helm.*", "helm.txt", True),
    ("helm.*", "rudder.txt", False),
    ("*.txt", "tiller.txt", True),
    ("*.txt", "cargo/a.txt", True),
    ("cargo/*.txt", "cargo/a.txt", True),
    ("cargo/*.*", "cargo/a.txt", True),
    ("cargo/*.txt", "mast/a.txt", False),
    ("ru[c-e]?er.txt", "rudder.txt", True),
    ("templates/.?*", "templates/.dotfile", True),
    (".*", ".", False),
    (".*", "./", False),
    (".*", ".joonix", True),
    (".*", "helm.txt", False),
    (".*", "", False),
    ("cargo/", "cargo", True),
    ("cargo/", "cargo/", True),
    ("cargo/", "mast/", False),
    ("helm.txt/", "helm.txt", False),
    ("!helm.txt", "helm.txt", False),
    ("!helm.txt", "tiller.txt", True),
    ("!*.txt", "cargo", True),
    ("!cargo/", "mast/", True),
    ("/a.txt", "a.txt", True),
    ("/a.txt", "cargo/a.txt", False),
    ("/cargo/a.txt", "cargo/a.txt", True),
]


@pytest.mark.parametrize(("pattern", "path", "ignored"), HELM_IGNORE_CASES)
def test_helmignore_as_helm_tests_it(pattern: str, path: str, ignored: bool) -> None:
    is_dir = path.rstrip("/") in ("cargo", "mast", ".")
    assert HelmIgnore(pattern).ignored(path, is_dir) is ignored


def test_a_helmignore_helm_refuses_leaves_only_the_default_rule() -> None:
    for text in ("foo/**/bar", "[z-"):
        rules = HelmIgnore(text)
        assert len(rules.rules) == 1 and not rules.ignored("foo/x/bar", False)


@pytest.mark.parametrize(
    ("helmignore", "rel_folder", "name", "read"),
    [
        (None, "", "deployment.yaml", True),
        (None, "", "raycluster.yaml.j2", True),
        (None, "", "NOTES.txt", True),
        (None, "", "_helpers.tpl", True),
        (None, "", "Caddyfile", True),
        (None, "config", "settings.json", True),
        (None, "tests", ".hidden.yaml", True),
        (None, "", ".draft.yaml", False),
        ("*.md\n", "", "README.md", False),
        ("templates/drafts/\n", "", "drafts", False),
        ("# backups\n*.bak\n", "config", "settings.json.bak", False),
    ],
)
def test_helm_reads_every_file_under_templates_but_the_ignored(helmignore: str | None, rel_folder: str, name: str, read: bool) -> None:
    keep_dir, keep_file = HelmIgnore(helmignore).template_filter()
    keep = keep_dir if name == "drafts" else keep_file
    assert keep(rel_folder, name) is read


def test_package_members_and_partials() -> None:
    assert is_template_member("redis/templates/config/redis.conf")
    assert not is_template_member("redis/values.yaml")
    assert not is_template_member("redis/templates")
    assert is_partial("charts/redis/templates/_helpers.tpl")
    assert not is_partial("templates/NOTES.txt")
