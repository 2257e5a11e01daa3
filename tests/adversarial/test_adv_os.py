"""The operating system's ordinary refusals: a full disk, /dev/full, a name too long, a closed
pipe or stream, a non-UTF-8 stdout, pipes and process substitution as input. Each is one plain
line and exit 2 (or no change at all, for a reader that leaves early), never "internal error"."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import AS_OF, CREDITS, ON_TRACK, PEOPLE, command, marenew, one_plain_line
from marenew.cli.exitcodes import ExitCode

ROSTER = ("roster", "--people", PEOPLE, "--credits", CREDITS, "--as-of", AS_OF)
needs_dev_full = pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full on this system")


@needs_dev_full
@pytest.mark.parametrize(
    "args",
    [
        ("status", "{file}", "--as-of", AS_OF),
        ("plan", "{file}", "--as-of", AS_OF),
        ("calendar", "{file}", "--as-of", AS_OF),
        ROSTER,
        ("status", "{file}", "--as-of", AS_OF, "--json"),
        ("rules", "show", "CMA"),
    ],
    ids=["status", "plan", "calendar", "roster", "json", "rules-show"],
)
def test_a_full_device_behind_stdout_is_one_line_and_exit_2(credential, args):
    path = credential()
    with open("/dev/full", "wb") as full:
        done = subprocess.run(
            command(*(str(a).replace("{file}", str(path)) for a in args)),
            stdout=full,
            stderr=subprocess.PIPE,
            timeout=120,
        )
    stderr = done.stderr.decode()
    assert done.returncode == ExitCode.INPUT, stderr
    assert (
        stderr.splitlines()[-1] == "marenew: cannot write the output: no space left on the device"
        or "no space left on the device" in stderr
    )
    assert one_plain_line(stderr)


@pytest.mark.slow
def test_a_full_disk_under_an_output_file_leaves_nothing_behind(small_disk, tmp_path):
    from helpers import RULES_DIR  # noqa: F401 - the built-in rules need no room on the small disk

    people = tmp_path / "people.csv"
    rows = "".join(f"P{i:05d},Person {i} {'x' * 40},CMA,2025-01-01\n" for i in range(3000))
    people.write_text("person_id,holder,cert,certified_on\n" + rows, encoding="utf-8")
    target = small_disk / "out.csv"
    done = marenew("roster", "--people", people, "--as-of", AS_OF, "-o", target)
    assert done.returncode == ExitCode.INPUT, done.stderr
    assert f"{target}: error: cannot write: no space left on the device" in done.stderr
    assert list(small_disk.iterdir()) == []  # no partial output, no temporary file


@pytest.mark.slow
def test_a_full_tmpdir_is_a_plain_error(small_disk, tmp_path):
    filler = small_disk / "filler"
    with contextlib.suppress(OSError), filler.open("wb") as out:
        out.write(b"x" * 128 * 1024)
    done = marenew(*ROSTER, "--jobs", "2", env={"TMPDIR": str(small_disk)})
    assert done.returncode in (ExitCode.ATTENTION, ExitCode.INPUT), done.stderr
    assert one_plain_line(done.stderr)


def test_a_path_part_over_255_bytes_is_named_and_exit_2(credential, tmp_path):
    long_name = tmp_path / ("a" * 300 + ".csv")
    done = marenew(*ROSTER, "-o", long_name)
    assert done.returncode == ExitCode.INPUT and "file name too long" in done.stderr
    assert one_plain_line(done.stderr)
    done = marenew("status", tmp_path / ("b" * 300 + ".yaml"), "--as-of", AS_OF)
    assert done.returncode == ExitCode.INPUT and one_plain_line(done.stderr)


def test_an_output_folder_that_is_a_file_is_refused(tmp_path):
    (tmp_path / "plain").write_text("x", encoding="utf-8")
    done = marenew(*ROSTER, "-o", tmp_path / "plain" / "out.csv")
    assert done.returncode == ExitCode.INPUT and one_plain_line(done.stderr)


@pytest.mark.skipif(os.geteuid() == 0, reason="root may enter any folder: no EACCES to provoke")
def test_an_output_folder_the_user_may_not_enter_is_exit_2(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0)
    try:
        done = marenew(*ROSTER, "-o", locked / "out.csv")
    finally:
        locked.chmod(0o700)
    assert done.returncode == ExitCode.INPUT and "permission denied" in done.stderr


def test_a_reader_that_leaves_early_keeps_the_exit_code():
    # `marenew roster | head -1`: the rows need attention, so the exit code stays 1
    reader = subprocess.Popen(["head", "-c", "1"], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL)
    done = subprocess.run(command(*ROSTER, "--format", "csv"), stdout=reader.stdin, stderr=subprocess.PIPE, timeout=120)
    reader.stdin.close()
    reader.wait()
    assert done.returncode == ExitCode.ATTENTION
    assert one_plain_line(done.stderr.decode()) and "BrokenPipe" not in done.stderr.decode()


def test_a_reader_closed_before_the_output_keeps_the_exit_code(tmp_path):
    read, write = os.pipe()
    os.close(read)  # every write is EPIPE
    try:
        done = subprocess.run(command(*ROSTER, "--format", "jsonl"), stdout=write, stderr=subprocess.PIPE, timeout=120)
    finally:
        os.close(write)
    assert done.returncode == ExitCode.ATTENTION
    assert "Traceback" not in done.stderr.decode() and "Exception ignored" not in done.stderr.decode()


def test_a_closed_stderr_keeps_the_bad_input_exit_code(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("holder: [unclosed\n", encoding="utf-8")
    done = subprocess.run(
        command("status", bad, "--as-of", AS_OF),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        preexec_fn=lambda: os.close(2),
        timeout=60,
    )
    assert done.returncode == ExitCode.INPUT


def test_a_closed_stdout_does_not_crash(credential):
    done = subprocess.run(
        command("status", credential(), "--as-of", AS_OF),
        stderr=subprocess.PIPE,
        preexec_fn=lambda: os.close(1),
        timeout=60,
    )
    assert done.returncode == ExitCode.OK and one_plain_line(done.stderr.decode())


@pytest.mark.parametrize("encoding", ["ascii", "latin-1"])
def test_a_stdout_that_is_not_utf8_gets_escapes_not_a_crash(credential, encoding):
    path = credential("holder: Jordan Rivera", "holder: Jördan Rivera · 山田")
    done = marenew("status", path, "--as-of", AS_OF, env={"PYTHONIOENCODING": encoding})
    assert done.returncode == ExitCode.OK, done.stderr
    assert "Rivera" in done.stdout


def test_people_through_process_substitution_and_a_pipe(tmp_path):
    # bash's <(...) is a /dev/fd path to a pipe: no size, no seeking
    read, write = os.pipe()
    os.write(write, PEOPLE.read_bytes())
    os.close(write)
    done = subprocess.run(
        command("roster", "--people", f"/dev/fd/{read}", "--as-of", AS_OF, "--format", "csv"),
        capture_output=True,
        pass_fds=(read,),
        timeout=120,
    )
    os.close(read)
    assert done.returncode == ExitCode.ATTENTION, done.stderr.decode()
    assert done.stdout.decode().count("\n") == 1 + 9


def test_people_on_stdin():
    done = marenew("roster", "--people", "/dev/stdin", "--as-of", AS_OF, "--format", "csv", input=PEOPLE.read_bytes())
    assert done.returncode == ExitCode.ATTENTION, done.stderr
    assert done.stdout.count("\n") == 1 + 9


def test_a_credential_file_from_a_pipe():
    done = marenew("status", "/dev/stdin", "--as-of", AS_OF, input=ON_TRACK)
    assert done.returncode == ExitCode.OK, done.stderr


def test_a_missing_input_is_one_line(tmp_path):
    done = marenew("status", tmp_path / "nope.yaml", "--as-of", AS_OF)
    assert done.returncode == ExitCode.INPUT and done.stderr.strip().endswith("no such file")


def test_python_runs_with_stdin_closed(credential):
    done = subprocess.run(
        [sys.executable, "-m", "marenew", "status", str(credential()), "--as-of", AS_OF],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        timeout=60,
    )
    assert done.returncode == ExitCode.OK
