"""Untrusted text at each sink: escape sequences, C1 controls, carriage returns and bidi overrides
from credential files, CSV cells and rule files never reach a terminal raw; calendars carry no
control character and no injected property; JSON keeps the data, escaped."""

from __future__ import annotations

import json

import pytest

from conftest import AS_OF, marenew
from marenew.cli.exitcodes import ExitCode

# window title, screen clear, CSI in its one-byte C1 form, a carriage return, a right-to-left override
HOSTILE = "Pat\x1b]0;PWNED\x07\x1b[2J\u009b31m\rX\u202eevil"
HOSTILE_YAML = "Pat\\e]0;PWNED\\a\\e[2J\\u009b31m\\rX\\u202eevil"
RAW = ("\x1b", "\x07", "\u009b", "\r", "\u202e")


def assert_clean(text: str) -> None:
    for ch in RAW:
        assert ch not in text, f"{ch!r} reached the terminal"


@pytest.fixture
def hostile_file(credential):
    return credential("holder: Jordan Rivera", f'holder: "{HOSTILE_YAML}"')


@pytest.mark.parametrize("cmd", ["status", "plan"])
def test_a_holder_name_cannot_send_escape_sequences(hostile_file, cmd):
    done = marenew(cmd, hostile_file, "--as-of", AS_OF)
    assert done.returncode == ExitCode.OK
    assert_clean(done.stdout)
    assert "Pat\\x1b]0;PWNED\\x07\\x1b[2J\\x9b31m\\x0dX\\u202eevil" in done.stdout  # shown, not lost


def test_a_course_title_in_the_credits_table_is_escaped(credential):
    path = credential("title: HIPAA privacy update", 'title: "HIPAA\\e[8m hidden\\e[0m"')
    done = marenew("status", path, "--as-of", AS_OF, "--credits")
    assert_clean(done.stdout)


def test_json_keeps_the_text_and_escapes_every_control(hostile_file):
    done = marenew("status", hostile_file, "--as-of", AS_OF, "--json")
    assert_clean(done.stdout)
    assert json.loads(done.stdout)["holder"] == HOSTILE


def test_an_error_message_quoting_a_value_is_escaped(credential):
    path = credential("cert: CMA", 'cert: "\\e[2JCMA"')
    done = marenew("status", path, "--as-of", AS_OF)
    assert done.returncode == ExitCode.INPUT
    assert_clean(done.stderr)
    assert "\\x1b[2J" in done.stderr


def test_csv_cells_in_the_roster_table_are_escaped(tmp_path):
    people = tmp_path / "people.csv"
    quoted = HOSTILE.replace('"', '""')
    people.write_text(
        f'person_id,holder,cert,certified_on\nP1,"{quoted}",CMA,2025-01-01\nP2\x1b[8m,Sam,CMA,2025-01-01\n',
        encoding="utf-8",
    )
    done = marenew("roster", "--people", people, "--as-of", AS_OF, "--format", "table")
    assert_clean(done.stdout)
    assert_clean(done.stderr)
    assert "Pat\\x1b" in done.stdout


def test_a_rule_file_cannot_write_escapes_through_rules_show(rule_folder):
    folder = rule_folder("name: Certified Medical Assistant", 'name: "Certified\\e]0;owned\\a Medical Assistant"')
    done = marenew("rules", "show", "CMA", "--rules", folder, "--as-of", AS_OF)
    assert done.returncode == ExitCode.OK, done.stderr
    assert_clean(done.stdout)


def test_rules_check_output_escapes_what_it_quotes(rule_folder):
    folder = rule_folder("id: CMA", 'id: "CMA\\e[2J"')
    done = marenew("rules", "check", folder)
    assert_clean(done.stdout + done.stderr)


def test_a_calendar_carries_no_control_character(rule_folder, credential):
    folder = rule_folder("name: Certified Medical Assistant", 'name: "Certified\\e[2J\\u0085 Medical Assistant"')
    done = marenew("calendar", credential(), "--rules", folder, "--as-of", AS_OF)
    assert done.returncode == ExitCode.OK, done.stderr
    text = done.raw_stdout.decode("utf-8")
    assert all(ch in "\r\n\t" or ch.isprintable() for ch in text)


def test_a_renewal_page_with_a_line_break_is_refused_before_it_reaches_a_calendar(rule_folder, credential):
    folder = rule_folder(
        "renewal_page: https://www.aama-ntl.org/cma-aama-exam/recertification-policies",
        'renewal_page: "https://x.example/\\r\\nATTACH:http://evil.example/"',
    )
    done = marenew("rules", "check", folder)
    assert done.returncode == ExitCode.ATTENTION
    assert "renewal_page: the renewal page must be one address" in done.stdout
    done = marenew("calendar", credential(), "--rules", folder, "--as-of", AS_OF)
    assert done.returncode == ExitCode.INPUT
    assert b"ATTACH" not in done.raw_stdout


def test_a_renewal_page_that_is_not_a_web_address_is_refused(rule_folder):
    folder = rule_folder(
        "renewal_page: https://www.aama-ntl.org/cma-aama-exam/recertification-policies",
        "renewal_page: javascript:alert(1)",
    )
    done = marenew("rules", "check", folder)
    assert "must be an http:// or https:// address" in done.stdout


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_roster_json_keeps_cells_exactly_with_controls_escaped(tmp_path, fmt):
    people = tmp_path / "people.csv"
    people.write_text(
        "person_id,holder,cert,certified_on\nP1,Pat\u009b31m\u202eX\x7f,CMA,2025-01-01\n", encoding="utf-8"
    )
    done = marenew("roster", "--people", people, "--as-of", AS_OF, "--format", fmt)
    assert_clean(done.stdout) and "\x7f" not in done.stdout
    data = json.loads(done.stdout) if fmt == "json" else [json.loads(line) for line in done.stdout.splitlines()]
    assert data[0]["holder"] == "Pat\u009b31m\u202eX\x7f"
