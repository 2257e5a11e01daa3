"""`marenew rules test --record FILE CASE`: run one case and write what the engine computes into
its `expect`, editing the case file round-trip (ruamel.yaml) so that every comment and every other
case stays as written.

What it writes is what marenew computes today, not what the body's rules say: a starting point for
a person to check value by value, never a substitute for working the case out.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

from marenew.load.problems import InputError, Problem, key_path
from marenew.load.yamlfile import Document, load_file, read_text
from marenew.ruletools.cases import Case, CredentialExpect, LoadedCase, check_case, sub_document

# What a recorded expectation holds; a field of `expect` already written (unit, confidence) is
# recorded too.
RECORDED = ("status", "expires_on", "deadline", "days_left", "ready", "points_needed", "requirements", "caps", "cost")


def _items(doc: Document) -> tuple[list, tuple]:
    data = doc.data
    if isinstance(data, list):
        return data, ()
    if isinstance(data, dict) and isinstance(data.get("cases"), list):
        return data["cases"], ("cases",)
    raise InputError([Problem(doc.source, 1, 1, "a case file is a list of cases, or a mapping with `cases:`")])


def _find(doc: Document, which: str) -> int:
    items, _ = _items(doc)
    names = [item.get("name") if isinstance(item, dict) else None for item in items]
    if which in names:
        return names.index(which)
    if which.isdigit() and 1 <= int(which) <= len(items):
        return int(which) - 1
    listed = "; ".join(f"{i}. {n}" for i, n in enumerate(names, 1))
    raise InputError([Problem(doc.source, None, None, f"no case named `{which}`; the cases: {listed}")])


def _number(value: Any) -> Any:
    return int(value) if isinstance(value, float) and value.is_integer() else value


def expected_values(result: dict, keep: set[str]) -> dict:
    """A credential's `status --json` as a case's expectation (the fields of RECORDED and ``keep``)."""
    out: dict[str, Any] = {}
    for name in CredentialExpect.model_fields:
        if name not in RECORDED and name not in keep:
            continue
        if name == "requirements":
            out[name] = {
                r["id"]: {k: _number(r[k]) for k in ("required", "counted", "short")} for r in result["requirements"]
            }
        elif name == "caps":
            out[name] = {c["id"]: {k: _number(c[k]) for k in ("maximum", "entered", "counted")} for c in result["caps"]}
        elif name == "cost":
            cost = result["cost"]
            out[name] = {"path": cost["path"], "amount": _number(cost["amount"]), "member": cost["member"]}
        elif name in ("expires_on", "deadline"):
            out[name] = dt.date.fromisoformat(result[name])
        else:
            out[name] = _number(result[name])
    return out


def record_case(path: Path, which: str, ruleset: Any, *, source: str) -> tuple[str, str, list[str]]:
    """The case file's new text with case ``which`` (its name, or its number from 1) expecting what
    the engine computes; also the case's name and the certifications recorded."""
    from marenew.core.engine import RuleGap, evaluate

    doc = load_file(path, allow_aliases=False, source=source)
    index = _find(doc, which)
    _, base = _items(doc)
    prefix = base + (index,)
    sub = sub_document(doc, prefix)
    if not isinstance(sub.data, dict):
        raise InputError(
            [
                Problem(
                    source,
                    *doc.locate(prefix),
                    "a case is a mapping with name, as_of, input and expect",
                    key=key_path(prefix),
                )
            ]
        )
    # `expect` is what is being written: validate the rest of the case without it
    held = [str(c.get("cert")) for c in (sub.data.get("input") or {}).get("credentials") or [] if isinstance(c, dict)]
    from marenew.load.locate import validate

    trial = Document(
        sub.source, {**sub.data, "expect": {c: {} for c in held} or {"?": {}}}, sub.marks, sub.key_marks, sub.scalars
    )
    case, problems = validate(Case, trial)
    if case is None:
        raise InputError(_located(problems, prefix))
    loaded = LoadedCase(source, case, doc, prefix)
    holder = check_case(loaded, ruleset).holder
    try:
        report = evaluate(ruleset.rules, holder, case.as_of, member=case.member, warn_days=case.warn_days)
    except RuleGap as exc:
        raise InputError([Problem(source, *doc.locate(prefix), f"the engine cannot judge this case: {exc}")]) from None
    written = sub.data.get("expect")
    old: dict = written if isinstance(written, dict) else {}
    recorded = {}
    for result in report.credentials:
        cert = next((c for c in held if c.upper() == result.cert.upper()), result.cert)
        before = old.get(cert)
        recorded[cert] = expected_values(result.as_json(), set(before) if isinstance(before, dict) else set())
    return _rewrite(read_text(path, source), base, index, recorded), case.name, list(recorded)


def _located(problems: list[Problem], prefix: tuple) -> list[Problem]:
    head = key_path(prefix)
    return [
        Problem(
            p.file,
            p.line,
            p.col,
            p.message,
            p.level,
            head + (p.key if (p.key or "").startswith("[") else f".{p.key}") if p.key else head,
        )
        for p in problems
    ]


def _rewrite(text: str, base: tuple, index: int, recorded: dict[str, dict]) -> str:
    """The file with the case's `expect` set to ``recorded``, everything else as written."""
    from ruamel.yaml import YAML
    from ruamel.yaml.comments import CommentedMap

    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096  # never fold a line that was not folded
    yaml.indent(mapping=2, sequence=4, offset=2)
    data = yaml.load(text)
    items = data if not base else data[base[0]]
    case = items[index]
    expect = case.get("expect")
    if not isinstance(expect, CommentedMap):
        expect = CommentedMap()
        case["expect"] = expect
    for cert in list(expect):
        if cert not in recorded:
            del expect[cert]
    for cert, values in recorded.items():
        target = expect.get(cert)
        if not isinstance(target, CommentedMap):
            target = CommentedMap()
            expect[cert] = target
        for key in list(target):
            if key not in values:
                del target[key]
        for key, value in values.items():
            target[key] = _flow(value)
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue()


def _flow(value: Any) -> Any:
    """Small mappings written on one line, as the case files do: `cost: {path: ce, amount: 65}`."""
    from ruamel.yaml.comments import CommentedMap

    if not isinstance(value, dict):
        return value
    out = CommentedMap()
    nested = any(isinstance(v, dict) for v in value.values())
    for k, v in value.items():
        out[k] = _flow(v)
    if not nested:
        out.fa.set_flow_style()
    return out
