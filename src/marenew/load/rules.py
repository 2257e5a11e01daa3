"""Rule folders in, a RuleSet out, every problem located.

Built-in rules ship inside the package (``marenew/data/rules`` in the wheel; the repo's top-level
``rules/`` in a source checkout). ``--rules DIR`` and ``MARENEW_RULES`` add folders whose rule
files add to, or replace by id, the built-in ones.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from marenew.core.defaults import STALE_AFTER_DAYS
from marenew.core.record import Mutable
from marenew.core.rule import Rule
from marenew.load.files import yaml_files
from marenew.load.locate import in_order, suggest, validate
from marenew.load.placeholders import FILL_IN
from marenew.load.problems import InputError, Problem, key_path
from marenew.load.yamlfile import Document, load_file

if TYPE_CHECKING:
    from marenew.load.overlay import Overlay
    from marenew.load.rulecheck import CheckResult

# The rule schema (pydantic models), the checks of `rules check` and the overlays are imported
# where rule files are read: a command that takes the rules from the cache (every `status`) reads
# none and does not load them.


def placeholders(doc: Document, problems: list[Problem]) -> list[Problem]:
    """Each FILL-IN left in a file, at its line (unless a problem is already reported there)."""
    taken = {(p.line, p.col) for p in problems}
    out = []
    for path, scalar in doc.scalars.items():
        if scalar.text.startswith(FILL_IN):
            line, col = doc.locate(path)
            if (line, col) not in taken:
                out.append(
                    Problem(
                        doc.source,
                        line,
                        col,
                        f"`{FILL_IN}`: replace it with the real value",
                        key=key_path(path) or None,
                    )
                )
    return out


def fill_in_first(problems: list[Problem]) -> list[Problem]:
    """Where a FILL-IN is left, that is the one problem to report (not also that it is not a
    number or an address)."""
    marked = {(p.file, p.line, p.col) for p in problems if p.message.startswith(f"`{FILL_IN}`")}
    return [p for p in problems if (p.file, p.line, p.col) not in marked or p.message.startswith(f"`{FILL_IN}`")]


def builtin_rules_dir() -> Path:
    package = Path(__file__).resolve().parent.parent
    packaged = package / "data" / "rules"
    if packaged.is_dir():
        return packaged
    return package.parent.parent / "rules"  # source checkout: src/marenew -> repo root


def rule_files(folder: Path) -> list[Path]:
    """Rule files are the YAML files directly in a folder (worked cases live in ``cases/``)."""
    return yaml_files(folder)


@dataclass(repr=False, eq=False)
class RuleSet(Mutable):
    """Rules by upper-case id, with the file each came from."""

    rules: dict[str, Rule] = field(default_factory=dict)
    origin: dict[str, Path] = field(default_factory=dict)
    documents: dict[str, Document] = field(default_factory=dict)
    # rules given as overlays (`extends:`): what each overlay changed
    overlays: dict[str, Overlay] = field(default_factory=dict)
    folders: list[Path] = field(default_factory=list)  # the folders read, built-in first

    def __contains__(self, cert: str) -> bool:
        return cert.upper() in self.rules

    def get(self, cert: str) -> Rule | None:
        return self.rules.get(cert.upper())

    def ids(self) -> list[str]:
        return [r.id for r in self.rules.values()]

    def bodies(self) -> set[str]:
        return {r.body.upper() for r in self.rules.values()}


@dataclass(repr=False, eq=False)
class RuleFile(Mutable):
    """One rule file as read: the rule (None when it has errors), the document it was validated
    from (for an overlay, the merged one), every problem, and what an overlay changed."""

    path: Path
    rule: Rule | None
    doc: Document | None
    problems: list[Problem]
    overlay: Overlay | None = None


def read_rule_file(path: Path, bases: Mapping[str, Document] | None = None) -> RuleFile:
    """One rule file, never raising for bad content. ``bases``: the documents an overlay may
    extend, by upper-case id (the rules loaded before its folder)."""
    from marenew.load import ruleschema
    from marenew.load.overlay import EXTENDS, inherited, is_overlay, overlay_document
    from marenew.load.rulecheck import source_keys

    try:
        doc = load_file(path, allow_aliases=True, partial=True)
    except InputError as exc:
        return RuleFile(path, None, None, exc.problems)
    overlay = None
    own: list[Problem] = []
    if is_overlay(doc.data):
        target = doc.data[EXTENDS]
        base = (bases or {}).get(target.upper()) if isinstance(target, str) else None
        if base is None:
            line, col = doc.locate((EXTENDS,))
            known = sorted(str(d.data.get("id")) for d in (bases or {}).values() if isinstance(d.data, dict))
            what = (
                f"extends `{target}`, which no rule read before this file defines{suggest(str(target), known)}"
                if isinstance(target, str)
                else "`extends` names the id of the rule this file changes, e.g. CMA"
            )
            return RuleFile(
                path, None, doc, in_order(doc.problems + [Problem(doc.source, line, col, what, key=EXTENDS)])
            )
        doc, overlay, own = overlay_document(base, doc)
    model, problems = validate(ruleschema.Rule, doc)
    rule = ruleschema.to_plain(model) if model is not None else None
    if rule is not None:
        problems = problems + source_keys(rule.figures(), rule.sources, doc, rule.notes)
    problems = in_order(own + problems + placeholders(doc, problems))
    if overlay is not None:
        problems = [inherited(p, overlay) for p in problems]
    if any(p.level == "error" for p in problems):
        rule = None
    return RuleFile(path, rule, doc, problems, overlay)


def load_rule_file(
    path: Path, bases: Mapping[str, Document] | None = None
) -> tuple[Rule | None, Document | None, list[Problem]]:
    """One rule file: the rule, or its problems (never raises for bad content)."""
    read = read_rule_file(path, bases)
    return read.rule, read.doc, read.problems


def load_rules(extra_dirs: Sequence[Path] = (), *, builtin: bool = True) -> RuleSet:
    """Built-in rules, then each extra folder in order (later ones replace earlier by id).
    Raises InputError with every problem of every file if any file is broken."""
    from marenew.load.overlay import inherited
    from marenew.load.rulecheck import check_document, duplicate_id

    folders = ([builtin_rules_dir()] if builtin else []) + list(extra_dirs)
    ruleset = RuleSet(folders=list(folders))
    problems: list[Problem] = []
    for folder in folders:
        if not folder.is_dir():
            problems.append(Problem(str(folder), None, None, "rules folder not found"))
            continue
        seen: dict[str, tuple[str, int | None]] = {}
        bases = dict(ruleset.documents)  # an overlay extends a rule of an earlier folder
        for path in rule_files(folder):
            read = read_rule_file(path, bases)
            rule, doc, found = read.rule, read.doc, read.problems
            if doc is not None:
                # the errors `rules check` reports (a null cycle length, a negative total) would
                # otherwise crash or mislead a status; its warnings (a stale date) do not block
                found = fill_in_first(in_order(found + check_document(doc, rule) + duplicate_id(doc, seen)))
                if read.overlay is not None:
                    found = [inherited(p, read.overlay) for p in found]
                if any(p.level == "error" for p in found):
                    rule = None
            problems += found
            if rule is not None and doc is not None:
                ruleset.rules[rule.key] = rule
                ruleset.origin[rule.key] = path
                ruleset.documents[rule.key] = doc
                if read.overlay is not None:
                    earlier = ruleset.overlays.get(rule.key)
                    if earlier is not None:  # an overlay of an overlay: both changed the rule
                        read.overlay.paths |= earlier.paths
                    ruleset.overlays[rule.key] = read.overlay
                else:
                    ruleset.overlays.pop(rule.key, None)
    errors = [p for p in problems if p.level == "error"]
    if errors:
        raise InputError(errors)
    return ruleset


# --- `rules check`: which files, and every problem in them ------------------------------------------------------------------------------


def expand(paths: Sequence[Path]) -> list[Path]:
    """Rule files named by PATHs: a file as given, a folder -> the YAML files directly in it
    (worked cases live in its `cases/` folder and are not rule files). A PATH that does not exist,
    or a folder with no rule files, is a usage error."""
    out: list[Path] = []
    bad: list[Problem] = []
    for path in paths:
        if path.is_dir():
            found = rule_files(path)
            if not found:
                bad.append(Problem(str(path), None, None, "no rule files (*.yaml, *.yml) in this folder"))
            out += [p for p in found if p not in out]
        elif path.exists():
            if path not in out:
                out.append(path)
        else:
            bad.append(Problem(str(path), None, None, "no such file or folder"))
    if bad:
        raise InputError(bad)
    return out


def check_paths(
    groups: Sequence[Sequence[Path]],
    *,
    as_of: dt.date,
    max_age_days: int = STALE_AFTER_DAYS,
) -> CheckResult:
    """Check every rule file. ``groups`` are sets of files in which an id must be unique: the
    PATHs given together form one group; without PATHs each rules folder is its own group, since a
    `--rules` folder replacing a built-in rule by id is what `--rules` is for."""
    from marenew.load.overlay import inherited
    from marenew.load.rulecheck import CheckResult, _unique, check_document, duplicate_id

    result = CheckResult()
    bases = builtin_documents() if any(_extends(path) for group in groups for path in group) else {}
    for group in groups:
        seen: dict[str, tuple[str, int | None]] = {}
        known = dict(bases)  # overlays in this group extend what came before it
        for path in group:
            source = str(path)
            result.files.append(source)
            read = read_rule_file(path, known)
            problems, doc = read.problems, read.doc
            if doc is not None:
                problems = problems + check_document(doc, read.rule, as_of=as_of, max_age_days=max_age_days)
                problems += duplicate_id(doc, seen)
                if read.overlay is not None:
                    problems = [inherited(p, read.overlay) for p in problems]
            result.problems += sorted(fill_in_first(_unique(problems)), key=lambda p: (p.line or 0, p.col or 0))
            if read.rule is not None and doc is not None:
                bases[read.rule.key] = doc
    return result


def _extends(path: Path) -> bool:
    """Whether a rule file looks like an overlay, read cheaply (the check reads it properly)."""
    from marenew.load.overlay import EXTENDS

    try:
        with path.open(encoding="utf-8", errors="replace") as fh:
            return any(line.startswith(f"{EXTENDS}:") for line in fh)
    except OSError:
        return False


def builtin_documents() -> dict[str, Document]:
    """The built-in rules' documents by upper-case id: what an overlay may extend."""
    try:
        return dict(load_rules().documents)
    except InputError:  # a broken built-in is reported where it is checked
        return {}
