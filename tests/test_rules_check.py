"""`marenew rules check`: each kind of broken rule file exits 1 and points at the offending line,
in the text, json and github formats; the built-in rules check clean.

Broken files are the made-up DEMO rule of tests/fixtures/rules-good/ with one line changed; the
expected line is found in the broken text itself (the line that carries the fault).
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from helpers import AS_OF, FIXTURES, RULES_DIR, cli
from marenew.cli import app
from marenew.cli.exitcodes import ExitCode

GOOD = (FIXTURES / "rules-good" / "demo.yaml").read_text(encoding="utf-8")


def line_of(text: str, needle: str, nth: int = 1) -> int:
    """1-based number of the nth line containing ``needle``."""
    hits = [i for i, line in enumerate(text.splitlines(), 1) if needle in line]
    assert len(hits) >= nth, f"{needle!r} not in the text"
    return hits[nth - 1]


def broken(old: str, new: str) -> str:
    assert GOOD.count(old) == 1, old
    return GOOD.replace(old, new)


# name -> (broken text, the text on the offending line, words the message must contain)
CASES = {
    "syntax error": (broken("  unit: points\n", "  unit: points: [\n"), "unit: points: [", "YAML syntax error"),
    "unknown key": (
        broken("  ce:\n    label: Renewal by CE\n    fee:\n", "  ce:\n    label: Renewal by CE\n    fees:\n"),
        "    fees:",
        "did you mean `fee`?",
    ),
    "unknown nested figure key": (
        broken("total: {value: 20, source: S1,", "total: {value: 20, sourse: S1,"),
        "sourse: S1",
        "did you mean `source`?",
    ),
    "unknown key inside a dated value": (
        broken("2025-01-01: {value: 60, source: S1,", "2025-01-01: {value: 60, sorce: S1,"),
        "sorce: S1",
        "`sorce`: unknown key; did you mean `source`?",
    ),
    "wrong type": (
        broken("total: {value: 20,", "total: {value: twenty,"),
        "value: twenty",
        "expected a number, but got the text `twenty`",
    ),
    "duplicate key": (
        broken("last_verified: 2026-11-01\n", "last_verified: 2026-11-01\nname: Again\n"),
        "name: Again",
        "duplicate key `name` (first at line 3)",
    ),
    "category minimum above the total": (
        broken("minimum: {value: 5,", "minimum: {value: 25,"),
        "minimum: {value: 25,",
        "the `clinical` minimum 25 is more than the total 20",
    ),
    "approved minimum above the total": (
        broken("approved_minimum: {value: 10,", "approved_minimum: {value: 21,"),
        "approved_minimum:",
        "the approved minimum 21 is more than the total 20",
    ),
    # total 20 - approved minimum 10 = 10 points may be unapproved; a cap of 5 demands 15 approved.
    "cap below total minus approved minimum": (
        broken("unapproved_cap: {value: 10,", "unapproved_cap: {value: 5,"),
        "unapproved_cap:",
        "would silently raise the approved minimum to 15",
    ),
    # with no approved minimum, a cap of 10 on a total of 20 silently demands 10 approved points
    "cap without an approved minimum": (
        broken("  approved_minimum: {value: 10, source: S1, confidence: official}\n", ""),
        "unapproved_cap:",
        "would silently raise the approved minimum to 10",
    ),
    "missing source": (
        broken("total: {value: 20, source: S1, confidence: official}", "total: {value: 20, confidence: official}"),
        "total: {value: 20, confidence",
        "a value needs a `source`",
    ),
    "source not in sources": (
        broken("total: {value: 20, source: S1,", "total: {value: 20, source: S9,"),
        "source: S9",
        "source `S9` is not a key of `sources`",
    ),
    "dated values out of order": (
        broken("2020-01-01: {value: 30,", "2026-01-01: {value: 30,"),
        "2025-01-01: {value: 60",
        "effective date 2025-01-01 comes after 2026-01-01",
    ),
    "negative fee": (
        broken("member: {value: 50,", "member: {value: -50,"),
        "{value: -50",
        "a fee cannot be negative (read -50)",
    ),
    "zero interval": (
        broken("every_months: {value: 12,", "every_months: {value: 0,"),
        "every_months:",
        "an interval must be more than 0",
    ),
    "unknown cycle length": (
        broken("months: {value: 24, source: S1, confidence: official}", "months: {value: null, confidence: unknown}"),
        "months: {value: null",
        "the cycle length must be known",
    ),
}


def run(runner, *args: str, env: dict | None = None):
    return cli("rules", "check", *args, env=env)


@pytest.mark.parametrize("name", list(CASES))
@pytest.mark.parametrize("fmt", ["text", "json", "github"])
def test_each_problem_exits_1_at_its_line(runner, tmp_path, name, fmt):
    text, needle, words = CASES[name]
    path = tmp_path / "demo.yaml"
    path.write_text(text, encoding="utf-8")
    line = line_of(text, needle)
    result = run(runner, str(path), "--as-of", AS_OF, "--format", fmt)
    assert result.exit_code == ExitCode.ATTENTION, result.output
    if fmt == "text":
        hits = [ln for ln in result.stdout.splitlines() if ln.startswith(f"{path}:{line}:") and words in ln]
        assert hits, result.stdout
        assert ": error: " in hits[0]
        assert result.stdout.splitlines()[-1].startswith("1 error, 0 warnings in 1 file")
    elif fmt == "json":
        report = json.loads(result.stdout)
        assert report["ok"] is False and report["errors"] == 1
        (problem,) = report["problems"]
        assert (problem["file"], problem["line"], problem["level"]) == (str(path), line, "error")
        assert words in problem["message"]
    else:
        pattern = re.compile(rf"^::error file={re.escape(str(path))},line={line},col=\d+::.*{re.escape(words)}")
        assert any(pattern.match(ln) for ln in result.stdout.splitlines()), result.stdout


def test_text_line_has_column_key_and_message(runner, tmp_path):
    text, _, _ = CASES["negative fee"]
    path = tmp_path / "demo.yaml"
    path.write_text(text, encoding="utf-8")
    line = line_of(text, "{value: -50")
    col = text.splitlines()[line - 1].index("-50") + 1  # the value's column, 1-based
    result = run(runner, str(path), "--as-of", AS_OF)
    assert result.stdout.splitlines()[0] == (
        f"{path}:{line}:{col}: error: paths.ce.fee.member.value: a fee cannot be negative (read -50)"
    )


def test_key_path_names_the_dated_value(runner, tmp_path):
    path = tmp_path / "demo.yaml"
    path.write_text(CASES["unknown key inside a dated value"][0], encoding="utf-8")
    (problem,) = json.loads(run(runner, str(path), "--as-of", AS_OF, "--format", "json").stdout)["problems"]
    assert problem["key"] == "late_window.days.values.2025-01-01.sorce"


def test_every_problem_in_every_file_in_one_run(runner, tmp_path):
    # An unknown key makes the whole rule invalid; the negative fee further down is still found.
    both = CASES["unknown key"][0].replace("all: {value: 200,", "all: {value: -1,")
    (tmp_path / "a.yaml").write_text(both, encoding="utf-8")
    (tmp_path / "b.yaml").write_text(
        CASES["dated values out of order"][0].replace("id: DEMO", "id: DEMO2"), encoding="utf-8"
    )
    result = run(runner, str(tmp_path), "--as-of", AS_OF, "--format", "json")
    report = json.loads(result.stdout)
    assert result.exit_code == ExitCode.ATTENTION
    found = [(Path(p["file"]).name, p["line"]) for p in report["problems"]]
    assert found == [
        ("a.yaml", line_of(both, "    fees:")),
        ("a.yaml", line_of(both, "all: {value: -1")),
        ("b.yaml", line_of(GOOD, "2025-01-01: {value: 60")),
    ]
    assert report["summary"] == "3 errors, 0 warnings in 2 files"


def test_same_id_in_two_files_names_both(runner, tmp_path):
    first = tmp_path / "a.yaml"
    second = tmp_path / "b.yaml"
    first.write_text(GOOD, encoding="utf-8")
    second.write_text(GOOD.replace("id: DEMO", "id: demo"), encoding="utf-8")  # ids compare case-blind
    for fmt in ("text", "json", "github"):
        result = run(runner, str(first), str(second), "--as-of", AS_OF, "--format", fmt)
        assert result.exit_code == ExitCode.ATTENTION
        line = line_of(GOOD, "id: DEMO")
        if fmt == "json":
            (problem,) = json.loads(result.stdout)["problems"]
            assert (problem["file"], problem["line"]) == (str(second), line)
            assert f"{first}:{line}" in problem["message"]
        elif fmt == "text":
            assert result.stdout.startswith(f"{second}:{line}:5: error: id: id `demo` is also the id of {first}:{line}")
        else:
            assert result.stdout.startswith(f"::error file={second},line={line},col=5::id: id `demo`")


def test_stale_last_verified_warns_and_strict_fails(runner, tmp_path):
    path = tmp_path / "demo.yaml"
    path.write_text(GOOD, encoding="utf-8")
    line = line_of(GOOD, "last_verified:")
    # 2026-11-01 + 366 days = 2027-11-02: one day past the default 365.
    late = "2027-11-02"
    for fmt in ("text", "json", "github"):
        ok = run(runner, str(path), "--as-of", late, "--format", fmt)
        assert ok.exit_code == ExitCode.OK, ok.output  # a warning alone passes
        strict = run(runner, str(path), "--as-of", late, "--format", fmt, "--strict")
        assert strict.exit_code == ExitCode.ATTENTION
        if fmt == "text":
            assert ok.stdout.startswith(
                f"{path}:{line}:16: warning: last_verified: last verified 2026-11-01, 366 days before {late}"
            )
            assert ok.stdout.splitlines()[-1] == "0 errors, 1 warning in 1 file"
            assert strict.stdout.startswith(f"{path}:{line}:16: error: last_verified")
        elif fmt == "json":
            assert json.loads(ok.stdout)["problems"][0]["level"] == "warning"
            assert json.loads(ok.stdout)["ok"] is True
            assert json.loads(strict.stdout)["problems"][0] | {"message": ""} == {
                "file": str(path),
                "line": line,
                "col": 16,
                "level": "error",
                "key": "last_verified",
                "message": "",
            }
        else:
            assert ok.stdout.startswith(f"::warning file={path},line={line},col=16::last_verified:")
            assert strict.stdout.startswith(f"::error file={path},line={line},col=16::last_verified:")
    # exactly 365 days is not stale; --max-age moves the limit
    assert run(runner, str(path), "--as-of", "2027-11-01", "--strict").exit_code == ExitCode.OK
    assert run(runner, str(path), "--as-of", AS_OF, "--max-age", "10", "--strict").exit_code == ExitCode.ATTENTION


def test_github_format_is_default_in_github_actions(runner, tmp_path):
    path = tmp_path / "demo.yaml"
    path.write_text(CASES["negative fee"][0], encoding="utf-8")
    result = run(runner, str(path), "--as-of", AS_OF, env={"GITHUB_ACTIONS": "true"})
    assert result.stdout.startswith(f"::error file={path},line=")
    assert run(runner, str(path), "--as-of", AS_OF).stdout.startswith(f"{path}:")


def test_builtin_rules_check_clean(runner):
    result = runner.invoke(app, ["rules", "check", "--as-of", AS_OF, "--strict"], env={"MARENEW_RULES": ""})
    assert result.exit_code == ExitCode.OK, result.stdout
    assert re.fullmatch(r"no problems in \d+ files\n", result.stdout)


def test_rules_folder_checks_clean_by_path(runner):
    result = run(runner, str(RULES_DIR), "--as-of", AS_OF, "--format", "json")
    report = json.loads(result.stdout)
    assert result.exit_code == ExitCode.OK and report["problems"] == []
    # the worked cases in rules/cases/ are not rule files
    assert all(Path(f).parent == RULES_DIR for f in report["files"])


def test_rules_folder_may_replace_a_builtin_by_id(runner, tmp_path):
    """Without PATHs, a --rules folder that replaces a built-in rule by id is what --rules is for;
    the same id twice in one folder is still an error."""
    override = tmp_path / "mine"
    override.mkdir()
    shutil.copy(RULES_DIR / "cma.yaml", override / "cma.yaml")
    assert run(runner, "--rules", str(override), "--as-of", AS_OF).exit_code == ExitCode.OK
    shutil.copy(RULES_DIR / "cma.yaml", override / "cma-copy.yaml")
    result = run(runner, "--rules", str(override), "--as-of", AS_OF)
    assert result.exit_code == ExitCode.ATTENTION
    assert f"{override / 'cma.yaml'}:" in result.stdout and str(override / "cma-copy.yaml") in result.stdout


def test_usage_errors_exit_2(runner, tmp_path):
    result = run(runner, str(tmp_path / "missing.yaml"))
    assert result.exit_code == ExitCode.INPUT
    assert f"{tmp_path / 'missing.yaml'}: error: no such file or folder" in result.stderr
    assert run(runner, str(tmp_path)).exit_code == ExitCode.INPUT  # a folder with no rule files
    assert run(runner, "--format", "xml").exit_code == ExitCode.INPUT


def test_summary_counts_errors_warnings_and_files(tmp_path):
    import datetime as dt

    from marenew.load.rules import check_paths

    a, b, c = tmp_path / "a.yaml", tmp_path / "b.yaml", tmp_path / "c.yaml"
    a.write_text(
        CASES["negative fee"][0].replace("non_member: {value: 100,", "non_member: {value: -100,"), encoding="utf-8"
    )
    b.write_text(CASES["zero interval"][0].replace("id: DEMO", "id: OTHER"), encoding="utf-8")
    c.write_text(GOOD.replace("id: DEMO", "id: THIRD"), encoding="utf-8")
    result = check_paths([[a, b, c]], as_of=dt.date(2027, 12, 1))  # every file stale: 3 warnings
    assert result.summary() == "3 errors, 3 warnings in 3 files"
    assert result.strict().summary() == "6 errors, 0 warnings in 3 files"


# --- rules that `rules check` rejects are not used by the other commands -----------------------

# a frozen CCMA-shaped rule: the edits below find their lines whatever the shipped data says
CCMA = (Path(__file__).parent / "fixtures" / "rule-edits" / "ccma.yaml").read_text(encoding="utf-8")
CCMA_HOLDER = "holder: Test\ncredentials:\n  - cert: CCMA\n    certified_on: 2025-03-01\ncredits: []\n"
MONTHS = "  months: {value: 24, source: N2, confidence: secondary}\n"


def ccma_folder(tmp_path: Path, old: str, new: str) -> Path:
    assert CCMA.count(old) == 1, old
    folder = tmp_path / "rules"
    folder.mkdir()
    (folder / "ccma.yaml").write_text(CCMA.replace(old, new), encoding="utf-8")
    return folder


@pytest.mark.parametrize("command", [["status"], ["cost"], ["plan"]])
@pytest.mark.parametrize(
    "old, new, needle, words",
    [
        # once a crash (exit 3, RuleGap)
        (MONTHS, "  months: {value: null, confidence: unknown}\n", "months:", "the cycle length must be known"),
        # once silently ready: a negative total is met by no credits at all
        ("total: {value: 10,", "total: {value: -10,", "total:", "a total cannot be negative"),
        # once accepted, with the expiry on the day of certification
        ("months: {value: 24,", "months: {value: 0,", "months:", "a cycle length must be more than 0"),
    ],
)
def test_rules_that_fail_the_check_are_input_errors(runner, tmp_path, command, old, new, needle, words):
    folder = ccma_folder(tmp_path, old, new)
    holder = tmp_path / "me.yaml"
    holder.write_text(CCMA_HOLDER, encoding="utf-8")
    result = runner.invoke(
        app, [*command, str(holder), "--rules", str(folder), "--as-of", AS_OF], env={"MARENEW_RULES": ""}
    )
    assert result.exit_code == ExitCode.INPUT, result.output
    line = line_of(CCMA.replace(old, new), needle)
    assert f"{folder / 'ccma.yaml'}:{line}:" in result.stderr
    assert words in result.stderr
    assert "internal error" not in result.stderr


def test_cycle_length_not_in_force_at_certification_names_the_rule_file(runner, tmp_path):
    # The cycle length takes effect in 2026, after this 2025 certification: no expiry can be worked out.
    folder = ccma_folder(
        tmp_path, MONTHS, "  months:\n    values:\n      2026-01-01: {value: 24, source: N2, confidence: secondary}\n"
    )
    holder = tmp_path / "me.yaml"
    holder.write_text(CCMA_HOLDER, encoding="utf-8")
    result = runner.invoke(
        app, ["status", str(holder), "--rules", str(folder), "--as-of", AS_OF], env={"MARENEW_RULES": ""}
    )
    assert result.exit_code == ExitCode.INPUT, result.output
    assert f"{holder}:4:" in result.stderr  # the certified_on line
    assert str(folder / "ccma.yaml") in result.stderr
    assert "internal error" not in result.stderr


def test_same_id_twice_in_one_rules_folder_is_an_input_error(runner, tmp_path):
    folder = ccma_folder(tmp_path, "name: Certified", "name: Certified")
    shutil.copy(folder / "ccma.yaml", folder / "ccma-copy.yaml")
    result = runner.invoke(app, ["cost", "--rules", str(folder), "--as-of", AS_OF], env={"MARENEW_RULES": ""})
    assert result.exit_code == ExitCode.INPUT, result.output
    assert f"{folder / 'ccma.yaml'}:{line_of(CCMA, 'id: CCMA')}" in result.stderr  # named as the first


def test_stale_rules_still_load(runner, tmp_path):
    # A warning of `rules check` (last verified long ago) does not stop the rule being used.
    folder = ccma_folder(tmp_path, "last_verified: 2026-11-29", "last_verified: 2001-01-01")
    holder = tmp_path / "me.yaml"
    holder.write_text(CCMA_HOLDER, encoding="utf-8")
    result = runner.invoke(
        app, ["status", str(holder), "--rules", str(folder), "--as-of", AS_OF, "--json"], env={"MARENEW_RULES": ""}
    )
    assert result.exit_code in (ExitCode.OK, ExitCode.ATTENTION), result.output
    # 2025-03-01 + 24 months, anniversary
    assert json.loads(result.stdout)["credentials"][0]["expires_on"] == "2027-03-01"


def test_builtin_rules_load_with_the_checks():
    from marenew.load.rules import load_rules

    assert {p.stem.upper() for p in RULES_DIR.glob("*.yaml")} <= set(load_rules().rules)
