"""Turn each record file into the PDF pages that go into the packet.

PDF records keep their pages (only those ``pages:`` selects). Images become pages of the
packet's paper size: JPEG data is embedded as it is, without recompression, after its
metadata segments (EXIF, GPS, XMP, comments) are cut out and its EXIF orientation is
applied by the page's drawing, not by re-encoding; PNG keeps its transparency (drawn over
white); every frame of a multi-page TIFF becomes a page.
"""

from __future__ import annotations

import io
import struct
from typing import Any

IMAGE_MARGIN = 36.0


# --- images --------------------------------------------------------------------------

_KEEP_APP = {0xEE}  # APP14 (Adobe) says how the colours are encoded; every other APPn goes


def clean_jpeg(data: bytes) -> bytes:
    """The JPEG's image alone: no metadata segments (APP0-APP13, APP15: EXIF, GPS, XMP,
    thumbnails), no comments, and nothing after its end marker (a second image, a motion
    clip, a trailer). The compressed image data itself is copied unchanged."""
    if data[:2] != b"\xff\xd8":
        raise ValueError("not a JPEG")
    out = [b"\xff\xd8"]
    pos, n = 2, len(data)
    while pos + 2 <= n:
        if data[pos] != 0xFF:
            # Stray bytes between segments: decoders (libjpeg, Pillow) skip to the next
            # marker, and so does this; they are not copied.
            skip = data.find(b"\xff", pos)
            if skip < 0:
                break
            pos = skip
            continue
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker == 0xD9:  # end of image
            out.append(b"\xff\xd9")
            return b"".join(out)
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:  # markers without a length
            out.append(data[pos : pos + 2])
            pos += 2
            continue
        if pos + 4 > n:
            break
        (length,) = struct.unpack(">H", data[pos + 2 : pos + 4])
        end = pos + 2 + length
        is_meta = (0xE0 <= marker <= 0xEF and marker not in _KEEP_APP) or marker == 0xFE
        if not is_meta:
            out.append(data[pos:end])
        pos = end
        if marker == 0xDA:  # start of scan: copy entropy-coded data up to the next marker
            scan_end = pos
            while True:
                scan_end = data.find(b"\xff", scan_end)
                if scan_end < 0 or scan_end + 1 >= n:
                    raise ValueError("JPEG without an end marker")
                following = data[scan_end + 1]
                if following == 0x00 or 0xD0 <= following <= 0xD7:
                    scan_end += 2  # a stuffed byte or a restart marker: still image data
                    continue
                break
            out.append(data[pos:scan_end])
            pos = scan_end
    raise ValueError("JPEG without an end marker")


def jpeg_orientation(data: bytes) -> int:
    """The EXIF orientation (1-8) of JPEG data; 1 when absent."""
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as im:
            return int(im.getexif().get(0x0112, 1) or 1)
    except Exception:
        return 1


def image_pdf(data: bytes, kind: str, frames: list[int], paper: tuple[float, float]) -> bytes:
    """A PDF with one page per frame of the image file ``data``, each image fitted inside
    the page margins."""
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=paper, invariant=1, pageCompression=1)
    c.setCreator("sopacket")
    if kind == "jpeg":
        orientation = jpeg_orientation(data)
        reader = ImageReader(io.BytesIO(clean_jpeg(data)))
        _place(c, reader, paper, orientation)
        c.showPage()
    else:
        from PIL import Image, ImageOps

        with Image.open(io.BytesIO(data)) as im:
            for frame in frames:
                im.seek(frame)
                picture = ImageOps.exif_transpose(im.copy())
                picture = _flatten(picture)
                _place(c, ImageReader(picture), paper, 1)
                c.showPage()
    c.save()
    return buf.getvalue()


def _flatten(im: Any) -> Any:
    """Transparency drawn over white; unusual modes converted to ones PDF can hold."""
    from PIL import Image

    if im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info):
        rgba = im.convert("RGBA")
        white = Image.new("RGB", rgba.size, (255, 255, 255))
        white.paste(rgba, mask=rgba.getchannel("A"))
        return white
    if im.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        # 16-bit and wider greyscale (scanners, medical exports): scale to 8 bits rather
        # than clip every value above 255 to white. Pillow scales only 32-bit modes, so
        # 16-bit ones (big-endian I;16B from Mac and scientific software too) go there first.
        if im.mode != "F":
            im = im.convert("I")
        lo, hi = im.getextrema()
        span = (hi - lo) or 1
        return im.point(lambda v: (v - lo) * 255.0 / span).convert("L")
    if im.mode not in ("RGB", "L", "1", "CMYK"):
        return im.convert("RGB")
    return im


def _place(c: Any, reader: Any, paper: tuple[float, float], orientation: int) -> None:
    """Draw the image upright, as large as fits inside the margins, centred."""
    iw, ih = reader.getSize()
    turned = orientation in (5, 6, 7, 8)
    shown_w, shown_h = (ih, iw) if turned else (iw, ih)
    pw, ph = paper
    scale = min((pw - 2 * IMAGE_MARGIN) / shown_w, (ph - 2 * IMAGE_MARGIN) / shown_h)
    w, h = shown_w * scale, shown_h * scale
    x, y = (pw - w) / 2, (ph - h) / 2
    c.saveState()
    c.translate(x, y)
    # Map the stored pixels onto the upright box [0,w]x[0,h] (EXIF orientation 1-8).
    dw, dh = (h, w) if turned else (w, h)  # the stored image's size on the page
    transforms = {
        1: (1, 0, 0, 1, 0, 0),
        2: (-1, 0, 0, 1, w, 0),
        3: (-1, 0, 0, -1, w, h),
        4: (1, 0, 0, -1, 0, h),
        5: (0, -1, -1, 0, w, h),
        6: (0, -1, 1, 0, 0, h),
        7: (0, 1, 1, 0, 0, 0),
        8: (0, 1, -1, 0, w, 0),
    }
    c.transform(*transforms.get(orientation, transforms[1]))
    c.drawImage(reader, 0, 0, dw, dh)
    c.restoreState()
