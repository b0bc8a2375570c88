"""Look at record files: what they are (by content, not by name), how many pages, and
whether they can be used.

pypdf is imported only when a PDF is inspected and Pillow only when an image is, so a
packet without records costs neither.
"""

from __future__ import annotations

import contextlib
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .isolate import ChildFailed, Job, Limits, run

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


@dataclass(frozen=True)
class RecordAccess:
    """How record files may be read: where from, with what limits, and who to ask for
    the password of a protected PDF."""

    base_dir: Path | None = None
    """Only files inside this folder (after resolving symlinks) may be read."""
    limits: Limits = field(default_factory=Limits)
    """Memory and time allowed to the child process that reads each record."""
    ask: Callable[[str], str | None] | None = None
    """Asks a person for a record's password (given the record's description); None when
    no one can be asked (a script)."""

    def confine(self, files: list[Path]) -> dict[int, RecordInfo]:
        """Records outside :attr:`base_dir`, as unusable (they are not read)."""
        if self.base_dir is None:
            return {}
        base = self.base_dir.resolve()
        refused: dict[int, RecordInfo] = {}
        for n, file in enumerate(files):
            try:
                real = file.resolve()
            except (OSError, RuntimeError):  # a link loop: certainly not a usable file
                real = file
            if not real.is_relative_to(base):
                problem, fix = outside(base)
                refused[n] = RecordInfo(file, None, None, problem=problem, fix=fix)
        return refused


def record_secrets(
    entries: list[tuple[Path, str | None, str, str | None]],
    access: RecordAccess,
    known: dict[int, RecordInfo],
) -> list[str | None]:
    """Each record's password from its ``password:`` setting (asked or read from the
    keyring); a record whose password cannot be had is added to ``known`` as unusable."""
    secrets: list[str | None] = []
    for n, (file, _, title, setting) in enumerate(entries):
        secret = None
        if setting and n not in known:
            try:
                secret = _record_secret(file, title, setting, access)
            except _NoSecret as exc:
                known[n] = RecordInfo(file, "pdf", None, True, problem=exc.problem, fix=exc.fix)
        secrets.append(secret)
    return secrets


class _NoSecret(Exception):
    def __init__(self, problem: str, fix: str) -> None:
        super().__init__(problem)
        self.problem, self.fix = problem, fix


def keyring_entry(file: Path, setting: str) -> str:
    """The keyring entry of a record's password: ``record:NAME`` (NAME defaults to the
    file's name)."""
    name = setting.partition(":")[2] or file.name
    return f"record:{name}"


def _record_secret(file: Path, title: str, setting: str, access: RecordAccess) -> str | None:
    if setting == "prompt":
        if access.ask is None:
            raise _NoSecret(
                "its password is to be asked (`password: prompt`), but it cannot be asked "
                "here (no terminal, or a batch)",
                "Store the password with `sopacket password set "
                f"record:{file.name}` and write `password: keyring`, or run "
                "`sopacket build` at a terminal.",
            )
        answer = access.ask(f"\u201c{title}\u201d ({file.name})")
        if not answer:
            raise _NoSecret(
                "no password was given for this protected PDF",
                "Build again and type its password when asked.",
            )
        return answer
    if setting == "keyring" or setting.startswith("keyring:"):
        from . import keystore
        from .errors import KeyringError

        entry = keyring_entry(file, setting)
        try:
            return keystore.fetch(entry)
        except KeyringError:
            raise _NoSecret(
                f"its password could not be read from the OS keyring (entry {entry})",
                f"Store it with `sopacket password set {entry}`, or write `password: prompt` "
                "to be asked for it instead.",
            ) from None
    return None  # an invalid setting: the packet's validation reports it


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
            from .collect import clean_jpeg

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


def limit_pillow() -> None:
    """Make Pillow refuse images over :data:`PIXEL_LIMIT` (a warning becomes an error)."""
    import warnings

    from PIL import Image

    Image.MAX_IMAGE_PIXELS = PIXEL_LIMIT
    warnings.simplefilter("error", Image.DecompressionBombWarning)


def too_many_pixels(exc: BaseException) -> Any:
    from .sanitise import Refused

    return Refused(
        f"the image is too large to place (over {PIXEL_LIMIT // 1_000_000} megapixels)",
        "Export or scan it again at a lower resolution (300 dpi is plenty for reading).",
    )


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
