"""Build the encrypted packet: the pipeline that turns a packet file into one PDF.

    check -> choose the output -> collect the records -> compose the front matter ->
    assemble -> stamp every page -> outline and links -> manifest -> encrypt and write ->
    reopen and verify

Each step is a plain function taking what the previous one returned. Nothing unencrypted
touches the disk: the pages are put together in memory, and the file is written through
pypdf's encryption into a temporary file beside the output, which replaces the output
only once it has been reopened with the password and its pages counted.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import __version__
from .checking.check import check_loaded
from .errors import NotReadyError, OutputError, RecordError, UsageError
from .options import BuildOptions
from .packaging.fit import Budget, Piece
from .progress import NullProgress, Progress
from .records.access import RecordAccess
from .records.recompress import Recompressed


@dataclass(frozen=True)
class RecordSummary:
    title: str
    file: str
    sha256: str
    first_page: int
    pages: int
    removed: tuple[str, ...] = ()
    """Kinds of active content removed from the record (JavaScript, attached files...)."""
    flattened_fields: int = 0
    """Form fields drawn into the page (no longer live fields)."""
    repaired: bool = False
    """The file was damaged and was repaired to be read."""
    volume: int = 1
    """The volume (file) holding its first page; ``first_page`` is within that file."""
    pieces: tuple[tuple[int, int, int], ...] = ()
    """When the record was cut across volumes: (volume, first page there, pages) each."""
    recompressed: Recompressed | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "file": self.file,
            "sha256": self.sha256,
            "first_page": self.first_page,
            "pages": self.pages,
            "volume": self.volume,
            "pieces": [
                {"volume": v, "first_page": first, "pages": n} for v, first, n in self.pieces
            ],
            "removed": list(self.removed),
            "flattened_fields": self.flattened_fields,
            "repaired": self.repaired,
            "recompressed": self.recompressed.to_json() if self.recompressed else None,
        }


@dataclass(frozen=True)
class Volume:
    """One output file of a packet cut to fit a size limit."""

    number: int
    output: Path
    pages: int
    bytes: int
    records: tuple[int, ...]
    """1-based numbers of the records it holds (whole or in part)."""

    def to_json(self) -> dict[str, Any]:
        return {
            "volume": self.number,
            "output": str(self.output),
            "pages": self.pages,
            "bytes": self.bytes,
            "records": list(self.records),
        }


@dataclass(frozen=True)
class BuildResult:
    output: Path
    pages: int
    bytes: int
    records: tuple[RecordSummary, ...]
    ready: bool
    warnings: tuple[str, ...] = ()
    urgent_symptoms: tuple[str, ...] = ()
    packet_id: str = ""
    missing: tuple[str, ...] = ()
    """Checklist items still to do when built with allow_incomplete (the cover lists them)."""
    volumes: tuple[Volume, ...] = ()
    """Every file written, in order (one, unless cut to fit a size limit)."""
    budget: Budget | None = None
    size_before: int = 0
    """With a size limit: the estimated size before anything was done to fit it."""
    deduplicated: tuple[int, int] = (0, 0)
    """With a size limit: identical resources stored once (copies dropped, bytes saved)."""
    removed_files: tuple[Path, ...] = ()
    """Earlier outputs of this packet replaced by the new volumes (with force)."""

    def to_json(self) -> dict[str, Any]:
        return {
            "sopacket_build": 1,
            "packet_id": self.packet_id,
            "output": str(self.output),
            "pages": self.pages,
            "bytes": self.bytes,
            "ready": self.ready,
            "volumes": [v.to_json() for v in self.volumes],
            "fit": None
            if self.budget is None
            else {
                **self.budget.to_json(),
                "estimated_bytes_before": self.size_before,
                "duplicates_removed": self.deduplicated[0],
                "duplicate_bytes_saved": self.deduplicated[1],
                "recompressed_records": sum(1 for r in self.records if r.recompressed),
                "split": len(self.volumes) > 1,
            },
            "records": [r.to_json() for r in self.records],
            "warnings": list(self.warnings),
            "urgent_symptoms": list(self.urgent_symptoms),
            "missing": list(self.missing),
            "removed_files": [str(p) for p in self.removed_files],
        }


@dataclass
class _Work:
    """What the pipeline has built so far."""

    lp: Any
    report: Any
    output: Path
    options: BuildOptions
    records: list[Any] = field(default_factory=list)
    """Each record's pages (collect.RecordPages), in packet order."""
    cleaned: list[Any] = field(default_factory=list)
    """Each record's sanitise.CleanRecord (what was removed, its bookmarks)."""
    warnings: list[str] = field(default_factory=list)
    recompressed: dict[int, Recompressed] = field(default_factory=dict)
    size_before: int = 0
    over_budget: bool = False
    """The packet as it is would not fit its size limit: something must be done."""
    deduplicated: list[int] = field(default_factory=lambda: [0, 0])
    build_id: str = ""
    """Random, the same in every part written together (verify refuses mixed builds)."""
    placed: list[tuple[int, int, int, int]] = field(default_factory=list)
    """(volume, record, first page there (1-based), pages) for each piece written."""


@dataclass
class _Volume:
    """One output file: the pieces of records it holds, and what was built for it."""

    number: int
    pieces: list[Piece]
    output: Path
    plan: list[list[Piece]]
    """Every volume's pieces (for the cover's list of what the others hold)."""
    starts: list[int] = field(default_factory=list)
    """Each piece's first page in this file (0-based)."""
    outlines: list[list[Any]] = field(default_factory=list)
    """Each piece's own bookmarks, relative to its first page."""
    sources: list[Any] = field(default_factory=list)
    """Open PDFs whose pages are copied into this file (closed once it is written)."""

    @property
    def count(self) -> int:
        """How many volumes the packet has."""
        return len(self.plan)

    def close(self) -> None:
        for source in self.sources:
            source.close()
        self.sources = []


PasswordSource = str | Callable[[str], str]
"""A password, or a function given the packet id that returns one (asked only once the
packet is known to be ready and its output path is usable)."""


def build(
    packet: Path | str,
    password: PasswordSource,
    options: BuildOptions | None = None,
    progress: Progress | None = None,
) -> BuildResult:
    """Build the encrypted packet for ``packet`` and return what was written."""
    options = options or BuildOptions()
    progress = progress or NullProgress()
    lp, report = check_loaded(
        packet, options.checklist, access=options.access, fallback=options.fallback_checklist
    )
    require_usable_records(lp, report)
    require_ready(report, options)
    work = _Work(lp, report, output_path(lp, options), options)
    secret = password(lp.id) if callable(password) else password
    _setup_reportlab()
    from .render.fonts import load as load_fonts

    fonts = load_fonts().fresh()
    import warnings

    with warnings.catch_warnings():
        # Library warnings (pikepdf's page-copy notes, Pillow's size notes) are not for
        # patients; what matters is reported through work.warnings and exit codes.
        warnings.simplefilter("ignore")
        cleaning = start_cleaning(work)
        try:
            hash_records(work)
            whole = [Piece(n, 0, len(rp.pages)) for n, rp in enumerate(work.records)]
            first = compose(work, fonts, _Volume(1, whole, work.output, [whole]))
            collect_records(work, cleaning, progress)
        finally:
            cleaning.close()
        fitting = fit_to_budget(work, first, progress) if options.budget else None
        if work.recompressed and fitting is not None and len(fitting.plan) == 1:
            # The records index tells the reviewer which records were recompressed.
            first = compose(work, fonts, _Volume(1, whole, work.output, [whole]))
        volumes = write_volumes(work, fitting, first, fonts, secret, progress)
    removed = remove_stale_outputs(work, volumes)
    if fonts.missing:
        chars = "".join(sorted(fonts.missing))
        work.warnings.append(
            f"{len(fonts.missing)} character(s) could not be drawn with the installed "
            f"fonts ({chars}); the packet shows \ufffd in their place. Install a font "
            "for that script (see the README) and build again."
        )
    return BuildResult(
        volumes[0].output,
        sum(v.pages for v in volumes),
        sum(v.bytes for v in volumes),
        summaries(work),
        report.ready,
        tuple(work.warnings),
        report.urgent_symptoms,
        lp.id,
        tuple(i.title for i in report.blocking()),
        tuple(volumes),
        options.budget,
        work.size_before,
        (work.deduplicated[0], work.deduplicated[1]),
        removed,
    )


# --- the steps ------------------------------------------------------------------------


def require_usable_records(lp: Any, report: Any) -> None:
    """Every record file can be read: else name each one that cannot, and why (building
    anyway would not help, so this comes before "not ready")."""
    bad = [
        (n, record, info)
        for n, (record, info) in enumerate(zip(lp.packet.records, report.records, strict=True))
        if not info.ok
    ]
    if not bad:
        return
    if len(bad) == 1:
        n, record, info = bad[0]
        raise _record_error(record, f"cannot be used: {info.problem}", info.fix, n)
    lines = "".join(
        f"\n  - \u201c{r.title}\u201d ({r.file}): {i.problem}. {i.fix}" for _, r, i in bad
    )
    error = RecordError(f"{len(bad)} records cannot be used:{lines}", "Fix each, then build again.")
    error.items = [(n, r.file, f"cannot be used: {i.problem}. {i.fix}") for n, r, i in bad]
    raise error


def require_ready(report: Any, options: BuildOptions) -> None:
    if report.ready or options.allow_incomplete:
        return
    missing = "".join(f"\n  - {i.title}" for i in report.blocking())
    error = NotReadyError(
        f"the packet is not ready yet. Still to do:{missing}",
        "Run `sopacket check` to see how to fix each one, or build anyway with "
        "--allow-incomplete (the cover then lists what is missing).",
    )
    error.missing = tuple(i.title for i in report.blocking())
    error.urgent = bool(report.urgent_symptoms)
    raise error


def default_output(lp: Any, today: dt.date) -> Path:
    folder = lp.path.resolve().parent if lp.path else Path.cwd()
    return folder / f"second-opinion-packet-{today.isoformat()}.pdf"


def output_path(lp: Any, options: BuildOptions) -> Path:
    """Check where the packet will be written before any expensive work."""
    today = options.today or dt.date.today()
    out = Path(options.output) if options.output else default_output(lp, today)
    if out.is_dir():
        raise OutputError(f"{out} is a folder.", f"Give a file name, e.g. -o {out}/packet.pdf.")
    resolved = out.resolve()
    inputs = [lp.path.resolve()] if lp.path else []
    inputs += [lp.record_path(i).resolve() for i in range(len(lp.packet.records))]
    if resolved in inputs:
        raise OutputError(
            f"{out} is one of the packet's own files; writing there would destroy it.",
            "Choose another output name.",
        )
    if out.suffix.lower() != ".pdf":
        raise UsageError(f"the output {out} does not end in .pdf.", "Name the output file.pdf.")
    if out.exists() and not options.force:
        raise OutputError(
            f"{out} already exists.", "Use --force to replace it, or -o to choose another name."
        )
    earlier = earlier_parts(out) if options.budget else []
    if earlier and not options.force:
        raise OutputError(
            f"parts of an earlier packet with this name are there ({earlier[0].name}...).",
            "Use --force to replace them, or -o to choose another name.",
        )
    if out.is_symlink() and not out.exists():
        raise OutputError(
            f"{out} is a link to a file that does not exist.", "Choose another output name."
        )
    if not resolved.parent.is_dir():
        raise OutputError(
            f"the folder {out.parent} does not exist.", "Create it, or choose another."
        )
    if not os.access(resolved.parent, os.W_OK):
        raise OutputError(f"cannot write in {out.parent}.", "Choose a folder you can write to.")
    return out


def start_cleaning(work: _Work) -> Any:
    """Start making each record safe, in child processes with limits (see
    :mod:`sopacket.sanitise`): only its pages, nothing active, no metadata. The children
    work while the front matter is composed; :func:`collect_records` gathers them."""
    from .packetfile.pages import selected
    from .records.isolate import GroupedPool
    from .render.compose import PAPER

    records = work.lp.packet.records
    for n, (record, info) in enumerate(zip(records, work.report.records, strict=True)):
        if not info.ok:
            raise _record_error(record, f"cannot be used: {info.problem}", info.fix, n)
    import pikepdf  # noqa: F401 - loaded once here, shared by every child

    from .records.sanitise import clean

    paper = PAPER[work.options.paper]
    secrets = work.lp.record_secrets or (None,) * len(records)
    access = work.options.access or RecordAccess()
    calls = [
        (
            work.lp.record_path(n),
            info.type,
            selected(record.pages, info.pages or 1),
            paper,
            secrets[n],
            access.base_dir,
            work.options.budget is not None and work.options.budget.recompress,
        )
        for n, (record, info) in enumerate(zip(records, work.report.records, strict=True))
    ]
    return GroupedPool(clean, calls, access.limits, sizes=[_size(c[0]) for c in calls])


def hash_records(work: _Work) -> None:
    """The SHA-256 of each original record file, and the pages it will give."""
    from .packetfile.pages import selected
    from .records.images import RecordPages
    from .records.inspect import sha256

    for n, (record, info) in enumerate(
        zip(work.lp.packet.records, work.report.records, strict=True)
    ):
        try:
            digest, size = sha256(work.lp.record_path(n))
        except OSError as exc:
            raise _record_error(
                record, f"cannot be read ({exc.strerror})", "Check the file and build again.", n
            ) from None
        pages = selected(record.pages, info.pages or 1)
        work.records.append(RecordPages(n, b"", list(range(len(pages))), digest, size))


def collect_records(work: _Work, cleaning: Any, progress: Progress) -> None:
    """Gather each record made safe; any that could not be is an error naming it."""
    import dataclasses

    from .records.isolate import ChildFailed

    records = work.lp.packet.records
    progress.start(len(records), "Reading records")
    for n, (record, info, outcome) in enumerate(
        zip(records, work.report.records, cleaning, strict=True)
    ):
        if isinstance(outcome, ChildFailed):
            raise _record_error(
                record,
                f"could not be read safely: {outcome.reason}",
                "Save or export it again (for example, print it to a new PDF).",
                n,
            )
        if outcome.problem is not None:
            raise _record_error(record, f"cannot be used: {outcome.problem}", outcome.fix, n)
        expected = work.records[n]
        if outcome.sha256 != expected.sha256:
            raise _record_error(
                record,
                "changed while the packet was being built",
                "Build again once nothing is writing to the record files.",
                n,
            )
        if (info.type == "pdf" and outcome.original_pages != info.pages) or (
            outcome.pages != len(expected.pages)
        ):
            # Two readers disagree about the pages: taking "page 2" could take another.
            raise _record_error(
                record,
                "could not be placed in the packet: its page tree is damaged (readers "
                "disagree on its pages)",
                "Open it and save or print it to a new PDF, then build again.",
                n,
            )
        work.records[n] = dataclasses.replace(expected, pdf=outcome.pdf)
        work.cleaned.append(outcome)
        _report_cleaning(work, record, outcome)
        progress.advance()


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _record_error(record: Any, what: str, fix: str, index: int) -> RecordError:
    error = RecordError(f"the record \u201c{record.title}\u201d ({record.file}) {what}.", fix)
    error.items = [(index, record.file, f"{what}. {fix}".strip())]
    return error


def _report_cleaning(work: _Work, record: Any, outcome: Any) -> None:
    """Say what was done to a record: never degrade or drop anything silently."""
    name = f"\u201c{record.title}\u201d"
    if outcome.repaired:
        work.warnings.append(
            f"{name} was damaged and has been repaired; check its pages in the packet."
        )
    done = []
    if outcome.removed:
        done.append("left out its " + _join(outcome.removed))
    if outcome.flattened_fields:
        n = outcome.flattened_fields
        done.append(f"turned {n} form field{'s' if n != 1 else ''} into plain text on the page")
    if done:
        work.warnings.append(
            f"{name}: for safety, sopacket {' and '.join(done)}. Its pages are all there."
        )


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def compose(work: _Work, fonts: Any, vol: _Volume) -> tuple[Any, bytes]:
    """The front matter and closing page of one volume (the whole packet when uncut)."""
    from .render.compose import Composer, Part, RecordEntry

    packet = work.lp.packet
    entries = []
    for piece in vol.pieces:
        r, rp = packet.records[piece.record], work.records[piece.record]
        info = work.report.records[piece.record]
        entries.append(
            RecordEntry(
                _piece_title(work, piece),
                r.kind,
                r.date,
                r.source,
                Path(r.file).name,
                rp.sha256,
                piece.count,
                selection=r.pages,
                original_pages=info.pages or 0,
                number=piece.record + 1,
                note=_join_notes(_piece_note(piece, vol.plan), _shrink_note(work, piece)),
            )
        )
    part = None
    if vol.count > 1:
        part = Part(vol.number, vol.count, _other_parts(work, vol))
    missing = [i.title for i in work.report.blocking() if i.status == "missing"]
    composer = Composer(
        packet,
        work.lp.id,
        entries,
        fonts,
        work.options.paper,
        work.options.today,
        missing,
        urgent=list(work.report.urgent_symptoms),
        clinic=work.options.clinic,
        part=part,
        recompressed=any(r.downsampled for r in work.recompressed.values()),
    )
    return composer.front_matter(), composer.closing()


def _piece_title(work: _Work, piece: Piece) -> str:
    """A record's title, and which of its pages a piece holds when it was cut."""
    title = work.lp.packet.records[piece.record].title
    if piece.parts == 1:
        return title
    return (
        f"{title} ({_pages(piece.first, piece.count)} of {len(work.records[piece.record].pages)})"
    )


def _pages(first: int, count: int) -> str:
    """0-based ``first`` and ``count`` as "page 3" or "pages 3\u20135"."""
    if count == 1:
        return f"page {first + 1}"
    return f"pages {first + 1}\u2013{first + count}"


def _piece_note(piece: Piece, plan: list[list[Piece]]) -> str | None:
    """For a record cut across files: which of its pages are in which file."""
    if piece.parts == 1:
        return None
    where = [
        f"{_pages(p.first, p.count)} in part {n}"
        for n, volume in enumerate(plan, 1)
        for p in volume
        if p.record == piece.record
    ]
    return "Cut across files to fit the upload size limit: " + "; ".join(where) + "."


def _shrink_note(work: _Work, piece: Piece) -> str | None:
    """For the records index: a record whose images were recompressed to fit, said plainly
    to the reviewer (the original file is unchanged and can be asked for)."""
    shrunk = work.recompressed.get(piece.record)
    if shrunk is None or not shrunk.downsampled:
        return None  # black-and-white pages re-encoded without loss: nothing to tell
    n = shrunk.downsampled
    return (
        f"To fit the upload size limit, {n} image{'s' if n != 1 else ''} in this record "
        f"{'were' if n != 1 else 'was'} stored at {shrunk.dpi} dpi (up to "
        f"{shrunk.largest_dpi} dpi in the original file, which the patient can send if finer "
        "detail matters)."
    )


def _join_notes(*notes: str | None) -> str | None:
    kept = [n for n in notes if n]
    return " ".join(kept) if kept else None


def _other_parts(work: _Work, vol: _Volume) -> list[str]:
    """One line per file of the packet, saying which records it holds."""
    from .packaging.fit import ranges

    lines = []
    for n, pieces in enumerate(vol.plan, 1):
        held: list[str] = []
        whole: list[int] = []
        for p in [*pieces, None]:
            if p is not None and p.parts == 1:
                whole.append(p.record + 1)
                continue
            if whole:
                noun = "record" if len(whole) == 1 else "records"
                held.append(f"{noun} {ranges(whole)}")
                whole = []
            if p is not None:
                total = len(work.records[p.record].pages)
                held.append(f"record {p.record + 1} ({_pages(p.first, p.count)} of {total})")
        here = " (this file)" if n == vol.number else ""
        lines.append(f"Part {n}{here}: {', '.join(held)}")
    return lines


def assemble(work: _Work, vol: _Volume, front: Any, closing: bytes, progress: Progress) -> Any:
    """Front matter, then the pages of each record (piece) this volume holds, then the
    closing page (pikepdf/qpdf). Links within a record are pointed at their pages."""
    import io

    import pikepdf

    pdf = pikepdf.new()
    vol.sources = [pikepdf.open(io.BytesIO(front.pdf))]
    pdf.pages.extend(vol.sources[0].pages)
    progress.start(len(vol.pieces), "Assembling")
    for piece in vol.pieces:
        rp, record = work.records[piece.record], work.lp.packet.records[piece.record]
        start = len(pdf.pages)
        vol.starts.append(start)
        try:
            source = pikepdf.open(io.BytesIO(rp.pdf))
            vol.sources.append(source)
            pdf.pages.extend(source.pages[piece.first : piece.first + piece.count])
            _point_links(pdf, start, piece.first, piece.count)
        except (pikepdf.PdfError, ValueError, IndexError, TypeError) as exc:
            raise _record_error(
                record,
                f"could not be placed in the packet ({type(exc).__name__})",
                "Open it and save or print it to a new PDF, then build again.",
                rp.index,
            ) from None
        vol.outlines.append(_outline_piece(work.cleaned[piece.record].outline, piece))
        progress.advance()
    closing_pdf = pikepdf.open(io.BytesIO(closing))
    vol.sources.append(closing_pdf)
    pdf.pages.extend(closing_pdf.pages)
    return pdf


def _outline_piece(items: list[Any], piece: Piece) -> list[Any]:
    """A record's bookmarks that fall within ``piece``, relative to its first page."""
    out = []
    for title, offset, children in items:
        inner = _outline_piece(children, piece)
        if piece.first <= offset < piece.first + piece.count:
            out.append([title, offset - piece.first, inner])
        else:
            out.extend(inner)
    return out


def _point_links(pdf: Any, start: int, first: int, count: int) -> None:
    """A cleaned record's links name a page offset within the record (see
    :mod:`sopacket.sanitise`); point each at that page of the packet, and drop those
    whose page is in another volume."""
    import pikepdf

    for page in pdf.pages[start : start + count]:
        annots = page.obj.get("/Annots")
        if not isinstance(annots, pikepdf.Array):
            continue
        kept = pikepdf.Array()
        for annot in annots:
            dest = annot.get("/Dest")
            if isinstance(dest, pikepdf.Array) and len(dest) and isinstance(dest[0], int):
                offset = int(dest[0]) - first
                if 0 <= offset < count:
                    dest[0] = pdf.pages[start + offset].obj
                    kept.append(annot)
        if len(kept):
            page.obj.Annots = kept
        else:
            del page.obj["/Annots"]


def _section_of(work: _Work, vol: _Volume, front: Any, index: int) -> str:
    from .render.compose import SECTION_TITLES, SECTIONS

    if index < front.pages:
        current = "Cover"
        for name in SECTIONS:
            if front.starts.get(name, 10**9) <= index:
                current = SECTION_TITLES[name]
        return current
    for n in reversed(range(len(vol.starts))):
        piece = vol.pieces[n]
        if vol.starts[n] <= index < vol.starts[n] + piece.count:
            title = _piece_title(work, piece)
            return f"Record {piece.record + 1}: {title}"
    return SECTION_TITLES["closing"]


def stamp_pages(
    work: _Work, vol: _Volume, pdf: Any, front: Any, fonts: Any, progress: Progress
) -> None:
    """Every page gets the identification band, in a strip added below what a reader sees."""
    import io

    import pikepdf

    from .render.stamp import Band, band_pdf, extend_and_stamp, visible_size

    patient = work.lp.packet.patient
    dob = patient.date_of_birth.isoformat() if patient.date_of_birth else "unknown"
    name, born = patient.name or "Patient", f"born {dob}"
    bands = []
    for n, page in enumerate(pdf.pages):
        width, rotation = visible_size(page)
        bands.append(Band(name, born, _section_of(work, vol, front, n), width, rotation))
    band_source = pikepdf.open(io.BytesIO(band_pdf(bands, fonts)))
    vol.sources.append(band_source)
    progress.start(len(pdf.pages), "Stamping pages")
    for n, (page, band, band_page) in enumerate(
        zip(pdf.pages, bands, band_source.pages, strict=True)
    ):
        try:
            extend_and_stamp(pdf, page, band_page, band.rotation)
        except (ValueError, TypeError, pikepdf.PdfError):
            # Record pages were checked when cleaned; this is a last line of defence.
            index = next(
                (
                    k
                    for k, start in enumerate(vol.starts)
                    if start <= n < start + vol.pieces[k].count
                ),
                None,
            )
            if index is None:  # sopacket's own pages: a bug, reported as one
                raise
            piece = vol.pieces[index]
            raise _record_error(
                work.lp.packet.records[piece.record],
                f"could not be placed in the packet: its page "
                f"{n - vol.starts[index] + piece.first + 1} cannot be given its band",
                "Open it and print it to a new PDF, then build again.",
                piece.record,
            ) from None
        progress.advance()


def add_outline_and_links(work: _Work, vol: _Volume, pdf: Any, front: Any) -> None:
    from pikepdf import Array, Dictionary, Name, OutlineItem

    from .render.compose import SECTION_TITLES, SECTIONS

    starts = vol.starts
    closing_page = len(pdf.pages) - 1
    with pdf.open_outline() as outline:
        for name in SECTIONS:
            outline.root.append(OutlineItem(SECTION_TITLES[name], front.starts[name]))
        for n, piece in enumerate(vol.pieces):
            title = _piece_title(work, piece)
            item = OutlineItem(f"{piece.record + 1}. {title}", starts[n])
            _add_children(item, starts[n], vol.outlines[n])
            outline.root.append(item)
        outline.root.append(OutlineItem(SECTION_TITLES["closing"], closing_page))
    # Contents rows become links to their pages (the strip added below moved nothing).
    for link in front.links:
        if link.target.startswith("record:"):
            target = starts[int(link.target.split(":")[1])]
        elif link.target == "closing":
            target = closing_page
        else:
            target = front.starts[link.target]
        page = pdf.pages[link.page]
        annot = pdf.make_indirect(
            Dictionary(
                Type=Name.Annot,
                Subtype=Name.Link,
                Rect=Array(list(link.rect)),
                Border=Array([0, 0, 0]),
                Dest=Array([pdf.pages[target].obj, Name.Fit]),
            )
        )
        if "/Annots" not in page.obj:
            page.obj.Annots = pdf.make_indirect(Array())
        page.obj.Annots.append(annot)
    pdf.Root.PageMode = Name.UseOutlines


def _add_children(parent: Any, start: int, items: list[Any]) -> None:
    from pikepdf import OutlineItem

    for title, offset, children in items:
        child = OutlineItem(title or "(untitled)", start + offset)
        _add_children(child, start, children)
        parent.children.append(child)


def attach_manifest(work: _Work, vol: _Volume, pdf: Any, front: Any, names: list[Path]) -> None:
    """A machine-readable manifest inside the (encrypted) PDF, for clinics and `verify`.
    Each record keeps the SHA-256 of its original file, whatever was done to fit."""
    import pikepdf

    packet = work.lp.packet
    manifest: dict[str, Any] = {
        "sopacket_manifest": 1,
        "generator": f"sopacket {__version__}",
        "packet_id": work.lp.id,
        "prepared": (work.options.today or dt.date.today()).isoformat(),
        "ready": work.report.ready,
        "front_matter_pages": front.pages,
        "total_pages": len(pdf.pages),
        "options": build_settings(work.options),
        "packet": packet.model_dump(mode="json", exclude_none=True),
        "records": [
            _manifest_record(work, piece, vol.starts[n]) for n, piece in enumerate(vol.pieces)
        ],
    }
    if vol.count > 1:
        manifest["volume"] = {
            "number": vol.number,
            "of": vol.count,
            "build": work.build_id,
            "files": [p.name for p in names],
            "records": [
                [
                    {"record": p.record + 1, "pages": [p.first + 1, p.first + p.count]}
                    for p in pieces
                ]
                for pieces in vol.plan
            ],
            "record_pages": [len(rp.pages) for rp in work.records],
            "sha256": [rp.sha256 for rp in work.records],
        }
    data = json.dumps(manifest, ensure_ascii=False, indent=2).encode("utf-8")
    spec = pikepdf.AttachedFileSpec(
        pdf,
        data,
        description="sopacket manifest",
        filename="manifest.json",
        mime_type="application/json",
    )
    pdf.attachments["manifest.json"] = spec


def _manifest_record(work: _Work, piece: Piece, start: int) -> dict[str, Any]:
    r, rp = work.lp.packet.records[piece.record], work.records[piece.record]
    shrunk = work.recompressed.get(piece.record)
    entry: dict[str, Any] = {
        "number": piece.record + 1,
        "title": r.title,
        "bookmark": f"{piece.record + 1}. {_piece_title(work, piece)}",
        "kind": r.kind,
        "date": r.date.isoformat() if r.date else None,
        "source": r.source,
        "original_file_name": Path(r.file).name,
        "sha256": rp.sha256,
        "bytes": rp.size,
        "pages_selected": r.pages,
        "packet_pages": [start + 1, start + piece.count],
        "recompressed": shrunk.to_json() if shrunk else None,
    }
    if piece.parts > 1:
        entry["part"] = [piece.part, piece.parts]
        entry["record_pages"] = [piece.first + 1, piece.first + piece.count]
    return entry


def build_settings(options: BuildOptions) -> dict[str, Any]:
    """The options that shape a packet's content (kept in its manifest: a batch rebuilds a
    packet whose options changed)."""
    return {
        "paper": options.paper,
        "checklist": options.checklist,
        "fallback_checklist": options.fallback_checklist,
        "clinic": options.clinic,
        "allow_incomplete": options.allow_incomplete,
        "max_bytes": options.budget.bytes if options.budget else None,
        "recompress": options.budget.recompress if options.budget else None,
    }


def encrypt_to(pdf: Any, password: str, fh: Any) -> int:
    """Write ``pdf`` encrypted with AES-256 (revision 6) to the open file ``fh``, then
    reopen it with the password and count its pages. Returns its size."""
    import pikepdf

    pdf.docinfo = pdf.make_indirect(
        pikepdf.Dictionary(
            Producer=pikepdf.String(f"sopacket {__version__}"),
            Title=pikepdf.String("Second-opinion packet"),
        )
    )
    allow = pikepdf.Permissions(
        accessibility=True,
        extract=True,
        print_lowres=True,
        print_highres=True,
        modify_annotation=False,
        modify_assembly=False,
        modify_form=False,
        modify_other=False,
    )
    encryption = pikepdf.Encryption(
        user=password,
        owner=secrets.token_urlsafe(32),
        R=6,
        allow=allow,
        aes=True,
        metadata=True,
    )
    expected = len(pdf.pages)
    pdf.save(
        fh,
        encryption=encryption,
        object_stream_mode=pikepdf.ObjectStreamMode.generate,
        fix_metadata_version=False,
    )
    fh.flush()
    size = fh.tell()
    fh.seek(0)
    # Reopen what was written, with the password, before it replaces anything.
    try:
        with pikepdf.open(fh, password=password) as check:
            if not check.is_encrypted or len(check.pages) != expected:
                raise OutputError(
                    f"the written packet has {len(check.pages)} pages instead of {expected}.",
                    "This is a bug; please report it.",
                )
    except pikepdf.PasswordError:
        raise OutputError(
            "the written packet could not be opened with its password.",
            "This is a bug; please report it.",
        ) from None
    return int(size)


# --- fitting a size limit ----------------------------------------------------------------


@dataclass
class _Fitting:
    """Each record's estimated page costs, and how much room a volume has for them."""

    costs: list[list[Any]]
    room: int
    last_resort: int
    """The room a volume has with no margin for error: tried (and measured) only when a
    page alone is larger than ``room``."""
    plan: list[list[Piece]] = field(default_factory=list)


_MARGIN = 0.97
"""Plan to 97% of the limit: the estimate of a file's size is close, not exact."""
MAX_VOLUMES = 50
"""Most files a packet is cut into: more would not be a packet anyone can upload."""


def _overhead(work: _Work, front: Any, closing: bytes) -> int:
    """Bytes of a file besides its record pages: the front matter and closing page, the
    bands' font, the outline and the manifest (measured: about 22 kB and 0.5 kB a record)."""
    return len(front.pdf) + len(closing) + 30_000 + 700 * len(work.records)


def fit_to_budget(work: _Work, first: tuple[Any, bytes], progress: Progress) -> _Fitting:
    """Decide how the packet meets its size limit: as it is; else with the images of
    the records that save most recompressed (if allowed), only as many as needed; else
    cut into volumes. Sizes are estimated from the cleaned records (identical resources
    counted once a file: they are stored once); the files written are measured after."""
    from .packaging.fit import PAGE_OVERHEAD, packet_size

    budget = work.options.budget
    assert budget is not None
    front, closing = first
    overhead = _overhead(work, front, closing)
    target = int(budget.bytes * _MARGIN)
    pages = sum(len(rp.pages) for rp in work.records)
    work.size_before = overhead + sum(len(rp.pdf) for rp in work.records) + PAGE_OVERHEAD * pages
    work.over_budget = work.size_before > target
    costs = _page_costs(work, range(len(work.records)))
    total = overhead + packet_size(costs)
    if total > target and budget.recompress:
        recompress(work, total - target, progress)
        for n, new in zip(work.recompressed, _page_costs(work, work.recompressed), strict=True):
            costs[n] = new
    fitting = _Fitting(
        costs, target - overhead, budget.bytes - len(front.pdf) - len(closing) - 20_000
    )
    fitting.plan = _plan(work, fitting)
    return fitting


def _page_costs(work: _Work, indexes: Any) -> list[list[Any]]:
    """The page costs (fit.record_costs) of the records at ``indexes``, in that order."""
    import io

    import pikepdf

    from .packaging.fit import record_costs

    out = []
    for n in indexes:
        with pikepdf.open(io.BytesIO(work.records[n].pdf)) as pdf:
            out.append(record_costs(pdf, n))
    return out


def _plan(work: _Work, fitting: _Fitting) -> list[list[Piece]]:
    """The volumes, each within the room; a page larger than the room is tried with the
    last-resort room (the written file is measured); one larger than that is an error."""
    from .packaging.fit import TooLargePage, plan_volumes, show_size

    budget = work.options.budget
    assert budget is not None
    try:
        try:
            plan = plan_volumes(fitting.costs, max(fitting.room, 1))
        except TooLargePage:
            plan = plan_volumes(fitting.costs, max(fitting.last_resort, 1))
    except TooLargePage as exc:
        record = work.lp.packet.records[exc.record]
        fix = (
            "Scan or export that page again at a lower resolution (200 dpi is enough), or "
            "allow a larger size."
        )
        if not budget.recompress:
            fix = "Build without --no-recompress so that its images can be made smaller, or " + (
                "allow a larger size."
            )
        selection = work.lp.packet.records[exc.record].pages
        which = f"page {exc.page + 1}" + (" of the selected pages" if selection else "")
        raise _record_error(
            record,
            f"has a page too large for {budget.label}: {which} alone is about "
            f"{show_size(exc.size)}, and each file also carries the packet's own pages",
            fix,
            exc.record,
        ) from None
    if len(plan) > MAX_VOLUMES:
        raise UsageError(
            f"to fit {budget.label}, this packet would have to be cut into {len(plan)} files "
            f"(sopacket makes at most {MAX_VOLUMES}).",
            "Allow a larger size, or split the largest records into a packet of their own.",
        )
    return plan


def recompress(work: _Work, excess: int, progress: Progress) -> None:
    """Recompress oversized images (in child processes, like the cleaning), then keep the
    new form of the records that save most, until ``excess`` bytes are saved (all of
    them if that is not enough)."""
    import dataclasses

    from .records.isolate import ChildFailed, GroupedPool
    from .records.recompress import shrink

    access = work.options.access or RecordAccess()
    chosen = [n for n, c in enumerate(work.cleaned) if c.shrinkable]
    calls = [(work.records[n].pdf,) for n in chosen]
    sizes = [len(work.records[n].pdf) for n in chosen]
    pool = GroupedPool(shrink, calls, access.limits, sizes=sizes)
    progress.start(len(calls), "Recompressing images")
    outcomes = []
    try:
        for n, outcome in zip(chosen, pool, strict=True):
            if not isinstance(outcome, ChildFailed) and outcome.done.after < outcome.done.before:
                outcomes.append((outcome.done.before - outcome.done.after, n, outcome))
            progress.advance()
    finally:
        pool.close()
    saved = 0
    for saving, n, outcome in sorted(outcomes, key=lambda o: (-o[0], o[1])):
        if saved >= excess:
            break
        saved += saving
        work.records[n] = dataclasses.replace(work.records[n], pdf=outcome.pdf)
        work.recompressed[n] = outcome.done


def volume_paths(output: Path, count: int) -> list[Path]:
    """The file names of a packet cut into ``count`` volumes (just ``output`` for one)."""
    if count == 1:
        return [output]
    stem, suffix = output.stem, output.suffix
    return [output.with_name(f"{stem}-part-{k}-of-{count}{suffix}") for k in range(1, count + 1)]


def earlier_parts(output: Path) -> list[Path]:
    """Volumes of an earlier build with the same output name."""
    import re

    pattern = re.compile(
        re.escape(output.stem) + r"-part-(\d+)-of-(\d+)" + re.escape(output.suffix)
    )
    try:
        found = [(pattern.fullmatch(p.name), p) for p in output.parent.iterdir()]
    except OSError:
        return []
    numbered = [((int(m.group(2)), int(m.group(1))), p) for m, p in found if m]
    return [p for _, p in sorted(numbered)]


def write_volumes(
    work: _Work,
    fitting: _Fitting | None,
    first: tuple[Any, bytes],
    fonts: Any,
    secret: str,
    progress: Progress,
) -> list[Volume]:
    """Write every volume to an unnamed file, measure it against the limit, and name them
    all only once every one fits (a volume over the limit: plan again with less room)."""
    budget = work.options.budget
    whole = [Piece(n, 0, len(rp.pages)) for n, rp in enumerate(work.records)]
    plan = fitting.plan if fitting else [whole]
    for _attempt in range(5):
        names = volume_paths(work.output, len(plan))
        if len(plan) > 1 and not work.options.force:
            taken = [p for p in names if p.exists()]
            if taken:
                raise OutputError(
                    f"{taken[0]} already exists.",
                    "Use --force to replace it, or -o to choose another name.",
                )
        written: list[tuple[Volume, Any]] = []
        work.build_id = secrets.token_hex(8)
        work.placed = []
        work.deduplicated = [0, 0]
        over = 0
        fronts = _compose_volumes(work, plan, fonts, names) if len(plan) > 1 else None
        try:
            for k, pieces in enumerate(plan, 1):
                vol = _Volume(k, pieces, names[k - 1], plan)
                drawn = first if fronts is None else _drawn(next(fronts), work, vol, fonts)
                volume, pending = _write_volume(work, vol, drawn, fonts, secret, progress, names)
                written.append((volume, pending))
                if budget is not None and volume.bytes > budget.bytes:
                    over = volume.bytes - budget.bytes
                    break
            if not over:
                _publish_all([pending for _, pending in written])
                return [volume for volume, _ in written]
        finally:
            for _, pending in written:
                pending.discard()  # nothing once published
            if fronts is not None:
                fronts.close()
        assert fitting is not None and budget is not None
        work.over_budget = True
        fitting.room -= over + max(budget.bytes // 100, 20_000)
        fitting.last_resort -= over + 10_000
        plan = fitting.plan = _plan(work, fitting)
    raise OutputError("the packet could not be made to fit its size limit.", "Allow a larger size.")


def _publish_all(pending: list[Any]) -> None:
    """Name every part, or (if naming one fails) none: those already named are removed,
    so that a mixed set of old and new parts is never left."""
    done = []
    try:
        for file in pending:
            file.publish()
            done.append(file.path)
    except BaseException:
        for path in done:
            with contextlib.suppress(OSError):
                path.unlink()
        raise


def _compose_volumes(work: _Work, plan: list[list[Piece]], fonts: Any, names: list[Path]) -> Any:
    """Start drawing every volume's front matter, in child processes: the parent
    assembles and writes one volume while the next one's pages are laid out."""
    from .records.isolate import Limits, Pool

    calls = [
        (work, fonts, _Volume(k, pieces, names[k - 1], plan)) for k, pieces in enumerate(plan, 1)
    ]
    return iter(Pool(_composed, calls, Limits(memory=0, seconds=600.0)))


def _composed(work: _Work, fonts: Any, vol: _Volume) -> tuple[Any, bytes, set[str]]:
    """(In a child) one volume's front matter and closing page, and the characters the
    fonts could not draw."""
    front, closing = compose(work, fonts, vol)
    return front, closing, set(fonts.missing)


def _drawn(outcome: Any, work: _Work, vol: _Volume, fonts: Any) -> tuple[Any, bytes]:
    """A volume's front matter drawn in a child; drawn here if the child failed (so that
    a real error is raised where it can be reported)."""
    from .records.isolate import ChildFailed

    if isinstance(outcome, ChildFailed):
        return compose(work, fonts, vol)
    front, closing, missing = outcome
    fonts.missing |= missing
    return front, closing


def _write_volume(
    work: _Work,
    vol: _Volume,
    first: tuple[Any, bytes],
    fonts: Any,
    secret: str,
    progress: Progress,
    names: list[Path],
) -> tuple[Volume, Any]:
    from .output import Pending
    from .packaging.fit import dedupe

    front, closing = first
    pdf = None
    try:
        pdf = assemble(work, vol, front, closing, progress)
        work.placed += [
            (vol.number, p.record, start + 1, p.count)
            for p, start in zip(vol.pieces, vol.starts, strict=True)
        ]
        stamp_pages(work, vol, pdf, front, fonts, progress)
        add_outline_and_links(work, vol, pdf, front)
        attach_manifest(work, vol, pdf, front, names)
        if work.over_budget:
            dropped, saved = dedupe(pdf)
            work.deduplicated[0] += dropped
            work.deduplicated[1] += saved
        pending = Pending(vol.output)
        try:
            size = encrypt_to(pdf, secret, pending.file)
        except BaseException:
            pending.discard()
            raise
        records = tuple(dict.fromkeys(p.record + 1 for p in vol.pieces))
        return Volume(vol.number, vol.output, len(pdf.pages), size, records), pending
    finally:
        vol.close()
        if pdf is not None:
            pdf.close()


def summaries(work: _Work) -> tuple[RecordSummary, ...]:
    """Each record as the build result reports it: where it starts, in which file (as
    the volumes written placed its pieces)."""
    places: dict[int, list[tuple[int, int, int]]] = {}
    for number, record, first_page, count in work.placed:
        places.setdefault(record, []).append((number, first_page, count))
    out = []
    records = zip(work.lp.packet.records, work.records, work.cleaned, strict=True)
    for n, (r, rp, c) in enumerate(records):
        pieces = places.get(n, [(1, 0, len(rp.pages))])
        out.append(
            RecordSummary(
                r.title,
                Path(r.file).name,
                rp.sha256,
                pieces[0][1],
                len(rp.pages),
                tuple(c.removed),
                c.flattened_fields,
                c.repaired,
                pieces[0][0],
                tuple(pieces) if len(pieces) > 1 else (),
                work.recompressed.get(n),
            )
        )
    return tuple(out)


def remove_stale_outputs(work: _Work, volumes: list[Volume]) -> tuple[Path, ...]:
    """With force: earlier outputs of this packet under the same name that the new
    volumes replace (a single file now cut into parts, or parts of another cut), so that
    nobody uploads an old one by mistake."""
    if not work.options.force:
        return ()
    current = {v.output.resolve() for v in volumes}
    stale = earlier_parts(work.output)
    if len(volumes) > 1 and work.output.exists():
        stale.append(work.output)
    removed = []
    for path in stale:
        if path.resolve() in current:
            continue
        try:
            path.unlink()
            removed.append(path)
        except OSError:
            work.warnings.append(f"could not remove the earlier file {path}; delete it yourself.")
    return tuple(removed)


def _setup_reportlab() -> None:
    from reportlab import rl_config

    rl_config.useA85 = 0  # embed JPEG and other streams as they are, not ASCII-encoded
