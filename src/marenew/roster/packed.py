"""A person's records (credits, and the people file's too) as they travel to the worker that
judges them: packed into one text.

The main process reads millions of credit records, each a line number and a tuple of cells: about
ten small objects a record. Held as they are until their batch is judged, and pickled to a worker
object by object, they cost the main process its memory and much of its time. Packed, a person's
records are two objects (their cells joined by the ASCII unit and record separators, and their
line numbers as a range or an array), made as soon as the person's last record has passed, and
pickled at the speed of copying them; the worker unpacks them into the very same records.

A person is packed only when the text unpacks to exactly their records: every record was read (a
record that could not be read is a message, not cells), all have the same number of cells, and no
cell holds either separator (a hostile or broken export may). Anyone else travels as they are.

A person whose records were all read as plain lines (``PlainLines``), one after another, travels
as those lines as read, with the file's ``LineForm``: the main process then neither splits them
into cells nor joins them again, and the worker splits them as the reader would have.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass

from .reader import LineForm

# A record as read from a CSV file: its line, and its canonical cells, or a message when the
# record itself is malformed (wrong number of fields).
Record = tuple[int, "tuple[str, ...] | str"]

UNIT, RECORD = "\x1f", "\x1e"

# (line numbers, text): a range when the lines follow one another, as in a file grouped by person
Packed = tuple["range | array[int]", str]
# (the first line's number, the lines as read, joined by line breaks, how to split them): a number,
# not a range, which pickles as a call to make it again (at 100,000 people, a tenth of a second
# each way, for each file)
Lines = tuple[int, str, LineForm]
# A person's records of one file as they travel to the worker that judges them
PersonRecords = list[Record] | Packed | Lines


def pack(records: list[Record]) -> list[Record] | Packed:
    """The records, packed when they unpack to exactly themselves (see the module)."""
    if not records:
        return records
    cells = [found for _, found in records]
    width = len(cells[0]) if type(cells[0]) is tuple else 0
    if not width or not all(type(c) is tuple and len(c) == width for c in cells):
        return records
    text = RECORD.join([UNIT.join(c) for c in cells])
    if text.count(UNIT) != len(cells) * (width - 1) or text.count(RECORD) != len(cells) - 1:
        return records  # a separator inside a cell
    first, last = records[0][0], records[-1][0]
    lines = range(first, last + 1) if last - first == len(records) - 1 else array("q", [r[0] for r in records])
    return lines, text


def lines_of(records: PersonRecords) -> Lines | None:
    """``records`` when they travel as the lines read (``Lines``, the one form of three items),
    else None."""
    return records if type(records) is tuple and len(records) == 3 else None


@dataclass(slots=True)  # not frozen: one is made per person read, and frozen fields cost a call each
class LineRun:
    """Plain lines of one person, read one after another from line ``first`` on."""

    first: int
    lines: list[str]

    def records(self, form: LineForm) -> list[Record]:
        return form.records(self.first, self.lines)


def as_lines(first: int, text: str, form: LineForm) -> Lines:
    """Plain lines as read, from line ``first`` on (``text``: joined by line breaks), as they
    travel."""
    return first, text, form


def pack_parts(parts: list[Record | LineRun], form: LineForm) -> PersonRecords:
    """A person's records, given as records and runs of plain lines in file order, as they
    travel: as their lines when they are one run of plain lines (the runs of consecutive blocks
    join), or else as their records, packed."""
    if len(parts) == 1 and type(parts[0]) is LineRun:  # the usual person: one run
        return as_lines(parts[0].first, "\n".join(parts[0].lines), form)
    if parts and all(type(part) is LineRun for part in parts):
        runs: list[LineRun] = parts  # type: ignore[assignment]
        first = runs[0].first
        lines = runs[0].lines if len(runs) == 1 else [line for run in runs for line in run.lines]
        if runs[-1].first + len(runs[-1].lines) == first + len(lines):  # no line between
            return as_lines(first, "\n".join(lines), form)
    records: list[Record] = []
    for part in parts:
        if isinstance(part, LineRun):
            records += part.records(form)
        else:
            records.append(part)
    return pack(records)


@dataclass(frozen=True, slots=True)
class Chunk:
    """Plain lines of whole people, read one after another from line ``first`` on (``text``:
    joined by line breaks), sent to a worker as they were read: the worker reads each line's
    person_id and finds the people (``runner.judge_people``)."""

    first: int
    text: str
    count: int  # lines
    form: LineForm


@dataclass(slots=True)  # not frozen: one is made per person of a chunk (see LineRun)
class SplitLines:
    """One person's plain lines in a worker, from line ``first`` on, with the cells it split them
    into to read the person_ids (``rows``: as ``records._credit_cells`` splits lines of ``form``)."""

    first: int
    lines: list[str]
    rows: list[list[str]]
    form: LineForm


def unpack(records: PersonRecords | SplitLines) -> list[Record]:
    """The records ``pack`` was given, or those of the lines ``pack_parts`` gave as they were read."""
    if type(records) is SplitLines:
        return LineRun(records.first, records.lines).records(records.form)
    if type(records) is not tuple:
        return records  # type: ignore[return-value]
    as_read = lines_of(records)
    if as_read is not None:
        first, text, form = as_read
        return LineRun(first, text.split("\n")).records(form)
    lines, text = records  # type: ignore[misc]
    return [(line, tuple(record.split(UNIT))) for line, record in zip(lines, text.split(RECORD))]
