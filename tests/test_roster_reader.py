"""The roster's CSV reading: the records are the csv module's, each with the line it starts on;
a bad record is an error row of its own and nothing after it is lost; grouped and ungrouped
credits files give the same rows; and the outputs on the recorded rosters stay byte for byte."""

from __future__ import annotations

import csv
import io
import json
import os
import string
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import HealthCheck, example, given
from hypothesis import strategies as st

from helpers import cli, examples
from marenew.load.problems import InputError
from marenew.roster import reader
from marenew.roster.columns import CREDITS, PEOPLE, PERSON_ID, nfc
from marenew.roster.packed import LineRun, unpack
from marenew.roster.reader import BLOCK, NOT_UTF8, CsvFile, PlainBlock, PlainLines
from marenew.roster.runner import _read_people
from roster_golden import AS_OF, GOLDEN, VARIANTS, write_roster

HEADER = ",".join(CREDITS.columns)
WIDTH = len(CREDITS.columns)


# --- the reader against csv.reader ------------------------------------------------------------------


def reference(text: str) -> list[tuple[int, str, tuple | str | None]]:
    """What the roster should read from ``text`` (the file's characters after decoding), worked out
    from csv.reader directly: each record after the header with the line it starts on."""
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    next(reader)
    out = []
    done = reader.line_num
    for row in reader:
        line, done = done + 1, reader.line_num
        if not any(c.strip() for c in row):
            out.append((line, "", None))
        elif len(row) != WIDTH:
            out.append((line, row[PERSON_ID].strip(), f"has {len(row)} fields"))
        else:
            out.append((line, row[PERSON_ID].strip(), tuple(row)))
    return out


def read(path: Path) -> list[tuple[int, str, tuple | str | None]]:
    with CsvFile(path, CREDITS, "credits.csv") as f:
        got = list(f.records())
    # the reader's message says more than the reference's (the header's width, a missing quote)
    return [(line, pid, found.split(";")[0] if isinstance(found, str) else found) for line, pid, found in got]


plain = st.text(alphabet=string.ascii_letters + string.digits + " -.;é", max_size=6)
tricky = st.text(alphabet='ab ,;"\n\r\r\né', max_size=8)
field = st.one_of(
    plain,
    st.just(""),
    tricky.map(lambda t: '"' + t.replace('"', '""') + '"'),  # quoted: commas, quotes, line breaks inside
    plain.map(lambda t: t + '" x'),  # a quote inside an unquoted cell is a plain character
)
record = st.one_of(
    st.lists(field, min_size=WIDTH, max_size=WIDTH),
    st.lists(field, min_size=0, max_size=WIDTH + 2),  # too few or too many fields, or a blank line
)


@examples(100, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=st.lists(record, max_size=12),
    newline=st.sampled_from(["\n", "\r\n", "\r"]),
    bom=st.booleans(),
    last_newline=st.booleans(),
)
def test_records_and_their_lines_are_those_of_csv_reader(tmp_path, rows, newline, bom, last_newline):
    text = newline.join([HEADER] + [",".join(r) for r in rows]) + (newline if last_newline else "")
    text = ("\ufeff" if bom else "") + text
    path = tmp_path / "credits.csv"
    path.write_bytes(text.encode("utf-8"))
    assert read(path) == reference(text)


def test_a_record_that_is_not_utf8_is_an_error_and_the_next_one_is_read(tmp_path):
    path = tmp_path / "credits.csv"
    path.write_bytes(HEADER.encode() + b"\nP1,Caf\xe9,2025-01-01,1,,,,\nP2,Ok,2025-01-02,1,,,,\n")
    with CsvFile(path, CREDITS, "credits.csv") as f:
        got = list(f.records())
    assert got == [(2, "P1", NOT_UTF8), (3, "P2", ("P2", "Ok", "2025-01-02", "1", "", "", "", ""))]


def test_a_record_whose_bytes_are_not_utf8_on_a_later_line_is_an_error_from_its_first_line(tmp_path):
    # the bad byte is on the record's second physical line, inside a quoted cell
    path = tmp_path / "credits.csv"
    path.write_bytes(HEADER.encode() + b'\nP1,"Two\nlines Caf\xe9",2025-01-01,1,,,,\nP2,Ok,2025-01-02,1,,,,\n')
    with CsvFile(path, CREDITS, "credits.csv") as f:
        got = list(f.records())
    assert got == [(2, "P1", NOT_UTF8), (4, "P2", ("P2", "Ok", "2025-01-02", "1", "", "", "", ""))]


def test_a_record_the_csv_module_refuses_is_an_error_and_the_next_one_is_read(tmp_path):
    path = tmp_path / "credits.csv"
    huge = "x" * (1024 * 1024 + 1)  # over the field size limit
    path.write_text(f"{HEADER}\nP1,{huge},2025-01-01,1,,,,\nP2,Ok,2025-01-02,1,,,,\n", encoding="utf-8")
    with CsvFile(path, CREDITS, "credits.csv") as f:
        got = list(f.records())
    assert got[0][0] == 2 and got[0][2].startswith("not valid CSV: field larger than field limit")
    assert got[-1] == (3, "P2", ("P2", "Ok", "2025-01-02", "1", "", "", "", ""))


# --- read in blocks against read line by line --------------------------------------------------------
# The roster reads a block of text at a time and splits plain blocks itself; CsvFile(block=0) reads
# line by line and hands every line to csv.reader, the way the reader worked before. Both must give
# the same records, lines and messages, whatever sits at a block's edge. The limits are made small
# so that over-long lines and over-long cells are cheap to make.

SMALL_LINE_LIMIT = 64
SMALL_FIELD_LIMIT = 40
SHORT_HEADER = b"person_id,title,date,points"

odd_text = st.sampled_from(
    [
        b"\xe9",  # Latin-1, not UTF-8
        b"\xc3",  # a sequence cut short
        b"\xed\xa0\x80",  # an encoded surrogate
        "\u00e9".encode(),
        "e\u0301".encode(),  # the same letter, decomposed
        "\u2028".encode(),  # line breaks to str.splitlines, not to a file read with newline=""
        "\x85".encode(),
        b"\x0b",
        b"\x0c",
        b"\x1c",
        b"\x1e",
        "\ufeff".encode(),
        b"\x00",
        b" ",
        b"\r",
        b"\n",
        b"\r\n",
        b'"',
        b",",
        b";",
        b"\t",
    ]
)
ascii_text = st.text(alphabet="abcP0129 -.", max_size=6).map(str.encode)
odd_cell = st.one_of(
    st.lists(st.one_of(ascii_text, odd_text), min_size=1, max_size=3).map(b"".join),
    st.lists(st.one_of(ascii_text, odd_text), max_size=3).map(  # quoted: line breaks, quotes inside
        lambda parts: b'"' + b"".join(parts).replace(b'"', b'""') + b'"'
    ),
    st.just(b'"unclosed'),
    st.just(b""),
    st.integers(SMALL_FIELD_LIMIT - 2, SMALL_FIELD_LIMIT + 1).map(lambda n: b"x" * n),  # about the cell limit
    st.integers(SMALL_LINE_LIMIT - 12, SMALL_LINE_LIMIT * 2 + 2).map(lambda n: b"y" * n),  # about the line limit
)
person = st.sampled_from([b"P1", b"P2", b" 0042 ", "\u00e9".encode(), "e\u0301".encode()])
plain_record = st.tuples(person, ascii_text, ascii_text, ascii_text).map(list)
record_bytes = st.one_of(
    plain_record,
    plain_record,
    plain_record,
    st.tuples(plain_record, st.integers(0, 3), odd_cell).map(lambda r: [*r[0][: r[1]], r[2], *r[0][r[1] + 1 :]]),
    st.lists(st.one_of(ascii_text, odd_cell), min_size=0, max_size=6),  # too few or too many, or blank
)


@examples(120, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    records=st.lists(st.tuples(record_bytes, st.sampled_from([None, None, None, b"\n", b"\r\n", b"\r"])), max_size=40),
    newline=st.sampled_from([b"\n", b"\r\n", b"\r"]),
    delimiter=st.sampled_from([b",", b";", b"\t"]),
    bom=st.booleans(),
    last_break=st.booleans(),
    block=st.integers(1, SMALL_LINE_LIMIT + 16),
    header=st.sampled_from([SHORT_HEADER, b"date,points,title,person_id", b"title,person_id,points,date"]),
)
# a line of one empty quoted cell after a line ending in \r alone: without its quotes, its \n
# once joined that \r into one line break, and the line was lost
@example(
    records=[([b"P1", b"", b"", b""], None), ([b'""'], b"\n"), ([b"P1", b"", b"", b""], None)],
    newline=b"\r",
    delimiter=b",",
    bom=False,
    last_break=False,
    block=4,
    header=b"person_id,title,date,points",
)
def test_reading_in_blocks_gives_what_reading_line_by_line_gives(
    tmp_path, records, newline, delimiter, bom, last_break, block, header
):
    lines = [header.replace(b",", delimiter) + newline]
    lines += [delimiter.join(cells) + (end or newline) for cells, end in records]
    data = (b"\xef\xbb\xbf" if bom else b"") + b"".join(lines)
    if not last_break:
        data = data.rstrip(b"\r\n")
    path = tmp_path / "credits.csv"
    path.write_bytes(data)
    limit = csv.field_size_limit()
    try:
        with (
            mock.patch.object(reader, "LINE_LIMIT", SMALL_LINE_LIMIT),
            mock.patch.object(reader, "FIELD_LIMIT", SMALL_FIELD_LIMIT),
        ):
            csv.field_size_limit(SMALL_FIELD_LIMIT)
            assert read_all(path, block) == read_all(path, 0)
    finally:
        csv.field_size_limit(limit)


def read_all(path: Path, block: int) -> object:
    """The header and records; read again with the plain blocks given as lines (as the roster
    reads a credits file), they must be the same records, person by person."""
    try:
        with CsvFile(path, CREDITS, "credits.csv", block=block) as f:
            got = f.header, list(f.records())
    except InputError as exc:
        return exc.problems
    for whole in (False, True):
        with CsvFile(path, CREDITS, "credits.csv", block=block) as f:
            assert (f.header, list(as_records(f.records(lines=True, whole=whole), f.line_form()))) == got
    return got


def as_records(items, form):
    """The records of ``CsvFile.records(lines=True)``, each run of plain lines split as a child
    splits it; a block given whole (``whole=True``) read as a worker reads a chunk of it."""
    for item in items:
        if isinstance(item, PlainLines):
            for pid, first, lines in item.runs():
                yield from ((line, pid, cells) for line, cells in LineRun(first, lines).records(form))
        elif isinstance(item, PlainBlock):
            middle = item.middle.split("\n") if item.middle_count else []
            assert len(middle) == item.middle_count
            lead, tail = len(item.lead_lines), len(item.tail_lines)
            lines = [*item.lead_lines, *middle, *item.tail_lines]
            got = list(_middle_records(item.first, lines, form))
            # the people on its two ends, as the reader found them, each line of the header's width
            assert all(type(cells) is tuple for _, _, cells in got[:lead] + got[len(got) - tail :])
            assert {pid for _, pid, _ in got[:lead]} == {item.lead}
            assert {pid for _, pid, _ in got[len(got) - tail :]} == ({item.tail} if tail else set())
            assert not middle or got[lead][1] != item.lead
            assert not middle or got[lead + len(middle) - 1][1] != item.tail
            yield from got
        else:
            yield item


def _middle_records(first, lines, form):
    """Plain lines read as a worker reads a chunk of them: each its record, or why it could not be
    read, with its person_id as the csv reader's way finds it (None: blank)."""
    for (line, cells), text in zip(form.records(first, lines), lines):
        if isinstance(cells, str):  # of another width: the reader leaves its person_id as it is
            row = text.split(form.delimiter)
            at = form.index[PERSON_ID]
            if not any(c.strip() for c in row):
                yield line, "", None
            else:
                yield line, row[at].strip() if len(row) > at else "", cells
            continue
        pid = nfc(cells[PERSON_ID].strip())
        yield line, pid, cells if pid or any(c.strip() for c in cells) else None


# The people file is held as each person's records travel to a worker (``runner._read_people``):
# unpacked, they must be the records read one by one, person by person, in the order each person
# first appears, whatever the columns and whatever sits at a block's edge.
PEOPLE_HEADERS = [
    (b"person_id,holder,cert,certified_on,expires_on,number,memberships", ()),  # as documented
    (b"cert,person_id,certified_on,holder", ()),  # another order, some columns absent
    (b"person_id,holder,cert,certified_on,site", ("site",)),  # a column kept (--keep site)
    (b"person_id,first_name,last_name,cert,certified_on", ()),  # the holder in two columns
]
people_cell = st.one_of(ascii_text, ascii_text, ascii_text, odd_cell)


@st.composite
def people_files(draw):
    header, keep = draw(st.sampled_from(PEOPLE_HEADERS))
    names = header.split(b",")
    rows = []
    for _ in range(draw(st.integers(0, 30))):
        if draw(st.integers(0, 9)) == 0:  # blank, or too few or too many fields
            rows.append(draw(st.lists(people_cell, max_size=len(names) + 1)))
            continue
        row = [draw(people_cell) for _ in names]
        row[names.index(b"person_id")] = draw(person)  # a few people: some met again, some in a row
        rows.append(row)
    return header, keep, rows


@examples(40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(people=people_files(), newline=st.sampled_from([b"\n", b"\r\n"]), block=st.integers(1, 80))
def test_the_people_file_is_held_as_its_records_person_by_person(tmp_path, people, newline, block):
    header, keep, rows = people
    path = tmp_path / "people.csv"
    path.write_bytes(b"".join(line + newline for line in [header, *map(b",".join, rows)]))
    expected: dict[str, list] = {}
    blank = 0
    with CsvFile(path, PEOPLE, "people.csv", keep=keep, block=0) as f:  # every record through csv.reader
        for line, pid, found in f.records():
            if found is None:
                blank += 1
            else:
                expected.setdefault(pid, []).append((line, found))
    held = _read_people(CsvFile(path, PEOPLE, "people.csv", keep=keep, block=block))
    assert [(pid, unpack(records)) for pid, records in held.records.items()] == list(expected.items())
    assert (held.count, held.blank) == (sum(map(len, expected.values())), blank)


def test_reading_in_blocks_reads_a_large_export_as_line_by_line(tmp_path):
    """Many blocks of the real size, with a quoted record, a record that is not UTF-8 and an
    over-long line among them."""
    rows = [f"P{i // 7:05d},Course {i},2025-01-{i % 28 + 1:02d},1,,,," for i in range(40_000)]
    rows[1_000] = 'P00142,"two\nlines, quoted",2025-01-01,1,,,,'
    rows[20_000] = "P02857,Caf\udce9,2025-01-01,1,,,,"
    rows[30_000] = "P04285," + "z" * (5 * 1024 * 1024)
    text = "\r\n".join([HEADER, *rows]) + "\r\n"
    path = tmp_path / "credits.csv"
    path.write_bytes(text.encode("utf-8", "surrogateescape"))
    fast, slow = read_all(path, BLOCK), read_all(path, 0)
    assert fast == slow
    with CsvFile(path, CREDITS, "credits.csv") as f:
        assert f.line_form().canonical  # every column, in order: a worker takes its lines as they are
    (path.parent / "reordered.csv").write_text(
        "title,person_id,date,points,college_credits,category,approved_by,applies_to\n"
    )
    with CsvFile(path.parent / "reordered.csv", CREDITS, "credits.csv") as f:
        assert not f.line_form().canonical
    assert isinstance(fast, tuple)
    got = dict((line, found) for line, _, found in fast[1])
    assert got[1002] == ("P00142", "two\nlines, quoted", "2025-01-01", "1", "", "", "", "")
    assert got[20_003] == NOT_UTF8
    assert got[30_003] == "line 30003 is longer than 4 MiB; not read"


def _quoted_export(tmp_path: Path, rows: list[list[str]], quoting: int = csv.QUOTE_ALL) -> Path:
    """A credits file as tools that quote every cell, or every text, write it (Windows line ends)."""
    out = io.StringIO()
    csv.writer(out, quoting=quoting, lineterminator="\r\n").writerows([CREDITS.columns, *rows])
    path = tmp_path / "quoted.csv"
    path.write_text(out.getvalue())
    return path


@pytest.mark.parametrize("quoting", [csv.QUOTE_ALL, csv.QUOTE_NONNUMERIC])
def test_an_export_with_every_cell_quoted_is_read_as_plain_lines(tmp_path, quoting):
    """Quotes that only wrap whole cells: the blocks travel as plain lines (the quotes taken
    off), which split into the cells the csv module reads."""
    rows: list[list] = [[f"P{i // 3}", f"Course {i}", "2025-01-02", i % 4 + 0.5, "", "", "AMT", ""] for i in range(300)]
    path = _quoted_export(tmp_path, rows, quoting)
    assert read_all(path, 997) == read_all(path, 0)
    with CsvFile(path, CREDITS, "credits.csv", block=997) as f:
        items = list(f.records(lines=True))
        form = f.line_form()
    assert items and all(isinstance(item, PlainLines) for item in items)
    assert [cells for _, _, cells in as_records(items, form)] == [tuple(map(str, row)) for row in rows]


def test_an_export_quoting_some_cells_reads_only_their_records_with_the_csv_module(tmp_path):
    """Excel quotes a cell only when it must (a comma, a quote): the lines around such a record
    are read as plain lines, each such record alone by the csv reader."""
    rows = [[f"P{i // 3}", f"Course {i}", "2025-01-02", "1", "", "", "AMT", ""] for i in range(600)]
    for i in (0, 7, 8, 250, 599):
        rows[i][1] = f'CPR, First Aid "{i}"'
    path = _quoted_export(tmp_path, rows, csv.QUOTE_MINIMAL)
    assert read_all(path, 4096) == read_all(path, 0)
    with CsvFile(path, CREDITS, "credits.csv", block=4096) as f:
        items = list(f.records(lines=True))
    single = [item for item in items if not isinstance(item, PlainLines)]
    assert [line - 2 for line, _, _ in single] == [0, 7, 8, 250, 599]  # after the header, on line 2
    assert sum(len(item.lines) for item in items if isinstance(item, PlainLines)) == 595


@pytest.mark.parametrize("quoting", [csv.QUOTE_ALL, csv.QUOTE_MINIMAL])
def test_quoted_cells_are_read_as_the_csv_module_reads_them_at_any_block_edge(tmp_path, quoting):
    """Quoted cells holding what a plain line cannot (a line break, a bare CR, the delimiter, a
    quote), wherever a block ends: those blocks go to the csv reader, the others are read
    without their quotes, and every record is the csv module's."""
    rows = [[f"P{i}", f"Course {i}", "2025-01-02", "1", "", "", "AMT", ""] for i in range(14)]
    rows[3][1] = '5" bandage'
    rows[5][1] = "two\nlines"
    rows[6][7] = "CMA\r\nRMA"  # in the last cell: cut at the break, the record still has every cell
    rows[8][1] = "one, two"
    rows[10][7] = "CMA\rRMA"  # a bare CR, which ends a line too
    # records too short or too long, whose lines split at every delimiter would look whole
    rows[12] = ["P12", "one, two", "2025-01-02", "1", "", "", "AMT"]
    rows[13] = [*rows[13][:7], "x\ny", *rows[13][:7]]
    path = _quoted_export(tmp_path, rows, quoting)
    size = len(path.read_bytes())  # ASCII: characters
    for block in range(1, size + 2):
        assert read_all(path, block) == read_all(path, 0), block


# --- through the roster -----------------------------------------------------------------------------

PEOPLE_TEXT = "person_id,holder,cert,certified_on\nQ1,Ann,CMA,2025-01-01\nQ2,Bo,CMA,2025-01-01\n"


def run_roster(people: Path, credits: Path, *extra: str):
    result = cli("roster", "--people", people, "--credits", credits, "--as-of", AS_OF, "--format", "json", *extra)
    assert result.exit_code in (0, 1, 2), result.output
    return result


def test_a_quote_inside_a_cell_loses_no_record(write):
    """`5" bandage` is a title with a quote character, not an opening quote: the records after it
    are read as themselves (each credit counts; none is swallowed into another)."""
    people = write("people.csv", PEOPLE_TEXT)
    credits = write(
        "credits.csv",
        'person_id,title,date,points\nQ1,5" bandage,2025-02-01,2\n'
        "Q1,Vitals,2025-02-02,3\nQ2,Coding,2025-02-03,4\nQ2,Bad,2025-02-30,1\n",
    )
    rows = json.loads(run_roster(people, credits).stdout)
    errors = [r for r in rows if "error" in r and r["file"] == str(credits)]
    assert [(r["line"], r["error"].split("error: ")[1]) for r in errors] == [
        (5, "date: `2025-02-30` is not a valid date")
    ]
    q1 = next(r for r in rows if r["source"] == "Q1")
    assert q1["status"] == "active"


def test_an_unclosed_quote_is_one_error_row_that_says_where(write):
    people = write("people.csv", PEOPLE_TEXT)
    credits = write("credits.csv", 'person_id,title,date,points\nQ1,"Vitals,2025-02-02,3\nQ2,Coding,2025-02-03,4\n')
    rows = json.loads(run_roster(people, credits).stdout)
    bad = next(r for r in rows if r["file"] == str(credits))
    assert bad["line"] == 2
    assert "the record runs from line 2 to line 3: is a closing quote missing?" in bad["error"]


@pytest.mark.parametrize("newline", ["\r", "\r\n"])
def test_cr_and_crlf_line_ends_with_a_bom_read_every_record(write, newline):
    lf_people = write("lf/people.csv", PEOPLE_TEXT)
    text = "person_id,title,date,points\nQ1,A,2025-02-01,2\nQ2,B,2025-02-30,1\nQ2,C,2025-02-03,4\n"
    lf = run_roster(lf_people, write("lf/credits.csv", text))
    people = write("x/people.csv", "\ufeff" + PEOPLE_TEXT.replace("\n", newline))
    other = run_roster(people, write("x/credits.csv", "\ufeff" + text.replace("\n", newline)))
    assert other.stdout.replace("/x/", "/lf/") == lf.stdout
    assert '"line": 3' in lf.stdout


def test_credits_not_grouped_by_person_give_the_same_rows(write):
    lines = ["Q1,A,2025-02-01,2", "Q1,B,2025-03-01,2", "Q2,C,2025-02-03,4", "Q2,D,2025-04-03,1", "Q1,E,2025-05-01,1"]
    people = write("people.csv", PEOPLE_TEXT)
    grouped = write("g/credits.csv", "\n".join(["person_id,title,date,points", *sorted(lines)]) + "\n")
    mixed = write("m/credits.csv", "\n".join(["person_id,title,date,points", *lines]) + "\n")
    for extra in ((), ("--jobs", "1"), ("--jobs", "2", "--partitions", "3")):
        a = run_roster(people, grouped, *extra)
        b = run_roster(people, mixed, *extra)
        assert a.stdout == b.stdout and a.stderr == b.stderr


# --- byte for byte the outputs recorded before the reader was rewritten ------------------------------


@pytest.mark.parametrize("variant", VARIANTS)
def test_outputs_equal_the_recorded_ones(tmp_path, monkeypatch, variant):
    people, credits = write_roster(tmp_path, variant)
    monkeypatch.chdir(tmp_path)
    for fmt, extra in (("csv", ()), ("jsonl", ()), ("csv", ("--jobs", "1", "--partitions", "5"))):
        result = cli("roster", "--people", people, "--credits", credits, "--as-of", AS_OF, "--format", fmt, *extra)
        assert result.stdout_bytes == (GOLDEN / f"{variant}.{fmt}").read_bytes()
        assert result.stderr_bytes == (GOLDEN / f"{variant}.stderr").read_bytes()
    assert os.getcwd() == str(tmp_path)
