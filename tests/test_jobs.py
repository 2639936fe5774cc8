"""--jobs: the report is the same, byte for byte, whatever the number of worker processes."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import FIXTURES, fake_helm, shared_or_skip
from k8slint import scheduler
from k8slint.config import build_settings
from k8slint.engine import lint
from k8slint.registry import registry
from k8slint.reporters.json import render_json
from k8slint.reporters.sarif import render_sarif

pytestmark = pytest.mark.skipif(not scheduler.can_fork(), reason="worker processes need the fork start method")


def _reports(paths: list[Path], jobs: int, with_context: bool = True, **overrides: object) -> tuple[str, str]:
    settings = build_settings(registry(), None, **overrides)  # type: ignore[arg-type]
    result = lint([str(p) for p in paths], settings, with_context=with_context, jobs=jobs)
    return render_json(result), render_sarif(result, registry())


@pytest.fixture
def few_files_suffice(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """Let a small tree take the parallel path, one file per batch, and record that it did."""
    monkeypatch.setattr(scheduler, "PARALLEL_MIN_FILES", 2)
    monkeypatch.setattr(scheduler, "BATCH_BYTES", 1)
    calls: list[int] = []
    real = scheduler.load_in_workers

    def spy(files: list[object], settings: object, jobs: int, local: object, state: object, progress: object) -> None:
        calls.append(jobs)
        real(files, settings, jobs, local, state, progress)  # type: ignore[arg-type]

    monkeypatch.setattr(scheduler, "load_in_workers", spy)
    yield calls


def test_rule_fixtures_same_report_with_workers(few_files_suffice: list[int]) -> None:
    # Every rule's fixtures at once: manifests, Dockerfiles, charts, suppressions, broken files.
    target = [FIXTURES / "rules"]
    serial = _reports(target, jobs=1)
    assert '"code": "KR002"' in serial[0] and '"code": "KL001"' in serial[0]
    assert _reports(target, jobs=2) == serial
    assert _reports(target, jobs=3) == serial
    assert few_files_suffice == [2, 3]


def test_cross_file_rules_see_objects_loaded_by_other_workers(tmp_path: Path, few_files_suffice: list[int]) -> None:
    # The Service and its Deployment land in different workers; the selector check runs after they merge.
    (tmp_path / "a-deploy.yaml").write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api, namespace: todo}\n"
        "spec:\n  selector: {matchLabels: {app: api}}\n  template:\n    metadata: {labels: {app: api}}\n"
        "    spec:\n      containers:\n      - {name: api, image: 'ghcr.io/acme/api:1.0', ports: [{containerPort: 8000}]}\n",
        encoding="utf-8",
    )
    (tmp_path / "b-service.yaml").write_text(
        "apiVersion: v1\nkind: Service\nmetadata: {name: api, namespace: todo}\n"
        "spec:\n  selector: {app: api}\n  ports: [{port: 80, targetPort: 9000}]\n",
        encoding="utf-8",
    )
    serial = _reports([tmp_path], jobs=1, select=["target-port-unknown"])
    assert '"code": "KN026"' in serial[0]
    assert _reports([tmp_path], jobs=2, select=["target-port-unknown"]) == serial
    assert few_files_suffice == [2]


def test_a_custom_resource_in_a_jinja_raw_block_is_located_alike_with_workers(tmp_path: Path) -> None:
    # external-secrets' docs snippets: `{% raw %}` around the file. A custom resource's schema is checked in the
    # main process, which parses a document again for its positions once its batch's views are released (past
    # plan.OBJECTS_PER_BATCH objects): with the raw tags blanked, as when the file was read.
    from k8slint import plan

    (tmp_path / "crd.yaml").write_text(
        "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: widgets.example.com}\n"
        "spec:\n  group: example.com\n  names: {kind: Widget, plural: widgets}\n  scope: Namespaced\n  versions:\n"
        "  - name: v1\n    served: true\n    storage: true\n    schema:\n      openAPIV3Schema:\n        type: object\n"
        "        properties:\n          spec:\n            type: object\n            properties:\n"
        "              size: {type: integer}\n",
        encoding="utf-8",
    )
    for number in range(plan.OBJECTS_PER_BATCH + 8):
        (tmp_path / f"widget-{number:04}.yaml").write_text(
            f"{{% raw %}}\napiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w{number}\nspec:\n  size: large\n{{% endraw %}}\n",
            encoding="utf-8",
        )
    serial = _reports([tmp_path], jobs=1, select=["schema-violation"])
    assert '"line": 7' in serial[0] and '"line": 2,' not in serial[0]
    assert _reports([tmp_path], jobs=2, select=["schema-violation"]) == serial


def test_corpus_same_report_with_workers() -> None:
    corpus = shared_or_skip("corpus")
    serial = _reports([corpus], jobs=1, kubernetes_version="1.30")
    assert _reports([corpus], jobs=2, kubernetes_version="1.30") == serial


@pytest.mark.parametrize("jobs", [1, 2])
def test_progress_reaches_the_total(jobs: int, few_files_suffice: list[int]) -> None:
    seen: list[tuple[int, int]] = []
    settings = build_settings(registry(), None)
    result = lint([str(FIXTURES / "rules")], settings, jobs=jobs, progress=lambda done, total: seen.append((done, total)))
    total = seen[-1][1]
    assert seen[-1] == (total, total) and 0 < total <= result.files  # result.files also counts charts
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)  # never goes back
    assert all(done <= total for done, _ in seen)
    assert few_files_suffice == ([2] if jobs == 2 else [])


def test_progress_bar_only_at_a_terminal_and_on_stderr(monkeypatch: pytest.MonkeyPatch) -> None:
    import io
    import sys

    from k8slint.cli import _progress_bar

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr(sys, "stderr", io.StringIO())
    assert _progress_bar() is None  # not a terminal: no bar at all
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    update = _progress_bar()
    update(0, 10)
    assert terminal.getvalue() == ""  # short runs: no bar
    for done in range(0, 401, 50):
        update(done, 400)
    assert "linting" in terminal.getvalue()


def test_standard_input_is_read_with_workers(cli, few_files_suffice: list[int]) -> None:
    bad = (FIXTURES / "rules" / "KR002" / "fail_requests.yaml").read_text()
    args = ["check", "--no-config", "--format", "json", "--select", "request-exceeds-limit", "-", str(FIXTURES / "clean")]
    outputs = [cli(*args, "--jobs", jobs, input=bad).output for jobs in ("1", "2")]
    assert '"file": "<stdin>"' in outputs[0]
    assert outputs[1] == outputs[0]
    assert few_files_suffice == [2]


def test_documents_that_marshal_cannot_send_still_arrive(tmp_path: Path, few_files_suffice: list[int]) -> None:
    # Workers send documents with marshal; an explicit !!timestamp makes a date, which only pickle sends.
    for number in range(4):
        (tmp_path / f"cm-{number}.yaml").write_text(
            f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-{number}\n  namespace: '{number}'\n"
            f"data:\n  since: !!timestamp 2024-01-0{number + 1}\n  at: !!timestamp 2024-01-01T10:00:00Z\n",
            encoding="utf-8",
        )
    serial = _reports([tmp_path], jobs=1)
    assert '"objects": 4' in serial[0]
    # The API server reads the timestamps as RFC 3339 strings: valid ConfigMap data, nothing to report.
    assert '"code": "KL900"' not in serial[0] and '"code": "KL010"' not in serial[0]
    assert _reports([tmp_path], jobs=2) == serial
    assert few_files_suffice == [2]


def test_rendered_charts_get_every_check_with_workers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, few_files_suffice: list[int]
) -> None:
    # Rendered manifests are loaded after the workers are done: their per-object checks run all the same.
    chart = tmp_path / "src" / "todo"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: todo\nversion: 1.0.0\nappVersion: '1'\ndescription: x\n")
    (chart / "templates" / "pod.yaml").write_text("{{ .Values.pod }}\n")
    for number in range(3):
        (tmp_path / "src" / f"cm-{number}.yaml").write_text(
            f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: cm-{number}, namespace: todo}}\ndata: {{a: b}}\n"
        )
    rendered = tmp_path / "rendered.yaml"
    rendered.write_text(
        "---\n# Source: todo/templates/pod.yaml\napiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: todo}\n"
        "spec:\n  containers:\n  - {name: web, image: 'web:latest'}\n"
        "---\n# Source: todo/templates/pod.yaml\napiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: todo}\n"
        "spec:\n  containers:\n  - {name: web, image: 'web:1.0'}\n"
    )
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake_helm(bin_dir, f'cat "{rendered}"\n')
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    serial = _reports([tmp_path / "src"], jobs=1, with_context=False, render=True)
    for code in ("KR006", "KS001", "KM004"):  # image-tag-latest and run-as-root (local), duplicate-object (set)
        assert f'"code": "{code}"' in serial[0], code
    assert _reports([tmp_path / "src"], jobs=2, with_context=False, render=True) == serial
    assert few_files_suffice == [2]


# --- a dead worker, or a dead main process, never leaves anything hanging -------------------

_HARNESS = """
import os, signal, sys, time
from k8slint import scheduler

mode, marks = sys.argv[1], sys.argv[2]
main = os.getpid()
scheduler.PARALLEL_MIN_FILES = 2
scheduler.BATCH_BYTES = 1  # one file per batch
load_batch = scheduler._load_batch


def hooked_batch(files, settings, local):
    if os.getpid() != main:
        open(os.path.join(marks, str(os.getpid())), "w").close()
        if mode == "kill-worker":
            time.sleep(60)  # still in its batch when the test kills it
    if mode.startswith("kill-main"):
        # no process gets ahead before both workers are up (on a loaded machine one may start late, after the
        # others have taken every batch): the run is still going when the test stops it
        deadline = time.monotonic() + 30
        while len(os.listdir(marks)) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
    if mode.startswith("kill-main") or (mode == "lock" and os.getpid() == main):
        time.sleep(0.2)  # a long run, in every process
    return load_batch(files, settings, local)


scheduler._load_batch = hooked_batch
if mode == "kill-main-no-prctl":  # the portable way alone: pipe EOF and the parent check
    scheduler._die_with_parent = scheduler._parent_alive
if mode == "mid-message":
    write_all = scheduler._write_all

    def half_then_die(fd, data):
        write_all(fd, data[: len(data) // 2])
        os.kill(os.getpid(), signal.SIGKILL)

    scheduler._write_all = half_then_die
if mode == "lock":
    claim = scheduler._claim

    def claim_and_die(counter, stalled):
        if os.getpid() != main:
            counter.get_lock().acquire()
            os.kill(os.getpid(), signal.SIGKILL)
        return claim(counter, stalled)

    scheduler._claim = claim_and_die
from k8slint.cli import run

sys.argv = ["k8slint", *sys.argv[3:]]
run()
"""


def _start(tmp_path: Path, mode: str, files: int = 60, **popen: Any) -> tuple[Any, Path]:
    import subprocess
    import sys

    tree, marks = tmp_path / "tree", tmp_path / "marks"
    tree.mkdir()
    marks.mkdir()
    bad = (FIXTURES / "rules" / "KR002" / "fail_requests.yaml").read_text()
    for number in range(files):
        (tree / f"bad{number:02}.yaml").write_text(bad, encoding="utf-8")
    harness = tmp_path / "harness.py"
    harness.write_text(_HARNESS, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    command = [sys.executable, str(harness), mode, str(marks), "check", "--no-config", "--jobs", "3", "--format", "json", str(tree)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env, **popen)
    return process, marks


def _worker_pids(marks: Path, count: int, process: Any) -> list[int]:
    import time

    deadline = time.monotonic() + 30
    while len(list(marks.iterdir())) < count:
        assert process.poll() is None and time.monotonic() < deadline, "the workers did not start"
        time.sleep(0.02)
    return sorted(int(p.name) for p in marks.iterdir())


def _running(pid: int) -> bool:
    """Whether ``pid`` is a process that is not a zombie (a zombie has ended; its reaper may be slow)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


def _assert_internal_error(process: Any, since: float, worker: str = "worker process ") -> str:
    import subprocess
    import time

    try:
        _, stderr = process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        raise AssertionError("the main process hangs on a dead worker") from None
    assert time.monotonic() - since < 5, "a dead worker must fail the run within seconds"
    assert process.returncode == 3, stderr
    first = stderr.splitlines()[0]
    assert first.startswith(f"k8slint: internal error: WorkerDied: {worker}"), stderr
    assert "was killed by signal SIGKILL before it finished its share of the files" in first
    return first


def test_a_worker_killed_mid_run_fails_the_run_within_seconds(tmp_path: Path) -> None:
    import signal
    import time

    process, marks = _start(tmp_path, "kill-worker")
    victim = _worker_pids(marks, 1, process)[0]
    os.kill(victim, signal.SIGKILL)
    first = _assert_internal_error(process, time.monotonic())
    assert f"(pid {victim})" in first


@pytest.mark.parametrize("mode", ["mid-message", "lock"])
def test_a_worker_dying_mid_message_or_holding_the_lock_fails_the_run(tmp_path: Path, mode: str) -> None:
    # mid-message: half of a batch's result is on the pipe; lock: the batch counter's lock is never released.
    import time

    process, _ = _start(tmp_path, mode)
    _assert_internal_error(process, time.monotonic() + (2 if mode == "lock" else 0))


@pytest.mark.parametrize("mode", ["kill-main", "kill-main-no-prctl"])
def test_workers_end_when_the_main_process_is_killed(tmp_path: Path, mode: str) -> None:
    import signal
    import time

    process, marks = _start(tmp_path, mode)
    workers = _worker_pids(marks, 2, process)
    time.sleep(0.3)
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    deadline = time.monotonic() + 5
    while any(_running(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    left = [pid for pid in workers if _running(pid)]
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    assert not left, f"workers {left} outlived the main process"


def test_ctrl_c_stops_the_workers_without_a_traceback(tmp_path: Path) -> None:
    import signal
    import time

    process, marks = _start(tmp_path, "kill-main", start_new_session=True)
    workers = _worker_pids(marks, 2, process)
    time.sleep(0.3)
    os.killpg(process.pid, signal.SIGINT)  # as a terminal sends it: to the whole process group
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 130 and "Traceback" not in stderr, stderr
    assert stderr.strip() == "k8slint: aborted"
    deadline = time.monotonic() + 5
    while any(_running(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [pid for pid in workers if _running(pid)]
