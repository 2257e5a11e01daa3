"""The two CSV exports: their columns, the header, and each row's cells -> validated models.

people.csv: one row per person and credential. credits.csv: one row per completed activity.
Column names match case-insensitively; unknown columns are reported once and ignored; the header
line is required. Lists (memberships, approved_by, applies_to) are ``;``-separated. Dates are
ISO ``YYYY-MM-DD``, read into dates here because the models are strict. Pure: no I/O.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from operator import itemgetter

from pydantic import ValidationError

from marenew.core.dates import NotIsoDay, iso_day
from marenew.load.problems import InputError, Problem


@dataclass(frozen=True)
class Columns:
    name: str
    columns: tuple[str, ...]
    required: tuple[str, ...]
    one_of: tuple[str, ...] = ()  # at least one of these columns must be present


PEOPLE = Columns(
    "people",
    ("person_id", "holder", "cert", "certified_on", "expires_on", "number", "memberships"),
    required=("person_id", "holder", "cert", "certified_on"),
)
CREDITS = Columns(
    "credits",
    ("person_id", "title", "date", "points", "college_credits", "category", "approved_by", "applies_to"),
    required=("person_id", "title", "date"),
    one_of=("points", "college_credits"),
)
PERSON_ID = 0  # person_id is the first canonical column of both files


@dataclass(frozen=True)
class Header:
    """Where each canonical column sits in the file's records."""

    width: int  # fields per record in this file
    index: tuple[int, ...]  # per canonical column; `width` (one past the end) when absent
    unknown: tuple[str, ...]

    def picker(self) -> Callable[[list[str]], tuple[str, ...]]:
        """record -> canonical cells. The caller appends one "" to the record first, so that an
        absent column reads as empty without a branch per cell (this runs once per CSV row)."""
        get = itemgetter(*self.index)
        return get


def match_header(spec: Columns, names: list[str], source: str) -> Header:
    """The header line -> a Header. Raises InputError when it is missing or unusable."""
    lowered = [n.strip().lower().lstrip("\ufeff") for n in names]
    where: dict[str, int] = {}
    problems = []
    for i, name in enumerate(lowered):
        if name in where and name in spec.columns:
            problems.append(Problem(source, 1, None, f"column `{name}` appears twice (fields {where[name] + 1} and {i + 1})"))
        where.setdefault(name, i)
    missing = [c for c in spec.required if c not in where]
    if spec.one_of and not any(c in where for c in spec.one_of):
        missing.append(" or ".join(spec.one_of))
    if missing:
        problems.append(Problem(
            source, 1, None,
            f"missing column {', '.join(f'`{m}`' for m in missing)}; the first line must be a header naming the "
            f"columns ({', '.join(spec.columns)})"))
    if problems:
        raise InputError(problems)
    width = len(names)
    unknown = tuple(names[i].strip() for i, n in enumerate(lowered) if n not in spec.columns)
    return Header(width, tuple(where.get(c, width) for c in spec.columns), unknown)


# --- cells -> values --------------------------------------------------------------------------
# These run once per CSV row (millions of times for a large export): the common case takes a
# fast path, anything unusual the careful one.

_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")

Found = list[tuple[str, str]]  # (column, message)


# Cell text already read well -> its value. A roster has a few thousand distinct days and amounts
# among millions of cells; a cell seen before is one lookup. Only good cells are kept, so a bad one
# always takes the careful path and gets its message.
_DAYS: dict[str, dt.date] = {}
_NUMBERS: dict[str, float] = {}
_KEPT = 1 << 16


def _date(text: str, column: str, found: Found, *, required: bool) -> dt.date | None:
    day = _DAYS.get(text)
    if day is not None:
        return day
    raw = text
    text = text.strip()
    if not text:
        if required:
            found.append((column, "is empty; write the date as YYYY-MM-DD"))
        return None
    try:
        day = iso_day(text)
    except NotIsoDay:
        found.append((column, f"`{text}` is not a date; write YYYY-MM-DD"))
        return None
    except ValueError:
        found.append((column, f"`{text}` is not a valid date"))
        return None
    if len(_DAYS) < _KEPT:
        _DAYS[raw] = day
    return day


def _number(text: str, column: str, found: Found) -> float | None:
    value = _NUMBERS.get(text)
    if value is not None:
        return value
    raw = text
    text = text.strip()
    if not text:
        return None
    if not _NUMBER.fullmatch(text):  # float() would also take `nan`, `1e3`, `1_000`
        found.append((column, f"`{text}` is not a number"))
        return None
    value = float(text)
    if len(_NUMBERS) < _KEPT:
        _NUMBERS[raw] = value
    return value


def _text(text: str) -> str | None:
    text = text.strip()
    return text or None


def split_list(text: str) -> list[str]:
    if ";" not in text:
        text = text.strip()
        return [text] if text else []
    return [part.strip() for part in text.split(";") if part.strip()]


def person_cells(cells: tuple[str, ...]) -> tuple[dict, str, list[str], Found]:
    """A people row -> (the credential's fields, holder, memberships, problems)."""
    _pid, holder, cert, certified_on, expires_on, number, memberships = cells
    found: Found = []
    holder = holder.strip()
    if not holder:
        found.append(("holder", "is empty"))
    cert = cert.strip()
    if not cert:
        found.append(("cert", "is empty"))
    data = {
        "cert": cert,
        "certified_on": _date(certified_on, "certified_on", found, required=True),
        "expires_on": _date(expires_on, "expires_on", found, required=False),
        "number": _text(number),
    }
    return data, holder, split_list(memberships), found


def credit_cells(cells: tuple[str, ...]) -> tuple[dict, Found]:
    """A credits row -> (the credit's fields, problems). Validated with the person's file."""
    _pid, title, date, points, college, category, approved_by, applies_to = cells
    found: Found = []
    data = {
        "title": title.strip(),
        "date": _date(date, "date", found, required=True),
        "points": _number(points, "points", found) if points else None,
        "college_credits": _number(college, "college_credits", found) if college else None,
        "category": _text(category) if category else None,
        "approved_by": split_list(approved_by) if approved_by else [],
        # an empty cell: the credit counts for every credential held (as when the key is absent)
        "applies_to": (split_list(applies_to) or None) if applies_to else None,
    }
    return data, found


def validation_problems(exc: ValidationError) -> list[tuple[tuple, str]]:
    """(loc, message) for each error of a CredentialFile validated from CSV cells."""
    return [(tuple(err["loc"]), err["msg"]) for err in exc.errors(include_url=False)]
