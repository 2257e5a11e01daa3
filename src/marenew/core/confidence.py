"""How sure a figure is, and how sure a result built from several figures is.

Kept apart from the models (no pydantic here): the rules' runtime form, the results and the
reports all need it, and a run with its rules from the cache should not import a model to get it.
"""

from __future__ import annotations

from typing import Literal

# official: the certifying body's own page; secondary: a school, a government site, a reference
# work; unconfirmed: only an article or a blog, or sources that disagree; unknown: not published.
Confidence = Literal["official", "secondary", "unconfirmed", "unknown"]
CONFIDENCE_LEVELS: tuple[Confidence, ...] = ("official", "secondary", "unconfirmed", "unknown")
CONFIDENCE_RANK = {level: len(CONFIDENCE_LEVELS) - 1 - i for i, level in enumerate(CONFIDENCE_LEVELS)}


# The answers so far, by the confidences asked about: a roster asks the same few combinations for
# every credential. Bounded: there are few, but a caller could ask about anything.
_WEAKEST: dict[tuple[Confidence | None, ...], Confidence] = {}


def weakest(*confidences: Confidence | None) -> Confidence:
    """The least sure of several confidences: a result is only as sure as its weakest figure."""
    known = _WEAKEST.get(confidences)
    if known is not None:
        return known
    present = [c for c in confidences if c is not None]
    least: Confidence = min(present, key=CONFIDENCE_RANK.__getitem__) if present else "unknown"
    if len(_WEAKEST) < 1024:
        _WEAKEST[confidences] = least
    return least
