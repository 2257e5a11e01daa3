"""The next step: what a holder does now, by when, on which path, at what cost; and the pace.

Pure. ``engine.evaluate_credential`` calls ``decide`` once per credential; every output (status,
cost, plan, calendar, roster, worked cases) renders the result and none decides again.

CE counts only inside the cycle, from certification through expiry. So:

- active or expiring, CE short: earn it by the expiry date, then renew by CE (the regular cost);
- active or expiring, CE complete: apply by the expiry date, which keeps the credential usable
  without a gap; the end of the late window is only the last resort;
- grace, CE complete at expiry: apply by CE by the end of the late window (the regular cost);
- grace, CE short at expiry: the CE route cannot be completed any more; the route the rule leaves
  open to a current holder (AAMA: the exam, without the reactivation fee) by the end of the window;
- lapsed: the rule's route after a lapse, by its time limit where the rule publishes one, then the
  route after that limit; without a limit, no date and the body's renewal page.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Callable, Sequence

from marenew.core import dates as periods
from marenew.core.cycle import UnpaidFee
from marenew.core.defaults import EPS
from marenew.core.results import (
    Action,
    Cost,
    NextStep,
    Pace,
    RequirementResult,
    Status,
)
from marenew.core.rule import PathId, Rule
from marenew.core.words import and_join, money

Price = Callable[[PathId, bool], Cost]  # (path id, after a lapse) -> what taking it costs now


def renewal_page(rule: Rule) -> str | None:
    """The body's renewal page: the rule's ``renewal_page``, else the first source with an address."""
    if rule.renewal_page:
        return rule.renewal_page
    return next((s.url for s in rule.sources.values() if s.url), None)


def may_use_credential(rule: Rule, as_of: dt.date, expires_on: dt.date) -> bool | None:
    """True while current; past expiry, what the rule says (``use_while_expired``), else None."""
    if as_of <= expires_on:
        return True
    figure = rule.use_while_expired
    entry = figure.at(expires_on) if figure is not None else None
    return None if entry is None or entry.value is None else bool(entry.value)


def ceil_pace(x: float) -> float:
    """Round a pace up to the cent of a point: following a rounded-down pace would fall short."""
    return math.ceil(round(x * 100, 6)) / 100


def pace(
    rule: Rule,
    as_of: dt.date,
    certified_on: dt.date,
    expires_on: dt.date,
    points_needed: float | None,
    requirements: Sequence[RequirementResult],
) -> Pace:
    """The points still needed over the calendar months left until expiry, against the cycle's own
    pace (its total over its months, as in force when the cycle began).

    Finishing at that pace takes k = ceil(points needed / pace) months. The month one is in counts
    as a whole month, as it does when a body's cycle ends on a month's last day: on pace while
    more than k - 1 months are left, so ``start_by`` is the day before expiry minus k - 1 months,
    and a holder is behind once it has passed. (Without that month, a cycle that starts on a
    month's last day, as a renewed CMA may, would be behind pace on its second day.)"""
    months_left = periods.months_between(as_of, expires_on)
    if rule.ce is None:
        return Pace(months_left=months_left)
    total = None
    for q in requirements:
        if q.id == "total":
            total = q.required
            break
    months = rule.cycle.months.at(certified_on)
    sustainable = (total / months.value) if total and months and months.value else None
    if points_needed is None or as_of > expires_on:
        # unknown requirement, or the counting window closed at expiry: pace means nothing
        return Pace(None, None, sustainable, None, months_left)
    if points_needed <= EPS:
        return Pace(True, 0.0, sustainable, None, months_left)
    per_month = ceil_pace(points_needed / max(months_left, 1.0))
    if not sustainable:
        return Pace(None, per_month, None, None, months_left)
    months_needed = math.ceil(round(points_needed / sustainable, 6))
    start_by = periods.add_months(expires_on, -(months_needed - 1)) - dt.timedelta(days=1)
    return Pace(start_by >= as_of, per_month, sustainable, start_by, months_left)


_ACTION_BY_PATH: dict[str, Action] = {
    "ce": "apply_ce",
    "exam": "apply_exam",
    "reinstatement": "reinstate",
    "course": "take_course",
    "renewal": "renew",
}


# What each cost says, worked out once per cost (kept with it, so that an id reused by another
# object never matches): the engine shares one cost among the credentials that have it.
_PRICES: dict[int, tuple[Cost, str]] = {}


def _price(cost: Cost) -> str:
    """ "$125 for members", "fee not published", "at least $50, a fee is not published"."""
    found = _PRICES.get(id(cost))
    if found is not None and found[0] is cost:
        return found[1]
    text = _price_words(cost)
    if len(_PRICES) >= 4096:
        _PRICES.clear()
    _PRICES[id(cost)] = (cost, text)
    return text


def _price_words(cost: Cost) -> str:
    who = (" for members" if cost.member else " for non-members") if cost.by_membership else ""
    if cost.complete:
        return f"{money(cost.amount)}{who}"
    if cost.known_amount:
        return f"at least {money(cost.known_amount)}{who}, a fee is not published"
    return "fee not published"


# What each rule's paths say, by (rule, action, path), worked out once (each kept with its rule, so
# that an id reused by another rule never matches): a roster words the same few for every row.
_DOINGS: dict[tuple[int, Action, PathId], tuple[Rule, str]] = {}


def _doing(action: Action, rule: Rule, path_id: PathId) -> str:
    """What the holder does, as the start of a sentence."""
    key = (id(rule), action, path_id)
    found = _DOINGS.get(key)
    if found is not None and found[0] is rule:
        return found[1]
    text = _doing_words(action, rule, path_id)
    if len(_DOINGS) >= 4096:
        _DOINGS.clear()
    _DOINGS[key] = (rule, text)
    return text


def _doing_words(action: Action, rule: Rule, path_id: PathId) -> str:
    label = rule.paths[path_id].label
    if label.split()[0] in ("Take", "Retake", "Pass", "Apply", "Renew"):
        return label  # the rule already words it as a thing to do
    if action == "apply_ce":
        return (
            f"Apply for {label[0].lower()}{label[1:]}"
            if label.lower().startswith(("recert", "renew"))
            else f"Apply to renew with your CE ({label})"
        )
    if action == "apply_exam":
        return (
            f"Apply for the exam ({label})"
            if not label.lower().startswith(("recert", "reactiv"))
            else f"Apply for {label[0].lower()}{label[1:]}"
        )
    if action == "reinstate":
        return f"Apply for {label[0].lower()}{label[1:]}"
    if action == "take_course":
        return label if label.lower().startswith("take") else f"Take the course again ({label})"
    return f"Apply to renew ({label})"


def _short_detail(points_needed: float, unit: str | None, requirements: Sequence[RequirementResult]) -> str:
    parts = [
        f"{q.short:g} {q.label[: -len(unit) - 1] if unit and q.label.endswith(' ' + unit) else q.label.lower()}"
        for q in requirements
        if q.id != "total" and q.short and q.short > EPS
    ]
    head = f"{points_needed:g} more {unit or 'points'}"
    if not parts:
        return head
    return head + " (at least " + (", ".join(parts[:-1]) + " and " + parts[-1] if len(parts) > 1 else parts[0]) + ")"


def decide(
    rule: Rule,
    *,
    status: Status,
    as_of: dt.date,
    expires_on: dt.date,
    late_window_end: dt.date | None,
    points_needed: float | None,
    requirements: Sequence[RequirementResult],
    unit: str | None,
    price: Price,
    open_until: Callable[[PathId], dt.date | None],
    after_lapse: PathId,
    submitted: tuple[dt.date, dt.date] | None = None,
    unpaid: Sequence[UnpaidFee] = (),
) -> NextStep:
    """The one next step for a credential (see the module's docstring). ``open_until(path)`` is
    the last day a path can be taken after expiry (None: no limit, or none published);
    ``after_lapse`` the path a lapsed holder takes now (engine.path_after_lapse); ``submitted``
    the day a renewal was sent and the last day the body may take to answer it (status
    ``submitted``); ``unpaid`` the fees whose passed due dates no payment settles
    (``cycle.unpaid_fees``): before expiry the renewal's cost includes them, after it they were
    unpaid at the end of the cycle."""
    page = renewal_page(rule)
    regular = rule.renewal.regular
    owed = and_join([u.words for u in unpaid]) if unpaid else ""

    def step(action: Action, by: dt.date | None, cost: Cost, summary: str, last: dt.date | None = None) -> NextStep:
        if owed and status in ("active", "expiring"):
            summary += f" The price includes {owed}, not recorded as paid."
        elif owed and status == "lapsed" and cost.path == unpaid[0].path:
            summary += f" No payment was recorded by the end of the cycle for {owed}."
        # Whatever marenew cannot say (a fee, a limit, a requirement) sends the reader to the body.
        unsure = not cost.complete or by is None or action == "contact_body"
        if unsure and page:
            summary += f" See {page}"
        return NextStep(action, by, cost, summary, last, page)

    if status == "submitted" and submitted is not None:
        sent, until = submitted
        nothing = dataclasses.replace(price(regular, False), items=())  # paid with the application
        return step(
            "wait",
            until,
            nothing,
            f"Wait for {rule.body}'s answer to the renewal you sent on {sent}; if you have heard nothing "
            f"by {until}, contact {rule.body}. Then record it with `marenew renew`.",
        )
    if status == "lapsed":
        return _after_lapse(rule, expires_on, after_lapse, open_until, price, step)

    in_grace = status == "grace"
    by = late_window_end if in_grace and late_window_end else expires_on
    cost = price(regular, False)
    ce_route = regular == "ce" and rule.ce is not None
    if not ce_route:
        action = _ACTION_BY_PATH.get(regular, "contact_body")
        return step(action, by, cost, f"{_doing(action, rule, regular)} by {by}: {_price(cost)}.")
    if points_needed is None:
        return step(
            "contact_body",
            by,
            cost,
            f"Ask {rule.body} what CE it needs before {by}: its CE requirement is not fully published.",
        )
    if points_needed <= EPS:
        if in_grace:
            return step(
                "apply_ce",
                by,
                cost,
                f"{_doing('apply_ce', rule, regular)} by {by}, the last day {rule.body} accepts it "
                f"({_price(cost)}): the CE was complete at expiry on {expires_on}.",
            )
        summary = f"{_doing('apply_ce', rule, regular)} by {by} ({_price(cost)}): the CE is complete."
        if late_window_end and late_window_end != expires_on:
            after = (
                f"you may not use the credential after {expires_on}"
                if may_use_credential(rule, expires_on + dt.timedelta(days=1), expires_on) is False
                else f"the credential is expired after {expires_on}"
            )
            summary += f" {rule.body} still accepts it until {late_window_end}, but {after}."
        return step("apply_ce", by, cost, summary, late_window_end if late_window_end != expires_on else None)
    if not in_grace:
        doing = _doing("apply_ce", rule, regular)
        return step(
            "earn_ce",
            by,
            cost,
            f"Earn {_short_detail(points_needed, unit, requirements)} by {by}, then "
            f"{doing[0].lower()}{doing[1:]} ({_price(cost)}).",
        )
    # In the late window and short: CE earned after expiry never counts.
    why = (
        f"the CE was {points_needed:g} {unit} short at expiry on {expires_on}, and CE earned after "
        "expiry does not count"
    )
    other = next((pid for pid, p in rule.paths.items() if pid != regular and p.available == "always"), None)
    if other is not None:
        cost = price(other, False)
        action = _ACTION_BY_PATH.get(other, "contact_body")
        later = price(other, True)
        extra = (
            [i.label[0].lower() + i.label[1:] for i in later.items[len(cost.items) :]]
            if len(later.items) > len(cost.items)
            else []
        )
        summary = f"{_doing(action, rule, other)} by {by} ({_price(cost)}): {why}."
        if extra:
            summary += f" After {by} the {' and '.join(extra)} is added."
        return step(action, by, cost, summary)
    lapse_path = rule.renewal.after_lapse
    cost = price(lapse_path, True)
    return step(
        "contact_body",
        by,
        cost,
        f"Ask {rule.body} what is left before {by}: {why}, and {rule.body} publishes no other route "
        f"before the late window ends. After {by}: {rule.paths[lapse_path].label.lower()} "
        f"({_price(cost)}).",
    )


def _after_lapse(
    rule: Rule,
    expires_on: dt.date,
    path_id: PathId,
    open_until: Callable[[PathId], dt.date | None],
    price: Price,
    step: Callable[..., NextStep],
) -> NextStep:
    """The way back after a lapse: the path the engine says is open now, by its time limit."""
    path = rule.paths[path_id]
    action = _ACTION_BY_PATH.get(path_id, "contact_body")
    cost = price(path_id, True)
    doing = _doing(action, rule, path_id)
    # the path before this one in the chain, whose time limit has passed
    before = next((pid for pid, p in rule.paths.items() if p.after_time_limit == path_id), None)
    past = ""
    if before is not None and open_until(before) is not None:
        past = f" {rule.paths[before].label} closed on {open_until(before)}."
    last = open_until(path_id)
    if last is not None:
        nxt = path.after_time_limit
        after = f"; after that, {rule.paths[nxt].label[0].lower()}{rule.paths[nxt].label[1:]}" if nxt else ""
        return step(
            action,
            last,
            cost,
            f"{doing} by {last} ({_price(cost)}): {rule.body} allows it until then after the expiry "
            f"on {expires_on}{after}.{past}",
        )
    if path.time_limit is not None:
        text = (
            f"{doing} ({_price(cost)}): {rule.body} limits how long after expiry this stays open, but "
            "does not publish the limit"
        )
    else:
        text = f"{doing} ({_price(cost)}): {rule.body} publishes no time limit for it"
    return step(action, None, cost, text + "." + past)
