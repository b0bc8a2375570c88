"""A digest of each page as a reviewer sees it, recorded in the manifest as the packet is
built and recomputed by ``verify``.

A page's digest covers its content streams (decoded), every resource they use (fonts,
images, forms, layers), its annotations and links, and its boxes and rotation, followed
by structure rather than by object number (numbers change when a file is saved again).
So a page changed after the build (text edited, something drawn over it, a page swapped
with another or hidden behind a layer) no longer has the digest the manifest records.

What it does not prove: someone holding the packet's password can also rewrite the
manifest inside, digests and all. Only a signature (``build --sign``) proves origin.

Streams whose filters qpdf may rewrite on saving (Flate, LZW, ASCII, run-length, or
none) are hashed decoded, without their /Filter and /DecodeParms; streams with a
filter qpdf never rewrites (JPEG, JPEG 2000, JBIG2, CCITT) are hashed as stored
(decrypted), with them: the same page gives the same digest before and after saving.
"""

from __future__ import annotations

import hashlib
from typing import Any

METHOD = "sopacket-page-1"
"""The name of this digest, kept beside the digests (a later method gets a new name)."""

INHERITED = ("/Resources", "/MediaBox", "/CropBox", "/Rotate")
"""Page attributes that may be set on an ancestor in the page tree instead."""

DEEPEST = 200
"""Indirect objects followed inside one another before the walk stops going deeper."""

SKIPPED = frozenset({"/Parent", "/P"})
"""Keys that point back up (to the page tree, to the page): not part of what is seen."""

GENERAL = frozenset(
    {
        "/FlateDecode",
        "/Fl",
        "/LZWDecode",
        "/LZW",
        "/ASCIIHexDecode",
        "/AHx",
        "/ASCII85Decode",
        "/A85",
        "/RunLengthDecode",
        "/RL",
    }
)
"""Filters qpdf may decode and write again differently (see the module's docstring)."""


def page_digests(pdf: Any, skip: Any = None) -> list[str]:
    """The SHA-256 (hex) of every page of ``pdf`` (a pikepdf.Pdf), in order. ``skip``:
    a function given an annotation that says whether to leave it out (verify leaves
    out the field a signature added)."""
    pages = {p.obj.objgen: n for n, p in enumerate(pdf.pages, 1)}
    memo: dict[tuple[int, int], bytes] = {}
    return [_Walk(pages, memo, skip).page(p.obj).hex() for p in pdf.pages]


class _Walk:
    """One page's walk through what it uses. Objects seen before on any page (a shared
    font) are looked up by number in ``memo``, valid within one open file only."""

    def __init__(self, pages: dict[tuple[int, int], int], memo: dict[Any, bytes], skip: Any):
        self.pages, self.memo, self.skip = pages, memo, skip
        self.stack: list[tuple[int, int]] = []
        self.low: int | None = None  # the shallowest place on the stack a cycle went to

    def page(self, page: Any) -> bytes:
        import pikepdf

        items = {str(k): v for k, v in page.items() if str(k) not in SKIPPED}
        node: Any = page.get("/Parent")
        for _ in range(64):  # inherited attributes, from the nearest ancestor
            if not isinstance(node, pikepdf.Dictionary):
                break
            for key in INHERITED:
                if key not in items and key in node:
                    items[key] = node[key]
            node = node.get("/Parent")
        annots = items.get("/Annots")
        if isinstance(annots, pikepdf.Array):  # no annotations left: as if none at all
            kept = [a for a in annots if self.skip is None or not self.skip(a)]
            items["/Annots"] = kept
            if not kept:
                del items["/Annots"]
        return self._dict(items, b"page")

    def _dict(self, items: dict[str, Any], tag: bytes) -> bytes:
        h = hashlib.sha256(tag)
        for key in sorted(items):
            if key in SKIPPED:
                continue
            h.update(_scalar(key, "n") + self.node(items[key]))
        return h.digest()

    def node(self, obj: Any) -> bytes:
        import pikepdf

        if isinstance(obj, list):  # a page's annotations, those skipped left out
            return self._array(obj)
        if not isinstance(obj, pikepdf.Object):
            return _native(obj)
        if not obj.is_indirect:
            return self._direct(obj)
        ref = obj.objgen
        if ref in self.pages:  # a link to a page (this one too): its number
            return _scalar(str(self.pages[ref]), "page")
        if ref in self.stack:  # a cycle: how far up the stack it goes back
            depth = self.stack.index(ref)
            self.low = depth if self.low is None else min(self.low, depth)
            return _scalar(str(len(self.stack) - depth), "back")
        if ref in self.memo:
            return self.memo[ref]
        if len(self.stack) >= DEEPEST:
            return _scalar("", "deep")  # keeps Python's stack; no packet nests so deep
        self.stack.append(ref)
        outer, self.low = self.low, None
        try:
            digest = self._direct(obj)
        finally:
            self.stack.pop()
        mine = self.low
        if mine is None or mine >= len(self.stack):  # no cycle reaching above it
            self.memo[ref] = digest
        self.low = outer if mine is None else mine if outer is None else min(outer, mine)
        return digest

    def _direct(self, obj: Any) -> bytes:
        import pikepdf

        if isinstance(obj, pikepdf.Stream):
            return self._stream(obj)
        if isinstance(obj, pikepdf.Dictionary):
            return self._dict({str(k): v for k, v in obj.items()}, b"dict")
        if isinstance(obj, pikepdf.Array):
            return self._array(obj)
        if isinstance(obj, pikepdf.Name):
            return _scalar(str(obj), "n")
        if isinstance(obj, pikepdf.String):
            return hashlib.sha256(b"s" + bytes(obj)).digest()
        return _native(obj)

    def _array(self, items: Any) -> bytes:
        h = hashlib.sha256(b"array")
        for item in items:
            h.update(self.node(item))
        return h.digest()

    def _stream(self, stream: Any) -> bytes:
        from ..records.objects import filters

        found = filters(stream)
        general = all(f in GENERAL for f in found)
        left = {"/Length", "/Filter", "/DecodeParms"} if general else {"/Length"}
        items = {str(k): v for k, v in stream.items() if str(k) not in left}
        data = stream.read_bytes() if general else stream.read_raw_bytes()
        return hashlib.sha256(
            b"stream" + self._dict(items, b"dict") + hashlib.sha256(data).digest()
        ).digest()


def _scalar(text: str, kind: str) -> bytes:
    return hashlib.sha256(f"{kind}:{text}".encode("utf-8", "surrogateescape")).digest()


def _native(value: Any) -> bytes:
    """A number, boolean or null as pikepdf gives it (int, Decimal, bool, None). A
    number is one kind whether stored as integer or real: qpdf writes 612.0 as 612."""
    if isinstance(value, bool) or value is None:
        return _scalar(repr(value), "b")
    if isinstance(value, int):
        return _scalar(str(value), "num")
    try:
        return _scalar(format(value.normalize(), "f"), "num")  # a Decimal: 1.50 is 1.5
    except AttributeError:
        raise TypeError(f"not a PDF value: {type(value).__name__}") from None


def object_digest(pdf: Any, obj: Any) -> str:
    """The digest of any object of ``pdf`` (a catalog entry), followed as a page's are:
    the same content gives the same digest whatever its object numbers."""
    pages = {p.obj.objgen: n for n, p in enumerate(pdf.pages, 1)}
    return _Walk(pages, {}, None).node(obj).hex()
