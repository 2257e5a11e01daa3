"""What a maintainer of their own rules starts from: the built-in files to export, and the
skeleton of a new rule with its cases file.

Pure apart from reading the built-in files it exports: it says which files to write with what
text; the command writes them (never over a file without --force).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from marenew.load.problems import InputError, Problem
from marenew.load.rules import FILL_IN, RuleSet, builtin_rules_dir
from marenew.ruletools.cases import CASES_FOLDER

README = "README.md"
ID_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")


@dataclass(frozen=True)
class Output:
    """One file to write: where (relative to the target folder) and what."""

    relative: Path
    text: str
    only_if_absent: bool = False  # the format reference: kept when already there


def _export_header(cert: str, version: str) -> str:
    return (
        f"# Exported by `marenew rules export` from the built-in rules of marenew {version}.\n"
        f"# To change only a few figures, an overlay keeps every later correction of the rest:\n"
        f"# a file with `extends: {cert}` and just those figures (README.md in this folder).\n"
    )


def export_outputs(builtin: RuleSet, ids: list[str], version: str) -> list[Output]:
    """The built-in rule files named by ``ids`` (all when empty), each with its cases file
    (``cases/<same name>``), and the format reference README.md."""
    wanted = [i.upper() for i in ids] or sorted(builtin.rules)
    unknown = [i for i in ids if i.upper() not in builtin.rules]
    if unknown:
        known = ", ".join(sorted(builtin.ids()))
        raise InputError([Problem(i, None, None, f"no built-in rule has this id; built-in: {known}") for i in unknown])
    out: list[Output] = []
    for key in dict.fromkeys(wanted):
        source = builtin.origin[key]
        text = source.read_text(encoding="utf-8")
        out.append(Output(Path(source.name), _export_header(builtin.rules[key].id, version) + text))
        cases = source.parent / CASES_FOLDER / source.name
        if cases.is_file():
            out.append(Output(Path(CASES_FOLDER) / source.name, cases.read_text(encoding="utf-8")))
    readme = builtin_rules_dir() / README
    if readme.is_file():
        out.append(Output(Path(README), readme.read_text(encoding="utf-8"), only_if_absent=True))
    return out


def file_name(cert: str) -> str:
    return f"{cert.lower()}.yaml"


def new_outputs(
    cert: str, *, body: str, name: str | None, body_name: str | None, folder: str, today: dt.date
) -> list[Output]:
    """A commented skeleton rule file and a cases file with one case, each value to fill in
    marked FILL-IN; both pass `rules check` and `rules test` once filled."""
    if not ID_PATTERN.match(cert):
        raise InputError(
            [
                Problem(
                    cert, None, None, "an id starts with a letter and holds only letters, digits, - and _ (e.g. CMA-WA)"
                )
            ]
        )
    rule_file = file_name(cert)
    values = {
        "id": cert,
        "body": body,
        "name": name or FILL_IN,
        "body_name": body_name or FILL_IN,
        "today": today.isoformat(),
        "folder": folder,
        "file": rule_file,
        "F": FILL_IN,
    }
    return [
        Output(Path(rule_file), _RULE.format(**values)),
        Output(Path(CASES_FOLDER) / rule_file, _CASES.format(**values)),
    ]


_RULE = """\
# {id} ({body}): a certification's renewal rules, written by `marenew rules new` on {today}.
# Replace every {F} with the body's figure, then run:  marenew rules check {folder}
# Each figure is {{value, source, confidence}}: `source` is a key of `sources` below;
# `confidence` is official (the body's own page), secondary, unconfirmed or unknown. A figure
# the body does not publish is {{value: null, confidence: unknown}}: shown as unknown, never
# guessed. The whole format: README.md in this folder (`marenew rules export` writes it).
id: {id}
name: {name}
body: {body}
body_name: {body_name}
# The day you last checked every figure against the body's pages.
last_verified: {today}
renewal_page: {F}

sources:
  # one entry per page or document a figure comes from: a title and, if it has one, its address
  S1: {{title: {F}, url: {F}}}

cycle:
  # months from (re)certification to expiry
  months: {{value: {F}, source: S1, confidence: official}}
  # end_of_month: the last day of the month, `months` on; anniversary: the same day, `months` on
  expiry: {{value: {F}, source: S1, confidence: official}}

# Continuing education (CE) a renewal needs, earned between certification and expiry. Delete
# this block when renewal needs none (a course card). Optional: approved_minimum, unapproved_cap,
# categories, college_credit_points (README.md).
ce:
  # what the body calls a point: points, CEUs, CE credits, clock hours
  unit: {F}
  total: {{value: {F}, source: S1, confidence: official}}
  # bodies whose approval makes an activity "approved"
  approved_by: [{body}]

# How long after expiry the regular renewal is still accepted. Delete this block when the body
# publishes none (the credential then lapses the day after expiry); `days:` instead of `months:`
# when the body counts days.
late_window:
  months: {{value: {F}, source: S1, confidence: official}}

# The ways to renew. `available`: current (while active, expiring or in the late window, the
# default), lapsed (only after), or always.
paths:
  ce:
    label: Renewal by continuing education
    fee:
      # `all:` instead, when members and non-members pay the same
      member: {{value: {F}, source: S1, confidence: official}}
      non_member: {{value: {F}, source: S1, confidence: official}}
  exam:
    label: Renewal by exam
    available: lapsed
    fee:
      all: {{value: null, confidence: unknown}}

renewal:
  # the path taken while active, expiring or in the late window, and the one once lapsed
  regular: ce
  after_lapse: exam
"""

_CASES = """\
# Worked cases for {file} ({id}). Run:  marenew rules test {folder}
# A case is a credential file (`input`), a day (`as_of`) and what marenew must say (`expect`): any
# subset of `marenew status --json`, per certification. Work the expected values out from the
# body's rules by hand, and say how in a comment. `marenew rules test --record FILE NAME` writes
# what marenew computes into `expect`: a starting point to check line by line, never the answer.
# Add a case for each status (active, expiring, grace, lapsed) and each renewal path.
cases:
  - name: {F} what this case shows, in one line
    # the day the case is judged on
    as_of: {F}
    input:
      holder: Case
      credentials:
        - {{cert: {id}, certified_on: {F}}}
      credits: []
    expect:
      {id}:
        # active, expiring, grace or lapsed
        status: {F}
        expires_on: {F}
"""
