"""Results as JSON documents on stdout (``--json``), without importing rich: a script
asking for JSON does not pay for the terminal display."""

from __future__ import annotations

import json
from typing import Any

import typer

_C1_ESCAPED = {c: f"\\u{c:04x}" for c in range(0x7F, 0xA0)}
"""DEL and the C1 controls, which json.dumps leaves as they are with ensure_ascii=False
(it escapes the C0 ones): escaped too, so no JSON document on a terminal holds a control
character. (Outside ASCII, they can only be inside strings: the JSON means the same.)"""


def dumps(data: Any, *, indent: bool = True, ascii_only: bool = False) -> str:
    """``data`` as JSON text, every control character escaped."""
    text = json.dumps(data, ensure_ascii=ascii_only, indent=2 if indent else None)
    return text.translate(_C1_ESCAPED)


def json_document(data: Any, *, indent: bool = True) -> None:
    """The one JSON document on stdout (indented; else on one line, in ASCII)."""
    typer.echo(dumps(data, indent=indent, ascii_only=not indent))


def check_json(report: Any, size: dict[str, Any] | None) -> None:
    """`check --json`: the report, with the size forecast."""
    data = report.to_json()
    if size is not None:
        data["size"] = size
    json_document(data)
