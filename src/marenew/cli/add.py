"""`marenew add`: record a completed CE activity in the credential file, checked before it is written."""

from __future__ import annotations

import csv
import datetime as dt
import io
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

from marenew.cli.common import (
    AsOfOpt,
    FileArg,
    RulesOpt,
    as_of_date,
    command_app,
    credential_file,
    guarded,
    load_ruleset,
    print_problems,
    typed_date,
)
from marenew.load.problems import InputError, Problem
from marenew.report.safe import safe_text

if TYPE_CHECKING:
    from marenew.core.results import Report
    from marenew.load.rules import RuleSet

app = command_app()


def _interactive() -> bool:
    return sys.stdin.isatty()


def _number(text: str, what: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise typer.BadParameter(f"`{text}` is not a number", param_hint=what) from None
    if value != value or value in (float("inf"), float("-inf")):
        raise typer.BadParameter(f"`{text}` is not a number", param_hint=what)
    return int(value) if value == int(value) else value


def points_field(values: list[str], category: Optional[str]) -> tuple[Any, Optional[str]]:
    """`--points N` -> N; `--points AREA=N` -> N in that content area; several `AREA=N` -> the
    points of each area, as a mapping. Returns (points, category)."""
    plain = [v for v in values if "=" not in v]
    areas = [v for v in values if "=" in v]
    if plain and (areas or len(plain) > 1):
        raise typer.BadParameter("give one --points N, or --points AREA=N for each content area", param_hint="--points")
    if plain:
        return _number(plain[0], "--points"), category
    split: dict[str, float] = {}
    for item in areas:
        area, _, amount = item.partition("=")
        area = area.strip()
        if not area:
            raise typer.BadParameter(f"`{item}`: name the content area before `=`", param_hint="--points")
        if area.lower() in {a.lower() for a in split}:
            raise typer.BadParameter(f"content area `{area}` is given twice", param_hint="--points")
        split[area] = _number(amount, "--points")
    if len(split) == 1:
        ((area, share),) = split.items()
        if category is not None and category.lower() != area.lower():
            raise typer.BadParameter(
                f"--category {category} and --points {area}=... name different areas", param_hint="--points"
            )
        return share, area
    if category is not None:
        raise typer.BadParameter("with points in several areas, leave out --category", param_hint="--category")
    return split, None


def _relative_certificate(path: str, file: Path) -> str:
    """A certificate's path as the file keeps it: relative to the credential file's folder."""
    from marenew.load.proof import folder_of

    given = Path(path).expanduser()
    folder = folder_of(file)
    full = given if given.is_absolute() else Path.cwd() / given
    try:
        return full.resolve().relative_to(folder).as_posix()
    except ValueError:
        return str(full.resolve())


def _check_certificates(credits: list[dict], file: Path) -> None:
    """Say at once when a certificate named is not where the file says (status --explain marks
    it too, but only when asked), or where a transcript bundle will not take it from."""
    from marenew.load.proof import folder_of, locate

    for credit in credits:
        written = credit.get("certificate")
        if not written:
            continue
        folder = folder_of(file)
        found = locate(folder, written)
        trouble = found.trouble(folder)
        if trouble is None:
            continue
        after = {
            "missing": f" (looked for {found.path}; status --explain marks it missing until it is there)",
            "outside": ": transcript --bundle leaves it out unless --include-outside",
        }.get(found.where, "")
        sys.stderr.write(safe_text(f"marenew: warning: certificate {written} {trouble}{after}") + "\n")


def _ask(ruleset: RuleSet, areas: list[str]) -> dict:
    """Short prompts for one credit (on a terminal)."""
    out: dict[str, Any] = {}
    out["title"] = typer.prompt("Title (as on the certificate)", err=True).strip()
    out["date"] = typer.prompt(
        "Completed on (2026-03-14 or 03/14/2026)", err=True, value_proc=lambda v: typed_date(v, what="date")
    )
    hint = f"; or AREA=N per content area ({', '.join(areas)})" if areas else ""
    out["points"] = typer.prompt(f"Points (contact hours){hint}", err=True).split()
    if areas and not any("=" in p for p in out["points"]):
        area = typer.prompt(
            f"Content area ({', '.join(areas)}; empty: none)", default="", show_default=False, err=True
        ).strip()
        out["category"] = area or None
    bodies = typer.prompt(
        f"Approved by (e.g. {', '.join(sorted(ruleset.bodies())[:3])}; empty: none)",
        default="",
        show_default=False,
        err=True,
    )
    out["approved_by"] = bodies.replace(",", " ").split()
    cert = typer.prompt("Certificate file (path; empty: none)", default="", show_default=False, err=True).strip()
    out["certificate"] = cert or None
    return out


def credit_from_options(
    *,
    title: Optional[str],
    date: Optional[dt.date],
    points: list[str],
    college_credits: Optional[float],
    category: Optional[str],
    approved_by: list[str],
    applies_to: list[str],
    certificate: Optional[str],
    file: Path,
) -> dict:
    if not title or not title.strip():
        raise typer.BadParameter("give the activity's title", param_hint="--title")
    if date is None:
        raise typer.BadParameter("give the day it was completed", param_hint="--date")
    if points and college_credits is not None:
        raise typer.BadParameter("give --points or --college-credits, not both", param_hint="--points")
    if not points and college_credits is None:
        raise typer.BadParameter("give --points N (or --points AREA=N, or --college-credits N)", param_hint="--points")
    credit: dict[str, Any] = {"title": title.strip(), "date": date}
    if points:
        credit["points"], category = points_field(points, category)
    else:
        credit["college_credits"] = college_credits
    if category:
        credit["category"] = category
    if approved_by:
        credit["approved_by"] = approved_by
    if applies_to:
        credit["applies_to"] = applies_to
    if certificate:
        credit["certificate"] = _relative_certificate(certificate, file)
    return credit


def credits_from_csv(path: Path) -> list[tuple[int, dict]]:
    """One person's credits from a CSV export with the roster's credits columns (person_id
    optional). Every problem in it at once, with its line; raises InputError."""
    from marenew.roster.columns import CREDITS, Columns, credit_cells, match_header

    spec = Columns("credits", CREDITS.columns, required=("title", "date"), one_of=CREDITS.one_of)
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError([Problem(source, None, None, "no such file")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError([Problem(source, None, None, f"cannot read: {exc}")]) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise InputError([Problem(source, None, None, "the file is empty")]) from None
    columns = match_header(spec, header, source)
    pick = columns.picker()
    out: list[tuple[int, dict]] = []
    problems: list[Problem] = []
    people = set()
    for record in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in record):
            continue
        if len(record) > columns.width:
            problems.append(Problem(source, line, None, f"{len(record)} fields, the header has {columns.width}"))
            continue
        cells = pick(record + [""] * (columns.width - len(record) + 1))
        people.add(cells[0].strip())
        data, found = credit_cells(cells)
        problems += [Problem(source, line, None, f"{column} {message}") for column, message in found]
        out.append((line, {k: v for k, v in data.items() if v not in (None, [])}))
    if len(people - {""}) > 1:
        problems.append(
            Problem(
                source,
                None,
                None,
                f"holds the credits of {len(people - {''})} people (person_id); --from takes one person's transcript",
            )
        )
    if not out and not problems:
        problems.append(Problem(source, None, None, "no credits in this file"))
    if problems:
        raise InputError(problems)
    return out


def counted_lines(report: Report, credits: list[dict]) -> list[str]:
    """What each new credit counted toward, and what is still needed, per credential."""
    from marenew.core.credential import credit_key
    from marenew.core.words import points as points_text

    wanted = {credit_key(c["title"], c["date"]) for c in credits}
    out = []
    for result in report.credentials:
        if result.unit is None:
            continue
        title = f"{result.cert} ({result.body})"
        for credit in result.credits:
            if credit_key(credit.title, credit.date) not in wanted:
                continue
            name = f'"{credit.title}"' if len(credits) > 1 else "it"
            if credit.counted > 0:
                line = f"{title}: {name} counts {points_text(credit.counted)} {result.unit}"
            else:
                line = f"{title}: {name} does not count"
            if credit.note:
                line += f" ({credit.note})"
            out.append(line)
        if result.points_needed is None:
            out.append(f"  still needed: unknown ({result.body} does not publish every requirement)")
        elif result.points_needed > 0:
            shorts = "; ".join(f"{r.label} {r.short:g}" for r in result.requirements if r.short)
            out.append(
                f"  still needed by {result.expires_on}: {points_text(result.points_needed)} {result.unit} ({shorts})"
            )
        else:
            out.append(f"  CE complete for the cycle ending {result.expires_on}")
    return out


@app.command()
def add(
    file: FileArg = None,
    title: Annotated[Optional[str], typer.Option("--title", metavar="TEXT", help="As on the certificate.")] = None,
    date: Annotated[
        Optional[str], typer.Option("--date", metavar="DATE", help="Completed on: 2026-03-14 or 03/14/2026.")
    ] = None,
    points: Annotated[
        Optional[list[str]],
        typer.Option(
            "--points",
            metavar="N|AREA=N",
            help="Points (contact hours); AREA=N puts them in a content area (repeat for several).",
        ),
    ] = None,
    college_credits: Annotated[
        Optional[float],
        typer.Option("--college-credits", metavar="N", help="Semester or quarter credits instead of points."),
    ] = None,
    category: Annotated[
        Optional[str],
        typer.Option("--category", metavar="AREA", help="Content area (AAMA: administrative, clinical, general)."),
    ] = None,
    approved_by: Annotated[
        Optional[list[str]], typer.Option("--approved-by", metavar="BODY", help="A body that approved it (repeatable).")
    ] = None,
    applies_to: Annotated[
        Optional[list[str]],
        typer.Option("--applies-to", metavar="CERT", help="Count it only for this credential (repeatable)."),
    ] = None,
    certificate: Annotated[
        Optional[str],
        typer.Option("--certificate", metavar="PATH", help="The certificate of completion (kept relative to FILE)."),
    ] = None,
    from_csv: Annotated[
        Optional[Path],
        typer.Option(
            "--from",
            metavar="CSV",
            help="Add every credit of one person's CSV export (the roster's credits columns); all or nothing.",
        ),
    ] = None,
    as_of: AsOfOpt = None,
    rules: RulesOpt = None,
) -> None:
    """Add a completed CE activity to FILE, checked against the rules before anything is written.

    Comments, order and formatting of FILE are kept; the previous version is kept as FILE.bak.
    On a terminal, without --title, --date and the points, it asks for each.

    Example: marenew add my.yaml --title "EKG basics" --date 2026-03-14 --points clinical=3 --approved-by AAMA
    """
    with guarded():
        today = as_of_date(as_of)
        path = credential_file(file)
        assert path is not None
        ruleset = load_ruleset(rules)
        from marenew.store.credfile import change, commit, read_current

        current = read_current(path, ruleset, today)
        print_problems(current.loaded.warnings)
        if from_csv is not None:
            if any(v for v in (title, date, points, college_credits, category, approved_by, applies_to, certificate)):
                raise typer.BadParameter(
                    "--from adds the credits of a CSV file: leave out the other credit options", param_hint="--from"
                )
            rows = credits_from_csv(from_csv)
            new = [credit for _, credit in rows]
            names = {f"CSV {from_csv} line {line}": credit for line, credit in rows}
        else:
            asked: dict[str, Any] = {}
            if title is None and date is None and not points and college_credits is None and _interactive():
                held = [ruleset.get(c.key) for c in current.loaded.holder.credentials]
                areas = sorted({a for r in held if r and r.ce for a in r.ce.categories})
                try:
                    asked = _ask(ruleset, areas)
                except typer.Abort:  # Ctrl-C (or Ctrl-D) at a question: exit 130, nothing written
                    sys.stderr.write("\n")
                    raise KeyboardInterrupt from None
            credit = credit_from_options(
                title=asked.get("title", title),
                date=asked.get("date") or (typed_date(date) if date is not None else None),
                points=asked.get("points", points or []),
                college_credits=college_credits,
                category=asked.get("category", category),
                approved_by=asked.get("approved_by") or approved_by or [],
                applies_to=applies_to or [],
                certificate=asked.get("certificate", certificate),
                file=path,
            )
            new = [credit]
            names = {"the new credit": credit}
        before = len(current.loaded.holder.credits)
        labels = {("credits", before + i): name for i, name in enumerate(names)}

        def build(edit: Any) -> None:
            for credit in new:
                edit.append((), "credits", credit)

        text, loaded, warnings = change(current, ruleset, today, build, new=labels)
        print_problems(warnings)
        backup = commit(current, text)
        what = f"{len(new)} credits" if len(new) > 1 else f'"{new[0]["title"]}"'
        sys.stderr.write(safe_text(f"added {what} to {path} (the previous version is in {backup})") + "\n")
        _check_certificates(new, path)
        from marenew.core.engine import evaluate

        report = evaluate(ruleset.rules, loaded.holder, today)
        from marenew.cli.fileedit import wrapped

        # titles may come from an export: no escape sequence reaches the terminal, no line is forged
        sys.stdout.write(wrapped([safe_text(line, lines=False) for line in counted_lines(report, new)]))
