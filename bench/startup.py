"""Start-up time of `marenew status` against importing its dependencies, measured in the same run.

Goal: `marenew status examples/cma-on-track.yaml` takes at most 1.3 times as long as
`python -c "import typer, pydantic, yaml, rich"`, i.e. marenew's own work on top of its
dependencies stays small. Both are timed as fresh processes, alternating, after a warm-up, and
the medians compared (the median shrugs off a stray slow run on a busy machine).

Usage: python bench/startup.py [--reps N]     (uses the `marenew` script beside this python)
Exit code: 0 when the target is met, 1 when not.
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
TARGET = 1.3
EXAMPLE = REPO / "examples" / "cma-on-track.yaml"
AS_OF = "2026-11-29"  # fixed, so the run does the same work every day (exit code 0: active)


def marenew_script() -> Path:
    # The console script of the current interpreter's venv, not whatever `marenew` is on PATH.
    name = "marenew.exe" if os.name == "nt" else "marenew"
    script = Path(sys.executable).parent / name
    if not script.exists():
        sys.exit(f"no {name} beside {sys.executable}: install marenew into this venv (pip install -e .)")
    return script


# --floor: a typer app with the same options as `status` that does nothing. typer (0.2x) builds a
# pydantic TypeAdapter per option when it parses a command line, which `import typer` alone does
# not pay; this shows how much of the gap is the CLI framework rather than marenew's own work.
FLOOR_APP = """
from pathlib import Path
from typing import Annotated, Optional
import typer
app = typer.Typer()
@app.callback()
def root(version: Annotated[bool, typer.Option("--version")] = False): pass
@app.command()
def status(file: Path, as_of: Annotated[Optional[str], typer.Option("--as-of")] = None,
           member: Annotated[Optional[bool], typer.Option("--member/--non-member")] = None,
           warn_days: Annotated[int, typer.Option("--warn-days", min=0)] = 90,
           json: Annotated[bool, typer.Option("--json")] = False,
           explain: Annotated[bool, typer.Option("--explain")] = False,
           rules: Annotated[Optional[list[Path]], typer.Option("--rules")] = None): pass
app()
"""


def run_once(cmd: list[str], env: dict[str, str], expect: int) -> float:
    start = time.perf_counter()
    done = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - start
    if done.returncode != expect:
        sys.exit(f"{' '.join(cmd)} exited {done.returncode}, expected {expect}:\n{done.stderr.decode()}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=21, help="timed runs of each command (default 21)")
    parser.add_argument("--floor", action="store_true",
                        help="also time a do-nothing typer app with the same options (the framework's share)")
    args = parser.parse_args()

    env = dict(os.environ, NO_COLOR="1")
    env.pop("MARENEW_RULES", None)  # time the built-in rules only
    baseline = [sys.executable, "-c", "import typer, pydantic, yaml, rich"]
    status = [str(marenew_script()), "status", str(EXAMPLE), "--as-of", AS_OF]

    floor = [sys.executable, "-c", FLOOR_APP, "status", str(EXAMPLE), "--as-of", AS_OF]
    commands = {"baseline": baseline, "marenew": status, **({"floor": floor} if args.floor else {})}

    for _ in range(3):  # warm-up: file cache, .pyc files
        for cmd in commands.values():
            run_once(cmd, env, 0)
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(args.reps):  # alternate, so a slow spell of the machine hits all alike
        for name, cmd in commands.items():
            times[name].append(run_once(cmd, env, 0))

    base = statistics.median(times["baseline"])
    mine = statistics.median(times["marenew"])
    ratio = mine / base
    print(f"python:   {sys.version.split()[0]} ({sys.executable})")
    print(f"runs:     {args.reps} of each, after 3 warm-up runs; medians")
    print(f"baseline: {base * 1000:7.1f} ms  python -c \"import typer, pydantic, yaml, rich\"")
    if args.floor:
        low = statistics.median(times["floor"])
        print(f"floor:    {low * 1000:7.1f} ms  a do-nothing typer app with the same options "
              f"(ratio {low / base:.2f})")
    print(f"marenew:  {mine * 1000:7.1f} ms  marenew status {EXAMPLE.relative_to(REPO)} --as-of {AS_OF}")
    print(f"ratio:    {ratio:.2f}  (target {TARGET} or less: {'met' if ratio <= TARGET else 'NOT met'})")
    return 0 if ratio <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
