"""The credential file: a holder's certifications and the CE they completed.

This format is a contract (docs/reference.md, "The credential file"). Values are strict: a boolean or a number
where text is expected is an error, not a silent conversion (``category: no`` is not "no").
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, BeforeValidator, Discriminator, Field, Tag, model_validator

from marenew.core.base import Strict

M = TypeVar("M", bound=BaseModel)
# pydantic's four slots of a model instance, set as its validator sets them
_new = object.__new__
_set_dict = BaseModel.__dict__["__dict__"].__set__
_set_fields_set = BaseModel.__dict__["__pydantic_fields_set__"].__set__
_set_extra = BaseModel.__dict__["__pydantic_extra__"].__set__
_set_private = BaseModel.__dict__["__pydantic_private__"].__set__


def assembled(model: type[M], values: dict[str, Any], fields_set: set[str]) -> M:
    """The model pydantic's validator makes, made without it: ``values`` holds every field, in
    the order the model declares them, each already of the type the field asks for (which strict
    validation takes unchanged), and ``fields_set`` the fields the input gave. For the fast paths
    only (a plainly right credential file, a clear roster row), which prove that; a test holds
    the result equal to ``model_validate``'s, slot by slot. These models have no private
    attributes, no extra fields and no post-init hook."""
    made = _new(model)
    _set_dict(made, values)
    _set_fields_set(made, fields_set)
    _set_extra(made, None)
    _set_private(made, None)
    return made


def _one_or_many(value: object) -> object:
    # `approved_by: AAMA` means the same as `approved_by: [AAMA]`.
    return [value] if isinstance(value, str) else value


Names = Annotated[list[str], BeforeValidator(_one_or_many)]


class CreditRef(Strict):
    """A credit named by its title and date (the pair that tells credits apart in a file)."""

    title: str
    date: dt.date

    @property
    def key(self) -> tuple[str, dt.date]:
        return credit_key(self.title, self.date)


def credit_key(title: str, date: dt.date) -> tuple[str, dt.date]:
    return title.strip().lower(), date


RenewalRoute = Literal["ce", "exam"]


class PastCycle(Strict):
    """A cycle that ended in a renewal: kept so that its credits never count in a later cycle."""

    certified_on: dt.date = Field(description="the day that cycle began")
    expires_on: dt.date = Field(description="the day that cycle ended (or would have)")
    renewed_on: dt.date = Field(description="the day the renewal was recorded by the body")
    by: RenewalRoute | None = Field(
        default=None, description="how it was renewed: ce (continuing education) or exam; absent: not said"
    )
    credits: list[CreditRef] = Field(default_factory=list, description="the credits that renewal used")


class Payment(Strict):
    """A recurring fee paid (AMT's annual fee): `{fee: annual, on: 2025-05-01}`."""

    fee: str = Field(description="the id of one of the rule's recurring fees")
    on: dt.date = Field(description="the day it was paid")

    @model_validator(mode="before")
    @classmethod
    def _on_key(cls, data: Any) -> Any:
        # YAML 1.1 reads the key `on` as the boolean true: take it back as the word it was.
        if isinstance(data, dict) and True in data and "on" not in data:
            data = {("on" if k is True else k): v for k, v in data.items()}
        return data


def _points_shape(value: object) -> str:
    return "[areas]" if isinstance(value, dict) else "[number]"


# A number, or points per content area. Only the branch that fits the shape is tried, so a wrong
# value gets one message ("expected a number"), not one per branch. The tags are bracketed so that
# error locations skip them like any other pydantic marker.
Points = Annotated[
    Annotated[float, Tag("[number]")] | Annotated[dict[str, float], Tag("[areas]")],
    Discriminator(_points_shape),
]


class Credential(Strict):
    cert: str = Field(description="rule id, case-insensitive: CMA, RMA, CCMA, NCMA, ...")
    number: str | None = Field(default=None, description="the certificate number, as text")
    certified_on: dt.date = Field(description="the day the current cycle began: certification or latest renewal")
    expires_on: dt.date | None = Field(
        default=None, description="as printed on the card; wins over the computed date (a mismatch is a warning)"
    )
    submitted_on: dt.date | None = Field(
        default=None, description="the day the renewal application was sent; waiting for the body's answer"
    )
    paid: list[Payment] = Field(default_factory=list, description="recurring fees paid")
    history: list[PastCycle] = Field(default_factory=list, description="earlier cycles, oldest first")

    @property
    def first_certified_on(self) -> dt.date:
        return min([self.certified_on] + [c.certified_on for c in self.history])

    def used_credits(self) -> dict[tuple[str, dt.date], PastCycle]:
        """Credits an earlier renewal used, by (title, date): they never count again."""
        return {ref.key: past for past in self.history for ref in past.credits}

    @property
    def key(self) -> str:
        return self.cert.upper()


class Credit(Strict):
    title: str
    date: dt.date = Field(description="completion date")
    points: Points | None = Field(
        default=None,
        description="in the body's unit (one contact hour each); or, for one certificate that covers several "
        "content areas, the points per area: {administrative: 2, clinical: 3, general: 1}",
    )
    college_credits: float | None = Field(
        default=None, description="instead of points, where the rule converts them (AAMA: 15 points each)"
    )
    category: str | None = Field(default=None, description="a content area of the body (AAMA: administrative, ...)")
    approved_by: Names = Field(default_factory=list, description="bodies that approved it")
    applies_to: Names | None = Field(
        default=None, description="count it only for these credentials; default: every credential held"
    )
    certificate: str | None = Field(
        default=None, description="the certificate of completion: a file path, relative to this file"
    )

    @property
    def key(self) -> tuple[str, dt.date]:
        return credit_key(self.title, self.date)

    @property
    def size(self) -> float | None:
        """The credit's points, all areas together."""
        if isinstance(self.points, dict):
            return float(sum(self.points.values()))
        return self.points

    @property
    def split(self) -> dict[str, float] | None:
        """Points per content area, when the credit gives them so."""
        return self.points if isinstance(self.points, dict) else None

    def approved(self, bodies: set[str] | list[str]) -> bool:
        """Approved by any of ``bodies`` (upper-case ids, as a set when called per credit)."""
        wanted = bodies if isinstance(bodies, set) else {b.upper() for b in bodies}
        return any(body.upper() in wanted for body in self.approved_by)

    def applies(self, cert: str) -> bool:
        return applies(self.applies_to, cert)


def applies(applies_to: list[str] | None, cert: str) -> bool:
    """Whether a credit limited to ``applies_to`` (None: not limited) counts for ``cert``."""
    return applies_to is None or cert.upper() in {c.upper() for c in applies_to}


class CreditValues:
    """A credit's values, read as those of a Credit, without making the model: a roster counts
    each person's credits from these once it has found every cell clear (a title, a day, a number
    of points in range, text and lists of text: values the model takes as they are). Making a
    model costs about ten times as much, and a roster counts millions of credits. They have no
    college credits, no points per content area and no certificate; they are only counted (a
    file is never written from them). The roster's quick path sets the slots itself, as
    ``__init__`` does (a call per credit costs more than the six slots)."""

    __slots__ = ("title", "date", "points", "category", "approved_by", "applies_to")
    college_credits: None = None
    certificate: None = None
    split: None = None  # points per content area: never

    def __init__(self, title: str, date: dt.date, rest: tuple[float, str | None, list[str], list[str] | None]) -> None:
        # ``rest`` (points, category, approved_by, applies_to) as one tuple: a roster keeps it so
        # for each distinct set of cells, and one argument is cheaper to pass than four
        self.title = title
        self.date = date
        self.points, self.category, self.approved_by, self.applies_to = rest

    @property
    def key(self) -> tuple[str, dt.date]:
        return credit_key(self.title, self.date)

    @property
    def size(self) -> float:
        return self.points

    def applies(self, cert: str) -> bool:
        return applies(self.applies_to, cert)


# What the engine counts: a credit of a file, or a roster's clear credit row
AnyCredit = Credit | CreditValues


class CredentialFile(Strict):
    holder: str
    memberships: Names = Field(default_factory=list, description="bodies the holder pays membership to")
    credentials: list[Credential] = Field(min_length=1)
    credits: list[Credit] = Field(default_factory=list)

    def is_member(self, body: str) -> bool:
        return body.upper() in {m.upper() for m in self.memberships}
