"""A person's credit records packed into one text while their batch waits for, and is judged in, a
forked child.

The main process reads millions of credit records, each a line number and a tuple of cells: about
ten small objects a record. Kept as they are until their batch is judged, they fill pages that the
children forked meanwhile share, and every write to such a page (making the next records in memory
freed by the last ones, or freeing them) copies it: that copying was most of the main process's
system time. Packed, a person's records are two objects (their cells joined by the ASCII unit and
record separators, and their line numbers as a range or an array), made as soon as the person's
last record has passed; the child unpacks them into the very same records.

A person is packed only when the text unpacks to exactly their records: every record was read (a
record that could not be read is a message, not cells), all have the same number of cells, and no
cell holds either separator (a hostile or broken export may). Anyone else travels as they are.
"""

from __future__ import annotations

from array import array

from .records import Record

UNIT, RECORD = "\x1f", "\x1e"

# (line numbers, text): a range when the lines follow one another, as in a file grouped by person
Packed = tuple["range | array[int]", str]


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


def unpack(credits: list[Record] | Packed) -> list[Record]:
    """The records ``pack`` was given."""
    if type(credits) is not tuple:
        return credits  # type: ignore[return-value]
    lines, text = credits
    return [(line, tuple(record.split(UNIT))) for line, record in zip(lines, text.split(RECORD))]
