"""The identification band on every page: patient, date of birth, section, page N of M.

The band never covers a record's own content: each page is made taller by a strip below
its visible area, and the band is drawn in that strip. Rotated pages are first turned
upright in their content, so the strip is always at the bottom as the reader sees it.
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
    """The page's visible width (points)."""


def band_pdf(bands: list[Band], fonts: Any) -> bytes:
    """One page per band, each ``BAND_HEIGHT`` tall and as wide as its packet page."""
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfgen import canvas
    from reportlab.platypus import Paragraph

    from .fonts import BOLD, REGULAR

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
    fitted: dict[tuple[str, str, str, float], tuple[str, str]] = {}
    for n, band in enumerate(bands, start=1):
        w = band.width
        c.setPageSize((w, BAND_HEIGHT))
        c.setFillColor(colors.HexColor("#f1f4f7"))
        c.rect(0, 0, w, BAND_HEIGHT, stroke=0, fill=1)
        c.setStrokeColor(colors.HexColor("#9fb0c0"))
        c.setLineWidth(0.6)
        c.line(0, BAND_HEIGHT - 0.3, w, BAND_HEIGHT - 0.3)
        pad = min(18.0, w * 0.03)
        third = (w - 2 * pad) / 3
        born = f" · {band.born}"
        left_w, middle_w = third * 1.25, third * 1.15
        right_w = w - 2 * pad - left_w - middle_w
        key = (band.name, band.born, band.middle, w)
        if key not in fitted:  # pages of one record share their band text
            fitted[key] = (
                _fit(
                    band.name,
                    left_w,
                    styles[TA_LEFT],
                    fonts,
                    lambda m, born=born: f'<font face="{BOLD}">{m}</font>{_escape(born)}',
                ),
                _fit(band.middle, middle_w, styles[TA_CENTER], fonts, lambda m: m),
            )
        left, middle = fitted[key]
        cells = [
            (left, TA_LEFT, pad, left_w),
            (middle, TA_CENTER, pad + left_w, middle_w),
            (f"Page {n} of {total}", TA_RIGHT, pad + left_w + middle_w, right_w),
        ]
        for markup, align, x, width in cells:
            para = Paragraph(markup, styles[align])
            para.wrap(width, BAND_HEIGHT)
            para.drawOn(c, x, (BAND_HEIGHT - 9) / 2)
        c.showPage()
    c.save()
    return buf.getvalue()


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


def visible_width(page: Any) -> float:
    box = page.cropbox
    return float(box.width)


def extend_and_stamp(writer: Any, page: Any, band_page: Any) -> None:
    """Add the strip below ``page``'s visible area and draw ``band_page`` in it."""
    from pypdf import Transformation
    from pypdf.generic import DecodedStreamObject, NameObject, RectangleObject

    box = page.cropbox
    x0, y0, x1, y1 = (float(v) for v in (box.left, box.bottom, box.right, box.top))
    new_box = RectangleObject((x0, y0 - BAND_HEIGHT, x1, y1))
    page.mediabox = new_box
    page.cropbox = new_box
    for name in ("/TrimBox", "/BleedBox", "/ArtBox"):
        if name in page:
            del page[name]
    page.merge_transformed_page(
        band_page, Transformation().translate(x0, y0 - BAND_HEIGHT), over=True, expand=False
    )
    # pypdf (7.1) loses a merged content stream when the document is then encrypted; a
    # plain stream object holding the merged content survives, and is compressed too.
    merged = DecodedStreamObject()
    merged.set_data(page.get_contents().get_data())
    page[NameObject("/Contents")] = writer._add_object(merged.flate_encode())
