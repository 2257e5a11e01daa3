"""`marenew status` and `marenew cost` through typer's CliRunner: exit codes, the documented JSON
shape, human output with NO_COLOR, --rules / MARENEW_RULES, and clean errors."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import EXAMPLES, FROZEN_RULES, cli
from marenew import __version__
from marenew.cli import app
from ruledata import money, path_fee, recurring_fee

# Wide, so that rich does not wrap the phrases the tests look for; no colour.
PLAIN = {"NO_COLOR": "1", "COLUMNS": "200", "MARENEW_RULES": None, "FORCE_COLOR": None, "TTY_COMPATIBLE": None}

CMA_AND_RMA = """\
holder: Casey Test
memberships: [aama]
credentials:
  - cert: cma
    certified_on: 2021-03-15
  - cert: RMA
    number: "R-1"
    certified_on: 2023-05-01
credits:
  - title: Clinical skills day
    date: 2022-05-01
    points: 60
    category: clinical
  - title: HIPAA update
    date: 2023-06-01
    points: 2
    category: administrative
    approved_by: AAMA
"""

NCMA_HOLDER = """\
holder: Pat Test
memberships: [AAMA]
credentials:
  - cert: CMA
    certified_on: 2021-03-15
  - cert: NCMA
    certified_on: 2026-01-10
"""


def run(runner, *args: str, env: dict | None = None):
    result = cli(*args, env={**PLAIN, **(env or {})})
    # a crash inside the command would show up here rather than as an exit code
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def is_number(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def is_iso_date(x) -> bool:
    return isinstance(x, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", x) is not None


# --- exit codes -------------------------------------------------------------------------------


def test_status_exit_0_when_every_credential_is_active(runner):
    result = run(runner, "status", EXAMPLES / "cma-on-track.yaml", "--as-of", "2026-11-29")
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    ("as_of", "word"),
    [
        ("2026-11-29", "ACTIVE"),  # cma-short expires 2027-02-28: 91 days left
        ("2026-11-30", "EXPIRING"),  # 90 days left
        ("2027-03-01", "GRACE"),
        ("2027-06-01", "LAPSED"),  # the late window ended 2027-05-31
    ],
)
def test_status_exit_1_when_any_credential_needs_attention(runner, as_of, word):
    result = run(runner, "status", EXAMPLES / "cma-short.yaml", "--as-of", as_of)
    assert result.exit_code == (0 if word == "ACTIVE" else 1), result.output
    assert word in result.stdout


def test_status_warn_days_option(runner):
    # 91 days left: active with the default 90, expiring with --warn-days 91
    args = ("status", EXAMPLES / "cma-short.yaml", "--as-of", "2026-11-29")
    assert run(runner, *args).exit_code == 0
    assert run(runner, *args, "--warn-days", "91").exit_code == 1


def test_status_one_expiring_credential_is_enough_for_exit_1(runner, write):
    # CMA expires 2026-03-31, RMA due 2026-05-01
    path = write("two.yaml", CMA_AND_RMA)
    result = run(runner, "status", path, "--as-of", "2025-11-01", "--json")
    assert result.exit_code == 0  # CMA 150 days left, RMA 181: both active
    # 2026-01-01: CMA 89 days left (expiring), RMA 120 days (active)
    result = run(runner, "status", path, "--as-of", "2026-01-01", "--json")
    assert [c["status"] for c in json.loads(result.stdout)["credentials"]] == ["expiring", "active"]
    assert result.exit_code == 1


@pytest.mark.parametrize("bad", ["2026-13-01", "tomorrow"])
def test_status_bad_as_of_is_a_usage_error(runner, bad):
    result = run(runner, "status", EXAMPLES / "cma-on-track.yaml", "--as-of", bad)
    assert result.exit_code == 2
    assert "YYYY-MM-DD" in result.output


# --- status --json ----------------------------------------------------------------------------


def test_status_json_shape(runner, write):
    path = write("two.yaml", CMA_AND_RMA)
    result = run(runner, "status", path, "--as-of", "2025-01-01", "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert {"as_of", "holder", "credentials"} <= set(data)
    assert data["as_of"] == "2025-01-01"
    assert data["holder"] == "Casey Test"
    assert [c["cert"] for c in data["credentials"]] == ["CMA", "RMA"]
    for cred in data["credentials"]:
        assert {
            "cert",
            "body",
            "name",
            "status",
            "expires_on",
            "deadline",
            "window",
            "ready",
            "points_needed",
            "requirements",
            "credits",
            "cost",
            "warnings",
        } <= set(cred)
        assert cred["status"] in ("active", "expiring", "grace", "lapsed")
        assert all(is_iso_date(cred[k]) for k in ("expires_on", "deadline"))
        assert set(cred["window"]) == {"start", "end"} and all(is_iso_date(v) for v in cred["window"].values())
        assert isinstance(cred["ready"], bool)
        assert is_number(cred["points_needed"])
        for r in cred["requirements"]:
            assert {"id", "label", "required", "counted", "short"} <= set(r)
            assert isinstance(r["id"], str) and isinstance(r["label"], str)
            assert all(is_number(r[k]) for k in ("required", "counted", "short"))
        for c in cred["credits"]:
            assert {"title", "date", "points", "counted", "note"} <= set(c)
            assert is_iso_date(c["date"]) and is_number(c["points"]) and is_number(c["counted"])
            assert c["note"] is None or isinstance(c["note"], str)
        cost = cred["cost"]
        assert {"path", "member", "amount", "currency", "items"} <= set(cost)
        assert cost["path"] in ("ce", "exam", "reinstatement", "course")
        assert isinstance(cost["member"], bool) and cost["currency"] == "USD"
        for item in cost["items"]:
            assert isinstance(item["label"], str) and (item["amount"] is None or is_number(item["amount"]))
        assert isinstance(cred["warnings"], list) and all(isinstance(w, str) for w in cred["warnings"])

    cma, rma = data["credentials"]
    # the values, not only the shape (the cap example: 60 non-AAMA clinical count as 30)
    assert (cma["body"], cma["status"], cma["expires_on"], cma["deadline"]) == (
        "AAMA",
        "active",
        "2026-03-31",
        "2026-06-30",
    )
    assert cma["window"] == {"start": "2021-03-15", "end": "2026-03-31"}
    # counted 30 + 2 = 32 of 60 -> 28 short; approved 2 of 30 -> 28 short; general 10 -> 28 needed
    assert cma["points_needed"] == 28 and cma["ready"] is False
    total = next(r for r in cma["requirements"] if r["id"] == "total")
    assert (total["required"], total["counted"], total["short"]) == (60, 32, 28)
    assert cma["cost"]["member"] is True and cma["cost"]["amount"] == 65  # memberships: [aama]
    # the CCP's own fee, and the annual fee due with it (amounts as the rule file gives them)
    ccp, annual = path_fee("RMA", "ce"), recurring_fee("RMA")
    assert rma["cost"]["member"] is False and rma["cost"]["amount"] == ccp + annual
    assert [i["amount"] for i in rma["cost"]["items"]] == [ccp, annual]
    skills = next(c for c in rma["credits"] if c["title"] == "Clinical skills day")
    assert skills["counted"] == 0 and "before this cycle began" in skills["note"]  # 2022 < 2023-05-01


def test_status_json_unknown_amount_is_null(runner, write):
    path = write("ncma.yaml", NCMA_HOLDER)
    data = json.loads(run(runner, "status", path, "--as-of", "2026-02-01", "--json").stdout)
    ncma = data["credentials"][1]
    assert ncma["cost"]["amount"] is None
    assert ncma["cost"]["items"][0]["amount"] is None


def test_status_member_option_overrides_memberships(runner, write):
    path = write("two.yaml", CMA_AND_RMA)
    data = json.loads(run(runner, "status", path, "--as-of", "2025-01-01", "--json", "--non-member").stdout)
    assert data["credentials"][0]["cost"]["amount"] == 130
    data = json.loads(
        run(runner, "status", EXAMPLES / "cma-short.yaml", "--as-of", "2026-11-29", "--json", "--member").stdout
    )
    assert data["credentials"][0]["cost"]["amount"] == 65


# --- human output -----------------------------------------------------------------------------


def test_status_text_with_no_color(runner):
    result = run(runner, "status", EXAMPLES / "cma-short.yaml", "--as-of", "2026-11-30")
    out = result.stdout
    assert "Sam Okafor" in out
    assert "EXPIRING" in out
    assert "2027-02-28" in out  # expiry
    assert "2027-05-31" in out  # deadline: the end of the late window
    assert "90 days left" in out
    assert "20 points" in out  # points needed
    assert "$130" in out  # non-member CE fee
    assert "\x1b[" not in out


def test_no_color_removes_colour_even_when_colour_is_forced(runner):
    args = ("status", EXAMPLES / "cma-short.yaml", "--as-of", "2026-11-30")
    colour = re.compile(r"\x1b\[[0-9;]*(?:3[0-9]|9[0-7])(?:;[0-9;]*)?m")
    forced = runner.invoke(app, [str(a) for a in args], env={**PLAIN, "FORCE_COLOR": "1", "NO_COLOR": None})
    assert colour.search(forced.stdout), "FORCE_COLOR alone should colour the output"
    plain = runner.invoke(app, [str(a) for a in args], env={**PLAIN, "FORCE_COLOR": "1"})
    assert not colour.search(plain.stdout)


def test_status_explain_lists_credits_with_notes(runner):
    result = run(runner, "status", EXAMPLES / "cma-short.yaml", "--as-of", "2026-11-29", "--explain")
    out = result.stdout
    for title in ("Hospital annual skills day", "EKG interpretation", "Infection control refresher"):
        assert title in out
    assert "before this cycle began" in out  # the 2021 credit
    assert "cap" in out  # non-AAMA points over the cap
    assert "college credit" in out
    without = run(runner, "status", EXAMPLES / "cma-short.yaml", "--as-of", "2026-11-29").stdout
    assert "Infection control refresher" not in without


def test_status_text_shows_unknown_cost(runner, write):
    path = write("ncma.yaml", NCMA_HOLDER)
    out = run(runner, "status", path, "--as-of", "2026-02-01").stdout
    assert "unknown" in out
    assert "NCMA" in out


# --- cost -------------------------------------------------------------------------------------


def test_cost_table_without_file(runner):
    result = run(runner, "cost", "--member", "--as-of", "2026-11-29")
    assert result.exit_code == 0
    out = result.stdout
    for cert in ("CMA", "RMA", "CCMA", "NCMA"):
        assert cert in out
    assert "$65" in out and "$125" in out  # CMA member fees
    assert "$13" in out  # CMA per year
    assert money(recurring_fee("RMA")) in out  # RMA annual fee and per year
    assert "unknown" in out  # NCMA


def test_cost_json_without_file(runner):
    data = json.loads(run(runner, "cost", "--member", "--json", "--as-of", "2026-11-29").stdout)
    assert data["member"] is True and data["currency"] == "USD"
    certs = {c["cert"]: c for c in data["certs"]}
    assert {"CMA", "RMA", "CCMA", "NCMA"} <= set(certs)
    for c in certs.values():
        assert {"cert", "body", "cycle_months", "fees", "recurring", "per_year"} <= set(c)
        assert c["per_year"] is None or is_number(c["per_year"])
    assert certs["CMA"]["fees"] == {"ce": 65, "exam": 125}
    assert certs["CMA"]["cycle_months"] == 60
    assert certs["CMA"]["per_year"] == 13.0
    annual = recurring_fee("RMA")
    assert certs["RMA"]["per_year"] == path_fee("RMA", "ce") * 12 / 36 + annual
    assert certs["RMA"]["recurring"][0]["amount"] == annual and certs["RMA"]["recurring"][0]["every_months"] == 12
    assert certs["NCMA"]["per_year"] is None
    # without --member: non-member fees
    data = json.loads(run(runner, "cost", "--json", "--as-of", "2026-11-29").stdout)
    cma = next(c for c in data["certs"] if c["cert"] == "CMA")
    assert data["member"] is False and cma["fees"]["ce"] == 130 and cma["per_year"] == 26.0


def test_cost_cert_filter(runner):
    data = json.loads(run(runner, "cost", "--json", "--cert", "cma", "--cert", "RMA").stdout)
    assert [c["cert"] for c in data["certs"]] == ["CMA", "RMA"]
    out = run(runner, "cost", "--cert", "NCMA").stdout
    assert re.findall(r"^│ (\w+) ", out, flags=re.M) == ["NCMA"]  # the cert column of each table row
    narrow = run(runner, "cost", "--cert", "NCMA", env={"COLUMNS": "80"}).stdout
    assert re.findall(r"^(\S+) \([^)]+\): cycle ", narrow, flags=re.M) == ["NCMA"]  # a heading per certification


def test_cost_unknown_cert_is_a_usage_error(runner):
    result = run(runner, "cost", "--cert", "XYZ")
    assert result.exit_code == 2
    assert "XYZ" in result.output and "CMA" in result.output


def test_cost_with_file_checks_cert_as_without_file(runner, write):
    path = write("two.yaml", CMA_AND_RMA)
    # an id no rule has: the same usage error as without FILE, not an empty table and $0
    result = run(runner, "cost", path, "--as-of", "2025-01-01", "--cert", "XYZ")
    assert result.exit_code == 2
    assert "unknown certification XYZ" in result.output and "CMA" in result.output
    assert "Total" not in result.stdout
    # a known id that the file does not hold: say what it holds
    result = run(runner, "cost", path, "--as-of", "2025-01-01", "--json", "--cert", "NCMA")
    assert result.exit_code == 2
    assert "holds no NCMA; it holds cma, RMA" in result.output
    assert "{" not in result.stdout  # no JSON on stdout


def test_cost_with_file(runner, write):
    path = write("two.yaml", CMA_AND_RMA)
    result = run(runner, "cost", path, "--as-of", "2025-01-01")
    assert result.exit_code == 0
    # CMA member CE fee + RMA: the CCP and the annual fee due with it
    cma, rma = path_fee("CMA", "ce", member=True, day="2025-01-01"), path_fee("RMA", "ce") + recurring_fee("RMA")
    assert f"Total: {money(cma + rma)}" in result.stdout
    data = json.loads(run(runner, "cost", path, "--as-of", "2025-01-01", "--json").stdout)
    assert [(c["cert"], c["cost"]["amount"]) for c in data["credentials"]] == [("CMA", cma), ("RMA", rma)]
    assert data["total"] == cma + rma and data["complete"] is True
    data = json.loads(run(runner, "cost", path, "--as-of", "2025-01-01", "--json", "--cert", "rma").stdout)
    assert [c["cert"] for c in data["credentials"]] == ["RMA"] and data["total"] == rma


def test_cost_with_file_lapsed_member(runner, write):
    path = write("two.yaml", CMA_AND_RMA)
    data = json.loads(run(runner, "cost", path, "--as-of", "2026-07-01", "--json", "--cert", "CMA").stdout)
    cost = data["credentials"][0]["cost"]
    assert data["credentials"][0]["status"] == "lapsed"
    assert (cost["path"], cost["amount"]) == ("exam", 175)  # exam 125 + reactivation 50


def test_cost_total_is_incomplete_when_a_fee_is_unknown(runner, write):
    path = write("ncma.yaml", NCMA_HOLDER)
    result = run(runner, "cost", path, "--as-of", "2026-02-01")
    assert result.exit_code == run(runner, "status", path, "--as-of", "2026-02-01").exit_code
    assert "incomplete" in result.stdout
    assert "$65" in result.stdout
    data = json.loads(run(runner, "cost", path, "--as-of", "2026-02-01", "--json").stdout)
    assert data["total"] is None and data["complete"] is False and data["total_known"] == 65


# --- --rules and MARENEW_RULES ----------------------------------------------------------------


def _extra_rules(tmp_path: Path) -> Path:
    """A folder with a replacement CMA (member CE fee 70) and a new certification XMA (a copy of
    the RMA under another id and body)."""
    folder = tmp_path / "my-rules"
    folder.mkdir()
    cma = (FROZEN_RULES / "cma.yaml").read_text(encoding="utf-8")
    replaced = cma.replace("      member: {value: 65, source: article,", "      member: {value: 70, source: article,")
    assert replaced != cma
    (folder / "cma.yaml").write_text(replaced, encoding="utf-8")
    rma = (FROZEN_RULES / "rma.yaml").read_text(encoding="utf-8")
    xma = rma.replace("id: RMA", "id: XMA").replace("body: AMT", "body: XBODY")
    assert "id: XMA" in xma
    (folder / "xma.yaml").write_text(xma, encoding="utf-8")
    return folder


XMA_HOLDER = """\
holder: Robin Test
credentials:
  - cert: xma
    certified_on: 2023-05-01
  - cert: CMA
    certified_on: 2021-03-15
"""


def test_rules_option_adds_and_replaces_by_id(runner, tmp_path, write):
    folder = _extra_rules(tmp_path)
    data = json.loads(run(runner, "cost", "--member", "--json", "--rules", folder).stdout)
    certs = {c["cert"]: c for c in data["certs"]}
    assert certs["CMA"]["fees"]["ce"] == 70  # replaced
    assert "XMA" in certs and certs["XMA"]["body"] == "XBODY"  # added
    assert "RMA" in certs  # the built-in ones stay
    assert sum(1 for c in data["certs"] if c["cert"] == "CMA") == 1
    path = write("xma.yaml", XMA_HOLDER)
    result = run(runner, "status", path, "--as-of", "2025-01-01", "--json", "--member", "--rules", folder)
    assert result.exit_code == 0, result.output
    xma, cma = json.loads(result.stdout)["credentials"]
    assert (xma["cert"], xma["expires_on"]) == ("XMA", "2026-05-01")
    assert cma["cost"]["amount"] == 70


def test_marenew_rules_environment_variable(runner, tmp_path, write):
    folder = _extra_rules(tmp_path)
    data = json.loads(run(runner, "cost", "--member", "--json", env={"MARENEW_RULES": str(folder)}).stdout)
    certs = {c["cert"]: c for c in data["certs"]}
    assert certs["CMA"]["fees"]["ce"] == 70 and "XMA" in certs
    # without it, the built-in CMA and no XMA
    data = json.loads(run(runner, "cost", "--member", "--json").stdout)
    certs = {c["cert"]: c for c in data["certs"]}
    assert certs["CMA"]["fees"]["ce"] == 65 and "XMA" not in certs


def test_unknown_cert_without_the_extra_rules(runner, write):
    path = write("xma.yaml", XMA_HOLDER)
    result = run(runner, "status", path, "--as-of", "2025-01-01")
    assert result.exit_code == 2
    assert "unknown certification `xma`" in result.stderr


def test_missing_rules_folder_is_an_input_error(runner, tmp_path):
    result = run(runner, "cost", "--rules", tmp_path / "nowhere")
    assert result.exit_code == 2
    assert "nowhere" in result.stderr
    assert "Traceback" not in result.output


# --- bad input: exit 2, the file (and line) named, no traceback -------------------------------


def _bad_input(runner, path: Path, *extra: str):
    result = run(runner, "status", path, "--as-of", "2026-01-01", *extra)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert result.stdout == ""  # nothing on stdout: diagnostics go to stderr
    return result.stderr


def test_missing_file(runner, tmp_path):
    err = _bad_input(runner, tmp_path / "absent.yaml")
    assert str(tmp_path / "absent.yaml") in err
    assert "no such file" in err


def test_unparsable_yaml(runner, write):
    path = write("broken.yaml", "holder: x\ncredentials: [\n  - cert: CMA\n")
    err = _bad_input(runner, path)
    assert re.search(re.escape(str(path)) + r":3:\d+: error: ", err), err
    assert "YAML" in err


def test_wrong_type(runner, write):
    path = write("type.yaml", "holder: x\ncredentials:\n  - cert: CMA\n    certified_on: soon\n")
    err = _bad_input(runner, path)
    assert re.search(re.escape(str(path)) + r":4:\d+: error: ", err), err
    assert "certified_on" in err


def test_unknown_cert_lists_known_ones(runner, write):
    path = write("unknown.yaml", "holder: x\ncredentials:\n  - cert: XYZ\n    certified_on: 2021-03-15\n")
    err = _bad_input(runner, path)
    assert re.search(re.escape(str(path)) + r":3:\d+: error: ", err), err
    assert "XYZ" in err
    for known in ("CCMA", "CMA", "NCMA", "RMA"):
        assert known in err


def test_negative_points(runner, write):
    text = (
        "holder: x\ncredentials:\n  - cert: CMA\n    certified_on: 2021-03-15\ncredits:\n"
        "  - title: a course\n    date: 2022-01-01\n    points: -3\n"
    )
    path = write("negative.yaml", text)
    err = _bad_input(runner, path)
    assert re.search(re.escape(str(path)) + r":8:\d+: error: ", err), err
    assert "points" in err


def test_bad_input_in_json_mode_and_cost_too(runner, write):
    path = write("unknown.yaml", "holder: x\ncredentials:\n  - cert: XYZ\n    certified_on: 2021-03-15\n")
    assert "XYZ" in _bad_input(runner, path, "--json")
    result = run(runner, "cost", path)
    assert result.exit_code == 2 and "XYZ" in result.stderr and "Traceback" not in result.output


# --- version and help -------------------------------------------------------------------------


@pytest.mark.slow
def test_python_m_marenew_version():
    done = subprocess.run([sys.executable, "-m", "marenew", "--version"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"marenew {__version__}"


def test_version_option(runner):
    result = run(runner, "--version")
    assert result.exit_code == 0 and __version__ in result.stdout


@pytest.mark.parametrize("command", ["status", "cost"])
def test_help_has_an_example(runner, command):
    result = run(runner, command, "--help")
    assert result.exit_code == 0
    assert "Example: marenew " + command in result.stdout


def test_status_text_lapsed_shows_the_exam_path_and_unknown_reinstatement(runner, write):
    path = write("two.yaml", CMA_AND_RMA)
    result = run(runner, "status", path, "--as-of", "2026-07-01")
    assert result.exit_code == 1
    out = result.stdout
    assert out.count("LAPSED") == 2  # CMA: the late window ended 2026-06-30; RMA: due 2026-05-01
    assert "$175" in out and "$125" in out and "$50" in out  # exam + reactivation, member
    assert "unknown" in out  # AMT reinstatement fee
