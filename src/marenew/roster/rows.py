"""Roster rows: the fields of each output row, their flat CSV form, and the urgency order.

A result row carries the headline of ``CredentialResult.as_json`` (the same field names as a
credential in ``marenew status --json``) plus ``holder``, ``source`` and ``days_left``; an error
row carries ``source`` and ``error`` instead (docs/reference.md, "Roster rows"). Rows travel between processes
and through spill files as plain dicts of JSON values, each with a compact sort key.
"""

from __future__ import annotations

from typing import Any

from marenew.core.results import CredentialResult, num, urgency_key
from marenew.load.problems import Problem

# The headline of a credential in `status --json` that a roster row repeats, in this order.
RESULT_FIELDS = ("cert", "status", "expires_on", "deadline", "days_left", "ready", "points_needed", "unit", "cost")
# `cost_known`: Cost.known_amount, what the known fees add up to (the summary's cost due).
ROW_FIELDS = ("holder", "source") + RESULT_FIELDS + ("cost_known", "warnings")
ERROR_FIELDS = ("holder", "source", "cert", "error", "file", "line")
# CSV: one flat header for both kinds of row; `cost` becomes `cost_amount` and `cost_path`.
CSV_COLUMNS = ("holder", "source", "cert", "status", "expires_on", "deadline", "days_left", "ready",
               "points_needed", "unit", "cost_amount", "cost_path", "error", "warnings")

Row = dict[str, Any]
Key = tuple
Keyed = tuple[Key, Row]

ERROR_GROUP = 0  # error rows first: nothing else in the roster can be trusted for that person
RESULT_GROUP = 1


def result_row(source: str, holder: str, result: CredentialResult, warnings: list[str]) -> Keyed:
    """The headline of ``result.as_json()``: the same fields, serialized by the same code, as a
    credential in ``status --json``."""
    headline = result.as_json()
    row: Row = {
        "holder": holder,
        "source": source,
        **{name: headline[name] for name in RESULT_FIELDS},
        "cost_known": num(result.cost.known_amount),
        "warnings": warnings + list(result.warnings),
    }
    return result_key(result, holder, source), row


def result_key(result: CredentialResult, holder: str, source: str) -> Key:
    """Most urgent first as results.urgency_key decides (status, then the deadline for lapsed and
    grace or the expiry otherwise, then cert), in a compact form for the sorted runs: the date as
    ISO text sorts the same; then holder and source."""
    rank, day, cert = urgency_key(result)
    return (RESULT_GROUP, rank, day.isoformat(), cert, holder, source)


def error_row(source: str, problems: list[Problem], *, holder: str | None = None, cert: str | None = None) -> Keyed:
    first = problems[0]
    row: Row = {
        "holder": holder,
        "source": source,
        "cert": cert,
        "error": "; ".join(str(p) for p in problems),
        "file": first.file,
        "line": first.line,
    }
    # grouped by person (or file), so that a person's error rows stand together
    return (ERROR_GROUP, 0, source, first.file, first.line or 0), row


def is_error(row: Row) -> bool:
    return "error" in row


def flat(row: Row) -> list[str]:
    """One CSV record in the order of CSV_COLUMNS (empty cell: not applicable or unknown)."""
    if is_error(row):
        return [_cell(row["holder"]), row["source"], _cell(row["cert"]), "error", "", "", "", "", "", "", "", "",
                row["error"], ""]
    cost = row["cost"]
    return [
        row["holder"], row["source"], row["cert"], row["status"], row["expires_on"], row["deadline"],
        str(row["days_left"]), _cell(row["ready"]), _cell(row["points_needed"]), _cell(row["unit"]),
        _cell(cost["amount"]), cost["path"], "", " | ".join(row["warnings"]),
    ]


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".")  # 75.0 -> 75, 12.5 -> 12.5
    return str(value)
