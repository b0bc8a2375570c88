"""The machine-readable manifest inside each (encrypted) volume, for clinics and `verify`.

It says what the packet is (its id, when it was prepared, the options that shaped it,
the packet file's content) and where each record's pages are, with the SHA-256 of its
original file whatever was done to fit, and a digest of every page as built (what
the reviewer sees, see :mod:`.digest`); a volume of a packet cut into files also names
the other files and what they hold, so that `verify` can check the set.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from .. import __version__
from ..records.gather import GatheredRecord
from .assemble import Layout, Placed
from .fit import Piece


@dataclass(frozen=True)
class About:
    """What every volume's manifest says of the packet."""

    packet_id: str
    prepared: dt.date
    ready: bool
    settings: dict[str, Any]
    """The options that shape the packet's content (see ``options.build_settings``)."""
    packet: dict[str, Any]
    """The packet file's content."""


class Cut(NamedTuple):
    """This file is volume ``number`` of ``volumes``, all written together as ``build``."""

    number: int
    volumes: Sequence[Sequence[Piece]]
    build: str
    """Random, the same in every part written together (verify refuses mixed builds)."""
    files: Sequence[Path]
    records: Sequence[GatheredRecord]


def manifest(
    about: About,
    layout: Layout,
    pages: int,
    cut: Cut | None,
    digests: Sequence[str] = (),
    document: str = "",
) -> dict[str, Any]:
    """The manifest of a volume of ``pages`` pages laid out as ``layout``; ``digests``:
    each page's as built, ``document``: the rest of what a reader sees (bookmarks,
    page labels, viewer settings; see :mod:`sopacket.packaging.digest`), both checked
    by ``verify``."""
    from .digest import METHOD

    data: dict[str, Any] = {
        "sopacket_manifest": 1,
        "generator": f"sopacket {__version__}",
        "packet_id": about.packet_id,
        "prepared": about.prepared.isoformat(),
        "ready": about.ready,
        "front_matter_pages": layout.front.pages,
        "total_pages": pages,
        "options": about.settings,
        "packet": about.packet,
        "records": [_record(placed) for placed in layout.placed],
    }
    if digests:
        data["page_digests"] = {"method": METHOD, "sha256": list(digests)}
        if document:
            data["page_digests"]["document"] = document
    if cut is not None:
        data["volume"] = {
            "number": cut.number,
            "of": len(cut.volumes),
            "build": cut.build,
            "files": [p.name for p in cut.files],
            "records": [
                [
                    {"record": p.record + 1, "pages": [p.first + 1, p.first + p.count]}
                    for p in pieces
                ]
                for pieces in cut.volumes
            ],
            "record_pages": [r.pages for r in cut.records],
            "sha256": [r.sha256 for r in cut.records],
        }
    return data


def _record(placed: Placed) -> dict[str, Any]:
    piece, record, entry = placed.piece, placed.record, placed.record.entry
    shrunk = record.recompressed
    out: dict[str, Any] = {
        "number": piece.record + 1,
        "title": entry.title,
        "bookmark": f"{piece.record + 1}. {placed.title}",
        "kind": entry.kind,
        "date": entry.date.isoformat() if entry.date else None,
        "source": entry.source,
        "original_file_name": Path(entry.file).name,
        "sha256": record.sha256,
        "bytes": record.size,
        "pages_selected": entry.pages,
        "packet_pages": [placed.start + 1, placed.start + piece.count],
        "recompressed": shrunk.to_json() if shrunk else None,
    }
    if piece.parts > 1:
        out["part"] = [piece.part, piece.parts]
        out["record_pages"] = [piece.first + 1, piece.first + piece.count]
    return out


def attach_manifest(pdf: Any, data: dict[str, Any]) -> None:
    """Attach ``data`` to ``pdf`` (a pikepdf.Pdf) as manifest.json."""
    import pikepdf

    spec = pikepdf.AttachedFileSpec(
        pdf,
        json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8"),
        description="sopacket manifest",
        filename="manifest.json",
        mime_type="application/json",
    )
    pdf.attachments["manifest.json"] = spec
