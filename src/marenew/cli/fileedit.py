"""What `renew` and `pay` share: finding the credential a change is about, and saying what was written."""

from __future__ import annotations

import datetime as dt
import sys
from typing import TYPE_CHECKING, Optional

import typer

if TYPE_CHECKING:
    from marenew.core.credential import Credential, CredentialFile
    from marenew.core.results import CredentialResult


def pick_credential(
    holder: CredentialFile, cert: Optional[str], file: str, *, option: str = "--cert"
) -> tuple[int, Credential]:
    """The credential ``--cert`` names (case-insensitive), or the only one in the file."""
    held = [c.cert for c in holder.credentials]
    if cert is None:
        if len(holder.credentials) == 1:
            return 0, holder.credentials[0]
        raise typer.BadParameter(f"{file} holds {', '.join(held)}: say which with {option}", param_hint=option)
    for i, cred in enumerate(holder.credentials):
        if cred.key == cert.strip().upper():
            return i, cred
    raise typer.BadParameter(f"{file} holds no `{cert}`; it holds {', '.join(held)}", param_hint=option)


def not_after(day: dt.date, today: dt.date, option: str) -> None:
    """A day that has not come yet cannot be recorded as done."""
    if day > today:
        raise typer.BadParameter(f"{day} is after today ({today}): record it once it has happened", param_hint=option)


def status_line(result: CredentialResult) -> str:
    """What `status` now says about one credential, in one line (in the status panel's words)."""
    from marenew.core.words import STATUS_WORD, days_text

    return (
        f"{result.cert} now: {STATUS_WORD[result.status]}, expires {result.expires_on} "
        f"({days_text(result.days_left)}). Next: {result.next_step.summary}"
    )


def wrapped(lines: list[str], width: int = 80) -> str:
    """Result lines for stdout, each folded to ``width`` (a continuation indented under its line)."""
    import textwrap

    out = []
    for line in lines:
        lead = " " * (len(line) - len(line.lstrip(" ")))
        out.append(
            textwrap.fill(
                line,
                width,
                initial_indent="",
                subsequent_indent=lead + "  ",
                break_on_hyphens=False,
                break_long_words=False,
            )
        )
    return "\n".join(out) + "\n"


def written(path: object, backup: object) -> None:
    sys.stderr.write(f"wrote {path} (the previous version is in {backup})\n")
