"""A credential file that still holds `marenew init`'s placeholders (lines marked `# FILL-IN`) gets
one warning from every command that reads it; a file filled in gets none."""

from __future__ import annotations

import pytest

from helpers import AS_OF, cli
from marenew.cli.exitcodes import ExitCode
from marenew.load.placeholders import marked_lines

WARNING = "still placeholders written by `marenew init`"


@pytest.fixture
def starter(tmp_path):
    path = tmp_path / "marenew.yaml"
    assert cli("init", path, "--cert", "RMA", "--as-of", AS_OF).exit_code == ExitCode.OK
    return path


@pytest.mark.parametrize(
    "command",
    [
        ["status"],
        ["plan"],
        ["cost"],
        ["calendar"],
        ["add", "--title", "CPR", "--date", "2026-11-01", "--points", "1"],
        ["renew", "--on", "2026-11-20"],
        ["pay", "--on", "2026-11-20"],
    ],
)
def test_every_command_that_reads_the_file_warns(starter, command):
    result = cli(command[0], starter, *command[1:], "--as-of", AS_OF)
    assert result.exit_code in (ExitCode.OK, ExitCode.ATTENTION), result.stderr
    warnings = [line for line in result.stderr.splitlines() if WARNING in line]
    assert len(warnings) == 1, result.stderr
    # at the first marked line: the holder's name
    first = (
        starter.read_text(encoding="utf-8")
        .splitlines()
        .index(next(ln for ln in starter.read_text(encoding="utf-8").splitlines() if ln.startswith("holder:")))
    )
    assert warnings[0].startswith(f"{starter}:{first + 1}:1: warning: ")


def test_the_warning_goes_once_every_mark_is_gone(starter):
    text = starter.read_text(encoding="utf-8").replace("# FILL-IN", "#")
    starter.write_text(text, encoding="utf-8")
    result = cli("status", starter, "--as-of", AS_OF)
    assert "placeholder" not in result.stderr


def test_only_a_comment_is_a_mark():
    text = (
        "holder: Ana  # FILL-IN your name\n"
        "credits:\n"
        '  - title: "Course # FILL-IN"\n'
        "    date: 2026-01-01 #FILL-IN\n"
        "  - title: A#FILL-IN\n"
        "# FILL-IN on a line of its own\n"
    )
    assert marked_lines(text) == [1, 4, 6]
