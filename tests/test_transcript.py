"""Proof and transcript: certificates marked in `status --explain` and `--json`; `marenew
transcript` read back as a program would (html.parser, csv, pypdf); --force; --bundle's contents
and its list of missing certificates; a certificate outside the file's folder or behind a link."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import zipfile
from html.parser import HTMLParser

import pytest

from helpers import cli
from marenew.cli.exitcodes import ExitCode

AS_OF = "2026-11-29"

# A CMA renewed in March 2025 (the credit of the old cycle is in its history) who also holds an
# RMA. Worked by hand for the CMA on 2026-11-29 (cycle 2025-03-15 to 2030-03-31):
#   AAMA-approved: HIPAA 12 administrative, =HYPERLINK 2 general, Phlebotomy 3 clinical + 3 general
#     -> 20 approved (short 10 of 30)
#   not AAMA-approved: Vaccine 4 clinical, college credit 1 x 15 = 15 clinical, webinar 0.5 general
#     (too short: under one contact hour, so it is no candidate for the cap) -> 19 of 19 counted
#   total 39 (short 21); administrative 12, clinical 3 + 4 + 15 = 22, general 2 + 3 = 5 (short 5)
#   The infection control course of 2025-03-15 went to the renewal of that day (history): absent,
#   though dated inside the new cycle. The AMT meeting is for the RMA only.
FILE = """\
holder: Ana María González-Nguyễn
memberships: [AAMA]
credentials:
  - cert: CMA
    number: "CMA-0098812"
    certified_on: 2025-03-15
    history:
      - certified_on: 2020-02-10
        expires_on: 2025-02-28
        renewed_on: 2025-03-15
        credits:
          - {title: Old infection control course, date: 2025-03-15}
  - cert: RMA
    number: "RMA-884213"
    certified_on: 2024-05-01
credits:
  - title: Old infection control course
    date: 2025-03-15
    points: 10
    category: clinical
    approved_by: [AAMA]
    applies_to: [CMA]
    certificate: certs/old.pdf
  - title: HIPAA <b>privacy</b> update & "more"
    date: 2025-09-12
    points: 12
    category: administrative
    approved_by: [AAMA]
    certificate: certs/hipaa.pdf
  - title: "=HYPERLINK(\\"http://example.invalid\\")"
    date: 2025-10-01
    points: 2
    category: general
    approved_by: [AAMA]
  - title: Phlebotomy refresher
    date: 2026-02-20
    points: {clinical: 3, general: 3}
    approved_by: AAMA
    certificate: certs/phlebotomy.pdf
  - title: Vaccine storage and handling (CDC course)
    date: 2026-04-08
    points: 4
    category: clinical
    certificate: certs/vaccine-missing.pdf
  - title: Anatomy and physiology, community college
    date: 2026-05-12
    college_credits: 1
    category: clinical
  - title: Short webinar
    date: 2026-06-01
    points: 0.5
    category: general
  - title: AMT chapter meeting
    date: 2026-07-11
    points: 4
    applies_to: [RMA]
    approved_by: AMT
"""

OLD = "Old infection control course"
HIPAA = 'HIPAA <b>privacy</b> update & "more"'
FORMULA = '=HYPERLINK("http://example.invalid")'
PHLEB = "Phlebotomy refresher"
VACCINE = "Vaccine storage and handling (CDC course)"
COLLEGE = "Anatomy and physiology, community college"
WEBINAR = "Short webinar"
AMT_MEETING = "AMT chapter meeting"


@pytest.fixture
def holder(tmp_path):
    """The credential file in its own folder, with two of the certificates it names."""
    folder = tmp_path / "ana"
    (folder / "certs").mkdir(parents=True)
    (folder / "certs" / "hipaa.pdf").write_bytes(b"%PDF-1.4 hipaa certificate")
    (folder / "certs" / "phlebotomy.pdf").write_bytes(b"%PDF-1.4 phlebotomy certificate")
    (folder / "certs" / "old.pdf").write_bytes(b"%PDF-1.4 old")
    path = folder / "ana.yaml"
    path.write_text(FILE, encoding="utf-8")
    return path


# --- status: the certificate of each credit ---------------------------------------------------


def test_status_json_says_which_certificates_exist(holder, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # paths are relative to the credential file, not to where one runs
    result = cli("status", holder, "--as-of", AS_OF, "--json")
    assert result.exit_code == ExitCode.OK, result.stderr
    cma = json.loads(result.stdout)["credentials"][0]
    by_title = {c["title"]: c for c in cma["credits"]}
    assert by_title[HIPAA]["certificate"] == "certs/hipaa.pdf"
    assert by_title[HIPAA]["certificate_found"] is True
    assert by_title[VACCINE]["certificate"] == "certs/vaccine-missing.pdf"
    assert by_title[VACCINE]["certificate_found"] is False
    assert by_title[WEBINAR]["certificate"] is None
    assert by_title[WEBINAR]["certificate_found"] is None


def test_status_explain_marks_credits_without_proof(holder):
    result = cli("status", holder, "--as-of", AS_OF, "--explain", env={"COLUMNS": "140"})
    assert result.exit_code == ExitCode.OK, result.stderr
    rows = {}
    for line in result.stdout.splitlines():
        cells = [c.strip() for c in line.strip("│ ").split("│")]
        if len(cells) == 6 and cells[0][:4].isdigit():
            rows.setdefault(cells[1], cells[5])  # the CMA's table comes first
    assert rows[HIPAA] == "yes"
    assert rows[VACCINE] == "missing"
    assert rows[WEBINAR] == "none"
    out = " ".join(result.stdout.split())
    # credits of a current cycle without a certificate: =HYPERLINK, college, webinar, AMT meeting
    assert "Proof: 4 credits of a current cycle have no certificate" in out
    assert "Proof: 1 certificate file not found: certs/vaccine-missing.pdf" in out


def test_a_link_to_a_certificate_counts_as_found(holder):
    target = holder.parent / "certs" / "vaccine.pdf"
    target.write_bytes(b"%PDF-1.4")
    (holder.parent / "certs" / "vaccine-missing.pdf").symlink_to(target)
    cma = json.loads(cli("status", holder, "--as-of", AS_OF, "--json").stdout)["credentials"][0]
    assert {c["title"]: c["certificate_found"] for c in cma["credits"]}[VACCINE] is True


# --- reading a transcript back ----------------------------------------------------------------


class TranscriptPage(HTMLParser):
    """The sections of a transcript page: per credential, its facts, its credit rows (with the
    group they sit in) and its totals."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.sections: list[dict] = []
        self.group: dict = {}
        self.row: list[str] | None = None
        self.row_kind = ""
        self.cell: list[str] | None = None
        self.dt: str | None = None
        self.in_dd = self.in_dt = False
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append(tag)
        if tag == "section":
            self.sections.append({"cert": a["data-cert"], "facts": {}, "credits": [], "totals": {}})
        elif tag == "table":
            self.group = {"area": a.get("data-area"), "approved": a.get("data-approved")}
        elif tag == "tr" and a.get("class") in ("credit", "requirement", "cap"):
            self.row, self.row_kind = [], a["class"]
            self.row_id = a.get("data-id")
        elif tag in ("td",) and self.row is not None:
            self.cell = []
        elif tag == "dt":
            self.in_dt, self.dt = True, ""
        elif tag == "dd":
            self.in_dd = True
            self.sections[-1]["facts"][self.dt] = ""

    def handle_endtag(self, tag):
        self.tags.pop()
        if tag == "td" and self.cell is not None and self.row is not None:
            self.row.append("".join(self.cell).strip())
            self.cell = None
        elif tag == "tr" and self.row is not None:
            section = self.sections[-1]
            if self.row_kind == "credit":
                section["credits"].append({**self.group, "cells": self.row})
            else:
                section["totals"][self.row_id] = self.row
            self.row = None
        elif tag == "dt":
            self.in_dt = False
        elif tag == "dd":
            self.in_dd = False

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)
        elif self.in_dt:
            self.dt = (self.dt or "") + data
        elif self.in_dd:
            self.sections[-1]["facts"][self.dt] += data


def _html(path) -> TranscriptPage:
    page = TranscriptPage()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def _write(holder, name, *extra, expect=ExitCode.OK):
    out = holder.parent / name
    result = cli("transcript", holder, "--as-of", AS_OF, "-o", out, *extra)
    assert result.exit_code == expect, result.stdout + result.stderr
    return out, result


def test_html_transcript_groups_credits_as_the_application_asks(holder):
    out, result = _write(holder, "transcript.html")
    assert "wrote" in result.stderr and result.stdout == ""
    page = _html(out)
    assert [s["cert"] for s in page.sections] == ["CMA", "RMA"]
    cma = page.sections[0]
    assert cma["facts"]["Holder"] == "Ana María González-Nguyễn"
    assert cma["facts"]["Certificate number"] == "CMA-0098812"
    assert cma["facts"]["Cycle"] == "2025-03-15 to 2030-03-31"
    # (title, approved?, area) -> (points, counted, certificate)
    rows = {(r["cells"][1].split("(part of")[0].strip(), r["approved"], r["area"]): r["cells"] for r in cma["credits"]}
    titles = {key[0].split("\n")[0] for key in rows}
    assert OLD not in " ".join(titles)  # the old cycle's credit is in the history, not here
    assert AMT_MEETING not in " ".join(titles)  # for the RMA only
    assert rows[(HIPAA, "yes", "administrative")][3:] == ["12", "12", "yes"]
    assert rows[(FORMULA, "yes", "general")][3:] == ["2", "2", "no"]
    # one certificate over two content areas: a line in each, approved
    assert rows[(PHLEB, "yes", "clinical")][3:5] == ["3", "3"]
    assert rows[(PHLEB, "yes", "general")][3:5] == ["3", "3"]
    # non-AAMA apart, by area; the college credit converted; the short webinar listed, counting 0
    assert rows[(VACCINE, "no", "clinical")][3:] == ["4", "4", "not found"]
    college = next(v for k, v in rows.items() if k[0].startswith(COLLEGE))
    assert college[3:5] == ["15", "15"]
    assert next(k for k in rows if k[0].startswith(COLLEGE))[1:] == ("no", "clinical")
    webinar = next(v for k, v in rows.items() if k[0].startswith(WEBINAR))
    assert webinar[3:5] == ["0.5", "0"] and "too short" in webinar[1]
    assert len(cma["credits"]) == 7
    totals = {k: v[1:3] for k, v in cma["totals"].items()}
    assert totals["total"] == ["60", "39"]
    assert totals["approved"] == ["30", "20"]
    assert totals["administrative"] == ["10", "12"]
    assert totals["clinical"] == ["10", "22"]
    assert totals["general"] == ["10", "5"]
    assert cma["totals"]["unapproved"][2:] == ["19", "19 entered"]
    # the RMA: one list in its own unit, no areas, no approval split
    rma = page.sections[1]
    assert {r["area"] for r in rma["credits"]} == {None} and {r["approved"] for r in rma["credits"]} == {None}
    assert any(r["cells"][1] == AMT_MEETING for r in rma["credits"])
    assert rma["totals"]["total"][1:3] == ["30", "28.5"]


def test_html_escapes_every_field_and_prints_a_page_per_credential(holder):
    out, _ = _write(holder, "transcript.html")
    text = out.read_text(encoding="utf-8")
    assert "<b>privacy</b>" not in text and "&lt;b&gt;privacy&lt;/b&gt;" in text
    assert "&quot;more&quot;" in text
    # self-contained: nothing loaded from elsewhere
    assert "<link" not in text and "<script" not in text and "src=" not in text and "url(" not in text
    assert "section.credential + section.credential { break-before: page; }" in text
    assert text.count('<section class="credential"') == 2


def test_cert_option_narrows_the_transcript(holder):
    out, _ = _write(holder, "rma.html", "--cert", "rma")
    assert [s["cert"] for s in _html(out).sections] == ["RMA"]
    result = cli("transcript", holder, "--as-of", AS_OF, "-o", holder.parent / "x.html", "--cert", "CCMA")
    assert result.exit_code == ExitCode.INPUT and "holds no CCMA" in result.stderr
    assert not (holder.parent / "x.html").exists()


def test_csv_transcript(holder):
    out, _ = _write(holder, "transcript.csv")
    raw = out.read_bytes()
    assert raw.startswith("\ufeff".encode())  # Excel reads it as UTF-8
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    cma = [r for r in rows if r["cert"] == "CMA"]
    credits = [r for r in cma if r["record"] == "credit"]
    assert {r["holder"] for r in rows} == {"Ana María González-Nguyễn"}
    assert OLD not in {r["title"] for r in credits}
    by = {(r["title"], r["area"]): r for r in credits}
    assert by[(HIPAA, "Administrative")]["approval"] == "AAMA-approved"
    assert by[(VACCINE, "Clinical")]["approval"] == "Not AAMA-approved"
    assert by[(VACCINE, "Clinical")]["certificate"] == "not found"
    assert by[(COLLEGE, "Clinical")]["points"] == "15"
    assert by[(PHLEB, "Clinical")]["counted"] == "3" and by[(PHLEB, "General")]["counted"] == "3"
    # a title that a spreadsheet would run as a formula is shown as text
    assert ("'" + FORMULA, "General") in by
    totals = {r["area"]: (r["required"], r["counted"], r["short"]) for r in cma if r["record"] == "requirement"}
    assert totals["Total points"] == ("60", "39", "21")
    assert totals["General"] == ("10", "5", "5")
    cap = next(r for r in cma if r["record"] == "cap")
    assert (cap["points"], cap["counted"]) == ("19", "19")
    rma = [r for r in rows if r["cert"] == "RMA" and r["record"] == "credit"]
    assert AMT_MEETING in {r["title"] for r in rma} and {r["area"] for r in rma} == {""}


def _pdf_text(path) -> list[str]:
    from pypdf import PdfReader

    return [page.extract_text() for page in PdfReader(path).pages]


def test_pdf_transcript_is_a_real_pdf_with_the_records_text(holder):
    out, _ = _write(holder, "transcript.pdf")
    assert out.read_bytes().startswith(b"%PDF-")
    pages = _pdf_text(out)
    text = "\n".join(pages)
    flat = " ".join(text.split())
    assert "Ana María González" in flat
    cma = " ".join(" ".join(p.split()) for p in pages if "CMA (AAMA)" in p)
    for heading in ("AAMA-approved · Administrative", "Not AAMA-approved · Clinical", "Totals"):
        assert heading in cma
    assert HIPAA in cma and VACCINE in cma and OLD not in flat
    assert "Total points 60 39 short 21" in cma
    # every credential starts a page of its own
    assert pages[0].lstrip().startswith("Continuing education record: CMA (AAMA)")
    rma_first = next(i for i, p in enumerate(pages) if "RMA (AMT)" in p)
    assert rma_first > 0 and pages[rma_first].lstrip().startswith("Continuing education record: RMA (AMT)")


def test_pdf_names_outside_latin1_print_with_a_unicode_font(holder):
    from marenew.report.transcript_pdf import unicode_font

    if unicode_font() is None:
        pytest.skip("no Unicode TrueType font on this machine (Debian: fonts-dejavu-core)")
    out, result = _write(holder, "transcript.pdf")
    assert "González-Nguyễn" in " ".join(_pdf_text(out)[0].split())
    assert "no Unicode font" not in result.stderr


def test_pdf_without_a_unicode_font_says_so_and_keeps_what_latin1_has(holder, tmp_path, monkeypatch):
    import marenew.report.transcript_pdf as pdf

    monkeypatch.setattr(pdf, "FONT_CANDIDATES", ())
    out, result = _write(holder, "transcript.pdf")
    assert "no Unicode font found" in result.stderr
    flat = " ".join(_pdf_text(out)[0].split())
    assert "Ana María González-Nguyen" in flat  # á kept (Latin-1 has it); ễ -> e


# --- refusing --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["transcript.txt", "transcript.docx", "transcript"])
def test_an_unknown_extension_is_refused(holder, name):
    result = cli("transcript", holder, "--as-of", AS_OF, "-o", holder.parent / name)
    assert result.exit_code == ExitCode.INPUT
    assert "does not write" in result.stderr
    assert not (holder.parent / name).exists()


def test_format_option_for_a_file_without_extension_and_mismatch_refused(holder):
    out, _ = _write(holder, "transcript", "--format", "csv")
    assert out.read_bytes().startswith("\ufeff".encode())
    result = cli("transcript", holder, "--as-of", AS_OF, "-o", holder.parent / "t.pdf", "--format", "csv")
    assert result.exit_code == ExitCode.INPUT and "does not match" in result.stderr


def test_nothing_is_overwritten_without_force(holder):
    out = holder.parent / "transcript.html"
    out.write_text("mine", encoding="utf-8")
    result = cli("transcript", holder, "--as-of", AS_OF, "-o", out)
    assert result.exit_code == ExitCode.INPUT and "pass --force" in result.stderr
    assert out.read_text(encoding="utf-8") == "mine"
    _write(holder, "transcript.html", "--force")
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_an_existing_bundle_stops_everything_before_writing(holder):
    zip_path = holder.parent / "proof.zip"
    zip_path.write_bytes(b"mine")
    result = cli("transcript", holder, "--as-of", AS_OF, "-o", holder.parent / "t.pdf", "--bundle", zip_path)
    assert result.exit_code == ExitCode.INPUT and "pass --force" in result.stderr
    assert zip_path.read_bytes() == b"mine" and not (holder.parent / "t.pdf").exists()


# --- the bundle ------------------------------------------------------------------------------


def test_bundle_holds_transcript_and_certificates_and_lists_the_missing(holder):
    zip_path = holder.parent / "proof.zip"
    out, result = _write(holder, "transcript.pdf", "--bundle", zip_path, expect=ExitCode.ATTENTION)
    with zipfile.ZipFile(zip_path) as z:
        names = set(z.namelist())
        assert names == {
            "transcript.pdf",
            "certs/hipaa.pdf",
            "certs/phlebotomy.pdf",
            "MISSING-CERTIFICATES.txt",
        }
        assert z.read("transcript.pdf") == out.read_bytes()
        assert z.read("certs/hipaa.pdf") == b"%PDF-1.4 hipaa certificate"
        assert {i.date_time for i in z.infolist()} == {(2026, 11, 29, 0, 0, 0)}  # the same zip every time
        missing = z.read("MISSING-CERTIFICATES.txt").decode("utf-8")
    # the old cycle's certificate is not part of this transcript
    assert "old.pdf" not in missing and "certs/old.pdf" not in names
    assert "certs/vaccine-missing.pdf not found" in missing
    for title in (FORMULA, COLLEGE, WEBINAR, AMT_MEETING):
        assert f"{title}: no certificate named" in missing
    assert "Certificates not in this bundle (5)" in missing
    assert "5 credits without a certificate in the bundle" in result.stderr
    assert "certs/vaccine-missing.pdf not found" in result.stderr


def test_bundle_leaves_out_what_is_outside_the_folder_unless_asked(holder, tmp_path):
    secret = tmp_path / "elsewhere.txt"
    secret.write_text("not for the body", encoding="utf-8")
    (holder.parent / "certs" / "vaccine-missing.pdf").symlink_to(secret)  # a link that leads out
    outside = tmp_path / "college.pdf"
    outside.write_bytes(b"%PDF college")
    text = holder.read_text(encoding="utf-8").replace(
        "    college_credits: 1\n", "    college_credits: 1\n    certificate: ../college.pdf\n"
    )
    holder.write_text(text, encoding="utf-8")
    zip_path = holder.parent / "proof.zip"
    _, result = _write(holder, "t.html", "--bundle", zip_path, expect=ExitCode.ATTENTION)
    with zipfile.ZipFile(zip_path) as z:
        assert not [n for n in z.namelist() if "college" in n or "vaccine" in n]
        assert all(b"not for the body" not in z.read(n) for n in z.namelist())
        missing = z.read("MISSING-CERTIFICATES.txt").decode("utf-8")
    assert f"certs/vaccine-missing.pdf is a link to {secret.resolve()}, outside" in missing
    assert "../college.pdf is outside" in missing and "--include-outside" in missing
    # asked for: added under outside/, and said so
    _, result = _write(
        holder, "t.html", "--force", "--bundle", zip_path, "--include-outside", expect=ExitCode.ATTENTION
    )
    with zipfile.ZipFile(zip_path) as z:
        assert z.read("outside/college.pdf") == b"%PDF college"
        assert z.read("outside/elsewhere.txt") == b"not for the body"
    assert "added from outside" in result.stderr and str(outside.resolve()) in result.stderr


def test_bundle_with_every_certificate_exits_0_and_has_no_missing_list(tmp_path):
    folder = tmp_path / "jo"
    (folder / "c").mkdir(parents=True)
    (folder / "c" / "a.pdf").write_bytes(b"a")
    (folder / "me.yaml").write_text(
        "holder: Jo\ncredentials:\n  - cert: CCMA\n    certified_on: 2025-03-02\n"
        "credits:\n  - {title: A, date: 2025-06-01, points: 10, certificate: c/a.pdf}\n",
        encoding="utf-8",
    )
    result = cli(
        "transcript", folder / "me.yaml", "--as-of", AS_OF, "-o", folder / "t.csv", "--bundle", folder / "b.zip"
    )
    assert result.exit_code == ExitCode.OK, result.stderr
    with zipfile.ZipFile(folder / "b.zip") as z:
        assert set(z.namelist()) == {"t.csv", "c/a.pdf"}


# --- in a browser ----------------------------------------------------------------------------


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.slow
@pytest.mark.skipif(_chromium() is None, reason="Debian's chromium is not installed (.ci/run installs it)")
def test_html_transcript_prints_a_page_per_credential_in_chromium(holder, tmp_path):
    from test_employer_output import CHROMIUM_FLAGS

    out, _ = _write(holder, "transcript.html")
    browser = _chromium()
    assert browser is not None
    printed = tmp_path / "printed.pdf"
    run = subprocess.run(
        [
            browser,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={tmp_path / 'profile'}",
            "--no-pdf-header-footer",
            f"--print-to-pdf={printed}",
            out.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "TZ": "UTC"},
    )
    assert run.returncode == 0, run.stderr[-2000:]
    console = [line for line in run.stderr.splitlines() if ":CONSOLE" in line]
    assert console == [], console
    pages = _pdf_text(printed)
    starts = [i for i, p in enumerate(pages) if p.lstrip().startswith("Continuing education record:")]
    assert len(starts) == 2 and starts[0] == 0  # each credential begins a printed page
    assert "RMA (AMT)" in pages[starts[1]] and "RMA (AMT)" not in "".join(pages[: starts[1]])


def test_stdout_with_format(holder):
    result = cli("transcript", holder, "--as-of", AS_OF, "-o", "-", "--format", "csv", "--cert", "CMA")
    assert result.exit_code == ExitCode.OK, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout.lstrip("\ufeff"))))
    assert {r["cert"] for r in rows} == {"CMA"} and any(r["title"] == HIPAA for r in rows)
    refused = cli("transcript", holder, "--as-of", AS_OF, "-o", "-")
    assert refused.exit_code == ExitCode.INPUT and "--format" in refused.stderr


def test_a_linked_credential_file_reads_certificates_beside_the_file_it_leads_to(holder, tmp_path):
    link = tmp_path / "link.yaml"
    link.symlink_to(holder)  # as `marenew add` writes paths: relative to the real file's folder
    cma = json.loads(cli("status", link, "--as-of", AS_OF, "--json").stdout)["credentials"][0]
    assert {c["title"]: c["certificate_found"] for c in cma["credits"]}[HIPAA] is True
    zip_path = tmp_path / "proof.zip"
    result = cli("transcript", link, "--as-of", AS_OF, "-o", tmp_path / "t.csv", "--bundle", zip_path)
    assert result.exit_code == ExitCode.ATTENTION, result.stderr
    with zipfile.ZipFile(zip_path) as z:
        assert "certs/hipaa.pdf" in z.namelist()


def test_a_font_that_cannot_be_read_is_bad_input_not_a_crash(holder, monkeypatch):
    not_a_font = holder.parent / "font.ttf"
    not_a_font.write_text("not a font", encoding="utf-8")
    result = cli(
        "transcript", holder, "--as-of", AS_OF, "-o", holder.parent / "t.pdf", env={"MARENEW_PDF_FONT": str(not_a_font)}
    )
    assert result.exit_code == ExitCode.INPUT, result.stderr
    assert f"{not_a_font}: error: MARENEW_PDF_FONT: not a TrueType font" in result.stderr
    assert not (holder.parent / "t.pdf").exists()
