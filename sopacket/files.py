"""Files named by a user: where a record file is, what a file is by its first bytes
(never by its name), and the one guarded way sopacket opens such a file."""

from __future__ import annotations

import contextlib
import os
import stat
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

_SNIFF_BYTES = 1024


def resolve_file(base_dir: Path, file: str) -> Path:
    """A record's ``file:`` value as a path: ``~`` expanded, relative to the packet's folder."""
    path = Path(file)
    with contextlib.suppress(RuntimeError):  # `~someone` with no such user: keep as written
        path = path.expanduser()
    return path if path.is_absolute() else base_dir / path


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


_GENERIC = (
    "this is not a PDF, JPEG, PNG or TIFF file (judged by its content)",
    "Save or export the record as PDF (or scan it as JPEG, PNG or TIFF).",
)
_TO_JPEG = "Open it and export (or save) it as JPEG or PNG."
_TO_PDF = "Open it in the program that made it and save or export it as PDF."
_HEIF_BRANDS = (b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"hevm", b"hevs", b"mif1")


def format_advice(head: bytes) -> tuple[str, str]:
    """For a file :func:`sniff` does not take: (what it is, how to make it a PDF or an
    image), judged by its first bytes. Formats that records often come in are named."""
    found = _other_format(head)
    if found is None:
        return _GENERIC
    name, fix = found
    return f"this is {name}, not a PDF, JPEG, PNG or TIFF file (judged by its content)", fix


def _other_format(head: bytes) -> tuple[str, str] | None:
    if head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS:
        return (
            "an HEIC photo (the iPhone's own format)",
            "Export it as JPEG (e.g. share it by e-mail, or open it and save it as JPEG); "
            "for the next photos, on an iPhone choose Settings → Camera → "
            "Formats → Most Compatible.",
        )
    if head[4:8] == b"ftyp" and head[8:12] in (b"avif", b"avis"):
        return "an AVIF image", _TO_JPEG
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "a WebP image (often saved from a web page)", _TO_JPEG
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "a GIF image", _TO_JPEG
    if head[128:132] == b"DICM":
        return (
            "a DICOM medical image (as on a scan's CD or download)",
            "sopacket cannot read DICOM: ask for the radiology report as PDF, or export "
            "the key images as JPEG from the disc's viewer.",
        )
    if head.startswith(b"PK\x03\x04"):
        return _zip_format(head)
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return (
            "an older Microsoft Office file (a Word .doc, or Excel .xls)",
            "Open it in Word (or Excel) and save it as PDF.",
        )
    if head.startswith(b"{\\rtf"):
        return "a Rich Text (RTF) document", "Open it in a word processor and save it as PDF."
    return _text_format(head)


def _zip_format(head: bytes) -> tuple[str, str]:
    if b"word/" in head:
        return "a Word document (DOCX)", "Open it in Word and save it as PDF."
    if b"opendocument.text" in head:
        return (
            "an OpenDocument text (ODT)",
            "Open it in LibreOffice or Word and save (export) it as PDF.",
        )
    if b"[Content_Types].xml" in head or b"opendocument" in head:
        return "an office document (Word, Excel or PowerPoint, or OpenDocument)", _TO_PDF
    return (
        "a ZIP archive (several files packed together)",
        "Unpack it (double-click it), then add each record inside on its own.",
    )


def _text_format(head: bytes) -> tuple[str, str] | None:
    try:
        text = head.decode("utf-8-sig")
    except UnicodeDecodeError:
        # a multi-byte character cut at the end of the head is still text
        try:
            text = head[:-3].decode("utf-8-sig")
        except UnicodeDecodeError:
            return None
    if not text.strip() or any(ord(c) < 32 and c not in "\t\n\r\f" for c in text):
        return None
    start = text.lstrip().lower()
    if start.startswith(("<!doctype html", "<html")) or "<html" in start[:200]:
        return (
            "a web page (HTML)",
            "Open it in a web browser and print it to PDF (Print → Save as PDF).",
        )
    return (
        "a plain text file",
        "Print it to PDF (or open it in a text editor and export it as PDF); a short "
        "note can go in the packet's notes: instead.",
    )


class Why(Enum):
    """Why :func:`read_guarded` would not read a file (each caller words it its own way)."""

    MISSING = "missing"
    """Nothing is at the path."""
    UNREACHABLE = "unreachable"
    """The path cannot be followed (no access to a folder, a loop of links, too long)."""
    FOLDER = "folder"
    NOT_REGULAR = "not regular"
    """A device, a pipe or a socket: reading it could block or never end."""
    UNREADABLE = "unreadable"
    """The file is there but cannot be opened or read (its permissions)."""
    OUTSIDE = "outside"
    """The file opened lies outside the folder it had to be in."""
    TOO_LARGE = "too large"


class Unfit(Exception):
    """The file was not read: ``why``; ``reason`` is the system's words for an error
    (``strerror``) when there was one, and ``kind`` the type sniffed from its first bytes
    when they could be read."""

    def __init__(self, why: Why, reason: str = "", kind: str | None = None) -> None:
        super().__init__(why.value)
        self.why, self.reason, self.kind = why, reason, kind


@dataclass(frozen=True)
class Guarded:
    """What :func:`read_guarded` read."""

    data: bytes
    """The whole file, or only its first bytes (``head_only``)."""
    size: int
    """The file's size when it was opened."""
    kind: str | None
    """pdf, jpeg, png or tiff by :func:`sniff`; None for anything else."""


def read_guarded(
    path: Path,
    limit: int | None,
    *,
    base_dir: Path | None = None,
    head_only: bool = False,
) -> Guarded:
    """Read ``path`` (or only its first bytes), refusing with :class:`Unfit` anything but
    a regular file, a file over ``limit`` bytes, and, with ``base_dir``, a file whose real
    path (on Linux, what the one descriptor actually opened) lies outside that folder.

    Everything comes from one open descriptor, so swapping the file or a link in its
    path after the checks cannot slip another file in."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise Unfit(Why.MISSING) from None
    except (OSError, RuntimeError, ValueError) as exc:  # loops, names too long, no access
        raise Unfit(Why.UNREACHABLE, getattr(exc, "strerror", None) or str(exc)) from None
    _check_type(st.st_mode)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise Unfit(Why.UNREADABLE, exc.strerror or "") from None
    try:
        return _read_fd(fd, path, limit, base_dir, head_only)
    finally:
        os.close(fd)


def _check_type(mode: int) -> None:
    if stat.S_ISDIR(mode):
        raise Unfit(Why.FOLDER)
    if not stat.S_ISREG(mode):
        raise Unfit(Why.NOT_REGULAR)


def _read_fd(
    fd: int, path: Path, limit: int | None, base_dir: Path | None, head_only: bool
) -> Guarded:
    if base_dir is not None:
        link = f"/proc/self/fd/{fd}"
        real = Path(os.readlink(link)) if os.path.exists(link) else path.resolve()
        if not real.is_relative_to(base_dir.resolve()):
            raise Unfit(Why.OUTSIDE)
    st = os.fstat(fd)
    _check_type(st.st_mode)  # what was opened, in case the path changed since
    try:
        with os.fdopen(os.dup(fd), "rb") as fh:
            data = fh.read(_SNIFF_BYTES)
            kind = sniff(data)
            if limit is not None and st.st_size > limit:
                raise Unfit(Why.TOO_LARGE, kind=kind)
            if not head_only:
                data += fh.read(limit + 1 - len(data) if limit is not None else -1)
    except OSError as exc:
        raise Unfit(Why.UNREADABLE, exc.strerror or "") from None
    if limit is not None and len(data) > limit:  # it grew since it was opened
        raise Unfit(Why.TOO_LARGE, kind=kind)
    return Guarded(data, st.st_size, kind)
