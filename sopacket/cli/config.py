"""``sopacket config``: the clinic's settings."""

from __future__ import annotations

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
        from .results import json_document

        json_document(settings.to_json())
        return
    from . import display

    display.config_table(settings)


COMMANDS: dict[str, Callable[..., Any]] = {"show": show}
