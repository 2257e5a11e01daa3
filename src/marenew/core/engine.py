"""The evaluation engine: where a credential stands, what CE counts, what is short, what it costs.

Pure: no I/O, no typer or rich. Every command (status, cost, plan, roster, rules test) judges a
credential here and nowhere else.

Which date a figure is looked up at is decided here, once:
- cycle length and expiry mode: at ``certified_on`` (the rules in force when the cycle began);
- CE requirements and the late window: at ``expires_on`` (when the cycle is judged);
- fees: at the as-of date (what renewing costs now).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import math
import operator
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from marenew.core import cycle, nextstep
from marenew.core import dates as periods
from marenew.core.base import Confidence
from marenew.core.credential import AnyCredit, Credential, CredentialFile, CreditValues, PastCycle, Payment
from marenew.core.defaults import EPS, STALE_AFTER_DAYS, WARN_DAYS
from marenew.core.names import Names, names_of
from marenew.core.record import Mutable, Record
from marenew.core.results import (
    CapResult,
    Cost,
    CredentialResult,
    CreditResult,
    FeeConflict,
    FeeItem,
    RecurringLine,
    Report,
    RequirementResult,
    Status,
    Unmatched,
    num,
)
from marenew.core.rule import CE, Fee, Figure, PathId, Period, RecurringFee, Rule, Source, weakest
from marenew.core.words import plural


class RuleGap(ValueError):
    """A rule lacks a figure that the question cannot be answered without (e.g. no cycle length)."""


def _r(x: float) -> float:
    # Points are entered as decimals (0.5, 1.25): round away float noise before comparing.
    return round(x + 0.0, 6)


# --- dates and status -------------------------------------------------------------------------


@dataclass(frozen=True, repr=False, eq=False)
class Dates(Record):
    """The dates of one cycle: expiry (from the card or the rule), late window, deadline."""

    expires_on: dt.date
    computed_expiry: dt.date | None
    expires_on_from: str  # "card" or "rule"
    late_window_end: dt.date | None  # None: no late window (or none published)
    deadline: dt.date
    confidence: Confidence
    warnings: tuple[str, ...]


def cycle_in_force(rule: Rule, certified_on: dt.date) -> tuple[int, str, Confidence] | None:
    """The cycle length, expiry mode and their confidence for a cycle that began on
    ``certified_on``; None when the rule gives no such cycle then."""
    months = rule.cycle.months.at(certified_on)
    mode = rule.cycle.expiry.at(certified_on)
    if months is None or mode is None or months.value is None or mode.value is None:
        return None
    return months.value, mode.value, weakest(months.confidence, mode.confidence)


def computed_expiry(rule: Rule, certified_on: dt.date) -> tuple[dt.date | None, Confidence]:
    """The expiry the rule gives for a cycle that began on ``certified_on``, with its confidence;
    None when the rule takes the expiry from the credential (a birthday) or gives no cycle then."""
    cycle = cycle_in_force(rule, certified_on)
    if cycle is None or rule.cycle.expiry_from_card:
        return None, "unknown"
    months, mode, confidence = cycle
    return periods.expiry(certified_on, months, mode), confidence


def _period_end(period: Period, expires_on: dt.date) -> tuple[dt.date | None, Confidence]:
    """The last day of a length after expiry, as in force at expiry (calendar months end at the
    end of a month when the expiry does); None when the length is not published."""
    entry = period.figure.at(expires_on)
    if entry is None or entry.value is None:
        return None, "unknown"
    if period.unit == "months":
        return periods.late_window_end(expires_on, months=entry.value), entry.confidence
    return periods.late_window_end(expires_on, days=entry.value), entry.confidence


def late_window_end(rule: Rule, expires_on: dt.date) -> tuple[dt.date | None, Confidence | None]:
    """Last day of the late window (None when the rule has none, or it is not published): its
    length after expiry, or a fixed day that applies to this expiry, whichever comes first."""
    window = rule.late_window
    if window is None:
        return None, None
    end, confidence = _period_end(window, expires_on)
    if end is None:
        return None, "unknown"
    for fixed in window.closes_on:
        entry = fixed.date.at(expires_on) if fixed.applies(expires_on) else None
        if entry is not None and entry.value is not None and entry.value < end:
            # a window that closed before this expiry leaves none: the deadline is the expiry
            end, confidence = max(entry.value, expires_on), weakest(confidence, entry.confidence)
    return end, confidence


def path_open_until(rule: Rule, path_id: PathId, expires_on: dt.date) -> dt.date | None:
    """The last day ``path_id`` can be taken for a credential that expired on ``expires_on``
    (NHA reinstatement: 12 months after expiry; AMT reactivation: 10 years), or None when the
    rule sets it no time limit or does not publish one."""
    limit = rule.paths[path_id].time_limit
    if limit is None:
        return None
    return _period_end(limit, expires_on)[0]


def path_after_lapse(rule: Rule, expires_on: dt.date, as_of: dt.date, start: PathId | None = None) -> PathId:
    """The path a lapsed holder takes on ``as_of``: the rule's after-lapse path (or ``start``, the
    path a fee unpaid at the end of the cycle leads to), or, once its time limit has passed, the
    path it names next (and so on)."""
    path_id: PathId = start or rule.renewal.after_lapse
    seen = {path_id}
    while True:
        path = rule.paths[path_id]
        until = path_open_until(rule, path_id, expires_on)
        if until is None or as_of <= until or path.after_time_limit is None or path.after_time_limit in seen:
            return path_id
        path_id = path.after_time_limit
        seen.add(path_id)


def credential_dates(rule: Rule, cred: Credential) -> Dates:
    warnings: list[str] = []
    computed, confidence = computed_expiry(rule, cred.certified_on)
    if cred.expires_on is not None:
        expires_on, source = cred.expires_on, "card"
        confidence = "official"  # the holder's own card
        if computed is not None and computed != cred.expires_on:
            warnings.append(
                f"the card's expiry {cred.expires_on} differs from {computed}, which the {rule.body} rule gives "
                f"for a cycle that began {cred.certified_on}; using the card's date"
            )
    elif computed is not None:
        expires_on, source = computed, "rule"
    elif rule.cycle.expiry_from_card:
        raise RuleGap(f"the {rule.id} rule takes the expiry from the credential; give expires_on")
    else:
        raise RuleGap(f"rule {rule.id} has no cycle length in force on {cred.certified_on}; give expires_on")
    late_end, late_conf = late_window_end(rule, expires_on)
    if late_conf == "unknown":
        warnings.append(f"{rule.body} publishes no late window: treat {expires_on} as final")
    deadline = late_end or expires_on
    return Dates(
        expires_on=expires_on,
        computed_expiry=computed,
        expires_on_from=source,
        late_window_end=late_end,
        deadline=deadline,
        confidence=weakest(confidence, late_conf),
        warnings=tuple(warnings),
    )


def status_on(as_of: dt.date, expires_on: dt.date, deadline: dt.date, warn_days: int) -> Status:
    """active > warn_days before expiry; expiring up to and on the day of expiry; then grace
    through the last day of the late window (if any); then lapsed."""
    days_left = (expires_on - as_of).days
    if days_left > warn_days:
        return "active"
    if days_left >= 0:
        return "expiring"
    if as_of <= deadline:
        return "grace"
    return "lapsed"


# --- credits ----------------------------------------------------------------------------------


def _points_key(c: AnyCredit) -> tuple:
    # a split credit sorts by its total, then by its parts
    if c.points is None:
        return (-1.0, ())
    split = c.split
    return (c.size, tuple(sorted(split.items())) if split is not None else ())


def _order_key(c: AnyCredit) -> tuple:
    return (
        c.date,
        c.title,
        _points_key(c),
        c.college_credits if c.college_credits is not None else -1.0,
        (c.category or "").lower(),
        tuple(sorted(b.upper() for b in c.approved_by)),
        tuple(sorted(b.upper() for b in c.applies_to)) if c.applies_to is not None else (),
        _as_written(c),
    )


def _as_written(c: AnyCredit) -> tuple:
    """Last in the order: what the rest of the key takes as the same but a result may show as
    written (a content area's case, the order and case of names, the areas' order, the
    certificate). Credits that tie on it are the same in every field, so that their order cannot
    change a result."""
    split = c.split
    return (
        tuple(split) if split is not None else (),
        c.category is None,
        c.category or "",
        tuple(c.approved_by),
        c.applies_to is None,
        tuple(c.applies_to or ()),
        c.certificate is None,
        c.certificate or "",
    )


_C = TypeVar("_C", bound=AnyCredit)
_DATE_TITLE = operator.attrgetter("date", "title")
_DATE = operator.attrgetter("date")
_TITLE = operator.attrgetter("title")


def canonical_order(credits: Iterable[_C]) -> list[_C]:
    """Credits in a fixed order (by date, then title, ...) so that results never depend on the
    order in which they were written."""
    credits = list(credits)
    # Fast paths (a roster sorts millions of credits): when date and title, or date, title and
    # points, already tell every credit apart, the rest of the key cannot change the order.
    if len(set(map(_DATE_TITLE, credits))) == len(credits):
        ordered = sorted(credits, key=_TITLE)
        ordered.sort(key=_DATE)  # stable: by date, then title
        return ordered
    quick = [(c.date, c.title, c.points if isinstance(c.points, float) else -1.0) for c in credits]
    if len(set(quick)) == len(quick) and not any(isinstance(c.points, dict) for c in credits):
        return [credits[i] for i in sorted(range(len(credits)), key=quick.__getitem__)]
    return sorted(credits, key=_order_key)


@dataclass(slots=True, repr=False, eq=False)
class _Candidate(Mutable):
    """A credit as the per-credit results show it (detail only): what it is worth, whether and
    why it counts, and where its pieces are in the tally."""

    credit: AnyCredit
    points: float | None = None  # in the body's unit after conversion; None when it cannot count
    eligible: bool = False  # inside the window, for this credential, large enough: its points can count
    approved: bool = False
    in_cycle: bool = False  # for this credential, unused, inside the window and up to as-of
    notes: list[str] = field(default_factory=list)
    first: int = 0  # its pieces are tally.pieces[first:first + len(written)]
    written: list[str | None] = field(default_factory=list)  # each piece's area as a split credit wrote it


# A placeholder for _tally without detail, which never writes to it: no candidate made per call
_NO_CANDIDATE = _Candidate(None)  # type: ignore[arg-type]


# A piece: the points of an eligible credit in one content area (a credit without parts is one
# piece): (content area key or None, points, approved, part, the credit), where part is 0 for a
# credit's first piece and counts its further parts (a credit split over content areas), so that
# the pieces of one credit can be told apart from those of the next.
_Piece = tuple[str | None, float, bool, int, AnyCredit]


@dataclass(slots=True, repr=False, eq=False)
class _Tally(Mutable):
    """What can count, in the order counted: the cap allocation and the sums walk these pieces
    (the same for a roster row and for the per-credit results)."""

    pieces: list[_Piece] = field(default_factory=list)
    unmatched: list[Unmatched] = field(default_factory=list)


@dataclass(frozen=True, repr=False, eq=False)
class _Figures(Record):
    """The CE figures in force at one expiry (the end of the counting window), each looked up once
    per rule and expiry: a roster counts many credentials that share both."""

    college: float | None  # points per college credit
    least: tuple[float | None, float | None]  # the least activity that counts: (not approved, approved)
    too_short: tuple[float, float]  # an activity of fewer points does not count (-inf: any counts)
    cap: float | None  # on points not approved
    minimums: tuple[tuple[str, float | None], ...]  # per content area, for the cap allocation
    exact_cap: bool  # the cap and every minimum are exact (``_exact``): see ``_order_needed``
    # (what it counts: "total", "approved" or "area"; id, label, required, confidence) of each
    # requirement, in the order shown
    requirements: tuple[tuple[str, str, str, float | None, Confidence | None], ...]
    confidence: Confidence


def _ce_figures(rule: Rule, ce: CE, end: dt.date) -> _Figures:
    label = approved_label(ce)
    least = ce.least_activity
    least_of = (
        None if least is None else _value(least.unapproved, end)[0],
        None if least is None else _value(least.approved, end)[0],
    )
    reqs = [("total", "total", f"Total {ce.unit}", *_value(ce.total, end))]
    if ce.approved_minimum is not None:
        reqs.append(("approved", "approved", f"{label} {ce.unit}", *_value(ce.approved_minimum, end)))
    reqs += [("area", key, c.label, *_value(c.minimum, end)) for key, c in ce.categories.items()]
    cap = _value(ce.unapproved_cap, end)[0]
    minimums = tuple((key, _value(category.minimum, end)[0]) for key, category in ce.categories.items())
    return _Figures(
        college=_value(ce.college_credit_points, end)[0],
        least=least_of,
        too_short=(
            -math.inf if least_of[0] is None else least_of[0] - EPS,
            -math.inf if least_of[1] is None else least_of[1] - EPS,
        ),
        cap=cap,
        minimums=minimums,
        exact_cap=cap is not None and _exact(cap) and all(_exact(m) for _, m in minimums if m is not None),
        requirements=tuple(reqs),
        confidence=weakest(*(conf for *_, conf in reqs)),
    )


def _value(figure: Figure | None, day: dt.date) -> tuple[float | None, Confidence | None]:
    if figure is None:
        return None, None
    entry = figure.at(day)
    if entry is None:
        return None, "unknown"
    return entry.value, entry.confidence


def approved_label(ce: CE) -> str:
    """What an approved credit is called: "AAMA-approved"."""
    return "/".join(ce.approved_by) + "-approved" if ce.approved_by else "approved"


_approved_label = approved_label


def _counts_as(ce: CE, approved: bool) -> str:
    """What a credit without a content area still counts toward: never the approved minimum when
    it is not approved."""
    label = approved_label(ce)
    if approved:
        return f"counts toward the total and the {label} minimum, not a content area"
    return f"counts toward the total (as not {label}), not a content area"


def _approval(ce: CE, names: Names, credit: AnyCredit, unmatched: list[Unmatched]) -> bool:
    """Whether a body of ``ce.approved_by`` (by any of its names) approved ``credit``; a value that
    looks like one of those names but is none of them is reported."""
    if credit.college_credits is not None or not ce.approved_by:
        return False
    looked_up = names.approvers  # what each value written names, as names.approver(value)
    nearest: list[tuple[str, str]] = []
    for written in credit.approved_by:
        known, near = looked_up.get(written) or names.approver(written)
        if known:
            return True
        if near is not None:
            nearest.append((written, near))
    for written, near in nearest:
        unmatched.append(
            Unmatched(
                credit.title,
                "approved_by",
                written,
                near,
                f"`{written}` is not a body marenew knows (did you mean `{near}`?); "
                f"counted as not {_approved_label(ce)}",
            )
        )
    return False


def _unknown_area(
    rule: Rule, ce: CE, names: Names, credit: AnyCredit, written: str, approved: bool, unmatched: list[Unmatched]
) -> str:
    """Report ``written``, which names none of the rule's content areas (with the nearest one);
    returns the message."""
    near = names.near_area(written)
    hint = f" (did you mean `{near}`?)" if near else f" ({', '.join(ce.categories)})"
    message = f"`{written}` is not one of {rule.body}'s content areas{hint}; {_counts_as(ce, approved)}"
    unmatched.append(Unmatched(credit.title, "category", written, near, message))
    return message


def _excluded(rule_id: str, credit: AnyCredit, used: Mapping[tuple[str, dt.date], PastCycle] | None) -> str | None:
    """Why ``credit`` does not count toward this credential at all (it counts only for others, or
    an earlier renewal used it), or None."""
    if credit.applies_to is not None and not credit.applies(rule_id):
        return f"counts only for {', '.join(credit.applies_to or [])}"
    past = used.get(credit.key) if used else None
    if past is not None:
        return f"used for the renewal of {past.renewed_on} (cycle {past.certified_on} to {past.expires_on})"
    return None


def _college_points(rule: Rule, ce: CE, credits: float, college: float | None) -> tuple[float | None, str]:
    """What college credits are worth in the rule's points (None: the rule gives no conversion),
    and the note that says so."""
    if college is None:
        return None, f"{rule.body} gives no conversion for college credits"
    points = credits * college
    note = f"{plural(float(credits), 'college credit')} x {college:g} = {points:g} {ce.unit}, not {approved_label(ce)}"
    return points, note


def _split_pieces(
    rule: Rule,
    ce: CE,
    names: Names,
    credit: AnyCredit,
    split: dict[str, float],
    approved: bool,
    unmatched: list[Unmatched],
    add: Callable[[_Piece], None],
    note: Callable[[str], None] | None,
) -> None:
    """The pieces of a credit that gives its points per content area: one per area it names."""
    for part, (written, share) in enumerate(split.items()):
        area = None
        if ce.categories:
            area = names.area(written)
            if area is None:
                message = _unknown_area(rule, ce, names, credit, written, approved, unmatched)
                if note is not None:
                    note(message)
        add((area, float(share), approved, part, credit))


def _tally(
    rule: Rule,
    ce: CE,
    figures: _Figures,
    credits: list[AnyCredit],
    start: dt.date,
    end: dt.date,
    as_of: dt.date,
    used: Mapping[tuple[str, dt.date], PastCycle] | None,
    cands: list[_Candidate] | None = None,
) -> _Tally:
    """Decide, credit by credit, whether it can count at all and how: points, approval, size,
    content areas. Values that match nothing the rule knows are kept in the tally as well. A credit
    in ``used`` went to an earlier renewal and never counts again.

    The one place that decides a credit's fate, for a roster row and for the per-credit results
    alike: with ``cands`` (detail), each credit's candidate, with the notes that say why, is
    appended to it as well."""
    tally = _Tally([], [])
    pieces, unmatched = tally.pieces, tally.unmatched
    names = names_of(ce)
    # as names.area(w) and names.approver(w), without a call per credit once a value is known
    written_areas, approvers = names.written_areas, names.approvers
    college, least_of, too_short = figures.college, figures.least, figures.too_short
    approving, by_area, rule_id = bool(ce.approved_by), bool(ce.categories), rule.id
    last = min(end, as_of)  # the last day a credit can count
    detail = cands is not None
    if detail:
        # the same for every credit of this call: worked out once
        label = approved_label(ce)
        before, after_expiry, after_as_of = (
            f"before this cycle began ({start})",
            f"after expiry ({end}): CE counts only inside the cycle",
            f"after the as-of date ({as_of})",
        )
    add = pieces.append
    cand = _NO_CANDIDATE  # replaced per credit when detail
    note = cand.notes.append  # called only when detail
    for credit in credits:
        if detail:
            cand = _Candidate(credit)
            cands.append(cand)  # type: ignore[union-attr]
            note = cand.notes.append
        if (credit.applies_to is not None or used) and (why := _excluded(rule_id, credit, used)) is not None:
            if detail:
                note(why)
            continue
        points = credit.points
        split = None
        if points.__class__ is float:
            pass  # the usual credit: its points as written
        elif isinstance(points, dict):
            split, points = points, float(sum(points.values()))
        elif points is None and credit.college_credits is not None:
            points, why = _college_points(rule, ce, credit.college_credits, college)
            if detail:
                note(why)
            if points is None:
                continue
        day = credit.date
        if day < start or day > last:
            if detail:
                cand.points = points
                note(before if day < start else after_expiry if day > end else after_as_of)
            continue
        if points is None:
            if detail:
                cand.in_cycle = True
            continue
        approved = False
        if approving and (bodies := credit.approved_by):
            # the usual credit: the first body it names is known to approve (as _approval finds it)
            known = approvers.get(bodies[0])
            approved = (known is not None and known[0] and credit.college_credits is None) or _approval(
                ce, names, credit, unmatched
            )
        if points < too_short[approved]:
            least = least_of[approved]
            if detail:
                cand.points, cand.in_cycle, cand.approved = points, True, approved
                kind = label if approved else f"not {label}"
                note(
                    f"too short ({points:g} {ce.unit}): {rule.body} counts an activity {kind} only when "
                    f"it is worth at least {least:g}; not counted"
                )
            continue
        if split is not None:
            _split_pieces(rule, ce, names, credit, split, approved, unmatched, add, note if detail else None)
        else:
            area = None
            if by_area:
                category = credit.category
                if category is None:
                    if detail:
                        note(f"no content area given ({', '.join(ce.categories)}): {_counts_as(ce, approved)}")
                else:
                    area = written_areas.get(category) or names.area(category)
                    if area is None:
                        message = _unknown_area(rule, ce, names, credit, category, approved, unmatched)
                        if detail:
                            note(message)
            add((area, points, approved, 0, credit))
        if detail:
            cand.points, cand.in_cycle, cand.approved, cand.eligible = points, True, approved, True
            cand.written = list(split) if split is not None else [None]
            cand.first = len(pieces) - len(cand.written)
    return tally


# Sums and differences of numbers that are multiples of 2**-16, no larger than 2**16 in size and no
# more than 2**16 of them, are exact in floating point: the order they are added in cannot change
# them (every partial result stays below 2**34 and so within a float's 53 bits).
_EXACT = 65536.0
_KNOWN_EXACT: set[float] = set()  # values found exact so far (a roster writes the same few)


def _exact(x: float | None) -> bool:
    return x is not None and -_EXACT <= x <= _EXACT and (x * _EXACT).is_integer()


# How much of the canonical order a count depends on (``_order_needed``)
OrderNeeded = Literal["none", "unapproved", "all"]


def _order_needed(tally: _Tally, figures: _Figures) -> OrderNeeded:
    """How much counting the credits in another order than the canonical one could change the
    result, to the last bit:

    - "all": a value is reported (unmatched values are listed in the order of the credits), or a
      sum may not be exact (``_EXACT``): the credits must be counted in the canonical order;
    - "unapproved": every sum is exact, so only the cap allocation depends on the order, and only
      on that of the pieces not approved (the approved ones count in full, and enter it only as
      exact sums per content area): a cap that may run out;
    - "none": every sum exact, and no cap, or one that the unapproved points (none negative) stay
      within, so that every piece counts in full in any order.
    """
    pieces = tally.pieces
    if tally.unmatched or len(pieces) > _EXACT:
        return "all"
    # the usual credential: every value already found exact (checked without making a set)
    fresh = () if _KNOWN_EXACT.issuperset(map(_POINTS, pieces)) else set(map(_POINTS, pieces)) - _KNOWN_EXACT
    if fresh:
        if not all(_exact(x) for x in fresh):
            return "all"
        if len(_KNOWN_EXACT) < 4096:
            _KNOWN_EXACT.update(fresh)
    cap = figures.cap
    if cap is None:
        return "none"
    if not figures.exact_cap:
        return "all"
    unapproved = [p for _, p, approved, _, _ in pieces if not approved]
    # (every p is exact, so none is NaN: the least is not below zero when none is)
    return "none" if min(unapproved, default=0.0) >= 0.0 and sum(unapproved) <= cap else "unapproved"


def _unapproved_in_order(tally: _Tally) -> _Tally:
    """``tally`` with its pieces not approved in the canonical order of their credits (each
    credit's parts kept together and in their order), after the approved ones."""
    pieces: list[_Piece] = []
    groups: dict[int, list[list[_Piece]]] = {}  # each credit's pieces (twice if it is given twice)
    credits: list[AnyCredit] = []
    for piece in tally.pieces:
        if piece[2]:
            pieces.append(piece)
            continue
        if piece[3] == 0:
            group: list[_Piece] = []
            groups.setdefault(id(piece[4]), []).append(group)
            credits.append(piece[4])
        group.append(piece)
    for credit in canonical_order(credits):
        pieces += groups[id(credit)].pop()
    return _Tally(pieces, tally.unmatched)


_POINTS = operator.itemgetter(1)
_APPROVED = operator.itemgetter(2)
_COUNTS = EPS.__lt__  # what a piece counts adds to the sums: more than EPS


def _allocate(figures: _Figures, tally: _Tally) -> list[float]:
    """What each piece counts. Approved ones count in full; the rest up to the cap, chosen so as to
    leave the fewest points needed: first where they close a content-area gap, then any. A credit
    split over content areas is one credit: the cap applies to its parts together."""
    pieces = tally.pieces
    cap = figures.cap
    if cap is None:
        return list(map(_POINTS, pieces))
    counted = [p if approved else 0.0 for _, p, approved, _, _ in pieces]
    approved_in: dict[str | None, float] = {}  # what approved pieces count in each area
    unapproved: list[int] = []
    unapproved_in: dict[str | None, list[int]] = {}
    for i, (area, p, approved, _, _) in enumerate(pieces):
        if approved:
            approved_in[area] = approved_in.get(area, 0) + p
        else:
            unapproved.append(i)
            unapproved_in.setdefault(area, []).append(i)
    budget = cap
    for key, minimum in figures.minimums:
        gap = (minimum or 0.0) - approved_in.get(key, 0)
        for i in unapproved_in.get(key, ()):
            if gap <= EPS or budget <= EPS:
                break  # nothing more is taken for this area
            take = min(pieces[i][1] - counted[i], gap, budget)
            counted[i] += take
            gap -= take
            budget -= take
    for i in unapproved:
        take = max(0.0, min(pieces[i][1] - counted[i], budget))
        counted[i] += take
        budget -= take
    return counted


def _cap_result(ce: CE, cap: float, tally: _Tally, counted: list[float], cands: list[_Candidate] | None) -> CapResult:
    """The cap on points not approved: entered and counted (with a note on each credit it cut)."""
    label = f"not {_approved_label(ce)}"
    # each unapproved credit's points and what it counted, its parts together
    entered: list[float] = []
    used: list[float] = []
    for (_, p, approved, part, _), got in zip(tally.pieces, counted):
        if approved:
            continue
        if part == 0:
            entered.append(p)
            used.append(got)
        else:
            entered[-1] += p
            used[-1] += got
    if cands is not None:
        for c in cands:
            if c.eligible and not c.approved:
                got = sum(counted[c.first : c.first + len(c.written)])
                if got < c.points - EPS:  # type: ignore[operator]
                    if got > EPS:
                        c.notes.append(
                            f"over the cap of {cap:g} on {ce.unit} {label}: {_r(got):g} of {c.points:g} counted"
                        )
                    else:
                        c.notes.append(f"the cap of {cap:g} on {ce.unit} {label} is used up: not counted")
    return CapResult("unapproved", f"{label[0].upper()}{label[1:]} {ce.unit}", cap, _r(sum(entered)), _r(sum(used)))


# Requirement results so far, by everything they hold: frozen, so the credentials that counted the
# same share one (and the JSON built from it).
_REQUIREMENTS: dict[tuple, RequirementResult] = {}


@dataclass(frozen=True, repr=False, eq=False)
class CEResult(Record):
    """The CE counted toward one credential: each requirement, the caps, the points needed."""

    requirements: tuple[RequirementResult, ...]
    credits: tuple[CreditResult, ...]
    points_needed: float | None
    caps: tuple[CapResult, ...]
    confidence: Confidence
    unmatched: tuple[Unmatched, ...] = ()


def count_ce(
    rule: Rule,
    credits: list[AnyCredit],
    start: dt.date,
    end: dt.date,
    as_of: dt.date,
    *,
    detail: bool = True,
    used: Mapping[tuple[str, dt.date], PastCycle] | None = None,
) -> CEResult:
    """Which credits count toward ``rule`` in the window [start, end] (and not after as_of), each
    requirement's counted and short, and the least number of further points that meets them all.

    New points can be chosen freely (approved, and in whichever content area is short), so the
    points needed are the largest of: the total short, the approved short, and the sum of the
    content-area shorts. ``detail=False`` leaves out the per-credit results (a roster row does not
    show them), which changes nothing else.

    Credits count in a fixed order (``canonical_order``), so that the result never depends on the
    order they were written in. Without the per-credit results, which are shown in that order, the
    credits are first counted as given, and sorted only as far as the order could change anything
    (``_order_needed``): most credentials need no sorting, and where a cap runs out, only the
    credits it applies to are sorted.
    """
    ce = rule.ce
    if ce is None:
        return CEResult((), (), 0.0, (), "official")
    figures: _Figures = _memo(rule, ("ce figures", end), lambda: _ce_figures(rule, ce, end))
    cands: list[_Candidate] | None = None
    order: OrderNeeded = "all"
    if detail:
        cands = []
        tally = _tally(rule, ce, figures, canonical_order(credits), start, end, as_of, used, cands)
    else:
        tally = _tally(rule, ce, figures, credits, start, end, as_of, used)
        order = _order_needed(tally, figures)
        if order == "unapproved":
            tally = _unapproved_in_order(tally)
        elif order == "all":
            tally = _tally(rule, ce, figures, canonical_order(credits), start, end, as_of, used)
    # with the order free, every piece counts in full (see _order_needed): nothing to allocate
    counted = list(map(_POINTS, tally.pieces)) if order == "none" else _allocate(figures, tally)
    cap = None if figures.cap is None else _cap_result(ce, figures.cap, tally, counted, cands)

    total = approved = 0.0
    by_category = dict.fromkeys(ce.categories, 0.0)
    if order != "all" and not by_category:
        # every value exact (_order_needed): the sums come out the same however they are added,
        # so they are added in C
        total = float(sum(filter(_COUNTS, counted)))
        approved = float(sum(filter(_COUNTS, itertools.compress(counted, map(_APPROVED, tally.pieces)))))
    else:
        for (area, _, is_approved, _, _), got in zip(tally.pieces, counted):
            if got <= EPS:
                continue
            total += got
            if is_approved:
                approved += got
            if area is not None:
                by_category[area] += got
    reqs: list[RequirementResult] = []
    shorts: list[float | None] = []
    category_short: float | None = 0.0
    for kind, id_, label, required, conf in figures.requirements:
        got = total if kind == "total" else approved if kind == "approved" else by_category[id_]
        key = (id_, label, required, conf, got)
        result = _REQUIREMENTS.get(key)
        if result is None:
            short = None if required is None else max(0.0, _r(required - got))
            result = RequirementResult(id_, label, required, _r(got), short, conf or "unknown")
            if len(_REQUIREMENTS) >= _MEMO_SIZE:
                _REQUIREMENTS.clear()
            _REQUIREMENTS[key] = result
        reqs.append(result)
        short = result.short  # as worked out above, from the same figure and count
        if kind != "area":
            shorts.append(short)
        else:
            category_short = None if (short is None or category_short is None) else category_short + short
    if ce.categories:
        shorts.append(category_short)
    known = [s for s in shorts if s is not None]
    needed = _r(max(known)) if len(known) == len(shorts) else None

    results: tuple[CreditResult, ...] = ()
    if cands is not None:
        results = tuple(
            CreditResult(
                title=c.credit.title,
                date=c.credit.date,
                points=c.points,
                counted=_r(sum(counted[c.first : c.first + len(c.written)])),
                note="; ".join(c.notes) if c.notes else None,
                parts=tuple(
                    (w, tally.pieces[i][1], _r(counted[i])) for i, w in enumerate(c.written, c.first) if w is not None
                ),
                in_cycle=c.in_cycle,
                approved=c.approved,
                areas=tuple((tally.pieces[i][0], _r(counted[i])) for i in range(c.first, c.first + len(c.written))),
                approved_by=tuple(c.credit.approved_by),
                category=c.credit.category,
                certificate=c.credit.certificate,
            )
            for c in cands
        )
    return CEResult(tuple(reqs), results, needed, (cap,) if cap else (), figures.confidence, tuple(tally.unmatched))


# --- cost -------------------------------------------------------------------------------------


# Fee items worked out so far, by fee, label, membership, day and sources (each kept with the fee and
# the sources, so that an id reused by another object never matches): a roster prices the same few
# fees for every credential. Items are frozen, so sharing them is safe.
_FEE_ITEMS: dict[tuple, tuple[Fee, Mapping[str, Source] | None, FeeItem]] = {}


def fee_item(label: str, fee: Fee, member: bool, day: dt.date, sources: Mapping[str, Source] | None = None) -> FeeItem:
    """One fee in force on ``day``, for a member of the body or not, with the other amounts that
    sources publish for it (titles from the rule's ``sources``)."""
    key = (id(fee), label, member, day, id(sources))
    found = _FEE_ITEMS.get(key)
    if found is not None and found[0] is fee and found[1] is sources:
        return found[2]
    item = _fee_item(label, fee, member, day, sources)
    if len(_FEE_ITEMS) >= _MEMO_SIZE:
        _FEE_ITEMS.clear()
    _FEE_ITEMS[key] = (fee, sources, item)
    return item


def _fee_item(label: str, fee: Fee, member: bool, day: dt.date, sources: Mapping[str, Source] | None) -> FeeItem:
    by_membership = fee.all is None
    entry = fee.for_member(member).at(day)
    if entry is None:
        return FeeItem(label, None, "unknown", by_membership=by_membership)
    sources = sources or {}

    def title(key: str | None) -> str | None:
        return sources[key].title if key is not None and key in sources else key

    def is_article(key: str | None) -> bool:
        return key is not None and key in sources and sources[key].kind == "article"

    conflicts = tuple(
        FeeConflict(float(c.value), title(c.source) or c.source, is_article(c.source), c.note) for c in entry.conflicts
    )
    return FeeItem(
        label,
        entry.value,
        entry.confidence,
        entry.source,
        by_membership,
        title(entry.source),
        conflicts,
        is_article(entry.source),
    )


def recurring_due(
    fee: RecurringFee, certified_on: dt.date, after: dt.date, through: dt.date, paid: Sequence[Payment] = ()
) -> list[dt.date]:
    """The days ``fee`` falls due in ``(after, through]`` and is not paid yet: every ``every_months``
    (as in force when the cycle began, like the cycle's length) from ``certified_on``; none when its
    period is unknown. See ``cycle.unpaid`` for which payment settles which due date."""
    every = fee.every_months.at(certified_on)
    if every is None or every.value is None:
        return []
    due = periods.anniversaries(certified_on, every.value, certified_on, through)
    due = cycle.unpaid(due, [p.on for p in paid if p.fee.lower() == fee.id.lower()], every.value)
    return [d for d in due if d > after]


def settles(
    fee: RecurringFee, certified_on: dt.date, through: dt.date, paid: Sequence[Payment], payment: Payment
) -> bool:
    """Whether ``payment`` settles a due date of ``fee`` in the cycle from ``certified_on`` through
    ``through`` that the other payments (``paid``) leave open."""
    others = [p for p in paid if p is not payment]
    before = recurring_due(fee, certified_on, certified_on, through, others)
    return len(recurring_due(fee, certified_on, certified_on, through, [*others, payment])) < len(before)


def path_cost(
    rule: Rule,
    path_id: PathId,
    member: bool,
    as_of: dt.date,
    *,
    lapsed: bool = False,
    certified_on: dt.date | None = None,
    expires_on: dt.date | None = None,
    paid: Sequence[Payment] = (),
) -> Cost:
    """What taking ``path_id`` costs on ``as_of``: the path's fee, the fees added after a lapse,
    and, for a renewal at ``expires_on``, the recurring fees that fall due with it (the
    amount is everything paid at that renewal point: the RMA's annual fee is due with the CCP
    attestation), after any earlier due date of the cycle still unpaid that the renewal cannot go
    without (``cycle.unpaid_fees``)."""
    path = rule.paths[path_id]
    items = [fee_item(path.label, path.fee, member, as_of, rule.sources)]
    if lapsed:
        items += [fee_item(extra.label, extra.amount, member, as_of, rule.sources) for extra in path.after_lapse_fees]
    elif certified_on is not None and expires_on is not None:
        owed = {u.fee.id: u.due for u in cycle.unpaid_fees(rule, certified_on, expires_on, paid, as_of)} if paid else {}
        for fee in rule.recurring_fees:
            # Due with the renewal when a due date falls in the month of expiry (AMT: "due in the
            # anniversary month"), so a card dated 2026-05-31 still owes the fee due 2026-05-01.
            month_start = expires_on.replace(day=1)
            due = recurring_due(fee, certified_on, month_start - dt.timedelta(days=1), expires_on, paid)
            for day in owed.get(fee.id, ()) + tuple(due[-1:]):
                items.append(fee_item(f"{fee.label} (due {day})", fee.amount, member, as_of, rule.sources))
    return Cost(path=path_id, path_label=path.label, member=member, items=tuple(items))


@dataclass(frozen=True, repr=False, eq=False)
class PriceList(Record):
    """One certification's fees, for ``marenew cost`` without a file."""

    rule: Rule
    member: bool
    cycle_months: int | None
    fees: Mapping[PathId, FeeItem]
    recurring: tuple[RecurringLine, ...]
    per_year: float | None

    @property
    def confidence(self) -> str:
        """How sure the regular cost is: the paths open to a current holder and the recurring fees
        (an unpublished reinstatement fee does not make the CE fee less sure)."""
        current = [
            self.fees[pid].confidence for pid, p in self.rule.paths.items() if p.available in ("current", "always")
        ]
        return weakest(*current, *(r.confidence for r in self.recurring))

    def as_json(self) -> dict:
        return {
            "cert": self.rule.id,
            "body": self.rule.body,
            "name": self.rule.name,
            "cycle_months": self.cycle_months,
            "fees": {k: num(v.amount) for k, v in self.fees.items()},
            "fee_confidence": {k: v.confidence for k, v in self.fees.items()},
            "fee_conflicts": {k: [c.as_json() for c in v.conflicts] for k, v in self.fees.items()},
            "recurring": [r.as_json() for r in self.recurring],
            "per_year": num(self.per_year),
            "confidence": self.confidence,
        }


def price_list(rule: Rule, member: bool, as_of: dt.date) -> PriceList:
    """Fees per path (the path's own fee), recurring fees, and the cost per year: the cheapest
    path open to a current holder spread over the cycle, plus recurring fees per year. Unknown
    if any figure it needs is unknown."""
    months_entry = rule.cycle.months.at(as_of)
    cycle = months_entry.value if months_entry else None
    fees = {pid: fee_item(p.label, p.fee, member, as_of, rule.sources) for pid, p in rule.paths.items()}
    recurring = []
    for fee in rule.recurring_fees:
        every = fee.every_months.at(as_of)
        item = fee_item(fee.label, fee.amount, member, as_of, rule.sources)
        recurring.append(
            RecurringLine(
                fee.label,
                item.amount,
                every.value if every else None,
                weakest(item.confidence, every.confidence if every else "unknown"),
                item.conflicts,
                item.source_title,
                item.article,
            )
        )
    regular = [fees[pid].amount for pid, p in rule.paths.items() if p.available in ("current", "always")]
    known = [a for a in regular if a is not None]
    per_year: float | None = None
    if cycle and regular and len(known) == len(regular):
        yearly = [r.amount * 12 / r.every_months for r in recurring if r.amount is not None and r.every_months]
        if len(yearly) == len(recurring):
            per_year = round(min(known) * 12 / cycle + sum(yearly), 2)
    return PriceList(rule, member, cycle, fees, tuple(recurring), per_year)


# --- the whole credential ---------------------------------------------------------------------


# Figures that depend on a few keys only, worked out once per process: a roster judges many
# credentials that share a rule, a certification date and an expiry (and, for the cost, a status,
# a membership and the day). The values are frozen, so sharing them is safe; the rule object is
# kept with each so that an id reused by another rule can never match.
_MEMO: dict[tuple, tuple[Rule, Any]] = {}
_MEMO_SIZE = 1 << 16


def _memo(rule: Rule, key: tuple, make: Callable[[], Any]) -> Any:
    key = (id(rule),) + key
    found = _MEMO.get(key)
    if found is not None and found[0] is rule:
        return found[1]
    value = make()  # an exception (RuleGap) is not kept: it is raised again next time
    if len(_MEMO) >= _MEMO_SIZE:
        _MEMO.clear()
    _MEMO[key] = (rule, value)
    return value


def evaluate_credential(
    rule: Rule,
    cred: Credential,
    credits: list[AnyCredit],
    *,
    member: bool,
    as_of: dt.date,
    warn_days: int = WARN_DAYS,
    detail: bool = True,
) -> CredentialResult:
    dates: Dates = _memo(rule, ("dates", cred.certified_on, cred.expires_on), lambda: credential_dates(rule, cred))
    # A fee still unpaid at the end of the cycle leaves the holder only the path the rule names
    # for it (AMT: reactivation): no late window (while one is owed, the expiry is the last day to
    # renew), and once the cycle has ended no wait for an answer to the renewal sent.
    unpaid = cycle.unpaid_fees(rule, cred.certified_on, dates.expires_on, cred.paid, as_of) if cred.paid else ()
    if unpaid:
        dates = dataclasses.replace(dates, late_window_end=None, deadline=dates.expires_on)
    ended_unpaid = unpaid[0].path if unpaid and as_of > dates.expires_on else None
    status = status_on(as_of, dates.expires_on, dates.deadline, warn_days)
    ce = count_ce(
        rule,
        credits,
        cred.certified_on,
        dates.expires_on,
        as_of,
        detail=detail,
        used=cred.used_credits() if cred.history else None,
    )
    # The path a lapsed holder takes now, worked out where something reads it: the next step of a
    # lapse (a renewal sent turns a status into "submitted", never into "lapsed"), and the warnings
    # of a fee unpaid at the end of the cycle. Any other next step never reads it.
    after_lapse = (
        path_after_lapse(rule, dates.expires_on, as_of, ended_unpaid)
        if status == "lapsed" or ended_unpaid is not None
        else rule.renewal.after_lapse
    )
    warnings = list(dates.warnings)
    if unpaid:
        # once that path's own time limit has passed (AMT: ten years), the unpaid fee no longer decides
        warnings += [
            cycle.unpaid_warning(rule, u, dates.expires_on, as_of)
            for u in unpaid
            if ended_unpaid is None or u.path == after_lapse
        ]
    waiting_until = None
    if cred.submitted_on is not None and ended_unpaid is None:
        status, waiting_note, waiting_until = cycle.waiting(rule, cred.submitted_on, status, as_of)
        if waiting_note:
            warnings.append(waiting_note)

    def price(path_id: PathId, lapsed: bool) -> Cost:
        if lapsed:
            return _memo(
                rule, ("cost", path_id, member, as_of), lambda: path_cost(rule, path_id, member, as_of, lapsed=True)
            )

        def cost() -> Cost:
            return path_cost(
                rule,
                path_id,
                member,
                as_of,
                certified_on=cred.certified_on,
                expires_on=dates.expires_on,
                paid=cred.paid,
            )

        if cred.paid:
            return cost()
        # without payments recorded, the dates matter only to the recurring fees due with the renewal
        cycle_days = (cred.certified_on, dates.expires_on) if rule.recurring_fees else ()
        return _memo(rule, ("renewal cost", path_id, member, as_of, *cycle_days), cost)

    unit = rule.ce.unit if rule.ce else None
    step = nextstep.decide(
        rule,
        status=status,
        as_of=as_of,
        expires_on=dates.expires_on,
        late_window_end=dates.late_window_end,
        points_needed=ce.points_needed,
        requirements=ce.requirements,
        unit=unit,
        price=price,
        open_until=lambda path_id: path_open_until(rule, path_id, dates.expires_on),
        after_lapse=after_lapse,
        submitted=(cred.submitted_on, waiting_until) if cred.submitted_on and waiting_until else None,
        unpaid=unpaid,
    )
    cost = step.cost
    age = (as_of - rule.last_verified).days
    if age > STALE_AFTER_DAYS:
        warnings.append(
            f"the {rule.id} rule's figures were last verified {rule.last_verified} "
            f"({age} days before {as_of}); check them against {rule.body}'s page"
        )
    if not cost.complete:
        for item in cost.items:
            if item.amount is None:
                warnings.append(f"{item.label}: {rule.body} does not publish this fee; amount unknown")
    if ce.unmatched:
        warnings += [u.message for u in ce.unmatched]
    result = CredentialResult(
        cert=rule.id,
        body=rule.body,
        name=rule.name,
        number=cred.number,
        status=status,
        certified_on=cred.certified_on,
        expires_on=dates.expires_on,
        expires_on_from=dates.expires_on_from,  # type: ignore[arg-type]
        deadline=dates.deadline,
        days_left=(dates.expires_on - as_of).days,
        window_start=cred.certified_on,
        window_end=dates.expires_on,
        ready=None if ce.points_needed is None else ce.points_needed <= EPS,
        points_needed=ce.points_needed,
        unit=unit,
        requirements=ce.requirements,
        credits=ce.credits,
        confidence=weakest(dates.confidence, ce.confidence, cost.confidence, *(u.confidence for u in unpaid))
        if unpaid
        else weakest(dates.confidence, ce.confidence, cost.confidence),
        next_step=step,
        pace=nextstep.pace(rule, as_of, cred.certified_on, dates.expires_on, ce.points_needed, ce.requirements),
        may_use_credential=nextstep.may_use_credential(rule, as_of, dates.expires_on),
        caps=ce.caps,
        warnings=tuple(warnings),
        unmatched=ce.unmatched,
    )
    return result


def evaluate(
    rules: Mapping[str, Rule],
    holder: CredentialFile,
    as_of: dt.date,
    *,
    member: bool | None = None,
    warn_days: int = WARN_DAYS,
    detail: bool = True,
    credits: list[CreditValues] | None = None,
) -> Report:
    """Judge every credential in a credential file. ``rules`` maps upper-case rule ids to rules;
    ``member`` overrides the memberships the file lists; ``detail=False`` leaves out the
    per-credit results. ``credits``, when given, are the holder's credits, in place of the
    file's (a roster's clear credit rows)."""
    counted: Sequence[AnyCredit] = holder.credits if credits is None else credits
    results = []
    for cred in holder.credentials:
        rule = rules[cred.key]
        is_member = holder.is_member(rule.body) if member is None else member
        results.append(
            evaluate_credential(
                rule, cred, list(counted), member=is_member, as_of=as_of, warn_days=warn_days, detail=detail
            )
        )
    return Report(as_of=as_of, holder=holder.holder, credentials=tuple(results))
