"""A plan as iCalendar events: one event per key date, with alarms and a stable UID."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from typing import TYPE_CHECKING

from marenew.core.words import plural
from marenew.report.plantext import pace_text, shortfall_text
from marenew.report.safe import without_controls

if TYPE_CHECKING:
    from marenew.core.plan import HolderPlan, KeyDate, Plan

DEFAULT_ALARMS = (90, 60, 30, 7)
# Key dates that become calendar events (the cycle start and the lapse day are in the plan only).
CALENDAR_KINDS = ("start_renewal", "fee_due", "next_step", "expiry", "deadline")
# SEQUENCE counts days from here to the as-of date, so a newer export outranks an older one in
# calendars that compare sequence numbers.
SEQUENCE_EPOCH = dt.date(2000, 1, 1)


def event_uid(holder: str, cert: str, key: KeyDate) -> str:
    """Stable across exports: from the holder, the certification and the kind of date (and, for a
    fee, which fee and which due date, since a cycle has several). Hashed, so that the holder's
    name is not written in clear."""
    parts = [holder.strip(), cert.upper(), key.kind]
    if key.kind == "fee_due":
        parts += [key.ref or "", key.date.isoformat()]
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:32]
    return f"{digest}@marenew"


def _summary(plan: Plan, key: KeyDate) -> str:
    from marenew.core.words import money, points

    r = plan.result
    who = f"{r.cert} ({r.body})"
    if key.kind == "expiry":
        return f"{who} expires" + ("" if plan.has_late_window else ": last day to renew")
    if key.kind == "deadline":
        return f"{who}: last day of the late window"
    if key.kind == "fee_due":
        amount = money(key.fee.amount) if key.fee else "unknown"
        return f"{who}: {key.label} ({amount})"
    if key.kind == "next_step":
        return f"{who}: {key.label}"
    needed = f" ({points(r.points_needed)} {r.unit} to go)" if r.points_needed else ""
    return f"{who}: start the renewal CE{needed}"


def _description(plan: Plan, key: KeyDate) -> str:
    """What the day is, then the engine's next step as of the export (the same sentence as
    `status` prints); nothing here decides a path or a price again."""
    from marenew.core.words import next_step_text, pace_line, use_line
    from marenew.core.words import with_confidence as sure

    r, pace = plan.result, plan.pace
    lines: list[str] = []
    if key.kind == "expiry":
        lines.append(f"{r.name} ({r.cert}, {r.body}) expires on {r.expires_on}.")
        if pace is not None and r.days_left >= 0:
            lines.append(f"CE: {shortfall_text(plan)}.")
        if plan.has_late_window:
            lines.append(
                f"Late window: {r.body} still accepts the regular renewal until {r.deadline} from a holder "
                "whose CE was complete at expiry; CE earned after expiry does not count."
            )
        else:
            lines.append("No late window: this is the last day.")
    elif key.kind == "deadline":
        lines.append(f"Last day of the late window for {r.cert} ({r.body}).")
    elif key.kind == "fee_due":
        fee = key.fee
        amount = sure(fee.amount, fee.confidence) if fee else "unknown"
        lines.append(f"{key.label} for {r.cert} ({r.body}): {amount}.")
    elif key.kind == "start_renewal" and pace is not None:
        lines.append(f"Start the CE for {r.cert} ({r.body}): {shortfall_text(plan)}.")
        if pace.sustainable_per_month:
            lines.append(
                f"At the sustainable pace of {pace.sustainable_per_month:.2f} {r.unit}/month, this is the "
                "latest day to start" + (" and it has passed: start now." if pace.behind else ".")
            )
        lines.append(f"Pace from {plan.as_of}: {pace_text(pace)}.")
    if key.kind != "fee_due":
        lines.append(f"{next_step_text(r)} (as of {plan.as_of})")
        behind = pace_line(r)
        if behind and key.kind != "start_renewal":
            lines.append(f"{behind}.")
        forbidden = use_line(r)
        if forbidden:
            lines.append(f"{forbidden}.")
    page = plan.renewal_page
    lines.append(
        f"Renewal page: {page}" if page else f"Renewal page: none on file; see {plan.rule.body_name} ({r.body})."
    )
    lines.append(f"From marenew, as of {plan.as_of}. Figures marked unconfirmed or unknown need checking.")
    return "\n".join(line for line in lines if line)


def is_uri(text: str) -> bool:
    return not any(ch.isspace() or not ch.isprintable() for ch in text)


def build_calendar(hp: HolderPlan, alarms: Sequence[int] = DEFAULT_ALARMS) -> bytes:
    """An RFC 5545 calendar: an all-day event per key date, each with DISPLAY alarms ``alarms``
    days before. Deterministic: DTSTAMP is the as-of date at midnight UTC, UIDs are hashes."""
    from icalendar import Alarm, Calendar, Event

    cal = Calendar()
    cal.add("prodid", "-//marenew//certification renewals//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", "Certification renewals (marenew)")
    stamp = dt.datetime.combine(hp.as_of, dt.time(0), tzinfo=dt.UTC)
    sequence = max(0, (hp.as_of - SEQUENCE_EPOCH).days)
    days_before = sorted(set(alarms), reverse=True)
    for plan in hp.plans:
        for key in plan.key_dates:
            if key.kind not in CALENDAR_KINDS:
                continue
            summary = without_controls(_summary(plan, key))
            event = Event()
            event.add("uid", event_uid(hp.holder, plan.result.cert, key))
            event.add("dtstamp", stamp)
            event.add("sequence", sequence)
            event.add("dtstart", key.date)
            event.add("dtend", key.date + dt.timedelta(days=1))
            event.add("transp", "TRANSPARENT")  # a reminder, not a busy day
            event.add("summary", summary)
            event.add("description", without_controls(_description(plan, key)))
            if plan.renewal_page and is_uri(plan.renewal_page):  # a CR/LF would start a new property
                event.add("url", plan.renewal_page)
            for days in days_before:
                alarm = Alarm()
                alarm.add("action", "DISPLAY")
                when = "today" if days == 0 else f"in {plural(days, 'day')}"
                alarm.add("description", f"{summary} ({when}, {key.date})")
                alarm.add("trigger", dt.timedelta(days=-days))
                event.add_component(alarm)
            cal.add_component(event)
    return cal.to_ical()
