"""A credential between cycles: waiting for the body's answer, which recurring fees a payment
settles. Pure; the engine asks here.

"""

from __future__ import annotations

import datetime as dt

from marenew.core import dates as periods
from marenew.core.defaults import PROCESSING_FALLBACK_DAYS
from marenew.core.results import Status
from marenew.core.rule import Rule


def processing_end(rule: Rule, submitted_on: dt.date) -> tuple[dt.date, bool]:
    """The last day the body may take to answer an application sent on ``submitted_on``, and
    whether that is the body's published figure (False: marenew's fallback)."""
    figure = rule.renewal.processing_days
    entry = figure.at(submitted_on) if figure is not None else None
    if entry is None or entry.value is None:
        return submitted_on + dt.timedelta(days=PROCESSING_FALLBACK_DAYS), False
    return submitted_on + dt.timedelta(days=entry.value), True


def waiting(
    rule: Rule, submitted_on: dt.date, status: Status, as_of: dt.date
) -> tuple[Status, str | None, dt.date | None]:
    """The status of a credential whose renewal application was sent on ``submitted_on``:
    ``submitted`` while the body may still be processing it (instead of the grace or lapsed alarm),
    with the last day it may take; then the status by the dates again, with a warning to contact
    the body."""
    if submitted_on > as_of:
        return status, None, None
    until, published = processing_end(rule, submitted_on)
    if as_of <= until:
        if published:
            return "submitted", None, until
        return (
            "submitted",
            f"{rule.body} publishes no processing time; if you have heard nothing by {until}, contact {rule.body}",
            until,
        )
    days = (until - submitted_on).days
    why = (
        f"{rule.body} says it takes up to {days} days"
        if published
        else f"{rule.body} publishes no processing time and {days} days have passed"
    )
    return (
        status,
        f"you sent the renewal on {submitted_on} and {why}: contact {rule.body} to ask where it "
        "stands, then record it with `marenew renew`",
        None,
    )


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
