"""What marenew roster writes for a manager: the format from -o's extension (an unknown one is
refused), CSV with a byte-order mark and formula cells neutralised, an XLSX workbook read back
with openpyxl, a self-contained HTML page checked in headless chromium, --group-by, --budget,
--digest, the terminal table at 80 columns, and golden exports of the messy LMS sample.

Set MARENEW_UPDATE_GOLDEN=1 to rewrite the golden files after a deliberate change of output.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from helpers import EXAMPLES, REPO
from marenew.cli import app
from marenew.cli.exitcodes import ExitCode
from marenew.roster.rows import CSV_COLUMNS

AS_OF = "2026-11-29"
LMS = EXAMPLES / "roster" / "lms"
GOLDEN = LMS / "expected"
# Relative paths (the tests run from the repository, see below): the outputs name the files as
# given, so the golden files must not depend on where the repository was cloned.
LMS_ARGS = [
    "--people",
    str((LMS / "people.csv").relative_to(REPO)),
    "--credits",
    str((LMS / "credits.csv").relative_to(REPO)),
    "--date-format",
    "%m/%d/%Y",
    "--keep",
    "location,department",
    "--as-of",
    AS_OF,
]
# Read at import: the autouse fixture clears MARENEW_* settings before each test runs.
UPDATE_GOLDEN = bool(os.environ.get("MARENEW_UPDATE_GOLDEN"))
ARTIFACTS = Path(os.environ.get("MARENEW_TEST_ARTIFACTS", REPO / "build" / "test-artifacts"))
# The same people by hand (test_employer_input): 2 lapsed, 1 grace, 3 expiring, 2 active.
COUNTS = {"lapsed": 2, "grace": 1, "expiring": 3, "active": 2}


@pytest.fixture(autouse=True)
def from_the_repository(monkeypatch):
    monkeypatch.chdir(REPO)


def run(runner, *args: str):
    return runner.invoke(app, ["roster", *args])


def lms(runner, *extra: str):
    return run(runner, *LMS_ARGS, *extra)


# --- the format follows the file -------------------------------------------------------------


@pytest.mark.parametrize("name", ["roster.xls", "roster.pdf", "roster"])
def test_an_extension_marenew_does_not_write_is_refused(runner, tmp_path, name):
    out = tmp_path / name
    result = lms(runner, "-o", str(out))
    assert result.exit_code == ExitCode.INPUT
    assert "marenew does not write" in result.stderr
    assert not out.exists()


def test_format_and_extension_must_agree(runner, tmp_path):
    result = lms(runner, "-o", str(tmp_path / "r.xlsx"), "--format", "csv")
    assert result.exit_code == ExitCode.INPUT and "does not match" in result.stderr


def test_dash_is_stdout(runner):
    result = lms(runner, "-o", "-", "--format", "csv")
    assert result.stdout.startswith("holder,source,cert,")  # stdout: no byte-order mark
    page = lms(runner, "-o", "-", "--format", "html")
    assert page.stdout.startswith("<!DOCTYPE html>")


# --- CSV -------------------------------------------------------------------------------------


def test_csv_file_has_a_bom_iso_dates_and_every_field(runner, tmp_path):
    out = tmp_path / "roster.csv"
    assert lms(runner, "-o", str(out)).exit_code == ExitCode.ATTENTION
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert list(rows[0]) == [*CSV_COLUMNS, "location", "department"]
    for row in rows:
        assert row["as_of"] == AS_OF
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", row["expires_on"])
        assert row["behind_pace"] in ("true", "false")
    ryan = next(r for r in rows if r["source"] == "1007")  # CMA lapsed, nothing counted
    assert (ryan["ce_required"], ryan["ce_short"], ryan["approved_short"]) == ("60", "60", "30")
    assert ryan["areas_short"] == "Administrative 10; Clinical 10; General 10"
    assert ryan["location"] == "Northside"
    no_bom = tmp_path / "plain.csv"
    lms(runner, "-o", str(no_bom), "--no-bom")
    assert no_bom.read_bytes().startswith(b"holder,")


INJECTIONS = ['=HYPERLINK("http://x","y")', "+1+2", "-2+3", "@SUM(A1)", "=cmd|' /C calc'!A0"]


def test_csv_injection_is_neutralised(runner, write, tmp_path):
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["person_id", "holder", "cert", "certified_on", "location"])
    writer.writerows([f"I{i}", f"Ann {i}", "CMA", "2025-06-10", v] for i, v in enumerate(INJECTIONS))
    writer.writerow(["I9", "=1+2", "CMA", "2025-06-10", "North"])
    people = write("p.csv", buf.getvalue())
    out = tmp_path / "r.csv"
    run(runner, "--people", str(people), "--keep", "location", "--as-of", AS_OF, "-o", str(out))
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    got = {r["source"]: r["location"] for r in rows}
    for i, value in enumerate(INJECTIONS):
        assert got[f"I{i}"] == "'" + value  # shown as text, never run
    assert next(r for r in rows if r["source"] == "I9")["holder"] == "'=1+2"
    # numbers stay numbers: negative days left are not touched
    lapsed = write("q.csv", "person_id,holder,cert,certified_on\nN1,Ann,CMA,2021-07-01\n")
    out2 = tmp_path / "n.csv"
    run(runner, "--people", str(lapsed), "--as-of", AS_OF, "-o", str(out2))
    assert next(csv.DictReader(io.StringIO(out2.read_text(encoding="utf-8-sig"))))["days_left"] == "-121"


@pytest.mark.parametrize(
    "cell, shown",
    [
        ("=1+2", "'=1+2"),
        ("+1", "'+1"),
        ("-1+1", "'-1+1"),
        ("@A1", "'@A1"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("-59", "-59"),
        ("-12.5", "-12.5"),
        ("Ann", "Ann"),
        ("", ""),
    ],
)
def test_neutral_cells(cell, shown):
    from marenew.roster.output import neutral

    assert neutral(cell) == shown


# --- XLSX ------------------------------------------------------------------------------------


def test_xlsx_reads_back_with_real_dates_sheets_and_counts(runner, tmp_path):
    from openpyxl import load_workbook

    out = tmp_path / "roster.xlsx"
    result = lms(runner, "-o", str(out), "--group-by", "location")
    assert result.exit_code == ExitCode.ATTENTION, result.stderr
    wb = load_workbook(out)
    assert wb.sheetnames == ["Summary", "People", "Downtown", "Eastgate", "Northside"]
    summary = {row[0]: row[1] for row in wb["Summary"].iter_rows(values_only=True) if row and row[0]}
    assert summary["As of"] == dt.datetime(2026, 11, 29)
    for status, n in COUNTS.items():
        assert summary[f"Status: {status}"] == n
    assert summary["People"] == 7 and summary["Error rows"] == 0
    people = wb["People"]
    header = [c.value for c in people[1]]
    assert header[:4] == ["Holder", "ID", "Cert", "Status"] and "location" in header and "Next step" in header
    assert people.freeze_panes == "A2" and people.auto_filter.ref.startswith("A1:")
    col = {name: i for i, name in enumerate(header)}
    rows = list(people.iter_rows(min_row=2, values_only=True))
    assert len(rows) == sum(COUNTS.values())
    assert all(isinstance(r[col["Expires"]], dt.datetime) for r in rows)
    assert {r[col["Status"]] for r in rows} == set(COUNTS)
    # a colour per status
    fills = {
        people.cell(row=i, column=col["Status"] + 1).value: people.cell(row=i, column=1).fill.fgColor.rgb
        for i in range(2, people.max_row + 1)
    }
    assert len(set(fills.values())) == len(COUNTS)
    # one sheet per group, holding that group's rows
    north = [r for r in wb["Northside"].iter_rows(min_row=2, values_only=True)]
    assert sorted(r[col["ID"]] for r in north) == ["1002", "1003", "1007"]
    assert people.column_dimensions["A"].width >= 20


def test_xlsx_stores_formula_like_text_as_text(runner, write, tmp_path):
    from openpyxl import load_workbook

    people = write(
        "p.csv", "person_id,holder,cert,certified_on,location\nX1,=1+2,CMA,2025-06-10,\"=cmd|' /C calc'!A0\"\n"
    )
    out = tmp_path / "x.xlsx"
    run(runner, "--people", str(people), "--keep", "location", "--as-of", AS_OF, "-o", str(out))
    ws = load_workbook(out)["People"]
    assert ws["A2"].value == "=1+2" and ws["A2"].data_type == "s"
    loc = next(c for c in ws[2] if c.value and str(c.value).startswith("=cmd"))
    assert loc.data_type == "s"


# --- HTML ------------------------------------------------------------------------------------


def test_html_is_one_file_with_no_network(runner, tmp_path):
    out = tmp_path / "roster.html"
    assert lms(runner, "-o", str(out), "--group-by", "location").exit_code == ExitCode.ATTENTION
    page = out.read_text(encoding="utf-8")
    assert f"As of {AS_OF}" in page
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)  # nothing fetched
    assert "<link" not in page and page.count("<svg") == 3
    assert page.count("<section>") == 3  # one per location
    assert "@media print" in page


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--enable-logging=stderr",
    "--v=0",
    "--virtual-time-budget=3000",
]


def _artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.mark.slow  # a real browser
@pytest.mark.skipif(
    _chromium() is None,
    reason="Debian's chromium is not installed here (apt-get install chromium); .ci/run installs it",
)
def test_html_renders_in_headless_chromium(runner, tmp_path):
    out = tmp_path / "roster.html"
    assert lms(runner, "-o", str(out)).exit_code == ExitCode.ATTENTION
    browser = _chromium()
    assert browser is not None
    url = out.as_uri()
    dom = subprocess.run(
        [browser, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom", url],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert dom.returncode == 0, dom.stderr[-2000:]
    console = [line for line in dom.stderr.splitlines() if ":CONSOLE" in line]
    assert console == [], console  # no errors, nor anything else, on the console
    html = dom.stdout
    assert 'data-ready="yes"' in html  # the script ran to its end
    assert html.count('<tr data-status="') == sum(COUNTS.values())
    for chart in ("chart-status", "chart-expiry", "chart-fees"):
        svg = re.search(rf'<svg id="{chart}".*?</svg>', html, re.S)
        assert svg and svg.group(0).count('class="bar"') >= 4
    shot = _artifacts() / "roster-html.png"
    shot.unlink(missing_ok=True)
    taken = subprocess.run(
        [
            browser,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={tmp_path / 'profile2'}",
            "--window-size=1400,1800",
            f"--screenshot={shot}",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert taken.returncode == 0 and shot.stat().st_size > 10_000, taken.stderr[-2000:]
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# --- group-by, budget, digest ----------------------------------------------------------------


def test_group_by_splits_csv_into_a_file_per_group(runner, tmp_path):
    out = tmp_path / "roster.csv"
    result = lms(runner, "-o", str(out), "--group-by", "location")
    assert "3 files written, one per location" in result.stderr
    assert not out.exists()
    north = list(csv.DictReader(io.StringIO((tmp_path / "roster-Northside.csv").read_text(encoding="utf-8-sig"))))
    assert sorted(r["source"] for r in north) == ["1002", "1003", "1007"]
    assert {r["location"] for r in north} == {"Northside"}


def test_budget_per_month_and_group_with_unknown_fees_apart(runner):
    rows = json.loads(lms(runner, "--format", "json").stdout)
    result = lms(runner, "--budget", "--group-by", "location", "--format", "json")
    budget = json.loads(result.stdout)
    assert budget["months"][0] == "2026-11" and len(budget["months"]) == 12
    # By hand from the rows: each renewal fee falls due in the month of its date (the expiry
    # while active or expiring, the end of the late window in grace, now once lapsed); only
    # 1001's RMA has a recurring fee, and its next one falls due with the renewal, in its cost.
    expected: dict[tuple[str, str], float] = {}
    unknown: dict[str, int] = {}
    for r in rows:
        day = {"lapsed": "2026-11", "grace": r["deadline"][:7]}.get(r["status"], r["expires_on"][:7])
        if day > budget["months"][-1]:
            continue
        if r["cost"]["amount"] is None:
            unknown[day] = unknown.get(day, 0) + 1
        else:
            key = (r["kept"]["location"], day)
            expected[key] = expected.get(key, 0.0) + r["cost"]["amount"]
    got = {(g, m["month"]): m["known"] for g, months in budget["groups"].items() for m in months if m["known"]}
    assert got == expected
    assert {m["month"]: m["unknown_fees"] for m in budget["total"] if m["unknown_fees"]} == unknown == {"2026-11": 1}
    # three months carry fees: the two lapsed now, the CCMA in December, three in January
    assert sorted({m for _, m in expected}) == ["2026-11", "2026-12", "2027-01"]
    text = lms(runner, "--budget", "--format", "table").stdout
    nov = sum(v for (g, m), v in expected.items() if m == "2026-11")
    assert f"2026-11  {'$' + format(nov, ',.0f'):>10}  + 1 fee not published" in text


def test_digest_text_and_html(runner, tmp_path):
    result = lms(runner, "--digest", str(tmp_path), "--group-by", "location", "--format", "csv")
    assert result.exit_code == ExitCode.ATTENTION
    text = (tmp_path / "digest.txt").read_text(encoding="utf-8")
    assert text.startswith(f"Certification digest as of {AS_OF}")
    assert "== location: Northside" in text
    assert "Lapsed (1 credential):" in text
    # the engine's next step, in its own words: short at expiry and in the late window -> the exam
    assert "Zoë Adams (1007), CMA: Apply for recertification by exam" in text
    assert "Lee Park (1004), CMA: Apply for recertification by exam by 2027-01-31" in text
    page = (tmp_path / "digest.html").read_text(encoding="utf-8")
    assert "<h2>location: Downtown</h2>" in page and "Lee Park" in page
    again = lms(runner, "--digest", str(tmp_path), "--format", "csv")
    assert again.exit_code == ExitCode.INPUT and "already exists" in again.stderr


# --- terminal ----------------------------------------------------------------------------------


def test_table_at_80_columns_keeps_dates_and_statuses_whole(runner):
    from marenew.cli.common import console
    from marenew.roster.output import write_table

    rows = json.loads(lms(runner, "--format", "json").stdout)
    rows[0]["holder"] = "Maximiliana Ortega-Villanueva de la Cruz"
    buf = io.StringIO()
    write_table(iter([((), r) for r in rows]), console(file=buf, width=80))
    lines = buf.getvalue().splitlines()
    assert max(len(line) for line in lines) <= 80
    text = buf.getvalue()
    for row in rows:
        assert row["expires_on"] in text and row["deadline"] in text
    for word in ("LAPSED", "GRACE", "EXPIRING", "ACTIVE"):
        assert re.search(rf"^{word}\s", text, re.M)
    days = [int(m) for m in re.findall(r"^EXPIRING .*?\d{4}-\d{2}-\d{2}\s+\d{4}-\d{2}-\d{2}\s+(-?\d+)", text, re.M)]
    assert days == sorted(days) and len(days) == 3


def test_summary_plurals(runner, write):
    people = write("p.csv", "person_id,holder,cert,certified_on\nA1,Ann,CMA,2025-06-10\n")
    result = run(runner, "--people", str(people), "--as-of", AS_OF, "--format", "csv")
    assert "1 person, 1 credential evaluated, 0 error rows" in result.stderr


# --- golden exports of the messy sample -------------------------------------------------------


GOLDEN_RUNS = {
    "roster.csv": ["--format", "csv", "--no-bom"],
    "roster.json": ["--format", "json"],
    "budget.txt": ["--budget", "--group-by", "location", "--format", "table"],
}


@pytest.mark.parametrize("name", sorted(GOLDEN_RUNS))
def test_golden_exports(runner, name):
    result = lms(runner, *GOLDEN_RUNS[name])
    assert result.exit_code == ExitCode.ATTENTION, result.stderr
    path = GOLDEN / name
    if UPDATE_GOLDEN:
        path.parent.mkdir(exist_ok=True)
        path.write_text(result.stdout, encoding="utf-8")
    assert result.stdout == path.read_text(encoding="utf-8")


def test_golden_digest(runner, tmp_path):
    lms(runner, "--digest", str(tmp_path), "--group-by", "location", "--format", "csv")
    path = GOLDEN / "digest.txt"
    if UPDATE_GOLDEN:
        shutil.copy(tmp_path / "digest.txt", path)
    assert (tmp_path / "digest.txt").read_text(encoding="utf-8") == path.read_text(encoding="utf-8")
