"""Every checklist rule, present and missing, on the example packet and its variations."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from sopacket.checking.checklist import builtin_names, check_packet, resolve
from sopacket.errors import ChecklistError
from sopacket.packetfile.validation import load_packet

from .conftest import write


def load_yaml(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def rewrite(path: Path, change: Callable[[dict[str, Any]], None]) -> Path:
    data = load_yaml(path)
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def status(report: Any, item_id: str) -> str:
    return next(i.status for i in report.items if i.id == item_id)


def test_example_is_ready_under_strict(example: Path) -> None:
    report = check_packet(load_packet(example), strict=True)
    assert report.ready, report.blocking()
    assert report.checklist.name == "oncology"


def test_general_checklist_on_example_is_all_done_or_na(example: Path) -> None:
    report = check_packet(load_packet(example), "general")
    assert {i.status for i in report.items} <= {"done", "not_applicable"}
    assert report.verdict == "Ready to build: everything on the checklist is done."


def _del(*keys: str) -> Callable[[dict[str, Any]], None]:
    def change(d: dict[str, Any]) -> None:
        target = d
        for k in keys[:-1]:
            target = target[k]
        target[keys[-1]] = None

    return change


def _set(value: Any, *keys: str) -> Callable[[dict[str, Any]], None]:
    def change(d: dict[str, Any]) -> None:
        target = d
        for k in keys[:-1]:
            target = target[k]
        target[keys[-1]] = value

    return change


def _records_of(kinds: set[str]) -> Callable[[dict[str, Any]], None]:
    def change(d: dict[str, Any]) -> None:
        d["records"] = [r for r in d["records"] if r["kind"] in kinds]

    return change


# (item id, change that breaks it, severity, status it gets)
GENERAL_CASES = [
    ("patient_name", _del("patient", "name"), "required", "missing"),
    ("patient_dob", _del("patient", "date_of_birth"), "required", "missing"),
    ("reason", _set("", "request", "reason"), "required", "missing"),
    ("diagnosis", _del("request", "diagnosis"), "required", "missing"),
    ("current_plan", _del("request", "current_plan"), "required", "missing"),
    ("records", _set([], "records"), "required", "missing"),
    ("test_results", _records_of({"visit_note", "medication_history"}), "required", "missing"),
    ("visit_notes", _records_of({"lab", "pathology"}), "recommended", "missing"),
    ("medications", _del("medications"), "required", "missing"),
    ("allergies", _del("allergies"), "required", "missing"),
    ("conditions", _del("conditions"), "recommended", "missing"),
    ("questions", _set([], "questions"), "required", "missing"),
    ("questions_three", _set(["One?", "Two?"], "questions"), "recommended", "missing"),
    (
        "question_priorities",
        _set(["One?", "Two?", "Three?"], "questions"),
        "recommended",
        "missing",
    ),
    (
        "treating_provider",
        _set({"name": "Dr. X"}, "request", "treating_provider"),
        "required",
        "missing",
    ),
    ("specialty", _del("request", "specialty"), "recommended", "missing"),
    ("release_signed", _set(False, "preparation", "release_signed"), "required", "missing"),
    ("insurance", _del("insurance"), "recommended", "missing"),
    ("visit_mode", _del("request", "visit"), "recommended", "missing"),
    ("private_space", _set(False, "preparation", "private_space"), "recommended", "missing"),
    ("connection_tested", _set(False, "preparation", "device_tested"), "recommended", "missing"),
    ("companion", _del("companion"), "recommended", "missing"),
    (
        "urgent_symptoms",
        _set([{"text": "Chest pain", "urgent": True}], "symptoms"),
        "required",
        "warning",
    ),
    (
        "remote_limits",
        _set(
            [{"text": "Can you examine the lump?", "priority": "high"}, "Two?", "Three?"],
            "questions",
        ),
        "recommended",
        "warning",
    ),
]


@pytest.mark.parametrize(
    ("item_id", "change", "severity", "expected"), GENERAL_CASES, ids=[c[0] for c in GENERAL_CASES]
)
def test_each_general_rule_catches_its_gap(
    example: Path, item_id: str, change: Callable, severity: str, expected: str
) -> None:
    assert status(check_packet(load_packet(example), "general"), item_id) == "done"
    report = check_packet(load_packet(rewrite(example, change)), "general")
    item = next(i for i in report.items if i.id == item_id)
    assert item.severity == severity
    assert item.status == expected
    assert item.why and item.fix
    if severity == "required":
        assert not report.ready and item in report.blocking()
    elif expected == "missing":
        assert report.ready
        assert not check_packet(load_packet(example), "general", strict=True).ready
    else:  # a warning on a recommended item never blocks, even under --strict
        assert check_packet(load_packet(example), "general", strict=True).ready
        assert report.ready and item.detail.startswith("mentioned in:")


def test_general_cases_cover_every_general_item() -> None:
    ids = {i.id for i in resolve("general")[0].items}
    assert ids - {c[0] for c in GENERAL_CASES} == {"record_files"}  # tested below


def test_explicit_empty_lists_mean_none(example: Path) -> None:
    def change(d: dict[str, Any]) -> None:
        d["medications"] = []
        d["allergies"] = []

    report = check_packet(load_packet(rewrite(example, change)), "general")
    assert status(report, "medications") == "done" and status(report, "allergies") == "done"
    assert next(i.detail for i in report.items if i.id == "allergies") == "none (an empty list)"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d["records"][0].update(file="records/missing.pdf"), "does not exist"),
        (lambda d: d["records"][0].update(pages="1-9"), "go beyond the end"),
        (lambda d: d["records"][0].update(file="packet.yaml"), "not a PDF, JPEG, PNG or TIFF"),
    ],
    ids=["missing-file", "page-range", "wrong-type"],
)
def test_record_files_rule(example: Path, change: Callable, expected: str) -> None:
    report = check_packet(load_packet(rewrite(example, change)), "general")
    item = next(i for i in report.items if i.id == "record_files")
    assert item.status == "missing" and expected in item.detail
    assert "Core biopsy pathology report" in item.detail  # names the record
    assert not report.ready
    assert report.records[0].problem is not None and expected in report.records[0].problem


def test_visit_items_do_not_apply_in_person(example: Path) -> None:
    def change(d: dict[str, Any]) -> None:
        d["request"]["visit"]["mode"] = "in_person"
        d["preparation"]["internet_tested"] = False

    report = check_packet(load_packet(rewrite(example, change)), "general")
    assert status(report, "connection_tested") == "not_applicable"
    assert status(report, "private_space") == "not_applicable"


def test_urgent_symptom_blocks_and_is_named(example: Path) -> None:
    change = _set([{"text": "Sudden weakness in one arm", "urgent": True}], "symptoms")
    report = check_packet(load_packet(rewrite(example, change)))
    assert not report.ready
    assert report.urgent_symptoms == ("Sudden weakness in one arm",)
    assert "in-person care now" in report.verdict


def test_specialty_picks_its_checklist_and_unknown_falls_back(example: Path) -> None:
    assert "oncology" in builtin_names()
    assert check_packet(load_packet(example)).checklist.name == "oncology"
    rewrite(example, _set("Dermatology", "request", "specialty"))
    report = check_packet(load_packet(example))
    assert report.checklist.name == "general"
    assert "no checklist for the specialty 'dermatology'" in report.note


def test_clinic_checklist_file_extends_general(example: Path, tmp_path: Path) -> None:
    clinic = write(
        tmp_path / "clinic.yaml",
        """\
sopacket_checklist: 1
name: clinic
title: Riverside clinic intake
extends: general
remove: [companion]
items:
  - id: insurance_member
    severity: required
    title: Insurance member number
    rule: {filled: insurance.member_id}
    why: We bill your plan directly.
    fix: Add `member_id` under `insurance`.
""",
    )
    report = check_packet(load_packet(example), str(clinic))
    ids = [i.id for i in report.items]
    assert ids[-1] == "insurance_member" and "companion" not in ids and "reason" in ids
    assert report.checklist.source == str(clinic)
    rewrite(example, _del("insurance", "member_id"))
    assert not check_packet(load_packet(example), str(clinic)).ready


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            "sopacket_checklist: 1\nname: x\ntitle: X\nitems:\n  - id: a\n",
            "is required but missing",
        ),
        (
            "sopacket_checklist: 1\nname: x\ntitle: X\nitems:\n  - {id: a, severity: required, "
            "title: A, rule: {nonsense: 1}, why: w, fix: f}\n",
            "unknown rule",
        ),
        ("sopacket_checklist: 1\nname: x\ntitle: X\nextends: x.yaml\n", "extends itself"),
        ("sopacket_checklist: 1\nname: x\ntitle: X\nextends: nowhere\n", "no checklist named"),
    ],
    ids=["incomplete-item", "unknown-rule", "loop", "missing-parent"],
)
def test_malformed_checklists_are_explained(tmp_path: Path, body: str, message: str) -> None:
    path = write(tmp_path / "x.yaml", body)
    with pytest.raises(ChecklistError, match=message):
        resolve(str(path))


def test_unknown_checklist_name() -> None:
    with pytest.raises(ChecklistError, match=r"Use one of: .*general"):
        resolve("astrology")


def test_json_shape(example: Path) -> None:
    data = check_packet(load_packet(example)).to_json()
    assert data["sopacket_check"] == 1
    assert data["ready"] is True and data["packet"]["id"] == "example-jd-2026"
    assert set(data["summary"]) == {"done", "missing", "warning", "not_applicable", "blocking"}
    assert set(data["items"][0]) == {"id", "title", "severity", "status", "detail", "why", "fix"}
    assert data["records"][0] == {
        "index": 0,
        "file": str(example.parent / "records" / "pathology-report.pdf"),
        "type": "pdf",
        "pages": 2,
        "ok": True,
        "problem": None,
    }
