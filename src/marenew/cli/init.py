"""`marenew init [PATH]`: write a commented starter credential file that validates as written.

The placeholder dates are fixed relative to the day it is written (``--as-of``, default today):
the current cycle began three months before; the two example credits were completed two months and
one month before, inside the counting window. The shortest built-in cycle is NCMA's 12 months, so
every built-in credential still has at least nine months left: ``active`` (not ``expiring``) with
the default warning window of 90 days, on the day it is written, whatever that day is.
``expires_on`` is what the rule itself gives for that ``certified_on`` (engine.computed_expiry),
so it never disagrees with the rule.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from marenew.cli.common import (
    AsOfOpt,
    RulesOpt,
    as_of_date,
    command_app,
    guarded,
    load_ruleset,
)
from marenew.load.problems import InputError, Problem

if TYPE_CHECKING:
    from marenew.core.rule import Rule
    from marenew.load.rules import RuleSet

app = command_app()

DEFAULT_PATH = "marenew.yaml"
DEFAULT_CERT = "CMA"
# The template's dates, counted back from the day it is written (see the module docstring).
CERTIFIED_MONTHS_AGO = 3
CREDIT_MONTHS_AGO = (2, 1)
# When a rule gives no cycle length, the card's date must be copied by hand; this placeholder
# stands in for it (two years, the most common built-in cycle).
FALLBACK_CYCLE_MONTHS = 24


def _interactive() -> bool:
    """Ask questions only when someone can answer them."""
    return sys.stdin.isatty()


def _plain(text: str) -> str:
    """``text`` as a YAML scalar that reads back as the same text (quoted when YAML 1.1 would read
    it as something else: ``NO``, ``1.10``, ``a: b``)."""
    import yaml

    from marenew.load.yamlfile import T_STR

    tag = yaml.resolver.Resolver().resolve(yaml.ScalarNode, text, (True, False))
    safe = text and all(ch.isalnum() or ch in " -_./()" for ch in text) and text == text.strip()
    return text if tag == T_STR and safe and not text.startswith("-") else json.dumps(text)


def _line(yaml_text: str, comment: str, width: int = 36) -> str:
    """A line with its comment aligned, so the template reads like a form."""
    return f"{yaml_text.ljust(width - 2)}  # {comment}" if comment else yaml_text


def _months_before(day: dt.date, months: int) -> dt.date:
    from marenew.core import dates as periods

    return periods.add_months(day, -months)


def starter_file(rules: list[Rule], ruleset: RuleSet, today: dt.date) -> str:
    """The commented starter file for ``rules`` (at least one), dated from ``today``."""
    from marenew.core import dates as periods
    from marenew.core.engine import computed_expiry

    certified_on = _months_before(today, CERTIFIED_MONTHS_AGO)
    first = rules[0]
    known = ", ".join(sorted(ruleset.ids()))
    bodies = ", ".join(sorted(ruleset.bodies()))
    out = [
        "# marenew credential file: your certifications and the continuing education (CE) you completed.",
        f"# Written by `marenew init` on {today}. Every value below is a placeholder: the dates say you",
        "# were certified three months ago. Replace them with yours, then run:  marenew status <this file>",
        '# Dates are YYYY-MM-DD. Text that YAML could read as a number or yes/no goes in quotes: "0123", "no".',
        "",
        _line("holder: Your Name", "your name, as on your certificates"),
        "",
        f"# Bodies you pay membership to (members often pay lower renewal fees). Known: {bodies}.",
        _line("memberships: []", f"e.g. [{_plain(first.body)}]"),
        "",
        f"# One entry per certification you hold; cert is one of: {known}.",
        "credentials:",
    ]
    for rule in rules:
        expires_on, _ = computed_expiry(rule, certified_on)
        if expires_on is None:
            expires_on = periods.add_months(certified_on, FALLBACK_CYCLE_MONTHS)
            expiry_note = f"{rule.id} publishes no cycle length: copy this date from your card"
        else:
            expiry_note = "as printed on your card (optional; without it marenew works it out)"
        out += [
            _line(f"  - cert: {_plain(rule.id)}", f"{rule.name} ({rule.body})"),
            _line('    number: "0000000"', "as printed on your certificate, in quotes (optional)"),
            _line(f"    certified_on: {certified_on}", "the day this cycle began: certification or latest renewal"),
            _line(f"    expires_on: {expires_on}", expiry_note),
            _line("    submitted_on:", "the day you sent the renewal (marenew renew --submitted)"),
            _line("    paid: []", "recurring fees paid: marenew pay (e.g. {fee: annual, on: 2026-05-01})"),
            _line("    history: []", "earlier cycles: marenew renew moves the old one here"),
        ]
    with_areas = next((r for r in rules if r.ce and r.ce.categories), None)
    approvers = (first.ce.approved_by if first.ce and first.ce.approved_by else None) or [first.body]
    college = first.ce.college_credit_points.at(today) if first.ce and first.ce.college_credit_points else None
    college_note = (
        f"{first.id}: {college.value:g} points each"
        if college and college.value is not None
        else "counted only where the body converts them"
    )
    out += [
        "",
        "# Each CE activity you completed, listed once: it counts toward every credential it can, unless",
        "# applies_to says otherwise. These two are examples: replace them with your own.",
        "credits:",
        _line("  - title: Example course (replace me)", "as on the certificate of completion"),
        _line(f"    date: {_months_before(today, CREDIT_MONTHS_AGO[0])}", "the day you completed it"),
        _line("    points: 2", "CE points (contact hours), in the body's unit"),
    ]
    if with_areas is not None:
        areas = list(with_areas.ce.categories)  # type: ignore[union-attr]
        out.append(
            _line(f"    category: {_plain(areas[0])}", f"{with_areas.body} content area: {', '.join(areas)} (optional)")
        )
        # one certificate that covers several areas stays one credit: its points per area
        split = ", ".join(f"{_plain(a)}: {n}" for a, n in zip(areas, (2, 3, 1)))
        out.append(_line(f"    # points: {{{split}}}", "or one certificate over several areas"))
    else:
        out.append(_line("    # category: clinical", "content area, for bodies that have them (none held here)"))
    out += [
        _line(
            f"    approved_by: [{', '.join(_plain(b) for b in approvers)}]",
            "bodies that approved it, as on the certificate (optional)",
        ),
        _line(f"    applies_to: [{_plain(first.id)}]", "count it only for these credentials (optional)"),
        _line("    certificate: certificates/example.pdf", "the certificate of completion, relative to this file"),
        "  - title: Example college course (replace me)",
        f"    date: {_months_before(today, CREDIT_MONTHS_AGO[1])}",
        _line("    college_credits: 1", f"instead of points: semester or quarter credits ({college_note})"),
        "",
    ]
    return "\n".join(out)


def _parse_certs(answer: str, ruleset: RuleSet) -> list[str]:
    wanted = [part.upper() for part in answer.replace(",", " ").split()]
    unknown = [c for c in wanted if c not in ruleset]
    if unknown or not wanted:
        what = f"unknown certification {', '.join(unknown)}" if unknown else "name at least one certification"
        raise typer.BadParameter(f"{what}; known: {', '.join(sorted(ruleset.ids()))}", param_hint="--cert")
    return list(dict.fromkeys(wanted))  # each once, in the order given


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
            help="A certification to include (repeatable). Without it: asked when interactive, else CMA.",
        ),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace PATH if it exists.")] = False,
    as_of: AsOfOpt = None,
    rules: RulesOpt = None,
) -> None:
    """Write a commented starter credential file that passes `marenew status` as written.

    It never overwrites an existing file unless --force, and writes through a temporary file, so an
    interrupted write leaves the old file whole. Placeholder dates: certified three months before today
    (or --as-of).

    Example: marenew init my-certs.yaml --cert CMA --cert RMA
    """
    with guarded():
        today = as_of_date(as_of)
        target = _target(path)
        if target is not None:
            from marenew.store.atomic import check_target

            if not path.endswith(("/", os.sep)) or target.parent.is_dir():
                check_target(target, force=force)  # before asking anything
        ruleset = load_ruleset(rules)
        default = DEFAULT_CERT if DEFAULT_CERT in ruleset else sorted(ruleset.ids())[0]
        if cert:
            ids = _parse_certs(" ".join(cert), ruleset)
        elif _interactive():
            try:
                ids = typer.prompt(
                    f"Which certifications do you hold? ({', '.join(sorted(ruleset.ids()))}; separate with spaces)",
                    default=default,
                    value_proc=lambda answer: _parse_certs(answer, ruleset),
                    err=True,
                )
            except typer.Abort:  # click turns Ctrl-C (and Ctrl-D) at a prompt into Abort: exit 130
                sys.stderr.write("\n")
                raise KeyboardInterrupt from None
        else:
            ids = [default]
            sys.stderr.write(
                f"marenew init: no --cert given: starting with {default} (add --cert ID, repeatable, to choose)\n"
            )
        text = starter_file([ruleset.get(i) for i in ids], ruleset, today)  # type: ignore[misc]
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
        sys.stderr.write(f"wrote {target}: fill it in, then run `marenew status {target}`\n")


def _target(path: str) -> Optional[Path]:
    """The file to write: None for stdout (`-`); PATH ending in a slash, or an existing folder,
    means the default file name inside that folder."""
    if path == "-":
        return None
    if path.endswith(("/", os.sep)) or Path(path).is_dir():
        return Path(path) / DEFAULT_PATH
    return Path(path)
