"""Generate the record files of sopacket's fictional example patient.

Writes seven files into ``examples/jane-doe/records/`` (or into the directory
given as the first argument):

* ``pathology-report.pdf``      core needle biopsy report (2 pages, with bookmarks)
* ``mammogram-report.pdf``      diagnostic mammogram and ultrasound (1 page)
* ``breast-mri-report.pdf``     bilateral breast MRI (1 page)
* ``blood-tests.pdf``           CBC and comprehensive metabolic panel (2 pages)
* ``genomic-test.pdf``          21-gene recurrence score report (1 page)
* ``oncology-consult.pdf``      initial oncology consultation note (3 pages)
* ``medication-list-photo.jpg`` phone photo of a medication list, stored
  rotated with EXIF Orientation 6 and carrying fake GPS tags

EVERYTHING IS FICTIONAL. Jane Doe, her record numbers, the doctors, the
facilities, their addresses and phone numbers (555-01xx) and every clinical
value are made up for demonstration and testing; every file is marked
"FICTIONAL EXAMPLE — not a real patient". Nothing here is medical advice.

The output is deterministic: running the script twice produces byte-identical
files (reportlab's invariant mode, no clocks, a seeded random generator).

Usage (from the repository root)::

    python examples/make_example_records.py [OUTPUT_DIR]
"""

from __future__ import annotations

import argparse
import random
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont
from PIL.TiffImagePlugin import IFDRational
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import letter
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

DEFAULT_OUTPUT_DIR = Path(__file__).resolve().parent / "jane-doe" / "records"
FICTION_NOTICE = "FICTIONAL EXAMPLE \u2014 not a real patient"

PATIENT_NAME = "DOE, JANE"
PATIENT_DOB = "1968-04-12"

PAGE_WIDTH, PAGE_HEIGHT = letter
MARGIN = 0.75 * inch
CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN
FIRST_PAGE_TOP = PAGE_HEIGHT - 1.45 * inch  # below the full letterhead
LATER_PAGE_TOP = PAGE_HEIGHT - 0.95 * inch  # below the running header
BOTTOM = 0.8 * inch

FONT_FAMILIES = {
    "Helvetica": ("Helvetica", "Helvetica-Bold", "Helvetica-Oblique"),
    "Times": ("Times-Roman", "Times-Bold", "Times-Italic"),
}
GREY = colors.HexColor("#555555")
LIGHT_GREY = colors.HexColor("#EEEEEE")
FLAG_RED = colors.HexColor("#B00020")


# ---------------------------------------------------------------------------
# Facilities and document scaffolding
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Facility:
    name: str
    department: str
    address: str
    phone: str
    monogram: str
    color: colors.Color
    font: str = "Helvetica"


ST_MARYS = Facility(
    name="St. Mary's Hospital",
    department="Department of Pathology and Laboratory Medicine",
    address="1450 Harbor View Road, Maple Falls, MN 55990",
    phone="Tel (555) 555-0134  \u00b7  Fax (555) 555-0135",
    monogram="SM",
    color=colors.HexColor("#1F4E79"),
)
RIVERSIDE = Facility(
    name="Riverside Imaging Center",
    department="Breast Imaging Section",
    address="220 River Street, Suite 3, Maple Falls, MN 55990",
    phone="Tel (555) 555-0148  \u00b7  Fax (555) 555-0149",
    monogram="RI",
    color=colors.HexColor("#00695C"),
)
NORTHFIELD = Facility(
    name="Northfield Genomics",
    department="Clinical Molecular Laboratory  \u00b7  CLIA ID 00D0000000 (fictional)",
    address="4410 Innovation Drive, Suite 200, Cedar Grove, CA 94999",
    phone="Client Services (555) 555-0172  \u00b7  Fax (555) 555-0173",
    monogram="NG",
    color=colors.HexColor("#5B2C83"),
)
LAKESIDE = Facility(
    name="Lakeside Oncology Clinic",
    department="Medical Oncology and Hematology",
    address="88 Lakeshore Drive, Building B, Maple Falls, MN 55991",
    phone="Tel (555) 555-0161  \u00b7  Fax (555) 555-0162",
    monogram="LO",
    color=colors.HexColor("#8A3B12"),
    font="Times",
)


class Styles:
    """Paragraph styles for one facility's house font and colour."""

    def __init__(self, facility: Facility) -> None:
        regular, bold, italic = FONT_FAMILIES[facility.font]
        size = 9.5 if facility.font == "Times" else 9
        self.body = ParagraphStyle(
            "body", fontName=regular, fontSize=size, leading=size * 1.3, spaceAfter=4
        )
        self.bullet = ParagraphStyle(
            "bullet", parent=self.body, leftIndent=14, bulletIndent=4, spaceAfter=2
        )
        self.small = ParagraphStyle(
            "small", parent=self.body, fontSize=7.5, leading=9.5, textColor=GREY
        )
        self.cell = ParagraphStyle(
            "cell", parent=self.body, fontSize=8.5, leading=10.5, spaceAfter=0
        )
        self.cell_bold = ParagraphStyle("cell_bold", parent=self.cell, fontName=bold)
        self.title = ParagraphStyle(
            "title",
            fontName=bold,
            fontSize=13,
            leading=16,
            alignment=TA_CENTER,
            textColor=facility.color,
            spaceAfter=8,
        )
        self.heading = ParagraphStyle(
            "heading",
            fontName=bold,
            fontSize=size + 0.5,
            leading=size * 1.4,
            textColor=facility.color,
            spaceBefore=7,
            spaceAfter=3,
            keepWithNext=1,
        )
        self.italic = ParagraphStyle("italic", parent=self.body, fontName=italic)


class RecordDoc(BaseDocTemplate):
    """A letter-size record: full letterhead on page 1, running header after."""

    def __init__(self, path: Path, facility: Facility, title: str, mrn: str, pages: int) -> None:
        super().__init__(
            str(path),
            pagesize=letter,
            title=f"{title} \u2014 Jane Doe (fictional)",
            author=facility.name,
            subject=FICTION_NOTICE,
            creator="sopacket examples/make_example_records.py",
            invariant=1,
            pageCompression=1,
            leftMargin=MARGIN,
            rightMargin=MARGIN,
            topMargin=PAGE_HEIGHT - FIRST_PAGE_TOP,
            bottomMargin=BOTTOM,
        )
        self.facility = facility
        self.record_title = title
        self.mrn = mrn
        self.expected_pages = pages
        first = Frame(MARGIN, BOTTOM, CONTENT_WIDTH, FIRST_PAGE_TOP - BOTTOM, id="first")
        later = Frame(MARGIN, BOTTOM, CONTENT_WIDTH, LATER_PAGE_TOP - BOTTOM, id="later")
        self.addPageTemplates(
            [
                PageTemplate(
                    "first", [first], onPage=self._first_page, autoNextPageTemplate="later"
                ),
                PageTemplate("later", [later], onPage=self._later_page),
            ]
        )

    def build_checked(self, story: list[Flowable]) -> None:
        self.build(story)
        if self.page != self.expected_pages:
            raise RuntimeError(
                f"{self.filename}: expected {self.expected_pages} pages, got {self.page}"
            )

    def _first_page(self, canv, doc) -> None:
        f = self.facility
        regular, bold, _ = FONT_FAMILIES[f.font]
        top = PAGE_HEIGHT - 0.55 * inch
        # Monogram logo.
        canv.saveState()
        canv.setFillColor(f.color)
        canv.roundRect(MARGIN, top - 40, 44, 44, 8, stroke=0, fill=1)
        canv.setFillColor(colors.white)
        canv.setFont(bold, 18)
        canv.drawCentredString(MARGIN + 22, top - 25, f.monogram)
        # Name, department, address, phone.
        x = MARGIN + 56
        canv.setFillColor(f.color)
        canv.setFont(bold, 16)
        canv.drawString(x, top - 10, f.name)
        canv.setFillColor(colors.black)
        canv.setFont(regular, 8.5)
        canv.drawString(x, top - 22, f.department)
        canv.setFillColor(GREY)
        canv.setFont(regular, 8)
        canv.drawString(x, top - 32, f.address)
        canv.drawString(x, top - 41, f.phone)
        # Fiction notice, top right.
        canv.setFillColor(FLAG_RED)
        canv.setFont("Helvetica", 6.5)
        canv.drawRightString(PAGE_WIDTH - MARGIN, top - 2, FICTION_NOTICE)
        canv.setFillColor(GREY)
        canv.drawRightString(
            PAGE_WIDTH - MARGIN, top - 10, "CONFIDENTIAL \u2014 protected health info"
        )
        canv.setStrokeColor(f.color)
        canv.setLineWidth(1.5)
        canv.line(MARGIN, top - 50, PAGE_WIDTH - MARGIN, top - 50)
        canv.restoreState()
        self._footer(canv)

    def _later_page(self, canv, doc) -> None:
        f = self.facility
        regular, bold, _ = FONT_FAMILIES[f.font]
        y = PAGE_HEIGHT - 0.6 * inch
        canv.saveState()
        canv.setFillColor(f.color)
        canv.setFont(bold, 10)
        canv.drawString(MARGIN, y, f.name)
        canv.setFillColor(colors.black)
        canv.setFont(regular, 8)
        canv.drawRightString(
            PAGE_WIDTH - MARGIN,
            y,
            f"{PATIENT_NAME}   MRN {self.mrn}   DOB {PATIENT_DOB}   "
            f"{self.record_title} (continued)",
        )
        canv.setStrokeColor(f.color)
        canv.setLineWidth(0.75)
        canv.line(MARGIN, y - 6, PAGE_WIDTH - MARGIN, y - 6)
        canv.restoreState()
        self._footer(canv)

    def _footer(self, canv) -> None:
        y = 0.5 * inch
        canv.saveState()
        canv.setStrokeColor(colors.HexColor("#BBBBBB"))
        canv.setLineWidth(0.5)
        canv.line(MARGIN, y + 10, PAGE_WIDTH - MARGIN, y + 10)
        canv.setFont("Helvetica", 7)
        canv.setFillColor(FLAG_RED)
        canv.drawString(MARGIN, y, FICTION_NOTICE)
        canv.setFillColor(GREY)
        canv.drawCentredString(PAGE_WIDTH / 2, y, f"{self.facility.name}  \u00b7  {self.mrn}")
        canv.drawRightString(
            PAGE_WIDTH - MARGIN,
            y,
            f"Page {canv.getPageNumber()} of {self.expected_pages}",
        )
        canv.restoreState()


# ---------------------------------------------------------------------------
# Flowables and building blocks
# ---------------------------------------------------------------------------


class Bookmark(Flowable):
    """Invisible flowable adding a top-level PDF outline entry at its position."""

    def __init__(self, title: str, key: str) -> None:
        super().__init__()
        self.title = title
        self.key = key

    def wrap(self, avail_width, avail_height):
        return 0, 0

    def draw(self) -> None:
        self.canv.bookmarkHorizontal(self.key, 0, 14)
        self.canv.addOutlineEntry(self.title, self.key, level=0)


class Signature(Flowable):
    """A pen scribble above a signature line, with the signer's details."""

    def __init__(self, styles: Styles, name: str, role: str, signed: str) -> None:
        super().__init__()
        self.styles = styles
        self.name = name
        self.role = role
        self.signed = signed
        self.width, self.height = 3.4 * inch, 62

    def wrap(self, avail_width, avail_height):
        return self.width, self.height

    def draw(self) -> None:
        c = self.canv
        regular, bold, italic = (
            self.styles.body.fontName,
            self.styles.cell_bold.fontName,
            self.styles.italic.fontName,
        )
        c.saveState()
        c.setStrokeColor(colors.HexColor("#1A237E"))
        c.setLineWidth(1.1)
        path = c.beginPath()
        path.moveTo(6, 36)
        path.curveTo(14, 60, 24, 58, 22, 38)
        path.curveTo(20, 26, 34, 30, 40, 44)
        path.curveTo(46, 54, 52, 34, 60, 40)
        path.curveTo(70, 48, 76, 30, 88, 42)
        path.curveTo(96, 50, 104, 36, 120, 40)
        path.curveTo(134, 44, 150, 38, 170, 41)
        c.drawPath(path, stroke=1, fill=0)
        c.setStrokeColor(colors.black)
        c.setLineWidth(0.6)
        c.line(0, 30, self.width, 30)
        c.setFont(bold, 9)
        c.drawString(0, 19, self.name)
        c.setFont(regular, 8)
        c.drawString(0, 9, self.role)
        c.setFont(italic, 7.5)
        c.setFillColor(GREY)
        c.drawString(0, 0, self.signed)
        c.restoreState()


def tint(color: colors.Color, strength: float) -> colors.Color:
    """The colour mixed with white (strength 0 = white, 1 = the colour)."""
    return colors.Color(*(1 - strength * (1 - c) for c in (color.red, color.green, color.blue)))


def heading(styles: Styles, text: str) -> Paragraph:
    return Paragraph(text.upper(), styles.heading)


def paragraphs(styles: Styles, *texts: str) -> list[Paragraph]:
    return [Paragraph(t, styles.body) for t in texts]


def bullets(styles: Styles, *items: str) -> list[Paragraph]:
    return [Paragraph(item, styles.bullet, bulletText="\u2022") for item in items]


def info_box(styles: Styles, pairs: list[tuple[str, str]]) -> Table:
    """Two columns of label/value pairs in a shaded box (patient demographics)."""
    rows = []
    for i in range(0, len(pairs), 2):
        row = []
        for label, value in pairs[i : i + 2]:
            row += [Paragraph(label, styles.cell_bold), Paragraph(value, styles.cell)]
        rows.append(row + [""] * (4 - len(row)))
    w = CONTENT_WIDTH
    table = Table(rows, colWidths=[0.17 * w, 0.33 * w, 0.17 * w, 0.33 * w])
    table.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, -1), colors.HexColor("#F4F6F8")),
                ("BOX", (0, 0), (-1, -1), 0.6, colors.HexColor("#9AA5B1")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    return table


def grid_table(
    styles: Styles,
    header: list[str],
    rows: list[list[str]],
    widths: list[float],
    color: colors.Color,
    bold_rows: tuple[int, ...] = (),
) -> Table:
    """A ruled table with a coloured header row; widths are fractions."""
    data = [[Paragraph(h, styles.cell_bold) for h in header]]
    for i, row in enumerate(rows):
        style = styles.cell_bold if i in bold_rows else styles.cell
        data.append([Paragraph(cell, style) for cell in row])
    table = Table(data, colWidths=[f * CONTENT_WIDTH for f in widths], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, 0), tint(color, 0.15)),
                ("LINEBELOW", (0, 0), (-1, 0), 0.8, color),
                ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.HexColor("#BBBBBB")),
                ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, LIGHT_GREY]),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 2.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
            ]
        )
    )
    return table


def patient_pairs(
    mrn: str, *extra: tuple[str, str], id_label: str = "MRN"
) -> list[tuple[str, str]]:
    return [
        ("Patient", f"<b>{PATIENT_NAME}</b>"),
        (id_label, mrn),
        ("Date of birth", f"{PATIENT_DOB} (age 58)"),
        ("Sex", "Female"),
        *extra,
    ]


# ---------------------------------------------------------------------------
# 1. Pathology report (2 pages, with its own outline)
# ---------------------------------------------------------------------------

ST_MARYS_MRN = "SMH-00482913"


def make_pathology_report(path: Path) -> None:
    s = Styles(ST_MARYS)
    doc = RecordDoc(path, ST_MARYS, "Surgical Pathology Report", ST_MARYS_MRN, 2)
    color = ST_MARYS.color
    story: list[Flowable] = [
        Paragraph("SURGICAL PATHOLOGY REPORT", s.title),
        info_box(
            s,
            patient_pairs(
                ST_MARYS_MRN,
                ("Accession", "S26-04417"),
                ("Procedure date", "2026-08-26"),
                ("Received", "2026-08-26 11:02"),
                ("Reported", "2026-08-28 15:20"),
                ("Submitting", "Tomas Lindqvist, MD (Riverside Imaging Center)"),
                ("Copy to", "Alan Smith, MD (Lakeside Oncology Clinic)"),
            ),
        ),
        Spacer(1, 6),
        Bookmark("Diagnosis", "diagnosis"),
        heading(s, "Final diagnosis"),
        Paragraph(
            "<b>LEFT BREAST, 2 O'CLOCK, 6 CM FROM NIPPLE, ULTRASOUND-GUIDED CORE "
            "NEEDLE BIOPSY:</b>",
            s.body,
        ),
        *bullets(
            s,
            "<b>INVASIVE DUCTAL CARCINOMA</b> (invasive breast carcinoma of no special type).",
            "<b>Nottingham histologic grade 2 of 3</b> (tubule formation 3, nuclear "
            "pleomorphism 2, mitotic count 1; total score 6 of 9).",
            "Invasive carcinoma spans 1.1 cm on the longest core; the imaging size "
            "of the mass is 1.8 cm.",
            "Ductal carcinoma in situ, intermediate nuclear grade, cribriform and "
            "solid patterns, present (about 10% of the lesion).",
            "Lymphovascular invasion: not identified. Microcalcifications: not identified.",
            "Biomarkers: <b>ER positive (95%, strong), PR positive (80%), HER2 "
            "negative (IHC 1+)</b>, Ki-67 15%. See Receptor studies, page 2.",
        ),
        Spacer(1, 4),
        heading(s, "Synoptic summary (core biopsy)"),
        grid_table(
            s,
            ["Element", "Finding"],
            [
                ["Procedure", "Ultrasound-guided core needle biopsy, 14-gauge, 4 cores"],
                ["Laterality / site", "Left breast, 2 o'clock, 6 cm from nipple"],
                ["Histologic type", "Invasive ductal carcinoma (no special type)"],
                ["Histologic grade", "Nottingham grade 2 (score 6/9)"],
                ["Ductal carcinoma in situ", "Present, intermediate grade"],
                ["Lymphovascular invasion", "Not identified"],
                ["Biopsy marker clip", "Placed at time of procedure (per requisition)"],
            ],
            [0.35, 0.65],
            color,
        ),
        heading(s, "Specimen"),
        *paragraphs(
            s,
            "A. Left breast, 2:00, 6 cm from nipple, ultrasound-guided core needle "
            "biopsy with clip placement.",
        ),
        heading(s, "Clinical history"),
        *paragraphs(
            s,
            "58-year-old woman with a self-detected palpable mass in the left breast. "
            "Diagnostic mammogram and ultrasound on 2026-08-14 showed a 1.8 cm "
            "irregular spiculated mass at 2 o'clock, assessed as BI-RADS 4C.",
        ),
        heading(s, "Gross description"),
        *paragraphs(
            s,
            "Received in 10% neutral buffered formalin, labeled with the patient's "
            'name, medical record number and "left breast 2:00", are four tan-white '
            "to yellow cores of fibrofatty tissue measuring 1.2 to 1.7 cm in length "
            "and 0.1 cm in diameter. Time of removal 10:12; time placed in formalin "
            "10:16 (cold ischemia time 4 minutes). Total fixation time 30 hours. The "
            "cores are entirely submitted in cassette A1. (Gross: SK)",
        ),
        PageBreak(),
        heading(s, "Microscopic description"),
        *paragraphs(
            s,
            "Sections show cores of breast tissue extensively infiltrated by an "
            "invasive carcinoma arranged in nests, cords and occasional poorly formed "
            "glands within a desmoplastic stroma. Tubule formation accounts for less "
            "than 10% of the tumor. The tumor cells show moderate nuclear "
            "pleomorphism with vesicular chromatin and small nucleoli. Mitotic "
            "activity is low (3 mitoses per 10 high-power fields; field diameter "
            "0.55 mm).",
            "Foci of ductal carcinoma in situ with cribriform and solid architecture "
            "and intermediate nuclear grade are present adjacent to the invasive "
            "carcinoma, without comedo necrosis. No lymphovascular invasion is seen. "
            "The background breast tissue shows fibrocystic changes with apocrine "
            "metaplasia.",
        ),
        Bookmark("Receptor studies", "receptors"),
        heading(s, "Receptor studies (immunohistochemistry, block A1)"),
        grid_table(
            s,
            ["Marker", "Clone", "Cells staining", "Intensity", "Result"],
            [
                ["Estrogen receptor (ER)", "SP1", "95%", "Strong", "<b>POSITIVE</b>"],
                [
                    "Progesterone receptor (PR)",
                    "1E2",
                    "80%",
                    "Moderate to strong",
                    "<b>POSITIVE</b>",
                ],
                [
                    "HER2 (IHC)",
                    "4B5",
                    "Faint, incomplete membrane staining in ~30%",
                    "Score 1+",
                    "<b>NEGATIVE</b> (HER2-low)",
                ],
                ["Ki-67 proliferation index", "30-9", "15%", "\u2014", "Low-intermediate"],
            ],
            [0.28, 0.08, 0.28, 0.16, 0.20],
            color,
        ),
        Spacer(1, 4),
        Paragraph(
            "Internal and external controls show appropriate reactivity. Fixation in "
            "10% neutral buffered formalin for 30 hours (within the 6 to 72 hours "
            "recommended by ASCO/CAP). Scoring follows the ASCO/CAP guideline "
            "recommendations for ER/PR and HER2 testing in breast cancer. Reflex HER2 "
            "in situ hybridization is not indicated for an IHC score of 1+.",
            s.small,
        ),
        heading(s, "Comment"),
        *paragraphs(
            s,
            "The findings are consistent with a primary invasive ductal carcinoma of "
            "the left breast. Because a core biopsy samples only part of the lesion, "
            "final tumor size, grade, margin status and lymph node status will be "
            "reported on the surgical excision specimen. A HER2 IHC score of 1+ is "
            "categorized as HER2-negative (HER2-low).",
            "The case was reviewed at the intradepartmental breast pathology "
            "consensus conference, with agreement. The diagnosis was communicated to "
            "Dr. Tomas Lindqvist by telephone on 2026-08-28 at 14:05.",
        ),
        Spacer(1, 14),
        Signature(
            s,
            "Priya Raman, MD",
            "Pathologist, St. Mary's Hospital",
            "Electronically signed 2026-08-28 15:20",
        ),
    ]
    doc.build_checked(story)


# ---------------------------------------------------------------------------
# 2. Mammogram and ultrasound report (1 page)
# ---------------------------------------------------------------------------

RIVERSIDE_MRN = "RIC-7731046"


def make_mammogram_report(path: Path) -> None:
    s = Styles(RIVERSIDE)
    doc = RecordDoc(path, RIVERSIDE, "Diagnostic Mammogram and Ultrasound", RIVERSIDE_MRN, 1)
    story: list[Flowable] = [
        Paragraph("DIAGNOSTIC MAMMOGRAM AND BREAST ULTRASOUND REPORT", s.title),
        info_box(
            s,
            patient_pairs(
                RIVERSIDE_MRN,
                ("Exam date", "2026-08-14 09:30"),
                ("Accession", "RI-26-081455 / RI-26-081456"),
                ("Exams", "MG diagnostic bilateral with tomosynthesis; US left breast"),
                ("Referred by", "Maple Falls Family Practice"),
            ),
        ),
        heading(s, "Clinical indication"),
        *paragraphs(
            s,
            "Palpable lump in the upper outer left breast, noticed by the patient "
            "about two weeks ago. No nipple discharge. No personal history of breast "
            "cancer. Mother diagnosed with breast cancer at age 71.",
        ),
        heading(s, "Comparison and technique"),
        *paragraphs(
            s,
            "Compared with screening mammogram of 2024-07-30 (this facility). "
            "Bilateral CC and MLO views with digital breast tomosynthesis, plus a "
            "left spot compression view over the skin marker. Targeted real-time "
            "ultrasound of the left breast and left axilla.",
        ),
        heading(s, "Findings"),
        *paragraphs(
            s,
            "<b>Breast composition:</b> scattered areas of fibroglandular density (category B).",
            "<b>Left breast, mammogram:</b> at the site of the palpable marker, at "
            "2 o'clock, middle depth, 6 cm from the nipple, there is a new "
            "irregular high-density mass with spiculated margins measuring 1.8 cm. "
            "No associated calcifications. Skin and nipple are unremarkable.",
            "<b>Left breast, ultrasound:</b> at 2 o'clock, 6 cm from the nipple, an "
            "irregular hypoechoic mass that is not parallel to the skin, with "
            "angular margins and posterior acoustic shadowing, measures 1.8 x 1.4 x "
            "1.5 cm and shows internal vascularity on color Doppler. It corresponds "
            "to the mammographic and palpable finding.",
            "<b>Left axilla:</b> normal-appearing lymph nodes with fatty hila and "
            "cortical thickness up to 2 mm.",
            "<b>Right breast:</b> no suspicious mass, calcifications or architectural distortion.",
        ),
        grid_table(
            s,
            ["Site", "Modality", "Size", "Features", "Assessment"],
            [
                [
                    "L breast 2:00, 6 cm FN",
                    "MG + US",
                    "1.8 cm",
                    "Irregular, spiculated, not parallel, shadowing",
                    "<b>BI-RADS 4C</b>",
                ],
                ["L axilla", "US", "\u2014", "Normal nodes", "Benign"],
                ["R breast", "MG", "\u2014", "No findings", "BI-RADS 1"],
            ],
            [0.2, 0.12, 0.1, 0.38, 0.2],
            RIVERSIDE.color,
        ),
        heading(s, "Impression"),
        *bullets(
            s,
            "Left breast 2 o'clock, 6 cm from nipple: 1.8 cm irregular spiculated "
            "mass, highly suspicious for malignancy.",
            "No suspicious left axillary lymph nodes. Right breast: negative.",
            "<b>OVERALL ASSESSMENT: BI-RADS 4C \u2014 high suspicion for malignancy.</b>",
        ),
        heading(s, "Recommendation"),
        *paragraphs(
            s,
            "Ultrasound-guided core needle biopsy of the left breast mass, scheduled "
            "for 2026-08-26. Findings and recommendation were discussed with the "
            "patient at the time of the exam; a results letter was mailed.",
        ),
        Spacer(1, 6),
        Signature(
            s,
            "Tomas Lindqvist, MD",
            "Radiologist, Riverside Imaging Center",
            "Electronically signed 2026-08-14 11:47",
        ),
    ]
    doc.build_checked(story)


# ---------------------------------------------------------------------------
# 3. Breast MRI report (1 page)
# ---------------------------------------------------------------------------


def make_mri_report(path: Path) -> None:
    s = Styles(RIVERSIDE)
    doc = RecordDoc(path, RIVERSIDE, "Breast MRI Report", RIVERSIDE_MRN, 1)
    story: list[Flowable] = [
        Paragraph("MRI BILATERAL BREASTS WITHOUT AND WITH CONTRAST", s.title),
        info_box(
            s,
            patient_pairs(
                RIVERSIDE_MRN,
                ("Exam date", "2026-09-02 13:15"),
                ("Accession", "RI-26-090218"),
                ("Ordering", "Alan Smith, MD (Lakeside Oncology Clinic)"),
                ("Contrast", "Gadobutrol 7 mL IV; no reaction"),
            ),
        ),
        heading(s, "Indication"),
        *paragraphs(
            s,
            "Newly diagnosed invasive ductal carcinoma of the left breast at 2 "
            "o'clock (core biopsy 2026-08-26, St. Mary's Hospital S26-04417). "
            "Evaluation of extent of disease before surgery.",
        ),
        heading(s, "Technique and comparison"),
        *paragraphs(
            s,
            "3.0 T magnet with a dedicated 16-channel breast coil, prone. Axial T2 "
            "and diffusion-weighted images, followed by axial fat-suppressed T1 "
            "images before and at 5 time points after contrast, with subtraction "
            "images and kinetic analysis. Compared with mammogram and ultrasound of "
            "2026-08-14.",
        ),
        heading(s, "Findings"),
        *paragraphs(
            s,
            "<b>Fibroglandular tissue:</b> scattered. <b>Background parenchymal "
            "enhancement:</b> minimal and symmetric.",
            "<b>Left breast:</b> irregular mass with spiculated margins and "
            "heterogeneous internal enhancement at 2 o'clock, middle depth, 6 cm "
            "from the nipple, containing the biopsy clip artifact. It measures "
            "1.9 x 1.6 x 1.7 cm and shows rapid initial enhancement with delayed "
            "washout (type III curve). No additional suspicious enhancement. No "
            "skin thickening, nipple involvement or chest wall invasion.",
            "<b>Right breast:</b> 4 mm simple cyst at 10 o'clock. No suspicious "
            "mass or non-mass enhancement.",
            "<b>Lymph nodes:</b> no axillary or internal mammary adenopathy. "
            "<b>Other:</b> no suspicious lesion in the visualized liver or bones.",
        ),
        grid_table(
            s,
            ["Lesion", "Location", "Size (AP x TR x CC)", "Kinetics", "Distance"],
            [
                [
                    "Known carcinoma (clip)",
                    "L 2:00, middle depth, 6 cm FN",
                    "1.9 x 1.6 x 1.7 cm",
                    "Rapid / washout (III)",
                    "1.4 cm to skin; 2.1 cm to pectoralis",
                ],
                ["Simple cyst", "R 10:00", "0.4 cm", "Non-enhancing", "\u2014"],
            ],
            [0.2, 0.22, 0.18, 0.18, 0.22],
            RIVERSIDE.color,
        ),
        heading(s, "Impression"),
        *bullets(
            s,
            "Known biopsy-proven carcinoma of the left breast at 2 o'clock, 1.9 cm, "
            "unifocal. No additional disease in either breast. "
            "<b>Left: BI-RADS 6 \u2014 known biopsy-proven malignancy.</b>",
            "Right breast: benign simple cyst. <b>Right: BI-RADS 2 \u2014 benign.</b>",
            "No MRI evidence of axillary or internal mammary adenopathy.",
        ),
        Spacer(1, 6),
        Signature(
            s,
            "Tomas Lindqvist, MD",
            "Radiologist, Riverside Imaging Center",
            "Electronically signed 2026-09-02 16:32",
        ),
    ]
    doc.build_checked(story)


# ---------------------------------------------------------------------------
# 4. Blood tests (2 pages)
# ---------------------------------------------------------------------------

CBC = [
    # test, result, flag, units, reference range
    ("White blood cell count", "6.2", "", "x10E3/\u00b5L", "4.0\u201311.0"),
    ("Red blood cell count", "4.05", "", "x10E6/\u00b5L", "3.90\u20135.20"),
    ("Hemoglobin", "11.8", "L", "g/dL", "12.0\u201315.5"),
    ("Hematocrit", "35.9", "L", "%", "36.0\u201346.0"),
    ("MCV", "88.6", "", "fL", "80.0\u2013100.0"),
    ("MCH", "29.1", "", "pg", "27.0\u201333.0"),
    ("MCHC", "32.9", "", "g/dL", "32.0\u201336.0"),
    ("RDW-CV", "13.4", "", "%", "11.5\u201314.5"),
    ("Platelet count", "268", "", "x10E3/\u00b5L", "150\u2013400"),
    ("Mean platelet volume", "9.8", "", "fL", "7.5\u201311.5"),
    ("Neutrophils", "58.3", "", "%", "40.0\u201374.0"),
    ("Lymphocytes", "30.1", "", "%", "19.0\u201348.0"),
    ("Monocytes", "7.2", "", "%", "3.4\u20139.0"),
    ("Eosinophils", "3.4", "", "%", "0.0\u20137.0"),
    ("Basophils", "0.7", "", "%", "0.0\u20131.5"),
    ("Absolute neutrophils", "3.61", "", "x10E3/\u00b5L", "1.80\u20137.70"),
    ("Absolute lymphocytes", "1.87", "", "x10E3/\u00b5L", "1.00\u20134.80"),
    ("Absolute monocytes", "0.45", "", "x10E3/\u00b5L", "0.20\u20130.95"),
    ("Absolute eosinophils", "0.21", "", "x10E3/\u00b5L", "0.00\u20130.50"),
    ("Absolute basophils", "0.04", "", "x10E3/\u00b5L", "0.00\u20130.20"),
]

CMP = [
    ("Glucose (fasting)", "108", "H", "mg/dL", "70\u201399"),
    ("Urea nitrogen (BUN)", "14", "", "mg/dL", "7\u201320"),
    ("Creatinine", "0.82", "", "mg/dL", "0.57\u20131.00"),
    ("eGFR (CKD-EPI 2021)", "82", "", "mL/min/1.73 m\u00b2", "&gt;59"),
    ("BUN/creatinine ratio", "17", "", "", "9\u201323"),
    ("Sodium", "139", "", "mmol/L", "135\u2013145"),
    ("Potassium", "4.2", "", "mmol/L", "3.5\u20135.1"),
    ("Chloride", "103", "", "mmol/L", "98\u2013107"),
    ("Carbon dioxide (CO2)", "25", "", "mmol/L", "22\u201329"),
    ("Calcium", "9.4", "", "mg/dL", "8.6\u201310.3"),
    ("Total protein", "7.0", "", "g/dL", "6.0\u20138.3"),
    ("Albumin", "4.2", "", "g/dL", "3.5\u20135.2"),
    ("Globulin (calculated)", "2.8", "", "g/dL", "1.9\u20133.7"),
    ("Albumin/globulin ratio", "1.5", "", "", "1.1\u20132.5"),
    ("Bilirubin, total", "0.6", "", "mg/dL", "0.2\u20131.2"),
    ("Alkaline phosphatase", "78", "", "U/L", "44\u2013121"),
    ("AST (SGOT)", "22", "", "U/L", "10\u201335"),
    ("ALT (SGPT)", "29", "", "U/L", "7\u201335"),
]


def lab_table(s: Styles, results: list[tuple[str, str, str, str, str]]) -> Table:
    header = ["Test", "Result", "Flag", "Units", "Reference range"]
    rows = []
    for test, value, flag, units, ref in results:
        if flag:
            value = f"<b>{value}</b>"
            flag = f'<font color="#B00020"><b>{flag}</b></font>'
        rows.append([test, value, flag, units, ref])
    return grid_table(s, header, rows, [0.36, 0.13, 0.09, 0.2, 0.22], ST_MARYS.color)


def make_blood_tests(path: Path) -> None:
    s = Styles(ST_MARYS)
    doc = RecordDoc(path, ST_MARYS, "Laboratory Report", ST_MARYS_MRN, 2)
    legend = Paragraph(
        "Flags: <b>H</b> = above reference range, <b>L</b> = below reference range. "
        "Reference ranges are for adult females and are specific to this laboratory.",
        s.small,
    )
    story: list[Flowable] = [
        Paragraph("LABORATORY REPORT \u2014 FINAL", s.title),
        info_box(
            s,
            patient_pairs(
                ST_MARYS_MRN,
                ("Accession", "L26-0905-1183"),
                ("Ordering", "Alan Smith, MD (Lakeside Oncology Clinic)"),
                ("Collected", "2026-09-05 07:42 (fasting 11 h)"),
                ("Received", "2026-09-05 08:15"),
                ("Reported", "2026-09-05 10:58"),
                ("Status", "FINAL"),
            ),
        ),
        heading(s, "Complete blood count (CBC) with automated differential"),
        Paragraph("Specimen: whole blood, EDTA (lavender top)", s.small),
        lab_table(s, CBC),
        Spacer(1, 4),
        legend,
        Spacer(1, 4),
        Paragraph(
            "Peripheral smear review not required by laboratory criteria. "
            "Platelet count verified by instrument flags review.",
            s.small,
        ),
        PageBreak(),
        heading(s, "Comprehensive metabolic panel (CMP)"),
        Paragraph("Specimen: serum (gold top), non-hemolyzed", s.small),
        lab_table(s, CMP),
        Spacer(1, 4),
        legend,
        heading(s, "Additional tests"),
        lab_table(
            s,
            [
                ("TSH", "2.10", "", "mIU/L", "0.45\u20134.50"),
                ("Hemoglobin A1c", "5.8", "H", "%", "4.0\u20135.6"),
            ],
        ),
        heading(s, "Laboratory comments"),
        *bullets(
            s,
            "Glucose: specimen collected after an 11-hour fast. Fasting glucose "
            "100\u2013125 mg/dL is consistent with impaired fasting glucose; correlate "
            "clinically.",
            "eGFR calculated with the race-free CKD-EPI 2021 creatinine equation.",
            "Hemoglobin A1c 5.7\u20136.4% is in the range associated with increased diabetes risk.",
        ),
        Spacer(1, 8),
        Paragraph(
            "Performed at: St. Mary's Hospital Core Laboratory, 1450 Harbor View "
            "Road, Maple Falls, MN 55990. Verified by K. Mendez, MLS(ASCP). "
            "Laboratory Director: Priya Raman, MD.",
            s.small,
        ),
        Spacer(1, 10),
        Signature(
            s,
            "Priya Raman, MD",
            "Laboratory Director, St. Mary's Hospital",
            "Results released electronically 2026-09-05 10:58",
        ),
    ]
    doc.build_checked(story)


# ---------------------------------------------------------------------------
# 5. Genomic test (1 page)
# ---------------------------------------------------------------------------


class ScoreScale(Flowable):
    """A 0-100 recurrence score bar with a marker at the patient's score."""

    def __init__(self, score: int, color: colors.Color) -> None:
        super().__init__()
        self.score = score
        self.color = color
        self.width, self.height = CONTENT_WIDTH, 46

    def wrap(self, avail_width, avail_height):
        return self.width, self.height

    def draw(self) -> None:
        c = self.canv
        bar_y, bar_h = 14, 10
        scale = self.width / 100
        bands = [
            (0, 15, "#D7ECD9"),
            (15, 25, "#FFF1C1"),
            (25, 100, "#F6D3D3"),
        ]
        c.saveState()
        for start, end, fill in bands:
            c.setFillColor(colors.HexColor(fill))
            c.rect(start * scale, bar_y, (end - start) * scale, bar_h, stroke=0, fill=1)
        c.setStrokeColor(GREY)
        c.setLineWidth(0.5)
        c.rect(0, bar_y, self.width, bar_h, stroke=1, fill=0)
        c.setFont("Helvetica", 6.5)
        c.setFillColor(GREY)
        for tick in range(0, 101, 10):
            c.line(tick * scale, bar_y, tick * scale, bar_y - 3)
            c.drawCentredString(tick * scale, bar_y - 10, str(tick))
        x = self.score * scale
        c.setFillColor(self.color)
        path = c.beginPath()
        path.moveTo(x, bar_y + bar_h)
        path.lineTo(x - 5, bar_y + bar_h + 9)
        path.lineTo(x + 5, bar_y + bar_h + 9)
        path.close()
        c.drawPath(path, stroke=0, fill=1)
        c.setFont("Helvetica-Bold", 9)
        c.drawString(x + 8, bar_y + bar_h + 2, f"Recurrence Score {self.score}")
        c.restoreState()


def make_genomic_test(path: Path) -> None:
    s = Styles(NORTHFIELD)
    order_id = "NG-26-0091734"
    doc = RecordDoc(path, NORTHFIELD, "OncoRisk Report", order_id, 1)
    color = NORTHFIELD.color
    big_number = ParagraphStyle(
        "big_number",
        fontName="Helvetica-Bold",
        fontSize=30,
        leading=32,
        alignment=TA_CENTER,
        textColor=color,
    )
    score_box = Table(
        [
            [
                Paragraph("<b>RECURRENCE SCORE</b>", s.cell),
                Paragraph("24", big_number),
                Paragraph(
                    "Estimated 9-year distant recurrence risk with endocrine therapy "
                    "alone: <b>11%</b> (95% CI 8\u201315%).<br/>"
                    "Group average absolute chemotherapy benefit in patients older "
                    "than 50 with node-negative disease and a score of 16\u201325: "
                    "<b>&lt;1%</b>.",
                    s.cell,
                ),
            ]
        ],
        colWidths=[0.2 * CONTENT_WIDTH, 0.12 * CONTENT_WIDTH, 0.68 * CONTENT_WIDTH],
    )
    score_box.setStyle(
        TableStyle(
            [
                ("BOX", (0, 0), (-1, -1), 1.2, color),
                ("BACKGROUND", (0, 0), (1, 0), tint(color, 0.1)),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    story: list[Flowable] = [
        Paragraph("OncoRisk\u00ae 21-Gene Assay \u2014 Breast Recurrence Score", s.title),
        info_box(
            s,
            patient_pairs(
                order_id,
                ("Report date", "2026-09-20"),
                ("Clinic MRN", "LOC-220915 (Lakeside Oncology Clinic)"),
                ("Specimen", "FFPE block A1, St. Mary's Hospital S26-04417"),
                ("Collected", "2026-08-26 (core biopsy)"),
                ("Received", "2026-09-12"),
                ("Ordering", "Alan Smith, MD (Lakeside Oncology Clinic)"),
                ("Diagnosis", "Invasive ductal carcinoma, left breast, ER+, HER2-"),
                id_label="Order ID",
            ),
        ),
        Spacer(1, 8),
        score_box,
        Spacer(1, 6),
        ScoreScale(24, color),
        Paragraph(
            "Shaded bands are for orientation only: 0\u201315 lower, 16\u201325 "
            "intermediate, 26\u2013100 higher recurrence score.",
            s.small,
        ),
        heading(s, "Single-gene quantitative results"),
        grid_table(
            s,
            ["Gene / marker", "Score (units)", "Threshold", "Result"],
            [
                ["ER (ESR1)", "10.8", "6.5 or more = positive", "<b>Positive</b>"],
                ["PR (PGR)", "7.9", "5.5 or more = positive", "<b>Positive</b>"],
                ["HER2 (ERBB2)", "8.9", "10.7 or more = positive", "<b>Negative</b>"],
            ],
            [0.25, 0.2, 0.33, 0.22],
            color,
        ),
        heading(s, "Interpretation"),
        *paragraphs(
            s,
            "The Recurrence Score is calculated from the expression of 16 cancer "
            "genes normalized to 5 reference genes, measured by RT-PCR on RNA "
            "extracted from the tumor specimen. For node-negative, hormone "
            "receptor-positive, HER2-negative early breast cancer, the score "
            "estimates the risk of distant recurrence at 9 years with 5 years of "
            "endocrine therapy and the likely magnitude of benefit from adding "
            "chemotherapy. Estimates for a score of 24 depend on age and menopausal "
            "status and are given here for a patient older than 50.",
            "Results should be interpreted together with tumor size, grade, "
            "lymph node status and other clinical factors by the treating physician.",
        ),
        heading(s, "Methods and quality"),
        Paragraph(
            "Tumor content of the submitted section: 60% (macro-dissected). RNA "
            "quantity and quality met acceptance criteria. All controls performed "
            "as expected. This test was developed and its performance characteristics "
            "determined by Northfield Genomics. It has not been cleared or approved "
            "by the U.S. Food and Drug Administration. The laboratory is certified "
            "to perform high-complexity clinical testing. Risk estimates shown are "
            "illustrative values created for this fictional example.",
            s.small,
        ),
        Spacer(1, 10),
        Signature(
            s,
            "Miriam Okonkwo, PhD, FACMG",
            "Laboratory Director, Northfield Genomics",
            "Electronically signed 2026-09-20 09:14",
        ),
    ]
    doc.build_checked(story)


# ---------------------------------------------------------------------------
# 6. Oncology consultation note (3 pages)
# ---------------------------------------------------------------------------


def make_oncology_consult(path: Path) -> None:
    s = Styles(LAKESIDE)
    mrn = "LOC-220915"
    doc = RecordDoc(path, LAKESIDE, "Oncology Consultation", mrn, 3)
    color = LAKESIDE.color
    story: list[Flowable] = [
        Paragraph("MEDICAL ONCOLOGY \u2014 INITIAL CONSULTATION", s.title),
        info_box(
            s,
            patient_pairs(
                mrn,
                ("Visit date", "2026-09-10"),
                ("Visit type", "New patient consultation (in person)"),
                ("Provider", "Alan Smith, MD, Medical Oncology"),
                ("Referred by", "Maple Falls Family Practice"),
            ),
        ),
        heading(s, "Reason for consultation"),
        *paragraphs(
            s,
            "Newly diagnosed invasive ductal carcinoma of the left breast, grade 2, "
            "estrogen and progesterone receptor positive, HER2-negative, clinically "
            "node-negative. Referred to discuss systemic (medical) treatment.",
        ),
        heading(s, "History of present illness"),
        *paragraphs(
            s,
            "Ms. Doe is a 58-year-old postmenopausal woman who noticed a firm, "
            "painless lump in the upper outer part of her left breast while "
            "showering in late July 2026. She had no nipple discharge, skin change, "
            "breast pain, weight loss, bone pain, cough or headaches. Her last "
            "screening mammogram on 2024-07-30 was reported as negative (BI-RADS 1); "
            "she missed her 2025 screening appointment.",
            "She saw her primary care physician, who ordered diagnostic imaging. A "
            "diagnostic mammogram with tomosynthesis and a targeted ultrasound at "
            "Riverside Imaging Center on 2026-08-14 showed a 1.8 cm irregular, "
            "spiculated mass at 2 o'clock, 6 cm from the nipple, with normal-"
            "appearing axillary lymph nodes (BI-RADS 4C). An ultrasound-guided core "
            "needle biopsy on 2026-08-26 showed invasive ductal carcinoma, "
            "Nottingham grade 2, with intermediate-grade DCIS; ER 95% strong, PR "
            "80%, HER2 IHC 1+ (negative), Ki-67 15% (St. Mary's Hospital, "
            "S26-04417, reported 2026-08-28).",
            "A bilateral breast MRI on 2026-09-02 showed a unifocal 1.9 cm mass at "
            "the biopsy site without additional disease in either breast and no "
            "axillary or internal mammary adenopathy. Baseline laboratory studies "
            "on 2026-09-05 showed mild anemia (hemoglobin 11.8 g/dL) and a fasting "
            "glucose of 108 mg/dL, with normal kidney and liver function and a "
            "normal alkaline phosphatase and calcium.",
            "She was seen by the breast surgery team at St. Mary's Hospital on "
            "2026-09-04, and breast-conserving surgery (lumpectomy) with sentinel "
            "lymph node biopsy has been tentatively scheduled for 2026-10-01. She "
            "comes today with her husband to discuss whether she will need "
            "treatment beyond surgery, and in particular whether chemotherapy would "
            "be recommended. She is anxious but well informed and has prepared a "
            "written list of questions. Her energy is normal and she continues to "
            "work full time as a school librarian.",
        ),
        heading(s, "Past medical history"),
        *bullets(
            s,
            "Hypertension, diagnosed 2015, well controlled on lisinopril.",
            "Hypothyroidism (Hashimoto thyroiditis), diagnosed 2011, on "
            "levothyroxine; TSH 2.10 mIU/L on 2026-09-05.",
            "Hyperlipidemia, on atorvastatin.",
            "Osteoporosis: DEXA 2025-03 with lumbar spine T-score -2.6, on "
            "weekly alendronate since 2025. No fragility fractures.",
            "Prediabetes (hemoglobin A1c 5.8%), diet-controlled.",
        ),
        heading(s, "Past surgical history"),
        *bullets(
            s,
            "Laparoscopic cholecystectomy, 2009.",
            "Cesarean section, 1999.",
            "Screening colonoscopy 2022: two small tubular adenomas removed; repeat "
            "recommended in 2029.",
        ),
        heading(s, "Gynecologic and reproductive history"),
        *paragraphs(
            s,
            "Menarche at age 12. Gravida 2, para 2; first live birth at age 28; "
            "breastfed each child for about 6 months. Natural menopause at age 51 "
            "(2019). She never used menopausal hormone therapy. Oral contraceptives "
            "for about 8 years in her twenties.",
        ),
        heading(s, "Family history"),
        grid_table(
            s,
            ["Relative", "Condition", "Age at diagnosis", "Status"],
            [
                ["Mother", "Breast cancer (right), hormone receptor-positive", "71", "Living, 84"],
                ["Father", "Prostate cancer; coronary artery disease", "68", "Deceased at 79"],
                ["Maternal aunt", "Ovarian cancer", "62", "Deceased at 65"],
                ["Sister", "None known", "\u2014", "Living, 55"],
                ["Son, daughter", "None known", "\u2014", "Living, 27 and 24"],
            ],
            [0.18, 0.47, 0.17, 0.18],
            color,
        ),
        Spacer(1, 3),
        *paragraphs(
            s,
            "No known family history of genetic testing. No Ashkenazi Jewish ancestry reported.",
        ),
        heading(s, "Social history"),
        *paragraphs(
            s,
            "Married, lives with her husband in Maple Falls. Works as a school "
            "librarian. Never smoker. Alcohol: 1\u20132 glasses of wine per week. No "
            "recreational drug use. Walks about 30 minutes most days. Independent "
            "in all activities of daily living.",
        ),
        heading(s, "Current medications"),
        grid_table(
            s,
            ["Medication", "Dose", "Frequency", "Indication"],
            [
                ["Levothyroxine", "75 mcg by mouth", "Daily, before breakfast", "Hypothyroidism"],
                ["Lisinopril", "10 mg by mouth", "Daily", "Hypertension"],
                ["Atorvastatin", "20 mg by mouth", "Daily at bedtime", "Hyperlipidemia"],
                ["Alendronate", "70 mg by mouth", "Weekly (Sunday)", "Osteoporosis"],
                ["Calcium carbonate + vitamin D3", "600 mg / 800 IU", "Twice daily", "Bone health"],
                ["Vitamin D3", "2,000 IU", "Daily", "Supplement"],
                ["Ibuprofen", "200\u2013400 mg", "As needed", "Occasional aches"],
                ["Loratadine", "10 mg", "As needed", "Seasonal allergies"],
            ],
            [0.3, 0.2, 0.25, 0.25],
            color,
        ),
        heading(s, "Allergies"),
        grid_table(
            s,
            ["Allergen", "Reaction", "Severity", "Date noted"],
            [["<b>Penicillin</b>", "<b>Hives</b> (urticaria)", "Moderate", "1987"]],
            [0.3, 0.3, 0.2, 0.2],
            color,
        ),
        heading(s, "Review of systems"),
        *paragraphs(
            s,
            "Constitutional: no fever, night sweats or weight change. Eyes and ENT: "
            "negative. Cardiovascular: no chest pain, palpitations or leg swelling. "
            "Respiratory: no cough or shortness of breath. Gastrointestinal: no "
            "abdominal pain, change in bowel habit or bleeding. Genitourinary: no "
            "postmenopausal bleeding. Musculoskeletal: occasional knee stiffness; no "
            "focal bone pain. Neurological: no headaches, weakness or numbness. "
            "Psychiatric: anxiety related to the diagnosis; sleeping 6 hours a night. "
            "Hematologic: no easy bruising. All other systems reviewed and negative.",
        ),
        heading(s, "Physical examination"),
        grid_table(
            s,
            ["BP", "Pulse", "Temp", "Resp", "SpO2", "Height", "Weight", "BMI"],
            [
                [
                    "132/78",
                    "74",
                    "36.7 \u00b0C",
                    "14",
                    "98%",
                    "165 cm",
                    "71.2 kg",
                    "26.2",
                ]
            ],
            [0.125] * 8,
            color,
        ),
        Spacer(1, 4),
        *paragraphs(
            s,
            "<b>General:</b> well-appearing woman in no distress. ECOG performance "
            "status 0. <b>HEENT:</b> normocephalic, no scleral icterus, oral mucosa "
            "moist. <b>Neck:</b> supple, thyroid not enlarged.",
            "<b>Lymph nodes:</b> no cervical, supraclavicular, infraclavicular or "
            "axillary lymphadenopathy bilaterally.",
            "<b>Breasts:</b> examined upright and supine. Left breast: a firm, "
            "mobile, irregular mass of about 2 cm at 2 o'clock, 6 cm from the "
            "nipple, with a small healing biopsy puncture site and mild resolving "
            "bruising; no skin dimpling, erythema, peau d'orange or nipple "
            "retraction. Right breast: no masses, skin or nipple changes.",
            "<b>Chest:</b> clear to auscultation bilaterally. <b>Heart:</b> regular "
            "rate and rhythm, no murmurs. <b>Abdomen:</b> soft, non-tender, no "
            "hepatosplenomegaly; healed laparoscopic and low transverse scars. "
            "<b>Spine:</b> no focal tenderness. <b>Extremities:</b> no edema. "
            "<b>Skin:</b> no rashes. <b>Neurological:</b> alert and oriented, "
            "cranial nerves intact, strength 5/5 throughout.",
        ),
        heading(s, "Assessment"),
        *paragraphs(
            s,
            "58-year-old postmenopausal woman with a newly diagnosed <b>invasive "
            "ductal carcinoma of the left breast, clinical stage cT1c cN0 M0</b>, "
            "Nottingham grade 2, ER-positive (95%), PR-positive (80%), HER2-negative "
            "(IHC 1+), Ki-67 15%. By AJCC 8th edition criteria this corresponds to "
            "clinical prognostic stage group IA. Imaging shows unifocal disease, "
            "and she is a good candidate for breast-conserving therapy. She has no "
            "symptoms or laboratory findings suggesting distant spread.",
            "The main open question is the expected benefit of adjuvant "
            "chemotherapy in addition to endocrine therapy. Her clinicopathologic "
            "features are intermediate (size 1.8\u20131.9 cm, grade 2, Ki-67 15%). A "
            "21-gene recurrence score assay on the core biopsy tissue will help "
            "estimate her risk of distant recurrence and the likely benefit of "
            "chemotherapy, and it is reasonable to obtain it before surgery so that "
            "the result is available for the postoperative discussion.",
            "Her family history (mother with breast cancer, maternal aunt with "
            "ovarian cancer) meets criteria for referral to genetic counseling and "
            "germline testing, which may also influence surgical planning.",
            "The mild normocytic anemia is new compared with 2024 values and should "
            "be evaluated with iron studies. Prediabetes and osteoporosis are "
            "relevant to the choice of endocrine therapy.",
        ),
        heading(s, "Plan"),
        *bullets(
            s,
            "<b>Surgery:</b> proceed with left lumpectomy and sentinel lymph node "
            "biopsy as planned with the St. Mary's Hospital breast surgery team "
            "(tentatively 2026-10-01). Final pathology (tumor size, margins, lymph "
            "node status) will be reviewed at follow-up.",
            "<b>Radiation:</b> whole-breast radiation therapy after lumpectomy is "
            "expected; referral to radiation oncology after surgery.",
            "<b>Endocrine therapy:</b> plan tamoxifen 20 mg by mouth daily for at "
            "least 5 years, starting after radiation. Aromatase inhibitors were "
            "discussed as an alternative; given her osteoporosis and her "
            "preference after discussion of side effects, tamoxifen was favored. "
            "We reviewed the risks of hot flashes, venous thromboembolism and "
            "endometrial cancer, and she will report any postmenopausal bleeding.",
            "<b>Chemotherapy: to be discussed.</b> The OncoRisk 21-gene assay was "
            "ordered today from Northfield Genomics on block A1 of S26-04417. We "
            "will review the recurrence score together with the surgical pathology "
            "and make a shared decision about whether chemotherapy adds meaningful "
            "benefit. If chemotherapy were recommended, a regimen such as "
            "docetaxel and cyclophosphamide would be considered, given no cardiac "
            "history.",
            "<b>Genetics:</b> referral to genetic counseling for multigene panel "
            "testing; results requested before surgery if feasible.",
            "<b>Anemia:</b> iron studies, ferritin, vitamin B12 and folate; repeat CBC in 4 weeks.",
            "<b>Bone health:</b> continue alendronate, calcium and vitamin D; repeat DEXA in 2027.",
            "<b>Supportive care:</b> referral to the clinic's nurse navigator and "
            "psycho-oncology support group; written information provided.",
            "<b>Follow-up:</b> return visit about 2 weeks after surgery, or sooner "
            "once the recurrence score result is available.",
        ),
        *paragraphs(
            s,
            "The patient and her husband had the opportunity to ask questions, and "
            "all were answered. She expressed understanding of the plan and agrees "
            "with it. She mentioned she may seek a second opinion about the "
            "chemotherapy decision, which I encouraged; copies of her records were "
            "provided to her on request. Total time on the date of the encounter, "
            "including record review, counseling and documentation: 75 minutes.",
        ),
        Spacer(1, 12),
        Signature(
            s,
            "Alan Smith, MD",
            "Medical Oncology, Lakeside Oncology Clinic",
            "Electronically signed 2026-09-10 17:05",
        ),
        Spacer(1, 6),
        Paragraph(
            "cc: Maple Falls Family Practice; Breast Surgery, St. Mary's Hospital.",
            s.small,
        ),
    ]
    doc.build_checked(story)


# ---------------------------------------------------------------------------
# 7. Medication list photo (JPEG with EXIF orientation 6 and GPS)
# ---------------------------------------------------------------------------

PHOTO_SIZE = (1200, 1600)  # upright (portrait) size, before storing rotated
PAPER_SIZE = (1000, 1360)
INK = (28, 40, 110)

MED_LINES = [
    ("Levothyroxine 75 mcg", "1 each AM, empty stomach", "thyroid"),
    ("Lisinopril 10 mg", "1 daily", "BP"),
    ("Atorvastatin 20 mg", "1 at bedtime", "cholesterol"),
    ("Alendronate 70 mg", "SUNDAYS, full glass water", "bones"),
    ("Calcium 600 + D3 800", "1 twice a day", "bones"),
    ("Vitamin D3 2000 IU", "1 daily", ""),
    ("Ibuprofen 200 mg", "1-2 if needed", "aches"),
    ("Loratadine 10 mg", "if needed", "allergies"),
]


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    # Pillow's bundled default font, so the output does not depend on system fonts.
    return ImageFont.load_default(size=size)


def _draw_paper(rng: random.Random) -> Image.Image:
    """Ruled notebook paper with the medication list written on it."""
    w, h = PAPER_SIZE
    paper = Image.new("RGBA", PAPER_SIZE, (250, 247, 236, 255))
    d = ImageDraw.Draw(paper)
    line_gap = 56
    first_line = 170
    for y in range(first_line, h - 40, line_gap):
        d.line([(0, y), (w, y)], fill=(160, 190, 225, 255), width=2)
    d.line([(110, 0), (110, h)], fill=(225, 140, 140, 255), width=3)
    for y in (200, 680, 1160):  # binder holes
        d.ellipse([30, y, 66, y + 36], fill=(215, 210, 198, 255))

    def write(x: int, line: int, text: str, size: int = 34) -> None:
        jitter_x, jitter_y = rng.randint(-4, 4), rng.randint(-3, 2)
        y = first_line + line * line_gap - size - 6 + jitter_y
        d.text((x + jitter_x, y), text, font=_font(size), fill=(*INK, 255))

    write(130, 0, "MY MEDICATIONS", size=52)
    d.line([(134, first_line + 6), (520, first_line + 2)], fill=(*INK, 255), width=3)
    write(130, 1, "Jane Doe    DOB 04/12/1968    updated 9/8/2026", size=30)
    # Three columns, each placed after the widest entry of the previous one.
    names = [f"{i + 1}. {name}" for i, (name, _, _) in enumerate(MED_LINES)]
    x_how = 130 + 24 + max(d.textlength(n, font=_font(32)) for n in names)
    x_why = x_how + 24 + max(d.textlength(m[1], font=_font(25)) for m in MED_LINES)
    assert x_why + max(d.textlength(m[2], font=_font(25)) for m in MED_LINES) < w
    for i, (name, (_, how, why)) in enumerate(zip(names, MED_LINES, strict=True)):
        write(130, 3 + i, name, size=32)
        write(int(x_how), 3 + i, how, size=25)
        write(int(x_why), 3 + i, why, size=25)
    allergy_line = 4 + len(MED_LINES)
    write(130, allergy_line, "ALLERGIES:  PENICILLIN  (hives!)", size=40)
    d.rounded_rectangle(
        [
            122,
            first_line + (allergy_line - 1) * line_gap + 4,
            760,
            first_line + allergy_line * line_gap + 6,
        ],
        radius=14,
        outline=(170, 20, 30, 255),
        width=3,
    )
    write(130, allergy_line + 2, "Pharmacy: Maple Falls Pharmacy (555) 555-0187", size=28)
    write(130, allergy_line + 3, "Oncology: Dr. Alan Smith, Lakeside (555) 555-0161", size=28)

    # Fiction notice in small print at the bottom (the bundled font has no
    # em dash, so draw the dash as a short line).
    small = _font(20)
    left, right = "FICTIONAL EXAMPLE", "not a real patient"
    y = h - 34
    d.text((130, y), left, font=small, fill=(150, 30, 30, 255))
    x = 130 + d.textlength(left, font=small) + 8
    d.line([(x, y + 11), (x + 22, y + 11)], fill=(150, 30, 30, 255), width=2)
    d.text((x + 30, y), right, font=small, fill=(150, 30, 30, 255))
    return paper


def _gps_dms(value: float) -> tuple[IFDRational, IFDRational, IFDRational]:
    degrees = int(value)
    minutes_float = (value - degrees) * 60
    minutes = int(minutes_float)
    seconds = round((minutes_float - minutes) * 60 * 100)
    return IFDRational(degrees, 1), IFDRational(minutes, 1), IFDRational(seconds, 100)


def make_medication_photo(path: Path) -> None:
    rng = random.Random(20260908)
    width, height = PHOTO_SIZE

    # A wooden table top: warm vertical gradient with faint grain lines.
    photo = Image.linear_gradient("L").resize(PHOTO_SIZE)
    photo = Image.merge(
        "RGB",
        [photo.point(lambda v, base=base: base - v // 6) for base in (150, 112, 78)],
    )
    d = ImageDraw.Draw(photo)
    for _ in range(70):
        x = rng.randint(0, width)
        d.line([(x, 0), (x + rng.randint(-40, 40), height)], fill=(120, 86, 58), width=2)

    # The sheet of paper, slightly rotated, with a soft shadow.
    paper = _draw_paper(rng).rotate(-2.2, resample=Image.Resampling.BICUBIC, expand=True)
    offset = ((width - paper.width) // 2, (height - paper.height) // 2 + 10)
    shadow = Image.new("L", PHOTO_SIZE, 0)
    shadow.paste(paper.getchannel("A"), (offset[0] + 14, offset[1] + 18))
    shadow = shadow.filter(ImageFilter.GaussianBlur(12)).point(lambda v: v * 5 // 10)
    photo.paste((40, 28, 18), (0, 0), shadow)
    photo.paste(paper, offset, paper)

    # Uneven phone-camera lighting: darker towards the bottom-right corner.
    light = Image.radial_gradient("L").resize((width * 2, height * 2))
    light = light.crop((width // 3, height // 3, width // 3 + width, height // 3 + height))
    photo = Image.composite(
        Image.new("RGB", PHOTO_SIZE, (30, 25, 20)),
        photo,
        light.point(lambda v: max(0, v - 90) * 45 // 165),
    )
    photo = photo.filter(ImageFilter.GaussianBlur(0.6))

    # Store the pixels rotated 90 degrees counter-clockwise, as a phone held
    # upright does; EXIF Orientation 6 tells viewers to rotate 90 clockwise.
    stored = photo.transpose(Image.Transpose.ROTATE_90)

    exif = Image.Exif()
    exif[0x010F] = "Examplephone"  # Make
    exif[0x0110] = "Examplephone 12 (fictional)"  # Model
    exif[0x0112] = 6  # Orientation: rotate 90 CW to display
    exif[0x0132] = "2026:09:08 18:42:10"  # DateTime
    gps = exif.get_ifd(0x8825)
    gps[0x0000] = b"\x02\x03\x00\x00"  # GPSVersionID
    gps[0x0001] = "N"  # GPSLatitudeRef
    gps[0x0002] = _gps_dms(44.97)  # GPSLatitude (fictional location)
    gps[0x0003] = "W"  # GPSLongitudeRef
    gps[0x0004] = _gps_dms(93.26)  # GPSLongitude
    gps[0x0005] = b"\x00"  # GPSAltitudeRef: above sea level
    gps[0x0006] = IFDRational(2640, 10)  # GPSAltitude, metres
    gps[0x001D] = "2026:09:08"  # GPSDateStamp

    stored.save(path, "JPEG", quality=72, optimize=True, exif=exif, dpi=(72, 72))


# ---------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "output_dir",
        nargs="?",
        type=Path,
        default=DEFAULT_OUTPUT_DIR,
        help=f"where to write the files (default: {DEFAULT_OUTPUT_DIR})",
    )
    out = parser.parse_args(argv).output_dir
    out.mkdir(parents=True, exist_ok=True)
    makers = {
        "pathology-report.pdf": make_pathology_report,
        "mammogram-report.pdf": make_mammogram_report,
        "breast-mri-report.pdf": make_mri_report,
        "blood-tests.pdf": make_blood_tests,
        "genomic-test.pdf": make_genomic_test,
        "oncology-consult.pdf": make_oncology_consult,
        "medication-list-photo.jpg": make_medication_photo,
    }
    for name, make in makers.items():
        target = out / name
        make(target)
        print(f"wrote {target} ({target.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
