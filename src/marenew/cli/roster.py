"""`marenew roster`: every medical assistant of an employer at once, most urgent first.

A thin layer: options -> roster.runner (partitions, workers, merge) -> a writer. Heavy imports
stay inside the command so that `marenew --help` starts quickly.
"""

from __future__ import annotations

import sys
import time
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

from marenew.cli.common import (
    AsOfOpt,
    MemberOpt,
    RulesOpt,
    WarnDaysOpt,
    as_of_date,
    command_app,
    guarded,
    rules_dirs,
    safe_text,
)
from marenew.cli.exitcodes import ExitCode
from marenew.core.defaults import WARN_DAYS
from marenew.load.problems import InputError, Problem

if TYPE_CHECKING:
    from marenew.roster.runner import Progress


class Format(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"
    jsonl = "jsonl"


app = command_app()

# Worker processes per core at most: more only adds memory (each worker holds a partition) and
# start-up, never speed, since the work is CPU-bound. A larger --jobs is clamped with a warning.
JOBS_PER_CORE = 2

SUFFIX_FORMAT = {".csv": "csv", ".json": "json", ".jsonl": "jsonl", ".txt": "table"}


@app.command()
def roster(
    paths: Annotated[
        Optional[list[Path]],
        typer.Argument(metavar="PATH", help="Credential files, or folders searched for *.yaml/*.yml.",
                       show_default=False),
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
        typer.Option("--format", "-f", help="Output format (default: table on a terminal, else csv; with -o, "
                                              "from the file's suffix).", show_default=False),
    ] = None,
    output: Annotated[
        Optional[Path], typer.Option("--output", "-o", metavar="FILE",
                                     help="Write the rows to FILE (atomically); `-` means stdout.")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Let -o replace an existing file.")] = False,
    only: Annotated[
        Optional[str],
        typer.Option("--only", metavar="STATUS,...",
                     help="Write only rows with these statuses (active, expiring, grace, lapsed); error rows are "
                          "always written."),
    ] = None,
    jobs: Annotated[
        Optional[int], typer.Option("--jobs", "-j", min=1, metavar="N",
                                    help="Worker processes (default: all cores; at most twice the cores).")
    ] = None,
    unsorted: Annotated[
        bool,
        typer.Option("--unsorted", help="Write each partition's rows as soon as it is done, instead of most urgent "
                                        "first (the first rows arrive sooner; no merge)."),
    ] = False,
    partitions: Annotated[
        Optional[int], typer.Option("--partitions", min=1, hidden=True, help="Partition count (for tests).")
    ] = None,
) -> None:
    """Status of every credential of many holders, most urgent first: lapsed, grace, expiring
    (fewest days left first), then active (earliest expiry first).

    Input: credential files and folders, or two CSV exports (--people, and --credits for CE;
    columns in the docs' Employers page). A bad record becomes an error row; the rest is still judged.
    A summary goes to stderr. Exit 2 when any record had an error, else 1 when any credential
    is expiring, in grace or lapsed, else 0.

    Example: marenew roster --people examples/roster/people.csv --credits examples/roster/credits.csv --as-of 2026-11-29
    """
    with guarded():
        _roster(paths or [], people, credits, as_of, warn_days, member, rules, fmt, output, force, only, jobs,
                unsorted, partitions)


def _roster(paths, people, credits, as_of, warn_days, member, rules, fmt, output, force, only, jobs, unsorted,
            partitions) -> None:
    import tempfile

    from marenew.cli.common import load_ruleset
    from marenew.roster.records import Settings
    from marenew.roster.runner import Job, default_jobs, run_csv, run_files

    if paths and (people or credits):
        raise typer.BadParameter("give credential files/folders or --people/--credits, not both")
    if credits and not people:
        raise typer.BadParameter("--credits needs --people (the staff list the credits belong to)", param_hint="--credits")
    if not paths and not people:
        raise typer.BadParameter("give credential files or folders, or --people people.csv [--credits credits.csv]")
    wanted = _only(only)
    if output is not None and str(output) == "-":  # `-o -`: stdout, as for `calendar -o -`
        output = None
    fmt_name = _format(fmt, output)
    target = output
    if target is not None:
        from marenew.store.atomic import check_target

        check_target(target, force=force)  # refuse before any work

    day = as_of_date(as_of)
    ruleset = load_ruleset(rules)
    job = Job(Settings(day, warn_days, member), wanted,
              people_file=str(people) if people else "people.csv", credits_file=str(credits) if credits else "credits.csv")
    jobs = jobs or default_jobs()
    most = JOBS_PER_CORE * default_jobs()
    if jobs > most:
        sys.stderr.write(f"marenew roster: --jobs {jobs} is more than this machine can use; using {most} "
                         f"({JOBS_PER_CORE} per core, {default_jobs()} cores)\n")
        jobs = most
    progress = _progress()
    with tempfile.TemporaryDirectory(prefix="marenew-roster-") as tmp:
        common = dict(rules=ruleset, rule_dirs=rules_dirs(rules), job=job, jobs=jobs, folder=Path(tmp),
                      sort=not unsorted, partitions=partitions, progress=progress)
        try:
            outcome = run_csv(people, credits, **common) if people else run_files(_credential_files(paths), **common)
            try:
                _write(outcome.rows, fmt_name, target, force)
            finally:
                outcome.close()
        finally:
            progress.stop()
    tally = outcome.tally
    for line in tally.lines(warn_days=warn_days, as_of=day.isoformat(), csv_input=bool(people),
                            filtered=wanted is not None):
        sys.stderr.write(line + "\n")
    if not tally.balanced:
        raise typer.Exit(ExitCode.INTERNAL)
    if people and tally.records == 0 and tally.errors == 0:
        # a header and nothing else is an export that went wrong, not an all-clear (like an empty folder)
        raise InputError([Problem(str(people), None, None, "has a header but no people rows; nothing to judge")])
    if tally.errors:
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


def _only(value: Optional[str]) -> Optional[frozenset[str]]:
    if value is None:
        return None
    from marenew.core.results import STATUSES

    wanted = {v.strip().lower() for v in value.split(",") if v.strip()}
    bad = sorted(wanted - set(STATUSES))
    if bad or not wanted:
        raise typer.BadParameter(f"unknown status {', '.join(bad) or '(none given)'}; choose from "
                                 f"{', '.join(STATUSES)}", param_hint="--only")
    return frozenset(wanted)


def _format(fmt: Optional[Format], output: Optional[Path]) -> str:
    if fmt is not None:
        return fmt.value
    if output is not None:
        return SUFFIX_FORMAT.get(output.suffix.lower(), "csv")
    return "table" if sys.stdout.isatty() else "csv"


def _write(rows, fmt: str, target: Optional[Path], force: bool) -> None:
    """Rows to stdout, or to ``target`` (atomically; nothing is replaced without --force)."""
    from marenew.roster import output as writers
    from marenew.store.atomic import atomic_output

    write = {"csv": writers.write_csv, "json": writers.write_json, "jsonl": writers.write_jsonl,
             "table": _write_table}[fmt]
    if target is None:
        write(rows, sys.stdout)
        sys.stdout.flush()
        return
    with atomic_output(target, force=force) as out:
        write(rows, out)


def _write_table(rows, out) -> None:
    from marenew.cli.common import console
    from marenew.roster.output import write_table

    # a terminal's own width; a file or pipe gets a fixed one, so nothing is cut short
    terminal = hasattr(out, "isatty") and out.isatty()
    write_table(rows, console(file=out, width=None if terminal else 160))


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

            self.bar = Progress(TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(),
                                TimeElapsedColumn(), console=console(stderr=True), transient=True)
            self.bar.start()
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
