"""Plan which record pages go into which file: the packet as it is; else, under a size
limit, with the images of the records that save most recompressed (if allowed), only as
many as needed; else cut into volumes that each fit.

Sizes are estimated from the cleaned records (identical resources counted once a file:
they are stored once, :func:`sopacket.packaging.fit.dedupe`); the files written are
measured after, and a volume over the limit is planned again with less room
(:meth:`Plan.tighter`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

from ..errors import UsageError
from ..progress import Progress
from ..records.access import RecordAccess
from ..records.gather import GatheredRecord
from .fit import Budget, PageCost, Piece
from .front import Drawn

MARGIN = 0.97
"""Plan to 97% of the limit: the estimate of a file's size is close, not exact."""
MAX_VOLUMES = 50
"""Most files a packet is cut into: more would not be a packet anyone can upload."""


@dataclass(frozen=True)
class Plan:
    """The volumes (each a list of pieces of records) and the records they are made of."""

    volumes: tuple[tuple[Piece, ...], ...]
    records: tuple[GatheredRecord, ...]
    """As they go into the packet (some recompressed, to fit a limit)."""
    budget: Budget | None = None
    costs: tuple[tuple[PageCost, ...], ...] = ()
    """Each record's estimated page costs."""
    room: int = 0
    """Bytes of record pages a volume has room for."""
    last_resort: int = 0
    """The room a volume has with no margin for error: tried (and measured) only when a
    page alone is larger than ``room``."""
    size_before: int = 0
    """With a limit: the estimated size before anything was done to fit it."""
    over_budget: bool = False
    """The packet as it is would not fit its limit: identical resources are stored once."""

    @property
    def recompressed(self) -> bool:
        return any(r.recompressed for r in self.records)

    def tighter(self, over: int) -> Plan:
        """Planned again with less room, a volume having come out ``over`` bytes over."""
        assert self.budget is not None
        room = self.room - (over + max(self.budget.bytes // 100, 20_000))
        last_resort = self.last_resort - (over + 10_000)
        return dataclasses.replace(
            self,
            volumes=_cut(self.records, self.budget, self.costs, room, last_resort),
            room=room,
            last_resort=last_resort,
            over_budget=True,
        )


def plan_packet(
    records: Sequence[GatheredRecord],
    first: Drawn,
    budget: Budget | None,
    access: RecordAccess | None,
    progress: Progress,
) -> Plan:
    """How the packet meets its size limit (one volume of every record whole when there
    is none). ``first``: the front matter of the uncut packet, for its size."""
    from .fit import PAGE_OVERHEAD, packet_size

    records = tuple(records)
    if budget is None:
        return Plan((tuple(Piece(n, 0, r.pages) for n, r in enumerate(records)),), records)
    # Bytes of a file besides its record pages: the front matter and closing page, the
    # bands' font, the outline and the manifest (measured: about 22 kB and 0.5 kB a record).
    overhead = len(first.front.pdf) + len(first.closing) + 30_000 + 700 * len(records)
    target = int(budget.bytes * MARGIN)
    pages = sum(r.pages for r in records)
    size_before = overhead + sum(len(r.pdf) for r in records) + PAGE_OVERHEAD * pages
    costs = _page_costs(records)
    total = overhead + packet_size(costs)
    if total > target and budget.recompress:
        records = _recompress(records, total - target, access, progress)
        chosen = [n for n, r in enumerate(records) if r.recompressed]
        for n, new in zip(chosen, _page_costs([records[n] for n in chosen]), strict=True):
            costs[n] = new
    room = target - overhead
    last_resort = budget.bytes - len(first.front.pdf) - len(first.closing) - 20_000
    frozen = tuple(tuple(c) for c in costs)
    return Plan(
        volumes=_cut(records, budget, frozen, room, last_resort),
        records=records,
        budget=budget,
        costs=frozen,
        room=room,
        last_resort=last_resort,
        size_before=size_before,
        over_budget=size_before > target,
    )


def _page_costs(records: Sequence[GatheredRecord]) -> list[list[PageCost]]:
    """The page costs (fit.record_costs) of ``records``, in that order."""
    import io

    import pikepdf

    from .fit import record_costs

    out = []
    for record in records:
        with pikepdf.open(io.BytesIO(record.pdf)) as pdf:
            out.append(record_costs(pdf, record.index))
    return out


def _cut(
    records: Sequence[GatheredRecord],
    budget: Budget,
    costs: Sequence[Sequence[PageCost]],
    room: int,
    last_resort: int,
) -> tuple[tuple[Piece, ...], ...]:
    """The volumes, each within the room; a page larger than the room is tried with the
    last-resort room (the written file is measured); one larger than that is an error."""
    from .fit import TooLargePage, plan_volumes, show_size

    pages = [list(c) for c in costs]
    try:
        try:
            volumes = plan_volumes(pages, max(room, 1))
        except TooLargePage:
            volumes = plan_volumes(pages, max(last_resort, 1))
    except TooLargePage as exc:
        record = records[exc.record]
        fix = (
            "Scan or export that page again at a lower resolution (200 dpi is enough), or "
            "allow a larger size."
        )
        if not budget.recompress:
            fix = "Build without --no-recompress so that its images can be made smaller, or " + (
                "allow a larger size."
            )
        which = f"page {exc.page + 1}" + (" of the selected pages" if record.entry.pages else "")
        raise record.error(
            f"has a page too large for {budget.label}: {which} alone is about "
            f"{show_size(exc.size)}, and each file also carries the packet's own pages",
            fix,
        ) from None
    if len(volumes) > MAX_VOLUMES:
        raise UsageError(
            f"to fit {budget.label}, this packet would have to be cut into {len(volumes)} "
            f"files (sopacket makes at most {MAX_VOLUMES}).",
            "Allow a larger size, or split the largest records into a packet of their own.",
        )
    return tuple(tuple(v) for v in volumes)


def _recompress(
    records: tuple[GatheredRecord, ...],
    excess: int,
    access: RecordAccess | None,
    progress: Progress,
) -> tuple[GatheredRecord, ...]:
    """Recompress oversized images (in child processes, like the cleaning), then keep the
    new form of the records that save most, until ``excess`` bytes are saved (all of
    them if that is not enough)."""
    from ..records.isolate import ChildFailed, GroupedPool
    from ..records.recompress import shrink

    access = access or RecordAccess()
    chosen = [r for r in records if r.shrinkable]
    calls = [(r.pdf,) for r in chosen]
    pool = GroupedPool(shrink, calls, access.limits, sizes=[len(r.pdf) for r in chosen])
    progress.start(len(calls), "Recompressing images")
    outcomes = []
    try:
        for record, outcome in zip(chosen, pool, strict=True):
            if not isinstance(outcome, ChildFailed) and outcome.done.after < outcome.done.before:
                outcomes.append((outcome.done.before - outcome.done.after, record.index, outcome))
            progress.advance()
    finally:
        pool.close()
    out = list(records)
    saved = 0
    for saving, n, outcome in sorted(outcomes, key=lambda o: (-o[0], o[1])):
        if saved >= excess:
            break
        saved += saving
        out[n] = dataclasses.replace(out[n], pdf=outcome.pdf, recompressed=outcome.done)
    return tuple(out)
