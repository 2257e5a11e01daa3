"""Plans: the dates to act on, the pace of CE, and the cheapest way to stay certified.

Pure: no I/O, no typer, rich or icalendar. A plan is built from the engine's result for a
credential (``engine.evaluate_credential``): statuses, dates, counted CE and costs are the
engine's, never re-derived here. What this module adds:

- key dates: cycle start, the latest day to start CE at a sustainable pace, each recurring fee due
  in the cycle, expiry, the end of the late window, and the day after it (lapsed);
- the pace: the points still needed spread over the calendar months left until expiry;
- staying certified (the paths open now, the cheapest) compared with letting it lapse.

No body publishes when renewal opens, and the rule format has no such date, so plans show none.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from marenew.core.credential import CredentialFile, Payment
from marenew.core.defaults import EPS
from marenew.core.engine import fee_item, path_cost, recurring_due
from marenew.core.nextstep import ceil_pace, renewal_page
from marenew.core.results import (
    Cost,
    CredentialResult,
    FeeItem,
    Report,
    RequirementResult,
    num,
    urgency_key,
)
from marenew.core.rule import Rule

# Key-date kinds, in the order they are listed when two fall on the same day.
KINDS = ("cycle_start", "start_renewal", "fee_due", "next_step", "expiry", "deadline", "lapses")


@dataclass(frozen=True)
class KeyDate:
    kind: str  # one of KINDS
    date: dt.date
    label: str
    fee: FeeItem | None = None  # fee_due: the fee; lapses: None (the after-lapse cost is Plan.lapse)
    ref: str | None = None  # fee_due: the recurring fee's id

    def as_json(self, as_of: dt.date) -> dict:
        return {
            "kind": self.kind,
            "date": self.date.isoformat(),
            "label": self.label,
            "past": self.date < as_of,
            "fee": self.ref,
            "amount": num(self.fee.amount) if self.fee else None,
            "confidence": self.fee.confidence if self.fee else None,
        }


@dataclass(frozen=True)
class PacePart:
    """A minimum inside the total (approved, or a content area) and its share of the pace."""

    id: str
    label: str
    short: float
    per_month: float

    def as_json(self) -> dict:
        return {"id": self.id, "label": self.label, "short": num(self.short), "per_month": num(self.per_month)}


@dataclass(frozen=True)
class Pace:
    """The engine's pace (``CredentialResult.pace``: per month, sustainable, start by, behind) with
    what a plan adds: the share of each minimum, the months left, whether the window closed.
    """

    unit: str
    points_needed: float | None
    until: dt.date
    months_left: float
    per_month: float | None
    parts: tuple[PacePart, ...]
    sustainable_per_month: float | None
    start_by: dt.date | None
    behind: bool
    closed: bool  # the counting window ended at expiry: CE earned now no longer counts
    on_pace: bool | None = None  # the engine's (null where pace means nothing)

    def as_json(self) -> dict:
        return {
            "unit": self.unit,
            "points_needed": num(self.points_needed),
            "until": self.until.isoformat(),
            "months_left": num(self.months_left),
            "per_month": num(self.per_month),
            "parts": [p.as_json() for p in self.parts],
            "sustainable_per_month": num(self.sustainable_per_month),
            "start_by": self.start_by.isoformat() if self.start_by else None,
            "behind": self.behind,
            "on_pace": self.on_pace,
            "closed": self.closed,
        }


@dataclass(frozen=True)
class Option:
    """A path to stay certified from here, what it costs, and whether it can still be taken."""

    cost: Cost
    feasible: bool
    note: str | None = None

    def as_json(self) -> dict:
        return {**self.cost.as_json(), "feasible": self.feasible, "note": self.note}


@dataclass(frozen=True)
class Plan:
    rule: Rule
    result: CredentialResult
    as_of: dt.date
    key_dates: tuple[KeyDate, ...]
    pace: Pace | None  # None: the rule asks for no CE
    options: tuple[Option, ...]  # empty once lapsed: there is nothing left to stay in
    cheapest: Option | None  # cheapest feasible option whose amount is known
    lapse: Cost  # the after-lapse path, with its extra fees (engine.path_cost, lapsed=True)
    saving: float | None  # lapse - cheapest; None when either is unknown
    notes: tuple[str, ...]  # why a comparison is incomplete, what a total leaves out

    @property
    def has_late_window(self) -> bool:
        return self.result.deadline != self.result.expires_on

    @property
    def renewal_page(self) -> str | None:
        return renewal_page(self.rule)

    @property
    def progress(self) -> RequirementResult | None:
        """The total requirement: how much of it is met."""
        return next((r for r in self.result.requirements if r.id == "total"), None)

    def as_json(self) -> dict:
        r = self.result
        progress = self.progress
        return {
            "cert": r.cert,
            "body": r.body,
            "name": r.name,
            "status": r.status,
            "days_left": r.days_left,
            "member": r.cost.member,
            "cycle_start": r.certified_on.isoformat(),
            "expires_on": r.expires_on.isoformat(),
            "deadline": r.deadline.isoformat(),
            "late_window": self.has_late_window,
            "dates": [k.as_json(self.as_of) for k in self.key_dates],
            "progress": None
            if progress is None
            else {
                "unit": r.unit,
                "required": num(progress.required),
                "counted": num(progress.counted),
                "short": num(progress.short),
            },
            "requirements": [q.as_json() for q in r.requirements],
            "next_step": r.next_step.as_json(),
            "may_use_credential": r.may_use_credential,
            "pace": self.pace.as_json() if self.pace else None,
            "stay": {
                "options": [o.as_json() for o in self.options],
                "cheapest": self.cheapest.cost.path if self.cheapest else None,
                "amount": num(self.cheapest.cost.amount) if self.cheapest else None,
            },
            "lapse": self.lapse.as_json(),
            "saving": num(self.saving),
            "notes": list(self.notes),
            "renewal_page": self.renewal_page,
            "confidence": r.confidence,
            "warnings": list(r.warnings),
        }


@dataclass(frozen=True)
class HolderPlan:
    as_of: dt.date
    holder: str
    plans: tuple[Plan, ...]  # most urgent first
    warnings: tuple[str, ...] = ()

    @property
    def needs_action(self) -> bool:
        return any(p.result.needs_action for p in self.plans)

    def as_json(self) -> dict:
        return {
            "as_of": self.as_of.isoformat(),
            "holder": self.holder,
            "credentials": [p.as_json() for p in self.plans],
            "warnings": list(self.warnings),
        }


def _pace(rule: Rule, result: CredentialResult, as_of: dt.date) -> Pace | None:
    if rule.ce is None or result.unit is None:
        return None
    engine = result.pace
    closed = as_of > result.expires_on
    divisor = max(engine.months_left, 1.0)
    parts = []
    if not closed:
        for req in result.requirements:
            if req.id == "total" or not req.short or req.short <= EPS:
                continue
            label = req.label
            if label.endswith(f" {result.unit}"):  # "AAMA-approved points" -> "AAMA-approved"
                label = label[: -len(result.unit) - 1]
            parts.append(PacePart(req.id, label, req.short, ceil_pace(req.short / divisor)))
    return Pace(
        unit=result.unit,
        points_needed=result.points_needed,
        until=result.expires_on,
        months_left=engine.months_left,
        per_month=engine.needed_per_month,
        parts=tuple(parts),
        sustainable_per_month=engine.sustainable_per_month,
        start_by=engine.start_by,
        behind=engine.behind,
        closed=closed,
        on_pace=engine.on_pace,
    )


def _key_dates(
    rule: Rule,
    result: CredentialResult,
    pace: Pace | None,
    lapse: Cost,
    member: bool,
    as_of: dt.date,
    paid: Sequence[Payment] = (),
) -> list[KeyDate]:
    r = result
    out = [KeyDate("cycle_start", r.certified_on, "cycle began" + (" (CE counts from here)" if rule.ce else ""))]
    if pace is not None and pace.start_by is not None and not pace.closed:
        # Behind pace: the day to start is today; the calendar moves the event when re-exported.
        day = max(pace.start_by, as_of)
        out.append(
            KeyDate(
                "start_renewal",
                day,
                "start CE now: behind the sustainable pace"
                if pace.behind
                else "start CE: the latest day to finish at the sustainable pace",
            )
        )
    for fee in rule.recurring_fees:
        for due in recurring_due(fee, r.certified_on, r.certified_on, r.expires_on, paid):
            item = fee_item(fee.label, fee.amount, member, as_of, rule.sources)  # the engine prices every fee
            out.append(KeyDate("fee_due", due, f"{fee.label} due", item, fee.id))
    out.append(
        KeyDate(
            "expiry",
            r.expires_on,
            "expires" + ("" if r.deadline != r.expires_on else " (no late window: the last day)"),
        )
    )
    if r.deadline != r.expires_on:
        on_regular = r.next_step.path == rule.renewal.regular or r.status in ("active", "expiring")
        out.append(
            KeyDate(
                "deadline",
                r.deadline,
                "end of the late window: last day for the regular renewal"
                if on_regular
                else f"end of the late window: last day for {r.next_step.cost.path_label} at this price",
            )
        )
    step = r.next_step
    if step.by is not None and step.by >= as_of and step.by not in (r.expires_on, r.deadline):
        # a date the other key dates do not already give (a time limit after a lapse)
        out.append(KeyDate("next_step", step.by, f"last day: {step.cost.path_label}"))
    out.append(KeyDate("lapses", r.deadline + dt.timedelta(days=1), f"lapsed; the way back: {lapse.path_label}"))
    return sorted(out, key=lambda k: (k.date, KINDS.index(k.kind)))


def _options(rule: Rule, result: CredentialResult, as_of: dt.date, paid: Sequence[Payment] = ()) -> list[Option]:
    """The paths open now, from the engine's next step (never decided again here): the step's own
    path first; the regular path, closed when the step left it (in the late window, CE short at
    expiry); the other paths open to a current holder (CMA: the exam, any time). Fees in ``paid``
    are not due again."""
    r = result
    if r.status == "lapsed":
        return []
    step = r.next_step
    member = r.cost.member
    regular = rule.renewal.regular
    note = f"{r.points_needed:g} {r.unit} still needed by {step.by}" if step.action == "earn_ce" else None
    out = [Option(step.cost, True, note)]
    for pid, path in rule.paths.items():
        if pid == step.path or path.available == "lapsed":
            continue
        cost = path_cost(rule, pid, member, as_of, certified_on=r.certified_on, expires_on=r.expires_on, paid=paid)
        if pid == regular:
            out.append(
                Option(
                    cost,
                    False,
                    f"the counting window closed on {r.expires_on} with "
                    f"{r.points_needed:g} {r.unit} short; CE earned now does not count"
                    if r.points_needed
                    else "closed",
                )
            )
        else:
            out.append(Option(cost, True))
    return out


def plan_credential(rule: Rule, result: CredentialResult, as_of: dt.date, paid: Sequence[Payment] = ()) -> Plan:
    """The plan for one credential from the engine's result for it on ``as_of``; fees in ``paid``
    are not due again."""
    member = result.cost.member
    # Once lapsed, the way back is the engine's next step (a time limit may have moved it on).
    lapse = (
        result.cost
        if result.status == "lapsed"
        else path_cost(rule, rule.renewal.after_lapse, member, as_of, lapsed=True)
    )
    pace = _pace(rule, result, as_of)
    options = _options(rule, result, as_of, paid)
    feasible = [o for o in options if o.feasible]
    known = [o for o in feasible if o.cost.amount is not None]
    cheapest = min(known, key=lambda o: o.cost.amount) if known else None  # type: ignore[arg-type, return-value]
    notes = []
    unknown_paths = [o.cost.path_label for o in feasible if o.cost.amount is None]
    if unknown_paths and cheapest is not None:
        notes.append(
            f"{rule.body} does not publish the fee for: {'; '.join(unknown_paths)}; the cheapest may be one of these"
        )
    if result.status != "lapsed" and not options:
        notes.append("no path to stay certified is open")
    if result.status != "lapsed" and lapse.amount is None:
        missing = "; ".join(i.label for i in lapse.items if i.amount is None)
        notes.append(f"letting it lapse costs an unknown amount ({rule.body} does not publish: {missing})")
    if cheapest is not None and cheapest.cost.path == "ce" and result.points_needed:
        notes.append("the CE path's cost leaves out what the CE activities themselves cost")
    saving = None
    if (
        cheapest is not None
        and cheapest.cost.amount is not None
        and lapse.amount is not None
        and result.status != "lapsed"
    ):
        saving = round(lapse.amount - cheapest.cost.amount, 2)
    return Plan(
        rule=rule,
        result=result,
        as_of=as_of,
        key_dates=tuple(_key_dates(rule, result, pace, lapse, member, as_of, paid)),
        pace=pace,
        options=tuple(options),
        cheapest=cheapest,
        lapse=lapse,
        saving=saving,
        notes=tuple(notes),
    )


def plan_report(rules: Mapping[str, Rule], holder: CredentialFile, report: Report) -> HolderPlan:
    """A plan for every credential of ``report``, most urgent first (results.urgency_key)."""
    plans = [
        plan_credential(rules[cred.key], result, report.as_of, cred.paid)
        for cred, result in zip(holder.credentials, report.credentials, strict=True)
    ]
    plans.sort(key=lambda p: urgency_key(p.result))
    return HolderPlan(as_of=report.as_of, holder=report.holder, plans=tuple(plans), warnings=report.warnings)
