"""The project stands alone: no file refers a reader to material they do not have.

The people who build marenew keep private notes (numbered decisions, a tracker, a sheet of
research, the article the figures first came from). A user or contributor has none of them, so
the tree and the wheel must not send anyone there: what marenew relies on is written in its own
docs, with the bodies' sources and URLs, and an article is cited by its title. This is the one
file allowed to name the words it searches for.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
THIS = Path(__file__).resolve()

FORBIDDEN = {
    "a decision by number": re.compile(r"\bclarifications?\s*#?\s*\d+", re.I),
    "a tracker item by number": re.compile(r"\bissue\s+#?\d+\b|\bissues?\s*#\d+", re.I),
    "the research sheet": re.compile(r"\bresearch\s+sheet\b|\bthe\s+sheet\b", re.I),
    "a private folder": re.compile(r"\.\./shared\b|\bshared/(research|design|clarifications)", re.I),
    "an unnamed source": re.compile(r"\bthe\s+seed\b|\bseed\s+article\b", re.I),
    "a private file": re.compile(r"\brule-facts\.md\b|\bclarifications\.md\b|\brule-audit\b", re.I),
}
SKIP_SUFFIXES = {".png", ".jpg", ".ico", ".whl", ".gz", ".zip", ".pyc"}


def tracked_files() -> list[Path]:
    git = shutil.which("git")
    if git and (REPO / ".git").exists():
        out = subprocess.run([git, "-C", str(REPO), "ls-files", "-z"], capture_output=True, check=True)
        names = [n for n in out.stdout.decode().split("\0") if n]
        return [REPO / n for n in names if (REPO / n).is_file()]
    # An unpacked source archive has no git: every file but build and cache folders.
    skip = {".venv", "venv", "build", "dist", "site", ".pytest_cache", ".hypothesis", ".mypy_cache", "__pycache__"}
    return [p for p in REPO.rglob("*") if p.is_file() and not skip & set(p.relative_to(REPO).parts)]


def offences(name: str, text: str) -> list[str]:
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        for what, pattern in FORBIDDEN.items():
            match = pattern.search(line)
            if match:
                found.append(f"{name}:{number}: {what}: {match.group(0)!r}")
    return found


def test_the_patterns_catch_what_they_are_for() -> None:
    bad = [
        "Statuses (clarification 2)",
        "see issue 3",
        "Issue #12",
        "the research sheet gives no fee",
        "Facts: ../shared/research/rule-facts.md",
        "seed: the seed article",
        "per clarifications.md",
    ]
    for line in bad:
        assert offences("x", line), line
    good = [
        "an issue with the file",
        "the AAMA issues 3 kinds of credit",
        "seeded at random",
        "a deterministic seed",
        "Renew Your Medical Assistant Certification (an article)",
    ]
    for line in good:
        assert not offences("x", line), line


@pytest.mark.slow  # runs git ls-files
def test_no_tracked_file_refers_to_private_material() -> None:
    found: list[str] = []
    files = [p for p in tracked_files() if p.resolve() != THIS and p.suffix not in SKIP_SUFFIXES]
    assert len(files) > 50
    for path in files:
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        found += offences(str(path.relative_to(REPO)), text)
    assert not found, "write the fact itself, a URL, or a source's title instead:\n" + "\n".join(found)


@pytest.mark.slow  # hatchling builds the wheel in a child process
def test_the_built_wheel_refers_to_no_private_material(tmp_path: Path) -> None:
    pytest.importorskip("hatchling", reason="the test extra installs hatchling, the build backend")
    subprocess.run(
        [sys.executable, "-m", "hatchling", "build", "-t", "wheel", "-d", str(tmp_path)],
        cwd=REPO,
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("marenew-*.whl")
    found: list[str] = []
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        assert any(n.endswith("rules/cma.yaml") for n in names), "the rule files ship in the wheel"
        for name in names:
            data = zf.read(name)
            try:
                found += offences(f"{wheel.name}!{name}", data.decode("utf-8"))
            except UnicodeDecodeError:
                continue
    assert not found, "the wheel ships words a user cannot follow:\n" + "\n".join(found)
