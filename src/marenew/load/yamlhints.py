"""Plain words for the YAML slips people make when they edit a credential file by hand.

The parser says "did not find expected '-' indicator"; a person needs "this line lacks its dash".
Pure: a problem and the text in, the problem with a hint out.
"""

from __future__ import annotations

from dataclasses import replace

from marenew.load.problems import Problem

SYNTAX = "YAML syntax error"


def _line(text: str, number: int | None) -> str:
    lines = text.splitlines()
    return lines[number - 1] if number is not None and 0 < number <= len(lines) else ""


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _dash_column(text: str, number: int) -> int | None:
    """The column of the dashes of the nearest list above line ``number``."""
    lines = text.splitlines()[: number - 1]
    for line in reversed(lines):
        if line.lstrip().startswith("- "):
            return _indent(line)
    return None


def _open_quote(text: str, number: int) -> int | None:
    """The nearest line above ``number`` whose value opens a quote it does not close: the parser
    then reads on into the lines below and reports a later line (often as an indentation slip)."""
    lines = text.splitlines()[: number - 1]
    for n in range(len(lines), 0, -1):
        value = lines[n - 1].strip()
        value = value[2:].lstrip() if value.startswith("- ") else value
        if ": " in value and not value.startswith(("'", '"')):
            value = value.split(": ", 1)[1].lstrip()
        if value[:1] in ("'", '"'):
            quote = value[0]
            rest = value[1:].replace("\\" + quote, "") if quote == '"' else value[1:].replace(quote * 2, "")
            if quote not in rest:
                return n
    return None


def hint(problem: Problem, text: str) -> str | None:
    """A hint for a syntax problem, or None."""
    if not problem.message.startswith(SYNTAX) or problem.line is None:
        return None
    message = problem.message
    here = _line(text, problem.line)
    if "tab" in message:
        return None  # the message says it already
    if "\t" in here:
        return "a tab is used for indenting here: YAML needs spaces (replace each tab with spaces)"
    wrong_indent = (
        "wrong indentation? This line is indented differently from the lines around it: "
        "the keys of one entry must line up, with the same number of spaces"
    )
    if "expected '-' indicator" in message:
        if _dash_column(text, problem.line) == _indent(here):
            return (
                "a missing dash? Each entry of a list starts with `- ` (for example `  - title: ...`); "
                "this line sits where the list's entries start, without one"
            )
        return wrong_indent
    if "mapping values are not allowed" in message:
        value = here.split(":", 1)[1] if ":" in here else ""
        if ": " in value or value.rstrip().endswith(":"):
            return 'a colon inside a value? Put the value in quotes: title: "CPR: adult and child"'
        return wrong_indent
    if "while parsing a flow" in message or "while scanning a quoted scalar" in message:
        return (
            "a quote or bracket left open? Each `\"` or `'` needs its closing quote, each `[` its `]`, "
            "each `{` its `}`, on the line where it starts; items inside brackets are separated by commas"
        )
    if any(
        words in message
        for words in (
            "expected <block end>",
            "did not find expected key",
            "could not find expected ':'",
            "expected the node content",
        )
    ):
        opened = _open_quote(text, problem.line)
        if opened is not None:
            return (
                f"a quote left open on line {opened}? Close it on that line, or the lines below are read as part of it"
            )
        return wrong_indent
    return None


def with_hints(problems: list[Problem], text: str) -> list[Problem]:
    out = []
    for problem in problems:
        extra = hint(problem, text)
        out.append(replace(problem, message=f"{problem.message}; {extra}") if extra else problem)
    return out
