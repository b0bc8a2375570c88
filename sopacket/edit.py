"""Add entries to a packet file without disturbing anything else in it.

A load-and-dump round trip would lose the user's comments, blank lines and quoting, so
``add`` edits the text instead: it finds where the list ends (from the parser's positions)
and inserts the new entry's lines there, in the style of the entries around it (block or
``{flow}``), then checks the result parses as a packet before writing it atomically.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from . import loader, output
from .errors import PacketFileError, Problem, UsageError
from .model import Allergy, Medication, Question, Record
from .packet import validate

SECTIONS: dict[str, type[BaseModel]] = {
    "records": Record,
    "medications": Medication,
    "questions": Question,
    "allergies": Allergy,
}


@dataclass(frozen=True)
class AddResult:
    """What ``add`` did."""

    path: Path
    section: str
    index: int
    """The new entry's position in its list (0-based)."""
    line: int
    """The line the new entry starts on (1-based)."""
    warnings: tuple[str, ...] = ()
    """Problems elsewhere in the packet (the entry was added all the same)."""


def clean_entry(section: str, entry: dict[str, Any]) -> dict[str, Any] | str:
    """Validate a new entry; return it as plain YAML-ready data (unset fields dropped).

    Raises UsageError naming the command-line option of a bad value.
    """
    model = SECTIONS[section]
    values = {k: v for k, v in entry.items() if v is not None and v != ""}
    try:
        parsed = model.model_validate(values)
    except ValidationError as exc:
        messages = []
        for err in exc.errors(include_url=False):
            name = str(err["loc"][0]) if err["loc"] else ""
            option = f"--{name.replace('_', '-')}" if name else "the entry"
            ctx = err.get("ctx") or {}
            text = str(ctx.get("error") or err["msg"])
            if err["type"] == "literal_error":
                text = f"must be one of {ctx.get('expected')}"
            messages.append(f"{option}: {text}")
        raise UsageError(
            "the new entry is not valid: " + "; ".join(messages) + ".",
            "Correct the option and run the command again.",
        ) from None
    # Keep the user's order of fields, with values as the format reads them (real dates).
    values = {k: getattr(parsed, k) for k in model.model_fields if k in values}
    if section == "questions" and values.get("priority", "normal") == "normal":
        return str(values["text"])
    return values


def add_entry(packet_path: Path, section: str, entry: dict[str, Any]) -> AddResult:
    """Append ``entry`` to the list ``section`` of the packet file, keeping everything else."""
    item = clean_entry(section, entry)
    text, name, base = loader.read_text(packet_path)
    source = loader.parse(text, name, base)  # raises PacketFileError with positions
    if not isinstance(source.data, dict):
        raise PacketFileError(
            [
                Problem(
                    name,
                    1,
                    1,
                    "",
                    "the file should be a set of `key: value` lines.",
                    "Start from a template with `sopacket init`.",
                )
            ]
        )
    newline = "\r\n" if "\r\n" in text else "\n"
    body = text.replace("\r\n", "\n")
    new_body, line = _insert(body, section, item, name)
    new_text = new_body.replace("\n", newline) if newline != "\n" else new_body

    # The result must still be a packet file we can read; problems elsewhere are warnings.
    new_source = loader.parse(new_text, name, base)
    items = new_source.data.get(section) or []
    warnings: tuple[str, ...] = ()
    try:
        validate(new_source)
    except PacketFileError as exc:
        warnings = tuple(str(p) for p in exc.problems)
    output.write_text(packet_path, new_text, output.current_mode(packet_path))
    return AddResult(packet_path, section, len(items) - 1, line, warnings)


def record_file_path(packet_path: Path, file: Path, *, copy: bool = False) -> str:
    """Check a new record file and return the path to write in ``file:``.

    The path is relative to the packet's folder when the file is inside it. With ``copy``,
    the file is first copied into the packet's ``records/`` folder (never overwriting one
    already there). Only the first bytes are read: the full check is ``sopacket check``'s.
    """
    from .records import sniff

    if not file.exists():
        raise UsageError(f"the record file {file} does not exist.", "Check the path and try again.")
    if not file.is_file():
        raise UsageError(f"{file} is not a regular file.", "Name a PDF, JPEG, PNG or TIFF file.")
    try:
        with file.open("rb") as fh:
            kind = sniff(fh.read(1024))
    except OSError as exc:
        raise UsageError(
            f"the record file {file} cannot be read ({exc.strerror}).",
            "Check that you may read it.",
        ) from None
    if kind is None:
        raise UsageError(
            f"{file} is not a PDF, JPEG, PNG or TIFF file (judged by its content).",
            "Save or export the record as PDF, or scan it as JPEG, PNG or TIFF.",
        )
    folder = packet_path.resolve().parent
    target = file.resolve()
    if copy:
        records = folder / "records"
        records.mkdir(mode=0o700, exist_ok=True)
        dest = records / file.name
        n = 1
        while dest.exists() and not dest.samefile(target):
            n += 1
            dest = records / f"{file.stem}-{n}{file.suffix}"
        if not dest.exists():
            import shutil

            shutil.copyfile(target, dest)
            dest.chmod(0o600)
        target = dest
    try:
        return target.relative_to(folder).as_posix()
    except ValueError:
        return str(target)


def _render(item: Any, indent: int, flow: bool) -> str:
    pad = " " * indent
    if flow and isinstance(item, dict):
        inner = yaml.safe_dump(
            item, default_flow_style=True, sort_keys=False, allow_unicode=True, width=1 << 30
        ).strip()
        return f"{pad}- {inner}\n"
    block = yaml.safe_dump(
        [item], default_flow_style=False, sort_keys=False, allow_unicode=True, width=1 << 30
    )
    return "".join(pad + ln + "\n" for ln in block.splitlines())


def _line_end(text: str, index: int) -> int:
    """The index just past the end of the line holding ``index``."""
    nl = text.find("\n", index)
    return len(text) if nl < 0 else nl + 1


def _last_leaf(node: yaml.Node) -> yaml.Node:
    while isinstance(node, yaml.CollectionNode) and not node.flow_style and node.value:
        last = node.value[-1]
        node = last[1] if isinstance(last, tuple) else last
    return node


def _insert(text: str, section: str, item: Any, name: str) -> tuple[str, int]:
    root = loader.compose(text)
    assert isinstance(root, yaml.MappingNode)
    pair = next((p for p in root.value if p[0].value == section), None)
    if pair is None:
        # Not in the file yet: append the section at the end.
        sep = "" if text.endswith("\n") or not text else "\n"
        start_line = text.count("\n") + (2 if sep else 1)
        return text + sep + f"{section}:\n" + _render(item, 2, False), start_line + 1
    key, value = pair
    key_col = key.start_mark.column
    if isinstance(value, yaml.ScalarNode) and value.tag == "tag:yaml.org,2002:null":
        # `records:` with nothing after it (maybe a comment): start the list below the key.
        at = _line_end(text, key.end_mark.index)
        return text[:at] + _render(item, key_col + 2, False) + text[at:], _lineno(text, at)
    if not isinstance(value, yaml.SequenceNode):
        raise PacketFileError(
            [
                Problem(
                    name,
                    value.start_mark.line + 1,
                    value.start_mark.column + 1,
                    section,
                    "should be a list, so a new entry cannot be added to it.",
                    f"Make `{section}:` a list (entries starting with `- `), then try again.",
                )
            ]
        )
    if value.flow_style:
        if not value.value:
            # `medications: []`: replace the empty list with a block list.
            s, e = value.start_mark.index, value.end_mark.index
            head = text[:s].rstrip(" ")
            rest_at = _line_end(text, e - 1)
            tail = text[e:rest_at].strip()
            comment = f"  {tail}" if tail.startswith("#") else ""
            new = head + comment + "\n" + _render(item, key_col + 2, False)
            return new + text[rest_at:], _lineno(text, s) + 1
        # `[a, b]`: add `, c` before the closing bracket.
        close = value.end_mark.index - 1
        inner = yaml.safe_dump(
            item, default_flow_style=True, sort_keys=False, allow_unicode=True, width=1 << 30
        ).strip()
        if not isinstance(item, dict) and inner.endswith("..."):
            inner = inner[:-3].strip()
        return text[:close] + ", " + inner + text[close:], _lineno(text, close)
    last = value.value[-1]
    dash_col = value.start_mark.column
    flow_item = isinstance(last, yaml.MappingNode) and bool(last.flow_style)
    leaf = _last_leaf(last)
    end = leaf.end_mark.index
    at = end if leaf.end_mark.column == 0 else _line_end(text, end)
    if at > len(text) or (at == len(text) and not text.endswith("\n")):
        text += "\n"
        at = len(text)
    return text[:at] + _render(item, dash_col, flow_item) + text[at:], _lineno(text, at)


def _lineno(text: str, index: int) -> int:
    return text.count("\n", 0, index) + 1


def today() -> dt.date:
    return dt.date.today()
