"""`marenew plan` and the pure planning module: key dates, pace, urgency, cheapest path vs lapse.

Expected values come from the built-in rule files, worked out by hand.
"""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest

from helpers import EXAMPLES, cli, d
from marenew.cli import app
from marenew.core.dates import months_between
from marenew.core.engine import evaluate
from marenew.core.plan import plan_report
from marenew.load.credentials import check_credentials
from marenew.load.yamlfile import parse
from ruledata import path_fee, recurring_fee

# A worked example: a CMA whose cycle began 2021-03-15 expires 2026-03-31 (AAMA: last day of
# the month, 60 months on). On 2025-12-31 there are exactly 3 calendar months left.
# Counted: 22.5 AAMA-approved (10 administrative, 10 clinical, 2.5 general) + 15 non-AAMA general
# (under the cap of 30) = 37.5 of 60 -> total short 22.5; approved short 30 - 22.5 = 7.5; every
# content area has its 10. Points needed = max(22.5, 7.5, 0) = 22.5.
# Pace: 22.5 / 3 = 7.5 points/month, of which at least 7.5 / 3 = 2.5 AAMA-approved.
EXAMPLE_CMA = """\
holder: Pat Example
credentials:
  - cert: CMA
    certified_on: 2021-03-15
credits:
  - {title: Admin A, date: 2022-01-10, points: 10, category: administrative, approved_by: AAMA}
  - {title: Clinical A, date: 2023-01-10, points: 10, category: clinical, approved_by: AAMA}
  - {title: General A, date: 2024-01-10, points: 2.5, category: general, approved_by: AAMA}
  - {title: General B (non-AAMA), date: 2024-06-10, points: 15, category: general}
"""

# Four credentials, written least urgent first. As of 2026-11-29:
#   RMA  2024-05-01 -> 2027-05-01, 153 days: active
#   CCMA 2024-12-20 -> 2026-12-20 (anniversary), 21 days: expiring
#   NCMA 2025-11-01 -> 2026-11-01, no late window: lapsed
#   CMA  2021-08-05 -> 2026-08-31, late window to 2026-11-30 (calendar months): grace
URGENCY_FILE = """\
holder: Robin Example
credentials:
  - {cert: RMA, certified_on: 2024-05-01}
  - {cert: CCMA, certified_on: 2024-12-20}
  - {cert: NCMA, certified_on: 2025-11-01}
  - {cert: CMA, certified_on: 2021-08-05}
"""


def make_plan(ruleset, text: str, as_of: str, member: bool | None = None):
    day = d(as_of)
    loaded = check_credentials(parse(text, "test.yaml", allow_aliases=False), ruleset, today=day)
    report = evaluate(ruleset.rules, loaded.holder, day, member=member)
    return plan_report(ruleset.rules, loaded.holder, report)


def dates(plan) -> dict[str, list[dt.date]]:
    out: dict[str, list[dt.date]] = {}
    for k in plan.key_dates:
        out.setdefault(k.kind, []).append(k.date)
    return out


def invoke(runner, *args, env=None):
    return cli(*args, env={"COLUMNS": "80", **(env or {})})


# --- months and pace --------------------------------------------------------------------------


def test_months_between_counts_calendar_months():
    assert months_between(d("2025-12-31"), d("2026-03-31")) == 3.0
    assert months_between(d("2026-11-29"), d("2027-02-28")) == 3.0  # Feb 29 clamps to the 28th
    # 2026-01-15 + 1 month = 2026-02-15; 14 of the 28 days to 2026-03-15
    assert months_between(d("2026-01-15"), d("2026-03-01")) == 1.5
    assert months_between(d("2026-03-01"), d("2026-01-15")) == 0.0


def test_pace_of_the_worked_example(ruleset):
    hp = make_plan(ruleset, EXAMPLE_CMA, "2025-12-31")
    (plan,) = hp.plans
    assert plan.result.expires_on == d("2026-03-31")
    assert plan.result.points_needed == 22.5
    pace = plan.pace
    assert pace.months_left == 3.0
    assert pace.per_month == 7.5
    assert pace.until == d("2026-03-31")
    assert [(p.id, p.short, p.per_month) for p in pace.parts] == [("approved", 7.5, 2.5)]
    # sustainable pace: 60 points over the 60-month cycle = 1 a month; 22.5 -> 23 months, the one
    # started in counted whole: 22 whole months before 2026-03-31 = 2024-05-31, less a day
    # = 2024-05-30, already passed: behind, start now.
    assert pace.sustainable_per_month == 1.0
    assert pace.start_by == d("2024-05-30")
    assert pace.behind
    assert dates(plan)["start_renewal"] == [d("2025-12-31")]


def test_pace_text_says_points_per_month_and_approved_share(runner, write):
    f = write("cma.yaml", EXAMPLE_CMA)
    out = invoke(runner, "plan", f, "--as-of", "2025-12-31", env={"COLUMNS": "200"}).stdout
    assert "7.5 points/month until 2026-03-31, of which at least 2.5 AAMA-approved" in out


def test_pace_by_content_area_rounds_up(ruleset):
    # examples/cma-short.yaml on 2026-11-29: expires 2027-02-28, 3.0 months left. Counted: 10
    # AAMA clinical + 30 non-AAMA (cap; clinical 24+16 and general 15 entered) = 40 -> short 20;
    # approved 10 -> short 20; administrative 0 -> short 10. Pace 20/3 = 6.67 (rounded up), and
    # administrative 10/3 = 3.333.. -> 3.34 (up, so that keeping to it meets the minimum).
    (plan,) = make_plan(ruleset, (EXAMPLES / "cma-short.yaml").read_text(), "2026-11-29").plans
    assert plan.pace.per_month == 6.67
    assert {p.id: p.per_month for p in plan.pace.parts} == {"approved": 6.67, "administrative": 3.34}


def test_with_a_month_or_less_left_the_pace_is_the_whole_remainder(ruleset):
    # EXAMPLE_CMA on 2026-03-16: 15 days left, under a month: 22.5 points this month.
    (plan,) = make_plan(ruleset, EXAMPLE_CMA, "2026-03-16").plans
    assert plan.pace.months_left < 1
    assert plan.pace.per_month == 22.5


def test_rma_key_dates_fees_and_pace_start(ruleset):
    # multi-credential's RMA: certified 2024-05-01, due 2027-05-01 (third anniversary), no late
    # window. Annual fee on each anniversary in the cycle: 2025-05-01, 2026-05-01, 2027-05-01.
    # Counted 10 + 6 + 8 + 4 = 28 of 30: 2 short. Sustainable 30/36 a month: 2 / (30/36) = 2.4 ->
    # 3 months, the one started in counted whole: 2 whole months before expiry = 2027-03-01, less
    # a day = 2027-02-28, not yet passed.
    # Months left from 2026-11-29: 5 (to 2027-04-29) + 2/30 -> 2 / 5.0667 = 0.395 -> 0.4.
    hp = make_plan(ruleset, (EXAMPLES / "multi-credential.yaml").read_text(), "2026-11-29")
    plan = next(p for p in hp.plans if p.result.cert == "RMA")
    got = dates(plan)
    assert got["cycle_start"] == [d("2024-05-01")]
    assert got["fee_due"] == [d("2025-05-01"), d("2026-05-01"), d("2027-05-01")]
    assert all(k.fee.amount == recurring_fee("RMA") for k in plan.key_dates if k.kind == "fee_due")
    assert got["expiry"] == [d("2027-05-01")]
    assert "deadline" not in got  # no late window
    assert got["lapses"] == [d("2027-05-02")]
    assert got["start_renewal"] == [d("2027-02-28")]
    assert not plan.pace.behind
    assert plan.pace.per_month == 0.4
    # key dates come in date order
    assert [k.date for k in plan.key_dates] == sorted(k.date for k in plan.key_dates)


def test_cma_key_dates_with_late_window(ruleset):
    # cma-short: 2022-02-14 -> 2027-02-28; late window 3 months from the last day of a month ->
    # 2027-05-31 (calendar months); lapsed from 2027-06-01.
    (plan,) = make_plan(ruleset, (EXAMPLES / "cma-short.yaml").read_text(), "2026-11-29").plans
    got = dates(plan)
    assert got["expiry"] == [d("2027-02-28")]
    assert got["deadline"] == [d("2027-05-31")]
    assert got["lapses"] == [d("2027-06-01")]
    assert "fee_due" not in got


def test_no_start_renewal_without_a_shortfall(ruleset):
    # multi-credential's CCMA: 6 + 8 = 14 CE credits counted (+10 before its cycle), 10 needed: met.
    hp = make_plan(ruleset, (EXAMPLES / "multi-credential.yaml").read_text(), "2026-11-29")
    plan = next(p for p in hp.plans if p.result.cert == "CCMA")
    assert plan.result.points_needed == 0
    assert "start_renewal" not in dates(plan)
    assert plan.pace.per_month == 0


# --- urgency ----------------------------------------------------------------------------------


def test_plans_come_most_urgent_first(ruleset):
    hp = make_plan(ruleset, URGENCY_FILE, "2026-11-29")
    assert [(p.result.cert, p.result.status) for p in hp.plans] == [
        ("NCMA", "lapsed"),
        ("CMA", "grace"),
        ("CCMA", "expiring"),
        ("RMA", "active"),
    ]


def test_plan_and_roster_agree_on_the_most_urgent(ruleset, runner, tmp_path):
    # Both lapsed as of 2026-11-29: the CMA expired 2026-07-31 (certified 2021-07-01, end of month)
    # with its late window to 2026-10-31; the NCMA expired 2026-10-01 with no late window. Lapsed
    # sort by the deadline that passed first (results.urgency_key): the NCMA (2026-10-01), though
    # the CMA expired earlier. Plan and roster decide it the same way.
    text = (
        "holder: X\ncredentials:\n  - {cert: CMA, certified_on: 2021-07-01}\n"
        "  - {cert: NCMA, certified_on: 2025-10-01}\n"
    )
    hp = make_plan(ruleset, text, "2026-11-29")
    assert [(p.result.cert, p.result.status, str(p.result.deadline)) for p in hp.plans] == [
        ("NCMA", "lapsed", "2026-10-01"),
        ("CMA", "lapsed", "2026-10-31"),
    ]
    (tmp_path / "x.yaml").write_text(text, encoding="utf-8")
    env = {"NO_COLOR": "1", "MARENEW_RULES": ""}
    plan = runner.invoke(app, ["plan", str(tmp_path / "x.yaml"), "--as-of", "2026-11-29", "--json"], env=env)
    roster = runner.invoke(
        app, ["roster", str(tmp_path / "x.yaml"), "--as-of", "2026-11-29", "--format", "json"], env=env
    )
    assert [c["cert"] for c in json.loads(plan.stdout)["credentials"]] == ["NCMA", "CMA"]
    assert [r["cert"] for r in json.loads(roster.stdout)] == ["NCMA", "CMA"]


def test_same_status_sorts_by_days_left(ruleset):
    # NCMA 2026-01-05 -> 2027-01-05 (37 days), CCMA 2024-12-20 -> 2026-12-20 (21 days): both expiring.
    text = (
        "holder: X\ncredentials:\n  - {cert: NCMA, certified_on: 2026-01-05}\n"
        "  - {cert: CCMA, certified_on: 2024-12-20}\n"
    )
    hp = make_plan(ruleset, text, "2026-11-29")
    assert [(p.result.cert, p.result.days_left) for p in hp.plans] == [("CCMA", 21), ("NCMA", 37)]


# --- staying certified vs letting it lapse ----------------------------------------------------


def test_cma_ce_now_against_exam_and_reactivation_later(ruleset):
    # Non-member: CE $130 now; lapsed: exam $250 + reactivation $50 = $300 -> $170 saved.
    (plan,) = make_plan(ruleset, (EXAMPLES / "cma-short.yaml").read_text(), "2026-11-29").plans
    assert plan.cheapest.cost.path == "ce" and plan.cheapest.cost.amount == 130
    assert [o.cost.path for o in plan.options] == ["ce", "exam"]
    assert plan.lapse.path == "exam" and plan.lapse.amount == 300
    assert [i.amount for i in plan.lapse.items] == [250, 50]
    assert plan.saving == 170
    # member: $65 against $125 + $50
    (member,) = make_plan(ruleset, (EXAMPLES / "cma-short.yaml").read_text(), "2026-11-29", member=True).plans
    assert member.saving == 175 - 65


def test_in_grace_with_a_shortfall_the_ce_path_is_closed(ruleset):
    # URGENCY_FILE's CMA is in grace with no credits: CE earned now does not count, so the way to
    # stay certified is the exam without the reactivation fee: $250 against $300 after the deadline.
    hp = make_plan(ruleset, URGENCY_FILE, "2026-11-29")
    plan = next(p for p in hp.plans if p.result.cert == "CMA")
    exam, ce = plan.options  # the engine's next step first
    assert exam.cost is plan.result.next_step.cost
    assert not ce.feasible and "counting window closed" in ce.note
    assert plan.cheapest is exam and exam.cost.amount == 250
    assert plan.saving == 50
    assert plan.pace.closed and plan.pace.per_month is None
    assert "start_renewal" not in dates(plan)


def test_lapsed_has_no_way_to_stay_only_the_way_back(ruleset):
    hp = make_plan(ruleset, URGENCY_FILE, "2026-11-29")
    plan = next(p for p in hp.plans if p.result.cert == "NCMA")
    assert plan.options == () and plan.cheapest is None and plan.saving is None
    assert plan.lapse.path == "reinstatement"


def test_unknown_fees_stay_unknown(ruleset):
    # NCMA: no fee published for either path (unknown is not zero); CCMA: $179 now, reinstatement unknown.
    text = (
        "holder: X\ncredentials:\n  - {cert: NCMA, certified_on: 2026-06-01}\n"
        "  - {cert: CCMA, certified_on: 2025-06-01}\n"
    )
    hp = make_plan(ruleset, text, "2026-11-29")
    ncma = next(p for p in hp.plans if p.result.cert == "NCMA")
    assert ncma.cheapest is None and ncma.saving is None and ncma.lapse.amount is None
    ccma = next(p for p in hp.plans if p.result.cert == "CCMA")
    assert ccma.cheapest.cost.amount == 179 and ccma.saving is None
    assert any("unknown amount" in n for n in ccma.notes)
    data = ccma.as_json()
    assert data["saving"] is None and data["lapse"]["amount"] is None and data["stay"]["amount"] == 179.0


# --- the command ------------------------------------------------------------------------------


def test_json_shape(runner):
    result = invoke(runner, "plan", EXAMPLES / "multi-credential.yaml", "--as-of", "2026-11-29", "--json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert set(data) == {"as_of", "holder", "credentials", "warnings"}
    assert [c["cert"] for c in data["credentials"]] == ["CCMA", "RMA", "CMA"]  # by days left
    rma = data["credentials"][1]
    assert set(rma) >= {
        "cert",
        "body",
        "name",
        "status",
        "days_left",
        "member",
        "cycle_start",
        "expires_on",
        "deadline",
        "late_window",
        "dates",
        "progress",
        "requirements",
        "pace",
        "stay",
        "lapse",
        "saving",
        "notes",
        "renewal_page",
        "confidence",
        "warnings",
    }
    assert {k["kind"] for k in rma["dates"]} == {"cycle_start", "fee_due", "start_renewal", "expiry", "lapses"}
    fee = next(k for k in rma["dates"] if k["kind"] == "fee_due")
    assert {k: v for k, v in fee.items() if k != "confidence"} == {
        "kind": "fee_due",
        "date": "2025-05-01",
        "label": "AMT annual fee due",
        "past": True,
        "fee": "annual",
        "amount": recurring_fee("RMA"),
    }
    assert rma["progress"] == {"unit": "CCP points", "required": 30.0, "counted": 28.0, "short": 2.0}
    assert rma["pace"]["per_month"] == 0.4 and rma["pace"]["start_by"] == "2027-02-28"
    assert rma["stay"]["cheapest"] == "ce" and rma["stay"]["amount"] == path_fee("RMA", "ce") + recurring_fee("RMA")
    assert rma["stay"]["options"][0]["feasible"] is True
    assert rma["lapse"]["path"] == "reinstatement" and rma["lapse"]["amount"] is None
    cma = data["credentials"][2]
    assert cma["late_window"] is True and cma["deadline"] == "2028-04-30"
    assert cma["saving"] == 110.0  # AAMA member: exam $125 + $50 against CE $65


def test_text_timeline_marks_today_expiry_fees_and_progress(runner, write):
    f = write(
        "rma.yaml",
        "holder: X\ncredentials:\n  - {cert: RMA, certified_on: 2024-05-01}\n"
        "credits:\n  - {title: CE, date: 2025-03-01, points: 28}\n",
    )
    result = invoke(runner, "plan", f, "--as-of", "2026-11-29")
    assert result.exit_code == 0
    out = result.stdout
    assert "\x1b[" not in out  # NO_COLOR and not a terminal: no escape codes
    lines = out.splitlines()
    bar = next(i for i, line in enumerate(lines) if "━" in line)
    assert "2024-05-01" in lines[bar - 1] and "2027-05-01" in lines[bar - 1]
    marks = lines[bar + 1]
    # fee dates at 1 and 2 of 3 years, today at ~86%, start renewal 2027-02-01, expiry at the end
    order = [m for m in marks if m in "$TSE"]
    assert order == ["$", "$", "T", "S", "E"]
    assert marks.index("$") < marks.index("T") < marks.index("S") < marks.index("E")
    assert "█" in lines[bar + 2] and "░" in lines[bar + 2]
    assert "CE met: 28 of 30 CCP points (93%)" in out
    assert "T today  E expiry  S start renewal  $ fee due" in out


def test_text_late_window_mark_and_narrow_terminal(runner):
    result = invoke(runner, "plan", EXAMPLES / "cma-short.yaml", "--as-of", "2026-11-29", env={"COLUMNS": "60"})
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= 60
    marks = lines[next(i for i, line in enumerate(lines) if "━" in line) + 1]
    assert re.search(r"T.*E.*D", marks)
    assert "┄" in result.stdout  # the late window


@pytest.mark.parametrize(
    ("file", "as_of", "code"),
    [
        ("cma-on-track.yaml", "2026-11-29", 0),  # expires 2030-06-30: active
        ("cma-short.yaml", "2026-11-29", 0),  # 91 days left, warn at 90: active
        ("cma-short.yaml", "2026-12-01", 1),  # 89 days left: expiring
    ],
)
def test_exit_codes_follow_status(runner, file, as_of, code):
    assert invoke(runner, "plan", EXAMPLES / file, "--as-of", as_of).exit_code == code
    assert invoke(runner, "plan", EXAMPLES / file, "--as-of", as_of, "--json").exit_code == code


def test_warn_days_moves_the_exit_code(runner):
    args = ("plan", EXAMPLES / "cma-short.yaml", "--as-of", "2026-11-29")
    assert invoke(runner, *args, "--warn-days", "91").exit_code == 1


def test_bad_input_exits_2_with_a_located_error(runner, write):
    f = write("bad.yaml", "holder: X\ncredentials:\n  - {cert: XYZ, certified_on: 2024-05-01}\n")
    result = invoke(runner, "plan", f, "--as-of", "2026-11-29")
    assert result.exit_code == 2
    assert re.search(r"bad\.yaml:3:\d+: error: .*unknown certification `XYZ`", result.stderr)
    assert "Traceback" not in result.stderr + result.stdout
    assert invoke(runner, "plan", f.parent / "missing.yaml").exit_code == 2


# --- every built-in certification -------------------------------------------------------------


def test_every_certification_example_covers_every_builtin_rule(ruleset):
    from marenew.load.credentials import load_credentials

    holder = load_credentials(EXAMPLES / "every-certification.yaml", ruleset, today=d("2026-11-29")).holder
    assert sorted(c.key for c in holder.credentials) == sorted(ruleset.rules)


def test_plan_and_calendar_work_for_every_builtin_rule(runner, ruleset):
    import icalendar

    f = EXAMPLES / "every-certification.yaml"
    result = invoke(runner, "plan", f, "--as-of", "2026-11-29", "--json")
    assert result.exit_code in (0, 1), result.stderr
    plans = {c["cert"].upper(): c for c in json.loads(result.stdout)["credentials"]}
    text = invoke(runner, "plan", f, "--as-of", "2026-11-29")
    assert text.exit_code == result.exit_code
    cal = invoke(runner, "calendar", f, "--as-of", "2026-11-29")
    assert cal.exit_code == 0, cal.stderr
    evs = list(icalendar.Calendar.from_ical(cal.stdout_bytes).walk("VEVENT"))
    for key, rule in ruleset.rules.items():
        plan = plans[key]
        assert f"{rule.id} ({rule.body}) · {rule.name}" in text.stdout
        expiry = next(k for k in plan["dates"] if k["kind"] == "expiry")
        assert expiry["date"] == plan["expires_on"]
        assert plan["lapse"]["path"] == rule.renewal.after_lapse
        assert (plan["pace"] is None) == (rule.ce is None)
        mine = [e for e in evs if str(e.get("summary")).startswith(f"{rule.id} ({rule.body})")]
        assert d(plan["expires_on"]) in [e.decoded("dtstart") for e in mine]


def test_no_color_even_when_colour_is_forced(runner):
    # FORCE_COLOR makes rich style a non-terminal; NO_COLOR still removes every colour (SGR 30-49),
    # leaving at most bold and reverse, as in `marenew status`.
    args = ("plan", EXAMPLES / "cma-short.yaml", "--as-of", "2026-12-15")
    coloured = invoke(runner, *args, env={"FORCE_COLOR": "1", "NO_COLOR": None}).stdout
    assert re.search(r"\x1b\[[0-9;]*3[0-9]m", coloured)  # the check below can see colour
    plain = invoke(runner, *args, env={"FORCE_COLOR": "1"}).stdout
    assert not re.search(r"\x1b\[(?:[0-9]+;)*[34][0-9](?:;[0-9]+)*m", plain)
