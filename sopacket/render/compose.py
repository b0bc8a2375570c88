"""Draw the packet's own pages: cover, contents, clinical summary, questions, medications,
records index, and the closing page.

The front matter is laid out twice: once to learn how many pages each section takes, and
again with the real page numbers in the contents and the records index. Contents rows
remember where they were drawn, so the assembler can turn each into a link.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4, LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from ..packetfile.model import Packet
from .fonts import BOLD, REGULAR, FontSet

PAPER = {"letter": LETTER, "a4": A4}
MARGIN = 0.75 * inch
INK = colors.HexColor("#1d2b3a")
ACCENT = colors.HexColor("#1f4e79")
MUTED = colors.HexColor("#5b6770")
RULE = colors.HexColor("#c9d3dc")
SHADE = colors.HexColor("#eef3f7")
URGENT = colors.HexColor("#b3261e")
URGENT_BG = colors.HexColor("#fdecea")

SECTIONS = ("cover", "contents", "summary", "questions", "medications", "index")
SECTION_TITLES = {
    "cover": "Cover",
    "contents": "Contents",
    "summary": "Clinical summary",
    "questions": "Questions for the reviewer",
    "medications": "Medications",
    "index": "Records index",
    "closing": "About this packet",
}
KIND_LABELS = {
    "pathology": "Pathology",
    "imaging": "Imaging",
    "lab": "Laboratory",
    "visit_note": "Visit note",
    "discharge_summary": "Discharge summary",
    "operative_report": "Operative report",
    "genetic": "Genetic / biomarker",
    "medication_history": "Medication history",
    "other": "Other",
}
VISIT_LABELS = {
    "video": "Video call",
    "phone": "Phone call",
    "messaging": "Secure messaging",
    "in_person": "In person",
}


@dataclass(frozen=True)
class RecordEntry:
    """A record as the front matter lists it."""

    title: str
    kind: str
    date: dt.date | None
    source: str | None
    file_name: str
    sha256: str
    pages: int
    """Pages it takes in the packet."""
    first_page: int = 0
    """Its first page in the packet (1-based); filled in once the front matter is known."""
    selection: str | None = None
    """The ``pages:`` selection, when only some pages are included."""
    original_pages: int = 0
    """Pages in the original file."""
    number: int = 0
    """Its number in the packet (1-based; 0: by position)."""
    note: str | None = None
    """A line for the records index (where the rest of a record cut across files is)."""
    resized: bool = False
    """Its pages are shown a little smaller, to make room for the band (a PDF record)."""


@dataclass(frozen=True)
class Part:
    """This file is volume ``number`` of ``count``; ``holds``: a line per volume."""

    number: int
    count: int
    holds: list[str]


@dataclass
class Link:
    """A contents row drawn at ``rect`` on front-matter page ``page`` (0-based)."""

    page: int
    rect: tuple[float, float, float, float]
    target: str
    """A section name, or ``record:N``."""


@dataclass
class FrontMatter:
    pdf: bytes
    pages: int
    starts: dict[str, int]
    """Each section's first page (0-based)."""
    links: list[Link]
    records: list[RecordEntry]


@dataclass
class _Styles:
    fonts: FontSet
    base: dict[str, ParagraphStyle] = field(default_factory=dict)

    def __post_init__(self) -> None:
        def style(name: str, **kw: Any) -> ParagraphStyle:
            kw.setdefault("fontName", REGULAR)
            kw.setdefault("fontSize", 10)
            kw.setdefault("leading", kw["fontSize"] * 1.35)
            kw.setdefault("textColor", INK)
            return ParagraphStyle(name, **kw)

        self.base = {
            "title": style("title", fontName=BOLD, fontSize=24, leading=30, textColor=ACCENT),
            "subtitle": style("subtitle", fontSize=12, textColor=MUTED, spaceAfter=18),
            "h1": style(
                "h1", fontName=BOLD, fontSize=16, leading=20, textColor=ACCENT, spaceAfter=10
            ),
            "h2": style(
                "h2",
                fontName=BOLD,
                fontSize=11.5,
                leading=15,
                textColor=ACCENT,
                spaceBefore=12,
                spaceAfter=4,
            ),
            "body": style("body", spaceAfter=4),
            "small": style("small", fontSize=8.5, textColor=MUTED),
            "cell": style("cell", fontSize=9, leading=11.5),
            "cellbold": style("cellbold", fontName=BOLD, fontSize=9, leading=11.5),
            "cellsm": style("cellsm", fontSize=8.5, leading=11),
            "head": style("head", fontName=BOLD, fontSize=8.5, leading=11, textColor=ACCENT),
            "mono": style("mono", fontName="Courier", fontSize=6.5, leading=8, textColor=MUTED),
            "label": style("label", fontSize=8.5, textColor=MUTED),
            "value": style("value", fontSize=10.5, leading=14),
            "notice": style("notice", fontSize=8.5, leading=11.5, textColor=INK),
            "urgent": style("urgent", fontName=BOLD, fontSize=10, textColor=URGENT),
            "toc": style("toc", fontSize=11, leading=16),
            "tocsub": style("tocsub", fontSize=9.5, leading=13, leftIndent=14),
            "tocnum": style("tocnum", fontSize=11, leading=16, alignment=TA_RIGHT),
            "tocsubnum": style("tocsubnum", fontSize=9.5, leading=13, alignment=TA_RIGHT),
        }

    def p(self, text: str | None, style: str = "body", bold: bool = False) -> Paragraph:
        body = self.fonts.markup(text or "")
        if bold:
            body = f"<b>{body}</b>"
        return Paragraph(body, self.base[style])

    def raw(self, markup: str, style: str = "body") -> Paragraph:
        return Paragraph(markup, self.base[style])


class _Anchor(Flowable):
    """An invisible mark: records the page a section starts on."""

    def __init__(self, name: str, starts: dict[str, int]) -> None:
        super().__init__()
        self.name, self.starts = name, starts
        self.width = self.height = 0

    def draw(self) -> None:
        self.starts[self.name] = self.canv.getPageNumber() - 1


class _LinkRow(Flowable):
    """A wrapped table row that remembers where it was drawn (for a link annotation)."""

    def __init__(self, table: Table, target: str, links: list[Link]) -> None:
        super().__init__()
        self.table, self.target, self.links = table, target, links

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        self.width, self.height = self.table.wrap(availWidth, availHeight)
        return self.width, self.height

    def draw(self) -> None:
        self.table.drawOn(self.canv, 0, 0)
        x0, y0 = self.canv.absolutePosition(0, 0)
        self.links.append(
            Link(
                self.canv.getPageNumber() - 1,
                (x0, y0, x0 + self.width, y0 + self.height),
                self.target,
            )
        )


def _date(value: Any) -> str:
    if value is None or value == "":
        return ""
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def _table(rows: list[list[Any]], widths: list[float], header: bool = True) -> Table:
    table = Table(rows, colWidths=widths, repeatRows=1 if header else 0, hAlign="LEFT")
    commands: list[tuple[Any, ...]] = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 5),
        ("RIGHTPADDING", (0, 0), (-1, -1), 5),
        ("TOPPADDING", (0, 0), (-1, -1), 3.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3.5),
        ("LINEBELOW", (0, 0), (-1, -1), 0.4, RULE),
    ]
    if header:
        commands += [
            ("BACKGROUND", (0, 0), (-1, 0), SHADE),
            ("LINEBELOW", (0, 0), (-1, 0), 0.8, ACCENT),
        ]
    table.setStyle(TableStyle(commands))
    return table


class Composer:
    """Builds the front matter and closing page for one packet."""

    def __init__(
        self,
        packet: Packet,
        packet_id: str,
        records: list[RecordEntry],
        fonts: FontSet,
        paper: str = "letter",
        prepared: dt.date | None = None,
        missing: list[str] | None = None,
        clinic: str | None = None,
        urgent: list[str] | None = None,
        part: Part | None = None,
        recompressed: bool = False,
    ) -> None:
        self.packet, self.packet_id, self.records = packet, packet_id, records
        self.s = _Styles(fonts)
        self.pagesize = PAPER[paper]
        self.prepared = prepared or dt.date.today()
        self.missing = missing or []
        self.urgent = urgent or []
        self.clinic = clinic
        self.part = part
        self.recompressed = recompressed
        self.width = self.pagesize[0] - 2 * MARGIN

    # --- the two passes ---------------------------------------------------------------

    def front_matter(self) -> FrontMatter:
        """Lay out the front matter with the right page numbers."""
        first = self._render(None)
        return self._render(first)

    def _render(self, previous: FrontMatter | None) -> FrontMatter:
        starts: dict[str, int] = {}
        links: list[Link] = []
        records = self.records
        if previous is not None:
            page = previous.pages + 1
            records = []
            for r in self.records:
                records.append(_with_first_page(r, page))
                page += r.pages
        prev_starts = dict(previous.starts) if previous else {}
        if previous is not None:  # the closing page follows the last record
            prev_starts["closing"] = page - 1
        story = self._story(starts, links, records, prev_starts)
        pdf, pages = self._build(story)
        return FrontMatter(pdf, pages, starts, links, records)

    def _build(self, story: list[Any]) -> tuple[bytes, int]:
        buf = io.BytesIO()
        doc = SimpleDocTemplate(
            buf,
            pagesize=self.pagesize,
            leftMargin=MARGIN,
            rightMargin=MARGIN,
            topMargin=MARGIN,
            bottomMargin=MARGIN * 0.8,
            title="Second-opinion packet",
            author="",
            subject="",
            creator="sopacket",
            producer="sopacket",
            invariant=1,
        )
        pages = [0]

        def count(canvas: Any, _doc: Any) -> None:
            pages[0] = canvas.getPageNumber()

        doc.build(story, onFirstPage=count, onLaterPages=count)
        return buf.getvalue(), pages[0]

    # --- the story --------------------------------------------------------------------

    def _story(
        self,
        starts: dict[str, int],
        links: list[Link],
        records: list[RecordEntry],
        prev: dict[str, int],
    ) -> list[Any]:
        story: list[Any] = []
        sections: list[tuple[str, Callable[..., list[Any]]]] = [
            ("cover", lambda: self._cover()),
            ("contents", lambda: self._contents(links, records, prev)),
            ("summary", lambda: self._summary()),
            ("questions", lambda: self._questions()),
            ("medications", lambda: self._medications()),
            ("index", lambda: self._index(records)),
        ]
        for n, (name, make) in enumerate(sections):
            if n:
                story.append(PageBreak())
            story.append(_Anchor(name, starts))
            story.extend(make())
        return story

    def _heading(self, name: str) -> list[Any]:
        return [self.s.p(SECTION_TITLES[name], "h1")]

    def _cover(self) -> list[Any]:
        """The cover: the title, notices about the parts and urgent symptoms, who the
        patient is, what is asked, what is missing, and the confidentiality notice."""
        reviewer = _provider(self.packet.request.reviewing_provider)
        subtitle = f"Prepared for review by {reviewer}" if reviewer else "Prepared for review"
        out: list[Any] = [
            Spacer(1, 0.3 * inch),
            self.s.p("Second-opinion packet", "title"),
            self.s.p(subtitle, "subtitle"),
            *self._part_notice(),
            *self._urgent_notice(),
            self._box(self._patient_rows()),
            Spacer(1, 14),
            self._box(self._request_rows()),
        ]
        if self.missing:
            out += [
                Spacer(1, 12),
                self._callout(
                    "Incomplete packet. These checklist items were still missing when it was "
                    "prepared: " + "; ".join(self.missing) + ".",
                    URGENT,
                    URGENT_BG,
                ),
            ]
        out += [
            Spacer(1, 18),
            self._callout(
                "CONFIDENTIAL. This document contains personal health information. It is "
                "intended only for the clinicians reviewing this second-opinion request. If "
                "you received it in error, please delete it and tell the sender.",
                ACCENT,
                SHADE,
            ),
        ]
        return out

    def _part_notice(self) -> list[Any]:
        """For one part of a packet cut to fit a size limit: which part, and what each holds."""
        part = self.part
        if not part:
            return []
        return [
            self._callout(
                f"Part {part.number} of {part.count}. To fit the upload size limit, this "
                f"packet is in {part.count} files, all opened with the same password. Each "
                "has this cover, its own contents and records index. The parts hold:",
                ACCENT,
                SHADE,
            ),
            _table([[self.s.p(line, "cell")] for line in part.holds], [self.width], False),
            Spacer(1, 12),
        ]

    def _urgent_notice(self) -> list[Any]:
        if not self.urgent:
            return []
        return [
            self._callout(
                "URGENT SYMPTOMS REPORTED: " + "; ".join(self.urgent) + ". The patient "
                "marked these as urgent. Urgent symptoms need in-person care now; the "
                "patient was advised not to wait for this review.",
                URGENT,
                URGENT_BG,
            ),
            Spacer(1, 12),
        ]

    def _patient_rows(self) -> list[list[Any]]:
        p, s = self.packet, self.s
        rows = [
            [s.p("Patient", "label"), s.p(p.patient.name, "value", bold=True)],
            [s.p("Date of birth", "label"), s.p(_date(p.patient.date_of_birth), "value")],
            [s.p("Packet", "label"), s.p(self.packet_id, "value")],
        ]
        if p.patient.language:
            rows.append([s.p("Language", "label"), s.p(p.patient.language, "value")])
        contact = ", ".join(x for x in (p.patient.phone, p.patient.email) if x)
        if contact:
            rows.append([s.p("Contact", "label"), s.p(contact, "value")])
        if p.companion and p.companion.name:
            who = p.companion.name + (
                f" ({p.companion.relationship})" if p.companion.relationship else ""
            )
            rows.append([s.p("Companion", "label"), s.p(who, "value")])
        return rows

    def _request_rows(self) -> list[list[Any]]:
        req, s = self.packet.request, self.s
        rows = [
            [s.p("Reason for the second opinion", "label"), s.p(req.reason, "value")],
            [s.p("Specialty", "label"), s.p((req.specialty or "").capitalize(), "value")],
        ]
        for label, provider in (
            ("Treating provider", req.treating_provider),
            ("Reviewing provider", req.reviewing_provider),
        ):
            if provider:
                rows.append([s.p(label, "label"), s.p(_provider(provider, contact=True), "value")])
        if req.visit and (req.visit.mode or req.visit.date):
            visit = ", ".join(
                x for x in (VISIT_LABELS.get(req.visit.mode or "", ""), _date(req.visit.date)) if x
            )
            rows.append([s.p("Visit", "label"), s.p(visit, "value")])
        rows.append([s.p("Prepared", "label"), s.p(_date(self.prepared), "value")])
        if self.clinic:
            rows.append([s.p("Prepared with", "label"), s.p(self.clinic, "value")])
        return rows

    def _box(self, rows: list[list[Any]]) -> Table:
        table = Table(rows, colWidths=[1.75 * inch, self.width - 1.75 * inch], hAlign="LEFT")
        table.setStyle(
            TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LINEBELOW", (0, 0), (-1, -2), 0.4, RULE),
                    ("BOX", (0, 0), (-1, -1), 0.8, RULE),
                    ("TOPPADDING", (0, 0), (-1, -1), 5),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
                    ("LEFTPADDING", (0, 0), (-1, -1), 8),
                ]
            )
        )
        return table

    def _callout(self, text: str | list[str], border: Any, background: Any) -> Table:
        lines = [text] if isinstance(text, str) else text
        table = Table([[[self.s.p(line, "notice") for line in lines]]], colWidths=[self.width])
        table.setStyle(
            TableStyle(
                [
                    ("BOX", (0, 0), (-1, -1), 1, border),
                    ("BACKGROUND", (0, 0), (-1, -1), background),
                    ("LEFTPADDING", (0, 0), (-1, -1), 10),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 10),
                    ("TOPPADDING", (0, 0), (-1, -1), 8),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 8),
                ]
            )
        )
        return table

    def _contents(
        self, links: list[Link], records: list[RecordEntry], prev: dict[str, int]
    ) -> list[Any]:
        s = self.s
        out = self._heading("contents")
        num_w = 0.6 * inch

        def row(text: str, page: int | None, target: str, style: str) -> _LinkRow:
            number = str(page) if page else "0"
            table = Table(
                [[s.p(text, style), s.p(number, style + "num")]],
                colWidths=[self.width - num_w, num_w],
            )
            table.setStyle(
                TableStyle(
                    [
                        ("LINEBELOW", (0, 0), (-1, -1), 0.3, RULE),
                        ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                        ("LEFTPADDING", (0, 0), (-1, -1), 2),
                        ("RIGHTPADDING", (0, 0), (-1, -1), 2),
                    ]
                )
            )
            return _LinkRow(table, target, links)

        for name in SECTIONS[2:]:  # the cover and this page need no entry
            page = prev.get(name)
            out.append(
                row(SECTION_TITLES[name], page + 1 if page is not None else None, name, "toc")
            )
        out.append(Spacer(1, 8))
        out.append(s.p("Records", "h2"))
        for n, r in enumerate(records):
            label = f"{r.number or n + 1}. {r.title}"
            detail = " · ".join(x for x in (KIND_LABELS.get(r.kind, r.kind), _date(r.date)) if x)
            out.append(row(f"{label}  ({detail})", r.first_page or None, f"record:{n}", "tocsub"))
        if not records:
            out.append(s.p("No records are attached.", "body"))
        out.append(Spacer(1, 8))
        closing = prev.get("closing")
        out.append(
            row(
                SECTION_TITLES["closing"],
                closing + 1 if closing is not None else None,
                "closing",
                "toc",
            )
        )
        return out

    def _summary(self) -> list[Any]:
        p, s = self.packet, self.s
        out = self._heading("summary")
        out += [s.p("Diagnosis under review", "h2"), s.p(p.request.diagnosis or "Not provided.")]
        out += [s.p("Current treatment plan", "h2"), s.p(p.request.current_plan or "Not provided.")]
        out.append(s.p("Other conditions and history", "h2"))
        conditions = p.condition_list()
        if p.conditions is None:
            out.append(s.p("Not provided."))
        elif not conditions:
            out.append(s.p("None reported."))
        else:
            rows = [[s.p("Condition", "head"), s.p("Since", "head")]]
            rows += [[s.p(c.name, "cell"), s.p(_date(c.since), "cell")] for c in conditions]
            out.append(_table(rows, [self.width - 1.4 * inch, 1.4 * inch]))
        out.append(s.p("Allergies", "h2"))
        if p.allergies is None:
            out.append(s.p("Not provided."))
        elif not p.allergies:
            out.append(s.p("No known allergies.", bold=True))
        else:
            rows = [[s.p("Substance", "head"), s.p("Reaction", "head")]]
            rows += [[s.p(a.substance, "cellbold"), s.p(a.reaction, "cell")] for a in p.allergies]
            out.append(_table(rows, [self.width * 0.4, self.width * 0.6]))
        out.append(s.p("Current symptoms", "h2"))
        if not p.symptoms:
            out.append(s.p("None reported."))
        else:
            rows = [[s.p("Symptom", "head"), s.p("Since", "head"), s.p("Urgent", "head")]]
            urgent_rows = []
            for n, sym in enumerate(p.symptoms, start=1):
                style = "urgent" if sym.urgent else "cell"
                rows.append(
                    [
                        s.p(sym.text, style),
                        s.p(_date(sym.since), "cell"),
                        s.p("URGENT" if sym.urgent else "no", style),
                    ]
                )
                if sym.urgent:
                    urgent_rows.append(n)
            table = _table(rows, [self.width - 2.4 * inch, 1.3 * inch, 1.1 * inch])
            for n in urgent_rows:
                table.setStyle(TableStyle([("BACKGROUND", (0, n), (-1, n), URGENT_BG)]))
            out.append(table)
        if p.notes:
            out += [s.p("Notes from the patient", "h2"), s.p(p.notes)]
        return out

    def _questions(self) -> list[Any]:
        s = self.s
        out = self._heading("questions")
        questions = self.packet.question_list()
        if not questions:
            return [*out, s.p("No questions were listed.")]
        out.append(s.p("Listed with the most important first.", "small"))
        out.append(Spacer(1, 6))
        rows = [[s.p("#", "head"), s.p("Question", "head"), s.p("Priority", "head")]]
        for n, q in enumerate(questions, start=1):
            style = "cellbold" if q.priority == "high" else "cell"
            rows.append(
                [s.p(str(n), "cell"), s.p(q.text, style), s.p(q.priority.capitalize(), style)]
            )
        out.append(_table(rows, [0.4 * inch, self.width - 1.3 * inch, 0.9 * inch]))
        return out

    def _medications(self) -> list[Any]:
        s = self.s
        out = self._heading("medications")
        meds = self.packet.medications
        if meds is None:
            return [*out, s.p("The medication list was not provided.")]
        if not meds:
            return [*out, s.p("The patient takes no medications.", bold=True)]
        heads = ["Medication", "Dose", "Frequency", "Route", "Reason", "Prescriber", "Since"]
        rows = [[s.p(h, "head") for h in heads]]
        for m in meds:
            rows.append(
                [
                    s.p(m.name, "cellbold"),
                    s.p(m.dose, "cellsm"),
                    s.p(m.frequency, "cellsm"),
                    s.p(m.route, "cellsm"),
                    s.p(m.reason, "cellsm"),
                    s.p(m.prescriber, "cellsm"),
                    s.p(_date(m.since), "cellsm"),
                ]
            )
        w = self.width
        out.append(
            _table(rows, [w * 0.19, w * 0.11, w * 0.15, w * 0.13, w * 0.17, w * 0.14, w * 0.11])
        )
        return out

    def _index(self, records: list[RecordEntry]) -> list[Any]:
        s = self.s
        out = self._heading("index")
        if not records:
            return [*out, s.p("No records are attached.")]
        out.append(
            s.p(
                "Each record follows in this order. The SHA-256 fingerprint identifies "
                "the original file exactly." + _resized_line(records),
                "small",
            )
        )
        out.append(Spacer(1, 6))
        rows = [
            [
                s.p("#", "head"),
                s.p("Record", "head"),
                s.p("Pages", "head"),
                s.p("Original file", "head"),
            ]
        ]
        for n, r in enumerate(records, start=1):
            meta = " · ".join(
                x for x in (KIND_LABELS.get(r.kind, r.kind), _date(r.date), r.source or "") if x
            )
            if r.selection:
                meta += f" · only pages {r.selection} of its {r.original_pages}"
            if r.note:
                meta += f" · {r.note}"
            pages = (
                (
                    f"{r.first_page}–{r.first_page + r.pages - 1}"
                    if r.pages > 1
                    else str(r.first_page)
                )
                if r.first_page
                else ""
            )
            if r.selection:
                pages += (
                    f"<br/><font size=7>original pages {r.selection} of {r.original_pages}</font>"
                )
            sha = r.sha256[:32] + "<br/>" + r.sha256[32:]
            rows.append(
                [
                    s.p(str(r.number or n), "cell"),
                    [s.p(r.title, "cellbold"), s.p(meta, "small")],
                    s.p(pages, "cell"),
                    [s.p(r.file_name, "cell"), s.raw(sha, "mono")],
                ]
            )
        w = self.width
        out.append(_table(rows, [0.35 * inch, w * 0.43, 0.95 * inch, w * 0.57 - 1.3 * inch]))
        return out

    # --- closing page -----------------------------------------------------------------

    def closing(self) -> bytes:
        s = self.s
        story: list[Any] = [_Anchor("closing", {}), *self._heading("closing")]
        paragraphs = [
            (
                "What this packet is",
                "The patient (or someone helping them) gathered these records, the medication "
                "list and their questions, and assembled them into this packet with sopacket so "
                "that the reviewing clinician has everything in one place. The records are "
                + (
                    "reproduced as received, except that some images were stored at a lower "
                    "resolution to fit an upload size limit (the records index says which); "
                    if self.recompressed
                    else "reproduced as received; "
                )
                + "PDF records' pages are shown a few percent smaller so that the "
                "identification band at the foot of each page covers nothing; "
                + "their SHA-256 fingerprints (of the original files) are listed in the records "
                "index, and a machine-readable manifest (manifest.json) is attached to this PDF.",
            ),
            (
                "What it is not",
                "This packet is a compilation of existing records and the patient's own notes. "
                "It is not a diagnosis, and nothing added by sopacket is medical advice. Some "
                "questions may need a physical examination or new tests that a remote review "
                "cannot provide.",
            ),
            (
                "If symptoms are urgent",
                "A second opinion takes time. Anyone with severe, new or rapidly worsening "
                "symptoms should not wait for it: they should contact their own doctor at once, "
                "or call their local emergency number.",
            ),
            (
                "After the review",
                "Compare the advice with the current care plan and discuss any new "
                "recommendations with the treating doctor. Follow up on suggested tests or "
                "referrals. If the two opinions differ, asking both doctors to explain their "
                "reasoning often helps.",
            ),
        ]
        for title, text in paragraphs:
            story += [s.p(title, "h2"), s.p(text)]
        story += [
            Spacer(1, 16),
            s.p(
                f"Packet {self.packet_id}"
                + (f" · part {self.part.number} of {self.part.count}" if self.part else "")
                + f" · prepared {_date(self.prepared)} with sopacket",
                "small",
            ),
        ]
        pdf, _ = self._build([KeepTogether(story)])
        return pdf


def _with_first_page(r: RecordEntry, page: int) -> RecordEntry:
    from dataclasses import replace

    return replace(r, first_page=page)


def _provider(p: Any, contact: bool = False) -> str:
    if p is None:
        return ""
    parts = [x for x in (p.name, p.facility) if x]
    text = ", ".join(parts)
    if contact:
        extra = [x for x in (getattr(p, "phone", None), getattr(p, "email", None)) if x]
        if extra:
            text += (" · " if text else "") + ", ".join(extra)
    return text


def _resized_line(records: list[RecordEntry]) -> str:
    """The index's one sentence on the records whose pages are shown a little smaller."""
    numbers = sorted({r.number for r in records if r.resized})
    if not numbers:
        return ""
    which = (
        "all records"
        if len(numbers) == len({r.number for r in records})
        else f"record {numbers[0]}"
        if len(numbers) == 1
        else "records " + ", ".join(map(str, numbers[:-1])) + f" and {numbers[-1]}"
    )
    return (
        f" The pages of {which} are shown about 3 % smaller and centred, so that the "
        "identification band at the foot of each page covers nothing."
    )
