"""A default run opens no socket and reads nothing outside the linted tree, the config and k8slint's own data.

The whole fixture suite and the reference deployment are linted through the
command line in a child process (audit hooks cannot be removed) whose sockets
raise, and whose audit hook records every file opened and every folder listed
outside the allowed places, every process started and every connection tried.
Each hostile case of issue 15 that can reach a file outside the tree is linted
the same way; a case whose fix is not merged yet is a strict expected failure.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path
from typing import Any

import pytest

from conftest import FIXTURES, ROOT

REFERENCE = ROOT / "reference" / "todo-chatbot"

# The child: argv[1] is a JSON list of runs, each {"cwd", "args", "allowed"}; argv[2] the log.
CHILD = r'''
import contextlib, io, json, os, socket, sys

runs, log_path = json.loads(sys.argv[1]), sys.argv[2]
log = os.open(log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
state = {"allowed": (), "run": -1}


def write(record):
    os.write(log, (json.dumps(record) + "\n").encode())


def inside(path):
    real = os.path.realpath(path)
    return any(real == root or real.startswith(root.rstrip(os.sep) + os.sep) for root in state["allowed"])


FILE_EVENTS = {"open", "os.listdir", "os.scandir"}
ALWAYS = {"subprocess.Popen", "os.exec", "os.system", "os.posix_spawn", "os.spawn", "socket.connect", "socket.getaddrinfo"}


def hook(event, args):
    if state["run"] < 0:
        return
    if event in FILE_EVENTS:
        path = args[0] if args else None
        if path is None or isinstance(path, int):
            return
        path = os.fsdecode(path)
        if not inside(path):
            write({"run": state["run"], "event": event, "path": os.path.realpath(path)})
    elif event in ALWAYS:
        write({"run": state["run"], "event": event, "args": repr(args)[:300]})


def refuse(*args, **kwargs):
    write({"run": state["run"], "event": "socket refused", "args": repr(args)[:300]})
    raise OSError("network access is not allowed in this test")


socket.socket = socket.create_connection = socket.getaddrinfo = refuse
from k8slint.cli import main



def mark(edge, number):
    """An open that fails, seen by strace: where a run starts and ends in its trace."""
    try:
        os.close(os.open(f"/k8slint-sandbox-mark-{edge}-{number}", os.O_RDONLY))
    except OSError:
        pass


sys.addaudithook(hook)
for number, run in enumerate(runs):
    state["allowed"] = tuple(os.path.realpath(p) for p in run["allowed"])
    mark("start", number)
    state["run"] = number
    out, err = io.StringIO(), io.StringIO()
    os.chdir(run["cwd"])
    code = 0
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            if "code" in run:
                exec(run["code"])
            else:
                main(run["args"])
    except SystemExit as exc:
        code = exc.code
    except BaseException as exc:
        code = f"{type(exc).__name__}: {exc}"
    state["run"] = -1
    mark("end", number)
    write({"run": number, "exit": code, "output": out.getvalue(), "stderr": err.getvalue()[-2000:]})
'''


def _k8slint_data() -> list[str]:
    import kubernetes_validate

    from k8slint.resources import data_dir

    places = [ROOT / "k8slint", data_dir("rules"), data_dir("schemas"), Path(kubernetes_validate.__file__).parent]
    paths = sysconfig.get_paths()
    places += [Path(paths[name]) for name in ("stdlib", "platstdlib", "purelib", "platlib")]
    # --jobs: multiprocessing gives workers /dev/null as standard input and shared memory in /dev/shm.
    return [str(p) for p in places] + ["/dev/null", "/dev/shm"]


def _config_candidates(start: Path, stop: Path) -> list[str]:
    """The config names the discovery may look at, from ``start`` up to the repository root ``stop``."""
    names = (".k8slint.yaml", ".k8slint.yml", "pyproject.toml")
    folders = [start, *(p for p in start.parents if p.is_relative_to(stop))]
    return [str(folder / name) for folder in folders for name in names]


def run_sandboxed(runs: list[dict[str, Any]], tmp_path: Path) -> list[dict[str, Any]]:
    """Run each ``k8slint`` command in the sandboxed child; returns the records of the log.

    Where strace works, the child runs under it too, so that files opened and
    connections made by native code (jsonschema-rs, orjson), which no audit
    hook sees, are recorded as well ("native open", "native connect").
    """
    log = tmp_path / "sandbox.log"
    for run in runs:
        run["allowed"] = [*run["allowed"], *_k8slint_data()]
        run["cwd"] = str(run["cwd"])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    command = [sys.executable, "-c", CHILD, json.dumps(runs), str(log)]
    trace = tmp_path / "sandbox.strace"
    if STRACE:
        command = [*STRACE, "-o", str(trace), *command]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600, env=env, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    records = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    if STRACE:
        records += _native_records(trace.read_text(encoding="utf-8", errors="replace"), runs)
    return records


def _strace() -> list[str]:
    """The strace command line, if strace is here and may trace (containers often forbid ptrace)."""
    tool = shutil.which("strace")
    if tool is None:
        return []
    command = [tool, "-f", "-qq", "-y", "--seccomp-bpf", "-e", "trace=open,openat,openat2,connect"]
    probe = subprocess.run([*command, "-o", os.devnull, sys.executable, "-c", "pass"], capture_output=True, check=False)
    return command if probe.returncode == 0 else []


STRACE = _strace()
# What native code may open besides the allowed places: the dynamic loader's files, the
# kernel's views, Python itself, and OpenSSL's config (read when hashlib is imported).
NATIVE_ALLOWED = (
    "/etc/ld.so.cache",
    "/lib/",
    "/lib64/",
    "/usr/lib/",
    "/usr/lib64/",
    "/proc/",
    "/sys/",
    "/dev/urandom",
    "/etc/ssl/openssl.cnf",
    sys.base_prefix + "/",
    sys.prefix + "/",
)
_MARK = re.compile(r'"/k8slint-sandbox-mark-(start|end)-(\d+)"')
_OPENED = re.compile(r"\b(?:open|openat|openat2)\b.*= \d+<(.*)>$")


def _native_records(trace: str, runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    current = -1
    for line in trace.splitlines():
        mark = _MARK.search(line)
        if mark:
            current = int(mark.group(2)) if mark.group(1) == "start" else -1
            continue
        if current < 0:
            continue
        allowed = tuple(os.path.realpath(p) for p in runs[current]["allowed"])
        opened = _OPENED.search(line)
        if opened:
            path = opened.group(1)
            if not path.startswith(NATIVE_ALLOWED) and not any(path == a or path.startswith(a.rstrip("/") + "/") for a in allowed):
                records.append({"run": current, "event": "native open", "path": path})
        elif "connect(" in line and re.search(r"sa_family=AF_INET6?\b", line):
            records.append({"run": current, "event": "native connect", "args": line[:300]})
    return records


def _violations(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in records if "event" in r]


def _exits(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in records if "exit" in r]


def test_the_fixture_suite_and_the_reference_run_in_the_sandbox(tmp_path: Path) -> None:
    fixtures_run = {"cwd": ROOT, "allowed": [str(FIXTURES), *_config_candidates(ROOT, ROOT)]}
    reference_run = {"cwd": REFERENCE, "allowed": [str(REFERENCE)]}
    runs = [
        {**fixtures_run, "args": ["check", "--format", "json", "--jobs", "1", "fixtures"]},
        {**fixtures_run, "args": ["check", "--format", "sarif", "--no-schema", "--jobs", "1", "fixtures"]},
        {**fixtures_run, "args": ["check", "--format", "github", "--jobs", "2", "fixtures"]},
        {**reference_run, "args": ["check", "--format", "text", "."]},
        {**reference_run, "args": ["check", "--format", "junit", "--jobs", "2", "--no-schema", "."]},
    ]
    records = run_sandboxed([dict(r) for r in runs], tmp_path)
    exits = _exits(records)
    assert [r["exit"] for r in exits] == [1, 1, 1, 0, 0], [(r["exit"], r["stderr"]) for r in exits]
    report = json.loads(exits[0]["output"])
    assert report["summary"]["files"] > 200  # every fixture file and chart was read
    assert _violations(records) == []


def test_the_sandbox_sees_what_it_must_refuse(tmp_path: Path) -> None:
    """The recorder is not blind: a file named outside the allowed places is reported."""
    outside = tmp_path / "outside.yaml"
    outside.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n", encoding="utf-8")
    tree = tmp_path / "tree"
    tree.mkdir()
    records = run_sandboxed([{"cwd": tree, "allowed": [str(tree)], "args": ["check", "--no-config", str(outside)]}], tmp_path)
    assert {"run": 0, "event": "open", "path": str(outside.resolve())} in _violations(records)


@pytest.mark.skipif(not STRACE, reason="strace is not installed, or this container forbids ptrace")
def test_the_trace_sees_what_native_code_opens(tmp_path: Path) -> None:
    """An open from C (here libc's, through ctypes) that no audit hook sees is still recorded."""
    outside = tmp_path / "outside.txt"
    outside.write_text("x", encoding="utf-8")
    code = f"import ctypes; libc = ctypes.CDLL(None); libc.close(libc.open({str(outside).encode()!r}, 0))"
    records = run_sandboxed([{"cwd": tmp_path, "allowed": [], "code": code}], tmp_path)
    assert {"run": 0, "event": "native open", "path": str(outside.resolve())} in _violations(records)
    assert not any(r.get("event") == "open" for r in records)


SECRET = "kcanary5ec4e7"


def _hostile_tree(tmp_path: Path) -> tuple[Path, Path]:
    """A repository folder and, beside it, a secret file its content may name."""
    outside = tmp_path / "outside"
    outside.mkdir()
    secret = outside / "secret.json"
    secret.write_text(json.dumps({"type": "string", "auth": SECRET, "pattern": SECRET}), encoding="utf-8")
    (outside / "secret.yaml").write_text(
        f"apiVersion: v1 # {SECRET}\nkind: ConfigMap # {SECRET}\nmetadata: {{name: {SECRET}}}\n", encoding="utf-8"
    )
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    return repo, secret


def _crd_with_ref(ref: str) -> str:
    return (
        "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\n"
        "metadata: {name: backups.todo.example.com}\n"
        "spec:\n  group: todo.example.com\n  scope: Namespaced\n"
        "  names: {plural: backups, singular: backup, kind: Backup}\n"
        "  versions:\n  - name: v1\n    served: true\n    storage: true\n"
        "    schema:\n      openAPIV3Schema:\n        type: object\n        properties:\n"
        f"          spec:\n            $ref: {json.dumps(ref)}\n"
        "---\napiVersion: todo.example.com/v1\nkind: Backup\nmetadata: {name: nightly}\nspec: {a: 1}\n"
    )


def _chart_with_schema_ref(ref: str) -> dict[str, str]:
    return {
        "chart/Chart.yaml": "apiVersion: v2\nname: chart\nversion: 0.1.0\n",
        "chart/values.yaml": "image: nginx:1.25\n",
        "chart/values.schema.json": json.dumps({"type": "object", "properties": {"image": {"$ref": ref}}}),
        "chart/templates/a.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n",
    }


HOSTILE_CASES = [
    "crd-ref-to-a-local-file",  # a file:// $ref of a CRD schema: never read (KL014)
    "crd-ref-to-a-metadata-url",  # an http $ref of a CRD schema: no connection, even from native code
    "values-schema-ref-to-a-local-file",
    "values-schema-ref-to-a-metadata-url",
    "symlink-out-of-the-tree",  # skipped-file, the target never opened
    "kind-naming-a-path",  # kind syntax checked before it names a schema file
    "config-above-the-repository",  # config discovery stops at the folder holding .git
]


@pytest.mark.parametrize("case", HOSTILE_CASES)
def test_hostile_trees_stay_in_the_sandbox(case: str, tmp_path: Path) -> None:
    repo, secret = _hostile_tree(tmp_path)
    files: dict[str, str] = {}
    args = ["check", "--format", "json", "--jobs", "1", "."]
    if case == "crd-ref-to-a-local-file":
        files["crd.yaml"] = _crd_with_ref(secret.as_uri() + "#/auth")
    elif case == "crd-ref-to-a-metadata-url":
        files["crd.yaml"] = _crd_with_ref("http://127.0.0.1:9/latest/meta-data/iam")
    elif case == "values-schema-ref-to-a-local-file":
        files.update(_chart_with_schema_ref(secret.as_uri()))
    elif case == "values-schema-ref-to-a-metadata-url":
        files.update(_chart_with_schema_ref("http://127.0.0.1:9/latest/meta-data/iam"))
    elif case == "symlink-out-of-the-tree":
        files["app.yaml"] = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n"
        (repo / "token.yaml").symlink_to(os.path.relpath(secret.with_suffix(".yaml"), repo))
    elif case == "kind-naming-a-path":
        target = os.path.relpath(secret.with_suffix(""), "/")
        files["x.yaml"] = f"apiVersion: v1\nkind: ../../../../../../../../../../{target}\nmetadata: {{name: a}}\n"
    elif case == "config-above-the-repository":
        (tmp_path / ".k8slint.yaml").write_text(f"# {SECRET}\nrules: {{}}\n", encoding="utf-8")
        files["app.yaml"] = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n"
    for name, text in files.items():
        path = repo / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    records = run_sandboxed([{"cwd": repo, "allowed": [str(repo)], "args": args}], tmp_path)
    (exit_record,) = _exits(records)
    assert exit_record["exit"] in (0, 1, 2, 3), exit_record
    assert SECRET not in exit_record["output"] + exit_record["stderr"]
    assert _violations(records) == []
    report = json.loads(exit_record["output"])
    assert [f for f in report["findings"] if f["rule"] == "internal-error"] == []


def test_render_starts_kustomize_and_nothing_else(tmp_path: Path) -> None:
    """--render on a kustomize tree: the processes started are the kustomize engine's, nothing connects,
    and besides the tree only the temporary wrapper kustomizations are written and read."""
    import tempfile

    from tests.conftest import tool_or_skip

    kubectl = tool_or_skip("kubectl", "pip install 'k8slint[kustomize]'")
    shop = FIXTURES / "kustomize" / "shop"
    code = (
        "import os; os.environ['PATH'] = " + repr(os.path.dirname(kubectl)) + " + os.pathsep + os.environ.get('PATH', '')\n"
        "main(['check', '--no-config', '--render', '--format', 'json', " + repr(str(shop)) + "])"
    )
    run = {"cwd": shop, "allowed": [str(shop), tempfile.gettempdir(), os.path.dirname(kubectl)], "code": code}
    records = run_sandboxed([run], tmp_path)
    [done] = _exits(records)
    assert done["exit"] == 1, done["stderr"]
    assert [f["rule"] for f in json.loads(done["output"])["findings"]] == ["kustomize-not-built", "request-exceeds-limit"]
    started = [r for r in _violations(records) if r["event"] == "subprocess.Popen"]
    assert len(started) == 3  # the version probe and the two local overlays; the remote one is never built
    assert all(repr(os.path.realpath(kubectl))[1:-1] in r["args"] or kubectl in r["args"] for r in started)
    # strace follows kubectl too, whose opens (its PATH, /etc) are not k8slint's; a connection from either is
    assert [r for r in _violations(records) if r["event"] not in ("subprocess.Popen", "native open")] == []
