"""Write every volume of the plan: all of them, or none.

Each volume is assembled in memory, stamped, given its outline and manifest (with a
digest of every page), encrypted into an unnamed file (:class:`sopacket.output.Pending`),
signed there when asked (``build --sign``) and reopened with its password;
its size is then measured against the limit. The volumes are named only once every one
fits; a volume over the limit has the packet planned again with less room. With several
volumes, each one's front matter is drawn in a child process while the parent writes the
one before.
"""

from __future__ import annotations

import dataclasses
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from ..errors import OutputError
from ..output import Pending
from ..progress import Progress
from ..records.isolate import ChildFailed, Limits, Pool
from . import encrypt
from .assemble import Document, add_outline_and_links, assemble, stamp_pages
from .destination import publish_all, require_free, volume_paths
from .fit import Piece
from .front import Drawn, Listing, draw_front, listed
from .manifest import About, Cut, attach_manifest, manifest
from .plan import Plan
from .sign import sign_into

if TYPE_CHECKING:  # types only: each loads where it is used
    from ..render.fonts import FontSet

ATTEMPTS = 5
"""Plans tried before giving up on a limit the volumes keep coming out over."""


@dataclass(frozen=True)
class WrittenVolume:
    """One file written (and named)."""

    number: int
    output: Path
    pages: int
    bytes: int
    records: tuple[int, ...]
    """1-based numbers of the records it holds (whole or in part)."""
    placed: tuple[tuple[int, int, int], ...]
    """(record, first page here (1-based), pages) for each piece it holds."""
    deduplicated: tuple[int, int]
    """Identical resources stored once (copies dropped, bytes saved)."""


@dataclass(frozen=True)
class Written:
    volumes: tuple[WrittenVolume, ...]
    plan: Plan
    """The plan the volumes were written to (its records: as they went in)."""

    @property
    def files(self) -> tuple[Path, ...]:
        return tuple(v.output for v in self.volumes)

    @property
    def deduplicated(self) -> tuple[int, int]:
        return (
            sum(v.deduplicated[0] for v in self.volumes),
            sum(v.deduplicated[1] for v in self.volumes),
        )


class _Common(NamedTuple):
    """What every volume is made with, besides its own pieces."""

    listing: Listing
    about: About
    fonts: FontSet
    secret: str
    progress: Progress
    force: bool
    """An existing file may be replaced (else a name taken meanwhile fails the build)."""
    signer: Any = None
    """The pyHanko signer every volume is signed with (``build --sign``), or None."""


def write_volumes(
    plan: Plan,
    first: Drawn,
    listing: Listing,
    about: About,
    fonts: FontSet,
    secret: str,
    progress: Progress,
    *,
    output: Path,
    force: bool,
    signer: Any = None,
) -> Written:
    """Write every volume of ``plan`` to an unnamed file, measure it against the limit,
    and name them all at ``output`` (numbered parts when cut) only once every one fits.
    ``first``: the front matter of the uncut packet, drawn from ``listing`` already.
    ``signer`` (see :func:`sign.load_signer`): each volume is signed once encrypted."""
    common = _Common(
        dataclasses.replace(listing, records=listed(plan.records)),
        about,
        fonts,
        secret,
        progress,
        force,
        signer,
    )
    # An uncut packet's front matter is drawn again if records were recompressed or had
    # hidden layers left out: its records index tells the reviewer which.
    noted = plan.recompressed or any(r.hidden_layers for r in plan.records)
    single = None if noted else first
    for _attempt in range(ATTEMPTS):
        names = volume_paths(output, len(plan.volumes))
        require_free(names, force)
        if single is None and len(plan.volumes) == 1:
            single = draw_front(common.listing, fonts)
        volumes, over = _write_all(plan, names, single, common)
        if not over:
            return Written(volumes, plan)
        plan = plan.tighter(over)
    raise OutputError("the packet could not be made to fit its size limit.", "Allow a larger size.")


def _write_all(
    plan: Plan, names: list[Path], single: Drawn | None, common: _Common
) -> tuple[tuple[WrittenVolume, ...], int]:
    """Write the volumes and name them all; or stop at the first over the limit, naming
    none, and say by how many bytes it was over."""
    budget = plan.budget
    build = secrets.token_hex(8)
    written: list[tuple[WrittenVolume, Pending]] = []
    drawing = _draw_in_children(plan, common) if len(plan.volumes) > 1 else None
    fronts = iter(drawing) if drawing is not None else None
    try:
        for k, pieces in enumerate(plan.volumes, 1):
            drawn = single if fronts is None else _drawn(next(fronts), plan, k, common)
            assert drawn is not None
            cut = Cut(k, plan.volumes, build, names, plan.records) if len(names) > 1 else None
            volume, pending = _write_volume(plan, k, pieces, names[k - 1], drawn, cut, common)
            written.append((volume, pending))
            if budget is not None and volume.bytes > budget.bytes:
                return (), volume.bytes - budget.bytes
        publish_all([pending for _, pending in written])
        return tuple(volume for volume, _ in written), 0
    finally:
        for _, pending in written:
            pending.discard()  # nothing once published
        if drawing is not None:
            drawing.close()


def _draw_in_children(plan: Plan, common: _Common) -> Pool[Drawn]:
    """Start drawing every volume's front matter, in child processes (each given only
    the listing, the fonts and the plan): the parent assembles and writes one volume
    while the next one's pages are laid out."""
    calls = [
        (common.listing, common.fonts, plan.volumes, k) for k in range(1, len(plan.volumes) + 1)
    ]
    return Pool(draw_front, calls, Limits(memory=0, seconds=600.0))


def _drawn(outcome: Drawn | ChildFailed, plan: Plan, number: int, common: _Common) -> Drawn:
    """A volume's front matter drawn in a child; drawn here if the child failed (so that
    a real error is raised where it can be reported)."""
    if isinstance(outcome, ChildFailed):
        return draw_front(common.listing, common.fonts, plan.volumes, number)
    common.fonts.missing |= outcome.undrawable
    return outcome


def _write_volume(
    plan: Plan,
    number: int,
    pieces: Sequence[Piece],
    name: Path,
    drawn: Drawn,
    cut: Cut | None,
    common: _Common,
) -> tuple[WrittenVolume, Pending]:
    """Volume ``number``: assembled, stamped, outlined, its manifest attached, encrypted
    into an unnamed file for ``name`` (named by the caller)."""
    from .digest import document_digest, page_digests
    from .fit import dedupe

    with Document() as doc:
        layout = assemble(doc, drawn, pieces, plan.records, common.progress)
        stamp_pages(doc, layout, common.listing.packet.patient, common.fonts, common.progress)
        add_outline_and_links(doc, layout)
        pages = len(doc.pdf.pages)
        digests = page_digests(doc.pdf)
        encrypt.set_docinfo(doc.pdf)  # as it will be written, so its title is covered
        document = document_digest(doc.pdf)
        attach_manifest(doc.pdf, manifest(common.about, layout, pages, cut, digests, document))
        deduplicated = dedupe(doc.pdf) if plan.over_budget else (0, 0)
        pending = Pending(name, replace=common.force, follow=False)
        try:
            size = encrypt.encrypt_to(doc.pdf, common.secret, pending.file)
            if common.signer is not None:  # signed in the unnamed file, before it is named
                size = sign_into(pending.file, common.secret, common.signer, pages)
        except BaseException:
            pending.discard()
            raise
    volume = WrittenVolume(
        number,
        name,
        pages,
        size,
        tuple(dict.fromkeys(p.record + 1 for p in pieces)),
        tuple((p.piece.record, p.start + 1, p.piece.count) for p in layout.placed),
        deduplicated,
    )
    return volume, pending
