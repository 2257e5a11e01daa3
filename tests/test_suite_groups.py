"""The two groups of the suite: the default run stays in process, CI runs the slow group too."""

from __future__ import annotations

import re
import subprocess
import tomllib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import REPO, examples


def test_a_fast_test_that_starts_a_process_is_told_to_mark_itself_slow():
    with pytest.raises(AssertionError, match=r"mark it @pytest\.mark\.slow"):
        subprocess.run(["true"], check=False)


def test_the_default_run_leaves_the_slow_group_out_and_ci_runs_it():
    options = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["pytest"]["ini_options"]
    assert "-m 'not slow'" in options["addopts"]
    assert any(m.startswith("slow:") for m in options["markers"])
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert re.search(r"^pytest -m \"slow or property\"", ci, re.M), ".ci/run must run the slow group too"


def test_property_tests_are_marked_and_ci_draws_all_their_cases():
    from conftest import pytest_collection_modifyitems

    @given(st.integers())
    def a_property(n):
        pass

    def plain():
        pass

    class Item:
        def __init__(self, obj):
            self.obj, self.path, self.markers = obj, REPO / "tests" / "test_x.py", []

        def add_marker(self, marker):
            self.markers.append(marker.name)

    items = [Item(a_property), Item(plain)]
    pytest_collection_modifyitems(items)
    assert [item.markers for item in items] == [["property"], []]
    # the number a test asks of ``examples`` is what the thorough profile draws
    assert settings.get_profile("thorough").max_examples == 100
    assert examples(300).max_examples == round(300 * settings.default.max_examples / 100)
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert re.search(r"^pytest -m \"slow or property\" --hypothesis-profile thorough$", ci, re.M)
