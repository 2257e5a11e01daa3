"""A person's credit records, packed while their batch waits for a child, unpack to exactly
themselves, whatever their cells hold."""

from __future__ import annotations

import operator

from hypothesis import given
from hypothesis import strategies as st

from helpers import examples
from marenew.roster.packed import RECORD, UNIT, LineRun, pack, pack_parts, unpack
from marenew.roster.reader import LineForm

_CELL = st.text(st.sampled_from(["a", "Z", " ", ",", '"', "\n", "é", UNIT, RECORD, "\x00"]), max_size=6)
_LINES = st.lists(st.integers(min_value=1, max_value=10**7), min_size=1, max_size=8, unique=True).map(sorted)


@st.composite
def _records(draw):
    lines = draw(_LINES)
    if draw(st.booleans()):  # as in a file grouped by person: one line after another
        lines = list(range(lines[0], lines[0] + len(lines)))
    width = draw(st.integers(min_value=1, max_value=9))
    out = []
    for line in lines:
        if draw(st.integers(0, 9)) == 0:
            out.append((line, "has 5 fields; the header has 8"))  # a record that could not be read
        else:
            size = width if draw(st.integers(0, 19)) else draw(st.integers(0, 9))
            out.append((line, tuple(draw(st.lists(_CELL, min_size=size, max_size=size)))))
    return out


@examples(120)
@given(_records())
def test_packed_records_unpack_to_themselves(records):
    assert unpack(pack(records)) == records


def test_a_usual_person_is_packed_and_anyone_else_travels_as_they_are():
    usual = [
        (10, ("E1", "CPR", "2025-01-02", "2", "", "", "AHA", "", "")),
        (11, ("E1", "EKG", "2025-02-03", "1", "", "", "", "", "")),
    ]
    packed = pack(usual)
    assert type(packed) is tuple and packed[0] == range(10, 12)
    assert unpack(packed) == usual
    apart = [usual[0], (40, usual[1][1])]
    assert list(pack(apart)[0]) == [10, 40] and unpack(pack(apart)) == apart
    for odd in (
        [usual[0], (11, "has 5 fields; the header has 8")],
        [usual[0], (11, ("E1", f"CPR{UNIT}part 2", "2025-02-03", "1", "", "", "", "", ""))],
        [usual[0], (11, ("E1", f"CPR{RECORD}", "2025-02-03", "1", "", "", "", "", ""))],
        [],
    ):
        assert pack(odd) is odd


# --- a person's plain lines, as read -------------------------------------------------------------

_FORMS = [
    LineForm(",", False, operator.itemgetter(0, 1, 2, 3), (0, 1, 2, 3)),
    LineForm(";", True, operator.itemgetter(2, 0, 4, 1, 3), (2, 0, 4, 1, 3)),  # reordered, a column absent (the pad)
]
_PLAIN_CELL = st.text(st.sampled_from(["a", "Z", " ", "é", "1", "-"]), max_size=4)


@st.composite
def _parts(draw):
    """A person's parts in file order: runs of plain lines and records, with or without a gap of
    lines between them (a blank line, another person's line)."""
    form = draw(st.sampled_from(_FORMS))
    width = 4
    line = draw(st.integers(2, 1000))
    parts: list = []
    for _ in range(draw(st.integers(1, 4))):
        line += draw(st.sampled_from([0, 0, 0, 1, 5]))  # lines between
        if draw(st.integers(0, 3)):
            rows = draw(st.lists(st.lists(_PLAIN_CELL, min_size=width, max_size=width), min_size=1, max_size=4))
            lines = [form.delimiter.join(r) for r in rows]
            parts.append(LineRun(line, lines))
            line += len(lines)
        else:
            parts.append((line, draw(st.sampled_from([("P1", "x", "y", "z"), "has 5 fields; the header has 4"]))))
            line += 1
    return form, parts


@examples(100)
@given(_parts())
def test_a_persons_parts_travel_and_unpack_to_their_records_in_file_order(given_parts):
    form, parts = given_parts
    records = [r for p in parts for r in (p.records(form) if isinstance(p, LineRun) else [p])]
    travelling = pack_parts(parts, form)
    assert unpack(travelling) == records
    runs = [p for p in parts if isinstance(p, LineRun)]
    if len(runs) == len(parts) and sum(len(r.lines) for r in runs) == records[-1][0] - records[0][0] + 1:
        assert len(travelling) == 3  # one after another: travels as the lines were read


def test_plain_lines_split_as_the_reader_splits_them():
    form = _FORMS[1]
    run = LineRun(7, ["a;b;c;d", "e;f;;h"])
    assert run.records(form) == [(7, ("c", "a", "", "b", "d")), (8, ("", "e", "", "f", "h"))]
