"""--jobs: manifest files parsed, and their local checks run, by several processes.

The main process forks ``jobs - 1`` workers; every process takes the next
free batch of files until none is left, and each worker sends each batch's
result on a pipe of its own. Results are merged in batch order, so the report
is the same, byte for byte, whatever the number of processes. A worker that
dies ends the run (WorkerDied, exit 3); workers end with the main process.
"""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Callable
from typing import Any

from k8slint.config import Settings
from k8slint.load import LoadState, read_file
from k8slint.model.graph.index import ObjectIndex
from k8slint.model.objects import K8sObject, SourceFile
from k8slint.plan import Phase, Raw, make_plan, run_checks, run_facts
from k8slint.sources.discover import InputFile
from k8slint.stamp import stamp_all
from k8slint.suppress import Suppressions

PARALLEL_MIN_FILES = 32
"""Below this many manifest files, starting workers costs more than it saves."""
BATCH_BYTES = 128 * 1024
"""Files are handed out in batches of about this many bytes: few messages, and even shares."""
TAIL_BATCHES = 4
"""How many batches' worth of bytes, at the end, go in smaller batches (see _batches)."""
_WORKER: dict[str, Any] = {}
"""What worker processes read (inherited by the fork, not pickled)."""


def can_fork() -> bool:
    import multiprocessing

    return "fork" in multiprocessing.get_all_start_methods()


def _batches(files: list[InputFile]) -> list[list[InputFile]]:
    """Consecutive files in batches of about BATCH_BYTES (standard input is never in one).

    The last TAIL_BATCHES batches' worth of bytes go in batches a quarter as
    large: the processes run out of work at nearly the same moment, so none
    waits long on another's last batch.
    """
    sized: list[tuple[InputFile, int]] = []
    for item in files:
        if not item.path:
            continue
        try:
            sized.append((item, os.path.getsize(item.path) + 1))
        except OSError:
            sized.append((item, 1))
    left = sum(size for _, size in sized)
    batches: list[list[InputFile]] = []
    size = limit = BATCH_BYTES
    for item, item_size in sized:
        if size >= limit:
            limit = BATCH_BYTES if left > TAIL_BATCHES * BATCH_BYTES else max(1, BATCH_BYTES // 4)
            batches.append([])
            size = 0
        batches[-1].append(item)
        size += item_size
        left -= item_size
    return batches


WORKER_POLL = 0.5
"""Seconds a process waits on the others before it checks that they are still there."""
_LENGTH_BYTES = 8
"""A message on a worker's pipe: its length (8 bytes, big-endian, as struct's ``!Q``), then its pickle."""
_PR_SET_PDEATHSIG = 1


class WorkerDied(RuntimeError):
    """A worker process ended before it finished its share (killed, out of memory): the run cannot finish."""


def _claim(counter: Any, stalled: Callable[[], None]) -> int:
    """The next batch for this process (every process takes the next one free).

    The lock is awaited with a deadline: a process killed while it held the
    lock would stop every other one. ``stalled`` runs at each deadline, to find
    out (it raises, or ends the process).
    """
    lock = counter.get_lock()
    while not lock.acquire(timeout=WORKER_POLL):
        stalled()
    try:
        position = int(counter.value)
        counter.value = position + 1
    finally:
        lock.release()
    return position


class _Inbox:
    """This process's end of one worker's pipe: read without blocking, whole messages out.

    Only the worker holds the other end, so when it dies the pipe ends (EOF),
    even in the middle of a message: nothing here ever waits on a dead process.
    """

    def __init__(self, fd: int) -> None:
        os.set_blocking(fd, False)
        self.fd = fd
        self.open = True
        self._buffer = bytearray()

    def read(self) -> list[Any]:
        """The messages completed by what the pipe holds now; at its end, ``open`` turns False."""
        import pickle

        buffer = self._buffer
        while self.open:
            try:
                chunk = os.read(self.fd, 1 << 20)
            except BlockingIOError:
                break
            if chunk:
                buffer += chunk
            else:
                self.close()
        messages = []
        start = 0
        while len(buffer) - start >= _LENGTH_BYTES:
            size = int.from_bytes(buffer[start : start + _LENGTH_BYTES], "big")
            end = start + _LENGTH_BYTES + size
            if len(buffer) < end:
                break
            messages.append(pickle.loads(buffer[start + _LENGTH_BYTES : end]))
            start = end
        del buffer[:start]
        return messages

    def close(self) -> None:
        if self.open:
            self.open = False
            os.close(self.fd)


def load_in_workers(
    files: list[InputFile], settings: Settings, jobs: int, local: LocalChecks, state: LoadState, progress: Callable[[int], None]
) -> None:
    """Load ``files`` in this process and ``jobs - 1`` forked workers, and run their local checks.

    Every process takes the next free batch of files until none is left, so
    the shares even out by themselves; a worker sends each batch's result as
    soon as it is done, on a pipe of its own, and this process takes them in
    between its own batches. Results are merged in batch order, so the
    outcome is the same whoever loaded what.

    A worker that dies (killed, out of memory) ends the run with WorkerDied
    within a poll interval of this process's next wait; workers end when this
    process does (see _load_worker).
    """
    import multiprocessing
    from multiprocessing.connection import wait

    context = multiprocessing.get_context("fork")
    batches = _batches(files)
    counter = context.Value("i", 0)
    pipes = [_pipe() for _ in range(1, jobs)]
    unclosed = {fd for pipe in pipes for fd in pipe}
    workers: list[Any] = []
    inboxes: list[_Inbox] = []
    finished: set[int] = set()
    ended: set[int] = set()
    results: list[LoadState | None] = [None] * len(batches)
    done = 0

    def take(messages: list[Any]) -> None:
        nonlocal done
        for kind, number, payload in messages:
            if kind == "batch":
                results[number] = _ahead(_from_worker(payload, settings))
                done += len(batches[number])
                progress(done)
            elif kind == "done":
                finished.add(number)
            else:
                raise payload

    def pump(timeout: float) -> None:
        """Take what the workers sent, waiting up to ``timeout`` for something; a dead worker raises."""
        watch = [inbox.fd for inbox in inboxes if inbox.open]
        watch += [worker.sentinel for number, worker in enumerate(workers, start=1) if number not in ended]
        ready = set(wait(watch, timeout))
        for number, (worker, inbox) in enumerate(zip(workers, inboxes, strict=False), start=1):
            if inbox.open and inbox.fd in ready:
                take(inbox.read())
            if number not in ended and (worker.sentinel in ready or not inbox.open):
                if worker.sentinel not in ready:
                    worker.join(WORKER_POLL)  # its pipe ended: the process is ending too
                ended.add(number)
                while inbox.open:  # what it sent before it ended (its end of the pipe is closed now)
                    take(inbox.read())
                if number not in finished:
                    raise WorkerDied(_died(number, worker))

    _WORKER.update(settings=settings, local=local, batches=batches, counter=counter)
    try:
        try:
            parent = os.getpid()
            for number, (read_fd, write_fd) in enumerate(pipes, start=1):
                # The worker keeps only its own end: then the main process alone reads each pipe.
                foreign = [fd for fd in unclosed if fd != write_fd] + [inbox.fd for inbox in inboxes]
                worker = context.Process(target=_load_worker, args=(number, write_fd, foreign, parent), daemon=True)
                worker.start()
                workers.append(worker)
                os.close(write_fd)
                unclosed.discard(write_fd)
                inboxes.append(_Inbox(read_fd))
                unclosed.discard(read_fd)
        finally:
            _WORKER.clear()
            for fd in unclosed:
                os.close(fd)
        own = LoadState()  # standard input can only be read here: workers get /dev/null as stdin
        for item in files:
            if not item.path:
                read_file(item, settings, own)
        local.check(own, settings)
        while (position := _claim(counter, lambda: pump(0.0))) < len(batches):
            results[position] = _ahead(_load_batch(batches[position], settings, local))
            done += len(batches[position])
            progress(done)
            pump(0.0)
        while len(finished) < len(workers):  # a worker says "done" after its last batch
            pump(WORKER_POLL)
    finally:
        if len(finished) < len(workers):  # something failed: stop the others
            for worker in workers:
                worker.terminate()
        for worker in workers:
            worker.join(5 * WORKER_POLL)
            if worker.exitcode is None:
                worker.kill()
                worker.join(5 * WORKER_POLL)
        for inbox in inboxes:
            inbox.close()
    for part in [own, *results]:
        state.merge(part)  # type: ignore[arg-type]


def _pipe() -> tuple[int, int]:
    """A pipe for one worker's results, of 1 MiB where the system allows (Linux): fewer, larger reads."""
    import fcntl

    read_fd, write_fd = os.pipe()
    if hasattr(fcntl, "F_SETPIPE_SZ"):
        try:
            fcntl.fcntl(write_fd, fcntl.F_SETPIPE_SZ, 1 << 20)
        except OSError:  # above the system's limit for this user
            pass
    return read_fd, write_fd


def _died(number: int, worker: Any) -> str:
    code = worker.exitcode
    if code is None:
        how = "closed its pipe"
    elif code < 0:
        import signal

        try:
            how = f"was killed by signal {signal.Signals(-code).name}"
        except ValueError:
            how = f"was killed by signal {-code}"
    else:
        how = f"exited with code {code}"
    return (
        f"worker process {number} (pid {worker.pid}) {how} before it finished its share of the files "
        "(out of memory, or killed); the report would be incomplete (--jobs 1 loads everything in one process)"
    )


def _ahead(state: LoadState) -> LoadState:
    """Work the checks after loading will need, done now while the workers are still loading.

    Each object's pod spec views are computed once and memoized; computing
    them here makes this process take fewer batches, so the work is shared.
    """
    for obj in state.objects:
        obj.pod_spec()
        obj.pod_template_path()
        obj.containers()
        obj.references()
    return state


class LocalChecks:
    """The local checks (Check.local) of a process, planned once: run on each file as it is loaded."""

    def __init__(self, settings: Settings) -> None:
        self.plan = make_plan(settings, run_facts(settings, ObjectIndex([], settings.external_objects)))

    def check(self, state: LoadState, settings: Settings) -> None:
        """Run the local checks on what ``state`` loaded, and stamp their findings and the loader's.

        Problems bound to no object (syntax errors and the like) are kept raw:
        the main process stamps them with the others.
        """
        raw: list[Raw] = []
        run_checks(self.plan, state.objects, [], [], raw, phase=Phase.LOCAL)
        bound = [r for r in state.raw if r[2] is not None]
        state.raw = [r for r in state.raw if r[2] is None]
        suppressions = Suppressions()
        state.stamped.extend(stamp_all(raw + bound, settings, state.sources, suppressions))
        state.used |= suppressions.used


def _load_batch(files: list[InputFile], settings: Settings, local: LocalChecks) -> LoadState:
    state = LoadState()
    for item in files:
        read_file(item, settings, state)
    local.check(state, settings)
    return state


def _load_worker(number: int, channel: int, foreign: list[int], parent: int) -> None:
    """A worker process: load batches until none is left, sending each result to the main process.

    It ends with the main process: by the kernel's parent-death signal where
    there is one (Linux), and everywhere when its pipe finds no reader (the
    main process held the only other end) or its parent is gone.
    """
    import queue
    import signal
    import threading

    _die_with_parent(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group: the main process stops the workers
    for fd in foreign:
        os.close(fd)
    settings: Settings = _WORKER["settings"]
    batches: list[list[InputFile]] = _WORKER["batches"]
    local: LocalChecks = _WORKER["local"]
    counter = _WORKER["counter"]
    gc.disable()  # as in the main process while it loads (k8slint.collector.collector_paused)
    outbox: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
    sender = threading.Thread(target=_send_all, args=(channel, outbox), daemon=True)
    sender.start()  # sends while the next batch loads
    try:
        while (position := _claim(counter, lambda: _parent_alive(parent))) < len(batches):
            outbox.put(_message(("batch", position, _for_main(_load_batch(batches[position], settings, local)))))
        outbox.put(_message(("done", number, None)))
    except BaseException as exc:
        outbox.put(_message(("error", number, _picklable(exc))))
    outbox.put(None)
    sender.join()


def _message(payload: Any) -> bytes:
    import pickle

    body = pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)
    return len(body).to_bytes(_LENGTH_BYTES, "big") + body


def _send_all(channel: int, outbox: Any) -> None:
    """Write the worker's messages to its pipe; with no one left to read them, end the worker."""
    try:
        while (data := outbox.get()) is not None:
            _write_all(channel, data)
    except OSError:  # BrokenPipeError: the main process is gone
        os._exit(1)


def _write_all(fd: int, data: bytes) -> None:
    with memoryview(data) as view:
        while view:
            view = view[os.write(fd, view) :]


def _die_with_parent(parent: int) -> None:
    """Ask the kernel to kill this process when its parent ends (Linux prctl), then check it has not already."""
    if sys.platform.startswith("linux"):
        try:
            import ctypes
            import signal

            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass
    _parent_alive(parent)


def _parent_alive(parent: int) -> None:
    if os.getppid() != parent:
        os._exit(1)


def _picklable(exc: BaseException) -> BaseException:
    import pickle
    import traceback

    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:
        return RuntimeError("".join(traceback.format_exception(exc)))
    return exc


def _for_main(state: LoadState) -> tuple[Any, ...]:
    """What the main process needs of a batch, in plain picklable form (no position trees).

    The documents go as one marshal blob where they can (plain data: 2.5x
    faster to write than pickle, a little faster to read); a document holding
    anything else (a timestamp from an explicit tag) sends the batch by pickle.
    """
    import marshal

    texts = [
        (
            display,
            source.text,
            source.selector_labels_from,
            source.namespace_from,
            source.images_set_by,
            source.images_left_latest,
            source.kustomize_vars,
            source.merged_into,
            source.test_input,
            source.kustomize_generated,
            source.kustomize_patched,
            source.installed_by,
        )
        for display, source in state.sources.items()
    ]
    objects: Any = [(o.data, o.file.display, o.document, o.item, o.namespace, o.source, o.span) for o in state.objects]
    try:
        objects = marshal.dumps(objects)
    except ValueError:
        pass
    loose = [(rule.code, problem) for rule, problem, _ in state.raw]
    return texts, objects, loose, state.stamped, state.used, state.aside


def _from_worker(payload: tuple[Any, ...], settings: Settings) -> LoadState:
    import marshal

    texts, objects, loose, stamped, used, aside = payload
    if isinstance(objects, bytes):
        objects = marshal.loads(objects)
    state = LoadState(stamped=stamped, used=used, aside=aside)
    for (
        display,
        text,
        labels_from,
        namespace_from,
        images_set_by,
        images_left_latest,
        kustomize_vars,
        merged_into,
        test_input,
        generated,
        patched,
        installed_by,
    ) in texts:
        state.sources[display] = SourceFile(
            display,
            text,
            selector_labels_from=labels_from,
            namespace_from=namespace_from,
            images_set_by=images_set_by,
            images_left_latest=tuple(images_left_latest),
            kustomize_vars=tuple(kustomize_vars),
            merged_into=merged_into,
            test_input=test_input,
            kustomize_generated=tuple(tuple(pair) for pair in generated),
            kustomize_patched=tuple(tuple(fact) for fact in patched),
            installed_by=installed_by,
        )
        state.sources[display].pack()  # the objects' positions are read again from it, only where a finding needs them
    for data, display, document, item, namespace, helm_source, span in objects:
        state.objects.append(K8sObject(data, state.sources[display], document, None, namespace, item, helm_source, span))
    registry = settings.registry
    state.raw = [(registry[code], problem, None) for code, problem in loose]
    return state
