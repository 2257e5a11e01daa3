"""Spill files: parsed CSV records partitioned by person, and sorted runs of output rows.

When a credits file is not grouped by person, its records (already parsed, see ``reader``) are
appended to the partition ``crc32(person_id) % parts`` in pickled chunks. Every record of a
person lands in the same partition, so a partition can be judged on its own, and memory holds one
partition, not the whole file. A run is one batch's output rows sorted by their compact key; the
runs are merged lazily (``heapq.merge``).
"""

from __future__ import annotations

import heapq
import pickle
import sys
import zlib
from collections.abc import Iterator
from operator import itemgetter
from pathlib import Path
from typing import Any

from .columns import Header
from .rows import Key

CHUNK = 4096  # records per pickled chunk
# Output rows per pickled chunk of a run. The merge holds one chunk of every run at once (up to
# MERGE_FAN_IN runs; a roster of 100,000 people makes about 60), and a row is a few kB of
# Python objects: 4,096-row chunks held 700 MB at 100,000 people, 256-row ones about 50 MB.
RUN_CHUNK = 256
BUFFERED = 200_000  # records buffered across all partitions before they are written
MERGE_FAN_IN = 128  # runs merged at once (open files); more runs are merged in passes
PROTOCOL = pickle.HIGHEST_PROTOCOL
# A row and its sort key; the row as a dict, or as its text in the output format (output.as_text).
Entry = tuple[Key, Any]


def part_of(pid: str, parts: int) -> int:
    # crc32, not hash(): the same person meets their records in every process
    return zlib.crc32(pid.encode("utf-8", "surrogatepass")) % parts


class Partitions:
    """Records appended to ``parts`` spill files by person, in pickled chunks, in the order given."""

    def __init__(self, paths: list[Path]):
        self.paths = paths
        self._bufs: list[list] = [[] for _ in paths]
        self._outs = [open(p, "wb") for p in paths]  # noqa: SIM115 - closed by close()
        self._flush_at = max(64, min(CHUNK, BUFFERED // len(paths)))

    def add(self, record: tuple) -> None:
        part = part_of(record[1], len(self.paths))
        buf = self._bufs[part]
        buf.append(record)
        if len(buf) >= self._flush_at:
            pickle.dump(buf, self._outs[part], PROTOCOL)
            self._bufs[part] = []

    def close(self) -> None:
        try:
            for buf, out in zip(self._bufs, self._outs):
                if buf:
                    pickle.dump(buf, out, PROTOCOL)
        finally:
            for out in self._outs:
                out.close()


def read_chunks(path: Path) -> Iterator[list]:
    """Every pickled chunk of a spill file, in order."""
    with open(path, "rb") as f:
        while True:
            try:
                yield pickle.load(f)
            except EOFError:
                return


def write_run(path: Path, rows: list[Entry]) -> None:
    """One partition's rows, sorted by key."""
    rows.sort(key=itemgetter(0))
    with open(path, "wb") as f:
        for i in range(0, len(rows), RUN_CHUNK):
            pickle.dump(rows[i : i + RUN_CHUNK], f, PROTOCOL)


def read_run(path: Path) -> Iterator[Entry]:
    for chunk in read_chunks(path):
        yield from chunk


def merged(runs: list[Path], folder: Path) -> Iterator[Entry]:
    """All runs as one sorted stream; with more than MERGE_FAN_IN runs, merge in passes so that
    the open files stay few."""
    runs = list(runs)
    level = 0
    while len(runs) > MERGE_FAN_IN:
        nxt = []
        for i in range(0, len(runs), MERGE_FAN_IN):
            out = folder / f"merge-{level}-{i:05d}.run"
            with open(out, "wb") as f:
                buf: list[Entry] = []
                for item in heapq.merge(*(read_run(p) for p in runs[i : i + MERGE_FAN_IN]), key=itemgetter(0)):
                    buf.append(item)
                    if len(buf) >= RUN_CHUNK:
                        pickle.dump(buf, f, PROTOCOL)
                        buf = []
                if buf:
                    pickle.dump(buf, f, PROTOCOL)
            nxt.append(out)
        runs = nxt
        level += 1
    yield from heapq.merge(*(read_run(p) for p in runs), key=itemgetter(0))


def warn_unknown_columns(header: Header, source: str) -> None:
    if header.found:  # what was matched loosely or by --map: said once, so a wrong guess shows
        read = ", ".join(f"`{name}` as {column}" for column, name in header.found)
        sys.stderr.write(f"{source}:1: note: reading {read}\n")
    if header.unknown:
        names = ", ".join(f"`{n}`" for n in header.unknown)
        sys.stderr.write(
            f"{source}:1: warning: unknown column{'s' if len(header.unknown) > 1 else ''} {names} ignored\n"
        )
