"""What every model shares: the strict base, and how sure a figure is."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

# official: the certifying body's own page; secondary: a school, a government site, a reference
# work; unconfirmed: only an article or a blog, or sources that disagree; unknown: not published.
Confidence = Literal["official", "secondary", "unconfirmed", "unknown"]
CONFIDENCE_LEVELS: tuple[Confidence, ...] = ("official", "secondary", "unconfirmed", "unknown")
CONFIDENCE_RANK = {level: len(CONFIDENCE_LEVELS) - 1 - i for i, level in enumerate(CONFIDENCE_LEVELS)}


def weakest(*confidences: Confidence | None) -> Confidence:
    """The least sure of several confidences: a result is only as sure as its weakest figure."""
    present = [c for c in confidences if c is not None]
    return min(present, key=CONFIDENCE_RANK.__getitem__) if present else "unknown"


class Strict(BaseModel):
    # Unknown keys are errors: a misspelt key must never be silently ignored.
    # defer_build: a model's validator is built when it first validates, so the rule models, which
    # come from the rule cache on most runs, cost no schema building at start-up.
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, defer_build=True)
