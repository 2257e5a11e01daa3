"""Careless YAML and the messages it gets: only YAML 1.2 numbers count, a value other YAML readers
take differently is an error showing both readings, and every message says what is wrong in plain
words (not "text" for 1e3, not a number that contradicts itself)."""

from __future__ import annotations

import pytest

from conftest import AS_OF, marenew, one_plain_line
from marenew.cli.exitcodes import ExitCode

# (written, what the message must say)
DISAGREE = [
    ("010", "the number 8 in YAML 1.1, the number 10 in YAML 1.2"),
    ("1:30", "the number 90 in YAML 1.1, text in YAML 1.2"),
    ("1_000", "the number 1000 in YAML 1.1, text in YAML 1.2"),
    ("0b11", "the number 3 in YAML 1.1, text in YAML 1.2"),
    ("0o17", "text in YAML 1.1, the number 15 in YAML 1.2"),
    ("1e3", "text in YAML 1.1, the number 1000.0 in YAML 1.2"),
    ("2.5e1", "text in YAML 1.1, the number 25.0 in YAML 1.2"),
]


@pytest.mark.parametrize(("written", "readings"), DISAGREE, ids=[w for w, _ in DISAGREE])
def test_a_number_yaml_readers_disagree_on_is_an_error_with_both_readings(credential, written, readings):
    path = credential("points: 2\n", f"points: {written}\n")
    done = marenew("status", path, "--as-of", AS_OF)
    assert done.returncode == ExitCode.INPUT
    assert f"{path}:11:13: error: credits[0].points: `{written}` is read differently by YAML readers" in done.stderr
    assert readings in done.stderr
    assert "put it in quotes if it is text, or write" in done.stderr
    assert one_plain_line(done.stderr)


@pytest.mark.parametrize(("written", "counted"), [("0x3", 3), ("1.5e+1", 15), ("+2", 2), (".5", 0.5)])
def test_numbers_every_reader_agrees_on_are_read(credential, written, counted):
    path = credential("points: 2\n", f"points: {written}\n")
    done = marenew("status", path, "--as-of", AS_OF, "--json")
    assert done.returncode == ExitCode.OK, done.stderr
    assert f'"points": {float(counted)}' in done.stdout


def test_a_400_digit_number_is_one_clear_message(credential):
    path = credential("points: 2\n", "points: " + "9" * 400 + "\n")
    done = marenew("status", path, "--as-of", AS_OF)
    assert done.returncode == ExitCode.INPUT
    (line,) = done.stderr.splitlines()
    assert "(400 digits) is too long to be a number here" in line
    assert "9" * 100 not in line  # the value is shown cut short
    assert "read as a number" not in line


@pytest.mark.parametrize(("written", "word"), [(".nan", "nan"), (".inf", "inf"), ("-.inf", "-inf")])
def test_nan_and_infinity_in_a_credential_are_refused(credential, written, word):
    path = credential("points: 2\n", f"points: {written}\n")
    done = marenew("status", path, "--as-of", AS_OF)
    assert done.returncode == ExitCode.INPUT and word in done.stderr and one_plain_line(done.stderr)


def test_a_quoted_certificate_number_with_a_leading_zero_stays_text(credential):
    path = credential('number: "1234567"', 'number: "0123"')
    done = marenew("status", path, "--as-of", AS_OF, "--json")
    assert done.returncode == ExitCode.OK and '"number": "0123"' in done.stdout


def test_a_day_that_does_not_exist_is_named_so():
    done = marenew("cost", "--as-of", "2026-02-29")
    assert done.returncode == ExitCode.INPUT
    assert "`2026-02-29` is a day that does not exist (day is out of range for month)" in done.stderr


@pytest.mark.parametrize(
    ("encoding", "name"),
    [
        ("utf-32", "UTF-32"),
        ("utf-32-le", "UTF-32"),
        ("utf-32-be", "UTF-32"),
        ("utf-16", "UTF-16"),
        ("utf-16-le", "UTF-16"),
    ],
)
def test_a_file_in_another_unicode_encoding_is_named_right(tmp_path, encoding, name):
    from conftest import ON_TRACK

    path = tmp_path / "creds.yaml"
    path.write_bytes(ON_TRACK.encode(encoding))
    done = marenew("status", path, "--as-of", AS_OF)
    assert done.returncode == ExitCode.INPUT
    assert done.stderr == f"{path}: error: is {name} text; save it as UTF-8\n"


def test_init_into_a_new_folder_writes_the_default_file_inside_it(tmp_path):
    done = marenew("init", "newdir/", "--cert", "CMA", "--as-of", AS_OF, cwd=tmp_path)
    assert done.returncode == ExitCode.OK, done.stderr
    assert (tmp_path / "newdir" / "marenew.yaml").is_file()
    assert "wrote newdir/marenew.yaml" in done.stderr


def test_init_into_a_folder_whose_parent_is_missing_refuses_clearly(tmp_path):
    done = marenew("init", "a/b/", "--cert", "CMA", cwd=tmp_path)
    assert done.returncode == ExitCode.INPUT
    assert "a/b: error: cannot create this folder: No such file or directory" in done.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", ['""', '"   "'])
def test_an_empty_holder_is_refused(credential, name):
    path = credential("holder: Jordan Rivera", f"holder: {name}")
    done = marenew("status", path, "--as-of", AS_OF)
    assert done.returncode == ExitCode.INPUT
    assert f"{path}:2:9: error: holder: the holder's name is empty" in done.stderr
