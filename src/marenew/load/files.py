"""Which files a folder holds: the one lister for rule, case and credential folders."""

from __future__ import annotations

from pathlib import Path

YAML_SUFFIXES = (".yaml", ".yml")


def yaml_files(folder: Path, *, recursive: bool = False) -> list[Path]:
    """The YAML files directly in ``folder`` (or below it, with ``recursive``), sorted."""
    found = folder.rglob("*") if recursive else folder.iterdir()
    return sorted(p for p in found if p.suffix in YAML_SUFFIXES and p.is_file())
