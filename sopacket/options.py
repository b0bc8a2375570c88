"""What a build or a batch is asked to do: immutable option objects, each field documented
where it is declared, validated when they are made (not in the command line)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from .packaging.fit import Budget
from .records.access import RecordAccess

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
    budget: Budget | None = None
    """The size every output file must fit (``--max-size``/``--fit``); see
    :mod:`sopacket.fit`. Over it, images are recompressed (unless forbidden) and the
    packet is cut into volumes ``NAME-part-K-of-N.pdf``."""
