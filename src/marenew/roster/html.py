"""The roster as one self-contained web page: the as-of date, summary tiles, three charts (counts
per status, expirations per month, fees due per month) drawn here as inline SVG, and a table per
group that sorts by a click on its header and filters as one types. No network: styles, charts
and the small script are all in the file. It prints legibly (controls hidden, colours kept).

Every value from an export is escaped (``html.escape``), so a name cannot add markup.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from html import escape
from typing import Any

from marenew.core.results import shown_statuses
from marenew.core.words import money, plural

from .overview import Overview
from .rows import Row
from .sheet import Column, columns, grouped

STATUS_COLOUR = {
    "lapsed": "#c0392b",
    "grace": "#d68910",
    "expiring": "#b7950b",
    "submitted": "#2874a6",
    "active": "#1e8449",
    "error": "#6c3483",
}
ROW_TINT = {
    "lapsed": "#f9e0de",
    "grace": "#fcefd9",
    "expiring": "#fdf6d8",
    "submitted": "#e1edf7",
    "active": "#e4f2e7",
    "error": "#eee2f3",
}

CSS = """
:root { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1b1b1b; }
body { margin: 1.5rem; }
h1 { font-size: 1.5rem; margin: 0 0 .25rem; }
.asof { color: #555; margin: 0 0 1rem; }
.tiles { display: flex; flex-wrap: wrap; gap: .75rem; margin-bottom: 1.25rem; }
.tile { border: 1px solid #ccc; border-radius: 6px; padding: .5rem .9rem; min-width: 7.5rem; }
.tile b { display: block; font-size: 1.4rem; }
.charts { display: flex; flex-wrap: wrap; gap: 1.5rem; margin-bottom: 1.5rem; }
figure { margin: 0; }
figcaption { font-weight: 600; margin-bottom: .25rem; }
svg text { font-size: 11px; fill: #333; }
.controls { margin: .5rem 0; display: flex; gap: .75rem; flex-wrap: wrap; }
table { border-collapse: collapse; width: 100%; font-size: .85rem; }
th, td { border: 1px solid #ccc; padding: .25rem .4rem; text-align: left; vertical-align: top; }
th { background: #f0f0f0; cursor: pointer; white-space: nowrap; position: sticky; top: 0; }
th[aria-sort="ascending"]::after { content: " \\25B2"; }
th[aria-sort="descending"]::after { content: " \\25BC"; }
td.num { text-align: right; }
td.date, td.status { white-space: nowrap; }
.status { font-weight: 600; }
@media print {
  body { margin: 0; font-size: 9pt; }
  .controls { display: none; }
  th { position: static; }
  tr, figure, .tile { break-inside: avoid; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  section { break-before: page; }
  section:first-of-type { break-before: auto; }
}
"""

# Sort by a header click (dates are ISO, numbers in data-v), filter by text and status.
SCRIPT = """
(function () {
  function key(td) { var v = td.getAttribute('data-v'); return v === null ? td.textContent : v; }
  document.querySelectorAll('table.roster').forEach(function (table) {
    var body = table.tBodies[0];
    table.querySelectorAll('th').forEach(function (th, i) {
      th.addEventListener('click', function () {
        var asc = th.getAttribute('aria-sort') !== 'ascending';
        table.querySelectorAll('th').forEach(function (o) { o.removeAttribute('aria-sort'); });
        th.setAttribute('aria-sort', asc ? 'ascending' : 'descending');
        var numeric = th.getAttribute('data-kind') === 'num';
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = key(a.cells[i]), y = key(b.cells[i]);
          if (numeric) { x = x === '' ? Infinity : +x; y = y === '' ? Infinity : +y; return asc ? x - y : y - x; }
          return asc ? x.localeCompare(y) : y.localeCompare(x);
        });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
  });
  var text = document.getElementById('filter'), status = document.getElementById('status-filter');
  function apply() {
    var q = text.value.toLowerCase(), s = status.value, shown = 0;
    document.querySelectorAll('table.roster tbody tr').forEach(function (r) {
      var ok = (!q || r.textContent.toLowerCase().indexOf(q) >= 0) && (!s || r.getAttribute('data-status') === s);
      r.hidden = !ok;
      if (ok) { shown += 1; }
    });
    document.getElementById('shown').textContent = shown;
  }
  text.addEventListener('input', apply);
  status.addEventListener('change', apply);
  apply();
  document.body.setAttribute('data-ready', 'yes');
})();
"""


def _bars(
    title: str,
    labels: Sequence[str],
    values: Sequence[float],
    colours: Sequence[str],
    *,
    fmt=lambda v: f"{v:g}",
    chart_id: str,
    note: str | None = None,
) -> str:
    """A vertical bar chart as inline SVG, each bar labelled with its value."""
    width, height, left, bottom, top = max(260, 46 * len(labels) + 40), 190, 30, 42, 18
    step = (width - left - 10) / max(1, len(labels))
    peak = max(values, default=0) or 1
    parts = [
        f'<svg id="{chart_id}" role="img" aria-label="{escape(title)}" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">',
        f'<line x1="{left}" y1="{height - bottom}" x2="{width - 5}" y2="{height - bottom}" stroke="#999"/>',
    ]
    for i, (label, value, colour) in enumerate(zip(labels, values, colours, strict=True)):
        h = (height - bottom - top) * (value / peak)
        x = left + i * step + step * 0.15
        y = height - bottom - h
        parts.append(
            f'<rect class="bar" x="{x:.1f}" y="{y:.1f}" width="{step * 0.7:.1f}" height="{h:.1f}" '
            f'fill="{colour}"><title>{escape(label)}: {escape(fmt(value))}</title></rect>'
        )
        parts.append(
            f'<text x="{x + step * 0.35:.1f}" y="{y - 3:.1f}" text-anchor="middle">{escape(fmt(value))}</text>'
        )
        parts.append(
            f'<text x="{x + step * 0.35:.1f}" y="{height - bottom + 14}" text-anchor="end" '
            f'transform="rotate(-35 {x + step * 0.35:.1f} {height - bottom + 14})">{escape(label)}</text>'
        )
    parts.append("</svg>")
    caption = escape(title) + (f" <small>({escape(note)})</small>" if note else "")
    return f"<figure><figcaption>{caption}</figcaption>{''.join(parts)}</figure>"


def _month_label(month: str) -> str:
    return dt.date.fromisoformat(month + "-01").strftime("%b %Y")


def charts(ov: Overview) -> str:
    assert ov.budget is not None
    labels: list[str] = list(reversed(shown_statuses(ov.counts)))
    counts = [ov.counts[s] for s in labels]
    colours = [STATUS_COLOUR[s] for s in labels]
    if ov.errors:
        labels.append("error")
        counts.append(ov.errors)
        colours.append(STATUS_COLOUR["error"])
    months = ov.budget.months
    month_labels = [_month_label(m) for m in months]
    totals = ov.budget.month_totals()
    unknown = sum(t.unknown for t in totals.values())
    return "".join(
        [
            _bars("Credentials per status", labels, counts, colours, chart_id="chart-status"),
            _bars(
                "Expirations per month, next 12 months",
                month_labels,
                [ov.expiring_per_month.get(m, 0) for m in months],
                ["#2e86c1"] * len(months),
                chart_id="chart-expiry",
            ),
            _bars(
                "Fees due per month (budget)",
                month_labels,
                [totals[m].known for m in months],
                ["#7d3c98"] * len(months),
                fmt=lambda v: money(v),
                chart_id="chart-fees",
                note=f"{plural(unknown, 'fee')} not published, not included" if unknown else None,
            ),
        ]
    )


def _cell(col: Column, value: Any, status: str) -> str:
    if value is None:
        return "<td></td>"
    if col.kind == "date":
        return f'<td class="date">{value.isoformat()}</td>'
    if col.kind in ("int", "number", "money"):
        shown = money(value) if col.kind == "money" else f"{value:g}"
        return f'<td class="num" data-v="{value}">{escape(shown)}</td>'
    if col.kind == "bool":
        return f"<td>{'yes' if value else 'no'}</td>"
    if col.title == "Status":
        return f'<td class="status" style="color:{STATUS_COLOUR.get(status, "#000")}">{escape(str(value))}</td>'
    return f"<td>{escape(str(value))}</td>"


def table(rows: list[Row], cols: list[Column]) -> str:
    head = "".join(
        f'<th scope="col" data-kind="{"num" if c.kind in ("int", "number", "money") else "text"}">'
        f"{escape(c.title)}</th>"
        for c in cols
    )
    body = []
    for row in rows:
        status = "error" if "error" in row else row["status"]
        cells = "".join(_cell(c, c.get(row), status) for c in cols)
        body.append(f'<tr data-status="{status}" style="background:{ROW_TINT[status]}">{cells}</tr>')
    return f'<table class="roster"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'


def tiles(ov: Overview) -> str:
    items = [("People", str(ov.people)), ("Credentials", str(ov.results))]
    items += [(s.capitalize(), str(ov.counts[s])) for s in reversed(shown_statuses(ov.counts))]
    items += [("Behind pace", str(ov.behind)), ("Error rows", str(ov.errors))]
    due = money(ov.due_known) + (f" + {ov.due_unknown} unknown" if ov.due_unknown else "")
    items.append((f"Due within {ov.warn_days} days or overdue", due))
    return (
        '<div class="tiles">'
        + "".join(f'<div class="tile"><b>{escape(v)}</b>{escape(k)}</div>' for k, v in items)
        + "</div>"
    )


def render(
    rows: list[Row],
    ov: Overview,
    *,
    kept: tuple[str, ...] = (),
    group_by: str | None = None,
    title: str = "Certification roster",
) -> str:
    cols = columns(kept)
    options = "".join(f'<option value="{s}">{s}</option>' for s in (*reversed(shown_statuses(ov.counts)), "error"))
    sections = []
    for group, members in grouped(rows, group_by).items():
        heading = f"<h2>{escape(group_by)}: {escape(group)} ({plural(len(members), 'row')})</h2>" if group_by else ""
        sections.append(f"<section>{heading}{table(members, cols)}</section>")
    return "".join(
        [
            '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{escape(title)} as of {ov.as_of.isoformat()}</title><style>{CSS}</style></head><body>",
            f'<h1>{escape(title)}</h1><p class="asof">As of {ov.as_of.isoformat()}; warning window '
            f"{plural(ov.warn_days, 'day')}. Made by marenew.</p>",
            tiles(ov),
            f'<div class="charts">{charts(ov)}</div>',
            '<div class="controls"><label>Filter <input id="filter" type="search" placeholder="name, cert, ..."></label>'
            f'<label>Status <select id="status-filter"><option value="">all</option>{options}</select></label>'
            f'<span><span id="shown">{len(rows)}</span> of {len(rows)} rows shown</span></div>',
            "".join(sections),
            f"<script>{SCRIPT}</script></body></html>\n",
        ]
    )
