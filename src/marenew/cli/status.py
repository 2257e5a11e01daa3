"""`marenew status` and `marenew cost`: where each credential stands, and what renewing costs."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Optional

import typer

from marenew.cli.common import (
    AsOfOpt,
    FailBehindOpt,
    FileArg,
    JsonOpt,
    MemberOpt,
    RulesOpt,
    StrictOpt,
    WarnDaysOpt,
    as_of_date,
    command_app,
    console,
    find_credential_file,
    guarded,
    judge_file,
    load_ruleset,
    report_exit,
    write_json,
)
from marenew.core.defaults import WARN_DAYS

app = command_app()


@app.command()
def status(
    file: FileArg = None,
    as_of: AsOfOpt = None,
    member: MemberOpt = None,
    warn_days: WarnDaysOpt = WARN_DAYS,
    json: JsonOpt = False,
    explain: Annotated[bool, typer.Option("--explain", help="List every credit: what it counted and why.")] = False,
    fail_behind: FailBehindOpt = False,
    strict: StrictOpt = False,
    rules: RulesOpt = None,
) -> None:
    """Status, next step, expiry, CE still needed and cost of each certification in FILE.

    Exit 0 when every credential is active; 1 when any is expiring, in grace or lapsed (or, with
    --fail-behind, behind pace); 2 for usage errors and bad input (and, with --strict, a credit
    value that matches nothing a rule knows).

    Example: marenew status examples/cma-on-track.yaml --as-of 2026-01-15 --explain
    """
    with guarded():
        day = as_of_date(as_of)
        report = judge_file(file, rules, day, member=member, warn_days=warn_days).report
        if json:
            write_json(report.as_json())
        else:
            from marenew.report.terminal import status_report

            status_report(console(), report, explain=explain)
        raise typer.Exit(report_exit(report, fail_behind=fail_behind, strict=strict))


def _check_wanted(wanted: set[str], ruleset, holder=None, file: Optional[Path] = None) -> None:
    """`cost --cert`: every id must name a rule and, with a FILE, a credential the file holds
    (otherwise the table would be empty and the total $0)."""
    unknown = sorted(wanted - set(ruleset.rules))
    if unknown:
        raise typer.BadParameter(
            f"unknown certification {', '.join(unknown)}; known: {', '.join(sorted(ruleset.ids()))}",
            param_hint="--cert",
        )
    if holder is not None:
        held = [c.cert for c in holder.credentials]
        missing = sorted(wanted - {c.upper() for c in held})
        if missing:
            raise typer.BadParameter(
                f"{file} holds no {', '.join(missing)}; it holds {', '.join(held) or 'no credentials'}",
                param_hint="--cert",
            )


@app.command()
def cost(
    file: Annotated[
        Optional[Path],
        typer.Argument(
            metavar="FILE",
            help="A credential file: what this holder pays now "
            "(default ./marenew.yaml, then $MARENEW_FILE; without any: the fee table).",
        ),
    ] = None,
    member: MemberOpt = None,
    cert: Annotated[
        Optional[list[str]], typer.Option("--cert", metavar="ID", help="Only these certifications (repeatable).")
    ] = None,
    as_of: AsOfOpt = None,
    json: JsonOpt = False,
    rules: RulesOpt = None,
) -> None:
    """Renewal fees: for every certification, or what the holder in FILE pays now.

    Without FILE: a table of fees per path, recurring fees, cycle and cost per year.
    With FILE: the path of each credential's next step, its fees, and the total; exit codes as
    `status` gives for the same file and day (0 all active, 1 any needs action, 2 bad input).

    Example: marenew cost --member --cert CMA --cert RMA
    """
    with guarded():
        day = as_of_date(as_of)
        wanted = {c.upper() for c in cert or []}
        file = find_credential_file(file)
        if file is None:
            _fee_table(rules, wanted, day, member=bool(member), json=json)
            return
        raise typer.Exit(_holder_costs(file, rules, wanted, day, member=member, json=json))


def _fee_table(rules: Optional[list[Path]], wanted: set[str], day: dt.date, *, member: bool, json: bool) -> None:
    """`cost` without a file: the fees of every certification (or of --cert ones)."""
    from marenew.api import price_list

    ruleset = load_ruleset(rules)
    _check_wanted(wanted, ruleset)
    prices = price_list(ruleset, day, member=member, certs=sorted(wanted))
    if json:
        write_json(
            {
                "member": member,
                "currency": "USD",
                "as_of": day.isoformat(),
                "certs": [p.as_json() for p in prices],
            }
        )
    else:
        from marenew.report.terminal import price_table

        price_table(console(), prices, member=member)


def _holder_costs(
    file: Path, rules: Optional[list[Path]], wanted: set[str], day: dt.date, *, member: Optional[bool], json: bool
) -> int:
    """`cost FILE`: what the holder pays now for each credential's next step, and the total.
    Returns the whole file's exit code, as `status` gives it (--cert narrows the table, not the
    verdict)."""
    from dataclasses import replace

    judged = judge_file(file, rules, day, member=member)
    ruleset, holder, report = judged.ruleset, judged.holder, judged.report
    _check_wanted(wanted, ruleset, holder, file)
    if wanted:
        report = replace(report, credentials=tuple(c for c in report.credentials if c.cert.upper() in wanted))
    total, complete = report.cost_total()
    if json:
        write_json(
            {
                "as_of": day.isoformat(),
                "holder": report.holder,
                "currency": "USD",
                "credentials": [
                    {
                        "cert": c.cert,
                        "status": c.status,
                        "cost": c.cost.as_json(),
                        "next_step": c.next_step.as_json(),
                    }
                    for c in report.credentials
                ],
                "total": total if complete else None,
                "total_known": total,
                "complete": complete,
            }
        )
    else:
        from marenew.report.terminal import holder_costs

        holder_costs(console(), report)
    return report_exit(judged.report)
