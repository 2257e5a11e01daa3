"""Rules in words and as JSON: `marenew rules list`, `rules show` and `marenew schema`.

Pure: builds plain dicts (the `--json` output, documented in docs/reference.md) and the text lines of
`rules show` from them, so both say the same thing. Fees come from engine.price_list and expiry
examples from engine.computed_expiry: nothing here re-derives what the engine decides.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from marenew.core.base import CONFIDENCE_LEVELS, Confidence
from marenew.core.engine import computed_expiry, price_list
from marenew.core.results import num
from marenew.core.rule import Fee, Figure, Rule, weakest
from marenew.core.words import money as dollars
from marenew.load.overlay import SINCE_ALWAYS, Overlay

OVERLAY_MARK = "[overlay]"
JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"

_EXPIRY_WORDS = {
    "end_of_month": "the last day of the month, {months} months after the month of certification",
    "anniversary": "the same day, {months} months after certification",
    "birthday": "on the holder's birthday, every {months} months",
}
_RENEWED_FROM_WORDS = {
    "recertification": "runs from the recertification (renewing early shortens the old cycle)",
    "expiry": "runs from the old expiry date (renewing early loses no time)",
}


def _json_value(value: Any) -> Any:
    if isinstance(value, float):
        return num(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def source_info(rule: Rule, key: str | None) -> dict:
    """A source by key: title, address (None for an article or document known by its title) and kind."""
    src = rule.sources.get(key) if key else None
    return {
        "source": key,
        "source_title": src.title if src else None,
        "source_url": src.url if src else None,
        "source_kind": src.kind if src else None,
    }


def _since(day: dt.date | None) -> str | None:
    # an undated figure that an overlay dated is in force "since always": no date to show
    return day.isoformat() if day is not None and day != SINCE_ALWAYS else None


def figure_info(rule: Rule, fig: Figure | None, day: dt.date, overlay: Overlay | None = None) -> dict | None:
    """A figure as on ``day``: value, source (key, title, url, kind), confidence, note, the day it
    was last verified, the other values sources publish (``conflicts``), and for dated figures
    every dated value (``history``). With ``overlay`` (the rule is an overlay), ``overlay: true``
    marks a value the overlay gave."""
    if fig is None:
        return None
    since, entry = fig.in_force(day) or (None, None)
    path = _figure_path(rule, fig)

    def from_overlay(at: dt.date | None) -> bool:
        if overlay is None or path is None:
            return False
        return overlay.gave(path) or (at is not None and overlay.gave(path + ("values", at)))

    if entry is None:
        first = min(fig.values) if fig.values else None
        out = {
            "value": None,
            "since": None,
            "confidence": "unknown",
            **source_info(rule, None),
            "note": f"not in force on {day} (first value takes effect {first})",
            "last_verified": rule.last_verified.isoformat(),
            "conflicts": [],
        }
    else:
        out = {
            "value": _json_value(entry.value),
            "since": _since(since),
            "confidence": entry.confidence,
            **source_info(rule, entry.source),
            "note": entry.note,
            "last_verified": (entry.last_verified or rule.last_verified).isoformat(),
            "conflicts": [
                {"value": _json_value(c.value), **source_info(rule, c.source), "note": c.note} for c in entry.conflicts
            ],
        }
    if overlay is not None:
        out["overlay"] = entry is not None and from_overlay(since)
    if fig.values is not None:
        out["history"] = [
            {
                "since": _since(d),
                "value": _json_value(e.value),
                "confidence": e.confidence,
                "source": e.source,
                "note": e.note,
                **({"overlay": from_overlay(d)} if overlay is not None else {}),
            }
            for d, e in fig.values.items()
        ]
    return out


def _figure_path(rule: Rule, fig: Figure) -> tuple | None:
    return next((path for path, f in rule.figures() if f is fig), None)


def _fee_info(rule: Rule, fee: Fee, day: dt.date, overlay: Overlay | None = None) -> dict:
    if fee.all is not None:
        return {"all": figure_info(rule, fee.all, day, overlay)}
    return {
        "member": figure_info(rule, fee.member, day, overlay),
        "non_member": figure_info(rule, fee.non_member, day, overlay),
    }


def figure_confidences(rule: Rule, day: dt.date) -> list[Confidence]:
    """The confidence of every figure in force on ``day``."""
    out = []
    for _, fig in rule.figures():
        entry = fig.at(day)
        if entry is not None:
            out.append(entry.confidence)
    return out


def summary(rule: Rule, day: dt.date, *, file: str, builtin: bool) -> dict:
    """One row of `rules list`."""
    member, non_member = price_list(rule, True, day), price_list(rule, False, day)
    regular = rule.renewal.regular
    expiry = rule.cycle.expiry.at(day)
    total = rule.ce.total.at(day) if rule.ce else None
    confidences = figure_confidences(rule, day)
    return {
        "cert": rule.id,
        "name": rule.name,
        "body": rule.body,
        "cycle_months": member.cycle_months,
        "expiry": expiry.value if expiry else None,
        "ce_required": rule.ce is not None,
        "ce_total": num(total.value) if total else None,
        "ce_unit": rule.ce.unit if rule.ce else None,
        "regular_path": regular,
        "regular_fee": {"member": num(member.fees[regular].amount), "non_member": num(non_member.fees[regular].amount)},
        "confidence": weakest(*confidences),
        "confidence_counts": {level: confidences.count(level) for level in CONFIDENCE_LEVELS},
        "last_verified": rule.last_verified.isoformat(),
        "file": file,
        "builtin": builtin,
    }


def describe(
    rule: Rule, day: dt.date, *, file: str, overlay: Overlay | None = None, extends_file: str | None = None
) -> dict:
    """Everything `rules show` says about one rule, as on ``day``. For an overlay, ``overlay``
    says what it changed (each figure it gave is marked) and ``extends_file`` where the rest is."""
    fig = lambda f: figure_info(rule, f, day, overlay)  # noqa: E731
    fee = lambda f: _fee_info(rule, f, day, overlay)  # noqa: E731
    expires_on, _ = computed_expiry(rule, day)
    example = None
    if expires_on is not None:
        example = {"certified_on": day.isoformat(), "expires_on": expires_on.isoformat()}
    ce = None
    if rule.ce is not None:
        ce = {
            "unit": rule.ce.unit,
            "total": fig(rule.ce.total),
            "approved_by": list(rule.ce.approved_by),
            "approved_minimum": fig(rule.ce.approved_minimum),
            "unapproved_cap": fig(rule.ce.unapproved_cap),
            "categories": {k: {"label": c.label, "minimum": fig(c.minimum)} for k, c in rule.ce.categories.items()},
            "college_credit_points": fig(rule.ce.college_credit_points),
        }
    late = None
    if rule.late_window is not None:
        window = rule.late_window
        late = {
            "unit": window.unit,
            "length": fig(window.figure),
            "closes_on": [
                {"expired_before": c.expired_before.isoformat() if c.expired_before else None, "date": fig(c.date)}
                for c in window.closes_on
            ],
        }
    roles = {rule.renewal.regular: "regular", rule.renewal.after_lapse: "after_lapse"}
    return {
        "cert": rule.id,
        "name": rule.name,
        "body": rule.body,
        "body_name": rule.body_name,
        "file": file,
        "extends": {"cert": overlay.extends, "file": extends_file} if overlay is not None else None,
        "as_of": day.isoformat(),
        "last_verified": rule.last_verified.isoformat(),
        "renewal_page": rule.renewal_page,
        "cycle": {
            "months": fig(rule.cycle.months),
            "expiry": fig(rule.cycle.expiry),
            "example": example,
            "expiry_from_card": rule.cycle.expiry_from_card,
            "renewed_from": fig(rule.cycle.renewed_from),
        },
        "ce": ce,
        "late_window": late,
        "renewal": {"regular": rule.renewal.regular, "after_lapse": rule.renewal.after_lapse},
        "paths": {
            pid: {
                "label": p.label,
                "role": roles.get(pid),
                "available": p.available,
                "fee": fee(p.fee),
                "after_lapse_fees": [{"label": x.label, "fee": fee(x.amount)} for x in p.after_lapse_fees],
                "options": [{"label": x.label, "fee": fee(x.amount)} for x in p.options],
                "time_limit": None
                if p.time_limit is None
                else {"unit": p.time_limit.unit, "length": fig(p.time_limit.figure)},
                "after_time_limit": p.after_time_limit,
            }
            for pid, p in rule.paths.items()
        },
        "recurring_fees": [
            {
                "id": r.id,
                "label": r.label,
                "every_months": fig(r.every_months),
                "fee": fee(r.amount),
                "unpaid_at_cycle_end": fig(r.unpaid_at_cycle_end),
            }
            for r in rule.recurring_fees
        ],
        "sources": {
            k: {"title": s.title, "url": s.url, "kind": s.kind, "note": s.note} for k, s in rule.sources.items()
        },
        "notes": [n.text for n in rule.note_items()],
        "notes_cited": [
            {
                "text": n.text,
                "sources": [
                    {
                        "key": k,
                        "title": rule.sources[k].title if k in rule.sources else None,
                        "url": rule.sources[k].url if k in rule.sources else None,
                        "kind": rule.sources[k].kind if k in rule.sources else None,
                    }
                    for k in n.sources
                ],
            }
            for n in rule.note_items()
        ],
    }


# --- text -------------------------------------------------------------------------------------


def _value_text(info: dict, unit: str = "", money: bool = False) -> str:
    return _text(info["value"], unit, money)


def _text(value: Any, unit: str = "", money: bool = False) -> str:
    if value is None:
        return "unknown"
    if money:
        return dollars(value)
    text = format(value, "g") if isinstance(value, (int, float)) else str(value)
    return f"{text} {unit}".rstrip()


def _where(info: dict) -> str:
    """A source as a reader can find it: key, title, and the address or "no address"."""
    where = info["source"] or "no source"
    if info["source_title"]:
        where += f": {info['source_title']}"
    if info["source_url"]:
        where += f" <{info['source_url']}>"
    elif info.get("source_kind") in ("article", "document"):
        where += f" ({info['source_kind']}, no address)"
    return where


def _provenance(info: dict, indent: str, unit: str = "", money: bool = False, verified: str | None = None) -> list[str]:
    """The lines under a figure: confidence and source, note, the other values sources publish,
    its own last-verified day (when not the file's), and dated history."""
    since = f"since {info['since']}; " if info["since"] else ""
    lines = [f"{indent}{since}{info['confidence']}; {_where(info)}"]
    if info["note"]:
        lines.append(f"{indent}note: {info['note']}")
    for c in info.get("conflicts") or []:
        note = f" ({c['note']})" if c["note"] else ""
        lines.append(f"{indent}also published: {_text(c['value'], unit, money)}{note}, by {_where(c)}")
    if verified is not None and info.get("last_verified") not in (None, verified):
        lines.append(f"{indent}last verified {info['last_verified']}")
    history = info.get("history") or []
    if len(history) > 1:
        lines.append(
            f"{indent}dated values: "
            + "; ".join(
                f"{'from ' + h['since'] if h['since'] else 'earlier'}: "
                f"{_text(h['value'], unit, money)} ({h['confidence']}, "
                f"{h['source'] or 'no source'}){' ' + OVERLAY_MARK if h.get('overlay') else ''}"
                for h in history
            )
        )
    return lines


def _figure_lines(
    label: str, info: dict | None, indent: str, unit: str = "", money: bool = False, verified: str | None = None
) -> list[str]:
    if info is None:
        return []
    mark = f"  {OVERLAY_MARK}" if info.get("overlay") else ""
    return [f"{indent}{label}: {_value_text(info, unit, money)}{mark}"] + _provenance(
        info, indent + "    ", unit, money, verified
    )


def _fee_lines(label: str, fee: dict, indent: str, verified: str | None = None) -> list[str]:
    if "all" in fee:
        return _figure_lines(f"{label} (everyone)", fee["all"], indent, money=True, verified=verified)
    return _figure_lines(f"{label}, member", fee["member"], indent, money=True, verified=verified) + _figure_lines(
        f"{label}, non-member", fee["non_member"], indent, money=True, verified=verified
    )


def describe_lines(info: dict) -> list[str]:
    """`rules show` as text, from ``describe``: a header, then one section per part of the rule."""
    verified = info["last_verified"]

    def figure(label: str, fig: dict | None, indent: str, unit: str = "") -> list[str]:
        return _figure_lines(label, fig, indent, unit, verified=verified)

    def fee(label: str, fee: dict, indent: str) -> list[str]:
        return _fee_lines(label, fee, indent, verified=verified)

    return (
        _header_lines(info)
        + _cycle_lines(info["cycle"], verified)
        + _ce_lines(info["ce"], figure)
        + _late_window_lines(info["late_window"], figure, verified)
        + _path_lines(info["paths"], figure, fee)
        + _recurring_lines(info["recurring_fees"], figure, fee)
        + _notes_lines(info["notes_cited"])
    )


def _header_lines(info: dict) -> list[str]:
    out = [
        f"{info['cert']}: {info['name']}",
        f"Body: {info['body']} ({info['body_name']})",
        f"Rule file: {info['file']} (last verified {info['last_verified']})",
    ]
    if info.get("extends"):
        out.append(
            f"Overlay: extends {info['extends']['cert']} of {info['extends']['file']}; "
            f"figures marked {OVERLAY_MARK} come from {info['file']}"
        )
    if info["renewal_page"]:
        out.append(f"Renewal page: {info['renewal_page']}")
    out.append(f"Values in force on {info['as_of']}.")
    return out


def _recurring_lines(recurring_fees: list[dict], figure: Any, fee: Any) -> list[str]:
    if not recurring_fees:
        return []
    out = ["", "Recurring fees (counted from the certification date)"]
    for recurring in recurring_fees:
        out.append(f"  {recurring['id']}: {recurring['label']}")
        out += figure("Every", recurring["every_months"], "    ", "months")
        out += fee("Amount", recurring["fee"], "    ")
        out += figure("Unpaid at the end of the cycle, the path", recurring.get("unpaid_at_cycle_end"), "    ")
    return out


def _notes_lines(notes: list[dict]) -> list[str]:
    if not notes:
        return []
    out = ["", "Notes"]
    for note in notes:
        out.append(f"  - {note['text']}")
        out += [
            f"      {_where({'source': s['key'], 'source_title': s['title'], 'source_url': s['url'], 'source_kind': s['kind']})}"
            for s in note["sources"]
        ]
    return out


def _cycle_lines(cycle: dict, verified: str) -> list[str]:
    out = ["", "Cycle"]
    out += _figure_lines("Length", cycle["months"], "  ", "months", verified=verified)
    mode = cycle["expiry"]["value"]
    months = cycle["months"]["value"]
    words = _EXPIRY_WORDS.get(mode, "unknown").format(months=months if months is not None else "?")
    out += [f"  Expires: {words} ({mode or 'unknown'})"] + _provenance(cycle["expiry"], "      ", verified=verified)
    if cycle["expiry_from_card"]:
        out.append(
            "      The expiry cannot be worked out: each credential must give the date printed on it (expires_on)."
        )
    if cycle["example"]:
        out.append(
            f"      e.g. certified {cycle['example']['certified_on']} -> expires {cycle['example']['expires_on']}"
        )
    renewed = cycle["renewed_from"]
    if renewed is not None:
        words = _RENEWED_FROM_WORDS.get(renewed["value"], "unknown")
        out += [f"  After renewal the next cycle {words}"] + _provenance(renewed, "      ", verified=verified)
    out.append("  Counting window: credits dated from the (re)certification date through the expiry date count.")
    return out


def _ce_lines(ce: dict | None, figure: Any) -> list[str]:
    out = ["", "Continuing education"]
    if ce is None:
        out.append("  None: renewal needs no CE.")
        return out
    unit = ce["unit"]
    approved = "/".join(ce["approved_by"]) or "an approving body"
    out += figure("Total required", ce["total"], "  ", unit)
    out += figure(f"At least, approved by {approved}", ce["approved_minimum"], "  ", unit)
    out += figure(f"Cap: at most, not approved by {approved}", ce["unapproved_cap"], "  ", unit)
    for key, cat in ce["categories"].items():
        out += figure(f"Content area {cat['label']} ({key}): at least", cat["minimum"], "  ", unit)
    out += figure(
        "College credit: one semester or quarter credit counts as",
        ce["college_credit_points"],
        "  ",
        f"{unit} (not approved)",
    )
    return out


def _late_window_lines(late: dict | None, figure: Any, verified: str) -> list[str]:
    out = ["", "Late window"]
    if late is None:
        out.append("  None published: after the expiry date the credential has lapsed.")
        return out
    out += figure("Regular renewal still accepted after expiry for", late["length"], "  ", late["unit"])
    for close in late["closes_on"]:
        which = f"for expiries before {close['expired_before']}" if close["expired_before"] else "for every expiry"
        out += figure(f"Closes no later than ({which}; the earlier day wins)", close["date"], "  ")
    return out


def _path_lines(paths: dict, figure: Any, fee: Any) -> list[str]:
    out = ["", "Paths"]
    for pid, path in paths.items():
        role = {"regular": "regular path", "after_lapse": "path once lapsed"}.get(path["role"] or "", "other path")
        open_ = {
            "current": "open while current or in the late window",
            "lapsed": "open once lapsed",
            "always": "open at any time",
        }[path["available"]]
        out.append(f"  {pid}: {path['label']} ({role}; {open_})")
        out += fee("Fee", path["fee"], "    ")
        for extra in path["after_lapse_fees"]:
            out += fee(f"Added after a lapse: {extra['label']}", extra["fee"], "    ")
        for option in path["options"]:
            out += fee(f"Optional: {option['label']}", option["fee"], "    ")
        limit = path["time_limit"]
        if limit is not None:
            out += figure("Open after expiry for", limit["length"], "    ", limit["unit"])
            out.append(f"        then: {path['after_time_limit']}")
    return out


# --- JSON Schema ------------------------------------------------------------------------------


def json_schema(kind: str) -> dict:
    """The JSON Schema of a credential file (``credential``) or a rule file (``rules``), from the
    Pydantic models, for editors with a YAML language server."""
    if kind == "credential":
        from marenew.core.credential import CredentialFile

        model: Any = CredentialFile
        title = "marenew credential file"
    else:
        from marenew.load.ruleschema import Rule as RuleSchema

        model, title = RuleSchema, "marenew rule file"
    generated = model.model_json_schema()
    generated.pop("title", None)
    return {"$schema": JSON_SCHEMA_DIALECT, "title": title, **generated}
