#!/usr/bin/env python3
"""Write a synthetic roster: people.csv and credits.csv for N medical assistants.

Mixed certifications (CMA, RMA, CCMA, NCMA; some people hold two), 30 credits per person on
average (0 to 60), certification dates spread over each body's cycle before the as-of date and
credit dates inside each person's current cycle, so that the statuses are a realistic mix.
Deterministic: the same N and seed give the same files.

    python bench/roster_gen.py 10000 /tmp/roster            # -> /tmp/roster/people.csv, credits.csv
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import random
from pathlib import Path

AS_OF = dt.date(2026, 11, 29)
# cert, body, cycle in months, share of people, categories (AAMA only)
CERTS = [
    ("CMA", "AAMA", 60, 0.45, ("administrative", "clinical", "general")),
    ("RMA", "AMT", 36, 0.25, ()),
    ("CCMA", "NHA", 24, 0.20, ()),
    ("NCMA", "NCCT", 12, 0.10, ()),
]
TOPICS = ["HIPAA privacy update", "Phlebotomy refresher", "EKG interpretation", "Infection control",
          "Medication safety", "Vital signs update", "Billing and coding basics", "Patient communication",
          "Pediatric immunizations", "Point-of-care testing", "Medical law and ethics", "Wound care",
          "Front-desk operations", "Pharmacology review", "Electronic health records", "Vaccine storage"]
FIRST = ["Jordan", "Sam", "Alex", "Taylor", "Casey", "Morgan", "Riley", "Jamie", "Avery", "Quinn", "Drew",
         "Kendall", "Rowan", "Skyler", "Parker", "Reese"]
LAST = ["Rivera", "Okafor", "Morgan", "Nguyen", "Brooks", "Lee", "Chen", "Patel", "Garcia", "Kim", "Smith",
        "Johnson", "Williams", "Brown", "Davis", "Lopez"]


def generate(n: int, folder: Path, seed: int = 20261129, credits_per_person: int = 30) -> tuple[int, int]:
    """Write both files; returns (people rows, credit rows)."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    weights = [c[3] for c in CERTS]
    people_rows = credit_rows = 0
    with open(folder / "people.csv", "w", newline="", encoding="utf-8") as pf, \
            open(folder / "credits.csv", "w", newline="", encoding="utf-8") as cf:
        people = csv.writer(pf, lineterminator="\n")
        credits = csv.writer(cf, lineterminator="\n")
        people.writerow(["person_id", "holder", "cert", "certified_on", "expires_on", "number", "memberships"])
        credits.writerow(["person_id", "title", "date", "points", "college_credits", "category", "approved_by",
                          "applies_to"])
        for i in range(n):
            pid = f"E{i:07d}"
            holder = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
            held = [rng.choices(CERTS, weights)[0]]
            if rng.random() < 0.15:  # some hold a second credential
                other = rng.choices(CERTS, weights)[0]
                if other[0] != held[0][0]:
                    held.append(other)
            member = rng.random() < 0.5
            starts = []
            for cert, body, months, _, _ in held:
                # anywhere in the cycle, a little past it for some (grace and lapsed)
                days = int(months * 30.44)
                certified = AS_OF - dt.timedelta(days=rng.randint(30, days + 120))
                starts.append(certified)
                people.writerow([pid, holder, cert, certified.isoformat(), "", f"{rng.randint(10**6, 10**7 - 1)}",
                                 body if member else ""])
                people_rows += 1
            count = rng.randint(0, 2 * credits_per_person)
            first = min(starts)
            span = max(1, (AS_OF - first).days)
            for k in range(count):
                cert, body, _, _, categories = rng.choice(held)
                date = first + dt.timedelta(days=rng.randint(0, span - 1))
                points = rng.choice(["1", "1.5", "2", "3", "4", "6", "8", "10"])
                credits.writerow([
                    pid, f"{rng.choice(TOPICS)} (module {k + 1})", date.isoformat(),
                    points, "", rng.choice(categories) if categories else "",
                    body if rng.random() < 0.85 else "", "",
                ])
                credit_rows += 1
    return people_rows, credit_rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("people", type=int, help="number of people")
    parser.add_argument("folder", type=Path)
    parser.add_argument("--seed", type=int, default=20261129)
    args = parser.parse_args()
    p, c = generate(args.people, args.folder, args.seed)
    print(f"wrote {p} people rows and {c} credit rows to {args.folder}")


if __name__ == "__main__":
    main()
