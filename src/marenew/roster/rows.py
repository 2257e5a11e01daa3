"""Roster rows: the fields of each output row, their flat CSV form, and the urgency order.

A result row carries the headline of ``CredentialResult.as_json`` (the same field names as a
credential in ``marenew status --json``, with the requirement breakdown) plus ``holder``,
``source``, ``as_of``, ``behind_pace``, ``next_step``, the columns kept from the export
(``kept``) and the fees due in the next twelve months (``fees_due``); an error row carries
``source`` and ``error`` instead (docs/reference.md, "Roster rows"). Rows travel between processes
and through spill files as plain dicts of JSON values, each with a compact sort key.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from marenew.core.results import CredentialResult, num, urgency_key
from marenew.core.rule import Rule
from marenew.load.problems import Problem

from .budget import fees_due

# The headline of a credential in `status --json` that a roster row repeats, in this order.
RESULT_FIELDS = (
    "cert",
    "status",
    "expires_on",
    "deadline",
    "days_left",
    "ready",
    "points_needed",
    "unit",
    "cost",
    "requirements",
)
# `cost_known`: Cost.known_amount, what the known fees add up to (the summary's cost due).
ROW_FIELDS = (
    ("holder", "source", "as_of")
    + RESULT_FIELDS
    + ("behind_pace", "next_step", "pace", "may_use_credential", "unmatched", "kept", "fees_due", "cost_known")
    + ("warnings",)
)
ERROR_FIELDS = ("holder", "source", "as_of", "cert", "error", "file", "line", "kept")
# CSV: one flat header for both kinds of row; `cost` becomes `cost_amount` and `cost_path`, the
# requirements their shortfalls, `next_step` its action, date and amount; the kept columns follow.
CSV_COLUMNS = (
    "holder",
    "source",
    "cert",
    "status",
    "expires_on",
    "deadline",
    "days_left",
    "ready",
    "points_needed",
    "unit",
    "cost_amount",
    "cost_path",
    "error",
    "warnings",
    "as_of",
    "ce_required",
    "ce_short",
    "approved_short",
    "areas_short",
    "behind_pace",
    "next_action",
    "next_by",
    "next_amount",
)

Row = dict[str, Any]
Key = tuple
Keyed = tuple[Key, Row]

ERROR_GROUP = 0  # error rows first: nothing else in the roster can be trusted for that person
RESULT_GROUP = 1


def result_row(
    source: str,
    holder: str,
    result: CredentialResult,
    warnings: list[str],
    *,
    rule: Rule,
    as_of: dt.date,
    kept: dict[str, str] | None = None,
    fees: bool = True,
) -> Keyed:
    """The headline of ``result.as_json()`` (``headline_json``): the same fields, serialized by
    the same code, as a credential in ``status --json``; the next step and pace as the engine
    decides them. Keys in the order of ROW_FIELDS. Without ``fees``, ``fees_due`` is None, not
    worked out: for a row that only becomes a CSV record, which shows none of them (working them
    out is a fiftieth of judging a person)."""
    head = result.headline_json()
    row: Row = {
        "holder": holder,
        "source": source,
        "as_of": as_of.isoformat(),
        "cert": head["cert"],
        "status": head["status"],
        "expires_on": head["expires_on"],
        "deadline": head["deadline"],
        "days_left": head["days_left"],
        "ready": head["ready"],
        "points_needed": head["points_needed"],
        "unit": head["unit"],
        "cost": head["cost"],
        "requirements": head["requirements"],
        "behind_pace": result.behind_pace,
        "next_step": head["next_step"],
        "pace": head["pace"],
        "may_use_credential": head["may_use_credential"],
        "unmatched": head["unmatched"],
        "kept": kept or {},
        "fees_due": fees_due(rule, result, as_of) if fees else None,
        "cost_known": num(result.cost.known_amount),
        "warnings": [*warnings, *result.warnings],
    }
    return result_key(result, holder, source), row


def result_key(result: CredentialResult, holder: str, source: str) -> Key:
    """Most urgent first as results.urgency_key decides (status, then the deadline for lapsed and
    grace or the expiry otherwise, then cert), in a compact form for the sorted runs: the date as
    ISO text sorts the same; then holder and source."""
    rank, day, cert = urgency_key(result)
    return (RESULT_GROUP, rank, day.isoformat(), cert, holder, source)


def error_row(
    source: str,
    problems: list[Problem],
    *,
    holder: str | None = None,
    cert: str | None = None,
    as_of: dt.date | None = None,
    kept: dict[str, str] | None = None,
) -> Keyed:
    first = problems[0]
    row: Row = {
        "holder": holder,
        "source": source,
        "as_of": as_of.isoformat() if as_of else None,
        "cert": cert,
        "error": "; ".join(str(p) for p in problems),
        "file": first.file,
        "line": first.line,
        "kept": kept or {},
    }
    # grouped by person (or file), so that a person's error rows stand together
    return (ERROR_GROUP, 0, source, first.file, first.line or 0), row


def is_error(row: Row) -> bool:
    return "error" in row


def flat(row: Row, kept: tuple[str, ...] = ()) -> list[str]:
    """One CSV record in the order of CSV_COLUMNS, then the kept columns (empty cell: not
    applicable or unknown)."""
    extra = [(row.get("kept") or {}).get(k, "") for k in kept]
    if is_error(row):
        return [
            _cell(row["holder"]),
            row["source"],
            _cell(row["cert"]),
            "error",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            row["error"],
            "",
            _cell(row.get("as_of")),
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            *extra,
        ]
    cost = row["cost"]
    req = breakdown(row)
    step = row.get("next_step") or {}
    return [
        row["holder"],
        row["source"],
        row["cert"],
        row["status"],
        row["expires_on"],
        row["deadline"],
        str(row["days_left"]),
        _cell(row["ready"]),
        _cell(row["points_needed"]),
        _cell(row["unit"]),
        _cell(cost["amount"]),
        cost["path"],
        "",
        " | ".join(row["warnings"]),
        row["as_of"],
        _cell(req["required"]),
        _cell(req["short"]),
        _cell(req["approved_short"]),
        req["areas_short"],
        _cell(row["behind_pace"]),
        _cell(step.get("action")),
        _cell(step.get("by")),
        _cell((step.get("cost") or {}).get("amount")),
        *extra,
    ]


def breakdown(row: Row) -> dict:
    """The requirement breakdown of a result row: the total required and short, the approved
    minimum's shortfall, and each content area's shortfall as text ("Clinical 4; General 0")."""
    out: dict = {"required": None, "short": None, "approved_short": None, "areas_short": ""}
    areas = []
    for req in row.get("requirements") or ():
        if req["id"] == "total":
            out["required"], out["short"] = req["required"], req["short"]
        elif req["id"] == "approved":
            out["approved_short"] = req["short"]
        else:
            areas.append(f"{req['label']} {_cell(req['short']) or 'unknown'}")
    out["areas_short"] = "; ".join(areas)
    return out


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".")  # 75.0 -> 75, 12.5 -> 12.5
    return str(value)
