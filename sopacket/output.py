"""Write files atomically: all of the new content, or nothing.

On Linux the new content goes into an unnamed file in the destination folder
(``O_TMPFILE``): it has no name until it is complete, flushed to disk and given its
permissions, and is then linked into place. If the process is killed (even with SIGKILL)
the unnamed file vanishes with it: nothing partial is ever visible. Elsewhere, a named
temporary file beside the destination is renamed over it, and removed on any failure or
Ctrl-C. Either way the destination is untouched until the new content is whole.
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from .errors import OutputError

OWNER_ONLY = 0o600


@contextlib.contextmanager
def atomic_writer(path: Path, mode: int = OWNER_ONLY) -> Iterator[IO[bytes]]:
    """Open a temporary file beside ``path``; on success it replaces ``path``.

    A symbolic link is written through (its target is replaced); a folder, a device or a
    pipe is refused rather than replaced.
    """
    pending = Pending(path, mode)
    try:
        yield pending.file
        pending.publish()
    finally:
        pending.discard()


def _unnamed_file(folder: Path, mode: int) -> int | None:
    """An unnamed file in ``folder`` (Linux O_TMPFILE), or None where there is none."""
    flag = getattr(os, "O_TMPFILE", 0)
    if not flag or not os.path.isdir("/proc/self/fd"):
        return None
    try:
        fd = os.open(folder, flag | os.O_RDWR, mode)
    except IsADirectoryError:  # the file system cannot make unnamed files
        return None
    except OSError as exc:
        if exc.errno in (errno.EOPNOTSUPP, errno.EINVAL, errno.EISDIR):
            return None
        raise OutputError(
            f"cannot write in the folder {folder} ({exc.strerror}).",
            "Choose a folder you can write to, or check its permissions.",
        ) from None
    with contextlib.suppress(OSError):  # exactly these permissions, whatever the umask
        os.fchmod(fd, mode)
    return fd


def _publish(fd: int, path: Path, replace: bool) -> None:
    """Give the complete unnamed file its name: linked straight into place when the name
    is free; else (``replace`` only) linked beside it and renamed over the old file."""
    # linkat(AT_SYMLINK_FOLLOW) on /proc/self/fd/N; a directory fd makes Python use
    # linkat (plain link() would try to link the /proc symlink itself).
    proc = os.open("/proc/self/fd", os.O_RDONLY)
    try:
        try:
            os.link(str(fd), path, src_dir_fd=proc, follow_symlinks=True)
            return
        except FileExistsError:
            if not replace:
                raise taken_meanwhile(path) from None
        except OSError as exc:
            raise OutputError(
                f"cannot write {path} ({exc.strerror}).",
                "Check the folder's permissions and free space.",
            ) from None
        tmp = path.with_name(f".sopacket-{os.urandom(6).hex()}.tmp")
        try:
            os.link(str(fd), tmp, src_dir_fd=proc, follow_symlinks=True)
            _replace(tmp, path, replace=True)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
    finally:
        os.close(proc)


def taken_meanwhile(path: Path) -> OutputError:
    """The name was free when checked, and taken before the new file got it."""
    return OutputError(
        f"{path} was written by another build (or program) meanwhile, after this one "
        "checked that the name was free; it was left as it is and nothing was written.",
        "See which of the two you want: run again with --force to replace it, or with -o "
        "to choose another name.",
    )


def _replace(tmp: str | Path, path: Path, *, replace: bool) -> None:
    """Rename ``tmp`` to ``path``: over an existing file only with ``replace`` (without
    it, a hard link that fails if the name is taken, then ``tmp`` is removed)."""
    try:
        if replace:
            os.replace(tmp, path)
            return
        try:
            os.link(tmp, path, follow_symlinks=False)
        except FileExistsError:
            raise taken_meanwhile(path) from None
        with contextlib.suppress(OSError):
            os.unlink(tmp)
    except OSError as exc:
        raise OutputError(
            f"cannot write {path} ({exc.strerror}).",
            "Check the folder's permissions and free space.",
        ) from None


class _NamedFile(io.BufferedRandom):
    """The new file's content, for ``path``: a failed write (a full disk, a quota) is an
    OutputError naming ``path``, not an OSError naming a file descriptor."""

    def __init__(self, fd: int, path: Path) -> None:
        super().__init__(io.FileIO(fd, "r+b"))
        self.path = path

    def write(self, data: Any) -> int:
        try:
            return super().write(data)
        except OSError as exc:
            raise not_written(self.path, exc) from None

    def flush(self) -> None:
        try:
            super().flush()
        except OSError as exc:
            raise not_written(self.path, exc) from None


def not_written(path: Path, exc: OSError) -> OutputError:
    """``path`` could not be written (``exc``: why); nothing of it was left."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        fix = "Free some space on that disk (or choose another folder), then run it again."
    else:
        fix = "Check the folder's permissions and free space, then run it again."
    return OutputError(
        f"{path} could not be written ({exc.strerror or type(exc).__name__}); nothing of "
        "it was left.",
        fix,
    )


class Pending:
    """A new file for ``path`` that has no name yet: write to :attr:`file`, then
    :meth:`publish` to put it in place, or :meth:`discard` to leave nothing. Several can
    be held at once, to name a set of files only when every one of them is complete."""

    def __init__(
        self, path: Path, mode: int = OWNER_ONLY, *, replace: bool = True, follow: bool = True
    ) -> None:
        """A folder, a device or a pipe is refused rather than replaced. A symbolic link is
        written through (its target is replaced) with ``follow``; without it, a link at
        ``path`` is refused (what it points to is never touched). Without ``replace``, a
        file given the name meanwhile (by another build) is never replaced: :meth:`publish`
        fails."""
        try:
            self.path = path.resolve() if follow else path.parent.resolve() / path.name
            st = os.lstat(self.path) if os.path.lexists(self.path) else None
        except (OSError, RuntimeError) as exc:
            raise OutputError(
                f"cannot write {path} ({getattr(exc, 'strerror', exc)}).",
                "Choose another file name.",
            ) from None
        if st is not None and not stat.S_ISREG(st.st_mode):
            raise not_a_file(self.path, st.st_mode)
        self._follow = follow
        self._tmp: str | None = None
        fd = _unnamed_file(self.path.parent, mode)
        if fd is None:
            try:
                fd, self._tmp = tempfile.mkstemp(
                    prefix=".sopacket-", suffix=".tmp", dir=self.path.parent
                )
            except OSError as exc:
                raise OutputError(
                    f"cannot write in the folder {self.path.parent} ({exc.strerror}).",
                    "Choose a folder you can write to, or check its permissions.",
                ) from None
        self.file: IO[bytes] = _NamedFile(fd, self.path)
        self._mode = mode
        self._replace = replace

    def publish(self) -> None:
        if self.file.closed:
            return
        self.file.flush()
        try:
            os.fsync(self.file.fileno())
        except OSError as exc:
            raise not_written(self.path, exc) from None
        try:
            if not self._follow and os.path.islink(self.path):  # planted since __init__
                raise not_a_file(self.path, stat.S_IFLNK)
            if self._tmp is None:
                _publish(self.file.fileno(), self.path, self._replace)
            else:
                with contextlib.suppress(OSError):
                    os.chmod(self._tmp, self._mode)
                _replace(self._tmp, self.path, replace=self._replace)
                self._tmp = None  # named (if that failed, discard() removes it)
        finally:
            self.file.close()

    def discard(self) -> None:
        """Drop the file if it was not published (nothing happens after publish)."""
        if not self.file.closed:
            with contextlib.suppress(OSError, OutputError):  # a full disk: closed all the same
                self.file.close()
        if self._tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(self._tmp)
            self._tmp = None


def not_a_file(path: Path, mode: int) -> OutputError:
    """Refusing to replace what is at ``path`` (mode: its ``lstat``), which is not a file."""
    if stat.S_ISLNK(mode):
        return OutputError(
            f"{path} is a symbolic link; sopacket does not write through a link at an output "
            "name, so that the file it points to is never replaced.",
            "Remove the link, or choose another output name.",
        )
    what = "a folder" if stat.S_ISDIR(mode) else "not a regular file"
    return OutputError(
        f"{path} is {what}; sopacket will not replace it.", "Give the name of a file to write."
    )


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
