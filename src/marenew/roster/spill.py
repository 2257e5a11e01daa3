"""Spill files: parsed CSV records partitioned by person, and sorted runs of output rows.

When a credits file is not grouped by person, its records (already parsed, see ``reader``) are
appended to the partition ``crc32(person_id) % parts`` in pickled chunks. Every record of a
person lands in the same partition, so a partition can be judged on its own, and memory holds one
partition, not the whole file. A run is one batch's output rows sorted by their compact key; the
runs are merged lazily, a block of rows at a time (``merge_chunks``).
"""

from __future__ import annotations

import itertools
import pickle
import sys
import zlib
from bisect import bisect_left, bisect_right
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
_KEY = itemgetter(0)
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
    rows.sort(key=_KEY)
    with open(path, "wb") as f:
        for i in range(0, len(rows), RUN_CHUNK):
            pickle.dump(rows[i : i + RUN_CHUNK], f, PROTOCOL)


def read_run(path: Path) -> Iterator[Entry]:
    return itertools.chain.from_iterable(read_chunks(path))


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
                for block in merge_chunks([read_chunks(p) for p in runs[i : i + MERGE_FAN_IN]]):
                    buf += block
                    while len(buf) >= RUN_CHUNK:
                        pickle.dump(buf[:RUN_CHUNK], f, PROTOCOL)
                        del buf[:RUN_CHUNK]
                if buf:
                    pickle.dump(buf, f, PROTOCOL)
            nxt.append(out)
        runs = nxt
        level += 1
    yield from itertools.chain.from_iterable(merge_chunks([read_chunks(p) for p in runs]))


def merge_chunks(runs: list[Iterator[list[Entry]]]) -> Iterator[list[Entry]]:
    """Sorted runs, each given chunk by chunk, merged into one sorted stream of blocks: the rows
    in the order of ``heapq.merge(*runs, key=itemgetter(0))`` (by key; equal keys in run order,
    then in their order within a run), without a Python step per row.

    Each round finds the run whose current chunk ends with the lowest key (the first such run),
    ``bound``: no row not yet read can come before its last row. Every row read that comes before
    it (and it) is cut from the front of each chunk (a binary search), and the pieces, joined in
    run order, are sorted by key (a stable sort of a few sorted pieces, in C). That run's chunk is
    then used up, and its next one is read."""
    heads: list[list[Entry]] = []  # the current chunk of each run not yet used up, in run order
    sources: list[Iterator[list[Entry]]] = []
    for source in runs:
        chunk = next((c for c in source if c), None)
        if chunk is not None:
            heads.append(chunk)
            sources.append(source)
    starts = [0] * len(heads)  # rows of each chunk already given
    lasts = [chunk[-1][0] for chunk in heads]
    while heads:
        first = lasts.index(min(lasts))
        bound = lasts[first]
        block: list[Entry] = []
        pieces = 0
        for i, chunk in enumerate(heads):
            start = starts[i]
            # a run before ``first`` ends above ``bound``: its rows equal to it come first
            end = (bisect_right if i <= first else bisect_left)(chunk, bound, start, key=_KEY)
            if end > start:
                block += chunk[start:end] if start or end < len(chunk) else chunk
                starts[i] = end
                pieces += 1
        if pieces > 1:
            block.sort(key=_KEY)
        yield block
        chunk = next((c for c in sources[first] if c), None)
        if chunk is None:
            del heads[first], sources[first], starts[first], lasts[first]
        else:
            heads[first], starts[first], lasts[first] = chunk, 0, chunk[-1][0]


def warn_unknown_columns(header: Header, source: str) -> None:
    if header.found:  # what was matched loosely or by --map: said once, so a wrong guess shows
        read = ", ".join(f"`{name}` as {column}" for column, name in header.found)
        sys.stderr.write(f"{source}:1: note: reading {read}\n")
    if header.unknown:
        names = ", ".join(f"`{n}`" for n in header.unknown)
        sys.stderr.write(
            f"{source}:1: warning: unknown column{'s' if len(header.unknown) > 1 else ''} {names} ignored\n"
        )
