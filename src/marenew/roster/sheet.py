"""The columns a person reads in a spreadsheet or a web page, with typed values (dates as dates,
money as numbers), from roster rows; and how rows split into groups (``--group-by``).

The CSV keeps its stable machine names (``rows.CSV_COLUMNS``); the XLSX and HTML outputs show
these. Pure: no I/O.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from .budget import group_keys
from .rows import Row, breakdown, is_error

Kind = str  # "text", "date", "int", "number", "money", "bool"


@dataclass(frozen=True)
class Column:
    title: str
    kind: Kind
    get: Callable[[Row], Any]
    width: int  # characters, for a spreadsheet


def _day(text: str | None) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def _step(row: Row) -> dict:
    return row.get("next_step") or {}


def _short(row: Row, key: str) -> Any:
    return None if is_error(row) else breakdown(row)[key]


COLUMNS: tuple[Column, ...] = (
    Column("Holder", "text", lambda r: r.get("holder"), 24),
    Column("ID", "text", lambda r: r.get("source"), 12),
    Column("Cert", "text", lambda r: r.get("cert"), 7),
    Column("Status", "text", lambda r: "error" if is_error(r) else r["status"], 10),
    Column("Expires", "date", lambda r: _day(r.get("expires_on")), 12),
    Column("Deadline", "date", lambda r: _day(r.get("deadline")), 12),
    Column("Days left", "int", lambda r: r.get("days_left"), 9),
    Column("CE required", "number", lambda r: _short(r, "required"), 11),
    Column("CE short", "number", lambda r: _short(r, "short"), 9),
    Column("Approved short", "number", lambda r: _short(r, "approved_short"), 14),
    Column("Areas short", "text", lambda r: _short(r, "areas_short") or None, 30),
    Column("Behind pace", "bool", lambda r: r.get("behind_pace"), 11),
    Column("Next step", "text", lambda r: _step(r).get("action"), 14),
    Column("By", "date", lambda r: _day(_step(r).get("by")), 12),
    Column("Step amount", "money", lambda r: (_step(r).get("cost") or {}).get("amount"), 11),
    Column("Cost now", "money", lambda r: None if is_error(r) else r["cost"]["amount"], 10),
    Column("Path", "text", lambda r: None if is_error(r) else r["cost"]["label"], 32),
    Column("As of", "date", lambda r: _day(r.get("as_of")), 12),
)
TRAILING: tuple[Column, ...] = (
    Column("Warnings", "text", lambda r: " | ".join(r.get("warnings") or ()) or None, 40),
    Column("Error", "text", lambda r: r.get("error"), 60),
)


def columns(kept: tuple[str, ...]) -> list[Column]:
    """The shown columns: the fixed ones, the kept ones (titled as the user named them), then
    warnings and errors."""
    extra = [Column(name, "text", _kept_getter(name), max(12, len(name) + 2)) for name in kept]
    return [*COLUMNS, *extra, *TRAILING]


def _kept_getter(name: str) -> Callable[[Row], Any]:
    return lambda row: (row.get("kept") or {}).get(name) or None


def grouped(rows: Iterable[Row], group_by: str | None) -> dict[str, list[Row]]:
    """Rows per group value, groups in name order (rows keep their order); without --group-by,
    one group."""
    rows = list(rows)
    keys, empty = group_keys(rows, group_by)
    out: dict[str, list[Row]] = {}
    for row, key in zip(rows, keys):
        out.setdefault(key, []).append(row)
    return dict(sorted(out.items(), key=lambda kv: (kv[0] == empty, kv[0].casefold())))


# Bytes of a value in a file name: with the user's own stem and suffix the name stays far below
# the 255 bytes file systems allow, however long the value an export holds.
FILE_PART_BYTES = 100


def slug(text: str) -> str:
    """A value (a group, a person id) as part of a file name: letters, digits, - and _ only (no
    /, no .., no control character), NFC, at most FILE_PART_BYTES bytes of UTF-8."""
    out = re.sub(r"[^\w-]+", "-", unicodedata.normalize("NFC", text)).strip("-")
    out = out.encode("utf-8")[:FILE_PART_BYTES].decode("utf-8", "ignore").rstrip("-")
    return out or "group"


def file_parts(values: Iterable[str]) -> dict[str, str]:
    """Each value's part of a file name (``slug``), distinct from every other value's even where
    the file system ignores case: ``A/B`` and ``A-B`` become ``A-B`` and ``A-B-2``, ``Clinic``
    and ``clinic`` ``Clinic`` and ``clinic-2``, so that no file silently replaces another."""
    taken: set[str] = set()
    out: dict[str, str] = {}
    for value in values:
        base = part = slug(value)
        n = 2
        while part.casefold() in taken:
            part = f"{base}-{n}"
            n += 1
        taken.add(part.casefold())
        out[value] = part
    return out
