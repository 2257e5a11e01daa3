"""What every command shares: options, consoles, loading with clean errors, exit codes.

Results go to stdout, diagnostics to stderr. Colours follow rich's rules, which honour NO_COLOR.
Rich's markup is off, so a course title with [brackets] prints as written.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import sys
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Annotated, Any, NoReturn, Optional

import typer

from marenew.cli.exitcodes import ExitCode
from marenew.cli.streams import debug
from marenew.core.defaults import WARN_DAYS
from marenew.load.problems import InputError, Problem

if TYPE_CHECKING:
    from rich.console import Console

    from marenew.api import Judgement
    from marenew.load.rules import RuleSet


def safe_text(text: str) -> str:
    from marenew.report.safe import safe_text as escape

    return escape(text)


def parse_date(value: Optional[str]) -> Optional[dt.date]:
    if value is None:
        return None
    from marenew.core.dates import NotIsoDay, iso_day

    try:
        day = iso_day(value)
    except NotIsoDay:
        raise typer.BadParameter(f"`{safe_text(value)}` is not a date; write YYYY-MM-DD") from None
    except ValueError as exc:  # 2026-02-29: the form is right, the day does not exist
        raise typer.BadParameter(f"`{value}` is a day that does not exist ({exc}); write YYYY-MM-DD") from None
    from marenew.core.dates import implausible_date

    why = implausible_date(day)
    if why:
        raise typer.BadParameter(why)
    return day


def read_typed_date(value: str, *, what: str = "date") -> dt.date:
    """A date as people type it (2022-08-19 or 08/19/2022); a plain message for one that is
    impossible or unclear (a two-digit year is refused: 19 or 20?)."""
    from marenew.core.dates import implausible_date, typed_day

    cleaned = value.strip()
    parts = cleaned.replace("-", "/").split("/")
    if len(parts) == 3 and len(parts[2]) == 2 and len(parts[0]) <= 2:
        raise typer.BadParameter(
            f"`{cleaned}`: write the year in full (20{parts[2]} or 19{parts[2]}?)", param_hint=what
        )
    try:
        day = typed_day(cleaned)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint=what) from None
    why = implausible_date(day)
    if why:
        raise typer.BadParameter(why, param_hint=what)
    return day


def is_iso_date(value: str) -> bool:
    """Written as YYYY-MM-DD (nothing for a person to confirm)."""
    from marenew.core.dates import iso_day

    try:
        iso_day(value.strip())
    except ValueError:
        return False
    return True


def typed_date(value: str, *, what: str = "date") -> dt.date:
    """An option's date, as ``read_typed_date`` reads it; a form other than YYYY-MM-DD is echoed
    on stderr as the day it was read as, so a slip shows."""
    day = read_typed_date(value, what=what)
    if not is_iso_date(value):
        sys.stderr.write(f"marenew: read {what} {value.strip()} as {day} ({day:%B} {day.day}, {day.year})\n")
    return day


AsOfOpt = Annotated[
    Optional[str],
    typer.Option("--as-of", metavar="YYYY-MM-DD", help="Judge as on this day (default: today)."),
]
RulesOpt = Annotated[
    Optional[list[Path]],
    typer.Option(
        "--rules",
        metavar="DIR",
        help="Folder of rule files that add to or replace built-in ones by id (repeatable; "
        "also MARENEW_RULES, separated by the path separator).",
    ),
]
MemberOpt = Annotated[
    Optional[bool],
    typer.Option(
        "--member/--non-member",
        help="Price as a member of the body or not (default: from the file's memberships; non-member without a file).",
        show_default=False,
    ),
]
WarnDaysOpt = Annotated[
    int,
    typer.Option("--warn-days", min=0, metavar="N", help="Call a credential `expiring` within N days of expiry."),
]
FILE_HELP = "Your credential file (YAML); default ./marenew.yaml, then $MARENEW_FILE."
FileArg = Annotated[Optional[Path], typer.Argument(metavar="FILE", show_default=False, help=FILE_HELP)]
DEFAULT_FILE = Path("marenew.yaml")


def find_credential_file(file: Optional[Path]) -> Optional[Path]:
    """FILE as given; else ./marenew.yaml when it exists; else $MARENEW_FILE; else None. A file
    found that way is named on stderr, so nobody wonders which file was read."""
    if file is not None:
        return file
    env = os.environ.get("MARENEW_FILE", "").strip()
    if DEFAULT_FILE.is_file():
        found, why = DEFAULT_FILE, "./marenew.yaml"
    elif env:
        found, why = Path(env), "$MARENEW_FILE"
    else:
        return None
    sys.stderr.write(f"marenew: reading {found} ({why})\n")
    return found


def credential_file(file: Optional[Path]) -> Path:
    """The credential file a command works on (see ``find_credential_file``); without one, a
    usage error that says how to make one."""
    found = find_credential_file(file)
    if found is None:
        raise typer.BadParameter(
            "no FILE given, no ./marenew.yaml here and MARENEW_FILE is not set; "
            "give the credential file (or create one with `marenew init`)",
            param_hint="FILE",
        )
    return found


JsonOpt = Annotated[
    bool,
    typer.Option("--json", help="Print JSON instead of text (stable; its fields are in the docs' Reference page)."),
]


FailBehindOpt = Annotated[
    bool,
    typer.Option("--fail-behind", help="Exit 1 also when a credential is behind the pace its CE needs."),
]
StrictOpt = Annotated[
    bool,
    typer.Option(
        "--strict",
        help="Exit 2 when a credit names a body or content area that matches nothing "
        "a rule knows (a typo, most likely).",
    ),
]


def report_exit(report: Any, *, fail_behind: bool = False, strict: bool = False) -> ExitCode:
    """The exit code of a judged file, the same for `status` and `cost FILE`: 2 with --strict and a
    value that matches nothing; 1 when a credential needs action (or, with --fail-behind, is
    behind pace); else 0."""
    if strict and report.unmatched:
        sys.stderr.write(
            f"--strict: {report.unmatched} value(s) in the credits match nothing a rule knows (see the warnings)\n"
        )
        return ExitCode.INPUT
    if report.needs_action or (fail_behind and report.behind_pace):
        return ExitCode.ATTENTION
    return ExitCode.OK


def as_of_date(value: Optional[str]) -> dt.date:
    return parse_date(value) or dt.date.today()


def rules_dirs(option: Optional[list[Path]]) -> list[Path]:
    return rules_dirs_from_env() + list(option or [])


def rules_dirs_from_env() -> list[Path]:
    """MARENEW_RULES: rules folders, separated like PATH."""
    raw = os.environ.get("MARENEW_RULES", "")
    return [Path(p) for p in raw.split(os.pathsep) if p.strip()]


def load_ruleset(option: Optional[list[Path]]) -> RuleSet:
    from marenew.api import load_rules

    return load_rules(rules_dirs(option), cache=cache_dir())


def cache_dir() -> Optional[Path]:
    """Where validated rules are cached: MARENEW_CACHE_DIR, or the user's cache folder
    (platformdirs); MARENEW_CACHE_DIR=off for none."""
    chosen = os.environ.get("MARENEW_CACHE_DIR", "")
    if chosen.lower() == "off":
        return None
    if chosen:
        return Path(chosen)
    if sys.platform == "linux":
        # The usual case of the XDG rule, which platformdirs follows on Linux (a test holds them
        # equal), without importing it: a twentieth of what `status --json` adds to the start-up
        # of its libraries. Anything unusual (no absolute home) is left to platformdirs.
        base, home = os.environ.get("XDG_CACHE_HOME", ""), os.environ.get("HOME", "")
        if os.path.isabs(base):
            return Path(base) / "marenew"
        if os.path.isabs(home):
            return Path(home) / ".cache" / "marenew"
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("marenew", appauthor=False))


def command_app(**settings: Any) -> typer.Typer:
    """A typer app for one command module, with the settings every command shares: plain help
    (no rich markup, so a title with [brackets] prints as written) and no locals in tracebacks."""
    return typer.Typer(add_completion=False, rich_markup_mode=None, pretty_exceptions_show_locals=False, **settings)


def judge_file(
    file: Optional[Path],
    rules: Optional[list[Path]],
    as_of: dt.date,
    *,
    member: Optional[bool],
    warn_days: int = WARN_DAYS,
) -> Judgement:
    """Judge one credential file (FILE, or the default one) with the rules the options name; its
    warnings go to stderr."""
    from marenew.api import judge

    judged = judge(credential_file(file), load_ruleset(rules), as_of, member=member, warn_days=warn_days)
    print_problems(judged.warnings)
    return judged


def console(*, stderr: bool = False, file: Optional[IO[str]] = None, width: Optional[int] = None) -> Console:
    """Markup off; rich honours NO_COLOR and drops colours when the output is not a terminal."""
    from marenew.report.safeconsole import SafeConsole

    if width is None:
        width = _columns()

    # SafeConsole: a holder name or a CSV cell cannot send escape sequences to the terminal
    return SafeConsole(
        stderr=stderr, file=file, width=width, markup=False, emoji=False, highlight=False, soft_wrap=False
    )


# The widest a terminal is taken to be: COLUMNS=99999999999 would have rich lay out (and hold in
# memory) lines that long.
MAX_COLUMNS = 1000


def _columns() -> Optional[int]:
    """COLUMNS, bounded to MAX_COLUMNS; None leaves the width to rich (the terminal's own)."""
    raw = os.environ.get("COLUMNS", "").strip()
    if raw.isdigit() and int(raw) > MAX_COLUMNS:
        return MAX_COLUMNS
    return None


def print_problems(problems: list[Problem]) -> None:
    """Problems on stderr, one a line, in the ``file:line:col: level: message`` form."""
    from marenew.report.safe import safe_text

    for problem in problems:
        sys.stderr.write(f"{safe_text(str(problem))}\n")
    sys.stderr.flush()


def echo_lines(lines: list[str]) -> None:
    """Plain lines on stdout, control characters from files escaped (report.safe)."""
    from marenew.report.safe import safe_text

    sys.stdout.write("".join(safe_text(line) + "\n" for line in lines))


def write_json(data: object) -> None:
    import json

    from marenew.report.safe import json_safe

    sys.stdout.write(json_safe(json.dumps(data, indent=2, ensure_ascii=False)) + "\n")


@contextlib.contextmanager
def guarded() -> Iterator[None]:
    """Bad input -> its problems on stderr and exit 2; anything unexpected -> one line asking for
    a report and exit 3, never a traceback (which could show values from a credential file).
    MARENEW_DEBUG=1 lets the traceback through for developers."""
    from marenew.cli.streams import stop_behind

    try:
        yield
    except (typer.Exit, typer.Abort, SystemExit):
        raise
    except BaseException as exc:
        stop = stop_behind(exc)
        if isinstance(stop, KeyboardInterrupt):
            sys.stderr.write("marenew: interrupted\n")
            raise typer.Exit(ExitCode.INTERRUPTED) from None
        if stop is not None:  # SIGTERM, and a library's clean-up that failed on the way out
            raise stop from None
        _failed(exc)


def _failed(exc: BaseException) -> NoReturn:
    """``guarded``'s answer to what a command raised, a stop aside (raised again, to be told
    apart by its type)."""
    try:
        raise exc
    except InputError as exc:
        print_problems(exc.problems)
        raise typer.Exit(ExitCode.INPUT) from None
    except typer.TyperException:
        # click's own errors (typer.BadParameter, UsageError): click prints them and exits 2
        raise
    except BrokenPipeError:
        # the reader went away where streams.setup could not catch it (an in-process runner)
        with contextlib.suppress(Exception):
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115
        raise typer.Exit(ExitCode.PIPE) from None
    except OSError as exc:
        # the OS refused (a full disk, a name too long, no permission): environment, not a bug
        from marenew.store.atomic import os_message

        where = f"{exc.filename}: " if exc.filename else ""
        sys.stderr.write(f"marenew: {where}{os_message(exc)}\n")
        raise typer.Exit(ExitCode.INPUT) from None
    except Exception as exc:
        if debug():
            traceback.print_exc()
        internal_error(exc)
        raise typer.Exit(ExitCode.INTERNAL) from None


def internal_error(exc: BaseException) -> None:
    """One line that asks for a report, never a traceback (it could show a credential's values)."""
    sys.stderr.write(
        f"marenew: internal error ({type(exc).__name__}); this is a bug in marenew, please report it "
        "with the command you ran (run with MARENEW_DEBUG=1 to see the details)\n"
    )
