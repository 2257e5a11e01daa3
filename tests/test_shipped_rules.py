"""A smoke test of the rules marenew ships: every rule file loads, passes `rules check`, and judges
every example. The shipped figures themselves are checked by their worked cases (rules/cases/,
tests/test_rule_cases.py) and shown in docs/rule-data.md (tests/test_rule_data_page.py); every
other test judges by the frozen copy in tests/fixtures/rules/."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers import AS_OF, EXAMPLES, FROZEN_RULES, RULES_DIR, cli
from marenew.cli.exitcodes import ExitCode

pytestmark = pytest.mark.shipped_rules


def test_every_shipped_rule_file_loads(shipped_ruleset):
    assert sorted(p.name for p in shipped_ruleset.origin.values()) == sorted(p.name for p in RULES_DIR.glob("*.yaml"))


def test_the_shipped_rules_pass_rules_check():
    result = cli("rules", "check", "--as-of", AS_OF, "--format", "json")
    assert result.exit_code == ExitCode.OK, result.output
    report = json.loads(result.stdout)
    files = [Path(f) for f in report["files"]]
    assert sorted(f.name for f in files) == sorted(p.name for p in RULES_DIR.glob("*.yaml"))
    # the rules as shipped: rules/ in a checkout, marenew/data/rules once installed
    assert not [f for f in files if f.parent == FROZEN_RULES]


@pytest.mark.parametrize("example", sorted(EXAMPLES.glob("*.yaml")), ids=lambda p: p.name)
def test_every_example_is_judged_by_the_shipped_rules(example):
    result = cli("status", example, "--as-of", AS_OF, "--json")
    assert result.exit_code in (ExitCode.OK, ExitCode.ATTENTION), result.stderr
    assert json.loads(result.stdout)
