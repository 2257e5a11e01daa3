"""Roster inputs, careless and hostile: files given twice, links to folders (and back up), *.YAML,
unreadable folders, empty exports, `-o -`, and CSV text that once lost records silently."""

from __future__ import annotations

import os
import shutil

import pytest

from conftest import AS_OF, CREDITS, ON_TRACK, PEOPLE, marenew, one_plain_line
from helpers import EXAMPLES
from marenew.cli.exitcodes import ExitCode


def rows(stdout: str) -> list[str]:
    return stdout.splitlines()[1:]


@pytest.fixture
def folder(tmp_path):
    root = tmp_path / "staff"
    (root / "sub").mkdir(parents=True)
    (root / "a.yaml").write_text(ON_TRACK, encoding="utf-8")
    shutil.copy(EXAMPLES / "cma-short.yaml", root / "sub" / "B.YAML")
    return root


def test_the_same_file_given_twice_is_counted_once_with_a_warning(folder):
    done = marenew("roster", folder / "a.yaml", folder / "a.yaml", "--as-of", AS_OF, "--format", "csv")
    assert len(rows(done.stdout)) == 1
    assert f"{folder / 'a.yaml'}: warning: the same file as one already given; counted once" in done.stderr


def test_a_file_given_and_inside_a_folder_given_is_counted_once(folder):
    done = marenew("roster", folder, folder / "a.yaml", "--as-of", AS_OF, "--format", "csv")
    assert len(rows(done.stdout)) == 2 and "counted once" in done.stderr


def test_upper_case_suffixes_are_credential_files(folder):
    done = marenew("roster", folder, "--as-of", AS_OF, "--format", "csv")
    assert any("B.YAML" in row for row in rows(done.stdout))


def test_a_linked_subfolder_is_followed_once_and_a_link_back_up_makes_no_loop(folder, tmp_path):
    other = tmp_path / "other"
    other.mkdir()
    shutil.copy(EXAMPLES / "multi-credential.yaml", other / "m.yml")
    (folder / "linked").symlink_to(other)
    (folder / "sub" / "up").symlink_to(folder)  # a loop
    (folder / "again").symlink_to(other)  # the same folder by a second link
    done = marenew("roster", folder, "--as-of", AS_OF, "--format", "csv", timeout=60)
    assert done.returncode in (ExitCode.OK, ExitCode.ATTENTION), done.stderr
    found = rows(done.stdout)
    assert sum("m.yml" in r for r in found) == 3  # its three credentials, once
    assert sum("a.yaml" in r for r in found) == 1


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any folder: no unreadable folder to provoke")
def test_an_unreadable_subfolder_is_an_error_row(folder):
    locked = folder / "locked"
    locked.mkdir()
    locked.chmod(0)
    try:
        done = marenew("roster", folder, "--as-of", AS_OF, "--format", "csv")
    finally:
        locked.chmod(0o700)
    assert done.returncode == ExitCode.INPUT
    assert any("locked" in r and "cannot be read" in r for r in rows(done.stdout))


def test_an_empty_people_export_is_bad_input(tmp_path):
    empty = tmp_path / "people.csv"
    empty.write_text("person_id,holder,cert,certified_on\n", encoding="utf-8")
    done = marenew("roster", "--people", empty, "--as-of", AS_OF)
    assert done.returncode == ExitCode.INPUT
    assert f"{empty}: error: has a header but no people rows; nothing to judge" in done.stderr
    empty.write_text("", encoding="utf-8")
    done = marenew("roster", "--people", empty, "--as-of", AS_OF)
    assert done.returncode == ExitCode.INPUT and one_plain_line(done.stderr)


def test_an_empty_folder_is_bad_input(tmp_path):
    done = marenew("roster", tmp_path, "--as-of", AS_OF)
    assert done.returncode == ExitCode.INPUT and "no credential files" in done.stderr


def test_dash_output_means_stdout(tmp_path):
    done = marenew("roster", "--people", PEOPLE, "--as-of", AS_OF, "-o", "-", "--format", "csv", cwd=tmp_path)
    assert done.stdout.startswith("holder,") and list(tmp_path.iterdir()) == []


def test_a_quote_inside_an_unquoted_cell_loses_no_later_credit(tmp_path):
    credits = tmp_path / "credits.csv"
    text = CREDITS.read_text(encoding="utf-8").splitlines()
    text.insert(2, 'P001,Using a 12" ruler,2025-10-01,1,,clinical,AAMA,')
    credits.write_text("\n".join(text) + "\n", encoding="utf-8")
    base = marenew("roster", "--people", PEOPLE, "--credits", CREDITS, "--as-of", AS_OF, "--format", "csv")
    done = marenew("roster", "--people", PEOPLE, "--credits", credits, "--as-of", AS_OF, "--format", "csv")
    assert done.returncode == base.returncode
    # every other person is judged exactly as before
    assert [r for r in rows(done.stdout) if ",P001," not in r] == [r for r in rows(base.stdout) if ",P001," not in r]


def test_an_unclosed_quote_in_people_is_reported_not_silently_dropped(tmp_path):
    people = tmp_path / "people.csv"
    lines = PEOPLE.read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2].replace(",", ',"', 1)
    people.write_text("\n".join(lines) + "\n", encoding="utf-8")
    done = marenew("roster", "--people", people, "--as-of", AS_OF, "--format", "csv")
    assert done.returncode == ExitCode.INPUT
    assert "error" in done.stderr or any(",error," in r for r in rows(done.stdout))


def test_cr_only_line_ends_read_like_lf(tmp_path):
    people = tmp_path / "people.csv"
    people.write_bytes(PEOPLE.read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r"))
    base = marenew("roster", "--people", PEOPLE, "--as-of", AS_OF, "--format", "csv")
    done = marenew("roster", "--people", people, "--as-of", AS_OF, "--format", "csv")
    assert done.returncode == base.returncode and rows(done.stdout) == rows(base.stdout), done.stderr


def test_an_empty_holder_is_not_accepted(tmp_path):
    people = tmp_path / "people.csv"
    people.write_text("person_id,holder,cert,certified_on\nP1,,CMA,2025-01-01\n", encoding="utf-8")
    done = marenew("roster", "--people", people, "--as-of", AS_OF, "--format", "csv")
    assert done.returncode == ExitCode.INPUT


def test_a_person_id_made_of_controls_is_escaped_in_the_table(tmp_path):
    people = tmp_path / "people.csv"
    people.write_text("person_id,holder,cert,certified_on\n\x1b[2J,Sam,NOPE,2025-01-01\n", encoding="utf-8")
    done = marenew("roster", "--people", people, "--as-of", AS_OF, "--format", "table")
    assert "\x1b" not in done.stdout + done.stderr
