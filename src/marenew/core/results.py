"""What the engine decides, and its stable JSON form (documented in docs/reference.md, "JSON output").

Keys are only ever added, never renamed or removed, within a major version.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Literal

from marenew.core.confidence import Confidence, weakest
from marenew.core.record import Frozen

# submitted: the holder sent the renewal and the body may still be processing it.
Status = Literal["active", "submitted", "expiring", "grace", "lapsed"]
# The statuses a roster counts and filters by, least urgent first.
STATUSES: tuple[Status, ...] = ("active", "submitted", "expiring", "grace", "lapsed")
# Most urgent first: the order in which people need to act.
URGENCY = {"lapsed": 0, "grace": 1, "expiring": 2, "submitted": 3, "active": 4}


def shown_statuses(counts: Mapping[str, int]) -> tuple[Status, ...]:
    """The statuses a summary lists: every one, except `submitted` where nothing has it (a
    roster of exports never does: only a credential file records a renewal sent)."""
    return tuple(s for s in STATUSES if s != "submitted" or counts.get(s))


def urgency_key(result: CredentialResult) -> tuple[int, dt.date, str]:
    """The one order of "most urgent first" (plan and roster both sort by it): by status
    (URGENCY); within lapsed and grace the deadline that passed or passes first, within expiring
    and active the earliest expiry; then the cert id."""
    day = result.deadline if result.status in ("lapsed", "grace") else result.expires_on
    return URGENCY[result.status], day, result.cert


CURRENCY = "USD"

# Each result writes its own __init__ (see core.record.Frozen): fields are set past the frozen
# __setattr__, as a frozen dataclass does. The results made for every credential of a roster
# (CredentialResult, NextStep, Pace) set their whole instance dict at once, a third of the cost of
# a call per field; the attributes read the same.
_set = object.__setattr__


class _JsonForm:
    """The JSON form of a frozen result (its ``_json()``), built on first use and kept with it:
    the engine shares one requirement, fee or cost among the credentials that have it, and a
    roster asks each credential for it. Kept in the instance's own dict, which is found before
    this (non-data) descriptor, so each later use costs a plain attribute read. Never handed out
    as it is: each as_json copies it (callers may change what they get)."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, obj: object, owner: type | None = None) -> dict:
        form = obj._json()  # type: ignore[attr-defined]
        obj.__dict__[self.name] = form  # past the frozen __setattr__, as a field is set
        return form


def num(x: float | None) -> float | None:
    """Points and money in JSON: always a float (type-stable for typed readers), to the cent."""
    return None if x is None else float(round(x, 2))


@dataclass(init=False, repr=False, eq=False)
class RequirementResult(Frozen):
    """One CE requirement of a credential: what is required, what counted, what is short."""

    id: str
    label: str
    required: float | None
    counted: float
    short: float | None
    confidence: Confidence

    def __init__(
        self, id: str, label: str, required: float | None, counted: float, short: float | None, confidence: Confidence
    ) -> None:
        _set(self, "id", id)
        _set(self, "label", label)
        _set(self, "required", required)
        _set(self, "counted", counted)
        _set(self, "short", short)
        _set(self, "confidence", confidence)

    _json_form = _JsonForm()

    def as_json(self) -> dict:
        # Built once (frozen, so it cannot change: the engine shares a requirement's result among
        # the credentials that counted the same), and copied: callers may change what they get.
        return self._json_form.copy()

    def _json(self) -> dict:
        return {
            "id": self.id,
            "label": self.label,
            "required": num(self.required),
            "counted": num(self.counted),
            "short": num(self.short),
            "confidence": self.confidence,
        }


@dataclass(init=False, repr=False, eq=False)
class CreditResult(Frozen):
    """One credit as it counted (or did not) toward a credential, and why."""

    title: str
    date: dt.date
    points: float | None  # in the body's unit, after any conversion
    counted: float
    note: str | None
    # points given per content area on one certificate: (area as written, points, counted)
    parts: tuple[tuple[str, float, float], ...] = ()
    # in this credential's current cycle: for it, not used by an earlier renewal, dated inside the
    # counting window and not after the as-of day (a transcript lists these)
    in_cycle: bool = False
    approved: bool = False  # counted as approved by the rule's approving body (AAMA-approved)
    # what it counted toward each content area: (the rule's area key, or None for none; counted)
    areas: tuple[tuple[str | None, float], ...] = ()
    approved_by: tuple[str, ...] = ()  # as the file writes them
    category: str | None = None  # as the file writes it
    certificate: str | None = None  # the certificate's path as the file writes it
    # whether that file exists (None: no certificate named, or not looked for); the engine never
    # looks: the file system is read above the core
    certificate_found: bool | None = None

    def __init__(
        self,
        title: str,
        date: dt.date,
        points: float | None,
        counted: float,
        note: str | None,
        parts: tuple[tuple[str, float, float], ...] = (),
        in_cycle: bool = False,
        approved: bool = False,
        areas: tuple[tuple[str | None, float], ...] = (),
        approved_by: tuple[str, ...] = (),
        category: str | None = None,
        certificate: str | None = None,
        certificate_found: bool | None = None,
    ) -> None:
        _set(self, "title", title)
        _set(self, "date", date)
        _set(self, "points", points)
        _set(self, "counted", counted)
        _set(self, "note", note)
        _set(self, "parts", parts)
        _set(self, "in_cycle", in_cycle)
        _set(self, "approved", approved)
        _set(self, "areas", areas)
        _set(self, "approved_by", approved_by)
        _set(self, "category", category)
        _set(self, "certificate", certificate)
        _set(self, "certificate_found", certificate_found)

    def as_json(self) -> dict:
        return {
            "title": self.title,
            "date": self.date.isoformat(),
            "points": num(self.points),
            "counted": num(self.counted),
            "note": self.note,
            "parts": {area: {"points": num(p), "counted": num(c)} for area, p, c in self.parts} or None,
            "certificate": self.certificate,
            "certificate_found": self.certificate_found,
        }


@dataclass(init=False, repr=False, eq=False)
class FeeConflict(Frozen):
    """Another amount a source publishes for a fee: shown beside the amount used, never used."""

    amount: float
    source: str  # the source's title
    article: bool = False  # the source is an article known by its title ("an article says $75")
    note: str | None = None

    def __init__(self, amount: float, source: str, article: bool = False, note: str | None = None) -> None:
        _set(self, "amount", amount)
        _set(self, "source", source)
        _set(self, "article", article)
        _set(self, "note", note)

    def as_json(self) -> dict:
        return {"amount": num(self.amount), "source": self.source}


@dataclass(init=False, repr=False, eq=False)
class FeeItem(Frozen):
    """One fee of a cost: its label, amount, confidence and source."""

    label: str
    amount: float | None  # None: not published
    confidence: Confidence
    source: str | None = None
    by_membership: bool = True  # False when members and non-members pay the same
    source_title: str | None = None
    conflicts: tuple[FeeConflict, ...] = ()
    article: bool = False  # the amount's own source is an article known by its title

    def __init__(
        self,
        label: str,
        amount: float | None,
        confidence: Confidence,
        source: str | None = None,
        by_membership: bool = True,
        source_title: str | None = None,
        conflicts: tuple[FeeConflict, ...] = (),
        article: bool = False,
    ) -> None:
        _set(self, "label", label)
        _set(self, "amount", amount)
        _set(self, "confidence", confidence)
        _set(self, "source", source)
        _set(self, "by_membership", by_membership)
        _set(self, "source_title", source_title)
        _set(self, "conflicts", conflicts)
        _set(self, "article", article)

    _json_form = _JsonForm()

    def as_json(self) -> dict:
        # new dicts and lists each time (callers may change what they are given), copied from
        # the form built once: the engine shares one item among every cost that has it
        built = self._json_form
        out = built.copy()
        conflicts = built["conflicts"]
        out["conflicts"] = [c.copy() for c in conflicts] if conflicts else []
        return out

    def _json(self) -> dict:
        return {
            "label": self.label,
            "amount": num(self.amount),
            "confidence": self.confidence,
            "conflicts": [c.as_json() for c in self.conflicts],
        }


@dataclass(init=False, repr=False, eq=False)
class CapResult(Frozen):
    """A cap on points (those not approved): its maximum, what was entered, what counted."""

    id: str
    label: str
    maximum: float
    entered: float
    counted: float

    def __init__(self, id: str, label: str, maximum: float, entered: float, counted: float) -> None:
        _set(self, "id", id)
        _set(self, "label", label)
        _set(self, "maximum", maximum)
        _set(self, "entered", entered)
        _set(self, "counted", counted)

    def as_json(self) -> dict:
        return {
            "id": self.id,
            "label": self.label,
            "maximum": num(self.maximum),
            "entered": num(self.entered),
            "counted": num(self.counted),
        }


@dataclass(init=False, repr=False, eq=False)
class RecurringLine(Frozen):
    """A fee due between renewals (AMT's annual fee), as a price list shows it."""

    label: str
    amount: float | None
    every_months: int | None
    confidence: Confidence
    conflicts: tuple[FeeConflict, ...] = ()
    source_title: str | None = None
    article: bool = False

    def __init__(
        self,
        label: str,
        amount: float | None,
        every_months: int | None,
        confidence: Confidence,
        conflicts: tuple[FeeConflict, ...] = (),
        source_title: str | None = None,
        article: bool = False,
    ) -> None:
        _set(self, "label", label)
        _set(self, "amount", amount)
        _set(self, "every_months", every_months)
        _set(self, "confidence", confidence)
        _set(self, "conflicts", conflicts)
        _set(self, "source_title", source_title)
        _set(self, "article", article)

    def as_json(self) -> dict:
        return {
            "label": self.label,
            "amount": num(self.amount),
            "every_months": self.every_months,
            "confidence": self.confidence,
            "conflicts": [c.as_json() for c in self.conflicts],
        }


@dataclass(init=False, repr=False, eq=False)
class Cost(Frozen):
    """What a way to renew costs now: the path and its fees."""

    path: str
    path_label: str
    member: bool
    items: tuple[FeeItem, ...]
    currency: str = CURRENCY

    def __init__(
        self, path: str, path_label: str, member: bool, items: tuple[FeeItem, ...], currency: str = CURRENCY
    ) -> None:
        _set(self, "path", path)
        _set(self, "path_label", path_label)
        _set(self, "member", member)
        _set(self, "items", items)
        _set(self, "currency", currency)

    # Worked out once per cost (frozen, so they cannot change): a roster asks each of them
    # several times per credential, and shares one cost among the credentials that have it.
    @cached_property
    def complete(self) -> bool:
        return all(i.amount is not None for i in self.items)

    @cached_property
    def by_membership(self) -> bool:
        """Whether membership of the body changes this cost at all."""
        return any(i.by_membership for i in self.items)

    @cached_property
    def amount(self) -> float | None:
        """The total, or None when any item is not published: unknown is not zero."""
        if not self.complete:
            return None
        return sum(i.amount for i in self.items)  # type: ignore[misc]

    @cached_property
    def known_amount(self) -> float:
        return sum(i.amount for i in self.items if i.amount is not None)

    @cached_property
    def confidence(self) -> Confidence | None:
        """How sure the fees are together: as sure as the least sure of them (None: no fee, as
        when the renewal was paid with the application)."""
        return weakest(*(i.confidence for i in self.items)) if self.items else None

    _json_form = _JsonForm()

    def as_json(self) -> dict:
        # built once (the engine shares one cost among the credentials that have it), new dicts
        # each time
        out = self._json_form.copy()
        out["items"] = [i.as_json() for i in self.items]
        return out

    def _json(self) -> dict:
        return {
            "path": self.path,
            "label": self.path_label,
            "member": self.member,
            "amount": num(self.amount),
            "complete": self.complete,
            "currency": self.currency,
            "items": None,
        }


# What a holder does next. earn_ce: earn the CE still needed, then apply; apply_ce: the CE is
# complete, apply; apply_exam: recertify by exam; reinstate: apply for reinstatement; take_course:
# take the course again (a course card); renew: apply and pay (no CE asked); wait: a renewal was
# sent and the body may still be processing it; contact_body: marenew
# cannot say (a requirement is not published), ask the body; none: nothing to do.
Action = Literal[
    "earn_ce", "apply_ce", "apply_exam", "reinstate", "take_course", "renew", "wait", "contact_body", "none"
]


@dataclass(init=False, repr=False, eq=False)
class NextStep(Frozen):
    """The one decision every output renders: what to do, by when, on which path, at what cost."""

    action: Action
    by: dt.date | None  # None: no date (the body publishes no limit)
    cost: Cost
    summary: str  # one plain sentence for a person
    last_resort: dt.date | None = None  # ready before expiry: the body still accepts it until then
    renewal_page: str | None = None

    def __init__(
        self,
        action: Action,
        by: dt.date | None,
        cost: Cost,
        summary: str,
        last_resort: dt.date | None = None,
        renewal_page: str | None = None,
    ) -> None:
        _set(
            self,
            "__dict__",
            {
                "action": action,
                "by": by,
                "cost": cost,
                "summary": summary,
                "last_resort": last_resort,
                "renewal_page": renewal_page,
            },
        )

    @property
    def path(self) -> str:
        return self.cost.path

    def as_json(self) -> dict:
        return {
            "action": self.action,
            "by": self.by.isoformat() if self.by else None,
            "last_resort": self.last_resort.isoformat() if self.last_resort else None,
            "path": self.path,
            "cost": self.cost.as_json(),
            "summary": self.summary,
            "renewal_page": self.renewal_page,
        }


@dataclass(init=False, repr=False, eq=False)
class Pace(Frozen):
    """Whether the CE still needed can be earned at the cycle's own pace (total over its months).

    ``on_pace`` is None where pace means nothing: no CE asked, a requirement not published, or the
    counting window closed at expiry. ``start_by`` is the latest day to start at the sustainable
    pace; behind pace once it has passed."""

    on_pace: bool | None = None
    needed_per_month: float | None = None
    sustainable_per_month: float | None = None
    start_by: dt.date | None = None
    months_left: float = 0.0

    def __init__(
        self,
        on_pace: bool | None = None,
        needed_per_month: float | None = None,
        sustainable_per_month: float | None = None,
        start_by: dt.date | None = None,
        months_left: float = 0.0,
    ) -> None:
        _set(
            self,
            "__dict__",
            {
                "on_pace": on_pace,
                "needed_per_month": needed_per_month,
                "sustainable_per_month": sustainable_per_month,
                "start_by": start_by,
                "months_left": months_left,
            },
        )

    @property
    def behind(self) -> bool:
        return self.on_pace is False

    def as_json(self) -> dict:
        return {
            "on_pace": self.on_pace,
            "needed_per_month": num(self.needed_per_month),
            "sustainable_per_month": num(self.sustainable_per_month),
            "start_by": self.start_by.isoformat() if self.start_by else None,
        }


@dataclass(init=False, repr=False, eq=False)
class Unmatched(Frozen):
    """A value in a credit that matches nothing the rule knows (a typo, most likely)."""

    title: str  # the credit's title
    field: Literal["approved_by", "category"]
    value: str
    nearest: str | None
    message: str

    def __init__(
        self, title: str, field: Literal["approved_by", "category"], value: str, nearest: str | None, message: str
    ) -> None:
        _set(self, "title", title)
        _set(self, "field", field)
        _set(self, "value", value)
        _set(self, "nearest", nearest)
        _set(self, "message", message)

    def as_json(self) -> dict:
        return {
            "credit": self.title,
            "field": self.field,
            "value": self.value,
            "nearest": self.nearest,
            "message": self.message,
        }


@dataclass(init=False, repr=False, eq=False)
class CredentialResult(Frozen):
    """Everything decided about one credential: dates, status, CE, cost, the next step."""

    cert: str
    body: str
    name: str
    status: Status
    certified_on: dt.date
    expires_on: dt.date
    expires_on_from: Literal["card", "rule"]
    deadline: dt.date
    days_left: int
    window_start: dt.date
    window_end: dt.date
    ready: bool | None
    points_needed: float | None
    unit: str | None
    requirements: tuple[RequirementResult, ...]
    credits: tuple[CreditResult, ...]
    confidence: Confidence
    next_step: NextStep
    pace: Pace
    may_use_credential: bool | None
    caps: tuple[CapResult, ...] = ()
    warnings: tuple[str, ...] = ()
    unmatched: tuple[Unmatched, ...] = ()
    number: str | None = None

    def __init__(
        self,
        cert: str,
        body: str,
        name: str,
        status: Status,
        certified_on: dt.date,
        expires_on: dt.date,
        expires_on_from: Literal["card", "rule"],
        deadline: dt.date,
        days_left: int,
        window_start: dt.date,
        window_end: dt.date,
        ready: bool | None,
        points_needed: float | None,
        unit: str | None,
        requirements: tuple[RequirementResult, ...],
        credits: tuple[CreditResult, ...],
        confidence: Confidence,
        next_step: NextStep,
        pace: Pace,
        may_use_credential: bool | None,
        caps: tuple[CapResult, ...] = (),
        warnings: tuple[str, ...] = (),
        unmatched: tuple[Unmatched, ...] = (),
        number: str | None = None,
    ) -> None:
        _set(
            self,
            "__dict__",
            {
                "cert": cert,
                "body": body,
                "name": name,
                "status": status,
                "certified_on": certified_on,
                "expires_on": expires_on,
                "expires_on_from": expires_on_from,
                "deadline": deadline,
                "days_left": days_left,
                "window_start": window_start,
                "window_end": window_end,
                "ready": ready,
                "points_needed": points_needed,
                "unit": unit,
                "requirements": requirements,
                "credits": credits,
                "confidence": confidence,
                "next_step": next_step,
                "pace": pace,
                "may_use_credential": may_use_credential,
                "caps": caps,
                "warnings": warnings,
                "unmatched": unmatched,
                "number": number,
            },
        )

    @property
    def cost(self) -> Cost:
        """What the next step costs: one figure for every output."""
        return self.next_step.cost

    @property
    def behind_pace(self) -> bool:
        return self.pace.behind

    @property
    def needs_action(self) -> bool:
        return self.status not in ("active", "submitted")

    def headline_figures(self) -> dict:
        """The plain fields of ``headline_json`` (no cost, requirements, next step, pace or
        unmatched values): a roster row made for its CSV record takes these alone."""
        return {
            "cert": self.cert,
            "status": self.status,
            "expires_on": self.expires_on.isoformat(),
            "deadline": self.deadline.isoformat(),
            "days_left": self.days_left,
            "ready": self.ready,
            "points_needed": num(self.points_needed),
            "unit": self.unit,
            "may_use_credential": self.may_use_credential,
        }

    def headline_json(self) -> dict:
        """The fields of ``as_json`` that a roster row repeats, made by the same code (as_json
        takes them from here): cert, status, dates, CE, cost, requirements, next step, pace."""
        head = self.headline_figures()
        head["cost"] = self.next_step.cost.as_json()
        head["requirements"] = [r.as_json() for r in self.requirements]
        head["next_step"] = self.next_step.as_json()
        head["pace"] = self.pace.as_json()
        head["unmatched"] = [u.as_json() for u in self.unmatched] if self.unmatched else []
        return head

    def as_json(self) -> dict:
        head = self.headline_json()
        return {
            "cert": head["cert"],
            "body": self.body,
            "name": self.name,
            "number": self.number,
            "status": head["status"],
            "certified_on": self.certified_on.isoformat(),
            "expires_on": head["expires_on"],
            "expires_on_from": self.expires_on_from,
            "days_left": head["days_left"],
            "deadline": head["deadline"],
            "window": {"start": self.window_start.isoformat(), "end": self.window_end.isoformat()},
            "ready": head["ready"],
            "points_needed": head["points_needed"],
            "unit": head["unit"],
            "requirements": head["requirements"],
            "caps": [c.as_json() for c in self.caps],
            "credits": [c.as_json() for c in self.credits],
            "cost": head["cost"],
            "next_step": head["next_step"],
            "pace": head["pace"],
            "may_use_credential": head["may_use_credential"],
            "confidence": self.confidence,
            "warnings": list(self.warnings),
            "unmatched": head["unmatched"],
        }


@dataclass(init=False, repr=False, eq=False)
class Report(Frozen):
    """The results for one holder's file, as of a day."""

    as_of: dt.date
    holder: str
    credentials: tuple[CredentialResult, ...]
    warnings: tuple[str, ...] = ()

    def __init__(
        self, as_of: dt.date, holder: str, credentials: tuple[CredentialResult, ...], warnings: tuple[str, ...] = ()
    ) -> None:
        _set(self, "as_of", as_of)
        _set(self, "holder", holder)
        _set(self, "credentials", credentials)
        _set(self, "warnings", warnings)

    @property
    def needs_action(self) -> bool:
        return any(c.needs_action for c in self.credentials)

    @property
    def behind_pace(self) -> bool:
        return any(c.behind_pace for c in self.credentials)

    @property
    def unmatched(self) -> int:
        return sum(len(c.unmatched) for c in self.credentials)

    def cost_total(self) -> tuple[float, bool]:
        """What the holder pays now for every credential, and whether every fee in it is known."""
        return (sum(c.cost.known_amount for c in self.credentials), all(c.cost.complete for c in self.credentials))

    def as_json(self) -> dict:
        return {
            "as_of": self.as_of.isoformat(),
            "holder": self.holder,
            "credentials": [c.as_json() for c in self.credentials],
            "warnings": list(self.warnings),
        }
