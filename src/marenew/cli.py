"""The command line: a thin layer that parses options, asks the engine, and picks a reporter.

Heavy modules (rich tables, the engine, pydantic models) are imported inside the commands that
use them, so ``--help`` and a single command start quickly.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from . import __version__
from .cli_common import (
    AsOfOpt,
    JsonOpt,
    MemberOpt,
    RulesOpt,
    WarnDaysOpt,
    as_of_date,
    console,
    guarded,
    load_ruleset,
    print_problems,
    write_json,
)
from .exitcodes import ExitCode

app = typer.Typer(
    name="marenew",
    help="Where each of your medical-assistant certifications stands: expiry, CE still needed, and cost.",
    epilog="Start with: marenew init, then marenew status marenew.yaml. Exit codes: 0 all active or "
    "clean; 1 needs attention; 2 usage error or bad input; 3 internal error (a bug: please report it).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,  # never print values from a credential file
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"marenew {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """Where each of your medical-assistant certifications stands (the app's help says more)."""


FileArg = Annotated[Path, typer.Argument(metavar="FILE", help="Your credential file (YAML).", show_default=False)]


def judge_file(file: Path, rules: Optional[list[Path]], as_of, *, member: Optional[bool], warn_days: int = 90):
    """Load the rules and one credential file (its warnings to stderr) and judge it with the
    engine. Returns the rule set, the holder and the report, which carries the file's warnings
    too, for JSON."""
    from dataclasses import replace

    from .engine import evaluate
    from .loaders import load_credentials

    ruleset = load_ruleset(rules)
    loaded = load_credentials(file, ruleset, today=as_of)
    print_problems(loaded.warnings)
    report = evaluate(ruleset.rules, loaded.holder, as_of, member=member, warn_days=warn_days)
    return ruleset, loaded.holder, replace(report, warnings=tuple(str(p) for p in loaded.warnings))


@app.command()
def status(
    file: FileArg,
    as_of: AsOfOpt = None,
    member: MemberOpt = None,
    warn_days: WarnDaysOpt = 90,
    json: JsonOpt = False,
    explain: Annotated[bool, typer.Option("--explain", help="List every credit: what it counted and why.")] = False,
    rules: RulesOpt = None,
) -> None:
    """Status, expiry, CE still needed and cost of each certification in FILE.

    Exit 0 when every credential is active; 1 when any is expiring, in grace or lapsed;
    2 for usage errors and bad input.

    Example: marenew status examples/cma-on-track.yaml --as-of 2026-01-15 --explain
    """
    with guarded():
        day = as_of_date(as_of)
        _, _, report = judge_file(file, rules, day, member=member, warn_days=warn_days)
        if json:
            write_json(report.as_json())
        else:
            from .render import status_report

            status_report(console(), report, explain=explain)
        raise typer.Exit(ExitCode.ATTENTION if report.needs_action else ExitCode.OK)


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
        Optional[Path], typer.Argument(metavar="[FILE]", help="A credential file: what this holder pays now.")
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
    With FILE: the path each credential is on now, its fees, and the total.

    Example: marenew cost --member --cert CMA --cert RMA
    """
    with guarded():
        day = as_of_date(as_of)
        wanted = {c.upper() for c in cert or []}
        if file is None:
            from .engine import price_list

            ruleset = load_ruleset(rules)
            _check_wanted(wanted, ruleset)
            is_member = bool(member)
            prices = [price_list(r, is_member, day) for k, r in ruleset.rules.items() if not wanted or k in wanted]
            if json:
                write_json({"member": is_member, "currency": "USD", "as_of": day.isoformat(),
                            "certs": [p.as_json() for p in prices]})
            else:
                from .render import price_table

                price_table(console(), prices, member=is_member)
            return
        from dataclasses import replace

        ruleset, holder, report = judge_file(file, rules, day, member=member)
        _check_wanted(wanted, ruleset, holder, file)
        if wanted:
            report = replace(report, credentials=tuple(c for c in report.credentials if c.cert.upper() in wanted))
        total, complete = report.cost_total()
        if json:
            write_json({
                "as_of": day.isoformat(),
                "holder": report.holder,
                "currency": "USD",
                "credentials": [{"cert": c.cert, "status": c.status, "cost": c.cost.as_json()}
                                for c in report.credentials],
                "total": total if complete else None,
                "total_known": total,
                "complete": complete,
            })
        else:
            from .render import holder_costs

            holder_costs(console(), report)


# Commands that live in their own modules; each keeps its heavy imports inside its body.
from .cli_init import init  # noqa: E402
from .cli_plan import calendar, plan  # noqa: E402
from .cli_roster import roster  # noqa: E402
from .cli_rules import rules_app, schema  # noqa: E402

app.add_typer(rules_app, name="rules")
for _command in (schema, init, plan, calendar, roster):
    app.command()(_command)


def main() -> None:
    """Console-script entry point: the last line of defence against a traceback."""
    try:
        app()
    except SystemExit:
        raise
    except BaseException as exc:  # noqa: BLE001 - nothing may escape as a traceback
        from .cli_common import debug

        if isinstance(exc, KeyboardInterrupt):
            sys.stderr.write("marenew: interrupted\n")
            sys.exit(ExitCode.INTERRUPTED)
        if debug():
            raise
        sys.stderr.write(
            f"marenew: internal error ({type(exc).__name__}); this is a bug in marenew, please report it "
            "(run with MARENEW_DEBUG=1 to see the details)\n"
        )
        sys.exit(ExitCode.INTERNAL)
