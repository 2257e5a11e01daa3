"""Writing a file the user named: the one place that decides how (`-o`, `init PATH`).

Nothing the user wrote is lost: an existing file is replaced only with --force, and then through
a temporary file in the same folder and ``os.replace``, so an interrupted write leaves the old
file whole. A device or pipe that already exists (``-o /dev/null``) is written into, never
replaced.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from marenew.load.problems import InputError, Problem


def _refuse(path: Path, message: str) -> InputError:
    return InputError([Problem(str(path), None, None, message)])


def check_target(path: Path, *, force: bool) -> None:
    """Refuse early, before any work, what the write would refuse later."""
    if path.is_dir():
        raise _refuse(path, "is a folder; give a file name")
    if path.is_file() and not force:
        raise _refuse(path, "already exists; pass --force to overwrite it")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise _refuse(path, f"folder {folder} does not exist")


@contextlib.contextmanager
def atomic_output(path: Path, *, force: bool, binary: bool = False) -> Iterator[IO]:
    """A file handle whose content replaces ``path`` only once the block completes."""
    check_target(path, force=force)
    mode = "wb" if binary else "w"
    text_args = {} if binary else {"encoding": "utf-8", "newline": ""}
    if path.exists() and not path.is_file():  # a device or pipe: write into it
        with open(path, mode, **text_args) as out:  # noqa: PTH123
            yield out
        return
    folder = path.parent if str(path.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise _refuse(path, f"cannot write here: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, mode, **text_args) as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        if path.is_file() and not force:  # created by someone else while we worked
            raise _refuse(path, "already exists; pass --force to overwrite it")
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; give the file the usual permissions
        os.replace(tmp, path)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise _refuse(path, f"cannot write: {exc.strerror or exc}") from None
        raise


def write_atomic(path: Path, data: bytes, *, force: bool) -> None:
    with atomic_output(path, force=force, binary=True) as out:
        out.write(data)
