"""The command line: typer commands, one module each, imported only when invoked.

The root group knows every command by name and one-line summary (``COMMANDS``), so ``--help``,
``--version`` and a single command never import or build the other commands (hatch does the same).
"""

from __future__ import annotations

import importlib
import sys
from dataclasses import dataclass
from functools import cache
from typing import Annotated, Any

import typer
from typer.core import TyperArgument, TyperGroup

from marenew import __version__
from marenew.cli.exitcodes import ExitCode
from marenew.core.record import Frozen

HELP = "Where each of your medical-assistant certifications stands: expiry, CE still needed, and cost."
EPILOG = (
    "Start with: marenew init, then marenew status marenew.yaml. Exit codes: 0 all active or clean; "
    "1 needs attention; 2 usage error or bad input; 3 internal error (a bug: please report it); 130 Ctrl-C; 143 SIGTERM."
)


_set = object.__setattr__  # past the frozen __setattr__, as a frozen dataclass sets its fields


@dataclass(init=False, repr=False, eq=False)
class Command(Frozen):
    """A command of the registry: the module that defines it, and its help's first line."""

    module: str  # defines `app`, a typer app holding this command (or, for a group, its commands)
    summary: str  # the first line of the command's help; a test keeps them equal

    def __init__(self, module: str, summary: str) -> None:
        _set(self, "module", module)
        _set(self, "summary", summary)


COMMANDS = {
    "status": Command(
        "marenew.cli.status", "Status, next step, expiry, CE still needed and cost of each certification in FILE."
    ),
    "cost": Command(
        "marenew.cli.status", "Renewal fees: for every certification, or what the holder in FILE pays now."
    ),
    "plan": Command("marenew.cli.plan", "A plan for each certification in FILE, most urgent first."),
    "calendar": Command("marenew.cli.plan", "An iCalendar (RFC 5545) file of the key dates in FILE."),
    "add": Command(
        "marenew.cli.add", "Add a completed CE activity to FILE, checked against the rules before anything is written."
    ),
    "renew": Command(
        "marenew.cli.renew", "Record a renewal in FILE: the old cycle moves to its history, the new one starts."
    ),
    "pay": Command(
        "marenew.cli.pay",
        "Record a recurring fee paid (AMT's annual fee): plan, calendar and the next step then show only fees still due.",
    ),
    "init": Command("marenew.cli.init", "Write a commented starter credential file."),
    "transcript": Command(
        "marenew.cli.transcript", "Write the CE record of the current cycle, as the renewal application asks for it."
    ),
    "roster": Command("marenew.cli.roster", "Status of every credential of many holders, most urgent first."),
    "notify": Command("marenew.cli.notify", "E-mail each person their own reminder, with their key dates attached."),
    "rules": Command("marenew.cli.rules", "Check, test and inspect rule files."),
    "schema": Command("marenew.cli.schema", "Print the JSON Schema of a credential file or of a rule file."),
}


def load_command(name: str) -> Any:
    """The click command ``name``, built from its module's typer app (only that module)."""
    group = _module_group(COMMANDS[name].module)
    return group.commands.get(name, group)


@cache
def _module_group(module: str) -> Any:
    group = typer.main.get_group(importlib.import_module(module).app)
    _plain_arguments(group)
    return group


class PlainArgument(TyperArgument):
    """An argument shown in help as a user types it: ``FILE``, ``[FILE]``, ``[PATH]...``.

    typer marks a required argument ``{FILE}`` and puts its Python type beside it (``<path>``,
    ``<list[Path]>``); neither means anything to a user, and the help text says what to give.
    """

    def _usage_display_name(self) -> str:
        name = self.display_name_raw if self.required else f"[{self.display_name_raw}]"
        return name if self.nargs == 1 else f"{name}..."

    def display_type_rich(self, ctx: Any) -> str | None:
        return None


def _plain_arguments(command: Any) -> None:
    for param in command.params:
        if type(param) is TyperArgument:
            param.__class__ = PlainArgument  # same fields; only how help shows it differs
    for sub in getattr(command, "commands", {}).values():
        _plain_arguments(sub)


class LazyGroup(TyperGroup):
    def list_commands(self, ctx: Any) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        return load_command(cmd_name) if cmd_name in COMMANDS else None

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        # summaries from the registry: listing the commands imports none of them
        with formatter.section("Commands"):
            formatter.write_dl([(name, entry.summary) for name, entry in COMMANDS.items()])


def _version(value: bool) -> None:
    if value:
        typer.echo(f"marenew {__version__}")
        raise typer.Exit()


app = typer.Typer(
    name="marenew",
    cls=LazyGroup,
    help=HELP,
    epilog=EPILOG,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,  # main() below is the boundary: never a traceback
    pretty_exceptions_show_locals=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """Where each of your medical-assistant certifications stands: expiry, CE still needed, and cost."""


@cache
def root() -> Any:
    """The `marenew` group, built once per process (the commands themselves only when invoked)."""
    return typer.main.get_command(app)


def main() -> None:
    """Console-script entry point: the last line of defence against a traceback."""
    from marenew.cli import streams

    streams.setup()
    try:
        root()(prog_name="marenew")
        code: Any = ExitCode.OK
    except SystemExit as exc:
        code = exc.code
    except BaseException as exc:  # noqa: BLE001 - nothing may escape as a traceback
        from marenew.cli.common import internal_error

        exc = streams.stop_behind(exc) or exc
        if isinstance(exc, SystemExit):  # SIGTERM, and a clean-up that failed on the way out
            code = exc.code
        elif isinstance(exc, KeyboardInterrupt):
            sys.stderr.write("marenew: interrupted\n")
            code = ExitCode.INTERRUPTED
        elif isinstance(exc, OSError):  # the environment refused (a full disk, a closed descriptor)
            from marenew.store.atomic import os_message

            sys.stderr.write(f"marenew: {os_message(exc)}\n")
            code = ExitCode.INPUT
        else:
            if streams.debug():
                raise
            internal_error(exc)
            code = ExitCode.INTERNAL
    if code is None:
        code = ExitCode.OK
    elif not isinstance(code, int):  # sys.exit("message")
        sys.stderr.write(f"{code}\n")
        code = ExitCode.INPUT
    sys.exit(streams.finish(int(code)))
