"""Build the encrypted packet: the story that turns a packet file into checked,
encrypted PDF files.

    check -> choose the output -> password -> start cleaning the records (in capped
    children) -> front matter -> collect the cleaned records -> plan the volumes (to fit
    a size limit) -> write each volume (assemble, stamp, outline, manifest, encrypt,
    sign when asked; all of them or none) -> remove earlier outputs it replaces -> the
    result

Each step is a plain function in its stage's folder, taking what the previous one
returned and returning an immutable value. Nothing unencrypted touches the disk: the
pages are put together in memory, and each file is written by pikepdf with AES-256
into an unnamed file (:class:`sopacket.output.Pending`), which is named only once it has
been reopened with the password and its pages counted, and every volume fits.
"""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .checking.check import check_loaded, require_ready
from .options import BuildOptions, build_settings
from .packaging.destination import choose_output, remove_stale_outputs
from .packaging.fit import Budget
from .packaging.front import Listing, draw_front, listed
from .packaging.manifest import About
from .packaging.plan import plan_packet
from .packaging.sign import load_signer
from .packaging.volumes import Written, write_volumes
from .passwords import PacketSource
from .progress import NullProgress, Progress
from .records.gather import Cleaning, Original, require_usable, start_cleaning
from .records.isolate import forbid_core_dumps
from .records.recompress import Recompressed

if TYPE_CHECKING:  # types only: loaded where used (the models by the check, as it reads)
    from .checking.checklist import CheckReport
    from .packetfile.validation import LoadedPacket
    from .render.fonts import FontSet

__all__ = ["BuildOptions", "BuildResult", "RecordSummary", "Volume", "build"]

PasswordSource = str | Callable[[str], str] | PacketSource
"""A password, or a function given the packet id that returns one (asked only once the
packet is known to be ready and its output path is usable). Either is judged as the
command line judges a password: never empty, and not weak nor made of the packet's own
details unless ``BuildOptions(allow_weak_password=True)``. A :class:`PacketSource` (the
command line's) judges it itself, with the packet's words."""


def build(
    packet: Path | str,
    password: PasswordSource,
    options: BuildOptions | None = None,
    progress: Progress | None = None,
) -> BuildResult:
    """Build the encrypted packet for ``packet`` and return what was written."""
    forbid_core_dumps()  # from here on this process holds the password and patient data
    options = options or BuildOptions()
    progress = progress or NullProgress()
    lp, report = check_loaded(
        packet, options.checklist, access=options.access, fallback=options.fallback_checklist
    )
    require_usable(lp.packet.records, report.records)
    require_ready(report, allow_incomplete=options.allow_incomplete)
    output = choose_output(
        lp, options.output, options.today, force=options.force, cut=options.budget is not None
    )
    secret, judged = _password(lp, password, options)
    signer = load_signer(options.sign) if options.sign else None
    fonts = _reportlab_fonts()
    with _library_warnings_off():
        with _start_cleaning(lp, report, options) as cleaning:
            listing = _listing(lp, report, options, cleaning.originals)
            first = draw_front(listing, fonts)  # while the children clean the records
            gathered = cleaning.collect(progress)
        plan = plan_packet(gathered.records, first, options.budget, options.access, progress)
        about = _about(lp, report, options)
        written = write_volumes(
            plan,
            first,
            listing,
            about,
            fonts,
            secret,
            progress,
            output=output,
            force=options.force,
            signer=signer,
        )
    removed = remove_stale_outputs(output, written.files, force=options.force)
    warned = (*judged, *gathered.warnings, *removed.warnings, *_undrawable(fonts))
    return _result(lp, report, options, written, removed.files, warned)


# --- what the story needs from the options and the check ----------------------------------


def _password(
    lp: LoadedPacket, password: PasswordSource, options: BuildOptions
) -> tuple[str, tuple[str, ...]]:
    """The packet's password, judged against the packet's own details (see
    PasswordSource), and the warnings the result carries about it."""
    from .passwords import judge, packet_words

    words = packet_words(lp.packet, lp.id)
    if isinstance(password, PacketSource):  # it judged (and warned) already
        value = password.for_packet(lp.id, words).value
        judge(value, allow_weak=True)  # only the rule no one may opt out of: not empty
        return value, ()
    value = password(lp.id) if callable(password) else password
    # the same words serve a batch (whose packets build through here) and the Python API
    opt_out = (
        "build it with `sopacket build --allow-weak-password` (in Python: "
        "BuildOptions(allow_weak_password=True))"
    )
    return value, judge(value, words, options.allow_weak_password, opt_out)


def _start_cleaning(lp: LoadedPacket, report: CheckReport, options: BuildOptions) -> Cleaning:
    """Start cleaning the records in capped children, images drawn on the packet's paper;
    their images are surveyed for recompression when a size limit allows it."""
    from .render.compose import PAPER

    survey = options.budget is not None and options.budget.recompress
    return start_cleaning(lp, report.records, PAPER[options.paper], options.access, survey)


def _listing(
    lp: LoadedPacket, report: CheckReport, options: BuildOptions, records: tuple[Original, ...]
) -> Listing:
    """What every volume's front matter is drawn from."""
    return Listing(
        lp.packet,
        lp.id,
        listed(records),
        missing=tuple(i.title for i in report.blocking() if i.status == "missing"),
        urgent=tuple(report.urgent_symptoms),
        paper=options.paper,
        prepared=options.today,
        clinic=options.clinic,
    )


def _about(lp: LoadedPacket, report: CheckReport, options: BuildOptions) -> About:
    """What every volume's manifest says of the packet."""
    return About(
        lp.id,
        options.today or dt.date.today(),
        report.ready,
        build_settings(options),
        lp.packet.model_dump(mode="json", exclude_none=True),
    )


def _reportlab_fonts() -> FontSet:
    """The packet's fonts, with reportlab set to embed JPEG and other streams as they are,
    not ASCII-encoded (before the children that draw image records start)."""
    from reportlab import rl_config

    from .render.fonts import load

    rl_config.useA85 = 0
    return load().fresh()


@contextmanager
def _library_warnings_off() -> Iterator[None]:
    """Library warnings (pikepdf's page-copy notes, Pillow's size notes) are not for
    patients; what matters is reported through the result's warnings and exit codes."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def _undrawable(fonts: FontSet) -> tuple[str, ...]:
    if not fonts.missing:
        return ()
    chars = "".join(sorted(fonts.missing))
    return (
        f"{len(fonts.missing)} character(s) could not be drawn with the installed "
        f"fonts ({chars}); the packet shows \ufffd in their place. Install a font "
        "for that script (see the README) and build again.",
    )


def _result(
    lp: LoadedPacket,
    report: CheckReport,
    options: BuildOptions,
    written: Written,
    removed: tuple[Path, ...],
    warned: tuple[str, ...],
) -> BuildResult:
    volumes = tuple(
        Volume(number=v.number, output=v.output, pages=v.pages, bytes=v.bytes, records=v.records)
        for v in written.volumes
    )
    return BuildResult(
        output=volumes[0].output,
        pages=sum(v.pages for v in volumes),
        bytes=sum(v.bytes for v in volumes),
        records=_summaries(written),
        ready=report.ready,
        warnings=warned,
        urgent_symptoms=report.urgent_symptoms,
        packet_id=lp.id,
        missing=tuple(i.title for i in report.blocking()),
        volumes=volumes,
        budget=options.budget,
        size_before=written.plan.size_before,
        deduplicated=written.deduplicated,
        removed_files=removed,
    )


def _summaries(written: Written) -> tuple[RecordSummary, ...]:
    """Each record as the build result reports it: where it starts, in which file (as
    the volumes written placed its pieces)."""
    places: dict[int, list[tuple[int, int, int]]] = {}
    for volume in written.volumes:
        for record, first_page, count in volume.placed:
            places.setdefault(record, []).append((volume.number, first_page, count))
    out = []
    for r in written.plan.records:
        pieces = places.get(r.index, [(1, 0, r.pages)])
        out.append(
            RecordSummary(
                title=r.entry.title,
                file=Path(r.entry.file).name,
                sha256=r.sha256,
                first_page=pieces[0][1],
                pages=r.pages,
                removed=r.removed,
                flattened_fields=r.flattened_fields,
                repaired=r.repaired,
                volume=pieces[0][0],
                pieces=tuple(pieces) if len(pieces) > 1 else (),
                recompressed=r.recompressed,
            )
        )
    return tuple(out)


# --- the result ------------------------------------------------------------------------


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
