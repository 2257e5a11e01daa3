"""The next step as people see it: the status panel, --fail-behind, --strict, what a credit counts
(names and aliases, the least activity, points split over content areas), the roster's marks."""

from __future__ import annotations

import json

from helpers import EXAMPLES, FIXTURES, cli
from marenew.cli.exitcodes import ExitCode

ONE_VOICE = FIXTURES / "one-voice"
GRACE_SHORT = ONE_VOICE / "cma-grace-short.yaml"  # expired 2026-03-31, 14.5 points short
TYPOS = ONE_VOICE / "typos.yaml"
LAPSED = ONE_VOICE / "rma-lapsed.yaml"


def words(text: str) -> str:
    """Panel text with the borders and line breaks taken out, for matching sentences."""
    return " ".join(text.replace("│", " ").split())


def status_json(path, day: str, *extra: str) -> dict:
    result = cli("status", path, "--as-of", day, "--json", *extra)
    return json.loads(result.stdout)


# --- the status panel ---------------------------------------------------------------------------


def test_panel_shows_the_next_step_first_and_that_the_cma_may_not_be_used():
    result = cli("status", GRACE_SHORT, "--as-of", "2026-04-30")
    assert result.exit_code == ExitCode.ATTENTION
    lines = [line for line in result.stdout.splitlines() if line.startswith("│")]
    assert "GRACE" in lines[0] and "Next step" in lines[1]  # the first line after the badge
    text = words(result.stdout)
    assert (
        "Next step Apply for recertification by exam by 2026-06-30 ($125 for members): the CE was 14.5 "
        "points short at expiry on 2026-03-31, and CE earned after expiry does not count."
    ) in text
    assert "You may not use the CMA (AAMA) credential until it is renewed" in text
    # nothing suggests CE still helps
    assert "Still needed" not in text and "Short at expiry 14.5 points; CE earned after expiry does not count" in text
    assert "Cost now Recertification by exam, member: $125" in text


def test_panel_says_behind_pace_only_when_behind():
    behind = words(cli("status", EXAMPLES / "cma-short.yaml", "--as-of", "2026-11-29").stdout)
    assert "Behind pace: about 6.67 points a month from now to 2027-02-28" in behind
    on_pace = words(cli("status", EXAMPLES / "cma-on-track.yaml", "--as-of", "2026-11-29").stdout)
    assert "Behind pace" not in on_pace and "You may not use" not in on_pace


def test_ready_before_expiry_applies_by_expiry_with_the_window_as_last_resort(write):
    path = write(
        "ready.yaml",
        """holder: Ready
memberships: [AAMA]
credentials: [{cert: CMA, certified_on: 2021-03-15}]
credits:
  - {title: A, date: 2022-01-10, points: 20, category: administrative, approved_by: [AAMA]}
  - {title: B, date: 2023-01-10, points: 20, category: clinical, approved_by: [AAMA]}
  - {title: C, date: 2024-01-10, points: 20, category: general, approved_by: [AAMA]}
""",
    )
    step = status_json(path, "2026-02-01")["credentials"][0]["next_step"]
    assert (step["action"], step["by"], step["last_resort"]) == ("apply_ce", "2026-03-31", "2026-06-30")
    assert step["summary"].endswith(
        "AAMA still accepts it until 2026-06-30, but you may not use the credential after 2026-03-31."
    )


def test_may_use_credential_true_while_current_false_for_aama_null_where_the_rule_is_silent():
    assert status_json(EXAMPLES / "cma-on-track.yaml", "2026-11-29")["credentials"][0]["may_use_credential"] is True
    assert status_json(GRACE_SHORT, "2026-04-30")["credentials"][0]["may_use_credential"] is False
    rma, ccma = status_json(LAPSED, "2026-11-29")["credentials"]
    assert rma["may_use_credential"] is None and ccma["may_use_credential"] is None


def test_lapsed_without_a_published_limit_gives_no_date_and_the_renewal_page():
    rma = status_json(LAPSED, "2026-11-29")["credentials"][0]
    step = rma["next_step"]
    assert rma["status"] == "lapsed" and step["action"] == "reinstate"
    # AMT's reactivation is open 10 years after expiry (2026-04-01)
    assert step["by"] == "2036-04-01" and step["cost"]["amount"] is None
    assert "fee not published" in step["summary"] and step["renewal_page"] in step["summary"]
    cma = status_json(GRACE_SHORT, "2026-07-15")["credentials"][0]["next_step"]
    assert cma["by"] is None and "AAMA publishes no time limit for it" in cma["summary"]


# --- exit codes ---------------------------------------------------------------------------------


def test_fail_behind_turns_behind_pace_into_exit_1():
    behind = EXAMPLES / "cma-short.yaml"  # active, behind pace on 2026-11-29
    assert cli("status", behind, "--as-of", "2026-11-29").exit_code == ExitCode.OK
    assert cli("status", behind, "--as-of", "2026-11-29", "--fail-behind").exit_code == ExitCode.ATTENTION
    on_pace = EXAMPLES / "cma-on-track.yaml"
    assert cli("status", on_pace, "--as-of", "2026-11-29", "--fail-behind").exit_code == ExitCode.OK


def test_strict_turns_a_value_that_matches_nothing_into_exit_2():
    plain = cli("status", TYPOS, "--as-of", "2026-12-01")
    assert plain.exit_code == ExitCode.OK
    strict = cli("status", TYPOS, "--as-of", "2026-12-01", "--strict")
    assert strict.exit_code == ExitCode.INPUT and "--strict: 2 value(s)" in strict.stderr
    aliases_only = cli("status", EXAMPLES / "cma-on-track.yaml", "--as-of", "2026-11-29", "--strict")
    assert aliases_only.exit_code == ExitCode.OK


# --- what a credit counts -------------------------------------------------------------------------


def test_values_that_match_nothing_are_in_json_the_panel_and_explain():
    cma = status_json(TYPOS, "2026-12-01")["credentials"][0]
    found = {(u["field"], u["value"], u["nearest"]) for u in cma["unmatched"]}
    assert found == {("approved_by", "AAMA aproved", "AAMA"), ("category", "admn", "administrative")}
    assert (
        "`AAMA aproved` is not a body marenew knows (did you mean `AAMA`?); counted as not AAMA-approved"
        in cma["warnings"]
    )
    text = words(cli("status", TYPOS, "--as-of", "2026-12-01", "--explain").stdout)
    assert "Check 2 values in the credits match nothing the AAMA rule knows" in text
    assert "`admn` is not one of AAMA's content areas (did you mean `administrative`?)" in text


def test_aliases_half_hour_and_split_credit_count_as_the_rule_says():
    cma = status_json(TYPOS, "2026-12-01")["credentials"][0]
    credits = {c["title"]: c for c in cma["credits"]}
    # AAMA-approved, AAMA approved, American Association of Medical Assistants: all approved
    assert credits["Coding"]["counted"] == 4 and credits["Coding"]["note"] is None
    assert credits["Sterile technique"]["note"] is None
    # a non-AAMA half hour counts nothing, and says why
    huddle = credits["Safety huddle"]
    assert huddle["counted"] == 0 and "too short" in huddle["note"] and "at least 1" in huddle["note"]
    # one certificate, three areas, one credit
    conference = credits["State conference"]
    assert conference["points"] == 6 and conference["counted"] == 6
    assert conference["parts"] == {
        "administrative": {"points": 2.0, "counted": 2.0},
        "clinical": {"points": 3.0, "counted": 3.0},
        "general": {"points": 1.0, "counted": 1.0},
    }
    reqs = {r["id"]: r for r in cma["requirements"]}
    # approved: Coding 4 + Sterile 3 + conference 6 = 13 (the typo'd one is not approved)
    assert reqs["approved"]["counted"] == 13
    # administrative: Coding 4 + conference 2 (Privacy's `admn` is no area) = 6
    assert reqs["administrative"]["counted"] == 6


def test_an_unapproved_credit_never_counts_toward_the_approved_minimum(write):
    path = write(
        "notes.yaml",
        """holder: N
credentials: [{cert: CMA, certified_on: 2021-03-15}]
credits:
  - {title: Outside course, date: 2022-01-10, points: 2}
  - {title: AAMA course, date: 2022-02-10, points: 2, approved_by: [AAMA]}
""",
    )
    credits = {c["title"]: c["note"] for c in status_json(path, "2025-06-01")["credentials"][0]["credits"]}
    assert "approved minimum" not in credits["Outside course"]
    assert "counts toward the total (as not AAMA-approved), not a content area" in credits["Outside course"]
    assert "counts toward the total and the AAMA-approved minimum" in credits["AAMA course"]


def test_a_split_credit_is_checked_like_any_amount(write):
    path = write(
        "split.yaml",
        """holder: S
credentials: [{cert: CMA, certified_on: 2021-03-15}]
credits:
  - {title: Conference, date: 2022-01-10, points: {administrative: 2, clinical: 0}, category: general}
""",
    )
    result = cli("status", path, "--as-of", "2025-06-01")
    assert result.exit_code == ExitCode.INPUT
    assert "credits[0].points.clinical: points for clinical must be more than 0" in result.stderr
    assert "give the content areas either in `points`" in result.stderr


def test_a_split_credit_names_areas_by_any_of_their_names(write):
    path = write(
        "split.yaml",
        """holder: S
credentials: [{cert: CMA, certified_on: 2021-03-15}]
credits:
  - {title: Other, date: 2022-02-10, points: {clinic: 2, radiology: 1}, approved_by: AAMA}
""",
    )
    result = cli("status", path, "--as-of", "2025-06-01", "--json")
    assert result.exit_code == ExitCode.OK  # active on 2025-06-01
    # an alias is an area; a value that is none is a warning, here with no near area to offer
    assert "`clinic`" not in result.stderr
    assert (
        "credits[0].points.radiology: `radiology` is not a content area of any certification held "
        "(administrative, clinical, general)" in result.stderr
    )
    cma = json.loads(result.stdout)["credentials"][0]
    reqs = {r["id"]: r["counted"] for r in cma["requirements"]}
    assert (reqs["clinical"], reqs["total"], reqs["approved"]) == (2, 3, 3)
