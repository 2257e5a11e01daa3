"""The roster's quick path for the usual person gives exactly the careful path's rows.

``person_rows`` judges a person whose records are all clear in one pass (cells straight to
values, each distinct name and day checked once) and sends anyone else to ``careful_rows``. The
differential tests generate people, clean and with every kind of anomaly a roster meets, and hold
the two paths' rows equal, message for message; the others make sure the quick path is taken for
a clean person (so that the comparison is not empty) and left for each kind of anomaly.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import operator

from hypothesis import HealthCheck, given
from hypothesis import strategies as st
from pydantic import BaseModel

from helpers import FROZEN_RULES, examples
from marenew.core.credential import CredentialFile, Credit, CreditValues
from marenew.load.rules import RuleSet, load_rules
from marenew.roster.columns import ISO_ONLY, DateReader
from marenew.roster.packed import unpack
from marenew.roster.reader import LineForm
from marenew.roster.records import Context, Settings, _clear_credit, _clear_person, careful_rows, person_rows


@functools.cache
def _rules() -> RuleSet:
    return load_rules([FROZEN_RULES])


AS_OF = dt.date(2026, 11, 29)
US_DATES = DateReader(("%m/%d/%Y",))


def _context(
    as_of: dt.date = AS_OF,
    dates: DateReader = ISO_ONLY,
    kept: tuple[str, ...] = (),
    member: bool | None = None,
    with_file: bool = False,
) -> Context:
    return Context(_rules(), Settings(as_of, 90, member, dates, kept, with_file))


# Cells as exports write them: for each column, first values the careful path takes without a
# word (for a holder of CMA and RMA), then every kind of value it reports.
DAYS = ["2022-01-15", "2023-06-30", "2024-02-29", "2025-03-04", "2026-11-29", "2025-12-31"]
ODD_DAYS = [
    "",
    " ",
    "2025-02-30",  # no such day
    "03/04/2025",  # month or day first? (read with --date-format %m/%d/%Y)
    "13/04/2025",
    "04/13/2025",
    "2025/03/04",
    "2025-3-4",
    " 2025-03-04 ",
    "yesterday",
    "1890-01-01",  # implausible
    "2150-01-01",
    "2026-11-30",  # the day after: in the future
    "2027-06-01",
]
HOLDERS = (["Ana Lopez", "Zoë Kim", "Ana  Lopez "], ["ana lopez", "", " ", "Zoe\u0308 Kim", "Bo Chen"])
CERTS = (["CMA", "RMA", "CCMA", "NCMA"], ["CMAS", "RPT", "CPT", "BLS", "MA-C", "CMAA", "XYZ", "CMAX", "", "cma"])
SPELLED = {"CMA": ["CMA", "cma"], "RMA": ["RMA", " RMA "], "CCMA": ["CCMA"], "NCMA": ["NCMA", "Ncma"]}
NUMBERS = (["", "12345", " 0042 "], [])
MEMBERSHIPS = (["", "AAMA", "aama;AMT", "AMT", "NHA;NCCT", "AAMA;AAMA", " ; "], ["FOO", "AAMAA"])
TITLES = (["Course A", "Course B", "  Course   C ", "Café", "EKG (module 3)"], ["course a", "", "  ", "Cafe\u0301"])
POINTS = (
    ["1", "2", "2.5", "10", ".5", "+4", " 3 ", "500", "500.0"],
    ["501", "0", "-1", "abc", "1e3", "nan", "1_000", ""],
)
COLLEGE = ([""], ["1", "0.5", "30", "31", "abc", " ", "0"])
CATEGORIES = (
    ["", "clinical", "Clinical", "clin", " general ", " "],
    ["clinicl", "cooking", "admn", "administrative;clinical"],
)
BODIES = (
    ["", "AAMA", "aama", "AMT", "NHA", "AMT;NHA", " AAMA ", ";"],
    ["FOO", "AAMAA", "approved by AAMA", "AAMA; FOO"],
)
APPLIES = (["", " "], ["CCMA;NCMA", "XYZ", "NCMAA", "CMAS", "CMA;XYZ"])


CONTEXTS = [
    _context(),
    _context(dates=US_DATES),
    _context(as_of=dt.date(2025, 6, 1)),
    _context(kept=("site",)),
    _context(member=True, with_file=True),  # as `notify` reads the rows
]


@st.composite
def person(draw, rates: tuple[int, ...] = (0, 0, 1, 5, 30), cma: bool = False):
    """A context, and one person's records as the reader gives them: (line, cells) with the
    canonical cells (and a kept one), or a message for a record that could not be read. Each
    person has their own rate of odd cells (in a hundred), from none (the quick path's usual
    person) to many. ``cma``: CMA held by every other person (the certification with content
    areas)."""
    ctx = draw(st.sampled_from(CONTEXTS))
    rate = draw(st.sampled_from(rates))
    days = [day for day in DAYS if dt.date.fromisoformat(day) <= ctx.settings.as_of]

    def odd() -> bool:
        return draw(st.integers(0, 99)) < rate

    def cell(values: tuple[list[str], list[str]]) -> str:
        return draw(st.sampled_from(values[1] if values[1] and odd() else values[0]))

    def day() -> str:
        return draw(st.sampled_from(ODD_DAYS if odd() else days))

    holder = cell(HOLDERS)
    held = draw(st.permutations(CERTS[0]))[: draw(st.integers(1, 3))]  # distinct, as most hold them
    if cma and draw(st.booleans()) and "CMA" not in held:
        held = ["CMA", *held[1:]]
    people = []
    for i, cert in enumerate(held):
        if draw(st.integers(0, 199)) < rate:
            people.append((2 + i, "has 9 fields; the header has 8"))
            continue
        name = cell(HOLDERS) if odd() else holder
        cert = cell(CERTS) if odd() else draw(st.sampled_from(SPELLED[cert]))
        kept = draw(st.sampled_from(["", "Clinic A", " Site B "]))
        cells = ("E1", name, cert, day(), day() if odd() else "", cell(NUMBERS), cell(MEMBERSHIPS))
        people.append((2 + i, (*cells, kept)))
    # the areas and the certifications a clean credit may name are those of the ones held
    areas = (CATEGORIES[0] if "CMA" in held else [""], CATEGORIES[1])
    applies = (["", "", *(name for cert in held for name in SPELLED[cert])], APPLIES[1])
    credits: list = []
    for j in range(draw(st.integers(0, 12))):
        line = 2 + len(people) + j
        if draw(st.integers(0, 299)) < rate:
            credits.append((line, "has 5 fields; the header has 8"))
            continue
        read = [c for c in credits if not isinstance(c[1], str)]
        if read and draw(st.integers(0, 199)) < rate:  # the same row again, or nearly
            cells = list(draw(st.sampled_from(read))[1])
            change = draw(st.integers(0, 3))
            if change == 1:
                cells[3] = cell(POINTS)
            elif change == 2:
                cells[1] = cells[1].upper()
            credits.append((line, tuple(cells)))
            continue
        # titles of one person mostly differ (a title and date given twice is a problem)
        title = cell(TITLES) + ("" if draw(st.integers(0, 99)) < 5 + rate else f" ({j})")
        cells = ("E1", title, day(), cell(POINTS), cell(COLLEGE), cell(areas), cell(BODIES), cell(applies))
        credits.append((line, cells))
    return people, credits, ctx


# The odd values each column may get: (column, values) per kind of record.
ODD_PEOPLE = [(1, HOLDERS[1]), (2, CERTS[1]), (3, ODD_DAYS), (4, ODD_DAYS + DAYS), (6, MEMBERSHIPS[1])]
ODD_CREDITS = [
    (1, TITLES[1]),
    (2, ODD_DAYS),
    (3, POINTS[1]),
    (4, COLLEGE[1]),
    (5, CATEGORIES[1]),
    (6, BODIES[1]),
    (7, APPLIES[1]),
]


def _planted(draw, people: list, credits: list) -> list[tuple[list, list]]:
    """The person with one thing odd, for every kind of oddity: each column given an odd value
    (in a record drawn), a credit row given twice, or nearly (the same title and date), and a
    record that could not be read."""
    out = []

    def changed(records: list, column: int, values: list[str]) -> list:
        at = draw(st.integers(0, len(records) - 1))
        line, cells = records[at]
        if isinstance(cells, str):
            return records
        return [
            *records[:at],
            (line, (*cells[:column], draw(st.sampled_from(values)), *cells[column + 1 :])),
            *records[at + 1 :],
        ]

    for column, values in ODD_PEOPLE:
        out.append((changed(people, column, values), credits))
    if credits:
        for column, values in ODD_CREDITS:
            out.append((people, changed(credits, column, values)))
        line, cells = draw(st.sampled_from(credits))
        last = credits[-1][0]
        if not isinstance(cells, str):
            out.append((people, [*credits, (last + 1, cells)]))
            near = (*cells[:3], draw(st.sampled_from(POINTS[0])), *cells[4:])
            out.append((people, [*credits, (last + 1, near)]))
        at = draw(st.integers(0, len(credits) - 1))
        out.append((people, [*credits[:at], (credits[at][0], "has 5 fields; the header has 8"), *credits[at + 1 :]]))
    at = draw(st.integers(0, len(people) - 1))
    out.append(([*people[:at], (people[at][0], "has 9 fields; the header has 8"), *people[at + 1 :]], credits))
    return out


@examples(150, suppress_health_check=[HealthCheck.too_slow])
@given(person())
def test_quick_path_gives_the_careful_rows(drawn):
    people, credits, ctx = drawn
    assert person_rows("E1", people, credits, ctx) == careful_rows("E1", people, credits, ctx)


@examples(60, suppress_health_check=[HealthCheck.too_slow])
@given(person(rates=(0,), cma=True), st.data())
def test_one_odd_thing_gives_the_careful_rows(drawn, data):
    """A clean person (the quick path's) with one thing odd, for each kind of oddity in turn."""
    people, credits, ctx = drawn
    for p, c in _planted(data.draw, people, credits):
        assert person_rows("E1", p, c, ctx) == careful_rows("E1", p, c, ctx)
        lines = _as_lines(c)
        if lines is not None:
            assert person_rows("E1", p, lines, ctx) == careful_rows("E1", p, c, ctx)


def _as_lines(credits: list, order: tuple[int, ...] | None = None, extra: int = 0):
    """A person's credit records as the main process hands over plain lines, when they can travel
    so: one after another, each read, no cell holding a comma or a line break. None otherwise.
    ``order``: where each canonical column sits in the file (None: the canonical columns in their
    order; ``len(order)`` for an absent column, whose cells must all be empty); ``extra``:
    columns no one asked for, after the others."""
    if not credits or any(isinstance(cells, str) for _, cells in credits):
        return None
    if any(("," in cell or "\n" in cell) for _, cells in credits for cell in cells):
        return None
    first = credits[0][0]
    if [line for line, _ in credits] != list(range(first, first + len(credits))):
        return None
    if order is None:
        form = LineForm(",", False, operator.itemgetter(*range(8)), tuple(range(8)), canonical=True)
        text = "\n".join(",".join(cells) for _, cells in credits)
    else:
        width = sum(at < len(order) for at in order) + extra
        absent = [column for column, at in enumerate(order) if at == len(order)]
        if any(cells[column] for _, cells in credits for column in absent):
            return None  # an absent column reads as empty
        index = tuple(width if at == len(order) else at for at in order)
        form = LineForm(",", bool(absent), operator.itemgetter(*index), index)
        rows = []
        for line, cells in credits:
            row = [f"x{line}"] * width  # the extra columns: a different text on each line
            for column, at in enumerate(index):
                if at < width:
                    row[at] = cells[column]
            rows.append(",".join(row))
        text = "\n".join(rows)
    lines = first, text, form
    assert unpack(lines) == credits
    return lines


@st.composite
def _column_order(draw) -> tuple[int, ...]:
    """Where each of the eight canonical credit columns sits in an export: in any order, those
    that may be left out left out or not (their place then ``8``, the absent column's)."""
    places = draw(st.permutations(range(8)))
    absent = draw(st.sets(st.sampled_from([3, 4, 5, 6, 7])))  # all but person_id, title and date
    kept = sorted(places[c] for c in range(8) if c not in absent)  # the present ones, packed left
    rank = {place: i for i, place in enumerate(kept)}
    return tuple(8 if c in absent else rank[places[c]] for c in range(8))


@examples(60, suppress_health_check=[HealthCheck.too_slow])
@given(person())
def test_lines_as_read_give_the_rows_of_their_records(drawn):
    """The quick path reads a person's lines without making records: the rows must be those of
    the records, whatever the lines hold."""
    people, credits, ctx = drawn
    lines = _as_lines(credits)
    if lines is not None:
        assert person_rows("E1", people, lines, ctx) == person_rows("E1", people, credits, ctx)
        assert (_clear_person(people, lines, ctx) is None) == (_clear_person(people, credits, ctx) is None)


@examples(40, suppress_health_check=[HealthCheck.too_slow])
@given(person(), _column_order(), st.integers(0, 2))
def test_lines_in_any_column_order_give_the_rows_of_their_records(drawn, order, extra):
    """The same for an export whose columns are in another order, some left out, others added
    (a typical LMS export): its lines are split into cells, never picked into records."""
    people, credits, ctx = drawn
    lines = _as_lines(credits, order, extra)
    if lines is not None:
        assert person_rows("E1", people, lines, ctx) == person_rows("E1", people, credits, ctx)
        # and the same way: a slip in reading the lines must not hide behind the careful path
        assert (_clear_person(people, lines, ctx) is None) == (_clear_person(people, credits, ctx) is None)


def _clean_person() -> tuple[list, list]:
    people = [
        (2, ("E1", "Ana Lopez", "CMA", "2023-06-30", "", "12345", "AAMA", "Clinic A")),
        (3, ("E1", "Ana Lopez", "RMA", "2024-02-29", "", "", "AMT", "Clinic A")),
    ]
    credits = [
        (2, ("E1", "Course A", "2024-03-01", "2", "", "clinical", "AAMA", "")),
        (3, ("E1", "Course B", "2024-03-01", "1.5", "", "", "AMT", "RMA")),
        (4, ("E1", "Course A", "2024-03-02", "2", "", "", "", "")),
    ]
    return people, credits


def test_a_clean_person_takes_the_quick_path():
    people, credits = _clean_person()
    ctx = _context(kept=("site",))
    assert _clear_person(people, credits, ctx) is not None
    rows, rejected = person_rows("E1", people, credits, ctx)
    assert (rows, rejected) == careful_rows("E1", people, credits, ctx)
    assert [row["cert"] for _, row in rows] == ["CMA", "RMA"]
    assert all(row["kept"] == {"site": "Clinic A"} for _, row in rows)


@examples(40, suppress_health_check=[HealthCheck.too_slow])
@given(person(rates=(0,), cma=True))
def test_the_quick_path_counts_the_credits_it_would_write(drawn):
    """The quick path makes each credit's values itself (slots set in place, no model): for a
    clear person, each must read as the credit it makes when the file is written out."""
    people, credits, ctx = drawn
    counted = _clear_person(people, credits, Context(ctx.rules, dataclasses.replace(ctx.settings, with_file=False)))
    written = _clear_person(people, credits, Context(ctx.rules, dataclasses.replace(ctx.settings, with_file=True)))
    assert (counted is None) == (written is None)
    if counted is None or written is None:
        return
    values, models = counted[1], written[0].credits
    assert values is not None and len(values) == len(models) == len(credits)
    for value, model in zip(values, models):
        assert type(value) is CreditValues
        for name in (*CreditValues.__slots__, "college_credits", "certificate", "key", "size", "split"):
            assert getattr(value, name) == getattr(model, name), name


def _with(records: list, at: int, column: int, value: str) -> list:
    out = list(records)
    line, cells = out[at]
    out[at] = (line, (*cells[:column], value, *cells[column + 1 :]))
    return out


# Each change makes the careful path report something (an error or a warning): the quick path
# must leave such a person to it.
ANOMALIES = [
    ("people", 0, 1, ""),  # holder empty
    ("people", 1, 1, "Ana Lopes"),  # holders differ
    ("people", 0, 2, "XYZ"),  # unknown certification
    ("people", 1, 2, "cma"),  # the same certification twice
    ("people", 0, 3, "03/04/2025"),  # a date in another form
    ("people", 0, 3, "2027-01-01"),  # certified in the future
    ("people", 0, 4, "2020-01-01"),  # expires before certified
    ("people", 0, 6, "FOO"),  # a membership of a body no rule knows
    ("credits", 0, 1, " "),  # title empty
    ("credits", 0, 2, "2025-02-30"),  # no such day
    ("credits", 0, 2, "2026-12-01"),  # in the future
    ("credits", 0, 2, "1890-01-01"),  # implausible
    ("credits", 0, 3, "abc"),  # not a number
    ("credits", 0, 3, "501"),  # implausibly large
    ("credits", 0, 3, "0"),  # not more than 0
    ("credits", 0, 3, ""),  # no points (nor college credits)
    ("credits", 0, 4, "2"),  # points and college credits
    ("credits", 0, 5, "clinicl"),  # an area near a known one
    ("credits", 0, 6, "AAMAA"),  # a body near a known one
    ("credits", 0, 6, "FOO"),  # a body far from any
    ("credits", 0, 7, "XYZ"),  # applies to an unknown certification
    ("credits", 0, 7, "CCMA"),  # applies to one not held
    ("credits", 2, 2, "2024-03-01"),  # the same title and date as credit 0
]


def test_any_anomaly_leaves_the_quick_path():
    people, credits = _clean_person()
    ctx = _context()
    for kind, at, column, value in ANOMALIES:
        p, c = (
            (_with(people, at, column, value), credits)
            if kind == "people"
            else (people, _with(credits, at, column, value))
        )
        assert _clear_person(p, c, ctx) is None, (kind, at, column, value)
        assert person_rows("E1", p, c, ctx) == careful_rows("E1", p, c, ctx)
    # a credit row given twice (dropped with a warning) and a record that could not be read
    assert _clear_person(people, credits + [credits[0]], ctx) is None
    assert _clear_person(people, credits + [(9, "has 5 fields; the header has 8")], ctx) is None


_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
# a clear credit row's values: title, day, points, content area, approved by, applies to
_CLEAR_VALUES = (
    _TEXT,
    st.dates(),
    st.floats(min_value=0, max_value=500, exclude_min=True),
    st.none() | _TEXT,
    st.lists(_TEXT, max_size=3),
    st.none() | st.lists(_TEXT, max_size=3),
)


@examples(100)
@given(*_CLEAR_VALUES)
def test_a_clear_credit_is_the_model_pydantic_makes(title, day, points, area, bodies, certs):
    """The quick path makes each Credit itself: it must be what validating the same values
    makes, in every slot pydantic gives a model (and taken as it is by the person's model)."""
    made = _clear_credit(title, day, (points, area, bodies, certs))
    data = {"title": title, "date": day, "points": points, "college_credits": None, "category": area}
    valid = Credit.model_validate({**data, "approved_by": bodies, "applies_to": certs})
    for slot in BaseModel.__slots__:
        assert getattr(made, slot) == getattr(valid, slot), slot
    assert list(made.__dict__) == list(valid.__dict__)
    assert made.approved_by is not bodies and (certs is None or made.applies_to is not certs)  # its own lists
    assert made == valid and made.model_dump() == valid.model_dump()
    holder = {"holder": "A", "credentials": [{"cert": "CMA", "certified_on": day}], "credits": [made]}
    assert CredentialFile.model_validate(holder).credits[0] is made


@examples(100)
@given(*_CLEAR_VALUES, _TEXT)
def test_a_clear_credit_is_counted_from_its_values_as_from_its_model(title, day, points, area, bodies, certs, cert):
    """The quick path counts a person's credits from their values, without making the models:
    everything the engine reads of a credit must be what the model gives."""
    values = CreditValues(title, day, (points, area, bodies, certs))
    model = Credit.model_validate(
        {"title": title, "date": day, "points": points, "category": area, "approved_by": bodies, "applies_to": certs}
    )
    for name in ("title", "date", "points", "college_credits", "category", "approved_by", "applies_to", "certificate"):
        assert getattr(values, name) == getattr(model, name), name
    assert (values.key, values.size, values.split) == (model.key, model.size, model.split)
    for held in [cert, cert.upper(), cert.lower(), *(certs or [])]:
        assert values.applies(held) == model.applies(held)
