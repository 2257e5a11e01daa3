"""The transcript as a PDF (fpdf2): one page (or more) per credential, tables that break across
pages with their headings repeated.

Text is set in a TrueType font when one is found (``unicode_font``), so every name prints as
written ("González", "Nguyễn", "Łucja"): fpdf2 embeds the subset of glyphs used. Without one,
fpdf2's built-in Helvetica covers Latin-1 only: other letters lose their accents, and what is
left is shown as "?" (the caller says so on stderr).
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from marenew.core.words import points

from .safe import without_controls
from .transcript import FINE_PRINT, Sheet, capital, part_text

# Common places of a sans-serif TrueType font with wide Unicode coverage, regular then bold:
# Debian/Ubuntu, Fedora, Arch, openSUSE (DejaVu, Liberation, Noto), macOS, Windows.
FONT_CANDIDATES: tuple[tuple[str, str], ...] = (
    ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
    ("/usr/share/fonts/dejavu-sans-fonts/DejaVuSans.ttf", "/usr/share/fonts/dejavu-sans-fonts/DejaVuSans-Bold.ttf"),
    ("/usr/share/fonts/dejavu/DejaVuSans.ttf", "/usr/share/fonts/dejavu/DejaVuSans-Bold.ttf"),
    ("/usr/share/fonts/TTF/DejaVuSans.ttf", "/usr/share/fonts/TTF/DejaVuSans-Bold.ttf"),
    ("/usr/share/fonts/truetype/DejaVuSans.ttf", "/usr/share/fonts/truetype/DejaVuSans-Bold.ttf"),
    (
        "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf",
        "/usr/share/fonts/truetype/noto/NotoSans-Bold.ttf",
    ),
    (
        "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
        "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf",
    ),
    ("/Library/Fonts/Arial Unicode.ttf", "/Library/Fonts/Arial Unicode.ttf"),
    ("/System/Library/Fonts/Supplemental/Arial Unicode.ttf", "/System/Library/Fonts/Supplemental/Arial Unicode.ttf"),
    ("/System/Library/Fonts/Supplemental/Arial.ttf", "/System/Library/Fonts/Supplemental/Arial Bold.ttf"),
    ("C:/Windows/Fonts/arial.ttf", "C:/Windows/Fonts/arialbd.ttf"),
)


class FontError(ValueError):
    """The font file cannot be read or embedded."""

    def __init__(self, path: Path, why: str) -> None:
        super().__init__(f"{path}: {why}")
        self.path, self.why = path, why


@dataclass(frozen=True)
class Font:
    regular: Path
    bold: Path


def unicode_font(chosen: str | None = None) -> Font | None:
    """The TrueType font to set the PDF in: ``chosen`` (a .ttf path, bold taken from the same
    file) when given, else the first of FONT_CANDIDATES found; None: none (Helvetica, Latin-1)."""
    if chosen:
        path = Path(chosen).expanduser()
        return Font(path, path)
    for regular, bold in FONT_CANDIDATES:
        if Path(regular).is_file():
            return Font(Path(regular), Path(bold) if Path(bold).is_file() else Path(regular))
    return None


_PUNCTUATION = str.maketrans(
    {"‘": "'", "’": "'", "‚": "'", "“": '"', "”": '"', "„": '"', "–": "-", "—": "-", "…": "...", "•": "*"}
)


def latin1(text: str) -> str:
    """``text`` as Helvetica can set it: accents kept where Latin-1 has the letter, dropped where
    it does not (ễ -> e), anything else "?"."""
    out = []
    for ch in text.translate(_PUNCTUATION):
        if ord(ch) < 256:
            out.append(ch)
            continue
        base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
        out.append(base if base and all(ord(c) < 256 for c in base) else "?")
    return "".join(out)


def fits_latin1(texts: Iterable[str]) -> bool:
    return all(ord(ch) < 256 for text in texts for ch in text.translate(_PUNCTUATION))


def sheet_texts(sheets: Sequence[Sheet]) -> list[str]:
    """Every text from the file that a transcript shows (for the Latin-1 check)."""
    out: list[str] = []
    for s in sheets:
        out += [v for _, v in s.facts()]
        out += [x for e in s.entries for x in (e.title, e.approved_by, e.note or "")]
    return out


def pdf_bytes(sheets: Sequence[Sheet], *, font: Font | None, created: dt.datetime) -> bytes:
    """The PDF of ``sheets``; ``created`` is its creation date (the as-of day: the same input
    gives the same document)."""
    from fpdf import FPDF, FontFace

    pdf = FPDF(orientation="portrait", unit="mm", format="letter")
    pdf.set_margins(15, 15, 15)  # letter: 186 mm between the margins
    pdf.set_auto_page_break(auto=True, margin=15)
    if font is not None:
        for style, path in (("", font.regular), ("B", font.bold)):
            if not path.is_file():
                raise FontError(path, "no such file")
            try:
                pdf.add_font("Body", style, str(path))
            except Exception as exc:  # fpdf2 and fontTools raise many kinds for a file they cannot read
                raise FontError(path, f"not a TrueType font that can be embedded ({type(exc).__name__})") from None
        family = "Body"
        clean: Callable[[str], str] = without_controls
    else:
        family = "Helvetica"

        def clean(text: str) -> str:
            return latin1(without_controls(text))

    holder = sheets[0].holder if sheets else ""
    pdf.set_title(clean(f"CE transcript: {holder}"))
    pdf.set_author(clean(holder))
    pdf.set_creator("marenew")
    pdf.set_creation_date(created)
    heading = FontFace(emphasis="BOLD", fill_color=(235, 235, 235))

    def line(text: str, size: float, style: str = "", gap: float = 1.0) -> None:
        pdf.set_font(family, style, size)
        pdf.multi_cell(0, size * 0.5, clean(text), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(gap)

    for s in sheets:
        r = s.result
        pdf.add_page()
        line(f"Continuing education record: {r.cert} ({r.body})", 15, "B", 2)
        pdf.set_font(family, "", 10)
        with pdf.table(
            col_widths=(45, 140), first_row_as_headings=False, borders_layout="NONE", line_height=5, padding=0.5
        ) as table:
            for key, value in s.facts():
                row = table.row()
                row.cell(clean(key), style=FontFace(emphasis="BOLD"))
                row.cell(clean(value))
        pdf.ln(2)
        if not s.asks_ce:
            line(s.outcome(), 11, "B")
        else:
            if not s.groups:
                line("No credits in this cycle yet.", 10)
            for group in s.groups:
                line(group.title, 12, "B")
                pdf.set_font(family, "", 9)
                with pdf.table(
                    col_widths=(21, 76, 26, 20, 19, 23),
                    text_align=("LEFT", "LEFT", "LEFT", "RIGHT", "RIGHT", "LEFT"),
                    headings_style=heading,
                    line_height=4.5,
                ) as table:
                    table.row(["Date", "Title", "Approved by", capital(s.unit), "Counted", "Certificate"])
                    for e in group.entries:
                        title = e.title
                        if e.part_of is not None:
                            title += f" ({part_text(e.part_of, s.unit)})"
                        if e.note:
                            title += f"\n{e.note}"
                        table.row(
                            [
                                str(e.date),
                                clean(title),
                                clean(e.approved_by) or "-",
                                points(e.points) if e.points is not None else "",
                                points(e.counted),
                                e.certificate_word,
                            ]
                        )
                    table.row(["", "Subtotal", "", points(group.entered), points(group.counted), ""])
                pdf.ln(2)
            # the totals stay on one page: a new page when they would not fit
            rows = len(s.requirements) + len(s.caps) + 1
            if pdf.get_y() + 10 + rows * 5 > pdf.page_break_trigger:
                pdf.add_page()
            line("Totals", 12, "B")
            pdf.set_font(family, "", 9)
            with pdf.table(
                col_widths=(100, 25, 25, 35),
                text_align=("LEFT", "RIGHT", "RIGHT", "LEFT"),
                headings_style=heading,
                line_height=4.5,
            ) as table:
                table.row(["Requirement", "Required", "Counted", "Result"])
                for q in s.requirements:
                    result = "unknown" if q.short is None else ("met" if not q.short else f"short {points(q.short)}")
                    required = points(q.required) if q.required is not None else "unknown"
                    table.row([clean(q.label), required, points(q.counted), result])
                for cap in s.caps:
                    table.row(
                        [
                            clean(f"{cap.label} (counted up to {points(cap.maximum)})"),
                            "",
                            points(cap.counted),
                            f"{points(cap.entered)} entered",
                        ]
                    )
            pdf.ln(2)
            line(s.outcome(), 11, "B")
        line(FINE_PRINT.format(body=r.body), 8)
    return bytes(pdf.output())
