"""`marenew rules test`: failures printed as `file: case 'name': field expected X, got Y`, the
summary line, exit codes 0/1/2, located errors in broken case files, and the other formats."""

from __future__ import annotations

import json
import re
import shutil
import typing

import pytest

from helpers import RULES_DIR, cli
from marenew.cli import app
from marenew.ruletools.cases import case_files, load_case_file

# One passing and one deliberately wrong case. A member lapsed on 2026-07-01 (the day after the
# late window that ends 2026-06-30) pays exam + reactivation 125 + 50 = 175.
RIGHT = """\
  - name: lapsed member
    as_of: 2026-07-01
    input:
      holder: Case
      memberships: [AAMA]
      credentials:
        - {cert: CMA, certified_on: 2021-03-15}
    expect:
      CMA:
        status: lapsed
        expires_on: 2026-03-31
        cost: {path: exam, amount: 175}
"""
WRONG = """\
  - name: wrong on purpose
    as_of: 2026-07-01
    input:
      holder: Case
      memberships: [AAMA]
      credentials:
        - {cert: CMA, certified_on: 2021-03-15}
    expect:
      CMA:
        status: grace
        points_needed: 60
        cost: {path: exam, amount: 125}
"""


def _builtin_case_count() -> int:
    return sum(len(load_case_file(p)) for p in case_files([RULES_DIR / "cases"]))


def invoke(runner, *args, env=None):
    return cli("rules", "test", *args, env=env)


@pytest.mark.shipped_rules  # the built-in cases
def test_builtin_cases_all_pass(runner):
    result = invoke(runner)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip().splitlines()[-1] == f"{_builtin_case_count()} passed, 0 failed"


def test_wrong_case_fails_with_file_case_field_expected_and_got(runner, write):
    path = write("cases.yaml", "cases:\n" + RIGHT + WRONG)
    result = invoke(runner, str(path))
    assert result.exit_code == 1
    lines = result.stdout.strip().splitlines()
    # one line per differing field, in the order written, at the expected value's line and column
    # (`status: grace` is line 23: line 1 `cases:`, 2-13 RIGHT, then WRONG's 10th line);
    # points_needed 60 is right (no CE at all)
    assert lines[:2] == [
        f"{path}:23:17: error: case 'wrong on purpose': CMA.status expected grace, got lapsed",
        f"{path}:25:36: error: case 'wrong on purpose': CMA.cost.amount expected 125, got 175",
    ]
    assert lines[-1] == "1 passed, 1 failed"


def test_a_folder_of_cases_and_a_rules_folder_with_cases(runner, tmp_path):
    cases = tmp_path / "myrules" / "cases"
    cases.mkdir(parents=True)
    (cases / "a.yaml").write_text(RIGHT.replace("\n  ", "\n").lstrip(" "))  # a top-level list
    (cases / "b.yaml").write_text("cases:\n" + WRONG)
    for target in (cases, tmp_path / "myrules"):  # the cases folder, or the rules folder above it
        result = invoke(runner, str(target))
        assert result.exit_code == 1, result.output
        assert result.stdout.strip().splitlines()[-1] == "1 passed, 1 failed"
        assert (
            f"{cases / 'b.yaml'}:11:17: error: case 'wrong on purpose': CMA.status expected grace, got lapsed"
            in result.stdout
        )


@pytest.mark.shipped_rules  # the built-in cases
def test_a_rules_folder_tests_its_own_rules(runner, tmp_path):
    # An employer's rule (a copy of the CMA under another id) with one case: the case can only
    # pass if the folder's rules are loaded.
    folder = tmp_path / "employer"
    (folder / "cases").mkdir(parents=True)
    text = (RULES_DIR / "cma.yaml").read_text().replace("id: CMA", "id: XCMA", 1)
    (folder / "xcma.yaml").write_text(text)
    (folder / "cases" / "xcma.yaml").write_text(
        "cases:\n" + RIGHT.replace("cert: CMA", "cert: XCMA").replace("      CMA:", "      XCMA:")
    )
    result = invoke(runner, str(folder))
    assert result.exit_code == 0, result.output
    assert result.stdout.strip().splitlines()[-1] == "1 passed, 0 failed"
    # no PATH: the built-in cases plus those of every --rules folder
    result = invoke(runner, "--rules", str(folder))
    assert result.exit_code == 0, result.output
    assert result.stdout.strip().splitlines()[-1] == f"{_builtin_case_count() + 1} passed, 0 failed"


def test_unknown_is_not_zero(runner, write):
    # RMA reinstatement has a fee whose amount is not published: expecting 0 must fail
    path = write(
        "rma.yaml",
        """\
- name: lapsed RMA
  as_of: 2026-05-02
  input:
    holder: Case
    credentials: [{cert: RMA, certified_on: 2023-05-01}]
  expect:
    RMA: {cost: {amount: 0}}
""",
    )
    result = invoke(runner, str(path))
    assert result.exit_code == 1
    assert f"{path}:7:26: error: case 'lapsed RMA': RMA.cost.amount expected 0, got null" in result.stdout


def test_empty_caps_means_none(runner, write):
    # the CMA always has its non-AAMA cap: `caps: {}` (none) must fail, not check nothing
    path = write(
        "c.yaml",
        """\
- name: caps
  as_of: 2026-01-01
  input: {holder: Case, credentials: [{cert: CMA, certified_on: 2021-03-15}]}
  expect:
    CMA: {caps: {}}
""",
    )
    result = invoke(runner, str(path))
    assert result.exit_code == 1
    assert "CMA.caps expected none, got unapproved" in result.stdout


def test_json_format(runner, write):
    path = write("cases.yaml", "cases:\n" + RIGHT + WRONG)
    result = invoke(runner, str(path), "--format", "json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert (data["passed"], data["failed"]) == (1, 1)
    wrong = data["cases"][1]
    assert wrong["name"] == "wrong on purpose" and wrong["passed"] is False
    assert wrong["failures"][0] == {
        "field": "CMA.status",
        "expected": "grace",
        "got": "lapsed",
        "line": 23,  # `status: grace`: line 1 `cases:`, 2-13 RIGHT, then WRONG's 10th line
        "col": 17,
        "message": "CMA.status expected grace, got lapsed",
    }
    assert wrong["failures"][1]["expected"] == 125 and wrong["failures"][1]["got"] == 175


def test_github_format_points_at_the_expected_line(runner, write):
    path = write("cases.yaml", "cases:\n" + RIGHT + WRONG)
    result = invoke(runner, str(path), env={"GITHUB_ACTIONS": "true"})  # chosen by default on GitHub
    assert result.exit_code == 1
    errors = [line for line in result.stdout.splitlines() if line.startswith("::error")]
    assert (
        errors[0] == f"::error file={str(path).replace(':', '%3A')},line=23,col=17::case 'wrong on purpose': "
        "CMA.status expected grace, got lapsed"
    )
    assert re.match(r"::error file=.*,line=25,col=36::.*CMA.cost.amount expected 125, got 175", errors[1])


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        # a misspelt key in a case: located, with the nearest valid name
        (
            "- name: x\n  as_of: 2026-01-01\n  input: {holder: C, credentials: [{cert: CMA, certified_on: 2021-03-15}]}\n"
            "  expcet: {CMA: {status: active}}\n",
            4,
            "`expcet`: unknown key; did you mean `expect`?",
        ),
        # a misspelt expected field
        (
            "- name: x\n  as_of: 2026-01-01\n  input: {holder: C, credentials: [{cert: CMA, certified_on: 2021-03-15}]}\n"
            "  expect:\n    CMA:\n      stauts: active\n",
            6,
            "`stauts`: unknown key; did you mean `status`?",
        ),
        # an impossible status
        (
            "- name: x\n  as_of: 2026-01-01\n  input: {holder: C, credentials: [{cert: CMA, certified_on: 2021-03-15}]}\n"
            "  expect:\n    CMA:\n      status: expired\n",
            6,
            "`expired` is not one of",
        ),
        # the inline credential file is checked like any credential file, at its line in the case file
        (
            "- name: x\n  as_of: 2026-01-01\n  input:\n    holder: C\n    credentials: [{cert: CMA, certified_on: 2021-03-15}]\n"
            "    credits:\n      - {title: T, date: 2022-01-01, points: -3}\n  expect: {CMA: {status: active}}\n",
            7,
            "points must be more than 0",
        ),
        (
            "- name: x\n  as_of: 2026-01-01\n  input: {holder: C, credentials: [{cert: CMX, certified_on: 2021-03-15}]}\n"
            "  expect: {CMX: {status: active}}\n",
            3,
            "unknown certification `CMX`",
        ),
        # expecting a certification the input does not hold
        (
            "- name: x\n  as_of: 2026-01-01\n  input: {holder: C, credentials: [{cert: CMA, certified_on: 2021-03-15}]}\n"
            "  expect:\n    RMA: {status: active}\n",
            5,
            "expects `RMA`, which the case's input does not hold",
        ),
        # two cases with the same name could not be told apart in a failure
        (
            "- name: x\n  as_of: 2026-01-01\n  input: {holder: C, credentials: [{cert: CMA, certified_on: 2021-03-15}]}\n"
            "  expect: {CMA: {status: active}}\n"
            "- name: x\n  as_of: 2026-01-01\n  input: {holder: C, credentials: [{cert: CMA, certified_on: 2021-03-15}]}\n"
            "  expect: {CMA: {status: active}}\n",
            5,
            "two cases named `x` (first at line 1)",
        ),
        # the strict reader: no aliases, no duplicate keys
        ("- name: x\n  as_of: &d 2026-01-01\n", 2, "anchors (&name) are not allowed"),
        ("- name: x\n  name: y\n", 2, "duplicate key `name`"),
    ],
    ids=[
        "unknown-key",
        "unknown-field",
        "bad-status",
        "bad-credit",
        "unknown-cert",
        "not-held",
        "same-name",
        "alias",
        "duplicate",
    ],
)
def test_broken_case_file_is_a_located_error_exit_2(runner, write, text, line, message):
    path = write("broken.yaml", text)
    result = invoke(runner, str(path))
    assert result.exit_code == 2, result.output
    assert result.stdout == ""  # nothing ran
    first = result.stderr.splitlines()[0]
    assert first.startswith(f"{path}:{line}:"), first
    assert ": error: " in first and message in first, first


def test_every_broken_file_is_reported_in_one_run(runner, tmp_path):
    (tmp_path / "a.yaml").write_text("- name: x\n  as_of: 2026-13-01\n")
    (tmp_path / "b.yaml").write_text("cases: []\n")
    result = invoke(runner, str(tmp_path))
    assert result.exit_code == 2
    assert f"{tmp_path / 'a.yaml'}:2:" in result.stderr and "not a real date" in result.stderr
    assert f"{tmp_path / 'b.yaml'}:1:" in result.stderr and "no cases in this file" in result.stderr


def test_a_rule_file_is_not_a_case_file(runner):
    result = invoke(runner, str(RULES_DIR / "cma.yaml"))
    assert result.exit_code == 2
    assert "this is a rule file, not a case file" in result.stderr


@pytest.mark.parametrize("what", ["missing", "empty"])
def test_nothing_to_run_is_a_usage_error(runner, tmp_path, what):
    target = tmp_path / "nope.yaml" if what == "missing" else tmp_path
    result = invoke(runner, str(target))
    assert result.exit_code == 2
    assert ("no such file" if what == "missing" else "no case files found") in result.stderr


def test_bad_format_is_a_usage_error(runner):
    result = invoke(runner, "--format", "xml")
    assert result.exit_code == 2


def test_check_and_test_share_one_format_option(runner):
    # one enum for both commands' --format: the same choices, the same default on GitHub
    from marenew.cli.rules import ReportFormat, check, test_cases

    for command in (check, test_cases):
        optional = typing.get_args(typing.get_type_hints(command, include_extras=True)["fmt"])[0]
        assert ReportFormat in typing.get_args(optional)
    assert [f.value for f in ReportFormat] == ["text", "json", "github"]
    for args in (["rules", "check", "--as-of", "2026-11-29"], ["rules", "test"]):
        result = runner.invoke(app, args + ["--format", "xml"], env={"MARENEW_RULES": ""})
        assert result.exit_code == 2 and "'text', 'json', 'github'" in result.output


@pytest.mark.shipped_rules  # the built-in cases
def test_copy_of_builtin_cases_with_one_value_changed(runner, tmp_path):
    # the built-in cases themselves catch a changed rule: run them against a CMA whose
    # reactivation fee was edited to 60, and the lapsed-member case reports 125 + 60 = 185
    folder = tmp_path / "rules"
    shutil.copytree(RULES_DIR, folder)
    rule = folder / "cma.yaml"
    text = rule.read_text()
    assert text.count("all: {value: 50, source: AAMA-EXPIRED") == 1
    rule.write_text(text.replace("all: {value: 50, source: AAMA-EXPIRED", "all: {value: 60, source: AAMA-EXPIRED"))
    result = invoke(runner, str(folder / "cases" / "cma.yaml"))
    assert result.exit_code == 1
    assert re.search(
        re.escape(str(folder / "cases" / "cma.yaml"))
        + r":\d+:\d+: error: "
        + re.escape(
            "case 'lapsed member pays the exam plus reactivation, 125 + 50 = 175': "
            "CMA.cost.amount expected 175, got 185"
        ),
        result.stdout,
    )
