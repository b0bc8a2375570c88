"""Pages a clinic can print (issue 14): every page of the packet is exactly the paper
size asked for, with the identification band inside it; a PDF record's pages keep their
own size, their content shrunk just enough for the band and never covered by it."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from sopacket.build import BuildOptions, build

from .conftest import MINIMAL, make_image, make_pdf, write

PW = "correct horse battery staple"
SIZES = {"letter": (612.0, 792.0), "a4": (595.28, 841.89)}
BAND = 24.0


def _packet(tmp_path: Path) -> Path:
    make_pdf(tmp_path / "letter-record.pdf", pages=2, text="Lettersized record")
    _a5_pdf(tmp_path / "a5-record.pdf")
    make_image(tmp_path / "scan.png")
    return write(
        tmp_path / "packet.yaml",
        MINIMAL
        + "records:\n"
        + "  - {title: Letter report, kind: other, file: letter-record.pdf}\n"
        + "  - {title: Small report, kind: other, file: a5-record.pdf}\n"
        + "  - {title: A scan, kind: other, file: scan.png}\n",
    )


def _a5_pdf(path: Path) -> None:
    """An A5 page whose text runs down to 6 pt above its bottom edge."""
    from reportlab.lib.pagesizes import A5
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), pagesize=A5, invariant=1)
    c.setFont("Helvetica", 10)
    c.drawString(40, 400, "Small report top line")
    c.drawString(40, 6, "Small report bottom line")
    c.showPage()
    c.save()


def _sizes(pdf: Path) -> list[tuple[float, float]]:
    info = subprocess.run(
        ["pdfinfo", "-upw", PW, "-f", "1", "-l", "999", str(pdf)],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    sizes = []
    for line in info.splitlines():
        if line.startswith("Page") and "size:" in line:
            w, _, h = line.split("size:")[1].split()[:3]
            sizes.append((float(w), float(h)))
    return sizes


def _words(pdf: Path) -> list[tuple[int, str, float, float, float]]:
    """(page, word, yMin, yMax, page height) from pdftotext -bbox (y grows downwards)."""
    import html
    import re

    out = subprocess.run(
        ["pdftotext", "-upw", PW, "-bbox", str(pdf), "-"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    words, page, height = [], 0, 0.0
    for line in out.splitlines():
        if "<page " in line:
            page += 1
            height = float(re.search(r'height="([\d.]+)"', line).group(1))  # type: ignore[union-attr]
        m = re.search(r'yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">(.*)</word>', line)
        if m:
            words.append((page, html.unescape(m.group(3)), float(m.group(1)), float(m.group(2)),
                          height))  # fmt: skip
    return words


@pytest.mark.parametrize("paper", ["letter", "a4"])
def test_every_page_is_the_paper_size_or_the_records_own(tmp_path: Path, paper: str) -> None:
    out = tmp_path / "packet.pdf"
    build(_packet(tmp_path), PW, BuildOptions(output=out, allow_incomplete=True, paper=paper))
    sizes = _sizes(out)
    words = _words(out)
    letter_pages = {p for p, t, *_ in words if t == "Lettersized"}
    small_pages = {p for p, t, *_ in words if t == "top" and _has(words, p, "line")}
    assert len(letter_pages) == 2 and len(small_pages) == 1
    want = SIZES[paper]
    for n, (w, h) in enumerate(sizes, start=1):
        if n in small_pages:  # the A5 PDF record keeps its own size
            assert (round(w, 1), round(h, 1)) == (419.5, 595.3), n
        elif n in letter_pages:  # so does the Letter one, in an A4 packet too
            assert (w, h) == (612.0, 792.0), n
        else:  # sopacket's own pages and the image record: the paper, exactly
            assert abs(w - want[0]) < 0.01 and abs(h - want[1]) < 0.01, (n, w, h, want)
    # every page carries its band, inside the page
    total = len(sizes)
    for n in range(1, total + 1):
        band = [t for p, t, y0, y1, h in words if p == n and y0 >= h - BAND and y1 <= h]
        assert "Page" in band and str(n) in band and str(total) in band, (n, band)
        assert "Ana" in band and "1970-01-31" in band, (n, band)
    # the A5 record's lowest line was 6 pt from its edge: it is now above the band, and
    # the band holds nothing but the band's own words there
    (page,) = small_pages
    bottom = [w for w in words if w[0] == page and w[1] == "bottom"]
    assert bottom and all(y1 <= h - BAND for _, _, _, y1, h in bottom)
    in_band = {t for p, t, y0, y1, h in words if p == page and y1 > h - BAND}
    assert not in_band & {"bottom", "line", "top"}, in_band


def _has(words: list[tuple[int, str, float, float, float]], page: int, word: str) -> bool:
    return any(p == page and t == word for p, t, *_ in words)


def test_the_index_says_which_records_were_resized(tmp_path: Path) -> None:
    out = tmp_path / "packet.pdf"
    build(_packet(tmp_path), PW, BuildOptions(output=out, allow_incomplete=True))
    text = subprocess.run(
        ["pdftotext", "-upw", PW, str(out), "-"], capture_output=True, text=True, check=True
    ).stdout
    flat = " ".join(text.split())
    # said once, naming the two PDF records (1 and 2), not the image record (3)
    assert flat.count("shown about 3 % smaller") == 1
    assert "The pages of records 1 and 2 are shown about 3 % smaller and centred" in flat
    assert "Small report top line" in flat and "Small report bottom line" in flat
