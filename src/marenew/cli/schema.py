"""`marenew schema`: the JSON Schema of a credential file or a rule file, for editors."""

from __future__ import annotations

import enum
from typing import Annotated

import typer

from marenew.cli.common import command_app, guarded, write_json

app = command_app()


class SchemaKind(str, enum.Enum):
    credential = "credential"
    rules = "rules"


@app.command()
def schema(
    kind: Annotated[
        SchemaKind, typer.Argument(metavar="credential|rules", help="Which file's schema.", show_default=False)
    ],
) -> None:
    """Print the JSON Schema of a credential file or of a rule file, for editors with a YAML
    language server: put `# yaml-language-server: $schema=marenew-credential.schema.json` at the top
    of the file.

    Example: marenew schema credential > marenew-credential.schema.json
    """
    with guarded():
        from marenew.ruletools.describe import json_schema

        write_json(json_schema(kind.value))
