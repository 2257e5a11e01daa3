"""Changing a credential file the user wrote, keeping every comment, the order and the formatting.

A change (add a credit, record a renewal, a payment) is a list of small operations on the file's
mappings. Each is applied in two ways:

- as a splice of the original text: new lines inserted where the list or mapping ends, one value
  replaced where it stands, one line removed. Everything else stays byte for byte, including odd
  indentation and spacing, which a re-dump would normalise;
- to the round-trip document of ruamel.yaml (comments, order, quotes and flow style kept), which
  gives the data the new file must hold.

The spliced text is read back and must hold exactly that data; when it does not, or the file is
written in a way a splice cannot reach (a flow-style list of credits, ``credits: [{...}]``), the
ruamel.yaml document itself is written out instead (every comment kept, indentation normalised).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import yaml
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

from marenew.load.yamlfile import T_STR

# A path to a mapping in the document: ("credentials", 0) or () for the top level.
MapPath = tuple
Value = Any


class _NoSplice(Exception):
    """This change cannot be made as a splice of the text: write the round-trip document."""


def _yaml() -> YAML:
    y = YAML()  # round-trip
    y.preserve_quotes = True
    y.width = 4096  # never fold a long title onto two lines
    return y


def scalar_text(value: Value) -> str:
    """A scalar as YAML text that reads back as the same value with YAML 1.1 (marenew's reader)
    and 1.2 (ruamel.yaml) alike: dates ISO, text quoted when it could be read as anything else."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value == int(value) else repr(value)
    if value is None:
        return "null"
    text = str(value)
    tag = yaml.resolver.Resolver().resolve(yaml.ScalarNode, text, (True, False))
    safe = text and all(ch.isalnum() or ch in " -_./()'" for ch in text) and text == text.strip()
    if tag == T_STR and safe and not text.startswith(("-", "'")):
        return text
    return double_quoted(text)


# Characters a YAML file may not hold raw in a quoted scalar, or that a reader takes for a line
# break and folds into a space (NEL, LINE SEPARATOR, PARAGRAPH SEPARATOR): JSON leaves them as they
# are, so they are written as escapes, which YAML 1.1 and 1.2 read back as the same character.
_RAW_IN_YAML = re.compile("[\x7f-\x9f\u2028\u2029\ud800-\udfff\ufffe\uffff]")


def double_quoted(text: str) -> str:
    """``text`` as a double-quoted YAML scalar that reads back as exactly ``text``."""
    return _RAW_IN_YAML.sub(lambda m: f"\\u{ord(m.group()):04x}", json.dumps(text, ensure_ascii=False))


def flow_text(value: Value) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {flow_text(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(flow_text(v) for v in value) + "]"
    return scalar_text(value)


def block_lines(mapping: dict, key_col: int, dash_col: int | None = None) -> list[str]:
    """``mapping`` as block-style lines with its keys at ``key_col``; with ``dash_col``, as an item
    of a list (the dash there). Lists of mappings are block lists of flow mappings."""
    out = []
    for key, value in mapping.items():
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            out.append(f"{key}:")
            out.extend(" " * 2 + f"- {flow_text(v)}" for v in value)
        else:
            out.append(f"{key}: {flow_text(value)}")
    lines = (
        [" " * key_col + out[0]]
        if dash_col is None
        else [" " * dash_col + "-" + " " * (key_col - dash_col - 1) + out[0]]
    )
    return lines + [" " * key_col + line for line in out[1:]]


def _plain(node: Any) -> Any:
    """Round-trip data as plain Python values (for comparing what two texts hold)."""
    if isinstance(node, dict):
        return {str(k): _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    if isinstance(node, dt.datetime):
        return node
    if isinstance(node, dt.date):
        return dt.date(node.year, node.month, node.day)
    if isinstance(node, str):
        return str(node)
    if isinstance(node, float):
        return float(node)
    if isinstance(node, bool):
        return bool(node)
    if isinstance(node, int):
        return int(node)
    return node


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


@dataclass
class _Splice:
    """Line-based edits of the original text, applied bottom-up so that positions stay valid."""

    lines: list[str]
    newline: str
    inserts: list[tuple[int, int, list[str]]] = field(default_factory=list)  # (before line, order, lines)
    replaces: list[tuple[int, int, int, str]] = field(default_factory=list)  # (line, start col, end col, text)
    deletes: list[int] = field(default_factory=list)

    def text(self) -> str:
        lines = list(self.lines)
        for line, start, end, value in sorted(self.replaces, reverse=True):
            lines[line] = lines[line][:start] + value + lines[line][end:]
        for line in sorted(self.deletes, reverse=True):
            del lines[line]
        # inserts at the same place keep the order in which they were asked for
        for at, _, new in sorted(self.inserts, key=lambda t: (t[0], t[1]), reverse=True):
            at -= sum(1 for d in self.deletes if d < at)
            if at > 0 and not lines[at - 1].endswith(("\n", "\r")):
                lines[at - 1] += self.newline
            lines[at:at] = [line + self.newline for line in new]
        return "".join(lines)

    def insert(self, before: int, new: list[str]) -> None:
        self.inserts.append((before, len(self.inserts), new))

    def end_of_block(self, first: int, col: int) -> int:
        """The line after the last one that belongs to a block starting on line ``first`` whose
        lines are indented at least ``col`` (its own comments included, trailing blanks not)."""
        last = first
        for i in range(first + 1, len(self.lines)):
            line = self.lines[i]
            if not line.strip():
                continue
            if _indent(line) < col:
                break
            last = i
        return last + 1


class Change:
    """Operations on one credential file's text. Build it, call the operations, then ``result()``."""

    def __init__(self, text: str):
        self.original = text
        self.newline = "\r\n" if "\r\n" in text else "\n"
        self.splice = _Splice(text.splitlines(keepends=True), self.newline)
        self.doc = _yaml().load(text)  # positions for the splice
        self.ops: list[Callable[[Any], None]] = []  # the same operations on a round-trip document
        self.spliceable = isinstance(self.doc, CommentedMap) and not self.doc.fa.flow_style()

    # -- finding things ----------------------------------------------------------------------

    def _map(self, doc: Any, path: MapPath) -> CommentedMap:
        node = doc
        for part in path:
            node = node[part]
        return node

    def _key_col(self, node: CommentedMap) -> int:
        if not node:
            raise _NoSplice
        return node.lc.key(next(iter(node)))[1]

    def _block(self, node: Any) -> bool:
        return isinstance(node, (CommentedMap, CommentedSeq)) and not node.fa.flow_style()

    def _try(self, splice: Callable[[], None]) -> None:
        if not self.spliceable:
            return
        try:
            splice()
        except (_NoSplice, KeyError, IndexError, AttributeError, TypeError):
            self.spliceable = False

    # -- operations ----------------------------------------------------------------------------

    def append(self, path: MapPath, key: str, item: dict) -> None:
        """Add ``item`` (a mapping) at the end of the list ``key`` of the mapping at ``path``,
        creating the list when there is none (or it is empty)."""

        def on_doc(doc: Any) -> None:
            node = self._map(doc, path)
            if not isinstance(node.get(key), list):
                node[key] = CommentedSeq()
            node[key].append(CommentedMap(item))

        def splice() -> None:
            node = self._map(self.doc, path)
            seq = node.get(key)
            if isinstance(seq, CommentedSeq) and len(seq) and self._block(seq):
                line, col = seq.lc.item(len(seq) - 1)
                last = seq[-1]
                if not self._block(last):
                    raise _NoSplice
                text = self.splice.lines[line]
                dash = text.rfind("-", 0, col)
                if dash < 0 or text[dash + 1 : col].strip():
                    raise _NoSplice
                end = self.splice.end_of_block(line, col)
                self.splice.insert(end, block_lines(item, col, dash))
                return
            if key in node and seq is not None and seq != []:
                raise _NoSplice
            if key in node:  # `credits:` or `credits: []`: the list goes under the key
                line, kcol = node.lc.key(key)
                text = self.splice.lines[line]
                if seq == []:
                    start = text.index("[", kcol)
                    end = text.index("]", start) + 1
                    if text[start - 1] == " ":
                        start -= 1  # `credits: []` -> `credits:`
                    # a comment after it keeps its column: `credits: []  # c` -> `credits:     # c`
                    blank = " " * (end - start) if text[end:].strip().startswith("#") else ""
                    self.splice.replaces.append((line, start, end, blank))
                self.splice.insert(line + 1, block_lines(item, kcol + 4, kcol + 2))
                return
            kcol = self._key_col(node) if path else 0
            at = self._end_of_map(node, path)
            self.splice.insert(at, [" " * kcol + f"{key}:"] + block_lines(item, kcol + 4, kcol + 2))

        self.ops.append(on_doc)
        self._try(splice)

    def _end_of_map(self, node: CommentedMap, path: MapPath) -> int:
        if not path:
            return len(self.splice.lines)
        first_line, kcol = node.lc.key(next(iter(node)))
        return self.splice.end_of_block(first_line, kcol)

    def set(self, path: MapPath, key: str, value: Value) -> None:
        """Give ``key`` of the mapping at ``path`` a scalar ``value`` (replaced where it stands, or
        added at the end of the mapping)."""

        def on_doc(doc: Any) -> None:
            self._map(doc, path)[key] = value

        def splice() -> None:
            node = self._map(self.doc, path)
            if not self._block(node):
                raise _NoSplice
            if key in node:
                if isinstance(node[key], (dict, list)):
                    raise _NoSplice
                if node[key] is None:
                    self._fill_empty(node, key, scalar_text(value))
                    return
                line, col = node.lc.value(key)
                text = self.splice.lines[line]
                end = _scalar_end(text, col)
                self.splice.replaces.append((line, col, end, scalar_text(value)))
                return
            kcol = self._key_col(node) if path else 0
            self.splice.insert(self._end_of_map(node, path), [" " * kcol + f"{key}: {scalar_text(value)}"])

        self.ops.append(on_doc)
        self._try(splice)

    def _fill_empty(self, node: CommentedMap, key: str, value: str) -> None:
        """``key:`` (or ``key: null``) on its own line gets ``value``; a comment after it keeps its
        column where the spaces allow."""
        line, kcol = node.lc.key(key)
        text = self.splice.lines[line]
        colon = text.find(":", kcol + len(str(key)))
        if colon < 0:
            raise _NoSplice
        rest = text[colon + 1 :].rstrip("\r\n")
        word = rest.strip().split("#", 1)[0].strip()
        if word not in ("", "null", "~", "Null", "NULL"):
            raise _NoSplice
        if word:  # `key: null  # c`: the word goes, the value takes its place
            start = text.index(word, colon + 1)
            self.splice.replaces.append((line, start, start + len(word), value))
            return
        spaces = len(rest) - len(rest.lstrip(" "))
        if rest.lstrip(" ").startswith("#") and spaces >= len(value) + 2:  # over spaces: the comment stays put
            self.splice.replaces.append((line, colon + 1, colon + 2 + len(value), " " + value))
        else:
            self.splice.replaces.append((line, colon + 1, colon + 1, " " + value))

    def clear(self, path: MapPath, key: str) -> None:
        """Empty a scalar ``key`` of the mapping at ``path`` (``submitted_on:``), keeping its line
        and its comment; nothing to do when the key is absent or already empty."""

        def on_doc(doc: Any) -> None:
            node = self._map(doc, path)
            if key in node:
                node[key] = None

        def splice() -> None:
            node = self._map(self.doc, path)
            if key not in node or node[key] is None:
                return
            if not self._block(node) or isinstance(node[key], (dict, list)):
                raise _NoSplice
            line, col = node.lc.value(key)
            text = self.splice.lines[line]
            end = _scalar_end(text, col)
            start = col - 1 if text[col - 1 : col] == " " else col  # `key: value` -> `key:`
            # a comment after it keeps its column
            blank = " " * (end - start) if text[end:].strip().startswith("#") else ""
            self.splice.replaces.append((line, start, end, blank))

        self.ops.append(on_doc)
        self._try(splice)

    def remove(self, path: MapPath, key: str) -> None:
        """Remove a scalar ``key`` of the mapping at ``path`` (its line goes)."""

        def on_doc(doc: Any) -> None:
            self._map(doc, path).pop(key, None)

        def splice() -> None:
            node = self._map(self.doc, path)
            if key not in node:
                return
            if not self._block(node) or isinstance(node[key], (dict, list)):
                raise _NoSplice
            line, _ = node.lc.key(key)
            if next(iter(node)) == key:  # the line that holds the item's dash
                raise _NoSplice
            self.splice.deletes.append(line)

        self.ops.append(on_doc)
        self._try(splice)

    # -- the new text ----------------------------------------------------------------------------

    def expected(self) -> Any:
        """The data the changed file must hold."""
        doc = _yaml().load(self.original)
        for op in self.ops:
            op(doc)
        return doc

    def result(self) -> str:
        """The new text: the splice when it holds exactly the expected data, else the round-trip
        document written out."""
        doc = self.expected()
        if self.spliceable:
            text = self.splice.text()
            try:
                if _plain(_yaml().load(text)) == _plain(doc):
                    return text
            except Exception:  # noqa: BLE001 - a splice that does not parse is simply not used
                pass
        _quote_breaks(doc)
        out = io.StringIO()
        _yaml().dump(doc, out)
        return out.getvalue()


_BREAKS = re.compile("[\x85\u2028\u2029]")


def _quote_breaks(node: Any) -> None:
    """Text holding a character YAML 1.1 takes for a line break is written double-quoted, where
    it is escaped: ruamel.yaml would write it raw in a plain or single-quoted scalar, which
    reads back with a space in its place."""
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, value in list(items):
        if isinstance(value, str) and _BREAKS.search(value):
            node[key] = DoubleQuotedScalarString(value)
        else:
            _quote_breaks(value)


def _scalar_end(text: str, col: int) -> int:
    """Where a scalar that starts at ``col`` ends on its line (quoted, or plain up to a comment)."""
    if text[col : col + 1] in ("'", '"'):
        quote = text[col]
        i = col + 1
        while i < len(text):
            if text[i] == quote:
                if quote == "'" and text[i + 1 : i + 2] == "'":
                    i += 2
                    continue
                return i + 1
            if quote == '"' and text[i] == "\\":
                i += 1
            i += 1
        raise _NoSplice
    end = col
    while end < len(text) and text[end] not in "\r\n,}]":
        if text[end] == "#" and text[end - 1] in " \t":
            break
        end += 1
    return len(text[:end].rstrip())
