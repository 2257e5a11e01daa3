"""A plan drawn for the terminal: the timeline and the panel (rich)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console

    from marenew.core.plan import HolderPlan, Plan

from marenew.core.words import plural
from marenew.report.plantext import comparison_text, pace_text, shortfall_text

# Timeline marks, most important first: when two land on one cell, the first wins.
MARKS = {"today": "T", "expiry": "E", "deadline": "D", "start_renewal": "S", "fee_due": "$"}


def timeline(plan: Plan, width: int):
    """A bar from cycle start to the end of the late window (or to today, once past it): elapsed
    time heavy, the late window dotted, with T today, E expiry, D deadline, S start renewal and $
    fee dates marked below; under it, the part of the CE requirement already met."""
    from rich.text import Text

    from marenew.core.words import points

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
        lines.append(
            Text(f"CE met: {points(progress.counted)} of {points(progress.required)} {r.unit} ({round(share * 100)}%)")
        )
    drawn = set(marks)  # the legend names only the marks on the bar
    legend = [
        word
        for mark, word in (
            ("T", "T today"),
            ("E", "E expiry"),
            ("D", "D end of late window"),
            ("S", "S start renewal"),
            ("$", "$ fee due"),
        )
        if mark in drawn
    ]
    lines.append(Text("  ".join(legend), style="dim"))
    return lines


def plan_panel(plan: Plan, width: int):
    from rich.console import Group
    from rich.panel import Panel
    from rich.table import Table
    from rich.text import Text

    from marenew.core.words import STATUS_WORD, cost_text, days_text, next_step_text, pace_line, use_line
    from marenew.core.words import with_confidence as sure
    from marenew.report.terminal import STATUS_STYLE

    r = plan.result
    head = Text()
    head.append(f" {STATUS_WORD[r.status]} ", style=f"reverse {STATUS_STYLE[r.status]}")
    head.append(f"  {days_text(r.days_left)}")
    # the engine's one decision first, as `status` shows it
    step = Text(next_step_text(r), style="bold")
    behind, forbidden = pace_line(r), use_line(r)
    if behind:
        step.append(f"\n{behind}", style="yellow")
    if forbidden:
        step.append(f"\n{forbidden}", style="bold red")
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
        if not plan.pace.closed:  # once closed, the CE line says so
            facts.add_row("Pace", pace_text(plan.pace))
        if plan.pace.sustainable_per_month and plan.pace.start_by and not plan.pace.closed:
            facts.add_row(
                "Start by",
                f"{plan.pace.start_by} at the sustainable "
                f"{plan.pace.sustainable_per_month:.2f} {r.unit}/month"
                + (" (passed: start now)" if plan.pace.behind else ""),
            )
    for i, option in enumerate(plan.options):
        if i == 0:
            label = "Stay"  # the next step's own path
        elif not option.feasible:
            label = "Stay (closed)"
        else:
            label = "Or"
        facts.add_row(label, cost_text(option.cost) + (f"; {option.note}" if option.note else ""))
    if r.status == "lapsed":
        facts.add_row("Way back", cost_text(plan.lapse))
    else:
        facts.add_row("Let it lapse", cost_text(plan.lapse))
        facts.add_row("", comparison_text(plan))
    for note in plan.notes:
        facts.add_row("Note", note)
    if plan.renewal_page:
        facts.add_row("Renewal page", plan.renewal_page)
    for warning in r.warnings:
        facts.add_row(Text("Warning", style="yellow"), warning)
    parts = [
        head,
        step,
        Text(""),
        *timeline(plan, width),
        Text(""),
        Text("Key dates", style="bold"),
        grid,
        Text(""),
        facts,
    ]
    title = Text(f"{r.cert} ({r.body}) · {r.name}", style="bold")
    return Panel(Group(*parts), title=title, title_align="left", border_style=STATUS_STYLE[r.status].split()[-1])


def render_plan(out: Console, hp: HolderPlan) -> None:
    out.print(f"{hp.holder}: {plural(len(hp.plans), 'credential')}, most urgent first, as of {hp.as_of}")
    # Panel border and padding take 4 columns; a very wide terminal gets a bar of at most 100.
    width = max(20, min(out.width - 4, 100))
    for plan in hp.plans:
        out.print(plan_panel(plan, width))
