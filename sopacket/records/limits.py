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


def limit_pypdf() -> None:
    """pypdf's limits, set explicitly (not left to its defaults), and no external decoder
    program (jbig2dec) ever started. sopacket reads only the page tree with pypdf."""
    from pypdf import overwrite_configuration

    overwrite_configuration(
        jbig2dec_binary=None,
        maximum_declared_stream_length=STREAM_LIMIT,
        zlib_maximum_output_length=STREAM_LIMIT,
        lzw_maximum_output_length=STREAM_LIMIT,
        run_length_maximum_output_length=STREAM_LIMIT,
        array_based_stream_maximum_output_length=STREAM_LIMIT,
        jbig2_maximum_output_length=STREAM_LIMIT,
        brotli_maximum_output_length=STREAM_LIMIT,
        image_maximum_buffer_size=STREAM_LIMIT,
        zlib_maximum_recovery_input_length=5_000_000,
        stream_decoding_work_maximum_length=STREAM_LIMIT,
        page_tree_maximum_entries=100_000,
        page_tree_maximum_depth=100,
        outline_maximum_entries=10_000,
        outline_maximum_depth=100,
        array_maximum_element_count=100_000,
        dictionary_maximum_element_count=100_000,
        disable_legacy_handling=True,
    )


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
