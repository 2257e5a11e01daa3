"""Malformed credential and rule files: each gets a located message and the right exit code, every
error of a file in one run, never a traceback.

Credential cases change one or two lines of BASE (a valid, active CMA file); the expected line is
written out by hand, counted in BASE below. Rule-file cases are the built-in CMA rule with one line
changed, given with `--rules DIR`; their expected line is the line that carries the fault.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from helpers import AS_OF, FROZEN_RULES
from marenew.cli import app
from marenew.cli.exitcodes import ExitCode

CMA_RULE = (FROZEN_RULES / "cma.yaml").read_text(encoding="utf-8")

# A valid file: CMA certified 2023-03-01 expires 2028-03-31 (end of the month 60 months later), so
# it is active on AS_OF and `marenew status` exits 0.
BASE = """\
holder: Pat Doe
credentials:
  - cert: CMA
    certified_on: 2023-03-01
credits:
  - title: Phlebotomy refresher
    date: 2024-01-10
    points: 2
    category: clinical
    approved_by: [AAMA]
"""
#  1 holder / 2 credentials / 3 cert / 4 certified_on / 5 credits / 6 title / 7 date / 8 points /
#  9 category / 10 approved_by


def sub(old: str, new: str, text: str = BASE) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


def line_of(text: str, needle: str) -> int:
    hits = [i for i, line in enumerate(text.splitlines(), 1) if needle in line]
    assert len(hits) == 1, (needle, hits)
    return hits[0]


def rule(old: str, new: str) -> str:
    return sub(old, new, CMA_RULE)


SECOND_CREDIT = """\
  - title: Wound care
    date: 2024-02-01
    points: 3
"""  # lines 11-13 when appended to BASE

BILLION_LAUGHS = """\
a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]
i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h]
"""
# Nodes added by expansion: a is 10 nodes; b's nine aliases add 90 (b: 91 nodes), c's add 819
# (c: 820), d's 7380 (d: 7381): 8289 so far; the first *d on line 5 passes the 10,000 bound.


CHANGED = -1  # in a rule case: the line of the rule text that the case changed


@dataclass
class Case:
    id: str
    text: str | bytes | None  # None: see `kind`
    errors: list[tuple[int | None, str]] = field(default_factory=list)  # (line, words), in file order
    warnings: list[tuple[int | None, str]] = field(default_factory=list)
    exit: int = ExitCode.INPUT
    rule_text: str | bytes | None = None  # a rule file given with --rules; errors then name it
    kind: str = "file"  # file, missing, folder, missing-rules
    env: dict[str, str] = field(default_factory=dict)


CASES = [
    # --- strict YAML ---------------------------------------------------------------------------
    Case(
        "duplicate key names both lines", BASE + "    points: 20\n", [(11, "duplicate key `points` (first at line 8)")]
    ),
    Case(
        "duplicate top-level key", BASE + "holder: Someone Else\n", [(11, "duplicate key `holder` (first at line 1)")]
    ),
    Case("anchor", sub("holder: Pat Doe", "holder: &who Pat Doe"), [(1, "anchors (&name) are not allowed")]),
    Case(
        "anchor and alias",
        sub("    approved_by: [AAMA]", "    approved_by: &b [AAMA]") + SECOND_CREDIT + "    approved_by: *b\n",
        [(10, "anchors (&name) are not allowed"), (14, "aliases (*name) are not allowed")],
    ),
    Case(
        "python tag",
        sub("holder: Pat Doe", "holder: !!python/object/apply:os.system [echo pwned]"),
        [(1, "explicit tag `!!python/object/apply:os.system` is not allowed")],
    ),
    Case(
        "binary tag",
        sub("holder: Pat Doe", "holder: !!binary UGF0IERvZQ=="),
        [(1, "explicit tag `!!binary` is not allowed")],
    ),
    Case("custom tag", sub("    points: 2", "    points: !points 2"), [(8, "explicit tag `!points` is not allowed")]),
    Case(
        "str tag on a value",
        sub("    certified_on: 2023-03-01", "    number: !!str 0123\n    certified_on: 2023-03-01"),
        [(4, "explicit tag `!!str` is not allowed")],
    ),
    Case(
        "tag on a list: its content is still checked",
        sub("credits:", "credits: !!seq") + "    pionts: 1\n",
        [(5, "explicit tag `!!seq`"), (11, "did you mean `points`?")],
    ),
    Case(
        "merge key: its keys are not read",
        sub("    points: 2", "    <<: {points: 2}"),
        [(6, "give `points` (or `college_credits`)"), (8, "merge keys (<<) are not supported")],
    ),
    Case("multiple documents", BASE + "---\n" + BASE, [(11, "more than one YAML document")]),
    Case("deep nesting", "holder: " + "[" * 80 + "]" * 80 + "\n", [(1, "nested more than 64 levels deep")]),
    Case("tab indentation", sub("  - cert: CMA", "\t- cert: CMA"), [(3, "a tab character; indent with spaces")]),
    Case("syntax error", "holder: [unclosed\n", [(2, "YAML syntax error")]),
    Case(
        "control character", sub("holder: Pat Doe", "holder: Pat\x07Doe"), [(1, "the character U+0007 is not allowed")]
    ),
    # --- not YAML text at all ------------------------------------------------------------------
    Case(
        "over the size limit",
        BASE + "# padding\n" * 3000,
        [(None, "over the limit of 20,971 bytes")],
        env={"MARENEW_MAX_FILE_MB": "0.02"},
    ),
    Case("not UTF-8", BASE.replace("Pat Doe", "Jos\xe9 Doe").encode("latin-1"), [(1, "is not UTF-8 text (byte 0xe9")]),
    Case("binary with NUL", b"\x00\x01\x02binary\n", [(None, "is a binary file")]),
    Case("UTF-16", BASE.encode("utf-16"), [(None, "is UTF-16 text; save it as UTF-8")]),
    Case("empty file", "", [(None, "the file is empty")]),
    Case("only blank lines", "\n  \n\n", [(None, "the file is empty")]),
    Case("only a comment", "# my credentials, to fill in later\n", [(None, "only comments, no content")]),
    Case("missing file", None, [(None, "no such file")], kind="missing"),
    Case("a folder, not a file", None, [(None, "is a folder, not a file")], kind="folder"),
    # --- shape ---------------------------------------------------------------------------------
    Case("top level a list", "- cert: CMA\n  certified_on: 2023-03-01\n", [(1, "top level must be a mapping")]),
    Case(
        "top level a scalar", "just some text\n", [(1, "top level must be a mapping (key: value lines), not the text")]
    ),
    Case(
        "a list where a mapping is expected",
        sub("  - cert: CMA\n    certified_on: 2023-03-01", "  - [CMA, 2023-03-01]"),
        [(3, "credentials[0]: expected a mapping (key: value lines), but got a list")],
    ),
    Case(
        "credits given as a mapping",
        BASE.split("credits:")[0] + "credits:\n  title: x\n  date: 2024-01-10\n",
        [(6, "credits: expected a list, but got a mapping; a missing dash? Each entry of a list starts with `- `")],
    ),
    Case(
        "credentials an empty list",
        "holder: Pat Doe\ncredentials: []\n",
        [(2, "credentials: must list at least one item")],
    ),
    Case("missing credentials", "holder: Pat Doe\n", [(1, "missing required key `credentials`")]),
    Case("empty holder", sub("holder: Pat Doe", "holder:"), [(1, "holder: expected text, but the value is empty")]),
    # --- YAML 1.1 surprises --------------------------------------------------------------------
    Case(
        "category: no",
        sub("    category: clinical", "    category: no"),
        [(9, '`no` was read as the boolean false; put it in quotes: "no"')],
    ),
    Case(
        "title: yes",
        sub("  - title: Phlebotomy refresher", "  - title: yes"),
        [(6, "`yes` was read as the boolean true")],
    ),
    Case(
        "number: 0123 (octal)",
        sub("    certified_on: 2023-03-01", "    number: 0123\n    certified_on: 2023-03-01"),
        [
            (
                4,
                "`0123` is read differently by YAML readers (the number 83 in YAML 1.1, the number 123 in YAML 1.2); put it in quotes if it is text",
            )
        ],
    ),
    Case(
        "version-like 1.10 as text",
        sub("  - title: Phlebotomy refresher", "  - title: 1.10"),
        [(6, '`1.10` was read as the number 1.1; put it in quotes: "1.10"')],
    ),
    Case(
        "a number written as text",
        sub("    points: 2", '    points: "2"'),
        [(8, "expected a number, but got the text `2`")],
    ),
    # --- dates ---------------------------------------------------------------------------------
    Case(
        "impossible date",
        sub("certified_on: 2023-03-01", "certified_on: 2023-02-30"),
        [(4, "`2023-02-30` is not a real date")],
    ),
    Case(
        "date with a time",
        sub("    date: 2024-01-10", "    date: 2024-01-10 09:30:00"),
        [(7, "write dates as YYYY-MM-DD (a day, no time)")],
    ),
    Case(
        "date without leading zeros",
        sub("certified_on: 2023-03-01", "certified_on: 2023-3-1"),
        [(4, "expected a date (YYYY-MM-DD), but got the text `2023-3-1`")],
    ),
    Case(
        "a year far in the future",
        sub("certified_on: 2023-03-01", "certified_on: 9999-03-01"),
        [(4, "9999-03-01 is not a plausible date (marenew works with 1900 to 2199)")],
    ),
    Case(
        "a year with a digit missing",
        sub("    date: 2024-01-10", "    date: 0224-01-10"),
        [(7, "0224-01-10 is not a plausible date")],
    ),
    Case(
        "date in words",
        sub("    date: 2024-01-10", "    date: January 10, 2024"),
        [(7, "expected a date (YYYY-MM-DD)")],
    ),
    # --- keys and ids --------------------------------------------------------------------------
    Case(
        "unknown key suggests the nearest",
        sub("    points: 2", "    pionts: 2"),
        [(8, "`pionts`: unknown key; did you mean `points`?")],
    ),
    Case(
        "misspelt required key said once",
        sub("credentials:", "credentails:"),
        [(2, "`credentails`: unknown key; did you mean `credentials`?")],
    ),
    Case(
        "unknown cert lists the known ones",
        sub("cert: CMA", "cert: CMX"),
        [(3, "unknown certification `CMX`; known: ")],
    ),
    Case(
        "the same cert twice",
        sub("credits:", "  - cert: cma\n    certified_on: 2024-01-01\ncredits:"),
        [(5, "cma is listed twice (also credentials[0])")],
    ),
    Case("applies_to an unknown cert", BASE + "    applies_to: [XYZ]\n", [(11, "unknown certification `XYZ`")]),
    # --- semantic checks -----------------------------------------------------------------------
    Case(
        "unknown category is a warning",
        sub("category: clinical", "category: surgery"),
        [],
        [(9, "`surgery` is not a content area")],
        exit=ExitCode.OK,
    ),
    Case(
        "certified_on in the future is a warning",
        sub("certified_on: 2023-03-01", "certified_on: 2027-01-05"),
        [],
        [(4, "certified_on 2027-01-05 is in the future")],
        exit=ExitCode.OK,
    ),
    Case(
        "expires_on before certified_on",
        sub("certified_on: 2023-03-01", "certified_on: 2023-03-01\n    expires_on: 2022-03-01"),
        [(5, "expires_on 2022-03-01 is not after certified_on 2023-03-01")],
    ),
    Case("points zero", sub("points: 2", "points: 0"), [(8, "points must be more than 0 (read 0)")]),
    Case("points negative", sub("points: 2", "points: -4"), [(8, "points must be more than 0 (read -4)")]),
    Case("points over 500", sub("points: 2", "points: 501"), [(8, "points 501 is implausibly large")]),
    Case("points .nan", sub("points: 2", "points: .nan"), [(8, "points must be a number, not nan")]),
    Case("points .inf", sub("points: 2", "points: .inf"), [(8, "points must be a number, not inf")]),
    Case(
        "both points and college_credits",
        sub("    points: 2", "    points: 2\n    college_credits: 1"),
        [(9, "give `points` or `college_credits`, not both")],
    ),
    Case(
        "neither points nor college_credits", sub("    points: 2\n", ""), [(6, "give `points` (or `college_credits`)")]
    ),
    Case(
        "the same credit twice",
        BASE + BASE.split("credits:\n")[1],
        [(11, "the same credit (title and date) is listed twice (first at line 6)")],
    ),
    Case(
        "unknown membership is a warning",
        sub("credentials:", "memberships: [AAMX]\ncredentials:"),
        [],
        [(2, "no rule knows the body `AAMX`")],
        exit=ExitCode.OK,
    ),
    Case(
        "unknown approved_by is a warning",
        sub("approved_by: [AAMA]", "approved_by: [AAMA, ACME]"),
        [],
        [(10, "`ACME` is not a body marenew knows")],
        exit=ExitCode.OK,
    ),
    Case(
        "three independent errors, all reported",
        sub(
            "cert: CMA", "cert: CMX", sub("    points: 2", "    pionts: 2", sub("date: 2024-01-10", "date: 2024-02-30"))
        ),
        [(3, "unknown certification `CMX`"), (7, "not a real date"), (8, "did you mean `points`?")],
    ),
    # --- rule files, given with --rules --------------------------------------------------------
    Case("rule: billion laughs", BASE, [(5, "aliases expand to more than 10000 nodes")], rule_text=BILLION_LAUGHS),
    Case(
        "rule: duplicate key",
        BASE,
        [(CHANGED, "duplicate key `body`")],
        rule_text=rule("body: AAMA", "body: AAMA\nbody: AMT"),
    ),
    Case(
        "rule: python tag",
        BASE,
        [(CHANGED, "explicit tag `!!python/name:os.system`")],
        rule_text=rule("name: Certified Medical Assistant", "name: !!python/name:os.system"),
    ),
    Case(
        "rule: unknown key suggests",
        BASE,
        [(CHANGED, "`totl`: unknown key; did you mean `total`?")],
        rule_text=rule("  total: {value: 60", "  totl: {value: 60"),
    ),
    Case(
        "rule: yes as a fee",
        BASE,
        [(CHANGED, "`yes` was read as the boolean true")],
        rule_text=rule("member: {value: 65", "member: {value: yes"),
    ),
    Case(
        "rule: impossible effective date",
        BASE,
        [(CHANGED, "`2020-02-30` is not a real date")],
        rule_text=rule("      2020-01-01: {value: 3", "      2020-02-30: {value: 3"),
    ),
    Case("rule: top level a list", BASE, [(1, "top level must be a mapping")], rule_text="- id: CMA\n"),
    Case("rule: empty", BASE, [(None, "the file is empty")], rule_text=""),
    Case(
        "rule: not UTF-8",
        BASE,
        [(line_of(CMA_RULE, "name: Certified"), "is not UTF-8 text")],
        rule_text=rule("name: Certified Medical Assistant", "name: Certified Medical Assistant \xe9").encode("latin-1"),
    ),
    Case("rule: missing folder", BASE, [(None, "rules folder not found")], kind="missing-rules"),
    Case(
        "rule: bounded anchors are fine",
        BASE,
        [],
        exit=ExitCode.OK,
        rule_text=rule(
            "      member: {value: 65, source: article, confidence: unconfirmed, last_verified: 2026-11-29}\n"
            "      non_member: {value: 130, source: article, confidence: unconfirmed, last_verified: 2026-11-29}",
            "      member: &fee {value: 65, source: article, confidence: unconfirmed}\n      non_member: *fee",
        ),
    ),
]


@pytest.fixture
def case_files(tmp_path):
    def make(case: Case) -> tuple[str, list[str], str]:
        """-> (the credential file argument, extra CLI arguments, the file the errors name)"""
        cred = tmp_path / "creds.yaml"
        if case.kind == "missing":
            return str(cred), [], str(cred)
        if case.kind == "folder":
            cred.mkdir()
            return str(cred), [], str(cred)
        data = case.text if isinstance(case.text, bytes) else (case.text or "").encode("utf-8")
        cred.write_bytes(data)
        if case.kind == "missing-rules":
            missing = tmp_path / "no-such-rules"
            return str(cred), ["--rules", str(missing)], str(missing)
        if case.rule_text is not None:
            folder = tmp_path / "rules"
            folder.mkdir()
            rule_file = folder / "custom.yaml"
            rule_file.write_bytes(
                case.rule_text if isinstance(case.rule_text, bytes) else case.rule_text.encode("utf-8")
            )
            return str(cred), ["--rules", str(folder)], str(rule_file)
        return str(cred), [], str(cred)

    return make


def expected_line(case: Case, line: int | None) -> int | None:
    """CHANGED in a rule case: the (last) line that differs from the built-in rule."""
    if line != CHANGED:
        return line
    assert isinstance(case.rule_text, str)
    original = set(CMA_RULE.splitlines())
    return [i for i, ln in enumerate(case.rule_text.splitlines(), 1) if ln not in original][-1]


def check(case: Case, stdout: str, stderr: str, exit_code: int, named: str) -> None:
    assert "Traceback" not in stdout and "Traceback" not in stderr
    assert exit_code == case.exit, stderr
    lines = stderr.splitlines()
    for level, wanted in (("error", case.errors), ("warning", case.warnings)):
        found = [ln for ln in lines if f": {level}: " in ln]
        assert len(found) == len(wanted), f"expected {len(wanted)} {level}(s), got:\n{stderr}"
        for (line, words), got in zip(wanted, found):
            line = expected_line(case, line)
            where = f"{named}:{line}:" if line is not None else f"{named}: {level}: "
            assert got.startswith(where), f"{got!r} does not start with {where!r}"
            assert words in got, f"{words!r} not in {got!r}"


def test_at_least_forty_cases():
    assert len(CASES) >= 40
    assert len({c.id for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input(case, case_files, runner):
    cred, extra, named = case_files(case)
    env = {"NO_COLOR": "1", "MARENEW_RULES": "", **case.env}
    result = runner.invoke(app, ["status", cred, "--as-of", AS_OF, *extra], env=env)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    check(case, result.stdout, result.stderr, result.exit_code, named)


def test_unknown_cert_lists_every_known_one(case_files, runner):
    from marenew.load.rules import load_rules

    case = next(c for c in CASES if c.id == "unknown cert lists the known ones")
    cred, _, _ = case_files(case)
    result = runner.invoke(app, ["status", cred, "--as-of", AS_OF], env={"MARENEW_RULES": ""})
    for cert in load_rules().ids():
        assert cert in result.stderr


def test_billion_laughs_as_a_credential_file_is_refused_at_the_first_anchor(case_files, runner):
    case = Case("laughs", BILLION_LAUGHS, [(1, "anchors (&name) are not allowed")])
    cred, _, _ = case_files(case)
    result = runner.invoke(app, ["status", cred, "--as-of", AS_OF])
    assert result.exit_code == ExitCode.INPUT
    assert result.stderr.splitlines()[0].startswith(f"{cred}:1:4: error: a: anchors (&name) are not allowed")


def test_many_errors_are_cut_at_fifty(case_files, runner):
    text = BASE + "".join(f"    extra{i}: 1\n" for i in range(70))  # 70 unknown keys
    cred, _, _ = case_files(Case("many", text))
    result = runner.invoke(app, ["status", cred, "--as-of", AS_OF])
    lines = result.stderr.splitlines()
    assert result.exit_code == ExitCode.INPUT
    assert len(lines) == 51
    assert lines[-1] == f"{cred}: error: stopped after 50 errors; 20 more not shown"


@pytest.mark.parametrize("as_of", ["0001-01-01", "9999-12-31", "2026-02-30", "tomorrow"])
def test_as_of_outside_the_calendar_is_a_usage_error(as_of, case_files, runner):
    cred, _, _ = case_files(Case("ok", BASE))
    result = runner.invoke(app, ["status", cred, "--as-of", as_of])
    assert result.exit_code == ExitCode.INPUT
    assert "Invalid value" in result.stderr and "Traceback" not in result.stderr


def test_max_file_mb_that_is_not_a_number_keeps_the_default(case_files, runner):
    cred, _, _ = case_files(Case("ok", BASE))
    for value in ("inf", "nan", "abc", "-1", "0"):
        result = runner.invoke(app, ["status", cred, "--as-of", AS_OF], env={"MARENEW_MAX_FILE_MB": value})
        assert result.exit_code == ExitCode.OK, (value, result.stderr)


# --- the real console script: main() and the process exit code -------------------------------


def console_script() -> list[str]:
    script = Path(sys.executable).parent / "marenew"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from marenew.cli import main; main()"]  # pragma: no cover


HOOK_CASES = {  # common hand-editing mistakes, one per file
    "syntax.yaml": b"holder: [unclosed\n",
    "baddate.yaml": b"holder: A\ncredentials:\n  - cert: CMA\n    certified_on: 2023-02-30\n",
    "binary.yaml": b"\x00\x01\x02binary",
    "empty.yaml": b"",
    "missing.yaml": None,
}


@pytest.mark.slow
@pytest.mark.parametrize("name", list(HOOK_CASES))
def test_console_script_exits_2_without_traceback(name, tmp_path):
    path = tmp_path / name
    if HOOK_CASES[name] is not None:
        path.write_bytes(HOOK_CASES[name])
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("MARENEW_DEBUG", None)
    proc = subprocess.run(
        [*console_script(), "status", str(path), "--as-of", AS_OF], capture_output=True, text=True, env=env, timeout=60
    )
    assert proc.returncode == ExitCode.INPUT, proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    assert proc.stderr.startswith(str(path))
    assert proc.stdout == ""
