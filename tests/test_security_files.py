"""Hostile file systems: links out of the repository, FIFOs and devices, deep trees, odd names,
configs that point outside, chart folders that look like flags, `init` through a link."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import ROOT, fake_helm, run_lint

SECRET = "s3cr3t-token-value"
BAD = """apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - name: web
      image: nginx:1.25
      resources:
        requests: {cpu: "2"}
        limits: {cpu: "1"}
"""
FORMATS = ("text", "json", "sarif", "junit", "github")


def k8slint(*args: str, cwd: Path, timeout: float = 20, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
    """The real command in a child process (standard input an open, silent pipe), with a deadline."""
    return subprocess.run(
        [sys.executable, "-m", "k8slint", *args],
        cwd=cwd,
        capture_output=True,
        stdin=subprocess.PIPE,
        timeout=timeout,
        env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
    )


def skipped(result: object) -> dict[str, str]:
    """File name -> message of every skipped-file finding."""
    return {Path(f.location.file).name: f.message for f in result.findings if f.rule == "skipped-file"}  # type: ignore[attr-defined]


def all_text(result: object) -> str:
    return "\n".join(f"{f.message} {f.snippet or ''} {f.location.file}" for f in result.findings)  # type: ignore[attr-defined]


# --- symlinks out of the linted paths ----------------------------------------


def test_links_to_files_outside_are_skipped_never_read(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    (tmp_path / "secret").write_text(f"apiVersion: {SECRET}\nkind: Secret\n")
    (repo / "token.yaml").symlink_to("../secret")
    (repo / "passwd.yaml").symlink_to("/etc/passwd")
    (repo / "bad.yaml").write_text(BAD)
    result = run_lint(repo)
    assert set(skipped(result)) == {"token.yaml", "passwd.yaml"}
    assert "outside the linted paths" in skipped(result)["token.yaml"]
    assert "request-exceeds-limit" in {f.rule for f in result.findings}  # the rest is linted
    for fmt in FORMATS:
        out = k8slint("check", "--format", fmt, ".", cwd=repo)
        assert out.returncode == 1, out.stderr
        assert SECRET.encode() not in out.stdout and b"root:x:0" not in out.stdout
        assert b"token.yaml" in out.stdout


def test_a_link_named_on_the_command_line_must_resolve_inside_its_folder(tmp_path: Path) -> None:
    (tmp_path / "secret").write_text(f"apiVersion: {SECRET}\n")
    (tmp_path / "deploy").mkdir()
    (tmp_path / "deploy" / "token.yaml").symlink_to("../secret")  # as a shell glob deploy/*.yaml names it
    (tmp_path / "deploy" / "real.yaml").write_text(BAD)
    (tmp_path / "deploy" / "alias.yaml").symlink_to("real.yaml")
    result = run_lint(*sorted((tmp_path / "deploy").iterdir()))
    assert set(skipped(result)) == {"token.yaml"}
    assert {Path(f.location.file).name for f in result.findings if f.rule == "request-exceeds-limit"} == {"alias.yaml", "real.yaml"}
    assert SECRET not in all_text(result)


def test_links_to_folders_outside_are_skipped_and_inside_are_linted_once(tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "x.yaml").write_text(BAD)
    repo = tmp_path / "repo"
    (repo / "real").mkdir(parents=True)
    (repo / "real" / "x.yaml").write_text(BAD)
    (repo / "out").symlink_to(outside)
    (repo / "again").symlink_to(repo / "real")
    (repo / "real" / "loop").symlink_to(repo)
    result = run_lint(repo)
    assert skipped(result) == {"out": "a symlink to a folder outside the linted paths; not read"}
    limits = [f.location.file for f in result.findings if f.rule == "request-exceeds-limit"]
    assert [Path(p).relative_to(repo).as_posix() for p in limits] == ["real/x.yaml"]


# --- FIFOs, sockets, devices: never opened for reading -----------------------


@pytest.mark.parametrize("target", ["/dev/stdin", "/dev/zero", "/dev/urandom"])
def test_links_to_devices_do_not_hang_or_fill_memory(tmp_path: Path, target: str) -> None:
    (tmp_path / "dev.yaml").symlink_to(target)
    (tmp_path / "bad.yaml").write_text(BAD)
    started = time.monotonic()
    out = k8slint("check", "--format", "json", ".", cwd=tmp_path, timeout=15)
    assert time.monotonic() - started < 10
    report = json.loads(out.stdout)
    rules = {(f["rule"], Path(f["file"]).name) for f in report["findings"]}
    assert ("skipped-file", "dev.yaml") in rules and ("request-exceeds-limit", "bad.yaml") in rules


def test_a_device_inside_the_linted_paths_is_not_opened(tmp_path: Path) -> None:
    """/dev linted as a folder: every device is a skipped-file, none is opened."""
    folder = tmp_path / "devs"
    folder.mkdir()
    (folder / "null.yaml").symlink_to("/dev/null")
    result = run_lint(folder)
    assert "null.yaml" in skipped(result)
    found = run_lint("/dev/zero")
    assert skipped(found) == {"zero": "a device, not a regular file; not read"}


def test_a_fifo_on_the_command_line_or_in_a_folder_does_not_hang(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.yaml")
    (tmp_path / "sub").mkdir()
    os.mkfifo(tmp_path / "sub" / "inner.yaml")
    (tmp_path / "sub" / "via-link.yaml").symlink_to(tmp_path / "pipe.yaml")
    started = time.monotonic()
    out = k8slint("check", "--format", "json", "pipe.yaml", "sub", cwd=tmp_path, timeout=15)
    assert time.monotonic() - started < 10
    assert out.returncode == 0, out.stderr
    found = {Path(f["file"]).name: f["message"] for f in json.loads(out.stdout)["findings"]}
    assert found == {
        "pipe.yaml": "a FIFO (named pipe), not a regular file; not read",
        "inner.yaml": "a FIFO (named pipe), not a regular file; not read",
        "via-link.yaml": "a FIFO (named pipe), not a regular file; not read",
    }


def test_a_socket_is_skipped(tmp_path: Path) -> None:
    import socket

    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind(str(tmp_path / "s.yaml"))
        assert skipped(run_lint(tmp_path)) == {"s.yaml": "a socket, not a regular file; not read"}
    finally:
        server.close()


def test_a_file_swapped_for_a_fifo_after_discovery_is_not_read(tmp_path: Path) -> None:
    """The type is checked again on the open descriptor, and links are not followed at open time."""
    from k8slint import rulecodes
    from k8slint.sources.discover import InputFile, read_input
    from k8slint.sources.safefs import Roots

    os.mkfifo(tmp_path / "p.yaml")
    (tmp_path / "link.yaml").symlink_to("/etc/passwd")
    roots = Roots.of([str(tmp_path)])
    for name in ("p.yaml", "link.yaml"):
        text, unread = read_input(InputFile(name, str(tmp_path / name), roots))
        assert text is None and unread is not None and unread[0] == rulecodes.SKIPPED_FILE and "not read" in unread[1].message


# --- deep trees and names that are not UTF-8 ---------------------------------


@pytest.fixture
def deep_tree(tmp_path: Path) -> Iterator[Path]:
    """A tree 1,500 folders deep, removed bottom-up afterwards (shutil.rmtree would recurse too deep)."""
    folders = [tmp_path]
    for _ in range(1500):
        folders.append(folders[-1] / "d")
        folders[-1].mkdir()
    (folders[-1] / "bad.yaml").write_text(BAD)
    try:
        yield tmp_path
    finally:
        (folders[-1] / "bad.yaml").unlink()
        for folder in reversed(folders[1:]):
            folder.rmdir()


def test_a_tree_1500_levels_deep_is_cut_with_a_finding(deep_tree: Path) -> None:
    (deep_tree / "bad.yaml").write_text(BAD)
    out = k8slint("check", "--format", "json", ".", cwd=deep_tree, timeout=60)
    assert out.returncode == 1, out.stderr[-500:]
    findings = json.loads(out.stdout)["findings"]
    cut = [f for f in findings if f["rule"] == "skipped-file"]
    assert len(cut) == 1 and cut[0]["message"] == "a folder nested more than 64 levels deep; not read"
    assert cut[0]["file"].count("/d") == 65
    assert [os.path.normpath(f["file"]) for f in findings if f["rule"] == "request-exceeds-limit"] == ["bad.yaml"]


def test_a_file_name_that_is_not_utf8_is_reported_in_every_format(tmp_path: Path) -> None:
    name = os.fsdecode(b"bad\xff\xfe.yaml")
    (tmp_path / name).write_text(BAD)
    folder = tmp_path / os.fsdecode(b"dir\xc3")
    folder.mkdir()
    (folder / "x.yaml").write_text(BAD)
    chart = make_chart(tmp_path / os.fsdecode(b"chart\xff"))
    (chart / "templates" / os.fsdecode(b"t\xfe.yaml")).write_text("kind: ConfigMap\ndata:\n  x: {{ .Values.nothere }}\n")
    result = run_lint(tmp_path)
    files = {Path(f.location.file).relative_to(tmp_path).as_posix() for f in result.findings}
    assert {"bad\\xff\\xfe.yaml", "dir\\xc3/x.yaml", "chart\\xff/templates/t\\xfe.yaml"} <= files
    assert all(name.isprintable() and name.encode("utf-8") for name in files)
    for fmt in FORMATS:
        out = k8slint("check", "--format", fmt, ".", cwd=tmp_path)
        assert out.returncode == 1, out.stderr
        text = out.stdout.decode("utf-8")  # valid UTF-8: the raw bytes are not written
        if fmt != "sarif":
            assert "xff" in text and "xc3" in text, fmt
        if fmt == "json":
            report = json.loads(text)
            assert {"bad\\xff\\xfe.yaml", "dir\\xc3/x.yaml"} <= {os.path.normpath(f["file"]) for f in report["findings"]}
        if fmt == "sarif":  # the URIs name the files themselves, bytes percent-encoded
            uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in json.loads(text)["runs"][0]["results"]}
            assert {"bad%FF%FE.yaml", "dir%C3/x.yaml"} <= uris
        if fmt == "junit":
            import xml.etree.ElementTree as ET

            ET.fromstring(text)


def test_display_path_escapes_only_undecodable_bytes() -> None:
    from k8slint.sources.safefs import display_path

    assert display_path("deploy/app.yaml") == "deploy/app.yaml"
    assert display_path("déploiement/ünïcode.yaml") == "déploiement/ünïcode.yaml"
    assert display_path(os.fsdecode(b"a\x80b\xff.yaml")) == "a\\x80b\\xff.yaml"
    assert display_path("lone\ud800") == "lone\\ud800"
    assert display_path("a\n::error::x\x1b]8;;\u202e.yaml") == "a\\n::error::x\\x1b]8;;\\u202e.yaml"
    assert display_path("emoji \U0001f600 and spaces.yaml") == "emoji \U0001f600 and spaces.yaml"


def test_a_file_name_with_control_characters_is_shown_escaped(tmp_path: Path) -> None:
    (tmp_path / "x\n::error file=README.md::forged\x1b[2J.yaml").write_text(BAD)
    result = run_lint(tmp_path)
    names = {Path(f.location.file).name for f in result.findings}
    assert names == {"x\\n::error file=README.md::forged\\x1b[2J.yaml"}


# --- charts: every file read through the same gate ----------------------------

CHART = "apiVersion: v2\nname: app\nversion: 1.0.0\n"


def make_chart(folder: Path, chart_yaml: str = CHART) -> Path:
    (folder / "templates").mkdir(parents=True)
    (folder / "Chart.yaml").write_text(chart_yaml)
    (folder / "values.yaml").write_text("replicas: 1\n")
    (folder / "templates" / "cm.yaml").write_text("kind: ConfigMap\ndata:\n  r: {{ .Values.replicas }}\n")
    return folder


def test_chart_files_linked_outside_are_skipped(tmp_path: Path) -> None:
    (tmp_path / "secret").write_text(f"{SECRET}: 1\n")
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "t.yaml").write_text(f"{SECRET}\n")
    chart = make_chart(tmp_path / "repo" / "app")
    (chart / "values.yaml").unlink()
    (chart / "values.yaml").symlink_to(tmp_path / "secret")
    (chart / "values.schema.json").symlink_to("/dev/zero")
    (chart / "templates" / "leak.yaml").symlink_to(tmp_path / "secret")
    (chart / "templates" / "more").symlink_to(tmp_path / "outside")
    (chart / "charts").mkdir()
    (chart / "charts" / "dep.tgz").symlink_to("/dev/zero")
    (chart / "charts" / "sub").symlink_to(tmp_path / "outside")
    started = time.monotonic()
    result = run_lint(tmp_path / "repo")
    assert time.monotonic() - started < 10
    assert set(skipped(result)) == {"values.yaml", "values.schema.json", "leak.yaml", "more", "dep.tgz", "sub"}
    assert SECRET not in all_text(result)


def test_file_dependency_outside_the_linted_paths_is_not_read(tmp_path: Path) -> None:
    make_chart(tmp_path / "common", "apiVersion: v2\nname: common\nversion: 1.0.0\n")
    (tmp_path / "common" / "templates" / "_h.tpl").write_text('{{- define "common.name" -}}x{{- end -}}\n')
    chart_yaml = CHART + "dependencies:\n  - name: common\n    version: 1.0.0\n    repository: file://../common\n"
    app = make_chart(tmp_path / "app", chart_yaml)
    (app / "templates" / "cm.yaml").write_text('kind: ConfigMap\nmetadata:\n  name: {{ include "common.name" . }}\n')
    alone = run_lint(app)
    found = [(f.rule, f.location.line) for f in alone.findings if f.rule == "skipped-file"]
    assert found == [("skipped-file", 7)]  # the repository: line of the dependency
    assert "outside the linted paths" in skipped(alone)["Chart.yaml"]
    both = run_lint(tmp_path)  # lint the folder that holds both: the dependency is read
    assert not skipped(both)
    assert not [f for f in both.findings if f.rule in ("template-syntax", "chart-dependency-unavailable")]


# --- the config a repository brings: found inside it, naming only paths inside it ----


def git_repo(folder: Path) -> Path:
    (folder / ".git").mkdir(parents=True)
    return folder


def test_a_config_above_the_repository_root_is_not_applied(cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".k8slint.yaml").write_text("rules:\n  request-exceeds-limit: off\n")
    repo = git_repo(tmp_path / "repo")
    (repo / "deploy").mkdir()
    (repo / "deploy" / "bad.yaml").write_text(BAD)
    monkeypatch.chdir(repo / "deploy")
    result = cli("check", "--format", "json", str(repo / "deploy"))
    rules = {f["rule"] for f in json.loads(result.output)["findings"]}
    assert "request-exceeds-limit" in rules
    # a worktree's .git is a file: it bounds the search the same way
    (repo / ".git").rmdir()
    (repo / ".git").write_text("gitdir: /elsewhere\n")
    again = cli("check", "--format", "json", str(repo / "deploy"))
    assert "request-exceeds-limit" in {f["rule"] for f in json.loads(again.output)["findings"]}


def test_a_config_inside_the_repository_above_the_linted_folder_is_applied(cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = git_repo(tmp_path / "repo")
    (repo / ".k8slint.yaml").write_text("rules:\n  request-exceeds-limit: off\n")
    (repo / "deploy" / "app").mkdir(parents=True)
    (repo / "deploy" / "app" / "bad.yaml").write_text(BAD)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / ".k8slint.yaml").write_text("rules:\n  missing-requests: off\n")
    monkeypatch.chdir(elsewhere)  # found from the linted path, not from the working directory
    for linted in (repo / "deploy" / "app", repo / "deploy" / "app" / "bad.yaml"):
        result = cli("check", "--format", "json", str(linted))
        rules = {f["rule"] for f in json.loads(result.output)["findings"]}
        assert "request-exceeds-limit" not in rules, linted


def test_outside_a_repository_the_search_stops_at_the_working_directory(cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No .git above (an unpacked tarball): a config in the working directory or below it, on
    the way to the linted folder, applies; one above the working directory never does."""
    from k8slint.config import find_config

    (tmp_path / ".k8slint.yaml").write_text("rules:\n  request-exceeds-limit: off\n")
    work = tmp_path / "unpacked"
    (work / "deploy").mkdir(parents=True)
    (work / "deploy" / "bad.yaml").write_text(BAD)
    monkeypatch.chdir(work)
    if any(os.path.lexists(folder / ".git") for folder in tmp_path.parents):
        pytest.skip("the temporary folder lies inside a git repository")
    assert find_config(work / "deploy") is None
    rules = {f["rule"] for f in json.loads(cli("check", "--format", "json", "deploy").output)["findings"]}
    assert "request-exceeds-limit" in rules
    (work / ".k8slint.yaml").write_text("rules:\n  missing-requests: off\n")
    assert find_config(work / "deploy") == work / ".k8slint.yaml"
    deep = tmp_path / "other" / "deep"  # a linted folder that is not below the working directory:
    deep.mkdir(parents=True)  # only the folder itself is searched
    (tmp_path / "other" / ".k8slint.yaml").write_text("rules: {}\n")
    assert find_config(deep) is None
    (deep / ".k8slint.yaml").write_text("rules: {}\n")
    assert find_config(deep) == deep / ".k8slint.yaml"


def test_the_config_in_effect_is_on_the_settings(tmp_path: Path) -> None:
    from k8slint.cli import _settings

    repo = git_repo(tmp_path / "repo")
    (repo / "pyproject.toml").write_text('[tool.k8slint]\nfail-on = "warning"\n')
    (repo / "a" / "b").mkdir(parents=True)
    assert _settings(None, False, str(repo / "a" / "b")).config_file == str(repo / "pyproject.toml")
    assert _settings(None, True, str(repo / "a" / "b")).config_file is None
    assert _settings(None, False, str(tmp_path)).config_file is None
    (repo / ".k8slint.yaml").write_text("schema-locations: [schemas]\nhelm:\n  values: [v.yaml]\n")
    settings = _settings(None, False, str(repo / "a" / "b"))  # paths in it are relative to its folder
    assert settings.config_file == str(repo / ".k8slint.yaml")
    assert settings.schema_locations == [str(repo / "schemas")] and settings.render_values == [str(repo / "v.yaml")]


def test_standard_input_finds_the_config_from_the_working_directory(cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = git_repo(tmp_path / "repo")
    (repo / ".k8slint.yaml").write_text("rules:\n  request-exceeds-limit: off\n")
    (repo / "sub").mkdir()
    monkeypatch.chdir(repo / "sub")
    result = cli("check", "--format", "json", "-", input=BAD)
    assert "request-exceeds-limit" not in {f["rule"] for f in json.loads(result.output)["findings"]}


@pytest.mark.parametrize(
    "config,key",
    [
        ("helm:\n  render: true\n  values: [/etc/passwd]\n", "helm.values[0]"),
        ("helm:\n  values: [ok.yaml, ../../../root/.kube/config]\n", "helm.values[1]"),
        ("schema-locations: [/usr/share]\n", "schema-locations[0]"),
        ("schema-locations: [schemas, ../outside]\n", "schema-locations[1]"),
        ("images:\n  ghcr.io/acme/web: ../../web/Dockerfile\n", "images['ghcr.io/acme/web']"),
        ("images:\n  web:\n    dockerfile: /srv/Dockerfile\n", "images.web.dockerfile"),
        ("helm:\n  values: [link.yaml]\n", "helm.values[0]"),
    ],
)
def test_a_repository_config_may_not_point_outside_the_repository(cli, tmp_path: Path, config: str, key: str) -> None:
    repo = git_repo(tmp_path / "repo")
    (repo / "deploy").mkdir()
    (repo / "deploy" / "ok.yaml").write_text(BAD)
    (repo / "link.yaml").symlink_to("/etc/hostname")  # inside by name, outside once resolved
    (repo / ".k8slint.yaml").write_text(config)
    result = cli("check", str(repo / "deploy"))
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and f": {key}: " in lines[0] and "outside the repository" in lines[0], lines


def test_paths_inside_the_repository_and_flags_pointing_anywhere_are_accepted(cli, tmp_path: Path) -> None:
    repo = git_repo(tmp_path / "repo")
    (repo / "schemas").mkdir()
    (repo / "deploy").mkdir()
    (repo / "deploy" / "ok.yaml").write_text(BAD)
    (repo / ".k8slint.yaml").write_text("schema-locations: [schemas, ./deploy/../schemas]\nimages:\n  web: deploy/Dockerfile\n")
    assert cli("check", str(repo / "deploy")).exit_code == 1
    outside = tmp_path / "outside-schemas"
    outside.mkdir()
    assert cli("check", "--schema-location", str(outside), "--values", "/etc/passwd", str(repo / "deploy")).exit_code == 1


def test_a_discovered_config_that_is_a_link_out_of_the_repository_is_an_error(cli, tmp_path: Path) -> None:
    (tmp_path / "cfg.yaml").write_text("rules: {}\n")
    repo = git_repo(tmp_path / "repo")
    (repo / ".k8slint.yaml").symlink_to(tmp_path / "cfg.yaml")
    (repo / "ok.yaml").write_text(BAD)
    result = cli("check", str(repo))
    assert result.exit_code == 2 and "outside the repository" in result.output, result.output


# --- helm gets paths it cannot take for flags ---------------------------------


@pytest.mark.parametrize("name", ["-dash", "--post-renderer=x"])
def test_a_chart_folder_named_like_a_flag_reaches_helm_as_a_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    repo = tmp_path / "repo"
    make_chart(repo / name)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    argv = tmp_path / "argv"
    fake_helm(
        bin_dir,
        f'[ "$1" = version ] && echo v3.99.0 && exit 0\nfor a in "$@"; do printf "%s\\n" "$a" >> "{argv}"; done\necho "kind: ConfigMap"\n',
    )
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.chdir(repo)
    run_lint(name, render=True, render_values=["-v.yaml"])
    args = argv.read_text().splitlines()
    assert args[0] == "template"
    chart = args[args.index("--") + 1]
    assert chart == str(repo / name) and os.path.isabs(chart)
    assert f"--values={repo / '-v.yaml'}" in args[: args.index("--")]
    assert not [a for a in args if a.startswith("--post-renderer")]


def test_a_chart_with_a_link_outside_is_not_rendered(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """helm follows links (.Files.Get): a chart holding one that leads outside is not rendered."""
    (tmp_path / "secret").write_text(SECRET)
    chart = make_chart(tmp_path / "repo" / "app")
    (chart / "files").mkdir()
    (chart / "files" / "token").symlink_to(tmp_path / "secret")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    ran = tmp_path / "ran"
    fake_helm(bin_dir, f'touch "{ran}"\necho "kind: ConfigMap"\n')
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    result = run_lint(tmp_path / "repo", render=True)
    assert not ran.exists()
    assert "token" in skipped(result)
    assert any("not run" in note for note in result.notes)


# --- init does not write through links ---------------------------------------


def test_init_refuses_to_write_through_a_symlink(cli, tmp_path: Path) -> None:
    target = tmp_path / "out"
    target.mkdir()
    victim = tmp_path / "victim"
    victim.mkdir()
    (target / "manifests").symlink_to(victim)  # a folder of the reference deployment, in the way
    result = cli("init", "todo-chatbot", str(target))
    assert result.exit_code == 2 and "symlink" in result.output and "--force" in result.output, result.output
    assert list(victim.iterdir()) == []
    assert len(result.output.strip().splitlines()) == 1


def test_init_refuses_a_file_symlink_in_the_way_and_force_follows(cli, tmp_path: Path) -> None:
    from k8slint.examples import example_dir

    first = sorted(p for p in example_dir("todo-chatbot").rglob("*") if p.is_file())[0]
    relative = first.relative_to(example_dir("todo-chatbot"))
    target = tmp_path / "out"
    (target / relative).parent.mkdir(parents=True)
    victim = tmp_path / "victim.txt"
    victim.write_text("keep")
    (target / relative).symlink_to(victim)
    result = cli("init", "todo-chatbot", str(target))
    assert result.exit_code == 2 and "symlink" in result.output
    assert victim.read_text() == "keep"
    assert cli("init", "todo-chatbot", str(target), "--force").exit_code == 0
    assert victim.read_text() == first.read_text()


# --- baselines ------------------------------------------------------------------


@pytest.mark.parametrize("target", ["/dev/zero", "fifo"])
def test_a_baseline_that_is_not_a_regular_file_is_refused_at_once(tmp_path: Path, target: str) -> None:
    if target == "fifo":
        os.mkfifo(tmp_path / "fifo")
        target = str(tmp_path / "fifo")
    (tmp_path / "baseline.json").symlink_to(target)
    (tmp_path / "ok.yaml").write_text(BAD)
    out = k8slint("check", "--baseline", "baseline.json", "ok.yaml", cwd=tmp_path, timeout=15)
    assert out.returncode == 2 and b"not a regular file" in out.stderr, out.stderr


# --- no open outside the linted paths, whatever reads ------------------------------

_OPENED: list[str] | None = None


def _record_opens(event: str, args: tuple[object, ...]) -> None:
    if _OPENED is not None and event == "open" and isinstance(args[0], (str, bytes)):
        _OPENED.append(os.fsdecode(args[0]))


sys.addaudithook(_record_opens)


def test_no_file_outside_the_linted_paths_is_opened(tmp_path: Path) -> None:
    """Every reader (manifests, --with-context neighbours, charts, subcharts, file:// dependencies)."""
    global _OPENED
    outside = tmp_path / "outside"
    make_chart(outside / "common", "apiVersion: v2\nname: common\nversion: 1.0.0\n")
    (outside / "secret.yaml").write_text(f"kind: {SECRET}\n")
    repo = tmp_path / "repo"
    (repo / "deploy").mkdir(parents=True)
    (repo / "deploy" / "app.yaml").write_text(BAD)
    (repo / "deploy" / "token.yaml").symlink_to(outside / "secret.yaml")
    (repo / "deploy" / "passwd.yaml").symlink_to("/etc/passwd")
    (repo / "deploy" / "zero.yaml").symlink_to("/dev/zero")
    chart_yaml = CHART + "dependencies:\n  - name: common\n    version: 1.0.0\n    repository: file://../../outside/common\n"
    chart = make_chart(repo / "chart", chart_yaml)
    (chart / "templates" / "x.yaml").symlink_to(outside / "secret.yaml")
    (chart / "charts").mkdir()
    (chart / "charts" / "common").symlink_to(outside / "common")
    from k8slint.config import build_settings
    from k8slint.engine import lint
    from k8slint.registry import registry

    settings = build_settings(registry(), None)
    _OPENED = []
    try:
        whole = lint([str(repo)], settings)
        context = lint([str(repo / "deploy" / "app.yaml")], settings, with_context=True)
    finally:
        opened, _OPENED = _OPENED, None
    assert "request-exceeds-limit" in {f.rule for f in context.findings}
    assert len(skipped(whole)) == 6, skipped(whole)
    bad = [p for p in opened if p.startswith((str(outside), "/etc/passwd", "/dev/"))]
    assert bad == [] and any(p.startswith(str(repo)) for p in opened)


def test_a_folder_named_on_the_command_line_that_links_out_is_not_walked(tmp_path: Path) -> None:
    """`k8slint check k8s/` in CI, and the pull request turned k8s/ into a link to the runner's home."""
    home = tmp_path / "home"
    home.mkdir()
    (home / "config.json").write_text(f'{{"auths": "{SECRET}"}}\n')
    repo = tmp_path / "repo"
    (repo / "real").mkdir(parents=True)
    (repo / "real" / "bad.yaml").write_text(BAD)
    (repo / "k8s").symlink_to(home)
    (repo / "inside").symlink_to(repo / "real")
    out = k8slint("check", "--format", "json", "k8s", "inside", cwd=repo)
    report = json.loads(out.stdout)
    assert SECRET not in out.stdout.decode()
    found = {(f["rule"], f["file"]) for f in report["findings"]}
    assert ("skipped-file", "k8s") in found and ("request-exceeds-limit", "inside/bad.yaml") in found


def test_roots_compare_whole_path_components(tmp_path: Path) -> None:
    from k8slint.sources.safefs import Roots

    (tmp_path / "repo").mkdir()
    (tmp_path / "repo-evil").mkdir()
    (tmp_path / "repo" / "x.yaml").symlink_to(tmp_path / "repo-evil" / "y.yaml")
    (tmp_path / "repo-evil" / "y.yaml").write_text(BAD)
    roots = Roots.of([str(tmp_path / "repo")])
    assert roots.contains(str(tmp_path / "repo")) and roots.contains(str(tmp_path / "repo" / "a"))
    assert not roots.contains(str(tmp_path / "repo-evil" / "y.yaml"))
    assert Roots.of(["/"]).contains("/etc/passwd")
    assert skipped(run_lint(tmp_path / "repo")) == {"x.yaml": "a symlink to a path outside the linted paths; not read"}
