"""The library entry point: files in, judged results out. Every command goes through here.

    from pathlib import Path
    import datetime as dt
    from marenew import api

    rules = api.load_rules()                       # built-in rules (+ folders given)
    judged = api.judge(Path("me.yaml"), rules, dt.date(2026, 11, 29))
    for cred in judged.report.credentials:
        print(cred.cert, cred.status, cred.expires_on)

Nothing here reads the environment, the clock or a terminal: the caller passes folders, dates and
settings, and prints what it likes (the file's warnings are in ``judged.warnings``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from marenew.core.defaults import WARN_DAYS
from marenew.core.record import Record

if TYPE_CHECKING:
    from marenew.core.credential import CredentialFile
    from marenew.core.engine import PriceList
    from marenew.core.plan import HolderPlan
    from marenew.core.results import Report
    from marenew.load.problems import Problem
    from marenew.load.rules import RuleSet

_RULESETS: dict[tuple, RuleSet] = {}


def load_rules(folders: Sequence[Path] = (), *, builtin: bool = True, cache: Path | None = None) -> RuleSet:
    """The built-in rules, then each folder in order (a later rule replaces an earlier by id).
    Raises ``InputError`` with every problem found. Kept in memory per process, keyed by every
    rule file's path, size and modification time, so a long-lived caller re-reads only changes.
    With ``cache`` (a folder), a rule set validated by an earlier process from the same bytes by
    the same code is taken from there (``store.rulecache``)."""
    from marenew.load.rules import builtin_rules_dir
    from marenew.load.rules import load_rules as load

    every = ([builtin_rules_dir()] if builtin else []) + list(folders)
    key = tuple(_stamp(folder) for folder in every)
    if key not in _RULESETS:
        _RULESETS.clear()  # one rule set at a time is what every caller needs
        if cache is None:
            _RULESETS[key] = load(list(folders), builtin=builtin)
        else:
            from marenew.store.rulecache import cached_rules

            _RULESETS[key] = cached_rules(every, cache, lambda: load(list(folders), builtin=builtin))
    return _RULESETS[key]


def _stamp(folder: Path) -> tuple:
    from marenew.load.rules import rule_files

    try:
        files = rule_files(folder)
    except OSError:
        return (str(folder), None)
    out = []
    for path in files:
        try:
            st = path.stat()
        except OSError:
            return (str(folder), None)
        out.append((str(path), st.st_size, st.st_mtime_ns))
    return (str(folder), tuple(out))


@dataclass(frozen=True, repr=False, eq=False)
class Judgement(Record):
    """One credential file judged: the rules used, the holder as read, the engine's report (with
    the file's warnings in it, for JSON) and those warnings as located problems (for stderr)."""

    ruleset: RuleSet
    holder: CredentialFile
    report: Report
    warnings: list[Problem]


def judge(
    file: Path, ruleset: RuleSet, as_of: dt.date, *, member: bool | None = None, warn_days: int = WARN_DAYS
) -> Judgement:
    """Read and check one credential file, then judge every credential in it on ``as_of``; each
    certificate a credit names is looked for, relative to the file's folder."""
    from marenew.core.engine import evaluate
    from marenew.load.credentials import load_credentials

    loaded = load_credentials(file, ruleset, today=as_of)
    report = evaluate(ruleset.rules, loaded.holder, as_of, member=member, warn_days=warn_days)
    report = replace(report, warnings=tuple(str(p) for p in loaded.warnings))
    if any(credit.certificate for credit in loaded.holder.credits):
        from marenew.load.proof import folder_of, mark_certificates  # only for a file that names certificates

        report = mark_certificates(report, folder_of(file))
    return Judgement(ruleset, loaded.holder, report, loaded.warnings)


def plan_for(judged: Judgement) -> HolderPlan:
    """Key dates, pace and the choice between renewing and letting go, for every credential."""
    from marenew.core.plan import plan_report

    return plan_report(judged.ruleset.rules, judged.holder, judged.report)


def price_list(ruleset: RuleSet, as_of: dt.date, *, member: bool, certs: Sequence[str] = ()) -> list[PriceList]:
    """Fees per path, recurring fees and cost per year of every rule (or of ``certs`` only)."""
    from marenew.core.engine import price_list as prices

    wanted = {c.upper() for c in certs}
    return [prices(rule, member, as_of) for key, rule in ruleset.rules.items() if not wanted or key in wanted]
