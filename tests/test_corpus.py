"""The hostile and broken corpus (tests/corpus/make_hostile.py) through `build`.

Every "clean" file goes into a packet that qpdf checks clean; the packet is decrypted and
fully decompressed with qpdf and searched for every marker the input carried and every
key of active content. Every "error" file is refused with a message naming the record,
and no output is written.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import pikepdf
import pytest
from typer.testing import CliRunner

from sopacket.build import BuildOptions, BuildResult, build
from sopacket.checking.check import check_file
from sopacket.cli import app
from sopacket.errors import RecordError
from sopacket.records.access import RecordAccess
from sopacket.verify import verify

from .conftest import MINIMAL, write
from .corpus.make_hostile import generate

PW = "correct horse battery staple"
# Keys and names of active content; none may appear in a decrypted, decompressed packet.
FORBIDDEN = [
    rb"/JavaScript\b",
    rb"/JS\b",
    rb"/AA\b",
    rb"/OpenAction\b",
    rb"/Launch\b",
    rb"/SubmitForm\b",
    rb"/ImportData\b",
    rb"/URI\b",
    rb"/GoToR\b",
    rb"/GoToE\b",
    rb"/RichMedia",
    rb"/Screen\b",
    rb"/Movie\b",
    rb"/Sound\b",
    rb"/Rendition\b",
    rb"/XFA\b",
    rb"/AcroForm\b",
    rb"/Widget\b",
    rb"/FileAttachment\b",
    rb"/Metadata\b",
    rb"/S /GoTo\b",
]

# Markers here live in metadata or in an earlier revision: dropped from every record, as
# a rule, not reported as active content.
QUIET_REMOVALS = {"metadata.pdf", "incremental.pdf"}

CORPUS: dict[str, dict[str, Any]] = {}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("corpus")
    CORPUS.update(generate(folder))
    return folder


def _names(kind: str, *expects: str) -> list[str]:
    # The catalog is known only once generated; list the names statically from a run.
    catalog = generate_catalog()
    return [n for n, e in catalog.items() if e["kind"] == kind and e["expect"] in expects]


def generate_catalog() -> dict[str, dict[str, Any]]:
    import tempfile

    if not CORPUS:
        with tempfile.TemporaryDirectory() as tmp:
            CORPUS.update(generate(Path(tmp)))
    return CORPUS


def build_one(corpus: Path, tmp_path: Path, name: str, **access: Any) -> BuildResult:
    record = tmp_path / name
    record.write_bytes((corpus / name).read_bytes())
    packet = write(
        tmp_path / "packet.yaml",
        MINIMAL + f"records:\n  - {{title: Record under test, kind: other, file: {name}}}\n",
    )
    options = BuildOptions(
        output=tmp_path / "out.pdf", allow_incomplete=True, access=RecordAccess(**access)
    )
    return build(packet, PW, options)


def decrypted(packet: Path) -> bytes:
    """The packet decrypted, its streams decompressed, no object streams (qpdf). JPEG
    data is left as it is (``generalized``, not ``all``): decoding it to pixels would hide
    the EXIF and GPS segments this search must not find."""
    plain = packet.with_name("plain.pdf")
    subprocess.run(
        [
            "qpdf",
            f"--password={PW}",
            "--decrypt",
            "--qdf",
            "--object-streams=disable",
            "--decode-level=generalized",
            str(packet),
            str(plain),
        ],
        check=True,
        capture_output=True,
    )
    return plain.read_bytes()


def assert_clean(out: Path, entry: dict[str, Any]) -> str:
    check = subprocess.run(
        ["qpdf", f"--password={PW}", "--check", str(out)], capture_output=True, text=True
    )
    assert check.returncode == 0, check.stdout + check.stderr
    data = decrypted(out)
    for marker in entry["markers"]:
        assert marker.encode() not in data, marker
    # The manifest is the packet's one attachment; nothing else is attached or active.
    with pikepdf.open(out, password=PW) as pdf:
        assert list(pdf.attachments) == ["manifest.json"]
    # Keys are searched in the objects' dictionaries, not in stream data (fonts, images).
    dictionaries = re.sub(rb"\nstream\r?\n.*?\nendstream", b"", data, flags=re.S)
    for pattern in FORBIDDEN:
        assert not re.search(pattern, dictionaries), pattern
    assert verify(out, PW).intact
    return subprocess.run(
        ["pdftotext", "-upw", PW, str(out), "-"], capture_output=True, text=True, check=True
    ).stdout


@pytest.mark.parametrize("name", _names("record", "clean"))
def test_clean_after_removing_active_content(corpus: Path, tmp_path: Path, name: str) -> None:
    entry = CORPUS[name]
    result = build_one(corpus, tmp_path, name)
    text = assert_clean(result.output, entry)
    if "visible" in entry:
        assert entry["visible"] in text
    if "field_value" in entry:  # a form field's value stays readable, as page content
        assert entry["field_value"] in text
    if "pages" in entry:
        assert result.records[0].pages == entry["pages"]
    if entry.get("repaired"):
        assert any("repaired" in w for w in result.warnings)
    if entry["markers"] and name.endswith(".pdf") and name not in QUIET_REMOVALS:
        # Whatever active content was removed is said (never silently).
        assert result.records[0].removed or result.records[0].flattened_fields, name


def test_internal_links_still_work(corpus: Path, tmp_path: Path) -> None:
    entry = CORPUS["actions.pdf"] if CORPUS else generate_catalog()["actions.pdf"]
    result = build_one(corpus, tmp_path, "actions.pdf")
    first = result.records[0].first_page - 1
    with pikepdf.open(result.output, password=PW) as pdf:
        index = {p.obj.objgen: n for n, p in enumerate(pdf.pages)}
        links = []
        for n in range(first, first + result.records[0].pages):
            for annot in pdf.pages[n].obj.get("/Annots", []):
                if annot.get("/Subtype") == "/Link" and "/Dest" in annot:
                    links.append([n - first, index[annot.Dest[0].objgen] - first])
    assert sorted(links) == sorted(entry["internal_links"])


def test_harmless_bookmarks_survive(corpus: Path, tmp_path: Path) -> None:
    entry = CORPUS["js-outline.pdf"]
    result = build_one(corpus, tmp_path, "js-outline.pdf")
    first = result.records[0].first_page - 1
    with pikepdf.open(result.output, password=PW) as pdf:
        index = {p.obj.objgen: n for n, p in enumerate(pdf.pages)}
        with pdf.open_outline() as outline:
            record = next(i for i in outline.root if "Record under test" in str(i.title))
            kept = [[str(c.title), index[c.destination[0].objgen] - first] for c in record.children]
    assert sorted(kept) == sorted(entry["outline_targets"])


def test_photo_keeps_its_orientation_and_loses_its_metadata(corpus: Path, tmp_path: Path) -> None:
    result = build_one(corpus, tmp_path, "photo-gps.jpg")
    assert_clean(result.output, CORPUS["photo-gps.jpg"])
    width, height = CORPUS["photo-gps.jpg"]["display_size"]
    page = result.records[0].first_page
    out = subprocess.run(
        ["pdfimages", "-upw", PW, "-f", str(page), "-l", str(page), "-list", str(result.output)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    # Stored as taken (landscape pixels), drawn upright by the page (portrait on paper).
    assert re.search(rf"\bimage\s+{height}\s+{width}\b", out), out


@pytest.mark.parametrize("name", _names("record", "error"))
def test_refused_with_a_message_naming_the_record(corpus: Path, tmp_path: Path, name: str) -> None:
    with pytest.raises(RecordError) as caught:
        build_one(corpus, tmp_path, name)
    message = str(caught.value)
    assert "Record under test" in message and name in message
    assert not (tmp_path / "out.pdf").exists()
    report = check_file(tmp_path / "packet.yaml")
    assert not report.records[0].ok and report.records[0].problem


@pytest.mark.parametrize("name", _names("record", "error_or_clean"))
def test_refused_or_clean(corpus: Path, tmp_path: Path, name: str) -> None:
    try:
        result = build_one(corpus, tmp_path, name)
    except RecordError as exc:
        assert "Record under test" in str(exc)
        assert not (tmp_path / "out.pdf").exists()
    else:
        assert_clean(result.output, CORPUS[name])


def test_flate_bomb_is_refused(corpus: Path, tmp_path: Path) -> None:
    with pytest.raises(RecordError, match="expand to more than 64 MiB"):
        build_one(corpus, tmp_path, "flate-bomb.pdf")


def test_protected_record_builds_with_its_password(corpus: Path, tmp_path: Path) -> None:
    entry = CORPUS["encrypted.pdf"]
    record = tmp_path / "encrypted.pdf"
    record.write_bytes((corpus / "encrypted.pdf").read_bytes())
    packet = write(
        tmp_path / "packet.yaml",
        MINIMAL
        + "records:\n  - {title: Protected, kind: lab, file: encrypted.pdf, password: prompt}\n",
    )
    options = BuildOptions(
        output=tmp_path / "out.pdf",
        allow_incomplete=True,
        access=RecordAccess(ask=lambda _: entry["password"]),
    )
    result = build(packet, PW, options)
    text = assert_clean(result.output, entry)
    assert text.count(entry["visible"]) == 2


@pytest.mark.parametrize("name", _names("packet", "error"))
def test_hostile_packet_files_exit_2(corpus: Path, name: str) -> None:
    for command in (["check"], ["build", "--password-stdin"]):
        result = CliRunner().invoke(app, [*command, str(corpus / name)], input=PW + "\n")
        assert result.exit_code == 2, result.output
        assert "Traceback" not in result.output
        for marker in CORPUS[name]["markers"]:
            assert marker not in result.output
