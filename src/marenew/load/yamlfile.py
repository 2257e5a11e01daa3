"""Strict YAML reading for untrusted files.

PyYAML's own constructors silently keep the last of two duplicate keys, build objects from tags and
expand aliases without bound. Here we take only the parser's events (libyaml's C parser where
available) and build plain Python values ourselves, so that:

- a duplicate key is an error naming both lines;
- any explicit tag (``!!python/...``, ``!!binary``, ``!custom``) is an error; nothing is constructed;
- anchors and aliases are refused (credential files) or bounded (rule files);
- dates must be ``YYYY-MM-DD`` and real; a datetime or ``2023-2-3`` is an error at its line;
- every value's line and column is kept, so validation errors can point at the line.

Problems that leave the rest of the file readable (a duplicate key, a tag, a bad date, an anchor)
are collected and reading goes on, so that one run reports every error in the file; the value
concerned is kept as the text written and never constructed. Syntax errors, nesting too deep and
an alias bomb stop at once.

Numbers are YAML 1.2 core-schema numbers (``10``, ``-1.5``, ``2.5e3``, ``0x1F``, ``.inf``). A plain
value that YAML 1.1 readers (PyYAML, many editors' plug-ins) would read differently is an error
that says both readings: ``010`` (octal 8 in YAML 1.1), ``1:30`` (sexagesimal 90), ``1_000``,
``0b11``, ``1e3`` (text in YAML 1.1). An integer too long to be held exactly is an error too.
Other scalars are resolved as YAML 1.1 (PyYAML's resolver), then the models reject a boolean or
number where text is expected, showing what was read (``no`` read as false) instead of coercing it.
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml
from yaml import events as ev

from marenew.core.dates import NotIsoDay, iso_day
from marenew.core.record import Frozen, Mutable
from marenew.load.placeholders import marked_lines
from marenew.load.problems import InputError, Problem, key_path

try:  # the C parser is much faster on large files
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

DEFAULT_MAX_BYTES = 5 * 1024 * 1024
MAX_DEPTH = 64
# Extra nodes that aliases may add by expansion in a rule file: a "billion laughs" fails fast.
MAX_ALIAS_EXPANSION = 10_000
# Errors collected before reading stops (a file of a million aliases is not worth reading on);
# the same as validation.MAX_ERRORS, the most shown for one file.
MAX_PROBLEMS = 50

_resolver = yaml.resolver.Resolver()
_constructor = yaml.constructor.SafeConstructor()

T_STR = "tag:yaml.org,2002:str"
T_NULL = "tag:yaml.org,2002:null"
T_BOOL = "tag:yaml.org,2002:bool"
T_INT = "tag:yaml.org,2002:int"
T_FLOAT = "tag:yaml.org,2002:float"
T_TIMESTAMP = "tag:yaml.org,2002:timestamp"
T_MERGE = "tag:yaml.org,2002:merge"

# YAML 1.2 core schema, the only numbers read as numbers (https://yaml.org/spec/1.2.2/#1032-tag-resolution)
_CORE_INT = re.compile(r"[-+]?[0-9]+")
_CORE_OCT = re.compile(r"0o[0-7]+")
_CORE_HEX = re.compile(r"0x[0-9a-fA-F]+")
_CORE_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
_CORE_INF = re.compile(r"[-+]?\.(inf|Inf|INF)")
_CORE_NAN = re.compile(r"\.(nan|NaN|NAN)")
# Digits an integer may have: more than a float holds exactly is a code, not a quantity.
MAX_DIGITS = 15
SHOWN_CHARS = 40  # a value quoted in a message is cut to this many characters


# The most MARENEW_MAX_FILE_MB may raise the limit to: a larger figure (1e12) is taken as this.
MAX_FILE_MB_CEILING = 4096


def max_bytes() -> int:
    """The size limit for one input file: 5 MB, or ``MARENEW_MAX_FILE_MB`` (a positive number of
    megabytes, fractions allowed, at most MAX_FILE_MB_CEILING; anything else leaves the
    default)."""
    raw = os.environ.get("MARENEW_MAX_FILE_MB")
    if raw:
        try:
            megabytes = float(raw)
        except ValueError:  # "abc"
            return DEFAULT_MAX_BYTES
        if not math.isfinite(megabytes) or megabytes <= 0:  # "inf", "nan", "-3"
            return DEFAULT_MAX_BYTES
        limit = int(min(megabytes, MAX_FILE_MB_CEILING) * 1024 * 1024)
        if limit > 0:
            return limit
    return DEFAULT_MAX_BYTES


def _amount(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB" if size >= 1024 * 1024 else f"{size:,} bytes"


_set = object.__setattr__  # past the frozen __setattr__, as a frozen dataclass sets its fields


@dataclass(init=False, repr=False, eq=False)
class Scalar(Frozen):
    """What the file said for one scalar, kept to explain how YAML read it."""

    text: str
    tag: str
    quoted: bool

    def __init__(self, text: str, tag: str, quoted: bool) -> None:
        _set(self, "text", text)
        _set(self, "tag", tag)
        _set(self, "quoted", quoted)


@dataclass(repr=False, eq=False)
class Document(Mutable):
    """Plain Python data from a YAML file, with the position of every node."""

    source: str
    data: Any
    marks: dict[tuple, tuple[int | None, int | None]] = field(default_factory=dict)  # value positions
    key_marks: dict[tuple, tuple[int | None, int | None]] = field(default_factory=dict)  # key positions
    scalars: dict[tuple, Scalar] = field(default_factory=dict)
    # Errors found while reading that did not stop it, and the paths they concern (validation
    # says nothing more about a value already reported here).
    problems: list[Problem] = field(default_factory=list)
    flagged: set[tuple] = field(default_factory=set)  # the value and everything inside it
    flagged_nodes: set[tuple] = field(default_factory=set)  # the node itself (a tagged list or mapping)
    fill_in_lines: list[int] = field(default_factory=list)  # lines marked `# FILL-IN` (load.placeholders)

    def is_flagged(self, path: tuple) -> bool:
        path = tuple(path)
        return path in self.flagged_nodes or any(path[: len(f)] == f for f in self.flagged)

    def locate(self, path: tuple, *, key: bool = False) -> tuple[int | None, int | None]:
        """Line and column of the node at ``path``, or of its nearest located ancestor."""
        path = tuple(path)
        while True:
            if key and path in self.key_marks:
                return self.key_marks[path]
            if path in self.marks:
                return self.marks[path]
            if not path:
                return (None, None)
            path = path[:-1]
            key = False


class _Fail(Exception):
    def __init__(self, message: str, mark: Any):
        self.message = message
        self.mark = mark
        super().__init__(message)


def read_text(path: Path, source: str | None = None) -> str:
    """Read a file as UTF-8 text, refusing what is too big, binary or not UTF-8."""
    source = source or str(path)
    limit = max_bytes()

    def too_big(size: int, more: str = "") -> InputError:
        return InputError(
            [
                Problem(
                    source,
                    None,
                    None,
                    f"file is {more}{_amount(size)}, over the limit of {_amount(limit)} "
                    "(set MARENEW_MAX_FILE_MB to raise it); not read",
                )
            ]
        )

    try:
        size = path.stat().st_size
        if path.is_dir():
            try:
                os.listdir(path)
            except PermissionError:  # a folder of a roster that may not be read
                raise InputError(
                    [Problem(source, None, None, "is a folder that cannot be read (permission denied)")]
                ) from None
            raise InputError([Problem(source, None, None, "is a folder, not a file")])
        if size > limit:
            raise too_big(size)
        # read at most one byte past the limit: a device or pipe (/dev/zero) has no size to check
        # first; in blocks, so that a high limit does not reserve its memory up front
        with path.open("rb") as fh:
            parts, got = [], 0
            while got <= limit:
                block = fh.read(min(1 << 20, limit + 1 - got))
                if not block:
                    break
                parts.append(block)
                got += len(block)
            raw = b"".join(parts)
        if len(raw) > limit:
            raise too_big(limit, "more than ")
    except FileNotFoundError:
        raise InputError([Problem(source, None, None, "no such file")]) from None
    except PermissionError:
        raise InputError([Problem(source, None, None, "permission denied")]) from None
    except IsADirectoryError:
        raise InputError([Problem(source, None, None, "is a folder, not a file")]) from None
    except OSError as exc:
        raise InputError([Problem(source, None, None, f"cannot read: {exc.strerror or exc}")]) from None
    encoding = utf16_or_32(raw)
    if encoding:
        raise InputError([Problem(source, None, None, f"is {encoding} text; save it as UTF-8")])
    if b"\x00" in raw:
        raise InputError([Problem(source, None, None, "is a binary file, not YAML text")])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError(
            [
                Problem(
                    source,
                    line,
                    None,
                    f"is not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start}); save it as UTF-8",
                )
            ]
        ) from None
    return text


def utf16_or_32(raw: bytes) -> str | None:
    """The name of a UTF-16 or UTF-32 encoding that ``raw`` starts with (by its byte-order mark,
    or the zero bytes of an ASCII first character), else None."""
    # UTF-32 first: its little-endian mark begins with UTF-16's
    for mark, name in (
        (b"\xff\xfe\x00\x00", "UTF-32"),
        (b"\x00\x00\xfe\xff", "UTF-32"),
        (b"\xff\xfe", "UTF-16"),
        (b"\xfe\xff", "UTF-16"),
    ):
        if raw.startswith(mark):
            return name
    text = {i: 32 <= b < 127 or b in (9, 10, 13) for i, b in enumerate(raw[:4])}
    zero = {i: b == 0 for i, b in enumerate(raw[:4])}
    if len(text) == 4:
        if text[0] and zero[1] and zero[2] and zero[3] or zero[0] and zero[1] and zero[2] and text[3]:
            return "UTF-32"
        if text[0] and zero[1] and text[2] and zero[3] or zero[0] and text[1] and zero[2] and text[3]:
            return "UTF-16"
    return None


def load_file(path: Path, *, allow_aliases: bool, source: str | None = None, partial: bool = False) -> Document:
    source = source or str(path)
    return parse(read_text(path, source), source, allow_aliases=allow_aliases, partial=partial)


def parse(text: str, source: str, *, allow_aliases: bool, partial: bool = False) -> Document:
    """Parse one YAML document strictly. Raises InputError with every located problem found.

    ``partial=True`` returns the document even when some problems did not stop reading, with
    them in ``doc.problems`` (``validation.validate`` reports them with the schema's errors)."""
    if not text.strip():
        raise InputError([Problem(source, None, None, "the file is empty")])
    doc = Document(source=source, data=None)
    builder = _Builder(doc, allow_aliases)
    try:
        doc.data = builder.build(yaml.parse(text, Loader=_Loader))
    except _Fail as exc:
        line, col = _mark(exc.mark)
        raise InputError(doc.problems + [Problem(source, line, col, exc.message)]) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = _mark(mark)
        what = exc.problem or "cannot parse"
        if exc.context:
            context = exc.context
            started = exc.context_mark.line + 1 if exc.context_mark is not None else None
            opened = "flow" in context or "quoted" in context
            if opened and started is not None and started != line:  # an open quote or bracket: where it opens
                context += f" that starts on line {started}"
            what = f"{context}: {what}" if "while" not in context else f"{what} ({context})"
        if _char_at(text, line, col) == "\t":
            what = "a tab character; indent with spaces, not tabs"
        raise InputError(doc.problems + [Problem(source, line, col, f"YAML syntax error: {what}")]) from None
    except yaml.reader.ReaderError as exc:  # a control character
        line, col = _position(text, exc.position)
        raise InputError(
            doc.problems
            + [
                Problem(
                    source, line, col, f"the character U+{exc.character:04X} is not allowed in YAML text ({exc.reason})"
                )
            ]
        ) from None
    except yaml.YAMLError as exc:
        raise InputError(doc.problems + [Problem(source, None, None, f"YAML syntax error: {exc}")]) from None
    except RecursionError:  # pragma: no cover - MAX_DEPTH stops this first
        raise InputError([Problem(source, None, None, "nested too deeply")]) from None
    if doc.problems and not partial:
        raise InputError(doc.problems)
    doc.fill_in_lines = marked_lines(text)
    return doc


def _position(text: str, offset: int) -> tuple[int, int]:
    """Line and column of an offset from the reader: bytes of UTF-8 for libyaml, else characters."""
    if _Loader.__name__.startswith("C"):
        before = text.encode("utf-8")[:offset].decode("utf-8", "ignore")
    else:  # pragma: no cover - depends on how PyYAML was built
        before = text[:offset]
    return before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1


def _char_at(text: str, line: int | None, col: int | None) -> str | None:
    if line is None or col is None:
        return None
    lines = text.splitlines()
    if 0 < line <= len(lines) and 0 < col <= len(lines[line - 1]):
        return lines[line - 1][col - 1]
    return None


def _show_tag(tag: str) -> str:
    """A tag as it was most likely written: ``!!python/object`` rather than its long form."""
    return "!!" + tag.removeprefix("tag:yaml.org,2002:") if tag.startswith("tag:yaml.org,2002:") else tag


def _mark(mark: Any) -> tuple[int | None, int | None]:
    if mark is None:
        return (None, None)
    return (mark.line + 1, mark.column + 1)


class _Builder:
    def __init__(self, doc: Document, allow_aliases: bool):
        self.doc = doc
        self.allow_aliases = allow_aliases
        self.anchors: dict[str, tuple[Any, int]] = {}
        self.expanded = 0

    def problem(self, message: str, mark: Any, path: tuple | None, *, whole: bool = True) -> None:
        """An error that does not stop reading: reported with the rest of the file's errors.
        Validation then stays silent on the value at ``path``: on all of it, or (``whole=False``,
        a tagged list or mapping whose content is still checked) on the node itself."""
        line, col = _mark(mark)
        self.doc.problems.append(Problem(self.doc.source, line, col, message, "error", key_path(path or ()) or None))
        if path is not None:
            (self.doc.flagged if whole else self.doc.flagged_nodes).add(path)
        if len(self.doc.problems) >= MAX_PROBLEMS:
            raise _Fail(f"stopped reading after {MAX_PROBLEMS} errors", None)

    def build(self, events) -> Any:
        it = iter(events)
        next(it)  # StreamStart
        start = next(it)
        if isinstance(start, ev.StreamEndEvent):
            raise _Fail("the file has only comments, no content", None)
        value, _ = self.node(next(it), it, (), 0)
        next(it)  # DocumentEnd
        nxt = next(it)
        if not isinstance(nxt, ev.StreamEndEvent):
            # the first document is still checked; the rest is not read
            self.problem("more than one YAML document (---) in one file", nxt.start_mark, None)
        return value

    def _check_tag(self, event: Any, path: tuple | None) -> bool:
        tag = getattr(event, "tag", None)
        if tag is not None:
            # a tagged list or mapping is still read, and its content checked
            self.problem(
                f"explicit tag `{_show_tag(tag)}` is not allowed; write plain values (nothing is built from a tag)",
                event.start_mark,
                path,
                whole=isinstance(event, ev.ScalarEvent),
            )
            return True
        return False

    def node(self, event: Any, it, path: tuple, depth: int) -> tuple[Any, int]:
        """Build one node; returns (value, node count)."""
        if depth > MAX_DEPTH:
            raise _Fail(f"nested more than {MAX_DEPTH} levels deep", event.start_mark)
        if isinstance(event, ev.AliasEvent):
            self.doc.marks[path] = _mark(event.start_mark)
            if not self.allow_aliases:
                self.problem(
                    "aliases (*name) are not allowed in this file; write the value out", event.start_mark, path
                )
                return None, 1
            if event.anchor not in self.anchors:
                self.problem(f"alias *{event.anchor} names no anchor", event.start_mark, path)
                return None, 1
            value, size = self.anchors[event.anchor]
            self.expanded += size
            if self.expanded > MAX_ALIAS_EXPANSION:
                raise _Fail(
                    f"aliases expand to more than {MAX_ALIAS_EXPANSION} nodes; refused (write values out)",
                    event.start_mark,
                )
            return value, size
        anchor = getattr(event, "anchor", None)
        if anchor is not None and not self.allow_aliases:
            self.problem("anchors (&name) are not allowed in this file; write the value out", event.start_mark, path)
            anchor = None
        self.doc.marks[path] = _mark(event.start_mark)
        if isinstance(event, ev.ScalarEvent):
            value, size = self.scalar(event, path), 1
        elif isinstance(event, ev.SequenceStartEvent):
            self._check_tag(event, path)
            value, size = [], 1
            for item in it:
                if isinstance(item, ev.SequenceEndEvent):
                    break
                child, n = self.node(item, it, path + (len(value),), depth + 1)
                value.append(child)
                size += n
        elif isinstance(event, ev.MappingStartEvent):
            self._check_tag(event, path)
            value, size = self.mapping(event, it, path, depth)
        else:  # pragma: no cover - the parser gives no other node events
            raise _Fail(f"unexpected YAML event {type(event).__name__}", event.start_mark)
        if anchor is not None:
            self.anchors[anchor] = (value, size)
        return value, size

    def mapping(self, start: Any, it, path: tuple, depth: int) -> tuple[dict, int]:
        out: dict = {}
        seen: dict[Any, int | None] = {}
        size = 1
        for key_event in it:
            if isinstance(key_event, ev.MappingEndEvent):
                break
            if not isinstance(key_event, ev.ScalarEvent):
                raise _Fail("a key must be a plain value, not a list, a mapping or an alias", key_event.start_mark)
            if key_event.anchor is not None and not self.allow_aliases:
                self.problem("anchors (&name) are not allowed in this file", key_event.start_mark, None)
            before = len(self.doc.problems)
            key = self.scalar(key_event, None)
            key_line = _mark(key_event.start_mark)[0]
            child_path = path + (key,)
            if len(self.doc.problems) > before:  # a tagged key or a bad date as a key
                self.doc.problems[-1] = replace(self.doc.problems[-1], key=key_path(child_path))
                self.doc.flagged.add(child_path)
            keep = True
            if _resolve(key_event) == T_MERGE:
                self.problem("merge keys (<<) are not supported; write the keys out", key_event.start_mark, None)
                keep = False
            elif key in seen:
                self.problem(
                    f"duplicate key `{key_event.value}` (first at line {seen[key]}); YAML would silently keep "
                    "only the last one",
                    key_event.start_mark,
                    child_path,
                )
                keep = False
            else:
                seen[key] = key_line
                self.doc.key_marks[child_path] = _mark(key_event.start_mark)
            # a key not kept is still read through (its value may hold more errors), under a path
            # of its own so that it does not overwrite the marks of the key kept
            child, n = self.node(next(it), it, child_path if keep else path + (_Dropped(key_line or 0),), depth + 1)
            if keep:
                out[key] = child
            size += n
        return out, size

    def scalar(self, event: Any, path: tuple | None) -> Any:
        text = event.value
        if self._check_tag(event, path):
            return text  # kept as written, never constructed
        tag = _resolve(event)
        quoted = not event.implicit[0]
        if not quoted and tag == T_STR and core_number(text) is not None:
            return self.number(event, path, tag)  # a YAML 1.2 number that YAML 1.1 reads as text (1e3, 0o17)
        if path is not None:
            self.doc.scalars[path] = Scalar(text, tag, quoted)
        if tag in (T_STR, T_MERGE) or tag.endswith(":value"):
            return text
        if tag == T_NULL:
            return None
        if tag == T_TIMESTAMP:
            try:
                return iso_day(text)
            except NotIsoDay:
                self.problem(f"`{text}`: write dates as YYYY-MM-DD (a day, no time)", event.start_mark, path)
                return text
            except ValueError as exc:
                self.problem(f"`{text}` is not a real date ({exc})", event.start_mark, path)
                return text
        if tag == T_BOOL:
            return _constructor.construct_yaml_bool(yaml.ScalarNode(tag, text))
        if tag in (T_INT, T_FLOAT):
            return self.number(event, path, tag)
        return text  # pragma: no cover - every implicit tag is handled above

    def number(self, event: Any, path: tuple | None, tag: str) -> Any:
        """A plain scalar that YAML 1.2 or YAML 1.1 reads as a number: the number when both
        agree, else an error that shows both readings (the text is kept, never guessed)."""
        text = event.value
        old = _yaml11_number(text, tag)
        new = core_number(text)
        if new is None or old is None or not _same(old, new):
            decimal = _plain(new) if new is not None else None
            hint = f"the plain decimal {decimal}" if decimal else "the plain decimal number you mean"
            self.problem(
                f"`{shown(text)}` is read differently by YAML readers ({_reading(old)} in YAML 1.1, "
                f"{_reading(new)} in YAML 1.2); put it in quotes if it is text, or write {hint}",
                event.start_mark,
                path,
            )
            return text
        if isinstance(new, int) and len(text.lstrip("+-")) > MAX_DIGITS:
            self.problem(
                f"`{shown(text)}` ({len(text.lstrip('+-'))} digits) is too long to be a number here; "
                "if it is text (a certificate number), put it in quotes",
                event.start_mark,
                path,
            )
            return text
        if isinstance(new, float) and math.isinf(new) and not _CORE_INF.fullmatch(text):
            self.problem(f"`{shown(text)}` is too large a number", event.start_mark, path)
            return text
        if path is not None:
            self.doc.scalars[path] = Scalar(text, T_INT if isinstance(new, int) else T_FLOAT, False)
        return new


@dataclass(init=False, repr=False, eq=False)
class _Dropped(Frozen):
    """Path part for the value of a key that was not kept (a duplicate or a merge key)."""

    line: int

    def __init__(self, line: int) -> None:
        _set(self, "line", line)

    def __str__(self) -> str:
        return f"(key not kept, line {self.line})"


def shown(text: str) -> str:
    """A value as quoted in a message: cut short when long (a 400-digit number, a pasted page)."""
    return text if len(text) <= SHOWN_CHARS else text[: SHOWN_CHARS - 3] + "..."


def core_number(text: str) -> int | float | None:
    """The number YAML 1.2's core schema reads from a plain scalar, or None (then it is text)."""
    if _CORE_INT.fullmatch(text):
        return int(text) if len(text) <= 4000 else None  # Python refuses longer int conversions
    if _CORE_OCT.fullmatch(text):
        return int(text[2:], 8)
    if _CORE_HEX.fullmatch(text):
        return int(text[2:], 16)
    if _CORE_FLOAT.fullmatch(text):
        return float(text)
    if _CORE_INF.fullmatch(text):
        return -math.inf if text.startswith("-") else math.inf
    if _CORE_NAN.fullmatch(text):
        return math.nan
    return None


def _yaml11_number(text: str, tag: str) -> int | float | None:
    if tag not in (T_INT, T_FLOAT):
        return None
    try:
        node = yaml.ScalarNode(tag, text)
        if tag == T_INT:
            return _constructor.construct_yaml_int(node)
        return _constructor.construct_yaml_float(node)
    except (ValueError, OverflowError):
        return None


def _same(a: int | float, b: int | float) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return type(a) is type(b) and a == b


def _reading(value: int | float | None) -> str:
    if value is None:
        return "text"
    return f"the number {shown(repr(value) if isinstance(value, float) else str(value))}"


def _plain(value: int | float) -> str | None:
    """``value`` as a plain decimal, when it has one."""
    if isinstance(value, float):
        if not math.isfinite(value) or abs(value) >= 1e15:
            return None
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value) if len(str(value)) <= MAX_DIGITS else None


def read_int(text: str) -> int | None:
    """The number YAML 1.1 reads from a plain integer scalar (``0123`` is octal: 83)."""
    try:
        return _constructor.construct_yaml_int(yaml.ScalarNode(T_INT, text))
    except (ValueError, TypeError):
        return None


def _resolve(event: Any) -> str:
    return _resolver.resolve(yaml.ScalarNode, event.value, event.implicit)
