"""A digest of each page as a reviewer sees it, recorded in the manifest as the packet is
built and recomputed by ``verify``.

A page's digest covers its content streams (decoded), every resource they use (fonts,
images, forms, layers), its annotations and links, and its boxes and rotation, followed
by structure rather than by object number (numbers change when a file is saved again).
So a page changed after the build (text edited, something drawn over it, a page swapped
with another or hidden behind a layer) no longer has the digest the manifest records.

What it does not prove: someone holding the packet's password can also rewrite the
manifest inside, digests and all. Only a signature (``build --sign``) proves origin.

Streams whose filters qpdf may rewrite on saving (Flate, LZW, ASCII, or none) are
hashed decoded, without their /Filter and /DecodeParms; streams with a filter qpdf
never rewrites (JPEG, JPEG 2000, JBIG2, CCITT, run-length), or whose data does not
decode, are hashed as stored (decrypted), with them: the same page gives the same
digest before and after saving.
"""

from __future__ import annotations

import hashlib
import re
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
    }
)
"""Filters qpdf may decode and write again differently (its "generalized" ones: see the
module's docstring); run-length is not one of them."""


def page_digests(pdf: Any, skip: Any = None) -> list[str]:
    """The SHA-256 (hex) of every page of ``pdf`` (a pikepdf.Pdf), in order. ``skip``:
    a function given an annotation that says whether to leave it out (verify leaves
    out the field a signature added)."""
    walk = _Walk(pdf, skip)
    return [walk.page(p.obj).hex() for p in pdf.pages]


OUTSIDE = frozenset({"/Pages", "/AF", "/Extensions", "/Version"})
"""Catalog entries the document digest leaves out: the pages (each has its own digest),
the manifest's attachment (written after the digest), and the PDF version the
encryption declares."""


def document_digest(pdf: Any) -> str:
    """The digest (hex) of what the catalog holds besides the pages and the manifest:
    the bookmarks, page labels, named destinations, viewer settings (page mode, viewer
    preferences), forms, layers, metadata and what runs on opening; and the document
    information (its title). All of them change
    what a reader sees or is shown first, none of them is on a page."""
    import pikepdf

    items = {k: v for k, v in pdf.Root.items() if k not in OUTSIDE}
    names = items.pop("/Names", None)
    if isinstance(names, pikepdf.Dictionary):
        rest = {k: v for k, v in names.items() if k != "/EmbeddedFiles"}
        if rest:
            items["/Names"] = pikepdf.Dictionary(rest)
    elif names is not None:
        items["/Names"] = names
    info = pdf.trailer.get("/Info")  # its title is what some viewers show as the window's
    if info is not None:
        items["/sopacket-info"] = info
    return object_digest(pdf, pikepdf.Dictionary(items))


def object_digest(pdf: Any, obj: Any) -> str:
    """The digest of any object of ``pdf`` (a catalog entry), followed as a page's are:
    the same content gives the same digest whatever its object numbers."""
    walk = _Walk(pdf, None)
    return hashlib.sha256(walk.text(obj)).hexdigest()


REFERENCE = re.compile(rb'"(\d+) (\d+) R"')
"""A reference to an indirect object in qpdf's JSON of an object (a string or a name
never looks so: qpdf writes them "u:...", "b:..." and "/...")."""


class _Walk:
    """The walk through what pages use. Each object is written as qpdf's JSON of it
    (sorted keys, values tagged), with each reference to an indirect object replaced by
    that object's digest, or by a page's number, or (a cycle) by how far back up it
    goes. Objects seen before on any page (a shared font) are looked up by number in
    ``memo``, valid within one open file."""

    def __init__(self, pdf: Any, skip: Any):
        self.pdf, self.skip = pdf, skip
        self.pages = {p.obj.objgen: n for n, p in enumerate(pdf.pages, 1)}
        self.memo: dict[tuple[int, int], bytes] = {}
        self.stack: list[tuple[int, int]] = []
        self.low: int | None = None  # the shallowest place on the stack a cycle went to

    def page(self, page: Any) -> bytes:
        import pikepdf

        items = {k: v for k, v in page.items() if k not in SKIPPED}
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
            items["/Annots"] = pikepdf.Array(kept)
            if not kept:
                del items["/Annots"]
        return hashlib.sha256(b"page" + self.text(pikepdf.Dictionary(items))).digest()

    def text(self, obj: Any) -> bytes:
        """``obj`` as JSON, its references replaced (see the class)."""
        return REFERENCE.sub(self._reference, obj.to_json(dereference=True))

    def _reference(self, match: re.Match[bytes]) -> bytes:
        ref = (int(match[1]), int(match[2]))
        if ref in self.pages:  # a link to a page (this one too): its number
            return b'"page %d"' % self.pages[ref]
        if ref in self.stack:  # a cycle: how far up the stack it goes back
            depth = self.stack.index(ref)
            self.low = depth if self.low is None else min(self.low, depth)
            return b'"back %d"' % (len(self.stack) - depth)
        found = self.memo.get(ref)
        if found is not None:
            return found
        if len(self.stack) >= DEEPEST:
            return b'"deep"'  # keeps Python's stack; no packet nests so deep
        self.stack.append(ref)
        outer, self.low = self.low, None
        try:
            body = self._body(self.pdf.get_object(ref))
        finally:
            self.stack.pop()
        digest = b'"sha256 ' + hashlib.sha256(body).hexdigest().encode() + b'"'
        mine = self.low
        if mine is None or mine >= len(self.stack):  # no cycle reaching above it
            self.memo[ref] = digest
        self.low = outer if mine is None else mine if outer is None else min(outer, mine)
        return digest

    def _body(self, obj: Any) -> bytes:
        import pikepdf

        if not isinstance(obj, pikepdf.Stream):
            return self.text(obj)
        from ..records.objects import filters

        data = None
        if all(f in GENERAL for f in filters(obj)):
            try:
                data = obj.read_bytes()
            except pikepdf.PdfError:  # data qpdf cannot decode: it leaves it as it is
                data = None
        left = {"/Length"} if data is None else {"/Length", "/Filter", "/DecodeParms"}
        kept = pikepdf.Dictionary({k: v for k, v in obj.items() if k not in left})
        if data is None:
            data = obj.read_raw_bytes()
        return b"stream" + self.text(kept) + hashlib.sha256(data).digest()
