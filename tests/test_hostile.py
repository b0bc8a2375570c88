"""Inputs found by hunting for breakage: each gets a message and an exit code, never a
traceback, a hang or a silently changed file."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sopacket.checking.checklist import resolve
from sopacket.cli import app
from sopacket.errors import ChecklistError, ExitCode, PacketFileError, UsageError
from sopacket.packetfile.edit import add_entry
from sopacket.packetfile.validation import load_packet

from .conftest import MINIMAL, write

H = "sopacket: 1\npatient: {name: A, date_of_birth: 1970-01-01}\nrequest: {reason: x}\n"


@pytest.mark.parametrize(
    "body",
    [
        "questions: &q\n  - Is surgery needed?\n  - Should I get chemo?\nnotes: x\n",
        "notes: &n Call me\nquestions:\n  - Is surgery needed?\n  - *n\n",
        "questions: !!seq\n  - a\n  - b\nnotes: x\n",
    ],
    ids=["anchor", "alias", "tag"],
)
def test_add_refuses_lists_it_cannot_edit_safely(tmp_path: Path, body: str) -> None:
    path = write(tmp_path / "p.yaml", H + body)
    with pytest.raises(UsageError, match="could not add"):
        add_entry(path, "questions", {"text": "NEW?"})
    assert path.read_text() == H + body


def test_add_to_a_file_with_old_mac_line_endings(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_bytes((H + "questions:\n  - a\nnotes: Call me\n").replace("\n", "\r").encode())
    add_entry(path, "questions", {"text": "NEW?"})
    packet = load_packet(path).packet
    assert packet.questions == ["a", "NEW?"] and packet.notes == "Call me"
    assert b"\n" not in path.read_bytes()


@pytest.mark.parametrize("text", ["2026-1-2", "yes", "null", "0123", "1:20", "~"])
def test_text_that_looks_like_another_type_is_quoted(tmp_path: Path, text: str) -> None:
    path = write(tmp_path / "p.yaml", H + "questions:\n  - a\n")
    add_entry(path, "questions", {"text": text})
    assert load_packet(path).packet.questions == ["a", text]


@pytest.mark.parametrize(
    "value", ["!!float abc", "!!int abc", "!!int", "!<tag:yaml.org,2002:int> x"]
)
def test_explicit_number_tags_on_text(tmp_path: Path, value: str) -> None:
    with pytest.raises(PacketFileError, match="is not a number"):
        load_packet(write(tmp_path / "p.yaml", H + f"notes: {value}\n"))


def test_enormous_numbers_are_kept_as_text(tmp_path: Path) -> None:
    digits = "9" * 5000
    assert load_packet(write(tmp_path / "p.yaml", H + f"notes: {digits}\n")).packet.notes == digits


def test_fifo_as_packet_does_not_hang(tmp_path: Path) -> None:
    fifo = tmp_path / "packet.yaml"
    os.mkfifo(fifo)
    with pytest.raises(PacketFileError, match="not a regular file"):
        load_packet(fifo)


def test_symlink_loop_as_packet(tmp_path: Path) -> None:
    loop = tmp_path / "loop.yaml"
    loop.symlink_to(loop)
    with pytest.raises(PacketFileError, match="cannot be used"):
        load_packet(loop)


def test_unknown_home_directory_in_record_path(runner: CliRunner, tmp_path: Path) -> None:
    path = write(
        tmp_path / "p.yaml",
        MINIMAL + "records:\n  - {title: A, kind: lab, file: ~nosuchuser9/a.pdf}\n",
    )
    result = runner.invoke(app, ["check", str(path), "--json"])
    assert result.exit_code == ExitCode.NOT_READY
    assert "does not exist" in result.stdout


def test_control_characters_are_located(tmp_path: Path) -> None:
    with pytest.raises(PacketFileError) as info:
        load_packet(write(tmp_path / "p.yaml", H + "notes: a\x00b\n"))
    (problem,) = info.value.problems
    assert (problem.line, problem.column) == (4, 9) and "control character" in problem.message


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (H.replace("1970-01-01", "86400"), "must be a date"),
        (H.replace("sopacket: 1", "sopacket: true"), "format version True"),
        (H + "records: [{title: '   ', file: a.pdf}]\n", "must not be blank"),
    ],
)
def test_values_that_only_look_acceptable(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(PacketFileError, match=message):
        load_packet(write(tmp_path / "p.yaml", text))


def test_schema_to_a_folder_or_device_is_an_output_error(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(app, ["schema", "-o", str(tmp_path)])
    assert result.exit_code == ExitCode.OUTPUT_ERROR and "folder" in result.stderr
    if Path("/dev/null").exists():
        device = runner.invoke(app, ["schema", "-o", "/dev/null"])
        assert device.exit_code == ExitCode.OUTPUT_ERROR
        assert Path("/dev/null").is_char_device()


def test_huge_record_file_is_refused_without_reading_it(runner: CliRunner, tmp_path: Path) -> None:
    big = tmp_path / "scan.jpg"
    with big.open("wb") as fh:  # a sparse file: 3 GB on paper, nothing on disk
        fh.write(b"\xff\xd8\xff\xe0")
        fh.truncate(3 * 1024**3)
    path = write(
        tmp_path / "p.yaml", MINIMAL + "records:\n  - {title: A, kind: lab, file: scan.jpg}\n"
    )
    result = runner.invoke(app, ["check", str(path), "--json"])
    assert result.exit_code == ExitCode.NOT_READY and "larger than 512 MiB" in result.stdout


def test_builtin_checklist_names_cannot_be_hijacked_by_local_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "oncology", "sopacket_checklist: 1\nname: evil\ntitle: Evil\nitems: []\n")
    assert resolve("oncology")[0].name == "oncology"


def test_relative_extends_loop(tmp_path: Path) -> None:
    write(
        tmp_path / "c" / "b.yaml", "sopacket_checklist: 1\nname: b\ntitle: B\nextends: sub/a.yaml\n"
    )
    write(
        tmp_path / "c" / "sub" / "a.yaml",
        "sopacket_checklist: 1\nname: a\ntitle: A\nextends: ../b.yaml\n",
    )
    with pytest.raises(ChecklistError, match="extends itself"):
        resolve(str(tmp_path / "c" / "b.yaml"))


ITEM = "  - {{id: x, severity: required, title: X, why: w, fix: f, rule: {rule}}}\n"


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ("{records_kind: {kinds: lab}}", "malformed `records_kind`"),
        ("{records_kind: {kinds: [labs]}}", "malformed `records_kind`"),
        ("{mentions: {words: chemo}}", "malformed `mentions`"),
        ("{all_true: preparation.private_space}", "malformed `all_true`"),
        ("{filled: patient.nme}", "`patient.nme`, which is not a field"),
        ("{count: {path: questions, min: three}}", "malformed `count`"),
    ],
)
def test_checklist_rules_with_wrong_arguments(tmp_path: Path, rule: str, message: str) -> None:
    path = write(
        tmp_path / "c.yaml",
        "sopacket_checklist: 1\nname: c\ntitle: C\nitems:\n" + ITEM.format(rule=rule),
    )
    with pytest.raises(ChecklistError, match=message):
        resolve(str(path))


def test_checklist_duplicate_ids(tmp_path: Path) -> None:
    item = ITEM.format(rule="{filled: notes}")
    path = write(
        tmp_path / "c.yaml", "sopacket_checklist: 1\nname: c\ntitle: C\nitems:\n" + item + item
    )
    with pytest.raises(ChecklistError, match="used twice"):
        resolve(str(path))
