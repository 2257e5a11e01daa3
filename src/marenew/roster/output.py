"""Writers for roster rows: csv, json, jsonl (streamed row by row) and a table for a terminal.
The XLSX workbook and the HTML page are in ``xlsx`` and ``html``.

csv, json and jsonl write each row as it arrives, so memory does not grow with the roster; the
table needs every row before it can size its columns, so it is meant for a terminal and small
rosters (use csv or jsonl for large ones). A row may come already written as its text in the
format (``as_text``: the roster's workers do that, so that the main process only copies it out).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from typing import IO, TYPE_CHECKING, Any

# BOM, csv_cell: every CSV marenew writes starts and escapes its cells the same way (kept
# importable from here, where they were first defined)
from marenew.report.safe import BOM, csv_cell, csv_line
from marenew.report.safe import FORMULA_START as FORMULA_START
from marenew.report.safe import neutral as neutral

from .rows import CSV_COLUMNS, Key, Keyed, flat, is_error

if TYPE_CHECKING:
    from rich.console import Console


# A row on its way to a writer: its sort key, and the row or its text already in the output format.
Written = tuple[Key, Any]


def write_csv(rows: Iterator[Written], out: IO[str], *, kept: tuple[str, ...] = (), bom: bool = False) -> None:
    """A header row, then one record per row; ISO dates; cells that would run as formulas
    neutralised; a byte-order mark first when ``bom``."""
    if bom:
        out.write(BOM)
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([csv_cell(c) for c in (*CSV_COLUMNS, *kept)])
    for _, row in rows:
        out.write(row if type(row) is str else csv_line(flat(row, kept)))


def _encoder():
    """JSON text with DEL, C1 and bidi controls from cells written as \\u escapes (report.safe)."""
    from marenew.report.safe import json_safe

    # rows are trees of JSON values, never cyclic: the encoder need not track the containers it is in
    encode = json.JSONEncoder(ensure_ascii=False, check_circular=False).encode
    return lambda row: json_safe(encode(row))


def write_jsonl(rows: Iterator[Written], out: IO[str]) -> None:
    dumps = _encoder()
    for _, row in rows:
        out.write(row if type(row) is str else dumps(row))
        out.write("\n")


def write_json(rows: Iterator[Written], out: IO[str]) -> None:
    """A JSON list of row objects, one row a line, written as the rows come."""
    dumps = _encoder()
    sep = "[\n  "
    for _, row in rows:
        out.write(sep)
        out.write(row if type(row) is str else dumps(row))
        sep = ",\n  "
    out.write("[]\n" if sep.startswith("[") else "\n]\n")


def as_text(rows: list[Keyed], fmt: str, kept: tuple[str, ...] = ()) -> list[tuple[Key, str]]:
    """Each row as the text its writer writes for it, the key kept: the CSV record (``fmt`` csv,
    with the ``kept`` columns) or the JSON object (json and jsonl, one line)."""
    if fmt == "csv":
        return [(key, csv_line(flat(row, kept))) for key, row in rows]
    if fmt in ("json", "jsonl"):
        dumps = _encoder()
        return [(key, dumps(row)) for key, row in rows]
    raise ValueError(f"no text form for {fmt}")


def write_table(
    rows: Iterator[Keyed], console: Console, *, kept: tuple[str, ...] = (), title: str | None = None
) -> None:
    """The rows as a table on ``console`` (cli_common.console(): markup off, NO_COLOR honoured).
    At 80 columns the statuses, dates and figures stay whole and names wrap; the person id, the
    CE unit and the kept columns are shown when the width allows them. ``*``: behind pace."""
    from rich.table import Table

    from marenew.core.words import money, points
    from marenew.report.terminal import STATUS_STYLE

    width = console.width
    wide = width >= 100
    table = Table(
        box=None,
        show_edge=False,
        pad_edge=False,
        padding=(0, 1),
        header_style="bold",
        title=title,
        title_justify="left",
    )
    table.add_column("Status", no_wrap=True)
    table.add_column("Holder", overflow="fold", ratio=1, min_width=8)
    if wide:
        table.add_column("ID", no_wrap=True)
    table.add_column("Cert", no_wrap=True)
    table.add_column("Expires", no_wrap=True)
    table.add_column("Deadline", no_wrap=True)
    table.add_column("Days", justify="right", no_wrap=True)
    table.add_column("CE short", justify="right", no_wrap=not wide, overflow="fold")
    table.add_column("Cost now", justify="right", no_wrap=True)
    shown_kept = kept if width >= 120 else ()
    for name in shown_kept:
        table.add_column(name, overflow="fold")
    errors = []
    behind = False
    any_unmatched = False
    for _, row in rows:
        if is_error(row):
            errors.append(row)
            continue
        cost = row["cost"]
        amount = money(cost["amount"]) if cost["complete"] else "unknown"
        need = (
            "unknown" if row["points_needed"] is None else ("ready" if row["ready"] else points(row["points_needed"]))
        )
        if wide and row["points_needed"] and not row["ready"]:
            need += f" {row['unit'] or ''}".rstrip()
        if row.get("behind_pace"):
            need += "*"
            behind = True
        any_unmatched = any_unmatched or bool(row.get("unmatched"))
        cells = [
            row["status"].upper(),
            row["holder"],
            *([row["source"]] if wide else []),
            row["cert"] + ("?" if row.get("unmatched") else ""),
            row["expires_on"],
            row["deadline"],
            str(row["days_left"]),
            need,
            amount,
            *((row.get("kept") or {}).get(k, "") for k in shown_kept),
        ]
        table.add_row(*cells, style=STATUS_STYLE.get(row["status"]))
    if table.row_count:
        console.print(table)
        if behind:
            console.print("* behind pace: at the sustainable pace, CE should have started already")
        if any_unmatched:
            console.print("? a credit names a body or content area no rule knows: see the warnings")
    for row in errors:
        console.print(f"ERROR {row['source'] or '(no person_id)'}: {row['error']}", style="red")
