"""Shared fixtures: the repo's paths, the built-in rules, and a CLI runner."""

from __future__ import annotations

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
