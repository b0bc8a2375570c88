"""`add` appends entries and leaves every other byte of the user's file as it was."""

from __future__ import annotations

import difflib
from collections.abc import Callable
from pathlib import Path

import pytest

from sopacket.errors import PacketFileError, UsageError
from sopacket.packetfile.edit import add_entry
from sopacket.packetfile.starter import render
from sopacket.packetfile.validation import load_packet

from .conftest import MINIMAL, ROOT, write


def added_lines(before: str, after: str) -> list[str]:
    """The lines the change added; fails if any line was removed or altered."""
    diff = list(difflib.ndiff(before.splitlines(), after.splitlines()))
    removed = [d for d in diff if d.startswith("- ")]
    assert not removed, f"lines changed or removed: {removed}"
    return [d[2:] for d in diff if d.startswith("+ ")]


def test_add_to_example_keeps_everything_else(example: Path) -> None:
    before = example.read_text()
    add_entry(example, "medications", {"name": "Ibuprofen", "dose": "200 mg", "since": "2026-10"})
    add_entry(example, "questions", {"text": "How soon must I decide?", "priority": "high"})
    add_entry(example, "allergies", {"substance": "Latex", "reaction": "rash"})
    after = example.read_text()
    new = added_lines(before, after)
    assert "  - name: Ibuprofen" in new and "    since: 2026-10" in new
    assert "  - text: How soon must I decide?" in new and "    priority: high" in new
    # the example's allergies are written {flow}; the new one follows that style
    assert "  - {substance: Latex, reaction: rash}" in new
    packet = load_packet(example).packet
    assert packet.medications is not None and packet.medications[-1].name == "Ibuprofen"
    assert (
        packet.question_list()[0].text == "With a recurrence score of 24, would chemotherapy "
        "lower my risk enough to be worth it?"
    )
    assert packet.allergies is not None and packet.allergies[-1].substance == "Latex"


def test_add_to_fresh_starter_keeps_comments(
    tmp_path: Path, pdf_factory: Callable[..., Path]
) -> None:
    path = write(tmp_path / "packet.yaml", render("oncology", "sop-test"))
    before = path.read_text()
    pdf_factory("records/path.pdf")
    add_entry(
        path,
        "records",
        {
            "title": "Biopsy: core needle",
            "kind": "pathology",
            "date": "2026-08-28",
            "file": "records/path.pdf",
        },
    )
    add_entry(path, "questions", {"text": "Is surgery necessary?"})
    add_entry(path, "questions", {"text": "What about radiation?", "priority": "low"})
    new = added_lines(before, path.read_text())
    assert new == [
        "  - title: 'Biopsy: core needle'",
        "    kind: pathology",
        "    date: 2026-08-28",
        "    file: records/path.pdf",
        "  - Is surgery necessary?",
        "  - text: What about radiation?",
        "    priority: low",
    ]
    packet = load_packet(path).packet
    assert packet.records[0].title == "Biopsy: core needle"
    assert str(packet.records[0].date) == "2026-08-28"


def test_empty_flow_list_becomes_a_block_list_keeping_its_comment(tmp_path: Path) -> None:
    path = write(tmp_path / "p.yaml", MINIMAL + "medications: []   # none yet\nnotes: hi\n")
    add_entry(path, "medications", {"name": "Aspirin", "dose": "81 mg"})
    assert path.read_text().endswith(
        "medications:  # none yet\n  - name: Aspirin\n    dose: 81 mg\nnotes: hi\n"
    )


def test_missing_section_is_appended(tmp_path: Path) -> None:
    path = write(tmp_path / "p.yaml", MINIMAL.rstrip("\n"))  # no final newline
    add_entry(path, "allergies", {"substance": "Peanuts"})
    assert path.read_text().endswith(
        "Second opinion on a test\nallergies:\n  - substance: Peanuts\n"
    )
    assert load_packet(path).packet.allergies is not None


def test_windows_line_endings_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_bytes((MINIMAL + "questions:\n  - First?\n").replace("\n", "\r\n").encode())
    add_entry(path, "questions", {"text": "Second?"})
    raw = path.read_bytes()
    assert raw.endswith(b"  - First?\r\n  - Second?\r\n") and b"\n" not in raw.replace(b"\r\n", b"")


def test_unicode_is_written_as_is(tmp_path: Path) -> None:
    path = write(tmp_path / "p.yaml", MINIMAL)
    add_entry(path, "questions", {"text": "Χρειάζομαι χειρουργείο;"})
    assert "Χρειάζομαι χειρουργείο;" in path.read_text(encoding="utf-8")


def test_file_permissions_are_kept(tmp_path: Path) -> None:
    path = write(tmp_path / "p.yaml", MINIMAL)
    path.chmod(0o640)
    add_entry(path, "questions", {"text": "Why?"})
    assert path.stat().st_mode & 0o777 == 0o640


@pytest.mark.parametrize(
    ("section", "entry", "message"),
    [
        ("medications", {"name": "X", "since": "last spring"}, "--since"),
        ("questions", {"text": "Q", "priority": "urgent"}, r'\(--priority\): "urgent" is not one'),
        ("records", {"title": "T", "kind": "labs", "file": "a.pdf"}, 'did you mean "lab"'),
        ("medications", {"name": ""}, r"name \(--name\) must not be empty"),
        ("records", {"title": "T", "file": "a.pdf", "date": "12/03/2026"}, "could mean 3 Dec"),
        ("records", {"title": "T", "file": "a.pdf", "pages": "3-1"}, "--pages"),
    ],
)
def test_invalid_entry_is_refused_and_file_untouched(
    tmp_path: Path, section: str, entry: dict, message: str
) -> None:
    path = write(tmp_path / "p.yaml", MINIMAL)
    with pytest.raises(UsageError, match=message):
        add_entry(path, section, entry)
    assert path.read_text() == MINIMAL


def test_broken_packet_is_refused_with_position(tmp_path: Path) -> None:
    path = write(tmp_path / "p.yaml", MINIMAL + "questions: [oops\n")
    before = path.read_text()
    with pytest.raises(PacketFileError) as info:
        add_entry(path, "questions", {"text": "Why?"})
    assert info.value.problems[0].line is not None
    assert path.read_text() == before


def test_section_that_is_not_a_list(tmp_path: Path) -> None:
    path = write(tmp_path / "p.yaml", MINIMAL + "questions: just one\n")
    with pytest.raises(PacketFileError, match="should be a list"):
        add_entry(path, "questions", {"text": "Why?"})


def test_problems_elsewhere_are_warnings(tmp_path: Path) -> None:
    path = write(tmp_path / "p.yaml", MINIMAL + "notez: typo\n")
    result = add_entry(path, "questions", {"text": "Why?"})
    assert any("notez" in w for w in result.warnings)
    assert "  - Why?" in path.read_text()


def test_flow_list_entries_are_quoted_where_needed(tmp_path: Path) -> None:
    path = write(tmp_path / "p.yaml", MINIMAL + 'questions: ["Is surgery necessary?"]\n')
    add_entry(path, "questions", {"text": "What next, doctor?"})
    add_entry(path, "questions", {"text": "Is it [really] needed?"})
    assert load_packet(path).packet.questions == [
        "Is surgery necessary?",
        "What next, doctor?",
        "Is it [really] needed?",
    ]


@pytest.mark.parametrize(
    "written",
    [
        "questions: null  # later\n",
        "questions: ~\n",
        "questions: [a,\n  b,\n]\n",
        "questions: [a,  # one\n  b  # two\n]\n",
    ],
    ids=["null", "tilde", "trailing-comma", "commented-flow"],
)
def test_lists_written_in_other_ways(tmp_path: Path, written: str) -> None:
    path = write(tmp_path / "p.yaml", MINIMAL + written + "notes: kept\n")
    before = load_packet(path).packet.questions
    add_entry(path, "questions", {"text": "Why, though?"})
    packet = load_packet(path).packet
    assert packet.questions == [*before, "Why, though?"] and packet.notes == "kept"
    if "#" in written:
        assert written.split("#")[1].split("\n")[0] in path.read_text()


def test_symlinked_packet_is_edited_in_place(tmp_path: Path) -> None:
    real = write(tmp_path / "real.yaml", MINIMAL)
    link = tmp_path / "link.yaml"
    link.symlink_to(real)
    add_entry(link, "questions", {"text": "Why?"})
    assert link.is_symlink() and "  - Why?" in real.read_text()


def test_api_accepts_text_paths_and_names_unknown_lists(tmp_path: Path) -> None:
    path = write(tmp_path / "p.yaml", MINIMAL)
    add_entry(str(path), "allergies", {"substance": "Latex"})
    with pytest.raises(UsageError, match="no list called 'allergy'"):
        add_entry(str(path), "allergy", {"substance": "Latex"})


def test_record_copy_happens_only_after_the_entry_is_valid(
    tmp_path: Path, pdf_factory: Callable[..., Path]
) -> None:
    from sopacket.packetfile.edit import add_record

    path = write(tmp_path / "packet.yaml", MINIMAL)
    source = pdf_factory("Downloads/My Scans/blood tests.pdf")
    with pytest.raises(UsageError, match="kind"):
        add_record(path, source, {"title": "Blood", "kind": "labs"}, copy=True)
    assert not (tmp_path / "records").exists()
    add_record(path, source, {"title": "Blood", "kind": "lab"}, copy=True)
    assert sorted(p.name for p in (tmp_path / "records").iterdir()) == ["blood tests.pdf"]
    assert "file: records/blood tests.pdf" in path.read_text()


def test_add_keeps_group_permissions_whatever_the_umask(tmp_path: Path) -> None:
    import os
    import stat

    from typer.testing import CliRunner

    from sopacket.cli import app

    packet = tmp_path / "packet.yaml"
    packet.write_text((ROOT / "examples" / "jane-doe" / "packet.yaml").read_text())
    packet.chmod(0o664)
    old = os.umask(0o077)
    try:
        result = CliRunner().invoke(app, ["add", "question", str(packet), "What else?"])
    finally:
        os.umask(old)
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(packet.stat().st_mode) == 0o664
