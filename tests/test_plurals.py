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


def _commands():
    """(what, arguments): the commands are run by the test, not while the tests are collected."""
    one = EXAMPLES / "cma-short.yaml"  # one credential, one college credit
    yield "status", ("status", one, "--as-of", AS_OF, "--explain")
    yield "plan", ("plan", one, "--as-of", AS_OF)
    yield "calendar", ("calendar", one, "--as-of", AS_OF, "--alarm", "1")
    yield "rules check", ("rules", "check", EXAMPLES.parent / "rules" / "cma.yaml", "--as-of", AS_OF)
    for path in sorted(EXAMPLES.glob("*.yaml")):
        yield f"status {path.name}", ("status", path, "--as-of", "2027-03-01", "--explain")


@pytest.mark.parametrize(("what", "args"), list(_commands()), ids=lambda x: x if isinstance(x, str) else "")
def test_outputs_count_in_words(what, args):
    result = cli(*args)
    text = result.stdout + result.stderr
    assert "(s)" not in text, what
    assert not SINGULAR_AS_PLURAL.search(text), (what, SINGULAR_AS_PLURAL.search(text))
