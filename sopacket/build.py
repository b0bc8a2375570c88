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
    today: dt.date | None = None
    """The preparation date shown in the packet (default: today)."""


@dataclass(frozen=True)
class RecordSummary:
    title: str
    file: str
    sha256: str
    first_page: int
    pages: int

    def to_json(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "file": self.file,
            "sha256": self.sha256,
            "first_page": self.first_page,
            "pages": self.pages,
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
    lp, report = check_loaded(packet, options.checklist)
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
            collect_records(work, progress)
            front, closing = compose(work, fonts)
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
    )


# --- the steps ------------------------------------------------------------------------


def require_ready(report: Any, options: BuildOptions) -> None:
    if report.ready or options.allow_incomplete:
        return
    missing = "".join(f"\n  - {i.title}" for i in report.blocking())
    raise NotReadyError(
        f"the packet is not ready yet. Still to do:{missing}",
        "Run `sopacket check` to see how to fix each one, or build anyway with "
        "--allow-incomplete (the cover then lists what is missing).",
    )


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


def collect_records(work: _Work, progress: Progress) -> None:
    """Hash each record file and turn it into the pages that go into the packet."""
    from .collect import record_pages
    from .compose import PAPER
    from .records import sha256

    records = work.lp.packet.records
    progress.start(len(records), "Reading records")
    for n, (record, info) in enumerate(zip(records, work.report.records, strict=True)):
        if not info.ok:
            raise RecordError(
                f"the record \u201c{record.title}\u201d ({record.file}) cannot be used: "
                f"{info.problem}.",
                info.fix,
            )
        path = work.lp.record_path(n)
        try:
            digest, size = sha256(path)
            work.records.append(
                record_pages(n, info, record.pages, PAPER[work.options.paper], digest, size)
            )
        except Exception as exc:  # a parser's error: name the record, not the library
            raise RecordError(
                f"the record \u201c{record.title}\u201d ({record.file}) could not be placed "
                f"in the packet ({type(exc).__name__}).",
                "Save or export it again (for example, print it to a new PDF).",
            ) from None
        progress.advance()


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
    )
    return composer.front_matter(), composer.closing()


def assemble(work: _Work, front: Any, closing: bytes, progress: Progress) -> Any:
    """Front matter, then every record's pages, then the closing page (pikepdf/qpdf).

    Record files are opened lazily: their pages' streams are copied from the files when
    the packet is written, not held in memory.
    """
    import io

    import pikepdf

    pdf = pikepdf.new()
    work.sources = [pikepdf.open(io.BytesIO(front.pdf))]
    pdf.pages.extend(work.sources[0].pages)
    starts = work.record_starts
    progress.start(len(work.records), "Assembling")
    for rp, record, info in zip(
        work.records, work.lp.packet.records, work.report.records, strict=True
    ):
        starts.append(len(pdf.pages))
        try:
            source = pikepdf.open(
                io.BytesIO(rp.pdf) if isinstance(rp.pdf, bytes) else rp.pdf,
                access_mode=pikepdf.AccessMode.stream,  # read from the file, do not map it
            )
            work.sources.append(source)
            if isinstance(rp.pdf, Path) and len(source.pages) != info.pages:
                # Two readers disagree about the pages: taking "page 2" could take another.
                raise ValueError("page count")
            pdf.pages.extend(source.pages[i] for i in rp.pages)
        except (pikepdf.PdfError, ValueError, IndexError, TypeError) as exc:
            detail = (
                "its page tree is damaged (readers disagree on its pages)"
                if str(exc) == "page count"
                else f"it is damaged ({type(exc).__name__})"
            )
            raise RecordError(
                f"the record \u201c{record.title}\u201d ({record.file}) could not be placed "
                f"in the packet: {detail}.",
                "Open it and save or print it to a new PDF, then build again.",
            ) from None
        work.record_outlines.append(_record_outline(source, rp.pages))
        progress.advance()
    closing_pdf = pikepdf.open(io.BytesIO(closing))
    work.sources.append(closing_pdf)
    pdf.pages.extend(closing_pdf.pages)
    work.summaries = [
        RecordSummary(r.title, Path(r.file).name, rp.sha256, start + 1, len(rp.pages))
        for r, rp, start in zip(work.lp.packet.records, work.records, starts, strict=True)
    ]
    return pdf


def _record_outline(source: Any, pages: list[int]) -> list[Any]:
    """A record's own bookmarks as [title, page offset within the record, children]."""
    where = {p: n for n, p in enumerate(pages)}
    objgen = {page.obj.objgen: n for n, page in enumerate(source.pages)}

    def page_of(item: Any) -> int | None:
        dest = item.destination
        if dest is None and item.action is not None and item.action.get("/D") is not None:
            dest = item.action.D
        if isinstance(dest, str) or (dest is not None and not hasattr(dest, "__len__")):
            dest = _named_destination(source, str(dest))
        if dest is None or len(dest) == 0:
            return None
        target = dest[0]
        if isinstance(target, int):
            return target
        return objgen.get(target.objgen)

    def walk(items: list[Any], depth: int) -> list[Any]:
        out: list[Any] = []
        for item in items:
            page = page_of(item)
            children = walk(list(item.children), depth + 1) if depth < 16 else []
            if page is None or page not in where:
                out.extend(children)  # keep reachable children of an unreachable entry
                continue
            out.append([str(item.title or "")[:200], where[page], children])
        return out

    try:
        with source.open_outline() as outline:
            return walk(list(outline.root), 0)
    except Exception:  # a damaged outline costs the record's bookmarks, not the build
        return []


def _named_destination(source: Any, name: str) -> Any:
    import pikepdf

    try:
        names = source.Root.Names.Dests
        dest = pikepdf.NameTree(names).get(name.lstrip("/"))
    except (AttributeError, KeyError):
        dest = source.Root.get("/Dests", {}).get("/" + name.lstrip("/"))
    if isinstance(dest, pikepdf.Dictionary):
        dest = dest.get("/D")
    return dest


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
    for page, band, band_page in zip(pdf.pages, bands, band_source.pages, strict=True):
        extend_and_stamp(pdf, page, band_page, band.rotation)
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
