"""Generate the record files of sopacket's batch example (five fictional patients).

Writes each patient's records into ``examples/batch/<slug>/records/`` (or under the
directory given as the first argument):

* ``cardiology-richard-roe/``     resting ECG with rhythm strip, echocardiogram report,
  lipid and kidney panel, cardiology consultation note
* ``orthopedics-mary-major/``     standing knee X-ray report, knee arthroscopy operative
  report, orthopedic clinic note
* ``neurology-sam-sample/``       brain MRI report, routine EEG report (with a trace
  excerpt), neurology clinic note
* ``general-alex-example/``       liver and metabolic blood tests, abdominal ultrasound
  report, primary care visit note
* ``oncology-erika-mustermann/``  colectomy pathology report (with its molecular
  addendum), staging CT report, blood count and CEA, oncology consultation note

EVERYTHING IS FICTIONAL. The patients, their record numbers, the doctors, the
facilities, their addresses and phone numbers (555-01xx) and every clinical value are
made up for demonstration and testing; every page is marked "FICTIONAL EXAMPLE — not a
real patient". Nothing here is medical advice.

The letterhead, styles and tables come from ``make_example_records.py`` (imported, not
changed). The output is deterministic: running the script twice produces byte-identical
files (reportlab's invariant mode, no clocks, seeded random generators).

Usage (from the repository root)::

    python examples/make_batch_records.py [OUTPUT_DIR]
"""

from __future__ import annotations

import argparse
import importlib.util
import math
import random
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from itertools import pairwise
from pathlib import Path
from types import ModuleType
from typing import ClassVar

from reportlab.lib import colors
from reportlab.lib.units import inch, mm
from reportlab.platypus import Flowable, PageBreak, Paragraph, Spacer, Table

HERE = Path(__file__).resolve().parent
DEFAULT_OUTPUT_DIR = HERE / "batch"


def _load_example_helpers() -> ModuleType:
    """Import make_example_records.py (a script beside this one, not a package)."""
    spec = importlib.util.spec_from_file_location(
        "make_example_records", HERE / "make_example_records.py"
    )
    if spec is None or spec.loader is None:  # pragma: no cover - the file ships with us
        raise ImportError("examples/make_example_records.py not found")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while defining
    spec.loader.exec_module(module)
    return module


_ex = _load_example_helpers()
Facility = _ex.Facility
Styles = _ex.Styles
Signature = _ex.Signature
FICTION_NOTICE = _ex.FICTION_NOTICE
CONTENT_WIDTH = _ex.CONTENT_WIDTH
heading = _ex.heading
paragraphs = _ex.paragraphs
bullets = _ex.bullets
info_box = _ex.info_box
grid_table = _ex.grid_table
tint = _ex.tint


# ---------------------------------------------------------------------------
# Patients and document scaffolding
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Patient:
    name: str  # as printed on records: "ROE, RICHARD"
    display: str  # "Richard Roe"
    dob: str
    sex: str

    def age_on(self, day: str) -> int:
        born, on = date.fromisoformat(self.dob), date.fromisoformat(day)
        return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


class BatchDoc(_ex.RecordDoc):
    """The example's record layout, for any patient."""

    def __init__(
        self, path: Path, facility, title: str, patient: Patient, mrn: str, pages: int
    ) -> None:
        super().__init__(path, facility, title, mrn, pages)
        self.patient = patient
        self.title = f"{title} \u2014 {patient.display} (fictional)"
        self.creator = "sopacket examples/make_batch_records.py"

    def _later_page(self, canv, doc) -> None:
        f = self.facility
        regular, bold, _ = _ex.FONT_FAMILIES[f.font]
        y = _ex.PAGE_HEIGHT - 0.6 * inch
        canv.saveState()
        canv.setFillColor(f.color)
        canv.setFont(bold, 10)
        canv.drawString(_ex.MARGIN, y, f.name)
        canv.setFillColor(colors.black)
        canv.setFont(regular, 8)
        who = f"{self.patient.name}   MRN {self.mrn}   DOB {self.patient.dob}"
        text = f"{who}   {self.record_title} (continued)"
        room = _ex.CONTENT_WIDTH - canv.stringWidth(f.name, bold, 10) - 12
        if canv.stringWidth(text, regular, 8) > room:
            text = f"{who}   (continued)"
        canv.drawRightString(_ex.PAGE_WIDTH - _ex.MARGIN, y, text)
        canv.setStrokeColor(f.color)
        canv.setLineWidth(0.75)
        canv.line(_ex.MARGIN, y - 6, _ex.PAGE_WIDTH - _ex.MARGIN, y - 6)
        canv.restoreState()
        self._footer(canv)


def patient_box(
    s, patient: Patient, mrn: str, on: str, *extra: tuple[str, str], id_label: str = "MRN"
) -> Table:
    pairs = [
        ("Patient", f"<b>{patient.name}</b>"),
        (id_label, mrn),
        ("Date of birth", f"{patient.dob} (age {patient.age_on(on)})"),
        ("Sex", patient.sex),
        *extra,
    ]
    return info_box(s, pairs)


def results_table(s, results: list[tuple[str, str, str, str, str]], color: colors.Color) -> Table:
    """Test / result / flag / units / reference range, flags in red."""
    rows = []
    for test, value, flag, units, ref in results:
        if flag:
            value = f"<b>{value}</b>"
            flag = f'<font color="#B00020"><b>{flag}</b></font>'
        rows.append([test, value, flag, units, ref])
    header = ["Test", "Result", "Flag", "Units", "Reference range"]
    return grid_table(s, header, rows, [0.36, 0.13, 0.09, 0.2, 0.22], color)


def section(s, title: str, *texts: str) -> list[Flowable]:
    return [heading(s, title), *paragraphs(s, *texts)]


# ---------------------------------------------------------------------------
# Drawn traces (an ECG rhythm strip, an EEG excerpt)
# ---------------------------------------------------------------------------

ECG_PINK = colors.HexColor("#F6C9C9")
ECG_PINK_MAJOR = colors.HexColor("#E89A9A")


def _gauss(t: float, centre: float, width: float, height: float) -> float:
    return height * math.exp(-(((t - centre) / width) ** 2))


def _ecg_beat(t: float) -> float:
    """One beat (mV) at t seconds after its start: P, QRS with tall R (LVH), strained T."""
    return (
        _gauss(t, 0.10, 0.025, 0.14)
        - _gauss(t, 0.235, 0.010, 0.12)
        + _gauss(t, 0.255, 0.012, 2.1)
        - _gauss(t, 0.280, 0.011, 0.45)
        - _gauss(t, 0.470, 0.055, 0.18)
        + _gauss(t, 0.560, 0.040, 0.05)
    )


class EcgStrip(Flowable):
    """A lead II rhythm strip on ECG paper: 25 mm/s, 10 mm/mV (drawn at 3/4 size)."""

    SCALE = 0.75

    def __init__(self, seconds: float, rr: tuple[float, ...], label: str) -> None:
        super().__init__()
        self.seconds = seconds
        self.rr = rr
        self.label = label
        self.width = seconds * 25 * mm * self.SCALE
        self.height = 40 * mm * self.SCALE

    def wrap(self, avail_width, avail_height):
        return self.width, self.height

    def draw(self) -> None:
        c = self.canv
        unit = mm * self.SCALE
        c.saveState()
        c.setLineWidth(0.25)
        columns, rows = round(self.width / unit), round(self.height / unit)
        for major, color in ((False, ECG_PINK), (True, ECG_PINK_MAJOR)):
            c.setStrokeColor(color)
            c.lines(
                [
                    (round(i * unit, 2), 0, round(i * unit, 2), self.height)
                    for i in range(columns + 1)
                    if (i % 5 == 0) == major
                ]
                + [
                    (0, round(j * unit, 2), self.width, round(j * unit, 2))
                    for j in range(rows + 1)
                    if (j % 5 == 0) == major
                ]
            )
        baseline = 12 * unit
        # Calibration pulse: 1 mV for 0.2 s.
        c.setStrokeColor(colors.black)
        c.setLineWidth(0.7)
        top = baseline + 10 * unit
        pulse = [(0, baseline), (2 * unit, baseline), (2 * unit, top), (7 * unit, top)]
        pulse += [(7 * unit, baseline), (9 * unit, baseline)]
        c.lines([(*a, *b) for a, b in pairwise(pulse)])
        beats, start = [], 0.45
        for rr in self.rr * 20:
            beats.append(start)
            start += rr
            if start > self.seconds:
                break
        # Sample finely around each QRS, coarsely elsewhere; drop the points inside a
        # flat run of the baseline (its ends are kept), to keep the file small.
        points: list[tuple[float, float]] = []
        t, step = 9 / 25, 0.004  # the trace starts after the calibration pulse
        while t <= self.seconds:
            v = sum(_ecg_beat(t - b) for b in beats if -0.05 < t - b < 0.8)
            points.append((round(t * 25 * unit, 1), round(baseline + v * 10 * unit, 1)))
            t += step if any(0.18 < t - b < 0.33 for b in beats) else 4 * step
        kept = [
            p
            for i, p in enumerate(points)
            if i in (0, len(points) - 1) or not (points[i - 1][1] == p[1] == points[i + 1][1])
        ]
        path = c.beginPath()
        path.moveTo(*kept[0])
        for p in kept[1:]:
            path.lineTo(*p)
        c.drawPath(path, stroke=1, fill=0)
        c.setFont("Helvetica-Bold", 7)
        c.drawString(10 * unit, self.height - 4 * unit, self.label)
        c.setFont("Helvetica", 6.5)
        c.drawRightString(
            self.width - 2 * unit, self.height - 4 * unit, "25 mm/s   10 mm/mV   0.05\u2013150 Hz"
        )
        c.restoreState()


class EegExcerpt(Flowable):
    """A few seconds of a bipolar montage, with left temporal sharp waves marked."""

    CHANNELS = ("Fp1-F7", "F7-T7", "T7-P7", "P7-O1", "Fp2-F8", "F8-T8", "T8-P8", "P8-O2")
    SPIKE_CHANNELS: ClassVar[dict[str, float]] = {"Fp1-F7": -0.5, "F7-T7": 1.0, "T7-P7": -0.7}

    def __init__(self, seconds: float, spikes: tuple[float, ...], seed: int) -> None:
        super().__init__()
        self.seconds = seconds
        self.spikes = spikes
        self.seed = seed
        self.width = CONTENT_WIDTH
        self.height = 14 * len(self.CHANNELS) + 16

    def wrap(self, avail_width, avail_height):
        return self.width, self.height

    def draw(self) -> None:
        c = self.canv
        rng = random.Random(self.seed)
        left = 44
        span = self.width - left
        c.saveState()
        c.setStrokeColor(colors.HexColor("#DDDDDD"))
        c.setLineWidth(0.4)
        for second in range(int(self.seconds) + 1):
            x = left + span * second / self.seconds
            c.line(x, 12, x, self.height)
        c.setFont("Helvetica", 6)
        c.setFillColor(colors.HexColor("#555555"))
        for second in range(int(self.seconds) + 1):
            c.drawCentredString(left + span * second / self.seconds, 3, f"{second} s")
        c.setStrokeColor(colors.HexColor("#B00020"))
        for spike in self.spikes:
            x = left + span * spike / self.seconds
            c.line(x, 12, x, self.height)
        c.setLineWidth(0.5)
        for row, name in enumerate(self.CHANNELS):
            y0 = self.height - 10 - row * 14
            c.setFillColor(colors.black)
            c.setFont("Helvetica", 6.5)
            c.drawString(0, y0 - 2, name)
            phase = rng.uniform(0, 2 * math.pi)
            alpha = 1.0 if row % 4 == 3 else 0.5
            gain = self.SPIKE_CHANNELS.get(name, 0.0)
            path = c.beginPath()
            n = 240
            for k in range(n + 1):
                t = self.seconds * k / n
                v = alpha * math.sin(2 * math.pi * 9.5 * t + phase)
                v += 0.35 * math.sin(2 * math.pi * 5.5 * t + 2 * phase)
                v += rng.uniform(-0.25, 0.25)
                if name in ("F7-T7", "T7-P7") and 3.2 < t < 4.6:
                    v += 0.9 * math.sin(2 * math.pi * 5.0 * t)  # focal theta
                for spike in self.spikes:
                    v += gain * (_gauss(t, spike, 0.03, 3.2) - _gauss(t, spike + 0.12, 0.09, 0.9))
                x = round(left + span * t / self.seconds, 1)
                y = round(y0 + 2.4 * v, 1)
                if k == 0:
                    path.moveTo(x, y)
                else:
                    path.lineTo(x, y)
            c.setStrokeColor(colors.HexColor("#1A237E"))
            c.drawPath(path, stroke=1, fill=0)
        c.restoreState()


# ---------------------------------------------------------------------------
# 1. Cardiology: Richard Roe, severe aortic stenosis
# ---------------------------------------------------------------------------

ROE = Patient("ROE, RICHARD", "Richard Roe", "1957-03-08", "Male")
CEDAR_VALLEY = Facility(
    name="Cedar Valley Heart Institute",
    department="Cardiology and Non-invasive Cardiac Imaging",
    address="900 Orchard Avenue, Cedar Valley, MN 55920",
    phone="Tel (555) 555-0111  \u00b7  Fax (555) 555-0112",
    monogram="CV",
    color=colors.HexColor("#9B1B30"),
)
PRAIRIE_LAB = Facility(
    name="Prairie Regional Laboratory",
    department="Clinical Chemistry and Hematology",
    address="31 Depot Street, Cedar Valley, MN 55921",
    phone="Tel (555) 555-0114  \u00b7  Fax (555) 555-0115",
    monogram="PL",
    color=colors.HexColor("#2E7D32"),
)
ROE_MRN = "CVH-3308175"


def make_roe_ecg(path: Path) -> None:
    s = Styles(CEDAR_VALLEY)
    doc = BatchDoc(path, CEDAR_VALLEY, "Resting 12-lead ECG", ROE, ROE_MRN, 1)
    story: list[Flowable] = [
        Paragraph("RESTING 12-LEAD ELECTROCARDIOGRAM (ECG)", s.title),
        patient_box(
            s,
            ROE,
            ROE_MRN,
            "2026-09-14",
            ("Recorded", "2026-09-14 08:52"),
            ("Ordering", "Priya Natarajan, MD, Cardiology"),
            ("Indication", "Systolic murmur; shortness of breath on exertion"),
            ("Device", "12-lead resting, 10 s acquisition"),
        ),
        heading(s, "Measurements"),
        grid_table(
            s,
            ["Rate", "PR", "QRS", "QT / QTc (Bazett)", "Axis P / QRS / T"],
            [["68 bpm", "176 ms", "98 ms", "396 / 421 ms", "52\u00b0 / -12\u00b0 / 118\u00b0"]],
            [0.16, 0.16, 0.16, 0.24, 0.28],
            CEDAR_VALLEY.color,
        ),
        Spacer(1, 8),
        EcgStrip(9.4, (0.87, 0.89, 0.86, 0.90, 0.88), "II  (rhythm strip)"),
        Spacer(1, 4),
        Paragraph(
            "Rhythm strip reproduced at reduced size. The full 12-lead tracing is available "
            "from the Cedar Valley Heart Institute ECG archive on request.",
            s.small,
        ),
        heading(s, "Interpretation"),
        *bullets(
            s,
            "Normal sinus rhythm, 68 beats per minute.",
            "<b>Left ventricular hypertrophy by voltage criteria</b> (Sokolow-Lyon "
            "SV1 + RV5 = 41 mm; Cornell 27 mm) with secondary ST-T changes in I, aVL, "
            "V5 and V6 (strain pattern).",
            "Normal PR and QRS intervals. No pathological Q waves. No acute ST elevation.",
        ),
        heading(s, "Comparison"),
        *paragraphs(
            s,
            "Compared with the ECG of 2024-10-02: the voltage criteria for left "
            "ventricular hypertrophy and the lateral ST-T changes are new.",
        ),
        heading(s, "Conclusion"),
        *paragraphs(
            s,
            "<b>Abnormal ECG:</b> sinus rhythm with left ventricular hypertrophy and "
            "repolarization abnormality. In the setting of a systolic murmur, correlate "
            "with echocardiography (requested for the same day).",
        ),
        Spacer(1, 4),
        Signature(
            s,
            "Priya Natarajan, MD",
            "Cardiologist, Cedar Valley Heart Institute",
            "Electronically signed 2026-09-14 10:05",
        ),
    ]
    doc.build_checked(story)


def make_roe_echo(path: Path) -> None:
    s = Styles(CEDAR_VALLEY)
    doc = BatchDoc(path, CEDAR_VALLEY, "Transthoracic Echocardiogram", ROE, ROE_MRN, 1)
    c = CEDAR_VALLEY.color
    story: list[Flowable] = [
        Paragraph("TRANSTHORACIC ECHOCARDIOGRAM (TTE) REPORT", s.title),
        patient_box(
            s,
            ROE,
            ROE_MRN,
            "2026-09-14",
            ("Study date", "2026-09-14 11:20"),
            ("Height / weight", "178 cm / 86 kg (BSA 2.05 m\u00b2)"),
            ("Blood pressure", "142/78 mmHg, heart rate 66 bpm"),
            ("Image quality", "Good; no contrast agent"),
        ),
        *section(
            s,
            "Indication",
            "Grade 3/6 systolic murmur at the right upper sternal border; shortness of "
            "breath when climbing hills for about four months. Left ventricular "
            "hypertrophy on today's ECG.",
        ),
        heading(s, "Measurements"),
        grid_table(
            s,
            ["Measurement", "Value", "Normal", "Measurement", "Value", "Normal"],
            [
                [
                    "LV ejection fraction (biplane)",
                    "60%",
                    "52\u201372%",
                    "AV peak velocity",
                    "<b>4.3 m/s</b>",
                    "&lt; 2.5",
                ],
                [
                    "LV end-diastolic diameter",
                    "4.9 cm",
                    "4.2\u20135.8",
                    "AV mean gradient",
                    "<b>44 mmHg</b>",
                    "&lt; 20",
                ],
                [
                    "Septal wall (IVSd)",
                    "<b>1.4 cm</b>",
                    "0.6\u20131.0",
                    "AV area (continuity, VTI)",
                    "<b>0.8 cm\u00b2</b>",
                    "&gt; 2.0",
                ],
                [
                    "Posterior wall (PWd)",
                    "<b>1.3 cm</b>",
                    "0.6\u20131.0",
                    "AV area index",
                    "<b>0.39 cm\u00b2/m\u00b2</b>",
                    "&gt; 0.85",
                ],
                [
                    "LA volume index",
                    "<b>38 mL/m\u00b2</b>",
                    "&lt; 34",
                    "Dimensionless index",
                    "<b>0.23</b>",
                    "&gt; 0.50",
                ],
                ["E/e' (average)", "11", "&lt; 14", "Ascending aorta", "3.6 cm", "&lt; 3.8"],
                ["TAPSE", "2.1 cm", "&gt; 1.7", "RV systolic pressure", "32 mmHg", "&lt; 35"],
            ],
            [0.25, 0.11, 0.1, 0.24, 0.17, 0.13],
            c,
        ),
        *section(
            s,
            "Findings",
            "<b>Left ventricle:</b> normal size with concentric hypertrophy. Normal "
            "systolic function, no regional wall motion abnormality. Grade I diastolic "
            "dysfunction (impaired relaxation).",
            "<b>Aortic valve:</b> trileaflet, severely calcified with markedly reduced "
            "leaflet opening. High-gradient aortic stenosis (peak velocity 4.3 m/s, mean "
            "gradient 44 mmHg, valve area 0.8 cm\u00b2). Trace aortic regurgitation.",
            "<b>Mitral valve:</b> mild annular calcification, mild regurgitation. "
            "<b>Tricuspid and pulmonic valves:</b> structurally normal, trace tricuspid "
            "regurgitation. <b>Right ventricle:</b> normal size and function. "
            "<b>Pericardium:</b> no effusion.",
        ),
        heading(s, "Conclusion"),
        *bullets(
            s,
            "<b>Severe, high-gradient calcific aortic stenosis</b> of a trileaflet valve.",
            "Normal left ventricular size and systolic function (EF 60%), concentric "
            "hypertrophy, grade I diastolic dysfunction.",
            "Mildly enlarged left atrium; mild mitral regurgitation.",
            "Compared with 2024-10-08 (mean gradient 27 mmHg, valve area 1.2 cm\u00b2): "
            "progression from moderate to severe stenosis.",
        ),
        Spacer(1, 4),
        Signature(
            s,
            "Daniel Whitcombe, MD",
            "Echocardiography Laboratory, Cedar Valley Heart Institute",
            "Electronically signed 2026-09-14 15:41",
        ),
    ]
    doc.build_checked(story)


def make_roe_labs(path: Path) -> None:
    s = Styles(PRAIRIE_LAB)
    doc = BatchDoc(path, PRAIRIE_LAB, "Laboratory Report", ROE, "PRL-5512098", 1)
    story: list[Flowable] = [
        Paragraph("LABORATORY REPORT \u2014 LIPID PANEL AND KIDNEY FUNCTION", s.title),
        patient_box(
            s,
            ROE,
            "PRL-5512098",
            "2026-09-10",
            ("Accession", "P26-0910-0441"),
            ("Ordering", "Priya Natarajan, MD (Cedar Valley Heart Institute)"),
            ("Collected", "2026-09-10 07:35 (fasting 12 h)"),
            ("Reported", "2026-09-10 13:02 \u2014 FINAL"),
        ),
        heading(s, "Lipid panel"),
        results_table(
            s,
            [
                ("Cholesterol, total", "168", "", "mg/dL", "&lt; 200"),
                ("LDL cholesterol (calculated)", "86", "", "mg/dL", "&lt; 100"),
                ("HDL cholesterol", "44", "", "mg/dL", "&gt; 39"),
                ("Triglycerides", "190", "H", "mg/dL", "&lt; 150"),
                ("Non-HDL cholesterol", "124", "", "mg/dL", "&lt; 130"),
            ],
            PRAIRIE_LAB.color,
        ),
        heading(s, "Kidney function, electrolytes and glucose"),
        results_table(
            s,
            [
                ("Creatinine", "1.08", "", "mg/dL", "0.70\u20131.30"),
                ("eGFR (CKD-EPI 2021)", "73", "", "mL/min/1.73 m\u00b2", "&gt; 59"),
                ("Urea nitrogen (BUN)", "18", "", "mg/dL", "8\u201323"),
                ("Sodium", "140", "", "mmol/L", "135\u2013145"),
                ("Potassium", "4.4", "", "mmol/L", "3.5\u20135.1"),
                ("Glucose (fasting)", "104", "H", "mg/dL", "70\u201399"),
                ("Hemoglobin A1c", "5.8", "H", "%", "4.0\u20135.6"),
            ],
            PRAIRIE_LAB.color,
        ),
        heading(s, "Cardiac marker"),
        results_table(
            s,
            [("NT-proBNP", "310", "H", "pg/mL", "&lt; 125 (age &lt; 75)")],
            PRAIRIE_LAB.color,
        ),
        Spacer(1, 4),
        Paragraph(
            "Flags: <b>H</b> = above reference range. Reference ranges are for adult "
            "males and are specific to this laboratory. Results reviewed by the "
            "laboratory director: Helen Marsh, MD, PhD.",
            s.small,
        ),
    ]
    doc.build_checked(story)


def make_roe_consult(path: Path) -> None:
    s = Styles(CEDAR_VALLEY)
    doc = BatchDoc(path, CEDAR_VALLEY, "Cardiology Consultation", ROE, ROE_MRN, 1)
    story: list[Flowable] = [
        Paragraph("CARDIOLOGY CONSULTATION NOTE", s.title),
        patient_box(
            s,
            ROE,
            ROE_MRN,
            "2026-09-21",
            ("Visit date", "2026-09-21"),
            ("Visit type", "Follow-up consultation (in person)"),
            ("Provider", "Priya Natarajan, MD, Cardiology"),
            ("Referred by", "Oakbrook Family Clinic"),
        ),
        *section(
            s,
            "Reason for visit",
            "Review of echocardiogram and ECG; shortness of breath on exertion and a "
            "known heart murmur.",
        ),
        *section(
            s,
            "History of present illness",
            "Mr. Roe is a 69-year-old retired electrician with hypertension and high "
            "cholesterol. A murmur was first heard in 2022; the echocardiogram of "
            "2024-10-08 showed moderate aortic stenosis. Since about May 2026 he has "
            "become short of breath walking up the hill to his allotment and now stops "
            "once to rest. He has had no chest pain, fainting or near-fainting, "
            "palpitations, ankle swelling or breathlessness lying flat.",
            "Other history: hypertension since 2018 and high cholesterol since 2019; "
            "prediabetes. Medicines: amlodipine 5 mg daily (since 2018), atorvastatin "
            "40 mg at bedtime (since 2019), aspirin 81 mg daily (since 2022). No known "
            "drug allergies.",
            "ECG on 2026-09-14 shows sinus rhythm with left ventricular hypertrophy and "
            "strain. Echocardiogram the same day shows severe high-gradient aortic "
            "stenosis (mean gradient 44 mmHg, valve area 0.8 cm\u00b2) with normal "
            "ejection fraction. NT-proBNP 310 pg/mL.",
        ),
        *section(
            s,
            "Examination",
            "BP 144/80 mmHg, pulse 66 regular, SpO2 97% on room air, BMI 27. Grade 3/6 "
            "late-peaking systolic ejection murmur at the right upper sternal border, "
            "radiating to both carotids; soft second heart sound. Lungs clear. No "
            "peripheral edema.",
        ),
        heading(s, "Assessment"),
        *bullets(
            s,
            "<b>Severe symptomatic aortic stenosis</b> (NYHA class II), normal left "
            "ventricular function.",
            "Hypertension, fairly controlled. Hyperlipidemia on statin. Prediabetes (HbA1c 5.8%).",
            "Estimated surgical risk low (STS predicted mortality 1.4%).",
        ),
        heading(s, "Plan"),
        *bullets(
            s,
            "Aortic valve replacement is recommended now that symptoms have started. "
            "Given his age and low surgical risk, I recommend <b>surgical aortic valve "
            "replacement</b> with a tissue valve; referral to cardiac surgery "
            "(Dr. Okonjo).",
            "Coronary angiography before surgery. Dental review before valve surgery.",
            "Transcatheter valve replacement (TAVI) was discussed as an alternative; "
            "Mr. Roe would like a second opinion from a heart valve team before he "
            "decides. I fully support this and have sent the records.",
            "Meanwhile: avoid heavy exertion; report at once any chest pain, fainting "
            "or worsening breathlessness. Continue current medicines.",
        ),
        Spacer(1, 6),
        Signature(
            s,
            "Priya Natarajan, MD",
            "Cardiologist, Cedar Valley Heart Institute",
            "Electronically signed 2026-09-21 17:12",
        ),
        Spacer(1, 6),
        Paragraph(
            "cc: Oakbrook Family Clinic; Cardiac Surgery, Cedar Valley Heart Institute; "
            "the patient (copy requested for a second opinion).",
            s.small,
        ),
    ]
    doc.build_checked(story)


# ---------------------------------------------------------------------------
# 2. Orthopedics: Mary Major, right knee osteoarthritis after arthroscopy
# ---------------------------------------------------------------------------

MAJOR = Patient("MAJOR, MARY", "Mary Major", "1971-11-23", "Female")
GRANITE_RIDGE = Facility(
    name="Granite Ridge Orthopedics",
    department="Joint Preservation and Replacement",
    address="75 Quarry Road, Granite Ridge, WI 54900",
    phone="Tel (555) 555-0121  \u00b7  Fax (555) 555-0122",
    monogram="GR",
    color=colors.HexColor("#37474F"),
    font="Times",
)
GRANITE_SURGERY = Facility(
    name="Granite Ridge Surgery Center",
    department="Ambulatory Surgery \u2014 Orthopedics",
    address="77 Quarry Road, Granite Ridge, WI 54900",
    phone="Tel (555) 555-0123  \u00b7  Fax (555) 555-0124",
    monogram="GS",
    color=colors.HexColor("#1565C0"),
)
ELM_IMAGING = Facility(
    name="Elm Street Imaging",
    department="Musculoskeletal Radiology",
    address="410 Elm Street, Granite Ridge, WI 54901",
    phone="Tel (555) 555-0125  \u00b7  Fax (555) 555-0126",
    monogram="ES",
    color=colors.HexColor("#00838F"),
)
MAJOR_MRN = "GRO-118204"


def make_major_xray(path: Path) -> None:
    s = Styles(ELM_IMAGING)
    doc = BatchDoc(path, ELM_IMAGING, "Knee Radiographs", MAJOR, "ESI-2609031", 1)
    story: list[Flowable] = [
        Paragraph("STANDING RADIOGRAPHS OF BOTH KNEES", s.title),
        patient_box(
            s,
            MAJOR,
            "ESI-2609031",
            "2026-08-18",
            ("Exam date", "2026-08-18 10:10"),
            ("Accession", "ES-26-081822"),
            ("Referred by", "Nadia Brennan, MD (Granite Ridge Orthopedics)"),
            ("Views", "Standing AP, standing PA 45\u00b0 flexion, lateral, Merchant"),
        ),
        *section(
            s,
            "Clinical indication",
            "Right knee pain on the inner side, worse over the past year, 14 months "
            "after arthroscopic partial medial meniscectomy. Evaluate for arthritis.",
        ),
        *section(
            s,
            "Comparison",
            "Right knee radiographs of 2025-04-22 (before arthroscopy).",
        ),
        heading(s, "Findings"),
        grid_table(
            s,
            ["Compartment", "Right knee", "Left knee"],
            [
                [
                    "Medial tibiofemoral",
                    "<b>Bone-on-bone</b> on the flexed PA view (joint space 0\u20131 mm; "
                    "3 mm in 2025); subchondral sclerosis; marginal osteophytes",
                    "Mild narrowing (4 mm), small osteophytes",
                ],
                ["Lateral tibiofemoral", "Preserved (6 mm)", "Preserved (6 mm)"],
                ["Patellofemoral", "Mild narrowing laterally, small osteophytes", "Normal"],
                ["Alignment", "Varus, 7\u00b0 (standing AP)", "Neutral"],
                ["Other", "Small joint effusion. No fracture or loose body.", "No effusion"],
            ],
            [0.2, 0.45, 0.35],
            ELM_IMAGING.color,
        ),
        heading(s, "Impression"),
        *bullets(
            s,
            "<b>Right knee: severe medial compartment osteoarthritis</b> "
            "(Kellgren-Lawrence grade 4), progressed since 2025, with 7\u00b0 varus "
            "alignment and mild patellofemoral arthritis.",
            "Left knee: mild medial compartment osteoarthritis (Kellgren-Lawrence grade 2).",
        ),
        Spacer(1, 6),
        Signature(
            s,
            "Olufemi Adeyemi, MD",
            "Musculoskeletal Radiologist, Elm Street Imaging",
            "Electronically signed 2026-08-18 14:26",
        ),
    ]
    doc.build_checked(story)


def make_major_operative(path: Path) -> None:
    s = Styles(GRANITE_SURGERY)
    mrn = "GRS-0419-77"
    doc = BatchDoc(path, GRANITE_SURGERY, "Operative Report", MAJOR, mrn, 1)
    story: list[Flowable] = [
        Paragraph("OPERATIVE REPORT", s.title),
        patient_box(
            s,
            MAJOR,
            mrn,
            "2025-06-12",
            ("Date of surgery", "2025-06-12"),
            ("Surgeon", "Nadia Brennan, MD"),
            ("Assistant", "Karl Weiss, PA-C"),
            ("Anesthesia", "General (LMA), local infiltration; Ravi Menon, MD"),
        ),
        grid_table(
            s,
            ["", ""],
            [
                ["<b>Preoperative diagnosis</b>", "Right knee medial meniscus tear"],
                [
                    "<b>Postoperative diagnosis</b>",
                    "Complex degenerative tear, posterior horn and body of the right medial "
                    "meniscus; grade III chondral wear of the medial femoral condyle and "
                    "grade II of the medial tibial plateau (Outerbridge)",
                ],
                [
                    "<b>Procedure</b>",
                    "Right knee arthroscopy, partial medial meniscectomy, chondroplasty "
                    "of the medial femoral condyle",
                ],
                ["<b>Tourniquet</b>", "Not used"],
                ["<b>Blood loss / fluids</b>", "Minimal / 600 mL crystalloid"],
                ["<b>Complications</b>", "None"],
                ["<b>Specimens</b>", "None"],
            ],
            [0.27, 0.73],
            GRANITE_SURGERY.color,
        ),
        *section(
            s,
            "Indications",
            "53-year-old teacher with six months of medial right knee pain and catching "
            "despite physical therapy and anti-inflammatories. MRI of 2025-05-02 showed "
            "a complex tear of the posterior horn of the medial meniscus and early "
            "medial chondral wear. Risks, benefits and alternatives were discussed, "
            "including that arthroscopy may not relieve pain due to arthritis; she "
            "wished to proceed and signed the consent.",
        ),
        *section(
            s,
            "Description of procedure",
            "The patient was identified in the holding area and the right knee was "
            "marked. After general anesthesia and a preoperative antibiotic (cefazolin "
            "2 g IV), the right leg was prepped and draped in the usual sterile "
            "fashion. A time-out was performed. Standard anterolateral and anteromedial "
            "portals were made.",
            "<b>Findings:</b> suprapatellar pouch with mild synovitis. Patellofemoral "
            "joint with grade II softening of the lateral facet. Medial compartment: "
            "complex degenerative tear of the posterior horn extending into the body of "
            "the medial meniscus, with an unstable flap; grade III wear of the "
            "weight-bearing medial femoral condyle (about 15 x 12 mm) and grade II of "
            "the medial tibial plateau. Cruciate ligaments intact. Lateral compartment: "
            "normal meniscus and cartilage.",
            "The unstable meniscal tissue was resected with biters and a shaver back to "
            "a stable rim, preserving about 60% of the meniscus width. Loose chondral "
            "flaps on the medial femoral condyle were smoothed with the shaver. The "
            "knee was irrigated, the portals closed with nylon sutures, and 20 mL of "
            "0.25% bupivacaine injected. Sterile dressing and compression wrap applied.",
        ),
        *section(
            s,
            "Disposition",
            "Discharged home the same day, weight-bearing as tolerated with crutches as "
            "needed. Physical therapy from day 3. Follow-up in 2 weeks. The arthritic "
            "changes found were explained to the patient after surgery.",
        ),
        Signature(
            s,
            "Nadia Brennan, MD",
            "Orthopedic Surgeon, Granite Ridge Orthopedics",
            "Dictated 2025-06-12 13:40; signed 2025-06-13 08:15",
        ),
    ]
    doc.build_checked(story)


def make_major_note(path: Path) -> None:
    s = Styles(GRANITE_RIDGE)
    doc = BatchDoc(path, GRANITE_RIDGE, "Orthopedic Clinic Note", MAJOR, MAJOR_MRN, 1)
    story: list[Flowable] = [
        Paragraph("ORTHOPEDIC CLINIC NOTE", s.title),
        patient_box(
            s,
            MAJOR,
            MAJOR_MRN,
            "2026-08-25",
            ("Visit date", "2026-08-25"),
            ("Visit type", "Follow-up (in person)"),
            ("Provider", "Nadia Brennan, MD, Orthopedic Surgery"),
            ("Primary care", "Hillside Family Medicine"),
        ),
        *section(
            s,
            "Chief complaint",
            "Right knee pain on the inner side, worse over the past year.",
        ),
        *section(
            s,
            "History",
            "Ms. Major is a 54-year-old elementary school teacher. She had a right knee "
            "arthroscopic partial medial meniscectomy with chondroplasty on 2025-06-12. "
            "Catching resolved, but aching medial pain returned after about four months "
            "and has increased. She now has pain after 15 minutes of walking, on stairs "
            "and at night two or three times a week (5\u20137 out of 10). She stopped "
            "hiking with her family.",
            "Treatment so far: physical therapy (12 sessions, 2025, and a home "
            "program), ibuprofen and topical diclofenac 1% gel (since 2025-09), weight "
            "loss of 6 kg, and "
            "corticosteroid injections on 2025-11-04 and 2026-03-10, the second helping "
            "for only three weeks. She uses a cane on long walks.",
            "Other history: underactive thyroid since 2016, on levothyroxine 50 mcg every "
            "morning. Allergy: sulfa antibiotics (rash).",
        ),
        *section(
            s,
            "Examination",
            "Height 165 cm, weight 78 kg (BMI 28.7). Walks with a mild antalgic gait on "
            "the right. Right knee: healed portal scars, small effusion, visible varus, "
            "correctable only partly. Range of motion 3\u00b0 to 115\u00b0. Medial joint "
            "line tenderness. Ligaments stable to varus, valgus, Lachman and posterior "
            "drawer testing. Mild patellofemoral crepitus. Hip examination normal. "
            "Neurovascularly intact.",
        ),
        *section(
            s,
            "Imaging",
            "Standing radiographs of 2026-08-18 (Elm Street Imaging), reviewed with the "
            "patient: bone-on-bone right medial compartment, 7\u00b0 varus, mild lateral "
            "patellofemoral narrowing; lateral compartment preserved.",
        ),
        heading(s, "Assessment"),
        *bullets(
            s,
            "<b>End-stage medial compartment osteoarthritis of the right knee</b>, "
            "progressed after arthroscopic partial medial meniscectomy (2025).",
            "Conservative treatment tried and no longer effective.",
        ),
        heading(s, "Plan"),
        *bullets(
            s,
            "Recommended: <b>right total knee replacement</b>. Because of the "
            "patellofemoral changes I do not favor a partial (medial unicompartmental) "
            "knee replacement in her case.",
            "Risks discussed: infection, blood clots, stiffness, persistent pain, "
            "implant wear, and the need for an intensive 6\u201312 week rehabilitation. "
            "Expected return to classroom work at 8\u201312 weeks.",
            "Ms. Major asked whether a partial knee replacement or a realignment "
            "osteotomy could be an option and would like a second opinion before "
            "deciding. Records released at her request. Surgery not yet scheduled.",
            "Meanwhile continue home exercises, cane for longer walks, topical "
            "diclofenac as needed.",
        ),
        Spacer(1, 6),
        Signature(
            s,
            "Nadia Brennan, MD",
            "Orthopedic Surgeon, Granite Ridge Orthopedics",
            "Electronically signed 2026-08-25 18:02",
        ),
    ]
    doc.build_checked(story)


# ---------------------------------------------------------------------------
# 3. Neurology: Sam Sample, new focal epilepsy
# ---------------------------------------------------------------------------

SAMPLE = Patient("SAMPLE, SAM", "Sam Sample", "1994-06-30", "Male")
BAYVIEW = Facility(
    name="Bayview Community Hospital",
    department="Department of Radiology \u2014 Neuroradiology",
    address="2 Harbor Street, Bayview, OR 97000",
    phone="Tel (555) 555-0131  \u00b7  Fax (555) 555-0132",
    monogram="BV",
    color=colors.HexColor("#283593"),
)
BAYVIEW_EEG = Facility(
    name="Bayview Community Hospital",
    department="Clinical Neurophysiology (EEG) Laboratory",
    address="2 Harbor Street, Bayview, OR 97000",
    phone="Tel (555) 555-0136  \u00b7  Fax (555) 555-0137",
    monogram="BV",
    color=colors.HexColor("#283593"),
)
BAYVIEW_NEURO = Facility(
    name="Bayview Neurology Associates",
    department="General Neurology and Epilepsy Clinic",
    address="18 Lighthouse Lane, Suite 4, Bayview, OR 97001",
    phone="Tel (555) 555-0138  \u00b7  Fax (555) 555-0139",
    monogram="BN",
    color=colors.HexColor("#6A1B9A"),
)
SAMPLE_MRN = "BCH-7740218"


def make_sample_mri(path: Path) -> None:
    s = Styles(BAYVIEW)
    doc = BatchDoc(path, BAYVIEW, "Brain MRI Report", SAMPLE, SAMPLE_MRN, 1)
    story: list[Flowable] = [
        Paragraph("MRI BRAIN WITHOUT AND WITH CONTRAST \u2014 EPILEPSY PROTOCOL", s.title),
        patient_box(
            s,
            SAMPLE,
            SAMPLE_MRN,
            "2026-05-06",
            ("Exam date", "2026-05-06 16:45"),
            ("Accession", "BV-MR-26-05061"),
            ("Ordering", "Lena Park, MD (Bayview Neurology Associates)"),
            ("Contrast", "Gadoterate 15 mL IV; no reaction"),
        ),
        *section(
            s,
            "Clinical indication",
            "31-year-old man with a first generalized convulsive seizure on 2026-04-18, "
            "preceded by a rising abdominal sensation. No prior imaging.",
        ),
        *section(
            s,
            "Technique",
            "3.0 T. Sagittal 3D T1, 3D FLAIR and 3D T2; coronal high-resolution T2 and "
            "FLAIR perpendicular to the hippocampal long axis; axial diffusion, "
            "susceptibility-weighted imaging; post-contrast 3D T1. No comparison.",
        ),
        *section(
            s,
            "Findings",
            "<b>Hippocampi:</b> the left hippocampus is mildly smaller than the right, "
            "with increased T2/FLAIR signal and loss of the normal internal "
            "architecture of the head and body. The right hippocampus is normal. The "
            "left fornix and mammillary body are slightly smaller than the right.",
            "<b>Cortex and white matter:</b> no cortical malformation, mass, or area of "
            "abnormal enhancement. No restricted diffusion. No blood products on "
            "susceptibility imaging. Two tiny nonspecific white matter foci in the right "
            "frontal lobe, within normal limits for age.",
            "<b>Ventricles, extra-axial spaces, vessels:</b> normal. "
            "<b>Orbits, sinuses, mastoids:</b> unremarkable.",
        ),
        heading(s, "Impression"),
        *bullets(
            s,
            "<b>Findings suggestive of left mesial temporal (hippocampal) "
            "sclerosis.</b> Correlation with EEG and clinical features is recommended.",
            "No tumor, vascular malformation, or acute abnormality.",
        ),
        Spacer(1, 6),
        Signature(
            s,
            "Aaron Feldstein, MD",
            "Neuroradiologist, Bayview Community Hospital",
            "Electronically signed 2026-05-06 19:30",
        ),
    ]
    doc.build_checked(story)


def make_sample_eeg(path: Path) -> None:
    s = Styles(BAYVIEW_EEG)
    doc = BatchDoc(path, BAYVIEW_EEG, "EEG Report", SAMPLE, SAMPLE_MRN, 1)
    story: list[Flowable] = [
        Paragraph("ROUTINE ELECTROENCEPHALOGRAM (EEG) REPORT", s.title),
        patient_box(
            s,
            SAMPLE,
            SAMPLE_MRN,
            "2026-05-20",
            ("Study date", "2026-05-20 09:15"),
            ("EEG number", "E26-0388"),
            ("Ordering", "Lena Park, MD (Bayview Neurology Associates)"),
            ("Medication", "Levetiracetam 500 mg twice daily"),
        ),
        *section(
            s,
            "Technique",
            "Digital EEG, 21 electrodes placed by the international 10\u201320 system, "
            "with ECG. 34 minutes recorded awake and in drowsiness after partial sleep "
            "deprivation. Hyperventilation for 3 minutes and photic stimulation "
            "(1\u201330 Hz) performed.",
        ),
        *section(
            s,
            "Description",
            "<b>Background:</b> well-organized, symmetric 9.5 Hz posterior dominant "
            "rhythm, reactive to eye opening. Normal anterior-posterior gradient.",
            "<b>Abnormalities:</b> (1) intermittent 5\u20136 Hz theta slowing over the "
            "left temporal region (F7, T7), up to 10% of the recording; (2) "
            "<b>sharp waves over the left anterior temporal region</b>, maximal at F7/T7, "
            "seen 14 times, mostly in drowsiness. No right-sided abnormality.",
            "<b>Activation:</b> hyperventilation produced mild diffuse slowing; photic "
            "stimulation produced symmetric driving without epileptiform response.",
            "<b>Events:</b> none. No clinical or electrographic seizures recorded.",
        ),
        heading(s, "Excerpt (longitudinal bipolar montage, drowsy)"),
        EegExcerpt(6.0, (1.35, 4.05), seed=2026),
        Paragraph(
            "Left anterior temporal sharp waves marked in red, phase reversal at "
            "F7-T7 / T7-P7. 30 mm/s, 7 \u00b5V/mm, reproduced at reduced size.",
            s.small,
        ),
        heading(s, "Interpretation"),
        *paragraphs(
            s,
            "<b>Abnormal EEG</b> because of left anterior temporal sharp waves and "
            "intermittent left temporal slowing. These findings indicate focal cortical "
            "irritability and dysfunction in the left temporal region and are "
            "consistent with a tendency to focal seizures arising there. No seizures "
            "were recorded.",
        ),
        Signature(
            s,
            "Maria Lindgren, MD",
            "Clinical Neurophysiologist, Bayview Community Hospital",
            "Electronically signed 2026-05-21 11:05",
        ),
    ]
    doc.build_checked(story)


def make_sample_note(path: Path) -> None:
    s = Styles(BAYVIEW_NEURO)
    mrn = "BNA-40931"
    doc = BatchDoc(path, BAYVIEW_NEURO, "Neurology Clinic Note", SAMPLE, mrn, 1)
    story: list[Flowable] = [
        Paragraph("NEUROLOGY CLINIC NOTE", s.title),
        patient_box(
            s,
            SAMPLE,
            mrn,
            "2026-07-16",
            ("Visit date", "2026-07-16"),
            ("Visit type", "Follow-up after second seizure (in person)"),
            ("Provider", "Lena Park, MD, Neurology"),
            ("Primary care", "Bayview Health Partners"),
        ),
        *section(
            s,
            "History",
            "Mr. Sample is a 32-year-old software tester. On 2026-04-18 he had a first "
            "convulsive seizure at home, witnessed by his partner: a rising feeling in "
            "the stomach, then staring and lip-smacking for about 30 seconds, then "
            "stiffening and jerking of all limbs for about a minute, with confusion for "
            "20 minutes afterwards and a bitten tongue. Emergency department tests "
            "(blood count, electrolytes, glucose, CT head) were normal.",
            "On review he describes, since about 2025, brief spells (1\u20132 a month) of "
            "the same rising stomach feeling with a strong sense of d\u00e9j\u00e0 vu, "
            "lasting under a minute, without losing awareness. Febrile convulsion at "
            "age 2 (1996). No head injury. No family history of epilepsy.",
            "MRI (2026-05-06) suggests left hippocampal sclerosis; EEG (2026-05-20) "
            "shows left anterior temporal sharp waves. Levetiracetam was started on "
            "2026-05-08. On 2026-07-02 he had a second convulsive seizure after a "
            "night of poor sleep. Since the dose was increased, he and his partner "
            "notice irritability and low mood.",
        ),
        *section(
            s,
            "Examination",
            "Alert, fully oriented, speech and language normal. Cranial nerves "
            "normal. Normal tone, power, reflexes and coordination; plantar responses "
            "flexor. Mood subjectively low, no thoughts of self-harm.",
        ),
        heading(s, "Assessment"),
        *bullets(
            s,
            "<b>Focal epilepsy of left temporal lobe origin</b>, focal aware seizures "
            "(d\u00e9j\u00e0 vu) and focal to bilateral tonic-clonic seizures, "
            "probably due to left mesial temporal sclerosis.",
            "Breakthrough seizure on levetiracetam 500 mg twice daily, provoked by "
            "sleep loss; mood side effects.",
        ),
        heading(s, "Plan"),
        *bullets(
            s,
            "Increase levetiracetam to 750 mg twice daily for now. If mood worsens, "
            "switch to lamotrigine with a slow titration.",
            "Seizure diary; regular sleep; limit alcohol. Seizure first aid discussed "
            "with his partner.",
            "Driving: he must not drive; state rules explained (seizure-free interval "
            "required). He has informed his employer and works from home.",
            "If seizures continue despite two medicines, referral to a comprehensive "
            "epilepsy center for video-EEG monitoring and evaluation for surgery.",
            "Mr. Sample has asked for a second opinion from an epilepsy specialist "
            "now; I support this and have released the records.",
        ),
        Spacer(1, 6),
        Signature(
            s,
            "Lena Park, MD",
            "Neurologist, Bayview Neurology Associates",
            "Electronically signed 2026-07-16 18:40",
        ),
    ]
    doc.build_checked(story)


# ---------------------------------------------------------------------------
# 4. General: Alex Example, fatty liver disease found on blood tests
# ---------------------------------------------------------------------------

EXAMPLE = Patient("EXAMPLE, ALEX", "Alex Example", "1980-02-14", "Female")
WILLOW_CREEK = Facility(
    name="Willow Creek Family Medicine",
    department="Primary Care and Internal Medicine",
    address="5 Willow Creek Road, Fernbrook, IA 50000",
    phone="Tel (555) 555-0151  \u00b7  Fax (555) 555-0152",
    monogram="WC",
    color=colors.HexColor("#4E6E1E"),
    font="Times",
)
FERNBROOK_IMAGING = Facility(
    name="Fernbrook Diagnostic Imaging",
    department="Ultrasound Department",
    address="260 Main Street, Fernbrook, IA 50001",
    phone="Tel (555) 555-0153  \u00b7  Fax (555) 555-0154",
    monogram="FD",
    color=colors.HexColor("#00695C"),
)
EXAMPLE_MRN = "WCF-002614"


def make_example_labs(path: Path) -> None:
    s = Styles(PRAIRIE_LAB)
    doc = BatchDoc(path, PRAIRIE_LAB, "Laboratory Report", EXAMPLE, "PRL-5530712", 1)
    color = PRAIRIE_LAB.color
    story: list[Flowable] = [
        Paragraph("LABORATORY REPORT \u2014 FINAL", s.title),
        patient_box(
            s,
            EXAMPLE,
            "PRL-5530712",
            "2026-08-20",
            ("Accession", "P26-0820-0977"),
            ("Ordering", "Grace Holloway, MD (Willow Creek Family Medicine)"),
            ("Collected", "2026-08-20 08:05 (fasting 10 h)"),
            ("Reported", "2026-08-21 10:40 \u2014 FINAL"),
        ),
        heading(s, "Liver panel"),
        results_table(
            s,
            [
                ("ALT (SGPT)", "68", "H", "U/L", "7\u201335"),
                ("AST (SGOT)", "44", "H", "U/L", "10\u201335"),
                ("Gamma-glutamyl transferase (GGT)", "71", "H", "U/L", "6\u201342"),
                ("Alkaline phosphatase", "88", "", "U/L", "44\u2013121"),
                ("Bilirubin, total", "0.7", "", "mg/dL", "0.2\u20131.2"),
                ("Albumin", "4.4", "", "g/dL", "3.5\u20135.2"),
                ("Platelet count", "232", "", "x10E3/\u00b5L", "150\u2013400"),
                ("Hepatitis B surface antigen", "Non-reactive", "", "", "Non-reactive"),
                ("Hepatitis C antibody", "Non-reactive", "", "", "Non-reactive"),
                ("Ferritin", "180", "", "ng/mL", "15\u2013200"),
            ],
            color,
        ),
        heading(s, "Glucose and lipids"),
        results_table(
            s,
            [
                ("Glucose (fasting)", "112", "H", "mg/dL", "70\u201399"),
                ("Hemoglobin A1c", "6.0", "H", "%", "4.0\u20135.6"),
                ("Cholesterol, total", "221", "H", "mg/dL", "&lt; 200"),
                ("LDL cholesterol (calculated)", "142", "H", "mg/dL", "&lt; 100"),
                ("HDL cholesterol", "38", "L", "mg/dL", "&gt; 49"),
                ("Triglycerides", "205", "H", "mg/dL", "&lt; 150"),
            ],
            color,
        ),
        heading(s, "Kidney and thyroid"),
        results_table(
            s,
            [
                ("Creatinine", "0.78", "", "mg/dL", "0.57\u20131.00"),
                ("eGFR (CKD-EPI 2021)", "97", "", "mL/min/1.73 m\u00b2", "&gt; 59"),
                ("TSH", "2.1", "", "mIU/L", "0.4\u20134.0"),
            ],
            color,
        ),
        Spacer(1, 4),
        Paragraph(
            "Flags: <b>H</b> = above, <b>L</b> = below reference range. Calculated "
            "FIB-4 index (for the clinician): 1.06. Results reviewed by the laboratory "
            "director: Helen Marsh, MD, PhD.",
            s.small,
        ),
    ]
    doc.build_checked(story)


def make_example_ultrasound(path: Path) -> None:
    s = Styles(FERNBROOK_IMAGING)
    mrn = "FDI-881240"
    doc = BatchDoc(path, FERNBROOK_IMAGING, "Abdominal Ultrasound", EXAMPLE, mrn, 1)
    story: list[Flowable] = [
        Paragraph("ULTRASOUND OF THE ABDOMEN, COMPLETE", s.title),
        patient_box(
            s,
            EXAMPLE,
            mrn,
            "2026-08-27",
            ("Exam date", "2026-08-27 14:00"),
            ("Accession", "FD-US-26-4471"),
            ("Referred by", "Grace Holloway, MD (Willow Creek Family Medicine)"),
            ("Preparation", "Fasting 6 hours"),
        ),
        *section(
            s,
            "Clinical indication",
            "Raised liver enzymes (ALT 68, AST 44 U/L). Hepatitis B and C negative.",
        ),
        heading(s, "Findings"),
        grid_table(
            s,
            ["Organ", "Finding"],
            [
                [
                    "Liver",
                    "17.2 cm, diffusely increased echogenicity with posterior beam "
                    "attenuation and blurred hepatic and portal vein walls. Smooth surface. "
                    "No focal lesion.",
                ],
                ["Portal vein", "Patent, normal flow towards the liver, 11 mm"],
                [
                    "Gallbladder and bile ducts",
                    "No stones or wall thickening; common bile duct 4 mm",
                ],
                ["Pancreas", "Partly obscured by bowel gas; visible parts normal"],
                ["Spleen", "11.0 cm, normal"],
                ["Kidneys", "Right 11.2 cm, left 11.5 cm; normal, no hydronephrosis"],
                ["Other", "No ascites. Abdominal aorta normal caliber."],
            ],
            [0.25, 0.75],
            FERNBROOK_IMAGING.color,
        ),
        heading(s, "Impression"),
        *bullets(
            s,
            "<b>Moderate diffuse hepatic steatosis (fatty liver).</b> No focal liver "
            "lesion. Smooth liver surface.",
            "Normal spleen size; no ascites.",
            "Ultrasound cannot measure liver scarring (fibrosis); elastography may be "
            "considered if clinically indicated.",
        ),
        Spacer(1, 6),
        Signature(
            s,
            "Hannah Osei, MD",
            "Radiologist, Fernbrook Diagnostic Imaging",
            "Electronically signed 2026-08-27 16:55",
        ),
    ]
    doc.build_checked(story)


def make_example_note(path: Path) -> None:
    s = Styles(WILLOW_CREEK)
    doc = BatchDoc(path, WILLOW_CREEK, "Visit Note", EXAMPLE, EXAMPLE_MRN, 1)
    story: list[Flowable] = [
        Paragraph("OFFICE VISIT NOTE", s.title),
        patient_box(
            s,
            EXAMPLE,
            EXAMPLE_MRN,
            "2026-09-08",
            ("Visit date", "2026-09-08"),
            ("Visit type", "Results review (in person)"),
            ("Provider", "Grace Holloway, MD, Family Medicine"),
            ("Insurance", "Cornfield Mutual Health (fictional)"),
        ),
        *section(
            s,
            "Reason for visit",
            "Review of raised liver tests found at an employer health screening, and of "
            "the abdominal ultrasound.",
        ),
        *section(
            s,
            "History",
            "Ms. Example is a 46-year-old accountant, feeling well. No abdominal pain, "
            "jaundice or itching. Alcohol: 1\u20132 glasses of wine a week. No "
            "supplements or herbal products. Weight gain of 9 kg over 5 years; mostly "
            "desk-bound. Her father had cirrhosis (cause unknown to her) and type 2 "
            "diabetes.",
            "Other history: prediabetes and high cholesterol, not treated with medicines; "
            "two cesarean births (2012 and 2015). She takes no regular medicines. "
            "Allergy: codeine (nausea and vomiting).",
        ),
        *section(
            s,
            "Examination",
            "BP 134/86 mmHg, BMI 31.4, waist 98 cm. No signs of chronic liver disease. "
            "Abdomen soft, liver edge not palpable, no splenomegaly.",
        ),
        *section(
            s,
            "Results",
            "2026-08-20: ALT 68, AST 44, GGT 71 U/L; bilirubin, albumin and platelets "
            "normal; hepatitis B and C negative; ferritin 180 ng/mL; HbA1c 6.0%; LDL "
            "142, triglycerides 205 mg/dL. FIB-4 1.06. Ultrasound 2026-08-27: moderate "
            "fatty liver, no focal lesion, normal spleen.",
        ),
        heading(s, "Assessment"),
        *bullets(
            s,
            "<b>Metabolic dysfunction-associated steatotic liver disease (MASLD)</b>, "
            "fatty liver with raised enzymes; FIB-4 suggests low risk of advanced "
            "fibrosis.",
            "Prediabetes. Raised LDL cholesterol and triglycerides. Obesity (class I). "
            "Blood pressure borderline.",
        ),
        heading(s, "Plan"),
        *bullets(
            s,
            "Lifestyle: aim for 7\u201310% weight loss over 12 months, 150 minutes of "
            "activity a week, Mediterranean-style diet. Referral to the dietitian.",
            "Repeat liver tests, HbA1c and lipids in 6 months.",
            "Discussed starting atorvastatin for her cholesterol; she is worried it may "
            "harm her liver and will decide after a second opinion.",
            "Given her father's history, she would like a specialist to advise whether "
            "a liver stiffness test (elastography) is needed now. Records released.",
        ),
        Spacer(1, 4),
        Signature(
            s,
            "Grace Holloway, MD",
            "Family Physician, Willow Creek Family Medicine",
            "Electronically signed 2026-09-08 17:20",
        ),
    ]
    doc.build_checked(story)


# ---------------------------------------------------------------------------
# 5. Oncology: Erika Mustermann, stage III colon cancer after surgery
# ---------------------------------------------------------------------------

MUSTERMANN = Patient("MUSTERMANN, ERIKA", "Erika Mustermann", "1962-09-05", "Female")
NORTHGATE = Facility(
    name="Northgate General Hospital",
    department="Department of Pathology",
    address="1200 Northgate Boulevard, Pine Hollow, VT 05000",
    phone="Tel (555) 555-0163  \u00b7  Fax (555) 555-0164",
    monogram="NG",
    color=colors.HexColor("#0D47A1"),
)
NORTHGATE_RADIOLOGY = Facility(
    name="Northgate General Hospital",
    department="Department of Radiology \u2014 Body Imaging",
    address="1200 Northgate Boulevard, Pine Hollow, VT 05000",
    phone="Tel (555) 555-0165  \u00b7  Fax (555) 555-0166",
    monogram="NG",
    color=colors.HexColor("#0D47A1"),
)
NORTHGATE_LAB = Facility(
    name="Northgate General Hospital",
    department="Laboratory Medicine",
    address="1200 Northgate Boulevard, Pine Hollow, VT 05000",
    phone="Tel (555) 555-0167  \u00b7  Fax (555) 555-0168",
    monogram="NG",
    color=colors.HexColor("#0D47A1"),
)
NORTHGATE_CANCER = Facility(
    name="Northgate Cancer Clinic",
    department="Medical Oncology and Infusion Center",
    address="1220 Northgate Boulevard, Suite 300, Pine Hollow, VT 05000",
    phone="Tel (555) 555-0169  \u00b7  Fax (555) 555-0170",
    monogram="NC",
    color=colors.HexColor("#8A3B12"),
    font="Times",
)
MUSTERMANN_MRN = "NGH-6025517"


def make_mustermann_pathology(path: Path) -> None:
    s = Styles(NORTHGATE)
    doc = BatchDoc(path, NORTHGATE, "Surgical Pathology Report", MUSTERMANN, MUSTERMANN_MRN, 2)
    color = NORTHGATE.color
    story: list[Flowable] = [
        Paragraph("SURGICAL PATHOLOGY REPORT", s.title),
        patient_box(
            s,
            MUSTERMANN,
            MUSTERMANN_MRN,
            "2026-08-24",
            ("Accession", "S26-08812"),
            ("Procedure date", "2026-08-19"),
            ("Surgeon", "Thomas Brandt, MD, Colorectal Surgery"),
            ("Reported", "2026-08-24 16:10"),
        ),
        heading(s, "Final diagnosis"),
        Paragraph("<b>COLON, RIGHT, LAPAROSCOPIC RIGHT HEMICOLECTOMY:</b>", s.body),
        *bullets(
            s,
            "<b>INVASIVE ADENOCARCINOMA, moderately differentiated</b>, ascending colon, 4.2 cm.",
            "Tumor invades through the muscularis propria into pericolic fat (<b>pT3</b>).",
            "<b>Metastatic carcinoma in 3 of 24 lymph nodes (pN1b)</b>; no tumor deposits.",
            "Lymphovascular invasion present; perineural invasion not identified.",
            "All margins negative (radial margin 1.6 cm).",
            "Mismatch repair proteins retained by immunohistochemistry; see page 2.",
        ),
        heading(s, "Synoptic summary (CAP colon resection)"),
        grid_table(
            s,
            ["Element", "Finding"],
            [
                ["Procedure", "Right hemicolectomy (laparoscopic)"],
                ["Tumor site", "Ascending colon, 6 cm distal to the ileocecal valve"],
                ["Histologic type / grade", "Adenocarcinoma / G2 (low grade)"],
                ["Tumor size", "4.2 x 3.5 x 1.1 cm"],
                ["Tumor extent", "Into pericolic adipose tissue"],
                ["Tumor budding", "Low (score 3, one hotspot)"],
                ["Lymph nodes", "3 positive of 24 examined"],
                ["Margins", "Proximal, distal and radial negative"],
                ["Pathologic stage (AJCC 8th)", "<b>pT3 pN1b</b> (stage IIIB with M0)"],
            ],
            [0.35, 0.65],
            color,
        ),
        heading(s, "Gross description"),
        *paragraphs(
            s,
            'Received fresh, labeled with the patient\'s name and "right colon", is a '
            "segment of terminal ileum (8 cm), cecum with appendix and ascending colon "
            "(22 cm) with attached mesentery. 6 cm distal to the ileocecal valve there "
            "is an ulcerated, circumferential tan-white mass, 4.2 x 3.5 cm, with a "
            "firm cut surface extending into the pericolic fat. The remaining mucosa is "
            "unremarkable. Representative sections submitted in A1\u2013A18; all lymph "
            "nodes submitted (A19\u2013A30). (Gross: JP)",
        ),
        PageBreak(),
        heading(s, "Microscopic description"),
        *paragraphs(
            s,
            "Sections show a moderately differentiated adenocarcinoma forming "
            "irregular, cribriform and fused glands with dirty necrosis, arising in "
            "association with a tubulovillous adenoma at its edge. The tumor invades "
            "through the muscularis propria into the pericolic adipose tissue to a depth "
            "of 4 mm beyond the muscle; the serosal surface is free. Lymphovascular "
            "invasion is seen in extramural vessels (D2-40 and CD31 confirm). Three "
            "pericolic lymph nodes contain metastatic carcinoma (largest deposit 6 mm, "
            "no extranodal extension); 21 lymph nodes are negative. The ileum, appendix "
            "and the proximal and distal margins are free of tumor.",
        ),
        heading(s, "Ancillary studies"),
        grid_table(
            s,
            ["Test (immunohistochemistry, block A4)", "Result"],
            [
                ["MLH1", "Retained nuclear expression"],
                ["PMS2", "Retained nuclear expression"],
                ["MSH2", "Retained nuclear expression"],
                ["MSH6", "Retained nuclear expression"],
                ["Interpretation", "<b>Mismatch repair proficient (pMMR)</b>"],
            ],
            [0.5, 0.5],
            color,
        ),
        heading(s, "Addendum \u2014 molecular studies (2026-09-02)"),
        grid_table(
            s,
            ["Test (block A4, tumor content 60%)", "Result"],
            [
                ["Microsatellite instability (PCR, 5 markers)", "<b>Stable (MSS)</b>"],
                ["KRAS (exons 2, 3, 4)", "<b>c.35G&gt;A p.G12D detected</b> (VAF 31%)"],
                ["NRAS (exons 2, 3, 4)", "Not detected (wild type)"],
                ["BRAF V600E", "Not detected (wild type)"],
                ["HER2 (ERBB2) amplification", "Not detected"],
            ],
            [0.5, 0.5],
            color,
        ),
        *paragraphs(
            s,
            "Sequencing (52-gene panel) and MSI testing performed at Helix Molecular "
            "Diagnostics, reference laboratory, report HMD-26-30418. Interpretation: "
            "microsatellite-stable, mismatch repair proficient adenocarcinoma with a KRAS "
            "G12D mutation; NRAS and BRAF wild type. These results do not suggest Lynch "
            "syndrome.",
        ),
        heading(s, "Comment"),
        *paragraphs(
            s,
            "The case was reviewed at the gastrointestinal tumor board on 2026-08-26. "
            "Intradepartmental consultation: Dr. Martin Yee concurs with the diagnosis.",
        ),
        Spacer(1, 6),
        Signature(
            s,
            "Judith Palmer, MD",
            "Pathologist, Northgate General Hospital",
            "Signed 2026-08-24 16:10; addendum signed 2026-09-02 10:45",
        ),
    ]
    doc.build_checked(story)


def make_mustermann_ct(path: Path) -> None:
    s = Styles(NORTHGATE_RADIOLOGY)
    doc = BatchDoc(
        path,
        NORTHGATE_RADIOLOGY,
        "CT Chest, Abdomen and Pelvis",
        MUSTERMANN,
        MUSTERMANN_MRN,
        1,
    )
    story: list[Flowable] = [
        Paragraph("CT CHEST, ABDOMEN AND PELVIS WITH CONTRAST", s.title),
        patient_box(
            s,
            MUSTERMANN,
            MUSTERMANN_MRN,
            "2026-08-05",
            ("Exam date", "2026-08-05 11:30"),
            ("Accession", "NG-CT-26-15520"),
            ("Ordering", "Thomas Brandt, MD, Colorectal Surgery"),
            ("Contrast", "Iohexol 90 mL IV, oral contrast; no reaction"),
        ),
        *section(
            s,
            "Clinical indication",
            "Staging of adenocarcinoma of the ascending colon found at colonoscopy on "
            "2026-07-29 (iron-deficiency anemia).",
        ),
        *section(
            s,
            "Technique and comparison",
            "Helical CT of the chest, abdomen and pelvis in the portal venous phase, "
            "2.5 mm slices with coronal and sagittal reconstructions. No prior CT.",
        ),
        *section(
            s,
            "Findings",
            "<b>Colon:</b> irregular circumferential wall thickening of the mid "
            "ascending colon over 4.5 cm, with stranding of the adjacent fat, in keeping "
            "with the known tumor. No bowel obstruction or perforation.",
            "<b>Lymph nodes:</b> three pericolic lymph nodes up to 8 mm short axis near "
            "the tumor. No enlarged retroperitoneal or pelvic nodes.",
            "<b>Liver:</b> no focal lesion; a 6 mm cyst in segment 7. <b>Lungs:</b> a "
            "3 mm solid nodule in the right lower lobe, nonspecific, most likely benign. "
            "No pleural effusion. <b>Other:</b> no ascites, no peritoneal nodules. "
            "Adrenals, pancreas, spleen and kidneys unremarkable. Mild degenerative "
            "changes of the lumbar spine.",
        ),
        heading(s, "Impression"),
        *bullets(
            s,
            "Known ascending colon cancer with pericolic fat stranding "
            "(<b>radiological T3</b>) and small pericolic lymph nodes, suspicious for "
            "nodal involvement.",
            "<b>No evidence of distant metastasis.</b>",
            "3 mm right lower lobe nodule, indeterminate but probably benign; attention "
            "at surveillance CT.",
        ),
        Spacer(1, 6),
        Signature(
            s,
            "Sofia Marchetti, MD",
            "Radiologist, Northgate General Hospital",
            "Electronically signed 2026-08-05 15:02",
        ),
    ]
    doc.build_checked(story)


def make_mustermann_consult(path: Path) -> None:
    s = Styles(NORTHGATE_CANCER)
    mrn = MUSTERMANN_MRN
    doc = BatchDoc(path, NORTHGATE_CANCER, "Oncology Consultation", MUSTERMANN, mrn, 1)
    story: list[Flowable] = [
        Paragraph("MEDICAL ONCOLOGY \u2014 CONSULTATION NOTE", s.title),
        patient_box(
            s,
            MUSTERMANN,
            mrn,
            "2026-09-22",
            ("Visit date", "2026-09-22"),
            ("Visit type", "New patient (in person, with daughter)"),
            ("Provider", "Rebecca Stone, MD, Medical Oncology"),
            ("Referred by", "Thomas Brandt, MD, Colorectal Surgery"),
        ),
        *section(
            s,
            "Reason for consultation",
            "Adjuvant treatment after resection of stage III colon cancer.",
        ),
        *section(
            s,
            "History",
            "Mrs. Mustermann is a 64-year-old retired bookkeeper. Iron-deficiency anemia "
            "found in July 2026 led to a colonoscopy on 2026-07-29, which showed a "
            "circumferential mass in the ascending colon (biopsy: adenocarcinoma). "
            "Staging CT on 2026-08-05 showed no distant spread; CEA 6.8 ng/mL. She had a "
            "laparoscopic right hemicolectomy on 2026-08-19 and went home on day 4.",
            "Pathology: moderately differentiated adenocarcinoma, 4.2 cm, pT3 pN1b (3 of "
            "24 nodes), lymphovascular invasion present, margins negative; pMMR / MSS, "
            "KRAS G12D, NRAS and BRAF wild type. Postoperative CEA 2.1 ng/mL.",
            "She is recovering well, walking daily, eating normally; some tiredness. "
            "ECOG performance status 0\u20131. No numbness or tingling in hands or feet.",
        ),
        *section(
            s,
            "Other history",
            "High blood pressure since 2017, on ramipril 5 mg daily. Also takes ferrous "
            "sulfate 325 mg every other day (since 2026-08) and vitamin D3 1000 IU daily. "
            "No diabetes, heart or kidney disease. Never smoked. Family: no known "
            "colorectal or uterine cancer.",
        ),
        heading(s, "Assessment"),
        *bullets(
            s,
            "<b>Adenocarcinoma of the ascending colon, pT3 pN1b M0, stage IIIB</b>, "
            "completely resected; microsatellite stable.",
            "Recovering well from surgery; mild anemia (hemoglobin 11.4 g/dL) on iron.",
            "3 mm lung nodule on CT, probably benign; to be followed on surveillance CT.",
        ),
        heading(s, "Plan"),
        *bullets(
            s,
            "Recommended: <b>adjuvant FOLFOX for 6 months</b> (12 cycles every 2 "
            "weeks), starting in mid-October after port placement.",
            "We discussed that for some lower-risk stage III cancers (T1\u20133, N1), "
            "3 months of CAPOX is an accepted alternative with less nerve damage. Given "
            "lymphovascular invasion, I lean towards the longer course; she would like a "
            "second opinion first, which I welcome.",
            "DPYD genotype normal. Port placement requested. Chemotherapy teaching visit "
            "with the oncology nurse.",
            "Surveillance after treatment: CEA every 3\u20136 months, CT every 6\u201312 "
            "months for 5 years, colonoscopy at 1 year.",
        ),
        Spacer(1, 4),
        Signature(
            s,
            "Rebecca Stone, MD",
            "Medical Oncologist, Northgate Cancer Clinic",
            "Electronically signed 2026-09-22 18:30",
        ),
    ]
    doc.build_checked(story)


def make_mustermann_labs(path: Path) -> None:
    s = Styles(NORTHGATE_LAB)
    doc = BatchDoc(path, NORTHGATE_LAB, "Laboratory Report", MUSTERMANN, MUSTERMANN_MRN, 1)
    color = NORTHGATE_LAB.color
    story: list[Flowable] = [
        Paragraph("LABORATORY REPORT \u2014 FINAL", s.title),
        patient_box(
            s,
            MUSTERMANN,
            MUSTERMANN_MRN,
            "2026-09-15",
            ("Accession", "L26-0915-2210"),
            ("Ordering", "Rebecca Stone, MD (Northgate Cancer Clinic)"),
            ("Collected", "2026-09-15 08:20"),
            ("Reported", "2026-09-15 12:45"),
        ),
        heading(s, "Complete blood count"),
        results_table(
            s,
            [
                ("White blood cell count", "6.8", "", "x10E3/\u00b5L", "4.0\u201311.0"),
                ("Hemoglobin", "11.4", "L", "g/dL", "12.0\u201315.5"),
                ("MCV", "81.2", "", "fL", "80.0\u2013100.0"),
                ("Platelet count", "312", "", "x10E3/\u00b5L", "150\u2013400"),
                ("Absolute neutrophils", "4.10", "", "x10E3/\u00b5L", "1.80\u20137.70"),
            ],
            color,
        ),
        heading(s, "Chemistry"),
        results_table(
            s,
            [
                ("Creatinine", "0.86", "", "mg/dL", "0.57\u20131.00"),
                ("eGFR (CKD-EPI 2021)", "76", "", "mL/min/1.73 m\u00b2", "&gt; 59"),
                ("Sodium", "141", "", "mmol/L", "135\u2013145"),
                ("Potassium", "4.0", "", "mmol/L", "3.5\u20135.1"),
                ("Bilirubin, total", "0.5", "", "mg/dL", "0.2\u20131.2"),
                ("ALT (SGPT)", "21", "", "U/L", "7\u201335"),
                ("Alkaline phosphatase", "92", "", "U/L", "44\u2013121"),
                ("Albumin", "3.9", "", "g/dL", "3.5\u20135.2"),
                ("Ferritin", "24", "", "ng/mL", "15\u2013200"),
            ],
            color,
        ),
        heading(s, "Tumor marker"),
        results_table(
            s,
            [
                ("CEA (carcinoembryonic antigen)", "2.1", "", "ng/mL", "&lt; 3.0 (non-smoker)"),
                ("CEA before surgery (2026-08-04)", "6.8", "H", "ng/mL", "&lt; 3.0"),
            ],
            color,
        ),
        heading(s, "Pharmacogenomics (blood)"),
        grid_table(
            s,
            ["Gene", "Variants tested", "Result"],
            [
                [
                    "DPYD",
                    "*2A, *13, c.2846A&gt;T, HapB3",
                    "<b>No variant detected</b> \u2014 normal DPD activity predicted",
                ],
            ],
            [0.15, 0.4, 0.45],
            color,
        ),
        Spacer(1, 4),
        Paragraph(
            "Flags: <b>H</b> = above, <b>L</b> = below reference range. The CEA before "
            "surgery is shown for comparison (same method). Reference ranges are for "
            "adult females and are specific to this laboratory.",
            s.small,
        ),
    ]
    doc.build_checked(story)


# ---------------------------------------------------------------------------

PATIENTS: dict[str, dict[str, Callable[[Path], None]]] = {
    "cardiology-richard-roe": {
        "ecg-report.pdf": make_roe_ecg,
        "echo-report.pdf": make_roe_echo,
        "lipid-kidney-panel.pdf": make_roe_labs,
        "cardiology-consult.pdf": make_roe_consult,
    },
    "orthopedics-mary-major": {
        "knee-xray-report.pdf": make_major_xray,
        "arthroscopy-operative-report.pdf": make_major_operative,
        "orthopedic-clinic-note.pdf": make_major_note,
    },
    "neurology-sam-sample": {
        "brain-mri-report.pdf": make_sample_mri,
        "eeg-report.pdf": make_sample_eeg,
        "neurology-clinic-note.pdf": make_sample_note,
    },
    "general-alex-example": {
        "liver-metabolic-labs.pdf": make_example_labs,
        "abdominal-ultrasound-report.pdf": make_example_ultrasound,
        "primary-care-note.pdf": make_example_note,
    },
    "oncology-erika-mustermann": {
        "colectomy-pathology-report.pdf": make_mustermann_pathology,
        "staging-ct-report.pdf": make_mustermann_ct,
        "blood-tests-cea.pdf": make_mustermann_labs,
        "oncology-consult.pdf": make_mustermann_consult,
    },
}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "output_dir",
        nargs="?",
        type=Path,
        default=DEFAULT_OUTPUT_DIR,
        help=f"where to write <slug>/records/ (default: {DEFAULT_OUTPUT_DIR})",
    )
    out = parser.parse_args(argv).output_dir
    for slug, makers in PATIENTS.items():
        records = out / slug / "records"
        records.mkdir(parents=True, exist_ok=True)
        for name, make in makers.items():
            target = records / name
            make(target)
            print(f"wrote {target} ({target.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
