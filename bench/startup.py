#!/usr/bin/env python3
"""Start-up time of marenew against the floors its libraries set, all measured in the same run.

Commands, each a fresh process, timed round-robin (the first of a round rotates) after warm-up
rounds, so a slow spell of a shared machine hits all of them alike:

    pass       python -c pass                                  (the interpreter alone)
    baseline   python -c "import typer, pydantic, yaml, rich"  (the import baseline)
    floor      python bench/stack_floor.py status FILE ...     (the stack floor: typer parsing, one
               pydantic model validated, PyYAML's C loader, a rich console and panel)
    status     marenew status FILE --as-of ...
    json       marenew status FILE --as-of ... --json
    help       marenew --help
    version    marenew --version

For each it prints the median wall time and the median CPU time (user + system of the process,
from wait4), and the median of the per-round ratios to the floor and to the baseline. CPU time
is the figure to trust on a busy machine (waiting for a core is not counted); the targets are
judged on it, and the wall ratios are printed beside them.

Targets: status <= 1.15x the stack floor; status --json <= 1.0x the stack floor; --help and
--version <= 1.0x the import baseline.

    python bench/startup.py [--reps N]      (uses the `marenew` script beside this python)

The rule cache is warmed by the warm-up rounds, as it is for a user after their first run, and
marenew's modules are byte-compiled first, as an installed wheel's are.
Exit code: 0 when every target is met, 1 when not.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "examples" / "cma-on-track.yaml"
AS_OF = "2026-11-29"  # fixed, so the run does the same work every day (exit code 0: active)
FLOOR = Path(__file__).resolve().parent / "stack_floor.py"

# name -> (against, at most); against is "floor" or "baseline"
TARGETS = {"status": ("floor", 1.15), "json": ("floor", 1.0), "help": ("baseline", 1.0),
           "version": ("baseline", 1.0)}


def marenew_script() -> Path:
    # The console script of the current interpreter's venv, not whatever `marenew` is on PATH.
    name = "marenew.exe" if os.name == "nt" else "marenew"
    script = Path(sys.executable).parent / name
    if not script.exists():
        sys.exit(f"no {name} beside {sys.executable}: install marenew into this venv (pip install -e .)")
    return script


def commands() -> dict[str, list[str]]:
    py, me = sys.executable, str(marenew_script())
    status = [me, "status", str(EXAMPLE), "--as-of", AS_OF]
    return {
        "pass": [py, "-c", "pass"],
        "baseline": [py, "-c", "import typer, pydantic, yaml, rich"],
        "floor": [py, str(FLOOR), "status", str(EXAMPLE), "--as-of", AS_OF],
        "status": status,
        "json": [*status, "--json"],
        "help": [me, "--help"],
        "version": [me, "--version"],
    }


def run_once(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall, CPU) seconds of one run of ``cmd``; exits when it fails."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        sys.exit(f"{' '.join(cmd)} exited {proc.returncode}")
    return wall, usage.ru_utime + usage.ru_stime


def load() -> str:
    try:
        one, five, _ = os.getloadavg()
    except OSError:
        return "unknown"
    return f"{one:.2f} (1 min), {five:.2f} (5 min) on {os.cpu_count()} cores"


def compile_marenew() -> None:
    """Byte-compile marenew's modules first, as installing a wheel does. From a source checkout
    with PYTHONDONTWRITEBYTECODE set, every edited module would otherwise be compiled again in
    every timed process (50-100 ms after a rebase), which is no part of marenew's start-up."""
    import compileall
    import importlib.util

    spec = importlib.util.find_spec("marenew")
    if spec is not None and spec.origin:
        compileall.compile_dir(str(Path(spec.origin).parent), quiet=1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=21, help="timed rounds (default 21)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed rounds first (default 3)")
    args = parser.parse_args()

    env = dict(os.environ, NO_COLOR="1", COLUMNS="80")
    env.pop("MARENEW_RULES", None)  # time the built-in rules only
    compile_marenew()
    cmds = commands()
    names = list(cmds)
    wall: dict[str, list[float]] = {n: [] for n in names}
    cpu: dict[str, list[float]] = {n: [] for n in names}
    load_before = load()
    for r in range(args.warmup + args.reps):
        order = names[r % len(names):] + names[:r % len(names)]  # rotate which runs first
        got = {n: run_once(cmds[n], env) for n in order}
        if r >= args.warmup:
            for n, (w, c) in got.items():
                wall[n].append(w)
                cpu[n].append(c)

    def ratio(series: dict[str, list[float]], name: str, against: str) -> float:
        return statistics.median(a / b for a, b in zip(series[name], series[against]))

    print(f"python {sys.version.split()[0]}; {args.reps} rounds after {args.warmup} warm-up rounds, "
          f"round-robin; medians")
    print(f"load average: {load_before} before, {load()} after")
    print(f"{'command':<9} {'wall ms':>8} {'CPU ms':>8}  {'CPU/floor':>9} {'CPU/base':>9}  {'wall/floor':>10} "
          f"{'wall/base':>9}  target")
    failed = 0
    for n in names:
        line = (f"{n:<9} {statistics.median(wall[n]) * 1000:8.1f} {statistics.median(cpu[n]) * 1000:8.1f}  "
                f"{ratio(cpu, n, 'floor'):9.2f} {ratio(cpu, n, 'baseline'):9.2f}  "
                f"{ratio(wall, n, 'floor'):10.2f} {ratio(wall, n, 'baseline'):9.2f}")
        if n in TARGETS:
            against, most = TARGETS[n]
            got = ratio(cpu, n, against)
            ok = got <= most
            failed += not ok
            line += f"  <= {most:.2f}x {against}: {'met' if ok else 'NOT met'}"
        print(line)
    print("commands: " + "; ".join(f"{n} = {' '.join(Path(c).name if i < 2 else c for i, c in enumerate(cmd))}"
                                   for n, cmd in cmds.items()))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
