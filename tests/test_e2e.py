"""The installed `sopacket` command, run as a person runs it: a new process, real files."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from .conftest import EXAMPLE, MINIMAL, make_pdf

SOPACKET = shutil.which("sopacket")
pytestmark = pytest.mark.skipif(SOPACKET is None, reason="sopacket is not installed")


def run(*args: str, cwd: Path, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "FORCE_COLOR")}
    return subprocess.run(
        [str(SOPACKET), *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        input=stdin,
        env=env,
        timeout=120,
    )


def test_new_patient_flow(tmp_path: Path) -> None:
    assert run("init", "packet", "--template", "neurology", cwd=tmp_path).returncode == 0
    packet = tmp_path / "packet" / "packet.yaml"
    first = run("check", str(packet), cwd=tmp_path)
    assert first.returncode == 1 and "MISSING" in first.stdout
    make_pdf(tmp_path / "Downloads" / "mri.pdf", 2, "Brain MRI")
    added = run(
        "add",
        "record",
        str(packet),
        "Downloads/mri.pdf",
        "--title",
        "Brain MRI report",
        "--kind",
        "imaging",
        "--date",
        "2026-10-01",
        "--copy",
        cwd=tmp_path,
    )
    assert added.returncode == 0, added.stderr
    assert (tmp_path / "packet" / "records" / "mri.pdf").is_file()
    report = json.loads(run("check", str(packet), "--json", cwd=tmp_path).stdout)
    status = {i["id"]: i["status"] for i in report["items"]}
    assert status["brain_spine_imaging"] == "done" and status["record_files"] == "done"
    assert report["records"][0]["pages"] == 2


def test_example_is_ready(tmp_path: Path) -> None:
    result = run("check", str(EXAMPLE / "packet.yaml"), "--strict", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Ready to build" in result.stdout


def test_check_from_stdin(tmp_path: Path) -> None:
    result = run("check", "-", "--json", cwd=tmp_path, stdin=MINIMAL)
    assert result.returncode == 1
    assert json.loads(result.stdout)["ready"] is False


def test_bad_input_gets_a_message_not_a_traceback(tmp_path: Path) -> None:
    (tmp_path / "p.yaml").write_text("sopacket: 1\npatient:\n  name: [unclosed\n")
    result = run("check", "p.yaml", cwd=tmp_path)
    assert result.returncode == 2
    assert "started at line 3, column 9" in result.stderr
    assert "Traceback" not in result.stderr


def test_usage_error_exit_2(tmp_path: Path) -> None:
    result = run("check", "--no-such-option", cwd=tmp_path)
    assert result.returncode == 2 and "No such option" in result.stderr
    # no packet given, and none in the current folder: said plainly, exit 2 too
    result = run("check", cwd=tmp_path)
    assert result.returncode == 2 and "there is no packet.yaml here" in result.stderr


def test_record_that_crashes_or_bombs_the_reader_costs_one_message(tmp_path: Path) -> None:
    # A PNG declaring 60000x60000 pixels: Pillow refuses it as a decompression bomb.
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    bomb = tmp_path / "scan.png"
    ihdr = struct.pack(">IIBBBBB", 60000, 60000, 8, 2, 0, 0, 0)
    bomb.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IEND", b""))
    (tmp_path / "p.yaml").write_text(
        MINIMAL + "records:\n  - {title: Scan, kind: imaging, file: scan.png}\n"
    )
    result = run("check", "p.yaml", "--json", cwd=tmp_path)
    assert result.returncode == 1
    record = json.loads(result.stdout)["records"][0]
    assert record["ok"] is False and "too large" in record["problem"]


def test_build_as_a_script_would(tmp_path: Path) -> None:
    import shutil as sh

    sh.copytree(EXAMPLE, tmp_path / "jd")
    pw = "e2e-packet-password-77"
    result = run(
        "build", "jd/packet.yaml", "--password-stdin", "--json", cwd=tmp_path, stdin=pw + "\n"
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    out = Path(data["output"])
    assert out.parent == (tmp_path / "jd").resolve() and data["pages"] == 18
    assert pw not in result.stdout + result.stderr
    check = subprocess.run(
        ["qpdf", "--check", f"--password={pw}", str(out)], capture_output=True, text=True
    )
    assert check.returncode == 0
    again = run("build", "jd/packet.yaml", "--password-stdin", cwd=tmp_path, stdin=pw + "\n")
    assert again.returncode == 3 and "already exists" in again.stderr


def test_unparsable_command_lines_still_answer_in_json(tmp_path: Path) -> None:
    """A script asking for --json gets one JSON document even for a bad command line."""
    for args in (["check", "--json", "--no-such-option"], ["batch", "--json"]):
        result = run(*args, cwd=tmp_path)
        assert result.returncode == 2, args
        error = json.loads(result.stdout)["error"]
        assert error["type"] == "UsageError" and error["message"]
        assert "Usage:" in result.stderr
