"""The two CSV exports: their columns, the header, and each row's cells -> validated models.

people.csv: one row per person and credential. credits.csv: one row per completed activity.
Exports come as a learning-management system writes them, so a header is matched loosely: case,
spaces and punctuation do not matter (``Employee ID`` = ``employee_id``), common synonyms are
known (``Credential`` -> cert, ``Cert Date`` -> certified_on), and ``--map``/``--map-file`` name
the rest. ``holder`` may come from first- and last-name columns. Lists (memberships,
approved_by, applies_to) are ``;``-separated. Dates are ISO ``YYYY-MM-DD`` unless date formats
are given (``DateReader``). Names and ids are NFC-normalised, so that the same name saved in two
Unicode forms is one name. Pure: no I/O.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from operator import itemgetter

from pydantic import ValidationError

from marenew.core.dates import NotIsoDay, iso_day
from marenew.load.problems import InputError, Problem


@dataclass(frozen=True)
class Columns:
    name: str
    columns: tuple[str, ...]
    required: tuple[str, ...]
    one_of: tuple[str, ...] = ()  # at least one of these columns must be present
    synonyms: dict[str, tuple[str, ...]] = field(default_factory=dict)


_ID_SYNONYMS = (
    "person id",
    "employee id",
    "employee number",
    "employee no",
    "emp id",
    "staff id",
    "staff number",
    "worker id",
    "user id",
    "badge id",
    "id",
)
PEOPLE = Columns(
    "people",
    ("person_id", "holder", "cert", "certified_on", "expires_on", "number", "memberships"),
    required=("person_id", "holder", "cert", "certified_on"),
    synonyms={
        "person_id": _ID_SYNONYMS,
        "holder": ("name", "full name", "employee name", "staff name"),
        "cert": (
            "credential",
            "certification",
            "certificate",
            "credential type",
            "certification type",
            "cert type",
            "credential name",
            "certification name",
        ),
        "certified_on": (
            "cert date",
            "certified",
            "certification date",
            "certified date",
            "date certified",
            "issue date",
            "issued",
            "issued on",
            "date issued",
            "effective date",
            "renewal date",
            "recertified on",
            "last renewed",
        ),
        "expires_on": (
            "exp date",
            "expires",
            "expiration",
            "expiration date",
            "expiry",
            "expiry date",
            "valid until",
            "valid through",
            "expire date",
        ),
        "number": (
            "cert number",
            "certificate number",
            "certification number",
            "credential number",
            "license number",
            "cert no",
            "certificate no",
            "credential id",
        ),
        "memberships": ("membership", "member of", "member"),
    },
)
CREDITS = Columns(
    "credits",
    ("person_id", "title", "date", "points", "college_credits", "category", "approved_by", "applies_to"),
    required=("person_id", "title", "date"),
    one_of=("points", "college_credits"),
    synonyms={
        "person_id": _ID_SYNONYMS,
        "title": (
            "course",
            "course title",
            "course name",
            "activity",
            "activity title",
            "activity name",
            "module",
            "training",
            "training title",
        ),
        "date": (
            "completed",
            "completed on",
            "completion date",
            "date completed",
            "completed date",
            "finished on",
            "finish date",
        ),
        "points": (
            "ce",
            "ces",
            "ceu",
            "ceus",
            "ce units",
            "ce points",
            "contact hours",
            "hours",
            "credit hours",
            "credits",
            "ce hours",
        ),
        "college_credits": ("college credit", "semester credits", "academic credits"),
        "category": ("content area", "area", "ce category", "topic area"),
        "approved_by": ("approved", "approver", "approval", "accredited by", "accreditor", "approving body"),
        "applies_to": ("applies", "for credential", "for cert", "credential", "certification"),
    },
)
PERSON_ID = 0  # person_id is the first canonical column of both files
HOLDER = 1  # the holder's place among the people columns
# Name parts that make up the holder when the export has no single name column.
FIRST_NAME = ("first name", "given name", "first", "forename")
LAST_NAME = ("last name", "surname", "family name", "last")
NAME_PARTS = ("first_name", "last_name")  # their names in --map (people.first_name=...)
SEPARATOR = {",": "comma", ";": "semicolon", "\t": "tab"}
# Other names of columns people often keep (--keep email finds `E-mail Address`).
KEEP_SYNONYMS = {"email": ("e-mail", "email address", "e-mail address", "work email", "mail")}


def key(name: str) -> str:
    """A header as compared: NFKC, case-folded, letters and digits only (``E-mail Address`` ->
    ``emailaddress``), and a byte-order mark a spreadsheet left on the first cell dropped."""
    folded = unicodedata.normalize("NFKC", name.lstrip("\ufeff")).casefold()
    return "".join(ch for ch in folded if ch.isalnum())


def nfc(text: str) -> str:
    """The same name or id, whichever Unicode form the export saved it in (é as one character or
    as e and a combining accent)."""
    return text if text.isascii() else unicodedata.normalize("NFC", text)


def partition_key(person_id: str) -> str:
    """What puts a person's records together: their id without leading zeros, so that ``0042``
    and ``42`` meet, and the lost zeros can be pointed out (``zero_hint``)."""
    return person_id.lstrip("0") or person_id


def zero_hint(person_id: str, known: dict[str, str]) -> str | None:
    """``known``: partition_key -> person_id of the other file. A hint when ``person_id`` matches
    one of them only once leading zeros are ignored (a spreadsheet turned the ids into numbers)."""
    other = known.get(partition_key(person_id))
    if other is None or other == person_id:
        return None
    return (
        f"`{other}` is, with different leading zeros: a spreadsheet may have turned the ids into numbers "
        "(format the column as Text before exporting)"
    )


@dataclass(frozen=True)
class ColumnMap:
    """Header names the user gave: ("people", "person_id") -> "Employee ID"."""

    names: dict[tuple[str, str], str] = field(default_factory=dict)

    def for_file(self, spec: Columns) -> dict[str, str]:
        return {col: header for (kind, col), header in self.names.items() if kind == spec.name}


def parse_map(entries: list[str], source: str = "--map") -> ColumnMap:
    """``people.person_id=Employee ID`` (repeatable) -> a ColumnMap; bad entries are usage errors."""
    out: dict[tuple[str, str], str] = {}
    problems = []
    for entry in entries:
        target, sep, header = entry.partition("=")
        kind, dot, col = target.strip().partition(".")
        header = header.strip().strip('"').strip("'")
        problem = _map_problem(kind, col, header, sep and dot)
        if problem:
            problems.append(Problem(source, None, None, f"`{entry}`: {problem}"))
        else:
            out[(kind, col)] = header
    if problems:
        raise InputError(problems)
    return ColumnMap(out)


def map_from_document(data: object, source: str) -> ColumnMap:
    """A mapping file's content (``people: {person_id: Employee ID}``, ``credits: {...}``)."""
    if not isinstance(data, dict) or set(data) - {"people", "credits"}:
        raise InputError(
            [
                Problem(
                    source,
                    1,
                    None,
                    "a mapping file has `people:` and/or `credits:`, each mapping a "
                    "column name to the header in the export",
                )
            ]
        )
    out: dict[tuple[str, str], str] = {}
    problems = []
    for kind, cols in data.items():
        if not isinstance(cols, dict):
            problems.append(Problem(source, None, None, f"`{kind}:` must map column names to headers"))
            continue
        for col, header in cols.items():
            problem = _map_problem(kind, str(col), header if isinstance(header, str) else "", True)
            if problem:
                problems.append(Problem(source, None, None, f"{kind}.{col}: {problem}"))
            else:
                out[(kind, str(col))] = header.strip()
    if problems:
        raise InputError(problems)
    return ColumnMap(out)


def _map_problem(kind: str, col: str, header: str, shaped: object) -> str | None:
    spec = {"people": PEOPLE, "credits": CREDITS}.get(kind)
    if not shaped or spec is None:
        return "write people.COLUMN=HEADER or credits.COLUMN=HEADER"
    known = spec.columns + (NAME_PARTS if spec is PEOPLE else ())
    if col not in known:
        near = difflib.get_close_matches(col, known, n=1)
        hint = f" (did you mean `{near[0]}`?)" if near else ""
        return f"`{col}` is not a {kind} column{hint}; the columns are {', '.join(known)}"
    if not header:
        return "the header name is empty"
    return None


@dataclass(frozen=True)
class Header:
    """Where each canonical column sits in the file's records."""

    width: int  # fields per record in this file
    index: tuple[int, ...]  # per canonical column; `width` (one past the end) when absent
    unknown: tuple[str, ...]
    delimiter: str = ","
    kept: tuple[str, ...] = ()  # names of the columns passed through (--keep), as the user wrote them
    kept_index: tuple[int, ...] = ()
    name_parts: tuple[int, int] | None = None  # first- and last-name columns that make up the holder
    found: tuple[tuple[str, str], ...] = ()  # (column, header) matched other than by its own name

    def picker(self) -> Callable[[list[str]], tuple[str, ...]]:
        """record -> canonical cells, then the kept ones. The caller appends one "" to the record
        first, so that an absent column reads as empty without a branch per cell (this runs once
        per CSV row)."""
        get = itemgetter(*self.index, *self.kept_index)
        if self.name_parts is None:
            return get
        first, last = self.name_parts

        def pick(row: list[str]) -> tuple[str, ...]:
            cells = list(get(row))
            cells[HOLDER] = f"{row[first].strip()} {row[last].strip()}".strip()
            return tuple(cells)

        return pick


def detect_delimiter(line: str) -> str:
    """The separator of an export from its header line: comma, semicolon (Excel where the decimal
    mark is a comma) or tab, whichever occurs most outside quotes; a comma when none does."""
    outside = re.sub(r'"[^"]*"', "", line)
    counts = {sep: outside.count(sep) for sep in SEPARATOR}
    best = max(counts, key=lambda sep: counts[sep])
    return best if counts[best] else ","


def _nearest(wanted: str, spec: Columns, names: list[str]) -> str | None:
    """The header present that looks most like ``wanted`` or one of its synonyms."""
    candidates = [key(wanted), *(key(s) for s in spec.synonyms.get(wanted, ()))]
    best, score = None, 0.0
    for name in names:
        k = key(name)
        if not k:
            continue
        s = max(difflib.SequenceMatcher(None, c, k).ratio() for c in candidates)
        if s > score:
            best, score = name, s
    return best


def match_header(
    spec: Columns,
    names: list[str],
    source: str,
    *,
    column_map: ColumnMap | None = None,
    keep: tuple[str, ...] = (),
    delimiter: str = ",",
) -> Header:
    """The header line -> a Header. Raises InputError when it is missing or unusable."""
    names = [n.strip().lstrip("\ufeff").strip() for n in names]
    keys = [key(n) for n in names]
    first_at: dict[str, int] = {}
    for at, k in enumerate(keys):
        first_at.setdefault(k, at)
    given = column_map.for_file(spec) if column_map else {}
    problems = []
    where: dict[str, int] = {}
    found: list[tuple[str, str]] = []
    taken: set[int] = set()

    def place(column: str, at: int, how: str | None) -> None:
        where[column] = at
        taken.add(at)
        if how:
            found.append((column, names[at]))

    i: int | None

    # 1. what the user mapped, 2. the column's own name, 3. its synonyms, in the order listed
    for column, header in given.items():
        i = first_at.get(key(header))
        if i is None:
            close = difflib.get_close_matches(header, names, n=1, cutoff=0.0)
            problems.append(
                Problem(
                    source,
                    1,
                    None,
                    f"no header `{header}` (mapped to {spec.name}.{column})"
                    + (f"; the nearest is `{close[0]}`" if close else ""),
                )
            )
        else:
            place(column, i, "map")
    for column in spec.columns:
        if column in where:
            continue
        i = first_at.get(key(column))
        if i is not None and i not in taken:
            place(column, i, None)
    for column in spec.columns:
        if column in where:
            continue
        for synonym in spec.synonyms.get(column, ()):
            i = first_at.get(key(synonym))
            if i is not None and i not in taken:
                place(column, i, "synonym")
                break
    for column in spec.columns:  # a column named twice is ambiguous: which one is meant?
        i = where.get(column)
        if i is not None:
            twice = [j for j, k in enumerate(keys) if k == keys[i] and j != i]
            if twice:
                problems.append(
                    Problem(source, 1, None, f"column `{names[i]}` appears twice (fields {i + 1} and {twice[0] + 1})")
                )

    name_parts = None
    if spec is PEOPLE and "holder" not in where:
        parts = []
        for part, synonyms in zip(NAME_PARTS, (FIRST_NAME, LAST_NAME), strict=True):
            i = (
                first_at.get(key(given[part]))
                if part in given
                else next((first_at[key(s)] for s in synonyms if key(s) in first_at), None)
            )
            parts.append(i)
        if parts[0] is not None and parts[1] is not None:
            name_parts = (parts[0], parts[1])
            taken.update(parts)  # type: ignore[arg-type]
            found.append(("holder", f"{names[parts[0]]} + {names[parts[1]]}"))

    missing = [c for c in spec.required if c not in where and not (c == "holder" and name_parts)]
    for column in missing:
        near = _nearest(column, spec, [n for i, n in enumerate(names) if i not in taken])
        hint = f"; the nearest header is `{near}`" if near else ""
        extra = " (or first- and last-name columns)" if column == "holder" else ""
        problems.append(
            Problem(
                source,
                1,
                None,
                f'missing column `{column}`{extra}{hint}; name it with --map {spec.name}.{column}="HEADER" '
                f"(the columns are {', '.join(spec.columns)})",
            )
        )
    if spec.one_of and not any(c in where for c in spec.one_of):
        near = _nearest(spec.one_of[0], spec, [n for i, n in enumerate(names) if i not in taken])
        problems.append(
            Problem(
                source,
                1,
                None,
                f"missing column {' or '.join(f'`{c}`' for c in spec.one_of)}"
                + (f"; the nearest header is `{near}`" if near else "")
                + f'; name it with --map {spec.name}.{spec.one_of[0]}="HEADER"',
            )
        )

    kept_index = []
    for name in keep:
        i = first_at.get(key(name))
        for synonym in KEEP_SYNONYMS.get(key(name), ()):
            i = first_at.get(key(synonym)) if i is None else i
        if i is None:
            close = difflib.get_close_matches(name, names, n=1, cutoff=0.0)
            problems.append(
                Problem(
                    source,
                    1,
                    None,
                    f"--keep: no column `{name}`" + (f"; the nearest header is `{close[0]}`" if close else ""),
                )
            )
        else:
            kept_index.append(i)
            taken.add(i)
    if problems:
        raise InputError(problems)
    width = len(names)
    unknown = tuple(n for i, n in enumerate(names) if i not in taken and n)
    return Header(
        width,
        tuple(where.get(c, width) for c in spec.columns),
        unknown,
        delimiter,
        tuple(keep),
        tuple(kept_index),
        name_parts,
        tuple(found),
    )


# --- cells -> values --------------------------------------------------------------------------
# These run once per CSV row (millions of times for a large export): the common case takes a
# fast path, anything unusual the careful one.

_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")

Found = list[tuple[str, str]]  # (column, message)


# Cell text already read well -> its value. A roster has a few thousand distinct days and amounts
# among millions of cells; a cell seen before is one lookup. Only good cells are kept, so a bad one
# always takes the careful path and gets its message.
_DAYS: dict[str, dt.date] = {}
_NUMBERS: dict[str, float] = {}
_KEPT = 1 << 16


# A date problem is reported once per person (the export uses one format throughout, so one
# message says it), not once per cell: its message starts with this mark, which person_rows reads.
DATE_PROBLEM = "date: "
_SLASHED = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{2}|\d{4})")


@dataclass(frozen=True)
class DateReader:
    """ISO ``YYYY-MM-DD`` always; then each strptime pattern of --date-format, in order."""

    formats: tuple[str, ...] = ()
    seen: dict[str, dt.date] = field(default_factory=dict, compare=False, repr=False)  # cells read well

    def read(self, text: str) -> dt.date:
        try:
            return iso_day(text)
        except NotIsoDay:
            pass
        for fmt in self.formats:
            try:
                return dt.datetime.strptime(text, fmt).date()
            except ValueError:
                continue
        raise NotIsoDay(text)

    def advice(self, text: str) -> str:
        """Why ``text`` is not read, and the --date-format that would read it."""
        tried = f" or {', '.join(self.formats)}" if self.formats else ""
        m = _SLASHED.fullmatch(text)
        if m:
            a, b, sep = int(m.group(1)), int(m.group(2)), text[len(m.group(1))]
            year = "%Y" if len(m.group(3)) == 4 else "%y"
            us, eu = f"%m{sep}%d{sep}{year}", f"%d{sep}%m{sep}{year}"
            if a > 12 >= b:
                return f"`{text}` is not YYYY-MM-DD{tried}; it reads as day first: --date-format '{eu}'"
            if b > 12 >= a:
                return f"`{text}` is not YYYY-MM-DD{tried}; it reads as month first: --date-format '{us}'"
            return f"`{text}` is ambiguous (month or day first?); give --date-format '{us}' (US) or '{eu}'"
        return (
            f"`{text}` is not a date in YYYY-MM-DD{tried}; give its form with --date-format (strptime, e.g. %m/%d/%Y)"
        )


ISO_ONLY = DateReader()


def read_date(text: str, column: str, found: Found, *, required: bool, dates: DateReader) -> dt.date | None:
    seen = dates.seen if dates.formats else _DAYS  # an ISO day reads the same whatever the formats
    day = seen.get(text)
    if day is not None:
        return day
    raw = text
    text = text.strip()
    if not text:
        if required:
            found.append((column, "is empty; write the date as YYYY-MM-DD"))
        return None
    try:
        day = dates.read(text)
    except NotIsoDay:
        found.append((column, DATE_PROBLEM + dates.advice(text)))
        return None
    except ValueError:
        found.append((column, DATE_PROBLEM + f"`{text}` is not a valid date"))
        return None
    if len(seen) < _KEPT:
        seen[raw] = day
    return day


def read_number(text: str, column: str, found: Found) -> float | None:
    value = _NUMBERS.get(text)
    if value is not None:
        return value
    raw = text
    text = text.strip()
    if not text:
        return None
    if not _NUMBER.fullmatch(text):  # float() would also take `nan`, `1e3`, `1_000`
        found.append((column, f"`{text}` is not a number"))
        return None
    value = float(text)
    if len(_NUMBERS) < _KEPT:
        _NUMBERS[raw] = value
    return value


def cell_text(text: str) -> str | None:
    text = nfc(text.strip())
    return text or None


def title_text(text: str) -> str:
    """A credit's title as compared and shown: spaces collapsed (a title is matched by its words)."""
    return " ".join(nfc(text).split())


def split_list(text: str) -> list[str]:
    if ";" not in text:
        text = text.strip()
        return [text] if text else []
    return [part.strip() for part in text.split(";") if part.strip()]


def person_cells(cells: tuple[str, ...], dates: DateReader = ISO_ONLY) -> tuple[dict, str, list[str], Found]:
    """A people row (canonical cells, then the kept ones) -> (the credential's fields, holder,
    memberships, problems)."""
    _pid, holder, cert, certified_on, expires_on, number, memberships = cells[:7]
    found: Found = []
    holder = " ".join(nfc(holder).split())  # "Ana  Lopez " and "Ana Lopez" are one name
    if not holder:
        found.append(("holder", "is empty"))
    cert = cert.strip()
    if not cert:
        found.append(("cert", "is empty"))
    data = {
        "cert": cert,
        "certified_on": read_date(certified_on, "certified_on", found, required=True, dates=dates),
        "expires_on": read_date(expires_on, "expires_on", found, required=False, dates=dates),
        "number": cell_text(number),
    }
    return data, holder, split_list(memberships), found


def credit_cells(cells: tuple[str, ...], dates: DateReader = ISO_ONLY) -> tuple[dict, Found]:
    """A credits row -> (the credit's fields, problems). Validated with the person's file."""
    _pid, title, date, points, college, category, approved_by, applies_to = cells[:8]
    found: Found = []
    data = {
        "title": title_text(title),
        "date": read_date(date, "date", found, required=True, dates=dates),
        "points": read_number(points, "points", found) if points else None,
        "college_credits": read_number(college, "college_credits", found) if college else None,
        "category": cell_text(category) if category else None,
        "approved_by": split_list(approved_by) if approved_by else [],
        # an empty cell: the credit counts for every credential held (as when the key is absent)
        "applies_to": (split_list(applies_to) or None) if applies_to else None,
    }
    return data, found


def validation_problems(exc: ValidationError) -> list[tuple[tuple, str]]:
    """(loc, message) for each error of a CredentialFile validated from CSV cells."""
    return [(tuple(err["loc"]), err["msg"]) for err in exc.errors(include_url=False)]
