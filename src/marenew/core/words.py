"""Plain words for figures and counts, shared by every output (terminal, calendar, roster, rule
listings, check summaries): pure, so any layer may use them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from marenew.core.results import Cost, CredentialResult, FeeItem, RecurringLine

STATUS_WORD = {
    "active": "ACTIVE",
    "expiring": "EXPIRING",
    "grace": "GRACE (late window)",
    "lapsed": "LAPSED",
    "submitted": "SUBMITTED (waiting for the body)",
}
CONFIDENCE_MARK = {
    "official": "",
    "secondary": " (secondary source)",
    "unconfirmed": " (unconfirmed)",
    "unknown": " (unknown)",
}


def money(amount: float | None) -> str:
    if amount is None:
        return "unknown"
    return f"${amount:,.0f}" if amount == int(amount) else f"${amount:,.2f}"


def with_confidence(amount: float | None, confidence: str) -> str:
    """A figure with how sure it is: "$65 (unconfirmed)"; an unknown one is just "unknown"."""
    return money(amount) if amount is None else f"{money(amount)}{CONFIDENCE_MARK[confidence]}"


def fee_text(item: FeeItem | RecurringLine, *, mark: bool = True) -> str:
    """An amount with how sure it is (``mark``: where no column says so) and, where sources
    disagree, where it comes from and what the others say: "$50 (AMT fee table; an article says $75)"."""
    if item.amount is None or not item.conflicts:
        return with_confidence(item.amount, item.confidence) if mark else money(item.amount)
    own = "an article" if item.article else (item.source_title or "source not named")
    sure = "" if item.confidence == "official" else f"{item.confidence}: "
    others = "; ".join(f"{'an article' if c.article else c.source} says {money(c.amount)}" for c in item.conflicts)
    return f"{money(item.amount)} ({sure}{own}; {others})"


def points(x: float | None) -> str:
    if x is None:
        return "unknown"
    return f"{x:g}"


def plural(n: float, word: str, many: str | None = None) -> str:
    """``1 file``, ``2 files``, ``2 people`` (with ``many``), ``1.5 college credits``."""
    count = f"{n:g}" if isinstance(n, float) else str(n)
    return f"{count} {word if n == 1 else many or word + 's'}"


def and_join(parts: Sequence[str]) -> str:
    """``A``, ``A and B``, ``A, B and C``."""
    return parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} and {parts[-1]}" if parts else ""


def days_text(days: int) -> str:
    if days > 0:
        return f"{plural(days, 'day')} left"
    if days == 0:
        return "expires today"
    return f"expired {plural(-days, 'day')} ago"


def cost_text(cost: Cost) -> str:
    who = (", member" if cost.member else ", non-member") if cost.by_membership else ""
    if len(cost.items) == 1:
        item = cost.items[0]
        return f"{cost.path_label}{who}: {fee_text(item)}"
    parts = " + ".join(f"{i.label} {fee_text(i)}" for i in cost.items)
    total = (
        money(cost.amount) if cost.complete else f"at least {money(cost.known_amount)} (incomplete: a fee is unknown)"
    )
    return f"{cost.path_label}{who}: {total} = {parts}"


# A next step's action in a few words (tables).
ACTION_WORD = {
    "earn_ce": "earn CE",
    "apply_ce": "apply by CE",
    "apply_exam": "exam",
    "reinstate": "reinstate",
    "take_course": "take the course",
    "renew": "renew",
    "contact_body": "ask the body",
    "none": "nothing to do",
}


def next_step_text(result: CredentialResult) -> str:
    """The engine's next step, as every output words it: "Next step: ..."."""
    return f"Next step: {result.next_step.summary}"


def pace_line(result: CredentialResult) -> str | None:
    """ "Behind pace: about 1.5 points a month from now to 2026-03-31", or None when on pace."""
    pace = result.pace
    if not pace.behind or pace.needed_per_month is None:
        return None
    return (
        f"Behind pace: about {points(pace.needed_per_month)} {result.unit} a month from now to "
        f"{result.expires_on} (the cycle's own pace is {points(round(pace.sustainable_per_month or 0, 2))} "
        "a month)"
    )


def use_line(result: CredentialResult) -> str | None:
    """Said in grace and once lapsed where the body forbids using an expired credential."""
    if result.may_use_credential is False:
        return f"You may not use the {result.cert} ({result.body}) credential until it is renewed"
    return None
