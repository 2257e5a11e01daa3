"""Overlays: a rule file that says ``extends: CMA`` and gives only the figures it changes.

The rest comes from the rule it extends (the built-in one, or one from an earlier ``--rules``
folder), so a later correction of that rule still arrives. The merge works on the raw documents,
before validation, so the merged rule is checked exactly like a whole rule file:

- mappings merge key by key; anything else (a list, a text, a number) replaces what it overlays;
- a figure given with one ``value`` replaces the figure; a figure given with dated ``values`` adds
  to (or replaces, date by date) the figure's dated values. An undated figure in the rule extended
  stays in force until the overlay's first date.

Every node of the merged document keeps its position in the overlay when the overlay wrote it;
a node that comes from the rule extended points at the overlay's ``extends:`` line, so every
problem is reported in the file the user can change. Pure: no I/O.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from marenew.load.problems import Problem, key_path
from marenew.load.yamlfile import Document

EXTENDS = "extends"
# The effective date given to an undated figure that an overlay dates: in force since always.
SINCE_ALWAYS = dt.date.min
# A mapping with one of these keys is a figure ({value, source, confidence} or dated `values`).
_FIGURE_KEYS = ("value", "values")


def is_overlay(data: Any) -> bool:
    return isinstance(data, dict) and EXTENDS in data


def _is_figure(node: Any) -> bool:
    return isinstance(node, dict) and any(k in node for k in _FIGURE_KEYS)


@dataclass
class Overlay:
    """What an overlay changed: the file, the file of the rule it extends, and the key paths (in
    the merged rule) of every node it gave (a dated entry: ``path + ("values", date)``)."""

    file: str
    base_file: str
    extends: str
    paths: set[tuple] = field(default_factory=set)
    anchor: tuple[int | None, int | None] = (None, None)  # the overlay's `extends:` line and column

    def covers(self, path: tuple) -> bool:
        """Whether the node at ``path`` (a figure), or any part of it, comes from the overlay."""
        path = tuple(path)
        return any(p[: len(path)] == path or path[: len(p)] == p for p in self.paths)

    def gave(self, path: tuple) -> bool:
        """Whether the node at ``path`` itself, or a node around it, comes from the overlay."""
        path = tuple(path)
        return any(path[: len(p)] == p for p in self.paths)


def merge(base: Any, overlay: Any, path: tuple = (), given: set[tuple] | None = None) -> tuple[Any, set[tuple]]:
    """``overlay`` laid over ``base``; returns the merged data and the paths the overlay gave."""
    given = set() if given is None else given
    if isinstance(base, dict) and isinstance(overlay, dict):
        if _is_figure(overlay) or _is_figure(base):
            return _merge_figure(base, overlay, path, given), given
        out = dict(base)
        for key, value in overlay.items():
            if key in base:
                out[key], _ = merge(base[key], value, path + (key,), given)
            else:
                out[key] = value
                given.add(path + (key,))
        return out, given
    given.add(path)
    return overlay, given


def _merge_figure(base: dict, overlay: dict, path: tuple, given: set[tuple]) -> dict:
    dated = overlay.get("values")
    if not (_is_figure(base) and isinstance(dated, dict) and dated):
        given.add(path)  # one value, or a figure where there was none: it replaces the figure
        return overlay
    if isinstance(base.get("values"), dict):
        history = dict(base["values"])
        rest = {k: v for k, v in base.items() if k != "values"}
    else:  # an undated figure: its entry (note and all) stays in force until the overlay's first date
        history = {SINCE_ALWAYS: dict(base)}
        rest = {}
    for day, entry in dated.items():
        history[day] = entry
        given.add(path + ("values", day))
    rest.update({k: v for k, v in overlay.items() if k != "values"})
    given.update(path + (k,) for k in overlay if k != "values")
    return {**rest, "values": dict(sorted(history.items(), key=lambda item: _sort_key(item[0])))}


def _sort_key(day: Any) -> tuple:
    # a key that is not a date (a typo the schema reports) sorts last, as written
    return (0, day, "") if isinstance(day, dt.date) else (1, dt.date.max, str(day))


def _walk(data: Any, path: tuple = ()):
    yield path
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _walk(value, path + (key,))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from _walk(value, path + (i,))


def overlay_document(base: Document, overlay: Document) -> tuple[Document, Overlay, list[Problem]]:
    """The rule ``overlay`` describes, as one document to validate, what it changed, and the
    problems of the overlay as such (an `id` other than the one extended, nothing changed)."""
    top = overlay.data
    extends = str(top[EXTENDS])
    problems: list[Problem] = []
    base_id = base.data.get("id") if isinstance(base.data, dict) else None
    if "id" in top and str(top["id"]).upper() != str(base_id).upper():
        line, col = overlay.locate(("id",))
        problems.append(
            Problem(
                overlay.source,
                line,
                col,
                f"an overlay keeps the id of the rule it extends (`{base_id}`); for a new "
                "certification write a whole rule file without `extends`",
                key="id",
            )
        )
    layer = {k: v for k, v in top.items() if k not in (EXTENDS, "id")}
    data, given = merge(base.data, layer)
    anchor = overlay.locate((EXTENDS,))
    info = Overlay(overlay.source, base.source, extends, given, anchor)
    if data == base.data:
        problems.append(
            Problem(
                overlay.source,
                *anchor,
                f"this overlay changes nothing in `{base_id}`: give the figures it changes, or delete the file",
                key=EXTENDS,
            )
        )
    merged = Document(
        source=overlay.source,
        data=data,
        problems=list(overlay.problems),
        flagged=set(overlay.flagged),
        flagged_nodes=set(overlay.flagged_nodes),
    )
    for node in _walk(data):
        if node in overlay.marks:  # written in the overlay (a value, or a mapping around one)
            merged.marks[node] = overlay.marks[node]
            if node in overlay.key_marks:
                merged.key_marks[node] = overlay.key_marks[node]
            if node in overlay.scalars:
                merged.scalars[node] = overlay.scalars[node]
        elif anchor[0] is not None:  # from the rule extended: reported at `extends:`
            merged.marks[node] = (anchor[0], anchor[1] or 1)
            if node in base.scalars:
                merged.scalars[node] = base.scalars[node]
    return merged, info, problems


def inherited(problem: Problem, info: Overlay) -> Problem:
    """A problem at a node the overlay did not give says so (it sits at the `extends:` line)."""
    if problem.key is None or problem.key == EXTENDS or (problem.line, problem.col) != info.anchor:
        return problem
    return Problem(
        problem.file,
        problem.line,
        problem.col,
        f"{problem.message} (a figure of `{info.extends}` in {info.base_file}, as this overlay leaves it)",
        problem.level,
        problem.key,
    )


def given_keys(info: Overlay) -> list[str]:
    """The overlay's paths as key paths, sorted (for messages and `rules diff`)."""
    return sorted(key_path(p) for p in info.paths)
