"""What a credential file's schema cannot see: unknown certifications and bodies, impossible
dates, implausible amounts, the same entry twice. Used for YAML files and for roster CSV rows
alike: problems are placed through a ``Locator`` (a YAML document, or the roster's CSV lines)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Protocol, TypeVar

from marenew.core.credential import Credential, CredentialFile, Credit
from marenew.core.dates import implausible_date
from marenew.core.engine import cycle_in_force
from marenew.core.names import AREA_NEAR, fold, names_of, nearest
from marenew.load.problems import Level, Problem, key_path
from marenew.load.rules import RuleSet

MAX_POINTS = 500  # one activity worth more than this is a typo, not a course
MAX_COLLEGE_CREDITS = 30
# the amounts a credit may give, and the most one activity can plausibly be worth
_AMOUNTS = (("points", MAX_POINTS), ("college_credits", MAX_COLLEGE_CREDITS))
_INFINITE = (float("inf"), float("-inf"))


class Locator(Protocol):
    source: str

    def locate(self, path: tuple, *, key: bool = False) -> tuple[int | None, int | None]: ...


Add = Callable[..., None]
K = TypeVar("K")
F = TypeVar("F")


def semantic_problems(holder: CredentialFile, doc: Locator, ruleset: RuleSet, *, today: dt.date) -> list[Problem]:
    """Every such problem of the file. Entries that are None (invalid on their own) are skipped."""
    out: list[Problem] = []
    add = _adder(out, doc)
    holder_checks(holder, ruleset, today, add)
    held = {c.key for c in holder.credentials if c is not None}
    credit_problems(holder.credits, held, ruleset, today, add, doc)
    return out


def holder_problems(holder: CredentialFile, doc: Locator, ruleset: RuleSet, *, today: dt.date) -> list[Problem]:
    """The problems of the file that are not those of a credit: of its holder, credentials and
    memberships. (The roster asks this alone for a person whose credits it has found clear,
    through ``CreditChecks``, of every problem ``credit_problems`` looks for.)"""
    out: list[Problem] = []
    holder_checks(holder, ruleset, today, _adder(out, doc))
    return out


def _adder(out: list[Problem], doc: Locator) -> Add:
    def add(path: tuple, message: str, level: Level = "error") -> None:
        line, col = doc.locate(path)
        out.append(Problem(doc.source, line, col, message, level, key_path(path) or None))

    return add


def holder_checks(holder: CredentialFile, ruleset: RuleSet, today: dt.date, add: Add) -> None:
    if not holder.holder.strip():  # a roster or a report would show a row with no name
        add(("holder",), "the holder's name is empty; write who holds these credentials")
    credential_problems(holder.credentials, ruleset, today, add)
    membership_problems(holder.memberships, ruleset, add)


def searched(ruleset: RuleSet) -> str:
    """With rules folders of one's own: where the rules were read from, and that one may be
    missing (a folder left out of --rules or MARENEW_RULES). Nothing with the built-ins alone."""
    from marenew.load.rules import builtin_rules_dir

    builtin = builtin_rules_dir().resolve()
    if all(f.resolve() == builtin for f in ruleset.folders):
        return ""
    places = ["the built-in rules" if f.resolve() == builtin else str(f) for f in ruleset.folders]
    return (
        f"; rules read from: {', '.join(places)}; a rules folder may be missing: "
        "give it with --rules DIR or in MARENEW_RULES"
    )


def credential_problems(credentials: list[Credential], ruleset: RuleSet, today: dt.date, add: Add) -> None:
    seen: dict[str, int] = {}
    for i, cred in enumerate(credentials):
        base = ("credentials", i)
        if cred is None:
            continue
        key = cred.key
        if key not in ruleset:
            add(
                base + ("cert",), f"unknown certification `{cred.cert}`; known: {known_ids(ruleset)}{searched(ruleset)}"
            )
            continue
        if key in seen:
            add(base + ("cert",), f"{cred.cert} is listed twice (also credentials[{seen[key]}])")
        seen[key] = i
        wrong = [
            (name, why)
            for name, day in (("certified_on", cred.certified_on), ("expires_on", cred.expires_on))
            if day and (why := implausible_date(day))
        ]
        if wrong:
            for name, why in wrong:
                add(base + (name,), why)
            continue
        # renewed early where the new cycle starts at the old expiry (NHA): a future start is expected
        early = bool(cred.history) and cred.history[-1].expires_on == cred.certified_on
        if cred.certified_on > today and not early:
            add(base + ("certified_on",), f"certified_on {cred.certified_on} is in the future", "warning")
        rule = ruleset.get(key)
        fee_ids = {f.id.lower(): f.id for f in rule.recurring_fees} if rule is not None and cred.paid else {}
        for j, payment in enumerate(cred.paid):
            if payment.fee.lower() not in fee_ids:
                has = f"; it has {', '.join(fee_ids.values())}" if fee_ids else "; it has none"
                add(
                    base + ("paid", j, "fee"),
                    f"the {cred.key} rule has no recurring fee `{payment.fee}`{has}",
                )
            elif payment.on > today:
                add(base + ("paid", j, "on"), f"paid on {payment.on}, which is in the future", "warning")
        if cred.expires_on is not None and cred.expires_on <= cred.certified_on:
            add(base + ("expires_on",), f"expires_on {cred.expires_on} is not after certified_on {cred.certified_on}")
        if cred.expires_on is None:
            if rule is not None and rule.cycle.expiry_from_card:
                # the rule says so (a birthday expiry): no date can be worked out from certified_on
                origin = ruleset.origin.get(cred.key)
                add(
                    base + ("cert",),
                    f"{rule.id} needs expires_on: the {rule.id} rule{f' ({origin})' if origin else ''} takes the "
                    "expiry from the credential itself (it cannot be worked out from certified_on); "
                    "give the date printed on the credential",
                )
                continue
            # a rule whose cycle length starts later than this certification cannot date it
            if rule is not None and cycle_in_force(rule, cred.certified_on) is None:
                origin = ruleset.origin.get(cred.key)
                add(
                    base + ("certified_on",),
                    f"the {rule.id} rule{f' ({origin})' if origin else ''} gives no cycle length in force on "
                    f"{cred.certified_on}, so no expiry can be worked out: give expires_on from the card",
                )


def membership_problems(memberships: list[str], ruleset: RuleSet, add: Add) -> None:
    if not memberships:
        return
    bodies = bodies_of(ruleset)
    for i, body in enumerate(memberships):
        if body.upper() not in bodies:
            add(("memberships", i), f"no rule knows the body `{body}`; known: {', '.join(sorted(bodies))}", "warning")


_BODIES: dict[int, tuple[RuleSet, int, set[str]]] = {}


def bodies_of(ruleset: RuleSet) -> set[str]:
    """``ruleset.bodies()``, worked out once per rule set (a roster asks for every person)."""
    hit = _BODIES.get(id(ruleset))
    if hit is not None and hit[0] is ruleset and hit[1] == len(ruleset.rules):
        return hit[2]
    if len(_BODIES) > 64:
        _BODIES.clear()
    bodies = ruleset.bodies()
    _BODIES[id(ruleset)] = (ruleset, len(ruleset.rules), bodies)
    return bodies


def known_ids(ruleset: RuleSet) -> str:
    return ", ".join(sorted(ruleset.ids()))


MEMO_LIMIT = 4096  # distinct names (or days) judged once each; past this, judged every time


class CreditChecks:
    """The questions ``credit_problems`` asks of each name and day of a credit, for one rule set,
    set of certifications held and day of checking, each distinct value judged once: a roster
    has a few dozen bodies, areas and certifications, and a few thousand days, among millions of
    credits. The answer is the problem's message (with its level), or None.

    Names are checked against every name of a body any rule knows (its id, and the names its
    approvals go by) and every name of a content area of a certification held: folded -> the
    name to suggest."""

    def __init__(self, ruleset: RuleSet, held: frozenset[str], today: dt.date):
        self.ruleset, self.held, self.today = ruleset, held, today
        bodies: dict[str, str] = {fold(b): b for b in ruleset.bodies()}
        areas: dict[str, str] = {}
        for rule in ruleset.rules.values():
            if rule.ce is None:
                continue
            names = names_of(rule.ce)
            bodies.update(names.bodies)
            if rule.key in held:
                areas.update(names.areas)
        self.bodies, self.areas = bodies, areas
        self._days: dict[dt.date, tuple[Level, str] | None] = _DAYS.setdefault(today, {})  # whatever is held
        self._bodies: dict[str, str | None] = {}
        self._areas: dict[str, str | None] = {}
        self._certs: dict[str, tuple[Level, str] | None] = {}

    def day(self, day: dt.date) -> tuple[Level, str] | None:
        """An impossible day (an error), or one after the day of checking (a warning)."""
        if day in self._days:
            return self._days[day]
        why = implausible_date(day)
        found: tuple[Level, str] | None = (
            ("error", why)
            if why
            else ("warning", f"date {day} is in the future: it will not count until then")
            if day > self.today
            else None
        )
        return _kept(self._days, day, found)

    def body(self, body: str) -> str | None:
        """An `approved_by` name no rule knows."""
        if body in self._bodies:
            return self._bodies[body]
        found = None
        if fold(body) not in self.bodies:
            near = nearest(fold(body), self.bodies, 0.75, contains=True)
            hint = f"did you mean `{near}`?" if near else f"known: {', '.join(sorted(self.ruleset.bodies()))}"
            found = f"`{body}` is not a body marenew knows ({hint}): it counts as approved by no body"
        return _kept(self._bodies, body, found)

    def area(self, written: str) -> str | None:
        """A content area (a `category`, or a key of points per area) of no certification held."""
        if written in self._areas:
            return self._areas[written]
        areas = self.areas
        found = None
        if areas and fold(written) not in areas:
            near = nearest(fold(written), areas, AREA_NEAR, contains=True)
            hint = f"did you mean `{near}`?" if near else ", ".join(sorted(set(areas.values())))
            found = (
                f"`{written}` is not a content area of any certification held ({hint}): it counts toward "
                "totals, not a content area"
            )
        return _kept(self._areas, written, found)

    def applies(self, cert: str) -> tuple[Level, str] | None:
        """An `applies_to` certification that no rule knows (an error), or that is not held."""
        if cert in self._certs:
            return self._certs[cert]
        found: tuple[Level, str] | None = None
        if cert.upper() not in self.ruleset:
            found = ("error", f"unknown certification `{cert}`; known: {known_ids(self.ruleset)}")
        elif cert.upper() not in self.held:
            found = ("warning", f"this file holds no {cert}")
        return _kept(self._certs, cert, found)


def _kept(memo: dict[K, F], value: K, found: F) -> F:
    if len(memo) < MEMO_LIMIT:
        memo[value] = found
    return found


_CHECKS: dict[tuple, CreditChecks] = {}
_DAYS: dict[dt.date, dict[dt.date, tuple[Level, str] | None]] = {}  # day of checking -> days judged


def credit_checks(ruleset: RuleSet, held: frozenset[str], today: dt.date) -> CreditChecks:
    """The CreditChecks of a rule set, certifications held and day, made once (a roster checks
    every person, and the sets of certifications people hold are few)."""
    key = (id(ruleset), held, today)
    hit = _CHECKS.get(key)
    if hit is not None and hit.ruleset is ruleset:
        return hit
    if len(_CHECKS) > 64:
        _CHECKS.clear()
        _DAYS.clear()
    checks = _CHECKS[key] = CreditChecks(ruleset, held, today)
    return checks


def plain_amount(points: object, college_credits: float | None) -> bool:
    """The usual credit: a number of points in range and no college credits, which the amount
    checks need not look at more closely."""
    return isinstance(points, float) and college_credits is None and 0 < points <= MAX_POINTS


def credit_problems(
    credits: list[Credit], held: set[str], ruleset: RuleSet, today: dt.date, add: Add, doc: Locator
) -> None:
    checks = credit_checks(ruleset, frozenset(held), today)
    seen: dict[tuple, int] = {}

    def area_problem(path: tuple, written: str) -> None:
        found = checks.area(written)
        if found:
            add(path, found, "warning")

    for i, credit in enumerate(credits):
        base = ("credits", i)
        if credit is None:
            continue
        day = checks.day(credit.date)
        if day and day[0] == "error":
            add(base + ("date",), day[1])
        if not plain_amount(credit.points, credit.college_credits):
            _amount_problems(credit, base, add)
        if not credit.title.strip():
            add(base + ("title",), "title is empty")
        if day and day[0] == "warning":
            add(base + ("date",), day[1], "warning")
        for j, body in enumerate(credit.approved_by):
            found = checks.body(body)
            if found:
                add(base + ("approved_by", j), found, "warning")
        for j, cert in enumerate(credit.applies_to or []):
            trouble = checks.applies(cert)
            if trouble:
                add(base + ("applies_to", j), trouble[1], trouble[0])
        split = credit.split
        if split is not None:
            if credit.category is not None:
                add(
                    base + ("category",),
                    "give the content areas either in `points` (points per area) or in `category`, not both",
                )
            for area in split:
                area_problem(base + ("points", area), area)
        elif credit.category is not None:
            area_problem(base + ("category",), credit.category)
        same = credit.key
        if same in seen:
            line, _ = doc.locate(("credits", seen[same]))
            add(
                base,
                f"the same credit (title and date) is listed twice (first at line {line}); "
                "remove one, or tell them apart in the title",
            )
        else:
            seen[same] = i


def _amount_problems(credit: Credit, base: tuple, add: Add) -> None:
    if credit.points is None and credit.college_credits is None:
        add(base, "give `points` (or `college_credits`)")
    if credit.points is not None and credit.college_credits is not None:
        add(base + ("college_credits",), "give `points` or `college_credits`, not both")
    split = credit.split
    if split is not None:
        if not split:
            add(base + ("points",), "give the points per content area (administrative: 2, ...), or one number")
        for area, value in split.items():
            _amount_problem(value, base + ("points", area), f"points for {area}", MAX_POINTS, add)
        if split and all(v > 0 for v in split.values()) and sum(split.values()) > MAX_POINTS:
            add(
                base + ("points",),
                f"points {sum(split.values()):g} in all are implausibly large for one activity (over {MAX_POINTS})",
            )
        return
    for name, limit in _AMOUNTS:
        value = getattr(credit, name)
        if value is not None:
            _amount_problem(value, base + (name,), name, limit, add)


def _amount_problem(value: float, path: tuple, name: str, limit: float, add: Add) -> None:
    if 0 < value <= limit:
        return
    if value != value or value in _INFINITE:
        add(path, f"{name} must be a number, not {value}")
    elif value <= 0:
        add(path, f"{name} must be more than 0 (read {value:g})")
    else:
        add(path, f"{name} {value:g} is implausibly large for one activity (over {limit})")
