"""A fast path for a well-formed credential file: the models built without building their
validator.

pydantic stays the validator of record. Building the credential models' validator costs a single
`marenew status` more than reading, checking and judging the whole file (pydantic generates the
schema of every model in Python first), so a file whose every value already has exactly the type
its field asks for is checked here, by hand, and the models are made without the validator
(``core.credential.assembled``).
This check is strict in one direction only: it accepts nothing that the models would refuse, and
gives exactly the models they would give (ints as floats where a field is a number, one name as a
list of one, YAML's `on: ` key read as true taken back as the word), which a differential test
holds it to. Anything else (a value of another type, an unknown or missing key, a text subclass, a
datetime for a day) is left to pydantic, which gives the located messages.
"""

from __future__ import annotations

import datetime as dt
import typing
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

from marenew.core.credential import (
    Credential,
    CredentialFile,
    Credit,
    CreditRef,
    PastCycle,
    Payment,
    RenewalRoute,
    assembled,
)


class _NotPlain(Exception):
    """A value this check does not vouch for: pydantic decides."""


Check = Callable[[Any], Any]

# Numbers a float holds exactly: a larger int is left to pydantic.
_EXACT = 2**53


def _text(value: Any) -> str:
    if type(value) is not str:
        raise _NotPlain
    return value


def _day(value: Any) -> dt.date:
    if type(value) is not dt.date:  # a datetime is refused by the strict models
        raise _NotPlain
    return value


def _number(value: Any) -> float:
    kind = type(value)
    if kind is float:
        return value
    if kind is int and -_EXACT <= value <= _EXACT:  # bool is not int here: it is refused
        return float(value)
    raise _NotPlain


def _optional(check: Check) -> Check:
    def optional(value: Any) -> Any:
        return None if value is None else check(value)

    return optional


def _names(value: Any) -> list[str]:
    """One name or a list of names (`approved_by: AAMA` is `[AAMA]`)."""
    if type(value) is str:
        return [value]
    return _list(_text)(value)


def _list(check: Check, least: int = 0) -> Check:
    def items(value: Any) -> list:
        if type(value) is not list or len(value) < least:
            raise _NotPlain
        return [check(item) for item in value]

    return items


def _points(value: Any) -> float | dict[str, float]:
    """A number, or points per content area."""
    if type(value) is dict:
        return {_text(area): _number(points) for area, points in value.items()}
    return _number(value)


def _route(value: Any) -> str:
    if type(value) is not str or value not in typing.get_args(RenewalRoute):
        raise _NotPlain
    return value


def _model(model: type[BaseModel]) -> Check:
    def make(value: Any) -> BaseModel:
        return build(model, value)

    return make


# Every field of every credential model, with the check that gives its value (a test keeps this
# equal to the models' fields: a field added there and not here makes every file take the slow path).
FIELDS: dict[type[BaseModel], dict[str, Check]] = {
    CreditRef: {"title": _text, "date": _day},
    PastCycle: {
        "certified_on": _day,
        "expires_on": _day,
        "renewed_on": _day,
        "by": _optional(_route),
        "credits": _list(_model(CreditRef)),
    },
    Payment: {"fee": _text, "on": _day},
    Credential: {
        "cert": _text,
        "number": _optional(_text),
        "certified_on": _day,
        "expires_on": _optional(_day),
        "submitted_on": _optional(_day),
        "paid": _list(_model(Payment)),
        "history": _list(_model(PastCycle)),
    },
    Credit: {
        "title": _text,
        "date": _day,
        "points": _optional(_points),
        "college_credits": _optional(_number),
        "category": _optional(_text),
        "approved_by": _names,
        "applies_to": _optional(_names),
        "certificate": _optional(_text),
    },
    CredentialFile: {
        "holder": _text,
        "memberships": _names,
        "credentials": _list(_model(Credential), least=1),
        "credits": _list(_model(Credit)),
    },
}


def build(model: type[BaseModel], data: Any) -> BaseModel:
    """``model`` made from ``data`` without its validator; raises _NotPlain unless every value is
    plainly what the field asks for."""
    if type(data) is not dict:
        raise _NotPlain
    if model is Payment and True in data and "on" not in data:
        # as Payment's own check does: YAML 1.1 reads the key `on` as true
        data = {("on" if k is True else k): v for k, v in data.items()}
    checks = FIELDS[model]
    values = {}
    for key, value in data.items():
        if type(key) is not str or key not in checks:  # an unknown key is an error of the model's
            raise _NotPlain
        values[key] = checks[key](value)
    given = set(values)
    for name, info in model.model_fields.items():
        if name in given:
            continue
        if info.is_required():
            raise _NotPlain
        # the default, made here (a new list or dict for each model, as the factory gives)
        if info.default_factory is not None:
            if info.default_factory not in (list, dict):
                raise _NotPlain
            values[name] = info.default_factory()
        elif info.default is None or type(info.default) is bool:
            values[name] = info.default
        else:
            raise _NotPlain
    return assembled(model, {name: values[name] for name in model.model_fields}, given)


_spared: list[bool] = []  # whether this process already took the fast path once


def credential_file(data: Any) -> CredentialFile | None:
    """The credential file's models when every value is plainly right; None: validate with the
    models (for the messages, or for what only they can decide).

    Only for the first file a process reads: the fast path spares the validator's build, but once
    built the validator checks a file about ten times faster than this module, so a process that
    reads many (a roster of credential files) builds it once and uses it."""
    if _spared:
        return None
    holder = plain_file(data)
    if holder is not None:
        _spared.append(True)
    return holder


def plain_file(data: Any) -> CredentialFile | None:
    """The credential file's models when every value is plainly right, else None."""
    try:
        return build(CredentialFile, data)  # type: ignore[return-value]
    except _NotPlain:
        return None
