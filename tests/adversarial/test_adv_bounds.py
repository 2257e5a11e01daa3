"""Bounds: every option and rule value is held to what the engine and the calendar can represent,
checked up front with a message; nothing too large crashes a command later or eats the machine."""

from __future__ import annotations

import os

import pytest

from conftest import AS_OF, CREDITS, PEOPLE, marenew, one_plain_line
from marenew.cli.exitcodes import ExitCode

RULE_VALUES = [
    (
        "months: {value: 60, source: AAMA-POL",
        "months: {value: .nan, source: AAMA-POL",
        "cycle.months.value: expected a whole number, but `.nan` was read as not-a-number",
    ),
    ("months: {value: 60, source: AAMA-POL", "months: {value: .inf, source: AAMA-POL", "`.inf` was read as infinity"),
    (
        "months: {value: 60, source: AAMA-POL",
        "months: {value: 99999, source: AAMA-POL",
        "99999 is more than 120 months, the most marenew accepts here",
    ),
    ("value: 3, source: AAMA-FAQ", "value: 100000, source: AAMA-FAQ", "100000 is more than 120 months"),
    ("total: {value: 60,", "total: {value: .inf,", "`inf` is not a usable number"),
    ("member: {value: 65,", "member: {value: .nan,", "`nan` is not a usable number"),
    ("member: {value: 65,", "member: {value: 1e12,", "read differently by YAML readers"),
    ("member: {value: 65,", "member: {value: 1000000000,", "more than 100,000 dollars"),
]


@pytest.mark.parametrize(
    ("old", "new", "message"),
    RULE_VALUES,
    ids=[n.split("value: ")[1].split(",")[0] + "-" + str(i) for i, (_, n, _) in enumerate(RULE_VALUES)],
)
def test_a_rule_value_out_of_bounds_is_caught_by_rules_check_and_never_crashes(
    rule_folder, credential, old, new, message
):
    folder = rule_folder(old, new)
    done = marenew("rules", "check", folder)
    assert done.returncode == ExitCode.ATTENTION
    assert message in done.stdout
    for cmd in ("status", "plan", "calendar"):
        done = marenew(cmd, credential(), "--rules", folder, "--as-of", AS_OF)
        assert done.returncode == ExitCode.INPUT, (cmd, done.stderr)
        assert message in done.stderr and one_plain_line(done.stderr)


def test_a_recurring_fee_every_zero_or_ten_thousand_months_is_refused(tmp_path):
    from helpers import RULES_DIR

    rma = (RULES_DIR / "rma.yaml").read_text(encoding="utf-8")
    for bad, message in (("0", "must be more than 0"), ("10000", "more than 120 months")):
        folder = tmp_path / bad
        folder.mkdir()
        text = rma.replace("every_months: {value: 12,", f"every_months: {{value: {bad},", 1)
        assert text != rma
        (folder / "rma.yaml").write_text(text, encoding="utf-8")
        done = marenew("rules", "check", folder)
        assert done.returncode == ExitCode.ATTENTION and message in done.stdout


def test_the_largest_values_accepted_still_work_at_the_end_of_the_calendar(rule_folder, credential):
    folder = rule_folder("months: {value: 60, source: AAMA-POL", "months: {value: 120, source: AAMA-POL")
    (folder / "cma.yaml").write_text(
        (folder / "cma.yaml").read_text().replace("value: 3, source: AAMA-FAQ", "value: 120, source: AAMA-FAQ"),
        encoding="utf-8",
    )
    assert marenew("rules", "check", folder).returncode == ExitCode.OK
    path = credential("certified_on: 2025-06-10", "certified_on: 2199-12-31")
    for cmd in ("status", "plan", "calendar"):
        done = marenew(cmd, path, "--rules", folder, "--as-of", "2199-12-31")
        assert done.returncode in (ExitCode.OK, ExitCode.ATTENTION), (cmd, done.stderr)


def test_jobs_beyond_the_machine_are_clamped_with_a_warning():
    done = marenew("roster", "--people", PEOPLE, "--credits", CREDITS, "--as-of", AS_OF, "--jobs", "10000")
    assert done.returncode == ExitCode.ATTENTION
    assert "--jobs 10000 is more than this machine can use; using" in done.stderr


def test_a_huge_columns_value_is_bounded(credential):
    done = marenew("status", credential(), "--as-of", AS_OF, env={"COLUMNS": "99999999999"})
    assert done.returncode == ExitCode.OK, done.stderr
    assert max(len(line) for line in done.stdout.splitlines()) <= 1000


@pytest.mark.parametrize("value", ["1e12", "inf", "nan", "-5", "abc"])
def test_max_file_mb_that_is_absurd_is_handled(credential, value):
    done = marenew("status", credential(), "--as-of", AS_OF, env={"MARENEW_MAX_FILE_MB": value})
    assert done.returncode == ExitCode.OK, done.stderr


def test_a_file_over_the_size_limit_is_refused_without_reading_it_all(tmp_path):
    big = tmp_path / "big.yaml"
    with big.open("wb") as out:
        out.truncate(6 * 1024 * 1024)
    done = marenew("status", big, "--as-of", AS_OF)
    assert done.returncode == ExitCode.INPUT
    assert "over the limit of 5.0 MB (set MARENEW_MAX_FILE_MB to raise it)" in done.stderr


def test_an_endless_device_is_cut_at_the_limit():
    done = marenew("status", "/dev/zero", "--as-of", AS_OF, env={"MARENEW_MAX_FILE_MB": "0.5"})
    assert done.returncode == ExitCode.INPUT and "over the limit" in done.stderr


@pytest.mark.parametrize("alarm", ["1000000000", "-1"])
def test_an_alarm_out_of_range_is_a_usage_error(credential, alarm):
    done = marenew("calendar", credential(), "--as-of", AS_OF, "--alarm", alarm)
    assert done.returncode == ExitCode.INPUT and one_plain_line(done.stderr)
    assert "--alarm" in done.stderr


def test_a_csv_field_over_the_limit_is_an_error_row_not_a_crash(tmp_path):
    people = tmp_path / "people.csv"
    people.write_text(
        f'person_id,holder,cert,certified_on\nP1,"{"x" * (2 * 1024 * 1024)}",CMA,2025-01-01\nP2,Sam,CMA,2025-01-01\n',
        encoding="utf-8",
    )
    done = marenew("roster", "--people", people, "--as-of", AS_OF, "--format", "csv")
    assert done.returncode == ExitCode.INPUT and one_plain_line(done.stderr)
    assert "\nSam,P2,CMA,active" in done.stdout  # the next person is still judged


def test_warn_days_huge_is_handled(credential):
    done = marenew("status", credential(), "--as-of", AS_OF, "--warn-days", str(10**12))
    assert done.returncode in (ExitCode.ATTENTION, ExitCode.INPUT) and one_plain_line(done.stderr)


if os.name != "posix":  # pragma: no cover
    pytestmark = pytest.mark.skip("POSIX devices")


@pytest.mark.slow
@pytest.mark.parametrize("which", ["people", "credits"])
def test_a_line_of_many_megabytes_is_an_error_row_and_memory_stays_bounded(tmp_path, which):
    import resource
    import subprocess

    from conftest import command

    huge = "x" * (12 * 1024 * 1024)
    people, credits = tmp_path / "people.csv", tmp_path / "credits.csv"
    if which == "people":
        people.write_text(
            f"person_id,holder,cert,certified_on\nP1,{huge},CMA,2025-01-01\nP2,Sam,CMA,2025-01-01\n", encoding="utf-8"
        )
        args = ["--people", people]
    else:
        people.write_text("person_id,holder,cert,certified_on\nP1,Sam,CMA,2025-01-01\n", encoding="utf-8")
        credits.write_text(
            f"person_id,title,date,points\nP1,{huge},2025-01-01,1\nP1,ok,2025-01-01,1\n", encoding="utf-8"
        )
        args = ["--people", people, "--credits", credits]
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    done = subprocess.run(
        command("roster", *args, "--as-of", AS_OF, "--format", "csv", "--jobs", "1"), capture_output=True, timeout=120
    )
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    assert done.returncode == ExitCode.INPUT, done.stderr
    out = done.stdout.decode()
    assert f"{which}.csv:2:1: error: line 2 is longer than 4 MiB; not read" in out
    assert "Sam" in out  # the record after it is read
    if peak_kb > before:  # this child set a new high: it must stay far below the line's size
        assert peak_kb < 200 * 1024
