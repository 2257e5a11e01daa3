"""Which files a folder holds: the one lister for rule, case and credential folders.

Rule and case folders are read only inside the folder given: a symbolic link in it that points
to a file outside is an error naming the link, and the target is never opened (a link to
``/etc/shadow`` in a shared rules repository must not end up in CI logs). Credential folders are
walked below: symbolic links to folders are followed, each folder once (a link back up makes no
loop), and a folder that cannot be read is reported, not skipped.

Suffixes match in any case (``CMA.YAML`` is a rule file too).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from marenew.core.record import Mutable
from marenew.load.problems import InputError, Problem

YAML_SUFFIXES = (".yaml", ".yml")


def is_yaml(path: Path) -> bool:
    return path.suffix.lower() in YAML_SUFFIXES


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
    except (ValueError, OSError, RuntimeError):  # outside, unreadable, or a link loop
        return False
    return True


def yaml_files(folder: Path, *, recursive: bool = False) -> list[Path]:
    """The YAML files directly in ``folder`` (rule and case folders: links that lead outside are
    an InputError naming each), or below it with ``recursive`` (credential folders: see
    ``walk``), sorted."""
    if recursive:
        return walk(folder).files
    found, outside = [], []
    for path in sorted(folder.iterdir()):
        if not is_yaml(path):
            continue
        if path.is_symlink() and not _inside(path, folder):
            outside.append(
                Problem(
                    str(path),
                    None,
                    None,
                    f"is a symbolic link to a file outside {folder}; not read (copy the file into the folder instead)",
                )
            )
        elif path.is_file():
            found.append(path)
    if outside:
        raise InputError(outside)
    return found


@dataclass(repr=False, eq=False)
class Listing(Mutable):
    """Credential files found under the paths given, each once."""

    files: list[Path] = field(default_factory=list)
    unreadable: list[Path] = field(default_factory=list)  # folders that could not be listed
    repeated: list[Path] = field(default_factory=list)  # the same file met again (given twice, or by a link)
    _seen: set[tuple[int, int]] = field(default_factory=set)
    _folders: set[tuple[int, int]] = field(default_factory=set)

    def add(self, path: Path) -> None:
        try:
            info = path.stat()
        except OSError:  # missing or unreadable: loading it reports why
            self.files.append(path)
            return
        key = (info.st_dev, info.st_ino)
        if key in self._seen:
            self.repeated.append(path)
            return
        self._seen.add(key)
        self.files.append(path)


def walk(folder: Path, listing: Listing | None = None) -> Listing:
    """Every YAML file below ``folder``, following links to folders, each folder once."""
    listing = listing or Listing()
    try:
        info = folder.stat()
    except OSError:
        listing.unreadable.append(folder)
        return listing
    key = (info.st_dev, info.st_ino)
    if key in listing._folders:
        return listing
    listing._folders.add(key)
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        listing.unreadable.append(folder)
        return listing
    for entry in entries:
        path = Path(entry.path)
        try:
            is_dir = entry.is_dir()  # follows links
            is_file = not is_dir and entry.is_file()
        except OSError:
            continue
        if is_dir:
            walk(path, listing)
        elif is_file and is_yaml(path):
            listing.add(path)
    return listing


def credential_listing(paths: list[Path]) -> Listing:
    """Files as given and the YAML files below each folder, each file once. A folder holding none
    is an InputError: judging nobody must not look like "everyone is fine"."""
    listing = Listing()
    for path in paths:
        if path.is_dir():
            before = len(listing.files) + len(listing.repeated) + len(listing.unreadable)
            walk(path, listing)
            if len(listing.files) + len(listing.repeated) + len(listing.unreadable) == before:
                raise InputError([Problem(str(path), None, None, "no credential files (*.yaml, *.yml) in this folder")])
        else:
            listing.add(path)
    return listing
