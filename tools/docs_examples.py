"""Regenerate every console example in the README and the docs from real runs.

Every fenced block opened with ```` ```console ```` in README.md, rules/README.md and docs/**/*.md
is an example: its `$ ` lines are commands (a command goes on over following lines that start
with `> `, as a shell shows a here-document), everything else is their output. This script runs
the commands of each block, in order, in one bash session, and writes back what they printed
(stdout and stderr together, as a terminal shows them). So the examples are always what the
program prints; `tests/test_docs_examples.py` fails when the committed text differs from a fresh
run.

Each block runs in its own scratch folder holding copies of `src/`, `rules/`, `examples/` and
`tests/fixtures/` (so a command may write files, and paths print as they would in a clone), with
a fixed environment: COLUMNS=80, NO_COLOR=1, TZ=UTC, no MARENEW_* or GITHUB_ACTIONS settings.
Commands must fix the date themselves (`--as-of`), or the output would change every day.

Usage:
    python tools/docs_examples.py            # rewrite the blocks in place
    python tools/docs_examples.py --check    # only compare; exit 1 and show a diff when stale
"""

from __future__ import annotations

import argparse
import concurrent.futures
import difflib
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
REGENERATE = "python tools/docs_examples.py"
FENCE_OPEN = "```console"
FENCE_CLOSE = "```"
PROMPT = "$ "
CONTINUED = "> "
# What a block's scratch folder holds: enough to run every example as in a clone of the repo.
SANDBOX_PARTS = ("src", "rules", "examples", "tests/fixtures")
MARK = "@@docs-example-command@@"
TIMEOUT_S = 300


def doc_files(repo: Path = REPO) -> list[Path]:
    """The files whose console blocks are examples."""
    files = [repo / "README.md", repo / "rules" / "README.md"]
    files += sorted((repo / "docs").rglob("*.md"))
    return [f for f in files if f.is_file()]


@dataclass
class Block:
    start: int  # index of the first line inside the fence
    end: int  # index of the closing fence
    commands: list[str]


def find_blocks(lines: list[str], name: str = "") -> list[Block]:
    blocks: list[Block] = []
    i = 0
    while i < len(lines):
        if lines[i].rstrip() == FENCE_OPEN:
            j = i + 1
            while j < len(lines) and lines[j].rstrip() != FENCE_CLOSE:
                j += 1
            if j == len(lines):
                raise ValueError(f"{name}:{i + 1}: console block is never closed")
            commands = _commands(lines[i + 1 : j])
            if not commands:
                raise ValueError(f"{name}:{i + 1}: console block without a `$ ` command")
            if not lines[i + 1].startswith(PROMPT):
                raise ValueError(f"{name}:{i + 2}: a console block starts with a `$ ` command")
            blocks.append(Block(i + 1, j, commands))
            i = j + 1
        else:
            i += 1
    return blocks


def _commands(body: list[str]) -> list[str]:
    """The commands of a block: each `$ ` line with the `> ` lines that continue it."""
    commands: list[str] = []
    continuing = False
    for line in body:
        if line.startswith(PROMPT):
            commands.append(line[len(PROMPT) :])
            continuing = True
        elif continuing and line.startswith(CONTINUED):
            commands[-1] += "\n" + line[len(CONTINUED) :]
        else:
            continuing = False
    return commands


def _environment(sandbox: Path) -> dict[str, str]:
    bin_dir = str(Path(sys.executable).parent)  # where the `marenew` script of this venv lives
    return {
        "PATH": os.pathsep.join([bin_dir, "/usr/local/bin", "/usr/bin", "/bin"]),
        "HOME": str(sandbox),
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "TZ": "UTC",
        "COLUMNS": "80",
        "LINES": "50",
        "NO_COLOR": "1",
        "PYTHONUNBUFFERED": "1",  # stdout and stderr interleave as they were written
        "PYTHONPATH": str(sandbox / "src"),  # the copy, so built-in rules print as rules/...
        "PYTHONDONTWRITEBYTECODE": "1",
    }


def _make_sandbox(repo: Path, into: Path) -> None:
    for part in SANDBOX_PARTS:
        src = repo / part
        if src.exists():
            shutil.copytree(src, into / part, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))


def run_block(commands: list[str], repo: Path = REPO) -> list[str]:
    """The block's lines: each command after `$ `, then what it printed."""
    with tempfile.TemporaryDirectory(prefix="marenew-docs-") as tmp:
        sandbox = Path(tmp)
        _make_sandbox(repo, sandbox)
        # `(exit $rc)` hands the previous command's exit code on, so `echo $?` shows it.
        script = ["__rc=0"]
        for cmd in commands:
            script.append(f"printf '%s\\n' '{MARK}'; (exit $__rc); {cmd}")
            script.append("__rc=$?")
        proc = subprocess.run(
            ["bash", "-c", "\n".join(script)],
            check=False,  # a command may fail on purpose: its exit code is part of the example
            cwd=sandbox,
            env=_environment(sandbox),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=TIMEOUT_S,
        )
    pieces = proc.stdout.split(MARK + "\n")
    outputs = pieces[1:]
    if len(outputs) != len(commands):
        raise RuntimeError(f"could not split the output of {commands!r}:\n{proc.stdout}")
    lines: list[str] = []
    for cmd, out in zip(commands, outputs, strict=True):
        first, *rest = cmd.split("\n")
        lines.append(PROMPT + first)
        lines.extend(CONTINUED + ln for ln in rest)
        lines.extend(ln.rstrip() for ln in out.splitlines())
    return lines


def regenerate(text: str, name: str = "", repo: Path = REPO) -> str:
    """``text`` with every console block's output replaced by a fresh run."""
    lines = text.split("\n")
    blocks = find_blocks(lines, name)
    with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        fresh = list(pool.map(lambda b: run_block(b.commands, repo), blocks))
    for block, new in reversed(list(zip(blocks, fresh, strict=True))):
        lines[block.start : block.end] = new
    return "\n".join(lines)


def diff(old: str, new: str, name: str) -> str:
    return "".join(
        difflib.unified_diff(
            old.splitlines(keepends=True),
            new.splitlines(keepends=True),
            f"{name} (committed)",
            f"{name} (fresh run)",
        )
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="compare only; exit 1 when stale")
    parser.add_argument("files", nargs="*", type=Path, help="default: README.md, rules/README.md, docs/")
    args = parser.parse_args(argv)
    files = [f.resolve() for f in args.files] or doc_files()
    stale = 0
    for path in files:
        name = str(path.relative_to(REPO)) if path.is_relative_to(REPO) else str(path)
        old = path.read_text(encoding="utf-8")
        new = regenerate(old, name)
        if new == old:
            continue
        if args.check:
            stale += 1
            sys.stdout.write(diff(old, new, name))
        else:
            path.write_text(new, encoding="utf-8")
            print(f"updated {name}")
    if stale:
        print(
            f"{stale} {'file has' if stale == 1 else 'files have'} stale examples: run `{REGENERATE}`", file=sys.stderr
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
