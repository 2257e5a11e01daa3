"""marenew roster: CSV and credential-file input, error rows, the count identity, order, formats,
partitions and workers, exit codes.

Every run passes --as-of 2026-11-29. The shipped examples (examples/roster/) give, by hand:
  P006 NCMA certified 2025-10-01, 12-month anniversary cycle -> expires 2026-10-01, no late
    window -> lapsed (deadline 2026-10-01);
  P007 CMA certified 2021-07-01 -> expires 2026-07-31 (end of month, 60 months), late window of
    3 months -> deadline 2026-10-31 -> lapsed;
  P008 CMA certified 2021-10-05 -> expires 2026-10-31, deadline 2027-01-31 -> grace;
  P005 CCMA expires_on 2026-12-20 (card) -> 21 days left -> expiring;
  P004 RMA certified 2024-01-15 -> expires 2027-01-15 (36 months) -> 47 days left -> expiring;
  P002 CMA certified 2022-01-10 -> expires 2027-01-31 -> 1 + 31 + 31 = 63 days left -> expiring;
  P003 RMA 2024-05-01 -> 2027-05-01 and CMA 2023-01-20 -> 2028-01-31 -> active;
  P001 CMA 2025-06-10 -> 2030-06-30 -> active.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from pathlib import Path

import pytest
import yaml

from helpers import AS_OF, EXAMPLES
from marenew.cli import app
from marenew.cli.exitcodes import ExitCode
from marenew.roster.rows import CSV_COLUMNS, ERROR_FIELDS, ROW_FIELDS
from ruledata import after_lapse_fees, money, path_fee, recurring_fee

PEOPLE = EXAMPLES / "roster" / "people.csv"
CREDITS = EXAMPLES / "roster" / "credits.csv"

# (source, cert, status, days_left) in the documented order, worked out above
EXPECTED_ORDER = [
    ("P006", "NCMA", "lapsed", -59),
    ("P007", "CMA", "lapsed", -121),
    ("P008", "CMA", "grace", -29),
    ("P005", "CCMA", "expiring", 21),
    ("P004", "RMA", "expiring", 47),
    ("P002", "CMA", "expiring", 63),
    ("P003", "RMA", "active", 153),
    ("P003", "CMA", "active", 428),
    ("P001", "CMA", "active", 1309),
]


def roster(runner, *args: str):
    return runner.invoke(app, ["roster", *args, "--as-of", AS_OF])


def rows_of(result) -> list[dict]:
    assert result.exit_code in (0, 1, 2), result.output
    return json.loads(result.stdout)


def csv_roster(runner, people: Path, credits: Path | None = None, *extra: str):
    args = ["--people", str(people)] + (["--credits", str(credits)] if credits else [])
    return roster(runner, *args, "--format", "json", *extra)


# --- turning the example CSV files into credential files (the same people) ----------------------


def _cells(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _yaml_value(text: str):
    return text if text else None


def write_credential_files(folder: Path, people: Path = PEOPLE, credits: Path = CREDITS) -> dict[str, Path]:
    """One credential file per person_id with the same content as the CSV rows."""
    by_person: dict[str, dict] = {}
    for row in _cells(people):
        person = by_person.setdefault(
            row["person_id"], {"holder": row["holder"], "memberships": [], "credentials": [], "credits": []}
        )
        cred = {"cert": row["cert"], "certified_on": _date(row["certified_on"])}
        if row["expires_on"]:
            cred["expires_on"] = _date(row["expires_on"])
        if row["number"]:
            cred["number"] = row["number"]
        person["credentials"].append(cred)
        person["memberships"] += [m for m in row["memberships"].split(";") if m and m not in person["memberships"]]
    for row in _cells(credits):
        credit: dict = {"title": row["title"], "date": _date(row["date"])}
        if row["points"]:
            credit["points"] = float(row["points"])
        if row["college_credits"]:
            credit["college_credits"] = float(row["college_credits"])
        if row["category"]:
            credit["category"] = row["category"]
        if row["approved_by"]:
            credit["approved_by"] = row["approved_by"].split(";")
        if row["applies_to"]:
            credit["applies_to"] = row["applies_to"].split(";")
        by_person[row["person_id"]]["credits"].append(credit)
    out = {}
    for pid, data in by_person.items():
        path = folder / "staff" / f"{pid}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        out[pid] = path
    return out


def _date(text: str):
    import datetime as dt

    return dt.date.fromisoformat(text)


def _comparable(row: dict) -> dict:
    return {k: v for k, v in row.items() if k not in ("source", "warnings")}


# --- the same people from CSV and from credential files ------------------------------------------


def test_csv_and_credential_files_give_the_same_results(runner, tmp_path):
    files = write_credential_files(tmp_path)
    from_csv = rows_of(csv_roster(runner, PEOPLE, CREDITS))
    from_files = rows_of(roster(runner, str(tmp_path / "staff"), "--format", "json"))
    assert len(from_csv) == len(from_files) == 9
    for a, b in zip(from_csv, from_files):
        assert b["source"] == str(files[a["source"]])
        assert _comparable(a) == _comparable(b)


def test_a_roster_row_repeats_what_status_json_says(runner, tmp_path):
    files = write_credential_files(tmp_path)
    rows = [r for r in rows_of(csv_roster(runner, PEOPLE, CREDITS)) if r["source"] == "P002"]
    status = runner.invoke(app, ["status", str(files["P002"]), "--json", "--as-of", AS_OF])
    cred = json.loads(status.stdout)["credentials"][0]
    (row,) = rows
    for field in ("cert", "status", "expires_on", "deadline", "ready", "points_needed", "cost", "days_left"):
        assert row[field] == cred[field], field
    assert row["holder"] == "Sam Okafor" and row["days_left"] == 63 and row["expires_on"] == "2027-01-31"


# --- order, fields, formats -------------------------------------------------------------------------


def test_most_urgent_first(runner):
    rows = rows_of(csv_roster(runner, PEOPLE, CREDITS))
    assert [(r["source"], r["cert"], r["status"], r["days_left"]) for r in rows] == EXPECTED_ORDER


def test_json_rows_have_the_documented_fields(runner):
    rows = rows_of(csv_roster(runner, PEOPLE, CREDITS))
    for row in rows:
        assert tuple(row) == ROW_FIELDS
        assert set(row["cost"]) >= {"path", "amount", "complete", "currency", "items"}
    ncma = next(r for r in rows if r["cert"] == "NCMA")
    assert ncma["cost"]["amount"] is None and ncma["cost"]["complete"] is False  # unknown is not zero


def test_csv_output_parses_back(runner):
    result = roster(runner, "--people", str(PEOPLE), "--credits", str(CREDITS), "--format", "csv")
    records = list(csv.reader(io.StringIO(result.stdout)))
    assert tuple(records[0]) == CSV_COLUMNS
    rows = [dict(zip(CSV_COLUMNS, r)) for r in records[1:]]
    assert [(r["source"], r["status"], int(r["days_left"])) for r in rows] == [
        (s, st, d) for s, _, st, d in EXPECTED_ORDER
    ]
    p007 = next(r for r in rows if r["source"] == "P007")
    # lapsed CMA: the after-lapse path (the exam), priced for a non-member
    assert p007["cost_path"] == "exam" and p007["cost_amount"] == "300"
    assert next(r for r in rows if r["source"] == "P006")["cost_amount"] == ""  # not published


def test_default_format_when_piped_is_csv(runner):
    result = roster(runner, "--people", str(PEOPLE), "--credits", str(CREDITS))
    assert result.stdout.splitlines()[0] == ",".join(CSV_COLUMNS)


def test_jsonl_is_one_object_per_line(runner):
    result = roster(runner, "--people", str(PEOPLE), "--credits", str(CREDITS), "--format", "jsonl")
    lines = result.stdout.splitlines()
    assert len(lines) == 9
    assert [json.loads(line)["source"] for line in lines] == [s for s, *_ in EXPECTED_ORDER]


def test_table_lists_every_row(runner):
    result = roster(runner, "--people", str(PEOPLE), "--credits", str(CREDITS), "--format", "table")
    for name in ("Jordan Rivera", "Sam Okafor", "Morgan Lee", "Riley Chen", "Jamie Patel"):
        assert name in result.stdout
    assert result.stdout.index("LAPSED") < result.stdout.index("GRACE") < result.stdout.index("ACTIVE")


def test_only_filters_statuses(runner):
    result = roster(
        runner, "--people", str(PEOPLE), "--credits", str(CREDITS), "--format", "json", "--only", "grace,lapsed"
    )
    assert [r["source"] for r in json.loads(result.stdout)] == ["P006", "P007", "P008"]
    assert "rows written: 3 (--only)" in result.stderr
    assert result.exit_code == ExitCode.ATTENTION  # the exit code counts every row, not the shown ones
    bad = roster(runner, "--people", str(PEOPLE), "--only", "overdue")
    assert bad.exit_code == 2 and "overdue" in bad.stderr


# What the rows that need action pay now in the example roster: P007's CMA exam and reactivation
# (non-member), P008's and P002's CMA CE renewals (member, non-member), P005's CCMA renewal, and
# P004's RMA attestation with the AMT annual fee due with it (all as the rule files give them).
# P008 (AAMA member) is in the late window and was 5 points short at expiry: CE earned now cannot
# count, so the exam without the reactivation fee.
DUE_NOW = (
    path_fee("CMA", "exam")
    + after_lapse_fees("CMA", "exam")
    + path_fee("CMA", "exam", member=True)
    + path_fee("CMA", "ce")
    + path_fee("CCMA", "ce")
    + path_fee("RMA", "ce")
    + recurring_fee("RMA")
)


def test_summary_on_stderr(runner):
    result = csv_roster(runner, PEOPLE, CREDITS)
    assert "8 people, 9 credentials evaluated, 0 error rows" in result.stderr
    assert "lapsed 2, grace 1, expiring 3, active 3" in result.stderr
    assert "9 people rows + 0 rejected credit rows = 9 result rows + 0 error rows" in result.stderr
    # due now: P007 exam $300, P008 exam $125, P005 $179, P004 the AMT annual fee, P002 $130;
    # P006's NCMA reinstatement fee is not published, so the total is incomplete
    assert f"at least {money(DUE_NOW)} (incomplete: 1 with a fee that is not published)" in result.stderr
    assert result.stdout.lstrip().startswith("[")  # the summary is not in the results


def test_summary_adds_the_known_cost_each_row_carries(runner):
    from marenew.roster.summary import Tally

    rows = rows_of(csv_roster(runner, PEOPLE, CREDITS))
    tally = Tally()
    for row in rows:
        tally.count(row)
    # the total above: Cost.known_amount of each row that needs action (P006's NCMA: 0, unknown)
    assert tally.due == sum(r["cost_known"] for r in rows if r["status"] != "active") == DUE_NOW
    assert next(r for r in rows if r["source"] == "P006")["cost_known"] == 0
    assert tally.due_unknown == 1


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_table_prints_on_the_console_it_is_given(runner, monkeypatch):
    """The table goes through cli_common.console() (markup off, NO_COLOR honoured), passed in by
    the CLI: a name that looks like rich markup prints as written, and NO_COLOR leaves no colour
    codes even on a terminal."""
    from rich.console import Console

    from marenew.cli.roster import _write_table
    from marenew.roster.output import write_table

    rows = rows_of(csv_roster(runner, PEOPLE, CREDITS))
    rows[0]["holder"] = "[bold]Morgan[/bold]"
    recorded = Console(file=io.StringIO(), width=200, markup=False, record=True)
    write_table(((None, r) for r in rows), recorded)
    text = recorded.export_text()
    assert "[bold]Morgan[/bold]" in text and "Riley Chen" in text

    # NO_COLOR drops colours (bold may stay): no foreground colour code such as ESC[31m
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.setenv("COLUMNS", "200")
    out = _Terminal()
    _write_table(((None, r) for r in rows), out)
    assert "[bold]Morgan[/bold]" in out.getvalue()
    assert not re.search(r"\x1b\[(\d+;)*(3\d|9\d)(;\d+)*m", out.getvalue())


# --- bad records ------------------------------------------------------------------------------------

BAD_PEOPLE = """\
Person_ID,HOLDER,Cert,certified_on,expires_on,department
A1,Ann One,CMA,2024-02-30,,Clinic
A2,Bob Two,XYZ,2024-01-01,,Clinic
A3,Cy Three,CMA,2023-05-05,,Lab
A3,Cy Three,RMA,2024-05-05,,Lab
A4,Di Four,CCMA,2025-01-01,,Lab
A5,Ed Five,CMA,2022-03-01,,Front desk,extra
A6,Flo Six,CMA,2023-06-06,,Lab
"""
BAD_CREDITS = """\
person_id,title,date,points,approved_by,cost_center
A3,Phlebotomy,2024-06-01,abc,AAMA,1
A4,Vitals,2025-06-01,3,NHA,1
ZZ,Orphan course,2025-01-01,2,,1
A6,Coding,2023-13-01,2,AAMA,1
"""


@pytest.fixture
def bad(write):
    return write("people.csv", BAD_PEOPLE), write("credits.csv", BAD_CREDITS)


def test_each_bad_record_is_an_error_row_with_its_line(runner, bad):
    people, credits = bad
    result = csv_roster(runner, people, credits)
    assert result.exit_code == ExitCode.INPUT
    rows = json.loads(result.stdout)
    errors = [r for r in rows if "error" in r]
    for r in errors:
        assert tuple(r) == ERROR_FIELDS
    by = {(r["source"], Path(r["file"]).name, r["line"]): r["error"] for r in errors}
    p, c = str(people), str(credits)
    assert by[("A1", "people.csv", 2)] == f"{p}:2:1: error: certified_on: `2024-02-30` is not a valid date"
    assert by[("A2", "people.csv", 3)].startswith(f"{p}:3:1: error: cert: unknown certification `XYZ`")
    assert by[("A3", "credits.csv", 2)] == f"{c}:2:1: error: points: `abc` is not a number"
    # the person of a bad credit row is not judged on the rest (as a credential file would not be)
    assert "not evaluated: another record of this person has an error" in by[("A3", "people.csv", 4)]
    assert "not evaluated" in by[("A3", "people.csv", 5)]
    assert by[("ZZ", "credits.csv", 4)] == f"{c}:4:1: error: person_id `ZZ` is not in {p}"
    assert by[("A5", "people.csv", 7)] == f"{p}:7:1: error: has 7 fields; the header has 6"
    assert by[("A6", "credits.csv", 5)] == f"{c}:5:1: error: date: `2023-13-01` is not a valid date"
    # the rest is still judged
    results = [r for r in rows if "error" not in r]
    assert [(r["source"], r["status"]) for r in results] == [("A4", "expiring")]
    # headers match case-insensitively; unknown columns are reported once each file, and ignored
    assert result.stderr.count("unknown column") == 2
    assert f"{p}:1: warning: unknown column `department` ignored" in result.stderr
    assert "`cost_center`" in result.stderr


def test_the_count_identity(runner, bad):
    people, credits = bad
    result = csv_roster(runner, people, credits)
    rows = json.loads(result.stdout)
    n_results = sum("error" not in r for r in rows)
    n_errors = sum("error" in r for r in rows)
    # 7 people rows; rejected credit rows: A3's `abc`, the orphan ZZ = 2 (A6's bad date is the
    # error of A6's people row: a date problem is the person's, reported once)
    assert 7 + 2 == n_results + n_errors == 9
    assert f"7 people rows + 2 rejected credit rows = {n_results} result row + {n_errors} error rows" in result.stderr


def test_error_rows_come_first_grouped_by_person(runner, bad):
    rows = json.loads(csv_roster(runner, *bad).stdout)
    kinds = ["error" in r for r in rows]
    assert kinds == sorted(kinds, reverse=True)
    sources = [r["source"] for r in rows if "error" in r]
    assert sources == sorted(sources)


def test_a_holder_that_differs_between_rows_is_an_error(runner, write):
    people = write("people.csv", "person_id,holder,cert,certified_on\nB1,Ann,CMA,2024-01-01\nB1,Anne,RMA,2024-01-01\n")
    rows = json.loads(csv_roster(runner, people).stdout)
    assert len(rows) == 2
    assert "holder differs from the one given for this person_id at line 2" in rows[1]["error"]


def test_missing_header_is_a_file_error(runner, write):
    people = write("people.csv", "P1,Ann,CMA,2024-01-01\n")
    result = roster(runner, "--people", str(people))
    assert result.exit_code == 2 and result.stdout == ""
    for column in ("person_id", "holder", "cert", "certified_on"):
        assert f"missing column `{column}`" in result.stderr
    empty = write("empty.csv", "")
    assert "is empty" in roster(runner, "--people", str(empty)).stderr


def test_blank_rows_are_skipped_and_said(runner, write):
    people = write("people.csv", "person_id,holder,cert,certified_on\n\nC1,Ann,CMA,2025-01-01\n,,,\n")
    result = csv_roster(runner, people)
    assert len(json.loads(result.stdout)) == 1
    assert "skipped 2 blank CSV rows" in result.stderr


def test_a_credit_with_a_quoted_newline_keeps_its_line_numbers(runner, write):
    people = write("people.csv", "person_id,holder,cert,certified_on\nD1,Ann,CMA,2025-01-01\n")
    credits = write("credits.csv", 'person_id,title,date,points\nD1,"Two\nlines",2025-02-01,2\nD1,Bad,2025-02-30,1\n')
    rows = json.loads(csv_roster(runner, people, credits).stdout)
    bad_credit = next(r for r in rows if r["file"] == str(credits))
    assert bad_credit["line"] == 4  # the record after the two-line one starts on line 4


# --- credential files -------------------------------------------------------------------------------


def test_a_broken_credential_file_is_one_error_row(runner, tmp_path):
    write_credential_files(tmp_path)
    broken = tmp_path / "staff" / "nested" / "broken.yml"
    broken.parent.mkdir()
    broken.write_text("holder: X\ncredentials:\n  - cert: CMA\n    certified_on: 2024-02-30\n", encoding="utf-8")
    (tmp_path / "staff" / "notes.txt").write_text("not a credential file", encoding="utf-8")
    result = roster(runner, str(tmp_path / "staff"), "--format", "json")
    assert result.exit_code == ExitCode.INPUT
    rows = json.loads(result.stdout)
    assert len(rows) == 10
    assert rows[0]["source"] == str(broken) and rows[0]["line"] == 4 and "2024-02-30" in rows[0]["error"]
    # 9 credentials in 8 good files, plus the broken file as one record; notes.txt is not read
    assert "10 credentials (an unreadable file counts as one) = 9 result rows + 1 error row" in result.stderr


# --- output files -----------------------------------------------------------------------------------


def test_output_file_is_never_overwritten_without_force(runner, tmp_path):
    out = tmp_path / "roster.csv"
    out.write_text("keep me", encoding="utf-8")
    result = roster(runner, "--people", str(PEOPLE), "--credits", str(CREDITS), "-o", str(out))
    assert result.exit_code == 2 and "already exists; pass --force" in result.stderr
    assert out.read_text(encoding="utf-8") == "keep me"
    forced = roster(runner, "--people", str(PEOPLE), "--credits", str(CREDITS), "-o", str(out), "--force")
    assert forced.exit_code == ExitCode.ATTENTION
    assert out.read_text(encoding="utf-8-sig").splitlines()[0] == ",".join(CSV_COLUMNS)
    assert [p.name for p in tmp_path.iterdir()] == ["roster.csv"]  # no temporary file left behind


def test_output_format_follows_the_suffix(runner, tmp_path):
    out = tmp_path / "roster.jsonl"
    roster(runner, "--people", str(PEOPLE), "--credits", str(CREDITS), "-o", str(out))
    assert len(out.read_text(encoding="utf-8").splitlines()) == 9


# --- partitions and workers give the same rows --------------------------------------------------------


def test_many_partitions_equal_one(runner, bad):
    one = csv_roster(runner, *bad, "--partitions", "1", "--jobs", "1")
    many = csv_roster(runner, *bad, "--partitions", "7", "--jobs", "1")
    assert one.stdout == many.stdout and one.stderr == many.stderr
    examples_one = csv_roster(runner, PEOPLE, CREDITS, "--partitions", "1", "--jobs", "1")
    examples_many = csv_roster(runner, PEOPLE, CREDITS, "--partitions", "5", "--jobs", "1")
    assert examples_one.stdout == examples_many.stdout


def test_two_workers_equal_one(runner, bad, tmp_path):
    one = csv_roster(runner, *bad, "--jobs", "1")
    two = csv_roster(runner, *bad, "--jobs", "2", "--partitions", "3")
    assert one.stdout == two.stdout
    write_credential_files(tmp_path)
    files_one = roster(runner, str(tmp_path / "staff"), "--format", "json", "--jobs", "1")
    files_two = roster(runner, str(tmp_path / "staff"), "--format", "json", "--jobs", "2", "--partitions", "4")
    assert files_one.stdout == files_two.stdout


def test_unsorted_has_the_same_rows(runner):
    sorted_rows = rows_of(csv_roster(runner, PEOPLE, CREDITS, "--partitions", "4"))
    unsorted = rows_of(csv_roster(runner, PEOPLE, CREDITS, "--partitions", "4", "--unsorted"))
    key = lambda r: (r["source"], r["cert"])  # noqa: E731
    assert sorted(unsorted, key=key) == sorted(sorted_rows, key=key)


# --- exit codes and usage -----------------------------------------------------------------------------


def test_exit_codes(runner, tmp_path, bad):
    files = write_credential_files(tmp_path)
    assert roster(runner, str(files["P001"])).exit_code == ExitCode.OK  # active only
    assert roster(runner, str(files["P001"]), str(files["P007"])).exit_code == ExitCode.ATTENTION
    assert csv_roster(runner, *bad).exit_code == ExitCode.INPUT


def test_usage_errors(runner, tmp_path):
    assert roster(runner).exit_code == 2
    both = roster(runner, str(tmp_path), "--people", str(PEOPLE))
    assert both.exit_code == 2 and "not both" in both.stderr
    assert roster(runner, "--credits", str(CREDITS)).exit_code == 2
    missing = roster(runner, "--people", str(tmp_path / "nope.csv"))
    assert missing.exit_code == 2 and "no such file" in missing.stderr and "Traceback" not in missing.output


def test_examples_folder_is_clean(runner):
    """The shipped examples are instructive: no error rows and no unknown columns."""
    result = csv_roster(runner, PEOPLE, CREDITS)
    assert result.exit_code == ExitCode.ATTENTION
    assert "warning:" not in result.stderr and "error rows" in result.stderr


def test_help_has_an_example(runner):
    result = runner.invoke(app, ["roster", "--help"])
    assert "Example: marenew roster --people" in result.stdout


def test_member_option_prices_everyone_as_members(runner):
    rows = rows_of(csv_roster(runner, PEOPLE, CREDITS, "--member"))
    assert all(r["cost"]["member"] for r in rows)
    p002 = next(r for r in rows if r["source"] == "P002")
    assert p002["cost"]["amount"] == 65.0  # the AAMA member price of CE recertification


def test_copy_of_examples_can_be_moved(tmp_path, runner):
    # the CSV files are self-contained: no path inside them
    shutil.copy(PEOPLE, tmp_path / "p.csv")
    shutil.copy(CREDITS, tmp_path / "c.csv")
    assert rows_of(csv_roster(runner, tmp_path / "p.csv", tmp_path / "c.csv"))[0]["source"] == "P006"


def test_row_fields_are_those_of_as_json(ruleset, tmp_path):
    """The roster builds its rows from the result directly (no per-credit detail); every field it
    shares with a credential of `status --json` must be the same value."""
    import datetime as dt

    from marenew.core.engine import evaluate
    from marenew.load.credentials import load_credentials
    from marenew.roster.rows import RESULT_FIELDS, result_row

    day = dt.date.fromisoformat(AS_OF)
    for path in write_credential_files(tmp_path).values():
        loaded = load_credentials(path, ruleset, today=day)
        for result in evaluate(ruleset.rules, loaded.holder, day).credentials:
            rule = ruleset.rules[result.cert.upper()]
            _, row = result_row("src", loaded.holder.holder, result, [], rule=rule, as_of=day)
            full = result.as_json()
            shared = (*RESULT_FIELDS, "next_step", "pace", "may_use_credential", "unmatched")
            assert {f: row[f] for f in shared} == {f: full[f] for f in shared}
            assert row["warnings"] == full["warnings"]
            assert row["cost_known"] == result.cost.known_amount  # what the summary adds up


def test_a_row_for_a_csv_record_gives_the_full_rows_record_key_and_count(ruleset, tmp_path):
    """Rows that go straight into CSV records are made with only what a record shows and the
    tally counts: their sort key, their record and their count are the full row's, and every
    value they hold is the full row's, or part of it (the cost and the next step), or None (the
    pace and the fees due, which no record shows)."""
    import datetime as dt

    from marenew.core.engine import evaluate
    from marenew.load.credentials import load_credentials
    from marenew.roster.rows import flat, result_row
    from marenew.roster.summary import Tally

    day = dt.date.fromisoformat(AS_OF)
    due = 0
    for path in write_credential_files(tmp_path).values():
        loaded = load_credentials(path, ruleset, today=day)
        for result in evaluate(ruleset.rules, loaded.holder, day, detail=False).credentials:
            rule = ruleset.rules[result.cert.upper()]
            key, row = result_row("src", loaded.holder.holder, result, ["w"], rule=rule, as_of=day, kept={"a": "b"})
            lean_key, lean = result_row(
                "src", loaded.holder.holder, result, ["w"], rule=rule, as_of=day, kept={"a": "b"}, record=True
            )
            assert lean_key == key
            assert flat(lean, ("a",)) == flat(row, ("a",))
            full_count, lean_count = Tally(), Tally()
            full_count.count(row)
            lean_count.count(lean)
            assert lean_count == full_count
            assert list(lean) == list(row)
            step, full_step = dict(lean["next_step"]), dict(row["next_step"])
            assert step.pop("cost") == lean["cost"]
            assert lean["cost"].items() <= full_step.pop("cost").items()
            assert lean["cost"].items() <= row["cost"].items()
            assert step.items() <= full_step.items()
            assert lean["pace"] is None and lean["fees_due"] is None
            assert {f: v for f, v in lean.items() if f not in ("cost", "next_step", "pace", "fees_due")} == {
                f: v for f, v in row.items() if f not in ("cost", "next_step", "pace", "fees_due")
            }
            due += bool(row["fees_due"])
    assert due  # some of the results have fees falling due: the lean rows left them out


def test_rows_share_no_dict_or_list(ruleset, tmp_path):
    """Results share their costs, fees and requirements, whose JSON is built once: each row must
    still hold dicts and lists of its own (a later stage, or a library caller, may change them),
    and changing one row changes neither another row nor the results."""
    import datetime as dt

    from marenew.core.engine import evaluate
    from marenew.load.credentials import load_credentials
    from marenew.roster.rows import result_row

    day = dt.date.fromisoformat(AS_OF)
    results = []
    for path in write_credential_files(tmp_path).values():
        loaded = load_credentials(path, ruleset, today=day)
        for _ in range(2):  # judged twice: the same shared objects in both
            results += [(loaded.holder.holder, r) for r in evaluate(ruleset.rules, loaded.holder, day).credentials]
    assert any(a.cost is b.cost for (_, a), (_, b) in zip(results, results[1:]))

    def rows() -> list[dict]:
        return [
            result_row("src", holder, r, [], rule=ruleset.rules[r.cert.upper()], as_of=day)[1] for holder, r in results
        ]

    made = rows()
    before = json.dumps(made)
    seen: dict[int, object] = {}

    def walk(value: object) -> None:
        if isinstance(value, dict | list):
            assert id(value) not in seen, value
            seen[id(value)] = value
            for inner in value.values() if isinstance(value, dict) else value:
                walk(inner)

    walk(made)
    for container in seen.values():  # change every dict and list of every row
        if isinstance(container, dict):
            container["changed"] = True
        else:
            container.append("changed")  # type: ignore[attr-defined]
    assert json.dumps(rows()) == before


def test_canonical_order_fast_path_equals_the_full_key():
    """engine.canonical_order skips the full key when date, title and points already tell the
    credits apart (the roster sorts millions); with ties it falls back to the full key."""
    import datetime as dt
    import random

    from marenew.core.credential import Credit
    from marenew.core.engine import _order_key, canonical_order

    rng = random.Random(6)
    for _ in range(50):
        credits = [
            Credit(
                title=rng.choice(["A", "B", "C"]),
                date=dt.date(2025, 1, rng.randint(1, 3)),
                points=rng.choice([1.0, 2.0]),
                category=rng.choice([None, "clinical", "General"]),
                approved_by=rng.sample(["AAMA", "AMT", "nha"], rng.randint(0, 2)),
            )
            for _ in range(rng.randint(0, 8))
        ]
        assert canonical_order(credits) == sorted(credits, key=_order_key)
        assert canonical_order(reversed(credits)) == canonical_order(credits)


def test_a_folder_without_credential_files_is_bad_input(runner, tmp_path):
    # Judging nobody must not exit 0 as if everyone were active.
    (tmp_path / "people.csv").write_text("person_id,holder,cert,certified_on\n", encoding="utf-8")
    result = runner.invoke(app, ["roster", str(tmp_path), "--as-of", "2026-11-29", "--format", "csv"])
    assert result.exit_code == 2
    assert "no credential files" in result.output
    assert str(tmp_path) in result.output
