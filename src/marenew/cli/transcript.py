"""`marenew transcript`: the CE record of the current cycle, for a renewal application."""

from __future__ import annotations

import datetime as dt
import os
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from marenew.cli.common import (
    AsOfOpt,
    FileArg,
    RulesOpt,
    as_of_date,
    command_app,
    credential_file,
    guarded,
    judge_file,
)

app = command_app()

# The files transcript writes, by -o's extension; any other extension is refused (never one
# format under another's name).
SUFFIX_FORMAT = {".html": "html", ".htm": "html", ".csv": "csv", ".pdf": "pdf"}
STDOUT = Path("-")


class Format(str, Enum):
    html = "html"
    csv = "csv"
    pdf = "pdf"


def _format(fmt: Optional[Format], output: Path) -> str:
    suffix = output.suffix.lower() if output != STDOUT else ""
    by_suffix = SUFFIX_FORMAT.get(suffix)
    if by_suffix is None and (fmt is None or suffix):
        raise typer.BadParameter(
            f"marenew does not write {suffix or 'a transcript without a file extension'}: name the file "
            f"with one of {', '.join(SUFFIX_FORMAT)}"
            + (", or give --format" if output == STDOUT or not suffix else ""),
            param_hint="-o",
        )
    if fmt is not None and by_suffix is not None and by_suffix != fmt.value:
        raise typer.BadParameter(f"--format {fmt.value} does not match the file's extension {suffix}", param_hint="-o")
    return by_suffix or fmt.value  # type: ignore[union-attr]


def _render(fmt: str, sheets: list, as_of: dt.date) -> bytes:
    if fmt == "html":
        from marenew.report.transcript import html

        return html(sheets).encode("utf-8")
    if fmt == "csv":
        from marenew.report.transcript import csv_text

        return csv_text(sheets).encode("utf-8")
    from marenew.report.transcript_pdf import FontError, fits_latin1, pdf_bytes, sheet_texts, unicode_font

    chosen = os.environ.get("MARENEW_PDF_FONT", "").strip() or None
    font = unicode_font(chosen)
    if font is None and not fits_latin1(sheet_texts(sheets)):
        sys.stderr.write(
            "marenew: no Unicode font found for the PDF: letters outside Latin-1 lose their accents or "
            "show as ?; set MARENEW_PDF_FONT to a .ttf file (e.g. DejaVuSans.ttf), or write .html\n"
        )
    try:
        return pdf_bytes(sheets, font=font, created=dt.datetime.combine(as_of, dt.time(), tzinfo=dt.UTC))
    except FontError as exc:
        from marenew.load.problems import InputError, Problem

        where = "MARENEW_PDF_FONT" if chosen else "the system font found"
        why = f"{where}: {exc.why}; set MARENEW_PDF_FONT to another .ttf file"
        raise InputError([Problem(str(exc.path), None, None, why)]) from None


@app.command()
def transcript(
    file: FileArg = None,
    output: Annotated[
        Optional[Path],
        typer.Option(
            "-o",
            "--output",
            metavar="OUT",
            help="The file to write: .html (printable page), .csv or .pdf; - for stdout (with --format).",
        ),
    ] = None,
    cert: Annotated[
        Optional[list[str]],
        typer.Option("--cert", metavar="ID", help="Only these certifications (repeatable; default: every one)."),
    ] = None,
    fmt: Annotated[
        Optional[Format],
        typer.Option("--format", help="html, csv or pdf, for OUT without an extension (default: OUT's extension)."),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite OUT (and the bundle) if they exist.")] = False,
    bundle: Annotated[
        Optional[Path],
        typer.Option(
            "--bundle",
            metavar="ZIP",
            help="Also write a zip of the transcript and every certificate file its credits name; "
            "the missing ones are listed in it and on stderr.",
        ),
    ] = None,
    include_outside: Annotated[
        bool,
        typer.Option(
            "--include-outside",
            help="Add to the bundle certificates that are outside the credential file's folder "
            "(left out and listed by default).",
        ),
    ] = False,
    as_of: AsOfOpt = None,
    rules: RulesOpt = None,
) -> None:
    """Write the CE record of the current cycle, as the renewal application asks for it.

    Per credential: holder, number, cycle, each credit of the current cycle (date, title, points,
    content area, approving body, certificate yes/no) and the totals against what is required.
    AAMA's CMA: AAMA-approved and other credits apart, each by content area. One page per
    credential in HTML and PDF. Exit 0 when written; 1 when written but --bundle lacks a
    certificate; 2 for usage errors and bad input.

    Example: marenew transcript examples/cma-on-track.yaml --as-of 2026-11-29 -o transcript.pdf
    """
    with guarded():
        if output is None:
            raise typer.BadParameter(
                "give the file to write, e.g. -o transcript.pdf (.html, .csv or .pdf)", param_hint="-o"
            )
        kind = _format(fmt, output)
        from marenew.store.atomic import check_target

        if bundle is not None:
            if bundle.suffix.lower() != ".zip":
                raise typer.BadParameter(f"the bundle is a zip file: name it with .zip, not `{bundle}`")
            if output != STDOUT and output.resolve() == bundle.resolve():
                raise typer.BadParameter("the bundle and the transcript need different names", param_hint="--bundle")
        # refuse before any work what the writes would refuse
        if output != STDOUT:
            check_target(output, force=force)
        if bundle is not None:
            check_target(bundle, force=force)
        day = as_of_date(as_of)
        path = credential_file(file)
        judged = judge_file(path, rules, day, member=None)
        report = _only(judged.report, cert, path)

        from marenew.report.transcript import sheets as make_sheets

        sheets = make_sheets(report, judged.ruleset.rules)
        data = _render(kind, sheets, day)
        if output == STDOUT:
            sys.stdout.flush()
            sys.stdout.buffer.write(data)
            sys.stdout.flush()
        else:
            from marenew.store.atomic import write_atomic

            write_atomic(output, data, force=force)
            sys.stderr.write(f"marenew: wrote {output} ({_what(sheets)})\n")
        if bundle is not None:
            missing = _bundle(bundle, output, kind, data, sheets, path, include_outside, day, force)
            if missing:
                raise typer.Exit(1)


def _what(sheets: list) -> str:
    from marenew.core.words import plural

    credits = {(e.date, e.title) for s in sheets for e in s.entries}
    return f"{plural(len(sheets), 'credential')}, {plural(len(credits), 'credit')}"


def _only(report, cert: Optional[list[str]], path: Path):
    """The report narrowed to --cert (every id must name a credential the file holds)."""
    if not cert:
        return report
    from dataclasses import replace

    wanted = {c.upper() for c in cert}
    held = [c.cert for c in report.credentials]
    missing = sorted(wanted - {c.upper() for c in held})
    if missing:
        raise typer.BadParameter(
            f"{path} holds no {', '.join(missing)}; it holds {', '.join(held)}", param_hint="--cert"
        )
    return replace(report, credentials=tuple(c for c in report.credentials if c.cert.upper() in wanted))


def _bundle(
    zip_path: Path,
    output: Path,
    kind: str,
    data: bytes,
    sheets: list,
    credential_path: Path,
    include_outside: bool,
    day: dt.date,
    force: bool,
) -> int:
    from marenew.load.proof import folder_of
    from marenew.report.safe import safe_text
    from marenew.store.bundle import MISSING_NAME, Wanted, write_bundle

    wanted: dict[tuple, Wanted] = {}
    for s in sheets:
        for e in s.entries:
            wanted.setdefault((e.date, e.title, e.certificate_path), Wanted(e.date, e.title, e.certificate_path))
    name = output.name if output != STDOUT else f"transcript.{kind}"
    made = write_bundle(
        zip_path,
        transcript_name=name,
        transcript=data,
        credits=sorted(wanted.values(), key=lambda w: (w.date, w.title)),
        folder=folder_of(credential_path),
        include_outside=include_outside,
        stamp=day,
        force=force,
    )
    from marenew.core.words import plural

    sys.stderr.write(f"marenew: wrote {zip_path} ({name} and {plural(made.files, 'certificate')})\n")
    for where in made.outside:
        sys.stderr.write(safe_text(f"marenew: added from outside {folder_of(credential_path)}: {where}") + "\n")
    if made.missing:
        sys.stderr.write(
            f"marenew: {plural(len(made.missing), 'credit')} without a certificate in the bundle "
            f"(listed in {MISSING_NAME}):\n"
        )
        for m in made.missing:
            sys.stderr.write(f"  {m.line()}\n")
    return len(made.missing)
