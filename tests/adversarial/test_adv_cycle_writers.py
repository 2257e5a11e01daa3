"""The commands that change the user's own credential file (`add`, `renew`, `pay`): hostile titles are
stored exactly and never reach a terminal raw, anything refused leaves the file byte for byte with
no backup and no temporary file, a YAML slip is reported at its line with a hint, the backup is
as private as the file, a file given as a link is changed where it points, a change made by
another program meanwhile is not overwritten, and a kill or SIGTERM while the file is written
leaves the old file whole.

Most cases run in this process (``cli``); the ones that kill a writer start a process."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from conftest import ON_TRACK, one_plain_line
from helpers import cli
from marenew.cli.exitcodes import ExitCode

AS_OF = "2026-11-29"
# A CMA whose cycle ends on 2026-03-31, with the CE for it: renewed on 2026-02-10; and an RMA
# with AMT's annual fee, paid on 2025-05-10.
DUE = """\
# my certifications
holder: Dana Reyes   # me
memberships: [AAMA]
credentials:
  - cert: CMA
    certified_on: 2021-03-15
    expires_on: 2026-03-31   # as on my card
  - cert: RMA
    certified_on: 2024-05-01
credits:
  - {title: "Clinical day", date: 2022-01-10, points: 20, category: clinical, approved_by: AAMA}
  - {title: "Office day", date: 2023-02-01, points: 20, category: administrative, approved_by: AAMA}
  - {title: "General day", date: 2024-02-10, points: 20, category: general, approved_by: AAMA}
"""
RENEW = ("--cert", "CMA", "--on", "2026-02-10", "--as-of", "2026-03-01")
PAY = ("RMA", "--on", "2025-05-10", "--as-of", "2026-03-01")
# each command that changes the file, with arguments that change DUE
CHANGES = {
    "add": ("--title", "T", "--date", "2026-02-14", "--points", "1", "--as-of", "2026-03-01"),
    "renew": RENEW,
    "pay": PAY,
}
CREDIT = ("--date", "2026-03-14", "--points", "clinical=1", "--as-of", AS_OF)


def raw_controls(text: str) -> list[str]:
    """C0 (but tab, LF), DEL and C1 characters in ``text``."""
    return sorted({ch for ch in text if (ord(ch) < 32 and ch not in "\t\n") or 0x7F <= ord(ch) <= 0x9F})


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file in ``folder``, by name: what a refused change must leave as it was."""
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.fixture
def mine(tmp_path):
    """mine(text) -> the user's credential file in a folder of its own."""

    def _make(text: str = ON_TRACK, name: str = "me.yaml") -> Path:
        folder = tmp_path / "home"
        folder.mkdir(exist_ok=True)
        path = folder / name
        path.write_text(text, encoding="utf-8")
        return path

    return _make


def ruamel_load(text: str) -> object:
    """The file as YAML 1.2 reads it (ruamel.yaml, as the writer does)."""
    from ruamel.yaml import YAML

    return YAML(typ="safe", pure=True).load(text)


def titles(path: Path) -> list[str]:
    return [c["title"] for c in yaml.safe_load(path.read_text(encoding="utf-8"))["credits"]]


# --- titles a YAML writer or a terminal could take for something else ------------------------

TITLES = [
    "EKG\x1b]0;owned\x07 basics\x1b[2J",  # window title, bell, screen clear
    "EKG\u009b31m red",  # CSI in its one-byte C1 form
    "EKG\x7f basics",
    "NUL\x00inside",
    "EKG\u2028basics",  # a line separator
    "EKG\u202eevil",  # a right-to-left override
    "\ufeffEKG",
    "&anchor EKG",
    "*alias",
    "!!python/object:os.system",
    "%YAML 1.1",
    "@x",
    "`x`",
    "| x",
    "> x",
    "'quoted'",
    '"double"',
    "a: b",
    "a #b",
    "- x",
    "? x",
    "[x]",
    "{x: 1}",
    "---",
    "...",
    "~",
    "null",
    "true",
    "no",
    "010",
    "0x1F",
    "1:30",
    "1e3",
    ".nan",
    "2026-01-01",
    '=HYPERLINK("http://evil.example","x")',
    "<script>alert(1)</script>",
    "tab\there",
    "x" * 3000,
]


@pytest.mark.parametrize("title", TITLES, ids=range(len(TITLES)))
def test_a_hostile_title_is_stored_exactly_and_the_file_still_reads(mine, title):
    path = mine()
    done = cli("add", path, "--title", title, *CREDIT)
    assert done.exit_code == ExitCode.OK, done.stderr
    assert titles(path)[-1] == title  # as typed: not a number, a date, an alias or a tag
    assert raw_controls(done.stdout + done.stderr) == []
    status = cli("status", path, "--as-of", AS_OF, "--json")
    assert status.exit_code in (ExitCode.OK, ExitCode.ATTENTION), status.stderr


# YAML 1.1 takes NEL, LINE SEPARATOR and PARAGRAPH SEPARATOR for line breaks: raw in a quoted
# scalar, each reads back as a space
BREAKS = ["EKG\u0085basics", "EKG\u2028basics", "EKG\u2029basics", "a\u0085\u2028\u2029b"]


@pytest.mark.parametrize("title", BREAKS, ids=["nel", "ls", "ps", "all"])
def test_a_title_with_a_unicode_line_break_is_stored_exactly_and_nothing_else_moves(mine, title):
    path = mine()
    done = cli("add", path, "--title", title, *CREDIT)
    assert done.exit_code == ExitCode.OK, done.stderr
    text = path.read_text(encoding="utf-8")
    assert titles(path)[-1] == title
    assert yaml.safe_load(text) == ruamel_load(text)  # YAML 1.1 and 1.2 read the same title
    assert text.startswith(ON_TRACK)  # the credit is added after the others; no line re-indented
    assert not {"\u0085", "\u2028", "\u2029"} & set(text)  # written as escapes


@pytest.mark.parametrize("title", BREAKS[:3], ids=["nel", "ls", "ps"])
def test_a_title_with_a_unicode_line_break_is_stored_exactly_in_a_flow_style_list(mine, title):
    # a flow-style list is not spliced: the whole document is written out by ruamel.yaml
    path = mine(
        "holder: Dana Reyes\ncredentials: [{cert: CMA, certified_on: 2025-06-10}]\n"
        "credits: [{title: A, date: 2025-09-12, points: 1}]\n"
    )
    done = cli("add", path, "--title", title, *CREDIT)
    assert done.exit_code == ExitCode.OK, done.stderr
    assert titles(path) == ["A", title]
    assert ruamel_load(path.read_text(encoding="utf-8"))["credits"][-1]["title"] == title


def test_titles_from_an_export_reach_the_terminal_escaped(mine, tmp_path):
    path = mine()
    export = tmp_path / "ce.csv"
    export.write_text(
        "title,date,points,category\n"
        '"EKG\x1b]0;owned\x07 one",2026-03-14,1,clinical\n'
        '"Two\u009b2J",2026-03-15,1,clinical\n'
        '"Three\x7f",2026-03-16,1,clinical\n',
        encoding="utf-8",
    )
    done = cli("add", path, "--from", export, "--as-of", AS_OF)
    assert done.exit_code == ExitCode.OK, done.stderr
    assert raw_controls(done.stdout + done.stderr) == []
    assert '"EKG\\x1b]0;owned\\x07 one" counts 1 points' in done.stdout  # shown, not lost
    assert titles(path)[-3:] == ["EKG\x1b]0;owned\x07 one", "Two\u009b2J", "Three\x7f"]


# --- refused: nothing written ----------------------------------------------------------------

REFUSED_ADDS = {
    "nan": ("--title", "T", "--date", "2026-03-14", "--points", "nan", "--as-of", AS_OF),
    "inf": ("--title", "T", "--date", "2026-03-14", "--points", "inf", "--as-of", AS_OF),
    "huge": ("--title", "T", "--date", "2026-03-14", "--points", "1e400", "--as-of", AS_OF),
    "negative": ("--title", "T", "--date", "2026-03-14", "--points", "-1", "--as-of", AS_OF),
    "hex": ("--title", "T", "--date", "2026-03-14", "--points", "0x10", "--as-of", AS_OF),
    "no-day": ("--title", "T", "--date", "2026-02-30", "--points", "1", "--as-of", AS_OF),
    "year-0": ("--title", "T", "--date", "0000-01-01", "--points", "1", "--as-of", AS_OF),
    "two-areas": (
        "--title",
        "T",
        "--date",
        "2026-03-14",
        "--points",
        "clinical=1",
        "--points",
        "CLINICAL=2",
        "--as-of",
        AS_OF,
    ),
    "plain-and-area": (
        "--title",
        "T",
        "--date",
        "2026-03-14",
        "--points",
        "1",
        "--points",
        "clinical=1",
        "--as-of",
        AS_OF,
    ),
    "blank": ("--title", " \t ", "--date", "2026-03-14", "--points", "1", "--as-of", AS_OF),
    "twice": ("--title", "HIPAA privacy update", "--date", "2025-09-12", "--points", "2", "--as-of", AS_OF),
}


@pytest.mark.parametrize("args", REFUSED_ADDS.values(), ids=REFUSED_ADDS.keys())
def test_a_refused_credit_leaves_the_folder_as_it_was(mine, args):
    path = mine()
    before = snapshot(path.parent)
    done = cli("add", path, *args)
    assert done.exit_code == ExitCode.INPUT, done.stdout + done.stderr
    assert one_plain_line(done.stderr) and raw_controls(done.stderr) == []
    assert snapshot(path.parent) == before  # no change, no .bak, no temporary file


CSV_REFUSED = {
    "one-bad-line": "title,date,points\nGood,2026-03-14,1\nBad,2026-13-01,1\nAlso good,2026-03-15,1\n",
    "two-people": "person_id,title,date,points\nP1,A,2026-03-14,1\nP2,B,2026-03-15,1\n",
    "unclosed-quote": 'title,date,points\n"Open,2026-03-14,1\nNext,2026-03-15,1\n',
    "too-many-fields": "title,date,points\nA,2026-03-14,1,extra\n",
    "header-only": "title,date,points\n",
    "empty": "",
    "not-utf8": b"title,date,points\n\xff\xfe,2026-03-14,1\n",
}


@pytest.mark.parametrize("content", CSV_REFUSED.values(), ids=CSV_REFUSED.keys())
def test_a_csv_with_any_bad_record_adds_nothing(mine, tmp_path, content):
    path = mine()
    export = tmp_path / "ce.csv"
    if isinstance(content, bytes):
        export.write_bytes(content)
    else:
        export.write_text(content, encoding="utf-8")
    before = snapshot(path.parent)
    done = cli("add", path, "--from", export, "--as-of", AS_OF)
    assert done.exit_code == ExitCode.INPUT, done.stdout + done.stderr
    assert one_plain_line(done.stderr)
    assert snapshot(path.parent) == before


REFUSED_RENEWALS = {
    "future": ("--cert", "CMA", "--on", "2026-04-01", "--as-of", "2026-03-01"),
    "no-day": ("--cert", "CMA", "--on", "2026-02-30", "--as-of", "2026-03-01"),
    "before-cycle": ("--cert", "CMA", "--on", "2020-01-01", "--as-of", "2026-03-01"),
    "unknown-cert": ("--cert", "CCMA", "--on", "2026-02-10", "--as-of", "2026-03-01"),
    "escape-cert": ("--cert", "CMA\x1b[2J", "--on", "2026-02-10", "--as-of", "2026-03-01"),
    "bad-route": ("--cert", "CMA", "--on", "2026-02-10", "--by", "bribe", "--as-of", "2026-03-01"),
    "card-before": ("--cert", "CMA", "--on", "2026-02-10", "--expires", "2020-01-01", "--as-of", "2026-03-01"),
    "both": ("--cert", "CMA", "--on", "2026-02-10", "--submitted", "2026-02-01", "--as-of", "2026-03-01"),
}


@pytest.mark.parametrize("args", REFUSED_RENEWALS.values(), ids=REFUSED_RENEWALS.keys())
def test_a_refused_renewal_leaves_the_folder_as_it_was(mine, args):
    path = mine(DUE)
    before = snapshot(path.parent)
    done = cli("renew", path, *args)
    assert done.exit_code == ExitCode.INPUT, done.stdout + done.stderr
    assert one_plain_line(done.stderr)
    assert snapshot(path.parent) == before


REFUSED_PAYMENTS = {
    "future": ("RMA", "--on", "2026-04-01", "--as-of", "2026-03-01"),
    "no-day": ("RMA", "--on", "2025-02-29", "--as-of", "2026-03-01"),
    "no-recurring-fee": ("CMA", "--on", "2025-05-10", "--as-of", "2026-03-01"),
    "unknown-fee": ("RMA", "--on", "2025-05-10", "--fee", "monthly", "--as-of", "2026-03-01"),
    "escape-fee": ("RMA", "--on", "2025-05-10", "--fee", "annual\x1b[2J", "--as-of", "2026-03-01"),
    "unknown-cert": ("CCMA", "--on", "2025-05-10", "--as-of", "2026-03-01"),
    "no-cert": ("--on", "2025-05-10", "--as-of", "2026-03-01"),
    "decades-early": ("RMA", "--on", "1990-05-10", "--as-of", "2026-03-01"),
    "day-before-first-certified": ("RMA", "--on", "2024-04-30", "--as-of", "2026-03-01"),
}


@pytest.mark.parametrize("args", REFUSED_PAYMENTS.values(), ids=REFUSED_PAYMENTS.keys())
def test_a_refused_payment_leaves_the_folder_as_it_was(mine, args):
    path = mine(DUE)
    before = snapshot(path.parent)
    done = cli("pay", path, *args)
    assert done.exit_code == ExitCode.INPUT, done.stdout + done.stderr
    assert one_plain_line(done.stderr)
    assert snapshot(path.parent) == before


def test_a_payment_before_the_first_certification_is_refused_with_the_date_it_began(mine):
    path = mine(DUE)
    done = cli("pay", path, "RMA", "--on", "1990-05-10", "--as-of", "2026-03-01")
    assert done.exit_code == ExitCode.INPUT
    assert "1990-05-10 is before RMA was first certified (2024-05-01)" in " ".join(done.stderr.split())


# An RMA renewed once: first certified 2021-05-01, the current cycle from 2024-05-01 (annual fee
# due 2025-05-01, 2026-05-01, 2027-05-01)
RENEWED_RMA = """\
holder: Lee
credentials:
  - cert: RMA
    certified_on: 2024-05-01
    history:
      - {certified_on: 2021-05-01, expires_on: 2024-05-01, renewed_on: 2024-04-20, by: ce}
"""


@pytest.mark.parametrize(
    ("day", "warned"),
    [("2021-05-01", True), ("2024-04-30", True), ("2024-05-02", False), ("2025-06-01", False)],
    ids=["first-day-held", "day-before-the-cycle", "paid-ahead", "in-the-cycle"],
)
def test_a_payment_before_the_cycle_that_settles_nothing_in_it_is_recorded_with_a_warning(mine, day, warned):
    path = mine(RENEWED_RMA)
    done = cli("pay", path, "RMA", "--on", day, "--as-of", "2026-04-20")
    assert done.exit_code == ExitCode.OK, done.stderr
    paid = yaml.safe_load(path.read_text(encoding="utf-8"))["credentials"][0]["paid"]
    assert [str(p.get("on", p.get(True))) for p in paid] == [day]  # written as asked, either way
    warning = f"{day} is before this cycle of RMA began (2024-05-01): the annual fee paid then settles none due in it"
    assert (warning in " ".join(done.stderr.split())) is warned, done.stderr


def test_the_same_payment_twice_writes_nothing_the_second_time(mine):
    path = mine(DUE)
    assert cli("pay", path, *PAY).exit_code == ExitCode.OK
    before = snapshot(path.parent)
    done = cli("pay", path, *PAY)
    assert done.exit_code == ExitCode.INPUT and "already records" in done.stderr
    assert snapshot(path.parent) == before


# --- a file that does not read: reported at its line, nothing written -------------------------

# (the text, the line named, words the message must hold)
BROKEN = {
    "tab": (DUE.replace("  - cert: CMA", "\t- cert: CMA"), 5, "tab"),
    "unclosed-quote": (DUE.replace('title: "Office day"', 'title: "Office day'), 13, "starts on line 12"),
    "unclosed-block-quote": (DUE.replace("holder: Dana Reyes", 'holder: "Dana Reyes'), 11, "quote left open on line 2"),
    "unclosed-flow": (DUE.replace("memberships: [AAMA]", "memberships: [AAMA"), 4, "starts on line 3"),
    "bad-indent": (DUE.replace("    certified_on: 2021-03-15", "      certified_on: 2021-03-15"), 6, "indent"),
    "duplicate-key": (DUE.replace("holder: Dana Reyes   # me", "holder: Dana Reyes\nholder: Someone Else"), 3, ""),
    "alias-bomb": (DUE + 'a: &a ["x","x"]\nb: &b [*a,*a]\nc: &c [*b,*b]\n', 15, ""),
    "python-tag": (DUE.replace("holder: Dana Reyes", "holder: !!python/object/apply:os.system [id]"), 2, ""),
    "octal-points": (DUE.replace("points: 20, category: general", "points: 010, category: general"), 13, "010"),
}


@pytest.mark.parametrize("command", CHANGES)
@pytest.mark.parametrize(("text", "line", "words"), BROKEN.values(), ids=BROKEN.keys())
def test_a_file_that_does_not_read_is_reported_at_its_line_and_left_alone(mine, command, text, line, words):
    path = mine(text)
    before = snapshot(path.parent)
    done = cli(command, path, *CHANGES[command])
    assert done.exit_code == ExitCode.INPUT, done.stdout + done.stderr
    assert f"{path}:{line}:" in done.stderr, done.stderr
    assert words in done.stderr
    assert one_plain_line(done.stderr)
    assert snapshot(path.parent) == before


@pytest.mark.parametrize(
    "content",
    [b"", b"\xff\xfe\x00\x00", b"holder: \xff\xfe Dana\n", b"- just\n- a list\n", b"\x00" * 64],
    ids=["empty", "utf32-bom", "not-utf8", "a-list", "nul"],
)
def test_a_file_that_is_no_credential_file_is_one_plain_line(mine, content):
    path = mine()
    path.write_bytes(content)
    done = cli("add", path, "--title", "T", *CREDIT)
    assert done.exit_code == ExitCode.INPUT and one_plain_line(done.stderr)
    assert str(path) in done.stderr
    assert snapshot(path.parent) == {path.name: content}


# --- where the file is written, and how ------------------------------------------------------


@pytest.mark.parametrize("command", CHANGES)
@pytest.mark.parametrize("mode", [0o600, 0o640, 0o664])
def test_the_backup_and_the_file_keep_the_files_mode(mine, mode, command):
    path = mine(DUE)
    path.chmod(mode)
    old = path.read_bytes()
    done = cli(command, path, *CHANGES[command])
    assert done.exit_code == ExitCode.OK, done.stderr
    backup = path.with_name(path.name + ".bak")
    assert backup.read_bytes() == old
    assert stat.S_IMODE(path.stat().st_mode) == mode
    assert stat.S_IMODE(backup.stat().st_mode) == mode


@pytest.mark.parametrize("command", CHANGES)
def test_a_read_only_file_is_not_written_over(mine, command):
    path = mine(DUE)
    path.chmod(0o444)
    before = snapshot(path.parent)
    done = cli(command, path, *CHANGES[command])
    assert done.exit_code == ExitCode.INPUT and one_plain_line(done.stderr)
    assert "read-only" in done.stderr and str(path) in done.stderr
    assert snapshot(path.parent) == before


def test_a_private_file_replacing_a_readable_backup_makes_the_backup_private(mine):
    path = mine()
    path.chmod(0o600)
    backup = path.with_name(path.name + ".bak")
    backup.write_text("an older version\n", encoding="utf-8")
    backup.chmod(0o644)
    assert cli("add", path, "--title", "T", *CREDIT).exit_code == ExitCode.OK
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600


def test_a_readable_backup_is_never_readable_for_a_moment_with_a_private_file(mine, monkeypatch):
    path = mine()
    path.chmod(0o600)
    backup = path.with_name(path.name + ".bak")
    backup.write_text("an older version\n", encoding="utf-8")
    backup.chmod(0o644)
    modes = []  # the backup's mode each time a file takes a name or changes mode
    real_replace, real_link, real_chmod = os.replace, os.link, os.chmod

    def watched(real):
        def call(*args, **kwargs):
            out = real(*args, **kwargs)
            if backup.exists() and backup.read_bytes() != b"an older version\n":
                modes.append(stat.S_IMODE(backup.stat().st_mode))
            return out

        return call

    monkeypatch.setattr(os, "replace", watched(real_replace))
    monkeypatch.setattr(os, "link", watched(real_link))
    monkeypatch.setattr(os, "chmod", watched(real_chmod))
    assert cli("add", path, "--title", "T", *CREDIT).exit_code == ExitCode.OK
    assert modes and set(modes) == {0o600}, [oct(m) for m in modes]


@pytest.mark.parametrize("command", CHANGES)
def test_a_byte_order_mark_at_the_start_of_the_file_is_kept(mine, command):
    path = mine()
    path.write_bytes(b"\xef\xbb\xbf" + DUE.encode("utf-8"))
    old = path.read_bytes()
    done = cli(command, path, *CHANGES[command])
    assert done.exit_code == ExitCode.OK, done.stderr
    new = path.read_bytes()
    assert new.startswith(b"\xef\xbb\xbf# my certifications\n")  # once, where it was
    assert new.count(b"\xef\xbb\xbf") == 1
    assert path.with_name(path.name + ".bak").read_bytes() == old
    # and a file without one does not get one
    plain = mine(DUE, name="plain.yaml")
    assert cli(command, plain, *CHANGES[command]).exit_code == ExitCode.OK
    assert plain.read_bytes().startswith(b"# my certifications\n")


@pytest.mark.parametrize("command", CHANGES)
def test_a_file_given_as_a_link_is_changed_where_it_points(mine, tmp_path, command):
    real = mine(DUE)
    link = tmp_path / "link.yaml"
    link.symlink_to(real)
    old = real.read_bytes()
    done = cli(command, link, *CHANGES[command])
    assert done.exit_code == ExitCode.OK, done.stderr
    assert link.is_symlink() and link.resolve() == real  # the link is still a link
    assert real.read_bytes() != old
    assert real.with_name(real.name + ".bak").read_bytes() == old
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home", "link.yaml"]


def test_a_backup_name_that_is_a_link_out_is_replaced_not_followed(mine, tmp_path):
    path = mine()
    elsewhere = tmp_path / "elsewhere.txt"
    elsewhere.write_text("not yours to write\n", encoding="utf-8")
    path.with_name(path.name + ".bak").symlink_to(elsewhere)
    assert cli("add", path, "--title", "T", *CREDIT).exit_code == ExitCode.OK
    assert elsewhere.read_text(encoding="utf-8") == "not yours to write\n"
    assert not path.with_name(path.name + ".bak").is_symlink()


def test_a_backup_name_that_is_a_folder_is_refused_before_anything_is_written(mine):
    path = mine()
    path.with_name(path.name + ".bak").mkdir()
    old = path.read_bytes()
    done = cli("add", path, "--title", "T", *CREDIT)
    assert done.exit_code == ExitCode.INPUT and "is a folder" in done.stderr
    assert path.read_bytes() == old


def test_a_change_made_meanwhile_by_another_program_is_not_overwritten(mine, monkeypatch):
    import marenew.store.credfile as credfile

    path = mine()
    real_change = credfile.change

    def and_meanwhile(*args, **kwargs):
        out = real_change(*args, **kwargs)
        with path.open("a", encoding="utf-8") as f:  # an editor saves while marenew works
            f.write("# saved by the editor\n")
        return out

    monkeypatch.setattr(credfile, "change", and_meanwhile)
    done = cli("add", path, "--title", "T", *CREDIT)
    assert done.exit_code == ExitCode.INPUT and "changed while marenew was working on it" in done.stderr
    assert path.read_text(encoding="utf-8").endswith("# saved by the editor\n")
    assert not path.with_name(path.name + ".bak").exists()


# A stall in the fsync of the FILE's own temporary file (not of its backup): the signal lands
# after the backup is in place, while the new text is being written.
_STALL_ON_FILE = """
import os, time, pathlib
_real = os.fsync
def fsync(fd):
    _real(fd)
    name = os.path.basename(os.readlink(f"/proc/self/fd/{fd}"))
    if name.startswith("." + os.environ["STALL_NAME"] + ".") and ".bak." not in name:
        pathlib.Path(os.environ["STALL_MARK"]).write_text("writing")
        time.sleep(60)
os.fsync = fsync
"""


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/fd").exists(), reason="needs /proc to see which file is written")
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT, signal.SIGKILL], ids=["term", "int", "kill"])
@pytest.mark.parametrize("command", CHANGES)
def test_a_signal_while_the_file_is_written_leaves_the_old_file_whole(mine, tmp_path, command, sig):
    path = mine(DUE)
    old = path.read_bytes()
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(_STALL_ON_FILE, encoding="utf-8")
    mark = tmp_path / "mark"
    env = {**os.environ, "PYTHONPATH": str(hook), "STALL_MARK": str(mark), "STALL_NAME": path.name}
    proc = subprocess.Popen(
        [sys.executable, "-m", "marenew", command, str(path), *CHANGES[command]],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while not mark.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert mark.exists(), proc.stderr.read().decode() if proc.poll() is not None else "the write never started"
        proc.send_signal(sig)
        _, stderr = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    expected = {signal.SIGTERM: ExitCode.TERMINATED, signal.SIGINT: ExitCode.INTERRUPTED}.get(sig, -signal.SIGKILL)
    assert proc.returncode == expected
    assert b"Traceback" not in stderr
    assert path.read_bytes() == old  # the old file, whole
    assert path.with_name(path.name + ".bak").read_bytes() == old
    leftovers = sorted(p.name for p in path.parent.iterdir() if p.name not in (path.name, path.name + ".bak"))
    # SIGKILL leaves its temporary file (nothing can remove it), never a partial FILE
    assert leftovers == [] or (sig == signal.SIGKILL and all(n.endswith(".tmp") for n in leftovers))
