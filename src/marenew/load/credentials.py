"""A credential file in, a checked CredentialFile out, every problem located."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ValidationError

from marenew.core.credential import Credential, CredentialFile, Credit
from marenew.core.record import Mutable
from marenew.load import credfast
from marenew.load.credcheck import semantic_problems
from marenew.load.files import credential_listing
from marenew.load.locate import in_order, validate
from marenew.load.placeholders import placeholder_warning
from marenew.load.problems import InputError, Problem
from marenew.load.rules import RuleSet
from marenew.load.yamlfile import Document, load_file


@dataclass(repr=False, eq=False)
class LoadedCredentials(Mutable):
    """A credential file as loaded: the holder's models, the document they came from, warnings."""

    holder: CredentialFile
    document: Document
    warnings: list[Problem]


def load_credentials(path: Path, ruleset: RuleSet, *, today: dt.date, source: str | None = None) -> LoadedCredentials:
    """Read and check a credential file. Raises InputError with every error found."""
    doc = load_file(path, allow_aliases=False, source=source, partial=True)
    return check_credentials(doc, ruleset, today=today)


def check_credentials(doc: Document, ruleset: RuleSet, *, today: dt.date) -> LoadedCredentials:
    # A file whose values are all plainly right is made without building the models' validator
    # (load.credfast); any other is validated by the models, which give the messages.
    holder = None if doc.problems else credfast.credential_file(doc.data)
    problems: list[Problem] = []
    if holder is None:
        holder, problems = validate(CredentialFile, doc)
    # An invalid file still gets the semantic checks on its entries that are valid on their own,
    # so that one run reports every error (an unknown cert beside a misspelt key).
    problems = in_order(problems + semantic_problems(holder or _partial_holder(doc.data), doc, ruleset, today=today))
    errors = [p for p in problems if p.level == "error"]
    if errors or holder is None:
        raise InputError(errors)
    warnings = [p for p in problems if p.level == "warning"] + placeholder_warning(doc.source, doc.fill_in_lines)
    return LoadedCredentials(holder, doc, warnings)


def _partial_holder(data: object) -> CredentialFile:
    """The entries of an invalid credential file that are valid on their own, None in place of the
    others (so that indexes still match the file): only for ``semantic_problems``."""
    data = data if isinstance(data, dict) else {}

    def each(model: type[BaseModel], items: object) -> list:
        out: list[BaseModel | None] = []
        for item in items if isinstance(items, list) else []:
            try:
                out.append(model.model_validate(item))
            except ValidationError:
                out.append(None)
        return out

    memberships = data.get("memberships")
    memberships = [memberships] if isinstance(memberships, str) else memberships
    if not (isinstance(memberships, list) and all(isinstance(m, str) for m in memberships)):
        memberships = []
    name = data.get("holder")
    # a holder that is not text is the schema's error; only an empty name is the checks' own
    return CredentialFile.model_construct(
        holder=name if isinstance(name, str) else "?",
        memberships=memberships,
        credentials=each(Credential, data.get("credentials")),
        credits=each(Credit, data.get("credits")),
    )


def iter_credential_paths(paths: Iterable[Path]) -> list[Path]:
    """Files as given, and the *.yaml/*.yml files under each folder (recursively, links to
    folders followed once), each file once. A folder that cannot be read is listed too, so that
    loading it gives its error row. A folder without any file is an error: judging nobody must
    not look like "everyone is fine"."""
    listing = credential_listing(list(paths))
    return listing.files + listing.unreadable
