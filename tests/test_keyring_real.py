"""The real OS keyring: a Secret Service (gnome-keyring) that .ci/run starts, unlocked,
inside a private D-Bus session. Outside that session these tests are skipped; inside it
(SOPACKET_REAL_KEYRING=1) they must pass."""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sopacket.cli import app

pytestmark = pytest.mark.skipif(
    os.environ.get("SOPACKET_REAL_KEYRING") != "1",
    reason="needs the Secret Service session that .ci/run starts",
)
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
