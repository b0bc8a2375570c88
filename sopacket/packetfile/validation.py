"""Load a packet file into a validated :class:`~sopacket.packetfile.model.Packet`.

This joins the loader (YAML with positions) and the model (the format), and turns every
validation error into a :class:`~sopacket.errors.Problem` a person can act on:
``packet.yaml:14:7: records[1].kind: "labs" is not a record kind. Did you mean "lab"?``
"""

from __future__ import annotations

import difflib
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from ..errors import PacketFileError, Problem
from . import dates, loader
from .loader import Path_, Source
from .model import Packet


@dataclass(frozen=True)
class LoadedPacket:
    """A validated packet with what is needed to find its files and report on it."""

    packet: Packet
    source: Source
    path: Path | None
    """The packet file, or None when read from standard input."""
    record_secrets: tuple[str | None, ...] = field(default=(), repr=False, compare=False)
    """Passwords of protected records (``password:``), once obtained; never shown."""

    @property
    def id(self) -> str:
        if self.packet.id:
            return self.packet.id
        return self.path.stem if self.path else "packet"

    @property
    def base_dir(self) -> Path:
        return self.source.base_dir

    def record_path(self, index: int) -> Path:
        """The file of record ``index``, resolved against the packet's folder."""
        from ..files import resolve_file

        return resolve_file(self.base_dir, self.packet.records[index].file)


def load_packet(path: Path | str) -> LoadedPacket:
    """Read, parse and validate a packet file (``-`` for standard input)."""
    source = loader.load(path)
    packet = validate(source)
    return LoadedPacket(packet, source, None if str(path) == "-" else Path(path))


def validate(source: Source) -> Packet:
    """Validate parsed data against the format, or raise PacketFileError listing every problem."""
    data = source.data
    early: Problem | None = None
    if not isinstance(data, dict):
        early = source.problem(
            (),
            "the file should be a set of `key: value` lines.",
            "Start from a template with `sopacket init`.",
        )
    elif "sopacket" not in data:
        early = source.problem(
            (),
            "this does not look like a sopacket packet: the first line should be `sopacket: 1`.",
            "Add `sopacket: 1` at the top, or start with `sopacket init`.",
        )
    elif data["sopacket"] != 1 or isinstance(data["sopacket"], bool):
        early = source.problem(
            ("sopacket",),
            f"format version {data['sopacket']!r} is not supported; this sopacket reads version 1.",
            "Write `sopacket: 1`, or upgrade sopacket.",
        )
    if early is not None:
        raise PacketFileError([*source.problems, early])
    return validate_as(source, Packet)


M = typing.TypeVar("M", bound=BaseModel)


def validate_as(source: Source, model: type[M]) -> M:
    """Validate ``source.data`` as ``model``, reporting every problem with its position."""
    try:
        result = model.model_validate(source.data)
    except ValidationError as exc:
        known = {p.field for p in source.problems}
        problems = [_problem(source, err, model) for err in exc.errors(include_url=False)]
        problems = [p for p in problems if p.field not in known]
        raise PacketFileError(_dedupe(source.problems + problems)) from None
    if source.problems:
        raise PacketFileError(source.problems)
    return result


def _dedupe(problems: list[Problem]) -> list[Problem]:
    """One problem per field; a union's "wrong type" complaint yields to a deeper problem."""
    fields = {p.field for p in problems}
    seen: set[str] = set()
    out = []
    for p in problems:
        deeper = any(f.startswith(p.field + ".") for f in fields if p.field)
        if p.field in seen or (deeper and p.message.startswith("must be")):
            continue
        seen.add(p.field)
        out.append(p)
    return sorted(out, key=lambda p: (p.line or 0, p.column or 0))


def _data_path(data: Any, loc: tuple[Any, ...]) -> Path_:
    """Drop pydantic's union-member labels from ``loc``, keeping only real keys and indexes."""
    path: list[str | int] = []
    for part in loc:
        if (isinstance(data, dict) and part in data) or (
            isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data)
        ):
            data = data[part]
            path.append(part)
    return tuple(path)


def _value_at(data: Any, path: Path_) -> Any:
    for part in path:
        data = data[part]
    return data


def _model_at(path: Path_, data: Any, root: type[BaseModel]) -> type[BaseModel] | None:
    """The model class describing the mapping at ``path``."""
    model: type[BaseModel] | None = root
    for part in path:
        if model is None:
            return None
        data = data[part]
        if isinstance(part, int):
            continue
        field = model.model_fields.get(str(part))
        if field is None:
            return None
        model = _find_model(field.annotation)
    return model


def _find_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) in (
        typing.Union,
        list,
    ):
        for arg in typing.get_args(annotation):
            found = _find_model(arg)
            if found:
                return found
    return None


_TYPE_WORDS = {
    "string_too_short": ("must not be blank", "Write the text after the colon."),
    "string_type": ("must be text", "Put the text after the colon, in quotes if needed."),
    "int_type": ("must be a whole number", ""),
    "bool_type": ("must be true or false", "Write `true` or `false`."),
    "bool_parsing": ("must be true or false", "Write `true` or `false`."),
    "list_type": (
        "must be a list",
        "Write each entry on its own line starting with `- `, or [] for an empty list.",
    ),
    "model_type": ("must be a block of `key: value` lines", "Indent the fields under this key."),
    "model_attributes_type": (
        "must be a block of `key: value` lines",
        "Indent the fields under this key.",
    ),
    "dict_type": ("must be a block of `key: value` lines", "Indent the fields under this key."),
    "date_type": ("must be a date", "Write dates as YYYY-MM-DD, e.g. 2026-08-28."),
    "date_parsing": ("must be a date", "Write dates as YYYY-MM-DD, e.g. 2026-08-28."),
    "date_from_datetime_parsing": ("must be a date", "Write dates as YYYY-MM-DD, e.g. 2026-08-28."),
    "date_from_datetime_inexact": ("must be a date", "Write dates as YYYY-MM-DD, e.g. 2026-08-28."),
}


def _problem(source: Source, err: Any, root: type[BaseModel]) -> Problem:
    data = source.data
    path = _data_path(data, tuple(err["loc"]))
    kind = err["type"]
    raw = tuple(err["loc"])
    if kind == "missing":
        # The missing key's own name is the last element of loc; point at its parent block.
        name = str(raw[-1])
        line, col = source.position(path)
        where = f"under `{loader.dotted(path)}`" if path else "at the top level"
        return Problem(
            source.name,
            line,
            col,
            loader.dotted((*path, name)),
            "is required but missing.",
            f"Add `{name}:` {where}.",
        )
    if kind == "extra_forbidden":
        name = str(raw[-1])
        parent = _model_at(path[:-1], data, root)
        allowed = list(parent.model_fields) if parent else []
        guess = difflib.get_close_matches(name, allowed, n=1, cutoff=0.6)
        if " " in name.strip():
            fix = (
                "If this is part of a text that contains a comma or a colon, put the whole "
                'text in quotes: text: "Chemo first, or surgery?"'
            )
        elif guess:
            fix = f"Did you mean `{guess[0]}`?"
        elif allowed:
            fix = f"The fields here are: {', '.join(allowed)}."
        else:
            fix = "Remove it, or check its indentation."
        return source.problem(path, f"`{name}` is not a field sopacket knows.", fix)
    value = _value_at(data, path)
    if raw and raw[-1] == "password" and kind == "value_error":
        # It may hold a real password: never repeat the value.
        return source.problem(path, str(err.get("ctx", {}).get("error", err["msg"])) + ".", "")
    if kind in ("literal_error", "enum"):
        expected = err.get("ctx", {}).get("expected", "")
        options = [o.strip().strip("'") for o in expected.replace(" or ", ",").split(",") if o]
        guess = closest_choice(value, options)
        fix = f"Did you mean `{guess[0]}`? " if guess else ""
        return source.problem(
            path,
            f"{_show(value)} is not one of the choices.",
            f"{fix}Choose one of: {', '.join(options)}.",
        )
    if kind.startswith("date") and isinstance(value, str):
        what, fix = dates.advice(value)
        return source.problem(path, f"must be a date: {what}.", fix)
    if kind in _TYPE_WORDS:
        what, fix = _TYPE_WORDS[kind]
        return source.problem(path, f"{what} (found {_show(value)}).", fix)
    if kind == "value_error":
        msg = str(err.get("ctx", {}).get("error", err["msg"]))
        if value is not None and str(value) in msg:  # it quotes the value itself
            return source.problem(path, f"{msg.rstrip('.')}.", "")
        return source.problem(path, f"{msg} (found {_show(value)}).", "")
    return source.problem(path, f"{err['msg']} (found {_show(value)}).", "")


def closest_choice(value: Any, options: list[str]) -> list[str]:
    """The choice ``value`` was most likely meant as (none, or one): a choice holding it
    as a word (``note`` is ``visit_note``), else the closest in spelling."""
    typed = str(value).strip().lower().replace(" ", "_")
    holding = [o for o in options if typed and typed in o.split("_")]
    if len(holding) == 1:
        return holding
    return difflib.get_close_matches(typed, options, n=1, cutoff=0.6)


def _show(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, dict):
        return "a block of fields"
    if isinstance(value, list):
        return "a list"
    text = str(value)
    if len(text) > 40:
        text = text[:37] + "..."
    return f'"{text}"'
