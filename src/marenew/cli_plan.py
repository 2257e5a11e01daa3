"""`marenew plan` (dates, pace, cheapest path, a terminal timeline) and `marenew calendar` (iCalendar).

The plan itself is built by the pure ``planning`` module from the engine's results; this module
only draws it and writes it out. Heavy imports (rich, icalendar, the engine) stay inside functions.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from .cli_common import AsOfOpt, JsonOpt, MemberOpt, RulesOpt, WarnDaysOpt, as_of_date, console, guarded, write_json
from .exitcodes import ExitCode

if TYPE_CHECKING:
    from rich.console import Console

    from .planning import HolderPlan, KeyDate, Pace, Plan

FileArg = Annotated[Path, typer.Argument(metavar="FILE", help="Your credential file (YAML).", show_default=False)]

DEFAULT_ALARMS = (90, 60, 30, 7)
# Key dates that become calendar events (the cycle start and the lapse day are in the plan only).
CALENDAR_KINDS = ("start_renewal", "fee_due", "expiry", "deadline")
# Timeline marks, most important first: when two land on one cell, the first wins.
MARKS = {"today": "T", "expiry": "E", "deadline": "D", "start_renewal": "S", "fee_due": "$"}
# SEQUENCE counts days from here to the as-of date, so a newer export outranks an older one in
# calendars that compare sequence numbers.
SEQUENCE_EPOCH = dt.date(2000, 1, 1)


def _holder_plan(file: Path, rules, as_of: dt.date, member, warn_days: int = 90) -> "HolderPlan":
    from .cli import judge_file
    from .planning import plan_report

    ruleset, holder, report = judge_file(file, rules, as_of, member=member, warn_days=warn_days)
    return plan_report(ruleset.rules, holder, report)


# --- words ------------------------------------------------------------------------------------


def pace_text(pace: "Pace") -> str:
    """"7.5 points/month until 2026-03-31, of which at least 2.5 AAMA-approved"."""
    from .render import points

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


def shortfall_text(plan: "Plan") -> str | None:
    """"20 points still needed (at least 20 AAMA-approved and 10 administrative)"; None without CE."""
    from .render import points

    r, pace = plan.result, plan.pace
    if pace is None:
        return None
    if r.points_needed is None:
        return "CE still needed: unknown (a requirement is not published)"
    if r.points_needed <= 0:
        counted = f" ({points(plan.progress.counted)} {r.unit} counted)" if plan.progress else ""
        return f"the requirements are met{counted}"
    text = f"{points(r.points_needed)} {r.unit} still needed by {r.expires_on}"
    if pace.parts:
        parts = [f"{points(p.short)} {p.label if p.id == 'approved' else p.label.lower()}" for p in pace.parts]
        text += " (at least " + (", ".join(parts[:-1]) + " and " + parts[-1] if len(parts) > 1 else parts[0]) + ")"
    return text


def comparison_text(plan: "Plan") -> str:
    """Staying certified against letting it lapse, with the unknowns said out loud."""
    from .render import money

    r = plan.result
    if r.status == "lapsed":
        return f"Lapsed: the way back is {plan.lapse.path_label} ({_amount(plan.lapse)})."
    if plan.cheapest is None:
        return "Cannot say what staying certified costs: no fee for an open path is published."
    if plan.saving is None:
        return (f"Staying certified costs {money(plan.cheapest.cost.amount)}; what letting it lapse costs "
                "is not known, so there is no comparison.")
    if plan.saving > 0:
        return f"Renewing now saves {money(plan.saving)} over letting it lapse."
    if plan.saving == 0:
        return "Renewing now costs the same as letting it lapse, and you stay certified."
    return (f"Letting it lapse costs {money(-plan.saving)} less, but the credential cannot be used while "
            "lapsed.")


def _amount(cost) -> str:
    from .render import money

    if cost.complete:
        return money(cost.amount)
    return (f"unknown: at least {money(cost.known_amount)}" if cost.known_amount else "unknown")


# --- the terminal timeline --------------------------------------------------------------------


def timeline(plan: "Plan", width: int):
    """A bar from cycle start to the end of the late window (or to today, once past it): elapsed
    time heavy, the late window dotted, with T today, E expiry, D deadline, S start renewal and $
    fee dates marked below; under it, the part of the CE requirement already met."""
    from rich.text import Text

    from .render import points

    r = plan.result
    start = r.certified_on
    end = max(r.deadline, plan.as_of)
    span = max((end - start).days, 1)
    width = max(20, width)

    def cell(day: dt.date) -> int:
        return round(min(max((day - start).days, 0), span) / span * (width - 1))

    today, expiry = cell(plan.as_of), cell(r.expires_on)
    bar = Text()
    for i in range(width):
        if i <= today:
            bar.append("━", style="bold cyan")
        elif i <= expiry:
            bar.append("─")
        else:
            bar.append("┄", style="yellow")
    marks = [" "] * width
    found = [("today", plan.as_of)] + [(k.kind, k.date) for k in plan.key_dates if k.kind in MARKS]
    for kind in MARKS:  # most important first; a mark never overwrites a more important one
        for k, day in found:
            if k == kind and start <= day <= end and marks[cell(day)] == " ":
                marks[cell(day)] = MARKS[kind]
    ends = f"{start}{' ' * max(1, width - 20)}{end}"
    lines = [Text(ends), bar, Text("".join(marks).rstrip(), style="bold")]
    progress = plan.progress
    if progress is not None and progress.required:
        share = min(progress.counted, progress.required) / progress.required
        filled = round(share * width)
        met = Text()
        met.append("█" * filled, style="green")
        met.append("░" * (width - filled))
        lines.append(met)
        lines.append(Text(f"CE met: {points(progress.counted)} of {points(progress.required)} {r.unit} "
                          f"({round(share * 100)}%)"))
    drawn = set(marks)  # the legend names only the marks on the bar
    legend = [word for mark, word in (("T", "T today"), ("E", "E expiry"), ("D", "D end of late window"),
                                      ("S", "S start renewal"), ("$", "$ fee due")) if mark in drawn]
    lines.append(Text("  ".join(legend), style="dim"))
    return lines


def plan_panel(plan: "Plan", width: int):
    from rich.console import Group
    from rich.panel import Panel
    from rich.table import Table
    from rich.text import Text

    from .render import STATUS_STYLE, STATUS_WORD, cost_text, days_text, sure

    r = plan.result
    head = Text()
    head.append(f" {STATUS_WORD[r.status]} ", style=f"reverse {STATUS_STYLE[r.status]}")
    head.append(f"  {days_text(r.days_left)}")
    grid = Table.grid(padding=(0, 2))
    grid.add_column(no_wrap=True)
    grid.add_column()
    for k in plan.key_dates:
        when = "today" if k.date == plan.as_of else ("passed" if k.date < plan.as_of else "")
        what = k.label
        if k.fee is not None:
            what += f": {sure(k.fee.amount, k.fee.confidence)}"
        grid.add_row(str(k.date), what + (f" ({when})" if when else ""))
    facts = Table.grid(padding=(0, 2))
    facts.add_column(no_wrap=True)
    facts.add_column(overflow="fold")  # an address is folded, never cut short
    if plan.pace is not None:
        shortfall = shortfall_text(plan)
        if shortfall:
            facts.add_row("CE", shortfall)
        facts.add_row("Pace", pace_text(plan.pace))
        if plan.pace.sustainable_per_month and plan.pace.start_by and not plan.pace.closed:
            facts.add_row("Start by", f"{plan.pace.start_by} at the sustainable "
                                      f"{plan.pace.sustainable_per_month:.2f} {r.unit}/month"
                                      + (" (passed: start now)" if plan.pace.behind else ""))
    for option in plan.options:
        if option is plan.cheapest and len(plan.options) > 1:
            label = "Stay (cheapest)"
        elif not option.feasible:
            label = "Stay (closed)"
        else:
            label = "Stay (or)" if len(plan.options) > 1 else "Stay"
        facts.add_row(label, cost_text(option.cost) + (f"; {option.note}" if option.note else ""))
    facts.add_row("Let it lapse", cost_text(plan.lapse))
    facts.add_row("", comparison_text(plan))
    for note in plan.notes:
        facts.add_row("Note", note)
    if plan.renewal_page:
        facts.add_row("Renewal page", plan.renewal_page)
    for warning in r.warnings:
        facts.add_row(Text("Warning", style="yellow"), warning)
    parts = [head, Text(""), *timeline(plan, width), Text(""), Text("Key dates", style="bold"), grid, Text(""),
             facts]
    title = Text(f"{r.cert} ({r.body}) · {r.name}", style="bold")
    return Panel(Group(*parts), title=title, title_align="left", border_style=STATUS_STYLE[r.status].split()[-1])


def render_plan(out: "Console", hp: "HolderPlan") -> None:
    n = len(hp.plans)
    out.print(f"{hp.holder}: {n} credential{'s' if n != 1 else ''}, most urgent first, as of {hp.as_of}")
    # Panel border and padding take 4 columns; a very wide terminal gets a bar of at most 100.
    width = max(20, min(out.width - 4, 100))
    for plan in hp.plans:
        out.print(plan_panel(plan, width))


# --- the calendar -----------------------------------------------------------------------------


def event_uid(holder: str, cert: str, key: "KeyDate") -> str:
    """Stable across exports: from the holder, the certification and the kind of date (and, for a
    fee, which fee and which due date, since a cycle has several). Hashed, so that the holder's
    name is not written in clear."""
    parts = [holder.strip(), cert.upper(), key.kind]
    if key.kind == "fee_due":
        parts += [key.ref or "", key.date.isoformat()]
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:32]
    return f"{digest}@marenew"


def _summary(plan: "Plan", key: "KeyDate") -> str:
    from .render import money, points

    r = plan.result
    who = f"{r.cert} ({r.body})"
    if key.kind == "expiry":
        return f"{who} expires" + ("" if plan.has_late_window else ": last day to renew")
    if key.kind == "deadline":
        return f"{who}: last day of the late window"
    if key.kind == "fee_due":
        amount = money(key.fee.amount) if key.fee else "unknown"
        return f"{who}: {key.label} ({amount})"
    needed = f" ({points(r.points_needed)} {r.unit} to go)" if r.points_needed else ""
    return f"{who}: start the renewal CE{needed}"


def _description(plan: "Plan", key: "KeyDate") -> str:
    from .render import cost_text, sure

    r, pace = plan.result, plan.pace
    lines: list[str] = []
    renew = plan.cheapest.cost if plan.cheapest else r.cost
    if key.kind == "expiry":
        lines.append(f"{r.name} ({r.cert}, {r.body}) expires on {r.expires_on}.")
        if pace is not None:
            lines.append(f"CE: {shortfall_text(plan)}.")
            if r.points_needed:
                lines.append(f"Pace: {pace_text(pace)}.")
        lines.append(f"Renew by: {cost_text(renew)}.")
        if plan.has_late_window:
            lines.append(f"Late window: the regular renewal is still accepted until {r.deadline}.")
        else:
            lines.append(f"No late window: after this day, {cost_text(plan.lapse)}.")
    elif key.kind == "deadline":
        lines.append(f"Last day of the late window for {r.cert} ({r.body}): the regular renewal is still "
                     "accepted today.")
        regular = next((o.cost for o in plan.options if o.cost.path == plan.rule.renewal.regular), renew)
        lines.append(f"Renew by: {cost_text(regular)}.")
        if pace is not None and r.points_needed:
            lines.append(f"As of {plan.as_of}: {shortfall_text(plan)}; CE earned after expiry does not count.")
            for other in plan.options:
                if other.cost.path != plan.rule.renewal.regular:
                    lines.append(f"Without that CE: {cost_text(other.cost)}.")
        lines.append(f"After today: {cost_text(plan.lapse)}.")
    elif key.kind == "fee_due":
        fee = key.fee
        amount = sure(fee.amount, fee.confidence) if fee else "unknown"
        lines.append(f"{key.label} for {r.cert} ({r.body}): {amount}.")
    elif key.kind == "start_renewal" and pace is not None:
        lines.append(f"Start the CE for {r.cert} ({r.body}): {shortfall_text(plan)}.")
        if pace.sustainable_per_month:
            lines.append(f"At the sustainable pace of {pace.sustainable_per_month:.2f} {r.unit}/month, this is the "
                         "latest day to start" + (" and it has passed: start now." if pace.behind else "."))
        lines.append(f"Pace from {plan.as_of}: {pace_text(pace)}.")
        lines.append(f"Renew by: {cost_text(renew)}.")
    page = plan.renewal_page
    lines.append(f"Renewal page: {page}" if page else
                 f"Renewal page: none on file; see {plan.rule.body_name} ({r.body}).")
    lines.append(f"From marenew, as of {plan.as_of}. Figures marked unconfirmed or unknown need checking.")
    return "\n".join(line for line in lines if line)


def build_calendar(hp: "HolderPlan", alarms: Sequence[int] = DEFAULT_ALARMS) -> bytes:
    """An RFC 5545 calendar: an all-day event per key date, each with DISPLAY alarms ``alarms``
    days before. Deterministic: DTSTAMP is the as-of date at midnight UTC, UIDs are hashes."""
    from icalendar import Alarm, Calendar, Event

    cal = Calendar()
    cal.add("prodid", "-//marenew//certification renewals//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", "Certification renewals (marenew)")
    stamp = dt.datetime.combine(hp.as_of, dt.time(0), tzinfo=dt.timezone.utc)
    sequence = max(0, (hp.as_of - SEQUENCE_EPOCH).days)
    days_before = sorted(set(alarms), reverse=True)
    for plan in hp.plans:
        for key in plan.key_dates:
            if key.kind not in CALENDAR_KINDS:
                continue
            summary = _summary(plan, key)
            event = Event()
            event.add("uid", event_uid(hp.holder, plan.result.cert, key))
            event.add("dtstamp", stamp)
            event.add("sequence", sequence)
            event.add("dtstart", key.date)
            event.add("dtend", key.date + dt.timedelta(days=1))
            event.add("transp", "TRANSPARENT")  # a reminder, not a busy day
            event.add("summary", summary)
            event.add("description", _description(plan, key))
            if plan.renewal_page:
                event.add("url", plan.renewal_page)
            for days in days_before:
                alarm = Alarm()
                alarm.add("action", "DISPLAY")
                when = "today" if days == 0 else f"in {days} day{'s' if days != 1 else ''}"
                alarm.add("description", f"{summary} ({when}, {key.date})")
                alarm.add("trigger", dt.timedelta(days=-days))
                event.add_component(alarm)
            cal.add_component(event)
    return cal.to_ical()


# --- commands ---------------------------------------------------------------------------------


def plan(
    file: FileArg,
    as_of: AsOfOpt = None,
    json: JsonOpt = False,
    member: MemberOpt = None,
    warn_days: WarnDaysOpt = 90,
    rules: RulesOpt = None,
) -> None:
    """A plan for each certification in FILE, most urgent first: key dates, the CE pace, the
    cheapest way to stay certified compared with letting it lapse, and a timeline.

    Exit 0 when every credential is active; 1 when any is expiring, in grace or lapsed;
    2 for usage errors and bad input (as `marenew status`).

    Example: marenew plan examples/cma-short.yaml --as-of 2026-11-29
    """
    with guarded():
        day = as_of_date(as_of)
        hp = _holder_plan(file, rules, day, member, warn_days)
        if json:
            write_json(hp.as_json())
        else:
            render_plan(console(), hp)
        raise typer.Exit(ExitCode.ATTENTION if hp.needs_action else ExitCode.OK)


def calendar(
    file: FileArg,
    output: Annotated[
        Optional[Path],
        typer.Option("-o", "--output", metavar="FILE.ics",
                     help="Write the calendar here (default: stdout); never over an existing file without --force."),
    ] = None,
    alarm: Annotated[
        Optional[list[int]],
        typer.Option("--alarm", metavar="DAYS", min=0,
                     help="Remind this many days before each date (repeatable; default: 90, 60, 30 and 7)."),
    ] = None,
    as_of: AsOfOpt = None,
    member: MemberOpt = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite the -o file if it exists.")] = False,
    rules: RulesOpt = None,
) -> None:
    """An iCalendar (RFC 5545) file of the key dates in FILE: expiry, end of the late window, fee
    due dates and, when CE is short, the day to start it; each with reminders before.

    Event UIDs are stable, so importing a newer export updates the events instead of adding copies.

    Example: marenew calendar examples/multi-credential.yaml -o renewals.ics --alarm 60 --alarm 14
    """
    with guarded():
        from .outfile import check_target, write_atomic

        if output is not None and str(output) != "-":
            check_target(output, force=force)  # say so before any work
        day = as_of_date(as_of)
        hp = _holder_plan(file, rules, day, member)
        data = build_calendar(hp, DEFAULT_ALARMS if not alarm else alarm)
        if output is None or str(output) == "-":
            sys.stdout.flush()
            sys.stdout.buffer.write(data)
            sys.stdout.buffer.flush()
        else:
            write_atomic(output, data, force=force)
            n = data.count(b"BEGIN:VEVENT")
            sys.stderr.write(f"wrote {n} event{'s' if n != 1 else ''} to {output}\n")
