"""Rule folders in, a RuleSet out, every problem located.

Built-in rules ship inside the package (``marenew/data/rules`` in the wheel; the repo's top-level
``rules/`` in a source checkout). ``--rules DIR`` and ``MARENEW_RULES`` add folders whose rule
files add to, or replace by id, the built-in ones.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from marenew.core.rule import Rule
from marenew.load.files import yaml_files
from marenew.load.locate import in_order, validate
from marenew.load.problems import InputError, Problem
from marenew.load.rulecheck import (
    DEFAULT_MAX_AGE_DAYS,
    CheckResult,
    _unique,
    check_document,
    duplicate_id,
    source_keys,
)
from marenew.load.yamlfile import Document, load_file


def builtin_rules_dir() -> Path:
    package = Path(__file__).resolve().parent.parent
    packaged = package / "data" / "rules"
    if packaged.is_dir():
        return packaged
    return package.parent.parent / "rules"  # source checkout: src/marenew -> repo root


def rule_files(folder: Path) -> list[Path]:
    """Rule files are the YAML files directly in a folder (worked cases live in ``cases/``)."""
    return yaml_files(folder)


@dataclass
class RuleSet:
    """Rules by upper-case id, with the file each came from."""

    rules: dict[str, Rule] = field(default_factory=dict)
    origin: dict[str, Path] = field(default_factory=dict)
    documents: dict[str, Document] = field(default_factory=dict)

    def __contains__(self, cert: str) -> bool:
        return cert.upper() in self.rules

    def get(self, cert: str) -> Rule | None:
        return self.rules.get(cert.upper())

    def ids(self) -> list[str]:
        return [r.id for r in self.rules.values()]

    def bodies(self) -> set[str]:
        return {r.body.upper() for r in self.rules.values()}


def load_rule_file(path: Path) -> tuple[Rule | None, Document | None, list[Problem]]:
    """One rule file: the rule, or its problems (never raises for bad content)."""
    try:
        doc = load_file(path, allow_aliases=True, partial=True)
    except InputError as exc:
        return None, None, exc.problems
    rule, problems = validate(Rule, doc)
    if rule is not None:
        problems = in_order(problems + source_keys(rule.figures(), rule.sources, doc, rule.notes))
        if any(p.level == "error" for p in problems):
            rule = None
    return rule, doc, problems


def load_rules(extra_dirs: Sequence[Path] = (), *, builtin: bool = True) -> RuleSet:
    """Built-in rules, then each extra folder in order (later ones replace earlier by id).
    Raises InputError with every problem of every file if any file is broken."""
    folders = ([builtin_rules_dir()] if builtin else []) + list(extra_dirs)
    ruleset = RuleSet()
    problems: list[Problem] = []
    for folder in folders:
        if not folder.is_dir():
            problems.append(Problem(str(folder), None, None, "rules folder not found"))
            continue
        seen: dict[str, tuple[str, int | None]] = {}
        for path in rule_files(folder):
            rule, doc, found = load_rule_file(path)
            if doc is not None:
                # the errors `rules check` reports (a null cycle length, a negative total) would
                # otherwise crash or mislead a status; its warnings (a stale date) do not block
                found = in_order(found + check_document(doc, rule) + duplicate_id(doc, seen))
                if any(p.level == "error" for p in found):
                    rule = None
            problems += found
            if rule is not None and doc is not None:
                ruleset.rules[rule.key] = rule
                ruleset.origin[rule.key] = path
                ruleset.documents[rule.key] = doc
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
    max_age_days: int = DEFAULT_MAX_AGE_DAYS,
) -> CheckResult:
    """Check every rule file. ``groups`` are sets of files in which an id must be unique: the
    PATHs given together form one group; without PATHs each rules folder is its own group, since a
    `--rules` folder replacing a built-in rule by id is what `--rules` is for."""
    result = CheckResult()
    for group in groups:
        seen: dict[str, tuple[str, int | None]] = {}
        for path in group:
            source = str(path)
            result.files.append(source)
            rule, doc, problems = load_rule_file(path)
            if doc is not None:
                problems = problems + check_document(doc, rule, as_of=as_of, max_age_days=max_age_days)
                problems += duplicate_id(doc, seen)
            result.problems += sorted(_unique(problems), key=lambda p: (p.line or 0, p.col or 0))
    return result


