"""Look at record files: what they are (by content, not by name), how many pages, and
whether they can be used.

pikepdf (qpdf) is imported only when a PDF is inspected and Pillow only when an image is,
so a packet without records costs neither.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import MayBeRefused, Refusal
from ..files import Unfit, format_advice, read_guarded
from ..packetfile.pages import page_ranges
from .isolate import ChildFailed, GroupedPool, Limits
from .limits import MAX_RECORD_BYTES, limit_pillow, too_many_pixels, unfit
from .reasons import TIFF_READABLE, damaged_image, damaged_pdf, tiff_compression


@dataclass(frozen=True)
class RecordInfo(MayBeRefused):
    """What a record file turned out to be."""

    path: Path
    type: str | None
    """pdf, jpeg, png or tiff; None when unknown or unreadable."""
    pages: int | None
    """Pages in the file (frames for a TIFF); None when it could not be read."""
    encrypted: bool = False
    refusal: Refusal | None = None
    """Why it cannot be used; None when it can."""


def inspect(path: Path, pages: str | None = None, password: str | None = None) -> RecordInfo:
    """Inspect one record file, and check ``pages`` (e.g. "1-3,5") against it.

    Runs in a child process (see :class:`Inspection`); ``password`` opens an encrypted PDF.
    """
    try:
        kind = _kind(path)
    except Refusal as exc:
        return RecordInfo(path, None, None, refusal=exc)
    info = _inspect_pdf(path, password) if kind == "pdf" else _inspect_image(path, kind)
    if info.ok and pages and info.pages is not None:
        return _check_selection(info, pages)
    return info


def _kind(path: Path) -> str:
    """The record's type by its first bytes, or the Refusal of a file that cannot be one."""
    try:
        head = read_guarded(path, MAX_RECORD_BYTES, head_only=True)
    except Unfit as exc:
        raise unfit(exc) from None
    if head.size == 0:
        raise Refusal("the file is empty", "Download or scan the record again.")
    if head.kind is None:
        raise Refusal(*format_advice(head.data))
    return head.kind


def _check_selection(info: RecordInfo, pages: str) -> RecordInfo:
    """``info``, or its refusal when ``pages`` go beyond the file's end."""
    assert info.pages is not None
    highest = max(hi for _, hi in page_ranges(pages))
    if highest <= info.pages:
        return info
    refusal = Refusal(
        f'pages "{pages}" go beyond the end: the file has {info.pages} '
        f"page{'s' if info.pages != 1 else ''}",
        f"Use page numbers from 1 to {info.pages}.",
    )
    return RecordInfo(info.path, info.type, info.pages, info.encrypted, refusal)


def _inspect_pdf(path: Path, password: str | None = None) -> RecordInfo:
    """Count the pages with qpdf (through pikepdf), the reader that also cleans the record:
    a file it reads is never refused here because a stricter reader could not."""
    import pikepdf

    try:
        with pikepdf.open(
            path, password=password or "", access_mode=pikepdf.AccessMode.stream
        ) as pdf:
            encrypted = pdf.is_encrypted
            count = len(pdf.pages)
    except pikepdf.PasswordError:
        if password:
            wrong = Refusal(
                "the password given for this protected PDF is wrong",
                "Check the password (`sopacket password set record:NAME` replaces a stored one).",
            )
            return RecordInfo(path, "pdf", None, True, wrong)
        locked = Refusal(
            "the PDF is protected with a password",
            "Add `password: prompt` or `password: keyring` to this record (see the "
            "README), or save an unprotected copy (Print > Save as PDF).",
        )
        return RecordInfo(path, "pdf", None, True, locked)
    except MemoryError:
        raise
    except Exception as exc:  # qpdf's errors, and anything else: the file cannot be read
        return RecordInfo(path, "pdf", None, refusal=damaged_pdf(exc))
    if count == 0:
        empty = Refusal(
            "the PDF has no pages", "Download the record again, or ask its source for a new copy."
        )
        return RecordInfo(path, "pdf", 0, encrypted, empty)
    return RecordInfo(path, "pdf", count, encrypted)


def _inspect_image(path: Path, kind: str) -> RecordInfo:
    from PIL import Image

    limit_pillow()
    compression = None
    try:
        if kind == "jpeg":  # the structure, end marker included, without decoding pixels
            from .images import clean_jpeg

            clean_jpeg(path.read_bytes())
        with Image.open(path) as im:
            frames = getattr(im, "n_frames", 1) if kind == "tiff" else 1
            compression = tiff_compression(im) if kind == "tiff" else None
            if compression is not None and compression not in TIFF_READABLE:
                im.load()  # an unusual compression: decoding is the only way to know
        with Image.open(path) as im:
            im.verify()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        return RecordInfo(path, kind, None, refusal=too_many_pixels(exc))
    except Exception as exc:  # Pillow raises many kinds; any of them means "unreadable"
        return RecordInfo(path, kind, None, refusal=damaged_image(exc, kind, compression))
    return RecordInfo(path, kind, frames)


Item = tuple[Path, "str | None"]
"""A record to inspect: its file and its page selection."""


class Inspection:
    """Record files being inspected in a child process (a :class:`GroupedPool` of one
    group: every record in one child), in parallel with whatever the caller does next. If
    that child fails (a file that exhausts memory or time, or crashes the parser), each
    record is read again in a child of its own, so the message names the culprit. The
    time limit is per record."""

    def __init__(
        self,
        items: list[Item],
        limits: Limits | None = None,
        secrets: list[str | None] | None = None,
        known: dict[int, RecordInfo] | None = None,
    ) -> None:
        """``secrets``: each record's password (None when it has none); ``known``: records
        already found unusable (outside the allowed folder, password unavailable), which
        are not read."""
        self.items = items
        self.limits = limits or Limits()
        self.secrets = secrets or [None] * len(items)
        self.known = known or {}
        self._todo = [n for n in range(len(items)) if n not in self.known]
        calls = [(*items[n], self.secrets[n]) for n in self._todo]
        self._pool: GroupedPool[RecordInfo] | None = (
            # one group: inspecting is quick, and one child imports pikepdf and Pillow once
            GroupedPool(inspect, calls, self.limits, group_calls=len(calls), group_bytes=2**62)
            if calls
            else None
        )

    def result(self) -> list[RecordInfo]:
        out = dict(self.known)
        if self._pool is not None:
            for n, found in zip(self._todo, self._pool, strict=True):
                out[n] = self._failed(n, found) if isinstance(found, ChildFailed) else found
        return [out[n] for n in range(len(self.items))]

    def cancel(self) -> None:
        if self._pool is not None:
            self._pool.close()

    def _failed(self, n: int, exc: ChildFailed) -> RecordInfo:
        refusal = Refusal(
            f"the file could not be read safely: {exc.reason}",
            "Save or export the record again (for example, print it to a new PDF).",
        )
        return RecordInfo(self.items[n][0], None, None, refusal=refusal)


def sha256(path: Path) -> tuple[str, int]:
    """SHA-256 (hex) and size of a file, read in chunks."""
    import hashlib

    h = hashlib.sha256()
    size = 0
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
            size += len(chunk)
    return h.hexdigest(), size
