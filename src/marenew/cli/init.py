"""`marenew init [PATH]`: write a commented starter credential file that validates as written.

On a terminal, without options, it asks for the holder's name, each certification with its dates
and number, and the memberships, checking each answer. The options give the same answers without
questions; whatever is not given is written as a placeholder marked FILL-IN (store.starter).
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional, TypeVar

import typer

from marenew.cli.common import (
    AsOfOpt,
    RulesOpt,
    as_of_date,
    command_app,
    guarded,
    is_iso_date,
    load_ruleset,
    read_typed_date,
    typed_date,
)
from marenew.load.problems import InputError, Problem

if TYPE_CHECKING:
    from marenew.core.rule import Rule
    from marenew.load.rules import RuleSet
    from marenew.store.starter import Answers, CertAnswer

app = command_app()

DEFAULT_PATH = "marenew.yaml"
DEFAULT_CERT = "CMA"
T = TypeVar("T")


def _interactive() -> bool:
    """Ask questions only when someone can answer them."""
    return sys.stdin.isatty()


# --- checking answers (the same for a prompt and an option) ----------------------------------


def _parse_certs(answer: str, ruleset: RuleSet) -> list[str]:
    wanted = [part.upper() for part in answer.replace(",", " ").split()]
    unknown = [c for c in wanted if c not in ruleset]
    if unknown or not wanted:
        what = f"unknown certification {', '.join(unknown)}" if unknown else "name at least one certification"
        raise typer.BadParameter(f"{what}; known: {', '.join(sorted(ruleset.ids()))}", param_hint="--cert")
    return list(dict.fromkeys(wanted))  # each once, in the order given


def _holder_name(answer: str) -> str:
    name = " ".join(answer.split())
    if not name:
        raise typer.BadParameter("give your name, as on your certificates", param_hint="--holder")
    if any(not ch.isprintable() for ch in name) or len(name) > 200:
        raise typer.BadParameter("a name of printable characters, at most 200", param_hint="--holder")
    return name


def _memberships(answer: str, ruleset: RuleSet) -> list[str]:
    known = {b.upper(): b for b in ruleset.bodies()}
    wanted = [part for part in answer.replace(",", " ").split()]
    unknown = [w for w in wanted if w.upper() not in known]
    if unknown:
        raise typer.BadParameter(
            f"unknown body {', '.join(unknown)}; known: {', '.join(sorted(known.values()))}", param_hint="--member"
        )
    return list(dict.fromkeys(known[w.upper()] for w in wanted))


def _certified_on(day: dt.date, today: dt.date, what: str) -> dt.date:
    if day > today:
        raise typer.BadParameter(f"{day} is after today ({today}): the day the current cycle began", param_hint=what)
    return day


def _expires_on(day: dt.date, certified_on: dt.date, what: str) -> dt.date:
    if day <= certified_on:
        raise typer.BadParameter(f"{day} is not after the day the cycle began ({certified_on})", param_hint=what)
    return day


def _number(answer: str) -> str:
    number = answer.strip()
    if len(number) > 40 or any(not ch.isprintable() for ch in number):
        raise typer.BadParameter("a certificate number of printable characters, at most 40", param_hint="--number")
    return number


# --- the questions -------------------------------------------------------------------------


def _ask(question: str, check: Callable[[str], T], *, default: Optional[str] = None) -> T:
    """One question, asked again until ``check`` accepts the answer (its message shown)."""
    while True:
        answer = typer.prompt(question, default=default or "", show_default=bool(default), err=True)
        try:
            return check(answer)
        except typer.BadParameter as exc:
            sys.stderr.write(f"  {exc.message}\n")


def _ask_day(question: str, check: Callable[[dt.date], dt.date], *, optional: bool = False) -> Optional[dt.date]:
    """A date typed as people type it; any form but YYYY-MM-DD is read back for confirmation."""
    while True:
        text = typer.prompt(question, default="", show_default=False, err=True).strip()
        if not text and optional:
            return None
        try:
            day = check(read_typed_date(text, what="date"))
        except typer.BadParameter as exc:
            sys.stderr.write(f"  {exc.message}\n")
            continue
        if is_iso_date(text) or typer.confirm(
            f"  Read as {day} ({day:%B} {day.day}, {day.year}). Right?", default=True, err=True
        ):
            return day


def _after(started: dt.date) -> Callable[[dt.date], dt.date]:
    return lambda day: _expires_on(day, started, "date")


def _ask_everything(ruleset: RuleSet, today: dt.date) -> Answers:
    from marenew.core.engine import computed_expiry
    from marenew.store.starter import Answers, CertAnswer

    holder = _ask("Your name (as on your certificates)", _holder_name)
    default = DEFAULT_CERT if DEFAULT_CERT in ruleset else sorted(ruleset.ids())[0]
    ids = _ask(
        f"Which certifications do you hold? ({', '.join(sorted(ruleset.ids()))}; separate with spaces)",
        lambda answer: _parse_certs(answer, ruleset),
        default=default,
    )
    certs: list[CertAnswer] = []
    for cert_id in ids:
        rule = ruleset.get(cert_id)
        assert rule is not None
        started = _ask_day(
            f"{rule.id}: the day the current cycle began (certification or latest renewal; 2022-08-19 or 08/19/2022)",
            lambda day: _certified_on(day, today, "date"),
        )
        assert started is not None
        computed, _ = computed_expiry(rule, started)
        if computed is None:
            question = f"{rule.id}: the expiry date printed on your card"
        else:
            question = f"{rule.id}: the expiry date on your card (empty: {computed}, as the rule gives it)"
        expires = _ask_day(question, _after(started), optional=computed is not None)
        number = _ask(f"{rule.id}: certificate number (empty: none)", _number)
        certs.append(CertAnswer(rule, started, expires if expires != computed else None, number))
    bodies = ", ".join(sorted(ruleset.bodies()))
    members = _ask(
        f"Bodies you pay membership to ({bodies}; separate with spaces; empty: none)",
        lambda answer: _memberships(answer, ruleset),
    )
    return Answers(certs, holder=holder, memberships=members, examples=False)


# --- answers from options --------------------------------------------------------------------


def _per_cert(values: list[str], ids: list[str], option: str) -> dict[str, str]:
    """`--certified-on CMA=2022-08-19` (or, with one certification, `--certified-on 2022-08-19`)."""
    out: dict[str, str] = {}
    for value in values:
        cert, sep, rest = value.partition("=")
        if sep and cert.strip().upper() in ids:
            key, text = cert.strip().upper(), rest
        elif sep:
            raise typer.BadParameter(
                f"`{cert}` is not one of the certifications given ({', '.join(ids)})", param_hint=option
            )
        elif len(ids) == 1:
            key, text = ids[0], value
        else:
            raise typer.BadParameter(f"with several certifications, write {option} CERT=VALUE", param_hint=option)
        if key in out:
            raise typer.BadParameter(f"{key} is given twice", param_hint=option)
        out[key] = text
    return out


def _answers_from_options(
    ruleset: RuleSet,
    today: dt.date,
    ids: list[str],
    *,
    holder: Optional[str],
    certified_on: list[str],
    expires_on: list[str],
    number: list[str],
    member: Optional[list[str]],
) -> Answers:
    from marenew.core.engine import computed_expiry
    from marenew.store.starter import Answers, CertAnswer

    started = _per_cert(certified_on, ids, "--certified-on")
    expires = _per_cert(expires_on, ids, "--expires-on")
    numbers = _per_cert(number, ids, "--number")
    answered = holder is not None or bool(started or expires or numbers) or member is not None
    certs = []
    for cert_id in ids:
        rule = ruleset.get(cert_id)
        assert rule is not None
        day = (
            _certified_on(typed_date(started[cert_id], what="--certified-on"), today, "--certified-on")
            if cert_id in started
            else None
        )
        card = None
        if cert_id in expires:
            if day is None:
                raise typer.BadParameter(f"give {cert_id}'s --certified-on with its expiry", param_hint="--expires-on")
            card = _expires_on(typed_date(expires[cert_id], what="--expires-on"), day, "--expires-on")
            computed, _ = computed_expiry(rule, day)
            card = None if card == computed else card
        given = _number(numbers[cert_id]) if cert_id in numbers else ("" if answered else None)
        certs.append(CertAnswer(rule, day, card, given))
    return Answers(
        certs,
        holder=_holder_name(holder) if holder is not None else None,
        memberships=_memberships(" ".join(member), ruleset) if member is not None else None,
        examples=not answered,
    )


@app.command()
def init(
    path: Annotated[
        str,
        typer.Argument(metavar="PATH", help="Where to write it; `-` writes to stdout.", show_default=True),
    ] = DEFAULT_PATH,
    cert: Annotated[
        Optional[list[str]],
        typer.Option(
            "--cert",
            metavar="ID",
            help="A certification to include (repeatable). Without options: asked when interactive, else CMA.",
        ),
    ] = None,
    holder: Annotated[
        Optional[str], typer.Option("--holder", metavar="NAME", help="Your name, as on your certificates.")
    ] = None,
    certified_on: Annotated[
        Optional[list[str]],
        typer.Option(
            "--certified-on",
            metavar="[ID=]DATE",
            help="The day the current cycle began (2022-08-19 or 08/19/2022); ID= with several --cert.",
        ),
    ] = None,
    expires_on: Annotated[
        Optional[list[str]],
        typer.Option("--expires-on", metavar="[ID=]DATE", help="The expiry printed on the card (optional)."),
    ] = None,
    number: Annotated[
        Optional[list[str]],
        typer.Option("--number", metavar="[ID=]NUMBER", help="The certificate number (optional)."),
    ] = None,
    member: Annotated[
        Optional[list[str]],
        typer.Option("--member", metavar="BODY", help="A body you pay membership to (repeatable)."),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace PATH if it exists.")] = False,
    as_of: AsOfOpt = None,
    rules: RulesOpt = None,
) -> None:
    """Write a commented starter credential file that passes `marenew status` as written.

    On a terminal, without options, it asks for your name, each certification with its dates and
    number, and your memberships. The options give the same answers without questions; whatever
    is not given is a placeholder marked FILL-IN (dates: certified three months before today, or
    --as-of), and every command warns until it is replaced.
    It never overwrites an existing file unless --force, and writes through a temporary file.

    Example: marenew init my-certs.yaml --holder "Dana Reyes" --cert CMA --certified-on 08/19/2022
    """
    with guarded():
        today = as_of_date(as_of)
        target = _target(path)
        if target is not None:
            from marenew.store.atomic import check_target

            if not path.endswith(("/", os.sep)) or target.parent.is_dir():
                check_target(target, force=force)  # before asking anything
        ruleset = load_ruleset(rules)
        from marenew.store.starter import Answers, starter_file

        any_option = bool(cert or holder is not None or certified_on or expires_on or number or member)
        default = DEFAULT_CERT if DEFAULT_CERT in ruleset else sorted(ruleset.ids())[0]
        if any_option:
            ids = _parse_certs(" ".join(cert), ruleset) if cert else [default]
            answers = _answers_from_options(
                ruleset,
                today,
                ids,
                holder=holder,
                certified_on=certified_on or [],
                expires_on=expires_on or [],
                number=number or [],
                member=member,
            )
        elif _interactive():
            try:
                answers = _ask_everything(ruleset, today)
            except typer.Abort:  # click turns Ctrl-C (and Ctrl-D) at a prompt into Abort: exit 130
                sys.stderr.write("\n")
                raise KeyboardInterrupt from None
        else:
            answers = Answers.placeholders([ruleset.get(default)])  # type: ignore[list-item]
            sys.stderr.write(
                f"marenew init: no --cert given: starting with {default} (add --cert ID, repeatable, to choose)\n"
            )
        rules_held: list[Rule] = [c.rule for c in answers.certs]
        text = starter_file(rules_held, ruleset, today, answers)
        if target is None:
            sys.stdout.write(text)
            return
        from marenew.store.atomic import write_atomic

        if path.endswith(("/", os.sep)) and not target.parent.is_dir():  # `init newdir/`: one level only
            try:
                target.parent.mkdir()
            except OSError as exc:
                raise InputError(
                    [Problem(str(target.parent), None, None, f"cannot create this folder: {exc.strerror or exc}")]
                ) from None
        write_atomic(target, text.encode("utf-8"), force=force)
        if answers.examples or answers.holder is None or any(c.certified_on is None for c in answers.certs):
            sys.stderr.write(f"wrote {target}: fill in each FILL-IN, then run `marenew status {target}`\n")
        else:
            sys.stderr.write(f"wrote {target}: check it with `marenew status {target}`\n")


def _target(path: str) -> Optional[Path]:
    """The file to write: None for stdout (`-`); PATH ending in a slash, or an existing folder,
    means the default file name inside that folder."""
    if path == "-":
        return None
    if path.endswith(("/", os.sep)) or Path(path).is_dir():
        return Path(path) / DEFAULT_PATH
    return Path(path)
