"""What a manager reads first: counts per status, who is behind pace, the cost due in the
warning window, expirations and fees per month for the next twelve months. From roster rows,
for the XLSX summary sheet, the HTML page and the digest. Pure: no I/O.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from marenew.core.results import STATUSES

from .budget import Budget, budget, horizon
from .rows import Row, is_error


@dataclass
class Overview:
    as_of: dt.date
    warn_days: int
    people: int = 0  # distinct person ids (or files)
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STATUSES, 0))
    errors: int = 0
    behind: int = 0
    due_known: float = 0.0  # known cost of every credential expiring, in grace or lapsed
    due_unknown: int = 0  # of those, how many have a fee that is not published
    expiring_per_month: dict[str, int] = field(default_factory=dict)
    budget: Budget | None = None

    @property
    def results(self) -> int:
        return sum(self.counts.values())

    @property
    def needs_action(self) -> int:
        return self.results - self.counts["active"] - self.counts["submitted"]


def overview(rows: Iterable[Row], as_of: dt.date, warn_days: int, group_by: str | None = None) -> Overview:
    rows = list(rows)
    out = Overview(as_of, warn_days)
    months = horizon(as_of)
    out.expiring_per_month = dict.fromkeys(months, 0)
    out.people = len({r.get("source") for r in rows})
    for row in rows:
        if is_error(row):
            out.errors += 1
            continue
        out.counts[row["status"]] += 1
        out.behind += bool(row.get("behind_pace"))
        if row["status"] not in ("active", "submitted"):
            out.due_known += row["cost_known"]
            out.due_unknown += not row["cost"]["complete"]
        month = row["expires_on"][:7]
        if month in out.expiring_per_month:
            out.expiring_per_month[month] += 1
    out.budget = budget(rows, as_of, group_by)
    return out
