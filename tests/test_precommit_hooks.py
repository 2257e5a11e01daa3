"""The hook manifest and the CI examples cannot rot: each hook in .pre-commit-hooks.yaml is run the
way pre-commit runs it (its entry and args, the files its `files` pattern selects when it passes
filenames) over positive folders (exit 0) and negative ones (exit 1); examples/ci/check-rules.sh
and the commands of examples/ci/github-actions.yml are run the same way.

Fixture folders (tests/fixtures/):
- rules-good/: the made-up DEMO rule, clean, with a case that passes;
- rules-bad/: the DEMO rule with a minimum above the total and a misspelt key (check fails);
- rules-failing-case/: the clean DEMO rule with a case that expects the wrong status (test fails).
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from helpers import FIXTURES, REPO

pytestmark = pytest.mark.slow  # real processes: shell scripts, hooks

HOOKS = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))


def env() -> dict:
    """The environment a hook runs in: this interpreter's `marenew` first on PATH, no colour, and
    not inside GitHub Actions (the text format)."""
    out = dict(os.environ)
    out["PATH"] = str(Path(sys.executable).parent) + os.pathsep + out.get("PATH", "")
    out["NO_COLOR"] = "1"
    out.pop("GITHUB_ACTIONS", None)
    out.pop("MARENEW_RULES", None)
    return out


def repo_with_rules(tmp_path: Path, folder: Path) -> Path:
    """A repository whose rules/ folder is a copy of ``folder``."""
    root = tmp_path / "repo"
    shutil.copytree(folder, root / "rules", ignore=shutil.ignore_patterns("__pycache__"))
    return root


def run_hook(hook: dict, root: Path) -> subprocess.CompletedProcess:
    """Run a hook as pre-commit would on a commit touching every file in ``root``."""
    files = sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
    selected = [f for f in files if re.search(hook.get("files", ""), f)]
    assert selected, f"hook {hook['id']} would not run: no file matches {hook.get('files')!r}"
    command = shlex.split(hook["entry"]) + list(hook.get("args", []))
    if hook.get("pass_filenames", True):
        command += selected
    return subprocess.run(command, cwd=root, env=env(), capture_output=True, text=True, timeout=120)


# hook id -> (folders that must pass, folders that must fail)
EXAMPLES = {
    "marenew-rules-check": ([FIXTURES / "rules-good", REPO / "rules"], [FIXTURES / "rules-bad"]),
    "marenew-rules-test": ([FIXTURES / "rules-good", REPO / "rules"], [FIXTURES / "rules-failing-case"]),
}


def test_manifest_lists_both_hooks_as_python_hooks_on_rules():
    assert [h["id"] for h in HOOKS] == list(EXAMPLES)
    for hook in HOOKS:
        assert hook["language"] == "python"
        assert hook["entry"].startswith("marenew rules ")
        assert re.search(hook["files"], "rules/cma.yaml")
        assert not re.search(hook["files"], "src/marenew/rules.py")
    check = next(h for h in HOOKS if h["id"] == "marenew-rules-check")
    # rule files only: neither rules/README.md nor the cases are rule files
    assert not re.search(check["files"], "rules/README.md")
    assert not re.search(check["files"], "rules/cases/cma.yaml")


@pytest.mark.parametrize(
    "hook_id,folder,expected",
    [(hid, folder, 0) for hid, (good, _) in EXAMPLES.items() for folder in good]
    + [(hid, folder, 1) for hid, (_, bad) in EXAMPLES.items() for folder in bad],
    ids=lambda v: v.name if isinstance(v, Path) else str(v),
)
def test_hook_over_example_folder(tmp_path, hook_id, folder, expected):
    hook = next(h for h in HOOKS if h["id"] == hook_id)
    result = run_hook(hook, repo_with_rules(tmp_path, folder))
    assert result.returncode == expected, result.stdout + result.stderr
    if hook_id == "marenew-rules-check" and expected == 1:
        # the check points at the lines named in the fixture's header comment
        assert "rules/demo.yaml:25:24: error: ce.categories.clinical.minimum.value" in result.stdout
        assert "rules/demo.yaml:36:5: error: paths.ce.fees" in result.stdout
    if hook_id == "marenew-rules-test" and expected == 1:
        assert "case 'wrongly expects expiring': DEMO.status expected expiring, got active" in result.stdout


SCRIPT = REPO / "examples" / "ci" / "check-rules.sh"


def test_ci_script_passes_on_a_copy_of_the_rules(tmp_path):
    root = repo_with_rules(tmp_path, REPO / "rules")
    result = subprocess.run(["sh", str(SCRIPT)], cwd=root, env=env(), capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"^no problems in \d+ files$", result.stdout, re.M)
    assert re.search(r"^\d+ passed, 0 failed$", result.stdout, re.M)


def test_ci_script_fails_on_a_broken_copy(tmp_path):
    root = repo_with_rules(tmp_path, REPO / "rules")
    target = root / "rules" / "cma.yaml"
    text = target.read_text(encoding="utf-8")
    assert "\nce:\n  unit: points\n" in text
    target.write_text(text.replace("\nce:\n  unit: points\n", "\nce:\n  unit: points: [\n"), encoding="utf-8")
    line = text.splitlines().index("  unit: points") + 1
    # the folder given as $1, from elsewhere
    result = subprocess.run(
        ["sh", str(SCRIPT), str(root / "rules")], cwd=tmp_path, env=env(), capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"cma.yaml:{line}:" in result.stdout and "YAML syntax error" in result.stdout


INSTALL = re.compile(r'pip install "marenew @ git\+https://github\.com/<owner>/marenew@<ref>"')


def test_github_workflow_installs_from_the_repository_at_a_ref_and_runs_once_per_change():
    text = (REPO / "examples" / "ci" / "github-actions.yml").read_text(encoding="utf-8")
    workflow = yaml.safe_load(text)
    installs = [
        s["run"] for job in workflow["jobs"].values() for s in job["steps"] if "pip install" in s.get("run", "")
    ]
    # from the repository at a pinned ref, never by a bare name a stranger could register
    assert len(installs) == 1 and INSTALL.search(installs[0]), installs
    assert not re.search(r"pip install (-\S+ )*marenew\b(?! @)", text)
    assert "<ref>" in text and "tag" in text and "commit" in text  # the comment says what <ref> is
    # PyYAML reads the key `on` as true (YAML 1.1)
    triggers = workflow.get("on", workflow.get(True))
    assert set(triggers) == {"push", "pull_request"}
    assert triggers["push"] == {"branches": ["main"]}  # a branch's pushes run through its pull request only
    assert workflow["concurrency"]["cancel-in-progress"] is True
    script = (REPO / "examples" / "ci" / "check-rules.sh").read_text(encoding="utf-8")
    assert INSTALL.search(script) and "marenew rules test --require-cases" in script


def test_the_install_line_installs_marenew_from_a_repository_at_a_ref(tmp_path):
    # the recipe's requirement form, with this repository's current commit for <ref> (a file URL
    # with a host, shaped like the github.com one): pip resolves the ref and builds marenew from it
    sha = _head()
    target = tmp_path / "site"
    spec = f"marenew @ git+file://localhost{REPO.as_posix()}@{sha}"
    result = subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target), spec],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert (target / "marenew" / "cli" / "rules.py").is_file()
    assert (target / "marenew" / "data" / "rules" / "cma.yaml").is_file()


def _head() -> str:
    """This repository's current commit; the tests that need git history skip without it."""
    if shutil.which("git") is None or not (REPO / ".git").exists():
        pytest.skip("not a git checkout")
    return subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", "HEAD"], capture_output=True, text=True, check=True
    ).stdout.strip()


def test_github_workflow_runs_check_and_test_on_its_folder(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from marenew.cli import app

    workflow = yaml.safe_load((REPO / "examples" / "ci" / "github-actions.yml").read_text(encoding="utf-8"))
    steps = [s for job in workflow["jobs"].values() for s in job["steps"]]
    commands = [s["run"] for s in steps if s.get("run", "").startswith("marenew ")]
    assert commands == ["marenew rules check rules", "marenew rules test --require-cases rules"]
    # the test step runs even when the check step failed
    assert steps[-1]["run"] == commands[-1] and "!cancelled()" in steps[-1]["if"]
    # run them in-process (the hook tests above run the same commands as processes), in Actions
    root = repo_with_rules(tmp_path, REPO / "rules")
    monkeypatch.chdir(root)
    runner = CliRunner()
    actions = {"GITHUB_ACTIONS": "true", "MARENEW_RULES": "", "NO_COLOR": "1"}
    for command in commands:
        result = runner.invoke(app, shlex.split(command)[1:], env=actions)
        assert result.exit_code == 0, result.output
    broken = root / "rules" / "rma.yaml"
    text = broken.read_text(encoding="utf-8")
    broken.write_text(text.replace("total: {value: 30,", "total: {value: -30,"), encoding="utf-8")
    line = next(i for i, ln in enumerate(text.splitlines(), 1) if "total: {value: 30," in ln)
    result = runner.invoke(app, shlex.split(commands[0])[1:], env=actions)
    assert result.exit_code == 1
    assert re.search(
        rf"^::error file=rules/rma\.yaml,line={line},col=\d+::ce\.total\.value: a total cannot be negative",
        result.stdout,
        re.M,
    ), result.stdout


# --- the hooks as pre-commit itself runs them, from a user's repository ------------------------------


def _user_repo(tmp_path: Path, folder: Path, ref: str) -> Path:
    """A git repository of its own: rules/ is a copy of ``folder``, and .pre-commit-config.yaml
    uses both hooks of this repository at ``ref``, as the docs show; every file staged."""
    root = repo_with_rules(tmp_path, folder)
    (root / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {REPO}\n    rev: {ref}\n    hooks:\n"
        "      - id: marenew-rules-check\n      - id: marenew-rules-test\n",
        encoding="utf-8",
    )
    for command in (["git", "init", "-q"], ["git", "add", "-A"]):
        subprocess.run(command, cwd=root, check=True, capture_output=True)
    return root


def _pre_commit(root: Path, home: Path) -> subprocess.CompletedProcess:
    environment = env()
    environment["PRE_COMMIT_HOME"] = str(home)  # its own store: the hook environment is built there once
    command = [sys.executable, "-m", "pre_commit", "run", "--all-files", "--color", "never"]
    return subprocess.run(command, cwd=root, env=environment, capture_output=True, text=True, timeout=900)


def test_pre_commit_runs_both_hooks_of_this_repository_at_its_current_commit(tmp_path):
    # What `pre-commit try-repo` does, with the configuration a user writes: pre-commit clones this
    # repository at its current commit, installs it into a virtualenv of its own (pip, from the
    # package index only) and runs each hook over the user's repository.
    pytest.importorskip("pre_commit")
    ref = _head()
    home = tmp_path / "pre-commit-home"
    good = _user_repo(tmp_path / "good", FIXTURES / "rules-good", ref)
    result = _pre_commit(good, home)
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"^marenew rules check\.+Passed$", result.stdout, re.M), result.stdout
    assert re.search(r"^marenew rules test\.+Passed$", result.stdout, re.M), result.stdout
    # a failing case, and a rule no case exercises (--require-cases): the test hook fails
    bad = _user_repo(tmp_path / "bad", FIXTURES / "rules-failing-case", ref)
    demo = (bad / "rules" / "demo.yaml").read_text(encoding="utf-8")
    (bad / "rules" / "demo2.yaml").write_text(demo.replace("id: DEMO", "id: DEMO2"), encoding="utf-8")
    subprocess.run(["git", "add", "-A"], cwd=bad, check=True)
    result = _pre_commit(bad, home)
    assert result.returncode == 1
    assert re.search(r"^marenew rules check\.+Passed$", result.stdout, re.M), result.stdout
    assert re.search(r"^marenew rules test\.+Failed$", result.stdout, re.M), result.stdout
    assert "case 'wrongly expects expiring': DEMO.status expected expiring, got active" in result.stdout
    assert "error: id: no worked case exercises `DEMO2`" in result.stdout


def test_the_docs_pre_commit_rev_is_a_commit_of_this_repository_with_both_hooks():
    _head()  # skips outside a git checkout
    text = (REPO / "docs" / "rule-maintainers.md").read_text(encoding="utf-8")
    block = text.split("# .pre-commit-config.yaml\n", 1)[1].split("```", 1)[0]
    config = yaml.safe_load(block)
    (repo,) = config["repos"]
    rev = repo["rev"]
    assert re.fullmatch(r"[0-9a-f]{40}", rev), rev  # a full SHA (or a tag) that pre-commit can check out
    shown = subprocess.run(
        ["git", "-C", str(REPO), "show", f"{rev}:.pre-commit-hooks.yaml"], capture_output=True, text=True
    )
    assert shown.returncode == 0, f"rev {rev} does not resolve in this repository: {shown.stderr}"
    hooks = {h["id"]: h for h in yaml.safe_load(shown.stdout)}
    assert {h["id"] for h in repo["hooks"]} <= set(hooks)
    assert "--require-cases" in hooks["marenew-rules-test"]["args"]
