"""``sopacket config``: the clinic's settings."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import typer

from .env import of
from .params import JsonOption

HELP = "The clinic's settings (config file)."


def show(ctx: typer.Context, json_output: JsonOption = False) -> None:
    """Show the settings in effect and where each came from.

    Example: `sopacket config show`
    """
    settings = of(ctx).settings()
    if json_output:
        typer.echo(json.dumps(settings.to_json(), ensure_ascii=False, indent=2))
        return
    from . import display

    display.config_table(settings)


COMMANDS: dict[str, Callable[..., Any]] = {"show": show}
