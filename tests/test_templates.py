"""Every `init` template, filled in the way a person fills it in, passes `check --strict`."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sopacket.checking.checklist import check_packet
from sopacket.packetfile.edit import add_entry
from sopacket.packetfile.starter import init, template_names
from sopacket.packetfile.validation import load_packet

from .conftest import make_pdf

# Values typed after the blank `key:` lines of the starter (found by their path).
ANSWERS = {
    "patient.name": "Test Patient",
    "patient.date_of_birth": "1960-05-17",
    "patient.phone": '"+1 555 0100"',
    "companion.name": "Sam Patient",
    "companion.relationship": "spouse",
    "request.reason": "I want to know whether the recommended treatment is the best option.",
    "request.diagnosis": "As stated in the attached consultation note.",
    "request.current_plan": "As proposed by my treating doctor.",
    "request.treating_provider.name": "Dr. Treating",
    "request.treating_provider.phone": '"+1 555 0111"',
    "request.specialty": "internal medicine",  # only typed where the template left it blank
    "request.visit.mode": "video",
    "request.visit.date": "2026-12-10",
    "medications": "[]",
    "allergies": "[]",
    "conditions": "[]",
    "symptoms": "[{text: Tiredness in the afternoons, since: 2026-06}]",
    "insurance.costs_checked": "true",
    "preparation.private_space": "true",
    "preparation.internet_tested": "true",
    "preparation.device_tested": "true",
    "preparation.release_signed": "true",
}

# (kind, title) of the records each specialty's checklist asks for.
RECORDS = {
    "general": [("lab", "Blood tests"), ("visit_note", "Consultation note")],
    "oncology": [
        ("pathology", "Biopsy pathology report"),
        ("imaging", "CT scan report"),
        ("genetic", "Tumour biomarker panel"),
        ("lab", "Blood tests"),
        ("visit_note", "Oncology consultation"),
    ],
    "cardiology": [
        ("lab", "Resting ECG"),
        ("imaging", "Echocardiogram report"),
        ("lab", "Lipid panel"),
        ("visit_note", "Cardiology consultation"),
    ],
    "orthopedics": [("imaging", "Knee MRI report"), ("visit_note", "Orthopedic consultation")],
    "neurology": [("imaging", "Brain MRI report"), ("visit_note", "Neurology consultation")],
}


def fill_in(text: str, answers: dict[str, str]) -> str:
    """Type each answer after its blank (or false) `key:` line, keeping the comments."""
    path: list[tuple[int, str]] = []
    out = []
    for line in text.splitlines(keepends=True):
        m = re.match(r"^( *)([a-z_]+):( *)(false)?( *#.*)?$", line.rstrip("\n"))
        if m:
            indent = len(m.group(1))
            path = [p for p in path if p[0] < indent] + [(indent, m.group(2))]
            key = ".".join(name for _, name in path)
            if key in answers:
                comment = f"  {m.group(5).strip()}" if m.group(5) else ""
                line = f"{m.group(1)}{m.group(2)}: {answers[key]}{comment}\n"
        elif re.match(r"^( *)([a-z_]+):", line):
            indent = len(line) - len(line.lstrip(" "))
            path = [p for p in path if p[0] < indent]
        out.append(line)
    return "".join(out)


def test_every_specialty_template_is_covered() -> None:
    assert set(template_names()) == set(RECORDS)
    assert len(template_names()) >= 5


@pytest.mark.parametrize("template", sorted(RECORDS))
def test_template_filled_in_passes_strict_check(tmp_path: Path, template: str) -> None:
    result = init(tmp_path, template)
    before = check_packet(load_packet(result.packet), strict=True)
    assert not before.ready  # a fresh starter is evaluable, and not ready

    packet = result.packet
    packet.write_text(fill_in(packet.read_text(), ANSWERS))
    for n, (kind, title) in enumerate(RECORDS[template]):
        make_pdf(tmp_path / "records" / f"r{n}.pdf", 1, title)
        add_entry(
            packet,
            "records",
            {"title": title, "kind": kind, "date": "2026-09-01", "file": f"records/r{n}.pdf"},
        )
    for text, priority in [
        ("Is the diagnosis certain?", "high"),
        ("What are my options?", "normal"),
        ("What if I wait?", "low"),
    ]:
        add_entry(packet, "questions", {"text": text, "priority": priority})

    report = check_packet(load_packet(packet), strict=True)
    assert report.ready, [(i.id, i.status, i.detail) for i in report.blocking()]
    assert report.checklist.name == template
    # the starter's guidance comments survived the filling in and the additions
    assert packet.read_text().count("#") >= 30


@pytest.mark.parametrize("template", sorted(set(RECORDS) - {"general"}))
def test_specialty_checklist_needs_its_records(tmp_path: Path, template: str) -> None:
    result = init(tmp_path, template)
    packet = result.packet
    packet.write_text(fill_in(packet.read_text(), ANSWERS))
    make_pdf(tmp_path / "records" / "note.pdf")
    add_entry(
        packet,
        "records",
        {"title": "Consultation note", "kind": "visit_note", "file": "records/note.pdf"},
    )
    add_entry(packet, "questions", {"text": "Is the diagnosis certain?", "priority": "high"})
    report = check_packet(load_packet(packet))
    assert not report.ready
    specialty_items = {i.id for i in report.blocking()} - {"test_results"}
    assert specialty_items, "the specialty checklist should ask for its own records"


def test_the_shipped_schema_file_is_current() -> None:
    """examples/jane-doe points editors at templates/packet.schema.json: it must match."""
    import json

    from sopacket.packetfile.model import json_schema

    from .conftest import ROOT

    shipped = json.loads((ROOT / "templates" / "packet.schema.json").read_text())
    assert shipped == json.loads(json.dumps(json_schema()))
