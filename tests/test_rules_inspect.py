"""`marenew rules list`, `rules show` and `marenew schema`.

Expected figures come from the built-in rule files, which cite the bodies' pages:
CMA 60-month cycle ending at the end of the month, 60 points, CE renewal $65 member / $130
non-member (an article only: unconfirmed), late window 3 months since 2020-01-01 (official, A2) and
60 months before (secondary, A9); RMA 36 months, CCP attestation $0 and an annual fee of $75.
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

GOOD = REPO / "tests" / "fixtures" / "rules-good"


def invoke(runner, *args: str):
    return cli(*args, env={"COLUMNS": "160"})


# --- rules list -------------------------------------------------------------------------------


def test_list_json_gives_cycle_ce_fees_and_weakest_confidence(runner):
    result = invoke(runner, "rules", "list", "--as-of", AS_OF, "--json")
    assert result.exit_code == ExitCode.OK
    rows = {r["cert"]: r for r in json.loads(result.stdout)["certs"]}
    assert {"CMA", "RMA", "CCMA", "NCMA"} <= set(rows)
    cma = rows["CMA"]
    assert (cma["body"], cma["cycle_months"], cma["expiry"]) == ("AAMA", 60, "end_of_month")
    assert (cma["ce_required"], cma["ce_total"], cma["ce_unit"]) == (True, 60, "points")
    assert cma["regular_path"] == "ce" and cma["regular_fee"] == {"member": 65, "non_member": 130}
    # the two fees known only from an article are the least sure figures of the CMA rule
    assert cma["confidence"] == "unconfirmed" and cma["confidence_counts"]["unconfirmed"] == 2
    assert cma["confidence_counts"]["unknown"] == 0 and cma["builtin"] is True
    rma = rows["RMA"]
    assert (rma["cycle_months"], rma["expiry"], rma["ce_total"]) == (36, "anniversary", 30)
    assert rma["regular_fee"] == {"member": 0, "non_member": 0}
    assert rma["confidence"] == "unknown"  # the reinstatement fee is not published


def test_list_text_has_a_row_per_certification(runner):
    result = invoke(runner, "rules", "list", "--as-of", AS_OF)
    assert result.exit_code == ExitCode.OK
    cma = next(line for line in result.stdout.splitlines() if line.split()[:1] == ["CMA"])
    assert cma.split() == ["CMA", "AAMA", "60", "mo", "60", "points", "$65", "/", "$130", "unconfirmed", "2/15"]
    rma = next(line for line in result.stdout.splitlines() if line.split()[:1] == ["RMA"])
    assert rma.split() == ["RMA", "AMT", "36", "mo", "30", "CCP", "points", "$0", "/", "$0", "unknown", "1/7"]


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
    assert (months["value"], months["confidence"], months["source"]) == (60, "official", "A1")
    assert months["source_title"] == "Recertification Policies"
    assert months["source_url"] == "https://www.aama-ntl.org/cma-aama-exam/recertification-policies"
    # end of the month, 60 months after 2026-11: 2031-11-30
    assert info["cycle"]["example"] == {"certified_on": AS_OF, "expires_on": "2031-11-30"}
    assert info["ce"]["unapproved_cap"]["value"] == 30 and info["ce"]["unapproved_cap"]["source"] == "A2"
    assert info["ce"]["categories"]["clinical"]["minimum"]["value"] == 10
    late = info["late_window"]
    assert late["unit"] == "months"
    assert (late["length"]["value"], late["length"]["since"], late["length"]["source"]) == (3, "2020-01-01", "A2")
    assert [h["value"] for h in late["length"]["history"]] == [60, 3]
    ce_path = info["paths"]["ce"]
    assert ce_path["role"] == "regular"
    assert ce_path["fee"]["member"]["value"] == 65 and ce_path["fee"]["member"]["confidence"] == "unconfirmed"
    exam = info["paths"]["exam"]
    assert exam["role"] == "after_lapse"
    assert exam["after_lapse_fees"][0]["label"] == "Reactivation fee"
    assert exam["after_lapse_fees"][0]["fee"]["all"]["value"] == 50


def test_show_gives_the_value_in_force_on_the_date(runner):
    before = json.loads(invoke(runner, "rules", "show", "CMA", "--as-of", "2019-06-01", "--json").stdout)
    length = before["late_window"]["length"]
    assert (length["value"], length["since"], length["confidence"], length["source"]) == (
        60, "2000-01-01", "secondary", "A9")


def test_show_text_reads_as_words_with_sources(runner):
    result = invoke(runner, "rules", "show", "RMA", "--as-of", AS_OF)
    assert result.exit_code == ExitCode.OK
    lines = result.stdout.splitlines()
    assert lines[0] == "RMA: Registered Medical Assistant"
    assert "Values in force on 2026-11-29." in lines
    i = lines.index("  Length: 36 months")
    assert lines[i + 1] == ("      official; B2: Stay Certified: CCP details "
                            "<https://www.americanmedtech.org/Certification/Stay-Certified>")
    assert "  Expires: the same day, 36 months after certification (anniversary)" in lines
    assert "  None published: after the expiry date the credential has lapsed." in lines
    assert "  annual: AMT annual fee" in lines
    assert "    Amount (everyone): $75" in lines
    assert "    Fee (everyone): unknown" in lines  # the reinstatement fee is not published


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


@pytest.mark.parametrize("kind,model_path,title", [
    ("credential", "marenew.core.credential:CredentialFile", "marenew credential file"),
    ("rules", "marenew.core.rule:Rule", "marenew rule file"),
])
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


@pytest.mark.parametrize("kind,files", [
    ("credential", sorted((REPO / "examples").glob("*.yaml"))),
    ("rules", sorted((REPO / "rules").glob("*.yaml")) + [GOOD / "demo.yaml"]),
])
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
