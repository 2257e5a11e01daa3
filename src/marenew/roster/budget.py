"""Fees falling due in the next twelve months: per credential (in each row) and per month and
group (the budget of ``roster --budget``, the XLSX summary and the HTML chart).

A credential's renewal fee falls due on its next step's date (the last day to act without a
gap: the expiry while active or expiring, the end of the late window in grace; now once
lapsed); a recurring fee (AMT's annual fee) on each of its own due dates. A fee that falls due
with the renewal is part of the renewal's cost already, so it is not counted twice. An
unpublished fee is counted apart, never as zero. Pure: no I/O.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from marenew.core import dates as periods
from marenew.core.engine import fee_item, recurring_due
from marenew.core.results import CredentialResult, num
from marenew.core.rule import Rule

MONTHS = 12
NO_GROUP = "(none)"


def horizon(as_of: dt.date) -> list[str]:
    """The twelve months of a budget, ``YYYY-MM``, starting with the month of ``as_of``."""
    first = as_of.replace(day=1)
    return [periods.add_months(first, k).strftime("%Y-%m") for k in range(MONTHS)]


def renewal_day(result: CredentialResult, as_of: dt.date) -> dt.date:
    """When the renewal fee falls due: now once lapsed (the way back is open now; a published
    limit is the last day, not the day to budget for), else the next step's date."""
    if result.status == "lapsed":
        return as_of
    by = result.next_step.by
    if by is not None:
        return max(by, as_of)
    if result.status in ("active", "expiring"):
        return result.expires_on
    if result.status == "grace":
        return result.deadline
    return as_of  # lapsed: the way back is open now


@functools.lru_cache(maxsize=8)
def _last_day(as_of: dt.date) -> dt.date:
    """The last day of the twelfth month from ``as_of``'s (worked out once: a roster asks per row)."""
    return periods.add_months(as_of.replace(day=1), MONTHS) - dt.timedelta(days=1)


def fees_due(rule: Rule, result: CredentialResult, as_of: dt.date) -> list[dict]:
    """Every fee of this credential falling due from ``as_of`` through the twelfth month:
    ``{"on": YYYY-MM-DD, "label", "amount"}`` (amount None when not published)."""
    end = _last_day(as_of)
    out = []
    cost = result.next_step.cost
    day = renewal_day(result, as_of)
    if day <= end and result.status != "submitted":  # sent: the renewal fee went with it
        out.append({"on": day.isoformat(), "label": cost.path_label, "amount": num(cost.amount)})
    if not rule.recurring_fees:
        return out
    with_renewal = result.expires_on.replace(day=1) if result.status in ("active", "expiring") else None
    for fee in rule.recurring_fees:
        for due in recurring_due(fee, result.certified_on, as_of - dt.timedelta(days=1), end):
            if with_renewal is not None and with_renewal <= due <= result.expires_on:
                continue  # in the renewal's cost already
            item = fee_item(fee.label, fee.amount, cost.member, as_of)
            out.append({"on": due.isoformat(), "label": fee.label, "amount": num(item.amount)})
    return out


@dataclass
class MonthTotal:
    known: float = 0.0
    unknown: int = 0  # fees whose amount is not published

    def add(self, amount: float | None) -> None:
        if amount is None:
            self.unknown += 1
        else:
            self.known += amount


@dataclass
class Budget:
    """Known fees and unknown-fee counts per group and month."""

    months: list[str]
    groups: dict[str, dict[str, MonthTotal]] = field(default_factory=dict)

    def add(self, group: str, on: str, amount: float | None) -> None:
        month = on[:7]
        if month < self.months[0]:
            month = self.months[0]  # overdue: due now
        if month not in self.months:
            return
        per = self.groups.setdefault(group, {m: MonthTotal() for m in self.months})
        per[month].add(amount)

    def month_totals(self) -> dict[str, MonthTotal]:
        out = {m: MonthTotal() for m in self.months}
        for per in self.groups.values():
            for m, t in per.items():
                out[m].known += t.known
                out[m].unknown += t.unknown
        return out

    def total(self) -> MonthTotal:
        out = MonthTotal()
        for t in self.month_totals().values():
            out.known += t.known
            out.unknown += t.unknown
        return out

    def as_json(self) -> dict:
        return {
            "months": self.months,
            "groups": {
                g: [{"month": m, "known": num(t.known), "unknown_fees": t.unknown} for m, t in per.items()]
                for g, per in sorted(self.groups.items())
            },
            "total": [
                {"month": m, "known": num(t.known), "unknown_fees": t.unknown} for m, t in self.month_totals().items()
            ],
        }


def group_keys(rows: Sequence[Mapping[str, Any]], group_by: str | None) -> tuple[list[str], str]:
    """Each row's group (its value in the ``group_by`` column), and the label of the rows with no
    value there: ``(none)``, unless a real group is named that (then another label no group has),
    so that a group named "(none)" and the rows without a group never merge."""
    if not group_by:
        return [NO_GROUP] * len(rows), NO_GROUP
    from .columns import nfc

    # one group, whichever Unicode form the export saved its name in (Café as é or as e + accent)
    values = [nfc(value) if (value := (row.get("kept") or {}).get(group_by)) else "" for row in rows]
    taken = {v.casefold() for v in values if v}
    empty, n = NO_GROUP, 1
    while empty.casefold() in taken:
        empty = "(no value)" if n == 1 else f"(no value {n})"
        n += 1
    return [v or empty for v in values], empty


def budget(rows: Iterable[Mapping[str, Any]], as_of: dt.date, group_by: str | None = None) -> Budget:
    out = Budget(horizon(as_of))
    rows = list(rows)
    for row, group in zip(rows, group_keys(rows, group_by)[0]):
        if "error" in row:
            continue
        for fee in row.get("fees_due") or ():
            out.add(group, fee["on"], fee["amount"])
    return out
