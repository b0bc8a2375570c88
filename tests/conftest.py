"""Shared fixtures. Record files are generated here, small, and named for what they are."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "jane-doe"


def make_pdf(path: Path, pages: int = 1, text: str = "Record") -> Path:
    """A plain text PDF with ``pages`` pages, each saying ``text`` and its page number."""
    from reportlab.lib.pagesizes import letter
    from reportlab.pdfgen import canvas

    path.parent.mkdir(parents=True, exist_ok=True)
    c = canvas.Canvas(str(path), pagesize=letter, invariant=1)
    for n in range(1, pages + 1):
        c.setFont("Helvetica", 14)
        c.drawString(72, 700, f"{text} - page {n}")
        c.showPage()
    c.save()
    return path


def make_image(path: Path, fmt: str = "PNG", frames: int = 1) -> Path:
    from PIL import Image

    path.parent.mkdir(parents=True, exist_ok=True)
    images = [Image.new("RGB", (200, 300), (255, 255, 255 - 40 * i)) for i in range(frames)]
    if frames > 1:
        images[0].save(path, format=fmt, save_all=True, append_images=images[1:])
    else:
        images[0].save(path, format=fmt)
    return path


@pytest.fixture
def pdf_factory(tmp_path: Path) -> Callable[..., Path]:
    def factory(name: str = "record.pdf", pages: int = 1, text: str = "Record") -> Path:
        return make_pdf(tmp_path / name, pages, text)

    return factory


@pytest.fixture
def example(tmp_path: Path) -> Path:
    """A private copy of the complete example packet; returns its packet.yaml."""
    dest = tmp_path / "jane-doe"
    shutil.copytree(EXAMPLE, dest)
    return dest / "packet.yaml"


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


MINIMAL = """\
sopacket: 1
patient:
  name: Ana Test
  date_of_birth: 1970-01-31
request:
  reason: Second opinion on a test
"""


@pytest.fixture
def minimal(tmp_path: Path) -> Path:
    """The smallest valid packet file (not ready: almost everything is missing)."""
    return write(tmp_path / "packet.yaml", MINIMAL)
