"""The process's own surroundings: standard streams and signals, set up once by ``main``.

- A reader that goes away early (``marenew roster | head``) does not change the exit code: the
  first EPIPE on stdout (or stderr) points that stream at /dev/null and the command finishes its
  work silently, so ``roster | head`` still exits 1 when a credential needs attention.
- A standard stream closed at start (``2>&-``) is opened on /dev/null: diagnostics are lost,
  the exit code is not.
- A stdout or stderr whose encoding is not UTF-8 (``PYTHONIOENCODING=latin-1``, an old locale)
  shows what it cannot encode as ``\\xNN`` escapes instead of failing.
- SIGTERM stops the run like Ctrl-C does: temporary and spill files are removed on the way out,
  and the exit code is 143 (128 + SIGTERM), as a shell reports a process it terminated. A stop
  that lands where Python cannot raise it (a finaliser) is sent again; one behind a library's
  failed clean-up still ends the run as a stop; once the command is done, both signals are the
  system's again.
- A full disk or /dev/full behind stdout is one plain line and exit 2, also when it only shows
  in the last flush.
"""

from __future__ import annotations

import _thread
import contextlib
import os
import signal
import sys
from typing import Any

from marenew.cli.exitcodes import ExitCode


class Terminated(SystemExit):
    """SIGTERM, raised where the program is: ``finally`` blocks and context managers run."""

    def __init__(self) -> None:
        super().__init__(ExitCode.TERMINATED)


STOPS = (KeyboardInterrupt, Terminated)  # what Ctrl-C and SIGTERM raise
_stopping = False  # a Ctrl-C or SIGTERM has been raised: the run is being stopped


def _on_signal(signum: int, frame: Any) -> None:
    """Ctrl-C as KeyboardInterrupt (as Python's own handler raises it), SIGTERM as Terminated."""
    global _stopping
    _stopping = True
    if signum == signal.SIGINT:
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # once is enough: cleaning up is under way
    raise Terminated()


def _unraisable(hook: Any) -> Any:
    """``sys.unraisablehook`` that sends a stop again. A Ctrl-C or SIGTERM handled while Python
    runs a finaliser or a weak reference's callback (the garbage collector's, or importlib's
    module locks') cannot be raised there: Python would print it as "Exception ignored", with a
    traceback, and go on, the signal lost (and SIGTERM ignored from then on). It is sent again
    from another thread: sent from here, it would be handled here again. Once a stop is under
    way, what a library left half-done fails as it is collected (openpyxl's zip file, its
    buffer gone): that is the stop, not news, and it is not printed (MARENEW_DEBUG=1 prints it)."""

    def unraisable(args: Any) -> None:
        stop = args.exc_value
        if not isinstance(stop, STOPS):
            if not _stopping or debug():
                hook(args)
            return
        signum = signal.SIGINT if isinstance(stop, KeyboardInterrupt) else signal.SIGTERM
        with contextlib.suppress(ValueError, OSError):
            signal.signal(signum, _on_signal)  # SIGTERM's handler ignores it once it has fired
        _thread.start_new_thread(_send_later, (signum,))

    return unraisable


def _send_later(signum: signal.Signals) -> None:
    """The signal once more, a moment later: handled where the program is by then."""
    import time

    time.sleep(0.001)
    _thread.interrupt_main(signum)


def debug() -> bool:
    """MARENEW_DEBUG=1: tracebacks shown (they may show values from the user's files)."""
    return os.environ.get("MARENEW_DEBUG", "") not in ("", "0")


def stop_behind(exc: BaseException) -> KeyboardInterrupt | Terminated | None:
    """The Ctrl-C or SIGTERM that ``exc`` is, or was raised while handling. A signal lands
    wherever the program is, also inside a library, whose clean-up may then fail in turn (an
    XML writer asked to close an element it never finished): the run was still stopped, not
    broken, and ends as a stop."""
    seen: set[int] = set()
    found: BaseException | None = exc
    while found is not None and id(found) not in seen:
        if isinstance(found, STOPS):
            return found
        seen.add(id(found))
        found = found.__context__
    return None


class _Closable:
    """A stream whose reader may go away: on EPIPE it quietly writes to /dev/null from then on."""

    def __init__(self, stream: Any):
        self._stream = stream

    def _gone(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, self._stream.fileno())
            os.close(devnull)

    def write(self, text: Any) -> int:
        try:
            return self._stream.write(text)
        except BrokenPipeError:
            self._gone()
            return len(text)

    def flush(self) -> None:
        try:
            self._stream.flush()
        except BrokenPipeError:
            self._gone()
            with contextlib.suppress(BrokenPipeError):
                self._stream.flush()

    @property
    def buffer(self) -> Any:
        inner = getattr(self._stream, "buffer", None)
        return _Closable(inner) if inner is not None else None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def _usable(stream: Any, fd: int) -> Any:
    if stream is None:  # started with this descriptor closed
        try:
            os.fstat(fd)
        except OSError:
            stream = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 - for the process's life
        else:  # pragma: no cover - Python sets None only for a closed descriptor
            stream = os.fdopen(fd, "w", encoding="utf-8", closefd=False)
    encoding = (getattr(stream, "encoding", None) or "utf-8").lower().replace("_", "-")
    if encoding not in ("utf-8", "utf8") and hasattr(stream, "reconfigure"):
        with contextlib.suppress(Exception):
            stream.reconfigure(errors="backslashreplace")
    return _Closable(stream)


def setup() -> None:
    """Called once, first thing in ``main`` (not by in-process test runners)."""
    global _stopping
    _stopping = False  # a run of its own (``main`` run again in one process, as tests do)
    sys.stdout = _usable(sys.stdout, 1)
    sys.stderr = _usable(sys.stderr, 2)
    if sys.stdin is None:
        sys.stdin = open(os.devnull, encoding="utf-8")  # noqa: SIM115
    with contextlib.suppress(ValueError, OSError):  # not in the main thread
        signal.signal(signal.SIGTERM, _on_signal)
        signal.signal(signal.SIGINT, _on_signal)
        sys.unraisablehook = _unraisable(sys.unraisablehook)


def finish(code: int) -> int:
    """Flush stdout before the interpreter does: a full disk there is reported, exit 2.

    The command is done (its files written or removed, its workers reaped): from here on, Ctrl-C
    and SIGTERM end the process as the system ends it. Raised as exceptions, they would land in
    the interpreter's own shutdown, which prints them as tracebacks."""
    with contextlib.suppress(ValueError, OSError):  # not in the main thread
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
    try:
        sys.stdout.flush()
    except OSError as exc:
        from marenew.store.atomic import os_message

        with contextlib.suppress(OSError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), 1)  # the interpreter's own flush finds nothing
        with contextlib.suppress(Exception):
            sys.stderr.write(f"marenew: cannot write the output: {os_message(exc)}\n")
            sys.stderr.flush()
        return ExitCode.INPUT if code in (ExitCode.OK, ExitCode.ATTENTION) else code
    return code
