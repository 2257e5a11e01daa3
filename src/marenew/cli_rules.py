"""`marenew rules check|test|list|show` and `marenew schema`: rule files as checked, tested data.

Owners while issue 3 is built: check/list/show/schema (rule checks), test (worked cases).
Each command keeps its heavy imports inside its body so that start-up stays quick.
"""

from __future__ import annotations

import typer

rules_app = typer.Typer(
    help="Check, test and inspect rule files.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
