"""A credential between cycles: waiting for the body's answer, which recurring fees a payment
settles, and which fees still unpaid change the way to renew. Pure; the engine asks here.

"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from marenew.core import dates as periods
from marenew.core.base import Confidence
from marenew.core.credential import Payment
from marenew.core.defaults import PROCESSING_FALLBACK_DAYS
from marenew.core.record import Record
from marenew.core.results import Status
from marenew.core.rule import PathId, RecurringFee, Rule
from marenew.core.words import and_join


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
    it can: one paid up to one period before it (paying ahead), or any time after (paying late).

    Recording begins with the first payment recorded: the due dates before the one nearest to it
    are not judged (someone who starts with this year's fee has not left last year's unpaid; a
    payment made a little ahead or late is this year's, not a late one for a year before)."""
    left = sorted(due)
    paid = sorted(paid_on)
    if paid and left:
        first = paid[0]
        start = min(left, key=lambda d: (abs((d - first).days), d))
        left = [d for d in left if d >= start]
    for day in paid:
        for i, d in enumerate(left):
            if day > periods.add_months(d, -every_months):
                del left[i]
                break
    return left


@dataclass(frozen=True, repr=False, eq=False)
class UnpaidFee(Record):
    """A recurring fee whose holder records payments of it, with the due dates of the cycle that
    have passed and that no payment settles; ``path`` is the way to renew the rule names for a fee
    still unpaid at the end of the cycle (``unpaid_at_cycle_end``)."""

    fee: RecurringFee
    due: tuple[dt.date, ...]
    path: PathId
    confidence: Confidence

    @property
    def words(self) -> str:
        """ "the AMT annual fee due 2025-05-01 and 2026-05-01"."""
        return f"the {self.fee.label} due {and_join([str(d) for d in self.due])}"


def unpaid_fees(
    rule: Rule, certified_on: dt.date, expires_on: dt.date, paid: Sequence[Payment], as_of: dt.date
) -> tuple[UnpaidFee, ...]:
    """The fees the rule gives a consequence for when unpaid at the end of the cycle, each with
    its due dates in the cycle that have passed (before ``as_of``) and that no payment settles.

    Only for a fee the holder records payments of (one ``paid`` entry at least): without one,
    marenew cannot tell an unpaid fee from an unrecorded payment, and says nothing. A fee due in
    the month of expiry is left out: it is paid with the renewal, whose cost already lists it.
    Payments after expiry do not count: the fee was unpaid at the end of the cycle all the same.
    """
    out = []
    for fee in rule.recurring_fees:
        figure = fee.unpaid_at_cycle_end
        entry = figure.at(expires_on) if figure is not None else None
        every = fee.every_months.at(certified_on)
        if entry is None or entry.value is None or every is None or every.value is None:
            continue
        mine = [p.on for p in paid if p.fee.lower() == fee.id.lower()]
        if not mine:
            continue
        with_renewal = expires_on.replace(day=1)
        due = periods.anniversaries(certified_on, every.value, certified_on, expires_on)
        left = [
            d for d in unpaid(due, [on for on in mine if on <= expires_on], every.value) if d < min(as_of, with_renewal)
        ]
        if left:
            out.append(UnpaidFee(fee, tuple(left), entry.value, entry.confidence))
    return tuple(out)


def path_name(rule: Rule, path_id: PathId) -> str:
    """A path's label as words in a sentence: "reactivation" for "Reactivation (CCP points ...)"."""
    label = rule.paths[path_id].label.split(" (")[0]
    return label[0].lower() + label[1:]


def unpaid_warning(rule: Rule, unpaid: UnpaidFee, expires_on: dt.date, as_of: dt.date) -> str:
    """What an unpaid fee means, before and after the end of the cycle."""
    needs = path_name(rule, unpaid.path)
    if as_of <= expires_on:
        return (
            f"no payment is recorded for {unpaid.words}: if it is still unpaid at the end of the cycle "
            f"on {expires_on}, the {rule.id} needs {needs}; record a payment with `marenew pay`"
        )
    return (
        f"no payment was recorded by the end of the cycle on {expires_on} for {unpaid.words}: the "
        f"{rule.id} needs {needs} (if it was paid in time, record the payment with `marenew pay`)"
    )
