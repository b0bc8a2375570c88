"""The check pipeline: read the packet file, start reading its records, validate, evaluate.

This module imports only light modules at the top, so that the record files start being
read in a child process (which imports pikepdf and Pillow) while this process imports
pydantic and validates the packet: on two cores the two halves overlap.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import NotReadyError
from ..files import resolve_file
from ..packetfile import loader
from ..records.access import RecordAccess, record_secrets
from ..records.inspect import Inspection

if TYPE_CHECKING:
    from ..packetfile.validation import LoadedPacket
    from .checklist import CheckReport


def check_file(
    path: Path | str,
    checklist: str | None = None,
    *,
    strict: bool = False,
    access: RecordAccess | None = None,
    fallback: str | None = None,
) -> CheckReport:
    """Load, validate and check a packet file (``-`` for standard input).

    The record files are read in a child process while the packet is validated.
    """
    return check_loaded(path, checklist, strict=strict, access=access, fallback=fallback)[1]


def check_loaded(
    path: Path | str,
    checklist: str | None = None,
    *,
    strict: bool = False,
    access: RecordAccess | None = None,
    fallback: str | None = None,
) -> tuple[LoadedPacket, CheckReport]:
    """Like :func:`check_file`, also returning the loaded packet."""
    access = access or RecordAccess()
    source = loader.load(path)
    entries = raw_record_entries(source)
    items = [(file, pages) for file, pages, _, _ in entries]
    known = access.confine([file for file, *_ in entries])
    secrets = record_secrets(entries, access, known)
    inspection = Inspection(items, access.limits, secrets, known)
    try:
        from ..packetfile.validation import LoadedPacket, validate
        from .checklist import check_packet, record_items

        lp = LoadedPacket(
            validate(source),
            source,
            None if str(path) == "-" else Path(path),
            record_secrets=tuple(secrets),
        )
        if record_items(lp) == inspection.items:
            inspected = inspection.result()
        else:  # pragma: no cover - validation changed the paths; read them again
            inspection.cancel()
            lp = LoadedPacket(lp.packet, lp.source, lp.path)
            inspected = None
    except BaseException:
        inspection.cancel()
        raise
    report = check_packet(lp, checklist, strict=strict, inspected=inspected, fallback=fallback)
    return lp, report


Entry = tuple[Path, "str | None", str, "str | None"]
"""A record named in the packet file: its file, pages, title and ``password:`` setting."""


def raw_record_entries(source: loader.Source) -> list[Entry]:
    """The records named in not-yet-validated data (so reading them can start early)."""
    records = source.data.get("records") if isinstance(source.data, dict) else None
    entries: list[Entry] = []
    for entry in records if isinstance(records, list) else []:
        if not isinstance(entry, dict) or not isinstance(entry.get("file"), str):
            return []
        if "\0" in entry["file"]:  # no path holds one: validation says so, with its line
            return []
        pages = entry.get("pages")
        pages = str(pages) if isinstance(pages, str | int) and pages != "" else None
        title = entry.get("title")
        secret = entry.get("password")
        entries.append(
            (
                resolve_file(source.base_dir, entry["file"]),
                pages,
                str(title) if isinstance(title, str) else entry["file"],
                secret.strip() if isinstance(secret, str) and secret.strip() else None,
            )
        )
    return entries


def require_ready(report: CheckReport, *, allow_incomplete: bool = False) -> None:
    """The checklist's required items are done (or the build is asked to go on anyway)."""
    if report.ready or allow_incomplete:
        return
    missing = "".join(f"\n  - {i.title}" for i in report.blocking())
    error = NotReadyError(
        f"the packet is not ready yet. Still to do:{missing}",
        "Run `sopacket check` to see how to fix each one, or build anyway with "
        "--allow-incomplete (the cover then lists what is missing).",
    )
    error.missing = tuple(i.title for i in report.blocking())
    error.urgent = bool(report.urgent_symptoms)
    raise error
