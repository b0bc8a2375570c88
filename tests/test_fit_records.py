"""The heavy fictional records of tests/fit_records.py have the properties they promise."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pikepdf
import pytest
from PIL import Image

from .fit_records import photo_of_document, scan_pdf, shared_logo_pdf, text_pdf

needs_pdftotext = pytest.mark.needs("pdftotext")


def pdf_pages_text(path: Path) -> list[str]:
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True)
    return out.stdout.split("\f")[:-1]


def test_photo_is_a_12_megapixel_phone_jpeg(tmp_path: Path) -> None:
    path = photo_of_document(tmp_path / "photo.jpg")
    with Image.open(path) as im:
        assert im.format == "JPEG"
        assert im.mode == "RGB"
        assert 11.5e6 <= im.width * im.height <= 12.5e6
    assert 1.5e6 <= path.stat().st_size <= 8e6


@needs_pdftotext
def test_gray_scan_is_600_dpi_jpeg_with_ordered_text_layer(tmp_path: Path) -> None:
    path = scan_pdf(tmp_path / "scan.pdf")
    with pikepdf.open(path) as pdf:
        assert len(pdf.pages) == 3
        for page in pdf.pages:
            assert [float(v) for v in page.MediaBox] == [0, 0, 612, 792]
            img = page.Resources.XObject.Im0
            assert (int(img.Width), int(img.Height)) == (5100, 6600)
            assert img.Filter == pikepdf.Name.DCTDecode
            assert img.ColorSpace == pikepdf.Name.DeviceGray
            assert len(img.read_raw_bytes()) > 1_000_000
    pages = pdf_pages_text(path)
    assert "SCAN page 2 of 3" in pages[1]
    assert [f"SCAN page {k} of 3" in text for k, text in enumerate(pages, 1)] == [True] * 3


def test_bw_scan_is_one_bit_flate(tmp_path: Path) -> None:
    path = scan_pdf(tmp_path / "bw.pdf", pages=1, mode="bw")
    with pikepdf.open(path) as pdf:
        img = pdf.pages[0].Resources.XObject.Im0
        assert img.BitsPerComponent == 1
        assert img.Filter == pikepdf.Name.FlateDecode
        assert (int(img.Width), int(img.Height)) == (5100, 6600)
        picture = pikepdf.PdfImage(img).as_pil_image()
        assert picture.mode == "1"
        assert picture.getextrema() == (0, 255)


def test_rgb_scan_at_other_dpi(tmp_path: Path) -> None:
    path = scan_pdf(tmp_path / "rgb.pdf", pages=2, dpi=150, mode="rgb", text_layer=False)
    with pikepdf.open(path) as pdf:
        img = pdf.pages[1].Resources.XObject.Im0
        assert (int(img.Width), int(img.Height)) == (1275, 1650)
        assert img.ColorSpace == pikepdf.Name.DeviceRGB


def test_shared_logo_stream_is_byte_identical_across_files(tmp_path: Path) -> None:
    def logo(path: Path) -> bytes:
        with pikepdf.open(path) as pdf:
            images = {page.Resources.XObject.Im0.objgen for page in pdf.pages}
            assert len(images) == 1  # one object drawn on every page
            return pdf.pages[0].Resources.XObject.Im0.read_raw_bytes()

    a = logo(shared_logo_pdf(tmp_path / "a.pdf", marker="ALPHA"))
    b = logo(shared_logo_pdf(tmp_path / "b.pdf", pages=3, marker="BETA"))
    other = logo(shared_logo_pdf(tmp_path / "c.pdf", logo_seed=2))
    assert a == b
    assert a != other
    assert 400_000 <= len(a) <= 1_100_000


@needs_pdftotext
def test_text_pdf_pages_are_numbered(tmp_path: Path) -> None:
    pages = pdf_pages_text(text_pdf(tmp_path / "text.pdf"))
    assert len(pages) == 5
    assert "TEXT page 5 of 5" in pages[4]


def test_generators_are_deterministic(tmp_path: Path) -> None:
    for name, make in [
        ("photo.jpg", lambda p: photo_of_document(p, megapixels=1, seed=3)),
        ("scan.pdf", lambda p: scan_pdf(p, pages=2, dpi=100, seed=3)),
        ("bw.pdf", lambda p: scan_pdf(p, pages=1, dpi=100, mode="bw")),
        ("text.pdf", text_pdf),
        ("logo.pdf", shared_logo_pdf),
    ]:
        first = make(tmp_path / "1" / name).read_bytes()
        assert make(tmp_path / "2" / name).read_bytes() == first, name
