"""Names a credit may give for a body or a content area, matched as people write them.

``AAMA-approved``, ``AAMA approved`` and ``aama_approved`` are one name: case, spaces and
punctuation are ignored. A rule lists the other names it accepts (``approved_aliases``, a content
area's ``aliases``); a value that matches none of them is reported with the nearest known name.
"""

from __future__ import annotations

import difflib
import functools
import re
from dataclasses import dataclass, field

from marenew.core.record import Record
from marenew.core.rule import CE

_NOT_ALNUM = re.compile(r"[^0-9a-z]+")
# How alike a value and a known name must be (difflib ratio of the folded forms) to be offered
# as "did you mean": `aamaaproved` and `aamaapproved` are 0.96 alike; `accme` and `aama` 0.44.
NEAR = 0.75
# Content areas are few and short (`admn`, `clincal`): a looser match still names the right one.
AREA_NEAR = 0.6
_NEAR_KEPT = 4096  # answers kept per rule


@functools.lru_cache(maxsize=4096)
def fold(text: str) -> str:
    """The form names are compared in: lower case, letters and digits only. (Cached: a roster
    folds the same few body and area names for every credit.)"""
    return _NOT_ALNUM.sub("", text.casefold())


@dataclass(frozen=True, repr=False, eq=False)
class Names(Record):
    """Every accepted name of a rule's approving bodies and content areas, folded."""

    bodies: dict[str, str]  # folded name -> body as `approved_by` gives it
    areas: dict[str, str]  # folded name -> content-area key

    def body(self, value: str) -> str | None:
        return self.bodies.get(fold(value))

    # each value written as a credit's content area so far that names one: its key (see ``area``)
    written_areas: dict[str, str] = field(default_factory=dict, compare=False, repr=False)

    def area(self, value: str) -> str | None:
        """The content area ``value`` names, or None. Kept per value that names one: a roster
        writes the same few areas on every credit."""
        found = self.written_areas.get(value)
        if found is None:
            found = self.areas.get(fold(value))
            if found is not None and len(self.written_areas) < _NEAR_KEPT:
                self.written_areas[value] = found
        return found

    # the answers of near_body and near_area so far (difflib is slow; a roster asks about the
    # same few names for every credit)
    _near: dict[tuple[str, str], str | None] = field(default_factory=dict, compare=False, repr=False)

    def near_body(self, value: str) -> str | None:
        """The body ``value`` most likely means, when it looks like one (a typo, or the name with
        words around it: `approved by AAMA`); None when it looks like another body altogether."""
        return self._nearest("body", value, self.bodies, NEAR)

    def near_area(self, value: str) -> str | None:
        """The content area ``value`` most likely means, or None."""
        return self._nearest("area", value, self.areas, AREA_NEAR)

    # each value written as a credit's approver so far: whether it names one of the bodies, else
    # the body it most likely means (see ``approver``)
    approvers: dict[str, tuple[bool, str | None]] = field(default_factory=dict, compare=False, repr=False)

    def approver(self, value: str) -> tuple[bool, str | None]:
        """Whether ``value`` names one of the bodies; if not, the body it most likely means (or
        None). Kept per value: a roster writes the same few approvers on every credit."""
        found = self.approvers.get(value)
        if found is None:
            found = (True, None) if self.body(value) is not None else (False, self.near_body(value))
            if len(self.approvers) < _NEAR_KEPT:
                self.approvers[value] = found
        return found

    def _nearest(self, kind: str, value: str, known: dict[str, str], cutoff: float) -> str | None:
        key = (kind, value)
        if key in self._near:
            return self._near[key]
        found = nearest(fold(value), known, cutoff, contains=True)
        if len(self._near) < _NEAR_KEPT:
            self._near[key] = found
        return found


def nearest(folded: str, known: dict[str, str], cutoff: float, *, contains: bool) -> str | None:
    if not folded or not known:
        return None
    if contains:
        # the longest known name inside the value: "approvedbyaama" holds "aama"
        inside = sorted((k for k in known if len(k) >= 3 and k in folded), key=len, reverse=True)
        if inside:
            return known[inside[0]]
    best = difflib.get_close_matches(folded, list(known), n=1, cutoff=cutoff)
    return known[best[0]] if best else None


_CACHE: dict[int, tuple[CE, Names]] = {}


def names_of(ce: CE) -> Names:
    """The names of ``ce``, built once per rule (a roster asks for them per credit)."""
    hit = _CACHE.get(id(ce))
    if hit is not None and hit[0] is ce:
        return hit[1]
    bodies: dict[str, str] = {}
    for body in ce.approved_by:
        for name in (body, *ce.approved_aliases.get(body, ())):
            bodies.setdefault(fold(name), body)
    areas: dict[str, str] = {}
    for key, category in ce.categories.items():
        for name in (key, category.label, *category.aliases):
            areas.setdefault(fold(name), key)
    names = Names(bodies, areas)
    _CACHE[id(ce)] = (ce, names)
    return names
