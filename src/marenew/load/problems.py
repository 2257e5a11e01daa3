"""Problems found in input files, each located at a file, line and column.

Every loader and checker reports through these, so that all messages share one shape:
``path:line:col: error: key.path: message``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from marenew.core.record import Frozen

Level = Literal["error", "warning"]


def key_path(parts: tuple) -> str:
    """``('credits', 3, 'points')`` -> ``credits[3].points``."""
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


_set = object.__setattr__  # past the frozen __setattr__, as a frozen dataclass sets its fields


@dataclass(init=False, repr=False, eq=False)
class Problem(Frozen):
    """Something wrong with an input, located: file, line and column, the message, how serious."""

    file: str
    line: int | None
    col: int | None
    message: str
    level: Level = "error"
    key: str | None = None

    def __init__(
        self, file: str, line: int | None, col: int | None, message: str, level: Level = "error", key: str | None = None
    ) -> None:
        _set(self, "file", file)
        _set(self, "line", line)
        _set(self, "col", col)
        _set(self, "message", message)
        _set(self, "level", level)
        _set(self, "key", key)

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}:{self.col or 1}"
        key = f"{self.key}: " if self.key else ""
        return f"{where}: {self.level}: {key}{self.message}"

    def as_dict(self) -> dict:
        return {
            "file": self.file,
            "line": self.line,
            "col": self.col,
            "level": self.level,
            "key": self.key,
            "message": self.message,
        }


class InputError(Exception):
    """Raised when a file cannot be used; carries every problem found, not just the first."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.level == "error"]
