"""What every model shares: the strict base, and how sure a figure is."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from marenew.core.confidence import CONFIDENCE_LEVELS, CONFIDENCE_RANK, Confidence, weakest

__all__ = ["CONFIDENCE_LEVELS", "CONFIDENCE_RANK", "Confidence", "Strict", "weakest"]


class Strict(BaseModel):
    # Unknown keys are errors: a misspelt key must never be silently ignored.
    # defer_build: a model's validator is built when it first validates, so a model that a run
    # does not validate (the rule schema on a run with cached rules) costs no schema building.
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, defer_build=True)
