"""Generate a benchmark set of scanned-looking PDF records and a packet listing them.

Writes into ``OUTDIR``:

* ``records/record-NNN.pdf``: ``--records`` PDF files (default 100) of ``--pages`` pages
  each (default 10). Every page is a letter-size "scan" of a typed text page: the text is
  drawn with Pillow at 150 dpi, slightly tilted and blurred, on paper with grain, then
  saved as a JPEG (about 60 kB a page; every fifth record is in colour, the others in
  greyscale) and embedded in the PDF as it is (DCTDecode, no recompression, no ASCII85).
  100 x 10 pages make about 60 MB.
* ``packet.yaml``: a complete sopacket packet (format version 1, oncology, a FICTIONAL
  patient) that lists every record, so that ``sopacket check`` says it is ready.
* ``stamp.pdf``: one letter page, empty but for a 24-point band of text at its bottom, for
  ``qpdf --overlay``: the reference for sopacket's identification band.
* ``record-set.json``: the parameters and the size of every file written. When it matches
  the parameters asked for and the files are there, nothing is generated again.

Everything is deterministic: each page's randomness comes from its own fixed seed, and
reportlab runs in invariant mode, so two runs write byte-identical files. Pages are drawn
in parallel worker processes, one record per task.

Everything is FICTIONAL: the patient, the providers and every value on the pages.

Usage (from the repository root)::

    python benchmarks/make_record_set.py OUTDIR [--records 100] [--pages 10]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont

GENERATOR_VERSION = 1
"""Bump when the output changes, so that cached sets are generated again."""

DPI = 150
PAGE_PT = (612.0, 792.0)  # letter
JPEG_QUALITY = 25
GRAIN = 5
"""Width of the paper grain in grey levels: it keeps the JPEG from compressing to nothing."""
LEAD = 18
BLUR = 1.1
BAND_HEIGHT = 24.0

PATIENT = "ROE, JANE"
PATIENT_DOB = "1961-03-09"

# (kind, title stem, source): cycled over the records; the oncology checklist wants at
# least one pathology, imaging, genetic and lab record.
KINDS = [
    ("pathology", "Surgical pathology report", "St. Brendan's Hospital"),
    ("imaging", "CT chest, abdomen and pelvis report", "Harbor Imaging Center"),
    ("lab", "Blood count and metabolic panel", "St. Brendan's Hospital laboratory"),
    ("visit_note", "Oncology clinic note", "Harbor Oncology Clinic"),
    ("genetic", "Tumor gene panel report", "Westfield Genomics"),
    ("imaging", "PET-CT report", "Harbor Imaging Center"),
    ("lab", "Tumor markers", "St. Brendan's Hospital laboratory"),
    ("discharge_summary", "Hospital discharge summary", "St. Brendan's Hospital"),
    ("operative_report", "Operative report", "St. Brendan's Hospital"),
    ("medication_history", "Pharmacy medication history", "Harbor Pharmacy"),
]

_VOCABULARY = (
    "patient presents with history of stable mass noted on prior imaging no acute distress "
    "specimen received in formalin labeled with name and record number margins negative "
    "lymph nodes examined tumor size grade differentiated invasive carcinoma focal "
    "necrosis present immunohistochemistry performed results reviewed with attending "
    "recommend follow up in weeks repeat imaging advised medication reconciled allergies "
    "reviewed vital signs within normal limits hemoglobin platelets creatinine sodium "
    "potassium glucose albumin bilirubin alkaline phosphatase within reference range "
    "impression findings consistent with the clinical history see comment below"
)
WORDS = _VOCABULARY.split()


def _font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    names = ["DejaVuSerif-Bold.ttf", "DejaVuSans-Bold.ttf"] if bold else []
    names += ["DejaVuSerif.ttf", "DejaVuSans.ttf", "LiberationSerif-Regular.ttf"]
    for name in names:
        for folder in ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/truetype/liberation"):
            path = Path(folder) / name
            if path.exists():
                return ImageFont.truetype(str(path), size)
    return ImageFont.load_default(size)


def _px(points: float) -> int:
    return round(points * DPI / 72)


def _record_meta(n: int) -> tuple[str, str, str, str]:
    """(kind, title, source, date) of record ``n`` (0-based)."""
    kind, stem, source = KINDS[n % len(KINDS)]
    month = 1 + (n * 7) % 9
    day = 1 + (n * 11) % 28
    return kind, f"{stem} #{n + 1:03d}", source, f"2026-{month:02d}-{day:02d}"


def scan_jpeg(record: int, page: int, pages: int) -> bytes:
    """One page that looks scanned: typed text, tilted, blurred, grainy; JPEG bytes."""
    rng = random.Random(record * 100_003 + page)
    colour = record % 5 == 4
    w, h = _px(PAGE_PT[0]), _px(PAGE_PT[1])
    im = Image.new("L", (w, h), 255)
    draw = ImageDraw.Draw(im)
    _, title, source, date = _record_meta(record)
    margin, lead = _px(54), _px(LEAD)
    draw.text((margin, _px(43)), source.upper(), font=_font(_px(14), bold=True), fill=20)
    draw.text((margin, _px(65)), title, font=_font(_px(11.5), bold=True), fill=30)
    small = _font(_px(8))
    draw.text(
        (margin, _px(84)),
        f"Patient: {PATIENT}   DOB: {PATIENT_DOB}   MRN: 55-{record:04d}   Date: {date}",
        font=small,
        fill=40,
    )
    draw.line((margin, _px(98), w - margin, _px(98)), fill=60, width=max(1, _px(1)))
    body = _font(_px(10))
    y = _px(112)
    end = h - _px(90) - int(rng.random() * (h - _px(200)) * 0.6)  # pages are not all full
    while y < end:
        if rng.random() < 0.12:  # a paragraph break
            y += lead // 2
        words: list[str] = []
        while len(" ".join(words)) < rng.randint(60, 78):
            words.append(rng.choice(WORDS))
        line = " ".join(words).capitalize() + ("." if rng.random() < 0.4 else "")
        draw.text((margin + rng.randint(-2, 2), y), line, font=body, fill=rng.randint(10, 50))
        y += lead
    draw.text(
        (margin, h - _px(58)),
        f"FICTIONAL BENCHMARK RECORD - not a real patient.   Page {page + 1} of {pages}",
        font=small,
        fill=60,
    )
    # The scanner: a slight tilt, a soft focus, uneven paper.
    im = im.rotate(rng.uniform(-0.8, 0.8), resample=Image.Resampling.BICUBIC, fillcolor=255)
    im = im.filter(ImageFilter.GaussianBlur(BLUR))
    grain = Image.frombytes("L", (w // 2, h // 2), rng.randbytes((w // 2) * (h // 2)))
    grain = grain.resize((w, h), Image.Resampling.BILINEAR).point(
        lambda v: 255 - GRAIN + v * GRAIN // 255
    )
    im = ImageChops.multiply(im, grain)
    if colour:  # a colour scan of slightly yellowed paper
        im = Image.merge(
            "RGB",
            (im, im.point(lambda v: v * 250 // 255), im.point(lambda v: v * 232 // 255)),
        )
    out = io.BytesIO()
    im.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True, dpi=(DPI, DPI))
    return out.getvalue()


def write_record(path: Path, record: int, pages: int) -> int:
    """Write one record PDF of ``pages`` scanned pages; its size in bytes."""
    from reportlab import rl_config
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    rl_config.useA85 = 0  # embed the JPEG data as it is
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=PAGE_PT, invariant=1, pageCompression=1)
    c.setCreator("sopacket benchmark scanner")
    c.setTitle(_record_meta(record)[1])
    for page in range(pages):
        c.drawImage(ImageReader(io.BytesIO(scan_jpeg(record, page, pages))), 0, 0, *PAGE_PT)
        c.showPage()
    c.save()
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(buf.getvalue())
    tmp.replace(path)
    return path.stat().st_size


def write_stamp(path: Path) -> None:
    """A letter page with a 24-point band at the bottom, like sopacket's band."""
    from reportlab.lib import colors
    from reportlab.pdfgen import canvas

    w, _ = PAGE_PT
    c = canvas.Canvas(str(path), pagesize=PAGE_PT, invariant=1, pageCompression=1)
    c.setFillColor(colors.HexColor("#f1f4f7"))
    c.rect(0, 0, w, BAND_HEIGHT, stroke=0, fill=1)
    c.setStrokeColor(colors.HexColor("#9fb0c0"))
    c.setLineWidth(0.6)
    c.line(0, BAND_HEIGHT - 0.3, w, BAND_HEIGHT - 0.3)
    c.setFillColor(colors.HexColor("#33414e"))
    c.setFont("Helvetica-Bold", 7.5)
    c.drawString(18, 8.5, f"Jane Roe · born {PATIENT_DOB}")
    c.setFont("Helvetica", 7.5)
    c.drawCentredString(w / 2, 8.5, "Second-opinion packet")
    c.drawRightString(w - 18, 8.5, "Benchmark stamp")
    c.showPage()
    c.save()


def _yaml_str(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a valid YAML scalar


def packet_yaml(records: int) -> str:
    lines = [
        "# A generated benchmark packet (benchmarks/make_record_set.py).",
        "# Jane Roe and everyone named here are FICTIONAL.",
        "",
        "sopacket: 1",
        "id: bench-roe-2026",
        "",
        "patient:",
        "  name: Jane Roe",
        f"  date_of_birth: {PATIENT_DOB}",
        '  phone: "+1 555 0150"',
        "  email: jane.roe@example.org",
        "  address: 4 Alder Court, Pine Harbor, ME 04000",
        "  language: English",
        "",
        "companion:",
        "  name: Sam Roe",
        "  relationship: brother",
        '  phone: "+1 555 0151"',
        "",
        "request:",
        "  reason: >-",
        "    I was told I need surgery followed by chemotherapy and want to know whether",
        "    the plan is right for me before I start.",
        "  specialty: oncology",
        "  diagnosis: Adenocarcinoma of the colon, stage II (pT3 N0 M0).",
        "  current_plan: Right hemicolectomy, then six months of adjuvant chemotherapy.",
        "  treating_provider:",
        "    name: Dr. Nora Quill",
        "    facility: Harbor Oncology Clinic",
        '    phone: "+1 555 0160"',
        "    email: n.quill@harbor-oncology.example",
        "  reviewing_provider:",
        "    name: Colorectal Cancer Second Opinion Service",
        "    facility: University Cancer Center",
        "  visit:",
        "    mode: video",
        "    date: 2026-11-20",
        "",
        "records:",
    ]
    for n in range(records):
        kind, title, source, date = _record_meta(n)
        lines += [
            f"  - title: {_yaml_str(title)}",
            f"    kind: {kind}",
            f"    date: {date}",
            f"    source: {_yaml_str(source)}",
            f"    file: records/record-{n + 1:03d}.pdf",
        ]
    lines += [
        "",
        "medications:",
        "  - {name: Lisinopril, dose: 10 mg, frequency: once daily, route: oral,"
        " reason: high blood pressure, since: 2019}",
        "",
        "allergies: []",
        "",
        "conditions:",
        "  - High blood pressure",
        "",
        "questions:",
        "  - text: Do I need chemotherapy after the operation?",
        "    priority: high",
        "  - Would a laparoscopic operation be possible?",
        "  - What happens if I wait a few weeks before deciding?",
        "",
        "symptoms:",
        "  - {text: Tiredness, since: 2026-07, urgent: false}",
        "",
        "insurance:",
        "  provider: Coastline Health Plan",
        "  member_id: CHP-7700-1234",
        '  telemedicine_covered: "yes"',
        "  costs_checked: true",
        "",
        "preparation:",
        "  private_space: true",
        "  internet_tested: true",
        "  device_tested: true",
        "  release_signed: true",
        "",
    ]
    return "\n".join(lines)


def _cached(outdir: Path, params: dict[str, int]) -> bool:
    try:
        meta = json.loads((outdir / "record-set.json").read_text())
    except (OSError, ValueError):
        return False
    if meta.get("params") != params:
        return False
    files = meta.get("files", {})
    return bool(files) and all(
        (outdir / name).is_file() and (outdir / name).stat().st_size == size
        for name, size in files.items()
    )


def make(outdir: Path, records: int = 100, pages: int = 10, quiet: bool = False) -> Path:
    """Generate the set in ``outdir`` unless it is there already; the packet file's path."""
    params = {"generator": GENERATOR_VERSION, "records": records, "pages": pages}
    outdir = Path(outdir)
    if _cached(outdir, params):
        if not quiet:
            print(f"record set in {outdir} is up to date", file=sys.stderr)
        return outdir / "packet.yaml"
    folder = outdir / "records"
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("record-*.pdf"):  # a set with other parameters
        old.unlink()
    (outdir / "record-set.json").unlink(missing_ok=True)
    names = [f"records/record-{n + 1:03d}.pdf" for n in range(records)]
    files: dict[str, int] = {}
    with ProcessPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        futures = [
            pool.submit(write_record, outdir / name, n, pages) for n, name in enumerate(names)
        ]
        for n, (name, future) in enumerate(zip(names, futures, strict=True), start=1):
            files[name] = future.result()
            if not quiet and (n % 10 == 0 or n == records):
                print(f"  {n}/{records} records written", file=sys.stderr)
    (outdir / "packet.yaml").write_text(packet_yaml(records), encoding="utf-8")
    write_stamp(outdir / "stamp.pdf")
    for name in ("packet.yaml", "stamp.pdf"):
        files[name] = (outdir / name).stat().st_size
    total = sum(files[n] for n in names)
    (outdir / "record-set.json").write_text(
        json.dumps({"params": params, "record_bytes": total, "files": files}, indent=1) + "\n"
    )
    if not quiet:
        print(
            f"wrote {records} records x {pages} pages ({total / 1e6:.1f} MB) to {outdir}",
            file=sys.stderr,
        )
    return outdir / "packet.yaml"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("outdir", type=Path)
    parser.add_argument("--records", type=int, default=100)
    parser.add_argument("--pages", type=int, default=10)
    args = parser.parse_args()
    if args.records < 1 or args.pages < 1:
        parser.error("--records and --pages must be at least 1")
    print(make(args.outdir, args.records, args.pages))
    return 0


if __name__ == "__main__":
    sys.exit(main())
