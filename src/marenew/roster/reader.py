"""Reading a CSV export: every record once, with the csv module, and the line it starts on.

The file is decoded as UTF-8 (a leading byte-order mark is dropped) and handed to ``csv.reader``
whole, so what counts as a record is exactly what the csv module reads: quoted cells may hold
commas, quotes and line breaks, and lines may end in LF, CRLF or a bare CR. A record's line is
the physical line it starts on (the csv module's own ``line_num`` count). A record that cannot be
used becomes a message for that record alone; reading goes on with the next one, so nothing after
a bad record is lost.

The file is read in blocks. A block of plain records (no quote, or quotes that only wrap whole
cells; one a line, each of the header's width with a person_id: almost every block of an export)
is split in a few calls for the whole block, which give the cells the csv module gives for such
lines; a block is cut before a line with any other quote, which goes to ``csv.reader`` alone
(``_cut``); any other block goes to ``csv.reader`` line by line. A test holds the two ways to
the same records on generated files with every kind of odd line at the edges of blocks.
"""

from __future__ import annotations

import csv
import functools
import io
import itertools
import operator
import os
import re
import stat
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Literal, Self, TextIO, overload

from marenew.load.problems import InputError, Problem

from .columns import PERSON_ID, ColumnMap, Columns, Header, detect_delimiter, match_header, nfc

# One CSV field may hold up to this much text (the csv module's default is 128 KiB).
FIELD_LIMIT = 1024 * 1024
csv.field_size_limit(FIELD_LIMIT)
# The longest line read: a longer one (a 1 GB line with no line break) is skipped in blocks and
# becomes an error row, so memory does not grow with it.
LINE_LIMIT = 4 * FIELD_LIMIT
# Characters read at a time: a block of plain lines goes to the csv module without a step of
# Python per line.
BLOCK = 64 * 1024

NOT_UTF8 = "is not UTF-8 text; save the export as CSV UTF-8"

# (line, person_id, cells): the canonical cells (Header.picker), or a message when the record
# itself cannot be used, or None for a record with no cell filled in (skipped and counted).
Record = tuple[int, str, "tuple[str, ...] | str | None"]


def open_problem(exc: OSError, source: str) -> Problem:
    if isinstance(exc, FileNotFoundError):
        return Problem(source, None, None, "no such file")
    if isinstance(exc, IsADirectoryError):
        return Problem(source, None, None, "is a folder, not a CSV file")
    return Problem(source, None, None, f"cannot read: {exc.strerror or exc}")


def _utf8(text: str) -> bool:
    """False when ``text`` holds bytes that were not UTF-8 (decoded as lone surrogates)."""
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


class CsvFile:
    """An open CSV export: its header, then its records, read once from start to end.

    Raises InputError when the file cannot be opened or has no usable header."""

    def __init__(
        self,
        path: Path,
        spec: Columns,
        source: str,
        *,
        column_map: ColumnMap | None = None,
        keep: tuple[str, ...] = (),
        block: int = BLOCK,
    ):
        """``block``: characters read at a time; 0 reads line by line, every record through
        ``csv.reader`` (what reading in blocks is checked against)."""
        self.source = source
        try:
            # surrogateescape: a byte that is not UTF-8 spoils its record only, not the file
            self._file: TextIO = open(  # noqa: SIM115 - closed by close()
                path, newline="", encoding="utf-8-sig", errors="surrogateescape"
            )
        except OSError as exc:
            raise InputError([open_problem(exc, source)]) from None
        try:
            info = os.fstat(self._file.fileno())
        except OSError:
            info = None
        self._size = info.st_size if info is not None and stat.S_ISREG(info.st_mode) else None
        self._too_long: set[int] = set()  # physical lines cut short by _bounded
        self._not_utf8: set[int] = set()  # physical lines holding bytes that are not UTF-8
        self._blocks: Iterator[str | _Rest | list[str]] = (
            _blocks(self._file, block)
            if block
            else ([line] for line in _bounded(self._file, self._too_long, self._not_utf8))
        )
        # blocks taken, or cut from one (``_cut``), not read yet, in file order
        self._held: list[str | list[str]] = []
        self._given = 0  # lines handed out: to the csv reader, or read by records() itself
        # the separator is the header line's: comma, semicolon (Excel where the decimal mark is a
        # comma) or tab; the line read to tell goes to the csv reader first (stdin cannot seek)
        try:
            opening = self._take()
        except OSError as exc:
            self.close()
            raise InputError([open_problem(exc, source)]) from None
        first: list[str] = []
        if opening:  # the rest of the block waits for records()
            first = _lines(opening)[:1]
            rest = opening[len(first[0]) :] if isinstance(opening, str) else opening[1:]
            if rest:
                self._held.append(rest)
        delimiter = detect_delimiter(first[0] if first else "")
        self._reader = csv.reader(itertools.chain.from_iterable(self._handed(first)), delimiter=delimiter)
        try:
            names = self._header(spec)
            self.header: Header = match_header(
                spec, names, source, column_map=column_map, keep=keep, delimiter=delimiter
            )
        except BaseException:
            self.close()
            raise

    def _header(self, spec: Columns) -> list[str]:
        try:
            names = next(self._reader, None)
        except OSError as exc:
            raise InputError([open_problem(exc, self.source)]) from None
        except csv.Error as exc:
            raise InputError([Problem(self.source, 1, None, f"not valid CSV: {exc}")]) from None
        if names is not None and not _utf8("".join(names)):
            raise InputError([Problem(self.source, 1, None, NOT_UTF8)])
        if not names or not any(n.strip() for n in names):
            raise InputError(
                [
                    Problem(
                        self.source,
                        1,
                        None,
                        f"is empty; the first line must be a header naming the columns ({', '.join(spec.columns)})",
                    )
                ]
            )
        return names

    def _take(self) -> str | list[str] | None:
        """The next block: plain text, or lines read one by one; None at the end of the file."""
        if self._held:
            return self._held.pop(0)
        block = next(self._blocks, None)
        if isinstance(block, _Rest):  # its lines come after every line handed out so far
            return list(_bounded(block, self._too_long, self._not_utf8, self._given))
        return block

    def _handed(self, first: list[str]) -> Iterator[list[str]]:
        """The lines the csv reader reads: ``first``, then each block when it asks for more."""
        lines: list[str] | None = first
        while lines is not None:
            self._given += len(lines)
            yield lines
            block = self._take()
            lines = None if block is None else _lines(block)

    def close(self) -> None:
        self._file.close()

    def bytes_read(self) -> tuple[int, int] | None:
        """(bytes read from the file so far, its size in bytes); None when its size is not known
        (a pipe). What is read runs ahead of the records given by a block or so."""
        if self._size is None:
            return None
        try:
            return self._file.buffer.tell(), self._size
        except (OSError, ValueError):
            return None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def line_form(self) -> LineForm:
        """How this file's plain lines become records (``records(lines=True)``)."""
        header = self.header
        canonical = header.index == tuple(range(header.width)) and not header.kept_index and not header.name_parts
        return LineForm(
            header.delimiter, header.width in header.index, header.picker(), header.index, canonical, header.width
        )

    @overload
    def records(self) -> Iterator[Record]: ...

    @overload
    def records(self, *, lines: Literal[True], whole: bool = False) -> Iterator[Record | PlainLines | PlainBlock]: ...

    def records(self, *, lines: bool = False, whole: bool = False) -> Iterator[Record | PlainLines | PlainBlock]:
        """Every record after the header, in file order. This is the roster's hot loop (millions of
        records): a block of plain records is read in a few calls (``_plain_lines``); every other
        block goes to ``csv.reader``, record by record. With ``lines``, a block of plain records is
        given as it is (``PlainLines``), for ``line_form`` to split where it is used. With
        ``whole`` as well, such a block is given without the person_id of each line
        (``PlainBlock``): only those of the people at its two ends are read here."""
        reader = self._reader
        width = self.header.width
        form = self.line_form()
        pid_at = self.header.index[PERSON_ID]
        pick = form.pick
        person_id = operator.itemgetter(PERSON_ID)
        pid_cell = operator.itemgetter(pid_at)
        plain = functools.partial(_plain_lines, delimiter=self.header.delimiter, width=width)
        delimiter, cuts = itertools.repeat(self.header.delimiter), itertools.repeat(pid_at + 1)
        lines = lines and self.header.name_parts is None  # a closure to pick cannot be pickled
        past = 0  # lines read by _plain_lines, not through the csv reader
        done = reader.line_num  # lines read so far: a record starts on the next one
        bad = self._not_utf8
        while True:
            if done == self._given:  # the end of a record, and of every line handed out: a block
                block = self._take()
                if block is None:
                    return
                if type(block) is str and '"' in block:
                    # the lines whose quotes wrap whole cells, as a block read without them; the first
                    # line with another quote alone through the csv reader; the rest, a block again
                    self._held[:0] = _cut(block, self.header.delimiter)
                    continue
                if whole and lines and isinstance(block, str):
                    text = _plain_text(block)
                    ends = None if text is None else _ends(done + 1, text, self.header.delimiter, pid_at, width)
                    if ends is not None:
                        yield ends
                        count = ends.count
                        past += count
                        done += count
                        self._given += count
                        continue
                texts = plain(block) if isinstance(block, str) else None
                if texts is not None:
                    if lines:
                        pids = _person_ids(map(pid_cell, map(str.split, texts, delimiter, cuts)))
                        if pids is not None:
                            yield PlainLines(done + 1, texts, pids)
                    else:
                        cells = form.cells(texts)
                        pids = _person_ids(map(person_id, cells))
                        if pids is not None:
                            yield from zip(range(done + 1, done + 1 + len(cells)), pids, cells)
                    if pids is not None:
                        past += len(texts)
                        done += len(texts)
                        self._given += len(texts)
                        continue
                self._held.insert(0, block)  # for the csv reader
            try:  # the csv reader, until it has read every line handed to it
                for row in reader:
                    line = done + 1
                    done = reader.line_num + past
                    if bad and not bad.isdisjoint(range(line, done + 1)):
                        yield line, _shown(_pid(row, pid_at)), NOT_UTF8
                    elif len(row) == width:
                        row.append("")  # the cell that absent columns read (Header.picker)
                        found = pick(row)
                        pid = nfc(found[PERSON_ID].strip())
                        # with a person_id the record is not blank; without, it may be (`"",""`)
                        yield line, pid, None if not pid and unfilled(found) else found
                    elif unfilled(row):
                        if line in self._too_long:
                            yield line, "", f"line {line} is longer than {LINE_LIMIT // 1024 // 1024} MiB; not read"
                        else:
                            yield line, "", None
                    else:
                        yield line, _pid(row, pid_at), _miscount(len(row), width, line, done)
                    if done == self._given:
                        break
                else:
                    return
            except csv.Error as exc:  # the csv module goes on with the next line
                line = done + 1
                done = reader.line_num + past
                yield line, "", f"not valid CSV: {exc}"


def _plain_lines(text: str, *, delimiter: str, width: int) -> list[str] | None:
    """The lines of a block of whole lines, when every one is a plain record: no quote (or quotes
    that only wrap whole cells, taken off), on a line of its own, of the header's width. None
    otherwise: the block goes to the csv reader.

    Without a quote each line is one record, and the csv module's cells are the line split at the
    delimiter (with no NUL, no bare CR, and no cell as long as FIELD_LIMIT, the cases where it
    reads a line otherwise). Each step is one call for the whole block."""
    plain = _plain_text(text)
    if plain is None:
        return None
    lines = plain.split("\n")
    if plain.endswith("\n"):
        lines.pop()
    if set(map(str.count, lines, itertools.repeat(delimiter))) != {width - 1}:
        return None
    return lines


def _plain_text(text: str) -> str | None:
    """A block of whole lines as the csv module reads each of them as one record (``_plain_lines``),
    LF line ends and quotes around whole cells taken off, whatever the number of cells on a line;
    None when a line may read otherwise."""
    if "\0" in text or len(text) >= FIELD_LIMIT:
        return None
    whole_cells = type(text) is _WholeCells
    # line breaks before quotes: taking the quotes off a line of one empty cell ("") would join
    # the \r ending the line before it to the \n ending it, and the line would be lost
    if "\r" in text:
        if text.count("\r") != text.count("\r\n"):
            return None
        text = text.replace("\r\n", "\n")
    if '"' in text:
        if not whole_cells:
            return None
        text = text.replace('"', "")
    return str(text)


class _WholeCells(str):
    """A block's text whose quotes all wrap whole cells (``_cut`` found it so): it is read as
    plain lines without its quotes.

    When every cell of every line is either plain (no quote, no delimiter, no line break) or such
    a cell between quotes, the csv module reads each line as one record whose cells are the line's
    cells without their quotes (an export that quotes every cell, or every text): the block
    without its quotes is then a block of plain lines, with the same cells. If it is not plain for
    another reason, the csv reader reads it as it is."""


def _cut(text: str, delimiter: str) -> list[str | list[str]]:
    """A block with quotes, cut where a quote does not wrap a whole cell (Excel quotes a cell only
    when it holds the delimiter, a quote or a line break): the lines before the first line holding
    one, whose quotes all wrap whole cells (``_WholeCells``); that line, for the csv reader; the
    lines after it, a block again (cut in turn). One pattern, matched once over the lines from the
    first quote's on, tells. Each cut takes at least a line off; a last line without its line
    break (the end of the file) goes to the csv reader."""
    # the lines before the first quote have none: the pattern is matched from that quote's line on
    quote = text.index('"')
    line = max(text.rfind("\n", 0, quote), text.rfind("\r", 0, quote)) + 1
    start = _quoted_cells(delimiter).match(text, line).end()  # type: ignore[union-attr]
    parts: list[str | list[str]] = [_WholeCells(text[:start])] if start else []
    if start == len(text):
        return parts
    # the line's end, as str.splitlines finds it (a block holds no other line break)
    lf, cr = text.find("\n", start), text.find("\r", start)
    if cr != -1 and (lf == -1 or cr < lf):
        end = cr + 2 if text.startswith("\n", cr + 1) else cr + 1
    else:
        end = len(text) if lf == -1 else lf + 1
    parts.append([text[start:end]])
    if end < len(text):
        parts.append(text[end:])
    return parts


@functools.cache
def _quoted_cells(delimiter: str) -> re.Pattern[str]:
    """Whole lines, with their line breaks, of cells each plain or wrapped in quotes, with nothing
    to unescape (see ``_WholeCells``)."""
    d = re.escape(delimiter)
    cell = rf'(?:"[^"{d}\r\n]*+"|[^"{d}\r\n]*+)'
    return re.compile(rf"(?:{cell}(?:{d}{cell})*+\r?\n)*+")


def _person_ids(found: Iterable[str]) -> list[str] | None:
    """The person_ids of plain records from their cells, or None when one is empty (a record
    without a person_id may be blank: the csv reader's way decides)."""
    pids = list(map(str.strip, found))
    if not all(pids):
        return None
    if not all(map(str.isascii, pids)):
        pids = list(map(nfc, pids))
    return pids


def _line_pid(line: str, delimiter: str, at: int) -> str:
    """The person_id of one plain line, as ``_person_ids`` reads it."""
    return nfc(line.split(delimiter, at + 1)[at].strip())


def unfilled(cells: Iterable[str]) -> bool:
    """A record with no cell filled in (spaces are not filling): blank, counted and left out."""
    return not any(c.strip() for c in cells)


def _ends(first: int, text: str, delimiter: str, at: int, width: int) -> PlainBlock | None:
    """A block of plain text (``_plain_text``) whole: the lines of its first person and of its
    last, each checked as ``_plain_lines`` checks every line, and the text of the lines between
    them, unread (whoever reads them checks them). None when a line read here, up to the first of
    another person on either end, is not of the header's width, or either person_id is empty:
    then the block is read as before."""
    body = text[:-1] if text.endswith("\n") else text
    size, cells = len(body), width - 1
    found = _first_person(_forward(body), delimiter, at, cells)
    if found is None:
        return None
    lead_lines, lead, start = found  # the lines from ``start`` on are not the lead's
    if start > size:  # one person
        return PlainBlock(first, lead_lines, "", 0, [], lead, lead)
    found = _first_person(_backward(body, start), delimiter, at, cells)
    if found is None:
        return None
    tail_lines, tail, stop = found  # the lines before ``stop`` are not the tail's
    tail_lines.reverse()
    if stop < start:  # two people
        return PlainBlock(first, lead_lines, "", 0, tail_lines, lead, tail)
    middle = body[start:stop]
    return PlainBlock(first, lead_lines, middle, middle.count("\n") + 1, tail_lines, lead, tail)


def _forward(body: str) -> Iterator[tuple[str, int]]:
    """The lines of ``body`` from the first on, each with where the next one starts."""
    start, size = 0, len(body)
    while start <= size:
        end = body.find("\n", start)
        end = size if end == -1 else end
        yield body[start:end], end + 1
        start = end + 1


def _backward(body: str, floor: int) -> Iterator[tuple[str, int]]:
    """The lines of ``body`` from the last back to the one starting at ``floor``, each with where
    the one before it ends."""
    stop = len(body)
    while stop >= floor:
        begin = body.rfind("\n", floor - 1, stop) + 1
        yield body[begin:stop], begin - 1
        stop = begin - 1


def _first_person(
    lines: Iterator[tuple[str, int]], delimiter: str, at: int, cells: int
) -> tuple[list[str], str, int] | None:
    """The lines of the person ``lines`` begin with, their person_id, and the position given with
    the last of them (``_forward``, ``_backward``); None when a line up to the next person's first
    has another number of cells than ``cells + 1``, or the person_id is empty."""
    taken: list[str] = []
    pid, after = "", 0
    for line, position in lines:
        if line.count(delimiter) != cells:
            return None
        this = _line_pid(line, delimiter, at)
        if taken and this != pid:
            break
        pid, after = this, position
        taken.append(line)
    return (taken, pid, after) if pid else None


@dataclass(frozen=True, slots=True)
class LineForm:
    """How a file's plain lines become its canonical cells (``Header.picker``): the same for every
    line of the file, so that the main process can hand a person's plain lines to a worker as they
    were read, and the worker splits them."""

    delimiter: str
    pad: bool  # a column is absent: it reads a last cell, empty
    pick: Callable[[list[str]], tuple[str, ...]]
    # where each canonical column sits among a line's cells (``Header.index``: one past the last,
    # the empty cell ``pad`` adds, for an absent column)
    index: tuple[int, ...]
    # the file's columns are the canonical ones, in their order, and no other: a line's cells
    # are its record's (a worker reads them without picking)
    canonical: bool = False
    # the header's columns: a line of another number of cells is a record that could not be read
    # (``records``); 0: every line is known to have them
    width: int = 0

    def split(self, lines: Iterable[str]) -> list[list[str]]:
        """Each line's cells in the file's order, with the empty cell of absent columns last."""
        delimiter = self.delimiter
        padded = map(operator.add, lines, itertools.repeat(delimiter)) if self.pad else lines
        return list(map(str.split, padded, itertools.repeat(delimiter)))

    def cells(self, lines: Iterable[str]) -> list[tuple[str, ...]]:
        return list(map(self.pick, self.split(lines)))

    def records(self, first: int, lines: list[str]) -> list[tuple[int, tuple[str, ...] | str]]:
        """The records of plain lines from line ``first`` on, as the reader makes them: each
        line's canonical cells, or, for a line of another number of cells than the header's, why
        it could not be read."""
        rows = self.split(lines)
        numbers = range(first, first + len(rows))
        cells = self.width + self.pad
        if not self.width or set(map(len, rows)) <= {cells}:
            return list(zip(numbers, map(self.pick, rows)))
        return [
            (n, self.pick(row) if len(row) == cells else _miscount(len(row) - self.pad, self.width, n, n))
            for n, row in zip(numbers, rows)
        ]


@dataclass(frozen=True, slots=True)
class PlainLines:
    """A block of plain records as read: their lines, the first one's number, and each one's
    person_id. ``LineForm.cells`` gives their cells."""

    first: int
    lines: list[str]
    pids: list[str]

    def runs(self) -> Iterator[tuple[str, int, list[str]]]:
        """(person_id, first line's number, lines) of each run of one person's lines."""
        pids, lines, first = self.pids, self.lines, self.first
        ends = [*itertools.compress(range(1, len(pids)), map(operator.ne, pids[1:], pids)), len(pids)]
        start = 0
        for end in ends:
            yield pids[start], first + start, lines[start:end]
            start = end


@dataclass(frozen=True, slots=True)
class PlainBlock:
    """A block of plain records as read, with the person_ids of its first and last people alone:
    ``lead`` is that of the lines ``lead_lines``, ``tail`` that of ``tail_lines``; ``middle``
    holds the ``middle_count`` lines between them as read, joined by line breaks, not read here
    (none: one person, or two). The lines of either end are of the header's width."""

    first: int
    lead_lines: list[str]
    middle: str
    middle_count: int
    tail_lines: list[str]
    lead: str
    tail: str

    @property
    def count(self) -> int:
        return len(self.lead_lines) + self.middle_count + len(self.tail_lines)


def _lines(block: str | list[str]) -> list[str]:
    """A block's lines as readline gives them (see ``_blocks``)."""
    return block.splitlines(keepends=True) if isinstance(block, str) else block


def _bounded(file: IO[str] | _Rest, too_long: set[int], not_utf8: set[int], number: int = 0) -> Iterator[str]:
    """The file's lines as the csv module reads them, each at most LINE_LIMIT characters: a longer
    one is read through in blocks and given as an empty line (its number noted in ``too_long``),
    so that line numbers stay right and the records after it are read as usual. A line holding
    bytes that are not UTF-8 is noted in ``not_utf8`` (checked here, once a line, rather than
    once a record: most lines are ASCII, which one call tells). ``number``: lines read before."""
    while True:
        line = file.readline(LINE_LIMIT + 1)
        if not line:
            return
        number += 1
        if len(line) > LINE_LIMIT and not line.endswith(("\n", "\r")):
            while True:
                rest = file.readline(LINE_LIMIT)
                if not rest or rest.endswith(("\n", "\r")):
                    break
            too_long.add(number)
            yield "\n"
            continue
        if not line.isascii() and not _utf8(line):
            not_utf8.add(number)
        yield line


# Line breaks of str.splitlines that are not line breaks of a file opened with newline="".
_NOT_BREAKS = ("\v", "\f", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029")


def _blocks(file: IO[str], block: int) -> Iterator[str | _Rest]:
    """The file's text, about ``block`` characters at a time. A block of plain lines (UTF-8, none
    longer than LINE_LIMIT, no character that str.splitlines alone takes for a line break) is given
    as its text, whole lines that ``str.splitlines(keepends=True)`` splits as readline does; any
    other block as a ``_Rest``, for ``_bounded`` to read line by line (before the next block is
    read), so that what is not plain is decided in one place."""
    rest = ""  # the start of a line: read, not given yet
    while True:
        chunk = file.read(block)
        text = rest + chunk
        while text.endswith("\r") and chunk:  # a \r\n is one line break: read on to know
            chunk = file.read(1)
            text += chunk
        if not text:
            return
        # the end of the last whole line (at the end of the file, the last line may have no break)
        cut = max(text.rfind("\n"), text.rfind("\r")) + 1 if chunk else len(text)
        if not cut and len(text) <= LINE_LIMIT:
            rest = text
            continue
        whole = text[:cut]
        if (
            cut
            and len(whole) <= LINE_LIMIT
            and (whole.isascii() or _utf8(whole))
            and not any(c in whole for c in _NOT_BREAKS)
        ):
            rest = text[cut:]
            yield whole
        else:
            rest = ""
            yield _Rest(text, file)


class _Rest:
    """What ``_bounded`` reads after a block that is not plain: the block's text, then the file for
    the line it ends within. It ends, as a file does, at the first line that starts after the text:
    reading in blocks goes on from there."""

    def __init__(self, text: str, file: IO[str]):
        self._text = io.StringIO(text, newline="")
        self._file = file
        self._within = False  # the last line given was cut short (``size``): the next goes on with it

    def readline(self, size: int) -> str:
        line = self._text.readline(size)
        if len(line) < size and not line.endswith(("\n", "\r")) and (line or self._within):
            line += self._file.readline(size - len(line))  # the text is used up within a line
        self._within = bool(line) and not line.endswith(("\n", "\r"))
        return line


def _pid(row: list[str], at: int) -> str:
    return row[at].strip() if len(row) > at else ""


def _shown(text: str) -> str:
    """Text with bytes that were not UTF-8 made printable (U+FFFD), for an error row."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _miscount(fields: int, width: int, line: int, last: int) -> str:
    message = f"has {fields} fields; the header has {width}"
    if last > line:  # a quote that opens a cell and is never closed swallows the lines after it
        message += f" (the record runs from line {line} to line {last}: is a closing quote missing?)"
    return message
