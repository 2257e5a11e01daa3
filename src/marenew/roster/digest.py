"""The digest: who needs what by when, per group, in plain text and in HTML (for an e-mail to a
manager or each clinic). Lapsed, in grace, due within the warning window, and behind pace.
The words for a credential's next step are the engine's own (``next_step.summary``) where it
gives them. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Iterator
from html import escape

from marenew.core.words import money, plural
from marenew.report.safe import safe_text

from .overview import Overview
from .rows import Row, is_error
from .sheet import grouped

SECTIONS = (
    ("lapsed", "Lapsed"),
    ("grace", "In the late window (grace)"),
    ("expiring", "Due within the warning window"),
    ("behind", "Behind pace"),
)


def section_of(row: Row) -> str | None:
    if is_error(row):
        return None
    if row["status"] == "submitted":
        return None  # sent: nothing to do but wait (the body may still be processing it)
    if row["status"] != "active":
        return row["status"]
    return "behind" if row.get("behind_pace") else None


def need(row: Row) -> tuple[str, str | None, str]:
    """(what to do, by when, what it costs) for a row: the engine's next step, as every output
    says it (its sentence already names the day and the price)."""
    step = row["next_step"]
    cost = step["cost"]
    return step["summary"], step["by"], money(cost["amount"]) if cost["complete"] else "unknown"


def _sections(rows: list[Row], group_by: str | None) -> Iterator[tuple[str, list[tuple[str, list[Row]]]]]:
    """Each group with someone to act, and its sections that hold anyone: (title, rows)."""
    for group, members in grouped(rows, group_by).items():
        entries: dict[str, list[Row]] = {key: [] for key, _ in SECTIONS}
        for row in members:
            key = section_of(row)
            if key:
                entries[key].append(row)
        filled = [(title, entries[key]) for key, title in SECTIONS if entries[key]]
        if filled:
            yield group, filled


def text(rows: list[Row], ov: Overview, group_by: str | None = None) -> str:
    lines = [f"Certification digest as of {ov.as_of.isoformat()} (warning window {plural(ov.warn_days, 'day')})", ""]
    any_entry = False
    for group, sections in _sections(rows, group_by):
        any_entry = True
        if group_by:
            lines += [safe_text(f"== {group_by}: {group}", lines=False), ""]
        for title, members in sections:
            lines.append(f"{title} ({plural(len(members), 'credential')}):")
            for row in members:
                what, _, _ = need(row)
                # one line each, read with cat or less: no escape sequence, no forged line
                lines.append(safe_text(f"  - {row['holder']} ({row['source']}), {row['cert']}: {what}", lines=False))
            lines.append("")
    if not any_entry:
        lines += ["Nobody needs to act: every credential is active and on pace.", ""]
    if ov.errors:
        lines.append(f"{plural(ov.errors, 'record')} could not be read; see the roster's error rows.")
    return "\n".join(lines).rstrip() + "\n"


def html(rows: list[Row], ov: Overview, group_by: str | None = None) -> str:
    parts = [
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">',
        f"<title>Certification digest as of {ov.as_of.isoformat()}</title>",
        "<style>body{font-family:system-ui,sans-serif;margin:1.5rem}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:.2rem .4rem;text-align:left}th{background:#f0f0f0}</style>",
        f"</head><body><h1>Certification digest</h1><p>As of {ov.as_of.isoformat()}; warning window "
        f"{plural(ov.warn_days, 'day')}.</p>",
    ]
    any_entry = False
    for group, sections in _sections(rows, group_by):
        any_entry = True
        if group_by:
            parts.append(f"<h2>{escape(group_by)}: {escape(group)}</h2>")
        for title, members in sections:
            parts.append(
                f"<h3>{escape(title)} ({plural(len(members), 'credential')})</h3>"
                "<table><tr><th>Holder</th><th>ID</th><th>Cert</th><th>What</th><th>By</th><th>Cost</th></tr>"
            )
            for row in members:
                what, by, amount = need(row)
                parts.append(
                    "<tr>"
                    + "".join(
                        f"<td>{escape(str(v))}</td>"
                        for v in (row["holder"], row["source"], row["cert"], what, by or "", amount)
                    )
                    + "</tr>"
                )
            parts.append("</table>")
    if not any_entry:
        parts.append("<p>Nobody needs to act: every credential is active and on pace.</p>")
    if ov.errors:
        parts.append(f"<p>{plural(ov.errors, 'record')} could not be read; see the roster's error rows.</p>")
    parts.append("</body></html>\n")
    return "".join(parts)
