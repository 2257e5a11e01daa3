"""The stack floor for `marenew status`: the libraries doing the kind of work status does, and
nothing of marenew. bench/startup.py times it beside `marenew status` in the same run.

It parses the same command line with typer, reads the credential file with PyYAML's C loader,
validates one pydantic model with a nested list, and prints a rich panel on a console, so the
ratio status / floor is marenew's own cost on top of what its libraries cost for that output.

    python bench/stack_floor.py status examples/cma-on-track.yaml --as-of 2026-11-29
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Optional

import typer
import yaml
from pydantic import BaseModel, ConfigDict

app = typer.Typer(add_completion=False, rich_markup_mode=None, pretty_exceptions_enable=False)


class Credential(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    cert: str
    certified_on: dt.date
    expires_on: Optional[dt.date] = None
    number: Optional[str] = None


class Holder(BaseModel):
    model_config = ConfigDict(extra="forbid")
    holder: str
    memberships: list[str] = []
    credentials: list[Credential]
    credits: list[dict] = []


@app.callback()
def root(version: Annotated[bool, typer.Option("--version")] = False) -> None:
    """The root group, as marenew has."""


@app.command()
def status(
    file: Path,
    as_of: Annotated[Optional[str], typer.Option("--as-of")] = None,
    member: Annotated[Optional[bool], typer.Option("--member/--non-member")] = None,
    warn_days: Annotated[int, typer.Option("--warn-days", min=0)] = 90,
    json: Annotated[bool, typer.Option("--json")] = False,
    explain: Annotated[bool, typer.Option("--explain")] = False,
    rules: Annotated[Optional[list[Path]], typer.Option("--rules")] = None,
) -> None:
    with open(file, encoding="utf-8") as f:
        data = yaml.load(f, Loader=yaml.CSafeLoader)
    holder = Holder.model_validate(data)
    from rich.console import Console
    from rich.panel import Panel

    lines = "\n".join(f"{c.cert}: certified {c.certified_on}" for c in holder.credentials)
    Console().print(Panel(lines, title=holder.holder))


if __name__ == "__main__":
    app()
