"""`marenew renew`: record a renewal (or an application sent) in the credential file."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any, Literal, Optional

import typer

from marenew.cli.common import (
    AsOfOpt,
    FileArg,
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

if TYPE_CHECKING:
    import datetime as dt
    from pathlib import Path

    from marenew.core.credential import Credential, Credit
    from marenew.core.rule import Rule

app = command_app()

Route = Literal["ce", "exam"]


@app.command()
def renew(
    file: FileArg = None,
    cert: Annotated[
        Optional[str],
        typer.Option("--cert", metavar="CERT", help="The certification renewed (may be left out when FILE holds one)."),
    ] = None,
    on: Annotated[
        Optional[str],
        typer.Option("--on", metavar="DATE", help="The day the body recorded the renewal: 2026-03-14 or 03/14/2026."),
    ] = None,
    by: Annotated[
        Optional[str],
        typer.Option("--by", metavar="ce|exam", help="How it was renewed (default: ce where the body asks for CE)."),
    ] = None,
    expires: Annotated[
        Optional[str],
        typer.Option(
            "--expires",
            metavar="DATE",
            help="The new expiry printed on the card; needed where the rule does not say (it wins over the rule's).",
        ),
    ] = None,
    submitted: Annotated[
        Optional[str],
        typer.Option(
            "--submitted",
            metavar="DATE",
            help="Record only that the application was sent on DATE (status: submitted while the body processes it).",
        ),
    ] = None,
    as_of: AsOfOpt = None,
    rules: RulesOpt = None,
) -> None:
    """Record a renewal in FILE: the old cycle moves to its history, the new one starts.

    The new cycle comes from the rule (AAMA: 60 months from the end of the month of the
    recertification; NHA: the old expiry plus two years; AMT: the next three-year block). The
    credits the old cycle used are listed in its history and never count again. With --submitted,
    it records only that the application was sent. Comments and formatting of FILE are kept; the
    previous version is kept as FILE.bak.

    Example: marenew renew my.yaml --cert CMA --on 2026-02-10
    """
    with guarded():
        today = as_of_date(as_of)
        if (on is None) == (submitted is None):
            raise typer.BadParameter(
                "give --on DATE (the renewal is done) or --submitted DATE (the application was sent)", param_hint="--on"
            )
        if submitted is not None and (by is not None or expires is not None):
            raise typer.BadParameter("--by and --expires go with --on, not --submitted", param_hint="--submitted")
        route = _route(by)
        path = credential_file(file)
        ruleset = load_ruleset(rules)
        from marenew.store.credfile import change, commit, read_current

        current = read_current(path, ruleset, today)
        print_problems(current.loaded.warnings)
        holder = current.loaded.holder
        index, cred = pick_credential(holder, cert, str(path))
        rule = ruleset.get(cred.key)
        assert rule is not None  # the file was checked against the rules
        if submitted is not None:
            build, lines = _submitted_change(cred, index, rule, submitted, today)
        else:
            assert on is not None
            build, lines = _renewal_change(cred, index, rule, holder.credits, path, on, route, expires, today)
        text, loaded, warnings = change(current, ruleset, today, build)
        print_problems(warnings)
        backup = commit(current, text)
        written(path, backup)
        from marenew.core.engine import evaluate

        report = evaluate(ruleset.rules, loaded.holder, today)
        lines.append(status_line(report.credentials[index]))
        sys.stdout.write(wrapped(lines))


Build = Callable[[Any], None]  # the change to make, given the file's editor


def _submitted_change(
    cred: Credential, index: int, rule: Rule, submitted: str, today: dt.date
) -> tuple[Build, list[str]]:
    """--submitted DATE: only the day the application was sent."""
    day = typed_date(submitted, what="--submitted")
    not_after(day, today, "--submitted")
    if day < cred.certified_on:
        raise typer.BadParameter(
            f"{day} is before the current cycle began ({cred.certified_on})", param_hint="--submitted"
        )

    def build(edit: Any) -> None:
        edit.set(("credentials", index), "submitted_on", day)

    return build, [f"{cred.cert}: renewal application sent on {day}; waiting for {rule.body}"]


def _renewal_change(
    cred: Credential,
    index: int,
    rule: Rule,
    credits: list[Credit],
    path: Path,
    on: str,
    route: Optional[Route],
    expires: Optional[str],
    today: dt.date,
) -> tuple[Build, list[str]]:
    """--on DATE: the renewal as the rule decides it (core.renewal), and what to say about it."""
    day = typed_date(on, what="--on")
    not_after(day, today, "--on")
    card = typed_date(expires, what="--expires") if expires is not None else None
    if route == "ce" and rule.ce is None:
        raise typer.BadParameter(f"the {rule.id} rule asks for no CE: leave out --by ce", param_hint="--by")
    from marenew.core.renewal import NoRenewalRule, RenewalRefused, record_renewal

    try:
        done = record_renewal(rule, cred, credits, day, by=route, card_expires_on=card)
    except NoRenewalRule as exc:
        raise typer.BadParameter(f"{exc} with --expires DATE", param_hint="--expires") from None
    except RenewalRefused as exc:
        raise typer.BadParameter(str(exc), param_hint="--expires" if card else "--on") from None

    if done.short:
        from marenew.core.words import points as points_text

        sys.stderr.write(
            f"marenew: note: the credits in {path} leave the old cycle {points_text(done.short)} "
            f"{rule.ce.unit if rule.ce else ''} short of what {rule.body} asks; the renewal is recorded as "
            "you say, but CE missing from the file will not be listed in its history\n"
        )
    where = ("credentials", index)

    def build(edit: Any) -> None:
        edit.set(where, "certified_on", done.certified_on)
        if done.written_expiry is not None:
            edit.set(where, "expires_on", done.written_expiry)
        edit.clear(where, "submitted_on")
        edit.append(where, "history", done.past.model_dump(mode="python", exclude_none=True, exclude_defaults=True))

    return build, _renewal_lines(rule, cred, done)


def _route(by: Optional[str]) -> Optional[Route]:
    if by is None:
        return None
    word = by.strip().lower()
    if word not in ("ce", "exam"):
        raise typer.BadParameter(f"`{by}`: say ce (continuing education) or exam", param_hint="--by")
    return word  # type: ignore[return-value]


def _renewal_lines(rule: Any, cred: Any, done: Any) -> list[str]:
    from marenew.core.words import plural

    past = done.past
    used = f", with the {plural(len(past.credits), 'credit')} it used" if past.credits else ""
    how = f" by {'CE' if past.by == 'ce' else 'exam'}" if past.by else ""
    out = [
        f"{rule.id}: renewed{how} on {past.renewed_on}.",
        f"  old cycle {past.certified_on} to {past.expires_on} -> history{used}",
    ]
    if done.from_card:
        why = "the date on the new card"
    elif done.renewed_from == "recertification":
        why = f"the {rule.id} rule counts it from the recertification; {done.confidence}"
    else:
        why = f"the {rule.id} rule moves the old expiry on by one cycle; {done.confidence}"
    out.append(f"  new cycle {done.certified_on} to {done.expires_on} ({why})")
    if done.old_card is not None and not done.from_card:
        out.append(
            f"  expires_on {done.old_card} (the old card's date) is now {done.expires_on}, the rule's date: "
            "check it against the new card when it comes"
        )
    if cred.submitted_on is not None:
        out.append(f"  submitted_on {cred.submitted_on} cleared (the application is answered)")
    return out
