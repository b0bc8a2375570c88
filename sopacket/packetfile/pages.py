"""Page selections of a record (``pages: "1-3,5"``): a leaf, used by the packet format
and by every stage that takes pages from a record."""

from __future__ import annotations


def page_ranges(spec: str) -> list[tuple[int, int]]:
    """``"1-3,5"`` -> ``[(1, 3), (5, 5)]`` (1-based, inclusive)."""
    out = []
    for part in spec.split(","):
        lo, _, hi = part.strip().partition("-")
        out.append((int(lo), int(hi) if hi.strip() else int(lo)))
    return out


def selected(pages: str | None, count: int) -> list[int]:
    """0-based indexes for a ``pages:`` selection such as ``"1-3,5"`` (all when None)."""
    if not pages:
        return list(range(count))
    out: list[int] = []
    for lo, hi in page_ranges(pages):
        out.extend(range(lo - 1, min(hi, count)))
    return out
