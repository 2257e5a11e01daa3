"""The roster's sorted runs and their merge, and the rows the workers write as text.

A worker writes its rows to a run sorted by key; the main process merges the runs and writes the
output. For csv, json and jsonl the workers write each row already as its text in the format, so
the output must be byte for byte what the writers make of the rows themselves; and the merge,
a block of rows at a time, must give the rows in the order ``heapq.merge`` gives them, equal keys
included.
"""

from __future__ import annotations

import csv
import heapq
import io
import pickle
from operator import itemgetter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given
from hypothesis import strategies as st

from helpers import AS_OF, d, examples
from marenew.report.safe import _unsafe_in_json, csv_cell, csv_cells, csv_line, json_safe
from marenew.roster import output, spill
from marenew.roster.records import Settings
from marenew.roster.runner import Job, run_csv
from roster_golden import write_roster

# --- the rows written as text give the same output ---------------------------------------------

# Cells a spreadsheet or a terminal would act on, and text that is not ASCII
HOSTILE = [
    "=1+2",
    "@SUM(A1)",
    "-x",
    "-5",
    "+1",
    "a\rb",
    "a\r\nb",
    'say "hi", then',
    "Zoë Ñúñez",
    "\u202eevil",
    "\x7f\x85",
]


def _roster(folder: Path) -> tuple[Path, Path]:
    """The recorded roster (bad records mixed in), with hostile holder names and a kept column."""
    people, credits = write_roster(folder, "grouped")
    lines = (folder / people).read_text(encoding="utf-8").splitlines()
    out = [lines[0] + ",team"]
    for i, line in enumerate(lines[1:]):
        cells = line.split(",")
        hostile = HOSTILE[i % len(HOSTILE)]
        if i % 3 == 0 and len(cells) > 1:
            cells[1] = '"' + hostile.replace('"', '""') + '"'
        out.append(",".join(cells) + "," + ('"' + hostile.replace('"', '""') + '"' if i % 2 else "North"))
    (folder / people).write_text("\n".join(out) + "\n", encoding="utf-8")
    return folder / people, folder / credits


def _rows(ruleset, folder: Path, text: str | None, kept: tuple[str, ...]) -> list:
    people, credits = _roster(folder)
    job = Job(Settings(as_of=d(AS_OF), warn_days=90, member=None, kept=kept), None, text=text)
    work = folder / "work"
    work.mkdir()
    outcome = run_csv(
        people, credits, rules=ruleset, rule_dirs=[], job=job, jobs=1, folder=work, sort=True, partitions=4
    )
    try:
        return list(outcome.rows)
    finally:
        outcome.close()


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "json"])
@pytest.mark.parametrize("kept", [(), ("team",)])
def test_rows_written_as_text_by_the_workers_give_the_same_output(ruleset, tmp_path, fmt, kept):
    as_dicts = _rows(ruleset, tmp_path / "dicts", None, kept)
    as_text = _rows(ruleset, tmp_path / "text", fmt, kept)
    assert all(isinstance(row, dict) for _, row in as_dicts)
    # the rows the workers judged are text; the main process's own error rows may stay dicts
    assert sum(isinstance(row, str) for _, row in as_text) > len(as_text) // 2
    assert [key for key, _ in as_text] == [key for key, _ in as_dicts]

    def written(rows: list) -> str:
        buf = io.StringIO()
        if fmt == "csv":
            output.write_csv(iter(rows), buf, kept=kept, bom=True)
        else:
            getattr(output, f"write_{fmt}")(iter(rows), buf)
        return buf.getvalue()

    expected = written(as_dicts)
    assert any(h in expected for h in ("'=1+2", "\\u202e", "Zoë"))
    assert written(as_text) == expected
    assert written(output.as_text(as_dicts, fmt, kept)) == expected


def test_an_unknown_format_has_no_text_form():
    with pytest.raises(ValueError):
        output.as_text([], "table")


# Cells of every kind: plain, numbers (negative ones stay numbers), formula starts, CR and
# controls anywhere
cell_text = st.text(alphabet='=+-@\t\r\n 0123456789.aZé\u202e\x85\x7f,"', max_size=6)


@given(
    cells=st.lists(st.one_of(cell_text, st.sampled_from(["", "-12", "-1.5", "+1", "75", "2026-11-29"])), max_size=25)
)
def test_a_record_of_cells_is_made_safe_as_each_cell_would_be(cells):
    assert csv_cells(list(cells)) == [csv_cell(c) for c in cells]


@given(
    cells=st.lists(st.one_of(cell_text, st.sampled_from(["", "-12", "-1.5", "+1", "75", "2026-11-29"])), max_size=25)
)
@example(cells=[""])  # one empty cell: the csv module quotes it, so that the line is not blank
@example(cells=["a", "b,c"])  # a comma inside a cell
@example(cells=["a", "=b", "c"])  # a formula after a comma
def test_a_record_line_is_what_the_csv_module_writes_of_its_safe_cells(cells):
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(csv_cells(list(cells)))
    assert csv_line(list(cells)) == out.getvalue()


@given(text=st.text(alphabet=st.characters(max_codepoint=0x2100), max_size=20))
@example(text="\x7f")  # DEL: the one such control that is ASCII
@example(text="ok \x7f")
def test_json_text_is_escaped_as_the_search_alone_would(text):
    encoded = output.json.dumps({"a": text}, ensure_ascii=False)
    assert json_safe(encoded) == _unsafe_in_json().sub(lambda m: f"\\u{ord(m.group()):04x}", encoded)


# --- runs: written, read back, merged -------------------------------------------------------------

keys = st.tuples(st.integers(0, 3), st.sampled_from(["", "a", "b", "é"]))
runs_st = st.lists(st.lists(st.tuples(keys, st.integers()), max_size=40), max_size=9)


def _write_runs(folder: Path, runs: list[list], chunk: int) -> list[Path]:
    paths = []
    for i, rows in enumerate(runs):
        path = folder / f"{i:03d}.run"
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(spill, "RUN_CHUNK", chunk)
            spill.write_run(path, list(rows))
        paths.append(path)
    return paths


@examples(60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(runs=runs_st, chunk=st.integers(1, 7), fan_in=st.integers(2, 5))
def test_the_merge_gives_the_rows_in_the_order_of_heapq_merge(tmp_path_factory, runs, chunk, fan_in, monkeypatch):
    folder = tmp_path_factory.mktemp("runs")
    paths = _write_runs(folder, runs, chunk)
    # each run sorted by key, stably (equal keys keep their order); many equal keys across runs
    stored = [sorted(rows, key=itemgetter(0)) for rows in runs]
    assert [list(spill.read_run(p)) for p in paths] == stored
    expected = list(heapq.merge(*stored, key=itemgetter(0)))
    assert list(spill.merged(paths, folder)) == expected
    # more runs than are merged at once: merged in passes through intermediate runs
    monkeypatch.setattr(spill, "MERGE_FAN_IN", fan_in)
    assert list(spill.merged(paths, folder)) == expected


@examples(50)
@given(runs=runs_st, data=st.data())
def test_merged_chunks_skip_empty_chunks_and_keep_run_order_on_ties(runs, data):
    stored = [sorted(rows, key=itemgetter(0)) for rows in runs]
    chunked = []
    for rows in stored:  # each run cut into chunks anywhere, empty ones included
        cuts = sorted(data.draw(st.lists(st.integers(0, len(rows)), max_size=6)))
        ends = [0, *cuts, len(rows)]
        chunked.append([rows[a:b] for a, b in zip(ends, ends[1:])])
    got = [row for block in spill.merge_chunks([iter(run) for run in chunked]) for row in block]
    assert got == list(heapq.merge(*stored, key=itemgetter(0)))


def test_text_rows_are_written_and_read_back_in_key_order(tmp_path):
    rows = [((1, 2, "2027-01-01", "CMA", "B", "P2"), "b\n"), ((0, 0, "P9", "people.csv", 3), "err\n")]
    rows += [((1, 0, "2026-01-01", "RMA", "A", f"P{i}"), f"line {i}\n") for i in range(600)]
    path = tmp_path / "a.run"
    spill.write_run(path, list(rows))
    assert list(spill.read_run(path)) == sorted(rows, key=itemgetter(0))


def test_a_run_cut_short_or_not_a_run_fails_to_read(tmp_path):
    rows = [((1, i), f"row {i}\n") for i in range(3 * spill.RUN_CHUNK)]
    path = tmp_path / "a.run"
    spill.write_run(path, rows)
    data = path.read_bytes()
    for cut in (len(data) // 2, len(data) - 1, 7):
        path.write_bytes(data[:cut])
        with pytest.raises(pickle.UnpicklingError):
            list(spill.merged([path], tmp_path))
    path.write_bytes(b"not a run at all")
    with pytest.raises(pickle.UnpicklingError):
        list(spill.read_run(path))
