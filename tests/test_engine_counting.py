"""The engine counts CE cheaply for a roster row and fully for the per-credit results; both must
give exactly what the straightforward counting gives (tests/engine_reference.py), float for float,
whatever the credits say and whatever order they are written in.

Generated holders cover every rule in the frozen rule set, and variants of the CMA rule (caps and
minimums that are not exact in binary, no cap, a cap of zero, no college conversion): credits on
the edges of the window and of the as-of day, counting only for some credentials, used by an
earlier renewal, given as college credits, split over content areas, with unknown or misspelt
areas and bodies, too short to count, over the cap, with points whose sums are not exact in
floating point.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import pytest
from hypothesis import HealthCheck, given
from hypothesis import strategies as st

import engine_reference as reference
from helpers import FROZEN_RULES, examples
from marenew.core import engine
from marenew.core.credential import CredentialFile, Credit, PastCycle
from marenew.core.rule import Figure
from marenew.load.rules import load_rules

RULES = load_rules([FROZEN_RULES]).rules


def _figure(value: float | None) -> Figure:
    sourced = (
        {"source": "test", "confidence": "official"} if value is not None else {"source": None, "confidence": "unknown"}
    )
    return Figure(value=value, note=None, conflicts=[], last_verified=None, values=None, **sourced)


def _with(obj, **changes):
    """A copy of a rule object with some fields changed."""
    return type(obj)(**{name: getattr(obj, name) for name in obj.FIELDS} | changes)


def _cma_variant(cap=..., minimum=..., college=..., least=..., areas=True):
    """The CMA rule with other figures (those not given stay the rule's own); ``least=None``: no
    least activity at all; ``areas=False``: no content areas (an approved minimum and a cap
    alone, as a rule of one's own may have)."""
    rule = RULES["CMA"]
    ce = rule.ce
    update: dict = {} if areas else {"categories": {}}
    if cap is not ...:
        update["unapproved_cap"] = None if cap is None else _figure(cap)
    if minimum is not ...:
        update["categories"] = {key: _with(c, minimum=_figure(minimum)) for key, c in ce.categories.items()}
    if college is not ...:
        update["college_credit_points"] = None if college is None else _figure(college)
    if least is not ...:
        update["least_activity"] = None if least is None else _with(ce.least_activity, approved=_figure(least))
    return _with(rule, ce=_with(ce, **update))


RULE_VARIANTS = [
    _cma_variant(cap=0.3, least=None),  # a cap that is not exact in binary
    _cma_variant(minimum=2.1, least=None),  # minimums that are not
    _cma_variant(cap=None, college=None),  # no cap, no conversion of college credits
    _cma_variant(cap=0.0, minimum=0.0, college=2.5, least=0.5),
    _cma_variant(cap=7.5, minimum=None, least=None),  # content areas with unpublished minimums, any size counts
    _cma_variant(areas=False),  # approved and not, no content areas
    _cma_variant(cap=None, areas=False),
]

START = dt.date(2021, 3, 15)

# Points exact in binary (sums of them do not depend on the order they are added in); points that
# are not, chosen so that the order changes a sum even once rounded to six decimals ((0.1 + 0.3) +
# 5e-7 and (0.1 + 5e-7) + 0.3 round apart); and anything, including values too large for the exact
# sums the engine relies on, zero and negative ones.
EXACT_POINTS = st.sampled_from([0.25, 0.5, 1.0, 1.5, 2.0, 3.0, 8.0])
AWKWARD_POINTS = st.sampled_from([0.1, 0.3, 0.7, 5e-7, 0.2000005, 1.0000005, 2.675, 1.5e-6, 2.5e-6, 1.1])
POINTS = st.one_of(
    EXACT_POINTS,
    AWKWARD_POINTS,
    st.sampled_from([10.0, 30.0, 0.0, 1 / 3, 70000.0, 1e-9, -1.0]),
    st.floats(min_value=0, max_value=40, allow_nan=False, allow_infinity=False),
)
# names as a rule knows them, and with the typos and strangers a file may hold (reported as unmatched)
AREAS = ["administrative", "Clinical", "general", "admin", "clin", "gen"]
BODIES = ["AAMA", "aama approved", "AAMA-approved", "AMT", "NHA"]
ODD_AREAS = AREAS + ["clincal", "Administation", "xyz", "Psych"]
ODD_BODIES = BODIES + ["AAMAA", "approved by AAMA", "ama", "ACCME"]
TITLES = ["Phlebotomy update", "phlebotomy update ", "EKG", "HIPAA", "Coding", "Vaccines"]
CERTS = ["CMA", "cma", "RMA", "CCMA", "NCMA", "BLS", "CMAS"]


@st.composite
def credit_data(draw, window: tuple[dt.date, dt.date, dt.date], points=POINTS, odd: bool = True) -> dict:
    start, end, as_of = window
    edge = draw(
        st.sampled_from(
            [
                start,
                start - dt.timedelta(days=1),
                end,
                end + dt.timedelta(days=1),
                as_of,
                as_of + dt.timedelta(days=1),
                None,
                None,
                None,
            ]
        )
    )
    day = edge or start + dt.timedelta(days=draw(st.integers(-400, (end - start).days + 400)))
    data: dict = {"title": draw(st.sampled_from(TITLES)), "date": day}
    kind = draw(st.sampled_from(["points", "points", "points", "split", "college", "none"]))
    if kind == "points":
        data["points"] = draw(points)
    elif kind == "split":
        data["points"] = draw(st.dictionaries(st.sampled_from(ODD_AREAS if odd else AREAS), points, max_size=3))
    elif kind == "college":
        data["college_credits"] = draw(st.sampled_from([0.5, 1.0, 2.0, 0.1]))
    if draw(st.booleans()):
        data["category"] = draw(st.sampled_from(ODD_AREAS if odd else AREAS))
    data["approved_by"] = draw(st.lists(st.sampled_from(ODD_BODIES if odd else BODIES), max_size=2))
    if draw(st.integers(0, 5)) == 0:
        data["applies_to"] = draw(st.lists(st.sampled_from(CERTS), max_size=2))
    return data


@st.composite
def counting_case(draw):
    rule = draw(st.sampled_from([r for r in RULES.values() if r.ce is not None] + RULE_VARIANTS + [RULES["CMA"]] * 4))
    points = draw(st.sampled_from([EXACT_POINTS, AWKWARD_POINTS, POINTS]))
    start = START + dt.timedelta(days=draw(st.integers(0, 400)))
    end = start + dt.timedelta(days=draw(st.sampled_from([365, 730, 1826])))
    as_of = start + dt.timedelta(days=draw(st.integers(-30, (end - start).days + 200)))
    size = draw(st.sampled_from([8, 30]))
    odd = draw(st.booleans())
    data = draw(st.lists(credit_data((start, end, as_of), points, odd), max_size=size))
    credits = [Credit.model_validate(c) for c in data]
    # a credit listed twice (an export that repeats a row)
    if credits and draw(st.booleans()):
        credits.append(draw(st.sampled_from(credits)))
    used = None
    if credits and draw(st.integers(0, 3)) == 0:
        chosen = draw(st.lists(st.sampled_from(credits), max_size=3))
        past = PastCycle(
            certified_on=start - dt.timedelta(days=1826),
            expires_on=start,
            renewed_on=start,
            credits=[{"title": c.title.upper(), "date": c.date} for c in chosen],
        )
        used = {ref.key: past for ref in past.credits}
    shuffled = draw(st.permutations(credits))
    return rule, credits, shuffled, start, end, as_of, used


def _same(a: object, b: object) -> None:
    # repr tells -0.0 from 0.0, which == does not (and JSON writes them apart)
    assert a == b
    assert repr(a) == repr(b)


@examples(200, suppress_health_check=[HealthCheck.too_slow])
@given(counting_case())
def test_counting_equals_the_reference_in_both_forms_and_any_order(case):
    rule, credits, shuffled, start, end, as_of, used = case
    for given_order in (credits, shuffled):
        expected = reference.count_ce(rule, given_order, start, end, as_of, used)
        _same(engine.count_ce(rule, given_order, start, end, as_of, used=used), expected)
        row = engine.count_ce(rule, given_order, start, end, as_of, detail=False, used=used)
        _same(row, dataclasses.replace(expected, credits=()))


@st.composite
def holder_case(draw):
    certs = draw(st.lists(st.sampled_from(sorted(RULES)), min_size=1, max_size=2, unique=True))
    certified_on = START + dt.timedelta(days=draw(st.integers(0, 2000)))
    as_of = certified_on + dt.timedelta(days=draw(st.integers(-30, 2500)))
    window = (certified_on, certified_on + dt.timedelta(days=1826), as_of)
    credentials = []
    for cert in certs:
        cred: dict = {"cert": cert, "certified_on": certified_on}
        if RULES[cert].cycle.expiry_from_card or draw(st.integers(0, 4)) == 0:
            cred["expires_on"] = certified_on + dt.timedelta(days=draw(st.sampled_from([365, 730, 1095, 1826])))
        if draw(st.integers(0, 5)) == 0:
            cred["submitted_on"] = as_of - dt.timedelta(days=draw(st.integers(0, 90)))
        if RULES[cert].recurring_fees and draw(st.integers(0, 3)) == 0:
            cred["paid"] = [{"fee": "annual", "on": certified_on + dt.timedelta(days=370)}]
        credentials.append(cred)
    holder = CredentialFile.model_validate(
        {
            "holder": "Test Holder",
            "memberships": draw(st.lists(st.sampled_from(["AAMA", "AMT", "NHA"]), max_size=2)),
            "credentials": credentials,
            "credits": draw(st.lists(credit_data(window), max_size=25)),
        }
    )
    return holder, as_of, draw(st.sampled_from([None, True, False]))


@examples(150, suppress_health_check=[HealthCheck.too_slow])
@given(holder_case())
def test_a_roster_row_is_the_full_result_without_the_per_credit_results(case):
    """evaluate(detail=False), which a roster asks for, reports what evaluate(detail=True) does,
    but for the per-credit results; and figures worked out once per key (a cost, the CE figures at
    an expiry) give the same as worked out afresh."""
    holder, as_of, member = case
    full = engine.evaluate(RULES, holder, as_of, member=member)
    lean = engine.evaluate(RULES, holder, as_of, member=member, detail=False)
    _same(
        lean, dataclasses.replace(full, credentials=tuple(dataclasses.replace(c, credits=()) for c in full.credentials))
    )
    assert [c.as_json() | {"credits": []} for c in full.credentials] == [c.as_json() for c in lean.credentials]
    engine._MEMO.clear()
    _same(engine.evaluate(RULES, holder, as_of, member=member, detail=False), lean)


def _count_as_written(rule, credits, start, end, as_of):
    """What counting the credits in the order given, without sorting them, would give."""
    figures = engine._ce_figures(rule, rule.ce, end)
    tally = engine._tally(rule, rule.ce, figures, credits, start, end, as_of, None)
    return tally, figures


def _outcome(tally, figures) -> tuple:
    """What a tally comes to: the values reported, and what each area and the whole count,
    added in the tally's order and rounded as the results are."""
    total, areas = 0.0, {}
    for (area, *_), got in zip(tally.pieces, engine._allocate(figures, tally)):
        total += got
        areas[area] = areas.get(area, 0.0) + got
    return [u.message for u in tally.unmatched], engine._r(total), {a: engine._r(v) for a, v in areas.items()}


def _credit(title: str, day: dt.date, points: float, **extra) -> Credit:
    return Credit.model_validate({"title": title, "date": day, "points": points} | extra)


WINDOW = (dt.date(2021, 3, 15), dt.date(2026, 3, 31), dt.date(2026, 3, 31))


@pytest.mark.parametrize(
    ("rule", "credits"),
    [
        # sums that are not exact: (0.1 + 5e-7) + 0.3 and (0.1 + 0.3) + 5e-7 round apart at six decimals
        (
            "RMA",
            [
                _credit("a", dt.date(2024, 1, 1), 0.1),
                _credit("c", dt.date(2024, 1, 3), 5e-7),
                _credit("b", dt.date(2024, 1, 2), 0.3),
            ],
        ),
        # two unknown content areas: reported in the canonical order
        (
            "CMA",
            [
                _credit("b", dt.date(2024, 1, 2), 2.0, category="clincal", approved_by=["AAMA"]),
                _credit("a", dt.date(2024, 1, 1), 2.0, category="psych", approved_by=["AAMA"]),
            ],
        ),
        # a cap that runs out: which area the last points go to depends on the order
        (
            "CMA",
            [
                _credit("b", dt.date(2024, 1, 2), 25.0, category="general"),
                _credit("a", dt.date(2024, 1, 1), 25.0, category="clinical"),
            ],
        ),
    ],
)
def test_where_the_order_changes_the_count_the_credits_are_sorted(rule, credits):
    """Each condition of _order_needed is needed: counted as written, these credits give another
    result than in the canonical order; the engine sees that and sorts them."""
    rule = RULES[rule]
    start, end, as_of = WINDOW
    tally, figures = _count_as_written(rule, credits, start, end, as_of)
    canonical, _ = _count_as_written(rule, sorted(credits, key=reference.order_key), start, end, as_of)
    assert _outcome(tally, figures) != _outcome(canonical, figures)
    assert engine._order_needed(tally, figures) != "none"
    expected = dataclasses.replace(reference.count_ce(rule, credits, start, end, as_of), credits=())
    _same(engine.count_ce(rule, credits, start, end, as_of, detail=False), expected)


@pytest.mark.parametrize(
    "rule",
    [
        _cma_variant(cap=0.3, least=None),  # the cap is not exact in binary
        _cma_variant(minimum=2.1, least=None),  # nor a minimum
    ],
)
def test_figures_not_exact_in_binary_are_not_counted_as_written(rule):
    credits = [_credit("a", dt.date(2024, 1, 1), 0.25, category="general")]
    assert engine._order_needed(*_count_as_written(rule, credits, *WINDOW)) != "none"


def test_a_negative_piece_under_the_cap_is_not_counted_as_written():
    """A negative piece takes from no gap in full, so the pieces after it may get more: sorted."""
    rule = _cma_variant(least=None)
    credits = [_credit("a", dt.date(2024, 1, 1), -2.0, category="general"), _credit("b", dt.date(2024, 1, 2), 3.0)]
    assert engine._order_needed(*_count_as_written(rule, credits, *WINDOW)) != "none"


@pytest.mark.parametrize(
    ("points", "free"),
    [
        ([1.0, 2.5, 0.25], True),
        ([0.1, 0.2, 0.3], False),  # the sum depends on the order it is added in
        ([70000.0], False),  # too large for the exact sums the engine relies on
    ],
)
def test_credits_are_counted_as_written_only_where_their_order_cannot_matter(points, free):
    rule = RULES["RMA"]
    credits = [Credit(title=f"c{i}", date=START + dt.timedelta(days=10 * i), points=p) for i, p in enumerate(points)]
    figures = engine._ce_figures(rule, rule.ce, START + dt.timedelta(days=1095))
    tally = engine._tally(rule, rule.ce, figures, credits, START, START + dt.timedelta(days=1095), START, None)
    assert (engine._order_needed(tally, figures) == "none") is free


def test_a_cap_that_runs_out_needs_the_canonical_order():
    """Which non-AAMA credit the cap leaves out depends on the order: such credits are sorted."""
    rule = RULES["CMA"]
    end = dt.date(2026, 3, 31)
    credits = [
        Credit(title=t, date=dt.date(2025, 1, 1), points=20.0, category=area)
        for t, area in (("B", "general"), ("A", "clinical"))
    ]
    figures = engine._ce_figures(rule, rule.ce, end)
    tally = engine._tally(rule, rule.ce, figures, credits, dt.date(2021, 3, 15), end, end, None)
    assert engine._order_needed(tally, figures) == "unapproved"
    row = engine.count_ce(rule, credits, dt.date(2021, 3, 15), end, end, detail=False)
    assert row == engine.count_ce(rule, credits[::-1], dt.date(2021, 3, 15), end, end, detail=False)
    assert row == dataclasses.replace(reference.count_ce(rule, credits, dt.date(2021, 3, 15), end, end), credits=())


def test_the_json_of_shared_results_is_new_each_time():
    """Costs, fee items and requirement results are shared among the credentials that have the
    same, and their JSON is built once: what as_json hands out must still be the caller's own."""
    holder = CredentialFile.model_validate(
        {
            "holder": "A",
            "credentials": [{"cert": "CMA", "certified_on": dt.date(2022, 5, 1)}],
            "credits": [{"title": "x", "date": dt.date(2023, 1, 1), "points": 5.0, "approved_by": ["AAMA"]}],
        }
    )
    first, second = (engine.evaluate(RULES, holder, dt.date(2026, 11, 29)).credentials[0] for _ in range(2))
    assert first.cost is second.cost and first.requirements[0] is second.requirements[0]
    before = json.dumps(first.as_json())
    mine = first.as_json()
    mine["cost"]["items"][0]["conflicts"].append({"amount": 1.0})
    mine["cost"]["items"][0]["label"] = "changed"
    mine["next_step"]["cost"]["amount"] = -1.0
    mine["requirements"][0]["short"] = -1.0
    assert json.dumps(first.as_json()) == json.dumps(second.as_json()) == before


def _forget_what_was_worked_out() -> None:
    """Every figure, word and answer the engine keeps between credentials, forgotten."""
    from marenew.core import confidence, nextstep

    for kept in (engine._MEMO, engine._FEE_ITEMS, engine._REQUIREMENTS, nextstep._PRICES, nextstep._DOINGS):
        kept.clear()
    confidence._WEAKEST.clear()


@examples(30, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(holder_case(), min_size=2, max_size=4))
def test_what_is_kept_between_credentials_gives_what_working_it_out_afresh_does(cases):
    """Figures, words and answers worked out once (dates, costs, fee items, requirement results,
    what a path says, how sure) and kept for the credentials that follow: judging holders one
    after another gives, for each, exactly what judging it with nothing kept does."""
    _forget_what_was_worked_out()
    warm = [engine.evaluate(RULES, h, day, member=m, detail=False).as_json() for h, day, m in cases]
    for (holder, as_of, member), expected in zip(cases, warm):
        _forget_what_was_worked_out()
        assert engine.evaluate(RULES, holder, as_of, member=member, detail=False).as_json() == expected


def test_a_path_is_worded_by_its_own_rule():
    """What a path says is kept per rule: two rules that differ only in the label of their regular
    path word the next step each with its own label, whichever is asked first."""
    rule = RULES["CMA"]
    regular = rule.renewal.regular
    other = _with(rule, paths={**rule.paths, regular: _with(rule.paths[regular], label="Renew the other way")})
    holder = CredentialFile.model_validate(
        {"holder": "A", "credentials": [{"cert": "CMA", "certified_on": dt.date(2022, 5, 1)}]}
    )
    day = dt.date(2026, 11, 29)
    for first, second in ((rule, other), (other, rule)):
        for one in (first, second, first):
            step = engine.evaluate({"CMA": one}, holder, day).credentials[0].next_step
            assert step.action == "earn_ce"
            assert ("renew the other way" in step.summary) is (one is other), step.summary
