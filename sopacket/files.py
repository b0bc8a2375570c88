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
