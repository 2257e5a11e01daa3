"""marenew roster reads exports as learning-management systems write them: loose headers and
synonyms, --map and --map-file, first and last names, separators, byte-order marks and CRLF,
--date-format with one problem per person, NFC/NFD names, duplicate credits, lost leading
zeros, kept columns, and the note when no credits file is given.

The messy sample in examples/roster/lms/ (semicolons, BOM, CRLF, MM/DD/YYYY, accents in both
Unicode forms, a duplicated completion, extra columns) is read as the clean one would be; its
people, worked out by hand with --as-of 2026-11-29:
  1001 CMA 2024-03-15 -> 2029-03-31 active; RMA 2024-01-15 -> 2027-01-15 expiring (47 days)
  1002 CMA 2022-01-10 -> 2027-01-31 expiring (63 days)
  1003 CCMA card 2026-12-20 -> expiring (21 days)
  1004 CMA 2021-10-05 -> 2026-10-31, late window to 2027-01-31 -> grace
  1005 NCMA 2025-10-01 -> 2026-10-01 lapsed
  1006 CMA 2025-06-10 -> 2030-06-30 active
  1007 CMA 2021-07-01 -> 2026-07-31, late window ended 2026-10-31 -> lapsed
"""

from __future__ import annotations

import json
import unicodedata

import pytest

from helpers import EXAMPLES
from marenew.cli import app
from marenew.cli.exitcodes import ExitCode

AS_OF = "2026-11-29"
LMS = EXAMPLES / "roster" / "lms"
US_DATES = ("--date-format", "%m/%d/%Y")


def run(runner, *args: str):
    return runner.invoke(app, ["roster", *args, "--as-of", AS_OF])


def json_rows(runner, *args: str) -> tuple[list[dict], object]:
    result = run(runner, *args, "--format", "json")
    assert result.exit_code in (0, 1, 2), result.output
    return json.loads(result.stdout), result


def lms(*extra: str) -> list[str]:
    return ["--people", str(LMS / "people.csv"), "--credits", str(LMS / "credits.csv"), *US_DATES, *extra]


def test_the_messy_sample_is_read_as_exported(runner):
    rows, result = json_rows(runner, *lms("--keep", "location,department"))
    assert result.exit_code == ExitCode.ATTENTION  # nothing is an error
    got = sorted((r["source"], r["cert"], r["status"], r["days_left"]) for r in rows)
    assert got == [
        ("1001", "CMA", "active", 853),
        ("1001", "RMA", "expiring", 47),
        ("1002", "CMA", "expiring", 63),
        ("1003", "CCMA", "expiring", 21),
        ("1004", "CMA", "grace", -29),
        ("1005", "NCMA", "lapsed", -59),
        ("1006", "CMA", "active", 1309),
        ("1007", "CMA", "lapsed", -121),
    ]
    # the holder built from First Name + Last Name, one name whichever Unicode form it was saved in
    maria = [r for r in rows if r["source"] == "1001"]
    assert {r["holder"] for r in maria} == {"María González"}
    assert unicodedata.is_normalized("NFC", maria[0]["holder"])
    assert {r["holder"] for r in rows if r["source"] == "1007"} == {"Zoë Adams"}
    # kept columns pass through
    assert {(r["kept"]["location"], r["kept"]["department"]) for r in maria} == {("Downtown", "Clinical")}
    # how the headers were read is said, once per file
    assert "reading `Employee ID` as person_id" in result.stderr
    assert "`Cert Date` as certified_on" in result.stderr and "`CE Hours` as points" in result.stderr


def test_a_duplicated_completion_counts_once_with_a_warning(runner):
    rows, result = json_rows(runner, *lms())
    cma = next(r for r in rows if r["source"] == "1001" and r["cert"] == "CMA")
    # 2 + 6 + 8 + 4 = 20 AAMA points counted; the duplicate 6 would have made 26
    total = next(q for q in cma["requirements"] if q["id"] == "total")
    assert total["counted"] == 20.0
    assert any("the same credit as line 3" in w and "counted once" in w for w in cma["warnings"])
    assert result.exit_code == ExitCode.ATTENTION


def test_headers_match_without_case_space_or_punctuation(runner, write):
    people = write("p.csv", "EMPLOYEE-ID,Full Name,CERTIFICATION,issue_date\nE1,Ann Lee,CMA,2025-06-10\n")
    rows, _ = json_rows(runner, "--people", str(people))
    assert [(r["source"], r["holder"], r["cert"], r["status"]) for r in rows] == [("E1", "Ann Lee", "CMA", "active")]


def test_a_missing_column_names_the_nearest_header(runner, write):
    people = write("p.csv", "Emp Num,Name,Credential,Cert Date\nE1,Ann,CMA,2025-06-10\n")
    result = run(runner, "--people", str(people))
    assert result.exit_code == ExitCode.INPUT and result.stdout == ""
    assert "missing column `person_id`; the nearest header is `Emp Num`" in result.stderr
    assert '--map people.person_id="HEADER"' in result.stderr


def test_map_and_map_file_name_headers(runner, write):
    people = write("p.csv", "Emp Num,Name,Credential,Cert Date\nE1,Ann,CMA,2025-06-10\n")
    credits = write("c.csv", "Emp Num,Module,Done,Hrs\nE1,Vitals,2025-07-01,2\n")
    args = ["--people", str(people), "--credits", str(credits)]
    rows, result = json_rows(
        runner,
        *args,
        "--map",
        'people.person_id="Emp Num"',
        "--map",
        "credits.person_id=Emp Num",
        "--map",
        "credits.title=Module",
        "--map",
        "credits.date=Done",
        "--map",
        "credits.points=Hrs",
    )
    assert result.exit_code == ExitCode.OK, result.stderr
    assert next(q for q in rows[0]["requirements"] if q["id"] == "total")["counted"] == 2.0
    mapping = write(
        "map.yaml",
        "people:\n  person_id: Emp Num\ncredits:\n  person_id: Emp Num\n  title: Module\n  date: Done\n  points: Hrs\n",
    )
    rows2, result2 = json_rows(runner, *args, "--map-file", str(mapping))
    assert result2.exit_code == ExitCode.OK and rows2 == rows
    # a mistake in a mapping is a usage error naming it
    bad = run(runner, *args, "--map", "people.persn_id=Emp Num")
    assert bad.exit_code == ExitCode.INPUT and "(did you mean `person_id`?)" in bad.stderr
    gone = run(runner, *args, "--map-file", str(mapping), "--map", "credits.points=Hours")
    assert gone.exit_code == ExitCode.INPUT and "no header `Hours` (mapped to credits.points)" in gone.stderr


def test_the_shipped_map_file_reads_the_sample(runner):
    rows, result = json_rows(runner, *lms("--map-file", str(LMS / "map.yaml")))
    plain, _ = json_rows(runner, *lms())
    assert result.exit_code == ExitCode.ATTENTION and rows == plain


@pytest.mark.parametrize("sep", [",", ";", "\t"])
def test_the_separator_is_detected(runner, write, sep):
    people = write(
        "p.csv",
        sep.join(["person_id", "holder", "cert", "certified_on"])
        + "\n"
        + sep.join(["S1", "Ann, RN", "CMA", "2025-06-10"]).replace("Ann, RN", '"Ann, RN"')
        + "\n",
    )
    rows, result = json_rows(runner, "--people", str(people))
    assert [(r["source"], r["holder"]) for r in rows] == [("S1", "Ann, RN")], result.stderr


def test_bom_and_crlf_are_read(runner, write):
    people = write("p.csv", "\ufeffperson_id,holder,cert,certified_on\r\nB1,Ann,CMA,2025-06-10\r\n".encode())
    rows, result = json_rows(runner, "--people", str(people))
    assert [(r["source"], r["certified_on"] if "certified_on" in r else r["expires_on"]) for r in rows] == [
        ("B1", "2030-06-30")
    ]
    assert "unknown column" not in result.stderr


def test_dates_in_another_form_are_one_problem_per_person(runner, write):
    people = write(
        "p.csv",
        "person_id,holder,cert,certified_on\nD1,Ann,CMA,03/04/2024\nD1,Ann,RMA,03/05/2024\nD2,Bo,CMA,2025-06-10\n",
    )
    credits = write(
        "c.csv", "person_id,title,date,points\n" + "".join(f"D1,Course {i},04/{i + 1:02d}/2024,1\n" for i in range(6))
    )
    rows, result = json_rows(runner, "--people", str(people), "--credits", str(credits))
    errors = [r for r in rows if "error" in r]
    # one message for D1's eight dates, on D1's first row; the second row points to it; no
    # credit row is rejected on its own
    assert len(errors) == 2
    first = errors[0]["error"]
    assert "`03/04/2024` is ambiguous (month or day first?)" in first
    assert "--date-format '%m/%d/%Y' (US)" in first
    assert "and 7 more dates of this person" in first
    assert "not evaluated" in errors[1]["error"]
    assert "0 rejected credit rows" in result.stderr
    # D2 is judged all the same
    assert [r["source"] for r in rows if "error" not in r] == ["D2"]
    # with the form given, all of it is read
    rows, result = json_rows(runner, "--people", str(people), "--credits", str(credits), *US_DATES)
    assert result.exit_code != ExitCode.INPUT and not any("error" in r for r in rows)


def test_an_unambiguous_date_says_which_form_it_is(runner, write):
    people = write("p.csv", "person_id,holder,cert,certified_on\nD1,Ann,CMA,25/03/2024\n")
    rows, _ = json_rows(runner, "--people", str(people))
    assert "it reads as day first: --date-format '%d/%m/%Y'" in rows[0]["error"]
    rows, _ = json_rows(runner, "--people", str(people), "--date-format", "%m/%d/%Y", "--date-format", "%d/%m/%Y")
    assert rows[0]["status"] == "active" and rows[0]["expires_on"] == "2029-03-31"


def test_lost_leading_zeros_get_a_hint(runner, write):
    people = write("p.csv", "person_id,holder,cert,certified_on\n00412,Ann,CMA,2025-06-10\n")
    credits = write("c.csv", "person_id,title,date,points\n412,Vitals,2025-07-01,2\n")
    rows, _ = json_rows(runner, "--people", str(people), "--credits", str(credits))
    orphan = next(r for r in rows if "error" in r)
    assert "person_id `412` is not in" in orphan["error"]
    assert "`00412` is, with different leading zeros" in orphan["error"]
    assert "format the column as Text" in orphan["error"]


def test_nfc_and_nfd_ids_are_one_person(runner, write):
    nfc, nfd = "JOSÉ-1", unicodedata.normalize("NFD", "JOSÉ-1")
    people = write("p.csv", f"person_id,holder,cert,certified_on\n{nfc},José,CMA,2025-06-10\n")
    credits = write("c.csv", f"person_id,title,date,points\n{nfd},Vitals,2025-07-01,2\n")
    rows, result = json_rows(runner, "--people", str(people), "--credits", str(credits))
    assert not any("error" in r for r in rows), result.stdout
    assert next(q for q in rows[0]["requirements"] if q["id"] == "total")["counted"] == 2.0


def test_keep_names_a_missing_column_and_people_without_credits_is_said(runner, write):
    people = write("p.csv", "person_id,holder,cert,certified_on,Location\nK1,Ann,CMA,2025-06-10,North\n")
    result = run(runner, "--people", str(people), "--keep", "locaton")
    assert result.exit_code == ExitCode.INPUT
    assert "--keep: no column `locaton`; the nearest header is `Location`" in result.stderr
    rows, result = json_rows(runner, "--people", str(people), "--keep", "location")
    assert rows[0]["kept"] == {"location": "North"}
    assert "no --credits file: CE is taken as none" in result.stderr
