"""The shared repr, equality and hash of core.record answer exactly as the methods @dataclass
generates, for the frozen dataclasses that use them instead."""

from __future__ import annotations

import dataclasses
import importlib
import inspect
from dataclasses import dataclass, field

import pytest
from hypothesis import given
from hypothesis import strategies as st

from marenew.core.record import Frozen, Mutable, Record


@dataclass(frozen=True)
class Generated:
    name: str
    amount: float | None
    items: tuple[int, ...] = ()
    hidden: int = field(default=0, repr=False)
    memo: int = field(default=0, compare=False)
    keyed: int = field(default=0, compare=False, hash=True)


@dataclass(frozen=True, repr=False, eq=False)
class Shared(Record):
    name: str
    amount: float | None
    items: tuple[int, ...] = ()
    hidden: int = field(default=0, repr=False)
    memo: int = field(default=0, compare=False)
    keyed: int = field(default=0, compare=False, hash=True)


_VALUES = st.tuples(
    st.text(max_size=3),
    st.none() | st.floats(allow_nan=False),
    st.tuples(st.integers(0, 3)) | st.just(()),
    st.integers(0, 2),
    st.integers(0, 2),
    st.integers(0, 2),
)


@given(_VALUES, _VALUES)
def test_shared_methods_answer_as_the_generated_ones(one, two):
    g1, g2, s1, s2 = Generated(*one), Generated(*two), Shared(*one), Shared(*two)
    assert repr(s1) == repr(g1).replace("Generated(", "Shared(", 1)
    assert (s1 == s2) == (g1 == g2)
    assert hash(s1) == hash(g1)
    assert (s1 == g1) is False and s1.__eq__(g1) is NotImplemented  # another class is never equal
    with pytest.raises(dataclasses.FrozenInstanceError):
        s1.name = "changed"  # type: ignore[misc]


# the modules whose frozen dataclasses every `status` creates
_MODULES = (
    "marenew.api",
    "marenew.cli",
    "marenew.core.cycle",
    "marenew.core.names",
    "marenew.core.results",
    "marenew.load.credentials",
    "marenew.load.files",
    "marenew.load.problems",
    "marenew.load.proof",
    "marenew.load.rules",
    "marenew.load.yamlfile",
)


def _record_classes() -> list[type]:
    found = []
    for name in _MODULES:
        module = importlib.import_module(name)
        found += [
            v for v in vars(module).values() if isinstance(v, type) and issubclass(v, Record) and v.__module__ == name
        ]
    return found


def test_every_record_is_a_dataclass_that_leaves_these_methods_to_the_base():
    classes = _record_classes()
    assert len(classes) >= 20
    for cls in classes:
        params = cls.__dataclass_params__  # type: ignore[attr-defined]
        assert not params.repr and not params.eq, cls
        shared = {"__repr__", "__eq__", "__hash__"}
        if issubclass(cls, Frozen):  # frozen by the base, with an __init__ of its own
            assert not params.frozen and not params.init, cls
            shared |= {"__setattr__", "__delattr__"}
        elif issubclass(cls, Mutable):  # not frozen, and so not hashable, as before
            assert not params.frozen and params.init and cls.__hash__ is None, cls
        else:  # frozen by dataclass
            assert params.frozen and params.init, cls
        assert shared.isdisjoint(vars(cls)), cls


def test_a_hand_written_init_takes_the_fields_in_order_with_their_defaults_and_sets_each():
    classes = [cls for cls in _record_classes() if issubclass(cls, Frozen)]
    assert len(classes) >= 15
    for cls in classes:
        fields = dataclasses.fields(cls)
        params = list(inspect.signature(cls.__init__).parameters.values())[1:]
        assert [p.name for p in params] == [f.name for f in fields], cls
        for p, f in zip(params, fields, strict=True):
            assert f.default_factory is dataclasses.MISSING, (cls, f.name)  # a default is written once
            assert p.default == (inspect.Parameter.empty if f.default is dataclasses.MISSING else f.default)
            assert p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD
        values = {f.name: object() for f in fields}  # a distinct marker per field
        made = cls(**values)
        assert all(getattr(made, name) is value for name, value in values.items()), cls
        assert dataclasses.replace(made) == made and dataclasses.replace(made) is not made
        with pytest.raises(dataclasses.FrozenInstanceError, match="cannot assign to field"):
            made.__setattr__(fields[0].name, 1)
        with pytest.raises(dataclasses.FrozenInstanceError, match="cannot delete field"):
            made.__delattr__(fields[0].name)
