"""Tasks run by worker processes forked once (Linux), each fed one task at a time through a pipe.

A worker is forked at the first task it is needed for, with the rules already loaded, and judges
batch after batch until the run ends. Staying alive, it keeps what it has learnt (the distinct
cells, days and dates already read, the figures already looked up) and the memory it has already
touched: a process forked for each batch started from nothing each time, and copied or zeroed
every page it wrote, which cost about a quarter of the CPU time of a roster. A batch travels
pickled; it is mostly text (each person's credit lines as read), which pickles at the speed of
copying it.

A worker that ends without giving its result (killed, or out of memory) is reported
(``WorkerLost``), never waited for.
"""

from __future__ import annotations

import contextlib
import gc
import os
import pickle
import signal
import struct
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import wait
from typing import Any

_LENGTH = struct.Struct("<Q")  # every message: its length, then the pickle


class WorkerLost(RuntimeError):
    """A worker ended without giving its result (killed, or out of memory)."""


@dataclass(eq=False)
class Worker:
    """One worker process: the pipe it reads tasks from and the one it writes results to."""

    pid: int
    tasks: int  # the write end, in the main process
    results: int  # the read end, in the main process


class Forks:
    """At most ``jobs`` workers; the tasks are drawn a few ahead, so that the main process reads
    the next batches while the workers judge."""

    def __init__(self, jobs: int):
        self.jobs = jobs
        self.workers: list[Worker] = []  # alive, idle or busy
        self.running: dict[int, tuple[Worker, tuple]] = {}  # result pipe -> (worker, task)
        self.children: set[int] = set()  # every worker not yet reaped

    def run(self, fn: Callable[..., Any], tasks: Iterable[tuple]) -> Iterator[tuple[tuple, Any]]:
        """(task, result) as tasks finish, in any order. If drawing a task fails, the tasks
        already started are waited for first (their results are dropped)."""
        ready: deque[tuple[tuple, bytes]] = deque()  # each task, and its message to a worker
        source = iter(tasks)
        exhausted = False
        while True:
            while ready and len(self.running) < self.jobs:
                self._start(fn, *ready.popleft())
            if not exhausted and len(ready) < self.jobs:
                try:
                    task = next(source)
                    # pickled now, while the workers are busy, not when one waits for it
                    ready.append((task, pickle.dumps((fn, task), pickle.HIGHEST_PROTOCOL)))
                except StopIteration:
                    exhausted = True
                except (KeyboardInterrupt, SystemExit):
                    raise  # stopping: close() stops the workers
                except BaseException:
                    for _ in self._finished(None, all_of_them=True):
                        pass
                    raise
                yield from self._finished(0)  # collect without waiting, then read on
                continue
            if not self.running:
                if not ready:
                    return
                continue
            yield from self._finished(None)

    def _start(self, fn: Callable[..., Any], task: tuple, data: bytes | None = None) -> None:
        """Hand ``task`` to an idle worker, forking one if fewer than ``jobs`` are alive
        (``data``: the two pickled, if they are already)."""
        if data is None:
            data = pickle.dumps((fn, task), pickle.HIGHEST_PROTOCOL)
        busy = {worker for worker, _ in self.running.values()}
        worker = next((w for w in self.workers if w not in busy), None) or self._fork()
        try:
            _send(worker.tasks, data)
        except OSError:  # it ended while idle: its pipe is broken
            raise WorkerLost(f"a roster worker ended while idle ({self._reap(worker)})") from None
        self.running[worker.results] = (worker, task)

    def _fork(self) -> Worker:
        # What the main process holds now stays frozen (gc.freeze) until close(): its collector
        # does not walk it again, nor writes to pages a worker shares.
        gc.freeze()
        task_read, task_write = os.pipe()
        result_read, result_write = os.pipe()
        _widen(task_write)
        # Ctrl-C and SIGTERM stay blocked across the fork: in the worker until it has its own
        # handlers (with the parent's, it would unwind through the parent's code and clean up the
        # parent's run), in the parent until the worker is recorded (so that close() stops it).
        old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
        try:
            try:
                pid = os.fork()
            except BaseException:
                for fd in (task_read, task_write, result_read, result_write):
                    os.close(fd)
                raise
            if pid == 0:  # the worker: never returns
                others = [fd for w in self.workers for fd in (w.tasks, w.results)]
                _serve(task_read, result_write, [task_write, result_read, *others], old)
            os.close(task_read)
            os.close(result_write)
            worker = Worker(pid, task_write, result_read)
            self.children.add(pid)
            self.workers.append(worker)
            return worker
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, old)

    def _finished(self, timeout: float | None, *, all_of_them: bool = False) -> Iterator[tuple[tuple, Any]]:
        """The results of the tasks that have finished (waiting up to ``timeout`` for one, or for
        every task)."""
        while self.running:
            for read in wait(list(self.running), timeout):
                worker, task = self.running.pop(read)  # type: ignore[arg-type]
                data = _receive(worker.results)
                if data is None:
                    raise WorkerLost(f"a roster worker ended without its result ({self._reap(worker)})")
                ok, value = pickle.loads(data)
                if not ok:
                    raise value
                yield task, value
            if not all_of_them:
                return

    def _reap(self, worker: Worker) -> str:
        """Forget a worker that has ended, and say how it ended."""
        self.workers.remove(worker)
        for fd in (worker.tasks, worker.results):
            with contextlib.suppress(OSError):
                os.close(fd)
        _, status = os.waitpid(worker.pid, 0)
        self.children.discard(worker.pid)
        return _how(status)

    def close(self) -> None:
        """Stop the workers (idle, or still running after Ctrl-C, SIGTERM or an error) and reap
        them."""
        workers, self.workers = self.workers, []
        self.running = {}
        children, self.children = self.children, set()
        for worker in workers:
            for fd in (worker.tasks, worker.results):
                with contextlib.suppress(OSError):
                    os.close(fd)
        for pid in children:  # also one whose result was being read when the run stopped
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
        for pid in children:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)
        gc.unfreeze()


def _serve(tasks: int, results: int, inherited: list[int], mask: Iterable[int]) -> None:
    """A worker's life: each task read, run and answered in turn, until its pipe closes."""
    try:
        for fd in inherited:  # the other ends, and the other workers' pipes: not this worker's
            os.close(fd)
        # Ctrl-C reaches the whole process group: the main process stops the workers (SIGTERM,
        # whose default action ends them quietly), so a worker prints no traceback of its own.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        while (data := _receive(tasks)) is not None:
            _send(results, _answer(data))
            del data  # the batch is freed before the next one is read
    finally:
        os._exit(0)  # no atexit handlers, no flushing of the parent's buffers


def _answer(data: bytes) -> bytes:
    """Run the pickled task; its result, or the exception it raised, pickled."""
    try:
        fn, task = pickle.loads(data)
        out: tuple[bool, Any] = (True, fn(*task))
    except BaseException as exc:  # the parent raises it
        out = (False, exc)
    try:
        return pickle.dumps(out, pickle.HIGHEST_PROTOCOL)
    except Exception as exc:  # a result or an exception that cannot be pickled: say so
        what = "result" if out[0] else f"error ({type(out[1]).__name__}: {out[1]})"
        return pickle.dumps((False, RuntimeError(f"a roster worker could not send its {what}: {exc}")))


PIPE_BYTES = 1 << 20  # Linux's most for a user by default (/proc/sys/fs/pipe-max-size)


def _widen(fd: int) -> None:
    """A task pipe that holds a megabyte: a batch of a few megabytes then passes in a few writes
    and reads, not in fifty of 64 kB, each waking the other process while a worker waits."""
    with contextlib.suppress(ImportError, AttributeError, OSError):  # not Linux, or a lower limit
        import fcntl

        fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, PIPE_BYTES)


def _send(fd: int, data: bytes) -> None:
    view = memoryview(_LENGTH.pack(len(data)) + data)
    while view:
        view = view[os.write(fd, view) :]


def _receive(fd: int) -> bytes | None:
    """The next message on ``fd``; None when the other end has closed it (or ended) first."""
    head = _read(fd, _LENGTH.size)
    if head is None:
        return None
    return _read(fd, _LENGTH.unpack(head)[0])


def _read(fd: int, size: int) -> bytes | None:
    chunks = []
    while size:
        chunk = os.read(fd, min(size, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def _how(status: int) -> str:
    if os.WIFSIGNALED(status):
        name = signal.Signals(os.WTERMSIG(status)).name
        return f"stopped by {name}" + ("; out of memory?" if name == "SIGKILL" else "")
    return f"exit status {os.waitstatus_to_exitcode(status)}"
