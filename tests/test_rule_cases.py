"""Every worked case in rules/cases/ runs as its own test, named `file::case name`.

The same cases `marenew rules test` runs: a failing case names its file, its case and each field
that differs (expected X, got Y). Expected values are worked out by hand in the case files.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from marenew.load.problems import InputError
from marenew.ruletools.cases import case_files, load_case_file, run_case

pytestmark = pytest.mark.shipped_rules  # the shipped cases against the shipped rules

CASES_DIR = Path(__file__).resolve().parent.parent / "rules" / "cases"


def _collect() -> list:
    params = []
    for path in case_files([CASES_DIR]):
        try:
            loaded = load_case_file(path, source=f"rules/cases/{path.name}")
        except InputError as exc:
            # a broken case file is a failing test, not a collection error that hides the others
            params.append(pytest.param(None, exc, id=f"{path.name}::(file)"))
            continue
        params += [pytest.param(case, None, id=f"{path.name}::{case.name}") for case in loaded]
    return params


CASES = _collect()


@pytest.mark.parametrize(("case", "broken"), CASES)
def test_rule_case(case, broken, shipped_ruleset):
    if broken is not None:
        pytest.fail("broken case file:\n" + "\n".join(str(p) for p in broken.problems), pytrace=False)
    result = run_case(case, shipped_ruleset)
    assert result.passed, "\n" + "\n".join(result.lines())


def test_every_certification_has_at_least_eight_cases(ruleset):
    # every built-in certification has at least eight worked cases, so each rule is pinned down
    counts = {cert: 0 for cert in ruleset.rules}
    for param in CASES:
        case = param.values[0]
        if case is not None:
            for cert in case.case.expect:
                counts[cert.upper()] += 1
    assert counts and all(n >= 8 for n in counts.values()), counts
