"""What the tests share: the repo's paths, dates, and one way to run the CLI."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from hypothesis import settings
from typer.testing import CliRunner

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples"
RULES_DIR = REPO / "rules"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
# A frozen copy of rules/: what the tests of logic judge by (tests/conftest.py)
FROZEN_RULES = FIXTURES / "rules"
AS_OF = "2026-11-29"

_RUNNER = CliRunner()


def examples(n: int, **kwargs: object) -> settings:
    """Settings of a property test that draws ``n`` cases when run in full (``pytest -m property
    --hypothesis-profile thorough``, as CI runs them), and its share of them in the default run (the
    profiles in tests/conftest.py); new cases every run, and never a deadline (a busy machine
    is not a failure)."""
    share = settings.default.max_examples / 100
    return settings(max_examples=max(10, round(n * share)), deadline=None, **kwargs)  # type: ignore[arg-type]


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def cli(*args: object, env: dict[str, str] | None = None, input: str | bytes | None = None):
    """Run `marenew ARGS...` in this process (the command tree and rules are cached across calls);
    stdout and stderr are kept apart. The environment is the one the autouse fixture cleaned,
    plus ``env``."""
    from marenew.cli import app

    return _RUNNER.invoke(app, [str(a) for a in args], env=env, input=input)


# A process killed while it writes: sitecustomize (test-only, on PYTHONPATH) makes fsync of the
# temporary file announce itself and stall, so the kill lands between writing and renaming.
_STALL = """
import os, time, pathlib
_real = os.fsync
def fsync(fd):
    _real(fd)
    pathlib.Path(os.environ["STALL_MARK"]).write_text("writing")
    time.sleep(60)
os.fsync = fsync
"""


def kill_mid_write(tmp_path: Path, *args: object) -> None:
    """Run `marenew ARGS...` as a process and SIGKILL it once it is writing its file."""
    import os
    import signal
    import subprocess
    import sys
    import time

    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(_STALL, encoding="utf-8")
    mark = tmp_path / "mark"
    env = {**os.environ, "PYTHONPATH": str(hook), "STALL_MARK": str(mark), "MARENEW_RULES": ""}
    proc = subprocess.Popen(
        [sys.executable, "-m", "marenew", *map(str, args)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(600):
            if mark.exists() or proc.poll() is not None:
                break
            time.sleep(0.05)
        assert mark.exists(), "the write never started"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
