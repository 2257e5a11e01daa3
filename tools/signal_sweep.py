#!/usr/bin/env python3
"""Stop a marenew command at many points, one line of Python at a time, and check what a user
would see: the exit code, no traceback and no internal error, every file either as it was or as
the whole command writes it, nothing left beside them, no spill file, no worker left.

The command runs in a copy of FOLDER (its arguments name files there, relative to it), first
once to completion, which counts the lines of Python its main process runs and gives the files
it writes; then again for each point N chosen, with the stop raised at its Nth line as the
signal's handler raises it (KeyboardInterrupt for Ctrl-C, Terminated for SIGTERM). Where
marenew's handler is no longer installed (the command done), the real signal is sent instead.

    python tools/signal_sweep.py --folder examples --points 300 -- \\
        add cma-on-track.yaml --title "EKG basics" --date 2026-03-14 --points clinical=3 --as-of 2026-11-29

Each failing point is printed with what went wrong and the folder it ran in (kept); exit 1 if
any failed. Slow (a second or two a point): a tool for a change to what a stop does, not a test.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import filecmp
import os
import random
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

# The child: marenew's main() with a trace that raises the stop at line N of the main process.
CHILD = r"""
import os, signal, sys
point, stop = int(sys.argv[1]), sys.argv[2]
from marenew.cli import main, streams
MAIN, seen = os.getpid(), [0]
signum = signal.SIGINT if stop == "int" else signal.SIGTERM

def line(frame, event, arg):
    if event == "line" and os.getpid() == MAIN:
        seen[0] += 1
        if seen[0] == point:
            sys.settrace(None)
            if signal.getsignal(signum) is not streams._on_signal:
                os.kill(MAIN, signum)  # the command is done: as the signal itself lands
                return line
            streams._on_signal(signum, frame)
    return line

def start(frame, event, arg):
    return line if os.getpid() == MAIN else None

os.register_at_fork(after_in_child=lambda: sys.settrace(None))
if point == 0:
    import atexit
    atexit.register(lambda: os.getpid() == MAIN and sys.stderr.write(f"\nLINES {seen[0]}\n"))
sys.argv = ["marenew", *sys.argv[3:]]
sys.settrace(start)
main()
"""

STOPPED = {"int": (130, -2), "term": (143, -15)}  # exit codes of a stop: marenew's, or the system's
DONE = (0, 1, 2)  # the command's own codes, when the stop came after its work
NOISE = ("Traceback", "internal error", "Exception ignored")


def run(folder: Path, work: Path, point: int, stop: str, args: list[str]) -> subprocess.CompletedProcess:
    shutil.copytree(folder, work / "files")
    (work / "tmp").mkdir()
    env = dict(os.environ, TMPDIR=str(work / "tmp"), NO_COLOR="1")
    env.pop("MARENEW_DEBUG", None)
    command = [sys.executable, "-c", CHILD, str(point), stop, *args]
    return subprocess.run(command, cwd=work / "files", env=env, capture_output=True, text=True, timeout=300)


def snapshot(root: Path) -> dict[str, Path]:
    return {str(p.relative_to(root)): p for p in sorted(root.rglob("*")) if p.is_file()}


def check(point: int, work: Path, done: subprocess.CompletedProcess, before: dict, after: dict, stop: str) -> str:
    """What went wrong at this point, or ''."""
    wrong = []
    if done.returncode not in (*STOPPED[stop], *DONE):
        wrong.append(f"exit {done.returncode}")
    wrong += [f"stderr has {word!r}" for word in NOISE if word in done.stderr]
    found = snapshot(work / "files")
    for name in sorted(set(found) - set(after) - set(before)):
        wrong.append(f"left {name}")
    for name in sorted(set(before) | set(after)):
        here = found.get(name)
        old, new = before.get(name), after.get(name)
        whole = (old is None and here is None) or (
            here is not None
            and any(other is not None and filecmp.cmp(here, other, shallow=False) for other in (old, new))
        )
        if not whole:
            wrong.append(f"{name} neither as it was nor as written")
    if any((work / "tmp").iterdir()):
        wrong.append("spill files left in TMPDIR")
    if _alive_in(work / "files"):
        wrong.append("a process left running")
    return "; ".join(wrong)


def _alive_in(folder: Path) -> bool:
    """Whether a process still runs in ``folder`` (a worker left behind; Linux's /proc)."""
    for cwd in Path("/proc").glob("[0-9]*/cwd"):
        try:
            if cwd.resolve() == folder.resolve():
                return True
        except OSError:
            continue
    return False


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", type=Path, required=True, help="the files the command works on (copied)")
    parser.add_argument("--points", type=int, default=300)
    parser.add_argument("--signal", choices=["term", "int"], default="term")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--at", type=int, action="append", default=[], help="this line, not random ones (repeatable)")
    parser.add_argument("--last", type=int, default=0, help="every one of the last N lines, not random ones")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- then marenew's arguments")
    opts = parser.parse_args()
    args = opts.command[1:] if opts.command[:1] == ["--"] else opts.command
    scratch = Path(tempfile.mkdtemp(prefix="marenew-sweep-"))
    for name in ("warm", "whole"):  # the first run may fill the rule cache: counted, the second
        whole = scratch / name
        whole.mkdir()
        done = run(opts.folder, whole, 0, opts.signal, args)
    lines = int(done.stderr.rsplit("LINES ", 1)[1]) if "LINES " in done.stderr else 0
    if not lines or done.returncode not in DONE:
        sys.stderr.write(f"the command did not run to its end (exit {done.returncode}):\n{done.stderr}")
        return 2
    before, after = snapshot(opts.folder), snapshot(whole / "files")
    if opts.at:
        points = opts.at
    elif opts.last:
        points = list(range(max(1, lines - opts.last + 1), lines + 1))
    else:
        points = sorted(random.Random(opts.seed).sample(range(1, lines + 1), min(opts.points, lines)))
    print(f"{lines:,} lines of Python in the main process; stopping at {len(points)} of them ({opts.signal})")

    def one(point: int) -> str:
        work = scratch / f"at-{point}"
        work.mkdir()
        outcome = run(opts.folder, work, point, opts.signal, args)
        wrong = check(point, work, outcome, before, after, opts.signal)
        if not wrong:
            shutil.rmtree(work)
        return wrong

    failed = 0
    with concurrent.futures.ThreadPoolExecutor(opts.jobs) as pool:
        for point, wrong in zip(points, pool.map(one, points)):
            if wrong:
                failed += 1
                print(f"line {point}: {wrong} (in {scratch / f'at-{point}'})")
    print(f"{len(points) - failed} of {len(points)} points stopped cleanly")
    if not failed:
        shutil.rmtree(scratch)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
