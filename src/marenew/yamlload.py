"""Strict YAML reading for untrusted files.

PyYAML's own constructors silently keep the last of two duplicate keys, build objects from tags and
expand aliases without bound. Here we take only the parser's events (libyaml's C parser where
available) and build plain Python values ourselves, so that:

- a duplicate key is an error naming both lines;
- any explicit tag (``!!python/...``, ``!!binary``, ``!custom``) is an error; nothing is constructed;
- anchors and aliases are refused (credential files) or bounded (rule files);
- dates must be ``YYYY-MM-DD`` and real; a datetime or ``2023-2-3`` is an error at its line;
- every value's line and column is kept, so validation errors can point at the line.

Scalars are resolved as YAML 1.1 (PyYAML's resolver), then the models reject a boolean or number
where text is expected, showing what was read (``no`` read as false) instead of coercing it.
"""

from __future__ import annotations

import datetime as _dt
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml import events as ev

from .problems import InputError, Problem

try:  # the C parser is much faster on large files
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

DEFAULT_MAX_BYTES = 5 * 1024 * 1024
MAX_DEPTH = 64
# Extra nodes that aliases may add by expansion in a rule file: a "billion laughs" fails fast.
MAX_ALIAS_EXPANSION = 10_000

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_resolver = yaml.resolver.Resolver()
_constructor = yaml.constructor.SafeConstructor()

T_STR = "tag:yaml.org,2002:str"
T_NULL = "tag:yaml.org,2002:null"
T_BOOL = "tag:yaml.org,2002:bool"
T_INT = "tag:yaml.org,2002:int"
T_FLOAT = "tag:yaml.org,2002:float"
T_TIMESTAMP = "tag:yaml.org,2002:timestamp"
T_MERGE = "tag:yaml.org,2002:merge"


def max_bytes() -> int:
    """The size limit for one input file: 5 MB, or ``MARENEW_MAX_FILE_MB``."""
    raw = os.environ.get("MARENEW_MAX_FILE_MB")
    if raw:
        try:
            return max(1, int(float(raw) * 1024 * 1024))
        except ValueError:
            pass
    return DEFAULT_MAX_BYTES


@dataclass(frozen=True)
class Scalar:
    """What the file said for one scalar, kept to explain how YAML read it."""

    text: str
    tag: str
    quoted: bool


@dataclass
class Document:
    """Plain Python data from a YAML file, with the position of every node."""

    source: str
    data: Any
    marks: dict[tuple, tuple[int, int]] = field(default_factory=dict)  # value positions
    key_marks: dict[tuple, tuple[int, int]] = field(default_factory=dict)  # key positions
    scalars: dict[tuple, Scalar] = field(default_factory=dict)

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
    def __init__(self, message: str, mark: Any, extra: str = ""):
        self.message = message
        self.mark = mark
        super().__init__(message)


def read_text(path: Path, source: str | None = None) -> str:
    """Read a file as UTF-8 text, refusing what is too big, binary or not UTF-8."""
    source = source or str(path)
    limit = max_bytes()
    try:
        size = path.stat().st_size
        if path.is_dir():
            raise InputError([Problem(source, None, None, "is a folder, not a file")])
        if size > limit:
            raise InputError(
                [Problem(source, None, None,
                         f"file is {size / 1024 / 1024:.1f} MB, over the {limit / 1024 / 1024:g} MB limit "
                         "(set MARENEW_MAX_FILE_MB to raise it); not read")]
            )
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InputError([Problem(source, None, None, "no such file")]) from None
    except PermissionError:
        raise InputError([Problem(source, None, None, "permission denied")]) from None
    except IsADirectoryError:
        raise InputError([Problem(source, None, None, "is a folder, not a file")]) from None
    except OSError as exc:
        raise InputError([Problem(source, None, None, f"cannot read: {exc.strerror or exc}")]) from None
    if b"\x00" in raw:
        raise InputError([Problem(source, None, None, "is a binary file, not YAML text")])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError(
            [Problem(source, line, None, f"is not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start}); "
                                         "save it as UTF-8")]
        ) from None
    return text


def load_file(path: Path, *, allow_aliases: bool, source: str | None = None) -> Document:
    source = source or str(path)
    return parse(read_text(path, source), source, allow_aliases=allow_aliases)


def parse(text: str, source: str, *, allow_aliases: bool) -> Document:
    """Parse one YAML document strictly. Raises InputError with a located problem."""
    doc = Document(source=source, data=None)
    builder = _Builder(doc, allow_aliases)
    try:
        doc.data = builder.build(yaml.parse(text, Loader=_Loader))
    except _Fail as exc:
        line, col = _mark(exc.mark)
        raise InputError([Problem(source, line, col, exc.message)]) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = _mark(mark)
        what = exc.problem or "cannot parse"
        if exc.context:
            what = f"{exc.context}: {what}" if "while" not in exc.context else f"{what} ({exc.context})"
        raise InputError([Problem(source, line, col, f"YAML syntax error: {what}")]) from None
    except yaml.YAMLError as exc:  # e.g. a reader error on a control character
        raise InputError([Problem(source, None, None, f"YAML syntax error: {exc}")]) from None
    except RecursionError:  # pragma: no cover - MAX_DEPTH stops this first
        raise InputError([Problem(source, None, None, "nested too deeply")]) from None
    return doc


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

    def build(self, events) -> Any:
        it = iter(events)
        next(it)  # StreamStart
        start = next(it)
        if isinstance(start, ev.StreamEndEvent):
            raise _Fail("the file is empty", None)
        value, _ = self.node(next(it), it, (), 0)
        next(it)  # DocumentEnd
        nxt = next(it)
        if not isinstance(nxt, ev.StreamEndEvent):
            raise _Fail("more than one YAML document (---) in one file", nxt.start_mark)
        return value

    def _check_tag(self, event: Any) -> None:
        tag = getattr(event, "tag", None)
        if tag is not None:
            raise _Fail(f"explicit tag `{tag}` is not allowed; write plain values", event.start_mark)

    def node(self, event: Any, it, path: tuple, depth: int) -> tuple[Any, int]:
        """Build one node; returns (value, node count)."""
        if depth > MAX_DEPTH:
            raise _Fail(f"nested more than {MAX_DEPTH} levels deep", event.start_mark)
        if isinstance(event, ev.AliasEvent):
            if not self.allow_aliases:
                raise _Fail("aliases (*name) are not allowed in this file; write the value out", event.start_mark)
            if event.anchor not in self.anchors:
                raise _Fail(f"alias *{event.anchor} names no anchor", event.start_mark)
            value, size = self.anchors[event.anchor]
            self.expanded += size
            if self.expanded > MAX_ALIAS_EXPANSION:
                raise _Fail(
                    f"aliases expand to more than {MAX_ALIAS_EXPANSION} nodes; refused (write values out)",
                    event.start_mark,
                )
            self.doc.marks[path] = _mark(event.start_mark)
            return value, size
        anchor = getattr(event, "anchor", None)
        if anchor is not None and not self.allow_aliases:
            raise _Fail("anchors (&name) are not allowed in this file; write the value out", event.start_mark)
        self.doc.marks[path] = _mark(event.start_mark)
        if isinstance(event, ev.ScalarEvent):
            value, size = self.scalar(event, path), 1
        elif isinstance(event, ev.SequenceStartEvent):
            self._check_tag(event)
            value, size = [], 1
            for item in it:
                if isinstance(item, ev.SequenceEndEvent):
                    break
                child, n = self.node(item, it, path + (len(value),), depth + 1)
                value.append(child)
                size += n
        elif isinstance(event, ev.MappingStartEvent):
            self._check_tag(event)
            value, size = self.mapping(event, it, path, depth)
        else:  # pragma: no cover - the parser gives no other node events
            raise _Fail(f"unexpected YAML event {type(event).__name__}", event.start_mark)
        if anchor is not None:
            self.anchors[anchor] = (value, size)
        return value, size

    def mapping(self, start: Any, it, path: tuple, depth: int) -> tuple[dict, int]:
        out: dict = {}
        seen: dict[Any, int] = {}
        size = 1
        for key_event in it:
            if isinstance(key_event, ev.MappingEndEvent):
                break
            if not isinstance(key_event, ev.ScalarEvent):
                raise _Fail("a key must be a plain value, not a list or mapping", key_event.start_mark)
            if key_event.anchor is not None and not self.allow_aliases:
                raise _Fail("anchors (&name) are not allowed in this file", key_event.start_mark)
            key = self.scalar(key_event, None)
            if isinstance(key, (list, dict)):  # pragma: no cover
                raise _Fail("a key must be a plain value", key_event.start_mark)
            key_line = key_event.start_mark.line + 1
            if _resolve(key_event) == T_MERGE:
                raise _Fail("merge keys (<<) are not supported; write the keys out", key_event.start_mark)
            if key in seen:
                raise _Fail(
                    f"duplicate key `{key_event.value}` (first at line {seen[key]}); YAML would silently keep "
                    "only the last one",
                    key_event.start_mark,
                )
            seen[key] = key_line
            child_path = path + (key,)
            self.doc.key_marks[child_path] = _mark(key_event.start_mark)
            child, n = self.node(next(it), it, child_path, depth + 1)
            out[key] = child
            size += n
        return out, size

    def scalar(self, event: Any, path: tuple | None) -> Any:
        self._check_tag(event)
        tag = _resolve(event)
        text = event.value
        quoted = not event.implicit[0]
        if path is not None:
            self.doc.scalars[path] = Scalar(text, tag, quoted)
        if tag == T_STR or tag == T_MERGE or tag.endswith(":value"):
            return text
        if tag == T_NULL:
            return None
        if tag == T_TIMESTAMP:
            if not _ISO_DATE.match(text):
                raise _Fail(f"`{text}`: write dates as YYYY-MM-DD (a day, no time)", event.start_mark)
            try:
                return _dt.date.fromisoformat(text)
            except ValueError as exc:
                raise _Fail(f"`{text}` is not a real date ({exc})", event.start_mark) from None
        node = yaml.ScalarNode(tag, text)
        if tag == T_BOOL:
            return _constructor.construct_yaml_bool(node)
        if tag == T_INT:
            return _constructor.construct_yaml_int(node)
        if tag == T_FLOAT:
            return _constructor.construct_yaml_float(node)
        return text  # pragma: no cover - every implicit tag is handled above


def _resolve(event: Any) -> str:
    return _resolver.resolve(yaml.ScalarNode, event.value, event.implicit)
