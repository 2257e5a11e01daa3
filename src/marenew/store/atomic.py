"""Writing a file the user named: the one place that decides how (`-o`, `init PATH`, calendars).

Nothing the user wrote is lost:

- the content goes to a temporary file in the same folder first, so an interrupted write (an
  error, Ctrl-C, SIGTERM, a full disk) leaves no partial file and no temporary file behind;
- without --force it is put in place with ``link``, which fails if the name exists: there is no
  moment between a check and the write in which another program's file could be replaced (no
  check-then-open race); where the file system has no hard links, the name is claimed with
  ``O_CREAT | O_EXCL`` first;
- with --force an existing file is replaced with ``os.replace`` (atomic) and keeps its
  permission bits (a 0600 file stays 0600); a new file gets the mode the umask gives (0644 under
  the usual 022), as a shell redirection would; a caller that names a ``mode`` (a backup as
  private as the file it copies) gets that mode on the temporary file before it takes the name,
  so the file is never readable more widely for a moment;
- a device or pipe that already exists (``-o /dev/null``, ``-o /dev/stdout``) is written into,
  never replaced.

Every OS refusal (a missing folder, no permission, a name too long, a full disk) is bad input or
environment: an InputError naming the file, never an internal error.
"""

from __future__ import annotations

import atexit
import contextlib
import errno
import functools
import os
import shutil
import stat
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

from marenew.load.problems import InputError, Problem

EXISTS = "already exists; pass --force to overwrite it"


def _refuse(path: Path, message: str) -> InputError:
    return InputError([Problem(str(path), None, None, message)])


def os_message(exc: OSError) -> str:
    """An OS refusal in plain words (the OS's own text for the rarer ones)."""
    words = {
        errno.ENOSPC: "no space left on the device",
        errno.EDQUOT: "disk quota exceeded",
        errno.EACCES: "permission denied",
        errno.EPERM: "operation not permitted",
        errno.ENAMETOOLONG: "file name too long",
        errno.ENOENT: "no such file or folder",
        errno.ENOTDIR: "a part of the path is not a folder",
        errno.EROFS: "read-only file system",
        errno.EISDIR: "is a folder",
        errno.ELOOP: "too many levels of symbolic links",
    }
    return words.get(exc.errno or 0) or (exc.strerror or str(exc)).lower()


def _folder(path: Path) -> Path:
    return path.parent if str(path.parent) else Path(".")


def check_target(path: Path, *, force: bool) -> None:
    """Refuse early, before any work, what the write would refuse later. (The write itself
    refuses again, atomically: this check only saves the work.)"""
    try:
        if path.is_dir():
            raise _refuse(path, "is a folder; give a file name")
        if path.is_file() and not force:
            raise _refuse(path, EXISTS)
        folder = _folder(path)
        if not folder.is_dir():
            raise _refuse(path, f"folder {folder} does not exist")
    except OSError as exc:  # a name too long, a folder the user may not enter
        raise _refuse(path, f"cannot write here: {os_message(exc)}") from None


def _mode_for_new_file() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _special(path: Path) -> bool:
    """An existing device, pipe or socket: written into, not replaced."""
    try:
        return not stat.S_ISREG(path.stat().st_mode) and not stat.S_ISDIR(path.stat().st_mode)
    except OSError:
        return False


@contextlib.contextmanager
def atomic_output(path: Path, *, force: bool, binary: bool = False, mode: int | None = None) -> Iterator[IO]:
    """A file handle whose content is put at ``path`` only once the block completes; with
    ``mode``, the file has those permission bits from the moment it has its name."""
    how = "wb" if binary else "w"
    text_args: dict[str, Any] = {} if binary else {"encoding": "utf-8", "newline": ""}
    if _special(path):
        try:
            with open(path, how, **text_args) as out:  # noqa: PTH123
                yield out
        except OSError as exc:
            raise _refuse(path, f"cannot write: {os_message(exc)}") from None
        return
    check_target(path, force=force)
    try:
        fd, tmp = tempfile.mkstemp(dir=_folder(path), prefix=f".{path.name[:200]}.", suffix=".tmp")
    except OSError as exc:
        raise _refuse(path, f"cannot write here: {os_message(exc)}") from None
    try:
        with os.fdopen(fd, how, **text_args) as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        _put_in_place(Path(tmp), path, force=force, mode=mode)
    except BaseException as exc:
        remove_whatever_happens(lambda: Path(tmp).unlink(missing_ok=True))
        if isinstance(exc, OSError):
            raise _refuse(path, f"cannot write: {os_message(exc)}") from None
        raise


@contextlib.contextmanager
def scratch_folder(prefix: str) -> Iterator[Path]:
    """A temporary folder (in TMPDIR), removed with everything in it on the way out, whatever
    happens: also when a Ctrl-C or SIGTERM cuts its removal short."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    remove = functools.partial(shutil.rmtree, folder, ignore_errors=True)
    # and at exit, should a stop land on the very line that starts the removal below
    atexit.register(remove)
    try:
        yield folder
    finally:
        remove_whatever_happens(remove)
        atexit.unregister(remove)


def remove_whatever_happens(remove: Callable[[], None]) -> None:
    """Run ``remove`` to its end. It runs Python code, where a signal's handler can raise: a
    Ctrl-C or SIGTERM that cuts it short has it run once more before the stop goes on (SIGTERM
    is handled once; only a second Ctrl-C stops the second run)."""
    try:
        remove()
    except BaseException:
        remove()
        raise


def _put_in_place(tmp: Path, path: Path, *, force: bool, mode: int | None = None) -> None:
    # the permission bits are set on the temporary file (mkstemp's 0600), before it takes the name
    if force:
        try:
            old = path.stat()
        except FileNotFoundError:
            os.chmod(tmp, _mode_for_new_file() if mode is None else mode)
        else:
            os.chmod(tmp, stat.S_IMODE(old.st_mode) if mode is None else mode)  # a 0600 file stays 0600
            with contextlib.suppress(OSError):  # only root may give a file to someone else
                os.chown(tmp, old.st_uid, old.st_gid)
        os.replace(tmp, path)
        return
    os.chmod(tmp, _mode_for_new_file() if mode is None else mode)
    try:
        os.link(tmp, path)  # fails if the name exists: nothing is ever replaced
    except FileExistsError:
        raise _refuse(path, EXISTS) from None
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK):
            raise
        # no hard links here (FAT, some network shares): claim the name exclusively, then replace it
        try:
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        except FileExistsError:
            raise _refuse(path, EXISTS) from None
        os.replace(tmp, path)
    else:
        tmp.unlink()


def write_atomic(path: Path, data: bytes, *, force: bool, mode: int | None = None) -> None:
    with atomic_output(path, force=force, binary=True, mode=mode) as out:
        out.write(data)
