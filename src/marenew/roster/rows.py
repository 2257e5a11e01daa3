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
from collections.abc import Iterable
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
    record: bool = False,
) -> Keyed:
    """The headline of ``result.as_json()`` (``headline_json``): the same fields, serialized by
    the same code, as a credential in ``status --json``; the next step and pace as the engine
    decides them. Keys in the order of ROW_FIELDS.

    With ``record``, the row is made for its CSV record alone (``flat``; the roster's workers
    write such rows as CSV text at once) and for the tally: the cost and the next step hold only
    their figures (``record_row``), the pace and the fees due are None. A record shows none of
    the rest, and the full rows and their records were about a fifth of judging a person."""
    if record:
        return result_key(result, holder, source), record_row(source, holder, result, warnings, as_of, kept)
    head = result.headline_json()
    row = _result_row(
        source,
        holder,
        result,
        head,
        warnings,
        as_of,
        kept,
        cost=head["cost"],
        requirements=head["requirements"],
        next_step=head["next_step"],
        pace=head["pace"],
        unmatched=head["unmatched"],
        fees_due=fees_due(rule, result, as_of),
    )
    return result_key(result, holder, source), row


def record_row(
    source: str, holder: str, result: CredentialResult, warnings: list[str], as_of: dt.date, kept: dict[str, str] | None
) -> Row:
    """A result row with what its CSV record shows and the tally counts: the same keys and, but
    for those below, the same values as the full row (``result_row``); the cost as its path,
    amount and completeness, the next step as its action, date and cost, no pace, no fees due.
    The cost is one dict in both places: such a row is read once, into its record, never changed."""
    step = result.next_step
    cost = step.cost
    figures = {"path": cost.path, "amount": num(cost.amount), "complete": cost.complete}
    return _result_row(
        source,
        holder,
        result,
        result.headline_figures(),
        warnings,
        as_of,
        kept,
        cost=figures,
        requirements=[r.as_json() for r in result.requirements],
        next_step={"action": step.action, "by": step.by.isoformat() if step.by else None, "cost": figures},
        pace=None,
        unmatched=[u.as_json() for u in result.unmatched] if result.unmatched else [],
        fees_due=None,
    )


def _result_row(
    source: str,
    holder: str,
    result: CredentialResult,
    head: dict,
    warnings: list[str],
    as_of: dt.date,
    kept: dict[str, str] | None,
    *,
    cost: Any,
    requirements: Any,
    next_step: Any,
    pace: Any,
    unmatched: Any,
    fees_due: Any,
) -> Row:
    """A result row, keys in the order of ROW_FIELDS: the plain fields from ``head`` (the
    result's headline, in its JSON forms), the rest as given."""
    return {
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
        "cost": cost,
        "requirements": requirements,
        "behind_pace": result.behind_pace,
        "next_step": next_step,
        "pace": pace,
        "may_use_credential": head["may_use_credential"],
        "unmatched": unmatched,
        "kept": kept or {},
        "fees_due": fees_due,
        "cost_known": num(result.cost.known_amount),
        "warnings": [*warnings, *result.warnings],
    }


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
    extra = [(row.get("kept") or {}).get(k, "") for k in kept] if kept else ()
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
    required, short, approved_short, areas_short = _breakdown(row["requirements"])
    step = row["next_step"] or {}
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
        row["unit"] or "",
        _cell(cost["amount"]),
        cost["path"],
        "",
        " | ".join(row["warnings"]),
        row["as_of"],
        _cell(required),
        _cell(short),
        _cell(approved_short),
        areas_short,
        "true" if row["behind_pace"] else "false",
        step.get("action") or "",
        step.get("by") or "",
        _cell((step.get("cost") or {}).get("amount")),
        *extra,
    ]


def breakdown(row: Row) -> dict:
    """The requirement breakdown of a result row: the total required and short, the approved
    minimum's shortfall, and each content area's shortfall as text ("Clinical 4; General 0")."""
    required, short, approved_short, areas_short = _breakdown(row.get("requirements") or ())
    return {"required": required, "short": short, "approved_short": approved_short, "areas_short": areas_short}


def _breakdown(requirements: Iterable[dict]) -> tuple[float | None, float | None, float | None, str]:
    required = short = approved_short = None
    areas = []
    for req in requirements:
        kind = req["id"]
        if kind == "total":
            required, short = req["required"], req["short"]
        elif kind == "approved":
            approved_short = req["short"]
        else:
            areas.append(f"{req['label']} {_cell(req['short']) or 'unknown'}")
    return required, short, approved_short, "; ".join(areas)


# Each number's text, as worked out so far: a roster writes the same few points and amounts again
# and again. Zero is left out (0.0 and -0.0 are one key, with two texts).
_NUMBERS: dict[float, str] = {}


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        text = _NUMBERS.get(value)
        if text is None:
            text = f"{value:.2f}".rstrip("0").rstrip(".")  # 75.0 -> 75, 12.5 -> 12.5
            if value and len(_NUMBERS) < 4096:
                _NUMBERS[value] = text
        return text
    return str(value)
