"""`marenew pay`: record a recurring fee paid (AMT's annual fee) in the credential file."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from marenew.cli.common import (
    FILE_HELP,
    AsOfOpt,
    RulesOpt,
    as_of_date,
    command_app,
    credential_file,
    guarded,
    load_ruleset,
    print_problems,
    typed_date,
)
from marenew.cli.fileedit import not_after, pick_credential, status_line, wrapped, written
from marenew.load.problems import Problem

app = command_app()


@app.command()
def pay(
    file: Annotated[
        Optional[str],
        typer.Argument(
            metavar="FILE",
            show_default=False,
            help=FILE_HELP,
        ),
    ] = None,
    cert: Annotated[
        Optional[str],
        typer.Argument(metavar="CERT", show_default=False, help="The certification the fee is for."),
    ] = None,
    on: Annotated[
        Optional[str],
        typer.Option("--on", metavar="DATE", help="The day it was paid: 2026-05-03 or 05/03/2026."),
    ] = None,
    fee: Annotated[
        Optional[str],
        typer.Option("--fee", metavar="ID", help="Which recurring fee (default: the rule's only one, e.g. annual)."),
    ] = None,
    as_of: AsOfOpt = None,
    rules: RulesOpt = None,
) -> None:
    """Record a recurring fee paid (AMT's annual fee): plan, calendar and the next step then show only fees still due.

    CERT may be left out when FILE holds one credential. Comments and formatting of FILE are kept;
    the previous version is kept as FILE.bak.

    Example: marenew pay my.yaml RMA --on 2026-05-03
    """
    with guarded():
        today = as_of_date(as_of)
        if on is None:
            raise typer.BadParameter("give the day it was paid", param_hint="--on")
        day = typed_date(on, what="--on")
        not_after(day, today, "--on")
        # `pay RMA --on ...` (FILE left out): a first argument that names no file but a cert is CERT
        if file is not None and cert is None and not Path(file).exists() and _looks_like_cert(file):
            file, cert = None, file
        path = credential_file(Path(file) if file is not None else None)
        ruleset = load_ruleset(rules)
        from marenew.store.credfile import change, commit, read_current

        current = read_current(path, ruleset, today)
        print_problems(current.loaded.warnings)
        index, cred = pick_credential(current.loaded.holder, cert, str(path), option="CERT")
        rule = ruleset.get(cred.key)
        assert rule is not None  # the file was checked against the rules
        chosen = _recurring_fee(rule, fee)
        if day < cred.first_certified_on:
            # no fee of a certification falls due before it was held: a slip in the date
            raise typer.BadParameter(
                f"{day} is before {cred.cert} was first certified ({cred.first_certified_on}); "
                "a fee of it cannot have been paid then: check the date",
                param_hint="--on",
            )
        if any(p.fee.lower() == chosen.id.lower() and p.on == day for p in cred.paid):
            raise typer.BadParameter(
                f"{path} already records the {chosen.id} fee of {cred.cert} paid on {day}", param_hint="--on"
            )

        def build(edit: Any) -> None:
            edit.append(("credentials", index), "paid", {"fee": chosen.id, "on": day})

        text, loaded, warnings = change(current, ruleset, today, build)
        from marenew.core.engine import evaluate, recurring_due, settles

        paid_cred = loaded.holder.credentials[index]
        report = evaluate(ruleset.rules, loaded.holder, today)
        result = report.credentials[index]
        payment = paid_cred.paid[-1]
        if day < result.certified_on and not settles(
            chosen, result.certified_on, result.expires_on, paid_cred.paid, payment
        ):
            # recorded as asked (a past cycle's fee, for the record), but it changes nothing due now
            warnings.append(
                Problem(
                    str(path),
                    None,
                    None,
                    f"{day} is before this cycle of {cred.cert} began ({result.certified_on}): the "
                    f"{chosen.id} fee paid then settles none due in it",
                    "warning",
                )
            )
        print_problems(warnings)
        backup = commit(current, text)
        written(path, backup)
        left = recurring_due(chosen, result.certified_on, result.certified_on, result.expires_on, paid_cred.paid)
        lines = [f"{cred.cert}: {chosen.label} paid on {day}."]
        if left:
            lines.append(f"  still due in this cycle: {', '.join(str(d) for d in left)}")
        else:
            lines.append(f"  nothing more of it is due in this cycle (to {result.expires_on})")
        lines.append(status_line(result))
        sys.stdout.write(wrapped(lines))


def _looks_like_cert(word: str) -> bool:
    return "/" not in word and "." not in word


def _recurring_fee(rule: Any, fee: Optional[str]) -> Any:
    fees = rule.recurring_fees
    if not fees:
        raise typer.BadParameter(f"the {rule.id} rule has no recurring fee to pay", param_hint="CERT")
    if fee is None:
        if len(fees) == 1:
            return fees[0]
        raise typer.BadParameter(
            f"the {rule.id} rule has several recurring fees ({', '.join(f.id for f in fees)}): say which with --fee",
            param_hint="--fee",
        )
    for item in fees:
        if item.id.lower() == fee.strip().lower():
            return item
    raise typer.BadParameter(
        f"the {rule.id} rule has no recurring fee `{fee}`; it has {', '.join(f.id for f in fees)}", param_hint="--fee"
    )
