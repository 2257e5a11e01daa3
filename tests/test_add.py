"""`marenew add`: a credit checked before it is written, the file's comments and formatting kept,
the old version kept as FILE.bak, nothing written on any error."""

from __future__ import annotations

import pytest

from helpers import cli, kill_mid_write
from marenew.cli.exitcodes import ExitCode

# Odd but valid formatting: 4-space items with padded dashes, padded values, a flow item, comments
# everywhere, a blank line inside an item, quotes of both kinds, a comment after the last item.
ODD = """\
# My certifications   
holder:   "Dana Reyes"    # me
memberships: [AAMA]

credentials:
    -   cert: CMA      # the main one
        number: '0012345'
        certified_on: 2022-02-14
        # expires_on is worked out from the rule

# CE below
credits:
  - {title: "Flow item", date: 2024-01-10, points: 2, category: clinical, approved_by: AAMA}
  - title: Infection control
    date: 2024-02-01
    points: 1.5   # half a point more than usual

    approved_by: [AAMA]
    category: clinical
  # a comment after the last credit
# end of file
"""  # noqa: W291 (the trailing spaces on its first line are part of the test)

AS_OF = "2026-11-29"


def _file(tmp_path, text=ODD, mode=0o640):
    path = tmp_path / "me.yaml"
    path.write_text(text, encoding="utf-8")
    path.chmod(mode)
    return path


def _is_kept_in(original: str, new: str) -> list[str]:
    """The lines of ``new`` that are not the lines of ``original`` in order (the inserted ones);
    fails if any original line is missing or changed."""
    old_lines = original.splitlines()
    extra = []
    i = 0
    for line in new.splitlines():
        if i < len(old_lines) and line == old_lines[i]:
            i += 1
        else:
            extra.append(line)
    assert i == len(old_lines), f"original line {i + 1} lost: {old_lines[i]!r}"
    return extra


def test_add_keeps_every_line_and_comment_and_backs_up(tmp_path):
    path = _file(tmp_path)
    result = cli(
        "add",
        path,
        "--title",
        "EKG: rhythm strips",
        "--date",
        "2026-11-02",
        "--points",
        "clinical=3",
        "--approved-by",
        "AAMA",
        "--as-of",
        AS_OF,
    )
    assert result.exit_code == ExitCode.OK, result.stderr
    new = path.read_text(encoding="utf-8")
    added = _is_kept_in(ODD, new)
    assert added == [
        '  - title: "EKG: rhythm strips"',
        "    date: 2026-11-02",
        "    points: 3",
        "    category: clinical",
        "    approved_by: [AAMA]",
    ]
    # inserted after the last credit, before the comments that close the list
    assert new.index("EKG: rhythm strips") < new.index("# a comment after the last credit")
    assert (tmp_path / "me.yaml.bak").read_text(encoding="utf-8") == ODD
    assert oct(path.stat().st_mode & 0o777) == oct(0o640)
    assert "previous version" in result.stderr
    # what it counted toward, and what is still needed
    assert "CMA (AAMA): it counts 3 points" in result.stdout
    assert "still needed by 2027-02-28" in result.stdout
    status = cli("status", path, "--as-of", AS_OF, "--json")
    assert status.exit_code in (ExitCode.OK, ExitCode.ATTENTION), status.stderr


def test_add_to_a_file_without_credits_creates_the_list(tmp_path):
    text = "holder: Ana\ncredentials:\n  - cert: CMA\n    certified_on: 2022-02-14\n"
    path = _file(tmp_path, text)
    result = cli("add", path, "--title", "CPR", "--date", "08/19/2026", "--points", "2", "--as-of", AS_OF)
    assert result.exit_code == ExitCode.OK, result.stderr
    assert "read date 08/19/2026 as 2026-08-19" in result.stderr
    assert path.read_text(encoding="utf-8") == text + "credits:\n  - title: CPR\n    date: 2026-08-19\n    points: 2\n"


def test_add_to_an_empty_flow_list(tmp_path):
    text = "holder: Ana\ncredentials:\n  - cert: CMA\n    certified_on: 2022-02-14\ncredits: []   # none yet\n"
    path = _file(tmp_path, text)
    result = cli("add", path, "--title", "CPR", "--date", "2026-08-19", "--points", "2", "--as-of", AS_OF)
    assert result.exit_code == ExitCode.OK, result.stderr
    assert path.read_text(encoding="utf-8").splitlines()[4:] == [
        "credits:      # none yet",  # the comment keeps its column
        "  - title: CPR",
        "    date: 2026-08-19",
        "    points: 2",
    ]


def test_text_that_yaml_would_misread_is_quoted(tmp_path):
    path = _file(tmp_path)
    for title in ("no", "1.10", "# not a comment", "Yes: really"):
        result = cli("add", path, "--title", title, "--date", "2026-11-02", "--points", "1", "--as-of", AS_OF)
        assert result.exit_code == ExitCode.OK, result.stderr
    status = cli("status", path, "--as-of", AS_OF, "--json", "--explain")
    import json

    titles = [c["title"] for c in json.loads(status.stdout)["credentials"][0]["credits"]]
    assert {"no", "1.10", "# not a comment", "Yes: really"} <= set(titles)


def test_a_credit_that_fails_validation_writes_nothing(tmp_path):
    path = _file(tmp_path)
    result = cli("add", path, "--title", "Big", "--date", "2026-11-02", "--points", "900", "--as-of", AS_OF)
    assert result.exit_code == ExitCode.INPUT
    # the same message as `status` gives for that value in a file
    assert "(the new credit): error: points: points 900 is implausibly large" in result.stderr
    assert path.read_text(encoding="utf-8") == ODD
    assert not (tmp_path / "me.yaml.bak").exists()


def test_the_same_credit_twice_is_refused(tmp_path):
    path = _file(tmp_path)
    result = cli("add", path, "--title", "infection control", "--date", "2024-02-01", "--points", "1", "--as-of", AS_OF)
    assert result.exit_code == ExitCode.INPUT
    assert "listed twice" in result.stderr
    assert path.read_text(encoding="utf-8") == ODD


def test_usage_mistakes_are_exit_2_and_write_nothing(tmp_path):
    path = _file(tmp_path)
    for args in (
        ["--title", "X", "--date", "2026-11-02"],
        ["--title", "X", "--date", "13/45/2026", "--points", "1"],
        ["--title", "X", "--date", "2026-11-02", "--points", "1", "--college-credits", "1"],
        ["--title", "X", "--date", "2026-11-02", "--points", "2", "--points", "3"],
    ):
        result = cli("add", path, *args, "--as-of", AS_OF)
        assert result.exit_code == ExitCode.INPUT, args
    assert path.read_text(encoding="utf-8") == ODD


def test_a_yaml_slip_is_reported_with_its_line_and_a_hint(tmp_path):
    broken = ODD.replace("  - title: Infection control", "    title: Infection control")
    path = _file(tmp_path, broken)
    result = cli("add", path, "--title", "X", "--date", "2026-11-02", "--points", "1", "--as-of", AS_OF)
    assert result.exit_code == ExitCode.INPUT
    assert f"{path}:14:" in result.stderr
    assert "indent" in result.stderr
    missing_dash = ODD.replace("  - title: Infection control", "  title: Infection control")
    path.write_text(missing_dash, encoding="utf-8")
    result = cli("add", path, "--title", "X", "--date", "2026-11-02", "--points", "1", "--as-of", AS_OF)
    assert result.exit_code == ExitCode.INPUT
    assert "missing dash" in result.stderr and f"{path}:14:" in result.stderr
    assert path.read_text(encoding="utf-8") == missing_dash
    assert not (tmp_path / "me.yaml.bak").exists()


def test_a_tab_is_reported_in_plain_words(tmp_path):
    path = _file(tmp_path, ODD.replace("    date: 2024-02-01", "\tdate: 2024-02-01"))
    result = cli("add", path, "--title", "X", "--date", "2026-11-02", "--points", "1", "--as-of", AS_OF)
    assert result.exit_code == ExitCode.INPUT
    assert "tab" in result.stderr and ":15:" in result.stderr


def test_from_csv_adds_all_or_nothing(tmp_path):
    path = _file(tmp_path)
    good = tmp_path / "transcript.csv"
    good.write_text(
        "title,date,points,category,approved_by\n"
        "HIPAA update,2026-01-12,2,administrative,AAMA\n"
        "Phlebotomy refresher,2026-02-03,4,clinical,AAMA\n",
        encoding="utf-8",
    )
    bad = tmp_path / "bad.csv"
    bad.write_text("title,date,points\nOK course,2026-01-12,2\nBad course,2026-02-30,2\n", encoding="utf-8")
    result = cli("add", path, "--from", bad, "--as-of", AS_OF)
    assert result.exit_code == ExitCode.INPUT
    assert f"{bad}:3" in result.stderr
    assert path.read_text(encoding="utf-8") == ODD
    result = cli("add", path, "--from", good, "--as-of", AS_OF)
    assert result.exit_code == ExitCode.OK, result.stderr
    added = _is_kept_in(ODD, path.read_text(encoding="utf-8"))
    assert added[0] == "  - title: HIPAA update" and "  - title: Phlebotomy refresher" in added
    assert '"HIPAA update" counts 2 points' in result.stdout


def test_from_csv_names_the_line_of_a_credit_the_rules_refuse(tmp_path):
    path = _file(tmp_path)
    csv_file = tmp_path / "t.csv"
    csv_file.write_text("title,date,points\nFine,2026-01-12,2\nHuge,2026-01-13,9000\n", encoding="utf-8")
    result = cli("add", path, "--from", csv_file, "--as-of", AS_OF)
    assert result.exit_code == ExitCode.INPUT
    assert f"({'CSV ' + str(csv_file)} line 3): error: points: points 9000" in result.stderr
    assert path.read_text(encoding="utf-8") == ODD


def test_file_defaults_to_marenew_yaml_then_the_environment(tmp_path, monkeypatch):
    other = tmp_path / "elsewhere.yaml"
    other.write_text(ODD, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = cli(
        "add",
        "--title",
        "X",
        "--date",
        "2026-11-02",
        "--points",
        "1",
        "--as-of",
        AS_OF,
        env={"MARENEW_FILE": str(other)},
    )
    assert result.exit_code == ExitCode.OK, result.stderr
    assert f"reading {other} ($MARENEW_FILE)" in result.stderr
    (tmp_path / "marenew.yaml").write_text(ODD, encoding="utf-8")
    result = cli("status", "--as-of", AS_OF, env={"MARENEW_FILE": str(other)})
    assert "reading marenew.yaml (./marenew.yaml)" in result.stderr
    (tmp_path / "marenew.yaml").unlink()
    result = cli("plan", "--as-of", AS_OF)
    assert result.exit_code == ExitCode.INPUT and "no FILE given" in result.stderr


def test_certificate_path_is_kept_relative_to_the_file(tmp_path, monkeypatch):
    path = _file(tmp_path)
    (tmp_path / "certs").mkdir()
    (tmp_path / "certs" / "ekg.pdf").write_bytes(b"%PDF-1.4")
    monkeypatch.chdir(tmp_path / "certs")
    result = cli(
        "add",
        path,
        "--title",
        "EKG",
        "--date",
        "2026-11-02",
        "--points",
        "1",
        "--certificate",
        "ekg.pdf",
        "--as-of",
        AS_OF,
    )
    assert result.exit_code == ExitCode.OK, result.stderr
    assert "    certificate: certs/ekg.pdf" in path.read_text(encoding="utf-8")
    assert "warning: certificate" not in result.stderr  # it is there


def test_a_certificate_not_there_is_written_and_warned_about(tmp_path):
    path = _file(tmp_path)
    args = ("--date", "2026-11-02", "--points", "1", "--as-of", AS_OF)
    result = cli("add", path, "--title", "EKG", "--certificate", str(tmp_path / "certs" / "ekg.pdf"), *args)
    assert result.exit_code == ExitCode.OK, result.stderr
    assert "    certificate: certs/ekg.pdf" in path.read_text(encoding="utf-8")
    assert "warning: certificate certs/ekg.pdf not found (looked for " in result.stderr
    outside = tmp_path.parent / f"{tmp_path.name}-elsewhere.pdf"
    outside.write_bytes(b"%PDF-1.4")
    result = cli("add", path, "--title", "CPR", "--certificate", str(outside), *args)
    assert result.exit_code == ExitCode.OK, result.stderr
    assert (
        f"is outside {tmp_path.resolve()}: transcript --bundle leaves it out unless --include-outside" in result.stderr
    )


@pytest.mark.slow  # a child process, killed mid-write
def test_killed_mid_write_leaves_the_old_file_whole(tmp_path):
    path = _file(tmp_path)
    kill_mid_write(
        tmp_path, "add", path, "--title", "Killed", "--date", "2026-11-02", "--points", "1", "--as-of", AS_OF
    )
    assert path.read_text(encoding="utf-8") == ODD
    result = cli("status", path, "--as-of", AS_OF)
    assert result.exit_code in (ExitCode.OK, ExitCode.ATTENTION)


def test_ctrl_c_at_a_question_exits_130_and_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr("marenew.cli.add._interactive", lambda: True)
    path = _file(tmp_path)
    result = cli("add", path, "--as-of", AS_OF, input="EKG basics\n")  # the input ends: Abort, as Ctrl-D
    assert result.exit_code == ExitCode.INTERRUPTED
    assert path.read_text(encoding="utf-8") == ODD
