"""The shared repr, equality and hash of core.record answer exactly as the methods @dataclass
generates, for the frozen dataclasses that use them instead."""

from __future__ import annotations

import dataclasses
import importlib
from dataclasses import dataclass, field

import pytest
from hypothesis import given
from hypothesis import strategies as st

from marenew.core.record import Record


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
    "marenew.load.problems",
    "marenew.load.proof",
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


def test_every_record_is_a_frozen_dataclass_that_leaves_these_methods_to_the_base():
    classes = _record_classes()
    assert len(classes) >= 15
    for cls in classes:
        params = cls.__dataclass_params__  # type: ignore[attr-defined]
        assert params.frozen and not params.repr and not params.eq, cls
        assert {"__repr__", "__eq__", "__hash__"}.isdisjoint(vars(cls)), cls
