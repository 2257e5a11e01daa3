"""A rich Console that shows control characters in file text as escapes (``safe.safe_text``).

Kept apart from ``safe`` so that only output drawn with rich imports rich.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rich.console import Console
from rich.segment import Segment

from marenew.report.safe import is_safe, safe_text


class SafeConsole(Console):
    """A rich Console that escapes control characters in everything it prints: in strings before
    they are measured (``render_str``), and in every text segment it renders (a ``Text`` built by
    a renderer). Rich's own styling travels in control segments and in styles, never in text."""

    def render_str(self, text: str, **kwargs: Any) -> Any:
        return super().render_str(safe_text(text), **kwargs)

    def render(self, renderable: Any, options: Any = None) -> Iterable[Segment]:
        for segment in super().render(renderable, options):
            if segment.control is None and not is_safe(segment.text):
                yield Segment(safe_text(segment.text), segment.style)
            else:
                yield segment
