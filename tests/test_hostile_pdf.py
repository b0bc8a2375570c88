"""Hostile PDFs found by an adversarial review, each made here in a few lines: bombs that
would expand in the build's own process, data of unselected pages, photo metadata inside
PDFs, names readable without the password, silent loss of stamps, action remnants, deep
nesting, external references, unusable page sizes, and packets `verify` must not trust."""

from __future__ import annotations

import io
import re
import subprocess
import zlib
from pathlib import Path

import pikepdf
import pytest
from pikepdf import Array, Dictionary, Name, String

from sopacket.build import BuildOptions, BuildResult, build
from sopacket.errors import RecordError
from sopacket.verify import verify

from .conftest import MINIMAL, write

PW = "correct horse battery staple"


def build_record(tmp_path: Path, pdf: pikepdf.Pdf, pages: str | None = None) -> BuildResult:
    pdf.save(tmp_path / "r.pdf")
    selection = f', pages: "{pages}"' if pages else ""
    packet = write(
        tmp_path / "packet.yaml",
        MINIMAL + f"records:\n  - {{title: Test record, kind: other, file: r.pdf{selection}}}\n",
    )
    options = BuildOptions(output=tmp_path / "out.pdf", allow_incomplete=True)
    return build(packet, PW, options)


def decrypted(out: Path) -> bytes:
    plain = out.with_name("plain.pdf")
    subprocess.run(
        ["qpdf", f"--password={PW}", "--decrypt", "--qdf", "--object-streams=disable",
         "--decode-level=generalized", str(out), str(plain)],
        check=True, capture_output=True,
    )  # fmt: skip
    return plain.read_bytes()


def text_page(pdf: pikepdf.Pdf, text: str) -> pikepdf.Page:
    pdf.add_blank_page(page_size=(612, 792))
    page = pdf.pages[-1]
    font = Dictionary(Type=Name.Font, Subtype=Name.Type1, BaseFont=Name.Helvetica)
    page.obj.Resources = Dictionary(Font=Dictionary(F1=font))
    page.obj.Contents = pdf.make_stream(f"BT /F1 18 Tf 72 700 Td ({text}) Tj ET".encode())
    return page


def double_flate_bomb(pdf: pikepdf.Pdf, size: int) -> pikepdf.Stream:
    """Spaces compressed twice: a few kB that decode to ``size`` bytes."""
    inner = zlib.compressobj(9)
    once = b"".join(inner.compress(b" " * (1 << 20)) for _ in range(size >> 20)) + inner.flush()
    return pdf.make_stream(zlib.compress(once, 9), Filter=Array([Name.FlateDecode, Name.Fl]))


def test_double_compressed_bomb_is_refused_in_the_child(tmp_path: Path) -> None:
    pdf = pikepdf.new()
    page = text_page(pdf, "Visible")
    page.obj.Contents = Array([page.obj.Contents, double_flate_bomb(pdf, 300 << 20)])
    with pytest.raises(RecordError, match="expand to more than 64 MiB"):
        build_record(tmp_path, pdf)


def test_one_stream_listed_many_times_counts_many_times(tmp_path: Path) -> None:
    pdf = pikepdf.new()
    page = text_page(pdf, "Visible")
    chunk = pdf.make_stream(zlib.compress(b" " * (20 << 20), 9), Filter=Name.FlateDecode)
    page.obj.Contents = Array([page.obj.Contents, *[chunk] * 8])  # 160 MiB from 20 kB
    with pytest.raises(RecordError, match="expand to more than"):
        build_record(tmp_path, pdf)


def test_resources_of_unselected_pages_stay_behind(tmp_path: Path) -> None:
    pdf = pikepdf.new()
    shared = Dictionary(XObject=Dictionary())
    for n in range(3):
        text_page(pdf, f"Page {n}")
        form = pdf.make_stream(
            f"BT /F1 9 Tf 72 600 Td (HIDDEN-OF-PAGE-{n}) Tj ET".encode(),
            Type=Name.XObject, Subtype=Name.Form, BBox=[0, 0, 612, 792],
            Resources=pdf.pages[n].obj.Resources,
        )  # fmt: skip
        shared.XObject[f"/Fm{n}"] = pdf.make_indirect(form)
    shared_ref = pdf.make_indirect(shared)
    for n, page in enumerate(pdf.pages):
        page.obj.Resources = shared_ref
        shared_ref.Font = Dictionary(F1=Dictionary(Type=Name.Font, Subtype=Name.Type1,
                                                   BaseFont=Name.Helvetica))  # fmt: skip
        page.obj.Contents = pdf.make_stream(f"/Fm{n} Do".encode())
    result = build_record(tmp_path, pdf, pages="1")
    data = decrypted(result.output)
    assert b"HIDDEN-OF-PAGE-0" in data
    assert b"HIDDEN-OF-PAGE-1" not in data and b"HIDDEN-OF-PAGE-2" not in data


def test_photo_inside_a_pdf_loses_its_exif_gps_and_comment(tmp_path: Path) -> None:
    from PIL import Image

    exif = Image.Exif()
    exif[0x013B] = "ARTIST-SECRET"  # Artist
    exif.get_ifd(0x8825)[2] = (45.0, 30.0, 0.0)  # GPS latitude
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 120, 40)).save(
        buf, "JPEG", exif=exif.tobytes(), comment=b"COMMENT-SECRET"
    )
    pdf = pikepdf.new()
    page = text_page(pdf, "Scan")
    image = pdf.make_stream(
        buf.getvalue(), Type=Name.XObject, Subtype=Name.Image, Width=64, Height=48,
        ColorSpace=Name.DeviceRGB, BitsPerComponent=8, Filter=Name.DCTDecode,
    )  # fmt: skip
    page.obj.Resources.XObject = Dictionary(Im0=image)
    page.obj.Contents = pdf.make_stream(b"q 64 0 0 48 72 72 cm /Im0 Do Q")
    result = build_record(tmp_path, pdf)
    data = decrypted(result.output)  # JPEG data stays as it is: searchable as bytes
    assert b"ARTIST-SECRET" not in data and b"COMMENT-SECRET" not in data
    assert b"Exif" not in data
    assert b"\xff\xd8\xff" in data  # the picture itself is still there


def test_resource_names_are_not_readable_without_the_password(tmp_path: Path) -> None:
    pdf = pikepdf.new()
    page = text_page(pdf, "Named")
    page.obj.Resources = Dictionary(
        Font=Dictionary({"/F_AnaTest_Diagnosis": page.obj.Resources.Font.F1})
    )
    page.obj.Contents = pdf.make_stream(b"BT /F_AnaTest_Diagnosis 18 Tf 72 700 Td (x) Tj ET")
    result = build_record(tmp_path, pdf)
    assert b"AnaTest" not in result.output.read_bytes()
    plain = decrypted(result.output)  # renamed neutrally (records.content), still drawn
    assert b"AnaTest" not in plain and b"(x) Tj" in plain


def test_stamps_and_ink_are_drawn_into_the_page(tmp_path: Path) -> None:
    pdf = pikepdf.new()
    page = text_page(pdf, "Report")
    look = pdf.make_stream(
        b"BT /F1 14 Tf 2 6 Td (SIGNED-DR-APPROVED) Tj ET", Type=Name.XObject,
        Subtype=Name.Form, BBox=[0, 0, 200, 24], Resources=page.obj.Resources,
    )  # fmt: skip
    stamp = Dictionary(Type=Name.Annot, Subtype=Name.Stamp, Rect=[300, 100, 500, 124],
                       AP=Dictionary(N=look), F=4)  # fmt: skip
    page.obj.Annots = Array([pdf.make_indirect(stamp)])
    result = build_record(tmp_path, pdf)
    text = subprocess.run(
        ["pdftotext", "-upw", PW, str(result.output), "-"], capture_output=True, text=True
    ).stdout
    assert "SIGNED-DR-APPROVED" in text
    assert verify(result.output, PW).intact  # as page content, not as an annotation


def test_deeply_nested_actions_and_external_data_are_removed(tmp_path: Path) -> None:
    pdf = pikepdf.new()
    page = text_page(pdf, "Deep")
    nested: object = Dictionary(S=Name.JavaScript, JS=String("app.alert('DEEP-JS')"))
    for _ in range(200):
        nested = Array([nested])
    external = pdf.make_stream(
        b"", Type=Name.XObject, Subtype=Name.Form, BBox=[0, 0, 1, 1],
        F=Dictionary(FS=Name.URL, F=String("https://example.org/EXTERNAL-DATA")),
        Author=String("PRIVATE-AUTHOR"),
    )  # fmt: skip
    page.obj.Resources.XObject = Dictionary(E=external)
    page.obj.Resources.Pattern = Dictionary(Deep=nested)
    page.obj.Contents = pdf.make_stream(page.obj.Contents.read_bytes() + b" /E Do")
    result = build_record(tmp_path, pdf)
    data = decrypted(result.output)
    for marker in (b"DEEP-JS", b"EXTERNAL-DATA", b"PRIVATE-AUTHOR", b"/JavaScript"):
        assert marker not in data, marker
    assert verify(result.output, PW).intact


def test_action_remnants_do_not_make_verify_fail(tmp_path: Path) -> None:
    pdf = pikepdf.new()
    page = text_page(pdf, "Remnant")
    page.obj.Resources.Properties = Dictionary(
        P0=Dictionary(Type=Name.OCMD, VE=Array([Dictionary(S=Name.JavaScript)]))
    )
    result = build_record(tmp_path, pdf)
    assert verify(result.output, PW).intact
    assert not re.search(rb"/S /JavaScript", decrypted(result.output))


@pytest.mark.parametrize("box", [[0, 0, 0, 0], [0, 0, 0.5, 792]])
def test_page_without_a_usable_size_is_refused_by_name(tmp_path: Path, box: list[float]) -> None:
    pdf = pikepdf.new()
    text_page(pdf, "Tiny").obj.MediaBox = Array(box)
    with pytest.raises(RecordError, match="no usable size"):
        build_record(tmp_path, pdf)


def test_verify_fails_a_packet_with_a_3d_annotation_added(tmp_path: Path) -> None:
    pdf = pikepdf.new()
    text_page(pdf, "Plain")
    result = build_record(tmp_path, pdf)
    tampered = tmp_path / "t.pdf"
    with pikepdf.open(result.output, password=PW) as packet:
        js = packet.make_stream(b"", Subtype=Name.U3D, OnInstantiate=packet.make_stream(b"x"))
        packet.pages[0].obj.Annots = Array(
            [Dictionary(Type=Name.Annot, Subtype=Name("/3D"), Rect=[0, 0, 9, 9], **{"/3DD": js})]
        )
        packet.save(tampered, encryption=pikepdf.Encryption(user=PW, owner="o" * 12, R=6))
    report = verify(tampered, PW)
    assert not report.intact
    assert any("3D" in f.detail for f in report.findings if not f.ok)


@pytest.mark.parametrize(
    "manifest",
    [
        b'{"sopacket_manifest": 1, "front_matter_pages": "x", "records": []}',
        b'{"sopacket_manifest": 1, "records": ["abc"], "total_pages": 1, "front_matter_pages": 0}',
        b'{"sopacket_manifest": 1, "records": {"a": 1}}',
    ],
)
def test_verify_reports_a_damaged_manifest(tmp_path: Path, manifest: bytes) -> None:
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.attachments["manifest.json"] = pikepdf.AttachedFileSpec(pdf, manifest)
    path = tmp_path / "m.pdf"
    pdf.save(path, encryption=pikepdf.Encryption(user=PW, owner="o" * 12, R=6))
    report = verify(path, PW)
    assert not report.intact
    assert any(f.check == "sopacket packet" and not f.ok for f in report.findings)
