"""The rule-data page: every figure of every rule, with its value, source, confidence and the day
it was last verified, written from the rule files themselves so that the page cannot drift.

``rule_data_markdown`` is pure (rules in, Markdown out). Run as a module it reads a rules folder
and writes the section between the markers of ``docs/rule-data.md``::

    python -m marenew.ruletools.datatable            # rewrite the section from rules/
    python -m marenew.ruletools.datatable --check    # exit 1 when the page differs from the files

``tests/test_rule_data_page.py`` runs the check, so a rule edited without the page fails the tests.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from marenew.core.results import num
from marenew.core.rule import Entry, Figure, Rule
from marenew.core.words import money
from marenew.load.problems import key_path

BEGIN = "<!-- rule-data: written by `python -m marenew.ruletools.datatable`; edit the rule files, not this table -->"
END = "<!-- end of rule-data -->"
# Figures whose value is an amount of money: the fees and the recurring amounts.
_MONEY_PARTS = ("fee", "amount")


def _is_money(path: tuple) -> bool:
    return any(part in _MONEY_PARTS for part in path if isinstance(part, str))


def _value(value: Any, money_figure: bool) -> str:
    if value is None:
        return "unknown"
    if isinstance(value, dt.date):
        return value.isoformat()
    if money_figure and isinstance(value, (int, float)):
        return money(value)
    if isinstance(value, float):
        value = num(value)
        return format(value, "g")
    return str(value)


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return text.replace("|", "\\|").replace("\n", " ")


def _source(rule: Rule, key: str | None) -> str:
    if key is None:
        return "none"
    src = rule.sources.get(key)
    if src is None:
        return _cell(key)
    if src.url:
        return f"[{_cell(src.title)}]({src.url})"
    return f"{_cell(src.title)} ({src.kind}, no address)"


def _rows(rule: Rule, path: tuple, figure: Figure) -> list[str]:
    money_figure = _is_money(path)
    name = key_path(path)
    out = []
    for since, entry in figure.entries():
        label = f"`{name}`" + (f" from {since}" if since is not None else "")
        out.append(_row(rule, label, entry, money_figure))
        for conflict in entry.conflicts:
            note = f" ({conflict.note})" if conflict.note else ""
            out.append(
                f"| {label}: also published | {_value(conflict.value, money_figure)}{_cell(note)} | "
                f"not used | {_source(rule, conflict.source)} | |"
            )
    return out


def _row(rule: Rule, label: str, entry: Entry, money_figure: bool) -> str:
    verified = (entry.last_verified or rule.last_verified).isoformat()
    note = f" ({entry.note})" if entry.note else ""
    return (
        f"| {label} | {_value(entry.value, money_figure)}{_cell(note)} | {entry.confidence} | "
        f"{_source(rule, entry.source)} | {verified} |"
    )


def rule_section(rule: Rule) -> list[str]:
    """One rule: a heading, its figures in file order, and its notes with the sources they cite."""
    out = [
        f"### {rule.id} ({rule.body}): {_cell(rule.name)}",
        "",
        f"{_cell(rule.body_name)}. Figures last verified {rule.last_verified} unless the row says otherwise.",
        "",
        "| figure | value | confidence | source | last verified |",
        "|---|---|---|---|---|",
    ]
    for path, figure in rule.figures():
        out += _rows(rule, path, figure)
    if rule.cycle.expiry_from_card:
        out += ["", "The expiry cannot be worked out: each credential gives the date printed on it (`expires_on`)."]
    notes = rule.note_items()
    if notes:
        out += ["", "Notes:", ""]
        for note in notes:
            cited = "; ".join(_source(rule, key) for key in note.sources)
            out.append(f"- {_cell(note.text)}" + (f" Sources: {cited}." if cited else ""))
    return out + [""]


def rule_data_markdown(rules: Sequence[Rule]) -> str:
    """The generated section: a summary line, then one table per rule, by id."""
    ordered = sorted(rules, key=lambda r: r.key)
    lines = [
        BEGIN,
        "",
        f"{len(ordered)} certifications: " + ", ".join(f"[{r.id}](#{_anchor(r)})" for r in ordered) + ".",
        "A value marked *also published* is another figure a source gives; marenew shows it beside the "
        "value it uses and never uses it.",
        "",
    ]
    for rule in ordered:
        lines += rule_section(rule)
    lines.append(END)
    return "\n".join(lines) + "\n"


def _anchor(rule: Rule) -> str:
    """The id MkDocs gives the rule's heading (lower case, words joined by hyphens)."""
    text = f"{rule.id} ({rule.body}): {rule.name}".lower()
    kept = "".join(ch if ch.isalnum() or ch in " -_" else "" for ch in text)
    return "-".join(kept.split())


def replace_section(page: str, section: str) -> str:
    """``page`` with the generated section replaced (or added at the end when it has none)."""
    if BEGIN in page and END in page:
        head, rest = page.split(BEGIN, 1)
        _, tail = rest.split(END, 1)
        return head + section.rstrip("\n") + tail
    return page.rstrip("\n") + "\n\n" + section


def main(argv: Sequence[str] | None = None) -> int:
    from marenew.load.problems import InputError
    from marenew.load.rules import builtin_rules_dir, load_rules

    repo = Path(__file__).resolve().parents[3]
    parser = argparse.ArgumentParser(prog="python -m marenew.ruletools.datatable", description=__doc__.split("\n")[0])
    parser.add_argument("rules", nargs="?", type=Path, default=builtin_rules_dir(), help="the rules folder")
    parser.add_argument("--page", type=Path, default=repo / "docs" / "rule-data.md", help="the page to write")
    parser.add_argument("--check", action="store_true", help="only compare; exit 1 when the page is stale")
    args = parser.parse_args(argv)
    try:
        rules = load_rules([args.rules], builtin=False).rules.values()
    except InputError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return 2
    page = args.page.read_text(encoding="utf-8") if args.page.exists() else "# Rule data\n"
    fresh = replace_section(page, rule_data_markdown(list(rules)))
    if args.check:
        if fresh != page:
            print(
                f"{args.page} differs from the rule files: run python -m marenew.ruletools.datatable", file=sys.stderr
            )
            return 1
        return 0
    if fresh != page:
        args.page.write_text(fresh, encoding="utf-8")
        print(f"updated {args.page}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
