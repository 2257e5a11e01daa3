"""The rules as the engine and every command read them: what a certifying body requires, every
figure with its source and confidence.

A figure is either one value::

    months: {value: 60, source: AAMA-POL, confidence: official}

or values that changed over time, keyed by the date each took effect (OpenFisca style)::

    months:
      values:
        2000-01-01: {value: 60, source: AAMA-OLDAPP, confidence: secondary}
        2020-01-01: {value: 3, source: AAMA-FAQ, confidence: official}

A value may carry the other values that sources publish for it (``conflicts``), each with its
source, and its own ``last_verified`` day (the file's by default).

``Figure.at(day)`` returns the entry in force on that day. An unknown figure is ``value: null``
with ``confidence: unknown``: shown as unknown, never guessed. ``docs/rule-maintainers.md``
documents the whole format.

Two forms of one rule: a rule file is validated by the pydantic models of
``marenew.load.ruleschema`` (the validator of record: every message about a rule file comes from
there), and each validated rule is converted into the plain classes of this module, which the
engine, every command and the rule cache use. They import no pydantic and are cheap to create, so a
run that takes its rules from the cache builds no model class for them. Each class here has the
fields of the schema model of the same name, in the same order (a test holds the two together).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar, Generic, Literal, TypeVar

from marenew.core.confidence import CONFIDENCE_RANK, Confidence, weakest

__all__ = [
    "CE",
    "CONFIDENCE_RANK",
    "Category",
    "Confidence",
    "Conflict",
    "Cycle",
    "Entry",
    "ExpiryMode",
    "ExtraFee",
    "Fee",
    "Figure",
    "FixedClose",
    "LateWindow",
    "LeastActivity",
    "Note",
    "Number",
    "Path",
    "PathId",
    "Period",
    "Plain",
    "RecurringFee",
    "Renewal",
    "RenewedFrom",
    "Rule",
    "Source",
    "SourceKind",
    "as_json",
    "weakest",
]

T = TypeVar("T")

Number = float
# page: a web page, at `url`; article or document: known by its title only (a third-party guide,
# a copy of a form), so that a reader can still look for it.
SourceKind = Literal["page", "article", "document"]
# end_of_month: the last day of the month, cycle months after certification (AAMA, AHA BLS);
# anniversary: the same day, cycle months after certification (AMT, NHA);
# birthday: on the holder's birthday (a state credential); not computable, so the date comes from
# the credential itself (`expiry_from_card`).
ExpiryMode = Literal["end_of_month", "anniversary", "birthday"]
# Where the next cycle starts once renewed: at the (re)certification (AAMA), or at the old expiry
# (NHA extends it; AMT runs fixed blocks).
RenewedFrom = Literal["recertification", "expiry"]
# renewal: renewing by application and fee, with no CE (a state credential).
PathId = Literal["ce", "exam", "reinstatement", "course", "renewal"]

_set = object.__setattr__


class Plain:
    """A rule object: named fields in slots, every one given when it is made, none changed after
    (the rule set is shared by every credential judged). Equal when of the same class with equal
    fields, like the models they come from."""

    __slots__ = ()
    FIELDS: ClassVar[tuple[str, ...]] = ()  # every field, the inherited ones first

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        own = tuple(name for name in cls.__dict__.get("__slots__", ()) if not name.startswith("_"))
        cls.FIELDS = tuple(cls.FIELDS) + own

    def __init__(self, **fields: Any) -> None:
        for name in self.FIELDS:
            try:
                _set(self, name, fields.pop(name))
            except KeyError:
                raise TypeError(f"{type(self).__name__} needs `{name}`") from None
        if fields:
            raise TypeError(f"{type(self).__name__} has no field `{next(iter(fields))}`")

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is read-only")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is read-only")

    def _values(self) -> tuple:
        return tuple(getattr(self, name) for name in self.FIELDS)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Plain):
            return NotImplemented
        return type(other) is type(self) and other._values() == self._values()

    def __hash__(self) -> int:
        return hash((type(self), self._values()))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{n}={getattr(self, n)!r}' for n in self.FIELDS)})"

    def __reduce__(self) -> tuple:
        # by class and field values: what a derived slot caches (a figure's timeline) is rebuilt
        return _restore, (type(self), self._values())


def _restore(cls: type[Plain], values: tuple) -> Plain:
    obj = cls.__new__(cls)
    for name, value in zip(cls.FIELDS, values, strict=True):
        _set(obj, name, value)
    return obj


def as_json(value: Any) -> Any:
    """A rule object as JSON data: fields that are None left out, dates as ISO text (what the
    schema model's ``model_dump(mode="json", exclude_none=True)`` gives)."""
    if isinstance(value, Plain):
        return {name: as_json(v) for name in value.FIELDS if (v := getattr(value, name)) is not None}
    if isinstance(value, dict):
        return {(k.isoformat() if isinstance(k, dt.date) else k): as_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [as_json(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


class Conflict(Plain, Generic[T]):
    """Another value that a source publishes for the same figure: recorded and shown, never used."""

    __slots__ = ("value", "source", "note")
    value: T
    source: str
    note: str | None


class Entry(Plain, Generic[T]):
    """One value with where it comes from."""

    __slots__ = ("value", "source", "confidence", "note", "conflicts", "last_verified")
    value: T | None
    source: str | None
    confidence: Confidence
    note: str | None
    conflicts: list[Conflict[T]]
    last_verified: dt.date | None


class Figure(Plain, Generic[T]):
    """A value, or dated values, each with source and confidence."""

    __slots__ = ("value", "source", "confidence", "note", "conflicts", "last_verified", "values", "_timeline")
    value: T | None
    source: str | None
    confidence: Confidence | None
    note: str | None
    conflicts: list[Conflict[T]]
    last_verified: dt.date | None
    values: dict[dt.date, Entry[T]] | None
    _timeline: list[tuple[dt.date, Entry[T]]]

    def _line(self) -> list[tuple[dt.date, Entry[T]]]:
        """Entries by effective date; an undated figure is one entry in force since always.
        Built once per figure (a roster looks figures up millions of times)."""
        try:
            return self._timeline
        except AttributeError:
            pass
        if self.values is None:
            undated: Entry[T] = Entry(
                value=self.value,
                source=self.source,
                confidence=self.confidence or "unknown",
                note=self.note,
                conflicts=self.conflicts,
                last_verified=self.last_verified,
            )
            line = [(dt.date.min, undated)]
        else:
            line = sorted(self.values.items())
        _set(self, "_timeline", line)
        return line

    def in_force(self, day: dt.date) -> tuple[dt.date | None, Entry[T]] | None:
        """(effective date, entry) in force on ``day``: the latest entry whose effective date is
        on or before it. The date is None for an undated figure; None before the first date."""
        if self.values is None:
            return None, self._line()[0][1]
        found = None
        for item in self._line():
            if item[0] > day:
                break
            found = item
        return found

    def at(self, day: dt.date) -> Entry[T] | None:
        """The entry in force on ``day`` (see ``in_force``)."""
        found = self.in_force(day)
        return found[1] if found is not None else None

    def entries(self) -> list[tuple[dt.date | None, Entry[T]]]:
        """Every entry with its effective date (None for an undated figure)."""
        if self.values is None:
            return [(None, self._line()[0][1])]
        return list(self.values.items())


class Source(Plain):
    __slots__ = ("title", "url", "kind", "note")
    title: str
    url: str | None
    kind: SourceKind
    note: str | None


class Cycle(Plain):
    __slots__ = ("months", "expiry", "expiry_from_card", "renewed_from")
    months: Figure[int]
    expiry: Figure[ExpiryMode]
    expiry_from_card: bool
    renewed_from: Figure[RenewedFrom] | None


class Category(Plain):
    __slots__ = ("label", "minimum", "aliases")
    label: str
    minimum: Figure[Number]
    aliases: list[str]


class LeastActivity(Plain):
    """The least size, in the body's unit, of one activity that counts, by its approval."""

    __slots__ = ("approved", "unapproved")
    approved: Figure[Number] | None
    unapproved: Figure[Number] | None


class CE(Plain):
    """Continuing education that a renewal needs within the counting window."""

    __slots__ = (
        "unit",
        "total",
        "approved_by",
        "approved_aliases",
        "least_activity",
        "approved_minimum",
        "unapproved_cap",
        "categories",
        "college_credit_points",
    )
    unit: str
    total: Figure[Number]
    approved_by: list[str]
    approved_aliases: dict[str, list[str]]
    least_activity: LeastActivity | None
    approved_minimum: Figure[Number] | None
    unapproved_cap: Figure[Number] | None
    categories: dict[str, Category]
    college_credit_points: Figure[Number] | None


class Period(Plain):
    """A length after expiry: calendar months (an end-of-month expiry ends at the end of the month)
    or days; exactly one of the two is given."""

    __slots__ = ("months", "days")
    months: Figure[int] | None
    days: Figure[int] | None

    @property
    def figure(self) -> Figure[int]:
        return self.months if self.months is not None else self.days  # type: ignore[return-value]

    @property
    def unit(self) -> Literal["months", "days"]:
        return "months" if self.months is not None else "days"


class FixedClose(Plain):
    """A day on which late windows close whatever their length: the earlier of the two wins."""

    __slots__ = ("expired_before", "date")
    expired_before: dt.date | None
    date: Figure[dt.date]

    def applies(self, expires_on: dt.date) -> bool:
        return self.expired_before is None or expires_on < self.expired_before


class LateWindow(Period):
    """How long after expiry the regular renewal is still accepted."""

    __slots__ = ("closes_on",)
    closes_on: list[FixedClose]


class Fee(Plain):
    """A fee for members and non-members of the body, or one figure for all."""

    __slots__ = ("member", "non_member", "all")
    member: Figure[Number] | None
    non_member: Figure[Number] | None
    all: Figure[Number] | None

    def for_member(self, member: bool) -> Figure[Number]:
        if self.all is not None:
            return self.all
        return self.member if member else self.non_member  # type: ignore[return-value]


class ExtraFee(Plain):
    __slots__ = ("label", "amount")
    label: str
    amount: Fee


class Path(Plain):
    """A way to renew: continuing education, the exam, reinstatement, or a course (BLS)."""

    __slots__ = ("label", "fee", "available", "after_lapse_fees", "options", "time_limit", "after_time_limit")
    label: str
    fee: Fee
    available: Literal["current", "lapsed", "always"]
    after_lapse_fees: list[ExtraFee]
    options: list[ExtraFee]
    time_limit: Period | None
    after_time_limit: PathId | None


class RecurringFee(Plain):
    """A fee due between renewals, counted from the certification date (AMT's annual fee)."""

    __slots__ = ("id", "label", "every_months", "amount", "unpaid_at_cycle_end")
    id: str
    label: str
    every_months: Figure[int]
    amount: Fee
    unpaid_at_cycle_end: Figure[PathId] | None


class Note(Plain):
    """A fact the model cannot hold, with the sources that state it."""

    __slots__ = ("text", "sources")
    text: str
    sources: list[str]


class Renewal(Plain):
    __slots__ = ("regular", "after_lapse", "processing_days")
    regular: PathId
    after_lapse: PathId
    processing_days: Figure[int] | None


class Rule(Plain):
    __slots__ = (
        "id",
        "name",
        "body",
        "body_name",
        "last_verified",
        "renewal_page",
        "sources",
        "cycle",
        "ce",
        "late_window",
        "paths",
        "renewal",
        "recurring_fees",
        "use_while_expired",
        "notes",
    )
    id: str
    name: str
    body: str
    body_name: str
    last_verified: dt.date
    renewal_page: str | None
    sources: dict[str, Source]
    cycle: Cycle
    ce: CE | None
    late_window: LateWindow | None
    paths: dict[PathId, Path]
    renewal: Renewal
    recurring_fees: list[RecurringFee]
    use_while_expired: Figure[bool] | None
    notes: list[str | Note]

    def note_items(self) -> list[Note]:
        """Every note as {text, sources} (a plain-text note cites nothing)."""
        return [n if isinstance(n, Note) else Note(text=n, sources=[]) for n in self.notes]

    @property
    def key(self) -> str:
        return self.id.upper()

    @property
    def title(self) -> str:
        return f"{self.id} ({self.body})"

    def figures(self) -> list[tuple[tuple, Figure]]:
        """Every figure in the rule with its key path, for checks and for ``rules show``."""
        found: list[tuple[tuple, Figure]] = []

        def walk(obj: Any, path: tuple) -> None:
            if isinstance(obj, Figure):
                found.append((path, obj))
            elif isinstance(obj, Plain):
                for name in obj.FIELDS:
                    walk(getattr(obj, name), path + (name,))
            elif isinstance(obj, dict):
                for k, v in obj.items():
                    walk(v, path + (k,))
            elif isinstance(obj, list):
                for i, v in enumerate(obj):
                    walk(v, path + (i,))

        walk(self, ())
        return found
