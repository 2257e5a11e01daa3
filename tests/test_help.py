"""`--help` of every command reads as a user would type the command, with an example each.

The top-level list shows each summary whole at 80 columns; usage lines name arguments as
`FILE`, `[FILE]` or `[PATH]...` (never typer's `{FILE}`, `[[FILE]]` or a Python type such as
`<list[Path]>`); and `init --help` says what `init` really writes.
"""

from __future__ import annotations

import re

import pytest

from helpers import cli
from marenew.cli import COMMANDS, load_command

NARROW = {"COLUMNS": "80"}


def _commands() -> list[tuple[str, ...]]:
    paths: list[tuple[str, ...]] = []
    for name in COMMANDS:
        command = load_command(name)
        subs = getattr(command, "commands", None)
        paths += [(name, sub) for sub in subs] if subs else [(name,)]
    return paths


COMMAND_PATHS = _commands()


def _help(*path: str) -> str:
    result = cli(*path, "--help", env=NARROW)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_top_level_list_shows_every_summary_whole():
    text = _help()
    listing = " ".join(text.split("Commands:", 1)[1].split())
    for name, entry in COMMANDS.items():
        assert f"{name} {entry.summary}" in listing, f"`{name}`'s summary is cut or missing in `marenew --help`"
    assert "..." not in text.split("Commands:", 1)[1]
    assert all(len(line) <= 80 for line in text.splitlines())


@pytest.mark.parametrize("name", [n for n in COMMANDS if getattr(load_command(n), "commands", None)])
def test_group_lists_every_subcommand_summary_whole(name):
    text = _help(name).split("Commands:", 1)[1]
    assert "..." not in text, text
    assert all(len(line) <= 80 for line in text.splitlines())
    listing = " ".join(text.split())
    for sub, command in load_command(name).commands.items():
        assert f"{sub} {command.short_help}" in listing, f"`marenew {name} {sub}` has no whole summary"


@pytest.mark.parametrize("path", COMMAND_PATHS, ids=" ".join)
def test_usage_line_names_arguments_as_typed(path):
    usage = _help(*path).split("\n\n", 1)[0]
    assert usage.startswith(f"Usage: marenew {' '.join(path)} [OPTIONS]")
    for internal in ("{", "}", "[[", "<"):
        assert internal not in usage, f"`{usage}` shows typer's internals ({internal})"


@pytest.mark.parametrize("path", COMMAND_PATHS, ids=" ".join)
def test_arguments_show_no_python_type(path):
    text = _help(*path)
    if "Arguments:" not in text:
        return  # a command without arguments has no section to check
    section = text.split("Arguments:", 1)[1].split("Options:", 1)[0]
    assert not re.search(r"<[^>]*>", section), section


@pytest.mark.parametrize("path", COMMAND_PATHS, ids=" ".join)
def test_help_has_an_example(path):
    text = " ".join(_help(*path).split())
    assert f"Example: marenew {' '.join(path)} " in text, f"`marenew {' '.join(path)} --help` has no example"


def test_init_help_says_what_init_writes():
    text = " ".join(_help("init").split())
    assert "three months before today" in text
    written = cli("init", "-", "--cert", "CMA", "--as-of", "2026-11-29")
    assert written.exit_code == 0, written.output
    assert re.search(r"certified_on: 2026-08-29\b", written.stdout)
