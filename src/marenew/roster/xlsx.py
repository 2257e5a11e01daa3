"""The roster as an Excel workbook (openpyxl): a Summary sheet, a People sheet, and one sheet per
group with ``--group-by``.

Dates are real dates, money numbers with a currency format; every header row is frozen and has
filters; each status has its colour. Text is always stored as text, never as a formula, so a
cell such as ``=HYPERLINK(...)`` from an export shows as written and runs nothing.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
from collections.abc import Callable
from copy import copy
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter

from marenew.core.results import shown_statuses
from marenew.report.safe import FORMULA_START, safe_text

from .overview import Overview
from .rows import Row
from .sheet import Column, columns, grouped

# Light fills that print legibly in grey too; the status word is always in the row as well.
STATUS_FILL = {
    "lapsed": "F4C7C3",
    "grace": "FCE8B2",
    "expiring": "FFF2CC",
    "submitted": "CFE2F3",
    "active": "D9EAD3",
    "error": "E6B8AF",
}
DATE_FORMAT = "yyyy-mm-dd"
MONEY_FORMAT = '"$"#,##0.00'
FORMATS = {"date": DATE_FORMAT, "money": MONEY_FORMAT}  # column kinds shown with a number format
SHEET_NAME_MAX = 31
_BAD_SHEET_CHARS = str.maketrans({c: "_" for c in "[]:*?/\\"})


def _styler(wb: Workbook) -> Callable[..., StyleArray]:
    """The style of a cell (fill, number format, font) as openpyxl stores it, made once per kind
    and then copied to each cell: a roster has millions of cells and a handful of styles."""
    made: dict[tuple, StyleArray] = {}
    probe: Any = WriteOnlyCell(wb.create_sheet("probe"))

    def style(fill: PatternFill | None = None, number_format: str | None = None, bold: bool = False) -> StyleArray:
        key = (fill.fgColor.rgb if fill else None, number_format, bold)
        if key not in made:
            probe._style = StyleArray()  # noqa: SLF001 - a fresh style to set
            if fill is not None:
                probe.fill = fill
            if number_format is not None:
                probe.number_format = number_format
            if bold:
                probe.font = Font(bold=True)
            made[key] = copy(probe._style)  # noqa: SLF001
        return made[key]

    return style


def _cell(ws: Any, value: Any, style: StyleArray) -> Any:
    if isinstance(value, str):
        # XML (and so XLSX) can hold no C0 control: shown as escapes, as on a terminal
        value = safe_text(value)
    cell: Any = WriteOnlyCell(ws, value)
    cell._style = copy(style)  # noqa: SLF001 - see _styler
    if isinstance(value, str):
        cell.data_type = "s"  # never a formula, whatever the text starts with
        if value.startswith(FORMULA_START):
            cell.quotePrefix = True  # as Excel marks '=...: still text after the cell is edited
    return cell


def _people_sheet(ws: Any, rows: list[Row], cols: list[Column], style: Callable[..., StyleArray]) -> None:
    for c, col in enumerate(cols, 1):
        ws.column_dimensions[get_column_letter(c)].width = col.width
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(cols))}{max(1, len(rows) + 1)}"
    header = style(bold=True)
    ws.append([_cell(ws, col.title, header) for col in cols])
    # per status, the style of each column: its fill, and a date or money format when it holds one
    fills = {s: PatternFill("solid", fgColor=colour) for s, colour in STATUS_FILL.items()}
    plain = {s: style(fill) for s, fill in fills.items()}
    formatted = {
        s: [style(fill, FORMATS[col.kind]) if col.kind in FORMATS else None for col in cols]
        for s, fill in fills.items()
    }
    getters = [col.get for col in cols]
    for row in rows:
        status = "error" if "error" in row else row["status"]
        bare, typed = plain[status], formatted[status]
        values = [get(row) for get in getters]
        ws.append(
            [_cell(ws, value, bare if fmt is None or value is None else fmt) for value, fmt in zip(values, typed)]
        )


def _summary_sheet(ws: Any, ov: Overview, group_by: str | None, style: Callable[..., StyleArray]) -> None:
    lines: list[tuple[Any, ...]] = [
        ("As of", ov.as_of),
        ("Warning window (days)", ov.warn_days),
        ("People", ov.people),
        ("Credentials evaluated", ov.results),
        *((f"Status: {s}", ov.counts[s]) for s in reversed(shown_statuses(ov.counts))),
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
    ws.column_dimensions["A"].width = 46
    for c in range(2, 15):
        ws.column_dimensions[get_column_letter(c)].width = 14
    for values in lines:
        heading = bool(values) and values[0] in ("Month", group_by)
        cells = []
        for c, value in enumerate(values, 1):
            if isinstance(value, dt.date):
                fmt: str | None = DATE_FORMAT
            elif isinstance(value, float):
                fmt = MONEY_FORMAT
            else:
                fmt = None
            cells.append(_cell(ws, value, style(None, fmt, c == 1 or heading)))
        ws.append(cells)


def _abandon(wb: Workbook) -> None:
    """Close the sheets of a write-only workbook given up half-way. Each streams its XML through
    a generator; left to the garbage collector, an open one fails to close its XML elements and
    prints that error (with a traceback) on the way out. Closed here, the errors are dropped with
    the workbook; the sheets' temporary files are removed."""
    for ws in wb.worksheets:
        writer = getattr(ws, "_writer", None)
        for stream in (getattr(ws, "_rows", None), getattr(writer, "xf", None)):
            if stream is not None:
                with contextlib.suppress(Exception):
                    stream.close()
        if writer is not None:
            with contextlib.suppress(Exception):
                writer.cleanup()


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
    # write-only: rows stream into the file as they are added, at a fraction of the time and
    # memory of a workbook held cell by cell (a roster of 100,000 people has millions of cells)
    wb = Workbook(write_only=True)
    try:
        style = _styler(wb)
        wb.remove(wb["probe"])
        _summary_sheet(wb.create_sheet("Summary"), ov, group_by, style)
        cols = columns(kept)
        _people_sheet(wb.create_sheet("People"), rows, cols, style)
        if group_by:
            taken = {"summary", "people", "history"}  # Excel keeps History for itself
            for group, members in grouped(rows, group_by).items():
                _people_sheet(wb.create_sheet(sheet_title(group, taken)), members, cols, style)
        # Built in memory, then written: a write the OS refuses (a full disk) then fails in
        # ``out``, not inside openpyxl's zip, which would be left half open and complain when collected.
        book = io.BytesIO()
        wb.save(book)
    except BaseException:
        _abandon(wb)  # stopped half-way (a signal, an error): nothing is written
        raise
    out.write(book.getbuffer())
