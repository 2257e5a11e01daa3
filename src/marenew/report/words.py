"""Moved to marenew.core.words (any layer may use plain words); kept while branches land."""

from marenew.core.words import *  # noqa: F403
