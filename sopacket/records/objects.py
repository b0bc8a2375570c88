"""Walking and measuring a PDF's objects (pikepdf): every dictionary and stream in a
file, and how large a stream is once decoded, without holding a bomb in memory. The
sanitiser and ``verify`` both use them."""

from __future__ import annotations

from typing import Any


def containers(pdf: Any) -> Any:
    """Every dictionary and stream in ``pdf``: each object in the file, and the direct
    dictionaries nested inside them (an action is often written inline in its page)."""
    import pikepdf

    def nested(top: Any) -> Any:
        # Direct objects cannot form cycles (only references can, and they are not
        # followed here), so an explicit stack visits any depth without recursion.
        stack = [top]
        while stack:
            obj = stack.pop()
            values = obj.values() if isinstance(obj, pikepdf.Dictionary | pikepdf.Stream) else obj
            for value in values:
                if isinstance(value, pikepdf.Dictionary | pikepdf.Array) and not value.is_indirect:
                    if isinstance(value, pikepdf.Dictionary):
                        yield value
                    stack.append(value)

    for obj in pdf.objects:
        if isinstance(obj, pikepdf.Dictionary | pikepdf.Stream | pikepdf.Array):
            if not isinstance(obj, pikepdf.Array):
                yield obj
            yield from nested(obj)


def filters(stream: Any) -> list[str]:
    """The names of the filters a stream is encoded with, in the order they apply."""
    import pikepdf

    f = stream.get("/Filter")
    if isinstance(f, pikepdf.Name):
        return [str(f)]
    if isinstance(f, pikepdf.Array):
        return [str(x) for x in f]
    return []


FLATE = frozenset({"/FlateDecode", "/Fl"})
"""The Flate filter's names (``/Fl`` is its abbreviation in inline images)."""


def decoded_size(stream: Any, limit: int) -> int:
    """How large ``stream`` is once decoded, counting no further than just past ``limit``.
    Flate (however many times, however written) is inflated piece by piece, so a bomb is
    never held in memory; other filters are decoded by qpdf within this process's memory
    cap. Data that cannot be decoded counts as empty (it draws nothing)."""
    import zlib

    import pikepdf

    found = filters(stream)
    if not found:
        return len(stream.read_raw_bytes())
    if not all(f in FLATE for f in found):
        try:
            return len(stream.read_bytes())
        except pikepdf.PdfError:
            return 0
    raw = stream.read_raw_bytes()
    chunks: Any = (raw[i : i + (1 << 20)] for i in range(0, len(raw), 1 << 20))
    for _ in found:
        chunks = _inflate(chunks)
    total = 0
    try:
        for piece in chunks:
            total += len(piece)
            if total > limit:
                break
    except zlib.error:
        pass  # damaged data: what came out before it is what a reader shows
    return total


def _inflate(chunks: Any) -> Any:
    import zlib

    inflate = zlib.decompressobj()
    for chunk in chunks:
        data = chunk
        while data:
            yield inflate.decompress(data, 1 << 20)
            data = inflate.unconsumed_tail
            if inflate.eof:
                return
