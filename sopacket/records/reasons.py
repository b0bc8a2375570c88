"""Plain sentences for why a record file could not be read.

The libraries that read records (qpdf through pikepdf, Pillow) fail with their own words:
``'NumberObject' object has no attribute 'items'``, ``list index out of range``, a bare
``ValueError``, sometimes the full path of a temporary folder. None of that helps a
patient. Every reading failure becomes a :class:`~sopacket.errors.Refusal` whose problem
and fix are sentences a person can act on; the library's own words are kept apart, in
``detail`` (shown only with ``-v``), with any path cut out.
"""

from __future__ import annotations

import re

from ..errors import Refusal

PDF_FIX = (
    "Try opening it and saving (or printing) it as a new PDF, or ask its source for a new copy."
)
IMAGE_FIX = "Open it and save it again as PNG or JPEG, or take the photo or scan again."

# TIFF compressions Pillow reads: none, CCITT (RLE, G3, G4), LZW, JPEG (old and new),
# Deflate (Adobe and old), PackBits.
TIFF_READABLE = {1, 2, 3, 4, 5, 6, 7, 8, 32773, 32946}
# TIFF compression codes Pillow (libtiff) may not decode, by name, for the message.
_TIFF_COMPRESSIONS = {
    34927: "WebP",
    50001: "WebP",
    34925: "LZMA",
    34926: "Zstandard",
    50000: "Zstandard",
    34712: "JPEG 2000",
    34933: "PNG",
    34934: "JPEG XR",
    52546: "JPEG XL",
    34892: "lossy JPEG (DNG)",
}


def with_detail(refusal: Refusal, exc: BaseException | str) -> Refusal:
    """``refusal`` carrying the library's own words (paths removed) as its detail."""
    refusal.detail = technical(exc)
    return refusal


def technical(exc: BaseException | str) -> str:
    """The exception's class and first line, without any file path, at most 200 chars."""
    if isinstance(exc, str):
        text, name = exc, ""
    else:
        text, name = str(exc), type(exc).__name__
    line = text.strip().splitlines()[0] if text.strip() else ""
    line = _PATH.sub("<file>", line)
    return (f"{name}: {line}" if name and line else name or line)[:200]


_PATH = re.compile(r"(?:[A-Za-z]:)?(?:[\\/][^\s:'\"()\\/]+){2,}[\\/]?")


def damaged_pdf(exc: BaseException | str) -> Refusal:
    """A PDF that neither qpdf nor its repair could read."""
    return with_detail(Refusal("this PDF is damaged in a way sopacket cannot repair", PDF_FIX), exc)


def damaged_image(exc: BaseException | str, kind: str, compression: int | None = None) -> Refusal:
    """An image that could not be decoded. A TIFF compressed in a way sopacket cannot
    decode is named as such, not called damaged."""
    if kind == "tiff" and compression is not None and compression not in TIFF_READABLE:
        method = _TIFF_COMPRESSIONS.get(compression)
        what = f"{method} compression" if method else f"a compression method (number {compression})"
        return with_detail(
            Refusal(
                f"this TIFF uses {what}, which sopacket cannot read",
                "Save it as PNG or JPEG (or as a TIFF without that compression), then build again.",
            ),
            exc,
        )
    words = {"jpeg": "JPEG photo", "png": "PNG image", "tiff": "TIFF image"}
    problem = f"this {words.get(kind, 'image')} is damaged and cannot be read"
    return with_detail(Refusal(problem, IMAGE_FIX), exc)


def tiff_compression(data_or_image: object) -> int | None:
    """The TIFF compression code of an opened Pillow image, if it has one."""
    tags = getattr(data_or_image, "tag_v2", None)
    try:
        value = tags.get(259) if tags is not None else None
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None
