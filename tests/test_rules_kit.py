"""The rule maintainers' kit, through the CLI: `rules export`, `rules new`, overlays (`extends:`),
`rules diff`, `rules test --record`, coverage and `--require-cases`, and the message for a
certification no rules folder defines.

Figures are read from the built-in rules at run time, so these tests follow corrections of the
rule data instead of restating it.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import jsonschema
import pytest
import yaml

from helpers import FIXTURES, REPO, RULES_DIR, cli
from marenew.load.rules import load_rules

DAY_BEFORE = dt.date(2026, 12, 1)
FROM = dt.date(2027, 1, 1)
DAY_AFTER = dt.date(2027, 2, 1)


def run(*args, env=None):
    return cli("rules", *args, env=env)


@pytest.fixture(scope="module")
def builtin():
    return load_rules()


def regular_fee(rule, day):
    """The member fee of the rule's regular path on ``day``."""
    return rule.paths[rule.renewal.regular].fee.for_member(True).at(day)


def fee_overlay(folder: Path, builtin, cert: str = "CMA", *, more: float = 10) -> tuple[float, float]:
    """An overlay in ``folder`` that raises the regular member fee of ``cert`` from 2027-01-01,
    with its own source; returns (old fee, new fee)."""
    rule = builtin.get(cert)
    old = regular_fee(rule, DAY_BEFORE).value
    new = old + more
    path_id = rule.renewal.regular
    fee = rule.paths[path_id].fee
    side = "all" if fee.all is not None else "member"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{cert.lower()}.yaml").write_text(
        f"""\
# Our {cert}: the fee rises on {FROM}.
extends: {cert}
sources:
  MEMO: {{title: "Fee notice to members", url: "https://example.org/fees-2027"}}
paths:
  {path_id}:
    fee:
      {side}:
        values:
          {FROM}: {{value: {new:g}, source: MEMO, confidence: official}}
""",
        encoding="utf-8",
    )
    return old, new


# --- rules export -----------------------------------------------------------------------------


@pytest.mark.shipped_rules  # the built-in cases
def test_export_writes_rule_cases_and_readme_and_never_overwrites(tmp_path, shipped_ruleset):
    target = tmp_path / "mine"
    result = run("export", target, "cma")
    assert result.exit_code == 0, result.output
    origin = shipped_ruleset.origin["CMA"]
    written = target / origin.name
    assert written.read_text(encoding="utf-8").endswith(origin.read_text(encoding="utf-8"))
    assert (target / "cases" / origin.name).read_text() == (origin.parent / "cases" / origin.name).read_text()
    assert (target / "README.md").is_file()
    # the copy is a whole, valid rule with cases that pass against it
    assert run("check", target).exit_code == 0
    tested = run("test", target, "--require-cases")
    assert tested.exit_code == 0, tested.output

    written.write_text("# my edits\n", encoding="utf-8")
    again = run("export", target, "CMA")
    assert again.exit_code == 2
    assert f"{written}: error: already exists; pass --force to overwrite it" in again.stderr
    assert written.read_text() == "# my edits\n"  # nothing was written
    assert run("export", target, "CMA", "--force").exit_code == 0
    assert written.read_text() != "# my edits\n"


def test_export_every_rule_by_default_and_unknown_id(tmp_path, builtin):
    result = run("export", tmp_path / "all")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "all").glob("*.yaml")) == sorted(p.name for p in builtin.origin.values())
    bad = run("export", tmp_path / "x", "NOPE")
    assert bad.exit_code == 2 and "NOPE: error: no built-in rule has this id" in bad.stderr
    assert not (tmp_path / "x").exists()


# --- rules new --------------------------------------------------------------------------------

FILLED = {  # (file, placeholder line start) -> value
    "name: FILL-IN": "name: Medical Assistant-Certified (test)",
    "body_name: FILL-IN": "body_name: Test Department of Health",
    "renewal_page: FILL-IN": "renewal_page: https://example.org/renew",
    "S1: {title: FILL-IN, url: FILL-IN}": 'S1: {title: "Renewal page", url: "https://example.org/renew"}',
    "months: {value: FILL-IN, source: S1, confidence: official}\n  # end": "months: {value: 12, source: S1, "
    "confidence: official}\n  # end",
    "expiry: {value: FILL-IN": "expiry: {value: anniversary",
    "unit: FILL-IN": "unit: hours",
    "total: {value: FILL-IN": "total: {value: 8",
    "late_window:\n  months: {value: FILL-IN": "late_window:\n  months: {value: 3",
    "member: {value: FILL-IN": "member: {value: 40",
    "non_member: {value: FILL-IN": "non_member: {value: 60",
}


def test_new_writes_a_skeleton_that_is_valid_once_filled(tmp_path):
    folder = tmp_path / "mine"
    result = run("new", "WA-MAC", "--body", "WADOH", "--dir", folder)
    assert result.exit_code == 0, result.output
    rule, cases = folder / "wa-mac.yaml", folder / "cases" / "wa-mac.yaml"
    # unfilled: every FILL-IN is an error at its line
    check = run("check", folder)
    assert check.exit_code == 1
    text = rule.read_text()
    for n, line in enumerate(text.splitlines(), 1):
        if "FILL-IN" in line.split("#")[0]:
            assert re.search(rf"wa-mac\.yaml:{n}:\d+: error: ", check.stdout), (n, line, check.stdout)
    # refuses to overwrite
    assert run("new", "WA-MAC", "--body", "WADOH", "--dir", folder).exit_code == 2
    # filled in: clean
    for old, new in FILLED.items():
        assert old in text, old
        text = text.replace(old, new, 1)
    assert not any("FILL-IN" in line.split("#")[0] for line in text.splitlines())
    rule.write_text(text)
    check = run("check", folder, "--as-of", dt.date.today())
    assert check.exit_code == 0, check.output
    # the case, filled in by hand: 12 months on the same day; active four months before
    case = cases.read_text()
    assert run("test", folder).exit_code == 2  # FILL-IN in the case
    case = (
        case.replace("name: FILL-IN what this case shows, in one line", "name: active four months before expiry")
        .replace("as_of: FILL-IN", "as_of: 2026-02-01")
        .replace("certified_on: FILL-IN", "certified_on: 2025-06-01")
        .replace("status: FILL-IN", "status: active")
        .replace("expires_on: FILL-IN", "expires_on: 2026-06-01")
    )
    cases.write_text(case)
    tested = run("test", folder)
    assert tested.exit_code == 0, tested.output
    assert tested.stdout.strip().splitlines()[-1] == "1 passed, 0 failed"


def test_new_refuses_a_builtin_id_and_points_to_an_overlay(tmp_path):
    result = run("new", "CMA", "--body", "AAMA", "--dir", tmp_path)
    assert result.exit_code == 2
    assert "extends: CMA" in result.output
    assert not list(tmp_path.iterdir())


# --- overlays ---------------------------------------------------------------------------------


@pytest.mark.shipped_rules  # the built-in cases
def test_overlay_changes_one_fee_and_leaves_every_other_figure(tmp_path, shipped_ruleset):
    folder = tmp_path / "mine"
    old, new = fee_overlay(folder, shipped_ruleset)
    merged = load_rules([folder])
    rule, base = merged.get("CMA"), shipped_ruleset.get("CMA")
    assert regular_fee(rule, DAY_BEFORE).value == old
    assert regular_fee(rule, DAY_AFTER).value == new and regular_fee(rule, DAY_AFTER).source == "MEMO"
    # every other figure, on both days, is the built-in's
    changed = ("paths", rule.renewal.regular, "fee", "member")
    for (path, fig), (base_path, base_fig) in zip(rule.figures(), base.figures(), strict=True):
        assert path == base_path
        if path != changed:
            for day in (DAY_BEFORE, DAY_AFTER):
                assert fig.at(day) == base_fig.at(day), path
    assert set(base.sources) < set(rule.sources)
    # the built-in cases still pass against the overlay
    result = run("test", "--rules", folder)
    assert result.exit_code == 0, result.output


def test_overlay_through_status_and_show(tmp_path, builtin):
    folder = tmp_path / "mine"
    _, new = fee_overlay(folder, builtin)
    shown = run("show", "CMA", "--rules", folder, "--as-of", DAY_AFTER, "--json")
    info = json.loads(shown.stdout)
    fee = info["paths"][info["renewal"]["regular"]]["fee"]["member"]
    assert (fee["value"], fee["overlay"], fee["since"]) == (new, True, FROM.isoformat())
    assert [h["overlay"] for h in fee["history"]] == [False, True]
    assert info["cycle"]["months"]["overlay"] is False
    assert info["extends"]["cert"] == "CMA"
    text = run("show", "CMA", "--rules", folder, "--as-of", DAY_AFTER).stdout
    marked = [line for line in text.splitlines() if "[overlay]" in line]
    assert any(line.strip().startswith("Fee, member:") for line in marked), text
    assert any("dated values: earlier:" in line for line in marked)
    assert sum(line.strip().startswith(("Fee", "Length", "Total")) for line in marked) == 1


def test_overlay_of_unknown_id_or_changing_nothing_is_a_check_error(tmp_path):
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "a.yaml").write_text("# a typo\nextends: CMX\nnotes: []\n")
    result = run("check", folder)
    assert result.exit_code == 1
    assert (
        f"{folder / 'a.yaml'}:2:10: error: extends: extends `CMX`, which no rule read before this file" in result.stdout
    )
    assert "did you mean `CMA`?" in result.stdout
    (folder / "a.yaml").write_text("extends: CMA\n")
    result = run("check", folder)
    assert result.exit_code == 1
    assert f"{folder / 'a.yaml'}:1:10: error: extends: this overlay changes nothing in `CMA`" in result.stdout
    # loading it for a status is the same error, exit 2
    status = cli("status", REPO / "examples" / "cma-on-track.yaml", "--rules", folder)
    assert status.exit_code == 2 and "changes nothing" in status.stderr


def test_problems_of_an_overlay_are_located_in_the_overlay(tmp_path, builtin):
    folder = tmp_path / "mine"
    fee_overlay(folder, builtin)
    path = folder / "cma.yaml"
    text = path.read_text().replace("source: MEMO", "source: MEMOO").replace("official}", "oficial}")
    path.write_text(text)
    result = run("check", folder)
    assert result.exit_code == 1
    line = next(n for n, t in enumerate(text.splitlines(), 1) if "MEMOO" in t)
    assert re.search(
        rf"^{re.escape(str(path))}:{line}:\d+: error: .*`oficial` is not one of", result.stdout, re.MULTILINE
    )
    assert all(p.startswith(str(path)) for p in result.stdout.splitlines()[:-1])
    # a total below the built-in's minimums: reported in the overlay, naming the built-in's figure
    path.write_text(
        "extends: CMA\nce:\n  total: {value: 1, source: MEMO, confidence: official}\nsources:\n  MEMO: {title: memo}\n"
    )
    result = run("check", folder)
    assert result.exit_code == 1
    assert re.search(
        rf"^{re.escape(str(path))}:1:10: error: ce\..*minimum.*more than the total 1.*a figure of "
        r"`CMA` in .*, as this overlay leaves it\)",
        result.stdout,
        re.MULTILINE,
    ), result.stdout


# --- rules diff -------------------------------------------------------------------------------


def test_diff_lists_what_a_folder_changes_stably_and_as_schemad_json(tmp_path, builtin):
    folder = tmp_path / "mine"
    _, new = fee_overlay(folder, builtin)
    # a whole copy of another rule with one figure changed, and a new certification
    rma = builtin.origin["RMA"].read_text()
    total = builtin.get("RMA").ce.total.at(DAY_BEFORE).value
    changed = re.sub(r"(\n  total: \{value: )[0-9.]+", rf"\g<1>{total + 5:g}", rma, count=1)
    assert changed != rma
    (folder / "rma.yaml").write_text(changed)
    new_rule = (FIXTURES / "rules-good" / "demo.yaml").read_text()
    (folder / "demo.yaml").write_text(new_rule)

    first = run("diff", folder)
    assert first.exit_code == 0, first.output
    assert first.stdout == run("diff", folder).stdout  # stable
    lines = first.stdout.splitlines()
    regular = builtin.get("CMA").renewal.regular
    assert lines[:2] == [
        f"CMA ({folder / 'cma.yaml'}): overlay of the built-in CMA; 1 change",
        f"  paths.{regular}.fee.member from {FROM}: added {new:g} (official, MEMO)",
    ]
    assert any(line.startswith("DEMO (") and "no built-in rule has this id" in line for line in lines)
    rma_head = next(i for i, line in enumerate(lines) if line.startswith("RMA ("))
    assert lines[rma_head].endswith("replaces the built-in RMA whole; 1 change")
    assert "extends: RMA" in lines[rma_head + 1]
    assert re.match(rf"  ce\.total: {total:g} \(\w+, [\w-]+\) -> {total + 5:g} \(", lines[rma_head + 2])

    data = json.loads(run("diff", folder, "--json").stdout)
    schema = json.loads((REPO / "docs" / "rules-diff.schema.json").read_text())
    jsonschema.validate(data, schema)
    assert [r["cert"] for r in data["rules"]] == ["CMA", "DEMO", "RMA"]
    (change,) = data["rules"][0]["changes"]
    assert change == {
        "figure": f"paths.{regular}.fee.member",
        "since": FROM.isoformat(),
        "change": "added",
        "before": None,
        "after": {"value": new, "source": "MEMO", "source_title": "Fee notice to members", "confidence": "official"},
    }
    # the default folder: MARENEW_RULES
    env_run = run("diff", env={"MARENEW_RULES": str(folder)})
    assert env_run.stdout == first.stdout
    assert run("diff").exit_code == 2  # nothing to compare


# --- rules test --record ----------------------------------------------------------------------

CASE = """\
# our cases
cases:
  - name: member a month after expiry
    # worked out by hand below
    as_of: 2026-05-01
    input:
      holder: Case
      memberships: [AAMA]
      credentials:
        - {cert: CMA, certified_on: 2021-03-15}
    expect:
      CMA:
        status: FILL-IN   # to work out
  - name: untouched
    as_of: 2025-06-01
    input: {holder: Case, credentials: [{cert: CMA, certified_on: 2021-03-15}]}
    expect:
      CMA: {status: active}
"""


def test_record_writes_what_the_engine_says_and_keeps_the_rest(tmp_path):
    path = tmp_path / "cases" / "cma.yaml"
    path.parent.mkdir()
    path.write_text(CASE)
    assert run("test", path).exit_code == 2  # FILL-IN is not a status
    result = run("test", path, "--record", "member a month after expiry")
    assert result.exit_code == 0, result.output
    assert "check every value" in result.stdout
    text = path.read_text()
    assert text.startswith("# our cases\ncases:\n  - name: member a month after expiry\n    # worked out by hand")
    assert text.endswith(CASE[CASE.index("  - name: untouched") :])  # the other case as written
    assert re.search(r"\n        status: grace +# to work out\n", text)  # the comment stays with its key
    case = yaml.safe_load(text)["cases"][0]["expect"]["CMA"]
    assert case["expires_on"] == dt.date(2026, 3, 31) and case["cost"]["member"] is True
    tested = run("test", path)
    assert tested.exit_code == 0, tested.output
    # by number; an unknown name lists the cases
    assert run("test", path, "--record", "2").exit_code == 0
    missing = run("test", path, "--record", "nope")
    assert missing.exit_code == 2 and "1. member a month after expiry; 2. untouched" in missing.stderr


# --- coverage ---------------------------------------------------------------------------------


def test_coverage_and_require_cases(tmp_path):
    folder = tmp_path / "mine"
    (folder / "cases").mkdir(parents=True)
    demo = (FIXTURES / "rules-good" / "demo.yaml").read_text()
    (folder / "demo.yaml").write_text(demo)
    (folder / "other.yaml").write_text(demo.replace("id: DEMO", "id: OTHER"))
    (folder / "cases" / "demo.yaml").write_text((FIXTURES / "rules-good" / "cases" / "demo.yaml").read_text())
    result = run("test", folder)
    assert result.exit_code == 0, result.output
    other_line = next(n for n, t in enumerate(demo.splitlines(), 1) if t.startswith("id:"))
    assert f"{folder / 'other.yaml'}:{other_line}:5: warning: id: no worked case exercises `OTHER`" in result.stdout
    assert result.stdout.splitlines()[-1].endswith("; 1 rule without cases")
    assert f"  OTHER: no cases ({folder / 'other.yaml'})" in result.stdout
    strict = run("test", folder, "--require-cases")
    assert strict.exit_code == 1
    assert f"{folder / 'other.yaml'}:{other_line}:5: error: id: no worked case exercises `OTHER`" in strict.stdout
    data = json.loads(run("test", folder, "--format", "json").stdout)
    cov = {c["cert"]: c for c in data["coverage"]}
    assert cov["OTHER"]["cases"] == 0 and cov["DEMO"]["cases"] >= 1
    assert set(cov["DEMO"]["statuses"]) <= {"active", "expiring", "grace", "lapsed"}
    assert data["without_cases"][0]["key"] == "id"


@pytest.mark.shipped_rules  # the built-in cases
def test_builtin_coverage_every_rule_has_cases():
    result = run("test", RULES_DIR, "--require-cases")
    assert result.exit_code == 0, result.output
    data = json.loads(run("test", RULES_DIR, "--format", "json").stdout)
    for cov in data["coverage"]:
        assert cov["cases"] > 0, cov
        # a dated value in force is counted on the days the engine reads it
        assert all(d["cases"] >= 0 for d in cov["dated_values"])
    cma = next(c for c in data["coverage"] if c["cert"] == "CMA")
    assert all(cma["statuses"][s] > 0 for s in ("active", "expiring", "grace", "lapsed"))


# --- a rules folder that is missing -----------------------------------------------------------


def test_unknown_certification_names_the_folders_searched(tmp_path):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "demo.yaml").write_text((FIXTURES / "rules-good" / "demo.yaml").read_text())
    file = tmp_path / "me.yaml"
    file.write_text("holder: X\ncredentials:\n  - {cert: WA-MAC, certified_on: 2025-01-01}\n")
    result = cli("status", file, env={"MARENEW_RULES": str(mine)})
    assert result.exit_code == 2
    assert f"{file}:3:12: error: credentials[0].cert: unknown certification `WA-MAC`" in result.stderr
    assert f"rules read from: the built-in rules, {mine}; a rules folder may be missing" in result.stderr
    assert "MARENEW_RULES" in result.stderr
    # the built-in rules alone: the known ids are the whole message
    alone = cli("status", file)
    assert alone.exit_code == 2 and "rules read from" not in alone.stderr


def test_an_overlay_read_from_the_rule_cache_keeps_what_it_changed(tmp_path, builtin):
    from marenew.store import rulecache

    folder = tmp_path / "mine"
    fee_overlay(folder, builtin)
    reads = []

    def load():
        reads.append(1)
        return load_rules([folder])

    folders = [RULES_DIR, folder]
    first = rulecache.cached_rules(folders, tmp_path / "cache", load)
    second = rulecache.cached_rules(folders, tmp_path / "cache", load)
    assert len(reads) == 1  # the second came from the cache
    assert second.overlays["CMA"].paths == first.overlays["CMA"].paths
    assert second.folders == first.folders


def test_the_rules_readme_works_when_copied_alone():
    # `rules export` copies it into a folder of its own: every link must stay inside that folder
    text = (RULES_DIR / "README.md").read_text(encoding="utf-8")
    for target in re.findall(r"\]\(([^)#\s]+)", text):
        assert re.match(r"https?://", target) or (
            not target.startswith(("/", "..")) and (RULES_DIR / target).exists()
        ), target
