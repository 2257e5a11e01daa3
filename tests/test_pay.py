"""`marenew pay`: a recurring fee paid is recorded with the same guarantees as `add`, and plan,
calendar and the next step then show only the fees still due."""

from __future__ import annotations

import json

import pytest

from helpers import FIXTURES, cli, kill_mid_write
from marenew.cli.exitcodes import ExitCode

RMA = """\
holder: Lee   # an RMA holder
credentials:
  - cert: RMA       # AMT
    certified_on: 2024-05-01
    # annual fees go below
credits:
  - {title: CCP points, date: 2025-06-01, points: 30}
# end
"""

AS_OF = "2026-04-20"


def _file(tmp_path, text=RMA):
    path = tmp_path / "lee.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _fees_due(path, as_of=AS_OF) -> list[str]:
    plan = cli("plan", path, "--as-of", as_of, "--json")
    assert plan.exit_code in (ExitCode.OK, ExitCode.ATTENTION), plan.stderr
    (cred,) = json.loads(plan.stdout)["credentials"]
    return [d["date"] for d in cred["dates"] if d["kind"] == "fee_due"]


def _next_cost(path, as_of=AS_OF) -> float:
    status = cli("status", path, "--as-of", as_of, "--json")
    return json.loads(status.stdout)["credentials"][0]["next_step"]["cost"]["amount"]


def _calendar_fees(path, as_of=AS_OF) -> int:
    result = cli("calendar", path, "--as-of", as_of)
    assert result.exit_code == ExitCode.OK, result.stderr
    return sum(1 for line in result.stdout.splitlines() if line.startswith("SUMMARY:") and "annual fee due" in line)


def test_paid_fees_leave_plan_calendar_and_next_step(tmp_path):
    path = _file(tmp_path)
    assert _fees_due(path) == ["2025-05-01", "2026-05-01", "2027-05-01"]
    assert _calendar_fees(path) == 3
    assert _next_cost(path) == 50  # the fee due with the CCP attestation in May 2027

    result = cli("pay", path, "RMA", "--on", "05/10/2025", "--as-of", AS_OF)
    assert result.exit_code == ExitCode.OK, result.stderr
    assert "still due in this cycle: 2026-05-01, 2027-05-01" in result.stdout
    assert _fees_due(path) == ["2026-05-01", "2027-05-01"]
    assert _calendar_fees(path) == 2

    # FILE and CERT left out: ./marenew.yaml is not there, $MARENEW_FILE is, and it holds one credential
    result = cli("pay", "--on", "2026-04-15", "--as-of", AS_OF, env={"MARENEW_FILE": str(path)})
    assert result.exit_code == ExitCode.OK, result.stderr
    assert _fees_due(path) == ["2027-05-01"]
    assert _next_cost(path) == 50

    result = cli("pay", path, "rma", "--on", "2027-04-01", "--as-of", "2027-04-20")
    assert result.exit_code == ExitCode.OK, result.stderr
    assert "nothing more of it is due in this cycle" in result.stdout
    assert _fees_due(path, "2027-04-20") == []
    assert _calendar_fees(path, "2027-04-20") == 0
    assert _next_cost(path, "2027-04-20") == 0  # the CCP itself is free


def test_pay_keeps_every_line_and_comment(tmp_path):
    path = _file(tmp_path)
    result = cli("pay", path, "RMA", "--on", "2025-05-10", "--as-of", AS_OF)
    assert result.exit_code == ExitCode.OK, result.stderr
    new = path.read_text(encoding="utf-8")
    assert new == RMA.replace(
        "    # annual fees go below\n",
        "    # annual fees go below\n    paid:\n      - fee: annual\n        on: 2025-05-10\n",
    )
    assert (tmp_path / "lee.yaml.bak").read_text(encoding="utf-8") == RMA


def test_mistakes_are_exit_2_and_write_nothing(tmp_path):
    path = _file(tmp_path, RMA.replace("credits:", "  - {cert: CMA, certified_on: 2022-01-10}\ncredits:"))
    before = path.read_text(encoding="utf-8")
    cases = {
        ("RMA",): "give the day it was paid",
        ("RMA", "--on", "2026-05-01"): "after today",
        ("--on", "2025-05-10"): "say which with CERT",
        ("CMA", "--on", "2025-05-10"): "has no recurring fee",
        ("RMA", "--on", "2025-05-10", "--fee", "monthly"): "no recurring fee `monthly`; it has annual",
        ("CCMA", "--on", "2025-05-10"): "holds no `CCMA`",
    }
    for args, words in cases.items():
        result = cli("pay", path, *args, "--as-of", AS_OF)
        assert result.exit_code == ExitCode.INPUT, args
        assert words in result.stderr, (args, result.stderr)
    assert path.read_text(encoding="utf-8") == before
    assert not (tmp_path / "lee.yaml.bak").exists()


def test_the_same_payment_twice_is_refused(tmp_path):
    path = _file(tmp_path)
    assert cli("pay", path, "RMA", "--on", "2025-05-10", "--as-of", AS_OF).exit_code == ExitCode.OK
    once = path.read_text(encoding="utf-8")
    result = cli("pay", path, "RMA", "--on", "2025-05-10", "--as-of", AS_OF)
    assert result.exit_code == ExitCode.INPUT and "already records" in result.stderr
    assert path.read_text(encoding="utf-8") == once


def test_a_fee_the_rule_does_not_have_is_an_error_in_the_file(tmp_path):
    path = _file(tmp_path, RMA.replace("    # annual fees go below\n", "    paid: [{fee: anual, on: 2025-05-10}]\n"))
    result = cli("status", path, "--as-of", AS_OF)
    assert result.exit_code == ExitCode.INPUT
    assert "lee.yaml:5:" in result.stderr and "no recurring fee `anual`; it has annual" in result.stderr


@pytest.mark.slow  # a child process, killed mid-write
@pytest.mark.slow  # a child process, killed mid-write
def test_killed_mid_write_leaves_the_old_file_whole(tmp_path):
    path = _file(tmp_path)
    kill_mid_write(tmp_path, "pay", path, "RMA", "--on", "2025-05-10", "--as-of", AS_OF)
    assert path.read_text(encoding="utf-8") == RMA


# --- an annual fee unpaid: owed with the renewal, and reactivation once the cycle has ended ----------

UNPAID = FIXTURES / "one-voice" / "rma-fee-unpaid.yaml"  # paid for 2025-05-01, not 2026-05-01; CE complete


def _status(path, as_of: str) -> dict:
    result = cli("status", path, "--as-of", as_of, "--json")
    assert result.exit_code in (ExitCode.OK, ExitCode.ATTENTION), result.stderr
    (cred,) = json.loads(result.stdout)["credentials"]
    return cred


def test_without_payments_recorded_marenew_does_not_judge_an_unpaid_fee(tmp_path):
    # The same holder with no `paid:` at all: 2025-05-01 and 2026-05-01 have passed, but an unpaid
    # fee cannot be told from an unrecorded payment. Only the fee due with the attestation counts.
    text = UNPAID.read_text(encoding="utf-8").replace("    paid:\n      - {fee: annual, on: 2025-04-20}\n", "")
    path = _file(tmp_path, text)
    assert "paid:" not in path.read_text(encoding="utf-8")
    cred = _status(path, "2026-11-29")
    assert cred["cost"]["amount"] == 50 and not any("payment" in w for w in cred["warnings"])
    assert "not recorded as paid" not in cred["next_step"]["summary"]
    after = _status(path, "2027-06-15")
    assert after["next_step"]["path"] == "reinstatement" and "payment" not in after["next_step"]["summary"]


def test_an_unpaid_fee_is_owed_with_the_renewal_and_named_in_a_warning():
    before = _status(UNPAID, "2026-04-30")  # 2026-05-01 not due yet: as if every fee were paid
    assert before["cost"]["amount"] == 50 and before["warnings"] == []
    cred = _status(UNPAID, "2026-11-29")
    assert (cred["status"], cred["next_step"]["action"], cred["next_step"]["by"]) == (
        "active",
        "apply_ce",
        "2027-05-01",
    )
    assert [i["label"] for i in cred["cost"]["items"]][1:] == [
        "AMT annual fee (due 2026-05-01)",
        "AMT annual fee (due 2027-05-01)",
    ]
    assert cred["cost"]["amount"] == 100
    assert cred["next_step"]["summary"].endswith(
        "($100): the CE is complete. The price includes the AMT annual fee due 2026-05-01, not recorded as paid."
    )
    assert cred["warnings"] == [
        "no payment is recorded for the AMT annual fee due 2026-05-01: if it is still unpaid at the end of "
        "the cycle on 2027-05-01, the RMA needs reactivation; record a payment with `marenew pay`"
    ]
    text = " ".join(cli("status", UNPAID, "--as-of", "2026-11-29").stdout.replace("│", " ").split())
    assert "Warning no payment is recorded for the AMT annual fee due 2026-05-01" in text


def test_still_unpaid_at_the_end_of_the_cycle_means_reactivation_in_every_output():
    cred = _status(UNPAID, "2027-06-15")
    assert cred["ready"] is True  # the CE is not what is missing
    assert (cred["status"], cred["next_step"]["action"], cred["next_step"]["by"]) == (
        "lapsed",
        "reinstate",
        "2037-05-01",
    )
    assert (
        "No payment was recorded by the end of the cycle for the AMT annual fee due 2026-05-01."
        in (cred["next_step"]["summary"])
    )
    assert cred["warnings"][0] == (
        "no payment was recorded by the end of the cycle on 2027-05-01 for the AMT annual fee due 2026-05-01: "
        "the RMA needs reactivation (if it was paid in time, record the payment with `marenew pay`)"
    )
    rows = json.loads(cli("roster", UNPAID, "--as-of", "2027-06-15", "--format", "json").stdout)
    assert rows[0]["next_step"] == cred["next_step"] and rows[0]["warnings"] == cred["warnings"]
    plan = json.loads(cli("plan", UNPAID, "--as-of", "2027-06-15", "--json").stdout)["credentials"][0]
    assert plan["next_step"] == cred["next_step"] and plan["warnings"] == cred["warnings"]


def test_recording_the_missing_payment_clears_it(tmp_path):
    path = _file(tmp_path, UNPAID.read_text(encoding="utf-8"))
    result = cli("pay", path, "RMA", "--on", "2026-12-01", "--as-of", "2026-12-01")
    assert result.exit_code == ExitCode.OK, result.stderr
    assert "still due in this cycle: 2027-05-01" in result.stdout
    cred = _status(path, "2026-12-01")
    assert cred["cost"]["amount"] == 50 and cred["warnings"] == []
    assert "not recorded" not in cred["next_step"]["summary"]
    # recorded in time, it also keeps the credential out of reactivation after the cycle
    assert _status(path, "2027-05-02")["next_step"]["summary"].count("No payment") == 0


def test_a_renewal_sent_is_not_waited_for_once_the_cycle_ended_with_a_fee_unpaid(tmp_path):
    text = UNPAID.read_text(encoding="utf-8").replace("    paid:\n", "    submitted_on: 2027-04-25\n    paid:\n")
    path = _file(tmp_path, text)
    # before the end of the cycle the application is waited for, with the warning
    sent = _status(path, "2027-04-28")
    assert (sent["status"], sent["next_step"]["action"]) == ("submitted", "wait")
    assert "no payment is recorded for the AMT annual fee due 2026-05-01" in sent["warnings"][0]
    ended = _status(path, "2027-05-10")
    assert (ended["status"], ended["next_step"]["action"]) == ("lapsed", "reinstate")
    paid = _file(
        tmp_path, text.replace("on: 2025-04-20}\n", "on: 2025-04-20}\n      - {fee: annual, on: 2026-04-28}\n")
    )
    assert _status(paid, "2027-05-10")["status"] == "submitted"


def test_recording_that_begins_with_this_years_fee_leaves_earlier_ones_unjudged(tmp_path):
    # Lee never recorded 2025's fee and starts with 2026's, paid two days late: that payment is
    # 2026's (the nearest due date), and 2025-05-01 came before recording began, not unpaid.
    path = _file(tmp_path)
    result = cli("pay", path, "RMA", "--on", "2026-05-03", "--as-of", "2026-11-15")
    assert result.exit_code == ExitCode.OK, result.stderr
    assert "still due in this cycle: 2027-05-01" in result.stdout
    status = cli("status", path, "--as-of", "2026-11-15", "--json")
    assert "not recorded as paid" not in status.stdout + status.stderr
    assert _next_cost(path, "2026-11-15") == 50  # only the fee due with the attestation
