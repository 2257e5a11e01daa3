"""Running a roster: batches of people over worker processes, sorted runs, one merged stream of rows.

CSV input: the main process reads each file once (``reader``). The people file is held in memory
(one record per person and credential; each person's records packed as they will travel,
``packed``). When the credits file is grouped by person, as exports and the benchmark's files
are, it is streamed: each person's credits are collected as they pass and whole people go to the
workers in batches, with no spill file. In a block of plain lines the main process reads only
the lines of the people at its two ends; the text of the lines in between goes to a worker as it
was read (``Chunk``), and the worker splits the lines and finds their people in the people
records it was forked with (``_chunk_rows``), as the main process would have: splitting and
reading every line was most of the main process's work. At the first credit record of a person
whose credits have already passed (met by the main process, or by a worker in its chunks), the
file is known not to be grouped; the batches judged so far are dropped, and every credit record
(those read so far are read again, once) is spilled into partitions by person, which the
workers then judge. Credential files: each worker loads and judges a share of
the files, file by file. Each batch's rows are written as a sorted run; the main process merges
the runs into the output. On Linux the workers are forked once, with the rules loaded, and each
batch is pickled to one of them (``forks``; a person's records travel as the lines read, so a
batch pickles at the speed of copying it); elsewhere a pool of spawned workers loads the rules
once each. Never per record.

Memory: the main process holds the people records and a few batches in flight; a worker holds
one batch or partition and its rows.
"""

from __future__ import annotations

import contextlib
import gc
import itertools
import math
import multiprocessing
import os
import signal
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from operator import itemgetter
from pathlib import Path
from typing import Any

from marenew.load.credentials import load_credentials
from marenew.load.problems import InputError
from marenew.load.rules import RuleSet, load_rules

from .columns import CREDITS, PEOPLE, PERSON_ID, nfc, partition_key, zero_hint
from .forks import Forks
from .packed import Chunk, LineRun, PersonRecords, Record, SplitLines, as_lines, pack_parts, unpack
from .reader import CsvFile, LineForm, PlainBlock, PlainLines, unfilled
from .records import Context, Settings, holder_rows, line_rows, orphan_row, person_rows
from .rows import Keyed, error_row, is_error
from .spill import (
    Partitions,
    merged,
    read_chunks,
    read_run,
    warn_unknown_columns,
    write_run,
)
from .summary import Tally

PARTITION_BYTES = 4 * 1024 * 1024  # credits CSV bytes per partition: ~50,000 credit rows
FILES_PER_PARTITION = 500


@dataclass(frozen=True)
class Job:
    """Everything a worker needs besides the rules (which it loads once)."""

    settings: Settings
    only: frozenset[str] | None  # statuses to write; None: all. Error rows are always written.
    people_file: str = "people.csv"
    credits_file: str = "credits.csv"
    # csv, json or jsonl: the workers write each row to its run as its text in that format
    # (output.as_text), for a writer that copies the rows out as they come; None: as dicts.
    text: str | None = None


class Progress:
    """What the runner reports; the CLI draws it (or not)."""

    def phase(self, name: str, total: float | None) -> None: ...

    def update(self, done: float) -> None: ...

    def advance(self, n: float = 1) -> None: ...

    def stop(self) -> None: ...


# --- the worker side --------------------------------------------------------------------------

_WORKER: tuple[Context, Job] | None = None


def _install(rules: RuleSet, job: Job) -> None:
    global _WORKER
    # rows written as CSV text (``_finish``) are made with only what their records show
    settings = replace(job.settings, records=True) if job.text == "csv" else job.settings
    _WORKER = (Context(rules, settings, job.people_file, job.credits_file), job)


def _init_worker(rule_dirs: list[Path], job: Job, token: int) -> None:
    """Runs once in each worker. On fork the parent's rules are already here (same token);
    elsewhere they are loaded once, from the same folders."""
    # Ctrl-C reaches the whole process group: the main process stops the workers (SIGTERM, whose
    # default action ends them quietly), so a worker prints no traceback of its own.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    # SIGTERM was blocked across the fork (see Pool): one sent meanwhile now ends the worker quietly
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})
    if _WORKER is not None and id(_WORKER[1]) == token:
        return
    _install(load_rules(rule_dirs), job)


def _finish(rows: list[Keyed], tally: Tally, job: Job | None, run: Path) -> Tally:
    """Count the rows, keep those asked for (--only), and write them as a sorted run (as text in
    the output format when the job says so)."""
    for _, row in rows:
        tally.count(row)
    if job is not None and job.only is not None:
        rows = [kr for kr in rows if is_error(kr[1]) or kr[1]["status"] in job.only]
    tally.shown = len(rows)
    if job is not None and job.text is not None:
        from .output import as_text

        write_run(run, as_text(rows, job.text, job.settings.kept))
    else:
        write_run(run, rows)
    return tally


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """The cyclic garbage collector paused while one batch is judged. Judging makes millions of
    short-lived objects without cycles (freed by their reference counts), and the collector would
    walk them, and everything the batch holds, again and again (about a tenth of the time). A
    batch is bounded, so whatever cycles it leaves are bounded too; they are collected after it."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


@contextlib.contextmanager
def collector_rarely(threshold: int = 100_000) -> Iterator[None]:
    """The cyclic garbage collector run rarely in the main process of a roster. It reads, hands out
    and merges millions of records and rows, none with cycles, and at Python's default (a
    collection every 700 new objects) the collector walked them, and the people records held for
    the whole run, again and again: a fifth of the main process's CPU while reading, three
    quarters of it while merging the runs. It still runs, every ``threshold`` new objects, over
    what was made since the last worker was forked (``Forks`` freezes what the main process holds
    at each fork, until the run ends)."""
    old = gc.get_threshold()
    gc.set_threshold(threshold, *old[1:])
    try:
        yield
    finally:
        gc.set_threshold(*old)


def judge_people(batch: list[tuple[str, PersonRecords, PersonRecords] | Chunk], run: str) -> Tally:
    """Judge whole people: (person_id, people records, credit records), each as they travel
    (``packed``), in file order, or the people in a chunk of plain lines (``_chunk_rows``)."""
    assert _WORKER is not None
    ctx, job = _WORKER
    tally = Tally()
    rows: list[Keyed] = []
    met: set[str] = set()  # the people of the chunks so far
    with collector_paused():
        for item in batch:
            if type(item) is Chunk:
                before = len(tally.judged)
                rows += _chunk_rows(item, ctx, tally)
                met.update(tally.judged[before:])
                if len(met) < len(tally.judged):
                    break  # someone met twice: the file is not grouped, and the batch is not used
                continue
            pid, packed_people, credits = item  # type: ignore[misc]
            people = unpack(packed_people)
            tally.people += 1
            tally.records += len(people)
            found_rows, rejected = person_rows(pid, people, credits, ctx)
            rows += found_rows
            tally.rejected_credits += rejected
        tally = _finish(rows, tally, job, Path(run))
        rows.clear()  # freed while the collector is paused: resumed, it would walk them all once
    return tally


# The people records of the roster being read (``_People.records``), for the people a worker
# finds in a chunk: set before the workers are forked, which then hold them as the main process
# does, or in the one process when it judges alone.
_PEOPLE: dict[str, PersonRecords] = {}
# (people records, partition_key -> person_id of each), made at the first orphan (``orphan_hint``)
_HINTS: tuple[dict[str, PersonRecords], dict[str, str]] | None = None


def _chunk_rows(chunk: Chunk, ctx: Context, tally: Tally) -> list[Keyed]:
    """The rows of a chunk of plain lines, read as the main process reads them (``reader`` and
    ``_stream_tasks``): each run of lines with one person_id is a person of the people file, whose
    credits are those lines, or else each line is an orphan (``_Local.orphan``), or blank. A line
    of another width than the header's is a record that could not be read, as ever. The
    person_ids found are noted in ``tally.judged``: whether the file is grouped is decided where
    every chunk is seen. Each person's lines are split when their turn comes (split all at once,
    a chunk's cells would be judged out of the processor's caches)."""
    form = chunk.form
    lines = chunk.text.split("\n")
    rows: Iterable[list[str]] = line_rows(lines, form)
    at = form.index[PERSON_ID]
    cell_of: Callable[[list[str]], str] = itemgetter(at)
    if not form.canonical and min(map(len, rows), default=at + 1) <= at:
        cell_of = _cell_or_none(at)  # a line cut short before its person_id's cell
    out: list[Keyed] = []
    pid: str | None = None  # the person whose lines are passing, from line ``start`` of the chunk on
    mine: list[list[str]] = []
    start = index = 0
    # runs of one person_id cell; cells that differ but read as one person_id (spaces around it)
    # are one person, as in the main process
    for cell, run in itertools.groupby(rows, cell_of):
        found = list(run)
        this = cell.strip()
        if not this.isascii():
            plain = _plain_width(form)
            if not all(map(plain, found)):
                # the reader leaves the person_id of a line it could not read as it is: line by line
                for row in found:
                    this = nfc(cell.strip()) if plain(row) else cell.strip()
                    if this == pid:
                        mine.append(row)
                    else:
                        if pid is not None:
                            out += _chunk_person(pid, chunk, start, lines[start:index], mine, ctx, tally)
                        pid, mine, start = this, [row], index
                    index += 1
                continue
            this = nfc(this)
        if this == pid:
            mine += found
        else:
            if pid is not None:
                out += _chunk_person(pid, chunk, start, lines[start:index], mine, ctx, tally)
            pid, mine, start = this, found, index
        index += len(found)
    if pid is not None:
        out += _chunk_person(pid, chunk, start, lines[start:index], mine, ctx, tally)
    return out


def _cell_or_none(at: int) -> Callable[[list[str]], str]:
    """A line's cell ``at``, or an empty one when the line is cut short before it (as the reader
    reads its person_id)."""
    return lambda row: row[at] if len(row) > at else ""


def _plain_width(form: LineForm) -> Callable[[list[str]], bool]:
    """Whether a line split by ``records.line_rows`` has the header's number of cells."""
    if form.canonical:
        delimiter, rest = form.delimiter, form.width - 4
        return lambda row: len(row) == 4 and row[3].count(delimiter) == rest
    cells = form.width + form.pad
    return lambda row: len(row) == cells


def _chunk_person(
    pid: str, chunk: Chunk, start: int, lines: list[str], rows: list[list[str]], ctx: Context, tally: Tally
) -> list[Keyed]:
    """The rows of one run of lines of a chunk with one person_id (``_chunk_rows``)."""
    people, first, form = _PEOPLE, chunk.first + start, chunk.form
    if pid and pid in people:
        records = unpack(people[pid])
        tally.people += 1
        tally.records += len(records)
        tally.judged.append(pid)
        found, rejected = person_rows(pid, records, SplitLines(first, lines, rows, form), ctx)
        tally.rejected_credits += rejected
        return found
    hint = orphan_hint(pid, people)
    out = []
    for (line, cells), text in zip(form.records(first, lines), lines):
        unread = isinstance(cells, str)  # why the line could not be read
        if not pid and unfilled(text.split(form.delimiter) if unread else cells):
            tally.blank += 1
            continue
        out.append(orphan_row(pid, line, ctx, cells if isinstance(cells, str) else None, hint))
        tally.rejected_credits += 1
    return out


def _forget_people() -> None:
    """Let the people records of a roster read go (its workers have ended)."""
    global _PEOPLE, _HINTS
    _PEOPLE, _HINTS = {}, None


def orphan_hint(pid: str, people: dict[str, PersonRecords]) -> str | None:
    """For a credit record whose person_id is not in the people file: where a spreadsheet dropped
    the leading zeros of an id, say so."""
    global _HINTS
    if not pid:
        return None
    if _HINTS is None or _HINTS[0] is not people:
        _HINTS = people, {partition_key(p): p for p in people if p}
    return zero_hint(pid, _HINTS[1])


def judge_partition(people_part: str, credits_part: str, run: str) -> Tally:
    """Judge one spilled partition: its people and their credits, each in file order."""
    people: dict[str, list] = {}
    for chunk in read_chunks(Path(people_part)):
        for line, pid, found in chunk:
            people.setdefault(pid, []).append((line, found))
    credits: dict[str, list] = {pid: [] for pid in people}
    for chunk in read_chunks(Path(credits_part)):
        for line, pid, found in chunk:
            credits[pid].append((line, found))
    return judge_people([(pid, records, credits[pid]) for pid, records in people.items()], run)


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
            rows.append(error_row(name, exc.errors or exc.problems, as_of=ctx.settings.as_of))
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
    """Tasks over worker processes, or in this process for ``jobs == 1``. On Linux, workers forked
    once with the rules loaded (``forks``); elsewhere, a pool of spawned workers that load the
    rules once."""

    def __init__(self, jobs: int, rules: RuleSet, rule_dirs: list[Path], job: Job):
        _install(rules, job)  # before forking: the workers inherit it
        self.jobs = jobs
        self.pool = None
        self.forks: Forks | None = None
        if jobs > 1 and _context().get_start_method() == "fork":
            self.forks = Forks(jobs)
        elif jobs > 1:
            old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})  # see Forks._start
            try:
                self.pool = _context().Pool(jobs, _init_worker, (rule_dirs, job, id(job)))
            finally:
                signal.pthread_sigmask(signal.SIG_SETMASK, old)

    def run(self, fn, tasks: Iterable[tuple]) -> Iterator[tuple[tuple, Tally]]:
        """(task, result) as tasks finish, in any order. ``tasks`` is drawn lazily, a few tasks
        ahead of the workers, so that a reader producing them is held back (bounded memory). If
        drawing a task fails, the tasks already started are waited for first."""
        if self.forks is not None:
            yield from self.forks.run(fn, tasks)
            return
        if self.pool is None:
            for args in tasks:
                yield args, fn(*args)
            return
        ahead = 2 * self.jobs
        pending: deque = deque()
        source = iter(tasks)
        exhausted = False
        while True:
            while not exhausted and len(pending) < ahead:
                try:
                    args = next(source)
                except StopIteration:
                    exhausted = True
                    break
                except (KeyboardInterrupt, SystemExit):
                    raise  # stopping: the pool is stopped on the way out, its tasks with it
                except BaseException:
                    for _, res in pending:
                        res.wait()
                    raise
                pending.append((args, self.pool.apply_async(fn, args)))
            if not pending:
                return
            pending[0][1].wait(0.1)  # no busy loop: wait on the oldest, then collect all finished
            still: deque = deque()
            for args, res in pending:
                if res.ready():
                    yield args, res.get()
                else:
                    still.append((args, res))
            pending = still

    def close(self) -> None:
        forks, self.forks = self.forks, None
        if forks is not None:
            forks.close()
        pool, self.pool = self.pool, None
        if pool is None:
            return
        stopping = isinstance(sys.exc_info()[1], (KeyboardInterrupt, SystemExit))
        workers = list(pool._pool)  # noqa: SLF001 - see _stop
        if stopping or any(w.exitcode is not None for w in workers):
            _stop(pool)
            return
        pool.terminate()
        pool.join()


def _stop(pool) -> None:
    """Stop a pool after Ctrl-C or SIGTERM. A signal to the process group may kill a worker while
    it holds the task queue's lock (an idle worker waits for its next task holding it), and
    ``Pool.terminate`` would then wait for that lock forever: instead the worker handler is told
    to start no replacement, every worker is killed at once and the pool's own finalizer is
    cancelled. The workers hold nothing that needs cleaning: their run files are in the spill
    folder, which the caller removes."""
    from multiprocessing.pool import TERMINATE

    handler = pool._worker_handler  # noqa: SLF001 - no public way to stop the pool without that lock
    handler._state = TERMINATE  # noqa: SLF001
    with contextlib.suppress(Exception):
        pool._change_notifier.put(None)  # noqa: SLF001 - wake the handler so that it sees the state
    handler.join(2)
    for worker in pool._pool:  # noqa: SLF001
        if worker.exitcode is None:
            worker.kill()
    for worker in pool._pool:  # noqa: SLF001
        worker.join(5)
    pool._terminate.cancel()  # noqa: SLF001 - its terminate would wait for the lost lock at exit


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


class NotGrouped(Exception):
    """The credits file is not grouped by person: a person's credits came back after another's."""


@dataclass
class _People:
    """The people file, read once: each person's records in file order (first appearance first),
    held as they travel to a worker (``packed``: a few objects a person where the records'
    cells are about ten, which at 760,000 people is hundreds of megabytes, and as many objects
    to pickle)."""

    records: dict[str, PersonRecords]
    count: int  # records, blank ones excepted
    blank: int


def _read_people(people: CsvFile) -> _People:
    """Most people are one plain line: held as it will travel from the moment it is read
    (``as_lines``), without a step per person in between. Someone met again collects parts, as
    a person's credits do (``_parts``), packed once the file is read."""
    by_pid: dict[str, Any] = {}  # person_id -> their one plain line as it travels, or their parts
    count = blank = 0
    with people:
        form = people.line_form()
        for item in people.records(lines=True):
            if type(item) is PlainLines:
                count += len(item.lines)
                for pid, line, text in zip(item.pids, itertools.count(item.first), item.lines):
                    if pid in by_pid:
                        _add_part(by_pid, pid, LineRun(line, [text]))
                    else:
                        by_pid[pid] = as_lines(line, text, form)
                continue
            line, pid, found = item  # type: ignore[misc]
            if found is None:
                blank += 1
            else:
                count += 1
                _add_part(by_pid, pid, (line, found))
    for pid, mine in by_pid.items():
        if type(mine) is list:
            by_pid[pid] = pack_parts(mine, form)  # in place: one copy held
    return _People(by_pid, count, blank)


def _add_part(by_pid: dict[str, Any], pid: str, part: Record | LineRun) -> None:
    mine = by_pid.get(pid)
    if mine is None:
        by_pid[pid] = [part]
    elif type(mine) is tuple:  # their one plain line so far, as it travels: a part again
        first, text, _ = mine
        by_pid[pid] = [LineRun(first, [text]), part]
    else:
        mine.append(part)


def run_csv(
    people: Path,
    credits: Path | None,
    *,
    rules: RuleSet,
    rule_dirs: list[Path],
    job: Job,
    jobs: int,
    folder: Path,
    sort: bool,
    partitions: int | None = None,
    progress: Progress | None = None,
) -> Outcome:
    """Read the people file, then stream the credits file (see the module's docstring). Raises
    InputError when a file cannot be opened or has no usable header."""
    progress = progress or Progress()
    reading = job.settings
    people_file = CsvFile(people, PEOPLE, job.people_file, column_map=reading.column_map, keep=reading.kept)
    credits_file = None
    try:
        warn_unknown_columns(people_file.header, job.people_file)
        if credits is not None:
            credits_file = CsvFile(credits, CREDITS, job.credits_file, column_map=reading.column_map)
            warn_unknown_columns(credits_file.header, job.credits_file)
        progress.phase("reading", None)
        found = _read_people(people_file)
    except BaseException:
        people_file.close()
        if credits_file is not None:
            credits_file.close()
        raise
    ctx = Context(rules, job.settings, job.people_file, job.credits_file)
    tally = Tally()
    pool = Pool(jobs, rules, rule_dirs, job)
    rows = _csv_rows(pool, found, credits, credits_file, ctx, folder, sort, partitions, progress, tally)
    return Outcome(tally, rows, pool)


def _csv_rows(
    pool: Pool,
    people: _People,
    credits: Path | None,
    credits_file: CsvFile | None,
    ctx: Context,
    folder: Path,
    sort: bool,
    partitions: int | None,
    progress: Progress,
    tally: Tally,
) -> Iterator[Keyed]:
    """Judge everyone (streamed, or spilled when the credits file is not grouped); then the rows,
    merged into urgency order or run by run. Closes the pool and the credits file."""
    try:
        progress.phase("evaluating", len(people.records))
        batch_people = math.ceil(len(people.records) / partitions) if partitions else None
        done = Tally()
        runs: list[Path] = []
        try:
            # whole chunks of lines go to workers that hold the people records: forked, or this
            # process; and only where batches are counted in credit records, not in people
            stream = _Stream(people, folder, whole=pool.pool is None and batch_people is None, jobs=pool.jobs)
            tasks = _stream_tasks(people, credits_file, ctx, folder, batch_people, done, runs, stream)
            for args, part in itertools.chain(
                pool.run(judge_people, tasks), pool.run(judge_people, stream.without_credits(batch_people))
            ):
                stream.judged(part.judged)
                part.judged = []
                done.add(part)
                runs.append(Path(args[1]))
                progress.advance(part.people)
        except NotGrouped:
            assert credits is not None
            if credits_file is not None:
                credits_file.close()
            progress.phase("evaluating", len(people.records))
            done, runs = _spilled(pool, people, credits, ctx, folder, partitions, progress)
        finally:
            if credits_file is not None:
                credits_file.close()
    finally:
        pool.close()
        _forget_people()
    tally.add(done)
    yield from merged(runs, folder) if sort else itertools.chain.from_iterable(read_run(r) for r in runs)


BATCH_CREDITS = 50_000  # credit records per batch of people sent to a worker, at least
LAST_BATCH_CREDITS = 5_000  # and at least this many as the file's end nears (``tapered``)
# Batches grow with the roster (a credit record for every five people): each batch is a sorted run
# that the main process merges at the end, and this keeps them to about 150 at 760,000 people.
PEOPLE_PER_BATCH_CREDIT = 5
LOCAL_ROWS = 50_000  # error rows the main process writes per run


class _Local:
    """Error rows that need no rules (orphan credit records, people without a person_id), written
    as runs by the main process."""

    def __init__(self, ctx: Context, folder: Path, name: str, done: Tally, runs: list[Path], people: _People):
        self.ctx, self.folder, self.name, self.done, self.runs = ctx, folder, name, done, runs
        self.rows: list[Keyed] = []
        self.people = people

    def no_pid(self, people: _People) -> None:
        packed = people.records.get("")
        if packed is not None:  # one error row per people record without a person_id
            empty = unpack(packed)
            self.done.people += 1
            self.done.records += len(empty)
            # a record that could not be read at all says why, not that its person_id is empty
            self.rows += [
                error_row(
                    "",
                    [
                        _problem(self.ctx.people_file, line, found, None)
                        if isinstance(found, str)
                        else _problem(self.ctx.people_file, line, "person_id is empty", "person_id")
                    ],
                    as_of=self.ctx.settings.as_of,
                )
                for line, found in empty
            ]

    def orphan(self, pid: str, line: int, found: tuple[str, ...] | str) -> None:
        """A credit record whose person is not in the people file, or that has no person_id."""
        # a record that could not be read says why (also without a person_id)
        self.rows.append(
            orphan_row(
                pid, line, self.ctx, found if isinstance(found, str) else None, orphan_hint(pid, self.people.records)
            )
        )
        self.done.rejected_credits += 1
        if len(self.rows) >= LOCAL_ROWS:
            self.flush()

    def flush(self) -> None:
        if not self.rows:
            return
        run = self.folder / f"{self.name}-{len(self.runs):05d}.run"
        tally = Tally()
        self.done.add(_finish(self.rows, tally, None, run))
        self.runs.append(run)
        self.rows = []


class _Stream:
    """What the stream of tasks and the results of its chunks share: the people whose credits have
    not passed yet, and those who had none once every credit record has passed."""

    def __init__(self, people: _People, folder: Path, *, whole: bool, jobs: int):
        self.people, self.folder, self.jobs = people, folder, jobs
        # credit lines a batch holds, at least (fewer near the file's end: ``tapered``)
        self.batch_credits = max(BATCH_CREDITS, len(people.records) // PEOPLE_PER_BATCH_CREDIT)
        self.remaining = dict(people.records)  # people whose credits have not passed yet
        self.remaining.pop("", None)
        self.whole = whole  # the people inside a block of plain lines go to a worker as a Chunk
        self.names = itertools.count()  # of the batches' runs
        # a person met a second time: the file is not grouped. Raised where the next task is
        # drawn, so that the tasks already started are waited for first (``Pool.run``).
        self.twice: str | None = None

    def judged(self, pids: list[str]) -> None:
        """People a worker found in a chunk: their credits have passed. One met a second time
        (a chunk or the main process had them already) shows the file is not grouped."""
        remaining = self.remaining
        for pid in pids:
            if remaining.pop(pid, None) is None and self.twice is None:
                self.twice = pid

    def check(self) -> None:
        if self.twice is not None:
            raise NotGrouped(self.twice)

    def task(self, batch: list) -> tuple:
        return batch, str(self.folder / f"batch-{next(self.names):05d}.run")

    def without_credits(self, batch_people: int | None) -> Iterator[tuple]:
        """Tasks for the people none of whose credit records came: drawn once every chunk has
        been judged (``_csv_rows``), when the people still remaining are known; shared among the
        workers, which have nothing else left to do."""
        self.check()
        batch: list[tuple[str, PersonRecords, PersonRecords]] = []
        most = batch_people or min(self.batch_credits, -(-len(self.remaining) // max(self.jobs, 1)))
        for pid in list(self.remaining):
            batch.append((pid, self.remaining.pop(pid), []))
            if len(batch) >= most:
                yield self.task(batch)
                batch = []
        if batch:
            yield self.task(batch)


def _stream_tasks(
    people: _People,
    credits_file: CsvFile | None,
    ctx: Context,
    folder: Path,
    batch_people: int | None,
    done: Tally,
    runs: list[Path],
    stream: _Stream,
) -> Iterator[tuple]:
    """judge_people tasks, each a batch of whole people, made while the credits file is read.
    Raises NotGrouped at the first credit record of a person whose credits have passed. The
    people without credits are left in ``stream`` (``_Stream.without_credits``)."""
    global _PEOPLE
    _PEOPLE = people.records  # before the first task: the workers are forked with it
    remaining = stream.remaining
    local = _Local(ctx, folder, "local", done, runs, people)
    local.no_pid(people)
    done.blank += people.blank
    batch: list[tuple[str, PersonRecords, PersonRecords] | Chunk] = []
    size = 0
    most = stream.batch_credits  # credit lines in the batch being made
    taken = 0  # credit lines in the batches made so far

    form = credits_file.line_form() if credits_file is not None else None

    def add(pid: str, mine: list[Record | LineRun]) -> bool:
        nonlocal size
        batch.append((pid, remaining.pop(pid), pack_parts(mine, form) if form is not None else []))
        if len(mine) == 1 and type(mine[0]) is LineRun:  # the usual person: one run of lines
            size += len(mine[0].lines) + 1
        else:
            size += sum(len(part.lines) if type(part) is LineRun else 1 for part in mine) + 1
        return len(batch) >= batch_people if batch_people else size >= most

    def task() -> tuple:
        nonlocal batch, size, most, taken
        out = stream.task(batch)
        taken += size
        batch, size = [], 0
        if credits_file is not None:
            most = tapered(stream.batch_credits, taken, credits_file.bytes_read(), stream.jobs)
        return out

    if credits_file is not None and form is not None:
        pid: str | None = None  # the person whose credits are passing
        mine: list[Record | LineRun] = []
        for rpid, part in _parts(credits_file, done, form, whole=stream.whole):
            stream.check()
            if isinstance(part, Chunk):  # whole people, none of them the one passing
                if pid is not None and add(pid, mine):
                    yield task()
                pid = None
                batch.append(part)
                size += part.count
                if size >= most:
                    yield task()
                continue
            if rpid != pid:
                if pid is not None and add(pid, mine):
                    yield task()
                pid = None
                if rpid in remaining:
                    pid, mine = rpid, []
                elif rpid and rpid in people.records:
                    raise NotGrouped(rpid)
            if pid is not None:
                mine.append(part)
            elif type(part) is LineRun:
                for line, found in part.records(form):
                    local.orphan(rpid, line, found)
            else:
                local.orphan(rpid, *part)  # type: ignore[misc]
        if pid is not None and add(pid, mine):
            yield task()
    if batch:
        yield task()
    local.flush()


def tapered(most: int, taken: int, read: tuple[int, int] | None, jobs: int) -> int:
    """The credit lines of the next batch: ``most``, until the lines left to read (told by the
    bytes left, at the lines a byte so far) would make fewer than two batches a worker; then half
    a worker's share of them, down to LAST_BATCH_CREDITS. The last batches are small, so the
    workers finish them at about the same time: the people without credits, and the merge of the
    runs, wait for every batch, and one worker would otherwise sit out most of another's last."""
    if read is None or not taken or read[0] <= 0:
        return most
    done, size = read
    left = taken * max(size - done, 0) / done
    return max(LAST_BATCH_CREDITS, min(most, int(left / (2 * max(jobs, 1)))))


def _parts(
    credits: CsvFile, done: Tally, form: LineForm, *, whole: bool = False
) -> Iterator[tuple[str, Record | LineRun | Chunk]]:
    """(person_id, part) of the credits file in order: each record, or each run of one person's
    plain lines; a blank record is counted and left out. With ``whole``, the lines of the people
    inside a block of plain lines are one part, a Chunk, whose person_ids are read where it is
    judged (its person_id here is empty)."""
    for item in credits.records(lines=True, whole=whole):
        if type(item) is PlainBlock:
            first, lead = item.first, len(item.lead_lines)
            yield item.lead, LineRun(first, item.lead_lines)
            if item.middle_count:
                yield "", Chunk(first + lead, item.middle, item.middle_count, form)
            if item.tail_lines:
                yield item.tail, LineRun(first + lead + item.middle_count, item.tail_lines)
            continue
        if type(item) is PlainLines:
            for pid, first, lines in item.runs():
                yield pid, LineRun(first, lines)
            continue
        line, pid, found = item  # type: ignore[misc]
        if found is None:
            done.blank += 1
        else:
            yield pid, (line, found)


def _spilled(
    pool: Pool, people: _People, credits: Path, ctx: Context, folder: Path, partitions: int | None, progress: Progress
) -> tuple[Tally, list[Path]]:
    """The credits file is not grouped by person: spill both files' records into partitions by
    person, then judge the partitions. The credits file is read from its start again: the records
    read before the first one out of place are the only ones ever read twice."""
    parts = partitions or partitions_for(credits.stat().st_size, pool.jobs)
    folder = folder / "spill"
    folder.mkdir()
    done = Tally(blank=people.blank)
    runs: list[Path] = []
    local = _Local(ctx, folder, "local", done, runs, people)
    local.no_pid(people)
    people_parts = Partitions([folder / f"people-{p:04d}.part" for p in range(parts)])
    try:
        for pid, records in people.records.items():
            if pid:
                for line, cells in unpack(records):
                    people_parts.add((line, pid, cells))
    finally:
        people_parts.close()
    credit_parts = Partitions([folder / f"credits-{p:04d}.part" for p in range(parts)])
    try:
        with CsvFile(credits, CREDITS, ctx.credits_file, column_map=ctx.settings.column_map) as again:
            for record in again.records():
                line, pid, found = record
                if found is None:
                    done.blank += 1
                elif pid and pid in people.records:
                    credit_parts.add(record)
                else:
                    local.orphan(pid, line, found)
    finally:
        credit_parts.close()
    local.flush()
    tasks = [
        (str(pp), str(cp), str(folder / f"part-{p:04d}.run"))
        for p, (pp, cp) in enumerate(zip(people_parts.paths, credit_parts.paths))
    ]
    for args, part in pool.run(judge_partition, tasks):
        done.add(part)
        runs.append(Path(args[2]))
        progress.advance(part.people)
    return done, runs


def run_files(
    paths: list[Path],
    *,
    rules: RuleSet,
    rule_dirs: list[Path],
    job: Job,
    jobs: int,
    folder: Path,
    sort: bool,
    partitions: int | None = None,
    progress: Progress | None = None,
) -> Outcome:
    from marenew.load.credentials import iter_credential_paths

    progress = progress or Progress()
    files = [str(p) for p in iter_credential_paths(paths)]
    parts = partitions or max(1, min(len(files), max(2 * jobs, math.ceil(len(files) / FILES_PER_PARTITION))))
    size = math.ceil(len(files) / parts) if files else 0
    tasks = [(files[i : i + size], str(folder / f"{n:04d}.run")) for n, i in enumerate(range(0, len(files), size or 1))]
    tally = Tally()
    pool = Pool(min(jobs, max(1, len(tasks))), rules, rule_dirs, job)
    return Outcome(tally, _stream(pool, file_partition, tasks, progress, tally, folder, sort), pool)


def _stream(
    pool: Pool, fn: Callable, tasks: list[tuple], progress: Progress, tally: Tally, folder: Path, sort: bool
) -> Iterator[Keyed]:
    """Judge every share of the files; unsorted, each run is written out as soon as it is done;
    sorted (urgency order), the runs are merged once all are done. Closes the pool."""
    runs = []
    try:
        progress.phase("evaluating", len(tasks))
        for args, part in pool.run(fn, tasks):
            tally.add(part)
            progress.advance()
            runs.append(Path(args[1]))
            if not sort:
                yield from read_run(runs[-1])
    finally:
        pool.close()
    if sort:
        yield from merged(runs, folder)
