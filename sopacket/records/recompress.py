"""Recompress a record's oversized images to fit a size limit: photos to JPEG at reading
resolution, black-and-white scans to lossless CCITT Group 4."""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from typing import Any

READING_DPI = 200
"""Images are downsampled to this resolution, enough to read small print on screen and
on paper."""


JPEG_QUALITY = 75
"""JPEG quality for recompressed colour and greyscale images: small print stays legible."""


_WORTH = 1.15
"""Only images over READING_DPI x this are downsampled: a few percent is not worth a loss."""


@dataclass
class Recompressed:
    """What recompression did to one record (never silent: the summary shows it)."""

    before: int
    """Bytes of the record before."""
    after: int
    downsampled: int = 0
    """Colour and greyscale images downsampled to ``dpi`` and stored as JPEG."""
    bilevel: int = 0
    """Black-and-white images stored losslessly with CCITT Group 4."""
    dpi: int = READING_DPI
    quality: int = JPEG_QUALITY
    largest_dpi: int = 0
    """The highest resolution found among the images downsampled."""

    def to_json(self) -> dict[str, Any]:
        lossy = self.downsampled > 0
        return {
            "bytes_before": self.before,
            "bytes_after": self.after,
            "images_downsampled": self.downsampled,
            "images_bilevel_lossless": self.bilevel,
            "dpi": self.dpi if lossy else None,
            "largest_dpi_before": self.largest_dpi if lossy else None,
            "jpeg_quality": self.quality if lossy else None,
        }


@dataclass
class Shrunk:
    """A record with its oversized images recompressed, and what was done."""

    pdf: bytes
    done: Recompressed


def shrink(pdf: bytes, dpi: int = READING_DPI, quality: int = JPEG_QUALITY) -> Shrunk:
    """Recompress the images of one cleaned record (a PDF, as bytes) that are larger than
    they need to be for reading. An image that cannot be decoded, or whose new form is
    not smaller, is left as it was."""
    import pikepdf

    done = Recompressed(len(pdf), len(pdf), dpi=dpi, quality=quality)
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        for image, width_pt, height_pt in _image_uses(doc):
            found = _image_dpi(image, width_pt, height_pt)
            bits = image.get("/BitsPerComponent")
            if bits == 1 and not image.get("/ImageMask", False):
                if _to_group4(image):
                    done.bilevel += 1
            elif found > dpi * _WORTH and _downsample(image, dpi / found, quality):
                done.downsampled += 1
                done.largest_dpi = max(done.largest_dpi, round(found))
        if not (done.downsampled or done.bilevel):
            return Shrunk(pdf, done)
        buf = io.BytesIO()
        doc.remove_unreferenced_resources()
        doc.save(
            buf,
            object_stream_mode=pikepdf.ObjectStreamMode.generate,
            fix_metadata_version=False,
            deterministic_id=True,
        )
    done.after = buf.tell()
    return Shrunk(buf.getvalue(), done)


def survey(doc: Any, dpi: int = READING_DPI) -> int:
    """How many images of the open PDF ``doc`` :func:`shrink` would try to make smaller
    (run where the record is read anyway, so that records with none are not read again)."""
    import pikepdf

    count = 0
    for image, width_pt, height_pt in _image_uses(doc):
        filters = image.get("/Filter")
        names = [filters] if isinstance(filters, pikepdf.Name) else list(filters or [])
        if image.get("/BitsPerComponent") == 1 and not image.get("/ImageMask", False):
            compact = ("/CCITTFaxDecode", "/JBIG2Decode", "/DCTDecode")
            count += not any(str(f) in compact for f in names)
        elif _image_dpi(image, width_pt, height_pt) > dpi * _WORTH and _colour_mode(image):
            count += 1
    return count


def _image_uses(doc: Any) -> list[tuple[Any, float, float]]:
    """Each image XObject drawn on the pages, with the largest size (points) it is drawn
    at: the drawing instructions are followed through nested forms."""
    import pikepdf

    sizes: dict[tuple[int, int], tuple[Any, float, float]] = {}

    def walk(stream: Any, resources: Any, ctm: tuple[float, ...], depth: int) -> None:
        if depth > 8:
            return
        try:
            ops = pikepdf.parse_content_stream(stream, "q Q cm Do")
        except (pikepdf.PdfError, ValueError, TypeError):
            return
        stack: list[tuple[float, ...]] = []
        xobjects = resources.get("/XObject") if isinstance(resources, pikepdf.Dictionary) else None
        for instruction in ops:
            operands, name = instruction.operands, str(instruction.operator)
            if name == "q":
                stack.append(ctm)
            elif name == "Q":
                ctm = stack.pop() if stack else ctm
            elif name == "cm" and len(operands) == 6:
                try:
                    ctm = _multiply(tuple(float(v) for v in operands), ctm)
                except (TypeError, ValueError):
                    return
            elif name == "Do" and operands and isinstance(xobjects, pikepdf.Dictionary):
                target = xobjects.get(str(operands[0]))
                if not isinstance(target, pikepdf.Stream):
                    continue
                subtype = target.get("/Subtype")
                if subtype == pikepdf.Name.Image and target.is_indirect:
                    w, h = math.hypot(ctm[0], ctm[1]), math.hypot(ctm[2], ctm[3])
                    seen = sizes.get(target.objgen)
                    if seen is not None:
                        w, h = max(w, seen[1]), max(h, seen[2])
                    sizes[target.objgen] = (target, w, h)
                elif subtype == pikepdf.Name.Form:
                    matrix = target.get("/Matrix")
                    try:
                        m = tuple(float(v) for v in matrix) if matrix is not None else None
                    except (TypeError, ValueError):
                        m = None
                    inner = _multiply(m, ctm) if m and len(m) == 6 else ctm
                    walk(target, target.get("/Resources", resources), inner, depth + 1)

    for page in doc.pages:
        walk(page, page.obj.get("/Resources"), (1.0, 0.0, 0.0, 1.0, 0.0, 0.0), 0)
    return list(sizes.values())


def _multiply(m: Any, ctm: tuple[float, ...]) -> tuple[float, ...]:
    a, b, c, d, e, f = m
    A, B, C, D, E, F = ctm
    return (
        a * A + b * C,
        a * B + b * D,
        c * A + d * C,
        c * B + d * D,
        e * A + f * C + E,
        e * B + f * D + F,
    )


def _image_dpi(image: Any, width_pt: float, height_pt: float) -> float:
    """The resolution an image is shown at: the lower of its two directions."""
    try:
        w, h = int(image.get("/Width")), int(image.get("/Height"))
    except (TypeError, ValueError):
        return 0.0
    if width_pt <= 0.01 or height_pt <= 0.01:
        return 0.0
    return min(w / (width_pt / 72), h / (height_pt / 72))


_PLAIN_SPACES = {"/DeviceGray": "L", "/DeviceRGB": "RGB"}


def _colour_mode(image: Any) -> str | None:
    """ "L" or "RGB" for an image whose colour space a JPEG can carry as it is."""
    import pikepdf

    space = image.get("/ColorSpace")
    if isinstance(space, pikepdf.Name):
        return _PLAIN_SPACES.get(str(space))
    if isinstance(space, pikepdf.Array) and len(space) == 2 and space[0] == "/ICCBased":
        profile = space[1]
        n = profile.get("/N") if isinstance(profile, pikepdf.Stream) else None
        return {1: "L", 3: "RGB"}.get(int(n)) if n is not None else None
    return None


def _downsample(image: Any, scale: float, quality: int) -> bool:
    """Replace ``image`` with a JPEG ``scale`` times its size; False if left as it was."""
    import pikepdf
    from PIL import Image

    mode = _colour_mode(image)
    if (
        mode is None
        or image.get("/BitsPerComponent") != 8
        or any(k in image for k in ("/SMask", "/Mask", "/Decode", "/SMaskInData"))
    ):
        return False
    width, height = int(image.Width), int(image.Height)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    old = len(image.read_raw_bytes())
    try:
        filters = image.get("/Filter")
        if filters == pikepdf.Name.DCTDecode:
            picture: Any = Image.open(io.BytesIO(image.read_raw_bytes()))
            picture.draft(mode, size)  # decode at 1/2, 1/4 or 1/8 scale where it can
        else:
            picture = pikepdf.PdfImage(image).as_pil_image()
        if picture.mode != mode:
            return False  # e.g. CMYK data under an RGB label: not ours to reinterpret
        picture = picture.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)
        buf = io.BytesIO()
        picture.save(buf, "JPEG", quality=quality, optimize=True)
    except Exception:  # undecodable image data: leave it as it is
        return False
    data = buf.getvalue()
    if len(data) >= old * 0.9:
        return False
    image.write(data, filter=pikepdf.Name.DCTDecode)
    image.Width, image.Height = size
    image.BitsPerComponent = 8
    return True


def _to_group4(image: Any) -> bool:
    """Store a 1-bit image with CCITT Group 4, pixel for pixel (checked by decoding it
    back); False if left as it was (already compact, or not decodable)."""
    import pikepdf
    from PIL import Image, ImageChops

    filters = image.get("/Filter")
    names = [filters] if isinstance(filters, pikepdf.Name) else list(filters or [])
    if any(str(f) in ("/CCITTFaxDecode", "/JBIG2Decode", "/DCTDecode") for f in names):
        return False
    if "/Decode" in image or image.get("/ColorSpace") not in (pikepdf.Name.DeviceGray, None):
        return False
    try:
        original = pikepdf.PdfImage(image).as_pil_image().convert("1")
        buf = io.BytesIO()
        original.save(buf, "TIFF", compression="group4", tiffinfo={278: original.height})
        tiff: Any
        with Image.open(io.BytesIO(buf.getvalue())) as tiff:
            offsets, counts = tiff.tag_v2[273], tiff.tag_v2[279]
            if len(offsets) != 1:
                return False
            data = buf.getvalue()[offsets[0] : offsets[0] + counts[0]]
    except Exception:
        return False
    old_raw = image.read_raw_bytes()
    if len(data) >= len(old_raw) * 0.9:
        return False
    saved = {k: image.get(k) for k in ("/Filter", "/DecodeParms")}
    for black_is_1 in (False, True):  # whichever decodes back to the same pixels
        parms = pikepdf.Dictionary(
            K=-1, Columns=original.width, Rows=original.height, BlackIs1=black_is_1
        )
        image.write(data, filter=pikepdf.Name.CCITTFaxDecode, decode_parms=parms)
        try:
            back = pikepdf.PdfImage(image).as_pil_image().convert("1")
            if ImageChops.difference(back, original).getbbox() is None:
                return True
        except Exception:
            pass
    image.write(old_raw, filter=saved["/Filter"], decode_parms=saved["/DecodeParms"])
    return False
