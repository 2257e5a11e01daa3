"""`marenew plan` (dates, pace, cheapest path, a terminal timeline) and `marenew calendar` (iCalendar).

The plan is built by the pure core from the engine's results; this module only picks the output.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from marenew.cli.common import (
    AsOfOpt,
    FileArg,
    JsonOpt,
    MemberOpt,
    RulesOpt,
    WarnDaysOpt,
    as_of_date,
    command_app,
    console,
    guarded,
    judge_file,
    write_json,
)
from marenew.cli.exitcodes import ExitCode
from marenew.core.defaults import WARN_DAYS

if TYPE_CHECKING:
    import datetime as dt

    from marenew.core.plan import HolderPlan

app = command_app()
# Reminders at most ten years before a date: a larger figure would fall before any calendar.
MAX_ALARM_DAYS = 3653


def _holder_plan(file: Optional[Path], rules, as_of: dt.date, member, warn_days: int = WARN_DAYS) -> HolderPlan:
    from marenew.api import plan_for

    return plan_for(judge_file(file, rules, as_of, member=member, warn_days=warn_days))


@app.command()
def plan(
    file: FileArg = None,
    as_of: AsOfOpt = None,
    json: JsonOpt = False,
    member: MemberOpt = None,
    warn_days: WarnDaysOpt = WARN_DAYS,
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
            from marenew.report.planpanel import render_plan

            render_plan(console(), hp)
        raise typer.Exit(ExitCode.ATTENTION if hp.needs_action else ExitCode.OK)


@app.command()
def calendar(
    file: FileArg = None,
    output: Annotated[
        Optional[Path],
        typer.Option(
            "-o",
            "--output",
            metavar="FILE.ics",
            help="Write the calendar here (default: stdout); never over an existing file without --force.",
        ),
    ] = None,
    alarm: Annotated[
        Optional[list[int]],
        typer.Option(
            "--alarm",
            metavar="DAYS",
            min=0,
            max=MAX_ALARM_DAYS,
            help="Remind this many days before each date (repeatable; default: 90, 60, 30 and 7).",
        ),
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
        from marenew.report.calendar import DEFAULT_ALARMS, build_calendar
        from marenew.store.atomic import check_target, write_atomic

        if output is not None and str(output) != "-":
            check_target(output, force=force)  # say so before any work
        day = as_of_date(as_of)
        hp = _holder_plan(file, rules, day, member)
        data = build_calendar(hp, alarm if alarm else DEFAULT_ALARMS)
        if output is None or str(output) == "-":
            sys.stdout.flush()
            sys.stdout.buffer.write(data)
            sys.stdout.buffer.flush()
        else:
            write_atomic(output, data, force=force)
            from marenew.core.words import plural

            sys.stderr.write(f"wrote {plural(data.count(b'BEGIN:VEVENT'), 'event')} to {output}\n")
