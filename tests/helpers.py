"""What the tests share: the repo's paths, dates, and one way to run the CLI."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from typer.testing import CliRunner

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples"
RULES_DIR = REPO / "rules"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
AS_OF = "2026-11-29"

_RUNNER = CliRunner()


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def cli(*args: object, env: dict[str, str] | None = None, input: str | bytes | None = None):
    """Run `marenew ARGS...` in this process (the command tree and rules are cached across calls);
    stdout and stderr are kept apart. The environment is the one the autouse fixture cleaned,
    plus ``env``."""
    from marenew.cli import app

    return _RUNNER.invoke(app, [str(a) for a in args], env=env, input=input)
