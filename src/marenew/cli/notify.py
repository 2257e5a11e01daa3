"""`marenew notify`: each person gets their own reminder by e-mail, with their calendar attached.

The people are judged as `marenew roster` judges them (the same reading of the exports); the
address comes from an `email` column. Mail goes through an SMTP server (`--smtp HOST:PORT`,
STARTTLS when the server offers it, a login from MARENEW_SMTP_USER and MARENEW_SMTP_PASSWORD),
or into .eml files with `--dry-run`. Each message sent is recorded in a state file as it goes,
so that `--resume` after an interruption or a refusal sends nothing twice.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from marenew.cli.common import (
    AsOfOpt,
    MemberOpt,
    RulesOpt,
    WarnDaysOpt,
    as_of_date,
    command_app,
    guarded,
    rules_dirs,
)
from marenew.cli.exitcodes import ExitCode
from marenew.cli.roster import MapOpt
from marenew.core.defaults import WARN_DAYS

app = command_app()

USER_ENV, PASSWORD_ENV, FROM_ENV = "MARENEW_SMTP_USER", "MARENEW_SMTP_PASSWORD", "MARENEW_SMTP_FROM"
DEFAULT_STATE = Path("marenew-notify-sent.jsonl")
LOOPBACK = ("localhost", "127.0.0.1", "::1")  # a relay on this machine: no network to protect


@app.command()
def notify(
    people: Annotated[Path, typer.Option("--people", metavar="CSV", help="Staff export with an email column.")],
    credits: Annotated[
        Optional[Path], typer.Option("--credits", metavar="CSV", help="Completions export: one row per CE activity.")
    ] = None,
    smtp: Annotated[
        Optional[str], typer.Option("--smtp", metavar="HOST:PORT", help="Send through this SMTP server.")
    ] = None,
    dry_run: Annotated[
        Optional[Path],
        typer.Option(
            "--dry-run", metavar="FOLDER", help="Write each message as an .eml file into FOLDER instead of sending it."
        ),
    ] = None,
    sender: Annotated[
        Optional[str], typer.Option("--from", metavar="ADDRESS", help=f"The sender (default: ${FROM_ENV}).")
    ] = None,
    starttls: Annotated[
        Optional[bool],
        typer.Option(
            "--starttls/--no-starttls",
            help="Require STARTTLS, or never use it (default: when the server offers it).",
            show_default=False,
        ),
    ] = None,
    everyone: Annotated[
        bool,
        typer.Option(
            "--all", help="Write to everyone with an address, not only those who need to act or are behind pace."
        ),
    ] = False,
    resume: Annotated[
        bool,
        typer.Option(
            "--resume", help="Skip the messages the state file records as sent (same person, address and as-of day)."
        ),
    ] = False,
    state: Annotated[
        Path, typer.Option("--state", metavar="FILE", help="Where each message sent is recorded.")
    ] = DEFAULT_STATE,
    force: Annotated[
        bool, typer.Option("--force", help="Start the state file afresh; let --dry-run replace .eml files.")
    ] = False,
    as_of: AsOfOpt = None,
    warn_days: WarnDaysOpt = WARN_DAYS,
    member: MemberOpt = None,
    rules: RulesOpt = None,
    column_map: MapOpt = None,
    map_file: Annotated[
        Optional[Path], typer.Option("--map-file", metavar="YAML", help="Header names for columns, from a file.")
    ] = None,
    date_format: Annotated[
        Optional[list[str]],
        typer.Option("--date-format", metavar="PATTERN", help="How the exports write dates (strptime; repeatable)."),
    ] = None,
) -> None:
    """E-mail each person their own reminder, with their key dates attached.

    Each message says the person's status, next step, by when and cost, with an .ics file of
    their key dates. Exit 0 when every message went out (or was written), 2 when
    any address was refused or missing its server, or on bad input.

    Example: marenew notify --people staff.csv --credits ce.csv --smtp mail.example.org:587 --from hr@example.org
    """
    with guarded():
        _notify(
            people,
            credits,
            smtp,
            dry_run,
            sender,
            starttls,
            everyone,
            resume,
            state,
            force,
            as_of,
            warn_days,
            member,
            rules,
            column_map or [],
            map_file,
            date_format or [],
        )


def _notify(
    people,
    credits,
    smtp,
    dry_run,
    sender,
    starttls,
    everyone,
    resume,
    state,
    force,
    as_of,
    warn_days,
    member,
    rules,
    column_map,
    map_file,
    date_format,
) -> None:
    from marenew.cli.common import load_ruleset
    from marenew.cli.roster import _column_map
    from marenew.report.safe import safe_text
    from marenew.roster.columns import DateReader
    from marenew.roster.notice import EMAIL_COLUMN, address_problem, people_of
    from marenew.roster.records import Settings
    from marenew.roster.runner import Job, run_csv
    from marenew.store.atomic import scratch_folder

    if (smtp is None) == (dry_run is None):
        raise typer.BadParameter("give --smtp HOST:PORT to send, or --dry-run FOLDER to write .eml files")
    sender = sender or os.environ.get(FROM_ENV)
    if not sender:
        raise typer.BadParameter(f"give the sender with --from ADDRESS (or ${FROM_ENV})", param_hint="--from")
    _check_sender(sender)
    host_port = _host_port(smtp) if smtp else None
    if dry_run is not None and not dry_run.is_dir():
        raise typer.BadParameter(f"{dry_run}: no such folder", param_hint="--dry-run")
    sent_before = _state(state, resume=resume, force=force) if smtp else set()
    day = as_of_date(as_of)
    ruleset = load_ruleset(rules)
    settings = Settings(
        day,
        warn_days,
        member,
        DateReader(tuple(date_format)),
        (EMAIL_COLUMN,),
        with_file=True,
        column_map=_column_map(column_map, map_file),
    )
    job = Job(settings, None, people_file=str(people), credits_file=str(credits) if credits else "credits.csv")
    with scratch_folder("marenew-notify-") as tmp:
        outcome = run_csv(
            people, credits, rules=ruleset, rule_dirs=rules_dirs(rules), job=job, jobs=1, folder=Path(tmp), sort=True
        )
        try:
            rows = [row for _, row in outcome.rows]
        finally:
            outcome.close()
    persons, errors = people_of(rows)
    for row in errors:
        sys.stderr.write(safe_text(f"not reminded: {row['error']}", lines=False) + "\n")
    wanted = [p for p in persons if everyone or p.needs_attention]
    report = _Report(errors=len(errors))
    report.quiet = len(persons) - len(wanted)
    outbox = []
    for person in wanted:
        if not person.email:
            report.no_address.append(person.person_id)
        elif problem := address_problem(person.email):
            # refused before a message is built: a line break in an address could add headers
            report.refused.append((f"{person.person_id} <{person.email}>", problem))
        else:
            outbox.append(person)
    messages = [(p, _message(p, day, sender, ruleset, member, warn_days)) for p in outbox]
    if dry_run is not None:
        _write_eml(messages, dry_run, force, report)
    else:
        assert host_port is not None
        _send(messages, host_port, starttls, state, sent_before, day, report)
    for line in report.lines(dry_run is not None):
        sys.stderr.write(safe_text(line, lines=False) + "\n")  # ids and addresses come from the export
    raise typer.Exit(ExitCode.INPUT if report.refused or report.errors else ExitCode.OK)


class _Report:
    def __init__(self, errors: int = 0) -> None:
        self.sent: list[str] = []
        self.refused: list[tuple[str, str]] = []
        self.skipped: list[str] = []  # already sent (--resume)
        self.no_address: list[str] = []
        self.quiet = 0  # people with nothing to act on (without --all)
        self.errors = errors

    def lines(self, dry: bool) -> list[str]:
        from marenew.core.words import plural

        verb = "written" if dry else "sent"
        out = [f"notify: {plural(len(self.sent), 'message')} {verb}"]
        if self.skipped:
            out.append(f"  {plural(len(self.skipped), 'message')} already sent before, not sent again (--resume)")
        for who, why in self.refused:
            out.append(f"  refused: {who}: {why}")
        if self.no_address:
            out.append(
                f"  {plural(len(self.no_address), 'person', 'people')} without an e-mail address: "
                + ", ".join(self.no_address)
            )
        if self.quiet:
            out.append(
                f"  {plural(self.quiet, 'person', 'people')} with nothing to act on, not written to "
                "(--all writes to everyone)"
            )
        if self.errors:
            out.append(
                f"  {plural(self.errors, 'record')} could not be read (see above); nobody was reminded from them"
            )
        return out


def _check_sender(sender: str) -> None:
    """ADDRESS or Name <ADDRESS>, on one line (a line break would add headers to every message)."""
    from email.utils import parseaddr

    from marenew.report.safe import safe_text
    from marenew.roster.notice import address_problem

    if not sender.isprintable() or address_problem(parseaddr(sender)[1]):
        raise typer.BadParameter(
            f"`{safe_text(sender, lines=False)}` is not an e-mail address (ADDRESS or Name <ADDRESS>)",
            param_hint="--from",
        )


def _host_port(value: str) -> tuple[str, int]:
    host, sep, port = value.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise typer.BadParameter(f"`{value}`: write HOST:PORT, e.g. mail.example.org:587", param_hint="--smtp")
    return host.strip("[]"), int(port)


def _key(pid: str, email: str, day) -> str:
    return f"{pid}\t{email.casefold()}\t{day.isoformat()}"


def _state(path: Path, *, resume: bool, force: bool) -> set[str]:
    """The messages already sent, from the state file. An existing file is never overwritten
    or ignored silently: --resume reads it, --force starts afresh (keeping the old as .bak)."""
    from marenew.load.problems import InputError, Problem

    if not path.exists():
        return set()
    if force and not resume:
        path.replace(path.with_name(path.name + ".bak"))
        return set()
    if not resume:
        raise InputError(
            [
                Problem(
                    str(path),
                    None,
                    None,
                    "records messages already sent: pass --resume to skip them, or --force to start afresh",
                )
            ]
        )
    done = set()
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
            done.add(_key(entry["person_id"], entry["email"], _day(entry["as_of"])))
        except (ValueError, KeyError, TypeError):
            raise InputError([Problem(str(path), n, None, "not a line marenew wrote; fix or remove it")]) from None
    return done


def _day(text: str):
    import datetime as dt

    return dt.date.fromisoformat(text)


def _message(person, day, sender, ruleset, member, warn_days):
    from marenew.core.credential import CredentialFile
    from marenew.core.engine import evaluate
    from marenew.core.plan import plan_report
    from marenew.report.calendar import build_calendar
    from marenew.roster.notice import message

    holder = CredentialFile.model_validate(person.rows[0]["credential_file"])
    report = evaluate(ruleset.rules, holder, day, member=member, warn_days=warn_days)
    calendar = build_calendar(plan_report(ruleset.rules, holder, report))
    return message(person, day, sender, calendar)


def _write_eml(messages, folder: Path, force: bool, report: _Report) -> None:
    from marenew.roster.sheet import file_parts
    from marenew.store.atomic import check_target, write_atomic

    names = file_parts(p.person_id for p, _ in messages)  # P/1 and P-1 get two files, not one
    paths = [(p, m, folder / f"{names[p.person_id]}.eml") for p, m in messages]
    for _, _, path in paths:
        check_target(path, force=force)
    for person, msg, path in paths:
        write_atomic(path, bytes(msg), force=force)
        report.sent.append(person.person_id)


def _send(
    messages, host_port: tuple[str, int], starttls, state: Path, sent_before: set[str], day, report: _Report
) -> None:
    import smtplib
    import ssl

    from marenew.load.problems import InputError, Problem

    todo = []
    for person, msg in messages:
        if _key(person.person_id, person.email, day) in sent_before:
            report.skipped.append(person.person_id)
        else:
            todo.append((person, msg))
    if not todo:
        return
    host, port = host_port
    where = f"{host}:{port}"
    try:
        server = smtplib.SMTP(host, port, timeout=30)
    except (OSError, smtplib.SMTPException) as exc:
        raise InputError([Problem("--smtp", None, None, f"cannot connect to {where}: {exc}")]) from None
    with server, open(state, "a", encoding="utf-8") as log:
        try:
            server.ehlo()
            tls = False
            if starttls or (starttls is None and server.has_extn("starttls")):
                if not server.has_extn("starttls"):
                    raise InputError([Problem("--smtp", None, None, f"{where} does not offer STARTTLS")])
                server.starttls(context=ssl.create_default_context())
                server.ehlo()
                tls = True
            user = os.environ.get(USER_ENV)
            if user and not tls and host not in LOOPBACK:
                raise InputError(
                    [
                        Problem(
                            "--smtp",
                            None,
                            None,
                            f"{where} offers no STARTTLS: the password of ${USER_ENV} is not sent in the clear",
                        )
                    ]
                )
            if user:
                server.login(user, os.environ.get(PASSWORD_ENV, ""))
        except smtplib.SMTPAuthenticationError as exc:
            raise InputError(
                [
                    Problem(
                        "--smtp",
                        None,
                        None,
                        f"{where} refused the login of ${USER_ENV}: {_reply(exc.smtp_code, exc.smtp_error)}",
                    )
                ]
            ) from None
        except (OSError, smtplib.SMTPException) as exc:
            raise InputError([Problem("--smtp", None, None, f"{where}: {exc}")]) from None
        for person, msg in todo:
            who = f"{person.person_id} <{person.email}>"
            try:
                server.send_message(msg)
            except smtplib.SMTPRecipientsRefused as exc:
                code, text = next(iter(exc.recipients.values()))
                report.refused.append((who, _reply(code, text)))
                continue
            except (smtplib.SMTPDataError, smtplib.SMTPSenderRefused) as exc:
                report.refused.append((who, _reply(exc.smtp_code, exc.smtp_error)))
                continue
            except (OSError, smtplib.SMTPServerDisconnected) as exc:
                report.refused.append((who, f"the connection failed ({exc}); rerun with --resume"))
                break
            log.write(
                json.dumps(
                    {
                        "person_id": person.person_id,
                        "email": person.email,
                        "as_of": day.isoformat(),
                        "subject": msg["Subject"],
                    },
                    ensure_ascii=False,
                )
                + "\n"
            )
            log.flush()
            os.fsync(log.fileno())
            report.sent.append(person.person_id)


def _reply(code: int, text: bytes | str) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return f"{code} {text}".strip()
