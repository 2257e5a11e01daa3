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
from typing import IO, TYPE_CHECKING, Annotated, Optional

import typer

from .exitcodes import ExitCode
from .problems import InputError, Problem

if TYPE_CHECKING:
    from rich.console import Console

    from .loaders import RuleSet


def parse_date(value: Optional[str]) -> Optional[dt.date]:
    if value is None:
        return None
    from .periods import iso_day

    try:
        day = iso_day(value)
    except ValueError:
        raise typer.BadParameter(f"`{value}` is not a date; write YYYY-MM-DD") from None
    from .loaders import implausible_date

    why = implausible_date(day)
    if why:
        raise typer.BadParameter(why)
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
        help="Price as a member of the body or not (default: from the file's memberships; "
        "non-member without a file).",
        show_default=False,
    ),
]
WarnDaysOpt = Annotated[
    int,
    typer.Option("--warn-days", min=0, metavar="N", help="Call a credential `expiring` within N days of expiry."),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON (documented in the README) instead of text.")]


def as_of_date(value: Optional[str]) -> dt.date:
    return parse_date(value) or dt.date.today()


def rules_dirs(option: Optional[list[Path]]) -> list[Path]:
    from .loaders import rules_dirs_from_env

    return rules_dirs_from_env() + list(option or [])


def load_ruleset(option: Optional[list[Path]]) -> "RuleSet":
    from .loaders import load_rules

    return load_rules(rules_dirs(option))


def console(*, stderr: bool = False, file: Optional[IO[str]] = None, width: Optional[int] = None) -> "Console":
    """Markup off; rich honours NO_COLOR and drops colours when the output is not a terminal."""
    from rich.console import Console

    return Console(stderr=stderr, file=file, width=width, markup=False, emoji=False, highlight=False,
                   soft_wrap=False)


def print_problems(problems: list[Problem]) -> None:
    """Problems on stderr, one a line, in the ``file:line:col: level: message`` form."""
    for problem in problems:
        sys.stderr.write(f"{problem}\n")
    sys.stderr.flush()


def write_json(data: object) -> None:
    import json

    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def debug() -> bool:
    return os.environ.get("MARENEW_DEBUG", "") not in ("", "0")


@contextlib.contextmanager
def guarded() -> Iterator[None]:
    """Bad input -> its problems on stderr and exit 2; anything unexpected -> one line asking for
    a report and exit 3, never a traceback (which could show values from a credential file).
    MARENEW_DEBUG=1 lets the traceback through for developers."""
    try:
        yield
    except InputError as exc:
        print_problems(exc.problems)
        raise typer.Exit(ExitCode.INPUT) from None
    except (typer.Exit, typer.Abort, SystemExit):
        raise
    except typer.TyperException:
        # click's own errors (typer.BadParameter, UsageError): click prints them and exits 2
        raise
    except KeyboardInterrupt:
        sys.stderr.write("marenew: interrupted\n")
        raise typer.Exit(ExitCode.INTERRUPTED) from None
    except BrokenPipeError:
        # the reader went away (`marenew ... | head`): nothing more to say
        with contextlib.suppress(Exception):
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115
        raise typer.Exit(ExitCode.OK) from None
    except Exception as exc:
        if debug():
            traceback.print_exc()
        sys.stderr.write(
            f"marenew: internal error ({type(exc).__name__}); this is a bug in marenew, please report it "
            "with the command you ran (run with MARENEW_DEBUG=1 to see the details)\n"
        )
        raise typer.Exit(ExitCode.INTERNAL) from None
