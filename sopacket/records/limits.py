"""Limits on record files, and the refusals said when a record is over one: the same
when a record is inspected (check) and when it is read (build)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

MAX_RECORD_BYTES = 512 * 1024 * 1024
"""Largest record file read (512 MiB; upload portals accept far less)."""


STREAM_LIMIT = 256 * 1024 * 1024
"""Largest decompressed stream accepted (fonts, forms...), in bytes (256 MiB)."""


PIXEL_LIMIT = 150_000_000
"""Largest image accepted, in pixels (150 megapixels; a 600 dpi A4 scan is 35)."""


# Refusals said both when a record is inspected (check) and when it is read (build).
NOT_REGULAR = (
    "this is not a regular file (a device or pipe)",
    "Save the record as a PDF or image file and name that file.",
)


TOO_LARGE = (
    f"the file is larger than {MAX_RECORD_BYTES // 2**20} MiB",
    "Export a smaller copy (for example, scan at 200-300 dpi).",
)


def outside(base_dir: Path) -> tuple[str, str]:
    """The refusal of a record outside the folder --base-dir allows."""
    return (
        f"the file is outside the folder allowed by --base-dir ({base_dir.resolve()})",
        "Copy the record into that folder, or name a file inside it.",
    )


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


def too_many_pixels(exc: BaseException) -> Any:
    return Refused(
        f"the image is too large to place (over {PIXEL_LIMIT // 1_000_000} megapixels)",
        "Export or scan it again at a lower resolution (300 dpi is plenty for reading).",
    )


class Refused(Exception):
    """The record cannot be used; the message says why in plain words."""

    def __init__(self, problem: str, fix: str) -> None:
        super().__init__(problem)
        self.problem = problem
        self.fix = fix
