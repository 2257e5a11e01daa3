"""`marenew rules check|test|list|show`: rule files as checked, tested data.

Each command keeps its heavy imports inside its body so that start-up stays quick.
"""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from marenew.cli.common import AsOfOpt, JsonOpt, RulesOpt, command_app, echo_lines
from marenew.core.defaults import STALE_AFTER_DAYS

app = command_app(name="rules", help="Check, test and inspect rule files.", no_args_is_help=True)


class ReportFormat(str, enum.Enum):
    """`--format` of `rules check` and `rules test`."""

    text = "text"
    json = "json"
    github = "github"


def _chosen(fmt: Optional[ReportFormat]) -> ReportFormat:
    """The format asked for; else github inside GitHub Actions, text elsewhere."""
    import os

    return fmt or (ReportFormat.github if os.environ.get("GITHUB_ACTIONS") == "true" else ReportFormat.text)


def _display_path(path: Path) -> str:
    """A path as the user would type it: relative to the working folder when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


# --- rules check / list / show ------------------------------------------------------------------


def _github_escape(text: str, *, prop: bool = False) -> str:
    # GitHub workflow commands: data escapes % CR LF; property values also : and ,
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return text.replace(":", "%3A").replace(",", "%2C") if prop else text


def github_line(problem) -> str:
    """`::error file=F,line=L,col=C::key: message` (`::warning` for warnings)."""
    props = [f"file={_github_escape(problem.file, prop=True)}"]
    if problem.line is not None:
        props += [f"line={problem.line}", f"col={problem.col or 1}"]
    message = f"{problem.key}: {problem.message}" if problem.key else problem.message
    return f"::{problem.level} {','.join(props)}::{_github_escape(message)}"


FormatOpt = Annotated[
    Optional[ReportFormat],
    typer.Option("--format", help="text, json, or github (default github when GITHUB_ACTIONS=true, else text)."),
]


@app.command("check", short_help="Every problem in rule files, each at its line.")
def check(
    paths: Annotated[
        Optional[list[Path]],
        typer.Argument(
            metavar="PATH",
            show_default=False,
            help="Rule files, or folders of them. Default: the built-in rules and every --rules/MARENEW_RULES folder.",
        ),
    ] = None,
    fmt: FormatOpt = None,
    strict: Annotated[bool, typer.Option("--strict", help="Treat warnings as errors.")] = False,
    max_age: Annotated[
        int,
        typer.Option(
            "--max-age", min=0, metavar="DAYS", help="Warn when last_verified is more than DAYS before --as-of."
        ),
    ] = STALE_AFTER_DAYS,
    as_of: AsOfOpt = None,
    rules: RulesOpt = None,
) -> None:
    """Check rule files: every problem in every file, each as `path:line:col: error|warning: key: message`,
    then a summary line (`3 errors, 1 warning in 2 files`).

    With PATHs, the PATHs (and any --rules folders) are checked and an id must be unique among them;
    without, the built-in rules and the --rules/MARENEW_RULES folders, where a later folder may
    replace a rule by id. Exit 0 clean (warnings allowed unless --strict); 1 problems found;
    2 usage error (a PATH that does not exist).

    Example: marenew rules check rules/ --strict --format github
    """
    from marenew.cli.common import as_of_date, guarded, rules_dirs, write_json
    from marenew.cli.exitcodes import ExitCode

    with guarded():
        from marenew.load.rules import builtin_rules_dir, check_paths, expand

        day = as_of_date(as_of)
        if paths:
            groups = [expand(list(paths) + list(rules or []))]
        else:
            groups = [expand([folder]) for folder in [builtin_rules_dir(), *rules_dirs(rules)]]
        result = check_paths(groups, as_of=day, max_age_days=max_age)
        if strict:
            result = result.strict()
        chosen = _chosen(fmt)
        if chosen is ReportFormat.json:
            write_json(result.as_json())
        else:
            show = github_line if chosen is ReportFormat.github else str
            echo_lines([show(p) for p in result.problems] + [result.summary()])
        raise typer.Exit(ExitCode.OK if result.ok else ExitCode.ATTENTION)


def _rules_file_label(path: Path) -> str:
    """`the built-in rules (cma.yaml)` for a built-in file, else the path as typed."""
    from marenew.load.rules import builtin_rules_dir

    if path.resolve().parent == builtin_rules_dir().resolve():
        return f"the built-in rules ({path.name})"
    return _display_path(path)


def _known_ids(ruleset) -> str:
    return ", ".join(sorted(ruleset.ids()))


@app.command("list", short_help="Every certification known, with its cycle, CE and fees.")
def list_rules(
    as_of: AsOfOpt = None,
    json: JsonOpt = False,
    rules: RulesOpt = None,
) -> None:
    """Every certification known (built-in and --rules): body, cycle, CE required, regular fee
    (member / non-member) and the weakest confidence of its figures, as on --as-of.

    Example: marenew rules list --as-of 2026-11-29 --json
    """
    from marenew.cli.common import (
        as_of_date,
        console,
        guarded,
        load_ruleset,
        write_json,
    )

    with guarded():
        from marenew.load.rules import builtin_rules_dir
        from marenew.ruletools.describe import summary

        day = as_of_date(as_of)
        ruleset = load_ruleset(rules)
        builtin = builtin_rules_dir().resolve()
        rows = [
            summary(
                rule,
                day,
                file=_display_path(ruleset.origin[key]),
                builtin=ruleset.origin[key].resolve().parent == builtin,
            )
            for key, rule in sorted(ruleset.rules.items())
        ]
        if json:
            write_json({"as_of": day.isoformat(), "certs": rows})
            return
        from rich import box
        from rich.table import Table

        from marenew.core.words import money

        local = any(not row["builtin"] for row in rows)
        table = Table(title=f"Certifications known (as of {day})", title_justify="left", box=box.SIMPLE_HEAD)
        for col in ("cert", "body", "cycle", "CE", "regular fee", "confidence") + (("file",) if local else ()):
            table.add_column(col)
        for row in rows:
            cycle = "unknown" if row["cycle_months"] is None else f"{row['cycle_months']} mo"
            counts = row["confidence_counts"]
            confidence = f"{row['confidence']} {counts[row['confidence']]}/{sum(counts.values())}"
            ce = (
                "none"
                if not row["ce_required"]
                else (f"{'unknown' if row['ce_total'] is None else format(row['ce_total'], 'g')} {row['ce_unit']}")
            )
            fee = row["regular_fee"]
            cells = [
                row["cert"],
                row["body"],
                cycle,
                ce,
                f"{money(fee['member'])} / {money(fee['non_member'])}",
                confidence,
            ]
            table.add_row(*cells, *((("built-in" if row["builtin"] else row["file"]),) if local else ()))
        out = console()
        out.print(table)
        out.print(
            "regular fee: member / non-member. confidence: the weakest of the rule's figures, and how "
            "many of them are that weak. More: marenew rules show ID"
        )


@app.command("show", short_help="One rule in words, every figure with its source.")
def show(
    cert: Annotated[str, typer.Argument(metavar="ID", help="A certification id, e.g. CMA.", show_default=False)],
    as_of: AsOfOpt = None,
    json: JsonOpt = False,
    rules: RulesOpt = None,
) -> None:
    """One rule in words to check against the body's page: cycle and expiry, counting window, each
    requirement, cap, conversion, late window and fee, the value in force on --as-of, and the
    source and confidence of each.

    Example: marenew rules show CMA --as-of 2026-11-29
    """
    from marenew.cli.common import as_of_date, guarded, load_ruleset, write_json

    with guarded():
        from marenew.ruletools.describe import describe, describe_lines

        day = as_of_date(as_of)
        ruleset = load_ruleset(rules)
        rule = ruleset.get(cert)
        if rule is None:
            raise typer.BadParameter(f"unknown certification `{cert}`; known: {_known_ids(ruleset)}", param_hint="ID")
        overlay = ruleset.overlays.get(rule.key)
        info = describe(
            rule,
            day,
            file=_display_path(ruleset.origin[rule.key]),
            overlay=overlay,
            extends_file=_rules_file_label(Path(overlay.base_file)) if overlay else None,
        )
        if json:
            write_json(info)
            return
        # plain lines, never wrapped: each figure's source URL stays on one line
        echo_lines(describe_lines(info))


# --- rules test: worked cases (src/marenew/cases.py) ------------------------------------------


@app.command("test", short_help="Run the worked cases against the rules.")
def test_cases(
    paths: Annotated[
        Optional[list[Path]],
        typer.Argument(
            metavar="PATH",
            show_default=False,
            help="Case files, or folders of them (a rules folder: its cases/ folder). "
            "Default: the cases of the built-in rules and of every --rules folder.",
        ),
    ] = None,
    fmt: FormatOpt = None,
    require_cases: Annotated[
        bool, typer.Option("--require-cases", help="Fail when a rule under test has no worked case (else a warning).")
    ] = False,
    record: Annotated[
        Optional[str],
        typer.Option(
            "--record",
            metavar="CASE",
            help="Run the case named CASE (or its number, from 1) of the one case FILE given and write what "
            "marenew computes into its `expect`: a starting point to check, never the answer.",
        ),
    ] = None,
    rules: RulesOpt = None,
) -> None:
    """Run worked cases: each evaluates an inline credential file on a day and compares the result
    with what the case expects. Prints each failure as
    `file:line:col: error: case 'name': field expected X, got Y`, then what the cases exercise per
    rule (states, renewal paths, dated values), then `N passed, M failed`.

    The rules under test are the built-in ones, then --rules/MARENEW_RULES folders, then the rules
    folders that PATHs point into. A rule of a folder under test that no case exercises is a
    warning (an error with --require-cases). Exit 0 all passed; 1 a case failed (or a rule has no
    case, with --require-cases); 2 a broken case file or usage error.

    Example: marenew rules test rules/ --require-cases
    """
    from marenew.cli.common import guarded, rules_dirs, write_json
    from marenew.cli.exitcodes import ExitCode
    from marenew.load.problems import InputError, Problem

    with guarded():
        from marenew.load.rules import builtin_rules_dir, load_rules
        from marenew.ruletools.cases import case_files, rules_folders_for, run_files

        extra = rules_dirs(rules)
        given = list(paths or [])
        targets = given or [builtin_rules_dir(), *extra]
        if not given:
            targets = [t for t in targets if (t / "cases").is_dir()]  # a --rules folder may have no cases
        missing = [p for p in given if not p.exists()]
        if missing:
            raise InputError([Problem(str(p), None, None, "no such file or folder") for p in missing])
        folders = [f for f in rules_folders_for(given) if f.resolve() != builtin_rules_dir().resolve()]
        ruleset = load_rules(extra + [f for f in folders if f not in extra])
        if record is not None:
            _record(given, record, ruleset)
            return
        files = case_files(targets)
        if not files:
            where = ", ".join(str(t) for t in given) if given else "the built-in rules and --rules folders"
            raise InputError([Problem(where, None, None, "no case files found (YAML files in a cases/ folder)")])
        run = run_files(files, ruleset, source_of=_display_path)
        report = _coverage(ruleset, given, extra, run)
        from marenew.ruletools.coverage import without_cases

        uncovered = without_cases(report, required=require_cases)
        summary = run.summary()
        if uncovered:
            summary += f"; {len(uncovered)} rule{'s' if len(uncovered) != 1 else ''} without cases"

        chosen = _chosen(fmt)
        if chosen is ReportFormat.json:
            write_json(
                {
                    **run.as_json(),
                    "coverage": [c.as_json() for c in report],
                    "without_cases": [p.as_dict() for p in uncovered],
                    "summary": summary,
                }
            )
        else:
            out = []
            for result in run.results:
                if chosen is ReportFormat.github:
                    out += [
                        f"::error file={_github_escape(result.file, prop=True)},"
                        f"line={f.line or result.line or 1},col={(f.col if f.line else result.col) or 1}::"
                        + _github_escape(f"case '{result.name}': {f.message}")
                        for f in result.failures
                    ]
                else:
                    out += result.lines()
            out += [github_line(p) if chosen is ReportFormat.github else str(p) for p in uncovered]
            if report:
                out.append("Coverage: the statuses, renewal paths and dated values the cases exercise")
                out += [f"  {line}" for cov in report for line in cov.lines()]
            out.append(summary)
            echo_lines(out)
        failed = run.failed or (require_cases and uncovered)
        raise typer.Exit(ExitCode.ATTENTION if failed else ExitCode.OK)


def _coverage(ruleset, given: list[Path], extra: list[Path], run):
    """Coverage of the rules under test: with PATHs, the rules of each rules folder given whole
    (the folder, or its cases/ folder) and every rule a case uses; without, every rule."""
    from marenew.ruletools.cases import CASES_FOLDER
    from marenew.ruletools.coverage import coverage

    if given:
        whole = {(p if p.name != CASES_FOLDER else p.parent).resolve() for p in given if p.is_dir()}
        used = {ex.cert for _, ex in run.exercised()}
        keys = [k for k in ruleset.rules if ruleset.origin[k].resolve().parent in whole or k in used]
    else:
        keys = list(ruleset.rules)
    under_test = {}
    for key in keys:
        doc = ruleset.documents.get(key)
        overlay = ruleset.overlays.get(key)
        line, col = overlay.anchor if overlay else doc.locate(("id",)) if doc else (None, None)
        under_test[key] = (ruleset.rules[key], _display_path(ruleset.origin[key]), line, col)
    return coverage(under_test, run.exercised())


def _record(given: list[Path], which: str, ruleset) -> None:
    """`rules test --record CASE FILE`: write what the engine says into the case's `expect`."""
    from marenew.load.problems import InputError, Problem
    from marenew.ruletools.record import record_case
    from marenew.store.atomic import atomic_output

    if len(given) != 1 or not given[0].is_file():
        raise typer.BadParameter("give exactly one case FILE with --record", param_hint="PATH")
    path = given[0]
    text, name, certs = record_case(path, which, ruleset, source=_display_path(path))
    if text is None:
        raise InputError([Problem(_display_path(path), None, None, "nothing to record")])
    with atomic_output(path, force=True) as out:
        out.write(text)
    echo_lines(
        [
            f"recorded what marenew computes for {', '.join(certs)} into the expect of case '{name}' in "
            f"{_display_path(path)}: check every value against the body's rules before you commit it"
        ]
    )


# --- rules export / rules new: files to start from ------------------------------------------------------------------


def _write_outputs(folder: Path, outputs, *, force: bool) -> list[str]:
    """Write each output under ``folder``; nothing is written when any file would be overwritten
    without --force. Returns what was done, one line per file."""
    from marenew.load.problems import InputError, Problem
    from marenew.store.atomic import atomic_output

    targets = [(folder / o.relative, o) for o in outputs]
    refused = [
        Problem(str(path), None, None, "already exists; pass --force to overwrite it")
        for path, o in targets
        if path.exists() and not force and not o.only_if_absent
    ]
    if refused:
        raise InputError(refused)
    done = []
    for path, output in targets:
        shown = _display_path(path)
        if output.only_if_absent and path.exists():
            done.append(f"kept {shown} (already there)")
            continue
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InputError(
                [Problem(str(path.parent), None, None, f"cannot create this folder: {exc.strerror or exc}")]
            ) from None
        with atomic_output(path, force=True) as out:
            out.write(output.text)
        done.append(f"wrote {shown}")
    return done


ForceOpt = Annotated[bool, typer.Option("--force", help="Overwrite files that already exist.")]


@app.command("export", short_help="Copy built-in rule files and their cases to start your own.")
def export(
    folder: Annotated[
        Path, typer.Argument(metavar="DIR", help="Folder to write into (created if needed).", show_default=False)
    ],
    ids: Annotated[
        Optional[list[str]],
        typer.Argument(metavar="ID", show_default=False, help="Certification ids (default: every built-in rule)."),
    ] = None,
    force: ForceOpt = False,
) -> None:
    """Write built-in rule files, with their worked cases (DIR/cases/) and the format reference
    (DIR/README.md), as a start for your own rules. Refuses to overwrite a file without --force.

    To change only a few figures, prefer an overlay (`extends: ID` and just those figures): a
    whole copy replaces the built-in rule and hides its later corrections.

    Example: marenew rules export my-rules CMA
    """
    from marenew.cli.common import guarded

    with guarded():
        from marenew import __version__
        from marenew.load.rules import load_rules
        from marenew.ruletools.kit import export_outputs

        outputs = export_outputs(load_rules(), list(ids or []), __version__)
        echo_lines(_write_outputs(folder, outputs, force=force))


@app.command("new", short_help="Write a skeleton rule file and a case file to fill in.")
def new(
    cert: Annotated[
        str, typer.Argument(metavar="ID", help="The new certification's id, e.g. CMA-WA.", show_default=False)
    ],
    body: Annotated[
        str, typer.Option("--body", metavar="BODY", help="The certifying body, e.g. AAMA.", show_default=False)
    ],
    name: Annotated[Optional[str], typer.Option("--name", help="The certification's full name.")] = None,
    body_name: Annotated[Optional[str], typer.Option("--body-name", help="The body's full name.")] = None,
    folder: Annotated[Path, typer.Option("--dir", metavar="DIR", help="Rules folder to write into.")] = Path("rules"),
    force: ForceOpt = False,
) -> None:
    """Write a commented skeleton rule file (DIR/<id>.yaml) and a cases file with one case to fill
    in (DIR/cases/<id>.yaml). Each value to fill in reads FILL-IN, which `rules check` and
    `rules test` report at its line until replaced.

    Example: marenew rules new CMA-WA --body AAMA --name "CMA, Washington" --dir my-rules
    """
    from marenew.cli.common import guarded

    with guarded():
        import datetime as dt

        from marenew.load.rules import load_rules
        from marenew.ruletools.kit import new_outputs

        if cert in load_rules(builtin=True):
            raise typer.BadParameter(
                f"`{cert}` is a built-in rule: to change some of its figures write an overlay "
                f"(a file with `extends: {cert.upper()}`); `marenew rules export DIR {cert.upper()}` copies it whole",
                param_hint="ID",
            )
        outputs = new_outputs(
            cert, body=body, name=name, body_name=body_name, folder=_display_path(folder), today=dt.date.today()
        )
        lines = _write_outputs(folder, outputs, force=force)
        lines.append(
            f"next: replace each FILL-IN, then run marenew rules check {_display_path(folder)} "
            f"and marenew rules test {_display_path(folder)}"
        )
        echo_lines(lines)


# --- rules diff: what a folder changes against the built-ins ------------------------------------------------------


@app.command("diff", short_help="What a rules folder changes against the built-in rules.")
def diff(
    folders: Annotated[
        Optional[list[Path]],
        typer.Argument(
            metavar="DIR", show_default=False, help="Rules folders (default: the --rules/MARENEW_RULES folders)."
        ),
    ] = None,
    json: JsonOpt = False,
    rules: RulesOpt = None,
) -> None:
    """What each folder changes against the built-in rules, rule by rule and figure by figure
    (value, source, confidence), and any other field that differs; a rule with a built-in's id
    that is not an overlay is flagged, since it hides the built-in's later corrections. Review it
    after upgrading marenew. Sorted: the same files always give the same output.

    Example: marenew rules diff my-rules --json
    """
    from marenew.cli.common import guarded, rules_dirs, write_json

    with guarded():
        from marenew.load.problems import InputError, Problem
        from marenew.load.rules import load_rules, rule_files
        from marenew.ruletools.diff import diff_rule

        targets = list(folders or []) or rules_dirs(rules)
        if not targets:
            raise typer.BadParameter("give a rules folder (DIR), or --rules DIR / MARENEW_RULES", param_hint="DIR")
        bad = [Problem(str(f), None, None, "no such folder") for f in targets if not f.is_dir()]
        if bad:
            raise InputError(bad)
        builtin = load_rules()
        out = []
        for folder in targets:
            ruleset = load_rules([folder])
            mine = {p.resolve() for p in rule_files(folder)}
            for key in sorted(k for k in ruleset.rules if ruleset.origin[k].resolve() in mine):
                out.append(
                    diff_rule(
                        ruleset.rules[key],
                        builtin.get(key),
                        file=_display_path(ruleset.origin[key]),
                        overlay=key in ruleset.overlays,
                    )
                )
        if json:
            write_json({"folders": [_display_path(f) for f in targets], "rules": [d.as_json() for d in out]})
            return
        lines = [line for d in out for line in d.lines()]
        echo_lines(lines or ["no rules in " + ", ".join(_display_path(f) for f in targets)])
