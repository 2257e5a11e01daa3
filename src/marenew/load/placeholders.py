"""The one marker of a value still to be filled in, and the one place that finds it.

``FILL-IN`` marks what marenew wrote for the user to replace: a value of a rule skeleton
(``marenew rules new``: the value itself reads FILL-IN, an error until replaced), and a placeholder
of a starter credential file (``marenew init``: the value is valid, so that the file works at
once, and its line's comment begins ``# FILL-IN``). Every command that reads a credential file
warns while a marked line is left (``check_credentials``).
"""

from __future__ import annotations

import re

from marenew.load.problems import Problem

FILL_IN = "FILL-IN"

# A comment (a `#` at the start of a line or after a space) that begins with the marker.
_MARKED_COMMENT = re.compile(r"(?:^|[ \t])#[ \t]*" + re.escape(FILL_IN) + r"\b")


def marked_lines(text: str) -> list[int]:
    """The lines (from 1) whose comment begins with FILL-IN."""
    if FILL_IN not in text:  # the usual case, and a roster reads thousands of files
        return []
    out = []
    for number, line in enumerate(text.splitlines(), start=1):
        match = _MARKED_COMMENT.search(line)
        if match and _outside_quotes(line[: match.start()]):
            out.append(number)
    return out


def _outside_quotes(before: str) -> bool:
    """Whether a `#` after ``before`` starts a comment rather than sitting inside quoted text."""
    single = double = False
    for ch in before:
        if ch == "'" and not double:
            single = not single
        elif ch == '"' and not single:
            double = not double
    return not (single or double)


def placeholder_warning(source: str, lines: list[int]) -> list[Problem]:
    """One warning for a credential file that still holds placeholders, at the first of them."""
    if not lines:
        return []
    many = f"{len(lines)} values are still placeholders" if len(lines) > 1 else "1 value is still a placeholder"
    return [
        Problem(
            source,
            lines[0],
            1,
            f"{many} written by `marenew init` (lines marked `# {FILL_IN}`): put in "
            f"your own and delete each {FILL_IN} mark; until then the dates, and what marenew says "
            "from them, are made up",
            level="warning",
        )
    ]
