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
import hashlib
import json
import os
import secrets
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

    def to_json(self) -> dict[str, Any]:
        return {
            "sopacket_build": 1,
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
    warnings: list[str] = field(default_factory=list)


def build(
    packet: Path | str,
    password: str,
    options: BuildOptions | None = None,
    progress: Progress | None = None,
) -> BuildResult:
    """Build the encrypted packet for ``packet`` and return what was written."""
    options = options or BuildOptions()
    progress = progress or NullProgress()
    lp, report = check_loaded(packet, options.checklist)
    require_ready(report, options)
    work = _Work(lp, report, output_path(lp, options), options)
    _setup_reportlab()
    from .fonts import load as load_fonts

    fonts = load_fonts().fresh()
    collect_records(work, progress)
    front, closing = compose(work, fonts)
    writer = assemble(work, front, closing, progress)
    stamp_pages(work, writer, front, fonts, progress)
    add_outline_and_links(work, writer, front)
    attach_manifest(work, writer, front)
    if fonts.missing:
        chars = "".join(sorted(fonts.missing))
        work.warnings.append(
            f"{len(fonts.missing)} character(s) could not be drawn with the installed fonts "
            f"({chars}); the packet shows \ufffd in their place. Install a font for that script "
            "(see the README) and build again."
        )
    size = encrypt_and_write(writer, password, work.output)
    pages = len(writer.pages)
    return BuildResult(
        work.output,
        pages,
        size,
        tuple(work.summaries),
        report.ready,
        tuple(work.warnings),
        report.urgent_symptoms,
    )


# --- the steps ------------------------------------------------------------------------


def require_ready(report: Any, options: BuildOptions) -> None:
    if report.ready or options.allow_incomplete:
        return
    missing = "; ".join(f"{i.title}: {i.fix}" for i in report.blocking())
    raise NotReadyError(
        f"the packet is not ready: {missing}",
        "Fix these (run `sopacket check` for details), or build anyway with --allow-incomplete.",
    )


def default_output(lp: Any, today: dt.date) -> Path:
    folder = lp.path.resolve().parent if lp.path else Path.cwd()
    return folder / f"second-opinion-packet-{today.isoformat()}.pdf"


def output_path(lp: Any, options: BuildOptions) -> Path:
    """Check where the packet will be written before any expensive work."""
    today = options.today or dt.date.today()
    out = Path(options.output) if options.output else default_output(lp, today)
    if out.suffix.lower() != ".pdf":
        raise UsageError(f"the output {out} does not end in .pdf.", "Name the output file.pdf.")
    if out.is_dir():
        raise OutputError(f"{out} is a folder.", "Give a file name, e.g. -o packet.pdf.")
    resolved = out.resolve()
    inputs = [lp.path.resolve()] if lp.path else []
    inputs += [lp.record_path(i).resolve() for i in range(len(lp.packet.records))]
    if resolved in inputs:
        raise OutputError(
            f"{out} is one of the packet's own files; writing there would destroy it.",
            "Choose another output name.",
        )
    if out.exists() and not options.force:
        raise OutputError(
            f"{out} already exists.", "Use --force to replace it, or -o to choose another name."
        )
    if not out.parent.is_dir():
        raise OutputError(
            f"the folder {out.parent} does not exist.", "Create it, or choose another."
        )
    if not os.access(out.parent, os.W_OK):
        raise OutputError(f"cannot write in {out.parent}.", "Choose a folder you can write to.")
    return out


def collect_records(work: _Work, progress: Progress) -> None:
    """Hash each record file and turn it into the pages that go into the packet."""
    from .collect import record_pages
    from .compose import PAPER

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
        digest, size = _hash(path)
        try:
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


def _hash(path: Path) -> tuple[str, int]:
    h = hashlib.sha256()
    size = 0
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
            size += len(chunk)
    return h.hexdigest(), size


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
    """Front matter, then every record's pages, then the closing page."""
    import io

    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(front.pdf)), import_outline=False)
    starts = work.record_starts
    progress.start(len(work.records), "Assembling")
    for rp in work.records:
        starts.append(len(writer.pages))
        source = PdfReader(
            io.BytesIO(rp.pdf) if isinstance(rp.pdf, bytes) else rp.pdf, strict=False
        )
        if source.is_encrypted:
            source.decrypt("")
        writer.append(source, pages=rp.pages, import_outline=False)
        work.record_outlines.append(_record_outline(source, rp.pages))
        progress.advance()
    writer.append(PdfReader(io.BytesIO(closing)), import_outline=False)
    work.summaries = [
        RecordSummary(r.title, Path(r.file).name, rp.sha256, start + 1, len(rp.pages))
        for r, rp, start in zip(work.lp.packet.records, work.records, starts, strict=True)
    ]
    return writer


def _record_outline(reader: Any, pages: list[int]) -> list[Any]:
    """A record's own bookmarks as (title, page offset within the record, children)."""
    where = {p: n for n, p in enumerate(pages)}

    def walk(items: list[Any]) -> list[Any]:
        out: list[Any] = []
        last: list[Any] | None = None
        for item in items:
            if isinstance(item, list):
                if last is not None:
                    last[2].extend(walk(item))
                continue
            try:
                page = reader.get_destination_page_number(item)
            except Exception:
                page = None
            if page is None or page not in where:
                last = None
                continue
            last = [str(item.title or "")[:200], where[page], []]
            out.append(last)
        return out

    try:
        return walk(reader.outline)
    except Exception:  # a damaged outline costs the record's bookmarks, not the build
        return []


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
        if index >= starts[n] and index < starts[n] + len(work.records[n].pages):
            return f"Record {n + 1}: {work.lp.packet.records[n].title}"
    return SECTION_TITLES["closing"]


def stamp_pages(work: _Work, writer: Any, front: Any, fonts: Any, progress: Progress) -> None:
    """Every page gets the identification band, in a strip added below its content."""
    import io

    from pypdf import PdfReader

    from .stamp import Band, band_pdf, extend_and_stamp

    patient = work.lp.packet.patient
    dob = patient.date_of_birth.isoformat() if patient.date_of_birth else "unknown"
    name, born = patient.name or "Patient", f"born {dob}"
    for page in writer.pages:
        if page.get("/Rotate", 0):
            page.transfer_rotation_to_content()
    bands = [
        Band(name, born, _section_of(work, front, n), float(page.cropbox.width))
        for n, page in enumerate(writer.pages)
    ]
    band_reader = PdfReader(io.BytesIO(band_pdf(bands, fonts)))
    progress.start(len(writer.pages), "Stamping pages")
    for page, band_page in zip(writer.pages, band_reader.pages, strict=True):
        extend_and_stamp(writer, page, band_page)
        progress.advance()


def add_outline_and_links(work: _Work, writer: Any, front: Any) -> None:
    from pypdf.annotations import Link

    from .compose import SECTION_TITLES, SECTIONS

    starts = work.record_starts
    closing_page = len(writer.pages) - 1
    for name in SECTIONS:
        writer.add_outline_item(title=SECTION_TITLES[name], page_number=front.starts[name])
    for n, record in enumerate(work.lp.packet.records):
        parent = writer.add_outline_item(title=f"{n + 1}. {record.title}", page_number=starts[n])
        _add_children(writer, parent, starts[n], work.record_outlines[n])
    writer.add_outline_item(title=SECTION_TITLES["closing"], page_number=closing_page)
    # Contents rows become links to their pages (the strip added below moved nothing).
    for link in front.links:
        if link.target.startswith("record:"):
            target = starts[int(link.target.split(":")[1])]
        elif link.target == "closing":
            target = closing_page
        else:
            target = front.starts[link.target]
        x0, y0, x1, y1 = link.rect
        writer.add_annotation(link.page, Link(rect=(x0, y0, x1, y1), target_page_index=target))
    writer.page_mode = "/UseOutlines"


def _add_children(writer: Any, parent: Any, start: int, items: list[Any]) -> None:
    for title, offset, children in items:
        child = writer.add_outline_item(
            title=title or "(untitled)", page_number=start + offset, parent=parent
        )
        _add_children(writer, child, start, children)


def attach_manifest(work: _Work, writer: Any, front: Any) -> None:
    """A machine-readable manifest inside the (encrypted) PDF, for clinics and `verify`."""
    packet = work.lp.packet
    summaries = work.summaries
    manifest = {
        "sopacket_manifest": 1,
        "generator": f"sopacket {__version__}",
        "packet_id": work.lp.id,
        "prepared": (work.options.today or dt.date.today()).isoformat(),
        "ready": work.report.ready,
        "front_matter_pages": front.pages,
        "total_pages": len(writer.pages),
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
            for r, s, rp in zip(packet.records, summaries, work.records, strict=True)
        ],
    }
    data = json.dumps(manifest, ensure_ascii=False, indent=2).encode("utf-8")
    writer.add_attachment("manifest.json", data)


def encrypt_and_write(writer: Any, password: str, output: Path) -> int:
    """AES-256 (revision 6), written atomically, reopened and counted before it counts."""
    from pypdf import PdfReader
    from pypdf.constants import UserAccessPermissions as P
    from pypdf.generic import DictionaryObject, NameObject, NumberObject

    from .output import atomic_writer

    writer.add_metadata({"/Producer": f"sopacket {__version__}", "/Title": "Second-opinion packet"})
    writer.pdf_header = b"%PDF-1.7"
    writer._root_object[NameObject("/Extensions")] = DictionaryObject(
        {
            NameObject("/ADBE"): DictionaryObject(
                {
                    NameObject("/BaseVersion"): NameObject("/1.7"),
                    NameObject("/ExtensionLevel"): NumberObject(8),
                }
            )
        }
    )
    allowed = P.PRINT | P.PRINT_TO_REPRESENTATION | P.EXTRACT | P.EXTRACT_TEXT_AND_GRAPHICS
    writer.encrypt(
        user_password=password,
        owner_password=secrets.token_urlsafe(32),
        algorithm="AES-256",
        permissions_flag=allowed,
    )
    expected = len(writer.pages)
    with atomic_writer(output) as fh:
        writer.write(fh)
        fh.flush()
        # Reopen what was written, with the password, before it replaces anything.
        fh.seek(0)
        reader = PdfReader(fh, strict=False)
        if not reader.is_encrypted or not reader.decrypt(password):
            raise OutputError(
                "the written packet could not be opened with its password.",
                "This is a bug; please report it.",
            )
        if len(reader.pages) != expected:
            raise OutputError(
                f"the written packet has {len(reader.pages)} pages instead of {expected}.",
                "This is a bug; please report it.",
            )
    return output.stat().st_size


def _setup_reportlab() -> None:
    from reportlab import rl_config

    rl_config.useA85 = 0  # embed JPEG and other streams as they are, not ASCII-encoded
