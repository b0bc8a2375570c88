"""Limits on record files, and the refusals said when a record is over one or cannot be
read: the same when a record is inspected (check) and when it is read (build)."""

from __future__ import annotations

from pathlib import Path

from ..errors import Refusal
from ..files import Unfit, Why

MAX_RECORD_BYTES = 512 * 1024 * 1024
"""Largest record file read (512 MiB; upload portals accept far less)."""


STREAM_LIMIT = 256 * 1024 * 1024
"""Largest decompressed stream accepted (fonts, forms...), in bytes (256 MiB)."""


PIXEL_LIMIT = 150_000_000
"""Largest image accepted, in pixels (150 megapixels; a 600 dpi A4 scan is 35)."""


def not_regular() -> Refusal:
    return Refusal(
        "this is not a regular file (a device or pipe)",
        "Save the record as a PDF or image file and name that file.",
    )


def too_large() -> Refusal:
    return Refusal(
        f"the file is larger than {MAX_RECORD_BYTES // 2**20} MiB",
        "Export a smaller copy (for example, scan at 200-300 dpi).",
    )


def outside(base_dir: Path) -> Refusal:
    """The refusal of a record outside the folder --base-dir allows."""
    return Refusal(
        f"the file is outside the folder allowed by --base-dir ({base_dir.resolve()})",
        "Copy the record into that folder, or name a file inside it.",
    )


def unfit(exc: Unfit, base_dir: Path | None = None) -> Refusal:
    """The refusal of a record file that :func:`sopacket.files.read_guarded` would not read."""
    if exc.why is Why.MISSING:
        return Refusal(
            "the file does not exist",
            "Check the path in `file:` (it is relative to the packet file's folder; for a "
            "packet read from standard input, to the current folder).",
        )
    if exc.why is Why.UNREACHABLE:
        return Refusal(
            f"the file cannot be reached ({exc.reason})",
            "Check the path and the folder's permissions.",
        )
    if exc.why is Why.FOLDER:
        return Refusal("this is a folder, not a file", "Name one file per record in `file:`.")
    if exc.why is Why.UNREADABLE:
        return Refusal(
            f"the file cannot be read ({exc.reason})",
            "Check that you may read it (its permissions).",
        )
    if exc.why is Why.OUTSIDE and base_dir is not None:
        return outside(base_dir)
    return too_large() if exc.why is Why.TOO_LARGE else not_regular()


def limit_pillow() -> None:
    """Make Pillow refuse images over :data:`PIXEL_LIMIT` (a warning becomes an error)."""
    import warnings

    from PIL import Image

    Image.MAX_IMAGE_PIXELS = PIXEL_LIMIT
    warnings.simplefilter("error", Image.DecompressionBombWarning)


def too_many_pixels(exc: BaseException) -> Refusal:
    return Refusal(
        f"the image is too large to place (over {PIXEL_LIMIT // 1_000_000} megapixels)",
        "Export or scan it again at a lower resolution (300 dpi is plenty for reading).",
    )
