"""Make one record safe to pass on: only its pages, nothing that runs, nothing hidden.

This runs in a child process with a memory cap and a time limit (see
:mod:`sopacket.isolate`), one record per child, so a hostile or broken file costs one
error message naming that record.

A PDF record becomes a new PDF that holds only the selected pages, rebuilt from scratch:

- Form fields are flattened: their current appearance is drawn into the page and the
  live field is gone.
- Of the annotations, only links to pages of the same record survive, as plain
  destinations; every other annotation (web links, JavaScript, launch, submit and import
  actions, attached files, media) is dropped.
- Each page keeps only the keys that draw it (contents, resources, boxes, rotation);
  page actions, associated files, metadata and private application data go.
- Nothing from the document catalog travels: document JavaScript, open actions,
  attached files, XFA, the outline's actions, the document info and XMP metadata.
  The record's bookmarks are read here and returned as plain data.
- Writing a new file drops the earlier revisions an incremental update leaves behind.
- Every object that does travel is swept once more for action, script, attachment and
  metadata keys, and content streams are measured against a size limit without being
  held in memory (decompression bombs), images against a pixel limit.

Image records become PDF pages here too (Pillow is capped at :data:`PIXEL_LIMIT`), with
their metadata removed (see :mod:`sopacket.collect`).
"""

from __future__ import annotations

import contextlib
import decimal
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PIXEL_LIMIT = 150_000_000
"""Largest image accepted, in pixels (150 megapixels; a 600 dpi A4 scan is 35)."""
STREAM_LIMIT = 256 * 1024 * 1024
"""Largest decompressed content stream accepted, in bytes (256 MiB)."""

# Page keys that draw the page; every other key is dropped.
_PAGE_KEYS = {
    "/Type",
    "/Parent",
    "/Resources",
    "/MediaBox",
    "/CropBox",
    "/BleedBox",
    "/TrimBox",
    "/ArtBox",
    "/Rotate",
    "/Contents",
    "/Annots",
    "/UserUnit",
    "/Group",
}
# Keys removed from every object that travels into the packet.
_FORBIDDEN_KEYS = (
    "/A",
    "/AA",
    "/OpenAction",
    "/JS",
    "/JavaScript",
    "/AF",
    "/EF",
    "/EmbeddedFiles",
    "/RichMediaContent",
    "/RichMediaSettings",
    "/XFA",
    "/Metadata",
    "/PieceInfo",
    "/URI",
    "/Launch",
)
# What a reader is told was removed, by the PDF keys and names that reveal it.
_ACTIVE = {
    "/JS": "JavaScript",
    "/JavaScript": "JavaScript",
    "/Launch": "commands that start programs",
    "/EmbeddedFile": "attached files",
    "/EmbeddedFiles": "attached files",
    "/FileAttachment": "attached files",
    "/AF": "attached files",
    "/URI": "web links",
    "/SubmitForm": "form actions",
    "/ImportData": "form actions",
    "/GoToR": "links to other files",
    "/GoToE": "links to other files",
    "/RichMedia": "media",
    "/Screen": "media",
    "/Movie": "media",
    "/Sound": "media",
    "/XFA": "XFA form",
    "/OpenAction": "automatic actions",
    "/AA": "automatic actions",
}


def containers(pdf: Any) -> Any:
    """Every dictionary and stream in ``pdf``: each object in the file, and the direct
    dictionaries nested inside them (an action is often written inline in its page)."""
    import pikepdf

    def nested(obj: Any, depth: int) -> Any:
        if depth > 64:
            return
        values = obj.values() if isinstance(obj, pikepdf.Dictionary | pikepdf.Stream) else obj
        for value in values:
            if isinstance(value, pikepdf.Dictionary | pikepdf.Array) and not value.is_indirect:
                if isinstance(value, pikepdf.Dictionary):
                    yield value
                yield from nested(value, depth + 1)

    for obj in pdf.objects:
        if isinstance(obj, pikepdf.Dictionary | pikepdf.Stream | pikepdf.Array):
            if not isinstance(obj, pikepdf.Array):
                yield obj
            yield from nested(obj, 0)


class Refused(Exception):
    """The record cannot be used; the message says why in plain words."""

    def __init__(self, problem: str, fix: str) -> None:
        super().__init__(problem)
        self.problem = problem
        self.fix = fix


@dataclass
class CleanRecord:
    """A record made safe: a PDF of its selected pages, and what was done to it."""

    pdf: bytes
    pages: int
    """Pages in ``pdf`` (the selection)."""
    original_pages: int
    """Pages in the original file."""
    outline: list[Any] = field(default_factory=list)
    """The record's own bookmarks: [title, page offset within the selection, children]."""
    removed: list[str] = field(default_factory=list)
    """Kinds of active content removed, in plain words."""
    flattened_fields: int = 0
    repaired: bool = False
    """The file was damaged and had to be repaired to be read."""
    problem: str | None = None
    fix: str = ""


def _refusal(exc: Refused) -> CleanRecord:
    return CleanRecord(b"", 0, 0, problem=exc.problem, fix=exc.fix)


def clean(
    path: Path,
    kind: str,
    selection: list[int] | None,
    paper: tuple[float, float],
    password: str | None = None,
) -> CleanRecord:
    """The safe form of one record (runs in the child). ``selection``: 0-based pages or
    None for all. Never raises for a bad file: the problem is in the result."""
    try:
        if kind == "pdf":
            return clean_pdf(path, selection, password)
        return clean_image(path, kind, selection, paper)
    except Refused as exc:
        return _refusal(exc)
    except MemoryError:
        return _refusal(
            Refused(
                "it needs more memory than allowed to read",
                "Save or export it again (for example, print it to a new PDF).",
            )
        )
    except Exception as exc:  # any parser error is a damaged file, never a traceback
        return _refusal(
            Refused(
                f"it is damaged and cannot be read ({type(exc).__name__})",
                "Download the record again, or ask its source for a new copy.",
            )
        )


# --- images ---------------------------------------------------------------------------


def limit_pillow() -> None:
    """Make Pillow refuse images over :data:`PIXEL_LIMIT` (a warning becomes an error)."""
    import warnings

    from PIL import Image

    Image.MAX_IMAGE_PIXELS = PIXEL_LIMIT
    warnings.simplefilter("error", Image.DecompressionBombWarning)


def too_many_pixels(exc: BaseException) -> Refused:
    return Refused(
        f"the image is too large to place (over {PIXEL_LIMIT // 1_000_000} megapixels)",
        "Export or scan it again at a lower resolution (300 dpi is plenty for reading).",
    )


def clean_image(
    path: Path, kind: str, selection: list[int] | None, paper: tuple[float, float]
) -> CleanRecord:
    from PIL import Image

    from .collect import image_pdf

    limit_pillow()
    try:
        frames = selection if selection is not None else [0]
        data = image_pdf(path, kind, frames, paper)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise too_many_pixels(exc) from None
    except (OSError, ValueError, SyntaxError, EOFError) as exc:
        raise Refused(
            f"the image is damaged ({type(exc).__name__})",
            "Take the photo or scan again, or export it again.",
        ) from None
    return CleanRecord(data, len(frames), len(frames))


# --- PDFs -----------------------------------------------------------------------------


def clean_pdf(path: Path, selection: list[int] | None, password: str | None) -> CleanRecord:
    import pikepdf

    try:
        src = pikepdf.open(path, password=password or "", access_mode=pikepdf.AccessMode.stream)
    except pikepdf.PasswordError:
        if password:
            raise Refused(
                "the password given for this PDF is wrong",
                "Check the password stored for it (see `password:` in the README).",
            ) from None
        raise Refused(
            "the PDF is protected with a password",
            "Add `password: prompt` (or `password: keyring`) to this record, or save an "
            "unprotected copy (Print > Save as PDF).",
        ) from None
    except pikepdf.PdfError as exc:
        raise Refused(
            f"it is damaged beyond repair ({_first_line(exc)})",
            "Download the record again, or ask its source for a new copy.",
        ) from None
    with src:
        repaired = bool(src.get_warnings())
        total = len(src.pages)
        if total == 0:
            raise Refused(
                "the PDF has no pages",
                "Download the record again, or ask its source for a new copy.",
            )
        chosen = [i for i in (selection if selection is not None else range(total)) if i < total]
        removed = _active_content(src)
        where = {src.pages[i].obj.objgen: n for n, i in enumerate(chosen)}
        outline = _record_outline(src, where)
        fields = _flatten_forms(src)
        objgens = {p.obj.objgen: n for n, p in enumerate(src.pages)}
        for i in chosen:
            _clean_page(src, src.pages[i], where, objgens)
        out = pikepdf.new()
        out.pages.extend(src.pages[i] for i in chosen)
        _sweep(out)
        buf = io.BytesIO()
        out.save(
            buf,
            stream_decode_level=pikepdf.StreamDecodeLevel.none,
            object_stream_mode=pikepdf.ObjectStreamMode.generate,
            fix_metadata_version=False,
        )
        repaired = repaired or bool(src.get_warnings())
    return CleanRecord(
        buf.getvalue(),
        len(chosen),
        total,
        outline,
        removed,
        fields,
        repaired,
    )


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    line = text.splitlines()[0] if text else type(exc).__name__
    # qpdf names the file it read; the message is about the record, named by the caller.
    return line.split(": ", 1)[-1][:120]


def _active_content(src: Any) -> list[str]:
    """Plain names of the active content in the file (for the build summary)."""
    import pikepdf

    found: set[str] = set()
    root = src.Root
    for key in ("/OpenAction", "/AA", "/AF"):
        if key in root:
            found.add(_ACTIVE[key])
    names = root.get("/Names")
    if isinstance(names, pikepdf.Dictionary):
        for key in ("/JavaScript", "/EmbeddedFiles"):
            if key in names:
                found.add(_ACTIVE[key])
    form = root.get("/AcroForm")
    if isinstance(form, pikepdf.Dictionary) and "/XFA" in form:
        found.add(_ACTIVE["/XFA"])
    for obj in containers(src):
        for key in obj.keys():  # noqa: SIM118 - pikepdf objects need keys()
            if key in _ACTIVE:
                found.add(_ACTIVE[key])
        for key in ("/S", "/Subtype", "/Type"):
            value = obj.get(key)
            if isinstance(value, pikepdf.Name) and str(value) in _ACTIVE:
                found.add(_ACTIVE[str(value)])
    return sorted(found)


def _flatten_forms(src: Any) -> int:
    """Draw form fields' appearance into their pages; return how many widgets there were."""
    import pikepdf

    widgets = 0
    for page in src.pages:
        annots = page.obj.get("/Annots")
        if isinstance(annots, pikepdf.Array):
            widgets += sum(
                1
                for a in annots
                if isinstance(a, pikepdf.Dictionary) and a.get("/Subtype") == pikepdf.Name.Widget
            )
    if widgets:
        if "/AcroForm" in src.Root:
            with contextlib.suppress(pikepdf.PdfError):  # without a usable look: dropped
                src.generate_appearance_streams()
        src.flatten_annotations("all")
    return widgets


def _dest_page(src: Any, dest: Any, objgens: dict[tuple[int, int], int]) -> tuple[int, list[Any]]:
    """The page (0-based within the file) and view of a destination; (-1, []) if none."""
    import pikepdf

    if isinstance(dest, pikepdf.Name | pikepdf.String | str):
        dest = _named_destination(src, str(dest))
    if isinstance(dest, pikepdf.Dictionary):
        dest = dest.get("/D")
    if not isinstance(dest, pikepdf.Array) or len(dest) == 0:
        return -1, []
    target = dest[0]
    if isinstance(target, pikepdf.Dictionary) and target.is_indirect:
        page = objgens.get(target.objgen, -1)
    elif isinstance(target, int) and 0 <= int(target) < len(objgens):
        page = int(target)  # a page number where a page belongs: some producers write it
    else:
        return -1, []
    view = list(dest[1:6])
    if (
        not view
        or not isinstance(view[0], pikepdf.Name)
        or not all(isinstance(v, int | float | decimal.Decimal) for v in view[1:])
    ):
        view = [pikepdf.Name.Fit]  # only a plain view travels; anything odd fits the page
    return page, view


def _named_destination(src: Any, name: str) -> Any:
    import pikepdf

    key = name.lstrip("/")
    try:
        names = src.Root.Names.Dests
        return pikepdf.NameTree(names).get(key)
    except (AttributeError, KeyError, TypeError, pikepdf.PdfError):
        pass
    try:
        return src.Root.get("/Dests", {}).get("/" + key)
    except (AttributeError, TypeError, pikepdf.PdfError):
        return None


def _clean_page(
    src: Any, page: Any, where: dict[tuple[int, int], int], objgens: dict[tuple[int, int], int]
) -> None:
    """Keep only the keys that draw the page, and links within the record as plain
    destinations to a page offset (the packet turns the offset into its own page)."""
    import pikepdf

    obj = page.obj
    for key in list(obj.keys()):
        if key not in _PAGE_KEYS:
            del obj[key]
    annots = obj.get("/Annots")
    kept = pikepdf.Array()
    if isinstance(annots, pikepdf.Array):
        for a in annots:
            link = _internal_link(src, a, where, objgens)
            if link is not None:
                kept.append(link)
    if len(kept):
        obj.Annots = kept
    elif "/Annots" in obj:
        del obj["/Annots"]


def _internal_link(
    src: Any, annot: Any, where: dict[tuple[int, int], int], objgens: dict[tuple[int, int], int]
) -> Any:
    import pikepdf

    if not isinstance(annot, pikepdf.Dictionary) or annot.get("/Subtype") != pikepdf.Name.Link:
        return None
    dest = annot.get("/Dest")
    action = annot.get("/A")
    if dest is None and isinstance(action, pikepdf.Dictionary):
        if action.get("/S") != pikepdf.Name.GoTo:
            return None
        dest = action.get("/D")
    if dest is None:
        return None
    page, view = _dest_page(src, dest, objgens)
    offset = where.get(src.pages[page].obj.objgen) if page >= 0 else None
    rect = annot.get("/Rect")
    if offset is None or not isinstance(rect, pikepdf.Array) or len(rect) != 4:
        return None
    return pikepdf.Dictionary(
        Type=pikepdf.Name.Annot,
        Subtype=pikepdf.Name.Link,
        Rect=pikepdf.Array([float(v) for v in rect]),
        Border=pikepdf.Array([0, 0, 0]),
        Dest=pikepdf.Array([offset, *view]),
    )


def _sweep(out: Any) -> None:
    """Remove action, script, attachment and metadata keys from every object in the new
    file; empty any attached-file stream still reachable; measure streams."""
    import pikepdf

    for obj in list(containers(out)):
        for key in _FORBIDDEN_KEYS:
            if key in obj:
                del obj[key]
        kind = obj.get("/Type")
        if kind in (pikepdf.Name.EmbeddedFile, pikepdf.Name.Filespec, pikepdf.Name.Action):
            for key in list(obj.keys()):
                if key not in ("/Type", "/Length"):
                    del obj[key]
            if isinstance(obj, pikepdf.Stream):
                obj.write(b"")
            continue
        if isinstance(obj, pikepdf.Stream):
            _measure(obj)


def _measure(stream: Any) -> None:
    """Refuse images over the pixel limit and content that decompresses past the stream
    limit, reading compressed data in pieces (a bomb is never held in memory)."""
    import zlib

    import pikepdf

    if stream.get("/Subtype") == pikepdf.Name.Image:
        try:
            pixels = int(stream.get("/Width", 0)) * int(stream.get("/Height", 0))
        except (TypeError, ValueError):
            return
        if pixels > PIXEL_LIMIT:
            raise Refused(
                f"it contains an image of {pixels // 1_000_000} megapixels (the limit is "
                f"{PIXEL_LIMIT // 1_000_000})",
                "Scan or export it again at a lower resolution (300 dpi is plenty).",
            )
        return
    filters = stream.get("/Filter")
    if isinstance(filters, pikepdf.Array):
        filters = filters[0] if len(filters) == 1 else None
    if filters != pikepdf.Name.FlateDecode:
        return  # other filters are bounded (LZW, run length) or not decoded for content
    raw = stream.read_raw_bytes()
    inflate = zlib.decompressobj()
    total, pos, chunk = 0, 0, 1 << 20
    try:
        while pos < len(raw) or inflate.unconsumed_tail:
            data = inflate.unconsumed_tail or raw[pos : pos + chunk]
            if not inflate.unconsumed_tail:
                pos += chunk
            total += len(inflate.decompress(data, chunk))
            if total > STREAM_LIMIT:
                raise Refused(
                    f"part of it expands to more than {STREAM_LIMIT // 2**20} MiB when opened "
                    "(a damaged or hostile file)",
                    "Ask its source for a new copy, or print it to a new PDF.",
                )
            if inflate.eof:
                return
    except zlib.error:
        return  # a damaged stream draws nothing; readers cope, and it cannot grow


def _record_outline(src: Any, where: dict[tuple[int, int], int]) -> list[Any]:
    """The record's bookmarks as [title, page offset within the selection, children]."""
    objgens = {p.obj.objgen: n for n, p in enumerate(src.pages)}
    pages = src.pages

    def offset(item: Any) -> int | None:
        import pikepdf

        dest = item.destination
        action = item.action
        if dest is None and isinstance(action, pikepdf.Dictionary):
            if action.get("/S") != pikepdf.Name.GoTo:
                return None
            dest = action.get("/D")
        if dest is None:
            return None
        page, _ = _dest_page(src, dest, objgens)
        return where.get(pages[page].obj.objgen) if page >= 0 else None

    seen = 0

    def walk(items: list[Any], depth: int) -> list[Any]:
        nonlocal seen
        out: list[Any] = []
        for item in items:
            seen += 1
            if seen > 10_000:
                break
            where_to = offset(item)
            children = walk(list(item.children), depth + 1) if depth < 16 else []
            if where_to is None:
                out.extend(children)  # keep reachable children of an unreachable entry
                continue
            out.append([str(item.title or "")[:200], where_to, children])
        return out

    try:
        with src.open_outline() as outline:
            return walk(list(outline.root), 0)
    except Exception:  # a damaged outline costs the record's bookmarks, not the build
        return []
