"""Turn Pydantic's validation errors into located problems a person can act on.

Pydantic gives each error a ``loc`` path but no line; the strict YAML reader kept every node's
line, so each error is mapped back to ``file:line:col`` with the key path (``credits[3].points``),
an unknown key gets the nearest valid name, and a value YAML 1.1 read as a boolean or number
where text was expected says what was read.
"""

from __future__ import annotations

import difflib
import math
import types
import typing
from typing import Any

from pydantic import BaseModel, ValidationError

from marenew.load.problems import Problem, key_path
from marenew.load.yamlfile import T_BOOL, T_FLOAT, T_INT, T_NULL, Document, core_number, read_int

MAX_ERRORS = 50

_TYPE_WORDS = {
    "string_type": "text",
    "float_type": "a number",
    "int_type": "a whole number",
    "bool_type": "true or false",
    "date_type": "a date (YYYY-MM-DD)",
    "list_type": "a list",
    "dict_type": "a mapping (key: value lines)",
    "model_type": "a mapping (key: value lines)",
    "model_attributes_type": "a mapping (key: value lines)",
    "literal_error": None,
    "enum": None,
}


def suggest(word: str, choices: typing.Iterable[str]) -> str:
    """`` did you mean `points`?`` for a near miss, else the valid names."""
    choices = [str(c) for c in choices]
    close = difflib.get_close_matches(str(word), choices, n=1, cutoff=0.6)
    if close:
        return f"; did you mean `{close[0]}`?"
    if choices and len(choices) <= 12:
        return "; valid keys: " + ", ".join(f"`{c}`" for c in choices)
    return ""


def _unwrap(annotation: Any) -> list[Any]:
    """The candidate types inside Optional/Union/Annotated."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        out = []
        for arg in typing.get_args(annotation):
            out += _unwrap(arg)
        return out
    return [annotation]


def fields_at(model: type[BaseModel], path: tuple) -> list[str] | None:
    """Field names of the model found at ``path`` inside ``model`` (for unknown-key hints)."""
    current: list[Any] = [model]
    for part in path:
        nxt: list[Any] = []
        for ann in current:
            for t in _unwrap(ann):
                origin = typing.get_origin(t)
                if isinstance(t, type) and issubclass(t, BaseModel):
                    if isinstance(part, str) and part in t.model_fields:
                        nxt.append(t.model_fields[part].annotation)
                elif origin in (list, tuple) and isinstance(part, int):
                    nxt += list(typing.get_args(t)[:1])
                elif origin is dict:
                    args = typing.get_args(t)
                    if len(args) == 2:
                        nxt.append(args[1])
        current = nxt
    for ann in current:
        for t in _unwrap(ann):
            if isinstance(t, type) and issubclass(t, BaseModel):
                return list(t.model_fields)
    return None


def _match_path(loc: tuple, data: Any) -> tuple:
    """Map a Pydantic loc onto the data path (skipping Pydantic's own markers like
    ``function-after[...]`` or union branch names)."""
    path: list = []
    node = data
    for part in loc:
        if isinstance(node, dict):
            if part in node:
                path.append(part)
                node = node[part]
                continue
            # a date key comes back as its repr in loc: 'datetime.date(2020, 1, 1)'
            hit = next((k for k in node if str(part) in (str(k), repr(k))), None)
            if hit is not None:
                path.append(hit)
                node = node[hit]
                continue
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            path.append(part)
            node = node[part]
            continue
        # a marker or a missing key: keep the missing key for messages, skip markers
        if isinstance(part, str) and not any(ch in part for ch in "[]()") and isinstance(node, dict):
            path.append(part)
            node = None
    return tuple(path)


def _read_as(doc: Document, path: tuple) -> str | None:
    """How YAML read a scalar that was meant to be something else."""
    scalar = doc.scalars.get(path)
    if scalar is None or scalar.quoted:
        return None
    if scalar.tag == T_BOOL:
        return (
            f"`{scalar.text}` was read as the boolean {str(scalar.text.lower() in ('yes', 'y', 'true', 'on')).lower()}"
        )
    if scalar.tag == T_INT:
        read = read_int(scalar.text)
        if read is not None and str(read) != scalar.text:  # 0123 is octal in YAML 1.1: 83
            return f"`{scalar.text}` was read as the number {read}"
        return f"`{scalar.text}` was read as a number"
    if scalar.tag == T_FLOAT:
        read_float = _safe_float(scalar.text)
        if read_float is not None and math.isnan(read_float):
            return f"`{scalar.text}` was read as not-a-number"
        if read_float is not None and math.isinf(read_float):
            return f"`{scalar.text}` was read as infinity"
        if read_float is not None:  # 1.10 reads as 1.1: a version number loses its last digit
            return f"`{scalar.text}` was read as the number {read_float!r}"
        return f"`{scalar.text}` was read as a number"
    if scalar.tag == T_NULL:
        return "the value is empty (null)"
    return None


def _safe_float(text: str) -> float | None:
    number = core_number(text)
    return float(number) if number is not None else None


def problems_from(exc: ValidationError, doc: Document, model: type[BaseModel]) -> list[Problem]:
    out: list[Problem] = []
    errors = exc.errors(include_url=False, include_context=True)
    # A misspelt key is both unknown (`fees`) and missing (`fee`): say it once, as the typo.
    misspelt = set()
    for err in errors:
        if err["type"] == "extra_forbidden":
            path = _match_path(tuple(err["loc"]), doc.data)
            close = difflib.get_close_matches(str(path[-1]), fields_at(model, path[:-1]) or [], n=1, cutoff=0.6)
            if close:
                misspelt.add(path[:-1] + (close[0],))
    for err in errors:
        path = _match_path(tuple(err["loc"]), doc.data)
        kind = err["type"]
        where: str | None = key_path(path)
        if kind == "missing" and path in misspelt:
            continue
        if doc.is_flagged(path):
            continue  # the reader already reported this value (a bad date, a tag, a duplicate key)
        if kind == "extra_forbidden":
            line, col = doc.locate(path, key=True)
            valid = fields_at(model, path[:-1]) or []
            message = f"`{path[-1]}`: unknown key{suggest(str(path[-1]), valid)}"
        elif kind == "missing":
            line, col = doc.locate(path[:-1])
            message = f"missing required key `{path[-1]}`"
            where = key_path(path[:-1]) or None
        else:
            line, col = doc.locate(path)
            message = _message(err, doc, path)
        out.append(Problem(doc.source, line, col, message, "error", where or None))
    return out


_STOPPED = "stopped after"


def in_order(problems: list[Problem]) -> list[Problem]:
    """A file's problems by line, at most MAX_ERRORS errors (then a note of how many more)."""

    def key(p: Problem) -> tuple:
        last = p.line is None and p.message.startswith(_STOPPED)
        return (last, p.line or 0, p.col or 0)

    ordered = sorted(problems, key=key)
    errors = [p for p in ordered if p.level == "error" and not p.message.startswith(_STOPPED)]
    if len(errors) <= MAX_ERRORS:
        return ordered
    kept = errors[:MAX_ERRORS]
    return kept + [
        Problem(kept[0].file, None, None, f"{_STOPPED} {MAX_ERRORS} errors; {len(errors) - MAX_ERRORS} more not shown")
    ]


def _message(err: Any, doc: Document, path: tuple) -> str:
    kind = err["type"]
    want = _TYPE_WORDS.get(kind)
    read_as = _read_as(doc, path)
    if kind == "string_type" and read_as:
        scalar = doc.scalars[path]
        return f'expected text, but {read_as}; put it in quotes: "{scalar.text}"'
    if kind in ("literal_error", "enum"):
        expected = err.get("ctx", {}).get("expected", "")
        return f"`{err.get('input')}` is not one of {expected}"
    if kind == "value_error":
        return str(err["msg"]).removeprefix("Value error, ")
    if kind in ("too_short",) and isinstance(err.get("input"), list):
        return "must list at least one item"
    if want:
        got = read_as or f"got {_describe(err.get('input'))}"
        if kind == "list_type" and isinstance(err.get("input"), dict):
            # the usual cause: an entry written without its dash (`credits:` then `  title: x`)
            return f"expected {want}, but {got}; a missing dash? Each entry of a list starts with `- `"
        return f"expected {want}, but {got}"
    return str(err["msg"])


def _describe(value: Any) -> str:
    if value is None:
        return "nothing (empty)"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f"the text `{shown}`"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def validate(model: type[BaseModel], doc: Document) -> tuple[Any | None, list[Problem]]:
    """Validate a document against a model: the model, or every located problem, those the
    reader found (``doc.problems``) and the model's together, by line."""
    problems = list(doc.problems)
    if not isinstance(doc.data, dict):
        what = _describe(doc.data)
        line, col = doc.locate(())
        problems.append(
            Problem(doc.source, line, col, f"the top level must be a mapping (key: value lines), not {what}")
        )
        return None, in_order(problems)
    try:
        value = model.model_validate(doc.data)
    except ValidationError as exc:
        value = None
        problems += problems_from(exc, doc, model)
    return (None if problems else value), in_order(problems)
