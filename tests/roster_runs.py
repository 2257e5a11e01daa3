"""What the roster's stream tests share: a generated roster, and a run of it as its rows are
written out, with its tally."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

from helpers import AS_OF, REPO, d
from marenew.report.safe import csv_line
from marenew.roster.records import Settings
from marenew.roster.rows import flat
from marenew.roster.runner import Job, run_csv

SMALL_BLOCK = 2048  # characters read at a time: about 40 lines, so a roster has many blocks


def generated(folder: Path, people: int) -> tuple[list[str], list[str]]:
    """The benchmark's roster of ``people`` (12 credits each on average) in ``folder``; the lines
    of its people file and of its credits file."""
    sys.path.insert(0, str(REPO / "bench"))
    try:
        from roster_gen import generate
    finally:
        sys.path.pop(0)
    generate(people, folder, seed=11, credits_per_person=12)
    return (
        (folder / "people.csv").read_text(encoding="utf-8").splitlines(),
        (folder / "credits.csv").read_text(encoding="utf-8").splitlines(),
    )


def judged(ruleset, people: Path, credits: Path, work: Path, **kwargs) -> tuple[list, dict]:
    """(key, CSV record) of every row in order, and the tally, of ``run_csv`` in a new folder
    ``work``."""
    job = Job(Settings(as_of=d(AS_OF), warn_days=90, member=None), None, text="csv")
    work.mkdir()
    outcome = run_csv(people, credits, rules=ruleset, rule_dirs=[], job=job, folder=work, sort=True, **kwargs)
    try:
        # as written: the main process's own error rows come as rows, the workers' as their text
        rows = [(key, row if isinstance(row, str) else csv_line(flat(row))) for key, row in outcome.rows]
    finally:
        outcome.close()
    return rows, dataclasses.asdict(outcome.tally)
