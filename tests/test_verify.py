"""`sopacket verify`: a built packet is opened and checked against its own manifest;
tampering, wrong originals, wrong passwords and non-packets each get their exit code."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pikepdf
import pytest
from typer.testing import CliRunner

from sopacket.cli import app
from sopacket.verify import verify

from .conftest import BUILT_PW, make_pdf, tampered

PW = BUILT_PW


def run_verify(pdf: Path, *args: str, password: str = PW):
    return CliRunner().invoke(
        app, ["verify", str(pdf), "--password-stdin", *args], input=password + "\n"
    )


def test_intact_packet_with_its_originals(built: Path) -> None:
    result = run_verify(built, "--records", str(built.parent / "records"), "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["sopacket_verify"] == 1 and data["intact"] is True
    assert data["packet_id"] == "example-jd-2026" and data["pages"] == 18
    assert [r["original"] for r in data["records"]] == ["same"] * 7
    checks = {c["check"] for c in data["checks"]}
    assert {"encryption", "sopacket packet", "page count", "page ranges", "bookmarks"} <= checks
    assert "no active content" in checks


def test_human_report(built: Path) -> None:
    result = run_verify(built)
    assert result.exit_code == 0
    assert "AES-256, revision 6" in result.stdout and "The packet is intact." in result.stdout


def test_changed_and_missing_originals_are_named(built: Path, tmp_path: Path) -> None:
    records = tmp_path / "records"
    shutil.copytree(built.parent / "records", records)
    (records / "blood-tests.pdf").write_bytes(b"%PDF-1.4 not the same file")
    (records / "genomic-test.pdf").unlink()
    result = run_verify(built, "--records", str(records), "--json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    failed = {c["check"]: c["detail"] for c in data["checks"] if not c["ok"]}
    assert set(failed) == {"record 4 original", "record 5 original"}
    assert "blood-tests.pdf differs" in failed["record 4 original"]
    assert "genomic-test.pdf is not in" in failed["record 5 original"]


def test_javascript_added_afterwards_is_found(built: Path, tmp_path: Path) -> None:
    def add_js(pdf: pikepdf.Pdf) -> None:
        pdf.Root.OpenAction = pikepdf.Dictionary(
            S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert('x')")
        )

    result = run_verify(tampered(built, tmp_path, add_js), "--json")
    assert result.exit_code == 1
    bad = {c["check"]: c["detail"] for c in json.loads(result.stdout)["checks"] if not c["ok"]}
    assert "JavaScript" in bad["no active content"]
    assert set(bad) == {"no active content", "document"}  # what runs on opening is in it


def test_removed_page_is_found(built: Path, tmp_path: Path) -> None:
    def drop(pdf: pikepdf.Pdf) -> None:
        del pdf.pages[10]

    result = run_verify(tampered(built, tmp_path, drop), "--json")
    assert result.exit_code == 1
    failed = {c["check"] for c in json.loads(result.stdout)["checks"] if not c["ok"]}
    assert {"page count", "page ranges"} <= failed


def test_unencrypted_copy_is_not_intact(built: Path, tmp_path: Path) -> None:
    plain = tmp_path / "plain.pdf"
    subprocess.run(["qpdf", f"--password={PW}", "--decrypt", str(built), str(plain)], check=True)
    report = verify(plain, "")
    assert not report.intact
    assert [f.detail for f in report.findings if f.check == "encryption"] == [
        "the file is not encrypted"
    ]


def test_a_pdf_sopacket_did_not_build(tmp_path: Path) -> None:
    other = make_pdf(tmp_path / "other.pdf")
    result = run_verify(other)
    assert result.exit_code == 1
    assert "no sopacket manifest" in result.stdout


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"<html>Session expired</html>", "is not a PDF file"),
        (b"%PDF-1.7\n\x00\x01garbage", "too damaged"),
    ],
)
def test_files_that_cannot_be_opened_exit_2(tmp_path: Path, content: bytes, expected: str) -> None:
    bad = tmp_path / "packet.pdf"
    bad.write_bytes(content)
    result = run_verify(bad, "--json")
    assert result.exit_code == 2
    assert expected in json.loads(result.stdout)["error"]["message"]


def test_wrong_password_exit_4_and_not_echoed(built: Path) -> None:
    result = run_verify(built, "--json", password="a wrong password 123")
    assert result.exit_code == 4
    assert "a wrong password 123" not in result.output


def test_records_must_be_a_folder(built: Path) -> None:
    result = run_verify(built, "--records", str(built))
    assert result.exit_code == 2


def test_originals_are_found_in_subfolders(built: Path, tmp_path: Path) -> None:
    records = tmp_path / "export"
    for n, original in enumerate(sorted((built.parent / "records").iterdir())):
        folder = records / f"visit-{n % 3}"
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copy(original, folder / original.name)
    (records / "visit-9").mkdir()
    (records / "visit-9" / "blood-tests.pdf").write_bytes(b"another file, same name")
    result = run_verify(built, "--records", str(records), "--json")
    assert result.exit_code == 0, result.output
    assert [r["original"] for r in json.loads(result.stdout)["records"]] == ["same"] * 7


def test_original_names_with_glob_characters(tmp_path: Path) -> None:
    from .conftest import MINIMAL, make_pdf, write

    make_pdf(tmp_path / "in" / "visit" / "scan[1].pdf", 1, "Bracketed")
    packet = write(
        tmp_path / "in" / "packet.yaml",
        MINIMAL + "records:\n  - {title: Scan, kind: other, file: 'visit/scan[1].pdf'}\n",
    )
    out = tmp_path / "p.pdf"
    built = CliRunner().invoke(
        app,
        ["build", str(packet), "--password-stdin", "--allow-incomplete", "-o", str(out)],
        input=PW + "\n",
    )
    assert built.exit_code == 0, built.output
    result = run_verify(out, "--records", str(tmp_path / "in"), "--json")
    assert result.exit_code == 0, result.output
    assert [r["original"] for r in json.loads(result.stdout)["records"]] == ["same"]


def test_what_is_not_a_packet_file_is_refused_before_it_is_opened(tmp_path: Path) -> None:
    import os

    from sopacket import errors
    from sopacket.verify import PacketUnreadable

    assert PacketUnreadable is errors.PacketUnreadable  # still importable from verify
    os.mkfifo(tmp_path / "pipe.pdf")  # opening it to read would wait for a writer forever
    for path, words in (
        (tmp_path / "missing.pdf", "does not exist"),
        (tmp_path, "is a folder"),
        (tmp_path / "pipe.pdf", "not a regular file"),
    ):
        with pytest.raises(PacketUnreadable, match=words):
            verify(path, PW)


# --- issue 13: what verify missed -------------------------------------------------------

_STREAM = re.compile(rb"(\d+) (\d+) obj\n<<(.*?)>>\nstream\n", re.S)


def append_unencrypted_pages(built: Path, out: Path, text: bytes) -> Path:
    """What anyone holding the packet can do without its password: append a revision
    that redefines each page's drawing (the page-sized forms, whose dictionaries are
    readable) as an unencrypted stream (an Identity crypt filter) with a font of its own,
    with a new cross-reference section and a trailer pointing back (/Prev) at the
    original one. The encrypted page contents still draw the forms."""
    data = built.read_bytes()
    targets = [
        (int(m[1]), int(m[2]))
        for m in _STREAM.finditer(data)
        if b"/Subtype /Form" in m[3] and b"/BBox [ 0 0 612 792 ]" in m[3]
    ]
    prev = int(re.findall(rb"startxref\s+(\d+)", data)[-1])
    tail = data[prev:]
    size = int(re.search(rb"/Size (\d+)", tail)[1])
    root = re.search(rb"/Root (\d+ \d+ R)", tail)[1]
    encrypt = re.search(rb"/Encrypt (\d+ \d+ R)", tail)[1]
    ident = re.search(rb"/ID\s*\[[^\]]*\]", tail)[0]
    body = b"BT /F1 24 Tf 72 700 Td (" + text + b") Tj ET"
    out_data = bytearray(data)
    offsets = {}
    for num, gen in targets:
        offsets[num] = len(out_data)
        out_data += b"%d %d obj\n<< /Type /XObject /Subtype /Form /BBox [0 0 612 792] " % (num, gen)
        out_data += b"/Resources << /Font << /F1 << /Type /Font /Subtype /Type1 "
        out_data += b"/BaseFont /Helvetica >> >> >> /Length %d /Filter [/Crypt] " % len(body)
        out_data += b"/DecodeParms [<< /Name /Identity >>] >>\nstream\n" + body
        out_data += b"\nendstream\nendobj\n"
    xref = len(out_data)
    out_data += b"xref\n" + b"".join(
        b"%d 1\n%010d 00000 n \n" % (num, offsets[num]) for num in sorted(offsets)
    )
    out_data += b"trailer\n<< /Size %d /Root %s /Encrypt %s %s /Prev %d >>\n" % (
        size,
        root,
        encrypt,
        ident,
        prev,
    )
    out_data += b"startxref\n%d\n%%%%EOF\n" % xref
    out.write_bytes(bytes(out_data))
    return out


def test_revision_appended_without_the_password_is_refused(built: Path, tmp_path: Path) -> None:
    forged = append_unencrypted_pages(built, tmp_path / "forged.pdf", b"FORGED BY ATTACKER")
    shown = subprocess.run(
        ["pdftotext", "-upw", PW, str(forged), "-"], capture_output=True, check=True
    ).stdout
    assert b"FORGED BY ATTACKER" in shown  # poppler draws the attacker's pages
    result = run_verify(forged, "--records", str(built.parent / "records"), "--json")
    assert result.exit_code == 1, result.output
    data = json.loads(result.stdout)
    assert data["intact"] is False
    failed = {c["check"]: c["detail"] for c in data["checks"] if not c["ok"]}
    assert "one revision" in failed
    assert "2 revisions" in failed["one revision"]
    assert "Identity crypt filter" in failed["one revision"]
    human = run_verify(forged)
    assert human.exit_code == 1 and "not intact" in human.stdout


def _flipped(data: bytes, at: int) -> bytes:
    changed = bytearray(data)
    for i in range(5):
        changed[at + i] ^= 0xFF
    return bytes(changed)


def _content_stream_middle(built: Path, page: int) -> int:
    with pikepdf.open(built, password=PW) as pdf:
        contents = pdf.pages[page - 1].obj.Contents
        num = (contents if isinstance(contents, pikepdf.Stream) else contents[0]).objgen[0]
    data = built.read_bytes()
    match = next(m for m in _STREAM.finditer(data) if int(m[1]) == num)
    length = int(re.search(rb"/Length (\d+)", match[3])[1])
    return match.end() + length // 2


def test_five_bytes_flipped_in_a_page_are_damage(built: Path, tmp_path: Path) -> None:
    damaged = tmp_path / "damaged.pdf"
    damaged.write_bytes(_flipped(built.read_bytes(), _content_stream_middle(built, 9)))
    result = run_verify(damaged, "--json")
    assert result.exit_code == 1, result.output
    failed = {c["check"]: c["detail"] for c in json.loads(result.stdout)["checks"] if not c["ok"]}
    assert set(failed) == {"streams"}
    assert "damaged in page 9" in failed["streams"]


def test_five_bytes_flipped_in_the_middle_are_damage(built: Path, tmp_path: Path) -> None:
    data = built.read_bytes()
    # in the middle page's content stream (the file's middle byte itself may fall in a
    # JPEG's data, where flipped bytes can only smudge the picture, as the README says)
    with pikepdf.open(built, password=PW) as pdf:
        middle_page = len(pdf.pages) // 2 + 1
    damaged = tmp_path / "damaged.pdf"
    damaged.write_bytes(_flipped(data, _content_stream_middle(built, middle_page)))
    checked = subprocess.run(
        ["qpdf", "--check", f"--password={PW}", str(damaged)], capture_output=True, text=True
    )
    assert checked.returncode != 0  # qpdf finds it too
    result = run_verify(damaged)
    assert result.exit_code == 1, result.output
    assert "FAIL" in result.stdout and "the packet is damaged in page" in result.stdout


def test_a_packet_file_that_is_not_a_pdf_is_refused_before_a_password(tmp_path: Path) -> None:
    yaml = tmp_path / "packet.yaml"
    yaml.write_text("packet_id: x\n")
    result = CliRunner().invoke(app, ["verify", str(yaml)])  # no password given at all
    assert result.exit_code == 2, result.output
    assert "is the packet file (YAML), not the PDF" in result.output
    assert "password" not in result.output.lower()


def test_records_folder_without_any_original(built: Path, tmp_path: Path) -> None:
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "holiday.jpg").write_bytes(b"not a record")
    result = run_verify(built, "--records", str(tmp_path / "other"))
    assert result.exit_code == 2, result.output
    assert "the original files were not found there" in result.output
    assert "--records" in result.output and "not intact" not in result.output


def test_manifest_claiming_a_huge_record_is_a_finding(built: Path, tmp_path: Path) -> None:
    def huge(pdf: pikepdf.Pdf) -> None:
        manifest = json.loads(pdf.attachments["manifest.json"].get_file().read_bytes())
        manifest["volume"] = {
            "number": 1,
            "of": 1,
            "records": [[1, 7]],
            "record_pages": [10**12] * 7,
            "files": ["tampered.pdf"],
        }
        del pdf.attachments["manifest.json"]
        pdf.attachments["manifest.json"] = pikepdf.AttachedFileSpec(
            pdf, json.dumps(manifest).encode(), mime_type="application/json"
        )

    result = run_verify(tampered(built, tmp_path, huge), "--json")
    assert result.exit_code == 1, result.output
    data = json.loads(result.stdout)
    failed = {c["check"]: c["detail"] for c in data["checks"] if not c["ok"]}
    assert "record 1 is missing pages" in failed["record pages"]


def test_verify_reads_the_file_in_a_capped_child(
    built: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    import sopacket.verify

    parent = os.getpid()
    seen = []
    checks = sopacket.verify._checks

    def spy(*args):
        seen.append(os.getpid())
        return checks(*args)

    monkeypatch.setattr(sopacket.verify, "_checks", spy)
    assert verify(built, PW).intact
    monkeypatch.setattr(sopacket.verify, "VERIFY_LIMITS_SECONDS", 0.0001)
    slow = verify(built, PW)
    assert not slow.intact
    assert [f.check for f in slow.findings] == ["readable"]
    assert "longer than" in slow.findings[0].detail
    assert parent not in seen


def test_a_folder_with_the_originals_of_some_parts_only_is_not_the_wrong_folder(
    tmp_path: Path,
) -> None:
    """A packet in parts: the originals of part 1 are there, part 2's are not. That is
    a finding for part 2's records, not the wrong folder; no original of any part is."""
    from sopacket.errors import OriginalsNotFound
    from sopacket.verify import VerifyReport, _require_originals

    first, second = VerifyReport(tmp_path / "1.pdf"), VerifyReport(tmp_path / "2.pdf")
    first.records = [{"original": "same"}, {"original": "missing"}]
    second.records = [{"original": "missing"}]
    _require_originals([first, second], tmp_path)
    _require_originals([second], None)  # without --records nothing is required
    with pytest.raises(OriginalsNotFound, match="the original files were not found there"):
        _require_originals([second, second], tmp_path)
