"""Text reports for people at a terminal (rich). JSON lives in ``results.as_json``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from marenew.core.base import weakest
from marenew.core.results import CredentialResult, CreditResult, Report
from marenew.core.words import (
    CONFIDENCE_MARK,
    STATUS_WORD,
    cost_text,
    days_text,
    fee_text,
    money,
    pace_line,
    plural,
    points,
    use_line,
)

if TYPE_CHECKING:
    from rich.console import Console

    from marenew.core.engine import PriceList

STATUS_STYLE = {
    "active": "bold green",
    "submitted": "bold cyan",
    "expiring": "bold yellow",
    "grace": "bold dark_orange",
    "lapsed": "bold red",
}


def _bar(counted: float, required: float | None, width: int = 20) -> str:
    if not required:
        return ""
    filled = min(width, int(round(width * min(counted, required) / required)))
    return "█" * filled + "░" * (width - filled)


def credential_panel(result: CredentialResult):
    from rich.panel import Panel
    from rich.table import Table
    from rich.text import Text

    grid = Table.grid(padding=(0, 2))
    grid.add_column(no_wrap=True)
    grid.add_column(overflow="fold")  # an address is folded, never cut short
    badge = Text(f" {STATUS_WORD[result.status]} ", style=f"reverse {STATUS_STYLE[result.status]}")
    grid.add_row(badge, Text(f"{days_text(result.days_left)}"))
    # The engine's one decision comes first; everything below explains it.
    grid.add_row(Text("Next step", style="bold"), Text(result.next_step.summary, style="bold"))
    behind = pace_line(result)
    if behind:
        grid.add_row(Text("Pace", style="yellow"), Text(behind, style="yellow"))
    forbidden = use_line(result)
    if forbidden:
        grid.add_row(Text("Use", style="bold red"), Text(forbidden, style="bold red"))
    basis = "from the card" if result.expires_on_from == "card" else "computed from the rule"
    grid.add_row("Expires", f"{result.expires_on} ({basis})")
    if result.deadline != result.expires_on:
        grid.add_row("Deadline", f"{result.deadline} (end of the late window for the regular renewal)")
    grid.add_row("Cycle began", f"{result.certified_on} (CE counts from {result.window_start} to {result.window_end})")
    for req in result.requirements:
        short = f"  short {points(req.short)}" if req.short else "  met"
        line = Text(
            f"{_bar(req.counted, req.required)} {points(req.counted)} of {points(req.required)}{short}"
            f"{CONFIDENCE_MARK[req.confidence]}"
        )
        grid.add_row(req.label, line)
    for cap in result.caps:
        grid.add_row(
            cap.label,
            f"count up to {points(cap.maximum)}: {points(cap.counted)} of {points(cap.entered)} entered counted",
        )
    if result.unit is not None and result.days_left < 0 and not result.ready:
        short = "unknown" if result.points_needed is None else f"{points(result.points_needed)} {result.unit}"
        grid.add_row("Short at expiry", Text(f"{short}; CE earned after expiry does not count"))
    elif result.unit is not None and result.status == "lapsed":
        grid.add_row("CE", f"complete at expiry, but the regular renewal closed on {result.deadline}")
    elif result.unit is not None:
        if result.points_needed is None:
            needed = "unknown (a requirement is not published)"
        elif result.ready:
            needed = "none: the CE requirements are met"
        else:
            needed = f"{points(result.points_needed)} {result.unit}"
        grid.add_row("Still needed", Text(needed, style="bold" if not result.ready else "green"))
    grid.add_row("Cost now", cost_text(result.cost))
    if result.unmatched:
        grid.add_row(
            Text("Check", style="bold yellow"),
            Text(
                f"{plural(len(result.unmatched), 'value')} in the credits match nothing the {result.body} "
                "rule knows (see the warnings)",
                style="yellow",
            ),
        )
    for warning in result.warnings:
        grid.add_row(Text("Warning", style="yellow"), warning)
    title = Text(f"{result.cert} ({result.body}) · {result.name}", style="bold")
    if result.number:
        title.append(f" · no. {result.number}")
    return Panel(grid, title=title, title_align="left", border_style=STATUS_STYLE[result.status].split()[-1])


def credits_table(result: CredentialResult):
    """Every credit with what it counted toward this credential, and why."""
    from rich.table import Table

    table = Table(title=f"{result.cert}: credits", title_justify="left", show_lines=False)
    table.add_column("date", no_wrap=True)
    table.add_column("title", ratio=2)
    table.add_column("entered", justify="right", no_wrap=True)
    table.add_column("counted", justify="right", no_wrap=True)
    table.add_column("why", ratio=3)
    table.add_column("proof", no_wrap=True)
    for credit in result.credits:
        title = credit.title
        if credit.parts:
            title += " (" + ", ".join(f"{area} {points(p)}" for area, p, _ in credit.parts) + ")"
        table.add_row(
            str(credit.date),
            title,
            points(credit.points),
            points(credit.counted),
            credit.note or "counts in full",
            PROOF_WORD[proof_of(credit)],
        )
    return table


# A credit's certificate of completion, in the --explain table and the transcript.
PROOF_WORD = {"yes": "yes", "none": "none", "missing": "missing"}


def proof_of(credit: CreditResult) -> str:
    """yes: the certificate file exists; none: no certificate named; missing: named, not found."""
    if credit.certificate is None:
        return "none"
    return "missing" if credit.certificate_found is False else "yes"


def proof_lines(report: Report) -> list[str]:
    """What the --explain tables' proof column adds up to: credits of a current cycle without a
    certificate, and certificate files named but not found."""
    credits = {(c.title, c.date, c.certificate): c for r in report.credentials for c in r.credits if c.in_cycle}
    none = sorted((c.date, c.title) for c in credits.values() if proof_of(c) == "none")
    missing = sorted({c.certificate for c in credits.values() if proof_of(c) == "missing" and c.certificate})
    lines = []
    if none:
        lines.append(
            f"Proof: {plural(len(none), 'credit')} of a current cycle {'has' if len(none) == 1 else 'have'} "
            "no certificate (add `certificate: PATH` to keep the proof with the credit)"
        )
    if missing:
        lines.append(f"Proof: {plural(len(missing), 'certificate file')} not found: {', '.join(missing)}")
    return lines


def status_report(console: Console, report: Report, *, explain: bool = False) -> None:
    console.print(f"{report.holder}: {plural(len(report.credentials), 'credential')} as of {report.as_of}")
    for result in report.credentials:
        console.print(credential_panel(result))
        if explain and result.credits:
            console.print(credits_table(result))
    if explain:
        for line in proof_lines(report):
            console.print(line)


# Below this width the eight columns of the fee table would cut words and notes short: each
# certification gets a few lines of its own instead.
PRICE_TABLE_MIN_WIDTH = 120


def price_table(console: Console, prices: list[PriceList], *, member: bool) -> None:
    from rich.table import Table

    title = f"Renewal fees ({'members' if member else 'non-members'}, USD)"
    rows = []
    for p in prices:
        regular = p.rule.renewal.regular
        others = ", ".join(f"{pid} {fee_text(item, mark=False)}" for pid, item in p.fees.items() if pid != regular)
        recurring = (
            ", ".join(
                f"{r.label} {fee_text(r, mark=False)} "
                + (f"every {plural(r.every_months, 'month')}" if r.every_months else "how often: unknown")
                for r in p.recurring
            )
            or "-"
        )
        cycle = plural(p.cycle_months, "month") if p.cycle_months else "unknown"
        rows.append(
            (
                p.rule.id,
                p.rule.body,
                cycle,
                f"{regular} {fee_text(p.fees[regular], mark=False)}",
                others or "-",
                recurring,
                money(p.per_year),
                p.confidence,
            )
        )
    if console.width < PRICE_TABLE_MIN_WIDTH:
        console.print(title)
        for cert, body, cycle, regular_fee, others, recurring, per_year, confidence in rows:
            console.print()
            console.print(f"{cert} ({body}): cycle {cycle}, per year {per_year}, confidence {confidence}")
            grid = Table.grid(padding=(0, 2))
            grid.add_column(no_wrap=True)
            grid.add_column()
            grid.add_row("  regular path", regular_fee)
            grid.add_row("  other paths", others)
            grid.add_row("  recurring", recurring)
            console.print(grid)
        console.print()
    else:
        table = Table(title=title, title_justify="left")
        for col in ("cert", "body", "cycle", "regular path", "other paths", "recurring", "per year", "confidence"):
            table.add_column(col, justify="right" if col in ("per year",) else "left")
        for row in rows:
            table.add_row(*row)
        console.print(table)
    console.print(
        "per year: the cheapest path open to a current holder spread over the cycle, plus recurring fees; "
        "unknown where a fee it needs is not published."
    )


def holder_costs(console: Console, report: Report) -> None:
    from rich.table import Table

    table = Table(title=f"{report.holder}: what renewing costs now (as of {report.as_of}, USD)", title_justify="left")
    for col in ("cert", "status", "path", "member", "items", "amount", "confidence"):
        # a long fee label is folded, never cut short
        table.add_column(
            col, justify="right" if col == "amount" else "left", overflow="fold" if col == "items" else "ellipsis"
        )
    for r in report.credentials:
        items = "; ".join(f"{i.label} {fee_text(i, mark=False)}" for i in r.cost.items)
        member = ("yes" if r.cost.member else "no") if r.cost.by_membership else "-"
        # the next step's path, and by when (the same decision as `status`)
        path = f"{r.cost.path}\nby {r.next_step.by}" if r.next_step.by else f"{r.cost.path}\nno date"
        table.add_row(
            r.cert, r.status, path, member, items, money(r.cost.amount), weakest(*(i.confidence for i in r.cost.items))
        )
    console.print(table)
    total, complete = report.cost_total()
    console.print(f"Total: {money(total)}" + ("" if complete else " known so far (incomplete: a fee is unknown)"))
