"""Put one volume together in memory: its pages, their bands, its outline and links.

The front matter comes first, then the pages of each record (piece) the volume holds,
then the closing page (pikepdf/qpdf copy them). Every page then gets the identification
band, in a strip added below what a reader sees; the outline has a bookmark per section
and per record (with the record's own bookmarks beneath), and the contents rows become
links to their pages. Nothing here touches the disk.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..progress import Progress
from ..records.gather import GatheredRecord
from .fit import Piece
from .front import Drawn, piece_title

if TYPE_CHECKING:  # types only: each loads where it is used
    from ..packetfile.model import Patient
    from ..render.compose import FrontMatter
    from ..render.fonts import FontSet


class Document:
    """A volume's PDF being put together, and the PDFs its pages are copied from: they
    stay open until it is written (qpdf copies their content then). A context manager:
    leaving it closes them all."""

    def __init__(self) -> None:
        import pikepdf

        self.pdf = pikepdf.new()
        self._sources: list[Any] = []

    def open(self, data: bytes) -> Any:
        """The PDF in ``data``, open as long as this document is."""
        import pikepdf

        source = pikepdf.open(io.BytesIO(data))
        self._sources.append(source)
        return source

    def close(self) -> None:
        for source in self._sources:
            source.close()
        self._sources = []
        self.pdf.close()

    def __enter__(self) -> Document:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass(frozen=True)
class Placed:
    """One piece of a record, as placed in a volume."""

    piece: Piece
    record: GatheredRecord
    start: int
    """Its first page in the file (0-based)."""
    title: str
    """Its title (with the pages it holds, when the record was cut)."""
    outline: tuple[Any, ...]
    """The record's own bookmarks within the piece, relative to its first page."""


@dataclass(frozen=True)
class Layout:
    """Where everything is in an assembled volume."""

    front: FrontMatter
    placed: tuple[Placed, ...]


def assemble(
    doc: Document,
    drawn: Drawn,
    pieces: Sequence[Piece],
    records: Sequence[GatheredRecord],
    progress: Progress,
) -> Layout:
    """Front matter, then the pages of each of ``pieces``, then the closing page. Links
    within a record are pointed at their pages."""
    import pikepdf

    pdf = doc.pdf
    pdf.pages.extend(doc.open(drawn.front.pdf).pages)
    placed = []
    progress.start(len(pieces), "Assembling")
    for piece in pieces:
        record = records[piece.record]
        start = len(pdf.pages)
        try:
            source = doc.open(record.pdf)
            pdf.pages.extend(source.pages[piece.first : piece.first + piece.count])
            _point_links(pdf, start, piece.first, piece.count)
        except (pikepdf.PdfError, ValueError, IndexError, TypeError) as exc:
            raise record.error(
                f"could not be placed in the packet ({type(exc).__name__})",
                "Open it and save or print it to a new PDF, then build again.",
            ) from None
        title = piece_title(record.entry.title, record.pages, piece)
        outline = tuple(_outline_piece(record.outline, piece))
        placed.append(Placed(piece, record, start, title, outline))
        progress.advance()
    pdf.pages.extend(doc.open(drawn.closing).pages)
    return Layout(drawn.front, tuple(placed))


def _outline_piece(items: Sequence[Any], piece: Piece) -> list[Any]:
    """A record's bookmarks that fall within ``piece``, relative to its first page."""
    out = []
    for title, offset, children in items:
        inner = _outline_piece(children, piece)
        if piece.first <= offset < piece.first + piece.count:
            out.append([title, offset - piece.first, inner])
        else:
            out.extend(inner)
    return out


def _point_links(pdf: Any, start: int, first: int, count: int) -> None:
    """A cleaned record's links name a page offset within the record (see
    :mod:`sopacket.records.sanitise`); point each at that page of the packet, and drop
    those whose page is in another volume."""
    import pikepdf

    for page in pdf.pages[start : start + count]:
        annots = page.obj.get("/Annots")
        if not isinstance(annots, pikepdf.Array):
            continue
        kept = pikepdf.Array()
        for annot in annots:
            dest = annot.get("/Dest")
            if isinstance(dest, pikepdf.Array) and len(dest) and isinstance(dest[0], int):
                offset = int(dest[0]) - first
                if 0 <= offset < count:
                    dest[0] = pdf.pages[start + offset].obj
                    kept.append(annot)
        if len(kept):
            page.obj.Annots = kept
        else:
            del page.obj["/Annots"]


def _holding(layout: Layout, index: int) -> Placed | None:
    """The piece holding page ``index`` of the file (None: one of sopacket's own)."""
    for placed in reversed(layout.placed):
        if placed.start <= index < placed.start + placed.piece.count:
            return placed
    return None


def _section_of(layout: Layout, index: int) -> str:
    from ..render.compose import SECTION_TITLES, SECTIONS

    front = layout.front
    if index < front.pages:
        current = "Cover"
        for name in SECTIONS:
            if front.starts.get(name, 10**9) <= index:
                current = SECTION_TITLES[name]
        return current
    placed = _holding(layout, index)
    if placed is not None:
        return f"Record {placed.piece.record + 1}: {placed.title}"
    return SECTION_TITLES["closing"]


def stamp_pages(
    doc: Document, layout: Layout, patient: Patient, fonts: FontSet, progress: Progress
) -> None:
    """Every page gets the identification band, inside its size, along its bottom as a
    reader sees it (a PDF record's content shrunk to make room: see render.stamp)."""
    import pikepdf

    from ..records.content import own_form_names
    from ..render.stamp import Band, band_pdf, stamp, visible_size

    pdf = doc.pdf
    dob = patient.date_of_birth.isoformat() if patient.date_of_birth else "unknown"
    name, born = patient.name or "Patient", f"born {dob}"
    bands = []
    for n, page in enumerate(pdf.pages):
        width, rotation = visible_size(page)
        bands.append(Band(name, born, _section_of(layout, n), width, rotation))
    band_source = doc.open(band_pdf(bands, fonts))
    own_form_names(band_source)  # not reportlab's "FormXob." names: the bands' own
    progress.start(len(pdf.pages), "Stamping pages")
    for n, (page, band, band_page) in enumerate(
        zip(pdf.pages, bands, band_source.pages, strict=True)
    ):
        placed = _holding(layout, n)
        room = placed is None or placed.record.info.type != "pdf"  # margins wider than it
        try:
            stamp(pdf, page, band_page, band.rotation, room)
        except (ValueError, TypeError, pikepdf.PdfError):
            # Record pages were checked when cleaned; this is a last line of defence.
            if placed is None:  # sopacket's own pages: a bug, reported as one
                raise
            raise placed.record.error(
                f"could not be placed in the packet: its page "
                f"{n - placed.start + placed.piece.first + 1} cannot be given its band",
                "Open it and print it to a new PDF, then build again.",
            ) from None
        progress.advance()


def add_outline_and_links(doc: Document, layout: Layout) -> None:
    """A bookmark for each section and each piece (with its record's own beneath); the
    contents rows become links to their pages."""
    from pikepdf import Array, Dictionary, Name, OutlineItem

    from ..render.compose import SECTION_TITLES, SECTIONS

    pdf, front = doc.pdf, layout.front
    closing_page = len(pdf.pages) - 1
    with pdf.open_outline() as outline:
        for name in SECTIONS:
            outline.root.append(OutlineItem(SECTION_TITLES[name], front.starts[name]))
        for placed in layout.placed:
            item = OutlineItem(f"{placed.piece.record + 1}. {placed.title}", placed.start)
            _add_children(item, placed.start, placed.outline)
            outline.root.append(item)
        outline.root.append(OutlineItem(SECTION_TITLES["closing"], closing_page))
    # Contents rows become links to their pages (the strip added below moved nothing).
    for link in front.links:
        if link.target.startswith("record:"):
            target = layout.placed[int(link.target.split(":")[1])].start
        elif link.target == "closing":
            target = closing_page
        else:
            target = front.starts[link.target]
        page = pdf.pages[link.page]
        annot = pdf.make_indirect(
            Dictionary(
                Type=Name.Annot,
                Subtype=Name.Link,
                Rect=Array(list(link.rect)),
                Border=Array([0, 0, 0]),
                Dest=Array([pdf.pages[target].obj, Name.Fit]),
            )
        )
        if "/Annots" not in page.obj:
            page.obj.Annots = pdf.make_indirect(Array())
        page.obj.Annots.append(annot)
    pdf.Root.PageMode = Name.UseOutlines


def _add_children(parent: Any, start: int, items: Sequence[Any]) -> None:
    from pikepdf import OutlineItem

    for title, offset, children in items:
        child = OutlineItem(title or "(untitled)", start + offset)
        _add_children(child, start, children)
        parent.children.append(child)
