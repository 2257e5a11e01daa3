"""One decision, five renderings: `status --json`, `cost FILE --json`, `plan --json`, `calendar`
and `roster --format json` agree, credential by credential, on the status, the path of the next
step, its amount and its date, for the same files on the same days."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import icalendar
import pytest

from helpers import EXAMPLES, FIXTURES, cli

FILES = sorted(EXAMPLES.glob("*.yaml")) + sorted((FIXTURES / "one-voice").glob("*.yaml"))
# Before expiry, in the late window and after it for the files above.
DAYS = ("2026-04-30", "2026-11-29", "2027-02-01", "2027-06-15")


def _json(*args: object) -> tuple[dict | list, int]:
    result = cli(*args)
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout), result.exit_code


def _events(path: Path, day: str) -> list:
    result = cli("calendar", path, "--as-of", day)
    assert result.exit_code in (0, 1), result.output
    return [e for e in icalendar.Calendar.from_ical(result.stdout_bytes).walk("VEVENT")]


@pytest.mark.parametrize("day", DAYS)
@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_output_renders_the_same_next_step(path: Path, day: str) -> None:
    status, status_exit = _json("status", path, "--as-of", day, "--json")
    cost, cost_exit = _json("cost", path, "--as-of", day, "--json")
    plan, _ = _json("plan", path, "--as-of", day, "--json")
    rows, _ = _json("roster", path, "--as-of", day, "--format", "json")
    events = _events(path, day)
    assert cost_exit == status_exit  # `cost FILE` exits as `status FILE`

    by_cert = {c["cert"]: c for c in status["credentials"]}
    costs = {c["cert"]: c for c in cost["credentials"]}
    plans = {c["cert"]: c for c in plan["credentials"]}
    roster = {r["cert"]: r for r in rows}
    assert set(by_cert) == set(costs) == set(plans) == set(roster)
    for cert, c in by_cert.items():
        step = c["next_step"]
        seen = [c, costs[cert], plans[cert], roster[cert]]
        # the same status everywhere
        assert {s["status"] for s in seen} == {c["status"]}, cert
        # the same path and amount: `cost` is the next step's cost in every one of them
        assert c["cost"] == step["cost"]
        for other in (costs[cert], roster[cert]):
            assert other["cost"] == c["cost"] and other["next_step"] == step, cert
        assert plans[cert]["next_step"] == step, cert
        stay = plans[cert]["stay"]
        if c["status"] == "lapsed":
            assert plans[cert]["lapse"] == c["cost"], cert  # the way back is the next step
        else:
            assert stay["options"][0]["path"] == step["path"] and stay["options"][0]["feasible"], cert
        # the same pace and the same verdict on using the credential
        assert roster[cert]["behind_pace"] == (c["pace"]["on_pace"] is False)
        assert plans[cert]["may_use_credential"] == c["may_use_credential"]
        # no date offered as a thing to do has passed
        assert step["by"] is None or step["by"] >= day, cert
        # the calendar: every event of this credential (but a fee's) says the same next step, and
        # the next step's date is an event
        mine = [e for e in events if str(e.get("summary")).startswith(f"{cert} (")]
        for event in mine:
            text = str(event.get("description"))
            if "fee due" not in str(event.get("summary")):
                assert (
                    f"Next step: {step['summary']}" in text.replace("\n", " ")
                    or f"Next step: {step['summary']}" in text
                ), (cert, str(event.get("summary")))
        if step["by"] is not None:
            starts = {e.decoded("dtstart") for e in mine}
            assert dt.date.fromisoformat(step["by"]) in starts, (cert, step["by"], sorted(starts))


def test_roster_rows_carry_the_engines_pace_use_and_unmatched_names(tmp_path):
    """The roster repeats the engine's objects as `status --json` gives them; a name no rule
    knows is marked in the table and counted in the summary, and `--strict` makes it exit 2."""
    path = tmp_path / "typo.yaml"
    path.write_text(
        "holder: Test Person\ncredentials:\n  - cert: CMA\n    certified_on: 2023-01-15\n"
        "credits:\n  - title: Course\n    date: 2024-01-10\n    points: 2\n    approved_by: [AAMA aproved]\n",
        encoding="utf-8",
    )
    status = json.loads(cli("status", path, "--as-of", "2026-11-29", "--json").stdout)["credentials"][0]
    roster = cli("roster", path, "--as-of", "2026-11-29", "--format", "json")
    row = json.loads(roster.stdout)[0]
    for key in ("next_step", "pace", "may_use_credential", "unmatched"):
        assert row[key] == status[key], key
    assert row["unmatched"] and "1 credential with a name no rule knows" in roster.stderr
    table = cli("roster", path, "--as-of", "2026-11-29", "--format", "table", env={"COLUMNS": "80"})
    assert "CMA?" in table.stdout and "? a credit names a body" in table.stdout
    assert cli("roster", path, "--as-of", "2026-11-29", "--strict").exit_code == 2
    assert cli("roster", path, "--as-of", "2026-11-29").exit_code == 0
