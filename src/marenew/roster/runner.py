"""Running a roster: partitions over worker processes, sorted runs, one merged stream of rows.

CSV input: the main process splits both files into partitions by person (``spill``); each
worker judges whole partitions, one at a time, and writes the partition's rows as a sorted run;
the main process merges the runs into the output. Credential files: each worker loads and judges
a share of the files, file by file, and writes a run the same way. Rules are loaded once per
worker process (inherited on fork, loaded by the initializer elsewhere), never per record.

Memory: a worker holds one partition's records and rows; the main process holds the partition
buffers (``CHUNK`` records each) while splitting and one chunk per run while merging.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from marenew.load.credentials import load_credentials
from marenew.load.problems import InputError
from marenew.load.rules import RuleSet, load_rules

from .columns import CREDITS, PEOPLE
from .records import Context, Settings, holder_rows, orphan_row, person_rows
from .rows import Keyed, error_row, is_error
from .spill import (
    Range,
    cells,
    merged,
    partition_range,
    ranges,
    read_chunks,
    read_header,
    read_run,
    warn_unknown_columns,
    write_run,
)
from .summary import Tally

PARTITION_BYTES = 4 * 1024 * 1024  # credits CSV bytes per partition: ~50,000 credit rows
RANGES_PER_JOB = 2  # byte ranges per worker when splitting a CSV file (evens out the load)
FILES_PER_PARTITION = 500


@dataclass(frozen=True)
class Job:
    """Everything a worker needs besides the rules (which it loads once)."""

    settings: Settings
    only: frozenset[str] | None  # statuses to write; None: all. Error rows are always written.
    people_file: str = "people.csv"
    credits_file: str = "credits.csv"


class Progress:
    """What the runner reports; the CLI draws it (or not)."""

    def phase(self, name: str, total: float | None) -> None: ...

    def update(self, done: float) -> None: ...

    def advance(self, n: float = 1) -> None: ...


# --- the worker side --------------------------------------------------------------------------

_WORKER: tuple[Context, Job] | None = None


def _install(rules: RuleSet, job: Job) -> None:
    global _WORKER
    _WORKER = (Context(rules, job.settings, job.people_file, job.credits_file), job)


def _init_worker(rule_dirs: list[Path], job: Job, token: int) -> None:
    """Runs once in each worker. On fork the parent's rules are already here (same token);
    elsewhere they are loaded once, from the same folders."""
    if _WORKER is not None and id(_WORKER[1]) == token:
        return
    _install(load_rules(rule_dirs), job)


def _finish(rows: list[Keyed], tally: Tally, job: Job, run: Path) -> Tally:
    for _, row in rows:
        tally.count(row)
    if job.only is not None:
        rows = [kr for kr in rows if is_error(kr[1]) or kr[1]["status"] in job.only]
    tally.shown = len(rows)
    write_run(run, rows)
    return tally


def split_range(path: str, header, source: str, rng: Range, parts: int, outputs: list[str]):
    """Phase 1 task: one byte range of a CSV file -> its share of every partition."""
    return partition_range(Path(path), header, source, rng, parts, [Path(p) for p in outputs])


def csv_partition(people_parts: list[str], credit_parts: list[str], run: str, people_header,
                  credits_header) -> Tally:
    """Phase 2 task: judge one partition; its records grouped by person, in people-file order."""
    assert _WORKER is not None
    ctx, job = _WORKER
    tally = Tally()
    people: dict[str, list] = {}
    for path in people_parts:
        for chunk in read_chunks(Path(path)):
            for line, pid, found in cells(chunk, people_header):
                if found is None:
                    tally.blank += 1
                else:
                    people.setdefault(pid, []).append((line, found))
    credits: dict[str, list] = {pid: [] for pid in people}
    tally.people = len(people)
    rows: list[Keyed] = []
    for path in credit_parts:
        for chunk in read_chunks(Path(path)):
            for line, pid, found in cells(chunk, credits_header):
                if found is None:
                    tally.blank += 1
                    continue
                mine = credits.get(pid)
                if mine is None or not pid:  # orphan, or a record without a person_id: one error row each
                    rows.append(orphan_row(pid, line, ctx, found if isinstance(found, str) and pid else None))
                    tally.rejected_credits += 1
                else:
                    mine.append((line, found))
    for pid, records in people.items():
        tally.records += len(records)
        if not pid:
            rows += [error_row("", [_problem(ctx.people_file, line, "person_id is empty", "person_id")])
                     for line, _ in records]
            continue
        found_rows, rejected = person_rows(pid, records, credits.pop(pid), ctx)
        rows += found_rows
        tally.rejected_credits += rejected
    return _finish(rows, tally, job, Path(run))


def _problem(file: str, line: int, message: str, key: str | None = None):
    from marenew.load.problems import Problem

    return Problem(file, line, None, message, key=key)


def file_partition(paths: list[str], run: str) -> Tally:
    """Load and judge credential files one by one; an unusable file is one error row."""
    assert _WORKER is not None
    ctx, job = _WORKER
    rows: list[Keyed] = []
    tally = Tally(people=len(paths))
    for name in paths:
        try:
            loaded = load_credentials(Path(name), ctx.rules, today=ctx.settings.as_of)
        except InputError as exc:
            tally.records += 1
            rows.append(error_row(name, exc.errors or exc.problems))
            continue
        holder, doc = loaded.holder, loaded.document
        tally.records += len(holder.credentials)
        where = [(doc.source, doc.locate(("credentials", i))[0]) for i in range(len(holder.credentials))]
        rows += holder_rows(name, holder, [str(p) for p in loaded.warnings], ctx, where)
    return _finish(rows, tally, job, Path(run))


# --- the main side ----------------------------------------------------------------------------


def default_jobs() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _context():
    # fork: workers start in milliseconds and inherit the loaded rules; elsewhere: spawn
    if sys.platform == "linux" and "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


class Pool:
    """Tasks over worker processes, or in this process for ``jobs == 1``."""

    def __init__(self, jobs: int, rules: RuleSet, rule_dirs: list[Path], job: Job):
        _install(rules, job)  # before forking: the children inherit it
        self.pool = None
        if jobs > 1:
            self.pool = _context().Pool(jobs, _init_worker, (rule_dirs, job, id(job)))

    def run(self, fn, tasks: list[tuple]) -> Iterator[tuple[tuple, Tally]]:
        """(task, result) as tasks finish, in any order."""
        if self.pool is None:
            for args in tasks:
                yield args, fn(*args)
            return
        pending = [(args, self.pool.apply_async(fn, args)) for args in tasks]
        while pending:
            pending[0][1].wait(0.1)  # no busy loop: wait on the oldest, then collect all finished
            still = []
            for args, res in pending:
                if res.ready():
                    yield args, res.get()
                else:
                    still.append((args, res))
            pending = still

    def close(self) -> None:
        if self.pool is not None:
            self.pool.terminate()
            self.pool.join()
            self.pool = None


@dataclass
class Outcome:
    """The rows, as a stream that drives the evaluation, and the tally it fills in. The tally is
    complete once the rows have been read to the end."""

    tally: Tally
    rows: Iterator[Keyed]
    pool: Pool

    def close(self) -> None:
        """Stop the workers, whether or not the rows were read to the end."""
        self.pool.close()


def partitions_for(credits_bytes: int, jobs: int) -> int:
    return max(2 * jobs, math.ceil(credits_bytes / PARTITION_BYTES))


def run_csv(people: Path, credits: Path | None, *, rules: RuleSet, rule_dirs: list[Path], job: Job,
            jobs: int, folder: Path, sort: bool, partitions: int | None = None,
            progress: Progress | None = None) -> Outcome:
    """Phase 1: cut both files into byte ranges and split every range into the partitions, in
    parallel. Phase 2: judge the partitions in parallel (see _stream)."""
    progress = progress or Progress()
    inputs = [(people, PEOPLE, job.people_file, "people")]
    if credits is not None:
        inputs.append((credits, CREDITS, job.credits_file, "credits"))
    headers = {}
    for path, spec, source, stem in inputs:
        headers[stem] = read_header(path, spec, source)  # InputError here: nothing else to do
        warn_unknown_columns(headers[stem][0], source)
    size = credits.stat().st_size if credits is not None else people.stat().st_size
    parts = partitions or partitions_for(size, jobs)
    pool = Pool(jobs, rules, rule_dirs, job)
    try:
        tasks, files = [], {"people": [[] for _ in range(parts)], "credits": [[] for _ in range(parts)]}
        for path, spec, source, stem in inputs:
            header, offset, line = headers[stem]
            for r, rng in enumerate(ranges(path, offset, line, RANGES_PER_JOB * jobs)):
                outputs = [str(folder / f"{stem}-{r:04d}-{p:04d}.part") for p in range(parts)]
                for p in range(parts):
                    files[stem][p].append(outputs[p])
                tasks.append((str(path), header, source, rng, parts, outputs))
        progress.phase("reading", sum(t[3].end - t[3].start for t in tasks))
        records = blank = 0
        problems = []
        for args, (n, b, found) in pool.run(split_range, tasks):
            records += n
            blank += b
            problems += found
            progress.advance(args[3].end - args[3].start)
        if problems:
            raise InputError(sorted(problems, key=lambda p: (p.file, p.line or 0)))
    except BaseException:
        pool.close()
        raise
    for stem in files:  # range order is file order: a person's records stay in file order
        for p in range(parts):
            files[stem][p].sort()
    eval_tasks = [(files["people"][p], files["credits"][p], str(folder / f"{p:04d}.run"), headers["people"][0],
                   headers["credits"][0] if "credits" in headers else None) for p in range(parts)]
    tally = Tally(blank=blank)
    return Outcome(tally, _stream(pool, csv_partition, eval_tasks, progress, tally, folder, sort), pool)


def run_files(paths: list[Path], *, rules: RuleSet, rule_dirs: list[Path], job: Job, jobs: int, folder: Path,
              sort: bool, partitions: int | None = None, progress: Progress | None = None) -> Outcome:
    from marenew.load.credentials import iter_credential_paths

    progress = progress or Progress()
    files = [str(p) for p in iter_credential_paths(paths)]
    parts = partitions or max(1, min(len(files), max(2 * jobs, math.ceil(len(files) / FILES_PER_PARTITION))))
    size = math.ceil(len(files) / parts) if files else 0
    tasks = [(files[i:i + size], str(folder / f"{n:04d}.run")) for n, i in enumerate(range(0, len(files), size or 1))]
    tally = Tally()
    pool = Pool(min(jobs, max(1, len(tasks))), rules, rule_dirs, job)
    return Outcome(tally, _stream(pool, file_partition, tasks, progress, tally, folder, sort), pool)


RUN_ARG = {"csv_partition": 2, "file_partition": 1}  # where each task's run file is among its args


def _stream(pool: "Pool", fn: Callable, tasks: list[tuple], progress: Progress, tally: Tally, folder: Path,
            sort: bool) -> Iterator[Keyed]:
    """Judge every partition; unsorted, each run is written out as soon as it is done; sorted
    (urgency order), the runs are merged once all are done. Closes the pool."""
    try:
        progress.phase("evaluating", len(tasks))
        for args, part in pool.run(fn, tasks):
            tally.add(part)
            progress.advance()
            if not sort:
                yield from read_run(Path(args[RUN_ARG[fn.__name__]]))
    finally:
        pool.close()
    if sort:
        yield from merged([Path(t[RUN_ARG[fn.__name__]]) for t in tasks], folder)
