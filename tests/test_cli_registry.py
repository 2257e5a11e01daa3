"""The root command lists every command from a registry, without importing them."""

from __future__ import annotations

import ast
import subprocess
import sys

import pytest

from marenew.cli import COMMANDS, load_command


@pytest.mark.parametrize("name", list(COMMANDS))
def test_registry_summary_is_the_commands_own_first_sentence(name):
    help_text = " ".join((load_command(name).help or "").split())
    assert help_text.startswith(COMMANDS[name].summary.rstrip(".")), (name, help_text[:120])


@pytest.mark.slow
def test_help_imports_no_command_and_status_imports_only_its_own():
    probe = (
        "import sys\n"
        "from marenew.cli import main\n"
        "try:\n"
        "    main()\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(sorted(m for m in sys.modules if m.startswith('marenew.cli.')))\n"
    )

    command_modules = {entry.module for entry in COMMANDS.values()}

    def loaded(*args: str) -> set[str]:
        proc = subprocess.run([sys.executable, "-c", probe, *args], capture_output=True, text=True, timeout=60)
        return set(ast.literal_eval(proc.stdout.strip().splitlines()[-1])) & command_modules

    assert loaded("--help") == set()
    assert loaded("status", "--help") == {"marenew.cli.status"}
