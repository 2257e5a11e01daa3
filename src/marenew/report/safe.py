"""Text from files made safe for a terminal: the one place that decides how.

A holder name, a course title or a CSV cell may hold an escape sequence (ESC ``]0;`` sets the
window title, ESC ``[2J`` clears the screen, a carriage return hides what came before on the
line) or a bidirectional override that shows text in another order than it is stored. Every
control character (C0, DEL, C1) and every bidi control is shown as a visible escape (``\\x1b``,
``\\u202e``) instead; the text stays readable and nothing is lost. JSON output is left alone (its
encoder escapes C0 itself, and its readers are programs); calendar and HTML have escapes of their
own formats.

``neutral`` keeps a CSV cell from running as a spreadsheet formula; ``csv_cell`` also keeps a
carriage return from ending the record; ``csv_line`` writes a whole record of such cells.

``safe_text`` is for plain writes (diagnostics, plain-text reports); ``safeconsole.SafeConsole``
applies it to everything a rich console prints, tables and panels included, so a renderer cannot
forget it. This module does not import rich: JSON output and plain writes start without it.
"""

from __future__ import annotations

import csv
import functools
import io
import re
from operator import itemgetter

# C0 except tab and newline, DEL, C1; bidi embeddings, overrides and isolates; line and
# paragraph separators (a terminal or a log viewer may break the line there).
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]")


# The patterns only some outputs need are compiled on first use: compiling a class of characters
# this wide costs a process about a millisecond each, and most outputs need one or two of them.
@functools.cache
def _unsafe_in_field() -> re.Pattern[str]:
    return re.compile(_UNSAFE.pattern[:-1] + "\t\n]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def safe_text(text: str, *, lines: bool = True) -> str:
    """``text`` with every control character shown as an escape. ``lines=False`` escapes tab and
    newline too (one field of a row: a newline there would forge another row)."""
    return (_UNSAFE if lines else _unsafe_in_field()).sub(_escape, text)


def without_controls(text: str) -> str:
    """``text`` with control characters dropped, newlines kept: iCalendar TEXT may hold no control
    character (RFC 5545, 3.3.11); the calendar library escapes the newline itself."""
    return _UNSAFE.sub("", text.replace("\t", " "))


@functools.cache
def _unsafe_in_json() -> re.Pattern[str]:
    return re.compile("[\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]")


def json_safe(encoded: str) -> str:
    """JSON text (``ensure_ascii=False``) with the controls its encoder leaves raw (DEL, C1, bidi)
    written as ``\\uXXXX`` escapes: the same data, nothing a terminal acts on. Valid because these
    characters can only stand inside JSON strings."""
    if encoded.isascii() and "\x7f" not in encoded:  # DEL is the only one in ASCII (most rows: no search)
        return encoded
    return _unsafe_in_json().sub(lambda m: f"\\u{ord(m.group()):04x}", encoded)


def is_safe(text: str) -> bool:
    return _UNSAFE.search(text) is None


BOM = "\ufeff"  # Excel on Windows reads a CSV as UTF-8 only when it starts with one
# A spreadsheet runs a cell that starts with one of these as a formula (OWASP, "CSV Injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@functools.cache
def _plain_number() -> re.Pattern[str]:
    return re.compile(r"-?\d+(\.\d+)?")


def neutral(text: str) -> str:
    """A CSV cell a spreadsheet shows as the text it is: one that would start a formula gets a
    leading apostrophe (OWASP's advice). Negative numbers stay numbers. Every CSV marenew writes
    (roster, transcript) goes through here."""
    if text and text[0] in FORMULA_START and not _plain_number().fullmatch(text):
        return "'" + text
    return text


def csv_cell(text: str) -> str:
    """A cell as a CSV file holds it: ``neutral``, and a carriage return written as a line feed.
    The csv module quotes a field for the line ending it writes (``\\n``) but not for a bare CR,
    which a spreadsheet takes as the end of the record: the rest of the cell would become a new
    row, formula and all."""
    if not text or (text[0] not in FORMULA_START and "\r" not in text):
        return text  # most cells: nothing to change (a roster writes millions of them)
    return neutral(text).replace("\r\n", "\n").replace("\r", "\n")


_FORMULA_START = frozenset(FORMULA_START)
_FIRST = itemgetter(slice(0, 1))  # a cell's first character, "" for an empty cell


def csv_cells(cells: list[str]) -> list[str]:
    """Every cell of a record as ``csv_cell`` makes it. Most records have no cell that starts like
    a formula and no carriage return: they are checked in two passes in C and returned as they
    are, without a call per cell."""
    if "\r" in "".join(cells) or not _FORMULA_START.isdisjoint(map(_FIRST, cells)):
        return [csv_cell(c) for c in cells]
    return cells


# What shows, in a record's cells joined by commas, that they may not be its CSV text: a quote or
# a line break (the csv module quotes the cell), a cell after a comma that csv_cell would change.
_NOT_PLAIN = ('"', "\r", "\n", *("," + c for c in FORMULA_START))


def csv_line(cells: list[str]) -> str:
    """One record as ``csv.writer(out, lineterminator="\\n")`` writes ``csv_cells(cells)``, line
    end included. Most records have no cell to quote or to change: their text is their cells
    joined by commas (a comma inside a cell shows in the count)."""
    line = ",".join(cells)
    if len(cells) > 1 and line.count(",") == len(cells) - 1 and line[:1] not in _FORMULA_START:
        for part in _NOT_PLAIN:  # a few searches in C: quicker than one pattern here
            if part in line:
                break
        else:
            return line + "\n"
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(csv_cells(cells))
    return out.getvalue()
