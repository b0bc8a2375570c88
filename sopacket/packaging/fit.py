"""Make a packet fit a size limit, losing as little as it can.

A portal or an e-mail server refuses a file over its limit; a packet it refuses is not
ready to upload. When a limit is given (``--max-size 25MB``, ``--fit portal``), the build
goes only as far as needed down this list:

1. Lossless: identical images, fonts and other resources (a letterhead logo repeated on
   every page, the same scan in two records) are stored once (:func:`dedupe`).
2. Lossy, unless forbidden (``--no-recompress``): images stored at more than a reading
   resolution (:data:`READING_DPI`) are downsampled to it and stored as JPEG at a quality
   that keeps small print legible; bilevel (black-and-white) scans keep every pixel and
   are stored with CCITT Group 4, the fax encoding made for them (:func:`shrink`). Only
   the records that need it most are recompressed, largest saving first.
3. Volumes: the packet is cut into files that each fit, at record boundaries; a record
   larger than a whole volume is cut at page boundaries (:func:`plan_volumes`).

Nothing here decides silently: every step returns what it did, for the summary.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import re
from dataclasses import dataclass
from typing import Any

from ..errors import UsageError
from ..records.recompress import READING_DPI

PRESETS: dict[str, int] = {"email": 10_000_000, "portal": 20_000_000}
"""Named limits (bytes): e-mail servers commonly refuse attachments over 10 to 25 MB
(the encoded message is a third larger than the file), upload portals files over 20 to
25 MB. The lower ends are used; a clinic overrides them in its config file."""
MIN_SIZE = 1_000_000
"""The smallest limit accepted: each volume carries the packet's own pages and fonts."""

_UNITS = {
    "b": 1,
    "k": 1000,
    "kb": 1000,
    "kib": 1024,
    "m": 1000**2,
    "mb": 1000**2,
    "mib": 1024**2,
    "g": 1000**3,
    "gb": 1000**3,
    "gib": 1024**3,
    "t": 1000**4,
    "tb": 1000**4,
    "tib": 1024**4,
}


def parse_size(text: str) -> int:
    """``25MB``, ``10 MiB``, ``1.5GB``, ``800kB`` -> bytes (MB = 1,000,000 bytes, as upload
    pages count; MiB = 1,048,576)."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]+)\s*", text or "")
    unit = match.group(2).lower() if match else ""
    if not match or unit not in _UNITS:
        raise UsageError(
            f"{text!r} is not a size with its unit.",
            "Write it like 25MB or 10MiB (MB = 1,000,000 bytes, MiB = 1,048,576).",
        )
    return int(float(match.group(1)) * _UNITS[unit])


def show_size(n: float) -> str:
    """Bytes as a person reads them: 23.4 MB, 812 kB."""
    if n >= 100_000:
        return f"{n / 1e6:.1f} MB"
    if n >= 1000:
        return f"{n / 1e3:.0f} kB"
    return f"{max(int(n), 0)} bytes"


def ranges(numbers: list[int]) -> str:
    """[1, 2, 3, 5] -> "1\u20133, 5"."""
    spans: list[list[int]] = []
    for n in numbers:
        if spans and n == spans[-1][1] + 1:
            spans[-1][1] = n
        else:
            spans.append([n, n])
    return ", ".join(str(a) if a == b else f"{a}\u2013{b}" for a, b in spans)


@dataclass(frozen=True)
class Budget:
    """The size limit a packet must fit, and what set it."""

    bytes: int
    label: str
    """The limit in words: "the portal limit (20.0 MB)", "the 25.0 MB limit"."""
    recompress: bool = True
    """Lossy recompression allowed (False: only splitting)."""

    def to_json(self) -> dict[str, Any]:
        return {"max_bytes": self.bytes, "limit": self.label, "recompress": self.recompress}


def budget(
    max_size: str | None,
    fit: str | None,
    presets: dict[str, int] | None = None,
    recompress: bool = True,
) -> Budget | None:
    """The limit given by ``--max-size`` or ``--fit NAME`` (not both), or None."""
    if max_size is not None and fit is not None:
        raise UsageError(
            "--max-size and --fit both set a size limit.", "Give one of them, not both."
        )
    if max_size is None and fit is None:
        return None
    table = {**PRESETS, **(presets or {})}
    if fit is not None:
        key = fit.strip().lower()
        if key not in table:
            names = ", ".join(sorted(table))
            raise UsageError(
                f"there is no size preset called {fit!r}.",
                f"Use one of: {names}; or give --max-size SIZE (e.g. 25MB).",
            )
        size, label = table[key], f"the {key} limit ({show_size(table[key])})"
    else:
        size = parse_size(max_size or "")
        label = f"the {show_size(size)} limit"
    if size < MIN_SIZE:
        raise UsageError(
            f"a limit of {show_size(size)} is too small: each file carries the packet's own "
            "pages and fonts.",
            f"Give at least {show_size(MIN_SIZE)}.",
        )
    return Budget(size, label, recompress)


def forecast(report: Any, limit: Budget) -> dict[str, Any]:
    """Whether the records alone clearly exceed ``limit`` (from ``check``), before any
    work: what the build will then do, in plain words."""
    import os

    total = 0
    for record in report.records:
        if record.ok:
            with contextlib.suppress(OSError):
                total += os.stat(record.path).st_size
    over = total > limit.bytes
    warning = None
    if over:
        parts = max(2, math.ceil(total / max(limit.bytes * 0.9, 1)))
        if limit.recompress:
            then = (
                "`sopacket build` will store images that are sharper than needed for reading "
                f"at {READING_DPI} dpi, and if that is not enough, cut the packet into several "
                "files that each fit."
            )
        else:
            then = (
                f"`sopacket build` will cut the packet into files that each fit (at least {parts})."
            )
        warning = f"the records add up to {show_size(total)}, more than {limit.label}. " + then
    return {
        **limit.to_json(),
        "records_bytes": total,
        "over": over,
        "warning": warning,
    }


# --- sizes and duplicates in the parent ---------------------------------------------------

_OVERHEAD_PER_OBJECT = 24
_SKIP_KEYS = {"/Parent", "/P", "/Dest", "/Annots", "/StructParents"}


def _shareable(stream: Any) -> bool:
    """Streams worth comparing: images, embedded font programs and colour profiles (what
    a letterhead, a repeated logo or the same font in two records is made of). Drawing
    instructions are nearly always unique, and small."""
    import pikepdf

    subtype = stream.get("/Subtype")
    if subtype == pikepdf.Name.Image:
        return True
    if subtype in (pikepdf.Name.Type1C, pikepdf.Name.CIDFontType0C, pikepdf.Name.OpenType):
        return True
    return any(k in stream for k in ("/Length1", "/Length2", "/Length3")) or (
        "/N" in stream and subtype is None and stream.get("/Type") is None
    )


def _stream_key(stream: Any) -> str:
    """What makes two streams the same: their stored bytes and everything in their
    dictionary, nested values included (other objects they refer to, at any depth, are
    compared by identity: a palette or a colour profile that differs makes them differ)."""
    digest = hashlib.sha256(stream.read_raw_bytes())
    items = {k: stream[k] for k in stream.keys() if k != "/Length"}  # noqa: SIM118
    digest.update(_canonical(items).encode())
    return digest.hexdigest()


def _canonical(value: Any, depth: int = 0) -> str:
    """A PDF value written out in full and in a fixed order, with each indirect object
    (at any depth) written as its object number."""
    import pikepdf

    if depth > 32:
        return "..."
    if isinstance(value, pikepdf.Object) and value.is_indirect:
        return f"ref{value.objgen}"
    if isinstance(value, dict | pikepdf.Dictionary):
        keys = sorted(value.keys())
        return "{" + ",".join(f"{k}:{_canonical(value[k], depth + 1)}" for k in keys) + "}"
    if isinstance(value, pikepdf.Array):
        return "[" + ",".join(_canonical(v, depth + 1) for v in value) + "]"
    if isinstance(value, pikepdf.String):
        return "s" + bytes(value).hex()
    return f"{type(value).__name__}:{value}"


PAGE_OVERHEAD = 1000
"""Bytes each page adds to the packet besides its own content: its band (a small drawing
of the patient's name, date of birth, section and page number), the strip it is drawn in,
and the page's entries in the file's tables (measured: about 980 bytes a page)."""


@dataclass(frozen=True)
class PageCost:
    """What one page adds to a file: ``own`` bytes, plus each shared resource (an image,
    a font) it uses, which a file stores once however many of its pages use it."""

    own: int
    shared: tuple[tuple[str, int], ...] = ()

    def alone(self) -> int:
        return self.own + sum(size for _, size in self.shared)


def record_costs(pdf: Any, number: int) -> list[PageCost]:
    """Estimated bytes each page of record ``number`` (the open PDF ``pdf``) adds to a
    packet. Every stream a page uses is listed with the page, by a key: images, fonts and
    colour profiles by their content (identical ones are stored once, :func:`dedupe`),
    other streams by their record and object. The planner then counts each once per
    file, whichever of its pages come first there."""
    import pikepdf

    counted: set[tuple[int, int]] = set()
    keys: dict[tuple[int, int], tuple[str, int]] = {}
    costs = []
    for page in pdf.pages:
        own = PAGE_OVERHEAD
        shared: dict[str, int] = {}
        here: set[tuple[int, int]] = set()
        stack: list[Any] = [page.obj]
        while stack:
            obj = stack.pop()
            if isinstance(obj, pikepdf.Object) and obj.is_indirect:
                if obj.objgen in here:
                    continue
                here.add(obj.objgen)
                if obj.objgen not in counted:
                    counted.add(obj.objgen)
                    own += _OVERHEAD_PER_OBJECT
                if isinstance(obj, pikepdf.Stream):
                    if obj.objgen not in keys:
                        size = len(obj.read_raw_bytes())
                        ident = _stream_key(obj) if _shareable(obj) else f"{number}:{obj.objgen}"
                        keys[obj.objgen] = (ident, size)
                    ident, size = keys[obj.objgen]
                    shared[ident] = size
            if isinstance(obj, pikepdf.Dictionary | pikepdf.Stream):
                for key, value in obj.items():
                    if key not in _SKIP_KEYS and isinstance(
                        value, pikepdf.Dictionary | pikepdf.Array | pikepdf.Stream
                    ):
                        stack.append(value)
            elif isinstance(obj, pikepdf.Array):
                stack.extend(
                    v
                    for v in obj
                    if isinstance(v, pikepdf.Dictionary | pikepdf.Array | pikepdf.Stream)
                )
        costs.append(PageCost(own, tuple(shared.items())))
    return costs


def packet_size(costs: list[list[PageCost]]) -> int:
    """The record pages' estimated bytes in one file (each shared resource once)."""
    seen: set[str] = set()
    total = 0
    for pages in costs:
        for page in pages:
            total += page.own + sum(size for key, size in page.shared if key not in seen)
            seen.update(key for key, _ in page.shared)
    return total


def dedupe(pdf: Any) -> tuple[int, int]:
    """Store identical streams once: every reference to a copy is pointed at the first
    (the copies are then not written). Returns (copies dropped, bytes saved)."""
    import pikepdf

    canonical: dict[str, Any] = {}
    replace: dict[tuple[int, int], Any] = {}
    saved = 0
    # Streams that refer to other streams (an image to its soft mask, a colour space to a
    # profile) are compared once those are settled: a few rounds reach a fixed point.
    for _ in range(3):
        changed = False
        for obj in pdf.objects:
            if not isinstance(obj, pikepdf.Stream) or obj.objgen in replace:
                continue
            if not _shareable(obj):
                continue
            _repoint(obj, replace)
            key = _stream_key(obj)
            first = canonical.setdefault(key, obj)
            if first.objgen != obj.objgen:
                replace[obj.objgen] = first
                saved += len(obj.read_raw_bytes())
                changed = True
        if not changed:
            break
    if replace:
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Dictionary | pikepdf.Stream | pikepdf.Array):
                _repoint(obj, replace)
        for page in pdf.pages:
            _repoint(page.obj, replace)
    return len(replace), saved


def _repoint(top: Any, replace: dict[tuple[int, int], Any]) -> None:
    """Point references to replaced objects in ``top`` (and the direct objects nested in
    it) at their replacements."""
    import pikepdf

    if not replace:
        return
    stack = [top]
    while stack:
        obj = stack.pop()
        if isinstance(obj, pikepdf.Array):
            items: Any = list(enumerate(obj))
        else:
            items = list(obj.items())
        for key, value in items:
            if not isinstance(value, pikepdf.Object):
                continue
            if value.is_indirect:
                if value.objgen in replace:
                    obj[key] = replace[value.objgen]
            elif isinstance(value, pikepdf.Dictionary | pikepdf.Array):
                stack.append(value)


# --- cutting the packet into volumes --------------------------------------------------------


@dataclass(frozen=True)
class Piece:
    """Pages ``first`` to ``first + count - 1`` (0-based, within the record's pages in the
    packet) of record ``record``; ``part`` of ``parts`` when the record is cut."""

    record: int
    first: int
    count: int
    part: int = 1
    parts: int = 1


class TooLargePage(Exception):
    def __init__(self, record: int, page: int, size: int) -> None:
        super().__init__(record, page, size)
        self.record, self.page, self.size = record, page, size


def plan_volumes(sizes: list[list[PageCost]] | list[list[int]], room: int) -> list[list[Piece]]:
    """Cut records (each a list of page costs, or plain sizes) into volumes of at most
    ``room`` bytes of record pages, in order: a record goes whole into the current volume
    if it fits, else whole into a new one; a record larger than a whole volume is cut at
    page boundaries. A shared resource counts once in each volume that uses it. Raises
    TooLargePage for a page that fits no volume."""
    records = [[p if isinstance(p, PageCost) else PageCost(p) for p in pages] for pages in sizes]
    volumes: list[list[Piece]] = [[]]
    used, seen = 0, set[str]()

    def add(page: PageCost, known: set[str]) -> int:
        cost = page.own + sum(size for key, size in page.shared if key not in known)
        known.update(key for key, _ in page.shared)
        return cost

    for record, pages in enumerate(records):
        here = set(seen)
        cost = sum(add(p, here) for p in pages)
        if used + cost <= room:
            volumes[-1].append(Piece(record, 0, len(pages)))
            used, seen = used + cost, here
            continue
        fresh: set[str] = set()
        cost = sum(add(p, fresh) for p in pages)
        if cost <= room:
            volumes.append([Piece(record, 0, len(pages))])
            used, seen = cost, fresh
            continue
        # Larger than a volume: fill this volume's room, then as many as needed.
        if volumes[-1] and room - used < room // 4:  # too little room left for a piece
            volumes.append([])
            used, seen = 0, set[str]()
        cuts: list[tuple[int, int, int]] = []  # (volume index, first page, count)
        start = 0
        for n, page in enumerate(pages):
            if page.alone() > room:
                raise TooLargePage(record, n, page.alone())
            trial = set(seen)
            cost = add(page, trial)
            if used + cost > room:
                if n > start:
                    cuts.append((len(volumes) - 1, start, n - start))
                volumes.append([])
                used, seen, start = 0, set(), n
                trial = set()
                cost = add(page, trial)
            used, seen = used + cost, trial
        cuts.append((len(volumes) - 1, start, len(pages) - start))
        for part, (volume, first, count) in enumerate(cuts, 1):
            volumes[volume].append(Piece(record, first, count, part, len(cuts)))
    return [v for v in volumes if v]
