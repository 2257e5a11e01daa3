"""A folder roster where one credential's renewal was sent (`submitted_on`): counted as
submitted in every output, never as needing action, and no output stumbles on it."""

from __future__ import annotations

import json

import pytest

from helpers import EXAMPLES, cli
from marenew.cli.exitcodes import ExitCode

AS_OF = "2026-12-01"
SENT = """\
holder: Pat Sent
credentials:
  - cert: CMA
    certified_on: 2021-03-15     # expired 2026-03-31; late window to 2026-06-30
    submitted_on: 2026-11-20     # AAMA takes up to 30 days: waiting until 2026-12-20
credits: []
"""


@pytest.fixture
def folder(tmp_path):
    people = tmp_path / "people"
    people.mkdir()
    (people / "sent.yaml").write_text(SENT, encoding="utf-8")
    (people / "short.yaml").write_text((EXAMPLES / "cma-short.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    return people


def test_rows_and_summary_count_it_as_submitted(folder):
    done = cli("roster", folder, "--as-of", AS_OF, "--format", "json")
    assert done.exit_code == ExitCode.ATTENTION, done.stderr  # the other one is expiring
    rows = {r["holder"]: r for r in json.loads(done.stdout)}
    assert rows["Pat Sent"]["status"] == "submitted"
    assert rows["Pat Sent"]["next_step"]["action"] == "wait"
    assert rows["Pat Sent"]["fees_due"] == []  # the renewal fee went with the application
    # every credential in exactly one status, and the sent one needing no action
    assert "lapsed 0, grace 0, expiring 1, submitted 1, active 0" in done.stderr
    assert "cost due for the 1 credential expiring" in done.stderr
    only = cli("roster", folder, "--as-of", AS_OF, "--format", "json", "--only", "submitted")
    assert [r["holder"] for r in json.loads(only.stdout)] == ["Pat Sent"]


def test_a_roster_of_exports_lists_no_submitted_count():
    done = cli("roster", EXAMPLES / "roster", "--as-of", AS_OF, "--format", "csv")
    assert "submitted" not in done.stderr


def test_workbook_page_digest_and_budget_take_it(folder, tmp_path):
    from openpyxl import load_workbook

    xlsx = tmp_path / "r.xlsx"
    assert cli("roster", folder, "--as-of", AS_OF, "-o", xlsx).exit_code == ExitCode.ATTENTION
    summary = {row[0]: row[1] for row in load_workbook(xlsx)["Summary"].iter_rows(values_only=True) if row}
    assert summary["Status: submitted"] == 1 and summary["Status: expiring"] == 1
    page = tmp_path / "r.html"
    assert cli("roster", folder, "--as-of", AS_OF, "-o", page).exit_code == ExitCode.ATTENTION
    assert 'data-status="submitted"' in page.read_text(encoding="utf-8")
    digest = tmp_path / "digest"
    digest.mkdir()
    done = cli("roster", folder, "--as-of", AS_OF, "--format", "csv", "--digest", digest, "-o", "-")
    assert done.exit_code == ExitCode.ATTENTION, done.stderr
    text = (digest / "digest.txt").read_text(encoding="utf-8")
    assert "Sam Okafor" in text and "Pat Sent" not in text  # waiting: nothing to act on
    budget = cli("roster", folder, "--as-of", AS_OF, "--budget", "--format", "json")
    assert budget.exit_code == ExitCode.ATTENTION, budget.stderr
    months = json.loads(budget.stdout)["groups"]["(none)"]
    assert sum(m["known"] for m in months) == 130  # the expiring CMA's fee only
