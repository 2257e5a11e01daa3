"""Files: rule and case files only from inside the folders given, outputs that never replace a
file without --force (no check-then-open race), permission bits kept, nothing half-written."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from conftest import AS_OF, CREDITS, PEOPLE, marenew, one_plain_line
from marenew.cli.exitcodes import ExitCode
from marenew.load.problems import InputError
from marenew.store.atomic import atomic_output, write_atomic

SECRET = "holder: the secret a link points at\n"


@pytest.fixture
def outside(tmp_path):
    secret = tmp_path / "elsewhere" / "secret.yaml"
    secret.parent.mkdir()
    secret.write_text(SECRET, encoding="utf-8")
    return secret


def test_rules_check_refuses_a_link_out_of_the_folder_and_prints_none_of_it(rule_folder, outside):
    folder = rule_folder()
    (folder / "evil.yaml").symlink_to(outside)
    done = marenew("rules", "check", folder)
    assert done.returncode == ExitCode.INPUT
    assert f"{folder / 'evil.yaml'}: error: is a symbolic link to a file outside {folder}" in done.stderr
    assert "secret" not in done.stdout + done.stderr


def test_status_with_a_rules_folder_holding_a_link_out_is_refused(rule_folder, outside, credential):
    folder = rule_folder()
    (folder / "zz.yml").symlink_to(outside)
    done = marenew("status", credential(), "--rules", folder, "--as-of", AS_OF)
    assert done.returncode == ExitCode.INPUT and "symbolic link" in done.stderr
    assert "secret" not in done.stderr


def test_rules_test_refuses_a_case_file_linking_out(rule_folder, outside):
    folder = rule_folder()
    (folder / "cases").mkdir()
    (folder / "cases" / "leak.yaml").symlink_to(outside)
    done = marenew("rules", "test", folder)
    assert done.returncode == ExitCode.INPUT
    assert "leak.yaml: error: is a symbolic link to a file outside" in done.stderr
    assert "secret" not in done.stdout + done.stderr


def test_a_link_that_stays_inside_the_folder_is_fine(rule_folder):
    folder = rule_folder()
    (folder / "sub").mkdir()
    (folder / "cma.yaml").rename(folder / "sub" / "cma.yaml")
    (folder / "cma.yaml").symlink_to(Path("sub") / "cma.yaml")
    done = marenew("rules", "check", folder)
    assert done.returncode == ExitCode.OK, done.stdout + done.stderr


def test_an_existing_output_is_never_replaced_without_force(tmp_path):
    target = tmp_path / "out.csv"
    target.write_text("mine\n", encoding="utf-8")
    done = marenew("roster", "--people", PEOPLE, "--credits", CREDITS, "--as-of", AS_OF, "-o", target)
    assert done.returncode == ExitCode.INPUT and "already exists; pass --force" in done.stderr
    assert target.read_text(encoding="utf-8") == "mine\n"


def test_a_file_created_while_the_output_is_written_is_not_replaced(tmp_path):
    # the race: the name is free at the check, then someone creates it before the write lands
    target = tmp_path / "out.ics"
    with pytest.raises(InputError) as caught, atomic_output(target, force=False) as out:
        out.write("new content")
        target.write_text("created meanwhile\n", encoding="utf-8")
    assert "already exists" in str(caught.value.problems[0])
    assert target.read_text(encoding="utf-8") == "created meanwhile\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.ics"]  # no temporary file left


def test_a_link_planted_at_the_output_name_is_not_followed(tmp_path, outside):
    target = tmp_path / "out.csv"
    target.symlink_to(outside)
    done = marenew("roster", "--people", PEOPLE, "--as-of", AS_OF, "-o", target)
    assert done.returncode == ExitCode.INPUT
    assert outside.read_text(encoding="utf-8") == SECRET


def test_force_keeps_an_existing_files_permission_bits(tmp_path):
    target = tmp_path / "private.csv"
    target.write_text("old\n", encoding="utf-8")
    target.chmod(0o600)
    done = marenew("roster", "--people", PEOPLE, "--as-of", AS_OF, "-o", target, "--force")
    assert done.returncode in (ExitCode.OK, ExitCode.ATTENTION), done.stderr
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert target.read_text(encoding="utf-8-sig").startswith("holder,")


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_a_new_file_gets_the_mode_the_umask_gives(tmp_path, umask, mode):
    target = tmp_path / "new.ics"
    old = os.umask(umask)
    try:
        write_atomic(target, b"BEGIN:VCALENDAR\r\n", force=False)
    finally:
        os.umask(old)
    assert stat.S_IMODE(target.stat().st_mode) == mode


def test_an_interrupted_write_leaves_neither_a_partial_file_nor_a_temporary_one(tmp_path):
    target = tmp_path / "out.csv"
    with pytest.raises(KeyboardInterrupt), atomic_output(target, force=False) as out:
        out.write("half")
        raise KeyboardInterrupt
    assert list(tmp_path.iterdir()) == []


def test_writing_into_a_device_is_allowed(tmp_path):
    done = marenew(
        "calendar",
        Path(__file__).parent.parent.parent / "examples" / "cma-on-track.yaml",
        "--as-of",
        AS_OF,
        "-o",
        os.devnull,
    )
    assert done.returncode == ExitCode.OK, done.stderr
    assert one_plain_line(done.stderr)


def test_init_writes_through_a_temporary_file_and_refuses_to_overwrite(tmp_path):
    target = tmp_path / "marenew.yaml"
    target.write_text("holder: my real data\n", encoding="utf-8")
    done = marenew("init", target, "--cert", "CMA")
    assert done.returncode == ExitCode.INPUT
    assert target.read_text(encoding="utf-8") == "holder: my real data\n"
    assert [p.name for p in tmp_path.iterdir()] == ["marenew.yaml"]
