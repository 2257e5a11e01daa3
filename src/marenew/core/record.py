"""What a frozen dataclass generates for itself (repr, equality, hash), written once.

``@dataclass`` writes each method it generates as source text and compiles it when the class is
created: about half a millisecond a method, five or six methods a class, paid by every process that
imports the class. The frozen dataclasses that every `status` creates declare
``@dataclass(frozen=True, repr=False, eq=False)`` and inherit these three from ``Record`` instead;
they answer exactly as the generated ones do (the same fields, the same order, the same text).
Only ``__init__`` and the frozen ``__setattr__`` are still generated: an ``__init__`` written for
the class is what keeps creating millions of results in a roster fast.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

_NAMES: dict[type, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {}


def _names(cls: type) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """(fields shown by repr, fields compared, fields hashed), as dataclass decides them."""
    found = _NAMES.get(cls)
    if found is None:
        every = fields(cls)
        found = _NAMES[cls] = (
            tuple(f.name for f in every if f.repr),
            tuple(f.name for f in every if f.compare),
            tuple(f.name for f in every if (f.compare if f.hash is None else f.hash)),
        )
    return found


class Record:
    __slots__ = ()

    def __repr__(self) -> str:
        shown = _names(type(self))[0]
        return f"{type(self).__qualname__}({', '.join(f'{n}={getattr(self, n)!r}' for n in shown)})"

    def __eq__(self, other: Any) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        compared = _names(type(self))[1]
        return tuple(getattr(self, n) for n in compared) == tuple(getattr(other, n) for n in compared)

    def __hash__(self) -> int:
        return hash(tuple(getattr(self, n) for n in _names(type(self))[2]))
