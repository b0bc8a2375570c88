"""The check pipeline: read the packet file, start reading its records, validate, evaluate.

This module imports only light modules at the top, so that the record files start being
read in a child process (which imports pypdf and Pillow) while this process imports
pydantic and validates the packet: on two cores the two halves overlap.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from . import loader
from .records import Inspection, Item, resolve_file

if TYPE_CHECKING:
    from .checklist import CheckReport
    from .packet import LoadedPacket


def check_file(
    path: Path | str, checklist: str | None = None, *, strict: bool = False
) -> CheckReport:
    """Load, validate and check a packet file (``-`` for standard input).

    The record files are read in a child process while the packet is validated.
    """
    return check_loaded(path, checklist, strict=strict)[1]


def check_loaded(
    path: Path | str, checklist: str | None = None, *, strict: bool = False
) -> tuple[LoadedPacket, CheckReport]:
    """Like :func:`check_file`, also returning the loaded packet."""
    source = loader.load(path)
    inspection = Inspection(raw_record_items(source))
    try:
        from .checklist import check_packet, record_items
        from .packet import LoadedPacket, validate

        lp = LoadedPacket(validate(source), source, None if str(path) == "-" else Path(path))
        items = record_items(lp)
        if items == inspection.items:
            inspected = inspection.result()
        else:  # pragma: no cover - validation changed the paths; read them again
            inspection.cancel()
            inspected = None
    except BaseException:
        inspection.cancel()
        raise
    return lp, check_packet(lp, checklist, strict=strict, inspected=inspected)


def raw_record_items(source: loader.Source) -> list[Item]:
    """The record files named in not-yet-validated data (so reading them can start early)."""
    records = source.data.get("records") if isinstance(source.data, dict) else None
    items: list[Item] = []
    for entry in records if isinstance(records, list) else []:
        if not isinstance(entry, dict) or not isinstance(entry.get("file"), str):
            return []
        pages = entry.get("pages")
        pages = str(pages) if isinstance(pages, str | int) and pages != "" else None
        items.append((resolve_file(source.base_dir, entry["file"]), pages))
    return items
