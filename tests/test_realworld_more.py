"""Valid record files that sopacket refused, or refused in words no patient can act on
(issue 14, "Records from the real world").

Images: four files from Pillow's own test suite (tests/realworld/pillow.py: source,
hashes, licence), downloaded once into SOPACKET_TEST_CACHE; without a registry these
skip, unless SOPACKET_REQUIRE_REALWORLD=1. PDFs: no public file with these exact traits
was found in the stored suites, so each is constructed here, honestly, the way such
files occur: pikepdf writing the abbreviated filter name /Fl (which pypdf 7 refuses);
a cross-reference stream ("trailer") with a second, null /Filter (pypdf: "Trailer cannot
be read: Unsupported filter NullObject"; qpdf reads it); a page whose MediaBox is 1 x 1 pt.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sopacket.build import BuildOptions, build
from sopacket.cli import app
from sopacket.errors import ExitCode, RecordError
from sopacket.records.inspect import inspect
from sopacket.verify import verify

from .conftest import MINIMAL, write
from .realworld.pillow import fetch
from .tools import unavailable

PW = "correct horse battery staple"
CACHE = Path(os.environ.get("SOPACKET_TEST_CACHE", Path.home() / ".cache" / "sopacket-tests"))

# What a refusal must never show a patient: Python's words, or a temporary folder.
TECHNICAL = re.compile(
    r"\b\w+(Error|Exception|Object)\b|object has no attribute|list index|Traceback"
    r"|/tmp/|\\Temp\\|pytest-of"
)


def _images() -> dict[str, Path]:
    try:
        return fetch(CACHE)
    except RuntimeError as exc:
        unavailable(f"Pillow's test images unavailable: {exc}")


def _packet(tmp_path: Path, record: bytes, name: str) -> Path:
    (tmp_path / name).write_bytes(record)
    return write(
        tmp_path / "packet.yaml",
        MINIMAL + f"records:\n  - {{title: Real-world file, kind: other, file: {name}}}\n",
    )


def _build(tmp_path: Path, record: bytes, name: str) -> Path:
    out = tmp_path / "out.pdf"
    build(_packet(tmp_path, record, name), PW, BuildOptions(output=out, allow_incomplete=True))
    check = subprocess.run(["qpdf", f"--password={PW}", "--check", str(out)], capture_output=True)
    assert check.returncode == 0, check.stdout
    assert verify(out, PW).intact
    return out


def _text(pdf: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-upw", PW, str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout


def _page_sizes(pdf: Path) -> list[tuple[float, float]]:
    import pikepdf

    with pikepdf.open(pdf, password=PW) as doc:
        return [(float(p.mediabox[2]), float(p.mediabox[3])) for p in doc.pages]


def _plain(message: str, *, tmp: Path) -> None:
    assert not TECHNICAL.search(message), message
    assert str(tmp) not in message, message


# --- PDFs that qpdf reads and pypdf does not ------------------------------------------


def _pdf_with_text(text: str, size: tuple[float, float] = (612, 792)) -> bytes:
    import io

    import pikepdf

    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(max(size[0], 3), max(size[1], 3)))
    page = pdf.pages[0]
    page.obj.MediaBox = pikepdf.Array([0, 0, *size])
    font = pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica
        )
    )
    page.obj.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font))
    k = min(size) / 612
    draw = f"q {k} 0 0 {k} 0 0 cm BT /F1 24 Tf 72 400 Td ({text}) Tj ET Q".encode()
    page.obj.Contents = pdf.make_stream(draw)
    buf = io.BytesIO()
    pdf.save(buf, object_stream_mode=pikepdf.ObjectStreamMode.generate)
    return buf.getvalue()


def _abbreviated_filter() -> bytes:
    """The object stream (which holds the page tree) and the page's drawing say /Fl, the
    abbreviation of /FlateDecode, padded with spaces so no offset moves."""
    data = _pdf_with_text("Abbreviated filter")
    xref = data.rindex(b"/Type /XRef")
    body = data[:xref].replace(b"/FlateDecode", b"/Fl" + b" " * 9)
    assert body.count(b"/Fl ") >= 2
    return body + data[xref:]


def _null_filter_in_trailer() -> bytes:
    """The cross-reference stream's dictionary starts with ``/Filter null`` (a second
    /Filter follows: qpdf keeps the last, pypdf the first)."""
    data = _pdf_with_text("Null filter in the trailer")
    at = data.rindex(b"/Type /XRef")
    return data[:at] + b"/Filter null " + data[at:]


@pytest.mark.parametrize(
    ("make", "words"),
    [(_abbreviated_filter, "Abbreviated filter"), (_null_filter_in_trailer, "Null filter")],
    ids=["abbreviated-Fl", "null-filter-trailer"],
)
def test_a_pdf_qpdf_reads_is_built(tmp_path: Path, make, words: str) -> None:
    from pypdf import PdfReader

    data = make()
    (tmp_path / "probe.pdf").write_bytes(data)
    with pytest.raises(Exception):  # noqa: B017 - the case: pypdf cannot read it
        _ = len(PdfReader(tmp_path / "probe.pdf").pages)
    info = inspect(tmp_path / "probe.pdf")
    assert info.ok and info.pages == 1, info.refusal
    out = _build(tmp_path, data, "record.pdf")
    assert words in _text(out)


def test_a_one_point_page_is_enlarged_not_refused(tmp_path: Path) -> None:
    out = _build(tmp_path, _pdf_with_text("Tiny page", (1, 1)), "record.pdf")
    sizes = _page_sizes(out)
    assert (612.0, 612.0) in sizes  # the record's page, enlarged to fit a Letter page
    assert "Tiny page" in _text(out)


# --- images Pillow decodes --------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["16bit.MM.deflate.tif", "tiff_16bit_RGB.tiff", "junk_jpeg_header.jpg"]
)
def test_an_image_pillow_decodes_is_built(tmp_path: Path, name: str) -> None:
    path = _images()[name]
    out = _build(tmp_path, path.read_bytes(), "record" + path.suffix)
    assert _page_sizes(out)[-2] == (612.0, 792.0)  # the image's page, before the closing
    assert "Record 1: Real-world file" in _text(out)


def test_a_webp_tiff_is_called_unsupported_not_damaged(tmp_path: Path) -> None:
    path = _images()["hopper_webp.tif"]
    with pytest.raises(RecordError) as caught:
        build(
            _packet(tmp_path, path.read_bytes(), "record.tif"),
            PW,
            BuildOptions(output=tmp_path / "out.pdf", allow_incomplete=True),
        )
    message = str(caught.value)
    assert "WebP compression, which sopacket cannot read" in message
    assert "PNG or JPEG" in message and "damaged" not in message
    _plain(message, tmp=tmp_path)
    assert not (tmp_path / "out.pdf").exists()


# --- refusals in plain words -------------------------------------------------------------


def _broken_pdf() -> bytes:
    """A PDF cut off after its header and first object: nothing qpdf can rebuild."""
    return b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\ntrailer\n<< >>\n"


def _broken_tiff() -> bytes:
    """A TIFF header whose first directory points past the end of the file."""
    return b"II*\x00" + (10**6).to_bytes(4, "little") + b"\x00" * 16


def _broken_png() -> bytes:
    return b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\x0dIHDR" + b"\x00" * 6


def _broken_jpeg() -> bytes:
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 40


@pytest.mark.parametrize(
    ("make", "name"),
    [
        (_broken_pdf, "record.pdf"),
        (_broken_tiff, "record.tif"),
        (_broken_png, "record.png"),
        (_broken_jpeg, "record.jpg"),
    ],
    ids=["pdf", "tiff", "png", "jpeg"],
)
def test_refusals_are_sentences_a_patient_can_act_on(tmp_path: Path, make, name: str) -> None:
    packet = _packet(tmp_path, make(), name)
    runner = CliRunner()
    quiet = runner.invoke(app, ["build", str(packet), "--password-stdin"], input=PW + "\n")
    assert quiet.exit_code == ExitCode.RECORD_ERROR, quiet.output
    assert "Real-world file" in quiet.output
    _plain(quiet.output, tmp=tmp_path)
    assert "Try opening it" in quiet.output or "save it again" in quiet.output.lower()
    assert "Technical detail" not in quiet.output
    loud = runner.invoke(app, ["-v", "build", str(packet), "--password-stdin"], input=PW + "\n")
    assert loud.exit_code == ExitCode.RECORD_ERROR and "Technical detail:" in loud.output, (
        loud.output
    )
    assert str(tmp_path) not in loud.output.split("Technical detail:")[1]
