"""`marenew rules list`, `rules show` and `marenew schema`.

The commands must say what the rule files say. Where a test reads a figure of a built-in rule, the
expectation is read from the rule itself (``ruledata``, ``in_force``), so that a body changing a
fee changes the rule file only; the shapes checked (a 60-month CMA cycle ending at the end of the
month, dated late-window values, a recurring AMT fee) are the model's.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import jsonschema
import pytest

from helpers import AS_OF, REPO, cli
from marenew.cli.exitcodes import ExitCode
from marenew.load.yamlfile import load_file
from ruledata import money, path_fee, recurring_fee

GOOD = REPO / "tests" / "fixtures" / "rules-good"


def in_force(rule, day: str = AS_OF) -> list[str]:
    """The confidence of every figure of ``rule`` in force on ``day``."""
    out = []
    for _, fig in rule.figures():
        entry = fig.at(dt.date.fromisoformat(day))
        if entry is not None:
            out.append(entry.confidence)
    return out


def invoke(runner, *args: str):
    return cli(*args, env={"COLUMNS": "160"})


# --- rules list -------------------------------------------------------------------------------


def test_list_json_gives_cycle_ce_fees_and_weakest_confidence(runner, rules):
    result = invoke(runner, "rules", "list", "--as-of", AS_OF, "--json")
    assert result.exit_code == ExitCode.OK
    rows = {r["cert"]: r for r in json.loads(result.stdout)["certs"]}
    assert {"CMA", "RMA", "CCMA", "NCMA"} <= set(rows)
    cma = rows["CMA"]
    assert (cma["body"], cma["cycle_months"], cma["expiry"]) == ("AAMA", 60, "end_of_month")
    assert (cma["ce_required"], cma["ce_total"], cma["ce_unit"]) == (True, 60, "points")
    assert cma["regular_path"] == "ce" and cma["regular_fee"] == {
        "member": path_fee("CMA", "ce", member=True),
        "non_member": path_fee("CMA", "ce"),
    }
    # the least sure figures of the CMA rule, counted
    confidences = in_force(rules["CMA"])
    assert cma["confidence"] == "unconfirmed"  # the CE fees come from an article only
    assert cma["confidence_counts"] == {
        level: confidences.count(level) for level in ("official", "secondary", "unconfirmed", "unknown")
    }
    assert cma["builtin"] is True
    rma = rows["RMA"]
    assert (rma["cycle_months"], rma["expiry"], rma["ce_total"]) == (36, "anniversary", 30)
    assert rma["regular_fee"] == {"member": path_fee("RMA", "ce"), "non_member": path_fee("RMA", "ce")}
    assert rma["confidence"] == "unknown"  # the reinstatement fee is not published


def test_list_text_has_a_row_per_certification(runner, rules):
    result = invoke(runner, "rules", "list", "--as-of", AS_OF)
    assert result.exit_code == ExitCode.OK
    cma = next(line for line in result.stdout.splitlines() if line.split()[:1] == ["CMA"])
    counts = in_force(rules["CMA"])
    assert cma.split() == [
        "CMA",
        "AAMA",
        "60",
        "mo",
        "60",
        "points",
        money(path_fee("CMA", "ce", member=True)),
        "/",
        money(path_fee("CMA", "ce")),
        "unconfirmed",
        f"{counts.count('unconfirmed')}/{len(counts)}",
    ]
    rma = next(line for line in result.stdout.splitlines() if line.split()[:1] == ["RMA"])
    counts = in_force(rules["RMA"])
    ccp = money(path_fee("RMA", "ce"))
    assert rma.split() == [
        "RMA",
        "AMT",
        "36",
        "mo",
        "30",
        "CCP",
        "points",
        ccp,
        "/",
        ccp,
        "unknown",
        f"{counts.count('unknown')}/{len(counts)}",
    ]


def test_list_includes_rules_folders(runner):
    result = invoke(runner, "rules", "list", "--as-of", AS_OF, "--json", "--rules", str(GOOD))
    rows = {r["cert"]: r for r in json.loads(result.stdout)["certs"]}
    text = invoke(runner, "rules", "list", "--as-of", AS_OF, "--rules", str(GOOD)).stdout
    demo_line = next(line for line in text.splitlines() if line.split()[:1] == ["DEMO"])
    # rules from a folder say which file (relative to the working folder when inside it)
    assert Path(demo_line.split()[-1]).resolve() == GOOD / "demo.yaml"
    demo = rows["DEMO"]
    assert demo["builtin"] is False and Path(demo["file"]).resolve() == GOOD / "demo.yaml"
    assert demo["regular_fee"] == {"member": 50, "non_member": 100}
    assert "CMA" in rows


# --- rules show -------------------------------------------------------------------------------


@pytest.mark.parametrize("cert", ["CMA", "RMA", "CCMA", "NCMA"])
def test_show_example_expiry_is_the_engines(runner, rules, cert):
    from marenew.core.engine import computed_expiry

    info = json.loads(invoke(runner, "rules", "show", cert, "--as-of", AS_OF, "--json").stdout)
    expected, _ = computed_expiry(rules[cert], dt.date.fromisoformat(AS_OF))
    assert info["cycle"]["example"] == {"certified_on": AS_OF, "expires_on": expected.isoformat()}


def test_show_json_gives_each_figure_with_source_and_confidence(runner):
    result = invoke(runner, "rules", "show", "cma", "--as-of", AS_OF, "--json")
    assert result.exit_code == ExitCode.OK
    info = json.loads(result.stdout)
    assert info["cert"] == "CMA" and info["as_of"] == AS_OF
    months = info["cycle"]["months"]
    assert (months["value"], months["confidence"], months["source"]) == (60, "official", "AAMA-POL")
    assert months["source_title"] == "AAMA: Recertification Policies"
    assert months["source_url"] == "https://www.aama-ntl.org/cma-aama-exam/recertification-policies"
    # end of the month, 60 months after 2026-11: 2031-11-30
    assert info["cycle"]["example"] == {"certified_on": AS_OF, "expires_on": "2031-11-30"}
    assert info["ce"]["unapproved_cap"]["value"] == 30 and info["ce"]["unapproved_cap"]["source"] == "AAMA-NONAAMA"
    assert info["ce"]["categories"]["clinical"]["minimum"]["value"] == 10
    late = info["late_window"]
    assert late["unit"] == "months"
    assert (late["length"]["value"], late["length"]["since"], late["length"]["source"]) == (3, "2020-01-01", "AAMA-FAQ")
    assert [h["value"] for h in late["length"]["history"]] == [60, 3]
    # windows of expiries before 2020 closed on 2020-03-30 at the latest
    assert [(c["expired_before"], c["date"]["value"]) for c in late["closes_on"]] == [("2020-01-01", "2020-03-30")]
    ce_path = info["paths"]["ce"]
    assert ce_path["role"] == "regular"
    assert ce_path["fee"]["member"]["value"] == path_fee("CMA", "ce", member=True)
    assert ce_path["fee"]["member"]["confidence"] == "unconfirmed"
    assert ce_path["fee"]["member"]["source_kind"] == "article" and ce_path["fee"]["member"]["source_url"] is None
    exam = info["paths"]["exam"]
    assert exam["role"] == "after_lapse"
    assert exam["after_lapse_fees"][0]["label"] == "Reactivation fee"
    assert exam["after_lapse_fees"][0]["fee"]["all"]["value"] == 50
    # every note that cites sources has them resolved to titles (and addresses where there are any)
    assert info["notes"] == [n["text"] for n in info["notes_cited"]]
    cited = [s for n in info["notes_cited"] for s in n["sources"]]
    assert cited and all(s["title"] and (s["url"] or s["kind"] != "page") for s in cited)


def test_show_gives_the_value_in_force_on_the_date(runner):
    before = json.loads(invoke(runner, "rules", "show", "CMA", "--as-of", "2019-06-01", "--json").stdout)
    length = before["late_window"]["length"]
    assert (length["value"], length["since"], length["confidence"], length["source"]) == (
        60,
        "2000-01-01",
        "secondary",
        "AAMA-OLDAPP",
    )


def test_show_text_reads_as_words_with_sources(runner, rules):
    result = invoke(runner, "rules", "show", "RMA", "--as-of", AS_OF)
    assert result.exit_code == ExitCode.OK
    lines = result.stdout.splitlines()
    assert lines[0] == "RMA: Registered Medical Assistant"
    assert "Values in force on 2026-11-29." in lines
    i = lines.index("  Length: 36 months")
    assert lines[i + 1] == (
        "      official; AMT-SC: AMT: Stay Certified (CCP) "
        "<https://americanmedtech.org/Certification/Stay-Certified/tabs/3>"
    )
    assert "  Expires: the same day, 36 months after certification (anniversary)" in lines
    assert "  None published: after the expiry date the credential has lapsed." in lines
    assert "  annual: AMT annual fee" in lines
    i = lines.index(f"    Amount (everyone): {money(recurring_fee('RMA'))}")
    # the other figure a source publishes, with the source by its title (an article has no address)
    (conflict,) = rules["RMA"].recurring_fees[0].amount.all.conflicts
    assert lines[i + 2] == (
        f"        also published: {money(conflict.value)}, by article: Renew Your Medical "
        "Assistant Certification (article, no address)"
    )
    assert "    Fee (everyone): unknown" in lines  # the reinstatement fee is not published
    # reactivation closes ten years after expiry; the exam after that
    i = lines.index("    Open after expiry for: 120 months")
    assert "        then: exam" in lines[i : i + 5]
    # a note's sources, resolved: key, title, address
    i = lines.index("  - Employment points count only for work done through 2020-12-31.")
    assert lines[i + 1] == (
        "      AMT-SC: AMT: Stay Certified (CCP) <https://americanmedtech.org/Certification/Stay-Certified/tabs/3>"
    )


def test_show_rule_from_a_rules_folder_and_unknown_id(runner):
    demo = invoke(runner, "rules", "show", "demo", "--rules", str(GOOD), "--as-of", AS_OF)
    assert demo.exit_code == ExitCode.OK
    assert "  Regular renewal still accepted after expiry for: 60 days" in demo.stdout.splitlines()
    unknown = invoke(runner, "rules", "show", "NOPE")
    assert unknown.exit_code == ExitCode.INPUT
    assert "unknown certification `NOPE`; known: " in unknown.stderr
    assert "CMA" in unknown.stderr and "RMA" in unknown.stderr


# --- schema -----------------------------------------------------------------------------------


def as_editor_sees(value):
    """YAML data as a YAML language server hands it to JSON Schema: dates are text."""
    if isinstance(value, dict):
        return {(k.isoformat() if isinstance(k, dt.date) else k): as_editor_sees(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_editor_sees(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


@pytest.mark.parametrize(
    "kind,model_path,title",
    [
        ("credential", "marenew.core.credential:CredentialFile", "marenew credential file"),
        ("rules", "marenew.load.ruleschema:Rule", "marenew rule file"),
    ],
)
def test_schema_is_json_schema_of_the_model(runner, kind, model_path, title):
    import importlib

    module, name = model_path.split(":")
    model = getattr(importlib.import_module(module), name)
    result = invoke(runner, "schema", kind)
    assert result.exit_code == ExitCode.OK
    schema = json.loads(result.stdout)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema" and schema["title"] == title
    jsonschema.Draft202012Validator.check_schema(schema)
    required = {n for n, f in model.model_fields.items() if f.is_required()}
    assert set(schema["required"]) == required and required
    assert schema["additionalProperties"] is False  # an editor flags unknown keys too


@pytest.mark.parametrize(
    "kind,files",
    [
        ("credential", sorted((REPO / "examples").glob("*.yaml"))),
        ("rules", sorted((REPO / "rules").glob("*.yaml")) + [GOOD / "demo.yaml"]),
    ],
)
def test_shipped_files_satisfy_the_schema(runner, kind, files):
    validator = jsonschema.Draft202012Validator(json.loads(invoke(runner, "schema", kind).stdout))
    assert files
    for path in files:
        data = as_editor_sees(load_file(path, allow_aliases=True).data)
        assert not list(validator.iter_errors(data)), path


def test_schema_flags_an_unknown_key_and_a_missing_one(runner):
    validator = jsonschema.Draft202012Validator(json.loads(invoke(runner, "schema", "rules").stdout))
    data = as_editor_sees(load_file(GOOD / "demo.yaml", allow_aliases=True).data)
    data["paths"]["ce"]["fees"] = data["paths"]["ce"].pop("fee")
    messages = [e.message for e in validator.iter_errors(data)]
    assert any("'fee' is a required property" in m for m in messages)
    assert any("'fees' was unexpected" in m for m in messages)


def test_schema_rejects_an_unknown_kind(runner):
    assert invoke(runner, "schema", "roster").exit_code == ExitCode.INPUT
