"""Viewer-exploit material and private values in stream dictionaries (issue 13): PostScript
XObjects, JBIG2 images (the FORCEDENTRY class), JPEG headers that disagree with their
dictionary, font programs with trailing bytes, private keys in ICC profiles and spot
colour names. Each record is made here in a few lines (one JBIG2 file with shared
"globals" data is pikepdf's own test file, see tests/realworld/fetch.py)."""

from __future__ import annotations

import io
import struct
import subprocess
import zlib
from pathlib import Path

import pikepdf
import pytest
from pikepdf import Array, Dictionary, Name

from sopacket.build import BuildOptions, BuildResult, build
from sopacket.errors import RecordError
from sopacket.records.sanitise import clean
from sopacket.verify import verify

from .conftest import MINIMAL, write
from .tools import unavailable

PW = "correct horse battery staple"
needs_jbig2dec = pytest.mark.needs("jbig2dec")


def build_record(tmp_path: Path, pdf: pikepdf.Pdf) -> BuildResult:
    pdf.save(tmp_path / "r.pdf")
    packet = write(
        tmp_path / "packet.yaml",
        MINIMAL + "records:\n  - {title: Test record, kind: other, file: r.pdf}\n",
    )
    return build(packet, PW, BuildOptions(output=tmp_path / "out.pdf", allow_incomplete=True))


def decrypted(out: Path) -> bytes:
    plain = out.with_name("plain.pdf")
    subprocess.run(
        ["qpdf", f"--password={PW}", "--decrypt", "--qdf", "--object-streams=disable",
         "--decode-level=generalized", str(out), str(plain)],
        check=True, capture_output=True,
    )  # fmt: skip
    return plain.read_bytes()


def page_with(pdf: pikepdf.Pdf, content: bytes, **resources: pikepdf.Object) -> pikepdf.Page:
    pdf.add_blank_page(page_size=(200, 200))
    page = pdf.pages[-1]
    font = Dictionary(Type=Name.Font, Subtype=Name.Type1, BaseFont=Name.Helvetica)
    page.obj.Resources = Dictionary(
        {"/Font": Dictionary(F1=font), **{f"/{k}": v for k, v in resources.items()}}
    )
    page.obj.Contents = pdf.make_stream(content + b"\nBT /F1 12 Tf 20 20 Td (Visible) Tj ET")
    return page


def refused(tmp_path: Path, pdf: pikepdf.Pdf) -> str:
    with pytest.raises(RecordError) as caught:
        build_record(tmp_path, pdf)
    assert not (tmp_path / "out.pdf").exists()
    return str(caught.value)


def render(pdf: Path, dpi: int = 30) -> bytes:
    done = subprocess.run(
        ["pdftoppm", "-r", str(dpi), "-gray", "-f", "1", "-l", "1", str(pdf)],
        check=True, capture_output=True,
    )  # fmt: skip
    return done.stdout


def drawn(ppm: bytes) -> bool:
    """The rendered page has both dark and light pixels (an image was drawn)."""
    from PIL import Image

    with Image.open(io.BytesIO(ppm)) as page:
        darkest, lightest = page.getextrema()
    return darkest < 64 and lightest > 192


def cleaned(tmp_path: Path, record: Path) -> Path:
    """The record as the sanitiser leaves it (same page size, before the packet's stamps)."""
    result = clean(record, "pdf", None, (612, 792))
    assert result.refusal is None, result.refusal
    out = tmp_path / "cleaned.pdf"
    out.write_bytes(result.pdf)
    return out


def streams_of(pdf_bytes: bytes, password: str = "") -> list[dict[str, str]]:
    with pikepdf.open(io.BytesIO(pdf_bytes), password=password) as pdf:
        return [
            {k: str(v) for k, v in o.items()} for o in pdf.objects if isinstance(o, pikepdf.Stream)
        ]


# --- PostScript ---------------------------------------------------------------------------


def test_postscript_xobject_never_travels(tmp_path: Path) -> None:
    pdf = pikepdf.new()
    ps = pdf.make_stream(b"%!PS\n(PS-SECRET) show showpage\n")
    ps.Type, ps.Subtype = Name.XObject, Name.PS
    page_with(pdf, b"q /P1 Do Q", XObject=Dictionary(P1=ps))
    result = build_record(tmp_path, pdf)
    assert "PostScript code" in result.records[0].removed
    plain = decrypted(tmp_path / "out.pdf")
    assert b"PS-SECRET" not in plain and b"/Subtype /PS" not in plain
    assert not [
        s for s in streams_of((tmp_path / "out.pdf").read_bytes(), PW) if s.get("/Subtype") == "/PS"
    ]
    text = subprocess.run(["pdftotext", "-upw", PW, str(tmp_path / "out.pdf"), "-"],
                          capture_output=True, text=True, check=True).stdout  # fmt: skip
    assert "Visible" in text


def test_form_marked_postscript_never_travels(tmp_path: Path) -> None:
    pdf = pikepdf.new()
    form = pdf.make_stream(b"%!PS\n(PS-FORM-SECRET) show\n")
    form.Type, form.Subtype, form.Subtype2 = Name.XObject, Name.Form, Name.PS
    form.BBox = Array([0, 0, 100, 100])
    page_with(pdf, b"q /P1 Do Q", XObject=Dictionary(P1=form))
    result = build_record(tmp_path, pdf)
    assert "PostScript code" in result.records[0].removed
    assert b"PS-FORM-SECRET" not in decrypted(tmp_path / "out.pdf")


def packet_with_injected(tmp_path: Path, stream_of) -> Path:
    """A built packet with one XObject added to a page, saved with the same password."""
    pdf = pikepdf.new()
    page_with(pdf, b"")
    build_record(tmp_path, pdf)
    out = tmp_path / "injected.pdf"
    with pikepdf.open(tmp_path / "out.pdf", password=PW) as packet:
        page = packet.pages[-1]
        page.obj.Resources.XObject = Dictionary(Bad=stream_of(packet))
        page.obj.Contents = packet.make_stream(b"q /Bad Do Q")
        packet.save(out, encryption=pikepdf.Encryption(user=PW, owner="x" * 20, R=6))
    return out


def active_finding(packet: Path) -> str:
    report = verify(packet, PW)
    assert not report.intact
    (finding,) = [f for f in report.findings if f.check == "no active content"]
    assert not finding.ok
    return finding.detail


def test_verify_calls_a_packet_with_postscript_not_clean(tmp_path: Path) -> None:
    def ps(packet: pikepdf.Pdf) -> pikepdf.Stream:
        s = packet.make_stream(b"%!PS\n(x) show\n")
        s.Type, s.Subtype = Name.XObject, Name.PS
        return s

    assert "PostScript code" in active_finding(packet_with_injected(tmp_path, ps))


def test_verify_calls_a_packet_with_the_ps_operator_not_clean(tmp_path: Path) -> None:
    def form(packet: pikepdf.Pdf) -> pikepdf.Stream:
        s = packet.make_stream(b"q (%!PS code) PS Q")
        s.Type, s.Subtype, s.BBox = Name.XObject, Name.Form, Array([0, 0, 10, 10])
        return s

    assert "PostScript code" in active_finding(packet_with_injected(tmp_path, form))


def test_verify_calls_a_packet_with_jbig2_not_clean(tmp_path: Path) -> None:
    def jbig2(packet: pikepdf.Pdf) -> pikepdf.Stream:
        s = packet.make_stream(jbig2_stream(64, 64))
        s.write(jbig2_stream(64, 64), filter=Name.JBIG2Decode)
        s.Type, s.Subtype, s.Width, s.Height = Name.XObject, Name.Image, 64, 64
        s.BitsPerComponent, s.ColorSpace = 1, Name.DeviceGray
        return s

    assert "JBIG2 image data" in active_finding(packet_with_injected(tmp_path, jbig2))


# --- JBIG2 --------------------------------------------------------------------------------


def _segment(number: int, kind: int, data: bytes) -> bytes:
    """A JBIG2 segment: its header (no referred-to segments, page 1) and data."""
    return struct.pack(">IBBBI", number, kind, 0, 1, len(data)) + data


def jbig2_stream(width: int, height: int, page: tuple[int, int] | None = None) -> bytes:
    """An embedded JBIG2 stream made here: a page, one generic region coded with MMR (the
    CCITT Group 4 code, made with Pillow) holding a black frame and a cross, end of page.
    ``page``: the size its page information declares (the image's own size if None)."""
    from PIL import Image, ImageDraw

    picture = Image.new("1", (width, height), 1)
    draw = ImageDraw.Draw(picture)
    draw.rectangle([2, 2, width - 3, height - 3], outline=0, width=3)
    draw.line([0, 0, width, height], fill=0, width=4)
    buf = io.BytesIO()
    picture.save(buf, "TIFF", compression="group4", tiffinfo={278: height})
    with Image.open(io.BytesIO(buf.getvalue())) as tiff:
        offset, count = tiff.tag_v2[273][0], tiff.tag_v2[279][0]
    mmr = buf.getvalue()[offset : offset + count]
    pw, ph = page or (width, height)
    info = struct.pack(">IIIIBH", pw, ph, 0, 0, 0, 0)
    region = struct.pack(">IIIIB", width, height, 0, 0, 0) + b"\x01" + mmr
    return _segment(0, 48, info) + _segment(1, 38, region) + _segment(2, 49, b"")


def jbig2_record(data: bytes, width: int, height: int) -> pikepdf.Pdf:
    pdf = pikepdf.new()
    image = pdf.make_stream(b"")
    image.write(data, filter=Name.JBIG2Decode)
    image.Type, image.Subtype, image.Width, image.Height = Name.XObject, Name.Image, width, height
    image.BitsPerComponent, image.ColorSpace = 1, Name.DeviceGray
    page_with(pdf, b"q 160 0 0 160 20 20 cm /Im1 Do Q", XObject=Dictionary(Im1=image))
    return pdf


def no_jbig2_in(packet: Path) -> None:
    found = streams_of(packet.read_bytes(), PW)
    assert not [s for s in found if "JBIG2" in s.get("/Filter", "") or "JBIG2" in str(s)]


@needs_jbig2dec
def test_jbig2_image_is_stored_losslessly_and_looks_the_same(tmp_path: Path) -> None:
    record = tmp_path / "scan.pdf"
    jbig2_record(jbig2_stream(300, 200), 300, 200).save(record)
    before = render(record, 72)
    assert drawn(before)
    assert render(cleaned(tmp_path, record), 72) == before
    result = build_record(tmp_path, pikepdf.open(record))
    assert result.records[0].pages == 1
    no_jbig2_in(tmp_path / "out.pdf")
    assert verify(tmp_path / "out.pdf", PW).intact


def _real_jbig2_with_globals() -> Path:
    from .realworld.fetch import fetch
    from .test_realworld import CACHE

    try:
        files = fetch(CACHE)
    except RuntimeError as exc:
        unavailable(f"real-world PDFs unavailable: {exc}")
    (found,) = [f for f in files if f.name == "jbig2global.pdf"]
    return found


@needs_jbig2dec
def test_jbig2_image_with_globals_is_stored_losslessly(tmp_path: Path) -> None:
    original = _real_jbig2_with_globals()
    with pikepdf.open(original) as pdf:
        assert any("/JBIG2Globals" in s.get("/DecodeParms", "") for s in
                   [{k: str(v) for k, v in o.items()} for o in pdf.objects
                    if isinstance(o, pikepdf.Stream)])  # fmt: skip
    record = tmp_path / "scan.pdf"
    record.write_bytes(original.read_bytes())
    before = render(record)
    assert drawn(before)
    assert render(cleaned(tmp_path, record)) == before
    build_record(tmp_path, pikepdf.open(record))
    no_jbig2_in(tmp_path / "out.pdf")
    assert verify(tmp_path / "out.pdf", PW).intact


def test_jbig2_page_declaring_a_huge_size_is_refused_before_decoding(tmp_path: Path) -> None:
    data = jbig2_stream(64, 64, page=(60_000, 60_000))
    message = refused(tmp_path, jbig2_record(data, 64, 64))
    assert "megapixels" in message and "Test record" in message


def test_jbig2_without_jbig2dec_is_refused_saying_how_to_install_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    record = tmp_path / "scan.pdf"
    jbig2_record(jbig2_stream(64, 64), 64, 64).save(record)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    result = clean(record, "pdf", None, (612, 792))
    assert result.refusal is not None and not result.pdf
    said = f"{result.problem} {result.fix}"
    assert "JBIG2" in said and "apt-get install jbig2dec" in said and "brew install" in said


# --- JPEG ---------------------------------------------------------------------------------


def jpeg(width: int, height: int, header: tuple[int, int] | None = None) -> bytes:
    """A small JPEG; ``header``: the size its frame header is made to declare instead."""
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (width, height), (200, 40, 40)).save(buf, "JPEG")
    data = bytearray(buf.getvalue())
    if header:
        sof = data.index(b"\xff\xc0")
        data[sof + 5 : sof + 9] = struct.pack(">HH", header[1], header[0])
    return bytes(data)


def jpeg_record(data: bytes, width: int, height: int) -> pikepdf.Pdf:
    pdf = pikepdf.new()
    image = pdf.make_stream(b"")
    image.write(data, filter=Name.DCTDecode)
    image.Type, image.Subtype, image.Width, image.Height = Name.XObject, Name.Image, width, height
    image.BitsPerComponent, image.ColorSpace = 8, Name.DeviceRGB
    page_with(pdf, b"q 100 0 0 100 20 20 cm /Im1 Do Q", XObject=Dictionary(Im1=image))
    return pdf


def test_jpeg_whose_header_declares_a_huge_size_is_refused(tmp_path: Path) -> None:
    message = refused(tmp_path, jpeg_record(jpeg(10, 10, header=(65000, 65000)), 10, 10))
    assert "megapixels" in message and "Test record" in message


def test_jpeg_whose_header_disagrees_with_its_dictionary_is_refused(tmp_path: Path) -> None:
    message = refused(tmp_path, jpeg_record(jpeg(20, 10), 10, 10))
    assert "JPEG image whose own header (20×10 pixels" in message


def test_jpeg_with_wrong_colour_components_is_refused(tmp_path: Path) -> None:
    pdf = jpeg_record(jpeg(10, 10), 10, 10)
    for obj in pdf.objects:
        if isinstance(obj, pikepdf.Stream) and obj.get("/Subtype") == Name.Image:
            obj.ColorSpace = Name.DeviceCMYK
    assert "3 colour components" in refused(tmp_path, pdf)


def test_matching_jpeg_travels(tmp_path: Path) -> None:
    build_record(tmp_path, jpeg_record(jpeg(20, 10), 20, 10))
    assert verify(tmp_path / "out.pdf", PW).intact


# --- fonts --------------------------------------------------------------------------------


def test_truetype_program_loses_its_trailing_bytes(tmp_path: Path) -> None:
    import font_roboto
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    ttf = Path(font_roboto.__file__).parent / "files" / "Roboto-Regular.ttf"
    pdfmetrics.registerFont(TTFont("RobotoTest", str(ttf)))
    made = tmp_path / "made.pdf"
    c = canvas.Canvas(str(made), pagesize=(300, 200), invariant=1)
    c.setFont("RobotoTest", 14)
    c.drawString(20, 100, "Haemoglobin normal")
    c.save()
    pdf = pikepdf.open(made)
    for obj in pdf.objects:
        if isinstance(obj, pikepdf.Dictionary) and "/FontFile2" in obj:
            program = obj.FontFile2
            data = program.read_bytes() + b"TRAILING-SECRET"
            program.write(zlib.compress(data), filter=Name.FlateDecode)
            program.Length1 = len(data)  # the declared length covers the junk too
    build_record(tmp_path, pdf)
    assert b"TRAILING-SECRET" not in decrypted(tmp_path / "out.pdf")
    text = subprocess.run(["pdftotext", "-upw", PW, str(tmp_path / "out.pdf"), "-"],
                          capture_output=True, text=True, check=True).stdout  # fmt: skip
    assert "Haemoglobin normal" in text


def test_type1_program_loses_what_lies_past_its_declared_lengths(tmp_path: Path) -> None:
    clear = b"%!PS-AdobeFont-1.0: Test 001\n/FontName /Test def\ncurrentfile eexec\n"
    secret_part = bytes(range(256)) * 2
    trailer = b"0" * 512 + b"\ncleartomark\n"
    pdf = pikepdf.new()
    program = pdf.make_stream(b"")
    program.write(zlib.compress(clear + secret_part + trailer + b"TRAILING-SECRET"),
                  filter=Name.FlateDecode)  # fmt: skip
    program.Length1, program.Length2, program.Length3 = len(clear), len(secret_part), 0
    program.Creator = Name("/JaneDoeScanner")
    descriptor = Dictionary(Type=Name.FontDescriptor, FontName=Name("/Test"), Flags=32,
                            FontBBox=Array([0, 0, 500, 700]), ItalicAngle=0, Ascent=700,
                            Descent=0, CapHeight=700, StemV=80, FontFile=program)  # fmt: skip
    font = Dictionary(Type=Name.Font, Subtype=Name.Type1, BaseFont=Name("/Test"),
                      FirstChar=32, LastChar=32, Widths=Array([250]),
                      FontDescriptor=pdf.make_indirect(descriptor))  # fmt: skip
    page_with(pdf, b"BT /T1 10 Tf 20 50 Td ( ) Tj ET", Font=Dictionary(F1=font, T1=font))
    build_record(tmp_path, pdf)
    plain = decrypted(tmp_path / "out.pdf")
    assert b"TRAILING-SECRET" not in plain
    assert clear + secret_part in plain and b"cleartomark" in plain  # the program itself stays
    assert b"JaneDoeScanner" not in (tmp_path / "out.pdf").read_bytes()


# --- colour spaces ------------------------------------------------------------------------


def test_private_keys_of_an_icc_profile_do_not_travel(tmp_path: Path) -> None:
    from PIL import ImageCms

    pdf = pikepdf.new()
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    icc = pdf.make_stream(profile)
    icc.N, icc.Alternate = 3, Name.DeviceRGB
    icc.PatientName = Name("/JaneDoe")
    icc.PatientNote = pikepdf.String("JaneNote")
    page_with(pdf, b"/CS1 cs 0.8 0.1 0.1 sc 10 10 100 100 re f",
              ColorSpace=Dictionary(CS1=Array([Name.ICCBased, icc])))  # fmt: skip
    build_record(tmp_path, pdf)
    assert b"JaneDoe" not in (tmp_path / "out.pdf").read_bytes()
    plain = decrypted(tmp_path / "out.pdf")
    assert b"JaneDoe" not in plain and b"JaneNote" not in plain
    assert b"/ICCBased" in plain and b"/N 3" in plain


def test_spot_colour_names_do_not_travel_and_the_page_looks_the_same(tmp_path: Path) -> None:
    pdf = pikepdf.new()
    rgb = Array([0, 1, 0, 1, 0, 1])
    tint = pdf.make_stream(b"{ 1 exch sub 0 0 }")  # one tint -> RGB (1 - t, 0, 0)
    tint.FunctionType, tint.Domain, tint.Range = 4, Array([0, 1]), rgb
    tints = pdf.make_stream(b"{ pop dup dup }")  # two tints -> grey of the first
    tints.FunctionType, tints.Domain, tints.Range = 4, Array([0, 1, 0, 1]), rgb
    spot = Array([Name.Separation, Name("/Jane Doe Ink"), Name.DeviceRGB, tint])
    both = Array([Name.DeviceN, Array([Name("/Jane Doe Ink"), Name.Black]), Name.DeviceRGB,
                  tints])  # fmt: skip
    page_with(pdf, b"/CS1 cs 1 sc 10 10 80 80 re f /CS2 cs 0.5 0 sc 100 10 80 80 re f",
              ColorSpace=Dictionary(CS1=spot, CS2=both))  # fmt: skip
    record = tmp_path / "spot.pdf"
    pdf.save(record)
    after = cleaned(tmp_path, record)
    assert b"Jane" not in after.read_bytes()
    before = render(record)
    assert drawn(before)
    assert render(after) == before
    build_record(tmp_path, pikepdf.open(record))
    assert b"Jane" not in decrypted(tmp_path / "out.pdf")
