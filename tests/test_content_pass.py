"""The one pass over each record page's and form's drawing instructions
(sopacket.records.content): layers keep their default visibility, resource names are
neutral, inline images meet the pixel limit, PostScript is removed. Each test builds a
real packet (or cleans a real record in the child's code) and reads it back with
pdftotext, pdfimages, mutool or qpdf."""

from __future__ import annotations

import hashlib
import io
import re
import subprocess
import zlib
from pathlib import Path

import pikepdf
import pytest
from pikepdf import Array, Dictionary, Name

from sopacket.build import BuildOptions, BuildResult, build
from sopacket.errors import RecordError
from sopacket.records.sanitise import clean_pdf

from .conftest import MINIMAL, write

PW = "correct horse battery staple"


def build_records(tmp_path: Path, files: dict[str, bytes]) -> BuildResult:
    lines = "".join(
        f"  - {{title: Record {n}, kind: other, file: {name}}}\n"
        for n, name in enumerate(files, start=1)
    )
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    packet = write(tmp_path / "packet.yaml", MINIMAL + "records:\n" + lines)
    return build(packet, PW, BuildOptions(output=tmp_path / "out.pdf", allow_incomplete=True))


def saved(pdf: pikepdf.Pdf) -> bytes:
    buf = io.BytesIO()
    pdf.save(buf)
    return buf.getvalue()


def text_of(pdf: Path | bytes, *tool: str) -> str:
    """What a reader extracts: pdftotext (default) or mutool's text device."""
    if isinstance(pdf, bytes):
        return subprocess.run(
            ["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True
        ).stdout.decode()
    if tool == ("mutool",):
        out = subprocess.run(
            ["mutool", "draw", "-p", PW, "-F", "txt", "-o", "-", str(pdf)],
            capture_output=True,
            check=True,
        )
        return out.stdout.decode()
    out = subprocess.run(["pdftotext", "-upw", PW, str(pdf), "-"], capture_output=True, check=True)
    return out.stdout.decode()


def decrypted(out: Path) -> bytes:
    plain = out.with_name("plain.pdf")
    subprocess.run(
        ["qpdf", f"--password={PW}", "--decrypt", "--qdf", "--object-streams=disable",
         "--decode-level=generalized", str(out), str(plain)],
        check=True, capture_output=True,
    )  # fmt: skip
    return plain.read_bytes()


def helvetica() -> Dictionary:
    return Dictionary(Type=Name.Font, Subtype=Name.Type1, BaseFont=Name.Helvetica)


def layered(base_off: bool = False) -> pikepdf.Pdf:
    """A page with text on a layer off by default, on a layer on by default, and outside
    any layer; a form and an annotation on the hidden layer too."""
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(612, 792))
    page = pdf.pages[0]
    hidden = pdf.make_indirect(Dictionary(Type=Name.OCG, Name=pikepdf.String("Notes")))
    shown = pdf.make_indirect(Dictionary(Type=Name.OCG, Name=pikepdf.String("Print")))
    form = pdf.make_stream(
        b"BT /F1 12 Tf 72 500 Td (HIDDEN-FORM-TEXT) Tj ET",
        Type=Name.XObject, Subtype=Name.Form, BBox=[0, 0, 612, 792], OC=hidden,
        Resources=Dictionary(Font=Dictionary(F1=helvetica())),
    )  # fmt: skip
    page.obj.Resources = Dictionary(
        Font=Dictionary(F1=helvetica()),
        Properties=Dictionary(MC0=hidden, MC1=shown),
        XObject=Dictionary(Fm0=form),
    )
    page.obj.Contents = pdf.make_stream(
        b"/OC /MC0 BDC q BT /F1 18 Tf 72 700 Td (HIDDEN-LAYER-TEXT) Tj ET Q "
        b"/Span << /Lang (en) >> BDC BT /F1 9 Tf 72 680 Td (HIDDEN-NESTED-TEXT) Tj ET EMC EMC "
        b"/OC /MC1 BDC BT /F1 18 Tf 72 650 Td (VISIBLE-LAYER-TEXT) Tj ET EMC "
        b"BT /F1 18 Tf 72 600 Td (PLAIN-PAGE-TEXT) Tj ET /Fm0 Do"
    )
    look = pdf.make_stream(
        b"BT /F1 14 Tf 2 6 Td (HIDDEN-ANNOT-TEXT) Tj ET", Type=Name.XObject,
        Subtype=Name.Form, BBox=[0, 0, 200, 30],
        Resources=Dictionary(Font=Dictionary(F1=helvetica())),
    )  # fmt: skip
    page.obj.Annots = Array(
        [
            pdf.make_indirect(
                Dictionary(
                    Type=Name.Annot,
                    Subtype=Name.Stamp,
                    Rect=[72, 300, 272, 330],
                    AP=Dictionary(N=look),
                    OC=hidden,
                    F=4,
                )
            )
        ]
    )
    config = (
        Dictionary(BaseState=Name.OFF, ON=[shown])
        if base_off
        else Dictionary(ON=[shown], OFF=[hidden])
    )
    pdf.Root.OCProperties = Dictionary(OCGs=[hidden, shown], D=config)
    return pdf


# --- layers -----------------------------------------------------------------------------


def test_a_layer_hidden_by_default_stays_hidden_and_the_index_says_so(tmp_path: Path) -> None:
    result = build_records(tmp_path, {"layers.pdf": saved(layered())})
    for text in (text_of(result.output), text_of(result.output, "mutool")):
        assert "VISIBLE-LAYER-TEXT" in text and "PLAIN-PAGE-TEXT" in text
        assert "HIDDEN-LAYER-TEXT" not in text
        assert "HIDDEN-NESTED-TEXT" not in text
        assert "HIDDEN-FORM-TEXT" not in text
        assert "HIDDEN-ANNOT-TEXT" not in text
    assert any("content on layers hidden by default" in w for w in result.warnings)
    index = " ".join(text_of(result.output).split())
    assert "Had layers hidden by default; hidden content was left out, as the original" in index
    plain = decrypted(result.output)  # no layer can be switched back on
    assert b"/OCProperties" not in plain and b"/OC " not in plain and b"/OCG" not in plain


def test_a_record_without_hidden_layers_has_no_layer_note(tmp_path: Path) -> None:
    pdf = layered()
    pdf.Root.OCProperties.D = Dictionary()  # every layer on by default
    result = build_records(tmp_path, {"layers.pdf": saved(pdf)})
    text = text_of(result.output)
    assert "HIDDEN-LAYER-TEXT" in text and "HIDDEN-FORM-TEXT" in text
    assert "Had layers hidden" not in text


def test_base_state_off_hides_every_layer_not_listed_on() -> None:
    text = text_of(clean_pdf(saved(layered(base_off=True)), None, None).pdf)
    assert "VISIBLE-LAYER-TEXT" in text and "PLAIN-PAGE-TEXT" in text
    assert "HIDDEN-LAYER-TEXT" not in text and "HIDDEN-FORM-TEXT" not in text


@pytest.mark.parametrize(
    ("policy", "shows"),
    [("/AnyOn", True), ("/AllOn", False), ("/AnyOff", True), ("/AllOff", False)],
)
def test_membership_policies_decide_visibility(policy: str, shows: bool) -> None:
    pdf = layered()
    res = pdf.pages[0].obj.Resources
    res.Properties.MD = Dictionary(
        Type=Name.OCMD, OCGs=[res.Properties.MC0, res.Properties.MC1], P=Name(policy)
    )
    pdf.pages[0].obj.Contents = pdf.make_stream(
        b"/OC /MD BDC BT /F1 18 Tf 72 700 Td (POLICY-TEXT) Tj ET EMC "
        b"BT /F1 18 Tf 72 600 Td (AFTER-TEXT) Tj ET"
    )
    text = text_of(clean_pdf(saved(pdf), None, None).pdf)
    assert ("POLICY-TEXT" in text) is shows
    assert "AFTER-TEXT" in text


def test_visibility_expression_wins_over_the_policy() -> None:
    pdf = layered()
    res = pdf.pages[0].obj.Resources
    hidden, shown = res.Properties.MC0, res.Properties.MC1
    res.Properties.MD = Dictionary(
        Type=Name.OCMD, OCGs=[shown], P=Name.AnyOn,
        VE=[Name.And, shown, [Name.Not, hidden]],
    )  # fmt: skip
    pdf.pages[0].obj.Contents = pdf.make_stream(
        b"/OC /MD BDC BT /F1 18 Tf 72 700 Td (EXPRESSION-TEXT) Tj ET EMC"
    )
    assert "EXPRESSION-TEXT" in text_of(clean_pdf(saved(pdf), None, None).pdf)


def test_hidden_content_keeps_the_graphics_state_it_sets() -> None:
    """Inside hidden content, what moves the drawing (cm, text position) still applies:
    text after it is where the original puts it."""
    pdf = layered()
    pdf.pages[0].obj.Contents = pdf.make_stream(
        b"/OC /MC0 BDC 1 0 0 1 0 -400 cm BT /F1 18 Tf 72 700 Td (HIDDEN-LAYER-TEXT) Tj ET EMC "
        b"BT /F1 18 Tf 72 700 Td (MOVED-TEXT) Tj ET"
    )
    cleaned = clean_pdf(saved(pdf), None, None).pdf
    box = subprocess.run(
        ["pdftotext", "-bbox", "-", "-"], input=cleaned, capture_output=True, check=True
    ).stdout.decode()
    assert "HIDDEN-LAYER-TEXT" not in box
    y = float(re.search(r'yMin="([\d.]+)"[^>]*>MOVED-TEXT', box).group(1))  # type: ignore[union-attr]
    assert y > 400  # 700 points up, moved 400 down: near the bottom of the 792-point page


# --- inline images and PostScript ------------------------------------------------------------


def test_inline_image_over_the_pixel_limit_is_refused_like_an_image_object(
    tmp_path: Path,
) -> None:
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(612, 792))
    pdf.pages[0].obj.Contents = pdf.make_stream(
        b"q 100 0 0 100 72 72 cm BI /W 60000 /H 60000 /CS /G /BPC 8 /F /Fl ID "
        + zlib.compress(b"\0" * 1000)
        + b"\nEI Q"
    )
    with pytest.raises(RecordError) as inline:
        build_records(tmp_path, {"inline.pdf": saved(pdf)})
    assert "contains an image of 3600 megapixels (the limit is 150)" in str(inline.value)
    assert "lower resolution" in inline.value.fix
    assert not (tmp_path / "out.pdf").exists()

    other = pikepdf.new()
    other.add_blank_page(page_size=(612, 792))
    image = other.make_stream(
        b"\0", Type=Name.XObject, Subtype=Name.Image, Width=60000, Height=60000,
        ColorSpace=Name.DeviceGray, BitsPerComponent=8,
    )  # fmt: skip
    other.pages[0].obj.Resources = Dictionary(XObject=Dictionary(Im0=image))
    other.pages[0].obj.Contents = other.make_stream(b"q 100 0 0 100 72 72 cm /Im0 Do Q")
    with pytest.raises(RecordError) as xobject:
        build_records(tmp_path, {"xobject.pdf": saved(other)})
    assert str(xobject.value).split("(")[-1] == str(inline.value).split("(")[-1]


def test_inline_image_whose_data_expands_past_the_limit_is_refused() -> None:
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(612, 792))
    bomb = zlib.compress(zlib.compress(b"\0" * (260 * 2**20), 9), 9)  # 260 MiB, twice
    pdf.pages[0].obj.Contents = pdf.make_stream(
        b"q 100 0 0 100 72 72 cm BI /W 100 /H 100 /CS /G /BPC 8 /F [/Fl /Fl] ID " + bomb + b"\nEI Q"
    )
    from sopacket.errors import Refusal

    with pytest.raises(Refusal, match="an image in it expands to more than 256 MiB"):
        clean_pdf(saved(pdf), None, None)


def test_small_inline_image_still_draws() -> None:
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(612, 792))
    pdf.pages[0].obj.Contents = pdf.make_stream(
        b"q 100 0 0 100 72 72 cm BI /W 2 /H 2 /CS /G /BPC 8 ID \x00\xff\xff\x00\nEI Q"
    )
    cleaned = clean_pdf(saved(pdf), None, None).pdf
    listing = subprocess.run(
        ["pdfimages", "-list", "-", ], input=cleaned, capture_output=True, check=False
    ).stdout.decode()  # fmt: skip
    assert re.search(r"\binline\b|\bimage\s+2\s+2\b", listing)


def test_the_postscript_operator_is_removed_and_said(tmp_path: Path) -> None:
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(612, 792))
    pdf.pages[0].obj.Resources = Dictionary(Font=Dictionary(F1=helvetica()))
    pdf.pages[0].obj.Contents = pdf.make_stream(
        b"(/POSTSCRIPT-PAYLOAD showpage) PS BT /F1 18 Tf 72 700 Td (AFTER-PS) Tj ET"
    )
    result = build_records(tmp_path, {"ps.pdf": saved(pdf)})
    plain = decrypted(result.output)
    assert b"POSTSCRIPT-PAYLOAD" not in plain and b") PS" not in plain
    assert "AFTER-PS" in text_of(result.output)
    assert any("PostScript printer code" in w for w in result.warnings)


# --- neutral names: nothing derived from the records outside the encryption ---------------


def _reportlab_name(data: bytes) -> str:
    """The MD5 reportlab names an image by: drawImage hashes ImageReader.getRGBData() and
    then str(mask) ("None") (reportlab/pdfgen/canvas.py, drawImage)."""
    from PIL import Image
    from reportlab.lib.utils import ImageReader

    with Image.open(io.BytesIO(data)) as im:
        reader = ImageReader(im.convert("RGB") if im.format == "PNG" else io.BytesIO(data))
        return hashlib.md5(reader.getRGBData() + b"None").hexdigest()


def _named_record() -> bytes:
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(612, 792))
    image = pdf.make_stream(
        b"\x80" * 64, Type=Name.XObject, Subtype=Name.Image, Width=8, Height=8,
        ColorSpace=Name.DeviceGray, BitsPerComponent=8,
    )  # fmt: skip
    shading = Dictionary(
        ShadingType=2, ColorSpace=Name.DeviceRGB, Coords=[0, 0, 100, 0],
        Function=Dictionary(FunctionType=2, Domain=[0, 1], C0=[1, 0, 0], C1=[0, 0, 1], N=1),
    )  # fmt: skip
    pdf.pages[0].obj.Resources = Dictionary(
        {
            "/XObject": Dictionary({"/ImJaneDoeScan": image}),
            "/Font": Dictionary({"/FJaneDoeFont": helvetica()}),
            "/ExtGState": Dictionary({"/GSJaneDoe": Dictionary(Type=Name.ExtGState, CA=1)}),
            "/ColorSpace": Dictionary({"/CSJaneDoe": Array([Name.ICCBased, _icc(pdf)])}),
            "/Pattern": Dictionary({"/PJaneDoe": Dictionary(PatternType=2, Shading=shading)}),
            "/Shading": Dictionary({"/ShJaneDoe": shading}),
            "/Properties": Dictionary({"/MCJaneDoe": Dictionary(Lang=pikepdf.String("en"))}),
        }
    )
    pdf.pages[0].obj.Contents = pdf.make_stream(
        b"q /GSJaneDoe gs /CSJaneDoe cs 0.5 0.5 0.5 sc 72 72 50 50 re f Q "
        b"q /Pattern cs /PJaneDoe scn 200 72 50 50 re f Q "
        b"q 300 72 50 50 re W n /ShJaneDoe sh Q "
        b"q 80 0 0 80 72 300 cm /ImJaneDoeScan Do Q "
        b"/Span /MCJaneDoe BDC BT /FJaneDoeFont 18 Tf 72 700 Td (NAMED-RECORD-TEXT) Tj ET EMC"
    )
    return saved(pdf)


def _icc(pdf: pikepdf.Pdf) -> pikepdf.Stream:
    from PIL import ImageCms

    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    return pdf.make_stream(profile, N=3)


def test_no_name_outside_the_encryption_is_derived_from_the_records(tmp_path: Path) -> None:
    from PIL import Image

    photo, scan = io.BytesIO(), io.BytesIO()
    Image.radial_gradient("L").convert("RGB").save(photo, "JPEG", quality=90)
    Image.linear_gradient("L").convert("RGB").save(scan, "PNG")
    files = {"photo.jpg": photo.getvalue(), "scan.png": scan.getvalue(), "r.pdf": _named_record()}
    result = build_records(tmp_path, files)

    raw = result.output.read_bytes()  # as saved: names and dictionary keys are not encrypted
    for secret in (_reportlab_name(photo.getvalue()), _reportlab_name(scan.getvalue())):
        assert secret.encode() not in raw and secret.upper().encode() not in raw
    assert b"FormXob" not in raw
    assert b"JaneDoe" not in raw and b"JaneDoe" not in decrypted(result.output)

    # The renamed resources still draw: the text, the three images, the page count.
    assert "NAMED-RECORD-TEXT" in text_of(result.output)
    images = subprocess.run(
        ["pdfimages", "-upw", PW, "-list", str(result.output)], capture_output=True, check=True
    ).stdout.decode()
    sizes = {tuple(line.split()[3:5]) for line in images.splitlines()[2:]}
    assert {("256", "256"), ("8", "8")} <= sizes  # the gradients and the record's image
    info = subprocess.run(
        ["pdfinfo", "-upw", PW, str(result.output)], capture_output=True, check=True
    ).stdout.decode()
    front = result.volumes[0].pages - 4  # three record pages and the closing page
    assert re.search(rf"Pages:\s+{front + 4}\b", info) and front > 0


def test_renaming_changes_no_text_a_reader_extracts() -> None:
    data = _named_record()
    assert text_of(clean_pdf(data, None, None).pdf) == text_of(data)


def test_a_drawn_form_that_expands_past_the_limit_is_refused_by_that_limit() -> None:
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(612, 792))
    inner = zlib.compressobj(9)
    once = b"".join(inner.compress(b" " * (1 << 20)) for _ in range(260)) + inner.flush()
    form = pdf.make_stream(
        zlib.compress(once, 9), Filter=Array([Name.FlateDecode, Name.FlateDecode]),
        Type=Name.XObject, Subtype=Name.Form, BBox=[0, 0, 10, 10],
    )  # fmt: skip
    pdf.pages[0].obj.Resources = Dictionary(XObject=Dictionary(Fm0=form))
    pdf.pages[0].obj.Contents = pdf.make_stream(b"/Fm0 Do")
    from sopacket.errors import Refusal

    with pytest.raises(Refusal, match="part of it expands to more than 256 MiB"):
        clean_pdf(saved(pdf), None, None)


def test_inline_image_naming_a_colour_space_resource_still_draws(tmp_path: Path) -> None:
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(612, 792))
    pdf.pages[0].obj.Resources = Dictionary(
        ColorSpace=Dictionary(
            {"/CSJaneDoeGrey": Array([Name.CalGray, Dictionary(WhitePoint=[1, 1, 1])])}
        )
    )
    pdf.pages[0].obj.Contents = pdf.make_stream(
        b"q 100 0 0 100 72 72 cm BI /W 2 /H 2 /CS /CSJaneDoeGrey /BPC 8 ID \x00\xff\xff\x00\nEI Q"
    )
    result = build_records(tmp_path, {"inline.pdf": saved(pdf)})
    assert b"JaneDoe" not in decrypted(result.output)
    listing = subprocess.run(
        ["pdfimages", "-upw", PW, "-list", str(result.output)], capture_output=True, check=True
    ).stdout.decode()
    assert re.search(r"\binline\s+\S+\s+2\s+2\b|\s2\s+2\s+gray", listing), listing


def test_a_visibility_expression_sharing_its_parts_cannot_stall_the_build(
    tmp_path: Path,
) -> None:
    """40 levels of (x or x), each level one shared object: 2^40 steps read naively."""
    pdf = layered()
    res = pdf.pages[0].obj.Resources
    expression = pdf.make_indirect(Array([Name.Not, res.Properties.MC0]))
    for _ in range(40):
        expression = pdf.make_indirect(Array([Name.Or, expression, expression]))
    res.Properties.MD = Dictionary(Type=Name.OCMD, OCGs=[res.Properties.MC1], VE=expression)
    pdf.pages[0].obj.Contents = pdf.make_stream(
        b"/OC /MD BDC BT /F1 18 Tf 72 700 Td (SHARED-EXPRESSION-TEXT) Tj ET EMC"
    )
    result = build_records(tmp_path, {"shared.pdf": saved(pdf)})
    assert "SHARED-EXPRESSION-TEXT" in text_of(result.output)
