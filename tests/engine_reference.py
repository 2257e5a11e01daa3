"""The CE counting as first written: a candidate object per credit, every credit in the
canonical order, the cap allocated over those objects. Kept as the oracle of a differential test
(tests/test_engine_counting.py): the engine counts the same credits far more cheaply, and must
give exactly this, float for float."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from marenew.core.credential import Credit, PastCycle
from marenew.core.defaults import EPS
from marenew.core.engine import CEResult, approved_label
from marenew.core.names import Names, names_of
from marenew.core.results import CapResult, CreditResult, RequirementResult, Unmatched
from marenew.core.rule import CE, Figure, Rule, weakest
from marenew.core.words import plural


def _r(x: float) -> float:
    return round(x + 0.0, 6)


def _points_key(c: Credit) -> tuple:
    if c.points is None:
        return (-1.0, ())
    split = c.split
    return (c.size, tuple(sorted(split.items())) if split is not None else ())


def order_key(c: Credit) -> tuple:
    """The canonical order of credits: by date, then title, then everything else they say."""
    return (
        c.date,
        c.title,
        _points_key(c),
        c.college_credits if c.college_credits is not None else -1.0,
        (c.category or "").lower(),
        tuple(sorted(b.upper() for b in c.approved_by)),
        tuple(sorted(b.upper() for b in c.applies_to)) if c.applies_to is not None else (),
        # then as written, so that credits that tie are the same in every field
        tuple(c.split) if c.split is not None else (),
        c.category is None,
        c.category or "",
        tuple(c.approved_by),
        c.applies_to is None,
        tuple(c.applies_to or ()),
        c.certificate is None,
        c.certificate or "",
    )


@dataclass
class _Piece:
    area: str | None
    points: float
    written: str | None = None
    counted: float = 0.0


@dataclass
class _Candidate:
    credit: Credit
    points: float | None
    eligible: bool = False
    approved: bool = False
    pieces: list[_Piece] = field(default_factory=list)
    notes: list[str] | None = None
    in_cycle: bool = False

    @property
    def counted(self) -> float:
        return sum(p.counted for p in self.pieces)

    def note(self, text: str) -> None:
        self.notes = (self.notes or []) + [text]


def _value(figure: Figure | None, day: dt.date):
    if figure is None:
        return None, None
    entry = figure.at(day)
    if entry is None:
        return None, "unknown"
    return entry.value, entry.confidence


def _least_activity(ce: CE, approved: bool, day: dt.date) -> float | None:
    least = ce.least_activity
    if least is None:
        return None
    return _value(least.approved if approved else least.unapproved, day)[0]


def _approval(ce: CE, names: Names, credit: Credit, unmatched: list[Unmatched]) -> bool:
    if credit.college_credits is not None or not ce.approved_by:
        return False
    for b in credit.approved_by:
        if names.body(b) is not None:
            return True
    for written in credit.approved_by:
        near = names.near_body(written)
        if near is not None:
            unmatched.append(
                Unmatched(
                    credit.title,
                    "approved_by",
                    written,
                    near,
                    f"`{written}` is not a body marenew knows (did you mean `{near}`?); "
                    f"counted as not {approved_label(ce)}",
                )
            )
    return False


def _area(rule, names, credit, written, unmatched, cand, counts_as):
    key = names.area(written)
    if key is None:
        near = names.near_area(written)
        hint = f" (did you mean `{near}`?)" if near else f" ({', '.join(rule.ce.categories)})"
        message = f"`{written}` is not one of {rule.body}'s content areas{hint}; {counts_as}"
        unmatched.append(Unmatched(credit.title, "category", written, near, message))
        cand.note(message)
    return key


def _candidates(rule, ce, credits, start, end, as_of, used):
    out: list[_Candidate] = []
    unmatched: list[Unmatched] = []
    college, _ = _value(ce.college_credit_points, end)
    names = names_of(ce)
    label = approved_label(ce)
    counts_as_of = {
        True: f"counts toward the total and the {label} minimum, not a content area",
        False: f"counts toward the total (as not {label}), not a content area",
    }
    for credit in credits:
        cand = _Candidate(credit, None)
        out.append(cand)
        if credit.applies_to is not None and not credit.applies(rule.id):
            cand.note(f"counts only for {', '.join(credit.applies_to or [])}")
            continue
        past = used.get(credit.key) if used else None
        if past is not None:
            cand.note(f"used for the renewal of {past.renewed_on} (cycle {past.certified_on} to {past.expires_on})")
            continue
        if credit.points is not None:
            cand.points = credit.size
        elif credit.college_credits is not None:
            if college is None:
                cand.note(f"{rule.body} gives no conversion for college credits")
                continue
            cand.points = credit.college_credits * college
            cand.note(
                f"{plural(float(credit.college_credits), 'college credit')} x {college:g} = {cand.points:g} {ce.unit}, "
                f"not {label}"
            )
        if credit.date < start:
            cand.note(f"before this cycle began ({start})")
            continue
        if credit.date > end:
            cand.note(f"after expiry ({end}): CE counts only inside the cycle")
            continue
        if credit.date > as_of:
            cand.note(f"after the as-of date ({as_of})")
            continue
        cand.in_cycle = True
        if cand.points is None:
            continue
        cand.approved = _approval(ce, names, credit, unmatched)
        least = _least_activity(ce, cand.approved, end)
        if least is not None and cand.points < least - EPS:
            kind = label if cand.approved else f"not {label}"
            cand.note(
                f"too short ({cand.points:g} {ce.unit}): {rule.body} counts an activity {kind} only when "
                f"it is worth at least {least:g}; not counted"
            )
            continue
        cand.eligible = True
        counts_as = counts_as_of[cand.approved]
        split = credit.split
        if split is not None:
            for written, pts in split.items():
                area = _area(rule, names, credit, written, unmatched, cand, counts_as) if ce.categories else None
                cand.pieces.append(_Piece(area, float(pts), written))
            continue
        area = None
        if ce.categories:
            if credit.category is None:
                cand.note(f"no content area given ({', '.join(ce.categories)}): {counts_as}")
            else:
                area = _area(rule, names, credit, credit.category, unmatched, cand, counts_as)
        cand.pieces.append(_Piece(area, cand.points))
    return out, unmatched


def _allocate(ce: CE, cands: list[_Candidate], day: dt.date) -> CapResult | None:
    eligible = [c for c in cands if c.eligible]
    for c in eligible:
        if c.approved:
            for p in c.pieces:
                p.counted = p.points
    unapproved = [c for c in eligible if not c.approved]
    cap, _ = _value(ce.unapproved_cap, day)
    if cap is None:
        for c in unapproved:
            for p in c.pieces:
                p.counted = p.points
        return None
    budget = cap
    for key, category in ce.categories.items():
        minimum, _ = _value(category.minimum, day)
        gap = (minimum or 0.0) - sum(p.counted for c in eligible if c.approved for p in c.pieces if p.area == key)
        for c in unapproved:
            for p in c.pieces:
                if p.area != key or gap <= EPS or budget <= EPS:
                    continue
                take = min(p.points - p.counted, gap, budget)
                p.counted += take
                gap -= take
                budget -= take
    for c in unapproved:
        for p in c.pieces:
            take = max(0.0, min(p.points - p.counted, budget))
            p.counted += take
            budget -= take
    label = f"not {approved_label(ce)}"
    for c in unapproved:
        if c.counted < c.points - EPS:
            if c.counted > EPS:
                c.note(f"over the cap of {cap:g} on {ce.unit} {label}: {_r(c.counted):g} of {c.points:g} counted")
            else:
                c.note(f"the cap of {cap:g} on {ce.unit} {label} is used up: not counted")
    entered = sum(c.points for c in unapproved)
    return CapResult(
        "unapproved",
        f"{label[0].upper()}{label[1:]} {ce.unit}",
        cap,
        _r(entered),
        _r(sum(c.counted for c in unapproved)),
    )


def count_ce(
    rule: Rule,
    credits: list[Credit],
    start: dt.date,
    end: dt.date,
    as_of: dt.date,
    used: Mapping[tuple[str, dt.date], PastCycle] | None = None,
) -> CEResult:
    """The CE result with every per-credit result (``engine.count_ce`` with ``detail=True``)."""
    ce = rule.ce
    if ce is None:
        return CEResult((), (), 0.0, (), "official")
    cands, unmatched = _candidates(rule, ce, sorted(credits, key=order_key), start, end, as_of, used)
    cap = _allocate(ce, cands, end)
    reqs: list[RequirementResult] = []
    confs: list = []

    def requirement(id_, label, figure, got):
        required, conf = _value(figure, end)
        confs.append(conf)
        short = None if required is None else max(0.0, _r(required - got))
        reqs.append(RequirementResult(id_, label, required, _r(got), short, conf or "unknown"))
        return short

    total = approved = 0.0
    by_category = dict.fromkeys(ce.categories, 0.0)
    for c in cands:
        for p in c.pieces:
            if p.counted <= EPS:
                continue
            total += p.counted
            if c.approved:
                approved += p.counted
            if p.area is not None:
                by_category[p.area] += p.counted
    shorts = [requirement("total", f"Total {ce.unit}", ce.total, total)]
    if ce.approved_minimum is not None:
        shorts.append(requirement("approved", f"{approved_label(ce)} {ce.unit}", ce.approved_minimum, approved))
    category_short: float | None = 0.0
    for key, category in ce.categories.items():
        s = requirement(key, category.label, category.minimum, by_category[key])
        category_short = None if (s is None or category_short is None) else category_short + s
    if ce.categories:
        shorts.append(category_short)
    known = [s for s in shorts if s is not None]
    needed = _r(max(known)) if len(known) == len(shorts) else None
    results = tuple(
        CreditResult(
            title=c.credit.title,
            date=c.credit.date,
            points=c.points,
            counted=_r(c.counted),
            note="; ".join(c.notes) if c.notes else None,
            parts=tuple((p.written, p.points, _r(p.counted)) for p in c.pieces if p.written is not None),
            in_cycle=c.in_cycle,
            approved=c.approved,
            areas=tuple((p.area, _r(p.counted)) for p in c.pieces),
            approved_by=tuple(c.credit.approved_by),
            category=c.credit.category,
            certificate=c.credit.certificate,
        )
        for c in cands
    )
    return CEResult(tuple(reqs), results, needed, (cap,) if cap else (), weakest(*confs), tuple(unmatched))
