"""People found in whole chunks of lines (``packed.Chunk``): the same rows and tally as when the
main process finds every person itself.

When the credits file is grouped, the main process reads the person_ids of the people at the two
ends of each block of plain lines only; the lines in between go to a worker as they were read, and
the worker finds the people in them (``runner._chunk_rows``). With ``partitions`` the batches are
counted in people, and the main process finds every person itself, as it did before chunks: the
two must give the same rows, keys and tally on any roster, whatever falls inside a chunk or on its
edge.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from marenew.roster import runner
from marenew.roster.reader import CsvFile
from roster_runs import SMALL_BLOCK, generated, judged


def _lines_of(credits: list[str], pid: str) -> list[int]:
    return [i for i, line in enumerate(credits) if line.startswith(pid + ",")]


def _messy(folder: Path, *, order: str, newline: str) -> tuple[Path, Path]:
    """A grouped roster with what a chunk may hold mixed in: orphans, blank and empty person_ids,
    person_ids with spaces around them or not in NFC, a person without credits, a person whose
    lines run over many blocks, and lines the csv reader must read."""
    people, credits = generated(folder, 120)
    header, body = credits[0], credits[1:]
    counts: dict[str, int] = {}
    for line in body:
        counts[line.split(",")[0]] = counts.get(line.split(",")[0], 0) + 1
    with_credits = [p for p, n in counts.items() if n >= 3]  # in file order

    def pid(n: int) -> str:
        return with_credits[n]

    # a person not in the people file, and one whose leading zeros a spreadsheet dropped
    body.insert(_lines_of(body, pid(10))[0], "ZZ0001,Course,2025-03-01,1,,,AMT,")
    body.insert(_lines_of(body, pid(20))[0], "E21,Course,2025-03-01,1,,,AMT,")
    # a record with no cell filled in, and one without a person_id
    body.insert(_lines_of(body, pid(30))[0], ",,,,,,,")
    body.insert(_lines_of(body, pid(31))[0], ",Course,2025-03-01,1,,,AMT,")
    # spaces around a person_id, in the middle of their lines
    at = _lines_of(body, pid(40))[2]
    body[at] = " " + pid(40) + " " + body[at][len(pid(40)) :]
    # a person_id that is not ASCII, written in NFD in the credits and in NFC in the people file
    composed = unicodedata.normalize("NFC", "É" + pid(50)[1:])
    decomposed = unicodedata.normalize("NFD", composed)
    people = [composed + line[len(pid(50)) :] if line.startswith(pid(50) + ",") else line for line in people]
    body = [decomposed + line[len(pid(50)) :] if line.startswith(pid(50) + ",") else line for line in body]
    # a person without credits
    body = [line for line in body if not line.startswith(pid(60) + ",")]
    # a person whose lines run over several blocks (the same credit on many days)
    first = body[_lines_of(body, pid(70))[0]]
    cells = first.split(",")
    many = [
        ",".join([cells[0], f"{cells[1]} {i}", f"2025-{i % 12 + 1:02d}-{i % 28 + 1:02d}", *cells[3:]])
        for i in range(200)
    ]
    at = _lines_of(body, pid(70))[0]
    body[at:at] = many
    # lines of another width than the header's: records that cannot be read, of a person, of no
    # one, of someone not in the people file, blank, and of the person_id not in NFC
    at = _lines_of(body, pid(90))[1]
    body[at] = body[at] + ",one too many"
    at = _lines_of(body, pid(80))[1]
    body[at] = ",".join(body[at].split(",")[:3])
    body.insert(_lines_of(body, pid(15))[0], "")
    body.insert(_lines_of(body, pid(95))[0], "   ")
    body.insert(_lines_of(body, pid(35))[0], "ZZ0002,Course,2025-03-01,1,,,AMT,,extra")
    # (the reader leaves such a line's person_id as written: on the person's first line, not to
    # part their lines)
    at = [i for i, line in enumerate(body) if line.startswith(decomposed + ",")][0]
    body[at] = body[at] + ",extra"
    if order == "reordered":  # an export's own column order, with a column marenew does not read

        def reorder(line: str) -> str:
            c = line.split(",")
            if len(c) < 8:  # a line cut short stays so
                return line
            return ",".join([c[0], c[2], c[1], c[6], c[3], c[5], c[4], *c[7:], "x"])

        header, body = reorder(header), [reorder(line) for line in body]
    (folder / "people.csv").write_text(newline.join(people) + newline, encoding="utf-8")
    (folder / "credits.csv").write_text(newline.join([header, *body]) + newline, encoding="utf-8")
    return folder / "people.csv", folder / "credits.csv"


@pytest.fixture
def small_blocks(monkeypatch):
    monkeypatch.setitem(CsvFile.__init__.__kwdefaults__, "block", SMALL_BLOCK)


@pytest.mark.parametrize("order", ["canonical", "reordered"])
@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_people_found_in_chunks_are_judged_as_the_main_process_judges_them(
    ruleset, tmp_path, monkeypatch, order, newline
):
    people, credits = _messy(tmp_path, order=order, newline=newline)
    in_chunks: list[str] = []  # the lines of every run of one person_id found in a chunk
    judge = runner._chunk_person

    def spy(pid, chunk, start, lines, *args):
        in_chunks.extend(lines)
        return judge(pid, chunk, start, lines, *args)

    monkeypatch.setattr(runner, "_chunk_person", spy)
    monkeypatch.setattr(runner, "_spilled", None)  # the roster is grouped: never spilled
    # each block size puts other lines inside a chunk, and others on its edges
    for block in (1000, 1300, 1700, 2300, 2900, 3700, 5000, 7000):
        monkeypatch.setitem(CsvFile.__init__.__kwdefaults__, "block", block)
        chunks = judged(ruleset, people, credits, tmp_path / f"chunks-{block}", jobs=1)
        count = len(in_chunks)
        by_main = judged(ruleset, people, credits, tmp_path / f"main-{block}", jobs=1, partitions=3)
        assert len(in_chunks) == count  # with partitions, no chunk
        assert chunks == by_main

    # every kind of line was met inside a chunk at least once
    assert any(line.startswith("ZZ0001,") for line in in_chunks)  # not in the people file
    assert any(line.startswith(",,,,,,,") for line in in_chunks)  # blank
    assert any(line.startswith(",") and not line.startswith(",,,,,,,") for line in in_chunks)  # no person_id
    assert any(line.startswith(" ") for line in in_chunks)  # spaces around the person_id
    assert any(not line.isascii() for line in in_chunks)  # not in NFC
    assert any(",extra" in line and not line.isascii() for line in in_chunks)  # and unread
    assert any(line.count(",") == 2 for line in in_chunks)  # cut short
    assert "" in in_chunks and "   " in in_chunks  # blank, of one cell
    assert any(line.startswith("ZZ0002,") for line in in_chunks)  # a cell too many, no one's
    rows, tally = chunks
    assert "ZZ0001" in "".join(row for _, row in rows)
    assert tally["blank"] == 3 and tally["rejected_credits"] >= 4


def test_a_person_met_in_two_chunks_shows_the_file_is_not_grouped(ruleset, tmp_path, small_blocks, monkeypatch):
    """A person's lines in two places, each inside a chunk: the file is read again and spilled,
    as when the main process meets them twice, with the same rows."""
    spilled = []
    spill = runner._spilled
    monkeypatch.setattr(runner, "_spilled", lambda *args: spilled.append(1) or spill(*args))
    people, credits = _messy(tmp_path, order="canonical", newline="\n")
    lines = credits.read_text(encoding="utf-8").splitlines()
    pids = list(dict.fromkeys(line.split(",")[0] for line in lines[1:]))
    moved = [line for line in lines if line.startswith(pids[25] + ",")][:2]
    rest = [line for line in lines if line not in moved]
    at = next(i for i, line in enumerate(rest) if line.startswith(pids[100] + ","))
    rest[at:at] = moved
    credits.write_text("\n".join(rest) + "\n", encoding="utf-8")
    chunks = judged(ruleset, people, credits, tmp_path / "chunks", jobs=1)
    assert spilled == [1]
    assert chunks == judged(ruleset, people, credits, tmp_path / "main", jobs=1, partitions=3)
    assert spilled == [1, 1]


@pytest.mark.slow
def test_forked_workers_find_the_people_of_a_chunk(ruleset, tmp_path, small_blocks):
    """The workers hold the people records as the main process read them (forked after)."""
    people, credits = _messy(tmp_path, order="canonical", newline="\n")
    assert judged(ruleset, people, credits, tmp_path / "two", jobs=2) == judged(
        ruleset, people, credits, tmp_path / "one", jobs=1, partitions=3
    )
