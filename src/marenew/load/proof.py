"""Certificates of completion named by credits: where each file is, and whether it may be bundled.

The one place that decides what a credit's ``certificate:`` path means. A path is read relative
to the folder of the credential file (the file a link to it leads to; an absolute path as
written). What counts is where the file
really is, after following symbolic links: a link inside the folder that points outside it is
outside. Only a regular file is found: a folder, a device or a pipe is not a certificate (and
reading a pipe could wait forever).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

from marenew.core.record import Record
from marenew.core.results import CreditResult, Report

# found: a regular file inside the credential file's folder; outside: a regular file elsewhere;
# missing: nothing there (or no permission to look); not_a_file: a folder, device or pipe.
Where = Literal["found", "outside", "missing", "not_a_file"]


@dataclass(frozen=True, repr=False, eq=False)
class Certificate(Record):
    """A credit's certificate file: as written, where it is, and whether it may go in a bundle."""

    written: str  # as the credential file writes it
    path: Path  # where it really is (links followed) or, when missing, where it was looked for
    where: Where
    inside_name: str | None = None  # relative to the folder, with / separators, when inside
    linked: bool = False  # outside through a symbolic link

    @property
    def exists(self) -> bool:
        return self.where in ("found", "outside")

    def trouble(self, folder: Path) -> str | None:
        """What keeps it out of a bundle from ``folder``, in words that follow its path
        ("certs/a.pdf not found"); None for a file found inside the folder."""
        if self.where == "missing":
            return "not found"
        if self.where == "not_a_file":
            return "is not a file"
        if self.where == "outside":
            how = f"is a link to {self.path}, " if self.linked else "is "
            return f"{how}outside {folder.resolve()}"
        return None


def folder_of(credential_file: Path) -> Path:
    """The folder certificate paths are relative to: the credential file's own, after following
    a link to it (``marenew add --certificate`` writes them so)."""
    return credential_file.resolve().parent


def locate(folder: Path, written: str) -> Certificate:
    """Where the certificate ``written`` is, for a credential file in ``folder``."""
    base = folder.resolve()
    given = Path(os.path.expanduser(written))
    full = given if given.is_absolute() else base / given
    try:
        real = full.resolve(strict=True)
    except (OSError, RuntimeError, ValueError):  # missing, no permission, a loop of links, a NUL
        return Certificate(written, full, "missing")
    if not real.is_file():
        return Certificate(written, real, "not_a_file")
    try:
        inside = real.relative_to(base).as_posix()
    except ValueError:
        return Certificate(written, real, "outside", linked=real != Path(os.path.normpath(full)))
    return Certificate(written, real, "found", inside)


def mark_certificates(report: Report, folder: Path) -> Report:
    """``report`` with ``certificate_found`` set on every credit that names a certificate: True
    when that file exists (inside the folder or not), False when it does not."""
    seen: dict[str, bool] = {}

    def mark(credit: CreditResult) -> CreditResult:
        if credit.certificate is None:
            return credit
        if credit.certificate not in seen:
            seen[credit.certificate] = locate(folder, credit.certificate).exists
        return replace(credit, certificate_found=seen[credit.certificate])

    return replace(
        report,
        credentials=tuple(replace(c, credits=tuple(mark(x) for x in c.credits)) for c in report.credentials),
    )
