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

import datetime as dt
import json
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

from . import __version__
from .check import check_loaded
from .errors import NotReadyError, OutputError, RecordError, UsageError
from .records import RecordAccess

Paper = Literal["letter", "a4"]


@dataclass(frozen=True)
class BuildOptions:
    """How to build a packet."""

    output: Path | None = None
    """Where to write the PDF; default: second-opinion-packet-YYYY-MM-DD.pdf beside the packet."""
    paper: Paper = "letter"
    """Paper size of the packet's own pages and of image records."""
    allow_incomplete: bool = False
    """Build even when required checklist items are missing (the cover says so)."""
    force: bool = False
    """Replace an existing output file."""
    checklist: str | None = None
    """Checklist name or file (default: by specialty)."""
    fallback_checklist: str | None = None
    """The checklist for a packet whose specialty has none of its own (default: general;
    a clinic sets it in its config file)."""
    today: dt.date | None = None
    """The preparation date shown in the packet (default: today)."""
    clinic: str | None = None
    """The clinic preparing the packet, shown on the cover (from the config file)."""
    access: RecordAccess | None = None
    """Where records may be read from, the limits of the child that reads each one, and
    who to ask for a protected record's password (see :class:`RecordAccess`)."""


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

    def to_json(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "file": self.file,
            "sha256": self.sha256,
            "first_page": self.first_page,
            "pages": self.pages,
            "removed": list(self.removed),
            "flattened_fields": self.flattened_fields,
            "repaired": self.repaired,
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

    def to_json(self) -> dict[str, Any]:
        return {
            "sopacket_build": 1,
            "packet_id": self.packet_id,
            "output": str(self.output),
            "pages": self.pages,
            "bytes": self.bytes,
            "ready": self.ready,
            "records": [r.to_json() for r in self.records],
            "warnings": list(self.warnings),
            "urgent_symptoms": list(self.urgent_symptoms),
            "missing": list(self.missing),
        }


class Progress(Protocol):
    def start(self, total: int, label: str) -> None: ...
    def advance(self, label: str | None = None) -> None: ...


class NullProgress:
    def start(self, total: int, label: str) -> None:
        pass

    def advance(self, label: str | None = None) -> None:
        pass


@dataclass
class _Work:
    """What the pipeline has built so far."""

    lp: Any
    report: Any
    output: Path
    options: BuildOptions
    records: list[Any] = field(default_factory=list)
    """Each record's pages (collect.RecordPages), in packet order."""
    record_starts: list[int] = field(default_factory=list)
    """Each record's first page in the packet (0-based)."""
    record_outlines: list[list[Any]] = field(default_factory=list)
    """Each record's own bookmarks, relative to its first page."""
    summaries: list[RecordSummary] = field(default_factory=list)
    cleaned: list[Any] = field(default_factory=list)
    """Each record's sanitise.CleanRecord (what was removed, its bookmarks)."""
    sources: list[Any] = field(default_factory=list)
    """Open PDFs whose pages are copied into the packet (closed once it is written)."""
    warnings: list[str] = field(default_factory=list)


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
    from .fonts import load as load_fonts

    fonts = load_fonts().fresh()
    import warnings

    writer: Any = None
    try:
        with warnings.catch_warnings():
            # Library warnings (pikepdf's page-copy notes, Pillow's size notes) are not for
            # patients; what matters is reported through work.warnings and exit codes.
            warnings.simplefilter("ignore")
            cleaning = start_cleaning(work)
            try:
                hash_records(work)
                front, closing = compose(work, fonts)
                collect_records(work, cleaning, progress)
            finally:
                cleaning.close()
            writer = assemble(work, front, closing, progress)
            stamp_pages(work, writer, front, fonts, progress)
            add_outline_and_links(work, writer, front)
            attach_manifest(work, writer, front)
            if fonts.missing:
                chars = "".join(sorted(fonts.missing))
                work.warnings.append(
                    f"{len(fonts.missing)} character(s) could not be drawn with the installed "
                    f"fonts ({chars}); the packet shows \ufffd in their place. Install a font "
                    "for that script (see the README) and build again."
                )
            size = encrypt_and_write(writer, secret, work.output)
            pages = len(writer.pages)
    finally:
        for source in work.sources:
            source.close()
        if writer is not None:
            writer.close()
    return BuildResult(
        work.output,
        pages,
        size,
        tuple(work.summaries),
        report.ready,
        tuple(work.warnings),
        report.urgent_symptoms,
        lp.id,
        tuple(i.title for i in report.blocking()),
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
    from .collect import selected
    from .compose import PAPER
    from .isolate import GroupedPool

    records = work.lp.packet.records
    for n, (record, info) in enumerate(zip(records, work.report.records, strict=True)):
        if not info.ok:
            raise _record_error(record, f"cannot be used: {info.problem}", info.fix, n)
    import pikepdf  # noqa: F401 - loaded once here, shared by every child

    from .sanitise import clean

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
        )
        for n, (record, info) in enumerate(zip(records, work.report.records, strict=True))
    ]
    return GroupedPool(clean, calls, access.limits, sizes=[_size(c[0]) for c in calls])


def hash_records(work: _Work) -> None:
    """The SHA-256 of each original record file, and the pages it will give."""
    from .collect import RecordPages, selected
    from .records import sha256

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

    from .isolate import ChildFailed

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


def compose(work: _Work, fonts: Any) -> tuple[Any, bytes]:
    from .compose import Composer, RecordEntry

    packet = work.lp.packet
    entries = [
        RecordEntry(
            r.title,
            r.kind,
            r.date,
            r.source,
            Path(r.file).name,
            rp.sha256,
            len(rp.pages),
            selection=r.pages,
            original_pages=info.pages or 0,
        )
        for r, rp, info in zip(packet.records, work.records, work.report.records, strict=True)
    ]
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
    )
    return composer.front_matter(), composer.closing()


def assemble(work: _Work, front: Any, closing: bytes, progress: Progress) -> Any:
    """Front matter, then every record's cleaned pages, then the closing page
    (pikepdf/qpdf). Links within a record are pointed at their pages in the packet."""
    import io

    import pikepdf

    pdf = pikepdf.new()
    work.sources = [pikepdf.open(io.BytesIO(front.pdf))]
    pdf.pages.extend(work.sources[0].pages)
    starts = work.record_starts
    progress.start(len(work.records), "Assembling")
    for rp, record, cleaned in zip(work.records, work.lp.packet.records, work.cleaned, strict=True):
        start = len(pdf.pages)
        starts.append(start)
        try:
            source = pikepdf.open(io.BytesIO(rp.pdf))
            work.sources.append(source)
            pdf.pages.extend(source.pages)
            _point_links(pdf, start, len(source.pages))
        except (pikepdf.PdfError, ValueError, IndexError, TypeError) as exc:
            raise _record_error(
                record,
                f"could not be placed in the packet ({type(exc).__name__})",
                "Open it and save or print it to a new PDF, then build again.",
                rp.index,
            ) from None
        work.record_outlines.append(cleaned.outline)
        progress.advance()
    closing_pdf = pikepdf.open(io.BytesIO(closing))
    work.sources.append(closing_pdf)
    pdf.pages.extend(closing_pdf.pages)
    work.summaries = [
        RecordSummary(
            r.title,
            Path(r.file).name,
            rp.sha256,
            start + 1,
            len(rp.pages),
            tuple(c.removed),
            c.flattened_fields,
            c.repaired,
        )
        for r, rp, start, c in zip(
            work.lp.packet.records, work.records, starts, work.cleaned, strict=True
        )
    ]
    return pdf


def _point_links(pdf: Any, start: int, count: int) -> None:
    """A cleaned record's links name a page offset within the record (see
    :mod:`sopacket.sanitise`); point each at that page of the packet."""
    import pikepdf

    for page in pdf.pages[start : start + count]:
        annots = page.obj.get("/Annots")
        if not isinstance(annots, pikepdf.Array):
            continue
        for annot in annots:
            dest = annot.get("/Dest")
            if isinstance(dest, pikepdf.Array) and len(dest) and isinstance(dest[0], int):
                offset = int(dest[0])
                if 0 <= offset < count:
                    dest[0] = pdf.pages[start + offset].obj


def _section_of(work: _Work, front: Any, index: int) -> str:
    from .compose import SECTION_TITLES, SECTIONS

    starts = work.record_starts
    if index < front.pages:
        current = "Cover"
        for name in SECTIONS:
            if front.starts.get(name, 10**9) <= index:
                current = SECTION_TITLES[name]
        return current
    for n in reversed(range(len(starts))):
        if starts[n] <= index < starts[n] + len(work.records[n].pages):
            return f"Record {n + 1}: {work.lp.packet.records[n].title}"
    return SECTION_TITLES["closing"]


def stamp_pages(work: _Work, pdf: Any, front: Any, fonts: Any, progress: Progress) -> None:
    """Every page gets the identification band, in a strip added below what a reader sees."""
    import io

    import pikepdf

    from .stamp import Band, band_pdf, extend_and_stamp, visible_size

    patient = work.lp.packet.patient
    dob = patient.date_of_birth.isoformat() if patient.date_of_birth else "unknown"
    name, born = patient.name or "Patient", f"born {dob}"
    bands = []
    for n, page in enumerate(pdf.pages):
        width, rotation = visible_size(page)
        bands.append(Band(name, born, _section_of(work, front, n), width, rotation))
    band_source = pikepdf.open(io.BytesIO(band_pdf(bands, fonts)))
    work.sources.append(band_source)
    progress.start(len(pdf.pages), "Stamping pages")
    for n, (page, band, band_page) in enumerate(
        zip(pdf.pages, bands, band_source.pages, strict=True)
    ):
        try:
            extend_and_stamp(pdf, page, band_page, band.rotation)
        except (ValueError, TypeError, pikepdf.PdfError):
            # Record pages were checked when cleaned; this is a last line of defence.
            starts = work.record_starts
            index = next(
                (
                    r
                    for r, start in enumerate(starts)
                    if start <= n < start + len(work.records[r].pages)
                ),
                None,
            )
            if index is None:  # sopacket's own pages: a bug, reported as one
                raise
            raise _record_error(
                work.lp.packet.records[index],
                f"could not be placed in the packet: its page {n - starts[index] + 1} cannot "
                "be given its band",
                "Open it and print it to a new PDF, then build again.",
                index,
            ) from None
        progress.advance()


def add_outline_and_links(work: _Work, pdf: Any, front: Any) -> None:
    from pikepdf import Array, Dictionary, Name, OutlineItem

    from .compose import SECTION_TITLES, SECTIONS

    starts = work.record_starts
    closing_page = len(pdf.pages) - 1
    with pdf.open_outline() as outline:
        for name in SECTIONS:
            outline.root.append(OutlineItem(SECTION_TITLES[name], front.starts[name]))
        for n, record in enumerate(work.lp.packet.records):
            item = OutlineItem(f"{n + 1}. {record.title}", starts[n])
            _add_children(item, starts[n], work.record_outlines[n])
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


def attach_manifest(work: _Work, pdf: Any, front: Any) -> None:
    """A machine-readable manifest inside the (encrypted) PDF, for clinics and `verify`."""
    import pikepdf

    packet = work.lp.packet
    manifest = {
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
            {
                "title": r.title,
                "kind": r.kind,
                "date": r.date.isoformat() if r.date else None,
                "source": r.source,
                "original_file_name": Path(r.file).name,
                "sha256": s.sha256,
                "bytes": rp.size,
                "pages_selected": r.pages,
                "packet_pages": [s.first_page, s.first_page + s.pages - 1],
            }
            for r, s, rp in zip(packet.records, work.summaries, work.records, strict=True)
        ],
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


def build_settings(options: BuildOptions) -> dict[str, Any]:
    """The options that shape a packet's content (kept in its manifest: a batch rebuilds a
    packet whose options changed)."""
    return {
        "paper": options.paper,
        "checklist": options.checklist,
        "fallback_checklist": options.fallback_checklist,
        "clinic": options.clinic,
        "allow_incomplete": options.allow_incomplete,
    }


def encrypt_and_write(pdf: Any, password: str, output: Path) -> int:
    """AES-256 (revision 6), written atomically, reopened and counted before it counts."""
    import pikepdf

    from .output import atomic_writer

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
    with atomic_writer(output) as fh:
        pdf.save(
            fh,
            encryption=encryption,
            object_stream_mode=pikepdf.ObjectStreamMode.generate,
            fix_metadata_version=False,
        )
        fh.flush()
        fh.seek(0)
        # Reopen what was written, with the password, before it replaces anything.
        try:
            with pikepdf.open(fh, password=password) as check:  # type: ignore[arg-type]
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
    return output.stat().st_size


def _setup_reportlab() -> None:
    from reportlab import rl_config

    rl_config.useA85 = 0  # embed JPEG and other streams as they are, not ASCII-encoded
