"""The two groups of the suite: the default run stays in process, CI runs the slow group too."""

from __future__ import annotations

import re
import subprocess
import tomllib

import pytest

from helpers import REPO


def test_a_fast_test_that_starts_a_process_is_told_to_mark_itself_slow():
    with pytest.raises(AssertionError, match=r"mark it @pytest\.mark\.slow"):
        subprocess.run(["true"], check=False)


def test_the_default_run_leaves_the_slow_group_out_and_ci_runs_it():
    options = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["pytest"]["ini_options"]
    assert "-m 'not slow'" in options["addopts"]
    assert any(m.startswith("slow:") for m in options["markers"])
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert re.search(r"^pytest -m slow$", ci, re.M), ".ci/run must run the slow group too"
