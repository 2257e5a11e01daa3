"""Every command's text output is readable at 80 columns: no date or amount is ever cut, and
status, plan, the fee list and the rule listings shorten no word with an ellipsis either.

Each command is rendered at COLUMNS=80. A date (YYYY-MM-DD) or an amount ($1,234.50) split across
lines, or cut short with an ellipsis, fails; and every date and amount of the command's own JSON
must appear whole in its text, so a cut that happens to look like a shorter figure fails too.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from helpers import AS_OF, EXAMPLES, cli
from marenew.core.words import money

NARROW = {"COLUMNS": "80"}
CREDENTIAL_FILES = sorted(EXAMPLES.glob("*.yaml"))
DAYS = [AS_OF, "2027-03-15"]  # one day with most credentials current, one with some past expiry
PEOPLE = EXAMPLES / "roster" / "people.csv"
CREDITS = EXAMPLES / "roster" / "credits.csv"

WHOLE_DATE = re.compile(r"(?<![\d-])\d{4}-\d{2}-\d{2}(?![\d-])")
# the start of a date that a line or a cell ends before it is whole (a cut happens at an edge)
DATE_START = re.compile(r"(?<![\d-])\d{4}-(?!\d{2}-\d{2}(?![\d-]))\d{0,2}-?\d?(?=\s*(?:[│┃|]|$))")
AMOUNT = re.compile(r"\$\d[\d,.]*")  # a lone `$` is a fee mark on a timeline, not an amount
WHOLE_AMOUNT = re.compile(r"\$\d{1,3}(?:,\d{3})*(?:\.\d{2})?")
CUT_BY_ELLIPSIS = re.compile(r"[\d$,.-]…")


def cut_figures(text: str) -> list[str]:
    """The dates and amounts of ``text`` that are not whole, each with its line."""
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        where = f"line {number}: {line.rstrip()}"
        found += [f"cut date {m.group(0)!r}, {where}" for m in DATE_START.finditer(line)]
        for m in AMOUNT.finditer(line):
            whole = WHOLE_AMOUNT.match(m.group(0))
            if not whole or whole.group(0) != m.group(0).rstrip(".,"):
                found.append(f"cut amount {m.group(0)!r}, {where}")
        found += [f"cut by an ellipsis, {where}" for _ in CUT_BY_ELLIPSIS.finditer(line)]
    return found


def run(*args: object) -> str:
    result = cli(*args, env=NARROW)
    assert result.exit_code in (0, 1), result.output
    return result.stdout


def assert_whole(text: str, figures: set[str], *, words_whole: bool = True) -> None:
    assert not cut_figures(text), "\n".join(cut_figures(text))
    if words_whole:  # nothing at all shortened with an ellipsis, words included
        assert "…" not in text, "\n".join(line for line in text.splitlines() if "…" in line)
    missing = sorted(f for f in figures if f not in text)
    assert not missing, f"not shown whole at 80 columns: {missing}\n{text}"


def json_figures(data: object, date_keys: set[str], amount_keys: set[str]) -> set[str]:
    """Dates and money amounts under the given keys, anywhere in ``data``, as the text shows them."""
    found: set[str] = set()
    if isinstance(data, dict):
        for key, value in data.items():
            if key in date_keys and isinstance(value, str) and WHOLE_DATE.fullmatch(value):
                found.add(value)
            elif key in amount_keys and isinstance(value, (int, float)) and not isinstance(value, bool):
                found.add(money(value))
            else:
                found |= json_figures(value, date_keys, amount_keys)
    elif isinstance(data, list):
        for item in data:
            found |= json_figures(item, date_keys, amount_keys)
    return found


def test_the_checker_sees_cuts():
    assert cut_figures("│ 2027-02 │\n│ -28     │")
    assert cut_figures("expires 2027-0…")
    assert cut_figures("cost $1,2")
    assert cut_figures("cost $89.5")
    assert cut_figures("cost $12…")
    assert cut_figures("│ renew by 2027- │\n│ 02-28          │")
    assert not cut_figures("│ 2027-02-28 │ $1,234.50 │ $65 (unconfirmed). -59 days, 2026-2027")
    assert not cut_figures("│ https://example.org/biennium/2019-20/bill │")


@pytest.mark.parametrize("day", DAYS)
@pytest.mark.parametrize("path", CREDENTIAL_FILES, ids=lambda p: p.name)
def test_status(path: Path, day: str):
    data = json.loads(run("status", path, "--as-of", day, "--json"))
    figures = json_figures(data["credentials"], {"expires_on", "deadline", "certified_on"}, {"amount"})
    assert_whole(run("status", path, "--as-of", day), figures)
    assert_whole(run("status", path, "--as-of", day, "--explain"), figures)


@pytest.mark.parametrize("day", DAYS)
@pytest.mark.parametrize("path", CREDENTIAL_FILES, ids=lambda p: p.name)
def test_plan(path: Path, day: str):
    data = json.loads(run("plan", path, "--as-of", day, "--json"))
    figures = json_figures(data["credentials"], {"date", "expires_on", "deadline"}, {"amount"})
    assert_whole(run("plan", path, "--as-of", day), figures)


@pytest.mark.parametrize("path", CREDENTIAL_FILES, ids=lambda p: p.name)
def test_cost_of_a_file(path: Path):
    data = json.loads(run("cost", path, "--as-of", AS_OF, "--json"))
    # the items column may still shorten a long label; figures stay whole
    assert_whole(
        run("cost", path, "--as-of", AS_OF), json_figures(data, set(), {"amount", "total_known"}), words_whole=False
    )


@pytest.mark.parametrize("member", ["--member", "--non-member"])
def test_cost_of_every_certification(member: str):
    data = json.loads(run("cost", member, "--as-of", AS_OF, "--json"))
    amounts = json_figures(data, set(), {"per_year", "amount"})
    for cert in data["certs"]:
        amounts |= {money(fee) for fee in cert["fees"].values() if fee is not None}
    assert_whole(run("cost", member, "--as-of", AS_OF), amounts)


def test_rules_list():
    assert_whole(run("rules", "list", "--as-of", AS_OF), set())


@pytest.mark.parametrize("cert", ["BLS", "CCMA", "CMA", "CMAA", "CMAC", "CMAS", "NCMA", "RMA"])
def test_rules_show(cert: str):
    data = json.loads(run("rules", "show", cert, "--as-of", AS_OF, "--json"))
    assert_whole(run("rules", "show", cert, "--as-of", AS_OF), {data["last_verified"]})


def test_roster_table():
    args = ("roster", "--people", PEOPLE, "--credits", CREDITS, "--as-of", AS_OF)
    rows = [row for row in json.loads(run(*args, "--format", "json")) if "error" not in row]
    figures = json_figures(rows, {"expires_on", "deadline"}, set())
    figures |= {money(row["cost"]["amount"]) for row in rows if row["cost"]["amount"] is not None}
    assert_whole(run(*args, "--format", "table"), figures, words_whole=False)
