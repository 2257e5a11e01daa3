"""Shared fixtures: the repo's paths, the built-in rules, and a CLI runner."""

from __future__ import annotations

import signal
import subprocess
import tempfile
from pathlib import Path

import pytest
from hypothesis import settings

import marenew.load.rules
from helpers import EXAMPLES, FROZEN_RULES, REPO, RULES_DIR, d  # noqa: F401 - re-exported for fixtures

# Tests of logic run on a frozen copy of the rules (tests/fixtures/rules/): a changed fee in
# rules/ is a change of data, caught by the data group (tests marked `shipped_rules`, the worked
# cases in rules/cases/, the generated docs), not by every test that happens to print a fee.
# Set here, before any test module loads rules at import time.
_SHIPPED_RULES_DIR = marenew.load.rules.builtin_rules_dir
marenew.load.rules.builtin_rules_dir = lambda: FROZEN_RULES

# How many cases the property tests draw (``helpers.examples``): a third of each test's number in
# the default run, new ones every run; all of them with `--hypothesis-profile thorough`, as CI runs
# them (`pytest -m "slow or property" --hypothesis-profile thorough`). Loaded here, before any test module
# applies its settings; hypothesis's own option loads another profile after this one.
settings.register_profile("thorough", max_examples=100, deadline=None)
settings.register_profile("quick", max_examples=34, deadline=None)
settings.load_profile("quick")

# Settings a developer's shell may carry that would change what the program prints or reads.
_SETTINGS = (
    "GITHUB_ACTIONS",
    "FORCE_COLOR",
    "CLICOLOR_FORCE",
    "PY_COLORS",
    "TTY_COMPATIBLE",
    "COLUMNS",
    "LINES",
    "TMPDIR_MARENEW",
)


_CACHE = Path(tempfile.mkdtemp(prefix="marenew-test-cache-"))


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    """Every test sees the same environment, whatever the shell running pytest has set: no
    MARENEW_* setting (a MARENEW_RULES folder would change every figure), no forced colours."""
    import os

    for name in list(os.environ):
        if name.startswith("MARENEW_") or name in _SETTINGS:
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_COLOR", "1")
    # the rule cache goes to a folder of this test session, not the developer's own
    monkeypatch.setenv("MARENEW_CACHE_DIR", str(_CACHE))


def pytest_collection_modifyitems(items):
    for item in items:
        # The adversarial suite runs the real program in a child process, as a user does.
        if "adversarial" in item.path.parts:
            item.add_marker(pytest.mark.slow)
        if getattr(getattr(item, "obj", None), "is_hypothesis_test", False):
            item.add_marker(pytest.mark.property)


def pytest_ignore_collect(collection_path, config):
    # The adversarial suite is slow throughout (above): when the slow tests are left out, as the
    # default run does, its modules are not even imported (each test process would import them,
    # only to deselect every test).
    if collection_path.name == "adversarial" and config.getoption("markexpr") == "not slow":
        return True
    return None


def _no_process_here(args, *rest, **kwargs):
    command = args if isinstance(args, str) else " ".join(str(a) for a in args)
    raise AssertionError(
        f"this test starts a real process ({command[:80]}); mark it @pytest.mark.slow: the default run "
        "leaves those out, `pytest -m slow` and .ci/run run them"
    )


@pytest.fixture(autouse=True)
def real_processes_only_in_slow_tests(request, monkeypatch):
    """A test that starts a process (a console script, a hook, a browser) is a slow test: the
    default run leaves it out, so it must say so with the marker."""
    if request.node.get_closest_marker("slow") is None:
        monkeypatch.setattr(subprocess, "Popen", _no_process_here)


@pytest.fixture(autouse=True)
def shipped_rules_for_the_data_group(request, monkeypatch):
    """A test marked `shipped_rules` sees the rules marenew ships, as a user does."""
    if request.node.get_closest_marker("shipped_rules") is not None:
        monkeypatch.setattr(marenew.load.rules, "builtin_rules_dir", _SHIPPED_RULES_DIR)


@pytest.fixture(autouse=True)
def sigterm_handler_restored():
    """A test that runs ``main()`` in this process gets its SIGTERM handler installed, and both
    signals left to the system as it ends. Left behind, a roster run later in the session forks
    workers that inherit the handler: a worker told to stop while it is still starting loses the
    signal, and the run waits for it forever; and Ctrl-C would kill pytest without its report."""
    before = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}
    yield
    for sig, handler in before.items():
        if signal.getsignal(sig) is not handler:
            signal.signal(sig, handler)


@pytest.fixture(scope="session")
def ruleset():
    from marenew.api import load_rules

    return load_rules()


@pytest.fixture(scope="session")
def shipped_ruleset():
    """The rules marenew ships, for the data group."""
    from marenew.api import load_rules

    return load_rules([_SHIPPED_RULES_DIR()], builtin=False)


@pytest.fixture(scope="session")
def rules(ruleset):
    """Rules by upper-case id."""
    return ruleset.rules


@pytest.fixture
def runner():
    from typer.testing import CliRunner

    return CliRunner()


@pytest.fixture
def write(tmp_path):
    """write("name.yaml", text) -> Path of a file in a temporary folder."""

    def _write(name: str, text: str | bytes) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        return path

    return _write
