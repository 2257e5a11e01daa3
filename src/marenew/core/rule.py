"""The rule-file model: what a certifying body requires, every figure with its source and confidence.

A figure is either one value::

    months: {value: 60, source: A1, confidence: official}

or values that changed over time, keyed by the date each took effect (OpenFisca style)::

    months:
      values:
        2000-01-01: {value: 60, source: A9, confidence: secondary}
        2020-01-01: {value: 3, source: A2, confidence: official}

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


class Entry(Strict, Generic[T]):
    """One value with where it comes from."""

    value: T | None
    source: str | None = None
    confidence: Confidence
    note: str | None = None

    @model_validator(mode="after")
    def _sourced(self) -> Entry:
        if self.value is not None and not self.source:
            raise ValueError("a value needs a `source` (a key of `sources`)")
        if self.value is None and self.confidence != "unknown":
            raise ValueError("a null (unknown) value must have `confidence: unknown`")
        return self


class Figure(Strict, Generic[T]):
    """A value, or dated values, each with source and confidence."""

    value: T | None = None
    source: str | None = None
    confidence: Confidence | None = None
    note: str | None = None
    values: dict[dt.date, Entry[T]] | None = None

    @model_validator(mode="before")
    @classmethod
    def _shape(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        if any(k not in cls.model_fields for k in data):
            return data  # an unknown key (`sourse`) is reported as such, with the nearest valid name
        if "values" in data:
            extra = [k for k in ("value", "source", "confidence") if k in data]
            if extra:
                raise ValueError(f"give either `values` (dated) or `value`, not both (found `{extra[0]}`)")
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
                value=self.value, source=self.source, confidence=self.confidence or "unknown", note=self.note
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


class Source(Strict):
    title: str
    url: str | None = None
    note: str | None = None


# end_of_month: the last day of the month, cycle months after certification (AAMA, AHA BLS);
# anniversary: the same day, cycle months after certification (AMT, NHA).
ExpiryMode = Literal["end_of_month", "anniversary"]


class Cycle(Strict):
    months: Figure[int]
    expiry: Figure[ExpiryMode]


class Category(Strict):
    label: str
    minimum: Figure[Number]


class CE(Strict):
    """Continuing education that a renewal needs within the counting window."""

    unit: str = Field(description="what the body calls a point: points, CEUs, CE credits, clock hours")
    total: Figure[Number]
    approved_by: list[str] = Field(default_factory=list, description="bodies whose approval makes a credit 'approved'")
    approved_minimum: Figure[Number] | None = None
    unapproved_cap: Figure[Number] | None = Field(
        default=None, description="most points that count from activities not approved by `approved_by`"
    )
    categories: dict[str, Category] = Field(default_factory=dict, description="content areas with minimums")
    college_credit_points: Figure[Number] | None = Field(
        default=None, description="points per semester or quarter college credit (counted as not approved)"
    )


class LateWindow(Strict):
    """How long after expiry the regular renewal is still accepted."""

    months: Figure[int] | None = None
    days: Figure[int] | None = None

    @model_validator(mode="after")
    def _one(self) -> LateWindow:
        if (self.months is None) == (self.days is None):
            raise ValueError("give exactly one of `months` or `days`")
        return self


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


PathId = Literal["ce", "exam", "reinstatement", "course"]


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


class RecurringFee(Strict):
    """A fee due between renewals, counted from the certification date (AMT's annual fee)."""

    id: str
    label: str
    every_months: Figure[int]
    amount: Fee


class Renewal(Strict):
    regular: PathId = Field(description="the path taken while active, expiring or in grace")
    after_lapse: PathId = Field(description="the path taken once lapsed")


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
    notes: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _references(self) -> Rule:
        for role, path_id in (("regular", self.renewal.regular), ("after_lapse", self.renewal.after_lapse)):
            if path_id not in self.paths:
                raise ValueError(f"renewal.{role} names path `{path_id}`, which `paths` does not define")
        return self

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
