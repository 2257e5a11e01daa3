"""A credential through its cycles: where a renewed cycle starts and ends, waiting for the body,
which recurring fees a payment settles. Pure: the commands (`renew`, `pay`) and the engine ask here.

The new cycle after a renewal follows the rule's ``cycle.renewed_from``:

- ``recertification`` (AAMA): the new cycle begins on the day of recertification and runs by the
  rule's expiry mode (60 months to the end of that month): recertifying early shortens the old one;
- ``expiry`` (NHA, AMT): the new cycle begins at the old expiry and runs one cycle from there, so
  renewing early loses no time; for AMT that is the next fixed block counted from the first
  certification. A renewal recorded after a whole further cycle has passed moves on by whole
  cycles until the new one holds the renewal day.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from marenew.core import dates as periods
from marenew.core.defaults import PROCESSING_FALLBACK_DAYS
from marenew.core.results import Status
from marenew.core.rule import Rule, weakest


class NoRenewalRule(ValueError):
    """The rule does not say where a renewed cycle starts (no ``cycle.renewed_from``)."""


@dataclass(frozen=True)
class NextCycle:
    certified_on: dt.date  # the day the new cycle begins (the credential's new `certified_on`)
    expires_on: dt.date | None  # None: the rule gives no cycle length then (the card's date is needed)
    renewed_from: str
    confidence: str


def next_cycle(rule: Rule, old_expires_on: dt.date, renewed_on: dt.date) -> NextCycle:
    """The cycle that a renewal recorded on ``renewed_on`` opens, for a cycle that expired (or
    expires) on ``old_expires_on``."""
    from marenew.core.engine import computed_expiry

    figure = rule.cycle.renewed_from
    entry = figure.at(renewed_on) if figure is not None else None
    if entry is None or entry.value is None:
        raise NoRenewalRule(f"the {rule.id} rule does not say where a renewed cycle starts")
    if entry.value == "recertification":
        start = renewed_on
        end, confidence = computed_expiry(rule, start)
    else:
        start = old_expires_on
        end, confidence = computed_expiry(rule, start)
        while end is not None and end < renewed_on:
            start = end
            end, confidence = computed_expiry(rule, start)
    return NextCycle(start, end, entry.value, weakest(entry.confidence, confidence))  # type: ignore[arg-type]


def processing_end(rule: Rule, submitted_on: dt.date) -> tuple[dt.date, bool]:
    """The last day the body may take to answer an application sent on ``submitted_on``, and
    whether that is the body's published figure (False: marenew's fallback)."""
    figure = rule.renewal.processing_days
    entry = figure.at(submitted_on) if figure is not None else None
    if entry is None or entry.value is None:
        return submitted_on + dt.timedelta(days=PROCESSING_FALLBACK_DAYS), False
    return submitted_on + dt.timedelta(days=entry.value), True


def waiting(rule: Rule, submitted_on: dt.date, status: Status, as_of: dt.date) -> tuple[Status, str | None]:
    """The status of a credential whose renewal application was sent on ``submitted_on``:
    ``submitted`` while the body may still be processing it (instead of the grace or lapsed alarm),
    then the status by the dates again, with a warning to contact the body."""
    if submitted_on > as_of:
        return status, None
    until, published = processing_end(rule, submitted_on)
    if as_of <= until:
        if published:
            return "submitted", None
        return "submitted", (f"{rule.body} publishes no processing time; if you have heard nothing by {until}, "
                             f"contact {rule.body}")
    why = f"{rule.body} says it takes up to {(until - submitted_on).days} days" if published else \
        f"{rule.body} publishes no processing time and {(until - submitted_on).days} days have passed"
    return status, (f"you sent the renewal on {submitted_on} and {why}: contact {rule.body} to ask where it "
                    "stands, then record it with `marenew renew`")


def unpaid(due: list[dt.date], paid_on: list[dt.date], every_months: int) -> list[dt.date]:
    """The due dates that no payment settles. A payment settles the earliest unsettled due date
    it can: one paid up to one period before it (paying ahead), or any time after (paying late)."""
    left = sorted(due)
    for day in sorted(paid_on):
        for i, d in enumerate(left):
            if day > periods.add_months(d, -every_months):
                del left[i]
                break
    return left
