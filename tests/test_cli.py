"""The command line as a person and a script meet it: exit codes, messages, files."""

from __future__ import annotations

import json
import stat
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sopacket import __version__
from sopacket.cli import app
from sopacket.errors import ExitCode

from .conftest import MINIMAL, write


def test_version(runner: CliRunner) -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.stdout.strip() == f"sopacket {__version__}"


def test_help_lists_every_command(runner: CliRunner) -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("init", "add", "check", "schema"):
        assert command in result.stdout
    add = runner.invoke(app, ["add", "--help"])
    for sub in ("record", "medication", "question", "allergy"):
        assert sub in add.stdout


# --- init ------------------------------------------------------------------------------


def test_init_writes_a_private_starter(runner: CliRunner, tmp_path: Path) -> None:
    folder = tmp_path / "my packet"
    result = runner.invoke(app, ["init", str(folder), "--template", "oncology"])
    assert result.exit_code == 0, result.output
    packet = folder / "packet.yaml"
    assert result.stdout.strip() == str(packet)
    assert "sopacket check" in result.stderr
    assert stat.S_IMODE(packet.stat().st_mode) == 0o600
    assert stat.S_IMODE((folder / "records").stat().st_mode) == 0o700
    text = packet.read_text()
    assert text.startswith("# yaml-language-server: $schema=packet.schema.json")
    assert "specialty: oncology" in text and "pathology report" in text
    schema = json.loads((folder / "packet.schema.json").read_text())
    assert "patient" in schema["properties"]


def test_init_refuses_to_overwrite_without_force(runner: CliRunner, tmp_path: Path) -> None:
    packet = write(tmp_path / "packet.yaml", "mine\n")
    result = runner.invoke(app, ["init", str(tmp_path)])
    assert result.exit_code == ExitCode.OUTPUT_ERROR
    assert "already exists" in result.stderr and "--force" in result.stderr
    assert packet.read_text() == "mine\n"
    assert runner.invoke(app, ["init", str(tmp_path), "--force"]).exit_code == 0
    assert packet.read_text().startswith("# yaml-language-server")


def test_init_unknown_template(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(app, ["init", str(tmp_path), "--template", "dentistry"])
    assert result.exit_code == ExitCode.INPUT_ERROR
    assert "no template named 'dentistry'" in result.stderr and "oncology" in result.stderr
    assert not (tmp_path / "packet.yaml").exists()


def test_fresh_init_checks_as_not_ready_not_as_broken(runner: CliRunner, tmp_path: Path) -> None:
    runner.invoke(app, ["init", str(tmp_path)])
    result = runner.invoke(app, ["check", str(tmp_path / "packet.yaml")])
    assert result.exit_code == ExitCode.NOT_READY
    assert "MISSING" in result.stdout and "Patient's name" in result.stdout
    assert "Not ready" in result.stdout


# --- check -----------------------------------------------------------------------------


def test_check_example_ready(runner: CliRunner, example: Path) -> None:
    result = runner.invoke(app, ["check", str(example), "--strict"])
    assert result.exit_code == 0, result.output
    assert "Ready to build" in result.stdout


def test_check_not_ready_lists_what_to_fix(runner: CliRunner, minimal: Path) -> None:
    result = runner.invoke(app, ["check", str(minimal)])
    assert result.exit_code == ExitCode.NOT_READY
    assert "Current medication list" in result.stdout
    assert "How to fix:" in result.stdout and "sopacket add medication" in result.stdout


def test_check_json_is_one_document(runner: CliRunner, minimal: Path) -> None:
    result = runner.invoke(app, ["check", str(minimal), "--json"])
    assert result.exit_code == ExitCode.NOT_READY
    data = json.loads(result.stdout)
    assert data["ready"] is False and "medications" in data["summary"]["blocking"]
    assert data["checklist"]["name"] == "general"


def test_check_json_on_broken_file(runner: CliRunner, tmp_path: Path) -> None:
    path = write(tmp_path / "p.yaml", MINIMAL + "medicatons: []\n")
    result = runner.invoke(app, ["check", str(path), "--json"])
    assert result.exit_code == ExitCode.INPUT_ERROR
    data = json.loads(result.stdout)
    assert data["ok"] is False
    (problem,) = data["error"]["problems"]
    assert problem["line"] == 7 and problem["field"] == "medicatons"
    assert "medications" in problem["fix"]


def test_check_reads_standard_input(runner: CliRunner, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["check", "-", "--json"], input=MINIMAL)
    assert result.exit_code == ExitCode.NOT_READY
    assert json.loads(result.stdout)["packet"]["file"] == "<stdin>"


def test_check_strict(runner: CliRunner, example: Path) -> None:
    text = example.read_text().replace("companion:\n  name: Michael Doe", "companion:\n  name:")
    example.write_text(text)
    assert runner.invoke(app, ["check", str(example)]).exit_code == 0
    strict = runner.invoke(app, ["check", str(example), "--strict"])
    assert strict.exit_code == ExitCode.NOT_READY and "Someone to join you" in strict.stdout


def test_check_urgent_symptom_is_prominent(runner: CliRunner, example: Path) -> None:
    text = example.read_text().replace("urgent: false}", "urgent: true}")
    example.write_text(text)
    result = runner.invoke(app, ["check", str(example)])
    assert result.exit_code == ExitCode.NOT_READY
    assert "Urgent symptoms" in result.stdout and "in-person care now" in result.stdout
    as_json = runner.invoke(app, ["check", str(example), "--json"])
    assert json.loads(as_json.stdout)["urgent_symptoms"] == ["Mild tenderness at the biopsy site"]
    assert "in-person care now" in as_json.stderr


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("sopacket: 1\npatient: [\n", "not valid YAML"),
        ("sopacket: 1\npatient: {name: A, date_of_birth: 2000-01-01}\n", "request: is required"),
        ("\x00\x01binary", "control character"),
    ],
)
def test_check_broken_file_exit_2_without_traceback(
    runner: CliRunner, tmp_path: Path, content: str, expected: str
) -> None:
    path = write(tmp_path / "p.yaml", content)
    result = runner.invoke(app, ["check", str(path)])
    assert result.exit_code == ExitCode.INPUT_ERROR
    assert expected in result.stderr
    assert "Traceback" not in result.output


def test_check_missing_file(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(app, ["check", str(tmp_path / "nope.yaml")])
    assert result.exit_code == ExitCode.INPUT_ERROR and "does not exist" in result.stderr


def test_check_with_bad_checklist(runner: CliRunner, example: Path) -> None:
    result = runner.invoke(app, ["check", str(example), "--checklist", "astrology"])
    assert result.exit_code == ExitCode.INPUT_ERROR
    assert "no checklist named 'astrology'" in result.stderr


def test_internal_errors_hide_the_traceback_unless_verbose(
    runner: CliRunner, minimal: Path, monkeypatch
) -> None:
    import sopacket.checking.checklist

    def boom(*args, **kwargs):
        raise RuntimeError("secret patient detail")

    monkeypatch.setattr(sopacket.checking.checklist, "check_packet", boom)
    quiet = runner.invoke(app, ["check", str(minimal)])
    assert quiet.exit_code == ExitCode.INTERNAL_ERROR
    assert "Traceback" not in quiet.output and "secret patient detail" not in quiet.output
    assert "-v" in quiet.stderr
    loud = runner.invoke(app, ["-v", "check", str(minimal)])
    assert "Traceback" in loud.stderr


# --- add -------------------------------------------------------------------------------


def test_add_commands(runner: CliRunner, tmp_path: Path, pdf_factory: Callable[..., Path]) -> None:
    packet = write(tmp_path / "packet.yaml", MINIMAL)
    pdf_factory("elsewhere/cbc.pdf", pages=2)
    steps = [
        [
            "add",
            "record",
            str(packet),
            str(tmp_path / "elsewhere/cbc.pdf"),
            "--title",
            "Blood count",
            "--kind",
            "lab",
            "--date",
            "2026-09-05",
            "--copy",
        ],
        [
            "add",
            "medication",
            str(packet),
            "--name",
            "Aspirin",
            "--dose",
            "81 mg",
            "--frequency",
            "daily",
        ],
        ["add", "question", str(packet), "Is surgery necessary?", "--priority", "high"],
        ["add", "allergy", str(packet), "--substance", "Penicillin", "--reaction", "hives"],
    ]
    for step in steps:
        result = runner.invoke(app, step)
        assert result.exit_code == 0, result.output
        assert "Added" in result.stderr
    text = packet.read_text()
    assert "file: records/cbc.pdf" in text
    assert (tmp_path / "records" / "cbc.pdf").is_file()
    report = runner.invoke(app, ["check", str(packet), "--json"])
    data = json.loads(report.stdout)
    done = {i["id"] for i in data["items"] if i["status"] == "done"}
    assert {
        "records",
        "record_files",
        "test_results",
        "medications",
        "allergies",
        "questions",
        "question_priorities",
    } <= done


def test_add_record_refuses_non_records(runner: CliRunner, minimal: Path, tmp_path: Path) -> None:
    note = write(tmp_path / "note.pdf", "just text")
    before = minimal.read_text()
    result = runner.invoke(app, ["add", "record", str(minimal), str(note), "--title", "Note"])
    assert result.exit_code == ExitCode.INPUT_ERROR
    assert "not a PDF, JPEG, PNG or TIFF" in result.stderr
    missing = runner.invoke(app, ["add", "record", str(minimal), "gone.pdf", "--title", "X"])
    assert missing.exit_code == ExitCode.INPUT_ERROR and "does not exist" in missing.stderr
    assert minimal.read_text() == before


def test_add_invalid_option_value(runner: CliRunner, minimal: Path) -> None:
    result = runner.invoke(app, ["add", "question", str(minimal), "Why?", "--priority", "urgent"])
    assert result.exit_code == ExitCode.INPUT_ERROR
    assert "--priority" in result.stderr and "high" in result.stderr


# --- schema ----------------------------------------------------------------------------


def test_schema_to_stdout_and_file(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(app, ["schema"])
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    assert schema["title"].startswith("sopacket packet file")
    assert set(schema["required"]) >= {"sopacket", "patient", "request"}
    out = tmp_path / "s.json"
    assert runner.invoke(app, ["schema", "-o", str(out)]).exit_code == 0
    assert json.loads(out.read_text()) == schema


def test_urgent_warning_is_whole_in_json_mode_on_a_narrow_terminal(
    runner: CliRunner, example: Path
) -> None:
    example.write_text(example.read_text().replace("urgent: false}", "urgent: true}"))
    result = runner.invoke(app, ["check", str(example), "--json"], env={"COLUMNS": "60"})
    flat = " ".join(result.stderr.replace("│", " ").split())
    assert "Mild tenderness at the biopsy site" in flat
    assert "local emergency number" in flat and "come back to this packet" in flat


def test_paths_with_brackets_are_shown_as_written(runner: CliRunner, tmp_path: Path) -> None:
    folder = tmp_path / "Dad [/]"
    result = runner.invoke(app, ["init", str(folder)])
    assert result.exit_code == 0 and "Dad [/]/packet.yaml" in result.stderr
    added = runner.invoke(app, ["add", "allergy", str(folder / "packet.yaml"), "--substance", "N"])
    assert added.exit_code == 0 and "Dad [/]" in added.stderr


def test_strict_marks_recommended_gaps_as_missing(runner: CliRunner, example: Path) -> None:
    example.write_text(example.read_text().replace("name: Michael Doe", "name:"))
    result = runner.invoke(app, ["check", str(example), "--strict", "--all"])
    assert result.exit_code == ExitCode.NOT_READY
    line = next(ln for ln in result.stdout.splitlines() if "Someone to join you" in ln)
    assert "MISSING" in line


def test_locked_pdf_record_says_how_to_unlock(runner: CliRunner, example: Path) -> None:
    from pypdf import PdfReader, PdfWriter

    pdf = example.parent / "records" / "blood-tests.pdf"
    writer = PdfWriter(clone_from=PdfReader(pdf))
    writer.encrypt("portal-pass-123", algorithm="AES-256")
    with pdf.open("wb") as fh:
        writer.write(fh)
    result = runner.invoke(app, ["check", str(example)])
    assert result.exit_code == ExitCode.NOT_READY
    flat = " ".join(result.stdout.split())
    assert "protected with a password" in flat and "save an unprotected copy" in flat


def test_output_failure_in_json_mode_is_one_json_document(
    runner: CliRunner, minimal: Path, monkeypatch
) -> None:
    import sopacket.checking.checklist

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device", object())  # filename: not a path

    monkeypatch.setattr(sopacket.checking.checklist, "check_packet", full_disk)
    result = runner.invoke(app, ["check", str(minimal), "--json"])
    assert result.exit_code == ExitCode.OUTPUT_ERROR
    assert json.loads(result.stdout)["error"]["type"] == "OutputError"
    assert "No space left on device" in result.stderr and "object at" not in result.stderr
