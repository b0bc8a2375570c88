"""The real OS keyring: a Secret Service (gnome-keyring) that .ci/run starts, unlocked,
inside a private D-Bus session. Outside that session these tests are skipped; inside it
(SOPACKET_REAL_KEYRING=1) they must pass; with SOPACKET_REQUIRE_ALL=1 (CI) a missing session
is a failure (tests/tools.py)."""

from __future__ import annotations

import shutil
import subprocess
import uuid
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sopacket.cli import app

pytestmark = pytest.mark.usefixtures("real_keyring")  # skipped outside that session
PW = "real-keyring-test-phrase"


def test_the_backend_is_the_secret_service() -> None:
    import keyring

    backend = keyring.get_keyring()
    chain = getattr(backend, "backends", None) or [backend]
    assert "keyring.backends.SecretService" in [type(b).__module__ for b in chain]


def test_store_read_list_forget_and_build(runner: CliRunner, example: Path) -> None:
    packet_id = f"ci-{uuid.uuid4().hex[:8]}"
    text = example.read_text().replace("id: example-jd-2026", f"id: {packet_id}")
    example.write_text(text)
    stored = runner.invoke(app, ["password", "set", packet_id, "--stdin"], input=PW + "\n")
    assert stored.exit_code == 0, stored.output
    shown = runner.invoke(app, ["password", "show", packet_id])
    assert shown.exit_code == 0 and shown.stdout.strip() == PW
    assert packet_id in runner.invoke(app, ["password", "list"]).stdout.split()
    out = example.parent / "kr.pdf"
    built = runner.invoke(app, ["build", str(example), "--keyring", "-o", str(out)])
    assert built.exit_code == 0, built.output
    assert (
        subprocess.run(
            ["qpdf", "--check", f"--password={PW}", str(out)], capture_output=True
        ).returncode
        == 0
    )
    assert (
        subprocess.run(["pdfinfo", "-upw", "wrong", str(out)], capture_output=True).returncode != 0
    )
    generated = runner.invoke(
        app,
        [
            "build",
            str(example),
            "--keyring",
            "--generate-password",
            "-o",
            str(example.parent / "gen.pdf"),
        ],
    )
    assert generated.exit_code == 0, generated.output
    new = runner.invoke(app, ["password", "show", packet_id]).stdout.strip()
    assert (
        new != PW
        and subprocess.run(
            ["pdfinfo", "-upw", new, str(example.parent / "gen.pdf")], capture_output=True
        ).returncode
        == 0
    )
    assert runner.invoke(app, ["password", "forget", packet_id]).exit_code == 0
    assert runner.invoke(app, ["password", "show", packet_id]).exit_code == 5
    assert shutil.which("qpdf")


def test_protected_record_from_the_keyring_and_verify_by_keyring(
    runner: CliRunner, tmp_path: Path
) -> None:
    import pikepdf

    from .conftest import MINIMAL, make_pdf, write

    name = f"labs-{uuid.uuid4().hex[:6]}.pdf"
    plain = make_pdf(tmp_path / "plain.pdf", 2, "Keyring protected record")
    with pikepdf.open(plain) as pdf:
        pdf.save(tmp_path / name, encryption=pikepdf.Encryption(user="1234", owner="o" * 12, R=6))
    packet_id = f"ci-{uuid.uuid4().hex[:8]}"
    packet = write(
        tmp_path / "packet.yaml",
        MINIMAL.replace("sopacket: 1\n", f"sopacket: 1\nid: {packet_id}\n")
        + f"records:\n  - {{title: Labs, kind: lab, file: {name}, password: keyring}}\n",
    )
    # A record's password is the issuer's choice: stored without a strength complaint.
    stored = runner.invoke(app, ["password", "set", f"record:{name}", "--stdin"], input="1234\n")
    assert stored.exit_code == 0 and "Warning" not in stored.output, stored.output
    assert (
        runner.invoke(app, ["password", "set", packet_id, "--stdin"], input=PW + "\n").exit_code
        == 0
    )
    out = tmp_path / "out.pdf"
    built = runner.invoke(
        app, ["build", str(packet), "--keyring", "--allow-incomplete", "-o", str(out)]
    )
    assert built.exit_code == 0, built.output
    text = subprocess.run(
        ["pdftotext", "-upw", PW, str(out), "-"], capture_output=True, text=True
    ).stdout
    assert "Keyring protected record - page 2" in text
    # verify --keyring without --id finds the stored password that opens the packet.
    verified = runner.invoke(app, ["verify", str(out), "--keyring", "--json"])
    assert verified.exit_code == 0, verified.output
    for entry in (f"record:{name}", packet_id):
        assert runner.invoke(app, ["password", "forget", entry]).exit_code == 0
    missing = runner.invoke(app, ["check", str(packet), "--json"])
    assert missing.exit_code == 1 and f"record:{name}" in missing.stdout
