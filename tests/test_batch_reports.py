"""Batch reports and scripting: passwords that stay valid for every copy of a packet, one
batch per output folder, reports without patients' folder and file names, `not started`
after a stop, CSV values a script can read, folding at 80 columns, and the exit codes of
signals, closed pipes and full disks."""

from __future__ import annotations

import csv
import fcntl
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sopacket.batch import LOCK_NAME
from sopacket.cli import app
from sopacket.errors import ExitCode

from .conftest import EXAMPLE, MINIMAL, ROOT, write
from .test_batch import _env, complete_packet, opens
from .test_passwords import MemoryKeyring
from .test_passwords import memory_keyring as memory_keyring

PATIENT = ("Quimby", "Zorblax")


def run_batch(*args: str):
    return CliRunner().invoke(app, ["batch", *args])


def quimby_packet(root: Path) -> Path:
    """The common clinic layout: one folder per patient, named after them, whose first
    record (named after them too) is damaged."""
    folder = root / "in" / "Quimby_Zorblax"
    shutil.copytree(EXAMPLE, folder)
    packet = folder / "packet.yaml"
    text = packet.read_text().replace("id: example-jd-2026", "id: qz-0001")
    packet.write_text(
        text.replace("records/pathology-report.pdf", "records/Quimby_Zorblax_pathology.pdf")
    )
    (folder / "records" / "pathology-report.pdf").unlink()
    (folder / "records" / "Quimby_Zorblax_pathology.pdf").write_bytes(b"%PDF-1.7 damaged")
    return packet


def test_reports_name_packets_by_id_and_records_by_number(
    tmp_path: Path, memory_keyring: MemoryKeyring
) -> None:
    packet = quimby_packet(tmp_path)
    out, csv_report = tmp_path / "out", tmp_path / "report.csv"
    table = run_batch(
        str(packet), "-o", str(out), "--generate-password", "--report", str(csv_report)
    )
    as_json = run_batch(str(packet.parent.parent), "-o", str(out), "--generate-password", "--json")
    assert table.exit_code == as_json.exit_code == ExitCode.NOT_READY
    shown = table.stdout + table.stderr + as_json.stdout + as_json.stderr
    for text in (csv_report.read_text(), shown):
        assert not any(name in text for name in PATIENT), text
        assert "qz-0001" in text and "record 1 cannot be used" in text
    (row,) = json.loads(as_json.stdout)["packets"]
    assert "source" not in row and row["number"] == 1 and row["status"] == "failed"
    # --report-paths names the files, for staff who want them, with a warning.
    named = run_batch(
        str(packet), "-o", str(out), "--keyring", "--json", "--report-paths",
        "--report", str(tmp_path / "named.csv"),
    )  # fmt: skip
    (row,) = json.loads(named.stdout)["packets"]
    assert row["source"] == str(packet)
    assert "records/Quimby_Zorblax_pathology.pdf" in row["problems"][0]
    assert "Warning: --report-paths puts the packet and record file names" in named.stderr
    with (tmp_path / "named.csv").open(newline="") as fh:
        (line,) = list(csv.DictReader(fh))
    assert line["source"] == str(packet) and "Quimby_Zorblax_pathology.pdf" in line["problems"]


def test_a_packet_file_error_is_given_by_line_not_by_path(
    tmp_path: Path, memory_keyring: MemoryKeyring
) -> None:
    write(tmp_path / "in" / "Quimby_Zorblax" / "packet.yaml", "sopacket: 1\npatient: [open\n")
    result = run_batch(str(tmp_path / "in"), "-o", str(tmp_path / "o"), "--keyring", "--json")
    (row,) = json.loads(result.stdout)["packets"]
    assert row["id"] is None and row["number"] == 1 and "line 2" in row["problems"][0]
    assert not any(name in result.stdout + result.stderr for name in PATIENT)


def test_a_second_output_folder_keeps_the_stored_password(
    tmp_path: Path, memory_keyring: MemoryKeyring
) -> None:
    packet = complete_packet(tmp_path / "in" / "p", "keep-1")
    first = run_batch(str(packet), "-o", str(tmp_path / "a"), "--generate-password", "--json")
    (row,) = json.loads(first.stdout)["packets"]
    assert row["password"] == "new"
    stored = memory_keyring.store[("sopacket", "keep-1")]
    second = run_batch(str(packet), "-o", str(tmp_path / "b"), "--generate-password", "--json")
    (row,) = json.loads(second.stdout)["packets"]
    assert row["status"] == "built" and row["password"] == "stored"
    assert memory_keyring.store[("sopacket", "keep-1")] == stored
    # Both copies (the first perhaps already uploaded) open with the one stored password.
    assert opens(tmp_path / "a" / "keep-1.pdf", stored)
    assert opens(tmp_path / "b" / "keep-1.pdf", stored)


def test_new_passwords_replace_the_stored_ones_and_say_so(
    tmp_path: Path, memory_keyring: MemoryKeyring
) -> None:
    packet = complete_packet(tmp_path / "in" / "p", "rot-1")
    out = tmp_path / "out"
    run_batch(str(packet), "-o", str(out), "--generate-password")
    old = memory_keyring.store[("sopacket", "rot-1")]
    shutil.copy(out / "rot-1.pdf", tmp_path / "sent-earlier.pdf")
    report = tmp_path / "r.csv"
    rotated = run_batch(str(packet), "-o", str(out), "--new-passwords", "--report", str(report))
    assert rotated.exit_code == 0, rotated.output
    assert "copies of them written or sent earlier open only with the old password" in (
        rotated.stderr
    )
    new = memory_keyring.store[("sopacket", "rot-1")]
    assert new != old
    assert opens(out / "rot-1.pdf", new) and not opens(out / "rot-1.pdf", old)
    assert opens(tmp_path / "sent-earlier.pdf", old)
    with report.open(newline="") as fh:
        (line,) = list(csv.DictReader(fh))
    assert line["password"] == "replaced" and "open only with the old password" in line["notes"]
    as_json = run_batch(str(packet), "-o", str(out), "--new-passwords", "--json")
    assert json.loads(as_json.stdout)["passwords_replaced"] == ["rot-1"]
    both = run_batch(str(packet), "-o", str(out), "--new-passwords", "--keyring")
    assert both.exit_code == ExitCode.INPUT_ERROR


def test_a_folder_in_use_by_another_batch_is_refused(
    tmp_path: Path, memory_keyring: MemoryKeyring
) -> None:
    packet = complete_packet(tmp_path / "in" / "p", "lock-1")
    out = tmp_path / "out"
    out.mkdir()
    with (out / LOCK_NAME).open("w") as held:  # another batch holds the folder
        fcntl.flock(held, fcntl.LOCK_EX)
        result = run_batch(str(packet), "-o", str(out), "--generate-password")
    assert result.exit_code == ExitCode.OUTPUT_ERROR
    assert "another sopacket batch is writing to" in result.stderr
    assert [p.name for p in out.iterdir()] == [LOCK_NAME]
    assert memory_keyring.store == {}


def test_two_batches_at_once_leave_every_packet_openable(tmp_path: Path) -> None:
    for n in range(6):
        complete_packet(tmp_path / "in" / f"p{n}", f"two-{n}")
    out = tmp_path / "out"
    (tmp_path / "tmp").mkdir()
    env = _env(tmp_path)
    cmd = [sys.executable, "-m", "sopacket", "batch", str(tmp_path / "in"), "-o", str(out)]
    runs = [
        subprocess.Popen(
            [*cmd, "--generate-password", "-q"], env=env, stderr=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    outcomes = [(run.wait(timeout=600), run.stderr.read() if run.stderr else "") for run in runs]
    for code, err in outcomes:
        assert code == 0 or (code == 3 and "another sopacket batch is writing" in err), err
    assert any(code == 0 for code, _ in outcomes)
    keyring = json.loads((tmp_path / "keyring.json").read_text())
    built = sorted(out.glob("*.pdf"))
    assert len(built) == 6
    for pdf in built:
        assert opens(pdf, keyring[f"sopacket/{pdf.stem}"]), pdf


def test_sigterm_stops_with_143_and_unbuilt_packets_are_not_started(tmp_path: Path) -> None:
    for n in range(12):
        complete_packet(tmp_path / "in" / f"p{n:02d}", f"term-{n:02d}")
    out, report = tmp_path / "out", tmp_path / "r.json"
    (tmp_path / "tmp").mkdir()
    proc = subprocess.Popen(
        [sys.executable, "-m", "sopacket", "batch", str(tmp_path / "in"), "-o", str(out),
         "--generate-password", "-q", "--jobs", "1", "--report", str(report)],
        env=_env(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and len(list(out.glob("*.pdf"))) < 1:
        time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == ExitCode.TERMINATED == 143, err
    assert "Traceback" not in err
    data = json.loads(report.read_text())
    assert data["interrupted"] is True
    rows = data["packets"]
    waiting = [r for r in rows if r["status"] == "not started"]
    assert waiting and data["summary"]["not started"] == len(waiting)
    assert not any(r["status"] == "failed" for r in rows)  # none of them failed
    for row in waiting:
        assert not (out / f"{row['id']}.pdf").exists()


def test_csv_says_true_or_false_and_keeps_notes_apart(
    tmp_path: Path, memory_keyring: MemoryKeyring
) -> None:
    write(
        tmp_path / "in" / "a" / "packet.yaml",
        MINIMAL.replace("sopacket: 1\n", "sopacket: 1\nid: csv-1\n"),
    )
    out, report = tmp_path / "out", tmp_path / "r.csv"
    args = [str(tmp_path / "in"), "-o", str(out), "--generate-password", "--allow-incomplete"]
    assert run_batch(*args, "--report", str(report)).exit_code == 0
    with report.open(newline="") as fh:
        (line,) = list(csv.DictReader(fh))
    assert line["status"] == "built" and line["ready"] == "false"
    assert "still to do" in line["problems"] and "new password stored" not in line["problems"]
    assert line["notes"].startswith("new password stored")
    again = run_batch(*args, "--report", str(report))
    assert "skipped (up to date)" in again.stdout
    with report.open(newline="") as fh:
        (line,) = list(csv.DictReader(fh))
    assert line["status"] == "skipped" and line["ready"] == "false" and int(line["pages"]) > 0
    assert line["notes"].startswith("up to date") and line["problems"] == ""


def _cli(*args: str, env: dict[str, str] | None = None, **kw):
    """sopacket as a subprocess on an 80-column terminal's settings (COLUMNS=80)."""
    environ = dict(env or os.environ, PYTHONPATH=str(ROOT), COLUMNS="80")
    kw.setdefault("capture_output", True)
    return subprocess.run([sys.executable, "-m", "sopacket", *args], env=environ, text=True, **kw)


def test_at_80_columns_long_paths_fold_and_are_never_cut(
    tmp_path: Path, memory_keyring: MemoryKeyring
) -> None:
    helped = _cli("build", "--help")
    assert "…" not in helped.stdout and "second-opinion-packet-DATE.pd" in helped.stdout
    write(
        tmp_path / "in" / "a" / "packet.yaml",
        MINIMAL.replace("sopacket: 1\n", "sopacket: 1\nid: batch-cardio-2026-0001\n"),
    )
    out = tmp_path / "cfgout" / "a-rather-long-folder-for-the-cardiology-packets-of-2026"
    (tmp_path / "tmp").mkdir()
    result = _cli(
        "batch", str(tmp_path / "in"), "-o", str(out), "--generate-password",
        "--allow-incomplete", env=_env(tmp_path),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "…" not in result.stdout
    assert max(len(line) for line in result.stdout.splitlines()) <= 80
    joined = "".join(result.stdout.split())  # the folded pieces, put together again
    assert str(out / "batch-cardio-2026-0001.pdf") in joined


def test_a_closed_pipe_ends_quietly_with_141() -> None:
    for args in (["check", str(EXAMPLE / "packet.yaml")], ["schema"], ["build", "--help"]):
        read, write_end = os.pipe()
        os.close(read)  # the reader is gone before sopacket writes anything (`| head`)
        try:
            done = _cli(*args, stdout=write_end, capture_output=False, stderr=subprocess.PIPE)
        finally:
            os.close(write_end)
        assert done.returncode == ExitCode.BROKEN_PIPE == 141, (args, done.stderr)
        assert "Error" not in done.stderr and "Traceback" not in done.stderr
        assert "BrokenPipe" not in done.stderr


def _sh(command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["sh", "-c", command], capture_output=True, text=True)


def test_a_full_disk_names_the_file(tmp_path: Path) -> None:
    """On a real full file system: a tmpfs of 64 KiB, mounted in a private mount namespace
    of the test's own (root may do so here; elsewhere the test is skipped)."""
    if shutil.which("unshare") is None or _sh("unshare -m true").returncode != 0:
        pytest.skip("no private mount namespace here (needs unshare and root)")
    password = tmp_path / "pw"
    password.write_text("correct horse battery staple fine\n")
    password.chmod(0o600)
    mount = tmp_path / "full"
    mount.mkdir()
    python = f"PYTHONPATH={ROOT} {sys.executable} -m sopacket"
    build = (
        f"mount -t tmpfs -o size=64k tmpfs {mount} && {python} build {EXAMPLE}/packet.yaml "
        f"-o {mount}/p.pdf --password-file {password}; echo rc=$?; ls -A {mount}"
    )
    done = subprocess.run(["unshare", "-m", "--propagation", "private", "sh", "-c", build],
                          capture_output=True, text=True)  # fmt: skip
    assert "rc=3" in done.stdout, done.stderr
    assert done.stdout.strip().endswith("rc=3")  # nothing was left on the full disk
    assert f"{mount}/p.pdf could not be written (No space left on device)" in done.stderr
    assert "BufferedRandom" not in done.stderr
    # A result that cannot go to standard output says so (/dev/full: ENOSPC on write).
    full = _sh(f"{python} schema > /dev/full")
    assert full.returncode == 3 and "standard output" in full.stderr


def test_a_folder_named_by_the_packet_id_is_not_left_out(
    tmp_path: Path, memory_keyring: MemoryKeyring
) -> None:
    write(
        tmp_path / "in" / "idf-0001" / "packet.yaml",
        MINIMAL.replace("sopacket: 1\n", "sopacket: 1\nid: idf-0001\n"),
    )
    result = run_batch(str(tmp_path / "in"), "-o", str(tmp_path / "o"), "--keyring", "--json")
    (row,) = json.loads(result.stdout)["packets"]
    assert "no password for packet 'idf-0001'" in row["problems"][0]
    assert "[path left out]" not in result.stdout


def test_any_name_of_the_packet_left_in_a_message_is_left_out() -> None:
    """The guard behind the messages (which name records by number): a message that
    still quotes the packet's folder or a record's file loses it."""
    from sopacket.batch import _hide, _names_of

    names = _names_of(
        Path("in/Quimby_Zorblax/packet.yaml"), ["records/Quimby_Zorblax_pathology.pdf"]
    )
    said = _hide(
        [
            "cannot read in/Quimby_Zorblax/records/Quimby_Zorblax_pathology.pdf (denied)",
            "Quimby_Zorblax_pathology.pdf: too large; see the packet file",
            "the folder Quimby_Zorblax is not writable",
        ],
        names,
    )
    assert not any("Quimby" in line or "Zorblax" in line for line in said), said
    assert said[1].endswith("too large; see the packet file")  # the rest is kept


def _catches(pid: int, signum: int) -> bool:
    """Whether process ``pid`` has installed its own handler for ``signum`` (Linux)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    mask = next(line.split()[1] for line in status.splitlines() if line.startswith("SigCgt:"))
    return bool(int(mask, 16) >> (signum - 1) & 1)


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc")
@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGHUP, 129)])
def test_a_command_stopped_by_a_signal_exits_128_plus_its_number(signum: int, code: int) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "sopacket", "check", "-"],  # waits for the packet on stdin
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not _catches(proc.pid, signum):
        time.sleep(0.02)  # until sopacket has its handler: then the signal is its to take
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == code, err
    assert "Stopped" in err and "Traceback" not in err
