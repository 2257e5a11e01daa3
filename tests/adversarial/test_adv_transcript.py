"""`marenew transcript` and its --bundle, given a hostile credential file: what it sends out.

Decided: a bundle holds only regular files inside the credential file's folder, after following
links. A certificate outside it (``../``, an absolute path, ``~``, a link that leads out) is left
out and listed, with its reason, in MISSING-CERTIFICATES.txt and on stderr (exit 1); only
--include-outside adds it, under ``outside/``, and says so. A device, a pipe or a folder is never
read, allowed or not. A path no file system can hold (a NUL, thousands of characters) is a
certificate not found, never a crash. Titles are text in every format: no markup, no formula, no
control character from the file reaches HTML, CSV, PDF, the zip's list or the terminal."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import stat
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import pytest

from conftest import marenew, one_plain_line
from helpers import cli
from marenew.cli.exitcodes import ExitCode

AS_OF = "2026-11-29"
SECRET = b"the secret a certificate path points at"


def raw_controls(text: str) -> list[str]:
    """C0 (but tab, CR, LF), DEL and C1 characters in ``text``."""
    return sorted({ch for ch in text if (ord(ch) < 32 and ch not in "\t\r\n") or 0x7F <= ord(ch) <= 0x9F})


def credential(folder: Path, credits: list[tuple[str, str | None]]) -> Path:
    """A CCMA holder's file in ``folder`` with one credit per (title, certificate), each written
    as a JSON string (a YAML double-quoted scalar: any character, escaped)."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = ["holder: Jo Reyes", "credentials:", "  - cert: CCMA", "    certified_on: 2025-03-02", "credits:"]
    for day, (title, certificate) in enumerate(credits, 1):
        lines.append(f"  - title: {json.dumps(title)}")
        lines.append(f"    date: 2025-06-{day:02d}")
        lines.append("    points: 1")
        if certificate is not None:
            lines.append(f"    certificate: {json.dumps(certificate)}")
    path = folder / "me.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def transcript(path: Path, out: Path, *args: object):
    return cli("transcript", path, "--as-of", AS_OF, "-o", out, *args)


def zip_contents(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {name: z.read(name) for name in z.namelist()}


@pytest.fixture
def secret(tmp_path):
    path = tmp_path / "secret.txt"
    path.write_bytes(SECRET)
    return path


# --- certificates outside the folder ---------------------------------------------------------


def _outside_paths(tmp_path: Path, secret: Path, home: Path) -> dict[str, str]:
    """Ways a certificate path can lead out of ``tmp_path/me`` to the secret."""
    folder = tmp_path / "me"
    (folder / "certs").mkdir(parents=True)
    (folder / "certs" / "link.pdf").symlink_to(secret)
    (folder / "certs" / "hop.pdf").symlink_to("link.pdf")  # a link to a link that leads out
    (folder / "certs" / "out").symlink_to(tmp_path)  # a folder link that leads out
    (home / ".ssh").mkdir(parents=True)
    (home / ".ssh" / "id_ed25519").write_bytes(SECRET)
    depth = "../" * len(folder.parts)
    return {
        "dotdot": "../secret.txt",
        "deep-dotdot": "certs/../../secret.txt",
        "to-root": f"{depth}{str(secret).lstrip('/')}",
        "absolute": str(secret),
        "home": "~/.ssh/id_ed25519",
        "link": "certs/link.pdf",
        "link-to-link": "certs/hop.pdf",
        "through-a-folder-link": "certs/out/secret.txt",
    }


@pytest.mark.parametrize(
    "kind",
    ["dotdot", "deep-dotdot", "to-root", "absolute", "home", "link", "link-to-link", "through-a-folder-link"],
)
def test_a_certificate_outside_the_folder_is_left_out_and_listed(tmp_path, secret, monkeypatch, kind):
    home = tmp_path / "home"
    monkeypatch.setenv("HOME", str(home))
    written = _outside_paths(tmp_path, secret, home)[kind]
    path = credential(tmp_path / "me", [("Outside", written), ("Inside", None)])
    zip_path = tmp_path / "me" / "proof.zip"
    done = transcript(path, tmp_path / "me" / "t.html", "--bundle", zip_path)
    assert done.exit_code == ExitCode.ATTENTION, done.stderr
    contents = zip_contents(zip_path)
    assert all(SECRET not in data for data in contents.values())  # not read into the bundle
    listed = contents["MISSING-CERTIFICATES.txt"].decode("utf-8")
    assert f"{written} " in listed and "outside" in listed and "--include-outside" in listed
    assert "outside" in done.stderr and one_plain_line(done.stderr)


def test_include_outside_adds_it_under_outside_and_says_so(tmp_path, secret):
    path = credential(tmp_path / "me", [("Outside", "../secret.txt")])
    zip_path = tmp_path / "me" / "proof.zip"
    done = transcript(path, tmp_path / "me" / "t.html", "--bundle", zip_path, "--include-outside")
    assert done.exit_code == ExitCode.OK, done.stderr
    assert zip_contents(zip_path)["outside/secret.txt"] == SECRET
    assert f"added from outside {path.parent}: ../secret.txt ({secret})" in done.stderr


@pytest.mark.parametrize("kind", ["fifo", "dev-zero", "dev-stdin", "folder", "socket-dir"])
def test_a_device_pipe_or_folder_is_never_read_even_when_outside_is_allowed(tmp_path, kind):
    """In a process of its own, with a timeout: reading a pipe or /dev/zero would never end."""
    folder = tmp_path / "me"
    (folder / "certs").mkdir(parents=True)
    target = folder / "certs" / "c.pdf"
    if kind == "fifo":
        os.mkfifo(target)
    elif kind == "dev-zero":
        target.symlink_to("/dev/zero")
    elif kind == "dev-stdin":
        target.symlink_to("/dev/stdin")
    elif kind == "folder":
        target.mkdir()
    else:
        target.symlink_to(tmp_path)
    path = credential(folder, [("Special", "certs/c.pdf")])
    zip_path = folder / "proof.zip"
    done = marenew(
        "transcript",
        path,
        "--as-of",
        AS_OF,
        "-o",
        folder / "t.csv",
        "--bundle",
        zip_path,
        "--include-outside",
        timeout=60,
    )
    assert done.returncode == ExitCode.ATTENTION, done.stderr
    assert one_plain_line(done.stderr)
    assert "certs/c.pdf is not a file" in zip_contents(zip_path)["MISSING-CERTIFICATES.txt"].decode("utf-8")


@pytest.mark.parametrize(
    "written",
    [
        "a\0b.pdf",
        "certs/a\0b.pdf",
        "certs/" + "x" * 5000 + ".pdf",
        "certs/" + "/".join(["d"] * 2000),
        "certs/new\nline.pdf",
        "",
    ],
    ids=["nul", "nul-deeper", "long-name", "deep", "newline", "empty"],
)
@pytest.mark.parametrize("command", ["status", "transcript"])
def test_a_path_no_file_system_holds_is_a_certificate_not_found(tmp_path, written, command):
    path = credential(tmp_path / "me", [("Odd path", written)])
    (path.parent / "certs").mkdir()  # so that the path is walked as far as it can be
    if command == "status":
        done = cli("status", path, "--as-of", AS_OF, "--json")
        assert done.exit_code in (ExitCode.OK, ExitCode.ATTENTION, ExitCode.INPUT), done.stderr
    else:
        done = transcript(path, tmp_path / "t.html", "--bundle", tmp_path / "b.zip")
        assert done.exit_code in (ExitCode.ATTENTION, ExitCode.INPUT), done.stderr
    assert one_plain_line(done.stderr) and raw_controls(done.stderr) == []


def test_zip_entries_never_name_a_place_outside_the_zip(tmp_path, secret):
    folder = tmp_path / "me"
    (folder / "certs" / "sub").mkdir(parents=True)
    (folder / "certs" / "sub" / "a.pdf").write_bytes(b"a")
    (folder / "certs" / "a.pdf").write_bytes(b"b")
    (folder / "..x.pdf").write_bytes(b"c")
    path = credential(
        folder,
        [
            ("One", "certs/sub/../a.pdf"),
            ("Two", "./certs/sub/a.pdf"),
            ("Three", str(folder / "certs" / "a.pdf")),
            ("Four", "..x.pdf"),
            ("Five", "../secret.txt"),
        ],
    )
    zip_path = folder / "proof.zip"
    assert transcript(path, folder / "t.pdf", "--bundle", zip_path, "--include-outside").exit_code == ExitCode.OK
    names = list(zip_contents(zip_path))
    assert len(names) == len(set(names))
    for name in names:
        assert not name.startswith(("/", "\\")) and "\\" not in name and ":" not in name
        assert ".." not in Path(name).parts and not raw_controls(name)
    assert {"certs/a.pdf", "certs/sub/a.pdf", "..x.pdf", "outside/secret.txt"} <= set(names)


def test_one_certificate_named_several_ways_goes_in_once(tmp_path):
    folder = tmp_path / "me"
    (folder / "certs" / "sub").mkdir(parents=True)
    (folder / "certs" / "a.pdf").write_bytes(b"%PDF a")
    (folder / "certs" / "link.pdf").symlink_to("a.pdf")
    spellings = [
        "certs/a.pdf",
        "certs/../certs/a.pdf",
        "./certs/a.pdf",
        "certs/sub/../a.pdf",
        "certs//a.pdf",
        str(folder / "certs" / "a.pdf"),
        "certs/link.pdf",
    ]
    path = credential(folder, [(f"Course {i}", written) for i, written in enumerate(spellings)])
    zip_path = folder / "proof.zip"
    done = transcript(path, folder / "t.html", "--bundle", zip_path)
    assert done.exit_code == ExitCode.OK, done.stderr
    assert zip_contents(zip_path) == {"t.html": (folder / "t.html").read_bytes(), "certs/a.pdf": b"%PDF a"}
    assert "(t.html and 1 certificate)" in done.stderr


def test_a_certificate_swapped_for_a_link_after_the_check_is_not_read(tmp_path, secret, monkeypatch):
    import marenew.store.bundle as bundle

    folder = tmp_path / "me"
    (folder / "certs").mkdir(parents=True)
    cert = folder / "certs" / "c.pdf"
    cert.write_bytes(b"%PDF the real one")
    path = credential(folder, [("Swapped", "certs/c.pdf")])
    real_locate = bundle.locate

    def then_swapped(*args, **kwargs):
        found = real_locate(*args, **kwargs)
        cert.unlink()
        cert.symlink_to(secret)  # another program swaps it between the check and the read
        return found

    monkeypatch.setattr(bundle, "locate", then_swapped)
    zip_path = folder / "proof.zip"
    done = transcript(path, folder / "t.html", "--bundle", zip_path)
    assert done.exit_code == ExitCode.INPUT and one_plain_line(done.stderr)
    assert not zip_path.exists() and not list(folder.glob(".proof.zip*"))


# --- hostile titles in every format ----------------------------------------------------------

TITLES = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "</td></tr></table><iframe src=//evil.example>",
    "<!-- comment",
    "&lt;b&gt;",
    '=HYPERLINK("http://evil.example","x")',
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1)",
    "\tTab first",
    "\rCR first",
    "line\rbreak",
    "Title\x1b]0;owned\x07 with escapes\x1b[2J",
    "C1\u009b31m red",
    "bidi \u202eevil",
    "javascript:alert(1)",
    "Zoë Nguyễn 山田",
]


@pytest.fixture
def hostile(tmp_path):
    return credential(tmp_path / "me", [(t, None) for t in TITLES])


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs += attrs

    def handle_data(self, data):
        self.text.append(data)

    def handle_comment(self, data):
        self.tags.append("<!--")


def test_html_holds_every_title_as_text(hostile, tmp_path):
    out = tmp_path / "t.html"
    assert transcript(hostile, out).exit_code == ExitCode.OK
    page = _Page()
    page.feed(out.read_text(encoding="utf-8"))
    page.close()
    assert not {"script", "img", "iframe", "<!--", "link"} & set(page.tags)
    assert not [n for n, _ in page.attrs if n.startswith("on") or n in ("src", "href", "action")]
    text = "".join(page.text)
    assert not raw_controls(text)
    for shown in ("<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "&lt;b&gt;", "Zoë Nguyễn 山田"):
        assert shown in text
    assert "Title\\x1b]0;owned\\x07 with escapes" in text  # escapes shown, not lost


def test_csv_neutralises_formulas_and_forges_no_row(hostile, tmp_path):
    out = tmp_path / "t.csv"
    assert transcript(hostile, out).exit_code == ExitCode.OK
    raw = out.read_bytes()
    assert (
        raw.startswith(b"\xef\xbb\xbf") and raw.count(b"\xef\xbb\xbf") == 1 and b"\r" not in raw.replace(b"\r\n", b"")
    )
    table = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert all(len(row) == len(table[0]) for row in table)
    col = table[0].index("title")
    titles = [row[col] for row in table[1:] if row[col]]
    assert len(titles) == len(TITLES)  # one record per credit: no line break made another
    for cell in (c for row in table for c in row):
        number = re.fullmatch(r"-\d+(\.\d+)?", cell)
        assert number or not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell


def test_pdf_is_a_plain_document_whatever_the_titles(hostile, tmp_path):
    pypdf = pytest.importorskip("pypdf")
    out = tmp_path / "t.pdf"
    done = transcript(hostile, out)
    assert done.exit_code == ExitCode.OK, done.stderr
    raw = out.read_bytes()
    for action in (b"/JavaScript", b"/JS ", b"/JS(", b"/URI", b"/Launch", b"/EmbeddedFile", b"/SubmitForm"):
        assert action not in raw, action
    text = "".join(page.extract_text() for page in pypdf.PdfReader(out).pages)
    assert "<script>alert(1)</script>" in text and "javascript:alert(1)" in text
    assert not raw_controls(text)


def test_the_bundle_list_and_stderr_show_titles_escaped(hostile, tmp_path):
    zip_path = tmp_path / "b.zip"
    done = transcript(hostile, tmp_path / "t.html", "--bundle", zip_path)
    assert done.exit_code == ExitCode.ATTENTION
    listed = zip_contents(zip_path)["MISSING-CERTIFICATES.txt"].decode("utf-8")
    assert not raw_controls(listed + done.stderr)
    assert len([line for line in listed.splitlines() if line.startswith("2025-")]) == len(TITLES)


# --- existing files, modes, signals, a full disk ----------------------------------------------


@pytest.mark.parametrize("name", ["t.html", "t.csv", "t.pdf", "b.zip"])
def test_an_existing_file_is_refused_without_force_and_nothing_is_written(hostile, tmp_path, name):
    existing = tmp_path / name
    existing.write_bytes(b"mine")
    before = sorted(p.name for p in tmp_path.iterdir())
    out = existing if name != "b.zip" else tmp_path / "t.html"
    done = transcript(hostile, out, "--bundle", tmp_path / "b.zip")
    assert done.exit_code == ExitCode.INPUT and "already exists; pass --force" in done.stderr
    assert existing.read_bytes() == b"mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == before


@pytest.mark.parametrize("name", ["t.html", "t.pdf", "b.zip"])
def test_force_keeps_the_mode_of_what_it_replaces(hostile, tmp_path, name):
    target = tmp_path / name
    target.write_bytes(b"old")
    target.chmod(0o600)
    out = target if name != "b.zip" else tmp_path / "t.html"
    done = transcript(hostile, out, "--bundle", tmp_path / "b.zip", "--force")
    assert done.exit_code == ExitCode.ATTENTION, done.stderr
    assert stat.S_IMODE(target.stat().st_mode) == 0o600 and target.read_bytes() != b"old"


def test_an_output_name_that_is_a_link_out_is_replaced_not_followed(hostile, tmp_path, secret):
    out = tmp_path / "t.html"
    out.symlink_to(secret)
    assert transcript(hostile, out).exit_code == ExitCode.INPUT  # exists: refused
    assert transcript(hostile, out, "--force").exit_code == ExitCode.OK
    assert secret.read_bytes() == SECRET and not out.is_symlink()


@pytest.mark.parametrize("interrupt", ["sigint", "sigterm"])
def test_a_signal_while_the_bundle_is_written_leaves_no_zip_and_the_old_one_whole(tmp_path, monkeypatch, interrupt):
    import marenew.store.bundle as bundle
    from marenew.cli.streams import Terminated

    folder = tmp_path / "me"
    (folder / "certs").mkdir(parents=True)
    (folder / "certs" / "c.pdf").write_bytes(b"%PDF certificate")
    path = credential(folder, [("One", "certs/c.pdf")])
    zip_path = folder / "proof.zip"
    zip_path.write_bytes(b"yesterday's bundle")

    def stopped(archive, source, info):
        with archive.open(info, "w") as dst:
            dst.write(b"half a certificate")
            raise KeyboardInterrupt if interrupt == "sigint" else Terminated()

    monkeypatch.setattr(bundle, "_copy_into", stopped)
    done = transcript(path, folder / "t.html", "--bundle", zip_path, "--force")
    assert done.exit_code == (ExitCode.INTERRUPTED if interrupt == "sigint" else ExitCode.TERMINATED)
    assert zip_path.read_bytes() == b"yesterday's bundle"
    assert sorted(p.name for p in folder.iterdir()) == ["certs", "me.yaml", "proof.zip", "t.html"]


def test_a_full_disk_under_the_bundle_is_a_plain_error_and_leaves_nothing(small_disk, tmp_path):
    folder = tmp_path / "me"
    (folder / "certs").mkdir(parents=True)
    (folder / "certs" / "big.pdf").write_bytes(os.urandom(200 * 1024))  # does not compress
    path = credential(folder, [("Big", "certs/big.pdf")])
    target = small_disk / "proof.zip"
    done = marenew("transcript", path, "--as-of", AS_OF, "-o", folder / "t.html", "--bundle", target)
    assert done.returncode == ExitCode.INPUT, done.stderr
    assert f"{target}: error: cannot write: no space left on the device" in done.stderr
    assert one_plain_line(done.stderr) and "Exception ignored" not in done.stderr
    assert list(small_disk.iterdir()) == []
