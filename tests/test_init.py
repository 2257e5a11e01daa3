"""`marenew init`: a commented starter file that passes `marenew status` as written, for any cert and
any day; never overwrites without --force; writes atomically."""

from __future__ import annotations

import datetime as dt
import os

import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpers import AS_OF, REPO, examples
from marenew.cli import app
from marenew.cli.exitcodes import ExitCode
from marenew.core.credential import Credential, CredentialFile, Credit
from marenew.load.rules import load_rules
from marenew.load.yamlfile import parse

BUILTIN = sorted(load_rules().ids())


def init(runner, *args, env=None):
    return runner.invoke(app, ["init", *args], env={"NO_COLOR": "1", "MARENEW_RULES": "", **(env or {})})


def test_without_a_tty_or_cert_it_starts_with_cma_and_says_so(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = init(runner, "--as-of", AS_OF)
    assert result.exit_code == ExitCode.OK, result.stderr
    assert "no --cert given: starting with CMA" in result.stderr
    text = (tmp_path / "marenew.yaml").read_text(encoding="utf-8")  # the default PATH
    assert "  - cert: CMA " in text
    assert result.stdout == ""


def test_dates_are_fixed_from_the_day_written(runner):
    # certified three months before the day written; CMA (end of month, 60 months): 2026-08-29 ->
    # 2031-08-31; credits two months and one month before.
    text = init(runner, "-", "--cert", "CMA", "--as-of", AS_OF).stdout
    for line in (
        "    certified_on: 2026-08-29 ",
        "    expires_on: 2031-08-31 ",
        "    date: 2026-09-29 ",
        "    date: 2026-10-29",
    ):
        assert line in text


def test_every_field_is_shown_with_a_comment(runner, ruleset):
    text = init(runner, "-", "--cert", "CMA", "--as-of", AS_OF).stdout
    doc = parse(text, "starter", allow_aliases=False)
    data = doc.data
    assert set(data) == set(CredentialFile.model_fields)
    assert set(data["credentials"][0]) == set(Credential.model_fields)
    assert set().union(*(set(c) for c in data["credits"])) == set(Credit.model_fields)
    lines = text.splitlines()
    for name in set(CredentialFile.model_fields) | set(Credential.model_fields) | set(Credit.model_fields):
        # explained on its own line, or by the comment just above it
        assert any(
            line.lstrip(" -").startswith(f"{name}:") and ("  # " in line or lines[i - 1].startswith("#"))
            for i, line in enumerate(lines)
        ), name


def test_several_certs_each_once_in_the_order_given(runner):
    result = init(runner, "-", "--cert", "ccma", "--cert", "RMA", "--cert", "CCMA", "--as-of", AS_OF)
    assert result.exit_code == ExitCode.OK
    certs = [ln.split()[2] for ln in result.stdout.splitlines() if ln.startswith("  - cert: ")]
    assert certs == ["CCMA", "RMA"]


def test_unknown_cert_exits_2_listing_the_known_ones(runner, ruleset, tmp_path):
    result = init(runner, str(tmp_path / "x.yaml"), "--cert", "CMA", "--cert", "XYZ")
    assert result.exit_code == ExitCode.INPUT
    assert "unknown certification XYZ" in result.stderr
    for cert in ruleset.ids():
        assert cert in result.stderr
    assert not (tmp_path / "x.yaml").exists()


def test_cert_ids_come_from_the_rule_set_including_rules_dirs(runner, tmp_path):
    folder = tmp_path / "rules"
    folder.mkdir()
    text = (REPO / "rules" / "cma.yaml").read_text(encoding="utf-8").replace("id: CMA\n", "id: MYCMA\n")
    (folder / "mycma.yaml").write_text(text, encoding="utf-8")
    result = init(runner, "-", "--cert", "MYCMA", "--rules", str(folder), "--as-of", AS_OF)
    assert result.exit_code == ExitCode.OK, result.stderr
    assert "  - cert: MYCMA " in result.stdout


def _answers(*lines: str) -> str:
    return "".join(line + "\n" for line in lines)


def test_interactive_asks_each_answer_again_until_it_is_right(runner, tmp_path, monkeypatch):
    monkeypatch.setattr("marenew.cli.init._interactive", lambda: True)
    target = tmp_path / "mine.yaml"
    typed = _answers(
        "",  # a name is needed
        "Dana Reyes",
        "XYZ",  # not a certification
        "cma, rma",
        "8/19/22",  # the year in full, please
        "02/30/2022",  # no such day
        "12/01/2026",  # after today
        "08/19/2022",
        "n",  # not what was meant: asked again
        "2022-08-19",
        "2022-08-01",  # an expiry before the cycle began
        "",  # the rule's expiry
        "0012345",
        "05/01/2024",
        "y",
        "2027-05-02",  # the card's date, one day after the rule's
        "",  # no number
        "AAMA XYZ",  # not a body
        "aama",
    )
    result = runner.invoke(app, ["init", str(target), "--as-of", AS_OF], input=typed)
    assert result.exit_code == ExitCode.OK, result.stderr
    for said in (
        "give your name",
        "unknown certification XYZ",
        "write the year in full (2022 or 1922?)",
        "`02/30/2022` is not a day of the calendar",
        "2026-12-01 is after today (2026-11-29)",
        "Read as 2022-08-19 (August 19, 2022). Right?",
        "2022-08-01 is not after the day the cycle began (2022-08-19)",
        "unknown body XYZ",
    ):
        assert said in result.stderr, said
    text = target.read_text(encoding="utf-8")
    for line in (
        "holder: Dana Reyes ",
        "memberships: [AAMA] ",
        '    number: "0012345" ',
        "    certified_on: 2022-08-19 ",
        "    # expires_on: ",  # the rule's: not written
        "    # number: ",
        "    certified_on: 2024-05-01 ",
        "    expires_on: 2027-05-02 ",  # the card's: written
        "credits: []",
    ):
        assert any(ln.startswith(line) for ln in text.splitlines()), line
    assert "FILL-IN" not in text
    status = runner.invoke(app, ["status", str(target), "--as-of", AS_OF, "--json"], env={"MARENEW_RULES": ""})
    assert status.exit_code in (ExitCode.OK, ExitCode.ATTENTION), status.stderr
    assert "placeholder" not in status.stderr


def test_interactive_default_is_cma(runner, tmp_path, monkeypatch):
    monkeypatch.setattr("marenew.cli.init._interactive", lambda: True)
    result = runner.invoke(app, ["init", "-", "--as-of", AS_OF], input=_answers("Ana", "", "2024-01-10", "", "", ""))
    assert result.exit_code == ExitCode.OK, result.stderr
    assert "  - cert: CMA " in result.stdout and "    certified_on: 2024-01-10 " in result.stdout


def test_options_answer_without_questions(runner, tmp_path, monkeypatch):
    monkeypatch.setattr("marenew.cli.init._interactive", lambda: True)  # options: no question even so
    target = tmp_path / "mine.yaml"
    args = ["--holder", "Dana Reyes", "--cert", "CMA", "--cert", "RMA", "--certified-on", "CMA=08/19/2022"]
    args += ["--certified-on", "rma=2024-05-01", "--number", "CMA=0012345", "--member", "aama", "--as-of", AS_OF]
    result = runner.invoke(app, ["init", str(target), *args])
    assert result.exit_code == ExitCode.OK, result.stderr
    assert "read --certified-on 08/19/2022 as 2022-08-19 (August 19, 2022)" in result.stderr
    text = target.read_text(encoding="utf-8")
    assert "    certified_on: 2022-08-19 " in text and "    certified_on: 2024-05-01 " in text
    assert "FILL-IN" not in text and "memberships: [AAMA] " in text
    # what was not given stays a placeholder, marked, and status says so
    result = runner.invoke(app, ["init", str(target), "--cert", "CMA", "--certified-on", "2022-08-19", "--force"])
    assert result.exit_code == ExitCode.OK, result.stderr
    status = runner.invoke(app, ["status", str(target), "--as-of", AS_OF], env={"MARENEW_RULES": ""})
    assert "1 value is still a placeholder written by `marenew init`" in status.stderr


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--certified-on", "8/19/22"], "write the year in full"),
        (["--certified-on", "2022-02-30"], "`2022-02-30` is not a day of the calendar"),
        (["--certified-on", "2027-01-01"], "is after today"),
        (
            ["--cert", "RMA", "--certified-on", "2022-08-19"],
            "with several certifications, write --certified-on CERT=VALUE",
        ),
        (["--certified-on", "NCMA=2022-08-19"], "`NCMA` is not one of the certifications given"),
        (["--certified-on", "2022-08-19", "--expires-on", "2022-01-01"], "is not after the day the cycle began"),
        (["--expires-on", "2027-01-01"], "give CMA's --certified-on with its expiry"),
        (["--member", "XYZ"], "unknown body XYZ"),
        (["--holder", " "], "give your name"),
    ],
)
def test_option_mistakes_exit_2_and_write_nothing(runner, tmp_path, args, said):
    target = tmp_path / "mine.yaml"
    result = init(runner, str(target), "--cert", "CMA", *args, "--as-of", AS_OF)
    assert result.exit_code == ExitCode.INPUT, result.stderr
    assert said in result.stderr
    assert not target.exists()


def test_never_overwrites_without_force(runner, tmp_path):
    target = tmp_path / "marenew.yaml"
    target.write_text("holder: my real data\n", encoding="utf-8")
    result = init(runner, str(target), "--cert", "CMA")
    assert result.exit_code == ExitCode.INPUT
    assert result.stderr == f"{target}: error: already exists; pass --force to overwrite it\n"
    assert target.read_text(encoding="utf-8") == "holder: my real data\n"

    result = init(runner, str(target), "--cert", "CMA", "--force", "--as-of", AS_OF)
    assert result.exit_code == ExitCode.OK
    assert "  - cert: CMA " in target.read_text(encoding="utf-8")


def test_an_interrupted_write_leaves_the_old_file_whole(runner, tmp_path, monkeypatch):
    target = tmp_path / "marenew.yaml"
    target.write_text("holder: my real data\n", encoding="utf-8")

    def fail(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    result = init(runner, str(target), "--cert", "CMA", "--force", "--as-of", AS_OF)
    assert result.exit_code == ExitCode.INPUT
    assert result.stderr == f"{target}: error: cannot write: no space left on the device\n"
    assert target.read_text(encoding="utf-8") == "holder: my real data\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["marenew.yaml"]  # no temporary file left


def test_a_folder_gets_the_default_name_and_a_missing_folder_is_a_clean_error(runner, tmp_path):
    result = init(runner, str(tmp_path), "--cert", "CMA")
    assert result.exit_code == ExitCode.OK and (tmp_path / "marenew.yaml").is_file()
    result = init(runner, str(tmp_path / "new") + "/", "--cert", "CMA")
    assert result.exit_code == ExitCode.OK and (tmp_path / "new" / "marenew.yaml").is_file()
    result = init(runner, str(tmp_path / "nope" / "x.yaml"), "--cert", "CMA")
    assert result.exit_code == ExitCode.INPUT and "does not exist" in result.stderr
    assert "Traceback" not in result.stderr


def test_dash_writes_to_stdout_only(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = init(runner, "-", "--cert", "RMA", "--as-of", AS_OF)
    assert result.exit_code == ExitCode.OK
    assert result.stdout.startswith("# marenew credential file")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("cert", BUILTIN)
def test_round_trip_through_status(cert, runner, tmp_path):
    target = tmp_path / "starter.yaml"
    assert init(runner, str(target), "--cert", cert, "--as-of", AS_OF).exit_code == ExitCode.OK
    # active, not expiring, with the default --warn-days 90: NCMA's 12-month cycle, certified
    # 2026-08-29, expires 2027-08-29, 273 days after the day written
    result = runner.invoke(app, ["status", str(target), "--as-of", AS_OF], env={"MARENEW_RULES": ""})
    assert result.exit_code == ExitCode.OK, result.stdout + result.stderr
    # no warning but the one that says the values are placeholders
    (warning,) = result.stderr.splitlines()
    assert "are still placeholders written by `marenew init`" in warning


@examples(120)
@given(
    # marenew takes dates from 1900 to 2199: the file begins three months before the day written,
    # and its expiry (up to five years later) must still be before 2200
    day=st.dates(min_value=dt.date(1901, 1, 1), max_value=dt.date(2190, 12, 31)),
    picks=st.sets(st.integers(min_value=0, max_value=50), min_size=1, max_size=4),
)
def test_the_starter_file_validates_on_any_day(ruleset, day, picks):
    # Any day (month ends, February 29 included) and any set of built-in certs: no error, no warning.
    from marenew.core.engine import evaluate
    from marenew.load.credentials import check_credentials
    from marenew.store.starter import starter_file

    ids = sorted(ruleset.ids())
    rules = [ruleset.get(ids[i % len(ids)]) for i in sorted(picks)]
    rules = list({r.id: r for r in rules}.values())
    text = starter_file(rules, ruleset, day)
    loaded = check_credentials(parse(text, "starter.yaml", allow_aliases=False), ruleset, today=day)
    assert [w.message for w in loaded.warnings if "placeholder" not in w.message] == []
    assert len(loaded.warnings) == 1
    report = evaluate(ruleset.rules, loaded.holder, day)
    assert [c.cert for c in report.credentials] == [r.id for r in rules]
    assert all(c.status == "active" for c in report.credentials)
