"""The rule file's schema: what a rule file may say, as pydantic models, and the messages for what
it may not.

pydantic is the validator of record for rule files: every rule file read is validated by these
models, and every problem in one is reported from them. A validated rule is then converted
(``to_plain``) into the plain runtime form of ``marenew.core.rule``, which the engine, every command
and the rule cache use; these models hold no behaviour of their own. Each model here has a plain
class of the same name with the same fields in the same order (a test holds the two together).
``docs/rule-maintainers.md`` documents the format.
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import BaseModel, Field, model_validator

from marenew.core import rule as plain
from marenew.core.base import Confidence, Strict
from marenew.core.rule import ExpiryMode, Number, PathId, RenewedFrom, SourceKind

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
        if not self.expiry_from_card and any(e.value == "birthday" for _, e in to_plain(self.expiry).entries()):
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


class FixedClose(Strict):
    """A day on which late windows close whatever their length: the earlier of the two wins."""

    expired_before: dt.date | None = Field(
        default=None, description="applies to expiries before this day only (none: to every expiry)"
    )
    date: Figure[dt.date]


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


class ExtraFee(Strict):
    label: str
    amount: Fee


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
            for _, entry in to_plain(fee.unpaid_at_cycle_end).entries() if fee.unpaid_at_cycle_end else []:
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


def to_plain(value: Any) -> Any:
    """A validated model, and every model in it, as the plain classes of ``marenew.core.rule``
    (lists and dicts copied, every other value as it is)."""
    if isinstance(value, BaseModel):
        model = type(value)
        return plain_class(model)(**{name: to_plain(getattr(value, name)) for name in model.model_fields})
    if isinstance(value, dict):
        return {k: to_plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_plain(v) for v in value]
    return value


@functools.cache
def plain_class(model: type[BaseModel]) -> type[plain.Plain]:
    """The plain class of a model: the class of the same name (``Figure`` for ``Figure[int]``)."""
    origin = model.__pydantic_generic_metadata__["origin"] or model
    found = getattr(plain, origin.__name__, None)
    if not (isinstance(found, type) and issubclass(found, plain.Plain)):
        raise TypeError(f"marenew.core.rule has no plain class for {origin.__name__}")
    return found
