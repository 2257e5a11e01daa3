"""The roster's worker processes and SIGTERM: a worker must end quietly when the pool stops it."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import pytest

from helpers import AS_OF, d
from marenew.roster.forks import PIPE_BYTES, Forks, WorkerLost

try:
    import fcntl

    F_GETPIPE_SZ = getattr(fcntl, "F_GETPIPE_SZ", None)  # Linux
except ImportError:
    F_GETPIPE_SZ = None
from marenew.roster.records import Settings
from marenew.roster.runner import Job, Pool


def _sigterm_in_worker() -> tuple[object, bool]:
    return signal.getsignal(signal.SIGTERM), signal.SIGTERM in signal.pthread_sigmask(signal.SIG_BLOCK, set())


@pytest.mark.slow  # forks real worker processes
def test_workers_end_on_sigterm_whatever_the_parent_installed(ruleset):
    # The parent holds a handler that raises (as `main` installs); a worker forked with it and
    # stopped before resetting it would run it, and the pool's terminate could wait forever.
    def parents(signum, frame):
        raise SystemExit(143)

    before = signal.signal(signal.SIGTERM, parents)
    try:
        mask = signal.pthread_sigmask(signal.SIG_BLOCK, set())
        pool = Pool(2, ruleset, [], Job(Settings(as_of=d(AS_OF), warn_days=90, member=None), None))
        try:
            results = [res for _, res in pool.run(_sigterm_in_worker, [(), ()])]
        finally:
            pool.close()
        # the parent's mask is as it was, its handler too
        assert signal.pthread_sigmask(signal.SIG_BLOCK, set()) == mask
        assert signal.getsignal(signal.SIGTERM) is parents
    finally:
        signal.signal(signal.SIGTERM, before)
    # in each worker: the default action (end quietly), and SIGTERM not left blocked
    assert results == [(signal.SIG_DFL, False)] * 2


# --- batches judged by workers forked once ----------------------------------------------------------

forks_only = pytest.mark.skipif(not hasattr(os, "fork"), reason="forked workers: POSIX only")


def _pid_and(value):
    return os.getpid(), type(value).__name__


def _fails(message):
    raise ValueError(message)


def _dies():
    os.kill(os.getpid(), signal.SIGKILL)


@pytest.mark.slow  # forks real processes
@forks_only
def test_tasks_are_run_by_at_most_jobs_workers_that_stay_alive():
    forks = Forks(2)
    try:
        got = list(forks.run(_pid_and, [(n,) for n in range(7)]))
        workers = set(forks.children)
        again = list(forks.run(_pid_and, [("x",), ("y",)]))  # a second run: the same workers
    finally:
        forks.close()
    assert sorted(task for task, _ in got) == [(n,) for n in range(7)]
    assert all(kind == "int" for _, (_, kind) in got)
    pids = {pid for _, (pid, _) in got + again}
    assert os.getpid() not in pids and len(pids) <= 2 and pids <= workers
    assert not forks.children


def _size_and_end(text):
    return len(text), text[-20:]


@pytest.mark.slow
@forks_only
def test_a_task_of_megabytes_reaches_its_worker_whole_through_a_widened_pipe():
    texts = [str(n) * (3 << 20) for n in range(1, 5)]  # 3 to 12 MB each
    forks = Forks(2)
    try:
        got = dict(forks.run(_size_and_end, [(t,) for t in texts]))
        widths = {fcntl.fcntl(w.tasks, F_GETPIPE_SZ) for w in forks.workers} if F_GETPIPE_SZ else set()
    finally:
        forks.close()
    assert got == {(t,): (len(t), t[-20:]) for t in texts}
    if F_GETPIPE_SZ and int(Path("/proc/sys/fs/pipe-max-size").read_text()) >= PIPE_BYTES:
        assert widths == {PIPE_BYTES}


@pytest.mark.slow
@forks_only
def test_a_task_that_cannot_be_pickled_is_an_error_in_the_parent():
    forks = Forks(2)
    try:
        with pytest.raises(TypeError, match="pickle"):
            list(forks.run(_pid_and, [(threading.Lock(),)]))
    finally:
        forks.close()


@pytest.mark.slow
@forks_only
def test_a_worker_killed_while_idle_is_reported_at_its_next_task():
    forks = Forks(1)
    try:
        ((_, (pid, _)),) = forks.run(_pid_and, [("x",)])
        os.kill(pid, signal.SIGKILL)
        os.waitid(os.P_PID, pid, os.WEXITED | os.WNOWAIT)  # dead, not yet reaped
        with pytest.raises(WorkerLost, match="SIGKILL"):
            list(forks.run(_pid_and, [("y",)]))
        assert pid not in forks.children  # reaped
        ((_, (other, _)),) = forks.run(_pid_and, [("z",)])  # a new worker takes the next task
        assert other != pid
    finally:
        forks.close()


@pytest.mark.slow
@forks_only
def test_an_error_in_a_child_is_raised_in_the_parent():
    forks = Forks(2)
    try:
        with pytest.raises(ValueError, match="bad batch"):
            list(forks.run(_fails, [("bad batch",)]))
    finally:
        forks.close()


@pytest.mark.slow
@forks_only
def test_a_child_killed_is_reported_not_waited_for():
    forks = Forks(2)
    try:
        with pytest.raises(WorkerLost, match="SIGKILL; out of memory"):
            list(forks.run(_dies, [()]))
    finally:
        forks.close()


@pytest.mark.slow
@forks_only
def test_a_failing_reader_waits_for_the_children_already_started():
    def tasks():
        yield ("first",)
        raise RuntimeError("the credits file is not grouped")

    forks = Forks(2)
    try:
        with pytest.raises(RuntimeError, match="not grouped"):
            list(forks.run(_pid_and, tasks()))
        assert not forks.running  # nothing left behind
    finally:
        forks.close()


@pytest.mark.slow
@forks_only
def test_close_stops_the_children_still_running():
    forks = Forks(2)
    forks._start(time.sleep, (60,))
    (pid,) = [worker.pid for worker, _ in forks.running.values()]
    started = time.monotonic()
    forks.close()
    assert time.monotonic() - started < 30  # not the minute the child would have slept
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # reaped


def _sleeps():
    time.sleep(60)


@pytest.mark.slow
@forks_only
def test_ctrl_c_in_the_instant_after_the_fork_does_not_run_the_parents_code_in_the_child(monkeypatch):
    real_fork = os.fork

    def fork():
        pid = real_fork()
        if pid == 0:  # Ctrl-C reaches the child before it has its own handlers
            os.kill(os.getpid(), signal.SIGINT)
        return pid

    monkeypatch.setattr("marenew.roster.forks.os.fork", fork)
    parent = os.getpid()
    forks = Forks(2)
    try:
        got = list(forks.run(_pid_and, [("x",)]))
    finally:
        if os.getpid() != parent:  # a child that unwound into the test: end it here, not in pytest
            os._exit(7)
        forks.close()
    assert len(got) == 1 and got[0][1][0] != parent


# In a process of its own: with other threads (pytest's), a SIGTERM to the process may be taken by
# a thread that does not block it. marenew's own threads (the progress bar's) block it.
_SIGTERM_DURING_A_FORK = """
import os, signal, sys, time
import marenew.roster.forks as forks_module
from marenew.roster.forks import Forks

real_fork = os.fork

def fork():
    pid = real_fork()
    if pid > 0:  # `kill PARENT` arriving while the child is being started
        print(pid, flush=True)
        os.kill(os.getpid(), signal.SIGTERM)
    return pid

def stop(signum, frame):
    raise SystemExit(143)

forks_module.os.fork = fork
signal.signal(signal.SIGTERM, stop)
forks = Forks(2)
try:
    forks._start(time.sleep, (60,))
finally:
    forks.close()
"""


@pytest.mark.slow
@forks_only
def test_sigterm_to_the_parent_during_a_fork_leaves_no_child_behind():
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", _SIGTERM_DURING_A_FORK], capture_output=True, text=True, timeout=60)
    assert done.returncode == 143, done.stderr
    child = int(done.stdout.split()[0])
    try:
        os.kill(child, 0)
    except ProcessLookupError:
        return  # stopped and reaped by close()
    os.kill(child, signal.SIGKILL)
    raise AssertionError("the child forked during the SIGTERM was left running")


@pytest.mark.slow
@forks_only
def test_a_run_stopped_while_a_result_is_read_still_reaps_that_child(monkeypatch):
    import marenew.roster.forks as forks_module

    parent, receive = os.getpid(), forks_module._receive

    def interrupted(fd):
        if os.getpid() != parent:  # the worker reads its task as ever
            return receive(fd)
        raise KeyboardInterrupt  # Ctrl-C while the result is read

    monkeypatch.setattr(forks_module, "_receive", interrupted)
    forks = Forks(2)
    try:
        with pytest.raises(KeyboardInterrupt):
            list(forks.run(_pid_and, [("x",)]))
        (pid,) = forks.children
    finally:
        forks.close()
    assert not forks.children
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # reaped, not left a zombie
