"""The identification band on every page: patient, date of birth, section, page N of M.

Every page keeps its size (the packet's own pages and image records are exactly the
paper size; a PDF record's pages keep theirs), and the band is drawn inside it, along the
bottom as the reader sees it (rotated pages included). The band never covers content:
sopacket's own pages and image records leave a bottom margin wider than the band, and a
PDF record's page content is shrunk by the few percent the band needs and centred above
it (the records index says so).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

BAND_HEIGHT = 24.0


@dataclass(frozen=True)
class Band:
    """What one page's band says."""

    name: str
    """The patient's name (shortened to fit, never dropped entirely)."""
    born: str
    """"born YYYY-MM-DD": always shown in full."""
    middle: str
    """The section or record title."""
    width: float
    """The page's width as a reader sees it (points)."""
    rotation: int = 0
    """The page's /Rotate (0, 90, 180 or 270): the band is drawn turned to match."""


def band_pdf(bands: list[Band], fonts: Any) -> bytes:
    """One page per band, each ``BAND_HEIGHT`` tall and as wide as its packet page."""
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfgen import canvas

    from .fonts import REGULAR

    total = len(bands)
    buf = io.BytesIO()
    c = canvas.Canvas(buf, invariant=1, pageCompression=1)
    ink = colors.HexColor("#33414e")
    styles = {
        align: ParagraphStyle(
            f"band{align}",
            fontName=REGULAR,
            fontSize=7.5,
            leading=9,
            textColor=ink,
            alignment=align,
        )
        for align in (TA_LEFT, TA_CENTER, TA_RIGHT)
    }
    forms: dict[tuple[str, str, str, float], str] = {}
    for n, band in enumerate(bands, start=1):
        w = band.width
        key = (band.name, band.born, band.middle, w)
        if key not in forms:
            # Everything but the page number is the same on every page of a record: draw
            # it once as a form, and reuse it (fast, and small in the file).
            forms[key] = f"SopBandForm{len(forms)}"
            c.beginForm(forms[key], 0, 0, w, BAND_HEIGHT)
            _draw_band(c, band, fonts, styles)
            c.endForm()
        _orient(c, band.rotation, w)
        c.doForm(forms[key])
        pad = min(18.0, w * 0.03)
        c.setFont(REGULAR, 7.5)
        c.setFillColor(ink)
        c.drawRightString(w - pad, (BAND_HEIGHT - 9) / 2 + 2.1, f"Page {n} of {total}")
        c.showPage()
    c.save()
    return buf.getvalue()


def _draw_band(c: Any, band: Band, fonts: Any, styles: dict[int, Any]) -> None:
    """The band's background, patient and section (not the page number)."""
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER, TA_LEFT
    from reportlab.platypus import Paragraph

    from .fonts import BOLD

    w = band.width
    c.setFillColor(colors.HexColor("#f1f4f7"))
    c.rect(0, 0, w, BAND_HEIGHT, stroke=0, fill=1)
    c.setStrokeColor(colors.HexColor("#9fb0c0"))
    c.setLineWidth(0.6)
    c.line(0, BAND_HEIGHT - 0.3, w, BAND_HEIGHT - 0.3)
    pad = min(18.0, w * 0.03)
    third = (w - 2 * pad) / 3
    left_w, middle_w = third * 1.25, third * 1.15
    born = f" · {band.born}"
    left = _fit(
        band.name,
        left_w,
        styles[TA_LEFT],
        fonts,
        lambda m: f'<font face="{BOLD}">{m}</font>{_escape(born)}',
    )
    middle = _fit(band.middle, middle_w, styles[TA_CENTER], fonts, lambda m: m)
    for markup, align, x, width in (
        (left, TA_LEFT, pad, left_w),
        (middle, TA_CENTER, pad + left_w, middle_w),
    ):
        para = Paragraph(markup, styles[align])
        para.wrap(width, BAND_HEIGHT)
        para.drawOn(c, x, (BAND_HEIGHT - 9) / 2)


def _fit(text: str, width: float, style: Any, fonts: Any, wrap: Any) -> str:
    """``wrap(markup of text)``, with ``text`` shortened (and "…" added) to fit one line."""
    from reportlab.platypus import Paragraph

    def fits(candidate: str) -> bool:
        return Paragraph(wrap(fonts.markup(candidate)), style).wrap(width, BAND_HEIGHT)[1] <= 9.5

    if fits(text):
        return wrap(fonts.markup(text))
    lo, hi = 0, len(text)
    while lo < hi:  # the longest prefix that fits with its ellipsis
        mid = (lo + hi + 1) // 2
        if fits(text[:mid].rstrip() + "…"):
            lo = mid
        else:
            hi = mid - 1
    return wrap(fonts.markup(text[:lo].rstrip() + "…"))


def _escape(text: str) -> str:
    from xml.sax.saxutils import escape

    return escape(text)


def _orient(c: Any, rotation: int, w: float) -> None:
    """Size the band page for the page's rotation and turn the drawing to read upright.

    After this, drawing happens in the band's own upright coordinates ([0,w] x [0,24]).
    """
    h = BAND_HEIGHT
    if rotation in (90, 270):
        c.setPageSize((h, w))
    else:
        c.setPageSize((w, h))
    transforms = {
        90: (0, 1, -1, 0, h, 0),
        180: (-1, 0, 0, -1, w, h),
        270: (0, -1, 1, 0, 0, w),
    }
    if rotation in transforms:
        c.transform(*transforms[rotation])


def _box(page: Any) -> tuple[float, float, float, float]:
    """The page's visible box (CropBox, else MediaBox, inherited ones included), normalised;
    ValueError when neither is four numbers with an area."""
    for name in ("/CropBox", "/MediaBox"):
        try:
            raw = page.obj.get(name) if name in page.obj else page.obj.get_inherited(name)
        except Exception:
            raw = None
        if raw is None and name == "/MediaBox":
            try:
                raw = page.mediabox
            except Exception:
                raw = None
        try:
            values = [float(v) for v in raw] if raw is not None else []
        except (TypeError, ValueError):
            continue
        if len(values) == 4:
            x0, x1 = sorted(values[0::2])
            y0, y1 = sorted(values[1::2])
            if x1 - x0 >= 1 and y1 - y0 >= 1:
                return x0, y0, x1, y1
    raise ValueError("page box")


def _rotation(page: Any) -> int:
    """The page's /Rotate as a reader applies it: a multiple of 90, else none."""
    try:
        raw = (
            page.obj.get("/Rotate") if "/Rotate" in page.obj else page.obj.get_inherited("/Rotate")
        )
        value = float(raw) if raw is not None else 0.0
    except Exception:
        return 0
    if not value.is_integer() or int(value) % 90:
        return 0
    return int(value) % 360


def visible_size(page: Any) -> tuple[float, int]:
    """The width of ``page`` as a reader sees it, and its rotation (0/90/180/270)."""
    x0, y0, x1, y1 = _box(page)
    rotation = _rotation(page)
    return ((y1 - y0) if rotation in (90, 270) else (x1 - x0)), rotation


def band_scale(page: Any, rotation: int) -> float:
    """How much a page's content is shrunk so the band fits below it, inside its size."""
    x0, y0, x1, y1 = _box(page)
    tall = (x1 - x0) if rotation in (90, 270) else (y1 - y0)
    return max(tall - BAND_HEIGHT, 1.0) / tall


def stamp(pdf: Any, page: Any, band_page: Any, rotation: int, room: bool = False) -> float:
    """Draw the band inside the page, along the edge a reader sees at the bottom; the page
    keeps its size. ``room``: the page (one of sopacket's own, or an image record) leaves
    a bottom margin wider than the band, so its content stays as it is; otherwise the
    content is shrunk by the few percent the band needs and centred above it, never
    covered. Returns the scale applied to the content (1.0 when none).

    The page's own content is drawn as a form XObject, then the band: content that is
    broken (an unterminated string, unbalanced graphics state) cannot swallow or shift it.
    """
    from pikepdf import Array, Dictionary

    x0, y0, x1, y1 = _box(page)
    h = BAND_HEIGHT
    if rotation == 90:  # the reader's bottom is the page's right edge
        strip, rest = (x1 - h, y0), (x0, y0, x1 - h, y1)
    elif rotation == 180:
        strip, rest = (x0, y1 - h), (x0, y0, x1, y1 - h)
    elif rotation == 270:
        strip, rest = (x0, y0), (x0 + h, y0, x1, y1)
    else:
        strip, rest = (x0, y0), (x0, y0 + h, x1, y1)
    scale, tx, ty = 1.0, 0.0, 0.0
    if not room:
        # The content's box, scaled about its corner and centred in what the band leaves.
        scale = band_scale(page, rotation)
        tx = rest[0] + ((rest[2] - rest[0]) - scale * (x1 - x0)) / 2 - scale * x0
        ty = rest[1] + ((rest[3] - rest[1]) - scale * (y1 - y0)) / 2 - scale * y0
    content = page.as_form_xobject()
    # qpdf fills such a form from the page's /Contents when the file is written; the page
    # gets new contents below, so take the old ones now.
    content.write(content.read_bytes())
    content.BBox = Array([x0, y0, x1, y1])  # what was visible, clipped as before
    band = pdf.copy_foreign(band_page.as_form_xobject())
    page.obj.Resources = Dictionary(
        XObject=Dictionary(SopPage=pdf.make_indirect(content), SopBand=band)
    )
    draw = (
        f"q {scale:.6f} 0 0 {scale:.6f} {tx:.4f} {ty:.4f} cm /SopPage Do Q\n"
        f"q 1 0 0 1 {strip[0]:.4f} {strip[1]:.4f} cm /SopBand Do Q\n"
    ).encode()
    page.obj.Contents = pdf.make_stream(draw)
    page.obj.MediaBox = Array([x0, y0, x1, y1])
    page.obj.CropBox = Array([x0, y0, x1, y1])
    page.obj.Rotate = rotation  # an integer that every reader applies as sopacket did
    for name in ("/TrimBox", "/BleedBox", "/ArtBox"):
        if name in page.obj:
            del page.obj[name]
    return scale
