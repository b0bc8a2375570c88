"""Every example packet agrees with its own records.

A reviewer who reads the consult note and then the packet must find the same person, the
same history and the same medicines. The records' text is extracted (pypdf) and each fact
the packet file states is looked for in it: the patient's surname and date of birth on
every record, each record's date in that record, each condition, medication and allergy
named in some record, and the year given with a condition or medicine ("since") written
near where a record names it.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest
from pypdf import PdfReader

from sopacket import load_packet

from .conftest import ROOT

# (examples/scanned has no records until examples/make_scanned_records.py makes them)
PACKETS = sorted(
    p for p in (ROOT / "examples").rglob("packet.yaml") if (p.parent / "records").is_dir()
)
# How records say what a packet says in plain words.
SAME = {
    "high blood pressure": ("hypertension",),
    "high cholesterol": ("hyperlipidemia", "cholesterol"),
    "underactive thyroid": ("hypothyroidism",),
    "postmenopausal": ("menopause",),
    "cesarean section": ("cesarean",),
}


@cache
def record_texts(packet: Path) -> dict[str, str]:
    """Each PDF record's text, spaces and case normalised, by its file name."""
    texts = {}
    for record in load_packet(packet).packet.records or []:
        path = packet.parent / record.file
        if path.suffix.lower() == ".pdf" and path.is_file():
            text = "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)
            texts[record.file] = " ".join(text.split()).lower()
    return texts


def words_for(name: str) -> tuple[str, ...]:
    """The words a record would use: the name before any parenthesis or comma, or its synonyms."""
    key = re.split(r"[(,]| since ", name.lower())[0].strip()
    return (key, *SAME.get(key, ()))


def named_in(packet: Path, name: str, words: tuple[str, ...] = ()) -> list[str]:
    words = words or words_for(name)
    return [t for t in record_texts(packet).values() if any(w in t for w in words)]


def near(text: str, words: tuple[str, ...], year: str) -> bool:
    """Whether ``year`` is written just after a mention of the words (within 60 characters:
    "Hypothyroidism, diagnosed 2011") or just before it ("diagnosed 2011, on levothyroxine")."""
    for word in words:
        for found in re.finditer(re.escape(word), text):
            if year in text[max(0, found.start() - 35) : found.end() + 60]:
                return True
    return False


def facts(packet: Path) -> list[tuple[str, tuple[str, ...], str | None]]:
    """(name, the words a record would use, year or None) for every condition, medication
    and allergy the packet file lists. A medicine is named by its first word (the drug)."""
    data = load_packet(packet).packet
    out: list[tuple[str, tuple[str, ...], str | None]] = []
    for item in data.conditions or []:
        name = item if isinstance(item, str) else item.name
        since = None if isinstance(item, str) else item.since
        year = str(since)[:4] if since else None
        if year is None:
            year = m.group(0) if (m := re.search(r"\b(19|20)\d\d\b", name)) else None
        out.append((name, words_for(name), year))
    for med in data.medications or []:
        since = str(med.since)[:4] if med.since else None
        out.append((med.name, (med.name.split()[0].lower(),), since))
    for allergy in data.allergies or []:
        out.append((allergy.substance, (allergy.substance.split()[0].lower(),), None))
    return out


def test_every_example_is_covered() -> None:
    assert {p.parent.name for p in PACKETS} >= {"jane-doe", "cardiology-richard-roe"}
    assert len(PACKETS) >= 6
    for packet in PACKETS:
        assert record_texts(packet), f"{packet}: no PDF record to compare with"


@pytest.mark.parametrize("packet", PACKETS, ids=lambda p: p.parent.name)
def test_every_record_is_this_patients(packet: Path) -> None:
    patient = load_packet(packet).packet.patient
    surname = patient.name.split()[-1].lower()
    for file, text in record_texts(packet).items():
        assert surname in text, f"{file} does not name {patient.name}"
        assert str(patient.date_of_birth) in text, f"{file}: another date of birth"


@pytest.mark.parametrize("packet", PACKETS, ids=lambda p: p.parent.name)
def test_every_record_date_and_source_is_in_the_record(packet: Path) -> None:
    texts = record_texts(packet)
    for record in load_packet(packet).packet.records or []:
        if record.file not in texts:
            continue  # a photo: no text to compare
        text = texts[record.file]
        assert str(record.date) in text, f"{record.file}: dated {record.date} in packet.yaml"
        source = (record.source or "").lower().split(" laboratory")[0]
        assert source in text, f"{record.file}: from {record.source!r} in packet.yaml"


@pytest.mark.parametrize("packet", PACKETS, ids=lambda p: p.parent.name)
def test_conditions_medications_and_allergies_are_the_records_own(packet: Path) -> None:
    wrong = []
    for name, words, year in facts(packet):
        naming = named_in(packet, name, words)
        if not naming:
            wrong.append(f"{name!r} is in no record")
        elif year and not any(near(text, words, year) for text in naming):
            wrong.append(f"{name!r} since {year}: no record naming it gives that year")
    assert not wrong, f"{packet.parent.name}:\n  " + "\n  ".join(wrong)


def test_the_check_catches_drift(tmp_path: Path) -> None:
    """The old example's appendectomy of 1994 and hypothyroidism since 2015 are caught."""
    example = ROOT / "examples" / "jane-doe"
    (tmp_path / "records").symlink_to(example / "records")
    text = (example / "packet.yaml").read_text(encoding="utf-8")
    assert "since: 2011}" in text and "  - {name: Cesarean section, since: 1999}\n" in text
    text = text.replace("since: 2011}", "since: 2015}").replace(
        "  - {name: Cesarean section, since: 1999}\n",
        "  - {name: Cesarean section, since: 1999}\n  - {name: Appendectomy, since: 1994}\n",
    )
    packet = tmp_path / "packet.yaml"
    packet.write_text(text, encoding="utf-8")
    with pytest.raises(AssertionError) as caught:
        test_conditions_medications_and_allergies_are_the_records_own(packet)
    assert "'Appendectomy' is in no record" in str(caught.value)
    assert "'Hypothyroidism (Hashimoto thyroiditis)' since 2015" in str(caught.value)
