"""`marenew pay`: a recurring fee paid is recorded with the same guarantees as `add`, and plan,
calendar and the next step then show only the fees still due."""

from __future__ import annotations

import json

import pytest

from helpers import cli, kill_mid_write
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
