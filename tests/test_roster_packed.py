"""A person's credit records, packed while their batch waits for a child, unpack to exactly
themselves, whatever their cells hold."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from marenew.roster.packed import RECORD, UNIT, pack, unpack

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


@settings(max_examples=200, deadline=None)
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
