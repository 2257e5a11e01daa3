"""The shipped rule files' figures, read from the files themselves.

Tests that check what a command does with a fee (adds it, shows it, spreads it over a year) take
the amount from here, so that a body changing its fee means editing the rule file only.
"""

from __future__ import annotations

import datetime as dt
from functools import cache

from marenew.core.rule import Rule
from marenew.load.rules import load_rules


@cache
def _builtin() -> dict[str, Rule]:
    return load_rules().rules


def path_fee(cert: str, path: str, member: bool = False, day: str = "2026-11-29") -> float | None:
    """The fee of a path, as in force on ``day``."""
    fee = _builtin()[cert.upper()].paths[path].fee  # type: ignore[index]
    entry = fee.for_member(member).at(dt.date.fromisoformat(day))
    return entry.value if entry is not None else None


def recurring_fee(cert: str, day: str = "2026-11-29") -> float | None:
    """The first recurring fee of a rule (AMT's annual fee), as in force on ``day``."""
    entry = _builtin()[cert.upper()].recurring_fees[0].amount.for_member(False).at(dt.date.fromisoformat(day))
    return entry.value if entry is not None else None


def money(amount: float) -> str:
    """As the text output writes an amount: $50, $12.50."""
    from marenew.core.words import money as words_money

    return words_money(amount)


def after_lapse_fees(cert: str, path: str, member: bool = False, day: str = "2026-11-29") -> float:
    """The fees a path adds when taken after a lapse (AAMA's reactivation fee), added up."""
    total = 0.0
    for extra in _builtin()[cert.upper()].paths[path].after_lapse_fees:  # type: ignore[index]
        entry = extra.amount.for_member(member).at(dt.date.fromisoformat(day))
        total += entry.value if entry is not None and entry.value is not None else 0.0
    return total
