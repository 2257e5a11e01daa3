"""`marenew roster`: every medical assistant of an employer at once, most urgent first.

A thin layer: options -> roster.runner (partitions, workers, merge) -> a writer. Heavy imports
stay inside the command so that `marenew --help` starts quickly.
"""

from __future__ import annotations

import signal
import sys
import time
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

from marenew.cli.common import (
    AsOfOpt,
    MemberOpt,
    RulesOpt,
    StrictOpt,
    WarnDaysOpt,
    as_of_date,
    command_app,
    guarded,
    rules_dirs,
    safe_text,
)
from marenew.cli.exitcodes import ExitCode
from marenew.core.defaults import WARN_DAYS
from marenew.core.results import STATUSES
from marenew.load.problems import InputError, Problem

if TYPE_CHECKING:
    from marenew.roster.runner import Progress


class Format(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"
    jsonl = "jsonl"
    xlsx = "xlsx"
    html = "html"


app = command_app()

# Worker processes per core at most: more only adds memory (each worker holds a partition) and
# start-up, never speed, since the work is CPU-bound. A larger --jobs is clamped with a warning.
JOBS_PER_CORE = 2

# The files roster writes, by -o's extension; any other extension is refused (never CSV under
# another name).
SUFFIX_FORMAT = {
    ".csv": "csv",
    ".json": "json",
    ".jsonl": "jsonl",
    ".txt": "table",
    ".xlsx": "xlsx",
    ".html": "html",
    ".htm": "html",
}
STDOUT = Path("-")
# Formats written all at once (they need every row before the first byte).
WHOLE = ("xlsx", "html")

MapOpt = Annotated[
    Optional[list[str]],
    typer.Option(
        "--map",
        metavar="FILE.COLUMN=HEADER",
        help='Read a column from another header, e.g. --map people.person_id="Employee ID" '
        "(repeatable; FILE is people or credits).",
        show_default=False,
    ),
]


@app.command()
def roster(
    paths: Annotated[
        Optional[list[Path]],
        typer.Argument(
            metavar="PATH", help="Credential files, or folders searched for *.yaml/*.yml.", show_default=False
        ),
    ] = None,
    people: Annotated[
        Optional[Path], typer.Option("--people", metavar="CSV", help="Staff export: one row per person and credential.")
    ] = None,
    credits: Annotated[
        Optional[Path], typer.Option("--credits", metavar="CSV", help="Completions export: one row per CE activity.")
    ] = None,
    as_of: AsOfOpt = None,
    warn_days: WarnDaysOpt = WARN_DAYS,
    member: MemberOpt = None,
    rules: RulesOpt = None,
    fmt: Annotated[
        Optional[Format],
        typer.Option(
            "--format",
            "-f",
            help="Output format (default: from -o's extension; else table on a terminal, csv otherwise).",
            show_default=False,
        ),
    ] = None,
    output: Annotated[
        Optional[Path],
        typer.Option(
            "--output",
            "-o",
            metavar="FILE",
            help="Write to FILE (atomically): .csv, .xlsx, .html, .json, .jsonl or .txt; - for stdout.",
        ),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Let -o and --digest replace existing files.")] = False,
    only: Annotated[
        Optional[str],
        typer.Option(
            "--only",
            metavar="STATUS,...",
            help=f"Write only rows with these statuses ({', '.join(STATUSES)}); error rows are always written.",
        ),
    ] = None,
    column_map: MapOpt = None,
    map_file: Annotated[
        Optional[Path],
        typer.Option(
            "--map-file",
            metavar="YAML",
            help="Header names for columns, from a file (see examples/roster/lms/map.yaml).",
        ),
    ] = None,
    date_format: Annotated[
        Optional[list[str]],
        typer.Option(
            "--date-format",
            metavar="PATTERN",
            help="How the exports write dates, as a strptime pattern such as %m/%d/%Y (repeatable: tried "
            "in order; YYYY-MM-DD is always read).",
            show_default=False,
        ),
    ] = None,
    keep: Annotated[
        Optional[str],
        typer.Option(
            "--keep",
            metavar="COLUMN,...",
            help="People columns to pass through to every output (e.g. location,department).",
        ),
    ] = None,
    group_by: Annotated[
        Optional[str],
        typer.Option(
            "--group-by",
            metavar="COLUMN",
            help="Split the outputs by a people column: a sheet, a section or a file per value.",
        ),
    ] = None,
    no_bom: Annotated[
        bool,
        typer.Option("--no-bom", help="Write CSV files without the byte-order mark that Excel needs to read UTF-8."),
    ] = False,
    budget: Annotated[
        bool,
        typer.Option(
            "--budget", help="Write the fees due per month for the next 12 months (per group) instead of the rows."
        ),
    ] = False,
    digest: Annotated[
        Optional[Path],
        typer.Option(
            "--digest",
            metavar="FOLDER",
            help="Also write digest.txt and digest.html (who needs what by when) into FOLDER.",
        ),
    ] = None,
    jobs: Annotated[
        Optional[int],
        typer.Option(
            "--jobs", "-j", min=1, metavar="N", help="Worker processes (default: all cores; at most twice the cores)."
        ),
    ] = None,
    unsorted: Annotated[
        bool,
        typer.Option(
            "--unsorted",
            help="Write each partition's rows as soon as it is done, instead of most urgent "
            "first (the first rows arrive sooner; no merge).",
        ),
    ] = False,
    partitions: Annotated[
        Optional[int], typer.Option("--partitions", min=1, hidden=True, help="Partition count (for tests).")
    ] = None,
    strict: StrictOpt = False,
) -> None:
    """Status of every credential of many holders, most urgent first: lapsed, grace, expiring
    (fewest days left first), then active (earliest expiry first).

    Input: credential files and folders, or two CSV exports (--people, and --credits for CE).
    Headers are matched loosely (Employee ID, Credential, Cert Date, ...); --map names others.
    A bad record becomes an error row; the rest is still judged. A summary goes to stderr.
    Exit 2 when any record had an error, else 1 when any credential is expiring, in grace or
    lapsed, else 0.

    Example: marenew roster --people people.csv --credits credits.csv --date-format %m/%d/%Y -o roster.xlsx
    """
    with guarded():
        _roster(
            _Options(
                paths or [],
                people,
                credits,
                as_of,
                warn_days,
                member,
                rules,
                fmt,
                output,
                force,
                only,
                column_map or [],
                map_file,
                date_format or [],
                keep,
                group_by,
                no_bom,
                budget,
                digest,
                jobs,
                unsorted,
                partitions,
                strict=strict,
            )
        )


@dataclass
class _Options:
    paths: list[Path]
    people: Optional[Path]
    credits: Optional[Path]
    as_of: Optional[str]
    warn_days: int
    member: Optional[bool]
    rules: Optional[list[Path]]
    fmt: Optional[Format]
    output: Optional[Path]
    force: bool
    only: Optional[str]
    column_map: list[str]
    map_file: Optional[Path]
    date_format: list[str]
    keep: Optional[str]
    group_by: Optional[str]
    no_bom: bool
    budget: bool
    digest: Optional[Path]
    jobs: Optional[int]
    unsorted: bool
    partitions: Optional[int]
    strict: bool = False


def _roster(o: _Options) -> None:
    from marenew.cli.common import load_ruleset
    from marenew.roster.columns import DateReader
    from marenew.roster.records import Settings
    from marenew.roster.runner import Job, collector_rarely, default_jobs, run_csv, run_files
    from marenew.store.atomic import scratch_folder

    if o.paths and (o.people or o.credits):
        raise typer.BadParameter("give credential files/folders or --people/--credits, not both")
    if o.credits and not o.people:
        raise typer.BadParameter(
            "--credits needs --people (the staff list the credits belong to)", param_hint="--credits"
        )
    if not o.paths and not o.people:
        raise typer.BadParameter("give credential files or folders, or --people people.csv [--credits credits.csv]")
    if o.paths and (o.keep or o.group_by or o.column_map or o.map_file):
        raise typer.BadParameter("--keep, --group-by, --map and --map-file read CSV exports: use them with --people")
    wanted = _only(o.only)
    fmt_name = _format(o.fmt, o.output)
    if o.budget and fmt_name not in ("table", "csv", "json") and fmt_name not in WHOLE:
        raise typer.BadParameter(
            f"--budget writes table, csv, json, xlsx or html, not {fmt_name}", param_hint="--budget"
        )
    kept = _kept(o.keep, o.group_by)
    column_map = _column_map(o.column_map, o.map_file) if o.people else None
    targets = _targets(o.output, fmt_name, o.group_by, o.force, o.budget)
    if o.digest is not None:
        _check_digest(o.digest, o.force)
    if o.people and not o.credits:
        sys.stderr.write("note: no --credits file: CE is taken as none (every CE requirement counts as unmet)\n")

    day = as_of_date(o.as_of)
    ruleset = load_ruleset(o.rules)
    settings = Settings(day, o.warn_days, o.member, DateReader(tuple(o.date_format)), kept, column_map=column_map)
    # every row at hand: for a whole-file format, a split by group, the budget or the digest
    collect = (
        fmt_name in WHOLE
        or bool(o.group_by and (fmt_name == "table" or o.output not in (None, STDOUT)))
        or o.budget
        or o.digest is not None
    )
    job = Job(
        settings,
        wanted,
        people_file=str(o.people) if o.people else "people.csv",
        credits_file=str(o.credits) if o.credits else "credits.csv",
        # rows that go straight to a csv, json or jsonl writer are made into text by the workers
        text=fmt_name if not collect and fmt_name != "table" else None,
    )
    jobs = o.jobs or default_jobs()
    most = JOBS_PER_CORE * default_jobs()
    if jobs > most:
        sys.stderr.write(
            f"marenew roster: --jobs {jobs} is more than this machine can use; using {most} "
            f"({JOBS_PER_CORE} per core, {default_jobs()} cores)\n"
        )
        jobs = most
    progress = _progress()
    rows: list = []
    with collector_rarely():
        with scratch_folder("marenew-roster-") as tmp:
            common: dict[str, Any] = dict(
                rules=ruleset,
                rule_dirs=rules_dirs(o.rules),
                job=job,
                jobs=jobs,
                folder=Path(tmp),
                sort=not o.unsorted,
                partitions=o.partitions,
                progress=progress,
            )
            try:
                outcome = (
                    run_csv(o.people, o.credits, **common)
                    if o.people
                    else run_files(_credential_files(o.paths), **common)
                )
                try:
                    if collect:
                        rows = [row for _, row in outcome.rows]
                    else:
                        _write(outcome.rows, fmt_name, targets[0][1], o.force, kept=kept, bom=_bom(o))
                finally:
                    outcome.close()
            finally:
                progress.stop()
        if collect:
            _write_collected(rows, o, fmt_name, targets, kept, day)
    tally = outcome.tally
    for line in tally.lines(
        warn_days=o.warn_days, as_of=day.isoformat(), csv_input=bool(o.people), filtered=wanted is not None
    ):
        sys.stderr.write(line + "\n")
    if not tally.balanced:
        raise typer.Exit(ExitCode.INTERNAL)
    if o.people and tally.records == 0 and tally.errors == 0:
        # a header and nothing else is an export that went wrong, not an all-clear (like an empty folder)
        raise InputError([Problem(str(o.people), None, None, "has a header but no people rows; nothing to judge")])
    if tally.errors or (o.strict and tally.unmatched):
        raise typer.Exit(ExitCode.INPUT)
    raise typer.Exit(ExitCode.ATTENTION if tally.needs_action else ExitCode.OK)


def _credential_files(paths: list[Path]) -> list[Path]:
    """The files under PATHs, each once: a file given twice (or reached again through a link) is
    judged once, with a warning; an unreadable folder stays in, to become an error row."""
    from marenew.load.files import credential_listing

    listing = credential_listing(list(paths))
    for path in listing.repeated:
        sys.stderr.write(f"{safe_text(str(path))}: warning: the same file as one already given; counted once\n")
    return listing.files + listing.unreadable


def _bom(o: _Options) -> bool:
    """A CSV file gets a byte-order mark (Excel reads UTF-8 by it); stdout does not (a program
    reads it, not Excel)."""
    return not o.no_bom and o.output not in (None, STDOUT)


def _kept(keep: Optional[str], group_by: Optional[str]) -> tuple[str, ...]:
    names = [k.strip() for k in (keep or "").split(",") if k.strip()]
    if group_by:
        from marenew.roster.columns import key

        group_by = group_by.strip()
        if not any(key(n) == key(group_by) for n in names):
            names.append(group_by)
    return tuple(dict.fromkeys(names))


def _group_name(group_by: Optional[str], kept: tuple[str, ...]) -> Optional[str]:
    """The --group-by column as it is named among the kept ones (the user's own spelling)."""
    if not group_by:
        return None
    from marenew.roster.columns import key

    return next(n for n in kept if key(n) == key(group_by.strip()))


def _column_map(entries: list[str], map_file: Optional[Path]):
    from marenew.roster.columns import ColumnMap, map_from_document, parse_map

    names = {}
    if map_file is not None:
        from marenew.load.problems import InputError, Problem

        try:
            import yaml

            data = yaml.safe_load(map_file.read_text(encoding="utf-8-sig"))
        except OSError as exc:
            raise InputError([Problem(str(map_file), None, None, f"cannot read: {exc.strerror or exc}")]) from None
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            raise InputError(
                [
                    Problem(
                        str(map_file),
                        mark.line + 1 if mark else None,
                        None,
                        f"not valid YAML: {getattr(exc, 'problem', exc)}",
                    )
                ]
            ) from None
        names.update(map_from_document(data, str(map_file)).names)
    names.update(parse_map(entries).names)  # the command line wins over the file
    return ColumnMap(names)


def _format(fmt: Optional[Format], output: Optional[Path]) -> str:
    suffix = output.suffix.lower() if output is not None and output != STDOUT else ""
    by_suffix = SUFFIX_FORMAT.get(suffix)
    if output is not None and output != STDOUT and by_suffix is None and (fmt is None or suffix):
        known = ", ".join(sorted(SUFFIX_FORMAT))
        raise typer.BadParameter(
            f"marenew does not write {suffix or 'files without an extension'}: name the file "
            f"with one of {known}, or give --format",
            param_hint="--output",
        )
    if fmt is not None:
        if by_suffix is not None and by_suffix != fmt.value:
            raise typer.BadParameter(
                f"--format {fmt.value} does not match the file's extension {suffix}", param_hint="--output"
            )
        return fmt.value
    if by_suffix is not None:
        return by_suffix
    return "table" if sys.stdout.isatty() and output is None else "csv"


def _targets(
    output: Optional[Path], fmt: str, group_by: Optional[str], force: bool, budget: bool
) -> list[tuple[Optional[str], Optional[Path]]]:
    """Where the output goes: [(group or None, path or None for stdout)]. Files are checked
    here, before any work. Split outputs are named after the groups, so they are known later."""
    from marenew.store.atomic import check_target

    if output is None or output == STDOUT:
        return [(None, None)]
    check_target(output, force=force)
    return [(None, output)]


def _split_paths(output: Path, groups: list[str]) -> dict[str, Path]:
    """One file per group beside ``output``, each name distinct (sheet.file_parts)."""
    from marenew.roster.sheet import file_parts

    return {g: output.with_name(f"{output.stem}-{part}{output.suffix}") for g, part in file_parts(groups).items()}


def _check_digest(folder: Path, force: bool) -> None:
    from marenew.load.problems import InputError, Problem
    from marenew.store.atomic import check_target

    if not folder.is_dir():
        raise InputError([Problem(str(folder), None, None, "--digest: no such folder")])
    for name in ("digest.txt", "digest.html"):
        check_target(folder / name, force=force)


def _write(
    rows, fmt: str, target: Optional[Path], force: bool, *, kept: tuple[str, ...] = (), bom: bool = False
) -> None:
    """Rows to stdout, or to ``target`` (atomically; nothing is replaced without --force)."""
    from marenew.roster import output as writers
    from marenew.store.atomic import atomic_output

    def write_csv(rows, out):
        writers.write_csv(rows, out, kept=kept, bom=bom)

    write = {
        "csv": write_csv,
        "json": writers.write_json,
        "jsonl": writers.write_jsonl,
        "table": lambda rows, out: _write_table(rows, out, kept),
    }[fmt]
    if target is None:
        write(rows, sys.stdout)
        sys.stdout.flush()
        return
    with atomic_output(target, force=force) as out:
        write(rows, out)


def _write_collected(rows: list, o: _Options, fmt: str, targets, kept: tuple[str, ...], day) -> None:
    from marenew.roster.overview import overview
    from marenew.store.atomic import atomic_output

    group = _group_name(o.group_by, kept)
    ov = overview(rows, day, o.warn_days, group)
    target = targets[0][1]
    if o.digest is not None:
        from marenew.roster import digest

        with atomic_output(o.digest / "digest.txt", force=o.force) as out:
            out.write(digest.text(rows, ov, group))
        with atomic_output(o.digest / "digest.html", force=o.force) as out:
            out.write(digest.html(rows, ov, group))
        sys.stderr.write(f"digest written to {o.digest / 'digest.txt'} and {o.digest / 'digest.html'}\n")
    if fmt in WHOLE:
        if fmt == "xlsx":
            from marenew.roster.xlsx import write_xlsx

            def emit(out):
                write_xlsx(rows, out, ov=ov, kept=kept, group_by=group)

            binary = True
        else:
            from marenew.roster.html import render

            def emit(out):
                out.write(render(rows, ov, kept=kept, group_by=group))

            binary = False
        if target is None:
            if binary:
                import io

                buf = io.BytesIO()
                emit(buf)
                sys.stdout.buffer.write(buf.getvalue())
            else:
                emit(sys.stdout)
            sys.stdout.flush()
            return
        with atomic_output(target, force=o.force, binary=binary) as out:
            emit(out)
        return
    if o.budget:
        _write_budget(ov.budget, fmt, target, o.force, bom=_bom(o))
        return
    keyed = [((), row) for row in rows]
    if group and fmt == "table" and target is None:
        from marenew.cli.common import console
        from marenew.roster.output import write_table
        from marenew.roster.sheet import grouped

        screen = console(width=None if sys.stdout.isatty() else 160)
        for g, members in grouped(rows, group).items():
            write_table(iter([((), r) for r in members]), screen, kept=kept, title=f"{group}: {g}")
        return
    if group and target is not None:
        from marenew.roster.sheet import grouped
        from marenew.store.atomic import check_target

        parts = grouped(rows, group)
        paths = _split_paths(target, list(parts))
        for path in paths.values():
            check_target(path, force=o.force)
        for g, members in parts.items():
            _write(iter([((), r) for r in members]), fmt, paths[g], o.force, kept=kept, bom=_bom(o))
        sys.stderr.write(f"{len(paths)} files written, one per {group}: {', '.join(str(p) for p in paths.values())}\n")
        return
    _write(iter(keyed), fmt, target, o.force, kept=kept, bom=_bom(o))


def _write_budget(budget, fmt: str, target: Optional[Path], force: bool, *, bom: bool) -> None:
    import csv
    import io
    import json

    from marenew.core.words import money, plural
    from marenew.store.atomic import atomic_output

    buf = io.StringIO()
    if fmt == "json":
        buf.write(json.dumps(budget.as_json(), indent=2, ensure_ascii=False) + "\n")
    elif fmt == "csv":
        from marenew.roster.output import BOM, csv_cell

        if bom:
            buf.write(BOM)
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(["group", "month", "known_fees", "unknown_fees"])
        for group, per in sorted(budget.groups.items()):
            for month, t in per.items():
                writer.writerow([csv_cell(group), month, f"{t.known:.2f}", t.unknown])
    else:
        totals = budget.month_totals()
        groups = sorted(budget.groups.items())
        buf.write("Fees due per month, next 12 months (known fees; fees not published counted apart)\n")
        for month in budget.months:
            t = totals[month]
            extra = f"  + {plural(t.unknown, 'fee')} not published" if t.unknown else ""
            buf.write(f"  {month}  {money(t.known):>10}{extra}\n")
            if len(groups) > 1:
                for group, per in groups:
                    g = per[month]
                    if g.known or g.unknown:
                        more = f" + {g.unknown} unknown" if g.unknown else ""
                        buf.write(f"      {group}: {money(g.known)}{more}\n")
        total = budget.total()
        buf.write(
            f"  total    {money(total.known):>10}"
            + (f"  + {plural(total.unknown, 'fee')} not published" if total.unknown else "")
            + "\n"
        )
    if target is None:
        sys.stdout.write(buf.getvalue())
        sys.stdout.flush()
        return
    with atomic_output(target, force=force) as out:
        out.write(buf.getvalue())


def _only(value: Optional[str]) -> Optional[frozenset[str]]:
    if value is None:
        return None
    wanted = {v.strip().lower() for v in value.split(",") if v.strip()}
    bad = sorted(wanted - set(STATUSES))
    if bad or not wanted:
        raise typer.BadParameter(
            f"unknown status {', '.join(bad) or '(none given)'}; choose from {', '.join(STATUSES)}", param_hint="--only"
        )
    return frozenset(wanted)


def _write_table(rows, out, kept: tuple[str, ...] = ()) -> None:
    from marenew.cli.common import console
    from marenew.roster.output import write_table

    # a terminal's own width; a file or pipe gets a fixed one, so nothing is cut short
    terminal = hasattr(out, "isatty") and out.isatty()
    write_table(rows, console(file=out, width=None if terminal else 160), kept=kept)


# --- progress on stderr -----------------------------------------------------------------------


class _NoProgress:
    def phase(self, name, total) -> None: ...

    def update(self, done) -> None: ...

    def advance(self, n=1) -> None: ...

    def stop(self) -> None: ...


class _RichProgress(_NoProgress):
    """A rich progress bar that appears only once the run has taken more than a moment."""

    DELAY = 1.0

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.bar: Any = None
        self.task: Any = None
        self.name, self.total, self.done = "", None, 0.0

    def _show(self) -> None:
        if self.bar is None:
            if time.monotonic() - self.started < self.DELAY:
                return
            from rich.progress import (
                BarColumn,
                Progress,
                TaskProgressColumn,
                TextColumn,
                TimeElapsedColumn,
            )

            from marenew.cli.common import console

            self.bar = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                TaskProgressColumn(),
                TimeElapsedColumn(),
                console=console(stderr=True),
                transient=True,
            )
            # Its refresh thread never takes Ctrl-C or SIGTERM, so they reach the main thread,
            # which holds them back around each fork of a worker (roster.forks).
            old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
            try:
                self.bar.start()
            finally:
                signal.pthread_sigmask(signal.SIG_SETMASK, old)
            self.task = self.bar.add_task(self.name, total=self.total, completed=self.done)
        else:
            self.bar.update(self.task, description=self.name, total=self.total, completed=self.done)

    def phase(self, name, total) -> None:
        self.name, self.total, self.done = name, total, 0.0
        self._show()

    def update(self, done) -> None:
        self.done = done
        self._show()

    def advance(self, n=1) -> None:
        self.done += n
        self._show()

    def stop(self) -> None:
        if self.bar is not None:
            self.bar.stop()


def _progress() -> Progress:
    return _RichProgress() if sys.stderr.isatty() else _NoProgress()  # type: ignore[return-value]
