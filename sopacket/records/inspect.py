"""Look at record files: what they are (by content, not by name), how many pages, and
whether they can be used.

pypdf is imported only when a PDF is inspected and Pillow only when an image is, so a
packet without records costs neither.
"""

from __future__ import annotations

import stat
from dataclasses import dataclass
from pathlib import Path

from ..files import _SNIFF_BYTES, sniff
from ..packetfile.pages import page_ranges
from .isolate import ChildFailed, Job, Limits, run
from .limits import (
    MAX_RECORD_BYTES,
    NOT_REGULAR,
    TOO_LARGE,
    limit_pillow,
    limit_pypdf,
    too_many_pixels,
)


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


def inspect(path: Path, pages: str | None = None, password: str | None = None) -> RecordInfo:
    """Inspect one record file, and check ``pages`` (e.g. "1-3,5") against it.

    Runs in a child process (see :class:`Inspection`); ``password`` opens an encrypted PDF.
    """
    try:
        st = path.stat()
    except FileNotFoundError:
        return RecordInfo(
            path,
            None,
            None,
            problem="the file does not exist",
            fix="Check the path in `file:` (it is relative to the packet file's folder; for a "
            "packet read from standard input, to the current folder).",
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
            problem=NOT_REGULAR[0],
            fix=NOT_REGULAR[1],
        )
    if st.st_size > MAX_RECORD_BYTES:
        return RecordInfo(
            path,
            None,
            None,
            problem=TOO_LARGE[0],
            fix=TOO_LARGE[1],
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
    info = _inspect_pdf(path, password) if kind == "pdf" else _inspect_image(path, kind)
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


def _inspect_pdf(path: Path, password: str | None = None) -> RecordInfo:
    import logging

    logging.getLogger("pypdf").setLevel(logging.CRITICAL)
    from pypdf import PdfReader

    limit_pypdf()
    try:
        reader = PdfReader(path, strict=False)
        encrypted = reader.is_encrypted
        if encrypted and not reader.decrypt(password or ""):
            if password:
                return RecordInfo(
                    path,
                    "pdf",
                    None,
                    True,
                    problem="the password given for this protected PDF is wrong",
                    fix="Check the password (`sopacket password set record:NAME` replaces a "
                    "stored one).",
                )
            return RecordInfo(
                path,
                "pdf",
                None,
                True,
                problem="the PDF is protected with a password",
                fix="Add `password: prompt` or `password: keyring` to this record (see the "
                "README), or save an unprotected copy (Print > Save as PDF).",
            )
        count = len(reader.pages)
    except MemoryError:
        raise
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

    limit_pillow()
    try:
        if kind == "jpeg":  # the structure, end marker included, without decoding pixels
            from .images import clean_jpeg

            clean_jpeg(path.read_bytes())
        with Image.open(path) as im:
            frames = getattr(im, "n_frames", 1) if kind == "tiff" else 1
            im.verify()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        refused = too_many_pixels(exc)
        return RecordInfo(path, kind, None, problem=refused.problem, fix=refused.fix)
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


def _inspect_items(items: list[Item], secrets: list[str | None]) -> list[RecordInfo]:
    pairs = zip(items, secrets, strict=True)
    return [inspect(path, pages, secret) for (path, pages), secret in pairs]


class Inspection:
    """Record files being inspected in a child process (see :mod:`sopacket.isolate`).

    All records are read by one child, in parallel with whatever the caller does next. If
    that child fails (a file that exhausts memory or time, or crashes the parser), each
    record is read again in a child of its own, so the message names the culprit.
    """

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
        self._job: Job[list[RecordInfo]] | None = (
            Job(
                _inspect_items,
                [items[n] for n in self._todo],
                [self.secrets[n] for n in self._todo],
                limits=self.limits,
            )
            if self._todo
            else None
        )

    def result(self) -> list[RecordInfo]:
        out = dict(self.known)
        if self._job is not None:
            try:
                found = self._job.result()
            except ChildFailed:
                found = [self._one(n) for n in self._todo]
            out.update(zip(self._todo, found, strict=True))
        return [out[n] for n in range(len(self.items))]

    def cancel(self) -> None:
        if self._job is not None:
            self._job.cancel()

    def _one(self, n: int) -> RecordInfo:
        item = self.items[n]
        try:
            return run(inspect, *item, self.secrets[n], limits=self.limits)
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
