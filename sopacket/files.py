"""Files named by a user: where a record file is, and what a file is by its first bytes
(never by its name)."""

from __future__ import annotations

import contextlib
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
