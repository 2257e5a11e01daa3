"""The library entry point, used from Python as the docs show."""

from __future__ import annotations

import datetime as dt

import marenew
from helpers import EXAMPLES
from marenew import api


def test_judge_reads_a_file_and_returns_the_report_with_its_warnings():
    rules = marenew.load_rules()
    judged = marenew.judge(EXAMPLES / "cma-on-track.yaml", rules, dt.date(2026, 11, 29))
    assert [c.cert for c in judged.report.credentials] == ["CMA"]
    assert judged.report.as_of == dt.date(2026, 11, 29)
    assert judged.report.warnings == tuple(str(p) for p in judged.warnings)
    plan = marenew.plan_for(judged)
    assert [p.result.cert for p in plan.plans] == ["CMA"]


def test_rules_are_read_once_per_process_until_a_file_changes(tmp_path):
    folder = tmp_path / "rules"
    folder.mkdir()
    before = api.load_rules([folder])
    assert api.load_rules([folder]) is before
    key, source = next(iter(api.load_rules().origin.items()))
    (folder / source.name).write_bytes(source.read_bytes())
    after = api.load_rules([folder])
    assert after is not before and after.origin[key] == folder / source.name


def test_price_list_for_chosen_certs():
    rules = api.load_rules()
    some = sorted(rules.rules)[:2]
    prices = api.price_list(rules, dt.date(2026, 11, 29), member=True, certs=some)
    assert [p.rule.key for p in prices] == some
