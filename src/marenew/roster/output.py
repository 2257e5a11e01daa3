"""Writers for roster rows: csv, json, jsonl (streamed row by row) and a table for a terminal.

csv, json and jsonl write each row as it arrives, so memory does not grow with the roster; the
table needs every row before it can size its columns, so it is meant for a terminal and small
rosters (use csv or jsonl for large ones).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from typing import IO, TYPE_CHECKING

from .rows import CSV_COLUMNS, Keyed, flat, is_error

if TYPE_CHECKING:
    from rich.console import Console

def write_csv(rows: Iterator[Keyed], out: IO[str]) -> None:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for _, row in rows:
        writer.writerow(flat(row))


def _encoder():
    """JSON text with DEL, C1 and bidi controls from cells written as \\u escapes (report.safe)."""
    from marenew.report.safe import json_safe

    encode = json.JSONEncoder(ensure_ascii=False).encode
    return lambda row: json_safe(encode(row))


def write_jsonl(rows: Iterator[Keyed], out: IO[str]) -> None:
    dumps = _encoder()
    for _, row in rows:
        out.write(dumps(row))
        out.write("\n")


def write_json(rows: Iterator[Keyed], out: IO[str]) -> None:
    """A JSON list of row objects, one row a line, written as the rows come."""
    dumps = _encoder()
    sep = "[\n  "
    for _, row in rows:
        out.write(sep)
        out.write(dumps(row))
        sep = ",\n  "
    out.write("[]\n" if sep.startswith("[") else "\n]\n")


def write_table(rows: Iterator[Keyed], console: Console) -> None:
    """The rows as a table on ``console`` (cli_common.console(): markup off, NO_COLOR honoured)."""
    from rich.table import Table

    from marenew.core.words import money, points
    from marenew.report.terminal import STATUS_STYLE

    table = Table(show_edge=False, pad_edge=False, header_style="bold")
    for name, justify in (("Status", "left"), ("Holder", "left"), ("Source", "left"), ("Cert", "left"),
                          ("Expires", "left"), ("Deadline", "left"), ("Days left", "right"),
                          ("CE needed", "right"), ("Cost now", "right")):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    errors = []
    for _, row in rows:
        if is_error(row):
            errors.append(row)
            continue
        cost = row["cost"]
        amount = money(cost["amount"]) if cost["complete"] else "unknown"
        need = "unknown" if row["points_needed"] is None else (
            "ready" if row["ready"] else f"{points(row['points_needed'])} {row['unit'] or ''}".strip())
        table.add_row(row["status"].upper(), row["holder"], row["source"], row["cert"], row["expires_on"],
                      row["deadline"], str(row["days_left"]), need, amount,
                      style=STATUS_STYLE.get(row["status"]))
    if table.row_count:
        console.print(table)
    for row in errors:
        console.print(f"ERROR {row['source'] or '(no person_id)'}: {row['error']}", style="red")
