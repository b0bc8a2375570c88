"""The front matter and closing page of one volume, drawn from plain data.

The pages are drawn by :mod:`sopacket.render.compose`; this module says what they list
for one volume of the packaging plan (hence its place here, beside the plan).

:class:`Listing` holds what every volume's front matter is drawn from: the packet, each
record's facts, the checklist's gaps and the options that shape the pages. It is plain
data, so that a child process can draw one volume's front matter while the parent writes
another. The wording about pieces of records cut across files (titles, notes, the list
of what each part holds) lives here too: the bands, outline and manifest use the same.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..records.gather import GatheredRecord, Original
from ..records.notes import index_note
from ..records.recompress import Recompressed
from .fit import Piece, ranges

if TYPE_CHECKING:  # types only: each loads where it is used
    from ..packetfile.model import Packet
    from ..render.compose import FrontMatter
    from ..render.fonts import FontSet


@dataclass(frozen=True)
class Listed:
    """A record's facts as the front matter lists them."""

    sha256: str
    pages: int
    """Pages it gives the packet (its selection)."""
    original_pages: int
    recompressed: Recompressed | None = None
    hidden_layers: bool = False
    type: str | None = None
    """pdf, jpeg, png or tiff (a PDF record's pages are shrunk a little for the band)."""


@dataclass(frozen=True)
class Listing:
    """What the front matter of every volume is drawn from."""

    packet: Packet
    packet_id: str
    records: tuple[Listed, ...]
    missing: tuple[str, ...]
    """Checklist items still missing (the cover lists them)."""
    urgent: tuple[str, ...]
    paper: str
    prepared: dt.date | None
    clinic: str | None


@dataclass(frozen=True)
class Drawn:
    """One volume's front matter and closing page, and the characters its fonts could not
    draw (shown as \ufffd)."""

    front: FrontMatter
    closing: bytes
    undrawable: frozenset[str] = frozenset()


def draw_front(
    listing: Listing,
    fonts: FontSet,
    plan: Sequence[Sequence[Piece]] | None = None,
    number: int = 1,
) -> Drawn:
    """The front matter and closing page of volume ``number`` of ``plan`` (the whole
    packet, uncut, when there is no plan)."""
    from ..render.compose import Composer, Part, RecordEntry

    if plan is None:
        plan = [[Piece(n, 0, r.pages) for n, r in enumerate(listing.records)]]
    packet = listing.packet
    entries = []
    for piece in plan[number - 1]:
        r, facts = packet.records[piece.record], listing.records[piece.record]
        entries.append(
            RecordEntry(
                piece_title(r.title, facts.pages, piece),
                r.kind,
                r.date,
                r.source,
                Path(r.file).name,
                facts.sha256,
                piece.count,
                selection=r.pages,
                original_pages=facts.original_pages,
                number=piece.record + 1,
                note=_join_notes(
                    _piece_note(piece, plan),
                    index_note(facts.recompressed, facts.hidden_layers),
                ),
                resized=facts.type == "pdf",
            )
        )
    part = None
    if len(plan) > 1:
        part = Part(number, len(plan), other_parts(listing, plan, number))
    composer = Composer(
        packet,
        listing.packet_id,
        entries,
        fonts,
        listing.paper,
        listing.prepared,
        list(listing.missing),
        urgent=list(listing.urgent),
        clinic=listing.clinic,
        part=part,
        recompressed=any(r.recompressed and r.recompressed.downsampled for r in listing.records),
    )
    return Drawn(composer.front_matter(), composer.closing(), frozenset(fonts.missing))


def piece_title(title: str, pages: int, piece: Piece) -> str:
    """A record's ``title``, and which of its ``pages`` a piece holds when it was cut."""
    if piece.parts == 1:
        return title
    return f"{title} ({page_span(piece.first, piece.count)} of {pages})"


def page_span(first: int, count: int) -> str:
    """0-based ``first`` and ``count`` as "page 3" or "pages 3\u20135"."""
    if count == 1:
        return f"page {first + 1}"
    return f"pages {first + 1}\u2013{first + count}"


def _piece_note(piece: Piece, plan: Sequence[Sequence[Piece]]) -> str | None:
    """For a record cut across files: which of its pages are in which file."""
    if piece.parts == 1:
        return None
    where = [
        f"{page_span(p.first, p.count)} in part {n}"
        for n, volume in enumerate(plan, 1)
        for p in volume
        if p.record == piece.record
    ]
    return "Cut across files to fit the upload size limit: " + "; ".join(where) + "."


def _join_notes(*notes: str | None) -> str | None:
    kept = [n for n in notes if n]
    return " ".join(kept) if kept else None


def other_parts(listing: Listing, plan: Sequence[Sequence[Piece]], number: int) -> list[str]:
    """One line per file of the packet, saying which records it holds."""
    lines = []
    for n, pieces in enumerate(plan, 1):
        held: list[str] = []
        whole: list[int] = []
        for p in [*pieces, None]:
            if p is not None and p.parts == 1:
                whole.append(p.record + 1)
                continue
            if whole:
                noun = "record" if len(whole) == 1 else "records"
                held.append(f"{noun} {ranges(whole)}")
                whole = []
            if p is not None:
                total = listing.records[p.record].pages
                held.append(f"record {p.record + 1} ({page_span(p.first, p.count)} of {total})")
        here = " (this file)" if n == number else ""
        lines.append(f"Part {n}{here}: {', '.join(held)}")
    return lines


def listed(records: Sequence[Original]) -> tuple[Listed, ...]:
    """The front matter's facts of each record (hashed, or gathered and maybe
    recompressed)."""
    return tuple(
        Listed(
            r.sha256,
            r.pages,
            r.original_pages,
            r.recompressed if isinstance(r, GatheredRecord) else None,
            isinstance(r, GatheredRecord) and r.hidden_layers,
            r.info.type,
        )
        for r in records
    )
