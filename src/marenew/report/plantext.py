"""A plan in plain words: pace, shortfall, the comparison of paths (no rich)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from marenew.core.plan import Pace, Plan


def pace_text(pace: Pace) -> str:
    """ "7.5 points/month until 2026-03-31, of which at least 2.5 AAMA-approved"."""
    from marenew.core.words import points

    if pace.points_needed is None:
        return "unknown (a requirement is not published)"
    if pace.points_needed <= 0:
        return f"none needed: the CE requirements are met (by {pace.until})"
    if pace.closed:
        return f"the counting window closed on {pace.until}: CE earned now does not count"
    text = f"{points(pace.per_month)} {pace.unit}/month until {pace.until}"
    if pace.parts:
        parts = [f"{points(p.per_month)} {p.label if p.id == 'approved' else p.label.lower()}" for p in pace.parts]
        text += ", of which at least " + (", ".join(parts[:-1]) + " and " + parts[-1] if len(parts) > 1 else parts[0])
    return text


def shortfall_text(plan: Plan) -> str | None:
    """ "20 points still needed (at least 20 AAMA-approved and 10 administrative)"; None without CE."""
    from marenew.core.words import points

    r, pace = plan.result, plan.pace
    if pace is None:
        return None
    if r.points_needed is None:
        return "CE still needed: unknown (a requirement is not published)"
    if r.points_needed <= 0:
        counted = f" ({points(plan.progress.counted)} {r.unit} counted)" if plan.progress else ""
        return f"the requirements are met{counted}"
    if pace.closed:
        # never a date that has passed as something still to do
        return f"{points(r.points_needed)} {r.unit} short at expiry on {r.expires_on}; CE earned after expiry does not count"
    text = f"{points(r.points_needed)} {r.unit} still needed by {r.expires_on}"
    if pace.parts:
        parts = [f"{points(p.short)} {p.label if p.id == 'approved' else p.label.lower()}" for p in pace.parts]
        text += " (at least " + (", ".join(parts[:-1]) + " and " + parts[-1] if len(parts) > 1 else parts[0]) + ")"
    return text


def comparison_text(plan: Plan) -> str:
    """Staying certified against letting it lapse, with the unknowns said out loud."""
    from marenew.core.words import money

    r = plan.result
    if r.status == "lapsed":
        return f"Lapsed: the way back is {plan.lapse.path_label} ({_amount(plan.lapse)})."
    if plan.cheapest is None:
        return "Cannot say what staying certified costs: no fee for an open path is published."
    if plan.saving is None:
        return (
            f"Staying certified costs {money(plan.cheapest.cost.amount)}; what letting it lapse costs "
            "is not known, so there is no comparison."
        )
    if plan.saving > 0:
        return f"Renewing now saves {money(plan.saving)} over letting it lapse."
    if plan.saving == 0:
        return "Renewing now costs the same as letting it lapse, and you stay certified."
    return f"Letting it lapse costs {money(-plan.saving)} less, but the credential cannot be used while lapsed."


def _amount(cost) -> str:
    from marenew.core.words import money

    if cost.complete:
        return money(cost.amount)
    return f"unknown: at least {money(cost.known_amount)}" if cost.known_amount else "unknown"
