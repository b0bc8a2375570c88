"""Record files are judged by content, counted in pages, and every bad one gets a reason."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from sopacket.files import sniff
from sopacket.records.inspect import inspect

from .conftest import make_image


def test_pdf_pages_are_counted(pdf_factory: Callable[..., Path]) -> None:
    info = inspect(pdf_factory(pages=4))
    assert info.ok and info.type == "pdf" and info.pages == 4


def test_page_range_inside_and_outside(pdf_factory: Callable[..., Path]) -> None:
    pdf = pdf_factory(pages=3)
    assert inspect(pdf, "1-2,3").ok
    bad = inspect(pdf, "2-5")
    assert not bad.ok
    assert bad.problem is not None and "the file has 3 pages" in bad.problem


def test_type_is_judged_by_content_not_name(tmp_path: Path) -> None:
    png_named_jpg = make_image(tmp_path / "photo.jpg", "PNG")
    assert inspect(png_named_jpg).type == "png"
    text_named_pdf = tmp_path / "report.pdf"
    text_named_pdf.write_text("Dear doctor, ...")
    info = inspect(text_named_pdf)
    assert (
        not info.ok and info.problem is not None and "not a PDF, JPEG, PNG or TIFF" in info.problem
    )


def test_multipage_tiff_counts_frames(tmp_path: Path) -> None:
    info = inspect(make_image(tmp_path / "scan.tif", "TIFF", frames=3))
    assert info.ok and info.type == "tiff" and info.pages == 3


def test_jpeg_is_one_page(tmp_path: Path) -> None:
    info = inspect(make_image(tmp_path / "p.jpg", "JPEG"))
    assert info.ok and info.type == "jpeg" and info.pages == 1


@pytest.mark.parametrize(
    ("setup", "expected"),
    [
        (lambda p: None, "does not exist"),
        (lambda p: p.mkdir(), "folder"),
        (lambda p: p.write_bytes(b""), "empty"),
        (lambda p: os.mkfifo(p), "not a regular file"),
        (lambda p: p.write_bytes(b"%PDF-1.7\n1 0 obj\n<<"), "damaged"),
        (lambda p: p.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00"), "damaged"),
    ],
    ids=["missing", "folder", "empty", "fifo", "truncated-pdf", "truncated-png"],
)
def test_bad_record_files_get_a_reason(tmp_path: Path, setup: Callable, expected: str) -> None:
    path = tmp_path / "record.pdf"
    setup(path)
    info = inspect(path)
    assert not info.ok
    assert info.problem is not None and expected in info.problem
    assert info.fix


def test_password_protected_pdf_is_reported(
    pdf_factory: Callable[..., Path], tmp_path: Path
) -> None:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(pdf_factory()))
    writer.encrypt("s3cret-pass", algorithm="AES-256")
    locked = tmp_path / "locked.pdf"
    with locked.open("wb") as fh:
        writer.write(fh)
    info = inspect(locked)
    assert not info.ok and info.encrypted
    assert info.problem is not None and "password" in info.problem
    assert "s3cret-pass" not in (info.problem + info.fix)


def test_sniff() -> None:
    assert sniff(b"%PDF-1.4") == "pdf"
    assert sniff(b"garbage\n%PDF-1.4") == "pdf"  # readers accept a short prefix
    assert sniff(b"\xff\xd8\xff\xe0") == "jpeg"
    assert sniff(b"II*\x00") == "tiff" and sniff(b"MM\x00*") == "tiff"
    assert sniff(b"GIF89a") is None


def test_refusals_cross_from_a_child_process(tmp_path: Path) -> None:
    import pickle

    from sopacket.errors import Refusal
    from sopacket.records.isolate import run
    from sopacket.records.sanitise import clean

    refusal = Refusal("the file is empty", "Download or scan the record again.")
    again = pickle.loads(pickle.dumps(refusal))
    assert again == refusal and (again.problem, again.fix) == (refusal.problem, refusal.fix)
    missing = run(inspect, tmp_path / "gone.pdf")  # a RecordInfo carrying a Refusal
    assert isinstance(missing.refusal, Refusal) and missing.problem == "the file does not exist"
    assert missing.fix.startswith("Check the path")
    (tmp_path / "folder").mkdir()
    cleaned = run(clean, tmp_path / "folder", "pdf", None, (595.0, 842.0))
    assert (
        isinstance(cleaned.refusal, Refusal) and cleaned.problem == "this is a folder, not a file"
    )


def test_the_guarded_opener_refuses_what_it_must_not_read(tmp_path: Path) -> None:
    from sopacket.files import Unfit, Why, read_guarded

    def why(path: Path, limit: int | None = 100, base: Path | None = None) -> Why:
        with pytest.raises(Unfit) as exc:
            read_guarded(path, limit, base_dir=base)
        return exc.value.why

    inside = tmp_path / "inside"
    inside.mkdir()
    secret = tmp_path / "secret.pdf"
    secret.write_bytes(b"%PDF-1.7\n" + b"x" * 200)
    (inside / "link.pdf").symlink_to(secret)
    os.mkfifo(tmp_path / "pipe")
    assert why(tmp_path / "nothing") is Why.MISSING
    assert why(inside) is Why.FOLDER
    assert why(tmp_path / "pipe") is Why.NOT_REGULAR
    assert why(inside / "link.pdf", None, inside) is Why.OUTSIDE
    with pytest.raises(Unfit) as exc:
        read_guarded(secret, 100)
    assert exc.value.why is Why.TOO_LARGE and exc.value.kind == "pdf"
    whole = read_guarded(inside / "link.pdf", None)
    assert whole.kind == "pdf" and whole.size == len(whole.data) == 209
    assert len(read_guarded(secret, None, head_only=True).data) == 209
