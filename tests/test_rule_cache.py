"""The cache of validated rules: used only for the same rule bytes and the same code; anything
else (an edited file, another version, a damaged cache file, a folder that cannot be written) reads
the rule files, and rules with errors are never cached."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from helpers import AS_OF, EXAMPLES, RULES_DIR, cli, d
from marenew.core.rule import Figure, as_json
from marenew.load.problems import InputError
from marenew.load.rules import load_rules
from marenew.store import rulecache


@pytest.fixture
def folder(tmp_path) -> Path:
    """A copy of the built-in rules (so that a test may edit them)."""
    copy = tmp_path / "rules"
    shutil.copytree(RULES_DIR, copy, ignore=shutil.ignore_patterns("cases", "*.md"))
    return copy


class Loads:
    """load() for cached_rules, counting the times the files were really read."""

    def __init__(self, folder: Path):
        self.folder, self.count = folder, 0

    def __call__(self):
        self.count += 1
        return load_rules([self.folder], builtin=False)


def test_a_second_load_comes_from_the_cache_and_equals_the_files(tmp_path, folder):
    cache = tmp_path / "cache"
    load = Loads(folder)
    first = rulecache.cached_rules([folder], cache, load)
    second = rulecache.cached_rules([folder], cache, load)
    assert load.count == 1
    fresh = load_rules([folder], builtin=False)
    assert second.rules == fresh.rules and second.origin == fresh.origin
    assert first.rules == fresh.rules
    # the cached rules answer as the fresh ones do, in the same plain classes
    for key, rule in fresh.rules.items():
        assert as_json(second.rules[key]) == as_json(rule)
        assert type(second.rules[key].cycle.months) is Figure
        assert second.rules[key].ce == rule.ce and second.rules[key].cycle.months.at(d(AS_OF)) == rule.cycle.months.at(
            d(AS_OF)
        )


def test_an_edited_added_or_removed_rule_file_is_read_again(tmp_path, folder):
    cache = tmp_path / "cache"
    load = Loads(folder)
    rulecache.cached_rules([folder], cache, load)
    cma = folder / "cma.yaml"
    text = cma.read_text(encoding="utf-8")
    cma.write_text(
        text.replace("\nname: Certified Medical Assistant\n", "\nname: Certified (edited)\n"), encoding="utf-8"
    )
    edited = rulecache.cached_rules([folder], cache, load)
    assert load.count == 2
    assert "(edited)" in edited.rules["CMA"].name
    (folder / "bls.yaml").unlink()
    assert "BLS" not in rulecache.cached_rules([folder], cache, load).rules
    assert load.count == 3


def test_another_version_of_the_code_does_not_trust_the_cache(tmp_path, folder, monkeypatch):
    cache = tmp_path / "cache"
    load = Loads(folder)
    rulecache.cached_rules([folder], cache, load)
    monkeypatch.setattr(rulecache, "__version__", "999.0")
    rulecache.cached_rules([folder], cache, load)
    assert load.count == 2


def test_a_damaged_cache_file_is_ignored_and_written_again(tmp_path, folder):
    cache = tmp_path / "cache"
    load = Loads(folder)
    rulecache.cached_rules([folder], cache, load)
    path = rulecache.cache_file(cache, [folder])
    fresh = load_rules([folder], builtin=False)
    for damage in (b"", b"not a pickle", path.read_bytes()[:200]):
        path.write_bytes(damage)
        assert rulecache.cached_rules([folder], cache, load).rules == fresh.rules
    count = load.count
    rulecache.cached_rules([folder], cache, load)
    assert load.count == count  # written again whole


def test_a_cache_folder_that_cannot_be_written_is_no_error(tmp_path, folder):
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache folder would be", encoding="utf-8")
    load = Loads(folder)
    assert rulecache.cached_rules([folder], blocker / "cache", load).rules
    assert rulecache.cached_rules([folder], blocker / "cache", load).rules
    assert load.count == 2


def test_rules_with_errors_are_not_cached_and_always_reported(tmp_path, folder):
    cache = tmp_path / "cache"
    (folder / "cma.yaml").write_text("id: CMA\n", encoding="utf-8")
    load = Loads(folder)
    for _ in range(2):
        with pytest.raises(InputError):
            rulecache.cached_rules([folder], cache, load)
    assert load.count == 2
    assert not list(cache.glob("*.pickle")) if cache.exists() else True


def test_status_is_the_same_with_and_without_the_cache(tmp_path):
    example = EXAMPLES / "multi-credential.yaml"
    off = cli("status", example, "--as-of", AS_OF, "--json", env={"MARENEW_CACHE_DIR": "off"})
    cache = tmp_path / "cache"
    from marenew import api

    api._RULESETS.clear()  # this process keeps the rule set in memory: make it use the cache folder
    cold = cli("status", example, "--as-of", AS_OF, "--json", env={"MARENEW_CACHE_DIR": str(cache)})
    assert list(cache.glob("rules-*.pickle"))
    api._RULESETS.clear()
    warm = cli("status", example, "--as-of", AS_OF, "--json", env={"MARENEW_CACHE_DIR": str(cache)})
    assert off.stdout == cold.stdout == warm.stdout
    assert off.exit_code == cold.exit_code == warm.exit_code


@pytest.mark.skipif(sys.platform != "linux", reason="the XDG rule is read directly on Linux only")
@pytest.mark.parametrize("xdg", [None, "", "   ", "/srv/cache", "relative/cache"])
@pytest.mark.parametrize("home", ["/home/ana", "/root/"])
def test_the_cache_folder_on_linux_is_the_one_platformdirs_gives(monkeypatch, xdg, home):
    # cache_dir reads the XDG rule itself (platformdirs costs start-up): it must name the same folder
    from platformdirs import user_cache_dir

    from marenew.cli.common import cache_dir

    monkeypatch.delenv("MARENEW_CACHE_DIR", raising=False)
    monkeypatch.setenv("HOME", home)
    if xdg is None:
        monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    else:
        monkeypatch.setenv("XDG_CACHE_HOME", xdg)
    assert cache_dir() == Path(user_cache_dir("marenew", appauthor=False))
