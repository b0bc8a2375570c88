"""`sopacket verify`: a built packet is opened and checked against its own manifest;
tampering, wrong originals, wrong passwords and non-packets each get their exit code."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pikepdf
import pytest
from typer.testing import CliRunner

from sopacket.cli import app
from sopacket.verify import verify

from .conftest import EXAMPLE, make_pdf

PW = "correct horse battery staple"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("verify") / "jane-doe"
    shutil.copytree(EXAMPLE, folder)
    out = folder / "packet.pdf"
    result = CliRunner().invoke(
        app,
        ["build", str(folder / "packet.yaml"), "--password-stdin", "-o", str(out)],
        input=PW + "\n",
    )
    assert result.exit_code == 0, result.output
    return out


def run_verify(pdf: Path, *args: str, password: str = PW):
    return CliRunner().invoke(
        app, ["verify", str(pdf), "--password-stdin", *args], input=password + "\n"
    )


def tampered(built: Path, tmp_path: Path, change) -> Path:
    """The packet changed by ``change(pdf)`` and saved again with the same encryption."""
    out = tmp_path / "tampered.pdf"
    with pikepdf.open(built, password=PW) as pdf:
        change(pdf)
        pdf.save(out, encryption=pikepdf.Encryption(user=PW, owner="x" * 20, R=6))
    return out


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
    (bad,) = [c for c in json.loads(result.stdout)["checks"] if not c["ok"]]
    assert bad["check"] == "no active content" and "JavaScript" in bad["detail"]


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
