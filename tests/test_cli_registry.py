"""The root command lists every command from a registry, without importing them."""

from __future__ import annotations

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

    def loaded(*args: str) -> str:
        proc = subprocess.run([sys.executable, "-c", probe, *args], capture_output=True, text=True, timeout=60)
        return proc.stdout.strip().splitlines()[-1]

    assert loaded("--help") == "['marenew.cli.exitcodes']"
    assert "marenew.cli.roster" not in loaded("status", "--help")
    assert "marenew.cli.status" in loaded("status", "--help")
