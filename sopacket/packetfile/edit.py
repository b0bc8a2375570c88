"""Add entries to a packet file without disturbing anything else in it.

A load-and-dump round trip would lose the user's comments, blank lines and quoting, so
``add`` edits the text instead: it finds where the list ends (from the parser's positions)
and inserts the new entry's lines there, in the style of the entries around it (block or
``{flow}``), then checks the result parses as a packet before writing it atomically.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from .. import output
from ..errors import OutputError, PacketFileError, Problem, UsageError
from . import dates, loader
from .model import Allergy, Condition, Medication, Question, Record, Symptom
from .validation import closest_choice, validate

SECTIONS: dict[str, type[BaseModel]] = {
    "records": Record,
    "medications": Medication,
    "questions": Question,
    "allergies": Allergy,
    "symptoms": Symptom,
    "conditions": Condition,
}
_SAME: dict[str, tuple[str, ...]] = {
    "medications": ("name", "dose"),
    "questions": ("text",),
    "allergies": ("substance",),
    "symptoms": ("text",),
    "conditions": ("name",),
}
"""What makes two entries of a list the same (compared without regard to case):
``add`` refuses a second one unless asked (--duplicate)."""


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
    notes: tuple[str, ...] = ()
    """What ``add`` did that was not asked in so many words (a copy renamed, a
    duplicate added on request)."""


def clean_entry(section: str, entry: dict[str, Any]) -> dict[str, Any] | str:
    """Validate a new entry; return it as plain YAML-ready data (unset fields dropped).

    Raises UsageError naming the field (and its command-line option) of a bad value.
    """
    model = SECTIONS.get(section)
    if model is None:
        raise UsageError(
            f"there is no list called '{section}' to add to.",
            f"Choose one of: {', '.join(SECTIONS)}.",
        )
    values = {k: v for k, v in entry.items() if v is not None and v != ""}
    try:
        parsed = model.model_validate(values)
    except ValidationError as exc:
        messages = [_entry_error(err, entry) for err in exc.errors(include_url=False)]
        raise UsageError(
            "the new entry is not valid: " + "; ".join(messages) + ".",
            "Correct it and run the command again.",
        ) from None
    # Keep the format's order of fields, with values as the format reads them (real dates).
    values = {k: getattr(parsed, k) for k in model.model_fields if k in values}
    if section == "questions" and values.get("priority", "normal") == "normal":
        return str(values["text"])
    if section == "conditions" and list(values) == ["name"]:
        return str(values["name"])
    return values


def _key(section: str, item: Any) -> tuple[str, ...] | None:
    """What identifies ``item`` in its list (see ``_SAME``), or None for records."""
    fields = _SAME.get(section)
    if fields is None:
        return None
    if isinstance(item, str):
        item = {fields[0]: item}
    if not isinstance(item, dict):
        return None
    return tuple(" ".join(str(item.get(f) or "").split()).casefold() for f in fields)


def _already(section: str, item: Any, existing: Any, name: str) -> UsageError | None:
    """The refusal of an entry that the list already holds, or None."""
    key = _key(section, item)
    entries = existing if isinstance(existing, list) else []
    if key is None or not any(_key(section, e) == key for e in entries):
        return None
    shown = item if isinstance(item, str) else item.get(_SAME[section][0])
    return UsageError(
        f'"{shown}" is already in {section} in {name}; nothing was changed.',
        "If you do mean to list it twice, run the command again with --duplicate.",
    )


def _entry_error(err: Any, entry: dict[str, Any]) -> str:
    name = str(err["loc"][0]) if err["loc"] else ""
    option = "password-from" if name == "password" else name.replace("_", "-")
    label = f"{name} (--{option})" if name else "the entry"
    ctx = err.get("ctx") or {}
    value = entry.get(name)
    if name == "password" and value:  # it may be a real password: never repeat it
        return f"{label}: {ctx.get('error') or err['msg']}"
    if err["type"] in ("missing", "string_too_short") or value in ("", None):
        return f"{label} must not be empty"
    if err["type"] in ("literal_error", "enum"):
        options = [
            o.strip().strip("'")
            for o in str(ctx.get("expected", "")).replace(" or ", ",").split(",")
            if o.strip()
        ]
        guess = closest_choice(value, options)
        hint = f' (did you mean "{guess[0]}"?)' if guess else ""
        listed = ", ".join(options[:-1]) + f" or {options[-1]}" if len(options) > 1 else options[0]
        return f'{label}: "{value}" is not one of {listed}{hint}'
    if err["type"].startswith("date"):
        what, fix = dates.advice(str(value))
        return f"{label}: {what}. {fix.rstrip('.')}"
    msg = str(ctx.get("error") or err["msg"])
    if value is not None and str(value) in msg:  # it quotes the value itself
        return f"{label}: {msg.rstrip('.')}"
    return f'{label}: {msg} (found "{value}")'


def add_entry(
    packet_path: Path | str,
    section: str,
    entry: dict[str, Any],
    *,
    duplicate: bool = False,
    notes: tuple[str, ...] = (),
) -> AddResult:
    """Append ``entry`` to the list ``section`` of the packet file, keeping everything else.

    An entry the list already holds (the same allergy, question...) is refused with a
    UsageError unless ``duplicate``."""
    packet_path = Path(packet_path)
    item = clean_entry(section, entry)
    text, name, base = loader.read_text(packet_path)
    source = loader.parse(text, name, base)
    if isinstance(source.data, dict):
        twice = _already(section, item, source.data.get(section), name)
        if twice is not None and not duplicate:
            raise twice
        if twice is not None:
            notes = (*notes, f"{twice.message.split(';')[0]}: added again, as asked.")
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
    newline = "\r\n" if "\r\n" in text else ("\r" if "\r" in text else "\n")
    body = text.replace("\r\n", "\n").replace("\r", "\n")
    cannot = UsageError(
        f"sopacket could not add to `{section}` without risk of changing the rest of the "
        "file (it uses YAML features such as anchors, tags or aliases there).",
        f"Add the entry by hand in a text editor, at the end of `{section}:`.",
    )
    try:
        new_body, line = _insert(body, section, item, name)
    except PacketFileError:
        raise
    except Exception:  # an unusual layout we do not edit
        raise cannot from None
    new_text = new_body.replace("\n", newline) if newline != "\n" else new_body

    # Proof that only the entry was added: the new file must read exactly as the old one
    # with the entry at the end of its list. Otherwise nothing is written.
    try:
        new_source = loader.parse(new_text, name, base)
    except PacketFileError:
        raise cannot from None
    before = dict(source.data)
    old_list = before.get(section)
    expected = {**before, section: [*(old_list if isinstance(old_list, list) else []), item]}
    if new_source.data != expected:
        raise cannot
    items = new_source.data[section]
    warnings: tuple[str, ...] = ()
    try:
        validate(new_source)
    except PacketFileError as exc:
        warnings = tuple(str(p) for p in exc.problems)
    # Write through a symbolic link to the file it points at, keeping its permissions.
    target = packet_path.resolve()
    output.write_text(target, new_text, output.current_mode(target))
    return AddResult(packet_path, section, len(items) - 1, line, warnings, notes)


def add_record(
    packet_path: Path | str,
    file: Path | str,
    entry: dict[str, Any],
    *,
    copy: bool = False,
    duplicate: bool = False,
) -> AddResult:
    """Add a record file: check the entry and the file, refuse a file the packet already
    holds (the same content, under any name) unless ``duplicate``, copy it if asked, then
    add it with its path relative to the packet file (the folder stays portable)."""
    packet_path, file = Path(packet_path), Path(file)
    clean_entry("records", {**entry, "file": str(file)})  # refuse bad options before copying
    check_record_file(file)
    notes: list[str] = []
    same = _same_record(packet_path, file)
    if same is not None and not duplicate:
        raise UsageError(
            f"{file} is already in the packet, as the record “{same}” (the same "
            "content); nothing was changed.",
            "If you do mean to list it twice, run the command again with --duplicate.",
        )
    if same is not None:
        notes.append(f"the same file is already the record “{same}”: added again, as asked.")
    stored = record_file_path(packet_path, file, copy=copy, notes=notes)
    return add_entry(
        packet_path, "records", {**entry, "file": stored}, duplicate=True, notes=tuple(notes)
    )


def _digest(path: Path) -> str:
    import hashlib

    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _same_record(packet_path: Path, file: Path) -> str | None:
    """The title of the packet's record whose file has ``file``'s content, or None.
    (Sizes are compared first: only a file of the same size is read.)"""
    from ..files import resolve_file

    try:
        source = loader.load(packet_path)
    except PacketFileError:
        return None  # add_entry says what is wrong with the packet file
    records = source.data.get("records") if isinstance(source.data, dict) else None
    size, digest = file.stat().st_size, None
    for entry in records if isinstance(records, list) else []:
        if not isinstance(entry, dict) or not isinstance(entry.get("file"), str):
            continue
        try:
            other = resolve_file(source.base_dir, entry["file"])
            if not other.is_file() or other.stat().st_size != size:
                continue
            digest = digest or _digest(file)
            if _digest(other) == digest:
                return str(entry.get("title") or entry["file"])
        except (OSError, ValueError):
            continue
    return None


def check_record_file(file: Path) -> None:
    """Refuse a record file that is missing, not a file, or not a PDF or image (naming
    the format found, and how to convert it). Only the first bytes are read: the full
    check is ``sopacket check``'s."""
    from ..files import format_advice, sniff

    try:
        exists = file.exists()
    except (OSError, ValueError) as exc:
        raise UsageError(
            f"the record file {file} cannot be reached ({getattr(exc, 'strerror', exc)}).",
            "Check the path and the folder's permissions.",
        ) from None
    if not exists:
        raise UsageError(f"the record file {file} does not exist.", "Check the path and try again.")
    if file.is_dir():
        raise UsageError(
            f"{file} is a folder, not a record file.",
            "Add each record file in it on its own, e.g. "
            f"`sopacket add record PACKET {file}/report.pdf --title ...`.",
        )
    if not file.is_file():
        raise UsageError(f"{file} is not a regular file.", "Name a PDF, JPEG, PNG or TIFF file.")
    try:
        with file.open("rb") as fh:
            head = fh.read(1024)
    except OSError as exc:
        raise UsageError(
            f"the record file {file} cannot be read ({exc.strerror}).",
            "Check that you may read it.",
        ) from None
    if sniff(head) is None:
        what, fix = format_advice(head)
        raise UsageError(f"{file}: {what}.", fix)


def record_file_path(
    packet_path: Path, file: Path, *, copy: bool = False, notes: list[str] | None = None
) -> str:
    """The path to write in ``file:``, relative to the packet's folder (``../scans/x.pdf``
    for a file outside it, so that the folders can move together).

    With ``copy``, the file is first copied into the packet's ``records/`` folder; a
    different file already there under its name is never overwritten: the copy gets a
    new name, and ``notes`` says so."""
    import os

    folder = packet_path.resolve().parent
    target = file.resolve()
    if copy:
        target = _copy_in(folder, target, notes if notes is not None else [])
    try:
        return target.relative_to(folder).as_posix()
    except ValueError:
        pass
    try:
        return Path(os.path.relpath(target, folder)).as_posix()
    except ValueError:  # another drive (Windows): no relative path exists
        return str(target)


def _copy_in(folder: Path, source: Path, notes: list[str]) -> Path:
    records = folder / "records"
    try:
        records.mkdir(mode=0o700, exist_ok=True)
    except OSError as exc:
        raise OutputError(
            f"cannot create the folder {records} ({exc.strerror}).",
            "Check the packet folder's permissions.",
        ) from None
    dest, n = records / source.name, 1
    while dest.exists() and not dest.samefile(source):
        if dest.is_file() and _digest(dest) == _digest(source):
            notes.append(f"records/{dest.name} already holds this file: it was not copied again.")
            return dest
        n += 1
        dest = records / f"{source.stem}-{n}{source.suffix}"
    if n > 1:
        notes.append(
            f"records/{source.name} is another file already, so this one was copied as "
            f"records/{dest.name}."
        )
    if not dest.exists():
        with output.atomic_writer(dest) as out, source.open("rb") as src:
            for chunk in iter(lambda: src.read(1 << 20), b""):
                out.write(chunk)
    return dest


class _Dumper(yaml.SafeDumper):
    """Quotes every text that our loader (YAML 1.2 + dates) or YAML 1.1 would misread."""


_Dumper.yaml_implicit_resolvers = {
    ch: list(yaml.SafeDumper.yaml_implicit_resolvers.get(ch, []))
    + list(loader._Resolver.yaml_implicit_resolvers.get(ch, []))
    for ch in set(yaml.SafeDumper.yaml_implicit_resolvers)
    | set(loader._Resolver.yaml_implicit_resolvers)
}


def _dump(data: Any, flow: bool) -> str:
    return yaml.dump(
        data,
        Dumper=_Dumper,
        default_flow_style=flow,
        sort_keys=False,
        allow_unicode=True,
        width=1 << 30,
    )


def _flow_item(item: Any) -> str:
    """``item`` as it is written inside ``[ ]``: quoted wherever flow context needs it."""
    return _dump([item], True).strip()[1:-1].strip()


def _render(item: Any, indent: int, flow: bool) -> str:
    """``item`` as one block-list entry (``- ...``) indented by ``indent`` spaces."""
    pad = " " * indent
    if flow and isinstance(item, dict):
        return f"{pad}- {_flow_item(item)}\n"
    return "".join(pad + ln + "\n" for ln in _dump([item], False).splitlines())


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
    """The text with ``item`` added to the list ``section``, and the line it starts on."""
    root = loader.node_tree(text)
    assert isinstance(root, yaml.MappingNode)
    pair = next((p for p in root.value if p[0].value == section), None)
    if pair is None:
        # Not in the file yet: append the section at the end.
        if text and not text.endswith("\n"):
            text += "\n"
        return text + f"{section}:\n" + _render(item, 2, False), _lineno(text, len(text)) + 1
    key, value = pair
    key_col = key.start_mark.column
    if isinstance(value, yaml.ScalarNode) and value.tag == "tag:yaml.org,2002:null":
        # `records:` with nothing after it, or `~` / `null`: start a block list below the key.
        start, end = value.start_mark.index, value.end_mark.index
        if end > start:  # an explicit null token: remove it (and the space before it)
            head = text[:start].rstrip(" ")
            text = head + text[end:]
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
        start, end = value.start_mark.index, value.end_mark.index
        if not value.value:
            # `medications: []`: replace the empty list with a block list.
            head = text[:start].rstrip(" ")
            rest_at = _line_end(text, end - 1)
            tail = text[end:rest_at].strip()
            comment = f"  {tail}" if tail.startswith("#") else ""
            new = head + comment + "\n" + _render(item, key_col + 2, False)
            return new + text[rest_at:], _lineno(text, start) + 1
        # `[a, b]`: add `, c` before the closing bracket (after a trailing comma, just `c`).
        close = end - 1
        before = text[start + 1 : close].rstrip()
        sep = " " if before.endswith(",") else ", "
        last_end = value.value[-1].end_mark.index
        insert_at = max(last_end, text.rfind(",", last_end, close) + 1)
        return (
            text[:insert_at] + sep + _flow_item(item) + text[insert_at:],
            _lineno(text, insert_at),
        )
    last = value.value[-1]
    dash_col = value.start_mark.column
    flow_item = isinstance(last, yaml.MappingNode) and bool(last.flow_style)
    leaf = _last_leaf(last)
    end = leaf.end_mark.index
    at = end if leaf.end_mark.column == 0 else _line_end(text, end)
    if at == len(text) and not text.endswith("\n"):
        text += "\n"
        at = len(text)
    return text[:at] + _render(item, dash_col, flow_item) + text[at:], _lineno(text, at)


def _lineno(text: str, index: int) -> int:
    return text.count("\n", 0, index) + 1
