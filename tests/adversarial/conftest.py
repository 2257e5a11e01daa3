"""The adversarial suite: hostile and careless input, signals and a hostile OS, tried on the real
program in a child process (as a user runs it), so that exit codes, streams, signals and files
are the operating system's own."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import AS_OF, EXAMPLES, REPO

ON_TRACK = (EXAMPLES / "cma-on-track.yaml").read_text(encoding="utf-8")
PEOPLE = EXAMPLES / "roster" / "people.csv"
CREDITS = EXAMPLES / "roster" / "credits.csv"
CMA_RULE = (REPO / "rules" / "cma.yaml").read_text(encoding="utf-8")

__all__ = ["AS_OF", "CMA_RULE", "CREDITS", "ON_TRACK", "PEOPLE", "command", "marenew"]


def command(*args: object) -> list[str]:
    return [sys.executable, "-m", "marenew", *(str(a) for a in args)]


def marenew(
    *args: object,
    env: dict[str, str] | None = None,
    input: bytes | str | None = None,
    cwd: Path | None = None,
    timeout: float = 120,
    **popen: object,
) -> subprocess.CompletedProcess:
    """Run marenew in a child process; stdout and stderr as text (bytes kept in ``.raw_stdout``)."""
    full_env = {**os.environ, **(env or {})}
    data = input.encode("utf-8") if isinstance(input, str) else input
    done = subprocess.run(
        command(*args), input=data, capture_output=True, env=full_env, cwd=cwd, timeout=timeout, **popen
    )  # type: ignore[call-overload]
    done.raw_stdout = done.stdout  # type: ignore[attr-defined]
    done.stdout = done.stdout.decode("utf-8", "replace")
    done.stderr = done.stderr.decode("utf-8", "replace")
    return done


def one_plain_line(stderr: str) -> bool:
    """A diagnostic a person can read: no traceback, no "internal error"."""
    return "Traceback" not in stderr and "internal error" not in stderr


@pytest.fixture
def credential(tmp_path):
    """credential(old, new) -> a copy of the on-track CMA example with one line changed."""

    def _make(old: str = "", new: str = "", name: str = "creds.yaml") -> Path:
        text = ON_TRACK.replace(old, new) if old else ON_TRACK
        if old:
            assert text != ON_TRACK, f"{old!r} is not in the example"
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return _make


@pytest.fixture
def rule_folder(tmp_path):
    """rule_folder(old, new) -> a folder holding the built-in CMA rule with one line changed."""

    def _make(old: str = "", new: str = "") -> Path:
        folder = tmp_path / "rules"
        folder.mkdir(exist_ok=True)
        text = CMA_RULE.replace(old, new, 1) if old else CMA_RULE
        if old:
            assert text != CMA_RULE, f"{old!r} is not in the CMA rule"
        (folder / "cma.yaml").write_text(text, encoding="utf-8")
        return folder

    return _make


@pytest.fixture
def small_disk(tmp_path):
    """A 64 KiB tmpfs, mounted where the tests run as root (else skipped)."""
    if os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("a full disk needs a small tmpfs, which only root can mount")
    mnt = tmp_path / "full"
    mnt.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mnt)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", str(mnt)], capture_output=True)
