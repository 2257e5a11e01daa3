"""Worked cases, OpenFisca style: a credential file, a day, and what the rules must compute.

A case file (``rules/cases/*.yaml``) is a list of cases, or a mapping with ``cases:``::

    - name: non-AAMA clinical hours count at most 30
      as_of: 2026-01-15
      member: true            # optional: overrides the memberships below
      warn_days: 90           # optional
      input:                  # exactly a credential file
        holder: Case
        credentials: [{cert: CMA, certified_on: 2021-03-15}]
        credits: [...]
      expect:                 # any subset of `status --json`, per certification
        CMA:
          status: expiring
          expires_on: 2026-03-31
          points_needed: 30
          requirements: {approved: {short: 30}}
          cost: {path: ce, amount: 65}
          next_step: {action: earn_ce, by: 2026-03-31, path: ce, cost: {amount: 65}}
          pace: {on_pace: false}
          may_use_credential: true

A case may record a renewal first, as ``marenew renew`` does (``core.renewal`` decides the new
cycle for both); ``expect`` then judges the new cycle::

    - name: renewed early by CE
      as_of: 2026-03-01
      renew: {cert: CMA, renewed_on: 2026-02-10, by: ce}   # by, expires_on: optional
      input: {...}
      expect:
        CMA: {certified_on: 2026-02-10, expires_on: 2031-02-28}

Expected values are compared with the JSON that ``status --json`` prints: dates as ISO text,
numbers numerically, ``null`` as null (an unknown fee). Files are read strictly (no aliases); a
typo in a case file is a located error, and the inline credential file is checked like any other
credential file, with its lines in the case file.

Not pure: this module is the loader and runner of cases. It lists folders for case files
(``case_files``, ``rules_folders_for``), reads them through the strict loader (``load_case_file``,
``run_files``) and runs each through the engine. The comparison of expected and computed values
(``run_case``, ``_compare``) is pure. No typer, no rich.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal, Optional

from pydantic import Field

from marenew.core.base import Confidence, Strict
from marenew.core.credential import RenewalRoute
from marenew.core.defaults import WARN_DAYS
from marenew.core.results import Status
from marenew.core.words import plural
from marenew.load.files import yaml_files
from marenew.load.locate import suggest, validate
from marenew.load.problems import InputError, Problem, key_path
from marenew.load.yamlfile import Document, load_file
from marenew.ruletools.coverage import Exercise

CASES_FOLDER = "cases"


# --- the case-file model ----------------------------------------------------------------------


class RequirementExpect(Strict):
    required: Optional[float] = None
    counted: Optional[float] = None
    short: Optional[float] = None


class CapExpect(Strict):
    maximum: Optional[float] = None
    entered: Optional[float] = None
    counted: Optional[float] = None


class ConflictExpect(Strict):
    amount: float
    source: str = Field(description="the source's title")


class FeeItemExpect(Strict):
    label: Optional[str] = None
    amount: Optional[float] = None
    confidence: Optional[Confidence] = None
    conflicts: Optional[list[ConflictExpect]] = Field(default=None, description="[]: none recorded")


class CostExpect(Strict):
    path: Optional[str] = None
    amount: Optional[float] = Field(default=None, description="null: some fee in it is not published")
    member: Optional[bool] = None
    complete: Optional[bool] = None
    items: Optional[list[FeeItemExpect]] = Field(default=None, description="every item, in order")


class NextStepExpect(Strict):
    action: Optional[str] = None
    by: Optional[dt.date] = Field(default=None, description="null: no date (no published limit)")
    last_resort: Optional[dt.date] = None
    path: Optional[str] = None
    cost: Optional[CostExpect] = None


class PaceExpect(Strict):
    on_pace: Optional[bool] = None
    needed_per_month: Optional[float] = None
    sustainable_per_month: Optional[float] = None
    start_by: Optional[dt.date] = None


class CredentialExpect(Strict):
    """Any subset of one credential's ``status --json`` fields; only the keys written are checked."""

    status: Optional[Status] = None
    certified_on: Optional[dt.date] = None
    expires_on: Optional[dt.date] = None
    expires_on_from: Optional[Literal["card", "rule"]] = None
    deadline: Optional[dt.date] = None
    days_left: Optional[int] = None
    ready: Optional[bool] = None
    points_needed: Optional[float] = None
    unit: Optional[str] = None
    confidence: Optional[Confidence] = None
    requirements: dict[str, RequirementExpect] = Field(
        default_factory=dict, description="by requirement id (total, approved, a content area); {}: none"
    )
    caps: dict[str, CapExpect] = Field(default_factory=dict, description="by cap id (unapproved); {}: none")
    cost: Optional[CostExpect] = None
    next_step: Optional[NextStepExpect] = None
    pace: Optional[PaceExpect] = None
    may_use_credential: Optional[bool] = None


class RenewStep(Strict):
    """A renewal recorded in the input before it is judged, as `marenew renew` records it."""

    cert: str
    renewed_on: dt.date = Field(description="as `marenew renew --on`")
    by: Optional[RenewalRoute] = Field(default=None, description="as `--by`: ce or exam")
    expires_on: Optional[dt.date] = Field(default=None, description="as `--expires`: the new card's date")


class Case(Strict):
    name: str = Field(min_length=1)
    as_of: dt.date
    member: Optional[bool] = None
    warn_days: int = Field(default=WARN_DAYS, ge=0)
    input: dict[str, Any] = Field(description="a credential file: holder, memberships, credentials, credits")
    renew: Optional[RenewStep] = Field(default=None, description="record this renewal, then judge the new cycle")
    expect: dict[str, CredentialExpect] = Field(min_length=1, description="by certification id")


class _CaseFileTop(Strict):
    cases: list[Any]


# --- loading ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class LoadedCase:
    file: str  # as shown in messages
    case: Case
    document: Document  # the whole case file
    prefix: tuple  # where this case sits in it: (3,) or ("cases", 3)

    @property
    def name(self) -> str:
        return self.case.name

    @property
    def line(self) -> int | None:
        return self.document.locate(self.prefix)[0]

    def locate(self, *path: Any) -> tuple[int | None, int | None]:
        return self.document.locate(self.prefix + tuple(path))


def sub_document(doc: Document, prefix: tuple) -> Document:
    """The node at ``prefix`` as a document of its own, keeping the file's lines, so that a
    checker written for whole files (check_credentials) points into the enclosing file."""
    n = len(prefix)

    def inner(table: dict) -> dict:
        return {k[n:]: v for k, v in table.items() if k[:n] == prefix}

    node: Any = doc.data
    for part in prefix:
        node = node[part]
    return Document(
        source=doc.source, data=node, marks=inner(doc.marks), key_marks=inner(doc.key_marks), scalars=inner(doc.scalars)
    )


def _prefixed(problems: list[Problem], prefix: tuple) -> list[Problem]:
    """Problems found in a sub-document, with key paths from the top of the file."""
    head = key_path(prefix)
    out = []
    for p in problems:
        key = head + (p.key if p.key.startswith("[") else f".{p.key}") if p.key else head or None
        out.append(replace(p, key=key))
    return out


def _looks_like_rule_file(data: Any) -> bool:
    return isinstance(data, dict) and "cases" not in data and {"id", "cycle"} <= set(data)


def load_case_file(path: Path, *, source: str | None = None) -> list[LoadedCase]:
    """Every case in one file. Raises InputError with every problem in the file's structure
    (the inline credential files are checked against the rules by ``check_case``)."""
    source = source or str(path)
    doc = load_file(path, allow_aliases=False, source=source)
    data = doc.data
    if _looks_like_rule_file(data):
        raise InputError(
            [
                Problem(
                    source,
                    1,
                    1,
                    "this is a rule file, not a case file; worked cases live in "
                    f"the `{CASES_FOLDER}/` folder beside the rule files",
                )
            ]
        )
    base: tuple[str, ...]
    if isinstance(data, list):
        items, base = data, ()
    elif isinstance(data, dict):
        _, top_problems = validate(_CaseFileTop, doc)
        if top_problems:
            raise InputError(top_problems)
        items, base = data["cases"], ("cases",)
    else:
        line, col = doc.locate(())
        raise InputError([Problem(source, line, col, "a case file is a list of cases, or a mapping with `cases:`")])
    if not items:
        line, col = doc.locate(base)
        raise InputError([Problem(source, line, col, "no cases in this file", key=key_path(base) or None)])

    loaded: list[LoadedCase] = []
    problems: list[Problem] = []
    names: dict[str, int | None] = {}
    for i, item in enumerate(items):
        prefix = base + (i,)
        line, col = doc.locate(prefix)
        if not isinstance(item, dict):
            problems.append(
                Problem(
                    source, line, col, "a case is a mapping with name, as_of, input and expect", key=key_path(prefix)
                )
            )
            continue
        case, found = validate(Case, sub_document(doc, prefix))
        problems += _prefixed(found, prefix)
        if case is None:
            continue
        if case.name in names:
            problems.append(
                Problem(
                    source,
                    *doc.locate(prefix + ("name",)),
                    f"two cases named `{case.name}` (first at line {names[case.name]}); names tell failures apart",
                    key=key_path(prefix + ("name",)),
                )
            )
        names.setdefault(case.name, line)
        held = {str(c.get("cert")).upper() for c in case.input.get("credentials") or [] if isinstance(c, dict)}
        if case.renew is not None and case.renew.cert.upper() not in held:
            where = prefix + ("renew", "cert")
            problems.append(
                Problem(
                    source,
                    *doc.locate(where),
                    f"renews `{case.renew.cert}`, which the case's input does not hold{suggest(case.renew.cert, sorted(held))}",
                    key=key_path(where),
                )
            )
        for cert in case.expect:
            if cert.upper() not in held:
                where = prefix + ("expect", cert)
                problems.append(
                    Problem(
                        source,
                        *doc.locate(where, key=True),
                        f"expects `{cert}`, which the case's input does not hold{suggest(cert, sorted(held))}",
                        key=key_path(where),
                    )
                )
        loaded.append(LoadedCase(source, case, doc, prefix))
    from marenew.load.rules import placeholders

    problems += placeholders(doc, problems)
    if problems:
        raise InputError(sorted(problems, key=lambda p: (p.line or 0, p.col or 0)))
    return loaded


def case_files(paths: list[Path]) -> list[Path]:
    """Case files named by PATHs: a file as given; a folder with a ``cases/`` subfolder (a rules
    folder) -> the YAML files there; any other folder -> the YAML files in it."""
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            folder = path / CASES_FOLDER if (path / CASES_FOLDER).is_dir() else path
            out += yaml_files(folder)
        else:
            out.append(path)
    return out


def rules_folders_for(paths: list[Path]) -> list[Path]:
    """Rule folders that PATHs point into: a rules folder (with ``cases/``), or the rules folder
    above a ``cases/`` folder. Their rules are the ones their cases test."""
    out: list[Path] = []
    for path in paths:
        if path.is_dir() and (path / CASES_FOLDER).is_dir():
            folder = path
        elif path.is_dir() and path.name == CASES_FOLDER:
            folder = path.parent
        elif path.is_file() and path.parent.name == CASES_FOLDER:
            folder = path.parent.parent
        else:
            continue
        if folder not in out:
            out.append(folder)
    return out


# --- running ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Failure:
    field: str  # CMA.requirements.approved.short
    expected: Any  # as JSON
    got: Any
    line: int | None = None  # of the expectation in the case file
    col: int | None = None

    @property
    def message(self) -> str:
        return f"{self.field} expected {show(self.expected)}, got {show(self.got)}"

    def as_json(self) -> dict:
        return {
            "field": self.field,
            "expected": self.expected,
            "got": self.got,
            "line": self.line,
            "col": self.col,
            "message": self.message,
        }


@dataclass(frozen=True)
class CaseResult:
    file: str
    name: str
    line: int | None
    failures: tuple[Failure, ...] = ()
    exercised: tuple[Exercise, ...] = ()  # what the case's credentials were judged (for coverage)
    col: int | None = None

    @property
    def passed(self) -> bool:
        return not self.failures

    def where(self, failure: Failure) -> str:
        """``file:line:col`` of the expected value that failed (else of the case)."""
        line, col = (failure.line, failure.col) if failure.line else (self.line, self.col)
        return f"{self.file}:{line}:{col or 1}" if line else self.file

    def lines(self) -> list[str]:
        """``file:line:col: error: case 'name': field expected X, got Y``, one per failure."""
        return [f"{self.where(f)}: error: case '{self.name}': {f.message}" for f in self.failures]

    def as_json(self) -> dict:
        return {
            "file": self.file,
            "name": self.name,
            "line": self.line,
            "passed": self.passed,
            "failures": [f.as_json() for f in self.failures],
        }


@dataclass
class CaseRun:
    results: list[CaseResult] = field(default_factory=list)

    @property
    def passed(self) -> int:
        return sum(1 for r in self.results if r.passed)

    @property
    def failed(self) -> int:
        return len(self.results) - self.passed

    def summary(self) -> str:
        return f"{self.passed} passed, {self.failed} failed"

    def exercised(self):
        """(case index, exercise) for every credential of every case run."""
        return [(i, ex) for i, result in enumerate(self.results) for ex in result.exercised]

    def as_json(self) -> dict:
        return {"passed": self.passed, "failed": self.failed, "cases": [r.as_json() for r in self.results]}


def show(value: Any) -> str:
    """A JSON value as a person reads it in a failure: 30 not 30.0, null, true."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (list, dict)):
        import json

        return json.dumps(value)
    return str(value)


def _as_json_value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def _same(expected: Any, got: Any) -> bool:
    if isinstance(expected, bool) or isinstance(got, bool):
        return expected is got
    if isinstance(expected, (int, float)) and isinstance(got, (int, float)):
        return abs(expected - got) < 1e-6
    return expected == got


def check_case(loaded: LoadedCase, ruleset: Any):
    """The case's inline credential file, checked against the rules (raises InputError located in
    the case file)."""
    from marenew.load.credentials import check_credentials

    prefix = loaded.prefix + ("input",)
    try:
        return check_credentials(sub_document(loaded.document, prefix), ruleset, today=loaded.case.as_of)
    except InputError as exc:
        raise InputError(_prefixed(exc.problems, prefix)) from None


def run_case(loaded: LoadedCase, ruleset: Any, holder: Any = None) -> CaseResult:
    """Evaluate one case with the engine and compare every expected value with the JSON result
    (``holder``: the case's credential file when already checked)."""
    from marenew.core.engine import RuleGap, evaluate

    case = loaded.case
    line, col = loaded.locate()
    if holder is None:
        holder = check_case(loaded, ruleset).holder
    if case.renew is not None:
        try:
            holder = _renewed(case.renew, holder, ruleset)
        except ValueError as exc:  # the renewal cannot be recorded (NoRenewalRule, RenewalRefused)
            line, col = loaded.locate("renew")
            return CaseResult(
                loaded.file, case.name, line, (Failure("renew", "a renewal", str(exc), line, col),), col=col
            )
    try:
        report = evaluate(ruleset.rules, holder, case.as_of, member=case.member, warn_days=case.warn_days)
    except RuleGap as exc:
        return CaseResult(loaded.file, case.name, line, (Failure("evaluation", "a result", str(exc)),), col=col)
    by_cert = {c.cert.upper(): c.as_json() for c in report.credentials}
    failures: list[Failure] = []
    for cert, expect in case.expect.items():
        failures += _compare(loaded, cert, expect, by_cert[cert.upper()])
    exercised = tuple(
        Exercise(c.cert.upper(), c.status, c.cost.path, (case.as_of, c.certified_on, c.expires_on))
        for c in report.credentials
    )
    return CaseResult(loaded.file, case.name, line, tuple(failures), exercised, col)


def _renewed(step: RenewStep, holder: Any, ruleset: Any) -> Any:
    """The case's credential file with ``step`` recorded (core.renewal decides, as for `renew`)."""
    from marenew.core.renewal import record_renewal

    credentials = list(holder.credentials)
    index = next(i for i, c in enumerate(credentials) if c.key == step.cert.upper())
    cred = credentials[index]
    done = record_renewal(
        ruleset.rules[cred.key], cred, holder.credits, step.renewed_on, by=step.by, card_expires_on=step.expires_on
    )
    credentials[index] = done.apply(cred)
    return holder.model_copy(update={"credentials": credentials})


def _compare(loaded: LoadedCase, cert: str, expect: CredentialExpect, got: dict) -> list[Failure]:
    out: list[Failure] = []
    base = ("expect", cert)

    def check(path: tuple, expected: Any, actual: Any) -> None:
        expected = _as_json_value(expected)
        if not _same(expected, actual):
            line, col = loaded.locate(*base, *path)
            out.append(Failure(".".join([cert, *map(str, path)]), expected, actual, line, col))

    for name in expect.model_fields_set:
        value = getattr(expect, name)
        if name in ("requirements", "caps"):
            listed = {item["id"]: item for item in got[name]}
            if not value and listed:  # `caps: {}` expects none at all
                line, col = loaded.locate(*base, name)
                out.append(Failure(f"{cert}.{name}", "none", ", ".join(listed), line, col))
            for item_id, sub in value.items():
                if item_id not in listed:
                    line, col = loaded.locate(*base, name, item_id)
                    have = ", ".join(listed) or "none"
                    out.append(Failure(f"{cert}.{name}.{item_id}", "present", f"absent (has: {have})", line, col))
                    continue
                for key in sorted(sub.model_fields_set):
                    check((name, item_id, key), getattr(sub, key), listed[item_id][key])
        elif name == "cost":
            for key in sorted(value.model_fields_set - {"items"}):
                check(("cost", key), getattr(value, key), got["cost"][key])
            if "items" in value.model_fields_set:
                out += _compare_items(loaded, cert, value.items or [], got["cost"]["items"])
        elif name == "pace":
            for key in sorted(value.model_fields_set):
                check((name, key), getattr(value, key), got[name][key])
        elif name == "next_step":
            for key in sorted(value.model_fields_set):
                if key == "cost":
                    for sub in sorted(value.cost.model_fields_set - {"items"}):
                        check((name, "cost", sub), getattr(value.cost, sub), got[name]["cost"][sub])
                else:
                    check((name, key), getattr(value, key), got[name][key])
        else:
            check((name,), value, got[name])
    out.sort(key=lambda f: (f.line or 0, f.field))
    return out


def _compare_items(loaded: LoadedCase, cert: str, expected: list[FeeItemExpect], got: list[dict]) -> list[Failure]:
    """Cost items in order: as many as expected, each with the keys written."""
    base = ("expect", cert, "cost", "items")
    if len(expected) != len(got):
        line, _ = loaded.locate(*base)
        labels = "; ".join(f"{g['label']} {g['amount']}" for g in got) or "none"
        return [Failure(f"{cert}.cost.items", plural(len(expected), "item"), f"{len(got)} ({labels})", line)]
    out = []
    for i, (want, have) in enumerate(zip(expected, got)):
        for key in sorted(want.model_fields_set):
            value = getattr(want, key)
            if key == "conflicts":
                expected_value: Any = [{"amount": c.amount, "source": c.source} for c in value or []]
                same = len(expected_value) == len(have[key]) and all(
                    _same(e["amount"], h["amount"]) and e["source"] == h["source"]
                    for e, h in zip(expected_value, have[key])
                )
            else:
                expected_value = value
                same = _same(value, have[key])
            if not same:
                line, _ = loaded.locate(*base, i, key)
                out.append(Failure(f"{cert}.cost.items[{i}].{key}", expected_value, have[key], line))
    return out


def run_files(files: list[Path], ruleset: Any, *, source_of=str) -> CaseRun:
    """Load every case file, check every inline credential file, then run every case. Raises
    InputError with every problem of every file if any case file is broken (nothing runs)."""
    cases: list[tuple[LoadedCase, Any]] = []
    problems: list[Problem] = []
    for path in files:
        try:
            loaded = load_case_file(path, source=source_of(path))
        except InputError as exc:
            problems += exc.problems
            continue
        for case in loaded:
            try:
                cases.append((case, check_case(case, ruleset).holder))
            except InputError as exc:
                problems += exc.problems
    errors = [p for p in problems if p.level == "error"]
    if errors:
        raise InputError(errors)
    run = CaseRun()
    for case, holder in cases:
        run.results.append(run_case(case, ruleset, holder))
    return run
