"""Write files atomically: all of the new content, or nothing.

A temporary file is created in the destination folder (so the final rename never crosses
file systems), written, flushed to disk, given its permissions, and renamed over the
destination. On any failure, or Ctrl-C, the temporary file is removed and the destination
is untouched.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from .errors import OutputError

OWNER_ONLY = 0o600


@contextlib.contextmanager
def atomic_writer(path: Path, mode: int = OWNER_ONLY) -> Iterator[IO[bytes]]:
    """Open a temporary file beside ``path``; on success it replaces ``path``.

    A symbolic link is written through (its target is replaced); a folder, a device or a
    pipe is refused rather than replaced.
    """
    try:
        path = path.resolve()
        st = path.stat() if path.exists() else None
    except (OSError, RuntimeError) as exc:
        raise OutputError(
            f"cannot write {path} ({getattr(exc, 'strerror', exc)}).", "Choose another file name."
        ) from None
    if st is not None and not stat.S_ISREG(st.st_mode):
        what = "a folder" if stat.S_ISDIR(st.st_mode) else "not a regular file"
        raise OutputError(
            f"{path} is {what}; sopacket will not replace it.", "Give the name of a file to write."
        )
    folder = path.parent
    try:
        fd, tmp = tempfile.mkstemp(prefix=".sopacket-", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise OutputError(
            f"cannot write in the folder {folder} ({exc.strerror}).",
            "Choose a folder you can write to, or check its permissions.",
        ) from None
    try:
        with os.fdopen(fd, "w+b") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        with contextlib.suppress(OSError):  # FAT or SMB cannot; mkstemp already made it 0600
            os.chmod(tmp, mode)
        try:
            os.replace(tmp, path)
        except OSError as exc:
            raise OutputError(
                f"cannot write {path} ({exc.strerror}).",
                "Check the folder's permissions and free space.",
            ) from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def write_bytes(path: Path, data: bytes, mode: int = OWNER_ONLY) -> None:
    with atomic_writer(path, mode) as fh:
        fh.write(data)


def write_text(path: Path, text: str, mode: int = OWNER_ONLY) -> None:
    write_bytes(path, text.encode("utf-8"), mode)


def current_mode(path: Path, default: int = OWNER_ONLY) -> int:
    """The permission bits of an existing file (to keep them when rewriting it)."""
    try:
        return path.stat().st_mode & 0o777
    except OSError:
        return default
