"""`marenew renew`: the old cycle moves to the credential's history with the credits it used, the
new cycle comes from the rule; the file keeps its comments and formatting, the old version is kept
as FILE.bak, and nothing is written on any error."""

from __future__ import annotations

import json

import pytest
import yaml

from helpers import cli, kill_mid_write
from marenew.cli.exitcodes import ExitCode

# Odd but valid formatting, comments everywhere, a card date with its own comment, an application
# already sent, and a credit dated the day of the renewal.
ODD = """\
# My certifications
holder:   "Dana Reyes"    # me
memberships: [AAMA]

credentials:
    -   cert: CMA      # the main one
        number: '0012345'
        certified_on: 2021-03-15   # first certified
        expires_on: 2026-03-31     # as on my card
        submitted_on: 2026-02-01   # mailed it
        # nothing else to say

# CE below
credits:
  - {title: "Flow item", date: 2022-01-10, points: 20, category: clinical, approved_by: AAMA}
  - title: Infection control
    date: 2023-02-01
    points: 20   # a big one

    approved_by: [AAMA]
    category: administrative
  - {title: "On the day", date: 2026-02-10, points: 20, category: general, approved_by: AAMA}
  - {title: "Next cycle", date: 2026-02-20, points: 2, category: general, approved_by: AAMA}
  # a comment after the last credit
# end of file
"""

AS_OF = "2026-03-01"


def _file(tmp_path, text=ODD, name="me.yaml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _said(result) -> str:
    """stdout with its lines unfolded (it is folded to 80 columns)."""
    return " ".join(result.stdout.split())


def _comments(text: str) -> list[str]:
    return [line[line.index("#") :] for line in text.splitlines() if "#" in line]


def _status(path, as_of=AS_OF):
    result = cli("status", path, "--as-of", as_of, "--json", "--explain")
    assert result.exit_code in (ExitCode.OK, ExitCode.ATTENTION), result.stderr
    return json.loads(result.stdout)["credentials"]


def test_renew_keeps_every_comment_and_records_the_old_cycle(tmp_path):
    path = _file(tmp_path)
    result = cli("renew", path, "--on", "02/10/2026", "--as-of", AS_OF)
    assert result.exit_code == ExitCode.OK, result.stderr
    new = path.read_text(encoding="utf-8")
    assert _comments(new) == _comments(ODD)
    # only the changed values differ on the lines that were there
    assert "        certified_on: 2026-02-10   # first certified" in new
    assert "        expires_on: 2031-02-28     # as on my card" in new
    # emptied, its comment where it was
    (emptied,) = [ln for ln in new.splitlines() if "submitted_on" in ln]
    (sent,) = [ln for ln in ODD.splitlines() if "submitted_on" in ln]
    assert emptied.split("#")[0].strip() == "submitted_on:" and emptied.index("#") == sent.index("#")
    old_lines = [line for line in ODD.splitlines() if "certified_on" not in line and "_on: 20" not in line]
    assert all(line in new.splitlines() for line in old_lines)
    assert (tmp_path / "me.yaml.bak").read_text(encoding="utf-8") == ODD
    cred = yaml.safe_load(new)["credentials"][0]
    assert cred["history"] == [
        {
            "certified_on": yaml.safe_load("2021-03-15"),
            "expires_on": yaml.safe_load("2026-03-31"),
            "renewed_on": yaml.safe_load("2026-02-10"),
            "by": "ce",
            "credits": [
                {"title": "Flow item", "date": yaml.safe_load("2022-01-10")},
                {"title": "Infection control", "date": yaml.safe_load("2023-02-01")},
                {"title": "On the day", "date": yaml.safe_load("2026-02-10")},
            ],
        }
    ]
    assert cred["submitted_on"] is None
    # what it says: both cycles, the card date replaced, and what status now says
    assert "old cycle 2021-03-15 to 2026-03-31 -> history, with the 3 credits it used" in _said(result)
    assert "new cycle 2026-02-10 to 2031-02-28" in _said(result)
    assert "expires_on 2026-03-31 (the old card's date) is now 2031-02-28" in _said(result)
    assert "CMA now: ACTIVE, expires 2031-02-28" in _said(result)
    assert all(len(line) <= 80 for line in result.stdout.splitlines())
    assert "previous version" in result.stderr


def test_credits_of_the_old_cycle_never_count_in_the_new_one(tmp_path):
    path = _file(tmp_path)
    assert cli("renew", path, "--on", "2026-02-10", "--as-of", AS_OF).exit_code == ExitCode.OK
    (cma,) = _status(path)
    assert cma["status"] == "active" and cma["certified_on"] == "2026-02-10"
    counted = {c["title"]: c["counted"] for c in cma["credits"]}
    # "On the day" falls inside the new cycle (it starts that day) but the renewal used it
    assert counted == {"Flow item": 0, "Infection control": 0, "On the day": 0, "Next cycle": 2}
    notes = {c["title"]: c["note"] for c in cma["credits"]}
    assert "used for the renewal of 2026-02-10" in notes["On the day"]
    assert cma["points_needed"] == 58


def test_submitted_then_renewed(tmp_path):
    text = ODD.replace("        submitted_on: 2026-02-01   # mailed it\n", "")
    path = _file(tmp_path, text)
    result = cli("renew", path, "--submitted", "2026-04-10", "--as-of", "2026-04-15")
    assert result.exit_code == ExitCode.OK, result.stderr
    assert "submitted_on: 2026-04-10" in path.read_text(encoding="utf-8")
    (cma,) = _status(path, "2026-04-15")
    # expired 2026-03-31, in the late window: waiting for AAMA, not an alarm
    assert cma["status"] == "submitted" and cma["next_step"]["action"] == "wait"
    result = cli("renew", path, "--on", "2026-04-30", "--as-of", "2026-05-02")
    assert result.exit_code == ExitCode.OK, result.stderr
    assert "submitted_on 2026-04-10 cleared" in _said(result)
    (cma,) = _status(path, "2026-05-02")
    assert cma["status"] == "active" and cma["expires_on"] == "2031-04-30"


def test_a_rule_that_does_not_say_asks_for_the_card_date(tmp_path):
    text = "holder: Sam\ncredentials:\n  - cert: NCMA  # yearly\n    certified_on: 2025-06-01\n"
    path = _file(tmp_path, text)
    result = cli("renew", path, "--on", "2026-05-20", "--as-of", "2026-06-01")
    assert result.exit_code == ExitCode.INPUT
    assert "does not say where a renewed cycle starts" in result.stderr and "--expires" in result.stderr
    assert path.read_text(encoding="utf-8") == text and not (tmp_path / "me.yaml.bak").exists()
    result = cli("renew", path, "--on", "2026-05-20", "--expires", "2027-06-01", "--as-of", "2026-06-01")
    assert result.exit_code == ExitCode.OK, result.stderr
    assert "(the date on the new card)" in _said(result)
    (ncma,) = _status(path, "2026-06-01")
    assert ncma["expires_on"] == "2027-06-01" and ncma["expires_on_from"] == "card"


def test_nha_renewed_early_keeps_the_old_expiry_and_warns_of_nothing(tmp_path):
    text = "holder: Sam\ncredentials:\n  - cert: CCMA\n    certified_on: 2025-03-02\n"
    path = _file(tmp_path, text)
    result = cli("renew", path, "--on", "2026-12-20", "--as-of", "2026-12-28")
    assert result.exit_code == ExitCode.OK, result.stderr
    assert "new cycle 2027-03-02 to 2029-03-02" in _said(result)
    status = cli("status", path, "--as-of", "2026-12-28")
    # the new cycle starts at the old expiry, still ahead: expected, not a slip
    assert "in the future" not in status.stderr


def test_mistakes_are_exit_2_and_write_nothing(tmp_path):
    two = ODD.replace(
        "        # nothing else to say\n",
        "        # nothing else to say\n    -   cert: RMA\n        certified_on: 2024-05-01\n",
    )
    path = _file(tmp_path, two)
    cases = {
        ("--on", "2026-02-10"): "say which with --cert",
        ("--cert", "CMAA", "--on", "2026-02-10"): "holds no `CMAA`",
        ("--cert", "CMA"): "give --on DATE",
        ("--cert", "CMA", "--on", "2026-02-10", "--submitted", "2026-02-01"): "give --on DATE",
        ("--cert", "CMA", "--on", "2026-03-05"): "after today",
        ("--cert", "CMA", "--on", "2020-01-01"): "is not after it",
        ("--cert", "CMA", "--on", "2026-02-30"): "--on",
        ("--cert", "CMA", "--on", "2026-02-10", "--by", "magic"): "say ce",
    }
    for args, words in cases.items():
        result = cli("renew", path, *args, "--as-of", AS_OF)
        assert result.exit_code == ExitCode.INPUT, args
        assert words in result.stderr, (args, result.stderr)
    assert path.read_text(encoding="utf-8") == two
    assert not (tmp_path / "me.yaml.bak").exists()


def test_the_same_renewal_twice_is_refused(tmp_path):
    path = _file(tmp_path)
    assert cli("renew", path, "--on", "2026-02-10", "--as-of", AS_OF).exit_code == ExitCode.OK
    once = path.read_text(encoding="utf-8")
    result = cli("renew", path, "--on", "2026-02-10", "--as-of", AS_OF)
    assert result.exit_code == ExitCode.INPUT and "recorded already" in result.stderr
    assert path.read_text(encoding="utf-8") == once


def test_a_yaml_slip_is_reported_with_its_line_and_a_hint(tmp_path):
    missing_dash = ODD.replace("  - title: Infection control", "  title: Infection control")
    path = _file(tmp_path, missing_dash)
    result = cli("renew", path, "--on", "2026-02-10", "--as-of", AS_OF)
    assert result.exit_code == ExitCode.INPUT
    assert "missing dash" in result.stderr and f"{path}:16:" in result.stderr
    assert path.read_text(encoding="utf-8") == missing_dash
    assert not (tmp_path / "me.yaml.bak").exists()


def test_renew_a_file_written_by_init(tmp_path):
    path = tmp_path / "marenew.yaml"
    assert cli("init", path, "--cert", "RMA", "--as-of", "2026-11-29").exit_code == ExitCode.OK
    text = path.read_text(encoding="utf-8")
    result = cli("renew", path, "--on", "2029-08-20", "--as-of", "2029-08-25")
    assert result.exit_code == ExitCode.OK, result.stderr
    new = path.read_text(encoding="utf-8")
    assert _comments(new) == _comments(text)
    (rma,) = _status(path, "2029-08-25")
    # certified 2026-08-29, due 2029-08-29: the next block is 2029-08-29 to 2032-08-29
    assert rma["certified_on"] == "2029-08-29" and rma["expires_on"] == "2032-08-29"


@pytest.mark.slow  # a child process, killed mid-write
@pytest.mark.slow  # a child process, killed mid-write
def test_killed_mid_write_leaves_the_old_file_whole(tmp_path):
    path = _file(tmp_path)
    kill_mid_write(tmp_path, "renew", path, "--on", "2026-02-10", "--as-of", AS_OF)
    assert path.read_text(encoding="utf-8") == ODD
    assert cli("status", path, "--as-of", AS_OF).exit_code in (ExitCode.OK, ExitCode.ATTENTION)


def test_an_empty_submitted_on_is_filled_where_it_stands(tmp_path):
    # as `init` writes it: `submitted_on:` with an aligned comment; the splice fills it in place
    text = (
        "holder: Ana\n"
        "credentials:\n"
        "  - cert: CMA\n"
        "    certified_on: 2021-06-15        # the day this cycle began\n"
        "    submitted_on:                   # the day you sent the renewal\n"
        "    history: []                     # earlier cycles\n"
    )
    path = _file(tmp_path, text)
    assert cli("renew", path, "--submitted", "2026-04-20", "--as-of", "2026-04-22").exit_code == ExitCode.OK
    sent = path.read_text(encoding="utf-8")
    assert sent == text.replace("submitted_on:" + " " * 11, "submitted_on: 2026-04-20")
    assert cli("renew", path, "--on", "2026-05-12", "--as-of", "2026-05-15").exit_code == ExitCode.OK
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[:6] == [
        "holder: Ana",
        "credentials:",
        "  - cert: CMA",
        "    certified_on: 2026-05-12        # the day this cycle began",
        "    submitted_on:                   # the day you sent the renewal",
        "    history:                        # earlier cycles",
    ]
    assert lines[6:] == [
        "      - certified_on: 2021-06-15",
        "        expires_on: 2026-06-30",
        "        renewed_on: 2026-05-12",
        "        by: ce",
    ]


def test_by_exam_uses_no_credits(tmp_path):
    path = _file(tmp_path)
    result = cli("renew", path, "--on", "2026-02-10", "--by", "exam", "--as-of", AS_OF)
    assert result.exit_code == ExitCode.OK, result.stderr
    (past,) = yaml.safe_load(path.read_text(encoding="utf-8"))["credentials"][0]["history"]
    assert past["by"] == "exam" and "credits" not in past
    (cma,) = _status(path)
    counted = {c["title"]: c["counted"] for c in cma["credits"]}
    # the exam used none: a credit of the renewal day is inside the new cycle and counts there
    assert counted["On the day"] == 20 and counted["Flow item"] == 0
