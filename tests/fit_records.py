"""Heavy, fictional record files of known properties, for tests of size budgets.

Phone photos of letters, full-page scans (grey/colour JPEG, 1-bit Flate), text-only PDFs and
PDFs sharing one logo image. Every generator is seeded and timestamp-free, so the same
arguments give the same bytes, and fast. Each writes ``path`` and returns it. Small print is
6 pt as it will appear on a letter page (the photo's as fitted by sopacket inside 36 pt
margins). Every person, clinic and number shown is invented.
"""

from __future__ import annotations

import io
import random
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from statistics import NormalDist

import pikepdf
from pikepdf import Dictionary, Name
from PIL import Image, ImageChops, ImageDraw, ImageFont
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen import canvas

PAGE_W, PAGE_H = 612, 792  # US Letter, points
PHOTO_FIT = (PAGE_W - 72, PAGE_H - 72)  # sopacket fits an image inside 36 pt margins
SMALL_PT = 6.0
HELVETICA = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
CLINIC = "Fernhill Valley Clinic (fictional) - Department of Internal Medicine"
ADDRESS = "14 Orchard Row, Lindenford LF3 9QX  -  Tel 0100 555 0147  -  fernhill.example"
PATIENT = "Patient: Marisol Quennell   Born 1971-03-14   MRN FV-0042-117"


@dataclass(frozen=True)
class Letterhead:
    """Who a generated letter is from and about (the defaults: an invented clinic and patient).
    ``ocr`` is added to a scan's invisible text layer, as OCR would read the letterhead."""

    clinic: str = CLINIC
    address: str = ADDRESS
    patient: str = PATIENT
    about: str = "Re: outpatient follow-up review, 2 May 2024"
    received: str = "02 MAY 2024"
    ocr: str = ""


FINE_PRINT = "Confidential. This fictional test record describes no real person."
PROSE = (
    "patient reviewed clinic follow-up blood pressure stable medication dose twice daily "
    "echocardiogram normal mild regurgitation advised review weeks renal function sodium "
    "potassium within range symptoms improved fatigue dyspnoea exertion denies chest pain "
    "history hypertension family examination unremarkable plan continue current therapy "
    "repeat bloods referral cardiology outpatient letter copy general practitioner results "
    "attached imaging report signed consultant registrar nurse specialist telephone"
)
WORDS = PROSE.split()
# mode: (PIL mode, paper, ink, accent, PDF colour space)
SCAN_STYLE = {
    "gray": ("L", 243, 38, 38, "/DeviceGray"),
    "rgb": ("RGB", (247, 241, 220), (34, 34, 44), (25, 70, 150), "/DeviceRGB"),
    "bw": ("1", 1, 0, 0, "/DeviceGray"),
}


@cache
def _font(px: int, bold: bool = False) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    name = FONT_DIR / ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf")
    if name.exists():
        return ImageFont.truetype(str(name), max(1, px))
    return ImageFont.load_default(size=max(1, px))


def _wrap(words: list[str], fits: Callable[[str], bool]) -> list[str]:
    """``words`` set greedily into lines, each as long as ``fits`` allows."""
    lines: list[str] = []
    for word in words:
        if lines and fits(f"{lines[-1]} {word}"):
            lines[-1] += f" {word}"
        else:
            lines.append(word)
    return lines


def _lines(rng: random.Random, fits: Callable[[str], bool], n: int, lead: str = "") -> list[str]:
    """``n`` full lines of seeded pseudo-clinical prose, after the words of ``lead``."""
    words = [rng.choice(WORDS) + ("." if rng.random() < 0.12 else "") for _ in range(30 * n)]
    return _wrap(lead.split() + words, fits)[:n]


def _type_letter(
    draw: ImageDraw.ImageDraw, rng, box, k: float, heading: str, ink, accent, head: Letterhead
) -> None:
    """Type a fictional clinic letter into ``box`` (pixels); ``k`` is pixels per point."""
    x0, y0, x1, y1 = box
    y = float(y0)

    def put(text: str, pt: float, bold: bool = False, fill=ink, lead: float = 1.35) -> None:
        nonlocal y
        font = _font(round(pt * k), bold)
        for line in _wrap(text.split(" "), lambda s: font.getlength(s) <= x1 - x0):
            draw.text((x0, round(y)), line, font=font, fill=fill)
            y += pt * k * lead

    put(heading, 16, True)
    put(head.clinic, 11, True, accent)
    put(head.address, 8, fill=accent)
    draw.line((x0, round(y), x1, round(y)), fill=accent, width=max(1, round(k)))
    y += 8 * k
    put(head.patient, 10)
    put(head.about, 10)
    y += 6 * k
    body, small = _font(round(10 * k)), _font(round(SMALL_PT * k))
    while y + (5 * 13.5 + 6 + 10 * SMALL_PT * 1.3) * k <= y1:  # room for a paragraph
        put(" ".join(_lines(rng, lambda s: body.getlength(s) <= x1 - x0, rng.randint(3, 5))), 10)
        y += 6 * k
    fine = _lines(rng, lambda s: small.getlength(s) <= x1 - x0, 8, FINE_PRINT)
    put(" ".join(fine), SMALL_PT, lead=1.3)
    put("Page generated for sopacket size-budget tests. Not a medical record.", SMALL_PT)


def _gauss_lut(sigma: float) -> list[int]:
    """Maps uniform random bytes to Gaussian values centred on 128."""
    dist = NormalDist(128, sigma)
    return [max(0, min(255, round(dist.inv_cdf((i + 0.5) / 256)))) for i in range(256)]


def _grain(im: Image.Image, rng: random.Random, sigma: float, blotch: float = 0) -> Image.Image:
    """``im`` with seeded fine noise (sensor/paper grain) and optional soft blotches."""
    w, h = im.size
    noise = Image.frombytes("L", (w, h), rng.randbytes(w * h)).point(_gauss_lut(sigma))
    if blotch:
        sw, sh = max(1, w // 48), max(1, h // 48)
        soft = Image.frombytes("L", (sw, sh), rng.randbytes(sw * sh)).point(_gauss_lut(blotch))
        noise = ImageChops.add(noise, soft.resize((w, h), Image.Resampling.BICUBIC), 1, -128)
    return ImageChops.add(im, noise if im.mode == "L" else noise.convert(im.mode), 1, -128)


def photo_of_document(
    path: Path,
    megapixels: float = 12,
    seed: int = 0,
    marker: str = "PHOTO",
    letterhead: Letterhead = Letterhead(),
) -> Path:
    """A phone-camera JPEG (4:3 landscape, quality 92) of a typed letter lying on a table."""
    w = round((megapixels * 1e6 * 4 / 3) ** 0.5)
    h = round(w * 3 / 4)
    rng = random.Random(f"photo:{seed}")
    im = _grain(Image.new("RGB", (w, h), (96, 74, 56)), rng, 2, blotch=14)  # the table
    ph = round(h * 0.94)
    pw = round(ph * 8.5 / 11)
    px, py = (w - pw) // 2 + rng.randint(-w // 40, w // 40), (h - ph) // 2
    draw = ImageDraw.Draw(im)
    draw.rectangle((px + h // 120, py + h // 90, px + pw + h // 120, py + ph), fill=(58, 44, 34))
    draw.rectangle((px, py, px + pw, py + ph - h // 90), fill=(236, 232, 221))
    k = 1 / min(PHOTO_FIT[0] / w, PHOTO_FIT[1] / h)  # photo pixels per point once fitted
    margin = round(pw * 0.06)
    box = (px + margin, py + margin, px + pw - margin, py + ph - margin)
    _type_letter(draw, rng, box, k, marker, (40, 38, 44), (34, 62, 120), letterhead)
    shade = Image.radial_gradient("L").point(lambda v: 255 - v * 0.14).resize((w, h))
    im = _grain(ImageChops.multiply(im, shade.convert("RGB")), rng, 3.2)
    path.parent.mkdir(parents=True, exist_ok=True)
    im.save(path, "JPEG", quality=92)
    return path


def _pdf_text(x: float, y: float, size: float, text: str, invisible: bool = False) -> bytes:
    """A content-stream snippet showing ``text`` in /F1 (Helvetica, WinAnsi)."""
    esc = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    mode = "3 Tr " if invisible else ""
    return f"BT /F1 {size:g} Tf {mode}{x:g} {y:g} Td ({esc}) Tj ET\n".encode("cp1252", "replace")


def _image_pdf(path: Path, pages: list[tuple[bytes, bytes]], size, space, bpc, filt) -> Path:
    """Save a letter PDF of ``pages``, each (content stream, encoded image bytes), the images
    stored exactly as given (one object for equal bytes) as /Im0 and Helvetica as /F1."""
    pdf = pikepdf.new()
    font = pdf.make_indirect(pikepdf.Object.parse(HELVETICA))
    images: dict[bytes, pikepdf.Object] = {}
    for content, data in pages:
        if data not in images:
            images[data] = img = pikepdf.Stream(pdf, b"")
            img.write(data, filter=Name(filt))
            img.Type, img.Subtype, img.Width, img.Height = Name.XObject, Name.Image, *size
            img.ColorSpace, img.BitsPerComponent = Name(space), bpc
        page = pdf.add_blank_page(page_size=(PAGE_W, PAGE_H))
        page.Resources = Dictionary(Font=Dictionary(F1=font), XObject=Dictionary(Im0=images[data]))
        page.Contents = pdf.make_stream(content)
    path.parent.mkdir(parents=True, exist_ok=True)
    pdf.save(path, deterministic_id=True)
    return path


def scan_pdf(
    path: Path,
    pages: int = 3,
    dpi: int = 600,
    mode: str = "gray",
    seed: int = 0,
    marker: str = "SCAN",
    text_layer: bool = True,
    letterhead: Letterhead = Letterhead(),
) -> Path:
    """Letter pages, each one full-page scan image at exactly ``dpi``: ``mode`` "gray" (JPEG
    q85), "rgb" (JPEG q85, cream paper, blue letterhead, red stamp) or "bw" (1-bit, Flate).
    ``text_layer`` adds invisible OCR-like text "<marker> page k of N" on each page."""
    pil_mode, paper, ink, accent, space = SCAN_STYLE[mode]
    w, h, k = round(8.5 * dpi), round(11 * dpi), dpi / 72
    out = []
    for n in range(1, pages + 1):
        rng = random.Random(f"scan:{seed}:{mode}:{n}")
        label = f"{marker} page {n} of {pages}"
        im = Image.new(pil_mode, (w, h), paper)
        draw = ImageDraw.Draw(im)
        box = (dpi, round(0.8 * dpi), w - dpi, h - round(0.7 * dpi))
        _type_letter(draw, rng, box, k, label, ink, accent, letterhead)
        if mode == "rgb":  # a red "received" stamp over the letter
            sx, sy = w - round(3.3 * dpi), round(1.9 * dpi)
            red, font = (186, 34, 44), _font(round(14 * k), True)
            draw.ellipse((sx, sy, sx + 2 * dpi, sy + dpi), outline=red, width=round(3 * k))
            draw.text((sx + 0.3 * dpi, sy + 0.22 * dpi), "RECEIVED", red, font)
            draw.text((sx + 0.3 * dpi, sy + 0.52 * dpi), letterhead.received, red, font)
        for _ in range(w * h // 20000):  # specks of dust on the glass
            x, y, r = rng.randrange(w), rng.randrange(h), rng.uniform(0.5, 2.5) * dpi / 300
            draw.ellipse((x, y, x + r, y + r), fill=ink)
        if mode == "bw":  # packed rows, 1 = white, as PDF /DeviceGray 1-bit expects
            data = zlib.compress(im.tobytes(), 6)
        else:
            buf = io.BytesIO()
            _grain(im, rng, 3.5, blotch=3).save(buf, "JPEG", quality=85)
            data = buf.getvalue()
        content = f"q {PAGE_W} 0 0 {PAGE_H} 0 0 cm /Im0 Do Q\n".encode()
        if text_layer:
            content += _pdf_text(72, PAGE_H - 0.8 * 72 - 13, 16, label, invisible=True)
            if letterhead.ocr:
                content += _pdf_text(72, PAGE_H - 0.8 * 72 - 33, 10, letterhead.ocr, True)
        out.append((content, data))
    bpc, filt = (1, "/FlateDecode") if mode == "bw" else (8, "/DCTDecode")
    return _image_pdf(path, out, (w, h), space, bpc, filt)


def _text_lines(rng: random.Random, size: float, n: int) -> list[str]:
    return _lines(rng, lambda s: stringWidth(s, "Helvetica", size) <= PAGE_W - 144, n)


def text_pdf(path: Path, pages: int = 5, marker: str = "TEXT") -> Path:
    """A text-only letter PDF (reportlab), every page saying "<marker> page k of N"."""
    path.parent.mkdir(parents=True, exist_ok=True)
    c = canvas.Canvas(str(path), pagesize=(PAGE_W, PAGE_H), invariant=1)
    rng = random.Random(f"text:{marker}")
    for n in range(1, pages + 1):
        c.setFont("Helvetica-Bold", 14)
        c.drawString(72, 720, f"{marker} page {n} of {pages}")
        c.setFont("Helvetica", 9)
        c.drawString(72, 700, CLINIC)
        c.drawString(72, 688, PATIENT)
        c.setFont("Helvetica", 10)
        for i, line in enumerate(_text_lines(rng, 10, 40)):
            c.drawString(72, 660 - 14 * i, line)
        c.showPage()
    c.save()
    return path


def logo_image(logo_seed: int = 1) -> bytes:
    """The Flate-compressed bytes of a 1200x400 RGB letterhead logo with print noise."""
    im = Image.new("RGB", (1200, 400), (236, 242, 250))
    draw = ImageDraw.Draw(im)
    draw.ellipse((40, 40, 360, 360), fill=(25, 70, 150))
    draw.text((420, 110), "Fernhill Valley", (25, 70, 150), _font(96, True))
    draw.text((420, 230), "Clinic  (fictional)", (90, 110, 140), _font(64))
    return zlib.compress(_grain(im, random.Random(f"logo:{logo_seed}"), 9).tobytes(), 6)


def shared_logo_pdf(path: Path, pages: int = 2, marker: str = "LOGO", logo_seed: int = 1) -> Path:
    """Text pages that all draw one logo image; files made with the same ``logo_seed`` hold
    byte-identical image streams (for de-duplication across records)."""
    logo, rng, out = logo_image(logo_seed), random.Random(f"logo-text:{marker}"), []
    for n in range(1, pages + 1):
        content = b"q 540 0 0 180 36 590 cm /Im0 Do Q\n"
        content += _pdf_text(72, 550, 14, f"{marker} page {n} of {pages}")
        content += _pdf_text(72, 530, 9, PATIENT)
        for i, line in enumerate(_text_lines(rng, 10, 32)):
            content += _pdf_text(72, 505 - 14 * i, 10, line)
        out.append((content, logo))
    return _image_pdf(path, out, (1200, 400), "/DeviceRGB", 8, "/FlateDecode")
