"""Changing a credential file safely: the one path that `add`, `renew` and `pay` take.

1. Read the file and check it as `status` does. A syntax error is reported with its line and a
   hint in plain words; an invalid file is reported as is: nothing is changed in a file that does
   not read.
2. Make the change (``store.edit``: comments, order and formatting kept) and check the new text
   the same way. Any error: nothing is written.
3. Keep the old file as ``FILE.bak`` (with the file's permissions from its first moment), then
   replace FILE through a temporary file and a rename, with the old file's permissions and its
   byte-order mark, if it had one. An interrupted write leaves the old file whole.
"""

from __future__ import annotations

import codecs
import datetime as dt
import os
import stat
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from marenew.load.credentials import LoadedCredentials, check_credentials
from marenew.load.problems import InputError, Problem, key_path
from marenew.load.rules import RuleSet
from marenew.load.yamlfile import parse, read_text
from marenew.load.yamlhints import with_hints
from marenew.store.atomic import write_atomic
from marenew.store.edit import Change


@dataclass
class Current:
    """A credential file as read before a change."""

    path: Path
    raw: bytes
    text: str
    loaded: LoadedCredentials


def _check(text: str, source: str, ruleset: RuleSet, today: dt.date) -> LoadedCredentials:
    try:
        doc = parse(text, source, allow_aliases=False, partial=True)
        return check_credentials(doc, ruleset, today=today)
    except InputError as exc:
        raise InputError(with_hints(exc.problems, text)) from None


def read_current(path: Path, ruleset: RuleSet, today: dt.date) -> Current:
    """The file to change, checked. Raises InputError (with hints for syntax slips)."""
    text = read_text(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError([Problem(str(path), None, None, f"cannot read: {exc.strerror or exc}")]) from None
    loaded = _check(text, str(path), ruleset, today)
    return Current(path, raw, text, loaded)


def _about_new(problem: Problem, new: dict[tuple, str]) -> Problem:
    """A problem in an entry being added is not at a line of the file: name it by what it is
    (``new`` maps each new entry's key path to words for it: "the new credit", "CSV line 4")."""
    key = problem.key or ""
    for path, what in new.items():
        prefix = key_path(path)
        if key == prefix or key.startswith(prefix + "."):
            rest = key[len(prefix) :].lstrip(".")
            return replace(problem, file=f"{problem.file} ({what})", line=None, col=None, key=rest or None)
    return problem


def change(
    current: Current,
    ruleset: RuleSet,
    today: dt.date,
    build: Callable[[Change], None],
    *,
    new: dict[tuple, str] | None = None,
) -> tuple[str, LoadedCredentials, list[Problem]]:
    """The changed text, checked: (text, loaded, warnings that are new). ``new`` names the entries
    added (see ``_about_new``). Raises InputError, and then nothing is to be written."""
    new = new or {}
    edit = Change(current.text)
    build(edit)
    text = edit.result()
    source = str(current.path)
    try:
        loaded = _check(text, source, ruleset, today)
    except InputError as exc:
        raise InputError([_about_new(p, new) for p in exc.problems]) from None
    old = {(p.key, p.message) for p in current.loaded.warnings}
    fresh = [_about_new(p, new) for p in loaded.warnings if (p.key, p.message) not in old]
    return text, loaded, fresh


def commit(current: Current, text: str) -> Path:
    """Keep the old file as FILE.bak and write ``text`` in its place (atomically, same permissions).
    Returns the backup's path. Refuses when the file changed since it was read. FILE given as a
    symbolic link is changed where the link points (the link stays), as an editor would."""
    path = Path(os.path.realpath(current.path)) if current.path.is_symlink() else current.path
    try:
        now = path.read_bytes()
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except OSError as exc:
        raise InputError([Problem(str(path), None, None, f"cannot read: {exc.strerror or exc}")]) from None
    if not mode & stat.S_IWUSR:
        # read-only by choice (write access not granted even to its owner): as an editor would, do
        # not write over it (root could, and the permission would not say no)
        raise InputError(
            [
                Problem(
                    str(path), None, None, f"is read-only; nothing written: make it writable (chmod u+w {path}) first"
                )
            ]
        )
    if now != current.raw:
        raise InputError(
            [
                Problem(
                    str(path),
                    None,
                    None,
                    "changed while marenew was working on it; nothing written: run the command again",
                )
            ]
        )
    backup = path.with_name(path.name + ".bak")
    write_atomic(backup, current.raw, force=True, mode=mode)  # the copy is as private as the file
    # the text was read without the byte-order mark an editor may have put first: it stays there
    bom = codecs.BOM_UTF8 if current.raw.startswith(codecs.BOM_UTF8) else b""
    write_atomic(path, bom + text.encode("utf-8"), force=True)  # keeps the file's mode
    # named as the user named the file, unless it is a link (then where the copy really is)
    return backup if current.path.is_symlink() else current.path.with_name(current.path.name + ".bak")
