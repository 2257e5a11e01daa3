"""Spill files: CSV records partitioned by person, and sorted runs of output rows.

A CSV file is cut into byte ranges at record boundaries (``ranges``), so that several processes
can read it at once. Each range is read once: the canonical cells of every record, with its line
number, are appended to the partition ``crc32(person_id) % parts`` in pickled chunks. Every
record of a person lands in the same partition of both files, so a partition can be judged on
its own, and memory holds one partition, not the whole file. A run is one partition's output
rows sorted by their compact key; the runs are merged lazily (``heapq.merge``).
"""

from __future__ import annotations

import csv
import heapq
import pickle
import sys
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path

from marenew.load.problems import Problem

from .columns import PERSON_ID, Columns, Header, match_header
from .rows import Keyed

CHUNK = 4096  # records per pickled chunk
BUFFERED = 200_000  # records one range task buffers across all its partitions before writing
MERGE_FAN_IN = 128  # runs merged at once (open files); more runs are merged in passes
PROTOCOL = pickle.HIGHEST_PROTOCOL
BLOCK = 1 << 22

# One CSV field may hold up to this much text (the csv module's default is 128 KiB).
csv.field_size_limit(1024 * 1024)


def open_problem(exc: OSError, source: str) -> Problem:
    if isinstance(exc, FileNotFoundError):
        return Problem(source, None, None, "no such file")
    if isinstance(exc, IsADirectoryError):
        return Problem(source, None, None, "is a folder, not a CSV file")
    return Problem(source, None, None, f"cannot read: {exc.strerror or exc}")


def _why(exc: Exception) -> str:
    if isinstance(exc, UnicodeDecodeError):
        return "is not UTF-8 text; save the export as CSV UTF-8"
    return f"not valid CSV: {exc}"


@dataclass(frozen=True)
class Range:
    """Records from byte ``start`` up to ``end``; the first begins on line ``line``."""

    start: int
    end: int
    line: int


def read_header(path: Path, spec: Columns, source: str) -> tuple[Header, int, int]:
    """The header -> (Header, byte offset of the first record, its line number).
    Raises InputError when the file cannot be read or has no usable header."""
    from marenew.load.problems import InputError

    try:
        with open(path, "rb") as f:
            raw = b""
            lines = 0
            while True:  # a quoted header cell may span lines: read until the quotes balance
                line = f.readline()
                raw += line
                lines += 1
                if not line or raw.count(b'"') % 2 == 0:
                    break
    except OSError as exc:
        raise InputError([open_problem(exc, source)]) from None
    try:
        text = raw.decode("utf-8-sig")
        names = next(csv.reader([text]), None) if text.strip() else None
    except (UnicodeDecodeError, csv.Error) as exc:
        raise InputError([Problem(source, 1, None, _why(exc))]) from None
    if not names:
        raise InputError([Problem(source, 1, None, f"is empty; the first line must be a header naming the "
                                                   f"columns ({', '.join(spec.columns)})")])
    return match_header(spec, names, source), len(raw), lines + 1


def ranges(path: Path, start: int, line: int, count: int) -> list[Range]:
    """Cut the records from byte ``start`` into about ``count`` ranges, each ending after a
    newline that is outside quotes (an even number of quote characters so far: the csv module
    writes a quote inside a quoted field twice). One pass in C over the bytes. A file whose
    lines end in a bare carriage return is one range (its newlines cannot be counted cheaply)."""
    size = path.stat().st_size
    if count <= 1 or size - start < 2 * BLOCK:
        return [Range(start, size, line)]
    step = (size - start) // count
    cuts = [Range(start, 0, line)]
    quotes = 0
    lines = line
    pos = start
    target = start + step
    with open(path, "rb") as f:
        f.seek(start)
        while True:
            block = f.read(BLOCK)
            if not block:
                break
            if b"\r" in block and block.count(b"\r") != block.count(b"\r\n"):
                return [Range(start, size, line)]
            end = pos + len(block)
            while target < end:
                # the first newline at or after target whose prefix has balanced quotes
                i = target - pos
                found = None
                while True:
                    nl = block.find(b"\n", i)
                    if nl < 0:
                        break
                    if (quotes + block.count(b'"', 0, nl)) % 2 == 0:
                        found = nl
                        break
                    i = nl + 1
                if found is None:
                    break  # look in the next block
                cut = pos + found + 1
                cuts.append(Range(cut, 0, lines + block.count(b"\n", 0, found + 1)))
                target = max(cut, target) + step
            quotes += block.count(b'"')
            lines += block.count(b"\n")
            pos = end
    out = []
    for here, nxt in zip(cuts, cuts[1:] + [Range(size, 0, 0)]):
        if nxt.start > here.start:
            out.append(Range(here.start, nxt.start, here.line))
    return out or [Range(start, size, line)]


def partition_range(path: Path, header: Header, source: str, rng: Range, parts: int,
                    outputs: list[Path]) -> tuple[int, int, list[Problem]]:
    """Read one range of a CSV file into ``parts`` partition files of (line, person_id, record
    bytes). Only the person_id is read here: a line without quotes is cut at commas; a line
    with quotes (a quoted cell, perhaps spanning lines) is parsed with the csv module. The cells
    are parsed later, in the partition (``cells``). Returns (records, blank records skipped,
    problems that make the whole file unusable: none at present, a bad record is an error row)."""
    pid_at = header.index[PERSON_ID]
    outs = [open(p, "wb") for p in outputs]  # noqa: SIM115 - closed below
    bufs: list[list] = [[] for _ in range(parts)]
    flush_at = max(64, min(CHUNK, BUFFERED // parts))
    records = blank = 0
    crc32 = zlib.crc32

    def route(line: int, pid: str, raw: bytes) -> None:
        nonlocal records
        records += 1
        # crc32, not hash(): the same person meets their records in every process
        part = crc32(pid.encode("utf-8", "surrogatepass")) % parts
        buf = bufs[part]
        buf.append((line, pid, raw))
        if len(buf) >= flush_at:
            pickle.dump(buf, outs[part], PROTOCOL)
            bufs[part] = []

    def quoted(line: int, raw: bytes) -> None:
        nonlocal blank
        try:
            row = next(csv.reader([raw.decode("utf-8", "replace")]), [])
        except csv.Error:
            row = []
        if row and not any(c.strip() for c in row):
            blank += 1
            return
        route(line, row[pid_at].strip() if len(row) > pid_at else "", raw)

    try:
        with open(path, "rb") as f:
            f.seek(rng.start)
            left = rng.end - rng.start
            number = rng.line - 1
            pending: list | None = None  # a record whose quoted cell spans lines: [line, bytes]
            for raw in f:
                if left <= 0:
                    break
                left -= len(raw)
                number += 1
                if pending is not None:
                    pending[1] += raw
                    if pending[1].count(b'"') % 2 == 0:
                        quoted(pending[0], pending[1])
                        pending = None
                    continue
                if b'"' in raw:
                    if raw.count(b'"') % 2:
                        pending = [number, raw]
                    else:
                        quoted(number, raw)
                    continue
                if not raw.strip(b" ,\t\r\n"):
                    blank += 1
                    continue
                fields = raw.split(b",", pid_at + 1)
                route(number, fields[pid_at].decode("utf-8", "replace").strip() if len(fields) > pid_at else "", raw)
            if pending is not None:  # a quote never closed: the record is reported where it began
                quoted(pending[0], pending[1])
        for part, buf in enumerate(bufs):
            if buf:
                pickle.dump(buf, outs[part], PROTOCOL)
    finally:
        for out in outs:
            out.close()
    return records, blank, []


def cells(records: list[tuple[int, str, bytes]], header: Header) -> Iterator[tuple[int, str, "tuple[str, ...] | str"]]:
    """(line, person_id, record bytes) -> (line, person_id, canonical cells), or a message for a
    malformed record, or None for a record with no cell filled in. The csv module parses a whole
    chunk in one call; a chunk it cannot split record by record is parsed record by record."""
    bad: dict[int, str] = {}
    try:
        texts = [raw.decode("utf-8") for _, _, raw in records]
    except UnicodeDecodeError:
        texts = []
        for i, (_, _, raw) in enumerate(records):
            try:
                texts.append(raw.decode("utf-8"))
            except UnicodeDecodeError:
                texts.append("")
                bad[i] = "is not UTF-8 text; save the export as CSV UTF-8"
    try:
        rows = list(csv.reader(texts))
    except csv.Error:
        rows = []
    if len(rows) != len(texts):
        rows = []
        for i, text in enumerate(texts):
            try:
                rows.append(next(csv.reader([text]), []))
            except csv.Error as exc:
                rows.append([])
                bad.setdefault(i, f"not valid CSV: {exc}")
    pick = header.picker()
    width = header.width
    for i, ((line, pid, _), row) in enumerate(zip(records, rows)):
        if bad and i in bad:
            yield line, pid, bad[i]
        elif len(row) == width:
            row.append("")  # the cell that absent columns read (Header.picker)
            found = pick(row)
            # with a person_id the record is not blank; without, it may be (`"",""`)
            yield line, pid, found if pid or any(c.strip() for c in found) else None
        elif not any(c.strip() for c in row):
            yield line, pid, None
        else:
            yield line, pid, f"has {len(row)} fields; the header has {width}"


def read_chunks(path: Path) -> Iterator[list]:
    """Every pickled chunk of a spill file, in order."""
    with open(path, "rb") as f:
        while True:
            try:
                yield pickle.load(f)
            except EOFError:
                return


def write_run(path: Path, rows: list[Keyed]) -> None:
    """One partition's rows, sorted by key."""
    rows.sort(key=itemgetter(0))
    with open(path, "wb") as f:
        for i in range(0, len(rows), CHUNK):
            pickle.dump(rows[i:i + CHUNK], f, PROTOCOL)


def read_run(path: Path) -> Iterator[Keyed]:
    for chunk in read_chunks(path):
        yield from chunk


def merged(runs: list[Path], folder: Path) -> Iterator[Keyed]:
    """All runs as one sorted stream; with more than MERGE_FAN_IN runs, merge in passes so that
    the open files stay few."""
    runs = list(runs)
    level = 0
    while len(runs) > MERGE_FAN_IN:
        nxt = []
        for i in range(0, len(runs), MERGE_FAN_IN):
            out = folder / f"merge-{level}-{i:05d}.run"
            with open(out, "wb") as f:
                buf: list[Keyed] = []
                for item in heapq.merge(*(read_run(p) for p in runs[i:i + MERGE_FAN_IN]), key=itemgetter(0)):
                    buf.append(item)
                    if len(buf) >= CHUNK:
                        pickle.dump(buf, f, PROTOCOL)
                        buf = []
                if buf:
                    pickle.dump(buf, f, PROTOCOL)
            nxt.append(out)
        runs = nxt
        level += 1
    yield from heapq.merge(*(read_run(p) for p in runs), key=itemgetter(0))


def warn_unknown_columns(header: Header, source: str) -> None:
    if header.unknown:
        names = ", ".join(f"`{n}`" for n in header.unknown)
        sys.stderr.write(f"{source}:1: warning: unknown column{'s' if len(header.unknown) > 1 else ''} "
                         f"{names} ignored\n")
