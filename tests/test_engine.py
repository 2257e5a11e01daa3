"""The engine's decisions (dates, statuses, what CE counts, costs), against the built-in rules and
small hand-built files.

Figures come from the built-in rule files, whose sources are the bodies' pages; where a result is
not obvious, the comment works it out.
"""

from __future__ import annotations

import datetime as dt

import pytest

from marenew.core import engine
from marenew.core.credential import CredentialFile

d = dt.date.fromisoformat


def holder(*credentials: dict, credits: list[dict] = (), memberships: list[str] = ()) -> CredentialFile:
    """A credential file as the loader would build it; dates given as text for brevity."""

    def dates(entry: dict) -> dict:
        return {k: d(v) if k in ("certified_on", "expires_on", "date") else v for k, v in entry.items()}

    return CredentialFile.model_validate(
        {
            "holder": "Test Holder",
            "memberships": list(memberships),
            "credentials": [dates(c) for c in credentials],
            "credits": [dates(c) for c in credits],
        }
    )


def credit(title: str, date: str, points: float | None = None, **extra) -> dict:
    out = {"title": title, "date": date, **extra}
    if points is not None:
        out["points"] = points
    return out


def aama(title: str, date: str, points: float, category: str | None = None) -> dict:
    """An AAMA-approved credit."""
    extra = {"category": category} if category else {}
    return credit(title, date, points, approved_by=["AAMA"], **extra)


def one(rules, cred: dict, as_of: str, *, credits=(), memberships=(), member=None, warn_days=90):
    report = engine.evaluate(
        rules,
        holder(cred, credits=list(credits), memberships=list(memberships)),
        d(as_of),
        member=member,
        warn_days=warn_days,
    )
    assert len(report.credentials) == 1
    return report.credentials[0]


def req(result, id_: str):
    found = [r for r in result.requirements if r.id == id_]
    assert found, f"no requirement {id_} in {[r.id for r in result.requirements]}"
    return found[0]


def counted(result, title: str):
    found = [c for c in result.credits if c.title == title]
    assert len(found) == 1, title
    return found[0]


CMA = {"cert": "CMA", "certified_on": "2021-03-15"}  # expires 2026-03-31, late window to 2026-06-30
RMA = {"cert": "RMA", "certified_on": "2023-05-01"}  # due 2026-05-01, no late window


# --- expiry -----------------------------------------------------------------------------------


def test_cma_expires_at_the_end_of_the_month_sixty_months_on(rules):
    r = one(rules, CMA, "2025-01-01")
    assert r.expires_on == d("2026-03-31")
    assert r.expires_on_from == "rule"
    # CE counts from the start of the cycle through expiry
    assert (r.window_start, r.window_end) == (d("2021-03-15"), d("2026-03-31"))
    # deadline: 3 months after a month-end expiry ends on the last day of June (calendar months)
    assert r.deadline == d("2026-06-30")
    assert r.warnings == ()


def test_rma_expires_on_the_third_anniversary(rules):
    r = one(rules, RMA, "2025-01-01")
    assert r.expires_on == d("2026-05-01")
    assert r.deadline == d("2026-05-01")  # AMT publishes no late window


def test_rma_from_feb_29_expires_on_feb_28(rules):
    r = one(rules, {"cert": "RMA", "certified_on": "2024-02-29"}, "2025-01-01")
    assert r.expires_on == d("2027-02-28")


def test_ccma_expires_two_years_on(rules):
    r = one(rules, {"cert": "ccma", "certified_on": "2025-03-02"}, "2025-06-01")  # cert id in lower case
    assert r.cert == "CCMA"
    assert r.expires_on == d("2027-03-02")
    assert r.deadline == d("2027-03-02")


def test_card_expiry_wins_and_a_mismatch_is_a_warning(rules):
    r = one(rules, {**CMA, "expires_on": "2026-04-30"}, "2025-01-01")
    assert r.expires_on == d("2026-04-30")
    assert r.expires_on_from == "card"
    assert r.window_end == d("2026-04-30")
    # the late window runs from the card's date: 2026-04-30 -> 2026-07-31 (calendar months)
    assert r.deadline == d("2026-07-31")
    assert len(r.warnings) == 1
    assert "2026-04-30" in r.warnings[0] and "2026-03-31" in r.warnings[0]


def test_card_expiry_that_agrees_gives_no_warning(rules):
    r = one(rules, {**CMA, "expires_on": "2026-03-31"}, "2025-01-01")
    assert r.expires_on == d("2026-03-31")
    assert r.expires_on_from == "card"
    assert r.warnings == ()


# --- status: the day of expiry is still expiring ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("as_of", "status", "days_left"),
    [
        ("2025-12-30", "active", 91),  # 2025-12-31 -> 2026-03-31 is 31 + 28 + 31 = 90 days
        ("2025-12-31", "expiring", 90),  # exactly warn_days: expiring
        ("2026-03-30", "expiring", 1),
        ("2026-03-31", "expiring", 0),  # the day of expiry is still expiring
        ("2026-04-01", "grace", -1),  # the next day: grace (AAMA has a late window)
        ("2026-06-30", "grace", -91),  # the last day of the late window is still grace
        ("2026-07-01", "lapsed", -92),
    ],
)
def test_cma_status_boundaries(rules, as_of, status, days_left):
    r = one(rules, CMA, as_of)
    assert (r.status, r.days_left) == (status, days_left)


@pytest.mark.parametrize(
    ("as_of", "status"),
    # 2026-01-31 -> 2026-05-01: 28 + 31 + 30 + 1 = 90 days, so 2026-01-30 is 91 days out
    [
        ("2026-01-30", "active"),
        ("2026-01-31", "expiring"),
        ("2026-05-01", "expiring"),
        ("2026-05-02", "lapsed"),
    ],  # no late window: lapsed the next day
)
def test_rma_status_boundaries(rules, as_of, status):
    assert one(rules, RMA, as_of).status == status


def test_warn_days_moves_the_expiring_edge(rules):
    assert one(rules, CMA, "2026-03-01", warn_days=30).status == "expiring"  # 30 days left
    assert one(rules, CMA, "2026-02-28", warn_days=30).status == "active"  # 31 days left
    assert one(rules, CMA, "2026-03-30", warn_days=0).status == "active"
    assert one(rules, CMA, "2026-03-31", warn_days=0).status == "expiring"


def test_status_on_directly():
    exp, deadline = d("2026-03-31"), d("2026-06-30")
    assert engine.status_on(d("2026-03-31"), exp, deadline, 90) == "expiring"
    assert engine.status_on(d("2026-04-01"), exp, deadline, 90) == "grace"
    assert engine.status_on(d("2026-06-30"), exp, deadline, 90) == "grace"
    assert engine.status_on(d("2026-07-01"), exp, deadline, 90) == "lapsed"
    # no late window: the deadline is the expiry
    assert engine.status_on(d("2026-04-01"), exp, exp, 90) == "lapsed"


def test_cma_late_window_before_2020_closed_on_2020_03_30(rules):
    # certified 2014-12-01 -> expires 2019-12-31; the late window in force then is 60 months
    # (2024-12-31), but windows of expiries before 2020 closed on 2020-03-30: the earlier wins
    old = {"cert": "CMA", "certified_on": "2014-12-01"}
    r = one(rules, old, "2020-03-30")
    assert r.expires_on == d("2019-12-31")
    assert r.deadline == d("2020-03-30")
    assert r.status == "grace"
    assert one(rules, old, "2020-03-31").status == "lapsed"
    # an expiry whose 60 months end before 2020-03-30 keeps its own end
    older = {"cert": "CMA", "certified_on": "2009-01-20"}
    assert one(rules, older, "2019-02-01").deadline == d("2019-01-31")
    # a month later the 3-month window applies: expires 2020-01-31 -> deadline 2020-04-30
    new = {"cert": "CMA", "certified_on": "2015-01-05"}
    r = one(rules, new, "2020-04-30")
    assert (r.expires_on, r.deadline, r.status) == (d("2020-01-31"), d("2020-04-30"), "grace")
    assert one(rules, new, "2020-05-01").status == "lapsed"


def test_figure_in_force_gives_the_effective_date_and_entry(rules):
    # CMA's late window: 60 months from 2000-01-01, 3 months from 2020-01-01 (rules/cma.yaml)
    late = rules["CMA"].late_window.months
    assert late.in_force(d("1999-12-31")) is None and late.at(d("1999-12-31")) is None
    since, entry = late.in_force(d("2019-12-31"))
    assert (since, entry.value) == (d("2000-01-01"), 60)
    since, entry = late.in_force(d("2020-01-01"))
    assert (since, entry.value) == (d("2020-01-01"), 3) and late.at(d("2020-01-01")) is entry
    # an undated figure is in force on every day, with no effective date
    since, entry = rules["CMA"].cycle.months.in_force(dt.date.min)
    assert (since, entry.value) == (None, 60)


# --- the window -------------------------------------------------------------------------------


def test_credits_on_the_first_and_last_day_of_the_window_count(rules):
    credits = [
        aama("day before", "2021-03-14", 5, "clinical"),
        aama("first day", "2021-03-15", 5, "clinical"),
        aama("last day", "2026-03-31", 5, "clinical"),
        aama("day after", "2026-04-01", 5, "clinical"),
    ]
    r = one(rules, CMA, "2026-05-01", credits=credits)  # in grace: every credit is before as_of
    assert counted(r, "first day").counted == 5
    assert counted(r, "last day").counted == 5
    assert counted(r, "day before").counted == 0
    assert "before this cycle began" in counted(r, "day before").note
    assert counted(r, "day after").counted == 0
    assert "after expiry" in counted(r, "day after").note
    assert req(r, "total").counted == 10


def test_a_credit_after_the_as_of_date_does_not_count(rules):
    credits = [aama("on the day", "2025-06-01", 5, "clinical"), aama("next day", "2025-06-02", 5, "clinical")]
    r = one(rules, CMA, "2025-06-01", credits=credits)
    assert counted(r, "on the day").counted == 5
    assert counted(r, "next day").counted == 0
    assert "after the as-of date" in counted(r, "next day").note
    assert req(r, "total").counted == 5
    # a day later it counts
    assert req(one(rules, CMA, "2025-06-02", credits=credits), "total").counted == 10


# --- applies_to and several credentials -------------------------------------------------------


def test_applies_to_restricts_a_credit_to_some_credentials(rules):
    h = holder(
        CMA,
        RMA,
        credits=[
            credit("AMT chapter meeting", "2024-01-10", 4, applies_to=["rma"]),  # case-insensitive
            aama("Everyone", "2024-02-10", 6, "clinical"),
        ],
    )
    cma, rma = engine.evaluate(rules, h, d("2025-01-01")).credentials
    assert counted(cma, "AMT chapter meeting").counted == 0
    assert "counts only for" in counted(cma, "AMT chapter meeting").note
    assert counted(rma, "AMT chapter meeting").counted == 4
    assert counted(rma, "AMT chapter meeting").note is None
    # a credit without applies_to counts toward every credential held
    assert counted(cma, "Everyone").counted == 6 and counted(rma, "Everyone").counted == 6
    assert req(cma, "total").counted == 6
    assert req(rma, "total").counted == 10


def test_credits_told_apart_only_as_written_count_the_same_in_any_order(rules):
    """Credits that differ only in how they are written (the order or case of the names they
    give, the case of their content area, the order of their areas, a certificate) are still
    put in one order: a result may show the difference (a note names the certifications as
    written, a certificate), so the order they were written in must change nothing."""
    pairs = [
        (dict(applies_to=["RMA", "XYZ"]), dict(applies_to=["XYZ", "RMA"])),
        (dict(approved_by=["AAMA", "AMT"]), dict(approved_by=["amt", "AAMA"])),
        (dict(category="Clinical"), dict(category="clinical")),
        (dict(certificate="proof.pdf"), dict()),
        (dict(points={"clinical": 1.0, "general": 1.0}), dict(points={"general": 1.0, "clinical": 1.0})),
    ]
    for first, second in pairs:
        credits = [
            credit("HIPAA update", "2024-01-10", **{"points": 2.0, **first}),
            credit("HIPAA update", "2024-01-10", **{"points": 2.0, **second}),
        ]
        as_written = engine.evaluate(rules, holder(CMA, RMA, credits=credits), d("2025-01-01"))
        reversed_ = engine.evaluate(rules, holder(CMA, RMA, credits=credits[::-1]), d("2025-01-01"))
        assert as_written.as_json() == reversed_.as_json(), (first, second)


def test_caps_and_windows_are_per_credential(rules):
    # 40 non-AAMA points: the CMA counts 30 (cap), the RMA all 40 (AMT has no cap) but only in its window
    h = holder(
        CMA,
        RMA,
        credits=[
            credit("Workshop A", "2022-06-01", 20),  # before the RMA cycle (2023-05-01)
            credit("Workshop B", "2024-06-01", 20),
        ],
    )
    cma, rma = engine.evaluate(rules, h, d("2025-01-01")).credentials
    assert req(cma, "total").counted == 30
    assert req(rma, "total").counted == 20
    assert counted(rma, "Workshop A").counted == 0


# --- categories belong to a body -------------------------------------------------------------


def test_aama_credit_without_category_counts_toward_total_and_approved_only(rules):
    r = one(rules, CMA, "2025-01-01", credits=[aama("No area", "2024-01-10", 10)])
    assert counted(r, "No area").counted == 10
    assert "no content area" in counted(r, "No area").note
    assert req(r, "total").counted == 10
    assert req(r, "approved").counted == 10
    for area in ("administrative", "clinical", "general"):
        assert req(r, area).counted == 0


def test_aama_unknown_category_counts_toward_total_and_approved_only(rules):
    r = one(rules, CMA, "2025-01-01", credits=[aama("Odd area", "2024-01-10", 10, "phlebotomy")])
    note = counted(r, "Odd area").note
    assert counted(r, "Odd area").counted == 10
    assert "phlebotomy" in note and "not one of AAMA's content areas" in note
    assert req(r, "total").counted == 10
    assert req(r, "approved").counted == 10
    assert all(req(r, a).counted == 0 for a in ("administrative", "clinical", "general"))
    # 60 - 10 = 50 short in total; 20 approved; 30 across the areas -> 50 needed
    assert r.points_needed == 50


def test_aama_category_is_case_insensitive(rules):
    r = one(rules, CMA, "2025-01-01", credits=[aama("Caps", "2024-01-10", 10, "Clinical")])
    assert req(r, "clinical").counted == 10
    assert counted(r, "Caps").note is None


def test_amt_ignores_categories(rules):
    r = one(
        rules,
        RMA,
        "2025-01-01",
        credits=[
            credit("Employment", "2024-01-10", 10, category="employment"),
            credit("Made up", "2024-02-10", 5, category="no such area"),
            credit("None", "2024-03-10", 5),
        ],
    )
    assert [c.counted for c in r.credits] == [10, 5, 5]
    assert all(c.note is None for c in r.credits)
    assert [x.id for x in r.requirements] == ["total"]
    assert req(r, "total").counted == 20
    assert r.points_needed == 10  # 30 - 20


# --- the AAMA cap and the choice of what counts -----------------------------------------------


def test_sixty_clinical_non_aama_points_count_as_thirty(rules):
    # 60 clinical non-AAMA points count as 30 (cap); points_needed is 30 (30 more AAMA
    # points including 10 administrative and 10 general), not 60 and not 50.
    r = one(
        rules,
        CMA,
        "2025-01-01",
        credits=[
            credit("Skills day", "2022-05-01", 30, category="clinical"),
            credit("Wound care", "2023-05-01", 30, category="clinical"),
        ],
    )
    assert req(r, "total").counted == 30 and req(r, "total").short == 30
    assert req(r, "approved").counted == 0 and req(r, "approved").short == 30
    assert req(r, "clinical").short == 0
    assert req(r, "administrative").short == 10 and req(r, "general").short == 10
    assert r.points_needed == 30
    assert r.ready is False
    cap = r.caps[0]
    assert (cap.maximum, cap.entered, cap.counted) == (30, 60, 30)
    assert sum(c.counted for c in r.credits) == 30
    cut = [c for c in r.credits if c.counted < c.points]
    assert cut and all("cap" in c.note for c in cut)


def test_cap_prefers_non_aama_points_in_short_areas(rules):
    # 30 AAMA clinical points meet the approved minimum and the clinical area. Of 50 non-AAMA points
    # (30 clinical, dated first; 10 administrative; 10 general), counting the clinical ones first
    # would leave administrative and general 10 short each (20 needed). The best choice counts
    # 10 administrative + 10 general + 10 clinical: every requirement holds.
    r = one(
        rules,
        CMA,
        "2025-01-01",
        credits=[
            aama("AAMA clinical", "2021-06-01", 30, "clinical"),
            credit("Non-AAMA clinical", "2021-07-01", 30, category="clinical"),
            credit("Non-AAMA admin", "2022-07-01", 10, category="administrative"),
            credit("Non-AAMA general", "2023-07-01", 10, category="general"),
        ],
    )
    assert counted(r, "Non-AAMA admin").counted == 10
    assert counted(r, "Non-AAMA general").counted == 10
    assert counted(r, "Non-AAMA clinical").counted == 10
    assert "cap" in counted(r, "Non-AAMA clinical").note
    assert r.points_needed == 0
    assert r.ready is True


def test_cap_counts_part_of_a_credit(rules):
    # 30 AAMA clinical points; one non-AAMA administrative course of 45 points: 30 of it counts.
    # Total 60, approved 30, administrative 30, clinical 30, general 0 -> 10 general still needed.
    r = one(
        rules,
        CMA,
        "2025-01-01",
        credits=[
            aama("AAMA clinical", "2021-06-01", 30, "clinical"),
            credit("Long course", "2022-01-10", 45, category="administrative"),
        ],
    )
    long = counted(r, "Long course")
    assert (long.points, long.counted) == (45, 30)
    assert "30 of 45" in long.note
    assert req(r, "total").short == 0
    assert req(r, "general").short == 10
    assert r.points_needed == 10


def test_cap_fills_area_gaps_then_the_rest(rules):
    # AAMA: 30 clinical. Non-AAMA: 30 clinical (first), 5 administrative, 25 general.
    # Best: administrative 5 (all there is), general 10 (its gap), and 15 more anywhere -> total 60,
    # administrative 5 short -> 5 needed. Filling by date would count the 30 clinical and need 20.
    r = one(
        rules,
        CMA,
        "2025-01-01",
        credits=[
            aama("AAMA clinical", "2021-06-01", 30, "clinical"),
            credit("Non-AAMA clinical", "2021-07-01", 30, category="clinical"),
            credit("Non-AAMA admin", "2022-07-01", 5, category="administrative"),
            credit("Non-AAMA general", "2023-07-01", 25, category="general"),
        ],
    )
    assert counted(r, "Non-AAMA admin").counted == 5
    assert counted(r, "Non-AAMA general").counted >= 10
    assert sum(c.counted for c in r.credits) == 60
    assert req(r, "administrative").short == 5
    assert req(r, "general").short == 0
    assert r.points_needed == 5


def test_cap_result_is_independent_of_the_order_in_the_file(rules):
    credits = [
        aama("AAMA clinical", "2021-06-01", 30, "clinical"),
        credit("Non-AAMA clinical", "2021-07-01", 30, category="clinical"),
        credit("Non-AAMA admin", "2022-07-01", 10, category="administrative"),
        credit("Non-AAMA general", "2023-07-01", 10, category="general"),
    ]
    forward = one(rules, CMA, "2025-01-01", credits=credits)
    backward = one(rules, CMA, "2025-01-01", credits=list(reversed(credits)))
    assert forward.points_needed == backward.points_needed == 0
    assert {c.title: c.counted for c in forward.credits} == {c.title: c.counted for c in backward.credits}


def test_aama_approved_points_are_not_capped(rules):
    r = one(rules, CMA, "2025-01-01", credits=[aama("Lots", "2022-01-10", 70, "clinical")])
    assert req(r, "total").counted == 70
    assert r.caps[0].entered == 0
    # total and approved met; administrative and general 10 short each
    assert r.points_needed == 20


# --- college credits --------------------------------------------------------------------------


def test_college_credit_is_fifteen_non_aama_points(rules):
    r = one(
        rules,
        CMA,
        "2025-01-01",
        credits=[
            # even if marked AAMA-approved, a college credit is non-AAMA (AAMA, source A5)
            credit("Anatomy course", "2022-09-01", college_credits=1, category="general", approved_by=["AAMA"]),
        ],
    )
    c = counted(r, "Anatomy course")
    assert (c.points, c.counted) == (15, 15)
    assert "15" in c.note
    assert req(r, "approved").counted == 0
    assert req(r, "general").counted == 15
    assert req(r, "total").counted == 15


def test_college_credits_share_the_non_aama_cap(rules):
    # 3 college credits = 45 points plus 10 non-AAMA points: 55 non-AAMA, 30 count
    r = one(
        rules,
        CMA,
        "2025-01-01",
        credits=[
            credit("College", "2022-09-01", college_credits=3, category="clinical"),
            credit("Workshop", "2023-01-10", 10, category="administrative"),
        ],
    )
    assert r.caps[0].entered == 55
    assert req(r, "total").counted == 30
    assert counted(r, "Workshop").counted == 10  # it closes the administrative gap first


def test_college_credits_do_not_count_without_a_conversion(rules):
    r = one(rules, RMA, "2025-01-01", credits=[credit("College", "2024-01-10", college_credits=1)])
    c = counted(r, "College")
    assert c.counted == 0
    assert "no conversion" in c.note


# --- ready ------------------------------------------------------------------------------------


def _full_aama(extra: float) -> list[dict]:
    return [
        aama("Admin", "2022-01-10", 10, "administrative"),
        aama("Clinical", "2022-02-10", 10, "clinical"),
        aama("General", "2022-03-10", 10, "general"),
        aama("More", "2022-04-10", extra, "clinical"),
    ]


def test_ready_exactly_when_nothing_is_needed(rules):
    r = one(rules, CMA, "2025-01-01", credits=_full_aama(30))
    assert (r.points_needed, r.ready) == (0, True)
    r = one(rules, CMA, "2025-01-01", credits=_full_aama(29.5))
    assert (r.points_needed, r.ready) == (0.5, False)


def test_no_credits_needs_the_whole_total(rules):
    r = one(rules, CMA, "2025-01-01")
    assert r.points_needed == 60
    assert r.ready is False
    r = one(rules, RMA, "2025-01-01")
    assert r.points_needed == 30


# --- cost -------------------------------------------------------------------------------------


def test_cma_ce_path_member_and_non_member(rules):
    member = one(rules, CMA, "2025-01-01", memberships=["AAMA"])
    assert (member.cost.path, member.cost.member, member.cost.amount) == ("ce", True, 65)
    assert member.cost.currency == "USD"
    non = one(rules, CMA, "2025-01-01")
    assert (non.cost.path, non.cost.member, non.cost.amount) == ("ce", False, 130)


FULL_CMA = [
    aama("Admin", "2022-01-10", 20, "administrative"),
    aama("Clinical", "2023-01-10", 20, "clinical"),
    aama("General", "2024-01-10", 20, "general"),
]


def test_cma_in_grace_with_complete_ce_still_pays_the_ce_fee(rules):
    r = one(rules, CMA, "2026-06-30", memberships=["AAMA"], credits=FULL_CMA)
    assert r.status == "grace" and r.ready
    assert (r.cost.path, r.cost.amount) == ("ce", 65)
    step = r.next_step
    assert (step.action, step.by, step.path, step.cost) == ("apply_ce", d("2026-06-30"), "ce", r.cost)


def test_cma_in_grace_short_at_expiry_takes_the_exam_without_reactivation(rules):
    # CE earned after expiry never counts: the only way left in the window is the exam, $125 for a
    # member; the $50 reactivation fee starts only after the window.
    late = credit("Late CE", "2026-04-15", 60, approved_by=["AAMA"])
    r = one(rules, CMA, "2026-04-30", memberships=["AAMA"], credits=[late])
    assert r.status == "grace" and r.points_needed == 60
    assert counted(r, "Late CE").counted == 0 and "after expiry" in counted(r, "Late CE").note
    step = r.next_step
    assert (step.action, step.by, step.path) == ("apply_exam", d("2026-06-30"), "exam")
    assert r.cost is step.cost and [i.amount for i in r.cost.items] == [125]
    assert "reactivation fee is added" in step.summary


def test_cma_lapsed_member_pays_exam_plus_reactivation(rules):
    r = one(rules, CMA, "2026-07-01", memberships=["AAMA"])
    assert r.status == "lapsed"
    assert r.cost.path == "exam"
    assert [i.amount for i in r.cost.items] == [125, 50]
    assert "Reactivation" in r.cost.items[1].label
    assert r.cost.amount == 175
    assert one(rules, CMA, "2026-07-01").cost.amount == 300  # non-member: 250 + 50


def annual_fee(rules, cert: str = "RMA", day: str = "2026-03-01") -> float:
    """The AMT annual fee as the rule file gives it (the figure may change; the logic may not)."""
    return rules[cert].recurring_fees[0].amount.all.at(d(day)).value


def ccp_fee(rules, day: str = "2026-03-01") -> float:
    return rules["RMA"].paths["ce"].fee.all.at(d(day)).value


def test_rma_regular_path_includes_the_annual_fee_due_with_it(rules):
    # the CCP has its own fee (none), and the annual fee falls due with it on 2026-05-01
    r = one(rules, RMA, "2026-03-01")
    assert r.cost.path == "ce"
    assert [i.amount for i in r.cost.items] == [ccp_fee(rules), annual_fee(rules)]
    assert "2026-05-01" in r.cost.items[1].label
    assert r.cost.amount == ccp_fee(rules) + annual_fee(rules)
    assert r.cost.complete is True


def test_rma_annual_fee_is_due_with_a_renewal_dated_later_in_the_anniversary_month(rules):
    # A card dated 2026-05-31 (rule: 2026-05-01): the annual fee due 2026-05-01 still falls due with
    # the attestation (AMT: due in the anniversary month), so it is part of the renewal.
    r = one(rules, {**RMA, "expires_on": "2026-05-31"}, "2026-03-01")
    assert r.cost.amount == ccp_fee(rules) + annual_fee(rules)
    assert "2026-05-01" in r.cost.items[1].label


def test_rma_lapsed_reinstatement_fee_is_unknown(rules):
    r = one(rules, RMA, "2026-05-02")
    assert r.status == "lapsed"
    assert r.cost.path == "reinstatement"
    assert r.cost.amount is None
    assert r.cost.complete is False
    assert any("does not publish" in w for w in r.warnings)


def test_ncma_fee_is_unknown(rules):
    r = one(rules, {"cert": "NCMA", "certified_on": "2026-01-10"}, "2026-06-01")
    assert r.expires_on == d("2027-01-10")
    assert r.cost.amount is None
    assert r.cost.complete is False
    assert r.cost.as_json()["amount"] is None


def test_ccma_fee(rules):
    r = one(rules, {"cert": "CCMA", "certified_on": "2025-03-02"}, "2026-01-01")
    assert (r.cost.path, r.cost.amount) == ("ce", 179)


def test_memberships_are_case_insensitive_and_the_member_option_overrides(rules):
    assert one(rules, CMA, "2025-01-01", memberships=["aama"]).cost.amount == 65
    assert one(rules, CMA, "2025-01-01", memberships=["AAMA"], member=False).cost.amount == 130
    assert one(rules, CMA, "2025-01-01", member=True).cost.amount == 65
    # membership of another body does not make one an AAMA member
    assert one(rules, CMA, "2025-01-01", memberships=["AMT"]).cost.amount == 130


def test_report_total_is_incomplete_when_a_fee_is_unknown(rules):
    h = holder(CMA, {"cert": "NCMA", "certified_on": "2026-01-10"}, memberships=["AAMA"])
    report = engine.evaluate(rules, h, d("2026-02-01"))
    # the CMA (expiring: 58 days left) pays the member CE fee 65; the NCMA fee is unknown
    assert report.cost_total() == (65, False)


# --- price list -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cert", "member", "per_year"),
    [
        ("CMA", True, 13.0),  # cheapest current path: CE 65 over 60 months -> 65 * 12 / 60
        ("CMA", False, 26.0),  # 130 * 12 / 60
        ("CCMA", False, 89.5),  # 179 * 12 / 24
        ("NCMA", True, None),  # no fee published
    ],
)
def test_price_list_per_year(rules, cert, member, per_year):
    prices = engine.price_list(rules[cert], member, d("2026-11-29"))
    assert prices.per_year == per_year


def test_price_list_per_year_adds_the_recurring_fee(rules):
    # CCP fee over 36 months + the annual fee every 12 months, as the rule file gives them
    prices = engine.price_list(rules["RMA"], True, d("2026-11-29"))
    assert prices.per_year == ccp_fee(rules) * 12 / 36 + annual_fee(rules, day="2026-11-29")


def test_price_list_fees_and_recurring(rules):
    cma = engine.price_list(rules["CMA"], True, d("2026-11-29"))
    assert cma.cycle_months == 60
    assert {k: v.amount for k, v in cma.fees.items()} == {"ce": 65, "exam": 125}
    assert cma.recurring == ()
    rma = engine.price_list(rules["RMA"], False, d("2026-11-29")).as_json()
    assert rma["cycle_months"] == 36
    assert rma["fees"] == {"ce": ccp_fee(rules), "reinstatement": None, "exam": None}
    assert [(x["amount"], x["every_months"]) for x in rma["recurring"]] == [(annual_fee(rules, day="2026-11-29"), 12)]


@pytest.mark.parametrize("name", ["cma-short.yaml", "multi-credential.yaml", "every-certification.yaml"])
def test_without_detail_only_the_per_credit_results_are_left_out(ruleset, name):
    # The roster asks for no per-credit detail; every other field must be what `status` gives.
    from helpers import EXAMPLES
    from marenew.load.credentials import load_credentials

    day = dt.date(2026, 12, 15)
    loaded = load_credentials(EXAMPLES / name, ruleset, today=day)
    full = engine.evaluate(ruleset.rules, loaded.holder, day).as_json()
    lean = engine.evaluate(ruleset.rules, loaded.holder, day, detail=False).as_json()
    assert any(c["credits"] for c in full["credentials"])
    for c in full["credentials"]:
        c["credits"] = []
    assert lean == full
