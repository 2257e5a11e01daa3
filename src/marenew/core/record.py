"""What a frozen dataclass generates for itself, written once.

``@dataclass`` writes each method it generates as source text and compiles it when the class is
created: about half a millisecond a method, five or six methods a class, paid by every process that
imports the class. The frozen dataclasses that every `status` creates take these methods from here
instead, and answer exactly as the generated ones do (the same fields, the same order, the same
text, the same errors):

- ``Record``: repr, equality and hash, for ``@dataclass(frozen=True, repr=False, eq=False)``
  (dataclass still generates ``__init__`` and the frozen ``__setattr__``);
- ``Mutable``: repr and equality, and no hash, for ``@dataclass(repr=False, eq=False)`` (not
  frozen: dataclass still generates ``__init__``);
- ``Frozen``: repr, equality, hash and the frozen ``__setattr__`` and ``__delattr__``, for
  ``@dataclass(init=False, repr=False, eq=False)`` classes that write their own ``__init__``
  (setting each field with ``object.__setattr__``, as a frozen dataclass's does): nothing is
  compiled at import, and creating millions of results in a roster stays as fast.

Both stay dataclasses (``dataclasses.fields`` and ``replace`` work on them).
"""

from __future__ import annotations

from dataclasses import FrozenInstanceError, fields
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


class Frozen(Record):
    __slots__ = ()

    def __setattr__(self, name: str, value: Any) -> None:
        raise FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise FrozenInstanceError(f"cannot delete field {name!r}")


class Mutable(Record):
    __slots__ = ()
    __hash__ = None  # type: ignore[assignment]  # as dataclass leaves one that is not frozen
