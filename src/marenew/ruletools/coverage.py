"""What the worked cases exercise, rule by rule: each status, each renewal path the engine can
choose, and each dated value in force at least once. Pure: from the rules and what each case's
run saw (``Exercise``), no I/O.

A dated value counts as exercised when it is in force on a day the engine reads it for some
credential of the rule in a case: the case's day, the certification date (the cycle's figures)
or the expiry date (the late window's).
"""

from __future__ import annotations

import datetime as dt
import textwrap
from collections.abc import Iterable
from dataclasses import dataclass, field

from marenew.core.rule import Rule
from marenew.load.overlay import SINCE_ALWAYS
from marenew.load.problems import Level, Problem, key_path

STATUSES = ("active", "expiring", "grace", "lapsed")


@dataclass(frozen=True)
class Exercise:
    """One credential of one case, as the engine judged it."""

    cert: str  # upper-case id
    status: str
    path: str | None  # the renewal path priced
    days: tuple[dt.date, ...]  # as_of, certified_on, expires_on


@dataclass
class RuleCoverage:
    cert: str
    file: str
    line: int | None
    col: int | None
    cases: int = 0
    statuses: dict[str, int] = field(default_factory=dict)  # only the statuses the rule can give
    paths: dict[str, int] = field(default_factory=dict)  # the paths the engine can choose
    dated: list[tuple[str, dt.date | None, int]] = field(default_factory=list)  # figure, since, count

    def missing(self) -> list[str]:
        """What no case exercises, in words."""
        out = [f"status {s}" for s, n in self.statuses.items() if not n]
        out += [f"path {p}" for p, n in self.paths.items() if not n]
        out += [f"{fig} {_since(since)}" for fig, since, n in self.dated if not n]
        return out

    def lines(self) -> list[str]:
        """The rule's coverage in one line, and a second naming what no case exercises::

        CMA: 9 cases; states 3 of 4, paths 2 of 2, dated values 2 of 2
          not exercised: status grace
        """
        if not self.cases:
            return [f"{self.cert}: no cases ({self.file})"]

        def share(counts: Iterable[int]) -> str:
            counts = list(counts)
            return f"{sum(1 for n in counts if n)} of {len(counts)}"

        text = (
            f"{self.cert}: {self.cases} case{'s' if self.cases != 1 else ''}; "
            f"states {share(self.statuses.values())}, paths {share(self.paths.values())}"
        )
        if self.dated:
            text += f", dated values {share(n for *_, n in self.dated)}"
        gaps = self.missing()
        # at most 78 columns: the command indents each line by 2
        return [text] + (
            textwrap.wrap(
                f"not exercised: {', '.join(gaps)}",
                width=76,
                initial_indent="  ",
                subsequent_indent="    ",
                break_on_hyphens=False,
            )
            if gaps
            else []
        )

    def as_json(self) -> dict:
        return {
            "cert": self.cert,
            "file": self.file,
            "line": self.line,
            "cases": self.cases,
            "statuses": dict(self.statuses),
            "paths": dict(self.paths),
            "dated_values": [
                {"figure": fig, "since": since.isoformat() if since and since != SINCE_ALWAYS else None, "cases": n}
                for fig, since, n in self.dated
            ],
            "not_exercised": self.missing(),
        }


def _since(since: dt.date | None) -> str:
    return "before its first date" if since in (None, SINCE_ALWAYS) else f"from {since}"


def possible_statuses(rule: Rule) -> list[str]:
    return [s for s in STATUSES if s != "grace" or rule.late_window is not None]


def possible_paths(rule: Rule) -> list[str]:
    return list(dict.fromkeys([rule.renewal.regular, rule.renewal.after_lapse]))


def coverage(
    rules: dict[str, tuple[Rule, str, int | None, int | None]], seen: Iterable[tuple[int, Exercise]]
) -> list[RuleCoverage]:
    """Per rule under test (by upper-case id: the rule, its file, line and column), what the
    cases exercised; ``seen`` pairs each exercise with the index of its case."""
    out: dict[str, RuleCoverage] = {}
    dated: dict[str, list[tuple[tuple, dt.date, set[int]]]] = {}
    for key, (rule, file, line, col) in sorted(rules.items()):
        out[key] = RuleCoverage(
            rule.id,
            file,
            line,
            col,
            statuses={s: 0 for s in possible_statuses(rule)},
            paths={p: 0 for p in possible_paths(rule)},
        )
        dated[key] = [(path, since, set()) for path, fig in rule.figures() if fig.values for since in fig.values]
    cases: dict[str, set[int]] = {}
    for index, ex in seen:
        cov = out.get(ex.cert)
        if cov is None:
            continue
        cases.setdefault(ex.cert, set()).add(index)
        if ex.status in cov.statuses:
            cov.statuses[ex.status] += 1
        if ex.path in cov.paths:
            cov.paths[ex.path] += 1
        rule = rules[ex.cert][0]
        figures = dict(rule.figures())
        for path, since, hits in dated[ex.cert]:
            fig = figures[path]
            if any((found := fig.in_force(day)) is not None and found[0] == since for day in ex.days):
                hits.add(index)
    for key, cov in out.items():
        cov.cases = len(cases.get(key, ()))
        cov.dated = [(key_path(path), since, len(hits)) for path, since, hits in dated[key]]
    return list(out.values())


def without_cases(report: list[RuleCoverage], *, required: bool) -> list[Problem]:
    """A warning (an error with ``required``) for each rule no case exercises, at its id."""
    level: Level = "error" if required else "warning"
    return [
        Problem(
            c.file,
            c.line,
            c.col,
            f"no worked case exercises `{c.cert}`: add one to the cases/ "
            "folder beside it (marenew rules new writes a skeleton)",
            level,
            "id",
        )
        for c in report
        if not c.cases
    ]
