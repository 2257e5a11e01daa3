"""The roster as an Excel workbook (openpyxl): a Summary sheet, a People sheet, and one sheet per
group with ``--group-by``.

Dates are real dates, money numbers with a currency format; every header row is frozen and has
filters; each status has its colour. Text is always stored as text, never as a formula, so a
cell such as ``=HYPERLINK(...)`` from an export shows as written and runs nothing.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from marenew.core.results import STATUSES
from marenew.report.safe import safe_text

from .output import FORMULA_START
from .overview import Overview
from .rows import Row
from .sheet import Column, columns, grouped

# Light fills that print legibly in grey too; the status word is always in the row as well.
STATUS_FILL = {
    "lapsed": "F4C7C3",
    "grace": "FCE8B2",
    "expiring": "FFF2CC",
    "active": "D9EAD3",
    "error": "E6B8AF",
}
DATE_FORMAT = "yyyy-mm-dd"
MONEY_FORMAT = '"$"#,##0.00'
SHEET_NAME_MAX = 31
_BAD_SHEET_CHARS = str.maketrans({c: "_" for c in "[]:*?/\\"})


def _text(ws: Worksheet, row: int, col: int, value: Any) -> None:
    if isinstance(value, str):
        # XML (and so XLSX) can hold no C0 control: shown as escapes, as on a terminal
        value = safe_text(value)
    cell = ws.cell(row=row, column=col, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # never a formula, whatever the text starts with
        if value.startswith(FORMULA_START):
            cell.quotePrefix = True  # as Excel marks '=...: still text after the cell is edited


def _people_sheet(ws: Worksheet, rows: list[Row], cols: list[Column]) -> None:
    bold = Font(bold=True)
    for c, col in enumerate(cols, 1):
        _text(ws, 1, c, col.title)
        ws.cell(row=1, column=c).font = bold
        ws.column_dimensions[get_column_letter(c)].width = col.width
    fills = {s: PatternFill("solid", fgColor=colour) for s, colour in STATUS_FILL.items()}
    for r, row in enumerate(rows, 2):
        status = "error" if "error" in row else row["status"]
        for c, col in enumerate(cols, 1):
            value = col.get(row)
            _text(ws, r, c, value)
            cell = ws.cell(row=r, column=c)
            if col.kind == "date" and value is not None:
                cell.number_format = DATE_FORMAT
            elif col.kind == "money" and value is not None:
                cell.number_format = MONEY_FORMAT
            cell.fill = fills[status]
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(cols))}{max(1, len(rows) + 1)}"


def _summary_sheet(ws: Worksheet, ov: Overview, group_by: str | None) -> None:
    bold = Font(bold=True)
    lines: list[tuple[Any, ...]] = [
        ("As of", ov.as_of),
        ("Warning window (days)", ov.warn_days),
        ("People", ov.people),
        ("Credentials evaluated", ov.results),
        *((f"Status: {s}", ov.counts[s]) for s in reversed(STATUSES)),
        ("Error rows", ov.errors),
        ("Behind pace", ov.behind),
        ("Cost due in the warning window (known fees)", ov.due_known),
        ("Credentials in it with a fee not published", ov.due_unknown),
        (),
        ("Fees due per month (next 12 months)",),
        ("Month", "Known fees", "Fees not published", "Expirations"),
    ]
    assert ov.budget is not None
    totals = ov.budget.month_totals()
    for month in ov.budget.months:
        lines.append((month, totals[month].known, totals[month].unknown, ov.expiring_per_month.get(month, 0)))
    total = ov.budget.total()
    lines.append(("Total", total.known, total.unknown, sum(ov.expiring_per_month.values())))
    if group_by:
        lines += [(), (f"Fees due per {group_by} and month",), (group_by, *ov.budget.months, "Not published")]
        for group, per in sorted(ov.budget.groups.items()):
            lines.append((group, *(per[m].known for m in ov.budget.months), sum(t.unknown for t in per.values())))
    for r, values in enumerate(lines, 1):
        for c, value in enumerate(values, 1):
            _text(ws, r, c, value)
            cell = ws.cell(row=r, column=c)
            if isinstance(value, dt.date):
                cell.number_format = DATE_FORMAT
            elif isinstance(value, float):
                cell.number_format = MONEY_FORMAT
            if c == 1 or values[0] in ("Month", group_by):
                cell.font = bold
    ws.column_dimensions["A"].width = 46
    for c in range(2, 15):
        ws.column_dimensions[get_column_letter(c)].width = 14


def sheet_title(name: str, taken: set[str]) -> str:
    """A group's value as a sheet name: Excel's forbidden characters replaced, at most 31
    characters, unique (case-insensitively, as Excel compares them)."""
    base = (safe_text(name, lines=False).translate(_BAD_SHEET_CHARS).strip("'") or "group")[:SHEET_NAME_MAX]
    title, n = base, 2
    while title.casefold() in taken:
        suffix = f" ({n})"
        title = base[: SHEET_NAME_MAX - len(suffix)] + suffix
        n += 1
    taken.add(title.casefold())
    return title


def write_xlsx(
    rows: list[Row], out: IO[bytes], *, ov: Overview, kept: tuple[str, ...] = (), group_by: str | None = None
) -> None:
    wb = Workbook()
    summary = wb.active
    assert summary is not None
    summary.title = "Summary"
    _summary_sheet(summary, ov, group_by)
    cols = columns(kept)
    _people_sheet(wb.create_sheet("People"), rows, cols)
    if group_by:
        taken = {"summary", "people", "history"}  # Excel keeps History for itself
        for group, members in grouped(rows, group_by).items():
            _people_sheet(wb.create_sheet(sheet_title(group, taken)), members, cols)
    # Built in memory, then written: a write the OS refuses (a full disk) then fails in ``out``,
    # not inside openpyxl's zip, which would be left half open and complain when collected.
    book = io.BytesIO()
    wb.save(book)
    out.write(book.getbuffer())
