"""Killing a build at any moment (SIGKILL: no clean-up code runs) never leaves a partial
packet or an unencrypted file behind: each build runs with a private TMPDIR, and
everything left there and in the output folder is searched for a marker from the records."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from .conftest import MINIMAL, write

PW = "correct horse battery staple"
MARKER = "KILLTESTMARKER"


def uncompressed_pdf(path: Path, pages: int) -> Path:
    """A record whose text (the marker) is stored uncompressed, so any plain copy of it
    anywhere would be found by a byte search."""
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), pageCompression=0, invariant=1)
    for n in range(pages):
        c.drawString(72, 700, f"{MARKER} page {n}")
        c.showPage()
    c.save()
    assert MARKER.encode() in path.read_bytes()
    return path


def files_under(*folders: Path) -> list[Path]:
    return [p for folder in folders for p in folder.rglob("*") if p.is_file()]


def test_sigkill_at_random_moments_leaves_nothing_partial(tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    for n in range(3):
        uncompressed_pdf(work / f"r{n}.pdf", 60)
    records = "".join(f"  - {{title: Record {n}, kind: other, file: r{n}.pdf}}\n" for n in range(3))
    packet = write(work / "packet.yaml", MINIMAL + "records:\n" + records)
    inputs = {p.name for p in files_under(work)}
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    env = dict(os.environ, TMPDIR=str(tmp))
    # How long a whole build takes here, so that kills land throughout it.
    started = time.monotonic()
    whole = subprocess.run(
        [
            sys.executable,
            "-m",
            "sopacket",
            "build",
            str(packet),
            "--password-stdin",
            "--allow-incomplete",
            "-q",
            "-o",
            str(out_dir / "full.pdf"),
        ],
        input=PW + "\n",
        text=True,
        capture_output=True,
        env=env,
        timeout=120,
    )
    assert whole.returncode == 0, whole.stderr
    duration = time.monotonic() - started
    (out_dir / "full.pdf").unlink()
    rng = random.Random(20261125)
    killed = 0
    for attempt in range(12):
        out = out_dir / f"packet-{attempt}.pdf"
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "sopacket",
                "build",
                str(packet),
                "--password-stdin",
                "--allow-incomplete",
                "-q",
                "-o",
                str(out),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
            start_new_session=True,
        )
        assert proc.stdin is not None
        proc.stdin.write((PW + "\n").encode())
        proc.stdin.close()
        time.sleep(rng.uniform(0.05, duration * 1.1))
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)  # the build and any child reading records
            killed += 1
        proc.wait(timeout=60)
        if out.exists():  # finished before the kill: then it must be whole
            check = subprocess.run(
                ["qpdf", f"--password={PW}", "--check", str(out)], capture_output=True
            )
            assert check.returncode == 0, f"attempt {attempt}: a partial packet was left"
    assert killed >= 6, "too few builds were killed mid-way to prove anything"
    # Nothing but whole packets in the output folder; nothing at all in TMPDIR; the
    # records' folder holds only what it held before.
    for left in files_under(out_dir):
        assert left.suffix == ".pdf" and not left.name.startswith("."), left
    assert files_under(tmp) == []
    assert {p.name for p in files_under(work)} == inputs
    for left in files_under(out_dir, tmp):
        assert MARKER.encode() not in left.read_bytes(), left
    shutil.rmtree(tmp)
