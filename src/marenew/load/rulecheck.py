"""`marenew rules check`: every problem in every rule file, each at its line, in one run.

The schema (ruleschema.Rule, through rules.read_rule_file) catches what a type can: YAML that does not
parse, wrong types, unknown and duplicate keys, a number without a source, a source that `sources`
does not list. This module adds what needs the figures side by side: dated values out of order,
a minimum above the total, a cap that would silently raise a minimum, negative fees and intervals,
an unknown cycle, a fee unpaid at the end of the cycle that leads to a path open only to a current
holder, the same id in two files, and a stale `last_verified`.

Those checks read each figure on its own, so that a file with an unknown key near the top still
has its other figures checked (the whole Rule would not validate). No typer or rich: files are read
through the loaders and every finding is returned as a located Problem; the CLI prints them.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math
import types
import typing
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ValidationError

from marenew.core.defaults import STALE_AFTER_DAYS
from marenew.core.rule import Figure, Rule
from marenew.core.words import plural
from marenew.load import ruleschema as schema
from marenew.load.locate import suggest
from marenew.load.problems import Problem, key_path
from marenew.load.yamlfile import Document

DEFAULT_MAX_AGE_DAYS = STALE_AFTER_DAYS


@dataclass
class CheckResult:
    """What `rules check` found: the files read and every problem, in file order."""

    files: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.level == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.level == "warning"]

    def strict(self) -> CheckResult:
        """Warnings as errors (`--strict`)."""
        return CheckResult(list(self.files), [_as_error(p) for p in self.problems])

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        """`3 errors, 1 warning in 2 files` (files with problems), or `no problems in 6 files`."""
        if not self.problems:
            return f"no problems in {plural(len(self.files), 'file')}"
        with_problems = len({p.file for p in self.problems})
        return (
            f"{plural(len(self.errors), 'error')}, {plural(len(self.warnings), 'warning')} "
            f"in {plural(with_problems, 'file')}"
        )

    def as_json(self) -> dict:
        return {
            "ok": self.ok,
            "files": list(self.files),
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "problems": [p.as_dict() for p in self.problems],
            "summary": self.summary(),
        }


def _as_error(p: Problem) -> Problem:
    return p if p.level == "error" else Problem(p.file, p.line, p.col, p.message, "error", p.key)


def _unique(problems: list[Problem]) -> list[Problem]:
    out: list[Problem] = []
    for p in problems:
        if p not in out:
            out.append(p)
    return out


def duplicate_id(doc: Document, seen: dict[str, tuple[str, int | None]]) -> list[Problem]:
    """The rule's id, if a file already in ``seen`` (id -> file, line) has it; records it otherwise."""
    data = doc.data if isinstance(doc.data, dict) else {}
    rule_id = data.get("id")
    if not isinstance(rule_id, str) or not rule_id.strip():
        return []
    line, col = doc.locate(("id",))
    key = rule_id.strip().upper()
    if key in seen:
        first_file, first_line = seen[key]
        where = f"{first_file}:{first_line}" if first_line else first_file
        return [
            Problem(
                doc.source,
                line,
                col,
                f"id `{rule_id}` is also the id of {where}; one of the two would silently replace "
                "the other: give each certification its own id",
                key="id",
            )
        ]
    seen[key] = (doc.source, line)
    return []


def source_keys(
    figures: Iterable[tuple[tuple, Figure]], sources: Mapping[str, object], doc: Document, notes: Any = None
) -> list[Problem]:
    """Every source a figure, a recorded conflict or a note names must be a key of ``sources``.
    ``notes`` is the raw `notes` list (a note may cite sources by key)."""
    out = []

    def check(key: Any, where: tuple) -> None:
        if isinstance(key, str) and key not in sources:
            line, col = doc.locate(where)
            out.append(
                Problem(
                    doc.source,
                    line,
                    col,
                    f"source `{key}` is not a key of `sources`{suggest(key, sources)}",
                    key=key_path(where),
                )
            )

    for path, figure in figures:
        for since, entry in figure.entries():
            base = path + (("values", since) if since is not None else ())
            if entry.source is not None:
                check(entry.source, base + ("source",))
            for i, conflict in enumerate(entry.conflicts):
                check(conflict.source, base + ("conflicts", i, "source"))
    for i, note in enumerate(notes if isinstance(notes, list) else []):
        cited = note.get("sources") if isinstance(note, dict) else getattr(note, "sources", None)
        for j, key in enumerate(cited if isinstance(cited, list) else []):
            check(key, ("notes", i, "sources", j))
    return out


# --- one document -----------------------------------------------------------------------------


def check_document(
    doc: Document, rule: Rule | None, *, as_of: dt.date | None = None, max_age_days: int = DEFAULT_MAX_AGE_DAYS
) -> list[Problem]:
    """The checks the schema cannot make. ``rule`` is the validated rule, or None when the file
    has schema errors: the figures are then read one by one from the document."""
    if not isinstance(doc.data, dict):
        return []
    figures = dict(_figures(schema.Rule, doc.data, ()))
    out: list[Problem] = []

    def add(path: tuple, message: str, level: str = "error", *, key: bool = False) -> None:
        line, col = doc.locate(path, key=key)
        out.append(Problem(doc.source, line, col, message, level, key_path(path) or None))  # type: ignore[arg-type]

    if rule is None:
        # the loader checks source keys only on a valid rule; check the figures we could read
        sources = doc.data.get("sources")
        out += source_keys(figures.items(), sources if isinstance(sources, dict) else {}, doc, doc.data.get("notes"))
    out += _order(doc, figures)
    out += _signs(doc, figures)
    out += _page(doc)
    for name, what in (("months", "the cycle length"), ("expiry", "the expiry mode")):
        fig = figures.get(("cycle", name))
        for since, entry in fig.entries() if fig else []:
            if entry.value is None:
                add(
                    _value_path(("cycle", name), since),
                    f"{what} must be known: without it no expiry date can be worked out",
                )
    out += _minimums(doc, figures)
    out += _unpaid_paths(doc, figures)
    if as_of is not None:  # staleness is a warning for `rules check`; loading needs no clock
        out += _stale(doc, as_of, max_age_days)
        out += _stale_figures(doc, figures, as_of, max_age_days)
    return out


def _value_path(path: tuple, since: dt.date | None) -> tuple:
    return path + (("values", since) if since is not None else ()) + ("value",)


def _figures(annotation: Any, data: Any, path: tuple) -> Iterator[tuple[tuple, Figure]]:
    """Every figure in the raw data that validates on its own (in its plain form), with its key
    path, found by following the schema's fields (a broken figure is skipped: the schema already
    reported it)."""
    for t in _candidates(annotation):
        if isinstance(t, type) and issubclass(t, schema.Figure):
            with contextlib.suppress(ValidationError):
                yield path, schema.to_plain(t.model_validate(data))
            return
        origin = typing.get_origin(t)
        if isinstance(t, type) and issubclass(t, BaseModel) and isinstance(data, dict):
            for name, info in t.model_fields.items():
                if name in data:
                    yield from _figures(info.annotation, data[name], path + (name,))
            return
        if origin is dict and isinstance(data, dict):
            value_type = typing.get_args(t)[1]
            for k, v in data.items():
                yield from _figures(value_type, v, path + (k,))
            return
        if origin is list and isinstance(data, list):
            item_type = typing.get_args(t)[0]
            for i, v in enumerate(data):
                yield from _figures(item_type, v, path + (i,))
            return


def _candidates(annotation: Any) -> list[Any]:
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _candidates(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return [t for arg in typing.get_args(annotation) for t in _candidates(arg)]
    return [annotation]


def _order(doc: Document, figures: dict[tuple, Figure]) -> list[Problem]:
    """Dated values must be written oldest first, so the file reads as a history (the same date
    twice is already a duplicate key)."""
    out = []
    for path, fig in figures.items():
        if fig.values is None:
            continue
        dates = list(fig.values)
        for before, after in zip(dates, dates[1:]):
            if after < before:
                line, col = doc.locate(path + ("values", after), key=True)
                first, _ = doc.locate(path + ("values", before), key=True)
                out.append(
                    Problem(
                        doc.source,
                        line,
                        col,
                        f"effective date {after} comes after {before} (line {first}): list dated values oldest first",
                        key=key_path(path + ("values",)),
                    )
                )
    return out


def _owner(path: tuple) -> tuple[type | None, str]:
    """The schema model that holds the figure at ``path`` and the field name, found as _figures
    did."""
    annotation: Any = schema.Rule
    owner: type | None = None
    for part in path:
        nxt = None
        for t in _candidates(annotation):
            origin = typing.get_origin(t)
            if isinstance(t, type) and issubclass(t, BaseModel) and not issubclass(t, schema.Figure):
                if isinstance(part, str) and part in t.model_fields:
                    owner, nxt = t, t.model_fields[part].annotation
                    break
            elif origin is dict:
                nxt = typing.get_args(t)[1]
                break
            elif origin is list:
                nxt = typing.get_args(t)[0]
                break
        if nxt is None:
            return None, ""
        annotation = nxt
    return owner, str(path[-1]) if path else ""


# (model, field) -> what a value there may be: intervals above 0, amounts and points at least 0.
_POSITIVE = {
    (schema.Cycle, "months"): "a cycle length",
    (schema.LateWindow, "months"): "a late window",
    (schema.LateWindow, "days"): "a late window",
    (schema.RecurringFee, "every_months"): "an interval",
    (schema.Period, "months"): "a time limit",
    (schema.Period, "days"): "a time limit",
}
_NOT_NEGATIVE = {
    (schema.Fee, "member"): "a fee",
    (schema.Fee, "non_member"): "a fee",
    (schema.Fee, "all"): "a fee",
    (schema.CE, "total"): "a total",
    (schema.CE, "approved_minimum"): "a minimum",
    (schema.CE, "unapproved_cap"): "a cap",
    (schema.CE, "college_credit_points"): "a conversion",
    (schema.Category, "minimum"): "a minimum",
}


# (model, field) -> the largest value the engine and the calendar are built for (dates run to
# 2199; ten-year cycles are already twice the longest any body uses). Above it is a typo, and
# would push dates past the calendar's end.
_AT_MOST = {
    (schema.Cycle, "months"): (120, "months"),
    (schema.LateWindow, "months"): (120, "months"),
    (schema.LateWindow, "days"): (3653, "days"),
    (schema.RecurringFee, "every_months"): (120, "months"),
    (schema.Fee, "member"): (100_000, "dollars"),
    (schema.Fee, "non_member"): (100_000, "dollars"),
    (schema.Fee, "all"): (100_000, "dollars"),
    (schema.CE, "total"): (10_000, ""),
    (schema.CE, "approved_minimum"): (10_000, ""),
    (schema.CE, "unapproved_cap"): (10_000, ""),
    (schema.CE, "college_credit_points"): (1_000, ""),
    (schema.Category, "minimum"): (10_000, ""),
}


def _signs(doc: Document, figures: dict[tuple, Figure]) -> list[Problem]:
    """Every number within what it can mean: finite, the right sign, not absurdly large."""
    out = []
    for path, fig in figures.items():
        owner, name = _owner(path)
        positive = _POSITIVE.get((owner, name))  # type: ignore[arg-type]
        not_negative = _NOT_NEGATIVE.get((owner, name))  # type: ignore[arg-type]
        at_most = _AT_MOST.get((owner, name))  # type: ignore[arg-type]
        for since, entry in fig.entries():
            value = entry.value
            if not isinstance(value, (int, float)) or isinstance(value, bool):
                continue
            message = None
            if not math.isfinite(value):
                message = f"`{value}` is not a usable number (write a finite figure, or leave it unknown with null)"
            elif at_most and value > at_most[0]:
                message = (
                    f"{value:g} is more than {at_most[0]:,} {at_most[1]}".rstrip()
                    + ", the most marenew accepts here (a typo?)"
                )
            elif positive and value <= 0:
                message = f"{positive} must be more than 0 (read {value:g})"
            elif not_negative and value < 0:
                message = f"{not_negative} cannot be negative (read {value:g})"
            if message:
                where = _value_path(path, since)
                line, col = doc.locate(where)
                out.append(Problem(doc.source, line, col, message, key=key_path(where)))
    return out


def _page(doc: Document) -> list[Problem]:
    """``renewal_page`` is written into calendars and reports: one http(s) address, nothing that
    could start a new line or property there."""
    page = doc.data.get("renewal_page") if isinstance(doc.data, dict) else None
    if not isinstance(page, str):
        return []
    message = None
    if any(ch.isspace() or not ch.isprintable() for ch in page):
        message = "the renewal page must be one address, without spaces, line breaks or control characters"
    elif not page.startswith(("https://", "http://")):
        message = "the renewal page must be an http:// or https:// address"
    if message is None:
        return []
    line, col = doc.locate(("renewal_page",))
    return [Problem(doc.source, line, col, message, key="renewal_page")]


def _in_force(fig: Figure, day: dt.date) -> tuple[dt.date | None, Any]:
    """(effective date or None, value) of the entry in force on ``day`` (Figure.in_force)."""
    found = fig.in_force(day)
    return (found[0], found[1].value) if found is not None else (None, None)


def _days(*figs: Figure | None) -> list[dt.date]:
    """Each day on which any of the figures takes a new value (one day for undated figures)."""
    days = sorted({d for f in figs if f is not None and f.values for d in f.values})
    return days or [dt.date.min]


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _minimums(doc: Document, figures: dict[tuple, Figure]) -> list[Problem]:
    """A minimum above the total can never be met; a cap below total - approved minimum would
    silently demand more approved points than the approved minimum says. Compared on every day
    any of the figures changes."""
    out: list[Problem] = []
    seen: set[tuple] = set()
    total = figures.get(("ce", "total"))
    if total is None:
        return out
    ce = doc.data.get("ce") if isinstance(doc.data.get("ce"), dict) else {}

    def add(path: tuple, since: dt.date | None, message: str) -> None:
        where = _value_path(path, since)
        if where in seen:
            return
        seen.add(where)
        line, col = doc.locate(where)
        out.append(Problem(doc.source, line, col, message, key=key_path(where)))

    minimums: list[tuple[tuple, str]] = [(("ce", "approved_minimum"), "the approved minimum")]
    found = ce.get("categories")
    categories = found if isinstance(found, dict) else {}
    minimums += [(("ce", "categories", k, "minimum"), f"the `{k}` minimum") for k in categories]
    for path, what in minimums:
        fig = figures.get(path)
        if fig is None:
            continue
        for day in _days(total, fig):
            since, value = _in_force(fig, day)
            _, total_value = _in_force(total, day)
            low, high = _number(value), _number(total_value)
            if low is not None and high is not None and low > high:
                add(path, since, f"{what} {low:g} is more than the total {high:g}: it can never be met")

    cap_fig = figures.get(("ce", "unapproved_cap"))
    approved = figures.get(("ce", "approved_minimum"))
    if cap_fig is not None:
        for day in _days(total, cap_fig, approved):
            since, cap = _in_force(cap_fig, day)
            _, total_value = _in_force(total, day)
            minimum = _number(_in_force(approved, day)[1]) if approved is not None else 0.0
            cap, total_value = _number(cap), _number(total_value)
            if cap is None or total_value is None or minimum is None:
                continue
            if cap < total_value - minimum:
                needed = total_value - cap
                add(
                    ("ce", "unapproved_cap"),
                    since,
                    f"the cap {cap:g} is below total {total_value:g} - approved minimum {minimum:g} "
                    f"= {total_value - minimum:g}: it would silently raise the approved minimum to {needed:g}; "
                    "raise the cap or state that approved minimum",
                )
    return out


def _unpaid_paths(doc: Document, figures: dict[tuple, Figure]) -> list[Problem]:
    """A fee still unpaid at the end of the cycle sends the holder down its path once the cycle
    has ended: a path open only to a current holder can never be taken then. (A path that
    `paths` does not define is the schema's error.)"""
    found = doc.data.get("paths")
    paths = found if isinstance(found, dict) else {}
    out = []
    for path, fig in figures.items():
        if _owner(path) != (schema.RecurringFee, "unpaid_at_cycle_end"):
            continue
        for since, entry in fig.entries():
            target = paths.get(entry.value) if isinstance(entry.value, str) else None
            if not isinstance(target, dict) or target.get("available", "current") != "current":
                continue
            where = _value_path(path, since)
            line, col = doc.locate(where)
            message = (
                f"path `{entry.value}` is open only while the credential is current; a fee unpaid at the "
                "end of the cycle needs a path taken after it (`available: lapsed` or `always`)"
            )
            out.append(Problem(doc.source, line, col, message, key=key_path(where)))
    return out


def _stale(doc: Document, as_of: dt.date, max_age_days: int) -> list[Problem]:
    verified = doc.data.get("last_verified")
    if not isinstance(verified, dt.date):
        return []
    age = (as_of - verified).days
    if age <= max_age_days:
        return []
    line, col = doc.locate(("last_verified",))
    return [
        Problem(
            doc.source,
            line,
            col,
            f"last verified {verified}, {age} days before {as_of} (more than {max_age_days}): "
            "check the figures against the body's pages, then update the date",
            "warning",
            "last_verified",
        )
    ]


def _stale_figures(doc: Document, figures: dict[tuple, Figure], as_of: dt.date, max_age_days: int) -> list[Problem]:
    """A figure with its own `last_verified` is stale on its own terms (the file's date does not
    vouch for it)."""
    out = []
    for path, fig in figures.items():
        for since, entry in fig.entries():
            verified = entry.last_verified
            if verified is None or (as_of - verified).days <= max_age_days:
                continue
            where = path + (("values", since) if since is not None else ()) + ("last_verified",)
            line, col = doc.locate(where)
            out.append(
                Problem(
                    doc.source,
                    line,
                    col,
                    f"this figure was last verified {verified}, {(as_of - verified).days} days before "
                    f"{as_of} (more than {max_age_days}): check it against its source, then update "
                    "the date",
                    "warning",
                    key_path(where),
                )
            )
    return out
