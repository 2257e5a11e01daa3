"""The rosters whose outputs are recorded in tests/fixtures/roster-golden/: the benchmark's
generator (bench/roster_gen.py) at a small size, with bad records mixed in, and the same credits
in an order that is not grouped by person. Run as a script to record the outputs again (only
when a change of output is intended)."""

from __future__ import annotations

import random
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
GOLDEN = REPO / "tests" / "fixtures" / "roster-golden"
AS_OF = "2026-11-29"
VARIANTS = ("grouped", "shuffled")


def write_roster(folder: Path, variant: str) -> tuple[str, str]:
    """people.csv and credits.csv in ``folder``; returns their names (relative to it)."""
    sys.path.insert(0, str(REPO / "bench"))
    try:
        from roster_gen import generate
    finally:
        sys.path.pop(0)
    generate(150, folder, seed=7)
    people = (folder / "people.csv").read_text(encoding="utf-8").splitlines()
    credits = (folder / "credits.csv").read_text(encoding="utf-8").splitlines()
    cells = people[20].split(",")
    people[20] = ",".join([*cells[:2], "XYZ", *cells[3:]])  # an unknown certification
    people[40] = people[40] + ",one too many"
    credits[100] = (
        credits[100].replace(",2026-", ",2026-02-30,", 1)
        if ",2026-" in credits[100]
        else credits[100].split(",")[0] + ",Course,2025-02-30,1,,,,"
    )
    credits[200] = "ZZ00001" + credits[200][credits[200].index(",") :]  # a person not in people.csv
    credits[300] = credits[300].split(",")[0] + ',"A title, with a comma\nand a second line",2025-03-01,2,,,,'
    credits[400] = credits[400].replace(",AAMA,", ",AAMA;AMT,")
    credits[500] = ""  # a blank line
    body = credits[1:]
    if variant == "shuffled":
        random.Random(3).shuffle(body)
    (folder / "people.csv").write_text("\n".join(people) + "\n", encoding="utf-8")
    (folder / "credits.csv").write_text("\n".join([credits[0], *body]) + "\n", encoding="utf-8")
    return "people.csv", "credits.csv"


def record() -> None:  # pragma: no cover - used by hand
    import os
    import subprocess
    import tempfile

    for variant in VARIANTS:
        with tempfile.TemporaryDirectory() as tmp:
            people, credits = write_roster(Path(tmp), variant)
            for fmt in ("csv", "jsonl"):
                done = subprocess.run(
                    [
                        sys.executable,
                        "-m",
                        "marenew",
                        "roster",
                        "--people",
                        people,
                        "--credits",
                        credits,
                        "--as-of",
                        AS_OF,
                        "--format",
                        fmt,
                    ],
                    cwd=tmp,
                    capture_output=True,
                    check=False,
                    env={**os.environ, "NO_COLOR": "1"},
                )
                (GOLDEN / f"{variant}.{fmt}").write_bytes(done.stdout)
                (GOLDEN / f"{variant}.stderr").write_bytes(done.stderr)


if __name__ == "__main__":
    record()
