"""`marenew rules diff`: what a folder of rules changes against the built-in ones, figure by
figure (value, source, confidence), and any other field that differs. The way to review an
upgrade of marenew: after it, the same command shows what your folder still changes.

Pure: two rule sets in, plain rows out, sorted so that the same folders always give the same
output (the JSON is described by docs/rules-diff.schema.json).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from marenew.core.results import num
from marenew.core.rule import Figure, Rule, as_json
from marenew.load.overlay import SINCE_ALWAYS
from marenew.load.problems import key_path


@dataclass(frozen=True)
class Change:
    figure: str  # key path: paths.ce.fee.member
    since: str | None  # the effective date of a dated value; None: undated, or since always
    change: str  # added, removed, changed
    before: dict | None  # {value, source, source_title, confidence}, or a field's value
    after: dict | None

    def as_json(self) -> dict:
        return {
            "figure": self.figure,
            "since": self.since,
            "change": self.change,
            "before": self.before,
            "after": self.after,
        }

    def text(self) -> str:
        where = self.figure + (f" from {self.since}" if self.since else "")
        if self.change == "added":
            return f"{where}: added {_show(self.after)}"
        if self.change == "removed":
            return f"{where}: removed (was {_show(self.before)})"
        return f"{where}: {_show(self.before)} -> {_show(self.after)}"


@dataclass
class RuleDiff:
    cert: str
    file: str
    kind: str  # overlay, replaces (a whole file with a built-in's id), new (no built-in)
    changes: list[Change] = field(default_factory=list)

    def lines(self) -> list[str]:
        what = {
            "overlay": f"overlay of the built-in {self.cert}",
            "replaces": f"replaces the built-in {self.cert} whole",
            "new": "no built-in rule has this id",
        }[self.kind]
        count = len(self.changes)
        out = [f"{self.cert} ({self.file}): {what}; {count} change{'s' if count != 1 else ''}"]
        if self.kind == "replaces":
            out.append(
                f"  note: later corrections of the built-in {self.cert} do not arrive; an overlay "
                f"(`extends: {self.cert}` and only the figures it changes) keeps them"
            )
        return out + [f"  {c.text()}" for c in self.changes]

    def as_json(self) -> dict:
        return {"cert": self.cert, "file": self.file, "kind": self.kind, "changes": [c.as_json() for c in self.changes]}


def _show(info: dict | None) -> str:
    if info is None:
        return "nothing"
    if "confidence" not in info:  # a field that is not a figure
        return _value(info.get("value"))
    return f"{_value(info['value'])} ({info['confidence']}, {info['source'] or 'no source'})"


def _value(value: Any) -> str:
    if value is None:
        return "unknown"
    if isinstance(value, float):
        return format(value, "g")
    if isinstance(value, (list, dict)):
        import json

        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


def _entries(rule: Rule) -> dict[tuple[str, str | None], dict]:
    out = {}
    for path, fig in rule.figures():
        for since, entry in _dated(fig):
            source = rule.sources.get(entry.source) if entry.source else None
            value = num(entry.value) if isinstance(entry.value, float) else entry.value
            if isinstance(value, dt.date):
                value = value.isoformat()
            out[(key_path(path), since)] = {
                "value": value,
                "source": entry.source,
                "source_title": source.title if source else None,
                "confidence": entry.confidence,
            }
    return out


def _dated(fig: Figure) -> list[tuple[str | None, Any]]:
    return [
        (None if since is None or since == SINCE_ALWAYS else since.isoformat(), entry) for since, entry in fig.entries()
    ]


def _fields(rule: Rule) -> dict[str, Any]:
    """Every field that is not part of a figure, by key path (lists whole)."""
    figures = {key_path(p) for p, _ in rule.figures()}
    out: dict[str, Any] = {}

    def walk(node: Any, path: tuple) -> None:
        where = key_path(path)
        if where in figures or where == "sources":
            return
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, path + (str(k),))
        else:
            out[where] = node.isoformat() if isinstance(node, dt.date) else node

    walk(as_json(rule), ())
    return out


def diff_rule(mine: Rule, builtin: Rule | None, *, file: str, overlay: bool) -> RuleDiff:
    kind = "new" if builtin is None else "overlay" if overlay else "replaces"
    changes: list[Change] = []
    after = _entries(mine)
    before = _entries(builtin) if builtin is not None else {}
    for key in sorted(set(after) | set(before), key=lambda k: (k[0], k[1] or "")):
        old, new = before.get(key), after.get(key)
        if old == new:
            continue
        change = "added" if old is None else "removed" if new is None else "changed"
        changes.append(Change(key[0], key[1], change, old, new))
    if builtin is not None:
        old_fields, new_fields = _fields(builtin), _fields(mine)
        for name in sorted(set(old_fields) | set(new_fields)):
            a, b = old_fields.get(name), new_fields.get(name)
            if a != b:
                change = "added" if name not in old_fields else "removed" if name not in new_fields else "changed"
                changes.append(
                    Change(
                        name,
                        None,
                        change,
                        None if name not in old_fields else {"value": a},
                        None if name not in new_fields else {"value": b},
                    )
                )
    return RuleDiff(mine.id, file, kind, changes)
