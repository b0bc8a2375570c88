"""`sopacket batch`: many packets in parallel, one report, nothing partial, resumable,
and shards that partition the work exactly."""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sopacket.batch import LOCK_NAME, shard_of
from sopacket.cli import app

from .conftest import EXAMPLE, MINIMAL, ROOT, write
from .test_passwords import MemoryKeyring
from .test_passwords import memory_keyring as memory_keyring
from .tools import default_signals

EXAMPLE_TEXT = (EXAMPLE / "packet.yaml").read_text()


def complete_packet(folder: Path, packet_id: str) -> Path:
    """A copy of the complete example packet under another id."""
    shutil.copytree(EXAMPLE, folder)
    path = folder / "packet.yaml"
    path.write_text(EXAMPLE_TEXT.replace("id: example-jd-2026", f"id: {packet_id}"))
    return path


@pytest.fixture(scope="module")
def batch_set(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """32 packets: 28 complete, and 4 broken in different ways."""
    root = tmp_path_factory.mktemp("batch") / "in"
    for n in range(28):
        complete_packet(root / f"patient-{n:02d}", f"bt-{n:02d}")
    complete_packet(root / "yaml-error", "bt-yaml")
    (root / "yaml-error" / "packet.yaml").write_text("sopacket: 1\npatient: [unclosed\n")
    complete_packet(root / "missing-record", "bt-missing")
    (root / "missing-record" / "records" / "blood-tests.pdf").unlink()
    complete_packet(root / "corrupt-record", "bt-corrupt")
    (root / "corrupt-record" / "records" / "genomic-test.pdf").write_bytes(b"%PDF-1.7 broken")
    path = complete_packet(root / "incomplete", "bt-incomplete")
    text = path.read_text()
    path.write_text(re.sub(r"\nquestions:\n(  .*\n)+", "\n", text))
    return root


def run_batch(*args: str):
    return CliRunner().invoke(app, ["batch", *args])


def opens(pdf: Path, password: str) -> bool:
    check = subprocess.run(
        ["qpdf", f"--password={password}", "--check", str(pdf)], capture_output=True
    )
    return check.returncode == 0


def test_a_batch_with_broken_packets(
    batch_set: Path, tmp_path: Path, memory_keyring: MemoryKeyring
) -> None:
    out = tmp_path / "out"
    report = tmp_path / "report.json"
    result = run_batch(
        str(batch_set),
        "-o",
        str(out),
        "--generate-password",
        "--report",
        str(report),
        "--jobs",
        "2",
        "--report-paths",  # names the files, for the asserts below
    )
    assert result.exit_code == 1, result.output
    assert "--report-paths puts the packet and record file names" in result.stderr
    data = json.loads(report.read_text())
    rows = {Path(r["source"]).parent.name: r for r in data["packets"]}
    assert len(rows) == 32
    assert data["summary"] == {
        "built": 28,
        "skipped": 0,
        "incomplete": 1,
        "failed": 3,
        "not started": 0,
        "total": 32,
    }
    assert (
        rows["yaml-error"]["status"] == "failed"
        and "not valid YAML" in rows["yaml-error"]["problems"][0]
    )
    assert "blood-tests.pdf" in rows["missing-record"]["problems"][0]
    assert "does not exist" in rows["missing-record"]["problems"][0]
    assert "genomic-test.pdf" in rows["corrupt-record"]["problems"][0]
    assert rows["incomplete"]["status"] == "incomplete"
    assert "Questions prepared" in rows["incomplete"]["problems"][0]
    # Each good packet is named by its id and opens with its own stored password.
    stored = {user: pw for (svc, user), pw in memory_keyring.store.items()}
    built = sorted(out.glob("*.pdf"))
    assert [p.stem for p in built] == [f"bt-{n:02d}" for n in range(28)]
    # A new password is stored before its packet's build: the broken packets with an id
    # have theirs too (the next build uses it), one each, never shared.
    assert sorted(stored) == sorted(
        [p.stem for p in built] + ["bt-corrupt", "bt-incomplete", "bt-missing"]
    )
    assert len(set(stored.values())) == 31
    for pdf in built[:5]:
        assert opens(pdf, stored[pdf.stem]) and not opens(
            pdf, stored["bt-27" if pdf.stem != "bt-27" else "bt-00"]
        )
    # No password in the report; no patient name or record title either.
    text = report.read_text()
    for value in stored.values():
        assert value not in text
    assert "Jane Doe" not in text and "Core biopsy" not in text
    # The human summary names the failures.
    assert "28 built" in result.stdout and "3 failed" in result.stdout

    # Re-running is cheap: everything built is skipped, keeps its password; failures stay.
    again = run_batch(
        str(batch_set), "-o", str(out), "--generate-password", "--report", str(tmp_path / "r.csv")
    )
    assert again.exit_code == 1
    with (tmp_path / "r.csv").open(newline="") as fh:
        csv_rows = list(csv.DictReader(fh))
    assert sum(r["status"] == "skipped" for r in csv_rows) == 28
    assert {user: pw for (svc, user), pw in memory_keyring.store.items()} == stored
    assert list(csv_rows[0]) == [
        "id",
        "number",
        "status",
        "output",
        "pages",
        "bytes",
        "seconds",
        "ready",
        "password",
        "problems",
        "notes",
        "volumes",
    ]  # no `source` without --report-paths
    skipped = [r for r in csv_rows if r["status"] == "skipped"]
    assert all(r["ready"] == "true" and int(r["pages"]) > 0 for r in skipped)
    assert all(r["problems"] == "" and r["notes"].startswith("up to date") for r in skipped)

    # A packet changed since its build is built again; --force rebuilds everything.
    time.sleep(0.01)
    (batch_set / "patient-03" / "packet.yaml").touch()
    third = run_batch(
        str(batch_set / "patient-03"),
        str(batch_set / "patient-04"),
        "-o",
        str(out),
        "--keyring",
        "--json",
    )
    data = json.loads(third.stdout)
    assert [p["status"] for p in data["packets"]] == ["built", "skipped"]
    assert third.exit_code == 0


def test_shards_partition_the_packets(tmp_path: Path, memory_keyring: MemoryKeyring) -> None:
    for n in range(12):
        write(
            tmp_path / "in" / f"p{n}" / "packet.yaml",
            MINIMAL.replace("sopacket: 1\n", f"sopacket: 1\nid: shard-{n}\n"),
        )
        memory_keyring.store[("sopacket", f"shard-{n}")] = "correct horse battery staple"
    built: list[str] = []
    for k in (1, 2, 3):
        out = tmp_path / f"out{k}"
        result = run_batch(
            str(tmp_path / "in"),
            "-o",
            str(out),
            "--keyring",
            "--allow-incomplete",
            "--shard",
            f"{k}/3",
            "--json",
        )
        assert result.exit_code == 0, result.output
        ids = [p["id"] for p in json.loads(result.stdout)["packets"]]
        assert all(shard_of(i, 3) == k for i in ids)
        assert sorted(p.stem for p in out.glob("*.pdf")) == sorted(ids)
        built += ids
    assert sorted(built) == sorted(f"shard-{n}" for n in range(12))  # each once, all of them
    assert (
        run_batch(
            str(tmp_path / "in"), "-o", str(tmp_path / "x"), "--keyring", "--shard", "4/3"
        ).exit_code
        == 2
    )


def test_usage_errors(tmp_path: Path, memory_keyring: MemoryKeyring) -> None:
    write(tmp_path / "p" / "packet.yaml", MINIMAL)
    both = run_batch(
        str(tmp_path / "p"), "-o", str(tmp_path / "o"), "--keyring", "--generate-password"
    )
    assert both.exit_code == 2 and "one password source" in both.output
    no_out = run_batch(str(tmp_path / "p"), "--keyring")
    assert no_out.exit_code == 2 and "output folder" in no_out.output
    bad_report = run_batch(
        str(tmp_path / "p"), "-o", str(tmp_path / "o"), "--keyring", "--report", "r.txt"
    )
    assert bad_report.exit_code == 2
    (tmp_path / "empty").mkdir()
    nothing = run_batch(str(tmp_path / "empty"), "-o", str(tmp_path / "o2"), "--keyring")
    assert nothing.exit_code == 2 and "no packet files" in nothing.output
    missing_pw = run_batch(
        str(tmp_path / "p"), "-o", str(tmp_path / "o"), "--keyring", "--allow-incomplete", "--json"
    )
    assert missing_pw.exit_code == 1
    (row,) = json.loads(missing_pw.stdout)["packets"]
    assert row["status"] == "failed" and "no password" in row["problems"][0]


def test_a_usage_error_leaves_nothing_on_disk(
    tmp_path: Path, memory_keyring: MemoryKeyring
) -> None:
    write(tmp_path / "p" / "packet.yaml", MINIMAL)
    for args in (
        [str(tmp_path / "missing")],
        [str(tmp_path / "p"), "--report", "r.txt"],
        [str(tmp_path / "p"), "--shard", "5/4"],
        [str(tmp_path / "p"), "--paper", "legal"],
    ):
        result = run_batch(*args, "-o", str(tmp_path / "out"), "--keyring")
        assert result.exit_code == 2, args
        assert not (tmp_path / "out").exists(), args


def test_duplicate_ids_are_refused(tmp_path: Path, memory_keyring: MemoryKeyring) -> None:
    for name in ("a", "b"):
        write(
            tmp_path / name / "packet.yaml",
            MINIMAL.replace("sopacket: 1\n", "sopacket: 1\nid: same\n"),
        )
    memory_keyring.store[("sopacket", "same")] = "correct horse battery staple"
    result = run_batch(
        str(tmp_path), "-o", str(tmp_path / "out"), "--keyring", "--allow-incomplete", "--json"
    )
    statuses = [(p["status"], p["problems"][:1]) for p in json.loads(result.stdout)["packets"]]
    assert statuses[0][0] == "built"
    assert statuses[1][0] == "failed" and "same id" in statuses[1][1][0]


def _env(tmp_path: Path) -> dict[str, str]:
    return dict(
        os.environ,
        PYTHONPATH=str(ROOT),
        PYTHON_KEYRING_BACKEND="tests.plain_keyring.PlainFileKeyring",
        SOPACKET_TEST_KEYRING_FILE=str(tmp_path / "keyring.json"),
        TMPDIR=str(tmp_path / "tmp"),
    )


def test_killed_batch_leaves_no_partial_packet_and_rerun_completes(
    batch_set: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    (tmp_path / "tmp").mkdir()
    env = _env(tmp_path)
    cmd = [
        sys.executable,
        "-m",
        "sopacket",
        "batch",
        str(batch_set),
        "-o",
        str(out),
        "--generate-password",
        "--jobs",
        "2",
        "-q",
    ]
    proc = subprocess.Popen(
        cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(list(out.glob("*.pdf"))) < 6:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    first = sorted(p for p in out.glob("*") if p.name != LOCK_NAME)
    assert 6 <= len(first) < 28, "the kill must land part-way"
    keyring = json.loads((tmp_path / "keyring.json").read_text())
    for pdf in first:  # only whole packets, each opening with the password stored for it
        assert pdf.suffix == ".pdf" and not pdf.name.startswith(".")
        stored = keyring.get(f"sopacket/{pdf.stem}")
        assert stored is None or opens(pdf, stored)  # killed before storing: rebuilt below
    assert list((tmp_path / "tmp").iterdir()) == []
    again = subprocess.run(
        [*cmd[:-1], "--report", str(tmp_path / "r.json")],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert again.returncode == 1, again.stderr
    summary = json.loads((tmp_path / "r.json").read_text())["summary"]
    assert summary["built"] + summary["skipped"] == 28
    assert summary["skipped"] >= len(first) - 2
    keyring = json.loads((tmp_path / "keyring.json").read_text())
    for pdf in sorted(out.glob("*.pdf")):
        assert opens(pdf, keyring[f"sopacket/{pdf.stem}"]), pdf


def test_ctrl_c_stops_the_batch_with_exit_130(batch_set: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    env = _env(tmp_path)
    (tmp_path / "tmp").mkdir()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sopacket",
            "batch",
            str(batch_set),
            "-o",
            str(out),
            "--generate-password",
            "-q",
            "--report",
            str(tmp_path / "r.json"),
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=default_signals,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(list(out.glob("*.pdf"))) < 2:
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    assert "Run the same command again to build the rest" in err
    rows = json.loads((tmp_path / "r.json").read_text())["packets"]  # what was done, kept
    assert any(r["status"] == "built" for r in rows)
    assert any(r["status"] == "not started" for r in rows)
    for pdf in out.glob("*"):
        assert pdf.name == LOCK_NAME or (pdf.suffix == ".pdf" and not pdf.name.startswith("."))


def test_report_never_quotes_the_packet_files(
    tmp_path: Path, memory_keyring: MemoryKeyring
) -> None:
    write(
        tmp_path / "in" / "a" / "packet.yaml",
        MINIMAL.replace("1970-01-31", "1968-02-30")
        + "HIV positive since 2019: yes\n"
        + "records:\n  - {title: Biopsy, kind: Ana Test carcinoma biopsy, file: x.pdf}\n",
    )
    report = tmp_path / "r.json"
    result = run_batch(
        str(tmp_path / "in"), "-o", str(tmp_path / "o"), "--keyring", "--report", str(report)
    )
    assert result.exit_code == 1
    text = report.read_text() + result.output
    for secret in ("1968-02-30", "HIV", "carcinoma", "Ana Test"):
        assert secret not in text, secret
    (row,) = json.loads(report.read_text())["packets"]
    assert "3 problems" in row["problems"][0] and "sopacket check" in row["problems"][0]


def test_stale_records_are_found_by_content_and_new_passwords_are_said(
    tmp_path: Path, memory_keyring: MemoryKeyring
) -> None:
    packet = complete_packet(tmp_path / "in" / "p", "bt-stale")
    out = tmp_path / "out"
    first = run_batch(str(packet), "-o", str(out), "--generate-password", "--json")
    assert json.loads(first.stdout)["packets"][0]["status"] == "built"
    assert "New passwords for 1 packet(s)" in first.stderr
    # A record replaced by another file with an OLDER date: dates alone would skip it.
    record = tmp_path / "in" / "p" / "records" / "blood-tests.pdf"
    shutil.copy2(tmp_path / "in" / "p" / "records" / "genomic-test.pdf", record)
    os.utime(record, (1_000_000_000, 1_000_000_000))
    again = json.loads(run_batch(str(packet), "-o", str(out), "--keyring", "--json").stdout)
    assert again["packets"][0]["status"] == "built"
    third = run_batch(str(packet), "-o", str(out), "--generate-password", "--force", "--json")
    (row,) = json.loads(third.stdout)["packets"]  # --force alone keeps the password
    assert row["status"] == "built" and row["password"] == "stored"
    fourth = run_batch(str(packet), "-o", str(out), "--new-passwords", "--json")
    (row,) = json.loads(fourth.stdout)["packets"]
    assert row["password"] == "replaced" and "replacing the one stored" in " ".join(row["notes"])


def test_urgent_and_incomplete_packets_say_so(
    tmp_path: Path, memory_keyring: MemoryKeyring
) -> None:
    write(
        tmp_path / "in" / "u" / "packet.yaml",
        MINIMAL.replace("sopacket: 1\n", "sopacket: 1\nid: urgent-1\n")
        + "symptoms: [{text: Crushing chest pain, urgent: true}]\n",
    )
    memory_keyring.store[("sopacket", "urgent-1")] = "correct horse battery staple"
    built = run_batch(
        str(tmp_path / "in"), "-o", str(tmp_path / "o"), "--keyring", "--allow-incomplete",
        "--json",
    )  # fmt: skip
    (row,) = json.loads(built.stdout)["packets"]
    assert row["status"] == "built" and row["ready"] is False
    assert row["problems"][0].startswith("URGENT symptoms are listed")
    assert "built, but still to do" in row["problems"][1]
    assert "Crushing chest pain" not in built.stdout
    refused = run_batch(str(tmp_path / "in"), "-o", str(tmp_path / "o2"), "--keyring", "--json")
    (row,) = json.loads(refused.stdout)["packets"]
    assert row["status"] == "incomplete" and row["problems"][0].startswith("URGENT")


def test_changed_options_rebuild_and_linked_folders_are_searched(
    tmp_path: Path, memory_keyring: MemoryKeyring
) -> None:
    real = tmp_path / "elsewhere" / "p"
    write(real / "packet.yaml", MINIMAL.replace("sopacket: 1\n", "sopacket: 1\nid: opt-1\n"))
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "linked").symlink_to(real.parent, target_is_directory=True)
    memory_keyring.store[("sopacket", "opt-1")] = "correct horse battery staple"
    out = str(tmp_path / "out")

    def status(*args: str) -> tuple[str, int]:
        result = run_batch(str(tmp_path / "in"), "-o", out, "--keyring", "--json", *args)
        (row,) = json.loads(result.stdout)["packets"]  # found through the linked folder
        return row["status"], result.exit_code

    assert status("--allow-incomplete") == ("built", 0)
    assert status("--allow-incomplete") == ("skipped", 0)
    assert status("--allow-incomplete", "--paper", "a4") == ("built", 0)  # options changed
    # Built incomplete before; without --allow-incomplete it must not pass as up to date.
    assert status() == ("incomplete", 1)
