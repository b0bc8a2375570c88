"""Results as JSON documents on stdout (``--json``), without importing rich: a script
asking for JSON does not pay for the terminal display."""

from __future__ import annotations

import json
from typing import Any

import typer


def json_document(data: Any, *, indent: bool = True) -> None:
    """The one JSON document on stdout."""
    if indent:
        typer.echo(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        typer.echo(json.dumps(data))


def check_json(report: Any, size: dict[str, Any] | None) -> None:
    """`check --json`: the report, with the size forecast."""
    data = report.to_json()
    if size is not None:
        data["size"] = size
    json_document(data)
