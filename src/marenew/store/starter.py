"""The starter credential file that `marenew init` writes: every field shown with a comment.

What the holder told init (``Answers``) is written as given. Whatever is missing is a placeholder
that already passes `marenew status`, its comment marked ``# FILL-IN`` (load.placeholders), so
that every command warns until it is replaced.

Placeholder dates are fixed relative to the day the file is written: the current cycle began
three months before; the two example credits were completed two months and one month before,
inside the counting window. The shortest built-in cycle is NCMA's 12 months, so every built-in
credential still has at least nine months left: ``active`` (not ``expiring``) with the default
warning window of 90 days, on the day it is written, whatever that day is. A placeholder
``expires_on`` is what the rule itself gives for that ``certified_on`` (engine.computed_expiry),
so it never disagrees with the rule.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from marenew.core import dates as periods
from marenew.core.engine import computed_expiry
from marenew.core.rule import Rule
from marenew.load.placeholders import FILL_IN
from marenew.load.rules import RuleSet

# The template's dates, counted back from the day it is written (see the module docstring).
CERTIFIED_MONTHS_AGO = 3
CREDIT_MONTHS_AGO = (2, 1)
# When a rule gives no cycle length, the card's date must be copied by hand; this placeholder
# stands in for it (two years, the most common built-in cycle).
FALLBACK_CYCLE_MONTHS = 24
COMMENT_COLUMN = 36


@dataclass
class CertAnswer:
    """One certification as the holder gave it; None: not given (a placeholder is written)."""

    rule: Rule
    certified_on: dt.date | None = None
    expires_on: dt.date | None = None
    number: str | None = None


@dataclass
class Answers:
    certs: list[CertAnswer]
    holder: str | None = None
    memberships: list[str] | None = None  # None: not asked ([] is an answer: none)
    examples: bool = True  # example credits (placeholders) rather than an empty list

    @classmethod
    def placeholders(cls, rules: list[Rule]) -> Answers:
        return cls([CertAnswer(rule) for rule in rules])


def plain(text: str) -> str:
    """``text`` as a YAML scalar that reads back as the same text (quoted when YAML 1.1 would read
    it as something else: ``NO``, ``1.10``, ``a: b``)."""
    from marenew.store.edit import scalar_text

    return scalar_text(text)


def line(yaml_text: str, comment: str = "", *, placeholder: bool = False) -> str:
    """A line with its comment aligned, so the template reads like a form; a placeholder's comment
    begins with the FILL-IN mark."""
    if placeholder:
        comment = f"{FILL_IN} {comment}".rstrip()
    return f"{yaml_text.ljust(COMMENT_COLUMN - 2)}  # {comment}" if comment else yaml_text


def months_before(day: dt.date, months: int) -> dt.date:
    return periods.add_months(day, -months)


def starter_file(rules: list[Rule], ruleset: RuleSet, today: dt.date, answers: Answers | None = None) -> str:
    """The commented starter file for ``rules`` (at least one), dated from ``today``: with
    ``answers``, what the holder gave, placeholders for the rest."""
    answers = answers or Answers.placeholders(rules)
    out = _header(today, any_placeholder=_has_placeholders(answers))
    out += _holder(answers, ruleset)
    out.append("credentials:")
    for cert in answers.certs:
        out += _credential(cert, today)
    out += _credits([c.rule for c in answers.certs], today, examples=answers.examples)
    return "\n".join(out)


def _has_placeholders(answers: Answers) -> bool:
    return (
        answers.holder is None
        or answers.examples
        or any(c.certified_on is None or c.number is None for c in answers.certs)
    )


def _header(today: dt.date, *, any_placeholder: bool) -> list[str]:
    out = [
        "# marenew credential file: your certifications and the continuing education (CE) you completed.",
        f"# Written by `marenew init` on {today}.",
    ]
    if any_placeholder:
        out += [
            f"# Lines marked {FILL_IN} hold placeholders (the dates say you were certified three months ago):",
            f"# put in yours and delete each {FILL_IN} mark. Until then every command warns.",
        ]
    return out + [
        "# Check it with:  marenew status <this file>",
        '# Dates are YYYY-MM-DD. Text that YAML could read as a number or yes/no goes in quotes: "0123", "no".',
        "",
    ]


def _holder(answers: Answers, ruleset: RuleSet) -> list[str]:
    first = answers.certs[0].rule
    bodies = ", ".join(sorted(ruleset.bodies()))
    known = ", ".join(sorted(ruleset.ids()))
    if answers.holder is None:
        holder = line("holder: Your Name", "your name, as on your certificates", placeholder=True)
    else:
        holder = line(f"holder: {plain(answers.holder)}", "as on your certificates")
    members = answers.memberships or []
    return [
        holder,
        "",
        f"# Bodies you pay membership to (members often pay lower renewal fees). Known: {bodies}.",
        line(f"memberships: [{', '.join(plain(m) for m in members)}]", f"e.g. [{plain(first.body)}]"),
        "",
        f"# One entry per certification you hold; cert is one of: {known}.",
    ]


def _credential(cert: CertAnswer, today: dt.date) -> list[str]:
    rule = cert.rule
    out = [line(f"  - cert: {plain(rule.id)}", f"{rule.name} ({rule.body})")]
    if cert.number is None:
        out.append(
            line('    number: "0000000"', "as printed on your certificate, in quotes (optional)", placeholder=True)
        )
    elif not cert.number:  # none: the key stays visible, as a comment
        out.append(line("    # number:", "as printed on your certificate, in quotes (optional)"))
    else:
        from marenew.store.edit import double_quoted

        out.append(line(f"    number: {double_quoted(cert.number)}", "as printed on your certificate"))
    if cert.certified_on is None:
        certified_on = months_before(today, CERTIFIED_MONTHS_AGO)
        out.append(
            line(
                f"    certified_on: {certified_on}",
                "the day this cycle began: certification or latest renewal",
                placeholder=True,
            )
        )
        out.append(_placeholder_expiry(rule, certified_on))
    else:
        out.append(line(f"    certified_on: {cert.certified_on}", "the day this cycle began"))
        out.append(_given_expiry(rule, cert.certified_on, cert.expires_on))
    out += [
        line("    submitted_on:", "the day you sent the renewal (marenew renew --submitted)"),
        line("    paid: []", "recurring fees paid: marenew pay (e.g. {fee: annual, on: 2026-05-01})"),
        line("    history: []", "earlier cycles: marenew renew moves the old one here"),
    ]
    return out


def _placeholder_expiry(rule: Rule, certified_on: dt.date) -> str:
    expires_on, _ = computed_expiry(rule, certified_on)
    if expires_on is None:
        expires_on = periods.add_months(certified_on, FALLBACK_CYCLE_MONTHS)
        return line(
            f"    expires_on: {expires_on}",
            f"{rule.id} publishes no cycle length: copy it from your card",
            placeholder=True,
        )
    # marked too: a card date wins over the rule's, so one left behind would outlive a new certified_on
    return line(
        f"    expires_on: {expires_on}", "as on your card, or delete the line (marenew works it out)", placeholder=True
    )


def _given_expiry(rule: Rule, certified_on: dt.date, expires_on: dt.date | None) -> str:
    if expires_on is not None:
        return line(f"    expires_on: {expires_on}", "as printed on your card")
    computed, _ = computed_expiry(rule, certified_on)
    if computed is None:  # init asks for it; with flags it may still be missing
        fallback = periods.add_months(certified_on, FALLBACK_CYCLE_MONTHS)
        return line(
            f"    expires_on: {fallback}",
            f"{rule.id} publishes no cycle length: copy it from your card",
            placeholder=True,
        )
    # no date in the comment: it would go stale at the first renewal
    return line("    # expires_on:", "as on your card, where it differs from what marenew works out")


def _credits(rules: list[Rule], today: dt.date, *, examples: bool) -> list[str]:
    out = [
        "",
        "# Each CE activity you completed, listed once: it counts toward every credential it can, unless",
        "# applies_to says otherwise. Add them with `marenew add` (it checks each first), or by hand.",
    ]
    example = _example_credits(rules, today, marked=examples)
    if examples:
        return out + ["# These two are examples: replace them with your own.", "credits:"] + example + [""]
    return out + ["credits: []", "# For example:"] + [f"#{text[1:]}" for text in example] + [""]


def _example_credits(rules: list[Rule], today: dt.date, *, marked: bool) -> list[str]:
    first = rules[0]
    with_areas = next((r for r in rules if r.ce and r.ce.categories), None)
    approvers = (first.ce.approved_by if first.ce and first.ce.approved_by else None) or [first.body]
    college = first.ce.college_credit_points.at(today) if first.ce and first.ce.college_credit_points else None
    college_note = (
        f"{first.id}: {college.value:g} points each"
        if college and college.value is not None
        else "counted only where the body converts them"
    )
    out = [
        line("  - title: Example course (replace me)", "as on the certificate of completion", placeholder=marked),
        line(f"    date: {months_before(today, CREDIT_MONTHS_AGO[0])}", "the day you completed it"),
        line("    points: 2", "CE points (contact hours), in the body's unit"),
    ]
    if with_areas is not None and with_areas.ce is not None:
        areas = list(with_areas.ce.categories)
        out.append(
            line(f"    category: {plain(areas[0])}", f"{with_areas.body} content area: {', '.join(areas)} (optional)")
        )
        # one certificate that covers several areas stays one credit: its points per area
        split = ", ".join(f"{plain(a)}: {n}" for a, n in zip(areas, (2, 3, 1)))
        out.append(line(f"    # points: {{{split}}}", "or one certificate over several areas"))
    else:
        out.append(line("    # category: clinical", "content area, for bodies that have them (none held here)"))
    return out + [
        line(
            f"    approved_by: [{', '.join(plain(b) for b in approvers)}]",
            "bodies that approved it, as on the certificate (optional)",
        ),
        line(f"    applies_to: [{plain(first.id)}]", "count it only for these credentials (optional)"),
        line("    certificate: certificates/example.pdf", "the certificate of completion, relative to this file"),
        line("  - title: Example college course (replace me)", "", placeholder=marked),
        f"    date: {months_before(today, CREDIT_MONTHS_AGO[1])}",
        line("    college_credits: 1", f"instead of points: semester or quarter credits ({college_note})"),
    ]
