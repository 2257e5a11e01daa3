"""Shared fixtures: the repo's paths, the built-in rules, and a CLI runner."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

import pytest

from helpers import EXAMPLES, REPO, RULES_DIR, d  # noqa: F401 - re-exported for fixtures

# Settings a developer's shell may carry that would change what the program prints or reads.
_SETTINGS = (
    "GITHUB_ACTIONS",
    "FORCE_COLOR",
    "CLICOLOR_FORCE",
    "PY_COLORS",
    "TTY_COMPATIBLE",
    "COLUMNS",
    "LINES",
    "TMPDIR_MARENEW",
)


_CACHE = Path(tempfile.mkdtemp(prefix="marenew-test-cache-"))


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    """Every test sees the same environment, whatever the shell running pytest has set: no
    MARENEW_* setting (a MARENEW_RULES folder would change every figure), no forced colours."""
    import os

    for name in list(os.environ):
        if name.startswith("MARENEW_") or name in _SETTINGS:
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_COLOR", "1")
    # the rule cache goes to a folder of this test session, not the developer's own
    monkeypatch.setenv("MARENEW_CACHE_DIR", str(_CACHE))


def pytest_collection_modifyitems(items):
    # The adversarial suite runs the real program in a child process, as a user does.
    for item in items:
        if "adversarial" in item.path.parts:
            item.add_marker(pytest.mark.slow)


def _no_process_here(args, *rest, **kwargs):
    command = args if isinstance(args, str) else " ".join(str(a) for a in args)
    raise AssertionError(
        f"this test starts a real process ({command[:80]}); mark it @pytest.mark.slow: the default run "
        "leaves those out, `pytest -m slow` and .ci/run run them"
    )


@pytest.fixture(autouse=True)
def real_processes_only_in_slow_tests(request, monkeypatch):
    """A test that starts a process (a console script, a hook, a browser) is a slow test: the
    default run leaves it out, so it must say so with the marker."""
    if request.node.get_closest_marker("slow") is None:
        monkeypatch.setattr(subprocess, "Popen", _no_process_here)


@pytest.fixture(scope="session")
def ruleset():
    from marenew.api import load_rules

    return load_rules()


@pytest.fixture(scope="session")
def rules(ruleset):
    """Rules by upper-case id."""
    return ruleset.rules


@pytest.fixture
def runner():
    from typer.testing import CliRunner

    return CliRunner()


@pytest.fixture
def write(tmp_path):
    """write("name.yaml", text) -> Path of a file in a temporary folder."""

    def _write(name: str, text: str | bytes) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        return path

    return _write
