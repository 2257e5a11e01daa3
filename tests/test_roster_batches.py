"""How the credits file is cut into batches for the workers: full batches while much of the file
is left, smaller ones as its end nears (``runner.tapered``), so that the workers finish their last
batches together; the rows are the same whatever the cut."""

from __future__ import annotations

import os
import threading

import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpers import examples
from marenew.roster import runner
from marenew.roster.columns import CREDITS
from marenew.roster.packed import Chunk
from marenew.roster.reader import CsvFile
from marenew.roster.runner import LAST_BATCH_CREDITS, tapered
from roster_runs import SMALL_BLOCK, generated, judged

MOST = 50_000


def test_a_file_tells_how_much_of_it_is_read_and_a_pipe_does_not(tmp_path):
    generated(tmp_path, 300)
    path = tmp_path / "credits.csv"
    size = path.stat().st_size
    with CsvFile(path, CREDITS, "credits.csv", block=SMALL_BLOCK) as credits:
        before = credits.bytes_read()
        for _ in credits.records(lines=True):
            pass
        after = credits.bytes_read()
    assert before is not None and after is not None
    assert before[1] == after[1] == size
    assert 0 < before[0] < size // 2  # the header and the first block or so
    assert after[0] == size

    fifo = tmp_path / "credits.fifo"
    if not hasattr(os, "mkfifo"):
        pytest.skip("no named pipes here")
    os.mkfifo(fifo)
    writer = threading.Thread(target=lambda: fifo.write_bytes(path.read_bytes()))
    writer.start()
    try:
        with CsvFile(fifo, CREDITS, "credits.csv") as piped:
            assert piped.bytes_read() is None
            for _ in piped.records(lines=True):
                pass
    finally:
        writer.join()


def test_full_batches_while_the_size_of_the_file_or_its_pace_is_unknown():
    assert tapered(MOST, 10_000, None, 2) == MOST  # a pipe: no size
    assert tapered(MOST, 0, (4096, 10**9), 2) == MOST  # nothing made yet
    assert tapered(MOST, 10_000, (0, 10**9), 2) == MOST  # nothing read yet


@given(
    taken=st.integers(1, 10**7),
    done=st.integers(1, 10**9),
    left=st.integers(0, 10**9),
    jobs=st.integers(1, 16),
)
@examples(200)
def test_batches_shrink_to_half_a_workers_share_of_what_is_left(taken, done, left, jobs):
    size = tapered(MOST, taken, (done, done + left), jobs)
    lines_left = taken * left / done  # at the lines a byte read so far
    assert LAST_BATCH_CREDITS <= size <= MOST
    if lines_left >= 2 * jobs * MOST:
        assert size == MOST
    elif lines_left <= 2 * jobs * LAST_BATCH_CREDITS:
        assert size == LAST_BATCH_CREDITS
    else:
        assert abs(size - lines_left / (2 * jobs)) <= 1
    # less left, never a larger batch
    assert tapered(MOST, taken, (done + left // 2, done + left), jobs) <= size


def _batches(monkeypatch, most: int, last: int) -> list[int]:
    """Credit lines in each batch of people with credits, in the order they are made."""
    sizes: list[int] = []
    judge = runner.judge_people

    def spy(batch, run):
        if any(type(item) is Chunk or item[2] for item in batch):  # not the people without credits
            sizes.append(sum(item.count if type(item) is Chunk else len(runner.unpack(item[2])) for item in batch))
        return judge(batch, run)

    monkeypatch.setattr(runner, "judge_people", spy)
    monkeypatch.setattr(runner, "BATCH_CREDITS", most)
    monkeypatch.setattr(runner, "PEOPLE_PER_BATCH_CREDIT", 10**9)
    monkeypatch.setattr(runner, "LAST_BATCH_CREDITS", last)
    monkeypatch.setitem(CsvFile.__init__.__kwdefaults__, "block", SMALL_BLOCK)  # chunks of about 40 lines
    return sizes


def test_the_last_batches_are_smaller_and_the_rows_the_same(ruleset, tmp_path, monkeypatch):
    generated(tmp_path, 400)
    people, credits = tmp_path / "people.csv", tmp_path / "credits.csv"
    lines = len(credits.read_text(encoding="utf-8").splitlines()) - 1
    sizes = _batches(monkeypatch, most=lines // 8, last=lines // 100)
    tapering = judged(ruleset, people, credits, tmp_path / "tapering", jobs=1)
    # a batch is counted in lines, and one more for each person the main process found: it ends
    # at the first person or chunk (about 40 lines) that takes it to its size
    assert sum(sizes) == lines
    assert all(size >= 0.9 * (lines // 8) for size in sizes[:4])
    assert len(sizes) > 10 and sizes[-2] < lines // 16  # smaller towards the end
    assert all(size >= 0.9 * (lines // 100) for size in sizes[:-1])  # but not below the last size

    sizes.clear()
    monkeypatch.setattr(runner, "LAST_BATCH_CREDITS", lines // 8)  # never smaller: the same cut throughout
    assert judged(ruleset, people, credits, tmp_path / "even", jobs=1) == tapering
    assert all(size >= 0.9 * (lines // 8) for size in sizes[:-1])
