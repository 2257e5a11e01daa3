"""One plural helper, used everywhere: "1 credential", "2 people", never "credential(s)"."""

from __future__ import annotations

import re

import pytest

from helpers import AS_OF, EXAMPLES, cli
from marenew.core.words import plural

SINGULAR_AS_PLURAL = re.compile(
    r"(?<![\d.,])1 (credentials|days|events|months|college credits|items|files|errors|warnings|people)\b"
)


def test_plural_helper():
    assert plural(1, "credential") == "1 credential"
    assert plural(0, "credential") == "0 credentials"
    assert plural(2, "person", "people") == "2 people"
    assert plural(1, "person", "people") == "1 person"
    assert plural(1.0, "college credit") == "1 college credit"
    assert plural(1.5, "college credit") == "1.5 college credits"
    assert plural(1_000_000, "row") == "1000000 rows"


def _outputs():
    one = EXAMPLES / "cma-short.yaml"  # one credential, one college credit
    yield "status", cli("status", one, "--as-of", AS_OF, "--explain")
    yield "plan", cli("plan", one, "--as-of", AS_OF)
    yield "calendar", cli("calendar", one, "--as-of", AS_OF, "--alarm", "1")
    yield "rules check", cli("rules", "check", EXAMPLES.parent / "rules" / "cma.yaml", "--as-of", AS_OF)
    for path in sorted(EXAMPLES.glob("*.yaml")):
        yield f"status {path.name}", cli("status", path, "--as-of", "2027-03-01", "--explain")


@pytest.mark.parametrize(("what", "result"), list(_outputs()), ids=lambda x: x if isinstance(x, str) else "")
def test_outputs_count_in_words(what, result):
    text = result.stdout + result.stderr
    assert "(s)" not in text, what
    assert not SINGULAR_AS_PLURAL.search(text), (what, SINGULAR_AS_PLURAL.search(text))
