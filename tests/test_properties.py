"""Properties of the engine over generated credential files and the built-in rules.

Generated files hold random built-in certs, cycle dates, card expiry dates or none, and credits
dated around the counting window with random points or college credits, categories (unknown ones
too), approving bodies (unknown ones too) and applies_to.
"""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from helpers import examples
from marenew.core.credential import CredentialFile
from marenew.core.engine import evaluate, evaluate_credential
from marenew.load.rules import load_rules

RULES = load_rules().rules  # built-in rules only, by upper-case id
CERTS = sorted(RULES)
STATUS_ORDER = {"active": 0, "expiring": 1, "grace": 2, "lapsed": 3}
EPS = 1e-6
TITLES = ["HIPAA update", "Phlebotomy", "Ethics", "Coding basics", "Wound care", "EKG", "BLS refresher"]

PROPS = examples(100)


BODIES = ["AAMA", "AMT", "NHA", "NCCT", "AMCA", "AHA", "ACME"]  # ACME: a body no rule knows


def make_credit(title, offset, points, college, category, approved_by, applies_to):
    """A credit dated ``offset`` days after the generated file's start (filled in by make_file)."""
    data = {"title": title, "offset": offset, "approved_by": approved_by}
    if college is None:
        data["points"] = points
    else:
        data["college_credits"] = college
    if category is not None:
        data["category"] = category
    if applies_to is not None:
        data["applies_to"] = applies_to
    return data


# Static strategies (no st.data()): generating is then cheap enough for a fast suite.
CREDIT = st.builds(
    make_credit,
    title=st.sampled_from(TITLES),
    # from before the cycle began to after the longest built-in cycle ends
    offset=st.integers(-500, 7 * 365),
    points=st.sampled_from([0.25, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0, 10.0, 12.5, 24.0, 40.0, 60.0]),
    college=st.sampled_from([None] * 5 + [0.5, 1.0, 3.0]),  # mostly points
    category=st.sampled_from([None, "administrative", "clinical", "general", "Clinical", "surgery"]),
    approved_by=st.lists(st.sampled_from(BODIES), max_size=2, unique=True),
    applies_to=st.one_of(
        st.none(), st.none(), st.lists(st.sampled_from(CERTS + ["XYZ"]), min_size=1, max_size=2, unique=True)
    ),
)


def dated(credit: dict, start: dt.date) -> dict:
    out = {k: v for k, v in credit.items() if k != "offset"}
    out["date"] = start + dt.timedelta(days=credit["offset"])
    return out


def make_file(held, start, shifts, card_days, credits, memberships):
    credentials = []
    for cert, shift, card in zip(held, shifts, card_days):
        entry = {"cert": cert, "certified_on": start + dt.timedelta(days=shift)}
        if card is None and RULES[cert].cycle.expiry_from_card:
            card = 730  # such a rule takes the expiry from the credential: it must give one
        if card is not None:  # a card date, now and then
            entry["expires_on"] = entry["certified_on"] + dt.timedelta(days=card)
        credentials.append(entry)
    data = {
        "holder": "Generated Holder",
        "memberships": memberships,
        "credentials": credentials,
        "credits": [dated(c, start) for c in credits],
    }
    return data, start


def holder_files(max_credits: int = 8):
    return st.builds(
        make_file,
        held=st.lists(st.sampled_from(CERTS), min_size=1, max_size=3, unique=True),
        start=st.dates(min_value=dt.date(2012, 1, 1), max_value=dt.date(2027, 12, 31)),
        shifts=st.lists(st.integers(-400, 400), min_size=3, max_size=3),
        card_days=st.lists(
            st.one_of(st.none(), st.none(), st.none(), st.integers(200, 6 * 365)), min_size=3, max_size=3
        ),
        credits=st.lists(CREDIT, max_size=max_credits),
        memberships=st.lists(st.sampled_from(["AAMA", "AMT", "NHA"]), max_size=2, unique=True),
    )


FILES = holder_files()
AS_OF_DAYS = st.integers(-200, 8 * 365)  # the as-of date, in days after the file's start


def build(data: dict) -> CredentialFile:
    return CredentialFile.model_validate(data)


@PROPS
@given(FILES, AS_OF_DAYS, CREDIT)
def test_adding_a_credit_never_increases_points_needed(generated, days, extra):
    file, start = generated
    as_of = start + dt.timedelta(days=days)
    before = evaluate(RULES, build(file), as_of)
    after = evaluate(RULES, build({**file, "credits": file["credits"] + [dated(extra, start)]}), as_of)
    for b, a in zip(before.credentials, after.credentials):
        assert (b.points_needed is None) == (a.points_needed is None)
        if b.points_needed is not None:
            assert a.points_needed <= b.points_needed + EPS, (b.cert, b.points_needed, a.points_needed)


@PROPS
@given(FILES, AS_OF_DAYS)
def test_ready_iff_nothing_needed(generated, days):
    file, start = generated
    report = evaluate(RULES, build(file), start + dt.timedelta(days=days))
    for c in report.credentials:
        if c.points_needed is None:
            assert c.ready is None
        else:
            assert c.points_needed >= 0
            assert c.ready is (c.points_needed == 0)


@PROPS
@given(FILES, AS_OF_DAYS, st.randoms(use_true_random=False))
def test_the_order_of_credits_changes_nothing(generated, days, rnd):
    file, start = generated
    as_of = start + dt.timedelta(days=days)
    shuffled = list(file["credits"])
    rnd.shuffle(shuffled)
    assert (
        evaluate(RULES, build(file), as_of).as_json()
        == evaluate(RULES, build({**file, "credits": shuffled}), as_of).as_json()
    )


@PROPS
@given(holder_files(max_credits=2), st.lists(AS_OF_DAYS, min_size=2, max_size=6), st.sampled_from([0, 30, 90, 365]))
def test_time_only_moves_a_status_forward(generated, offsets, warn_days):
    # With certified_on and expires_on fixed: active < expiring < grace < lapsed, never back.
    file, start = generated
    days = sorted(start + dt.timedelta(days=d) for d in offsets)
    holder = build(file)
    ranks = [
        [STATUS_ORDER[c.status] for c in evaluate(RULES, holder, day, warn_days=warn_days).credentials] for day in days
    ]
    for earlier, later in zip(ranks, ranks[1:]):
        assert all(e <= lt for e, lt in zip(earlier, later)), (days, ranks)


@PROPS
@given(FILES, AS_OF_DAYS)
def test_counted_never_exceeds_entered(generated, days):
    file, start = generated
    report = evaluate(RULES, build(file), start + dt.timedelta(days=days))
    for c in report.credentials:
        entered = 0.0
        for entry in c.credits:  # points are after conversion (college credits x the rule's rate)
            assert entry.counted >= 0
            if entry.points is None:
                assert entry.counted == 0
            else:
                assert entry.counted <= entry.points + EPS, entry
                entered += entry.points
        counted = sum(e.counted for e in c.credits)
        assert counted <= entered + EPS
        total = next((r for r in c.requirements if r.id == "total"), None)
        if total is not None:
            assert abs(total.counted - counted) <= EPS


@PROPS
@given(FILES, AS_OF_DAYS, st.integers(0, 2), st.booleans(), st.integers(1, 900), CREDIT)
def test_a_credit_outside_the_window_changes_nothing_else(generated, days, pick, before_start, gap, extra):
    file, start = generated
    as_of = start + dt.timedelta(days=days)
    holder = build(file)
    cred = holder.credentials[pick % len(holder.credentials)]
    rule = RULES[cred.key]
    member = holder.is_member(rule.body)
    before = evaluate_credential(rule, cred, list(holder.credits), member=member, as_of=as_of)
    outside = (
        before.window_start - dt.timedelta(days=gap) if before_start else before.window_end + dt.timedelta(days=gap)
    )
    extra = dated(extra, start) | {"title": "OUTSIDE", "date": outside}
    with_extra = build({**file, "credits": file["credits"] + [extra]})
    after = evaluate_credential(rule, cred, list(with_extra.credits), member=member, as_of=as_of)

    def without_credits(result):
        return {k: v for k, v in result.as_json().items() if k != "credits"}

    assert without_credits(after) == without_credits(before)
    others = [e.as_json() for e in after.credits if e.title != "OUTSIDE"]
    assert others == [e.as_json() for e in before.credits]
    if rule.ce is not None:  # a rule without CE (a course card) lists no credits at all
        (own,) = [e for e in after.credits if e.title == "OUTSIDE"]
        assert own.counted == 0
