"""``sopacket init``: start a new packet from a starter."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def init(
    ctx: typer.Context,
    folder: Annotated[
        Path, typer.Argument(help="Folder for the new packet (created if needed).")
    ] = Path("."),
    template: Annotated[
        str,
        typer.Option(
            "--template",
            "-t",
            metavar="NAME",
            help="Starter for a specialty: general, oncology, cardiology, orthopedics, neurology.",
        ),
    ] = "general",
    force: Annotated[
        bool, typer.Option("--force", help="Replace an existing packet.yaml (its content is lost).")
    ] = False,
) -> None:
    """Start a new packet: a commented packet.yaml and an empty records/ folder.

    Example: `sopacket init my-second-opinion --template oncology`
    """
    from ..packetfile import starter
    from . import display

    result = starter.init(folder, template, force=force)
    display.started(result)
    typer.echo(display.visible(str(result.packet)))
