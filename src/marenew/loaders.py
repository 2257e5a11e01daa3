"""Files in, models out: rule folders and credential files, every problem located.

Built-in rules ship inside the package (``marenew/rules`` in the wheel; the repo's top-level
``rules/`` in a source checkout). ``--rules DIR`` and ``MARENEW_RULES`` add folders whose rule
files add to, or replace by id, the built-in ones.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, ValidationError

from .credentials import Credential, CredentialFile, Credit
from .problems import InputError, Problem, key_path
from .rules import Rule
from .validation import in_order, suggest, validate
from .yamlload import Document, load_file

RULE_SUFFIXES = (".yaml", ".yml")
MAX_POINTS = 500  # one activity worth more than this is a typo, not a course
MAX_COLLEGE_CREDITS = 30
_INFINITE = (float("inf"), float("-inf"))
# the amounts a credit may give, and the most one activity can plausibly be worth
_AMOUNTS = (("points", MAX_POINTS), ("college_credits", MAX_COLLEGE_CREDITS))
# Dates a credential file (or --as-of) may hold: outside them a date is a typo (0202-05-01), and
# cycle arithmetic near the ends of the calendar would fail.
EARLIEST_DATE = dt.date(1900, 1, 1)
LATEST_DATE = dt.date(2199, 12, 31)


def implausible_date(day: dt.date) -> str | None:
    """Why ``day`` cannot be meant, or None."""
    if EARLIEST_DATE <= day <= LATEST_DATE:
        return None
    return f"{day} is not a plausible date (marenew works with {EARLIEST_DATE.year} to {LATEST_DATE.year})"


def builtin_rules_dir() -> Path:
    here = Path(__file__).resolve().parent
    packaged = here / "rules"
    if packaged.is_dir():
        return packaged
    return here.parent.parent / "rules"  # source checkout: src/marenew -> repo root


def rules_dirs_from_env() -> list[Path]:
    raw = os.environ.get("MARENEW_RULES", "")
    return [Path(p) for p in raw.split(os.pathsep) if p.strip()]


def rule_files(folder: Path) -> list[Path]:
    """Rule files are the YAML files directly in a folder (worked cases live in ``cases/``)."""
    return sorted(p for p in folder.iterdir() if p.suffix in RULE_SUFFIXES and p.is_file())


@dataclass
class RuleSet:
    """Rules by upper-case id, with the file each came from."""

    rules: dict[str, Rule] = field(default_factory=dict)
    origin: dict[str, Path] = field(default_factory=dict)
    documents: dict[str, Document] = field(default_factory=dict)

    def __contains__(self, cert: str) -> bool:
        return cert.upper() in self.rules

    def get(self, cert: str) -> Rule | None:
        return self.rules.get(cert.upper())

    def ids(self) -> list[str]:
        return [r.id for r in self.rules.values()]

    def bodies(self) -> set[str]:
        return {r.body.upper() for r in self.rules.values()}


def load_rule_file(path: Path) -> tuple[Rule | None, Document | None, list[Problem]]:
    """One rule file: the rule, or its problems (never raises for bad content)."""
    try:
        doc = load_file(path, allow_aliases=True, partial=True)
    except InputError as exc:
        return None, None, exc.problems
    rule, problems = validate(Rule, doc)
    if rule is not None:
        problems = in_order(problems + _source_keys(rule, doc))
        if any(p.level == "error" for p in problems):
            rule = None
    return rule, doc, problems


def _source_keys(rule: Rule, doc: Document) -> list[Problem]:
    """Every figure's source must name an entry of ``sources``."""
    out = []
    for path, figure in rule.figures():
        for since, entry in figure.entries():
            if entry.source is not None and entry.source not in rule.sources:
                where = path + (("values", since) if since is not None else ()) + ("source",)
                line, col = doc.locate(where)
                out.append(Problem(doc.source, line, col,
                                   f"source `{entry.source}` is not a key of `sources`{suggest(entry.source, rule.sources)}",
                                   key=key_path(where)))
    return out


def load_rules(extra_dirs: Sequence[Path] = (), *, builtin: bool = True) -> RuleSet:
    """Built-in rules, then each extra folder in order (later ones replace earlier by id).
    Raises InputError with every problem of every file if any file is broken."""
    # rulecheck imports this module: its checks are imported here, when rules are loaded
    from .rulecheck import check_document, duplicate_id

    folders = ([builtin_rules_dir()] if builtin else []) + list(extra_dirs)
    ruleset = RuleSet()
    problems: list[Problem] = []
    for folder in folders:
        if not folder.is_dir():
            problems.append(Problem(str(folder), None, None, "rules folder not found"))
            continue
        seen: dict[str, tuple[str, int | None]] = {}
        for path in rule_files(folder):
            rule, doc, found = load_rule_file(path)
            if doc is not None:
                # the errors `rules check` reports (a null cycle length, a negative total) would
                # otherwise crash or mislead a status; its warnings (a stale date) do not block
                found = in_order(found + check_document(doc, rule, as_of=dt.date.today()) + duplicate_id(doc, seen))
                if any(p.level == "error" for p in found):
                    rule = None
            problems += found
            if rule is not None and doc is not None:
                ruleset.rules[rule.key] = rule
                ruleset.origin[rule.key] = path
                ruleset.documents[rule.key] = doc
    errors = [p for p in problems if p.level == "error"]
    if errors:
        raise InputError(errors)
    return ruleset


# --- credential files -------------------------------------------------------------------------


@dataclass
class LoadedCredentials:
    holder: CredentialFile
    document: Document
    warnings: list[Problem]


def load_credentials(path: Path, ruleset: RuleSet, *, today: dt.date, source: str | None = None) -> LoadedCredentials:
    """Read and check a credential file. Raises InputError with every error found."""
    doc = load_file(path, allow_aliases=False, source=source, partial=True)
    return check_credentials(doc, ruleset, today=today)


def check_credentials(doc: Document, ruleset: RuleSet, *, today: dt.date) -> LoadedCredentials:
    holder, problems = validate(CredentialFile, doc)
    # An invalid file still gets the semantic checks on its entries that are valid on their own,
    # so that one run reports every error (an unknown cert beside a misspelt key).
    problems = in_order(problems + semantic_problems(holder or _partial_holder(doc.data), doc, ruleset, today=today))
    errors = [p for p in problems if p.level == "error"]
    if errors or holder is None:
        raise InputError(errors)
    return LoadedCredentials(holder, doc, [p for p in problems if p.level == "warning"])


def _partial_holder(data: object) -> CredentialFile:
    """The entries of an invalid credential file that are valid on their own, None in place of the
    others (so that indexes still match the file): only for ``semantic_problems``."""
    data = data if isinstance(data, dict) else {}

    def each(model: type[BaseModel], items: object) -> list:
        out = []
        for item in items if isinstance(items, list) else []:
            try:
                out.append(model.model_validate(item))
            except ValidationError:
                out.append(None)
        return out

    memberships = data.get("memberships")
    memberships = [memberships] if isinstance(memberships, str) else memberships
    if not (isinstance(memberships, list) and all(isinstance(m, str) for m in memberships)):
        memberships = []
    return CredentialFile.model_construct(holder="", memberships=memberships,
                                          credentials=each(Credential, data.get("credentials")),
                                          credits=each(Credit, data.get("credits")))


def semantic_problems(holder: CredentialFile, doc: Document, ruleset: RuleSet, *, today: dt.date) -> list[Problem]:
    """What the schema cannot see: unknown certs and bodies, impossible dates, implausible points,
    the same credit twice. Entries that are None (invalid on their own) are skipped."""
    out: list[Problem] = []

    def add(path: tuple, message: str, level: str = "error") -> None:
        line, col = doc.locate(path)
        out.append(Problem(doc.source, line, col, message, level, key_path(path) or None))  # type: ignore[arg-type]

    known = ", ".join(sorted(ruleset.ids()))
    held = {c.key for c in holder.credentials if c is not None}
    seen_cert: dict[str, int] = {}
    for i, cred in enumerate(holder.credentials):
        base = ("credentials", i)
        if cred is None:
            continue
        if cred.key not in ruleset:
            add(base + ("cert",), f"unknown certification `{cred.cert}`; known: {known}")
            continue
        if cred.key in seen_cert:
            add(base + ("cert",), f"{cred.cert} is listed twice (also credentials[{seen_cert[cred.key]}])")
        seen_cert[cred.key] = i
        wrong = [(name, implausible_date(day)) for name, day in (("certified_on", cred.certified_on),
                                                                  ("expires_on", cred.expires_on)) if day]
        if any(why for _, why in wrong):
            for name, why in wrong:
                if why:
                    add(base + (name,), why)
            continue
        if cred.certified_on > today:
            add(base + ("certified_on",), f"certified_on {cred.certified_on} is in the future", "warning")
        if cred.expires_on is not None and cred.expires_on <= cred.certified_on:
            add(base + ("expires_on",), f"expires_on {cred.expires_on} is not after certified_on {cred.certified_on}")
        if cred.expires_on is None:
            # a rule whose cycle length starts later than this certification cannot date it
            from .engine import cycle_in_force

            rule = ruleset.get(cred.key)
            if rule is not None and cycle_in_force(rule, cred.certified_on) is None:
                origin = ruleset.origin.get(cred.key)
                add(base + ("certified_on",),
                    f"the {rule.id} rule{f' ({origin})' if origin else ''} gives no cycle length in force on "
                    f"{cred.certified_on}, so no expiry can be worked out: give expires_on from the card")

    bodies = ruleset.bodies()
    for i, body in enumerate(holder.memberships):
        if body.upper() not in bodies:
            add(("memberships", i), f"no rule knows the body `{body}`; known: {', '.join(sorted(bodies))}", "warning")

    held_rules = [ruleset.get(c) for c in held if c in ruleset]
    categories = {k.lower() for r in held_rules if r and r.ce for k in r.ce.categories}
    seen_credit: dict[tuple, int] = {}
    for i, credit in enumerate(holder.credits):
        base = ("credits", i)
        if credit is None:
            continue
        why = None if EARLIEST_DATE <= credit.date <= LATEST_DATE else implausible_date(credit.date)
        if why:
            add(base + ("date",), why)
        if credit.points is None and credit.college_credits is None:
            add(base, "give `points` (or `college_credits`)")
        if credit.points is not None and credit.college_credits is not None:
            add(base + ("college_credits",), "give `points` or `college_credits`, not both")
        for name, limit in _AMOUNTS:
            value = getattr(credit, name)
            if value is None or 0 < value <= limit:  # the usual case: nothing to say
                continue
            if value != value or value in _INFINITE:
                add(base + (name,), f"{name} must be a number, not {value}")
            elif value <= 0:
                add(base + (name,), f"{name} must be more than 0 (read {value:g})")
            elif value > limit:
                add(base + (name,), f"{name} {value:g} is implausibly large for one activity (over {limit})")
        if not credit.title.strip():
            add(base + ("title",), "title is empty")
        if credit.date > today and not why:
            add(base + ("date",), f"date {credit.date} is in the future: it will not count until then", "warning")
        for j, body in enumerate(credit.approved_by):
            if body.upper() not in bodies:  # rare: the message is built only then
                add(base + ("approved_by", j), f"no rule knows the body `{body}`; known: {', '.join(sorted(bodies))}",
                    "warning")
        for j, cert in enumerate(credit.applies_to or []):
            if cert.upper() not in ruleset:
                add(base + ("applies_to", j), f"unknown certification `{cert}`; known: {known}")
            elif cert.upper() not in held:
                add(base + ("applies_to", j), f"this file holds no {cert}", "warning")
        if credit.category is not None and categories and credit.category.strip().lower() not in categories:
            add(base + ("category",),
                f"`{credit.category}` is not a content area of any certification held "
                f"({', '.join(sorted(categories))}); it counts toward totals, not a content area", "warning")
        same = (credit.title.strip().lower(), credit.date)
        if same in seen_credit:
            first = seen_credit[same]
            line, _ = doc.locate(("credits", first))
            add(base, f"the same credit (title and date) is listed twice (first at line {line}); "
                      "remove one, or tell them apart in the title")
        else:
            seen_credit[same] = i
    return out


def iter_credential_paths(paths: Iterable[Path]) -> list[Path]:
    """Files as given, and the *.yaml/*.yml files under each folder (recursively). A folder
    without any is an error: judging nobody must not look like "everyone is fine"."""
    out = []
    for p in paths:
        if p.is_dir():
            found = sorted(q for q in p.rglob("*") if q.suffix in RULE_SUFFIXES and q.is_file())
            if not found:
                raise InputError([Problem(str(p), None, None, "no credential files (*.yaml, *.yml) in this folder")])
            out += found
        else:
            out.append(p)
    return out
