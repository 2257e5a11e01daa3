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
from dataclasses import dataclass

from marenew.core.engine import computed_expiry
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
