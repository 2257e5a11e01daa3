"""The roster's tally: counts per status, error rows, cost due, and the count identity.

Nothing is dropped silently: every people row (or credential in a file) gives exactly one row,
a result or an error, and every credit row that cannot be attached to a person gives one error
row. So ``records + rejected credit rows == result rows + error rows``; the summary prints both
sides, and says so loudly if they ever differ. Pure: no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

from marenew.core.results import STATUSES, shown_statuses
from marenew.core.words import money, plural

from .rows import Row, is_error


@dataclass
class Tally:
    people: int = 0  # distinct persons (CSV) or credential files
    records: int = 0  # people rows (CSV), or credentials in loadable files plus unloadable files
    rejected_credits: int = 0  # credit rows that are errors: malformed, or whose person is missing
    results: int = 0
    errors: int = 0
    shown: int = 0  # rows written after --only
    lapsed: int = 0
    submitted: int = 0
    grace: int = 0
    expiring: int = 0
    active: int = 0
    due: float = 0.0  # known cost of every credential that needs action (within the warning window)
    due_unknown: int = 0  # of those, how many have a fee that is not published
    blank: int = 0  # CSV records with no cell filled in: skipped, and said so
    behind: int = 0  # results behind the sustainable pace of CE
    unmatched: int = 0  # results with a body or content area that matches nothing a rule knows
    # the person_ids a worker found in the lines it was sent (``packed.Chunk``), for the main
    # process to take off the people still to come (``runner._Stream.judged``); not a count
    judged: list[str] = field(default_factory=list)

    def count(self, row: Row) -> None:
        if is_error(row):
            self.errors += 1
            return
        self.results += 1
        self.behind += bool(row.get("behind_pace"))
        self.unmatched += bool(row.get("unmatched"))
        status = row["status"]
        setattr(self, status, getattr(self, status) + 1)
        if status not in ("active", "submitted"):
            self.due += row["cost_known"]  # Cost.known_amount and Cost.complete, carried in the row
            if not row["cost"]["complete"]:
                self.due_unknown += 1

    def add(self, other: Tally) -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))

    def by_status(self) -> dict[str, int]:
        """The count of each status a summary lists (``shown_statuses``), least urgent first."""
        counts: dict[str, int] = {s: getattr(self, s) for s in STATUSES}
        return {s: counts[s] for s in shown_statuses(counts)}

    @property
    def needs_action(self) -> int:
        return self.lapsed + self.grace + self.expiring

    @property
    def balanced(self) -> bool:
        return self.records + self.rejected_credits == self.results + self.errors

    def lines(self, *, warn_days: int, as_of: str, csv_input: bool, filtered: bool) -> list[str]:
        what = (
            plural(self.records, "people row")
            if csv_input
            else plural(self.records, "credential") + " (an unreadable file counts as one)"
        )
        out = [
            f"roster as of {as_of}: {plural(self.people, 'person', 'people') if csv_input else plural(self.people, 'file')}"
            f", {plural(self.results, 'credential')} evaluated, {plural(self.errors, 'error row')}",
            "  "
            + ", ".join(f"{s} {n}" for s, n in reversed(self.by_status().items()))
            + f"; behind pace {self.behind}",
        ]
        if self.unmatched:
            out.append(
                f"  {plural(self.unmatched, 'credential')} with a name no rule knows (marked ?; see the warnings)"
            )
        identity = what
        if csv_input:
            identity += f" + {plural(self.rejected_credits, 'rejected credit row')}"
        identity += f" = {plural(self.results, 'result row')} + {plural(self.errors, 'error row')}"
        if not self.balanced:
            identity += "  MISMATCH: records were lost; this is a bug in marenew, please report it"
        out.append("  records: " + identity)
        due = money(self.due)
        if self.due_unknown:
            due = f"at least {due} (incomplete: {self.due_unknown} with a fee that is not published)"
        out.append(
            f"  cost due for the {plural(self.needs_action, 'credential')} expiring, in grace or lapsed "
            f"(warning window {plural(warn_days, 'day')}): {due}"
        )
        if self.blank:
            out.append(f"  skipped {plural(self.blank, 'blank CSV row')} (no cell filled in)")
        if filtered:
            out.append(f"  rows written: {self.shown} (--only)")
        return out
