"""The fast path for well-formed credential files (load.credfast) accepts nothing the credential
models refuse, and gives exactly the models they give: checked on generated files full of wrong
types, unknown and missing keys, and on every example file (which it must take)."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from hypothesis import HealthCheck, given
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from helpers import EXAMPLES, REPO, examples
from marenew.core.credential import Credential, CredentialFile, Credit, CreditRef, PastCycle, Payment
from marenew.load import credfast
from marenew.load.yamlfile import load_file


class Text(str):
    """A text subclass: the models take it as text; the fast path leaves it to them."""


def same(fast: Any, model: Any, where: str = "file") -> None:
    """Equal all the way down, with the same types and the same fields given."""
    assert type(fast) is type(model), where
    if isinstance(model, BaseModel):
        assert fast.model_fields_set == model.model_fields_set, where
        assert fast == model, where
        for name in type(model).model_fields:
            same(getattr(fast, name), getattr(model, name), f"{where}.{name}")
    elif isinstance(model, dict):
        assert list(fast) == list(model), where
        for key in model:
            same(fast[key], model[key], f"{where}[{key!r}]")
    elif isinstance(model, list):
        assert len(fast) == len(model), where
        for i, (f, m) in enumerate(zip(fast, model, strict=True)):
            same(f, m, f"{where}[{i}]")
    elif isinstance(model, float) and math.isnan(model):
        assert math.isnan(fast), where
    else:
        assert fast == model, where


def check(data: Any) -> tuple[CredentialFile | None, CredentialFile | None]:
    """(what the fast path gave, what the models gave); the fast path never gives a file the models
    refuse, and gives the very models they give."""
    fast = credfast.plain_file(data)
    try:
        model: CredentialFile | None = CredentialFile.model_validate(data)
    except ValidationError:
        model = None
    if fast is not None:
        assert model is not None, "the fast path took a file the models refuse"
        same(fast, model)
    return fast, model


def test_every_field_of_the_models_has_its_check():
    for model in (CreditRef, PastCycle, Payment, Credential, Credit, CredentialFile):
        assert list(credfast.FIELDS[model]) == list(model.model_fields), model.__name__


def test_the_example_files_take_the_fast_path_and_give_the_models_own():
    files = sorted(EXAMPLES.glob("*.yaml")) + sorted((REPO / "tests" / "fixtures").rglob("*.yaml"))
    taken = 0
    for path in files:
        try:
            doc = load_file(path, allow_aliases=False, partial=True)
        except Exception:  # noqa: BLE001 - not a credential file at all
            continue
        fast, model = check(doc.data)
        taken += fast is not None
    assert taken > len(list(EXAMPLES.glob("*.yaml")))
    for path in EXAMPLES.glob("*.yaml"):  # every example is plainly right: none needs the validator
        assert check(load_file(path, allow_aliases=False, partial=True).data)[0] is not None, path


# --- generated files: mostly right, with every kind of wrong value --------------------------------

DAY = st.dates(dt.date(2000, 1, 1), dt.date(2030, 12, 31))
WRONG = st.sampled_from(
    [
        None,
        True,
        False,
        0,
        7,
        2**60,
        -1.5,
        float("inf"),
        float("nan"),
        "",
        "text",
        Text("sub"),
        dt.date(2020, 1, 1),
        dt.datetime(2020, 1, 1, 12, 0),
        [],
        ["AAMA"],
        [1],
        {},
        {"a": 1},
        ("AAMA",),
    ]
)


def value(right: st.SearchStrategy) -> st.SearchStrategy:
    """Right three times in four."""
    return st.integers(0, 3).flatmap(lambda n: right if n else WRONG)


TEXT = st.sampled_from(["CMA", "RMA", "AAMA", "Jordan", "annual", "clinical", "", "x" * 3])
NUMBER = st.one_of(st.integers(-5, 40), st.floats(-5, 40, allow_nan=False), st.just(2**54), st.just(float("inf")))
NAMES = st.one_of(TEXT, st.lists(value(TEXT), max_size=3))


def record(fields: dict[str, st.SearchStrategy], required: tuple[str, ...]) -> st.SearchStrategy:
    """A mapping with the required keys most of the time, the others now and then, and now and then
    a key the model does not know (or the YAML 1.1 `on` read as true)."""
    optional = {k: v for k, v in fields.items() if k not in required}
    strays = {"sourse": WRONG, "extra": TEXT}
    whole = st.fixed_dictionaries({k: fields[k] for k in required}, optional=optional)
    loose = st.fixed_dictionaries({}, optional={**fields, **strays})
    return st.integers(0, 4).flatmap(lambda n: whole if n < 3 else loose if n == 3 else WRONG)


CREDIT_REF = record({"title": value(TEXT), "date": value(DAY)}, ("title", "date"))
PAST = record(
    {
        "certified_on": value(DAY),
        "expires_on": value(DAY),
        "renewed_on": value(DAY),
        "by": value(st.sampled_from(["ce", "exam", "CE", None])),
        "credits": value(st.lists(CREDIT_REF, max_size=2)),
    },
    ("certified_on", "expires_on", "renewed_on"),
)


@st.composite
def payment(draw: st.DrawFn) -> Any:
    data = draw(record({"fee": value(TEXT), "on": value(DAY)}, ("fee", "on")))
    if isinstance(data, dict) and "on" in data and draw(st.booleans()):
        data[True] = data.pop("on")  # `on:` as YAML 1.1 reads it
        if draw(st.integers(0, 5)) == 0:
            data["on"] = data[True]  # both: the true key is then an unknown key
    return data


CREDENTIAL = record(
    {
        "cert": value(TEXT),
        "number": value(st.one_of(TEXT, st.none())),
        "certified_on": value(DAY),
        "expires_on": value(st.one_of(DAY, st.none())),
        "submitted_on": value(st.one_of(DAY, st.none())),
        "paid": value(st.lists(payment(), max_size=2)),
        "history": value(st.lists(PAST, max_size=2)),
    },
    ("cert", "certified_on"),
)
AREA = st.one_of(TEXT, TEXT, st.sampled_from([1, True, None, Text("sub"), dt.date(2020, 1, 1)]))
POINTS = st.one_of(NUMBER, st.dictionaries(AREA, value(NUMBER), max_size=3), st.none())
CREDIT = record(
    {
        "title": value(TEXT),
        "date": value(DAY),
        "points": value(POINTS),
        "college_credits": value(st.one_of(NUMBER, st.none())),
        "category": value(st.one_of(TEXT, st.none())),
        "approved_by": value(NAMES),
        "applies_to": value(st.one_of(NAMES, st.none())),
        "certificate": value(st.one_of(TEXT, st.none())),
    },
    ("title", "date"),
)
FILE = record(
    {
        "holder": value(TEXT),
        "memberships": value(NAMES),
        "credentials": value(st.lists(CREDENTIAL, max_size=3)),
        "credits": value(st.lists(CREDIT, max_size=4)),
    },
    ("holder", "credentials"),
)


@examples(300, suppress_health_check=[HealthCheck.too_slow])
@given(FILE)
def test_the_fast_path_gives_what_the_models_give_or_leaves_the_file_to_them(data):
    check(data)


@examples(200, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.fixed_dictionaries(
        {
            "holder": TEXT,
            "credentials": st.lists(
                st.fixed_dictionaries(
                    {"cert": TEXT, "certified_on": DAY},
                    optional={"expires_on": DAY, "paid": st.lists(st.fixed_dictionaries({"fee": TEXT, True: DAY}))},
                ),
                min_size=1,
                max_size=3,
            ),
        },
        optional={
            "memberships": st.one_of(TEXT, st.lists(TEXT, max_size=3)),
            "credits": st.lists(
                st.fixed_dictionaries(
                    {"title": TEXT, "date": DAY},
                    optional={
                        "points": st.one_of(
                            st.integers(0, 30), st.dictionaries(TEXT, st.integers(0, 5), min_size=1, max_size=3)
                        ),
                        "approved_by": TEXT,
                        "applies_to": st.lists(TEXT, max_size=2),
                    },
                ),
                max_size=5,
            ),
        },
    )
)
def test_a_plainly_right_file_is_taken_by_the_fast_path(data):
    fast, model = check(data)
    assert fast is not None and model is not None


def test_what_the_fast_path_leaves_to_the_models():
    base: dict[str, Any] = {"holder": "J", "credentials": [{"cert": "CMA", "certified_on": dt.date(2020, 1, 1)}]}
    assert check(base)[0] is not None
    left = [
        {**base, "holder": Text("J")},  # the models take it (as text); so do they, not the fast path
        {**base, "credentials": [{"cert": "CMA", "certified_on": dt.datetime(2020, 1, 1)}]},
        {**base, "credentials": []},
        {**base, "holdr": "J"},
        {"credentials": base["credentials"]},
        {**base, "credits": [{"title": "t", "date": dt.date(2020, 1, 1), "points": True}]},
        {**base, "credits": [{"title": "t", "date": dt.date(2020, 1, 1), "points": 2**60}]},
    ]
    for data in left:
        assert check(data)[0] is None, data
    assert check(left[0])[1] is not None  # taken by the models, as text


def test_the_loader_takes_the_fast_path_for_its_first_file_only(monkeypatch):
    """It spares the validator's build once; a process reading many files builds it and uses it.
    Either way the loader's answer is the models' answer."""
    import marenew.load.credentials as credentials
    from marenew.load.rules import load_rules

    monkeypatch.setattr(credfast, "_spared", [])
    taken: list[bool] = []
    plain_file = credfast.plain_file
    monkeypatch.setattr(credfast, "plain_file", lambda data: taken.append(True) or plain_file(data))
    ruleset = load_rules()
    for name in ("multi-credential.yaml", "cma-on-track.yaml", "multi-credential.yaml"):
        path = EXAMPLES / name
        loaded = credentials.load_credentials(path, ruleset, today=dt.date(2026, 11, 29))
        same(loaded.holder, CredentialFile.model_validate(load_file(path, allow_aliases=False, partial=True).data))
    assert taken == [True]
