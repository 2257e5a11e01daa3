"""Where a renewed cycle starts and ends. Pure: `marenew renew` asks here.

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
from collections.abc import Sequence
from dataclasses import dataclass

from marenew.core.credential import Credential, Credit, CreditRef, PastCycle, RenewalRoute
from marenew.core.engine import computed_expiry, count_ce, credential_dates
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
    return NextCycle(start, end, entry.value, weakest(entry.confidence, confidence))


class RenewalRefused(ValueError):
    """A renewal that cannot be recorded as asked (a date before the current cycle, a card date
    before the new cycle begins)."""


@dataclass(frozen=True)
class RecordedRenewal:
    """What recording a renewal changes in one credential: the old cycle as history, the new
    cycle's dates. ``apply`` makes the change on the model; ``marenew renew`` makes the same
    change in the file."""

    past: PastCycle
    certified_on: dt.date  # the new cycle's first day
    expires_on: dt.date  # the new cycle's expiry: the card's when given, else the rule's
    from_card: bool  # the new expiry is the one printed on the new card
    # What the credential's `expires_on` becomes: the new card's date; else, where the old cycle
    # gave its card's date, the rule's new date in its place (its line and comment kept); else none.
    written_expiry: dt.date | None
    old_card: dt.date | None  # the old cycle's card date, which no longer applies
    renewed_from: str | None  # the rule's `cycle.renewed_from`; None: the card's date was used
    confidence: str
    short: float | None = None  # by CE: what the file's credits left short at the renewal

    def apply(self, cred: Credential) -> Credential:
        return cred.model_copy(
            update={
                "certified_on": self.certified_on,
                "expires_on": self.written_expiry,
                "submitted_on": None,
                "history": [*cred.history, self.past],
            }
        )


def record_renewal(
    rule: Rule,
    cred: Credential,
    credits: Sequence[Credit],
    renewed_on: dt.date,
    *,
    by: RenewalRoute | None = None,
    card_expires_on: dt.date | None = None,
) -> RecordedRenewal:
    """The renewal of ``cred`` recorded on ``renewed_on``: the old cycle with the credits that
    counted in it (by CE), and the new cycle from the rule (or from the card's date, which wins).
    Raises RenewalRefused, or NoRenewalRule when neither the rule nor the card gives the new
    expiry."""
    if renewed_on <= cred.certified_on:
        raise RenewalRefused(
            f"the current {rule.id} cycle began on {cred.certified_on}; a renewal on {renewed_on} is not after "
            "it (was this renewal recorded already? see `history` in the file)"
        )
    old = credential_dates(rule, cred)
    if by is None and rule.ce is not None:
        by = "ce"  # where the body asks for CE, a renewal is by CE unless said otherwise
    used: tuple[CreditRef, ...] = ()
    short = None
    if by == "ce" and rule.ce is not None:
        counted = count_ce(
            rule, list(credits), cred.certified_on, old.expires_on, renewed_on, used=cred.used_credits() or None
        )
        used = tuple(CreditRef(title=c.title, date=c.date) for c in counted.credits if c.counted > 0)
        short = counted.points_needed
    past = PastCycle(
        certified_on=cred.certified_on,
        expires_on=old.expires_on,
        renewed_on=renewed_on,
        by=by,
        credits=list(used),
    )
    try:
        new: NextCycle | None = next_cycle(rule, old.expires_on, renewed_on)
    except NoRenewalRule:
        if card_expires_on is None:
            raise NoRenewalRule(
                f"the {rule.id} rule does not say where a renewed cycle starts: give the new expiry printed on the card"
            ) from None
        new = None
    start = new.certified_on if new is not None else renewed_on
    if card_expires_on is None and (new is None or new.expires_on is None):
        raise NoRenewalRule(
            f"the {rule.id} rule takes the expiry from the credential itself: give the new expiry printed on the card"
        )
    expires_on = card_expires_on or new.expires_on  # type: ignore[union-attr]
    assert expires_on is not None
    if expires_on <= start:
        raise RenewalRefused(f"the new expiry {expires_on} is not after the new cycle's start {start}")
    return RecordedRenewal(
        past=past,
        certified_on=start,
        expires_on=expires_on,
        from_card=card_expires_on is not None,
        written_expiry=expires_on if card_expires_on is not None or cred.expires_on is not None else None,
        old_card=cred.expires_on,
        renewed_from=new.renewed_from if new is not None else None,
        confidence="official" if card_expires_on is not None else new.confidence,  # type: ignore[union-attr]
        short=short,
    )
