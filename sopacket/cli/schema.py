"""``sopacket schema``: the JSON Schema of the packet format."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer


def schema(
    ctx: typer.Context,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", metavar="FILE", help="Write to this file instead of stdout."
        ),
    ] = None,
) -> None:
    """Print the JSON Schema of the packet format, for editors to validate and complete.

    Example: `sopacket schema -o packet.schema.json`
    """
    from .. import output as out_mod
    from ..packetfile.model import json_schema

    text = json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"
    if output is None:
        typer.echo(text, nl=False)
    else:
        out_mod.write_text(output, text, 0o644)
        from . import display

        display.err.print(f"Wrote the schema to {output}")
