"""No traceback, ever: an unexpected exception is one line asking for a report, exit 3, and shows no
value from the credential file; MARENEW_DEBUG=1 shows the traceback."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

from marenew import cli
from marenew.cli.exitcodes import ExitCode

SECRET = "Quentin Zebulon-Privatename"
CREDS = f"""\
holder: {SECRET}
credentials:
  - cert: CMA
    number: "SECRET-998877"
    certified_on: 2023-03-01
"""
ARGS = ["status", "--as-of", "2026-11-29"]


@pytest.fixture
def creds(write):
    return write("creds.yaml", CREDS)


def _explode(*args, **kwargs):
    # An exception whose message carries values from the file, as a real bug's might.
    holder = args[1]
    raise RuntimeError(f"cannot judge {holder.holder} ({holder.credentials[0].number})")


def test_typer_is_built_with_locals_hidden():
    assert cli.app.pretty_exceptions_show_locals is False


def test_unexpected_error_is_one_line_exit_3_without_values(monkeypatch, runner, creds):
    monkeypatch.setattr("marenew.core.engine.evaluate", _explode)
    monkeypatch.delenv("MARENEW_DEBUG", raising=False)
    result = runner.invoke(cli.app, [ARGS[0], str(creds), *ARGS[1:]])
    assert result.exit_code == ExitCode.INTERNAL == 3
    lines = result.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("marenew: internal error (RuntimeError); this is a bug in marenew, please report it")
    assert "MARENEW_DEBUG=1" in lines[0]
    for shown in (result.stdout, result.stderr):
        assert SECRET not in shown and "SECRET-998877" not in shown and "Traceback" not in shown


def test_debug_shows_the_traceback(monkeypatch, runner, creds):
    monkeypatch.setattr("marenew.core.engine.evaluate", _explode)
    result = runner.invoke(cli.app, [ARGS[0], str(creds), *ARGS[1:]], env={"MARENEW_DEBUG": "1"})
    assert result.exit_code == ExitCode.INTERNAL
    assert "Traceback (most recent call last)" in result.stderr
    assert f"RuntimeError: cannot judge {SECRET}" in result.stderr


def test_main_catches_what_escapes_the_commands(monkeypatch, capsys):
    # main() is the last line of defence, for an exception outside any command's guarded() block.
    def broken_root():
        raise KeyError(SECRET)

    monkeypatch.setattr(cli, "root", broken_root)
    monkeypatch.delenv("MARENEW_DEBUG", raising=False)
    with pytest.raises(SystemExit) as exit_info:
        cli.main()
    assert exit_info.value.code == ExitCode.INTERNAL
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("marenew: internal error (KeyError)") and err.count("\n") == 1
    assert SECRET not in err


def test_main_lets_the_traceback_through_with_debug(monkeypatch):
    def broken_root():
        raise KeyError(SECRET)

    monkeypatch.setattr(cli, "root", broken_root)
    monkeypatch.setenv("MARENEW_DEBUG", "1")
    with pytest.raises(KeyError):
        cli.main()


def test_main_turns_ctrl_c_into_exit_130(monkeypatch, capsys):
    def interrupted_root():
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "root", interrupted_root)
    with pytest.raises(SystemExit) as exit_info:
        cli.main()
    assert exit_info.value.code == ExitCode.INTERRUPTED
    assert capsys.readouterr().err == "marenew: interrupted\n"


@pytest.mark.parametrize(
    ("stop", "code"), [(KeyboardInterrupt, ExitCode.INTERRUPTED), ("sigterm", ExitCode.TERMINATED)]
)
def test_main_ends_a_stop_as_a_stop_when_a_clean_up_fails_on_the_way_out(monkeypatch, capsys, stop, code):
    # A signal lands inside a library, whose clean-up then raises an error of its own.
    from marenew.cli.streams import Terminated

    def stopped_root():
        try:
            raise Terminated() if stop == "sigterm" else stop()
        finally:
            raise TypeError("'NoneType' object is not callable")

    monkeypatch.setattr(cli, "root", stopped_root)
    monkeypatch.delenv("MARENEW_DEBUG", raising=False)
    with pytest.raises(SystemExit) as exit_info:
        cli.main()
    assert exit_info.value.code == code
    assert "internal error" not in capsys.readouterr().err


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_as_the_process_ends_ends_it_as_the_system_does(creds, sig):
    # The command is done and main() has returned its code; a signal while the interpreter shuts
    # down (sent here from an atexit handler) ends the process, and prints nothing.
    script = (
        f"import atexit, os\natexit.register(os.kill, os.getpid(), {int(sig)})\nfrom marenew.cli import main\nmain()\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script, ARGS[0], str(creds), *ARGS[1:]], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == -sig
    assert proc.stderr == ""


@pytest.mark.slow
@pytest.mark.parametrize(
    ("stop", "code", "said"),
    [
        ("KeyboardInterrupt()", ExitCode.INTERRUPTED, "marenew: interrupted\n"),
        ("streams.Terminated()", ExitCode.TERMINATED, ""),
    ],
)
def test_a_signal_handled_in_a_finaliser_still_stops_the_command(stop, code, said):
    # A signal handled while Python runs a finaliser (or a weak reference's callback): the
    # handler's exception cannot be raised there, and Python would print it and go on.
    script = (
        "import time\n"
        "import marenew.cli as cli\n"
        "from marenew.cli import streams\n"
        "class Finalised:\n"
        "    def __del__(self):\n"
        f"        raise {stop}  # as the signal's handler raises it, handled here\n"
        "def root():\n"
        "    def command(*args, **kwargs):\n"
        "        Finalised()  # gone at once: its finaliser runs now\n"
        "        until = time.monotonic() + 5\n"
        "        while time.monotonic() < until:  # the command goes on working\n"
        "            pass\n"
        "        print('finished')\n"
        "    return command\n"
        "cli.root = root\n"
        "cli.main()\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert proc.returncode == code
    assert "finished" not in proc.stdout
    assert proc.stderr == said


@pytest.mark.slow
@pytest.mark.parametrize(
    ("sig", "code", "said"),
    [(signal.SIGINT, ExitCode.INTERRUPTED, "marenew: interrupted\n"), (signal.SIGTERM, ExitCode.TERMINATED, "")],
)
def test_what_a_stop_leaves_half_done_fails_quietly_as_it_is_collected(sig, code, said):
    # openpyxl's zip file, abandoned by a stop in the middle of a save, fails in its finaliser
    # once its buffer is gone; that is the stop, not news
    script = (
        "import marenew.cli as cli\n"
        "from marenew.cli import streams\n"
        "class HalfDone:\n"
        "    def __del__(self):\n"
        "        raise ValueError('I/O operation on closed file.')\n"
        "left = []\n"
        "def root():\n"
        "    def command(*args, **kwargs):\n"
        "        left.append(HalfDone())  # collected as the process ends\n"
        f"        streams._on_signal({int(sig)}, None)  # the signal lands\n"
        "    return command\n"
        "cli.root = root\n"
        "cli.main()\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "MARENEW_DEBUG"}
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, env=env)
    assert proc.returncode == code
    assert proc.stderr == said


@pytest.mark.slow
def test_real_process_internal_error(creds):
    # A real interpreter, real stderr: the console script's main() with the engine broken.
    code = (
        "import marenew.core.engine as e\n"
        "def boom(*a, **k):\n"
        "    raise RuntimeError('cannot judge ' + a[1].holder)\n"
        "e.evaluate = boom\n"
        "from marenew.cli import main\n"
        "main()\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, ARGS[0], str(creds), *ARGS[1:]],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "NO_COLOR": "1"},
    )
    assert proc.returncode == ExitCode.INTERNAL
    assert "Traceback" not in proc.stderr and SECRET not in proc.stderr + proc.stdout
    assert proc.stderr.startswith("marenew: internal error (RuntimeError)")
