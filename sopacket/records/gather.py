"""Gather the records made safe: the step between checking a packet and drawing it.

Each record is cleaned in a capped child process (:mod:`sopacket.records.sanitise`):
only its selected pages, nothing active, no metadata. The children start first and work
while the parent hashes the original files and draws the front matter; then each
cleaned record is collected and checked against what was hashed and inspected. A record
that cannot be used is an error naming it; anything done to a record is a warning.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import RecordError
from ..progress import Progress
from .access import RecordAccess
from .inspect import RecordInfo
from .notes import cleaning_warnings
from .recompress import Recompressed

if TYPE_CHECKING:  # types only: each loads where it is used
    from ..packetfile.model import Record
    from ..packetfile.validation import LoadedPacket
    from .sanitise import CleanRecord


def record_error(entry: Record, what: str, fix: str, index: int) -> RecordError:
    """An error naming record ``index`` of the packet (``entry``): it ``what``."""
    error = RecordError(f"the record \u201c{entry.title}\u201d ({entry.file}) {what}.", fix)
    error.items = [(index, entry.file, f"{what}. {fix}".strip())]
    return error


def require_usable(entries: Sequence[Record], inspected: Sequence[RecordInfo]) -> None:
    """Every record file can be read: else name each one that cannot, and why (building
    anyway would not help, so this comes before "not ready")."""
    bad = [
        (n, entry, info)
        for n, (entry, info) in enumerate(zip(entries, inspected, strict=True))
        if not info.ok
    ]
    if not bad:
        return
    if len(bad) == 1:
        n, entry, info = bad[0]
        single = record_error(entry, f"cannot be used: {info.problem}", info.fix, n)
        single.detail = info.refusal.detail if info.refusal is not None else ""
        raise single
    lines = "".join(
        f"\n  - \u201c{r.title}\u201d ({r.file}): {i.problem}. {i.fix}" for _, r, i in bad
    )
    error = RecordError(f"{len(bad)} records cannot be used:{lines}", "Fix each, then build again.")
    error.items = [(n, r.file, f"cannot be used: {i.problem}. {i.fix}") for n, r, i in bad]
    error.detail = "; ".join(
        f"{r.file}: {i.refusal.detail}" for _, r, i in bad if i.refusal and i.refusal.detail
    )
    raise error


@dataclass(frozen=True)
class Original:
    """A record's original file as hashed by the parent, and the pages it will give."""

    index: int
    entry: Record
    info: RecordInfo
    sha256: str
    size: int
    """Bytes of the original file."""
    pages: int
    """Pages it gives the packet (its selection)."""

    @property
    def original_pages(self) -> int:
        return self.info.pages or 0


@dataclass(frozen=True)
class GatheredRecord(Original):
    """One record, made safe: the cleaned PDF of its selected pages, and what was done to
    it."""

    pdf: bytes = b""
    outline: tuple[Any, ...] = ()
    """Its own bookmarks: [title, page offset within the selection, children]."""
    removed: tuple[str, ...] = ()
    """Kinds of active content removed, in plain words."""
    flattened_fields: int = 0
    repaired: bool = False
    shrinkable: int = 0
    """Images larger than needed for reading (surveyed when recompression is allowed)."""
    recompressed: Recompressed | None = None
    """How its images were made smaller to fit a size limit (then ``pdf`` is the result)."""
    hidden_layers: bool = False
    """Content on layers hidden by default was left out (as the original shows it)."""

    @classmethod
    def cleaned(cls, original: Original, outcome: CleanRecord) -> GatheredRecord:
        """``original`` with what cleaning it gave."""
        return cls(
            **{f.name: getattr(original, f.name) for f in dataclasses.fields(Original)},
            pdf=outcome.pdf,
            outline=tuple(outcome.outline),
            removed=tuple(outcome.removed),
            flattened_fields=outcome.flattened_fields,
            repaired=outcome.repaired,
            shrinkable=outcome.shrinkable,
            hidden_layers=outcome.hidden_layers,
        )

    def error(self, what: str, fix: str) -> RecordError:
        """An error naming this record."""
        return record_error(self.entry, what, fix, self.index)


@dataclass(frozen=True)
class Gathered:
    records: tuple[GatheredRecord, ...]
    warnings: tuple[str, ...]
    """What was done to the records (repaired, active content removed), in order."""


class Cleaning:
    """The records being cleaned in child processes, and their originals (hashed by the
    parent meanwhile). Use it as a context manager: leaving it stops any child still
    running."""

    def __init__(
        self,
        lp: LoadedPacket,
        inspected: Sequence[RecordInfo],
        paper: tuple[float, float],
        access: RecordAccess | None,
        survey: bool,
    ) -> None:
        import pikepdf  # noqa: F401 - loaded once here, shared by every child

        from ..packetfile.pages import selected
        from .isolate import GroupedPool
        from .sanitise import clean

        entries = lp.packet.records
        secrets = lp.record_secrets or (None,) * len(entries)
        access = access or RecordAccess()
        paths = [lp.record_path(n) for n in range(len(entries))]
        calls = [
            (
                paths[n],
                info.type,
                selected(entry.pages, info.pages or 1),
                paper,
                secrets[n],
                access.base_dir,
                survey,
            )
            for n, (entry, info) in enumerate(zip(entries, inspected, strict=True))
        ]
        self._pool = GroupedPool(clean, calls, access.limits, sizes=[_size(p) for p in paths])
        try:
            self.originals = _hash_originals(entries, inspected, paths)
        except BaseException:
            self._pool.close()
            raise

    def collect(self, progress: Progress) -> Gathered:
        """Each record made safe; any that could not be is an error naming it."""
        from .isolate import ChildFailed

        progress.start(len(self.originals), "Reading records")
        records, warnings = [], []
        outcomes = iter(self._pool)
        for original in self.originals:
            progress.doing(original.info.path.name)  # shown while its reading is awaited
            outcome = next(outcomes)
            if isinstance(outcome, ChildFailed):
                raise _error(
                    original,
                    f"could not be read safely: {outcome.reason}",
                    "Save or export it again (for example, print it to a new PDF).",
                )
            _check(original, outcome)
            records.append(GatheredRecord.cleaned(original, outcome))
            warnings += cleaning_warnings(original.entry.title, outcome)
            progress.advance()
        return Gathered(tuple(records), tuple(warnings))

    def close(self) -> None:
        self._pool.close()

    def __enter__(self) -> Cleaning:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def start_cleaning(
    lp: LoadedPacket,
    inspected: Sequence[RecordInfo],
    paper: tuple[float, float],
    access: RecordAccess | None = None,
    survey: bool = False,
) -> Cleaning:
    """Start making each record safe in child processes with limits, on ``paper`` (for
    images), and hash the originals meanwhile. ``survey``: also count the images that
    could be recompressed."""
    return Cleaning(lp, inspected, paper, access, survey)


def _hash_originals(
    entries: Sequence[Record], inspected: Sequence[RecordInfo], paths: list[Path]
) -> tuple[Original, ...]:
    """The SHA-256 of each original record file, and the pages it will give."""
    from ..packetfile.pages import selected
    from .inspect import sha256

    out = []
    for n, (entry, info) in enumerate(zip(entries, inspected, strict=True)):
        try:
            digest, size = sha256(paths[n])
        except OSError as exc:
            raise record_error(
                entry, f"cannot be read ({exc.strerror})", "Check the file and build again.", n
            ) from None
        pages = len(selected(entry.pages, info.pages or 1))
        out.append(Original(n, entry, info, digest, size, pages))
    return tuple(out)


def _error(original: Original, what: str, fix: str) -> RecordError:
    return record_error(original.entry, what, fix, original.index)


def _check(original: Original, outcome: CleanRecord) -> None:
    """The cleaned record is the file that was hashed and
    inspected, with the pages expected."""
    if outcome.refusal is not None:
        refused = _error(original, f"cannot be used: {outcome.problem}", outcome.fix)
        refused.detail = outcome.refusal.detail
        raise refused
    if outcome.sha256 != original.sha256:
        raise _error(
            original,
            "changed while the packet was being built",
            "Build again once nothing is writing to the record files.",
        )
    if (original.info.type == "pdf" and outcome.original_pages != original.info.pages) or (
        outcome.pages != original.pages
    ):
        # Two readers disagree about the pages: taking "page 2" could take another.
        raise _error(
            original,
            "could not be placed in the packet: its page tree is damaged (readers "
            "disagree on its pages)",
            "Open it and save or print it to a new PDF, then build again.",
        )


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0
