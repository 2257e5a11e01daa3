"""The CE record of a current cycle, as a renewal application asks for it: a transcript.

Pure rendering of the engine's results (``CredentialResult.credits``): nothing here counts a
point or decides a status. A transcript lists, per credential, the credits of its current cycle
(for that credential, not used by an earlier renewal, dated inside the cycle and not after the
as-of day) with what each counted, then the totals against what the rule asks.

Where the rule has content areas or an approving body (AAMA: administrative, clinical, general;
AAMA-approved and not), the credits are grouped as the body's application asks: approved ones
first, then the others (which the body checks one by one against their documentation), each by
content area. Other bodies get one list, in their unit.

``sheets`` builds the record once; ``html`` and ``csv_text`` write it here, ``transcript_pdf``
writes the PDF.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape

from marenew.core.engine import approved_label
from marenew.core.names import names_of
from marenew.core.results import CapResult, CredentialResult, CreditResult, Report, RequirementResult
from marenew.core.rule import Rule
from marenew.core.words import points

from .safe import BOM, csv_cell, safe_text
from .terminal import proof_of

# What the certificate column says, by proof_of's answer.
CERTIFICATE_WORD = {"yes": "yes", "none": "no", "missing": "not found"}
NO_AREA = "No content area"


@dataclass(frozen=True)
class Entry:
    """One credit on the transcript (one content area's part, for a certificate split over areas)."""

    date: dt.date
    title: str
    approved_by: str  # as the file writes it ("" when none)
    points: float | None  # entered, in the body's unit (after converting college credits)
    counted: float
    certificate: str  # yes / none / missing (terminal.proof_of)
    certificate_path: str | None
    note: str | None
    part_of: float | None = None  # the whole certificate's points, for a part of a split one

    @property
    def certificate_word(self) -> str:
        return CERTIFICATE_WORD[self.certificate]


@dataclass(frozen=True)
class Group:
    approval: str | None  # "AAMA-approved", "Not AAMA-approved"; None: the rule makes no such split
    area: str | None  # a content area's label, NO_AREA; None: the rule has no content areas
    area_id: str | None  # the rule's key for the area ("" for none); None as for area
    approved: bool | None
    entries: tuple[Entry, ...]

    @property
    def title(self) -> str:
        return " · ".join(x for x in (self.approval, self.area) if x) or "Credits"

    @property
    def counted(self) -> float:
        return sum(e.counted for e in self.entries)

    @property
    def entered(self) -> float:
        return sum(e.points or 0.0 for e in self.entries)


@dataclass(frozen=True)
class Sheet:
    """One credential's transcript."""

    holder: str
    as_of: dt.date
    result: CredentialResult
    groups: tuple[Group, ...]

    @property
    def unit(self) -> str:
        return self.result.unit or "points"

    @property
    def requirements(self) -> tuple[RequirementResult, ...]:
        return self.result.requirements

    @property
    def caps(self) -> tuple[CapResult, ...]:
        return self.result.caps

    @property
    def asks_ce(self) -> bool:
        return self.result.unit is not None

    @property
    def entries(self) -> list[Entry]:
        return [e for g in self.groups for e in g.entries]

    def facts(self) -> list[tuple[str, str]]:
        r = self.result
        return [
            ("Holder", self.holder),
            ("Certification", f"{r.cert} ({r.body}), {r.name}"),
            ("Certificate number", r.number or "not given"),
            ("Cycle", f"{r.certified_on} to {r.expires_on}"),
            ("CE counted from", f"{r.window_start} to {min(r.window_end, self.as_of)}"),
            ("As of", str(self.as_of)),
        ]

    def outcome(self) -> str:
        """One sentence: met, or what is still short."""
        r = self.result
        if not self.asks_ce:
            return f"{r.body} asks for no continuing education for the {r.cert}."
        if r.points_needed is None:
            return "Whether the CE is complete is unknown: a requirement is not published."
        if r.ready:
            return f"Every CE requirement is met ({points(self._total())} {self.unit} counted)."
        return f"Not yet complete: {points(r.points_needed)} more {self.unit} needed."

    def _total(self) -> float:
        return next((q.counted for q in self.requirements if q.id == "total"), sum(e.counted for e in self.entries))


def _entries(credit: CreditResult, by_area: bool) -> list[tuple[str | None, Entry]]:
    """The credit's entries, each with the rule's content-area key (None: none); a certificate
    split over content areas is a line per area where the rule has areas (``by_area``)."""
    proof = proof_of(credit)
    base = {
        "date": credit.date,
        "title": credit.title,
        "approved_by": ", ".join(credit.approved_by),
        "certificate": proof,
        "certificate_path": credit.certificate,
        "note": credit.note,
    }
    if by_area and credit.parts and len(credit.parts) == len(credit.areas):
        # a certificate split over content areas: a line per area, each with its part
        return [
            (key, Entry(points=part, counted=counted, part_of=credit.points, **base))  # type: ignore[arg-type]
            for (key, counted), (_, part, _) in zip(credit.areas, credit.parts)
        ]
    key = credit.areas[0][0] if credit.areas else None
    return [(key, Entry(points=credit.points, counted=credit.counted, **base))]  # type: ignore[arg-type]


def _area_of_uncounted(rule: Rule, credit: CreditResult) -> str | None:
    """The content area of a credit that counted nothing (the engine gives it none): the one its
    category names, if any."""
    if rule.ce is None or not rule.ce.categories or credit.category is None:
        return None
    return names_of(rule.ce).area(credit.category)


def sheet(holder: str, as_of: dt.date, result: CredentialResult, rule: Rule) -> Sheet:
    """The transcript of one judged credential."""
    ce = rule.ce
    areas: list[tuple[str | None, str | None]] = [(None, None)]
    splits_approval = False
    if ce is not None:
        if ce.categories:
            areas = [(key, c.label) for key, c in ce.categories.items()]
            areas.append(("", NO_AREA))
        splits_approval = bool(ce.approved_by) and (ce.approved_minimum is not None or ce.unapproved_cap is not None)
    lines: list[tuple[str | None, bool, Entry]] = []
    for credit in result.credits:
        if not credit.in_cycle:
            continue
        for key, entry in _entries(credit, by_area=areas[0][0] is not None):
            if key is None and not credit.areas:
                key = _area_of_uncounted(rule, credit)
            lines.append((key, credit.approved, entry))
    approvals: list[bool | None] = [True, False] if splits_approval else [None]
    label = approved_label(ce) if ce is not None else ""
    groups = []
    for approved in approvals:
        for area_id, area in areas:
            entries = tuple(
                e
                for key, ok, e in lines
                if (approved is None or ok == approved) and (area is None or (key or "") == area_id)
            )
            if not entries:
                continue
            approval = None if approved is None else (label if approved else f"Not {label}")
            groups.append(Group(approval, area, area_id, approved, entries))
    return Sheet(holder, as_of, result, tuple(groups))


def sheets(report: Report, rules: Mapping[str, Rule]) -> list[Sheet]:
    """A transcript per credential in ``report`` (rules by upper-case id)."""
    return [sheet(report.holder, report.as_of, r, rules[r.cert.upper()]) for r in report.credentials]


def part_text(whole: float, unit: str) -> str:
    return f"part of one certificate worth {points(whole)} {unit}"


def capital(text: str) -> str:
    """The first letter capitalised, the rest as written ("CCP points" stays, not "Ccp points")."""
    return text[:1].upper() + text[1:]


# --- HTML --------------------------------------------------------------------------------------


def _e(text: object) -> str:
    """Text from a file, safe in HTML: markup escaped, control and bidi characters shown as escapes."""
    return escape(safe_text(str(text), lines=False), quote=True)


CSS = """
:root { font-family: "DejaVu Sans", Arial, Helvetica, sans-serif; color: #111; }
body { margin: 1.5rem; font-size: 11pt; }
section.credential { max-width: 60rem; }
h1 { font-size: 1.35rem; margin: 0 0 .2rem; }
h2 { font-size: 1.1rem; margin: 1.2rem 0 .3rem; border-bottom: 1px solid #999; }
h3 { font-size: 1rem; margin: .8rem 0 .2rem; }
dl.facts { display: grid; grid-template-columns: max-content auto; gap: .1rem 1rem; margin: .5rem 0; }
dl.facts dt { font-weight: 600; }
dl.facts dd { margin: 0; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; margin-bottom: .4rem; }
table.credits { table-layout: fixed; }
td { overflow-wrap: anywhere; }
th, td { border: 1px solid #bbb; padding: .2rem .35rem; text-align: left; vertical-align: top; }
th { background: #eee; }
td.num, th.num { text-align: right; white-space: nowrap; }
td.date { white-space: nowrap; }
tfoot td { font-weight: 600; }
.note { color: #444; font-size: .8rem; }
.outcome { font-weight: 600; margin: .6rem 0; }
.fine { color: #555; font-size: .8rem; }
@page { size: letter; margin: 15mm; }
@media print {
  body { margin: 0; font-size: 10pt; }
  section.credential + section.credential { break-before: page; }
  tr, h2, h3, dl.facts { break-inside: avoid; }
  h2, h3 { break-after: avoid; }
  thead { display: table-header-group; }
  th { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"""


def _num(value: float | None) -> str:
    return "" if value is None else points(value)


# the same columns in every table of a page, whatever their text
COLUMNS = (
    '<colgroup><col style="width:12%"><col style="width:42%"><col style="width:14%">'
    '<col style="width:10%"><col style="width:10%"><col style="width:12%"></colgroup>'
)


def _group_html(group: Group, unit: str) -> list[str]:
    out = []
    heading = "h3" if group.approval and group.area else "h2"
    out.append(f"<{heading}>{_e(group.title)}</{heading}>")
    attrs = f' data-area="{_e(group.area_id or "")}"' if group.area is not None else ""
    if group.approved is not None:
        attrs += f' data-approved="{"yes" if group.approved else "no"}"'
    out.append(f'<table class="credits"{attrs}>')
    out.append(COLUMNS)
    out.append(
        "<thead><tr><th>Date</th><th>Title</th><th>Approved by</th>"
        f'<th class="num">{_e(capital(unit))}</th><th class="num">Counted</th><th>Certificate</th></tr></thead>'
    )
    out.append("<tbody>")
    for e in group.entries:
        title = _e(e.title)
        if e.part_of is not None:
            title += f' <span class="note">({_e(part_text(e.part_of, unit))})</span>'
        if e.note:
            title += f'<br><span class="note">{_e(e.note)}</span>'
        out.append(
            f'<tr class="credit"><td class="date">{e.date}</td><td>{title}</td><td>{_e(e.approved_by) or "-"}</td>'
            f'<td class="num">{_num(e.points)}</td><td class="num">{_num(e.counted)}</td>'
            f'<td data-certificate="{e.certificate}">{_e(e.certificate_word)}</td></tr>'
        )
    out.append("</tbody>")
    out.append(
        f'<tfoot><tr class="subtotal"><td colspan="3">Subtotal</td><td class="num">{_num(group.entered)}</td>'
        f'<td class="num">{_num(group.counted)}</td><td></td></tr></tfoot>'
    )
    out.append("</table>")
    return out


def _totals_html(s: Sheet) -> list[str]:
    out = ["<h2>Totals</h2>", '<table class="totals">']
    out.append(
        '<thead><tr><th>Requirement</th><th class="num">Required</th><th class="num">Counted</th>'
        "<th>Result</th></tr></thead><tbody>"
    )
    for q in s.requirements:
        result = "unknown" if q.short is None else ("met" if not q.short else f"short {points(q.short)}")
        out.append(
            f'<tr class="requirement" data-id="{_e(q.id)}"><td>{_e(q.label)}</td>'
            f'<td class="num">{_num(q.required) or "unknown"}</td><td class="num">{_num(q.counted)}</td>'
            f"<td>{_e(result)}</td></tr>"
        )
    for cap in s.caps:
        out.append(
            f'<tr class="cap" data-id="{_e(cap.id)}"><td>{_e(cap.label)} (counted up to {_num(cap.maximum)})</td>'
            f'<td class="num"></td><td class="num">{_num(cap.counted)}</td>'
            f"<td>{_e(points(cap.entered))} entered</td></tr>"
        )
    out.append("</tbody></table>")
    return out


def html(sheets: Sequence[Sheet]) -> str:
    """A self-contained, printable page: one section (one printed page at least) per credential."""
    holder = sheets[0].holder if sheets else ""
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>CE transcript: {_e(holder)}</title>",
        f"<style>{CSS}</style></head><body>",
    ]
    for s in sheets:
        r = s.result
        out.append(f'<section class="credential" data-cert="{_e(r.cert)}">')
        out.append(f"<h1>Continuing education record: {_e(r.cert)} ({_e(r.body)})</h1>")
        out.append('<dl class="facts">')
        out += [f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in s.facts()]
        out.append("</dl>")
        if not s.asks_ce:
            out.append(f'<p class="outcome">{_e(s.outcome())}</p>')
        else:
            if not s.groups:
                out.append("<p>No credits in this cycle yet.</p>")
            for group in s.groups:
                out += _group_html(group, s.unit)
            out += _totals_html(s)
            out.append(f'<p class="outcome">{_e(s.outcome())}</p>')
        out.append(f'<p class="fine">{_e(FINE_PRINT.format(body=r.body))}</p>')
        out.append("</section>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"


FINE_PRINT = (
    "Counted by marenew from the rules {body} publishes; {body} decides what it accepts. "
    "Certificate: yes when the file named is at hand, no when none is named."
)


# --- CSV ---------------------------------------------------------------------------------------

CSV_COLUMNS = (
    "holder",
    "cert",
    "number",
    "cycle_start",
    "cycle_end",
    "record",  # credit, requirement or cap
    "approval",
    "area",
    "date",
    "title",
    "approved_by",
    "points",
    "counted",
    "required",
    "short",
    "certificate",
    "note",
)


def _cell(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def csv_text(sheets: Sequence[Sheet], *, bom: bool = True) -> str:
    """One row per credit (per area part), then a row per requirement and cap, per credential.
    UTF-8 with a byte-order mark (Excel), cells made safe as the roster's (``csv_cell``)."""
    buf = io.StringIO()
    if bom:
        buf.write(BOM)
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for s in sheets:
        r = s.result
        head = [s.holder, r.cert, r.number or "", str(r.certified_on), str(r.expires_on)]
        for g in s.groups:
            for e in g.entries:
                row = [
                    "credit",
                    g.approval or "",
                    g.area or "",
                    str(e.date),
                    e.title,
                    e.approved_by,
                    _cell(e.points),
                    _cell(e.counted),
                    "",
                    "",
                    e.certificate_word,
                    e.note or "",
                ]
                writer.writerow([csv_cell(c) for c in head + row])
        for q in s.requirements:
            row = ["requirement", "", q.label, "", "", "", "", _cell(q.counted), _cell(q.required), _cell(q.short)]
            writer.writerow([csv_cell(c) for c in head + row + ["", ""]])
        for cap in s.caps:
            row = ["cap", "", cap.label, "", "", "", _cell(cap.entered), _cell(cap.counted), "", ""]
            writer.writerow([csv_cell(c) for c in head + row + ["", f"counted up to {cap.maximum:g}"]])
    return buf.getvalue()
