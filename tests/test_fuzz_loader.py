"""A fuzz of the loaders: random bytes, random YAML structures and random mutations of the
example and rule files each end in a result or a clean InputError (exit 0, 1 or 2 through the CLI),
never another exception. (How long loading takes is measured in bench/, not here.)
"""

from __future__ import annotations

import atexit
import datetime as dt
import shutil
import tempfile
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given
from hypothesis import strategies as st

from helpers import FROZEN_RULES, REPO, examples
from marenew.cli import app
from marenew.cli.exitcodes import ExitCode
from marenew.core.engine import evaluate
from marenew.load.credentials import load_credentials
from marenew.load.problems import InputError, Problem
from marenew.load.rules import load_rule_file, load_rules

EXAMPLES = sorted((REPO / "examples").glob("*.yaml"))
RULE_TEXT = (FROZEN_RULES / "cma.yaml").read_text(encoding="utf-8")
RULESET = load_rules()
AS_OF = dt.date(2026, 11, 29)
WORK = Path(tempfile.mkdtemp(prefix="marenew-fuzz-"))  # one scratch folder (hypothesis reruns tests)
atexit.register(shutil.rmtree, WORK, True)

FUZZ = examples(150, suppress_health_check=[HealthCheck.too_slow])
# generating nested structures costs more than loading them: fewer of those
FUZZ_NESTED = examples(80, suppress_health_check=[HealthCheck.too_slow])

# Words of the credential and rule formats, so that generated mappings reach past the first key.
WORDS = [
    "holder",
    "memberships",
    "credentials",
    "credits",
    "cert",
    "number",
    "certified_on",
    "expires_on",
    "title",
    "date",
    "points",
    "college_credits",
    "category",
    "approved_by",
    "applies_to",
    "CMA",
    "RMA",
    "id",
    "name",
    "body",
    "cycle",
    "months",
    "value",
    "source",
    "confidence",
    "values",
    "<<",
]


def load_bytes(data: bytes, name: str = "fuzz.yaml") -> object:
    """Load a credential file and judge it: the report, or the InputError. Anything else fails."""
    path = WORK / name
    path.write_bytes(data)
    try:
        loaded = load_credentials(path, RULESET, today=AS_OF)
        outcome: object = evaluate(RULESET.rules, loaded.holder, AS_OF).as_json()
    except InputError as exc:
        check_problems(exc.problems)
        outcome = exc
    return outcome


def check_problems(problems: list[Problem]) -> None:
    assert problems, "an InputError must say what is wrong"
    for p in problems:
        assert isinstance(p, Problem) and p.message
        assert p.line is None or p.line >= 1
        str(p)  # formats


def mutate(text: str, ops: list[tuple[str, int, int, str]]) -> str:
    """Delete, duplicate or swap lines, flip or insert characters."""
    lines = text.split("\n")
    for op, i, j, char in ops:
        if not lines:
            lines = [""]
        i %= len(lines)
        j %= len(lines)
        if op == "delete":
            del lines[i]
        elif op == "duplicate":
            lines.insert(i, lines[i])
        elif op == "swap":
            lines[i], lines[j] = lines[j], lines[i]
        elif op == "flip" and lines[i]:
            k = j % len(lines[i])
            lines[i] = lines[i][:k] + char + lines[i][k + 1 :]
        elif op == "insert":
            k = j % (len(lines[i]) + 1)
            lines[i] = lines[i][:k] + char + lines[i][k:]
    return "\n".join(lines)


CHARS = st.sampled_from(
    list(":-#&*!|>'\"[]{},?%@`\t \\")
    + ["\n", "  ", "x", "0", "9", "é", "\x00", "\x07", "yes", "no", "~", "2023-02-30", "1.10", "!!binary "]
)
OPS = st.lists(
    st.tuples(
        st.sampled_from(["delete", "duplicate", "swap", "flip", "insert"]),
        st.integers(0, 200),
        st.integers(0, 200),
        CHARS,
    ),
    min_size=1,
    max_size=6,
)

SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-(10**6), 10**6)
    | st.floats(allow_nan=True)
    | st.text(max_size=12)
    | st.sampled_from(WORDS)
    | st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31))
)
STRUCTURES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from(WORDS) | st.text(max_size=6) | st.integers(0, 9), inner, max_size=5)
    ),
    max_leaves=20,
)


@FUZZ
@given(st.binary(max_size=3000))
def test_random_bytes(data):
    load_bytes(data)


@FUZZ_NESTED
@given(STRUCTURES)
def test_random_yaml_structures(value):
    load_bytes(yaml.safe_dump(value, allow_unicode=True).encode("utf-8"))


@FUZZ_NESTED
@given(
    st.dictionaries(st.sampled_from(WORDS), STRUCTURES, max_size=5),
    st.lists(st.dictionaries(st.sampled_from(WORDS), STRUCTURES, max_size=6), max_size=3),
)
def test_random_structures_shaped_like_a_credential_file(top, items):
    # one level deeper: lists of mappings under `credentials` and `credits`, as in real files
    top = {**top, "credentials": items, "credits": list(reversed(items))}
    load_bytes(yaml.safe_dump(top, allow_unicode=True).encode("utf-8"))


@FUZZ
@given(st.sampled_from(EXAMPLES), OPS)
def test_mutated_examples(example, ops):
    load_bytes(mutate(example.read_text(encoding="utf-8"), ops).encode("utf-8"))


@FUZZ
@given(OPS)
def test_mutated_rule_files_never_raise(ops):
    path = WORK / "rule.yaml"
    path.write_text(mutate(RULE_TEXT, ops), encoding="utf-8")
    rule, _, problems = load_rule_file(path)  # returns its problems; never raises for bad content
    if rule is None:
        check_problems(problems)
    else:
        assert not [p for p in problems if p.level == "error"]


@examples(40, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(EXAMPLES), OPS)
def test_mutated_examples_through_the_cli(example, ops):
    from typer.testing import CliRunner

    path = WORK / "cli.yaml"
    path.write_text(mutate(example.read_text(encoding="utf-8"), ops), encoding="utf-8")
    result = CliRunner().invoke(
        app,
        ["status", str(path), "--as-of", AS_OF.isoformat()],
        env={"NO_COLOR": "1", "MARENEW_RULES": "", "MARENEW_DEBUG": ""},
    )
    assert result.exit_code in (ExitCode.OK, ExitCode.ATTENTION, ExitCode.INPUT), (result.exit_code, result.stderr)
    assert "Traceback" not in result.stdout + result.stderr
    if result.exit_code == ExitCode.INPUT:
        assert result.stderr.startswith(str(path))
