"""A cache of validated rule sets, so that a command does not parse and check every rule file on
every run (about a tenth of the start-up of `marenew status`).

One cache file per list of rule folders, in the user's cache folder. It holds the exact bytes of
every rule file it was built from, the versions of marenew, pydantic and Python, and the size and
modification time of marenew's model and loader modules; a cached rule set is used only when all of
these are equal now, so an edited rule file, an added or removed one, or another version of the
code is always read afresh. Only a rule set that loaded without errors is cached (errors are always
reported from the files). A cache file that cannot be read, or whose content is not what this
module wrote, is ignored and written again; a cache that cannot be written is no error. The files
stay the source of truth: the cache holds the rules pydantic validated from them, in the plain form
of ``marenew.core.rule``, so reading it needs no pydantic model.
"""

from __future__ import annotations

import pickle
import sys
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from marenew import __version__

if TYPE_CHECKING:
    from marenew.load.rules import RuleSet

FORMAT = 3  # of the cache file; bump when its layout changes (3: the rules in their plain form)
PROTOCOL = pickle.HIGHEST_PROTOCOL
PACKAGE = Path(__file__).resolve().parent.parent


def _code_stamp() -> tuple:
    """What the cached models depend on besides the rule files: versions, and the modules that
    define and check the models (a source checkout changes them without a new version)."""
    import pydantic

    modules = []
    for folder in ("core", "load"):
        for path in sorted((PACKAGE / folder).glob("*.py")):
            st = path.stat()
            modules.append((f"{folder}/{path.name}", st.st_size, st.st_mtime_ns))
    return (FORMAT, __version__, pydantic.VERSION, sys.version, tuple(modules))


def _rule_bytes(folders: Sequence[Path]) -> tuple | None:
    """Every rule file's path and bytes, folder by folder; None when a folder cannot be listed (the
    loader then reports it)."""
    from marenew.load.rules import rule_files

    out = []
    for folder in folders:
        try:
            out.append((str(folder), tuple((str(p), p.read_bytes()) for p in rule_files(folder))))
        except OSError:
            return None
    return tuple(out)


def cache_file(folder: Path, folders: Sequence[Path]) -> Path:
    name = zlib.crc32("\0".join(str(f.resolve()) for f in folders).encode("utf-8", "surrogatepass"))
    return folder / f"rules-{name:08x}.pickle"


def cached_rules(folders: Sequence[Path], cache: Path, load: Callable[[], RuleSet]) -> RuleSet:
    """The rule set read from ``folders`` by ``load``, from the cache in folder ``cache`` when it
    holds one built from the same files by the same code."""
    from marenew.load.rules import RuleSet

    files = _rule_bytes(folders)
    if files is None:
        return load()
    stamp = (_code_stamp(), files)
    path = cache_file(cache, folders)
    try:
        with open(path, "rb") as f:
            if pickle.load(f) == stamp:
                rules, origin, overlays, read = pickle.load(f)
                if isinstance(rules, dict) and isinstance(origin, dict) and isinstance(overlays, dict):
                    # what overlays changed (`rules show` marks it) and the folders read (messages)
                    return RuleSet(rules=rules, origin=origin, overlays=overlays, folders=list(read))
    except Exception:  # noqa: BLE001, S110 - unreadable, truncated or foreign: read the files instead
        pass
    ruleset = load()
    _write(path, stamp, ruleset)
    return ruleset


def _write(path: Path, stamp: tuple, ruleset: RuleSet) -> None:
    import io

    from marenew.store.atomic import write_atomic

    buffer = io.BytesIO()
    try:
        pickle.dump(stamp, buffer, PROTOCOL)
        pickle.dump((ruleset.rules, ruleset.origin, ruleset.overlays, ruleset.folders), buffer, PROTOCOL)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, buffer.getvalue(), force=True)
    except Exception:  # noqa: BLE001, S110 - a cache that cannot be written is only slower
        pass
