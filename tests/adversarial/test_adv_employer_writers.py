"""The files a manager opens, written from hostile exports: XLSX cells and sheet names, the HTML
page, CSV files, --group-by file and sheet names, the digest, and the reminders that `notify`
sends. Formula prefixes stay text, markup stays text, control characters never reach a file raw,
a group's name never leads outside the output folder nor makes one file replace another, a line
break in a name or address never adds a header, and an existing file is only replaced with
--force, keeping its mode, or left whole when a run is stopped.

Most cases run in this process (``cli``); the ones that send a real signal start a process."""

from __future__ import annotations

import csv
import email
import io
import json
import os
import re
import signal
import socket
import stat
import subprocess
import threading
import time
import unicodedata
import zipfile
from email import policy
from html.parser import HTMLParser
from pathlib import Path

import pytest

from conftest import AS_OF, command, marenew, one_plain_line
from helpers import cli
from marenew.cli.exitcodes import ExitCode
from marenew.roster.html import SCRIPT
from marenew.roster.output import FORMULA_START

DONE = (ExitCode.OK, ExitCode.ATTENTION)  # a roster that ran: all clear, or someone to act
HEADER = ["person_id", "holder", "cert", "certified_on"]
LAPSED = "2021-01-01"  # a CMA certified then has lapsed by the as-of day: everyone is reminded
CONTROLS = "\x00\x01\x07\x08\x0b\x0c\x1b[2J\x1b]0;owned\x07\x7f\u009b"


def export(folder: Path, rows: list[list[str]], extra: tuple[str, ...] = (), name: str = "people.csv") -> Path:
    """A people export: HEADER and the ``extra`` columns, one row per list."""
    path = folder / name
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow([*HEADER, *extra])
    writer.writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")
    return path


def roster(people: Path, *args: object):
    return cli("roster", "--people", people, "--as-of", AS_OF, *args)


def read_csv(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))


def raw_controls(text: str) -> list[str]:
    """C0 (but tab, CR, LF), DEL and C1 characters in ``text``."""
    return sorted({ch for ch in text if (ord(ch) < 32 and ch not in "\t\r\n") or 0x7F <= ord(ch) <= 0x9F})


# --- XLSX ------------------------------------------------------------------------------------

PREFIXED = [f"{p}cmd|' /C calc'!A0" for p in ("=", "+", "-", "@")] + ["\t=1+2", "\r=1+2"]


@pytest.fixture
def formula_export(tmp_path):
    """Formula prefixes in the holder, the kept column's values, its header and the group."""
    rows = [[f"F{i}", value, "CMA", LAPSED, value] for i, value in enumerate(PREFIXED)]
    return export(tmp_path, rows, ("@loc",))


def test_xlsx_cells_that_start_like_a_formula_are_text_and_stay_text(formula_export, tmp_path):
    from openpyxl import load_workbook

    out = tmp_path / "r.xlsx"
    done = roster(formula_export, "--keep", "@loc", "--group-by", "@loc", "-o", out)
    assert done.exit_code in DONE, done.stderr
    with zipfile.ZipFile(out) as book:
        xml = "".join(book.read(n).decode("utf-8") for n in book.namelist() if n.endswith(".xml"))
    assert "<f>" not in xml and "<f " not in xml  # not one formula in the whole workbook
    wb = load_workbook(out)
    formula_like = [
        cell
        for ws in wb.worksheets
        for row in ws.iter_rows()
        for cell in row
        if isinstance(cell.value, str) and cell.value.startswith(FORMULA_START)
    ]
    # an export's cells are read stripped: a leading tab or CR is gone before any writer sees it
    assert {c.value for c in formula_like} >= {"@loc", *(v.strip() for v in PREFIXED)}
    for cell in formula_like:
        assert cell.data_type == "s", cell.value
        assert cell.quotePrefix, f"{cell.value!r} would run once the cell is edited"


@pytest.mark.parametrize("holder", ["\\t=1+2", "\\r@SUM(A1)", "\\t\\r-1+1"])
def test_a_tab_or_cr_before_a_formula_in_a_credential_file_is_neutralised(credential, tmp_path, holder):
    """A credential file keeps a name's leading tab or CR (an export's cells are stripped)."""
    from openpyxl import load_workbook

    path = credential("holder: Jordan Rivera", f'holder: "{holder}"')
    out = tmp_path / "r.csv"
    assert cli("roster", path, "--as-of", AS_OF, "-o", out).exit_code in DONE
    (row,) = read_csv(out)  # one record: a CR inside a cell ends no row
    assert row["holder"].startswith("'") and row["holder"][1:2] in ("\t", "\n")
    book = tmp_path / "r.xlsx"
    assert cli("roster", path, "--as-of", AS_OF, "-o", book).exit_code in DONE
    cell = load_workbook(book)["People"]["A2"]
    assert cell.data_type == "s" and not raw_controls(cell.value)
    assert cell.value.startswith(("\t", "\\x0d")) and (cell.quotePrefix or cell.value.startswith("\\x0d"))


@pytest.mark.parametrize("where", ["holder", "kept", "group"])
def test_xlsx_control_characters_are_shown_as_escapes_not_a_crash(tmp_path, where):
    from openpyxl import load_workbook

    hostile = f"Pat{CONTROLS}Lee"
    holder = hostile if where == "holder" else "Pat Lee"
    kept = hostile if where in ("kept", "group") else "North"
    people = export(tmp_path, [["C1", holder, "CMA", LAPSED, kept], ["C2", "Sam", "CMA", LAPSED, "South"]], ("site",))
    out = tmp_path / "r.xlsx"
    args = ("--keep", "site") + (("--group-by", "site") if where == "group" else ())
    done = roster(people, *args, "-o", out)
    assert done.exit_code in DONE, done.stderr
    assert one_plain_line(done.stderr)
    wb = load_workbook(out)
    texts = [c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert not any(raw_controls(t) for t in texts + wb.sheetnames)
    assert any("Pat\\x00\\x01\\x07\\x08" in t and "\\x1b[2J" in t for t in texts)  # shown, not lost
    if where == "group":
        assert len(wb.sheetnames) == 4 and all(len(n) <= 31 for n in wb.sheetnames)


def test_xlsx_odd_and_huge_values_are_kept_as_written(tmp_path):
    from openpyxl import load_workbook

    odd = ["00123", "2026-01-01", "1e400", "NaN", "-0", "TRUE", "#REF!", "x" * 30000, "y" * 40000]
    rows = [[f"O{i}", f"Holder {i}", "CMA", LAPSED, value] for i, value in enumerate(odd)]
    people = export(tmp_path, rows, ("code",))
    out = tmp_path / "r.xlsx"
    done = roster(people, "--keep", "code", "-o", out)
    assert done.exit_code in DONE, done.stderr
    ws = load_workbook(out)["People"]
    header = [c.value for c in ws[1]]
    col = header.index("code")
    got = {row[1].value: row[col] for row in ws.iter_rows(min_row=2)}
    for i, value in enumerate(odd):
        cell = got[f"O{i}"]
        # text, never a number or a date; cut at the 32,767 characters a cell can hold in Excel
        assert cell.value == value[:32767] and cell.data_type == "s", value[:20]


@pytest.mark.parametrize("fmt", ["xlsx", "html", "csv"])
def test_an_existing_output_is_refused_without_force_and_left_untouched(tmp_path, fmt):
    people = export(tmp_path, [["E1", "Ann", "CMA", LAPSED]])
    out = tmp_path / f"r.{fmt}"
    out.write_bytes(b"the manager's own file\n")
    before = out.stat()
    done = roster(people, "-o", out)
    assert done.exit_code == ExitCode.INPUT and "already exists; pass --force" in done.stderr
    assert out.read_bytes() == b"the manager's own file\n"
    assert out.stat().st_mtime_ns == before.st_mtime_ns
    assert sorted(p.name for p in tmp_path.iterdir()) == ["people.csv", f"r.{fmt}"]


@pytest.mark.parametrize("fmt", ["xlsx", "html"])
def test_force_keeps_the_existing_files_mode(tmp_path, fmt):
    people = export(tmp_path, [["M1", "Ann", "CMA", LAPSED]])
    out = tmp_path / f"r.{fmt}"
    out.write_bytes(b"old")
    out.chmod(0o600)
    done = roster(people, "-o", out, "--force")
    assert done.exit_code in DONE, done.stderr
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert out.read_bytes() != b"old"


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o077, 0o600), (0o007, 0o660)])
@pytest.mark.parametrize("fmt", ["xlsx", "html"])
def test_a_new_output_gets_the_umasks_mode(tmp_path, fmt, umask, mode):
    people = export(tmp_path, [["U1", "Ann", "CMA", LAPSED]])
    out = tmp_path / f"r.{fmt}"
    old = os.umask(umask)
    try:
        done = roster(people, "-o", out)
    finally:
        os.umask(old)
    assert done.exit_code in DONE, done.stderr
    assert stat.S_IMODE(out.stat().st_mode) == mode


@pytest.mark.parametrize(
    ("fmt", "writer", "code"),
    [
        ("xlsx", "marenew.roster.xlsx.write_xlsx", ExitCode.INTERRUPTED),
        ("xlsx", "marenew.roster.xlsx.write_xlsx", ExitCode.TERMINATED),
        ("html", "marenew.roster.html.render", ExitCode.INTERRUPTED),
    ],
)
def test_a_signal_while_the_file_is_written_leaves_the_old_file_and_no_temporary(
    tmp_path, monkeypatch, fmt, writer, code
):
    """SIGINT arrives as KeyboardInterrupt, SIGTERM as streams.Terminated, wherever the program
    is: here, halfway through the file's bytes."""
    from marenew.cli.streams import Terminated

    people = export(tmp_path, [["S1", "Ann", "CMA", LAPSED]])
    out = tmp_path / f"r.{fmt}"
    out.write_bytes(b"yesterday's roster")
    module, name = writer.rsplit(".", 1)

    def stopped(*args, **kwargs):
        target = args[1] if fmt == "xlsx" else None
        if target is not None:
            target.write(b"PK\x03\x04 half a workbook")
        raise KeyboardInterrupt if code == ExitCode.INTERRUPTED else Terminated()

    monkeypatch.setattr(f"{module}.{name}", stopped)
    done = roster(people, "-o", out, "--force")
    assert done.exit_code == code
    assert out.read_bytes() == b"yesterday's roster"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["people.csv", f"r.{fmt}"]
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("code", [ExitCode.INTERRUPTED, ExitCode.TERMINATED])
@pytest.mark.parametrize("failure", [TypeError, OSError])
def test_a_signal_whose_clean_up_fails_in_the_library_is_still_a_stop(tmp_path, monkeypatch, code, failure):
    """A signal lands wherever the program is, also inside openpyxl, whose own clean-up on the
    way out can fail in turn (lxml: "inconsistent exit action in context manager"). The run was
    stopped, not broken: the stop's exit code and message, not an internal error."""
    from marenew.cli.streams import Terminated

    people = export(tmp_path, [["S1", "Ann", "CMA", LAPSED]])
    out = tmp_path / "r.xlsx"
    out.write_bytes(b"yesterday's roster")

    def stopped(rows, target, **kwargs):
        target.write(b"PK\x03\x04 half a workbook")
        try:
            raise KeyboardInterrupt if code == ExitCode.INTERRUPTED else Terminated()
        finally:
            raise failure("closed")  # the library's clean-up, failing while the signal unwinds it

    monkeypatch.setattr("marenew.roster.xlsx.write_xlsx", stopped)
    done = roster(people, "-o", out, "--force")
    assert done.exit_code == code
    assert out.read_bytes() == b"yesterday's roster"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["people.csv", "r.xlsx"]
    assert "internal error" not in done.stderr and "Traceback" not in done.stderr
    if code == ExitCode.INTERRUPTED:
        assert done.stderr.strip().endswith("marenew: interrupted")


@pytest.mark.slow
def test_sigterm_during_the_xlsx_write_leaves_the_old_workbook_whole(tmp_path):
    rows = [[f"P{i:05d}", f"Person {i}", "CMA", LAPSED, f"Site {i % 7}"] for i in range(4000)]
    people = export(tmp_path, rows, ("site",))
    folder = tmp_path / "out"
    folder.mkdir()
    out = folder / "r.xlsx"
    out.write_bytes(b"yesterday's workbook")
    proc = subprocess.Popen(
        command("roster", "--people", people, "--as-of", AS_OF, "--keep", "site", "-o", out, "--force", "--jobs", "1"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None and not any(folder.glob(".r.xlsx.*.tmp")):
        time.sleep(0.01)
    if proc.poll() is not None:
        pytest.skip("the workbook was written before the signal: too fast a machine for this size")
    proc.send_signal(signal.SIGTERM)
    try:
        _, stderr = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        pytest.fail("the roster did not stop within 60 s of SIGTERM")
    assert proc.returncode == ExitCode.TERMINATED, stderr.decode()
    assert b"Traceback" not in stderr
    assert out.read_bytes() == b"yesterday's workbook"
    assert [p.name for p in folder.iterdir()] == ["r.xlsx"]


@pytest.mark.slow  # mounts a tmpfs
@pytest.mark.parametrize("fmt", ["xlsx", "html"])
def test_a_full_disk_under_a_workbook_or_page_is_a_plain_error_and_leaves_nothing(small_disk, tmp_path, fmt):
    rows = [[f"P{i:05d}", f"Person {i} {'x' * 40}", "CMA", LAPSED, f"Site {i}"] for i in range(3000)]
    people = export(tmp_path, rows, ("site",))
    target = small_disk / f"out.{fmt}"
    # a process of its own: what it leaves to be collected at exit shows on its stderr
    done = marenew("roster", "--people", people, "--as-of", AS_OF, "--keep", "site", "-o", target)
    assert done.returncode == ExitCode.INPUT, done.stderr
    assert f"{target}: error: cannot write: no space left on the device" in done.stderr
    assert one_plain_line(done.stderr) and "Exception ignored" not in done.stderr
    assert list(small_disk.iterdir()) == []  # no partial file, no temporary one


# --- HTML ------------------------------------------------------------------------------------

MARKUP = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "</td></tr></table><script src=//evil.example/x.js></script>",
    "<!-- <svg onload=alert(1)>",
    "<style>body{background:url(//evil.example/p.png)}</style>",
    "&lt;script&gt;",
]


class _Page(HTMLParser):
    """What a browser would build: elements, attributes, each <script>'s text, and the text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []
        self.scripts: list[str] = []
        self.text: list[str] = []
        self._in: str | None = None

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs += attrs
        self._in = tag
        if tag == "script":
            self.scripts.append("")

    def handle_endtag(self, tag):
        self._in = None

    def handle_data(self, data):
        if self._in == "script":
            self.scripts[-1] += data
        else:
            self.text.append(data)

    def handle_comment(self, data):
        self.tags.append("<!--")


def test_html_markup_in_every_field_is_text(tmp_path):
    rows = [[f"H{i}{m}", f"{m} holder", "CMA", LAPSED, m, m] for i, m in enumerate(MARKUP)]
    rows.append(["BAD", MARKUP[0], f"CMA{MARKUP[1]}", LAPSED, "x", "y"])  # an error row quotes the cert
    people = export(tmp_path, rows, (MARKUP[0], "site"))
    out = tmp_path / "r.html"
    done = roster(people, "--keep", f"{MARKUP[0]},site", "--group-by", "site", "-o", out)
    assert done.exit_code == ExitCode.INPUT, done.stderr  # the error row
    page = _Page()
    page.feed(out.read_text(encoding="utf-8"))
    page.close()
    assert page.scripts == [SCRIPT]  # the page's own script, and not one other
    assert "img" not in page.tags and "<!--" not in page.tags and page.tags.count("style") == 1
    assert not [name for name, _ in page.attrs if name.startswith("on") or name in ("src", "href")]
    text = "".join(page.text)
    for m in MARKUP:
        assert m in text, m  # shown as written


def test_html_is_self_contained_whatever_the_data_says(tmp_path):
    hostile = "http://evil.example/track.png"
    people = export(tmp_path, [["N1", hostile, "CMA", LAPSED, f"url({hostile})"]], ("site",))
    out = tmp_path / "r.html"
    assert roster(people, "--keep", "site", "-o", out).exit_code in DONE
    page = _Page()
    page.feed(out.read_text(encoding="utf-8"))
    assert not [v for name, v in page.attrs if name in ("src", "href", "action", "xlink:href")]
    assert "link" not in page.tags and "iframe" not in page.tags and "img" not in page.tags
    style = out.read_text(encoding="utf-8").split("<style>", 1)[1].split("</style>", 1)[0]
    assert "url(" not in style and "@import" not in style


# --- CSV -------------------------------------------------------------------------------------


def test_csv_neutralises_every_prefix_in_every_column_and_the_header(formula_export, tmp_path):
    out = tmp_path / "r.csv"
    done = roster(formula_export, "--keep", "@loc", "-o", out)
    assert done.exit_code in DONE, done.stderr
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and raw.count(b"\xef\xbb\xbf") == 1
    table = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert "'@loc" in table[0]
    for row in table:
        for cell in row:
            number = re.fullmatch(r"-\d+(\.\d+)?", cell)  # days left, a negative number, is one
            assert number or not cell.startswith(FORMULA_START), f"{cell!r} would run in a spreadsheet"
    holders = {row[0] for row in table[1:]}
    assert holders == {"'" + v.strip() for v in PREFIXED}


@pytest.mark.parametrize("value", ["North\r=HYPERLINK(1)", "North\r\n@SUM(A1)", "North\n+1"])
def test_a_line_break_inside_a_cell_forges_no_row(tmp_path, value):
    """A bare CR ends a record in a spreadsheet unless the field is quoted: the rest of the cell
    would be a new row, starting with a formula."""
    people = export(tmp_path, [["R1", "Ann", "CMA", LAPSED, value], ["R2", "Bo", "CMA", LAPSED, "South"]], ("site",))
    for out, args in ((tmp_path / "r.csv", ()), (tmp_path / "b.csv", ("--group-by", "site", "--budget"))):
        assert roster(people, "--keep", "site", *args, "-o", out).exit_code in DONE
        text = out.read_text(encoding="utf-8-sig")
        assert "\r" not in text
        table = list(csv.reader(io.StringIO(text)))
        assert len(table) == (3 if not args else 1 + 2 * 12)  # a header, then one record per row
        assert all(len(r) == len(table[0]) for r in table)
    (north,) = [r for r in read_csv(tmp_path / "r.csv") if r["source"] == "R1"]
    assert north["site"] == value.replace("\r\n", "\n").replace("\r", "\n")


def test_no_bom_drops_it_and_stdout_never_has_one(formula_export, tmp_path):
    out = tmp_path / "r.csv"
    assert roster(formula_export, "-o", out, "--no-bom").exit_code in DONE
    assert out.read_bytes().startswith(b"holder,")
    done = roster(formula_export, "--format", "csv")
    assert done.stdout.startswith("holder,")


def test_the_budget_csv_neutralises_a_group_name(tmp_path):
    people = export(tmp_path, [["B1", "Ann", "CMA", LAPSED, "=HYPERLINK(1)"]], ("site",))
    out = tmp_path / "b.csv"
    assert roster(people, "--group-by", "site", "--budget", "-o", out).exit_code in DONE
    groups = {row["group"] for row in read_csv(out)}
    assert groups == {"'=HYPERLINK(1)"}


# --- --group-by: names from the data ---------------------------------------------------------

HOSTILE_GROUPS = [
    "../x",
    "../../etc/cron.d/job",
    "/",
    "/etc/passwd",
    ".",
    "..",
    "a\x00b",
    "A/B",
    "A-B",
    "Clinic",
    "clinic",
    "Café",  # NFC
    "Cafe\u0301",  # the same name in NFD: one group
    "x" * 300,
    "é" * 200,
    "(none)",
    "none",
    "'Main'",
    "group",
    "",
]


@pytest.fixture
def group_export(tmp_path):
    rows = [[f"G{i:02d}", f"Holder {i}", "CMA", LAPSED, name] for i, name in enumerate(HOSTILE_GROUPS)]
    folder = tmp_path / "in"
    folder.mkdir()
    return export(folder, rows, ("site",))


def _groups() -> set[str]:
    """The distinct groups of HOSTILE_GROUPS: NFC-equal names are one; the rows with an empty value
    are a group of their own, apart from the one really named "(none)"."""
    return {unicodedata.normalize("NFC", g) for g in HOSTILE_GROUPS}


@pytest.mark.parametrize("fmt", ["csv", "json", "jsonl", "txt"])
def test_group_files_stay_in_the_output_folder_and_never_collide(group_export, tmp_path, fmt):
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    done = roster(group_export, "--group-by", "site", "-o", out_dir / f"r.{fmt}")
    assert done.exit_code in DONE, done.stderr
    assert one_plain_line(done.stderr)
    written = sorted(out_dir.iterdir())
    after = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    assert sorted(set(after) - set(before)) == [p.relative_to(tmp_path) for p in written]  # nothing elsewhere
    names = [p.name for p in written]
    assert len({n.casefold() for n in names}) == len(names) == len(_groups())  # one file per group
    assert all(len(n.encode("utf-8")) < 255 and "\x00" not in n for n in names)
    if fmt == "csv":
        seen = [row for p in written for row in read_csv(p)]
        assert sorted(r["source"] for r in seen) == sorted(f"G{i:02d}" for i in range(len(HOSTILE_GROUPS)))
        for p in written:  # each file holds one group
            assert len({unicodedata.normalize("NFC", r["site"]) or "(none)" for r in read_csv(p)}) == 1


@pytest.mark.parametrize("fmt", ["table", "json", "html"])
def test_a_group_named_none_and_the_rows_without_a_group_stay_apart(tmp_path, fmt):
    rows = [
        ["N1", "Named none", "CMA", LAPSED, "(none)"],
        ["E1", "No site", "CMA", LAPSED, ""],
        ["N2", "Also named none", "CMA", LAPSED, "(none)"],
        ["E2", "No site either", "CMA", LAPSED, ""],
    ]
    people = export(tmp_path, rows, ("site",))
    if fmt == "json":
        done = roster(people, "--group-by", "site", "--budget", "--format", "json", "-o", "-")
        assert done.exit_code in DONE, done.stderr
        assert sorted(json.loads(done.stdout)["groups"]) == ["(no value)", "(none)"]
        return
    if fmt == "table":
        done = roster(people, "--group-by", "site", "--format", "table")
        text = done.stdout
    else:
        out = tmp_path / "r.html"
        done = roster(people, "--group-by", "site", "-o", out)
        text = re.sub(r"<[^>]+>", " ", out.read_text(encoding="utf-8"))
    assert done.exit_code in DONE, done.stderr
    named, empty = text.index("site: (none)"), text.index("site: (no value)")
    # the real group first, then the rows without a value, each under its own heading
    assert all(named < text.index(holder) < empty for holder in ("Named none", "Also named none"))
    assert all(empty < text.index(holder) for holder in ("No site", "No site either"))


def test_group_files_that_exist_are_refused_before_any_is_written(group_export, tmp_path):
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    assert roster(group_export, "--group-by", "site", "-o", out_dir / "r.csv").exit_code in DONE
    first = {p.name: p.read_bytes() for p in out_dir.iterdir()}
    victim = sorted(first)[-1]
    (out_dir / victim).write_bytes(b"edited by hand")
    others = {n for n in first if n != victim}
    for n in others:
        (out_dir / n).unlink()
    done = roster(group_export, "--group-by", "site", "-o", out_dir / "r.csv")
    assert done.exit_code == ExitCode.INPUT and "already exists; pass --force" in done.stderr
    assert [p.name for p in out_dir.iterdir()] == [victim]  # nothing written beside it
    assert (out_dir / victim).read_bytes() == b"edited by hand"


def test_group_sheets_are_valid_distinct_and_hold_every_row(group_export, tmp_path):
    from openpyxl import load_workbook

    out = tmp_path / "r.xlsx"
    done = roster(group_export, "--group-by", "site", "-o", out)
    assert done.exit_code in DONE, done.stderr
    wb = load_workbook(out)
    groups = wb.sheetnames[2:]
    assert len(groups) == len(_groups())
    assert len({n.casefold() for n in wb.sheetnames}) == len(wb.sheetnames)
    assert "history" not in {n.casefold() for n in wb.sheetnames}
    for name in groups:
        assert 0 < len(name) <= 31 and not set(name) & set("[]:*?/\\") and name[0] != "'" and name[-1] != "'"
        assert not raw_controls(name)
    ids = sorted(row[1] for name in groups for row in wb[name].iter_rows(min_row=2, values_only=True))
    assert ids == sorted(f"G{i:02d}" for i in range(len(HOSTILE_GROUPS)))


def test_a_group_named_history_gets_a_sheet_excel_accepts(tmp_path):
    from openpyxl import load_workbook

    people = export(
        tmp_path, [["H1", "Ann", "CMA", LAPSED, "History"], ["H2", "Bo", "CMA", LAPSED, "Summary"]], ("site",)
    )
    out = tmp_path / "r.xlsx"
    assert roster(people, "--group-by", "site", "-o", out).exit_code in DONE
    assert load_workbook(out).sheetnames == ["Summary", "People", "History (2)", "Summary (2)"]


def test_html_sections_and_digest_name_nfc_and_nfd_as_one_group(tmp_path):
    people = export(
        tmp_path, [["N1", "Ann", "CMA", LAPSED, "Café"], ["N2", "Bo", "CMA", LAPSED, "Cafe\u0301"]], ("site",)
    )
    out = tmp_path / "r.html"
    assert roster(people, "--group-by", "site", "-o", out, "--digest", tmp_path).exit_code in DONE
    assert out.read_text(encoding="utf-8").count("<section>") == 1
    assert (tmp_path / "digest.txt").read_text(encoding="utf-8").count("== site:") == 1


def test_the_digest_text_carries_no_escape_sequence_and_no_forged_line(tmp_path):
    people = export(
        tmp_path,
        [["D\r\nD2", f"Pat{CONTROLS}", "CMA", LAPSED, "North\x1b[2J"], ["D3", "Sam", "CMA", LAPSED, "North\x1b[2J"]],
        ("site",),
    )
    assert roster(people, "--group-by", "site", "--digest", tmp_path, "--format", "csv").exit_code in DONE
    text = (tmp_path / "digest.txt").read_text(encoding="utf-8")
    assert raw_controls(text) == [] and "\r" not in text
    assert sum(line.startswith("  - ") for line in text.splitlines()) == 2  # one line per person
    assert "Pat\\x00" in text and "D\\x0d\\x0aD2" in text


# --- notify ----------------------------------------------------------------------------------

SENDER = "hr@example.org"


class _Box:
    """A local SMTP server's handler: every envelope and message it accepted."""

    def __init__(self) -> None:
        self.envelopes: list[tuple[str, list[str]]] = []
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp():
    from aiosmtpd.controller import Controller

    box = _Box()
    controller = Controller(box, hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        yield box, f"127.0.0.1:{controller.port}"
    finally:
        controller.stop()


def notify(people: Path, tmp_path: Path, *args: object, sender: str = SENDER):
    return cli(
        "notify", "--people", people, "--as-of", AS_OF, "--from", sender, "--state", tmp_path / "sent.jsonl", *args
    )


def _header_names(msg: email.message.EmailMessage) -> list[str]:
    return [name.lower() for name in msg]


@pytest.mark.parametrize(
    "address",
    [
        "pat@example.org\r\nBcc: evil@evil.example",
        "pat@example.org\nBcc: evil@evil.example",
        "pat@example.org\rBcc: evil@evil.example",
        "pat@example.org, evil@evil.example",
        "Pat <evil@evil.example>",
        "pat\x1b@example.org",
        "pat@example.org\x00",
    ],
    ids=["crlf", "lf", "cr", "comma", "display-name", "escape", "nul"],
)
def test_an_address_that_could_add_recipients_or_headers_is_refused_and_the_rest_sent(smtp, tmp_path, address):
    box, where = smtp
    people = export(
        tmp_path, [["A1", "Pat", "CMA", LAPSED, address], ["A2", "Sam", "CMA", LAPSED, "sam@example.org"]], ("email",)
    )
    done = notify(people, tmp_path, "--smtp", where)
    assert done.exit_code == ExitCode.INPUT, done.stderr
    assert "refused: A1 <" in done.stderr and "not an e-mail address" in done.stderr
    assert "notify: 1 message sent" in done.stderr
    assert raw_controls(done.stderr) == [] and "\r" not in done.stderr
    assert [rcpt for _, rcpt in box.envelopes] == [["sam@example.org"]]
    assert "bcc" not in _header_names(box.messages[0])


def test_a_line_break_or_escape_in_a_name_adds_no_header(smtp, tmp_path):
    box, where = smtp
    people = export(
        tmp_path, [["L1", f"Pat\r\nBcc: evil@evil.example\r\n{CONTROLS}", "CMA", LAPSED, "pat@example.org"]], ("email",)
    )
    done = notify(people, tmp_path, "--smtp", where)
    assert done.exit_code == ExitCode.OK, done.stderr
    (msg,) = box.messages
    assert "bcc" not in _header_names(msg) and _header_names(msg).count("to") == 1
    assert [rcpt for _, rcpt in box.envelopes] == [["pat@example.org"]]
    to = msg["To"].addresses[0]
    assert to.addr_spec == "pat@example.org" and not raw_controls(to.display_name)
    body = msg.get_body(("plain",)).get_content()
    assert not raw_controls(body)


def test_subject_and_headers_are_one_line_each_whatever_the_data(smtp, tmp_path):
    box, where = smtp
    hostile_id = "S1\r\nSubject: you won"
    people = export(tmp_path, [[hostile_id, "Ann", "CMA", LAPSED, "ann@example.org"]], ("email",))
    done = notify(people, tmp_path, "--smtp", where)
    assert done.exit_code == ExitCode.OK, done.stderr
    (msg,) = box.messages
    assert _header_names(msg).count("subject") == 1 and msg["Subject"] == "Certification reminder: CMA lapsed"
    (ics,) = msg.iter_attachments()
    assert "\r" not in ics.get_filename() and "\n" not in ics.get_filename()


def test_non_ascii_names_are_encoded_and_a_non_ascii_address_is_a_plain_refusal(smtp, tmp_path):
    box, where = smtp
    people = export(
        tmp_path,
        [["U1", "José Núñez 山田", "CMA", LAPSED, "jose@example.org"], ["U2", "Zoë", "CMA", LAPSED, "zoë@exämple.org"]],
        ("email",),
    )
    done = notify(people, tmp_path, "--smtp", where)
    assert done.exit_code == ExitCode.INPUT, done.stderr
    assert one_plain_line(done.stderr)
    assert "refused: U2 <zoë@exämple.org>: has letters outside ASCII" in done.stderr
    (msg,) = box.messages
    assert msg["To"].addresses[0].display_name == "José Núñez 山田"
    assert msg.get_body(("plain",)).get_content().startswith("Hello José Núñez 山田,")


def test_dry_run_refuses_the_same_addresses_and_writes_each_person_a_file(tmp_path):
    folder = tmp_path / "eml"
    folder.mkdir()
    people = export(
        tmp_path,
        [
            ["P/1", "Ann", "CMA", LAPSED, "ann@example.org"],
            ["P-1", "Bo", "CMA", LAPSED, "bo@example.org"],
            ["../../x", "Cy", "CMA", LAPSED, "cy@example.org"],
            ["Q1", "Di", "CMA", LAPSED, "di@example.org\r\nBcc: evil@evil.example"],
        ],
        ("email",),
    )
    done = notify(people, tmp_path, "--dry-run", folder)
    assert done.exit_code == ExitCode.INPUT, done.stderr
    assert "notify: 3 messages written" in done.stderr and "refused: Q1" in done.stderr
    files = sorted(folder.iterdir())
    assert len(files) == 3 and all(p.parent == folder for p in files)
    assert [p for p in tmp_path.rglob("*.eml") if p.parent != folder] == []
    to = sorted(
        email.message_from_bytes(p.read_bytes(), policy=policy.default)["To"].addresses[0].addr_spec for p in files
    )
    assert to == ["ann@example.org", "bo@example.org", "cy@example.org"]


@pytest.mark.parametrize("sender", [f"{SENDER}\r\nBcc: evil@evil.example", "not an address", f"{SENDER}\x1b[2J"])
def test_a_hostile_sender_is_a_usage_error_and_nothing_is_sent(smtp, tmp_path, sender):
    box, where = smtp
    people = export(tmp_path, [["F1", "Ann", "CMA", LAPSED, "ann@example.org"]], ("email",))
    done = notify(people, tmp_path, "--smtp", where, sender=sender)
    assert done.exit_code == ExitCode.INPUT and "is not an e-mail address" in done.stderr
    assert box.messages == [] and raw_controls(done.stderr) == []


def test_a_sender_with_a_name_is_fine(smtp, tmp_path):
    box, where = smtp
    people = export(tmp_path, [["F1", "Ann", "CMA", LAPSED, "ann@example.org"]], ("email",))
    done = notify(people, tmp_path, "--smtp", where, sender="Clinic HR <hr@example.org>")
    assert done.exit_code == ExitCode.OK, done.stderr
    assert box.messages[0]["From"].addresses[0].addr_spec == "hr@example.org"


def _serve_once(reply: bytes | None) -> tuple[str, threading.Thread]:
    """A TCP server on this machine that answers one connection with ``reply`` (None: closes at
    once) and goes away: a port that is not an SMTP server."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    port = listener.getsockname()[1]

    def serve():
        with listener:
            conn, _ = listener.accept()
            with conn:
                if reply:
                    conn.sendall(reply)
                    conn.recv(1024)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    return f"127.0.0.1:{port}", thread


@pytest.mark.parametrize(
    "reply",
    [None, b"554 no service for you\r\n", b"HTTP/1.1 400 Bad Request\r\n\r\n"],
    ids=["closes", "554-greeting", "not-smtp"],
)
def test_a_server_that_is_no_smtp_server_is_a_plain_error(tmp_path, reply):
    where, thread = _serve_once(reply)
    people = export(tmp_path, [["C1", "Ann", "CMA", LAPSED, "ann@example.org"]], ("email",))
    done = notify(people, tmp_path, "--smtp", where)
    thread.join(timeout=10)
    assert done.exit_code == ExitCode.INPUT, done.stderr
    assert one_plain_line(done.stderr) and "--smtp: error:" in done.stderr


def test_a_refused_connection_is_a_plain_error(tmp_path):
    port = _free_port()  # nobody listens there now
    people = export(tmp_path, [["C1", "Ann", "CMA", LAPSED, "ann@example.org"]], ("email",))
    done = notify(people, tmp_path, "--smtp", f"127.0.0.1:{port}")
    assert done.exit_code == ExitCode.INPUT
    assert f"--smtp: error: cannot connect to 127.0.0.1:{port}" in done.stderr and one_plain_line(done.stderr)
    assert not (tmp_path / "sent.jsonl").exists() or (tmp_path / "sent.jsonl").read_text() == ""


@pytest.mark.parametrize("where", ["mail.example.org", "mail.example.org:0", "mail.example.org:99999", ":25", "x:y"])
def test_a_malformed_server_is_a_usage_error(tmp_path, where):
    people = export(tmp_path, [["C1", "Ann", "CMA", LAPSED, "ann@example.org"]], ("email",))
    done = notify(people, tmp_path, "--smtp", where)
    assert done.exit_code == ExitCode.INPUT and "HOST:PORT" in done.stderr
