"""Look at record files: what they are (by content, not by name), how many pages, and
whether they can be used.

pypdf is imported only when a PDF is inspected and Pillow only when an image is, so a
packet without records costs neither.
"""

from __future__ import annotations

import contextlib
import stat
from dataclasses import dataclass
from pathlib import Path

from .isolate import ChildFailed, Job, Limits, run

MAX_RECORD_BYTES = 512 * 1024 * 1024
"""Largest record file read (512 MiB; upload portals accept far less)."""
_SNIFF_BYTES = 1024


@dataclass(frozen=True)
class RecordInfo:
    """What a record file turned out to be."""

    path: Path
    type: str | None
    """pdf, jpeg, png or tiff; None when unknown or unreadable."""
    pages: int | None
    """Pages in the file (frames for a TIFF); None when it could not be read."""
    encrypted: bool = False
    problem: str | None = None
    """What is wrong with it, in plain words; None when it can be used."""
    fix: str = ""

    @property
    def ok(self) -> bool:
        return self.problem is None


def resolve_file(base_dir: Path, file: str) -> Path:
    """A record's ``file:`` value as a path: ``~`` expanded, relative to the packet's folder."""
    path = Path(file)
    with contextlib.suppress(RuntimeError):  # `~someone` with no such user: keep as written
        path = path.expanduser()
    return path if path.is_absolute() else base_dir / path


def page_ranges(spec: str) -> list[tuple[int, int]]:
    """``"1-3,5"`` -> ``[(1, 3), (5, 5)]`` (1-based, inclusive)."""
    out = []
    for part in spec.split(","):
        lo, _, hi = part.strip().partition("-")
        out.append((int(lo), int(hi) if hi.strip() else int(lo)))
    return out


def sniff(head: bytes) -> str | None:
    """The file type from its first bytes."""
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith((b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+")):
        return "tiff"
    if b"%PDF-" in head[:_SNIFF_BYTES]:
        return "pdf"
    return None


def inspect(path: Path, pages: str | None = None) -> RecordInfo:
    """Inspect one record file, and check ``pages`` (e.g. "1-3,5") against it."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return RecordInfo(
            path,
            None,
            None,
            problem="the file does not exist",
            fix="Check the path in `file:` (it is relative to the packet file).",
        )
    except OSError as exc:
        return RecordInfo(
            path,
            None,
            None,
            problem=f"the file cannot be reached ({exc.strerror})",
            fix="Check the path and the folder's permissions.",
        )
    if stat.S_ISDIR(st.st_mode):
        return RecordInfo(
            path,
            None,
            None,
            problem="this is a folder, not a file",
            fix="Name one file per record in `file:`.",
        )
    if not stat.S_ISREG(st.st_mode):
        return RecordInfo(
            path,
            None,
            None,
            problem="this is not a regular file (a device or pipe)",
            fix="Save the record as a PDF or image file and name that file.",
        )
    if st.st_size > MAX_RECORD_BYTES:
        return RecordInfo(
            path,
            None,
            None,
            problem=f"the file is larger than {MAX_RECORD_BYTES // 2**20} MiB",
            fix="Export a smaller copy (for example, scan at 200-300 dpi).",
        )
    if st.st_size == 0:
        return RecordInfo(
            path, None, None, problem="the file is empty", fix="Download or scan the record again."
        )
    try:
        with path.open("rb") as fh:
            head = fh.read(_SNIFF_BYTES)
    except OSError as exc:
        return RecordInfo(
            path,
            None,
            None,
            problem=f"the file cannot be read ({exc.strerror})",
            fix="Check that you may read it (its permissions).",
        )
    kind = sniff(head)
    if kind is None:
        return RecordInfo(
            path,
            None,
            None,
            problem="this is not a PDF, JPEG, PNG or TIFF file (judged by its content)",
            fix="Save or export the record as PDF (or scan it as JPEG, PNG or TIFF).",
        )
    info = _inspect_pdf(path) if kind == "pdf" else _inspect_image(path, kind)
    if info.ok and pages and info.pages is not None:
        highest = max(hi for _, hi in page_ranges(pages))
        if highest > info.pages:
            return RecordInfo(
                path,
                kind,
                info.pages,
                info.encrypted,
                problem=f'pages "{pages}" go beyond the end: the file has {info.pages} '
                f"page{'s' if info.pages != 1 else ''}",
                fix=f"Use page numbers from 1 to {info.pages}.",
            )
    return info


def _inspect_pdf(path: Path) -> RecordInfo:
    import logging

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    from pypdf import PdfReader

    try:
        reader = PdfReader(path, strict=False)
        encrypted = reader.is_encrypted
        if encrypted and not reader.decrypt(""):
            return RecordInfo(
                path,
                "pdf",
                None,
                True,
                problem="the PDF is protected with a password",
                fix="Open it with its password and save an unprotected copy (Print > Save as PDF).",
            )
        count = len(reader.pages)
    except Exception as exc:  # pypdf raises many kinds; any of them means "unreadable"
        return RecordInfo(
            path,
            "pdf",
            None,
            problem=f"the PDF is damaged ({_short(exc)})",
            fix="Download the record again, or ask its source for a new copy.",
        )
    if count == 0:
        return RecordInfo(
            path,
            "pdf",
            0,
            encrypted,
            problem="the PDF has no pages",
            fix="Download the record again, or ask its source for a new copy.",
        )
    return RecordInfo(path, "pdf", count, encrypted)


def _inspect_image(path: Path, kind: str) -> RecordInfo:
    from PIL import Image

    try:
        with Image.open(path) as im:
            frames = getattr(im, "n_frames", 1) if kind == "tiff" else 1
            im.verify()
    except Exception as exc:  # Pillow raises many kinds; any of them means "unreadable"
        return RecordInfo(
            path,
            kind,
            None,
            problem=f"the image is damaged ({_short(exc)})",
            fix="Take the photo or scan again, or export it again.",
        )
    return RecordInfo(path, kind, frames)


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:120]


Item = tuple[Path, "str | None"]
"""A record to inspect: its file and its page selection."""


def _inspect_items(items: list[Item]) -> list[RecordInfo]:
    return [inspect(path, pages) for path, pages in items]


class Inspection:
    """Record files being inspected in a child process (see :mod:`sopacket.isolate`).

    All records are read by one child, in parallel with whatever the caller does next. If
    that child fails (a file that exhausts memory or time, or crashes the parser), each
    record is read again in a child of its own, so the message names the culprit.
    """

    def __init__(self, items: list[Item], limits: Limits | None = None) -> None:
        self.items = items
        self.limits = limits or Limits()
        self._job: Job[list[RecordInfo]] | None = (
            Job(_inspect_items, items, limits=self.limits) if items else None
        )

    def result(self) -> list[RecordInfo]:
        if self._job is None:
            return []
        try:
            return self._job.result()
        except ChildFailed:
            return [self._one(item) for item in self.items]

    def cancel(self) -> None:
        if self._job is not None:
            self._job.cancel()

    def _one(self, item: Item) -> RecordInfo:
        try:
            return run(inspect, *item, limits=self.limits)
        except ChildFailed as exc:
            return RecordInfo(
                item[0],
                None,
                None,
                problem=f"the file could not be read safely: {exc.reason}",
                fix="Save or export the record again (for example, print it to a new PDF).",
            )


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
