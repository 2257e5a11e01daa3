"""docs/rule-data.md lists every figure of the shipped rules from the files themselves: the
committed page must equal a fresh generation, and a changed figure must show up in it."""

from __future__ import annotations

import shutil

import pytest

from helpers import REPO, RULES_DIR
from marenew.load.rules import load_rules
from marenew.ruletools import datatable

PAGE = REPO / "docs" / "rule-data.md"

pytestmark = pytest.mark.shipped_rules  # the page shows the shipped figures


def test_the_committed_page_is_what_the_rule_files_say():
    page = PAGE.read_text(encoding="utf-8")
    fresh = datatable.replace_section(
        page, datatable.rule_data_markdown(list(load_rules([RULES_DIR], builtin=False).rules.values()))
    )
    assert page == fresh, "docs/rule-data.md is stale: run python -m marenew.ruletools.datatable"
    # paths given: an installed (not editable) package cannot find the repository by itself
    assert datatable.main(["--check", "--page", str(PAGE), str(RULES_DIR)]) == 0


def test_every_rule_and_every_figure_has_a_row_with_its_source():
    rules = load_rules([RULES_DIR], builtin=False).rules
    text = datatable.rule_data_markdown(list(rules.values()))
    for rule in rules.values():
        assert f"### {rule.id} ({rule.body}): {rule.name}" in text
        for path, _ in rule.figures():
            name = datatable.key_path(path)
            assert f"| `{name}`" in text, (rule.id, name)
    # a source known only by its title says so
    assert "| Renew Your Medical Assistant Certification (article, no address) |" in text
    # every recorded conflict has a row, marked as not used
    conflicts = sum(len(e.conflicts) for r in rules.values() for _, f in r.figures() for _, e in f.entries())
    assert conflicts and text.count(": also published | ") == conflicts
    assert text.count(" | not used | ") == conflicts


def test_a_changed_figure_makes_the_check_fail(tmp_path, capsys):
    rules = tmp_path / "rules"
    shutil.copytree(RULES_DIR, rules)
    page = tmp_path / "rule-data.md"
    assert datatable.main([str(rules), "--page", str(page)]) == 0  # written from the copy
    assert datatable.main([str(rules), "--page", str(page), "--check"]) == 0
    cma = rules / "cma.yaml"
    text = cma.read_text(encoding="utf-8")
    assert text.count("member: {value: 125,") == 1
    cma.write_text(text.replace("member: {value: 125,", "member: {value: 135,"), encoding="utf-8")
    assert datatable.main([str(rules), "--page", str(page), "--check"]) == 1
    assert "differs from the rule files" in capsys.readouterr().err
    assert datatable.main([str(rules), "--page", str(page)]) == 0
    assert "| `paths.exam.fee.member` | $135 | official |" in page.read_text(encoding="utf-8")
