"""The rule-file model: what a certifying body requires, every figure with its source and confidence.

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
with ``confidence: unknown``: shown as unknown, never guessed. ``docs/rule-maintainers.md`` documents the
whole format.
"""

from __future__ import annotations

import datetime as dt
from functools import cached_property
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import BaseModel, Field, model_validator

from marenew.core.base import CONFIDENCE_RANK, Confidence, Strict, weakest  # noqa: F401 - re-exported

T = TypeVar("T")


class Conflict(Strict, Generic[T]):
    """Another value that a source publishes for the same figure: recorded and shown, never used."""

    value: T
    source: str
    note: str | None = None


class Entry(Strict, Generic[T]):
    """One value with where it comes from."""

    value: T | None
    source: str | None = None
    confidence: Confidence
    note: str | None = None
    conflicts: list[Conflict[T]] = Field(default_factory=list)
    last_verified: dt.date | None = None

    @model_validator(mode="after")
    def _sourced(self) -> Entry:
        if self.value is not None and not self.source:
            raise ValueError("a value needs a `source` (a key of `sources`)")
        if self.value is None and self.confidence != "unknown":
            raise ValueError("a null (unknown) value must have `confidence: unknown`")
        return self


# Keys that describe one value: with dated `values` they go on each dated entry instead.
_ENTRY_KEYS = ("value", "source", "confidence", "conflicts", "last_verified")


class Figure(Strict, Generic[T]):
    """A value, or dated values, each with source and confidence."""

    value: T | None = None
    source: str | None = None
    confidence: Confidence | None = None
    note: str | None = None
    conflicts: list[Conflict[T]] = Field(default_factory=list)
    last_verified: dt.date | None = None
    values: dict[dt.date, Entry[T]] | None = None

    @model_validator(mode="before")
    @classmethod
    def _shape(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        if any(k not in cls.model_fields for k in data):
            return data  # an unknown key (`sourse`) is reported as such, with the nearest valid name
        if "values" in data:
            extra = [k for k in _ENTRY_KEYS if k in data]
            if extra:
                raise ValueError(
                    f"give either `values` (dated) or `value`, not both (found `{extra[0]}`; "
                    "with dated values it goes on each dated entry)"
                )
            if not isinstance(data["values"], dict) or not data["values"]:
                raise ValueError("`values` must map at least one effective date to {value, source, confidence}")
            return data
        if "value" not in data:
            raise ValueError("missing `value` (write `value: null` with `confidence: unknown` if not published)")
        if "confidence" not in data:
            raise ValueError("missing `confidence` (official, secondary, unconfirmed or unknown)")
        if data.get("value") is not None and not data.get("source"):
            raise ValueError("a value needs a `source` (a key of `sources`)")
        if data.get("value") is None and data.get("confidence") != "unknown":
            raise ValueError("a null (unknown) value must have `confidence: unknown`")
        return data

    @cached_property
    def _timeline(self) -> list[tuple[dt.date, Entry[T]]]:
        """Entries by effective date; an undated figure is one entry in force since always.
        Built once per figure (a roster looks figures up millions of times)."""
        if self.values is None:
            # Already validated by _shape: construct without re-validating.
            undated = Entry.model_construct(
                value=self.value,
                source=self.source,
                confidence=self.confidence or "unknown",
                note=self.note,
                conflicts=self.conflicts,
                last_verified=self.last_verified,
            )
            return [(dt.date.min, undated)]
        return sorted(self.values.items())

    def in_force(self, day: dt.date) -> tuple[dt.date | None, Entry[T]] | None:
        """(effective date, entry) in force on ``day``: the latest entry whose effective date is
        on or before it. The date is None for an undated figure; None before the first date."""
        if self.values is None:
            return None, self._timeline[0][1]
        found = None
        for item in self._timeline:
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
            return [(None, self.at(dt.date.min))]  # type: ignore[list-item]
        return list(self.values.items())


Number = float


# page: a web page, at `url`; article or document: known by its title only (a third-party guide,
# a copy of a form), so that a reader can still look for it.
SourceKind = Literal["page", "article", "document"]


class Source(Strict):
    title: str
    url: str | None = None
    kind: SourceKind = Field(default="page", description="page (needs `url`), article or document (by title)")
    note: str | None = None

    @model_validator(mode="after")
    def _findable(self) -> Source:
        if self.kind == "page" and not self.url:
            raise ValueError(
                "a source needs a `url`, or `kind: article` or `kind: document` when it is known only by its title"
            )
        return self


# end_of_month: the last day of the month, cycle months after certification (AAMA, AHA BLS);
# anniversary: the same day, cycle months after certification (AMT, NHA);
# birthday: on the holder's birthday (a state credential); not computable, so the date comes from
# the credential itself (`expiry_from_card`).
ExpiryMode = Literal["end_of_month", "anniversary", "birthday"]
# Where the next cycle starts once renewed: at the (re)certification (AAMA), or at the old expiry
# (NHA extends it; AMT runs fixed blocks).
RenewedFrom = Literal["recertification", "expiry"]


class Cycle(Strict):
    months: Figure[int]
    expiry: Figure[ExpiryMode]
    expiry_from_card: bool = Field(
        default=False, description="the expiry cannot be computed: each credential must give `expires_on`"
    )
    renewed_from: Figure[RenewedFrom] | None = Field(
        default=None, description="where the next cycle starts: at the recertification, or at the old expiry"
    )

    @model_validator(mode="after")
    def _computable(self) -> Cycle:
        if not self.expiry_from_card and any(e.value == "birthday" for _, e in self.expiry.entries()):
            raise ValueError(
                "a `birthday` expiry cannot be computed: add `expiry_from_card: true`, so that "
                "each credential gives its `expires_on`"
            )
        return self


class Category(Strict):
    label: str
    minimum: Figure[Number]
    aliases: list[str] = Field(
        default_factory=list,
        description="other names a credit may give this area (admin, clin); "
        "matched ignoring case, spaces and punctuation",
    )


class LeastActivity(Strict):
    """The least size, in the body's unit, of one activity that counts, by its approval."""

    approved: Figure[Number] | None = Field(default=None, description="for activities approved by `approved_by`")
    unapproved: Figure[Number] | None = Field(default=None, description="for any other activity")


class CE(Strict):
    """Continuing education that a renewal needs within the counting window."""

    unit: str = Field(description="what the body calls a point: points, CEUs, CE credits, clock hours")
    total: Figure[Number]
    approved_by: list[str] = Field(default_factory=list, description="bodies whose approval makes a credit 'approved'")
    approved_aliases: dict[str, list[str]] = Field(
        default_factory=dict,
        description="other names of each body in `approved_by` (AAMA-approved, ...); "
        "matched ignoring case, spaces and punctuation",
    )
    least_activity: LeastActivity | None = Field(
        default=None, description="the least size of one activity that counts (AAMA: one contact hour, non-AAMA)"
    )
    approved_minimum: Figure[Number] | None = None
    unapproved_cap: Figure[Number] | None = Field(
        default=None, description="most points that count from activities not approved by `approved_by`"
    )
    categories: dict[str, Category] = Field(default_factory=dict, description="content areas with minimums")
    college_credit_points: Figure[Number] | None = Field(
        default=None, description="points per semester or quarter college credit (counted as not approved)"
    )

    @model_validator(mode="after")
    def _aliased_bodies(self) -> CE:
        for body in self.approved_aliases:
            if body not in self.approved_by:
                raise ValueError(f"approved_aliases names `{body}`, which is not in approved_by")
        return self


class Period(Strict):
    """A length after expiry: calendar months (an end-of-month expiry ends at the end of the month)
    or days."""

    months: Figure[int] | None = None
    days: Figure[int] | None = None

    @model_validator(mode="after")
    def _one(self) -> Period:
        if (self.months is None) == (self.days is None):
            raise ValueError("give exactly one of `months` or `days`")
        return self

    @property
    def figure(self) -> Figure[int]:
        return self.months if self.months is not None else self.days  # type: ignore[return-value]

    @property
    def unit(self) -> Literal["months", "days"]:
        return "months" if self.months is not None else "days"


class FixedClose(Strict):
    """A day on which late windows close whatever their length: the earlier of the two wins."""

    expired_before: dt.date | None = Field(
        default=None, description="applies to expiries before this day only (none: to every expiry)"
    )
    date: Figure[dt.date]

    def applies(self, expires_on: dt.date) -> bool:
        return self.expired_before is None or expires_on < self.expired_before


class LateWindow(Period):
    """How long after expiry the regular renewal is still accepted."""

    closes_on: list[FixedClose] = Field(
        default_factory=list, description="fixed last days; the window ends on the earlier of these and its length"
    )


class Fee(Strict):
    """A fee for members and non-members of the body, or one figure for all."""

    member: Figure[Number] | None = None
    non_member: Figure[Number] | None = None
    all: Figure[Number] | None = None

    @model_validator(mode="after")
    def _complete(self) -> Fee:
        if self.all is not None:
            if self.member is not None or self.non_member is not None:
                raise ValueError("give `all`, or `member` and `non_member`, not both")
        elif self.member is None or self.non_member is None:
            raise ValueError("give `all`, or both `member` and `non_member`")
        return self

    def for_member(self, member: bool) -> Figure[Number]:
        if self.all is not None:
            return self.all
        return self.member if member else self.non_member  # type: ignore[return-value]


class ExtraFee(Strict):
    label: str
    amount: Fee


# renewal: renewing by application and fee, with no CE (a state credential).
PathId = Literal["ce", "exam", "reinstatement", "course", "renewal"]


class Path(Strict):
    """A way to renew: continuing education, the exam, reinstatement, or a course (BLS)."""

    label: str
    fee: Fee
    available: Literal["current", "lapsed", "always"] = Field(
        default="current", description="current: while active, expiring or in grace; lapsed: only after"
    )
    after_lapse_fees: list[ExtraFee] = Field(
        default_factory=list, description="fees added when this path is taken after lapsing (AAMA reactivation)"
    )
    options: list[ExtraFee] = Field(
        default_factory=list, description="optional purchases that serve this path (a body's own CE package)"
    )
    time_limit: Period | None = Field(
        default=None, description="how long after expiry this path stays open; then `after_time_limit`"
    )
    after_time_limit: PathId | None = Field(default=None, description="the path once this one has closed")

    @model_validator(mode="after")
    def _limit(self) -> Path:
        if (self.time_limit is None) != (self.after_time_limit is None):
            raise ValueError(
                "give `time_limit` and `after_time_limit` together: how long this path stays "
                "open after expiry, and the path after that"
            )
        return self


class RecurringFee(Strict):
    """A fee due between renewals, counted from the certification date (AMT's annual fee)."""

    id: str
    label: str
    every_months: Figure[int]
    amount: Fee
    unpaid_at_cycle_end: Figure[PathId] | None = Field(
        default=None,
        description="the path a holder must take when a due date of this fee is still unpaid at the "
        "end of the cycle (AMT: reactivation); absent: the body attaches no consequence to it",
    )


class Note(Strict):
    """A fact the model cannot hold, with the sources that state it."""

    text: str
    sources: list[str] = Field(default_factory=list, description="keys of `sources`")


class Renewal(Strict):
    regular: PathId = Field(description="the path taken while active, expiring or in grace")
    after_lapse: PathId = Field(description="the path taken once lapsed")
    processing_days: Figure[int] | None = Field(
        default=None, description="the longest the body says it takes to process a renewal application"
    )


class Rule(Strict):
    id: Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_-]*$")]
    name: str
    body: str
    body_name: str
    last_verified: dt.date
    renewal_page: str | None = None
    sources: dict[str, Source]
    cycle: Cycle
    ce: CE | None = Field(default=None, description="absent when renewal needs no CE (a course card)")
    late_window: LateWindow | None = Field(default=None, description="absent: none published")
    paths: dict[PathId, Path]
    renewal: Renewal
    recurring_fees: list[RecurringFee] = Field(default_factory=list)
    use_while_expired: Figure[bool] | None = Field(
        default=None,
        description="whether an expired holder may still use the credential (AAMA: no, not even "
        "in the late window); absent: the body says nothing",
    )
    notes: list[str | Note] = Field(default_factory=list, description="text, or {text, sources}")

    @model_validator(mode="after")
    def _references(self) -> Rule:
        for role, path_id in (("regular", self.renewal.regular), ("after_lapse", self.renewal.after_lapse)):
            if path_id not in self.paths:
                raise ValueError(f"renewal.{role} names path `{path_id}`, which `paths` does not define")
        for i, fee in enumerate(self.recurring_fees):
            for _, entry in fee.unpaid_at_cycle_end.entries() if fee.unpaid_at_cycle_end else []:
                if entry.value is not None and entry.value not in self.paths:
                    raise ValueError(
                        f"recurring_fees[{i}].unpaid_at_cycle_end names path `{entry.value}`, "
                        "which `paths` does not define"
                    )
        for path_id, path in self.paths.items():
            if path.after_time_limit is not None and path.after_time_limit not in self.paths:
                raise ValueError(
                    f"paths.{path_id}.after_time_limit names path `{path.after_time_limit}`, "
                    "which `paths` does not define"
                )
        for start in self.paths:
            seen = [start]
            nxt = self.paths[start].after_time_limit
            while nxt is not None:
                if nxt in seen:
                    raise ValueError(
                        "paths lead back to themselves through `after_time_limit`: " + " -> ".join(seen + [nxt])
                    )
                seen.append(nxt)
                nxt = self.paths[nxt].after_time_limit
        return self

    def note_items(self) -> list[Note]:
        """Every note as {text, sources} (a plain-text note cites nothing)."""
        return [n if isinstance(n, Note) else Note(text=n) for n in self.notes]

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
            elif isinstance(obj, BaseModel):
                for name in type(obj).model_fields:
                    walk(getattr(obj, name), path + (name,))
            elif isinstance(obj, dict):
                for k, v in obj.items():
                    walk(v, path + (k,))
            elif isinstance(obj, list):
                for i, v in enumerate(obj):
                    walk(v, path + (i,))

        walk(self, ())
        return found
