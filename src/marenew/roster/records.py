"""One person's records -> the same models as a credential file -> the engine -> roster rows.

Pure: no I/O. A person is judged only when every record of theirs is good, as a credential file
is only judged when it loads: a bad cell anywhere in their rows, or a check of ``loaders``
that fails (unknown cert, a credit listed twice, ...), turns each of their people rows into an
error row, and each bad credit row into an error row of its own.

Most people have nothing wrong: they take a quick path, one pass from cells to the models, where
what the checks ask of each credit is asked once per distinct cell, and their credits are counted
from their values (``CreditValues``) without a model each. At the first sign of
anything the checks would report, the person is judged the careful way, which finds, locates and
words every problem; both give the same rows (a differential test holds them to it).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from itertools import repeat
from operator import itemgetter
from typing import Any, TypeVar

from pydantic import ValidationError

from marenew.core.credential import CredentialFile, Credit, CreditValues, assembled
from marenew.core.engine import RuleGap, evaluate
from marenew.load.credcheck import CreditChecks, credit_checks, holder_problems, plain_amount, semantic_problems
from marenew.load.problems import Problem
from marenew.load.rules import RuleSet
from marenew.load.yamlfile import Document

from .columns import (
    DATE_PROBLEM,
    ISO_ONLY,
    ColumnMap,
    DateReader,
    cell_text,
    credit_cells,
    person_cells,
    read_date,
    read_number,
    split_list,
    title_text,
    validation_problems,
)
from .packed import PersonRecords, Record, SplitLines, lines_of, unpack
from .reader import LineForm
from .rows import Keyed, error_row, result_row


@dataclass(frozen=True)
class Settings:
    as_of: dt.date
    warn_days: int
    member: bool | None  # None: from each holder's memberships
    dates: DateReader = ISO_ONLY  # how the export writes dates
    kept: tuple[str, ...] = ()  # people columns passed through to every row (--keep)
    with_file: bool = False  # rows carry the person's credential file (``notify`` builds calendars from it)
    column_map: ColumnMap | None = None  # headers the user named (--map, --map-file)
    # rows made for their CSV record alone (``rows.record_row``): the workers' rows when they
    # write them as CSV text at once (``runner._install``)
    records: bool = False


@dataclass(frozen=True)
class Context:
    rules: RuleSet
    settings: Settings
    people_file: str = "people.csv"
    credits_file: str = "credits.csv"


def holder_rows(
    source: str,
    holder: CredentialFile,
    warnings: list[str],
    ctx: Context,
    where: list[tuple[str, int | None]],
    kept: list[dict[str, str]] | None = None,
    credits: list[CreditValues] | None = None,
) -> list[Keyed]:
    """Rows for a holder whose records all loaded: one per credential, judged by the engine.
    ``where`` locates each credential (file, line) for an error row; ``kept`` holds each
    credential's kept columns; ``credits``, when given, are the holder's credits (the quick
    path's), in place of the file's."""
    s = ctx.settings
    kept = kept or [{} for _ in holder.credentials]
    try:
        report = evaluate(
            ctx.rules.rules, holder, s.as_of, member=s.member, warn_days=s.warn_days, detail=False, credits=credits
        )
    except RuleGap as exc:  # a rule without a cycle length, and no expires_on given
        return [
            error_row(
                source, [Problem(f, line, None, str(exc))], holder=holder.holder, cert=c.cert, as_of=s.as_of, kept=k
            )
            for c, (f, line), k in zip(holder.credentials, where, kept)
        ]
    rules = ctx.rules.rules
    rows = [
        result_row(
            source, holder.holder, result, warnings, rule=rules[cred.key], as_of=s.as_of, kept=k, record=s.records
        )
        for cred, result, k in zip(holder.credentials, report.credentials, kept)
    ]
    if s.with_file:
        data = holder.model_dump(exclude_none=True)
        for _, row in rows:
            row["credential_file"] = data
    return rows


def orphan_row(pid: str, line: int, ctx: Context, message: str | None = None, hint: str | None = None) -> Keyed:
    """A credit row whose person is not in the people file (or that is itself malformed)."""
    if message is None:
        message = f"person_id `{pid}` is not in {ctx.people_file}" if pid else "person_id is empty"
        if hint:
            message += f"; {hint}"
    key = "person_id" if not pid and message == "person_id is empty" else None
    return error_row(pid, [Problem(ctx.credits_file, line, None, message, key=key)], as_of=ctx.settings.as_of)


class _CsvLines(Document):
    """A Document whose node positions are CSV lines: ``("credits", j, ...)`` is the line of
    credit row j. Looked up only when a check finds a problem (no table built per person)."""

    def __init__(self, people: list[Record], credits: list[Record], membership_rows: list[int]):
        super().__init__("", None)
        self._rows = {"credentials": people, "credits": credits}
        self._membership_rows = membership_rows
        self._people = people

    def locate(self, path: tuple, *, key: bool = False) -> tuple[int | None, int | None]:
        if len(path) >= 2 and isinstance(path[1], int):
            if path[0] == "memberships":
                return self._people[self._membership_rows[path[1]]][0], None
            rows = self._rows.get(path[0])
            if rows is not None and path[1] < len(rows):
                return rows[path[1]][0], None
        return None, None


_KEY = re.compile(r"(credentials|credits|memberships)\[(\d+)\](?:\.(\w+))?")


@dataclass
class _Person:
    """One person's records as read: the cells of each people row and each credit row kept, and
    the problems found, by row."""

    people: list[Record]
    credits: list[Record]  # without the credit rows dropped as duplicates
    creds: list[dict | None]  # each people row's credential (None: a malformed record)
    holders: list[str | None]
    kept: list[dict[str, str]]  # each people row's --keep columns
    memberships: dict[str, int]  # body -> index of the people row that first listed it
    found_credits: list[dict | None]
    person_problems: list[list[Problem]]
    credit_problems: list[list[Problem]]
    warnings: list[str]
    holder_name: str | None = None  # the holder as written on the first row that gives one

    def has_problems(self) -> bool:
        return any(self.person_problems) or any(self.credit_problems)


def person_rows(
    pid: str, people: list[Record], credits: PersonRecords | SplitLines, ctx: Context
) -> tuple[list[Keyed], int]:
    """Rows for one person_id: one per people row (a result or an error), plus one error row per
    rejected credit row. Returns the rows and how many credit rows were rejected. ``credits``: the
    person's credit records, or their lines as read (``packed``)."""
    clear = _clear_person(people, credits, ctx)
    if clear is not None:
        holder, counted, kept = clear
        where: list[tuple[str, int | None]] = [(ctx.people_file, line) for line, _ in people]
        return holder_rows(pid, holder, [], ctx, where, kept, counted), 0
    return careful_rows(pid, people, unpack(credits), ctx)


def careful_rows(pid: str, people: list[Record], credits: list[Record], ctx: Context) -> tuple[list[Keyed], int]:
    """``person_rows`` the careful way, for any person: every record read into a dict, every
    problem found, located and worded."""
    person = _read(people, credits, ctx)
    _one_date_problem(person.person_problems, person.credit_problems)
    _holders_agree(person, ctx)
    holder = None if person.has_problems() else _validate(person, ctx)
    if holder is not None:
        _check(person, holder, ctx)
    if holder is not None and not person.has_problems():
        where: list[tuple[str, int | None]] = [(ctx.people_file, line) for line, _ in people]
        return holder_rows(pid, holder, person.warnings, ctx, where, person.kept), 0
    return _error_rows(pid, person, ctx)


class _Nowhere:
    """A locator for checks whose every finding sends the person to the careful path."""

    source = ""

    def locate(self, path: tuple, *, key: bool = False) -> tuple[int | None, int | None]:
        return None, None


_NOWHERE = _Nowhere()


_NO: Any = object()  # not (yet) known to be clear
_new = object.__new__


class _ClearCells:
    """Credit cells found clear of every problem, for one CreditChecks and date reader: cells ->
    their values. Only clear cells are kept, each read and checked once (a roster has a few dozen
    distinct bodies and areas and a few thousand days among millions of cells); any other cell
    sends the person to the careful path, which words its problem. Each method gives the value
    of cells not kept yet, or _NO."""

    def __init__(self, checks: CreditChecks, dates: DateReader):
        self.checks, self.dates = checks, dates
        # a day's cell reads and checks the same whatever the certifications held: shared
        self.days: dict[str, dt.date] = _CLEAR_DAYS.setdefault((checks.today, dates.formats), {})
        # (points, college_credits, category, approved_by, applies_to) cells -> their values
        self.rest: dict[tuple[str, ...], tuple[float, str | None, list[str], list[str] | None]] = {}
        # the same, by those cells as one text (the rest of a line as read), per delimiter: one
        # string to hash where the cells are five, and a tuple
        self.rest_lines: dict[str, dict[str, tuple[float, str | None, list[str], list[str] | None]]] = {}

    def day(self, text: str) -> dt.date:
        found: list = []
        day = read_date(text, "date", found, required=True, dates=self.dates)
        if day is None or found or self.checks.day(day):
            return _NO
        return _keep(self.days, text, day)

    def values(self, cells: tuple[str, ...]) -> tuple[float, str | None, list[str], list[str] | None]:
        if len(cells) != 5:  # a line of another width (a chunk's lines come unchecked)
            return _NO
        points, college, category, approved_by, applies_to = cells
        if college or not points:  # college credits, or neither: the amount checks look closer
            return _NO
        found: list = []
        value = read_number(points, "points", found)
        area = cell_text(category) if category else None
        bodies = split_list(approved_by) if approved_by else []
        certs = (split_list(applies_to) or None) if applies_to else None
        checks = self.checks
        if (
            value is None
            or found
            or not plain_amount(value, None)
            or (area is not None and checks.area(area))
            or any(checks.body(b) for b in bodies)
            or any(checks.applies(c) for c in certs or ())
        ):
            return _NO
        return _keep(self.rest, cells, (value, area, bodies, certs), REST_KEPT)

    def line_values(self, text: str, delimiter: str) -> tuple[float, str | None, list[str], list[str] | None]:
        """``values`` of the cells of ``text``, the rest of a line from the points on."""
        values = self.values(tuple(text.split(delimiter)))
        if values is not _NO:
            _keep(self.rest_lines.setdefault(delimiter, {}), text, values, REST_KEPT)
        return values


# Distinct cells kept (bounded, so that an export of a million distinct values holds no more
# memory than that); past this, cells are read every time. Days and titles are kept for the
# whole process, the other cells for each set of certifications held (a few dozen sets in all).
CELLS_KEPT = 1 << 16
REST_KEPT = 1 << 12
_K = TypeVar("_K")
_V = TypeVar("_V")


def _keep(memo: dict[_K, _V], key: _K, value: _V, most: int = CELLS_KEPT) -> _V:
    if len(memo) < most:
        memo[key] = value
    return value


_CLEAR: dict[tuple, _ClearCells] = {}
_CLEAR_DAYS: dict[tuple, dict[str, dt.date]] = {}  # (day of checking, date formats) -> day cells
_TITLES: dict[str, tuple[str, str]] = {}  # title cell -> the title, and in lower case


def _clear_cells(checks: CreditChecks, dates: DateReader) -> _ClearCells:
    key = (checks, dates.formats)
    hit = _CLEAR.get(key)
    if hit is None:
        if len(_CLEAR) > 64:
            _CLEAR.clear()
            _CLEAR_DAYS.clear()
        hit = _CLEAR[key] = _ClearCells(checks, dates)
    return hit


def _title(cell: str) -> tuple[str, str]:
    text = title_text(cell)
    return _keep(_TITLES, cell, (text, text.lower())) if text else _NO


_CREDIT_FIELDS = frozenset(Credit.model_fields) - {"certificate"}  # the fields a credits row gives
_CELLS = itemgetter(1)  # a record's cells
# where a credit's title, date and the rest (the five cells from the points on) sit among its
# canonical cells
_TITLE, _DATE, _REST = 1, 2, slice(3, 8)
_CREDIT_CELLS = itemgetter(0, _TITLE, _DATE, _REST)  # (person_id, title, date, the rest) of a credit's cells


def _clear_credit(title: str, day: dt.date, rest: tuple[float, str | None, list[str], list[str] | None]) -> Credit:
    """The Credit pydantic makes of a clear credit row's values, made as pydantic makes it (its
    four slots set), for a fraction of the cost. The values are of the types the model declares
    (text, a day, a number, text or None, lists of text), which strict validation always
    accepts as they are, with new lists; test_roster_quick holds the two equal, slot by slot.
    The person is still validated by pydantic (a Credit it is given is taken as it is). ``rest``
    is (points, category, approved_by, applies_to), as for ``CreditValues``."""
    points, area, bodies, certs = rest
    return assembled(
        Credit,
        {
            "title": title,
            "date": day,
            "points": points,
            "college_credits": None,
            "category": area,
            "approved_by": list(bodies),
            "applies_to": None if certs is None else list(certs),
            "certificate": None,
        },
        set(_CREDIT_FIELDS),
    )


def _clear_person(
    people: list[Record], credits: PersonRecords | SplitLines, ctx: Context
) -> tuple[CredentialFile, list[CreditValues] | None, list[dict[str, str]]] | None:
    """The usual person in one pass: the holder validated (by the same model as ever) with no
    problem at all, their credits, and each credential's kept columns; None at the first sign of anything
    ``careful_rows`` would report (a bad or doubtful cell, a warning, a credit listed twice),
    which then judges the person and words every problem. What ``credit_problems`` checks of
    each credit is asked of each distinct cell once (``CreditChecks``, ``_ClearCells``); the
    checks of the holder, the credentials and the memberships run as for a credential file."""
    settings = ctx.settings
    dates = settings.dates
    kept_names = settings.kept
    creds: list[dict] = []
    kept: list[dict[str, str]] = []
    memberships: dict[str, None] = {}
    holder_name = None
    for _line, record in people:
        if isinstance(record, str):
            return None
        data, name, bodies, found = person_cells(record, dates)
        if found or (holder_name is not None and name != holder_name):
            return None
        holder_name = name
        creds.append(data)
        kept.append({column: value.strip() for column, value in zip(kept_names, record[7:])} if kept_names else {})
        for body in bodies:
            memberships[body] = None
    checks = credit_checks(ctx.rules, frozenset(c["cert"].upper() for c in creds), settings.as_of)
    clear = _clear_cells(checks, dates)
    titles, days = _TITLES, clear.days
    cells = _credit_cells(credits, clear)
    if cells is None:
        return None
    rows, rest, found_rest = cells
    # the credits as the engine counts them; the models themselves when the file is written out
    models = settings.with_file
    found_credits: list[Any] = []
    lower: list[str] = []  # each credit's title in lower case: with its day, what tells credits apart
    add, title_of = found_credits.append, lower.append
    try:
        for _, title_cell, day_cell, rest_cells in rows:
            # cells seen before are found without a call (a miss is rare: a cell seen for the first time)
            try:
                title = titles[title_cell]
            except KeyError:
                if (title := _title(title_cell)) is _NO:
                    return None
            try:
                day = days[day_cell]
            except KeyError:
                if (day := clear.day(day_cell)) is _NO:
                    return None
            try:
                values = rest[rest_cells]
            except KeyError:
                if (values := found_rest(rest_cells)) is _NO:
                    return None
            title_of(title[1])
            if models:
                add(_clear_credit(title[0], day, values))
            else:
                # CreditValues(title, day, values), its slots set here: cheaper than the call to __init__
                credit = _new(CreditValues)
                credit.title, credit.date = title[0], day
                credit.points, credit.category, credit.approved_by, credit.applies_to = values
                add(credit)
    except ValueError:  # a line cut short, of fewer cells than the date's (a chunk's lines come unchecked)
        return None
    # listed twice (the same title and day): a warning or an error, in the careful path's words.
    # The days are looked at only when a title comes twice.
    if len(set(lower)) < len(lower) and len(set(zip(lower, (c.date for c in found_credits)))) < len(lower):
        return None
    try:
        holder = CredentialFile.model_validate(
            {
                "holder": holder_name,
                "memberships": list(memberships),
                "credentials": creds,
                "credits": found_credits if models else [],
            }
        )
    except ValidationError:
        return None
    if holder_problems(holder, _NOWHERE, ctx.rules, today=settings.as_of):
        return None
    return holder, None if models else found_credits, kept


def _credit_cells(
    credits: PersonRecords | SplitLines, clear: _ClearCells
) -> tuple[Iterable[Sequence[Any]], dict[Any, Any], Callable[[Any], Any]] | None:
    """Each credit as (its person_id or its cells, its title cell, its date cell, the rest), the
    rest being a key of the memo returned with them, which the function returned last reads when
    it is not kept; None when a record could not be read (the careful path words it)."""
    if type(credits) is SplitLines:
        return _row_cells(credits.rows, credits.form, clear)
    as_read = lines_of(credits)  # type: ignore[arg-type]
    if as_read is None:
        records = unpack(credits)
        if any(type(found) is str for _, found in records):
            return None
        return map(_CREDIT_CELLS, map(_CELLS, records)), clear.rest, clear.values
    _, text, form = as_read
    return _row_cells(line_rows(text.split("\n"), form), form, clear)


def line_rows(lines: list[str], form: LineForm) -> Iterable[list[str]]:
    """Plain lines split as the reader splits them, without making records: in the canonical
    columns only as far as the date, the rest of the line one text (one string to hash where the
    cells are five); in any other order into cells (the person_id at ``form.index[PERSON_ID]``,
    the first cell in the canonical order)."""
    if form.canonical:
        # cut at the first three delimiters: person_id, title, date, and the rest of the line
        return map(str.split, lines, repeat(form.delimiter), repeat(_REST.start))
    return form.split(lines)


def _row_cells(
    rows: Iterable[list[str]], form: LineForm, clear: _ClearCells
) -> tuple[Iterable[Sequence[Any]], dict[Any, Any], Callable[[Any], Any]] | None:
    """``_credit_cells`` of lines split by ``line_rows``: in the canonical columns the rest is the
    rest of the line; in any other order the five cells from the points on, in their canonical
    order, as a record's."""
    delimiter = form.delimiter
    if form.canonical:
        return (
            rows,
            clear.rest_lines.setdefault(delimiter, {}),
            functools.partial(clear.line_values, delimiter=delimiter),
        )
    cells = rows if isinstance(rows, list) else list(rows)
    if form.width and set(map(len, cells)) - {form.width + form.pad}:
        return None  # a line of another width (a chunk's lines come unchecked)
    at = form.index
    rest = map(itemgetter(*at[_REST]), cells)
    return (
        zip(cells, map(itemgetter(at[_TITLE]), cells), map(itemgetter(at[_DATE]), cells), rest),
        clear.rest,
        clear.values,
    )


def _read(people: list[Record], credits: list[Record], ctx: Context) -> _Person:
    """The cells of every record, with the problems of each cell; a credit row repeated exactly
    is dropped with a warning."""
    pf, cf = ctx.people_file, ctx.credits_file
    dates, kept_names = ctx.settings.dates, ctx.settings.kept
    person = _Person(people, [], [], [], [], {}, [], [[] for _ in people], [], [])
    for i, (line, cells) in enumerate(people):
        if isinstance(cells, str):
            person.creds.append(None)
            person.holders.append(None)
            person.kept.append({})
            person.person_problems[i].append(Problem(pf, line, None, cells))
            continue
        data, name, bodies, found = person_cells(cells, dates)
        person.kept.append({column: value.strip() for column, value in zip(kept_names, cells[7:])})
        person.creds.append(data)
        person.holders.append(name or None)
        for body in bodies:
            person.memberships.setdefault(body, i)
        person.person_problems[i] += [Problem(pf, line, None, msg, key=col) for col, msg in found]
    seen: dict[tuple, int] = {}  # a credit's content -> the line that first gave it
    for line, cells in credits:
        if isinstance(cells, str):
            person.found_credits.append(None)
            person.credit_problems.append([Problem(cf, line, None, cells)])
            person.credits.append((line, cells))
            continue
        data, found = credit_cells(cells, dates)
        if not found:
            same = _content(data)
            if same in seen:  # an LMS that exported a completion twice: one activity, counted once
                message = f"the same credit as line {seen[same]} (same person, title, date and points); counted once"
                person.warnings.append(str(Problem(cf, line, None, message, level="warning")))
                continue
            seen[same] = line
        person.found_credits.append(data)
        person.credit_problems.append([Problem(cf, line, None, msg, key=col) for col, msg in found] if found else [])
        person.credits.append((line, cells))
    person.holder_name = next((h for h in person.holders if h), None)
    return person


def _holders_agree(person: _Person, ctx: Context) -> None:
    """Every people row of a person names the same holder (or none)."""
    holder_name = person.holder_name
    first_line = next((line for (line, _), h in zip(person.people, person.holders) if h), None)
    for i, h in enumerate(person.holders):
        if h and h != holder_name:
            person.person_problems[i].append(
                Problem(
                    ctx.people_file,
                    person.people[i][0],
                    None,
                    f"holder differs from the one given for this person_id at line {first_line}",
                    key="holder",
                )
            )


def _validate(person: _Person, ctx: Context) -> CredentialFile | None:
    """One validation for the whole person, as for a credential file; what fails is put on the
    row it came from."""
    pf, cf = ctx.people_file, ctx.credits_file
    try:
        return CredentialFile.model_validate(
            {
                "holder": person.holder_name,
                "memberships": list(person.memberships),
                "credentials": person.creds,
                "credits": person.found_credits,
            }
        )
    except ValidationError as exc:
        row_of = list(person.memberships.values())
        for loc, message in validation_problems(exc):
            kind = loc[0] if loc else ""
            index = loc[1] if len(loc) > 1 and isinstance(loc[1], int) else 0
            column = next((str(p) for p in loc[2:] if isinstance(p, str)), None)
            if kind == "credits":
                person.credit_problems[index].append(Problem(cf, person.credits[index][0], None, message, key=column))
            else:
                row = row_of[index] if kind == "memberships" else index if kind == "credentials" else 0
                person.person_problems[row].append(
                    Problem(pf, person.people[row][0], None, message, key=column or (str(kind) if kind else None))
                )
        return None


def _check(person: _Person, holder: CredentialFile, ctx: Context) -> None:
    """The loaders' own checks (unknown cert, a credit listed twice, ...), located through a
    document whose positions are the CSV lines: errors go to their row, warnings to the rows."""
    pf, cf = ctx.people_file, ctx.credits_file
    row_of = list(person.memberships.values())
    doc = _CsvLines(person.people, person.credits, row_of)
    for problem in semantic_problems(holder, doc, ctx.rules, today=ctx.settings.as_of):
        match = _KEY.match(problem.key or "")
        kind, index, column = (match.group(1), int(match.group(2)), match.group(3)) if match else ("", 0, None)
        if kind == "credits":
            located = Problem(cf, problem.line, None, problem.message, problem.level, column)
            bucket = person.credit_problems[index]
        else:
            row = row_of[index] if kind == "memberships" else index
            located = Problem(
                pf,
                problem.line,
                None,
                problem.message,
                problem.level,
                column or ("memberships" if kind == "memberships" else None),
            )
            bucket = person.person_problems[row]
        if problem.level == "error":
            bucket.append(located)
        else:
            person.warnings.append(str(located))


def _error_rows(pid: str, person: _Person, ctx: Context) -> tuple[list[Keyed], int]:
    """A person with a problem anywhere: an error row per people row (those without a problem of
    their own name the first cause), and one per rejected credit row."""
    as_of, holder_name, kept = ctx.settings.as_of, person.holder_name, person.kept
    out: list[Keyed] = []
    cause = next(p for p in (*person.person_problems, *person.credit_problems) if p)[0]
    for (line, _cells), cred_data, problems, k in zip(person.people, person.creds, person.person_problems, kept):
        if not problems:
            problems = [
                Problem(
                    ctx.people_file,
                    line,
                    None,
                    f"not evaluated: another record of this person has an error ({cause.file}:{cause.line})",
                )
            ]
        out.append(
            error_row(
                pid, problems, holder=holder_name, cert=(cred_data or {}).get("cert") or None, as_of=as_of, kept=k
            )
        )
    rejected = 0
    for problems in person.credit_problems:
        if problems:
            out.append(error_row(pid, problems, holder=holder_name, as_of=as_of, kept=kept[0] if kept else None))
            rejected += 1
    return out, rejected


def _content(data: dict) -> tuple:
    """What makes two credit rows the same activity: every field as read (credit_cells gives
    them all, always in the same order; lists as tuples, so that the whole is hashable)."""
    applies_to = data["applies_to"]
    return (
        data["title"],
        data["date"],
        data["points"],
        data["college_credits"],
        data["category"],
        tuple(data["approved_by"]),
        None if applies_to is None else tuple(applies_to),
    )


def _one_date_problem(person_problems: list[list[Problem]], credit_problems: list[list[Problem]]) -> None:
    """Dates an export writes in a form marenew does not read are one problem of the person, not
    one per cell: the first, with where the others are, goes to the person's first row; credit
    rows with nothing else wrong are not rejected on their own."""
    if not any(person_problems) and not any(credit_problems):
        return  # the usual person: nothing wrong at all
    found: list[Problem] = []
    for bucket in (*person_problems, *credit_problems):
        dated = [p for p in bucket if p.message.startswith(DATE_PROBLEM)]
        for p in dated:
            bucket.remove(p)
        found += dated
    if not found:
        return
    first = found[0]
    message = first.message[len(DATE_PROBLEM) :]
    if len(found) > 1:
        others = ", ".join(f"{p.file}:{p.line}" for p in found[1:4]) + (", ..." if len(found) > 4 else "")
        message += f" (and {len(found) - 1} more date{'s' if len(found) > 2 else ''} of this person: {others})"
    person_problems[0].insert(0, Problem(first.file, first.line, None, message, key=first.key))
