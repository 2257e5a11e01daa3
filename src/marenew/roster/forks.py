"""Tasks each run in a process forked for it (Linux), so that a task's data is never pickled.

A batch of people is a few megabytes of records. Sent to a long-lived worker, it was pickled by
the main process and unpickled by the worker: about a seventh of the CPU time of a roster, most
of it in the main process, which reads the files and so sets the pace of the whole run. Forked
for its task, a child has the batch (and the rules, and the people records) in its memory
already, shared with the parent until either writes to it; only the task's small result comes
back, through a pipe.
"""

from __future__ import annotations

import contextlib
import gc
import os
import pickle
import signal
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from multiprocessing.connection import wait
from typing import Any


class WorkerLost(RuntimeError):
    """A child ended without giving its result (killed, or out of memory)."""


class Forks:
    """At most ``jobs`` children at once; the tasks are drawn a few ahead, so that the main process
    reads the next batches while the children judge."""

    def __init__(self, jobs: int):
        self.jobs = jobs
        self.running: dict[int, tuple[int, tuple]] = {}  # result pipe -> (child pid, task)
        self.children: set[int] = set()  # every child not yet reaped

    def run(self, fn: Callable[..., Any], tasks: Iterable[tuple]) -> Iterator[tuple[tuple, Any]]:
        """(task, result) as tasks finish, in any order. If drawing a task fails, the children
        already started are waited for first (their results are dropped)."""
        ready: deque[tuple] = deque()
        source = iter(tasks)
        exhausted = False
        while True:
            while ready and len(self.running) < self.jobs:
                self._start(fn, ready.popleft())
            if not exhausted and len(ready) < self.jobs:
                try:
                    ready.append(next(source))
                except StopIteration:
                    exhausted = True
                except (KeyboardInterrupt, SystemExit):
                    raise  # stopping: close() stops the children
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

    def _start(self, fn: Callable[..., Any], task: tuple) -> None:
        # What the main process holds now stays frozen (gc.freeze) until close(): its collector
        # does not walk it again, nor writes to pages a child shares (nothing read has cycles).
        gc.freeze()
        read, write = os.pipe()
        # Ctrl-C and SIGTERM stay blocked across the fork: in the child until it has its own
        # handlers (with the parent's, it would unwind through the parent's code and clean up the
        # parent's run), in the parent until the child is recorded (so that close() stops it).
        old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
        try:
            try:
                pid = os.fork()
            except BaseException:
                os.close(read)
                os.close(write)
                raise
            if pid == 0:  # the child: never returns
                _child(fn, task, read, write, old)
            os.close(write)
            self.children.add(pid)
            self.running[read] = (pid, task)
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, old)

    def _finished(self, timeout: float | None, *, all_of_them: bool = False) -> Iterator[tuple[tuple, Any]]:
        """The results of the children that have finished (waiting up to ``timeout`` for one, or
        for every child)."""
        while self.running:
            for read in wait(list(self.running), timeout):
                pid, task = self.running.pop(read)  # type: ignore[arg-type]
                data = _read_all(read)  # type: ignore[arg-type]
                _, status = os.waitpid(pid, 0)
                self.children.discard(pid)
                if not data:
                    raise WorkerLost(f"a roster worker ended without its result ({_how(status)})")
                ok, value = pickle.loads(data)
                if not ok:
                    raise value
                yield task, value
            if not all_of_them:
                return

    def close(self) -> None:
        """Stop the children still running (after Ctrl-C, SIGTERM or an error) and reap them."""
        running, self.running = self.running, {}
        children, self.children = self.children, set()
        for read in running:
            os.close(read)
        for pid in children:  # also one whose result was being read when the run stopped
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
        for pid in children:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)
        gc.unfreeze()


def _child(fn: Callable[..., Any], task: tuple, read: int, write: int, mask: Iterable[int]) -> None:
    try:
        os.close(read)
        # Ctrl-C reaches the whole process group: the main process stops the children (SIGTERM,
        # whose default action ends them quietly), so a child prints no traceback of its own.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        try:
            out: tuple[bool, Any] = (True, fn(*task))
        except BaseException as exc:  # the parent raises it
            out = (False, exc)
        try:
            data = pickle.dumps(out, pickle.HIGHEST_PROTOCOL)
        except Exception as exc:  # a result or an exception that cannot be pickled: say so
            what = "result" if out[0] else f"error ({type(out[1]).__name__}: {out[1]})"
            data = pickle.dumps((False, RuntimeError(f"a roster worker could not send its {what}: {exc}")))
        view = memoryview(data)
        while view:
            view = view[os.write(write, view) :]
    finally:
        os._exit(0)  # no atexit handlers, no flushing of the parent's buffers


def _read_all(fd: int) -> bytes:
    chunks = []
    try:
        while chunk := os.read(fd, 1 << 16):
            chunks.append(chunk)
    finally:
        os.close(fd)
    return b"".join(chunks)


def _how(status: int) -> str:
    if os.WIFSIGNALED(status):
        name = signal.Signals(os.WTERMSIG(status)).name
        return f"stopped by {name}" + ("; out of memory?" if name == "SIGKILL" else "")
    return f"exit status {os.waitstatus_to_exitcode(status)}"
