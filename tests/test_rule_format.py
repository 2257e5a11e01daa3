"""What the rule format can say beyond one value per figure: recorded conflicts, a late window
that closes on a fixed day, a path with a time limit after expiry, an expiry taken from the
credential, notes that cite sources, a figure's own last-verified day; and what `rules check`
says when they are written wrong.

The rules are made-up fixtures (tests/fixtures/rules-format), so the dates and amounts below are
the fixtures' and do not move when a body changes its fees.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

from helpers import FIXTURES, cli, d
from marenew.core import engine
from marenew.core.credential import CredentialFile
from marenew.load.rules import check_paths, load_rules

FOLDER = FIXTURES / "rules-format"
RULES = load_rules([FOLDER], builtin=False).rules
LIMITS, BDAY = RULES["LIMITS"], RULES["BDAY"]


def judge(rule_id: str, as_of: str, **cred):
    holder = CredentialFile.model_validate({"holder": "T", "credentials": [{"cert": rule_id, **cred}]})
    return engine.evaluate(RULES, holder, d(as_of)).credentials[0]


# --- a late window closed on a fixed day ------------------------------------------------------


@pytest.mark.parametrize(
    ("certified_on", "expires", "end"),
    [
        # 24 months (the value before 2020) after 2019-06-30 would be 2021-06-30: the fixed day wins
        ("2017-06-10", "2019-06-30", "2020-03-30"),
        # an earlier end than the fixed day stays
        ("2015-01-05", "2017-01-31", "2019-01-31"),
        # from 2020 the window is 2 months and no fixed day applies
        ("2018-02-05", "2020-02-29", "2020-04-30"),
    ],
)
def test_the_earlier_of_the_length_and_the_fixed_day_ends_the_window(certified_on, expires, end):
    assert engine.late_window_end(LIMITS, d(expires))[0] == d(end)
    result = judge("LIMITS", end, certified_on=d(certified_on))
    assert (result.expires_on, result.deadline, result.status) == (d(expires), d(end), "grace")
    assert judge("LIMITS", str(d(end) + dt.timedelta(days=1)), certified_on=d(certified_on)).status == "lapsed"


def test_a_fixed_day_before_the_expiry_leaves_no_window():
    # expired 2019-12-31 under the old rule; the fixed day 2020-03-30 is later: it applies
    assert engine.late_window_end(LIMITS, d("2019-12-31"))[0] == d("2020-03-30")
    # a fixed day that is not later than the expiry ends the window at the expiry itself
    assert engine.late_window_end(LIMITS, d("2019-12-31"))[0] >= d("2019-12-31")


# --- a path with a time limit after expiry ------------------------------------------------------


def test_path_open_until_counts_calendar_months_from_the_expiry():
    assert engine.path_open_until(LIMITS, "reinstatement", d("2026-03-31")) == d("2027-03-31")
    assert engine.path_open_until(LIMITS, "exam", d("2026-03-31")) is None  # no limit
    assert engine.path_open_until(LIMITS, "ce", d("2026-03-31")) is None


def test_a_lapsed_holder_moves_to_the_next_path_when_the_limit_has_passed():
    # certified 2024-01-10 -> expires 2026-01-31; late window 2 months -> 2026-03-31;
    # reinstatement open through 2027-01-31 (12 months after expiry), then the exam
    within = judge("LIMITS", "2027-01-31", certified_on=d("2024-01-10"))
    assert (within.status, within.cost.path, within.cost.amount) == ("lapsed", "reinstatement", 100)
    past = judge("LIMITS", "2027-02-01", certified_on=d("2024-01-10"))
    assert (past.status, past.cost.path, past.cost.amount) == ("lapsed", "exam", 250)
    assert engine.path_after_lapse(LIMITS, d("2026-01-31"), d("2027-02-01")) == "exam"


def test_time_limits_that_lead_back_to_a_path_are_an_error(tmp_path):
    text = (FOLDER / "limits.yaml").read_text(encoding="utf-8")
    looped = text.replace(
        "    label: Exam\n",
        "    label: Exam\n    time_limit: {months: {value: 6, source: page, "
        "confidence: official}}\n    after_time_limit: reinstatement\n",
    )
    assert looped != text
    (tmp_path / "limits.yaml").write_text(looped, encoding="utf-8")
    result = check_paths([[tmp_path / "limits.yaml"]], as_of=d("2026-11-29"))
    assert any(
        "lead back to themselves" in p.message and "reinstatement -> exam -> reinstatement" in p.message
        for p in result.errors
    )


# --- conflicts ---------------------------------------------------------------------------------


def test_a_fee_carries_the_other_published_amounts_with_their_sources():
    result = judge("LIMITS", "2026-11-29", certified_on=d("2025-06-01"))
    (item,) = result.cost.items
    assert item.amount == 40
    assert item.as_json()["conflicts"] == [
        {"amount": 60.0, "source": "A demo guide"},
        {"amount": 45.0, "source": "Demo school"},
    ]


def test_status_cost_and_rules_show_print_the_conflicts_beside_the_amount(write):
    f = write("me.yaml", "holder: T\ncredentials:\n  - {cert: LIMITS, certified_on: 2025-06-01}\n")
    words = "$40 (Demo fee table; an article says $60; Demo school says $45)"
    for command in ("status", "cost"):
        out = cli(command, f, "--rules", FOLDER, "--as-of", "2026-11-29", env={"COLUMNS": "200"}).stdout
        assert words in " ".join(out.split()), command  # the table may wrap: compare words
    data = json.loads(cli("cost", f, "--rules", FOLDER, "--as-of", "2026-11-29", "--json").stdout)
    assert data["credentials"][0]["cost"]["items"][0]["conflicts"][0] == {"amount": 60.0, "source": "A demo guide"}
    prices = json.loads(cli("cost", "--rules", FOLDER, "--cert", "LIMITS", "--json", "--as-of", "2026-11-29").stdout)
    assert prices["certs"][0]["fee_conflicts"]["ce"] == [
        {"amount": 60.0, "source": "A demo guide"},
        {"amount": 45.0, "source": "Demo school"},
    ]
    shown = cli("rules", "show", "LIMITS", "--rules", FOLDER, "--as-of", "2026-11-29").stdout.splitlines()
    assert "        also published: $60, by guide: A demo guide (article, no address)" in shown
    assert (
        "        also published: $45 (with a CE bundle), by school: Demo school <https://example.org/school>" in shown
    )


def test_a_fee_without_conflicts_has_an_empty_list():
    result = judge("LIMITS", "2027-01-31", certified_on=d("2024-01-10"))
    assert [i.as_json()["conflicts"] for i in result.cost.items] == [[]]


# --- notes, sources, last verified ------------------------------------------------------------------


def test_rules_show_resolves_the_sources_a_note_cites():
    info = json.loads(cli("rules", "show", "LIMITS", "--rules", FOLDER, "--as-of", "2026-11-29", "--json").stdout)
    assert info["notes"] == ["Renewal extends the old expiry.", "A plain note cites nothing."]
    assert info["notes_cited"][0]["sources"] == [
        {"key": "page", "title": "Demo fee table", "url": "https://example.org/limits/fees", "kind": "page"},
        {"key": "guide", "title": "A demo guide", "url": None, "kind": "article"},
    ]
    assert info["notes_cited"][1]["sources"] == []
    text = cli("rules", "show", "LIMITS", "--rules", FOLDER, "--as-of", "2026-11-29").stdout.splitlines()
    i = text.index("  - Renewal extends the old expiry.")
    assert text[i + 1 : i + 3] == [
        "      page: Demo fee table <https://example.org/limits/fees>",
        "      guide: A demo guide (article, no address)",
    ]


def test_a_figure_keeps_its_own_last_verified_day_and_the_file_date_is_the_default():
    info = json.loads(cli("rules", "show", "LIMITS", "--rules", FOLDER, "--as-of", "2026-11-29", "--json").stdout)
    assert info["paths"]["ce"]["fee"]["all"]["last_verified"] == "2026-11-01"  # the file's
    assert info["paths"]["ce"]["options"][0]["fee"]["all"]["last_verified"] == "2020-01-01"  # its own
    result = check_paths([[FOLDER / "limits.yaml"]], as_of=d("2026-11-29"))
    (stale,) = result.warnings
    assert stale.key == "paths.ce.options[0].amount.all.last_verified" and "2020-01-01" in stale.message


@pytest.mark.parametrize(
    ("old", "new", "words"),
    [
        (
            '  school: {title: "Demo school", url: "https://example.org/school"}',
            '  school: {title: "Demo school"}',
            "a source needs a `url`, or `kind: article`",
        ),
        (
            "          - {value: 60, source: guide}",
            "          - {value: 60, source: gide}",
            "source `gide` is not a key of `sources`",
        ),
        ("    sources: [page, guide]", "    sources: [page, gude]", "source `gude` is not a key of `sources`"),
        ("    after_time_limit: exam\n", "", "give `time_limit` and `after_time_limit` together"),
    ],
)
def test_rules_check_locates_format_mistakes(tmp_path, old, new, words):
    text = (FOLDER / "limits.yaml").read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    (tmp_path / "limits.yaml").write_text(text.replace(old, new), encoding="utf-8")
    result = check_paths([[tmp_path / "limits.yaml"]], as_of=d("2026-11-29"))
    found = [p for p in result.errors if words in p.message]
    assert found and all(p.line for p in found), [p.message for p in result.errors]


# --- an expiry taken from the credential --------------------------------------------------------


def test_the_expiry_comes_from_the_credential():
    result = judge("BDAY", "2026-11-29", certified_on=d("2025-03-01"), expires_on=d("2027-05-17"))
    assert (result.expires_on, result.expires_on_from, result.status) == (d("2027-05-17"), "card", "active")
    assert not result.warnings  # no computed expiry to disagree with
    assert engine.computed_expiry(BDAY, d("2025-03-01")) == (None, "unknown")


def test_a_missing_expires_on_is_a_located_error(write):
    f = write("me.yaml", "holder: T\ncredentials:\n  - cert: BDAY\n    certified_on: 2025-03-01\n")
    result = cli("status", f, "--rules", FOLDER, "--as-of", "2026-11-29")
    assert result.exit_code == 2
    assert f"{f}:3:" in result.stderr and "BDAY needs expires_on" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_a_birthday_expiry_without_expiry_from_card_is_an_error(tmp_path):
    text = (FOLDER / "bday.yaml").read_text(encoding="utf-8")
    (tmp_path / "bday.yaml").write_text(text.replace("  expiry_from_card: true\n", ""), encoding="utf-8")
    result = check_paths([[tmp_path / "bday.yaml"]], as_of=d("2026-11-29"))
    assert any("add `expiry_from_card: true`" in p.message for p in result.errors)


# --- a recurring fee unpaid at the end of the cycle -------------------------------------------------

DUES = """
recurring_fees:
  - id: dues
    label: Demo dues
    every_months: {value: 6, source: page, confidence: official}
    amount:
      all: {value: 30, source: page, confidence: official}
    unpaid_at_cycle_end: {value: reinstatement, source: page, confidence: official}
"""


@pytest.fixture(scope="module")
def dues_rules(tmp_path_factory):
    folder = tmp_path_factory.mktemp("dues")
    (folder / "limits.yaml").write_text((FOLDER / "limits.yaml").read_text(encoding="utf-8") + DUES, encoding="utf-8")
    return load_rules([folder], builtin=False).rules


# Certified 2024-01-10: expires 2026-01-31 (24 months, end of month); late window 2 months, to
# 2026-03-31; reinstatement ($100) for 12 months after expiry, to 2027-01-31, then the exam ($250).
# Dues of $30 fall due 2024-07-10, 2025-01-10, 2025-07-10 and 2026-01-10 (the month of expiry:
# paid with the renewal).
ALL_PAID = [
    {"fee": "dues", "on": "2024-07-01"},
    {"fee": "dues", "on": "2025-01-05"},
    {"fee": "dues", "on": "2025-07-01"},
]
ONE_UNPAID = ALL_PAID[:2]  # 2025-07-10 never paid


def judge_dues(rules, as_of: str, paid: list) -> engine.CredentialResult:
    holder = CredentialFile.model_validate(
        {
            "holder": "T",
            "credentials": [
                {"cert": "LIMITS", "certified_on": d("2024-01-10"), "paid": [{**p, "on": d(p["on"])} for p in paid]}
            ],
            "credits": [{"title": "Course", "date": d("2025-03-01"), "points": 10}],
        }
    )
    return engine.evaluate(rules, holder, d(as_of)).credentials[0]


def test_with_every_fee_paid_the_late_window_stays_open(dues_rules):
    r = judge_dues(dues_rules, "2026-02-15", ALL_PAID)
    assert (r.status, r.deadline, r.next_step.action, r.next_step.by) == (
        "grace",
        d("2026-03-31"),
        "apply_ce",
        d("2026-03-31"),
    )
    assert r.cost.amount == 40 + 30  # the renewal and the dues of 2026-01-10, paid with it
    before = judge_dues(dues_rules, "2025-12-01", ALL_PAID)
    assert (before.cost.amount, before.next_step.last_resort) == (70, d("2026-03-31"))


def test_a_fee_owed_closes_the_late_window_and_is_priced_with_the_renewal(dues_rules):
    r = judge_dues(dues_rules, "2025-12-01", ONE_UNPAID)
    # 61 days before expiry: expiring; the renewal by the expiry, with the dues of 2025-07-10
    assert (r.status, r.deadline, r.next_step.action, r.next_step.by) == (
        "expiring",
        d("2026-01-31"),
        "apply_ce",
        d("2026-01-31"),
    )
    assert r.next_step.last_resort is None and "still accepts" not in r.next_step.summary
    assert [i.label for i in r.cost.items] == [
        "Renewal with CE",
        "Demo dues (due 2025-07-10)",
        "Demo dues (due 2026-01-10)",
    ]
    assert r.cost.amount == 40 + 30 + 30
    assert any("the LIMITS needs reinstatement" in w for w in r.warnings)


def test_after_expiry_a_fee_unpaid_at_the_end_of_the_cycle_leads_to_the_path_the_rule_names(dues_rules):
    # inside what would be the late window, with the CE complete: lapsed, reinstatement
    r = judge_dues(dues_rules, "2026-02-15", ONE_UNPAID)
    assert (r.status, r.deadline, r.ready) == ("lapsed", d("2026-01-31"), True)
    assert (r.next_step.action, r.next_step.by, r.cost.path, r.cost.amount) == (
        "reinstate",
        d("2027-01-31"),
        "reinstatement",
        100,
    )
    # the path's own time limit still applies: then the exam
    later = judge_dues(dues_rules, "2027-02-01", ONE_UNPAID)
    assert (later.next_step.path, later.cost.amount) == ("exam", 250)
    assert not any("needs reinstatement" in w for w in later.warnings)  # no longer what decides
    assert any("the LIMITS needs reinstatement" in w for w in r.warnings)
    # a payment after the cycle ended changes nothing
    late = judge_dues(dues_rules, "2026-02-15", [*ONE_UNPAID, {"fee": "dues", "on": "2026-02-10"}])
    assert (late.status, late.cost.path) == ("lapsed", "reinstatement")


def test_an_unpaid_fee_must_lead_to_a_path_taken_after_expiry(tmp_path):
    text = (FOLDER / "limits.yaml").read_text(encoding="utf-8") + DUES
    (tmp_path / "limits.yaml").write_text(text.replace("{value: reinstatement,", "{value: ce,"), encoding="utf-8")
    result = check_paths([[tmp_path / "limits.yaml"]], as_of=d("2026-11-29"))
    (problem,) = result.errors
    assert problem.key == "recurring_fees[0].unpaid_at_cycle_end.value"
    assert (
        problem.line
        == text.splitlines().index(
            "    unpaid_at_cycle_end: {value: reinstatement, source: page, confidence: official}"
        )
        + 1
    )
    assert "path `ce` is open only while the credential is current" in problem.message
    (tmp_path / "limits.yaml").write_text(text.replace("{value: reinstatement,", "{value: course,"), encoding="utf-8")
    result = check_paths([[tmp_path / "limits.yaml"]], as_of=d("2026-11-29"))
    assert [p.message for p in result.errors] == [
        "recurring_fees[0].unpaid_at_cycle_end names path `course`, which `paths` does not define"
    ]
