"""marenew: where each of a medical assistant's certifications stands.

The library's entry points live in ``marenew.api`` and are importable from here too
(``from marenew import judge, load_rules``); they load on first use, so importing the package
for its version or its command line stays quick.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"
__all__ = ["judge", "load_rules", "plan_for", "price_list", "__version__"]


def __getattr__(name: str) -> Any:
    if name in ("judge", "load_rules", "plan_for", "price_list", "Judgement"):
        from marenew import api

        return getattr(api, name)
    raise AttributeError(f"module 'marenew' has no attribute {name!r}")
