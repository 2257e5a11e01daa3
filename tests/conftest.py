"""Shared fixtures: the repo's paths, the built-in rules, and a CLI runner."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples"
RULES_DIR = REPO / "rules"


@pytest.fixture(scope="session")
def ruleset():
    from marenew.load.rules import load_rules

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


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)
