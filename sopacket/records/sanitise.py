"""Make one record safe to pass on: only its pages, nothing that runs, nothing hidden.

This runs in a child process with a memory cap and a time limit (see
:mod:`sopacket.records.isolate`), one record per child, so a hostile or broken file costs one
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
- Every stream is made plain data (see :mod:`sopacket.records.streams`): PostScript
  XObjects go, JBIG2 images are decoded and stored losslessly, JPEG headers must match
  their dictionaries, font programs lose trailing bytes, stream dictionaries keep only
  the keys the PDF specification defines, spot colour names become neutral.
- Every object that does travel is swept once more for action, script, attachment and
  metadata keys, and content streams are measured against a size limit without being
  held in memory (decompression bombs), images against a pixel limit.

Image records become PDF pages here too (Pillow is capped at :data:`PIXEL_LIMIT`), with
their metadata removed (see :mod:`sopacket.records.images`).
"""

from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import MayBeRefused, Refusal
from ..files import Unfit, read_guarded
from .active import REMOVED
from .content import ContentPass
from .limits import (  # one set of limits and refusals for check and for cleaning
    MAX_RECORD_BYTES,
    PIXEL_LIMIT,
    STREAM_LIMIT,
    limit_pillow,
    too_many_pixels,
    unfit,
)
from .objects import containers, decoded_size, filters
from .reasons import damaged_image, damaged_pdf, tiff_compression
from .streams import clean_streams

PAGE_CONTENT_LIMIT = 64 * 1024 * 1024
"""Largest decompressed drawing instructions of one page, in bytes (64 MiB)."""
RECORD_CONTENT_LIMIT = 512 * 1024 * 1024
"""Largest decompressed drawing instructions of one record's pages together (512 MiB)."""
MAX_RECORD_PAGES = 5000
"""Most pages one record may have (a real record set is split into several records)."""

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
# Stream keys that fetch data from elsewhere or carry private data, removed from streams.
_FORBIDDEN_STREAM_KEYS = (
    "/F",
    "/FFilter",
    "/FDecodeParms",
    "/Ref",
    "/OPI",
    "/Alternates",
    "/Name",
    "/StructParent",
    "/StructParents",
    "/ID",
    "/LastModified",
)
# The keys an image or form XObject keeps: what draws it (anything else is private data).
# No /OC: records.content applied each layer's default visibility, and no layer travels.
_XOBJECT_KEYS = {
    "/Image": {
        "/Type", "/Subtype", "/Width", "/Height", "/ColorSpace", "/BitsPerComponent",
        "/Intent", "/ImageMask", "/Mask", "/Decode", "/Interpolate", "/SMask",
        "/SMaskInData", "/Matte", "/Filter", "/DecodeParms", "/Length",
    },
    "/Form": {
        "/Type", "/Subtype", "/FormType", "/BBox", "/Matrix", "/Resources", "/Group",
        "/Filter", "/DecodeParms", "/Length",
    },
}  # fmt: skip
_OC_KEYS = {"/Type", "/Name", "/Intent", "/OCGs", "/P", "/VE"}
# Action types: a dictionary whose /S is one of these is an action, emptied wherever it is.
_ACTIONS = {
    "/GoTo",
    "/GoToR",
    "/GoToE",
    "/GoToDp",
    "/Launch",
    "/Thread",
    "/URI",
    "/Sound",
    "/Movie",
    "/Hide",
    "/Named",
    "/SubmitForm",
    "/ResetForm",
    "/ImportData",
    "/JavaScript",
    "/SetOCGState",
    "/Rendition",
    "/Trans",
    "/GoTo3DView",
    "/RichMediaExecute",
}


@dataclass
class CleanRecord(MayBeRefused):
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
    refusal: Refusal | None = None
    """Why the record cannot be used; None when it can."""
    sha256: str = ""
    """SHA-256 of the bytes actually read (the caller compares it with its own hash)."""
    shrinkable: int = 0
    """With ``survey``: images larger than needed for reading (see sopacket.records.recompress)."""
    hidden_layers: bool = False
    """Content on layers hidden by default was left out (as the original shows it)."""


def _read_confined(path: Path, base_dir: Path | None) -> bytes:
    """The file's bytes, read through one descriptor whose real path lies inside
    ``base_dir`` (see :func:`sopacket.files.read_guarded`)."""
    try:
        return read_guarded(path, MAX_RECORD_BYTES, base_dir=base_dir).data
    except Unfit as exc:
        raise unfit(exc, base_dir) from None


def _refusal(exc: Refusal) -> CleanRecord:
    return CleanRecord(b"", 0, 0, refusal=exc)


def clean(
    path: Path,
    kind: str,
    selection: list[int] | None,
    paper: tuple[float, float],
    password: str | None = None,
    base_dir: Path | None = None,
    survey: bool = False,
) -> CleanRecord:
    """The safe form of one record (runs in the child). ``selection``: 0-based pages or
    None for all. Never raises for a bad file: the problem is in the result. ``survey``:
    also count the images that could be made smaller (for a size limit).

    The file is opened once, and everything (the confinement to ``base_dir``, the hash,
    the pages) comes from that one open file: swapping the file or a link in its path
    while the packet is built cannot slip another file in."""
    import hashlib

    try:
        data = _read_confined(path, base_dir)
        digest = hashlib.sha256(data).hexdigest()
        if kind == "pdf":
            result = clean_pdf(data, selection, password)
        else:
            result = clean_image(data, kind, selection, paper)
        del data
        result.sha256 = digest
        if survey:
            result.shrinkable = _survey(result.pdf)
        return result
    except Refusal as exc:
        return _refusal(exc)
    except MemoryError:
        return _refusal(
            Refusal(
                "it needs more memory than allowed to read",
                "Save or export it again (for example, print it to a new PDF).",
            )
        )
    except Exception as exc:  # any parser error is a damaged file, never a traceback
        return _refusal(damaged_pdf(exc) if kind == "pdf" else damaged_image(exc, kind))


def _survey(pdf: bytes) -> int:
    import pikepdf

    from .recompress import survey

    try:
        with pikepdf.open(io.BytesIO(pdf)) as doc:
            return survey(doc)
    except Exception:  # counting is advice: a record it cannot count is left as it is
        return 0


# --- images ---------------------------------------------------------------------------


def clean_image(
    data: bytes, kind: str, selection: list[int] | None, paper: tuple[float, float]
) -> CleanRecord:
    from PIL import Image

    from .content import neutral_pdf
    from .images import image_pdf

    limit_pillow()
    try:
        frames = selection if selection is not None else [0]
        pdf = neutral_pdf(image_pdf(data, kind, frames, paper))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise too_many_pixels(exc) from None
    except (OSError, ValueError, SyntaxError, EOFError) as exc:
        raise damaged_image(exc, kind, _compression(data, kind)) from None
    return CleanRecord(pdf, len(frames), len(frames))


# --- PDFs -----------------------------------------------------------------------------


def clean_pdf(data: bytes, selection: list[int] | None, password: str | None) -> CleanRecord:
    import pikepdf

    try:
        src = pikepdf.open(
            io.BytesIO(data), password=password or "", access_mode=pikepdf.AccessMode.stream
        )
    except pikepdf.PasswordError:
        if password:
            raise Refusal(
                "the password given for this PDF is wrong",
                "Check the password stored for it (see `password:` in the README).",
            ) from None
        raise Refusal(
            "the PDF is protected with a password",
            "Add `password: prompt` (or `password: keyring`) to this record, or save an "
            "unprotected copy (Print > Save as PDF).",
        ) from None
    except pikepdf.PdfError as exc:
        raise damaged_pdf(_first_line(exc)) from None
    with src:
        repaired = bool(src.get_warnings())  # qpdf had to rebuild the file to read it
        total = len(src.pages)
        if total == 0:
            raise Refusal(
                "the PDF has no pages",
                "Download the record again, or ask its source for a new copy.",
            )
        if total > MAX_RECORD_PAGES:
            raise Refusal(
                f"the PDF has {total} pages (more than {MAX_RECORD_PAGES})",
                "Split it into several records, or select the pages that matter with "
                '`pages: "1-20"`.',
            )
        chosen = [i for i in (selection if selection is not None else range(total)) if i < total]
        removed = _active_content(src)
        where = {src.pages[i].obj.objgen: n for n, i in enumerate(chosen)}
        outline = _record_outline(src, where)
        passing = ContentPass.of(src)  # one pass over each content stream (records.content)
        fields, dropped = _flatten_annotations(src)
        objgens = {p.obj.objgen: n for n, p in enumerate(src.pages)}
        content = 0
        for n, i in enumerate(chosen):
            page = src.pages[i]
            _check_box(page, n)
            _clean_page(src, page, where, objgens)
            content += _wrap_content(src, page, n, passing)
            if content > RECORD_CONTENT_LIMIT:
                raise _too_big(
                    f"its pages' drawing instructions add up to more than "
                    f"{RECORD_CONTENT_LIMIT // 2**20} MiB"
                )
        removed = _left_out(removed, dropped, passing)
        out = pikepdf.new()
        out.pages.extend(src.pages[i] for i in chosen)
        removed = sorted({*removed, *clean_streams(out)})  # PostScript, JBIG2, fonts...
        _sweep(out)
        buf = io.BytesIO()
        out.save(
            buf,
            stream_decode_level=pikepdf.StreamDecodeLevel.none,
            object_stream_mode=pikepdf.ObjectStreamMode.generate,
            fix_metadata_version=False,
        )
    return CleanRecord(
        buf.getvalue(),
        len(chosen),
        total,
        outline,
        removed,
        fields,
        repaired,
        hidden_layers=passing.hidden_left_out,
    )


def _left_out(removed: list[str], dropped: int, passing: ContentPass) -> list[str]:
    """What was left out of the record, in plain words (for the build summary)."""
    said = set(removed)
    if dropped:
        said.add("comments that had no drawn form")
    if passing.postscript:
        said.add("PostScript printer code")
    if passing.hidden_left_out:
        said.add("content on layers hidden by default")
    return sorted(said)


def _first_line(exc: BaseException) -> str:
    """qpdf's words for the failure, for ``-v`` only (see sopacket.records.reasons): the
    first line, without the name qpdf gives the file it read (a temporary path)."""
    text = str(exc).strip()
    line = text.splitlines()[0] if text else type(exc).__name__
    return line.split(": ", 1)[-1][:120]


def _compression(data: bytes, kind: str) -> int | None:
    """The TIFF compression code of ``data`` (None if not a TIFF or unreadable)."""
    if kind != "tiff":
        return None
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as im:
            return tiff_compression(im)
    except Exception:
        return None


def _active_content(src: Any) -> list[str]:
    """Plain names of the active content in the file (for the build summary)."""
    import pikepdf

    found: set[str] = set()
    root = src.Root
    for key in ("/OpenAction", "/AA", "/AF"):
        if key in root:
            found.add(REMOVED[key])
    names = root.get("/Names")
    if isinstance(names, pikepdf.Dictionary):
        for key in ("/JavaScript", "/EmbeddedFiles"):
            if key in names:
                found.add(REMOVED[key])
    form = root.get("/AcroForm")
    if isinstance(form, pikepdf.Dictionary) and "/XFA" in form:
        found.add(REMOVED["/XFA"])
    for obj in containers(src):
        for key in obj.keys():  # noqa: SIM118 - pikepdf objects need keys()
            if key in REMOVED:
                found.add(REMOVED[key])
        for key in ("/S", "/Subtype", "/Type"):
            value = obj.get(key)
            if isinstance(value, pikepdf.Name) and str(value) in REMOVED:
                found.add(REMOVED[str(value)])
    return sorted(found)


def _flatten_annotations(src: Any) -> tuple[int, int]:
    """Draw every annotation that has a drawn form (form fields with their values, stamps,
    ink, highlights...) into its page, as plain content. Returns the number of form
    fields so drawn, and the number of other annotations (not links) that had nothing to
    draw and so are left out."""
    import pikepdf

    fields: set[tuple[int, int]] = set()
    drawable = 0
    for page in src.pages:
        annots = page.obj.get("/Annots")
        if not isinstance(annots, pikepdf.Array):
            continue
        for a in annots:
            if not isinstance(a, pikepdf.Dictionary):
                continue
            if a.get("/Subtype") == pikepdf.Name.Widget:
                parent = a.get("/Parent")
                field: Any = parent if isinstance(parent, pikepdf.Dictionary) else a
                fields.add(field.objgen if field.is_indirect else (id(field), 0))
            if a.get("/Subtype") != pikepdf.Name.Link:
                drawable += 1
    if fields and "/AcroForm" in src.Root:
        with contextlib.suppress(pikepdf.PdfError):  # without a usable look: dropped
            src.generate_appearance_streams()
    if drawable:
        src.flatten_annotations("all")
    left = 0
    for page in src.pages:
        annots = page.obj.get("/Annots")
        if isinstance(annots, pikepdf.Array):
            left += sum(
                1
                for a in annots
                if isinstance(a, pikepdf.Dictionary)
                and a.get("/Subtype") not in (pikepdf.Name.Link, pikepdf.Name.Popup)
            )
    return len(fields), left


def _too_big(what: str) -> Refusal:
    return Refusal(
        f"{what} (a damaged or hostile file)",
        "Ask its source for a new copy, or print it to a new PDF.",
    )


MIN_PAGE_SIDE = 72.0
"""A page narrower or lower than this (1 inch) is enlarged to fit a Letter page: a
1 x 1 pt page is too small to read or to carry the identification band."""
_ENLARGED = (612.0, 792.0)


def _check_box(page: Any, n: int) -> None:
    """A page needs a size a reader can show (its MediaBox, perhaps inherited): at least
    3 pt either way once a tiny page is enlarged (see :func:`_enlarge_if_tiny`: a 1 x 1 pt
    page is, a 0.5 x 792 pt sliver is not), and not absurdly large."""
    try:
        values = [float(v) for v in page.mediabox]
    except Exception:
        values = []
    if len(values) == 4:
        w, h = abs(values[2] - values[0]), abs(values[3] - values[1])
        if 0 < w <= 200_000 and 0 < h <= 200_000:
            k = _enlargement(w, h)
            if w * k >= 3 and h * k >= 3:
                return
    raise Refusal(
        f"page {n + 1} of the selection has no usable size (its MediaBox)",
        "Open it and print it to a new PDF, then build again.",
    )


def _wrap_content(src: Any, page: Any, n: int, passing: ContentPass) -> int:
    """Make the page's drawing one form XObject, decoded here (within this process's
    limits) and stored afresh after ``passing`` over it (:mod:`sopacket.records.content`),
    and the page's contents one line that draws it: no stream the packet's own process
    later reads can expand beyond what was measured here. Returns the decoded size."""
    import pikepdf

    contents = page.obj.get("/Contents")
    parts = list(contents) if isinstance(contents, pikepdf.Array) else [contents]
    measured = sum(
        decoded_size(part, PAGE_CONTENT_LIMIT) for part in parts if isinstance(part, pikepdf.Stream)
    )
    if measured > PAGE_CONTENT_LIMIT:
        raise _too_big(
            f"page {n + 1}'s drawing instructions expand to more than "
            f"{PAGE_CONTENT_LIMIT // 2**20} MiB"
        )
    try:
        form = page.as_form_xobject()
        data = form.read_bytes()
    except pikepdf.PdfError:
        data = b""  # drawing instructions that cannot be decoded draw nothing
        form = None
    if form is None:
        page.obj.Contents = src.make_stream(b"")
        return 0
    passing.form(form, data)
    resources = form.get("/Resources")
    if isinstance(resources, pikepdf.Dictionary) and not resources.is_indirect:
        # Indirect, it is encrypted with the rest; inside a stream's dictionary, its
        # names would be readable without the password.
        form.Resources = src.make_indirect(resources)
    page.obj.Resources = pikepdf.Dictionary(
        XObject=pikepdf.Dictionary(SopRecordPage=src.make_indirect(form))
    )
    page.obj.Contents = src.make_stream(b"q /SopRecordPage Do Q\n")
    _enlarge_if_tiny(page)
    return len(data)


def _enlargement(w: float, h: float) -> float:
    """How much a page ``w`` x ``h`` pt is enlarged: to fit a Letter page if it is smaller
    than :data:`MIN_PAGE_SIDE` either way (never shrunk), else not at all."""
    if w >= MIN_PAGE_SIDE and h >= MIN_PAGE_SIDE:
        return 1.0
    return max(1.0, min(_ENLARGED[0] / w, _ENLARGED[1] / h))


def _enlarge_if_tiny(page: Any) -> None:
    """A page smaller than :data:`MIN_PAGE_SIDE` either way is scaled up to fit a Letter
    page, its drawing with it (the page's contents are one line, set just before)."""
    import pikepdf

    x0, y0, x1, y1 = (float(v) for v in page.mediabox)
    x0, x1 = sorted((x0, x1))
    y0, y1 = sorted((y0, y1))
    w, h = x1 - x0, y1 - y0
    k = _enlargement(w, h)
    if k == 1.0:
        return
    draw = f"q {k:.6f} 0 0 {k:.6f} {-k * x0:.4f} {-k * y0:.4f} cm /SopRecordPage Do Q\n"
    page.obj.Contents.write(draw.encode())
    page.obj.MediaBox = pikepdf.Array([0, 0, round(k * w, 4), round(k * h, 4)])
    for name in ("/CropBox", "/TrimBox", "/BleedBox", "/ArtBox"):
        if name in page.obj:
            del page.obj[name]


def _dest_page(src: Any, dest: Any, objgens: dict[tuple[int, int], int]) -> tuple[int, list[Any]]:
    """The page (0-based within the file) and view of a destination; (-1, []) if none."""
    from decimal import Decimal

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
        or not all(isinstance(v, int | float | Decimal) for v in view[1:])
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

    with contextlib.suppress(pikepdf.PdfError):
        # Resources shared with (or inherited from) pages not selected stay behind.
        page.remove_unreferenced_resources()
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
    try:
        corners = [float(v) for v in rect]
    except (TypeError, ValueError):
        return None  # a link with no usable place on the page is left out
    return pikepdf.Dictionary(
        Type=pikepdf.Name.Annot,
        Subtype=pikepdf.Name.Link,
        Rect=pikepdf.Array(corners),
        Border=pikepdf.Array([0, 0, 0]),
        Dest=pikepdf.Array([offset, *view]),
    )


def _sweep(out: Any) -> None:
    """Remove action, script, attachment and metadata keys from every object in the new
    file; empty every action, attached file and file specification still reachable;
    remove keys that fetch stream data from elsewhere; strip photos' metadata; measure."""
    import pikepdf

    for obj in list(containers(out)):
        for key in _FORBIDDEN_KEYS:
            if key in obj:
                del obj[key]
        kind = obj.get("/Type")
        action = obj.get("/S")
        if kind in (pikepdf.Name.EmbeddedFile, pikepdf.Name.Filespec, pikepdf.Name.Action) or (
            isinstance(action, pikepdf.Name) and str(action) in _ACTIONS
        ):
            for key in list(obj.keys()):
                if key not in ("/Length",):
                    del obj[key]
            if isinstance(obj, pikepdf.Stream):
                obj.write(b"")
            continue
        if kind in (pikepdf.Name.OCG, pikepdf.Name.OCMD):
            _keep_only(obj, _OC_KEYS)  # a layer's name and visibility; not its creator
        properties = obj.get("/Properties")
        if isinstance(properties, pikepdf.Dictionary):
            for value in properties.values():  # marked-content property lists
                if isinstance(value, pikepdf.Dictionary) and value.get("/Type") not in (
                    pikepdf.Name.OCG,
                    pikepdf.Name.OCMD,
                ):
                    _keep_only(value, set())
        if isinstance(obj, pikepdf.Stream):
            for key in _FORBIDDEN_STREAM_KEYS:
                if key in obj:
                    del obj[key]
            allowed = _XOBJECT_KEYS.get(str(obj.get("/Subtype")))
            if (
                allowed is not None
                and obj.get("/Type", pikepdf.Name.XObject) == pikepdf.Name.XObject
            ):
                _keep_only(obj, allowed)
            _measure(obj)


def _keep_only(obj: Any, keys: set[str]) -> None:
    for key in list(obj.keys()):
        if key not in keys:
            del obj[key]


def _measure(stream: Any) -> None:
    """Refuse images over the pixel limit and any other stream that decodes past the
    stream limit (qpdf decodes it, whatever its filters, within this process's memory
    cap); photos (JPEG data) lose their metadata segments."""
    import pikepdf

    if stream.get("/Subtype") == pikepdf.Name.Image:
        try:
            pixels = int(stream.get("/Width", 0)) * int(stream.get("/Height", 0))
        except (TypeError, ValueError):
            return
        if pixels > PIXEL_LIMIT:
            raise Refusal(
                f"it contains an image of {pixels // 1_000_000} megapixels (the limit is "
                f"{PIXEL_LIMIT // 1_000_000})",
                "Scan or export it again at a lower resolution (300 dpi is plenty).",
            )
        if filters(stream) == ["/DCTDecode"]:
            _clean_photo(stream)
        return
    if decoded_size(stream, STREAM_LIMIT) > STREAM_LIMIT:
        raise _too_big(f"part of it expands to more than {STREAM_LIMIT // 2**20} MiB when opened")


def _clean_photo(stream: Any) -> None:
    """A JPEG image inside a PDF keeps its pixels and loses EXIF, GPS, XMP and comments."""
    import pikepdf

    from .images import clean_jpeg

    raw = stream.read_raw_bytes()
    try:
        cleaned = clean_jpeg(raw)
    except ValueError:
        return  # not JPEG data we can parse: readers will not show it either
    if cleaned != raw:
        parms = stream.get("/DecodeParms")
        stream.write(cleaned, filter=pikepdf.Name.DCTDecode, decode_parms=parms)


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
