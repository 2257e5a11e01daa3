"""A transcript and its certificates in one zip file, for an application or an audit.

The zip holds the transcript under its own name, each certificate file found under its path
relative to the credential file's folder (unpacked, the zip looks like that folder; a file named
in two ways, ``certs/a.pdf`` and ``./certs/a.pdf``, is there once), and, when
any is missing, ``MISSING-CERTIFICATES.txt`` listing them with the reason.

What goes in is decided by ``load.proof.locate``: a certificate is added when it is a regular
file inside the credential file's folder, after following symbolic links. One that really lives
outside that folder (an absolute path, ``../``, or a link that points out) is left out and listed,
unless the caller allows it (``--include-outside``); then it goes under ``outside/`` and is
named on stderr. A file sent with an application never includes
something from elsewhere on the computer without saying so. Each file is opened without
following a link at its last step, so one swapped for a link after the check is not read.

The zip is written like any other output (``store.atomic``): never over an existing file without
--force, and never half-written.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import stat
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from marenew.load.proof import locate
from marenew.report.safe import safe_text
from marenew.store.atomic import atomic_output

MISSING_NAME = "MISSING-CERTIFICATES.txt"
OUTSIDE = "outside"


@dataclass(frozen=True)
class Wanted:
    """A credit on the transcript, with the certificate it names (None: none)."""

    date: dt.date
    title: str
    certificate: str | None


@dataclass(frozen=True)
class Missing:
    credit: Wanted
    why: str

    def line(self) -> str:
        return safe_text(f"{self.credit.date}  {self.credit.title}: {self.why}", lines=False)


@dataclass
class Bundle:
    added: dict[str, str] = field(default_factory=dict)  # certificate as written -> name in the zip
    outside: list[str] = field(default_factory=list)  # added from outside the folder (allowed)
    missing: list[Missing] = field(default_factory=list)

    @property
    def files(self) -> int:
        """Certificate files in the zip (one file named two ways is one)."""
        return len(set(self.added.values()))


def _unique(name: str, taken: set[str]) -> str:
    path = PurePosixPath(name)
    candidate, n = name, 1
    while candidate in taken:
        n += 1
        candidate = str(path.with_name(f"{path.stem}-{n}{path.suffix}"))
    taken.add(candidate)
    return candidate


def plan(
    credits: Iterable[Wanted], folder: Path, *, include_outside: bool, reserved: Iterable[str] = ()
) -> tuple[Bundle, dict[str, Path]]:
    """Which certificate goes in under which name (and from where), and which are missing and
    why. ``reserved``: names already taken in the zip (the transcript's, the missing list's)."""
    bundle = Bundle()
    sources: dict[str, Path] = {}
    taken: set[str] = set(reserved)
    decided: dict[str, str | None] = {}  # certificate as written -> why it is missing (None: added)
    # the file itself -> its name in the zip: `certs/a.pdf`, `./certs/a.pdf` and a link to it are
    # one certificate, added once
    named: dict[Path, str] = {}
    for credit in credits:
        if credit.certificate is None:
            bundle.missing.append(Missing(credit, "no certificate named"))
            continue
        written = credit.certificate
        if written not in decided:
            found = locate(folder, written)
            why: str | None = None
            trouble = found.trouble(folder)
            if trouble is not None and not (found.where == "outside" and include_outside):
                why = f"{written} {trouble}" + (
                    " (not added; --include-outside adds it)" if found.where == "outside" else ""
                )
            elif found.path in named:
                bundle.added[written] = named[found.path]
            else:
                inside = found.inside_name
                name = _unique(inside or f"{OUTSIDE}/{found.path.name}", taken)
                bundle.added[written] = named[found.path] = name
                sources[name] = found.path
                if inside is None:
                    bundle.outside.append(f"{written} ({found.path})")
            decided[written] = why
        if decided[written] is not None:
            bundle.missing.append(Missing(credit, decided[written] or ""))
    return bundle, sources


def _copy_into(archive: zipfile.ZipFile, source: Path, info: zipfile.ZipInfo) -> None:
    fd = os.open(source, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0))
    with os.fdopen(fd, "rb") as src:
        if not stat.S_ISREG(os.fstat(src.fileno()).st_mode):
            raise OSError(f"{source} is no longer a regular file")
        with archive.open(info, "w") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)


def missing_text(bundle: Bundle) -> str:
    lines = [f"Certificates not in this bundle ({len(bundle.missing)}):", ""]
    lines += [m.line() for m in bundle.missing]
    return "\n".join(lines) + "\n"


def write_bundle(
    path: Path,
    *,
    transcript_name: str,
    transcript: bytes,
    credits: Iterable[Wanted],
    folder: Path,
    include_outside: bool,
    stamp: dt.date,
    force: bool,
) -> Bundle:
    """Write the zip at ``path``; what was added and what is missing (to report)."""
    bundle, sources = plan(credits, folder, include_outside=include_outside, reserved=(transcript_name, MISSING_NAME))
    # Every entry is dated the as-of day: the same files and day give the same zip, byte for byte
    # (a zip holds no date before 1980).
    when = (max(stamp.year, 1980), stamp.month, stamp.day, 0, 0, 0)

    def entry(name: str) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(name, date_time=when)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16
        return info

    with atomic_output(path, force=force, binary=True) as out, zipfile.ZipFile(out, "w") as archive:
        archive.writestr(entry(transcript_name), transcript)
        for name, source in sources.items():
            _copy_into(archive, source, entry(name))
        if bundle.missing:
            archive.writestr(entry(MISSING_NAME), missing_text(bundle).encode("utf-8"))
    return bundle
