"""The README and the docs show what marenew really prints, and the README stays a front door.

Every ```console block in README.md, rules/README.md and docs/*.md is rerun by
tools/docs_examples.py (the same code that writes them), and the committed text must equal a
fresh run. When it does not, the fix is to rerun the generator, and the failure says so.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def _generator():
    spec = importlib.util.spec_from_file_location("docs_examples", REPO / "tools" / "docs_examples.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["docs_examples"] = module
    spec.loader.exec_module(module)
    return module


gen = _generator()
DOC_FILES = gen.doc_files(REPO)


@pytest.mark.slow  # runs the commands in bash
@pytest.mark.parametrize("path", DOC_FILES, ids=lambda p: str(p.relative_to(REPO)))
def test_console_examples_are_what_marenew_prints(path: Path) -> None:
    name = str(path.relative_to(REPO))
    committed = path.read_text(encoding="utf-8")
    fresh = gen.regenerate(committed, name)
    if fresh != committed:
        pytest.fail(
            f"{name}: a console example differs from what the commands print now; "
            f"run `{gen.REGENERATE}` and commit the result.\n{gen.diff(committed, fresh, name)}",
            pytrace=False,
        )


def test_the_docs_have_console_examples() -> None:
    # The check above would pass vacuously if the generator stopped finding blocks.
    found = {p.name: len(gen.find_blocks(p.read_text(encoding="utf-8").split("\n"), p.name)) for p in DOC_FILES}
    assert found["README.md"] >= 1
    assert sum(found.values()) >= 15, found


@pytest.mark.parametrize("path", DOC_FILES, ids=lambda p: str(p.relative_to(REPO)))
def test_examples_fix_their_date(path: Path) -> None:
    """A command that judges "today" would print something else tomorrow."""
    dated = re.compile(r"\bmarenew (status|plan|cost|calendar|roster|init|rules (list|show|check))\b")
    text = path.read_text(encoding="utf-8").split("\n")
    for block in gen.find_blocks(text, path.name):
        for cmd in block.commands:
            for line in cmd.split("\n"):
                if dated.search(line) and "--as-of" not in line and "MARENEW_AS_OF" not in line:
                    pytest.fail(f"{path.name}: `{line}` has no --as-of: its output would change with the day")


@pytest.mark.slow  # runs the commands in bash
def test_generator_keeps_commands_and_replaces_output(tmp_path: Path) -> None:
    text = "intro\n```console\n$ echo one; echo two >&2\nstale\n$ (exit 3)\n$ echo $?\nstale\n```\nafter\n"
    new = gen.regenerate(text, "t.md")
    assert new == "intro\n```console\n$ echo one; echo two >&2\none\ntwo\n$ (exit 3)\n$ echo $?\n3\n```\nafter\n"
    assert gen.regenerate(new, "t.md") == new


@pytest.mark.slow  # runs the commands in bash
def test_generator_runs_continued_commands_and_fixed_width() -> None:
    text = "```console\n$ cat <<'EOF'\n> a\n> b\n> EOF\n$ echo \"$COLUMNS $NO_COLOR\"\n```\n"
    assert (
        gen.regenerate(text, "t.md")
        == "```console\n$ cat <<'EOF'\n> a\n> b\n> EOF\na\nb\n$ echo \"$COLUMNS $NO_COLOR\"\n80 1\n```\n"
    )


def test_generator_refuses_a_block_without_a_command() -> None:
    with pytest.raises(ValueError, match="t.md:1: console block without"):
        gen.find_blocks(["```console", "output only", "```"], "t.md")


# --- the README ------------------------------------------------------------------------------

README = (REPO / "README.md").read_text(encoding="utf-8")
TEST_COMMAND = 'pip install ".[test]" && pytest'


def _section(title: str) -> str:
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", README, re.S | re.M)
    assert match, f"README has no '## {title}' section"
    return match.group(1)


def test_quick_start_is_exactly_the_two_set_up_commands() -> None:
    blocks = re.findall(r"^```(?:sh|console|bash)?\n(.*?)^```", _section("Quick start"), re.S | re.M)
    commands = [ln.strip() for b in blocks for ln in b.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    assert len(commands) == 2, commands
    assert commands[0].startswith("pip install . && marenew status examples/")
    assert commands[1] == TEST_COMMAND
    example = commands[0].split("marenew status ", 1)[1].split()[0]
    assert (REPO / example).is_file()


def test_ci_runs_the_readme_test_command() -> None:
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert re.search(rf"^pip install -q {re.escape(TEST_COMMAND[len('pip install ') :])}$", ci, re.M), (
        "the README's test command and .ci/run differ"
    )
    assert "mkdocs build --strict" in ci


@pytest.mark.shipped_rules
@pytest.mark.parametrize("page", ["README.md", "docs/index.md"])
def test_front_pages_name_every_built_in_certification(page: str) -> None:
    from marenew.api import load_rules

    text = " ".join((REPO / page).read_text(encoding="utf-8").split())
    missing = [cert for cert in load_rules().ids() if not re.search(rf"\b{re.escape(cert)}\b", text)]
    assert not missing, f"{page} does not name {missing}: say what marenew knows"


def test_rules_readme_stands_alone_when_copied() -> None:
    """rules/README.md travels with a copied rules folder (and the wheel): no link leaves the folder."""
    text = (REPO / "rules" / "README.md").read_text(encoding="utf-8")
    assert not re.search(r"\]\((?!https?://)(\.\./|/|docs/)", text), "a link leaves the rules folder"
    assert "../" not in text


def test_readme_lists_every_command() -> None:
    from marenew.cli import COMMANDS, load_command

    listing = _section("Commands")
    for name in COMMANDS:
        subs = getattr(load_command(name), "commands", None) or {}
        for full in [f"{name} {sub}" for sub in subs] or [name]:
            sub = full.split()[-1]
            assert f"`marenew {full}" in listing or f"`{name} {sub}`" in listing or f"`rules {sub}" in listing, (
                f"README's command list has no line for `marenew {full}`"
            )


def test_development_page_says_why_for_every_dependency() -> None:
    import tomllib

    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        wanted += extra
    why = _between((REPO / "docs" / "development.md").read_text(encoding="utf-8"), "## Why each library", "\n## ")
    rows = " ".join(line.split("|")[1] for line in why.splitlines() if line.startswith("| "))
    names = {re.split(r"[<>=!~\[ ;]", req, maxsplit=1)[0].lower() for req in wanted}
    missing = sorted(n for n in names if not re.search(rf"(?<![\w.-]){re.escape(n)}(?![\w.-])", rows.lower()))
    assert not missing, f"docs/development.md, 'Why each library', does not say why marenew uses {missing}"


def _between(text: str, start: str, end: str) -> str:
    tail = text.split(start, 1)[1]
    return tail.split(end, 1)[0]


def test_readme_is_short_and_links_every_docs_page() -> None:
    assert len(README.splitlines()) <= 200
    nav = re.findall(r"^\s*- [^:]+: (\S+\.md)$", (REPO / "mkdocs.yml").read_text(encoding="utf-8"), re.M)
    assert nav, "mkdocs.yml has no nav"
    for page in nav:
        assert (REPO / "docs" / page).is_file(), f"mkdocs.yml lists {page}, which does not exist"
        if page != "index.md":
            assert f"](docs/{page})" in README, f"README does not link docs/{page}"
    assert "certifying body has the last word" in README
