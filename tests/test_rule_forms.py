"""The two forms of a rule cannot drift apart: the pydantic schema (load.ruleschema) that validates
rule files, and the plain runtime form (core.rule) that the engine, every command and the rule
cache use. Same classes, same fields in the same order, and every converted rule equal to its model
attribute by attribute; the plain form pickles and reads back equal, and a run with cached rules
never imports the schema."""

from __future__ import annotations

import datetime as dt
import inspect
import os
import pickle
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel

from helpers import AS_OF, EXAMPLES, FIXTURES, REPO, RULES_DIR, examples
from marenew.core import rule as plain
from marenew.load import ruleschema as schema
from marenew.load.locate import validate
from marenew.load.overlay import is_overlay
from marenew.load.yamlfile import load_file


def _schema_models() -> list[type[BaseModel]]:
    return [
        cls
        for _, cls in inspect.getmembers(schema, inspect.isclass)
        if issubclass(cls, BaseModel) and cls.__module__ == schema.__name__
    ]


def _plain_classes() -> list[type[plain.Plain]]:
    return [
        cls
        for _, cls in inspect.getmembers(plain, inspect.isclass)
        if issubclass(cls, plain.Plain) and cls is not plain.Plain
    ]


def test_every_schema_model_has_a_plain_class_with_the_same_fields_in_the_same_order():
    models = _schema_models()
    assert len(models) >= 18
    for model in models:
        assert plain.Plain in schema.plain_class(model).__mro__
        assert tuple(model.model_fields) == schema.plain_class(model).FIELDS, model.__name__
    # and no plain class without its model
    assert sorted(c.__name__ for c in _plain_classes()) == sorted(m.__name__ for m in models)


def test_a_subclass_keeps_its_parents_fields_first_in_both_forms():
    assert plain.LateWindow.FIELDS[: len(plain.Period.FIELDS)] == plain.Period.FIELDS
    assert issubclass(plain.LateWindow, plain.Period) and issubclass(schema.LateWindow, schema.Period)


def same(model: Any, obj: Any, where: str = "rule") -> None:
    """``obj`` is ``model`` in the plain form: every attribute, all the way down, equal and of
    the same type (a model becomes the plain class of its name)."""
    if isinstance(model, BaseModel):
        assert isinstance(obj, plain.Plain), where
        assert type(obj) is schema.plain_class(type(model)), where
        for name in type(model).model_fields:
            same(getattr(model, name), getattr(obj, name), f"{where}.{name}")
    elif isinstance(model, dict):
        assert type(obj) is dict and list(obj) == list(model), where
        for key in model:
            assert type(key) is type(next(k for k in obj if k == key)), where
            same(model[key], obj[key], f"{where}[{key!r}]")
    elif isinstance(model, list):
        assert type(obj) is list and len(obj) == len(model), where
        for i, (m, o) in enumerate(zip(model, obj, strict=True)):
            same(m, o, f"{where}[{i}]")
    else:
        assert type(obj) is type(model) and obj == model, where


def _rule_files() -> list[Path]:
    folders = [RULES_DIR] + sorted(p for p in FIXTURES.iterdir() if p.is_dir() and p.name.startswith("rule"))
    return [p for folder in folders for p in sorted(folder.glob("*.yaml"))]


def _validated() -> list[tuple[Path, schema.Rule]]:
    out = []
    for path in _rule_files():
        doc = load_file(path, allow_aliases=True, partial=True)
        if isinstance(doc.data, dict) and is_overlay(doc.data):
            continue  # an overlay is validated once merged with the rule it extends
        model, _ = validate(schema.Rule, doc)
        if model is not None:
            out.append((path, model))
    return out


VALIDATED = _validated()


def test_the_rule_files_walked_cover_the_shipped_rules_and_the_fixtures():
    names = {(p.parent.name, p.name) for p, _ in VALIDATED}
    assert {p.name for p in RULES_DIR.glob("*.yaml")} <= {n for folder, n in names if folder == RULES_DIR.name}
    assert len({folder for folder, _ in names}) >= 4 and len(VALIDATED) >= 25


@pytest.mark.parametrize("path,model", [pytest.param(p, m, id=f"{p.parent.name}/{p.name}") for p, m in VALIDATED])
def test_a_converted_rule_equals_its_model_attribute_by_attribute(path, model):
    rule = schema.to_plain(model)
    same(model, rule)
    # the JSON form (rules diff compares it) is pydantic's own
    assert plain.as_json(rule) == model.model_dump(mode="json", exclude_none=True)
    # the rule cache's round trip gives an equal rule, in the same classes, answering alike
    back = pickle.loads(pickle.dumps(rule, pickle.HIGHEST_PROTOCOL))
    assert back == rule and back is not rule
    same(model, back)
    day = dt.date.fromisoformat(AS_OF)
    assert [(p, f.in_force(day)) for p, f in back.figures()] == [(p, f.in_force(day)) for p, f in rule.figures()]
    assert len(rule.figures()) >= 2


def test_rules_read_by_the_loader_are_the_plain_form():
    from marenew.load.rules import load_rules

    for rule in load_rules().rules.values():
        assert type(rule) is plain.Rule
        assert all(type(fig) is plain.Figure for _, fig in rule.figures())


def test_a_plain_rule_object_cannot_be_changed():
    _, model = VALIDATED[0]
    rule = schema.to_plain(model)
    with pytest.raises(AttributeError):
        rule.id = "OTHER"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        rule.cycle.months.value = 1  # type: ignore[misc]
    with pytest.raises(AttributeError):
        del rule.name
    with pytest.raises(TypeError, match="needs `sources`"):
        plain.Note(text="no sources given")
    with pytest.raises(TypeError, match="no field `sorces`"):
        plain.Note(text="a", sources=[], sorces=[])


# --- figures of every shape, generated ------------------------------------------------------

_DAYS = st.dates(dt.date(1990, 1, 1), dt.date(2040, 12, 31))
_CONFIDENCE = st.sampled_from(["official", "secondary", "unconfirmed"])


@st.composite
def _entry(draw: st.DrawFn, dated: bool) -> dict:
    known = draw(st.booleans())
    out: dict = {"value": draw(st.integers(0, 500)) if known else None}
    out["confidence"] = draw(_CONFIDENCE) if known else "unknown"
    if known or draw(st.booleans()):
        out["source"] = draw(st.sampled_from(["A", "B-PAGE"]))
    if draw(st.booleans()):
        out["note"] = draw(st.text(max_size=5))
    if draw(st.booleans()):
        out["conflicts"] = [
            {"value": draw(st.integers(0, 500)), "source": "B-PAGE"} for _ in range(draw(st.integers(1, 2)))
        ]
    if draw(st.booleans()):
        out["last_verified"] = draw(_DAYS)
    return out


@st.composite
def _figure(draw: st.DrawFn) -> dict:
    if draw(st.booleans()):
        return draw(_entry(False))
    days = draw(st.lists(_DAYS, min_size=1, max_size=4, unique=True))
    return {"values": {day: draw(_entry(True)) for day in days}}


@examples(150)
@given(_figure(), _DAYS)
def test_a_generated_figure_converts_to_an_equal_plain_figure(data, day):
    model = schema.Figure[int].model_validate(data)
    fig = schema.to_plain(model)
    same(model, fig)
    back = pickle.loads(pickle.dumps(fig))
    assert back == fig and back.in_force(day) == fig.in_force(day)
    # the entry in force is the latest dated on or before the day (an undated figure: always)
    found = fig.in_force(day)
    if model.values is None:
        assert found is not None and found[0] is None and found[1].value == model.value
    else:
        before = [d for d in model.values if d <= day]
        assert (found is None) == (not before)
        if before:
            assert found == (max(before), schema.to_plain(model.values[max(before)]))
    assert [since for since, _ in fig.entries()] == ([None] if model.values is None else list(model.values))


# --- the status path never imports the schema -----------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("json_output", [False, True], ids=["text", "json"])
def test_status_with_cached_rules_imports_no_rule_schema(tmp_path, json_output):
    env = {**os.environ, "MARENEW_CACHE_DIR": str(tmp_path / "cache"), "NO_COLOR": "1"}
    env.pop("MARENEW_RULES", None)
    args = [sys.executable, "-X", "importtime", "-m", "marenew", "status", str(EXAMPLES / "cma-on-track.yaml")]
    args += ["--as-of", AS_OF] + (["--json"] if json_output else [])

    def imported() -> set[str]:
        done = subprocess.run(args, capture_output=True, text=True, timeout=120, env=env, cwd=REPO)
        assert done.returncode == 0, done.stderr[-2000:]
        return {
            line.rsplit("|", 1)[1].strip()
            for line in done.stderr.splitlines()
            if line.startswith("import time:") and "|" in line
        }

    cold = imported()  # reads the rule files, validates them and writes the cache
    assert "marenew.load.ruleschema" in cold and "marenew.core.rule" in cold
    warm = imported()
    assert "marenew.core.rule" in warm and "marenew.store.rulecache" in warm
    assert not {"marenew.load.ruleschema", "marenew.load.rulecheck", "marenew.load.overlay"} & warm
